/* guestcore_plugin_abi_anchor() and guestcore_abi_anchor(): exported
 * functions whose signatures reach every struct of the plugin ABI and every
 * public enum and options struct, so that the abidw baseline (sdk/abi/)
 * holds them all and abidiff sees any change. */
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

GUESTCORE_API int guestcore_abi_anchor(enum guestcore_plugin_capability capability, enum guestcore_log_level level,
				       enum guestcore_range_kind range_kind, enum guestcore_name_format name_format,
				       enum guestcore_repeat repeat, enum guestcore_field_type field_type,
				       enum guestcore_value_kind value_kind, enum guestcore_copy_mode copy_mode,
				       enum guestcore_severity severity, enum guestcore_profile profile,
				       enum guestcore_format format, enum guestcore_compression compression,
				       enum guestcore_vmcoreinfo vmcoreinfo,
				       const struct guestcore_host_opts *host_opts,
				       const struct guestcore_dump_opts *dump_opts,
				       const struct guestcore_dump_result *dump_result,
				       const struct guestcore_encode_opts *encode_opts)
{
	(void)capability;
	(void)level;
	(void)range_kind;
	(void)name_format;
	(void)repeat;
	(void)field_type;
	(void)value_kind;
	(void)copy_mode;
	(void)severity;
	(void)profile;
	(void)format;
	(void)compression;
	(void)vmcoreinfo;
	(void)host_opts;
	(void)dump_opts;
	(void)dump_result;
	(void)encode_opts;
	return 0;
}
