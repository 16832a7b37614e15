/* Note layouts: the bundled layouts match the reference offsets and sizes and
 * encode byte-exact against C structs packed independently here; encode and
 * decode round-trip in both byte orders; the tail-by-size rule of QEMU's
 * QEMUCPUState; every class of malformed layout has its own error. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <guestcore/guestcore.h>

#include "cunit_main.h"

#define SCHEMAS TEST_SRCDIR "/schemas"

static struct guestcore_layouts *bundled;
static char tmpdir[] = "/tmp/gc-test-layouts-XXXXXX";
static char diag_buf[8192];

static void diag_cb(void *ud, const char *file, unsigned line, unsigned col, const char *msg)
{
	(void)ud;
	(void)file;
	snprintf(diag_buf + strlen(diag_buf), sizeof(diag_buf) - strlen(diag_buf), "%u:%u: %s\n", line, col, msg);
}

static const struct guestcore_note_layout *L(const char *id)
{
	const struct guestcore_note_layout *nl = guestcore_layouts_find(bundled, id);

	CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
	return nl;
}

/* Offset of the field at PATH, or -1. */
static long long off(const char *id, const char *path)
{
	const struct guestcore_note_layout *nl = L(id);
	struct guestcore_layout_info li = { .sz = sizeof(li) };

	guestcore_note_layout_info(nl, &li);
	for (size_t i = 0; i < li.field_count; i++) {
		struct guestcore_field_info fi = { .sz = sizeof(fi) };
		guestcore_note_layout_field(nl, i, &fi);
		if (strcmp(fi.path, path) == 0)
			return (long long)fi.offset;
	}
	return -1;
}

static uint64_t size_of(const char *id)
{
	struct guestcore_layout_info li = { .sz = sizeof(li) };

	guestcore_note_layout_info(L(id), &li);
	return li.size;
}

/* ---- offsets and sizes from the reference --------------------------------- */

static void test_bundled_layouts_load(void)
{
	CU_ASSERT_EQUAL(guestcore_layouts_count(bundled), 17);
	CU_ASSERT_STRING_EQUAL(diag_buf, "");
}

static void test_vbox_offsets(void)
{
	CU_ASSERT_EQUAL(size_of("vbox.core"), 24);
	CU_ASSERT_EQUAL(off("vbox.cpu", "rflags"), 0x88);
	CU_ASSERT_EQUAL(off("vbox.cpu", "cs.uBase"), 0x90);
	CU_ASSERT_EQUAL(off("vbox.cpu", "cr0"), 0x120);
	CU_ASSERT_EQUAL(off("vbox.cpu", "dr[0]"), 0x140);
	CU_ASSERT_EQUAL(off("vbox.cpu", "gdtr.uAddr"), 0x180);
	CU_ASSERT_EQUAL(off("vbox.cpu", "idtr.uAddr"), 0x190);
	CU_ASSERT_EQUAL(off("vbox.cpu", "ldtr.uBase"), 0x1a0);
	CU_ASSERT_EQUAL(off("vbox.cpu", "tr.uBase"), 0x1b8);
	CU_ASSERT_EQUAL(off("vbox.cpu", "sysenter.cs"), 0x1d0);
	CU_ASSERT_EQUAL(off("vbox.cpu", "msrEFER"), 0x1e8);
	CU_ASSERT_EQUAL(off("vbox.cpu", "msrApicBase"), 0x220);
	CU_ASSERT_EQUAL(off("vbox.cpu", "msrTscAux"), 0x228);
	CU_ASSERT_EQUAL(off("vbox.cpu", "aXcr[0]"), 0x230);
	CU_ASSERT_EQUAL(off("vbox.cpu", "cbExt"), 0x240);
	CU_ASSERT_EQUAL(off("vbox.cpu", "ext"), 0x248);
	CU_ASSERT_EQUAL(size_of("vbox.cpu"), 0x248 + 8192);
}

static void test_qemu_and_linux_sizes(void)
{
	struct guestcore_layout_info li = { .sz = sizeof(li) };

	/* The system's own struct elf_prstatus, packed by the compiler. */
	CU_ASSERT_EQUAL(size_of("linux.prstatus-x86_64"), sizeof(struct elf_prstatus));
	CU_ASSERT_EQUAL(size_of("linux.prstatus-x86_64"), 336);
	CU_ASSERT_EQUAL(off("linux.prstatus-x86_64", "pr_reg.r15"), offsetof(struct elf_prstatus, pr_reg));
	CU_ASSERT_EQUAL(off("linux.prstatus-x86_64", "pr_pid"), offsetof(struct elf_prstatus, pr_pid));
	CU_ASSERT_EQUAL(off("linux.prstatus-x86_64", "pr_fpvalid"), offsetof(struct elf_prstatus, pr_fpvalid));
	CU_ASSERT_EQUAL(size_of("linux.prpsinfo-x86_64"), sizeof(struct elf_prpsinfo));
	CU_ASSERT_EQUAL(off("linux.prpsinfo-x86_64", "pr_psargs"), offsetof(struct elf_prpsinfo, pr_psargs));
	CU_ASSERT_EQUAL(size_of("linux.prstatus-i386"), 144);
	guestcore_note_layout_info(L("qemu.cpustate"), &li);
	CU_ASSERT_EQUAL(li.min_size, 432);
	CU_ASSERT_EQUAL(li.size, 448);
	CU_ASSERT_EQUAL(off("qemu.cpustate", "kernel_gs_base"), 432);
	CU_ASSERT_EQUAL(off("qemu.cpustate", "cs.selector"), 152);
	CU_ASSERT_EQUAL(off("qemu.cpustate", "cr[0]"), 392);
	/* aarch64, as QEMU's target/arm/arch_dump.c asserts them (its
	 * aarch64_elf_prstatus and aarch64_user_vfp_state) */
	CU_ASSERT_EQUAL(size_of("linux.prstatus-aarch64"), 392);
	CU_ASSERT_EQUAL(off("linux.prstatus-aarch64", "pr_pid"), 32);
	CU_ASSERT_EQUAL(off("linux.prstatus-aarch64", "pr_reg.regs[0]"), 112);
	CU_ASSERT_EQUAL(off("linux.prstatus-aarch64", "pr_reg.sp"), 112 + 31 * 8);
	CU_ASSERT_EQUAL(off("linux.prstatus-aarch64", "pr_reg.pstate"), 112 + 33 * 8);
	CU_ASSERT_EQUAL(off("linux.prstatus-aarch64", "pr_fpvalid"), 112 + 272);
	CU_ASSERT_EQUAL(size_of("linux.prfpreg-aarch64"), 528);
	CU_ASSERT_EQUAL(off("linux.prfpreg-aarch64", "fpsr"), 512);
	CU_ASSERT_EQUAL(size_of("linux.arm-pac-mask"), 16);
}

static void test_match(void)
{
	struct guestcore_layout_info li = { .sz = sizeof(li) };

	guestcore_note_layout_info(guestcore_layouts_match(bundled, "CORE", 1, EM_X86_64), &li);
	CU_ASSERT_STRING_EQUAL(li.id, "linux.prstatus-x86_64");
	guestcore_note_layout_info(guestcore_layouts_match(bundled, "CORE", 1, EM_386), &li);
	CU_ASSERT_STRING_EQUAL(li.id, "linux.prstatus-i386");
	guestcore_note_layout_info(guestcore_layouts_match(bundled, "VBCORE", 0xb00, EM_386), &li);
	CU_ASSERT_STRING_EQUAL(li.id, "vbox.core");
	guestcore_note_layout_info(guestcore_layouts_match(bundled, "CORE", 1, EM_AARCH64), &li);
	CU_ASSERT_STRING_EQUAL(li.id, "linux.prstatus-aarch64");
	guestcore_note_layout_info(guestcore_layouts_match(bundled, "CORE", 2, EM_AARCH64), &li);
	CU_ASSERT_STRING_EQUAL(li.id, "linux.prfpreg-aarch64");
	CU_ASSERT_PTR_NULL(guestcore_layouts_match(bundled, "CORE", 2, EM_X86_64));
	CU_ASSERT_PTR_NULL(guestcore_layouts_match(bundled, "CORE", 1, EM_PPC64));
	CU_ASSERT_PTR_NULL(guestcore_layouts_match(bundled, "NOPE", 1, EM_X86_64));
}

/* ---- values --------------------------------------------------------------------- */

/* A deterministic "random" value per binding name and seed. */
static uint64_t value_for(const char *name, uint64_t seed)
{
	uint64_t h = 1469598103934665603ull ^ seed;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h ^= h >> 29;
	return h * 0x9e3779b97f4a7c15ull;
}

static unsigned char xsave[8192];

struct vals {
	uint64_t seed;
	unsigned calls;
};

static int value_cb(void *ud, const char *binding, struct guestcore_value *ret)
{
	struct vals *v = ud;

	v->calls++;
	if (strcmp(binding, "reg.xsave") == 0) {
		ret->bytes = xsave;
		ret->len = sizeof(xsave);
		return 0;
	}
	if (strcmp(binding, "vm.machine") == 0 || strcmp(binding, "host.tool_version") == 0 ||
	    strcmp(binding, "source.description") == 0) {
		ret->bytes = binding;
		ret->len = strlen(binding);
		return 0;
	}
	if (strcmp(binding, "load.digest") == 0)
		return -ENOENT;
	ret->u = value_for(binding, v->seed);
	return 0;
}

/* The value a field of SIZE bytes (signed or not) holds for V. */
static uint64_t trunc_to(uint64_t v, uint64_t size)
{
	return size >= 8 ? v : v & (((uint64_t)1 << (size * 8)) - 1);
}

/* Fields must fit: value_cb gives 64-bit values, so encode binds only u64
 * fields in this test; narrower fields get a callback that truncates. */
static int value_cb_fit(void *ud, const char *binding, struct guestcore_value *ret);

struct fit_ctx {
	struct vals v;
	const struct guestcore_note_layout *nl;
};

static int value_cb_fit(void *ud, const char *binding, struct guestcore_value *ret)
{
	struct fit_ctx *c = ud;
	struct guestcore_layout_info li = { .sz = sizeof(li) };
	int r = value_cb(&c->v, binding, ret);

	if (r < 0 || ret->bytes)
		return r;
	guestcore_note_layout_info(c->nl, &li);
	/* Narrowest field bound to this name in the layout. */
	for (size_t i = 0; i < li.field_count; i++) {
		struct guestcore_field_info fi = { .sz = sizeof(fi) };
		guestcore_note_layout_field(c->nl, i, &fi);
		if (fi.binding && strcmp(fi.binding, binding) == 0 && fi.type >= GUESTCORE_FIELD_U8 &&
		    fi.type <= GUESTCORE_FIELD_U64)
			ret->u = trunc_to(ret->u, fi.size);
		else if (fi.binding && strcmp(fi.binding, binding) == 0 && fi.type >= GUESTCORE_FIELD_S8 &&
			 fi.type <= GUESTCORE_FIELD_S64 && fi.size < 8) {
			int64_t s = (int64_t)(ret->u << (64 - fi.size * 8)) >> (64 - fi.size * 8);
			ret->u = (uint64_t)s;
		}
	}
	return 0;
}

static size_t encode(const char *id, uint64_t seed, bool be, uint64_t size, unsigned char *buf, size_t bufsz)
{
	struct fit_ctx c = { .v = { .seed = seed }, .nl = L(id) };
	struct guestcore_encode_opts o = {
		.sz = sizeof(o), .big_endian = be, .size = size, .value = value_cb_fit, .userdata = &c,
	};
	char msg[256];
	size_t n = 0;
	int r = guestcore_note_encode(c.nl, &o, buf, bufsz, &n, msg, sizeof(msg));

	if (r != 0)
		fprintf(stderr, "\n  encode %s: %s\n", id, msg);
	CU_ASSERT_EQUAL(r, 0);
	return n;
}

/* Independently packed structs, from the reference (core-formats.md). */
struct ref_sel { uint64_t uBase; uint32_t uLimit, uAttr; uint16_t uSel, r0; uint32_t r1; };
struct ref_xdtr { uint64_t uAddr; uint32_t cb, r0; };
struct ref_vbcpu {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rsp, rbp, rflags;
	struct ref_sel cs, ds, es, fs, gs, ss;
	uint64_t cr0, cr2, cr3, cr4;
	uint64_t dr[8];
	struct ref_xdtr gdtr, idtr;
	struct ref_sel ldtr, tr;
	struct { uint64_t cs, eip, esp; } sysenter;
	uint64_t msrEFER, msrSTAR, msrPAT, msrLSTAR, msrCSTAR, msrSFMASK, msrKernelGSBase, msrApicBase;
	uint64_t msrTscAux;
	uint64_t aXcr[2];
	uint32_t cbExt, uPadding0;
	uint8_t ext[8192];
};
_Static_assert(offsetof(struct ref_vbcpu, cbExt) == 0x240, "reference layout");
_Static_assert(sizeof(struct ref_vbcpu) == 8776, "reference layout");

#define V(name) value_for(name, seed)
static void ref_sel(struct ref_sel *s, const char *seg, uint64_t seed)
{
	char b[64];

	snprintf(b, sizeof(b), "reg.%s.base", seg);
	s->uBase = V(b);
	snprintf(b, sizeof(b), "reg.%s.limit", seg);
	s->uLimit = (uint32_t)V(b);
	snprintf(b, sizeof(b), "reg.%s.attr", seg);
	s->uAttr = (uint32_t)V(b);
	snprintf(b, sizeof(b), "reg.%s.sel", seg);
	s->uSel = (uint16_t)V(b);
}

static void test_vbcpu_byte_exact(void)
{
	static struct ref_vbcpu ref;
	static unsigned char buf[16384];
	const uint64_t seed = 7;
	size_t n;

	for (size_t i = 0; i < sizeof(xsave); i++)
		xsave[i] = (unsigned char)(i * 31 + 7);
	memset(&ref, 0, sizeof(ref));
	ref.rax = V("reg.rax"); ref.rbx = V("reg.rbx"); ref.rcx = V("reg.rcx"); ref.rdx = V("reg.rdx");
	ref.rsi = V("reg.rsi"); ref.rdi = V("reg.rdi"); ref.r8 = V("reg.r8"); ref.r9 = V("reg.r9");
	ref.r10 = V("reg.r10"); ref.r11 = V("reg.r11"); ref.r12 = V("reg.r12"); ref.r13 = V("reg.r13");
	ref.r14 = V("reg.r14"); ref.r15 = V("reg.r15"); ref.rip = V("reg.rip"); ref.rsp = V("reg.rsp");
	ref.rbp = V("reg.rbp"); ref.rflags = V("reg.rflags");
	ref_sel(&ref.cs, "cs", seed); ref_sel(&ref.ds, "ds", seed); ref_sel(&ref.es, "es", seed);
	ref_sel(&ref.fs, "fs", seed); ref_sel(&ref.gs, "gs", seed); ref_sel(&ref.ss, "ss", seed);
	ref.cr0 = V("reg.cr0"); ref.cr2 = V("reg.cr2"); ref.cr3 = V("reg.cr3"); ref.cr4 = V("reg.cr4");
	for (int i = 0; i < 8; i++) {
		char b[16];
		snprintf(b, sizeof(b), "reg.dr%d", i);
		ref.dr[i] = V(b);
	}
	ref.gdtr.uAddr = V("reg.gdtr.base"); ref.gdtr.cb = (uint32_t)V("reg.gdtr.limit");
	ref.idtr.uAddr = V("reg.idtr.base"); ref.idtr.cb = (uint32_t)V("reg.idtr.limit");
	ref_sel(&ref.ldtr, "ldtr", seed); ref_sel(&ref.tr, "tr", seed);
	ref.sysenter.cs = V("reg.sysenter_cs"); ref.sysenter.eip = V("reg.sysenter_eip");
	ref.sysenter.esp = V("reg.sysenter_esp");
	ref.msrEFER = V("reg.efer"); ref.msrSTAR = V("reg.star"); ref.msrPAT = V("reg.pat");
	ref.msrLSTAR = V("reg.lstar"); ref.msrCSTAR = V("reg.cstar"); ref.msrSFMASK = V("reg.sfmask");
	ref.msrKernelGSBase = V("reg.kernel_gs_base"); ref.msrApicBase = V("reg.apic_base");
	ref.msrTscAux = V("reg.tsc_aux"); ref.aXcr[0] = V("reg.xcr0"); ref.aXcr[1] = V("reg.xcr1");
	ref.cbExt = (uint32_t)V("reg.xsave_size");
	memcpy(ref.ext, xsave, sizeof(xsave));

	n = encode("vbox.cpu", seed, false, 0, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(n, sizeof(ref));
	CU_ASSERT_EQUAL(memcmp(buf, &ref, sizeof(ref)), 0);
}

static void test_vbcore_and_qemu_byte_exact(void)
{
	struct { uint32_t magic, fmt, cb, ver, rev, cpus; } core;
	struct qseg { uint32_t selector, limit, flags, pad; uint64_t base; };
	struct {
		uint32_t version, size;
		uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
		uint64_t rip, rflags;
		struct qseg cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt;
		uint64_t cr[5];
		uint64_t kernel_gs_base;
	} q;
	unsigned char buf[512];
	const uint64_t seed = 99;
	const char *segs[] = { "cs", "ds", "es", "fs", "gs", "ss", "ldtr", "tr" };
	struct qseg *qs[] = { &q.cs, &q.ds, &q.es, &q.fs, &q.gs, &q.ss, &q.ldt, &q.tr };

	core.magic = 0xc01ac0de;
	core.fmt = 0x00010006;
	core.cb = 24;
	core.ver = (uint32_t)V("host.version_packed");
	core.rev = (uint32_t)V("host.revision");
	core.cpus = (uint32_t)V("vm.cpu_count");
	CU_ASSERT_EQUAL_FATAL(encode("vbox.core", seed, false, 0, buf, sizeof(buf)), 24);
	CU_ASSERT_EQUAL(memcmp(buf, &core, 24), 0);

	memset(&q, 0, sizeof(q));
	q.version = 1;
	q.size = sizeof(q);
	q.rax = V("reg.rax"); q.rbx = V("reg.rbx"); q.rcx = V("reg.rcx"); q.rdx = V("reg.rdx");
	q.rsi = V("reg.rsi"); q.rdi = V("reg.rdi"); q.rsp = V("reg.rsp"); q.rbp = V("reg.rbp");
	q.r8 = V("reg.r8"); q.r9 = V("reg.r9"); q.r10 = V("reg.r10"); q.r11 = V("reg.r11");
	q.r12 = V("reg.r12"); q.r13 = V("reg.r13"); q.r14 = V("reg.r14"); q.r15 = V("reg.r15");
	q.rip = V("reg.rip"); q.rflags = V("reg.rflags");
	for (int i = 0; i < 8; i++) {
		char b[64];
		snprintf(b, sizeof(b), "reg.%s.sel", segs[i]);
		qs[i]->selector = (uint32_t)V(b);
		snprintf(b, sizeof(b), "reg.%s.limit", segs[i]);
		qs[i]->limit = (uint32_t)V(b);
		snprintf(b, sizeof(b), "reg.%s.desc_flags", segs[i]);
		qs[i]->flags = (uint32_t)V(b);
		snprintf(b, sizeof(b), "reg.%s.base", segs[i]);
		qs[i]->base = V(b);
	}
	q.gdt.limit = (uint32_t)V("reg.gdtr.limit"); q.gdt.base = V("reg.gdtr.base");
	q.idt.limit = (uint32_t)V("reg.idtr.limit"); q.idt.base = V("reg.idtr.base");
	for (int i = 0; i < 5; i++) {
		char b[16];
		snprintf(b, sizeof(b), "reg.cr%d", i);
		q.cr[i] = V(b);
	}
	q.kernel_gs_base = V("reg.kernel_gs_base");
	/* QEMU 7.2 writes 440 bytes. */
	CU_ASSERT_EQUAL_FATAL(encode("qemu.cpustate", seed, false, 440, buf, sizeof(buf)), 440);
	CU_ASSERT_EQUAL(memcmp(buf, &q, 440), 0);
}

static void test_big_endian(void)
{
	unsigned char buf[64];
	static const unsigned char magic_be[] = { 0xc0, 0x1a, 0xc0, 0xde, 0x00, 0x01, 0x00, 0x06, 0, 0, 0, 24 };

	CU_ASSERT_EQUAL_FATAL(encode("vbox.core", 1, true, 0, buf, sizeof(buf)), 24);
	CU_ASSERT_EQUAL(memcmp(buf, magic_be, sizeof(magic_be)), 0);
	CU_ASSERT_EQUAL_FATAL(encode("vbox.core", 1, false, 0, buf, sizeof(buf)), 24);
	CU_ASSERT_EQUAL(buf[0], 0xde);
	CU_ASSERT_EQUAL(buf[8], 24);
}

/* ---- round trips ------------------------------------------------------------------ */

struct rt {
	uint64_t seed;
	unsigned checked, wrong;
	const struct guestcore_note_layout *nl;
	char seen[256][64];
	unsigned n_seen;
};

static int rt_visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	struct rt *rt = ud;
	struct fit_ctx c = { .v = { .seed = rt->seed }, .nl = rt->nl };
	struct guestcore_value want = { .sz = sizeof(want) };

	if (rt->n_seen < 256)
		snprintf(rt->seen[rt->n_seen++], 64, "%s", fi->path);
	if (fi->value_kind != GUESTCORE_VALUE_BIND || fi->type > GUESTCORE_FIELD_S64)
		return 0;
	if (value_cb_fit(&c, fi->binding, &want) < 0)
		return 0;
	rt->checked++;
	if (fi->type >= GUESTCORE_FIELD_S8) {
		if (v->s != (int64_t)want.u) {
			rt->wrong++;
			fprintf(stderr, "\n  %s: %" PRId64 " != %" PRId64 "\n", fi->path, v->s, (int64_t)want.u);
		}
	} else if (v->u != trunc_to(want.u, fi->size)) {
		rt->wrong++;
		fprintf(stderr, "\n  %s: 0x%" PRIx64 " != 0x%" PRIx64 "\n", fi->path, v->u, want.u);
	}
	return 0;
}

static void test_round_trips(void)
{
	static unsigned char buf[16384];
	char msg[256];

	for (size_t i = 0; i < guestcore_layouts_count(bundled); i++) {
		const struct guestcore_note_layout *nl = guestcore_layouts_at(bundled, i);
		struct guestcore_layout_info li = { .sz = sizeof(li) };

		guestcore_note_layout_info(nl, &li);
		for (uint64_t seed = 1; seed <= 20; seed++) {
			bool be = seed & 1;
			struct rt rt = { .seed = seed * 7919, .nl = nl };
			size_t n = encode(li.id, rt.seed, be, 0, buf, sizeof(buf));
			int r;

			CU_ASSERT_EQUAL(n, li.size);
			r = guestcore_note_decode(nl, buf, n, be, rt_visit, &rt, msg, sizeof(msg));
			CU_ASSERT_EQUAL(r, 0);
			CU_ASSERT_EQUAL(rt.wrong, 0);
			if (strstr(li.id, "2010") == NULL && li.id[0] != 'l')
				CU_ASSERT(rt.checked > 0 || strcmp(li.id, "vbox.cpu-2010") == 0);
		}
	}
}

static int count_visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	struct rt *rt = ud;

	(void)v;
	if (rt->n_seen < 256)
		snprintf(rt->seen[rt->n_seen], 64, "%s", fi->path);
	rt->n_seen++;
	return 0;
}

static bool seen(const struct rt *rt, const char *path)
{
	for (unsigned i = 0; i < rt->n_seen && i < 256; i++)
		if (strcmp(rt->seen[i], path) == 0)
			return true;
	return false;
}

static void test_qemu_tail_by_size(void)
{
	const struct guestcore_note_layout *nl = L("qemu.cpustate");
	unsigned char buf[512];
	char msg[256];
	struct rt rt;
	size_t n;

	n = encode("qemu.cpustate", 3, false, 432, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 432);
	memset(&rt, 0, sizeof(rt));
	CU_ASSERT_EQUAL(guestcore_note_decode(nl, buf, n, false, count_visit, &rt, msg, sizeof(msg)), 0);
	CU_ASSERT_FALSE(seen(&rt, "kernel_gs_base"));
	CU_ASSERT_TRUE(seen(&rt, "cr[4]"));

	n = encode("qemu.cpustate", 3, false, 440, buf, sizeof(buf));
	memset(&rt, 0, sizeof(rt));
	CU_ASSERT_EQUAL(guestcore_note_decode(nl, buf, n, false, count_visit, &rt, msg, sizeof(msg)), 0);
	CU_ASSERT_TRUE(seen(&rt, "kernel_gs_base"));
	CU_ASSERT_FALSE(seen(&rt, "tail_448"));
	/* 440 bytes declared, but a descriptor that holds only 432. */
	CU_ASSERT_EQUAL(guestcore_note_decode(nl, buf, 432, false, NULL, NULL, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "declares 440 bytes in 'size'"));

	n = encode("qemu.cpustate", 3, false, 0, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 448);
	memset(&rt, 0, sizeof(rt));
	CU_ASSERT_EQUAL(guestcore_note_decode(nl, buf, n, false, count_visit, &rt, msg, sizeof(msg)), 0);
	CU_ASSERT_TRUE(seen(&rt, "tail_448"));

	/* A size that cuts a member, and one below the minimum. */
	{
		struct guestcore_encode_opts o = { .sz = sizeof(o), .size = 436 };
		CU_ASSERT_EQUAL(guestcore_note_encode(nl, &o, buf, sizeof(buf), &n, msg, sizeof(msg)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cuts field 'kernel_gs_base'"));
		o.size = 400;
		CU_ASSERT_EQUAL(guestcore_note_encode(nl, &o, buf, sizeof(buf), &n, msg, sizeof(msg)), -EINVAL);
		o.size = 0;
		CU_ASSERT_EQUAL(guestcore_note_encode(nl, &o, buf, 100, &n, msg, sizeof(msg)), -ENOSPC);
	}
}

static void test_decode_bounds(void)
{
	const struct guestcore_note_layout *nl = L("vbox.core");
	unsigned char full[40];
	unsigned char *exact;
	char msg[256];
	struct rt rt;

	encode("vbox.core", 5, false, 0, full, sizeof(full));
	/* A heap buffer of exactly 10 bytes: ASan catches any read past it. */
	exact = malloc(10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
	memcpy(exact, full, 10);
	memset(&rt, 0, sizeof(rt));
	CU_ASSERT_EQUAL(guestcore_note_decode(nl, exact, 10, false, count_visit, &rt, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "shorter than the 24"));
	CU_ASSERT_EQUAL(rt.n_seen, 2); /* u32Magic and u32FmtVersion fit; cbSelf ends at 12 */
	free(exact);

	memset(full + 24, 0xaa, 16);
	CU_ASSERT_EQUAL(guestcore_note_decode(nl, full, 40, false, NULL, NULL, msg, sizeof(msg)),
			GUESTCORE_DECODE_LONGER);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "16 more than its layout describes"));
}

static int enum_visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	char *out = ud;

	if (strcmp(fi->path, "u32FmtVersion") == 0 && v->enum_value)
		snprintf(out, 64, "%s", v->enum_value);
	return 0;
}

static void test_enum_and_flags(void)
{
	const struct guestcore_note_layout *nl = L("vbox.cpu");
	struct guestcore_field_info fi = { .sz = sizeof(fi) };
	unsigned char buf[64];
	char text[128], name[64] = "";

	for (size_t i = 0;; i++) {
		CU_ASSERT_FATAL(guestcore_note_layout_field(nl, i, &fi) == 0);
		if (strcmp(fi.path, "cr0") == 0)
			break;
	}
	CU_ASSERT_STRING_EQUAL(fi.flags_name, "cr0");
	guestcore_note_layout_flags_text(nl, &fi, 0x80000011ull, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "PE|ET|PG");
	guestcore_note_layout_flags_text(nl, &fi, (1ull << 40) | 1, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "PE|0x10000000000");

	encode("vbox.core", 1, false, 0, buf, sizeof(buf));
	guestcore_note_decode(L("vbox.core"), buf, 24, false, enum_visit, name, NULL, 0);
	CU_ASSERT_STRING_EQUAL(name, "1.6");
}

/* ---- malformed layouts: one test per class of error ---------------------------- */

static int load_text(const char *text)
{
	char path[512];
	struct guestcore_layouts *set = NULL;
	int fd, r;

	snprintf(path, sizeof(path), "%s/bad.xml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	diag_buf[0] = '\0';
	CU_ASSERT_FATAL(guestcore_layouts_new(SCHEMAS "/note-layout.xsd", &set) == 0);
	r = guestcore_layouts_load_file(set, path, diag_cb, NULL);
	CU_ASSERT_EQUAL(guestcore_layouts_count(set), r == 0 ? guestcore_layouts_count(set) : 0);
	guestcore_layouts_free(set);
	return r;
}

#define HEAD "<?xml version=\"1.0\"?>\n<layouts family=\"t\">\n"
#define EXPECT_ERROR(text, where, needle)                                                 \
	do {                                                                               \
		CU_ASSERT_EQUAL(load_text(text), -EINVAL);                                 \
		if (!strstr(diag_buf, where) || !strstr(diag_buf, needle)) {              \
			fprintf(stderr, "\n  diagnostics:\n%s  lack '%s' / '%s'\n", diag_buf, where, needle); \
			CU_FAIL("diagnostic");                                             \
		}                                                                          \
	} while (0)

static void test_good_minimal_layout(void)
{
	CU_ASSERT_EQUAL(load_text(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n"
				  "  <field name=\"a\" type=\"u32\" bind=\"reg.rax\"/>\n</note>\n</layouts>\n"), 0);
	CU_ASSERT_STRING_EQUAL(diag_buf, "");
}

static void test_error_not_well_formed(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u32\">\n</note>\n</layouts>\n",
		     "5:8:", "Opening and ending tag mismatch");
}

static void test_error_xsd(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" tipe=\"u32\"/>\n</note>\n</layouts>\n",
		     "4:19:", "The attribute 'tipe' is not allowed");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u33\"/>\n</note>\n</layouts>\n",
		     "4:", "u33");
}

static void test_error_overlap(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\"/>\n"
		     "  <field name=\"b\" type=\"u32\" offset=\"4\"/>\n</note>\n</layouts>\n",
		     "5:30:", "declared at offset 0x4, which overlaps the members before it (they end at 0x8)");
}

static void test_error_gap(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u32\"/>\n"
		     "  <field name=\"b\" type=\"u32\" offset=\"8\"/>\n</note>\n</layouts>\n",
		     "5:", "add <pad size=\"4\"/>");
}

static void test_error_size_mismatch(void)
{
	EXPECT_ERROR(HEAD "<struct name=\"S\" size=\"12\">\n  <field name=\"a\" type=\"u64\"/>\n</struct>\n"
		     "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"s\" struct=\"S\"/>\n</note>\n</layouts>\n",
		     "3:", "struct 'S' declares size 12 but its members add up to 8");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\" size=\"4\">\n  <field name=\"a\" type=\"u64\"/>\n</note>\n</layouts>\n",
		     "3:", "note 't.a' declares size 4 but its members add up to 8");
}

static void test_error_unknown_binding(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\" bind=\"reg.raxx\"/>\n</note>\n</layouts>\n",
		     "4:", "binds to 'reg.raxx', which is not in the binding vocabulary");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\" bind=\".base\"/>\n</note>\n</layouts>\n",
		     "4:", "relative binding");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\" count=\"2\" bind=\"reg.dr0\"/>\n</note>\n</layouts>\n",
		     "4:", "needs {i}");
	/* Each machine binds its own registers; a note for any machine binds
	 * any machine's. */
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\" machine=\"aarch64\">\n  <field name=\"a\" type=\"u64\" bind=\"reg.rip\"/>\n</note>\n</layouts>\n",
		     "3:", "note 't.a' is for aarch64 but 'a' binds to 'reg.rip', a register of another machine");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\" machine=\"x86_64\">\n  <field name=\"a\" type=\"u64\" bind=\"reg.ttbr1_el1\"/>\n</note>\n</layouts>\n",
		     "3:", "'reg.ttbr1_el1', a register of another machine");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\" bind=\"reg.x31\"/>\n</note>\n</layouts>\n",
		     "4:", "'reg.x31', which is not in the binding vocabulary");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\" bind=\"reg.x07\"/>\n</note>\n</layouts>\n",
		     "4:", "'reg.x07', which is not in the binding vocabulary");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u64\" bind=\"reg.ldtr.bas\"/>\n</note>\n</layouts>\n",
		     "4:", "'reg.ldtr.bas', which is not in the binding vocabulary");
	CU_ASSERT_EQUAL(load_text(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\" machine=\"aarch64\">\n"
				  "  <field name=\"a\" type=\"u64\" bind=\"reg.x30\"/>\n"
				  "  <field name=\"b\" type=\"u64\" bind=\"vm.cpu_id\"/>\n</note>\n"
				  "<note id=\"t.b\" name=\"T\" type=\"2\">\n"
				  "  <field name=\"a\" type=\"u64\" bind=\"reg.x0\"/>\n"
				  "  <field name=\"b\" type=\"u64\" bind=\"reg.tr.desc_flags\"/>\n</note>\n</layouts>\n"), 0);
}

static void test_error_unknown_reference(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" struct=\"Nope\"/>\n</note>\n</layouts>\n",
		     "4:", "uses struct 'Nope', which is not defined");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\" enum=\"E\"/>\n</note>\n</layouts>\n",
		     "4:", "uses enum 'E', which is not defined");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\" size-of=\"X\"/>\n</note>\n</layouts>\n",
		     "4:", "size-of='X'");
	/* A struct that holds itself once recursed without end (found by
	 * fuzz_layout): it is not defined before its own members. */
	EXPECT_ERROR(HEAD "<struct name=\"A\">\n  <field name=\"x\" type=\"u8\"/>\n  <field name=\"a\" struct=\"A\"/>\n</struct>\n"
		     "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" struct=\"A\"/>\n</note>\n</layouts>\n",
		     "5:", "uses struct 'A', which is not defined before it");
	/* A struct whose only member was refused has no size: using it is refused too. */
	EXPECT_ERROR(HEAD "<struct name=\"A\">\n  <field name=\"a\" struct=\"Nope\" count=\"65536\"/>\n</struct>\n"
		     "<struct name=\"B\">\n  <field name=\"a\" struct=\"A\" count=\"65536\"/>\n</struct>\n"
		     "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"b\" struct=\"B\" count=\"65536\"/>\n</note>\n</layouts>\n",
		     "7:", "uses struct 'A', which has no valid members");
}

static void test_error_duplicates(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\"/>\n</note>\n"
		     "<note id=\"t.b\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\"/>\n</note>\n</layouts>\n",
		     "6:", "repeats name \"T\" and type 0x1");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\"/>\n</note>\n"
		     "<note id=\"t.a\" name=\"U\" type=\"1\">\n  <field name=\"a\" type=\"u8\"/>\n</note>\n</layouts>\n",
		     "6:", "note id 't.a' is already used");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\"/>\n  <field name=\"a\" type=\"u8\"/>\n</note>\n</layouts>\n",
		     "5:", "two members named 'a'");
}

static void test_error_optional_without_size_field(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u32\"/>\n"
		     "  <field name=\"b\" type=\"u32\" optional=\"true\"/>\n</note>\n</layouts>\n",
		     "3:", "has optional members but no size-field=");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\" size-field=\"a\">\n  <field name=\"a\" type=\"u32\" size-of=\"note\"/>\n"
		     "  <field name=\"b\" type=\"u32\" optional=\"true\"/>\n  <field name=\"c\" type=\"u32\"/>\n</note>\n</layouts>\n",
		     "6:", "follows an optional member");
}

static void test_error_const_range(void)
{
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"u8\" const=\"256\"/>\n</note>\n</layouts>\n",
		     "4:", "constant 256 does not fit type u8");
	EXPECT_ERROR(HEAD "<note id=\"t.a\" name=\"T\" type=\"1\">\n  <field name=\"a\" type=\"s8\" const=\"-129\"/>\n</note>\n</layouts>\n",
		     "4:", "does not fit type s8");
}

static void test_error_external_entity_reads_nothing(void)
{
	char secret[512], text[2048];
	int fd;

	snprintf(secret, sizeof(secret), "%s/secret.txt", tmpdir);
	fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, "TOPSECRET", 9) == 9);
	close(fd);
	snprintf(text, sizeof(text),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE layouts [<!ENTITY xxe SYSTEM \"file://%s\">]>\n"
		 "<layouts family=\"t\" doc=\"&xxe;\">\n<note id=\"t.a\" name=\"T\" type=\"1\">\n"
		 "  <field name=\"a\" type=\"u8\"/>\n</note>\n</layouts>\n", secret);
	EXPECT_ERROR(text, "2:1:", "a DOCTYPE declaration is not allowed");
	CU_ASSERT_PTR_NULL(strstr(diag_buf, "TOPSECRET"));
	/* The billion-laughs form is refused the same way, before parsing. */
	EXPECT_ERROR("<?xml version=\"1.0\"?>\n<!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n"
		     "<layouts family=\"&b;\"/>\n", "2:1:", "DOCTYPE");
}

/* A DOCTYPE in a UTF-16 file is refused too: the parser meets it, not a
 * byte search, and its entities are never expanded. */
static void test_error_doctype_utf16(void)
{
	const char *text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
			   "<!DOCTYPE l [<!ENTITY e \"EXPANDED\">]>\n"
			   "<layouts family=\"t\" doc=\"&e;\">\n<note id=\"t.a\" name=\"T\" type=\"1\">\n"
			   "  <field name=\"a\" type=\"u8\"/>\n</note>\n</layouts>\n";
	char u16[4096], path[600];
	size_t n = 0;
	struct guestcore_layouts *set = NULL;
	int fd;

	u16[n++] = (char)0xff; /* byte-order mark, little-endian */
	u16[n++] = (char)0xfe;
	for (const char *p = text; *p; p++) {
		u16[n++] = *p;
		u16[n++] = 0;
	}
	snprintf(path, sizeof(path), "%s/utf16.xml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, u16, n) == (ssize_t)n);
	close(fd);
	CU_ASSERT_FATAL(guestcore_layouts_new(SCHEMAS "/note-layout.xsd", &set) == 0);
	diag_buf[0] = '\0';
	CU_ASSERT_EQUAL(guestcore_layouts_load_file(set, path, diag_cb, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag_buf, "2:1: a DOCTYPE declaration is not allowed"));
	CU_ASSERT_PTR_NULL(strstr(diag_buf, "EXPANDED"));
	CU_ASSERT_EQUAL(guestcore_layouts_count(set), 0);
	guestcore_layouts_free(set);
}

/* Structs that hold structs that hold structs, and arrays of them: each
 * member refers to a struct parsed before it, which must stay where it was
 * while later structs are added (it once moved: use after free). */
static void test_nested_structs(void)
{
	char text[4096], path[600];
	struct guestcore_layouts *set = NULL;
	const struct guestcore_note_layout *nl;
	struct guestcore_layout_info li = { .sz = sizeof(li) };
	int fd, found = 0;

	snprintf(text, sizeof(text), HEAD
		 "<enum name=\"E\"><value name=\"one\" value=\"1\"/></enum>\n"
		 "<flags name=\"F\"><bit name=\"b0\" bit=\"0\"/></flags>\n"
		 "<struct name=\"A\"><field name=\"x\" type=\"u32\" bind=\".base\"/><field name=\"e\" type=\"u16\" enum=\"E\"/>"
		 "<field name=\"f\" type=\"u16\" flags=\"F\"/></struct>\n"
		 "<struct name=\"B\"><field name=\"a\" struct=\"A\" bind=\".cs\"/><field name=\"as\" struct=\"A\" count=\"2\"/></struct>\n"
		 "<struct name=\"C\"><field name=\"b\" struct=\"B\" bind=\"reg\"/><pad size=\"8\"/></struct>\n"
		 "<struct name=\"D\"><field name=\"c\" struct=\"C\" count=\"3\"/></struct>\n"
		 "<note id=\"t.nest\" name=\"T\" type=\"1\">\n"
		 "  <field name=\"len\" type=\"u32\" size-of=\"C\"/>\n"
		 "  <field name=\"d\" struct=\"D\" count=\"2\"/>\n"
		 "  <field name=\"c\" struct=\"C\"/>\n</note>\n</layouts>\n");
	snprintf(path, sizeof(path), "%s/nested.xml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CU_ASSERT_FATAL(guestcore_layouts_new(SCHEMAS "/note-layout.xsd", &set) == 0);
	diag_buf[0] = '\0';
	CU_ASSERT_EQUAL(guestcore_layouts_load_file(set, path, diag_cb, NULL), 0);
	CU_ASSERT_STRING_EQUAL(diag_buf, "");
	nl = guestcore_layouts_find(set, "t.nest");
	CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
	guestcore_note_layout_info(nl, &li);
	/* A is 8 bytes, B 24, C 32, D 96: 4 + 2 * 96 + 32. */
	CU_ASSERT_EQUAL(li.size, 4 + 2 * 96 + 32);
	for (size_t i = 0; i < li.field_count; i++) {
		struct guestcore_field_info fi = { .sz = sizeof(fi) };
		guestcore_note_layout_field(nl, i, &fi);
		if (strcmp(fi.path, "d[1].c[2].b.as[1].f") == 0) {
			CU_ASSERT_EQUAL(fi.offset, 4 + 96 + 2 * 32 + 8 + 8 + 6);
			found++;
		}
		if (strcmp(fi.path, "c.b.a.x") == 0) {
			CU_ASSERT_EQUAL(fi.offset, 4 + 2 * 96);
			CU_ASSERT_STRING_EQUAL(fi.binding ? fi.binding : "", "reg.cs.base");
			found++;
		}
		if (strcmp(fi.path, "len") == 0) {
			CU_ASSERT_EQUAL(fi.const_value, 32);
			found++;
		}
	}
	CU_ASSERT_EQUAL(found, 3);
	guestcore_layouts_free(set);
}

static void test_unreadable_file(void)
{
	struct guestcore_layouts *set = NULL;

	CU_ASSERT_FATAL(guestcore_layouts_new(SCHEMAS "/note-layout.xsd", &set) == 0);
	diag_buf[0] = '\0';
	CU_ASSERT_EQUAL(guestcore_layouts_load_file(set, "/nonexistent/x.xml", diag_cb, NULL), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag_buf, "No such file or directory"));
	CU_ASSERT_EQUAL(guestcore_layouts_load_dir(set, "/nonexistent", diag_cb, NULL), -ENOENT);
	guestcore_layouts_free(set);
	CU_ASSERT_EQUAL(guestcore_layouts_new("/nonexistent.xsd", &set), -ENOENT);
}

static int suite_init(void)
{
	if (!mkdtemp(tmpdir))
		return -1;
	if (guestcore_layouts_new(SCHEMAS "/note-layout.xsd", &bundled) < 0)
		return -1;
	diag_buf[0] = '\0';
	return guestcore_layouts_load_dir(bundled, SCHEMAS, diag_cb, NULL) == 0 ? 0 : (fputs(diag_buf, stderr), -1);
}

static int suite_clean(void)
{
	char cmd[600];

	guestcore_layouts_free(bundled);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "bundled layouts load cleanly", test_bundled_layouts_load },
		{ "VBCORE/VBCPU offsets match the reference", test_vbox_offsets },
		{ "QEMU and Linux sizes match", test_qemu_and_linux_sizes },
		{ "match by name, type and machine", test_match },
		{ "VBCPU encodes byte-exact", test_vbcpu_byte_exact },
		{ "VBCORE and QEMUCPUState encode byte-exact", test_vbcore_and_qemu_byte_exact },
		{ "big-endian layouts encode big-endian", test_big_endian },
		{ "every layout round-trips random values", test_round_trips },
		{ "QEMUCPUState tail decided by its size field", test_qemu_tail_by_size },
		{ "decode never reads past the descriptor", test_decode_bounds },
		{ "enums and flags decode by name", test_enum_and_flags },
		{ "a minimal layout loads", test_good_minimal_layout },
		{ "error: not well-formed", test_error_not_well_formed },
		{ "error: XSD violation", test_error_xsd },
		{ "error: overlapping offset", test_error_overlap },
		{ "error: gap before declared offset", test_error_gap },
		{ "error: sizes do not add up", test_error_size_mismatch },
		{ "error: bindings", test_error_unknown_binding },
		{ "error: unknown references", test_error_unknown_reference },
		{ "error: duplicates", test_error_duplicates },
		{ "error: optional members", test_error_optional_without_size_field },
		{ "error: constant out of range", test_error_const_range },
		{ "error: external entity reads nothing", test_error_external_entity_reads_nothing },
		{ "error: unreadable files", test_unreadable_file },
		{ "error: DOCTYPE in UTF-16", test_error_doctype_utf16 },
		{ "structs nested three deep and arrays of them", test_nested_structs },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("note layouts", suite_init, suite_clean, tests);
	return gc_cunit_run();
}
