/* The migration stream reader of the qemu plugin (stream.h).  It owns the
 * stream's grammar: the header, the configuration section, the RAM
 * section's records (block list, data pages, zero pages, end of section)
 * written into the memory file as they come, and the device sections, kept
 * as bytes until the JSON description at the end of the stream says what
 * each byte is.  Hostile input is bounded everywhere: every count capped,
 * every length checked against what is left, every page inside its
 * block. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "stream.h"

#define QEMU_VM_FILE_MAGIC 0x5145564du
#define QEMU_VM_FILE_VERSION 3u

enum {
	VM_EOF = 0x00,
	VM_SECTION_START = 0x01,
	VM_SECTION_PART = 0x02,
	VM_SECTION_END = 0x03,
	VM_SECTION_FULL = 0x04,
	VM_SUBSECTION = 0x05,
	VM_VMDESCRIPTION = 0x06,
	VM_CONFIGURATION = 0x07,
	VM_COMMAND = 0x08,
	VM_SECTION_FOOTER = 0x7e,
};

enum {
	RAM_ZERO = 0x02,
	RAM_MEM_SIZE = 0x04,
	RAM_PAGE = 0x08,
	RAM_EOS = 0x10,
	RAM_CONTINUE = 0x20,
	RAM_XBZRLE = 0x40,
	RAM_HOOK = 0x80,
	RAM_COMPRESS = 0x100,
	RAM_MULTIFD_FLUSH = 0x200,
};

#define IN_BUF (1u << 20)
#define RUN_MAX (1u << 20)
#define MAX_WORK (4u << 20) /* elements visited while decoding, all devices */
#define MAP_SHIFT 18         /* pages per bitmap of the page map: 2^18, 32 KiB */
#define MAP_MASK ((UINT64_C(1) << MAP_SHIFT) - 1)

struct reader {
	struct qstream *s;
	const struct qstream_input *in;
	unsigned char *buf;
	size_t pos, end;
	bool eof;
	/* The RAM section. */
	uint32_t ram_id;
	bool has_ram;
	struct qstream_block *cur;     /* the block of CONTINUE records */
	/* A bit per page the file holds data for, in bitmaps of 2^18 pages made
	 * when the first data page lands in them: [block][page >> 18]. */
	uint8_t ***written;
	unsigned char *run;             /* consecutive pages not yet written */
	uint64_t run_off;
	size_t run_len;
};

static int fail(struct qstream *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct qstream *s, int err, const char *fmt, ...)
{
	va_list ap;

	if (!s->error[0]) {
		va_start(ap, fmt);
		vsnprintf(s->error, sizeof(s->error), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- input ------------------------------------------------------------------------------- */

/* Make N bytes (at most IN_BUF) available at r->buf + r->pos. */
static int need(struct reader *r, size_t n, const char *what)
{
	while (r->end - r->pos < n) {
		ssize_t got;

		if (r->eof)
			return fail(r->s, -EPIPE, "the migration stream ends in the middle of %s (after %" PRIu64
				    " bytes): QEMU stopped sending it", what, r->s->bytes);
		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		}
		got = r->in->read(r->in->userdata, r->buf + r->end, IN_BUF - r->end);
		if (got < 0)
			return fail(r->s, (int)got, "reading the migration stream: %s", strerror((int)-got));
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
	return 0;
}

static int get8(struct reader *r, uint8_t *v, const char *what)
{
	int e = need(r, 1, what);

	if (e == 0)
		*v = r->buf[r->pos++], r->s->bytes++;
	return e;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int get32(struct reader *r, uint32_t *v, const char *what)
{
	int e = need(r, 4, what);

	if (e == 0) {
		*v = be32(r->buf + r->pos);
		r->pos += 4;
		r->s->bytes += 4;
	}
	return e;
}

static int get64(struct reader *r, uint64_t *v, const char *what)
{
	int e = need(r, 8, what);

	if (e == 0) {
		*v = be64(r->buf + r->pos);
		r->pos += 8;
		r->s->bytes += 8;
	}
	return e;
}

/* A string of LEN bytes (at most 255) into OUT. */
static int get_str(struct reader *r, size_t len, char *out, const char *what)
{
	int e = need(r, len, what);

	if (e < 0)
		return e;
	memcpy(out, r->buf + r->pos, len);
	out[len] = '\0';
	r->pos += len;
	r->s->bytes += len;
	if (strlen(out) != len)
		return fail(r->s, -EPROTO, "the migration stream has a NUL byte inside %s", what);
	return 0;
}

/* A string led by its length byte. */
static int get_str8(struct reader *r, char out[256], const char *what)
{
	uint8_t len = 0;
	int e = get8(r, &len, what);

	return e < 0 ? e : get_str(r, len, out, what);
}

/* ---- the memory file ----------------------------------------------------------------------- */

static int write_all(struct qstream *s, const void *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(s->mem_fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(s, n < 0 ? -errno : -ENOSPC, "cannot keep the guest's memory from the migration stream "
				    "in a temporary file: %s: free space there or point TMPDIR elsewhere",
				    strerror(n < 0 ? errno : ENOSPC));
		buf = (const char *)buf + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int flush_run(struct reader *r)
{
	struct qstream *s = r->s;
	int e = !r->run_len ? 0 : s->put ? s->put(s->userdata, r->run_off, r->run, r->run_len)
				      : write_all(s, r->run, r->run_len, r->run_off);

	r->run_len = 0;
	return e;
}

/* Page DATA at OFF into the run of pages, written when it stops being one. */
static int add_to_run(struct reader *r, uint64_t off, const unsigned char *data)
{
	struct qstream *s = r->s;
	int e;

	if (r->run_len && (r->run_off + r->run_len != off || r->run_len + s->page_size > RUN_MAX))
		if ((e = flush_run(r)) < 0)
			return e;
	if (!r->run_len)
		r->run_off = off;
	memcpy(r->run + r->run_len, data, s->page_size);
	r->run_len += s->page_size;
	return 0;
}

/* Record what page ADDR of block B now holds: DATA (page_size bytes) or,
 * when NULL, the page FILL repeated. */
static int store_page(struct reader *r, struct qstream_block *b, uint64_t addr, const unsigned char *data, uint8_t fill)
{
	struct qstream *s = r->s;
	size_t bi = (size_t)(b - s->blocks);
	uint64_t page = addr / s->page_size, off = b->offset + addr;
	uint8_t bit = (uint8_t)(1u << (page & 7));
	unsigned char fillpage[65536];
	int e;
	uint8_t **map, *byte;

	if (s->put) {
		/* The caller keeps the pages: no map of them here. */
		if (!data && fill == 0) {
			s->zero_pages++;
			return (e = flush_run(r)) < 0 ? e : s->put(s->userdata, off, NULL, s->page_size);
		}
		if (!data) {
			memset(fillpage, fill, s->page_size);
			data = fillpage;
		}
		s->data_pages++;
		b->pages++;
		return add_to_run(r, off, data);
	}
	map = &r->written[bi][page >> MAP_SHIFT];

	if (!data && fill == 0) {
		s->zero_pages++;
		if (!*map || !((*map)[(page & MAP_MASK) >> 3] & bit))
			return 0; /* a hole already */
		if ((e = flush_run(r)) < 0)
			return e;
		(*map)[(page & MAP_MASK) >> 3] &= (uint8_t)~bit;
		if (fallocate(s->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, s->page_size) == 0)
			return 0;
		memset(fillpage, 0, s->page_size);
		return write_all(s, fillpage, s->page_size, off);
	}
	if (!data) {
		memset(fillpage, fill, s->page_size);
		data = fillpage;
	}
	if (!*map && !(*map = calloc(1, (MAP_MASK + 1) / 8)))
		return fail(s, -ENOMEM, "out of memory for the page map of RAM block \"%s\"", b->name);
	byte = &(*map)[(page & MAP_MASK) >> 3];
	s->data_pages++;
	b->pages++;
	*byte |= bit;
	return add_to_run(r, off, data);
}

/* ---- sections ---------------------------------------------------------------------------- */

static int read_configuration(struct reader *r)
{
	struct qstream *s = r->s;
	uint32_t len;
	int e;

	if ((e = get32(r, &len, "the configuration section")) < 0)
		return e;
	if (len > 255)
		return fail(s, -EPROTO, "the migration stream's machine type is %" PRIu32 " bytes long, more than 255", len);
	if ((e = get_str(r, len, s->machine, "the machine type")) < 0)
		return e;
	for (;;) {
		char name[256];
		uint32_t version, v;

		if ((e = need(r, 1, "the stream after the configuration")) < 0)
			return e;
		if (r->buf[r->pos] != VM_SUBSECTION)
			return 0;
		r->pos++;
		s->bytes++;
		if ((e = get_str8(r, name, "a configuration subsection")) < 0 ||
		    (e = get32(r, &version, "a configuration subsection")) < 0)
			return e;
		if (strcmp(name, "configuration/target-page-bits") == 0) {
			if ((e = get32(r, &v, "the target page bits")) < 0)
				return e;
			if (v < 9 || v > 16)
				return fail(s, -EPROTO, "the migration stream says pages of 2^%" PRIu32 " bytes: "
					    "guestcore reads 2^9 to 2^16", v);
			s->page_size = 1u << v;
		} else if (strcmp(name, "configuration/capabilities") == 0) {
			uint32_t n;
			if ((e = get32(r, &n, "the capabilities")) < 0)
				return e;
			if (n > 64)
				return fail(s, -EPROTO, "the migration stream lists %" PRIu32 " capabilities, more than 64", n);
			for (uint32_t i = 0; i < n; i++) {
				char cap[256];
				if ((e = get_str8(r, cap, "a capability")) < 0)
					return e;
				if (strcmp(cap, "x-ignore-shared") == 0)
					s->ignore_shared = true;
			}
		} else if (strcmp(name, "configuration/uuid") == 0) {
			if ((e = need(r, 16, "the uuid")) < 0)
				return e;
			r->pos += 16;
			s->bytes += 16;
		} else {
			return fail(s, -EPROTO, "the migration stream's configuration has a part guestcore does not know "
				    "(\"%s\"): it comes from a newer QEMU; please report it", name);
		}
	}
}

static struct qstream_block *find_block(struct qstream *s, const char *name)
{
	for (size_t i = 0; i < s->n_blocks; i++)
		if (strcmp(s->blocks[i].name, name) == 0)
			return &s->blocks[i];
	return NULL;
}

static int add_blocks(struct reader *r, uint64_t total)
{
	struct qstream *s = r->s;
	int e;

	if (s->n_blocks)
		return fail(s, -EPROTO, "the migration stream lists the RAM blocks twice");
	while (total > 0) {
		struct qstream_block *b, *n;
		uint64_t off = s->mem_size;

		if (s->n_blocks >= QSTREAM_MAX_BLOCKS)
			return fail(s, -EPROTO, "the migration stream lists more than %d RAM blocks", QSTREAM_MAX_BLOCKS);
		n = realloc(s->blocks, (s->n_blocks + 1) * sizeof(*n));
		if (!n)
			return fail(s, -ENOMEM, "out of memory");
		s->blocks = n;
		b = &s->blocks[s->n_blocks];
		memset(b, 0, sizeof(*b));
		if ((e = get_str8(r, b->name, "the RAM block list")) < 0 || (e = get64(r, &b->length, "the RAM block list")) < 0)
			return e;
		if (s->ignore_shared && (e = get64(r, &b->mr_addr, "the RAM block list")) < 0)
			return e;
		if (!b->name[0] || find_block(s, b->name))
			return fail(s, -EPROTO, "the migration stream lists a RAM block with %s name \"%s\"",
				    b->name[0] ? "the repeated" : "an empty", b->name);
		if (b->length > QSTREAM_MAX_RAM)
			return fail(s, -EPROTO, "the migration stream's RAM block \"%s\" has a size of 0x%" PRIx64
				    " bytes, more than the %u TiB guestcore reads", b->name, b->length,
				    (unsigned)(QSTREAM_MAX_RAM >> 40));
		if (b->length == 0 || b->length > total)
			return fail(s, -EPROTO, "the migration stream's RAM block \"%s\" has a size of 0x%" PRIx64
				    " bytes, which the block list's total does not allow", b->name, b->length);
		total -= b->length;
		b->offset = off;
		s->mem_size = off + ((b->length + s->page_size - 1) & ~(uint64_t)(s->page_size - 1));
		if (s->mem_size > QSTREAM_MAX_RAM)
			return fail(s, -EPROTO, "the migration stream's RAM blocks add up to more than %u TiB",
				    (unsigned)(QSTREAM_MAX_RAM >> 40));
		{
			uint8_t ***w = realloc(r->written, (s->n_blocks + 1) * sizeof(*w));
			if (!w)
				return fail(s, -ENOMEM, "out of memory");
			r->written = w;
		}
		r->written[s->n_blocks] = s->put ? NULL
					 : calloc((size_t)((b->length / s->page_size >> MAP_SHIFT) + 1), sizeof(uint8_t *));
		s->n_blocks++;
		if (!s->put && !r->written[s->n_blocks - 1])
			return fail(s, -ENOMEM, "out of memory for the page map of RAM block \"%s\"", b->name);
	}
	if (s->put)
		return s->listed ? s->listed(s->userdata, s) : 0;
	if (ftruncate(s->mem_fd, (off_t)s->mem_size) < 0)
		return fail(s, -errno, "cannot size the temporary file for the guest's memory to %" PRIu64 " bytes: %s",
			    s->mem_size, strerror(errno));
	return 0;
}

/* One RAM section's records, up to its end-of-section flag. */
static int read_ram(struct reader *r)
{
	struct qstream *s = r->s;
	int e;

	for (;;) {
		uint64_t word, addr, flags;
		struct qstream_block *b;

		if ((e = get64(r, &word, "a RAM record")) < 0)
			return e;
		flags = word & (s->page_size - 1);
		addr = word & ~(uint64_t)(s->page_size - 1);
		if (flags & RAM_MEM_SIZE) {
			if ((e = add_blocks(r, addr)) < 0)
				return e;
			flags &= ~(uint64_t)RAM_MEM_SIZE;
		}
		if (flags & (RAM_XBZRLE | RAM_HOOK | RAM_COMPRESS))
			return fail(s, -EPROTO, "the migration stream has compressed or XBZRLE pages (flags 0x%" PRIx64 "): "
				    "turn the xbzrle and compress migration capabilities off", flags);
		if (flags & (RAM_ZERO | RAM_PAGE)) {
			uint8_t fill = 0;
			if (flags & RAM_CONTINUE) {
				b = r->cur;
				if (!b)
					return fail(s, -EPROTO, "the migration stream continues a RAM block it never named");
			} else {
				char name[256];
				if ((e = get_str8(r, name, "a RAM page's block")) < 0)
					return e;
				b = find_block(s, name);
				if (!b)
					return fail(s, -EPROTO, "the migration stream sends a page of RAM block \"%s\", which its "
						    "block list does not have", name);
				r->cur = b;
			}
			if (addr >= b->length || b->length - addr < s->page_size)
				return fail(s, -EPROTO, "the migration stream sends page 0x%" PRIx64 " of RAM block \"%s\", "
					    "past its 0x%" PRIx64 " bytes", addr, b->name, b->length);
			if (flags & RAM_ZERO) {
				if ((e = get8(r, &fill, "a zero page")) < 0 || (e = store_page(r, b, addr, NULL, fill)) < 0)
					return e;
			} else {
				if ((e = need(r, s->page_size, "a RAM page")) < 0)
					return e;
				e = store_page(r, b, addr, r->buf + r->pos, 0);
				r->pos += s->page_size;
				s->bytes += s->page_size;
				if (e < 0)
					return e;
			}
			flags &= ~(uint64_t)(RAM_ZERO | RAM_PAGE | RAM_CONTINUE);
		}
		flags &= ~(uint64_t)RAM_MULTIFD_FLUSH;
		if (flags & RAM_EOS) {
			if (flags & ~(uint64_t)RAM_EOS)
				break;
			return 0;
		}
		if (flags)
			break;
	}
	return fail(s, -EPROTO, "the migration stream has a RAM record with flags this reader does not know: it "
		    "comes from a newer QEMU or uses a capability guestcore turns off");
}

/* ---- the device sections, decoded by the description --------------------------------------- */

struct decoder {
	struct qstream *s;
	size_t pos, end; /* in s->tail */
	uint32_t device;
	size_t work;     /* elements visited, all devices */
};

static int add_name(struct qstream *s, const char *name, uint32_t *ret)
{
	size_t len = strlen(name) + 1;

	if (s->names_len + len > s->names_cap) {
		size_t cap = s->names_cap ? s->names_cap * 2 : 65536;
		char *n;
		if (s->names_len + len > (16u << 20))
			return fail(s, -EPROTO, "the migration stream's description names more than 16 MiB of fields");
		while (cap < s->names_len + len)
			cap *= 2;
		n = realloc(s->names, cap);
		if (!n)
			return fail(s, -ENOMEM, "out of memory");
		s->names = n;
		s->names_cap = cap;
	}
	memcpy(s->names + s->names_len, name, len);
	*ret = (uint32_t)s->names_len;
	s->names_len += len;
	return 0;
}

static int add_field(struct decoder *d, const char *name, size_t size)
{
	struct qstream *s = d->s;
	struct qstream_field *f;
	int e;

	if (s->n_fields >= QSTREAM_MAX_FIELDS)
		return fail(s, -EPROTO, "the migration stream's description has more than %d fields", QSTREAM_MAX_FIELDS);
	if (size > d->end - d->pos)
		return fail(s, -EPROTO, "device section \"%s\" ends before its field %s (%zu bytes): the stream and its "
			    "description disagree", s->devices[d->device].name, name, size);
	if ((s->n_fields & (s->n_fields - 1)) == 0) {
		struct qstream_field *n = realloc(s->fields, (s->n_fields ? s->n_fields * 2 : 256) * sizeof(*n));
		if (!n)
			return fail(s, -ENOMEM, "out of memory");
		s->fields = n;
	}
	f = &s->fields[s->n_fields];
	if ((e = add_name(s, name, &f->name)) < 0)
		return e;
	f->device = d->device;
	f->offset = (uint32_t)d->pos;
	f->size = (uint32_t)size;
	d->pos += size;
	s->n_fields++;
	return 0;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

static bool jint(json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return *ret >= lo && *ret <= hi;
}

static int decode_struct(struct decoder *d, json_object *desc, const char *prefix, int depth);

static int decode_fields(struct decoder *d, json_object *fields, const char *prefix, int depth)
{
	struct qstream *s = d->s;
	const char *dev = s->devices[d->device].name;

	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *f = json_object_array_get_idx(fields, i), *sub = NULL;
		const char *name = jstr(f, "name"), *type = jstr(f, "type");
		int64_t count = 1, size = 0;
		bool array = json_object_object_get_ex(f, "array_len", NULL);
		int e;

		if (!name || !type || strlen(name) > 200 || !jint(f, "size", 0, (int64_t)QSTREAM_MAX_TAIL, &size) ||
		    (array && !jint(f, "array_len", 0, (int64_t)QSTREAM_MAX_FIELDS, &count)))
			return fail(s, -EPROTO, "the migration stream's description of \"%s\" has a field without a name, "
				    "type or size in range", dev);
		if (strcmp(type, "struct") == 0 &&
		    (!json_object_object_get_ex(f, "struct", &sub) || !json_object_is_type(sub, json_type_object)))
			return fail(s, -EPROTO, "the migration stream's description of \"%s\" has struct %s without its "
				    "members", dev, name);
		for (int64_t k = 0; k < count; k++) {
			char full[512];

			if (++d->work > MAX_WORK)
				return fail(s, -EPROTO, "the migration stream's description of \"%s\" has more than %u "
					    "elements", dev, MAX_WORK);
			if (snprintf(full, sizeof(full), "%s%s", prefix, name) >= (int)sizeof(full))
				return fail(s, -EPROTO, "the migration stream's description of \"%s\" nests names deeper "
					    "than 500 bytes", dev);
			if (array)
				snprintf(full + strlen(full), sizeof(full) - strlen(full), "[%" PRId64 "]", k);
			if (sub) {
				strncat(full, ".", sizeof(full) - strlen(full) - 1);
				e = decode_struct(d, sub, full, depth + 1);
			} else {
				e = add_field(d, full, (size_t)size);
			}
			if (e < 0)
				return e;
		}
	}
	return 0;
}

static int decode_struct(struct decoder *d, json_object *desc, const char *prefix, int depth)
{
	struct qstream *s = d->s;
	json_object *fields, *subs;
	int e;

	if (depth > QSTREAM_MAX_DEPTH)
		return fail(s, -EPROTO, "the migration stream's description nests structs deeper than %d",
			    QSTREAM_MAX_DEPTH);
	if (json_object_object_get_ex(desc, "fields", &fields)) {
		if (!json_object_is_type(fields, json_type_array))
			return fail(s, -EPROTO, "the migration stream's description has \"fields\" that are not a list");
		if ((e = decode_fields(d, fields, prefix, depth)) < 0)
			return e;
	}
	if (!json_object_object_get_ex(desc, "subsections", &subs))
		return 0;
	if (!json_object_is_type(subs, json_type_array))
		return fail(s, -EPROTO, "the migration stream's description has \"subsections\" that are not a list");
	for (size_t i = 0; i < json_object_array_length(subs); i++) {
		json_object *sub = json_object_array_get_idx(subs, i);
		const char *want = jstr(sub, "vmsd_name");
		const unsigned char *p = s->tail + d->pos;
		size_t len;

		if (d->end - d->pos < 2 || p[0] != VM_SUBSECTION || (len = p[1], d->end - d->pos < 2 + len + 4) ||
		    !want || strlen(want) != len || memcmp(p + 2, want, len) != 0)
			return fail(s, -EPROTO, "device section \"%s\" lacks its subsection \"%s\" where the stream's "
				    "description puts it", s->devices[d->device].name, want ? want : "?");
		d->pos += 2 + len + 4;
		if ((e = decode_struct(d, sub, prefix, depth + 1)) < 0)
			return e;
	}
	return 0;
}

/* Where the description begins in the LEN bytes at B, the end of a
 * stream: the last QEMU_VM_VMDESCRIPTION byte whose length runs exactly to
 * the end.  (Its JSON is text, so no byte inside it can pass for that
 * length.) */
static size_t find_description(const unsigned char *b, size_t len)
{
	for (size_t p = len >= 6 ? len - 6 : 0; len >= 6; p--) {
		if (b[p] == VM_VMDESCRIPTION && be32(b + p + 1) == len - p - 5 && b[p + 5] == '{')
			return p;
		if (p == 0)
			break;
	}
	return SIZE_MAX;
}

/* The description at AT of the LEN bytes at B, parsed; NULL when it is not
 * a JSON object with a "devices" list (*RET_DEVICES). */
static json_object *parse_description(const unsigned char *b, size_t len, size_t at, json_object **ret_devices)
{
	json_tokener *tok = json_tokener_new_ex(QSTREAM_MAX_DEPTH * 2 + 8);
	json_object *desc;

	if (!tok)
		return NULL;
	desc = json_tokener_parse_ex(tok, (const char *)b + at + 5, (int)(len - at - 5));
	if (!desc || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != len - at - 5 || !json_object_is_type(desc, json_type_object) ||
	    !json_object_object_get_ex(desc, "devices", ret_devices) || !json_object_is_type(*ret_devices, json_type_array)) {
		json_object_put(desc);
		desc = NULL;
	}
	json_tokener_free(tok);
	return desc;
}

static json_object *find_desc(json_object *devices, size_t *next, const char *name, uint32_t instance)
{
	size_t n = json_object_array_length(devices);

	for (size_t k = 0; k < n; k++) {
		size_t i = (*next + k) % n;
		json_object *dev = json_object_array_get_idx(devices, i);
		const char *dn = jstr(dev, "name");
		int64_t inst;

		if (dn && strcmp(dn, name) == 0 && jint(dev, "instance_id", 0, UINT32_MAX, &inst) && inst == instance) {
			*next = i + 1;
			return dev;
		}
	}
	return NULL;
}

static int decode_tail(struct qstream *s)
{
	size_t at = find_description(s->tail, s->tail_len), next = 0;
	struct decoder d = { .s = s };
	json_object *desc, *devices = NULL;
	int64_t page_size;
	int e = 0;

	if (at == SIZE_MAX)
		return fail(s, -EPROTO, "the migration stream has no device description at its end "
			    "(QEMU_VM_VMDESCRIPTION): start QEMU without suppress-vmdesc=on");
	desc = parse_description(s->tail, s->tail_len, at, &devices);
	if (!desc)
		return fail(s, -EPROTO, "the migration stream's device description is not a JSON object with a "
			    "\"devices\" list");
	if (jint(desc, "page_size", 0, INT32_MAX, &page_size) && page_size != s->page_size) {
		json_object_put(desc);
		return fail(s, -EPROTO, "the migration stream's description says pages of %" PRId64 " bytes, its RAM "
			    "section %" PRIu32, page_size, s->page_size);
	}
	d.end = at;
	while (e == 0) {
		const unsigned char *p = s->tail + d.pos;
		struct qstream_device *dev, *n;
		json_object *dd;
		uint32_t id;
		size_t len;

		if (d.pos >= d.end) {
			e = fail(s, -EPROTO, "the migration stream's device sections run into its description without "
				 "an end-of-stream byte");
			break;
		}
		if (p[0] == VM_EOF) {
			if (d.pos + 1 != d.end)
				e = fail(s, -EPROTO, "the migration stream has %zu bytes between its end and its "
					 "description", d.end - d.pos - 1);
			break;
		}
		if (p[0] != VM_SECTION_FULL || d.end - d.pos < 6 || (len = p[5], d.end - d.pos < 6 + len + 8)) {
			e = fail(s, -EPROTO, "the migration stream has a section of type 0x%02x among the device "
				 "sections (byte %zu of them)", p[0], d.pos);
			break;
		}
		id = be32(p + 1);
		if (s->n_devices >= QSTREAM_MAX_BLOCKS * 4) {
			e = fail(s, -EPROTO, "the migration stream has more than %d device sections", QSTREAM_MAX_BLOCKS * 4);
			break;
		}
		n = realloc(s->devices, (s->n_devices + 1) * sizeof(*n));
		if (!n) {
			e = fail(s, -ENOMEM, "out of memory");
			break;
		}
		s->devices = n;
		dev = &s->devices[s->n_devices];
		memset(dev, 0, sizeof(*dev));
		memcpy(dev->name, p + 6, len);
		dev->name[len] = '\0';
		dev->instance = be32(p + 6 + len);
		dev->version = be32(p + 6 + len + 4);
		dev->first_field = s->n_fields;
		d.device = (uint32_t)s->n_devices++;
		d.pos += 6 + len + 8;
		dd = strlen(dev->name) == len ? find_desc(devices, &next, dev->name, dev->instance) : NULL;
		if (!dd) {
			e = fail(s, -EPROTO, "the migration stream's description has no device \"%s\" instance %" PRIu32,
				 dev->name, dev->instance);
			break;
		}
		e = decode_struct(&d, dd, "", 0);
		dev = &s->devices[d.device];
		dev->n_fields = s->n_fields - dev->first_field;
		if (e == 0 && d.pos < d.end && s->tail[d.pos] == VM_SECTION_FOOTER) {
			if (d.end - d.pos < 5 || be32(s->tail + d.pos + 1) != id)
				e = fail(s, -EPROTO, "device section \"%s\" ends with the footer of another section: the "
					 "stream and its description disagree", dev->name);
			d.pos += 5;
		} else if (e == 0 && s->footers) {
			e = fail(s, -EPROTO, "device section \"%s\" does not end where the migration stream's "
				 "description says (no footer there)", dev->name);
		}
	}
	json_object_put(desc);
	return e;
}

/* The rest of the stream, from the first device section on. */
static int read_tail(struct reader *r)
{
	struct qstream *s = r->s;

	for (;;) {
		size_t have = r->end - r->pos;
		ssize_t got;

		if (s->tail_len + have > QSTREAM_MAX_TAIL)
			return fail(s, -EPROTO, "the migration stream's device sections exceed %u MiB",
				    QSTREAM_MAX_TAIL >> 20);
		if (s->tail_len + have > 0) {
			unsigned char *n = realloc(s->tail, s->tail_len + have);
			if (!n)
				return fail(s, -ENOMEM, "out of memory");
			s->tail = n;
		}
		memcpy(s->tail + s->tail_len, r->buf + r->pos, have);
		s->tail_len += have;
		s->bytes += have;
		r->pos = r->end = 0;
		if (r->eof)
			return decode_tail(s);
		got = r->in->read(r->in->userdata, r->buf, IN_BUF);
		if (got < 0)
			return fail(s, (int)got, "reading the migration stream: %s", strerror((int)-got));
		if (got == 0)
			r->eof = true;
		r->end = (size_t)got;
	}
}

static int read_stream(struct reader *r)
{
	struct qstream *s = r->s;
	uint32_t magic, version, last_id = 0;
	int e;

	if ((e = get32(r, &magic, "the header")) < 0 || (e = get32(r, &version, "the header")) < 0)
		return e;
	if (magic != QEMU_VM_FILE_MAGIC)
		return fail(s, -EPROTO, "this is not a QEMU migration stream (magic 0x%08" PRIx32 ", not \"QEVM\")", magic);
	if (version != QEMU_VM_FILE_VERSION)
		return fail(s, -EPROTO, "the migration stream is of version %" PRIu32 ": guestcore reads version 3", version);
	for (;;) {
		uint8_t type;
		uint32_t id, instance, ver;
		char name[256];

		if ((e = need(r, 1, "the next section")) < 0)
			return e;
		type = r->buf[r->pos];
		if (type == VM_SECTION_FULL || type == VM_EOF) {
			if (!r->has_ram)
				return fail(s, -EPROTO, "the migration stream has no RAM section before its devices");
			if ((e = flush_run(r)) < 0)
				return e;
			return read_tail(r);
		}
		r->pos++;
		s->bytes++;
		switch (type) {
		case VM_CONFIGURATION:
			if (r->has_ram || s->machine[0])
				return fail(s, -EPROTO, "the migration stream's configuration section is not at its start");
			if ((e = read_configuration(r)) < 0)
				return e;
			break;
		case VM_SECTION_START:
			if ((e = get32(r, &id, "a section header")) < 0 || (e = get_str8(r, name, "a section header")) < 0 ||
			    (e = get32(r, &instance, "a section header")) < 0 || (e = get32(r, &ver, "a section header")) < 0)
				return e;
			if (strcmp(name, "ram") != 0)
				return fail(s, -EPROTO, "the migration stream has an iterative section \"%s\": turn the block "
					    "and dirty-bitmaps migration capabilities off", name);
			if (r->has_ram || ver != 4)
				return fail(s, -EPROTO, "the migration stream has %s RAM section (version %" PRIu32 ")",
					    r->has_ram ? "a second" : "an unknown", ver);
			r->has_ram = true;
			r->ram_id = id;
			last_id = id;
			if ((e = read_ram(r)) < 0)
				return e;
			break;
		case VM_SECTION_PART:
		case VM_SECTION_END:
			if ((e = get32(r, &id, "a section header")) < 0)
				return e;
			if (!r->has_ram || id != r->ram_id)
				return fail(s, -EPROTO, "the migration stream continues section %" PRIu32 ", which it never "
					    "started", id);
			last_id = id;
			if ((e = read_ram(r)) < 0)
				return e;
			break;
		case VM_SECTION_FOOTER:
			s->footers = true;
			if ((e = get32(r, &id, "a section footer")) < 0)
				return e;
			if (id != last_id)
				return fail(s, -EPROTO, "the migration stream ends section %" PRIu32 " with the footer of "
					    "section %" PRIu32, last_id, id);
			break;
		case VM_COMMAND: {
			uint32_t word;
			if ((e = get32(r, &word, "a command")) < 0)
				return e;
			if ((e = need(r, word & 0xffff, "a command")) < 0)
				return e;
			r->pos += word & 0xffff;
			s->bytes += word & 0xffff;
			break;
		}
		default:
			return fail(s, -EPROTO, "the migration stream has a section of unknown type 0x%02x after %" PRIu64
				    " bytes", type, s->bytes - 1);
		}
	}
}

int qstream_read(struct qstream *s, const struct qstream_input *in)
{
	struct reader r = { .s = s, .in = in };
	int e;

	if (!s->page_size)
		s->page_size = 4096;
	r.buf = malloc(IN_BUF);
	r.run = malloc(RUN_MAX);
	if (!r.buf || !r.run)
		e = fail(s, -ENOMEM, "out of memory");
	else
		e = read_stream(&r);
	if (e == QSTREAM_STOP)
		e = 0; /* the caller wanted the block list alone */
	else if (e == 0 && !s->n_blocks)
		e = fail(s, -EPROTO, "the migration stream lists no RAM blocks");
	for (size_t i = 0; r.written && i < s->n_blocks; i++) {
		for (uint64_t k = 0; r.written[i] && k <= s->blocks[i].length / s->page_size >> MAP_SHIFT; k++)
			free(r.written[i][k]);
		free(r.written[i]);
	}
	free(r.written);
	free(r.buf);
	free(r.run);
	return e;
}

int qstream_count_devices(const unsigned char *end, size_t len, const char *name, uint32_t *ret)
{
	size_t at = find_description(end, len);
	json_object *desc, *devices = NULL;
	uint32_t n = 0;

	if (at == SIZE_MAX || !(desc = parse_description(end, len, at, &devices)))
		return -ENOENT;
	for (size_t i = 0; i < json_object_array_length(devices); i++) {
		const char *dn = jstr(json_object_array_get_idx(devices, i), "name");
		n += dn && strcmp(dn, name) == 0;
	}
	json_object_put(desc);
	*ret = n;
	return 0;
}

void qstream_free(struct qstream *s)
{
	free(s->blocks);
	free(s->devices);
	free(s->fields);
	free(s->tail);
	free(s->names);
	s->blocks = NULL;
	s->devices = NULL;
	s->fields = NULL;
	s->tail = NULL;
	s->names = NULL;
	s->n_blocks = s->n_devices = s->n_fields = s->tail_len = s->names_len = s->names_cap = 0;
}

const struct qstream_device *qstream_device(const struct qstream *s, const char *name, uint32_t instance)
{
	for (size_t i = 0; i < s->n_devices; i++)
		if (s->devices[i].instance == instance && strcmp(s->devices[i].name, name) == 0)
			return &s->devices[i];
	return NULL;
}

const unsigned char *qstream_bytes(const struct qstream *s, const struct qstream_device *dev, const char *field,
				   size_t *ret_size)
{
	for (size_t i = dev->first_field; i < dev->first_field + dev->n_fields; i++)
		if (strcmp(s->names + s->fields[i].name, field) == 0) {
			*ret_size = s->fields[i].size;
			return s->tail + s->fields[i].offset;
		}
	return NULL;
}

int qstream_u64(const struct qstream *s, const struct qstream_device *dev, const char *field, uint64_t *ret)
{
	size_t size;
	const unsigned char *p = qstream_bytes(s, dev, field, &size);
	uint64_t v = 0;

	if (!p)
		return -ENOENT;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	for (size_t i = 0; i < size; i++)
		v = v << 8 | p[i];
	*ret = v;
	return 0;
}

const struct qstream_block *qstream_block(const struct qstream *s, const char *name)
{
	return find_block((struct qstream *)s, name);
}
