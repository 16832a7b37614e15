/* The binding vocabulary: every named value a layout may bind a field to.
 * Sources and note providers supply these names; schemas/README.md documents
 * them.  A layout that binds to a name not listed here is refused, and a
 * layout for one machine may bind only that machine's registers.
 *
 * The registers are one table per architecture: adding an architecture is
 * a table here (and its layouts in schemas/), not code elsewhere. */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

/* Values that are byte strings, not integers (get_register_bytes). */
#define BYTES "\x01"

/* Names every layout may bind, whatever its machine. */
static const char *const common_names[] = {
	/* the guest */
	"vm.cpu_count", "vm.cpu_index", "vm.cpu_id", "vm.machine",
	/* the writer */
	"host.tool_version", "host.version_packed", "host.revision", "host.creation_time",
	"source.description",
	/* the dump */
	"dump.load_count", "dump.unreadable_count", "dump.unreadable_bytes",
	"load.index", "load.paddr", "load.memsz", "load.digest", "load.digest_algorithm",
	"unreadable.start", "unreadable.size",
	"vmcoreinfo.origin", "vmcoreinfo.address", "vmcoreinfo.candidates", "vmcoreinfo.file",
	"vmcoreinfo.image_vaddr", "vmcoreinfo.image_paddr", "vmcoreinfo.image_size",
	"vmcoreinfo.image_rule", "vmcoreinfo.direct_rule", "vmcoreinfo.direct_vaddr", "vmcoreinfo.direct_paddr",
	"vmcoreinfo.direct_size", "vmcoreinfo.direct_var",
	NULL,
};

/* x86 (x86-64 and i386 alike: the i386 layouts bind the low halves). */
static const char *const x86_names[] = {
	"reg.rax", "reg.rbx", "reg.rcx", "reg.rdx", "reg.rsi", "reg.rdi", "reg.rsp", "reg.rbp",
	"reg.r8", "reg.r9", "reg.r10", "reg.r11", "reg.r12", "reg.r13", "reg.r14", "reg.r15",
	"reg.rip", "reg.rflags",
	/* control and debug registers */
	"reg.cr0", "reg.cr1", "reg.cr2", "reg.cr3", "reg.cr4", "reg.cr8",
	"reg.dr0", "reg.dr1", "reg.dr2", "reg.dr3", "reg.dr4", "reg.dr5", "reg.dr6", "reg.dr7",
	/* descriptor tables */
	"reg.gdtr.base", "reg.gdtr.limit", "reg.idtr.base", "reg.idtr.limit",
	/* MSRs */
	"reg.efer", "reg.star", "reg.lstar", "reg.cstar", "reg.sfmask", "reg.kernel_gs_base",
	"reg.pat", "reg.apic_base", "reg.tsc_aux",
	"reg.sysenter_cs", "reg.sysenter_eip", "reg.sysenter_esp",
	/* extended state */
	"reg.xcr0", "reg.xcr1", BYTES "reg.xsave", "reg.xsave_size",
	/* segment registers: SEG.{sel,base,limit,attr,desc_flags} */
	"reg.{cs,ds,es,fs,gs,ss,ldtr,tr}.{sel,base,limit,attr,desc_flags}",
	NULL,
};

/* AArch64: user_pt_regs, the FP/SIMD state, and the system registers a
 * debugger needs to walk the guest's page tables and see where it trapped
 * (names as the Arm ARM spells them, lower case). */
static const char *const aarch64_names[] = {
	"reg.x{0-30}", "reg.sp", "reg.pc", "reg.pstate",
	/* FP/SIMD: V0..V31, 16 bytes each in the core's byte order, low half first */
	BYTES "reg.vregs", "reg.fpsr", "reg.fpcr",
	/* pointer authentication masks (Linux's NT_ARM_PAC_MASK) */
	"reg.pac_data_mask", "reg.pac_insn_mask",
	/* system registers */
	"reg.currentel", "reg.sp_el0", "reg.sp_el1", "reg.elr_el1", "reg.spsr_el1",
	"reg.ttbr0_el1", "reg.ttbr1_el1", "reg.tcr_el1", "reg.sctlr_el1", "reg.mair_el1", "reg.amair_el1",
	"reg.vbar_el1", "reg.esr_el1", "reg.far_el1", "reg.par_el1",
	"reg.tpidr_el0", "reg.tpidrro_el0", "reg.tpidr_el1", "reg.contextidr_el1", "reg.cpacr_el1",
	"reg.midr_el1", "reg.mpidr_el1", "reg.id_aa64mmfr0_el1", "reg.id_aa64mmfr1_el1",
	"reg.cntvct_el0", "reg.cntv_ctl_el0", "reg.cntv_cval_el0",
	NULL,
};

static const struct {
	uint16_t machine;
	const char *const *names;
} arches[] = {
	{ EM_X86_64, x86_names },
	{ EM_386, x86_names },
	{ EM_AARCH64, aarch64_names },
};

/* NAME against PATTERN: literal text, "{a,b,c}" one of the words, "{N-M}"
 * a decimal number in N..M without leading zeros. */
static bool match(const char *pattern, const char *name)
{
	while (*pattern) {
		const char *close;

		if (*pattern != '{') {
			if (*pattern++ != *name++)
				return false;
			continue;
		}
		close = strchr(pattern, '}');
		if (!close)
			return false;
		if (pattern[1] >= '0' && pattern[1] <= '9') {
			char *end;
			long lo = strtol(pattern + 1, &end, 10), hi = strtol(end + 1, NULL, 10), n;

			if (*name < '0' || *name > '9' || (name[0] == '0' && name[1] >= '0' && name[1] <= '9'))
				return false;
			n = strtol(name, &end, 10);
			if (n < lo || n > hi)
				return false;
			name = end;
		} else {
			const char *w = pattern + 1;
			bool found = false;

			while (w < close && !found) {
				size_t len = strcspn(w, ",}");
				if (strncmp(name, w, len) == 0 && match(close + 1, name + len))
					found = true;
				w += len + 1;
			}
			return found;
		}
		pattern = close + 1;
	}
	return *name == '\0';
}

/* The entry of TABLE that NAME matches, or NULL. */
static const char *lookup(const char *const *table, const char *name)
{
	for (size_t i = 0; table[i]; i++) {
		const char *p = table[i][0] == BYTES[0] ? table[i] + 1 : table[i];
		if (match(p, name))
			return table[i];
	}
	return NULL;
}

/* NAME's entry in MACHINE's table (any architecture's for 0), or in the
 * common one. */
static const char *entry(const char *name, uint16_t machine)
{
	const char *e = lookup(common_names, name);

	for (size_t a = 0; !e && a < sizeof(arches) / sizeof(arches[0]); a++)
		if (!machine || arches[a].machine == machine)
			e = lookup(arches[a].names, name);
	return e;
}

bool gc_vocab_known(const char *name)
{
	return entry(name, 0) != NULL;
}

bool gc_vocab_for_machine(const char *name, uint16_t machine)
{
	return entry(name, machine) != NULL;
}

bool gc_vocab_bytes(const char *name)
{
	const char *e = entry(name, 0);

	return e && e[0] == BYTES[0];
}
