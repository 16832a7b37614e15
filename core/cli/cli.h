/* Shared state and helpers of the guestcore command-line tool. */
#ifndef GUESTCORE_CLI_H
#define GUESTCORE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <guestcore/guestcore.h>

/* Exit statuses, documented in --help and guestcore(1). */
enum {
	GC_EXIT_OK = 0,
	GC_EXIT_FAILURE = 1,
	GC_EXIT_USAGE = 2,
	GC_EXIT_PARTIAL = 3,
	GC_EXIT_NOT_RESUMED = 4,        /* the core is complete; the guest stays paused */
	GC_EXIT_FAILED_NOT_RESUMED = 5, /* the command failed and the guest stays paused */
};

struct cli {
	const char *prog;        /* for messages: "guestcore" */
	char **plugin_dirs;      /* --plugin-path, in order */
	size_t n_plugin_dirs;
	char **schema_dirs;      /* --schema-dir, in order */
	size_t n_schema_dirs;
	int verbose;
};

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* N bytes at P to FD, whatever a write takes at a time (at OFF when
 * POSITIONAL); false with errno set (EIO for a write that wrote nothing). */
bool cli_write_all(int fd, const void *p, size_t n, off_t off, bool positional);

/* escape.c: stdout and stderr replaced by streams that escape what a file
 * or a guest could put there (called once, first thing in main); set
 * cli_output_json before printing a JSON document on stdout.  The progress
 * line goes to cli_raw_stderr, the terminal's own. */
void cli_escape_output(void);
extern bool cli_output_json;
extern FILE *cli_raw_stderr;

/* Set (to the signal's number) by SIGINT, SIGTERM or SIGHUP while
 * cli_catch_signals(true) is in force. */
extern volatile int cli_interrupted;
/* Catch SIGINT, SIGTERM and SIGHUP into cli_interrupted (true), or restore
 * what was there (false).  After the first of them, SIGALRM interrupts the
 * process every 200 ms so that no blocking call can outlast the request
 * (a plugin's poll() sees EINTR even when the signal came just before it). */
void cli_catch_signals(bool on);
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Adds DIR as a --plugin-path; returns false on allocation failure. */
bool cli_add_plugin_dir(struct cli *cli, const char *dir);
/* Builds the plugin host with the full search path and scans it, each
 * plugin probed in a child process before it loads here; LAZY lists the
 * plugins and loads only those a command looks for.  Returns an exit status;
 * *ret_host is set on GC_EXIT_OK. */
int cli_open_host(struct cli *cli, bool lazy, struct guestcore_host **ret_host);
/* The same, with the plugin file FIRST loaded before the search path;
 * *ret_first is its record (loaded or refused). */
int cli_open_host_first(struct cli *cli, const char *first, bool lazy, struct guestcore_host **ret_host,
			struct guestcore_plugin **ret_first);
/* True when this binary runs from its build tree (uninstalled). */
bool cli_running_uninstalled(void);
/* PATH is a saved state (a libvirt save image, a QEMU migration stream,
 * either compressed as a whole) by its magic, not a core: the savefile
 * source's to read. */
bool cli_saved_state(const char *path);
/* "x86_64", "i386", "aarch64", or NULL for any other e_machine. */
const char *cli_machine_name(uint16_t e_machine);

/* Directory of the layout files this binary uses: the source tree's
 * schemas/ when uninstalled, the installed one otherwise. */
const char *cli_schema_dir(void);
/* Prints a layout diagnostic as FILE:LINE:COLUMN: error: MESSAGE. */
void cli_layout_diag(void *userdata, const char *file, unsigned line, unsigned column,
		     const char *message);
/* Loads the bundled layouts (GUESTCORE_SCHEMA_DIR overrides where they are),
 * each --schema-dir directory, then the layout files plugins ship beside
 * themselves (of HOST, or of a host opened for the purpose when NULL).
 * Returns an exit status; *ret is set on GC_EXIT_OK. */
int cli_open_layouts(struct cli *cli, struct guestcore_host *host, struct guestcore_layouts **ret);

int cmd_plugins(struct cli *cli, int argc, char **argv);
int cmd_schema(struct cli *cli, int argc, char **argv);
int cmd_dump(struct cli *cli, int argc, char **argv);
int cmd_convert(struct cli *cli, int argc, char **argv);
int cmd_plugin_check(struct cli *cli, int argc, char **argv);
int cmd_inspect(struct cli *cli, int argc, char **argv);
int cmd_validate(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_extract(struct cli *cli, int argc, char **argv);

#endif
