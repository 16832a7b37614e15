/* The places of a migration stream's bytes (place.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"

int qplaces_add(struct qplaces *p, uint64_t mem_off, uint64_t length, uint64_t gpa, unsigned char *buf)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct qplace *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct qplace){ mem_off, length, gpa, buf };
	return 0;
}

static int cmp_place(const void *a, const void *b)
{
	const struct qplace *x = a, *y = b;

	return x->mem_off < y->mem_off ? -1 : x->mem_off > y->mem_off;
}

int qplaces_ready(struct qplaces *p)
{
	free(p->end);
	p->end = calloc(p->n ? p->n : 1, sizeof(*p->end));
	if (!p->end)
		return -ENOMEM;
	qsort(p->v, p->n, sizeof(*p->v), cmp_place);
	for (size_t i = 0; i < p->n; i++) {
		uint64_t end = p->v[i].mem_off + p->v[i].length;
		p->end[i] = i && p->end[i - 1] > end ? p->end[i - 1] : end;
	}
	return 0;
}

int qplaces_put(const struct qplaces *p, uint64_t off, const void *data, size_t len,
		int (*write)(void *userdata, uint64_t gpa, const void *data, size_t len), void *userdata)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) { /* the first place whose places up to it reach past OFF */
		size_t mid = lo + (hi - lo) / 2;
		if (p->end[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->n && p->v[i].mem_off < off + len; i++) {
		const struct qplace *pl = &p->v[i];
		uint64_t from = off > pl->mem_off ? off : pl->mem_off;
		uint64_t to = off + len < pl->mem_off + pl->length ? off + len : pl->mem_off + pl->length;
		const unsigned char *src = data ? (const unsigned char *)data + (from - off) : NULL;
		int r;

		if (from >= to)
			continue;
		if (pl->buf) {
			if (src)
				memcpy(pl->buf + (from - pl->mem_off), src, (size_t)(to - from));
			else
				memset(pl->buf + (from - pl->mem_off), 0, (size_t)(to - from));
			continue;
		}
		r = write(userdata, pl->gpa + (from - pl->mem_off), src, (size_t)(to - from));
		if (r < 0)
			return r;
	}
	return 0;
}

struct push {
	struct guestcore_memory_sink *sink;
	bool *failed;
};

static int push_write(void *userdata, uint64_t gpa, const void *data, size_t len)
{
	struct push *p = userdata;
	int r = p->sink->write(p->sink, gpa, data, len);

	if (r < 0)
		*p->failed = true;
	return r;
}

int qplaces_push(const struct qplaces *p, uint64_t off, const void *data, size_t len,
		 struct guestcore_memory_sink *sink, bool *failed)
{
	struct push ps = { sink, failed };

	return qplaces_put(p, off, data, len, push_write, &ps);
}

void qplaces_free(struct qplaces *p)
{
	free(p->v);
	free(p->end);
	memset(p, 0, sizeof(*p));
}
