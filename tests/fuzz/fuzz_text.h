/* Shared by the fuzz targets of text parsers: the first byte of the input
 * picks what the rest is; the rest, NUL-terminated. */
#ifndef GUESTCORE_FUZZ_TEXT_H
#define GUESTCORE_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The input after its first byte as a NUL-terminated string (free() it), or
 * NULL for an empty input. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || !(text = malloc(size)))
		return NULL;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	return text;
}

#endif
