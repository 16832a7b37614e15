/* The QMP client of the qemu plugin (qmp.h): json-c over a unix socket,
 * non-blocking, every wait bounded by an absolute deadline and ended by a
 * signal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"

int64_t qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct qmp *q, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct qmp *q, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->error, sizeof(q->error), fmt, ap);
	va_end(ap);
	return err;
}

/* Wait for EVENTS on the socket until DEADLINE (ms).  0, -ETIMEDOUT or
 * -EINTR. */
static int wait_for(struct qmp *q, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = q->sock, .events = events };
		int64_t left = deadline - qmp_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > 250 ? 250 : (int)left);
		if (n == 0 && !q->patient && q->cancelled && q->cancelled(q->cancel_userdata))
			return -EINTR; /* the host was asked to stop, whether or not a signal reached us */
		if (n < 0 && errno == EINTR && q->patient) {
			/* Resuming the guest: let it finish, but within a second. */
			if (deadline > qmp_now_ms() + 1000)
				deadline = qmp_now_ms() + 1000;
			continue;
		}
		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0;
	}
}

/* The next JSON line by DEADLINE, or NULL with *ret_err and Q->error set. */
static json_object *read_line(struct qmp *q, int64_t deadline, const char *what, int *ret_err)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		ssize_t n;
		int r;

		if (nl) {
			json_object *o;
			*nl = '\0';
			o = json_tokener_parse(q->buf);
			q->len -= (size_t)(nl + 1 - q->buf);
			memmove(q->buf, nl + 1, q->len);
			if (!o || !json_object_is_type(o, json_type_object)) {
				json_object_put(o);
				*ret_err = fail(q, -EPROTO, "%s does not speak QMP: it sent a line that is not a JSON object "
						"(waiting for %s)", q->path, what);
				return NULL;
			}
			return o;
		}
		if (q->len + 65536 > q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 131072;
			char *b;
			if (q->cap >= QMP_MAX_REPLY) {
				*ret_err = fail(q, -EMSGSIZE, "QEMU at %s sent a reply longer than %u MiB (to %s), the most "
						"guestcore reads", q->path, QMP_MAX_REPLY >> 20, what);
				return NULL;
			}
			b = realloc(q->buf, cap);
			if (!b) {
				*ret_err = fail(q, -ENOMEM, "out of memory reading QEMU's reply");
				return NULL;
			}
			q->buf = b;
			q->cap = cap;
		}
		r = wait_for(q, POLLIN, deadline);
		if (r == -EINTR) {
			*ret_err = fail(q, -EINTR, "interrupted while waiting for QEMU at %s (%s)", q->path, what);
			return NULL;
		}
		if (r == -ETIMEDOUT) {
			*ret_err = r;
			return NULL; /* the caller says what was late */
		}
		if (r < 0) {
			*ret_err = fail(q, r, "QMP socket %s: %s", q->path, strerror(-r));
			return NULL;
		}
		n = read(q->sock, q->buf + q->len, q->cap - q->len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue; /* back to wait_for(), the one place that decides what a signal ends */
		if (n <= 0) {
			*ret_err = fail(q, -ECONNRESET, "QEMU at %s closed the connection (waiting for %s): it has exited "
					"or dropped this client", q->path, what);
			return NULL;
		}
		q->len += (size_t)n;
	}
}

/* Send LEN bytes of TEXT; FD (when >= 0) travels with the first byte that
 * goes out (SCM_RIGHTS), as QEMU's getfd wants it. */
static int send_all(struct qmp *q, const char *text, size_t len, int fd, int64_t deadline, const char *what)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;

		if (fd >= 0 && off == 0) {
			union {
				char buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} u;
			struct iovec iov = { .iov_base = (void *)text, .iov_len = len };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
					     .msg_controllen = sizeof(u.buf) };
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

			memset(u.buf, 0, sizeof(u.buf));
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
			n = sendmsg(q->sock, &mh, MSG_NOSIGNAL);
		} else {
			n = send(q->sock, text + off, len - off, MSG_NOSIGNAL);
		}
		if (n < 0 && errno == EAGAIN) {
			int r = wait_for(q, POLLOUT, deadline);
			if (r == -EINTR)
				return fail(q, -EINTR, "interrupted while sending %s to QEMU at %s", what, q->path);
			if (r < 0)
				return fail(q, r, "QEMU at %s did not take %s within its deadline", q->path, what);
			continue;
		}
		if (n < 0 && errno == EINTR && q->patient)
			continue;
		if (n < 0 && errno == EINTR)
			return fail(q, -EINTR, "interrupted while sending %s to QEMU at %s", what, q->path);
		if (n < 0 && errno != EPIPE && errno != ECONNRESET)
			return fail(q, -errno, "cannot send %s to QEMU at %s: %s", what, q->path, strerror(errno));
		if (n <= 0)
			return fail(q, -ECONNRESET, "QEMU at %s closed the connection (sending %s): it has exited or "
				    "dropped this client", q->path, what);
		off += (size_t)n;
	}
	return 0;
}

static int command(struct qmp *q, const char *cmd, json_object *args, int fd, long extra_ms, json_object **ret_return)
{
	json_object *msg = json_object_new_object();
	int64_t start = qmp_now_ms(), deadline = start + q->command_ms + extra_ms;
	const char *text;
	char *line;
	int r;

	if (!msg) {
		json_object_put(args);
		return fail(q, -ENOMEM, "out of memory");
	}
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	/* One send of the command and its newline: a guard sharing this socket
	 * never sees half of it. */
	if (asprintf(&line, "%s\n", text) < 0) {
		json_object_put(msg);
		return fail(q, -ENOMEM, "out of memory");
	}
	json_object_put(msg);
	r = send_all(q, line, strlen(line), fd, deadline, cmd);
	free(line);
	if (r < 0)
		return r;
	for (;;) {
		json_object *reply = read_line(q, deadline, cmd, &r), *v;

		if (!reply) {
			if (r == -ETIMEDOUT)
				fail(q, -ETIMEDOUT, "QEMU at %s did not answer %s within %ld s: it may be hung; raise the "
				     "limit with timeout=SECONDS in the source spec", q->path, cmd,
				     (long)((q->command_ms + extra_ms) / 1000));
			return r;
		}
		if (json_object_object_get_ex(reply, "event", NULL)) {
			json_object_put(reply);
			continue;
		}
		if (json_object_object_get_ex(reply, "error", &v)) {
			json_object *desc;
			fail(q, -EREMOTEIO, "QEMU refused %s: %s", cmd,
			     json_object_object_get_ex(v, "desc", &desc) && json_object_get_string(desc)
				     ? json_object_get_string(desc) : "error");
			json_object_put(reply);
			return -EREMOTEIO;
		}
		if (json_object_object_get_ex(reply, "return", &v)) {
			if (ret_return)
				*ret_return = json_object_get(v);
			json_object_put(reply);
			return 0;
		}
		json_object_put(reply);
	}
}

int qmp_command(struct qmp *q, const char *cmd, json_object *args, long extra_ms, json_object **ret_return)
{
	return command(q, cmd, args, -1, extra_ms, ret_return);
}

int qmp_command_fd(struct qmp *q, const char *cmd, json_object *args, int fd, json_object **ret_return)
{
	return command(q, cmd, args, fd, 0, ret_return);
}

char *qmp_hmp(struct qmp *q, const char *line)
{
	json_object *args = json_object_new_object(), *ret = NULL;
	char *out;

	if (!args)
		return NULL;
	json_object_object_add(args, "command-line", json_object_new_string(line));
	if (qmp_command(q, "human-monitor-command", args, 0, &ret) < 0)
		return NULL;
	out = strdup(json_object_get_string(ret) ? json_object_get_string(ret) : "");
	json_object_put(ret);
	if (!out)
		fail(q, -ENOMEM, "out of memory");
	return out;
}

int qmp_connect(struct qmp *q, const char *path, int command_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t greet_ms, deadline;
	json_object *greeting;
	int r;

	q->sock = -1;
	q->command_ms = command_ms > 0 ? command_ms : QMP_COMMAND_MS;
	/* 10 s, or less when the commands' deadline is shorter. */
	greet_ms = q->command_ms < QMP_GREETING_MS ? q->command_ms : QMP_GREETING_MS;
	deadline = qmp_now_ms() + greet_ms;
	q->path = strdup(path);
	if (!q->path)
		return fail(q, -ENOMEM, "out of memory");
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(q, -ENAMETOOLONG, "QMP socket path %s is too long for a unix socket", path);
	strcpy(sa.sun_path, path);
	q->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (q->sock < 0)
		return fail(q, -errno, "cannot make a socket: %s", strerror(errno));
	while (connect(q->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		struct timespec ts = { 0, 50000000 };
		if (errno == EAGAIN && qmp_now_ms() < deadline) {
			/* QEMU's listen queue is full: try again until the deadline. */
			if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
				return fail(q, -EINTR, "interrupted while connecting to %s", path);
			continue;
		}
		if (errno == EINTR)
			return fail(q, -EINTR, "interrupted while connecting to %s", path);
		r = -errno;
		return fail(q, r, "cannot connect to QMP socket %s: %s: start QEMU with -qmp unix:%s,server=on,wait=off",
			    path, strerror(-r), path);
	}
	greeting = read_line(q, deadline, "the QMP greeting", &r);
	if (!greeting) {
		if (r == -ETIMEDOUT)
			fail(q, -ETIMEDOUT, "QEMU at %s sent no QMP greeting within %ld s: most likely another client "
			     "(libvirt, another guestcore) holds this socket, and QEMU serves one client per -qmp socket; "
			     "start QEMU with a second -qmp unix:PATH,server=on,wait=off for guestcore",
			     path, (long)(greet_ms / 1000));
		return r;
	}
	if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
		json_object_put(greeting);
		return fail(q, -EPROTO, "%s does not speak QMP: its greeting has no \"QMP\" member", path);
	}
	json_object_put(greeting);
	/* Capabilities within what is left of the greeting's deadline. */
	{
		int saved = q->command_ms;
		int64_t left = deadline - qmp_now_ms();
		q->command_ms = left > 0 ? (int)left : 1;
		r = qmp_command(q, "qmp_capabilities", NULL, 0, NULL);
		q->command_ms = saved;
	}
	return r;
}

void qmp_close(struct qmp *q)
{
	if (q->sock >= 0)
		close(q->sock);
	q->sock = -1;
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
	free(q->path);
	q->path = NULL;
}
