/* Everything the tool prints passes one filter (stdout and stderr are
 * replaced at start by streams that escape), so that a string from a file
 * or a guest (a note's name, a plugin's description, a path) reaches a
 * terminal or a JSON parser escaped, whichever command prints it and
 * however:
 *  - text: newline, tab, printable ASCII and well-formed UTF-8 of
 *    printable characters pass; every other byte (a control character such
 *    as ESC, DEL, a C1 control, a malformed, overlong or surrogate
 *    sequence, a bidirectional override) is written as \xNN;
 *  - JSON on stdout (cli_output_json): json-c has escaped the control
 *    characters already; a byte that is not well-formed UTF-8 is written as
 *    \\xNN, so the document stays valid UTF-8 and decodes to the same \xNN
 *    text as the text output shows.
 * The tool's own raw output (read's bytes on stdout, the progress line on
 * the terminal) does not go through these streams. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

bool cli_output_json;
FILE *cli_raw_stderr;

struct esc {
	int fd;
	bool may_json;            /* stdout: JSON when cli_output_json */
	unsigned char pend[4];    /* the start of a UTF-8 sequence split between writes */
	size_t n_pend;
};

/* Bytes of the UTF-8 sequence starting at P (N available) when it is well
 * formed and a character that may be shown; 0 when it is not; -1 when it
 * may be but is cut off at N. */
static int sequence(const unsigned char *p, size_t n)
{
	unsigned len, cp;

	if (p[0] < 0x80)
		return (p[0] >= 0x20 && p[0] < 0x7f) || p[0] == '\n' || p[0] == '\t' ? 1 : 0;
	len = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (!len)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (unsigned i = 1; i < len; i++) {
		if (i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, past Unicode, a surrogate */
	if (cp < 0xa0 || (cp >= 0x200e && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return 0; /* C1 controls, line separators, bidirectional controls */
	return (int)len;
}

/* The bytes of BUF as the rule says, up to an incomplete sequence at its
 * end unless AT_END: *USED says how many went out. */
static bool emit(struct esc *e, const unsigned char *buf, size_t n, bool at_end, size_t *used_in)
{
	bool json = e->may_json && cli_output_json;
	char out[4096];
	size_t used = 0, i = 0;

	while (i < n) {
		int k = sequence(buf + i, n - i);

		if (k < 0 && !at_end)
			break; /* kept for the next write */
		if (used + 8 > sizeof(out)) {
			if (!cli_write_all(e->fd, out, used, 0, false))
				return false;
			used = 0;
		}
		if (k > 0 || (json && buf[i] < 0x80)) {
			/* (JSON: json-c escaped every control character already.) */
			size_t m = k > 0 ? (size_t)k : 1;
			memcpy(out + used, buf + i, m);
			used += m;
			i += m;
		} else {
			used += (size_t)snprintf(out + used, sizeof(out) - used, json ? "\\\\x%02x" : "\\x%02x", buf[i]);
			i++;
		}
	}
	*used_in = i;
	return cli_write_all(e->fd, out, used, 0, false);
}

static ssize_t esc_write(void *cookie, const char *buf, size_t size)
{
	struct esc *e = cookie;
	unsigned char stack[4096], *all = stack;
	size_t n = e->n_pend + size, done = 0;
	bool ok;

	if (n > sizeof(stack) && !(all = malloc(n)))
		return -1;
	memcpy(all, e->pend, e->n_pend);
	memcpy(all + e->n_pend, buf, size);
	ok = emit(e, all, n, false, &done);
	/* What is left is the start of one sequence: at most 3 bytes. */
	e->n_pend = ok ? n - done : 0;
	if (ok)
		memcpy(e->pend, all + done, e->n_pend);
	if (all != stack)
		free(all);
	return ok ? (ssize_t)size : -1;
}

static int esc_close(void *cookie)
{
	struct esc *e = cookie;
	size_t done;

	if (e->n_pend)
		emit(e, e->pend, e->n_pend, true, &done);
	e->n_pend = 0;
	return 0;
}

static struct esc out_state = { .fd = 1, .may_json = true }, err_state = { .fd = 2 };

void cli_escape_output(void)
{
	cookie_io_functions_t io = { .write = esc_write, .close = esc_close };
	FILE *o, *e;
	int fd2 = dup(2);

	fflush(stdout);
	fflush(stderr);
	/* The terminal's own stderr, for the progress line. */
	cli_raw_stderr = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
	if (!cli_raw_stderr) {
		if (fd2 >= 0)
			close(fd2);
		cli_raw_stderr = stderr;
	} else {
		setvbuf(cli_raw_stderr, NULL, _IONBF, 0);
	}
	o = fopencookie(&out_state, "w", io);
	e = fopencookie(&err_state, "w", io);
	if (!o || !e) {
		if (o)
			fclose(o);
		if (e)
			fclose(e);
		return; /* out of memory at start: unfiltered, as before */
	}
	setvbuf(o, NULL, isatty(1) ? _IOLBF : _IOFBF, 0);
	setvbuf(e, NULL, _IOLBF, 0);
	stdout = o;
	stderr = e;
}
