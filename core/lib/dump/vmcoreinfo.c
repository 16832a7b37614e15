/* What the guest kernel says of itself in its VMCOREINFO text, read in one
 * place: its KEY=VALUE lines, where its kernel image lies (per machine, a
 * table), and its utsname read from guest memory at init_uts_ns, as
 * makedumpfile writes it into a kdump header. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

bool gc_vmci_value(const unsigned char *text, size_t len, const char *key, char *out, size_t outsz)
{
	const char *t = (const char *)text, *end = t + len;
	size_t kl = strlen(key);

	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);

		if (l > kl && memcmp(t, key, kl) == 0 && t[kl] == '=') {
			size_t n = l - kl - 1 < outsz - 1 ? l - kl - 1 : outsz - 1;
			memcpy(out, t + kl + 1, n);
			out[n] = '\0';
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

/* Where each machine's kernel image is mapped: a kernel virtual address
 * VA of the image is at guest-physical VA - map + phys_base. */
static const struct {
	uint16_t machine;
	uint64_t map; /* __START_KERNEL_map */
} kernel_maps[] = {
	{ EM_X86_64, 0xffffffff80000000ull },
};

bool gc_kernel_image_phys(uint16_t machine, const unsigned char *vmci, size_t len, uint64_t vaddr, uint64_t *ret)
{
	uint64_t phys_base = 0;

	for (size_t i = 0; i < sizeof(kernel_maps) / sizeof(kernel_maps[0]); i++) {
		if (kernel_maps[i].machine != machine || vaddr < kernel_maps[i].map)
			continue;
		gc_vmci_number(vmci, len, "NUMBER(phys_base)", 0, &phys_base);
		*ret = vaddr - kernel_maps[i].map + phys_base;
		return true;
	}
	return false;
}

bool gc_kernel_utsname(struct gc_dump *d, const unsigned char *vmci, size_t len, char uts[6][65])
{
	uint64_t sym, off, pa;
	unsigned char b[6 * 65];
	char release[65] = "";
	bool had_msg = d->msg[0] != '\0';

	if (!gc_vmci_number(vmci, len, "SYMBOL(init_uts_ns)", 16, &sym) ||
	    !gc_vmci_number(vmci, len, "OFFSET(uts_namespace.name)", 10, &off) || off > 4096 ||
	    !gc_kernel_image_phys(d->info.e_machine, vmci, len, sym + off, &pa))
		return false;
	if (gc_guest_read(d, pa, b, sizeof(b)) < 0) {
		if (!had_msg)
			d->msg[0] = '\0'; /* not a failure of the dump */
		return false;
	}
	/* new_utsname: six NUL-terminated strings of 65 bytes, printable */
	for (int i = 0; i < 6; i++) {
		const unsigned char *s = b + i * 65;
		size_t n = strnlen((const char *)s, 65);

		if (n == 65 || (i != 1 && i != 5 && n == 0))
			return false;
		for (size_t k = 0; k < n; k++)
			if (s[k] < 0x20 || s[k] > 0x7e)
				return false;
	}
	if (memcmp(b, "Linux", 6) != 0)
		return false;
	if (gc_vmci_value(vmci, len, "OSRELEASE", release, sizeof(release)) && strcmp(release, (char *)b + 2 * 65))
		return false; /* not the kernel whose VMCOREINFO this is */
	for (int i = 0; i < 6; i++)
		memcpy(uts[i], b + i * 65, 65);
	return true;
}
