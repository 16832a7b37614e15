/* Plugin "qemu": the memory source of live QEMU guests (source.c) and
 * the note set "qemu": what QEMU's dump-guest-memory writes.  For x86
 * guests one "CORE" NT_PRSTATUS per vCPU (the x86-64 or the i386 form), then
 * one "QEMU" QEMUCPUState per vCPU, written at 440 bytes, with
 * kernel_gs_base, as QEMU 7.2 does; for aarch64 guests, per vCPU, NT_PRSTATUS
 * (pr_fpvalid 1) and NT_PRFPREG (target/arm/arch_dump.c).  QEMU adds an
 * NT_ARM_SVE note for a CPU with SVE, which this set does not write. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include <guestcore/plugin.h>

#include "qemu.h"

#define QEMU_CPUSTATE_SIZE 440

static const char *const x86_64_layouts[] = { "linux.prstatus-x86_64", "qemu.cpustate", NULL };
static const char *const i386_layouts[] = { "linux.prstatus-i386", "qemu.cpustate", NULL };
/* QEMU writes each vCPU's two notes together: "+" joins them. */
static const char *const aarch64_layouts[] = { "linux.prstatus-aarch64", "+linux.prfpreg-aarch64", NULL };

static const char *const *qemu_list(const struct guestcore_host_api *host, uint16_t e_machine)
{
	if (e_machine == EM_X86_64)
		return x86_64_layouts;
	if (e_machine == EM_386)
		return i386_layouts;
	if (e_machine == EM_AARCH64)
		return aarch64_layouts;
	if (GUESTCORE_HOST_HAS(host, set_error))
		host->set_error(host->handle, "the qemu note set knows x86 and aarch64 guests only (machine %u)",
				e_machine);
	return NULL;
}

static int qemu_fill(const struct guestcore_host_api *host, struct guestcore_note_builder *nb)
{
	const char *id = NULL;

	if (!GUESTCORE_HOST_HAS(host, note_info) || !GUESTCORE_HOST_HAS(host, note_set_size))
		return 0;
	host->note_info(nb, &id, NULL);
	if (id && strcmp(id, "qemu.cpustate") == 0)
		return host->note_set_size(nb, QEMU_CPUSTATE_SIZE);
	if (id && strcmp(id, "linux.prstatus-aarch64") == 0 && GUESTCORE_HOST_HAS(host, note_set_u64))
		return host->note_set_u64(nb, "pr_fpvalid", 1);
	return 0;
}

static const struct guestcore_note_provider_ops qemu_ops = {
	.size = sizeof(qemu_ops),
	.layouts = qemu_list,
	.fill = qemu_fill,
};

static const void *qemu_interface(const char *name)
{
	if (strcmp(name, GUESTCORE_IFACE_NOTE_PROVIDER) == 0)
		return &qemu_ops;
	if (strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0)
		return &qemu_source_ops;
	return NULL;
}

static const struct guestcore_plugin_descriptor qemu_desc = {
	.size = sizeof(qemu_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "qemu",
	.version = PACKAGE_VERSION,
	.description = "QEMU: live guests over QMP (qemu:qmp=SOCKET[,mem=PATH][,timeout=S]) and dump-guest-memory notes",
	.capabilities = GUESTCORE_CAP_NOTE_PROVIDER | GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = qemu_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &qemu_desc;
	return 0;
}
