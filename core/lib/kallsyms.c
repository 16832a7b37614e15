/* The kernel's own symbol table, read from guest memory where the caller
 * says it is (VMCOREINFO does since Linux 6.0, SYMBOL(kallsyms_names) and
 * the rest, for debuggers): symbols' addresses by their names.
 *
 * The format (kernel/kallsyms.c, scripts/kallsyms.c): kallsyms_names holds
 * kallsyms_num_syms entries in address order, each a length (one byte, or
 * two where its top bit is set, since Linux 6.1) and that many token
 * numbers; token T is the NUL-terminated string at kallsyms_token_table +
 * kallsyms_token_index[T]; the first character of the expanded name is the
 * symbol's type.  Entry I's address is kallsyms_offsets[I] from
 * kallsyms_relative_base, or, where the machine's kernels keep per-cpu
 * symbols absolute (x86_64), the offset itself when it is not negative and
 * relative_base - 1 - offset when it is. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"

#define NAMES_CHUNK (256u << 10)
#define MAX_SYMS (4u << 20)           /* a kernel has about 150 000 */
#define MAX_NAMES (16ull << 20)       /* bytes of kallsyms_names read at most (a kernel has 2 MiB) */
#define TOKEN_TABLE_MAX (64u << 10)

/* LEN bytes at the kernel's virtual address VA. */
static bool read_va(const struct gc_kva_read *rd, uint64_t va, void *buf, size_t len)
{
	return rd->read(rd->ctx, va, buf, len) == 0;
}

static uint64_t le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

size_t gc_kallsyms_lookup(const struct gc_ksyms_tables *tb, const struct gc_kva_read *k, const char *const *names,
			  size_t n, uint64_t *ret)
{
	uint64_t base, num, pos = 0, chunk_at = 0;
	unsigned char idx[512], b8[8], *chunk = NULL, *tokens = NULL;
	bool first[256];
	size_t chunk_len = 0, table_len = 0, found = 0;

	for (size_t j = 0; j < n; j++)
		ret[j] = 0;
	if (!read_va(k, tb->num_syms, b8, 4) || (num = le(b8, 4)) == 0 || num > MAX_SYMS ||
	    !read_va(k, tb->relative_base, b8, 8) || !read_va(k, tb->token_index, idx, sizeof(idx)))
		return 0;
	base = le(b8, 8);
	for (unsigned t = 0; t < 256; t++)
		if (le(idx + 2 * t, 2) + 1 > table_len)
			table_len = (size_t)le(idx + 2 * t, 2) + 1;
	table_len += 64; /* the last token's bytes */
	if (table_len > TOKEN_TABLE_MAX || !(tokens = malloc(table_len)) ||
	    !read_va(k, tb->token_table, tokens, table_len) || !(chunk = malloc(NAMES_CHUNK)))
		goto out;
	/* The tokens an entry that is one of NAMES can begin with (the type,
	 * then the name's first bytes, or less): most entries end there. */
	for (unsigned t = 0; t < 256; t++) {
		size_t at = (size_t)le(idx + 2 * t, 2);
		size_t tl = at < table_len ? strnlen((char *)tokens + at, table_len - at) : 0;

		first[t] = false;
		for (size_t q = 0; q < n && !first[t]; q++) {
			size_t nl = strlen(names[q]);

			first[t] = tl <= 1 || strncmp((char *)tokens + at + 1, names[q], tl - 1 < nl ? tl - 1 : nl + 1) == 0;
		}
	}
	for (uint64_t i = 0; i < num && found < n; i++) {
		char sym[512];
		size_t sl = 0, ntok;
		unsigned char *e;

		/* The entry (at most 2 + 32767 bytes) from a chunk that holds
		 * it: its length first, then all of it. */
		for (int pass = 0; pass < 2; pass++) {
			size_t need = 2;

			if (pass) {
				e = chunk + (pos - chunk_at);
				need = (e[0] & 0x80 ? 2 : 1) + (e[0] & 0x80 ? (size_t)((e[0] & 0x7f) | e[1] << 7) : e[0]);
			}
			if (pos + need > chunk_at + chunk_len) {
				/* (near the end of the memory that holds them: as
				 * much as the entry needs) */
				chunk_len = NAMES_CHUNK;
				if (pos > MAX_NAMES || (!read_va(k, tb->names + pos, chunk, chunk_len) &&
							!read_va(k, tb->names + pos, chunk, chunk_len = need)))
					goto out;
				chunk_at = pos;
			}
		}
		e = chunk + (pos - chunk_at);
		ntok = e[0] & 0x80 ? (size_t)((e[0] & 0x7f) | e[1] << 7) : e[0];
		e += e[0] & 0x80 ? 2 : 1;
		pos += (size_t)(e - (chunk + (pos - chunk_at))) + ntok;
		if (!ntok || !first[e[0]])
			continue;
		/* Expanded while some name sought still begins so (sym[0] is
		 * the type): most entries are given up after a token or two. */
		for (size_t j = 0; j < ntok && sl < sizeof(sym) - 1; j++) {
			bool prefix = false;

			for (size_t at = (size_t)le(idx + 2 * e[j], 2); at < table_len && tokens[at] && sl < sizeof(sym) - 1;
			     at++)
				sym[sl++] = (char)tokens[at];
			for (size_t q = 0; q < n && !prefix; q++)
				prefix = !ret[q] && (sl <= 1 || strncmp(sym + 1, names[q], sl - 1) == 0);
			if (!prefix) {
				sl = 0;
				break;
			}
		}
		sym[sl] = '\0';
		for (size_t j = 0; sl > 1 && j < n; j++) {
			unsigned char o[4];
			int64_t off;

			if (ret[j] || strcmp(sym + 1, names[j]) != 0 || !read_va(k, tb->offsets + 4 * i, o, 4))
				continue;
			off = (int32_t)(uint32_t)le(o, 4);
			ret[j] = !tb->absolute_percpu ? base + (uint32_t)off : off >= 0 ? (uint64_t)off : base - 1 - off;
			found += ret[j] != 0;
		}
	}
out:
	free(chunk);
	free(tokens);
	return found;
}
