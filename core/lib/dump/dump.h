/* The dump inside libguestcore: one struct shared by the source wrapper
 * (dump/source.c), the note builder (dump/notes.c), the memory copy
 * (dump/copy.c), the sink of a source that pushes (dump/push.c), the entry
 * point and output file (dump/write.c), failures and I/O (dump/io.c) and
 * the two containers, ELF (elf/write.c) and kdump-compressed
 * (kdump/write.c). */
#ifndef GUESTCORE_DUMP_H
#define GUESTCORE_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>

#include "../layout/layout.h"
#include "../outfile.h"
#include "../core_limits.h"
#include "../vmci.h"

#define GC_PAGE 4096u
#define GC_CHUNK (1u << 20)           /* bytes per read or copy step */
#define GC_UNREADABLE_NOTES 1024u     /* per-range notes reserved; counts stay exact beyond */
#define GC_MAX_CPUS 4096u

struct gc_note {
	const struct guestcore_note_layout *layout;
	struct guestcore_note_layout *own;  /* a source's note: the layout made for it, freed with the note */
	unsigned char *desc;  /* encoded descriptor, NULL for the host's own late notes */
	uint64_t desc_size;
	uint64_t size;        /* bytes in the file: header, name, descriptor, padding */
	uint64_t offset;      /* in the file */
};

struct gc_unknown {
	uint32_t cpu;
	char *binding;
};

/* The GUESTCORE note that lists, per vCPU, the registers the source could
 * not give: text, one line per vCPU, "vCPU N: reg.a reg.b". */
#define GC_NOTE_UNKNOWN_REGISTERS 0x47430004u

struct gc_span {
	uint64_t start, size;
};

struct gc_dump;

/* A range without a file of a source that pushes its memory (dump/push.c). */
struct gc_pushed {
	uint64_t start, length;
	uint64_t out_off;     /* ELF: the file offset of its first byte */
	uint64_t first_page;  /* kdump: the descriptor of its first page */
	uint64_t bit;         /* its first page's bit in gc_dump.push_bits */
	uint64_t index;       /* among all the source's ranges */
};

/* A container: how the file is laid out around the same source and notes.
 * check() owns its options (the compression, the copy mode, the ELF class,
 * the digest): one that does not apply to it is refused.  layout() fixes
 * every size the notes and headers need and places the notes
 * (gc_notes_place; for a source that pushes, whose notes are built after
 * its memory, the caller places them behind it); write_memory() fills the
 * open unnamed file (d->fd) with guest memory, the ranges with a file
 * itself and the others by gc_push_memory(), and sets file_size;
 * write_headers() writes what needs the notes' final size, after the
 * caller wrote the late notes.  The caller opens the file and links it
 * into place. */
struct gc_container {
	const char *name;
	/* The options, before the source is opened: one that does not apply
	 * to this container is refused with one sentence, never ignored. */
	int (*check)(struct gc_dump *d);
	int (*layout)(struct gc_dump *d);
	int (*write_memory)(struct gc_dump *d);
	int (*write_headers)(struct gc_dump *d, uint64_t notes_size);
	/* A pushing source's bytes, inside range R (dump/push.c): LEN bytes
	 * at ADDR, DATA or zeros when NULL, the newest winning; read back;
	 * and the end of the push, with every pushed range (OK false after
	 * a failure: only free what push() made). */
	int (*push)(struct gc_dump *d, const struct gc_pushed *r, uint64_t addr, const void *data, size_t len);
	int (*pull)(struct gc_dump *d, const struct gc_pushed *r, uint64_t addr, void *buf, size_t len);
	int (*push_end)(struct gc_dump *d, const struct gc_pushed *ranges, size_t n, bool ok);
};
GC_HIDDEN extern const struct gc_container gc_container_elf, gc_container_kdump;

struct gc_dump {
	struct guestcore_dump_opts o;
	const struct gc_container *container;
	struct guestcore_host *host;
	const struct guestcore_layouts *layouts;
	bool no_pause;         /* describe only: a running guest is left running */
	char *msg;
	size_t msgsz;

	/* the source */
	struct guestcore_plugin *src_plugin;
	/* The plugin's table copied whole (GC_TABLE_IN): a callback past the
	 * size it was built with is NULL here. */
	struct guestcore_memory_source_ops src_ops;
	const struct guestcore_memory_source_ops *src; /* &src_ops once checked */
	struct guestcore_source *source;
	bool paused;
	bool not_resumed;             /* resume() failed: the guest stays paused */
	char resume_msg[1024];
	struct guestcore_guest_info info;
	char *description;
	/* The ranges are not kept: gc_range_walk_next() fetches them again. */
	uint64_t n_ranges, n_file_ranges; /* all, and those with bytes in the file (not MMIO) */
	uint64_t max_end;             /* highest guest-physical end */
	uint64_t data_span;           /* bytes from the first range's offset to the file's end */
	uint64_t ranges_hash;         /* of every range, as the first walk saw them */
	bool ranges_listed;           /* the first walk is done */
	/* The source pushes (ABI 1.3 push_memory) the ranges without a file:
	 * the notes and registers come after memory, the notes behind it. */
	bool pushes;
	unsigned char *push_bits;     /* a bit per page of those ranges: it holds data */
	void *push_state;             /* the container's, between its first push and push_end */
	int *inputs;                  /* the files the ranges read, sorted, once each */
	size_t n_inputs;

	/* the notes: providers' first, then the host's own */
	struct gc_note *notes;
	size_t n_notes;
	const struct guestcore_note_layout *gc_info, *gc_unreadable;
	uint64_t unreadable_note_size; /* one per-unreadable note in the file */
	/* Registers a note binds that the source could not give (written as
	 * zeros, listed in the GUESTCORE "unknown registers" note). */
	struct gc_unknown *unknown;
	size_t n_unknown;
	time_t created;

	/* pages that could not be read */
	struct gc_span *unread;       /* at most GC_UNREADABLE_NOTES, the last one covering the rest */
	size_t n_unread;
	uint64_t unread_count, unread_bytes;

	/* the output */
	int elf_class;
	bool big_endian;
	int fd;                       /* out.fd while the file is open */
	struct gc_outfile out;
	uint64_t n_phdrs;             /* the PT_NOTE and a PT_LOAD per range */
	uint64_t n_phdr_room;         /* room for them and the kernel image's pieces */
	uint64_t notes_offset, notes_reserved, data_offset, file_size;
	uint64_t total, done;
	unsigned char *buf;           /* GC_CHUNK bytes */
	bool no_copy_file_range;      /* the kernel refused it for this output */
	bool no_sendfile;
	bool no_parallel;             /* the output cannot be mapped: one thread copies */
	bool presized;                /* the output already reaches file_size */
	struct gc_writeback *wb;      /* the writeback thread, once started */
	struct gc_pool *pool;         /* the worker threads, once started (dump/pool.c) */
	bool no_writeback;
	/* The last hole and data extent SEEK_DATA/SEEK_HOLE found in ext_fd:
	 * [ext_gap, ext_data) a hole, [ext_data, ext_hole) data (ext_data is
	 * UINT64_MAX when no data follows the hole).  tmpfs answers by walking
	 * every page up to the answer, and a guest's ranges often share one
	 * backend file: with a million ranges in one hole, asking once per range
	 * would cost the square. */
	int ext_fd;
	uint64_t ext_gap, ext_data, ext_hole;

	/* the kdump container */
	uint32_t kd_flag;             /* KD_COMPRESSED_* of its pages, 0: stored as they are */
	uint64_t page_data_bytes;     /* bytes of page data written */
	uint64_t kd_max_mapnr, kd_pages; /* page frames the bitmaps cover, and pages dumped */
	uint64_t kd_sub_blocks, kd_bitmap_offset, kd_bitmap_len, kd_desc_offset;

	/* VMCOREINFO (dump/vmcoreinfo.c): the search of guest memory while it
	 * is copied (NULL: none), and the text the core gets from memory or a
	 * file (a source's is one of its notes). */
	struct gc_vmci_scan *vmci_scan;
	unsigned char *vmci_text;
	size_t vmci_len;
	int vmci_origin;              /* GC_VMCI_FROM_*, 0 while there is none */
	uint64_t vmci_addr;           /* of the text found in memory */
	uint32_t vmci_found;          /* distinct texts memory holds that passed the checks */
	const struct guestcore_note_layout *gc_vmci; /* guestcore.vmcoreinfo */
	const struct guestcore_note_layout *gc_kmap; /* guestcore.kernel-map, written with it */
	/* The kernel image's mapping from the core's VMCOREINFO (ELF: its RAM
	 * a PT_LOAD of its own at that virtual address), once memory is in. */
	struct gc_kernel_map kmap;    /* the kernel image's and the direct map's virtual addresses */

	/* --digest: XXH3-128 per range with file data */
	void *hash;                   /* XXH3_state_t */
	unsigned char (*digests)[16];
	const struct guestcore_note_layout *gc_digest;
	uint64_t digest_note_size;
	size_t n_digest_notes;
};

/* The VMCOREINFO search (dump/vmcoreinfo.c reads what it recorded): the
 * pages of guest memory that begin as the kernel's text or note. */
#define GC_VMCI_PAGES 1024u /* pages recorded; more are counted */
struct gc_vmci_scan {
	pthread_mutex_t lock;
	uint64_t addr[GC_VMCI_PAGES];
	size_t n;
	uint64_t more;
};

/* Called for each page of guest memory the copy holds (ADDR its
 * guest-physical address, N its bytes, from any thread): a page that
 * begins as the kernel's vmcoreinfo_data ("OSRELEASE=") or vmcoreinfo_note
 * (a note named VMCOREINFO) is recorded.  Two byte tests per page. */
static inline void gc_vmci_page(struct gc_dump *d, uint64_t addr, const unsigned char *p, size_t n)
{
	struct gc_vmci_scan *s = d->vmci_scan;

	if (!s || n < 24 || addr % GC_PAGE ||
	    !((p[0] == 'O' && memcmp(p, "OSRELEASE=", 10) == 0) || (p[12] == 'V' && memcmp(p + 12, "VMCOREINFO", 11) == 0)))
		return;
	pthread_mutex_lock(&s->lock);
	if (s->n < GC_VMCI_PAGES)
		s->addr[s->n++] = addr;
	else
		s->more++;
	pthread_mutex_unlock(&s->lock);
}

GC_HIDDEN void gc_dump_fail(struct gc_dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One walk over the source's ranges, in order. */
struct gc_range_walk {
	uint64_t i;       /* ranges returned so far */
	uint64_t off;     /* file offset where the next range's bytes go (before alignment) */
	uint64_t end;     /* guest-physical end of the previous range */
	uint64_t hash;
};

/* A struct the host hands a plugin to fill (guest info, a range, a source
 * note): sized by the host, with GC_STRUCT_SLACK spare bytes behind it, so
 * that a plugin built for a newer ABI that writes a newer field without
 * GUESTCORE_STRUCT_HAS corrupts nothing and is caught by gc_filled(). */
#define GC_STRUCT_SLACK 256
#define GC_FILL(type)                                          \
	union {                                                \
		type s;                                        \
		unsigned char bytes[sizeof(type) + GC_STRUCT_SLACK]; \
	}
#define GC_FILL_INIT(type) { .s = { .size = sizeof(type) } }
/* 0 when the plugin stayed inside the struct; else the dump fails with a
 * sentence naming the struct (TYPE_NAME) and, when ITEM is set, which one
 * ("range", INDEX). */
GC_HIDDEN int gc_filled(struct gc_dump *d, const unsigned char *bytes, size_t size, const char *type_name,
			const char *item, uint64_t index);

/* dump/source.c */
GC_HIDDEN int gc_source_open(struct gc_dump *d);
GC_HIDDEN void gc_range_walk_init(struct gc_range_walk *w, uint64_t data_offset);
GC_HIDDEN int gc_range_walk_next(struct gc_dump *d, struct gc_range_walk *w, struct guestcore_range *ret,
				 uint64_t *ret_off);
GC_HIDDEN void gc_source_close(struct gc_dump *d);
/* The source plugin's last error, else strerror(-R). */
GC_HIDDEN const char *gc_dump_plugin_error(struct gc_dump *d, int r);
GC_HIDDEN int gc_source_value(struct gc_dump *d, uint32_t cpu, const char *binding, struct guestcore_value *ret,
			      char *strbuf, size_t strbufsz);

/* dump/push.c: the source's push_memory() into the container. */
GC_HIDDEN int gc_push_memory(struct gc_dump *d);
/* LEN bytes of guest memory at ADDR, inside one range, as the core holds
 * them once its memory is written (a pushed range read back from the
 * output, any other from its file or the source): 0, or a negative errno
 * (nothing recorded as unreadable; d->msg may say why). */
GC_HIDDEN int gc_guest_read(struct gc_dump *d, uint64_t addr, void *buf, size_t len);

/* dump/vmcoreinfo.c: the guest kernel's VMCOREINFO.  Where it came from,
 * as the guestcore.vmcoreinfo note's origin says. */
#define GC_VMCI_FROM_SOURCE 1
#define GC_VMCI_FROM_MEMORY 2
#define GC_VMCI_FROM_FILE 3
/* The options: the search set up, or the file read (one sentence on
 * failure); before the source is opened. */
GC_HIDDEN int gc_vmci_begin(struct gc_dump *d);
/* The file's text is a VMCOREINFO of the source's machine (known once the
 * source is open): 0, or the dump fails with the sentence. */
GC_HIDDEN int gc_vmci_file_check(struct gc_dump *d);
/* The source's notes are known (before memory, unless it pushes): the
 * search stops when one of them is the core's VMCOREINFO. */
GC_HIDDEN void gc_vmci_notes_known(struct gc_dump *d);
/* After memory (and a pushing source's notes): without a VMCOREINFO from
 * the source or a file, the pages the search recorded read back, checked,
 * one chosen and added as the VMCOREINFO note (warnings for the rest). */
GC_HIDDEN int gc_vmci_take(struct gc_dump *d);
GC_HIDDEN void gc_vmci_free(struct gc_dump *d);
/* Where the kernel maps its image and RAM (d->kmap), from the core's
 * VMCOREINFO note and the guest memory it points to, for a container that
 * left room for the image's PT_LOADs. */
GC_HIDDEN void gc_vmci_window(struct gc_dump *d);
/* The kernel's VMCOREINFO_BYTES: a text in its memory is at most a page;
 * the room its note may take, reserved while the search runs. */
#define GC_VMCI_BYTES 4096u
#define GC_VMCI_NOTE_ROOM (12u + 12u + GC_VMCI_BYTES)
/* The kernel's utsname (sysname ... domainname) read at init_uts_ns, where
 * VMCOREINFO says where it is: 1 with UTS filled when the bytes there are
 * one (printable, the sysname Linux, the release VMCOREINFO's), -1 when
 * they are not or cannot be read, 0 when VMCOREINFO or the machine's table
 * does not say where it is. */
GC_HIDDEN int gc_kernel_utsname(struct gc_dump *d, const unsigned char *vmci, size_t len, char uts[6][65]);
GC_HIDDEN bool gc_push_bit(const struct gc_dump *d, uint64_t bit);
GC_HIDDEN void gc_push_set_bit(struct gc_dump *d, uint64_t bit, bool on);

/* dump/notes.c */
GC_HIDDEN int gc_notes_build(struct gc_dump *d);
GC_HIDDEN int gc_notes_write_late(struct gc_dump *d, uint64_t *ret_notes_size);
/* Every note's offset from NOTES_OFFSET on, and the bytes reserved for them
 * and for the late ones (unreadable ranges, digests): notes_offset and
 * notes_reserved. */
GC_HIDDEN void gc_notes_place(struct gc_dump *d, uint64_t notes_offset);
/* The placed notes within what the reader reads (core_limits.h): 0, or the
 * dump fails with the sentence. */
GC_HIDDEN int gc_notes_check(struct gc_dump *d);
GC_HIDDEN uint64_t gc_note_file_size(const struct guestcore_note_layout *nl, uint64_t desc_size);
GC_HIDDEN void gc_notes_free(struct gc_dump *d);
/* d->vmci_text (copied) as the VMCOREINFO note, before guestcore's own. */
GC_HIDDEN int gc_notes_add_vmcoreinfo(struct gc_dump *d);
/* The core's VMCOREINFO note, when it has one (n->offset is its place in
 * the file once the late notes are written). */
GC_HIDDEN const struct gc_note *gc_notes_vmcoreinfo(const struct gc_dump *d);

/* dump/io.c: below every other part of the dump (with gc_dump_fail). */
GC_HIDDEN int gc_pwrite_all(struct gc_dump *d, const void *buf, size_t len, uint64_t off, const char *what);
GC_HIDDEN int gc_io_error(struct gc_dump *d, int err, const char *what);
GC_HIDDEN int gc_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
GC_HIDDEN int gc_pread_full(int fd, void *buf, size_t len, uint64_t off);
GC_HIDDEN void gc_dump_progress(struct gc_dump *d);

/* dump/copy.c */
GC_HIDDEN int gc_copy_range(struct gc_dump *d, const struct guestcore_range *rg, uint64_t i, uint64_t off);
/* Have the disk write the core behind the copy: writeback of the bytes from
 * d->data_offset up to a little before UPTO is started by a thread, every
 * 32 MiB; gc_writeback_stop ends it. */
GC_HIDDEN void gc_writeback_start(struct gc_dump *d, uint64_t upto);
GC_HIDDEN void gc_writeback_stop(struct gc_dump *d);
/* [ADDR, ADDR+LEN) through the source's read(), unreadable pages as zeros
 * (recorded). */
GC_HIDDEN int gc_read_chunk(struct gc_dump *d, uint64_t addr, unsigned char *buf, size_t len);
/* LEN bytes at AT of range RG: from its file when it has one (positioned
 * reads), else, and where the file fails, as gc_read_chunk(). */
GC_HIDDEN int gc_read_range(struct gc_dump *d, const struct guestcore_range *rg, uint64_t at, unsigned char *buf,
			    size_t len);
/* All N bytes at P are zero (N a page or less; P 8-byte aligned). */
GC_HIDDEN bool gc_page_is_zero(const unsigned char *p, size_t n);
/* Where FD's data lies at or after AT (SEEK_DATA/SEEK_HOLE, the last answer
 * kept): 1 with it in [*DATA, *HOLE), 0 when none follows AT (*HOLE the
 * file's size or UINT64_MAX), -1 when the file system cannot say. */
GC_HIDDEN int gc_next_extent(struct gc_dump *d, int fd, uint64_t at, uint64_t *data, uint64_t *hole);
/* A range's memory as the host copies it, one extent after another: both
 * containers walk it with gc_range_extent(). */
enum gc_extent_kind {
	GC_EXTENT_FILE,   /* bytes in the source's file (rg->fd at rg->file_offset + at) */
	GC_EXTENT_HOLE,   /* a hole of the source's file: zeros, not read */
	GC_EXTENT_SOURCE, /* through the source's read(): no file, or past the file's end */
	GC_EXTENT_PUSHED, /* the source pushes it (zeros until it does) */
};
struct gc_extent {
	enum gc_extent_kind kind;
	uint64_t at, len; /* in the range */
};
/* The extent of range RG that starts at AT (< rg->length), to its end or
 * the next change of kind. */
GC_HIDDEN void gc_range_extent(struct gc_dump *d, const struct guestcore_range *rg, uint64_t at,
			       struct gc_extent *ret);
/* dump/pool.c: a thread with every signal blocked (0 or an errno), the
 * CPUs the process may use, and the dump's one pool of worker threads (both containers).
 * A task runs FN(ARG) on the first idle thread; submitted tasks beyond the
 * threads wait in order. */
GC_HIDDEN int gc_start_thread(pthread_t *t, void *(*fn)(void *), void *arg);
GC_HIDDEN int gc_cpu_count(void);
#define GC_POOL_MAX 16 /* threads at most */
enum gc_task_state { GC_TASK_IDLE, GC_TASK_QUEUED, GC_TASK_DONE };
struct gc_task {
	void (*fn)(void *arg);
	void *arg;
	enum gc_task_state state; /* the pool's, under its lock */
	struct gc_task *next;
};
/* The pool's threads, started at the first call: 0 when none could be. */
GC_HIDDEN int gc_pool_threads(struct gc_dump *d);
/* 0, or -EAGAIN when the pool has no thread (the caller does the work). */
GC_HIDDEN int gc_pool_submit(struct gc_dump *d, struct gc_task *t);
/* Until T (submitted, or idle: no wait) has run. */
GC_HIDDEN void gc_pool_wait(struct gc_dump *d, struct gc_task *t);
GC_HIDDEN void gc_pool_stop(struct gc_dump *d);

static inline bool gc_cancelled(const struct gc_dump *d)
{
	return d->o.cancel && *d->o.cancel;
}

#endif
