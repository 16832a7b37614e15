/* Memory source "raw": a guest RAM image file, an optional memory map and an
 * optional JSON file of vCPU registers.
 *
 *   raw:PATH[,map=MAPFILE][,cpus=CPUFILE][,machine=x86_64|i386]
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

#define RAW_MAX_RANGES (1u << 22)


struct guestcore_source {
	const struct guestcore_host_api *host;
	char *path;
	int fd;
	uint64_t file_size;
	uint16_t e_machine;
	struct guestcore_range *ranges;
	size_t n_ranges;
	struct su_regs *cpus;
	uint32_t n_cpus;
	char description[512];
};

#define FAIL(src, ...)                                                            \
	do {                                                                      \
		if (GUESTCORE_HOST_HAS((src)->host, set_error))                   \
			(src)->host->set_error((src)->host->handle, __VA_ARGS__); \
	} while (0)

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
	free(s->path);
	free(s);
}

static int add_range(struct guestcore_source *s, uint64_t start, uint64_t len, uint32_t kind, uint64_t off)
{
	struct guestcore_range *v;

	if (s->n_ranges >= RAW_MAX_RANGES)
		return -E2BIG;
	v = reallocarray(s->ranges, s->n_ranges + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->ranges = v;
	s->ranges[s->n_ranges++] = (struct guestcore_range){
		.size = sizeof(*v), .kind = kind, .start = start, .length = len,
		.fd = kind == GUESTCORE_RANGE_MMIO ? -1 : 0, .file_offset = off,
	};
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
	return add_range(((struct map_sink *)sink)->s, start, len, kind, off);
}

static int parse_map(struct guestcore_source *s, const char *map)
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
		FAIL(s, "raw needs an image: raw:PATH[,map=MAPFILE][,cpus=CPUFILE][,machine=x86_64|i386]");
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
		else {
			FAIL(s, "raw: unknown option '%s': use map=, cpus= or machine=x86_64|i386", tok);
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
		r = add_range(s, 0, s->file_size, GUESTCORE_RANGE_RAM, 0);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < s->n_ranges; i++)
		if (s->ranges[i].fd == 0)
			s->ranges[i].fd = s->fd;
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
	return su_range_copy(s->ranges, s->n_ranges, i, ret);
}

static int raw_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	int r = su_range_read(s->ranges, s->n_ranges, addr, buf, len);

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
