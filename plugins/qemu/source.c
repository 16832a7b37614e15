/* Memory source of the "qemu" plugin: a running QEMU guest over QMP.
 *
 *   qemu:qmp=SOCKET[,mem=PATH][,timeout=SECONDS]
 *
 * QMP through qmp.c (every exchange has a deadline: 10 s to connect and be
 * greeted, each command 30 s or timeout=SECONDS), the monitor's text
 * through parse.c, and a resume guard (guard.c) started at open: pause()
 * arms it and stops the guest only when it was running, resume() continues
 * it only then and disarms it, so that even our death leaves the guest
 * running.  The memory map comes from 'info mtree -f' (RAM and ROM ranges of
 * the system address space and their offsets in the memory backend), the
 * registers from 'info registers -a'.  RAM in the backend file (mem=, the
 * guest's memory-backend-file,share=on) is read from it zero-copy; anything
 * else (no mem=, or ROM such as pc.bios) is fetched with pmemsave into a
 * private directory, each file unlinked as soon as it is open (the guard
 * empties the directory if we die during a pmemsave). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include <guestcore/plugin.h>

#include "guard.h"
#include "qemu.h"
#include "qmp.h"
#include "source_util.h"

#define QS_MAX_RANGES 4096
/* pmemsave writes at a few hundred MB/s: its deadline grows with the size. */
#define PMEMSAVE_MS_PER_GIB 4000

struct guestcore_source {
	const struct guestcore_host_api *host;
	struct qmp q;
	struct qguard guard;
	char *socket_path;
	char *mem_path;
	char *tmpdir;          /* pmemsave files, removed at close */
	int mem_fd;
	uint64_t mem_size;
	bool stopped_by_us;
	bool described;
	uint16_t machine;
	struct guestcore_range ranges[QS_MAX_RANGES];
	bool range_own_fd[QS_MAX_RANGES]; /* fetched with pmemsave: closed at close */
	size_t n_ranges;
	struct su_regs *cpus;
	uint32_t n_cpus;
	char description[700];
};

#define FAIL(s, ...)                                                            \
	do {                                                                    \
		if (GUESTCORE_HOST_HAS((s)->host, set_error))                   \
			(s)->host->set_error((s)->host->handle, __VA_ARGS__);   \
	} while (0)

static int host_cancelled(void *userdata)
{
	const struct guestcore_host_api *host = userdata;

	return host->cancelled(host->handle);
}

/* Say why the last QMP call failed; R passes through. */
static int qfail(struct guestcore_source *s, int r)
{
	FAIL(s, "%s", s->q.error[0] ? s->q.error : strerror(-r));
	return r == -EREMOTEIO ? -EIO : r;
}

/* ---- the source ------------------------------------------------------------------------ */

struct cpu_sink {
	struct qs_cpu_sink base;
	struct guestcore_source *s;
	int err;
};

static void cpu_set(struct qs_cpu_sink *sk, int cpu, const char *name, uint64_t v)
{
	struct cpu_sink *c = (struct cpu_sink *)sk;
	struct guestcore_source *s = c->s;

	if ((uint32_t)cpu >= s->n_cpus) {
		struct su_regs *n = realloc(s->cpus, ((size_t)cpu + 1) * sizeof(*n));
		if (!n) {
			c->err = -ENOMEM;
			return;
		}
		memset(n + s->n_cpus, 0, ((size_t)cpu + 1 - s->n_cpus) * sizeof(*n));
		s->cpus = n;
		s->n_cpus = (uint32_t)cpu + 1;
	}
	if (su_regs_set(&s->cpus[cpu], name, v, true) < 0)
		c->err = -ENOMEM;
}

struct range_sink {
	struct qs_range_sink base;
	struct guestcore_source *s;
	char **names; /* the memory region of each range */
	int err;
};

static void range_add(struct qs_range_sink *sk, uint64_t start, uint64_t len, int rom, const char *name,
		      bool has_off, uint64_t off)
{
	struct range_sink *rs = (struct range_sink *)sk;
	struct guestcore_source *s = rs->s;
	struct guestcore_range *r;

	if (rs->err)
		return;
	if (s->n_ranges >= QS_MAX_RANGES) {
		rs->err = -E2BIG;
		return;
	}
	rs->names[s->n_ranges] = strdup(name);
	if (!rs->names[s->n_ranges]) {
		rs->err = -ENOMEM;
		return;
	}
	r = &s->ranges[s->n_ranges++];
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->start = start;
	r->length = len;
	r->kind = rom ? GUESTCORE_RANGE_ROM : GUESTCORE_RANGE_RAM;
	r->fd = -1;
	r->file_offset = has_off ? off : 0; /* in the region's backend, if mem= is it */
}

/* The guest's RAM is its largest RAM region, and mem= its backend: the
 * ranges of that region are read from the file at their offsets. */
static int map_backend(struct guestcore_source *s, char **names)
{
	const char *backend = NULL;
	uint64_t biggest = 0;

	if (s->mem_fd < 0)
		return 0;
	for (size_t i = 0; i < s->n_ranges; i++)
		if (s->ranges[i].kind == GUESTCORE_RANGE_RAM && s->ranges[i].length > biggest) {
			biggest = s->ranges[i].length;
			backend = names[i];
		}
	for (size_t i = 0; backend && i < s->n_ranges; i++) {
		struct guestcore_range *r = &s->ranges[i];
		uint64_t off = r->file_offset, len = r->length;

		if (strcmp(names[i], backend) != 0)
			continue;
		if (off + len < off || off + len > s->mem_size) {
			FAIL(s, "the memory map puts %s at backend offset 0x%" PRIx64 "+0x%" PRIx64 ", past the end of "
				"%s (0x%" PRIx64 " bytes): mem= must be the guest's memory-backend-file",
			     names[i], off, len, s->mem_path, s->mem_size);
			return -EINVAL;
		}
		r->fd = s->mem_fd;
	}
	return 0;
}

/* The private directory pmemsave writes into (made once, before the guard
 * starts, so that the guard can empty it). */
static int make_tmpdir(struct guestcore_source *s)
{
	const char *dir = getenv("TMPDIR");

	if (asprintf(&s->tmpdir, "%s/guestcore-pmemsave-XXXXXX", dir && *dir ? dir : "/tmp") < 0) {
		s->tmpdir = NULL;
		return -ENOMEM;
	}
	if (!mkdtemp(s->tmpdir)) {
		int e = errno;
		FAIL(s, "cannot make a directory for pmemsave in %s: %s: set TMPDIR to a writable directory",
		     dir && *dir ? dir : "/tmp", strerror(e));
		free(s->tmpdir);
		s->tmpdir = NULL;
		return -e;
	}
	return 0;
}

static int fetch_with_pmemsave(struct guestcore_source *s, size_t i)
{
	struct guestcore_range *r = &s->ranges[i];
	char *path;
	json_object *args;
	int fd, err;
	struct stat st;

	if (asprintf(&path, "%s/%zu", s->tmpdir, i) < 0)
		return -ENOMEM;
	args = json_object_new_object();
	json_object_object_add(args, "val", json_object_new_int64((int64_t)r->start));
	json_object_object_add(args, "size", json_object_new_int64((int64_t)r->length));
	json_object_object_add(args, "filename", json_object_new_string(path));
	err = qmp_command(&s->q, "pmemsave", args, (long)(r->length >> 30) * PMEMSAVE_MS_PER_GIB, NULL);
	if (err < 0) {
		unlink(path);
		free(path);
		return qfail(s, err);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	err = fd < 0 ? -errno : 0;
	unlink(path); /* open or not, it is ours only while we hold it */
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < r->length) {
		FAIL(s, "pmemsave of 0x%" PRIx64 "+0x%" PRIx64 " into %s gave %s: is QEMU on this machine?", r->start,
		     r->length, path, fd < 0 ? strerror(-err) : "a short file");
		if (fd >= 0)
			close(fd);
		free(path);
		return fd < 0 ? err : -EIO;
	}
	free(path);
	r->fd = fd;
	r->file_offset = 0;
	s->range_own_fd[i] = true;
	return 0;
}

static int qs_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	if (!s->described) {
		struct range_sink rs = { .base.add = range_add, .s = s };
		struct cpu_sink cs = { .base.set = cpu_set, .s = s };
		json_object *target = NULL, *arch;
		char *mtree, *regs;
		int r;

		r = qmp_command(&s->q, "query-target", NULL, 0, &target);
		if (r == -EINTR || r == -ETIMEDOUT || r == -ECONNRESET)
			return qfail(s, r);
		if (r == 0 && json_object_object_get_ex(target, "arch", &arch) && json_object_get_string(arch))
			s->machine = strcmp(json_object_get_string(arch), "i386") == 0 ? EM_386 : EM_X86_64;
		json_object_put(target);
		mtree = qmp_hmp(&s->q, "info mtree -f");
		if (!mtree)
			return qfail(s, -EIO);
		rs.names = calloc(QS_MAX_RANGES, sizeof(*rs.names));
		if (!rs.names) {
			free(mtree);
			return -ENOMEM;
		}
		r = qs_parse_mtree(mtree, &rs.base);
		free(mtree);
		if (r == 0 && rs.err == 0)
			rs.err = map_backend(s, rs.names);
		for (size_t i = 0; i < s->n_ranges; i++)
			free(rs.names[i]);
		free(rs.names);
		if (rs.err == -E2BIG) {
			FAIL(s, "QEMU's memory map ('info mtree -f') has more than %d RAM and ROM ranges, the most the qemu "
				"source takes", QS_MAX_RANGES);
			return -E2BIG;
		}
		if (r < 0 || rs.err < 0) {
			if (!rs.err && r == -EINVAL)
				FAIL(s, "'info mtree -f' from %s has a range that ends before it starts or at 2^64",
				     s->socket_path);
			else if (!rs.err)
				FAIL(s, "'info mtree -f' from %s has no flat view of the system address space", s->socket_path);
			return rs.err < 0 ? rs.err : r;
		}
		for (size_t i = 0; i < s->n_ranges; i++)
			if (s->ranges[i].fd < 0) {
				r = fetch_with_pmemsave(s, i);
				if (r < 0)
					return r;
			}
		regs = qmp_hmp(&s->q, "info registers -a");
		if (!regs)
			return qfail(s, -EIO);
		r = qs_parse_registers(regs, &cs.base);
		free(regs);
		if (r == -E2BIG) {
			FAIL(s, "'info registers -a' names a vCPU past %d, the most the qemu source takes", QS_MAX_CPUS);
			return r;
		}
		if (r < 0 || cs.err < 0)
			return r < 0 ? r : cs.err;
		snprintf(s->description, sizeof(s->description), "QEMU guest at %s%s%s, %zu ranges", s->socket_path,
			 s->mem_path ? ", memory " : "", s->mem_path ? s->mem_path : "", s->n_ranges);
		s->described = true;
	}
	info->e_machine = s->machine;
	info->cpu_count = s->n_cpus;
	info->description = s->description;
	return 0;
}

static void qs_close(struct guestcore_source *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ranges; i++)
		if (s->range_own_fd[i] && s->ranges[i].fd >= 0)
			close(s->ranges[i].fd);
	for (uint32_t i = 0; i < s->n_cpus; i++)
		su_regs_free(&s->cpus[i]);
	free(s->cpus);
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	guard_release(&s->guard);
	qmp_close(&s->q);
	if (s->tmpdir) {
		rmdir(s->tmpdir);
		free(s->tmpdir);
	}
	free(s->socket_path);
	free(s->mem_path);
	free(s);
}

static int qs_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	char *copy = strdup(spec ? spec : ""), *save = NULL, err[512];
	json_object *v = NULL, *st;
	long timeout_s = QMP_COMMAND_MS / 1000;
	int r = -EINVAL;

	if (!s || !copy) {
		free(s);
		free(copy);
		return -ENOMEM;
	}
	s->host = host;
	s->q.sock = -1;
	s->mem_fd = -1;
	s->machine = EM_X86_64;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		if (strncmp(t, "qmp=", 4) == 0) {
			free(s->socket_path);
			s->socket_path = strdup(t + 4);
		} else if (strncmp(t, "mem=", 4) == 0) {
			free(s->mem_path);
			s->mem_path = strdup(t + 4);
		} else if (strncmp(t, "timeout=", 8) == 0) {
			errno = 0;
			timeout_s = strtol(t + 8, &end, 10);
			if (errno || end == t + 8 || *end || timeout_s < 1 || timeout_s > 86400) {
				FAIL(s, "qemu: timeout='%s': give whole seconds from 1 to 86400", t + 8);
				goto fail;
			}
		} else {
			FAIL(s, "qemu: unknown option '%s': use qmp=SOCKET[,mem=PATH][,timeout=SECONDS]", t);
			goto fail;
		}
	}
	if (!s->socket_path || !*s->socket_path) {
		FAIL(s, "qemu needs the guest's QMP socket: qemu:qmp=SOCKET[,mem=PATH][,timeout=SECONDS]");
		goto fail;
	}
	if (s->mem_path) {
		struct stat mst;
		s->mem_fd = open(s->mem_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (s->mem_fd < 0 || fstat(s->mem_fd, &mst) < 0) {
			r = -errno;
			FAIL(s, "memory backend %s: %s", s->mem_path, strerror(errno));
			goto fail;
		}
		if (!S_ISREG(mst.st_mode)) {
			FAIL(s, "memory backend %s is not a regular file: mem= names the guest's memory-backend-file",
			     s->mem_path);
			goto fail;
		}
		s->mem_size = (uint64_t)mst.st_size;
	}
	if (GUESTCORE_HOST_HAS(host, cancelled)) {
		s->q.cancelled = host_cancelled;
		s->q.cancel_userdata = (void *)host;
	}
	r = qmp_connect(&s->q, s->socket_path, (int)(timeout_s * 1000));
	if (r < 0) {
		qfail(s, r);
		goto fail;
	}
	r = qmp_command(&s->q, "query-dump", NULL, 0, &v);
	if (r == -EINTR || r == -ETIMEDOUT || r == -ECONNRESET) {
		qfail(s, r);
		goto fail;
	}
	if (r == 0 && json_object_object_get_ex(v, "status", &st) && json_object_get_string(st) &&
	    strcmp(json_object_get_string(st), "active") == 0) {
		FAIL(s, "QEMU at %s is writing a dump already: wait for it to finish", s->socket_path);
		json_object_put(v);
		r = -EBUSY;
		goto fail;
	}
	json_object_put(v);
	r = make_tmpdir(s);
	if (r < 0)
		goto fail;
	r = guard_start(&s->guard, s->q.sock, s->tmpdir, err, sizeof(err));
	if (r < 0) {
		FAIL(s, "%s", err);
		goto fail;
	}
	free(copy);
	*ret = s;
	return 0;
fail:
	free(copy);
	qs_close(s);
	return r < 0 ? r : -EINVAL;
}

static int qs_pause(struct guestcore_source *s)
{
	json_object *st = NULL, *running;
	int r = qmp_command(&s->q, "query-status", NULL, 0, &st);

	if (r < 0)
		return qfail(s, r);
	if (json_object_object_get_ex(st, "running", &running) && json_object_get_boolean(running)) {
		/* Armed first: from here on our death resumes the guest. */
		guard_arm(&s->guard, true);
		r = qmp_command(&s->q, "stop", NULL, 0, NULL);
		if (r == 0)
			s->stopped_by_us = true;
		else
			guard_arm(&s->guard, false);
	}
	json_object_put(st);
	return r < 0 ? qfail(s, r) : 0;
}

static int qs_resume(struct guestcore_source *s)
{
	int r = 0;

	if (!s->stopped_by_us)
		return 0;
	/* An interrupt does not stop this one: it only leaves a second for it. */
	s->q.patient = 1;
	r = qmp_command(&s->q, "cont", NULL, 0, NULL);
	s->q.patient = 0;
	if (r == 0) {
		s->stopped_by_us = false;
		guard_arm(&s->guard, false);
		return 0;
	}
	FAIL(s, "%s; the guest stays paused: resume it by hand with the QMP command {\"execute\": \"cont\"} on a "
		"QMP socket of this QEMU (or 'cont' in its monitor)", s->q.error[0] ? s->q.error : strerror(-r));
	return r == -EREMOTEIO ? -EIO : r;
}

static int qs_get_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *ret)
{
	return su_range_copy(s->ranges, s->n_ranges, i, ret);
}

static int qs_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	int r = su_range_read(s->ranges, s->n_ranges, addr, buf, len);

	if (r == -EINVAL)
		FAIL(s, "read of 0x%zx bytes at 0x%" PRIx64 " is outside the guest's ranges", len, addr);
	return r;
}

static int qs_get_register(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	return cpu < s->n_cpus ? su_regs_get(&s->cpus[cpu], name, ret) : -ENOENT;
}

const struct guestcore_memory_source_ops qemu_source_ops = {
	.size = sizeof(qemu_source_ops),
	.open = qs_open,
	.close = qs_close,
	.pause = qs_pause,
	.resume = qs_resume,
	.describe = qs_describe,
	.get_range = qs_get_range,
	.read = qs_read,
	.get_register = qs_get_register,
};
