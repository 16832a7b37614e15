/* Memory a source pushes (plugin ABI 1.3 push_memory): the sink the host
 * hands it, which finds the range each piece belongs to and gives the piece
 * to the container (elf/write.c, kdump/write.c), straight into its place in
 * the core.  No copy of the guest is kept anywhere: a migration stream goes
 * from QEMU's socket into the output file.
 *
 * The host keeps a table of the ranges without a file (a source that
 * pushes has few: QEMU's RAM blocks) and a bit per page of them that says
 * whether the page holds data, so that a page pushed again as zeros after
 * data is cleared, and one pushed as zeros alone stays a hole. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

#define GC_MAX_PUSHED (1u << 20) /* ranges without a file a pushing source may have */

struct gc_push {
	struct guestcore_memory_sink sink; /* first: the plugin's pointer is ours */
	struct gc_dump *d;
	struct gc_pushed *ranges;
	size_t n;
	int err;                           /* the first failure, returned to every later call */
};

static struct gc_push *from_sink(struct guestcore_memory_sink *sink)
{
	return (struct gc_push *)(void *)sink;
}

/* The pushed range holding [ADDR, ADDR+LEN) whole, or NULL (said). */
static const struct gc_pushed *find(struct gc_push *p, uint64_t addr, size_t len, const char *what)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->ranges[mid].start + p->ranges[mid].length <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->n && addr >= p->ranges[lo].start && len <= p->ranges[lo].length &&
	    addr - p->ranges[lo].start <= p->ranges[lo].length - len)
		return &p->ranges[lo];
	gc_dump_fail(p->d, "source %s %s 0x%zx bytes at 0x%" PRIx64 ", which is not inside one of its ranges "
		     "without a file: fix the source", p->d->o.source, what, len, addr);
	return NULL;
}

static int sink_write(struct guestcore_memory_sink *sink, uint64_t addr, const void *data, size_t len)
{
	struct gc_push *p = from_sink(sink);
	struct gc_dump *d = p->d;
	const struct gc_pushed *r;
	int e;

	if (p->err)
		return p->err;
	if (gc_cancelled(d)) {
		gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
		return p->err = -ECANCELED;
	}
	if (len == 0)
		return 0;
	if (!(r = find(p, addr, len, "pushed")))
		return p->err = -EINVAL;
	if (data && d->vmci_scan) {
		/* The pages that begin in this piece, for the VMCOREINFO search
		 * (which reads them back, as the core holds them, at the end). */
		const unsigned char *b = data;
		uint64_t at = (addr + GC_PAGE - 1) / GC_PAGE * GC_PAGE;

		for (; at - addr < len; at += GC_PAGE)
			gc_vmci_page(d, at, b + (at - addr), len - (at - addr) < GC_PAGE ? (size_t)(len - (at - addr)) : GC_PAGE);
	}
	e = d->container->push(d, r, addr, data, len);
	if (e < 0)
		return p->err = e;
	d->done = d->done + len < d->total ? d->done + len : d->total;
	gc_dump_progress(d);
	return 0;
}

static int sink_read(struct guestcore_memory_sink *sink, uint64_t addr, void *buf, size_t len)
{
	struct gc_push *p = from_sink(sink);
	const struct gc_pushed *r;

	if (p->err)
		return p->err;
	if (len == 0)
		return 0;
	if (!(r = find(p, addr, len, "read back")))
		return -EINVAL;
	return p->d->container->pull(p->d, r, addr, buf, len);
}

/* The ranges without a file, in order, with where each lies in the core. */
/* The pages range RG covers: its page descriptors in a kdump file, its
 * bits in push_bits. */
static uint64_t range_pages(const struct guestcore_range *rg)
{
	return (rg->start % GC_PAGE + rg->length + GC_PAGE - 1) / GC_PAGE;
}

static int list_pushed(struct gc_dump *d, struct gc_push *p)
{
	struct gc_range_walk w;
	struct guestcore_range rg;
	uint64_t off, page = 0, bit = 0;
	int r;

	gc_range_walk_init(&w, d->data_offset);
	while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
		uint64_t pages = range_pages(&rg);

		if (rg.kind == GUESTCORE_RANGE_MMIO)
			continue;
		if (rg.fd < 0) {
			struct gc_pushed *n;

			if (p->n == GC_MAX_PUSHED) {
				gc_dump_fail(d, "source %s pushes more than %u ranges without a file", d->o.source,
					     GC_MAX_PUSHED);
				return -E2BIG;
			}
			if (p->n == 0 || (p->n >= 16 && (p->n & (p->n - 1)) == 0)) { /* doubling */
				n = reallocarray(p->ranges, p->n ? p->n * 2 : 16, sizeof(*n));
				if (!n)
					return -ENOMEM;
				p->ranges = n;
			}
			p->ranges[p->n++] = (struct gc_pushed){ .start = rg.start, .length = rg.length, .out_off = off,
							.first_page = page, .bit = bit, .index = w.i - 1 };
			bit += pages;
		}
		page += pages;
	}
	if (r < 0)
		return r;
	d->push_bits = calloc(bit / 8 + 1, 1);
	return d->push_bits ? 0 : -ENOMEM;
}

/* After the push the source may say more of itself (the description:
 * QEMU's downtime); the guest must be the one it described before. */
static int describe_again(struct gc_dump *d)
{
	GC_FILL(struct guestcore_guest_info) u = GC_FILL_INIT(struct guestcore_guest_info);
	char *text;
	int r;

	gc_plugin_clear_error(d->src_plugin);
	r = d->src->describe(d->source, &u.s);
	if (r < 0) {
		gc_dump_fail(d, "source %s could not describe the guest after its memory: %s", d->o.source,
			     gc_dump_plugin_error(d, r));
		return r;
	}
	if (gc_filled(d, u.bytes, sizeof(u.s), "guestcore_guest_info", NULL, 0) < 0)
		return -EPROTO;
	if (u.s.e_machine != d->info.e_machine || u.s.big_endian != d->info.big_endian ||
	    u.s.cpu_count != d->info.cpu_count || u.s.flags != d->info.flags) {
		gc_dump_fail(d, "source %s described another guest after its memory than before: fix the source",
			     d->o.source);
		return -ESTALE;
	}
	text = strndup(u.s.description ? u.s.description : d->o.source, 1024);
	if (!text)
		return -ENOMEM;
	free(d->description);
	d->description = text;
	d->info = u.s;
	return 0;
}

int gc_push_memory(struct gc_dump *d)
{
	struct gc_push p = {
		.sink = { .size = sizeof(p.sink), .write = sink_write, .read = sink_read },
		.d = d,
	};
	int r = list_pushed(d, &p), e;

	if (r == 0) {
		gc_plugin_clear_error(d->src_plugin);
		r = d->src->push_memory(d->source, &p.sink);
		if (r < 0 && !d->msg[0])
			gc_dump_fail(d, "source %s: %s", d->o.source, gc_dump_plugin_error(d, r));
		else if (r >= 0 && p.err)
			r = p.err; /* the source went on after the sink refused */
		if (r >= 0)
			r = describe_again(d);
	}
	e = d->container->push_end(d, p.ranges, p.n, r >= 0);
	free(p.ranges);
	free(d->push_bits);
	d->push_bits = NULL;
	if (r == -ECANCELED)
		gc_dump_fail(d, "interrupted: %s left unchanged", d->o.output);
	return r < 0 ? r : e;
}

bool gc_push_bit(const struct gc_dump *d, uint64_t bit)
{
	return d->push_bits[bit / 8] & (1u << (bit % 8));
}

void gc_push_set_bit(struct gc_dump *d, uint64_t bit, bool on)
{
	if (on)
		d->push_bits[bit / 8] |= (unsigned char)(1u << (bit % 8));
	else
		d->push_bits[bit / 8] &= (unsigned char)~(1u << (bit % 8));
}

int gc_guest_read(struct gc_dump *d, uint64_t addr, void *buf, size_t len)
{
	struct gc_range_walk w;
	struct guestcore_range rg;
	uint64_t off, page = 0;
	int r;

	gc_range_walk_init(&w, d->data_offset);
	while ((r = gc_range_walk_next(d, &w, &rg, &off)) > 0) {
		if (rg.kind == GUESTCORE_RANGE_MMIO)
			continue;
		if (addr >= rg.start && addr - rg.start < rg.length) {
			if (len > rg.length - (addr - rg.start))
				return -ERANGE;
			if (d->pushes && rg.fd < 0) {
				const struct gc_pushed p = { .start = rg.start, .length = rg.length, .out_off = off,
							     .first_page = page, .index = w.i - 1 };
				return d->container->pull(d, &p, addr, buf, len);
			}
			if (rg.fd >= 0)
				return gc_pread_full(rg.fd, buf, len, rg.file_offset + (addr - rg.start));
			gc_plugin_clear_error(d->src_plugin);
			return d->src->read(d->source, addr, buf, len);
		}
		page += range_pages(&rg);
	}
	return r < 0 ? r : -ENXIO;
}
