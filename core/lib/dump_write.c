/* guestcore_dump(): compute the whole layout (headers, notes, every segment's
 * offset), then stream memory into an unnamed file in the output's directory, holes
 * skipped, zero-copy where the source allows; write notes and headers last;
 * fsync and link into place (outfile.c).  On any failure the output is
 * untouched, the unnamed file is gone and the guest is resumed. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "dump.h"

void gc_dump_fail(struct gc_dump *d, const char *fmt, ...)
{
	va_list ap;

	if (d->msg[0])
		return; /* the first failure is the one to report */
	va_start(ap, fmt);
	vsnprintf(d->msg, d->msgsz, fmt, ap);
	va_end(ap);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static bool cancelled(const struct gc_dump *d)
{
	return d->o.cancel && *d->o.cancel;
}

static int io_error(struct gc_dump *d, int err, const char *what)
{
	if (err == ENOSPC || err == EDQUOT)
		gc_dump_fail(d, "no space left writing %s to %s: free space there or write elsewhere with -o", what,
			     d->o.output);
	else if (err == EFBIG)
		gc_dump_fail(d, "file size limit reached writing %s to %s (ulimit -f): raise the limit or write "
				"elsewhere", what, d->o.output);
	else
		gc_dump_fail(d, "cannot write %s to %s: %s", what, d->o.output, strerror(err));
	return -err;
}

int gc_pwrite_all(struct gc_dump *d, const void *buf, size_t len, uint64_t off, const char *what)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = pwrite(d->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_error(d, errno, what);
		if (n == 0)
			return io_error(d, EIO, what);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* ---- layout -------------------------------------------------------------------- */

static int compute_layout(struct gc_dump *d)
{
	uint64_t phent, ehsize, off, max_end = 0;
	bool fits32 = true;

	d->n_phdrs = 1 + (uint64_t)d->n_ranges;
	for (size_t i = 0; i < d->n_ranges; i++)
		if (d->ranges[i].start + d->ranges[i].length > max_end)
			max_end = d->ranges[i].start + d->ranges[i].length;
	if (max_end > UINT32_MAX + 1ull)
		fits32 = false;
	if (d->o.elf_class == 32 && !fits32) {
		gc_dump_fail(d, "an ELF32 core cannot hold guest memory above 4 GiB: drop --elf-class=32");
		return -EINVAL;
	}
	d->elf_class = d->o.elf_class ? d->o.elf_class : (d->info.e_machine == EM_386 && fits32 ? 32 : 64);

again:
	ehsize = d->elf_class == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	phent = d->elf_class == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	off = ehsize + d->n_phdrs * phent;
	if (d->n_phdrs >= PN_XNUM)
		off = align_up(off, 8) + (d->elf_class == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr));
	d->notes_offset = align_up(off, 8);
	d->notes_reserved = 0;
	for (size_t i = 0; i < d->n_notes; i++) {
		d->notes[i].offset = d->notes_offset + d->notes_reserved;
		d->notes_reserved += d->notes[i].size;
	}
	d->notes_reserved += (uint64_t)GC_UNREADABLE_NOTES * d->unreadable_note_size;
	d->notes_reserved += (uint64_t)d->n_digest_notes * d->digest_note_size;
	d->data_offset = align_up(d->notes_offset + d->notes_reserved, GC_PAGE);
	off = d->data_offset;
	free(d->range_offset);
	d->range_offset = calloc(d->n_ranges ? d->n_ranges : 1, sizeof(uint64_t));
	if (!d->range_offset)
		return -ENOMEM;
	d->total = 0;
	for (size_t i = 0; i < d->n_ranges; i++) {
		off = align_up(off, GC_PAGE);
		d->range_offset[i] = off;
		if (d->ranges[i].kind != GUESTCORE_RANGE_MMIO) {
			off += d->ranges[i].length;
			d->total += d->ranges[i].length;
		}
	}
	d->file_size = off;
	if (d->elf_class == 32 && off > UINT32_MAX) {
		if (d->o.elf_class == 32) {
			gc_dump_fail(d, "the core would be larger than 4 GiB, more than ELF32 can address: drop "
					"--elf-class=32");
			return -EFBIG;
		}
		d->elf_class = 64;
		goto again;
	}
	return 0;
}

/* ---- headers ------------------------------------------------------------------- */

static int write_headers(struct gc_dump *d, uint64_t notes_size)
{
	bool be = d->big_endian, is64 = d->elf_class == 64;
	unsigned char eh[64] = { 0 };
	uint64_t phent = is64 ? 56 : 32, ehsize = is64 ? 64 : 52, phoff = ehsize;
	uint64_t shoff = 0, shent = is64 ? 64 : 40;
	bool xnum = d->n_phdrs >= PN_XNUM;
	unsigned char *buf = d->buf;
	size_t used = 0;
	uint64_t at = phoff;
	int r;

	if (xnum)
		shoff = align_up(phoff + d->n_phdrs * phent, 8);
	memcpy(eh, ELFMAG, SELFMAG);
	eh[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	eh[EI_DATA] = be ? ELFDATA2MSB : ELFDATA2LSB;
	eh[EI_VERSION] = EV_CURRENT;
	eh[EI_OSABI] = ELFOSABI_NONE;
	gc_put(eh + 16, 2, ET_CORE, be);
	gc_put(eh + 18, 2, d->info.e_machine, be);
	gc_put(eh + 20, 4, EV_CURRENT, be);
	if (is64) {
		gc_put(eh + 32, 8, phoff, be);
		gc_put(eh + 40, 8, shoff, be);
		gc_put(eh + 52, 2, ehsize, be);
		gc_put(eh + 54, 2, phent, be);
		gc_put(eh + 56, 2, xnum ? PN_XNUM : d->n_phdrs, be);
		gc_put(eh + 58, 2, xnum ? shent : 0, be);
		gc_put(eh + 60, 2, xnum ? 1 : 0, be);
	} else {
		gc_put(eh + 28, 4, phoff, be);
		gc_put(eh + 32, 4, shoff, be);
		gc_put(eh + 40, 2, ehsize, be);
		gc_put(eh + 42, 2, phent, be);
		gc_put(eh + 44, 2, xnum ? PN_XNUM : d->n_phdrs, be);
		gc_put(eh + 46, 2, xnum ? shent : 0, be);
		gc_put(eh + 48, 2, xnum ? 1 : 0, be);
	}
	r = gc_pwrite_all(d, eh, ehsize, 0, "the ELF header");
	if (r < 0)
		return r;

	/* Program headers, streamed through the buffer: PT_NOTE, then one
	 * PT_LOAD per range in ascending guest-physical order. */
	for (uint64_t i = 0; i < d->n_phdrs; i++) {
		unsigned char *p = buf + used;
		uint32_t type = PT_LOAD, flags;
		uint64_t offset, paddr, filesz, memsz, align = 0;

		if (i == 0) {
			type = PT_NOTE;
			flags = 0;
			offset = d->notes_offset;
			paddr = 0;
			filesz = memsz = notes_size;
		} else {
			const struct guestcore_range *rg = &d->ranges[i - 1];
			offset = d->range_offset[i - 1];
			paddr = rg->start;
			memsz = rg->length;
			filesz = rg->kind == GUESTCORE_RANGE_MMIO ? 0 : rg->length;
			flags = rg->kind == GUESTCORE_RANGE_ROM ? PF_R | PF_X : rg->kind == GUESTCORE_RANGE_MMIO ? PF_R | PF_W
												   : PF_R | PF_W | PF_X;
		}
		memset(p, 0, phent);
		gc_put(p, 4, type, be);
		if (is64) {
			gc_put(p + 4, 4, flags, be);
			gc_put(p + 8, 8, offset, be);
			gc_put(p + 16, 8, paddr, be);  /* p_vaddr = p_paddr, as QEMU */
			gc_put(p + 24, 8, paddr, be);
			gc_put(p + 32, 8, filesz, be);
			gc_put(p + 40, 8, memsz, be);
			gc_put(p + 48, 8, align, be);
		} else {
			gc_put(p + 4, 4, offset, be);
			gc_put(p + 8, 4, paddr, be);
			gc_put(p + 12, 4, paddr, be);
			gc_put(p + 16, 4, filesz, be);
			gc_put(p + 20, 4, memsz, be);
			gc_put(p + 24, 4, flags, be);
			gc_put(p + 28, 4, align, be);
		}
		used += phent;
		if (used + phent > GC_CHUNK || i + 1 == d->n_phdrs) {
			r = gc_pwrite_all(d, buf, used, at, "the program headers");
			if (r < 0)
				return r;
			at += used;
			used = 0;
		}
	}
	if (xnum) {
		/* PN_XNUM: section header 0 holds the real count in sh_info. */
		unsigned char sh[64] = { 0 };
		gc_put(sh + (is64 ? 44 : 28), 4, d->n_phdrs, be);
		r = gc_pwrite_all(d, sh, shent, shoff, "the section header");
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- memory ---------------------------------------------------------------------- */

static void progress(struct gc_dump *d)
{
	if (d->o.progress)
		d->o.progress(d->o.progress_userdata, d->done, d->total);
}

static void record_unreadable(struct gc_dump *d, uint64_t start, uint64_t size)
{
	struct gc_span *last = d->n_unread ? &d->unread[d->n_unread - 1] : NULL;

	d->unread_bytes += size;
	if (last && last->start + last->size == start) {
		last->size += size;
		return;
	}
	d->unread_count++;
	if (d->n_unread < GC_UNREADABLE_NOTES) {
		d->unread[d->n_unread++] = (struct gc_span){ start, size };
	} else {
		/* Past the reserved notes: the last one grows to cover the rest;
		 * the counts in guestcore.info stay exact. */
		last->size = start + size - last->start;
	}
}

static bool all_zero(const unsigned char *p, size_t n)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;

	for (size_t i = 0; i < n / 8; i++)
		if (w[i])
			return false;
	for (size_t i = n / 8 * 8; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Write the non-zero pages of BUF (LEN bytes for guest address ADDR) at OFF. */
static int write_sparse(struct gc_dump *d, const unsigned char *buf, size_t len, uint64_t off)
{
	size_t i = 0;

	while (i < len) {
		size_t n = len - i < GC_PAGE ? len - i : GC_PAGE;
		size_t run = 0;

		if (all_zero(buf + i, n)) {
			i += n;
			continue;
		}
		while (i + run < len) {
			size_t m = len - i - run < GC_PAGE ? len - i - run : GC_PAGE;
			if (run && all_zero(buf + i + run, m))
				break;
			run += m;
		}
		int r = gc_pwrite_all(d, buf + i, run, off + i, "guest memory");
		if (r < 0)
			return r;
		i += run;
	}
	return 0;
}

/* Longest readable head (FROM_END false) or tail of the LEN bytes at ADDR,
 * by bisection: a read of a head or tail succeeds only when all of it can
 * be read.  A negative errno other than -EIO ends it. */
static int64_t readable_part(struct gc_dump *d, uint64_t addr, unsigned char *buf, size_t len, bool from_end)
{
	size_t lo = 0, hi = len; /* lo bytes are readable; hi bytes are not */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		int r = from_end ? d->src->read(d->source, addr + len - mid, buf + len - mid, mid)
				 : d->src->read(d->source, addr, buf, mid);
		if (r == 0)
			lo = mid;
		else if (r == -EIO)
			hi = mid;
		else
			return r;
	}
	return (int64_t)lo;
}

/* A page that failed with -EIO: keep its readable head and tail, zero and
 * record only the bytes between them. */
static int salvage_page(struct gc_dump *d, uint64_t addr, unsigned char *buf, size_t len)
{
	int64_t head = 0, tail = 0;
	int r = d->src->read(d->source, addr, buf, 1);

	if (r != 0 && r != -EIO)
		return r;
	if (r == 0)
		head = readable_part(d, addr, buf, len, false);
	if (head < 0)
		return (int)head;
	if ((size_t)head < len - 1) {
		r = d->src->read(d->source, addr + len - 1, buf + len - 1, 1);
		if (r != 0 && r != -EIO)
			return r;
		if (r == 0)
			tail = readable_part(d, addr + (uint64_t)head, buf + head, len - (size_t)head, true);
		if (tail < 0)
			return (int)tail;
	}
	memset(buf + head, 0, len - (size_t)head - (size_t)tail);
	record_unreadable(d, addr + (uint64_t)head, len - (size_t)head - (size_t)tail);
	return 0;
}

/* Read [ADDR, ADDR+LEN) through the source, page by page on -EIO. */
static int read_chunk(struct gc_dump *d, uint64_t addr, unsigned char *buf, size_t len)
{
	int r;

	gc_plugin_clear_error(d->src_plugin);
	r = d->src->read(d->source, addr, buf, len);
	if (r == 0)
		return 0;
	if (r != -EIO) {
		const char *e = gc_plugin_last_error(d->src_plugin);
		gc_dump_fail(d, "source read at 0x%" PRIx64 " failed: %s", addr, e && *e ? e : strerror(-r));
		return r;
	}
	for (size_t i = 0; i < len; i += GC_PAGE) {
		size_t n = len - i < GC_PAGE ? len - i : GC_PAGE;
		r = d->src->read(d->source, addr + i, buf + i, n);
		if (r == -EIO)
			r = salvage_page(d, addr + i, buf + i, n);
		if (r < 0) {
			gc_dump_fail(d, "source read at 0x%" PRIx64 " failed: %s", addr + i, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int copy_buffered(struct gc_dump *d, uint64_t addr, uint64_t len, uint64_t off)
{
	while (len) {
		size_t n = len < GC_CHUNK ? (size_t)len : GC_CHUNK;
		int r;

		if (cancelled(d))
			return -ECANCELED;
		r = read_chunk(d, addr, d->buf, n);
		if (r < 0)
			return r;
		if (d->hash)
			XXH3_128bits_update(d->hash, d->buf, n);
		r = write_sparse(d, d->buf, n, off);
		if (r < 0)
			return r;
		addr += n;
		off += n;
		len -= n;
		d->done += n;
		progress(d);
	}
	return 0;
}

/* Zero-copy from the source's file: copy_file_range, then sendfile, then the
 * buffer (which also reads unreadable pages as zeros, one page at a time). */
static int copy_fd_serial(struct gc_dump *d, int in, uint64_t in_off, uint64_t len, uint64_t out_off, uint64_t addr)
{
	while (len) {
		size_t n = len < 16 * (size_t)GC_CHUNK ? (size_t)len : 16 * (size_t)GC_CHUNK;
		ssize_t got = -1;
		loff_t io = (loff_t)in_off, oo = (loff_t)out_off;

		if (cancelled(d))
			return -ECANCELED;
		if (!d->no_copy_file_range) {
			got = copy_file_range(in, &io, d->fd, &oo, n, 0);
			if (got < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
					errno == EBADF))
				d->no_copy_file_range = true;
		}
		if (got < 0 && d->no_copy_file_range && !d->no_sendfile) {
			off_t so = (off_t)in_off;
			if (lseek(d->fd, (off_t)out_off, SEEK_SET) < 0)
				return io_error(d, errno, "guest memory");
			got = sendfile(d->fd, in, &so, n);
			if (got < 0 && (errno == EINVAL || errno == ENOSYS))
				d->no_sendfile = true;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EIO || (d->no_copy_file_range && d->no_sendfile))) {
			/* Unreadable source bytes, or no kernel copy at all. */
			int r = copy_buffered(d, addr, len, out_off);
			return r < 0 ? r : 0;
		}
		if (got < 0)
			return io_error(d, errno, "guest memory");
		if (got == 0) {
			gc_dump_fail(d, "the source file ended early at offset 0x%" PRIx64 ": it changed during the dump",
				     in_off);
			return -EIO;
		}
		in_off += (uint64_t)got;
		out_off += (uint64_t)got;
		addr += (uint64_t)got;
		len -= (uint64_t)got;
		d->done += (uint64_t)got;
		progress(d);
	}
	return 0;
}

/* ---- parallel copy ---------------------------------------------------------------
 * Writing a large extent is mostly the output file system allocating pages, and
 * the write path takes the file's lock, so a second copy_file_range into the
 * same file waits for the first.  Page faults on a shared mapping of the file
 * do not take that lock: helper threads claim chunks of the extent and pread()
 * them into a mapping of their chunk of the output, while this thread goes on
 * with copy_file_range on the chunks it claims (bench/qemu-dump.sh measures
 * it).  pread() copies into the mapping inside the kernel, so a fault there
 * (a full disk) is a short read, never a SIGBUS.  A helper that fails hands
 * its chunk back and stops; this thread then copies that chunk the serial way,
 * which reports a full disk, or reads unreadable pages as zeros, as usual. */

#define GC_PAR_CHUNK (2u << 20)        /* bytes a thread claims at a time */
#define GC_PAR_MIN (8u << 20)          /* smaller extents are copied by this thread alone */
#define GC_PAR_HELPERS 3

struct par_copy {
	struct gc_dump *d;
	int in, out;
	uint64_t in_off, out_off, len;
	atomic_uint_fast64_t next;   /* offset in the extent of the next unclaimed chunk */
	atomic_uint_fast64_t copied; /* bytes the helpers copied, not yet counted in d->done */
	atomic_bool stop;
};

struct par_helper {
	struct par_copy *p;
	pthread_t thread;
	uint64_t failed_at, failed_len; /* the chunk handed back; failed_len 0: none */
	bool map_failed;                /* mmap refused: no helpers for this output */
};

static void *par_helper_run(void *arg)
{
	struct par_helper *h = arg;
	struct par_copy *p = h->p;

	while (!atomic_load(&p->stop) && !cancelled(p->d)) {
		uint64_t at = atomic_fetch_add(&p->next, GC_PAR_CHUNK);
		uint64_t n, out, delta, got = 0;
		unsigned char *m;

		if (at >= p->len)
			break;
		n = p->len - at < GC_PAR_CHUNK ? p->len - at : GC_PAR_CHUNK;
		out = p->out_off + at;
		delta = out % GC_PAGE;
		m = mmap(NULL, n + delta, PROT_READ | PROT_WRITE, MAP_SHARED, p->out, (off_t)(out - delta));
		if (m == MAP_FAILED) {
			h->map_failed = true;
		} else {
			while (got < n) {
				ssize_t r = pread(p->in, m + delta + got, n - got, (off_t)(p->in_off + at + got));
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					break;
				got += (uint64_t)r;
			}
			munmap(m, n + delta);
		}
		if (got < n) {
			h->failed_at = at;
			h->failed_len = n;
			break;
		}
		atomic_fetch_add(&p->copied, n);
	}
	return NULL;
}

/* How many helpers to start: one fewer than the CPUs this process may run on. */
static int par_helpers(const struct gc_dump *d, uint64_t len)
{
	cpu_set_t set;
	int n;

	if (d->no_parallel || len < GC_PAR_MIN || sched_getaffinity(0, sizeof(set), &set) < 0)
		return 0;
	n = CPU_COUNT(&set) - 1;
	return n < 0 ? 0 : n > GC_PAR_HELPERS ? GC_PAR_HELPERS : n;
}

static int copy_fd(struct gc_dump *d, int in, uint64_t in_off, uint64_t len, uint64_t out_off, uint64_t addr)
{
	struct par_copy p = { .d = d, .in = in, .out = d->fd, .in_off = in_off, .out_off = out_off, .len = len };
	struct par_helper h[GC_PAR_HELPERS];
	sigset_t all, old;
	int want = par_helpers(d, len), started = 0, r = 0;

	if (want == 0)
		return copy_fd_serial(d, in, in_off, len, out_off, addr);
	/* The helpers map the output: it must reach the end of the layout. */
	if (!d->presized) {
		if (ftruncate(d->fd, (off_t)d->file_size) < 0)
			return io_error(d, errno, "the file's end");
		d->presized = true;
	}
	atomic_init(&p.next, 0);
	atomic_init(&p.copied, 0);
	atomic_init(&p.stop, false);
	/* Signals stay with the caller's thread: the helpers block them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < want; i++) {
		h[started] = (struct par_helper){ .p = &p };
		if (pthread_create(&h[started].thread, NULL, par_helper_run, &h[started]) == 0)
			started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	for (;;) {
		uint64_t at = atomic_fetch_add(&p.next, GC_PAR_CHUNK);
		uint64_t n;

		if (at >= len)
			break;
		n = len - at < GC_PAR_CHUNK ? len - at : GC_PAR_CHUNK;
		r = copy_fd_serial(d, in, in_off + at, n, out_off + at, addr + at);
		d->done += atomic_exchange(&p.copied, 0);
		if (r < 0)
			break;
	}
	atomic_store(&p.stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(h[i].thread, NULL);
	d->done += atomic_exchange(&p.copied, 0);
	progress(d);
	for (int i = 0; i < started && r >= 0; i++) {
		if (h[i].map_failed)
			d->no_parallel = true;
		if (h[i].failed_len)
			r = copy_fd_serial(d, in, in_off + h[i].failed_at, h[i].failed_len, out_off + h[i].failed_at,
					   addr + h[i].failed_at);
	}
	if (r >= 0 && cancelled(d))
		r = -ECANCELED;
	return r;
}

/* Feed LEN zero bytes (a hole) to the digest. */
static void hash_zeros(struct gc_dump *d, uint64_t len)
{
	static const unsigned char zeros[1 << 16];

	while (d->hash && len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		XXH3_128bits_update(d->hash, zeros, n);
		len -= n;
	}
}

static int copy_range_data(struct gc_dump *d, size_t i);

static int copy_range(struct gc_dump *d, size_t i)
{
	int r;

	if (d->hash)
		XXH3_128bits_reset(d->hash);
	r = copy_range_data(d, i);
	if (r >= 0 && d->hash) {
		XXH128_canonical_t c;
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(d->hash));
		memcpy(d->digests[i], c.digest, 16);
	}
	return r;
}

static int copy_range_data(struct gc_dump *d, size_t i)
{
	const struct guestcore_range *rg = &d->ranges[i];
	uint64_t off = d->range_offset[i];
	uint64_t pos = 0;

	if (rg->fd < 0)
		return copy_buffered(d, rg->start, rg->length, off);
	/* Walk the source file's data extents; holes stay holes. */
	while (pos < rg->length) {
		uint64_t at = rg->file_offset + pos;
		off_t data, hole;
		uint64_t dstart, dend;
		int r;

		if (rg->fd == d->ext_fd && at >= d->ext_data && at < d->ext_hole) {
			data = (off_t)at; /* inside the extent found last */
			hole = (off_t)d->ext_hole;
		} else {
			data = lseek(rg->fd, (off_t)at, SEEK_DATA);
			hole = data < 0 ? -1 : lseek(rg->fd, data, SEEK_HOLE);
			if (hole > data) {
				d->ext_fd = rg->fd;
				d->ext_data = (uint64_t)data;
				d->ext_hole = (uint64_t)hole;
			}
		}
		if (data < 0 && errno == ENXIO) {
			/* No data past AT: a hole up to the file's end.  Past the end
			 * (the file shrank under us) the bytes are gone: read them
			 * through the source, which records them as unreadable. */
			struct stat st;
			uint64_t eof = fstat(rg->fd, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
			uint64_t hole_end = eof <= rg->file_offset ? 0 : eof - rg->file_offset;

			if (hole_end > rg->length)
				hole_end = rg->length;
			if (hole_end > pos) {
				hash_zeros(d, hole_end - pos);
				d->done += hole_end - pos;
				pos = hole_end;
			}
			progress(d);
			if (pos >= rg->length)
				return 0;
			return copy_buffered(d, rg->start + pos, rg->length - pos, off + pos);
		}
		if (data < 0) {
			/* No SEEK_DATA on this file: copy it all. */
			dstart = pos;
			dend = rg->length;
		} else {
			dstart = (uint64_t)data - rg->file_offset;
			dend = hole < 0 ? rg->length : (uint64_t)hole - rg->file_offset;
			if (dend > rg->length)
				dend = rg->length;
		}
		if (dstart >= rg->length) {
			hash_zeros(d, rg->length - pos);
			d->done += rg->length - pos;
			progress(d);
			return 0;
		}
		hash_zeros(d, dstart - pos);
		d->done += dstart - pos;
		if (d->o.copy_mode == GUESTCORE_COPY_READ || d->hash)
			r = copy_buffered(d, rg->start + dstart, dend - dstart, off + dstart);
		else
			r = copy_fd(d, rg->fd, rg->file_offset + dstart, dend - dstart, off + dstart, rg->start + dstart);
		if (r < 0)
			return r;
		pos = dend;
	}
	return 0;
}

/* ---- output file ------------------------------------------------------------------ */

static int open_temp(struct gc_dump *d)
{
	char msg[600];
	int *inputs = calloc(d->n_ranges ? d->n_ranges : 1, sizeof(*inputs));
	int r;

	if (!inputs)
		return -ENOMEM;
	/* The output may not be a file the source reads. */
	for (size_t i = 0; i < d->n_ranges; i++)
		inputs[i] = d->ranges[i].fd;
	r = gc_outfile_open(&d->out, d->o.output, d->o.force, inputs, d->n_ranges, "the source's memory",
			    msg, sizeof(msg));
	free(inputs);
	if (r < 0) {
		gc_dump_fail(d, "%s", msg);
		return r;
	}
	d->fd = d->out.fd;
	return 0;
}

static int finish_output(struct gc_dump *d)
{
	char msg[600];
	int r;

	if (ftruncate(d->fd, (off_t)d->file_size) < 0)
		return io_error(d, errno, "the file's end");
	r = gc_outfile_commit(&d->out, msg, sizeof(msg));
	d->fd = -1;
	if (r < 0) {
		if (r == -ENOSPC || r == -EDQUOT || r == -EIO)
			return io_error(d, -r, "the file to disk");
		gc_dump_fail(d, "%s", msg);
		return r;
	}
	return 0;
}

int gc_write_all(struct gc_dump *d)
{
	uint64_t notes_size = 0;
	int r;

	r = compute_layout(d);
	if (r < 0)
		return r;
	r = open_temp(d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d->n_ranges; i++) {
		if (d->ranges[i].kind == GUESTCORE_RANGE_MMIO)
			continue;
		r = copy_range(d, i);
		if (r == -ECANCELED)
			gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
		if (r < 0)
			return r;
	}
	progress(d);
	if (d->unread_count && d->o.strict) {
		gc_dump_fail(d, "%" PRIu64 " bytes in %" PRIu64 " ranges could not be read and --strict is set; "
				"%s left unchanged", d->unread_bytes, d->unread_count, d->o.output);
		return -EIO;
	}
	r = gc_notes_write_late(d, &notes_size);
	if (r < 0)
		return r;
	r = write_headers(d, notes_size);
	if (r < 0)
		return r;
	if (cancelled(d)) {
		gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
		return -ECANCELED;
	}
	return finish_output(d);
}

/* ---- entry point ------------------------------------------------------------------ */

GUESTCORE_API int guestcore_dump(struct guestcore_host *host, const struct guestcore_layouts *layouts,
				 const struct guestcore_dump_opts *opts,
				 struct guestcore_dump_result *ret, char *msg, size_t msgsz)
{
	char fallback[8];
	struct gc_dump d = { .fd = -1, .ext_fd = -1, .out = GC_OUTFILE_INIT };
	const struct guestcore_layouts *saved_layouts;
	const char *sde;
	int r;

	if (!msg || msgsz == 0) {
		msg = fallback;
		msgsz = sizeof(fallback);
	}
	msg[0] = '\0';
	d.msg = msg;
	d.msgsz = msgsz;
	if (!host || !layouts || !opts || opts->sz == 0 || !opts->output || !*opts->output) {
		gc_dump_fail(&d, "guestcore_dump: missing host, layouts, options or output");
		return -EINVAL;
	}
	memcpy(&d.o, opts, opts->sz < sizeof(d.o) ? opts->sz : sizeof(d.o));
	d.host = host;
	d.layouts = layouts;
	/* Sources that read other cores decode their notes with these; sources
	 * that wait ask cancelled(). */
	saved_layouts = gc_host_layouts(host);
	guestcore_host_set_layouts(host, layouts);
	gc_host_set_cancel(host, d.o.cancel);
	sde = getenv("SOURCE_DATE_EPOCH");
	d.created = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	d.buf = malloc(GC_CHUNK);
	if (d.o.digest) {
		d.hash = XXH3_createState();
		if (!d.hash) {
			r = -ENOMEM;
			goto out;
		}
	}
	d.unread = calloc(GC_UNREADABLE_NOTES, sizeof(*d.unread));
	if (!d.buf || !d.unread) {
		r = -ENOMEM;
		goto out;
	}

	r = gc_source_open(&d);
	if (r >= 0)
		r = gc_notes_build(&d);
	if (r >= 0)
		r = gc_write_all(&d);
out:
	/* Resume the guest first, on every path. */
	gc_source_close(&d);
	gc_outfile_abort(&d.out);
	d.fd = -1;
	if (r == -ENOMEM)
		gc_dump_fail(&d, "out of memory");
	if (r < 0 && !msg[0])
		gc_dump_fail(&d, "dump failed: %s", strerror(-r));
	if (d.not_resumed) {
		size_t used = strlen(msg);
		if (r < 0 && used)
			snprintf(msg + used, msgsz - used, "; and %s", d.resume_msg);
		else
			snprintf(msg, msgsz, "the core is complete, but %s", d.resume_msg);
	}
	if (r < 0 && ret && ret->sz >= offsetof(struct guestcore_dump_result, not_resumed) + sizeof(bool))
		ret->not_resumed = d.not_resumed;
	if (r >= 0 && ret && ret->sz) {
		struct guestcore_dump_result full = {
			.sz = sizeof(full),
			.elf_class = d.elf_class,
			.e_machine = d.info.e_machine,
			.cpu_count = d.info.cpu_count,
			.ranges = d.n_ranges,
			.unreadable_ranges = d.unread_count,
			.unreadable_bytes = d.unread_bytes,
			.file_size = d.file_size,
			.notes = d.n_notes + d.n_unread + d.n_digest_notes,
			.not_resumed = d.not_resumed,
		};
		for (size_t i = 0; i < d.n_ranges; i++)
			if (d.ranges[i].kind != GUESTCORE_RANGE_MMIO)
				full.memory_bytes += d.ranges[i].length;
		memcpy(ret, &full, ret->sz < sizeof(full) ? ret->sz : sizeof(full));
	}
	guestcore_host_set_layouts(host, saved_layouts);
	gc_host_set_cancel(host, NULL);
	gc_notes_free(&d);
	free(d.ranges);
	free(d.range_offset);
	free(d.description);
	free(d.unread);
	free(d.buf);
	free(d.digests);
	if (d.hash)
		XXH3_freeState(d.hash);
	if (r < 0)
		return r;
	if (d.not_resumed)
		return GUESTCORE_DUMP_NOT_RESUMED;
	return d.unread_count ? GUESTCORE_DUMP_PARTIAL : 0;
}
