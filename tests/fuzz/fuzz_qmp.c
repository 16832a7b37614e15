/* libFuzzer target: any byte stream as QEMU's side of a QMP connection.
 * The client (plugins/qemu/qmp.c over qmpsock.c) sends a command and reads the replies:
 * lines, events, errors, "return"s of every JSON type, overlong lines, an
 * early end.  It must fail cleanly or succeed, never hang or overrun. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp q;
	json_object *ret = NULL;
	int sv[2], big = 1 << 20;
	char *out;

	if (size > 512 * 1024 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return 0;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR); /* then the server is gone */
	memset(&q, 0, sizeof(q));
	q.t = qmp_transport();
	q.sock = sv[0];
	q.path = strdup("fuzz.sock");
	q.command_ms = 200;
	if (qmp_command(&q, "query-status", NULL, 0, &ret) == 0)
		json_object_put(ret);
	out = qmp_hmp(&q, "info registers -a");
	free(out);
	qmp_close(&q);
	close(sv[1]);
	return 0;
}
