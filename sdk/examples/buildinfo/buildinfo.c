/* Example note provider, built out of tree against the installed SDK:
 * adds the hypervisor's build information to every core as a note of its
 * own, "ACMEHV", whose layout ships beside the plugin (buildinfo.xml).
 *
 *   make && guestcore -P . dump --source ... --notes vbox,buildinfo -o core
 *
 * The layout says what the note looks like; this plugin only fills the
 * fields no binding covers. */
#include <errno.h>
#include <string.h>

#include <guestcore/plugin.h>

#define BUILD_ID "acme-hv 3.2.1 (example build)"

static const char *const layouts[] = { "acme.buildinfo", NULL };

static const char *const *buildinfo_layouts(const struct guestcore_host_api *host, uint16_t e_machine)
{
	(void)host;
	(void)e_machine;
	return layouts; /* every machine */
}

static int buildinfo_fill(const struct guestcore_host_api *host, struct guestcore_note_builder *nb)
{
	int r;

	if (!GUESTCORE_HOST_HAS(host, note_set_bytes) || !GUESTCORE_HOST_HAS(host, note_set_u64))
		return -ENOTSUP;
	r = host->note_set_bytes(nb, "build", BUILD_ID, strlen(BUILD_ID));
	if (r == 0)
		r = host->note_set_u64(nb, "api_level", 7);
	if (r < 0 && GUESTCORE_HOST_HAS(host, set_error))
		host->set_error(host->handle, "cannot fill the ACMEHV note: is buildinfo.xml beside the plugin?");
	return r;
}

static const struct guestcore_note_provider_ops buildinfo_ops = {
	.size = sizeof(buildinfo_ops),
	.layouts = buildinfo_layouts,
	.fill = buildinfo_fill,
};

static const void *buildinfo_interface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_NOTE_PROVIDER) == 0 ? &buildinfo_ops : NULL;
}

static const struct guestcore_plugin_descriptor buildinfo_desc = {
	.size = sizeof(buildinfo_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "buildinfo",
	.version = "1.0",
	.description = "example: the hypervisor's build information as an ACMEHV note",
	.capabilities = GUESTCORE_CAP_NOTE_PROVIDER,
	.get_interface = buildinfo_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &buildinfo_desc;
	return 0;
}
