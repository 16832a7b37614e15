/* The qemu plugin's parts: the parsers of the monitor's text (parse.c,
 * shared with the unit test and the fuzz target) and the memory source
 * (source.c). */
#ifndef GUESTCORE_QEMU_SOURCE_H
#define GUESTCORE_QEMU_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guestcore/plugin.h>

#include "source_util.h"

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

#define QS_VMCOREINFO_MAX (1u << 20)
#define QS_BAD_VMCOREINFO "the guest's VMCOREINFO note is malformed (its sizes reach past it or its name is not " \
	"a string): left out"

/* A vCPU as a stream or QEMU's notes gave it. */
struct qs_cpu {
	struct su_regs regs;
	unsigned char *bytes;  /* the machine's byte register (reg.xsave, reg.vregs) from the stream, or NULL */
	size_t bytes_len;
};

/* How the stream gives one vCPU's registers: into REGS, and the machine's
 * byte register (malloc'ed, may be NULL).  -ENOENT when the stream has no
 * such vCPU. */
typedef int qs_cpu_reader(const struct qstream *st, uint32_t cpu, struct su_regs *regs, unsigned char **ret_bytes,
			  size_t *ret_len);

/* One of QEMU's target architectures (vmstate.c): query-target's name, the
 * ELF machine, and how its "cpu" sections are read.  Another architecture
 * is a row of that table. */
struct qs_arch {
	const char *target;
	uint16_t machine;
	const char *bytes_name; /* the byte register its reader gives */
	const char *size_name;  /* the register that holds its bytes in use, or NULL */
	const char *probe;      /* a field only its cpu sections have (Arm's have env.regs too) */
	qs_cpu_reader *cpu;
	/* The notes of QEMU's own dump that hold its registers, one of each
	 * per vCPU, decoded by their layouts (the paused guest's way). */
	struct {
		const char *name;
		uint32_t type;
	} notes[2];
};
/* The row of QEMU's target TARGET ("x86_64", "aarch64"), of MACHINE, or of
 * the architecture whose cpu sections the stream has; NULL when none. */
const struct qs_arch *qs_arch_of_target(const char *target);
const struct qs_arch *qs_arch_of_machine(uint16_t machine);
const struct qs_arch *qs_arch_of_stream(const struct qstream *st);

/* What both sources of this plugin know of the guest besides its memory:
 * the vCPUs' registers and the VMCOREINFO note the guest published. */
struct qs_guest {
	uint16_t machine;      /* EM_X86_64 when 0 */
	struct qs_cpu *cpus;
	uint32_t n_cpus;
	unsigned char *vmcoreinfo; /* the note, whole */
	size_t vmcoreinfo_len;
};

/* Make room for vCPU CPU: 0 or -ENOMEM. */
int qs_guest_grow(struct qs_guest *g, uint32_t cpu);
/* The registers of vCPUs 0 to g->n_cpus - 1 (as the source announced
 * them) from the stream's sections; how many "cpu" sections it has in
 * *RET_FOUND (a mismatch is the caller's to say). */
int qs_guest_from_stream(struct qs_guest *g, const struct qstream *st, uint32_t *ret_found);
/* The VMCOREINFO note the stream's "vmcoreinfo" device points to, read
 * back as the core holds it (from RANGES with a file, else from SINK): 0,
 * 1 when it is left out (WHY says so, for a warning), or a negative
 * errno. */
int qs_guest_vmcoreinfo(struct qs_guest *g, const struct qstream *st, const struct guestcore_range *ranges,
			size_t n_ranges, struct guestcore_memory_sink *sink, char *why, size_t why_len);
/* Keep the note only if it is well formed (false: dropped). */
bool qs_guest_keep_vmcoreinfo(struct qs_guest *g);
/* The source's get_register, get_register_bytes ("reg.xsave", "reg.vregs") and
 * get_note (the VMCOREINFO note) over G. */
int qs_guest_register(const struct qs_guest *g, uint32_t cpu, const char *name, uint64_t *ret);
int qs_guest_register_bytes(const struct qs_guest *g, uint32_t cpu, const char *name, const void **ret_data,
			    size_t *ret_len);
int qs_guest_note(const struct qs_guest *g, uint64_t i, struct guestcore_source_note *ret);
void qs_guest_free(struct qs_guest *g);
/* An x86 vCPU's registers from the stream's "cpu" and "apic" sections
 * (vmstate.c), and an XSAVE image of its FPU state. */
qs_cpu_reader qs_cpu_from_stream;
/* An aarch64 vCPU's: its "cpu" section's general and banked registers,
 * the system registers of its coprocessor arrays by their encoding, and
 * V0..V31 from its "cpu/vfp" subsection. */
qs_cpu_reader qs_cpu_from_stream_aarch64;
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
