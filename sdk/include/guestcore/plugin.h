/* guestcore plugin ABI: the one header a plugin compiles against.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * GUESTCORE_PLUGIN_ENTRY_NAME.  The host calls it once after dlopen() with a
 * table describing the host (the ABI version it speaks and its services); the
 * plugin answers with a descriptor (the ABI version it implements, who it is,
 * what it can do).  See sdk/ABI.md for the versioning promise.
 *
 * Rules that keep the ABI stable:
 *  - every struct that crosses the boundary begins with a uint32_t size that
 *    the writer sets to sizeof as it was compiled; a reader never reads past
 *    the size the writer declared, and accepts a larger struct only when the
 *    bytes it does not know are zero;
 *  - fields are only ever appended; removed fields stay as reserved padding;
 *  - host objects are opaque handles;
 *  - function pointers are checked for NULL before each call (use
 *    GUESTCORE_HOST_HAS() on the plugin side).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef GUESTCORE_PLUGIN_H
#define GUESTCORE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version: major << 16 | minor.  Same major and plugin minor <= host
 * minor loads; anything else is refused. */
#define GUESTCORE_PLUGIN_ABI_MAJOR 1
#define GUESTCORE_PLUGIN_ABI_MINOR 0
#define GUESTCORE_PLUGIN_ABI_MAKE(major, minor) \
	((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xffffu)))
#define GUESTCORE_PLUGIN_ABI_VERSION \
	GUESTCORE_PLUGIN_ABI_MAKE(GUESTCORE_PLUGIN_ABI_MAJOR, GUESTCORE_PLUGIN_ABI_MINOR)
#define GUESTCORE_PLUGIN_ABI_GET_MAJOR(v) ((unsigned)(((uint32_t)(v)) >> 16))
#define GUESTCORE_PLUGIN_ABI_GET_MINOR(v) ((unsigned)(((uint32_t)(v)) & 0xffffu))

/* The name of the one symbol a plugin exports. */
#define GUESTCORE_PLUGIN_ENTRY_NAME "guestcore_plugin_entry"

#if defined(__GNUC__)
#define GUESTCORE_PLUGIN_EXPORT __attribute__((visibility("default")))
#define GUESTCORE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define GUESTCORE_PLUGIN_EXPORT
#define GUESTCORE_PRINTF(fmt, args)
#endif

/* Capability bits a plugin declares in its descriptor. */
enum guestcore_plugin_capability {
	GUESTCORE_CAP_MEMORY_SOURCE = 1u << 0, /* guest memory and registers */
	GUESTCORE_CAP_NOTE_PROVIDER = 1u << 1, /* fills ELF notes */
};
/* Every capability bit this version of the ABI defines. */
#define GUESTCORE_CAP_ALL (GUESTCORE_CAP_MEMORY_SOURCE | GUESTCORE_CAP_NOTE_PROVIDER)

enum guestcore_log_level {
	GUESTCORE_LOG_ERROR = 0,
	GUESTCORE_LOG_WARNING = 1,
	GUESTCORE_LOG_INFO = 2,
	GUESTCORE_LOG_DEBUG = 3,
};

/* Opaque: the host's record of this plugin.  Pass it back to every host
 * service. */
struct guestcore_host_handle;

/* What the host hands a plugin.  Valid from the entry call until the plugin is
 * unloaded; the host owns it. */
struct guestcore_host_api {
	uint32_t size;        /* sizeof(struct guestcore_host_api) as the host built it */
	uint32_t abi_version; /* GUESTCORE_PLUGIN_ABI_VERSION the host speaks */
	struct guestcore_host_handle *handle;

	/* Send a message to the host's log (the host decides whether and where
	 * it is shown).  One line, no trailing newline needed. */
	void (*log)(struct guestcore_host_handle *handle, enum guestcore_log_level level,
		    const char *fmt, ...) GUESTCORE_PRINTF(3, 4);

	/* Describe why the call that is about to fail failed.  One sentence
	 * that names the thing and, where there is one, the remedy.  The host
	 * copies the text; the last call before the failing return wins. */
	void (*set_error)(struct guestcore_host_handle *handle, const char *fmt, ...)
		GUESTCORE_PRINTF(2, 3);
};

/* True when the host's table is large enough to hold MEMBER and it is set:
 * check before calling any host service. */
#define GUESTCORE_HOST_HAS(api, member)                                              \
	((api) != NULL &&                                                            \
	 (api)->size >= offsetof(struct guestcore_host_api, member) + sizeof((api)->member) && \
	 (api)->member != NULL)

/* What a plugin answers.  The plugin owns it; it must stay valid until the
 * plugin is unloaded (a static const object is the usual choice). */
struct guestcore_plugin_descriptor {
	uint32_t size;        /* sizeof(struct guestcore_plugin_descriptor) as the plugin built it */
	uint32_t abi_version; /* GUESTCORE_PLUGIN_ABI_VERSION the plugin was built for */
	const char *name;        /* short, unique: [a-z0-9_-]+ */
	const char *version;     /* the plugin's own version, free form */
	const char *description; /* one line */
	uint64_t capabilities;   /* enum guestcore_plugin_capability bits */

	/* Optional interfaces by name, LV2 style: return the interface table
	 * named NAME (each begins with its own size), or NULL when the plugin
	 * does not offer it.  May be NULL when the plugin offers none. */
	const void *(*get_interface)(const char *name);

	/* Called once before dlclose(); may be NULL. */
	void (*unload)(void);
};

/* Smallest descriptor the host accepts: everything up to capabilities. */
#define GUESTCORE_PLUGIN_DESCRIPTOR_MIN_SIZE \
	(offsetof(struct guestcore_plugin_descriptor, capabilities) + sizeof(uint64_t))

/* The entry point.  HOST describes the host; on success set *RET_DESC and
 * return 0.  On failure return a negative errno value, after calling
 * host->set_error when the host has it.  A plugin may refuse a host it
 * cannot work with (for example one too old for an interface it needs). */
typedef int (*guestcore_plugin_entry_fn)(const struct guestcore_host_api *host,
					 const struct guestcore_plugin_descriptor **ret_desc);

/* Declare the entry point in the plugin:
 *   GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc) { ... }
 */
#define GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)                              \
	GUESTCORE_PLUGIN_EXPORT int guestcore_plugin_entry(                          \
		const struct guestcore_host_api *host,                                   \
		const struct guestcore_plugin_descriptor **ret_desc);                    \
	GUESTCORE_PLUGIN_EXPORT int guestcore_plugin_entry(                          \
		const struct guestcore_host_api *host,                                   \
		const struct guestcore_plugin_descriptor **ret_desc)

#ifdef __cplusplus
}
#endif

#endif /* GUESTCORE_PLUGIN_H */
