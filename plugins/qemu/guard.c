/* The resume guard (guard.h).  It blocks on a pipe whose only writer is the
 * dumper: 'A' arms it (the dumper is about to stop the guest), 'D' disarms
 * it (the guest runs again), 'M' with a length and QMP lines sets what puts
 * QEMU's migration settings back (length 0 clears it), 'Q' ends it quietly.
 * End of file means the dumper died: through the transport (the shared
 * QMP socket, or a libvirt connection of its own) the guard cancels our
 * migration and sends those lines if it holds any, then, armed, resumes
 * the guest, each within seconds and all of it within GUARD_RESCUE_S;
 * armed or not, it empties and removes the pmemsave directory.  It is armed before "stop" is sent, so no
 * moment exists where the guest is paused and nothing would resume it (a
 * "cont" to a running guest does nothing).  It ignores the terminal's
 * interrupts (the dumper handles those and resumes the guest itself) and
 * holds no other file: the dumper's unnamed output dies with the dumper. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "qmp.h"

/* All of the rescue ends by this deadline (SIGALRM ends the guard):
 * libvirt may wait up to 30 s for a domain's job. */
#define GUARD_RESCUE_S 40

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Cancel our migration and put QEMU's migration settings back: LINES are
 * QMP commands, one per line, each with its own id.  QEMU refuses new
 * settings until the cancel is over: each is tried for up to 2 s. */
static void restore_migration(struct qmp *q, char *lines)
{
	static const char cancel[] = "{\"execute\": \"migrate_cancel\", \"id\": \"" GUARD_ID "-cancel\"}";
	char *save = NULL;

	q->t->guard_send(q, cancel, GUARD_ID "-cancel", 2000);
	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *id = strstr(l, "\"id\""), idbuf[64];
		struct timespec pause = { 0, 50000000 };
		int64_t deadline;

		if (!id)
			continue;
		id += 4;
		id += strspn(id, ": \"");
		snprintf(idbuf, sizeof(idbuf), "%.*s", (int)strcspn(id, "\""), id);
		deadline = qmp_now_ms() + 2000;
		while (q->t->guard_send(q, l, idbuf, 2000) == 1 && qmp_now_ms() < deadline)
			nanosleep(&pause, NULL);
	}
}

static int read_full(int fd, void *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static void guard_main(struct qmp *q, int pipe_r, const char *tmpdir)
{
	bool armed = false;
	char c, *restore = NULL;

	for (;;) {
		ssize_t n = read(pipe_r, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == 'A')
			armed = true;
		else if (n == 1 && c == 'D')
			armed = false;
		else if (n == 1 && c == 'Q')
			_exit(0);
		else if (n == 1 && c == 'M') {
			uint32_t len;
			char *text;
			free(restore);
			restore = NULL;
			if (read_full(pipe_r, &len, sizeof(len)) < 0 || len > (1u << 20))
				break;
			if (len == 0)
				continue;
			text = malloc((size_t)len + 1);
			if (!text || read_full(pipe_r, text, len) < 0)
				break;
			text[len] = '\0';
			restore = text;
		} else
			break; /* end of file: the dumper is gone */
	}
	signal(SIGALRM, SIG_DFL);
	alarm(GUARD_RESCUE_S);
	if (restore)
		restore_migration(q, restore);
	if (armed)
		q->t->guard_resume(q);
	if (tmpdir)
		remove_dir(tmpdir);
	_exit(0);
}

int guard_start(struct qguard *g, struct qmp *q, const char *tmpdir, char *err, size_t errsz)
{
	int sock = q->t->guard_fd(q);

	int fds[2];
	pid_t pid;

	g->pid = 0;
	g->pipe_w = -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "cannot make the resume guard's pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		snprintf(err, errsz, "cannot start the resume guard: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		int lo, hi, null;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_NAME, "guestcore-guard");
		close(fds[1]);
		/* Keep the socket (if the transport has one) and the pipe,
		 * nothing else. */
		lo = sock >= 0 && sock < fds[0] ? sock : fds[0];
		hi = sock > fds[0] ? sock : fds[0];
		if (lo > 3)
			close_range(3, (unsigned)lo - 1, 0);
		if (hi > lo + 1)
			close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
		close_range((unsigned)hi + 1, ~0u, 0);
		/* No terminal or pipe of the dumper's stays open in the guard. */
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		guard_main(q, fds[0], tmpdir);
	}
	close(fds[0]);
	g->pid = pid;
	g->pipe_w = fds[1];
	return 0;
}

void guard_arm(struct qguard *g, bool armed)
{
	if (g->pid > 0)
		(void)!write(g->pipe_w, armed ? "A" : "D", 1);
}

void guard_restore_migration(struct qguard *g, const char *lines)
{
	uint32_t len = lines ? (uint32_t)strlen(lines) : 0;
	char *msg;

	if (g->pid <= 0 || len > (1u << 20) || !(msg = malloc(1 + sizeof(len) + len)))
		return;
	/* One write, below PIPE_BUF for any list QEMU's settings make: the
	 * guard never sees half of it. */
	msg[0] = 'M';
	memcpy(msg + 1, &len, sizeof(len));
	memcpy(msg + 1 + sizeof(len), lines ? lines : "", len);
	(void)!write(g->pipe_w, msg, 1 + sizeof(len) + len);
	free(msg);
}

void guard_release(struct qguard *g)
{
	if (g->pid <= 0)
		return;
	(void)!write(g->pipe_w, "Q", 1);
	close(g->pipe_w);
	g->pipe_w = -1;
	while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
		;
	g->pid = 0;
}
