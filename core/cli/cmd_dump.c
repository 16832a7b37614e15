/* guestcore dump: write a guest core from a memory source and note sets.
 * Owns what the library leaves to the tool: options, signals (an interrupt
 * stops the dump cleanly), the progress display and the summary. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

/* The output must be a regular file or nothing, and none of the files the
 * source spec names (raw:IMAGE,map=MAP,cpus=CPUS; elfcore:CORE; ...): every
 * comma-separated item, or its value after '=', that names an existing
 * file.  The library checks the source's open files again. */
static bool check_output(const struct guestcore_dump_opts *o)
{
	const char *colon = strchr(o->source, ':');
	char *spec = strdup(colon ? colon + 1 : ""), *save = NULL, msg[600];
	int fds[32], n = 0, r;

	if (!spec)
		return false;
	for (char *t = strtok_r(spec, ",", &save); t && n < 32; t = strtok_r(NULL, ",", &save)) {
		const char *v = strchr(t, '=') ? strchr(t, '=') + 1 : t;
		int fd = *v ? open(v, O_PATH | O_CLOEXEC) : -1;
		if (fd >= 0)
			fds[n++] = fd;
	}
	r = gc_outfile_check(o->output, o->force, fds, (size_t)n, "a file the source reads", msg, sizeof(msg));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(spec);
	if (r < 0)
		cli_error("dump: %s", msg);
	return r == 0;
}

enum progress_mode { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_JSON, PROGRESS_NONE };

struct progress {
	enum progress_mode mode;
	struct timespec start, last;
	bool drew;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void human(uint64_t n, char *buf, size_t sz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, sz, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
	struct progress *p = ud;
	struct timespec now;
	double el, rate, eta;
	bool final = done >= total;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && since(&p->last, &now) < (p->mode == PROGRESS_JSON ? 1.0 : 0.2))
		return;
	p->last = now;
	el = since(&p->start, &now);
	rate = el > 0 ? (double)done / el : 0;
	eta = rate > 0 ? (double)(total - done) / rate : 0;
	if (p->mode == PROGRESS_JSON) {
		fprintf(stderr, "{\"done\": %" PRIu64 ", \"total\": %" PRIu64 ", \"rate\": %.0f, \"eta\": %.1f}\n",
			done, total, rate, eta);
	} else if (p->mode == PROGRESS_BAR) {
		char d[32], t[32], r[32], bar[31];
		unsigned fill = total ? (unsigned)((double)done / (double)total * 30) : 30;

		memset(bar, '#', fill);
		memset(bar + fill, '.', 30 - fill);
		bar[30] = '\0';
		human(done, d, sizeof(d));
		human(total, t, sizeof(t));
		human((uint64_t)rate, r, sizeof(r));
		fprintf(cli_raw_stderr, "\r[%s] %s / %s  %s/s  ETA %3.0fs ", bar, d, t, r, eta);
		p->drew = true;
	}
}

static bool split_sets(char *arg, const char ***ret)
{
	size_t n = 0;
	const char **v = NULL;
	char *save = NULL;

	for (char *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const char **nv = reallocarray(v, n + 2, sizeof(*v));
		if (!nv) {
			free(v);
			return false;
		}
		v = nv;
		v[n++] = t;
		v[n] = NULL;
	}
	*ret = v;
	return v != NULL;
}

static const char *const compress_names[] = {
	[GUESTCORE_COMPRESS_DEFAULT] = "zstd", [GUESTCORE_COMPRESS_ZSTD] = "zstd", [GUESTCORE_COMPRESS_ZLIB] = "zlib",
	[GUESTCORE_COMPRESS_LZO] = "lzo", [GUESTCORE_COMPRESS_SNAPPY] = "snappy", [GUESTCORE_COMPRESS_NONE] = "none",
};

static const char *compress_name(int c)
{
	return c >= 0 && (size_t)c < sizeof(compress_names) / sizeof(compress_names[0]) ? compress_names[c] : "?";
}

/* "ALGO" or "ALGO:LEVEL" */
static bool parse_compress(const char *arg, struct guestcore_dump_opts *o)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

	for (size_t i = 1; i < sizeof(compress_names) / sizeof(compress_names[0]); i++)
		if (strlen(compress_names[i]) == len && strncmp(arg, compress_names[i], len) == 0) {
			o->compression = (int)i;
			o->compression_level = 0;
			if (colon) {
				char *end;
				long v;

				errno = 0;
				v = strtol(colon + 1, &end, 10);
				if (!colon[1] || *end || errno || v == 0 || v < -100 || v > 100)
					return false;
				o->compression_level = (int)v;
			}
			return true;
		}
	return false;
}

static void dump_usage(FILE *out)
{
	fprintf(out,
		"Usage: guestcore dump --source NAME:SPEC [--notes SETS] -o OUT [OPTION]...\n"
		"Write a core of a guest: the notes of each note set, then guestcore's own notes,\n"
		"and its memory; as an ELF core (one PT_LOAD per range, MMIO ranges without file\n"
		"bytes) or a kdump-compressed file (each RAM or ROM page compressed on its own).\n"
		"\n"
		"  -s, --source=NAME:SPEC   memory source plugin and its arguments, for example\n"
		"                           raw:PATH[,map=MAPFILE][,cpus=CPUFILE][,machine=x86_64|i386|aarch64]\n"
		"  -n, --notes=SETS         comma-separated note sets (default: vbox); vbox,qemu\n"
		"                           writes both, VBCORE first\n"
		"  -o, --output=OUT         the core file; written as an unnamed file in its\n"
		"                           directory and linked into place only when complete\n"
		"  -f, --force              replace OUT if it exists (a regular file only)\n"
		"  -F, --format=FORMAT      elf (default): for gdb, Volatility, MemProcFS and\n"
		"                           VirtualBox's readers; kdump: the kdump-compressed\n"
		"                           file of makedumpfile, for crash and makedumpfile\n"
		"  -z, --compress=ALGO[:LEVEL]  kdump page compression: zstd (default, level 1),\n"
		"                           zlib (level 1), lzo, snappy or none\n"
		"      --strict             fail when any page cannot be read\n"
		"      --digest             record an XXH3-128 digest of every segment in the\n"
		"                           GUESTCORE notes (hashed as it is copied, one thread)\n"
		"      --elf-class=32|64    force the ELF class (default: ELF32 only for an i386\n"
		"                           guest whose memory fits below 4 GiB)\n"
		"      --copy=MODE          auto (default): zero pages and the source's holes\n"
		"                           become holes, pages tested on every CPU;\n"
		"                           dense: every byte written, a fully allocated file;\n"
		"                           read: as auto, through the source's read() on one\n"
		"                           thread\n"
		"      --source-notes=WHAT  keep (default): write the notes the source carries\n"
		"                           that no note set writes (the guest's VMCOREINFO, an\n"
		"                           input core's notes no layout describes) after the\n"
		"                           note sets' notes; drop: leave them out\n"
		"      --vmcoreinfo=WHERE   the guest kernel's VMCOREINFO note (crash, drgn and\n"
		"                           makedumpfile need it): auto (default): the source's,\n"
		"                           else the kernel's own text found in guest memory as\n"
		"                           it is copied; source; memory; none; or a FILE of\n"
		"                           its KEY=VALUE lines\n"
		"      --vaddr=WHAT         ELF p_vaddr: kernel (default): where VMCOREINFO says\n"
		"                           where the kernel image is mapped, its RAM is a PT_LOAD\n"
		"                           at that virtual address (drgn, gdb); paddr: every\n"
		"                           p_vaddr is the p_paddr\n"
		"      --progress[=MODE]    bar (default on a terminal), json (one line a second\n"
		"                           on stderr) or none\n"
		"  -h, --help               display this help and exit\n"
		"\n"
		"Exit status:\n"
		"  0  the core is complete\n"
		"  1  failure; OUT is unchanged and no temporary file is left\n"
		"  2  usage error\n"
		"  3  the core is complete, but some pages could not be read: they hold zeros\n"
		"     and are listed in the GUESTCORE notes\n"
		"  4  the core is complete, but the guest the source paused could not be\n"
		"     resumed: the message says how to resume it by hand\n"
		"  5  failure as for 1, and the guest the source paused could not be resumed\n");
}

int cmd_dump(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "notes", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "compress", required_argument, NULL, 'z' },
		{ "strict", no_argument, NULL, 'S' },
		{ "digest", no_argument, NULL, 'D' },
		{ "elf-class", required_argument, NULL, 'c' },
		{ "copy", required_argument, NULL, 'C' },
		{ "source-notes", required_argument, NULL, 'N' },
		{ "progress", optional_argument, NULL, 'p' },
		{ "vmcoreinfo", required_argument, NULL, 'V' },
		{ "vaddr", required_argument, NULL, 'A' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct guestcore_dump_opts o = { .sz = sizeof(o) };
	struct guestcore_dump_result res = { .sz = sizeof(res) };
	struct progress prog = { .mode = PROGRESS_AUTO };
	struct guestcore_host *host = NULL;
	struct guestcore_layouts *layouts = NULL;
	const char **sets = NULL;
	char msg[1024];
	int c, r;

	bool compress_given = false;

	while ((c = getopt_long(argc, argv, "s:n:o:fF:z:P:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.source = optarg;
			break;
		case 'n':
			free(sets);
			sets = NULL;
			if (!split_sets(optarg, &sets)) {
				cli_error("dump: --notes needs at least one note set, for example vbox,qemu");
				return GC_EXIT_USAGE;
			}
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'f':
			o.force = true;
			break;
		case 'S':
			o.strict = true;
			break;
		case 'F':
			if (strcmp(optarg, "elf") == 0)
				o.format = GUESTCORE_FORMAT_ELF;
			else if (strcmp(optarg, "kdump") == 0)
				o.format = GUESTCORE_FORMAT_KDUMP;
			else {
				cli_error("dump: --format takes elf or kdump");
				free(sets);
				return GC_EXIT_USAGE;
			}
			break;
		case 'z':
			if (!parse_compress(optarg, &o)) {
				cli_error("dump: --compress takes zstd[:LEVEL], zlib[:LEVEL], lzo, snappy or none");
				free(sets);
				return GC_EXIT_USAGE;
			}
			compress_given = true;
			break;
		case 'D':
			o.digest = true;
			break;
		case 'c':
			if (strcmp(optarg, "32") == 0)
				o.elf_class = 32;
			else if (strcmp(optarg, "64") == 0)
				o.elf_class = 64;
			else {
				cli_error("dump: --elf-class takes 32 or 64");
				free(sets);
				return GC_EXIT_USAGE;
			}
			break;
		case 'C':
			if (strcmp(optarg, "auto") == 0)
				o.copy_mode = GUESTCORE_COPY_AUTO;
			else if (strcmp(optarg, "read") == 0)
				o.copy_mode = GUESTCORE_COPY_READ;
			else if (strcmp(optarg, "dense") == 0)
				o.copy_mode = GUESTCORE_COPY_DENSE;
			else {
				cli_error("dump: --copy takes auto, read or dense");
				free(sets);
				return GC_EXIT_USAGE;
			}
			break;
		case 'N':
			if (strcmp(optarg, "keep") == 0 || strcmp(optarg, "drop") == 0) {
				o.drop_source_notes = strcmp(optarg, "drop") == 0;
			} else {
				cli_error("dump: --source-notes takes keep or drop");
				free(sets);
				return GC_EXIT_USAGE;
			}
			break;
		case 'V': {
			static const char *const where[] = {
				[GUESTCORE_VMCOREINFO_AUTO] = "auto", [GUESTCORE_VMCOREINFO_SOURCE] = "source",
				[GUESTCORE_VMCOREINFO_MEMORY] = "memory", [GUESTCORE_VMCOREINFO_NONE] = "none",
			};
			o.vmcoreinfo = GUESTCORE_VMCOREINFO_FILE;
			o.vmcoreinfo_file = optarg;
			for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
				if (where[i] && strcmp(optarg, where[i]) == 0) {
					o.vmcoreinfo = (int)i;
					o.vmcoreinfo_file = NULL;
				}
			if (!*optarg) {
				cli_error("dump: --vmcoreinfo takes auto, source, memory, none or a file");
				free(sets);
				return GC_EXIT_USAGE;
			}
			break;
		}
		case 'A':
			if (strcmp(optarg, "kernel") != 0 && strcmp(optarg, "paddr") != 0) {
				cli_error("dump: --vaddr takes kernel or paddr");
				free(sets);
				return GC_EXIT_USAGE;
			}
			o.no_kernel_vaddr = strcmp(optarg, "paddr") == 0;
			break;
		case 'p':
			if (!optarg || strcmp(optarg, "bar") == 0)
				prog.mode = PROGRESS_BAR;
			else if (strcmp(optarg, "json") == 0)
				prog.mode = PROGRESS_JSON;
			else if (strcmp(optarg, "none") == 0)
				prog.mode = PROGRESS_NONE;
			else {
				cli_error("dump: --progress takes bar, json or none");
				free(sets);
				return GC_EXIT_USAGE;
			}
			break;
		case 'P':
			if (!cli_add_plugin_dir(cli, optarg)) {
				free(sets);
				return GC_EXIT_FAILURE;
			}
			break;
		case 'h':
			dump_usage(stdout);
			free(sets);
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore dump --help' for more information.\n");
			free(sets);
			return GC_EXIT_USAGE;
		}
	}
	if (optind < argc || !o.source || !o.output) {
		if (optind < argc)
			cli_error("dump: unexpected argument '%s'", argv[optind]);
		else
			cli_error("dump: %s is required", !o.source ? "--source" : "-o OUT");
		fprintf(stderr, "Try 'guestcore dump --help' for more information.\n");
		free(sets);
		return GC_EXIT_USAGE;
	}
	if (compress_given && o.format != GUESTCORE_FORMAT_KDUMP) {
		cli_error("dump: --compress is for --format kdump (an ELF core is not compressed)");
		free(sets);
		return GC_EXIT_USAGE;
	}
	o.note_sets = sets;
	if (prog.mode == PROGRESS_AUTO)
		prog.mode = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_NONE;
	if (prog.mode != PROGRESS_NONE) {
		o.progress = on_progress;
		o.progress_userdata = &prog;
		clock_gettime(CLOCK_MONOTONIC, &prog.start);
		prog.last = prog.start;
	}

	/* Refuse a bad output before any plugin runs or a guest is paused. */
	if (!check_output(&o)) {
		free(sets);
		return GC_EXIT_FAILURE;
	}
	r = cli_open_host(cli, true, &host);
	if (r == GC_EXIT_OK)
		r = cli_open_layouts(cli, host, &layouts);
	if (r != GC_EXIT_OK) {
		guestcore_host_free(host);
		free(sets);
		return r;
	}

	/* Interrupts stop the dump; the library cleans up and resumes the guest
	 * (a file size limit fails a write with EFBIG: main() ignores SIGXFSZ). */
	o.cancel = &cli_interrupted;
	cli_catch_signals(true);
	r = guestcore_dump(host, layouts, &o, &res, msg, sizeof(msg));
	cli_catch_signals(false);
	if (prog.drew)
		fputc('\n', cli_raw_stderr);

	if (r < 0) {
		cli_error("dump: %s", msg);
		r = res.not_resumed ? GC_EXIT_FAILED_NOT_RESUMED : GC_EXIT_FAILURE;
	} else {
		char mem[32], disk[32];
		struct stat st;

		human(res.memory_bytes, mem, sizeof(mem));
		if (stat(o.output, &st) == 0)
			human((uint64_t)st.st_blocks * 512, disk, sizeof(disk));
		else
			snprintf(disk, sizeof(disk), "?");
		if (res.format == GUESTCORE_FORMAT_KDUMP)
			printf("%s: kdump-compressed %s core (%s), %u vCPUs, %" PRIu64 " ranges, %s of memory, %"
			       PRIu64 " notes, %s on disk\n", o.output,
			       cli_machine_name(res.e_machine) ? cli_machine_name(res.e_machine) : "guest",
			       compress_name(o.compression), res.cpu_count, res.ranges, mem, res.notes, disk);
		else
			printf("%s: ELF%d %s core, %u vCPUs, %" PRIu64 " segments, %s of memory, %" PRIu64
			       " notes, %s on disk\n", o.output, res.elf_class,
			       cli_machine_name(res.e_machine) ? cli_machine_name(res.e_machine) : "guest",
			       res.cpu_count, res.ranges, mem, res.notes, disk);
		if (res.unreadable_ranges)
			cli_warning("%" PRIu64 " bytes in %" PRIu64 " ranges could not be read: they hold zeros and "
				    "are listed in the GUESTCORE notes (--strict makes this a failure)",
				    res.unreadable_bytes, res.unreadable_ranges);
		if (fflush(stdout) != 0) {
			r = GC_EXIT_FAILURE;
		} else if (r == GUESTCORE_DUMP_NOT_RESUMED) {
			/* The core is complete; the guest is not running. */
			cli_error("dump: %s", msg);
			r = GC_EXIT_NOT_RESUMED;
		} else {
			r = r == GUESTCORE_DUMP_PARTIAL ? GC_EXIT_PARTIAL : GC_EXIT_OK;
		}
	}
	guestcore_layouts_free(layouts);
	guestcore_host_free(host);
	free(sets);
	return r;
}

/* A saved state (a libvirt save image, a QEMU migration stream, plain or
 * compressed as a whole by gzip, bzip2, xz, lzop or zstd) rather than a
 * core: the savefile source reads it.  Only the magic is looked at here;
 * the file is the source's to parse (and to refuse). */
bool cli_saved_state(const char *path)
{
	static const struct {
		size_t len;
		const char *magic;
	} magics[] = {
		{ 12, "LibvirtQemud" }, { 4, "QEVM" }, { 2, "\x1f\x8b" }, { 3, "BZh" },
		{ 6, "\xfd" "7zXZ\0" }, { 4, "\x89LZO" }, { 4, "\x28\xb5\x2f\xfd" },
	};
	char head[12];
	struct stat st;
	/* not waiting on a FIFO: what is not a regular file is elfcore's to refuse */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, sizeof(head)) : -1;

	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= (ssize_t)magics[i].len && memcmp(head, magics[i].magic, magics[i].len) == 0)
			return true;
	return false;
}

int cmd_convert(struct cli *cli, int argc, char **argv)
{
	char **args;
	char *source;
	const char *in = NULL;
	int n = 0, r;

	/* guestcore convert IN -o OUT [dump options]: dump with elfcore:IN. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("Usage: guestcore convert IN -o OUT [--notes SETS] [DUMP OPTION]...\n"
			       "Rewrite the guest core IN with other note sets: its segments become the\n"
			       "ranges (ascending, whatever IN's order), its register notes (VBCPU, QEMU,\n"
			       "NT_PRSTATUS) the registers; its notes no layout describes (VMCOREINFO,\n"
			       "any note guestcore does not know) are kept unless --source-notes=drop.\n"
			       "IN is an ELF core or a kdump-compressed file (plain or flattened), or a\n"
			       "saved state: a libvirt save image (virsh save, managedsave, a memory\n"
			       "snapshot; any compression) or a QEMU migration stream in a file (what\n"
			       "virsh dump writes without --memory-only).\n"
			       "'guestcore dump --source elfcore:IN' (savefile:IN) does the same; every dump option\n"
			       "applies (see 'guestcore dump --help'), --format kdump included.\n"
			       "  guestcore convert qemu.core -o vbox.core --notes vbox\n"
			       "  guestcore convert vbox.core -o qemu.core --notes qemu\n"
			       "  guestcore convert /var/lib/libvirt/qemu/save/web.save -o web.core\n");
			return GC_EXIT_OK;
		}
		if (argv[i][0] != '-' && !in && (i == 1 || argv[i - 1][0] != '-' ||
						 strchr(argv[i - 1], '=') || strcmp(argv[i - 1], "-f") == 0 ||
						 strcmp(argv[i - 1], "--force") == 0 || strcmp(argv[i - 1], "--strict") == 0 ||
						 strcmp(argv[i - 1], "--digest") == 0 || strcmp(argv[i - 1], "--progress") == 0)) {
			in = argv[i];
			continue;
		}
	}
	if (!in) {
		cli_error("convert: give the core to convert");
		fprintf(stderr, "Try 'guestcore convert --help' for more information.\n");
		return GC_EXIT_USAGE;
	}
	if (asprintf(&source, "%s:%s", cli_saved_state(in) ? "savefile" : "elfcore", in) < 0)
		return GC_EXIT_FAILURE;
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args) {
		free(source);
		return GC_EXIT_FAILURE;
	}
	args[n++] = (char *)"convert";
	args[n++] = (char *)"--source";
	args[n++] = source;
	for (int i = 1; i < argc; i++)
		if (argv[i] != in)
			args[n++] = argv[i];
	optind = 0;
	r = cmd_dump(cli, n, args);
	free(args);
	free(source);
	return r;
}
