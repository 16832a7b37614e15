/* The ELF container: an ELF64 (or ELF32) core as VirtualBox and QEMU write
 * it.  The whole layout first (ELF header, one PT_NOTE, a PT_LOAD per range,
 * PN_XNUM past 65535 program headers, notes with room reserved for the
 * late ones, every range at a page boundary), then memory streamed into
 * place by dump/copy.c or pushed by the source (the notes then behind it),
 * then the late notes and the headers. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "../dump/dump.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* ---- options ------------------------------------------------------------------- */

static int elf_check(struct gc_dump *d)
{
	if (d->o.compression != GUESTCORE_COMPRESS_DEFAULT || d->o.compression_level) {
		gc_dump_fail(d, "an ELF core is not compressed: drop the compression or write --format kdump");
		return -EINVAL;
	}
	if (d->o.copy_mode < GUESTCORE_COPY_AUTO || d->o.copy_mode > GUESTCORE_COPY_DENSE) {
		gc_dump_fail(d, "copy mode %d is not one guestcore knows (auto, read, dense)", d->o.copy_mode);
		return -EINVAL;
	}
	if (d->o.elf_class != 0 && d->o.elf_class != 32 && d->o.elf_class != 64) {
		gc_dump_fail(d, "ELF class %d is neither 32 nor 64", d->o.elf_class);
		return -EINVAL;
	}
	return 0;
}

/* ---- layout -------------------------------------------------------------------- */

static int elf_layout(struct gc_dump *d)
{
	uint64_t phent, ehsize, off;
	bool fits32 = d->max_end <= UINT32_MAX + 1ull;

	d->n_phdrs = 1 + d->n_ranges;
	d->n_phdr_room = d->n_phdrs;
	if (d->o.elf_class == 32 && !fits32) {
		gc_dump_fail(d, "an ELF32 core cannot hold guest memory above 4 GiB: drop --elf-class=32");
		return -EINVAL;
	}
	d->elf_class = d->o.elf_class ? d->o.elf_class : (d->info.e_machine == EM_386 && fits32 ? 32 : 64);

again:
	/* Room for the two pieces a range may gain where the kernel image's
	 * mapping begins and ends inside it (known once memory is in). */
	d->n_phdr_room = d->n_phdrs + (d->elf_class == 64 && !d->o.no_kernel_vaddr &&
				       gc_machine_maps_kernel(d->info.e_machine) ? 2 : 0);
	ehsize = d->elf_class == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	phent = d->elf_class == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	off = ehsize + d->n_phdr_room * phent;
	if (d->n_phdr_room >= PN_XNUM)
		off = align_up(off, 8) + (d->elf_class == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr));
	gc_notes_place(d, align_up(off, 8));
	d->data_offset = align_up(d->notes_offset + d->notes_reserved, GC_PAGE);
	/* The ranges follow, each at a page boundary (the first walk measured
	 * their span from a page boundary). */
	d->file_size = d->data_offset + d->data_span;
	if (d->elf_class == 32 && d->file_size > UINT32_MAX) {
		if (d->o.elf_class == 32) {
			gc_dump_fail(d, "the core would be larger than 4 GiB, more than ELF32 can address: drop "
					"--elf-class=32");
			return -EFBIG;
		}
		d->elf_class = 64;
		goto again;
	}
	return 0;
}

/* ---- headers ------------------------------------------------------------------- */

/* One program header. */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* The virtual address of RAM at guest-physical PA in the kernel's direct
 * map (d->kmap.direct) for LEN bytes, or PA itself where it has none. */
static uint64_t direct_vaddr(const struct gc_dump *d, uint64_t pa, uint64_t len)
{
	if (!d->kmap.direct_set || pa < d->kmap.direct.paddr || pa - d->kmap.direct.paddr > d->kmap.direct.size ||
	    len > d->kmap.direct.size - (pa - d->kmap.direct.paddr))
		return pa;
	return pa - d->kmap.direct.paddr + d->kmap.direct.vaddr;
}

/* The PT_LOADs of range RG, whose bytes lie at OFFSET: the range, or, where
 * the kernel image's mapping (d->kmap.image) begins or ends inside a RAM range,
 * its pieces, the one inside at the image's virtual address (as Linux's
 * /proc/vmcore has it).  RAM outside the image is at its address in the
 * kernel's direct map where VMCOREINFO says where that is (d->kmap.direct); every
 * other p_vaddr is the p_paddr, as before.  No byte lies in two of them.
 * Returns how many (1 to 3). */
static unsigned range_phdrs(const struct gc_dump *d, const struct guestcore_range *rg, uint64_t offset,
			    struct phdr out[3])
{
	uint64_t end = rg->start + rg->length, cut[4] = { rg->start, rg->start, end, end };
	uint32_t flags = rg->kind == GUESTCORE_RANGE_ROM ? PF_R | PF_X : rg->kind == GUESTCORE_RANGE_MMIO ? PF_R | PF_W
											 : PF_R | PF_W | PF_X;
	uint64_t ws = d->kmap.image.paddr, we = d->kmap.image.paddr + d->kmap.image.size;
	bool ram = rg->kind == GUESTCORE_RANGE_RAM;
	unsigned n = 0;

	if (!d->kmap.image_set || !ram || we <= rg->start || ws >= end) {
		out[0] = (struct phdr){ PT_LOAD, flags, offset, ram ? direct_vaddr(d, rg->start, rg->length) : rg->start,
					rg->start, rg->kind == GUESTCORE_RANGE_MMIO ? 0 : rg->length, rg->length };
		return 1;
	}
	cut[1] = ws > rg->start ? ws : rg->start; /* the image's part: [cut[1], cut[2]) */
	cut[2] = we < end ? we : end;
	for (int i = 0; i < 3; i++) {
		uint64_t len = cut[i + 1] - cut[i];

		if (!len)
			continue;
		out[n++] = (struct phdr){ PT_LOAD, flags, offset + (cut[i] - rg->start),
					  i == 1 ? d->kmap.image.vaddr + (cut[1] - ws) : direct_vaddr(d, cut[i], len), cut[i],
					  len, len };
	}
	return n;
}

/* Where each field of a program header lies: ELF64 offset and size, ELF32
 * offset (every ELF32 field is 4 bytes), in the order of struct phdr. */
static const struct {
	uint8_t off64, size64, off32;
} ph_fields[] = { { 0, 4, 0 }, { 4, 4, 24 }, { 8, 8, 4 }, { 16, 8, 8 }, { 24, 8, 12 }, { 32, 8, 16 }, { 40, 8, 20 } };

static unsigned char *put_phdr(const struct gc_dump *d, unsigned char *p, const struct phdr *h)
{
	const uint64_t v[] = { h->type, h->flags, h->offset, h->vaddr, h->paddr, h->filesz, h->memsz };
	bool is64 = d->elf_class == 64;

	memset(p, 0, is64 ? 56 : 32);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		gc_put(p + (is64 ? ph_fields[i].off64 : ph_fields[i].off32), is64 ? ph_fields[i].size64 : 4, v[i],
		       d->big_endian);
	return p + (is64 ? 56 : 32);
}

static int write_headers(struct gc_dump *d, uint64_t notes_size)
{
	bool be = d->big_endian, is64 = d->elf_class == 64, xnum;
	unsigned char eh[64] = { 0 };
	uint64_t phent = is64 ? 56 : 32, ehsize = is64 ? 64 : 52, phoff = ehsize;
	uint64_t shoff = 0, shent = is64 ? 64 : 40, count = 0;
	unsigned char *buf = d->buf, *p = buf;
	uint64_t at = phoff;
	struct gc_range_walk w;
	const struct phdr note = { PT_NOTE, 0, d->notes_offset, 0, 0, notes_size, notes_size };
	int r;

	/* Program headers, streamed through the buffer: PT_NOTE, then the
	 * PT_LOADs of each range in ascending guest-physical order. */
	p = put_phdr(d, p, &note);
	count = 1;
	gc_range_walk_init(&w, d->data_offset);
	for (uint64_t i = 1; i < d->n_phdrs; i++) {
		struct guestcore_range rg;
		struct phdr h[3];
		uint64_t offset;
		unsigned n;

		/* A walk that ends early or runs long fails there. */
		r = gc_range_walk_next(d, &w, &rg, &offset);
		if (r < 0)
			return r;
		n = range_phdrs(d, &rg, offset, h);
		if (count + n > d->n_phdr_room) {
			gc_dump_fail(d, "the kernel image's mapping splits more ranges than the room left for it");
			return -EOVERFLOW;
		}
		for (unsigned k = 0; k < n; k++)
			p = put_phdr(d, p, &h[k]);
		count += n;
		if ((size_t)(p - buf) + 3 * phent > GC_CHUNK || i + 1 == d->n_phdrs) {
			r = gc_pwrite_all(d, buf, (size_t)(p - buf), at, "the program headers");
			if (r < 0)
				return r;
			at += (uint64_t)(p - buf);
			p = buf;
		}
	}
	if (p != buf) { /* the PT_NOTE alone */
		r = gc_pwrite_all(d, buf, (size_t)(p - buf), at, "the program headers");
		if (r < 0)
			return r;
	}
	{
		/* The end of the walk, where the hash of every range is checked. */
		struct guestcore_range rg;
		uint64_t o;
		r = gc_range_walk_next(d, &w, &rg, &o);
		if (r < 0)
			return r;
	}

	xnum = count >= PN_XNUM;
	if (xnum)
		shoff = (phoff + d->n_phdr_room * phent + 7) / 8 * 8;
	memcpy(eh, ELFMAG, SELFMAG);
	eh[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	eh[EI_DATA] = be ? ELFDATA2MSB : ELFDATA2LSB;
	eh[EI_VERSION] = EV_CURRENT;
	eh[EI_OSABI] = ELFOSABI_NONE;
	gc_put(eh + 16, 2, ET_CORE, be);
	gc_put(eh + 18, 2, d->info.e_machine, be);
	gc_put(eh + 20, 4, EV_CURRENT, be);
	if (is64) {
		gc_put(eh + 32, 8, phoff, be);
		gc_put(eh + 40, 8, shoff, be);
		gc_put(eh + 52, 2, ehsize, be);
		gc_put(eh + 54, 2, phent, be);
		gc_put(eh + 56, 2, xnum ? PN_XNUM : count, be);
		gc_put(eh + 58, 2, xnum ? shent : 0, be);
		gc_put(eh + 60, 2, xnum ? 1 : 0, be);
	} else {
		gc_put(eh + 28, 4, phoff, be);
		gc_put(eh + 32, 4, shoff, be);
		gc_put(eh + 40, 2, ehsize, be);
		gc_put(eh + 42, 2, phent, be);
		gc_put(eh + 44, 2, xnum ? PN_XNUM : count, be);
		gc_put(eh + 46, 2, xnum ? shent : 0, be);
		gc_put(eh + 48, 2, xnum ? 1 : 0, be);
	}
	r = gc_pwrite_all(d, eh, ehsize, 0, "the ELF header");
	if (r < 0)
		return r;
	if (xnum) {
		/* PN_XNUM: section header 0 holds the real count in sh_info. */
		unsigned char sh[64] = { 0 };
		gc_put(sh + (is64 ? 44 : 28), 4, count, be);
		r = gc_pwrite_all(d, sh, shent, shoff, "the section header");
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every range's bytes at the offset the layout gave it: copied from the
 * source, or pushed by it. */
static int elf_write_memory(struct gc_dump *d)
{
	struct gc_range_walk w;
	struct guestcore_range rg;
	uint64_t off;
	int r;

	gc_range_walk_init(&w, d->data_offset);
	while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
		if (rg.kind == GUESTCORE_RANGE_MMIO || (d->pushes && rg.fd < 0))
			continue;
		r = gc_copy_range(d, &rg, w.i - 1, off);
		if (r == -ECANCELED)
			gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
		if (r < 0)
			break;
	}
	if (r >= 0 && d->pushes)
		r = gc_push_memory(d);
	return r < 0 ? r : 0;
}

/* ---- memory a source pushes ---------------------------------------------------- */

static const unsigned char zero_page[GC_PAGE];

/* LEN bytes at ADDR of range R in place, page by page: a page of zeros
 * where the file holds none stays a hole, zeros over data clear it, the
 * rest is written in runs (every byte in the dense mode). */
static int elf_push(struct gc_dump *d, const struct gc_pushed *r, uint64_t addr, const void *data, size_t len)
{
	const unsigned char *src = data, *run = NULL;
	bool dense = d->o.copy_mode == GUESTCORE_COPY_DENSE;
	uint64_t off = r->out_off + (addr - r->start), run_off = 0;
	size_t run_len = 0;
	int e = 0;

	while (len && e == 0) {
		size_t n = GC_PAGE - addr % GC_PAGE < len ? GC_PAGE - addr % GC_PAGE : len;
		uint64_t bit = r->bit + (addr / GC_PAGE - r->start / GC_PAGE);
		bool had = gc_push_bit(d, bit), zero = true;

		if (src) {
			uint64_t a[GC_PAGE / 8];
			const unsigned char *t = src;
			if ((uintptr_t)src % 8) {
				memcpy(a, src, n);
				t = (const unsigned char *)a;
			}
			zero = gc_page_is_zero(t, n);
		}
		if (zero) {
			if (run_len)
				e = gc_pwrite_all(d, run, run_len, run_off, "guest memory");
			run_len = 0;
			/* Zeros over data: a hole again where the page is whole. */
			if (e == 0 && (had || dense) &&
			    (dense || n != GC_PAGE || off % GC_PAGE ||
			     fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, GC_PAGE) < 0))
				e = gc_pwrite_all(d, src ? src : zero_page, n, off, "guest memory");
			if (n == GC_PAGE)
				gc_push_set_bit(d, bit, false);
		} else {
			gc_push_set_bit(d, bit, true);
			if (!run_len) {
				run = src;
				run_off = off;
			}
			run_len += n;
		}
		addr += n;
		off += n;
		len -= n;
		if (src)
			src += n;
	}
	if (e == 0 && run_len)
		e = gc_pwrite_all(d, run, run_len, run_off, "guest memory");
	if (e == 0)
		gc_writeback_start(d, off);
	return e;
}

static int elf_pull(struct gc_dump *d, const struct gc_pushed *r, uint64_t addr, void *buf, size_t len)
{
	int e = gc_pread_full(d->fd, buf, len, r->out_off + (addr - r->start));

	if (e < 0)
		gc_dump_fail(d, "cannot read back guest memory from %s: %s", d->o.output, strerror(-e));
	return e;
}

/* --digest: each pushed range hashed as it now lies in the core. */
static int elf_push_end(struct gc_dump *d, const struct gc_pushed *ranges, size_t n, bool ok)
{
	for (size_t i = 0; ok && d->hash && i < n; i++) {
		XXH128_canonical_t c;

		XXH3_128bits_reset(d->hash);
		for (uint64_t at = 0; at < ranges[i].length;) {
			size_t k = ranges[i].length - at < GC_CHUNK ? (size_t)(ranges[i].length - at) : GC_CHUNK;
			int r = elf_pull(d, &ranges[i], ranges[i].start + at, d->buf, k);
			if (r < 0)
				return r;
			XXH3_128bits_update(d->hash, d->buf, k);
			at += k;
		}
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(d->hash));
		memcpy(d->digests[ranges[i].index], c.digest, 16);
	}
	return 0;
}

const struct gc_container gc_container_elf = {
	.name = "elf",
	.check = elf_check,
	.layout = elf_layout,
	.write_memory = elf_write_memory,
	.write_headers = write_headers,
	.push = elf_push,
	.pull = elf_pull,
	.push_end = elf_push_end,
};
