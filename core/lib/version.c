/* Library and ABI version queries. */
#include "config.h"

#include "internal.h"

GUESTCORE_API const char *guestcore_version(void)
{
	return PACKAGE_VERSION;
}

GUESTCORE_API uint32_t guestcore_plugin_abi_version(void)
{
	return GUESTCORE_PLUGIN_ABI_VERSION;
}

GUESTCORE_API const char *guestcore_installed_plugin_dir(void)
{
	return GC_PLUGINDIR;
}
