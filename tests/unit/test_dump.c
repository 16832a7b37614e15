/* guestcore_dump(): round trips read back with libelf (every PT_LOAD byte
 * equals the source at p_paddr, MMIO without file bytes, notes in order and
 * byte-exact against structs packed here), PN_XNUM, sparse output, ELF32,
 * and every failure path: the output untouched, no temporary file, the
 * guest resumed. */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <xxhash.h>

#include <guestcore/guestcore.h>

#include "cunit_main.h"
#include "fixtures.h"
#include "../plugins/tp_pattern.h"

static struct guestcore_host *host;
static struct guestcore_layouts *layouts;
static char dir[] = "/tmp/gc-test-dump-XXXXXX";
static char msg[1024];

static const char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int dump(const char *source, const char *const *sets, const char *out, bool force, bool strict,
		struct guestcore_dump_result *res)
{
	struct guestcore_dump_opts o = {
		.sz = sizeof(o), .source = source, .note_sets = sets, .output = out, .force = force, .strict = strict,
	};
	struct guestcore_dump_result local = { .sz = sizeof(local) };

	return guestcore_dump(host, layouts, &o, res ? res : &local, msg, sizeof(msg));
}

static int leftovers(void)
{
	return gc_fixture_leftovers(dir);
}

struct core {
	int fd;
	Elf *elf;
	size_t phnum;
};

static bool core_open(struct core *c, const char *file)
{
	c->fd = open(file, O_RDONLY);
	if (c->fd < 0)
		return false;
	c->elf = elf_begin(c->fd, ELF_C_READ, NULL);
	if (!c->elf || elf_kind(c->elf) != ELF_K_ELF || elf_getphdrnum(c->elf, &c->phnum) != 0) {
		fprintf(stderr, "\n  libelf: %s\n", elf_errmsg(-1));
		return false;
	}
	return true;
}

static void core_close(struct core *c)
{
	elf_end(c->elf);
	close(c->fd);
}

/* Every PT_LOAD byte equals the pattern at p_paddr.  Returns mismatches. */
static size_t check_loads_pattern(struct core *c, size_t *ret_mmio)
{
	static unsigned char buf[1 << 16];
	size_t bad = 0, mmio = 0;
	uint64_t last = 0;

	for (size_t i = 0; i < c->phnum; i++) {
		GElf_Phdr ph;
		gelf_getphdr(c->elf, (int)i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		CU_ASSERT(ph.p_paddr >= last);
		last = ph.p_paddr + ph.p_memsz;
		CU_ASSERT_EQUAL(ph.p_offset % 4096, 0);
		if (ph.p_filesz == 0) {
			mmio++;
			continue;
		}
		CU_ASSERT_EQUAL(ph.p_filesz, ph.p_memsz);
		for (uint64_t off = 0; off < ph.p_filesz; off += sizeof(buf)) {
			size_t n = ph.p_filesz - off < sizeof(buf) ? (size_t)(ph.p_filesz - off) : sizeof(buf);
			if (pread(c->fd, buf, n, (off_t)(ph.p_offset + off)) != (ssize_t)n)
				return bad + 1;
			for (size_t k = 0; k < n; k++)
				if (buf[k] != tp_pattern(ph.p_paddr + off + k))
					bad++;
		}
	}
	if (ret_mmio)
		*ret_mmio = mmio;
	return bad;
}

struct note {
	char name[32];
	uint32_t type;
	unsigned char *desc;
	size_t descsz;
};

/* The notes of the PT_NOTE, in order. */
static size_t read_notes(struct core *c, struct note *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		gelf_getphdr(c->elf, (int)i, &ph);
		if (ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(c->elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		CU_ASSERT_PTR_NOT_NULL_FATAL(data);
		while (n < max && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			struct note *x = &out[n++];
			snprintf(x->name, sizeof(x->name), "%.*s", (int)nh.n_namesz, (const char *)data->d_buf + name_off);
			x->type = nh.n_type;
			x->desc = (unsigned char *)data->d_buf + desc_off;
			x->descsz = nh.n_descsz;
		}
	}
	return n;
}

static uint64_t le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* DBGFCORECPU for the test source's vCPU CPU, packed here. */
struct ref_sel { uint64_t uBase; uint32_t uLimit, uAttr; uint16_t uSel, r0; uint32_t r1; };
struct ref_xdtr { uint64_t uAddr; uint32_t cb, r0; };
struct ref_vbcpu {
	uint64_t gpr[14];
	uint64_t rip, rsp, rbp, rflags;
	struct ref_sel seg[6];
	uint64_t cr0, cr2, cr3, cr4;
	uint64_t dr[8];
	struct ref_xdtr gdtr, idtr;
	struct ref_sel ldtr, tr;
	uint64_t sysenter[3];
	uint64_t msr[8];
	uint64_t tsc_aux;
	uint64_t xcr[2];
	uint32_t cbExt, pad;
	uint8_t ext[8192];
};

static void ref_sel(struct ref_sel *s, uint32_t cpu, const char *seg)
{
	char b[64];

	memset(s, 0, sizeof(*s));
	snprintf(b, sizeof(b), "reg.%s.base", seg);
	s->uBase = tp_reg(cpu, b);
	snprintf(b, sizeof(b), "reg.%s.limit", seg);
	s->uLimit = (uint32_t)tp_reg(cpu, b);
	snprintf(b, sizeof(b), "reg.%s.attr", seg);
	s->uAttr = (uint32_t)tp_reg(cpu, b);
	snprintf(b, sizeof(b), "reg.%s.sel", seg);
	s->uSel = (uint16_t)tp_reg(cpu, b);
}

static void pack_vbcpu(struct ref_vbcpu *r, uint32_t cpu)
{
	static const char *const gpr[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8",
					   "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	static const char *const segs[] = { "cs", "ds", "es", "fs", "gs", "ss" };
	static const char *const msrs[] = { "efer", "star", "pat", "lstar", "cstar", "sfmask",
					    "kernel_gs_base", "apic_base" };
	char b[64];

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 14; i++) {
		snprintf(b, sizeof(b), "reg.%s", gpr[i]);
		r->gpr[i] = tp_reg(cpu, b);
	}
	r->rip = tp_reg(cpu, "reg.rip");
	r->rsp = tp_reg(cpu, "reg.rsp");
	r->rbp = tp_reg(cpu, "reg.rbp");
	r->rflags = tp_reg(cpu, "reg.rflags");
	for (int i = 0; i < 6; i++)
		ref_sel(&r->seg[i], cpu, segs[i]);
	r->cr0 = tp_reg(cpu, "reg.cr0");
	r->cr2 = tp_reg(cpu, "reg.cr2");
	r->cr3 = tp_reg(cpu, "reg.cr3");
	r->cr4 = tp_reg(cpu, "reg.cr4");
	for (int i = 0; i < 8; i++) {
		snprintf(b, sizeof(b), "reg.dr%d", i);
		r->dr[i] = tp_reg(cpu, b);
	}
	r->gdtr.uAddr = tp_reg(cpu, "reg.gdtr.base");
	r->gdtr.cb = (uint32_t)tp_reg(cpu, "reg.gdtr.limit");
	r->idtr.uAddr = tp_reg(cpu, "reg.idtr.base");
	r->idtr.cb = (uint32_t)tp_reg(cpu, "reg.idtr.limit");
	ref_sel(&r->ldtr, cpu, "ldtr");
	ref_sel(&r->tr, cpu, "tr");
	r->sysenter[0] = tp_reg(cpu, "reg.sysenter_cs");
	r->sysenter[1] = tp_reg(cpu, "reg.sysenter_eip");
	r->sysenter[2] = tp_reg(cpu, "reg.sysenter_esp");
	for (int i = 0; i < 8; i++) {
		snprintf(b, sizeof(b), "reg.%s", msrs[i]);
		r->msr[i] = tp_reg(cpu, b);
	}
	r->tsc_aux = tp_reg(cpu, "reg.tsc_aux");
	r->xcr[0] = tp_reg(cpu, "reg.xcr0");
	r->xcr[1] = tp_reg(cpu, "reg.xcr1");
	r->cbExt = (uint32_t)tp_reg(cpu, "reg.xsave_size");
}

static void test_round_trip_test_source(void)
{
	static const char *const sets[] = { "vbox", "qemu", NULL };
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct core c;
	struct note notes[16];
	static struct ref_vbcpu ref;
	size_t mmio = 0, n;

	CU_ASSERT_EQUAL_FATAL(dump("test:ranges=5,size=0x31000,gap=0x5000,cpus=2,mmio=4", sets, path("rt.core"),
				   false, false, &res), 0);
	CU_ASSERT_EQUAL(res.ranges, 5);
	CU_ASSERT_EQUAL(res.cpu_count, 2);
	CU_ASSERT_FATAL(core_open(&c, path("rt.core")));
	{
		GElf_Ehdr eh;
		gelf_getehdr(c.elf, &eh);
		CU_ASSERT_EQUAL(eh.e_ident[EI_VERSION], EV_CURRENT);
		CU_ASSERT_EQUAL(eh.e_ident[EI_CLASS], ELFCLASS64);
		CU_ASSERT_EQUAL(eh.e_type, ET_CORE);
		CU_ASSERT_EQUAL(eh.e_machine, EM_X86_64);
		CU_ASSERT_EQUAL(eh.e_ehsize, sizeof(Elf64_Ehdr));
		CU_ASSERT_EQUAL(eh.e_phentsize, sizeof(Elf64_Phdr));
		CU_ASSERT_EQUAL(eh.e_version, EV_CURRENT);
	}
	CU_ASSERT_EQUAL(c.phnum, 6);
	{
		GElf_Phdr ph;
		gelf_getphdr(c.elf, 0, &ph);
		CU_ASSERT_EQUAL(ph.p_type, PT_NOTE);
	}
	CU_ASSERT_EQUAL(check_loads_pattern(&c, &mmio), 0);
	CU_ASSERT_EQUAL(mmio, 1);

	n = read_notes(&c, notes, 16);
	CU_ASSERT_EQUAL_FATAL(n, 9);
	CU_ASSERT_STRING_EQUAL(notes[0].name, "VBCORE");
	CU_ASSERT_STRING_EQUAL(notes[1].name, "VBCPU");
	CU_ASSERT_STRING_EQUAL(notes[2].name, "VBCPU");
	CU_ASSERT_STRING_EQUAL(notes[3].name, "CORE");
	CU_ASSERT_STRING_EQUAL(notes[4].name, "CORE");
	CU_ASSERT_STRING_EQUAL(notes[5].name, "QEMU");
	CU_ASSERT_STRING_EQUAL(notes[6].name, "QEMU");
	CU_ASSERT_STRING_EQUAL(notes[7].name, "GUESTCORE");
	CU_ASSERT_STRING_EQUAL(notes[8].name, "GUESTCORE");
	{
		uint32_t core[6] = { 0xc01ac0de, 0x00010006, 24, 0x00010000, 0, 2 };
		CU_ASSERT_EQUAL(notes[0].type, 0xb00);
		CU_ASSERT_EQUAL(notes[0].descsz, 24);
		CU_ASSERT_EQUAL(memcmp(notes[0].desc, core, 24), 0);
	}
	for (uint32_t cpu = 0; cpu < 2; cpu++) {
		pack_vbcpu(&ref, cpu);
		CU_ASSERT_EQUAL(notes[1 + cpu].type, 0xb01);
		CU_ASSERT_EQUAL_FATAL(notes[1 + cpu].descsz, sizeof(ref));
		CU_ASSERT_EQUAL(memcmp(notes[1 + cpu].desc, &ref, sizeof(ref)), 0);
		/* NT_PRSTATUS: pr_pid = index + 1, pr_reg.rip at 112 + 128. */
		CU_ASSERT_EQUAL(notes[3 + cpu].type, NT_PRSTATUS);
		CU_ASSERT_EQUAL(notes[3 + cpu].descsz, 336);
		CU_ASSERT_EQUAL(le(notes[3 + cpu].desc + 32, 4), cpu + 1);
		CU_ASSERT_EQUAL(le(notes[3 + cpu].desc + 240, 8), tp_reg(cpu, "reg.rip"));
		/* QEMUCPUState, 440 bytes as QEMU 7.2 writes it. */
		CU_ASSERT_EQUAL(notes[5 + cpu].descsz, 440);
		CU_ASSERT_EQUAL(le(notes[5 + cpu].desc, 4), 1);
		CU_ASSERT_EQUAL(le(notes[5 + cpu].desc + 4, 4), 440);
		CU_ASSERT_EQUAL(le(notes[5 + cpu].desc + 136, 8), tp_reg(cpu, "reg.rip"));
		CU_ASSERT_EQUAL(le(notes[5 + cpu].desc + 152 + 8, 4), tp_reg(cpu, "reg.cs.desc_flags"));
		CU_ASSERT_EQUAL(le(notes[5 + cpu].desc + 432, 8), tp_reg(cpu, "reg.kernel_gs_base"));
	}
	/* The test source has no byte registers: VBCPU's XSAVE area is zeros,
	 * and the "unknown registers" note says so for each vCPU. */
	CU_ASSERT_EQUAL(notes[7].type, 0x47430004);
	CU_ASSERT_EQUAL(notes[7].descsz, strlen("vCPU 0: reg.xsave\nvCPU 1: reg.xsave\n"));
	CU_ASSERT_EQUAL(memcmp(notes[7].desc, "vCPU 0: reg.xsave\nvCPU 1: reg.xsave\n", notes[7].descsz), 0);
	CU_ASSERT_EQUAL(notes[8].type, 0x47430001);
	CU_ASSERT_EQUAL(le(notes[8].desc, 4), 0x47434f52);
	core_close(&c);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static void write_file(const char *p, const void *data, size_t n, off_t at)
{
	int fd = open(p, O_WRONLY | O_CREAT, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, data, n, at) == (ssize_t)n);
	close(fd);
}

/* 64 KiB blocks of segment PH that differ from IMG_FD's bytes at FOFF. */
static size_t segment_differs(const struct core *c, const GElf_Phdr *ph, int img_fd, uint64_t foff)
{
	static unsigned char a[1 << 16], b[1 << 16];
	size_t bad = 0;

	for (uint64_t off = 0; off < ph->p_filesz; off += sizeof(a)) {
		CU_ASSERT_FATAL(pread(c->fd, a, sizeof(a), (off_t)(ph->p_offset + off)) == sizeof(a));
		CU_ASSERT_FATAL(pread(img_fd, b, sizeof(b), (off_t)(foff + off)) == sizeof(b));
		bad += memcmp(a, b, sizeof(a)) != 0;
	}
	return bad;
}

static void test_round_trip_raw_zero_copy_and_sparse(void)
{
	static unsigned char data[1 << 20];
	const char *img = path("raw.img"), *map = path("raw.map");
	char src[1200];
	struct core c;
	struct stat st;
	static const char mapt[] = "# start size kind [file offset]\n"
				   "0 0x100000 ram\n"
				   "0x100000 0x10000 mmio\n"
				   "0x110000 0x10000 rom 0x300000\n"
				   "0x100000000 0x200000 ram 0x400000\n";

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 9));
	unlink(img);
	write_file(img, data, sizeof(data), 0);                 /* low RAM */
	write_file(img, data, 0x10000, 0x300000);               /* ROM */
	write_file(img, data, sizeof(data), 0x500000);          /* second half of high RAM; first half a hole */
	CU_ASSERT_FATAL(truncate(img, 0x600000) == 0);
	write_file(map, mapt, sizeof(mapt) - 1, 0);
	snprintf(src, sizeof(src), "raw:%s,map=%s", img, map);
	CU_ASSERT_EQUAL_FATAL(dump(src, NULL, path("raw.core"), false, false, NULL), 0);
	CU_ASSERT_FATAL(core_open(&c, path("raw.core")));
	CU_ASSERT_EQUAL(c.phnum, 5);
	{
		int ifd = open(img, O_RDONLY);
		static const uint64_t foff[] = { 0, 0, 0x300000, 0x400000 };
		size_t bad = 0;

		for (size_t i = 1; i < c.phnum; i++) {
			GElf_Phdr ph;
			gelf_getphdr(c.elf, (int)i, &ph);
			if (i == 2) {
				CU_ASSERT_EQUAL(ph.p_filesz, 0);
				CU_ASSERT_EQUAL(ph.p_memsz, 0x10000);
				continue;
			}
			CU_ASSERT_EQUAL(ph.p_flags, i == 3 ? (PF_R | PF_X) : (PF_R | PF_W | PF_X));
			bad += segment_differs(&c, &ph, ifd, foff[i - 1]);
		}
		close(ifd);
		CU_ASSERT_EQUAL(bad, 0);
	}
	core_close(&c);
	/* The 1 MiB hole of high RAM stays a hole. */
	CU_ASSERT_FATAL(stat(path("raw.core"), &st) == 0);
	CU_ASSERT((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size - 0x100000);
}

/* Ranges that share one source file's data extents, in an order that is not
 * the file's: each range copies its own bytes, and a hole inside a range that
 * starts in an extent already walked stays a hole. */
static void test_ranges_sharing_extents(void)
{
	static unsigned char data[0x200000];
	const char *img = path("shared.img"), *map = path("shared.map");
	char src[1200];
	struct core c;
	struct stat st;
	/* The file: data [0, 0x200000), hole, data [0x300000, 0x310000), hole to 0x400000. */
	static const char mapt[] = "0 0x100000 ram 0x100000\n"
				   "0x100000 0x100000 ram 0\n"
				   "0x200000 0x200000 ram 0x180000\n";
	static const uint64_t foff[] = { 0x100000, 0, 0x180000 };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 13 + (i >> 12) + 1);
	unlink(img);
	write_file(img, data, sizeof(data), 0);
	write_file(img, data, 0x10000, 0x300000);
	CU_ASSERT_FATAL(truncate(img, 0x400000) == 0);
	write_file(map, mapt, sizeof(mapt) - 1, 0);
	snprintf(src, sizeof(src), "raw:%s,map=%s", img, map);
	CU_ASSERT_EQUAL_FATAL(dump(src, NULL, path("shared.core"), false, false, NULL), 0);
	CU_ASSERT_FATAL(core_open(&c, path("shared.core")));
	CU_ASSERT_EQUAL_FATAL(c.phnum, 4);
	{
		int ifd = open(img, O_RDONLY);
		size_t bad = 0;

		for (size_t i = 1; i < c.phnum; i++) {
			GElf_Phdr ph;
			gelf_getphdr(c.elf, (int)i, &ph);
			CU_ASSERT_EQUAL(ph.p_filesz, i == 3 ? 0x200000 : 0x100000);
			bad += segment_differs(&c, &ph, ifd, foff[i - 1]);
		}
		close(ifd);
		CU_ASSERT_EQUAL(bad, 0);
	}
	core_close(&c);
	/* 0x100000 + 0x100000 + 0x80000 + 0x10000 bytes of data; the 0x170000 bytes
	 * of holes in the third range stay holes. */
	CU_ASSERT_FATAL(stat(path("shared.core"), &st) == 0);
	CU_ASSERT((uint64_t)st.st_blocks * 512 < 0x290000 + 0x40000);
	unlink(path("shared.core"));
}

static volatile int cancel_flag;

static void cancel_after_first(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	(void)total;
	if (done > 0)
		cancel_flag = 1;
}

/* A range large enough for helper threads (with two or more CPUs): every
 * chunk, whichever thread claimed it, lands at its place, and the data
 * starting at an odd page of the source is not shifted; an interrupt
 * mid-copy leaves no output and no temporary file. */
static void test_large_range_threaded_copy(void)
{
	const size_t size = 24u << 20, skew = 0x3000;
	unsigned char *data = malloc(size), *back = malloc(size);
	const char *img = path("large.img"), *map = path("large.map");
	char src[1200], mapt[64];
	struct core c;
	GElf_Phdr ph;
	uint32_t x = 2463534242u; /* xorshift: no period a chunk could hide in */

	CU_ASSERT_FATAL(data && back);
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	unlink(img);
	write_file(img, data, size, (off_t)skew);
	snprintf(mapt, sizeof(mapt), "0 %#zx ram %#zx\n", size, skew);
	unlink(map);
	write_file(map, mapt, strlen(mapt), 0);
	snprintf(src, sizeof(src), "raw:%s,map=%s", img, map);
	CU_ASSERT_EQUAL_FATAL(dump(src, NULL, path("large.core"), false, false, NULL), 0);
	CU_ASSERT_FATAL(core_open(&c, path("large.core")));
	CU_ASSERT_FATAL(gelf_getphdr(c.elf, 1, &ph) != NULL);
	CU_ASSERT_EQUAL(ph.p_filesz, size);
	CU_ASSERT_FATAL(pread(c.fd, back, size, (off_t)ph.p_offset) == (ssize_t)size);
	CU_ASSERT_EQUAL(memcmp(back, data, size), 0);
	core_close(&c);
	CU_ASSERT_EQUAL(leftovers(), 0);
	unlink(path("large.core"));
	{
		/* Interrupted after the first chunk: the helpers stop, nothing is left. */
		struct guestcore_dump_opts o = { .sz = sizeof(o), .source = src, .output = path("large-cancel.core"),
						 .progress = cancel_after_first, .cancel = &cancel_flag };

		cancel_flag = 0;
		CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, NULL, msg, sizeof(msg)), -ECANCELED);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "interrupted"));
		CU_ASSERT_EQUAL(access(o.output, F_OK), -1);
		CU_ASSERT_EQUAL(leftovers(), 0);
	}
	unlink(img);
	free(data);
	free(back);
}

static void test_copy_read_makes_zero_pages_holes(void)
{
	static unsigned char data[64 * 4096];
	const char *img = path("zero.img");
	char src[600];
	struct guestcore_dump_opts o = { .sz = sizeof(o), .source = src, .output = path("zero.core"),
					 .copy_mode = GUESTCORE_COPY_READ };
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct stat st;

	/* A file with no holes, every other page zeros. */
	for (size_t p = 0; p < 64; p += 2)
		memset(data + p * 4096, 0x5a, 4096);
	unlink(img);
	write_file(img, data, sizeof(data), 0);
	snprintf(src, sizeof(src), "raw:%s", img);
	CU_ASSERT_EQUAL_FATAL(guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg)), 0);
	CU_ASSERT_FATAL(stat(o.output, &st) == 0);
	/* 32 data pages plus headers and notes; the zero pages are holes. */
	CU_ASSERT((uint64_t)st.st_blocks * 512 <= 32 * 4096 + 64 * 1024);
	{
		int fd = open(o.output, O_RDONLY);
		static unsigned char back[sizeof(data)];
		off_t data_off = (off_t)(st.st_size - (off_t)sizeof(data));
		CU_ASSERT_FATAL(pread(fd, back, sizeof(back), data_off) == (ssize_t)sizeof(back));
		CU_ASSERT_EQUAL(memcmp(back, data, sizeof(data)), 0);
		close(fd);
	}
}

/* The image for the zero-page tests: 12 MiB and 1234 bytes (more than one
 * chunk per thread, a last page cut short), no holes, built page by page:
 * data, zeros but the first byte, zeros but the last byte, zeros; then a
 * zero run across a chunk boundary, and a last partial page whose last byte
 * is set. */
#define ZP_SIZE ((12u << 20) + 1234u)

static size_t zp_fill(unsigned char *data)
{
	size_t nonzero = 0;

	memset(data, 0, ZP_SIZE);
	for (size_t p = 0; p * 4096 < ZP_SIZE; p++) {
		unsigned char *pg = data + p * 4096;
		size_t n = ZP_SIZE - p * 4096 < 4096 ? ZP_SIZE - p * 4096 : 4096;
		if (p >= 500 && p < 530)
			continue; /* across the 2 MiB claim boundary at page 512 */
		if (n < 4096) {
			pg[n - 1] = 0x33; /* the last page, cut short */
			nonzero++;
			break;
		}
		switch (p % 4) {
		case 0:
			for (size_t k = 0; k < n; k++)
				pg[k] = (unsigned char)(k * 7 + p + 1) | 1;
			break;
		case 1:
			pg[0] = 0x11;
			break;
		case 2:
			pg[n - 1] = 0x22;
			break;
		default:
			break;
		}
		nonzero += p % 4 != 3;
	}
	return nonzero;
}

/* Dump the image in MODE, read the segment back, and return the bytes the
 * core takes on disk; *DIGEST gets the digest note's bytes when DIG. */
static uint64_t zp_dump(const char *src, int mode, bool dig, const unsigned char *data, const char *out)
{
	struct guestcore_dump_opts o = { .sz = sizeof(o), .source = src, .output = out, .copy_mode = mode,
					 .digest = dig, .force = true };
	unsigned char *back = malloc(ZP_SIZE);
	struct core c;
	struct stat st;
	GElf_Phdr ph;

	CU_ASSERT_FATAL(back != NULL);
	CU_ASSERT_EQUAL_FATAL(guestcore_dump(host, layouts, &o, NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_FATAL(core_open(&c, out));
	CU_ASSERT_FATAL(gelf_getphdr(c.elf, 1, &ph) != NULL);
	CU_ASSERT_EQUAL(ph.p_filesz, ZP_SIZE);
	CU_ASSERT_FATAL(pread(c.fd, back, ZP_SIZE, (off_t)ph.p_offset) == (ssize_t)ZP_SIZE);
	CU_ASSERT_EQUAL(memcmp(back, data, ZP_SIZE), 0);
	if (dig) {
		/* The digest note holds XXH3-128 of the segment, canonical. */
		XXH128_canonical_t want;
		unsigned char head[65536];
		ssize_t n = pread(c.fd, head, sizeof(head), 0);
		XXH128_canonicalFromHash(&want, XXH3_128bits(data, ZP_SIZE));
		CU_ASSERT(n > 0 && memmem(head, (size_t)n, want.digest, 16) != NULL);
	}
	CU_ASSERT_FATAL(fstat(c.fd, &st) == 0);
	core_close(&c);
	free(back);
	return (uint64_t)st.st_blocks * 512;
}

static void test_zero_pages_become_holes(void)
{
	unsigned char *data = malloc(ZP_SIZE);
	const char *img = path("zp.img");
	char src[600];
	size_t nonzero;
	uint64_t used, dense;

	CU_ASSERT_FATAL(data != NULL);
	nonzero = zp_fill(data);
	unlink(img);
	write_file(img, data, ZP_SIZE, 0);
	snprintf(src, sizeof(src), "raw:%s", img);
	/* The default: every zero page a hole, on several threads, every
	 * non-zero byte on a page boundary kept. */
	used = zp_dump(src, GUESTCORE_COPY_AUTO, false, data, path("zp.core"));
	CU_ASSERT(used >= nonzero * 4096);
	CU_ASSERT(used <= nonzero * 4096 + 64 * 1024);
	/* With a digest (one thread, each page hashed as it is tested): the
	 * same holes, the digest of every byte. */
	CU_ASSERT(zp_dump(src, GUESTCORE_COPY_AUTO, true, data, path("zp.core")) <= nonzero * 4096 + 64 * 1024);
	/* Through the source's read(): the same. */
	CU_ASSERT(zp_dump(src, GUESTCORE_COPY_READ, false, data, path("zp.core")) <= nonzero * 4096 + 64 * 1024);
	CU_ASSERT(zp_dump(src, GUESTCORE_COPY_READ, true, data, path("zp.core")) <= nonzero * 4096 + 64 * 1024);
	/* Dense: every byte written, zero pages and all. */
	dense = zp_dump(src, GUESTCORE_COPY_DENSE, false, data, path("zp.core"));
	CU_ASSERT(dense >= ZP_SIZE);
	CU_ASSERT(zp_dump(src, GUESTCORE_COPY_DENSE, true, data, path("zp.core")) >= ZP_SIZE);
	unlink(path("zp.core"));
	unlink(img);
	free(data);
}

static void test_dense_fills_source_holes(void)
{
	static unsigned char page[4096];
	const char *img = path("dh.img");
	char src[600];
	unsigned char *data = calloc(1, 1u << 20);
	unsigned char *back = malloc(1u << 20);
	struct guestcore_dump_opts o = { .sz = sizeof(o), .source = src, .output = path("dh.core"),
					 .copy_mode = GUESTCORE_COPY_DENSE, .force = true };
	struct stat st;
	struct core c;
	GElf_Phdr ph;

	CU_ASSERT_FATAL(data && back);
	/* 1 MiB, one data page in the middle, the rest a hole of the file. */
	memset(page, 0x77, sizeof(page));
	memcpy(data + (512u << 10), page, sizeof(page));
	unlink(img);
	write_file(img, page, sizeof(page), 512 << 10);
	CU_ASSERT_FATAL(truncate(img, 1 << 20) == 0);
	snprintf(src, sizeof(src), "raw:%s", img);
	CU_ASSERT_EQUAL_FATAL(guestcore_dump(host, layouts, &o, NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_FATAL(core_open(&c, o.output));
	CU_ASSERT_FATAL(gelf_getphdr(c.elf, 1, &ph) != NULL);
	CU_ASSERT_FATAL(pread(c.fd, back, 1u << 20, (off_t)ph.p_offset) == 1 << 20);
	CU_ASSERT_EQUAL(memcmp(back, data, 1u << 20), 0);
	CU_ASSERT_FATAL(fstat(c.fd, &st) == 0);
	CU_ASSERT((uint64_t)st.st_blocks * 512 >= 1u << 20);
	/* Nothing of the segment is a hole. */
	CU_ASSERT_EQUAL(lseek(c.fd, (off_t)ph.p_offset, SEEK_HOLE), (off_t)(ph.p_offset + (1u << 20)));
	core_close(&c);
	unlink(o.output);
	unlink(img);
	free(data);
	free(back);
}

static void test_ranges_changed_during_dump(void)
{
	/* The host keeps no range: it fetches them again for the copy and the
	 * headers, and a source whose map changed in between fails the dump. */
	static const char *const srcs[] = {
		"test:ranges=10,size=0x10000,change=10", /* changed before the copy */
		"test:ranges=10,size=0x10000,change=15", /* during the copy */
		"test:ranges=10,size=0x10000,change=21", /* before the headers */
	};

	for (size_t k = 0; k < sizeof(srcs) / sizeof(srcs[0]); k++) {
		unlink(path("changed.core"));
		CU_ASSERT_EQUAL(dump(srcs[k], NULL, path("changed.core"), false, false, NULL), -ESTALE);
		if (!strstr(msg, "changed its ranges during the dump")) {
			fprintf(stderr, "\n  %s: %s\n", srcs[k], msg);
			CU_FAIL("message");
		}
		CU_ASSERT_EQUAL(access(path("changed.core"), F_OK), -1);
		CU_ASSERT_EQUAL(leftovers(), 0);
	}
	/* Unchanged: the same source dumps. */
	CU_ASSERT_EQUAL(dump("test:ranges=10,size=0x10000,change=1000", NULL, path("changed.core"), false, false,
			     NULL), 0);
	unlink(path("changed.core"));
}

static void test_pn_xnum(void)
{
	struct core c;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t mmio = 0;

	CU_ASSERT_EQUAL_FATAL(dump("test:ranges=70000,size=0x1000,gap=0x1000,mmio=7", NULL, path("xnum.core"),
				   false, false, NULL), 0);
	CU_ASSERT_FATAL(core_open(&c, path("xnum.core")));
	CU_ASSERT_EQUAL(c.phnum, 70001);
	gelf_getehdr(c.elf, &eh);
	CU_ASSERT_EQUAL(eh.e_phnum, PN_XNUM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gelf_getshdr(elf_getscn(c.elf, 0), &sh));
	CU_ASSERT_EQUAL(sh.sh_info, 70001);
	CU_ASSERT_EQUAL(check_loads_pattern(&c, &mmio), 0);
	CU_ASSERT_EQUAL(mmio, 10000);
	core_close(&c);
	unlink(path("xnum.core"));
}

static void test_elf32_for_i386(void)
{
	static const char *const sets[] = { "qemu", NULL };
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct core c;
	struct note notes[8];
	GElf_Ehdr eh;

	CU_ASSERT_EQUAL_FATAL(dump("test:ranges=2,size=0x10000,cpus=1,machine=i386", sets, path("i386.core"),
				   false, false, &res), 0);
	if (msg[0])
		fprintf(stderr, "\n  %s\n", msg);
	CU_ASSERT_EQUAL(res.elf_class, 32);
	CU_ASSERT_FATAL(core_open(&c, path("i386.core")));
	gelf_getehdr(c.elf, &eh);
	CU_ASSERT_EQUAL(eh.e_ident[EI_CLASS], ELFCLASS32);
	CU_ASSERT_EQUAL(eh.e_machine, EM_386);
	CU_ASSERT_EQUAL(eh.e_ehsize, sizeof(Elf32_Ehdr));
	CU_ASSERT_EQUAL(check_loads_pattern(&c, NULL), 0);
	CU_ASSERT_EQUAL(read_notes(&c, notes, 8), 3);
	CU_ASSERT_EQUAL(notes[0].descsz, 144);
	CU_ASSERT_STRING_EQUAL(notes[1].name, "QEMU");
	core_close(&c);
	/* Memory above 4 GiB: ELF64 even for an i386 guest. */
	CU_ASSERT_EQUAL(dump("test:ranges=2,size=0x10000,gap=0x100000000,machine=i386", sets, path("i386h.core"),
			     false, false, &res), 0);
	CU_ASSERT_EQUAL(res.elf_class, 64);
}

static void test_unreadable_pages(void)
{
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct core c;
	struct note notes[8];
	size_t n;
	int fd;
	unsigned char page[4096], zero[4096] = { 0 };
	GElf_Phdr ph;

	CU_ASSERT_EQUAL_FATAL(dump("test:ranges=1,size=0x100000,bad=0x22000+0x2000", NULL, path("bad.core"), false,
				   false, &res), GUESTCORE_DUMP_PARTIAL);
	CU_ASSERT_EQUAL(res.unreadable_ranges, 1);
	CU_ASSERT_EQUAL(res.unreadable_bytes, 0x2000);
	CU_ASSERT_FATAL(core_open(&c, path("bad.core")));
	gelf_getphdr(c.elf, 1, &ph);
	fd = c.fd;
	CU_ASSERT_FATAL(pread(fd, page, sizeof(page), (off_t)(ph.p_offset + 0x23000)) == sizeof(page));
	CU_ASSERT_EQUAL(memcmp(page, zero, sizeof(page)), 0);
	CU_ASSERT_FATAL(pread(fd, page, sizeof(page), (off_t)(ph.p_offset + 0x24000)) == sizeof(page));
	CU_ASSERT_EQUAL(page[1], tp_pattern(0x24001));
	n = read_notes(&c, notes, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3); /* VBCORE (no vCPUs), GUESTCORE info, GUESTCORE unreadable */
	CU_ASSERT_STRING_EQUAL(notes[n - 1].name, "GUESTCORE");
	CU_ASSERT_EQUAL(notes[n - 1].type, 0x47430002);
	CU_ASSERT_EQUAL(le(notes[n - 1].desc, 8), 0x22000);
	CU_ASSERT_EQUAL(le(notes[n - 1].desc + 8, 8), 0x2000);
	CU_ASSERT_EQUAL(le(notes[n - 2].desc + 32, 8), 1);      /* unreadable_count */
	CU_ASSERT_EQUAL(le(notes[n - 2].desc + 40, 8), 0x2000); /* unreadable_bytes */
	core_close(&c);

	/* --strict: a failure, and nothing written. */
	CU_ASSERT_EQUAL(dump("test:ranges=1,size=0x100000,bad=0x22000+0x2000", NULL, path("strict.core"), false,
			     true, NULL), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--strict"));
	CU_ASSERT_EQUAL(access(path("strict.core"), F_OK), -1);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static size_t count_lines(const char *file, const char *what)
{
	FILE *f = fopen(file, "r");
	char line[64];
	size_t n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strncmp(line, what, strlen(what)) == 0;
	if (f)
		fclose(f);
	return n;
}

static void test_source_error_keeps_output_and_resumes(void)
{
	char src[600];
	static const char old[] = "previous core";
	char back[32] = { 0 };
	int fd;

	unlink(path("state"));
	write_file(path("keep.core"), old, sizeof(old), 0);
	snprintf(src, sizeof(src), "test:ranges=2,size=0x100000,fail=0x150000,state=%s", path("state"));
	CU_ASSERT_EQUAL(dump(src, NULL, path("keep.core"), true, false, NULL), -ENXIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "backing store went away"));
	fd = open(path("keep.core"), O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(read(fd, back, sizeof(back)) == sizeof(old));
	close(fd);
	CU_ASSERT_STRING_EQUAL(back, old);
	CU_ASSERT_EQUAL(count_lines(path("state"), "pause"), 1);
	CU_ASSERT_EQUAL(count_lines(path("state"), "resume"), 1);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static void test_existing_output_needs_force(void)
{
	static const char old[] = "do not clobber";
	struct stat st;

	write_file(path("exists.core"), old, sizeof(old), 0);
	CU_ASSERT_EQUAL(dump("test:ranges=1,size=0x10000", NULL, path("exists.core"), false, false, NULL), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "use --force"));
	CU_ASSERT_FATAL(stat(path("exists.core"), &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, sizeof(old));
	CU_ASSERT_EQUAL(dump("test:ranges=1,size=0x10000", NULL, path("exists.core"), true, false, NULL), 0);
	CU_ASSERT_FATAL(stat(path("exists.core"), &st) == 0);
	CU_ASSERT(st.st_size > 0x10000);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static void test_cancel_cleans_up_and_resumes(void)
{
	char src[600];
	struct guestcore_dump_opts o = {
		.sz = sizeof(o), .source = src, .output = path("cancel.core"), .progress = cancel_after_first,
		.cancel = &cancel_flag,
	};

	unlink(path("state"));
	cancel_flag = 0;
	snprintf(src, sizeof(src), "test:ranges=4,size=0x400000,state=%s", path("state"));
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &o, NULL, msg, sizeof(msg)), -ECANCELED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "interrupted"));
	CU_ASSERT_EQUAL(access(o.output, F_OK), -1);
	CU_ASSERT_EQUAL(count_lines(path("state"), "resume"), 1);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* Only a regular file is ever replaced, --force or not; never a file the
 * source reads; a directory is named as one before any word on --force. */
static void test_output_never_replaces_special_files(void)
{
	struct stat st;
	char img[600], src[700];
	int fd;

	/* A character device must stay one: a private node (another /dev/null)
	 * where the suite runs as root, so that a broken check harms nothing. */
	if (mknod(path("null"), S_IFCHR | 0600, makedev(1, 3)) == 0) {
		CU_ASSERT(dump("test:ranges=1,size=0x1000", NULL, path("null"), true, false, NULL) < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "null is a character device"));
		CU_ASSERT(stat(path("null"), &st) == 0 && S_ISCHR(st.st_mode));
		CU_ASSERT(dump("test:ranges=1,size=0x1000", NULL, path("null"), false, false, NULL) < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "null is a character device"));
		unlink(path("null"));
	} else {
		printf("(not root: no device node made) ");
	}
	/* A FIFO. */
	CU_ASSERT_FATAL(mkfifo(path("fifo"), 0600) == 0);
	CU_ASSERT(dump("test:ranges=1,size=0x1000", NULL, path("fifo"), true, false, NULL) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "is a FIFO"));
	CU_ASSERT(stat(path("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
	unlink(path("fifo"));
	/* A socket. */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path("sock"));
		CU_ASSERT_FATAL(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CU_ASSERT(dump("test:ranges=1,size=0x1000", NULL, path("sock"), true, false, NULL) < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "is a socket"));
		CU_ASSERT(stat(path("sock"), &st) == 0 && S_ISSOCK(st.st_mode));
		close(s);
		unlink(path("sock"));
	}
	/* A directory, with or without --force: named as one. */
	CU_ASSERT_FATAL(mkdir(path("adir"), 0700) == 0);
	CU_ASSERT_EQUAL(dump("test:ranges=1,size=0x1000", NULL, path("adir"), false, false, NULL), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "is a directory"));
	CU_ASSERT_PTR_NULL(strstr(msg, "--force"));
	rmdir(path("adir"));
	/* The source's own image, even with --force: the library checks the
	 * ranges' open files (a hard link is the same file by another name). */
	snprintf(img, sizeof(img), "%s", path("self.img"));
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, 0x10000) == 0);
	CU_ASSERT_FATAL(pwrite(fd, "data", 4, 0x2000) == 4);
	close(fd);
	CU_ASSERT_FATAL(link(img, path("self.link")) == 0);
	snprintf(src, sizeof(src), "raw:%s", img);
	CU_ASSERT_EQUAL(dump(src, NULL, path("self.link"), true, false, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "is the same file as the source's memory"));
	CU_ASSERT(stat(img, &st) == 0 && st.st_size == 0x10000 && st.st_nlink == 2);
	unlink(path("self.link"));
	unlink(img);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static void test_bad_outputs_and_sources(void)
{
	CU_ASSERT(dump("test:ranges=1,size=0x1000", NULL, "/proc/gc-test.core", false, false, NULL) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot create /proc/gc-test.core"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "choose a writable directory"));
	CU_ASSERT_EQUAL(dump("test:ranges=1,size=0x1000", NULL, path("no/such/dir/x.core"), false, false, NULL),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "does not exist"));
	CU_ASSERT_EQUAL(dump("nosuch:thing", NULL, path("x.core"), false, false, NULL), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no memory-source plugin named 'nosuch'"));
	CU_ASSERT_EQUAL(dump("no-colon", NULL, path("x.core"), false, false, NULL), -EINVAL);
	CU_ASSERT_EQUAL(dump("raw:/nonexistent.img", NULL, path("x.core"), false, false, NULL), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "image /nonexistent.img: No such file or directory"));
	{
		static const char *const sets[] = { "nosuchset", NULL };
		CU_ASSERT_EQUAL(dump("test:ranges=1,size=0x1000", sets, path("x.core"), false, false, NULL), -ENOENT);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no note set 'nosuchset'"));
	}
	CU_ASSERT_EQUAL(access(path("x.core"), F_OK), -1);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* Options from a caller built with a newer guestcore_dump_opts than this
 * library's: the bytes it does not know must be zero, or the dump is refused
 * (a setting is never silently ignored), and a larger struct of zeros is
 * taken as the options it begins with. */
static void test_newer_options_struct(void)
{
	struct {
		struct guestcore_dump_opts o;
		uint64_t newer; /* a field this library does not have */
	} n = { .o = { .sz = sizeof(n), .source = "test:ranges=1,size=0x1000", .output = path("newer.core") } };
	struct guestcore_dump_result res = { .sz = sizeof(res) };

	n.newer = 1;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &n.o, &res, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "set fields this libguestcore"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "upgrade libguestcore or leave them zero"));
	CU_ASSERT_EQUAL(access(path("newer.core"), F_OK), -1);
	n.newer = 0;
	CU_ASSERT_EQUAL(guestcore_dump(host, layouts, &n.o, &res, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(res.ranges, 1);
	CU_ASSERT_EQUAL(res.sz, sizeof(res));
	CU_ASSERT_EQUAL(unlink(path("newer.core")), 0);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

static int suite_init(void)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	return gc_fixture_open(dir, &host, &layouts);
}

static int suite_clean(void)
{
	return gc_fixture_close(dir, host, layouts);
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "round trip: pattern source, vbox+qemu notes byte-exact", test_round_trip_test_source },
		{ "round trip: raw image, zero-copy, holes kept", test_round_trip_raw_zero_copy_and_sparse },
		{ "ranges sharing a file's extents: bytes right, holes kept", test_ranges_sharing_extents },
		{ "a 24 MiB range copied by several threads: bytes right", test_large_range_threaded_copy },
		{ "copy=read: all-zero pages become holes", test_copy_read_makes_zero_pages_holes },
		{ "zero pages become holes in every mode but dense, digests equal", test_zero_pages_become_holes },
		{ "copy=dense: the source's holes written as zeros", test_dense_fills_source_holes },
		{ "a source whose ranges change during the dump fails cleanly", test_ranges_changed_during_dump },
		{ "70000 ranges: PN_XNUM, every segment read back", test_pn_xnum },
		{ "i386 guest below 4 GiB: ELF32", test_elf32_for_i386 },
		{ "unreadable pages: zeros, GUESTCORE notes, --strict", test_unreadable_pages },
		{ "source error: output kept, guest resumed", test_source_error_keeps_output_and_resumes },
		{ "existing output needs --force", test_existing_output_needs_force },
		{ "cancel: cleaned up, guest resumed", test_cancel_cleans_up_and_resumes },
		{ "bad outputs and sources", test_bad_outputs_and_sources },
		{ "options of a newer struct: unknown fields zero or refused", test_newer_options_struct },
		{ "special files and the source are never replaced", test_output_never_replaces_special_files },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("dump", suite_init, suite_clean, tests);
	return gc_cunit_run();
}
