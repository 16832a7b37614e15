/* Small string helpers used across libguestcore. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

char *gc_strdup_vprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

char *gc_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = gc_strdup_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

void gc_msg(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;

	if (!buf || bufsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
}
