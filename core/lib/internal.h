/* Private declarations shared by the files of libguestcore.  Nothing here is
 * exported: the library is built with -fvisibility=hidden and a version
 * script, and only GUESTCORE_API functions leave it. */
#ifndef GUESTCORE_INTERNAL_H
#define GUESTCORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <guestcore/guestcore.h>

#define GC_HIDDEN __attribute__((visibility("hidden")))

/* Free *p when the variable leaves scope (systemd's _cleanup_free_). */
static inline void gc_freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ __attribute__((cleanup(gc_freep)))

static inline void gc_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ __attribute__((cleanup(gc_closep)))

/* vsnprintf into a fresh string; NULL on allocation failure. */
GC_HIDDEN char *gc_strdup_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
GC_HIDDEN char *gc_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* SIZE bytes of V at P in the core's byte order, and back: every encoder in
 * the library (ELF headers, notes, layouts) goes through these. */
GC_HIDDEN void gc_put(unsigned char *p, unsigned size, uint64_t v, bool big_endian);
GC_HIDDEN uint64_t gc_get(const unsigned char *p, unsigned size, bool big_endian);
/* snprintf that never overflows and tolerates a NULL or empty buffer. */
GC_HIDDEN void gc_msg(char *buf, size_t bufsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- size-first structs ------------------------------------------------------
 * Every struct that crosses a boundary of the library (options and results
 * of guestcore.h, the plugin ABI's descriptor, interface tables and the
 * structs the host hands a plugin to fill) begins with its size as its
 * writer compiled it.  One mechanism reads and writes them all, in the manner
 * of libbpf's OPTS_VALID and OPTS_GET:
 *  - inbound, gc_sized_in() copies the writer's struct into the reader's own
 *    full-size one, every field past the writer's size zero: a field is then
 *    read as copy.field, and a writer built with an older struct gets the
 *    zero default of each newer field (which every appended field is
 *    defined to mean "as before");
 *  - gc_sized_tail_zero() tells whether the bytes past what the reader knows
 *    are zero: options and descriptors must be (a newer caller's setting is
 *    refused, never ignored); interface tables need not (their callbacks
 *    past the reader's size are for newer readers);
 *  - outbound, gc_sized_out() copies the reader's full struct up to the size
 *    the caller gave and returns the bytes written, which become the
 *    caller's size field (GC_RESULT_OUT). */
GC_HIDDEN void gc_sized_in(void *dst, size_t dst_size, const void *src, size_t src_size);
GC_HIDDEN bool gc_sized_tail_zero(const void *src, size_t src_size, size_t known);
GC_HIDDEN size_t gc_sized_out(void *dst, size_t dst_size, const void *src, size_t src_size);
/* A size SIZE of a struct TYPE covers MEMBER. */
#define GC_SIZED_HAS(size, type, member) ((size) >= offsetof(type, member) + sizeof(((type *)0)->member))
/* The library's structs, sized by their sz member. */
#define GC_OPTS_IN(dst, opts) gc_sized_in(&(dst), sizeof(dst), (opts), (opts)->sz)
#define GC_OPTS_VALID(opts) ((opts)->sz != 0 && gc_sized_tail_zero((opts), (opts)->sz, sizeof(*(opts))))
#define GC_RESULT_OUT(ret, full) ((ret)->sz = gc_sized_out((ret), (ret)->sz, &(full), sizeof(full)))
/* The plugin ABI's, sized by their uint32_t size member. */
#define GC_TABLE_IN(dst, table) gc_sized_in(&(dst), sizeof(dst), (table), (table)->size)

/* host/host.c: what the dump needs of a plugin record. */
GC_HIDDEN const struct guestcore_host_api *gc_plugin_api(const struct guestcore_plugin *p);
/* The plugin's last set_error() text, or "". */
GC_HIDDEN const char *gc_plugin_last_error(const struct guestcore_plugin *p);
GC_HIDDEN void gc_plugin_clear_error(struct guestcore_plugin *p);

/* dump/notes.c: the note-builder services every plugin's host table offers. */
struct guestcore_note_builder;
GC_HIDDEN int gc_nb_info(struct guestcore_note_builder *nb, const char **ret_id, uint32_t *ret_instance);
GC_HIDDEN int gc_nb_set_u64(struct guestcore_note_builder *nb, const char *path, uint64_t value);
GC_HIDDEN int gc_nb_set_bytes(struct guestcore_note_builder *nb, const char *path, const void *data,
			      size_t len);
GC_HIDDEN int gc_nb_set_size(struct guestcore_note_builder *nb, uint64_t size);
GC_HIDDEN int gc_nb_get_u64(struct guestcore_note_builder *nb, const char *binding, uint64_t *ret);

/* host/host.c: the layouts the host's services use. */
GC_HIDDEN const struct guestcore_layouts *gc_host_layouts(const struct guestcore_host *host);
/* A message of the library's own (no plugin) to the host's log. */
GC_HIDDEN void gc_host_log(struct guestcore_host *host, enum guestcore_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The flag host services report as cancelled() (NULL: never cancelled). */
GC_HIDDEN void gc_host_set_cancel(struct guestcore_host *host, volatile int *cancel);

#endif
