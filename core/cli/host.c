/* What every command of the tool shares: messages, interrupts
 * (cli_catch_signals), the plugin search path (--plugin-path, then
 * GUESTCORE_PLUGIN_PATH, then the installed plugin directory, or the build
 * tree's plugins when the tool runs uninstalled) and the layouts. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <elf.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("guestcore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

volatile int cli_interrupted;
static struct sigaction saved_actions[4];
static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt a blocking call */
}

static void on_interrupt(int sig)
{
	struct itimerval tick = { .it_interval = { 0, 200000 }, .it_value = { 0, 200000 } };

	if (!cli_interrupted)
		setitimer(ITIMER_REAL, &tick, NULL);
	cli_interrupted = sig;
}

void cli_catch_signals(bool on)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	if (on) {
		cli_interrupted = 0;
		for (size_t i = 0; i < 4; i++) {
			/* No SA_RESTART: a blocking read or poll returns EINTR. */
			struct sigaction sa = { .sa_handler = caught[i] == SIGALRM ? on_alarm : on_interrupt };
			sigemptyset(&sa.sa_mask);
			sigaction(caught[i], &sa, &saved_actions[i]);
		}
	} else {
		setitimer(ITIMER_REAL, &off, NULL);
		for (size_t i = 0; i < 4; i++)
			sigaction(caught[i], &saved_actions[i], NULL);
	}
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	fputs("guestcore: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_add_plugin_dir(struct cli *cli, const char *dir)
{
	char **v = reallocarray(cli->plugin_dirs, cli->n_plugin_dirs + 1, sizeof(*v));

	if (!v)
		return false;
	cli->plugin_dirs = v;
	cli->plugin_dirs[cli->n_plugin_dirs++] = (char *)dir;
	return true;
}

static bool same_dir(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

bool cli_running_uninstalled(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	/* libtool runs the real binary from core/.libs. */
	return same_dir(exe, GC_ABS_BUILDDIR "/core") || same_dir(exe, GC_ABS_BUILDDIR "/core/.libs");
}

static void log_cb(void *userdata, enum guestcore_log_level level, const char *plugin,
		   const char *message)
{
	const struct cli *cli = userdata;

	if (level > GUESTCORE_LOG_WARNING && cli->verbose < (level == GUESTCORE_LOG_INFO ? 1 : 2))
		return;
	fprintf(stderr, "guestcore: %s%s%s%s\n",
		level == GUESTCORE_LOG_ERROR ? "error: " : level == GUESTCORE_LOG_WARNING ? "warning: " : "",
		plugin ? plugin : "", plugin ? ": " : "", message);
}

int cli_open_host(struct cli *cli, bool lazy, struct guestcore_host **ret_host)
{
	return cli_open_host_first(cli, NULL, lazy, ret_host, NULL);
}

int cli_open_host_first(struct cli *cli, const char *first, bool lazy, struct guestcore_host **ret_host,
			struct guestcore_plugin **ret_first)
{
	/* Every plugin is loaded in a child process first: one that crashes,
	 * hangs or exits there is refused and never runs in ours. */
	struct guestcore_host_opts opts = {
		.sz = sizeof(opts),
		.log = log_cb,
		.log_userdata = cli,
		.isolate = true,
		.lazy = lazy,
	};
	struct guestcore_host *host = NULL;
	const char *builtin;
	int r;

	r = guestcore_host_new(&opts, &host);
	if (r < 0) {
		cli_error("cannot create the plugin host: %s", strerror(-r));
		return GC_EXIT_FAILURE;
	}
	/* A plugin named on the command line comes before the search path. */
	if (first) {
		struct guestcore_plugin *p = NULL;
		guestcore_host_load_file(host, first, &p);
		if (ret_first)
			*ret_first = p;
	}
	for (size_t i = 0; i < cli->n_plugin_dirs; i++) {
		r = guestcore_host_add_dir(host, cli->plugin_dirs[i]);
		if (r < 0) {
			cli_error("plugin directory %s: %s: give --plugin-path an existing directory",
				  cli->plugin_dirs[i], strerror(-r));
			guestcore_host_free(host);
			return GC_EXIT_USAGE;
		}
	}
	r = guestcore_host_add_env_dirs(host);
	if (r == -ENOMEM) {
		cli_error("out of memory");
		guestcore_host_free(host);
		return GC_EXIT_FAILURE;
	}
	builtin = cli_running_uninstalled() ? GC_ABS_BUILDDIR "/plugins/.libs"
					    : guestcore_installed_plugin_dir();
	/* Absent until a plugin is built or installed: not an error. */
	(void)guestcore_host_add_dir(host, builtin);
	guestcore_host_scan(host);
	*ret_host = host;
	return GC_EXIT_OK;
}

const char *cli_schema_dir(void)
{
	const char *env = secure_getenv("GUESTCORE_SCHEMA_DIR");

	if (env && *env)
		return env;
	return cli_running_uninstalled() ? GC_ABS_SRCDIR "/schemas" : guestcore_installed_schema_dir();
}

void cli_layout_diag(void *userdata, const char *file, unsigned line, unsigned column,
		     const char *message)
{
	(void)userdata;
	if (line && column)
		fprintf(stderr, "%s:%u:%u: error: %s\n", file, line, column, message);
	else if (line)
		fprintf(stderr, "%s:%u: error: %s\n", file, line, message);
	else
		fprintf(stderr, "%s: error: %s\n", file, message);
}

int cli_open_layouts(struct cli *cli, struct guestcore_host *host, struct guestcore_layouts **ret)
{
	struct guestcore_host *own = NULL;
	const char *dir = cli_schema_dir();
	struct guestcore_layouts *set = NULL;
	char xsd[4096];
	int r;

	snprintf(xsd, sizeof(xsd), "%s/note-layout.xsd", dir);
	r = guestcore_layouts_new(xsd, &set);
	if (r < 0) {
		cli_error("cannot load the layout language %s: %s: reinstall guestcore", xsd, strerror(-r));
		return GC_EXIT_FAILURE;
	}
	r = guestcore_layouts_load_dir(set, dir, cli_layout_diag, NULL);
	if (r != 0) {
		if (r < 0)
			cli_error("cannot read the layout directory %s: %s: reinstall guestcore", dir, strerror(-r));
		else
			cli_error("%d bundled layout file(s) in %s are invalid: reinstall guestcore", r, dir);
		guestcore_layouts_free(set);
		return GC_EXIT_FAILURE;
	}
	for (size_t i = 0; i < cli->n_schema_dirs; i++) {
		r = guestcore_layouts_load_dir(set, cli->schema_dirs[i], cli_layout_diag, NULL);
		if (r < 0) {
			cli_error("layout directory %s: %s: give --schema-dir an existing directory",
				  cli->schema_dirs[i], strerror(-r));
			guestcore_layouts_free(set);
			return GC_EXIT_USAGE;
		}
		if (r > 0) {
			cli_error("%d layout file(s) in %s are invalid: fix them (see 'guestcore schema check')",
				  r, cli->schema_dirs[i]);
			guestcore_layouts_free(set);
			return GC_EXIT_FAILURE;
		}
	}
	/* Layout files that plugins ship beside themselves, found without
	 * running any plugin (a lazy host loads none). */
	if (!host) {
		r = cli_open_host(cli, true, &own);
		if (r != GC_EXIT_OK) {
			guestcore_layouts_free(set);
			return r;
		}
		host = own;
	}
	for (size_t i = 0; i < guestcore_host_plugin_count(host); i++) {
		struct guestcore_plugin *p = guestcore_host_plugin_at(host, i);
		const char *f = guestcore_plugin_layout_file(p), *e = guestcore_plugin_error(p);

		if (!guestcore_plugin_loaded(p) && e && strncmp(e, "not loaded", 10) != 0)
			continue; /* refused: its layouts are not used either */
		if (f && guestcore_layouts_load_file(set, f, cli_layout_diag, NULL) < 0)
			cli_warning("plugin %s: its layout file %s is invalid and was not loaded: check it with "
				    "'guestcore schema check %s'", guestcore_plugin_path(p), f, f);
	}
	guestcore_host_free(own);
	*ret = set;
	return GC_EXIT_OK;
}

const char *cli_machine_name(uint16_t e_machine)
{
	switch (e_machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	}
	return NULL;
}

bool cli_write_all(int fd, const void *p, size_t n, off_t off, bool positional)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t w = positional ? pwrite(fd, b, n, off) : write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		b += w;
		n -= (size_t)w;
		off += w;
	}
	return true;
}
