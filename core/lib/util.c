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

void gc_put(unsigned char *p, unsigned size, uint64_t v, bool be)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * (be ? size - 1 - i : i)));
}

uint64_t gc_get(const unsigned char *p, unsigned size, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * (be ? size - 1 - i : i));
	return v;
}
