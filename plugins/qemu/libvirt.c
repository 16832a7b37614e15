/* Plugin "libvirt": the qemu source (source.c) for a guest libvirt runs,
 *
 *   libvirt:DOMAIN[,uri=URI][,mode=auto|snapshot|pause][,timeout=SECONDS]
 *
 * through the libvirt transport of the QMP client (qmp.h): each command
 * goes to QEMU by libvirt's QEMU API (virDomainQemuMonitorCommand, and
 * ...WithFiles where a file goes with it, as for the stream's pipe), so
 * that guestcore needs no QMP socket of its own and the domain's
 * definition is left as it is.  libvirt owns the domain's run state: the
 * source's "stop" and "cont" are libvirt's suspend and resume, so that
 * `virsh domstate` says what QEMU does.
 *
 * libvirt's calls block, with no deadline of their own.  Each runs on a
 * thread of its own while the caller waits for it in qmp_wait(), the one
 * wait of every transport: the command's deadline and an interrupt end
 * the wait, and a call left running finishes on its own (it holds its own
 * references; the module stays loaded while one may be running). */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <guestcore/plugin.h>

#include "qemu.h"
#include "qmp.h"

struct lv {
	char *uri;       /* NULL: the default URI, as virsh chooses it */
	char *domain;    /* as given: name, UUID or ID */
	virConnectPtr conn;
	virDomainPtr dom;
	char uuid[VIR_UUID_STRING_BUFLEN];
	virConnectPtr guard_conn; /* in the guard: its own, opened at first use */
	virDomainPtr guard_dom;
};

enum lv_what { LV_OPEN, LV_MONITOR, LV_SUSPEND, LV_RESUME };

/* One call of libvirt, shared by its thread and its caller: the last of
 * the two to let go frees it. */
struct lv_call {
	atomic_int refs;
	int efd;              /* written when the call is over */
	enum lv_what what;
	char *uri, *domain;   /* LV_OPEN */
	virConnectPtr conn;   /* LV_OPEN's result, else a reference of the call's own */
	virDomainPtr dom;
	char *line;           /* LV_MONITOR */
	int fd;               /* a file of the call's own that goes with it, or -1 */
	char *result;
	int rc;
	int code;             /* libvirt's error code */
	char err[512];
};

static void lv_quiet(void *userdata, virErrorPtr e)
{
	(void)userdata;
	(void)e; /* each failure is said once, by the caller, as one sentence */
}

static void call_put(struct lv_call *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	if (c->dom)
		virDomainFree(c->dom);
	if (c->conn)
		virConnectClose(c->conn);
	if (c->fd >= 0)
		close(c->fd);
	if (c->efd >= 0)
		close(c->efd);
	free(c->result);
	free(c->line);
	free(c->uri);
	free(c->domain);
	free(c);
}

static bool is_uuid(const char *s)
{
	size_t hex = 0;

	for (const char *p = s; *p; p++)
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
			hex++;
		else if (*p != '-')
			return false;
	return hex == 2 * VIR_UUID_BUFLEN;
}

/* The domain by name, UUID or ID, as virsh finds it. */
static virDomainPtr lookup(virConnectPtr conn, const char *name)
{
	virDomainPtr d = NULL;
	char *end;
	long id;

	if (is_uuid(name) && (d = virDomainLookupByUUIDString(conn, name)))
		return d;
	if ((d = virDomainLookupByName(conn, name)))
		return d;
	errno = 0;
	id = strtol(name, &end, 10);
	if (!errno && *name && !*end && id >= 0 && id <= INT32_MAX)
		d = virDomainLookupByID(conn, (int)id);
	return d;
}

static void *call_run(void *arg)
{
	struct lv_call *c = arg;
	uint64_t one = 1;

	switch (c->what) {
	case LV_OPEN:
		c->conn = virConnectOpenAuth(c->uri, virConnectAuthPtrDefault, 0);
		if (!c->conn) {
			c->rc = -1;
			break;
		}
		c->dom = lookup(c->conn, c->domain);
		c->rc = c->dom ? 0 : -2;
		break;
	case LV_MONITOR:
		if (c->fd >= 0)
			c->rc = virDomainQemuMonitorCommandWithFiles(c->dom, c->line, 1, &c->fd, NULL, NULL, &c->result, 0);
		else
			c->rc = virDomainQemuMonitorCommand(c->dom, c->line, &c->result, 0);
		break;
	case LV_SUSPEND:
		c->rc = virDomainSuspend(c->dom);
		break;
	case LV_RESUME:
		c->rc = virDomainResume(c->dom);
		break;
	}
	if (c->rc < 0) {
		virErrorPtr e = virGetLastError();
		snprintf(c->err, sizeof(c->err), "%s", e && e->message ? e->message : "no reason given");
		c->code = e ? e->code : 0;
		virResetLastError();
	}
	if (c->what != LV_OPEN) {
		/* The call's own references go before it says it is over, so that
		 * no libvirt code of ours runs once a caller may fork. */
		virDomainFree(c->dom);
		virConnectClose(c->conn);
		c->dom = NULL;
		c->conn = NULL;
	}
	(void)!write(c->efd, &one, sizeof(one));
	call_put(c);
	return NULL;
}

/* Once libvirt is used this module stays loaded (RTLD_NODELETE), and
 * libvirt with it: libvirt leaves destructors of thread-local data that
 * run when each thread ends (a call's thread may end after the host has
 * closed the plugin), and a call left running is in this module's code. */
static void stay_loaded(void)
{
	static atomic_bool done;
	Dl_info info;

	if (atomic_exchange(&done, true))
		return;
	if (dladdr((void *)call_run, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/* Run C on its own thread and wait for it by DEADLINE: 0 when it ended
 * (its rc says how; C is the caller's to read and call_put()), else
 * -ETIMEDOUT or -EINTR, C left to end by itself (gone for the caller). */
static int call(struct qmp *q, struct lv_call *c, int64_t deadline, const char *what)
{
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int r;

	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0) {
		r = -errno;
		call_put(c);
		return qmp_fail(q, r, "cannot make an eventfd for a call of libvirt: %s", strerror(-r));
	}
	atomic_store(&c->refs, 2);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The thread takes no signal: an interrupt reaches the waiting caller. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&th, &attr, call_run, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		atomic_store(&c->refs, 1); /* no thread: ours alone */
		call_put(c);
		return qmp_fail(q, -r, "cannot start a thread for a call of libvirt: %s", strerror(r));
	}
	/* From here on the thread holds a reference, and we hold one. */
	r = qmp_wait(q, c->efd, POLLIN, deadline);
	if (r < 0) {
		/* Left running: it ends by itself and frees what it holds. */
		call_put(c);
		if (r == -EINTR)
			return qmp_fail(q, -EINTR, "interrupted while waiting for libvirt (%s of %s)", what, q->path);
		if (r == -ETIMEDOUT)
			return r; /* the caller says what was late */
		return qmp_fail(q, r, "waiting for libvirt (%s): %s", what, strerror(-r));
	}
	return 0;
}

static struct lv_call *new_call(struct lv *lv, enum lv_what what)
{
	struct lv_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->what = what;
	c->fd = -1;
	c->efd = -1;
	if (what != LV_OPEN) {
		/* References of the call's own: a call left running outlives its caller's. */
		virConnectRef(lv->conn);
		virDomainRef(lv->dom);
		c->conn = lv->conn;
		c->dom = lv->dom;
	}
	return c;
}

static int lv_option(struct qmp *q, const char *t, bool first)
{
	struct lv *lv = q->priv;
	char **slot = NULL;

	if (!lv) {
		lv = q->priv = calloc(1, sizeof(*lv));
		if (!lv)
			return qmp_fail(q, -ENOMEM, "out of memory");
	}
	if (strncmp(t, "mem=", 4) == 0)
		return qmp_fail(q, -EINVAL, "mem= is the qemu source's: the libvirt source reads all memory through "
				"QEMU's stream");
	if (first && !strchr(t, '='))
		slot = &lv->domain;
	else if (strncmp(t, "uri=", 4) == 0)
		slot = &lv->uri, t += 4;
	else if (strncmp(t, "domain=", 7) == 0)
		slot = &lv->domain, t += 7;
	if (!slot)
		return 0;
	free(*slot);
	*slot = strdup(t);
	return *slot ? 1 : qmp_fail(q, -ENOMEM, "out of memory");
}

static const char *state_name(int state)
{
	static const char *const names[] = { "no state", "running", "blocked", "paused", "being shut down",
					     "shut off", "crashed", "suspended by the guest" };

	return state >= 0 && state < (int)(sizeof(names) / sizeof(names[0])) ? names[state] : "unknown";
}

static int lv_connect(struct qmp *q)
{
	struct lv *lv = q->priv;
	int64_t deadline = qmp_now_ms() + q->command_ms;
	struct lv_call *c;
	const char *uri;
	int r, state = 0, reason = 0;

	if (!lv || !lv->domain || !*lv->domain)
		return qmp_fail(q, -EINVAL, "libvirt needs the domain: %s", q->t->usage);
	if (asprintf(&q->path, "libvirt domain %s", lv->domain) < 0) {
		q->path = NULL;
		return qmp_fail(q, -ENOMEM, "out of memory");
	}
	uri = lv->uri ? lv->uri : "the default URI";
	stay_loaded();
	if (virInitialize() < 0)
		return qmp_fail(q, -EIO, "libvirt cannot initialise");
	virSetErrorFunc(NULL, lv_quiet);
	c = new_call(lv, LV_OPEN);
	if (!c || (lv->uri && !(c->uri = strdup(lv->uri))) || !(c->domain = strdup(lv->domain))) {
		if (c)
			call_put(c);
		return qmp_fail(q, -ENOMEM, "out of memory");
	}
	r = call(q, c, deadline, "connecting");
	if (r == -ETIMEDOUT)
		return qmp_fail(q, r, "libvirt (%s) did not answer within %d s: is libvirtd running? raise the limit with "
				"timeout=SECONDS", uri, q->command_ms / 1000);
	if (r < 0)
		return r;
	if (c->rc == -1) {
		r = qmp_fail(q, -ECONNREFUSED, "cannot connect to libvirt (%s): %s: start libvirtd, or give the URI "
			     "with uri=", uri, c->err);
	} else if (c->rc == -2) {
		r = qmp_fail(q, -ENOENT, "libvirt (%s) has no domain '%s' (%s): give a name, UUID or ID that "
			     "'virsh list --all' shows", uri, lv->domain, c->err);
	} else {
		lv->conn = c->conn;
		lv->dom = c->dom;
		c->conn = NULL;
		c->dom = NULL;
	}
	call_put(c);
	if (r < 0)
		return r;
	/* Local and quick: the driver answers these from its own state. */
	if (virDomainGetUUIDString(lv->dom, lv->uuid) < 0 || virDomainGetState(lv->dom, &state, &reason, 0) < 0)
		return qmp_fail(q, -EIO, "libvirt cannot tell the state of domain %s: %s", lv->domain,
				virGetLastErrorMessage());
	if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED && state != VIR_DOMAIN_BLOCKED)
		return qmp_fail(q, -ESRCH, "libvirt domain %s is %s, and guestcore dumps a running or paused one: "
				"start it (virsh start), or convert a saved state of it with savefile:PATH",
				lv->domain, state_name(state));
	return 0;
}

/* "stop" and "cont" are libvirt's suspend and resume; the answer is QMP's
 * empty return, as QEMU gives it. */
static int lv_exchange(struct qmp *q, const char *cmd, const char *line, int fd, int64_t deadline,
		       json_object **ret_reply)
{
	struct lv *lv = q->priv;
	enum lv_what what = strcmp(cmd, "stop") == 0 ? LV_SUSPEND : strcmp(cmd, "cont") == 0 ? LV_RESUME : LV_MONITOR;
	struct lv_call *c = new_call(lv, what);
	json_object *reply;
	int r;

	if (!c || (what == LV_MONITOR && !(c->line = strdup(line)))) {
		if (c)
			call_put(c);
		return qmp_fail(q, -ENOMEM, "out of memory");
	}
	if (fd >= 0 && (c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		r = -errno;
		call_put(c);
		return qmp_fail(q, r, "cannot pass a file to libvirt: %s", strerror(-r));
	}
	r = call(q, c, deadline, cmd);
	if (r < 0)
		return r;
	if (c->rc < 0) {
		r = qmp_fail(q, c->code == VIR_ERR_OPERATION_INVALID ? -ESRCH : -ECONNRESET,
			     what == LV_MONITOR ? "libvirt could not pass %s to %s: %s" : "libvirt could not %s %s: %s",
			     what == LV_MONITOR ? cmd : what == LV_SUSPEND ? "suspend" : "resume", q->path, c->err);
		call_put(c);
		return r;
	}
	if (what != LV_MONITOR) {
		call_put(c);
		*ret_reply = json_tokener_parse("{\"return\": {}}");
		return *ret_reply ? 0 : qmp_fail(q, -ENOMEM, "out of memory");
	}
	reply = c->result ? json_tokener_parse(c->result) : NULL;
	call_put(c);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		json_object_put(reply);
		return qmp_fail(q, -EPROTO, "libvirt passed back an answer to %s that is not a JSON object (%s)", cmd, q->path);
	}
	*ret_reply = reply;
	return 0;
}

static void lv_close(struct qmp *q)
{
	struct lv *lv = q->priv;

	if (!lv)
		return;
	if (lv->guard_dom)
		virDomainFree(lv->guard_dom);
	if (lv->guard_conn)
		virConnectClose(lv->guard_conn);
	if (lv->dom)
		virDomainFree(lv->dom);
	if (lv->conn)
		virConnectClose(lv->conn);
	free(lv->uri);
	free(lv->domain);
	free(lv);
	q->priv = NULL;
}

static int lv_guard_fd(const struct qmp *q)
{
	(void)q;
	return -1; /* the guard opens a connection of its own once it is needed */
}

/* A QMP command line without its "id" (libvirt gives each its own). */
static char *without_id(const char *line)
{
	json_object *o = json_tokener_parse(line);
	char *out = NULL;

	if (o && json_object_is_type(o, json_type_object)) {
		json_object_object_del(o, "id");
		out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	return out;
}

/* In the guard, the dumper gone: the domain through a connection of the
 * guard's own (the dumper's went with it), opened at the first use.  No
 * deadline of libvirt's own: the guard's SIGALRM ends it (guard.c). */
static virDomainPtr guard_domain(struct lv *lv)
{
	if (!lv->guard_conn) {
		virSetErrorFunc(NULL, lv_quiet);
		lv->guard_conn = virConnectOpenAuth(lv->uri, virConnectAuthPtrDefault, 0);
	}
	if (lv->guard_conn && !lv->guard_dom)
		lv->guard_dom = virDomainLookupByUUIDString(lv->guard_conn, lv->uuid);
	return lv->guard_dom;
}

/* The guard's send (qmp.h), without LINE's "id": libvirt gives each
 * command its own and answers that one; MS is the guard's alarm's. */
static int lv_guard_send(struct qmp *q, const char *line, const char *id, long ms)
{
	virDomainPtr d = guard_domain(q->priv);
	char *res = NULL, *cmd;
	int r = -1;

	(void)id;
	(void)ms;
	if (!d || !(cmd = without_id(line)))
		return -1;
	if (virDomainQemuMonitorCommand(d, cmd, &res, 0) == 0)
		r = res && strstr(res, "\"error\"") ? 1 : 0;
	free(res);
	free(cmd);
	return r;
}

/* Through libvirt's resume, so that libvirt's idea of the domain agrees. */
static void lv_guard_resume(struct qmp *q)
{
	virDomainPtr d = guard_domain(q->priv);
	int state = 0;

	if (d && virDomainGetState(d, &state, NULL, 0) == 0 && state == VIR_DOMAIN_PAUSED)
		virDomainResume(d);
}

static const char *lv_resume_hint(const struct qmp *q)
{
	static __thread char hint[600];
	const struct lv *lv = q->priv;

	snprintf(hint, sizeof(hint), "resume it with 'virsh%s%s resume %s'", lv && lv->uri ? " -c " : "",
		 lv && lv->uri ? lv->uri : "", lv ? lv->domain : "DOMAIN");
	return hint;
}

static const struct qmp_transport libvirt_transport = {
	.option = lv_option,
	.connect = lv_connect,
	.exchange = lv_exchange,
	.close = lv_close,
	.guard_fd = lv_guard_fd,
	.guard_send = lv_guard_send,
	.guard_resume = lv_guard_resume,
	.resume_hint = lv_resume_hint,
	.usage = "libvirt:DOMAIN[,uri=URI][,mode=auto|snapshot|pause][,timeout=SECONDS]",
	/* Seen with Debian 12's libvirtd 9.0: QEMU's DUMP_COMPLETED event of
	 * a dump that libvirt did not start kills libvirtd (so does
	 * 'virsh qemu-monitor-command DOMAIN dump-guest-memory ...'). */
	.no_dump = "libvirtd dies on the end of a dump-guest-memory it did not start",
};

const struct qmp_transport *qmp_transport(void)
{
	return &libvirt_transport;
}

/* ---- the plugin ------------------------------------------------------------------------ */

static const void *libvirt_interface(const char *name)
{
	if (strcmp(name, GUESTCORE_IFACE_MEMORY_SOURCE) == 0)
		return &qemu_source_ops;
	return NULL;
}

static const struct guestcore_plugin_descriptor libvirt_desc = {
	.size = sizeof(libvirt_desc),
	.abi_version = GUESTCORE_PLUGIN_ABI_TARGET,
	.name = "libvirt",
	.version = PACKAGE_VERSION,
	.description = "libvirt: QEMU guests that libvirt runs, through its QEMU API "
		       "(libvirt:DOMAIN[,uri=URI][,mode=auto|snapshot|pause][,timeout=S])",
	.capabilities = GUESTCORE_CAP_MEMORY_SOURCE,
	.get_interface = libvirt_interface,
};

GUESTCORE_PLUGIN_DEFINE_ENTRY(host, ret_desc)
{
	(void)host;
	*ret_desc = &libvirt_desc;
	return 0;
}
