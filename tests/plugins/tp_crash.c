/* A memory source that crashes in describe() (or, built with TP_HANG, hangs
 * there; with TP_EXIT, calls exit(0) there), for plugin-check's test: the
 * checker must survive it and name what happened and the step. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guestcore/plugin.h>

struct guestcore_source {
	int x;
};

static struct guestcore_source one;

static int c_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	(void)host;
	(void)spec;
	*ret = &one;
	return 0;
}

static void c_close(struct guestcore_source *s)
{
	(void)s;
}

static int c_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	(void)s;
	(void)info;
#if defined(TP_HANG)
	for (;;)
		pause();
#elif defined(TP_EXIT)
	exit(0);
#else
	raise(SIGSEGV); /* as a NULL dereference would */
#endif
	return 0;
}

static int c_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *r)
{
	(void)s;
	(void)i;
	(void)r;
	return -ENOENT;
}

static int c_read(struct guestcore_source *s, uint64_t a, void *b, size_t n)
{
	(void)s;
	(void)a;
	(void)b;
	(void)n;
	return -EIO;
}

static int c_reg(struct guestcore_source *s, uint32_t c, const char *n, uint64_t *v)
{
	(void)s;
	(void)c;
	(void)n;
	(void)v;
	return -ENOENT;
}

static const struct guestcore_memory_source_ops ops = {
	.size = sizeof(ops), .open = c_open, .close = c_close, .describe = c_describe,
	.get_range = c_range, .read = c_read, .get_register = c_reg,
};

static const void *iface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0 ? &ops : NULL;
}

static const struct guestcore_plugin_descriptor desc = {
	.size = sizeof(desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "crash",
	.version = "1",
	.description = "crashes in describe",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = iface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &desc;
	return 0;
}
