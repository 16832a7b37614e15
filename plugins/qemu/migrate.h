/* Driving QEMU's migration into a pipe we read (plugins/qemu/migrate.c):
 * the capabilities and the bandwidth limit set for the run and put back
 * afterwards, the stream's write end handed over with getfd, the stream
 * read by stream.c as it comes, and QEMU's own account of the run
 * (query-migrate: status, downtime). */
#ifndef GUESTCORE_QEMU_MIGRATE_H
#define GUESTCORE_QEMU_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "qmp.h"
#include "stream.h"

struct qmigrate {
	struct qmp *q;
	bool snapshot;        /* background-snapshot: the guest runs on */
	bool ignore_shared;   /* x-ignore-shared: shared RAM stays out of the stream */
	/* Results. */
	int64_t downtime_ms;  /* QEMU's figure */
	int64_t total_ms;
	/* Kept to put back. */
	json_object *restore_caps;  /* [{capability, state}] as they were */
	int64_t old_bandwidth;
	bool bandwidth_changed;
	bool started;
	bool finished;
	char error[768];
};

/* Set the capabilities for the run (those QEMU has on that would change the
 * stream's form are turned off for it).  0; -EREMOTEIO when QEMU refuses
 * them (M->error holds its sentence); another negative errno when QMP
 * failed (the qmp's error says why). */
int qmig_prepare(struct qmigrate *m);
/* Run the migration into ST (its mem_fd set) and wait for QEMU to call it
 * completed.  0 or a negative errno with M->error set. */
int qmig_run(struct qmigrate *m, struct qstream *st);
/* The QMP commands qmig_restore() would send, one per line with an id, for
 * the resume guard to send if we die (malloc'ed; NULL when nothing was
 * changed, or out of memory). */
char *qmig_restore_lines(const struct qmigrate *m);
/* Cancel a migration still running and put the capabilities and the
 * bandwidth limit back as they were.  Idempotent. */
void qmig_restore(struct qmigrate *m);

#endif
