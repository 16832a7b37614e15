/* A Linux kernel's own symbol table (kallsyms) in guest memory: symbols'
 * addresses by name.  The caller says where its tables are (VMCOREINFO
 * does, since Linux 6.0) and reads the kernel's virtual addresses. */
#ifndef GUESTCORE_KALLSYMS_H
#define GUESTCORE_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* The kernel's virtual addresses of its tables. */
struct gc_ksyms_tables {
	uint64_t names, num_syms, token_table, token_index, offsets, relative_base;
	bool absolute_percpu; /* CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64) */
};
/* Reads of the kernel's virtual addresses: READ gives LEN bytes at VA, 0 or
 * a negative errno. */
struct gc_kva_read {
	int (*read)(void *ctx, uint64_t va, void *buf, size_t len);
	void *ctx;
};
/* The virtual addresses of the symbols NAMES[0..N), in one pass over the
 * tables T read by RD: RET[i] is 0 for a name not found; returns how many
 * were.  Every count and length read is bounded. */
GC_HIDDEN size_t gc_kallsyms_lookup(const struct gc_ksyms_tables *t, const struct gc_kva_read *rd,
				    const char *const *names, size_t n, uint64_t *ret);

#endif
