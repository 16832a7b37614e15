/* A plugin host that speaks exactly plugin ABI 1.0, built from the frozen
 * 1.0 headers (tests/abi/v1.0/) without libguestcore, as an old guestcore
 * would be: it loads PLUGIN.so, applies the 1.0 version rule, and reads the
 * first range of its memory source.
 *   host10 PLUGIN.so
 * Prints "loaded NAME (ABI M.m): DESCRIPTION; BYTES..." and exits 0, or one
 * sentence of refusal and exits 1. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <guestcore/plugin.h> /* -I tests/abi/v1.0 */

struct guestcore_host_handle {
	char error[256];
};

static void h_log(struct guestcore_host_handle *h, enum guestcore_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)h;
	(void)level;
	va_start(ap, fmt);
	fputs("log: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static void h_set_error(struct guestcore_host_handle *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	static struct guestcore_host_handle handle;
	struct guestcore_host_api api = {
		.size = sizeof(api),
		.abi_version = GUESTCORE_PLUGIN_ABI_VERSION,
		.handle = &handle,
		.log = h_log,
		.set_error = h_set_error,
	};
	const struct guestcore_plugin_descriptor *desc = NULL;
	const struct guestcore_memory_source_ops *ops;
	struct guestcore_source *src = NULL;
	struct guestcore_guest_info info = { .size = sizeof(info) };
	struct guestcore_range range = { .size = sizeof(range), .fd = -1 };
	guestcore_plugin_entry_fn entry;
	unsigned char buf[8];
	void *dl;

	if (argc != 2 || GUESTCORE_PLUGIN_ABI_MINOR != 0) {
		fprintf(stderr, "usage: host10 PLUGIN.so (built from the 1.0 headers)\n");
		return 2;
	}
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		printf("refused: %s\n", dlerror());
		return 1;
	}
	*(void **)&entry = dlsym(dl, GUESTCORE_PLUGIN_ENTRY_NAME);
	if (!entry || entry(&api, &desc) != 0 || !desc || desc->size < GUESTCORE_PLUGIN_DESCRIPTOR_MIN_SIZE) {
		printf("refused: %s has no usable entry or descriptor\n", argv[1]);
		return 1;
	}
	/* The 1.0 rule: the same major, and a minor no newer than ours. */
	if (GUESTCORE_PLUGIN_ABI_GET_MAJOR(desc->abi_version) != GUESTCORE_PLUGIN_ABI_MAJOR ||
	    GUESTCORE_PLUGIN_ABI_GET_MINOR(desc->abi_version) > GUESTCORE_PLUGIN_ABI_MINOR) {
		printf("refused: %s needs plugin ABI %u.%u; this host speaks %u.%u\n", argv[1],
		       GUESTCORE_PLUGIN_ABI_GET_MAJOR(desc->abi_version), GUESTCORE_PLUGIN_ABI_GET_MINOR(desc->abi_version),
		       GUESTCORE_PLUGIN_ABI_MAJOR, GUESTCORE_PLUGIN_ABI_MINOR);
		return 1;
	}
	ops = desc->get_interface ? desc->get_interface(GUESTCORE_IFACE_MEMORY_SOURCE) : NULL;
	if (!ops || ops->size < sizeof(*ops) - sizeof(ops->get_register_bytes) || ops->open(&api, "", &src) != 0 ||
	    ops->describe(src, &info) != 0 || ops->get_range(src, 0, &range) != 0 ||
	    ops->read(src, range.start, buf, sizeof(buf)) != 0) {
		printf("failed: %s: %s\n", argv[1], handle.error);
		return 1;
	}
	printf("loaded %s (ABI %u.%u): %s; %02x %02x %02x %02x at 0x%llx\n", desc->name,
	       GUESTCORE_PLUGIN_ABI_GET_MAJOR(desc->abi_version), GUESTCORE_PLUGIN_ABI_GET_MINOR(desc->abi_version),
	       info.description, buf[0], buf[1], buf[2], buf[3], (unsigned long long)range.start);
	ops->close(src);
	dlclose(dl);
	return 0;
}
