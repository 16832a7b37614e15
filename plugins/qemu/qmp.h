/* A QMP client with deadlines (plugins/qemu/qmp.c): every exchange must end
 * by an absolute deadline that no trickle of bytes extends, and a signal
 * (EINTR) ends any wait at once; the transport under it is a QMP socket
 * or libvirt. */
#ifndef GUESTCORE_QEMU_QMP_H
#define GUESTCORE_QEMU_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define QMP_GREETING_MS 10000      /* connect and greeting */
#define QMP_COMMAND_MS 30000       /* each command, by default (timeout=SECONDS) */
#define QMP_MAX_REPLY (64u << 20)  /* one reply line */

struct qmp;

/* How the commands reach QEMU: its own QMP socket (qmp.c, the qemu
 * source), or libvirt's QEMU API for a domain libvirt runs (libvirt.c, the
 * libvirt source, in a module of its own).  Everything above this seam, the
 * commands, the stream, the registers, the guard's timing, is one code for
 * both; each module links the one transport it has (qmp_transport()). */
/* The "id" of the commands the resume guard sends (its own answers are
 * told apart from the dumper's by it). */
#define GUARD_ID "guestcore-resume-guard"

struct qmp_transport {
	/* The spec's options this transport owns ("qmp=PATH"; "DOMAIN",
	 * "uri=URI"): 1 taken, 0 not its, a negative errno with Q->error set. */
	int (*option)(struct qmp *q, const char *token, bool first);
	/* Reach QEMU (or say what the spec lacks) within Q->command_ms; sets
	 * Q->path, the name every message gives QEMU by. */
	int (*connect)(struct qmp *q);
	/* Send LINE (one QMP command, no newline), with FD (>= 0) for QEMU to
	 * take, and return QEMU's answer to it (not an event) by DEADLINE:
	 * 0, or a negative errno (-ETIMEDOUT with no sentence: the caller
	 * says what was late) with Q->error set.  CMD is the command's name:
	 * libvirt's transport sends "stop" and "cont" as its own suspend and
	 * resume, so that libvirt's view of the domain agrees. */
	int (*exchange)(struct qmp *q, const char *cmd, const char *line, int fd, int64_t deadline,
			json_object **ret_reply);
	void (*close)(struct qmp *q);
	/* The file the resume guard keeps (the socket), or -1. */
	int (*guard_fd)(const struct qmp *q);
	/* In the guard's process, once the dumper has died (guard.c holds
	 * what is sent, and when): send LINE, a QMP command with "id": ID, and
	 * wait up to MS for QEMU's answer to it: 0 for a return, 1 for an
	 * error, -1 when none came. */
	int (*guard_send)(struct qmp *q, const char *line, const char *id, long ms);
	/* ... and resume the guest, within a few seconds. */
	void (*guard_resume)(struct qmp *q);
	/* How a user resumes the guest by hand, for the message when we
	 * could not (one clause). */
	const char *(*resume_hint)(const struct qmp *q);
	const char *usage;   /* the spec, for messages */
	/* NULL, or why QEMU's dump-guest-memory must not go through this
	 * transport: the monitor way then does without QEMU's own notes. */
	const char *no_dump;
};

/* The transport of this module. */
const struct qmp_transport *qmp_transport(void);

struct qmp {
	const struct qmp_transport *t;
	void *priv;       /* the transport's state */
	int sock;         /* the socket transport's socket */
	char *path;       /* the socket, or "libvirt domain NAME": for messages */
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

/* Reach QEMU through Q->t (options given), with deadline COMMAND_MS for
 * each command.  0 or a negative errno (-EINTR when a signal came) with
 * Q->error set; qmp_close() either way. */
int qmp_connect(struct qmp *q, int command_ms);
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

/* Wait for EVENTS on FD until DEADLINE (ms): 0, -ETIMEDOUT, or -EINTR
 * when a signal came or the host was asked to stop (Q->patient: a signal
 * shortens the wait to one more second instead).  The one wait of every
 * transport. */
int qmp_wait(struct qmp *q, int fd, short events, int64_t deadline);

/* Set Q->error to one sentence; ERR passes through. */
int qmp_fail(struct qmp *q, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t qmp_now_ms(void);

#endif
