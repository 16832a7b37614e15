/* guestcore inspect, validate, read and extract: reading any ELF core
 * through libguestcore's reader and the note layouts. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "outfile.h"

/* A core's machine: EM_NONE is none. */
static const char *machine_name(uint16_t em)
{
	return em == EM_NONE ? "none" : cli_machine_name(em) ? cli_machine_name(em) : "other";
}

static const char *seg_type(uint32_t t)
{
	switch (t) {
	case PT_NULL: return "NULL";
	case PT_LOAD: return "LOAD";
	case PT_NOTE: return "NOTE";
	case PT_DYNAMIC: return "DYNAMIC";
	case PT_INTERP: return "INTERP";
	case PT_PHDR: return "PHDR";
	}
	return "OTHER";
}

static bool process_core;

static const char *seg_kind(const struct guestcore_segment *s)
{
	if (s->type != PT_LOAD)
		return "";
	if (process_core)
		return s->filesz ? "mapping" : "not dumped";
	if (s->filesz == 0)
		return "mmio";
	if ((s->flags & (PF_R | PF_W | PF_X)) == (PF_R | PF_X))
		return "rom";
	return "ram";
}

/* Open a core for the reading commands: exit status 2 when unreadable. */
static int open_core(struct cli *cli, const char *path, struct guestcore_layouts **ret_layouts,
		     struct guestcore_core **ret_core)
{
	char msg[512];
	int r = cli_open_layouts(cli, NULL, ret_layouts);

	if (r != GC_EXIT_OK)
		return r;
	r = guestcore_core_open(path, *ret_layouts, ret_core, msg, sizeof(msg));
	if (r < 0) {
		cli_error("%s: %s: give a readable core file (ELF or kdump-compressed)", path, msg);
		guestcore_layouts_free(*ret_layouts);
		*ret_layouts = NULL;
		return 2;
	}
	return GC_EXIT_OK;
}

/* A number with an optional K, M, G or T suffix (powers of 1024); false
 * when it is not one or does not fit 64 bits. */
static bool parse_num(const char *s, uint64_t *ret)
{
	static const char suffixes[] = "KMGT";
	const char *sfx;
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (*end == 'k')
		end = (char *)"K";
	if (*end && (sfx = strchr(suffixes, *end)) && !end[1]) {
		unsigned shift = 10u * (unsigned)(sfx - suffixes + 1);
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
		end++;
	}
	if (*end)
		return false;
	*ret = v;
	return true;
}

/* ---- inspect ------------------------------------------------------------------ */

struct field_out {
	const struct guestcore_note_layout *nl;
	json_object *arr;
	const char *unknown; /* this vCPU's line of the "unknown registers" note, or NULL */
};

/* The GUESTCORE note listing, per vCPU, the registers the source could not
 * give (written as zeros): "vCPU N: reg.a reg.b" lines. */
#define NOTE_UNKNOWN_REGISTERS 0x47430004u

/* The line of the "unknown registers" note for vCPU CPU, or NULL. */
static const char *unknown_line(const char *text, size_t len, uint64_t cpu)
{
	char head[40];
	size_t hl = (size_t)snprintf(head, sizeof(head), "vCPU %" PRIu64 ":", cpu);

	for (const char *t = text, *end = text + len; t < end;) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);
		if (l > hl && memcmp(t, head, hl) == 0)
			return t + hl;
		t += l + 1;
	}
	return NULL;
}

/* True when BINDING is on LINE (up to its end of line). */
static bool line_has(const char *line, const char *binding)
{
	size_t bl = strlen(binding);
	const char *end = strchr(line, '\n');

	for (const char *p = line; (p = strstr(p, binding)) && (!end || p < end); p += bl)
		if (p[-1] == ' ' && (p[bl] == ' ' || p[bl] == '\n' || p[bl] == '\0'))
			return true;
	return false;
}

static void value_string(const struct guestcore_note_layout *nl, const struct guestcore_field_info *fi,
			 const struct guestcore_field_value *v, char *buf, size_t sz)
{
	if (fi->type == GUESTCORE_FIELD_STRING) {
		size_t n = strnlen(v->bytes, v->len);
		snprintf(buf, sz, "\"%.*s\"", (int)n, (const char *)v->bytes);
		for (char *p = buf + 1; *p && p[1]; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
	} else if (fi->type == GUESTCORE_FIELD_BYTES || (fi->type == GUESTCORE_FIELD_RESERVED && fi->size > 8)) {
		size_t len = 0, all_zero = 1;
		for (size_t i = 0; i < v->len; i++)
			all_zero = all_zero && ((const unsigned char *)v->bytes)[i] == 0;
		len += (size_t)snprintf(buf, sz, "%zu bytes%s", v->len, all_zero ? ", all zero" : ":");
		for (size_t i = 0; !all_zero && i < v->len && i < 16 && len + 4 < sz; i++)
			len += (size_t)snprintf(buf + len, sz - len, " %02x", ((const unsigned char *)v->bytes)[i]);
		if (!all_zero && v->len > 16 && len + 5 < sz)
			snprintf(buf + len, sz - len, " ...");
	} else if (fi->type >= GUESTCORE_FIELD_S8 && fi->type <= GUESTCORE_FIELD_S64) {
		snprintf(buf, sz, "%" PRId64, v->s);
	} else {
		char flags[256];
		size_t n = guestcore_note_layout_flags_text(nl, fi, v->u, flags, sizeof(flags));
		if (v->enum_value)
			snprintf(buf, sz, "0x%" PRIx64 " (%s)", v->u, v->enum_value);
		else if (n)
			snprintf(buf, sz, "0x%" PRIx64 " (%s)", v->u, flags);
		else
			snprintf(buf, sz, "0x%" PRIx64, v->u);
	}
}

static int print_field(void *ud, const struct guestcore_field_info *fi, const struct guestcore_field_value *v)
{
	struct field_out *fo = ud;
	char val[512];

	value_string(fo->nl, fi, v, val, sizeof(val));
	if (fo->unknown && fi->binding && line_has(fo->unknown, fi->binding))
		strncat(val, " (unknown: the source could not give it)", sizeof(val) - strlen(val) - 1);
	if (fo->arr) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "field", json_object_new_string(fi->path));
		json_object_object_add(o, "offset", json_object_new_int64((int64_t)fi->offset));
		if (fi->type <= GUESTCORE_FIELD_S64 || (fi->type == GUESTCORE_FIELD_RESERVED && fi->size <= 8)) {
			if (fi->type >= GUESTCORE_FIELD_S8 && fi->type <= GUESTCORE_FIELD_S64)
				json_object_object_add(o, "value", json_object_new_int64(v->s));
			else
				json_object_object_add(o, "value", json_object_new_uint64(v->u));
		}
		json_object_object_add(o, "text", json_object_new_string(val));
		json_object_array_add(fo->arr, o);
	} else {
		printf("      %-24s %s\n", fi->path, val);
	}
	return 0;
}

static void hex_preview(const unsigned char *p, size_t n, char *buf, size_t sz)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 32 && len + 4 < sz; i++)
		len += (size_t)snprintf(buf + len, sz - len, "%s%02x", i ? " " : "", p[i]);
	if (n > 32 && len + 5 < sz)
		snprintf(buf + len, sz - len, " ...");
}

/* True when a descriptor is text (VMCOREINFO's KEY=VALUE lines): printable
 * ASCII, tabs and newlines, NULs only at its end. */
static bool is_text(const unsigned char *p, size_t n)
{
	while (n > 0 && p[n - 1] == '\0')
		n--;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\n' && p[i] != '\t')
			return false;
	return true;
}

static const char *kd_status_name(uint32_t status)
{
	switch (status & 0x27u) {
	case 0: return "pages stored as they are";
	case 0x1: return "zlib";
	case 0x2: return "lzo";
	case 0x4: return "snappy";
	case 0x20: return "zstd";
	default: return "several compressions";
	}
}

static void kdump_print(const char *path, const struct guestcore_core_info *info,
			const struct guestcore_kdump_info *kd)
{
	printf("%s: kdump-compressed%s %s-endian core, machine %s (%u), header version %u, block size %u\n", path,
	       kd->flattened ? " (flattened)" : "", kd->big_endian ? "big" : "little", machine_name(info->e_machine),
	       info->e_machine, kd->header_version, kd->block_size);
	printf("  utsname: sysname \"%s\" nodename \"%s\" release \"%s\" version \"%s\" machine \"%s\"\n",
	       kd->utsname[0], kd->utsname[1], kd->utsname[2], kd->utsname[3], kd->utsname[4]);
	printf("  timestamp %" PRIu64 ".%06" PRIu64 ", %d CPUs, status 0x%x (%s%s), %zu notes, %" PRIu64
	       " bytes\n", kd->timestamp_sec, kd->timestamp_usec, kd->nr_cpus, kd->status, kd_status_name(kd->status),
	       kd->status & 0x8u ? ", incomplete" : "", info->notes, info->file_size);
	printf("  sub header: phys_base 0x%" PRIx64 ", dump_level %d, notes 0x%" PRIx64 " bytes at 0x%" PRIx64
	       ", VMCOREINFO 0x%" PRIx64 " bytes at 0x%" PRIx64 "\n", kd->phys_base, kd->dump_level, kd->size_note,
	       kd->offset_note, kd->size_vmcoreinfo, kd->offset_vmcoreinfo);
	printf("  bitmaps: 0x%" PRIx64 " bytes each at 0x%" PRIx64 ", max_mapnr 0x%" PRIx64 ": %" PRIu64 " page "
	       "frames present, %" PRIu64 " dumped; descriptors at 0x%" PRIx64 "\n", kd->bitmap_len, kd->bitmap_offset,
	       kd->max_mapnr, kd->present_pages, kd->dumped_pages, kd->desc_offset);
}

static json_object *kdump_json(const struct guestcore_kdump_info *kd)
{
	static const char *const uts[6] = { "sysname", "nodename", "release", "version", "machine", "domainname" };
	json_object *o = json_object_new_object(), *u = json_object_new_object();

	for (int i = 0; i < 6; i++)
		json_object_object_add(u, uts[i], json_object_new_string(kd->utsname[i]));
	json_object_object_add(o, "flattened", json_object_new_boolean(kd->flattened));
	json_object_object_add(o, "header_version", json_object_new_int64(kd->header_version));
	json_object_object_add(o, "utsname", u);
	json_object_object_add(o, "timestamp", json_object_new_uint64(kd->timestamp_sec));
	json_object_object_add(o, "status", json_object_new_int64(kd->status));
	json_object_object_add(o, "compression", json_object_new_string(kd_status_name(kd->status)));
	json_object_object_add(o, "block_size", json_object_new_int64(kd->block_size));
	json_object_object_add(o, "sub_hdr_size", json_object_new_int64(kd->sub_hdr_size));
	json_object_object_add(o, "bitmap_blocks", json_object_new_int64(kd->bitmap_blocks));
	json_object_object_add(o, "max_mapnr", json_object_new_uint64(kd->max_mapnr));
	json_object_object_add(o, "nr_cpus", json_object_new_int64(kd->nr_cpus));
	json_object_object_add(o, "phys_base", json_object_new_uint64(kd->phys_base));
	json_object_object_add(o, "dump_level", json_object_new_int64(kd->dump_level));
	json_object_object_add(o, "offset_note", json_object_new_uint64(kd->offset_note));
	json_object_object_add(o, "size_note", json_object_new_uint64(kd->size_note));
	json_object_object_add(o, "offset_vmcoreinfo", json_object_new_uint64(kd->offset_vmcoreinfo));
	json_object_object_add(o, "size_vmcoreinfo", json_object_new_uint64(kd->size_vmcoreinfo));
	json_object_object_add(o, "present_pages", json_object_new_uint64(kd->present_pages));
	json_object_object_add(o, "dumped_pages", json_object_new_uint64(kd->dumped_pages));
	return o;
}

/* inspect --json is written as it goes, one segment or note at a time, so
 * that its memory does not grow with the core: "KEY": O at INDENT spaces
 * (KEY NULL: an element of an array), O freed. */
static void json_emit(const char *key, json_object *o, int indent, bool first)
{
	const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	printf("%s\n%*s", first ? "" : ",", indent, "");
	if (key) {
		json_object *k = json_object_new_string(key);
		printf("%s: ", json_object_to_json_string_ext(k, JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(k);
	}
	for (; t && *t; t++) {
		putchar(*t);
		if (*t == '\n')
			printf("%*s", indent, "");
	}
	json_object_put(o);
}

/* The runs of a kdump file inspect lists unless --all-runs: they come from
 * bits of its bitmap, two bits can make a run, and a listing should not
 * outgrow the file by a factor of hundreds. */
#define INSPECT_KD_RUNS 4096

static int cmd_inspect_run(struct guestcore_core *core, const char *path, bool json, bool all_runs)
{
	struct guestcore_core_info info = { .sz = sizeof(info) };
	const char *unknown_text = NULL;
	uint64_t listed;
	size_t unknown_len = 0, n_seen = 0;
	const struct guestcore_note_layout *seen[64]; /* layouts met so far, and how often */
	uint64_t seen_count[64];

	struct guestcore_kdump_info kd = { .sz = sizeof(kd) };
	bool is_kdump;

	guestcore_core_info(core, &info);
	is_kdump = guestcore_core_kdump_info(core, &kd) == 0;
	process_core = info.virtual_addresses;
	if (json) {
		json_object *h = json_object_new_object();
		printf("{");
		json_emit("file", json_object_new_string(path), 2, true);
		json_object_object_add(h, "class", json_object_new_int(info.elf_class));
		json_object_object_add(h, "byte_order", json_object_new_string(info.big_endian ? "big" : "little"));
		json_object_object_add(h, "type", json_object_new_int(info.e_type));
		json_object_object_add(h, "machine", json_object_new_string(machine_name(info.e_machine)));
		json_object_object_add(h, "e_machine", json_object_new_int(info.e_machine));
		json_object_object_add(h, "ei_version", json_object_new_int(info.ei_version));
		json_object_object_add(h, "e_version", json_object_new_int64(info.e_version));
		json_object_object_add(h, "program_headers", json_object_new_int64((int64_t)info.phnum));
		json_object_object_add(h, "pn_xnum", json_object_new_boolean(info.e_phnum == PN_XNUM));
		json_object_object_add(h, "file_size", json_object_new_int64((int64_t)info.file_size));
		json_object_object_add(h, "virtual_addresses", json_object_new_boolean(info.virtual_addresses));
		json_object_object_add(h, "format", json_object_new_string(is_kdump ? "kdump" : "elf"));
		json_emit("header", h, 2, false);
		if (is_kdump)
			json_emit("kdump", kdump_json(&kd), 2, false);
		printf(",\n  \"segments\": [");
	} else if (is_kdump) {
		kdump_print(path, &info, &kd);
	} else {
		printf("%s: ELF%d %s-endian %s, machine %s (%u), EI_VERSION %u, e_version %u\n", path, info.elf_class,
		       info.big_endian ? "big" : "little", info.e_type == ET_CORE ? "core" : "file (not a core)",
		       machine_name(info.e_machine), info.e_machine, info.ei_version, info.e_version);
		printf("  %" PRIu64 " program headers%s, %zu notes, %" PRIu64 " bytes%s\n", info.phnum,
		       info.e_phnum == PN_XNUM ? " (PN_XNUM)" : "", info.notes, info.file_size,
		       info.virtual_addresses ? "; a process core (virtual addresses)" : "");
	}
	if (!json)
		printf("Segments%s:\n  %5s %-5s %-18s %-18s %-12s %-12s %-12s %-4s %s\n",
		       is_kdump ? " (a PT_NOTE for the notes, a PT_LOAD for each run of page frames)" : "", "#", "TYPE",
		       "PADDR", "VADDR", "OFFSET", "FILESZ", "MEMSZ", "FLG", "KIND");
	listed = is_kdump && !all_runs && info.segments > 1 + INSPECT_KD_RUNS ? 1 + INSPECT_KD_RUNS : info.segments;
	for (size_t i = 0; i < listed; i++) {
		struct guestcore_segment s = { .sz = sizeof(s) };
		char flg[4] = { '-', '-', '-', 0 };

		guestcore_core_segment(core, i, &s);
		if (s.flags & PF_R)
			flg[0] = 'R';
		if (s.flags & PF_W)
			flg[1] = 'W';
		if (s.flags & PF_X)
			flg[2] = 'X';
		if (json) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string(seg_type(s.type)));
			json_object_object_add(o, "paddr", json_object_new_uint64(s.paddr));
			json_object_object_add(o, "vaddr", json_object_new_uint64(s.vaddr));
			json_object_object_add(o, "offset", json_object_new_uint64(s.offset));
			json_object_object_add(o, "filesz", json_object_new_uint64(s.filesz));
			json_object_object_add(o, "memsz", json_object_new_uint64(s.memsz));
			json_object_object_add(o, "flags", json_object_new_string(flg));
			if (s.type == PT_LOAD)
				json_object_object_add(o, "kind", json_object_new_string(seg_kind(&s)));
			json_emit(NULL, o, 4, i == 0);
		} else {
			printf("  %5zu %-5s 0x%016" PRIx64 " 0x%016" PRIx64 " 0x%010" PRIx64 " 0x%010" PRIx64 " 0x%010" PRIx64
			       " %-4s %s\n", i, seg_type(s.type), s.paddr, s.vaddr, s.offset, s.filesz, s.memsz, flg,
			       seg_kind(&s));
		}
	}
	if (json) {
		printf("%s]", listed ? "\n  " : "");
		if (listed < info.segments)
			printf(",\n  \"segments_not_listed\": %" PRIu64, info.segments - listed);
		printf(",\n  \"notes\": [");
	} else {
		if (listed < info.segments)
			printf("  ... and %" PRIu64 " more runs of page frames, not listed (--all-runs lists them)\n",
			       info.segments - listed);
		printf("Notes:\n");
	}
	/* guestcore's list of registers its source could not give, if any. */
	for (size_t i = 0; i < info.notes; i++) {
		struct guestcore_note_ref n = { .sz = sizeof(n) };
		guestcore_core_note(core, i, &n);
		if (n.type == NOTE_UNKNOWN_REGISTERS && strcmp(n.name, "GUESTCORE") == 0) {
			unknown_text = (const char *)n.desc;
			unknown_len = n.descsz;
		}
	}
	for (size_t i = 0; i < info.notes; i++) {
		struct guestcore_note_ref n = { .sz = sizeof(n) };
		struct guestcore_layout_info li = { .sz = sizeof(li) };
		char m[256] = "";
		json_object *o = NULL;
		struct field_out fo = { 0 };

		guestcore_core_note(core, i, &n);
		if (unknown_text && n.layout) {
			/* The K-th note of a layout is vCPU K's. */
			size_t l = 0;
			while (l < n_seen && seen[l] != n.layout)
				l++;
			if (l == n_seen && n_seen < sizeof(seen) / sizeof(seen[0])) {
				seen[n_seen] = n.layout;
				seen_count[n_seen++] = 0;
			}
			if (l < n_seen)
				fo.unknown = unknown_line(unknown_text, unknown_len, seen_count[l]++);
		}
		if (n.layout)
			guestcore_note_layout_info(n.layout, &li);
		if (json) {
			o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(n.name));
			json_object_object_add(o, "type", json_object_new_int64(n.type));
			json_object_object_add(o, "descsz", json_object_new_int64(n.descsz));
			json_object_object_add(o, "offset", json_object_new_uint64(n.offset));
			json_object_object_add(o, "layout", n.layout ? json_object_new_string(li.id) : NULL);
		} else {
			printf("  [%zu] %s type 0x%x, %u bytes at 0x%" PRIx64 ": %s\n", i, n.name, n.type, n.descsz, n.offset,
			       n.layout ? li.id : "no layout");
		}
		if (n.layout) {
			int r;
			fo.nl = n.layout;
			if (json) {
				fo.arr = json_object_new_array();
				json_object_object_add(o, "fields", fo.arr);
			}
			r = guestcore_note_decode(n.layout, n.desc, n.descsz, info.big_endian, print_field, &fo, m, sizeof(m));
			if (r != 0 && m[0]) {
				if (json)
					json_object_object_add(o, "problem", json_object_new_string(m));
				else
					printf("      (%s)\n", m);
			}
		} else if (is_text(n.desc, n.descsz)) {
			/* A text note (VMCOREINFO): its lines, as the guest wrote them. */
			size_t len = strnlen((const char *)n.desc, n.descsz);
			if (json) {
				json_object_object_add(o, "text", json_object_new_string_len((const char *)n.desc, (int)len));
			} else {
				const char *t = (const char *)n.desc, *end = t + len;
				while (t < end) {
					const char *nl = memchr(t, '\n', (size_t)(end - t));
					size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);
					printf("      %.*s\n", (int)l, t);
					t += l + 1;
				}
			}
		} else {
			char hex[160];
			hex_preview(n.desc, n.descsz, hex, sizeof(hex));
			if (json)
				json_object_object_add(o, "preview", json_object_new_string(hex));
			else
				printf("      %s\n", n.descsz ? hex : "(empty)");
		}
		if (json)
			json_emit(NULL, o, 4, i == 0);
	}
	if (json)
		printf("%s]\n}\n", info.notes ? "\n  " : "");
	return GC_EXIT_OK;
}

/* A saved state: what the savefile source says of it (its header, the
 * machine, the vCPUs and where the stream's RAM blocks lie), without
 * reading its pages. */
static const char *range_kind_name(uint32_t kind)
{
	return kind == GUESTCORE_RANGE_MMIO ? "mmio" : kind == GUESTCORE_RANGE_ROM ? "rom" : "ram";
}

struct saved_ranges {
	bool json, started;
	const char *path;
	uint64_t n;
};

/* The head of the listing, once the source opened (nothing on stdout when
 * it does not). */
static void saved_head(struct saved_ranges *sr)
{
	if (sr->started)
		return;
	sr->started = true;
	if (sr->json) {
		printf("{");
		json_emit("file", json_object_new_string(sr->path), 2, true);
		json_emit("saved_state", json_object_new_boolean(true), 2, false);
		printf(",\n  \"ranges\": [");
	} else {
		printf("%s: a saved state, not a core\n", sr->path);
		printf("Ranges (guest-physical, as its machine type places the stream's RAM blocks):\n"
		       "      # START              LENGTH             KIND\n");
	}
}

static int saved_range(void *ud, uint64_t start, uint64_t length, uint32_t kind)
{
	struct saved_ranges *sr = ud;

	saved_head(sr);
	if (sr->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "start", json_object_new_uint64(start));
		json_object_object_add(o, "length", json_object_new_uint64(length));
		json_object_object_add(o, "kind", json_object_new_string(range_kind_name(kind)));
		json_emit(NULL, o, 4, sr->n == 0);
	} else {
		printf("  %5" PRIu64 " 0x%016" PRIx64 " 0x%016" PRIx64 " %s\n", sr->n, start, length, range_kind_name(kind));
	}
	sr->n++;
	return 0;
}

static int inspect_saved_state(struct cli *cli, const char *path, bool json)
{
	struct guestcore_host *host = NULL;
	struct guestcore_layouts *layouts = NULL;
	struct guestcore_source_info info = { .sz = sizeof(info) };
	struct saved_ranges sr = { .json = json, .path = path };
	char *spec = NULL, msg[1024];
	int r = cli_open_host(cli, true, &host);

	if (r != GC_EXIT_OK)
		return r;
	r = cli_open_layouts(cli, host, &layouts);
	if (r != GC_EXIT_OK || asprintf(&spec, "savefile:%s", path) < 0) {
		guestcore_host_free(host);
		return r != GC_EXIT_OK ? r : GC_EXIT_FAILURE;
	}
	r = guestcore_source_describe(host, layouts, spec, &info, saved_range, &sr, msg, sizeof(msg));
	if (r >= 0)
		saved_head(&sr);
	if (r < 0) {
		if (sr.started && json)
			printf("\n  ]\n}\n");
		cli_error("%s: %s: give a readable saved state or core file", path, msg);
		r = 2;
	} else if (json) {
		printf("\n  ]");
		json_emit("description", json_object_new_string(info.description), 2, false);
		json_emit("machine", json_object_new_string(cli_machine_name(info.e_machine) ? cli_machine_name(info.e_machine)
											     : "other"), 2, false);
		json_emit("e_machine", json_object_new_int(info.e_machine), 2, false);
		json_emit("cpus", json_object_new_int64(info.cpu_count), 2, false);
		json_emit("memory_bytes", json_object_new_uint64(info.memory_bytes), 2, false);
		printf("\n}\n");
		r = GC_EXIT_OK;
	} else {
		printf("  %s\n  machine %s (%u), %u vCPUs, %" PRIu64 " bytes of RAM and ROM in %" PRIu64 " ranges\n"
		       "  'guestcore convert %s -o OUT' writes it as a core (--format kdump: a kdump file)\n",
		       info.description, cli_machine_name(info.e_machine) ? cli_machine_name(info.e_machine) : "other",
		       info.e_machine, info.cpu_count, info.memory_bytes, info.ranges, path);
		r = GC_EXIT_OK;
	}
	free(spec);
	guestcore_layouts_free(layouts);
	guestcore_host_free(host);
	return r;
}

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "all-runs", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct guestcore_layouts *layouts = NULL;
	struct guestcore_core *core = NULL;
	bool json = false, all_runs = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = cli_output_json = true;
		else if (c == 'a')
			all_runs = true;
		else if (c == 'h') {
			printf("Usage: guestcore inspect [--json] [--all-runs] CORE\n"
			       "Print the ELF header, every segment (type, addresses, sizes, kind) and every note,\n"
			       "decoded field by field by its layout; a note without a layout as its text\n"
			       "lines when it is text (VMCOREINFO), else as a hex preview.  Of a kdump file,\n"
			       "the first %u runs of page frames (--all-runs: every one).  Of a saved state (a\n"
			       "libvirt save image, a QEMU migration stream in a file), what it holds: its header,\n"
			       "machine, vCPUs and the guest-physical ranges of its RAM blocks (no page is read).\n"
			       "Exit status: 0 success, 1 failure, 2 CORE cannot be read.\n", INSPECT_KD_RUNS);
			return GC_EXIT_OK;
		} else {
			fprintf(stderr, "Try 'guestcore inspect --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error("inspect: give one core file");
		return GC_EXIT_USAGE;
	}
	if (cli_saved_state(argv[optind]))
		return inspect_saved_state(cli, argv[optind], json);
	r = open_core(cli, argv[optind], &layouts, &core);
	if (r != GC_EXIT_OK)
		return r;
	r = cmd_inspect_run(core, argv[optind], json, all_runs);
	guestcore_core_close(core);
	guestcore_layouts_free(layouts);
	if (fflush(stdout) != 0)
		return GC_EXIT_FAILURE;
	return r;
}

/* ---- validate ------------------------------------------------------------------ */

struct vout {
	bool json;              /* findings written as JSON as they come */
	const char *path;
	int errors, warnings, infos;
	bool quiet_info;
};

static const char *sev_name(uint32_t s)
{
	return s == GUESTCORE_SEVERITY_ERROR ? "error" : s == GUESTCORE_SEVERITY_WARNING ? "warning" : "info";
}

static void on_finding(void *ud, const struct guestcore_finding *f)
{
	struct vout *o = ud;

	if (f->severity == GUESTCORE_SEVERITY_ERROR)
		o->errors++;
	else if (f->severity == GUESTCORE_SEVERITY_WARNING)
		o->warnings++;
	else
		o->infos++;
	if (o->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "severity", json_object_new_string(sev_name(f->severity)));
		json_object_object_add(j, "id", json_object_new_string(f->id));
		json_object_object_add(j, "offset", json_object_new_uint64(f->offset));
		json_object_object_add(j, "message", json_object_new_string(f->message));
		json_emit(NULL, j, 4, o->errors + o->warnings + o->infos == 1);
	} else if (!(o->quiet_info && f->severity == GUESTCORE_SEVERITY_INFO)) {
		printf("%s:0x%" PRIx64 ": %s: %s: %s\n", o->path, f->offset, sev_name(f->severity), f->id, f->message);
	}
}

int cmd_validate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "profile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct guestcore_layouts *layouts = NULL;
	struct guestcore_core *core = NULL;
	struct vout out = { .quiet_info = true };
	int profile = GUESTCORE_PROFILE_AUTO, c, r;
	bool json = false;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = cli_output_json = true;
			break;
		case 'v':
			out.quiet_info = false;
			break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				profile = GUESTCORE_PROFILE_AUTO;
			else if (strcmp(optarg, "vbox") == 0)
				profile = GUESTCORE_PROFILE_VBOX;
			else if (strcmp(optarg, "qemu") == 0)
				profile = GUESTCORE_PROFILE_QEMU;
			else if (strcmp(optarg, "strict") == 0)
				profile = GUESTCORE_PROFILE_STRICT;
			else {
				cli_error("validate: --profile takes auto, vbox, qemu or strict");
				return GC_EXIT_USAGE;
			}
			break;
		case 'h':
			printf("Usage: guestcore validate [--json] [--profile auto|vbox|qemu|strict] [-v] CORE\n"
			       "Check CORE: header, program headers, segment order and bounds, PN_XNUM, notes\n"
			       "against their layouts, the rules of VirtualBox and QEMU cores, GUESTCORE digests,\n"
			       "and, as warnings, what known readers demand. One line per finding:\n"
			       "  CORE:0xOFFSET: SEVERITY: ID: sentence\n"
			       "  -v, --verbose   also print informational findings\n"
			       "Exit status: 0 no error, 1 errors found, 2 CORE cannot be read.\n");
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore validate --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error("validate: give one core file");
		return GC_EXIT_USAGE;
	}
	r = open_core(cli, argv[optind], &layouts, &core);
	if (r != GC_EXIT_OK)
		return r;
	out.path = argv[optind];
	out.json = json;
	if (json) {
		/* written as the findings come: memory does not grow with them */
		printf("{");
		json_emit("file", json_object_new_string(out.path), 2, true);
		printf(",\n  \"findings\": [");
	}
	guestcore_core_validate(core, profile, on_finding, &out);
	if (json) {
		printf("%s]", out.errors + out.warnings + out.infos ? "\n  " : "");
		json_emit("errors", json_object_new_int(out.errors), 2, false);
		json_emit("warnings", json_object_new_int(out.warnings), 2, false);
		printf("\n}\n");
	} else {
		printf("%s: %d errors, %d warnings%s\n", out.path, out.errors, out.warnings,
		       out.errors ? "" : ": valid");
	}
	guestcore_core_close(core);
	guestcore_layouts_free(layouts);
	if (fflush(stdout) != 0)
		return GC_EXIT_FAILURE;
	return out.errors ? 1 : 0;
}

/* ---- read and extract -------------------------------------------------------------- */

/* Open OUT for PATH (outfile.c: never a non-regular file, never the core
 * being read, which is INPUT_FD); one line on failure. */
static bool out_open(struct gc_outfile *out, const char *cmd, const char *path, bool force, int input_fd)
{
	char msg[600];

	if (gc_outfile_open(out, path, force, &input_fd, 1, "the core being read", msg, sizeof(msg)) < 0) {
		cli_error("%s: %s", cmd, msg);
		return false;
	}
	return true;
}

/* Commit OUT when OK, else drop it; false when it is not in place. */
static bool out_finish(struct gc_outfile *out, const char *cmd, bool ok)
{
	char msg[600];

	if (!ok) {
		gc_outfile_abort(out);
		return false;
	}
	if (gc_outfile_commit(out, msg, sizeof(msg)) < 0) {
		cli_error("%s: %s", cmd, msg);
		return false;
	}
	return true;
}

/* A write of WHAT to PATH by CMD failed with errno: the sentence dump says. */
static void write_failed(const char *cmd, const char *what, const char *path)
{
	char msg[900];

	gc_outfile_write_error(msg, sizeof(msg), errno, what, path);
	cli_error("%s: %s", cmd, msg);
}

/* An interrupt ends read and extract with nothing written. */
static bool interrupted(const char *cmd, const char *output)
{
	if (!cli_interrupted)
		return false;
	cli_error("%s: interrupted: %s left unchanged", cmd, output ? output : "nothing more written");
	return true;
}


/* Guest-physical spans with file data, ascending. */
struct span {
	uint64_t start, end;
	uint64_t reach; /* the largest end of this span and those before it */
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* The PT_LOAD spans of CORE that have bytes in the file, sorted; their count,
 * or (size_t)-1 when out of memory. */
static size_t data_spans(const struct guestcore_core *core, struct span **ret)
{
	struct guestcore_core_info info = { .sz = sizeof(info) };
	size_t n = 0;

	guestcore_core_info(core, &info);
	*ret = calloc(info.segments ? info.segments : 1, sizeof(**ret));
	if (!*ret)
		return (size_t)-1;
	for (size_t i = 0; i < info.segments; i++) {
		struct guestcore_segment sg = { .sz = sizeof(sg) };
		guestcore_core_segment(core, i, &sg);
		if (sg.type == PT_LOAD && sg.filesz && sg.paddr + sg.filesz > sg.paddr) {
			(*ret)[n].start = sg.paddr;
			(*ret)[n++].end = sg.paddr + sg.filesz;
		}
	}
	qsort(*ret, n, sizeof(**ret), span_cmp);
	for (size_t i = 0; i < n; i++)
		(*ret)[i].reach = i && (*ret)[i - 1].reach > (*ret)[i].end ? (*ret)[i - 1].reach : (*ret)[i].end;
	return n;
}

/* How many of the LEN bytes at ADDR no span holds, up to the next span. */
static uint64_t hole_bytes(const struct span *v, size_t n, uint64_t addr, uint64_t len)
{
	size_t lo = 0, hi = n;

	/* LO: the first span that starts after ADDR.  Spans may overlap in a
	 * hostile core: any before LO that reaches past ADDR holds it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && v[lo - 1].reach > addr)
		return 0;
	if (lo < n && v[lo].start - addr < len)
		return v[lo].start - addr;
	return len;
}

/* hole_bytes() of a kdump file, whose runs (segments 1 on) ascend and do
 * not touch: found by bisection through the reader's run index, no list. */
static uint64_t kd_hole_bytes(const struct guestcore_core *core, size_t segments, uint64_t addr, uint64_t len)
{
	struct guestcore_segment sg = { .sz = sizeof(sg) };
	size_t lo = 1, hi = segments; /* LO: the first run that starts after ADDR */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		guestcore_core_segment(core, mid, &sg);
		if (sg.paddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 1 && guestcore_core_segment(core, lo - 1, &sg) == 0 && addr - sg.paddr < sg.filesz)
		return 0;
	if (lo < segments && guestcore_core_segment(core, lo, &sg) == 0 && sg.paddr - addr < len)
		return sg.paddr - addr;
	return len;
}

int cmd_read(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phys", required_argument, NULL, 'a' },  { "length", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' }, { "allow-holes", no_argument, NULL, 'H' },
		{ "force", no_argument, NULL, 'f' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct guestcore_layouts *layouts = NULL;
	struct guestcore_core *core = NULL;
	uint64_t addr = 0, len = 0;
	bool have_addr = false, have_len = false, holes = false, force = false, ok = true;
	const char *output = NULL;
	struct gc_outfile out = GC_OUTFILE_INIT;
	struct span *data = NULL;
	size_t n_data = 0;
	struct guestcore_core_info info = { .sz = sizeof(info) };
	struct guestcore_kdump_info kd = { .sz = sizeof(kd) };
	bool is_kdump;
	unsigned char *buf;
	char msg[512];
	int c, r, fd = STDOUT_FILENO;

	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			have_addr = parse_num(optarg, &addr);
			if (!have_addr) {
				cli_error("read: --phys takes an address such as 0x100000");
				return GC_EXIT_USAGE;
			}
			break;
		case 'l':
			have_len = parse_num(optarg, &len);
			if (!have_len) {
				cli_error("read: --length takes a byte count such as 4096 or 1M");
				return GC_EXIT_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'H':
			holes = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: guestcore read CORE --phys ADDR --length N [-o FILE] [--allow-holes] [--force]\n"
			       "Write guest-physical bytes [ADDR, ADDR+N) to FILE or standard output, across\n"
			       "segments.  Bytes with no data in the core (MMIO, gaps) are an error unless\n"
			       "--allow-holes, which reads them as zeros (holes in FILE).  N takes K, M, G\n"
			       "and T suffixes.\n"
			       "Exit status: 0 success, 1 failure, 2 CORE cannot be read or usage error.\n");
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore read --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !have_addr || !have_len) {
		cli_error("read: give a core file, --phys ADDR and --length N");
		return GC_EXIT_USAGE;
	}
	r = open_core(cli, argv[optind], &layouts, &core);
	if (r != GC_EXIT_OK)
		return r;
	guestcore_core_info(core, &info);
	is_kdump = guestcore_core_kdump_info(core, &kd) == 0;
	buf = malloc(1 << 20);
	if (!buf || (!is_kdump && (n_data = data_spans(core, &data)) == (size_t)-1)) {
		free(buf);
		guestcore_core_close(core);
		guestcore_layouts_free(layouts);
		return GC_EXIT_FAILURE;
	}
	if (output) {
		int in = open(argv[optind], O_PATH | O_CLOEXEC);
		bool opened = out_open(&out, "read", output, force, in);
		if (in >= 0)
			close(in);
		if (!opened) {
			free(buf);
			free(data);
			guestcore_core_close(core);
			guestcore_layouts_free(layouts);
			return GC_EXIT_FAILURE;
		}
		fd = out.fd;
	}
	cli_catch_signals(true);
	for (uint64_t done = 0; ok && done < len;) {
		size_t n = len - done < (1u << 20) ? (size_t)(len - done) : (1u << 20);
		uint64_t skip;

		if (interrupted("read", output)) {
			ok = false;
			break;
		}
		/* Into a file, bytes no segment holds become a hole at once. */
		skip = !output || !holes ? 0
		       : is_kdump ? kd_hole_bytes(core, info.segments, addr + done, len - done)
				  : hole_bytes(data, n_data, addr + done, len - done);
		if (skip) {
			done += skip;
			continue;
		}
		r = guestcore_core_read_phys(core, addr + done, buf, n, holes, msg, sizeof(msg));
		if (r < 0) {
			cli_error("read: %s", msg);
			ok = false;
			break;
		}
		if (!cli_write_all(fd, buf, n, (off_t)done, output != NULL)) {
			write_failed("read", "the bytes", output ? output : "standard output");
			ok = false;
		}
		done += n;
	}
	if (ok && output && ftruncate(fd, (off_t)len) < 0) {
		write_failed("read", "the bytes", output);
		ok = false;
	}
	cli_catch_signals(false);
	if (output && !out_finish(&out, "read", ok))
		ok = false;
	free(buf);
	free(data);
	guestcore_core_close(core);
	guestcore_layouts_free(layouts);
	return ok ? GC_EXIT_OK : GC_EXIT_FAILURE;
}

static bool is_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int cmd_extract(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "map", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct guestcore_layouts *layouts = NULL;
	struct guestcore_core *core = NULL;
	struct guestcore_core_info info = { .sz = sizeof(info) };
	const char *output = NULL, *map = NULL;
	char *map_default = NULL, msg[512];
	struct gc_outfile raw = GC_OUTFILE_INIT, mo = GC_OUTFILE_INIT;
	bool force = false, ok = true;
	int in = -1;
	unsigned char *buf;
	uint64_t off = 0;
	FILE *mf;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'm':
			map = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: guestcore extract CORE -o RAW [--map MAPFILE] [--force]\n"
			       "Write the guest memory of CORE as a raw image (segments one after another,\n"
			       "page-aligned, holes kept) and a map (default RAW.map) that the raw source\n"
			       "reads back: guestcore dump --source raw:RAW,map=MAPFILE.\n"
			       "Exit status: 0 success, 1 failure, 2 CORE cannot be read or usage error.\n");
			return GC_EXIT_OK;
		default:
			fprintf(stderr, "Try 'guestcore extract --help' for more information.\n");
			return GC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !output) {
		cli_error("extract: give a core file and -o RAW");
		return GC_EXIT_USAGE;
	}
	if (!map) {
		if (asprintf(&map_default, "%s.map", output) < 0)
			return GC_EXIT_FAILURE;
		map = map_default;
	}
	r = open_core(cli, argv[optind], &layouts, &core);
	if (r != GC_EXIT_OK) {
		free(map_default);
		return r;
	}
	guestcore_core_info(core, &info);
	buf = malloc(1 << 20);
	in = open(argv[optind], O_PATH | O_CLOEXEC);
	if (strcmp(output, map) == 0) {
		cli_error("extract: the map and the image are both %s: give --map another name", output);
		ok = false;
	}
	if (!ok || !buf || !out_open(&raw, "extract", output, force, in) || !out_open(&mo, "extract", map, force, in) ||
	    !(mf = fdopen(dup(mo.fd), "w"))) {
		ok = false;
		goto done;
	}
	cli_catch_signals(true);
	fprintf(mf, "# guest memory of %s, extracted by guestcore %s\n# START SIZE KIND FILE_OFFSET\n",
		argv[optind], guestcore_version());
	for (size_t i = 0; ok && i < info.segments; i++) {
		struct guestcore_segment s = { .sz = sizeof(s) };

		guestcore_core_segment(core, i, &s);
		if (s.type != PT_LOAD || s.memsz == 0)
			continue;
		if (s.filesz == 0) {
			fprintf(mf, "0x%" PRIx64 " 0x%" PRIx64 " mmio\n", s.paddr, s.memsz);
			continue;
		}
		off = (off + 4095) & ~(uint64_t)4095;
		fprintf(mf, "0x%" PRIx64 " 0x%" PRIx64 " %s 0x%" PRIx64 "\n", s.paddr, s.memsz, seg_kind(&s), off);
		for (uint64_t done = 0; ok && done < s.filesz;) {
			size_t n = s.filesz - done < (1u << 20) ? (size_t)(s.filesz - done) : (1u << 20);
			if (interrupted("extract", output)) {
				ok = false;
				break;
			}
			r = guestcore_core_read_phys(core, s.paddr + done, buf, n, false, msg, sizeof(msg));
			if (r < 0) {
				cli_error("extract: %s", msg);
				ok = false;
			} else if (!is_zero(buf, n) && !cli_write_all(raw.fd, buf, n, (off_t)(off + done), true)) {
				write_failed("extract", "the image", output);
				ok = false;
			}
			done += n;
		}
		off += s.memsz;
	}
	if (ok && ftruncate(raw.fd, (off_t)off) < 0) {
		write_failed("extract", "the image", output);
		ok = false;
	}
	if (fclose(mf) != 0) {
		if (ok)
			write_failed("extract", "the map", map);
		ok = false;
	}
	cli_catch_signals(false);
done:
	if (in >= 0)
		close(in);
	/* Both or neither: the map first, so that a failure there leaves no image. */
	if (!out_finish(&mo, "extract", ok))
		ok = false;
	if (!out_finish(&raw, "extract", ok))
		ok = false;
	free(buf);
	free(map_default);
	guestcore_core_close(core);
	guestcore_layouts_free(layouts);
	return ok ? GC_EXIT_OK : GC_EXIT_FAILURE;
}
