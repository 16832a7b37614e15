/* libFuzzer target: any byte sequence as a core file.  Opens it, lists
 * segments and notes, decodes every note with its layout, validates it and
 * reads guest-physical windows; none of it may crash, read outside the file
 * or take unbounded time or memory. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <guestcore/guestcore.h>

static struct guestcore_layouts *layouts;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (guestcore_layouts_new(FUZZ_SCHEMAS "/note-layout.xsd", &layouts) < 0 ||
	    guestcore_layouts_load_dir(layouts, FUZZ_SCHEMAS, NULL, NULL) != 0) {
		fprintf(stderr, "fuzz_core: cannot load the layouts in %s\n", FUZZ_SCHEMAS);
		abort();
	}
	return 0;
}

static int visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	volatile uint64_t *sink = ud;

	*sink += v->u + fi->offset + (v->len ? ((const unsigned char *)v->bytes)[v->len - 1] : 0);
	return 0;
}

static void finding(void *ud, const struct guestcore_finding *f)
{
	volatile uint64_t *sink = ud;

	*sink += f->offset + f->message[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guestcore_core *core = NULL;
	struct guestcore_core_info info = { .sz = sizeof(info) };
	volatile uint64_t sink = 0;
	unsigned char buf[256];
	int fd = memfd_create("fuzz-core", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || guestcore_core_open_fd(fd, layouts, &core, NULL, 0) < 0) {
		close(fd);
		return 0;
	}
	guestcore_core_info(core, &info);
	{
		struct guestcore_kdump_info kd = { .sz = sizeof(kd) };
		if (guestcore_core_kdump_info(core, &kd) == 0)
			sink += kd.max_mapnr + kd.dumped_pages + (unsigned char)kd.utsname[4][0];
	}
	for (size_t i = 0; i < info.segments; i++) {
		struct guestcore_segment s = { .sz = sizeof(s) };
		guestcore_core_segment(core, i, &s);
		if (i >= 8)
			continue;
		guestcore_core_read_phys(core, s.paddr, buf, sizeof(buf), true, NULL, 0);
#ifdef FUZZ_EVERY_PAGE
		/* every page of the run, up to 64, across page boundaries too */
		for (uint64_t a = 4096 - 16; a < s.memsz && a < 64 * 4096; a += 4096)
			guestcore_core_read_phys(core, s.paddr + a, buf, sizeof(buf), false, NULL, 0);
#endif
	}
	for (size_t i = 0; i < info.notes; i++) {
		struct guestcore_note_ref n = { .sz = sizeof(n) };
		guestcore_core_note(core, i, &n);
		if (n.layout)
			guestcore_note_decode(n.layout, n.desc, n.descsz, info.big_endian, visit, (void *)&sink, NULL, 0);
	}
	guestcore_core_validate(core, GUESTCORE_PROFILE_STRICT, finding, (void *)&sink);
	guestcore_core_close(core);
	close(fd);
	return 0;
}
