/* The kdump-compressed container: makedumpfile's format version 6 from any
 * source.  The layout first (headers, notes with room for the late ones,
 * both bitmaps, a descriptor per RAM or ROM page, then page data); the
 * bitmaps streamed a block at a time from the range list; pages read in
 * batches by this thread (from the source's file where it has one, as the
 * ELF copy reads it), tested for zeros and compressed by worker threads
 * on every CPU the process may use, and written in page order, with memory
 * bounded by the number of batches in flight; a thread starts writeback of
 * the page data behind them (as for ELF cores).  A batch that lies in a hole
 * of the source's file is not read: its pages are zero pages.  Every zero
 * page's descriptor points to one stored zero page, as QEMU's, so crash
 * never meets an excluded page.  The headers go last, when the notes' size is known. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dump/dump.h"
#include "compress.h"
#include "format.h"

#define KD_BATCH 64u          /* pages per job */
#define KD_MAX_JOBS 48
#define KD_DESC_BUF 4096u     /* descriptors written at a time */

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* ---- options ----------------------------------------------------------------- */

/* The page compression, its level, and the ELF core's options refused. */
static int kd_check(struct gc_dump *d)
{
	static const uint32_t flags[] = {
		[GUESTCORE_COMPRESS_DEFAULT] = KD_COMPRESSED_ZSTD, [GUESTCORE_COMPRESS_ZSTD] = KD_COMPRESSED_ZSTD,
		[GUESTCORE_COMPRESS_ZLIB] = KD_COMPRESSED_ZLIB, [GUESTCORE_COMPRESS_LZO] = KD_COMPRESSED_LZO,
		[GUESTCORE_COMPRESS_SNAPPY] = KD_COMPRESSED_SNAPPY, [GUESTCORE_COMPRESS_NONE] = 0,
	};
	int level = d->o.compression_level;

	if (d->o.digest) {
		gc_dump_fail(d, "--digest records digests of ELF segments: drop it or write --format elf");
		return -ENOTSUP;
	}
	if (d->o.copy_mode != GUESTCORE_COPY_AUTO) {
		gc_dump_fail(d, "--copy chooses how an ELF core's bytes are copied; a kdump file's pages are "
				"compressed one by one: drop --copy or write --format elf");
		return -EINVAL;
	}
	if (d->o.no_kernel_vaddr) {
		gc_dump_fail(d, "--vaddr sets an ELF core's p_vaddr; a kdump file has none (readers take the kernel's "
				"addresses from VMCOREINFO): drop --vaddr or write --format elf");
		return -EINVAL;
	}
	if (d->o.elf_class == 32) {
		gc_dump_fail(d, "guestcore writes kdump-compressed files of 64-bit guests only: drop --elf-class=32 "
				"or write --format elf");
		return -ENOTSUP;
	}
	if (d->o.elf_class != 0 && d->o.elf_class != 64) {
		gc_dump_fail(d, "ELF class %d is neither 32 nor 64", d->o.elf_class);
		return -EINVAL;
	}
	if (d->o.compression < 0 || (size_t)d->o.compression >= sizeof(flags) / sizeof(flags[0])) {
		gc_dump_fail(d, "compression %d is not one guestcore knows (zstd, zlib, lzo, snappy, none)",
			     d->o.compression);
		return -EINVAL;
	}
	d->kd_flag = flags[d->o.compression];
	if (level && (d->kd_flag == KD_COMPRESSED_ZLIB ? level < 1 || level > 12
		      : d->kd_flag == KD_COMPRESSED_ZSTD ? level < -7 || level > 22
		      : true)) {
		gc_dump_fail(d, "compression level %d does not suit %s (zstd: -7 to 22, zlib: 1 to 12; lzo and "
				"snappy have none)", level, kd_compression_name(d->kd_flag));
		return -EINVAL;
	}
	return 0;
}

/* ---- layout ------------------------------------------------------------------ */

static int kd_layout(struct gc_dump *d)
{
	struct gc_range_walk w;
	struct guestcore_range rg;
	uint64_t off, prev_end = 0, pages = 0, max_pfn = 0;
	int r;

	if (d->info.e_machine == EM_386) {
		gc_dump_fail(d, "guestcore writes kdump-compressed files of 64-bit guests only: write this one with "
				"--format elf");
		return -ENOTSUP;
	}
	d->elf_class = 64;
	gc_range_walk_init(&w, 0);
	while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
		if (rg.kind == GUESTCORE_RANGE_MMIO)
			continue;
		if (rg.start % GC_PAGE || rg.start < prev_end) {
			gc_dump_fail(d, "the range at guest-physical 0x%" PRIx64 " does not start on a page boundary; "
					"a kdump-compressed file holds whole pages: write --format elf", rg.start);
			return -EINVAL;
		}
		prev_end = align_up(rg.start + rg.length, GC_PAGE);
		pages += (prev_end - rg.start) / GC_PAGE;
		max_pfn = prev_end / GC_PAGE;
	}
	if (r < 0)
		return r;
	d->kd_max_mapnr = max_pfn;
	d->kd_pages = pages;
	gc_notes_place(d, GC_PAGE + KD_S64_SIZE);
	d->kd_sub_blocks = align_up(KD_S64_SIZE + d->notes_reserved, GC_PAGE) / GC_PAGE;
	d->kd_bitmap_len = align_up((max_pfn + 7) / 8, GC_PAGE);
	if (d->kd_bitmap_len == 0)
		d->kd_bitmap_len = GC_PAGE;
	if (d->kd_bitmap_len / GC_PAGE * 2 > UINT32_MAX || d->kd_sub_blocks > UINT32_MAX) {
		gc_dump_fail(d, "guest memory reaches 0x%" PRIx64 ", beyond what a kdump-compressed file's bitmaps "
				"can describe: write --format elf", max_pfn * GC_PAGE);
		return -EFBIG;
	}
	d->kd_bitmap_offset = (1 + d->kd_sub_blocks) * GC_PAGE;
	d->kd_desc_offset = d->kd_bitmap_offset + 2 * d->kd_bitmap_len;
	d->data_offset = d->kd_desc_offset + pages * KD_DESC_SIZE;
	d->file_size = d->data_offset + GC_PAGE; /* the zero page at least */
	return 0;
}

/* ---- bitmaps ------------------------------------------------------------------ */

/* Both bitmaps, the same: a bit per page frame of every RAM and ROM range.
 * One block at a time; blocks with no bit set stay holes. */
static int write_bitmaps(struct gc_dump *d)
{
	unsigned char *blk = d->buf; /* GC_CHUNK >= one block */
	uint64_t cur = UINT64_MAX;   /* the block in BLK */
	struct gc_range_walk w;
	struct guestcore_range rg;
	uint64_t off;
	int r;

#define FLUSH()                                                                                                 \
	do {                                                                                                    \
		if (cur != UINT64_MAX) {                                                                        \
			r = gc_pwrite_all(d, blk, GC_PAGE, d->kd_bitmap_offset + cur * GC_PAGE, "the bitmaps"); \
			if (r == 0)                                                                             \
				r = gc_pwrite_all(d, blk, GC_PAGE, d->kd_bitmap_offset + d->kd_bitmap_len +    \
						  cur * GC_PAGE, "the bitmaps");                                \
			if (r < 0)                                                                              \
				return r;                                                                       \
		}                                                                                               \
	} while (0)

	gc_range_walk_init(&w, 0);
	while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
		uint64_t pfn, end;

		if (rg.kind == GUESTCORE_RANGE_MMIO)
			continue;
		pfn = rg.start / GC_PAGE;
		end = align_up(rg.start + rg.length, GC_PAGE) / GC_PAGE;
		while (pfn < end) {
			uint64_t b = pfn / (GC_PAGE * 8), bend = (b + 1) * GC_PAGE * 8;
			uint64_t upto = end < bend ? end : bend;

			if (b != cur) {
				FLUSH();
				memset(blk, 0, GC_PAGE);
				cur = b;
			}
			for (uint64_t p = pfn; p < upto; p++) {
				uint64_t bit = p % (GC_PAGE * 8);
				if (bit % 8 == 0 && upto - p >= 8) {
					blk[bit / 8] = 0xff;
					p += 7;
				} else {
					blk[bit / 8] |= (unsigned char)(1u << (bit % 8));
				}
			}
			pfn = upto;
		}
	}
	if (r < 0)
		return r;
	FLUSH();
#undef FLUSH
	return 0;
}

/* ---- pages --------------------------------------------------------------------- */

struct kd_job {
	uint64_t addr;                 /* the guest-physical address of its first page */
	unsigned npages;
	bool done;
	bool hole;                     /* in a hole of the source's file: all zero, not read */
	unsigned char *in;             /* KD_BATCH pages */
	unsigned char *out;            /* their compressed data, packed */
	uint32_t size[KD_BATCH];       /* 0: a zero page */
	uint32_t flags[KD_BATCH];
};

struct kd_pipe {
	struct gc_dump *d;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct kd_job *jobs;
	unsigned n_jobs;
	uint64_t filled, taken, written; /* jobs handed to workers, taken by them, written */
	bool stop;
	uint32_t flag;
	int level;
	int err;                       /* a worker's -errno (its compressor could not start) */
};

/* The page at P as the file stores it, at OUT (a page of room): its size,
 * and in *FLAGS how it is compressed (0: as it is, when compression would
 * not make it smaller or there is none). */
static uint32_t store_page(struct kd_compressor *c, const unsigned char *p, unsigned char *out, uint32_t *flags)
{
	size_t n = c->flag ? kd_compress(c, p, GC_PAGE, out) : 0;

	if (n) {
		*flags = c->flag;
		return (uint32_t)n;
	}
	memcpy(out, p, GC_PAGE);
	*flags = 0;
	return GC_PAGE;
}

/* Each page of J stored as the file will hold it (a zero page as none),
 * and looked at by the VMCOREINFO search. */
static void compress_job(struct gc_dump *d, struct kd_compressor *c, struct kd_job *j)
{
	size_t used = 0;

	for (unsigned i = 0; i < j->npages; i++) {
		const unsigned char *p = j->in + (size_t)i * GC_PAGE;

		if (j->hole || gc_page_is_zero(p, GC_PAGE)) {
			j->size[i] = 0;
			j->flags[i] = 0;
			continue;
		}
		gc_vmci_page(d, j->addr + (uint64_t)i * GC_PAGE, p, GC_PAGE);
		j->size[i] = store_page(c, p, j->out + used, &j->flags[i]);
		used += j->size[i];
	}
}

static void worker_run(void *arg)
{
	struct kd_pipe *p = arg;
	struct kd_compressor c;
	int r = kd_compressor_init(&c, p->flag, p->level);

	pthread_mutex_lock(&p->lock);
	if (r < 0 && !p->err)
		p->err = r;
	for (;;) {
		struct kd_job *j;

		while (!p->stop && p->taken == p->filled)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->taken == p->filled)
			break; /* stopping, and nothing left */
		j = &p->jobs[p->taken++ % p->n_jobs];
		pthread_mutex_unlock(&p->lock);
		if (r == 0)
			compress_job(p->d, &c, j);
		pthread_mutex_lock(&p->lock);
		j->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	if (r == 0)
		kd_compressor_free(&c);
}

/* Where descriptors and data go while they are written in page order. */
struct kd_out {
	unsigned char *desc;           /* KD_DESC_BUF descriptors */
	unsigned n_desc;
	uint64_t desc_at;              /* file offset of desc[0] */
	unsigned char *data;           /* GC_CHUNK bytes of page data */
	size_t n_data;
	uint64_t data_at;              /* file offset of data[0] */
	uint64_t zero_at;              /* the one stored zero page */
};

static int flush_desc(struct gc_dump *d, struct kd_out *o)
{
	int r = gc_pwrite_all(d, o->desc, (size_t)o->n_desc * KD_DESC_SIZE, o->desc_at, "page descriptors");

	o->desc_at += (uint64_t)o->n_desc * KD_DESC_SIZE;
	o->n_desc = 0;
	return r;
}

static int flush_data(struct gc_dump *d, struct kd_out *o)
{
	int r = gc_pwrite_all(d, o->data, o->n_data, o->data_at, "page data");

	o->data_at += o->n_data;
	d->page_data_bytes += o->n_data;
	o->n_data = 0;
	gc_writeback_start(d, o->data_at);
	return r;
}

static int write_job(struct gc_dump *d, struct kd_out *o, const struct kd_job *j)
{
	size_t from = 0;
	int r;

	for (unsigned i = 0; i < j->npages; i++) {
		unsigned char *e = o->desc + (size_t)o->n_desc * KD_DESC_SIZE;
		bool be = d->big_endian;

		if (j->size[i] == 0) {
			kd_put(e + KD_D_OFFSET, 8, o->zero_at, be);
			kd_put(e + KD_D_SIZE, 4, GC_PAGE, be);
			kd_put(e + KD_D_FLAGS, 4, 0, be);
		} else {
			if (o->n_data + j->size[i] > GC_CHUNK) {
				r = flush_data(d, o);
				if (r < 0)
					return r;
			}
			kd_put(e + KD_D_OFFSET, 8, o->data_at + o->n_data, be);
			kd_put(e + KD_D_SIZE, 4, j->size[i], be);
			kd_put(e + KD_D_FLAGS, 4, j->flags[i], be);
			memcpy(o->data + o->n_data, j->out + from, j->size[i]);
			o->n_data += j->size[i];
			from += j->size[i];
		}
		kd_put(e + KD_D_PAGE_FLAGS, 8, 0, be);
		if (++o->n_desc == KD_DESC_BUF) {
			r = flush_desc(d, o);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Wait for the oldest job in flight and write it.  Called with the lock. */
static int write_oldest(struct gc_dump *d, struct kd_pipe *p, struct kd_out *o)
{
	struct kd_job *j = &p->jobs[p->written % p->n_jobs];
	int r;

	while (!j->done)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
	r = write_job(d, o, j);
	pthread_mutex_lock(&p->lock);
	j->done = false;
	p->written++;
	return r;
}

static int write_pages(struct gc_dump *d)
{
	struct kd_pipe p = { .d = d, .flag = d->kd_flag, .level = d->o.compression_level };
	struct kd_out o = { 0 };
	struct gc_task tasks[GC_POOL_MAX]; /* a worker per thread of the dump's pool */
	int n_threads = 0, workers = gc_pool_threads(d), r = 0;
	struct gc_range_walk w;
	struct guestcore_range rg;
	uint64_t off;

	p.n_jobs = (unsigned)(3 * workers + 2);
	if (p.n_jobs > KD_MAX_JOBS)
		p.n_jobs = KD_MAX_JOBS;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	p.jobs = calloc(p.n_jobs, sizeof(*p.jobs));
	o.desc = malloc((size_t)KD_DESC_BUF * KD_DESC_SIZE);
	o.data = malloc(GC_CHUNK);
	if (!p.jobs || !o.desc || !o.data) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < p.n_jobs; i++) {
		p.jobs[i].in = malloc((size_t)KD_BATCH * GC_PAGE);
		p.jobs[i].out = malloc((size_t)KD_BATCH * GC_PAGE);
		if (!p.jobs[i].in || !p.jobs[i].out) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (; n_threads < workers; n_threads++) {
		tasks[n_threads] = (struct gc_task){ .fn = worker_run, .arg = &p };
		if (gc_pool_submit(d, &tasks[n_threads]) != 0)
			break;
	}
	if (n_threads == 0) {
		gc_dump_fail(d, "cannot start a compression thread");
		r = -EAGAIN;
		goto out;
	}
	o.desc_at = d->kd_desc_offset;
	o.zero_at = d->data_offset;
	o.data_at = d->data_offset + GC_PAGE;

	pthread_mutex_lock(&p.lock);
	gc_range_walk_init(&w, 0);
	while (r >= 0 && (r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
		uint64_t at = 0, len = align_up(rg.length, GC_PAGE);

		if (rg.kind == GUESTCORE_RANGE_MMIO)
			continue;
		struct gc_extent e = { GC_EXTENT_FILE, 0, 0 };

		while (at < len) {
			struct kd_job *j;
			uint64_t n = len - at < (uint64_t)KD_BATCH * GC_PAGE ? len - at : (uint64_t)KD_BATCH * GC_PAGE;
			uint64_t have, e_end;
			bool hole;

			/* A batch lies in one extent: in a hole of the source's file
			 * or pushed by the source, its pages are zero pages (until
			 * pushed) and not read; one that ends inside a page is read. */
			if (at < rg.length && at >= e.at + e.len)
				gc_range_extent(d, &rg, at, &e);
			e_end = e.at + e.len;
			hole = (e.kind == GC_EXTENT_HOLE || e.kind == GC_EXTENT_PUSHED) && e_end >= at + GC_PAGE;
			if (hole && e_end < at + n)
				n = (e_end - at) / GC_PAGE * GC_PAGE;
			else if (!hole && e_end < at + n)
				n = align_up(e_end - at, GC_PAGE);
			have = at >= rg.length ? 0 : rg.length - at < n ? rg.length - at : n;

			if (p.err) {
				r = p.err;
				break;
			}
			if (p.filled - p.written == p.n_jobs) {
				r = write_oldest(d, &p, &o);
				if (r < 0)
					break;
			}
			pthread_mutex_unlock(&p.lock);
			j = &p.jobs[p.filled % p.n_jobs];
			j->addr = rg.start + at;
			j->hole = hole || have == 0;
			if (gc_cancelled(d))
				r = -ECANCELED;
			else
				r = j->hole ? 0 : gc_read_range(d, &rg, at, j->in, (size_t)have);
			if (r >= 0 && have < n && !j->hole)
				memset(j->in + have, 0, (size_t)(n - have)); /* the last page's tail */
			j->npages = (unsigned)(n / GC_PAGE);
			d->done += have;
			gc_dump_progress(d);
			pthread_mutex_lock(&p.lock);
			if (r < 0)
				break;
			p.filled++;
			pthread_cond_signal(&p.work);
			at += n;
		}
	}
	while (r >= 0 && p.written < p.filled)
		r = write_oldest(d, &p, &o);
	if (r >= 0 && p.err)
		r = p.err;
	p.stop = true;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.lock);
	for (int i = 0; i < n_threads; i++)
		gc_pool_wait(d, &tasks[i]);
	n_threads = 0;
	if (r >= 0 && o.n_data)
		r = flush_data(d, &o);
	if (r >= 0 && o.n_desc)
		r = flush_desc(d, &o);
	if (r >= 0)
		d->file_size = o.data_at > d->data_offset + GC_PAGE ? o.data_at : d->data_offset + GC_PAGE;
	if (r == -ECANCELED)
		gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
	else if (r == -ENOMEM || r == -EINVAL)
		gc_dump_fail(d, "the %s compressor could not start: %s", kd_compression_name(d->kd_flag),
			     strerror(-r));
out:
	if (n_threads) {
		pthread_mutex_lock(&p.lock);
		p.stop = true;
		pthread_cond_broadcast(&p.work);
		pthread_mutex_unlock(&p.lock);
		for (int i = 0; i < n_threads; i++)
			gc_pool_wait(d, &tasks[i]);
	}
	if (p.jobs)
		for (unsigned i = 0; i < p.n_jobs; i++) {
			free(p.jobs[i].in);
			free(p.jobs[i].out);
		}
	free(p.jobs);
	free(o.desc);
	free(o.data);
	pthread_cond_destroy(&p.work);
	pthread_cond_destroy(&p.done);
	pthread_mutex_destroy(&p.lock);
	return r < 0 ? r : 0;
}

/* ---- pages a source pushes --------------------------------------------------------- */

/* The page data goes behind what write_pages() wrote, in the order it
 * arrives; each page's descriptor, at its fixed place, is written again
 * (the newest data wins; the older stays in the file, unreferenced).  One
 * thread compresses: the source's own thread, at the speed it delivers. */
struct kd_push {
	struct kd_compressor c;
	struct kd_decompressor dc;
	unsigned char *data;           /* GC_CHUNK bytes of page data */
	size_t n_data;
	uint64_t data_at;              /* file offset of data[0] */
	unsigned char *desc;           /* KD_DESC_BUF descriptors of consecutive pages */
	unsigned n_desc;
	uint64_t desc_first;           /* the index of desc[0] */
	uint64_t page[GC_PAGE / 8];
	unsigned char out[GC_PAGE];    /* a compressed page read back */
};

static int push_flush(struct gc_dump *d, struct kd_push *k)
{
	int r = 0;

	if (k->n_data) {
		r = gc_pwrite_all(d, k->data, k->n_data, k->data_at, "page data");
		k->data_at += k->n_data;
		d->page_data_bytes += k->n_data;
		k->n_data = 0;
		gc_writeback_start(d, k->data_at);
	}
	if (r == 0 && k->n_desc)
		r = gc_pwrite_all(d, k->desc, (size_t)k->n_desc * KD_DESC_SIZE,
				  d->kd_desc_offset + k->desc_first * KD_DESC_SIZE, "page descriptors");
	k->n_desc = 0;
	return r;
}

static void push_free(struct gc_dump *d)
{
	struct kd_push *k = d->push_state;

	if (!k)
		return;
	kd_compressor_free(&k->c);
	kd_decompressor_free(&k->dc);
	free(k->data);
	free(k->desc);
	free(k);
	d->push_state = NULL;
}

static struct kd_push *push_state(struct gc_dump *d)
{
	struct kd_push *k = d->push_state;

	if (k)
		return k;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	d->push_state = k;
	k->data = malloc(GC_CHUNK);
	k->desc = malloc((size_t)KD_DESC_BUF * KD_DESC_SIZE);
	if (!k->data || !k->desc || kd_compressor_init(&k->c, d->kd_flag, d->o.compression_level) < 0) {
		push_free(d);
		return NULL;
	}
	k->data_at = d->file_size; /* the end of what write_pages() wrote */
	return k;
}

static int kd_push(struct gc_dump *d, const struct gc_pushed *r, uint64_t addr, const void *data, size_t len)
{
	struct kd_push *k = push_state(d);
	const unsigned char *src = data;
	bool be = d->big_endian;
	int e = 0;

	if (!k)
		return -ENOMEM;
	if (addr % GC_PAGE || (len % GC_PAGE && addr + len != r->start + r->length)) {
		gc_dump_fail(d, "source %s pushed 0x%zx bytes at 0x%" PRIx64 ", not whole pages; a kdump-compressed "
			     "file stores whole pages: write --format elf", d->o.source, len, addr);
		return -EINVAL;
	}
	while (len && e == 0) {
		size_t n = len < GC_PAGE ? len : GC_PAGE;
		uint64_t idx = r->first_page + (addr - r->start) / GC_PAGE;
		unsigned char *de;
		uint32_t size = GC_PAGE, flags = 0;
		uint64_t at = 0;

		if (src) {
			memcpy(k->page, src, n);
			memset((unsigned char *)k->page + n, 0, GC_PAGE - n);
		}
		if (!src || gc_page_is_zero((const unsigned char *)k->page, GC_PAGE)) {
			at = d->data_offset; /* the one stored zero page */
		} else {
			/* Room for a page as it is: stored straight into the buffer. */
			if (k->n_data + GC_PAGE > GC_CHUNK && (e = push_flush(d, k)) < 0)
				break;
			at = k->data_at + k->n_data;
			size = store_page(&k->c, (const unsigned char *)k->page, k->data + k->n_data, &flags);
			k->n_data += size;
		}
		if (k->n_desc && (idx != k->desc_first + k->n_desc || k->n_desc == KD_DESC_BUF) &&
		    (e = push_flush(d, k)) < 0)
			break;
		if (!k->n_desc)
			k->desc_first = idx;
		de = k->desc + (size_t)k->n_desc++ * KD_DESC_SIZE;
		kd_put(de + KD_D_OFFSET, 8, at, be);
		kd_put(de + KD_D_SIZE, 4, size, be);
		kd_put(de + KD_D_FLAGS, 4, flags, be);
		kd_put(de + KD_D_PAGE_FLAGS, 8, 0, be);
		addr += n;
		len -= n;
		if (src)
			src += n;
	}
	return e;
}

/* Read back through the descriptors, as the core holds the pages now. */
static int kd_pull(struct gc_dump *d, const struct gc_pushed *r, uint64_t addr, void *buf, size_t len)
{
	struct kd_push *k = push_state(d);
	unsigned char *out = buf;
	bool be = d->big_endian;
	int e;

	if (!k)
		return -ENOMEM;
	if ((e = push_flush(d, k)) < 0)
		return e;
	while (len) {
		uint64_t idx = r->first_page + (addr / GC_PAGE - r->start / GC_PAGE), in = addr % GC_PAGE;
		size_t n = GC_PAGE - in < len ? (size_t)(GC_PAGE - in) : len;
		unsigned char de[KD_DESC_SIZE];
		uint64_t at;
		uint32_t size, flags;

		e = gc_pread_full(d->fd, de, sizeof(de), d->kd_desc_offset + idx * KD_DESC_SIZE);
		if (e == 0) {
			at = kd_get(de + KD_D_OFFSET, 8, be);
			size = (uint32_t)kd_get(de + KD_D_SIZE, 4, be);
			flags = (uint32_t)kd_get(de + KD_D_FLAGS, 4, be);
			e = size > GC_PAGE || (!flags && size != GC_PAGE) ? -EIO
			    : gc_pread_full(d->fd, flags ? k->out : (unsigned char *)k->page, size, at);
		}
		if (e == 0 && flags)
			e = kd_decompress(&k->dc, flags, k->out, size, k->page, GC_PAGE);
		if (e < 0) {
			gc_dump_fail(d, "cannot read back page 0x%" PRIx64 " from %s: %s", addr - in, d->o.output,
				     strerror(-e));
			return e;
		}
		memcpy(out, (unsigned char *)k->page + in, n);
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}

static int kd_push_end(struct gc_dump *d, const struct gc_pushed *ranges, size_t n, bool ok)
{
	struct kd_push *k = d->push_state;
	int r = 0;

	(void)ranges;
	(void)n;
	if (k && ok) {
		r = push_flush(d, k);
		if (r == 0)
			d->file_size = k->data_at;
	}
	push_free(d);
	return r;
}

/* ---- headers -------------------------------------------------------------------- */

static int write_headers(struct gc_dump *d, uint64_t notes_size)
{
	unsigned char h[KD_H64_SIZE] = { 0 }, s[KD_S64_SIZE] = { 0 };
	bool be = d->big_endian;
	uint64_t vmci_off = 0, phys_base = 0;
	char uts[6][KD_UTS_LEN] = { "Linux" };
	const struct gc_note *vmci = gc_notes_vmcoreinfo(d);
	int r;

	/* The kernel's own utsname, as makedumpfile writes it (libkdumpfile
	 * and drgn take the architecture from it); without it the sysname,
	 * the release VMCOREINFO gives and the machine (guestcore(1)). */
	if (vmci) {
		vmci_off = vmci->offset + vmci->size - align_up(vmci->desc_size, 4);
		gc_machine_phys_base(d->info.e_machine, vmci->desc, vmci->desc_size, &phys_base);
		if (gc_kernel_utsname(d, vmci->desc, vmci->desc_size, uts) <= 0)
			gc_vmci_value(vmci->desc, vmci->desc_size, "OSRELEASE", uts[2], sizeof(uts[2]));
		push_free(d); /* what reading a pushed page back allocated */
	}
	if (!uts[4][0] && gc_machine_text(d->info.e_machine))
		snprintf(uts[4], sizeof(uts[4]), "%s", gc_machine_text(d->info.e_machine));
	memcpy(h + KD_H_SIGNATURE, KD_SIGNATURE, KD_SIG_LEN);
	kd_put(h + KD_H_VERSION, 4, KD_HEADER_VERSION, be);
	for (int i = 0; i < 6; i++)
		memcpy(h + KD_H_UTSNAME + i * KD_UTS_LEN, uts[i], strnlen(uts[i], KD_UTS_LEN - 1));
	kd_put(h + KD_H64_TIMESTAMP, 8, (uint64_t)d->created, be);
	kd_put(h + KD_H64_STATUS, 4, d->kd_flag, be);
	kd_put(h + KD_H64_BLOCK_SIZE, 4, GC_PAGE, be);
	kd_put(h + KD_H64_SUB_HDR_SIZE, 4, d->kd_sub_blocks, be);
	kd_put(h + KD_H64_BITMAP_BLOCKS, 4, 2 * d->kd_bitmap_len / GC_PAGE, be);
	kd_put(h + KD_H64_MAX_MAPNR, 4, d->kd_max_mapnr > UINT32_MAX ? UINT32_MAX : d->kd_max_mapnr, be);
	kd_put(h + KD_H64_NR_CPUS, 4, d->info.cpu_count, be);
	r = gc_pwrite_all(d, h, sizeof(h), 0, "the kdump header");
	if (r < 0)
		return r;
	kd_put(s + KD_S64_PHYS_BASE, 8, phys_base, be);
	if (vmci) {
		kd_put(s + KD_S64_OFFSET_VMCOREINFO, 8, vmci_off, be);
		kd_put(s + KD_S64_SIZE_VMCOREINFO, 8, vmci->desc_size, be);
	}
	kd_put(s + KD_S64_OFFSET_NOTE, 8, d->notes_offset, be);
	kd_put(s + KD_S64_SIZE_NOTE, 8, notes_size, be);
	kd_put(s + KD_S64_MAX_MAPNR_64, 8, d->kd_max_mapnr, be);
	return gc_pwrite_all(d, s, sizeof(s), GC_PAGE, "the kdump sub header");
}

/* The bitmaps, then every page: the pages of ranges a source pushes as
 * zero pages first, then as it pushes them. */
static int kd_write_memory(struct gc_dump *d)
{
	int r = write_bitmaps(d);

	if (r >= 0)
		r = write_pages(d);
	return r < 0 || !d->pushes ? r : gc_push_memory(d);
}

const struct gc_container gc_container_kdump = {
	.name = "kdump",
	.check = kd_check,
	.layout = kd_layout,
	.write_memory = kd_write_memory,
	.write_headers = write_headers,
	.push = kd_push,
	.pull = kd_pull,
	.push_end = kd_push_end,
};
