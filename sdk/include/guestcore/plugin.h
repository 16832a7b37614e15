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
 *    the size the writer declared;
 *  - a reader accepts a larger struct than it knows: a descriptor only when
 *    the bytes it does not know are zero (they would change its meaning); an
 *    interface table or the host API table whatever they hold (the callbacks
 *    it does not know are for newer readers, and it never calls them);
 *  - a writer writes a field of a struct the reader sized (guest_info,
 *    range, host_info's answer) only when that size covers it:
 *    GUESTCORE_STRUCT_HAS();
 *  - fields are only ever appended; removed fields stay as reserved padding;
 *  - host objects are opaque handles;
 *  - function pointers are checked for NULL before each call (use
 *    GUESTCORE_HOST_HAS() on the plugin side).
 *
 * Threading: within one dump the host calls a plugin from one thread at a
 * time, and its callbacks never run concurrently with each other.  An
 * embedder that runs two dumps at once (each on its own host, as
 * guestcore.h asks) may call the same plugin from both threads, since a
 * plugin file is loaded once per process: a plugin that keeps state outside
 * its source instances locks it itself (the bundled plugins keep none).
 * Host services may be called only from inside a call the host made, on
 * that thread.
 *
 * Lifetimes of what crosses the boundary:
 *  - the host API table and its handle: from the entry call until unload;
 *  - the descriptor and interface tables: the plugin's, until unload;
 *  - strings the host passes in (a spec, a layout id from note_info, the
 *    binding names and bytes given to decode_note's callback): valid only
 *    during that call; copy what you keep;
 *  - strings the plugin passes out (description, register bytes): valid
 *    until the source is closed;
 *  - set_error and log copy their text at once.
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

/* ABI version: major << 16 | minor.  A host loads a plugin when the majors
 * are equal and the host's minor is at least the minor the plugin targets
 * (its descriptor's abi_version); anything else is refused. */
#define GUESTCORE_PLUGIN_ABI_MAJOR 1
#define GUESTCORE_PLUGIN_ABI_MINOR 3
#define GUESTCORE_PLUGIN_ABI_MAKE(major, minor) \
	((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xffffu)))
#define GUESTCORE_PLUGIN_ABI_VERSION \
	GUESTCORE_PLUGIN_ABI_MAKE(GUESTCORE_PLUGIN_ABI_MAJOR, GUESTCORE_PLUGIN_ABI_MINOR)
#define GUESTCORE_PLUGIN_ABI_GET_MAJOR(v) ((unsigned)(((uint32_t)(v)) >> 16))
#define GUESTCORE_PLUGIN_ABI_GET_MINOR(v) ((unsigned)(((uint32_t)(v)) & 0xffffu))

/* The oldest ABI the plugin needs, for its descriptor's abi_version: the
 * header's own version unless the plugin defines
 * GUESTCORE_PLUGIN_ABI_TARGET_MINOR lower before including this header.  A
 * plugin targeting 1.0 and built with these headers loads in a 1.0 host
 * too, and must check at run time (GUESTCORE_HOST_ABI_AT_LEAST,
 * GUESTCORE_HOST_HAS) before it uses anything newer. */
#ifndef GUESTCORE_PLUGIN_ABI_TARGET_MINOR
#define GUESTCORE_PLUGIN_ABI_TARGET_MINOR GUESTCORE_PLUGIN_ABI_MINOR
#endif
#define GUESTCORE_PLUGIN_ABI_TARGET \
	GUESTCORE_PLUGIN_ABI_MAKE(GUESTCORE_PLUGIN_ABI_MAJOR, GUESTCORE_PLUGIN_ABI_TARGET_MINOR)

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

/* What host_info() answers (ABI 1.1). */
struct guestcore_host_info {
	uint32_t size;          /* set by the plugin before the call */
	uint32_t abi_version;   /* the newest plugin ABI the host speaks */
	uint32_t abi_oldest;    /* the oldest it loads: GUESTCORE_PLUGIN_ABI_MAKE(major, 0) */
	uint32_t reserved0;
	const char *name;       /* "guestcore" or an embedder's name; static */
	const char *version;    /* the host's own version ("0.2.0"); static */
};
/* Opaque: a note being built (note providers). */
struct guestcore_note_builder;

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

	/* ---- note builder services (for note providers) ----
	 * A note provider's fill() receives a note being built.  Fields it does
	 * not set take the values their layout binds them to; the layout engine
	 * does all encoding. */

	/* The layout id and instance (vCPU index for per-cpu notes) of NB. */
	int (*note_info)(struct guestcore_note_builder *nb, const char **ret_layout_id,
			 uint32_t *ret_instance);
	/* Set the integer field at PATH ("u32VBoxVersion", "cs.uBase"). */
	int (*note_set_u64)(struct guestcore_note_builder *nb, const char *path, uint64_t value);
	/* Set the byte array or string field at PATH (at most its size). */
	int (*note_set_bytes)(struct guestcore_note_builder *nb, const char *path, const void *data,
			      size_t len);
	/* Write SIZE bytes of a layout with optional tail members (QEMU's
	 * QEMUCPUState: 432, 440 or 448). */
	int (*note_set_size)(struct guestcore_note_builder *nb, uint64_t size);
	/* Read a vocabulary value ("reg.rip", "vm.cpu_count") for this note's
	 * instance; -ENOENT when the source has none. */
	int (*note_get_u64)(struct guestcore_note_builder *nb, const char *binding, uint64_t *ret_value);

	/* 1 when NAME is in the binding vocabulary (schemas/README.md), else 0:
	 * lets a source reject a misspelt register name in its input. */
	int (*binding_known)(struct guestcore_host_handle *handle, const char *name);

	/* Decode a note found in some other core with the host's layouts
	 * (sources that read existing cores): CB receives each bound field as
	 * its binding name and value (integers in VALUE, byte arrays and
	 * strings in BYTES/NBYTES).  -ENOENT when no layout describes the
	 * note, -EBADMSG when DESC is shorter than its layout. */
	int (*decode_note)(struct guestcore_host_handle *handle, const char *name, uint32_t type,
			   uint16_t e_machine, int big_endian, const void *desc, size_t len,
			   void (*cb)(void *userdata, const char *binding, uint64_t value, const void *bytes,
				      size_t nbytes),
			   void *userdata);

	/* ---- ABI 1.1: check GUESTCORE_HOST_ABI_AT_LEAST(host, 1, 1) or
	 * GUESTCORE_HOST_HAS first ---- */
	/* Who the host is and which ABI range it speaks. */
	int (*host_info)(struct guestcore_host_handle *handle, struct guestcore_host_info *ret_info);
	/* 1 when the host offers NAME, else 0: a host service ("service:log",
	 * "service:cancelled", ... the member names of this table) or an
	 * interface it uses ("interface:guestcore.memory-source"). */
	int (*host_offers)(struct guestcore_host_handle *handle, const char *name);
	/* 1 once the user asked the current dump to stop (SIGINT, SIGTERM,
	 * SIGHUP in the guestcore tool), else 0: a source that waits (on a
	 * monitor, a network) checks it at least once a second and gives up
	 * with -ECANCELED; resume() is still called afterwards. */
	int (*cancelled)(struct guestcore_host_handle *handle);
};

/* True when the host speaks at least plugin ABI MAJOR.MINOR. */
#define GUESTCORE_HOST_ABI_AT_LEAST(api, major, minor)                                  \
	((api) != NULL && GUESTCORE_PLUGIN_ABI_GET_MAJOR((api)->abi_version) == (major) && \
	 GUESTCORE_PLUGIN_ABI_GET_MINOR((api)->abi_version) >= (minor))

/* True when a struct the host sized (guest_info, range, host_info's
 * answer ...) is large enough to hold MEMBER: a plugin writes a field of a
 * struct the host hands it only when this holds, and reads one only when
 * the host's size covers it. */
#define GUESTCORE_STRUCT_HAS(ptr, type, member) \
	((ptr) != NULL && (ptr)->size >= offsetof(type, member) + sizeof(((type *)0)->member))

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
	uint32_t abi_version; /* GUESTCORE_PLUGIN_ABI_TARGET: the oldest ABI the plugin needs */
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

/* ==== Interfaces ==========================================================
 * A plugin offers an interface by returning its table from get_interface().
 * Every table begins with its own size; the host reads no field past it and
 * checks each function pointer before calling it. */

/* ---- memory source: "guestcore.memory-source" (GUESTCORE_CAP_MEMORY_SOURCE) */
#define GUESTCORE_IFACE_MEMORY_SOURCE "guestcore.memory-source"

/* The plugin's own instance type; the host only passes it back. */
struct guestcore_source;

enum guestcore_range_kind {
	GUESTCORE_RANGE_RAM = 0,
	GUESTCORE_RANGE_ROM = 1,
	GUESTCORE_RANGE_MMIO = 2, /* MMIO or reserved: no bytes in the core */
};

enum guestcore_guest_flags {
	/* ABI 1.3: this source pushes the bytes of its ranges without a file
	 * (push_memory); read() is not called for them. */
	GUESTCORE_GUEST_PUSHES = 1u << 0,
};

struct guestcore_guest_info {
	uint32_t size;        /* set by the host before the call */
	uint16_t e_machine;   /* EM_X86_64, EM_386, ... */
	uint8_t big_endian;   /* the guest's byte order */
	uint8_t flags;        /* ABI 1.3: enum guestcore_guest_flags (reserved, zero, before) */
	uint32_t cpu_count;
	uint32_t reserved1;
	const char *description; /* one line: what this source reads; owned by the plugin */
};

struct guestcore_range {
	uint32_t size;        /* set by the host before the call */
	uint32_t kind;        /* enum guestcore_range_kind */
	uint64_t start;       /* guest-physical address */
	uint64_t length;      /* bytes */
	/* When fd >= 0, the range's bytes are the file's at file_offset: the host
	 * may copy them without passing them through user space, and finds data
	 * and holes with SEEK_DATA/SEEK_HOLE.  The plugin owns the fd; the host
	 * reads it with positioned reads, from several threads at once, and
	 * moves its offset (SEEK_DATA): do not rely on the offset during a dump. */
	int32_t fd;
	uint32_t reserved0;
	uint64_t file_offset;
};

/* A note the guest carries itself (ABI 1.2): the VMCOREINFO note a Linux
 * guest publishes, or a note of an input core.  Everything it points to is
 * owned by the plugin and stays valid until close. */
struct guestcore_source_note {
	uint32_t size;        /* set by the host before the call */
	uint32_t type;        /* n_type */
	const char *name;     /* n_name, without padding; NUL-terminated */
	const void *desc;     /* the descriptor, desc_size bytes */
	uint64_t desc_size;
};

/* Where a pushing source puts its memory (ABI 1.3): the host's, handed to
 * push_memory() and valid during that call only. */
struct guestcore_memory_sink {
	uint32_t size;        /* sizeof(struct guestcore_memory_sink) as the host built it */
	uint32_t reserved0;
	/* LEN bytes of guest memory at guest-physical ADDR, all inside one RAM
	 * or ROM range without a file (fd < 0): DATA, or LEN zero bytes when
	 * DATA is NULL.  Any order; a byte written again takes the newest
	 * value.  0, or a negative errno after the host said why (a full
	 * disk, an interrupt: -ECANCELED): return it from push_memory(). */
	int (*write)(struct guestcore_memory_sink *sink, uint64_t addr, const void *data, size_t len);
	/* LEN bytes at ADDR, inside one range without a file, as the core
	 * holds them now: what write() gave, zeros where nothing was written
	 * yet.  For what a source learns the address of only after the memory
	 * went by (the guest's VMCOREINFO note). */
	int (*read)(struct guestcore_memory_sink *sink, uint64_t addr, void *buf, size_t len);
};

struct guestcore_memory_source_ops {
	uint32_t size;        /* sizeof(struct guestcore_memory_source_ops) */
	uint32_t reserved0;
	/* SPEC is what follows "NAME:" in --source NAME:SPEC.  On failure call
	 * host->set_error() and return a negative errno. */
	int (*open)(const struct guestcore_host_api *host, const char *spec,
		    struct guestcore_source **ret_source);
	void (*close)(struct guestcore_source *source);
	/* Stop the guest's vCPUs; the host calls it before reading anything and
	 * calls resume() on every path afterwards.  NULL for a guest that is not
	 * running (an image). */
	int (*pause)(struct guestcore_source *source);
	int (*resume)(struct guestcore_source *source);
	int (*describe)(struct guestcore_source *source, struct guestcore_guest_info *ret_info);
	/* The I-th range, in ascending, non-overlapping guest-physical order;
	 * -ENOENT past the last one.  The host keeps no copy: it asks for every
	 * I again in each pass over the ranges, so answer cheaply and the same
	 * way each time while the source is open (a change fails the dump). */
	int (*get_range)(struct guestcore_source *source, uint64_t i, struct guestcore_range *ret_range);
	/* Read LEN bytes at guest-physical ADDR, inside one range, into BUF.
	 * Return 0, -EIO for bytes that cannot be read (the host retries page by
	 * page and records what stays unreadable), or another negative errno. */
	int (*read)(struct guestcore_source *source, uint64_t addr, void *buf, size_t len);
	/* vCPU CPU's register NAME from the binding vocabulary (schemas/README.md,
	 * "reg.rip", "reg.cs.base"): 0 and *ret_value, or -ENOENT. */
	int (*get_register)(struct guestcore_source *source, uint32_t cpu, const char *name,
			    uint64_t *ret_value);
	/* Optional: byte registers ("reg.xsave"): set *ret_data (owned by the
	 * plugin, valid until close) and *ret_len, or -ENOENT. */
	int (*get_register_bytes)(struct guestcore_source *source, uint32_t cpu, const char *name,
				  const void **ret_data, size_t *ret_len);
	/* Optional (ABI 1.2): the I-th note the guest carries itself, in the
	 * order it should be written; -ENOENT past the last.  The host writes
	 * each after the note sets' notes, unless its name and type belong to
	 * a note layout the host knows (a note set writes those: the chosen
	 * ones write them anew) or the user asked for none; it asks for every
	 * I again in each pass, like get_range. */
	int (*get_note)(struct guestcore_source *source, uint64_t i, struct guestcore_source_note *ret_note);
	/* Optional (ABI 1.3): a source that receives its memory in an order
	 * of its own (a migration stream) hands it to SINK as it arrives,
	 * straight into its place in the core, and keeps no copy.  The host
	 * calls it once, after describe() and the ranges, when describe() set
	 * GUESTCORE_GUEST_PUSHES and some RAM or ROM range has no file
	 * (fd < 0): such a range's bytes come from
	 * sink->write() alone (read() is never called for them; what is never
	 * written reads as zeros), and the host copies the ranges with a file
	 * itself.  The host asks for registers and the source's notes only
	 * after push_memory() returned, so a source may learn them from the
	 * same stream; afterwards it calls describe() again, whose
	 * description may say what the push learned (the rest must be as
	 * before), and the ranges stay what get_range() said.  0, or a
	 * negative errno after set_error(); what the sink returned is
	 * returned as it is. */
	int (*push_memory)(struct guestcore_source *source, struct guestcore_memory_sink *sink);
};

/* ---- note provider: "guestcore.note-provider" (GUESTCORE_CAP_NOTE_PROVIDER) */
#define GUESTCORE_IFACE_NOTE_PROVIDER "guestcore.note-provider"

struct guestcore_note_provider_ops {
	uint32_t size;        /* sizeof(struct guestcore_note_provider_ops) */
	uint32_t reserved0;
	/* The layout ids this provider writes for a guest of E_MACHINE, in
	 * writing order, NULL-terminated; each is written once or once per vCPU
	 * as its layout says (every vCPU's before the next id's).  An id that
	 * starts with '+' joins the one before it: per-cpu layouts so joined
	 * are written vCPU by vCPU ("a", "+b": a0 b0 a1 b1 ...; at most 8).
	 * NULL (after set_error) when the guest is not supported. */
	const char *const *(*layouts)(const struct guestcore_host_api *host, uint16_t e_machine);
	/* Optional: called for each instance before it is encoded. */
	int (*fill)(const struct guestcore_host_api *host, struct guestcore_note_builder *nb);
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
