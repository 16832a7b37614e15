/* QEMU's migration into a pipe (migrate.h).  Every wait is bounded: the
 * stream must not stall for longer than the command deadline, a signal or
 * the host's cancelled() ends it at once, and QEMU must call the run
 * completed within the command deadline after the stream ends.  On every
 * failure the migration is cancelled (our end of the pipe closes too, so
 * QEMU's side fails even if it missed the cancel) and QEMU's settings are
 * put back. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"

#define STREAM_FD_NAME "guestcore-stream"
/* No limit worth the name: QEMU takes up to about 2^64 / 10^6 bytes/s. */
#define UNLIMITED_BANDWIDTH (INT64_C(1) << 42)

/* Capabilities that change the stream's form or its end; turned off for
 * the run when QEMU has them on. */
static const char *const off_caps[] = {
	"xbzrle", "compress", "multifd", "postcopy-ram", "block", "dirty-bitmaps", "x-colo", "release-ram",
	"return-path", "pause-before-switchover", "late-block-activate", "auto-converge", "validate-uuid",
	"zero-copy-send", "postcopy-preempt", "postcopy-blocktime", "rdma-pin-all", "background-snapshot",
	"x-ignore-shared", NULL,
};

static int fail(struct qmigrate *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct qmigrate *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	return err;
}

static json_object *cap(const char *name, bool state)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "capability", json_object_new_string(name));
	json_object_object_add(o, "state", json_object_new_boolean(state));
	return o;
}

static int set_caps(struct qmigrate *m, json_object *list)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "capabilities", list);
	return qmp_command(m->q, "migrate-set-capabilities", args, 0, NULL);
}

int qmig_prepare(struct qmigrate *m)
{
	json_object *now = NULL, *want = json_object_new_array(), *params = NULL, *bw, *args;
	int r;

	m->restore_caps = json_object_new_array();
	r = qmp_command(m->q, "query-migrate-capabilities", NULL, 0, &now);
	if (r < 0) {
		json_object_put(want);
		json_object_put(m->restore_caps);
		m->restore_caps = NULL;
		return fail(m, r, "%s", m->q->error);
	}
	for (size_t i = 0; i < json_object_array_length(now); i++) {
		json_object *c = json_object_array_get_idx(now, i), *n, *st;
		const char *name;
		bool on, target = false, known = false;

		if (!json_object_object_get_ex(c, "capability", &n) || !json_object_object_get_ex(c, "state", &st))
			continue;
		name = json_object_get_string(n);
		on = json_object_get_boolean(st);
		for (size_t k = 0; off_caps[k]; k++)
			known |= strcmp(off_caps[k], name) == 0;
		if (!known)
			continue;
		if (strcmp(name, "background-snapshot") == 0)
			target = m->snapshot;
		else if (strcmp(name, "x-ignore-shared") == 0)
			target = m->ignore_shared;
		if (on != target) {
			json_object_array_add(want, cap(name, target));
			json_object_array_add(m->restore_caps, cap(name, on));
		}
	}
	json_object_put(now);
	if (json_object_array_length(want) > 0) {
		r = set_caps(m, want);
		if (r < 0) {
			json_object_put(m->restore_caps);
			m->restore_caps = NULL;
			return fail(m, r, "%s", m->q->error);
		}
	} else {
		json_object_put(want);
	}
	/* The bandwidth limit (128 MiB/s by default) would throttle the stream. */
	r = qmp_command(m->q, "query-migrate-parameters", NULL, 0, &params);
	if (r == 0 && json_object_object_get_ex(params, "max-bandwidth", &bw)) {
		m->old_bandwidth = json_object_get_int64(bw);
		args = json_object_new_object();
		json_object_object_add(args, "max-bandwidth", json_object_new_int64(UNLIMITED_BANDWIDTH));
		r = qmp_command(m->q, "migrate-set-parameters", args, 0, NULL);
		if (r == 0)
			m->bandwidth_changed = true;
	}
	json_object_put(params);
	return r == -EREMOTEIO ? 0 : r; /* a QEMU without the parameter streams more slowly, no more */
}

struct pipe_in {
	struct qmigrate *m;
	int fd;
};

/* The stream's bytes as they come: a stall longer than the command
 * deadline, a signal or the host's cancelled() ends the wait. */
static ssize_t pipe_read(void *userdata, void *buf, size_t len)
{
	struct pipe_in *p = userdata;
	struct qmp *q = p->m->q;
	int64_t deadline = qmp_now_ms() + q->command_ms;

	for (;;) {
		ssize_t n = read(p->fd, buf, len);
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		int64_t left;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			return fail(p->m, -EINTR, "interrupted while reading QEMU's migration stream");
		if (errno != EAGAIN)
			return fail(p->m, -errno, "reading QEMU's migration stream: %s", strerror(errno));
		left = deadline - qmp_now_ms();
		if (left <= 0)
			return fail(p->m, -ETIMEDOUT, "QEMU at %s sent nothing of its migration stream for %d s: it may "
				    "be hung; raise the limit with timeout=SECONDS in the source spec", q->path,
				    q->command_ms / 1000);
		n = poll(&pf, 1, left > 250 ? 250 : (int)left);
		if (n < 0 && errno == EINTR)
			return fail(p->m, -EINTR, "interrupted while reading QEMU's migration stream");
		if (n == 0 && q->cancelled && q->cancelled(q->cancel_userdata))
			return fail(p->m, -EINTR, "asked to stop while reading QEMU's migration stream");
	}
}

/* QEMU's verdict once the stream ended: query-migrate until it is final. */
static int wait_completed(struct qmigrate *m)
{
	int64_t deadline = qmp_now_ms() + m->q->command_ms;

	for (;;) {
		json_object *v = NULL, *st, *x;
		const char *status = "";
		int r = qmp_command(m->q, "query-migrate", NULL, 0, &v);

		if (r < 0)
			return r;
		if (json_object_object_get_ex(v, "status", &st))
			status = json_object_get_string(st);
		if (strcmp(status, "completed") == 0) {
			if (json_object_object_get_ex(v, "downtime", &x))
				m->downtime_ms = json_object_get_int64(x);
			if (json_object_object_get_ex(v, "total-time", &x))
				m->total_ms = json_object_get_int64(x);
			json_object_put(v);
			m->finished = true;
			return 0;
		}
		if (strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0) {
			r = fail(m, -EIO, "QEMU's migration %s: %s", status,
				 json_object_object_get_ex(v, "error-desc", &x) ? json_object_get_string(x) : "no reason given");
			json_object_put(v);
			m->finished = true;
			return r;
		}
		json_object_put(v);
		if (qmp_now_ms() >= deadline)
			return fail(m, -ETIMEDOUT, "QEMU did not call its migration completed within %d s of the stream's "
				    "end (status \"%s\")", m->q->command_ms / 1000, status);
		{
			struct timespec ts = { 0, 20000000 };
			if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
				return fail(m, -EINTR, "interrupted while waiting for QEMU to end its migration");
		}
	}
}

int qmig_run(struct qmigrate *m, struct qstream *st)
{
	struct pipe_in in = { .m = m, .fd = -1 };
	struct qstream_input input = { .read = pipe_read, .userdata = &in };
	json_object *args;
	int fds[2], r;

	m->error[0] = '\0'; /* what an earlier step said is not this run's */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return fail(m, -errno, "cannot make a pipe for the migration stream: %s", strerror(errno));
	(void)fcntl(fds[0], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups; the default works too */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	in.fd = fds[0];
	args = json_object_new_object();
	json_object_object_add(args, "fdname", json_object_new_string(STREAM_FD_NAME));
	r = qmp_command_fd(m->q, "getfd", args, fds[1], NULL);
	close(fds[1]);
	if (r < 0) {
		close(fds[0]);
		return fail(m, r, "%s", m->q->error);
	}
	args = json_object_new_object();
	json_object_object_add(args, "uri", json_object_new_string("fd:" STREAM_FD_NAME));
	r = qmp_command(m->q, "migrate", args, 0, NULL);
	if (r < 0) {
		json_object *a = json_object_new_object();
		json_object_object_add(a, "fdname", json_object_new_string(STREAM_FD_NAME));
		qmp_command(m->q, "closefd", a, 0, NULL);
		close(fds[0]);
		return fail(m, r, "%s", m->q->error);
	}
	m->started = true;
	r = qstream_read(st, &input);
	close(fds[0]); /* QEMU's writes fail from here on, if it still writes */
	if (r < 0)
		return m->error[0] ? r : fail(m, r, "%s", st->error);
	r = wait_completed(m);
	if (r < 0 && !m->error[0])
		fail(m, r, "%s", m->q->error);
	return r;
}

/* One QMP command line: EXECUTE with ARGS (taken) and ID, or "" when ARGS
 * is NULL.  *HOLD keeps the object the text lives in. */
static const char *command_line(const char *execute, json_object *args, const char *id, json_object **hold)
{
	if (!args)
		return "";
	*hold = json_object_new_object();
	json_object_object_add(*hold, "execute", json_object_new_string(execute));
	json_object_object_add(*hold, "arguments", args);
	json_object_object_add(*hold, "id", json_object_new_string(id));
	return json_object_to_json_string_ext(*hold, JSON_C_TO_STRING_PLAIN);
}

char *qmig_restore_lines(const struct qmigrate *m)
{
	json_object *caps = NULL, *bw = NULL, *hold_caps = NULL, *hold_bw = NULL;
	char *text = NULL;
	const char *a, *b;

	if ((!m->restore_caps || json_object_array_length(m->restore_caps) == 0) && !m->bandwidth_changed)
		return NULL; /* nothing changed: nothing for the guard to do */

	if (m->restore_caps && json_object_array_length(m->restore_caps) > 0) {
		caps = json_object_new_object();
		json_object_object_add(caps, "capabilities", json_object_get(m->restore_caps));
	}
	if (m->bandwidth_changed) {
		bw = json_object_new_object();
		json_object_object_add(bw, "max-bandwidth", json_object_new_int64(m->old_bandwidth));
	}
	a = command_line("migrate-set-capabilities", caps, "guestcore-guard-caps", &hold_caps);
	b = command_line("migrate-set-parameters", bw, "guestcore-guard-bandwidth", &hold_bw);
	if (asprintf(&text, "%s\n%s\n", a, b) < 0)
		text = NULL;
	json_object_put(hold_caps);
	json_object_put(hold_bw);
	return text;
}

void qmig_restore(struct qmigrate *m)
{
	int saved = m->q->patient;

	/* Put things back even when interrupted: a signal leaves a second. */
	m->q->patient = 1;
	if (m->started && !m->finished && qmp_command(m->q, "migrate_cancel", NULL, 0, NULL) == 0) {
		/* QEMU takes no new settings until the cancel is over: wait up to 2 s. */
		int64_t deadline = qmp_now_ms() + 2000;
		while (qmp_now_ms() < deadline) {
			json_object *v = NULL, *st;
			const char *status = "";
			struct timespec ts = { 0, 20000000 };
			bool busy;

			if (qmp_command(m->q, "query-migrate", NULL, 0, &v) < 0)
				break;
			if (json_object_object_get_ex(v, "status", &st))
				status = json_object_get_string(st);
			busy = strcmp(status, "cancelling") == 0 || strcmp(status, "active") == 0 ||
			       strcmp(status, "setup") == 0 || strcmp(status, "device") == 0;
			json_object_put(v);
			if (!busy)
				break;
			nanosleep(&ts, NULL);
		}
	}
	m->started = false;
	if (m->restore_caps) {
		if (json_object_array_length(m->restore_caps) > 0)
			set_caps(m, json_object_get(m->restore_caps));
		json_object_put(m->restore_caps);
		m->restore_caps = NULL;
	}
	if (m->bandwidth_changed) {
		json_object *args = json_object_new_object();
		json_object_object_add(args, "max-bandwidth", json_object_new_int64(m->old_bandwidth));
		qmp_command(m->q, "migrate-set-parameters", args, 0, NULL);
		m->bandwidth_changed = false;
	}
	m->q->patient = saved;
}
