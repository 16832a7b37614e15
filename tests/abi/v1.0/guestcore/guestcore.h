/* FROZEN: libguestcore's public header as the first version of
 * guestcore_dump() shipped it (commit 82df969), for tests/abi/caller10.c, a
 * caller built against it that every later library must keep serving.
 * Never edit it; a newer frozen header goes into a directory of its own.
 *
 * libguestcore public API.
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

/* ---- note layouts ------------------------------------------------------------
 * Layout files (schemas/NAME.xml, language in schemas/note-layout.xsd) describe
 * note descriptors byte by byte.  One engine encodes and decodes all of them. */

struct guestcore_layouts;     /* opaque: loaded layout files */
struct guestcore_note_layout; /* opaque: one note layout, owned by its set */

enum guestcore_name_format {
	GUESTCORE_NAME_ELF = 0,  /* n_namesz counts the NUL; name and desc padded to 4 */
	GUESTCORE_NAME_VBOX = 1, /* n_namesz excludes the NUL; padding to 8 */
};

enum guestcore_repeat {
	GUESTCORE_REPEAT_ONCE = 0,
	GUESTCORE_REPEAT_PER_CPU = 1,
	GUESTCORE_REPEAT_PER_LOAD = 2,
	GUESTCORE_REPEAT_PER_UNREADABLE = 3,
};

enum guestcore_field_type {
	GUESTCORE_FIELD_U8 = 1,
	GUESTCORE_FIELD_U16,
	GUESTCORE_FIELD_U32,
	GUESTCORE_FIELD_U64,
	GUESTCORE_FIELD_S8,
	GUESTCORE_FIELD_S16,
	GUESTCORE_FIELD_S32,
	GUESTCORE_FIELD_S64,
	GUESTCORE_FIELD_BYTES,
	GUESTCORE_FIELD_STRING,
	GUESTCORE_FIELD_PAD,
	GUESTCORE_FIELD_RESERVED,
};

enum guestcore_value_kind {
	GUESTCORE_VALUE_NONE = 0,    /* written as zeros */
	GUESTCORE_VALUE_CONST = 1,   /* const_value / const_string */
	GUESTCORE_VALUE_SIZEOF = 2,  /* the descriptor's size */
	GUESTCORE_VALUE_BIND = 3,    /* the named value in binding */
};

/* Receives each problem found while loading a layout file: where, and one
 * sentence.  COLUMN is 0 when unknown. */
typedef void (*guestcore_diag_fn)(void *userdata, const char *file, unsigned line,
				  unsigned column, const char *message);

/* Directory of the installed layout files and note-layout.xsd. */
GUESTCORE_API const char *guestcore_installed_schema_dir(void);

/* XSD_PATH: the note-layout.xsd every file is validated against. */
GUESTCORE_API int guestcore_layouts_new(const char *xsd_path, struct guestcore_layouts **ret_layouts);
GUESTCORE_API void guestcore_layouts_free(struct guestcore_layouts *layouts);
/* Load one layout file: XSD validation, then semantic checks.  Each problem
 * goes to DIAG (may be NULL); a file with any problem adds nothing and
 * returns -EINVAL (-ENOENT, -EACCES, -EFBIG... when it cannot be read). */
GUESTCORE_API int guestcore_layouts_load_file(struct guestcore_layouts *layouts, const char *path,
					      guestcore_diag_fn diag, void *userdata);
/* Load every "*.xml" of DIR, by name.  Returns the number of files refused,
 * or a negative errno when DIR cannot be read. */
GUESTCORE_API int guestcore_layouts_load_dir(struct guestcore_layouts *layouts, const char *dir,
					     guestcore_diag_fn diag, void *userdata);

GUESTCORE_API size_t guestcore_layouts_count(const struct guestcore_layouts *layouts);
GUESTCORE_API const struct guestcore_note_layout *
guestcore_layouts_at(const struct guestcore_layouts *layouts, size_t i);
/* By id ("vbox.cpu"), or NULL. */
GUESTCORE_API const struct guestcore_note_layout *
guestcore_layouts_find(const struct guestcore_layouts *layouts, const char *id);
/* The layout of a note as found in a core: by name, n_type and the core's
 * e_machine (a layout for a specific machine wins over one for any). */
GUESTCORE_API const struct guestcore_note_layout *
guestcore_layouts_match(const struct guestcore_layouts *layouts, const char *note_name,
			uint32_t n_type, uint16_t e_machine);

struct guestcore_layout_info {
	size_t sz; /* set by the caller: sizeof(struct guestcore_layout_info) */
	const char *id;
	const char *family;
	const char *note_name;
	const char *doc;
	const char *file;
	uint32_t n_type;
	uint32_t name_format; /* enum guestcore_name_format */
	uint32_t desc_align;
	uint32_t repeat;      /* enum guestcore_repeat */
	uint16_t e_machine;   /* EM_*; 0 for any */
	bool open;            /* longer descriptors are expected */
	uint64_t size;        /* with every optional tail member */
	uint64_t min_size;    /* without them */
	size_t field_count;
};
GUESTCORE_API int guestcore_note_layout_info(const struct guestcore_note_layout *layout,
					     struct guestcore_layout_info *ret_info);

struct guestcore_field_info {
	size_t sz; /* set by the caller */
	const char *path;     /* "rflags", "cs.uBase", "dr[3]" */
	uint32_t type;        /* enum guestcore_field_type */
	uint32_t value_kind;  /* enum guestcore_value_kind */
	uint64_t offset;
	uint64_t size;
	uint64_t const_value;
	const char *const_string;
	const char *binding;  /* resolved, e.g. "reg.cs.base"; NULL when unbound */
	const char *enum_name;
	const char *flags_name;
	const char *doc;
	bool optional;
};
GUESTCORE_API int guestcore_note_layout_field(const struct guestcore_note_layout *layout, size_t i,
					      struct guestcore_field_info *ret_info);

/* ---- encoding and decoding ---- */

struct guestcore_value {
	size_t sz;            /* set by the library */
	uint64_t u;           /* integers (two's complement for signed) */
	const void *bytes;    /* byte arrays and strings: data... */
	size_t len;           /* ...and its length (a string need not be NUL-terminated) */
};
/* Asked for each bound field: fill RET and return 0, return -ENOENT when the
 * value is not available (the field is written as zeros), or another
 * negative errno to abort encoding. */
typedef int (*guestcore_value_fn)(void *userdata, const char *binding, struct guestcore_value *ret);

struct guestcore_encode_opts {
	size_t sz;          /* sizeof(struct guestcore_encode_opts) */
	bool big_endian;    /* the core's byte order */
	uint64_t size;      /* descriptor size to write: 0 for the full layout, or a
			       size that ends exactly after a tail member */
	guestcore_value_fn value;
	void *userdata;
};
/* Encode one descriptor into BUF.  *ret_size: bytes written.  -ENOSPC when
 * BUF is too small, -EINVAL for a size that cuts a member, -ERANGE when a
 * value does not fit its field (the message says which), or the callback's
 * error. */
GUESTCORE_API int guestcore_note_encode(const struct guestcore_note_layout *layout,
					const struct guestcore_encode_opts *opts, void *buf,
					size_t bufsz, size_t *ret_size, char *msg, size_t msgsz);

struct guestcore_field_value {
	size_t sz;            /* set by the library */
	uint64_t u;           /* unsigned view */
	int64_t s;            /* sign-extended view */
	const void *bytes;    /* byte arrays and strings: in the descriptor */
	size_t len;
	const char *enum_value; /* the enumeration's name for the value, or NULL */
};
/* Called for each decoded field in offset order; a non-zero return stops. */
typedef int (*guestcore_field_fn)(void *userdata, const struct guestcore_field_info *field,
				  const struct guestcore_field_value *value);
/* Decode DESC (DESCSZ bytes).  Only fields that lie wholly inside the
 * descriptor (and, with a size field, inside the size it declares) are
 * visited; nothing outside DESC is read.  Returns 0 when the descriptor
 * matches the layout, -EBADMSG when it is shorter than the layout, a
 * positive GUESTCORE_DECODE_LONGER when it is longer (MSG says so in both
 * cases), or the visitor's non-zero return. */
#define GUESTCORE_DECODE_LONGER 1
GUESTCORE_API int guestcore_note_decode(const struct guestcore_note_layout *layout, const void *desc,
					size_t descsz, bool big_endian, guestcore_field_fn visit,
					void *userdata, char *msg, size_t msgsz);
/* The names of the set bits of VALUE under the field's flag set, joined by
 * '|' ("PE|PG"), with unnamed bits as hex.  Returns the length written. */
GUESTCORE_API size_t guestcore_note_layout_flags_text(const struct guestcore_note_layout *layout,
						       const struct guestcore_field_info *field,
						       uint64_t value, char *buf, size_t bufsz);

/* ---- dump ------------------------------------------------------------------
 * Write a guest core: the memory source plugin named in opts->source, the
 * note sets (note-provider plugins) in opts->note_sets, and guestcore's own
 * notes last.  The whole layout is computed first; memory is then streamed
 * into a temporary file beside the output, which replaces the output only
 * when everything succeeded. */

enum guestcore_copy_mode {
	GUESTCORE_COPY_AUTO = 0, /* zero-copy (copy_file_range) from file-backed ranges */
	GUESTCORE_COPY_READ = 1, /* read through a buffer; all-zero pages become holes */
};

struct guestcore_dump_opts {
	size_t sz;                     /* sizeof(struct guestcore_dump_opts) */
	const char *source;            /* "NAME:SPEC", e.g. "raw:guest.img,map=guest.map" */
	const char *const *note_sets;  /* NULL-terminated provider names; NULL: { "vbox" } */
	const char *output;
	bool force;                    /* replace an existing output */
	bool strict;                   /* unreadable pages fail the dump */
	int elf_class;                 /* 0: automatic, 32 or 64 */
	int copy_mode;                 /* enum guestcore_copy_mode */
	/* Called after each chunk: bytes of memory done and in all. */
	void (*progress)(void *userdata, uint64_t done, uint64_t total);
	void *progress_userdata;
	/* When it becomes non-zero (a signal handler sets it), the dump stops,
	 * resumes the guest, removes its temporary file and returns -ECANCELED. */
	volatile int *cancel;
};

struct guestcore_dump_result {
	size_t sz;                     /* set by the caller */
	int elf_class;                 /* 32 or 64 */
	uint16_t e_machine;
	uint32_t cpu_count;
	uint64_t ranges;               /* PT_LOAD segments */
	uint64_t memory_bytes;         /* guest bytes with file data (RAM and ROM) */
	uint64_t unreadable_ranges;
	uint64_t unreadable_bytes;
	uint64_t file_size;
	uint64_t notes;
};

/* Returned (positive) when the core is complete but some pages could not be
 * read: they hold zeros and are listed in the GUESTCORE notes. */
#define GUESTCORE_DUMP_PARTIAL 3

/* 0, GUESTCORE_DUMP_PARTIAL, or a negative errno with one sentence in MSG
 * that names what failed and what to do.  The output is untouched on any
 * failure, and a paused guest is always resumed. */
GUESTCORE_API int guestcore_dump(struct guestcore_host *host, const struct guestcore_layouts *layouts,
				 const struct guestcore_dump_opts *opts,
				 struct guestcore_dump_result *ret_result, char *msg, size_t msgsz);

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
