/* A plugin compiled from a frozen copy of the first plugin ABI headers
 * (tests/abi/v1.0/), never from sdk/include: every later host must keep
 * loading it and producing the same core (tests/abi/run-v1.sh).  It is a
 * memory source ("v1guest": two RAM ranges of a pattern, one vCPU) and a note
 * provider ("v1notes": VBCORE and VBCPU, with a field set through the host's
 * note-builder service). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <guestcore/plugin.h> /* -I tests/abi/v1.0 */

struct guestcore_source {
	int unused;
};

static struct guestcore_source the_source;

static int v1_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	if (spec && *spec) {
		if (GUESTCORE_HOST_HAS(host, set_error))
			host->set_error(host->handle, "v1guest takes no arguments");
		return -EINVAL;
	}
	*ret = &the_source;
	return 0;
}

static void v1_close(struct guestcore_source *s)
{
	(void)s;
}

static int v1_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	(void)s;
	info->e_machine = 62; /* EM_X86_64 */
	info->cpu_count = 1;
	info->description = "frozen ABI 1.0 test guest";
	return 0;
}

static int v1_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *r)
{
	(void)s;
	if (i >= 2)
		return -ENOENT;
	r->kind = GUESTCORE_RANGE_RAM;
	r->start = i * 0x100000;
	r->length = 0x4000;
	r->fd = -1;
	return 0;
}

static int v1_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)s;
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)((addr + i) * 7 + ((addr + i) >> 12));
	return 0;
}

static int v1_reg(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	(void)s;
	if (cpu != 0)
		return -ENOENT;
	if (strcmp(name, "reg.rip") == 0)
		*ret = 0xffffffff81000000ull;
	else if (strcmp(name, "reg.cr0") == 0)
		*ret = 0x80050033;
	else if (strcmp(name, "reg.cs.sel") == 0)
		*ret = 0x10;
	else
		return -ENOENT;
	return 0;
}

static const struct guestcore_memory_source_ops v1_source = {
	.size = sizeof(v1_source),
	.open = v1_open,
	.close = v1_close,
	.describe = v1_describe,
	.get_range = v1_range,
	.read = v1_read,
	.get_register = v1_reg,
};

static const char *const v1_layouts[] = { "vbox.core", "vbox.cpu", NULL };

static const char *const *v1_list(const struct guestcore_host_api *host, uint16_t machine)
{
	(void)host;
	(void)machine;
	return v1_layouts;
}

static int v1_fill(const struct guestcore_host_api *host, struct guestcore_note_builder *nb)
{
	const char *id = NULL;

	if (!GUESTCORE_HOST_HAS(host, note_info) || !GUESTCORE_HOST_HAS(host, note_set_u64))
		return -ENOTSUP;
	host->note_info(nb, &id, NULL);
	if (strcmp(id, "vbox.core") == 0)
		return host->note_set_u64(nb, "u32VBoxRevision", 100);
	return 0;
}

static const struct guestcore_note_provider_ops v1_notes = {
	.size = sizeof(v1_notes),
	.layouts = v1_list,
	.fill = v1_fill,
};

static const void *v1_iface(const char *name)
{
	if (strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0)
		return &v1_source;
	if (strcmp(name, GUESTCORE_IFACE_NOTE_PROVIDER) == 0)
		return &v1_notes;
	return NULL;
}

static const struct guestcore_plugin_descriptor v1_desc = {
	.size = sizeof(v1_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_MAKE(1, 0),
	.name = "v1",
	.version = "1.0",
	.description = "built from the frozen plugin ABI 1.0 headers",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE | GUESTCORE_CAP_NOTE_PROVIDER,
	.get_interface = v1_iface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &v1_desc;
	return 0;
}
