/* The memory source of a dump: finding the plugin named in --source, the
 * interface checks, pause and resume, the range list (checked ascending and
 * non-overlapping), and every named value a layout may bind to. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "dump.h"

const char *gc_dump_plugin_error(struct gc_dump *d, int r)
{
	const char *e = gc_plugin_last_error(d->src_plugin);

	return e && *e ? e : strerror(r < 0 ? -r : r);
}

static int add_input(struct gc_dump *d, int fd);

int gc_filled(struct gc_dump *d, const unsigned char *bytes, size_t size, const char *type_name, const char *item,
	      uint64_t index)
{
	char which[48] = "";

	if (gc_sized_tail_zero(bytes, size + GC_STRUCT_SLACK, size))
		return 0;
	if (item)
		snprintf(which, sizeof(which), " (%s %" PRIu64 ")", item, index);
	gc_dump_fail(d, "source %s wrote past the %zu bytes of %s the host gave it%s: a plugin checks "
		     "GUESTCORE_STRUCT_HAS() before writing a newer field", d->o.source, size, type_name, which);
	return -EPROTO;
}

int gc_source_open(struct gc_dump *d)
{
	const char *spec = d->o.source, *colon;
	char name[65];
	struct guestcore_plugin *p;
	const struct guestcore_memory_source_ops *ops;
	int r;

	if (!spec || !(colon = strchr(spec, ':')) || colon == spec || (size_t)(colon - spec) >= sizeof(name)) {
		gc_dump_fail(d, "source '%s' is not NAME:SPEC (for example raw:guest.img)", spec ? spec : "");
		return -EINVAL;
	}
	memcpy(name, spec, (size_t)(colon - spec));
	name[colon - spec] = '\0';
	p = guestcore_host_find(d->host, name);
	if (!p || !(guestcore_plugin_capabilities(p) & GUESTCORE_CAP_MEMORY_SOURCE)) {
		gc_dump_fail(d, "no memory-source plugin named '%s': 'guestcore plugins' lists them", name);
		return -ENOENT;
	}
	ops = guestcore_plugin_interface(p, GUESTCORE_IFACE_MEMORY_SOURCE);
	if (ops)
		GC_TABLE_IN(d->src_ops, ops);
	if (!ops || !GC_SIZED_HAS(ops->size, struct guestcore_memory_source_ops, get_register) ||
	    !d->src_ops.open || !d->src_ops.close || !d->src_ops.describe || !d->src_ops.get_range ||
	    !d->src_ops.read) {
		gc_dump_fail(d, "plugin '%s' declares a memory source but its interface is missing or "
				"incomplete: rebuild it against this SDK", name);
		return -ENOEXEC;
	}
	d->src_plugin = p;
	d->src = ops = &d->src_ops;
	gc_plugin_clear_error(p);
	r = ops->open(gc_plugin_api(p), colon + 1, &d->source);
	if (r < 0 || !d->source) {
		gc_dump_fail(d, "source %s: %s", spec, gc_dump_plugin_error(d, r < 0 ? r : -EINVAL));
		d->source = NULL;
		return r < 0 ? r : -EINVAL;
	}
	/* Pause before reading anything; resumed on every path by close. */
	if (ops->pause && !d->no_pause) {
		gc_plugin_clear_error(p);
		r = ops->pause(d->source);
		if (r < 0) {
			gc_dump_fail(d, "source %s could not pause the guest: %s", spec, gc_dump_plugin_error(d, r));
			return r;
		}
		d->paused = true;
	}
	{
		GC_FILL(struct guestcore_guest_info) u = GC_FILL_INIT(struct guestcore_guest_info);

		gc_plugin_clear_error(p);
		r = ops->describe(d->source, &u.s);
		if (r < 0) {
			gc_dump_fail(d, "source %s could not describe the guest: %s", spec, gc_dump_plugin_error(d, r));
			return r;
		}
		r = gc_filled(d, u.bytes, sizeof(u.s), "guestcore_guest_info", NULL, 0);
		if (r < 0)
			return r;
		d->info = u.s;
	}
	if ((d->info.flags & GUESTCORE_GUEST_PUSHES) && !ops->push_memory) {
		gc_dump_fail(d, "source %s says it pushes its memory but has no push_memory: fix the source", spec);
		return -EPROTO;
	}
	if (d->info.cpu_count > GC_MAX_CPUS) {
		gc_dump_fail(d, "source %s claims %u vCPUs, more than the %u guestcore accepts", spec,
			     d->info.cpu_count, GC_MAX_CPUS);
		return -E2BIG;
	}
	d->description = strndup(d->info.description ? d->info.description : spec, 1024);
	if (!d->description)
		return -ENOMEM;
	d->big_endian = d->info.big_endian != 0;

	{
		/* The first walk checks every range and keeps only what the layout
		 * needs: the host holds nothing per range, so a map of millions
		 * costs no memory (later walks fetch each range again). */
		struct gc_range_walk w;
		struct guestcore_range rg;
		uint64_t off;

		gc_range_walk_init(&w, 0);
		while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
			if (rg.start + rg.length > d->max_end)
				d->max_end = rg.start + rg.length;
			if (rg.kind != GUESTCORE_RANGE_MMIO) {
				d->n_file_ranges++;
				d->total += rg.length;
				/* A range without a file of a source that pushes:
				 * its bytes come from push_memory(). */
				d->pushes |= rg.fd < 0 && (d->info.flags & GUESTCORE_GUEST_PUSHES);
			}
			r = add_input(d, rg.fd);
			if (r < 0)
				return r;
		}
		if (r < 0)
			return r;
		d->n_ranges = w.i;
		d->ranges_hash = w.hash;
		d->ranges_listed = true;
		d->data_span = w.off;
	}
	return 0;
}

/* FD, once, in the sorted list of the files the source reads. */
static int add_input(struct gc_dump *d, int fd)
{
	size_t lo = 0, hi = d->n_inputs;
	int *v;

	if (fd < 0)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (d->inputs[mid] == fd)
			return 0;
		if (d->inputs[mid] < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	v = reallocarray(d->inputs, d->n_inputs + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->inputs = v;
	memmove(v + lo + 1, v + lo, (d->n_inputs - lo) * sizeof(*v));
	v[lo] = fd;
	d->n_inputs++;
	return 0;
}

void gc_range_walk_init(struct gc_range_walk *w, uint64_t data_offset)
{
	*w = (struct gc_range_walk){ .off = data_offset, .hash = 0x6775657374636f72ull };
}

static int ranges_changed(struct gc_dump *d)
{
	gc_dump_fail(d, "source %s changed its ranges during the dump: %s left unchanged", d->o.source, d->o.output);
	return -ESTALE;
}

/* The next range and its offset in the file: 1, 0 after the last, or a
 * negative errno with the message set.  Every walk checks each range as the
 * first did and chains a hash of them all: a source whose ranges changed
 * since the first walk fails the dump at the end of the walk. */
int gc_range_walk_next(struct gc_dump *d, struct gc_range_walk *w, struct guestcore_range *ret, uint64_t *ret_off)
{
	const char *spec = d->o.source;
	GC_FILL(struct guestcore_range) u = { .s = { .size = sizeof(u.s), .fd = -1 } };
	struct guestcore_range rg;
	uint64_t i = w->i;
	int r;

	if (i >= GC_MAX_RANGES) {
		gc_dump_fail(d, "source %s has more than %u ranges", spec, GC_MAX_RANGES);
		return -E2BIG;
	}
	gc_plugin_clear_error(d->src_plugin);
	r = d->src->get_range(d->source, i, &u.s);
	rg = u.s;
	if (r >= 0 && gc_filled(d, u.bytes, sizeof(u.s), "guestcore_range", "range", i) < 0)
		return -EPROTO;
	if (r == -ENOENT) {
		if (d->ranges_listed && (i != d->n_ranges || w->hash != d->ranges_hash))
			return ranges_changed(d);
		return 0;
	}
	if (r < 0) {
		gc_dump_fail(d, "source %s: range %" PRIu64 ": %s", spec, i, gc_dump_plugin_error(d, r));
		return r;
	}
	if (rg.length == 0 || rg.start + rg.length < rg.start || rg.kind > GUESTCORE_RANGE_MMIO) {
		gc_dump_fail(d, "source %s: range %" PRIu64 " (0x%" PRIx64 ", 0x%" PRIx64 " bytes, kind %u) is "
			     "invalid: fix the source", spec, i, rg.start, rg.length, rg.kind);
		return -EINVAL;
	}
	if (i && rg.start < w->end) {
		gc_dump_fail(d, "source %s: range %" PRIu64 " at 0x%" PRIx64 " is not above the previous one "
			     "(which ends at 0x%" PRIx64 "): sources list ranges ascending and apart", spec, i,
			     rg.start, w->end);
		return -EINVAL;
	}
	if (d->ranges_listed && i >= d->n_ranges)
		return ranges_changed(d);
	{
		uint64_t t[5] = { rg.start, rg.length, rg.kind, (uint64_t)(int64_t)rg.fd,
				  rg.fd >= 0 ? rg.file_offset : 0 };
		w->hash = XXH3_64bits_withSeed(t, sizeof(t), w->hash);
	}
	w->end = rg.start + rg.length;
	w->off = (w->off + GC_PAGE - 1) / GC_PAGE * GC_PAGE;
	*ret_off = w->off;
	if (rg.kind != GUESTCORE_RANGE_MMIO)
		w->off += rg.length;
	w->i++;
	*ret = rg;
	return 1;
}

void gc_source_close(struct gc_dump *d)
{
	if (!d->source)
		return;
	if (d->paused && d->src->resume) {
		int r;

		gc_plugin_clear_error(d->src_plugin);
		r = d->src->resume(d->source);
		if (r < 0) {
			/* Never lost behind another message: kept apart, and the
			 * return value says it (GUESTCORE_DUMP_NOT_RESUMED). */
			const char *e = gc_plugin_last_error(d->src_plugin);
			d->not_resumed = true;
			snprintf(d->resume_msg, sizeof(d->resume_msg), "the guest could not be resumed: %s%s",
				 e && *e ? e : strerror(-r),
				 e && strstr(e, "by hand") ? "" : "; it stays paused: resume it by hand");
		}
	}
	d->paused = false;
	d->src->close(d->source);
	d->source = NULL;
}

static int reg(struct gc_dump *d, uint32_t cpu, const char *name, uint64_t *ret)
{
	if (!d->src->get_register || cpu >= d->info.cpu_count)
		return -ENOENT;
	return d->src->get_register(d->source, cpu, name, ret);
}

/* vmcoreinfo.NAME of the kernel's map (the PT_LOADs' virtual addresses):
 * each value 0 where its half of the map was not found. */
static bool kernel_map_value(const struct gc_kernel_map *km, const char *name, uint64_t *ret)
{
	const uint64_t image[] = { km->image.vaddr, km->image.paddr, km->image.size, km->image_rule };
	const uint64_t direct[] = { km->direct_rule, km->direct.vaddr, km->direct.paddr, km->direct.size, km->direct_var };
	static const char *const image_names[] = { "image_vaddr", "image_paddr", "image_size", "image_rule" };
	static const char *const direct_names[] = { "direct_rule", "direct_vaddr", "direct_paddr", "direct_size",
						    "direct_var" };

	for (size_t i = 0; i < sizeof(image) / sizeof(image[0]); i++)
		if (strcmp(name, image_names[i]) == 0) {
			*ret = km->image_set ? image[i] : 0;
			return true;
		}
	for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
		if (strcmp(name, direct_names[i]) == 0) {
			*ret = km->direct_set ? direct[i] : 0;
			return true;
		}
	return false;
}

/* One named value for vCPU CPU.  Strings are written to STRBUF. */
int gc_source_value(struct gc_dump *d, uint32_t cpu, const char *b, struct guestcore_value *ret,
		    char *strbuf, size_t strbufsz)
{
	uint64_t v;
	int r;

	ret->bytes = NULL;
	ret->len = 0;
	if (strncmp(b, "reg.", 4) == 0) {
		const char *dot = strrchr(b, '.');
		if (gc_vocab_bytes(b)) {
			if (!d->src->get_register_bytes || cpu >= d->info.cpu_count)
				return -ENOENT;
			return d->src->get_register_bytes(d->source, cpu, b, &ret->bytes, &ret->len);
		}
		r = reg(d, cpu, b, &ret->u);
		if (r != -ENOENT)
			return r;
		/* Derived forms of segment attributes, either way round. */
		if (dot && strcmp(dot, ".desc_flags") == 0) {
			char a[64];
			snprintf(a, sizeof(a), "%.*s.attr", (int)(dot - b), b);
			if (reg(d, cpu, a, &v) == 0) {
				ret->u = (v & 0xf0ffu) << 8;
				return 0;
			}
		} else if (dot && strcmp(dot, ".attr") == 0) {
			char a[64];
			snprintf(a, sizeof(a), "%.*s.desc_flags", (int)(dot - b), b);
			if (reg(d, cpu, a, &v) == 0) {
				ret->u = (v >> 8) & 0xf0ffu;
				return 0;
			}
		}
		return -ENOENT;
	}
	if (strcmp(b, "vm.cpu_count") == 0) {
		ret->u = d->info.cpu_count;
		return 0;
	}
	if (strcmp(b, "vm.cpu_index") == 0) {
		ret->u = cpu;
		return 0;
	}
	if (strcmp(b, "vm.cpu_id") == 0) {
		ret->u = (uint64_t)cpu + 1;
		return 0;
	}
	if (strcmp(b, "vm.machine") == 0) {
		snprintf(strbuf, strbufsz, "%s", gc_machine_text(d->info.e_machine) ? gc_machine_text(d->info.e_machine)
			 : "unknown");
		goto string;
	}
	if (strcmp(b, "host.tool_version") == 0) {
		snprintf(strbuf, strbufsz, "guestcore %s", PACKAGE_VERSION);
		goto string;
	}
	if (strcmp(b, "host.version_packed") == 0) {
		unsigned maj = 0, min = 0, pat = 0;
		sscanf(PACKAGE_VERSION, "%u.%u.%u", &maj, &min, &pat);
		ret->u = ((uint64_t)(maj & 0xff) << 24) | ((min & 0xff) << 16) | (pat & 0xffff);
		return 0;
	}
	if (strcmp(b, "host.revision") == 0) {
		ret->u = 0;
		return 0;
	}
	if (strcmp(b, "host.creation_time") == 0) {
		ret->u = (uint64_t)d->created;
		return 0;
	}
	if (strcmp(b, "source.description") == 0) {
		snprintf(strbuf, strbufsz, "%s", d->description);
		goto string;
	}
	if (strncmp(b, "vmcoreinfo.", 11) == 0) {
		if (strcmp(b + 11, "origin") == 0)
			ret->u = (uint64_t)d->vmci_origin;
		else if (strcmp(b + 11, "address") == 0)
			ret->u = d->vmci_origin == GC_VMCI_FROM_MEMORY ? d->vmci_addr : 0;
		else if (strcmp(b + 11, "candidates") == 0)
			ret->u = d->vmci_found;
		else if (strcmp(b + 11, "file") == 0) {
			snprintf(strbuf, strbufsz, "%s", d->vmci_origin == GC_VMCI_FROM_FILE ? d->o.vmcoreinfo_file
				 : d->vmci_origin == GC_VMCI_FROM_SOURCE ? d->o.source : "");
			goto string;
		} else if (!kernel_map_value(&d->kmap, b + 11, &ret->u))
			return -ENOENT;
		return 0;
	}
	if (strcmp(b, "dump.load_count") == 0) {
		ret->u = d->n_ranges;
		return 0;
	}
	if (strcmp(b, "dump.unreadable_count") == 0) {
		ret->u = d->unread_count;
		return 0;
	}
	if (strcmp(b, "dump.unreadable_bytes") == 0) {
		ret->u = d->unread_bytes;
		return 0;
	}
	return -ENOENT;
string:
	ret->bytes = strbuf;
	ret->len = strlen(strbuf);
	return 0;
}
