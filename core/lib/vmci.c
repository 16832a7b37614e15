/* VMCOREINFO text: its lines checked, and the value of one key. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmci.h"

void gc_vmci_lines(const unsigned char *text, size_t len, struct gc_vmci_lines *ret)
{
	const char *t = (const char *)text;
	size_t n = len, pos = 0;
	uint64_t line = 0;

	*ret = (struct gc_vmci_lines){ 0 };
	while (n && t[n - 1] == '\0')
		n--;
	ret->len = n;
	if (n == 0) {
		ret->bad = GC_VMCI_EMPTY;
		return;
	}
	while (pos < n) {
		const char *l = t + pos, *nl = memchr(l, '\n', n - pos), *eq;
		size_t ll = nl ? (size_t)(nl - l) : n - pos;

		line++;
		for (size_t j = 0; j < ll; j++)
			if (!(l[j] >= 0x20 && l[j] < 0x7f)) {
				ret->bad = l[j] == '\0' ? GC_VMCI_NUL : GC_VMCI_UNPRINTABLE;
				ret->line = line;
				ret->at = pos + j;
				return;
			}
		eq = memchr(l, '=', ll);
		if (ll && (!eq || eq == l)) {
			ret->bad = GC_VMCI_NOT_KV;
			ret->line = line;
			ret->at = pos;
			return;
		}
		ret->osrelease = ret->osrelease || (ll > 10 && memcmp(l, "OSRELEASE=", 10) == 0);
		ret->pagesize = ret->pagesize || (ll > 9 && memcmp(l, "PAGESIZE=", 9) == 0);
		pos += ll + 1;
	}
}

bool gc_vmci_value(const unsigned char *text, size_t len, const char *key, char *out, size_t outsz)
{
	const char *t = (const char *)text, *end = t + len;
	size_t kl = strlen(key);

	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);

		if (l > kl && memcmp(t, key, kl) == 0 && t[kl] == '=') {
			size_t v = l - kl - 1 < outsz - 1 ? l - kl - 1 : outsz - 1;
			memcpy(out, t + kl + 1, v);
			out[v] = '\0';
			return true;
		}
		t += l + 1;
	}
	return false;
}

bool gc_vmci_number(const unsigned char *text, size_t len, const char *key, int base, uint64_t *ret)
{
	char v[32], *e;

	if (!gc_vmci_value(text, len, key, v, sizeof(v)) || !v[0])
		return false;
	errno = 0;
	*ret = strtoull(v, &e, base);
	return errno == 0 && *e == '\0';
}
