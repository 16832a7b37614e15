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
struct guestcore_layouts; /* opaque: loaded note layouts (below) */
struct guestcore_plugin; /* opaque: one plugin file, loaded or refused */

/* Receives the messages plugins send through host->log and the library's own
 * warnings.  PLUGIN is the plugin's name, or NULL for the library itself. */
typedef void (*guestcore_log_fn)(void *userdata, enum guestcore_log_level level,
				 const char *plugin, const char *message);

struct guestcore_host_opts {
	size_t sz; /* sizeof(struct guestcore_host_opts) */
	guestcore_log_fn log;
	void *log_userdata;
	/* Load each plugin in a child process first, within probe_ms
	 * milliseconds (0: 5000): a plugin whose constructor or entry crashes,
	 * hangs or ends the process is refused with that reason and never runs
	 * in this process.  The host forks: set it only while this process has
	 * one thread. */
	bool isolate;
	unsigned probe_ms;
	/* guestcore_host_scan() only lists the plugin files it finds; each is
	 * loaded when guestcore_host_find() needs it (NAME.so first, then the
	 * others, probed in a child when isolate is set, until one is NAME).
	 * Until then guestcore_plugin_loaded() is false and
	 * guestcore_plugin_error() says it was not needed. */
	bool lazy;
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
 * name within a directory (with opts.lazy: list them only).  A plugin that
 * is refused never stops the others; it is kept in the list with its
 * reason.  Returns the number refused. */
GUESTCORE_API int guestcore_host_scan(struct guestcore_host *host);
/* Load one file.  The plugin joins the list whether or not it loads;
 * returns 0 when it loaded, a negative errno when it was refused (see
 * guestcore_plugin_error()).  *ret_plugin is set in both cases. */
GUESTCORE_API int guestcore_host_load_file(struct guestcore_host *host, const char *path,
					   struct guestcore_plugin **ret_plugin);

GUESTCORE_API size_t guestcore_host_plugin_count(const struct guestcore_host *host);
GUESTCORE_API struct guestcore_plugin *guestcore_host_plugin_at(const struct guestcore_host *host,
								size_t i);
/* Layouts the host's services use (decode_note); the host does not own
 * them; NULL to unset. */
GUESTCORE_API void guestcore_host_set_layouts(struct guestcore_host *host,
					      const struct guestcore_layouts *layouts);
/* The loaded plugin called NAME, or NULL.  After a lazy scan it loads the
 * plugin first (see guestcore_host_opts.lazy). */
GUESTCORE_API struct guestcore_plugin *guestcore_host_find(const struct guestcore_host *host,
							   const char *name);

GUESTCORE_API const char *guestcore_plugin_path(const struct guestcore_plugin *plugin);
GUESTCORE_API bool guestcore_plugin_loaded(const struct guestcore_plugin *plugin);
/* One line saying why the plugin was refused; NULL when it loaded.  The
 * name and version of a refused plugin are those its descriptor gave, when
 * it gave one. */
GUESTCORE_API const char *guestcore_plugin_error(const struct guestcore_plugin *plugin);
/* The stable code of that reason, for programs: "file", "dlopen",
 * "no-entry", "entry" (its entry returned an error), "abi-newer" (it needs a
 * newer host), "abi-older", "descriptor", "duplicate", "crashed",
 * "timed-out", "exited", "probe", "layout", "oom"; NULL when it loaded or was
 * not needed. */
GUESTCORE_API const char *guestcore_plugin_refusal(const struct guestcore_plugin *plugin);
/* The descriptor's fields; NULL / 0 when the plugin was refused before its
 * descriptor could be read. */
GUESTCORE_API const char *guestcore_plugin_name(const struct guestcore_plugin *plugin);
GUESTCORE_API const char *guestcore_plugin_version(const struct guestcore_plugin *plugin);
GUESTCORE_API const char *guestcore_plugin_description(const struct guestcore_plugin *plugin);
GUESTCORE_API uint32_t guestcore_plugin_abi(const struct guestcore_plugin *plugin);
GUESTCORE_API uint64_t guestcore_plugin_capabilities(const struct guestcore_plugin *plugin);
/* The layout file a plugin ships beside itself (foo.xml next to foo.so),
 * or NULL when there is none. */
GUESTCORE_API const char *guestcore_plugin_layout_file(const struct guestcore_plugin *plugin);
/* The host table the plugin was given: pass it to the plugin's interface
 * functions when calling them directly (an embedding host, a checker).
 * NULL when the plugin was refused. */
GUESTCORE_API const struct guestcore_host_api *guestcore_plugin_host_api(const struct guestcore_plugin *plugin);
/* The plugin's interface NAME (see get_interface), or NULL. */
GUESTCORE_API const void *guestcore_plugin_interface(const struct guestcore_plugin *plugin,
						     const char *name);

/* ---- note layouts ------------------------------------------------------------
 * Layout files (schemas/NAME.xml, language in schemas/note-layout.xsd) describe
 * note descriptors byte by byte.  One engine encodes and decodes all of them. */

struct guestcore_note_layout; /* opaque: one note layout, owned by its set */

enum guestcore_name_format {
	GUESTCORE_NAME_ELF = 0,  /* n_namesz counts the NUL; name and desc padded to 4 */
	GUESTCORE_NAME_VBOX = 1, /* n_namesz excludes the NUL; name and descriptor padded to 8 */
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

/* ---- threads ---------------------------------------------------------------
 * A host and what it loaded serve one thread at a time: guestcore_dump() sets
 * the host's layouts and cancel flag for its duration, and nothing is locked.
 * To run dumps at once, give each thread its own host (and layouts, which are
 * read-only once loaded and may be shared).  The plugins are then shared, a
 * plugin file being loaded once per process, and their callbacks may run on
 * both threads at once (guestcore-plugin(7)).  Core readers
 * (guestcore_core_*) are independent of each other. */

/* ---- dump ------------------------------------------------------------------
 * Write a guest core: the memory source plugin named in opts->source, the
 * note sets (note-provider plugins) in opts->note_sets, and guestcore's own
 * notes last.  The whole layout is computed first; memory is then streamed
 * into a temporary file beside the output, which replaces the output only
 * when everything succeeded. */

/* How memory reaches the core.  Holes of a file-backed source stay holes in
 * every mode but DENSE. */
/* The container of a core file. */
enum guestcore_format {
	/* An ELF core: gdb, Volatility, MemProcFS, VirtualBox's readers. */
	GUESTCORE_FORMAT_ELF = 0,
	/* The kdump-compressed ("diskdump") file of makedumpfile and QEMU's
	 * dump-guest-memory -f kdump-*, version 6: crash and makedumpfile.
	 * Each page compressed on its own, on every CPU the process may use;
	 * zero pages share one stored page. */
	GUESTCORE_FORMAT_KDUMP = 1,
};

/* How the kdump-compressed container compresses a page. */
enum guestcore_compression {
	GUESTCORE_COMPRESS_DEFAULT = 0, /* zstd */
	GUESTCORE_COMPRESS_ZSTD = 1,
	GUESTCORE_COMPRESS_ZLIB = 2,
	GUESTCORE_COMPRESS_LZO = 3,
	GUESTCORE_COMPRESS_SNAPPY = 4,
	GUESTCORE_COMPRESS_NONE = 5,
};

enum guestcore_copy_mode {
	/* Every page is tested for zeros on every CPU the process may use; the
	 * runs of non-zero pages are written and zero pages become holes. */
	GUESTCORE_COPY_AUTO = 0,
	/* Through the source's read() callback on one thread, not its file;
	 * zero pages become holes. */
	GUESTCORE_COPY_READ = 1,
	/* Every byte written as the source has it, holes and zero pages
	 * included: a fully allocated file.  File data is copied by the kernel
	 * (copy_file_range), which shares extents where the file system can. */
	GUESTCORE_COPY_DENSE = 2,
};

/* Where a core's VMCOREINFO (the guest kernel's description of itself,
 * which crash, drgn, makedumpfile and libkdumpfile need) comes from.
 * Whichever it is, a GUESTCORE note (guestcore.vmcoreinfo) records it. */
enum guestcore_vmcoreinfo {
	/* The source's VMCOREINFO note; without one, the kernel's own text
	 * found in guest memory during the copy. */
	GUESTCORE_VMCOREINFO_AUTO = 0,
	/* The source's only (none when it has none). */
	GUESTCORE_VMCOREINFO_SOURCE = 1,
	/* Guest memory's only: the source's note is left out. */
	GUESTCORE_VMCOREINFO_MEMORY = 2,
	/* None: the source's note is left out and memory is not searched. */
	GUESTCORE_VMCOREINFO_NONE = 3,
	/* The text of the file vmcoreinfo_file: the source's is left out. */
	GUESTCORE_VMCOREINFO_FILE = 4,
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
	/* Record an XXH3-128 digest of every PT_LOAD (holes as zeros) in
	 * GUESTCORE notes, for 'guestcore validate'.  Each page is hashed in
	 * the pass that tests it for zeros, on one thread. */
	bool digest;
	/* Leave out the notes the source carries itself (the guest's
	 * VMCOREINFO, an input core's notes no layout describes), which are
	 * written after the note sets' by default.  Appended: a caller built
	 * with the older struct passes a smaller sz and keeps them. */
	bool drop_source_notes;
	/* The container (enum guestcore_format) and, for the kdump-compressed
	 * one, how each page is compressed (enum guestcore_compression) and the
	 * algorithm's level (0: its default).  Appended: a caller built with
	 * the older struct passes a smaller sz and writes ELF. */
	int format;
	int compression;
	int compression_level;
	/* Where the VMCOREINFO note comes from (enum guestcore_vmcoreinfo),
	 * and for GUESTCORE_VMCOREINFO_FILE the file of KEY=VALUE lines.
	 * Appended: a caller built with the older struct passes a smaller sz
	 * and gets GUESTCORE_VMCOREINFO_AUTO. */
	int vmcoreinfo;
	const char *vmcoreinfo_file;
	/* ELF: every PT_LOAD's p_vaddr is its p_paddr.  By default, where the
	 * core's VMCOREINFO says where the guest kernel's image is mapped, the
	 * RAM it lies in is a PT_LOAD of its own at the image's virtual
	 * address, as Linux's /proc/vmcore has it (drgn and gdb read the
	 * kernel by virtual address).  Appended: a caller built with the
	 * older struct passes a smaller sz and gets the kernel's addresses. */
	bool no_kernel_vaddr;
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
	/* Set on success and on failure: the source paused the guest and could
	 * not resume it (MSG says how to resume it by hand). */
	bool not_resumed;
	/* Appended: the container written (enum guestcore_format),
	 * and for kdump the page data's bytes in the file (compressed). */
	int format;
	uint64_t page_data_bytes;
};

/* Returned (positive) when the core is complete but some pages could not be
 * read: they hold zeros and are listed in the GUESTCORE notes. */
#define GUESTCORE_DUMP_PARTIAL 3
/* Returned (positive) when the core is complete (it is in place, with any
 * unreadable pages listed as for GUESTCORE_DUMP_PARTIAL) but the guest the
 * source paused could not be resumed: MSG says why and how to resume it by
 * hand. */
#define GUESTCORE_DUMP_NOT_RESUMED 4

/* 0, GUESTCORE_DUMP_PARTIAL, GUESTCORE_DUMP_NOT_RESUMED, or a negative errno
 * with one sentence in MSG that names what failed and what to do.  -EINVAL
 * when OPTS is larger than this library's struct and sets a field it does
 * not know, or sets an option the chosen format does not have (copy_mode,
 * digest or elf_class 32 for kdump, a compression for ELF).  RET_RESULT is
 * filled up to its sz, which then says how many bytes were filled.  The
 * output is untouched on any failure.  A guest the source paused is resumed
 * on every path; when that fails, MSG says so (after the failure's own
 * sentence) and ret_result->not_resumed is set. */
GUESTCORE_API int guestcore_dump(struct guestcore_host *host, const struct guestcore_layouts *layouts,
				 const struct guestcore_dump_opts *opts,
				 struct guestcore_dump_result *ret_result, char *msg, size_t msgsz);

/* What a memory source holds, without a dump (guestcore inspect of a
 * saved state): the guest it describes and its ranges.  Size-first: set sz. */
struct guestcore_source_info {
	size_t sz;                 /* set by the caller */
	uint16_t e_machine;
	bool big_endian;
	bool pushes;               /* its memory comes as a stream, not from a file read in place */
	uint32_t cpu_count;
	uint64_t ranges;
	uint64_t memory_bytes;     /* RAM and ROM */
	char description[1024];    /* the source's one line */
};

/* Open the memory source SPEC ("savefile:web.save") through HOST, describe
 * the guest, call RANGE_CB (may be NULL) for each of its ranges in order
 * (KIND an enum guestcore_range_kind; a non-zero return stops the walk and
 * is returned), and close it.  A source of a running guest is not paused:
 * what it says is of the moment.  Nothing else of the source is read (no
 * memory, no registers).  0 and RET filled up to its sz (which then says how
 * many bytes were filled), or a negative errno and one sentence in MSG. */
GUESTCORE_API int guestcore_source_describe(struct guestcore_host *host, const struct guestcore_layouts *layouts,
					    const char *spec, struct guestcore_source_info *ret,
					    int (*range_cb)(void *userdata, uint64_t start, uint64_t length,
							    uint32_t kind),
					    void *userdata, char *msg, size_t msgsz);

/* ---- reading cores --------------------------------------------------------
 * Any ELF core: guestcore's, VirtualBox's, QEMU's (ELF32 or ELF64), Linux
 * process cores.  libelf parses; every count is capped and every offset
 * checked, so a hostile file fails fast with a message and nothing is read
 * outside it. */

struct guestcore_core; /* opaque: an open core file */

struct guestcore_core_info {
	size_t sz;            /* set by the caller */
	int elf_class;        /* 32 or 64 */
	bool big_endian;
	uint8_t ei_version;
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;     /* as stored: PN_XNUM when the count is in section 0 */
	uint64_t phnum;       /* the real count */
	uint64_t phoff;
	uint64_t shoff;
	uint64_t file_size;
	size_t segments;      /* program headers that could be read */
	size_t notes;
	/* A process core: every PT_LOAD has p_paddr 0 and they differ by
	 * p_vaddr; addresses are virtual, and order and overlap are checked on
	 * p_vaddr. */
	bool virtual_addresses;
	/* Appended: the container (enum guestcore_format).  A
	 * kdump-compressed file (plain or flattened) shows its notes blob as
	 * one PT_NOTE segment and each run of page frames its first bitmap
	 * marks as a PT_LOAD segment with offset 0 (its pages are compressed
	 * one by one: read them with guestcore_core_read_phys); its ELF fields
	 * are those of an ELF64 core of the same machine. */
	int format;
};

/* The headers of a kdump-compressed file (guestcore_core_kdump_info). */
struct guestcore_kdump_info {
	size_t sz;                    /* set by the caller */
	bool flattened;               /* makedumpfile's flattened form */
	bool big_endian;
	bool lp32;                    /* the 32-bit struct layout */
	uint32_t header_version;
	const char *utsname[6];       /* sysname nodename release version machine domainname */
	uint64_t timestamp_sec, timestamp_usec;
	uint32_t status;              /* compression bits of its pages, incomplete */
	uint32_t block_size;
	uint32_t sub_hdr_size;        /* blocks */
	uint32_t bitmap_blocks;       /* both bitmaps */
	uint64_t max_mapnr;
	uint32_t total_ram_blocks, device_blocks, written_blocks, current_cpu;
	int32_t nr_cpus;
	uint64_t phys_base;
	int32_t dump_level, split;
	uint64_t start_pfn, end_pfn;
	uint64_t offset_vmcoreinfo, size_vmcoreinfo, offset_note, size_note, offset_eraseinfo, size_eraseinfo;
	uint64_t bitmap_offset, bitmap_len, desc_offset;
	uint64_t present_pages;       /* frames set in the first bitmap */
	uint64_t dumped_pages;        /* in the second: page descriptors */
};

/* 0 with *RET filled for a kdump-compressed file, -ENOTSUP for an ELF one. */
GUESTCORE_API int guestcore_core_kdump_info(const struct guestcore_core *core, struct guestcore_kdump_info *ret);


struct guestcore_segment {
	size_t sz;
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct guestcore_note_ref {
	size_t sz;
	const char *name;          /* NUL-terminated copy of the name (n_namesz bytes) */
	uint32_t namesz;           /* as stored */
	uint32_t type;
	uint32_t descsz;
	uint64_t offset;           /* of the note header in the file */
	uint64_t desc_offset;
	const unsigned char *desc; /* descsz bytes */
	size_t segment;            /* index of its PT_NOTE */
	const struct guestcore_note_layout *layout; /* or NULL when unknown */
};

/* LAYOUTS may be NULL (notes are then all unknown).  -EINVAL with MSG when
 * the file is not an ELF core that can be read at all. */
GUESTCORE_API int guestcore_core_open(const char *path, const struct guestcore_layouts *layouts,
				      struct guestcore_core **ret_core, char *msg, size_t msgsz);
/* The same on an open file descriptor (not closed by the library). */
GUESTCORE_API int guestcore_core_open_fd(int fd, const struct guestcore_layouts *layouts,
					 struct guestcore_core **ret_core, char *msg, size_t msgsz);
GUESTCORE_API void guestcore_core_close(struct guestcore_core *core);
GUESTCORE_API int guestcore_core_info(const struct guestcore_core *core, struct guestcore_core_info *ret_info);
GUESTCORE_API int guestcore_core_segment(const struct guestcore_core *core, size_t i,
					 struct guestcore_segment *ret_segment);
GUESTCORE_API int guestcore_core_note(const struct guestcore_core *core, size_t i,
				      struct guestcore_note_ref *ret_note);
/* Guest-physical bytes [ADDR, ADDR+LEN) across PT_LOAD segments.  Bytes no
 * segment holds in the file (MMIO, holes between segments, memsz past
 * filesz) fail with -ENXIO unless ALLOW_HOLES, when they read as zeros. */
GUESTCORE_API int guestcore_core_read_phys(const struct guestcore_core *core, uint64_t addr, void *buf,
					   size_t len, bool allow_holes, char *msg, size_t msgsz);

enum guestcore_severity {
	GUESTCORE_SEVERITY_INFO = 0,
	GUESTCORE_SEVERITY_WARNING = 1,
	GUESTCORE_SEVERITY_ERROR = 2,
};

enum guestcore_profile {
	GUESTCORE_PROFILE_AUTO = 0,   /* the rules of the formats the notes show */
	GUESTCORE_PROFILE_VBOX = 1,   /* what VirtualBox core readers demand */
	GUESTCORE_PROFILE_QEMU = 2,   /* what QEMU dump readers demand */
	GUESTCORE_PROFILE_STRICT = 3, /* every warning is an error */
};

struct guestcore_finding {
	size_t sz;
	uint32_t severity;   /* enum guestcore_severity */
	const char *id;      /* stable, e.g. "load.order" (sdk/ABI.md lists them) */
	uint64_t offset;     /* in the file */
	const char *message; /* one sentence */
};
typedef void (*guestcore_finding_fn)(void *userdata, const struct guestcore_finding *finding);

/* Check CORE; each finding goes to REPORT.  Returns the number of errors. */
GUESTCORE_API int guestcore_core_validate(const struct guestcore_core *core, int profile,
					  guestcore_finding_fn report, void *userdata);

/* Reaches every struct of the plugin ABI, so that the abidw baseline of
 * libguestcore (sdk/abi/) covers all of them and abidiff sees any change.
 * Returns how many of its arguments are not NULL; nothing else. */
GUESTCORE_API int guestcore_plugin_abi_anchor(const struct guestcore_host_api *host,
					      const struct guestcore_plugin_descriptor *descriptor,
					      const struct guestcore_memory_source_ops *source,
					      const struct guestcore_guest_info *guest,
					      const struct guestcore_range *range,
					      const struct guestcore_note_provider_ops *provider);

/* The same for what guestcore_plugin_abi_anchor() and the library's
 * functions do not reach by type: every public enum (their constants'
 * values become part of the baseline) and the options and result structs.
 * Returns 0; nothing else. */
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
				       const struct guestcore_encode_opts *encode_opts);

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
