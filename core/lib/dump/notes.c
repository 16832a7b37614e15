/* The notes of a dump: each note set's provider names its layouts, the host
 * builds every instance (once or per vCPU), lets the provider set fields,
 * and the layout engine encodes; the host's own GUESTCORE notes come last
 * and are encoded at the end, when the unreadable ranges are known. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dump.h"

struct nb_override {
	char *path;
	bool is_bytes;
	uint64_t value;
	void *data;
	size_t len;
};

struct guestcore_note_builder {
	struct gc_dump *d;
	const struct guestcore_note_layout *layout;
	uint32_t instance;
	uint64_t size;
	struct nb_override *ov;
	size_t n_ov;
	const struct gc_span *span; /* per-unreadable instance */
	long load;                  /* per-load instance, or -1 */
	const struct guestcore_range *rg; /* that load's range */
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Bytes a note takes in the file.  ELF: 12-byte header, name with its NUL
 * padded to 4, descriptor padded to its alignment.  VirtualBox: name and
 * descriptor padded to 8.  n_descsz is always the descriptor's own size (the
 * 2010 writer padded it, which readers then took for data). */
uint64_t gc_note_file_size(const struct guestcore_note_layout *nl, uint64_t desc_size)
{
	size_t namelen = strlen(nl->note_name);

	if (nl->name_format == GUESTCORE_NAME_VBOX)
		return 12 + align_up(namelen + 1, 8) + align_up(desc_size, 8);
	return 12 + align_up(namelen + 1, 4) + align_up(desc_size, nl->desc_align > 4 ? nl->desc_align : 4);
}

/* Header, name and descriptor of one note into OUT (gc_note_file_size bytes). */
static void note_emit(const struct gc_dump *d, const struct guestcore_note_layout *nl, const unsigned char *desc,
		      uint64_t desc_size, unsigned char *out)
{
	size_t namelen = strlen(nl->note_name);
	uint64_t total = gc_note_file_size(nl, desc_size);
	uint64_t name_area;

	memset(out, 0, total);
	if (nl->name_format == GUESTCORE_NAME_VBOX) {
		name_area = align_up(namelen + 1, 8);
		gc_put(out, 4, namelen, d->big_endian);
	} else {
		name_area = align_up(namelen + 1, 4);
		gc_put(out, 4, namelen + 1, d->big_endian);
	}
	gc_put(out + 4, 4, desc_size, d->big_endian);
	gc_put(out + 8, 4, nl->n_type, d->big_endian);
	memcpy(out + 12, nl->note_name, namelen);
	memcpy(out + 12 + name_area, desc, desc_size);
}

/* ---- builder services (installed in every plugin's host table) ---------- */

int gc_nb_info(struct guestcore_note_builder *nb, const char **ret_id, uint32_t *ret_instance)
{
	if (!nb)
		return -EINVAL;
	if (ret_id)
		*ret_id = nb->layout->id;
	if (ret_instance)
		*ret_instance = nb->instance;
	return 0;
}

static int add_override(struct guestcore_note_builder *nb, const char *path, bool is_bytes, uint64_t value,
			const void *data, size_t len)
{
	struct nb_override *v, *o;
	bool found = false;

	if (!nb || !path)
		return -EINVAL;
	for (size_t i = 0; i < nb->layout->n_leaves; i++)
		if (strcmp(nb->layout->leaves[i].path, path) == 0) {
			const struct gc_leaf *lf = &nb->layout->leaves[i];
			bool leaf_bytes = lf->type == GUESTCORE_FIELD_BYTES || lf->type == GUESTCORE_FIELD_STRING;
			if (leaf_bytes != is_bytes || lf->type == GUESTCORE_FIELD_PAD)
				return -EINVAL;
			if (is_bytes && len > lf->size)
				return -E2BIG;
			found = true;
		}
	if (!found)
		return -ENOENT;
	v = reallocarray(nb->ov, nb->n_ov + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	nb->ov = v;
	o = &nb->ov[nb->n_ov];
	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	o->is_bytes = is_bytes;
	o->value = value;
	if (is_bytes && len) {
		o->data = malloc(len);
		if (o->data)
			memcpy(o->data, data, len);
	}
	o->len = len;
	if (!o->path || (is_bytes && len && !o->data)) {
		free(o->path);
		free(o->data);
		return -ENOMEM;
	}
	nb->n_ov++;
	return 0;
}

int gc_nb_set_u64(struct guestcore_note_builder *nb, const char *path, uint64_t value)
{
	return add_override(nb, path, false, value, NULL, 0);
}

int gc_nb_set_bytes(struct guestcore_note_builder *nb, const char *path, const void *data, size_t len)
{
	if (len && !data)
		return -EINVAL;
	return add_override(nb, path, true, 0, data, len);
}

int gc_nb_set_size(struct guestcore_note_builder *nb, uint64_t size)
{
	if (!nb || size < nb->layout->min_size || size > nb->layout->size)
		return -ERANGE;
	for (size_t i = 0; i < nb->layout->n_leaves; i++) {
		const struct gc_leaf *lf = &nb->layout->leaves[i];
		if (lf->offset < size && lf->offset + lf->size > size)
			return -EINVAL;
	}
	nb->size = size;
	return 0;
}

int gc_nb_get_u64(struct guestcore_note_builder *nb, const char *binding, uint64_t *ret)
{
	struct guestcore_value v = { .sz = sizeof(v) };
	char s[256];
	int r;

	if (!nb || !binding || !ret)
		return -EINVAL;
	r = gc_source_value(nb->d, nb->instance, binding, &v, s, sizeof(s));
	if (r < 0)
		return r;
	if (v.bytes)
		return -EINVAL;
	*ret = v.u;
	return 0;
}

static void nb_clear(struct guestcore_note_builder *nb)
{
	for (size_t i = 0; i < nb->n_ov; i++) {
		free(nb->ov[i].path);
		free(nb->ov[i].data);
	}
	free(nb->ov);
	nb->ov = NULL;
	nb->n_ov = 0;
}

/* ---- registers the source could not give ------------------------------------ */

static int add_note(struct gc_dump *d, const struct guestcore_note_layout *nl, unsigned char *desc, uint64_t size);

/* Add a note no layout file describes (a source's note, the host's text
 * note): ELF form, 4-byte padding, descriptor DESC as it is (taken; freed on
 * failure), under a layout made for it and freed with the note. */
static int add_own_note(struct gc_dump *d, const char *name, uint32_t type, const char *id, unsigned char *desc,
			uint64_t size)
{
	struct guestcore_note_layout *own = calloc(1, sizeof(*own));

	if (!own || !(own->note_name = strdup(name)) || !(own->id = strdup(id))) {
		if (own)
			free(own->note_name);
		free(own);
		free(desc);
		return -ENOMEM;
	}
	own->n_type = type;
	own->name_format = GUESTCORE_NAME_ELF;
	own->desc_align = 4;
	own->repeat = GUESTCORE_REPEAT_ONCE;
	if (add_note(d, own, desc, size) < 0) { /* it freed DESC */
		free(own->note_name);
		free(own->id);
		free(own);
		return -ENOMEM;
	}
	d->notes[d->n_notes - 1].own = own;
	return 0;
}

/* Appended in constant time (the array doubles): the same register of the
 * same vCPU asked by two layouts is listed once, after sorting
 * (add_unknown_note).  A scan for it here cost the square of the vCPUs:
 * 3 s for 4096 of them. */
static int add_unknown(struct gc_dump *d, uint32_t cpu, const char *binding)
{
	struct gc_unknown *v;

	if (d->n_unknown == 0 || (d->n_unknown >= 16 && (d->n_unknown & (d->n_unknown - 1)) == 0)) {
		v = reallocarray(d->unknown, d->n_unknown ? d->n_unknown * 2 : 16, sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->unknown = v;
	}
	v = d->unknown;
	v[d->n_unknown].cpu = cpu;
	v[d->n_unknown].binding = strdup(binding);
	if (!v[d->n_unknown].binding)
		return -ENOMEM;
	d->n_unknown++;
	return 0;
}

static int cmp_unknown(const void *a, const void *b)
{
	const struct gc_unknown *x = a, *y = b;

	return x->cpu != y->cpu ? (x->cpu < y->cpu ? -1 : 1) : strcmp(x->binding, y->binding);
}

/* The "unknown registers" note, when the note sets bound any register the
 * source could not give: a text note, so that every reader can show it. */
static int add_unknown_note(struct gc_dump *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (d->n_unknown == 0)
		return 0;
	qsort(d->unknown, d->n_unknown, sizeof(*d->unknown), cmp_unknown);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_unknown; i++) {
		if (i && cmp_unknown(&d->unknown[i], &d->unknown[i - 1]) == 0)
			continue; /* asked by two layouts */
		if (i == 0 || d->unknown[i].cpu != d->unknown[i - 1].cpu)
			fprintf(f, "%svCPU %" PRIu32 ":", i ? "\n" : "", d->unknown[i].cpu);
		fprintf(f, " %s", d->unknown[i].binding);
	}
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	return add_own_note(d, "GUESTCORE", GC_NOTE_UNKNOWN_REGISTERS, "guestcore.unknown-registers",
			    (unsigned char *)text, len);
}

/* ---- encoding one instance --------------------------------------------------- */

struct value_ctx {
	struct guestcore_note_builder *nb;
	char str[256];
};

static int value_cb(void *ud, const char *binding, struct guestcore_value *ret)
{
	struct value_ctx *c = ud;
	const struct gc_span *s = c->nb->span;

	if (s && strcmp(binding, "unreadable.start") == 0) {
		ret->u = s->start;
		return 0;
	}
	if (s && strcmp(binding, "unreadable.size") == 0) {
		ret->u = s->size;
		return 0;
	}
	if (c->nb->load >= 0 && strncmp(binding, "load.", 5) == 0) {
		const struct gc_dump *d = c->nb->d;
		size_t i = (size_t)c->nb->load;
		if (strcmp(binding, "load.index") == 0)
			ret->u = i;
		else if (strcmp(binding, "load.paddr") == 0)
			ret->u = c->nb->rg->start;
		else if (strcmp(binding, "load.memsz") == 0)
			ret->u = c->nb->rg->length;
		else if (strcmp(binding, "load.digest_algorithm") == 0)
			ret->u = 1; /* xxh3-128 */
		else if (strcmp(binding, "load.digest") == 0) {
			ret->bytes = d->digests[i];
			ret->len = 16;
		} else
			return -ENOENT;
		return 0;
	}
	{
		int r = gc_source_value(c->nb->d, c->nb->instance, binding, ret, c->str, sizeof(c->str));
		if (r == -ENOENT && strncmp(binding, "reg.", 4) == 0 && add_unknown(c->nb->d, c->nb->instance, binding) < 0)
			return -ENOMEM;
		return r;
	}
}

/* Encode NB into a fresh buffer. */
static int nb_encode(struct guestcore_note_builder *nb, unsigned char **ret_desc, uint64_t *ret_size)
{
	struct gc_dump *d = nb->d;
	struct value_ctx c = { .nb = nb };
	struct guestcore_encode_opts o = {
		.sz = sizeof(o), .big_endian = d->big_endian, .size = nb->size, .value = value_cb, .userdata = &c,
	};
	uint64_t size = nb->size ? nb->size : nb->layout->size;
	unsigned char *desc = malloc(size);
	char msg[256];
	size_t n = 0;
	int r;

	if (!desc)
		return -ENOMEM;
	r = guestcore_note_encode(nb->layout, &o, desc, size, &n, msg, sizeof(msg));
	if (r < 0) {
		gc_dump_fail(d, "%s", msg);
		free(desc);
		return r;
	}
	for (size_t i = 0; i < nb->n_ov; i++) {
		const struct nb_override *ov = &nb->ov[i];
		r = gc_note_patch(nb->layout, desc, n, ov->path, ov->is_bytes, ov->value, ov->data, ov->len,
				  d->big_endian);
		if (r < 0) {
			gc_dump_fail(d, "note %s: field '%s' cannot take the value set for it: %s", nb->layout->id,
				     ov->path, strerror(-r));
			free(desc);
			return r;
		}
	}
	*ret_desc = desc;
	*ret_size = n;
	return 0;
}

static int add_note(struct gc_dump *d, const struct guestcore_note_layout *nl, unsigned char *desc, uint64_t size)
{
	struct gc_note *v = reallocarray(d->notes, d->n_notes + 1, sizeof(*v));

	if (!v) {
		free(desc);
		return -ENOMEM;
	}
	d->notes = v;
	d->notes[d->n_notes++] = (struct gc_note){
		.layout = nl, .desc = desc, .desc_size = size, .size = gc_note_file_size(nl, size),
	};
	return 0;
}

/* Instance I of NL (0, or a vCPU), filled by the note provider P's FILL
 * where there is one, encoded and added. */
static int add_instance(struct gc_dump *d, const struct guestcore_note_layout *nl, uint32_t i,
			struct guestcore_plugin *p,
			int (*fill)(const struct guestcore_host_api *, struct guestcore_note_builder *), const char *set)
{
	struct guestcore_note_builder nb = { .d = d, .layout = nl, .instance = i, .load = -1 };
	unsigned char *desc;
	uint64_t size;
	int r = 0;

	if (fill) {
		gc_plugin_clear_error(p);
		r = fill(gc_plugin_api(p), &nb);
		if (r < 0) {
			const char *e = gc_plugin_last_error(p);
			gc_dump_fail(d, "note set '%s' could not fill %s #%u: %s", set, nl->id, i, e && *e ? e : strerror(-r));
		}
	}
	if (r >= 0)
		r = nb_encode(&nb, &desc, &size);
	nb_clear(&nb);
	return r < 0 ? r : add_note(d, nl, desc, size);
}

#define GC_NOTE_GROUP 8 /* layouts written vCPU by vCPU together */

static int build_set(struct gc_dump *d, const char *set)
{
	struct guestcore_plugin *p = guestcore_host_find(d->host, set);
	const struct guestcore_note_provider_ops *table;
	struct guestcore_note_provider_ops ops; /* the table copied whole: fill is NULL past its size */
	const char *const *ids;

	if (!p || !(guestcore_plugin_capabilities(p) & GUESTCORE_CAP_NOTE_PROVIDER)) {
		gc_dump_fail(d, "no note set '%s': 'guestcore plugins' lists the note providers", set);
		return -ENOENT;
	}
	table = guestcore_plugin_interface(p, GUESTCORE_IFACE_NOTE_PROVIDER);
	if (table)
		GC_TABLE_IN(ops, table);
	if (!table || !GC_SIZED_HAS(table->size, struct guestcore_note_provider_ops, layouts) || !ops.layouts) {
		gc_dump_fail(d, "plugin '%s' declares a note provider but its interface is missing or incomplete: "
				"rebuild it against this SDK", set);
		return -ENOEXEC;
	}
	gc_plugin_clear_error(p);
	ids = ops.layouts(gc_plugin_api(p), d->info.e_machine);
	if (!ids) {
		const char *e = gc_plugin_last_error(p);
		gc_dump_fail(d, "note set '%s' cannot describe this guest: %s", set,
			     e && *e ? e : "no layouts for its machine");
		return -ENOTSUP;
	}
	/* A group: an id and the ids after it that start with '+', written
	 * vCPU by vCPU (QEMU's aarch64 NT_PRSTATUS, NT_PRFPREG of each vCPU in
	 * turn); an id alone is written for every vCPU before the next. */
	for (size_t k = 0, end; ids[k]; k = end) {
		const struct guestcore_note_layout *group[GC_NOTE_GROUP];
		uint32_t instances = 1;

		for (end = k; ids[end] && (end == k || ids[end][0] == '+'); end++) {
			const char *id = ids[end] + (ids[end][0] == '+');
			const struct guestcore_note_layout *nl = guestcore_layouts_find(d->layouts, id);

			if (!nl) {
				gc_dump_fail(d, "note set '%s' writes layout '%s', which no layout file defines: install "
						"its layout file or pass --schema-dir", set, id);
				return -ENOENT;
			}
			if (nl->repeat != GUESTCORE_REPEAT_PER_CPU && nl->repeat != GUESTCORE_REPEAT_ONCE) {
				gc_dump_fail(d, "note set '%s': layout '%s' repeats per load or per unreadable range, "
						"which only guestcore's own notes may do", set, nl->id);
				return -EINVAL;
			}
			if (end - k >= GC_NOTE_GROUP ||
			    (end > k && (nl->repeat != GUESTCORE_REPEAT_PER_CPU || group[0]->repeat != GUESTCORE_REPEAT_PER_CPU))) {
				gc_dump_fail(d, "note set '%s': '+%s' joins layouts written vCPU by vCPU, which must be at "
						"most %u, each once per vCPU: fix the plugin", set, nl->id, GC_NOTE_GROUP);
				return -EINVAL;
			}
			group[end - k] = nl;
		}
		if (group[0]->repeat == GUESTCORE_REPEAT_PER_CPU)
			instances = d->info.cpu_count;
		for (uint32_t i = 0; i < instances; i++)
			for (size_t j = 0; j < end - k; j++) {
				int r = add_instance(d, group[j], i, p, ops.fill, set);
				if (r < 0)
					return r;
			}
	}
	return 0;
}

/* guestcore's own notes for the guest's machine, per vCPU, whatever the
 * note sets (the system registers of an aarch64 guest): every per-cpu
 * layout of that machine in the "guestcore" family (schemas/guestcore.xml). */
static int add_machine_notes(struct gc_dump *d)
{
	for (size_t i = 0; d->info.e_machine && i < guestcore_layouts_count(d->layouts); i++) {
		const struct guestcore_note_layout *nl = guestcore_layouts_at(d->layouts, i);
		int r;

		if (nl->e_machine != d->info.e_machine || nl->repeat != GUESTCORE_REPEAT_PER_CPU || !nl->family ||
		    strcmp(nl->family, "guestcore") != 0)
			continue;
		for (uint32_t c = 0; c < d->info.cpu_count; c++) {
			r = add_instance(d, nl, c, NULL, NULL, "guestcore");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The notes the source carries (ABI 1.2 get_note), after the note sets':
 * every one whose name and type no layout knows (VMCOREINFO, a note of an
 * input core no note set writes); the GUESTCORE notes are the host's own,
 * and the notes layouts describe are the note sets' to write. */
static int add_source_notes(struct gc_dump *d)
{
	uint64_t bytes = 0;

	/* d->o and d->src are full copies: a caller or plugin built before
	 * these fields gets false (keep the notes) and NULL (none to keep). */
	if (d->o.drop_source_notes || !d->src->get_note)
		return 0;
	for (uint64_t i = 0;; i++) {
		GC_FILL(struct guestcore_source_note) u = GC_FILL_INIT(struct guestcore_source_note);
		struct guestcore_source_note sn;
		unsigned char *desc;
		int r = d->src->get_note(d->source, i, &u.s);

		sn = u.s;
		if (r >= 0 && gc_filled(d, u.bytes, sizeof(u.s), "guestcore_source_note", "note", i) < 0)
			return -EPROTO;

		if (r == -ENOENT)
			return 0;
		if (r < 0) {
			gc_dump_fail(d, "source %s could not give its note #%" PRIu64 ": %s", d->o.source, i,
				     gc_dump_plugin_error(d, r));
			return r;
		}
		if (!sn.name || strnlen(sn.name, 256) >= 256 || (sn.desc_size && !sn.desc)) {
			gc_dump_fail(d, "source %s gives note #%" PRIu64 " without a name of at most 255 bytes or "
				     "without its bytes: fix the plugin", d->o.source, i);
			return -EPROTO;
		}
		if (i >= GC_MAX_NOTES) {
			gc_dump_fail(d, "source %s carries more than %u notes, more than a core holds: leave them out "
				     "with --source-notes=drop", d->o.source, GC_MAX_NOTES);
			return -E2BIG;
		}
		if (strcmp(sn.name, "GUESTCORE") == 0 ||
		    guestcore_layouts_match(d->layouts, sn.name, sn.type, d->info.e_machine))
			continue;
		if (strcmp(sn.name, "VMCOREINFO") == 0 && sn.type == 0) {
			/* The kernel's VMCOREINFO: the source's, unless --vmcoreinfo
			 * takes it from elsewhere. */
			if (d->o.vmcoreinfo != GUESTCORE_VMCOREINFO_AUTO && d->o.vmcoreinfo != GUESTCORE_VMCOREINFO_SOURCE)
				continue;
			d->vmci_origin = GC_VMCI_FROM_SOURCE;
		}
		if (sn.desc_size > GC_MAX_NOTE_BYTES - bytes) {
			gc_dump_fail(d, "source %s carries more than %u MiB of notes of its own, more than a core holds: "
				     "leave them out with --source-notes=drop", d->o.source, GC_MAX_NOTE_BYTES >> 20);
			return -E2BIG;
		}
		bytes += sn.desc_size;
		desc = malloc(sn.desc_size ? sn.desc_size : 1);
		if (!desc)
			return -ENOMEM;
		memcpy(desc, sn.desc, sn.desc_size);
		r = add_own_note(d, sn.name, sn.type, "source", desc, sn.desc_size);
		if (r < 0)
			return r;
	}
}

int gc_notes_build(struct gc_dump *d)
{
	const char *const default_sets[] = { gc_machine_default_notes(d->info.e_machine), NULL };
	const char *const *sets = d->o.note_sets ? d->o.note_sets : default_sets;
	int r;

	for (size_t i = 0; sets[i]; i++) {
		for (size_t k = 0; k < i; k++)
			if (strcmp(sets[k], sets[i]) == 0) {
				gc_dump_fail(d, "note set '%s' is named twice", sets[i]);
				return -EINVAL;
			}
		r = build_set(d, sets[i]);
		if (r < 0)
			return r;
	}
	r = add_machine_notes(d);
	if (r == 0)
		r = add_source_notes(d);
	if (r == 0)
		r = add_unknown_note(d);
	if (r == 0 && d->vmci_origin == GC_VMCI_FROM_FILE)
		r = gc_notes_add_vmcoreinfo(d);
	if (r < 0)
		return r;
	d->gc_info = guestcore_layouts_find(d->layouts, "guestcore.info");
	d->gc_unreadable = guestcore_layouts_find(d->layouts, "guestcore.unreadable");
	d->gc_vmci = guestcore_layouts_find(d->layouts, "guestcore.vmcoreinfo");
	d->gc_kmap = guestcore_layouts_find(d->layouts, "guestcore.kernel-map");
	if (!d->gc_info || !d->gc_unreadable || !d->gc_vmci || !d->gc_kmap) {
		gc_dump_fail(d, "the layouts guestcore.info, guestcore.unreadable, guestcore.vmcoreinfo and "
				"guestcore.kernel-map are missing: reinstall guestcore");
		return -ENOENT;
	}
	/* The host's own notes: placeholders sized now, encoded at the end;
	 * where the VMCOREINFO came from is written only when there is one. */
	r = add_note(d, d->gc_info, NULL, d->gc_info->size);
	if (r == 0)
		r = add_note(d, d->gc_vmci, NULL, d->gc_vmci->size);
	if (r == 0)
		r = add_note(d, d->gc_kmap, NULL, d->gc_kmap->size);
	if (r < 0)
		return r;
	d->unreadable_note_size = gc_note_file_size(d->gc_unreadable, d->gc_unreadable->size);
	if (d->o.digest) {
		d->gc_digest = guestcore_layouts_find(d->layouts, "guestcore.digest");
		if (!d->gc_digest) {
			gc_dump_fail(d, "the layout guestcore.digest is missing: reinstall guestcore");
			return -ENOENT;
		}
		d->digest_note_size = gc_note_file_size(d->gc_digest, d->gc_digest->size);
		d->n_digest_notes = d->n_file_ranges;
	}
	return 0;
}

/* Header, name and DESC of one note at *OFF; *OFF moves past it. */
static int write_note(struct gc_dump *d, const struct guestcore_note_layout *nl, const unsigned char *desc,
		      uint64_t desc_size, uint64_t *off)
{
	uint64_t size = gc_note_file_size(nl, desc_size);
	unsigned char *out = malloc(size);
	int r;

	if (!out)
		return -ENOMEM;
	note_emit(d, nl, desc, desc_size, out);
	r = gc_pwrite_all(d, out, size, *off, "notes");
	free(out);
	if (r == 0)
		*off += size;
	return r;
}

/* Encode one of the host's late instances and write it at *OFF. */
static int write_late(struct gc_dump *d, struct guestcore_note_builder *nb, uint64_t *off)
{
	unsigned char *desc;
	uint64_t size;
	int r = nb_encode(nb, &desc, &size);

	if (r < 0)
		return r;
	r = write_note(d, nb->layout, desc, size, off);
	free(desc);
	return r;
}

/* Encode the GUESTCORE notes and write every note.  *RET_NOTES_SIZE: bytes of
 * notes actually present. */
void gc_notes_place(struct gc_dump *d, uint64_t notes_offset)
{
	d->notes_offset = notes_offset;
	d->notes_reserved = 0;
	for (size_t i = 0; i < d->n_notes; i++) {
		d->notes[i].offset = d->notes_offset + d->notes_reserved;
		d->notes_reserved += d->notes[i].size;
	}
	if (d->vmci_scan)
		d->notes_reserved += GC_VMCI_NOTE_ROOM; /* a text the search may find */
	d->notes_reserved += (uint64_t)GC_UNREADABLE_NOTES * d->unreadable_note_size;
	d->notes_reserved += (uint64_t)d->n_digest_notes * d->digest_note_size;
}

int gc_notes_check(struct gc_dump *d)
{
	uint64_t count = d->n_notes + GC_UNREADABLE_NOTES + d->n_digest_notes + (d->vmci_scan != NULL);

	if (count <= GC_MAX_NOTES && d->notes_reserved <= GC_MAX_NOTE_BYTES)
		return 0;
	gc_dump_fail(d, "the core's notes would take %" PRIu64 " MiB in %" PRIu64 " notes (%u vCPUs, %" PRIu64
		     " ranges), more than the %u MiB and %u notes guestcore reads back: write fewer note sets "
		     "(--notes), leave out the source's own (--source-notes=drop)%s", d->notes_reserved >> 20, count,
		     d->info.cpu_count, d->n_ranges, GC_MAX_NOTE_BYTES >> 20, GC_MAX_NOTES,
		     d->n_digest_notes ? " or drop --digest" : "");
	return -E2BIG;
}

int gc_notes_write_late(struct gc_dump *d, uint64_t *ret_notes_size)
{
	uint64_t off = d->notes_offset;
	int r;

	for (size_t i = 0; i < d->n_notes; i++) {
		struct gc_note *n = &d->notes[i];

		if ((n->layout == d->gc_vmci || n->layout == d->gc_kmap) && !d->vmci_origin)
			continue; /* no VMCOREINFO: nothing to say where it came from */
		n->offset = off;
		if (!n->desc) {
			struct guestcore_note_builder nb = { .d = d, .layout = n->layout, .load = -1 };
			r = nb_encode(&nb, &n->desc, &n->desc_size);
			if (r < 0)
				return r;
		}
		r = write_note(d, n->layout, n->desc, n->desc_size, &off);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < d->n_unread; i++) {
		struct guestcore_note_builder nb = { .d = d, .layout = d->gc_unreadable, .span = &d->unread[i], .load = -1 };

		r = write_late(d, &nb, &off);
		if (r < 0)
			return r;
	}
	if (d->gc_digest) {
		struct gc_range_walk w;
		struct guestcore_range rg;
		uint64_t o;

		gc_range_walk_init(&w, d->data_offset);
		while ((r = gc_range_walk_next(d, &w, &rg, &o)) > 0) {
			struct guestcore_note_builder nb = { .d = d, .layout = d->gc_digest, .load = (long)(w.i - 1),
							     .rg = &rg };

			if (rg.kind == GUESTCORE_RANGE_MMIO)
				continue;
			r = write_late(d, &nb, &off);
			if (r < 0)
				return r;
		}
		if (r < 0)
			return r;
	}
	*ret_notes_size = off - d->notes_offset;
	return 0;
}

int gc_notes_add_vmcoreinfo(struct gc_dump *d)
{
	unsigned char *desc = malloc(d->vmci_len ? d->vmci_len : 1);
	struct gc_note moved;
	int r;

	if (!desc)
		return -ENOMEM;
	memcpy(desc, d->vmci_text, d->vmci_len);
	r = add_own_note(d, "VMCOREINFO", 0, "vmcoreinfo", desc, d->vmci_len);
	if (r < 0)
		return r;
	/* Before guestcore's own notes, where a source's would be. */
	moved = d->notes[d->n_notes - 1];
	for (size_t i = 0; i < d->n_notes - 1; i++)
		if (d->gc_info && d->notes[i].layout == d->gc_info) {
			memmove(&d->notes[i + 1], &d->notes[i], (d->n_notes - 1 - i) * sizeof(*d->notes));
			d->notes[i] = moved;
			break;
		}
	return 0;
}

const struct gc_note *gc_notes_vmcoreinfo(const struct gc_dump *d)
{
	for (size_t i = 0; i < d->n_notes; i++) {
		const struct gc_note *n = &d->notes[i];

		if (n->layout && n->layout->note_name && strcmp(n->layout->note_name, "VMCOREINFO") == 0 &&
		    n->layout->n_type == 0 && n->desc)
			return n;
	}
	return NULL;
}

void gc_notes_free(struct gc_dump *d)
{
	for (size_t i = 0; i < d->n_unknown; i++)
		free(d->unknown[i].binding);
	free(d->unknown);
	d->unknown = NULL;
	d->n_unknown = 0;
	for (size_t i = 0; i < d->n_notes; i++) {
		free(d->notes[i].desc);
		if (d->notes[i].own) {
			free(d->notes[i].own->note_name);
			free(d->notes[i].own->id);
			free(d->notes[i].own);
		}
	}
	free(d->notes);
	d->notes = NULL;
	d->n_notes = 0;
}
