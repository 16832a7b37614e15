/* Note layouts inside libguestcore: what a loaded layout file becomes.  Each
 * note layout is flattened into leaves (one per scalar, byte array, string,
 * padding or reserved span) with absolute offsets and resolved bindings; the
 * codec walks the leaves. */
#ifndef GUESTCORE_LAYOUT_H
#define GUESTCORE_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "../internal.h"

#define GC_LAYOUT_MAX_SIZE (1u << 20)   /* largest descriptor a layout may describe */
#define GC_LAYOUT_MAX_LEAVES 65536u
#define GC_LAYOUT_FILE_MAX (4u << 20)   /* largest layout file read */
#define GC_LAYOUT_LANGUAGE 1u           /* the layout language version this guestcore reads */

struct gc_enum_value {
	char *name;
	uint64_t value;
};

struct gc_enum {
	char *name;
	struct gc_enum_value *values;
	size_t n_values;
	bool is_flags; /* flags: value is a bit number */
};

struct gc_leaf {
	char *path;           /* "cs.uBase", "dr[3]" */
	uint32_t type;        /* enum guestcore_field_type */
	uint32_t value_kind;  /* enum guestcore_value_kind */
	uint64_t offset;
	uint64_t size;
	uint64_t const_value;
	char *const_str;      /* string constants */
	char *binding;        /* resolved binding, or NULL */
	const struct gc_enum *enumeration;
	const struct gc_enum *flags;
	bool optional;
	char *doc;
};

struct guestcore_note_layout {
	char *id;
	char *family;
	char *note_name;
	char *doc;
	char *file;
	unsigned line;
	uint32_t n_type;
	uint32_t name_format;
	uint32_t desc_align;
	uint32_t repeat;
	uint16_t e_machine; /* 0: any */
	bool open;
	uint64_t size;      /* with every optional member */
	uint64_t min_size;  /* without optional members */
	int size_leaf;      /* leaf holding the descriptor size, or -1 */
	struct gc_leaf *leaves;
	size_t n_leaves;
	struct gc_layout_file *owner;
};

/* One loaded file: owns its enums and note layouts. */
struct gc_layout_file {
	char *path;
	char *family;
	struct gc_enum **enums;
	size_t n_enums;
	struct guestcore_note_layout **notes;
	size_t n_notes;
};

struct guestcore_layouts {
	char *xsd_path;
	void *schema; /* xmlSchemaPtr, parsed once */
	struct gc_layout_file **files;
	size_t n_files;
	struct guestcore_note_layout **all; /* every note layout of every file */
	size_t n_all;
};

/* NAME is in the binding vocabulary (of any machine). */
GC_HIDDEN bool gc_vocab_known(const char *name);
/* NAME is common to every machine or in MACHINE's register table. */
GC_HIDDEN bool gc_vocab_for_machine(const char *name, uint16_t machine);
/* NAME's value is a byte string (a source gives it by get_register_bytes). */
GC_HIDDEN bool gc_vocab_bytes(const char *name);
GC_HIDDEN uint64_t gc_type_size(uint32_t type);
GC_HIDDEN const char *gc_type_name(uint32_t type);
GC_HIDDEN void gc_layout_file_free(struct gc_layout_file *f);
/* The layout language version of the file PATH (its root's version=, 1 when
 * absent): 0, or a negative errno when it cannot be read or parsed. */
GC_HIDDEN int gc_layout_file_language(const char *path, unsigned *ret_version);

/* layout/codec.c: set a field by path in an encoded descriptor. */
GC_HIDDEN int gc_note_patch(const struct guestcore_note_layout *nl, unsigned char *desc, uint64_t desc_size,
			    const char *path, bool is_bytes, uint64_t value, const void *data, size_t len,
			    bool big_endian);

#endif
