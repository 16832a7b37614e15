/* Guest memory into the core: every range's bytes at the offsets the layout
 * gave them.  Holes in the source stay holes; in the default mode all-zero
 * pages inside the source's data become holes too, tested page by page while
 * the page is in the CPU's cache on every CPU the process may use; the dense
 * mode writes every byte.  Unreadable pages become zeros and are recorded;
 * --digest hashes each page in the same pass that tests it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "dump.h"

/* ---- threads ----------------------------------------------------------------------- */

#define GC_PAR_CHUNK (2u << 20)        /* bytes a thread claims at a time */
#define GC_PAR_MIN (8u << 20)          /* smaller extents are copied by this thread alone */
#define GC_PAR_HELPERS 3

/* How many helper threads to share an extent of LEN bytes with: one fewer
 * than the CPUs this process may run on, none for a small extent. */
static int helper_count(uint64_t len)
{
	int n = gc_cpu_count() - 1;

	if (len < GC_PAR_MIN)
		return 0;
	return n > GC_PAR_HELPERS ? GC_PAR_HELPERS : n;
}

/* An extent shared by this thread and helper threads: each claims
 * GC_PAR_CHUNK bytes of it at a time. */
struct extent_job {
	struct gc_dump *d;
	int in, out;
	uint64_t in_off, out_off, len;
	uint64_t addr;               /* the guest-physical address of its first byte */
	atomic_uint_fast64_t next;   /* offset in the extent of the next unclaimed chunk */
	atomic_uint_fast64_t copied; /* bytes the helpers finished, not yet counted in d->done */
	atomic_bool stop;
	atomic_int write_err;        /* the first failed write's errno (the zero-page copy) */
};

struct extent_helper {
	struct extent_job *job;
	struct gc_task task;            /* on the dump's pool */
	unsigned char *buf;             /* the zero-page copy's buffer */
	uint64_t failed_at, failed_len; /* the part handed back; failed_len 0: none */
	bool map_failed;                /* the dense copy: mmap refused, no helpers for this output */
};

static void extent_job_init(struct extent_job *j, struct gc_dump *d, int in, uint64_t in_off, uint64_t len,
			    uint64_t out_off, uint64_t addr)
{
	*j = (struct extent_job){
		.d = d, .in = in, .out = d->fd, .in_off = in_off, .out_off = out_off, .len = len, .addr = addr,
	};
	atomic_init(&j->next, 0);
	atomic_init(&j->copied, 0);
	atomic_init(&j->stop, false);
	atomic_init(&j->write_err, 0);
}

/* ---- writeback ---------------------------------------------------------------------
 * The core is durable only when fsync returns, and writing back to a disk
 * costs about what the copy does: left to the end, the fsync alone takes as
 * long again.  So a thread starts writeback (sync_file_range) of what lies
 * behind the copy every GC_WB_STEP, and the disk works while the copy goes
 * on.  A hint: nothing waits for it, and errors are for the closing fsync. */

#define GC_WB_STEP (32u << 20)
#define GC_WB_LAG (16u << 20) /* what helper threads may still be writing behind */

struct gc_writeback {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;
	uint64_t from, upto;
	bool stop;
};

static void *wb_run(void *arg)
{
	struct gc_writeback *wb = arg;

	pthread_mutex_lock(&wb->lock);
	for (;;) {
		uint64_t a, b;

		while (!wb->stop && wb->upto < wb->from + GC_WB_STEP)
			pthread_cond_wait(&wb->cond, &wb->lock);
		if (wb->stop)
			break;
		a = wb->from;
		b = wb->upto;
		wb->from = b;
		pthread_mutex_unlock(&wb->lock);
		(void)sync_file_range(wb->fd, (off64_t)a, (off64_t)(b - a), SYNC_FILE_RANGE_WRITE);
		pthread_mutex_lock(&wb->lock);
	}
	pthread_mutex_unlock(&wb->lock);
	return NULL;
}

void gc_writeback_start(struct gc_dump *d, uint64_t upto)
{
	struct gc_writeback *wb = d->wb;

	upto = upto > GC_WB_LAG ? upto - GC_WB_LAG : 0;
	if (!wb) {
		if (upto < d->data_offset + GC_WB_STEP || d->no_writeback)
			return;
		wb = calloc(1, sizeof(*wb));
		if (!wb) {
			d->no_writeback = true;
			return;
		}
		*wb = (struct gc_writeback){ .fd = d->fd, .from = d->data_offset, .upto = upto };
		pthread_mutex_init(&wb->lock, NULL);
		pthread_cond_init(&wb->cond, NULL);
		if (gc_start_thread(&wb->thread, wb_run, wb) != 0) {
			pthread_mutex_destroy(&wb->lock);
			pthread_cond_destroy(&wb->cond);
			free(wb);
			d->no_writeback = true;
			wb = NULL;
		}
		d->wb = wb;
		return;
	}
	pthread_mutex_lock(&wb->lock);
	if (upto > wb->upto) {
		wb->upto = upto;
		pthread_cond_signal(&wb->cond);
	}
	pthread_mutex_unlock(&wb->lock);
}

void gc_writeback_stop(struct gc_dump *d)
{
	struct gc_writeback *wb = d->wb;

	if (!wb)
		return;
	pthread_mutex_lock(&wb->lock);
	wb->stop = true;
	pthread_cond_signal(&wb->cond);
	pthread_mutex_unlock(&wb->lock);
	pthread_join(wb->thread, NULL);
	pthread_mutex_destroy(&wb->lock);
	pthread_cond_destroy(&wb->cond);
	free(wb);
	d->wb = NULL;
}

/* ---- pages ------------------------------------------------------------------------ */

/* Whether the N bytes at P (N at most a page, P 8-byte aligned) are all zero.
 * A page of data nearly always fails on its first words, so the test costs
 * one cache line there; a zero page is OR-ed 64 bytes at a time, which the
 * compiler turns into vector instructions. */
bool gc_page_is_zero(const unsigned char *p, size_t n)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	size_t words = n / 8, i = 0;

	if (words && (w[0] | w[words - 1]))
		return false;
	for (; i + 8 <= words; i += 8)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
			return false;
	for (; i < words; i++)
		if (w[i])
			return false;
	for (i = words * 8; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Write the N bytes of BUF, guest memory at ADDR, that belong at OFF in the
 * core: page by page, each page fed to HASH (when there is one), tested for
 * zeros and looked at by the VMCOREINFO search while it is in the cache, the
 * runs of non-zero pages written, the zero pages left as holes (every page
 * written when DENSE).  Returns 0 or a negative errno and reports nothing,
 * for the copy threads. */
static int emit_pages(struct gc_dump *d, XXH3_state_t *hash, bool dense, const unsigned char *buf, size_t n,
		      uint64_t off, uint64_t addr)
{
	int fd = d->fd;
	size_t run = 0; /* bytes of non-zero pages before I not yet written */
	size_t i;

	for (i = 0; i < n; i += GC_PAGE) {
		size_t m = n - i < GC_PAGE ? n - i : GC_PAGE;

		if (hash)
			XXH3_128bits_update(hash, buf + i, m);
		if (!dense && gc_page_is_zero(buf + i, m)) {
			if (run) {
				int r = gc_pwrite_full(fd, buf + i - run, run, off + i - run);
				if (r < 0)
					return r;
				run = 0;
			}
			continue;
		}
		gc_vmci_page(d, addr + i, buf + i, m);
		run += m;
	}
	return run ? gc_pwrite_full(fd, buf + n - run, run, off + n - run) : 0;
}

static int emit(struct gc_dump *d, const unsigned char *buf, size_t n, uint64_t off, uint64_t addr)
{
	int r = emit_pages(d, d->hash, d->o.copy_mode == GUESTCORE_COPY_DENSE, buf, n, off, addr);

	return r < 0 ? gc_io_error(d, -r, "guest memory") : 0;
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

/* A hole of the source: left a hole, or written as zeros in the dense mode. */
static int fill_hole(struct gc_dump *d, uint64_t off, uint64_t len)
{
	hash_zeros(d, len);
	if (d->o.copy_mode == GUESTCORE_COPY_DENSE && len) {
		/* As many zeros as one write takes, not a whole buffer for a
		 * small hole: a map of many ranges has many. */
		size_t zeros = len < GC_CHUNK ? (size_t)len : GC_CHUNK;

		memset(d->buf, 0, zeros);
		while (len) {
			size_t n = len < zeros ? (size_t)len : zeros;
			int r;

			if (gc_cancelled(d))
				return -ECANCELED;
			r = gc_pwrite_all(d, d->buf, n, off, "guest memory");
			if (r < 0)
				return r;
			off += n;
			len -= n;
			d->done += n;
			gc_dump_progress(d);
		}
		return 0;
	}
	d->done += len;
	return 0;
}

/* ---- reads through the source ------------------------------------------------------ */

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
int gc_read_chunk(struct gc_dump *d, uint64_t addr, unsigned char *buf, size_t len)
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

int gc_read_range(struct gc_dump *d, const struct guestcore_range *rg, uint64_t at, unsigned char *buf, size_t len)
{
	/* The file first, as the ELF copy reads it; what it will not give
	 * (an I/O error, a short file) through the source, page by page. */
	if (rg->fd >= 0 && gc_pread_full(rg->fd, buf, len, rg->file_offset + at) == 0)
		return 0;
	return gc_read_chunk(d, rg->start + at, buf, len);
}

/* [ADDR, ADDR+LEN) read through the source's read(), a chunk at a time. */
static int copy_buffered(struct gc_dump *d, uint64_t addr, uint64_t len, uint64_t off)
{
	while (len) {
		size_t n = len < GC_CHUNK ? (size_t)len : GC_CHUNK;
		int r;

		if (gc_cancelled(d))
			return -ECANCELED;
		r = gc_read_chunk(d, addr, d->buf, n);
		if (r < 0)
			return r;
		r = emit(d, d->buf, n, off, addr);
		if (r < 0)
			return r;
		addr += n;
		off += n;
		len -= n;
		d->done += n;
		gc_writeback_start(d, off);
		gc_dump_progress(d);
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

		if (gc_cancelled(d))
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
				return gc_io_error(d, errno, "guest memory");
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
			return gc_io_error(d, errno, "guest memory");
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
		gc_writeback_start(d, out_off);
		gc_dump_progress(d);
	}
	return 0;
}

/* ---- the dense mode: copied by the kernel, on every CPU ----------------------------
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

static void par_helper_run(void *arg)
{
	struct extent_helper *h = arg;
	struct extent_job *p = h->job;

	while (!atomic_load(&p->stop) && !gc_cancelled(p->d)) {
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
}

static int copy_fd(struct gc_dump *d, int in, uint64_t in_off, uint64_t len, uint64_t out_off, uint64_t addr)
{
	struct extent_job p;
	struct extent_helper h[GC_PAR_HELPERS];
	int want = d->no_parallel ? 0 : helper_count(len), started = 0, r = 0;

	if (want == 0)
		return copy_fd_serial(d, in, in_off, len, out_off, addr);
	/* The helpers map the output: it must reach the end of the layout. */
	if (!d->presized) {
		if (ftruncate(d->fd, (off_t)d->file_size) < 0)
			return gc_io_error(d, errno, "the file's end");
		d->presized = true;
	}
	extent_job_init(&p, d, in, in_off, len, out_off, addr);
	for (int i = 0; i < want; i++) {
		h[started] = (struct extent_helper){ .job = &p };
		h[started].task = (struct gc_task){ .fn = par_helper_run, .arg = &h[started] };
		if (gc_pool_submit(d, &h[started].task) == 0)
			started++;
	}

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
		gc_pool_wait(d, &h[i].task);
	d->done += atomic_exchange(&p.copied, 0);
	gc_dump_progress(d);
	for (int i = 0; i < started && r >= 0; i++) {
		if (h[i].map_failed)
			d->no_parallel = true;
		if (h[i].failed_len)
			r = copy_fd_serial(d, in, in_off + h[i].failed_at, h[i].failed_len, out_off + h[i].failed_at,
					   addr + h[i].failed_at);
	}
	if (r >= 0 && gc_cancelled(d))
		r = -ECANCELED;
	return r;
}

/* ---- the default mode: zero pages found on every CPU -----------------------------
 * Each thread (this one and up to GC_PAR_HELPERS helpers) claims a chunk of
 * the extent at a time, preads it a block at a time into its own buffer,
 * small enough to stay in the CPU's cache, tests every page there and writes
 * the runs of non-zero pages: each byte is read once, and a zero page costs
 * a read and no write.  A helper that cannot read its chunk (an unreadable
 * page, a source that shrank) hands the rest back and stops; this thread
 * then reads that part through the source, which turns unreadable pages into
 * recorded zeros as usual.  A failed write stops every thread. */

#define GC_ZC_BLOCK (256u << 10)  /* bytes a thread reads and tests at a time */

/* Copy bytes [AT, AT+N) of the extent through BUF.  Returns 0, or 1 with
 * *DONE set to the bytes finished when a read fell short (the caller reads
 * the rest through the source), or a negative errno from a write. */
static int zc_chunk(struct extent_job *z, XXH3_state_t *hash, unsigned char *buf, uint64_t at, uint64_t n,
		    uint64_t *done)
{
	bool dense = z->d->o.copy_mode == GUESTCORE_COPY_DENSE;

	*done = 0;
	while (*done < n) {
		size_t want = n - *done < GC_ZC_BLOCK ? (size_t)(n - *done) : GC_ZC_BLOCK;
		size_t got = 0;
		int r;

		while (got < want) {
			ssize_t k = pread(z->in, buf + got, want - got, (off_t)(z->in_off + at + *done + got));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		if (got < want)
			got = got / GC_PAGE * GC_PAGE; /* whole pages only: the rest is read again */
		r = emit_pages(z->d, hash, dense, buf, got, z->out_off + at + *done, z->addr + at + *done);
		if (r < 0)
			return r;
		*done += got;
		if (got < want)
			return 1;
	}
	return 0;
}

static void zc_helper_run(void *arg)
{
	struct extent_helper *h = arg;
	struct extent_job *z = h->job;

	while (!atomic_load(&z->stop) && !gc_cancelled(z->d)) {
		uint64_t at = atomic_fetch_add(&z->next, GC_PAR_CHUNK);
		uint64_t n, done;
		int r;

		if (at >= z->len)
			break;
		n = z->len - at < GC_PAR_CHUNK ? z->len - at : GC_PAR_CHUNK;
		r = zc_chunk(z, NULL, h->buf, at, n, &done);
		atomic_fetch_add(&z->copied, done);
		if (r < 0) {
			int none = 0;
			atomic_compare_exchange_strong(&z->write_err, &none, -r);
			atomic_store(&z->stop, true);
			break;
		}
		if (r > 0) {
			h->failed_at = at + done;
			h->failed_len = n - done;
			break;
		}
	}
}

static int add_failed(struct gc_span **v, size_t *n, uint64_t start, uint64_t size)
{
	struct gc_span *w = reallocarray(*v, *n + 1, sizeof(**v));

	if (!w)
		return -ENOMEM;
	w[(*n)++] = (struct gc_span){ start, size };
	*v = w;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct gc_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int copy_extent(struct gc_dump *d, int in, uint64_t in_off, uint64_t len, uint64_t out_off, uint64_t addr)
{
	struct extent_job z;
	struct extent_helper h[GC_PAR_HELPERS];
	struct gc_span *failed = NULL; /* parts handed back, offsets in the extent */
	size_t n_failed = 0;
	/* No helpers when a digest needs the bytes in order. */
	int want = d->hash ? 0 : helper_count(len), started = 0, r = 0;

	extent_job_init(&z, d, in, in_off, len, out_off, addr);
	for (int i = 0; i < want; i++) {
		h[started] = (struct extent_helper){ .job = &z, .buf = malloc(GC_ZC_BLOCK) };
		if (!h[started].buf)
			break;
		h[started].task = (struct gc_task){ .fn = zc_helper_run, .arg = &h[started] };
		if (gc_pool_submit(d, &h[started].task) != 0) {
			free(h[started].buf);
			break;
		}
		started++;
	}

	while (!atomic_load(&z.stop)) {
		uint64_t at = atomic_fetch_add(&z.next, GC_PAR_CHUNK);
		uint64_t n, done;

		if (gc_cancelled(d)) {
			r = -ECANCELED;
			break;
		}
		if (at >= len)
			break;
		n = len - at < GC_PAR_CHUNK ? len - at : GC_PAR_CHUNK;
		r = zc_chunk(&z, d->hash, d->buf, at, n, &done);
		d->done += done + atomic_exchange(&z.copied, 0);
		gc_writeback_start(d, out_off + at + done);
		if (r < 0) {
			r = gc_io_error(d, -r, "guest memory");
			break;
		}
		if (r > 0 && started == 0)
			r = copy_buffered(d, addr + at + done, n - done, out_off + at + done);
		else if (r > 0)
			r = add_failed(&failed, &n_failed, at + done, n - done);
		if (r < 0)
			break;
		gc_dump_progress(d);
	}
	atomic_store(&z.stop, true);
	for (int i = 0; i < started; i++)
		gc_pool_wait(d, &h[i].task);
	d->done += atomic_exchange(&z.copied, 0);
	if (r >= 0 && atomic_load(&z.write_err))
		r = gc_io_error(d, atomic_load(&z.write_err), "guest memory");
	for (int i = 0; i < started; i++) {
		if (r >= 0 && h[i].failed_len)
			r = add_failed(&failed, &n_failed, h[i].failed_at, h[i].failed_len);
		free(h[i].buf);
	}
	/* The parts no thread could read, through the source in address order,
	 * so that the unreadable spans are recorded merged, as one thread
	 * would have found them. */
	if (n_failed > 1)
		qsort(failed, n_failed, sizeof(*failed), span_cmp);
	for (size_t i = 0; i < n_failed && r >= 0; i++)
		r = copy_buffered(d, addr + failed[i].start, failed[i].size, out_off + failed[i].start);
	free(failed);
	if (r >= 0 && gc_cancelled(d))
		r = -ECANCELED;
	gc_dump_progress(d);
	return r;
}

/* ---- ranges ----------------------------------------------------------------------- */

static int copy_range_data(struct gc_dump *d, const struct guestcore_range *rg, uint64_t off);

/* Range RG, the I-th, into the file at OFF. */
int gc_copy_range(struct gc_dump *d, const struct guestcore_range *rg, uint64_t i, uint64_t off)
{
	int r;

	if (d->hash)
		XXH3_128bits_reset(d->hash);
	r = copy_range_data(d, rg, off);
	if (r >= 0 && d->hash) {
		XXH128_canonical_t c;
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(d->hash));
		memcpy(d->digests[i], c.digest, 16);
	}
	return r;
}

/* One data extent of the source's file: in the dense mode without a digest
 * or a VMCOREINFO search, copied by the kernel (copy_file_range); otherwise
 * read and tested. */
static int copy_data(struct gc_dump *d, const struct guestcore_range *rg, uint64_t pos, uint64_t len, uint64_t off)
{
	if (d->o.copy_mode == GUESTCORE_COPY_READ)
		return copy_buffered(d, rg->start + pos, len, off);
	if (d->o.copy_mode == GUESTCORE_COPY_DENSE && !d->hash && !d->vmci_scan)
		return copy_fd(d, rg->fd, rg->file_offset + pos, len, off, rg->start + pos);
	return copy_extent(d, rg->fd, rg->file_offset + pos, len, off, rg->start + pos);
}

/* Where FD's data lies at or after AT: 1 with it in [*DATA, *HOLE) (*HOLE
 * UINT64_MAX when no hole follows), 0 when no data follows AT (*HOLE is then
 * the file's size, UINT64_MAX when it cannot be had), -1 when the file system
 * cannot say (no SEEK_DATA).  The answer is kept in d->ext_*: the next range
 * inside it asks nothing. */
int gc_next_extent(struct gc_dump *d, int fd, uint64_t at, uint64_t *data, uint64_t *hole)
{
	off_t dt, ho;

	if (fd == d->ext_fd && at >= d->ext_gap && at < d->ext_hole) {
		*hole = d->ext_hole;
		if (d->ext_data == UINT64_MAX)
			return 0; /* the size the last answer saw */
		*data = at > d->ext_data ? at : d->ext_data;
		return 1;
	}
	dt = lseek(fd, (off_t)at, SEEK_DATA);
	if (dt < 0 && errno == ENXIO) {
		struct stat st;

		*hole = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
		if (*hole != UINT64_MAX && *hole > at) {
			d->ext_fd = fd;
			d->ext_gap = at;
			d->ext_data = UINT64_MAX;
			d->ext_hole = *hole;
		}
		return 0;
	}
	if (dt < 0)
		return -1;
	ho = lseek(fd, dt, SEEK_HOLE);
	*data = (uint64_t)dt;
	*hole = ho < 0 ? UINT64_MAX : (uint64_t)ho;
	if (ho > dt) {
		d->ext_fd = fd;
		d->ext_gap = at;
		d->ext_data = (uint64_t)dt;
		d->ext_hole = (uint64_t)ho;
	}
	return 1;
}

void gc_range_extent(struct gc_dump *d, const struct guestcore_range *rg, uint64_t at, struct gc_extent *ret)
{
	uint64_t data = 0, hole = 0, from = rg->file_offset + at;
	int found;

	*ret = (struct gc_extent){ GC_EXTENT_FILE, at, rg->length - at };
	if (rg->fd < 0) {
		ret->kind = d->pushes ? GC_EXTENT_PUSHED : GC_EXTENT_SOURCE;
		return;
	}
	found = gc_next_extent(d, rg->fd, from, &data, &hole);
	if (found < 0)
		return; /* no SEEK_DATA on this file: all of it is read */
	if (found == 0) {
		/* No data past AT: a hole up to the file's end (HOLE).  Past the
		 * end (the file shrank under us) the bytes are gone: through the
		 * source, which records them as unreadable. */
		uint64_t end = hole <= rg->file_offset ? 0 : hole - rg->file_offset;

		if (end > at) {
			ret->kind = GC_EXTENT_HOLE;
			ret->len = (end < rg->length ? end : rg->length) - at;
		} else {
			ret->kind = GC_EXTENT_SOURCE;
		}
		return;
	}
	if (data - rg->file_offset >= rg->length) {
		ret->kind = GC_EXTENT_HOLE; /* the rest of the range is a hole */
	} else if (data > from) {
		ret->kind = GC_EXTENT_HOLE;
		ret->len = data - from;
	} else if (hole != UINT64_MAX && hole - rg->file_offset < rg->length) {
		ret->len = hole - rg->file_offset - at;
	}
}

static int copy_range_data(struct gc_dump *d, const struct guestcore_range *rg, uint64_t off)
{
	uint64_t pos = 0;

	while (pos < rg->length) {
		struct gc_extent e;
		int r = 0;

		gc_range_extent(d, rg, pos, &e);
		switch (e.kind) {
		case GC_EXTENT_HOLE:
			r = fill_hole(d, off + pos, e.len);
			gc_dump_progress(d);
			break;
		case GC_EXTENT_FILE:
			r = copy_data(d, rg, pos, e.len, off + pos);
			break;
		case GC_EXTENT_SOURCE:
			r = copy_buffered(d, rg->start + pos, e.len, off + pos);
			break;
		case GC_EXTENT_PUSHED:
			break; /* the source writes it (dump/push.c) */
		}
		if (r < 0)
			return r;
		pos += e.len;
	}
	return 0;
}
