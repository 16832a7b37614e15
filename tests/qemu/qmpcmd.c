/* A minimal QMP client for the QEMU integration tests:
 *   qmpcmd SOCKET 'JSON-COMMAND' ...
 * sends qmp_capabilities, then each command in turn, waiting for its reply;
 * prints each "return" as JSON on a line; exits 1 on an "error". */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

static char buf[1 << 20];
static size_t len;

static json_object *next_line(int fd)
{
	for (;;) {
		char *nl = memchr(buf, '\n', len);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			json_object *o;
			*nl = '\0';
			o = json_tokener_parse(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			return o;
		}
		if (poll(&p, 1, 120000) <= 0)
			return NULL;
		n = read(fd, buf + len, sizeof(buf) - len - 1);
		if (n <= 0)
			return NULL;
		len += (size_t)n;
	}
}

static int run(int fd, const char *cmd, int print)
{
	json_object *r, *v;

	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) != 1)
		return 1;
	while ((r = next_line(fd))) {
		if (json_object_object_get_ex(r, "return", &v)) {
			if (print)
				puts(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
			json_object_put(r);
			return 0;
		}
		if (json_object_object_get_ex(r, "error", &v)) {
			fprintf(stderr, "%s\n", json_object_to_json_string(v));
			json_object_put(r);
			return 1;
		}
		json_object_put(r);
	}
	fprintf(stderr, "qmpcmd: no reply to %s\n", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	json_object *g;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: qmpcmd SOCKET JSON-COMMAND...\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	g = next_line(fd);
	if (!g)
		return 1;
	json_object_put(g);
	if (run(fd, "{\"execute\":\"qmp_capabilities\"}", 0))
		return 1;
	for (int i = 2; i < argc; i++)
		if (run(fd, argv[i], 1))
			return 1;
	close(fd);
	return 0;
}
