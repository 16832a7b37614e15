/* guestcore_dump(): the options checked, the source opened and its notes
 * built (after its memory for a source that pushes it), the container
 * chosen by --format (elf/write.c or kdump/write.c) laying out and writing an unnamed file in the output's directory, which is
 * fsynced and linked into place (outfile.c).  On any failure the output is
 * untouched, the unnamed file is gone and the guest is resumed. */
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

/* ---- output file ------------------------------------------------------------------ */

static int output_open(struct gc_dump *d)
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

static int output_commit(struct gc_dump *d)
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

/* The container's layout, the unnamed file, its memory, the late notes and
 * its headers, and the file linked into place. */
static int run_container(struct gc_dump *d)
{
	uint64_t notes_size = 0;
	int r;

	r = d->container->layout(d);
	if (r == 0 && !d->pushes)
		r = gc_notes_check(d);
	if (r < 0)
		return r;
	r = output_open(d);
	if (r < 0)
		return r;
	r = d->container->write_memory(d);
	gc_writeback_stop(d); /* the containers' writeback ends with the memory */
	if (r < 0)
		return r;
	gc_dump_progress(d);
	if (d->unread_count && d->o.strict) {
		gc_dump_fail(d, "%" PRIu64 " bytes in %" PRIu64 " ranges could not be read and --strict is set; "
				"%s left unchanged", d->unread_bytes, d->unread_count, d->o.output);
		return -EIO;
	}
	/* The registers and the source's notes of a source that pushes come
	 * after its memory, and the notes lie behind it. */
	r = 0;
	if (d->pushes)
		r = gc_notes_build(d);
	if (r == 0)
		r = gc_vmci_take(d); /* the kernel's VMCOREINFO, when the source gave none */
	if (r == 0)
		gc_vmci_window(d); /* and where it says the kernel image is mapped */
	if (r == 0 && d->pushes) {
		gc_notes_place(d, (d->file_size + 7) / 8 * 8);
		r = gc_notes_check(d);
	}
	if (r < 0)
		return r;
	r = gc_notes_write_late(d, &notes_size);
	if (r < 0)
		return r;
	if (d->pushes)
		d->file_size = d->notes_offset + notes_size;
	r = d->container->write_headers(d, notes_size);
	if (r < 0)
		return r;
	if (gc_cancelled(d)) {
		gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
		return -ECANCELED;
	}
	return output_commit(d);
}

/* The container --format names; it checks the options it owns. */
static int choose_container(struct gc_dump *d)
{
	switch (d->o.format) {
	case GUESTCORE_FORMAT_ELF:
		d->container = &gc_container_elf;
		break;
	case GUESTCORE_FORMAT_KDUMP:
		d->container = &gc_container_kdump;
		break;
	default:
		gc_dump_fail(d, "format %d is not one guestcore writes (elf, kdump)", d->o.format);
		return -EINVAL;
	}
	return d->container->check(d);
}

/* ---- entry point ------------------------------------------------------------------ */

/* The caller's MSG (MSGSZ bytes), or FALLBACK where it gave none, emptied:
 * where the entry points' sentences go. */
static void msg_init(struct gc_dump *d, char *msg, size_t msgsz, char *fallback, size_t fallback_size)
{
	if (!msg || msgsz == 0) {
		msg = fallback;
		msgsz = fallback_size;
	}
	msg[0] = '\0';
	d->msg = msg;
	d->msgsz = msgsz;
}

GUESTCORE_API int guestcore_dump(struct guestcore_host *host, const struct guestcore_layouts *layouts,
				 const struct guestcore_dump_opts *opts,
				 struct guestcore_dump_result *ret, char *msg, size_t msgsz)
{
	char fallback[8];
	struct gc_dump d = { .fd = -1, .ext_fd = -1, .out = GC_OUTFILE_INIT };
	const struct guestcore_layouts *saved_layouts;
	const char *sde;
	int r;

	msg_init(&d, msg, msgsz, fallback, sizeof(fallback));
	msg = d.msg;
	msgsz = d.msgsz;
	if (!host || !layouts || !opts || opts->sz == 0) {
		gc_dump_fail(&d, "guestcore_dump: missing host, layouts or options");
		return -EINVAL;
	}
	if (!GC_OPTS_VALID(opts)) {
		gc_dump_fail(&d, "guestcore_dump: the options (%zu bytes) set fields this libguestcore (%zu bytes, "
			     "version %s) does not know: upgrade libguestcore or leave them zero", opts->sz,
			     sizeof(*opts), PACKAGE_VERSION);
		return -EINVAL;
	}
	GC_OPTS_IN(d.o, opts);
	if (!d.o.output || !*d.o.output) {
		gc_dump_fail(&d, "guestcore_dump: no output file in the options");
		return -EINVAL;
	}
	r = choose_container(&d);
	if (r < 0)
		return r;
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

	r = gc_vmci_begin(&d);
	if (r >= 0)
		r = gc_source_open(&d);
	if (r >= 0)
		r = gc_vmci_file_check(&d);
	if (r >= 0 && d.o.digest && !(d.digests = calloc(d.n_ranges ? d.n_ranges : 1, sizeof(*d.digests))))
		r = -ENOMEM;
	if (r >= 0 && !d.pushes)
		r = gc_notes_build(&d);
	if (r >= 0 && !d.pushes)
		gc_vmci_notes_known(&d);
	if (r >= 0)
		r = run_container(&d);
out:
	/* Resume the guest first, on every path. */
	gc_writeback_stop(&d);
	gc_pool_stop(&d);
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
	if (r < 0 && ret && GC_SIZED_HAS(ret->sz, struct guestcore_dump_result, not_resumed))
		ret->not_resumed = d.not_resumed;
	if (r >= 0 && ret && ret->sz) {
		const struct guestcore_dump_result full = {
			.sz = sizeof(full),
			.elf_class = d.elf_class,
			.e_machine = d.info.e_machine,
			.cpu_count = d.info.cpu_count,
			.ranges = d.n_ranges,
			.memory_bytes = d.total,
			.unreadable_ranges = d.unread_count,
			.unreadable_bytes = d.unread_bytes,
			.file_size = d.file_size,
			.notes = d.n_notes + d.n_unread + d.n_digest_notes - (d.gc_vmci && !d.vmci_origin ? 2 : 0),
			.not_resumed = d.not_resumed,
			.format = d.o.format,
			.page_data_bytes = d.page_data_bytes,
		};
		GC_RESULT_OUT(ret, full);
	}
	guestcore_host_set_layouts(host, saved_layouts);
	gc_host_set_cancel(host, NULL);
	gc_notes_free(&d);
	gc_vmci_free(&d);
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

GUESTCORE_API int guestcore_source_describe(struct guestcore_host *host, const struct guestcore_layouts *layouts,
					    const char *spec, struct guestcore_source_info *ret,
					    int (*range_cb)(void *userdata, uint64_t start, uint64_t length,
							    uint32_t kind),
					    void *userdata, char *msg, size_t msgsz)
{
	char fallback[8];
	struct gc_dump d = { .fd = -1, .ext_fd = -1, .out = GC_OUTFILE_INIT, .no_pause = true };
	const struct guestcore_layouts *saved_layouts;
	int r;

	msg_init(&d, msg, msgsz, fallback, sizeof(fallback));
	msg = d.msg;
	if (!host || !layouts || !spec || !ret || ret->sz == 0) {
		gc_dump_fail(&d, "guestcore_source_describe: missing host, layouts, source or result");
		return -EINVAL;
	}
	d.o.source = spec;
	d.host = host;
	d.layouts = layouts;
	saved_layouts = gc_host_layouts(host);
	guestcore_host_set_layouts(host, layouts);
	r = gc_source_open(&d);
	if (r >= 0 && range_cb) {
		/* The walk again, each range to the caller. */
		struct gc_range_walk w;
		struct guestcore_range rg;
		uint64_t off;

		gc_range_walk_init(&w, 0);
		while ((r = gc_range_walk_next(&d, &w, &rg, &off)) > 0) {
			r = range_cb(userdata, rg.start, rg.length, rg.kind);
			if (r != 0)
				break;
		}
	}
	if (r >= 0) {
		struct guestcore_source_info full = {
			.sz = sizeof(full),
			.e_machine = d.info.e_machine,
			.big_endian = d.big_endian,
			.pushes = d.pushes,
			.cpu_count = d.info.cpu_count,
			.ranges = d.n_ranges,
			.memory_bytes = d.total,
		};
		snprintf(full.description, sizeof(full.description), "%s", d.description ? d.description : spec);
		GC_RESULT_OUT(ret, full);
		r = r > 0 ? r : 0;
	}
	if (r < 0 && !msg[0])
		gc_dump_fail(&d, "source %s: %s", spec, strerror(-r));
	gc_source_close(&d);
	guestcore_host_set_layouts(host, saved_layouts);
	free(d.inputs);
	free(d.description);
	return r;
}
