/* Plugin "savefile": the saved state of a QEMU guest as a memory source.
 *
 *   savefile:PATH
 *
 * PATH is one of
 *   - a libvirt save image (virsh save, managedsave, an external memory
 *     snapshot): libvirt's header (src/qemu/qemu_saveimage.h: the magic
 *     "LibvirtQemudSave", version, the length of the domain XML, whether
 *     the domain was running, the compression), the domain XML, then QEMU's
 *     migration stream, raw or compressed by gzip, bzip2, xz, lzop or zstd
 *     (each read through its library: zlib, libbz2, liblzma, liblzo2,
 *     libzstd);
 *   - a bare QEMU migration stream in a file ("QEVM": migrate to
 *     "exec:cat > FILE" or a file: URI, and what 'virsh dump' writes
 *     without --memory-only).
 * The stream is read by the qemu plugin's reader (stream.c), its pages
 * pushed into the core as they come, twice-sent pages the last one
 * winning; registers, XSAVE and VMCOREINFO come from its device sections
 * (vmstate.c) as in the live source.  Without a monitor nothing says where
 * the guest sees its RAM blocks: the machine type the stream names does,
 * through QEMU's rules for that machine, kept as data in machines[] below
 * (the split of RAM at 4 GiB, the legacy VGA window, the BIOS at the top
 * of 4 GiB, the PAM registers of the host bridge that decide whether
 * 0xc0000-0xfffff shows RAM or ROM; Arm's virt machine: RAM at 1 GiB).  The
 * guest's architecture is the one whose cpu sections the stream has.  A
 * machine type not in the table is refused with the remedy. */
#include "config.h"

#include <byteswap.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bzlib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <lzma.h>
#include <lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include <guestcore/plugin.h>

#include "place.h"
#include "qemu.h"
#include "source_util.h"
#include "stream.h"

#define LV_MAGIC "LibvirtQemudSave"
#define LV_PARTIAL "LibvirtQemudPart"
#define LV_HEADER 92                 /* magic[16], 5 words, unused[14] */
#define LV_MAX_DATA (16u << 20)      /* the domain XML and cookie, with libvirt's 64 KiB of padding */
#define IN_CHUNK (1u << 20)
#define LZOP_MAX_BLOCK (64u << 20)   /* lzop's own limit */
#define TAIL_SCAN (8u << 20)         /* the end of a bare stream searched for its description */
#define MAX_RANGES 16
#define PAM_SEGMENTS 13

enum sf_format { SF_RAW, SF_GZIP, SF_BZIP2, SF_XZ, SF_LZOP, SF_ZSTD, SF_N_FORMATS };
static const char *const format_names[SF_N_FORMATS] = { "raw", "gzip", "bzip2", "xz", "lzop", "zstd" };

/* ---- the machine types ----------------------------------------------------------------- */

/* QEMU 7.2's memory layout of the x86 PC machines (hw/i386/pc.c,
 * pc_piix.c, pc_q35.c, pci-host/pam.c), for a machine whose type begins
 * with PREFIX and whose version is at least MIN_VERSION (major * 100 +
 * minor; the first row that matches is taken):
 *  - RAM ("pc.ram") below 4 GiB up to LOWMEM; when the guest has LOWMEM
 *    bytes or more, only SPLIT below and the rest from 4 GiB up;
 *  - the BIOS ("pc.bios") ends at 4 GiB, and its last 128 KiB (isa-bios)
 *    show at 0xe0000-0xfffff, the option ROMs ("pc.rom") at 0xc0000, where
 *    the host bridge's PAM registers (in the config space of device
 *    section BRIDGE, from PAM) do not map RAM there;
 *  - a VGA device (a RAM block ".../vga.vram") takes 0xa0000-0xbffff (MMIO). */
struct machine_map {
	const char *prefix;
	unsigned min_version;
	uint16_t em;            /* the guest's architecture */
	uint64_t lowmem, split;
	const char *bridge;
	uint32_t pam;
	/* A machine whose RAM is one block at one address (no PC rules):
	 * the block, its guest-physical base, and ROM blocks at fixed places. */
	const char *ram;
	uint64_t ram_base;
	struct {
		const char *block;
		uint64_t at;
	} roms[2];
};

static const struct machine_map machines[] = {
	{ "pc-i440fx-", 200, EM_X86_64, 0xe0000000, 0xc0000000, "0000:00:00.0/I440FX", 0x59, NULL, 0, { { 0 } } },
	{ "pc-i440fx-", 0, EM_X86_64, 0xe0000000, 0xe0000000, "0000:00:00.0/I440FX", 0x59, NULL, 0, { { 0 } } }, /* before gigabyte_align */
	{ "pc-q35-", 0, EM_X86_64, 0xb0000000, 0x80000000, "0000:00:00.0/mch", 0x90, NULL, 0, { { 0 } } },
	/* Arm's virt machine (hw/arm/virt.c): the two flash devices at 0 and
	 * 64 MiB (in address order), RAM at 1 GiB above them. */
	{ "virt-", 0, EM_AARCH64, 0, 0, NULL, 0, "mach-virt.ram", 0x40000000,
	  { { "virt.flash0", 0 }, { "virt.flash1", 0x04000000 } } },
};

#define GIB4 (UINT64_C(1) << 32)
#define VGA_START 0xa0000
#define VGA_END 0xc0000
#define PAM_START 0xc0000
#define ISA_BIOS_MAX 0x20000

/* ---- the source ------------------------------------------------------------------------ */

struct sf_input {
	struct guestcore_source *s;
	enum sf_format fmt;
	uint64_t at;           /* the file offset read next */
	unsigned char *in;     /* compressed bytes read, not yet taken */
	size_t in_pos, in_len;
	bool in_eof, done;
	bool said;             /* in_fail() set the stream's error */
	z_stream z;
	bz_stream bz;
	lzma_stream xz;
	ZSTD_DStream *zs;
	bool started;          /* the decoder is set up */
	uint32_t lzop_flags;
	unsigned char *block;  /* lzop: a block decompressed, not yet taken */
	size_t block_pos, block_len;
	unsigned char *cblock;
};

struct guestcore_source {
	const struct guestcore_host_api *host;
	char *path;
	int fd;
	uint64_t file_size;
	bool libvirt;
	uint32_t version, data_len, was_running, cookie_offset;
	enum sf_format fmt;
	uint64_t stream_off;    /* where QEMU's stream begins in the file */
	char *xml;              /* the domain XML, as libvirt saved it */
	char dom_name[256], dom_machine[128];
	uint32_t dom_vcpus;     /* 0 when the XML does not say */
	char machine[256];      /* the stream's machine type */
	const struct machine_map *map;
	struct guestcore_range ranges[MAX_RANGES];
	size_t n_ranges;
	uint64_t below_4g;
	struct qplaces places;
	unsigned char *pc_rom, *isa_bios; /* captured: what PAM may show instead of RAM */
	uint64_t pc_rom_len, isa_bios_len;
	struct qs_guest g;
	struct qstream st;
	struct sf_input in;
	struct guestcore_memory_sink *sink;
	bool sink_failed;
	bool described;
	char description[700];
};

#define FAIL(s, ...) SU_FAIL((s)->host, __VA_ARGS__)

static void log_at(struct guestcore_source *s, enum guestcore_log_level level, const char *what)
{
	if (GUESTCORE_HOST_HAS(s->host, log))
		s->host->log(s->host->handle, level, "%s", what);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- input: the stream's bytes, decompressed -------------------------------------------- */

/* Say what broke in the input, for the stream's error. */
static ssize_t in_fail(struct sf_input *in, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ssize_t in_fail(struct sf_input *in, int err, const char *fmt, ...)
{
	struct qstream *st = &in->s->st;
	va_list ap;

	if (!st->error[0]) {
		va_start(ap, fmt);
		vsnprintf(st->error, sizeof(st->error), fmt, ap);
		va_end(ap);
		in->said = true;
	}
	return err;
}

/* Refill the compressed bytes; 0, or a negative errno. */
static int in_fill(struct sf_input *in)
{
	ssize_t got;

	if (in->in_pos < in->in_len || in->in_eof)
		return 0;
	got = pread(in->s->fd, in->in, IN_CHUNK, (off_t)in->at);
	if (got < 0)
		return (int)in_fail(in, -errno, "cannot read the file at byte %" PRIu64 ": %s", in->at, strerror(errno));
	in->in_pos = 0;
	in->in_len = (size_t)got;
	in->at += (uint64_t)got;
	in->in_eof = got == 0;
	return 0;
}

/* A compressed stream has ended: is that the end of the file too (else
 * another gzip member or zstd frame follows)? */
static bool at_end(struct sf_input *in)
{
	return in_fill(in) == 0 && in->in_pos == in->in_len && in->in_eof;
}

/* N bytes of the lzop container, whole (into BUF, or passed over when it
 * is NULL): 0, or a negative errno. */
static int in_take(struct sf_input *in, void *buf, size_t n, const char *what)
{
	unsigned char *p = buf;

	while (n > 0) {
		size_t k;
		int e = in_fill(in);

		if (e < 0)
			return e;
		if (in->in_pos == in->in_len)
			return (int)in_fail(in, -EPIPE, "the file ends inside %s: it is truncated", what);
		k = in->in_len - in->in_pos < n ? in->in_len - in->in_pos : n;
		if (p) {
			memcpy(p, in->in + in->in_pos, k);
			p += k;
		}
		in->in_pos += k;
		n -= k;
	}
	return 0;
}

enum {
	LZOP_ADLER32_D = 0x1, LZOP_ADLER32_C = 0x2, LZOP_EXTRA_FIELD = 0x40, LZOP_CRC32_D = 0x100,
	LZOP_CRC32_C = 0x200, LZOP_MULTIPART = 0x400, LZOP_FILTER = 0x800,
};

/* lzop's file header (lzop 1.04, p_header()): checked for what it says of
 * the blocks after it. */
static int lzop_header(struct sf_input *in)
{
	static const unsigned char magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };
	unsigned char b[16], name_len, method;
	uint16_t version;
	int e;

	if ((e = in_take(in, b, 9, "the lzop header")) < 0)
		return e;
	if (memcmp(b, magic, 9) != 0)
		return (int)in_fail(in, -EPROTO, "the image says lzop, and its stream is not lzop data");
	if ((e = in_take(in, b, 4, "the lzop header")) < 0)
		return e;
	version = (uint16_t)(b[0] << 8 | b[1]);
	if (version < 0x0900)
		return (int)in_fail(in, -EPROTO, "its lzop data is of version 0x%04x, older than lzop's own 0x0900", version);
	if (version >= 0x0940 && (e = in_take(in, b, 2, "the lzop header")) < 0) /* version needed */
		return e;
	if ((e = in_take(in, &method, 1, "the lzop header")) < 0)
		return e;
	if (method < 1 || method > 3)
		return (int)in_fail(in, -EPROTO, "its lzop data uses method %u, not one of LZO1X (1 to 3)", method);
	if (version >= 0x0940 && (e = in_take(in, b, 1, "the lzop header")) < 0) /* level */
		return e;
	if ((e = in_take(in, b, 4, "the lzop header")) < 0)
		return e;
	in->lzop_flags = be32(b);
	if (in->lzop_flags & (LZOP_FILTER | LZOP_MULTIPART))
		return (int)in_fail(in, -EPROTO, "its lzop data uses a filter or several parts, which lzop itself never "
				    "writes for a pipe");
	/* mode, mtime (low, and high from 0x0940), the name, the checksum */
	if ((e = in_take(in, b, version >= 0x0940 ? 12 : 8, "the lzop header")) < 0 ||
	    (e = in_take(in, &name_len, 1, "the lzop header")) < 0)
		return e;
	if ((e = in_take(in, NULL, name_len + 4u, "the lzop header")) < 0)
		return e;
	if (in->lzop_flags & LZOP_EXTRA_FIELD) {
		uint32_t len;
		if ((e = in_take(in, b, 4, "the lzop header")) < 0)
			return e;
		len = be32(b);
		if (len > (1u << 20))
			return (int)in_fail(in, -EPROTO, "its lzop header has an extra field of %u bytes", len);
		if ((e = in_take(in, NULL, (size_t)len + 4, "the lzop header")) < 0)
			return e;
	}
	return 0;
}

/* The next lzop block, decompressed into in->block; 0 at the end too
 * (in->done). */
static int lzop_block(struct sf_input *in)
{
	unsigned char b[8];
	uint32_t dst_len, src_len, want_d = 0, sum;
	bool check_adler = in->lzop_flags & LZOP_ADLER32_D, check_crc = in->lzop_flags & LZOP_CRC32_D;
	int e;

	if ((e = in_take(in, b, 4, "an lzop block")) < 0)
		return e;
	dst_len = be32(b);
	if (dst_len == 0) {
		in->done = true;
		return 0;
	}
	if ((e = in_take(in, b, 4, "an lzop block")) < 0)
		return e;
	src_len = be32(b);
	if (dst_len > LZOP_MAX_BLOCK || src_len > dst_len || src_len == 0)
		return (int)in_fail(in, -EPROTO, "its lzop data has a block of %u bytes from %u, which lzop never writes",
				    dst_len, src_len);
	if (check_adler || check_crc) {
		if ((e = in_take(in, b, 4, "an lzop block")) < 0)
			return e;
		want_d = be32(b);
	}
	if (src_len < dst_len && (in->lzop_flags & (LZOP_ADLER32_C | LZOP_CRC32_C)) &&
	    (e = in_take(in, b, 4, "an lzop block")) < 0)
		return e;
	if (!in->block) {
		in->block = malloc(LZOP_MAX_BLOCK);
		in->cblock = malloc(LZOP_MAX_BLOCK);
		if (!in->block || !in->cblock)
			return (int)in_fail(in, -ENOMEM, "out of memory for its lzop blocks");
	}
	if (src_len == dst_len) {
		if ((e = in_take(in, in->block, src_len, "an lzop block")) < 0)
			return e;
	} else {
		lzo_uint out = dst_len;
		if ((e = in_take(in, in->cblock, src_len, "an lzop block")) < 0)
			return e;
		if (lzo1x_decompress_safe(in->cblock, src_len, in->block, &out, NULL) != LZO_E_OK || out != dst_len)
			return (int)in_fail(in, -EPROTO, "its lzop data has a block that does not decompress: the file is "
					    "damaged");
	}
	if (check_adler || check_crc) {
		sum = check_adler ? (uint32_t)adler32(1, in->block, dst_len) : (uint32_t)crc32(0, in->block, dst_len);
		if (sum != want_d)
			return (int)in_fail(in, -EPROTO, "an lzop block's checksum does not match its data: the file is "
					    "damaged");
	}
	in->block_pos = 0;
	in->block_len = dst_len;
	return 0;
}

static int in_start(struct sf_input *in)
{
	int ok = 1;

	in->started = true;
	switch (in->fmt) {
	case SF_GZIP:
		ok = inflateInit2(&in->z, 15 + 16) == Z_OK;
		break;
	case SF_BZIP2:
		ok = BZ2_bzDecompressInit(&in->bz, 0, 0) == BZ_OK;
		break;
	case SF_XZ:
		ok = lzma_stream_decoder(&in->xz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
		break;
	case SF_ZSTD:
		in->zs = ZSTD_createDStream();
		ok = in->zs && !ZSTD_isError(ZSTD_initDStream(in->zs));
		break;
	case SF_LZOP:
		ok = lzo_init() == LZO_E_OK;
		if (ok)
			return lzop_header(in);
		break;
	default:
		break;
	}
	return ok ? 0 : (int)in_fail(in, -ENOMEM, "cannot set up its %s decoder", format_names[in->fmt]);
}

static void in_end(struct sf_input *in)
{
	if (in->started) {
		if (in->fmt == SF_GZIP)
			inflateEnd(&in->z);
		else if (in->fmt == SF_BZIP2)
			BZ2_bzDecompressEnd(&in->bz);
		else if (in->fmt == SF_XZ)
			lzma_end(&in->xz);
		else if (in->fmt == SF_ZSTD)
			ZSTD_freeDStream(in->zs);
	}
	free(in->in);
	free(in->block);
	free(in->cblock);
	struct guestcore_source *s = in->s;
	enum sf_format fmt = in->fmt;
	memset(in, 0, sizeof(*in));
	in->s = s;
	in->fmt = fmt;
}

/* Ready to read the stream from its first byte. */
static int in_open(struct guestcore_source *s)
{
	struct sf_input *in = &s->in;

	in_end(in);
	in->s = s;
	in->fmt = s->fmt;
	in->at = s->stream_off;
	in->in = malloc(IN_CHUNK);
	if (!in->in)
		return -ENOMEM;
	in->xz = (lzma_stream)LZMA_STREAM_INIT;
	return in_start(in);
}

static ssize_t in_read(void *userdata, void *buf, size_t len)
{
	struct sf_input *in = userdata;
	const char *fmt = format_names[in->fmt];
	int e;

	if (GUESTCORE_HOST_HAS(in->s->host, cancelled) && in->s->host->cancelled(in->s->host->handle))
		return in_fail(in, -ECANCELED, "interrupted");
	for (;;) {
		size_t before_in, produced;
		int rc;

		if (in->done)
			return 0;
		if (in->fmt == SF_LZOP) {
			if (in->block_pos < in->block_len) {
				size_t k = in->block_len - in->block_pos < len ? in->block_len - in->block_pos : len;
				memcpy(buf, in->block + in->block_pos, k);
				in->block_pos += k;
				return (ssize_t)k;
			}
			if ((e = lzop_block(in)) < 0)
				return e;
			continue;
		}
		if ((e = in_fill(in)) < 0)
			return e;
		if (in->fmt == SF_RAW) {
			size_t k = in->in_len - in->in_pos < len ? in->in_len - in->in_pos : len;
			memcpy(buf, in->in + in->in_pos, k);
			in->in_pos += k;
			return (ssize_t)k; /* 0 at the end of the file */
		}
		before_in = in->in_len - in->in_pos;
		switch (in->fmt) {
		case SF_GZIP:
			in->z.next_in = in->in + in->in_pos;
			in->z.avail_in = (uInt)before_in;
			in->z.next_out = buf;
			in->z.avail_out = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
			rc = inflate(&in->z, Z_NO_FLUSH);
			in->in_pos += before_in - in->z.avail_in;
			produced = (size_t)((unsigned char *)in->z.next_out - (unsigned char *)buf);
			if (rc == Z_STREAM_END) {
				/* gzip members may follow one another */
				if (at_end(in))
					in->done = true;
				else
					inflateReset(&in->z);
			} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
				return in_fail(in, -EPROTO, "its gzip data is damaged (%s)", in->z.msg ? in->z.msg : "zlib");
			}
			break;
		case SF_BZIP2:
			in->bz.next_in = (char *)in->in + in->in_pos;
			in->bz.avail_in = (unsigned)before_in;
			in->bz.next_out = buf;
			in->bz.avail_out = (unsigned)(len > UINT32_MAX ? UINT32_MAX : len);
			rc = BZ2_bzDecompress(&in->bz);
			in->in_pos += before_in - in->bz.avail_in;
			produced = (size_t)((unsigned char *)in->bz.next_out - (unsigned char *)buf);
			if (rc == BZ_STREAM_END)
				in->done = true;
			else if (rc != BZ_OK)
				return in_fail(in, -EPROTO, "its bzip2 data is damaged (error %d)", rc);
			break;
		case SF_XZ:
			in->xz.next_in = in->in + in->in_pos;
			in->xz.avail_in = before_in;
			in->xz.next_out = buf;
			in->xz.avail_out = len;
			rc = lzma_code(&in->xz, in->in_eof ? LZMA_FINISH : LZMA_RUN);
			in->in_pos += before_in - in->xz.avail_in;
			produced = len - in->xz.avail_out;
			if (rc == LZMA_STREAM_END)
				in->done = true;
			else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
				return in_fail(in, -EPROTO, "its xz data is damaged (error %d)", rc);
			break;
		default: { /* SF_ZSTD */
			ZSTD_inBuffer zi = { in->in + in->in_pos, before_in, 0 };
			ZSTD_outBuffer zo = { buf, len, 0 };
			size_t zr = ZSTD_decompressStream(in->zs, &zo, &zi);
			if (ZSTD_isError(zr))
				return in_fail(in, -EPROTO, "its zstd data is damaged (%s)", ZSTD_getErrorName(zr));
			in->in_pos += zi.pos;
			produced = zo.pos;
			if (zr == 0 && at_end(in))
				in->done = true;
			break;
		}
		}
		if (produced > 0)
			return (ssize_t)produced;
		if (in->done)
			return 0;
		/* nothing taken, nothing given, and no more to give it (xz has
		 * been told the input ended): the data stops short */
		if (before_in == in->in_len - in->in_pos && in->in_eof)
			return in_fail(in, -EPIPE, "the file ends inside its %s data: it is truncated", fmt);
	}
}

/* ---- the file's header ------------------------------------------------------------------- */

/* The text of XPath expression EXPR in DOC, into BUF ("" when absent). */
static void xml_text(xmlXPathContextPtr ctx, const char *expr, char *buf, size_t len)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);

	buf[0] = '\0';
	if (o && o->type == XPATH_STRING && o->stringval)
		snprintf(buf, len, "%s", (const char *)o->stringval);
	xmlXPathFreeObject(o);
}

/* What the domain XML says of the guest: its name, machine type and
 * vCPUs.  An XML libxml2 cannot parse is refused. */
static int read_domain(struct guestcore_source *s)
{
	xmlDocPtr doc = xmlReadMemory(s->xml, (int)strlen(s->xml), "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr ctx;
	char vcpus[32], current[32];

	if (!doc) {
		FAIL(s, "the domain XML in its libvirt header is not well-formed XML: the image is damaged");
		return -EPROTO;
	}
	ctx = xmlXPathNewContext(doc);
	if (!ctx) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	xml_text(ctx, "string(/domain/name)", s->dom_name, sizeof(s->dom_name));
	xml_text(ctx, "string(/domain/os/type/@machine)", s->dom_machine, sizeof(s->dom_machine));
	xml_text(ctx, "string(/domain/vcpu)", vcpus, sizeof(vcpus));
	xml_text(ctx, "string(/domain/vcpu/@current)", current, sizeof(current));
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	{
		const char *n = current[0] ? current : vcpus;
		char *end;
		unsigned long v = strtoul(n, &end, 10);
		s->dom_vcpus = n[0] && !*end && v > 0 && v <= QS_MAX_CPUS ? (uint32_t)v : 0;
	}
	return 0;
}

/* libvirt's header (host byte order; libvirt takes a version above its own
 * as byte-swapped) and the domain XML after it. */
static int read_libvirt(struct guestcore_source *s, const unsigned char *h)
{
	uint32_t w[5];
	ssize_t got;

	for (int i = 0; i < 5; i++)
		w[i] = le32(h + 16 + 4 * i);
	if (w[0] > 2)
		for (int i = 0; i < 5; i++)
			w[i] = bswap_32(w[i]);
	s->version = w[0], s->data_len = w[1], s->was_running = w[2], s->cookie_offset = w[4];
	if (s->version < 1 || s->version > 2) {
		FAIL(s, "a libvirt save image of version %u: guestcore reads versions 1 and 2", w[0]);
		return -EPROTO;
	}
	if (w[3] >= SF_N_FORMATS) {
		FAIL(s, "a libvirt save image compressed by format %u, which libvirt does not define (0 raw to 5 "
			"zstd)", w[3]);
		return -EPROTO;
	}
	s->fmt = (enum sf_format)w[3];
	if (s->data_len == 0 || s->data_len > LV_MAX_DATA) {
		FAIL(s, "its libvirt header says the domain XML takes %u bytes (at most %u MiB are read): the header "
			"is damaged", s->data_len, LV_MAX_DATA >> 20);
		return -EPROTO;
	}
	if ((uint64_t)LV_HEADER + s->data_len > s->file_size) {
		FAIL(s, "the file ends inside its domain XML (%u bytes from byte %u, the file has %" PRIu64 "): it "
			"is truncated", s->data_len, LV_HEADER, s->file_size);
		return -EPIPE;
	}
	if (s->cookie_offset >= s->data_len) {
		FAIL(s, "its libvirt header puts the cookie at byte %u of %u: the header is damaged",
		     s->cookie_offset, s->data_len);
		return -EPROTO;
	}
	s->xml = malloc((size_t)s->data_len + 1);
	if (!s->xml)
		return -ENOMEM;
	got = pread(s->fd, s->xml, s->data_len, LV_HEADER);
	if (got != (ssize_t)s->data_len) {
		FAIL(s, "cannot read its domain XML: %s", got < 0 ? strerror(errno) : "short read");
		return got < 0 ? -errno : -EIO;
	}
	s->xml[s->data_len] = '\0';
	if (strnlen(s->xml, s->data_len) == s->data_len || !s->xml[0]) {
		FAIL(s, "its domain XML is %s: the header is damaged",
		     s->xml[0] ? "not terminated within its length" : "empty");
		return -EPROTO;
	}
	s->stream_off = LV_HEADER + (uint64_t)s->data_len;
	return read_domain(s);
}

/* ---- where the blocks go ----------------------------------------------------------------- */

static const struct machine_map *find_machine(const char *type)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		const struct machine_map *m = &machines[i];
		size_t n = strlen(m->prefix);
		unsigned major = 0, minor = 0;

		if (strncmp(type, m->prefix, n) != 0 || sscanf(type + n, "%u.%u", &major, &minor) < 1)
			continue;
		if (major * 100 + minor >= m->min_version)
			return m;
	}
	return NULL;
}

static int add_range(struct guestcore_source *s, uint64_t start, uint64_t len, uint32_t kind)
{
	struct guestcore_range *r;

	if (len == 0)
		return 0;
	if (s->n_ranges == MAX_RANGES)
		return -E2BIG;
	r = &s->ranges[s->n_ranges++];
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->kind = kind;
	r->start = start;
	r->length = len;
	r->fd = -1;
	return 0;
}

/* A RAM block whose name ends in SUFFIX ("vga.vram" matches
 * "0000:00:02.0/vga.vram"), or NULL. */
static const struct qstream_block *block_ending(const struct qstream *st, const char *suffix)
{
	size_t ls = strlen(suffix);

	for (size_t i = 0; i < st->n_blocks; i++) {
		size_t ln = strlen(st->blocks[i].name);
		if (strcmp(st->blocks[i].name, suffix) == 0 ||
		    (ln > ls && st->blocks[i].name[ln - ls - 1] == '/' && strcmp(st->blocks[i].name + ln - ls, suffix) == 0))
			return &st->blocks[i];
	}
	return NULL;
}

#define MANY_RAM ((const struct qstream_block *)&machines[0])

/* The block of the guest's memory: "pc.ram" (QEMU's name for -m alone, and
 * libvirt's backend id), else the one block that belongs to no device (no
 * "BUS/" in its name) and is no ROM or video RAM: the backend of
 * -machine memory-backend=ID.  MANY_RAM when several are (NUMA nodes). */
static const struct qstream_block *machine_ram(const struct qstream *st)
{
	const struct qstream_block *ram = qstream_block(st, "pc.ram");

	for (size_t i = 0; !ram && i < st->n_blocks; i++) {
		const char *n = st->blocks[i].name;
		if (strchr(n, '/') || strcmp(n, "pc.bios") == 0 || strcmp(n, "pc.rom") == 0 || strcmp(n, "vga.vram") == 0)
			continue;
		for (size_t k = i + 1; k < st->n_blocks; k++) {
			const char *m = st->blocks[k].name;
			if (!strchr(m, '/') && strcmp(m, "pc.bios") != 0 && strcmp(m, "pc.rom") != 0 &&
			    strcmp(m, "vga.vram") != 0)
				return MANY_RAM;
		}
		return &st->blocks[i];
	}
	return ram;
}

/* A machine of one RAM block at one address: that, and its ROM blocks
 * where the stream has them. */
static int lay_out_flat(struct guestcore_source *s, struct qstream *st)
{
	const struct qstream_block *ram = qstream_block(st, s->map->ram);
	int r;

	if (!ram) {
		snprintf(st->error, sizeof(st->error), "its stream of machine type \"%s\" has no RAM block \"%s\"",
			 st->machine, s->map->ram);
		return -EPROTO;
	}
	qplaces_free(&s->places);
	s->n_ranges = 0;
	s->below_4g = 0; /* no PAM */
	r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(s->map->roms) / sizeof(s->map->roms[0]) && s->map->roms[i].block; i++) {
		const struct qstream_block *b = qstream_block(st, s->map->roms[i].block);
		if (!b)
			continue;
		if (s->map->roms[i].at + b->length > s->map->ram_base) {
			snprintf(st->error, sizeof(st->error), "its block \"%s\" (0x%" PRIx64 " bytes) reaches into RAM",
				 s->map->roms[i].block, b->length);
			return -EPROTO;
		}
		r = add_range(s, s->map->roms[i].at, b->length, GUESTCORE_RANGE_ROM);
		if (r == 0)
			r = qplaces_add(&s->places, b->offset, b->length, s->map->roms[i].at, NULL);
	}
	if (r == 0)
		r = add_range(s, s->map->ram_base, ram->length, GUESTCORE_RANGE_RAM);
	if (r == 0)
		r = qplaces_add(&s->places, ram->offset, ram->length, s->map->ram_base, NULL);
	return r < 0 ? r : qplaces_ready(&s->places);
}

/* The ranges and the places of the stream's bytes, from its machine type
 * and block list (the same on both reads of the stream). */
static int lay_out(struct guestcore_source *s, struct qstream *st)
{
	const struct qstream_block *ram = machine_ram(st), *bios = qstream_block(st, "pc.bios");
	const struct qstream_block *rom = qstream_block(st, "pc.rom");
	uint64_t low;
	int r = 0;

	s->map = find_machine(st->machine);
	if (!s->map) {
		snprintf(st->error, sizeof(st->error), "its stream is of machine type \"%s\", whose memory layout "
			 "guestcore does not know (it knows pc-i440fx-*, pc-q35-* and virt-*): dump the guest live with "
			 "qemu:qmp=SOCKET, which asks QEMU for the map", st->machine[0] ? st->machine : "(none)");
		return -EPROTO;
	}
	snprintf(s->machine, sizeof(s->machine), "%s", st->machine);
	s->g.machine = s->map->em;
	if (s->map->ram)
		return lay_out_flat(s, st);
	if (ram == MANY_RAM) {
		snprintf(st->error, sizeof(st->error), "its stream has several RAM blocks for the guest's memory (a "
			 "guest with NUMA nodes?), whose layout guestcore does not know: dump the guest live with "
			 "qemu:qmp=SOCKET");
		return -EPROTO;
	}
	if (!ram || st->page_size != 4096) {
		snprintf(st->error, sizeof(st->error), "its stream has %s: it is not of an x86 PC guest",
			 !ram ? "no RAM block for the guest's memory" : "pages other than 4 KiB");
		return -EPROTO;
	}
	qplaces_free(&s->places);
	free(s->pc_rom);
	free(s->isa_bios);
	s->pc_rom = s->isa_bios = NULL;
	s->pc_rom_len = s->isa_bios_len = 0;
	s->n_ranges = 0;
	s->below_4g = ram->length >= s->map->lowmem ? s->map->split : ram->length;
	low = s->below_4g;
	if (block_ending(st, "vga.vram") && low > VGA_START) {
		r = add_range(s, 0, VGA_START, GUESTCORE_RANGE_RAM);
		if (r == 0 && low > VGA_END)
			r = add_range(s, VGA_END, low - VGA_END, GUESTCORE_RANGE_RAM);
		if (r == 0)
			r = qplaces_add(&s->places, ram->offset, VGA_START, 0, NULL);
		if (r == 0 && low > VGA_END)
			r = qplaces_add(&s->places, ram->offset + VGA_END, low - VGA_END, VGA_END, NULL);
	} else {
		r = add_range(s, 0, low, GUESTCORE_RANGE_RAM);
		if (r == 0)
			r = qplaces_add(&s->places, ram->offset, low, 0, NULL);
	}
	/* What the PAM registers may show instead of RAM, kept until they
	 * are known (the end of the stream). */
	if (r == 0 && rom && rom->length <= 0x20000) {
		s->pc_rom_len = rom->length;
		s->pc_rom = calloc(1, rom->length);
		r = s->pc_rom ? qplaces_add(&s->places, rom->offset, rom->length, 0, s->pc_rom) : -ENOMEM;
	}
	if (r == 0 && bios && bios->length <= GIB4 / 16) {
		s->isa_bios_len = bios->length < ISA_BIOS_MAX ? bios->length : ISA_BIOS_MAX;
		s->isa_bios = calloc(1, s->isa_bios_len);
		r = s->isa_bios ? qplaces_add(&s->places, bios->offset + bios->length - s->isa_bios_len, s->isa_bios_len,
					      0, s->isa_bios) : -ENOMEM;
		if (r == 0)
			r = add_range(s, GIB4 - bios->length, bios->length, GUESTCORE_RANGE_ROM);
		if (r == 0)
			r = qplaces_add(&s->places, bios->offset, bios->length, GIB4 - bios->length, NULL);
	}
	if (r == 0 && ram->length > s->below_4g) {
		r = add_range(s, GIB4, ram->length - s->below_4g, GUESTCORE_RANGE_RAM);
		if (r == 0)
			r = qplaces_add(&s->places, ram->offset + s->below_4g, ram->length - s->below_4g, GIB4, NULL);
	}
	if (r == -E2BIG)
		snprintf(st->error, sizeof(st->error), "its memory layout has more than %d ranges", MAX_RANGES);
	return r < 0 ? r : qplaces_ready(&s->places);
}

/* The stream is read: each PAM segment (13 of them: 0xc0000 to 0xeffff in
 * 16 KiB, 0xf0000 to 0xfffff whole) whose read-enable bit is clear shows
 * the ROM, not RAM. */
static int apply_pam(struct guestcore_source *s)
{
	const struct qstream_device *d;
	const unsigned char *cfg;
	size_t len = 0;

	if (!s->map->bridge || s->below_4g < 0x100000)
		return 0; /* no host bridge with PAM registers, or no RAM under them */
	d = qstream_device(&s->st, s->map->bridge, 0);
	if (!d || !(cfg = qstream_bytes(&s->st, d, "parent_obj.config[0]", &len)) || len < s->map->pam + 7) {
		log_at(s, GUESTCORE_LOG_WARNING, "the stream has no PAM registers of the host bridge: "
		       "0xc0000-0xfffff is taken as RAM");
		return 0;
	}
	for (unsigned seg = 0; seg < PAM_SEGMENTS; seg++) {
		/* segment 0 is PAM0's high nibble; then PAM1 to PAM6, low nibble first */
		uint8_t reg = cfg[s->map->pam + (seg + 1) / 2];
		bool ram = (seg == 0 ? reg >> 4 : (seg % 2 ? reg : reg >> 4)) & 1;
		uint64_t start = seg == 0 ? 0xf0000 : PAM_START + (uint64_t)(seg - 1) * 0x4000;
		uint64_t size = seg == 0 ? 0x10000 : 0x4000;
		const unsigned char *from;
		int r;

		if (ram)
			continue;
		if (start < 0xe0000)
			from = s->pc_rom && start - PAM_START + size <= s->pc_rom_len ? s->pc_rom + (start - PAM_START) : NULL;
		else
			from = s->isa_bios && start + size - (0x100000 - s->isa_bios_len) <= s->isa_bios_len &&
					start >= 0x100000 - s->isa_bios_len
				       ? s->isa_bios + (start - (0x100000 - s->isa_bios_len))
				       : NULL;
		r = s->sink->write(s->sink, start, from, size); /* no ROM there: QEMU reads zeros */
		if (r < 0) {
			s->sink_failed = true;
			return r;
		}
	}
	return 0;
}

/* ---- reading the stream -------------------------------------------------------------------- */

/* The block list alone: the layout, then the read stops. */
static int lay_out_and_stop(void *userdata, struct qstream *st)
{
	int r = lay_out(userdata, st);

	return r < 0 ? r : QSTREAM_STOP;
}

static int drop_pages(void *userdata, uint64_t off, const void *data, size_t len)
{
	(void)userdata, (void)off, (void)data, (void)len;
	return 0;
}

static int put_pages(void *userdata, uint64_t off, const void *data, size_t len)
{
	struct guestcore_source *s = userdata;

	return qplaces_push(&s->places, off, data, len, s->sink, &s->sink_failed);
}

static int listed(void *userdata, struct qstream *st)
{
	struct guestcore_source *s = userdata;

	return lay_out(s, st);
}

/* Read the stream once, its pages to PUT (LISTED told the block list). */
static int read_stream(struct guestcore_source *s, int (*on_list)(void *, struct qstream *),
		       int (*put)(void *, uint64_t, const void *, size_t))
{
	struct qstream_input input = { in_read, &s->in };
	int r;

	qstream_free(&s->st);
	memset(&s->st, 0, sizeof(s->st));
	s->st.mem_fd = -1;
	s->st.listed = on_list;
	s->st.put = put;
	s->st.userdata = s;
	r = in_open(s);
	if (r == 0)
		r = qstream_read(&s->st, &input);
	if (r < 0 && !s->sink_failed) {
		if (r == -ECANCELED)
			FAIL(s, "interrupted");
		else if (r == -EPROTO && s->fmt != SF_RAW && !s->in.said)
			FAIL(s, "%s (read from its %s data, which may be damaged)", s->st.error, format_names[s->fmt]);
		else
			FAIL(s, "%s", s->st.error[0] ? s->st.error : strerror(-r));
	}
	if (r == -EPIPE)
		r = -EPROTO; /* a file that ends early is a damaged file, not a broken pipe */
	return r;
}

/* The vCPUs a bare stream has: its description at the end of the file
 * lists their sections. */
static int count_cpus_from_tail(struct guestcore_source *s, uint32_t *ret)
{
	size_t len = s->file_size - s->stream_off < TAIL_SCAN ? (size_t)(s->file_size - s->stream_off) : TAIL_SCAN;
	unsigned char *buf = malloc(len ? len : 1);
	ssize_t got;
	int r;

	if (!buf)
		return -ENOMEM;
	got = pread(s->fd, buf, len, (off_t)(s->file_size - len));
	r = got == (ssize_t)len ? qstream_count_devices(buf, len, "cpu", ret) : -ENOENT;
	free(buf);
	return r;
}

static void describe_text(struct guestcore_source *s)
{
	if (s->libvirt)
		snprintf(s->description, sizeof(s->description), "libvirt save image %s (domain %s, %s, %s, machine %s), "
			 "%zu ranges", s->path, s->dom_name[0] ? s->dom_name : "?",
			 s->was_running ? "was running" : "was paused", format_names[s->fmt], s->machine, s->n_ranges);
	else
		snprintf(s->description, sizeof(s->description), "QEMU migration stream %s (%s%smachine %s), %zu ranges",
			 s->path, s->fmt == SF_RAW ? "" : format_names[s->fmt], s->fmt == SF_RAW ? "" : ", ", s->machine,
			 s->n_ranges);
}

static int sf_describe(struct guestcore_source *s, struct guestcore_guest_info *info)
{
	if (!s->described) {
		uint32_t cpus = s->dom_vcpus;
		int r = read_stream(s, lay_out_and_stop, drop_pages);

		if (r == 0 && !cpus && s->fmt == SF_RAW && count_cpus_from_tail(s, &cpus) < 0)
			cpus = 0;
		if (r == 0 && !cpus) {
			/* Nothing says it but the stream's end: a read to count them. */
			log_at(s, GUESTCORE_LOG_INFO, "reading the stream once to count its vCPUs (nothing before its "
			       "end says how many)");
			r = read_stream(s, listed, drop_pages);
			for (cpus = 0; r == 0 && qstream_device(&s->st, "cpu", cpus); cpus++)
				;
		}
		if (r < 0)
			return r;
		if (cpus == 0 || cpus > QS_MAX_CPUS) {
			FAIL(s, "its stream has %u vCPUs: guestcore takes 1 to %d", cpus, QS_MAX_CPUS);
			return -EPROTO;
		}
		if (s->dom_machine[0] && strcmp(s->dom_machine, s->machine) != 0) {
			char note[600];
			snprintf(note, sizeof(note), "the domain XML says machine %s, the stream %s: the stream's is used",
				 s->dom_machine, s->machine);
			log_at(s, GUESTCORE_LOG_WARNING, note);
		}
		r = qs_guest_grow(&s->g, cpus - 1);
		if (r < 0)
			return r;
		describe_text(s);
		s->described = true;
	}
	info->e_machine = s->map ? s->map->em : EM_X86_64;
	info->cpu_count = s->g.n_cpus;
	info->description = s->description;
	if (GUESTCORE_STRUCT_HAS(info, struct guestcore_guest_info, flags))
		info->flags = GUESTCORE_GUEST_PUSHES;
	return 0;
}

static int sf_push(struct guestcore_source *s, struct guestcore_memory_sink *sink)
{
	uint32_t found;
	char why[300];
	int r;

	s->sink = sink;
	r = read_stream(s, listed, put_pages);
	if (r == 0)
		r = apply_pam(s);
	if (r == 0)
		r = qs_guest_from_stream(&s->g, &s->st, &found);
	if (r == 0 && found != s->g.n_cpus) {
		FAIL(s, "its stream has %u vCPUs, %s said %u: the image is inconsistent", found,
		     s->libvirt ? "its domain XML" : "its description", s->g.n_cpus);
		r = -EPROTO;
	}
	if (r == 0) {
		r = qs_guest_vmcoreinfo(&s->g, &s->st, s->ranges, s->n_ranges, sink, why, sizeof(why));
		if (r > 0)
			log_at(s, GUESTCORE_LOG_WARNING, why);
		r = r < 0 ? r : 0;
	}
	s->sink = NULL;
	in_end(&s->in);
	return r;
}

static void sf_close(struct guestcore_source *s)
{
	if (!s)
		return;
	in_end(&s->in);
	qstream_free(&s->st);
	qplaces_free(&s->places);
	qs_guest_free(&s->g);
	free(s->pc_rom);
	free(s->isa_bios);
	free(s->xml);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

/* A file that begins as one of the compressions' own formats does (gzip,
 * bzip2, xz, lzop, zstd): a stream compressed as a whole. */
static bool sniff_compression(const unsigned char *h, size_t n, enum sf_format *ret)
{
	static const struct {
		enum sf_format fmt;
		size_t len;
		const char *magic;
	} magics[] = {
		{ SF_GZIP, 2, "\x1f\x8b" },
		{ SF_BZIP2, 3, "BZh" },
		{ SF_XZ, 6, "\xfd" "7zXZ\0" },
		{ SF_LZOP, 4, "\x89LZO" },
		{ SF_ZSTD, 4, "\x28\xb5\x2f\xfd" },
	};

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= magics[i].len && memcmp(h, magics[i].magic, magics[i].len) == 0) {
			*ret = magics[i].fmt;
			return true;
		}
	return false;
}

static int sf_open(const struct guestcore_host_api *host, const char *spec, struct guestcore_source **ret)
{
	struct guestcore_source *s = calloc(1, sizeof(*s));
	unsigned char h[LV_HEADER];
	struct stat st;
	ssize_t got;
	int r = -EINVAL;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->fd = -1;
	s->in.s = s;
	if (spec && strncmp(spec, "path=", 5) == 0)
		spec += 5;
	if (!spec || !*spec) {
		FAIL(s, "savefile needs the saved state's file: savefile:PATH (a libvirt save image or a QEMU migration "
			"stream)");
		goto fail;
	}
	s->path = strdup(spec);
	if (!s->path) {
		r = -ENOMEM;
		goto fail;
	}
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO is refused, not waited on */
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		r = -errno;
		FAIL(s, "%s", strerror(-r));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		FAIL(s, "not a regular file: savefile reads a saved state from a file");
		goto fail;
	}
	s->file_size = (uint64_t)st.st_size;
	got = pread(s->fd, h, sizeof(h), 0);
	if (got < 0) {
		r = -errno;
		FAIL(s, "%s", strerror(-r));
		goto fail;
	}
	if (got >= 16 && memcmp(h, LV_PARTIAL, 16) == 0) {
		FAIL(s, "the file is a libvirt save image that was never finished (magic %s): libvirt failed or is still "
			"writing it; save the domain again", LV_PARTIAL);
		r = -EPROTO;
		goto fail;
	}
	if (got >= 16 && memcmp(h, LV_MAGIC, 16) == 0) {
		if (got < LV_HEADER) {
			FAIL(s, "the file ends inside its libvirt header (%zd of %d bytes): it is truncated",
			     got, LV_HEADER);
			r = -EPROTO;
			goto fail;
		}
		s->libvirt = true;
		r = read_libvirt(s, h);
		if (r < 0)
			goto fail;
	} else if (got >= 4 && memcmp(h, "QEVM", 4) == 0) {
		s->fmt = SF_RAW;
	} else if (sniff_compression(h, (size_t)got, &s->fmt)) {
		/* a stream compressed as a whole: libvirt's dump_image_format */
	} else {
		FAIL(s, "the file is neither a libvirt save image (\"%s\") nor a QEMU migration stream (\"QEVM\", "
			"or compressed by gzip, bzip2, xz, lzop or zstd)", LV_MAGIC);
		r = -EPROTO;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	sf_close(s);
	return r < 0 ? r : -EINVAL;
}

static int sf_get_range(struct guestcore_source *s, uint64_t i, struct guestcore_range *ret)
{
	return su_range_copy(s->ranges, s->n_ranges, i, ret);
}

static int sf_read(struct guestcore_source *s, uint64_t addr, void *buf, size_t len)
{
	(void)buf;
	FAIL(s, "read of 0x%zx bytes at 0x%" PRIx64 ": a saved state's memory is pushed, not read", len, addr);
	return -EINVAL;
}

static int sf_get_register(struct guestcore_source *s, uint32_t cpu, const char *name, uint64_t *ret)
{
	return qs_guest_register(&s->g, cpu, name, ret);
}

static int sf_get_register_bytes(struct guestcore_source *s, uint32_t cpu, const char *name, const void **ret_data,
				 size_t *ret_len)
{
	return qs_guest_register_bytes(&s->g, cpu, name, ret_data, ret_len);
}

static int sf_get_note(struct guestcore_source *s, uint64_t i, struct guestcore_source_note *ret)
{
	return qs_guest_note(&s->g, i, ret);
}

static const struct guestcore_memory_source_ops savefile_source_ops = {
	.size = sizeof(savefile_source_ops),
	.open = sf_open,
	.close = sf_close,
	.describe = sf_describe,
	.get_range = sf_get_range,
	.read = sf_read,
	.get_register = sf_get_register,
	.get_register_bytes = sf_get_register_bytes,
	.get_note = sf_get_note,
	.push_memory = sf_push,
};

static const void *savefile_interface(const char *name)
{
	if (strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0)
		return &savefile_source_ops;
	return NULL;
}

static const struct guestcore_plugin_descriptor savefile_desc = {
	.size = sizeof(savefile_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "savefile",
	.version = PACKAGE_VERSION,
	.description = "saved states of QEMU guests: libvirt save images and QEMU migration streams "
		       "(savefile:PATH)",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = savefile_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &savefile_desc;
	return 0;
}
