/* The guest kernel's VMCOREINFO in a dump: where its kernel image lies (per
 * machine, a table), its utsname read from guest memory at init_uts_ns (as
 * makedumpfile writes it into a kdump header), and, when the source gives
 * none, the kernel's own text found in guest memory during the one pass
 * that copies it.
 *
 * A Linux kernel with CONFIG_CRASH_CORE writes its VMCOREINFO at boot into
 * a zeroed page of its own (vmcoreinfo_data: the text from the page's first
 * byte, "OSRELEASE=" first) and copies it into an ELF note in pages of
 * their own (vmcoreinfo_note: Elf_Nhdr, "VMCOREINFO", the text), where both
 * stay.  So the copy tests the first bytes of each page it holds anyway
 * (gc_vmci_page, inline in dump.h): a page that begins as either is only
 * recorded; when memory is written, each recorded page is
 * read back as the core holds it (a page pushed twice has its last bytes),
 * its text checked and the kernel it describes looked for (its utsname at
 * init_uts_ns), and one text chosen (gc_vmci_take). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"

/* gc_guest_read() for the search and the utsname: a read that fails is not
 * the dump's failure, so d->msg stays as it was. */
static int read_quiet(struct gc_dump *d, uint64_t addr, void *buf, size_t len)
{
	bool had_msg = d->msg[0] != '\0';
	int r = gc_guest_read(d, addr, buf, len);

	if (r < 0 && !had_msg)
		d->msg[0] = '\0';
	return r;
}

int gc_kernel_utsname(struct gc_dump *d, const unsigned char *vmci, size_t len, char uts[6][65])
{
	uint64_t sym, off, pa;
	unsigned char b[6 * 65];
	char release[65] = "";

	if (!gc_vmci_number(vmci, len, "SYMBOL(init_uts_ns)", 16, &sym) ||
	    !gc_vmci_number(vmci, len, "OFFSET(uts_namespace.name)", 10, &off) || off > 4096 ||
	    !gc_kernel_image_phys(d->info.e_machine, vmci, len, sym + off, &pa))
		return 0;
	if (read_quiet(d, pa, b, sizeof(b)) < 0)
		return -1;
	/* new_utsname: six NUL-terminated strings of 65 bytes, printable */
	for (int i = 0; i < 6; i++) {
		const unsigned char *s = b + i * 65;
		size_t n = strnlen((const char *)s, 65);

		if (n == 65 || (i != 1 && i != 5 && n == 0))
			return -1;
		for (size_t k = 0; k < n; k++)
			if (s[k] < 0x20 || s[k] > 0x7e)
				return -1;
	}
	if (memcmp(b, "Linux", 6) != 0)
		return -1;
	if (gc_vmci_value(vmci, len, "OSRELEASE", release, sizeof(release)) && strcmp(release, (char *)b + 2 * 65))
		return -1; /* not the kernel whose VMCOREINFO this is */
	for (int i = 0; i < 6; i++)
		memcpy(uts[i], b + i * 65, 65);
	return 1;
}

/* ---- the text checked ------------------------------------------------------------ */

/* 0 when the LEN bytes at T are a VMCOREINFO text of a kernel of MACHINE:
 * KEY=VALUE lines, printable, with OSRELEASE and a PAGESIZE its kernels
 * have; else -EINVAL with the reason in WHY. */
static int check_text(uint16_t machine, const unsigned char *t, size_t len, char *why, size_t whysz)
{
	struct gc_vmci_lines ls;
	uint64_t ps = 0;

	gc_vmci_lines(t, len, &ls);
	if (ls.bad == GC_VMCI_EMPTY)
		snprintf(why, whysz, "it is empty");
	else if (ls.bad == GC_VMCI_NOT_KV)
		snprintf(why, whysz, "line %" PRIu64 " is not KEY=VALUE", ls.line);
	else if (ls.bad == GC_VMCI_UNPRINTABLE || ls.bad == GC_VMCI_NUL)
		snprintf(why, whysz, "line %" PRIu64 " holds the byte 0x%02x, which is not printable", ls.line, t[ls.at]);
	else if (!ls.osrelease)
		snprintf(why, whysz, "it has no OSRELEASE line");
	else if (!ls.pagesize || !gc_vmci_number(t, ls.len, "PAGESIZE", 10, &ps))
		snprintf(why, whysz, "it has no PAGESIZE line of a number");
	else if (!gc_machine_page_size(machine, ps))
		snprintf(why, whysz, "PAGESIZE=%" PRIu64 " is not a page size of %s kernels", ps,
			 gc_machine_text(machine) ? gc_machine_text(machine) : "this machine's");
	else
		return 0;
	return -EINVAL;
}

/* ---- the search ------------------------------------------------------------------ */

static void scan_free(struct gc_dump *d)
{
	if (!d->vmci_scan)
		return;
	pthread_mutex_destroy(&d->vmci_scan->lock);
	free(d->vmci_scan);
	d->vmci_scan = NULL;
}

/* The FILE's text into d->vmci_text: one sentence on failure. */
static int load_file(struct gc_dump *d)
{
	const char *path = d->o.vmcoreinfo_file;
	struct stat st;
	ssize_t got;
	int fd, r;

	if (!path || !*path) {
		gc_dump_fail(d, "--vmcoreinfo names no file: give the path of a VMCOREINFO text");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		gc_dump_fail(d, "cannot read the VMCOREINFO file %s: %s (--vmcoreinfo=FILE takes the kernel's "
			     "VMCOREINFO text; auto finds it in guest memory)", path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > GC_VMCI_MAX_TEXT) {
		gc_dump_fail(d, "the VMCOREINFO file %s is not a regular file of at most %u KiB: give the kernel's "
			     "VMCOREINFO text (KEY=VALUE lines)", path, GC_VMCI_MAX_TEXT >> 10);
		close(fd);
		return -EINVAL;
	}
	d->vmci_text = malloc((size_t)st.st_size + 1);
	if (!d->vmci_text) {
		close(fd);
		return -ENOMEM;
	}
	got = pread(fd, d->vmci_text, (size_t)st.st_size, 0);
	r = got < 0 ? -errno : 0;
	close(fd);
	if (r < 0 || got != st.st_size) {
		gc_dump_fail(d, "cannot read the VMCOREINFO file %s: %s", path, r ? strerror(-r) : "it changed size");
		return r ? r : -EIO;
	}
	d->vmci_len = (size_t)got;
	return 0;
}

int gc_vmci_begin(struct gc_dump *d)
{
	switch (d->o.vmcoreinfo) {
	case GUESTCORE_VMCOREINFO_AUTO:
	case GUESTCORE_VMCOREINFO_MEMORY:
		d->vmci_scan = calloc(1, sizeof(*d->vmci_scan));
		if (!d->vmci_scan)
			return -ENOMEM;
		pthread_mutex_init(&d->vmci_scan->lock, NULL);
		return 0;
	case GUESTCORE_VMCOREINFO_SOURCE:
	case GUESTCORE_VMCOREINFO_NONE:
		return 0;
	case GUESTCORE_VMCOREINFO_FILE:
		return load_file(d);
	default:
		gc_dump_fail(d, "vmcoreinfo %d is not one guestcore knows (auto, source, memory, none, a file)",
			     d->o.vmcoreinfo);
		return -EINVAL;
	}
}

int gc_vmci_file_check(struct gc_dump *d)
{
	char why[160];
	struct gc_vmci_lines ls;

	if (d->o.vmcoreinfo != GUESTCORE_VMCOREINFO_FILE)
		return 0;
	if (check_text(d->info.e_machine, d->vmci_text, d->vmci_len, why, sizeof(why)) < 0) {
		gc_dump_fail(d, "the VMCOREINFO file %s is not the VMCOREINFO text of a kernel of this %s guest (%s): "
			     "give the guest kernel's, or --vmcoreinfo=auto", d->o.vmcoreinfo_file,
			     gc_machine_text(d->info.e_machine) ? gc_machine_text(d->info.e_machine) : "", why);
		return -EINVAL;
	}
	gc_vmci_lines(d->vmci_text, d->vmci_len, &ls);
	d->vmci_len = ls.len; /* without the NULs at its end */
	d->vmci_origin = GC_VMCI_FROM_FILE;
	return 0;
}

void gc_vmci_notes_known(struct gc_dump *d)
{
	if (d->vmci_origin)
		scan_free(d); /* the source's (or the file's) is the core's: no search */
}

/* One text found in guest memory. */
struct vmci_found {
	uint64_t addr;
	unsigned char *text;
	size_t len;
	int verified;     /* 1: its kernel's utsname is where it says; 0: cannot tell */
	bool crashtime;   /* a CRASHTIME line: a kernel that crashed into another */
	unsigned copies;  /* pages with the same text */
};

/* The text of the page at ADDR, read as the core holds it, when the page
 * begins as vmcoreinfo_data or vmcoreinfo_note does: 1 with *TEXT (malloc)
 * and *LEN, 0 when it does not (any more), -1 when it cannot be read. */
static int read_candidate(struct gc_dump *d, uint64_t addr, unsigned char **text, size_t *len)
{
	unsigned char *p = malloc(GC_VMCI_BYTES + 24);
	size_t n = GC_VMCI_BYTES;
	int r;

	if (!p)
		return -1;
	r = read_quiet(d, addr, p, GC_PAGE);
	if (r < 0) {
		/* The last page of a range shorter than a page: its bytes. */
		uint64_t lo = 0, hi = GC_PAGE;
		while (hi - lo > 1) {
			uint64_t mid = (lo + hi) / 2;
			if (read_quiet(d, addr, p, (size_t)mid) == 0)
				lo = mid;
			else
				hi = mid;
		}
		n = (size_t)lo;
		r = n >= 24 ? 0 : -1;
	}
	if (r < 0) {
		free(p);
		return -1;
	}
	if (n >= 10 && memcmp(p, "OSRELEASE=", 10) == 0) {
		*len = strnlen((char *)p, n);
		*text = p;
		return 1;
	}
	if (n >= 24 && memcmp(p + 12, "VMCOREINFO\0", 12) == 0) {
		uint32_t namesz = (uint32_t)gc_get(p, 4, d->big_endian), descsz = (uint32_t)gc_get(p + 4, 4, d->big_endian);
		uint32_t type = (uint32_t)gc_get(p + 8, 4, d->big_endian);

		if (namesz == 11 && type == 0 && descsz > 0 && descsz <= GC_VMCI_BYTES &&
		    read_quiet(d, addr, p, 24 + (size_t)descsz) == 0) {
			memmove(p, p + 24, descsz);
			*len = descsz;
			*text = p;
			return 1;
		}
	}
	free(p);
	return 0;
}

static int addr_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The better of two texts: the one whose kernel was found, then one of a
 * kernel that did not crash into another, then the lower address. */
static int found_cmp(const void *a, const void *b)
{
	const struct vmci_found *x = a, *y = b;

	if (x->verified != y->verified)
		return x->verified > y->verified ? -1 : 1;
	if (x->crashtime != y->crashtime)
		return x->crashtime ? 1 : -1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void release_of(const struct vmci_found *f, char *out, size_t outsz)
{
	if (!gc_vmci_value(f->text, f->len, "OSRELEASE", out, outsz))
		snprintf(out, outsz, "?");
}

int gc_vmci_take(struct gc_dump *d)
{
	struct gc_vmci_scan *s = d->vmci_scan;
	struct vmci_found *f = NULL;
	size_t n = 0, refused = 0;
	int r = 0;

	if (!s)
		return 0;
	if (d->vmci_origin) { /* the source gave one (a source that pushes says so after memory) */
		scan_free(d);
		return 0;
	}
	if (s->n > 1)
		qsort(s->addr, s->n, sizeof(s->addr[0]), addr_cmp);
	f = calloc(s->n ? s->n : 1, sizeof(*f));
	if (!f) {
		scan_free(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++) {
		unsigned char *t;
		size_t len;
		char why[160];
		bool dup = false;
		int c;

		if (i && s->addr[i] == s->addr[i - 1])
			continue; /* pushed twice */
		c = read_candidate(d, s->addr[i], &t, &len);
		if (c <= 0)
			continue;
		for (size_t k = 0; k < n && !dup; k++)
			if (f[k].len == len && memcmp(f[k].text, t, len) == 0) {
				f[k].copies++;
				dup = true;
			}
		if (dup) {
			free(t);
			continue;
		}
		if (check_text(d->info.e_machine, t, len, why, sizeof(why)) < 0) {
			if (refused++ < 4)
				gc_host_log(d->host, GUESTCORE_LOG_WARNING, "guest memory at 0x%" PRIx64 " begins as a "
					    "VMCOREINFO text but is not one (%s): left out", s->addr[i], why);
			free(t);
			continue;
		}
		f[n] = (struct vmci_found){ .addr = s->addr[i], .text = t, .len = len, .copies = 1 };
		{
			char uts[6][65];
			f[n].verified = gc_kernel_utsname(d, t, len, uts);
		}
		if (f[n].verified < 0) {
			char rel[65];
			release_of(&f[n], rel, sizeof(rel));
			if (refused++ < 4)
				gc_host_log(d->host, GUESTCORE_LOG_WARNING, "guest memory at 0x%" PRIx64 " holds a VMCOREINFO "
					    "text of Linux %s, but the utsname it places at init_uts_ns is not there: left "
					    "out", s->addr[i], rel);
			free(t);
			continue;
		}
		f[n].crashtime = gc_vmci_value(t, len, "CRASHTIME", why, sizeof(why));
		n++;
	}
	if (refused > 4)
		gc_host_log(d->host, GUESTCORE_LOG_WARNING, "%zu more pages of guest memory begin as a VMCOREINFO text "
			    "but are not one: left out", refused - 4);
	if (s->more)
		gc_host_log(d->host, GUESTCORE_LOG_WARNING, "%" PRIu64 " pages of guest memory past the first %u that "
			    "begin as a VMCOREINFO text were not looked at", s->more, GC_VMCI_PAGES);
	if (n > 1)
		qsort(f, n, sizeof(*f), found_cmp);
	if (n == 0) {
		gc_host_log(d->host, d->o.vmcoreinfo == GUESTCORE_VMCOREINFO_MEMORY ? GUESTCORE_LOG_WARNING
			    : GUESTCORE_LOG_INFO, "no VMCOREINFO text in guest memory: the core has none "
			    "(--vmcoreinfo=FILE gives one)");
	} else {
		char rel[65], other[65];

		release_of(&f[0], rel, sizeof(rel));
		if (n > 1) {
			release_of(&f[1], other, sizeof(other));
			gc_host_log(d->host, GUESTCORE_LOG_WARNING, "guest memory holds %zu VMCOREINFO texts: took Linux %s "
				    "at 0x%" PRIx64 "%s, not Linux %s at 0x%" PRIx64 "%s (guestcore(1): how one is "
				    "chosen; --vmcoreinfo=FILE gives another)", n, rel, f[0].addr,
				    f[0].verified ? ", whose utsname is where it says" : "", other, f[1].addr,
				    f[1].crashtime ? ", which crashed" : "");
		}
		gc_host_log(d->host, GUESTCORE_LOG_INFO, "VMCOREINFO of Linux %s found in guest memory at 0x%" PRIx64
			    " (%u %s)", rel, f[0].addr, f[0].copies, f[0].copies == 1 ? "copy" : "copies");
		d->vmci_text = f[0].text;
		d->vmci_len = f[0].len;
		f[0].text = NULL;
		d->vmci_addr = f[0].addr;
		d->vmci_found = (uint32_t)n;
		d->vmci_origin = GC_VMCI_FROM_MEMORY;
		r = gc_notes_add_vmcoreinfo(d);
	}
	for (size_t i = 0; i < n; i++)
		free(f[i].text);
	free(f);
	scan_free(d);
	return r;
}

static int kread(void *ctx, uint64_t pa, void *buf, size_t len)
{
	return read_quiet(ctx, pa, buf, len);
}

void gc_vmci_window(struct gc_dump *d)
{
	const struct gc_note *n = gc_notes_vmcoreinfo(d);
	const struct gc_kread rd = { kread, d };

	/* Only a container that left room for the image's PT_LOADs. */
	if (!n || d->n_phdr_room <= d->n_phdrs)
		return;
	gc_kernel_map(d->info.e_machine, n->desc, n->desc_size, &rd, &d->kmap);
	if (d->kmap.image_set)
		gc_host_log(d->host, GUESTCORE_LOG_INFO, "the kernel image's mapping: 0x%" PRIx64 " bytes at virtual "
			    "0x%" PRIx64 ", guest-physical 0x%" PRIx64, d->kmap.image.size, d->kmap.image.vaddr,
			    d->kmap.image.paddr);
	if (d->kmap.direct_set)
		gc_host_log(d->host, GUESTCORE_LOG_INFO, "the kernel's direct map: virtual 0x%" PRIx64 " is guest-physical "
			    "0x%" PRIx64, d->kmap.direct.vaddr, d->kmap.direct.paddr);
}

void gc_vmci_free(struct gc_dump *d)
{
	scan_free(d);
	free(d->vmci_text);
	d->vmci_text = NULL;
}
