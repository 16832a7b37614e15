/* LD_PRELOAD shim for fault-injection tests, built by the suite.  It acts on
 * one file, named by GC_FAULT_PATH, as the process under test reads it:
 *
 *   GC_FAULT_MODE=eio      bytes [GC_FAULT_AT, GC_FAULT_AT + GC_FAULT_LEN) of
 *                          the file cannot be read: a read that starts before
 *                          them is short, one that starts inside fails with
 *                          EIO; copy_file_range and sendfile that touch them
 *                          fail with EIO (the caller falls back to reads)
 *   GC_FAULT_MODE=shrink   the first SEEK_DATA at or past GC_FAULT_AT
 *                          truncates the file to GC_FAULT_AT (a source that
 *                          changes under the dumper)
 *
 * GC_FAULT_READ_DELAY_MS makes every pread of that file sleep first (a slow
 * source), and, for any file, GC_FAULT_WRITE_DELAY_MS makes every write,
 * pwrite and copy_file_range sleep first (a slow output; GC_FAULT_WRITE_MIN
 * spares the shorter ones): both to interrupt
 * a command in the middle.  Nothing here runs unless the suite sets these
 * variables. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int matches(int fd)
{
	const char *want = getenv("GC_FAULT_PATH");
	struct stat a, b;

	return want && fstat(fd, &a) == 0 && stat(want, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static int mode_is(const char *m)
{
	const char *v = getenv("GC_FAULT_MODE");

	return v && strcmp(v, m) == 0;
}

static void delay(const char *name)
{
	uint64_t ms = env_u64(name, 0);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	if (ms)
		nanosleep(&ts, NULL);
}

/* A write of LEN bytes sleeps GC_FAULT_WRITE_DELAY_MS first, unless it is
 * shorter than GC_FAULT_WRITE_MIN (the small writes of a client library's
 * protocol, libvirt's, go at full speed while the core's are slowed). */
static void write_delay(size_t len)
{
	if (len >= env_u64("GC_FAULT_WRITE_MIN", 0))
		delay("GC_FAULT_WRITE_DELAY_MS");
}

/* For a read of LEN bytes at OFF of a matching file in eio mode: how many
 * may be read (LEN when untouched), or -1 for EIO. */
static ssize_t allowed(int fd, off_t off, size_t len)
{
	uint64_t at, end;

	if (!mode_is("eio") || !matches(fd))
		return (ssize_t)len;
	at = env_u64("GC_FAULT_AT", 0);
	end = at + env_u64("GC_FAULT_LEN", UINT64_MAX - at);
	if ((uint64_t)off >= at && (uint64_t)off < end)
		return -1;
	if ((uint64_t)off < at && (uint64_t)off + len > at)
		return (ssize_t)(at - (uint64_t)off);
	return (ssize_t)len;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = allowed(fd, off, len);

	if (getenv("GC_FAULT_READ_DELAY_MS") && matches(fd))
		delay("GC_FAULT_READ_DELAY_MS");
	if (n < 0) {
		errno = EIO;
		return -1;
	}
	return REAL(pread64)(fd, buf, (size_t)n, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return pread64(fd, buf, len, off);
}

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t len, unsigned flags)
{
	write_delay(len);
	if (in_off && allowed(in, *in_off, len) != (ssize_t)len) {
		errno = EIO;
		return -1;
	}
	return REAL(copy_file_range)(in, in_off, out, out_off, len, flags);
}

ssize_t sendfile64(int out, int in, off_t *off, size_t len)
{
	if (off && allowed(in, *off, len) != (ssize_t)len) {
		errno = EIO;
		return -1;
	}
	return REAL(sendfile64)(out, in, off, len);
}

ssize_t sendfile(int out, int in, off_t *off, size_t len)
{
	return sendfile64(out, in, off, len);
}

off_t lseek64(int fd, off_t off, int whence)
{
	static int done;

	if (whence == SEEK_DATA && mode_is("shrink") && !done && (uint64_t)off >= env_u64("GC_FAULT_AT", 0) &&
	    matches(fd)) {
		done = 1;
		if (truncate(getenv("GC_FAULT_PATH"), (off_t)env_u64("GC_FAULT_AT", 0)) < 0)
			perror("faultshim: truncate");
	}
	return REAL(lseek64)(fd, off, whence);
}

off_t lseek(int fd, off_t off, int whence)
{
	return lseek64(fd, off, whence);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	write_delay(len);
	return REAL(pwrite64)(fd, buf, len, off);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite64(fd, buf, len, off);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	write_delay(len);
	return REAL(write)(fd, buf, len);
}
