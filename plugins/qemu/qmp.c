/* The QMP client of the qemu plugin (qmp.h): json-c commands and their
 * answers, every wait bounded by an absolute deadline and ended by a
 * signal, over the module's transport (qmpsock.c or libvirt.c). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qmp.h"

int64_t qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int qmp_fail(struct qmp *q, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->error, sizeof(q->error), fmt, ap);
	va_end(ap);
	return err;
}

int qmp_wait(struct qmp *q, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
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

static int command(struct qmp *q, const char *cmd, json_object *args, int fd, long extra_ms, json_object **ret_return)
{
	json_object *msg = json_object_new_object(), *reply = NULL, *v;
	int64_t start = qmp_now_ms(), deadline = start + q->command_ms + extra_ms;
	int r;

	if (!msg) {
		json_object_put(args);
		return qmp_fail(q, -ENOMEM, "out of memory");
	}
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	r = q->t->exchange(q, cmd, json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN), fd, deadline, &reply);
	json_object_put(msg);
	if (r == -ETIMEDOUT)
		qmp_fail(q, -ETIMEDOUT, "QEMU at %s did not answer %s within %ld s: it may be hung; raise the limit with "
			 "timeout=SECONDS in the source spec", q->path, cmd, (long)((q->command_ms + extra_ms) / 1000));
	if (r < 0)
		return r;
	if (json_object_object_get_ex(reply, "error", &v)) {
		json_object *desc;
		qmp_fail(q, -EREMOTEIO, "QEMU refused %s: %s", cmd,
			 json_object_object_get_ex(v, "desc", &desc) && json_object_get_string(desc)
				 ? json_object_get_string(desc) : "error");
		json_object_put(reply);
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(reply, "return", &v)) {
		json_object_put(reply);
		return qmp_fail(q, -EPROTO, "QEMU at %s answered %s with neither \"return\" nor \"error\"", q->path, cmd);
	}
	if (ret_return)
		*ret_return = json_object_get(v);
	json_object_put(reply);
	return 0;
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
		qmp_fail(q, -ENOMEM, "out of memory");
	return out;
}

int qmp_connect(struct qmp *q, int command_ms)
{
	q->command_ms = command_ms > 0 ? command_ms : QMP_COMMAND_MS;
	return q->t->connect(q);
}

void qmp_close(struct qmp *q)
{
	if (q->t)
		q->t->close(q);
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
	free(q->path);
	q->path = NULL;
}
