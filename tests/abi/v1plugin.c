/* A plugin compiled from a frozen copy of the first plugin ABI headers
 * (tests/abi/v1.0/), never from sdk/include: every later host must keep
 * loading it and producing the same core (tests/abi/run-v1.sh).  It uses the
 * whole of ABI 1.0, so that a host that breaks any part of it fails that
 * test:
 *  - memory source "v1": open (refuses a spec with set_error), pause and
 *    resume (reads fail unless paused), describe, get_range (a RAM range
 *    read through read(), a ROM range, a RAM range backed by a file it
 *    writes, an MMIO range), read, get_register, get_register_bytes
 *    ("reg.xsave"), close; binding_known checked at open; decode_note used
 *    at describe: rbx is the rip of an NT_PRSTATUS it builds and has the
 *    host decode;
 *  - note set "v1": layouts (VBCORE, VBCPU, NT_PRPSINFO, the QEMU CPU
 *    state), fill with note_info, note_set_u64, note_set_bytes
 *    (pr_fname), note_set_size (QEMUCPUState at 440 bytes) and
 *    note_get_u64 (pr_uid is the vCPU's rip, read back through the host);
 *  - log at every step and unload; with V1_TRACE set, each step is also
 *    appended to that file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guestcore/plugin.h> /* -I tests/abi/v1.0 */

#define RIP 0xffffffff81000000ull
#define DECODED_RIP 0x1234567890ull

struct guestcore_source {
	const struct guestcore_host_api *host;
	int fd;          /* the file-backed range */
	int paused;
	uint64_t rbx;    /* from decode_note */
};

static const struct guestcore_host_api *the_host;

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
	const char *f = getenv("V1_TRACE");
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (the_host && GUESTCORE_HOST_HAS(the_host, log))
		the_host->log(the_host->handle, GUESTCORE_LOG_INFO, "%s", line);
	if (f) {
		FILE *t = fopen(f, "a");
		if (t) {
			fprintf(t, "%s\n", line);
			fclose(t);
		}
	}
}

static unsigned char pattern(uint64_t a)
{
	return (unsigned char)(a * 7 + (a >> 12));
}

static int v1_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s;
	unsigned char page[0x4000];
	char path[] = "/tmp/v1-range-XXXXXX";

	if (spec && *spec) {
		if (GUESTCORE_HOST_HAS(host, set_error))
			host->set_error(host->handle, "v1 takes no arguments, not '%s'", spec);
		return -EINVAL;
	}
	if (!GUESTCORE_HOST_HAS(host, binding_known) || host->binding_known(host->handle, "reg.rip") != 1 ||
	    host->binding_known(host->handle, "reg.no_such_register") != 0) {
		if (GUESTCORE_HOST_HAS(host, set_error))
			host->set_error(host->handle, "the host's binding_known gives wrong answers");
		return -EPROTO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->host = host;
	/* The file-backed range: 16 KiB of the pattern of its guest addresses. */
	s->fd = mkstemp(path);
	if (s->fd < 0) {
		free(s);
		return -errno;
	}
	unlink(path);
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = pattern(0x100000 + i);
	if (write(s->fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
		close(s->fd);
		free(s);
		return -EIO;
	}
	*ret = s;
	trace("v1: open, binding_known right");
	return 0;
}

static void v1_close(struct guestcore_source *s)
{
	trace("v1: close");
	close(s->fd);
	free(s);
}

static int v1_pause(struct guestcore_source *s)
{
	s->paused = 1;
	trace("v1: pause");
	return 0;
}

static int v1_resume(struct guestcore_source *s)
{
	s->paused = 0;
	trace("v1: resume");
	return 0;
}

static void decoded(void *ud, const char *binding, uint64_t value, const void *bytes, size_t nbytes)
{
	struct guestcore_source *s = ud;

	(void)bytes;
	(void)nbytes;
	if (strcmp(binding, "reg.rip") == 0)
		s->rbx = value;
}

static int v1_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	unsigned char prstatus[336] = { 0 };
	uint64_t rip = DECODED_RIP;
	int r;

	/* An x86-64 NT_PRSTATUS with only rip set (pr_reg[16] at 112 + 16 * 8). */
	memcpy(prstatus + 112 + 16 * 8, &rip, sizeof(rip));
	if (!GUESTCORE_HOST_HAS(s->host, decode_note))
		return -ENOTSUP;
	r = s->host->decode_note(s->host->handle, "CORE", 1, 62, 0, prstatus, sizeof(prstatus), decoded, s);
	trace("v1: describe, decode_note %d, rip 0x%llx", r, (unsigned long long)s->rbx);
	info->e_machine = 62; /* EM_X86_64 */
	info->cpu_count = 1;
	info->description = "frozen ABI 1.0 test guest";
	return 0;
}

static int v1_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *r)
{
	static const struct {
		uint32_t kind;
		uint64_t start, length;
	} map[] = {
		{ GUESTCORE_RANGE_RAM, 0, 0x4000 },
		{ GUESTCORE_RANGE_ROM, 0xf0000, 0x1000 },
		{ GUESTCORE_RANGE_RAM, 0x100000, 0x4000 },
		{ GUESTCORE_RANGE_MMIO, 0xfee00000, 0x1000 },
	};

	if (i >= sizeof(map) / sizeof(map[0]))
		return -ENOENT;
	r->kind = map[i].kind;
	r->start = map[i].start;
	r->length = map[i].length;
	r->fd = i == 2 ? s->fd : -1;
	r->file_offset = 0;
	return 0;
}

static int v1_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = buf;

	if (!s->paused) {
		s->host->set_error(s->host->handle, "v1 reads only while paused: the host did not pause it");
		return -EPROTO;
	}
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(addr + i);
	return 0;
}

static int v1_reg(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	if (cpu != 0)
		return -ENOENT;
	if (strcmp(name, "reg.rip") == 0)
		*ret = RIP;
	else if (strcmp(name, "reg.rbx") == 0)
		*ret = s->rbx;
	else if (strcmp(name, "reg.cr0") == 0)
		*ret = 0x80050033;
	else if (strcmp(name, "reg.cs.sel") == 0)
		*ret = 0x10;
	else if (strcmp(name, "reg.xsave_size") == 0)
		*ret = 64;
	else
		return -ENOENT;
	return 0;
}

static int v1_reg_bytes(struct guestcore_source *s, uint32_t cpu, const char *name, const void **data, size_t *len)
{
	static unsigned char xsave[64];

	(void)s;
	if (cpu != 0 || strcmp(name, "reg.xsave") != 0)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(xsave); i++)
		xsave[i] = (unsigned char)(0xa0 + i);
	*data = xsave;
	*len = sizeof(xsave);
	return 0;
}

static const struct guestcore_memory_source_ops v1_source = {
	.size = sizeof(v1_source),
	.open = v1_open,
	.close = v1_close,
	.pause = v1_pause,
	.resume = v1_resume,
	.describe = v1_describe,
	.get_range = v1_range,
	.read = v1_read,
	.get_register = v1_reg,
	.get_register_bytes = v1_reg_bytes,
};

static const char *const v1_layouts[] = { "vbox.core", "vbox.cpu", "linux.prpsinfo-x86_64", "qemu.cpustate", NULL };

static const char *const *v1_list(const struct guestcore_host_api *host, uint16_t machine)
{
	if (machine != 62) {
		host->set_error(host->handle, "v1 writes notes for x86-64 guests only");
		return NULL;
	}
	return v1_layouts;
}

static int v1_fill(const struct guestcore_host_api *host, struct guestcore_note_builder *nb)
{
	const char *id = NULL;
	uint32_t instance = 99;
	uint64_t rip = 0;

	if (!GUESTCORE_HOST_HAS(host, note_info) || !GUESTCORE_HOST_HAS(host, note_set_u64) ||
	    !GUESTCORE_HOST_HAS(host, note_set_bytes) || !GUESTCORE_HOST_HAS(host, note_set_size) ||
	    !GUESTCORE_HOST_HAS(host, note_get_u64))
		return -ENOTSUP;
	host->note_info(nb, &id, &instance);
	trace("v1: fill %s instance %u", id, instance);
	if (strcmp(id, "vbox.core") == 0)
		return host->note_set_u64(nb, "u32VBoxRevision", 100);
	if (strcmp(id, "linux.prpsinfo-x86_64") == 0) {
		int r = host->note_set_bytes(nb, "pr_fname", "v1-guest", 8);
		if (r == 0)
			r = host->note_get_u64(nb, "reg.rip", &rip);
		if (r == 0)
			r = host->note_set_u64(nb, "pr_uid", rip & 0xffffffff);
		return r;
	}
	if (strcmp(id, "qemu.cpustate") == 0)
		return host->note_set_size(nb, 440);
	return 0;
}

static const struct guestcore_note_provider_ops v1_notes = {
	.size = sizeof(v1_notes),
	.layouts = v1_list,
	.fill = v1_fill,
};

static const void *v1_iface(const char *name)
{
	if (strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0)
		return &v1_source;
	if (strcmp(name, GUESTCORE_IFACE_NOTE_PROVIDER) == 0)
		return &v1_notes;
	return NULL;
}

static void v1_unload(void)
{
	trace("v1: unload");
	the_host = NULL;
}

static const struct guestcore_plugin_descriptor v1_desc = {
	.size = sizeof(v1_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_MAKE(1, 0),
	.name = "v1",
	.version = "1.0",
	.description = "built from the frozen plugin ABI 1.0 headers",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE | GUESTCORE_CAP_NOTE_PROVIDER,
	.get_interface = v1_iface,
	.unload = v1_unload,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	the_host = host;
	*ret_desc = &v1_desc;
	return 0;
}
