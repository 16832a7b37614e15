/* libFuzzer target: any byte sequence as a layout file.  Loads it (XSD, then
 * the semantic checks) and, when it loads, encodes every note it defines and
 * decodes the result and truncations of it. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <guestcore/guestcore.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int value(void *ud, const char *binding, struct guestcore_value *ret)
{
	(void)ud;
	if (strcmp(binding, "reg.xsave") == 0 || strcmp(binding, "reg.vregs") == 0 || strncmp(binding, "host.tool", 9) == 0) {
		ret->bytes = "fuzz";
		ret->len = 4;
		return 0;
	}
	ret->u = strlen(binding) & 0x7f;
	return 0;
}

static int visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	(void)ud;
	(void)fi;
	(void)v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guestcore_layouts *set = NULL;
	char path[64];
	int fd = memfd_create("fuzz-layout", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (guestcore_layouts_new(FUZZ_SCHEMAS "/note-layout.xsd", &set) == 0 &&
	    guestcore_layouts_load_file(set, path, NULL, NULL) == 0) {
		for (size_t i = 0; i < guestcore_layouts_count(set); i++) {
			const struct guestcore_note_layout *nl = guestcore_layouts_at(set, i);
			struct guestcore_layout_info li = { .sz = sizeof(li) };
			struct guestcore_encode_opts o = { .sz = sizeof(o), .value = value };
			unsigned char *buf;
			size_t n = 0;

			guestcore_note_layout_info(nl, &li);
			buf = malloc(li.size ? li.size : 1);
			if (buf && guestcore_note_encode(nl, &o, buf, li.size, &n, NULL, 0) == 0) {
				guestcore_note_decode(nl, buf, n, false, visit, NULL, NULL, 0);
				guestcore_note_decode(nl, buf, n / 2, true, visit, NULL, NULL, 0);
			}
			free(buf);
		}
	}
	guestcore_layouts_free(set);
	close(fd);
	return 0;
}
