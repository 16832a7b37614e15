/* libFuzzer target: any bytes as the raw source's memory map (first byte
 * even) or CPU file (odd), through plugins/raw/rawfiles.c. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_text.h"
#include "rawfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int add(struct rf_map_sink *sink, uint64_t start, uint64_t len, uint32_t kind, uint64_t off)
{
	(void)sink;
	(void)off;
	if (len == 0 || start + len < start || kind > 2)
		abort(); /* the parser promised better */
	return 0;
}

static size_t n_cpus;

static int cpus(struct rf_cpu_sink *sink, size_t n)
{
	(void)sink;
	if (n > RF_MAX_CPUS)
		abort();
	n_cpus = n;
	return 0;
}

static int set(struct rf_cpu_sink *sink, size_t cpu, const char *name, uint64_t v)
{
	(void)sink;
	(void)v;
	if (cpu >= n_cpus || strncmp(name, "reg.", 4) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rf_map_sink ms = { .add = add };
	struct rf_cpu_sink cs = { .cpus = cpus, .set = set };
	char err[600], *text = fuzz_text(data, size);

	if (!text)
		return 0;
	n_cpus = 0;
	if (data[0] & 1)
		rf_parse_cpus("fuzz.json", text, size - 1, &cs, err, sizeof(err));
	else
		rf_parse_map("fuzz.map", text, size - 1, 1ull << 40, "fuzz.img", &ms, err, sizeof(err));
	free(text);
	return 0;
}
