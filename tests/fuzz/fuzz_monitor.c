/* libFuzzer target: any text as the QEMU monitor's 'info mtree -f' (first
 * byte even) or 'info registers -a' (odd) output, through the parsers of
 * plugins/qemu/parse.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_text.h"
#include "qemu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(struct qs_range_sink *sink, uint64_t start, uint64_t len, int rom, const char *name, bool has_offset,
		uint64_t offset)
{
	(void)sink;
	(void)rom;
	(void)has_offset;
	if (start + len < start && len)
		abort(); /* the parser must refuse a range that wraps */
	(void)name;
	(void)offset;
}

static void set(struct qs_cpu_sink *sink, int cpu, const char *name, uint64_t value)
{
	(void)sink;
	(void)value;
	if (cpu < 0 || cpu >= QS_MAX_CPUS || strncmp(name, "reg.", 4) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qs_range_sink rs = { .add = add };
	struct qs_cpu_sink cs = { .set = set };
	char *text = fuzz_text(data, size);

	if (!text)
		return 0;
	if (data[0] & 1)
		qs_parse_registers(text, &cs);
	else
		qs_parse_mtree(text, &rs);
	free(text);
	return 0;
}
