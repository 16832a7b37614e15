/* Memory source of the "qemu" plugin: a running QEMU guest over QMP.
 *
 *   qemu:qmp=SOCKET[,mem=PATH][,mode=auto|snapshot|pause][,timeout=SECONDS]
 *
 * It owns the source's life: options, pause and resume, and where memory
 * and registers come from in each mode.
 *   snapshot  QEMU's background-snapshot migration into a pipe (migrate.c,
 *             stream.c): the guest runs on, paused by QEMU for milliseconds,
 *             and the core is the guest as it was at that point.  RAM goes
 *             into an unnamed temporary file (TMPDIR, else /var/tmp; zero
 *             pages stay holes); registers and VMCOREINFO come from the
 *             stream's device sections (vmstate.c).
 *   pause     the guest is stopped for the whole dump and the same stream
 *             (without the capability) gives registers and every RAM block
 *             not in mem= (the guest's shared memory-backend-file, read
 *             zero-copy; x-ignore-shared keeps it out of the stream).  When
 *             QEMU will not migrate (a migration blocker), the monitor's
 *             'info registers -a' and pmemsave do, with fewer registers.
 *   auto      snapshot for a running guest when QEMU and the kernel offer
 *             it, else pause; it says which.  A guest its user paused is
 *             read through the monitor (a migration would leave it in
 *             QEMU's "postmigrate" state), with QEMU's own notes from a
 *             one-page dump-guest-memory for what 'info registers' lacks.
 * QMP through qmp.c (every exchange has a deadline), the monitor's text
 * through parse.c, and a resume guard (guard.c) started at open: pause()
 * arms it and stops the guest only when it was running, resume() continues
 * it only then and disarms it, so that even our death leaves the guest
 * running.  The memory map comes from 'info mtree -f' in every mode (RAM
 * and ROM ranges of the system address space, the region each is in and
 * its offset there). */
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

#include <gelf.h>
#include <json-c/json.h>
#include <libelf.h>

#include <guestcore/plugin.h>

#include "guard.h"
#include "migrate.h"
#include "place.h"
#include "qemu.h"
#include "qmp.h"
#include "source_util.h"
#include "stream.h"

#define QS_MAX_RANGES 4096
/* pmemsave writes at a few hundred MB/s: its deadline grows with the size. */
#define PMEMSAVE_MS_PER_GIB 4000

enum qs_mode { QS_AUTO, QS_SNAPSHOT, QS_PAUSE };
static const char *const mode_names[] = { "auto", "snapshot", "pause" };

struct guestcore_source {
	const struct guestcore_host_api *host;
	struct qmp q;
	struct qguard guard;
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
	struct qs_guest g;     /* the vCPUs' registers, the guest's VMCOREINFO note */
	enum qs_mode mode;
	bool snapshot;         /* background-snapshot prepared in pause() */
	struct qmigrate mig;
	struct qstream st;     /* the stream's RAM goes to the host's sink as it comes */
	char **names;          /* the memory region of each range ('info mtree -f') */
	bool pushing;          /* the stream's memory is pushed (push_memory) */
	struct guestcore_memory_sink *sink; /* during push_memory */
	bool sink_failed;      /* the host refused a piece (a full disk, an interrupt) */
	struct qplaces places; /* each pushed range where the stream has its bytes */
	const char *used;      /* the mode as run: "snapshot", "pause" or "pause (monitor)" */
	char description[700];
};

#define FAIL(s, ...) SU_FAIL((s)->host, __VA_ARGS__)

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

	if (qs_guest_grow(&s->g, (uint32_t)cpu) < 0 || su_regs_set(&s->g.cpus[cpu].regs, name, v, true) < 0)
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

/* From qmig_prepare() on, the guard puts QEMU's migration settings back if
 * we die. */
static void guard_settings(struct guestcore_source *s)
{
	char *lines = qmig_restore_lines(&s->mig);

	guard_restore_migration(&s->guard, lines);
	free(lines);
}

static void restore_settings(struct guestcore_source *s)
{
	qmig_restore(&s->mig);
	guard_restore_migration(&s->guard, NULL);
}

static void log_info(struct guestcore_source *s, enum guestcore_log_level level, const char *what)
{
	if (GUESTCORE_HOST_HAS(s->host, log))
		s->host->log(s->host->handle, level, "%s", what);
}

/* query-target and 'info mtree -f': the machine and the ranges, with the
 * memory region of each in NAMES (QS_MAX_RANGES entries, freed by the
 * caller). */
static int load_map(struct guestcore_source *s, char **names)
{
	struct range_sink rs = { .base.add = range_add, .s = s, .names = names };
	json_object *target = NULL, *arch;
	char *mtree;
	int r;

	r = qmp_command(&s->q, "query-target", NULL, 0, &target);
	if (r == -EINTR || r == -ETIMEDOUT || r == -ECONNRESET)
		return qfail(s, r);
	if (r == 0 && json_object_object_get_ex(target, "arch", &arch) && json_object_get_string(arch)) {
		const struct qs_arch *a = qs_arch_of_target(json_object_get_string(arch));
		if (!a) {
			FAIL(s, "QEMU at %s emulates %s, which the qemu source does not know (x86_64, i386, aarch64)",
			     s->q.path, json_object_get_string(arch));
			json_object_put(target);
			return -ENOTSUP;
		}
		s->machine = s->g.machine = a->machine;
	}
	json_object_put(target);
	mtree = qmp_hmp(&s->q, "info mtree -f");
	if (!mtree)
		return qfail(s, -EIO);
	r = qs_parse_mtree(mtree, &rs.base);
	free(mtree);
	if (rs.err == -E2BIG) {
		FAIL(s, "QEMU's memory map ('info mtree -f') has more than %d RAM and ROM ranges, the most the qemu "
			"source takes", QS_MAX_RANGES);
		return -E2BIG;
	}
	if (r < 0 || rs.err < 0) {
		if (!rs.err && r == -EINVAL)
			FAIL(s, "'info mtree -f' from %s has a range that ends before it starts or at 2^64", s->q.path);
		else if (!rs.err)
			FAIL(s, "'info mtree -f' from %s has no flat view of the system address space", s->q.path);
		return rs.err < 0 ? rs.err : r;
	}
	return 0;
}

/* The registers 'info registers -a' shows. */
static int monitor_registers(struct guestcore_source *s)
{
	struct cpu_sink cs = { .base.set = cpu_set, .s = s };
	char *regs;
	int r;

	regs = qmp_hmp(&s->q, "info registers -a");
	if (!regs)
		return qfail(s, -EIO);
	r = qs_parse_registers(regs, &cs.base);
	free(regs);
	if (r == -E2BIG) {
		FAIL(s, "'info registers -a' names a vCPU past %d, the most the qemu source takes", QS_MAX_CPUS);
		return r;
	}
	for (uint32_t i = 0; r == 0 && i < s->g.n_cpus; i++)
		if (su_regs_set(&s->g.cpus[i].regs, "reg.cr1", 0, false) < 0) /* no such register: QEMU stores 0 */
			return -ENOMEM;
	return r < 0 ? r : cs.err;
}

/* Today's way, for a QEMU that will not migrate: the shared backend file,
 * pmemsave for the rest, the registers 'info registers -a' shows. */
static int describe_monitor(struct guestcore_source *s, char **names)
{
	int r = map_backend(s, names);

	for (size_t i = 0; r == 0 && i < s->n_ranges; i++)
		if (s->ranges[i].fd < 0)
			r = fetch_with_pmemsave(s, i);
	return r < 0 ? r : monitor_registers(s);
}

/* An unnamed temporary file: the stream's RAM, QEMU's notes. */
static int stream_file(struct guestcore_source *s)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* A file system without O_TMPFILE: a name unlinked at once. */
		if (asprintf(&path, "%s/guestcore-stream-XXXXXX", dir) < 0)
			return -ENOMEM;
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
		free(path);
	}
	if (fd < 0) {
		int e = errno;
		FAIL(s, "cannot make a temporary file for the guest's memory in %s: %s: set TMPDIR to a writable "
			"directory with room for the guest's RAM", dir, strerror(e));
		return -e;
	}
	return fd;
}

struct cpustate {
	struct qs_cpu *cpu;
	const char *bytes_name; /* the machine's byte register, kept when a note has it */
	int err;
};

static void cpustate_field(void *userdata, const char *binding, uint64_t value, const void *bytes, size_t nbytes)
{
	struct cpustate *c = userdata;

	if (c->err)
		return;
	if (!bytes) {
		if (su_regs_set(&c->cpu->regs, binding, value, true) < 0)
			c->err = -ENOMEM;
	} else if (c->bytes_name && strcmp(binding, c->bytes_name) == 0 && !c->cpu->bytes) {
		c->cpu->bytes = malloc(nbytes ? nbytes : 1);
		if (!c->cpu->bytes)
			c->err = -ENOMEM;
		else {
			memcpy(c->cpu->bytes, bytes, nbytes);
			c->cpu->bytes_len = nbytes;
		}
	}
}

/* QEMU's QEMUCPUState note, decoded by its layout (schemas/qemu.xml) with
 * the host's decode_note: every register it binds, exact where 'info
 * registers' rounds (the segments' flags, which it masks) or is silent
 * (kernel_gs_base, r8 to r15 of a guest outside long mode). */
static int take_cpustate(struct guestcore_source *s, struct qs_cpu *cpu, const char *name, uint32_t type,
			 const unsigned char *desc, size_t len)
{
	const struct qs_arch *a = qs_arch_of_machine(s->machine);
	struct cpustate c = { .cpu = cpu, .bytes_name = a ? a->bytes_name : NULL };
	int e;

	if (!GUESTCORE_HOST_HAS(s->host, decode_note))
		return -EPROTO;
	e = s->host->decode_note(s->host->handle, name, type, s->machine, 0, desc, len, cpustate_field, &c);
	return e < 0 ? (e == -ENOMEM ? e : -EPROTO) : c.err;
}

/* Walk the notes of the ELF core in FD (QEMU's own dump): each vCPU's
 * registers from the notes its architecture's row names (x86: the "QEMU"
 * CPU state; aarch64: NT_PRSTATUS and NT_PRFPREG, for 'info registers'
 * names none of its registers the parser knows), each decoded by its
 * layout, and the "VMCOREINFO" note whole. */
static int take_qemu_notes(struct guestcore_source *s, int fd)
{
	const struct qs_arch *a = qs_arch_of_machine(s->machine);
	uint32_t seen[2] = { 0 };
	Elf *e;
	size_t phnum = 0;
	int r = 0;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!a || !e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &phnum) != 0 || phnum > 4096) {
		elf_end(e);
		return -EPROTO;
	}
	for (size_t i = 0; i < phnum && r == 0; i++) {
		GElf_Phdr ph;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t off = 0, next, name_off, desc_off;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			r = -EPROTO;
			break;
		}
		if (ph.p_type != PT_NOTE)
			continue;
		if (ph.p_filesz > (16u << 20) ||
		    !(data = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR))) {
			r = -EPROTO;
			break;
		}
		while (r == 0 && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *name = (const char *)data->d_buf + name_off;
			const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;
			size_t whole = next - off; /* the note, header to padded end */

			for (size_t k = 0; k < 2 && r == 0; k++) {
				const char *want = a->notes[k].name;
				if (!want || nh.n_type != a->notes[k].type || nh.n_namesz != strlen(want) + 1 ||
				    memcmp(name, want, nh.n_namesz) != 0)
					continue;
				r = qs_guest_grow(&s->g, seen[k]);
				if (r == 0)
					r = take_cpustate(s, &s->g.cpus[seen[k]], want, nh.n_type, desc, nh.n_descsz);
				seen[k] += r == 0;
			}
			if (nh.n_namesz == 11 && memcmp(name, "VMCOREINFO", 11) == 0 && !s->g.vmcoreinfo &&
			    whole <= QS_VMCOREINFO_MAX) {
				s->g.vmcoreinfo = malloc(whole);
				if (!s->g.vmcoreinfo)
					r = -ENOMEM;
				else
					memcpy(s->g.vmcoreinfo, (const unsigned char *)data->d_buf + off, whole);
				s->g.vmcoreinfo_len = s->g.vmcoreinfo ? whole : 0;
			}
			off = next;
		}
	}
	elf_end(e);
	return r;
}

/* QEMU's own notes of a paused guest, from a dump-guest-memory of one page
 * (the guest stays as it is): the registers they hold, exact where 'info
 * registers' rounds (the segments' flags) or is silent (kernel_gs_base),
 * and the guest's VMCOREINFO. */
static int qemu_notes(struct guestcore_source *s)
{
	json_object *args;
	const struct guestcore_range *ram = NULL;
	int fd, r;

	for (size_t i = 0; i < s->n_ranges && !ram; i++)
		if (s->ranges[i].kind == GUESTCORE_RANGE_RAM && s->ranges[i].length >= 4096)
			ram = &s->ranges[i];
	if (!ram)
		return 0;
	if (s->q.t->no_dump) {
		char note[900];
		snprintf(note, sizeof(note), "QEMU's own notes are not to be had through %s (%s): kernel_gs_base is "
			 "left out, and VMCOREINFO is the kernel's own where guest memory holds it", s->q.path,
			 s->q.t->no_dump);
		log_info(s, GUESTCORE_LOG_WARNING, note);
		return 0;
	}
	fd = stream_file(s);
	if (fd < 0)
		return fd;
	args = json_object_new_object();
	json_object_object_add(args, "fdname", json_object_new_string("guestcore-notes"));
	r = qmp_command_fd(&s->q, "getfd", args, fd, NULL);
	if (r == 0) {
		args = json_object_new_object();
		json_object_object_add(args, "paging", json_object_new_boolean(false));
		json_object_object_add(args, "protocol", json_object_new_string("fd:guestcore-notes"));
		json_object_object_add(args, "begin", json_object_new_int64((int64_t)ram->start));
		json_object_object_add(args, "length", json_object_new_int64(4096));
		r = qmp_command(&s->q, "dump-guest-memory", args, 0, NULL);
		if (r < 0) {
			args = json_object_new_object();
			json_object_object_add(args, "fdname", json_object_new_string("guestcore-notes"));
			qmp_command(&s->q, "closefd", args, 0, NULL);
		}
	}
	if (r == 0)
		r = take_qemu_notes(s, fd);
	if (r == 0 && s->g.vmcoreinfo && !qs_guest_keep_vmcoreinfo(&s->g))
		log_info(s, GUESTCORE_LOG_WARNING, QS_BAD_VMCOREINFO);
	close(fd);
	if (r < 0 && r != -EINTR && r != -ENOMEM) {
		/* What they add is worth no failure: the core is whole without them. */
		char note[900];
		snprintf(note, sizeof(note), "QEMU's own notes are not to be had (%s): kernel_gs_base and VMCOREINFO "
			 "are left out", r == -EPROTO ? "its dump is not an ELF core whose notes schemas/qemu.xml describes" : s->q.error);
		log_info(s, GUESTCORE_LOG_WARNING, note);
		return 0;
	}
	return r < 0 ? qfail(s, r) : 0;
}

/* True when RAM block IDSTR holds memory region NAME ("0000:00:02.0/vga.vram"
 * holds "vga.vram"). */
static bool block_holds(const char *idstr, const char *name)
{
	size_t li = strlen(idstr), ln = strlen(name);

	return strcmp(idstr, name) == 0 || (li > ln && idstr[li - ln - 1] == '/' && strcmp(idstr + li - ln, name) == 0);
}

/* With mem= in pause mode, the stream may leave the backend out: only when
 * it is the one shared memory backend QEMU has, so that no other shared
 * block is missing from both. */
static int backend_alone_shared(struct guestcore_source *s, char **names)
{
	json_object *devs = NULL;
	const char *backend = NULL;
	uint64_t biggest = 0;
	int shared = 0, r;
	bool match = false;

	if (s->mem_fd < 0)
		return 0;
	if ((r = map_backend(s, names)) < 0)
		return r; /* mem= that is not the guest's backend: said so */
	for (size_t i = 0; i < s->n_ranges; i++)
		if (s->ranges[i].fd == s->mem_fd && s->ranges[i].length > biggest) {
			biggest = s->ranges[i].length;
			backend = names[i];
		}
	if (!backend || qmp_command(&s->q, "query-memdev", NULL, 0, &devs) < 0)
		return 0;
	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i), *v, *id;
		if (json_object_object_get_ex(d, "share", &v) && json_object_get_boolean(v)) {
			shared++;
			match = json_object_object_get_ex(d, "id", &id) && json_object_get_string(id) &&
				strcmp(json_object_get_string(id), backend) == 0;
		}
	}
	json_object_put(devs);
	return shared == 1 && match;
}

/* The vCPUs QEMU has (query-cpus-fast), before the stream says more. */
static int count_cpus(struct guestcore_source *s)
{
	json_object *cpus = NULL;
	size_t n;
	int r = qmp_command(&s->q, "query-cpus-fast", NULL, 0, &cpus);

	if (r < 0)
		return qfail(s, r);
	n = json_object_is_type(cpus, json_type_array) ? json_object_array_length(cpus) : 0;
	json_object_put(cpus);
	if (n == 0 || n > QS_MAX_CPUS) {
		FAIL(s, "QEMU at %s lists %zu vCPUs (query-cpus-fast): the qemu source takes 1 to %d", s->q.path, n,
		     QS_MAX_CPUS);
		return -EPROTO;
	}
	return qs_guest_grow(&s->g, (uint32_t)(n - 1));
}

/* Ready the migration stream, whose memory push_memory() hands on: the
 * settings of pause mode (the snapshot's were made in pause()), which
 * ranges the stream fills, the vCPUs.  -EREMOTEIO when QEMU refused the
 * settings (the caller may fall back). */
static int prepare_stream(struct guestcore_source *s, char **names)
{
	bool skip_backend = false;
	int r;

	if (!s->snapshot) {
		r = backend_alone_shared(s, names);
		if (r < 0)
			return r;
		skip_backend = r > 0;
		s->mig.ignore_shared = skip_backend;
		r = qmig_prepare(&s->mig);
		guard_settings(s);
		if (r == -EREMOTEIO && skip_backend) {
			/* A QEMU without x-ignore-shared streams the backend as well. */
			restore_settings(s);
			skip_backend = s->mig.ignore_shared = false;
			r = qmig_prepare(&s->mig);
			guard_settings(s);
		}
		if (r < 0)
			return r == -EREMOTEIO ? r : qfail(s, r);
	}
	if (!skip_backend)
		for (size_t i = 0; i < s->n_ranges; i++)
			s->ranges[i].fd = -1;
	r = count_cpus(s);
	if (r < 0)
		return r;
	s->pushing = true;
	return 0;
}

/* The stream's block list is read: where each range the stream fills has
 * its bytes in the stream's layout (a block may be mapped more than once). */
static int place_ranges(void *userdata, struct qstream *st)
{
	struct guestcore_source *s = userdata;

	for (size_t i = 0; i < s->n_ranges; i++) {
		const struct guestcore_range *rg = &s->ranges[i];
		const struct qstream_block *b = NULL;

		if (rg->fd >= 0)
			continue; /* the backend, read from mem= */
		for (size_t k = 0; k < st->n_blocks && !b; k++)
			if (block_holds(st->blocks[k].name, s->names[i]))
				b = &st->blocks[k];
		if (!b || rg->file_offset > b->length || b->length - rg->file_offset < rg->length) {
			snprintf(st->error, sizeof(st->error), "QEMU's memory map puts region %s at 0x%" PRIx64 "+0x%" PRIx64
				 ", which its migration stream %s", s->names[i], rg->start, rg->length,
				 b ? "has fewer bytes for" : "does not carry");
			return -EPROTO;
		}
		if (qplaces_add(&s->places, b->offset + rg->file_offset, rg->length, rg->start, NULL) < 0)
			return -ENOMEM;
	}
	return qplaces_ready(&s->places);
}

static int put_pages(void *userdata, uint64_t off, const void *data, size_t len)
{
	struct guestcore_source *s = userdata;

	return qplaces_push(&s->places, off, data, len, s->sink, &s->sink_failed);
}

/* The registers and the guest's VMCOREINFO, from the stream's device
 * sections, once it is read. */
static int stream_registers(struct guestcore_source *s)
{
	uint32_t found, before = s->g.n_cpus;
	char why[300];
	int r = qs_guest_from_stream(&s->g, &s->st, &found);

	if (r < 0)
		return r;
	if (found == 0) {
		FAIL(s, "QEMU's migration stream has no \"cpu\" sections: is this an x86 guest?");
		return -EPROTO;
	}
	if (found != before) {
		FAIL(s, "QEMU's migration stream has %u vCPUs, QEMU listed %u before it: was a vCPU %s during the "
			"dump? Dump again", found, before, found > before ? "added" : "removed");
		return -ESTALE;
	}
	r = qs_guest_vmcoreinfo(&s->g, &s->st, s->ranges, s->n_ranges, s->sink, why, sizeof(why));
	if (r > 0)
		log_info(s, GUESTCORE_LOG_WARNING, why);
	return r < 0 ? r : 0;
}

/* A QEMU that would not start the migration: the paused guest through the
 * monitor, a range at a time (pmemsave, pushed, dropped), then the
 * registers 'info registers' shows and QEMU's own notes. */
static int push_via_monitor(struct guestcore_source *s)
{
	unsigned char *buf = malloc(1u << 20);
	int r = buf ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < s->n_ranges; i++) {
		struct guestcore_range *rg = &s->ranges[i];
		uint64_t keep = rg->file_offset;

		if (rg->fd >= 0 || rg->kind == GUESTCORE_RANGE_MMIO)
			continue;
		r = fetch_with_pmemsave(s, i);
		for (uint64_t at = 0; r == 0 && at < rg->length;) {
			size_t n = rg->length - at < (1u << 20) ? (size_t)(rg->length - at) : 1u << 20;
			ssize_t got = pread(rg->fd, buf, n, (off_t)at);

			if (got != (ssize_t)n) {
				FAIL(s, "cannot read what pmemsave wrote of 0x%" PRIx64 "+0x%" PRIx64 ": %s", rg->start,
				     rg->length, got < 0 ? strerror(errno) : "it is short");
				r = got < 0 ? -errno : -EIO;
			} else {
				r = s->sink->write(s->sink, rg->start + at, buf, n);
				at += n;
			}
		}
		if (s->range_own_fd[i]) {
			close(rg->fd);
			s->range_own_fd[i] = false;
		}
		rg->fd = -1; /* as the host was told */
		rg->file_offset = keep;
	}
	free(buf);
	if (r == 0)
		r = monitor_registers(s);
	return r == 0 ? qemu_notes(s) : r;
}

static void describe_text(struct guestcore_source *s);
static void log_mode(struct guestcore_source *s);

/* Run the stream: its pages to the sink as they come, then the registers. */
static int qs_push(struct guestcore_source *s, struct guestcore_memory_sink *sink)
{
	bool started;
	int r;

	if (!s->pushing)
		return 0;
	s->sink = sink;
	s->st.mem_fd = -1;
	s->st.listed = place_ranges;
	s->st.put = put_pages;
	s->st.userdata = s;
	r = qmig_run(&s->mig, &s->st);
	started = s->mig.started; /* restore_settings() forgets it */
	restore_settings(s);
	/* The guest is paused (by us): when QEMU would not start the stream,
	 * or its stream broke off on QEMU's side (a QEMU whose background
	 * snapshot was once cancelled fails every migration), the monitor
	 * gives the guest whole, each range pushed again over what came. */
	if (r < 0 && !s->snapshot && !s->sink_failed && r != -EINTR && r != -ECANCELED && r != -ETIMEDOUT &&
	    (r == -EREMOTEIO || started) && !(GUESTCORE_HOST_HAS(s->host, cancelled) && s->host->cancelled(s->host->handle))) {
		char note[900];
		snprintf(note, sizeof(note), "QEMU %s (%s): reading it through the monitor instead, without the MSRs "
			 "and FPU state 'info registers' lacks", started ? "broke off the guest's stream" :
			 "will not stream the guest", s->mig.error);
		log_info(s, GUESTCORE_LOG_WARNING, note);
		s->used = "pause (monitor)";
		log_mode(s);
		r = push_via_monitor(s);
	} else if (r < 0) {
		FAIL(s, "%s", s->mig.error);
		r = r == -EREMOTEIO ? -EIO : r;
	} else {
		r = stream_registers(s);
	}
	s->sink = NULL;
	if (r == 0)
		describe_text(s);
	return r;
}

/* The monitor way: 'info registers', pmemsave, then QEMU's own notes. */
static int describe_via_monitor(struct guestcore_source *s, char **names)
{
	int r = describe_monitor(s, names);

	s->used = "pause (monitor)";
	return r == 0 ? qemu_notes(s) : r;
}

/* The one line the core records of this source: the mode as run, and
 * QEMU's downtime once the snapshot is taken. */
static void describe_text(struct guestcore_source *s)
{
	if (s->snapshot && s->mig.finished)
		snprintf(s->description, sizeof(s->description), "QEMU guest at %s, snapshot (downtime %" PRId64
			 " ms), %zu ranges", s->q.path, s->mig.downtime_ms, s->n_ranges);
	else
		snprintf(s->description, sizeof(s->description), "QEMU guest at %s, %s%s%s, %zu ranges",
			 s->q.path, s->used, s->mem_path ? ", memory " : "", s->mem_path ? s->mem_path : "",
			 s->n_ranges);
}

static void log_mode(struct guestcore_source *s)
{
	char note[900];

	snprintf(note, sizeof(note), "qemu source: mode %s%s", s->used,
		 s->snapshot ? " (the guest ran on during the dump)" : "");
	log_info(s, GUESTCORE_LOG_INFO, note);
}

static int qs_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	if (!s->described) {
		char note[900];
		int r;

		s->names = calloc(QS_MAX_RANGES, sizeof(*s->names));
		if (!s->names)
			return -ENOMEM;
		r = load_map(s, s->names);
		if (r == 0 && !s->snapshot && !s->stopped_by_us && s->mode == QS_AUTO) {
			/* Paused by its user: a migration would leave it in QEMU's
			 * "postmigrate" state (mode=pause takes that), where QEMU
			 * refuses the next migration (virsh save) until it runs. */
			r = describe_via_monitor(s, s->names);
		} else if (r == 0) {
			r = prepare_stream(s, s->names);
			s->used = s->snapshot ? "snapshot" : "pause";
			if (r == -EREMOTEIO && !s->snapshot) {
				snprintf(note, sizeof(note), "QEMU will not stream the guest (%s): reading it through the "
					 "monitor instead, without the MSRs and FPU state 'info registers' lacks",
					 s->mig.error);
				log_info(s, GUESTCORE_LOG_WARNING, note);
				for (size_t i = 0; i < s->n_ranges; i++)
					s->ranges[i].fd = -1;
				r = describe_via_monitor(s, s->names);
			}
		}
		if (r < 0)
			return r;
		describe_text(s);
		log_mode(s);
		s->described = true;
	}
	info->e_machine = s->machine;
	info->cpu_count = s->g.n_cpus;
	info->description = s->description;
	if (s->pushing && GUESTCORE_STRUCT_HAS(info, struct guestcore_guest_info, flags))
		info->flags = GUESTCORE_GUEST_PUSHES;
	return 0;
}

static void qs_close(struct guestcore_source *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ranges; i++)
		if (s->range_own_fd[i] && s->ranges[i].fd >= 0)
			close(s->ranges[i].fd);
	if (s->mig.q)
		restore_settings(s);
	qs_guest_free(&s->g);
	for (size_t i = 0; s->names && i < s->n_ranges; i++)
		free(s->names[i]);
	free(s->names);
	qplaces_free(&s->places);
	qstream_free(&s->st);
	if (s->st.mem_fd >= 0)
		close(s->st.mem_fd);
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	guard_release(&s->guard);
	qmp_close(&s->q);
	if (s->tmpdir) {
		rmdir(s->tmpdir);
		free(s->tmpdir);
	}
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
	s->q.t = qmp_transport();
	s->q.sock = -1;
	s->mem_fd = -1;
	s->st.mem_fd = -1;
	s->machine = EM_X86_64;
	s->mig.q = &s->q;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		int taken = s->q.t->option(&s->q, t, t == copy);
		if (taken < 0) {
			r = taken;
			FAIL(s, "%s", s->q.error);
			goto fail;
		} else if (taken) {
			continue;
		} else if (strncmp(t, "mem=", 4) == 0) {
			free(s->mem_path);
			s->mem_path = strdup(t + 4);
		} else if (strncmp(t, "mode=", 5) == 0) {
			size_t m = 0;
			while (m < 3 && strcmp(t + 5, mode_names[m]) != 0)
				m++;
			if (m == 3) {
				FAIL(s, "mode='%s': give auto, snapshot or pause: %s", t + 5, s->q.t->usage);
				goto fail;
			}
			s->mode = (enum qs_mode)m;
		} else if (strncmp(t, "timeout=", 8) == 0) {
			errno = 0;
			timeout_s = strtol(t + 8, &end, 10);
			if (errno || end == t + 8 || *end || timeout_s < 1 || timeout_s > 86400) {
				FAIL(s, "timeout='%s': give whole seconds from 1 to 86400: %s", t + 8, s->q.t->usage);
				goto fail;
			}
		} else {
			FAIL(s, "unknown option '%s': use %s", t, s->q.t->usage);
			goto fail;
		}
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
	r = qmp_connect(&s->q, (int)(timeout_s * 1000));
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
		FAIL(s, "QEMU at %s is writing a dump already: wait for it to finish", s->q.path);
		json_object_put(v);
		r = -EBUSY;
		goto fail;
	}
	json_object_put(v);
	r = make_tmpdir(s);
	if (r < 0)
		goto fail;
	r = guard_start(&s->guard, &s->q, s->tmpdir, err, sizeof(err));
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
	bool is_running;
	int r = qmp_command(&s->q, "query-status", NULL, 0, &st);

	if (r < 0)
		return qfail(s, r);
	is_running = json_object_object_get_ex(st, "running", &running) && json_object_get_boolean(running);
	json_object_put(st);
	st = NULL;
	if (s->mode == QS_SNAPSHOT && !is_running) {
		/* QEMU 7.2 starts the guest when a background snapshot ends. */
		FAIL(s, "the guest at %s is paused, and a background snapshot would leave it running: use mode=pause "
			"for a paused guest", s->q.path);
		return -EINVAL;
	}
	if (is_running && s->mode != QS_PAUSE) {
		s->mig.snapshot = true;
		r = qmig_prepare(&s->mig);
		guard_settings(s);
		if (r == 0) {
			s->snapshot = true;
			return 0; /* the guest runs on; QEMU pauses it for the snapshot point alone */
		}
		restore_settings(s);
		s->mig.snapshot = false;
		if (r != -EREMOTEIO)
			return qfail(s, r);
		if (s->mode == QS_SNAPSHOT) {
			FAIL(s, "QEMU at %s cannot take a background snapshot (%s): use mode=pause", s->q.path,
			     s->mig.error);
			return -EOPNOTSUPP;
		}
		{
			char note[900];
			snprintf(note, sizeof(note), "QEMU cannot take a background snapshot (%s): pausing the guest for "
				 "the dump instead", s->mig.error);
			log_info(s, GUESTCORE_LOG_WARNING, note);
		}
	}
	if (is_running) {
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
	FAIL(s, "%s; the guest stays paused: %s", s->q.error[0] ? s->q.error : strerror(-r), s->q.t->resume_hint(&s->q));
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
	return qs_guest_register(&s->g, cpu, name, ret);
}

static int qs_get_note(struct guestcore_source *s, uint64_t i, struct guestcore_source_note *ret)
{
	return qs_guest_note(&s->g, i, ret);
}

static int qs_get_register_bytes(struct guestcore_source *s, uint32_t cpu, const char *name, const void **ret_data,
				 size_t *ret_len)
{
	return qs_guest_register_bytes(&s->g, cpu, name, ret_data, ret_len);
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
	.get_register_bytes = qs_get_register_bytes,
	.get_note = qs_get_note,
	.push_memory = qs_push,
};
