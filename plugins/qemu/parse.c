/* The text the QEMU monitor prints, parsed: 'info mtree -f' (the system
 * address space's RAM and ROM ranges) and 'info registers -a' (every vCPU's
 * registers by vocabulary name).  Shared by the plugin, its unit test and
 * its fuzz target. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"

static const struct {
	const char *qemu;
	const char *vocab;
} simple_regs[] = {
	{ "RAX", "reg.rax" }, { "RBX", "reg.rbx" }, { "RCX", "reg.rcx" }, { "RDX", "reg.rdx" },
	{ "RSI", "reg.rsi" }, { "RDI", "reg.rdi" }, { "RBP", "reg.rbp" }, { "RSP", "reg.rsp" },
	{ "EAX", "reg.rax" }, { "EBX", "reg.rbx" }, { "ECX", "reg.rcx" }, { "EDX", "reg.rdx" },
	{ "ESI", "reg.rsi" }, { "EDI", "reg.rdi" }, { "EBP", "reg.rbp" }, { "ESP", "reg.rsp" },
	{ "R8", "reg.r8" },   { "R9", "reg.r9" },   { "R10", "reg.r10" }, { "R11", "reg.r11" },
	{ "R12", "reg.r12" }, { "R13", "reg.r13" }, { "R14", "reg.r14" }, { "R15", "reg.r15" },
	{ "RIP", "reg.rip" }, { "EIP", "reg.rip" }, { "RFL", "reg.rflags" }, { "EFL", "reg.rflags" },
	{ "CR0", "reg.cr0" }, { "CR2", "reg.cr2" }, { "CR3", "reg.cr3" }, { "CR4", "reg.cr4" },
	{ "DR0", "reg.dr0" }, { "DR1", "reg.dr1" }, { "DR2", "reg.dr2" }, { "DR3", "reg.dr3" },
	{ "DR6", "reg.dr6" }, { "DR7", "reg.dr7" }, { "EFER", "reg.efer" },
};

static const struct {
	const char *qemu;
	const char *vocab;
} seg_regs[] = {
	{ "ES", "es" }, { "CS", "cs" }, { "SS", "ss" }, { "DS", "ds" },
	{ "FS", "fs" }, { "GS", "gs" }, { "LDT", "ldtr" }, { "TR", "tr" },
};

int qs_parse_registers(const char *text, struct qs_cpu_sink *sink)
{
	const char *p = text;
	int cpu = -1;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024], norm[1024];
		size_t k = 0;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p);
		p += n + (eol ? 1 : 0);
		line[strcspn(line, "\r")] = '\0';
		if (sscanf(line, "CPU#%d", &cpu) == 1) {
			if (cpu < 0 || cpu >= QS_MAX_CPUS)
				return -E2BIG;
			continue;
		}
		if (cpu < 0)
			continue;
		/* "R8 =..." and "ES =..." lose the space before '='. */
		for (size_t i = 0; line[i] && k + 1 < sizeof(norm); i++) {
			if (line[i] == ' ') {
				size_t j = i;
				while (line[j] == ' ')
					j++;
				if (line[j] == '=') {
					i = j - 1;
					continue;
				}
			}
			norm[k++] = line[i];
		}
		norm[k] = '\0';
		for (size_t i = 0; i < sizeof(seg_regs) / sizeof(seg_regs[0]); i++) {
			char pre[8];
			unsigned long long sel, base, limit, flags;
			snprintf(pre, sizeof(pre), "%s=", seg_regs[i].qemu);
			if (strncmp(norm, pre, strlen(pre)) == 0 &&
			    sscanf(norm + strlen(pre), "%llx %llx %llx %llx", &sel, &base, &limit, &flags) == 4) {
				char b[48];
				snprintf(b, sizeof(b), "reg.%s.sel", seg_regs[i].vocab);
				sink->set(sink, cpu, b, sel);
				snprintf(b, sizeof(b), "reg.%s.base", seg_regs[i].vocab);
				sink->set(sink, cpu, b, base);
				snprintf(b, sizeof(b), "reg.%s.limit", seg_regs[i].vocab);
				sink->set(sink, cpu, b, limit);
				snprintf(b, sizeof(b), "reg.%s.desc_flags", seg_regs[i].vocab);
				sink->set(sink, cpu, b, flags);
				goto next;
			}
		}
		{
			unsigned long long base, limit;
			if (strncmp(norm, "GDT=", 4) == 0 && sscanf(norm + 4, "%llx %llx", &base, &limit) == 2) {
				sink->set(sink, cpu, "reg.gdtr.base", base);
				sink->set(sink, cpu, "reg.gdtr.limit", limit);
				goto next;
			}
			if (strncmp(norm, "IDT=", 4) == 0 && sscanf(norm + 4, "%llx %llx", &base, &limit) == 2) {
				sink->set(sink, cpu, "reg.idtr.base", base);
				sink->set(sink, cpu, "reg.idtr.limit", limit);
				goto next;
			}
		}
		{
			char *save = NULL;
			for (char *t = strtok_r(norm, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
				char *eq = strchr(t, '=');
				char *end;
				unsigned long long v;
				if (!eq)
					continue;
				*eq = '\0';
				errno = 0;
				v = strtoull(eq + 1, &end, 16);
				if (errno || end == eq + 1)
					continue;
				for (size_t i = 0; i < sizeof(simple_regs) / sizeof(simple_regs[0]); i++)
					if (strcmp(t, simple_regs[i].qemu) == 0)
						sink->set(sink, cpu, simple_regs[i].vocab, v);
			}
		}
next:;
	}
	return 0;
}

int qs_parse_mtree(const char *text, struct qs_range_sink *sink)
{
	const char *p = text;
	bool in_system = false, in_view = false;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024], type[32], name[128];
		unsigned long long start, end, off;
		int prio;
		const char *at;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p);
		p += n + (eol ? 1 : 0);
		line[strcspn(line, "\r")] = '\0';
		if (strncmp(line, "FlatView #", 10) == 0) {
			if (in_system)
				break; /* the system address space's view is done */
			in_view = true;
			continue;
		}
		if (in_view && strstr(line, " AS \"memory\""))
			in_system = true;
		if (!in_system)
			continue;
		if (sscanf(line, " %llx-%llx (prio %d, %31[^)]): %127s", &start, &end, &prio, type, name) != 5)
			continue;
		if (end < start || end == UINT64_MAX)
			return -EINVAL; /* backwards, or its length does not fit 64 bits */
		at = strstr(line, " @");
		off = 0;
		if (at && sscanf(at + 2, "%llx", &off) != 1)
			off = 0;
		if (strcmp(type, "ram") == 0 || strcmp(type, "ramd") == 0)
			sink->add(sink, start, end - start + 1, 0, name, at != NULL, off);
		else if (strcmp(type, "rom") == 0 || strcmp(type, "romd") == 0)
			sink->add(sink, start, end - start + 1, 1, name, at != NULL, off);
	}
	return in_system ? 0 : -ENOENT;
}

