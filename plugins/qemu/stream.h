/* The reader of QEMU's migration stream (plugins/qemu/stream.c): RAM
 * blocks and their pages into one sparse file (zero pages stay holes) or,
 * page runs as they come, to the caller (which pushes them on), the
 * device sections decoded with the stream's own JSON description
 * (QEMU_VM_VMDESCRIPTION), so that no offset is hard-coded per QEMU
 * version.  The format: QEMU's docs/devel/migration.rst, migration/savevm.c
 * and migration/ram.c; scripts/analyze-migration.py reads the same. */
#ifndef GUESTCORE_QEMU_STREAM_H
#define GUESTCORE_QEMU_STREAM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QSTREAM_MAX_BLOCKS 4096
#define QSTREAM_MAX_TAIL (64u << 20)      /* device sections and the description */
#define QSTREAM_MAX_FIELDS 1000000        /* decoded device fields, all devices */
#define QSTREAM_MAX_DEPTH 16              /* structs in structs */
#define QSTREAM_MAX_RAM (UINT64_C(1) << 46) /* 64 TiB: RAM blocks all together */

/* Where the stream's bytes come from: read up to LEN bytes into BUF,
 * return how many (0 at the end) or a negative errno (the reader has set
 * the stream's error then, or the caller names the errno). */
struct qstream_input {
	ssize_t (*read)(void *userdata, void *buf, size_t len);
	void *userdata;
};

struct qstream_block {
	char name[256];       /* the RAM block's idstr: "pc.ram", "mem", "0000:00:02.0/vga.vram" */
	uint64_t length;      /* used_length */
	uint64_t offset;      /* where its bytes are in the memory file */
	uint64_t mr_addr;     /* with x-ignore-shared: its memory region's address */
	uint64_t pages;       /* pages the stream carried with data */
};

struct qstream_field {
	uint32_t device;      /* index in devices */
	uint32_t name;        /* offset of its name in names */
	uint32_t offset;      /* its bytes in tail (big-endian as QEMU wrote them) */
	uint32_t size;
};

struct qstream_device {
	char name[256];       /* the section's idstr: "cpu", "apic", "0000:00:01.3/piix4_pm" */
	uint32_t instance;
	uint32_t version;
	size_t first_field, n_fields;
};

struct qstream {
	/* Set by the caller before qstream_read(). */
	int mem_fd;           /* an empty file the RAM blocks are written into, one after another */
	/* Or, when PUT is set, no file: once the block list is read,
	 * LISTED(USERDATA, S) (each block's offset set as in the file), then
	 * each run of pages as it comes, PUT(USERDATA, OFF, DATA, LEN) with
	 * OFF where the file would hold them and DATA NULL for zeros, a page
	 * again whenever the stream sends it again.  A negative errno from
	 * either ends the read with it (S->error as the callback set it). */
	int (*listed)(void *userdata, struct qstream *s);
#define QSTREAM_STOP (-ECHILD) /* from LISTED: qstream_read() ends there with 0 */
	int (*put)(void *userdata, uint64_t off, const void *data, size_t len);
	void *userdata;
	/* Results. */
	struct qstream_block *blocks;
	size_t n_blocks;
	uint64_t mem_size;    /* bytes of the memory file, the blocks page-aligned */
	struct qstream_device *devices;
	size_t n_devices;
	struct qstream_field *fields;
	size_t n_fields;
	unsigned char *tail;  /* the device sections' bytes */
	size_t tail_len;
	char *names;          /* the fields' names, each NUL-terminated */
	size_t names_len, names_cap;
	uint32_t page_size;
	bool ignore_shared;   /* the stream says x-ignore-shared: shared blocks carry no pages */
	bool footers;         /* its sections end with footers (every machine type since QEMU 2.6) */
	char machine[256];    /* the configuration section's machine type */
	uint64_t data_pages, zero_pages;
	uint64_t bytes;       /* of the stream, all read */
	char error[512];      /* one sentence, when qstream_read() failed */
};

/* Read a whole stream from IN.  0, or a negative errno with S->error set:
 * -EPROTO for a stream that breaks the format, -ENOSPC and the like for
 * the memory file, what IN returned for its own failures (an early end is
 * -EPIPE).  qstream_free() either way. */
int qstream_read(struct qstream *s, const struct qstream_input *in);
void qstream_free(struct qstream *s);

/* END holds the last LEN bytes of a whole stream (a file's): how many
 * device sections named NAME its description lists, in *RET; -ENOENT when
 * those bytes do not end in a description. */
int qstream_count_devices(const unsigned char *end, size_t len, const char *name, uint32_t *ret);
/* The device section NAME with INSTANCE, or NULL. */
const struct qstream_device *qstream_device(const struct qstream *s, const char *name, uint32_t instance);
/* FIELD of DEV ("env.regs[3]", "env.segs[1].base", "apicbase"): its value
 * as an unsigned integer of its size (1, 2, 4 or 8 bytes, big-endian in the
 * stream); -ENOENT when the section has no such field, -EINVAL for another
 * size. */
int qstream_u64(const struct qstream *s, const struct qstream_device *dev, const char *field, uint64_t *ret);
/* FIELD's bytes as the stream has them, or NULL. */
const unsigned char *qstream_bytes(const struct qstream *s, const struct qstream_device *dev, const char *field,
				   size_t *ret_size);
/* The block named NAME, or NULL. */
const struct qstream_block *qstream_block(const struct qstream *s, const char *name);

#endif
