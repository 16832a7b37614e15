/* A fake QMP server for the tests of the qemu source's failure paths: it
 * plays a QEMU guest of 1 MiB of RAM (its memory backend is MEMFILE) and
 * misbehaves as MODE says.  Every command it receives, from any client, is
 * logged to LOGFILE, one name a line, so that a test can see what the
 * dumper (or its resume guard) sent.
 *
 *   fakeqmp SOCKET MODE LOGFILE
 *
 *   ok                 answers like QEMU 7.2
 *   silent             accepts and never says a word (a socket that another
 *                      client holds: QEMU queues the next one silently)
 *   trickle            sends its greeting one byte every half second
 *   garbage            greets with a line that is not JSON
 *   close              closes the connection after the greeting
 *   cont-error         answers "cont" with an error
 *   silent-after-stop  answers nothing after "stop"
 *   die-after-stop     closes the connection after answering "stop"
 *   exit-after-regs    closes after answering "info registers -a" (QEMU exits
 *                      during the dump, its memory file still there)
 *   big-mtree          answers "info mtree -f" with 5000 RAM ranges
 *
 * It exits on SIGTERM, or when it has served a client and the client is
 * gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\n"

static const char *mode;
static FILE *logfile;
static int running = 1;

static const char mtree[] =
	"FlatView #0\\n AS \\\"memory\\\", root: system\\n Root memory region: system\\n"
	"  0000000000000000-00000000000fffff (prio 0, ram): pc.ram @0000000000000000\\n";
static const char regs[] =
	"CPU#0\\nRAX=0000000000000001 RBX=0000000000000002 RCX=0000000000000003 RDX=0000000000000004\\n"
	"RIP=000000000000fff0 RFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\\n"
	"CR0=00000011 CR2=00000000 CR3=00000000 CR4=00000000\\n";

static void say(int fd, const char *text)
{
	(void)!write(fd, text, strlen(text));
}

static void reply(int fd, const char *id_json, const char *ret)
{
	char buf[1 << 16];

	snprintf(buf, sizeof(buf), "{\"return\": %s%s%s}\n", ret, id_json ? ", \"id\": " : "", id_json ? id_json : "");
	say(fd, buf);
}

static void big_mtree(int fd)
{
	size_t cap = 5000 * 100 + 200, n = 0;
	char *b = malloc(cap);

	n += (size_t)snprintf(b + n, cap - n, "{\"return\": \"FlatView #0\\n AS \\\"memory\\\", root: system\\n");
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(b + n, cap - n, "  %016llx-%016llx (prio 0, ram): r%d @%016llx\\n",
				      (unsigned long long)i << 16, ((unsigned long long)i << 16) + 0xfff, i,
				      (unsigned long long)i << 16);
	n += (size_t)snprintf(b + n, cap - n, "\"}\n");
	(void)!write(fd, b, n);
	free(b);
}

/* Handle one command line; 0 to go on, -1 to close the connection. */
static int command(int fd, const char *line)
{
	json_object *o = json_tokener_parse(line), *ex, *args, *cl, *id;
	const char *cmd, *id_json = NULL;
	int r = 0;

	if (!o || !json_object_object_get_ex(o, "execute", &ex)) {
		json_object_put(o);
		return 0;
	}
	cmd = json_object_get_string(ex);
	if (json_object_object_get_ex(o, "id", &id))
		id_json = json_object_to_json_string(id);
	if (strcmp(cmd, "human-monitor-command") == 0 && json_object_object_get_ex(o, "arguments", &args) &&
	    json_object_object_get_ex(args, "command-line", &cl))
		fprintf(logfile, "hmp %s\n", json_object_get_string(cl));
	else
		fprintf(logfile, "%s\n", cmd);
	fflush(logfile);
	if (strcmp(mode, "silent-after-stop") == 0 && running == 0)
		goto out;
	if (strcmp(cmd, "qmp_capabilities") == 0 || strcmp(cmd, "stop") == 0) {
		reply(fd, id_json, "{}");
		if (strcmp(cmd, "stop") == 0) {
			running = 0;
			if (strcmp(mode, "die-after-stop") == 0)
				r = -1;
		}
	} else if (strcmp(cmd, "cont") == 0) {
		if (strcmp(mode, "cont-error") == 0) {
			say(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"fake: cannot continue\"}}\n");
		} else {
			running = 1;
			reply(fd, id_json, "{}");
		}
	} else if (strcmp(cmd, "query-status") == 0) {
		reply(fd, id_json, running ? "{\"status\": \"running\", \"running\": true}"
					   : "{\"status\": \"paused\", \"running\": false}");
	} else if (strcmp(cmd, "query-dump") == 0) {
		reply(fd, id_json, "{\"status\": \"none\", \"completed\": 0, \"total\": 0}");
	} else if (strcmp(cmd, "query-target") == 0) {
		reply(fd, id_json, "{\"arch\": \"x86_64\"}");
	} else if (strcmp(cmd, "human-monitor-command") == 0) {
		const char *c = json_object_get_string(cl);
		char buf[4096];
		if (strcmp(c, "info mtree -f") == 0 && strcmp(mode, "big-mtree") == 0) {
			big_mtree(fd);
		} else if (strcmp(c, "info mtree -f") == 0) {
			snprintf(buf, sizeof(buf), "\"%s\"", mtree);
			reply(fd, id_json, buf);
		} else if (strcmp(c, "info registers -a") == 0) {
			snprintf(buf, sizeof(buf), "\"%s\"", regs);
			reply(fd, id_json, buf);
			if (strcmp(mode, "exit-after-regs") == 0)
				r = -1;
		} else {
			reply(fd, id_json, "\"\"");
		}
	} else {
		say(fd, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"fake: no such command\"}}\n");
	}
out:
	json_object_put(o);
	return r;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls, fd, served = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: fakeqmp SOCKET MODE LOGFILE\n");
		return 2;
	}
	mode = argv[2];
	logfile = fopen(argv[3], "a");
	if (!logfile)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 4) < 0) {
		perror("fakeqmp");
		return 1;
	}
	for (;;) {
		char buf[65536];
		size_t len = 0;

		fd = accept(ls, NULL, NULL);
		if (fd < 0)
			continue;
		if (served++ && strcmp(mode, "silent") != 0) {
			/* One client at a time, as QEMU: the next waits unanswered. */
			pause();
		}
		if (strcmp(mode, "silent") == 0) {
			pause();
		} else if (strcmp(mode, "trickle") == 0) {
			for (const char *p = GREETING; *p; p++) {
				(void)!write(fd, p, 1);
				usleep(500000);
			}
		} else if (strcmp(mode, "garbage") == 0) {
			say(fd, "hello, this is not QMP\n");
		} else {
			say(fd, GREETING);
		}
		if (strcmp(mode, "close") == 0) {
			close(fd);
			continue;
		}
		for (;;) {
			ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
			char *nl;

			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			while ((nl = strchr(buf, '\n'))) {
				int r;
				*nl = '\0';
				r = command(fd, buf);
				len -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, len + 1);
				if (r < 0)
					goto gone;
			}
		}
gone:
		close(fd);
		return 0;
	}
}
