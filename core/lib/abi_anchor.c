/* guestcore_plugin_abi_anchor(): an exported function whose signature
 * reaches every struct of the plugin ABI, for the ABI baseline. */
#include "config.h"

#include "internal.h"

GUESTCORE_API int guestcore_plugin_abi_anchor(const struct guestcore_host_api *host,
					      const struct guestcore_plugin_descriptor *descriptor,
					      const struct guestcore_memory_source_ops *source,
					      const struct guestcore_guest_info *guest,
					      const struct guestcore_range *range,
					      const struct guestcore_note_provider_ops *provider)
{
	return !!host + !!descriptor + !!source + !!guest + !!range + !!provider;
}
