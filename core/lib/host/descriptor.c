/* Checking a plugin's descriptor: the ABI version rule, the size-prefix rule
 * and the sanity of what it declares.  The host runs this right after the
 * entry call; nothing of the descriptor is used before it passes. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "../internal.h"

/* A descriptor claiming more than this is not a descriptor. */
#define GC_DESCRIPTOR_MAX_SIZE 65536u
#define GC_NAME_MAX 64
#define GC_VERSION_MAX 64
#define GC_DESCRIPTION_MAX 256

static int check_abi(uint32_t plugin_abi, uint32_t host_abi, char *msg, size_t msgsz)
{
	unsigned pmaj = GUESTCORE_PLUGIN_ABI_GET_MAJOR(plugin_abi);
	unsigned pmin = GUESTCORE_PLUGIN_ABI_GET_MINOR(plugin_abi);
	unsigned hmaj = GUESTCORE_PLUGIN_ABI_GET_MAJOR(host_abi);
	unsigned hmin = GUESTCORE_PLUGIN_ABI_GET_MINOR(host_abi);

	if (pmaj > hmaj) {
		gc_msg(msg, msgsz,
		       "was built for guestcore plugin ABI %u.%u; this guestcore speaks %u.%u: "
		       "upgrade guestcore or rebuild the plugin against SDK %u.x",
		       pmaj, pmin, hmaj, hmin, hmaj);
		return -EPROTO;
	}
	if (pmaj < hmaj) {
		gc_msg(msg, msgsz,
		       "was built for guestcore plugin ABI %u.%u, older than the %u.%u this guestcore "
		       "speaks: rebuild the plugin against SDK %u.x",
		       pmaj, pmin, hmaj, hmin, hmaj);
		return -EPROTO;
	}
	if (pmin > hmin) {
		gc_msg(msg, msgsz,
		       "needs guestcore plugin ABI %u.%u; this guestcore speaks %u.%u: "
		       "upgrade guestcore to one that speaks ABI %u.%u or later, or build the "
		       "plugin with GUESTCORE_PLUGIN_ABI_TARGET_MINOR=%u if it can do without what is newer",
		       pmaj, pmin, hmaj, hmin, pmaj, pmin, hmin);
		return -EPROTO;
	}
	return 0;
}

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, GC_NAME_MAX + 1);

	if (n == 0 || n > GC_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Printable ASCII, one line, at most MAX bytes. */
static bool text_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

GUESTCORE_API int guestcore_plugin_descriptor_check(const struct guestcore_plugin_descriptor *desc,
						    uint32_t host_abi, char *msg, size_t msgsz)
{
	struct guestcore_plugin_descriptor d;
	uint32_t size;
	int r;

	if (!desc) {
		gc_msg(msg, msgsz, "returned no descriptor: the entry point must set *ret_desc");
		return -ENOEXEC;
	}
	memcpy(&size, &desc->size, sizeof(size));
	if (size < offsetof(struct guestcore_plugin_descriptor, abi_version) + sizeof(uint32_t)) {
		gc_msg(msg, msgsz,
		       "declares a descriptor of %u bytes, too small to hold an ABI version: set "
		       "size to sizeof(struct guestcore_plugin_descriptor)",
		       size);
		return -ENOEXEC;
	}
	r = check_abi(desc->abi_version, host_abi, msg, msgsz);
	if (r < 0)
		return r;
	if (size < GUESTCORE_PLUGIN_DESCRIPTOR_MIN_SIZE) {
		gc_msg(msg, msgsz,
		       "declares a descriptor of %u bytes, smaller than the %zu bytes every descriptor "
		       "holds (up to capabilities): set size to sizeof(struct guestcore_plugin_descriptor)",
		       size, (size_t)GUESTCORE_PLUGIN_DESCRIPTOR_MIN_SIZE);
		return -ENOEXEC;
	}
	if (size > GC_DESCRIPTOR_MAX_SIZE) {
		gc_msg(msg, msgsz, "declares a descriptor of %u bytes, which no ABI version has: set "
				   "size to sizeof(struct guestcore_plugin_descriptor)", size);
		return -ENOEXEC;
	}
	if (!gc_sized_tail_zero(desc, size, sizeof(d))) {
		gc_msg(msg, msgsz,
		       "has a descriptor of %u bytes, larger than the %zu bytes this guestcore knows, "
		       "and uses the extra fields: upgrade guestcore or rebuild the plugin against "
		       "SDK %u.%u",
		       size, sizeof(d), GUESTCORE_PLUGIN_ABI_GET_MAJOR(host_abi),
		       GUESTCORE_PLUGIN_ABI_GET_MINOR(host_abi));
		return -ENOEXEC;
	}
	GC_TABLE_IN(d, desc);

	if (!d.name || !name_ok(d.name)) {
		gc_msg(msg, msgsz, "has a missing or invalid name: use 1 to %d characters of "
				   "[a-z0-9_-]", GC_NAME_MAX);
		return -ENOEXEC;
	}
	if (!d.version || !text_ok(d.version, GC_VERSION_MAX) || !d.version[0]) {
		gc_msg(msg, msgsz, "has a missing or invalid version string: use one line of at "
				   "most %d printable characters", GC_VERSION_MAX);
		return -ENOEXEC;
	}
	if (!d.description || !text_ok(d.description, GC_DESCRIPTION_MAX)) {
		gc_msg(msg, msgsz, "has a missing or invalid description: use one line of at most "
				   "%d printable characters", GC_DESCRIPTION_MAX);
		return -ENOEXEC;
	}
	if (d.capabilities == 0) {
		gc_msg(msg, msgsz, "declares no capability: set GUESTCORE_CAP_MEMORY_SOURCE, "
				   "GUESTCORE_CAP_NOTE_PROVIDER or both");
		return -ENOEXEC;
	}
	if (d.capabilities & ~(uint64_t)GUESTCORE_CAP_ALL) {
		gc_msg(msg, msgsz,
		       "declares capability bits 0x%llx that ABI %u.%u does not define: rebuild the "
		       "plugin against this SDK",
		       (unsigned long long)(d.capabilities & ~(uint64_t)GUESTCORE_CAP_ALL),
		       GUESTCORE_PLUGIN_ABI_GET_MAJOR(host_abi), GUESTCORE_PLUGIN_ABI_GET_MINOR(host_abi));
		return -ENOEXEC;
	}
	return 0;
}
