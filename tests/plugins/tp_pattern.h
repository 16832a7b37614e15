/* The test source's guest (tests/plugins/tp_source.c): its memory and its
 * registers as functions of the address and the register name, shared with
 * the unit tests that check what the dump wrote. */
#ifndef GUESTCORE_TP_PATTERN_H
#define GUESTCORE_TP_PATTERN_H

#include <stdint.h>
#include <string.h>

/* The byte at guest-physical ADDR; every fourth page is all zeros. */
static inline unsigned char tp_pattern(uint64_t addr)
{
	if (((addr >> 12) & 3) == 3)
		return 0;
	return (unsigned char)((addr * 2654435761u) >> 13) ^ (unsigned char)(addr >> 20);
}

/* Register NAME of vCPU CPU of a 64-bit guest: FNV-1a of the name, 16 bits
 * for selectors, limits, attributes and sizes. */
static inline uint64_t tp_reg(uint32_t cpu, const char *name)
{
	uint64_t h = 1469598103934665603ull ^ cpu;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	if (strstr(name, ".sel") || strstr(name, ".limit") || strstr(name, ".attr") ||
	    strstr(name, ".desc_flags") || strstr(name, "_cs") || strstr(name, "xsave_size"))
		h &= 0xffff;
	return h;
}

#endif
