/* The migration stream reader (plugins/qemu/stream.c) and what the qemu
 * source takes from it (plugins/qemu/vmstate.c), against a stream QEMU 7.2
 * wrote for a paused 2-vCPU guest (tests/data/qemu-7.2-stream.bin.gz) and
 * the seeds of fuzz_stream (tests/fuzz/corpus/stream/, written by
 * tests/data/make-qemu-stream.py): RAM blocks laid out in the memory file
 * with zero pages as holes, a page sent again as zeros a hole again, every
 * register by vocabulary name, the XSAVE image, VMCOREINFO's place; the same
 * read in pieces of any size; and hostile streams (truncated at every byte,
 * corrupted in each part) failing with one sentence and no crash. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cunit_main.h"
#include "qemu.h"
#include "source_util.h"
#include "stream.h"

struct buf {
	unsigned char *p;
	size_t len, pos;
	size_t chunk; /* at most this many bytes a read; 0: as many as asked */
	unsigned seed;
};

static ssize_t buf_read(void *userdata, void *out, size_t len)
{
	struct buf *b = userdata;
	size_t n = b->len - b->pos;

	if (n > len)
		n = len;
	if (b->chunk && n > b->chunk) {
		b->seed = b->seed * 1103515245u + 12345u;
		n = 1 + (b->seed >> 16) % b->chunk;
	}
	memcpy(out, b->p + b->pos, n);
	b->pos += n;
	return (ssize_t)n;
}

static unsigned char *slurp_cmd(const char *cmd, size_t *ret_len)
{
	FILE *f = popen(cmd, "r");
	unsigned char *p = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			p = realloc(p, cap);
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	pclose(f);
	*ret_len = len;
	return p;
}

static unsigned char *seed(const char *name, size_t *len)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cat '%s/tests/fuzz/corpus/stream/%s'", TEST_SRCDIR, name);
	return slurp_cmd(cmd, len);
}

/* Read P into S with a fresh memory file; the result of qstream_read(). */
static int parse(struct qstream *s, unsigned char *p, size_t len, size_t chunk)
{
	struct buf b = { .p = p, .len = len, .chunk = chunk, .seed = 7 };
	struct qstream_input in = { .read = buf_read, .userdata = &b };

	memset(s, 0, sizeof(*s));
	s->mem_fd = memfd_create("stream-test", MFD_CLOEXEC);
	return qstream_read(s, &in);
}

static void done(struct qstream *s)
{
	qstream_free(s);
	if (s->mem_fd >= 0)
		close(s->mem_fd);
}

static uint64_t reg(struct su_regs *r, const char *name)
{
	uint64_t v = 0xdeadbeef;

	CU_ASSERT_EQUAL_FATAL(su_regs_get(r, name, &v), 0);
	return v;
}

static void test_seed_full(void)
{
	size_t len;
	unsigned char *p = seed("full.bin", &len), page[4096], pat[4096];
	struct qstream s;
	struct su_regs r = { 0 };
	unsigned char *x;
	size_t xl;
	uint64_t paddr, v;
	uint32_t size;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(parse(&s, p, len, 0), 0);
	CU_ASSERT_STRING_EQUAL(s.machine, "pc-i440fx-7.2");
	CU_ASSERT_EQUAL(s.n_blocks, 2);
	CU_ASSERT_STRING_EQUAL(s.blocks[0].name, "pc.ram");
	CU_ASSERT_EQUAL(s.blocks[0].length, 0x40000);
	CU_ASSERT_EQUAL(s.blocks[1].offset, 0x40000);
	CU_ASSERT_EQUAL(s.mem_size, 0x42000);
	CU_ASSERT_EQUAL(s.data_pages, 6);
	CU_ASSERT_EQUAL(s.zero_pages, 2);
	CU_ASSERT_FALSE(s.ignore_shared);
	for (int i = 0; i < 4096; i++)
		pat[i] = (unsigned char)(i * 7);
	CU_ASSERT_EQUAL(pread(s.mem_fd, page, 4096, 0), 4096);
	CU_ASSERT_EQUAL(memcmp(page, pat, 4096), 0);
	CU_ASSERT_EQUAL(pread(s.mem_fd, page, 4096, 0x1000), 4096);
	CU_ASSERT_EQUAL(page[0], pat[4095]);
	/* A zero page is a hole; the page sent as data and then as zeros is one again. */
	CU_ASSERT_EQUAL(lseek(s.mem_fd, 0x2000, SEEK_DATA), 0x3000);
	CU_ASSERT_EQUAL(lseek(s.mem_fd, 0x5000, SEEK_DATA), 0x40000);
	CU_ASSERT_EQUAL(pread(s.mem_fd, page, 4096, 0x40000 + 0x1000), 4096);
	CU_ASSERT_EQUAL(page[4095], 0x90);

	CU_ASSERT_PTR_NOT_NULL(qstream_device(&s, "cpu", 1));
	CU_ASSERT_PTR_NULL(qstream_device(&s, "cpu", 2));
	CU_ASSERT_EQUAL(qs_cpu_from_stream(&s, 2, &r, &x, &xl), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(qs_cpu_from_stream(&s, 0, &r, &x, &xl), 0);
	CU_ASSERT_EQUAL(reg(&r, "reg.rax"), 0x1000);
	CU_ASSERT_EQUAL(reg(&r, "reg.rcx"), 0x1001); /* QEMU's order: ax, cx, dx, bx, sp, bp, si, di */
	CU_ASSERT_EQUAL(reg(&r, "reg.rsp"), 0x1004);
	CU_ASSERT_EQUAL(reg(&r, "reg.r15"), 0x100f);
	CU_ASSERT_EQUAL(reg(&r, "reg.rip"), 0x100025);
	CU_ASSERT_EQUAL(reg(&r, "reg.cs.sel"), 8); /* es, cs, ss, ds, fs, gs */
	CU_ASSERT_EQUAL(reg(&r, "reg.gs.base"), 0x50000);
	CU_ASSERT_EQUAL(reg(&r, "reg.cs.desc_flags"), 0xcf9b00);
	CU_ASSERT_EQUAL(reg(&r, "reg.cs.attr"), 0xc09b);
	CU_ASSERT_EQUAL(reg(&r, "reg.gdtr.base"), 0xfffff000);
	CU_ASSERT_EQUAL(reg(&r, "reg.gdtr.limit"), 0x27);
	CU_ASSERT_EQUAL(reg(&r, "reg.cr0"), 0x80050033);
	CU_ASSERT_EQUAL(reg(&r, "reg.kernel_gs_base"), 0xffff888000000000ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.lstar"), 0xffffffff81a00000ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.apic_base"), 0xfee00900);
	CU_ASSERT_EQUAL(reg(&r, "reg.cr8"), 2);
	CU_ASSERT_EQUAL(su_regs_get(&r, "reg.star", &v), -ENOENT); /* not in this stream: unknown, not 0 */
	/* XSAVE: FCW, FSW with TOP 7, so ST0 is physical register 7; MXCSR; XMM;
	 * the AVX upper halves; XSTATE_BV. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(xl, 832);
	CU_ASSERT_EQUAL(x[0] | x[1] << 8, 0x37f);
	CU_ASSERT_EQUAL(x[2] | x[3] << 8, 0x3800);
	CU_ASSERT_EQUAL(x[32], 7);
	CU_ASSERT_EQUAL(x[39], 0x80);
	CU_ASSERT_EQUAL(x[40] | x[41] << 8, 0x3fff);
	CU_ASSERT_EQUAL(x[24] | x[25] << 8, 0x1f80);
	CU_ASSERT_EQUAL(x[160 + 16], 1);
	CU_ASSERT_EQUAL(x[168 + 16 + 4], 1);
	CU_ASSERT_EQUAL(x[576 + 2 * 16 + 1], 2);
	CU_ASSERT_EQUAL(x[512], 7);
	free(x);
	su_regs_free(&r);
	CU_ASSERT_TRUE(qs_vmcoreinfo_from_stream(&s, &paddr, &size));
	CU_ASSERT_EQUAL(paddr, 0x3000);
	CU_ASSERT_EQUAL(size, 64);
	CU_ASSERT_EQUAL(pread(s.mem_fd, page, 32, 0x3000), 32);
	CU_ASSERT_EQUAL(memcmp(page + 12, "VMCOREINFO", 11), 0);
	done(&s);
	free(p);
}

/* The same stream, read a few bytes at a time: the same result. */
static void test_seed_in_pieces(void)
{
	size_t len;
	unsigned char *p = seed("full.bin", &len);
	struct qstream a, b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(parse(&a, p, len, 0), 0);
	CU_ASSERT_EQUAL_FATAL(parse(&b, p, len, 13), 0);
	CU_ASSERT_EQUAL(a.data_pages, b.data_pages);
	CU_ASSERT_EQUAL(a.n_fields, b.n_fields);
	CU_ASSERT_EQUAL(a.tail_len, b.tail_len);
	CU_ASSERT_EQUAL(a.bytes, len);
	CU_ASSERT_EQUAL(b.bytes, len);
	done(&a);
	done(&b);
	free(p);
}

static void test_seed_shared(void)
{
	size_t len;
	unsigned char *p = seed("shared.bin", &len);
	struct qstream s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(parse(&s, p, len, 0), 0);
	CU_ASSERT_TRUE(s.ignore_shared);
	CU_ASSERT_EQUAL(s.blocks[0].mr_addr, 0x100000);
	CU_ASSERT_EQUAL(s.blocks[0].pages, 0);
	CU_ASSERT_EQUAL(s.blocks[1].pages, 1);
	done(&s);
	free(p);
}

static void test_qemu_72(void)
{
	char cmd[1024];
	size_t len;
	unsigned char *p, a[4], b[4];
	struct qstream s;
	struct su_regs r0 = { 0 }, r1 = { 0 };
	unsigned char *x;
	size_t xl;
	const struct qstream_block *ram;
	uint64_t rip;

	snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/data/qemu-7.2-stream.bin.gz'", TEST_SRCDIR);
	p = slurp_cmd(cmd, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(parse(&s, p, len, 0), 0);
	CU_ASSERT_STRING_EQUAL(s.machine, "pc-i440fx-7.2");
	ram = qstream_block(&s, "pc.ram");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ram);
	CU_ASSERT_EQUAL(ram->length, 16u << 20);
	CU_ASSERT_PTR_NOT_NULL(qstream_block(&s, "pc.bios"));
	CU_ASSERT(s.data_pages > 100 && s.zero_pages > 4000);
	/* The guest stores n at 0x200000, then at 0x300000: paused, both hold it. */
	CU_ASSERT_EQUAL(pread(s.mem_fd, a, 4, (off_t)ram->offset + 0x200000), 4);
	CU_ASSERT_EQUAL(pread(s.mem_fd, b, 4, (off_t)ram->offset + 0x300000), 4);
	CU_ASSERT_EQUAL(memcmp(a, b, 4), 0);
	CU_ASSERT_EQUAL(a[0] | a[1] << 8 | a[2] << 16 | (unsigned)a[3] << 24, 0x0199e287u);
	CU_ASSERT_EQUAL_FATAL(qs_cpu_from_stream(&s, 0, &r0, &x, &xl), 0);
	free(x);
	CU_ASSERT_EQUAL_FATAL(qs_cpu_from_stream(&s, 1, &r1, &x, &xl), 0);
	CU_ASSERT_PTR_NOT_NULL(x);
	CU_ASSERT_EQUAL(xl, 832); /* the stream has the AVX upper halves */
	free(x);
	rip = reg(&r0, "reg.rip");
	CU_ASSERT(rip >= 0x100025 && rip <= 0x100030);
	CU_ASSERT_EQUAL(reg(&r0, "reg.cs.desc_flags") >> 8 & 0x98, 0x98); /* present, code */
	CU_ASSERT_EQUAL(reg(&r0, "reg.apic_base"), 0xfee00900); /* the bootstrap processor */
	CU_ASSERT_EQUAL(reg(&r1, "reg.apic_base"), 0xfee00800);
	CU_ASSERT_EQUAL(reg(&r0, "reg.cr0") & 1, 1);
	CU_ASSERT_EQUAL(reg(&r0, "reg.pat"), 0x0007040600070406ull);
	CU_ASSERT_EQUAL(reg(&r0, "reg.star"), 0);
	su_regs_free(&r0);
	su_regs_free(&r1);
	done(&s);
	free(p);
}

/* A stream cut anywhere fails: the header, every RAM record, the device
 * sections, the description. */
static void test_truncated(void)
{
	size_t len, failed = 0, tried = 0;
	unsigned char *p = seed("full.bin", &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (size_t cut = 0; cut < len; cut += cut < 2048 || cut > len - 2048 ? 1 : 7) {
		struct qstream s;
		int r = parse(&s, p, cut, 0);

		tried++;
		if (r == -EPIPE || r == -EPROTO) {
			failed++;
			if (!strstr(s.error, "migration stream")) {
				printf("cut at %zu: %s\n", cut, s.error);
				CU_FAIL("the sentence names the migration stream");
			}
		} else {
			printf("cut at %zu: %d %s\n", cut, r, s.error);
		}
		done(&s);
	}
	CU_ASSERT_EQUAL(failed, tried);
	free(p);
}

/* Replace the first NEEDLE in a copy of P with REPL (same length), parse,
 * and expect ERR with WANT in the sentence. */
static void corrupt(const char *name, const char *needle, size_t nlen, const char *repl, int err, const char *want)
{
	size_t len;
	unsigned char *p = seed(name, &len), *at;
	struct qstream s;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	at = memmem(p, len, needle, nlen);
	if (!at)
		printf("\nno '%s' in %s\n", needle + 1, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, repl, nlen);
	r = parse(&s, p, len, 0);
	CU_ASSERT_EQUAL(r, err);
	if (!strstr(s.error, want)) {
		printf("\nwanted '%s', got %d '%s'\n", want, r, s.error);
		CU_FAIL("the sentence says what is wrong");
	}
	done(&s);
	free(p);
}

static void test_corrupt(void)
{
	corrupt("full.bin", "QEVM", 4, "QEVN", -EPROTO, "not a QEMU migration stream");
	corrupt("full.bin", "QEVM\0\0\0\3", 8, "QEVM\0\0\0\2", -EPROTO, "version 2");
	/* The configuration section's machine name: a length past 255. */
	corrupt("full.bin", "\x07\0\0\0\x0dpc-", 8, "\x07\0\0\x01\x0dpc-", -EPROTO, "more than 255");
	/* A page of a block the list does not have. */
	corrupt("full.bin", "\x08\x06pc.ram", 8, "\x08\x06pc.rom", -EPROTO, "does not have");
	/* The block list says pc.bios is larger than the total it announced. */
	corrupt("full.bin", "\x07pc.bios\0\0\0\0\0\0\x20\0", 16, "\x07pc.bios\0\0\0\0\0\x01\x20\0", -EPROTO,
		"block list's total");
	/* A block larger than guestcore reads: that is the reason given. */
	corrupt("full.bin", "\x07pc.bios\0\0\0\0\0\0\x20\0", 16, "\x07pc.bios\0\0\x80\0\0\0\x20\0", -EPROTO,
		"more than the 64 TiB guestcore reads");
	/* Compressed (XBZRLE) pages: the capabilities guestcore turns off. */
	corrupt("full.bin", "\0\0\0\0\0\0\0\x08\x06pc.ram", 15, "\0\0\0\0\0\0\0\x48\x06pc.ram", -EPROTO,
		"turn the xbzrle");
	/* A page past its block. */
	corrupt("full.bin", "\0\0\0\0\0\0\0\x08\x06pc.ram", 15, "\0\0\0\0\0\x04\0\x08\x06pc.ram", -EPROTO,
		"past its");
	/* The description says the APIC base has 5 bytes, or 3: the section and it disagree. */
	corrupt("full.bin", "\"apicbase\", \"type\": \"uint32\", \"size\": 4", 39,
		"\"apicbase\", \"type\": \"uint32\", \"size\": 5", -EPROTO, "device section \"apic\" does not end");
	corrupt("full.bin", "\"apicbase\", \"type\": \"uint32\", \"size\": 4", 39,
		"\"apicbase\", \"type\": \"uint32\", \"size\": 3", -EPROTO, "device section \"apic\" does not end");
	/* The description has no such device. */
	corrupt("full.bin", "\"name\": \"vmcoreinfo\"", 20, "\"name\": \"vmcoreinfX\"", -EPROTO,
		"has no device \"vmcoreinfo\"");
	/* A subsection the description expects where the stream has none. */
	corrupt("full.bin", "\x05\x11" "cpu/msr_smi_count", 19, "\x05\x11" "cpu/msr_smi_cOunt", -EPROTO,
		"lacks its subsection");
	/* The description is not JSON. */
	corrupt("full.bin", "{\"page_size\"", 12, "[\"page_size\"", -EPROTO, "no device description");
	corrupt("full.bin", "\"devices\": [", 12, "\"devices\": {", -EPROTO, "not a JSON object");
	/* An unknown section type among the RAM records. */
	corrupt("minimal.bin", "\x01\0\0\0\x02\x03ram", 9, "\x33\0\0\0\x02\x03ram", -EPROTO, "unknown type 0x33");
	/* A footer of another section. */
	corrupt("full.bin", "\x7e\0\0\0\x0a", 5, "\x7e\0\0\0\x0b", -EPROTO, "footer of another section");
}

/* The VMCOREINFO note a guest wrote: taken when whole, refused when its
 * sizes reach past it or its name is no string. */
static void test_guest_note(void)
{
	unsigned char n[64] = { 11, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 'V', 'M', 'C', 'O', 'R', 'E', 'I', 'N', 'F', 'O', 0, 0,
				'A', '=', '1', '\n', '\n' };
	const unsigned char *desc;
	const char *name;
	uint32_t type, size;

	CU_ASSERT_EQUAL_FATAL(qs_parse_note(n, 32, &name, &type, &desc, &size), 0);
	CU_ASSERT_STRING_EQUAL(name, "VMCOREINFO");
	CU_ASSERT_EQUAL(type, 0);
	CU_ASSERT_EQUAL(size, 5);
	CU_ASSERT_EQUAL(memcmp(desc, "A=1\n\n", 5), 0);
	CU_ASSERT_EQUAL(qs_parse_note(n, 28, &name, &type, &desc, &size), -EPROTO); /* descriptor cut */
	CU_ASSERT_EQUAL(qs_parse_note(n, 11, &name, &type, &desc, &size), -EPROTO); /* header cut */
	n[0] = 64; /* a name past the note: checked before it is read */
	CU_ASSERT_EQUAL(qs_parse_note(n, 32, &name, &type, &desc, &size), -EPROTO);
	n[0] = 0xff, n[1] = 0xff, n[2] = 0xff, n[3] = 0xff;
	CU_ASSERT_EQUAL(qs_parse_note(n, 32, &name, &type, &desc, &size), -EPROTO);
	n[0] = 11, n[1] = n[2] = n[3] = 0;
	n[4] = 0xff, n[5] = 0xff, n[6] = 0xff, n[7] = 0xff; /* a descriptor of 4 GiB */
	CU_ASSERT_EQUAL(qs_parse_note(n, 32, &name, &type, &desc, &size), -EPROTO);
	n[4] = 5, n[5] = n[6] = n[7] = 0;
	n[22] = 'X'; /* no NUL at the name's end */
	CU_ASSERT_EQUAL(qs_parse_note(n, 32, &name, &type, &desc, &size), -EPROTO);
	n[22] = 0, n[15] = 0; /* a NUL inside the name */
	CU_ASSERT_EQUAL(qs_parse_note(n, 32, &name, &type, &desc, &size), -EPROTO);
}

/* An aarch64 guest's stream (Arm's virt machine): the architecture found
 * from its cpu sections, each register by its name or, for the system
 * registers, its encoding, V0..V31 low half first. */
static void test_seed_aarch64(void)
{
	size_t len, vl = 0;
	unsigned char *p = seed("aarch64.bin", &len), *v = NULL;
	const struct qs_arch *a;
	struct qstream s;
	struct su_regs r = { 0 };
	uint64_t x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(parse(&s, p, len, 0), 0);
	CU_ASSERT_STRING_EQUAL(s.machine, "virt-7.2");
	a = qs_arch_of_stream(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->machine, EM_AARCH64);
	CU_ASSERT_PTR_EQUAL(qs_arch_of_target("aarch64"), a);
	CU_ASSERT_PTR_EQUAL(qs_arch_of_machine(EM_AARCH64), a);
	CU_ASSERT_PTR_NULL(qs_arch_of_target("riscv64"));
	CU_ASSERT_EQUAL(a->cpu(&s, 2, &r, &v, &vl), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(a->cpu(&s, 1, &r, &v, &vl), 0);
	CU_ASSERT_EQUAL(reg(&r, "reg.x0"), 0xa000);
	CU_ASSERT_EQUAL(reg(&r, "reg.x30"), 0xa01e);
	CU_ASSERT_EQUAL(reg(&r, "reg.sp"), 0xa01f); /* xregs[31]: the current SP */
	CU_ASSERT_EQUAL(reg(&r, "reg.pc"), 0xffff800008020000ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.pstate"), 0x600003c5);
	CU_ASSERT_EQUAL(reg(&r, "reg.currentel"), 0x4);
	CU_ASSERT_EQUAL(reg(&r, "reg.sp_el0"), 0x0000ffffd0000000ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.sp_el1"), 0xffff80000a003f00ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.elr_el1"), 0xffff800008123456ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.spsr_el1"), 0x3c5);
	CU_ASSERT_EQUAL(reg(&r, "reg.vbar_el1"), 0xffff800008010800ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.ttbr1_el1"), 0x0001000041858001ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.tcr_el1"), 0x00000015b5503510ull);
	CU_ASSERT_EQUAL(reg(&r, "reg.fpsr"), 0x08000010);
	CU_ASSERT_EQUAL(reg(&r, "reg.fpcr"), 0x03000000);
	CU_ASSERT_EQUAL(su_regs_get(&r, "reg.ttbr0_el1", &x), -ENOENT); /* not in the arrays: unknown */
	CU_ASSERT_EQUAL(su_regs_get(&r, "reg.rip", &x), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(vl, 512);
	CU_ASSERT_EQUAL(v[0], 0x00);
	CU_ASSERT_EQUAL(v[7], 0x11);  /* V0's low half, little-endian */
	CU_ASSERT_EQUAL(v[15], 0x22); /* then its high half */
	CU_ASSERT_EQUAL(v[31 * 16], 31);
	free(v);
	su_regs_free(&r);
	done(&s);
	free(p);
	/* An x86 stream is found as such. */
	p = seed("minimal.bin", &len);
	CU_ASSERT_EQUAL_FATAL(parse(&s, p, len, 0), 0);
	a = qs_arch_of_stream(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->machine, EM_X86_64);
	done(&s);
	free(p);
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "a seed stream: blocks, pages, registers, XSAVE, VMCOREINFO", test_seed_full },
		{ "the same stream read in pieces", test_seed_in_pieces },
		{ "x-ignore-shared", test_seed_shared },
		{ "an aarch64 guest's stream: registers by name and by encoding", test_seed_aarch64 },
		{ "QEMU 7.2's stream of a paused 2-vCPU guest", test_qemu_72 },
		{ "truncated at every byte", test_truncated },
		{ "corrupted in each part", test_corrupt },
		{ "the guest's VMCOREINFO note, whole or broken", test_guest_note },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("qemu migration stream", NULL, NULL, tests);
	return gc_cunit_run();
}
