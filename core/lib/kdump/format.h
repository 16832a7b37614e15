/* The kdump-compressed ("diskdump") file as makedumpfile and QEMU write it:
 * every offset and constant the writer (write.c) and the reader (kdfile.c)
 * share.  Header version 6 with 64-bit page frame numbers; the structs are
 * laid out as on an LP64 host (the 32-bit layout of i386 guests, which QEMU
 * writes, is read too).  makedumpfile's IMPLEMENTATION file describes it:
 *
 *   block 0       main header (disk_dump_header)
 *   block 1       sub header (kdump_sub_header), then the ELF notes blob
 *   1 + sub       first bitmap (a bit per page frame: RAM or ROM there)
 *                 second bitmap (a bit per page frame: its page is dumped)
 *   1 + sub + bm  one page descriptor per dumped page, in frame order,
 *                 then the page data, each page compressed on its own.
 *
 * Self-contained (no libguestcore internals): the elfcore plugin compiles
 * the reader too. */
#ifndef GUESTCORE_KDUMP_FORMAT_H
#define GUESTCORE_KDUMP_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#define KD_SIGNATURE "KDUMP   "
#define KD_SIG_LEN 8
#define KD_HEADER_VERSION 6
#define KD_UTS_LEN 65                  /* each of the six new_utsname strings */

/* disk_dump_header, LP64 (the 32-bit layout after utsname is shifted: see
 * struct kd_layout in kdfile.c). */
#define KD_H_SIGNATURE 0
#define KD_H_VERSION 8
#define KD_H_UTSNAME 12                /* sysname, nodename, release, version, machine, domainname */
#define KD_H64_TIMESTAMP 408           /* struct timeval: two longs */
#define KD_H64_STATUS 424
#define KD_H64_BLOCK_SIZE 428
#define KD_H64_SUB_HDR_SIZE 432        /* in blocks: the sub header and the notes */
#define KD_H64_BITMAP_BLOCKS 436       /* both bitmaps together */
#define KD_H64_MAX_MAPNR 440           /* 32-bit, obsolete: max_mapnr_64 */
#define KD_H64_TOTAL_RAM_BLOCKS 444
#define KD_H64_DEVICE_BLOCKS 448
#define KD_H64_WRITTEN_BLOCKS 452
#define KD_H64_CURRENT_CPU 456
#define KD_H64_NR_CPUS 460
#define KD_H64_SIZE 464

/* kdump_sub_header, LP64 */
#define KD_S64_PHYS_BASE 0
#define KD_S64_DUMP_LEVEL 8
#define KD_S64_SPLIT 12
#define KD_S64_START_PFN 16
#define KD_S64_END_PFN 24
#define KD_S64_OFFSET_VMCOREINFO 32
#define KD_S64_SIZE_VMCOREINFO 40
#define KD_S64_OFFSET_NOTE 48
#define KD_S64_SIZE_NOTE 56
#define KD_S64_OFFSET_ERASEINFO 64
#define KD_S64_SIZE_ERASEINFO 72
#define KD_S64_START_PFN_64 80
#define KD_S64_END_PFN_64 88
#define KD_S64_MAX_MAPNR_64 96
#define KD_S64_SIZE 104

/* page_desc: the same on every host */
#define KD_D_OFFSET 0                  /* int64: where the page's data is */
#define KD_D_SIZE 8                    /* uint32: its size */
#define KD_D_FLAGS 12                  /* uint32: how it is compressed */
#define KD_D_PAGE_FLAGS 16             /* uint64 */
#define KD_DESC_SIZE 24

/* Compression, per page (page_desc.flags) and for the file
 * (disk_dump_header.status). */
#define KD_COMPRESSED_ZLIB 0x1u
#define KD_COMPRESSED_LZO 0x2u
#define KD_COMPRESSED_SNAPPY 0x4u
#define KD_COMPRESSED_INCOMPLETE 0x8u  /* status: the dump was cut short */
#define KD_EXCLUDED_VMEMMAP 0x10u
#define KD_COMPRESSED_ZSTD 0x20u
#define KD_COMPRESSED_MASK (KD_COMPRESSED_ZLIB | KD_COMPRESSED_LZO | KD_COMPRESSED_SNAPPY | KD_COMPRESSED_ZSTD)

/* makedumpfile's "flattened" form (what it writes to a pipe, and what QEMU
 * 7.2 always writes for -f kdump-*): a 4096-byte header, then records of
 * {big-endian int64 offset, int64 size} and SIZE bytes that belong at
 * OFFSET of the real file; offset and size -1 end it. */
#define KD_FLAT_SIGNATURE "makedumpfile"
#define KD_FLAT_HEADER_SIZE 4096
#define KD_FLAT_TYPE 1
#define KD_FLAT_VERSION 1

static inline uint64_t kd_get(const unsigned char *p, unsigned size, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[be ? size - 1 - i : i] << (8 * i);
	return v;
}

static inline void kd_put(unsigned char *p, unsigned size, uint64_t v, bool be)
{
	for (unsigned i = 0; i < size; i++)
		p[be ? size - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

#endif
