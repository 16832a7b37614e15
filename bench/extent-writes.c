/*
 * Benchmark helper (not part of guestcore): the cost of a core's writes
 * alone.  extent-writes MODEL OUT reads MODEL's layout (its size, its data
 * extents through SEEK_DATA/SEEK_HOLE), removes MODEL and syncs its file
 * system, so that the memory or blocks it held are free again as they were
 * for the writer that made it; then it makes OUT a file of that size with
 * those data extents, filled from one buffer in memory rather than read from
 * anywhere, fsyncs it and prints the seconds that took (writes and fsync).
 * Run on guestcore dump's output, it shows what the file system and the disk
 * take to store that layout, apart from any reading, zero test or thread.
 *   cc -O2 -o extent-writes bench/extent-writes.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

struct extent {
	off_t start, end;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "extent-writes: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct extent *map = NULL;
	size_t n = 0, cap = 0;
	struct stat st;
	double t0;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: extent-writes MODEL OUT (removes MODEL)\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0)
		return fail("cannot open", argv[1]);
	for (off_t pos = 0; pos < st.st_size;) {
		off_t data = lseek(in, pos, SEEK_DATA);

		if (data < 0) {
			if (errno == ENXIO)
				break;
			return fail("cannot seek data in", argv[1]);
		}
		pos = lseek(in, data, SEEK_HOLE);
		if (pos < 0)
			return fail("cannot seek a hole in", argv[1]);
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			map = realloc(map, cap * sizeof(*map));
			if (!map)
				return fail("out of memory for", argv[1]);
		}
		map[n++] = (struct extent){ data, pos };
	}
	if (unlink(argv[1]) < 0 || syncfs(in) < 0)
		return fail("cannot remove", argv[1]);
	close(in);
	memset(buf, 0xa5, sizeof(buf));
	t0 = now();
	out = open(argv[2], O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (out < 0)
		return fail("cannot create", argv[2]);
	if (ftruncate(out, st.st_size) < 0)
		return fail("cannot size", argv[2]);
	for (size_t i = 0; i < n; i++) {
		for (off_t pos = map[i].start; pos < map[i].end;) {
			size_t len = map[i].end - pos < CHUNK ? (size_t)(map[i].end - pos) : CHUNK;
			ssize_t w = pwrite(out, buf, len, pos);

			if (w <= 0)
				return fail("cannot write", argv[2]);
			pos += w;
		}
	}
	if (fsync(out) < 0 || close(out) < 0)
		return fail("cannot sync", argv[2]);
	printf("%.6f\n", now() - t0);
	free(map);
	return 0;
}
