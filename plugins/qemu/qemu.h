/* The qemu plugin's parts: the parsers of the monitor's text (parse.c,
 * shared with the unit test and the fuzz target) and the memory source
 * (source.c). */
#ifndef GUESTCORE_QEMU_SOURCE_H
#define GUESTCORE_QEMU_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guestcore/plugin.h>

#define QS_MAX_CPUS 4096

struct qs_range_sink {
	void (*add)(struct qs_range_sink *sink, uint64_t start, uint64_t len, int rom, const char *name,
		    bool has_offset, uint64_t offset);
};

struct qs_cpu_sink {
	void (*set)(struct qs_cpu_sink *sink, int cpu, const char *name, uint64_t value);
};

/* RAM and ROM ranges of the system address space's flat view, ascending.
 * -ENOENT when the text has no such view. */
int qs_parse_mtree(const char *text, struct qs_range_sink *sink);
/* Registers of every "CPU#N" block, by vocabulary name. */
int qs_parse_registers(const char *text, struct qs_cpu_sink *sink);

struct qstream;
struct su_regs;
/* vCPU CPU's registers from the stream's "cpu" and "apic" sections
 * (vmstate.c), and an XSAVE image of its FPU state (malloc'ed, may be NULL).
 * -ENOENT when the stream has no such vCPU. */
int qs_cpu_from_stream(const struct qstream *st, uint32_t cpu, struct su_regs *regs, unsigned char **ret_xsave,
		       size_t *ret_xsave_len);
/* Where the guest put its VMCOREINFO ELF note, when the stream has a
 * "vmcoreinfo" device that holds one. */
bool qs_vmcoreinfo_from_stream(const struct qstream *st, uint64_t *ret_paddr, uint32_t *ret_size);
/* One ELF note (little-endian header, 4-byte padding) of LEN bytes at P, as
 * a guest wrote it: 0 with its parts, -EPROTO when its sizes reach past LEN
 * or its name is not a string of at most 63 bytes. */
int qs_parse_note(const unsigned char *p, size_t len, const char **ret_name, uint32_t *ret_type,
		  const unsigned char **ret_desc, uint32_t *ret_descsz);

extern const struct guestcore_memory_source_ops qemu_source_ops;

#endif
