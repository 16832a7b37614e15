/* guestcore schema list|show|check: the note layouts this guestcore knows,
 * one layout as an offset table, and checking a third party's layout file. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

/* A layout's machine: 0 is any. */
static const char *machine_name(uint16_t em)
{
	return em == 0 ? "any" : cli_machine_name(em) ? cli_machine_name(em) : "?";
}

static const char *repeat_name(uint32_t r)
{
	switch (r) {
	case GUESTCORE_REPEAT_ONCE: return "once";
	case GUESTCORE_REPEAT_PER_CPU: return "per-cpu";
	case GUESTCORE_REPEAT_PER_LOAD: return "per-load";
	case GUESTCORE_REPEAT_PER_UNREADABLE: return "per-unreadable";
	}
	return "?";
}

static const char *type_name(uint32_t t)
{
	static const char *const names[] = {
		[GUESTCORE_FIELD_U8] = "u8",     [GUESTCORE_FIELD_U16] = "u16",
		[GUESTCORE_FIELD_U32] = "u32",   [GUESTCORE_FIELD_U64] = "u64",
		[GUESTCORE_FIELD_S8] = "s8",     [GUESTCORE_FIELD_S16] = "s16",
		[GUESTCORE_FIELD_S32] = "s32",   [GUESTCORE_FIELD_S64] = "s64",
		[GUESTCORE_FIELD_BYTES] = "bytes", [GUESTCORE_FIELD_STRING] = "string",
		[GUESTCORE_FIELD_PAD] = "pad",   [GUESTCORE_FIELD_RESERVED] = "reserved",
	};
	return t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "?";
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int schema_list(struct guestcore_layouts *set, bool json)
{
	size_t n = guestcore_layouts_count(set);

	if (json) {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			struct guestcore_layout_info li = { .sz = sizeof(li) };
			json_object *o = json_object_new_object();
			guestcore_note_layout_info(guestcore_layouts_at(set, i), &li);
			json_object_object_add(o, "id", json_object_new_string(li.id));
			json_object_object_add(o, "family", json_object_new_string(li.family ? li.family : ""));
			json_object_object_add(o, "note_name", json_object_new_string(li.note_name));
			json_object_object_add(o, "n_type", json_object_new_int64(li.n_type));
			json_object_object_add(o, "machine", json_object_new_string(machine_name(li.e_machine)));
			json_object_object_add(o, "repeat", json_object_new_string(repeat_name(li.repeat)));
			json_object_object_add(o, "name_format",
					       json_object_new_string(li.name_format == GUESTCORE_NAME_VBOX ? "vbox" : "elf"));
			json_object_object_add(o, "size", json_object_new_int64((int64_t)li.size));
			json_object_object_add(o, "min_size", json_object_new_int64((int64_t)li.min_size));
			json_object_object_add(o, "file", json_object_new_string(li.file));
			json_object_array_add(arr, o);
		}
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
		return GC_EXIT_OK;
	}
	printf("%-26s %-10s %-10s %-7s %-14s %6s  %s\n", "ID", "NOTE", "TYPE", "MACHINE", "REPEAT", "SIZE", "FILE");
	for (size_t i = 0; i < n; i++) {
		struct guestcore_layout_info li = { .sz = sizeof(li) };
		char size[32];

		guestcore_note_layout_info(guestcore_layouts_at(set, i), &li);
		if (li.min_size != li.size)
			snprintf(size, sizeof(size), "%" PRIu64 "-%" PRIu64, li.min_size, li.size);
		else
			snprintf(size, sizeof(size), "%" PRIu64, li.size);
		printf("%-26s %-10s 0x%-8x %-7s %-14s %6s  %s\n", li.id, li.note_name, li.n_type,
		       machine_name(li.e_machine), repeat_name(li.repeat), size, basename_of(li.file));
	}
	return GC_EXIT_OK;
}

static void value_text(const struct guestcore_field_info *fi, char *buf, size_t bufsz)
{
	switch (fi->value_kind) {
	case GUESTCORE_VALUE_CONST:
		if (fi->const_string)
			snprintf(buf, bufsz, "= \"%s\"", fi->const_string);
		else
			snprintf(buf, bufsz, "= 0x%" PRIx64, fi->const_value);
		break;
	case GUESTCORE_VALUE_SIZEOF:
		snprintf(buf, bufsz, "= size of the note");
		break;
	case GUESTCORE_VALUE_BIND:
		snprintf(buf, bufsz, "<- %s", fi->binding);
		break;
	default:
		snprintf(buf, bufsz, "%s", fi->type == GUESTCORE_FIELD_PAD || fi->type == GUESTCORE_FIELD_RESERVED ? "(zero)" : "");
	}
}

static int schema_show(const struct guestcore_note_layout *nl)
{
	struct guestcore_layout_info li = { .sz = sizeof(li) };

	guestcore_note_layout_info(nl, &li);
	printf("note %s: \"%s\" type 0x%x, %s name format, descriptor aligned to %u, %s, machine %s\n",
	       li.id, li.note_name, li.n_type, li.name_format == GUESTCORE_NAME_VBOX ? "VirtualBox" : "ELF",
	       li.desc_align, repeat_name(li.repeat), machine_name(li.e_machine));
	if (li.doc)
		printf("/* %s */\n", li.doc);
	printf("/* from %s */\n", li.file);
	printf("%8s %6s  %-8s %-28s %s\n", "OFFSET", "SIZE", "TYPE", "FIELD", "VALUE");
	for (size_t i = 0; i < li.field_count; i++) {
		struct guestcore_field_info fi = { .sz = sizeof(fi) };
		char val[160], extra[96] = "";

		guestcore_note_layout_field(nl, i, &fi);
		value_text(&fi, val, sizeof(val));
		if (fi.enum_name)
			snprintf(extra, sizeof(extra), " enum %s", fi.enum_name);
		else if (fi.flags_name)
			snprintf(extra, sizeof(extra), " flags %s", fi.flags_name);
		printf("  0x%04" PRIx64 " %6" PRIu64 "  %-8s %-28s %s%s%s\n", fi.offset, fi.size, type_name(fi.type),
		       fi.path, val, extra, fi.optional ? " (optional)" : "");
	}
	if (li.min_size != li.size)
		printf("/* size: %" PRIu64 " (0x%" PRIx64 "), at least %" PRIu64 " */\n", li.size, li.size, li.min_size);
	else
		printf("/* size: %" PRIu64 " (0x%" PRIx64 ") */\n", li.size, li.size);
	return GC_EXIT_OK;
}

static int schema_check(struct guestcore_layouts *set, int n, char **files)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		size_t before = guestcore_layouts_count(set);
		int r = guestcore_layouts_load_file(set, files[i], cli_layout_diag, NULL);

		if (r < 0) {
			bad++;
			continue;
		}
		printf("%s: ok:", files[i]);
		for (size_t k = before; k < guestcore_layouts_count(set); k++) {
			struct guestcore_layout_info li = { .sz = sizeof(li) };
			guestcore_note_layout_info(guestcore_layouts_at(set, k), &li);
			printf(" %s (%" PRIu64 " bytes)", li.id, li.size);
		}
		printf("\n");
	}
	return bad ? GC_EXIT_FAILURE : GC_EXIT_OK;
}

static void schema_usage(FILE *out)
{
	fprintf(out, "Usage: guestcore schema list [--json]\n"
		     "       guestcore schema show ID\n"
		     "       guestcore schema check FILE...\n"
		     "List the note layouts guestcore knows, show one as an offset table, or check\n"
		     "layout files (XSD validation, then offsets, sizes, references and bindings;\n"
		     "each problem as FILE:LINE:COLUMN: error: ...).\n"
		     "\n"
		     "      --json   list as JSON\n"
		     "  -h, --help   display this help and exit\n"
		     "\n"
		     "Exit status: 0 success, 1 an invalid layout or unknown ID, 2 usage error.\n");
}

int cmd_schema(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct guestcore_layouts *set = NULL;
	const char *action;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = cli_output_json = true;
			break;
		case 'h':
			schema_usage(stdout);
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore schema --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("schema: missing action: list, show or check");
		return GC_EXIT_USAGE;
	}
	action = argv[optind++];
	if (strcmp(action, "list") == 0) {
		if (optind != argc) {
			cli_error("schema list: unexpected argument '%s'", argv[optind]);
			return GC_EXIT_USAGE;
		}
	} else if (strcmp(action, "show") == 0) {
		if (argc - optind != 1) {
			cli_error("schema show: give one layout ID (see 'guestcore schema list')");
			return GC_EXIT_USAGE;
		}
	} else if (strcmp(action, "check") == 0) {
		if (optind >= argc) {
			cli_error("schema check: give at least one layout file");
			return GC_EXIT_USAGE;
		}
	} else {
		cli_error("schema: unknown action '%s': use list, show or check", action);
		return GC_EXIT_USAGE;
	}
	r = cli_open_layouts(cli, NULL, &set);
	if (r != GC_EXIT_OK)
		return r;
	if (strcmp(action, "list") == 0) {
		r = schema_list(set, json);
	} else if (strcmp(action, "show") == 0) {
		const struct guestcore_note_layout *nl = guestcore_layouts_find(set, argv[optind]);
		if (!nl) {
			cli_error("schema show: no layout '%s': 'guestcore schema list' lists them", argv[optind]);
			r = GC_EXIT_FAILURE;
		} else {
			r = schema_show(nl);
		}
	} else {
		r = schema_check(set, argc - optind, argv + optind);
	}
	guestcore_layouts_free(set);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write to standard output");
		return GC_EXIT_FAILURE;
	}
	return r;
}
