/* The binding vocabulary: every named value a layout may bind a field to.
 * Sources and note providers supply these names; schemas/README.md documents
 * them.  A layout that binds to a name not listed here is refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

static const char *const fixed_names[] = {
	/* x86-64 general registers */
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
	"reg.xcr0", "reg.xcr1", "reg.xsave", "reg.xsave_size",
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
	/* aarch64: reserved for sources of ARM guests; no layout binds them yet */
	"reg.sp", "reg.pc", "reg.pstate",
};

/* Segment registers: reg.SEG.{sel,base,limit,attr,desc_flags}. */
static const char *const segments[] = { "cs", "ds", "es", "fs", "gs", "ss", "ldtr", "tr" };
static const char *const seg_parts[] = { "sel", "base", "limit", "attr", "desc_flags" };

bool gc_vocab_known(const char *name)
{
	char buf[64];

	for (size_t i = 0; i < sizeof(fixed_names) / sizeof(fixed_names[0]); i++)
		if (strcmp(name, fixed_names[i]) == 0)
			return true;
	for (size_t s = 0; s < sizeof(segments) / sizeof(segments[0]); s++)
		for (size_t p = 0; p < sizeof(seg_parts) / sizeof(seg_parts[0]); p++) {
			snprintf(buf, sizeof(buf), "reg.%s.%s", segments[s], seg_parts[p]);
			if (strcmp(name, buf) == 0)
				return true;
		}
	/* aarch64 general registers x0..x30, no leading zeros */
	if (strncmp(name, "reg.x", 5) == 0 && name[5] >= '0' && name[5] <= '9') {
		char *end;
		long n = strtol(name + 5, &end, 10);

		if (*end == '\0' && n <= 30 && !(name[5] == '0' && name[6]))
			return true;
	}
	return false;
}
