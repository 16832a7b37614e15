/* A plugin with a function named like a host export (guestcore_version) and
 * exported: linked with -Wl,-Bsymbolic, as the SDK's pkg-config file says,
 * its own calls reach its own function, not the host's. */
#include <stdio.h>
#include <string.h>

#include <guestcore/plugin.h>

GUESTCORE_PLUGIN_EXPORT const char *guestcore_version(void);
GUESTCORE_PLUGIN_EXPORT const char *guestcore_version(void)
{
	return "the plugin's own";
}

static char description[128];

static const struct guestcore_plugin_descriptor desc = {
	.size = sizeof(desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "interpose",
	.version = "1.0",
	.description = description,
	.capabilities = GUESTCORE_CAP_NOTE_PROVIDER,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	snprintf(description, sizeof(description), "own guestcore_version: %s", guestcore_version());
	*ret_desc = &desc;
	return 0;
}
