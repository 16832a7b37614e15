/* Page compression for the kdump-compressed format: zlib (libdeflate's
 * zlib format / uncompress), lzo (LZO1X-1 / lzo1x_decompress_safe), snappy (its C API) and
 * zstd (a context per thread).  Every decompression is bounded to one page. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "compress.h"
#include "format.h"

const char *kd_compression_name(uint32_t flag)
{
	switch (flag) {
	case 0: return "none";
	case KD_COMPRESSED_ZLIB: return "zlib";
	case KD_COMPRESSED_LZO: return "lzo";
	case KD_COMPRESSED_SNAPPY: return "snappy";
	case KD_COMPRESSED_ZSTD: return "zstd";
	default: return NULL;
	}
}

int kd_compressor_init(struct kd_compressor *c, uint32_t flag, int level)
{
	*c = (struct kd_compressor){ .flag = flag, .level = level };
	switch (flag) {
	case KD_COMPRESSED_ZSTD:
		c->state = ZSTD_createCCtx();
		if (!c->state)
			return -ENOMEM;
		if (ZSTD_isError(ZSTD_CCtx_setParameter(c->state, ZSTD_c_compressionLevel, level ? level : 1)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(c->state, ZSTD_c_checksumFlag, 0)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(c->state, ZSTD_c_contentSizeFlag, 1))) {
			ZSTD_freeCCtx(c->state);
			c->state = NULL;
			return -EINVAL;
		}
		return 0;
	case KD_COMPRESSED_LZO:
		if (lzo_init() != LZO_E_OK)
			return -EINVAL;
		c->state = malloc(LZO1X_1_MEM_COMPRESS);
		return c->state ? 0 : -ENOMEM;
	case KD_COMPRESSED_ZLIB:
		/* libdeflate writes the zlib format (what uncompress() reads, and
		 * crash and makedumpfile with it) two to three times as fast as
		 * zlib's deflate at the same level. */
		c->state = libdeflate_alloc_compressor(level ? level : 1);
		return c->state ? 0 : -ENOMEM;
	case KD_COMPRESSED_SNAPPY:
	case 0:
		return 0;
	default:
		return -ENOTSUP;
	}
}

void kd_compressor_free(struct kd_compressor *c)
{
	if (c->flag == KD_COMPRESSED_ZSTD)
		ZSTD_freeCCtx(c->state);
	else if (c->flag == KD_COMPRESSED_ZLIB)
		libdeflate_free_compressor(c->state);
	else
		free(c->state);
	c->state = NULL;
}

size_t kd_compress(struct kd_compressor *c, const void *in, size_t n, void *out)
{
	switch (c->flag) {
	case KD_COMPRESSED_ZSTD: {
		size_t r = ZSTD_compress2(c->state, out, n, in, n);
		return ZSTD_isError(r) || r >= n ? 0 : r;
	}
	case KD_COMPRESSED_ZLIB: {
		/* 0 when it does not fit in n - 1 bytes: stored as it is */
		size_t r = libdeflate_zlib_compress(c->state, in, n, out, n - 1);
		return r < n ? r : 0;
	}
	case KD_COMPRESSED_LZO: {
		/* LZO1X-1 may write up to n + n/16 + 67 bytes for data it cannot
		 * compress: only a page that fits well inside N is tried in
		 * place, the rest through a bounce buffer on the stack. */
		unsigned char tmp[65536 + 65536 / 16 + 67];
		lzo_uint got = 0;

		if (n > 65536)
			return 0;
		if (lzo1x_1_compress(in, n, tmp, &got, c->state) != LZO_E_OK || got >= n)
			return 0;
		memcpy(out, tmp, got);
		return got;
	}
	case KD_COMPRESSED_SNAPPY: {
		size_t need = snappy_max_compressed_length(n), got = need;
		unsigned char *tmp;

		if (need <= n)
			return snappy_compress(in, n, out, &got) == SNAPPY_OK && got < n ? got : 0;
		tmp = malloc(need);
		if (!tmp)
			return 0;
		if (snappy_compress(in, n, (char *)tmp, &got) != SNAPPY_OK || got >= n)
			got = 0;
		else
			memcpy(out, tmp, got);
		free(tmp);
		return got;
	}
	default:
		return 0;
	}
}

int kd_decompress(struct kd_decompressor *dc, uint32_t flags, const void *in, size_t len, void *out, size_t page)
{
	switch (flags & KD_COMPRESSED_MASK) {
	case 0:
		if (len != page)
			return -EINVAL;
		memcpy(out, in, page);
		return 0;
	case KD_COMPRESSED_ZLIB: {
		uLongf got = (uLongf)page;
		return uncompress(out, &got, in, (uLong)len) == Z_OK && got == page ? 0 : -EINVAL;
	}
	case KD_COMPRESSED_LZO: {
		lzo_uint got = page;
		return lzo1x_decompress_safe(in, len, out, &got, NULL) == LZO_E_OK && got == page ? 0 : -EINVAL;
	}
	case KD_COMPRESSED_SNAPPY: {
		size_t got = 0;
		if (snappy_uncompressed_length(in, len, &got) != SNAPPY_OK || got != page)
			return -EINVAL;
		return snappy_uncompress(in, len, out, &got) == SNAPPY_OK && got == page ? 0 : -EINVAL;
	}
	case KD_COMPRESSED_ZSTD: {
		size_t r;
		if (!dc->zstd && !(dc->zstd = ZSTD_createDCtx()))
			return -ENOMEM;
		r = ZSTD_decompressDCtx(dc->zstd, out, page, in, len);
		return !ZSTD_isError(r) && r == page ? 0 : -EINVAL;
	}
	default:
		return -ENOTSUP;
	}
}

void kd_decompressor_free(struct kd_decompressor *dc)
{
	ZSTD_freeDCtx(dc->zstd);
	dc->zstd = NULL;
}
