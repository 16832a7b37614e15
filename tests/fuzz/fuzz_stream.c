/* libFuzzer target: any bytes as a QEMU migration stream, through
 * plugins/qemu/stream.c into a memory file, then every vCPU's registers and
 * the VMCOREINFO place through plugins/qemu/vmstate.c, and as the
 * VMCOREINFO note a guest wrote (qs_parse_note).  The input arrives
 * in pieces whose sizes the input's first byte picks, as a pipe gives
 * them. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qemu.h"
#include "source_util.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t len, pos, piece;
};

static ssize_t in_read(void *ud, void *buf, size_t len)
{
	struct in *in = ud;
	size_t n = in->len - in->pos;

	if (n > len)
		n = len;
	if (in->piece && n > in->piece)
		n = in->piece;
	memcpy(buf, in->p + in->pos, n);
	in->pos += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct in in = { .p = data + 1, .len = size ? size - 1 : 0 };
	struct qstream_input input = { .read = in_read, .userdata = &in };
	struct qstream s = { 0 };
	uint64_t paddr;
	uint32_t vsize;

	if (size == 0)
		return 0;
	{
		/* The same bytes as a guest's VMCOREINFO note. */
		const unsigned char *desc;
		const char *name;
		uint32_t type, dsz;
		if (qs_parse_note(data, size, &name, &type, &desc, &dsz) == 0 &&
		    (desc + dsz > data + size || strlen(name) >= 64))
			abort();
	}
	/* Most inputs as one piece; some a byte or a few at a time. */
	in.piece = data[0] < 0xf0 ? 0 : (size_t)(data[0] & 0x0f) + 1;
	if (fd < 0)
		fd = memfd_create("fuzz-stream", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) < 0)
		abort();
	s.mem_fd = fd;
	if (qstream_read(&s, &input) == 0) {
		if (!s.n_blocks || s.mem_size > QSTREAM_MAX_RAM)
			abort(); /* the reader promised better */
		/* Each vCPU through the reader of the architecture the stream's
		 * cpu sections are of (x86's when none). */
		const struct qs_arch *a = qs_arch_of_stream(&s);
		for (uint32_t cpu = 0; cpu < 64; cpu++) {
			struct su_regs r = { 0 };
			unsigned char *x = NULL;
			size_t xl;
			if ((a ? a->cpu : qs_cpu_from_stream)(&s, cpu, &r, &x, &xl) < 0)
				break;
			free(x);
			su_regs_free(&r);
		}
		qs_vmcoreinfo_from_stream(&s, &paddr, &vsize);
	} else if (!s.error[0]) {
		abort(); /* every failure says why */
	}
	qstream_free(&s);
	return 0;
}
