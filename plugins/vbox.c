/* Note set "vbox": VirtualBox's VBCORE descriptor, then one VBCPU per vCPU,
 * byte for byte as VBoxManage debugvm dumpvmcore writes them (format
 * 0x00010006).  The layouts (schemas/vbox.xml) say everything; this provider
 * only names them, in the order VirtualBox readers need: VBCORE first. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include <guestcore/plugin.h>

static const char *const vbox_layouts[] = { "vbox.core", "vbox.cpu", NULL };

static const char *const *vbox_list(const struct guestcore_host_api *host, uint16_t e_machine)
{
	/* VirtualBox writes the 64-bit DBGFCORECPU for 32-bit guests too. */
	if (e_machine == EM_X86_64 || e_machine == EM_386)
		return vbox_layouts;
	if (GUESTCORE_HOST_HAS(host, set_error))
		host->set_error(host->handle, "VirtualBox cores describe x86 guests only (machine %u)", e_machine);
	return NULL;
}

static const struct guestcore_note_provider_ops vbox_ops = {
	.size = sizeof(vbox_ops),
	.layouts = vbox_list,
};

static const void *vbox_interface(const char *name)
{
	return strcmp(name, GUESTCORE_IFACE_NOTE_PROVIDER) == 0 ? &vbox_ops : NULL;
}

static const struct guestcore_plugin_descriptor vbox_desc = {
	.size = sizeof(vbox_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "vbox",
	.version = PACKAGE_VERSION,
	.description = "VirtualBox VMCore notes: VBCORE, then one VBCPU per vCPU",
	.capabilities = GUESTCORE_CAP_NOTE_PROVIDER,
	.get_interface = vbox_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &vbox_desc;
	return 0;
}
