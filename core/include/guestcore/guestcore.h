/* libguestcore public API.
 *
 * Everything a program embedding guestcore may call.  Functions return 0 or a
 * negative errno value unless said otherwise; output parameters are named
 * ret_* and set only on success.  The library never prints: messages reach the
 * caller through the log callback and the per-object error strings.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef GUESTCORE_GUESTCORE_H
#define GUESTCORE_GUESTCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guestcore/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GUESTCORE_API __attribute__((visibility("default")))
#else
#define GUESTCORE_API
#endif

/* Version of the library, for example "0.1.0". */
GUESTCORE_API const char *guestcore_version(void);

/* The plugin ABI version this library speaks (GUESTCORE_PLUGIN_ABI_MAKE). */
GUESTCORE_API uint32_t guestcore_plugin_abi_version(void);

/* Directory the installed plugins live in ($(pkglibdir)/plugins). */
GUESTCORE_API const char *guestcore_installed_plugin_dir(void);

/* ---- plugin host --------------------------------------------------------- */

struct guestcore_host;   /* opaque: a set of search directories and plugins */
struct guestcore_plugin; /* opaque: one plugin file, loaded or refused */

/* Receives the messages plugins send through host->log and the library's own
 * warnings.  PLUGIN is the plugin's name, or NULL for the library itself. */
typedef void (*guestcore_log_fn)(void *userdata, enum guestcore_log_level level,
				 const char *plugin, const char *message);

struct guestcore_host_opts {
	size_t sz; /* sizeof(struct guestcore_host_opts) */
	guestcore_log_fn log;
	void *log_userdata;
};

/* OPTS may be NULL.  -EINVAL when opts->sz is 0 or it carries non-zero
 * fields this library does not know. */
GUESTCORE_API int guestcore_host_new(const struct guestcore_host_opts *opts,
				     struct guestcore_host **ret_host);
/* Unloads every plugin.  Accepts NULL. */
GUESTCORE_API void guestcore_host_free(struct guestcore_host *host);

/* Append DIR to the search path.  -ENOTDIR / -ENOENT / -EACCES when DIR is
 * not a searchable directory (nothing is added then). */
GUESTCORE_API int guestcore_host_add_dir(struct guestcore_host *host, const char *dir);
/* Append the directories of GUESTCORE_PLUGIN_PATH (colon separated, read with
 * secure_getenv, so ignored in set-user-ID programs); entries that are not
 * directories are skipped.  Returns how many were added. */
GUESTCORE_API int guestcore_host_add_env_dirs(struct guestcore_host *host);
/* Number of search directories, and the I-th one (NULL when out of range). */
GUESTCORE_API size_t guestcore_host_dir_count(const struct guestcore_host *host);
GUESTCORE_API const char *guestcore_host_dir_at(const struct guestcore_host *host, size_t i);

/* Load every "*.so" of every search directory, in search-path order and by
 * name within a directory.  A plugin that is refused never stops the others;
 * it is kept in the list with its reason.  Returns the number refused. */
GUESTCORE_API int guestcore_host_scan(struct guestcore_host *host);
/* Load one file.  The plugin joins the list whether or not it loads;
 * returns 0 when it loaded, a negative errno when it was refused (see
 * guestcore_plugin_error()).  *ret_plugin is set in both cases. */
GUESTCORE_API int guestcore_host_load_file(struct guestcore_host *host, const char *path,
					   struct guestcore_plugin **ret_plugin);

GUESTCORE_API size_t guestcore_host_plugin_count(const struct guestcore_host *host);
GUESTCORE_API struct guestcore_plugin *guestcore_host_plugin_at(const struct guestcore_host *host,
								size_t i);
/* The loaded plugin called NAME, or NULL. */
GUESTCORE_API struct guestcore_plugin *guestcore_host_find(const struct guestcore_host *host,
							   const char *name);

GUESTCORE_API const char *guestcore_plugin_path(const struct guestcore_plugin *plugin);
GUESTCORE_API bool guestcore_plugin_loaded(const struct guestcore_plugin *plugin);
/* One line saying why the plugin was refused; NULL when it loaded. */
GUESTCORE_API const char *guestcore_plugin_error(const struct guestcore_plugin *plugin);
/* The descriptor's fields; NULL / 0 when the plugin was refused before its
 * descriptor could be read. */
GUESTCORE_API const char *guestcore_plugin_name(const struct guestcore_plugin *plugin);
GUESTCORE_API const char *guestcore_plugin_version(const struct guestcore_plugin *plugin);
GUESTCORE_API const char *guestcore_plugin_description(const struct guestcore_plugin *plugin);
GUESTCORE_API uint32_t guestcore_plugin_abi(const struct guestcore_plugin *plugin);
GUESTCORE_API uint64_t guestcore_plugin_capabilities(const struct guestcore_plugin *plugin);
/* The plugin's interface NAME (see get_interface), or NULL. */
GUESTCORE_API const void *guestcore_plugin_interface(const struct guestcore_plugin *plugin,
						     const char *name);

/* Check a descriptor as the host does after the entry call: size, ABI
 * version against HOST_ABI, strings, capability bits.  0 when acceptable;
 * otherwise a negative errno and a sentence in MSG (which may be NULL).
 * Used by the host and by plugin authors' own tests. */
GUESTCORE_API int guestcore_plugin_descriptor_check(const struct guestcore_plugin_descriptor *desc,
						    uint32_t host_abi, char *msg, size_t msgsz);

#ifdef __cplusplus
}
#endif

#endif /* GUESTCORE_GUESTCORE_H */
