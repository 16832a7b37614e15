/* The kdump-compressed reader: plain files and makedumpfile's flattened
 * form (records indexed once, sorted, overlaps refused), the main and sub
 * headers in either struct layout and byte order, both bitmaps with a rank
 * index (a page's descriptor is found without a walk), descriptors read
 * ahead in blocks, and pages decompressed into exactly one page.  Nothing is
 * allocated or read before its size is checked against the file. */
#include "config.h"

#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "kdfile.h"

#define KD_DCACHE 512u  /* page descriptors read at a time */

static void kd_msg(char *buf, size_t bufsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void kd_msg(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !bufsz)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
}

struct kd_ctx {
	kd_problem_fn fn;
	void *ud;
};

static void problem(const struct kd_ctx *x, const char *id, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(const struct kd_ctx *x, const char *id, uint64_t off, const char *fmt, ...)
{
	char m[400];
	va_list ap;

	if (!x->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	x->fn(x->ud, id, off, m);
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Whether the real file holds all LEN bytes at OFF: of a flattened file,
 * whether its records write every one of them (checked before a buffer of
 * that size is allocated). */
static bool kd_holds(const struct kd_file *k, uint64_t off, uint64_t len)
{
	size_t lo = 0, hi = k->n_recs;

	if (off > k->logical_size || len > k->logical_size - off)
		return false;
	if (!k->flat || !len)
		return true;
	while (hi - lo > 1) { /* the last record starting at or before OFF */
		size_t mid = lo + (hi - lo) / 2;
		if (k->recs[mid].logical <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = lo; i < k->n_recs && k->recs[i].logical <= off; i++) {
		uint64_t end = k->recs[i].logical + k->recs[i].size;
		if (end <= off)
			return false;
		if (end - off >= len)
			return true;
		len -= end - off;
		off = end;
	}
	return false;
}

int kd_pread(struct kd_file *k, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;
	size_t lo, hi;

	if (off > k->logical_size || len > k->logical_size - off)
		return -EIO;
	if (!k->flat)
		return pread_full(k->fd, buf, len, off);
	while (len) {
		const struct kd_flat_rec *r;
		uint64_t in, n;

		/* the last record starting at or before OFF */
		lo = 0;
		hi = k->n_recs;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (k->recs[mid].logical <= off)
				lo = mid;
			else
				hi = mid;
		}
		if (!k->n_recs || k->recs[lo].logical > off || off - k->recs[lo].logical >= k->recs[lo].size)
			return -EIO; /* no record wrote these bytes */
		r = &k->recs[lo];
		in = off - r->logical;
		n = r->size - in < len ? r->size - in : len;
		if (pread_full(k->fd, p, (size_t)n, r->file + in) < 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct kd_flat_rec *x = a, *y = b;

	return x->logical < y->logical ? -1 : x->logical > y->logical;
}

static int open_flat(struct kd_file *k, const struct kd_ctx *x, char *msg, size_t msgsz)
{
	unsigned char h[32];
	uint64_t pos = KD_FLAT_HEADER_SIZE;
	size_t cap = 0;
	bool ended = false;

	if (pread_full(k->fd, h, sizeof(h), 0) < 0 || k->file_size < KD_FLAT_HEADER_SIZE) {
		kd_msg(msg, msgsz, "a flattened kdump file shorter than its %u-byte header: the file is truncated",
		       KD_FLAT_HEADER_SIZE);
		return -EINVAL;
	}
	if (kd_get(h + 16, 8, true) != KD_FLAT_TYPE || kd_get(h + 24, 8, true) != KD_FLAT_VERSION) {
		kd_msg(msg, msgsz, "a flattened kdump file of type %" PRIu64 " version %" PRIu64 ", not type 1 "
		       "version 1: reassemble it with 'makedumpfile -R'", kd_get(h + 16, 8, true), kd_get(h + 24, 8, true));
		return -EINVAL;
	}
	k->flat = true;
	while (pos + 16 <= k->file_size) {
		unsigned char rh[16];
		uint64_t off, size;

		if (pread_full(k->fd, rh, sizeof(rh), pos) < 0)
			return -EIO;
		off = kd_get(rh, 8, true);
		size = kd_get(rh + 8, 8, true);
		if (off == UINT64_MAX && size == UINT64_MAX) {
			ended = true;
			break;
		}
		if (off >> 62 || size > k->file_size - pos - 16) {
			kd_msg(msg, msgsz, "the flattened record at 0x%" PRIx64 " claims 0x%" PRIx64 " bytes at 0x%"
			       PRIx64 ", past the end of the file: the file is truncated or corrupt", pos, size, off);
			return -EINVAL;
		}
		if (size) {
			if (k->n_recs >= KD_MAX_FLAT_RECORDS) {
				kd_msg(msg, msgsz, "more than %u flattened records: reassemble the file with "
				       "'makedumpfile -R'", KD_MAX_FLAT_RECORDS);
				return -E2BIG;
			}
			if (k->n_recs == cap) {
				struct kd_flat_rec *v = reallocarray(k->recs, cap ? cap * 2 : 256, sizeof(*v));
				if (!v)
					return -ENOMEM;
				k->recs = v;
				cap = cap ? cap * 2 : 256;
			}
			k->recs[k->n_recs++] = (struct kd_flat_rec){ .logical = off, .size = size, .file = pos + 16 };
			if (off + size > k->logical_size)
				k->logical_size = off + size;
		}
		pos += 16 + size;
	}
	if (!ended)
		problem(x, "kdump.flat", pos, "the flattened file has no end record at 0x%" PRIx64 ": it was cut short",
			pos);
	if (k->n_recs)
		qsort(k->recs, k->n_recs, sizeof(*k->recs), rec_cmp);
	for (size_t i = 1; i < k->n_recs; i++)
		if (k->recs[i].logical < k->recs[i - 1].logical + k->recs[i - 1].size) {
			kd_msg(msg, msgsz, "two flattened records write offset 0x%" PRIx64 ": reassemble the file with "
			       "'makedumpfile -R'", k->recs[i].logical);
			return -EINVAL;
		}
	return 0;
}

/* Where the header's fields after utsname are, per struct layout. */
struct kd_layout {
	unsigned ts, ts_size, status, block, sub, bitmap, max_mapnr, total, device, written, cpu, nr_cpus, size;
	unsigned s_long, s_size; /* sub header: sizeof(long), size */
};
static const struct kd_layout lay64 = { 408, 8, 424, 428, 432, 436, 440, 444, 448, 452, 456, 460, KD_H64_SIZE,
					8, KD_S64_SIZE };
static const struct kd_layout lay32 = { 404, 4, 412, 416, 420, 424, 428, 432, 436, 440, 444, 448, 452, 4, 80 };

static bool machine_is_32(const char *m)
{
	return (m[0] == 'i' && m[1] >= '3' && m[1] <= '6' && strcmp(m + 2, "86") == 0) ||
	       (strncmp(m, "arm", 3) == 0);
}

uint16_t kd_machine(const struct kd_file *k)
{
	const char *m = k->uts[4];

	if (strcmp(m, "x86_64") == 0)
		return EM_X86_64;
	if (machine_is_32(m) && m[0] == 'i')
		return EM_386;
	if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0)
		return EM_AARCH64;
	if (strncmp(m, "arm", 3) == 0)
		return EM_ARM;
	if (strncmp(m, "ppc64", 5) == 0)
		return EM_PPC64;
	if (strcmp(m, "s390x") == 0 || strcmp(m, "s390") == 0)
		return EM_S390;
	if (strncmp(m, "riscv", 5) == 0)
		return EM_RISCV;
	return 0;
}

static int read_sub(struct kd_file *k, const struct kd_layout *L, char *msg, size_t msgsz)
{
	unsigned char s[KD_S64_SIZE] = { 0 };
	bool be = k->be;
	unsigned w = L->s_long;

	k->sub_offset = k->block_size;
	k->sub_size = L->s_size;
	if (kd_pread(k, s, L->s_size, k->sub_offset) < 0) {
		kd_msg(msg, msgsz, "the kdump sub header at 0x%" PRIx64 " is not in the file: it is truncated",
		       k->sub_offset);
		return -EINVAL;
	}
	if (w == 8) {
		k->phys_base = kd_get(s + KD_S64_PHYS_BASE, 8, be);
		k->dump_level = (int32_t)kd_get(s + KD_S64_DUMP_LEVEL, 4, be);
		k->split = (int32_t)kd_get(s + KD_S64_SPLIT, 4, be);
		k->start_pfn = kd_get(s + KD_S64_START_PFN, 8, be);
		k->end_pfn = kd_get(s + KD_S64_END_PFN, 8, be);
		k->offset_vmcoreinfo = kd_get(s + KD_S64_OFFSET_VMCOREINFO, 8, be);
		k->size_vmcoreinfo = kd_get(s + KD_S64_SIZE_VMCOREINFO, 8, be);
		k->offset_note = kd_get(s + KD_S64_OFFSET_NOTE, 8, be);
		k->size_note = kd_get(s + KD_S64_SIZE_NOTE, 8, be);
		k->offset_eraseinfo = kd_get(s + KD_S64_OFFSET_ERASEINFO, 8, be);
		k->size_eraseinfo = kd_get(s + KD_S64_SIZE_ERASEINFO, 8, be);
		k->start_pfn_64 = kd_get(s + KD_S64_START_PFN_64, 8, be);
		k->end_pfn_64 = kd_get(s + KD_S64_END_PFN_64, 8, be);
		k->max_mapnr_64 = kd_get(s + KD_S64_MAX_MAPNR_64, 8, be);
	} else {
		k->phys_base = kd_get(s + 0, 4, be);
		k->dump_level = (int32_t)kd_get(s + 4, 4, be);
		k->split = (int32_t)kd_get(s + 8, 4, be);
		k->start_pfn = kd_get(s + 12, 4, be);
		k->end_pfn = kd_get(s + 16, 4, be);
		k->offset_vmcoreinfo = kd_get(s + 20, 8, be);
		k->size_vmcoreinfo = kd_get(s + 28, 4, be);
		k->offset_note = kd_get(s + 32, 8, be);
		k->size_note = kd_get(s + 40, 4, be);
		k->offset_eraseinfo = kd_get(s + 44, 8, be);
		k->size_eraseinfo = kd_get(s + 52, 4, be);
		k->start_pfn_64 = kd_get(s + 56, 8, be);
		k->end_pfn_64 = kd_get(s + 64, 8, be);
		k->max_mapnr_64 = kd_get(s + 72, 8, be);
	}
	/* Fields a header version does not have are not there. */
	if (k->header_version < 3)
		k->offset_vmcoreinfo = k->size_vmcoreinfo = 0;
	if (k->header_version < 4)
		k->offset_note = k->size_note = 0;
	if (k->header_version < 5)
		k->offset_eraseinfo = k->size_eraseinfo = 0;
	if (k->header_version < 6)
		k->start_pfn_64 = k->end_pfn_64 = k->max_mapnr_64 = 0;
	return 0;
}

static uint64_t popcount_bytes(const unsigned char *p, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		c += (uint64_t)__builtin_popcountll(w);
	}
	for (; i < n; i++)
		c += (uint64_t)__builtin_popcount(p[i]);
	return c;
}

/* Word Q (64 page frames, frame Q*64 in bit 0) of bitmap BM. */
static uint64_t bm_word(const unsigned char *bm, uint64_t q)
{
	uint64_t w;

	memcpy(&w, bm + q * 8, 8);
	return le64toh(w);
}

/* Bit INDEX (from 0) among the bits WORD gives of K's words, the count
 * of them before each 4096-bit block in RANK: the block by bisection, the
 * bit within it.  INDEX is below the bits there are. */
static uint64_t select_bit(const struct kd_file *k, const uint64_t *rank, uint64_t index,
			   uint64_t (*word)(const struct kd_file *k, uint64_t q))
{
	uint64_t lo = 0, hi = (k->max_mapnr + 4095) / 4096, left;

	while (hi - lo > 1) { /* the last block with rank <= INDEX */
		uint64_t mid = lo + (hi - lo) / 2;
		if (rank[mid] <= index)
			lo = mid;
		else
			hi = mid;
	}
	left = index - rank[lo];
	for (uint64_t q = lo * 64;; q++) {
		uint64_t w = word(k, q), n = (uint64_t)__builtin_popcountll(w);

		if (left < n) {
			while (left--)
				w &= w - 1;
			return q * 64 + (uint64_t)__builtin_ctzll(w);
		}
		left -= n;
	}
}

/* The dumped frames: the second bitmap's bits. */
static uint64_t dumped_bits(const struct kd_file *k, uint64_t q)
{
	return bm_word(k->bm2, q);
}

/* Bits at and past frame END are no frames: cleared in both bitmaps. */
static void cut_bitmaps(struct kd_file *k, uint64_t end, uint64_t need)
{
	uint64_t keep = (end + 7) / 8;

	memset(k->bm1 + keep, 0, need - keep);
	memset(k->bm2 + keep, 0, need - keep);
	if (end % 8) {
		unsigned char mask = (unsigned char)((1u << (end % 8)) - 1);
		k->bm1[keep - 1] &= mask;
		k->bm2[keep - 1] &= mask;
	}
	k->max_mapnr = end;
}

/* Runs of frames start where a bit is set and the one before it is not. */
static uint64_t run_starts(const struct kd_file *k, uint64_t q)
{
	uint64_t w = bm_word(k->bm1, q), before = q ? bm_word(k->bm1, q - 1) >> 63 : 0;

	return w & ~(w << 1 | before);
}

static void index_runs(struct kd_file *k)
{
	uint64_t blocks = (k->max_mapnr + 4095) / 4096, words = (k->max_mapnr + 63) / 64;

	for (uint64_t b = 0; b < blocks; b++) {
		uint64_t n = 0;
		for (uint64_t q = b * 64; q < (b + 1) * 64 && q < words; q++)
			n += (uint64_t)__builtin_popcountll(run_starts(k, q));
		k->run_rank[b + 1] = k->run_rank[b] + n;
	}
	k->n_runs = k->run_rank[blocks];
	k->run_j = UINT64_MAX;
}

int kd_run(struct kd_file *k, uint64_t j, uint64_t *start, uint64_t *end)
{
	uint64_t p;

	if (j >= k->n_runs)
		return -ERANGE;
	if (j != k->run_j) {
		if (k->run_j != UINT64_MAX && j == k->run_j + 1)
			p = k->run_end;
		else
			p = select_bit(k, k->run_rank, j, run_starts);
		if (!kd_next_run(k, &p, &k->run_end))
			return -ERANGE; /* not reached: the index counted it */
		k->run_start = p;
		k->run_j = j;
	}
	*start = k->run_start;
	*end = k->run_end;
	return 0;
}

static int read_bitmaps(struct kd_file *k, const struct kd_ctx *x, char *msg, size_t msgsz)
{
	uint64_t need, blocks, held;

	k->bitmap_offset = (uint64_t)(1 + k->sub_hdr_size) * k->block_size;
	if (k->bitmap_blocks % 2)
		problem(x, "kdump.bitmap", 0, "bitmap_blocks is %u, an odd number: the two bitmaps cannot be the "
			"same size", k->bitmap_blocks);
	k->bitmap_len = (uint64_t)(k->bitmap_blocks / 2) * k->block_size;
	k->desc_offset = k->bitmap_offset + 2 * k->bitmap_len;
	if (k->max_mapnr > k->bitmap_len * 8) {
		problem(x, "kdump.bitmap", k->bitmap_offset, "max_mapnr 0x%" PRIx64 " needs more bits than the 0x%"
			PRIx64 " bytes of each bitmap: frames past 0x%" PRIx64 " are not read", k->max_mapnr,
			k->bitmap_len, k->bitmap_len * 8);
		k->max_mapnr = k->bitmap_len * 8;
	}
	need = (k->max_mapnr + 7) / 8;
	if (need > KD_MAX_BITMAP_BYTES) {
		kd_msg(msg, msgsz, "the bitmaps describe 0x%" PRIx64 " page frames, more than guestcore reads "
		       "(%llu MiB of bitmap)", k->max_mapnr, KD_MAX_BITMAP_BYTES >> 20);
		return -E2BIG;
	}
	if (!kd_holds(k, k->bitmap_offset, 2 * k->bitmap_len)) {
		kd_msg(msg, msgsz, "the bitmaps (0x%" PRIx64 " bytes each at 0x%" PRIx64 ") reach past the end of "
		       "the file: it is truncated", k->bitmap_len, k->bitmap_offset);
		return -EINVAL;
	}
	k->bm1 = calloc(1, need + 8);
	k->bm2 = calloc(1, need + 8);
	blocks = (k->max_mapnr + 4095) / 4096;
	k->rank = calloc(blocks + 1, sizeof(*k->rank));
	k->run_rank = calloc(blocks + 1, sizeof(*k->run_rank));
	if (!k->bm1 || !k->bm2 || !k->rank || !k->run_rank)
		return -ENOMEM;
	if ((need && kd_pread(k, k->bm1, need, k->bitmap_offset) < 0) ||
	    (need && kd_pread(k, k->bm2, need, k->bitmap_offset + k->bitmap_len) < 0)) {
		kd_msg(msg, msgsz, "the bitmaps at 0x%" PRIx64 " cannot be read: the file is truncated",
		       k->bitmap_offset);
		return -EINVAL;
	}
	cut_bitmaps(k, k->max_mapnr, need); /* bits past max_mapnr are not frames */
	for (uint64_t b = 0; b < blocks; b++) {
		uint64_t at = b * 512, n = need - at < 512 ? need - at : 512;
		k->rank[b + 1] = k->rank[b] + popcount_bytes(k->bm2 + at, (size_t)n);
	}
	k->n_dumpable = k->rank[blocks];
	/* Descriptors the file does not hold describe nothing: the frames from
	 * the first of them on are cut off here, before anything walks them,
	 * so that no reader works for what the file only claims. */
	held = k->desc_offset < k->logical_size ? (k->logical_size - k->desc_offset) / KD_DESC_SIZE : 0;
	if (k->n_dumpable > held) {
		uint64_t end = select_bit(k, k->rank, held, dumped_bits);

		problem(x, "kdump.desc.bounds", k->desc_offset, "the %" PRIu64 " page descriptors at 0x%" PRIx64 " reach "
			"past the end of the file, which holds %" PRIu64 " of them: it is truncated, and the page frames "
			"from 0x%" PRIx64 " on are not read", k->n_dumpable, k->desc_offset, held, end);
		cut_bitmaps(k, end, need);
		k->n_dumpable = held;
	}
	k->n_present = popcount_bytes(k->bm1, (size_t)need);
	index_runs(k);
	for (uint64_t i = 0; i < need; i++)
		if (k->bm2[i] & ~k->bm1[i]) {
			problem(x, "kdump.bitmap", k->bitmap_offset + k->bitmap_len + i, "the second bitmap marks page "
				"frame 0x%" PRIx64 " dumped, but the first bitmap has no page there",
				i * 8 + (uint64_t)__builtin_ctz(k->bm2[i] & ~k->bm1[i]));
			break;
		}
	return 0;
}

int kd_open(struct kd_file *k, int fd, uint64_t file_size, kd_problem_fn fn, void *ud, char *msg, size_t msgsz)
{
	struct kd_ctx x = { fn, ud };
	unsigned char h[KD_H64_SIZE];
	const struct kd_layout *L;
	uint32_t v_le, v_be;
	int r;

	memset(k, 0, sizeof(*k));
	k->fd = fd;
	k->file_size = k->logical_size = file_size;
	if (file_size < 16 || pread_full(fd, h, 16, 0) < 0)
		return 0;
	if (memcmp(h, KD_FLAT_SIGNATURE, sizeof(KD_FLAT_SIGNATURE)) == 0) {
		k->logical_size = 0;
		r = open_flat(k, &x, msg, msgsz);
		if (r < 0)
			goto fail;
		if (kd_pread(k, h, 16, 0) < 0 || memcmp(h, KD_SIGNATURE, KD_SIG_LEN) != 0) {
			kd_msg(msg, msgsz, "a flattened file that does not hold a kdump-compressed file (no \"KDUMP\" "
			       "signature at its offset 0)");
			r = -EINVAL;
			goto fail;
		}
	} else if (memcmp(h, KD_SIGNATURE, KD_SIG_LEN) != 0) {
		return 0;
	}
	if (kd_pread(k, h, lay32.size, 0) < 0) {
		kd_msg(msg, msgsz, "the kdump header is cut short: the file is truncated");
		r = -EINVAL;
		goto fail;
	}
	v_le = (uint32_t)kd_get(h + KD_H_VERSION, 4, false);
	v_be = (uint32_t)kd_get(h + KD_H_VERSION, 4, true);
	if (v_le >= 1 && v_le <= 64) {
		k->be = false;
	} else if (v_be >= 1 && v_be <= 64) {
		k->be = true;
	} else {
		kd_msg(msg, msgsz, "kdump header version %u is not one guestcore knows (1 to 6)", v_le);
		r = -EINVAL;
		goto fail;
	}
	k->header_version = k->be ? v_be : v_le;
	for (int i = 0; i < 6; i++) {
		memcpy(k->uts[i], h + KD_H_UTSNAME + i * KD_UTS_LEN, KD_UTS_LEN);
		k->uts[i][KD_UTS_LEN] = '\0';
	}
	k->lp32 = machine_is_32(k->uts[4]);
	L = k->lp32 ? &lay32 : &lay64;
	if (!k->lp32 && kd_pread(k, h, lay64.size, 0) < 0) {
		kd_msg(msg, msgsz, "the kdump header is cut short: the file is truncated");
		r = -EINVAL;
		goto fail;
	}
	k->ts_sec = kd_get(h + L->ts, L->ts_size, k->be);
	k->ts_usec = kd_get(h + L->ts + L->ts_size, L->ts_size, k->be);
	k->status = (uint32_t)kd_get(h + L->status, 4, k->be);
	k->block_size = (uint32_t)kd_get(h + L->block, 4, k->be);
	k->sub_hdr_size = (uint32_t)kd_get(h + L->sub, 4, k->be);
	k->bitmap_blocks = (uint32_t)kd_get(h + L->bitmap, 4, k->be);
	k->max_mapnr32 = (uint32_t)kd_get(h + L->max_mapnr, 4, k->be);
	k->total_ram_blocks = (uint32_t)kd_get(h + L->total, 4, k->be);
	k->device_blocks = (uint32_t)kd_get(h + L->device, 4, k->be);
	k->written_blocks = (uint32_t)kd_get(h + L->written, 4, k->be);
	k->current_cpu = (uint32_t)kd_get(h + L->cpu, 4, k->be);
	k->nr_cpus = (int32_t)kd_get(h + L->nr_cpus, 4, k->be);
	if (k->block_size < KD_MIN_BLOCK || k->block_size > KD_MAX_BLOCK || (k->block_size & (k->block_size - 1))) {
		kd_msg(msg, msgsz, "the kdump header's block size %u is not a page size (a power of two from 1 KiB "
		       "to 64 KiB)", k->block_size);
		r = -EINVAL;
		goto fail;
	}
	if (k->sub_hdr_size == 0 || k->sub_hdr_size > (1u << 20)) {
		kd_msg(msg, msgsz, "the kdump header's sub_hdr_size %u blocks is not possible", k->sub_hdr_size);
		r = -EINVAL;
		goto fail;
	}
	r = read_sub(k, L, msg, msgsz);
	if (r < 0)
		goto fail;
	k->max_mapnr = k->header_version >= 6 && k->max_mapnr_64 ? k->max_mapnr_64 : k->max_mapnr32;
	k->header_mapnr = k->max_mapnr;
	if (k->header_version >= 6 && k->max_mapnr_64 && k->max_mapnr_64 <= UINT32_MAX &&
	    k->max_mapnr32 != k->max_mapnr_64)
		problem(&x, "kdump.header", L->max_mapnr, "max_mapnr 0x%x disagrees with the sub header's "
			"max_mapnr_64 0x%" PRIx64, k->max_mapnr32, k->max_mapnr_64);
	r = read_bitmaps(k, &x, msg, msgsz);
	if (r < 0)
		goto fail;
	k->cbuf = malloc(k->block_size);
	k->last = malloc(k->block_size);
	k->last_r = 1;
	k->rank_pfn = UINT64_MAX;
	k->dcache = malloc(KD_DCACHE * KD_DESC_SIZE);
	if (!k->cbuf || !k->last || !k->dcache) {
		r = -ENOMEM;
		goto fail;
	}
	return 1;
fail:
	if (r == -ENOMEM)
		kd_msg(msg, msgsz, "out of memory");
	else if (r == -EIO)
		kd_msg(msg, msgsz, "read error");
	kd_close(k);
	return r;
}

void kd_close(struct kd_file *k)
{
	free(k->recs);
	free(k->bm1);
	free(k->bm2);
	free(k->rank);
	free(k->run_rank);
	free(k->cbuf);
	free(k->last);
	free(k->dcache);
	kd_decompressor_free(&k->dc);
	k->recs = NULL;
	k->bm1 = k->bm2 = k->cbuf = k->last = k->dcache = NULL;
	k->rank = k->run_rank = NULL;
	k->n_recs = 0;
}

int kd_desc_at(struct kd_file *k, uint64_t index, struct kd_desc *ret)
{
	const unsigned char *p;

	if (index >= k->n_dumpable)
		return -ERANGE;
	if (index < k->dcache_first || index - k->dcache_first >= k->dcache_n) {
		uint64_t n = k->n_dumpable - index < KD_DCACHE ? k->n_dumpable - index : KD_DCACHE;
		k->dcache_n = 0;
		if (kd_pread(k, k->dcache, (size_t)n * KD_DESC_SIZE, k->desc_offset + index * KD_DESC_SIZE) < 0) {
			/* read just this one, in case only the rest is gone */
			if (kd_pread(k, k->dcache, KD_DESC_SIZE, k->desc_offset + index * KD_DESC_SIZE) < 0)
				return -EIO;
			n = 1;
		}
		k->dcache_first = index;
		k->dcache_n = n;
	}
	p = k->dcache + (index - k->dcache_first) * KD_DESC_SIZE;
	ret->offset = kd_get(p + KD_D_OFFSET, 8, k->be);
	ret->size = (uint32_t)kd_get(p + KD_D_SIZE, 4, k->be);
	ret->flags = (uint32_t)kd_get(p + KD_D_FLAGS, 4, k->be);
	ret->page_flags = kd_get(p + KD_D_PAGE_FLAGS, 8, k->be);
	return 0;
}

int kd_page_desc(struct kd_file *k, uint64_t pfn, struct kd_desc *ret, uint64_t *ret_index)
{
	uint64_t idx, base;

	if (pfn >= k->max_mapnr || !kd_bit(k->bm2, pfn))
		return -ENXIO;
	if (k->rank_pfn != UINT64_MAX && pfn == k->rank_pfn) {
		idx = k->rank_idx; /* the same page again */
	} else if (k->rank_pfn != UINT64_MAX && pfn == k->rank_pfn + 1) {
		idx = k->rank_idx + 1; /* the next one: RANK_PFN is dumped */
	} else {
		idx = k->rank[pfn >> 12];
		base = (pfn >> 12) << 12;
		idx += popcount_bytes(k->bm2 + (base >> 3), (size_t)((pfn - base) >> 3));
		for (uint64_t b = pfn & ~7ull; b < pfn; b++)
			idx += kd_bit(k->bm2, b);
	}
	k->rank_pfn = pfn;
	k->rank_idx = idx;
	if (ret_index)
		*ret_index = idx;
	return kd_desc_at(k, idx, ret);
}

/* Read and decompress the page of descriptor D into K->last: 0, -ENOMEM,
 * or -EIO with the reason in K->last_why. */
static int load_page(struct kd_file *k, const struct kd_desc *d)
{
	int r;

	if (d->size > k->block_size || (d->offset >> 63)) {
		kd_msg(k->last_why, sizeof(k->last_why), "its descriptor claims %u bytes at 0x%" PRIx64 ", more than a "
		       "page or not in the file", d->size, d->offset);
		return -EIO;
	}
	if (kd_pread(k, k->cbuf, d->size, d->offset) < 0) {
		kd_msg(k->last_why, sizeof(k->last_why), "its %u bytes at 0x%" PRIx64 " are past the end of the file: "
		       "it is truncated", d->size, d->offset);
		return -EIO;
	}
	r = kd_decompress(&k->dc, d->flags, k->cbuf, d->size, k->last, k->block_size);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		const char *how = r == -ENOTSUP ? NULL : kd_compression_name(d->flags & KD_COMPRESSED_MASK);
		char fl[32];

		if (!how) {
			snprintf(fl, sizeof(fl), "unknown flags 0x%x", d->flags);
			how = fl;
		}
		kd_msg(k->last_why, sizeof(k->last_why), "its %u bytes at 0x%" PRIx64 " (%s) do not %s to exactly one "
		       "page", d->size, d->offset, how, d->flags & KD_COMPRESSED_MASK ? "decompress" : "amount");
		return -EIO;
	}
	return 0;
}

int kd_read_page(struct kd_file *k, uint64_t pfn, const unsigned char **ret, char *msg, size_t msgsz)
{
	struct kd_desc d;
	int r = kd_page_desc(k, pfn, &d, NULL);

	if (r == -ENXIO)
		return r;
	if (r < 0) {
		kd_msg(msg, msgsz, "the page descriptor of page frame 0x%" PRIx64 " is past the end of the file: it "
		       "is truncated", pfn);
		return -EIO;
	}
	if (k->last_r == 1 || d.offset != k->last_desc.offset || d.size != k->last_desc.size ||
	    d.flags != k->last_desc.flags) {
		r = load_page(k, &d);
		if (r == -ENOMEM) {
			k->last_r = 1;
			kd_msg(msg, msgsz, "out of memory");
			return r;
		}
		k->last_desc = d;
		k->last_r = r;
	}
	if (k->last_r < 0) {
		kd_msg(msg, msgsz, "page frame 0x%" PRIx64 ": %s", pfn, k->last_why);
		return k->last_r;
	}
	*ret = k->last;
	return 0;
}

bool kd_next_run(const struct kd_file *k, uint64_t *pfn, uint64_t *end)
{
	uint64_t p = *pfn, e;

	while (p < k->max_mapnr && !kd_bit(k->bm1, p))
		p += (p % 64 == 0 && p + 64 <= k->max_mapnr && !memcmp(k->bm1 + p / 8, "\0\0\0\0\0\0\0\0", 8)) ? 64 : 1;
	if (p >= k->max_mapnr)
		return false;
	for (e = p; e < k->max_mapnr && kd_bit(k->bm1, e);)
		e += (e % 64 == 0 && e + 64 <= k->max_mapnr &&
		      !memcmp(k->bm1 + e / 8, "\xff\xff\xff\xff\xff\xff\xff\xff", 8)) ? 64 : 1;
	*pfn = p;
	*end = e;
	return true;
}

int kd_note_next(const unsigned char *blob, uint64_t size, uint64_t *off, bool be, struct kd_note *ret)
{
	uint64_t at = *off, next;

	if (at > size || size - at < 12)
		return 0;
	ret->namesz = (uint32_t)kd_get(blob + at, 4, be);
	ret->descsz = (uint32_t)kd_get(blob + at + 4, 4, be);
	ret->type = (uint32_t)kd_get(blob + at + 8, 4, be);
	if (ret->namesz == 0 && ret->descsz == 0 && ret->type == 0)
		return 0; /* padding */
	ret->name_off = at + 12;
	ret->desc_off = ret->name_off + ((ret->namesz + 3ull) & ~3ull);
	if (ret->desc_off > size || ret->descsz > size - ret->desc_off)
		return -EINVAL;
	next = ret->desc_off + ((ret->descsz + 3ull) & ~3ull);
	*off = next > size ? size : next;
	return 1;
}
