/* The raw source's input files: the memory map and the CPU file, parsed from
 * text (plugins/raw/rawfiles.c), shared by the plugin and its fuzz targets. */
#ifndef GUESTCORE_RAWFILES_H
#define GUESTCORE_RAWFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RF_MAX_FILE (16u << 20) /* a map or CPU file larger than this is refused */
#define RF_MAX_CPUS 4096
#define RF_MAX_REGS 256

/* Read the regular file PATH (never blocking on a FIFO or device) into a
 * NUL-terminated buffer; free() it.  0, or a negative errno and one sentence
 * in ERR naming WHAT ("map", "cpus"). */
int rf_read_file(const char *what, const char *path, char **ret_text, size_t *ret_len, char *err, size_t errsz);

#define RF_MAX_LINE 1023 /* bytes of a map line */

struct rf_range {
	uint64_t start, length, file_offset;
	uint32_t kind; /* enum guestcore_range_kind */
};

/* One line of a memory map (LINE, N bytes, NUL-terminated; changed in
 * place), line LINENO of NAME: 1 with the range in *RET, 0 for a blank or
 * comment line, or a negative errno and "map NAME:LINE: ..." in ERR. */
int rf_parse_map_line(const char *name, unsigned lineno, char *line, size_t n, uint64_t image_size,
		      const char *image, struct rf_range *ret, char *err, size_t errsz);

struct rf_map_sink {
	/* Called for each range line; a negative return stops the parse. */
	int (*add)(struct rf_map_sink *sink, uint64_t start, uint64_t len, uint32_t kind, uint64_t file_offset);
};

/* Parse a memory map: one "START SIZE KIND [FILE_OFFSET]" a line, hex, '#'
 * comments.  File-backed ranges must lie within IMAGE_SIZE bytes of the
 * image IMAGE.  0, or a negative errno and "NAME:LINE: ..." in ERR. */
int rf_parse_map(const char *name, const char *text, size_t len, uint64_t image_size, const char *image,
		 struct rf_map_sink *sink, char *err, size_t errsz);

struct rf_cpu_sink {
	/* vCPU count, once before any register; a negative return stops. */
	int (*cpus)(struct rf_cpu_sink *sink, size_t count);
	/* NAME is a vocabulary name ("reg.rip"); a negative return stops. */
	int (*set)(struct rf_cpu_sink *sink, size_t cpu, const char *name, uint64_t value);
	/* May be NULL: false for a name not in the vocabulary. */
	bool (*known)(struct rf_cpu_sink *sink, const char *name);
};

/* Parse a CPU file: a JSON array, one object per vCPU, register names as
 * keys, values integers that fit 64 bits (negative ones as two's complement)
 * or "0x..." strings.  0, or a negative errno and one sentence in ERR that
 * names the key. */
int rf_parse_cpus(const char *name, const char *text, size_t len, struct rf_cpu_sink *sink, char *err,
		  size_t errsz);

#endif
