/* Memory source "elfcore": an existing guest core as the source, an ELF
 * core or a kdump-compressed file (plain or flattened).
 *
 *   elfcore:PATH
 *
 * The core is read through libguestcore's own core reader (guestcore_core_*,
 * core/lib/read/reader.c), the one that inspect, validate, read and extract
 * use: one parser of each format.  Ranges are the PT_LOAD segments by
 * p_paddr, ascending whatever the input's order; segments with no file bytes
 * become MMIO ranges.  An ELF core's bytes are its file's (the host copies
 * them zero-copy); a kdump-compressed file's ranges are the runs of page
 * frames its first bitmap marks, read through the reader a page at a time
 * (a page the file left out reads as unreadable).  Registers come from
 * whichever register notes the core carries (VBCPU, then QEMU, then
 * guestcore's system registers, then NT_PRSTATUS and NT_PRFPREG), decoded by the host's layouts through its decode_note
 * service; every note is offered as the guest's own (get_note), so that the
 * host keeps those no note set writes (VMCOREINFO, notes it does not know). */
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

#include <guestcore/guestcore.h>
#include <guestcore/plugin.h>

#include "source_util.h"

#define EC_MAX_CPUS 4096
#define EC_MAX_RANGES (1u << 24)

/* A byte-string register ("reg.xsave", "reg.vregs"), pointing into the
 * core's notes. */
struct byte_reg {
	const char *name; /* the binding, as the host's decoder named it */
	const void *data;
	size_t len;
};

#define EC_BYTE_REGS 4

struct cpu {
	struct su_regs regs;
	struct byte_reg bytes[EC_BYTE_REGS];
	size_t n_bytes;
};

struct guestcore_source {
	const struct guestcore_host_api *host;
	char *path;
	int fd;
	struct guestcore_core *core;
	bool kdump;               /* its pages are read through the reader */
	uint16_t machine;
	bool big_endian;
	struct guestcore_range *ranges;
	size_t n_ranges;
	struct cpu *cpus;
	uint32_t n_cpus;
	struct guestcore_source_note *notes; /* every ELF-form note of the core, in file order */
	size_t n_notes;
	char description[600];
};

#define FAIL(s, ...) SU_FAIL((s)->host, __VA_ARGS__)

static void ec_close(struct guestcore_source *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->n_cpus; i++) {
		su_regs_free(&s->cpus[i].regs);
		for (size_t k = 0; k < s->cpus[i].n_bytes; k++)
			free((char *)s->cpus[i].bytes[k].name);
	}
	free(s->cpus);
	free(s->notes);
	free(s->ranges);
	guestcore_core_close(s->core);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

static int cmp_range(const void *a, const void *b)
{
	const struct guestcore_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Register notes, in the order their values are trusted: VirtualBox's and
 * QEMU's x86 state, guestcore's aarch64 system registers, then Linux's
 * general and FP/SIMD registers (either machine; the layouts of the core's
 * machine decode them). */
static const struct {
	const char *name;
	uint32_t type;
} reg_notes[] = {
	{ "VBCPU", 0xb01 },
	{ "QEMU", 0 },
	{ "GUESTCORE", 0x47430006 },
	{ "CORE", NT_PRSTATUS },
	{ "CORE", NT_PRFPREG },
};

struct set_ctx {
	struct guestcore_source *s;
	struct cpu *cpu;
};

static void on_value(void *ud, const char *binding, uint64_t value, const void *bytes, size_t nbytes)
{
	struct set_ctx *c = ud;

	if (strncmp(binding, "reg.", 4) != 0)
		return;
	if (bytes) {
		struct cpu *cpu = c->cpu;

		for (size_t i = 0; i < cpu->n_bytes; i++)
			if (strcmp(cpu->bytes[i].name, binding) == 0)
				return; /* a note trusted more gave it */
		if (cpu->n_bytes < EC_BYTE_REGS) {
			char *name = strdup(binding);
			if (name)
				cpu->bytes[cpu->n_bytes++] = (struct byte_reg){ name, bytes, nbytes };
		}
		return;
	}
	/* A note trusted more may have given it already: keep that. */
	su_regs_set(&c->cpu->regs, binding, value, false);
}

/* The I-th note as the reader found it. */
static int note_at(struct guestcore_source *s, size_t i, struct guestcore_note_ref *ret)
{
	*ret = (struct guestcore_note_ref){ .sz = sizeof(*ret) };
	return guestcore_core_note(s->core, i, ret);
}

static int read_registers(struct guestcore_source *s, size_t n_notes)
{
	if (!GUESTCORE_HOST_HAS(s->host, decode_note))
		return 0;
	for (size_t set = 0; set < sizeof(reg_notes) / sizeof(reg_notes[0]); set++) {
		uint32_t index = 0;

		for (size_t i = 0; i < n_notes; i++) {
			struct guestcore_note_ref n;

			if (note_at(s, i, &n) < 0 || n.type != reg_notes[set].type || strcmp(n.name, reg_notes[set].name))
				continue;
			if (index >= EC_MAX_CPUS) {
				FAIL(s, "core %s has more than %u \"%s\" notes of type 0x%x, one per vCPU: guestcore takes %u "
					"vCPUs at most", s->path, EC_MAX_CPUS, reg_notes[set].name, reg_notes[set].type,
				     EC_MAX_CPUS);
				return -E2BIG;
			}
			if (index >= s->n_cpus) {
				struct cpu *v = realloc(s->cpus, (index + 1) * sizeof(*v));
				if (!v)
					return -ENOMEM;
				s->cpus = v;
				memset(&s->cpus[s->n_cpus], 0, (index + 1 - s->n_cpus) * sizeof(*v));
				s->n_cpus = index + 1;
			}
			{
				struct set_ctx c = { s, &s->cpus[index] };
				s->host->decode_note(s->host->handle, reg_notes[set].name, n.type, s->machine,
						     s->big_endian, n.desc, n.descsz, on_value, &c);
			}
			index++;
		}
	}
	return 0;
}

/* Every ELF-form note of the core (its name a string that fills n_namesz),
 * for get_note: the host keeps those no layout describes. */
static int list_notes(struct guestcore_source *s, size_t n_notes)
{
	for (size_t i = 0; i < n_notes; i++) {
		struct guestcore_note_ref r;
		struct guestcore_source_note *n;

		if (note_at(s, i, &r) < 0 || r.namesz == 0 || strlen(r.name) + 1 != r.namesz)
			continue;
		n = realloc(s->notes, (s->n_notes + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->notes = n;
		n[s->n_notes++] = (struct guestcore_source_note){
			.size = sizeof(*n), .type = r.type, .name = r.name, .desc = r.desc, .desc_size = r.descsz,
		};
	}
	return 0;
}

/* The PT_LOAD segments (a kdump file's runs of page frames) as ranges. */
static int list_ranges(struct guestcore_source *s, const struct guestcore_core_info *info)
{
	if (info->segments > EC_MAX_RANGES) {
		FAIL(s, "core %s: more than %u segments", s->path, EC_MAX_RANGES);
		return -E2BIG;
	}
	s->ranges = calloc(info->segments ? info->segments : 1, sizeof(*s->ranges));
	if (!s->ranges)
		return -ENOMEM;
	for (size_t i = 0; i < info->segments; i++) {
		struct guestcore_segment sg = { .sz = sizeof(sg) };
		struct guestcore_range *rg;

		if (guestcore_core_segment(s->core, i, &sg) < 0) {
			FAIL(s, "core %s: program header %zu cannot be read", s->path, i);
			return -EINVAL;
		}
		if (sg.type != PT_LOAD || sg.memsz == 0)
			continue;
		if (!s->kdump && sg.filesz && (sg.offset > info->file_size || sg.filesz > info->file_size - sg.offset)) {
			FAIL(s, "core %s: PT_LOAD at 0x%" PRIx64 " reaches past the end of the file: it is truncated",
			     s->path, sg.paddr);
			return -EINVAL;
		}
		rg = &s->ranges[s->n_ranges++];
		*rg = (struct guestcore_range){ .size = sizeof(*rg), .start = sg.paddr, .fd = -1 };
		if (sg.filesz == 0) {
			rg->kind = GUESTCORE_RANGE_MMIO;
			rg->length = sg.memsz;
		} else {
			/* Bytes past p_filesz are not in the file: left out. */
			rg->kind = (sg.flags & (PF_W | PF_X | PF_R)) == (PF_R | PF_X) ? GUESTCORE_RANGE_ROM
										: GUESTCORE_RANGE_RAM;
			rg->length = sg.filesz;
			if (!s->kdump) {
				rg->fd = s->fd;
				rg->file_offset = sg.offset;
			}
		}
	}
	qsort(s->ranges, s->n_ranges, sizeof(*s->ranges), cmp_range);
	for (size_t i = 1; i < s->n_ranges; i++)
		if (s->ranges[i].start < s->ranges[i - 1].start + s->ranges[i - 1].length) {
			FAIL(s, "core %s: PT_LOADs at 0x%" PRIx64 " and 0x%" PRIx64 " overlap", s->path,
			     s->ranges[i - 1].start, s->ranges[i].start);
			return -EINVAL;
		}
	return 0;
}

static int ec_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	struct guestcore_core_info info = { .sz = sizeof(info) };
	struct stat st;
	char msg[600];
	int r = -EINVAL;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->fd = -1;
	s->path = strdup(spec ? spec : "");
	if (!s->path || !*s->path) {
		FAIL(s, "elfcore needs a core file: elfcore:PATH");
		goto fail;
	}
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block the open */
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		r = -errno;
		FAIL(s, "core %s: %s", s->path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		FAIL(s, "core %s is not a regular file: give the core file itself", s->path);
		goto fail;
	}
	r = guestcore_core_open_fd(s->fd, NULL, &s->core, msg, sizeof(msg));
	if (r < 0) {
		FAIL(s, "core %s: %s", s->path, msg);
		goto fail;
	}
	r = -EINVAL;
	if (guestcore_core_info(s->core, &info) < 0 || info.e_type != ET_CORE) {
		FAIL(s, "core %s is neither an ELF core file nor a kdump-compressed one: check it with 'guestcore "
			"validate'", s->path);
		goto fail;
	}
	s->kdump = info.format == GUESTCORE_FORMAT_KDUMP;
	s->machine = info.e_machine;
	s->big_endian = info.big_endian;
	if (s->kdump && !s->machine) {
		struct guestcore_kdump_info k = { .sz = sizeof(k) };
		guestcore_core_kdump_info(s->core, &k);
		FAIL(s, "core %s: a kdump-compressed file of machine \"%s\", which guestcore does not know", s->path,
		     k.utsname[4] ? k.utsname[4] : "");
		r = -ENOTSUP;
		goto fail;
	}
	if (info.virtual_addresses) {
		FAIL(s, "core %s is a process core (virtual addresses), not a guest core", s->path);
		goto fail;
	}
	r = list_ranges(s, &info);
	if (r == 0)
		r = read_registers(s, info.notes);
	if (r == 0)
		r = list_notes(s, info.notes);
	if (r < 0)
		goto fail;
	if (s->kdump)
		snprintf(s->description, sizeof(s->description), "kdump-compressed core %s, %zu runs of pages",
			 s->path, s->n_ranges);
	else
		snprintf(s->description, sizeof(s->description), "core %s, %zu segments", s->path, s->n_ranges);
	*ret = s;
	return 0;
fail:
	ec_close(s);
	return r;
}

static int ec_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	info->e_machine = s->machine;
	info->big_endian = s->big_endian;
	info->cpu_count = s->n_cpus;
	info->description = s->description;
	return 0;
}

static int ec_get_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *ret)
{
	return su_range_copy(s->ranges, s->n_ranges, i, ret);
}

/* Through the reader: a page a kdump file left out (or one that cannot be
 * decompressed) is -EIO, which the host records. */
static int ec_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	const struct guestcore_range *rg = su_range_find(s->ranges, s->n_ranges, addr);
	char msg[400];
	int r;

	if (!rg || len > rg->length - (addr - rg->start)) {
		FAIL(s, "read of 0x%zx bytes at 0x%" PRIx64 " is outside the core's %s", len, addr,
		     s->kdump ? "pages" : "segments");
		return -EINVAL;
	}
	r = guestcore_core_read_phys(s->core, addr, buf, len, false, msg, sizeof(msg));
	if (r < 0) {
		FAIL(s, "core %s: %s", s->path, msg);
		return r == -ENOMEM ? r : -EIO;
	}
	return 0;
}

static int ec_get_register(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	return cpu < s->n_cpus ? su_regs_get(&s->cpus[cpu].regs, name, ret) : -ENOENT;
}

static int ec_get_register_bytes(struct guestcore_source *s, uint32_t cpu, const char *name, const void **ret,
				 size_t *ret_len)
{
	if (cpu >= s->n_cpus)
		return -ENOENT;
	for (size_t i = 0; i < s->cpus[cpu].n_bytes; i++)
		if (strcmp(s->cpus[cpu].bytes[i].name, name) == 0) {
			*ret = s->cpus[cpu].bytes[i].data;
			*ret_len = s->cpus[cpu].bytes[i].len;
			return 0;
		}
	return -ENOENT;
}

static int ec_get_note(struct guestcore_source *s, uint64_t i, struct guestcore_source_note *ret)
{
	if (i >= s->n_notes)
		return -ENOENT;
	if (!GUESTCORE_STRUCT_HAS(ret, struct guestcore_source_note, desc_size))
		return -EINVAL;
	su_struct_out(ret, &s->notes[i], sizeof(*ret));
	return 0;
}

static const struct guestcore_memory_source_ops ec_ops = {
	.size = sizeof(ec_ops),
	.open = ec_open,
	.close = ec_close,
	.describe = ec_describe,
	.get_range = ec_get_range,
	.read = ec_read,
	.get_register = ec_get_register,
	.get_register_bytes = ec_get_register_bytes,
	.get_note = ec_get_note,
};

static const void *ec_interface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0 ? &ec_ops : NULL;
}

static const struct guestcore_plugin_descriptor ec_desc = {
	.size = sizeof(ec_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "elfcore",
	.version = PACKAGE_VERSION,
	.description = "an existing guest core (ELF or kdump-compressed; VirtualBox, QEMU, makedumpfile, "
		       "guestcore) as the source",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = ec_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &ec_desc;
	return 0;
}
