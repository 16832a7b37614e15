/* VMCOREINFO text: its lines checked, the value of one key, and what it
 * says of the kernel per machine (one table). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"
#include "vmci.h"

void gc_vmci_lines(const unsigned char *text, size_t len, struct gc_vmci_lines *ret)
{
	const char *t = (const char *)text;
	size_t n = len, pos = 0;
	uint64_t line = 0;

	*ret = (struct gc_vmci_lines){ 0 };
	while (n && t[n - 1] == '\0')
		n--;
	ret->len = n;
	if (n == 0) {
		ret->bad = GC_VMCI_EMPTY;
		return;
	}
	while (pos < n) {
		const char *l = t + pos, *nl = memchr(l, '\n', n - pos), *eq;
		size_t ll = nl ? (size_t)(nl - l) : n - pos;

		line++;
		for (size_t j = 0; j < ll; j++)
			if (!(l[j] >= 0x20 && l[j] < 0x7f)) {
				ret->bad = l[j] == '\0' ? GC_VMCI_NUL : GC_VMCI_UNPRINTABLE;
				ret->line = line;
				ret->at = pos + j;
				return;
			}
		eq = memchr(l, '=', ll);
		if (ll && (!eq || eq == l)) {
			ret->bad = GC_VMCI_NOT_KV;
			ret->line = line;
			ret->at = pos;
			return;
		}
		ret->osrelease = ret->osrelease || (ll > 10 && memcmp(l, "OSRELEASE=", 10) == 0);
		ret->pagesize = ret->pagesize || (ll > 9 && memcmp(l, "PAGESIZE=", 9) == 0);
		pos += ll + 1;
	}
}

bool gc_vmci_value(const unsigned char *text, size_t len, const char *key, char *out, size_t outsz)
{
	const char *t = (const char *)text, *end = t + len;
	size_t kl = strlen(key);

	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);

		if (l > kl && memcmp(t, key, kl) == 0 && t[kl] == '=') {
			size_t v = l - kl - 1 < outsz - 1 ? l - kl - 1 : outsz - 1;
			memcpy(out, t + kl + 1, v);
			out[v] = '\0';
			return true;
		}
		t += l + 1;
	}
	return false;
}

bool gc_vmci_number(const unsigned char *text, size_t len, const char *key, int base, uint64_t *ret)
{
	char v[32], *e;

	if (!gc_vmci_value(text, len, key, v, sizeof(v)) || !v[0])
		return false;
	errno = 0;
	*ret = strtoull(v, &e, base);
	return errno == 0 && *e == '\0';
}

/* ---- what VMCOREINFO says of the kernel, per machine ------------------------------ */

/* Per machine: utsname's name for it, the page sizes its kernels are built
 * with, and where the kernel image is mapped, in one of two ways:
 * - at a fixed map (x86_64's __START_KERNEL_map): a kernel virtual address
 *   VA of the image is at guest-physical VA - map + phys_base, and the
 *   mapping is linear over KERNEL_IMAGE_SIZE bytes (image_size when
 *   VMCOREINFO does not say) from map;
 * - where the map moves (arm64's KASLR), at VA - the voffset key's value
 *   (kimage_voffset, __pa_symbol), and only over the image itself, whose
 *   end VMCOREINFO does not give: every SYMBOL() there but a pointer's
 *   value (mem_section's, in the linear map) is the address of a kernel
 *   variable, inside the image, so the mapping is taken to the page past
 *   the last of them less than image_size beyond _stext.
 * Either way the image's mapping is taken from the image_align page of
 * _stext.  Then the line of VMCOREINFO that gives the physical address the
 * kernel's linear map starts from (a kdump file's phys_base); where the
 * linear map (the direct map of RAM) begins, where VMCOREINFO says it: the
 * key of the kernel's VA bits, whose PAGE_OFFSET -(1 << VA_BITS) maps
 * phys_base over the lower half of the kernel's addresses (arm64), or the
 * kernel variable that holds PAGE_OFFSET, for physical 0, found through
 * the kernel's kallsyms (x86_64's page_offset_base, which KASLR moves; the
 * direct map spans 2^46 bytes, 2^52 with 5-level paging); how kallsyms
 * gives per-cpu symbols (absolute: x86_64); and the note set a dump writes
 * when none is named. */
static const struct {
	uint16_t machine;
	const char *name;
	uint32_t page_sizes[3];
	uint64_t map;        /* __START_KERNEL_map */
	uint64_t image_size; /* KERNEL_IMAGE_SIZE without KASLR; where the map moves, the largest image */
	uint64_t image_align;
	const char *phys_base; /* VMCOREINFO's key */
	const char *voffset;   /* or the key of the image's VA - PA, where the map moves */
	const char *va_bits;   /* the key of the VA bits PAGE_OFFSET comes from */
	const char *page_offset_var; /* or the variable that holds it */
	bool absolute_percpu;  /* CONFIG_KALLSYMS_ABSOLUTE_PERCPU */
	const char *notes;     /* the default note set */
} machines[] = {
	{ EM_X86_64, "x86_64", { 4096 }, 0xffffffff80000000ull, 512ull << 20, 2ull << 20, "NUMBER(phys_base)", NULL,
	  NULL, "page_offset_base", true, "vbox" },
	{ EM_386, "i386", { 4096 }, 0, 0, 0, "NUMBER(phys_base)", NULL, NULL, NULL, false, "vbox" },
	{ EM_AARCH64, "aarch64", { 4096, 16384, 65536 }, 0, 512ull << 20, 4096, "NUMBER(PHYS_OFFSET)",
	  "NUMBER(kimage_voffset)", "NUMBER(VA_BITS)", NULL, false, "qemu" },
	{ EM_PPC64, "ppc64", { 4096, 65536 }, 0, 0, 0, NULL, NULL, NULL, NULL, false, NULL },
	{ EM_S390, "s390x", { 4096 }, 0, 0, 0, NULL, NULL, NULL, NULL, false, NULL },
	{ EM_RISCV, "riscv64", { 4096 }, 0, 0, 0, NULL, NULL, NULL, NULL, false, NULL },
};

static int machine_index(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].machine == machine)
			return (int)i;
	return -1;
}

const char *gc_machine_text(uint16_t machine)
{
	int m = machine_index(machine);

	return m < 0 ? NULL : machines[m].name;
}

bool gc_machine_page_size(uint16_t machine, uint64_t size)
{
	int m = machine_index(machine);

	if (m < 0)
		return size >= 4096 && size <= (1u << 20) && (size & (size - 1)) == 0;
	for (size_t i = 0; i < 3 && machines[m].page_sizes[i]; i++)
		if (size == machines[m].page_sizes[i])
			return true;
	return false;
}

const char *gc_machine_default_notes(uint16_t machine)
{
	int m = machine_index(machine);

	return m < 0 || !machines[m].notes ? "vbox" : machines[m].notes;
}

bool gc_machine_phys_base(uint16_t machine, const unsigned char *vmci, size_t len, uint64_t *ret)
{
	int m = machine_index(machine);

	*ret = 0;
	return m >= 0 && machines[m].phys_base && gc_vmci_number(vmci, len, machines[m].phys_base, 0, ret);
}

bool gc_machine_maps_kernel(uint16_t machine)
{
	int m = machine_index(machine);

	return m >= 0 && (machines[m].map || machines[m].voffset);
}

bool gc_kernel_image_phys(uint16_t machine, const unsigned char *vmci, size_t len, uint64_t vaddr, uint64_t *ret)
{
	int m = machine_index(machine);
	uint64_t phys_base = 0, voffset;

	if (m >= 0 && machines[m].voffset) {
		if (!gc_vmci_number(vmci, len, machines[m].voffset, 0, &voffset) || vaddr < voffset)
			return false;
		*ret = vaddr - voffset; /* arm64's __pa_symbol */
		return true;
	}
	if (m < 0 || !machines[m].map || vaddr < machines[m].map)
		return false;
	gc_machine_phys_base(machine, vmci, len, &phys_base);
	*ret = vaddr - machines[m].map + phys_base;
	return true;
}

/* Where the map moves: the page past the last SYMBOL() in [STEXT, LIMIT). */
static uint64_t last_symbol_page(const unsigned char *vmci, size_t len, uint64_t stext, uint64_t limit,
				 uint64_t page)
{
	const char *t = (const char *)vmci, *end = t + len;
	uint64_t last = 0;

	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);
		const char *eq = memchr(t, '=', l);

		if (eq && l > 7 && memcmp(t, "SYMBOL(", 7) == 0 && eq[-1] == ')') {
			char v[24], *e;
			size_t vl = (size_t)(t + l - eq - 1);
			uint64_t a;

			if (vl && vl < sizeof(v)) {
				memcpy(v, eq + 1, vl);
				v[vl] = '\0';
				errno = 0;
				a = strtoull(v, &e, 16);
				if (errno == 0 && *e == '\0' && a >= stext && a < limit && a > last)
					last = a;
			}
		}
		t += l + 1;
	}
	return last ? (last / page + 1) * page : 0;
}

/* The image's mapping by the table's rule (no kallsyms). */
static bool image_by_table(int m, const unsigned char *vmci, size_t len, uint64_t stext, struct gc_kernel_window *ret)
{
	uint64_t phys_base, size, vstart, vend, voffset;

	vstart = stext / machines[m].image_align * machines[m].image_align;
	if (machines[m].voffset) {
		if (!gc_vmci_number(vmci, len, machines[m].voffset, 0, &voffset) || vstart < voffset ||
		    stext > UINT64_MAX - machines[m].image_size)
			return false;
		vend = last_symbol_page(vmci, len, stext, stext + machines[m].image_size, machines[m].image_align);
		if (vend <= vstart)
			return false;
		*ret = (struct gc_kernel_window){ .vaddr = vstart, .paddr = vstart - voffset, .size = vend - vstart };
		return ret->paddr <= UINT64_MAX - ret->size;
	}
	if (!gc_machine_phys_base(machines[m].machine, vmci, len, &phys_base))
		return false;
	if (!gc_vmci_number(vmci, len, "NUMBER(KERNEL_IMAGE_SIZE)", 0, &size))
		size = machines[m].image_size;
	if (vstart < machines[m].map || size > UINT64_MAX - machines[m].map || vstart >= machines[m].map + size)
		return false;
	vend = machines[m].map + size;
	ret->vaddr = vstart;
	ret->paddr = vstart - machines[m].map + phys_base; /* modulo 2^64, as the kernel's __pa_symbol */
	ret->size = vend - vstart;
	return ret->paddr <= UINT64_MAX - ret->size;
}

/* The direct map where VA_BITS says where it is (no kallsyms). */
static bool direct_by_bits(int m, const unsigned char *vmci, size_t len, struct gc_kernel_window *ret)
{
	uint64_t bits, phys_base;

	if (!machines[m].va_bits || !gc_vmci_number(vmci, len, machines[m].va_bits, 0, &bits) || bits < 36 ||
	    bits > 52 || !gc_machine_phys_base(machines[m].machine, vmci, len, &phys_base))
		return false;
	*ret = (struct gc_kernel_window){ .vaddr = -(1ull << bits), .paddr = phys_base, .size = 1ull << (bits - 1) };
	return phys_base <= UINT64_MAX - ret->size;
}

/* The direct map from the value of the variable that holds PAGE_OFFSET,
 * at VAR: 1 GiB-aligned (KASLR moves it by PUDs), above the user half and
 * below the kernel's text map. */
static bool direct_by_var(int m, const unsigned char *vmci, size_t len, const struct gc_kread *rd, uint64_t var,
			  struct gc_kernel_window *ret)
{
	unsigned char v[8];
	uint64_t pa, l5 = 0, po = 0;

	if (!gc_kernel_image_phys(machines[m].machine, vmci, len, var, &pa) || rd->read(rd->ctx, pa, v, 8) != 0)
		return false;
	for (int i = 7; i >= 0; i--)
		po = po << 8 | v[i];
	if (po % (1ull << 30) != 0 || po < 0xff00000000000000ull || po >= machines[m].map)
		return false;
	gc_vmci_number(vmci, len, "NUMBER(pgtable_l5_enabled)", 0, &l5);
	*ret = (struct gc_kernel_window){ .vaddr = po, .paddr = 0, .size = 1ull << (l5 == 1 ? 52 : 46) };
	if (ret->size > machines[m].map - po)
		ret->size = machines[m].map - po;
	return true;
}

/* The kernel image's virtual addresses read through RD (guest-physical). */
struct image_read {
	uint16_t machine;
	const unsigned char *vmci;
	size_t len;
	const struct gc_kread *rd;
};

static int image_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct image_read *ir = ctx;
	uint64_t pa;

	if (!gc_kernel_image_phys(ir->machine, ir->vmci, ir->len, va, &pa))
		return -ERANGE;
	return ir->rd->read(ir->rd->ctx, pa, buf, len);
}

/* The symbols NAMES[0..N) from the kernel's kallsyms where VMCOREINFO says
 * where its tables are: how many were found (RET[i] 0: not). */
static size_t kallsyms(int m, const unsigned char *vmci, size_t len, const struct gc_kread *rd,
		       const char *const *names, size_t n, uint64_t *ret)
{
	const struct image_read ir = { machines[m].machine, vmci, len, rd };
	const struct gc_kva_read kr = { image_read, (void *)&ir };
	struct gc_ksyms_tables t = { .absolute_percpu = machines[m].absolute_percpu };

	for (size_t j = 0; j < n; j++)
		ret[j] = 0;
	if (!gc_vmci_number(vmci, len, "SYMBOL(kallsyms_names)", 16, &t.names) ||
	    !gc_vmci_number(vmci, len, "SYMBOL(kallsyms_num_syms)", 16, &t.num_syms) ||
	    !gc_vmci_number(vmci, len, "SYMBOL(kallsyms_token_table)", 16, &t.token_table) ||
	    !gc_vmci_number(vmci, len, "SYMBOL(kallsyms_token_index)", 16, &t.token_index) ||
	    !gc_vmci_number(vmci, len, "SYMBOL(kallsyms_offsets)", 16, &t.offsets) ||
	    !gc_vmci_number(vmci, len, "SYMBOL(kallsyms_relative_base)", 16, &t.relative_base))
		return 0;
	return gc_kallsyms_lookup(&t, &kr, names, n, ret);
}

void gc_kernel_map(uint16_t machine, const unsigned char *vmci, size_t len, const struct gc_kread *rd,
		   struct gc_kernel_map *ret)
{
	int m = machine_index(machine);
	const char *names[3] = { "_text", "_end", NULL };
	uint64_t at[3] = { 0 }, stext, pa;
	size_t n = 2;

	*ret = (struct gc_kernel_map){ 0 };
	if (!gc_machine_maps_kernel(machine) || !gc_vmci_number(vmci, len, "SYMBOL(_stext)", 16, &stext))
		return;
	if (machines[m].page_offset_var)
		names[n++] = machines[m].page_offset_var;
	if (rd)
		kallsyms(m, vmci, len, rd, names, n, at);
	/* The image as /proc/vmcore has it, [_text, _end), where kallsyms
	 * says (an image of at most image_size); else by the table's rule. */
	if (at[0] && at[1] > at[0] && at[0] <= stext && stext < at[1] && at[1] - at[0] <= machines[m].image_size &&
	    gc_kernel_image_phys(machine, vmci, len, at[0], &pa) && pa <= UINT64_MAX - (at[1] - at[0])) {
		ret->image = (struct gc_kernel_window){ .vaddr = at[0], .paddr = pa, .size = at[1] - at[0] };
		ret->image_set = true;
		ret->image_rule = GC_IMAGE_KALLSYMS;
	} else {
		ret->image_set = image_by_table(m, vmci, len, stext, &ret->image);
		ret->image_rule = GC_IMAGE_TABLE;
	}
	if (machines[m].page_offset_var) {
		ret->direct_set = at[2] && direct_by_var(m, vmci, len, rd, at[2], &ret->direct);
		ret->direct_rule = GC_DIRECT_VARIABLE;
		ret->direct_var = at[2];
	} else {
		ret->direct_set = direct_by_bits(m, vmci, len, &ret->direct);
		ret->direct_rule = GC_DIRECT_VA_BITS;
	}
}

bool gc_kernel_phys(uint16_t machine, const unsigned char *vmci, size_t len, const struct gc_kernel_map *km,
		    uint64_t vaddr, uint64_t *ret)
{
	const struct gc_kernel_window *lm = &km->direct;

	if (km->direct_set && vaddr >= lm->vaddr && vaddr - lm->vaddr < lm->size) {
		*ret = vaddr - lm->vaddr + lm->paddr;
		return true;
	}
	return gc_kernel_image_phys(machine, vmci, len, vaddr, ret);
}
