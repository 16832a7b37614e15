/* A memory source for tests, built by the test suite.  Its memory is a
 * pattern computed from the address (every fourth page all zeros), so the
 * reader can check any byte without a file.
 *
 *   test:ranges=N,size=BYTES[,gap=BYTES][,cpus=N][,mmio=K][,bad=ADDR+LEN]
 *        [,fail=ADDR][,slow=MS][,state=PATH][,machine=i386][,overrun=info|range]
 *        [,file=PATH][,change=N][,note=NAME:TYPE:TEXT]...
 *
 * ranges of SIZE bytes, GAP bytes apart; every K-th range MMIO; reads of
 * [ADDR, ADDR+LEN) give -EIO; a read at FAIL gives -ENXIO (a hard error);
 * each read sleeps MS; pause and resume append "pause"/"resume" lines to
 * PATH.  With file=PATH the ranges are that file's bytes at their guest
 * address (a sparse file makes a guest of holes).  With change=N, the ranges
 * listed after the N-th get_range call are half as long (a source whose map
 * changes during the dump).  Each note= (up to 4) is a note the guest
 * carries itself (get_note, ABI 1.2): TEXT is its descriptor (\n in it a
 * newline); notes=N:SIZE
 * adds N notes "TESTNOTE" of SIZE bytes each after them (limits tests).
 *
 * push=ooo makes it a source that pushes its memory (push_memory, ABI
 * 1.3): every page first as 0xa5 bytes in reverse order, then as it is in
 * an order of its own (a stride through the pages), the zero pages as
 * zeros with no bytes: the last one must win.  With file= as well, the
 * even ranges are the file's (read by the host) and the odd ones pushed
 * from it.  push=cut pushes half of the first range and fails as a stream
 * cut in the middle would.  state= records "push" and the first
 * "registers" call, so a test sees that registers come after memory.
 * push=ooo,stale-vmcoreinfo begins each 0xa5 page of the first pass with a
 * VMCOREINFO text ("OSRELEASE=stale"): pages that look like the kernel's
 * VMCOREINFO until the second pass overwrites them. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <guestcore/plugin.h>

#include "tp_pattern.h"

struct guestcore_source {
	const struct guestcore_host_api *host;
	uint64_t ranges, size, gap, mmio, bad, bad_len, fail, slow_ms;
	uint32_t cpus;
	uint16_t machine;
	int overrun;       /* 1: describe, 2: get_range write a field past the host's size */
	char state[512];
	int fd;            /* file=, or -1 */
	uint64_t change, calls;
	struct guestcore_source_note notes[4];
	char note_text[4][128];
	char note_name[4][32];
	size_t n_notes;
	int push;          /* 1: push=ooo, 2: push=cut */
	bool stale_vmci;   /* stale-vmcoreinfo */
	uint64_t gen_notes, gen_size; /* notes=N:SIZE */
	unsigned char *gen_desc;
	int said_registers;
};

static void note_state(struct guestcore_source *s, const char *what)
{
	FILE *f;

	if (!s->state[0] || !(f = fopen(s->state, "a")))
		return;
	fprintf(f, "%s\n", what);
	fclose(f);
}

static void ts_close(struct guestcore_source *s);

static int ts_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	char *copy = strdup(spec), *save = NULL;

	if (!s || !copy) {
		free(s);
		free(copy);
		return -ENOMEM;
	}
	s->host = host;
	s->ranges = 1;
	s->size = 1 << 20;
	s->fail = UINT64_MAX;
	s->machine = EM_X86_64;
	s->fd = -1;
	s->change = UINT64_MAX;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned long long a, b;
		if (sscanf(t, "ranges=%llu", &a) == 1)
			s->ranges = a;
		else if (sscanf(t, "size=%lli", (long long *)&a) == 1)
			s->size = a;
		else if (sscanf(t, "gap=%lli", (long long *)&a) == 1)
			s->gap = a;
		else if (sscanf(t, "cpus=%llu", &a) == 1)
			s->cpus = (uint32_t)a;
		else if (sscanf(t, "mmio=%llu", &a) == 1)
			s->mmio = a;
		else if (sscanf(t, "bad=%lli+%lli", (long long *)&a, (long long *)&b) == 2) {
			s->bad = a;
			s->bad_len = b;
		} else if (sscanf(t, "fail=%lli", (long long *)&a) == 1)
			s->fail = a;
		else if (sscanf(t, "slow=%llu", &a) == 1)
			s->slow_ms = a;
		else if (strncmp(t, "state=", 6) == 0)
			snprintf(s->state, sizeof(s->state), "%s", t + 6);
		else if (sscanf(t, "change=%llu", &a) == 1)
			s->change = a;
		else if (strncmp(t, "file=", 5) == 0 && s->fd < 0) {
			s->fd = open(t + 5, O_RDONLY | O_CLOEXEC);
			if (s->fd < 0) {
				int e = errno;
				host->set_error(host->handle, "test source: cannot open %s: %s", t + 5, strerror(e));
				free(copy);
				ts_close(s);
				return -e;
			}
		} else if (strncmp(t, "note=", 5) == 0 && s->n_notes < 4) {
			size_t k = s->n_notes++;
			unsigned type = 0;
			if (sscanf(t + 5, "%31[^:]:%u:%127[^,]", s->note_name[k], &type, s->note_text[k]) != 3) {
				host->set_error(host->handle, "test source: note=NAME:TYPE:TEXT");
				free(copy);
				ts_close(s); /* and what an earlier option opened */
				return -EINVAL;
			}
			for (char *c = s->note_text[k]; (c = strstr(c, "\\n"));) { /* \n: a newline */
				*c = '\n';
				memmove(c + 1, c + 2, strlen(c + 2) + 1);
			}
			s->notes[k] = (struct guestcore_source_note){ .size = sizeof(s->notes[k]), .type = type,
								       .name = s->note_name[k], .desc = s->note_text[k],
								       .desc_size = strlen(s->note_text[k]) };
		} else if (strcmp(t, "machine=i386") == 0)
			s->machine = EM_386;
		else if (strcmp(t, "overrun=info") == 0)
			s->overrun = 1;
		else if (strcmp(t, "overrun=range") == 0)
			s->overrun = 2;
		else if (sscanf(t, "notes=%llu:%lli", &a, (long long *)&b) == 2) {
			s->gen_notes = a;
			s->gen_size = b;
			free(s->gen_desc);
			s->gen_desc = malloc(b ? b : 1);
			if (!s->gen_desc) {
				free(copy);
				ts_close(s); /* and what an earlier option opened */
				return -ENOMEM;
			}
			memset(s->gen_desc, 'n', b);
		} else if (strcmp(t, "push=ooo") == 0)
			s->push = 1;
		else if (strcmp(t, "push=cut") == 0)
			s->push = 2;
		else if (strcmp(t, "stale-vmcoreinfo") == 0)
			s->stale_vmci = true;
		else {
			host->set_error(host->handle, "test source: unknown option '%s'", t);
			free(copy);
			ts_close(s); /* and what an earlier option opened */
			return -EINVAL;
		}
	}
	free(copy);
	*ret = s;
	return 0;
}

static void ts_close(struct guestcore_source *s)
{
	free(s->gen_desc);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static int ts_pause(struct guestcore_source *s)
{
	note_state(s, "pause");
	return 0;
}

static int ts_resume(struct guestcore_source *s)
{
	note_state(s, "resume");
	return 0;
}

static int ts_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	info->e_machine = s->machine;
	info->cpu_count = s->cpus;
	info->description = "test source";
	if (s->push)
		info->flags = GUESTCORE_GUEST_PUSHES;
	if (s->overrun == 1) /* as a plugin built for a newer ABI, ignoring info->size */
		memset((char *)info + info->size, 0x5a, 8);
	return 0;
}

static int ts_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *r)
{
	if (i >= s->ranges)
		return -ENOENT;
	if (s->overrun == 2)
		memset((char *)r + r->size, 0x5a, 8);
	r->start = i * (s->size + s->gap);
	r->length = ++s->calls > s->change ? s->size / 2 : s->size;
	r->kind = s->mmio && i % s->mmio == s->mmio - 1 ? GUESTCORE_RANGE_MMIO : GUESTCORE_RANGE_RAM;
	r->fd = s->push && (s->fd < 0 || i % 2) ? -1 : s->fd;
	r->file_offset = r->start;
	return 0;
}

/* The guest's bytes at ADDR, as read() or the push give them. */
static int guest_bytes(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = buf;

	if (s->slow_ms) {
		struct timespec ts = { (time_t)(s->slow_ms / 1000), (long)(s->slow_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (s->fail >= addr && s->fail < addr + len) {
		s->host->set_error(s->host->handle, "the test source's backing store went away");
		return -ENXIO;
	}
	if (s->bad_len && addr < s->bad + s->bad_len && addr + len > s->bad)
		return -EIO;
	if (s->fd >= 0)
		return pread(s->fd, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EIO;
	for (size_t i = 0; i < len; i++)
		p[i] = tp_pattern(addr + i);
	return 0;
}

static int ts_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	if (s->push && (s->fd < 0 || (addr / (s->size + s->gap)) % 2)) {
		/* ABI 1.3: the host never reads what a source pushes */
		s->host->set_error(s->host->handle, "the test source was asked to read 0x%llx, in a range it pushes",
				   (unsigned long long)addr);
		return -ENOTSUP;
	}
	return guest_bytes(s, addr, buf, len);
}

static int ts_reg(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	uint64_t h = tp_reg(cpu, name);

	if (!s->said_registers++)
		note_state(s, "registers");
	if (s->machine == EM_386)
		h &= 0xffffffffu; /* a 32-bit guest's registers */
	*ret = h;
	return 0;
}

static int ts_note(struct guestcore_source *s, uint64_t i, struct guestcore_source_note *ret)
{
	uint32_t size = ret->size;

	if (i >= s->n_notes + s->gen_notes)
		return -ENOENT;
	if (i >= s->n_notes) {
		const struct guestcore_source_note g = { .size = sizeof(g), .type = (uint32_t)(i - s->n_notes),
							 .name = "TESTNOTE", .desc = s->gen_desc, .desc_size = s->gen_size };
		memcpy(ret, &g, size < sizeof(*ret) ? size : sizeof(*ret));
		ret->size = size;
		return 0;
	}
	memcpy(ret, &s->notes[i], size < sizeof(*ret) ? size : sizeof(*ret));
	ret->size = size;
	return 0;
}

/* The page at ADDR as the guest holds it (LEN bytes, less at a range's end). */
static int page_bytes(struct guestcore_source *s, uint64_t addr, unsigned char *buf, size_t len)
{
	return guest_bytes(s, addr, buf, len);
}

static int ts_push(struct guestcore_source *s, struct guestcore_memory_sink *sink)
{
	unsigned char page[4096];
	int r = 0;

	note_state(s, "push");
	for (uint64_t i = 0; i < s->ranges && r == 0; i++) {
		struct guestcore_range rg = { .size = sizeof(rg) };
		uint64_t pages, stride = 7;

		ts_range(s, i, &rg);
		if (rg.kind == GUESTCORE_RANGE_MMIO || rg.fd >= 0)
			continue;
		pages = (rg.length + 4095) / 4096;
		if (s->push == 2) {
			for (uint64_t p = 0; p < pages / 2 && r == 0; p++)
				if ((r = page_bytes(s, rg.start + p * 4096, page, 4096)) == 0)
					r = sink->write(sink, rg.start + p * 4096, page, 4096);
			if (r == 0) {
				s->host->set_error(s->host->handle, "the test source's stream ended in the middle");
				r = -EPIPE;
			}
			break;
		}
		memset(page, 0xa5, sizeof(page));
		if (s->stale_vmci)
			memcpy(page, "OSRELEASE=stale\nPAGESIZE=4096\n", 31);
		for (uint64_t p = pages; p-- > 0 && r == 0;) {
			uint64_t at = rg.start + p * 4096;
			r = sink->write(sink, at, page, rg.start + rg.length - at < 4096 ? rg.start + rg.length - at : 4096);
		}
		while (pages % stride == 0)
			stride += 2;
		for (uint64_t k = 0, p = 0; k < pages && r == 0; k++, p = (p + stride) % pages) {
			uint64_t at = rg.start + p * 4096;
			size_t n = rg.start + rg.length - at < 4096 ? (size_t)(rg.start + rg.length - at) : 4096;
			bool zero = true;

			if (s->slow_ms) {
				struct timespec ts = { (time_t)(s->slow_ms / 1000), (long)(s->slow_ms % 1000) * 1000000L };
				nanosleep(&ts, NULL);
			}
			if ((r = page_bytes(s, at, page, n)) < 0)
				break;
			for (size_t b = 0; b < n && zero; b++)
				zero = page[b] == 0;
			r = sink->write(sink, at, zero ? NULL : page, n);
		}
	}
	return r;
}

static const struct guestcore_memory_source_ops ts_ops = {
	.size = sizeof(ts_ops),
	.open = ts_open,
	.close = ts_close,
	.pause = ts_pause,
	.resume = ts_resume,
	.describe = ts_describe,
	.get_range = ts_range,
	.read = ts_read,
	.get_register = ts_reg,
	.get_note = ts_note,
	.push_memory = ts_push,
};

static const void *ts_iface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0 ? &ts_ops : NULL;
}

static const struct guestcore_plugin_descriptor ts_desc = {
	.size = sizeof(ts_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "test",
	.version = "1",
	.description = "pattern memory for tests",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = ts_iface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &ts_desc;
	return 0;
}
