/* Small helpers used across libguestcore: strings, byte order, size-first
 * structs (internal.h says how those are read and written). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void gc_sized_in(void *dst, size_t dst_size, const void *src, size_t src_size)
{
	memset(dst, 0, dst_size);
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
}

bool gc_sized_tail_zero(const void *src, size_t src_size, size_t known)
{
	const unsigned char *p = src;

	for (size_t i = known; i < src_size; i++)
		if (p[i])
			return false;
	return true;
}

size_t gc_sized_out(void *dst, size_t dst_size, const void *src, size_t src_size)
{
	size_t n = dst_size < src_size ? dst_size : src_size;

	memcpy(dst, src, n);
	return n;
}

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
