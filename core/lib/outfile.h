/* An output file that appears whole or not at all, shared by the library's
 * dump and the tool's read and extract: created unnamed (O_TMPFILE) in the
 * output's directory and linked into place when complete, so that no
 * temporary file survives any failure, SIGKILL included; a named temporary
 * file beside the output only where the file system has no O_TMPFILE.
 * Only a regular file is ever replaced (and only when asked). */
#ifndef GUESTCORE_OUTFILE_H
#define GUESTCORE_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gc_outfile {
	const char *path;  /* the final name (not owned) */
	int fd;            /* -1 when closed */
	char *tmp_path;    /* the named temporary file of the fallback, else NULL */
	bool force;        /* replace an existing regular file */
};

#define GC_OUTFILE_INIT { .fd = -1 }

/* Refuse PATH when it names a directory, a device, a FIFO or a socket, or,
 * without FORCE, anything that exists; or when it is the same file (device
 * and inode) as one of the N_INPUTS open descriptors INPUTS (negative ones
 * skipped), named INPUT_NAME in the message.  0, or a negative errno and one
 * sentence in MSG. */
int gc_outfile_check(const char *path, bool force, const int *inputs, size_t n_inputs, const char *input_name,
		     char *msg, size_t msgsz);

/* gc_outfile_check(), then create the unnamed file (mode 0600).  0, or a
 * negative errno and one sentence in MSG. */
int gc_outfile_open(struct gc_outfile *o, const char *path, bool force, const int *inputs, size_t n_inputs,
		    const char *input_name, char *msg, size_t msgsz);

/* fsync, then give the file its name (replacing a regular file only with
 * force), fsync the directory.  Closes the descriptor on every path.  0, or a
 * negative errno and one sentence in MSG; on failure nothing is left. */
int gc_outfile_commit(struct gc_outfile *o, char *msg, size_t msgsz);

/* The one sentence for a write of WHAT to PATH that failed with ERR (an
 * errno): a full disk, the file size limit (ulimit -f: the process ignores
 * SIGXFSZ so that the write fails with EFBIG), or the errno's text; each
 * with its remedy. */
void gc_outfile_write_error(char *msg, size_t msgsz, int err, const char *what, const char *path);

/* Drop the file: close it, remove the named fallback.  Idempotent. */
void gc_outfile_abort(struct gc_outfile *o);

#endif
