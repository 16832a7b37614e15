/* A Linux kernel's VMCOREINFO text, parsed in one place for the dump (the
 * note it writes, a text found in guest memory or given in a file) and the
 * validator (the note a kdump file's sub header points to): lines of
 * KEY=VALUE, each ended by '\n', printable. */
#ifndef GUESTCORE_VMCI_H
#define GUESTCORE_VMCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define GC_VMCI_MAX_TEXT (1u << 20) /* what a file or a source may give */

enum gc_vmci_bad {
	GC_VMCI_GOOD = 0,
	GC_VMCI_NOT_KV,       /* a line without '=', or with an empty key */
	GC_VMCI_UNPRINTABLE,  /* a byte outside 0x20-0x7e in a line */
	GC_VMCI_NUL,          /* a NUL before the end (NULs at the end are allowed) */
	GC_VMCI_EMPTY,        /* no line at all */
};

struct gc_vmci_lines {
	enum gc_vmci_bad bad; /* the first problem */
	uint64_t line;        /* its line, from 1 */
	size_t at;            /* its byte offset */
	size_t len;           /* the text's bytes without the NULs at its end */
	bool osrelease;       /* a non-empty OSRELEASE= line */
	bool pagesize;        /* a PAGESIZE= line */
};

/* Every line of the LEN bytes at TEXT checked, into *RET. */
GC_HIDDEN void gc_vmci_lines(const unsigned char *text, size_t len, struct gc_vmci_lines *ret);
/* The value of the line KEY=..., as text (OUTSZ bytes at most, NUL
 * included) or a number in BASE (0: C's prefixes). */
GC_HIDDEN bool gc_vmci_value(const unsigned char *text, size_t len, const char *key, char *out, size_t outsz);
GC_HIDDEN bool gc_vmci_number(const unsigned char *text, size_t len, const char *key, int base, uint64_t *ret);

/* utsname's machine for an ELF machine, NULL when guestcore knows none. */
GC_HIDDEN const char *gc_machine_text(uint16_t machine);
/* SIZE is a page size of MACHINE's kernels (of any, for a machine guestcore
 * does not know: a power of two from 4 KiB to 1 MiB). */
GC_HIDDEN bool gc_machine_page_size(uint16_t machine, uint64_t size);
/* The note set a dump of a MACHINE guest writes when none is named. */
GC_HIDDEN const char *gc_machine_default_notes(uint16_t machine);
/* The physical address MACHINE's kernel's linear map starts from (a kdump
 * file's phys_base: NUMBER(phys_base) on x86, NUMBER(PHYS_OFFSET) on
 * aarch64), from its VMCOREINFO; false (and 0) where it does not say. */
GC_HIDDEN bool gc_machine_phys_base(uint16_t machine, const unsigned char *vmci, size_t len, uint64_t *ret);
/* guestcore knows where MACHINE's kernels map their image. */
GC_HIDDEN bool gc_machine_maps_kernel(uint16_t machine);
/* The guest-physical address of VADDR in the kernel image of MACHINE (its
 * phys_base from VMCOREINFO): false where the machine's map is not known. */
GC_HIDDEN bool gc_kernel_image_phys(uint16_t machine, const unsigned char *vmci, size_t len, uint64_t vaddr,
				    uint64_t *ret);
/* SIZE bytes of kernel virtual addresses from VADDR are the guest-physical
 * ones from PADDR. */
struct gc_kernel_window {
	uint64_t vaddr, paddr, size;
};
/* Guest-physical reads for what VMCOREINFO points to in guest memory:
 * READ gives LEN bytes at PA, 0 or a negative errno. */
struct gc_kread {
	int (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
	void *ctx;
};
/* Where the kernel maps itself and RAM, as far as VMCOREINFO and what it
 * points to in memory (read by RD; NULL: VMCOREINFO alone) say:
 * - the image (image_set): [_text, _end) where the kernel's kallsyms gives
 *   them, else by the machine's rule (x86_64: from the 2 MiB page of
 *   _stext to the end of KERNEL_IMAGE_SIZE; aarch64: from _stext's page to
 *   the page past the image's last SYMBOL()); vmci.c's table says why;
 * - the direct map of RAM (direct_set): aarch64's PAGE_OFFSET from
 *   NUMBER(VA_BITS), for NUMBER(PHYS_OFFSET); x86_64's page_offset_base,
 *   found through kallsyms and read, for physical 0. */
enum gc_image_rule { GC_IMAGE_KALLSYMS = 1, GC_IMAGE_TABLE = 2 };
enum gc_direct_rule { GC_DIRECT_VA_BITS = 1, GC_DIRECT_VARIABLE = 2 };
struct gc_kernel_map {
	bool image_set, direct_set;
	struct gc_kernel_window image, direct;
	uint32_t image_rule, direct_rule; /* how each was found (schemas/guestcore.xml) */
	uint64_t direct_var;              /* GC_DIRECT_VARIABLE: the variable's virtual address */
};
GC_HIDDEN void gc_kernel_map(uint16_t machine, const unsigned char *vmci, size_t len, const struct gc_kread *rd,
			     struct gc_kernel_map *ret);
/* The guest-physical address of the kernel virtual address VADDR, in KM's
 * direct map or the kernel image: false where VMCOREINFO does not say. */
GC_HIDDEN bool gc_kernel_phys(uint16_t machine, const unsigned char *vmci, size_t len, const struct gc_kernel_map *km,
			      uint64_t vaddr, uint64_t *ret);
#endif
