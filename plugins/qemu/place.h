/* Where a migration stream's bytes go (plugins/qemu/place.c): the stream
 * lays its RAM blocks out one after another (struct qstream_block's
 * offset), the guest sees them at guest-physical addresses, a block
 * perhaps more than once (an alias) or in part.  A place maps one span of
 * the stream's layout to a guest-physical address, or captures it into a
 * buffer of the caller's (bytes a source needs once the stream has told it
 * where they belong); a run of pages goes to every place that shows it. */
#ifndef GUESTCORE_QEMU_PLACE_H
#define GUESTCORE_QEMU_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guestcore/plugin.h>

struct qplace {
	uint64_t mem_off, length; /* the span of the stream's layout */
	uint64_t gpa;             /* where the guest sees it ... */
	unsigned char *buf;       /* ... or, when set, the caller's buffer of LENGTH bytes */
};

struct qplaces {
	struct qplace *v;
	uint64_t *end;            /* the highest end of v[0..i], once ready */
	size_t n, cap;
};

/* Add a place; 0 or -ENOMEM. */
int qplaces_add(struct qplaces *p, uint64_t mem_off, uint64_t length, uint64_t gpa, unsigned char *buf);
/* Sort the places by their span, for qplaces_put(); 0 or -ENOMEM. */
int qplaces_ready(struct qplaces *p);
/* A run of LEN bytes at OFF of the stream's layout (DATA NULL: zeros):
 * copied into each capturing place, WRITE(USERDATA, GPA, DATA, LEN) for
 * each other place that shows part of it.  What WRITE returns (negative)
 * ends it. */
int qplaces_put(const struct qplaces *p, uint64_t off, const void *data, size_t len,
		int (*write)(void *userdata, uint64_t gpa, const void *data, size_t len), void *userdata);
/* qplaces_put() into the host's SINK; *FAILED set when the sink refused a
 * piece (its error is the host's, already said). */
int qplaces_push(const struct qplaces *p, uint64_t off, const void *data, size_t len,
		 struct guestcore_memory_sink *sink, bool *failed);
void qplaces_free(struct qplaces *p);

#endif
