/* Example memory source, built out of tree against the installed SDK: a
 * guest kept as a directory with one file per range.
 *
 *   dirsource:DIR
 *
 * DIR/START.ram and DIR/START.rom (START in hex) hold the bytes of a range
 * starting at guest-physical START; DIR/START.mmio holds the size of an MMIO
 * range, in hex, as text.  The files are opened once and handed to the host
 * as (fd, offset), so it copies them without reading them itself. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <guestcore/plugin.h>

#define MAX_RANGES 1024

struct guestcore_source {
	const struct guestcore_host_api *host;
	struct guestcore_range ranges[MAX_RANGES];
	size_t n;
	char description[300];
};

static void fail(struct guestcore_source *s, const char *msg, const char *what)
{
	if (GUESTCORE_HOST_HAS(s->host, set_error))
		s->host->set_error(s->host->handle, "dirsource: %s: %s", what, msg);
}

static int by_start(const void *a, const void *b)
{
	const struct guestcore_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void ds_close(struct guestcore_source *s)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->ranges[i].fd >= 0)
			close(s->ranges[i].fd);
	free(s);
}

static int ds_open(const struct guestcore_host_api *host, const char *dir, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	DIR *d;
	struct dirent *e;

	if (!s)
		return -ENOMEM;
	s->host = host;
	d = opendir(dir);
	if (!d) {
		int r = -errno;
		fail(s, strerror(errno), dir);
		free(s);
		return r;
	}
	while ((e = readdir(d))) {
		char kind[8], path[4096];
		unsigned long long start;
		struct guestcore_range *r;
		struct stat st;

		if (sscanf(e->d_name, "%llx.%7s", &start, kind) != 2)
			continue;
		if (s->n == MAX_RANGES) {
			fail(s, "too many ranges", dir);
			closedir(d);
			ds_close(s);
			return -E2BIG;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = &s->ranges[s->n];
		memset(r, 0, sizeof(*r));
		r->size = sizeof(*r);
		r->start = start;
		r->fd = -1;
		if (strcmp(kind, "mmio") == 0) {
			FILE *f = fopen(path, "r");
			unsigned long long len = 0;
			if (!f || fscanf(f, "%llx", &len) != 1 || len == 0) {
				fail(s, "expected the range's size in hex", path);
				if (f)
					fclose(f);
				continue;
			}
			fclose(f);
			r->kind = GUESTCORE_RANGE_MMIO;
			r->length = len;
		} else if (strcmp(kind, "ram") == 0 || strcmp(kind, "rom") == 0) {
			r->fd = open(path, O_RDONLY | O_CLOEXEC);
			if (r->fd < 0 || fstat(r->fd, &st) < 0 || st.st_size == 0) {
				fail(s, "cannot read it, or it is empty", path);
				if (r->fd >= 0)
					close(r->fd);
				continue;
			}
			r->kind = strcmp(kind, "rom") == 0 ? GUESTCORE_RANGE_ROM : GUESTCORE_RANGE_RAM;
			r->length = (uint64_t)st.st_size;
		} else {
			continue;
		}
		s->n++;
	}
	closedir(d);
	if (s->n == 0) {
		fail(s, "no START.ram, START.rom or START.mmio file", dir);
		ds_close(s);
		return -ENOENT;
	}
	qsort(s->ranges, s->n, sizeof(s->ranges[0]), by_start);
	for (size_t i = 1; i < s->n; i++)
		if (s->ranges[i].start < s->ranges[i - 1].start + s->ranges[i - 1].length) {
			fail(s, "two ranges overlap", dir);
			ds_close(s);
			return -EINVAL;
		}
	snprintf(s->description, sizeof(s->description), "directory %s, %zu ranges", dir, s->n);
	*ret = s;
	return 0;
}

static int ds_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	info->e_machine = 62; /* EM_X86_64 */
	info->cpu_count = 0;
	info->description = s->description;
	return 0;
}

static int ds_get_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *ret)
{
	uint32_t size = ret->size;

	if (i >= s->n)
		return -ENOENT;
	memcpy(ret, &s->ranges[i], size < sizeof(*ret) ? size : sizeof(*ret));
	ret->size = size;
	return 0;
}

static int ds_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct guestcore_range *r = &s->ranges[i];
		if (addr >= r->start && addr - r->start < r->length && r->fd >= 0 && len <= r->length - (addr - r->start))
			return pread(r->fd, buf, len, (off_t)(addr - r->start)) == (ssize_t)len ? 0 : -EIO;
	}
	return -EINVAL;
}

static int ds_get_register(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	(void)s;
	(void)cpu;
	(void)name;
	(void)ret;
	return -ENOENT; /* this guest has no vCPUs recorded */
}

static const struct guestcore_memory_source_ops ds_ops = {
	.size = sizeof(ds_ops),
	.open = ds_open,
	.close = ds_close,
	.describe = ds_describe,
	.get_range = ds_get_range,
	.read = ds_read,
	.get_register = ds_get_register,
};

static const void *ds_interface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0 ? &ds_ops : NULL;
}

static const struct guestcore_plugin_descriptor ds_desc = {
	.size = sizeof(ds_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "dirsource",
	.version = "1.0",
	.description = "example: a guest kept as a directory of per-range files",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = ds_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &ds_desc;
	return 0;
}
