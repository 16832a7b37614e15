/* Reading a kdump-compressed file, plain or flattened: the headers, the two
 * bitmaps, page descriptors and pages, every count capped and every offset
 * checked against the file before anything is read or allocated.  Used by
 * libguestcore's reader and validator and by the elfcore plugin. */
#ifndef GUESTCORE_KDUMP_KDFILE_H
#define GUESTCORE_KDUMP_KDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "format.h"

#define KD_MAX_BITMAP_BYTES (256ull << 20) /* each bitmap: 8 Ti pages frames of 4 KiB */
#define KD_MAX_FLAT_RECORDS (1u << 24)
#define KD_MIN_BLOCK 1024u
#define KD_MAX_BLOCK 65536u

/* A problem the reader found and read past; validate reports it. */
typedef void (*kd_problem_fn)(void *userdata, const char *id, uint64_t offset, const char *message);

struct kd_flat_rec {
	uint64_t logical, size, file; /* SIZE bytes of the real file at LOGICAL are at FILE */
};

struct kd_desc {
	uint64_t offset;
	uint32_t size, flags;
	uint64_t page_flags;
};

struct kd_file {
	int fd;
	uint64_t file_size;       /* of the file itself */
	uint64_t logical_size;    /* of the real file (flattened: the end of the last record) */
	bool flat;
	struct kd_flat_rec *recs; /* sorted by logical offset, none overlapping */
	size_t n_recs;
	bool be;                  /* the file's byte order */
	bool lp32;                /* the 32-bit struct layout (i386 guests) */

	/* the main header */
	uint32_t header_version;
	char uts[6][KD_UTS_LEN + 1]; /* sysname nodename release version machine domainname */
	uint64_t ts_sec, ts_usec;
	uint32_t status;
	uint32_t block_size, sub_hdr_size, bitmap_blocks;
	uint32_t max_mapnr32, total_ram_blocks, device_blocks, written_blocks, current_cpu;
	int32_t nr_cpus;
	/* the sub header (fields of later header versions are 0) */
	uint64_t sub_offset, sub_size;
	uint64_t phys_base;
	int32_t dump_level, split;
	uint64_t start_pfn, end_pfn;
	uint64_t offset_vmcoreinfo, size_vmcoreinfo, offset_note, size_note, offset_eraseinfo, size_eraseinfo;
	uint64_t start_pfn_64, end_pfn_64, max_mapnr_64;

	/* derived */
	uint64_t max_mapnr;       /* page frames read: those the bitmaps and descriptors describe */
	uint64_t header_mapnr;    /* the header's max_mapnr, as it says */
	uint64_t bitmap_offset, bitmap_len; /* the first bitmap; the second follows it */
	uint64_t desc_offset;     /* the first page descriptor */
	unsigned char *bm1, *bm2;
	uint64_t *rank;           /* set bits of bm2 before each 4096-bit block */
	uint64_t n_present;       /* bits set in the first bitmap */
	uint64_t n_dumpable;      /* bits set in the second: page descriptors */
	uint64_t *run_rank;       /* runs of bm1 starting before each 4096-bit block */
	uint64_t n_runs;          /* runs of page frames in bm1 */
	uint64_t run_j, run_start, run_end; /* the run kd_run() found last (run_j UINT64_MAX: none) */

	struct kd_decompressor dc;
	unsigned char *cbuf;      /* a compressed page */
	unsigned char *dcache;    /* page descriptors read ahead */
	uint64_t dcache_first, dcache_n;
	uint64_t rank_pfn, rank_idx; /* the dumped page kd_page_desc() found last, and its index */
	/* The page kd_read_page() read last, by its descriptor: pages sharing
	 * one descriptor's data (makedumpfile's zero page) are read once, and a
	 * page that failed fails again at once (the host asks again for its
	 * head and tail). */
	unsigned char *last;
	struct kd_desc last_desc;
	int last_r;               /* 0, -EIO; 1: nothing read yet */
	char last_why[160];       /* the failure, without the page frame */
};

/* Open FD (FILE_SIZE bytes) as a kdump-compressed file.  1 when it is one
 * and can be read, 0 when it does not start like one (nothing allocated),
 * a negative errno with one sentence in MSG when it starts like one but
 * cannot be read.  PROBLEM (may be NULL) hears what was read past. */
int kd_open(struct kd_file *k, int fd, uint64_t file_size, kd_problem_fn problem, void *userdata, char *msg,
	    size_t msgsz);
void kd_close(struct kd_file *k);

/* LEN bytes at OFFSET of the real file (through the records when
 * flattened).  0, or -EIO when part of it is not in the file. */
int kd_pread(struct kd_file *k, void *buf, size_t len, uint64_t offset);
static inline bool kd_bit(const unsigned char *bm, uint64_t pfn)
{
	return bm[pfn >> 3] >> (pfn & 7) & 1;
}
/* The page descriptor of the dumped page PFN (its bit in bm2 is set). */
int kd_page_desc(struct kd_file *k, uint64_t pfn, struct kd_desc *ret, uint64_t *ret_index);
int kd_desc_at(struct kd_file *k, uint64_t index, struct kd_desc *ret);
/* The block_size bytes of page frame PFN: 0 with *RET pointing at them
 * (valid until the next call), -ENXIO when the page is not in the dump,
 * -EIO (MSG says why) when its data cannot be had. */
int kd_read_page(struct kd_file *k, uint64_t pfn, const unsigned char **ret, char *msg, size_t msgsz);
/* The next run of page frames the first bitmap marks, at or after *PFN:
 * true with it in [*PFN, *END), false when none is left.  Walk with
 * *PFN = *END. */
bool kd_next_run(const struct kd_file *k, uint64_t *pfn, uint64_t *end);
/* The J-th run of page frames of the first bitmap (from 0, of n_runs), in
 * [*START, *END): found through the run index without a walk, and in
 * constant time after run J-1.  -ERANGE past the last. */
int kd_run(struct kd_file *k, uint64_t j, uint64_t *start, uint64_t *end);
/* One ELF note of a notes blob (the sub header's notes). */
struct kd_note {
	uint32_t namesz, descsz, type;
	uint64_t name_off, desc_off; /* in the blob */
};

/* The note at *OFF of the SIZE bytes at BLOB: 1 with it in *RET and *OFF
 * past it, 0 at the end or where only zero padding follows, -EINVAL when its
 * name or descriptor runs past the blob (*OFF stays at it). */
int kd_note_next(const unsigned char *blob, uint64_t size, uint64_t *off, bool be, struct kd_note *ret);
/* The file's ELF machine from utsname.machine, 0 when unknown. */
uint16_t kd_machine(const struct kd_file *k);

#endif
