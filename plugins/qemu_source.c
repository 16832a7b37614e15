/* Memory source of the "qemu" plugin: a running QEMU guest over QMP.
 *
 *   qemu:qmp=SOCKET[,mem=PATH]
 *
 * A small QMP client (json-c) on the unix socket: the greeting,
 * qmp_capabilities, commands; asynchronous events are skipped.  pause()
 * stops the guest only when it was running and resume() continues it only
 * then.  The memory map comes from 'info mtree -f' (RAM and ROM ranges of the
 * system address space and their offsets in the memory backend), the
 * registers from 'info registers -a'.  RAM in the backend file (mem=, the
 * guest's memory-backend-file,share=on) is read from it zero-copy; anything
 * else (no mem=, or ROM such as pc.bios) is fetched with pmemsave into a
 * temporary file. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <guestcore/plugin.h>

#include "qemu_source.h"
#include "source_util.h"

#define QMP_TIMEOUT_MS 600000 /* pmemsave of a large range takes a while */
#define QMP_MAX_LINE (64u << 20)
#define QS_MAX_CPUS 4096
#define QS_MAX_RANGES 4096


struct guestcore_source {
	const struct guestcore_host_api *host;
	char *socket_path;
	char *mem_path;
	int sock;
	char *buf;
	size_t len, cap;
	int mem_fd;
	uint64_t mem_size;
	bool stopped_by_us;
	bool described;
	uint16_t machine;
	struct guestcore_range ranges[QS_MAX_RANGES];
	char *range_tmp[QS_MAX_RANGES]; /* pmemsave files, unlinked at close */
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

/* ---- QMP ----------------------------------------------------------------------- */

/* The next JSON line from QEMU, or NULL (set_error said why). */
static json_object *qmp_line(struct guestcore_source *s)
{
	for (;;) {
		char *nl = s->len ? memchr(s->buf, '\n', s->len) : NULL;
		struct pollfd p = { .fd = s->sock, .events = POLLIN };
		ssize_t n;

		if (nl) {
			json_object *o;
			*nl = '\0';
			o = json_tokener_parse(s->buf);
			s->len -= (size_t)(nl + 1 - s->buf);
			memmove(s->buf, nl + 1, s->len);
			if (!o) {
				FAIL(s, "%s does not speak QMP: it sent something that is not JSON", s->socket_path);
				return NULL;
			}
			return o;
		}
		if (s->len + 65536 > s->cap) {
			char *b;
			if (s->cap >= QMP_MAX_LINE) {
				FAIL(s, "QEMU at %s sent a line longer than %u MiB", s->socket_path, QMP_MAX_LINE >> 20);
				return NULL;
			}
			b = realloc(s->buf, s->cap ? s->cap * 2 : 131072);
			if (!b)
				return NULL;
			s->buf = b;
			s->cap = s->cap ? s->cap * 2 : 131072;
		}
		n = poll(&p, 1, QMP_TIMEOUT_MS);
		if (n == 0) {
			FAIL(s, "QEMU at %s did not answer within %d s", s->socket_path, QMP_TIMEOUT_MS / 1000);
			return NULL;
		}
		if (n < 0 && errno == EINTR)
			continue;
		n = read(s->sock, s->buf + s->len, s->cap - s->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			FAIL(s, "QEMU at %s closed the connection", s->socket_path);
			return NULL;
		}
		s->len += (size_t)n;
	}
}

/* Run CMD (with ARGS, which it takes); *ret_return gets a reference to the
 * "return" member when asked. */
static int qmp(struct guestcore_source *s, const char *cmd, json_object *args, json_object **ret_return)
{
	json_object *msg = json_object_new_object();
	const char *text;
	size_t len, off = 0;

	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	while (off < len) {
		ssize_t n = send(s->sock, text + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			FAIL(s, "cannot send %s to QEMU at %s: %s", cmd, s->socket_path, strerror(errno));
			json_object_put(msg);
			return -EIO;
		}
		off += (size_t)n;
	}
	if (send(s->sock, "\n", 1, MSG_NOSIGNAL) != 1) {
		json_object_put(msg);
		return -EIO;
	}
	json_object_put(msg);
	for (;;) {
		json_object *reply = qmp_line(s), *v;

		if (!reply)
			return -EIO;
		if (json_object_object_get_ex(reply, "event", NULL)) {
			json_object_put(reply);
			continue;
		}
		if (json_object_object_get_ex(reply, "error", &v)) {
			json_object *desc;
			FAIL(s, "QEMU refused %s: %s", cmd,
			     json_object_object_get_ex(v, "desc", &desc) ? json_object_get_string(desc) : "error");
			json_object_put(reply);
			return -EIO;
		}
		if (json_object_object_get_ex(reply, "return", &v)) {
			if (ret_return)
				*ret_return = json_object_get(v);
			json_object_put(reply);
			return 0;
		}
		json_object_put(reply);
	}
}

/* Output of a monitor command; free() it. */
static char *hmp(struct guestcore_source *s, const char *line)
{
	json_object *args = json_object_new_object(), *ret = NULL;
	char *out;

	json_object_object_add(args, "command-line", json_object_new_string(line));
	if (qmp(s, "human-monitor-command", args, &ret) < 0)
		return NULL;
	out = strdup(json_object_get_string(ret) ? json_object_get_string(ret) : "");
	json_object_put(ret);
	return out;
}

/* ---- parsing ----------------------------------------------------------------------- */

static const struct {
	const char *qemu;
	const char *vocab;
} simple_regs[] = {
	{ "RAX", "reg.rax" }, { "RBX", "reg.rbx" }, { "RCX", "reg.rcx" }, { "RDX", "reg.rdx" },
	{ "RSI", "reg.rsi" }, { "RDI", "reg.rdi" }, { "RBP", "reg.rbp" }, { "RSP", "reg.rsp" },
	{ "EAX", "reg.rax" }, { "EBX", "reg.rbx" }, { "ECX", "reg.rcx" }, { "EDX", "reg.rdx" },
	{ "ESI", "reg.rsi" }, { "EDI", "reg.rdi" }, { "EBP", "reg.rbp" }, { "ESP", "reg.rsp" },
	{ "R8", "reg.r8" },   { "R9", "reg.r9" },   { "R10", "reg.r10" }, { "R11", "reg.r11" },
	{ "R12", "reg.r12" }, { "R13", "reg.r13" }, { "R14", "reg.r14" }, { "R15", "reg.r15" },
	{ "RIP", "reg.rip" }, { "EIP", "reg.rip" }, { "RFL", "reg.rflags" }, { "EFL", "reg.rflags" },
	{ "CR0", "reg.cr0" }, { "CR2", "reg.cr2" }, { "CR3", "reg.cr3" }, { "CR4", "reg.cr4" },
	{ "DR0", "reg.dr0" }, { "DR1", "reg.dr1" }, { "DR2", "reg.dr2" }, { "DR3", "reg.dr3" },
	{ "DR6", "reg.dr6" }, { "DR7", "reg.dr7" }, { "EFER", "reg.efer" },
};

static const struct {
	const char *qemu;
	const char *vocab;
} seg_regs[] = {
	{ "ES", "es" }, { "CS", "cs" }, { "SS", "ss" }, { "DS", "ds" },
	{ "FS", "fs" }, { "GS", "gs" }, { "LDT", "ldtr" }, { "TR", "tr" },
};

int qs_parse_registers(const char *text, struct qs_cpu_sink *sink)
{
	const char *p = text;
	int cpu = -1;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024], norm[1024];
		size_t k = 0;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p);
		p += n + (eol ? 1 : 0);
		line[strcspn(line, "\r")] = '\0';
		if (sscanf(line, "CPU#%d", &cpu) == 1) {
			if (cpu < 0 || cpu >= QS_MAX_CPUS)
				return -E2BIG;
			continue;
		}
		if (cpu < 0)
			continue;
		/* "R8 =..." and "ES =..." lose the space before '='. */
		for (size_t i = 0; line[i] && k + 1 < sizeof(norm); i++) {
			if (line[i] == ' ') {
				size_t j = i;
				while (line[j] == ' ')
					j++;
				if (line[j] == '=') {
					i = j - 1;
					continue;
				}
			}
			norm[k++] = line[i];
		}
		norm[k] = '\0';
		for (size_t i = 0; i < sizeof(seg_regs) / sizeof(seg_regs[0]); i++) {
			char pre[8];
			unsigned long long sel, base, limit, flags;
			snprintf(pre, sizeof(pre), "%s=", seg_regs[i].qemu);
			if (strncmp(norm, pre, strlen(pre)) == 0 &&
			    sscanf(norm + strlen(pre), "%llx %llx %llx %llx", &sel, &base, &limit, &flags) == 4) {
				char b[48];
				snprintf(b, sizeof(b), "reg.%s.sel", seg_regs[i].vocab);
				sink->set(sink, cpu, b, sel);
				snprintf(b, sizeof(b), "reg.%s.base", seg_regs[i].vocab);
				sink->set(sink, cpu, b, base);
				snprintf(b, sizeof(b), "reg.%s.limit", seg_regs[i].vocab);
				sink->set(sink, cpu, b, limit);
				snprintf(b, sizeof(b), "reg.%s.desc_flags", seg_regs[i].vocab);
				sink->set(sink, cpu, b, flags);
				goto next;
			}
		}
		{
			unsigned long long base, limit;
			if (strncmp(norm, "GDT=", 4) == 0 && sscanf(norm + 4, "%llx %llx", &base, &limit) == 2) {
				sink->set(sink, cpu, "reg.gdtr.base", base);
				sink->set(sink, cpu, "reg.gdtr.limit", limit);
				goto next;
			}
			if (strncmp(norm, "IDT=", 4) == 0 && sscanf(norm + 4, "%llx %llx", &base, &limit) == 2) {
				sink->set(sink, cpu, "reg.idtr.base", base);
				sink->set(sink, cpu, "reg.idtr.limit", limit);
				goto next;
			}
		}
		{
			char *save = NULL;
			for (char *t = strtok_r(norm, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
				char *eq = strchr(t, '=');
				char *end;
				unsigned long long v;
				if (!eq)
					continue;
				*eq = '\0';
				errno = 0;
				v = strtoull(eq + 1, &end, 16);
				if (errno || end == eq + 1)
					continue;
				for (size_t i = 0; i < sizeof(simple_regs) / sizeof(simple_regs[0]); i++)
					if (strcmp(t, simple_regs[i].qemu) == 0)
						sink->set(sink, cpu, simple_regs[i].vocab, v);
			}
		}
next:;
	}
	return 0;
}

int qs_parse_mtree(const char *text, struct qs_range_sink *sink)
{
	const char *p = text;
	bool in_system = false, in_view = false;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024], type[32], name[128];
		unsigned long long start, end, off;
		int prio;
		const char *at;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p);
		p += n + (eol ? 1 : 0);
		line[strcspn(line, "\r")] = '\0';
		if (strncmp(line, "FlatView #", 10) == 0) {
			if (in_system)
				break; /* the system address space's view is done */
			in_view = true;
			continue;
		}
		if (in_view && strstr(line, " AS \"memory\""))
			in_system = true;
		if (!in_system)
			continue;
		if (sscanf(line, " %llx-%llx (prio %d, %31[^)]): %127s", &start, &end, &prio, type, name) != 5)
			continue;
		if (end < start)
			return -EINVAL;
		at = strstr(line, " @");
		off = 0;
		if (at && sscanf(at + 2, "%llx", &off) != 1)
			off = 0;
		if (strcmp(type, "ram") == 0 || strcmp(type, "ramd") == 0)
			sink->add(sink, start, end - start + 1, 0, name, at != NULL, off);
		else if (strcmp(type, "rom") == 0 || strcmp(type, "romd") == 0)
			sink->add(sink, start, end - start + 1, 1, name, at != NULL, off);
	}
	return in_system ? 0 : -ENOENT;
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

static int fetch_with_pmemsave(struct guestcore_source *s, size_t i)
{
	struct guestcore_range *r = &s->ranges[i];
	const char *dir = getenv("TMPDIR");
	char *path;
	json_object *args;
	int fd, err;
	struct stat st;

	if (asprintf(&path, "%s/guestcore-pmemsave-XXXXXX", dir && *dir ? dir : "/tmp") < 0)
		return -ENOMEM;
	fd = mkstemp(path);
	if (fd < 0) {
		err = -errno;
		FAIL(s, "cannot create a temporary file for pmemsave: %s", strerror(errno));
		free(path);
		return err;
	}
	s->range_tmp[i] = path;
	args = json_object_new_object();
	json_object_object_add(args, "val", json_object_new_int64((int64_t)r->start));
	json_object_object_add(args, "size", json_object_new_int64((int64_t)r->length));
	json_object_object_add(args, "filename", json_object_new_string(path));
	err = qmp(s, "pmemsave", args, NULL);
	if (err < 0) {
		close(fd);
		return err;
	}
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < r->length) {
		FAIL(s, "pmemsave of 0x%" PRIx64 "+0x%" PRIx64 " wrote %lld bytes to %s: is QEMU on this machine?",
		     r->start, r->length, (long long)st.st_size, path);
		close(fd);
		return -EIO;
	}
	r->fd = fd;
	r->file_offset = 0;
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

		if (qmp(s, "query-target", NULL, &target) == 0 && json_object_object_get_ex(target, "arch", &arch))
			s->machine = strcmp(json_object_get_string(arch), "i386") == 0 ? EM_386 : EM_X86_64;
		json_object_put(target);
		mtree = hmp(s, "info mtree -f");
		if (!mtree)
			return -EIO;
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
		if (r < 0 || rs.err < 0) {
			if (!rs.err)
				FAIL(s, "'info mtree -f' from %s has no flat view of the system address space", s->socket_path);
			return rs.err < 0 ? rs.err : r;
		}
		for (size_t i = 0; i < s->n_ranges; i++)
			if (s->ranges[i].fd < 0) {
				r = fetch_with_pmemsave(s, i);
				if (r < 0)
					return r;
			}
		regs = hmp(s, "info registers -a");
		if (!regs)
			return -EIO;
		r = qs_parse_registers(regs, &cs.base);
		free(regs);
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
	for (size_t i = 0; i < s->n_ranges; i++) {
		if (s->range_tmp[i]) {
			unlink(s->range_tmp[i]);
			free(s->range_tmp[i]);
			if (s->ranges[i].fd >= 0)
				close(s->ranges[i].fd);
		}
	}
	for (uint32_t i = 0; i < s->n_cpus; i++)
		su_regs_free(&s->cpus[i]);
	free(s->cpus);
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	if (s->sock >= 0)
		close(s->sock);
	free(s->buf);
	free(s->socket_path);
	free(s->mem_path);
	free(s);
}

static int qs_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	char *copy = strdup(spec ? spec : ""), *save = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_object *greeting, *v = NULL, *st;
	int r = -EINVAL;

	if (!s || !copy) {
		free(s);
		free(copy);
		return -ENOMEM;
	}
	s->host = host;
	s->sock = -1;
	s->mem_fd = -1;
	s->machine = EM_X86_64;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strncmp(t, "qmp=", 4) == 0)
			s->socket_path = strdup(t + 4);
		else if (strncmp(t, "mem=", 4) == 0)
			s->mem_path = strdup(t + 4);
		else {
			FAIL(s, "qemu: unknown option '%s': use qmp=SOCKET[,mem=PATH]", t);
			goto fail;
		}
	}
	if (!s->socket_path || !*s->socket_path) {
		FAIL(s, "qemu needs the guest's QMP socket: qemu:qmp=SOCKET[,mem=PATH]");
		goto fail;
	}
	if (strlen(s->socket_path) >= sizeof(sa.sun_path)) {
		FAIL(s, "QMP socket path %s is too long", s->socket_path);
		goto fail;
	}
	if (s->mem_path) {
		struct stat mst;
		s->mem_fd = open(s->mem_path, O_RDONLY | O_CLOEXEC);
		if (s->mem_fd < 0 || fstat(s->mem_fd, &mst) < 0) {
			r = -errno;
			FAIL(s, "memory backend %s: %s", s->mem_path, strerror(errno));
			goto fail;
		}
		s->mem_size = (uint64_t)mst.st_size;
	}
	strcpy(sa.sun_path, s->socket_path);
	s->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->sock < 0 || connect(s->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		FAIL(s, "cannot connect to QMP socket %s: %s: start QEMU with -qmp unix:%s,server=on,wait=off",
		     s->socket_path, strerror(errno), s->socket_path);
		goto fail;
	}
	greeting = qmp_line(s);
	if (!greeting || !json_object_object_get_ex(greeting, "QMP", NULL)) {
		if (greeting)
			FAIL(s, "%s does not speak QMP: its greeting has no \"QMP\" member", s->socket_path);
		json_object_put(greeting);
		r = -EPROTO;
		goto fail;
	}
	json_object_put(greeting);
	r = qmp(s, "qmp_capabilities", NULL, NULL);
	if (r < 0)
		goto fail;
	if (qmp(s, "query-dump", NULL, &v) == 0 && json_object_object_get_ex(v, "status", &st) &&
	    strcmp(json_object_get_string(st), "active") == 0) {
		FAIL(s, "QEMU at %s is writing a dump already: wait for it to finish", s->socket_path);
		json_object_put(v);
		r = -EBUSY;
		goto fail;
	}
	json_object_put(v);
	free(copy);
	*ret = s;
	return 0;
fail:
	free(copy);
	qs_close(s);
	return r;
}

static int qs_pause(struct guestcore_source *s)
{
	json_object *st = NULL, *running;
	int r = qmp(s, "query-status", NULL, &st);

	if (r < 0)
		return r;
	if (json_object_object_get_ex(st, "running", &running) && json_object_get_boolean(running)) {
		r = qmp(s, "stop", NULL, NULL);
		if (r == 0)
			s->stopped_by_us = true;
	}
	json_object_put(st);
	return r;
}

static int qs_resume(struct guestcore_source *s)
{
	int r = 0;

	if (s->stopped_by_us) {
		r = qmp(s, "cont", NULL, NULL);
		if (r == 0)
			s->stopped_by_us = false;
	}
	return r;
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
