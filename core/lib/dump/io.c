/* The dump's failures and its I/O, below every other part of the dump: the
 * first failure's sentence, the sentence for an output error (a full disk,
 * the file size limit), positioned reads and writes in full, progress. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int gc_io_error(struct gc_dump *d, int err, const char *what)
{
	char msg[900];

	gc_outfile_write_error(msg, sizeof(msg), err, what, d->o.output);
	gc_dump_fail(d, "%s", msg);
	return -err;
}

int gc_pwrite_all(struct gc_dump *d, const void *buf, size_t len, uint64_t off, const char *what)
{
	int r = gc_pwrite_full(d->fd, buf, len, off);

	return r < 0 ? gc_io_error(d, -r, what) : 0;
}

void gc_dump_progress(struct gc_dump *d)
{
	if (d->o.progress)
		d->o.progress(d->o.progress_userdata, d->done, d->total);
}

/* LEN bytes at OFF of FD, written from or read into BUF, whatever a call
 * does at a time: 0, a negative errno, or -EIO where the file ends first. */
static int rw_full(int fd, unsigned char *p, size_t len, uint64_t off, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int gc_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	return rw_full(fd, (unsigned char *)(uintptr_t)buf, len, off, true);
}

int gc_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	return rw_full(fd, buf, len, off, false);
}
