/* guestcore_core_validate(): every rule a core must keep, each finding with a
 * severity, a stable identifier, the file offset and one sentence.  Rules
 * about notes come from their layouts (constants, sizes, name format), so a
 * third party's layout is validated like VirtualBox's. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "reader.h"
#include "../vmci.h"

struct vctx {
	const struct guestcore_core *c;
	int profile;
	guestcore_finding_fn report;
	void *ud;
	int errors;
	uint64_t hash_budget;   /* bytes digest checks may still read */
	unsigned char *hashed;  /* one bit per PT_LOAD already checked */
};

static void finding(struct vctx *v, uint32_t sev, const char *id, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void finding(struct vctx *v, uint32_t sev, const char *id, uint64_t off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	struct guestcore_finding f = { .sz = sizeof(f), .id = id, .offset = off, .message = msg };

	if (v->profile == GUESTCORE_PROFILE_STRICT && sev == GUESTCORE_SEVERITY_WARNING)
		sev = GUESTCORE_SEVERITY_ERROR;
	f.severity = sev;
	if (sev == GUESTCORE_SEVERITY_ERROR)
		v->errors++;
	if (!v->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->report(v->ud, &f);
}

#define ERR GUESTCORE_SEVERITY_ERROR
#define WARN GUESTCORE_SEVERITY_WARNING
#define INFO GUESTCORE_SEVERITY_INFO

static void check_header(struct vctx *v)
{
	const struct guestcore_core_info *i = &v->c->info;
	uint64_t ehsize = i->elf_class == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	uint64_t phent = i->elf_class == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	if (i->ei_version != EV_CURRENT)
		finding(v, ERR, "header.ei_version", 6, "EI_VERSION is %u, not 1: crash and other readers refuse the file",
			i->ei_version);
	if (i->e_type != ET_CORE)
		finding(v, ERR, "header.type", 16, "e_type is %u, not ET_CORE (4)", i->e_type);
	if (i->e_version != EV_CURRENT)
		finding(v, ERR, "header.version", 20, "e_version is %u, not 1: LeechCore refuses the file", i->e_version);
	if (i->e_ehsize != ehsize)
		finding(v, ERR, "header.ehsize", i->elf_class == 64 ? 52 : 40, "e_ehsize is %u, not %" PRIu64
			" (QEMU 7.2 wrote 8)", i->e_ehsize, ehsize);
	if (i->phnum && i->e_phentsize != phent)
		finding(v, ERR, "header.phentsize", i->elf_class == 64 ? 54 : 42, "e_phentsize is %u, not %" PRIu64,
			i->e_phentsize, phent);
	if (i->phnum == 0)
		finding(v, ERR, "header.phnum", i->elf_class == 64 ? 56 : 44, "the core has no program headers");
}

static void check_xnum(struct vctx *v)
{
	const struct guestcore_core_info *i = &v->c->info;
	GElf_Shdr sh;
	Elf_Scn *scn;

	if (i->e_phnum != PN_XNUM)
		return;
	scn = elf_getscn(v->c->elf, 0);
	if (!i->shoff || !scn || !gelf_getshdr(scn, &sh)) {
		finding(v, ERR, "xnum.section", i->shoff, "e_phnum is PN_XNUM but section header 0, which must hold "
			"the real count, cannot be read");
		return;
	}
	if (sh.sh_info != i->phnum)
		finding(v, ERR, "xnum.section", i->shoff, "section header 0 says %u program headers, but %" PRIu64
			" were read", sh.sh_info, i->phnum);
}

/* The address a PT_LOAD is ordered by: p_paddr, or p_vaddr in a process core. */
static uint64_t addr_of(const struct vctx *v, const GElf_Phdr *ph)
{
	return v->c->info.virtual_addresses ? ph->p_vaddr : ph->p_paddr;
}

static void check_loads(struct vctx *v)
{
	const struct guestcore_core *c = v->c;
	const GElf_Phdr *prev = NULL;
	const char *an = c->info.virtual_addresses ? "vaddr" : "paddr";
	uint64_t phend = c->info.phoff + c->info.phnum * (c->info.elf_class == 64 ? 56 : 32);

	if (c->info.phnum && phend > 0x2000)
		finding(v, WARN, "compat.header_limit", c->info.phoff, "the ELF and program headers end at 0x%" PRIx64
			", past the first 0x2000 bytes LeechCore/MemProcFS read", phend);
	for (size_t k = 0; k < c->n_ph; k++) {
		const GElf_Phdr *ph = &c->ph[k];
		uint64_t at = c->info.phoff + k * (c->info.elf_class == 64 ? 56 : 32);

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz)
			finding(v, ERR, "load.filesz", at, "PT_LOAD %zu has p_filesz 0x%" PRIx64 " larger than p_memsz 0x%"
				PRIx64, k, ph->p_filesz, ph->p_memsz);
		if (ph->p_filesz && (ph->p_offset > c->info.file_size || ph->p_filesz > c->info.file_size - ph->p_offset))
			finding(v, ERR, "load.truncated", at, "PT_LOAD %zu (paddr 0x%" PRIx64 ") needs file bytes up to 0x%"
				PRIx64 " but the file ends at 0x%" PRIx64 ": the dump is truncated", k, ph->p_paddr,
				ph->p_offset + ph->p_filesz, c->info.file_size);
		if (ph->p_filesz && ph->p_filesz != ph->p_memsz)
			finding(v, WARN, "compat.filesz_memsz", at, "PT_LOAD %zu has file bytes for only part of its memory "
				"(0x%" PRIx64 " of 0x%" PRIx64 "): Volatility reads segments with p_filesz == p_memsz", k,
				ph->p_filesz, ph->p_memsz);
		if (ph->p_filesz && ph->p_offset == 0)
			finding(v, WARN, "compat.offset_zero", at, "PT_LOAD %zu has p_offset 0: LeechCore refuses it", k);
		if (!c->info.virtual_addresses && (ph->p_paddr | ph->p_filesz) & 0xfff)
			finding(v, INFO, "compat.page_align", at, "PT_LOAD %zu (paddr 0x%" PRIx64 ", filesz 0x%" PRIx64
				") is not page-aligned, as LeechCore expects", k, ph->p_paddr, ph->p_filesz);
		if (prev) {
			if (addr_of(v, ph) < addr_of(v, prev))
				finding(v, v->profile == GUESTCORE_PROFILE_AUTO ? WARN : ERR, "load.order", at,
					"PT_LOAD %zu (%s 0x%" PRIx64 ") comes after one at 0x%" PRIx64 ": Volatility, "
					"Rekall and LeechCore need ascending order", k, an, addr_of(v, ph), addr_of(v, prev));
			else if (addr_of(v, ph) < addr_of(v, prev) + prev->p_memsz)
				finding(v, ERR, "load.overlap", at, "PT_LOAD %zu (%s 0x%" PRIx64 ") overlaps the one "
					"before it, which ends at 0x%" PRIx64, k, an, addr_of(v, ph),
					addr_of(v, prev) + prev->p_memsz);
		}
		prev = ph;
	}
}

/* The core's guest-physical bytes, for what its VMCOREINFO points to. */
static int core_kread(void *ctx, uint64_t pa, void *buf, size_t len)
{
	char msg[8];

	return guestcore_core_read_phys(ctx, pa, buf, len, false, msg, sizeof(msg));
}

/* A PT_LOAD at a kernel virtual address holds the guest-physical bytes the
 * core's VMCOREINFO places there (its phys_base, the machine's kernel map
 * and direct map). */
static void check_vaddrs(struct vctx *v)
{
	const struct guestcore_core *c = v->c;
	const struct gc_rnote *vmci = NULL;
	const struct gc_kread rd = { core_kread, (void *)c };
	struct gc_kernel_map km;

	for (size_t i = 0; i < c->n_notes && !vmci; i++)
		if (strcmp(c->notes[i].name, "VMCOREINFO") == 0 && c->notes[i].type == 0)
			vmci = &c->notes[i];
	if (!vmci || c->info.virtual_addresses)
		return;
	gc_kernel_map(c->info.e_machine, vmci->desc, vmci->descsz, &rd, &km);
	for (size_t k = 0; k < c->n_ph; k++) {
		const GElf_Phdr *ph = &c->ph[k];
		uint64_t pa;

		if (ph->p_type != PT_LOAD || ph->p_vaddr == ph->p_paddr ||
		    !gc_kernel_phys(c->info.e_machine, vmci->desc, vmci->descsz, &km, ph->p_vaddr, &pa) ||
		    pa == ph->p_paddr)
			continue;
		finding(v, ERR, "load.vaddr", c->info.phoff + k * (c->info.elf_class == 64 ? 56 : 32),
			"PT_LOAD %zu is at the kernel virtual address 0x%" PRIx64 " with guest-physical 0x%" PRIx64
			", but the core's VMCOREINFO maps that address to 0x%" PRIx64 ": drgn and gdb would read the "
			"wrong bytes", k, ph->p_vaddr, ph->p_paddr, pa);
	}
}

/* ---- notes ------------------------------------------------------------------- */

struct const_ctx {
	struct vctx *v;
	const struct gc_rnote *n;
};

static int const_visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *val)
{
	struct const_ctx *cc = ud;

	if (fi->value_kind == GUESTCORE_VALUE_CONST && !fi->const_string && val->u != fi->const_value) {
		bool known = fi->enum_name && val->enum_value;
		finding(cc->v, known ? INFO : ERR, "note.const", cc->n->desc_offset + fi->offset,
			"%s note: %s is 0x%" PRIx64 ", not 0x%" PRIx64 "%s%s%s", cc->n->name, fi->path, val->u,
			fi->const_value, known ? " (a known older value: " : "", known ? val->enum_value : "",
			known ? ")" : "");
	}
	if (fi->value_kind == GUESTCORE_VALUE_SIZEOF && val->u != cc->n->descsz)
		finding(cc->v, ERR, "note.size_field", cc->n->desc_offset + fi->offset,
			"%s note: %s says %" PRIu64 " bytes, the descriptor has %u", cc->n->name, fi->path, val->u,
			cc->n->descsz);
	return 0;
}

static uint64_t field_u64(const struct gc_rnote *n, uint64_t off, unsigned size, bool be)
{
	if (off + size > n->descsz)
		return 0;
	return gc_get(n->desc + off, size, be);
}

static long long leaf_offset(const struct guestcore_note_layout *nl, const char *path)
{
	for (size_t i = 0; nl && i < nl->n_leaves; i++)
		if (strcmp(nl->leaves[i].path, path) == 0)
			return (long long)nl->leaves[i].offset;
	return -1;
}

static size_t count_id(const struct guestcore_core *c, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_notes; i++)
		n += c->notes[i].layout && strcmp(c->notes[i].layout->id, id) == 0;
	return n;
}

static void check_digest(struct vctx *v, const struct gc_rnote *n)
{
	const struct guestcore_core *c = v->c;
	bool be = c->info.big_endian;
	uint64_t idx = field_u64(n, 0, 4, be), algo = field_u64(n, 4, 4, be), paddr = field_u64(n, 8, 8, be);
	size_t loads = 0;
	const GElf_Phdr *ph = NULL;
	XXH3_state_t *st;
	static unsigned char buf[1 << 16];
	XXH128_canonical_t canon;
	XXH128_hash_t h;

	if (n->descsz < 40)
		return;
	if (c->kd) {
		finding(v, WARN, "guestcore.digest", n->desc_offset, "a digest note in a kdump-compressed file: not "
			"checked (digests are of ELF segments)");
		return;
	}
	if (algo != 1) {
		finding(v, WARN, "guestcore.digest", n->desc_offset + 4, "digest algorithm %" PRIu64 " is unknown", algo);
		return;
	}
	for (size_t k = 0; k < c->n_ph; k++)
		if (c->ph[k].p_type == PT_LOAD && loads++ == idx)
			ph = &c->ph[k];
	if (!ph || ph->p_paddr != paddr) {
		finding(v, ERR, "guestcore.digest", n->desc_offset, "digest note for PT_LOAD %" PRIu64 " at 0x%" PRIx64
			" matches no PT_LOAD", idx, paddr);
		return;
	}
	if (ph->p_filesz > c->info.file_size || ph->p_offset > c->info.file_size - ph->p_filesz)
		return; /* load.truncated says it */
	if (ph->p_memsz != ph->p_filesz) {
		finding(v, WARN, "guestcore.digest", n->desc_offset, "digest note for PT_LOAD %" PRIu64 ", which has "
			"bytes outside the file: not checked", idx);
		return;
	}
	if (v->hashed && (v->hashed[idx / 8] & (1u << (idx % 8)))) {
		finding(v, ERR, "guestcore.digest", n->desc_offset, "a second digest note for PT_LOAD %" PRIu64, idx);
		return;
	}
	if (v->hashed)
		v->hashed[idx / 8] |= (unsigned char)(1u << (idx % 8));
	/* Segments that share file bytes could make hostile files hash the
	 * same bytes over and over: stop at a few times the file's size. */
	if (ph->p_filesz > v->hash_budget) {
		finding(v, WARN, "guestcore.digest", n->desc_offset, "digest checks stopped at PT_LOAD %" PRIu64
			": the segments read more bytes than the file holds", idx);
		return;
	}
	v->hash_budget -= ph->p_filesz;
	st = XXH3_createState();
	if (!st)
		return;
	XXH3_128bits_reset(st);
	for (uint64_t off = 0; off < ph->p_memsz;) {
		size_t len = ph->p_memsz - off < sizeof(buf) ? (size_t)(ph->p_memsz - off) : sizeof(buf);
		if (off >= ph->p_filesz) {
			memset(buf, 0, len);
		} else {
			if (len > ph->p_filesz - off)
				len = (size_t)(ph->p_filesz - off);
			if (pread(c->fd, buf, len, (off_t)(ph->p_offset + off)) != (ssize_t)len) {
				XXH3_freeState(st);
				return;
			}
		}
		XXH3_128bits_update(st, buf, len);
		off += len;
	}
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	XXH128_canonicalFromHash(&canon, h);
	if (memcmp(canon.digest, n->desc + 24, 16) != 0)
		finding(v, ERR, "guestcore.digest", n->desc_offset + 24, "PT_LOAD %" PRIu64 " (paddr 0x%" PRIx64 ") does "
			"not match its XXH3-128 digest: its data changed after the dump", idx, paddr);
}

static bool zeros(const unsigned char *p, const unsigned char *end)
{
	for (; p < end; p++)
		if (*p)
			return false;
	return true;
}

/* Padding after the name and after the descriptor is zero. */
static void check_padding(struct vctx *v, const struct gc_rnote *n)
{
	uint64_t align = n->layout && n->layout->name_format == GUESTCORE_NAME_VBOX ? 8 : 4;
	const unsigned char *name_end = n->raw_name + n->namesz, *desc_end = n->desc + n->descsz;
	const unsigned char *name_pad = n->desc;  /* the descriptor starts where the name's padding ends */
	const unsigned char *desc_pad = n->desc + (n->descsz + align - 1) / align * align;

	/* A VirtualBox name is stored with its NUL, outside n_namesz. */
	if (align == 8 && name_end < name_pad && *name_end == 0)
		name_end++;
	if (desc_pad > n->data_end)
		desc_pad = n->data_end;
	if (!zeros(name_end, name_pad) || (desc_end < desc_pad && !zeros(desc_end, desc_pad)))
		finding(v, WARN, "note.padding", n->offset, "%s note: its padding bytes are not zero", n->name);
}

/* What QEMU's dump-guest-memory writes per vCPU, by machine: the qemu
 * profile's expectation (the qemu note set writes the same). */
static const struct {
	uint16_t machine;
	const char *ids[2];
} qemu_profile[] = {
	{ EM_X86_64, { "linux.prstatus-x86_64", "qemu.cpustate" } },
	{ EM_386, { "linux.prstatus-i386", "qemu.cpustate" } },
	{ EM_AARCH64, { "linux.prstatus-aarch64", "linux.prfpreg-aarch64" } },
};

static void check_notes(struct vctx *v)
{
	const struct guestcore_core *c = v->c;
	bool be = c->info.big_endian;
	size_t vbcpu = count_id(c, "vbox.cpu"), vbcore = count_id(c, "vbox.core");
	size_t prstatus = count_id(c, "linux.prstatus-x86_64") + count_id(c, "linux.prstatus-i386") +
			  count_id(c, "linux.prstatus-aarch64");
	const char *const *qemu_ids = NULL;
	size_t qemu_n[2] = { 0 };
	int profile = v->profile;

	for (size_t i = 0; i < sizeof(qemu_profile) / sizeof(qemu_profile[0]); i++)
		if (qemu_profile[i].machine == c->info.e_machine)
			qemu_ids = qemu_profile[i].ids;
	for (size_t k = 0; qemu_ids && k < 2; k++)
		qemu_n[k] = count_id(c, qemu_ids[k]);
	size_t n_pt_note = 0;

	for (size_t k = 0; k < c->n_problems; k++)
		finding(v, ERR, c->problems[k].id, c->problems[k].offset, "%s", c->problems[k].message);
	for (size_t k = 0; k < c->n_ph && !c->kd; k++)
		n_pt_note += c->ph[k].p_type == PT_NOTE;
	n_pt_note += c->kd != NULL; /* its notes blob */
	if (n_pt_note == 0)
		finding(v, WARN, "note.missing", c->info.phoff, "the core has no PT_NOTE: no registers are recorded");

	for (size_t i = 0; i < c->n_notes; i++) {
		const struct gc_rnote *n = &c->notes[i];
		const struct guestcore_note_layout *nl = n->layout;
		char m[256];
		int r;

		check_padding(v, n);
		if (!nl) {
			finding(v, INFO, "note.unknown", n->offset, "note \"%s\" type 0x%x (%u bytes) has no layout", n->name,
				n->type, n->descsz);
			continue;
		}
		if (nl->name_format == GUESTCORE_NAME_VBOX && n->namesz != strlen(nl->note_name))
			finding(v, ERR, "note.namesz", n->offset, "%s note: n_namesz is %u; VirtualBox stores %zu (the name "
				"without its NUL)", n->name, n->namesz, strlen(nl->note_name));
		if (nl->name_format == GUESTCORE_NAME_ELF && n->namesz != strlen(nl->note_name) + 1)
			finding(v, ERR, "note.namesz", n->offset, "%s note: n_namesz is %u, not %zu (the name with its NUL)",
				n->name, n->namesz, strlen(nl->note_name) + 1);
		r = guestcore_note_decode(nl, n->desc, n->descsz, be, NULL, NULL, m, sizeof(m));
		if (r < 0)
			finding(v, ERR, "note.descsz", n->offset + 4, "%s", m);
		else if (r == GUESTCORE_DECODE_LONGER)
			finding(v, WARN, "note.descsz", n->offset + 4, "%s", m);
		if (r >= 0) {
			struct const_ctx cc = { v, n };
			guestcore_note_decode(nl, n->desc, n->descsz, be, const_visit, &cc, NULL, 0);
		}
		if (strcmp(nl->id, "guestcore.digest") == 0)
			check_digest(v, n);
		if (strcmp(nl->id, "guestcore.unreadable") == 0)
			finding(v, INFO, "guestcore.unreadable", n->desc_offset, "guest-physical 0x%" PRIx64 "+0x%" PRIx64
				" could not be read when the core was written: it holds zeros",
				field_u64(n, 0, 8, be), field_u64(n, 8, 8, be));
	}

	/* Profiles: what the format's readers demand. */
	if (profile == GUESTCORE_PROFILE_VBOX && vbcore == 0 && count_id(c, "vbox.core-2010") == 0)
		finding(v, ERR, "profile.vbox", c->info.phoff, "no VBCORE note: VirtualBox core readers need one, first");
	if (profile == GUESTCORE_PROFILE_QEMU && !qemu_ids)
		finding(v, ERR, "profile.qemu", c->info.phoff, "QEMU's dump of a guest of machine %u is not known to "
			"guestcore: no profile to check it against", c->info.e_machine);
	else if (profile == GUESTCORE_PROFILE_QEMU && (qemu_n[0] == 0 || qemu_n[1] == 0))
		finding(v, ERR, "profile.qemu", c->info.phoff, "QEMU dump readers expect a %s and a %s note per vCPU; "
			"found %zu and %zu", qemu_ids[0], qemu_ids[1], qemu_n[0], qemu_n[1]);
	if (vbcore || profile == GUESTCORE_PROFILE_VBOX) {
		const struct gc_rnote *first = c->n_notes ? &c->notes[0] : NULL;
		if (vbcore && (!first || !first->layout || strcmp(first->layout->id, "vbox.core") != 0))
			finding(v, ERR, "vbox.first", first ? first->offset : 0, "VBCORE is not the first note: VirtualBox "
				"readers read only the first note");
		for (size_t i = 0; i < c->n_notes; i++) {
			const struct gc_rnote *n = &c->notes[i];
			long long off = leaf_offset(n->layout, "cCpus");
			if (n->layout && strcmp(n->layout->id, "vbox.core") == 0 && off >= 0) {
				uint64_t cpus = field_u64(n, (uint64_t)off, 4, be);
				if (cpus != vbcpu)
					finding(v, ERR, "vbox.cpus", n->desc_offset + (uint64_t)off, "VBCORE says %" PRIu64
						" vCPUs but the core has %zu VBCPU notes", cpus, vbcpu);
				break;
			}
		}
	}
	if (qemu_n[0] && qemu_n[1] && qemu_n[0] != qemu_n[1])
		finding(v, ERR, "percpu.count", c->info.phoff, "%zu %s notes but %zu %s notes: one of each per vCPU",
			qemu_n[0], qemu_ids[0], qemu_n[1], qemu_ids[1]);
	if (vbcpu && prstatus && vbcpu != prstatus)
		finding(v, ERR, "percpu.count", c->info.phoff, "%zu VBCPU notes but %zu NT_PRSTATUS notes: the note "
			"sets disagree on the number of vCPUs", vbcpu, prstatus);
	for (size_t i = 0; i < c->n_notes; i++) {
		const struct gc_rnote *n = &c->notes[i];
		long long off = leaf_offset(n->layout, "cpu_count");
		if (n->layout && strcmp(n->layout->id, "guestcore.info") == 0 && off >= 0) {
			uint64_t cpus = field_u64(n, (uint64_t)off, 4, be);
			size_t seen = vbcpu ? vbcpu : prstatus ? prstatus : qemu_n[1];
			if ((vbcpu || prstatus || qemu_n[1]) && cpus != seen)
				finding(v, ERR, "percpu.count", n->desc_offset + (uint64_t)off, "GUESTCORE says %" PRIu64
					" vCPUs but the core has %zu register notes per set", cpus, seen);
		}
	}
}

/* ---- kdump-compressed files --------------------------------------------------------- */

#define KD_FINDINGS_PER_ID 16 /* then one line says how many more */

struct kd_count {
	const char *id;
	uint64_t n;
};

/* A finding of a per-page rule, the first KD_FINDINGS_PER_ID of each. */
static bool kd_more(struct kd_count *cnt)
{
	return ++cnt->n <= KD_FINDINGS_PER_ID;
}

static void kd_summary(struct vctx *v, const struct kd_count *cnt)
{
	if (cnt->n > KD_FINDINGS_PER_ID)
		finding(v, ERR, cnt->id, 0, "and %" PRIu64 " more pages like it", cnt->n - KD_FINDINGS_PER_ID);
}

/* The VMCOREINFO the sub header points to: inside the notes, the
 * descriptor of a VMCOREINFO note, and lines of KEY=VALUE. */
static void check_kd_vmcoreinfo(struct vctx *v)
{
	const struct guestcore_core *c = v->c;
	struct kd_file *k = c->kd;
	const struct gc_rnote *note = NULL;
	unsigned char *t;

	if (!k->offset_vmcoreinfo && !k->size_vmcoreinfo) {
		finding(v, INFO, "kdump.vmcoreinfo", k->sub_offset, "no VMCOREINFO: crash needs the kernel's debug "
			"information, and makedumpfile cannot filter the file");
		return;
	}
	if (k->size_vmcoreinfo > (1u << 20) || k->offset_vmcoreinfo > k->logical_size ||
	    k->size_vmcoreinfo > k->logical_size - k->offset_vmcoreinfo) {
		finding(v, ERR, "kdump.vmcoreinfo", k->sub_offset, "VMCOREINFO (0x%" PRIx64 " bytes at 0x%" PRIx64 ") "
			"is not inside the file", k->size_vmcoreinfo, k->offset_vmcoreinfo);
		return;
	}
	for (size_t i = 0; i < c->n_notes; i++)
		if (c->notes[i].desc_offset == k->offset_vmcoreinfo && strcmp(c->notes[i].name, "VMCOREINFO") == 0)
			note = &c->notes[i];
	if (!note)
		finding(v, WARN, "kdump.vmcoreinfo", k->sub_offset, "the sub header's VMCOREINFO at 0x%" PRIx64 " is not "
			"the descriptor of a VMCOREINFO note", k->offset_vmcoreinfo);
	else if (note->descsz != k->size_vmcoreinfo)
		finding(v, ERR, "kdump.vmcoreinfo", k->sub_offset, "the sub header says VMCOREINFO holds 0x%" PRIx64
			" bytes, its note 0x%x", k->size_vmcoreinfo, note->descsz);
	t = malloc(k->size_vmcoreinfo ? k->size_vmcoreinfo : 1);
	if (!t)
		return;
	if (kd_pread(k, t, k->size_vmcoreinfo, k->offset_vmcoreinfo) == 0) {
		struct gc_vmci_lines ls;
		uint64_t at;

		gc_vmci_lines(t, (size_t)k->size_vmcoreinfo, &ls);
		at = k->offset_vmcoreinfo + ls.at;
		if (ls.bad == GC_VMCI_NOT_KV)
			finding(v, ERR, "kdump.vmcoreinfo", at, "VMCOREINFO line %" PRIu64 " is not KEY=VALUE", ls.line);
		else if (ls.bad == GC_VMCI_UNPRINTABLE)
			finding(v, ERR, "kdump.vmcoreinfo", at, "VMCOREINFO line %" PRIu64 " holds a byte that is not "
				"printable", ls.line);
		else if (ls.bad == GC_VMCI_NUL)
			finding(v, ERR, "kdump.vmcoreinfo", k->offset_vmcoreinfo, "VMCOREINFO holds a NUL byte before its end");
		else if (!ls.osrelease)
			finding(v, WARN, "kdump.vmcoreinfo", k->offset_vmcoreinfo, "VMCOREINFO has no OSRELEASE line");
	}
	free(t);
}

static void check_kdump(struct vctx *v)
{
	const struct guestcore_core *c = v->c;
	struct kd_file *k = c->kd;
	struct kd_count c_flags = { "kdump.desc.flags", 0 }, c_size = { "kdump.desc.size", 0 },
			c_bounds = { "kdump.desc.bounds", 0 }, c_page = { "kdump.page", 0 };
	uint64_t data_start = k->desc_offset + k->n_dumpable * KD_DESC_SIZE, idx = 0, by_flag[6] = { 0 };
	uint64_t last_off = UINT64_MAX, last_size = 0, last_flags = 0, shared = 0;
	unsigned char *page = malloc(k->block_size);

	if (k->header_version != KD_HEADER_VERSION)
		finding(v, INFO, "kdump.header", KD_H_VERSION, "header version %u: the fields of version 6 (64-bit "
			"page frame numbers) are not there", k->header_version);
	if (k->status & KD_COMPRESSED_INCOMPLETE)
		finding(v, ERR, "kdump.incomplete", 0, "the header marks the dump incomplete: the writer ran out of "
			"room and pages are missing");
	if (k->status & ~(KD_COMPRESSED_MASK | KD_COMPRESSED_INCOMPLETE | KD_EXCLUDED_VMEMMAP))
		finding(v, WARN, "kdump.header", 0, "the header's status 0x%x has bits guestcore does not know",
			k->status);
	if (k->offset_note || k->size_note) {
		/* makedumpfile's place, or behind the descriptors among the page
		 * data (where guestcore puts the notes of a source that pushes
		 * its memory, known only after it). */
		bool in_sub = k->offset_note >= k->sub_offset + k->sub_size && k->offset_note <= k->bitmap_offset &&
			      k->size_note <= k->bitmap_offset - k->offset_note;
		bool behind = k->offset_note >= data_start;

		if (!in_sub && !behind)
			finding(v, ERR, "kdump.notes", k->sub_offset, "the notes (0x%" PRIx64 " bytes at 0x%" PRIx64 ") do "
				"not lie between the sub header and the bitmaps at 0x%" PRIx64 " nor behind the page "
				"descriptors", k->size_note, k->offset_note, k->bitmap_offset);
	} else if (k->header_version >= 4) {
		finding(v, WARN, "kdump.notes", k->sub_offset, "the file has no notes: no registers are recorded");
	}
	if (k->nr_cpus < 0)
		finding(v, ERR, "kdump.header", 0, "nr_cpus is %d", k->nr_cpus);
	check_kd_vmcoreinfo(v);
	if (!page)
		return;
	for (uint64_t pfn = 0; pfn < k->max_mapnr; pfn++) {
		struct kd_desc d;
		uint64_t at;
		uint32_t fl;
		int r;

		if (!kd_bit(k->bm2, pfn))
			continue;
		at = k->desc_offset + idx * KD_DESC_SIZE;
		if (kd_desc_at(k, idx++, &d) < 0)
			break; /* kdump.desc.bounds was reported at open */
		fl = d.flags & KD_COMPRESSED_MASK;
		if ((d.flags & ~KD_COMPRESSED_MASK) || (fl & (fl - 1))) {
			if (kd_more(&c_flags))
				finding(v, ERR, "kdump.desc.flags", at + KD_D_FLAGS, "page frame 0x%" PRIx64 ": descriptor flags "
					"0x%x name no one compression", pfn, d.flags);
			continue;
		}
		if (d.size == 0 || d.size > k->block_size || (!fl && d.size != k->block_size)) {
			if (kd_more(&c_size))
				finding(v, ERR, "kdump.desc.size", at + KD_D_SIZE, "page frame 0x%" PRIx64 ": its descriptor "
					"says %u bytes %s", pfn, d.size, fl ? "of compressed data (1 to a page)" :
					"stored as they are (a page)");
			continue;
		}
		if (d.offset < data_start || d.offset > k->logical_size || d.size > k->logical_size - d.offset) {
			if (kd_more(&c_bounds))
				finding(v, ERR, "kdump.desc.bounds", at, "page frame 0x%" PRIx64 ": its %u bytes at 0x%" PRIx64
					" are not in the page data (0x%" PRIx64 " to 0x%" PRIx64 ")", pfn, d.size, d.offset,
					data_start, k->logical_size);
			continue;
		}
		by_flag[fl == KD_COMPRESSED_ZLIB ? 1 : fl == KD_COMPRESSED_LZO ? 2 : fl == KD_COMPRESSED_SNAPPY ? 3
			: fl == KD_COMPRESSED_ZSTD ? 4 : 0]++;
		if (d.offset == last_off && d.size == last_size && d.flags == last_flags) {
			shared++; /* the same data as the page before (the shared zero page) */
			continue;
		}
		r = kd_pread(k, k->cbuf, d.size, d.offset);
		if (r == 0)
			r = kd_decompress(&k->dc, d.flags, k->cbuf, d.size, page, k->block_size);
		if (r < 0) {
			if (kd_more(&c_page))
				finding(v, ERR, "kdump.page", d.offset, "page frame 0x%" PRIx64 ": its %u bytes of %s data do "
					"not come out as exactly one page", pfn, d.size, kd_compression_name(fl));
			continue;
		}
		last_off = d.offset;
		last_size = d.size;
		last_flags = d.flags;
	}
	kd_summary(v, &c_flags);
	kd_summary(v, &c_size);
	kd_summary(v, &c_bounds);
	kd_summary(v, &c_page);
	finding(v, INFO, "kdump.pages", k->desc_offset, "%" PRIu64 " page frames present, %" PRIu64 " dumped: %"
		PRIu64 " zstd, %" PRIu64 " zlib, %" PRIu64 " lzo, %" PRIu64 " snappy, %" PRIu64 " stored as they are; %"
		PRIu64 " share the data of the page before", k->n_present, k->n_dumpable, by_flag[4], by_flag[1],
		by_flag[2], by_flag[3], by_flag[0], shared);
	free(page);
}

GUESTCORE_API int guestcore_core_validate(const struct guestcore_core *c, int profile, guestcore_finding_fn report,
					  void *ud)
{
	struct vctx v = { .c = c, .profile = profile, .report = report, .ud = ud };

	if (!c)
		return -EINVAL;
	v.hash_budget = 2 * c->info.file_size + (1u << 20);
	v.hashed = calloc(c->n_ph / 8 + 1, 1);
	if (c->kd) {
		check_kdump(&v);
	} else {
		check_header(&v);
		check_xnum(&v);
		check_loads(&v);
	}
	check_notes(&v);
	if (!c->kd)
		check_vaddrs(&v);
	free(v.hashed);
	return v.errors;
}
