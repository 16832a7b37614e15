/* The resume guard (guard.h).  It blocks on a pipe whose only writer is the
 * dumper: 'A' arms it (the dumper is about to stop the guest), 'D' disarms
 * it (the guest runs again), 'Q' ends it quietly.  End of file means the
 * dumper died: armed, the guard sends QMP "cont" on the shared socket and
 * waits up to two seconds for QEMU's answer; armed or not, it empties and
 * removes the pmemsave directory.  It is armed before "stop" is sent, so no
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
#include <stdio.h>
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

static void guard_main(int sock, int pipe_r, const char *tmpdir)
{
	bool armed = false;
	char c;

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
		else
			break; /* end of file: the dumper is gone */
	}
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
