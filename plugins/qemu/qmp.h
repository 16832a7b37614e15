/* A QMP client with deadlines (plugins/qemu/qmp.c): every exchange must end
 * by an absolute deadline that no trickle of bytes extends, and a signal
 * (EINTR) ends any wait at once. */
#ifndef GUESTCORE_QEMU_QMP_H
#define GUESTCORE_QEMU_QMP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define QMP_GREETING_MS 10000      /* connect and greeting */
#define QMP_COMMAND_MS 30000       /* each command, by default (timeout=SECONDS) */
#define QMP_MAX_REPLY (64u << 20)  /* one reply line */

struct qmp {
	int sock;
	char *path;       /* the socket, for messages */
	char *buf;
	size_t len, cap;
	int command_ms;   /* deadline of each command */
	int patient;      /* a signal shortens a wait to one more second instead of ending it (resume) */
	/* When set, asked four times a second during a wait: non-zero ends it
	 * as a signal would (the host's cancelled() service, ABI 1.1). */
	int (*cancelled)(void *userdata);
	void *cancel_userdata;
	char error[768];  /* why the last call failed: one sentence */
};

/* Connect to the unix socket PATH and read QEMU's greeting, within
 * QMP_GREETING_MS; then negotiate capabilities.  0 or a negative errno
 * (-EINTR when a signal came) with Q->error set; qmp_close() either way. */
int qmp_connect(struct qmp *q, const char *path, int command_ms);
void qmp_close(struct qmp *q);

/* Run CMD with ARGS (taken, may be NULL) within EXTRA_MS more than the
 * command deadline; *ret_return (when asked) gets a reference to "return".
 * Events are skipped.  -EREMOTEIO when QEMU answered with an error. */
int qmp_command(struct qmp *q, const char *cmd, json_object *args, long extra_ms, json_object **ret_return);

/* As qmp_command(), passing FD to QEMU with the command (SCM_RIGHTS), for
 * "getfd". */
int qmp_command_fd(struct qmp *q, const char *cmd, json_object *args, int fd, json_object **ret_return);

/* The output of a monitor command line (human-monitor-command); free() it. */
char *qmp_hmp(struct qmp *q, const char *line);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t qmp_now_ms(void);

#endif
