/* guestcore plugin-check PLUGIN.so: exercise a plugin in a child process (a
 * crash is reported with its signal and the step it happened in, and cannot
 * take the checker down), call every callback it declares with valid and
 * invalid arguments, and print one line per problem with the fix. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static FILE *report; /* the child's end of the pipe */
static int problems;

static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...)
{
	va_list ap;

	fputs("step ", report);
	va_start(ap, fmt);
	vfprintf(report, fmt, ap);
	va_end(ap);
	fputc('\n', report);
	fflush(report);
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;

	problems++;
	fputs("problem ", report);
	va_start(ap, fmt);
	vfprintf(report, fmt, ap);
	va_end(ap);
	fputc('\n', report);
	fflush(report);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("note ", report);
	va_start(ap, fmt);
	vfprintf(report, fmt, ap);
	va_end(ap);
	fputc('\n', report);
	fflush(report);
}

static void check_source(struct guestcore_plugin *p, const char *spec, bool spec_given)
{
	const struct guestcore_memory_source_ops *ops = guestcore_plugin_interface(p, GUESTCORE_IFACE_MEMORY_SOURCE);
	struct guestcore_source *src = NULL;
	struct guestcore_guest_info info = { .size = sizeof(info) };
	uint64_t last_end = 0, n = 0;
	unsigned char a[4096], b[4096];
	int r;

	if (!ops) {
		problem("declares a memory source but get_interface(\"%s\") returns NULL: return the "
			"guestcore_memory_source_ops table", GUESTCORE_IFACE_MEMORY_SOURCE);
		return;
	}
	if (!GUESTCORE_STRUCT_HAS(ops, struct guestcore_memory_source_ops, get_register)) {
		problem("its memory-source table is %u bytes, smaller than ABI 1.0's: set size = sizeof(ops)", ops->size);
		return;
	}
	if (!ops->open || !ops->close || !ops->describe || !ops->get_range || !ops->read) {
		problem("its memory-source table lacks open, close, describe, get_range or read: set all five");
		return;
	}
	if (!ops->pause != !ops->resume)
		problem("it sets only one of pause and resume: set both, or neither for a guest that does not run");

	step("open with a spec that makes no sense");
	r = ops->open(guestcore_plugin_host_api(p), "\x01,,=no such thing=,/nonexistent/\x7f", &src);
	if (r == 0 && src) {
		step("close");
		ops->close(src);
	}
	src = NULL;

	step("open(\"%s\")", spec);
	r = ops->open(guestcore_plugin_host_api(p), spec, &src);
	if (r < 0 || !src) {
		if (r >= 0)
			problem("open returned %d but no source: return 0 only with *ret_source set", r);
		else if (spec_given)
			problem("open(\"%s\") failed: %s: check the spec, or fix open", spec, strerror(-r));
		else
			note("open(\"\") failed (%s): give --spec to check this source's reads", strerror(-r));
		return;
	}
	if (ops->pause) {
		step("pause");
		if (ops->pause(src) < 0)
			problem("pause failed: a source that cannot pause must leave pause and resume NULL");
		step("resume");
		if (ops->resume(src) < 0)
			problem("resume failed after pause: the host calls resume on every path and needs it to work");
	}
	step("describe");
	if (ops->describe(src, &info) < 0)
		problem("describe failed on an open source");
	if (info.e_machine == 0)
		problem("describe left e_machine 0: set EM_X86_64, EM_386, ...");
	if (info.cpu_count > 4096)
		problem("describe claims %u vCPUs, more than guestcore accepts (4096)", info.cpu_count);
	for (uint64_t i = 0; i < (1u << 20); i++) {
		struct guestcore_range rg = { .size = sizeof(rg), .fd = -1 };

		step("get_range(%" PRIu64 ")", i);
		r = ops->get_range(src, i, &rg);
		if (r == -ENOENT)
			break;
		if (r < 0) {
			problem("get_range(%" PRIu64 ") failed with %s: return -ENOENT after the last range", i, strerror(-r));
			break;
		}
		n++;
		if (rg.length == 0 || rg.start + rg.length < rg.start)
			problem("range %" PRIu64 " has length 0 or wraps around: give every range a length", i);
		if (i > 0 && rg.start < last_end)
			problem("range %" PRIu64 " at 0x%" PRIx64 " is not above the previous one (ending at 0x%" PRIx64 "): "
				"list ranges ascending and apart", i, rg.start, last_end);
		last_end = rg.start + rg.length;
		if (rg.kind > GUESTCORE_RANGE_MMIO)
			problem("range %" PRIu64 " has kind %u: use RAM, ROM or MMIO", i, rg.kind);
		if (rg.kind == GUESTCORE_RANGE_MMIO || i >= 64)
			continue;
		if (rg.fd >= 0) {
			struct stat st;
			if (fcntl(rg.fd, F_GETFD) < 0)
				problem("range %" PRIu64 " gives fd %d, which is not open: give -1 or a readable fd", i, rg.fd);
			else if (fstat(rg.fd, &st) == 0 && S_ISREG(st.st_mode) &&
				 (uint64_t)st.st_size < rg.file_offset + rg.length)
				problem("range %" PRIu64 " needs its file up to 0x%" PRIx64 " but the file has 0x%llx bytes", i,
					rg.file_offset + rg.length, (unsigned long long)st.st_size);
		}
		{
			size_t len = rg.length < sizeof(a) ? (size_t)rg.length : sizeof(a);
			step("read range %" PRIu64, i);
			int r1 = ops->read(src, rg.start, a, len);
			int r2 = ops->read(src, rg.start, b, len);
			if (r1 == 0 && r2 == 0 && memcmp(a, b, len) != 0)
				problem("two reads of 0x%" PRIx64 " gave different bytes: reads must be repeatable (pause "
					"the guest first)", rg.start);
			if (r1 < 0 && r1 != -EIO)
				problem("read of the first 0x%zx bytes of range %" PRIu64 " failed: %s", len, i, strerror(-r1));
			if (r1 == 0 && rg.fd >= 0 && pread(rg.fd, b, len, (off_t)rg.file_offset) == (ssize_t)len &&
			    memcmp(a, b, len) != 0)
				problem("range %" PRIu64 ": read() and its fd disagree: the host copies from the fd, so both "
					"must give the same bytes", i);
			step("read past the end of range %" PRIu64, i);
			r = ops->read(src, rg.start + rg.length - 1, a, 2);
			if (r == 0)
				problem("a read that runs past the end of range %" PRIu64 " succeeded: refuse reads outside "
					"a range", i);
		}
	}
	note("%" PRIu64 " ranges, %u vCPUs", n, info.cpu_count);
	step("read outside every range");
	if (ops->read(src, last_end + 0x100000, a, 16) == 0)
		problem("a read at 0x%" PRIx64 ", outside every range, succeeded: refuse it", last_end + 0x100000);
	if (ops->get_register) {
		uint64_t v;
		step("get_register");
		if (ops->get_register(src, info.cpu_count, "reg.rip", &v) == 0)
			problem("get_register for vCPU %u of %u succeeded: refuse vCPUs that do not exist", info.cpu_count,
				info.cpu_count);
		if (ops->get_register(src, 0, "reg.no_such_register", &v) == 0)
			problem("get_register(\"reg.no_such_register\") succeeded: answer -ENOENT for names you do not "
				"have");
	}
	step("close");
	ops->close(src);
}

static void check_notes(struct cli *cli, struct guestcore_host *host, struct guestcore_plugin *p, const char *path)
{
	const struct guestcore_note_provider_ops *ops = guestcore_plugin_interface(p, GUESTCORE_IFACE_NOTE_PROVIDER);
	struct guestcore_layouts *layouts = NULL;
	static const uint16_t machines[] = { EM_X86_64, EM_386, EM_AARCH64 };
	char dir[] = "/tmp/guestcore-plugin-check-XXXXXX";

	if (!ops) {
		problem("declares a note provider but get_interface(\"%s\") returns NULL: return the "
			"guestcore_note_provider_ops table", GUESTCORE_IFACE_NOTE_PROVIDER);
		return;
	}
	if (!GUESTCORE_STRUCT_HAS(ops, struct guestcore_note_provider_ops, layouts) || !ops->layouts) {
		problem("its note-provider table lacks layouts(): set size and layouts");
		return;
	}
	if (cli_open_layouts(cli, host, &layouts) != GC_EXIT_OK) {
		problem("the layouts cannot be loaded: check them with 'guestcore schema check'");
		return;
	}
	for (size_t m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
		const char *const *ids;

		step("layouts(%s)", cli_machine_name(machines[m]));
		ids = ops->layouts(guestcore_plugin_host_api(p), machines[m]);
		for (size_t i = 0; ids && ids[i] && i < 1024; i++) {
			const char *id = ids[i] + (i > 0 && ids[i][0] == '+'); /* joined to the one before */
			if (!guestcore_layouts_find(layouts, id))
				problem("it writes layout '%s', which no layout file defines: ship it in %.*s.xml beside the "
					"plugin", id, (int)(strlen(path) - 3), path);
		}
	}
	/* Notes fit their layouts: write a core with them and validate it. */
	if (mkdtemp(dir)) {
		char img[64], out[64], msg[512];
		const char *sets[] = { guestcore_plugin_name(p), NULL };
		struct guestcore_dump_opts o = { .sz = sizeof(o), .note_sets = sets };
		char spec[80];
		int fd, r;

		snprintf(img, sizeof(img), "%s/guest.img", dir);
		snprintf(out, sizeof(out), "%s/guest.core", dir);
		snprintf(spec, sizeof(spec), "raw:%s", img);
		fd = open(img, O_WRONLY | O_CREAT, 0600);
		if (fd >= 0 && ftruncate(fd, 65536) == 0 && write(fd, "guest", 5) == 5) {
			o.source = spec;
			o.output = out;
			step("dump with note set %s", sets[0]);
			r = guestcore_dump(host, layouts, &o, NULL, msg, sizeof(msg));
			if (r < 0 && strstr(msg, "no memory-source plugin named 'raw'"))
				note("the raw source is not installed: notes not written");
			else if (r < 0)
				problem("a core with its notes could not be written: %s", msg);
			else {
				struct guestcore_core *core = NULL;
				step("validate its notes");
				if (guestcore_core_open(out, layouts, &core, msg, sizeof(msg)) == 0) {
					int errors = guestcore_core_validate(core, GUESTCORE_PROFILE_AUTO, NULL, NULL);
					if (errors)
						problem("the core written with its notes has %d validation errors: run "
							"'guestcore validate' on a dump made with --notes %s", errors, sets[0]);
					guestcore_core_close(core);
				}
			}
		}
		if (fd >= 0)
			close(fd);
		unlink(out);
		unlink(img);
		rmdir(dir);
	}
	guestcore_layouts_free(layouts);
}

static int child(struct cli *cli, const char *path, const char *spec, bool spec_given)
{
	struct guestcore_host *host = NULL;
	struct guestcore_plugin *p = NULL;
	uint64_t caps;

	step("load");
	if (cli_open_host_first(cli, path, true, &host, &p) != GC_EXIT_OK)
		return 1;
	if (!guestcore_plugin_loaded(p)) {
		problem("%s", guestcore_plugin_error(p));
		guestcore_host_free(host);
		return 0;
	}
	caps = guestcore_plugin_capabilities(p);
	note("%s %s, ABI %u.%u", guestcore_plugin_name(p), guestcore_plugin_version(p),
	     GUESTCORE_PLUGIN_ABI_GET_MAJOR(guestcore_plugin_abi(p)), GUESTCORE_PLUGIN_ABI_GET_MINOR(guestcore_plugin_abi(p)));
	step("get_interface(unknown)");
	if (guestcore_plugin_interface(p, "guestcore.no-such-interface"))
		problem("get_interface returns a table for an unknown name: return NULL for names you do not offer");
	if (caps & GUESTCORE_CAP_MEMORY_SOURCE)
		check_source(p, spec, spec_given);
	if (caps & GUESTCORE_CAP_NOTE_PROVIDER)
		check_notes(cli, host, p, path);
	step("unload");
	guestcore_host_free(host);
	return 0;
}

/* One report line from the child, by DEADLINE (ms, CLOCK_MONOTONIC): 1, 0 at
 * its end, -ETIMEDOUT. */
static int next_line(int fd, char *buf, size_t *len, size_t cap, char *line, size_t linesz, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		struct timespec ts;
		int64_t left;
		ssize_t n;

		if (nl || *len == cap) {
			size_t k = nl ? (size_t)(nl - buf) : *len;
			snprintf(line, linesz, "%.*s", (int)k, buf);
			*len -= k + (nl != NULL);
			memmove(buf, buf + k + (nl != NULL), *len);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pf, 1, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (*len) {
				snprintf(line, linesz, "%.*s", (int)*len, buf);
				*len = 0;
				return 1;
			}
			return 0;
		}
		*len += (size_t)n;
	}
}

int cmd_plugin_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spec", required_argument, NULL, 's' }, { "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *spec = "", *path;
	bool spec_given = false, done = false, timed_out = false;
	char line[1024], last_step[1024] = "start", buf[4096];
	size_t len = 0;
	long timeout_s = 60;
	int fds[2], c, status = 0, found = 0;
	struct timespec ts;
	int64_t deadline;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (c == 's') {
			spec = optarg;
			spec_given = true;
		} else if (c == 't') {
			char *end;
			errno = 0;
			timeout_s = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout_s < 1 || timeout_s > 86400) {
				cli_error("plugin-check: --timeout takes whole seconds from 1 to 86400");
				return GC_EXIT_USAGE;
			}
		} else if (c == 'h') {
			printf("Usage: guestcore plugin-check [--spec SPEC] [--timeout SECONDS] PLUGIN.so\n"
			       "Load PLUGIN.so in a child process and exercise it: its descriptor and\n"
			       "interfaces; for a memory source, open (with SPEC), pause/resume, describe,\n"
			       "every range (ascending, apart, in bounds), repeatable reads, refused reads\n"
			       "outside the ranges, registers; for a note provider, that its layouts exist and\n"
			       "that a core written with its notes validates.  One line per problem with\n"
			       "the fix; a crash is reported with its signal and the step, a plugin that\n"
			       "ends the process (exit()) or hangs (loading: 5 s; the whole check: SECONDS,\n"
			       "default 60) with the step.\n"
			       "Exit status: 0 clean, 1 problems or a crash, 2 usage error.\n");
			return GC_EXIT_OK;
		} else {
			fprintf(stderr, "Try 'guestcore plugin-check --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error("plugin-check: give one plugin file");
		return GC_EXIT_USAGE;
	}
	path = argv[optind];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		cli_error("plugin-check: pipe: %s", strerror(errno));
		return GC_EXIT_FAILURE;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cli_error("plugin-check: fork: %s", strerror(errno));
		return GC_EXIT_FAILURE;
	}
	if (pid == 0) {
		int r;

		close(fds[0]);
		report = fdopen(fds[1], "w");
		if (!report)
			_exit(1);
		/* A crash is the plugin's, and the parent reports its signal:
		 * no handler (a sanitizer's included) may turn it into an exit. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		r = child(cli, path, spec, spec_given);
		/* Only a check that ran to its end says so: a plugin that calls
		 * exit() never gets here. */
		fputs("done\n", report);
		fflush(report);
		_exit(r);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + timeout_s * 1000;
	for (;;) {
		int r = next_line(fds[0], buf, &len, sizeof(buf), line, sizeof(line), deadline);
		if (r == -ETIMEDOUT) {
			timed_out = true;
			break;
		}
		if (r == 0)
			break;
		if (strncmp(line, "step ", 5) == 0)
			snprintf(last_step, sizeof(last_step), "%s", line + 5);
		else if (strcmp(line, "done") == 0)
			done = true;
		else if (strncmp(line, "problem ", 8) == 0) {
			printf("%s: %s\n", path, line + 8);
			found++;
		} else if (strncmp(line, "note ", 5) == 0)
			printf("%s: (%s)\n", path, line + 5);
	}
	close(fds[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		printf("%s: did not finish %s within %ld s: it hangs there; fix it (--timeout changes the limit)\n", path,
		       last_step, timeout_s);
		found++;
	} else if (WIFSIGNALED(status)) {
		printf("%s: crashed with %s during %s: run it under gdb or valgrind and fix the crash\n", path,
		       sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "a signal", last_step);
		found++;
	} else if (!done) {
		printf("%s: ended the process during %s (exit status %d): a plugin must never call exit()\n", path,
		       last_step, WEXITSTATUS(status));
		found++;
	} else if (WEXITSTATUS(status) != 0) {
		printf("%s: the check could not run (exit status %d)\n", path, WEXITSTATUS(status));
		found++;
	}
	if (!found)
		printf("%s: clean\n", path);
	return found ? GC_EXIT_FAILURE : GC_EXIT_OK;
}
