/* The plugin host: search path, discovery, dlopen, the entry handshake and the
 * services a plugin may call.  Every refusal becomes one sentence stored with
 * the plugin record; a refused plugin never stops the others: with isolate,
 * each plugin is first loaded in a child process (probe_child), so that one
 * whose constructor or entry crashes, hangs or calls exit() is refused with
 * the reason; with lazy, plugins are loaded only when looked for by name. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "../layout/layout.h"

#define GC_PLUGIN_ERROR_MAX 512
/* More plugins than this in a search path is a misconfiguration. */
#define GC_MAX_PLUGINS 4096
#define GC_PROBE_MS_DEFAULT 5000

struct guestcore_host_handle {
	struct guestcore_host *host;
	struct guestcore_plugin *plugin;
	char error[GC_PLUGIN_ERROR_MAX]; /* set_error() of the current call */
};

struct guestcore_plugin {
	char *path;      /* as found */
	char *layout_file; /* foo.xml beside foo.so, or NULL */
	char *realpath;  /* for de-duplication; NULL when unknown */
	void *dl;        /* dlopen handle, NULL once refused */
	char *error;     /* why refused; NULL when loaded */
	struct guestcore_plugin_descriptor desc; /* zero-extended copy */
	bool have_desc;  /* desc passed the checks */
	bool pending;    /* listed by a lazy scan, not loaded yet */
	char refusal[16]; /* the stable reason code of a refusal (guestcore_plugin_refusal) */
	uint32_t abi_seen; /* the ABI the plugin declared, even when refused */
	/* Copies of the descriptor's strings: they outlive a refused plugin. */
	char *name, *version, *description;
	struct guestcore_host_api api;
	struct guestcore_host_handle handle;
};

struct guestcore_host {
	struct guestcore_host_opts opts;
	const struct guestcore_layouts *layouts;
	volatile int *cancel;          /* the current dump's, for cancelled() */
	char **dirs;
	size_t n_dirs;
	struct guestcore_plugin **plugins;
	size_t n_plugins;
};

static void host_log(struct guestcore_host *host, const struct guestcore_plugin *plugin,
		     enum guestcore_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void host_log(struct guestcore_host *host, const struct guestcore_plugin *plugin,
		     enum guestcore_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!host->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	host->opts.log(host->opts.log_userdata, level,
		       plugin && plugin->name ? plugin->name : NULL, buf);
}

void gc_host_log(struct guestcore_host *host, enum guestcore_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!host || !host->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	host->opts.log(host->opts.log_userdata, level, NULL, buf);
}

/* ---- services offered to plugins ---------------------------------------- */

static void svc_log(struct guestcore_host_handle *h, enum guestcore_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void svc_log(struct guestcore_host_handle *h, enum guestcore_log_level level,
		    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!h || !fmt || !h->host->opts.log)
		return;
	if ((int)level < GUESTCORE_LOG_ERROR || level > GUESTCORE_LOG_DEBUG)
		level = GUESTCORE_LOG_INFO;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	buf[strcspn(buf, "\n")] = '\0';
	h->host->opts.log(h->host->opts.log_userdata, level,
			  h->plugin->name ? h->plugin->name : h->plugin->path, buf);
}

static void svc_set_error(struct guestcore_host_handle *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void svc_set_error(struct guestcore_host_handle *h, const char *fmt, ...)
{
	va_list ap;

	if (!h || !fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	h->error[strcspn(h->error, "\n")] = '\0';
}

static int svc_binding_known(struct guestcore_host_handle *h, const char *name)
{
	(void)h;
	return name && gc_vocab_known(name) ? 1 : 0;
}

struct decode_ctx {
	void (*cb)(void *, const char *, uint64_t, const void *, size_t);
	void *ud;
};

static int decode_visit(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	struct decode_ctx *c = ud;

	if (fi->value_kind != GUESTCORE_VALUE_BIND || !fi->binding)
		return 0;
	if (fi->type == GUESTCORE_FIELD_BYTES || fi->type == GUESTCORE_FIELD_STRING)
		c->cb(c->ud, fi->binding, 0, v->bytes, v->len);
	else
		c->cb(c->ud, fi->binding, v->u, NULL, 0);
	return 0;
}

static int svc_decode_note(struct guestcore_host_handle *h, const char *name, uint32_t type, uint16_t e_machine,
			   int big_endian, const void *desc, size_t len,
			   void (*cb)(void *, const char *, uint64_t, const void *, size_t), void *ud)
{
	const struct guestcore_note_layout *nl;
	struct decode_ctx c = { cb, ud };
	int r;

	if (!h || !name || !cb || (!desc && len))
		return -EINVAL;
	nl = h->host->layouts ? guestcore_layouts_match(h->host->layouts, name, type, e_machine) : NULL;
	if (!nl)
		return -ENOENT;
	r = guestcore_note_decode(nl, desc, len, big_endian != 0, decode_visit, &c, NULL, 0);
	return r < 0 ? r : 0;
}

/* ---- ABI 1.1 services --------------------------------------------------------- */

static int svc_host_info(struct guestcore_host_handle *h, struct guestcore_host_info *ret)
{
	const struct guestcore_host_info full = {
		.size = sizeof(full),
		.abi_version = GUESTCORE_PLUGIN_ABI_VERSION,
		.abi_oldest = GUESTCORE_PLUGIN_ABI_MAKE(GUESTCORE_PLUGIN_ABI_MAJOR, 0),
		.name = "guestcore",
		.version = PACKAGE_VERSION,
	};
	uint32_t size;

	if (!h || !ret || ret->size < sizeof(uint32_t))
		return -EINVAL;
	/* Only as much as the plugin's struct holds, and its size kept: the
	 * plugin's size field says what it allocated. */
	size = ret->size;
	gc_sized_out(ret, size, &full, sizeof(full));
	ret->size = size;
	return 0;
}

static const char *const offered[] = {
	"service:log", "service:set_error", "service:note_info", "service:note_set_u64",
	"service:note_set_bytes", "service:note_set_size", "service:note_get_u64", "service:binding_known",
	"service:decode_note", "service:host_info", "service:host_offers", "service:cancelled",
	"interface:" GUESTCORE_IFACE_MEMORY_SOURCE, "interface:" GUESTCORE_IFACE_NOTE_PROVIDER,
};

static int svc_host_offers(struct guestcore_host_handle *h, const char *name)
{
	(void)h;
	for (size_t i = 0; name && i < sizeof(offered) / sizeof(offered[0]); i++)
		if (strcmp(offered[i], name) == 0)
			return 1;
	return 0;
}

static int svc_cancelled(struct guestcore_host_handle *h)
{
	return h && h->host->cancel && *h->host->cancel ? 1 : 0;
}

void gc_host_set_cancel(struct guestcore_host *host, volatile int *cancel)
{
	if (host)
		host->cancel = cancel;
}

/* ---- host object --------------------------------------------------------- */

GUESTCORE_API int guestcore_host_new(const struct guestcore_host_opts *opts,
				     struct guestcore_host **ret_host)
{
	struct guestcore_host *host;

	if (!ret_host)
		return -EINVAL;
	if (opts && !GC_OPTS_VALID(opts))
		return -EINVAL;
	host = calloc(1, sizeof(*host));
	if (!host)
		return -ENOMEM;
	if (opts)
		GC_OPTS_IN(host->opts, opts);
	host->opts.sz = sizeof(host->opts);
	*ret_host = host;
	return 0;
}

static void plugin_unload(struct guestcore_plugin *p)
{
	if (p->dl) {
		if (p->have_desc && !p->error && p->desc.unload)
			p->desc.unload();
		dlclose(p->dl);
		p->dl = NULL;
	}
}

static void plugin_free(struct guestcore_plugin *p)
{
	if (!p)
		return;
	plugin_unload(p);
	free(p->path);
	free(p->layout_file);
	free(p->realpath);
	free(p->error);
	free(p->name);
	free(p->version);
	free(p->description);
	free(p);
}

GUESTCORE_API void guestcore_host_free(struct guestcore_host *host)
{
	if (!host)
		return;
	/* Unload in reverse order of loading. */
	for (size_t i = host->n_plugins; i-- > 0;)
		plugin_free(host->plugins[i]);
	free(host->plugins);
	for (size_t i = 0; i < host->n_dirs; i++)
		free(host->dirs[i]);
	free(host->dirs);
	free(host);
}

/* ---- search path ---------------------------------------------------------- */

static int check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(dir, R_OK | X_OK) < 0)
		return -errno;
	return 0;
}

GUESTCORE_API int guestcore_host_add_dir(struct guestcore_host *host, const char *dir)
{
	char **dirs;
	char *copy;
	int r;

	if (!host || !dir || !*dir)
		return -EINVAL;
	r = check_dir(dir);
	if (r < 0)
		return r;
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	dirs = reallocarray(host->dirs, host->n_dirs + 1, sizeof(*dirs));
	if (!dirs) {
		free(copy);
		return -ENOMEM;
	}
	host->dirs = dirs;
	host->dirs[host->n_dirs++] = copy;
	return 0;
}

GUESTCORE_API int guestcore_host_add_env_dirs(struct guestcore_host *host)
{
	const char *env;
	char *copy, *save = NULL;
	int added = 0;

	if (!host)
		return -EINVAL;
	env = secure_getenv("GUESTCORE_PLUGIN_PATH");
	if (!env || !*env)
		return 0;
	copy = strdup(env);
	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		int r = guestcore_host_add_dir(host, tok);
		if (r == -ENOMEM) {
			free(copy);
			return r;
		}
		if (r < 0) {
			host_log(host, NULL, GUESTCORE_LOG_WARNING,
				 "GUESTCORE_PLUGIN_PATH entry %s skipped: %s", tok, strerror(-r));
			continue;
		}
		added++;
	}
	free(copy);
	return added;
}

GUESTCORE_API size_t guestcore_host_dir_count(const struct guestcore_host *host)
{
	return host ? host->n_dirs : 0;
}

GUESTCORE_API const char *guestcore_host_dir_at(const struct guestcore_host *host, size_t i)
{
	return host && i < host->n_dirs ? host->dirs[i] : NULL;
}

/* ---- loading ---------------------------------------------------------------- */

static void plugin_refuse(struct guestcore_plugin *p, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void plugin_refuse(struct guestcore_plugin *p, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(p->refusal, sizeof(p->refusal), "%s", code);
	free(p->error);
	va_start(ap, fmt);
	p->error = gc_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!p->error)
		p->error = strdup("refused (out of memory while describing why)");
}

static struct guestcore_plugin *plugin_new(struct guestcore_host *host, const char *path)
{
	struct guestcore_plugin *p;
	struct guestcore_plugin **v;

	if (host->n_plugins >= GC_MAX_PLUGINS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->path = strdup(path);
	if (!p->path) {
		free(p);
		return NULL;
	}
	v = reallocarray(host->plugins, host->n_plugins + 1, sizeof(*v));
	if (!v) {
		free(p->path);
		free(p);
		return NULL;
	}
	host->plugins = v;
	host->plugins[host->n_plugins++] = p;
	{
		/* A plugin may ship its layouts beside it: foo.so -> foo.xml.  Known
		 * without running the plugin. */
		size_t n = strlen(path);
		char *x = n > 3 && strcmp(path + n - 3, ".so") == 0 ? gc_strdup_printf("%.*s.xml", (int)(n - 3), path)
								    : NULL;
		if (x && access(x, R_OK) == 0)
			p->layout_file = x;
		else
			free(x);
	}
	p->handle.host = host;
	p->handle.plugin = p;
	p->api.size = sizeof(p->api);
	p->api.abi_version = GUESTCORE_PLUGIN_ABI_VERSION;
	p->api.handle = &p->handle;
	p->api.log = svc_log;
	p->api.set_error = svc_set_error;
	p->api.note_info = gc_nb_info;
	p->api.note_set_u64 = gc_nb_set_u64;
	p->api.note_set_bytes = gc_nb_set_bytes;
	p->api.note_set_size = gc_nb_set_size;
	p->api.note_get_u64 = gc_nb_get_u64;
	p->api.binding_known = svc_binding_known;
	p->api.decode_note = svc_decode_note;
	p->api.host_info = svc_host_info;
	p->api.host_offers = svc_host_offers;
	p->api.cancelled = svc_cancelled;
	return p;
}

static struct guestcore_plugin *find_loaded(const struct guestcore_host *host, const char *name,
					    const struct guestcore_plugin *except)
{
	for (size_t i = 0; i < host->n_plugins; i++) {
		struct guestcore_plugin *p = host->plugins[i];
		if (p != except && p->dl && !p->error && p->have_desc && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

/* The reason code of a descriptor refusal: which side's ABI is older, or
 * something else about the descriptor. */
static const char *abi_code(uint32_t plugin_abi, int r)
{
	if (r != -EPROTO)
		return "descriptor";
	if (GUESTCORE_PLUGIN_ABI_GET_MAJOR(plugin_abi) != GUESTCORE_PLUGIN_ABI_MAJOR)
		return GUESTCORE_PLUGIN_ABI_GET_MAJOR(plugin_abi) > GUESTCORE_PLUGIN_ABI_MAJOR ? "abi-newer" : "abi-older";
	return "abi-newer";
}

/* dlopen, entry handshake, descriptor checks.  Fills p->error on refusal. */
static int plugin_load(struct guestcore_host *host, struct guestcore_plugin *p)
{
	const struct guestcore_plugin_descriptor *desc = NULL;
	guestcore_plugin_entry_fn entry;
	char msg[GC_PLUGIN_ERROR_MAX];
	struct guestcore_plugin *other;
	_cleanup_free_ char *dlpath = NULL;
	struct stat st;
	int r;

	if (stat(p->path, &st) < 0) {
		r = -errno;
		plugin_refuse(p, "file", "plugin %s cannot be read: %s", p->path, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		plugin_refuse(p, "file", "plugin %s is not a regular file", p->path);
		return -ENOEXEC;
	}
	/* A path without a slash would make dlopen search the library path. */
	dlpath = strchr(p->path, '/') ? strdup(p->path) : gc_strdup_printf("./%s", p->path);
	if (!dlpath) {
		plugin_refuse(p, "oom", "plugin %s: out of memory", p->path);
		return -ENOMEM;
	}
	dlerror();
	p->dl = dlopen(dlpath, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		const char *e = dlerror();
		plugin_refuse(p, "dlopen", "plugin %s cannot be loaded: %s", p->path, e ? e : "unknown dlopen error");
		return -ENOEXEC;
	}
	dlerror();
	*(void **)&entry = dlsym(p->dl, GUESTCORE_PLUGIN_ENTRY_NAME);
	if (!entry) {
		plugin_refuse(p, "no-entry", "plugin %s is missing entry symbol %s: build it with "
				 "GUESTCORE_PLUGIN_DEFINE_ENTRY from <guestcore/plugin.h>",
			      p->path, GUESTCORE_PLUGIN_ENTRY_NAME);
		r = -ENOEXEC;
		goto fail;
	}
	p->handle.error[0] = '\0';
	r = entry(&p->api, &desc);
	if (r != 0) {
		if (r > 0)
			r = -r;
		plugin_refuse(p, "entry", "plugin %s refused to load: %s", p->path,
			      p->handle.error[0] ? p->handle.error : strerror(-r));
		goto fail;
	}
	if (desc && desc->size >= offsetof(struct guestcore_plugin_descriptor, abi_version) + sizeof(uint32_t))
		p->abi_seen = desc->abi_version;
	/* Who it says it is, even if it is refused below (in the child first,
	 * when isolating: a wild pointer there is a refusal, not a crash). */
	if (desc && desc->size >= GUESTCORE_PLUGIN_DESCRIPTOR_MIN_SIZE) {
		free(p->name);
		free(p->version);
		p->name = desc->name ? strndup(desc->name, 64) : NULL;
		p->version = desc->version ? strndup(desc->version, 64) : NULL;
	}
	r = guestcore_plugin_descriptor_check(desc, GUESTCORE_PLUGIN_ABI_VERSION, msg, sizeof(msg));
	if (r < 0) {
		plugin_refuse(p, abi_code(p->abi_seen, r), "plugin %s %s", p->path, msg);
		goto fail;
	}
	GC_TABLE_IN(p->desc, desc);
	p->have_desc = true;
	free(p->name);
	free(p->version);
	p->name = strdup(p->desc.name);
	p->version = strdup(p->desc.version);
	p->description = strdup(p->desc.description);
	if (!p->name || !p->version || !p->description) {
		plugin_refuse(p, "oom", "plugin %s: out of memory", p->path);
		r = -ENOMEM;
		goto fail;
	}

	other = find_loaded(host, p->desc.name, p);
	if (other) {
		plugin_refuse(p, "duplicate", "plugin %s is named '%s' like %s, which comes first in the search "
				 "path: remove one of them or rename it",
			      p->path, p->desc.name, other->path);
		r = -EEXIST;
		goto fail;
	}
	if (p->layout_file) {
		/* Layouts in a language newer than ours: the plugin's notes could
		 * not be written or read, so it is refused now, not at dump time. */
		unsigned lang = 1;
		if (gc_layout_file_language(p->layout_file, &lang) == 0 && lang > GC_LAYOUT_LANGUAGE) {
			plugin_refuse(p, "layout", "plugin %s ships its layouts (%s) in layout language version %u; this "
				      "guestcore reads version %u: upgrade guestcore", p->path, p->layout_file, lang,
				      GC_LAYOUT_LANGUAGE);
			r = -EPROTONOSUPPORT;
			goto fail;
		}
	}
	host_log(host, p, GUESTCORE_LOG_DEBUG, "loaded %s", p->path);
	return 0;

fail:
	/* The unload hook runs only for a plugin whose descriptor passed. */
	if (p->dl) {
		if (p->have_desc && p->desc.unload)
			p->desc.unload();
		dlclose(p->dl);
		p->dl = NULL;
	}
	return r < 0 ? r : -ENOEXEC;
}

/* ---- isolation: a first load in a child process ----------------------------- */

struct probe_report {
	int32_t status;                  /* plugin_load()'s result in the child */
	uint32_t abi_seen;               /* the ABI its descriptor declared, even when refused */
	char name[128];                  /* the descriptor's name, loaded or refused */
	char version[72];                /* and its version */
	char refusal[16];                /* the reason code of a refusal */
	char error[GC_PLUGIN_ERROR_MAX]; /* its refusal otherwise */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Load P in a child process.  0 with *RET_NAME (the plugin's name) when it
 * loads there; otherwise P is refused with the reason (its own refusal, a
 * crash, a hang past probe_ms, or the process ended by the plugin). */
static int probe_child(struct guestcore_host *host, struct guestcore_plugin *p, char *ret_name, size_t namesz)
{
	unsigned limit = host->opts.probe_ms ? host->opts.probe_ms : GC_PROBE_MS_DEFAULT;
	struct probe_report rep = { .status = -EIO };
	int64_t deadline = now_ms() + limit;
	size_t got = 0;
	int fds[2], status = 0;
	bool timed_out = false, reaped = false;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		plugin_refuse(p, "probe", "plugin %s: cannot make a pipe to probe it: %s", p->path, strerror(errno));
		return -errno;
	}
	fflush(NULL); /* a plugin's exit() in the child must not repeat our output */
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		plugin_refuse(p, "probe", "plugin %s: cannot start a process to probe it: %s", p->path, strerror(e));
		return -e;
	}
	if (pid == 0) {
		struct probe_report r = { 0 };
		close(fds[0]);
		/* A crash is the plugin's: no handler may turn it into an exit. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		r.status = plugin_load(host, p);
		r.abi_seen = p->abi_seen;
		snprintf(r.name, sizeof(r.name), "%s", p->name ? p->name : "");
		snprintf(r.version, sizeof(r.version), "%s", p->version ? p->version : "");
		snprintf(r.refusal, sizeof(r.refusal), "%s", p->refusal);
		snprintf(r.error, sizeof(r.error), "%s", p->error ? p->error : "");
		(void)!write(fds[1], &r, sizeof(r));
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(rep)) {
		struct pollfd pf = { .fd = fds[0], .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		n = poll(&pf, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			timed_out = n == 0;
			break;
		}
		n = read(fds[0], (char *)&rep + got, sizeof(rep) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	/* Reap it within what is left of the limit. */
	while (!timed_out && !reaped) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			reaped = true;
		else if (w < 0 && errno != EINTR)
			break;
		else if (now_ms() >= deadline)
			timed_out = true;
		else {
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (got == sizeof(rep) && reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rep.name[sizeof(rep.name) - 1] = '\0';
		rep.error[sizeof(rep.error) - 1] = '\0';
		rep.version[sizeof(rep.version) - 1] = '\0';
		rep.refusal[sizeof(rep.refusal) - 1] = '\0';
		p->abi_seen = rep.abi_seen;
		if (rep.status < 0) {
			/* Who it said it was, for the listing. */
			free(p->name);
			free(p->version);
			p->name = rep.name[0] ? strdup(rep.name) : NULL;
			p->version = rep.name[0] ? strdup(rep.version) : NULL;
			plugin_refuse(p, rep.refusal[0] ? rep.refusal : "probe", "%s",
				      rep.error[0] ? rep.error : "refused while probed in a child process");
			return rep.status;
		}
		snprintf(ret_name, namesz, "%s", rep.name);
		return 0;
	}
	if (timed_out && got < sizeof(rep))
		plugin_refuse(p, "timed-out", "plugin %s did not finish loading within %u ms (its constructor or entry hangs): it "
			      "was stopped and is not used; fix or remove it", p->path, limit);
	else if (reaped && WIFSIGNALED(status))
		plugin_refuse(p, "crashed", "plugin %s crashed while loading (SIG%s in its constructor or entry): it is not used; "
			      "fix or remove it", p->path,
			      sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else if (reaped && WIFEXITED(status) && got < sizeof(rep))
		plugin_refuse(p, "exited", "plugin %s ended the process while loading (exit status %d from its constructor or "
			      "entry; a plugin must never call exit()): it is not used; fix or remove it",
			      p->path, WEXITSTATUS(status));
	else
		plugin_refuse(p, "probe", "plugin %s could not be probed in a child process: it is not used", p->path);
	return -ENOEXEC;
}

/* Load P in this process, after a probe in a child when isolating. */
static int plugin_load_checked(struct guestcore_host *host, struct guestcore_plugin *p)
{
	char name[128];
	int r;

	p->pending = false;
	if (host->opts.isolate) {
		r = probe_child(host, p, name, sizeof(name));
		if (r < 0)
			return r;
	}
	return plugin_load(host, p);
}

GUESTCORE_API int guestcore_host_load_file(struct guestcore_host *host, const char *path,
					   struct guestcore_plugin **ret_plugin)
{
	struct guestcore_plugin *p;
	int r;

	if (!host || !path || !*path)
		return -EINVAL;
	p = plugin_new(host, path);
	if (!p)
		return host->n_plugins >= GC_MAX_PLUGINS ? -E2BIG : -ENOMEM;
	p->realpath = realpath(path, NULL);
	r = plugin_load_checked(host, p);
	if (ret_plugin)
		*ret_plugin = p;
	return r;
}

static bool already_seen(const struct guestcore_host *host, const char *real)
{
	for (size_t i = 0; i < host->n_plugins; i++)
		if (host->plugins[i]->realpath && strcmp(host->plugins[i]->realpath, real) == 0)
			return true;
	return false;
}

static int so_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

GUESTCORE_API int guestcore_host_scan(struct guestcore_host *host)
{
	int refused = 0;

	if (!host)
		return -EINVAL;
	for (size_t i = 0; i < host->n_dirs; i++) {
		struct dirent **names = NULL;
		int n = scandir(host->dirs[i], &names, so_filter, alphasort);

		if (n < 0) {
			host_log(host, NULL, GUESTCORE_LOG_WARNING, "plugin directory %s cannot be read: %s",
				 host->dirs[i], strerror(errno));
			continue;
		}
		for (int k = 0; k < n; k++) {
			_cleanup_free_ char *path = gc_strdup_printf("%s/%s", host->dirs[i], names[k]->d_name);
			_cleanup_free_ char *real = path ? realpath(path, NULL) : NULL;
			struct stat st;

			free(names[k]);
			if (!path)
				continue;
			/* Only regular files (or links to them); the same file
			 * reached twice is loaded once. */
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (real && already_seen(host, real))
				continue;
			if (host->opts.lazy) {
				/* Listed only: loaded by guestcore_host_find() if needed. */
				struct guestcore_plugin *p = plugin_new(host, path);
				if (p) {
					p->realpath = real;
					real = NULL;
					p->pending = true;
				}
				continue;
			}
			if (guestcore_host_load_file(host, path, NULL) < 0)
				refused++;
		}
		free(names);
	}
	return refused;
}

/* ---- plugin accessors ------------------------------------------------------- */

GUESTCORE_API void guestcore_host_set_layouts(struct guestcore_host *host,
					      const struct guestcore_layouts *layouts)
{
	if (host)
		host->layouts = layouts;
}

GUESTCORE_API size_t guestcore_host_plugin_count(const struct guestcore_host *host)
{
	return host ? host->n_plugins : 0;
}

GUESTCORE_API struct guestcore_plugin *guestcore_host_plugin_at(const struct guestcore_host *host,
								size_t i)
{
	return host && i < host->n_plugins ? host->plugins[i] : NULL;
}

/* The file name of P without its directory and ".so". */
static bool file_named(const struct guestcore_plugin *p, const char *name)
{
	const char *base = strrchr(p->path, '/') ? strrchr(p->path, '/') + 1 : p->path;
	size_t n = strlen(name);

	return strncmp(base, name, n) == 0 && strcmp(base + n, ".so") == 0;
}

GUESTCORE_API struct guestcore_plugin *guestcore_host_find(const struct guestcore_host *chost,
							   const char *name)
{
	/* Loading on demand changes the host: it was never constant in truth. */
	struct guestcore_host *host = (struct guestcore_host *)chost;
	struct guestcore_plugin *p;
	char probed[128];

	if (!host || !name)
		return NULL;
	p = find_loaded(host, name, NULL);
	if (p)
		return p;
	/* A lazy scan: the file called NAME.so first, in search-path order... */
	for (size_t i = 0; i < host->n_plugins; i++) {
		p = host->plugins[i];
		if (p->pending && file_named(p, name) && plugin_load_checked(host, p) == 0 && strcmp(p->name, name) == 0)
			return p;
	}
	/* ...then any other, probed in a child when isolating, until one is NAME. */
	for (size_t i = 0; i < host->n_plugins; i++) {
		p = host->plugins[i];
		if (!p->pending)
			continue;
		if (host->opts.isolate) {
			p->pending = false;
			if (probe_child(host, p, probed, sizeof(probed)) < 0)
				continue;
			if (strcmp(probed, name) != 0) {
				p->pending = true; /* loads cleanly, but is not the one */
				continue;
			}
			if (plugin_load(host, p) == 0)
				return p;
			continue;
		}
		if (plugin_load_checked(host, p) == 0 && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

GUESTCORE_API const char *guestcore_plugin_path(const struct guestcore_plugin *p)
{
	return p ? p->path : NULL;
}

GUESTCORE_API bool guestcore_plugin_loaded(const struct guestcore_plugin *p)
{
	return p && p->dl && !p->error;
}

GUESTCORE_API const char *guestcore_plugin_error(const struct guestcore_plugin *p)
{
	if (p && p->pending)
		return "not loaded: nothing asked for it";
	return p ? p->error : NULL;
}

GUESTCORE_API const char *guestcore_plugin_refusal(const struct guestcore_plugin *p)
{
	return p && !p->pending && p->error && p->refusal[0] ? p->refusal : NULL;
}

GUESTCORE_API const char *guestcore_plugin_name(const struct guestcore_plugin *p)
{
	return p ? p->name : NULL;
}

GUESTCORE_API const char *guestcore_plugin_version(const struct guestcore_plugin *p)
{
	return p ? p->version : NULL;
}

GUESTCORE_API const char *guestcore_plugin_description(const struct guestcore_plugin *p)
{
	return p ? p->description : NULL;
}

GUESTCORE_API uint32_t guestcore_plugin_abi(const struct guestcore_plugin *p)
{
	return p ? p->abi_seen : 0;
}

GUESTCORE_API uint64_t guestcore_plugin_capabilities(const struct guestcore_plugin *p)
{
	return p && p->have_desc ? p->desc.capabilities : 0;
}

GUESTCORE_API const char *guestcore_plugin_layout_file(const struct guestcore_plugin *p)
{
	/* Known without running the plugin; not offered for a refused one. */
	return p && (p->pending || guestcore_plugin_loaded(p)) ? p->layout_file : NULL;
}

GUESTCORE_API const struct guestcore_host_api *guestcore_plugin_host_api(const struct guestcore_plugin *p)
{
	return guestcore_plugin_loaded(p) ? &p->api : NULL;
}

GUESTCORE_API const void *guestcore_plugin_interface(const struct guestcore_plugin *p,
						     const char *name)
{
	if (!guestcore_plugin_loaded(p) || !name || !p->desc.get_interface)
		return NULL;
	return p->desc.get_interface(name);
}

const struct guestcore_host_api *gc_plugin_api(const struct guestcore_plugin *p)
{
	return &p->api;
}

const char *gc_plugin_last_error(const struct guestcore_plugin *p)
{
	return p->handle.error;
}

void gc_plugin_clear_error(struct guestcore_plugin *p)
{
	p->handle.error[0] = '\0';
}

const struct guestcore_layouts *gc_host_layouts(const struct guestcore_host *host)
{
	return host->layouts;
}
