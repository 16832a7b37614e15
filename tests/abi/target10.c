/* A memory source built from the current SDK headers that states the oldest
 * ABI it needs: with -DGUESTCORE_PLUGIN_ABI_TARGET_MINOR=0 it targets 1.0
 * and loads in a 1.0 host (tests/abi/host10.c), checking at run time what
 * the host offers before it uses anything of 1.1; without it, it needs 1.1
 * and a 1.0 host refuses it.  Built from the frozen 1.1 headers
 * (tests/abi/v1.1/) it is the plugin that every later host must keep
 * loading.  Its memory is 4 KiB of a pattern at 0x1000. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <guestcore/plugin.h>

#ifndef T_NAME
#define T_NAME "target10"
#endif

struct guestcore_source {
	const struct guestcore_host_api *host;
	char description[200];
};

static const struct guestcore_host_api *the_host;

static void say(const char *text)
{
	if (GUESTCORE_HOST_HAS(the_host, log))
		the_host->log(the_host->handle, GUESTCORE_LOG_INFO, "%s", text);
}

static int t_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));

	(void)spec;
	if (!s)
		return -ENOMEM;
	s->host = host;
	/* ABI 1.1 only where the host speaks it. */
	if (GUESTCORE_HOST_ABI_AT_LEAST(host, 1, 1) && GUESTCORE_HOST_HAS(host, host_info)) {
		struct guestcore_host_info hi = { .size = sizeof(hi) };
		if (host->host_info(host->handle, &hi) == 0 && GUESTCORE_STRUCT_HAS(&hi, struct guestcore_host_info, version))
			snprintf(s->description, sizeof(s->description), "%s, in %s %s (ABI %u.%u, oldest %u.%u)%s",
				 T_NAME, hi.name, hi.version, GUESTCORE_PLUGIN_ABI_GET_MAJOR(hi.abi_version),
				 GUESTCORE_PLUGIN_ABI_GET_MINOR(hi.abi_version), GUESTCORE_PLUGIN_ABI_GET_MAJOR(hi.abi_oldest),
				 GUESTCORE_PLUGIN_ABI_GET_MINOR(hi.abi_oldest),
				 GUESTCORE_HOST_HAS(host, host_offers) && host->host_offers(host->handle, "service:cancelled")
					 ? ", offers cancelled" : "");
	} else {
		snprintf(s->description, sizeof(s->description), "%s, in a host of ABI %u.%u: no host_info", T_NAME,
			 GUESTCORE_PLUGIN_ABI_GET_MAJOR(host->abi_version), GUESTCORE_PLUGIN_ABI_GET_MINOR(host->abi_version));
	}
	say(s->description);
	*ret = s;
	return 0;
}

static void t_close(struct guestcore_source *s)
{
	free(s);
}

static int t_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	/* Every field written only where the host's struct holds it. */
	if (GUESTCORE_STRUCT_HAS(info, struct guestcore_guest_info, e_machine))
		info->e_machine = 62;
	if (GUESTCORE_STRUCT_HAS(info, struct guestcore_guest_info, cpu_count))
		info->cpu_count = 0;
	if (GUESTCORE_STRUCT_HAS(info, struct guestcore_guest_info, description))
		info->description = s->description;
	return 0;
}

static int t_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *r)
{
	(void)s;
	if (i > 0)
		return -ENOENT;
	r->kind = GUESTCORE_RANGE_RAM;
	r->start = 0x1000;
	r->length = 0x1000;
	r->fd = -1;
	if (GUESTCORE_STRUCT_HAS(r, struct guestcore_range, file_offset))
		r->file_offset = 0;
	return 0;
}

static int t_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)s;
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(addr + i);
	return 0;
}

static int t_reg(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	(void)s;
	(void)cpu;
	(void)name;
	(void)ret;
	return -ENOENT;
}

static const struct guestcore_memory_source_ops t_ops = {
	.size = sizeof(t_ops),
	.open = t_open,
	.close = t_close,
	.describe = t_describe,
	.get_range = t_range,
	.read = t_read,
	.get_register = t_reg,
};

static const void *t_iface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0 ? &t_ops : NULL;
}

static const struct guestcore_plugin_descriptor t_desc = {
	.size = sizeof(t_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = T_NAME,
	.version = "1.1",
	.description = "states the oldest plugin ABI it needs",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = t_iface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	the_host = host;
	*ret_desc = &t_desc;
	return 0;
}
