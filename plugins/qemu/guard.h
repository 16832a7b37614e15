/* The resume guard of the qemu and libvirt sources (plugins/qemu/guard.c):
 * a child process that, if the dumper dies (SIGKILL, a crash in any
 * plugin) while the guard is armed, resumes the guest through the QMP
 * transport (qmp.h); on any death of the dumper it also removes the
 * pmemsave directory. */
#ifndef GUESTCORE_QEMU_GUARD_H
#define GUESTCORE_QEMU_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct qguard {
	pid_t pid;   /* 0 when no guard runs */
	int pipe_w;  /* its lifeline: closed by our death */
};

struct qmp;

/* Start a guard for the connected Q (its transport's guard_fd() kept open
 * in the guard, which then rescues the guest through it if we die), which empties and
 * removes TMPDIR (may be NULL) if we die.  0, or a negative errno with a
 * sentence in ERR. */
int guard_start(struct qguard *g, struct qmp *q, const char *tmpdir, char *err, size_t errsz);
/* Arm (before stopping the guest) or disarm (once it runs again) the resume
 * on our death. */
void guard_arm(struct qguard *g, bool armed);
/* QMP commands (one per line, each with an "id") that put QEMU's migration
 * settings back, sent after a migrate_cancel if we die; NULL clears them. */
void guard_restore_migration(struct qguard *g, const char *lines);
/* Stop the guard without it doing anything; reaped here.  Idempotent. */
void guard_release(struct qguard *g);

#endif
