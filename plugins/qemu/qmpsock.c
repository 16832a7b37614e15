/* The socket transport of the QMP client (qmp.h): QEMU's own QMP socket,
 * non-blocking, for the qemu source (qemu:qmp=SOCKET).  The resume guard
 * shares the socket and speaks on it only after the dumper has died. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"

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
				*ret_err = qmp_fail(q, -EPROTO, "%s does not speak QMP: it sent a line that is not a JSON object "
						"(waiting for %s)", q->path, what);
				return NULL;
			}
			return o;
		}
		if (q->len + 65536 > q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 131072;
			char *b;
			if (q->cap >= QMP_MAX_REPLY) {
				*ret_err = qmp_fail(q, -EMSGSIZE, "QEMU at %s sent a reply longer than %u MiB (to %s), the most "
						"guestcore reads", q->path, QMP_MAX_REPLY >> 20, what);
				return NULL;
			}
			b = realloc(q->buf, cap);
			if (!b) {
				*ret_err = qmp_fail(q, -ENOMEM, "out of memory reading QEMU's reply");
				return NULL;
			}
			q->buf = b;
			q->cap = cap;
		}
		r = qmp_wait(q, q->sock, POLLIN, deadline);
		if (r == -EINTR) {
			*ret_err = qmp_fail(q, -EINTR, "interrupted while waiting for QEMU at %s (%s)", q->path, what);
			return NULL;
		}
		if (r == -ETIMEDOUT) {
			*ret_err = r;
			return NULL; /* the caller says what was late */
		}
		if (r < 0) {
			*ret_err = qmp_fail(q, r, "QMP socket %s: %s", q->path, strerror(-r));
			return NULL;
		}
		n = read(q->sock, q->buf + q->len, q->cap - q->len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue; /* back to qmp_wait(), the one place that decides what a signal ends */
		if (n <= 0) {
			*ret_err = qmp_fail(q, -ECONNRESET, "QEMU at %s closed the connection (waiting for %s): it has exited "
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
			int r = qmp_wait(q, q->sock, POLLOUT, deadline);
			if (r == -EINTR)
				return qmp_fail(q, -EINTR, "interrupted while sending %s to QEMU at %s", what, q->path);
			if (r < 0)
				return qmp_fail(q, r, "QEMU at %s did not take %s within its deadline", q->path, what);
			continue;
		}
		if (n < 0 && errno == EINTR && q->patient)
			continue;
		if (n < 0 && errno == EINTR)
			return qmp_fail(q, -EINTR, "interrupted while sending %s to QEMU at %s", what, q->path);
		if (n < 0 && errno != EPIPE && errno != ECONNRESET)
			return qmp_fail(q, -errno, "cannot send %s to QEMU at %s: %s", what, q->path, strerror(errno));
		if (n <= 0)
			return qmp_fail(q, -ECONNRESET, "QEMU at %s closed the connection (sending %s): it has exited or "
				    "dropped this client", q->path, what);
		off += (size_t)n;
	}
	return 0;
}

static int sock_connect(struct qmp *q)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = q->path;
	int64_t greet_ms, deadline;
	json_object *greeting;
	int r;

	if (!path || !*path)
		return qmp_fail(q, -EINVAL, "qemu needs the guest's QMP socket: %s", q->t->usage);
	/* 10 s, or less when the commands' deadline is shorter. */
	greet_ms = q->command_ms < QMP_GREETING_MS ? q->command_ms : QMP_GREETING_MS;
	deadline = qmp_now_ms() + greet_ms;
	if (strlen(path) >= sizeof(sa.sun_path))
		return qmp_fail(q, -ENAMETOOLONG, "QMP socket path %s is too long for a unix socket", path);
	strcpy(sa.sun_path, path);
	q->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (q->sock < 0)
		return qmp_fail(q, -errno, "cannot make a socket: %s", strerror(errno));
	while (connect(q->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		struct timespec ts = { 0, 50000000 };
		if (errno == EAGAIN && qmp_now_ms() < deadline) {
			/* QEMU's listen queue is full: try again until the deadline. */
			if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
				return qmp_fail(q, -EINTR, "interrupted while connecting to %s", path);
			continue;
		}
		if (errno == EINTR)
			return qmp_fail(q, -EINTR, "interrupted while connecting to %s", path);
		r = -errno;
		return qmp_fail(q, r, "cannot connect to QMP socket %s: %s: start QEMU with -qmp unix:%s,server=on,wait=off",
			    path, strerror(-r), path);
	}
	greeting = read_line(q, deadline, "the QMP greeting", &r);
	if (!greeting) {
		if (r == -ETIMEDOUT)
			qmp_fail(q, -ETIMEDOUT, "QEMU at %s sent no QMP greeting within %ld s: most likely another client "
			     "(libvirt, another guestcore) holds this socket, and QEMU serves one client per -qmp socket; "
			     "for a domain of libvirt's use libvirt:DOMAIN, else start QEMU with a second -qmp "
			     "unix:PATH,server=on,wait=off for guestcore",
			     path, (long)(greet_ms / 1000));
		return r;
	}
	if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
		json_object_put(greeting);
		return qmp_fail(q, -EPROTO, "%s does not speak QMP: its greeting has no \"QMP\" member", path);
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


/* Send the command and read lines up to its answer (events and lines of
 * no one's are passed over). */
static int sock_exchange(struct qmp *q, const char *cmd, const char *text, int fd, int64_t deadline,
			 json_object **ret_reply)
{
	char *line;
	int r;

	/* One send of the command and its newline: a guard sharing this socket
	 * never sees half of it. */
	if (asprintf(&line, "%s\n", text) < 0)
		return qmp_fail(q, -ENOMEM, "out of memory");
	r = send_all(q, line, strlen(line), fd, deadline, cmd);
	free(line);
	if (r < 0)
		return r;
	for (;;) {
		json_object *reply = read_line(q, deadline, cmd, &r);

		if (!reply)
			return r;
		if (json_object_object_get_ex(reply, "return", NULL) || json_object_object_get_ex(reply, "error", NULL)) {
			*ret_reply = reply;
			return 0;
		}
		json_object_put(reply);
	}
}

static int sock_option(struct qmp *q, const char *t, bool first)
{
	(void)first;
	if (strncmp(t, "qmp=", 4) != 0)
		return 0;
	free(q->path);
	q->path = strdup(t + 4);
	return q->path ? 1 : qmp_fail(q, -ENOMEM, "out of memory");
}

static void sock_close(struct qmp *q)
{
	if (q->sock >= 0)
		close(q->sock);
	q->sock = -1;
}

static int sock_guard_fd(const struct qmp *q)
{
	return q->sock;
}

/* The guard's send (qmp.h): LINE and its newline in one write, then the
 * lines QEMU sends until the one with ID. */
static int sock_guard_send(struct qmp *q, const char *text, const char *id, long ms)
{
	char buf[8192], line[4096];
	size_t have = 0;
	int sock = q->sock;
	int64_t deadline;

	if (snprintf(line, sizeof(line), "%s\n", text) >= (int)sizeof(line) ||
	    write(sock, line, strlen(line)) != (ssize_t)strlen(line))
		return -1;
	deadline = qmp_now_ms() + ms;
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int64_t left = deadline - qmp_now_ms();
		char *hit, *nl;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		if (have >= sizeof(buf) - 1)
			have = 0; /* a long line of no interest (an event) */
		n = read(sock, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if ((hit = strstr(buf, id))) {
			nl = strchr(hit, '\n');
			if (!nl)
				continue; /* the rest of its line is still coming */
			*nl = '\0';
			while (hit > buf && hit[-1] != '\n')
				hit--;
			return strstr(hit, "\"error\"") ? 1 : 0;
		}
		nl = strrchr(buf, '\n');
		if (nl) {
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
	}
}

static void sock_guard_resume(struct qmp *q)
{
	sock_guard_send(q, "{\"execute\": \"cont\", \"id\": \"" GUARD_ID "\"}", GUARD_ID, 2000);
}

static const char *sock_resume_hint(const struct qmp *q)
{
	(void)q;
	return "resume it by hand with the QMP command {\"execute\": \"cont\"} on a QMP socket of this QEMU (or "
	       "'cont' in its monitor)";
}

static const struct qmp_transport socket_transport = {
	.option = sock_option,
	.connect = sock_connect,
	.exchange = sock_exchange,
	.close = sock_close,
	.guard_fd = sock_guard_fd,
	.guard_send = sock_guard_send,
	.guard_resume = sock_guard_resume,
	.resume_hint = sock_resume_hint,
	.usage = "qemu:qmp=SOCKET[,mem=PATH][,mode=auto|snapshot|pause][,timeout=SECONDS]",
};

const struct qmp_transport *qmp_transport(void)
{
	return &socket_transport;
}
