/* The atomic output file (outfile.h): refuse what must not be replaced,
 * create unnamed with O_TMPFILE, link into place with linkat when complete. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static const char *kind_of(mode_t m)
{
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

int gc_outfile_check(const char *path, bool force, const int *inputs, size_t n_inputs, const char *input_name,
		     char *msg, size_t msgsz)
{
	struct stat st, in;

	if (!path || !*path) {
		snprintf(msg, msgsz, "no output file named");
		return -EINVAL;
	}
	if (stat(path, &st) < 0) {
		struct stat lst;
		if (errno == ENOENT && lstat(path, &lst) == 0) {
			snprintf(msg, msgsz, "%s is a symbolic link to nothing: remove it or give another name", path);
			return -ENOENT;
		}
		return 0; /* nothing there: the directory is checked when the file is created */
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsz, "%s is a directory: give a file name", path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s is %s: guestcore writes and replaces regular files only, give a file name",
			 path, kind_of(st.st_mode));
		return -EINVAL;
	}
	for (size_t i = 0; i < n_inputs; i++)
		if (inputs[i] >= 0 && fstat(inputs[i], &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino) {
			snprintf(msg, msgsz, "%s is the same file as %s, which is being read: write elsewhere", path,
				 input_name ? input_name : "the input");
			return -EINVAL;
		}
	if (!force) {
		snprintf(msg, msgsz, "%s exists: use --force to replace it", path);
		return -EEXIST;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	char *dup = strdup(path), *d;

	if (!dup)
		return NULL;
	d = strdup(dirname(dup));
	free(dup);
	return d;
}

int gc_outfile_open(struct gc_outfile *o, const char *path, bool force, const int *inputs, size_t n_inputs,
		    const char *input_name, char *msg, size_t msgsz)
{
	char *dir;
	int r;

	o->fd = -1;
	o->tmp_path = NULL;
	o->path = path;
	o->force = force;
	r = gc_outfile_check(path, force, inputs, n_inputs, input_name, msg, msgsz);
	if (r < 0)
		return r;
	dir = dir_of(path);
	if (!dir) {
		snprintf(msg, msgsz, "out of memory");
		return -ENOMEM;
	}
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		/* No O_TMPFILE on this file system (or no such directory, which
		 * mkostemp says as well): a named file beside the output. */
		char *dup = strdup(path);
		if (!dup || asprintf(&o->tmp_path, "%s/.%s.guestcore-XXXXXX", dir, basename(dup)) < 0) {
			o->tmp_path = NULL;
			free(dup);
			free(dir);
			snprintf(msg, msgsz, "out of memory");
			return -ENOMEM;
		}
		free(dup);
		o->fd = mkostemp(o->tmp_path, O_CLOEXEC);
		if (o->fd < 0) {
			int e = errno;
			struct stat st;
			free(o->tmp_path);
			o->tmp_path = NULL;
			if (stat(dir, &st) < 0)
				snprintf(msg, msgsz, "cannot create %s: its directory %s does not exist", path, dir);
			else
				snprintf(msg, msgsz, "cannot create %s: %s: choose a writable directory", path, strerror(e));
			free(dir);
			return -e;
		}
	}
	free(dir);
	return 0;
}

/* Link the unnamed file O->fd as NAME (never replacing). */
static int link_fd(int fd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT || access("/proc/self/fd", F_OK) == 0)
		return -errno;
	/* No /proc: AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, but try. */
	return linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH) == 0 ? 0 : -errno;
}

static int sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

/* Before replacing PATH: it must still be a regular file (or gone). */
static int still_replaceable(const char *path, char *msg, size_t msgsz)
{
	struct stat st;

	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return 0;
	snprintf(msg, msgsz, "%s became %s meanwhile: guestcore replaces regular files only; nothing was written",
		 path, kind_of(st.st_mode));
	return -EINVAL;
}

int gc_outfile_commit(struct gc_outfile *o, char *msg, size_t msgsz)
{
	char *side = NULL;
	int r = 0;

	if (o->fd < 0) {
		snprintf(msg, msgsz, "%s: no file to finish", o->path);
		return -EBADF;
	}
	if (fsync(o->fd) < 0) {
		r = -errno;
		snprintf(msg, msgsz, "cannot write %s to disk: %s", o->path, strerror(-r));
		goto fail;
	}
	if (!o->tmp_path) {
		if (!o->force) {
			r = link_fd(o->fd, o->path);
			if (r == -EEXIST)
				snprintf(msg, msgsz, "%s appeared meanwhile: use --force to replace it", o->path);
			else if (r < 0)
				snprintf(msg, msgsz, "cannot give the finished file the name %s: %s", o->path, strerror(-r));
			if (r < 0)
				goto fail;
		} else {
			/* linkat never replaces: a side name for an instant, then rename. */
			char *dir = dir_of(o->path);
			for (int tries = 0; dir && tries < 100; tries++) {
				free(side);
				if (asprintf(&side, "%s/.guestcore-%ld-%d.tmp", dir, (long)getpid(), rand()) < 0) {
					side = NULL;
					break;
				}
				r = link_fd(o->fd, side);
				if (r != -EEXIST)
					break;
			}
			free(dir);
			if (!side) {
				r = -ENOMEM;
				snprintf(msg, msgsz, "out of memory");
				goto fail;
			}
			if (r < 0) {
				snprintf(msg, msgsz, "cannot give the finished file a name beside %s: %s", o->path,
					 strerror(-r));
				goto fail;
			}
			r = still_replaceable(o->path, msg, msgsz);
			if (r == 0 && rename(side, o->path) < 0) {
				r = -errno;
				snprintf(msg, msgsz, "cannot rename the finished file to %s: %s", o->path, strerror(-r));
			}
			if (r < 0) {
				unlink(side);
				goto fail;
			}
		}
	} else {
		if (o->force) {
			r = still_replaceable(o->path, msg, msgsz);
			if (r == 0 && rename(o->tmp_path, o->path) < 0) {
				r = -errno;
				snprintf(msg, msgsz, "cannot rename the finished file to %s: %s", o->path, strerror(-r));
			}
		} else if (renameat2(AT_FDCWD, o->tmp_path, AT_FDCWD, o->path, RENAME_NOREPLACE) < 0) {
			r = -errno;
			if (r == -EINVAL || r == -ENOSYS) /* no RENAME_NOREPLACE here: link never replaces either */
				r = link(o->tmp_path, o->path) == 0 ? (unlink(o->tmp_path), 0) : -errno;
			if (r == -EEXIST)
				snprintf(msg, msgsz, "%s appeared meanwhile: use --force to replace it", o->path);
			else if (r < 0)
				snprintf(msg, msgsz, "cannot move the finished file to %s: %s", o->path, strerror(-r));
		}
		if (r < 0)
			goto fail;
		free(o->tmp_path);
		o->tmp_path = NULL;
	}
	free(side);
	if (close(o->fd) < 0) {
		o->fd = -1;
		r = -errno;
		snprintf(msg, msgsz, "cannot write %s: %s", o->path, strerror(-r));
		return r; /* it has its name already: close() failing after fsync loses nothing */
	}
	o->fd = -1;
	sync_dir(o->path);
	return 0;
fail:
	free(side);
	gc_outfile_abort(o);
	return r;
}

void gc_outfile_write_error(char *msg, size_t msgsz, int err, const char *what, const char *path)
{
	if (err == ENOSPC || err == EDQUOT)
		snprintf(msg, msgsz, "no space left writing %s to %s: free space there or write elsewhere with -o", what,
			 path);
	else if (err == EFBIG)
		snprintf(msg, msgsz, "file size limit reached writing %s to %s (ulimit -f): raise the limit or write "
			 "elsewhere", what, path);
	else
		snprintf(msg, msgsz, "cannot write %s to %s: %s", what, path, strerror(err));
}

void gc_outfile_abort(struct gc_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp_path) {
		unlink(o->tmp_path);
		free(o->tmp_path);
		o->tmp_path = NULL;
	}
}
