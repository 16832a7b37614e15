/* The resume guard (guard.h).  It blocks on a pipe whose only writer is the
 * dumper: 'A' arms it (the dumper is about to stop the guest), 'D' disarms
 * it (the guest runs again), 'M' with a length and QMP lines sets what puts
 * QEMU's migration settings back (length 0 clears it), 'Q' ends it quietly.
 * End of file means the dumper died: the guard cancels our migration and
 * sends those lines if it holds any, then, armed, sends QMP "cont" on the
 * shared socket and waits up to two seconds for QEMU's answer; armed or
 * not, it empties and removes the pmemsave directory.  It is armed before "stop" is sent, so no
 * moment exists where the guest is paused and nothing would resume it (a
 * "cont" to a running guest does nothing).  It ignores the terminal's
 * interrupts (the dumper handles those and resumes the guest itself) and
 * holds no other file: the dumper's unnamed output dies with the dumper. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#define GUARD_ID "guestcore-resume-guard"

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

static void resume(int sock)
{
	static const char cont[] = "{\"execute\": \"cont\", \"id\": \"" GUARD_ID "\"}\n";
	struct timespec start, now;
	char buf[4096];

	if (write(sock, cont, sizeof(cont) - 1) != (ssize_t)sizeof(cont) - 1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		long ms;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = 2000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&p, 1, (int)ms) <= 0)
			return;
		n = read(sock, buf, sizeof(buf) - 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return;
		buf[n] = '\0';
		if (strstr(buf, GUARD_ID))
			return; /* QEMU answered our cont */
	}
}

/* Send LINE (a QMP command with "id": ID) and wait up to MS for its
 * answer: 0 for a return, 1 for an error, -1 when none came. */
static int send_wait(int sock, const char *line, const char *id, long ms)
{
	struct timespec start, now;
	char buf[8192];
	size_t have = 0;

	if (write(sock, line, strlen(line)) != (ssize_t)strlen(line))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		char *hit, *nl;
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
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

/* Cancel our migration and put QEMU's migration settings back: LINES are
 * QMP commands, one per line, each with its own id.  QEMU refuses new
 * settings until the cancel is over: each is tried for up to 2 s. */
static void restore_migration(int sock, char *lines)
{
	static const char cancel[] = "{\"execute\": \"migrate_cancel\", \"id\": \"" GUARD_ID "-cancel\"}\n";
	char *save = NULL;

	send_wait(sock, cancel, GUARD_ID "-cancel", 2000);
	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char line[4096], *id = strstr(l, "\"id\""), idbuf[64];
		struct timespec start, now, pause = { 0, 50000000 };

		if (!id || snprintf(line, sizeof(line), "%s\n", l) >= (int)sizeof(line))
			continue;
		id += 4;
		id += strspn(id, ": \"");
		snprintf(idbuf, sizeof(idbuf), "%.*s", (int)strcspn(id, "\""), id);
		clock_gettime(CLOCK_MONOTONIC, &start);
		while (send_wait(sock, line, idbuf, 2000) == 1) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= 2)
				break;
			nanosleep(&pause, NULL);
		}
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

static void guard_main(int sock, int pipe_r, const char *tmpdir)
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
	if (restore)
		restore_migration(sock, restore);
	if (armed)
		resume(sock);
	if (tmpdir)
		remove_dir(tmpdir);
	_exit(0);
}

int guard_start(struct qguard *g, int sock, const char *tmpdir, char *err, size_t errsz)
{
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
		/* Keep the socket and the pipe, nothing else. */
		lo = sock < fds[0] ? sock : fds[0];
		hi = sock < fds[0] ? fds[0] : sock;
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
		guard_main(sock, fds[0], tmpdir);
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
