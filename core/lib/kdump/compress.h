/* One page compressed or decompressed on its own, with each of the four
 * algorithms the kdump-compressed format marks per page (zlib, lzo, snappy,
 * zstd).  A compressor holds one thread's state; decompression never writes
 * more than one page and says whether the page came out exactly one page
 * long.  Shared by the writer, the reader and the elfcore plugin. */
#ifndef GUESTCORE_KDUMP_COMPRESS_H
#define GUESTCORE_KDUMP_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

struct kd_compressor {
	uint32_t flag;     /* KD_COMPRESSED_*, 0: store pages as they are */
	int level;
	void *state;       /* ZSTD_CCtx, or lzo's work memory */
};

/* FLAG a KD_COMPRESSED_* bit or 0; LEVEL 0 for the algorithm's default
 * (zstd 1 and zlib 1, as makedumpfile and QEMU).  0 or -ENOMEM. */
int kd_compressor_init(struct kd_compressor *c, uint32_t flag, int level);
void kd_compressor_free(struct kd_compressor *c);
/* Compress the N bytes at IN into OUT (N bytes of room).  The compressed
 * size when it is smaller than N, else 0: the page is then stored as it is. */
size_t kd_compress(struct kd_compressor *c, const void *in, size_t n, void *out);

struct kd_decompressor {
	void *zstd;        /* ZSTD_DCtx, made on first use */
};

/* The LEN bytes at IN, compressed as FLAGS says, into exactly PAGE bytes at
 * OUT.  0, or -EINVAL when the data is corrupt or does not come out exactly
 * one page long, -ENOTSUP for an unknown or combined flag, -ENOMEM. */
int kd_decompress(struct kd_decompressor *dc, uint32_t flags, const void *in, size_t len, void *out, size_t page);
void kd_decompressor_free(struct kd_decompressor *dc);

/* "zstd", "zlib", "lzo", "snappy", "none" for a flag; NULL for another. */
const char *kd_compression_name(uint32_t flag);

#endif
