/* The QEMU source's parsers against what QEMU 7.2 printed for a 2-vCPU
 * SeaBIOS guest (tests/data/qemu-7.2-*.txt): 'info mtree -f' gives the RAM
 * and ROM of the system address space with backend offsets, 'info registers
 * -a' every vCPU's registers under vocabulary names. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit_main.h"
#include "qemu.h"

static char *slurp(const char *name)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/%s", TEST_SRCDIR, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

struct ranges {
	struct qs_range_sink base;
	struct { uint64_t start, len; int rom; char name[32]; bool has_off; uint64_t off; } r[32];
	int n;
};

static void add(struct qs_range_sink *s, uint64_t start, uint64_t len, int rom, const char *name, bool has_off,
		uint64_t off)
{
	struct ranges *rs = (struct ranges *)s;

	if (rs->n >= 32)
		return;
	rs->r[rs->n].start = start;
	rs->r[rs->n].len = len;
	rs->r[rs->n].rom = rom;
	snprintf(rs->r[rs->n].name, sizeof(rs->r[0].name), "%s", name);
	rs->r[rs->n].has_off = has_off;
	rs->r[rs->n].off = off;
	rs->n++;
}

static void test_mtree(void)
{
	char *text = slurp("qemu-7.2-mtree.txt");
	struct ranges rs = { .base.add = add };

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(qs_parse_mtree(text, &rs.base), 0);
	free(text);
	CU_ASSERT_EQUAL_FATAL(rs.n, 6);
	/* 0-0xc2fff RAM "mem"; ROM inside the backend at 0xc3000; ... pc.bios. */
	CU_ASSERT_EQUAL(rs.r[0].start, 0);
	CU_ASSERT_EQUAL(rs.r[0].len, 0xc3000);
	CU_ASSERT_EQUAL(rs.r[0].rom, 0);
	CU_ASSERT_STRING_EQUAL(rs.r[0].name, "mem");
	CU_ASSERT_FALSE(rs.r[0].has_off);
	CU_ASSERT_EQUAL(rs.r[1].start, 0xc3000);
	CU_ASSERT_EQUAL(rs.r[1].rom, 1);
	CU_ASSERT_TRUE(rs.r[1].has_off);
	CU_ASSERT_EQUAL(rs.r[1].off, 0xc3000);
	CU_ASSERT_EQUAL(rs.r[4].start, 0x100000);
	CU_ASSERT_EQUAL(rs.r[4].len, 0x7f00000);
	CU_ASSERT_EQUAL(rs.r[4].off, 0x100000);
	CU_ASSERT_EQUAL(rs.r[5].start, 0xfffc0000);
	CU_ASSERT_EQUAL(rs.r[5].len, 0x40000);
	CU_ASSERT_STRING_EQUAL(rs.r[5].name, "pc.bios");
	CU_ASSERT_EQUAL(rs.r[5].rom, 1);
	/* Text without the system view. */
	rs.n = 0;
	CU_ASSERT_EQUAL(qs_parse_mtree("FlatView #0\n AS \"I/O\", root: io\n", &rs.base), -ENOENT);
}

struct regs {
	struct qs_cpu_sink base;
	char seen[4096];
};

static void set(struct qs_cpu_sink *s, int cpu, const char *name, uint64_t v)
{
	struct regs *r = (struct regs *)s;

	snprintf(r->seen + strlen(r->seen), sizeof(r->seen) - strlen(r->seen), "%d:%s=%llx\n", cpu, name,
		 (unsigned long long)v);
}

static void test_registers(void)
{
	char *text = slurp("qemu-7.2-registers.txt");
	struct regs r = { .base.set = set };

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(qs_parse_registers(text, &r.base), 0);
	free(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.rip=b7b9\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.rsp=6f94\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.rflags=246\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.cs.sel=f000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.cs.base=f0000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.cs.limit=ffff\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.cs.desc_flags=9b00\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.es.base=d9800\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.idtr.limit=3ff\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.cr0=10\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.dr7=400\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.efer=0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "1:reg.rip="));
	CU_ASSERT_PTR_NULL(strstr(r.seen, "2:reg."));
	/* Floating-point and vector registers are not in the vocabulary. */
	CU_ASSERT_PTR_NULL(strstr(r.seen, "FPR"));
	/* A 64-bit CPU's lines, as QEMU prints them in long mode. */
	r.seen[0] = '\0';
	CU_ASSERT_EQUAL(qs_parse_registers("CPU#0\nRAX=0000000000000001 RBX=0000000000000002\n"
					   "R8 =0000000000000008 R9 =0000000000000009\n"
					   "RIP=ffffffff81000000 RFL=00000202 [-------] CPL=0\n"
					   "GDT=     fffffe0000001000 0000007f\n", &r.base), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.r8=8\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.rip=ffffffff81000000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.seen, "0:reg.gdtr.base=fffffe0000001000\n"));
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "info mtree -f: RAM and ROM of the system view", test_mtree },
		{ "info registers -a: every vCPU", test_registers },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("qemu parsers", NULL, NULL, tests);
	return gc_cunit_run();
}
