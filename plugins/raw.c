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
 * with SEEK_DATA/SEEK_HOLE. */
#include "config.h"

#include <ctype.h>
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

#include <json-c/json.h>

#include <guestcore/plugin.h>

#include "source_util.h"

#define RAW_MAX_CPUS 4096
#define RAW_MAX_REGS 256


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

static bool parse_hex(const char *t, uint64_t *ret)
{
	char *end;

	if (!t || !*t || *t == '-')
		return false;
	errno = 0;
	*ret = strtoull(t, &end, 16);
	return errno == 0 && *end == '\0';
}

static int add_range(struct guestcore_source *s, uint64_t start, uint64_t len, uint32_t kind, uint64_t off)
{
	struct guestcore_range *v = reallocarray(s->ranges, s->n_ranges + 1, sizeof(*v));

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

static int parse_map(struct guestcore_source *s, const char *map)
{
	FILE *f = fopen(map, "re");
	char line[1024];
	unsigned lineno = 0;
	int r = 0;

	if (!f) {
		r = -errno;
		FAIL(s, "map %s: %s", map, strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok[5] = { 0 }, *save = NULL, *hash;
		int n = 0;
		uint64_t start, len, off;
		uint32_t kind;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			FAIL(s, "map %s:%u: line longer than %zu bytes", map, lineno, sizeof(line) - 1);
			r = -EINVAL;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 5; t = strtok_r(NULL, " \t\r\n", &save))
			tok[n++] = t;
		if (n == 0)
			continue;
		if (n < 3 || n > 4) {
			FAIL(s, "map %s:%u: expected START SIZE KIND [FILE_OFFSET]", map, lineno);
			r = -EINVAL;
			break;
		}
		if (!parse_hex(tok[0], &start) || !parse_hex(tok[1], &len) || len == 0 || start + len < start) {
			FAIL(s, "map %s:%u: START and SIZE must be hexadecimal numbers, SIZE not zero", map, lineno);
			r = -EINVAL;
			break;
		}
		if (strcmp(tok[2], "ram") == 0)
			kind = GUESTCORE_RANGE_RAM;
		else if (strcmp(tok[2], "rom") == 0)
			kind = GUESTCORE_RANGE_ROM;
		else if (strcmp(tok[2], "mmio") == 0)
			kind = GUESTCORE_RANGE_MMIO;
		else {
			FAIL(s, "map %s:%u: kind '%s' is not ram, rom or mmio", map, lineno, tok[2]);
			r = -EINVAL;
			break;
		}
		off = start;
		if (n == 4 && !parse_hex(tok[3], &off)) {
			FAIL(s, "map %s:%u: FILE_OFFSET must be a hexadecimal number", map, lineno);
			r = -EINVAL;
			break;
		}
		if (kind != GUESTCORE_RANGE_MMIO && (off + len < off || off + len > s->file_size)) {
			FAIL(s, "map %s:%u: range 0x%" PRIx64 "+0x%" PRIx64 " needs image bytes up to 0x%" PRIx64
				", but %s has 0x%" PRIx64 ": fix the map or the image", map, lineno, start, len,
			     off + len, s->path, s->file_size);
			r = -EINVAL;
			break;
		}
		r = add_range(s, start, len, kind, off);
		if (r < 0)
			break;
	}
	if (r == 0 && ferror(f)) {
		FAIL(s, "map %s: read error", map);
		r = -EIO;
	}
	fclose(f);
	if (r < 0)
		return r;
	if (s->n_ranges == 0) {
		FAIL(s, "map %s lists no range", map);
		return -EINVAL;
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

static int json_u64(json_object *v, uint64_t *ret)
{
	if (json_object_is_type(v, json_type_int)) {
		errno = 0;
		if (json_object_get_int64(v) < 0) {
			*ret = (uint64_t)json_object_get_int64(v);
			return 0;
		}
		*ret = json_object_get_uint64(v);
		return errno ? -ERANGE : 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);
		char *end;
		errno = 0;
		*ret = strtoull(t, &end, 0);
		return errno || !*t || *end || *t == '-' ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int parse_cpus(struct guestcore_source *s, const char *path)
{
	json_object *root = json_object_from_file(path);
	size_t n;

	if (!root) {
		FAIL(s, "cpus %s: %s", path, json_util_get_last_err() ? json_util_get_last_err() : "not valid JSON");
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_array)) {
		FAIL(s, "cpus %s: expected a JSON array with one object per vCPU", path);
		json_object_put(root);
		return -EINVAL;
	}
	n = json_object_array_length(root);
	if (n > RAW_MAX_CPUS) {
		FAIL(s, "cpus %s: %zu vCPUs, more than %d", path, n, RAW_MAX_CPUS);
		json_object_put(root);
		return -E2BIG;
	}
	s->cpus = calloc(n ? n : 1, sizeof(*s->cpus));
	if (!s->cpus) {
		json_object_put(root);
		return -ENOMEM;
	}
	s->n_cpus = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(root, i);
		struct su_regs *c = &s->cpus[i];

		if (!json_object_is_type(o, json_type_object)) {
			FAIL(s, "cpus %s: vCPU %zu is not a JSON object", path, i);
			json_object_put(root);
			return -EINVAL;
		}
		json_object_object_foreach(o, key, val) {
			char name[80];
			uint64_t v;

			if (c->n >= RAW_MAX_REGS) {
				FAIL(s, "cpus %s: vCPU %zu has more than %d registers", path, i, RAW_MAX_REGS);
				json_object_put(root);
				return -E2BIG;
			}
			snprintf(name, sizeof(name), "%s%s", strncmp(key, "reg.", 4) == 0 ? "" : "reg.", key);
			if (GUESTCORE_HOST_HAS(s->host, binding_known) &&
			    !s->host->binding_known(s->host->handle, name)) {
				FAIL(s, "cpus %s: vCPU %zu: '%s' is not a register of the vocabulary (schemas/README.md)",
				     path, i, key);
				json_object_put(root);
				return -EINVAL;
			}
			if (json_u64(val, &v) < 0) {
				FAIL(s, "cpus %s: vCPU %zu: '%s' must be a number or a \"0x...\" string", path, i, key);
				json_object_put(root);
				return -EINVAL;
			}
			if (su_regs_set(c, name, v, true) < 0) {
				json_object_put(root);
				return -ENOMEM;
			}
		}
	}
	json_object_put(root);
	return 0;
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
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
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
	.abi_version = GUESTCORE_PLUGIN_ABI_VERSION,
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
