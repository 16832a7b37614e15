/* What the qemu source takes from the device sections of a migration
 * stream (stream.h): each vCPU's registers by vocabulary name from its
 * "cpu" and "apic" sections (field names as QEMU's own description gives
 * them, no offsets), an XSAVE image of its FPU, SSE and AVX state, where
 * the guest's VMCOREINFO note is (the "vmcoreinfo" device), and the check
 * of that note, which the guest wrote. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"
#include "source_util.h"
#include "stream.h"

/* QEMU's env.regs[] order, and env.segs[]'s. */
static const char *const gpr[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const seg[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

static const struct {
	const char *field, *vocab;
} msrs[] = {
	{ "env.eip", "reg.rip" },
	{ "env.eflags", "reg.rflags" },
	{ "env.cr[0]", "reg.cr0" },
	{ "env.cr[2]", "reg.cr2" },
	{ "env.cr[3]", "reg.cr3" },
	{ "env.cr[4]", "reg.cr4" },
	{ "env.efer", "reg.efer" },
	{ "env.star", "reg.star" },
	{ "env.lstar", "reg.lstar" },
	{ "env.cstar", "reg.cstar" },
	{ "env.fmask", "reg.sfmask" },
	{ "env.kernelgsbase", "reg.kernel_gs_base" },
	{ "env.pat", "reg.pat" },
	{ "env.tsc_aux", "reg.tsc_aux" },
	{ "env.xcr0", "reg.xcr0" },
	{ "env.sysenter_cs", "reg.sysenter_cs" },
	{ "env.sysenter_esp", "reg.sysenter_esp" },
	{ "env.sysenter_eip", "reg.sysenter_eip" },
};

#define XSAVE_LEGACY 512
#define XSAVE_HEADER 64
#define XSAVE_YMMH_OFF 576
#define XSAVE_AVX_SIZE 832

static void put_le(unsigned char *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static bool u64(const struct qstream *st, const struct qstream_device *d, const char *field, uint64_t *v)
{
	return qstream_u64(st, d, field, v) == 0;
}

/* The XSAVE image (standard form) of what the cpu section holds: x87
 * control, status and tags, the eight registers in ST order, MXCSR, the XMM
 * registers and, when the stream has them, the upper halves of the YMM
 * registers.  NULL when the section has no FPU state. */
static unsigned char *make_xsave(const struct qstream *st, const struct qstream_device *d, size_t *ret_len)
{
	unsigned char *x = calloc(1, XSAVE_AVX_SIZE);
	uint64_t fpuc, fpus, ftag, fmt = 0, v, bv = 3; /* x87 and SSE */
	bool ymm = false;
	char name[96];

	if (!x)
		return NULL;
	if (!u64(st, d, "env.fpuc", &fpuc) || !u64(st, d, "env.fpus_vmstate", &fpus) ||
	    !u64(st, d, "env.fptag_vmstate", &ftag) || (u64(st, d, "env.fpregs_format_vmstate", &fmt) && fmt != 0)) {
		free(x);
		return NULL;
	}
	put_le(x + 0, fpuc, 2);
	put_le(x + 2, fpus, 2);
	x[4] = (unsigned char)ftag; /* bit i: physical register i holds a value, as FXSAVE's abridged tags */
	if (u64(st, d, "env.fpop", &v))
		put_le(x + 6, v, 2);
	if (u64(st, d, "env.fpip", &v))
		put_le(x + 8, v, 8);
	if (u64(st, d, "env.fpdp", &v))
		put_le(x + 16, v, 8);
	if (u64(st, d, "env.mxcsr", &v))
		put_le(x + 24, v, 4);
	put_le(x + 28, 0xffff, 4); /* MXCSR_MASK: every MXCSR bit QEMU emulates */
	for (unsigned i = 0; i < 8; i++) {
		/* ST(i) is physical register (TOP + i) mod 8: 64-bit mantissa, 16-bit exponent. */
		unsigned phys = (unsigned)((fpus >> 11) + i) & 7;
		size_t size;
		const unsigned char *p;

		snprintf(name, sizeof(name), "env.fpregs[%u].tmp", phys);
		p = qstream_bytes(st, d, name, &size);
		if (p && size == 10) {
			uint64_t mant = 0;
			for (int k = 0; k < 8; k++)
				mant = mant << 8 | p[k];
			put_le(x + 32 + 16 * i, mant, 8);
			put_le(x + 40 + 16 * i, (uint64_t)p[8] << 8 | p[9], 2);
		}
	}
	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "env.xmm_regs[0][%u]._q_ZMMReg[0]", i);
		if (u64(st, d, name, &v))
			put_le(x + 160 + 16 * i, v, 8);
		snprintf(name, sizeof(name), "env.xmm_regs[0][%u]._q_ZMMReg[1]", i);
		if (u64(st, d, name, &v))
			put_le(x + 168 + 16 * i, v, 8);
		snprintf(name, sizeof(name), "env.xmm_regs[1][%u]._q_ZMMReg[2]", i);
		if (u64(st, d, name, &v)) {
			put_le(x + XSAVE_YMMH_OFF + 16 * i, v, 8);
			ymm = true;
		}
		snprintf(name, sizeof(name), "env.xmm_regs[1][%u]._q_ZMMReg[3]", i);
		if (u64(st, d, name, &v))
			put_le(x + XSAVE_YMMH_OFF + 8 + 16 * i, v, 8);
	}
	if (u64(st, d, "env.xstate_bv", &v))
		bv = v & (ymm ? 7 : 3);
	put_le(x + XSAVE_LEGACY, bv, 8);
	*ret_len = ymm ? XSAVE_AVX_SIZE : XSAVE_LEGACY + XSAVE_HEADER;
	return x;
}

int qs_cpu_from_stream(const struct qstream *st, uint32_t cpu, struct su_regs *regs, unsigned char **ret_xsave,
		       size_t *ret_xsave_len)
{
	const struct qstream_device *d = qstream_device(st, "cpu", cpu), *apic = qstream_device(st, "apic", cpu);
	char field[64], vocab[64];
	uint64_t v;
	int e = 0;

	*ret_xsave = NULL;
	*ret_xsave_len = 0;
	if (!d)
		return -ENOENT;
	if (!apic)
		apic = qstream_device(st, "kvm-apic", cpu);
#define SET(name, value) (e = e ? e : su_regs_set(regs, (name), (value), true))
	for (unsigned i = 0; i < 16; i++) {
		snprintf(field, sizeof(field), "env.regs[%u]", i);
		snprintf(vocab, sizeof(vocab), "reg.%s", gpr[i]);
		if (u64(st, d, field, &v))
			SET(vocab, v);
	}
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		if (u64(st, d, msrs[i].field, &v))
			SET(msrs[i].vocab, v);
	SET("reg.cr1", 0); /* no such register: QEMU stores 0 */
	for (unsigned i = 0; i < 8; i++) {
		snprintf(field, sizeof(field), "env.dr[%u]", i);
		snprintf(vocab, sizeof(vocab), "reg.dr%u", i);
		if (u64(st, d, field, &v))
			SET(vocab, v);
	}
	for (unsigned i = 0; i < 6 + 4; i++) {
		static const char *const tables[4][2] = { { "env.ldt", "ldtr" }, { "env.tr", "tr" },
							  { "env.gdt", "gdtr" }, { "env.idt", "idtr" } };
		char base[32], s[16];
		bool table = i >= 8;

		if (i < 6)
			snprintf(base, sizeof(base), "env.segs[%u]", i), snprintf(s, sizeof(s), "%s", seg[i]);
		else
			snprintf(base, sizeof(base), "%s", tables[i - 6][0]), snprintf(s, sizeof(s), "%s", tables[i - 6][1]);
		snprintf(field, sizeof(field), "%s.base", base);
		snprintf(vocab, sizeof(vocab), "reg.%s.base", s);
		if (u64(st, d, field, &v))
			SET(vocab, v);
		snprintf(field, sizeof(field), "%s.limit", base);
		snprintf(vocab, sizeof(vocab), "reg.%s.limit", s);
		if (u64(st, d, field, &v))
			SET(vocab, v);
		if (table)
			continue;
		snprintf(field, sizeof(field), "%s.selector", base);
		snprintf(vocab, sizeof(vocab), "reg.%s.sel", s);
		if (u64(st, d, field, &v))
			SET(vocab, v);
		snprintf(field, sizeof(field), "%s.flags", base);
		if (u64(st, d, field, &v)) {
			snprintf(vocab, sizeof(vocab), "reg.%s.desc_flags", s);
			SET(vocab, v);
			snprintf(vocab, sizeof(vocab), "reg.%s.attr", s);
			SET(vocab, (v >> 8) & 0xf0ff);
		}
	}
	if (apic && u64(st, apic, "apicbase", &v))
		SET("reg.apic_base", v);
	if (apic && u64(st, apic, "tpr", &v))
		SET("reg.cr8", (v >> 4) & 0xf);
#undef SET
	if (e < 0)
		return e;
	*ret_xsave = make_xsave(st, d, ret_xsave_len);
	return 0;
}

/* ---- aarch64 ----------------------------------------------------------------------------- */

/* Fields of the cpu section (target/arm/machine.c): the banked registers
 * at EL0 and EL1.  env.banked_spsr[1] is SPSR_EL1 (aarch64_banked_spsr_index). */
static const struct {
	const char *field, *vocab;
} arm_fields[] = {
	{ "env.pc", "reg.pc" },
	{ "env.sp_el[0]", "reg.sp_el0" },
	{ "env.sp_el[1]", "reg.sp_el1" },
	{ "env.elr_el[1]", "reg.elr_el1" },
	{ "env.banked_spsr[1]", "reg.spsr_el1" },
};

/* System registers in the coprocessor arrays, by their architectural
 * encoding (op0, op1, CRn, CRm, op2): QEMU names each by KVM's register id,
 * KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | the encoding. */
#define ARM64_SYSREG_ID 0x6030000000130000ull
#define ENC(op0, op1, crn, crm, op2) ((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
static const struct {
	uint32_t enc;
	const char *vocab;
} arm_sysregs[] = {
	{ ENC(3, 0, 0, 0, 0), "reg.midr_el1" },        { ENC(3, 0, 0, 0, 5), "reg.mpidr_el1" },
	{ ENC(3, 0, 0, 7, 0), "reg.id_aa64mmfr0_el1" }, { ENC(3, 0, 0, 7, 1), "reg.id_aa64mmfr1_el1" },
	{ ENC(3, 0, 1, 0, 0), "reg.sctlr_el1" },       { ENC(3, 0, 1, 0, 2), "reg.cpacr_el1" },
	{ ENC(3, 0, 2, 0, 0), "reg.ttbr0_el1" },       { ENC(3, 0, 2, 0, 1), "reg.ttbr1_el1" },
	{ ENC(3, 0, 2, 0, 2), "reg.tcr_el1" },         { ENC(3, 0, 5, 2, 0), "reg.esr_el1" },
	{ ENC(3, 0, 6, 0, 0), "reg.far_el1" },         { ENC(3, 0, 7, 4, 0), "reg.par_el1" },
	{ ENC(3, 0, 10, 2, 0), "reg.mair_el1" },       { ENC(3, 0, 10, 3, 0), "reg.amair_el1" },
	{ ENC(3, 0, 12, 0, 0), "reg.vbar_el1" },       { ENC(3, 0, 13, 0, 1), "reg.contextidr_el1" },
	{ ENC(3, 0, 13, 0, 4), "reg.tpidr_el1" },      { ENC(3, 3, 13, 0, 2), "reg.tpidr_el0" },
	{ ENC(3, 3, 13, 0, 3), "reg.tpidrro_el0" },    { ENC(3, 3, 14, 0, 2), "reg.cntvct_el0" },
	{ ENC(3, 3, 14, 3, 1), "reg.cntv_ctl_el0" },   { ENC(3, 3, 14, 3, 2), "reg.cntv_cval_el0" },
};
#undef ENC

/* FPSCR as QEMU migrates it holds FPSR's and FPCR's bits (vfp_get_fpsr,
 * vfp_get_fpcr). */
#define ARM_FPSR_MASK 0xf800009full
#define ARM_FPCR_MASK 0x07ff9f00ull
#define ARM_VREGS 512

int qs_cpu_from_stream_aarch64(const struct qstream *st, uint32_t cpu, struct su_regs *regs,
			       unsigned char **ret_bytes, size_t *ret_len)
{
	const struct qstream_device *d = qstream_device(st, "cpu", cpu);
	char field[64], vocab[64];
	uint64_t v, n = 0;
	int e = 0;

	*ret_bytes = NULL;
	*ret_len = 0;
	if (!d)
		return -ENOENT;
#define SET(name, value) (e = e ? e : su_regs_set(regs, (name), (value), true))
	for (unsigned i = 0; i < 32; i++) {
		snprintf(field, sizeof(field), "env.xregs[%u]", i);
		snprintf(vocab, sizeof(vocab), i == 31 ? "reg.sp" : "reg.x%u", i); /* xregs[31]: the current SP */
		if (u64(st, d, field, &v))
			SET(vocab, v);
	}
	for (size_t i = 0; i < sizeof(arm_fields) / sizeof(arm_fields[0]); i++)
		if (u64(st, d, arm_fields[i].field, &v))
			SET(arm_fields[i].vocab, v);
	if (u64(st, d, "cpsr", &v)) { /* in AArch64 state, PSTATE as pstate_read() gives it */
		SET("reg.pstate", v);
		SET("reg.currentel", v & 0xc);
	}
	u64(st, d, "cpreg_vmstate_array_len", &n);
	for (uint64_t i = 0; i < n && i < 4096; i++) {
		uint64_t id, val;

		snprintf(field, sizeof(field), "cpreg_vmstate_indexes[%llu]", (unsigned long long)i);
		if (!u64(st, d, field, &id) || (id & ~0xffffull) != ARM64_SYSREG_ID)
			continue;
		snprintf(field, sizeof(field), "cpreg_vmstate_values[%llu]", (unsigned long long)i);
		for (size_t k = 0; k < sizeof(arm_sysregs) / sizeof(arm_sysregs[0]); k++)
			if ((id & 0xffff) == arm_sysregs[k].enc && u64(st, d, field, &val))
				SET(arm_sysregs[k].vocab, val);
	}
	if (u64(st, d, "fpscr", &v)) {
		SET("reg.fpsr", v & ARM_FPSR_MASK);
		SET("reg.fpcr", v & ARM_FPCR_MASK);
	}
#undef SET
	if (e < 0)
		return e;
	/* V0..V31: the low 128 bits of QEMU's zregs, d[0] the low half. */
	if (qstream_bytes(st, d, "env.vfp.zregs[0].d[0]", &(size_t){ 0 })) {
		unsigned char *x = calloc(1, ARM_VREGS);
		if (!x)
			return -ENOMEM;
		for (unsigned i = 0; i < 32; i++)
			for (unsigned h = 0; h < 2; h++) {
				snprintf(field, sizeof(field), "env.vfp.zregs[%u].d[%u]", i, h);
				if (u64(st, d, field, &v))
					put_le(x + 16 * i + 8 * h, v, 8);
			}
		*ret_bytes = x;
		*ret_len = ARM_VREGS;
	}
	return 0;
}

/* ---- the architectures -------------------------------------------------------------------- */

static const struct qs_arch arches[] = {
	{ "x86_64", EM_X86_64, "reg.xsave", "reg.xsave_size", "env.eip", qs_cpu_from_stream, { { "QEMU", 0 } } },
	{ "i386", EM_386, "reg.xsave", "reg.xsave_size", "env.eip", qs_cpu_from_stream, { { "QEMU", 0 } } },
	{ "aarch64", EM_AARCH64, "reg.vregs", NULL, "env.xregs[0]", qs_cpu_from_stream_aarch64,
	  { { "CORE", NT_PRSTATUS }, { "CORE", NT_PRFPREG } } },
};

const struct qs_arch *qs_arch_of_target(const char *target)
{
	for (size_t i = 0; target && i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(arches[i].target, target) == 0)
			return &arches[i];
	return NULL;
}

const struct qs_arch *qs_arch_of_machine(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == (machine ? machine : EM_X86_64))
			return &arches[i];
	return NULL;
}

const struct qs_arch *qs_arch_of_stream(const struct qstream *st)
{
	const struct qstream_device *d = qstream_device(st, "cpu", 0);
	size_t size;

	for (size_t i = 0; d && i < sizeof(arches) / sizeof(arches[0]); i++)
		if (qstream_bytes(st, d, arches[i].probe, &size))
			return &arches[i];
	return NULL;
}

bool qs_vmcoreinfo_from_stream(const struct qstream *st, uint64_t *ret_paddr, uint32_t *ret_size)
{
	const struct qstream_device *d = qstream_device(st, "vmcoreinfo", 0);
	uint64_t has = 0, fmt = 0, size = 0, paddr = 0;

	/* guest_format 1 is FW_CFG_VMCOREINFO_FORMAT_ELF: an ELF note. */
	if (!d || !u64(st, d, "has_vmcoreinfo", &has) || !has || !u64(st, d, "vmcoreinfo.guest_format", &fmt) ||
	    fmt != 1 || !u64(st, d, "vmcoreinfo.size", &size) || !u64(st, d, "vmcoreinfo.paddr", &paddr))
		return false;
	*ret_paddr = paddr;
	*ret_size = (uint32_t)size;
	return true;
}

int qs_parse_note(const unsigned char *p, size_t len, const char **ret_name, uint32_t *ret_type,
		  const unsigned char **ret_desc, uint32_t *ret_descsz)
{
	uint32_t namesz, descsz;
	uint64_t desc_off;

	if (!p || len < 12)
		return -EPROTO;
	namesz = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	descsz = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
	desc_off = 12 + (((uint64_t)namesz + 3) & ~3ull);
	/* Sizes first, then the name inside them. */
	if (namesz == 0 || namesz > 64 || desc_off + descsz > len || p[12 + namesz - 1] != '\0' ||
	    strlen((const char *)p + 12) + 1 != namesz)
		return -EPROTO;
	*ret_name = (const char *)p + 12;
	*ret_type = (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
	*ret_desc = p + desc_off;
	*ret_descsz = descsz;
	return 0;
}

/* ---- the guest as both sources give it --------------------------------------------------- */

int qs_guest_grow(struct qs_guest *g, uint32_t cpu)
{
	if (cpu >= g->n_cpus) {
		struct qs_cpu *n = realloc(g->cpus, ((size_t)cpu + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + g->n_cpus, 0, ((size_t)cpu + 1 - g->n_cpus) * sizeof(*n));
		g->cpus = n;
		g->n_cpus = cpu + 1;
	}
	return 0;
}

int qs_guest_from_stream(struct qs_guest *g, const struct qstream *st, uint32_t *ret_found)
{
	const struct qs_arch *a = qs_arch_of_machine(g->machine);
	uint32_t cpu;

	for (cpu = 0; qstream_device(st, "cpu", cpu); cpu++)
		;
	*ret_found = cpu;
	if (cpu != g->n_cpus)
		return 0;
	for (cpu = 0; cpu < g->n_cpus; cpu++) {
		struct qs_cpu *c = &g->cpus[cpu];
		int r = a ? a->cpu(st, cpu, &c->regs, &c->bytes, &c->bytes_len) : -ENOTSUP;

		if (r < 0)
			return r;
		if (c->bytes && a->size_name && su_regs_set(&c->regs, a->size_name, c->bytes_len, true) < 0)
			return -ENOMEM;
	}
	return 0;
}

bool qs_guest_keep_vmcoreinfo(struct qs_guest *g)
{
	const unsigned char *desc;
	const char *name;
	uint32_t type, descsz;

	if (qs_parse_note(g->vmcoreinfo, g->vmcoreinfo_len, &name, &type, &desc, &descsz) == 0)
		return true;
	free(g->vmcoreinfo);
	g->vmcoreinfo = NULL;
	g->vmcoreinfo_len = 0;
	return false;
}

int qs_guest_vmcoreinfo(struct qs_guest *g, const struct qstream *st, const struct guestcore_range *ranges,
			size_t n_ranges, struct guestcore_memory_sink *sink, char *why, size_t why_len)
{
	const struct guestcore_range *in = NULL;
	uint64_t paddr;
	uint32_t size;
	int r;

	if (!qs_vmcoreinfo_from_stream(st, &paddr, &size) || size == 0 || size > QS_VMCOREINFO_MAX)
		return 0;
	for (size_t i = 0; i < n_ranges && !in; i++)
		if (ranges[i].kind != GUESTCORE_RANGE_MMIO && paddr >= ranges[i].start && size <= ranges[i].length &&
		    paddr - ranges[i].start <= ranges[i].length - size)
			in = &ranges[i];
	if (!in) {
		snprintf(why, why_len, "the guest's VMCOREINFO note lies outside its RAM: left out");
		return 1;
	}
	g->vmcoreinfo = malloc(size);
	if (!g->vmcoreinfo)
		return -ENOMEM;
	/* Its page went by in the stream: read back from the core. */
	r = in->fd >= 0 ? su_range_read(ranges, n_ranges, paddr, g->vmcoreinfo, size)
			: sink->read(sink, paddr, g->vmcoreinfo, size);
	if (r < 0) {
		free(g->vmcoreinfo);
		g->vmcoreinfo = NULL;
		return r;
	}
	g->vmcoreinfo_len = size;
	if (!qs_guest_keep_vmcoreinfo(g)) {
		snprintf(why, why_len, "%s", QS_BAD_VMCOREINFO);
		return 1;
	}
	return 0;
}

int qs_guest_register(const struct qs_guest *g, uint32_t cpu, const char *name, uint64_t *ret)
{
	return cpu < g->n_cpus ? su_regs_get(&g->cpus[cpu].regs, name, ret) : -ENOENT;
}

int qs_guest_register_bytes(const struct qs_guest *g, uint32_t cpu, const char *name, const void **ret_data,
			    size_t *ret_len)
{
	const struct qs_arch *a = qs_arch_of_machine(g->machine);

	if (cpu >= g->n_cpus || !g->cpus[cpu].bytes || !a || strcmp(name, a->bytes_name) != 0)
		return -ENOENT;
	*ret_data = g->cpus[cpu].bytes;
	*ret_len = g->cpus[cpu].bytes_len;
	return 0;
}

/* The guest's VMCOREINFO note, as QEMU's dump writes it: the note the guest
 * published, name and type as they are (checked when it was taken). */
int qs_guest_note(const struct qs_guest *g, uint64_t i, struct guestcore_source_note *ret)
{
	const unsigned char *desc;
	const char *name;
	uint32_t type, descsz;

	if (i > 0 || !g->vmcoreinfo || qs_parse_note(g->vmcoreinfo, g->vmcoreinfo_len, &name, &type, &desc, &descsz) < 0)
		return -ENOENT;
	if (!GUESTCORE_STRUCT_HAS(ret, struct guestcore_source_note, desc_size))
		return -EINVAL;
	ret->type = type;
	ret->name = name;
	ret->desc = desc;
	ret->desc_size = descsz;
	return 0;
}

void qs_guest_free(struct qs_guest *g)
{
	for (uint32_t i = 0; i < g->n_cpus; i++) {
		su_regs_free(&g->cpus[i].regs);
		free(g->cpus[i].bytes);
	}
	free(g->cpus);
	free(g->vmcoreinfo);
	memset(g, 0, sizeof(*g));
}
