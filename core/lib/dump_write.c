/* guestcore_dump() and the ELF container: compute the whole layout (headers,
 * notes, every segment's offset), have dump_copy.c stream memory into an
 * unnamed file in the output's directory, write notes and headers last; fsync
 * and link into place (outfile.c).  On any failure the output is untouched,
 * the unnamed file is gone and the guest is resumed. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "dump.h"

void gc_dump_fail(struct gc_dump *d, const char *fmt, ...)
{
	va_list ap;

	if (d->msg[0])
		return; /* the first failure is the one to report */
	va_start(ap, fmt);
	vsnprintf(d->msg, d->msgsz, fmt, ap);
	va_end(ap);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

int gc_io_error(struct gc_dump *d, int err, const char *what)
{
	if (err == ENOSPC || err == EDQUOT)
		gc_dump_fail(d, "no space left writing %s to %s: free space there or write elsewhere with -o", what,
			     d->o.output);
	else if (err == EFBIG)
		gc_dump_fail(d, "file size limit reached writing %s to %s (ulimit -f): raise the limit or write "
				"elsewhere", what, d->o.output);
	else
		gc_dump_fail(d, "cannot write %s to %s: %s", what, d->o.output, strerror(err));
	return -err;
}

int gc_pwrite_all(struct gc_dump *d, const void *buf, size_t len, uint64_t off, const char *what)
{
	int r = gc_pwrite_full(d->fd, buf, len, off);

	return r < 0 ? gc_io_error(d, -r, what) : 0;
}

/* ---- layout -------------------------------------------------------------------- */

static int compute_layout(struct gc_dump *d)
{
	uint64_t phent, ehsize, off;
	bool fits32 = d->max_end <= UINT32_MAX + 1ull;

	d->n_phdrs = 1 + d->n_ranges;
	if (d->o.elf_class == 32 && !fits32) {
		gc_dump_fail(d, "an ELF32 core cannot hold guest memory above 4 GiB: drop --elf-class=32");
		return -EINVAL;
	}
	d->elf_class = d->o.elf_class ? d->o.elf_class : (d->info.e_machine == EM_386 && fits32 ? 32 : 64);

again:
	ehsize = d->elf_class == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	phent = d->elf_class == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	off = ehsize + d->n_phdrs * phent;
	if (d->n_phdrs >= PN_XNUM)
		off = align_up(off, 8) + (d->elf_class == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr));
	d->notes_offset = align_up(off, 8);
	d->notes_reserved = 0;
	for (size_t i = 0; i < d->n_notes; i++) {
		d->notes[i].offset = d->notes_offset + d->notes_reserved;
		d->notes_reserved += d->notes[i].size;
	}
	d->notes_reserved += (uint64_t)GC_UNREADABLE_NOTES * d->unreadable_note_size;
	d->notes_reserved += (uint64_t)d->n_digest_notes * d->digest_note_size;
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

static int write_headers(struct gc_dump *d, uint64_t notes_size)
{
	bool be = d->big_endian, is64 = d->elf_class == 64;
	unsigned char eh[64] = { 0 };
	uint64_t phent = is64 ? 56 : 32, ehsize = is64 ? 64 : 52, phoff = ehsize;
	uint64_t shoff = 0, shent = is64 ? 64 : 40;
	bool xnum = d->n_phdrs >= PN_XNUM;
	unsigned char *buf = d->buf;
	size_t used = 0;
	uint64_t at = phoff;
	struct gc_range_walk w;
	int r;

	if (xnum)
		shoff = align_up(phoff + d->n_phdrs * phent, 8);
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
		gc_put(eh + 56, 2, xnum ? PN_XNUM : d->n_phdrs, be);
		gc_put(eh + 58, 2, xnum ? shent : 0, be);
		gc_put(eh + 60, 2, xnum ? 1 : 0, be);
	} else {
		gc_put(eh + 28, 4, phoff, be);
		gc_put(eh + 32, 4, shoff, be);
		gc_put(eh + 40, 2, ehsize, be);
		gc_put(eh + 42, 2, phent, be);
		gc_put(eh + 44, 2, xnum ? PN_XNUM : d->n_phdrs, be);
		gc_put(eh + 46, 2, xnum ? shent : 0, be);
		gc_put(eh + 48, 2, xnum ? 1 : 0, be);
	}
	r = gc_pwrite_all(d, eh, ehsize, 0, "the ELF header");
	if (r < 0)
		return r;

	/* Program headers, streamed through the buffer: PT_NOTE, then one
	 * PT_LOAD per range in ascending guest-physical order. */
	gc_range_walk_init(&w, d->data_offset);
	for (uint64_t i = 0; i < d->n_phdrs; i++) {
		unsigned char *p = buf + used;
		uint32_t type = PT_LOAD, flags;
		uint64_t offset, paddr, filesz, memsz, align = 0;

		if (i == 0) {
			type = PT_NOTE;
			flags = 0;
			offset = d->notes_offset;
			paddr = 0;
			filesz = memsz = notes_size;
		} else {
			struct guestcore_range rg;
			/* A walk that ends early or runs long fails there. */
			r = gc_range_walk_next(d, &w, &rg, &offset);
			if (r < 0)
				return r;
			paddr = rg.start;
			memsz = rg.length;
			filesz = rg.kind == GUESTCORE_RANGE_MMIO ? 0 : rg.length;
			flags = rg.kind == GUESTCORE_RANGE_ROM ? PF_R | PF_X : rg.kind == GUESTCORE_RANGE_MMIO ? PF_R | PF_W
												 : PF_R | PF_W | PF_X;
		}
		memset(p, 0, phent);
		gc_put(p, 4, type, be);
		if (is64) {
			gc_put(p + 4, 4, flags, be);
			gc_put(p + 8, 8, offset, be);
			gc_put(p + 16, 8, paddr, be);  /* p_vaddr = p_paddr, as QEMU */
			gc_put(p + 24, 8, paddr, be);
			gc_put(p + 32, 8, filesz, be);
			gc_put(p + 40, 8, memsz, be);
			gc_put(p + 48, 8, align, be);
		} else {
			gc_put(p + 4, 4, offset, be);
			gc_put(p + 8, 4, paddr, be);
			gc_put(p + 12, 4, paddr, be);
			gc_put(p + 16, 4, filesz, be);
			gc_put(p + 20, 4, memsz, be);
			gc_put(p + 24, 4, flags, be);
			gc_put(p + 28, 4, align, be);
		}
		used += phent;
		if (used + phent > GC_CHUNK || i + 1 == d->n_phdrs) {
			r = gc_pwrite_all(d, buf, used, at, "the program headers");
			if (r < 0)
				return r;
			at += used;
			used = 0;
		}
	}
	{
		/* The end of the walk, where the hash of every range is checked. */
		struct guestcore_range rg;
		uint64_t o;
		r = gc_range_walk_next(d, &w, &rg, &o);
		if (r < 0)
			return r;
	}
	if (xnum) {
		/* PN_XNUM: section header 0 holds the real count in sh_info. */
		unsigned char sh[64] = { 0 };
		gc_put(sh + (is64 ? 44 : 28), 4, d->n_phdrs, be);
		r = gc_pwrite_all(d, sh, shent, shoff, "the section header");
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- output file ------------------------------------------------------------------ */

static int open_temp(struct gc_dump *d)
{
	char msg[600];
	int r;

	/* The output may not be a file the source reads. */
	r = gc_outfile_open(&d->out, d->o.output, d->o.force, d->inputs, d->n_inputs, "the source's memory", msg,
			    sizeof(msg));
	if (r < 0) {
		gc_dump_fail(d, "%s", msg);
		return r;
	}
	d->fd = d->out.fd;
	return 0;
}

static int finish_output(struct gc_dump *d)
{
	char msg[600];
	int r;

	if (ftruncate(d->fd, (off_t)d->file_size) < 0)
		return gc_io_error(d, errno, "the file's end");
	r = gc_outfile_commit(&d->out, msg, sizeof(msg));
	d->fd = -1;
	if (r < 0) {
		if (r == -ENOSPC || r == -EDQUOT || r == -EIO)
			return gc_io_error(d, -r, "the file to disk");
		gc_dump_fail(d, "%s", msg);
		return r;
	}
	return 0;
}

int gc_write_all(struct gc_dump *d)
{
	uint64_t notes_size = 0;
	int r;

	r = compute_layout(d);
	if (r < 0)
		return r;
	r = open_temp(d);
	if (r < 0)
		return r;
	{
		struct gc_range_walk w;
		struct guestcore_range rg;
		uint64_t off;

		gc_range_walk_init(&w, d->data_offset);
		while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
			if (rg.kind == GUESTCORE_RANGE_MMIO)
				continue;
			r = gc_copy_range(d, &rg, w.i - 1, off);
			if (r == -ECANCELED)
				gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
			if (r < 0)
				break;
		}
		gc_writeback_stop(d);
		if (r < 0)
			return r;
	}
	gc_dump_progress(d);
	if (d->unread_count && d->o.strict) {
		gc_dump_fail(d, "%" PRIu64 " bytes in %" PRIu64 " ranges could not be read and --strict is set; "
				"%s left unchanged", d->unread_bytes, d->unread_count, d->o.output);
		return -EIO;
	}
	r = gc_notes_write_late(d, &notes_size);
	if (r < 0)
		return r;
	r = write_headers(d, notes_size);
	if (r < 0)
		return r;
	if (gc_cancelled(d)) {
		gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
		return -ECANCELED;
	}
	return finish_output(d);
}

/* ---- entry point ------------------------------------------------------------------ */

GUESTCORE_API int guestcore_dump(struct guestcore_host *host, const struct guestcore_layouts *layouts,
				 const struct guestcore_dump_opts *opts,
				 struct guestcore_dump_result *ret, char *msg, size_t msgsz)
{
	char fallback[8];
	struct gc_dump d = { .fd = -1, .ext_fd = -1, .out = GC_OUTFILE_INIT };
	const struct guestcore_layouts *saved_layouts;
	const char *sde;
	int r;

	if (!msg || msgsz == 0) {
		msg = fallback;
		msgsz = sizeof(fallback);
	}
	msg[0] = '\0';
	d.msg = msg;
	d.msgsz = msgsz;
	if (!host || !layouts || !opts || opts->sz == 0 || !opts->output || !*opts->output) {
		gc_dump_fail(&d, "guestcore_dump: missing host, layouts, options or output");
		return -EINVAL;
	}
	memcpy(&d.o, opts, opts->sz < sizeof(d.o) ? opts->sz : sizeof(d.o));
	d.host = host;
	d.layouts = layouts;
	/* Sources that read other cores decode their notes with these; sources
	 * that wait ask cancelled(). */
	saved_layouts = gc_host_layouts(host);
	guestcore_host_set_layouts(host, layouts);
	gc_host_set_cancel(host, d.o.cancel);
	sde = getenv("SOURCE_DATE_EPOCH");
	d.created = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	d.buf = malloc(GC_CHUNK);
	if (d.o.digest) {
		d.hash = XXH3_createState();
		if (!d.hash) {
			r = -ENOMEM;
			goto out;
		}
	}
	d.unread = calloc(GC_UNREADABLE_NOTES, sizeof(*d.unread));
	if (!d.buf || !d.unread) {
		r = -ENOMEM;
		goto out;
	}

	r = gc_source_open(&d);
	if (r >= 0)
		r = gc_notes_build(&d);
	if (r >= 0)
		r = gc_write_all(&d);
out:
	/* Resume the guest first, on every path. */
	gc_writeback_stop(&d);
	gc_source_close(&d);
	gc_outfile_abort(&d.out);
	d.fd = -1;
	if (r == -ENOMEM)
		gc_dump_fail(&d, "out of memory");
	if (r < 0 && !msg[0])
		gc_dump_fail(&d, "dump failed: %s", strerror(-r));
	if (d.not_resumed) {
		size_t used = strlen(msg);
		if (r < 0 && used)
			snprintf(msg + used, msgsz - used, "; and %s", d.resume_msg);
		else
			snprintf(msg, msgsz, "the core is complete, but %s", d.resume_msg);
	}
	if (r < 0 && ret && ret->sz >= offsetof(struct guestcore_dump_result, not_resumed) + sizeof(bool))
		ret->not_resumed = d.not_resumed;
	if (r >= 0 && ret && ret->sz) {
		struct guestcore_dump_result full = {
			.sz = sizeof(full),
			.elf_class = d.elf_class,
			.e_machine = d.info.e_machine,
			.cpu_count = d.info.cpu_count,
			.ranges = d.n_ranges,
			.memory_bytes = d.total,
			.unreadable_ranges = d.unread_count,
			.unreadable_bytes = d.unread_bytes,
			.file_size = d.file_size,
			.notes = d.n_notes + d.n_unread + d.n_digest_notes,
			.not_resumed = d.not_resumed,
		};
		memcpy(ret, &full, ret->sz < sizeof(full) ? ret->sz : sizeof(full));
	}
	guestcore_host_set_layouts(host, saved_layouts);
	gc_host_set_cancel(host, NULL);
	gc_notes_free(&d);
	free(d.inputs);
	free(d.description);
	free(d.unread);
	free(d.buf);
	free(d.digests);
	if (d.hash)
		XXH3_freeState(d.hash);
	if (r < 0)
		return r;
	if (d.not_resumed)
		return GUESTCORE_DUMP_NOT_RESUMED;
	return d.unread_count ? GUESTCORE_DUMP_PARTIAL : 0;
}
