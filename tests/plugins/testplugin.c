/* One test plugin source, built into several modules by the test suite; each
 * TP_* macro turns it into a plugin that breaks one rule of the ABI. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guestcore/plugin.h>

#ifndef TP_NAME
#define TP_NAME "good"
#endif
#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR GUESTCORE_PLUGIN_ABI_MAJOR
#endif
#ifndef TP_ABI_MINOR
#define TP_ABI_MINOR GUESTCORE_PLUGIN_ABI_MINOR
#endif
#ifndef TP_CAPS
#define TP_CAPS (GUESTCORE_CAP_MEMORY_SOURCE | GUESTCORE_CAP_NOTE_PROVIDER)
#endif

/* A descriptor as a newer SDK might lay it out: the 1.0 fields, then fields
 * this host does not know. */
struct tp_descriptor {
	struct guestcore_plugin_descriptor base;
	uint64_t future_field;
	const void *future_pointer;
};

static void tp_unload(void)
{
}

static const char tp_iface[] = "test interface";

static const void *tp_get_interface(const char *name)
{
	return strcmp(name, "test.iface") == 0 ? tp_iface : NULL;
}

static const struct tp_descriptor descriptor = {
	.base = {
#if defined(TP_BIG_ZERO) || defined(TP_BIG_NONZERO)
		.size = sizeof(struct tp_descriptor),
#elif defined(TP_SMALL)
		.size = 16,
#else
		.size = sizeof(struct guestcore_plugin_descriptor),
#endif
		.abi_version = GUESTCORE_PLUGIN_ABI_MAKE(TP_ABI_MAJOR, TP_ABI_MINOR),
		.name = TP_NAME,
		.version = "1.2.3",
		.description = "test plugin " TP_NAME,
		.capabilities = TP_CAPS,
		.get_interface = tp_get_interface,
		.unload = tp_unload,
	},
#ifdef TP_BIG_NONZERO
	.future_field = 42,
#endif
};

/* Hostile plugins: each misbehaves at one moment of loading, in one way.
 * The host must refuse them with the reason and live on. */
#if defined(TP_CTOR_CRASH) || defined(TP_CTOR_HANG) || defined(TP_CTOR_EXIT)
__attribute__((constructor)) static void tp_constructor(void)
{
#if defined(TP_CTOR_CRASH)
	raise(SIGSEGV);
#elif defined(TP_CTOR_HANG)
	for (;;)
		pause();
#else
	exit(3);
#endif
}
#endif

#ifndef TP_NO_ENTRY
#ifdef TP_CTOR_MARK
/* Says when it is loaded: appends a line to the file $TP_MARK. */
#include <fcntl.h>
__attribute__((constructor)) static void tp_mark(void)
{
	const char *f = getenv("TP_MARK");
	int fd = f ? open(f, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;

	if (fd >= 0) {
		(void)!write(fd, "loaded\n", 7);
		close(fd);
	}
}
#endif

static void tp_misbehave_in_entry(void)
{
#if defined(TP_ENTRY_CRASH)
	raise(SIGSEGV);
#elif defined(TP_ENTRY_HANG)
	for (;;)
		pause();
#elif defined(TP_ENTRY_EXIT)
	exit(0); /* a "success" status must not pass for a clean load */
#endif
}
#endif

#ifdef TP_UNDEFINED
/* Resolved nowhere: RTLD_NOW must refuse the plugin at load. */
extern int guestcore_test_symbol_that_does_not_exist(void);
int tp_uses_undefined(void);
GUESTCORE_PLUGIN_EXPORT int tp_uses_undefined(void)
{
	return guestcore_test_symbol_that_does_not_exist();
}
#endif

#ifdef TP_NO_ENTRY
/* Exports a symbol, but not the entry point. */
int tp_not_the_entry(void);
GUESTCORE_PLUGIN_EXPORT int tp_not_the_entry(void)
{
	return descriptor.base.size != 0;
}
#else
GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	if (!host || host->size < offsetof(struct guestcore_host_api, set_error) + sizeof(host->set_error))
		return -EINVAL;
	tp_misbehave_in_entry();
#ifdef TP_ENTRY_FAILS
	if (GUESTCORE_HOST_HAS(host, set_error))
		host->set_error(host->handle, "needs a hypervisor that is not running: start it first");
	return -ENODEV;
#endif
	if (GUESTCORE_HOST_HAS(host, log))
		host->log(host->handle, GUESTCORE_LOG_DEBUG, "entry called, host ABI %u.%u",
			  GUESTCORE_PLUGIN_ABI_GET_MAJOR(host->abi_version),
			  GUESTCORE_PLUGIN_ABI_GET_MINOR(host->abi_version));
	*ret_desc = &descriptor.base;
	return 0;
}
#endif
