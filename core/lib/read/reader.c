/* Opening a core: an ELF core with libelf (header, program headers, PN_XNUM
 * through elf_getphdrnum, notes through gelf_getnote) or a kdump-compressed
 * file through kdump/kdfile.c (its notes blob shown as a PT_NOTE, its page
 * frame runs as PT_LOADs); every note matched to its layout.
 * Hostile files: counts are capped, the program header table and every note
 * segment are checked against the file's size before libelf reads them, and
 * what cannot be read becomes a problem for validate, never a crash. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "reader.h"

static void problem(struct guestcore_core *c, const char *id, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct guestcore_core *c, const char *id, uint64_t off, const char *fmt, ...)
{
	struct gc_rproblem *v = reallocarray(c->problems, c->n_problems + 1, sizeof(*v));
	va_list ap;

	if (!v)
		return;
	c->problems = v;
	va_start(ap, fmt);
	v[c->n_problems].message = gc_strdup_vprintf(fmt, ap);
	va_end(ap);
	v[c->n_problems].id = id;
	v[c->n_problems].offset = off;
	if (v[c->n_problems].message)
		c->n_problems++;
}

GUESTCORE_API void guestcore_core_close(struct guestcore_core *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_notes; i++)
		free(c->notes[i].name);
	free(c->notes);
	for (size_t i = 0; i < c->n_problems; i++)
		free(c->problems[i].message);
	free(c->problems);
	free(c->note_data);
	free(c->ph);
	free(c->loads);
	if (c->kd) {
		kd_close(c->kd);
		free(c->kd);
	}
	free(c->kd_notes);
	if (c->elf)
		elf_end(c->elf);
	if (c->map)
		munmap(c->map, c->map_len);
	if (c->own_fd && c->fd >= 0)
		close(c->fd);
	free(c);
}

static int read_notes(struct guestcore_core *c)
{
	uint64_t budget = GC_MAX_NOTE_BYTES;

	c->note_data = calloc(c->n_ph ? c->n_ph : 1, sizeof(*c->note_data));
	if (!c->note_data)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_ph; i++) {
		const GElf_Phdr *ph = &c->ph[i];
		uint64_t size = ph->p_filesz;
		Elf_Data *data;
		size_t off = 0, next, name_off, desc_off;
		GElf_Nhdr nh;

		if (ph->p_type != PT_NOTE)
			continue;
		if (ph->p_offset > c->info.file_size || size > c->info.file_size - ph->p_offset) {
			problem(c, "note.bounds", ph->p_offset, "PT_NOTE %zu (offset 0x%" PRIx64 ", 0x%" PRIx64 " bytes) "
				"reaches past the end of the file (0x%" PRIx64 " bytes): the core is truncated", i,
				ph->p_offset, ph->p_filesz, c->info.file_size);
			size = ph->p_offset > c->info.file_size ? 0 : c->info.file_size - ph->p_offset;
		}
		if (size > budget) {
			problem(c, "note.size", ph->p_offset, "PT_NOTE %zu holds 0x%" PRIx64 " bytes, more than the "
				"%u MiB of notes guestcore reads", i, size, GC_MAX_NOTE_BYTES >> 20);
			size = budget;
		}
		if (size == 0)
			continue;
		budget -= size;
		data = elf_getdata_rawchunk(c->elf, (int64_t)ph->p_offset, size, ELF_T_NHDR);
		if (!data) {
			problem(c, "note.bounds", ph->p_offset, "PT_NOTE %zu cannot be read: %s", i, elf_errmsg(-1));
			continue;
		}
		c->note_data[i] = data;
		while (off < data->d_size && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			struct gc_rnote *v, *n;

			if (c->n_notes >= GC_MAX_NOTES) {
				problem(c, "note.count", ph->p_offset + off, "more than %u notes: the rest are not read",
					GC_MAX_NOTES);
				return 0;
			}
			if ((c->n_notes & (c->n_notes - 1)) == 0) {
				v = reallocarray(c->notes, c->n_notes ? c->n_notes * 2 : 16, sizeof(*v));
				if (!v)
					return -ENOMEM;
				c->notes = v;
			}
			n = &c->notes[c->n_notes];
			memset(n, 0, sizeof(*n));
			n->name = strndup(nh.n_namesz ? (const char *)data->d_buf + name_off : "", nh.n_namesz);
			if (!n->name)
				return -ENOMEM;
			n->namesz = nh.n_namesz;
			n->type = nh.n_type;
			n->descsz = nh.n_descsz;
			n->offset = ph->p_offset + off;
			n->desc_offset = ph->p_offset + desc_off;
			n->desc = (const unsigned char *)data->d_buf + desc_off;
			n->raw_name = (const unsigned char *)data->d_buf + name_off;
			n->data_end = (const unsigned char *)data->d_buf + data->d_size;
			n->segment = i;
			n->layout = c->layouts ? guestcore_layouts_match(c->layouts, n->name, n->type, c->info.e_machine)
					       : NULL;
			c->n_notes++;
			off = next;
		}
		if (off < data->d_size) {
			/* gelf_getnote stopped early: a header or its name/desc
			 * runs past the segment, unless only padding remains. */
			bool zeros = true;
			for (size_t k = off; k < data->d_size; k++)
				zeros = zeros && ((const unsigned char *)data->d_buf)[k] == 0;
			if (!zeros || data->d_size - off >= 12)
				problem(c, "note.bounds", ph->p_offset + off, "the note at offset 0x%" PRIx64 " does not "
					"fit in its PT_NOTE (name or descriptor runs past 0x%" PRIx64 ")",
					ph->p_offset + off, ph->p_offset + data->d_size);
		}
	}
	return 0;
}

static int load_cmp(const void *a, const void *b, void *phdrs)
{
	const GElf_Phdr *ph = phdrs;
	uint64_t x = ph[*(const size_t *)a].p_paddr, y = ph[*(const size_t *)b].p_paddr;

	return x < y ? -1 : x > y;
}

/* The PT_LOADs with file bytes, by p_paddr, for read_phys to find one by
 * bisection; where two of them overlap (a hostile core) read_phys keeps
 * its walk of the table, whose first PT_LOAD holding an address wins. */
static int index_loads(struct guestcore_core *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_ph; i++)
		n += c->ph[i].p_type == PT_LOAD && c->ph[i].p_filesz;
	if (!n)
		return 0;
	c->loads = calloc(n, sizeof(*c->loads));
	if (!c->loads)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_ph; i++)
		if (c->ph[i].p_type == PT_LOAD && c->ph[i].p_filesz)
			c->loads[c->n_loads++] = i;
	qsort_r(c->loads, c->n_loads, sizeof(*c->loads), load_cmp, c->ph);
	for (size_t k = 1; k < c->n_loads; k++) {
		const GElf_Phdr *a = &c->ph[c->loads[k - 1]], *b = &c->ph[c->loads[k]];
		if (b->p_paddr - a->p_paddr < a->p_filesz || a->p_paddr + a->p_filesz < a->p_paddr) {
			c->loads_overlap = true;
			break;
		}
	}
	return 0;
}

static int open_elf(struct guestcore_core *c, char *msg, size_t msgsz)
{
	GElf_Ehdr eh;
	size_t phnum = 0;
	struct stat st;
	uint64_t table_end;

	if (fstat(c->fd, &st) < 0) {
		gc_msg(msg, msgsz, "%s", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		gc_msg(msg, msgsz, "not a regular file");
		return -EINVAL;
	}
	c->info.file_size = (uint64_t)st.st_size;
	elf_version(EV_CURRENT);
	c->elf = elf_begin(c->fd, ELF_C_READ_MMAP, NULL);
	if (c->elf && elf_kind(c->elf) != ELF_K_ELF) {
		/* libelf refuses an EI_VERSION other than 1, which real readers
		 * refuse too; read the rest through a private copy of the first
		 * page with it mended, so validate can say what is wrong. */
		unsigned char id[EI_NIDENT];
		if (pread(c->fd, id, sizeof(id), 0) == (ssize_t)sizeof(id) && memcmp(id, ELFMAG, SELFMAG) == 0 &&
		    id[EI_VERSION] != EV_CURRENT && (id[EI_CLASS] == ELFCLASS32 || id[EI_CLASS] == ELFCLASS64) &&
		    (id[EI_DATA] == ELFDATA2LSB || id[EI_DATA] == ELFDATA2MSB)) {
			c->map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, c->fd, 0);
			if (c->map == MAP_FAILED) {
				c->map = NULL;
			} else {
				c->map_len = (size_t)st.st_size;
				((unsigned char *)c->map)[EI_VERSION] = EV_CURRENT;
				elf_end(c->elf);
				c->elf = elf_memory(c->map, c->map_len);
			}
		}
	}
	if (!c->elf || elf_kind(c->elf) != ELF_K_ELF) {
		gc_msg(msg, msgsz, "not an ELF file nor a kdump-compressed one%s%s", c->elf ? "" : ": ",
		       c->elf ? "" : elf_errmsg(-1));
		return -EINVAL;
	}
	if (!gelf_getehdr(c->elf, &eh)) {
		gc_msg(msg, msgsz, "the ELF header cannot be read: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	c->info.elf_class = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	c->info.big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	c->info.ei_version = c->map ? 0 : eh.e_ident[EI_VERSION];
	if (c->map) {
		unsigned char v;
		if (pread(c->fd, &v, 1, EI_VERSION) == 1)
			c->info.ei_version = v;
	}
	c->info.e_type = eh.e_type;
	c->info.e_machine = eh.e_machine;
	c->info.e_version = eh.e_version;
	c->info.e_ehsize = eh.e_ehsize;
	c->info.e_phentsize = eh.e_phentsize;
	c->info.e_phnum = eh.e_phnum;
	c->info.phoff = eh.e_phoff;
	c->info.shoff = eh.e_shoff;
	if (elf_getphdrnum(c->elf, &phnum) != 0) {
		problem(c, "header.phnum", 0, "the number of program headers cannot be read: %s", elf_errmsg(-1));
		phnum = 0;
	}
	c->info.phnum = phnum;
	/* Check the table against the file before libelf walks it. */
	{
		uint64_t entsz = c->info.elf_class == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
		uint64_t fit = eh.e_phoff < c->info.file_size ? (c->info.file_size - eh.e_phoff) / entsz : 0;
		table_end = eh.e_phoff + (uint64_t)phnum * entsz;
		if (phnum > GC_MAX_PHDRS) {
			problem(c, "phdr.count", 0, "%zu program headers claimed, more than the %u guestcore reads", phnum,
				GC_MAX_PHDRS);
			phnum = GC_MAX_PHDRS;
		}
		if (phnum > fit) {
			problem(c, "phdr.bounds", eh.e_phoff, "the program header table (%zu entries at 0x%" PRIx64 ") "
				"reaches past the end of the file: only %" PRIu64 " can be read", (size_t)c->info.phnum,
				(uint64_t)eh.e_phoff, fit);
			phnum = fit;
		}
		(void)table_end;
	}
	if (phnum) {
		c->ph = calloc(phnum, sizeof(*c->ph));
		if (!c->ph)
			return -ENOMEM;
		for (size_t i = 0; i < phnum; i++) {
			if (!gelf_getphdr(c->elf, (int)i, &c->ph[i])) {
				problem(c, "phdr.bounds", eh.e_phoff, "program header %zu cannot be read: %s", i,
					elf_errmsg(-1));
				break;
			}
			c->n_ph = i + 1;
		}
	}
	c->info.segments = c->n_ph;
	{
		size_t loads = 0;
		bool all_zero = true, vary = false;
		uint64_t first = 0;
		for (size_t i = 0; i < c->n_ph; i++) {
			if (c->ph[i].p_type != PT_LOAD)
				continue;
			all_zero = all_zero && c->ph[i].p_paddr == 0;
			if (loads++ == 0)
				first = c->ph[i].p_vaddr;
			else if (c->ph[i].p_vaddr != first)
				vary = true;
		}
		c->info.virtual_addresses = loads > 1 && all_zero && vary;
	}
	if (index_loads(c) < 0)
		return -ENOMEM;
	return read_notes(c);
}

/* ---- kdump-compressed files ------------------------------------------------------ */

static void kd_problem(void *ud, const char *id, uint64_t off, const char *message)
{
	problem(ud, id, off, "%s", message);
}

/* The ELF notes in the SIZE bytes of BLOB, which lie at file offset AT. */
static int parse_note_blob(struct guestcore_core *c, const unsigned char *blob, uint64_t size, uint64_t at,
			   size_t segment, bool be)
{
	uint64_t off = 0;
	struct kd_note kn;
	int r;

	while ((r = kd_note_next(blob, size, &off, be, &kn)) != 0) {
		struct gc_rnote *n;

		if (r < 0) {
			problem(c, "note.bounds", at + off, "the note at offset 0x%" PRIx64 " does not fit in the notes "
				"(name or descriptor runs past 0x%" PRIx64 ")", at + off, at + size);
			return 0;
		}
		if (c->n_notes >= GC_MAX_NOTES) {
			problem(c, "note.count", at + kn.name_off - 12, "more than %u notes: the rest are not read",
				GC_MAX_NOTES);
			return 0;
		}
		if ((c->n_notes & (c->n_notes - 1)) == 0) {
			struct gc_rnote *v = reallocarray(c->notes, c->n_notes ? c->n_notes * 2 : 16, sizeof(*v));
			if (!v)
				return -ENOMEM;
			c->notes = v;
		}
		n = &c->notes[c->n_notes];
		memset(n, 0, sizeof(*n));
		n->name = strndup((const char *)blob + kn.name_off, kn.namesz);
		if (!n->name)
			return -ENOMEM;
		n->namesz = kn.namesz;
		n->type = kn.type;
		n->descsz = kn.descsz;
		n->offset = at + kn.name_off - 12;
		n->desc_offset = at + kn.desc_off;
		n->desc = blob + kn.desc_off;
		n->raw_name = blob + kn.name_off;
		n->data_end = blob + size;
		n->segment = segment;
		n->layout = c->layouts ? guestcore_layouts_match(c->layouts, n->name, n->type, c->info.e_machine) : NULL;
		c->n_notes++;
	}
	return 0;
}

/* 1 when FD is a kdump-compressed file now open, 0 when it is not one. */
static int open_kdump(struct guestcore_core *c, char *msg, size_t msgsz)
{
	struct stat st;
	struct kd_file *k;
	int r;

	if (fstat(c->fd, &st) < 0) {
		gc_msg(msg, msgsz, "%s", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode))
		return 0; /* open_elf says so */
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	r = kd_open(k, c->fd, (uint64_t)st.st_size, kd_problem, c, msg, msgsz);
	if (r <= 0) {
		free(k);
		return r;
	}
	c->kd = k;
	c->info.format = GUESTCORE_FORMAT_KDUMP;
	c->info.file_size = (uint64_t)st.st_size;
	c->info.elf_class = k->lp32 ? 32 : 64;
	c->info.big_endian = k->be;
	c->info.ei_version = EV_CURRENT;
	c->info.e_type = ET_CORE;
	c->info.e_version = EV_CURRENT;
	c->info.e_machine = kd_machine(k);
	/* the runs of page frames the first bitmap marks, found when asked */
	if (k->n_runs + 1 > GC_MAX_PHDRS) {
		gc_msg(msg, msgsz, "the first bitmap holds %" PRIu64 " runs of page frames, more than the %u segments "
		       "guestcore reads", k->n_runs, GC_MAX_PHDRS);
		return -E2BIG;
	}
	c->n_ph = 1 + k->n_runs;
	c->info.segments = c->n_ph;
	c->info.e_phnum = (uint16_t)(c->n_ph >= PN_XNUM ? PN_XNUM : c->n_ph);
	c->info.phnum = c->n_ph;
	if (k->size_note) {
		uint64_t size = k->size_note;
		if (size > GC_MAX_NOTE_BYTES) {
			problem(c, "note.size", k->offset_note, "the notes hold 0x%" PRIx64 " bytes, more than the %u MiB "
				"guestcore reads", size, GC_MAX_NOTE_BYTES >> 20);
			size = GC_MAX_NOTE_BYTES;
		}
		c->kd_notes = malloc(size);
		if (!c->kd_notes)
			return -ENOMEM;
		if (kd_pread(k, c->kd_notes, size, k->offset_note) < 0) {
			problem(c, "note.bounds", k->offset_note, "the notes (0x%" PRIx64 " bytes at 0x%" PRIx64 ") reach "
				"past the end of the file: it is truncated", size, k->offset_note);
		} else {
			r = parse_note_blob(c, c->kd_notes, size, k->offset_note, 0, k->be);
			if (r < 0)
				return r;
		}
	}
	return 1;
}

GUESTCORE_API int guestcore_core_kdump_info(const struct guestcore_core *c, struct guestcore_kdump_info *ret)
{
	struct guestcore_kdump_info i;
	const struct kd_file *k;

	if (!c || !ret || ret->sz == 0)
		return -EINVAL;
	if (!c->kd)
		return -ENOTSUP;
	k = c->kd;
	i = (struct guestcore_kdump_info){
		.sz = sizeof(i), .flattened = k->flat, .big_endian = k->be, .lp32 = k->lp32,
		.header_version = k->header_version,
		.utsname = { k->uts[0], k->uts[1], k->uts[2], k->uts[3], k->uts[4], k->uts[5] },
		.timestamp_sec = k->ts_sec, .timestamp_usec = k->ts_usec, .status = k->status,
		.block_size = k->block_size, .sub_hdr_size = k->sub_hdr_size, .bitmap_blocks = k->bitmap_blocks,
		.max_mapnr = k->header_mapnr, .total_ram_blocks = k->total_ram_blocks, .device_blocks = k->device_blocks,
		.written_blocks = k->written_blocks, .current_cpu = k->current_cpu, .nr_cpus = k->nr_cpus,
		.phys_base = k->phys_base, .dump_level = k->dump_level, .split = k->split,
		.start_pfn = k->start_pfn_64 ? k->start_pfn_64 : k->start_pfn,
		.end_pfn = k->end_pfn_64 ? k->end_pfn_64 : k->end_pfn,
		.offset_vmcoreinfo = k->offset_vmcoreinfo, .size_vmcoreinfo = k->size_vmcoreinfo,
		.offset_note = k->offset_note, .size_note = k->size_note, .offset_eraseinfo = k->offset_eraseinfo,
		.size_eraseinfo = k->size_eraseinfo, .bitmap_offset = k->bitmap_offset, .bitmap_len = k->bitmap_len,
		.desc_offset = k->desc_offset, .present_pages = k->n_present, .dumped_pages = k->n_dumpable,
	};
	GC_RESULT_OUT(ret, i);
	return 0;
}

/* read_phys of a kdump-compressed file: page by page. */
static int kd_read_phys(const struct guestcore_core *c, uint64_t addr, unsigned char *out, size_t len,
			bool allow_holes, char *msg, size_t msgsz)
{
	struct kd_file *k = c->kd;
	uint64_t bs = k->block_size;

	while (len) {
		uint64_t pfn = addr / bs, in = addr % bs, n = bs - in < len ? bs - in : len;
		const unsigned char *page;
		int r = kd_read_page(k, pfn, &page, msg, msgsz);

		if (r == -ENXIO) {
			if (!allow_holes) {
				gc_msg(msg, msgsz, "guest-physical 0x%" PRIx64 " has no page in the dump (not RAM, or a page "
				       "the dump left out): use --allow-holes to read zeros there", addr);
				return -ENXIO;
			}
			memset(out, 0, n);
		} else if (r < 0) {
			return r;
		} else {
			memcpy(out, page + in, n);
		}
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}

GUESTCORE_API int guestcore_core_open_fd(int fd, const struct guestcore_layouts *layouts,
					 struct guestcore_core **ret, char *msg, size_t msgsz)
{
	struct guestcore_core *c;
	int r;

	if (fd < 0 || !ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->layouts = layouts;
	c->info.sz = sizeof(c->info);
	r = open_kdump(c, msg, msgsz);
	if (r == 0)
		r = open_elf(c, msg, msgsz);
	if (r < 0) {
		if (r == -ENOMEM)
			gc_msg(msg, msgsz, "out of memory");
		guestcore_core_close(c);
		return r;
	}
	c->info.notes = c->n_notes;
	*ret = c;
	return 0;
}

GUESTCORE_API int guestcore_core_open(const char *path, const struct guestcore_layouts *layouts,
				      struct guestcore_core **ret, char *msg, size_t msgsz)
{
	int fd, r;

	if (!path || !ret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block us */
	if (fd < 0) {
		r = -errno;
		gc_msg(msg, msgsz, "%s", strerror(errno));
		return r;
	}
	r = guestcore_core_open_fd(fd, layouts, ret, msg, msgsz);
	if (r < 0) {
		close(fd);
		return r;
	}
	(*ret)->own_fd = true;
	return 0;
}

GUESTCORE_API int guestcore_core_info(const struct guestcore_core *c, struct guestcore_core_info *ret)
{
	if (!c || !ret || ret->sz == 0)
		return -EINVAL;
	GC_RESULT_OUT(ret, c->info);
	return 0;
}

void gc_core_phdr(const struct guestcore_core *c, size_t i, GElf_Phdr *ret)
{
	const struct kd_file *k = c->kd;
	uint64_t p = 0, e = 0;

	if (!k) {
		*ret = c->ph[i];
	} else if (i == 0) {
		*ret = (GElf_Phdr){ .p_type = PT_NOTE, .p_offset = k->offset_note, .p_filesz = k->size_note };
	} else {
		kd_run(c->kd, i - 1, &p, &e);
		*ret = (GElf_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_vaddr = p * k->block_size,
				    .p_paddr = p * k->block_size, .p_filesz = (e - p) * k->block_size,
				    .p_memsz = (e - p) * k->block_size };
	}
}

GUESTCORE_API int guestcore_core_segment(const struct guestcore_core *c, size_t i, struct guestcore_segment *ret)
{
	struct guestcore_segment s;
	GElf_Phdr ph;

	if (!c || !ret || ret->sz == 0)
		return -EINVAL;
	if (i >= c->n_ph)
		return -ERANGE;
	gc_core_phdr(c, i, &ph);
	s = (struct guestcore_segment){
		.sz = sizeof(s), .type = ph.p_type, .flags = ph.p_flags, .offset = ph.p_offset, .vaddr = ph.p_vaddr,
		.paddr = ph.p_paddr, .filesz = ph.p_filesz, .memsz = ph.p_memsz, .align = ph.p_align,
	};
	GC_RESULT_OUT(ret, s);
	return 0;
}

GUESTCORE_API int guestcore_core_note(const struct guestcore_core *c, size_t i, struct guestcore_note_ref *ret)
{
	struct guestcore_note_ref r;
	const struct gc_rnote *n;

	if (!c || !ret || ret->sz == 0)
		return -EINVAL;
	if (i >= c->n_notes)
		return -ERANGE;
	n = &c->notes[i];
	r = (struct guestcore_note_ref){
		.sz = sizeof(r), .name = n->name, .namesz = n->namesz, .type = n->type, .descsz = n->descsz,
		.offset = n->offset, .desc_offset = n->desc_offset, .desc = n->desc, .segment = n->segment,
		.layout = n->layout,
	};
	GC_RESULT_OUT(ret, r);
	return 0;
}

GUESTCORE_API int guestcore_core_read_phys(const struct guestcore_core *c, uint64_t addr, void *buf, size_t len,
					   bool allow_holes, char *msg, size_t msgsz)
{
	unsigned char *out = buf;

	if (!c || (!buf && len))
		return -EINVAL;
	if (addr + len < addr) {
		gc_msg(msg, msgsz, "the range wraps around the address space");
		return -EINVAL;
	}
	if (c->kd)
		return kd_read_phys(c, addr, out, len, allow_holes, msg, msgsz);
	while (len) {
		const GElf_Phdr *best = NULL;
		uint64_t next = UINT64_MAX, n;

		/* The PT_LOAD holding ADDR in its file bytes, or the next one:
		 * by bisection, or where PT_LOADs overlap by the table's order. */
		if (!c->loads_overlap && c->n_loads) {
			size_t lo = 0, hi = c->n_loads; /* LO: the first that starts after ADDR */

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (c->ph[c->loads[mid]].p_paddr <= addr)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo && addr - c->ph[c->loads[lo - 1]].p_paddr < c->ph[c->loads[lo - 1]].p_filesz)
				best = &c->ph[c->loads[lo - 1]];
			else if (lo < c->n_loads)
				next = c->ph[c->loads[lo]].p_paddr;
		}
		for (size_t i = 0; (c->loads_overlap || !c->n_loads) && i < c->n_ph; i++) {
			const GElf_Phdr *ph = &c->ph[i];
			if (ph->p_type != PT_LOAD || ph->p_filesz == 0)
				continue;
			if (addr >= ph->p_paddr && addr - ph->p_paddr < ph->p_filesz) {
				best = ph;
				break;
			}
			if (ph->p_paddr > addr && ph->p_paddr < next)
				next = ph->p_paddr;
		}
		if (!best) {
			n = next - addr < len ? next - addr : len;
			if (!allow_holes) {
				gc_msg(msg, msgsz, "guest-physical 0x%" PRIx64 " has no bytes in the core (MMIO or a hole): "
					"use --allow-holes to read zeros there", addr);
				return -ENXIO;
			}
			memset(out, 0, n);
		} else {
			uint64_t in = addr - best->p_paddr;
			n = best->p_filesz - in < len ? best->p_filesz - in : len;
			if (best->p_offset + in + n > c->info.file_size || best->p_offset + in + n < best->p_offset) {
				gc_msg(msg, msgsz, "guest-physical 0x%" PRIx64 " lies past the end of the file: the core is "
					"truncated", addr);
				return -EIO;
			}
			for (uint64_t done = 0; done < n;) {
				ssize_t r = pread(c->fd, out + done, n - done, (off_t)(best->p_offset + in + done));
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					gc_msg(msg, msgsz, "read error at file offset 0x%" PRIx64 ": %s",
					       best->p_offset + in + done, r < 0 ? strerror(errno) : "end of file");
					return -EIO;
				}
				done += (uint64_t)r;
			}
		}
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}
