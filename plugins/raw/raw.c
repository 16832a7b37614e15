/* Memory source "raw": a guest RAM image file, an optional memory map and an
 * optional JSON file of vCPU registers.
 *
 *   raw:PATH[,map=MAPFILE][,cpus=CPUFILE][,machine=x86_64|i386|aarch64]
 *
 * MAPFILE: one range a line, "START SIZE KIND [FILE_OFFSET]" in hex (0x
 * optional), KIND ram, rom or mmio, '#' starts a comment; FILE_OFFSET
 * defaults to START.  Without a map one RAM range covers the whole file.
 * CPUFILE: a JSON array, one object per vCPU, keys from the register
 * vocabulary ("rip" or "reg.rip"), values numbers or "0x..." strings.
 * The ranges are file-backed: the host copies them zero-copy and finds holes
 * with SEEK_DATA/SEEK_HOLE.  The two files are parsed in rawfiles.c. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include <guestcore/plugin.h>

#include "rawfiles.h"
#include "source_util.h"

#define RAW_MAX_RANGES (1u << 22) /* of a map read whole (one not in ascending order) */
#define RAW_MAP_STEP 4096u        /* a streamed map: every so many ranges, where its line is */
#define RAW_MAP_BUF 65536u

/* A streamed map (one in ascending order): read again for each range the
 * host asks for, never held; every RAW_MAP_STEP-th range's line is kept. */
struct map_mark {
	uint64_t off;      /* of its line in the map */
	uint64_t start;    /* its guest-physical start */
	unsigned lineno;
};

struct map_stream {
	int fd;
	char *name;
	uint64_t n;                    /* ranges */
	struct map_mark *marks;        /* n / RAW_MAP_STEP + 1 */
	/* the range found last, and where the map goes on after it */
	uint64_t cur_i;                /* UINT64_MAX: none */
	struct guestcore_range cur;
	uint64_t cur_next;
	unsigned cur_lineno;
	/* the map read ahead */
	char buf[RAW_MAP_BUF];
	uint64_t buf_off;
	size_t buf_len;
};


struct guestcore_source {
	const struct guestcore_host_api *host;
	char *path;
	int fd;
	uint64_t file_size;
	uint16_t e_machine;
	struct guestcore_range *ranges; /* a map read whole, or the one range of a map-less image */
	size_t n_ranges;
	struct map_stream *ms;          /* or a streamed map */
	struct su_regs *cpus;
	uint32_t n_cpus;
	char description[512];
};

#define FAIL(src, ...) SU_FAIL((src)->host, __VA_ARGS__)

static void raw_close(struct guestcore_source *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	for (uint32_t i = 0; i < s->n_cpus; i++)
		su_regs_free(&s->cpus[i]);
	free(s->cpus);
	free(s->ranges);
	if (s->ms) {
		close(s->ms->fd);
		free(s->ms->marks);
		free(s->ms->name);
		free(s->ms);
	}
	free(s->path);
	free(s);
}

/* The range of a map line: file-backed (the image's fd, open before the
 * map is read) unless MMIO. */
static struct guestcore_range range_of(const struct guestcore_source *s, const struct rf_range *r)
{
	return (struct guestcore_range){ .size = sizeof(struct guestcore_range), .kind = r->kind, .start = r->start,
					 .length = r->length, .fd = r->kind == GUESTCORE_RANGE_MMIO ? -1 : s->fd,
					 .file_offset = r->file_offset };
}

static int add_range(struct guestcore_source *s, const struct rf_range *r)
{
	struct guestcore_range *v;

	if (s->n_ranges >= RAW_MAX_RANGES)
		return -E2BIG;
	v = reallocarray(s->ranges, s->n_ranges + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->ranges = v;
	s->ranges[s->n_ranges++] = range_of(s, r);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct guestcore_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct map_sink {
	struct rf_map_sink base;
	struct guestcore_source *s;
};

static int map_add(struct rf_map_sink *sink, uint64_t start, uint64_t len, uint32_t kind, uint64_t off)
{
	const struct rf_range r = { .start = start, .length = len, .kind = kind, .file_offset = off };

	return add_range(((struct map_sink *)sink)->s, &r);
}

/* The line of the map at *OFF (without its newline) into LINE: 1 with *OFF
 * past it, 0 at the end of the map, or a negative errno (ERR says). */
static int map_line(struct map_stream *m, uint64_t *off, unsigned lineno, char *line, size_t *len, char *err,
		    size_t errsz)
{
	size_t n = 0;

	for (;;) {
		const char *p, *nl;
		size_t avail, take;

		if (*off < m->buf_off || *off >= m->buf_off + m->buf_len) {
			ssize_t got;

			m->buf_off = *off;
			m->buf_len = 0;
			do
				got = pread(m->fd, m->buf, sizeof(m->buf), (off_t)*off);
			while (got < 0 && errno == EINTR);
			if (got < 0) {
				int e = errno;
				snprintf(err, errsz, "map %s: %s", m->name, strerror(e));
				return -e;
			}
			if (got == 0) {
				line[n] = '\0';
				*len = n;
				return n > 0;
			}
			m->buf_len = (size_t)got;
		}
		p = m->buf + (*off - m->buf_off);
		avail = m->buf_len - (size_t)(*off - m->buf_off);
		nl = memchr(p, '\n', avail);
		take = nl ? (size_t)(nl - p) : avail;
		if (n + take > RF_MAX_LINE) {
			snprintf(err, errsz, "map %s:%u: line longer than %u bytes", m->name, lineno, RF_MAX_LINE);
			return -EINVAL;
		}
		memcpy(line + n, p, take);
		n += take;
		*off += take + (nl != NULL);
		if (nl) {
			line[n] = '\0';
			*len = n;
			return 1;
		}
	}
}

/* The next range of the map from *OFF (line *LINENO on): 1 with it, 0 at
 * the end, or a negative errno (ERR says). */
static int map_next(struct guestcore_source *s, uint64_t *off, unsigned *lineno, struct rf_range *rg, char *err,
		    size_t errsz)
{
	char line[RF_MAX_LINE + 1];
	size_t len = 0;
	int r;

	while ((r = map_line(s->ms, off, *lineno + 1, line, &len, err, errsz)) > 0) {
		++*lineno;
		r = rf_parse_map_line(s->ms->name, *lineno, line, len, s->file_size, s->path, rg, err, errsz);
		if (r != 0)
			return r;
	}
	return r;
}

/* Read the map whole (one not in ascending order is sorted). */
static int load_map(struct guestcore_source *s, const char *map)
{
	struct map_sink sink = { .base.add = map_add, .s = s };
	char err[600], *text = NULL;
	size_t len;
	int r = rf_read_file("map", map, &text, &len, err, sizeof(err));

	if (r == 0)
		r = rf_parse_map(map, text, len, s->file_size, s->path, &sink.base, err, sizeof(err));
	free(text);
	if (r < 0) {
		FAIL(s, "%s", err);
		return r;
	}
	qsort(s->ranges, s->n_ranges, sizeof(*s->ranges), cmp_range);
	for (size_t i = 1; i < s->n_ranges; i++)
		if (s->ranges[i].start < s->ranges[i - 1].start + s->ranges[i - 1].length) {
			FAIL(s, "map %s: ranges at 0x%" PRIx64 " and 0x%" PRIx64 " overlap", map, s->ranges[i - 1].start,
			     s->ranges[i].start);
			return -EINVAL;
		}
	return 0;
}

/* The map, checked line by line in one pass: in ascending order it is
 * streamed (its memory that of one range, whatever its length), else read
 * whole as before. */
static int parse_map(struct guestcore_source *s, const char *map)
{
	struct map_stream *m = calloc(1, sizeof(*m));
	struct stat st;
	uint64_t off = 0, end = 0, line_at;
	unsigned lineno = 0;
	char err[600];
	struct rf_range rg;
	int r;

	if (!m || !(m->name = strdup(map))) {
		free(m);
		return -ENOMEM;
	}
	s->ms = m;
	m->cur_i = UINT64_MAX;
	/* O_NONBLOCK: a FIFO with no writer must not hang the open. */
	m->fd = open(map, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (m->fd < 0 || fstat(m->fd, &st) < 0) {
		int e = errno;
		FAIL(s, "map %s: %s", map, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		FAIL(s, "map %s is not a regular file: give the file itself", map);
		return -EINVAL;
	}
	for (;;) {
		line_at = off;
		r = map_next(s, &off, &lineno, &rg, err, sizeof(err));
		if (r < 0) {
			FAIL(s, "%s", err);
			return r;
		}
		if (r == 0)
			break;
		if (m->n && rg.start < end) {
			/* not ascending: read whole and sorted, as a map always was */
			close(m->fd);
			free(m->marks);
			free(m->name);
			free(m);
			s->ms = NULL;
			return load_map(s, map);
		}
		if (m->n % RAW_MAP_STEP == 0) {
			struct map_mark *v = reallocarray(m->marks, m->n / RAW_MAP_STEP + 1, sizeof(*v));
			if (!v)
				return -ENOMEM;
			m->marks = v;
			m->marks[m->n / RAW_MAP_STEP] = (struct map_mark){ .off = line_at, .start = rg.start,
									   .lineno = lineno - 1 };
		}
		end = rg.start + rg.length;
		m->n++;
	}
	if (m->n == 0) {
		FAIL(s, "map %s lists no range", map);
		return -EINVAL;
	}
	s->n_ranges = m->n;
	return 0;
}

/* Range I of a streamed map: after range I-1 from where it ended, else
 * from the mark before it. */
static int stream_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *ret)
{
	struct map_stream *m = s->ms;
	char err[600];
	struct rf_range rg;
	uint64_t j, off;
	unsigned lineno;

	if (i >= m->n)
		return -ENOENT;
	if (m->cur_i != UINT64_MAX && i == m->cur_i) {
		*ret = m->cur;
		return 0;
	}
	if (m->cur_i != UINT64_MAX && i == m->cur_i + 1) {
		j = i;
		off = m->cur_next;
		lineno = m->cur_lineno;
	} else {
		j = i / RAW_MAP_STEP * RAW_MAP_STEP;
		off = m->marks[i / RAW_MAP_STEP].off;
		lineno = m->marks[i / RAW_MAP_STEP].lineno;
	}
	for (;; j++) {
		int r = map_next(s, &off, &lineno, &rg, err, sizeof(err));

		if (r <= 0) {
			FAIL(s, "map %s changed while it was read: %s", m->name, r < 0 ? err : "it is shorter");
			return -EIO;
		}
		if (j == i)
			break;
	}
	m->cur = range_of(s, &rg);
	m->cur_i = i;
	m->cur_next = off;
	m->cur_lineno = lineno;
	*ret = m->cur;
	return 0;
}

struct cpu_sink {
	struct rf_cpu_sink base;
	struct guestcore_source *s;
};

static int cpus_count(struct rf_cpu_sink *sink, size_t n)
{
	struct guestcore_source *s = ((struct cpu_sink *)sink)->s;

	s->cpus = calloc(n ? n : 1, sizeof(*s->cpus));
	if (!s->cpus)
		return -ENOMEM;
	s->n_cpus = (uint32_t)n;
	return 0;
}

static int cpus_set(struct rf_cpu_sink *sink, size_t cpu, const char *name, uint64_t v)
{
	return su_regs_set(&((struct cpu_sink *)sink)->s->cpus[cpu], name, v, true);
}

static bool cpus_known(struct rf_cpu_sink *sink, const char *name)
{
	const struct guestcore_host_api *host = ((struct cpu_sink *)sink)->s->host;

	return !GUESTCORE_HOST_HAS(host, binding_known) || host->binding_known(host->handle, name);
}

static int parse_cpus(struct guestcore_source *s, const char *path)
{
	struct cpu_sink sink = { .base = { .cpus = cpus_count, .set = cpus_set, .known = cpus_known }, .s = s };
	char err[600] = "", *text = NULL;
	size_t len;
	int r = rf_read_file("cpus", path, &text, &len, err, sizeof(err));

	if (r == 0)
		r = rf_parse_cpus(path, text, len, &sink.base, err, sizeof(err));
	free(text);
	if (r < 0)
		FAIL(s, "%s", err[0] ? err : strerror(-r));
	return r;
}

static int raw_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	char *copy = strdup(spec ? spec : ""), *save = NULL, *tok;
	const char *map = NULL, *cpus = NULL;
	struct stat st;
	int r = 0;

	if (!s || !copy) {
		free(s);
		free(copy);
		return -ENOMEM;
	}
	s->host = host;
	s->fd = -1;
	s->e_machine = EM_X86_64;
	tok = strtok_r(copy, ",", &save);
	if (!tok || !*tok) {
		FAIL(s, "raw needs an image: raw:PATH[,map=MAPFILE][,cpus=CPUFILE][,machine=x86_64|i386|aarch64]");
		r = -EINVAL;
		goto fail;
	}
	s->path = strdup(tok);
	while (r == 0 && (tok = strtok_r(NULL, ",", &save))) {
		if (strncmp(tok, "map=", 4) == 0)
			map = tok + 4;
		else if (strncmp(tok, "cpus=", 5) == 0)
			cpus = tok + 5;
		else if (strcmp(tok, "machine=x86_64") == 0)
			s->e_machine = EM_X86_64;
		else if (strcmp(tok, "machine=i386") == 0)
			s->e_machine = EM_386;
		else if (strcmp(tok, "machine=aarch64") == 0)
			s->e_machine = EM_AARCH64;
		else {
			FAIL(s, "raw: unknown option '%s': use map=, cpus= or machine=x86_64|i386|aarch64", tok);
			r = -EINVAL;
		}
	}
	if (r < 0 || !s->path)
		goto fail;
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block the open */
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		r = -errno;
		FAIL(s, "image %s: %s", s->path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		FAIL(s, "image %s is not a regular file or block device", s->path);
		r = -EINVAL;
		goto fail;
	}
	s->file_size = (uint64_t)st.st_size;
	if (map)
		r = parse_map(s, map);
	else if (s->file_size == 0) {
		FAIL(s, "image %s is empty", s->path);
		r = -EINVAL;
	} else
		r = add_range(s, &(const struct rf_range){ .length = s->file_size, .kind = GUESTCORE_RANGE_RAM });
	if (r < 0)
		goto fail;
	if (cpus) {
		r = parse_cpus(s, cpus);
		if (r < 0)
			goto fail;
	}
	snprintf(s->description, sizeof(s->description), "raw image %s, %zu ranges", s->path, s->n_ranges);
	free(copy);
	*ret = s;
	return 0;
fail:
	free(copy);
	raw_close(s);
	return r < 0 ? r : -EINVAL;
}

static int raw_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	info->e_machine = s->e_machine;
	info->big_endian = 0;
	info->cpu_count = s->n_cpus;
	info->description = s->description;
	return 0;
}

static int raw_get_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *ret)
{
	if (s->ms) {
		struct guestcore_range rg;
		int r = stream_range(s, i, &rg);

		if (r == 0)
			su_struct_out(ret, &rg, sizeof(*ret));
		return r;
	}
	return su_range_copy(s->ranges, s->n_ranges, i, ret);
}

static int raw_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	int r;

	if (s->ms) {
		/* the range holding ADDR: from the last mark at or before it */
		struct map_stream *m = s->ms;
		size_t lo = 0, hi = (m->n + RAW_MAP_STEP - 1) / RAW_MAP_STEP;
		struct guestcore_range rg = { .size = sizeof(rg) };

		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (m->marks[mid].start <= addr)
				lo = mid;
			else
				hi = mid;
		}
		r = -EINVAL;
		for (uint64_t i = (uint64_t)lo * RAW_MAP_STEP; i < m->n && i < ((uint64_t)lo + 1) * RAW_MAP_STEP; i++) {
			int e = stream_range(s, i, &rg);
			if (e < 0)
				return e;
			if (addr >= rg.start && addr - rg.start < rg.length) {
				r = su_range_read(&rg, 1, addr, buf, len);
				break;
			}
		}
	} else {
		r = su_range_read(s->ranges, s->n_ranges, addr, buf, len);
	}

	if (r == -EINVAL)
		FAIL(s, "read of 0x%zx bytes at 0x%" PRIx64 " is outside the image's ranges", len, addr);
	return r;
}

static int raw_get_register(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	return cpu < s->n_cpus ? su_regs_get(&s->cpus[cpu], name, ret) : -ENOENT;
}

static const struct guestcore_memory_source_ops raw_ops = {
	.size = sizeof(raw_ops),
	.open = raw_open,
	.close = raw_close,
	.describe = raw_describe,
	.get_range = raw_get_range,
	.read = raw_read,
	.get_register = raw_get_register,
};

static const void *raw_interface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0 ? &raw_ops : NULL;
}

static const struct guestcore_plugin_descriptor raw_desc = {
	.size = sizeof(raw_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "raw",
	.version = PACKAGE_VERSION,
	.description = "guest RAM image file with an optional memory map and vCPU registers in JSON",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = raw_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &raw_desc;
	return 0;
}
