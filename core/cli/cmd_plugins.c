/* guestcore plugins [--json]: every plugin found on the search path, with its
 * descriptor or the reason it was refused. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

static const struct {
	uint64_t bit;
	const char *name;
} cap_names[] = {
	{ GUESTCORE_CAP_MEMORY_SOURCE, "memory-source" },
	{ GUESTCORE_CAP_NOTE_PROVIDER, "note-provider" },
};

static void caps_text(uint64_t caps, char *buf, size_t bufsz)
{
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
		if (!(caps & cap_names[i].bit))
			continue;
		if (buf[0])
			strncat(buf, ",", bufsz - strlen(buf) - 1);
		strncat(buf, cap_names[i].name, bufsz - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, bufsz, "-");
}

static void abi_text(uint32_t abi, char *buf, size_t bufsz)
{
	if (abi)
		snprintf(buf, bufsz, "%u.%u", GUESTCORE_PLUGIN_ABI_GET_MAJOR(abi),
			 GUESTCORE_PLUGIN_ABI_GET_MINOR(abi));
	else
		snprintf(buf, bufsz, "-");
}

static int print_json(struct guestcore_host *host)
{
	json_object *root = json_object_new_object();
	json_object *dirs = json_object_new_array();
	json_object *list = json_object_new_array();
	char abi[32];

	abi_text(guestcore_plugin_abi_version(), abi, sizeof(abi));
	json_object_object_add(root, "guestcore_version", json_object_new_string(guestcore_version()));
	json_object_object_add(root, "abi", json_object_new_string(abi));
	for (size_t i = 0; i < guestcore_host_dir_count(host); i++)
		json_object_array_add(dirs, json_object_new_string(guestcore_host_dir_at(host, i)));
	json_object_object_add(root, "search_path", dirs);
	for (size_t i = 0; i < guestcore_host_plugin_count(host); i++) {
		struct guestcore_plugin *p = guestcore_host_plugin_at(host, i);
		json_object *o = json_object_new_object();
		json_object *caps = json_object_new_array();
		uint64_t c = guestcore_plugin_capabilities(p);

		json_object_object_add(o, "path", json_object_new_string(guestcore_plugin_path(p)));
		json_object_object_add(o, "loaded", json_object_new_boolean(guestcore_plugin_loaded(p)));
		/* A refused plugin's name and version are what its descriptor said. */
		if (guestcore_plugin_name(p))
			json_object_object_add(o, "name", json_object_new_string(guestcore_plugin_name(p)));
		if (guestcore_plugin_version(p))
			json_object_object_add(o, "version", json_object_new_string(guestcore_plugin_version(p)));
		if (guestcore_plugin_description(p))
			json_object_object_add(o, "description",
					       json_object_new_string(guestcore_plugin_description(p)));
		if (guestcore_plugin_abi(p)) {
			abi_text(guestcore_plugin_abi(p), abi, sizeof(abi));
			json_object_object_add(o, "abi", json_object_new_string(abi));
		}
		for (size_t k = 0; k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
			if (c & cap_names[k].bit)
				json_object_array_add(caps, json_object_new_string(cap_names[k].name));
		json_object_object_add(o, "capabilities", caps);
		if (guestcore_plugin_layout_file(p))
			json_object_object_add(o, "layouts", json_object_new_string(guestcore_plugin_layout_file(p)));
		if (guestcore_plugin_error(p))
			json_object_object_add(o, "error", json_object_new_string(guestcore_plugin_error(p)));
		if (guestcore_plugin_refusal(p))
			json_object_object_add(o, "reason", json_object_new_string(guestcore_plugin_refusal(p)));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "plugins", list);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

static void print_text(struct guestcore_host *host)
{
	size_t n = guestcore_host_plugin_count(host);
	char caps[64], abi[32];

	printf("search path:\n");
	for (size_t i = 0; i < guestcore_host_dir_count(host); i++)
		printf("  %s\n", guestcore_host_dir_at(host, i));
	if (n == 0) {
		printf("no plugins found\n");
		return;
	}
	printf("%-16s %-10s %-5s %-27s %s\n", "NAME", "VERSION", "ABI", "CAPABILITIES", "PATH");
	for (size_t i = 0; i < n; i++) {
		struct guestcore_plugin *p = guestcore_host_plugin_at(host, i);
		const char *name = guestcore_plugin_name(p);

		caps_text(guestcore_plugin_capabilities(p), caps, sizeof(caps));
		abi_text(guestcore_plugin_abi(p), abi, sizeof(abi));
		printf("%-16s %-10s %-5s %-27s %s\n", name ? name : "-",
		       name && guestcore_plugin_version(p) ? guestcore_plugin_version(p) : "-", abi,
		       guestcore_plugin_loaded(p) ? caps : "-", guestcore_plugin_path(p));
		if (guestcore_plugin_loaded(p)) {
			printf("  %s\n", guestcore_plugin_description(p));
			if (guestcore_plugin_layout_file(p))
				printf("  layouts: %s\n", guestcore_plugin_layout_file(p));
		} else
			printf("  refused: %s\n", guestcore_plugin_error(p));
	}
}

static void plugins_usage(FILE *out)
{
	fprintf(out, "Usage: guestcore [-P DIR]... plugins [--json] [--plugin-path=DIR]...\n"
		     "List every plugin on the search path: path, name, version, ABI and\n"
		     "capabilities, or the reason it was refused.\n"
		     "\n"
		     "  -P, --plugin-path=DIR  search DIR first (repeatable)\n"
		     "      --json             print one JSON document\n"
		     "  -h, --help             display this help and exit\n"
		     "\n"
		     "Exit status: 0 when every plugin found loaded, 1 when any was refused,\n"
		     "2 on a usage error.\n");
}

int cmd_plugins(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct guestcore_host *host = NULL;
	bool json = false;
	int c, r, refused = 0;

	while ((c = getopt_long(argc, argv, "P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = cli_output_json = true;
			break;
		case 'P':
			if (!cli_add_plugin_dir(cli, optarg))
				return GC_EXIT_FAILURE;
			break;
		case 'h':
			plugins_usage(stdout);
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore plugins --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("plugins: unexpected argument '%s'", argv[optind]);
		return GC_EXIT_USAGE;
	}
	r = cli_open_host(cli, false, &host);
	if (r != GC_EXIT_OK)
		return r;
	for (size_t i = 0; i < guestcore_host_plugin_count(host); i++)
		if (!guestcore_plugin_loaded(guestcore_host_plugin_at(host, i)))
			refused++;
	if (json)
		print_json(host);
	else
		print_text(host);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write the listing to standard output");
		guestcore_host_free(host);
		return GC_EXIT_FAILURE;
	}
	guestcore_host_free(host);
	return refused ? GC_EXIT_FAILURE : GC_EXIT_OK;
}
