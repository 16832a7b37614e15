/* The kdump-compressed container: round trips through every compression
 * (every byte read back at its guest-physical address, MMIO and holes not
 * in the file, notes and VMCOREINFO where crash looks), ELF to kdump and
 * back through the elfcore source, the flattened form, every failure path
 * of the writer, and hostile files: truncated at every section, bitmaps
 * that lie, descriptors that point outside, pages that do not decompress to
 * one page. */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <zstd.h>

#include <guestcore/guestcore.h>

#include "cunit_main.h"
#include "fixtures.h"
#include "../plugins/tp_pattern.h"
#include "kdump/format.h"
#include "kallsyms.h"
#include "vmci.h"

static struct guestcore_host *host;
static struct guestcore_layouts *layouts;
static char dir[] = "/tmp/gc-test-kdump-XXXXXX";
static char msg[1024];

#define VMCI "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nNUMBER(phys_base)=0x2a000000\n"
/* three ranges of 3 MiB + 1 page, 1 MiB apart, the third MMIO */
#define SRC "test:ranges=3,size=0x301000,gap=0x100000,mmio=3,cpus=2,note=VMCOREINFO:0:" VMCI

static const char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int dump_kd(const char *source, const char *out, int compression, int level, bool force,
		   struct guestcore_dump_result *res)
{
	static const char *const sets[] = { "vbox", "qemu", NULL };
	struct guestcore_dump_opts o = {
		.sz = sizeof(o), .source = source, .note_sets = sets, .output = out, .force = force,
		.format = GUESTCORE_FORMAT_KDUMP, .compression = compression, .compression_level = level,
	};
	struct guestcore_dump_result local = { .sz = sizeof(local) };

	return guestcore_dump(host, layouts, &o, res ? res : &local, msg, sizeof(msg));
}

static int leftovers(void)
{
	return gc_fixture_leftovers(dir);
}

/* Every byte of the test source's RAM ranges at its address. */
static bool pattern_ok(struct guestcore_core *c, uint64_t start, uint64_t len)
{
	unsigned char *b = malloc(len);
	bool ok = b && guestcore_core_read_phys(c, start, b, len, false, msg, sizeof(msg)) == 0;

	for (uint64_t i = 0; ok && i < len; i++)
		ok = b[i] == tp_pattern(start + i);
	free(b);
	return ok;
}

static const struct guestcore_note_ref *find_note(struct guestcore_core *c, const char *name, uint32_t type,
						  size_t nth, struct guestcore_note_ref *n)
{
	struct guestcore_core_info info = { .sz = sizeof(info) };

	guestcore_core_info(c, &info);
	for (size_t i = 0; i < info.notes; i++) {
		n->sz = sizeof(*n);
		guestcore_core_note(c, i, n);
		if (strcmp(n->name, name) == 0 && n->type == type && nth-- == 0)
			return n;
	}
	return NULL;
}

struct count_ctx {
	const char *id;
	int *found;
};

static void count_cb(void *ud, const struct guestcore_finding *f)
{
	struct count_ctx *y = ud;

	if (y->id && f->severity == GUESTCORE_SEVERITY_ERROR && strcmp(f->id, y->id) == 0)
		(*y->found)++;
}

/* Errors validate finds; *FOUND counts those with id WANT_ID. */
static int errors_of(struct guestcore_core *c, const char *want_id, int *found)
{
	struct count_ctx x = { want_id, found };

	if (found)
		*found = 0;
	return guestcore_core_validate(c, GUESTCORE_PROFILE_AUTO, count_cb, &x);
}

static void test_round_trip_each_compression(void)
{
	static const int comps[] = { GUESTCORE_COMPRESS_DEFAULT, GUESTCORE_COMPRESS_ZSTD, GUESTCORE_COMPRESS_ZLIB,
				     GUESTCORE_COMPRESS_LZO, GUESTCORE_COMPRESS_SNAPPY, GUESTCORE_COMPRESS_NONE };
	static const uint32_t flags[] = { KD_COMPRESSED_ZSTD, KD_COMPRESSED_ZSTD, KD_COMPRESSED_ZLIB,
					  KD_COMPRESSED_LZO, KD_COMPRESSED_SNAPPY, 0 };

	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		struct guestcore_dump_result res = { .sz = sizeof(res) };
		struct guestcore_core *c = NULL;
		struct guestcore_core_info info = { .sz = sizeof(info) };
		struct guestcore_kdump_info kd = { .sz = sizeof(kd) };
		struct guestcore_note_ref n;
		unsigned char b[64];
		struct stat st;
		uint64_t pages = 2 * 0x301;

		CU_ASSERT_EQUAL_FATAL(dump_kd(SRC, path("k.kdump"), comps[i], 0, true, &res), 0);
		CU_ASSERT_EQUAL(res.format, GUESTCORE_FORMAT_KDUMP);
		CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("k.kdump"), layouts, &c, msg, sizeof(msg)), 0);
		guestcore_core_info(c, &info);
		CU_ASSERT_EQUAL(info.format, GUESTCORE_FORMAT_KDUMP);
		CU_ASSERT_EQUAL(info.e_machine, 62);
		CU_ASSERT_EQUAL_FATAL(guestcore_core_kdump_info(c, &kd), 0);
		CU_ASSERT_EQUAL(kd.header_version, 6);
		CU_ASSERT_EQUAL(kd.block_size, 4096);
		CU_ASSERT_EQUAL(kd.status, flags[i]);
		CU_ASSERT_EQUAL(kd.nr_cpus, 2);
		CU_ASSERT_STRING_EQUAL(kd.utsname[4], "x86_64");
		CU_ASSERT_STRING_EQUAL(kd.utsname[2], "6.1.0-test");
		CU_ASSERT_EQUAL(kd.phys_base, 0x2a000000);
		/* the RAM ranges' pages and only those; the MMIO range is not there */
		CU_ASSERT_EQUAL(kd.max_mapnr, (0x401000 + 0x301000) / 4096);
		CU_ASSERT_EQUAL(kd.present_pages, pages);
		CU_ASSERT_EQUAL(kd.dumped_pages, pages);
		CU_ASSERT(pattern_ok(c, 0, 0x301000));
		CU_ASSERT(pattern_ok(c, 0x401000, 0x301000));
		CU_ASSERT(pattern_ok(c, 0x400ff0, 0x20) == false); /* the gap */
		CU_ASSERT_EQUAL(guestcore_core_read_phys(c, 0x802000, b, 16, false, msg, sizeof(msg)), -ENXIO);
		CU_ASSERT_EQUAL(guestcore_core_read_phys(c, 0x802000, b, 16, true, msg, sizeof(msg)), 0);
		/* VMCOREINFO where the sub header says, and as a note */
		CU_ASSERT_EQUAL(kd.size_vmcoreinfo, strlen(VMCI));
		CU_ASSERT_PTR_NOT_NULL_FATAL(find_note(c, "VMCOREINFO", 0, 0, &n));
		CU_ASSERT_EQUAL(n.desc_offset, kd.offset_vmcoreinfo);
		CU_ASSERT_EQUAL(n.descsz, strlen(VMCI));
		CU_ASSERT_NSTRING_EQUAL(n.desc, VMCI, strlen(VMCI));
		/* the register notes of both vCPUs, decoded by their layouts */
		CU_ASSERT_PTR_NOT_NULL(find_note(c, "VBCPU", 0xb01, 1, &n));
		CU_ASSERT_PTR_NOT_NULL(find_note(c, "CORE", 1, 1, &n));
		CU_ASSERT_PTR_NOT_NULL(find_note(c, "QEMU", 0, 1, &n));
		CU_ASSERT_PTR_NULL(find_note(c, "CORE", 1, 2, &n));
		CU_ASSERT_EQUAL(errors_of(c, NULL, NULL), 0);
		/* zero pages (one in four) cost a descriptor and no data */
		CU_ASSERT_EQUAL(stat(path("k.kdump"), &st), 0);
		if (flags[i] == 0) {
			CU_ASSERT((uint64_t)st.st_size <= kd.desc_offset + pages * 24 + (pages * 3 / 4 + 2) * 4096);
		} else {
			CU_ASSERT((uint64_t)st.st_size < kd.desc_offset + pages * 24 + pages * 3 / 4 * 4096);
		}
		guestcore_core_close(c);
	}
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* kdump -> ELF -> kdump through the elfcore source: the same bytes, the
 * same registers, VMCOREINFO kept. */
static void test_kdump_elf_kdump(void)
{
	char src[600];
	struct guestcore_core *a = NULL, *b = NULL, *e = NULL;
	struct guestcore_note_ref na, nb;
	static const char *const sets[] = { "vbox", "qemu", NULL };
	struct guestcore_dump_opts o = { .sz = sizeof(o), .note_sets = sets, .output = path("back.core"), .force = true };
	struct guestcore_dump_result res = { .sz = sizeof(res) };

	CU_ASSERT_EQUAL_FATAL(dump_kd(SRC, path("a.kdump"), GUESTCORE_COMPRESS_ZLIB, 6, true, NULL), 0);
	snprintf(src, sizeof(src), "elfcore:%s", path("a.kdump"));
	o.source = src;
	CU_ASSERT_EQUAL_FATAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), 0);
	snprintf(src, sizeof(src), "elfcore:%s", path("back.core"));
	CU_ASSERT_EQUAL_FATAL(dump_kd(src, path("b.kdump"), GUESTCORE_COMPRESS_SNAPPY, 0, true, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("a.kdump"), layouts, &a, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("b.kdump"), layouts, &b, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("back.core"), layouts, &e, msg, sizeof(msg)), 0);
	CU_ASSERT(pattern_ok(e, 0, 0x301000));
	CU_ASSERT(pattern_ok(e, 0x401000, 0x301000));
	CU_ASSERT(pattern_ok(b, 0, 0x301000));
	CU_ASSERT(pattern_ok(b, 0x401000, 0x301000));
	for (size_t cpu = 0; cpu < 2; cpu++) {
		static const struct {
			const char *name;
			uint32_t type;
		} kinds[] = { { "VBCPU", 0xb01 }, { "CORE", 1 }, { "QEMU", 0 } };
		for (size_t k = 0; k < 3; k++) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(find_note(a, kinds[k].name, kinds[k].type, cpu, &na));
			CU_ASSERT_PTR_NOT_NULL_FATAL(find_note(b, kinds[k].name, kinds[k].type, cpu, &nb));
			CU_ASSERT_EQUAL(na.descsz, nb.descsz);
			CU_ASSERT(memcmp(na.desc, nb.desc, na.descsz) == 0);
		}
	}
	CU_ASSERT_PTR_NOT_NULL(find_note(e, "VMCOREINFO", 0, 0, &na));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_note(b, "VMCOREINFO", 0, 0, &nb));
	CU_ASSERT_EQUAL(nb.descsz, strlen(VMCI));
	guestcore_core_close(a);
	guestcore_core_close(b);
	guestcore_core_close(e);
}

/* A range whose length is not a page multiple: its last page padded with
 * zeros; one that starts inside a page: refused, nothing left behind. */
static void test_partial_pages(void)
{
	struct guestcore_core *c = NULL;
	unsigned char b[0x1000];

	CU_ASSERT_EQUAL_FATAL(dump_kd("test:ranges=2,size=0x2345,gap=0x1cbb", path("p.kdump"), 0, 0, true, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("p.kdump"), layouts, &c, msg, sizeof(msg)), 0);
	CU_ASSERT(pattern_ok(c, 0, 0x2345));
	CU_ASSERT(pattern_ok(c, 0x4000, 0x2345));
	CU_ASSERT_EQUAL(guestcore_core_read_phys(c, 0x2345, b, 0x1000 - 0x345, false, msg, sizeof(msg)), 0);
	for (size_t i = 0; i < 0x1000 - 0x345; i++)
		CU_ASSERT_EQUAL_FATAL(b[i], 0);
	guestcore_core_close(c);

	CU_ASSERT_EQUAL(dump_kd("test:ranges=2,size=0x1800,gap=0x100", path("q.kdump"), 0, 0, true, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "does not start on a page boundary"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--format elf"));
	CU_ASSERT_EQUAL(access(path("q.kdump"), F_OK), -1);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static void test_writer_failures(void)
{
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct guestcore_dump_opts o = { .sz = sizeof(o), .source = "test:ranges=1,size=0x100000",
					 .output = path("f.kdump"), .format = GUESTCORE_FORMAT_KDUMP };
	struct stat st;
	char state[600];
	FILE *f;

	/* an existing output survives every failure */
	f = fopen(path("f.kdump"), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("keep me\n", f);
	fclose(f);
	snprintf(state, sizeof(state), "test:ranges=2,size=0x200000,fail=0x180000,state=%s", path("state"));
	CU_ASSERT(dump_kd(state, path("f.kdump"), 0, 0, true, NULL) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "source read at 0x180000 failed"));
	f = fopen(path("state"), "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	{
		char l1[32] = "", l2[32] = "";
		CU_ASSERT(fgets(l1, sizeof(l1), f) && fgets(l2, sizeof(l2), f));
		CU_ASSERT_STRING_EQUAL(l1, "pause\n");
		CU_ASSERT_STRING_EQUAL(l2, "resume\n");
	}
	fclose(f);
	CU_ASSERT_EQUAL(stat(path("f.kdump"), &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 8);
	CU_ASSERT_EQUAL(dump_kd("test:ranges=1,size=0x100000", path("f.kdump"), 0, 0, false, NULL), -EEXIST);
	/* options that do not fit the container */
	o.force = true;
	o.digest = true;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--digest"));
	o.digest = false;
	o.source = "test:ranges=1,size=0x100000,machine=i386";
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "64-bit guests"));
	o.source = "test:ranges=1,size=0x100000";
	o.compression = GUESTCORE_COMPRESS_LZO;
	o.compression_level = 3;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "level 3 does not suit lzo"));
	o.compression = 99;
	o.compression_level = 0;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -EINVAL);
	o.format = GUESTCORE_FORMAT_ELF;
	o.compression = GUESTCORE_COMPRESS_ZLIB;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not compressed"));
	CU_ASSERT_EQUAL(stat(path("f.kdump"), &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 8);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* Unreadable pages: zeros in the file, listed in GUESTCORE notes, and
 * --strict fails. */
static void test_unreadable_pages(void)
{
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct guestcore_core *c = NULL;
	struct guestcore_note_ref n;
	unsigned char b[0x2000];

	CU_ASSERT_EQUAL_FATAL(dump_kd("test:ranges=1,size=0x100000,bad=0x10000+0x2000", path("u.kdump"), 0, 0, true,
				      &res), GUESTCORE_DUMP_PARTIAL);
	CU_ASSERT_EQUAL(res.unreadable_bytes, 0x2000);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("u.kdump"), layouts, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(guestcore_core_read_phys(c, 0x10000, b, sizeof(b), false, msg, sizeof(msg)), 0);
	for (size_t i = 0; i < sizeof(b); i++)
		CU_ASSERT_EQUAL_FATAL(b[i], 0);
	CU_ASSERT(pattern_ok(c, 0x12000, 0x1000));
	CU_ASSERT_PTR_NOT_NULL(find_note(c, "GUESTCORE", 0x47430002, 0, &n));
	guestcore_core_close(c);
	{
		struct guestcore_dump_opts o = { .sz = sizeof(o), .source = "test:ranges=1,size=0x100000,bad=0x10000+0x2000",
						 .output = path("s.kdump"), .strict = true,
						 .format = GUESTCORE_FORMAT_KDUMP };
		CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -EIO);
		CU_ASSERT_EQUAL(access(path("s.kdump"), F_OK), -1);
	}
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static volatile int cancel_flag;

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	if (done > total / 4)
		cancel_flag = 1;
}

static void test_cancel(void)
{
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct guestcore_dump_opts o = { .sz = sizeof(o), .source = "test:ranges=1,size=0x4000000",
					 .output = path("c.kdump"), .format = GUESTCORE_FORMAT_KDUMP,
					 .progress = on_progress, .cancel = &cancel_flag };

	cancel_flag = 0;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), -ECANCELED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "interrupted"));
	CU_ASSERT_EQUAL(access(path("c.kdump"), F_OK), -1);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* ---- hostile files ------------------------------------------------------------- */

static unsigned char *slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	unsigned char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *file, const unsigned char *b, size_t len)
{
	FILE *f = fopen(file, "wb");

	if (f) {
		fwrite(b, 1, len, f);
		fclose(f);
	}
}

/* Open, validate and read every byte of a (possibly hostile) file: no
 * crash, and 1 when something said it is bad. */
static int exercise(const char *file)
{
	struct guestcore_core *c = NULL;
	struct guestcore_core_info info = { .sz = sizeof(info) };
	unsigned char *b = malloc(0x1000);
	int bad = 0;

	if (guestcore_core_open(file, layouts, &c, msg, sizeof(msg)) < 0) {
		free(b);
		return msg[0] ? 1 : -1;
	}
	if (errors_of(c, NULL, NULL) > 0)
		bad = 1;
	guestcore_core_info(c, &info);
	for (size_t i = 0; i < info.segments; i++) {
		struct guestcore_segment s = { .sz = sizeof(s) };
		guestcore_core_segment(c, i, &s);
		if (s.type != 1)
			continue;
		for (uint64_t a = 0; a < s.memsz; a += 0x1000)
			if (guestcore_core_read_phys(c, s.paddr + a, b, 0x1000, false, msg, sizeof(msg)) < 0)
				bad = 1;
	}
	guestcore_core_close(c);
	free(b);
	return bad;
}

/* Validate B (LEN bytes) as a file: how many errors of id ID. */
static int findings_in(const unsigned char *b, size_t len, const char *id)
{
	struct guestcore_core *c = NULL;
	int found = -1;

	spit(path("t.kdump"), b, len);
	if (guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)) < 0)
		return -1;
	errors_of(c, id, &found);
	guestcore_core_close(c);
	return found;
}

static uint64_t get64(const unsigned char *p)
{
	return kd_get(p, 8, false);
}

static void test_hostile_files(void)
{
	unsigned char *good, *b;
	size_t len;
	uint64_t desc_off, bm_off, bm_len, note_off;
	int found;
	struct guestcore_core *c = NULL;

	CU_ASSERT_EQUAL_FATAL(dump_kd("test:ranges=1,size=0x40000,cpus=1,note=VMCOREINFO:0:" VMCI, path("h.kdump"),
				      GUESTCORE_COMPRESS_ZSTD, 0, true, NULL), 0);
	good = slurp(path("h.kdump"), &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(good);
	CU_ASSERT_EQUAL(exercise(path("h.kdump")), 0);
	bm_off = (1 + kd_get(good + KD_H64_SUB_HDR_SIZE, 4, false)) * 4096;
	bm_len = kd_get(good + KD_H64_BITMAP_BLOCKS, 4, false) / 2 * 4096;
	desc_off = bm_off + 2 * bm_len;
	note_off = get64(good + 4096 + KD_S64_OFFSET_NOTE);
	b = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);

	/* truncated inside every section: the header, the sub header, the
	 * notes, the bitmaps, the descriptors, the page data */
	{
		const uint64_t cuts[] = { 100, 4096 + 50, note_off + 20, bm_off + 10, bm_off + bm_len + 10,
					  desc_off + 30, desc_off + 64 * 24 + 100, len - 1 };
		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			spit(path("t.kdump"), good, cuts[i]);
			CU_ASSERT_EQUAL(exercise(path("t.kdump")), 1);
		}
	}
	/* zero padding after the last note (the room left for late notes) is
	 * not a note */
	{
		struct guestcore_core_info i1 = { .sz = sizeof(i1) }, i2 = { .sz = sizeof(i2) };

		CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("h.kdump"), layouts, &c, msg, sizeof(msg)), 0);
		guestcore_core_info(c, &i1);
		guestcore_core_close(c);
		memcpy(b, good, len);
		kd_put(b + 4096 + KD_S64_SIZE_NOTE, 8, get64(good + 4096 + KD_S64_SIZE_NOTE) + 256, false);
		spit(path("t.kdump"), b, len);
		CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)), 0);
		guestcore_core_info(c, &i2);
		CU_ASSERT_EQUAL(i2.notes, i1.notes);
		CU_ASSERT_EQUAL(errors_of(c, NULL, NULL), 0);
		guestcore_core_close(c);
	}
	/* the second bitmap marks a page the first does not */
	memcpy(b, good, len);
	b[bm_off + 1] = 0;
	CU_ASSERT_EQUAL(findings_in(b, len, "kdump.bitmap"), 1);
	/* max_mapnr claims more frames than the bitmaps hold */
	memcpy(b, good, len);
	kd_put(b + 4096 + KD_S64_MAX_MAPNR_64, 8, bm_len * 8 + 1000, false);
	kd_put(b + KD_H64_MAX_MAPNR, 4, bm_len * 8 + 1000, false);
	spit(path("t.kdump"), b, len);
	CU_ASSERT_EQUAL(exercise(path("t.kdump")), 1);
	/* a huge bitmap claim is refused before anything is allocated */
	memcpy(b, good, len);
	kd_put(b + KD_H64_BITMAP_BLOCKS, 4, 0xfffffffe, false);
	kd_put(b + 4096 + KD_S64_MAX_MAPNR_64, 8, 1ull << 40, false);
	spit(path("t.kdump"), b, len);
	CU_ASSERT_EQUAL(guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)), -E2BIG);
	/* a block size that is no page size */
	memcpy(b, good, len);
	kd_put(b + KD_H64_BLOCK_SIZE, 4, 3000, false);
	spit(path("t.kdump"), b, len);
	CU_ASSERT_EQUAL(guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "block size 3000"));
	/* descriptors pointing outside the file, past a page, unknown flags */
	{
		struct {
			unsigned at;
			uint64_t v;
			unsigned size;
			const char *id;
		} lies[] = {
			{ KD_D_OFFSET, 1ull << 40, 8, "kdump.desc.bounds" },
			{ KD_D_OFFSET, 100, 8, "kdump.desc.bounds" },
			{ KD_D_SIZE, 5000, 4, "kdump.desc.size" },
			{ KD_D_FLAGS, 0x40, 4, "kdump.desc.flags" },
			{ KD_D_FLAGS, KD_COMPRESSED_ZLIB | KD_COMPRESSED_ZSTD, 4, "kdump.desc.flags" },
			{ KD_D_FLAGS, KD_COMPRESSED_ZLIB, 4, "kdump.page" }, /* zstd data said to be zlib */
		};
		for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
			memcpy(b, good, len);
			kd_put(b + desc_off + 0 * 24 + lies[i].at, lies[i].size, lies[i].v, false);
			spit(path("t.kdump"), b, len);
			CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)), 0);
			errors_of(c, lies[i].id, &found);
			if (found != 1)
				fprintf(stderr, "lie %zu: %d findings of %s\n", i, found, lies[i].id);
			CU_ASSERT_EQUAL(found, 1);
			{
				unsigned char p[16];
				CU_ASSERT(guestcore_core_read_phys(c, 0, p, sizeof(p), true, msg, sizeof(msg)) < 0);
			}
			guestcore_core_close(c);
		}
	}
	/* a page whose data decompresses to two pages, or to half a page */
	for (int k = 0; k < 2; k++) {
		unsigned char big[8192], z[9000];
		uint64_t off = get64(good + desc_off + KD_D_OFFSET);
		uint32_t size = (uint32_t)kd_get(good + desc_off + KD_D_SIZE, 4, false);
		size_t zn;

		memset(big, 'x', sizeof(big));
		zn = ZSTD_compress(z, sizeof(z), big, k ? 2048 : 8192, 1);
		CU_ASSERT_FATAL(!ZSTD_isError(zn) && zn <= size);
		memcpy(b, good, len);
		memcpy(b + off, z, zn);
		kd_put(b + desc_off + KD_D_SIZE, 4, zn, false);
		kd_put(b + desc_off + KD_D_FLAGS, 4, KD_COMPRESSED_ZSTD, false);
		CU_ASSERT_EQUAL(findings_in(b, len, "kdump.page"), 1);
	}
	/* VMCOREINFO outside the file, and not KEY=VALUE */
	memcpy(b, good, len);
	kd_put(b + 4096 + KD_S64_OFFSET_VMCOREINFO, 8, len + 10, false);
	CU_ASSERT_EQUAL(findings_in(b, len, "kdump.vmcoreinfo"), 1);
	{
		uint64_t vo = get64(good + 4096 + KD_S64_OFFSET_VMCOREINFO);
		memcpy(b, good, len);
		memcpy(b + vo, "garbage\n", 8);
		CU_ASSERT_EQUAL(findings_in(b, len, "kdump.vmcoreinfo"), 1);
	}
	/* the header marks the dump incomplete */
	memcpy(b, good, len);
	kd_put(b + KD_H64_STATUS, 4, KD_COMPRESSED_ZSTD | KD_COMPRESSED_INCOMPLETE, false);
	CU_ASSERT_EQUAL(findings_in(b, len, "kdump.incomplete"), 1);
	free(b);
	free(good);
}

/* The runs of page frames of the first bitmap as segments, found through
 * the run index in any order of asking: the same as a walk over its bits
 * finds them (runs across rank blocks, an empty block, a full one). */
static void test_run_index(void)
{
	unsigned char *good, *b;
	size_t len;
	uint64_t bm_off, bm_len, frames, n_runs = 0, *starts, *ends, lcg = 12345;
	struct guestcore_core *c = NULL;
	struct guestcore_core_info info = { .sz = sizeof(info) };
	struct guestcore_kdump_info kdi = { .sz = sizeof(kdi) };
	int found;

	CU_ASSERT_EQUAL_FATAL(dump_kd("test:ranges=1,size=0x40000,cpus=1", path("r.kdump"), GUESTCORE_COMPRESS_ZSTD,
				      0, true, NULL), 0);
	good = slurp(path("r.kdump"), &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(good);
	bm_off = (1 + kd_get(good + KD_H64_SUB_HDR_SIZE, 4, false)) * 4096;
	bm_len = kd_get(good + KD_H64_BITMAP_BLOCKS, 4, false) / 2 * 4096;
	frames = bm_len * 8;
	CU_ASSERT_FATAL(frames >= 3 * 4096);
	b = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	memcpy(b, good, len);
	kd_put(b + 4096 + KD_S64_MAX_MAPNR_64, 8, frames, false);
	kd_put(b + KD_H64_MAX_MAPNR, 4, frames, false);
	memset(b + bm_off + bm_len, 0, bm_len); /* nothing dumped: no descriptor is needed */
	memset(b + bm_off, 0, bm_len);
	for (uint64_t p = 0; p < frames;) {
		uint64_t gap, run;

		lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
		gap = (lcg >> 33) % 70;
		run = (lcg >> 45) % 90 + 1;
		if (p >= 4096 && p < 2 * 4096) { /* the second rank block: empty, then a run across the third */
			gap = 2 * 4096 - p + 4000;
			run = 200;
		}
		for (uint64_t q = p + gap; q < p + gap + run && q < frames; q++)
			b[bm_off + q / 8] |= (unsigned char)(1u << (q % 8));
		p += gap + run;
	}
	starts = calloc(frames, sizeof(*starts));
	ends = calloc(frames, sizeof(*ends));
	CU_ASSERT_FATAL(starts && ends);
	for (uint64_t q = 0; q < frames; q++) {
		bool on = b[bm_off + q / 8] >> (q % 8) & 1, before = q && (b[bm_off + (q - 1) / 8] >> ((q - 1) % 8) & 1);
		if (on && !before)
			starts[n_runs++] = q;
		if (on)
			ends[n_runs - 1] = q + 1;
	}
	spit(path("t.kdump"), b, len);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)), 0);
	guestcore_core_info(c, &info);
	CU_ASSERT_EQUAL(info.segments, 1 + n_runs);
	for (int order = 0; order < 3; order++)
		for (uint64_t k = 0; k < n_runs; k++) {
			uint64_t j = order == 0 ? k : order == 1 ? n_runs - 1 - k : (k * 7919) % n_runs;
			struct guestcore_segment sg = { .sz = sizeof(sg) };

			CU_ASSERT_EQUAL_FATAL(guestcore_core_segment(c, 1 + j, &sg), 0);
			if (sg.paddr != starts[j] * 4096 || sg.memsz != (ends[j] - starts[j]) * 4096) {
				fprintf(stderr, "run %" PRIu64 " (order %d): 0x%" PRIx64 "+0x%" PRIx64 ", want frames %" PRIu64
					"-%" PRIu64 "\n", j, order, sg.paddr, sg.memsz, starts[j], ends[j]);
				CU_FAIL("a run found through the index differs from the walk's");
				break;
			}
		}
	guestcore_core_close(c);

	/* a file cut inside its descriptors: the frames from the first one it
	 * does not hold are no frames, found at open, said once */
	{
		uint64_t desc_off = bm_off + 2 * bm_len;
		struct guestcore_segment sg = { .sz = sizeof(sg) };

		spit(path("t.kdump"), good, desc_off + 10 * 24 + 5);
		CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("t.kdump"), layouts, &c, msg, sizeof(msg)), 0);
		guestcore_core_info(c, &info);
		CU_ASSERT_EQUAL(guestcore_core_kdump_info(c, &kdi), 0);
		CU_ASSERT_EQUAL(kdi.dumped_pages, 10);
		CU_ASSERT_EQUAL(kdi.present_pages, 10);
		CU_ASSERT_EQUAL(info.segments, 2);
		CU_ASSERT_EQUAL(guestcore_core_segment(c, 1, &sg), 0);
		CU_ASSERT_EQUAL(sg.memsz, 10 * 4096);
		CU_ASSERT_EQUAL(kdi.max_mapnr, 64); /* as the header says */
		errors_of(c, "kdump.desc.bounds", &found);
		CU_ASSERT(found >= 1);
		guestcore_core_close(c);
	}
	free(starts);
	free(ends);
	free(b);
	free(good);
}

/* makedumpfile's flattened form: records in any order read as the plain
 * file; overlapping records and a missing end record are caught. */
static void write_flat(const char *file, const unsigned char *b, size_t len, size_t chunk, bool overlap,
		       bool end)
{
	FILE *f = fopen(file, "wb");
	unsigned char h[KD_FLAT_HEADER_SIZE] = { 0 }, rh[16];
	size_t n = (len + chunk - 1) / chunk;

	memcpy(h, KD_FLAT_SIGNATURE, sizeof(KD_FLAT_SIGNATURE));
	kd_put(h + 16, 8, KD_FLAT_TYPE, true);
	kd_put(h + 24, 8, KD_FLAT_VERSION, true);
	fwrite(h, 1, sizeof(h), f);
	for (size_t k = 0; k < n; k++) {
		size_t i = n - 1 - k; /* backwards */
		size_t sz = len - i * chunk < chunk ? len - i * chunk : chunk;
		kd_put(rh, 8, i * chunk - (overlap && i == 1 ? 1 : 0), true);
		kd_put(rh + 8, 8, sz, true);
		fwrite(rh, 1, 16, f);
		fwrite(b + i * chunk, 1, sz, f);
	}
	if (end) {
		memset(rh, 0xff, sizeof(rh));
		fwrite(rh, 1, 16, f);
	}
	fclose(f);
}

static void test_flattened(void)
{
	unsigned char *good;
	size_t len;
	struct guestcore_core *c = NULL;
	struct guestcore_kdump_info kd = { .sz = sizeof(kd) };
	int found;

	CU_ASSERT_EQUAL_FATAL(dump_kd(SRC, path("fl.kdump"), GUESTCORE_COMPRESS_LZO, 0, true, NULL), 0);
	good = slurp(path("fl.kdump"), &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(good);
	write_flat(path("flat.kdump"), good, len, 5000, false, true);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("flat.kdump"), layouts, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(guestcore_core_kdump_info(c, &kd), 0);
	CU_ASSERT(kd.flattened);
	CU_ASSERT(pattern_ok(c, 0, 0x301000));
	CU_ASSERT(pattern_ok(c, 0x401000, 0x301000));
	CU_ASSERT_EQUAL(errors_of(c, NULL, NULL), 0);
	guestcore_core_close(c);
	write_flat(path("flat.kdump"), good, len, 5000, false, false);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("flat.kdump"), layouts, &c, msg, sizeof(msg)), 0);
	errors_of(c, "kdump.flat", &found);
	CU_ASSERT_EQUAL(found, 1);
	guestcore_core_close(c);
	write_flat(path("flat.kdump"), good, 0, 5000, false, true); /* no record at all */
	CU_ASSERT_EQUAL(guestcore_core_open(path("flat.kdump"), layouts, &c, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "does not hold a kdump-compressed file"));
	write_flat(path("flat.kdump"), good, len, 5000, true, true);
	CU_ASSERT_EQUAL(guestcore_core_open(path("flat.kdump"), layouts, &c, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "makedumpfile -R"));
	free(good);
}

static int suite_init(void)
{
	return gc_fixture_open(dir, &host, &layouts);
}

/* A source backed by a sparse file: the batches in its hole are zero pages
 * and are never read (a read there would fail: bad= lies in the hole), the
 * data around it, and the batch where data and hole meet, are read. */
static void test_file_holes_not_read(void)
{
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct guestcore_core *c = NULL;
	char src[700];
	unsigned char *want = calloc(1, 0x800000), *got = malloc(0x800000);
	int fd = open(path("sparse.img"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(want && got && fd >= 0);
	for (size_t i = 0; i < 0x103000; i++)
		want[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0x700000; i < 0x800000; i++)
		want[i] = (unsigned char)(i * 13 + 5);
	CU_ASSERT_FATAL(pwrite(fd, want, 0x103000, 0) == 0x103000);
	CU_ASSERT_FATAL(pwrite(fd, want + 0x700000, 0x100000, 0x700000) == 0x100000);
	close(fd);
	snprintf(src, sizeof(src), "test:ranges=1,size=0x800000,file=%s,bad=0x400000+0x1000", path("sparse.img"));
	CU_ASSERT_EQUAL_FATAL(dump_kd(src, path("sparse.kdump"), 0, 0, true, &res), 0);
	CU_ASSERT_EQUAL(res.unreadable_bytes, 0);
	CU_ASSERT_EQUAL_FATAL(guestcore_core_open(path("sparse.kdump"), layouts, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(guestcore_core_read_phys(c, 0, got, 0x800000, false, msg, sizeof(msg)), 0);
	CU_ASSERT(memcmp(got, want, 0x800000) == 0);
	CU_ASSERT_EQUAL(errors_of(c, NULL, NULL), 0);
	guestcore_core_close(c);
	/* The same page in the data comes from the file, as the ELF copy takes
	 * it: the source's read(), which says it is bad, is not asked. */
	snprintf(src, sizeof(src), "test:ranges=1,size=0x800000,file=%s,bad=0x102000+0x1000", path("sparse.img"));
	CU_ASSERT_EQUAL(dump_kd(src, path("sparse.kdump"), 0, 0, true, &res), 0);
	CU_ASSERT_EQUAL(res.unreadable_bytes, 0);
	/* Past the file's end is not a hole: those bytes are gone (the file
	 * shrank), read, and recorded. */
	snprintf(src, sizeof(src), "test:ranges=1,size=0x900000,file=%s", path("sparse.img"));
	CU_ASSERT_EQUAL(dump_kd(src, path("sparse.kdump"), 0, 0, true, &res), GUESTCORE_DUMP_PARTIAL);
	CU_ASSERT_EQUAL(res.unreadable_bytes, 0x100000);
	free(want);
	free(got);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static int suite_clean(void)
{
	return gc_fixture_close(dir, host, layouts);
}

/* What VMCOREINFO says of the kernel, per machine (vmci.c's table): the
 * kernel image's mapping and phys_base, on x86_64 and on aarch64, whose
 * image ends at the page past its last SYMBOL() (not mem_section's value,
 * in the linear map, nor a symbol beyond the largest image), and
 * aarch64's direct map from VA_BITS. */
static void test_vmcoreinfo_per_machine(void)
{
	static const char a64[] = "OSRELEASE=6.1.0-57-arm64\nPAGESIZE=4096\n"
				  "SYMBOL(init_uts_ns)=ffffc1f13231c030\n"
				  "SYMBOL(mem_section)=ffff00001fecf380\n"
				  "SYMBOL(_stext)=ffffc1f130410000\n"
				  "SYMBOL(clear_seq)=ffffc1f132382600\n"
				  "SYMBOL(far_away)=ffffc1f190410000\n"
				  "NUMBER(VA_BITS)=48\n"
				  "NUMBER(kimage_voffset)=0xffffc1f0f0200000\n"
				  "NUMBER(PHYS_OFFSET)=0x40000000\n";
	static const char x86[] = "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(_stext)=ffffffff9a000000\n"
				  "NUMBER(phys_base)=-1736441856\nNUMBER(KERNEL_IMAGE_SIZE)=1073741824\n";
	struct gc_kernel_map km;
	uint64_t pa;
	char no_voffset[sizeof(a64)];

	gc_kernel_map(EM_AARCH64, (const unsigned char *)a64, sizeof(a64) - 1, NULL, &km);
	CU_ASSERT_TRUE(km.image_set);
	CU_ASSERT_EQUAL(km.image.vaddr, 0xffffc1f130410000ull);
	CU_ASSERT_EQUAL(km.image.paddr, 0x40210000ull);
	CU_ASSERT_EQUAL(km.image.size, 0xffffc1f132383000ull - 0xffffc1f130410000ull);
	CU_ASSERT_TRUE(km.direct_set);
	CU_ASSERT_EQUAL(km.direct.vaddr, 0xffff000000000000ull);
	CU_ASSERT_EQUAL(km.direct.paddr, 0x40000000ull);
	CU_ASSERT_EQUAL(km.direct.size, 1ull << 47);
	CU_ASSERT_TRUE(gc_kernel_phys(EM_AARCH64, (const unsigned char *)a64, sizeof(a64) - 1, &km, 0xffff00001fecf380ull,
				      &pa));
	CU_ASSERT_EQUAL(pa, 0x5fecf380ull);
	CU_ASSERT_TRUE(gc_kernel_phys(EM_AARCH64, (const unsigned char *)a64, sizeof(a64) - 1, &km, 0xffffc1f13231c030ull,
				      &pa));
	CU_ASSERT_EQUAL(pa, 0xffffc1f13231c030ull - 0xffffc1f0f0200000ull);
	CU_ASSERT_TRUE(gc_machine_phys_base(EM_AARCH64, (const unsigned char *)a64, sizeof(a64) - 1, &pa));
	CU_ASSERT_EQUAL(pa, 0x40000000ull);
	CU_ASSERT_TRUE(gc_machine_maps_kernel(EM_AARCH64));
	/* Without kimage_voffset no image is said. */
	memcpy(no_voffset, a64, sizeof(a64));
	memcpy(strstr(no_voffset, "kimage_voffset"), "kimage_voffsex", 14);
	gc_kernel_map(EM_AARCH64, (const unsigned char *)no_voffset, sizeof(a64) - 1, NULL, &km);
	CU_ASSERT_FALSE(km.image_set);
	/* x86_64 without kallsyms: from _stext's 2 MiB page to the end of
	 * KERNEL_IMAGE_SIZE, and no direct map (page_offset_base is not a
	 * line of VMCOREINFO). */
	gc_kernel_map(EM_X86_64, (const unsigned char *)x86, sizeof(x86) - 1, NULL, &km);
	CU_ASSERT_TRUE(km.image_set);
	CU_ASSERT_EQUAL(km.image.vaddr, 0xffffffff9a000000ull);
	CU_ASSERT_EQUAL(km.image.size, 0xffffffffc0000000ull - 0xffffffff9a000000ull);
	CU_ASSERT_EQUAL(km.image.paddr, 0xffffffff9a000000ull - 0xffffffff80000000ull + (uint64_t)-1736441856ll);
	CU_ASSERT_FALSE(km.direct_set);
	CU_ASSERT_FALSE(gc_machine_maps_kernel(EM_386));
}

/* A kernel's kallsyms in guest memory (256 KiB at guest-physical 16 MiB,
 * the image at 0xffffffff81000000): _text, a symbol with a two-byte
 * length, a decoy whose name starts as the one sought, _end. */
#define KS_PA 0x1000000ull
#define KS_VA 0xffffffff81000000ull
static unsigned char ks_mem[256 << 10];

static int ks_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	(void)ctx;
	if (pa < KS_PA || pa - KS_PA > sizeof(ks_mem) || len > sizeof(ks_mem) - (pa - KS_PA))
		return -EIO;
	memcpy(buf, ks_mem + (pa - KS_PA), len);
	return 0;
}

/* The same memory by the image's virtual addresses (phys_base 0). */
static int ks_read_va(void *ctx, uint64_t va, void *buf, size_t len)
{
	return ks_read(ctx, va - KS_VA + KS_PA, buf, len);
}

static void ks_put(size_t at, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ks_mem[at + i] = (unsigned char)(v >> (8 * i));
}

static void test_kallsyms(void)
{
	static const char *const tokens[] = { "D", "T", "page_", "offset_base", "_text", "_end", "foo", "d",
					      "page_offset_base_not" };
	static const unsigned char names[] = { 2, 1, 4, 2, 1, 6, 0x83, 0x00, 7, 2, 3, 2, 0, 8, 2, 0, 5 };
	static const uint64_t at[] = { 0, 0x10, 0x3000, 0x3008, 0x20000 }; /* from KS_VA */
	static const char vmci[] = "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(_stext)=ffffffff81000000\n"
				   "NUMBER(phys_base)=0\nNUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
				   "SYMBOL(kallsyms_token_table)=ffffffff81000100\n"
				   "SYMBOL(kallsyms_token_index)=ffffffff81000800\n"
				   "SYMBOL(kallsyms_names)=ffffffff81001000\n"
				   "SYMBOL(kallsyms_offsets)=ffffffff81002000\n"
				   "SYMBOL(kallsyms_relative_base)=ffffffff81002100\n"
				   "SYMBOL(kallsyms_num_syms)=ffffffff81002108\n";
	const struct gc_kread rd = { ks_read, NULL };
	const struct gc_kva_read kva = { ks_read_va, NULL };
	const struct gc_ksyms_tables tb = { .names = KS_VA + 0x1000, .num_syms = KS_VA + 0x2108,
					    .token_table = KS_VA + 0x100, .token_index = KS_VA + 0x800,
					    .offsets = KS_VA + 0x2000, .relative_base = KS_VA + 0x2100,
					    .absolute_percpu = true };
	const char *const want[] = { "page_offset_base", "_end", "foo", "nosuch" };
	uint64_t got[4];
	struct gc_kernel_map km;
	size_t t = 0x100;

	memset(ks_mem, 0, sizeof(ks_mem));
	for (unsigned i = 0; i < 256; i++)
		ks_put(0x800 + 2 * i, i < 9 ? 0 : 0x0f0, 2); /* tokens past the 9th: "" */
	for (unsigned i = 0; i < 9; i++) {
		ks_put(0x800 + 2 * i, t - 0x100, 2);
		memcpy(ks_mem + t, tokens[i], strlen(tokens[i]) + 1);
		t += strlen(tokens[i]) + 1;
	}
	memcpy(ks_mem + 0x1000, names, sizeof(names));
	for (unsigned i = 0; i < 5; i++) /* x86_64: absolute per-cpu, so base - 1 - offset */
		ks_put(0x2000 + 4 * i, (uint32_t)(int32_t)(-1 - (int64_t)at[i]), 4);
	ks_put(0x2100, KS_VA, 8);
	ks_put(0x2108, 5, 4);
	ks_put(0x3000, 0xffff9a0000000000ull, 8); /* page_offset_base */
	ks_put(0x3008, 0x1234, 8);

	CU_ASSERT_EQUAL(gc_kallsyms_lookup(&tb, &kva, want, 4, got), 3);
	CU_ASSERT_EQUAL(got[0], KS_VA + 0x3000);
	CU_ASSERT_EQUAL(got[1], KS_VA + 0x20000);
	CU_ASSERT_EQUAL(got[2], KS_VA + 0x10);
	CU_ASSERT_EQUAL(got[3], 0);
	/* The image is [_text, _end), the direct map page_offset_base's value. */
	gc_kernel_map(EM_X86_64, (const unsigned char *)vmci, sizeof(vmci) - 1, &rd, &km);
	CU_ASSERT_TRUE(km.image_set);
	CU_ASSERT_EQUAL(km.image.vaddr, KS_VA);
	CU_ASSERT_EQUAL(km.image.paddr, KS_PA);
	CU_ASSERT_EQUAL(km.image.size, 0x20000);
	CU_ASSERT_TRUE(km.direct_set);
	CU_ASSERT_EQUAL(km.direct.vaddr, 0xffff9a0000000000ull);
	CU_ASSERT_EQUAL(km.direct.paddr, 0);
	CU_ASSERT_EQUAL(km.direct.size, 1ull << 46);
	/* An _end more than the largest image past _text: the table's rule. */
	ks_put(0x2000 + 4 * 4, (uint32_t)(int32_t)(-1 - (int64_t)0x40000000), 4);
	gc_kernel_map(EM_X86_64, (const unsigned char *)vmci, sizeof(vmci) - 1, &rd, &km);
	CU_ASSERT_EQUAL(km.image_rule, GC_IMAGE_TABLE);
	CU_ASSERT_EQUAL(km.image.size, 0xffffffffc0000000ull - KS_VA);
	ks_put(0x2000 + 4 * 4, (uint32_t)(int32_t)(-1 - (int64_t)0x20000), 4);
	/* A PAGE_OFFSET that is not 1 GiB-aligned is no direct map. */
	ks_put(0x3000, 0xffff9a0000001000ull, 8);
	gc_kernel_map(EM_X86_64, (const unsigned char *)vmci, sizeof(vmci) - 1, &rd, &km);
	CU_ASSERT_FALSE(km.direct_set);
	CU_ASSERT_TRUE(km.image_set);
	/* A hostile count is not walked: the table's rule instead. */
	ks_put(0x2108, 0xffffffffu, 4);
	CU_ASSERT_EQUAL(gc_kallsyms_lookup(&tb, &kva, want, 4, got), 0);
	gc_kernel_map(EM_X86_64, (const unsigned char *)vmci, sizeof(vmci) - 1, &rd, &km);
	CU_ASSERT_EQUAL(km.image.size, 0xffffffffc0000000ull - KS_VA);
	/* Names that run past the memory end the walk without a read outside it. */
	ks_put(0x2108, 1000000, 4);
	memset(ks_mem + 0x1000 + sizeof(names), 0x7f, sizeof(ks_mem) - 0x1000 - sizeof(names));
	CU_ASSERT_EQUAL(gc_kallsyms_lookup(&tb, &kva, want + 3, 1, got), 0);
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "round trip in every compression: bytes, MMIO, notes, VMCOREINFO", test_round_trip_each_compression },
		{ "kdump to ELF to kdump through elfcore: bytes and notes kept", test_kdump_elf_kdump },
		{ "partial last page padded, unaligned range refused", test_partial_pages },
		{ "failures keep the output, resume the guest; options checked", test_writer_failures },
		{ "unreadable pages: zeros, GUESTCORE notes, --strict", test_unreadable_pages },
		{ "holes of the source's file: zero pages, never read", test_file_holes_not_read },
		{ "cancel: cleaned up", test_cancel },
		{ "hostile files: truncated, lying bitmaps and descriptors, bad pages", test_hostile_files },
		{ "flattened files: read in any record order; overlap and no end caught", test_flattened },
		{ "runs of frames through the run index in any order; descriptors cut at open", test_run_index },
		{ "VMCOREINFO per machine: the kernel image's mapping, phys_base", test_vmcoreinfo_per_machine },
		{ "kallsyms in guest memory: symbols by name, the image and the direct map", test_kallsyms },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("kdump", suite_init, suite_clean, tests);
	return gc_cunit_run();
}
