/* Private declarations shared by the files of libguestcore.  Nothing here is
 * exported: the library is built with -fvisibility=hidden and a version
 * script, and only GUESTCORE_API functions leave it. */
#ifndef GUESTCORE_INTERNAL_H
#define GUESTCORE_INTERNAL_H

#include <stdarg.h>
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
/* snprintf that never overflows and tolerates a NULL or empty buffer. */
GC_HIDDEN void gc_msg(char *buf, size_t bufsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
