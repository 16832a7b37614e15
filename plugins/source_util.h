/* Helpers the bundled memory sources share: a table of ranges served from
 * files (sorted ascending), and a vCPU's registers by vocabulary name.
 * Header-only, so each plugin stays one self-contained module. */
#ifndef GUESTCORE_SOURCE_UTIL_H
#define GUESTCORE_SOURCE_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guestcore/plugin.h>

/* Say why a call fails, through the host's set_error() when it has one
 * (each bundled source's FAIL). */
#define SU_FAIL(host, ...)                                              \
	do {                                                            \
		if (GUESTCORE_HOST_HAS((host), set_error))              \
			(host)->set_error((host)->handle, __VA_ARGS__); \
	} while (0)

struct su_reg {
	char name[80];
	uint64_t value;
};

struct su_regs {
	struct su_reg *v;
	size_t n;
};

/* Set NAME; an existing value is kept unless OVERWRITE. */
static inline int su_regs_set(struct su_regs *r, const char *name, uint64_t value, bool overwrite)
{
	struct su_reg *v;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0) {
			if (overwrite)
				r->v[i].value = value;
			return 0;
		}
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	snprintf(v[r->n].name, sizeof(v[0].name), "%s", name);
	v[r->n].value = value;
	r->n++;
	return 0;
}

static inline int su_regs_get(const struct su_regs *r, const char *name, uint64_t *ret)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0) {
			*ret = r->v[i].value;
			return 0;
		}
	return -ENOENT;
}

static inline void su_regs_free(struct su_regs *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* A struct the host sized for the plugin to fill (a range, a source note):
 * FULL (SIZE bytes, the plugin's own) copied only as far as the host's size
 * field at DST covers, and that size kept.  Every bundled plugin answers
 * through this one helper. */
static inline void su_struct_out(void *dst, const void *full, size_t size)
{
	uint32_t have;

	memcpy(&have, dst, sizeof(have));
	memcpy(dst, full, have < size ? have : size);
	memcpy(dst, &have, sizeof(have));
}

/* get_range() for a table. */
static inline int su_range_copy(const struct guestcore_range *ranges, size_t n, uint64_t i,
				struct guestcore_range *ret)
{
	if (i >= n)
		return -ENOENT;
	su_struct_out(ret, &ranges[i], sizeof(*ret));
	return 0;
}

/* The range holding ADDR in an ascending table, or NULL. */
static inline const struct guestcore_range *su_range_find(const struct guestcore_range *ranges, size_t n,
							  uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < ranges[mid].start)
			hi = mid;
		else if (addr - ranges[mid].start >= ranges[mid].length)
			lo = mid + 1;
		else
			return &ranges[mid];
	}
	return NULL;
}

/* read() for a table of file-backed ranges: 0, -EIO when the file cannot
 * give the bytes, -EINVAL when [ADDR, ADDR+LEN) is not inside one range
 * with a file. */
static inline int su_range_read(const struct guestcore_range *ranges, size_t n, uint64_t addr, void *buf,
				size_t len)
{
	const struct guestcore_range *r = su_range_find(ranges, n, addr);
	unsigned char *p = buf;

	if (!r || r->fd < 0 || len > r->length - (addr - r->start))
		return -EINVAL;
	while (len) {
		ssize_t got = pread(r->fd, p, len, (off_t)(r->file_offset + (addr - r->start)));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -EIO;
		p += got;
		addr += (uint64_t)got;
		len -= (size_t)got;
	}
	return 0;
}

#endif
