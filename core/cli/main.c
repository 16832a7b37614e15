/* guestcore: the command-line tool.  Parses the global options and hands the
 * rest of the command line to the subcommand. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "dump", cmd_dump, "write a guest core (guestcore dump --help)" },
	{ "convert", cmd_convert, "rewrite a core with other note sets (VirtualBox <-> QEMU)" },
	{ "inspect", cmd_inspect, "print a core's header, segments and decoded notes" },
	{ "validate", cmd_validate, "check a core against its format and its readers" },
	{ "read", cmd_read, "write guest-physical bytes of a core" },
	{ "extract", cmd_extract, "write a core's memory as a raw image and map" },
	{ "plugin-check", cmd_plugin_check, "exercise a plugin in a child process" },
	{ "plugins", cmd_plugins, "list the plugins found and why any was refused" },
	{ "schema", cmd_schema, "list, show and check note layouts" },
};

static void cli_free(struct cli *cli)
{
	free(cli->plugin_dirs);
	free(cli->schema_dirs);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: guestcore [OPTION]... COMMAND [ARG]...\n"
		"Write and check core dumps of virtual machine guests.\n"
		"\n"
		"Options:\n"
		"  -P, --plugin-path=DIR  search DIR for plugins before the default places\n"
		"                         (repeatable; searched in the order given)\n"
		"  -S, --schema-dir=DIR   also load the note layouts of DIR (repeatable)\n"
		"  -v, --verbose          say more (twice: debug messages)\n"
		"  -h, --help             display this help and exit\n"
		"  -V, --version          output version information and exit\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-22s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Run 'guestcore COMMAND --help' for the options of a command.\n"
		"\n"
		"Plugins are searched in --plugin-path directories, then the colon-separated\n"
		"directories of GUESTCORE_PLUGIN_PATH (ignored in set-user-ID programs), then\n"
		"%s.  A plugin's own note layouts sit beside it (foo.xml next\n"
		"to foo.so).  GUESTCORE_SCHEMA_DIR replaces the directory of the bundled layouts.\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  failure (a refused plugin, an unreadable or invalid input, an I/O error)\n"
		"  2  usage error\n"
		"  3  complete, with unreadable pages (dump)\n"
		"  4  complete, but the guest the source paused could not be resumed (dump)\n"
		"  5  failed, and the guest the source paused could not be resumed (dump)\n",
		guestcore_installed_plugin_dir());
}

static void version(void)
{
	printf("guestcore (%s) %s\n"
	       "plugin ABI %u.%u\n"
	       "Copyright (C) 2026 the guestcore authors.\n"
	       "License MIT: <https://spdx.org/licenses/MIT.html>.\n"
	       "This is free software: you are free to change and redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n",
	       PACKAGE_NAME, guestcore_version(),
	       GUESTCORE_PLUGIN_ABI_GET_MAJOR(guestcore_plugin_abi_version()),
	       GUESTCORE_PLUGIN_ABI_GET_MINOR(guestcore_plugin_abi_version()));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "schema-dir", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .prog = "guestcore" };
	const char *name;
	int c, r;

	/* A file size limit (ulimit -f) fails the write that reaches it with
	 * EFBIG, which every command that writes a file reports with its
	 * remedy and the old output kept, instead of killing the process. */
	signal(SIGXFSZ, SIG_IGN);
	/* What a file or a guest says is printed escaped, by every command. */
	cli_escape_output();
	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+P:S:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (!cli_add_plugin_dir(&cli, optarg)) {
				cli_error("out of memory");
				return GC_EXIT_FAILURE;
			}
			break;
		case 'S': {
			char **v = reallocarray(cli.schema_dirs, cli.n_schema_dirs + 1, sizeof(*v));
			if (!v) {
				cli_error("out of memory");
				return GC_EXIT_FAILURE;
			}
			cli.schema_dirs = v;
			cli.schema_dirs[cli.n_schema_dirs++] = optarg;
			break;
		}
		case 'v':
			cli.verbose++;
			break;
		case 'h':
			usage(stdout);
			cli_free(&cli);
			return GC_EXIT_OK;
		case 'V':
			version();
			cli_free(&cli);
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore --help' for more information.\n");
			cli_free(&cli);
			return GC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("missing command");
		fprintf(stderr, "Try 'guestcore --help' for more information.\n");
		cli_free(&cli);
		return GC_EXIT_USAGE;
	}
	name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;

			/* The subcommand parses its own options from its name on;
			 * optind = 0 makes glibc's getopt start afresh. */
			optind = 0;
			r = commands[i].run(&cli, sub_argc, sub_argv);
			cli_free(&cli);
			return r;
		}
	}
	cli_error("unknown command '%s'", name);
	fprintf(stderr, "Try 'guestcore --help' for the list of commands.\n");
	cli_free(&cli);
	return GC_EXIT_USAGE;
}
