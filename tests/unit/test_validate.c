/* guestcore_core_validate(): a clean core has no finding worse than info;
 * each finding is triggered by a file crafted from it, one change at a time. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <guestcore/guestcore.h>

#include "cunit_main.h"
#include "fixtures.h"

static struct guestcore_host *host;
static struct guestcore_layouts *layouts;
static char dir[] = "/tmp/gc-test-validate-XXXXXX";
static char clean[600], clean_qemu_first[600], xnum[600], partial[600];
static char found[16384];

static const char *path(const char *name)
{
	static char buf[4][600];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int make(const char *source, const char *const *sets, const char *out, bool digest)
{
	struct guestcore_dump_opts o = { .sz = sizeof(o), .source = source, .note_sets = sets, .output = out,
					 .force = true, .digest = digest };
	char msg[512];
	int r = guestcore_dump(host, layouts, &o, NULL, msg, sizeof(msg));

	if (r < 0)
		fprintf(stderr, "dump: %s\n", msg);
	return r;
}

static void on_finding(void *ud, const struct guestcore_finding *f)
{
	static const char *const sev[] = { "info", "warning", "error" };

	(void)ud;
	snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s %s @0x%llx: %s\n", sev[f->severity], f->id,
		 (unsigned long long)f->offset, f->message);
}

/* Validate FILE; the findings land in `found`; returns the error count, or
 * -1000 when the file cannot be opened. */
static int validate(const char *file, int profile)
{
	struct guestcore_core *c = NULL;
	char msg[512];
	int r;

	found[0] = '\0';
	if (guestcore_core_open(file, layouts, &c, msg, sizeof(msg)) < 0) {
		snprintf(found, sizeof(found), "unreadable: %s\n", msg);
		return -1000;
	}
	r = guestcore_core_validate(c, profile, on_finding, NULL);
	guestcore_core_close(c);
	return r;
}

static void copy(const char *from, const char *to)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd), "cp --sparse=always '%s' '%s'", from, to);
	CU_ASSERT_FATAL(system(cmd) == 0);
}

static void poke(const char *file, uint64_t off, uint64_t value, unsigned size)
{
	unsigned char b[8];
	int fd = open(file, O_WRONLY);

	for (unsigned i = 0; i < size; i++)
		b[i] = (unsigned char)(value >> (8 * i));
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, b, size, (off_t)off) == (ssize_t)size);
	close(fd);
}

static uint64_t peek(const char *file, uint64_t off, unsigned size)
{
	unsigned char b[8] = { 0 };
	uint64_t v = 0;
	int fd = open(file, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, b, size, (off_t)off) == (ssize_t)size);
	close(fd);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

#define PH(i, field) (64 + (uint64_t)(i) * 56 + (field))
enum { P_TYPE = 0, P_FLAGS = 4, P_OFFSET = 8, P_VADDR = 16, P_PADDR = 24, P_FILESZ = 32, P_MEMSZ = 40 };

/* File offset of the I-th note's header in FILE. */
static uint64_t note_offset(const char *file, size_t i)
{
	struct guestcore_core *c = NULL;
	struct guestcore_note_ref n = { .sz = sizeof(n) };
	uint64_t off = 0;

	CU_ASSERT_FATAL(guestcore_core_open(file, layouts, &c, NULL, 0) == 0);
	if (guestcore_core_note(c, i, &n) == 0)
		off = n.offset;
	guestcore_core_close(c);
	CU_ASSERT_FATAL(off != 0);
	return off;
}

#define EXPECT(file, profile, sevid)                                                           \
	do {                                                                                    \
		validate(file, profile);                                                        \
		if (!strstr(found, sevid)) {                                                    \
			fprintf(stderr, "\n  %s: expected '%s' in:\n%s", file, sevid, found);   \
			CU_FAIL("finding " sevid);                                              \
		}                                                                               \
	} while (0)

static const char *crafted(const char *name)
{
	const char *p = path(name);

	copy(clean, p);
	return p;
}

static void test_clean_core_is_clean(void)
{
	CU_ASSERT_EQUAL(validate(clean, GUESTCORE_PROFILE_STRICT), 0);
	CU_ASSERT_PTR_NULL(strstr(found, "error "));
	CU_ASSERT_PTR_NULL(strstr(found, "warning "));
	CU_ASSERT_EQUAL(validate(clean, GUESTCORE_PROFILE_VBOX), 0);
	CU_ASSERT_EQUAL(validate(clean, GUESTCORE_PROFILE_QEMU), 0);
	if (found[0])
		fprintf(stderr, "\n%s", found);
}

static void test_header_findings(void)
{
	const char *f;

	f = crafted("eiv.core");
	poke(f, 6, 0, 1);
	EXPECT(f, 0, "error header.ei_version @0x6");
	f = crafted("type.core");
	poke(f, 16, ET_EXEC, 2);
	EXPECT(f, 0, "error header.type");
	f = crafted("version.core");
	poke(f, 20, 0, 4);
	EXPECT(f, 0, "error header.version");
	f = crafted("ehsize.core");
	poke(f, 52, 8, 2);
	EXPECT(f, 0, "error header.ehsize");
	f = crafted("phent.core");
	poke(f, 54, 32, 2);
	EXPECT(f, 0, "error header.phentsize");
	f = crafted("phoff.core");
	{
		struct stat st;
		stat(f, &st);
		poke(f, 32, (uint64_t)st.st_size - 100, 8);
	}
	EXPECT(f, 0, "error phdr.bounds");
}

/* The 64 bytes read_phys gives at guest-physical ADDR of FILE are its bytes
 * at file offset OFF. */
static bool phys_is_file(const char *file, uint64_t addr, uint64_t off)
{
	struct guestcore_core *c = NULL;
	unsigned char a[64], b[64];
	char msg[512];
	int fd = open(file, O_RDONLY);
	bool same;

	CU_ASSERT_FATAL(fd >= 0 && pread(fd, b, sizeof(b), (off_t)off) == (ssize_t)sizeof(b));
	close(fd);
	CU_ASSERT_FATAL(guestcore_core_open(file, layouts, &c, msg, sizeof(msg)) == 0);
	same = guestcore_core_read_phys(c, addr, a, sizeof(a), false, msg, sizeof(msg)) == 0 &&
	       memcmp(a, b, sizeof(a)) == 0;
	guestcore_core_close(c);
	return same;
}

static void test_load_findings(void)
{
	const char *f;
	uint64_t p1 = peek(clean, PH(1, P_PADDR), 8);

	f = crafted("trunc.core");
	{
		struct stat st;
		stat(f, &st);
		CU_ASSERT_FATAL(truncate(f, st.st_size - 8192) == 0);
	}
	EXPECT(f, 0, "error load.truncated");
	f = crafted("filesz.core");
	poke(f, PH(1, P_FILESZ), peek(clean, PH(1, P_MEMSZ), 8) + 4096, 8);
	EXPECT(f, 0, "error load.filesz");
	f = crafted("order.core");
	poke(f, PH(3, P_PADDR), p1, 8);
	poke(f, PH(1, P_PADDR), peek(clean, PH(3, P_PADDR), 8), 8);
	EXPECT(f, GUESTCORE_PROFILE_AUTO, "warning load.order");
	EXPECT(f, GUESTCORE_PROFILE_VBOX, "error load.order");
	/* read_phys finds a PT_LOAD by its address, whatever the table's
	 * order, and where two overlap the first in the table wins (PT_LOADs
	 * 1 and 2 are RAM, their bytes at the offsets compared differ) */
	{
		uint64_t o1 = peek(clean, PH(1, P_OFFSET), 8), o2 = peek(clean, PH(2, P_OFFSET), 8);
		uint64_t p2 = peek(clean, PH(2, P_PADDR), 8);

		CU_ASSERT_FATAL(peek(clean, o1 + 0x1000, 8) != peek(clean, o2, 8));
		CU_ASSERT_FATAL(peek(clean, o1, 8) != peek(clean, o2, 8));
		f = crafted("swapped.core");
		poke(f, PH(1, P_PADDR), p2, 8);
		poke(f, PH(2, P_PADDR), p1, 8);
		CU_ASSERT(phys_is_file(f, p1, o2));
		CU_ASSERT(phys_is_file(f, p2, o1));
		f = crafted("overlap.core");
		poke(f, PH(2, P_PADDR), p1 + 0x1000, 8);
		EXPECT(f, 0, "error load.overlap");
		CU_ASSERT(phys_is_file(f, p1 + 0x1000, o1 + 0x1000));
	}
	f = crafted("half.core");
	poke(f, PH(1, P_FILESZ), peek(clean, PH(1, P_FILESZ), 8) / 2, 8);
	EXPECT(f, 0, "warning compat.filesz_memsz");
	f = crafted("off0.core");
	poke(f, PH(1, P_OFFSET), 0, 8);
	EXPECT(f, 0, "warning compat.offset_zero");
	f = crafted("align.core");
	poke(f, PH(1, P_PADDR), p1 + 0x10, 8);
	EXPECT(f, 0, "info compat.page_align");
}

static void test_xnum_findings(void)
{
	const char *f;
	uint64_t shoff = peek(xnum, 40, 8);

	EXPECT(xnum, 0, "warning compat.header_limit");
	CU_ASSERT_PTR_NULL(strstr(found, "error "));
	/* Section 0 gone: the real count cannot be had. */
	f = path("xnum-noshdr.core");
	copy(xnum, f);
	poke(f, 40, 0, 8);
	validate(f, 0);
	CU_ASSERT(strstr(found, "error xnum.section") || strstr(found, "error header.phnum"));
	/* Four billion program headers claimed: refused at once. */
	f = path("xnum-4g.core");
	copy(xnum, f);
	poke(f, shoff + 44, 0xffffffffu, 4);
	EXPECT(f, 0, "error phdr.");
}

static void test_note_findings(void)
{
	const char *f;
	uint64_t vbcore = note_offset(clean, 0);  /* VBCORE */
	uint64_t q1 = note_offset(clean, 6);      /* the second QEMU note */

	f = crafted("namesz.core");
	poke(f, vbcore, 7, 4);
	EXPECT(f, 0, "error note.namesz");
	f = crafted("magic.core");
	poke(f, vbcore + 20, 0x12345678, 4);
	EXPECT(f, 0, "error note.const");
	f = crafted("oldfmt.core");
	poke(f, vbcore + 24, 0x00010005, 4);
	EXPECT(f, 0, "info note.const");
	f = crafted("cbself.core");
	poke(f, vbcore + 28, 28, 4);
	EXPECT(f, 0, "error note.size_field");
	f = crafted("cpus.core");
	poke(f, vbcore + 40, 3, 4);
	EXPECT(f, 0, "error vbox.cpus");
	f = crafted("short.core");
	poke(f, vbcore + 4, 16, 4);
	EXPECT(f, 0, "error note.descsz");
	f = crafted("bounds.core");
	poke(f, vbcore + 4, 0x7fffff00, 4);
	EXPECT(f, 0, "error note.bounds");
	f = crafted("unknown.core");
	poke(f, q1 + 12, 'X', 1);
	EXPECT(f, 0, "info note.unknown");
	EXPECT(f, 0, "error percpu.count");
	f = crafted("padding.core");
	poke(f, vbcore + 12 + 7, 0x5a, 1); /* after "VBCORE" and its NUL */
	EXPECT(f, 0, "warning note.padding");
	f = crafted("nonote.core");
	poke(f, PH(0, P_TYPE), PT_NULL, 4);
	EXPECT(f, 0, "warning note.missing");
	EXPECT(clean_qemu_first, 0, "error vbox.first");
}

static void test_profiles(void)
{
	static const char *const qemu_only[] = { "qemu", NULL };
	static const char *const vbox_only[] = { "vbox", NULL };

	CU_ASSERT_FATAL(make("test:ranges=1,size=0x10000,cpus=1", qemu_only, path("q.core"), false) == 0);
	CU_ASSERT_FATAL(make("test:ranges=1,size=0x10000,cpus=1", vbox_only, path("v.core"), false) == 0);
	EXPECT(path("q.core"), GUESTCORE_PROFILE_VBOX, "error profile.vbox");
	CU_ASSERT_EQUAL(validate(path("q.core"), GUESTCORE_PROFILE_QEMU), 0);
	EXPECT(path("v.core"), GUESTCORE_PROFILE_QEMU, "error profile.qemu");
	CU_ASSERT_EQUAL(validate(path("v.core"), GUESTCORE_PROFILE_VBOX), 0);
}

static void test_digest_and_unreadable(void)
{
	const char *f = crafted("digest.core");
	uint64_t off = peek(clean, PH(1, P_OFFSET), 8);

	poke(f, off + 5, peek(clean, off + 5, 1) ^ 0xff, 1);
	EXPECT(f, 0, "error guestcore.digest");
	EXPECT(partial, 0, "info guestcore.unreadable");
	CU_ASSERT_PTR_NULL(strstr(found, "error "));
}

static void test_many_notes_fail_fast(void)
{
	/* A PT_NOTE of more than a million empty notes. */
	const char *f = path("notes.core");
	const size_t n = (1u << 20) + 10;
	unsigned char eh[64] = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT };
	unsigned char ph[56] = { 0 };
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	eh[16] = ET_CORE; eh[18] = EM_X86_64; eh[20] = 1; eh[32] = 64; eh[52] = 64; eh[54] = 56; eh[56] = 1;
	ph[0] = PT_NOTE;
	ph[8] = 120; /* p_offset */
	for (int i = 0; i < 8; i++) {
		ph[32 + i] = (unsigned char)((n * 12) >> (8 * i));
		ph[40 + i] = (unsigned char)((n * 12) >> (8 * i));
	}
	CU_ASSERT(write(fd, eh, 64) == 64);
	CU_ASSERT(write(fd, ph, 56) == 56);
	CU_ASSERT(ftruncate(fd, 120 + (off_t)(n * 12)) == 0);
	close(fd);
	EXPECT(f, 0, "error note.count");
}

static void test_not_a_core(void)
{
	const char *f = path("text.core");
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT(write(fd, "hello, not an ELF file at all\n", 30) == 30);
	close(fd);
	CU_ASSERT_EQUAL(validate(f, 0), -1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(found, "not an ELF file"));
	CU_ASSERT_EQUAL(validate("/nonexistent.core", 0), -1000);
}

static int suite_init(void)
{
	static const char *const both[] = { "vbox", "qemu", NULL };
	static const char *const qemu_first[] = { "qemu", "vbox", NULL };

	if (gc_fixture_open(dir, &host, &layouts) < 0)
		return -1;
	snprintf(clean, sizeof(clean), "%s/clean.core", dir);
	snprintf(clean_qemu_first, sizeof(clean_qemu_first), "%s/qfirst.core", dir);
	snprintf(xnum, sizeof(xnum), "%s/xnum.core", dir);
	snprintf(partial, sizeof(partial), "%s/partial.core", dir);
	if (make("test:ranges=4,size=0x40000,gap=0x1000,cpus=2,mmio=3", both, clean, true) != 0 ||
	    make("test:ranges=2,size=0x10000,cpus=1", qemu_first, clean_qemu_first, false) != 0 ||
	    make("test:ranges=65600,size=0x1000,mmio=1", NULL, xnum, false) != 0 ||
	    make("test:ranges=1,size=0x10000,bad=0x2000+0x1000", NULL, partial, false) != GUESTCORE_DUMP_PARTIAL)
		return -1;
	return 0;
}

static int suite_clean(void)
{
	return gc_fixture_close(dir, host, layouts);
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "a clean core has no finding", test_clean_core_is_clean },
		{ "header findings", test_header_findings },
		{ "PT_LOAD findings", test_load_findings },
		{ "PN_XNUM findings", test_xnum_findings },
		{ "note findings", test_note_findings },
		{ "profiles", test_profiles },
		{ "digests and unreadable ranges", test_digest_and_unreadable },
		{ "a million notes fail fast", test_many_notes_fail_fast },
		{ "not a core", test_not_a_core },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("validate", suite_init, suite_clean, tests);
	return gc_cunit_run();
}
