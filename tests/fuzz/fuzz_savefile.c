/* libFuzzer target: any bytes as a saved state, through the savefile
 * source (plugins/qemu/savefile.c) as the host drives it: open, describe,
 * every range, push_memory into a sink that checks each piece lies inside
 * a range the source described, every vCPU's registers and the source's
 * note, close.  The input is a file (a memfd): a libvirt header, the domain
 * XML (libxml2), each compression's decoder (zlib, libbz2, liblzma, lzop's
 * container and liblzo2, libzstd) and the stream reader all see it. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <guestcore/plugin.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* savefile.c's entry (GUESTCORE_PLUGIN_DEFINE_ENTRY), linked in */
int guestcore_plugin_entry(const struct guestcore_host_api *host, const struct guestcore_plugin_descriptor **ret_desc);

static char last_error[1024];

static void fz_log(struct guestcore_host_handle *h, enum guestcore_log_level level, const char *fmt, ...)
{
	(void)h, (void)level, (void)fmt;
}

static void fz_error(struct guestcore_host_handle *h, const char *fmt, ...)
{
	va_list ap;

	(void)h;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

static int fz_cancelled(struct guestcore_host_handle *h)
{
	(void)h;
	return 0;
}

struct fz_sink {
	struct guestcore_memory_sink base;
	struct guestcore_range ranges[64];
	size_t n;
};

static int inside(struct fz_sink *k, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < k->n; i++)
		if (addr >= k->ranges[i].start && len <= k->ranges[i].length &&
		    addr - k->ranges[i].start <= k->ranges[i].length - len)
			return 1;
	return 0;
}

static int fz_write(struct guestcore_memory_sink *sink, uint64_t addr, const void *d, size_t len)
{
	struct fz_sink *k = (struct fz_sink *)sink;
	volatile unsigned char x = 0;

	if (!inside(k, addr, len))
		abort(); /* the source wrote where it said no range is */
	if (d && len)
		x = ((const unsigned char *)d)[len - 1];
	(void)x;
	return 0;
}

static int fz_read(struct guestcore_memory_sink *sink, uint64_t addr, void *buf, size_t len)
{
	struct fz_sink *k = (struct fz_sink *)sink;

	if (!inside(k, addr, len))
		return -EINVAL;
	memset(buf, 0, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static const struct guestcore_memory_source_ops *ops;
	struct guestcore_host_api host = {
		.size = sizeof(host), .abi_version = GUESTCORE_PLUGIN_ABI_VERSION,
		.log = fz_log, .set_error = fz_error, .cancelled = fz_cancelled,
	};
	struct guestcore_source *s = NULL;
	struct guestcore_guest_info info = { .size = sizeof(info) };
	struct fz_sink sink = { .base = { .size = sizeof(sink.base), .write = fz_write, .read = fz_read } };
	char spec[64];

	if (!ops) {
		const struct guestcore_plugin_descriptor *desc;
		if (guestcore_plugin_entry(&host, &desc) != 0 || !desc->get_interface ||
		    !(ops = desc->get_interface(GUESTCORE_IFACE_MEMORY_SOURCE)))
			abort();
	}
	if (fd < 0)
		fd = memfd_create("fuzz-savefile", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(spec, sizeof(spec), "/proc/self/fd/%d", fd);
	if (ops->open(&host, spec, &s) < 0)
		return 0;
	if (ops->describe(s, &info) == 0) {
		struct guestcore_range r = { .size = sizeof(r) };
		for (uint64_t i = 0; ops->get_range(s, i, &r) == 0; i++) {
			if (sink.n == 64 || r.start + r.length < r.start)
				abort();
			sink.ranges[sink.n++] = r;
			r.size = sizeof(r);
		}
		if (ops->push_memory(s, &sink.base) == 0) {
			struct guestcore_source_note n = { .size = sizeof(n) };
			uint64_t v;
			for (uint32_t cpu = 0; cpu < info.cpu_count && cpu < 8; cpu++)
				ops->get_register(s, cpu, "reg.rip", &v);
			if (ops->get_note(s, 0, &n) == 0 && (!n.name || (n.desc_size && !n.desc)))
				abort();
		}
	}
	ops->close(s);
	return 0;
}
