/* The raw source's map and CPU files (rawfiles.h): read safely, parsed from
 * text, every number checked to fit what it describes. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include <guestcore/plugin.h>

#include "rawfiles.h"

int rf_read_file(const char *what, const char *path, char **ret_text, size_t *ret_len, char *err, size_t errsz)
{
	/* O_NONBLOCK: a FIFO with no writer must not hang the open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), e;
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		snprintf(err, errsz, "%s %s: %s", what, path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s %s is not a regular file: give the file itself", what, path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > RF_MAX_FILE) {
		snprintf(err, errsz, "%s %s is larger than %u MiB", what, path, RF_MAX_FILE >> 20);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shorter than it was: parse what is there */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*ret_text = buf;
	*ret_len = got;
	return 0;
}

static bool parse_hex(const char *t, uint64_t *ret)
{
	char *end;

	if (!t || !*t || *t == '-' || *t == '+' || isspace((unsigned char)*t))
		return false;
	errno = 0;
	*ret = strtoull(t, &end, 16);
	return errno == 0 && *end == '\0';
}

int rf_parse_map_line(const char *name, unsigned lineno, char *line, size_t n, uint64_t image_size,
		      const char *image, struct rf_range *ret, char *err, size_t errsz)
{
	char *tok[5] = { 0 }, *save = NULL, *hash;
	int k = 0;
	uint64_t start, size, off;
	uint32_t kind;

	if (memchr(line, '\0', n)) {
		snprintf(err, errsz, "map %s:%u: a NUL byte: the map is a text file", name, lineno);
		return -EINVAL;
	}
	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (char *t = strtok_r(line, " \t\r\v\f", &save); t && k < 5; t = strtok_r(NULL, " \t\r\v\f", &save))
		tok[k++] = t;
	if (k == 0)
		return 0;
	if (k < 3 || k > 4) {
		snprintf(err, errsz, "map %s:%u: expected START SIZE KIND [FILE_OFFSET]", name, lineno);
		return -EINVAL;
	}
	if (!parse_hex(tok[0], &start) || !parse_hex(tok[1], &size) || size == 0 || start + size < start) {
		snprintf(err, errsz, "map %s:%u: START and SIZE must be hexadecimal numbers of 64 bits, SIZE not "
			 "zero, START+SIZE not past 2^64", name, lineno);
		return -EINVAL;
	}
	if (strcmp(tok[2], "ram") == 0)
		kind = GUESTCORE_RANGE_RAM;
	else if (strcmp(tok[2], "rom") == 0)
		kind = GUESTCORE_RANGE_ROM;
	else if (strcmp(tok[2], "mmio") == 0)
		kind = GUESTCORE_RANGE_MMIO;
	else {
		snprintf(err, errsz, "map %s:%u: kind '%.40s' is not ram, rom or mmio", name, lineno, tok[2]);
		return -EINVAL;
	}
	off = start;
	if (k == 4 && !parse_hex(tok[3], &off)) {
		snprintf(err, errsz, "map %s:%u: FILE_OFFSET must be a hexadecimal number of 64 bits", name, lineno);
		return -EINVAL;
	}
	if (kind != GUESTCORE_RANGE_MMIO && (off + size < off || off + size > image_size)) {
		snprintf(err, errsz, "map %s:%u: range 0x%" PRIx64 "+0x%" PRIx64 " needs image bytes up to 0x%" PRIx64
			 ", but %s has 0x%" PRIx64 ": fix the map or the image", name, lineno, start, size,
			 off + size < off ? UINT64_MAX : off + size, image, image_size);
		return -EINVAL;
	}
	*ret = (struct rf_range){ .start = start, .length = size, .kind = kind, .file_offset = off };
	return 1;
}

int rf_parse_map(const char *name, const char *text, size_t len, uint64_t image_size, const char *image,
		 struct rf_map_sink *sink, char *err, size_t errsz)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0, ranges = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[RF_MAX_LINE + 1];
		struct rf_range rg;
		int r;

		lineno++;
		if (n > RF_MAX_LINE) {
			snprintf(err, errsz, "map %s:%u: line longer than %u bytes", name, lineno, RF_MAX_LINE);
			return -EINVAL;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		r = rf_parse_map_line(name, lineno, line, n, image_size, image, &rg, err, errsz);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = sink->add(sink, rg.start, rg.length, rg.kind, rg.file_offset);
		if (r < 0) {
			snprintf(err, errsz, "map %s:%u: %s", name, lineno, r == -E2BIG ? "too many ranges" : strerror(-r));
			return r;
		}
		ranges++;
	}
	if (ranges == 0) {
		snprintf(err, errsz, "map %s lists no range", name);
		return -EINVAL;
	}
	return 0;
}

/* Every number of a well-formed JSON TEXT must be an integer that fits 64
 * bits: json-c turns 1.2e29 into a double and 10^29 into INT64_MAX without
 * a word, so the text itself is checked, and the key is named. */
static int check_numbers(const char *name, const char *text, size_t len, char *err, size_t errsz)
{
	const char *p = text, *end = text + len;
	char key[80] = "";
	unsigned line = 1;

	while (p < end) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '"') {
			const char *s = ++p, *q;
			while (p < end && *p != '"')
				p += *p == '\\' && p + 1 < end ? 2 : 1;
			q = p + (p < end);
			while (q < end && isspace((unsigned char)*q))
				q++;
			if (q < end && *q == ':')
				snprintf(key, sizeof(key), "%.*s", (int)(p - s < 79 ? p - s : 79), s);
			p += p < end;
		} else if (*p == '-' || isdigit((unsigned char)*p)) {
			const char *s = p;
			bool integer = true;
			char num[64];
			char *e;

			p++;
			while (p < end && (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
					   *p == '+' || *p == '-')) {
				if (!isdigit((unsigned char)*p))
					integer = false;
				p++;
			}
			snprintf(num, sizeof(num), "%.*s", (int)(p - s < 63 ? p - s : 63), s);
			errno = 0;
			if (integer && *s == '-')
				(void)strtoll(num, &e, 10);
			else if (integer)
				(void)strtoull(num, &e, 10);
			if (!integer || errno == ERANGE || p - s > 40) {
				snprintf(err, errsz, "cpus %s:%u: '%s' is %s%s: a register holds an integer of 64 bits at "
					 "most; write it as an integer or a \"0x...\" string", name, line, key, num,
					 p - s > 63 ? "..." : "");
				return -ERANGE;
			}
		} else {
			p++;
		}
	}
	return 0;
}

static int json_u64(json_object *v, uint64_t *ret)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		*ret = i < 0 ? (uint64_t)i : json_object_get_uint64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);
		char *end;
		errno = 0;
		*ret = strtoull(t, &end, 0);
		return errno || !*t || *end || *t == '-' || *t == '+' || isspace((unsigned char)*t) ? -EINVAL : 0;
	}
	return -EINVAL;
}

int rf_parse_cpus(const char *name, const char *text, size_t len, struct rf_cpu_sink *sink, char *err,
		  size_t errsz)
{
	json_tokener *tok = json_tokener_new();
	json_object *root;
	size_t n;
	int r = 0;

	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)(len > INT32_MAX ? INT32_MAX : len));
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errsz, "cpus %s: not valid JSON (%s at byte %zu)", name,
			 json_tokener_error_desc(json_tokener_get_error(tok) == json_tokener_success
							 ? json_tokener_error_parse_eof : json_tokener_get_error(tok)),
			 json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		return -EINVAL;
	}
	/* Nothing but white space may follow the value. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!isspace((unsigned char)text[i])) {
			snprintf(err, errsz, "cpus %s: text after the JSON array at byte %zu", name, i);
			json_object_put(root);
			json_tokener_free(tok);
			return -EINVAL;
		}
	json_tokener_free(tok);
	r = check_numbers(name, text, len, err, errsz);
	if (r < 0)
		goto out;
	if (!json_object_is_type(root, json_type_array)) {
		snprintf(err, errsz, "cpus %s: expected a JSON array with one object per vCPU", name);
		r = -EINVAL;
		goto out;
	}
	n = json_object_array_length(root);
	if (n > RF_MAX_CPUS) {
		snprintf(err, errsz, "cpus %s: %zu vCPUs, more than %d", name, n, RF_MAX_CPUS);
		r = -E2BIG;
		goto out;
	}
	r = sink->cpus(sink, n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_object *o = json_object_array_get_idx(root, i);
		size_t regs = 0;

		if (!json_object_is_type(o, json_type_object)) {
			snprintf(err, errsz, "cpus %s: vCPU %zu is not a JSON object", name, i);
			r = -EINVAL;
			break;
		}
		json_object_object_foreach(o, key, val) {
			char reg[80];
			uint64_t v;

			if (++regs > RF_MAX_REGS) {
				snprintf(err, errsz, "cpus %s: vCPU %zu has more than %d registers", name, i, RF_MAX_REGS);
				r = -E2BIG;
				break;
			}
			snprintf(reg, sizeof(reg), "%s%.70s", strncmp(key, "reg.", 4) == 0 ? "" : "reg.", key);
			if (sink->known && !sink->known(sink, reg)) {
				snprintf(err, errsz, "cpus %s: vCPU %zu: '%.70s' is not a register of the vocabulary "
					 "(schemas/README.md)", name, i, key);
				r = -EINVAL;
				break;
			}
			if (json_u64(val, &v) < 0) {
				snprintf(err, errsz, "cpus %s: vCPU %zu: '%.70s' must be an integer or a \"0x...\" string "
					 "of 64 bits", name, i, key);
				r = -EINVAL;
				break;
			}
			r = sink->set(sink, i, reg, v);
			if (r < 0)
				break;
		}
	}
out:
	json_object_put(root);
	return r;
}
