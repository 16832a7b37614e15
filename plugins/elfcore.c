/* Memory source "elfcore": an existing guest core as the source, an ELF
 * core or a kdump-compressed file (plain or flattened).
 *
 *   elfcore:PATH
 *
 * Ranges are the PT_LOAD segments by p_paddr, ascending whatever the input's
 * order; segments with no file bytes become MMIO ranges.  A kdump-compressed
 * file's ranges are the runs of page frames its first bitmap marks, read a
 * page at a time through core/lib/kdump/kdfile.c (a page the file left out
 * reads as unreadable).  Registers come from
 * whichever register notes the core carries (VBCPU, then QEMU, then
 * NT_PRSTATUS), decoded by the host's layouts through its decode_note
 * service; every note is offered as the guest's own (get_note), so that
 * the host keeps those no note set writes (VMCOREINFO, notes it does not
 * know).  The file's bytes are copied zero-copy. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <guestcore/plugin.h>

#include "source_util.h"
#include "kdump/kdfile.h"

#define EC_MAX_CPUS 4096
#define EC_MAX_NOTE_BYTES (64u << 20)

struct cpu {
	struct su_regs regs;
	const void *xsave;
	size_t xsave_len;
};

/* A note of the core, ELF PT_NOTE or kdump notes blob alike. */
struct rawnote {
	const char *name;    /* n_namesz bytes */
	uint32_t namesz, type, descsz;
	const char *desc;
};

struct guestcore_source {
	const struct guestcore_host_api *host;
	char *path;
	int fd;
	Elf *elf;
	struct kd_file *kd;       /* a kdump-compressed file */
	unsigned char *kd_notes;  /* its notes blob */
	unsigned char *kd_page;
	struct rawnote *raw;
	size_t n_raw;
	uint16_t machine;
	bool big_endian;
	struct guestcore_range *ranges;
	size_t n_ranges;
	struct cpu *cpus;
	uint32_t n_cpus;
	struct guestcore_source_note *notes; /* every note of the core, in file order */
	size_t n_notes;
	char description[600];
};

#define FAIL(s, ...)                                                            \
	do {                                                                    \
		if (GUESTCORE_HOST_HAS((s)->host, set_error))                   \
			(s)->host->set_error((s)->host->handle, __VA_ARGS__);   \
	} while (0)

static void ec_close(struct guestcore_source *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->n_cpus; i++)
		su_regs_free(&s->cpus[i].regs);
	free(s->cpus);
	free(s->notes);
	free(s->ranges);
	free(s->raw);
	if (s->kd) {
		kd_close(s->kd);
		free(s->kd);
	}
	free(s->kd_notes);
	free(s->kd_page);
	if (s->elf)
		elf_end(s->elf);
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

/* Register notes, in the order their values are trusted. */
static const struct {
	const char *name;
	uint32_t type;
} reg_notes[] = {
	{ "VBCPU", 0xb01 },
	{ "QEMU", 0 },
	{ "CORE", NT_PRSTATUS },
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
		if (strcmp(binding, "reg.xsave") == 0 && !c->cpu->xsave) {
			c->cpu->xsave = bytes;
			c->cpu->xsave_len = nbytes;
		}
		return;
	}
	/* A note trusted more may have given it already: keep that. */
	su_regs_set(&c->cpu->regs, binding, value, false);
}

/* The notes of program header PH (NULL with *ERR 0 when it has none). */
static Elf_Data *note_data(struct guestcore_source *s, const GElf_Phdr *ph, int *err)
{
	Elf_Data *data;

	*err = 0;
	if (ph->p_type != PT_NOTE || ph->p_filesz == 0)
		return NULL;
	if (ph->p_filesz > EC_MAX_NOTE_BYTES) {
		FAIL(s, "core %s: its notes are larger than %u MiB", s->path, EC_MAX_NOTE_BYTES >> 20);
		*err = -EFBIG;
		return NULL;
	}
	data = elf_getdata_rawchunk(s->elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!data) {
		FAIL(s, "core %s: its notes cannot be read: %s", s->path, elf_errmsg(-1));
		*err = -EINVAL;
	}
	return data;
}

static int add_raw(struct guestcore_source *s, const char *name, uint32_t namesz, uint32_t type, const char *desc,
		   uint32_t descsz)
{
	struct rawnote *v;

	if (s->n_raw >= 65536)
		return 0;
	if ((s->n_raw & (s->n_raw - 1)) == 0) {
		v = realloc(s->raw, (s->n_raw ? s->n_raw * 2 : 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->raw = v;
	}
	s->raw[s->n_raw++] = (struct rawnote){ name, namesz, type, descsz, desc };
	return 0;
}

/* Every note of the ELF core's PT_NOTE segments. */
static int collect_elf_notes(struct guestcore_source *s, const GElf_Phdr *ph, size_t phnum)
{
	for (size_t i = 0; i < phnum; i++) {
		size_t off = 0, next, name_off, desc_off;
		GElf_Nhdr nh;
		int err, r;
		Elf_Data *data = note_data(s, &ph[i], &err);

		if (err < 0)
			return err;
		while (data && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			off = next;
			r = add_raw(s, (const char *)data->d_buf + name_off, nh.n_namesz, nh.n_type,
				    (const char *)data->d_buf + desc_off, nh.n_descsz);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Every note of a kdump-compressed file's notes blob (SIZE bytes). */
static int collect_blob_notes(struct guestcore_source *s, const unsigned char *blob, uint64_t size, bool be)
{
	uint64_t off = 0;
	struct kd_note n;

	/* a note that runs past the blob ends it: validate says so, the notes
	 * before it stand */
	while (kd_note_next(blob, size, &off, be, &n) > 0) {
		int r = add_raw(s, (const char *)blob + n.name_off, n.namesz, n.type, (const char *)blob + n.desc_off,
				n.descsz);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_registers(struct guestcore_source *s)
{
	if (!GUESTCORE_HOST_HAS(s->host, decode_note))
		return 0;
	for (size_t set = 0; set < sizeof(reg_notes) / sizeof(reg_notes[0]); set++) {
		uint32_t index = 0;

		for (size_t i = 0; i < s->n_raw; i++) {
			const struct rawnote *n = &s->raw[i];
			size_t nlen = strnlen(n->name, n->namesz);

			if (n->type != reg_notes[set].type || nlen != strlen(reg_notes[set].name) ||
			    memcmp(n->name, reg_notes[set].name, nlen) != 0)
				continue;
			if (index >= EC_MAX_CPUS)
				break;
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
				s->host->decode_note(s->host->handle, reg_notes[set].name, n->type, s->machine,
						     s->big_endian, n->desc, n->descsz, on_value, &c);
			}
			index++;
		}
	}
	return 0;
}

/* Every ELF-form note of the core (its name NUL-terminated inside
 * n_namesz), for get_note: the host keeps those no layout describes. */
static int list_notes(struct guestcore_source *s)
{
	for (size_t i = 0; i < s->n_raw; i++) {
		const struct rawnote *r = &s->raw[i];
		struct guestcore_source_note *n;

		if (r->namesz == 0 || r->name[r->namesz - 1] != '\0' || strlen(r->name) + 1 != r->namesz)
			continue;
		n = realloc(s->notes, (s->n_notes + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->notes = n;
		n[s->n_notes++] = (struct guestcore_source_note){
			.size = sizeof(*n), .type = r->type, .name = r->name, .desc = r->desc, .desc_size = r->descsz,
		};
	}
	return 0;
}

/* A kdump-compressed file: 1 when FD is one and is now the source, 0 when
 * it is not one. */
static int open_kdump(struct guestcore_source *s, uint64_t size)
{
	char msg[400] = "";
	struct kd_file *k = calloc(1, sizeof(*k));
	size_t cap = 0;
	int r;

	if (!k)
		return -ENOMEM;
	r = kd_open(k, s->fd, size, NULL, NULL, msg, sizeof(msg));
	if (r <= 0) {
		free(k);
		if (r < 0)
			FAIL(s, "core %s: %s", s->path, msg);
		return r;
	}
	s->kd = k;
	s->machine = kd_machine(k);
	s->big_endian = k->be;
	if (!s->machine) {
		FAIL(s, "core %s: a kdump-compressed file of machine \"%s\", which guestcore does not know", s->path,
		     k->uts[4]);
		return -ENOTSUP;
	}
	s->kd_page = malloc(k->block_size);
	if (!s->kd_page)
		return -ENOMEM;
	for (uint64_t p = 0, e; kd_next_run(k, &p, &e); p = e) {
		if (s->n_ranges == cap) {
			struct guestcore_range *v;
			if (cap >= (1u << 24)) {
				FAIL(s, "core %s: more than %u runs of page frames", s->path, 1u << 24);
				return -E2BIG;
			}
			v = realloc(s->ranges, (cap ? cap * 2 : 64) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			s->ranges = v;
			cap = cap ? cap * 2 : 64;
		}
		s->ranges[s->n_ranges++] = (struct guestcore_range){
			.size = sizeof(struct guestcore_range), .start = p * k->block_size,
			.length = (e - p) * k->block_size, .kind = GUESTCORE_RANGE_RAM, .fd = -1,
		};
	}
	if (k->size_note) {
		if (k->size_note > EC_MAX_NOTE_BYTES) {
			FAIL(s, "core %s: its notes are larger than %u MiB", s->path, EC_MAX_NOTE_BYTES >> 20);
			return -EFBIG;
		}
		s->kd_notes = malloc(k->size_note);
		if (!s->kd_notes)
			return -ENOMEM;
		if (kd_pread(k, s->kd_notes, k->size_note, k->offset_note) < 0) {
			FAIL(s, "core %s: its notes reach past the end of the file: it is truncated", s->path);
			return -EINVAL;
		}
		r = collect_blob_notes(s, s->kd_notes, k->size_note, k->be);
		if (r < 0)
			return r;
	}
	return 1;
}

static int ec_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	GElf_Ehdr eh;
	GElf_Phdr *ph = NULL;
	size_t phnum = 0;
	struct stat st;
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
	r = open_kdump(s, (uint64_t)st.st_size);
	if (r < 0)
		goto fail;
	if (r > 0) {
		r = read_registers(s);
		if (r == 0)
			r = list_notes(s);
		if (r < 0)
			goto fail;
		snprintf(s->description, sizeof(s->description), "kdump-compressed core %s, %zu runs of pages",
			 s->path, s->n_ranges);
		*ret = s;
		return 0;
	}
	r = -EINVAL;
	elf_version(EV_CURRENT);
	s->elf = elf_begin(s->fd, ELF_C_READ_MMAP, NULL);
	if (!s->elf || elf_kind(s->elf) != ELF_K_ELF || !gelf_getehdr(s->elf, &eh) || eh.e_type != ET_CORE) {
		FAIL(s, "core %s is neither an ELF core file nor a kdump-compressed one: check it with 'guestcore "
			"validate'", s->path);
		goto fail;
	}
	s->machine = eh.e_machine;
	s->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	if (elf_getphdrnum(s->elf, &phnum) != 0 || phnum == 0 || phnum > (1u << 24) ||
	    eh.e_phoff > (uint64_t)st.st_size ||
	    phnum > ((uint64_t)st.st_size - eh.e_phoff) / (gelf_getclass(s->elf) == ELFCLASS64 ? 56 : 32)) {
		FAIL(s, "core %s: its program headers cannot be read: check it with 'guestcore validate'", s->path);
		goto fail;
	}
	ph = calloc(phnum, sizeof(*ph));
	s->ranges = calloc(phnum, sizeof(*s->ranges));
	if (!ph || !s->ranges) {
		r = -ENOMEM;
		goto fail;
	}
	{
		bool all_zero = true;
		size_t loads = 0;
		for (size_t i = 0; i < phnum; i++) {
			struct guestcore_range *rg;
			if (!gelf_getphdr(s->elf, (int)i, &ph[i])) {
				FAIL(s, "core %s: program header %zu cannot be read", s->path, i);
				goto fail;
			}
			if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
				continue;
			loads++;
			all_zero = all_zero && ph[i].p_paddr == 0;
			if (ph[i].p_filesz && (ph[i].p_offset > (uint64_t)st.st_size ||
					       ph[i].p_filesz > (uint64_t)st.st_size - ph[i].p_offset)) {
				FAIL(s, "core %s: PT_LOAD at 0x%" PRIx64 " reaches past the end of the file: it is truncated",
				     s->path, ph[i].p_paddr);
				goto fail;
			}
			rg = &s->ranges[s->n_ranges++];
			rg->size = sizeof(*rg);
			rg->start = ph[i].p_paddr;
			if (ph[i].p_filesz == 0) {
				rg->kind = GUESTCORE_RANGE_MMIO;
				rg->length = ph[i].p_memsz;
				rg->fd = -1;
			} else {
				/* Bytes past p_filesz are not in the file: left out. */
				rg->kind = (ph[i].p_flags & (PF_W | PF_X | PF_R)) == (PF_R | PF_X) ? GUESTCORE_RANGE_ROM
												   : GUESTCORE_RANGE_RAM;
				rg->length = ph[i].p_filesz;
				rg->fd = s->fd;
				rg->file_offset = ph[i].p_offset;
			}
		}
		if (loads > 1 && all_zero) {
			FAIL(s, "core %s is a process core (virtual addresses), not a guest core", s->path);
			goto fail;
		}
	}
	qsort(s->ranges, s->n_ranges, sizeof(*s->ranges), cmp_range);
	for (size_t i = 1; i < s->n_ranges; i++)
		if (s->ranges[i].start < s->ranges[i - 1].start + s->ranges[i - 1].length) {
			FAIL(s, "core %s: PT_LOADs at 0x%" PRIx64 " and 0x%" PRIx64 " overlap", s->path,
			     s->ranges[i - 1].start, s->ranges[i].start);
			goto fail;
		}
	r = collect_elf_notes(s, ph, phnum);
	if (r == 0)
		r = read_registers(s);
	if (r == 0)
		r = list_notes(s);
	if (r < 0)
		goto fail;
	snprintf(s->description, sizeof(s->description), "core %s, %zu segments", s->path, s->n_ranges);
	free(ph);
	*ret = s;
	return 0;
fail:
	free(ph);
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

/* A kdump-compressed file: page by page; a page the file left out (or one
 * that cannot be decompressed) is -EIO, which the host records. */
static int kd_read(struct guestcore_source *s, uint64_t addr, unsigned char *out, size_t len)
{
	uint64_t bs = s->kd->block_size;

	while (len) {
		uint64_t in = addr % bs, n = bs - in < len ? bs - in : len;
		char msg[300];
		int r = kd_read_page(s->kd, addr / bs, s->kd_page, msg, sizeof(msg));

		if (r == -ENXIO) {
			FAIL(s, "core %s: page frame 0x%" PRIx64 " was left out of the file", s->path, addr / bs);
			return -EIO;
		}
		if (r < 0) {
			FAIL(s, "core %s: %s", s->path, msg);
			return r == -ENOMEM ? r : -EIO;
		}
		memcpy(out, s->kd_page + in, n);
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}

static int ec_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	int r;

	if (s->kd) {
		const struct guestcore_range *rg = su_range_find(s->ranges, s->n_ranges, addr);

		if (rg && len <= rg->length - (addr - rg->start))
			return kd_read(s, addr, buf, len);
		FAIL(s, "read of 0x%zx bytes at 0x%" PRIx64 " is outside the core's pages", len, addr);
		return -EINVAL;
	}
	r = su_range_read(s->ranges, s->n_ranges, addr, buf, len);

	if (r == -EINVAL)
		FAIL(s, "read of 0x%zx bytes at 0x%" PRIx64 " is outside the core's segments", len, addr);
	return r;
}

static int ec_get_register(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	return cpu < s->n_cpus ? su_regs_get(&s->cpus[cpu].regs, name, ret) : -ENOENT;
}

static int ec_get_register_bytes(struct guestcore_source *s, uint32_t cpu, const char *name, const void **ret,
				 size_t *ret_len)
{
	if (cpu >= s->n_cpus || strcmp(name, "reg.xsave") != 0 || !s->cpus[cpu].xsave)
		return -ENOENT;
	*ret = s->cpus[cpu].xsave;
	*ret_len = s->cpus[cpu].xsave_len;
	return 0;
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
