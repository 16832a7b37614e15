/* Plugin host: loading, the version rule, the size-prefix rule, every way a
 * plugin file can be refused, discovery order and isolation of failures.
 * The plugins are built by the test suite from tests/plugins/testplugin.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <guestcore/guestcore.h>

#include "cunit_main.h"

#ifndef TEST_PLUGIN_DIR
#error TEST_PLUGIN_DIR must name the directory of the built test plugins
#endif

static char tmpdir[] = "/tmp/gc-test-plugins-XXXXXX";
static char log_buf[4096];
static int log_count;

static void log_cb(void *ud, enum guestcore_log_level level, const char *plugin, const char *msg)
{
	(void)ud;
	(void)level;
	log_count++;
	snprintf(log_buf + strlen(log_buf), sizeof(log_buf) - strlen(log_buf), "%s|%s\n",
		 plugin ? plugin : "-", msg);
}

static struct guestcore_host *new_host(void)
{
	struct guestcore_host_opts opts = { .sz = sizeof(opts), .log = log_cb };
	struct guestcore_host *h = NULL;

	log_buf[0] = '\0';
	log_count = 0;
	CU_ASSERT_FATAL(guestcore_host_new(&opts, &h) == 0);
	return h;
}

static const char *tp(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/tp_%s.so", TEST_PLUGIN_DIR, name);
	return path;
}

/* Load one test plugin and return its refusal text (NULL when it loaded). */
static char *load_error(const char *path, int *ret_r)
{
	struct guestcore_host *h = new_host();
	struct guestcore_plugin *p = NULL;
	const char *e;
	char *copy;
	int r = guestcore_host_load_file(h, path, &p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(guestcore_plugin_loaded(p), r == 0);
	e = guestcore_plugin_error(p);
	CU_ASSERT_EQUAL(e == NULL, r == 0);
	copy = e ? strdup(e) : NULL;
	if (ret_r)
		*ret_r = r;
	guestcore_host_free(h);
	return copy;
}

#define ASSERT_CONTAINS(hay, needle)                                               \
	do {                                                                        \
		const char *h_ = (hay);                                             \
		if (!h_ || !strstr(h_, needle)) {                                   \
			fprintf(stderr, "\n  '%s' does not contain '%s'\n", h_ ? h_ : "(null)", needle); \
			CU_FAIL("message lacks " needle);                           \
		}                                                                   \
	} while (0)

static void test_good_plugin_loads(void)
{
	struct guestcore_host *h = new_host();
	struct guestcore_plugin *p = NULL;

	CU_ASSERT_EQUAL(guestcore_host_load_file(h, tp("good"), &p), 0);
	CU_ASSERT_TRUE(guestcore_plugin_loaded(p));
	CU_ASSERT_PTR_NULL(guestcore_plugin_error(p));
	CU_ASSERT_STRING_EQUAL(guestcore_plugin_name(p), "good");
	CU_ASSERT_STRING_EQUAL(guestcore_plugin_version(p), "1.2.3");
	CU_ASSERT_STRING_EQUAL(guestcore_plugin_description(p), "test plugin good");
	CU_ASSERT_EQUAL(guestcore_plugin_abi(p), GUESTCORE_PLUGIN_ABI_VERSION);
	CU_ASSERT_EQUAL(guestcore_plugin_capabilities(p),
			GUESTCORE_CAP_MEMORY_SOURCE | GUESTCORE_CAP_NOTE_PROVIDER);
	CU_ASSERT_STRING_EQUAL((const char *)guestcore_plugin_interface(p, "test.iface"), "test interface");
	CU_ASSERT_PTR_NULL(guestcore_plugin_interface(p, "no.such.iface"));
	CU_ASSERT_PTR_EQUAL(guestcore_host_find(h, "good"), p);
	CU_ASSERT_PTR_NULL(guestcore_host_find(h, "bad"));
	/* The plugin's log call reached the host's callback. */
	ASSERT_CONTAINS(log_buf, "entry called, host ABI 1.3");
	guestcore_host_free(h);
}

static void test_future_major_refused(void)
{
	int r;
	char *e = load_error(tp("future_major"), &r);

	CU_ASSERT_EQUAL(r, -EPROTO);
	ASSERT_CONTAINS(e, "tp_future_major.so was built for guestcore plugin ABI 2.0");
	ASSERT_CONTAINS(e, "this guestcore speaks 1.3");
	ASSERT_CONTAINS(e, "upgrade guestcore or rebuild the plugin against SDK 1.x");
	free(e);
}

static void test_future_minor_refused(void)
{
	int r;
	char *e = load_error(tp("future_minor"), &r);

	CU_ASSERT_EQUAL(r, -EPROTO);
	ASSERT_CONTAINS(e, "needs guestcore plugin ABI 1.4; this guestcore speaks 1.3");
	ASSERT_CONTAINS(e, "upgrade guestcore to one that speaks ABI 1.4 or later");
	ASSERT_CONTAINS(e, "GUESTCORE_PLUGIN_ABI_TARGET_MINOR=3");
	free(e);
}

static void test_older_major_refused(void)
{
	int r;
	char *e = load_error(tp("old_major"), &r);

	CU_ASSERT_EQUAL(r, -EPROTO);
	ASSERT_CONTAINS(e, "was built for guestcore plugin ABI 0.9, older than the 1.3");
	ASSERT_CONTAINS(e, "rebuild the plugin against SDK 1.x");
	free(e);
}

static void test_missing_entry_refused(void)
{
	char *e = load_error(tp("no_entry"), NULL);

	ASSERT_CONTAINS(e, "tp_no_entry.so is missing entry symbol guestcore_plugin_entry");
	free(e);
}

static void test_undefined_symbol_refused(void)
{
	char *e = load_error(tp("undefined"), NULL);

	/* dlerror()'s own text, not a generic "not a plugin". */
	ASSERT_CONTAINS(e, "cannot be loaded");
	ASSERT_CONTAINS(e, "undefined symbol: guestcore_test_symbol_that_does_not_exist");
	free(e);
}

static void write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, n) == (ssize_t)n);
	close(fd);
}

static void test_not_elf_refused(void)
{
	char path[4096];
	static const char text[] = "this is a text file, not a shared object; it is long enough to hold an ELF header\n";
	char *e;

	snprintf(path, sizeof(path), "%s/notelf.so", tmpdir);
	write_file(path, text, sizeof(text) - 1);
	e = load_error(path, NULL);
	ASSERT_CONTAINS(e, "notelf.so cannot be loaded");
	ASSERT_CONTAINS(e, "invalid ELF header");
	free(e);
	unlink(path);
}

static void test_wrong_elf_class_refused(void)
{
	char path[4096];
	FILE *f = fopen(tp("good"), "rb");
	static char buf[1 << 20];
	size_t n;
	char *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CU_ASSERT_FATAL(n > 64 && n < sizeof(buf));
	buf[4] = 1; /* EI_CLASS = ELFCLASS32 */
	snprintf(path, sizeof(path), "%s/class32.so", tmpdir);
	write_file(path, buf, n);
	e = load_error(path, NULL);
	ASSERT_CONTAINS(e, "wrong ELF class: ELFCLASS32");
	free(e);
	unlink(path);
}

static void test_bigger_descriptor_with_zero_tail_accepted(void)
{
	int r;
	char *e = load_error(tp("big_zero"), &r);

	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_PTR_NULL(e);
	free(e);
}

static void test_bigger_descriptor_with_nonzero_tail_refused(void)
{
	int r;
	char *e = load_error(tp("big_nonzero"), &r);

	CU_ASSERT_EQUAL(r, -ENOEXEC);
	ASSERT_CONTAINS(e, "larger than the");
	ASSERT_CONTAINS(e, "uses the extra fields: upgrade guestcore");
	free(e);
}

static void test_too_small_descriptor_refused(void)
{
	char *e = load_error(tp("small"), NULL);

	ASSERT_CONTAINS(e, "declares a descriptor of 16 bytes, smaller than the 40 bytes every descriptor holds");
	free(e);
}

static void test_entry_failure_reports_plugin_message(void)
{
	int r;
	char *e = load_error(tp("entry_fails"), &r);

	CU_ASSERT_EQUAL(r, -ENODEV);
	ASSERT_CONTAINS(e, "tp_entry_fails.so refused to load: needs a hypervisor that is not running");
	free(e);
}

static void test_missing_file_refused(void)
{
	char *e = load_error("/nonexistent/dir/plugin.so", NULL);

	ASSERT_CONTAINS(e, "/nonexistent/dir/plugin.so cannot be read: No such file or directory");
	free(e);
}

static void make_link(const char *dir, const char *name, const char *target)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	CU_ASSERT_FATAL(symlink(target, path) == 0);
}

static void test_scan_isolates_failures_and_orders_by_name(void)
{
	char dir[1024], path[4096];
	struct guestcore_host *h = new_host();

	snprintf(dir, sizeof(dir), "%s/scan", tmpdir);
	mkdir(dir, 0755);
	make_link(dir, "a_future.so", tp("future_major"));
	make_link(dir, "b_good.so", tp("good"));
	make_link(dir, "c_undefined.so", tp("undefined"));
	snprintf(path, sizeof(path), "%s/d_text.so", dir);
	write_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/README", dir);
	write_file(path, "not a plugin name", 17);

	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, dir), 0);
	CU_ASSERT_EQUAL(guestcore_host_scan(h), 3);
	CU_ASSERT_EQUAL_FATAL(guestcore_host_plugin_count(h), 4);
	ASSERT_CONTAINS(guestcore_plugin_path(guestcore_host_plugin_at(h, 0)), "a_future.so");
	CU_ASSERT_FALSE(guestcore_plugin_loaded(guestcore_host_plugin_at(h, 0)));
	CU_ASSERT_TRUE(guestcore_plugin_loaded(guestcore_host_plugin_at(h, 1)));
	CU_ASSERT_FALSE(guestcore_plugin_loaded(guestcore_host_plugin_at(h, 2)));
	CU_ASSERT_FALSE(guestcore_plugin_loaded(guestcore_host_plugin_at(h, 3)));
	CU_ASSERT_PTR_NOT_NULL(guestcore_host_find(h, "good"));
	guestcore_host_free(h);
}

static void test_first_in_search_path_wins(void)
{
	char d1[1024], d2[1024], d3[1024], tmpl[4096];
	struct guestcore_host *h = new_host();
	struct guestcore_plugin *p;

	snprintf(d1, sizeof(d1), "%s/first", tmpdir);
	snprintf(d2, sizeof(d2), "%s/second", tmpdir);
	snprintf(d3, sizeof(d3), "%s/third", tmpdir);
	mkdir(d1, 0755);
	mkdir(d2, 0755);
	mkdir(d3, 0755);
	/* The same file reached through two directories loads once. */
	make_link(d1, "good.so", tp("good"));
	make_link(d2, "same.so", tp("good"));
	/* A different file with the same plugin name is refused. */
	snprintf(tmpl, sizeof(tmpl), "%s/copy.so", d3);
	{
		FILE *in = fopen(tp("good"), "rb");
		static char buf[1 << 20];
		size_t n;

		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		n = fread(buf, 1, sizeof(buf), in);
		fclose(in);
		write_file(tmpl, buf, n);
	}
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, d1), 0);
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, d2), 0);
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, d3), 0);
	CU_ASSERT_EQUAL(guestcore_host_scan(h), 1);
	CU_ASSERT_EQUAL_FATAL(guestcore_host_plugin_count(h), 2);
	p = guestcore_host_plugin_at(h, 1);
	ASSERT_CONTAINS(guestcore_plugin_error(p), "is named 'good' like");
	ASSERT_CONTAINS(guestcore_plugin_error(p), "first/good.so, which comes first in the search path");
	ASSERT_CONTAINS(guestcore_plugin_path(guestcore_host_find(h, "good")), "first/good.so");
	guestcore_host_free(h);
}

static void test_add_dir_checks(void)
{
	struct guestcore_host *h = new_host();

	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, "/nonexistent/plugins"), -ENOENT);
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, tp("good")), -ENOTDIR);
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, ""), -EINVAL);
	CU_ASSERT_EQUAL(guestcore_host_dir_count(h), 0);
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, TEST_PLUGIN_DIR), 0);
	CU_ASSERT_STRING_EQUAL(guestcore_host_dir_at(h, 0), TEST_PLUGIN_DIR);
	CU_ASSERT_PTR_NULL(guestcore_host_dir_at(h, 1));
	guestcore_host_free(h);
}

static void test_env_path(void)
{
	struct guestcore_host *h = new_host();
	char val[8192];

	snprintf(val, sizeof(val), "%s:/nonexistent/x::%s", TEST_PLUGIN_DIR, tmpdir);
	setenv("GUESTCORE_PLUGIN_PATH", val, 1);
	CU_ASSERT_EQUAL(guestcore_host_add_env_dirs(h), 2);
	unsetenv("GUESTCORE_PLUGIN_PATH");
	CU_ASSERT_EQUAL(guestcore_host_dir_count(h), 2);
	CU_ASSERT_STRING_EQUAL(guestcore_host_dir_at(h, 1), tmpdir);
	ASSERT_CONTAINS(log_buf, "GUESTCORE_PLUGIN_PATH entry /nonexistent/x skipped");
	CU_ASSERT_EQUAL(guestcore_host_add_env_dirs(h), 0);
	guestcore_host_free(h);
}

/* isolate: a plugin that crashes, exits or hangs while loading is refused
 * with the reason, in a child process; this process lives on. */
static void test_isolate_refuses_hostile_plugins(void)
{
	struct guestcore_host_opts opts = { .sz = sizeof(opts), .log = log_cb, .isolate = true, .probe_ms = 1500 };
	struct guestcore_host *h = NULL;
	struct guestcore_plugin *p = NULL;

	CU_ASSERT_FATAL(guestcore_host_new(&opts, &h) == 0);
	CU_ASSERT_EQUAL(guestcore_host_load_file(h, tp("ctor_crash"), &p), -ENOEXEC);
	CU_ASSERT_PTR_NOT_NULL(strstr(guestcore_plugin_error(p), "crashed while loading (SIGSEGV"));
	CU_ASSERT_EQUAL(guestcore_host_load_file(h, tp("entry_exit"), &p), -ENOEXEC);
	CU_ASSERT_PTR_NOT_NULL(strstr(guestcore_plugin_error(p), "ended the process while loading (exit status 0"));
	CU_ASSERT_EQUAL(guestcore_host_load_file(h, tp("entry_hang"), &p), -ENOEXEC);
	CU_ASSERT_PTR_NOT_NULL(strstr(guestcore_plugin_error(p), "did not finish loading within 1500 ms"));
	/* A plugin's own refusal comes back from the child as it is. */
	CU_ASSERT(guestcore_host_load_file(h, tp("future_major"), &p) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(guestcore_plugin_error(p), "ABI 2.0"));
	CU_ASSERT_EQUAL(guestcore_plugin_abi(p) >> 16, 2);
	CU_ASSERT_EQUAL(guestcore_host_load_file(h, tp("good"), &p), 0);
	CU_ASSERT(guestcore_plugin_loaded(p));
	guestcore_host_free(h);
}

/* lazy: a scan lists; find loads NAME.so, and only it. */
static void test_lazy_loads_only_what_is_found(void)
{
	struct guestcore_host_opts opts = { .sz = sizeof(opts), .log = log_cb, .lazy = true };
	struct guestcore_host *h = NULL;
	char dir[] = "/tmp/gc-test-lazy-XXXXXX", link1[600], link2[600];
	size_t loaded = 0;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(link1, sizeof(link1), "%s/good.so", dir);
	snprintf(link2, sizeof(link2), "%s/crash.so", dir);
	CU_ASSERT_FATAL(symlink(tp("good"), link1) == 0 && symlink(tp("ctor_crash"), link2) == 0);
	CU_ASSERT_FATAL(guestcore_host_new(&opts, &h) == 0);
	CU_ASSERT_EQUAL(guestcore_host_add_dir(h, dir), 0);
	CU_ASSERT_EQUAL(guestcore_host_scan(h), 0);
	CU_ASSERT_EQUAL(guestcore_host_plugin_count(h), 2);
	for (size_t i = 0; i < guestcore_host_plugin_count(h); i++)
		loaded += guestcore_plugin_loaded(guestcore_host_plugin_at(h, i));
	CU_ASSERT_EQUAL(loaded, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(guestcore_plugin_error(guestcore_host_plugin_at(h, 0)), "not loaded"));
	/* good.so is found by its file name: the crashing one never runs. */
	CU_ASSERT_PTR_NOT_NULL(guestcore_host_find(h, "good"));
	guestcore_host_free(h);
	unlink(link1);
	unlink(link2);
	rmdir(dir);
}

static void test_host_opts_size_rule(void)
{
	struct {
		struct guestcore_host_opts o;
		uint64_t extra;
	} big = { .o = { .sz = sizeof(big) }, .extra = 0 };
	struct guestcore_host *h = NULL;
	struct guestcore_host_opts zero = { .sz = 0 };

	CU_ASSERT_EQUAL(guestcore_host_new(&big.o, &h), 0);
	guestcore_host_free(h);
	h = NULL;
	big.extra = 1;
	CU_ASSERT_EQUAL(guestcore_host_new(&big.o, &h), -EINVAL);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_EQUAL(guestcore_host_new(&zero, &h), -EINVAL);
	CU_ASSERT_EQUAL(guestcore_host_new(NULL, &h), 0);
	guestcore_host_free(h);
	guestcore_host_free(NULL);
}

static const char *dummy_iface(const char *n)
{
	(void)n;
	return NULL;
}

static void test_descriptor_check(void)
{
	struct guestcore_plugin_descriptor d = {
		.size = sizeof(d),
		.abi_version = GUESTCORE_PLUGIN_ABI_VERSION,
		.name = "ok",
		.version = "1",
		.description = "fine",
		.capabilities = GUESTCORE_CAP_NOTE_PROVIDER,
		.get_interface = (const void *(*)(const char *))dummy_iface,
	};
	char msg[512];

	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(NULL, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "returned no descriptor");

	/* A host of a later minor accepts an older minor plugin. */
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_MAKE(1, 7), msg, sizeof(msg)), 0);

	d.name = "Bad Name";
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "invalid name");
	d.name = "ok";
	d.description = "two\nlines";
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "invalid description");
	d.description = "fine";
	d.version = NULL;
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "version string");
	d.version = "1";
	d.capabilities = 0;
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "declares no capability");
	d.capabilities = 1u << 9;
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "capability bits 0x200");
	d.capabilities = GUESTCORE_CAP_MEMORY_SOURCE;
	d.size = 4;
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "too small to hold an ABI version");
	d.size = 1u << 20;
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg)), -ENOEXEC);
	ASSERT_CONTAINS(msg, "which no ABI version has");
	/* A NULL message buffer is allowed. */
	CU_ASSERT_EQUAL(guestcore_plugin_descriptor_check(&d, GUESTCORE_PLUGIN_ABI_VERSION, NULL, 0), -ENOEXEC);
}

static void test_version_queries(void)
{
	CU_ASSERT_STRING_EQUAL(guestcore_version(), PACKAGE_VERSION);
	CU_ASSERT_EQUAL(guestcore_plugin_abi_version(), GUESTCORE_PLUGIN_ABI_MAKE(1, 3));
	CU_ASSERT_PTR_NOT_NULL(strstr(guestcore_installed_plugin_dir(), "/plugins"));
}

static int suite_init(void)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "good plugin loads with its descriptor", test_good_plugin_loads },
		{ "future major ABI is refused", test_future_major_refused },
		{ "future minor ABI is refused", test_future_minor_refused },
		{ "older major ABI is refused", test_older_major_refused },
		{ "missing entry symbol is refused", test_missing_entry_refused },
		{ "undefined symbol is refused with dlerror text", test_undefined_symbol_refused },
		{ "file that is not ELF is refused", test_not_elf_refused },
		{ "wrong ELF class is refused", test_wrong_elf_class_refused },
		{ "larger descriptor with zero tail is accepted", test_bigger_descriptor_with_zero_tail_accepted },
		{ "larger descriptor with non-zero tail is refused", test_bigger_descriptor_with_nonzero_tail_refused },
		{ "too small descriptor is refused", test_too_small_descriptor_refused },
		{ "entry failure carries the plugin's message", test_entry_failure_reports_plugin_message },
		{ "missing file is refused", test_missing_file_refused },
		{ "scan isolates failures, orders by name", test_scan_isolates_failures_and_orders_by_name },
		{ "first in search path wins", test_first_in_search_path_wins },
		{ "add_dir checks its directory", test_add_dir_checks },
		{ "GUESTCORE_PLUGIN_PATH", test_env_path },
		{ "host opts size rule", test_host_opts_size_rule },
		{ "isolate refuses hostile plugins", test_isolate_refuses_hostile_plugins },
		{ "lazy loads only what is found", test_lazy_loads_only_what_is_found },
		{ "descriptor check", test_descriptor_check },
		{ "version queries", test_version_queries },
		CU_TEST_INFO_NULL,
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	GC_CUNIT_SUITE("plugin host", suite_init, suite_clean, tests);
	return gc_cunit_run();
}
