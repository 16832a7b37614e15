/* Encoding named values into note descriptors and decoding descriptors into
 * named, typed values, for any layout, in either byte order.  Never reads or
 * writes outside the buffers it is given. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

static bool is_signed_type(uint32_t t)
{
	return t >= GUESTCORE_FIELD_S8 && t <= GUESTCORE_FIELD_S64;
}

static bool is_int_type(uint32_t t)
{
	return t >= GUESTCORE_FIELD_U8 && t <= GUESTCORE_FIELD_S64;
}

/* Does V fit SIZE bytes, unsigned or (for signed fields) two's complement? */
static bool value_fits(uint32_t type, uint64_t size, uint64_t v)
{
	unsigned bits = (unsigned)(size * 8);

	if (bits >= 64)
		return true;
	if (is_signed_type(type)) {
		int64_t s = (int64_t)v;
		return s >= -((int64_t)1 << (bits - 1)) && s < ((int64_t)1 << (bits - 1));
	}
	return v < ((uint64_t)1 << bits);
}

static void fill_info(const struct gc_leaf *lf, struct guestcore_field_info *fi)
{
	struct guestcore_field_info full = {
		.sz = sizeof(full),
		.path = lf->path,
		.type = lf->type,
		.value_kind = lf->value_kind,
		.offset = lf->offset,
		.size = lf->size,
		.const_value = lf->const_value,
		.const_string = lf->const_str,
		.binding = lf->binding,
		.enum_name = lf->enumeration ? lf->enumeration->name : NULL,
		.flags_name = lf->flags ? lf->flags->name : NULL,
		.doc = lf->doc,
		.optional = lf->optional,
	};

	GC_RESULT_OUT(fi, full);
}

GUESTCORE_API int guestcore_note_layout_field(const struct guestcore_note_layout *nl, size_t i,
					      struct guestcore_field_info *ret)
{
	if (!nl || !ret || !GC_SIZED_HAS(ret->sz, struct guestcore_field_info, path))
		return -EINVAL;
	if (i >= nl->n_leaves)
		return -ERANGE;
	fill_info(&nl->leaves[i], ret);
	return 0;
}

GUESTCORE_API int guestcore_note_layout_info(const struct guestcore_note_layout *nl,
					     struct guestcore_layout_info *ret)
{
	struct guestcore_layout_info full;

	if (!nl || !ret || !GC_SIZED_HAS(ret->sz, struct guestcore_layout_info, id))
		return -EINVAL;
	full = (struct guestcore_layout_info){
		.sz = sizeof(full),
		.id = nl->id,
		.family = nl->family,
		.note_name = nl->note_name,
		.doc = nl->doc,
		.file = nl->file,
		.n_type = nl->n_type,
		.name_format = nl->name_format,
		.desc_align = nl->desc_align,
		.repeat = nl->repeat,
		.e_machine = nl->e_machine,
		.open = nl->open,
		.size = nl->size,
		.min_size = nl->min_size,
		.field_count = nl->n_leaves,
	};
	GC_RESULT_OUT(ret, full);
	return 0;
}

GUESTCORE_API size_t guestcore_layouts_count(const struct guestcore_layouts *set)
{
	return set ? set->n_all : 0;
}

GUESTCORE_API const struct guestcore_note_layout *guestcore_layouts_at(const struct guestcore_layouts *set,
								       size_t i)
{
	return set && i < set->n_all ? set->all[i] : NULL;
}

GUESTCORE_API const struct guestcore_note_layout *guestcore_layouts_find(const struct guestcore_layouts *set,
									 const char *id)
{
	for (size_t i = 0; set && id && i < set->n_all; i++)
		if (strcmp(set->all[i]->id, id) == 0)
			return set->all[i];
	return NULL;
}

GUESTCORE_API const struct guestcore_note_layout *
guestcore_layouts_match(const struct guestcore_layouts *set, const char *name, uint32_t n_type,
			uint16_t e_machine)
{
	const struct guestcore_note_layout *any = NULL;

	for (size_t i = 0; set && name && i < set->n_all; i++) {
		const struct guestcore_note_layout *nl = set->all[i];
		if (nl->n_type != n_type || strcmp(nl->note_name, name) != 0)
			continue;
		if (nl->e_machine == e_machine)
			return nl;
		if (nl->e_machine == 0 && !any)
			any = nl;
	}
	return any;
}

/* ---- encode ------------------------------------------------------------------ */

GUESTCORE_API int guestcore_note_encode(const struct guestcore_note_layout *nl,
					const struct guestcore_encode_opts *opts, void *buf,
					size_t bufsz, size_t *ret_size, char *msg, size_t msgsz)
{
	struct guestcore_encode_opts o;
	unsigned char *out = buf;
	uint64_t size;

	if (!nl || !opts || !buf || opts->sz == 0) {
		gc_msg(msg, msgsz, "invalid arguments");
		return -EINVAL;
	}
	if (!GC_OPTS_VALID(opts)) {
		gc_msg(msg, msgsz, "the encode options (%zu bytes) set fields this libguestcore (%zu bytes) does not "
		       "know: upgrade libguestcore or leave them zero", opts->sz, sizeof(*opts));
		return -EINVAL;
	}
	GC_OPTS_IN(o, opts);
	size = o.size ? o.size : nl->size;
	if (size < nl->min_size || size > nl->size) {
		gc_msg(msg, msgsz, "note '%s' is %" PRIu64 " to %" PRIu64 " bytes, not %" PRIu64, nl->id,
		       nl->min_size, nl->size, size);
		return -EINVAL;
	}
	for (size_t i = 0; i < nl->n_leaves; i++) {
		const struct gc_leaf *lf = &nl->leaves[i];
		if (lf->offset < size && lf->offset + lf->size > size) {
			gc_msg(msg, msgsz, "size %" PRIu64 " cuts field '%s' of note '%s'", size, lf->path, nl->id);
			return -EINVAL;
		}
	}
	if (bufsz < size) {
		gc_msg(msg, msgsz, "note '%s' needs %" PRIu64 " bytes, the buffer has %zu", nl->id, size, bufsz);
		return -ENOSPC;
	}
	memset(out, 0, size);
	for (size_t i = 0; i < nl->n_leaves; i++) {
		const struct gc_leaf *lf = &nl->leaves[i];
		struct guestcore_value v = { .sz = sizeof(v) };
		unsigned char *p = out + lf->offset;
		uint64_t ival = 0;

		if (lf->offset + lf->size > size)
			continue; /* an optional tail member left out */
		switch (lf->value_kind) {
		case GUESTCORE_VALUE_CONST:
			if (lf->const_str)
				memcpy(p, lf->const_str, strnlen(lf->const_str, lf->size));
			else
				gc_put(p, (unsigned)lf->size, lf->const_value, o.big_endian);
			continue;
		case GUESTCORE_VALUE_SIZEOF:
			ival = size;
			break;
		case GUESTCORE_VALUE_BIND: {
			int r;
			if (!o.value)
				continue;
			r = o.value(o.userdata, lf->binding, &v);
			if (r == -ENOENT)
				continue;
			if (r < 0) {
				gc_msg(msg, msgsz, "value '%s' for field '%s' of note '%s' could not be had: %s",
				       lf->binding, lf->path, nl->id, strerror(-r));
				return r;
			}
			if (!is_int_type(lf->type)) {
				size_t n = v.bytes ? (v.len < lf->size ? v.len : (size_t)lf->size) : 0;
				if (v.bytes && v.len > lf->size && lf->type == GUESTCORE_FIELD_BYTES) {
					gc_msg(msg, msgsz, "value '%s' is %zu bytes, field '%s' of note '%s' holds %" PRIu64,
					       lf->binding, v.len, lf->path, nl->id, lf->size);
					return -ERANGE;
				}
				if (n)
					memcpy(p, v.bytes, n);
				continue;
			}
			ival = v.u;
			break;
		}
		default:
			continue;
		}
		if (!value_fits(lf->type, lf->size, ival)) {
			gc_msg(msg, msgsz, "value 0x%" PRIx64 " of '%s' does not fit field '%s' (%s) of note '%s'", ival,
			       lf->binding ? lf->binding : "size", lf->path, gc_type_name(lf->type), nl->id);
			return -ERANGE;
		}
		gc_put(p, (unsigned)lf->size, ival, o.big_endian);
	}
	if (ret_size)
		*ret_size = (size_t)size;
	gc_msg(msg, msgsz, "%s", "");
	return 0;
}

/* ---- decode ------------------------------------------------------------------ */

static const char *enum_lookup(const struct gc_enum *e, uint64_t v)
{
	for (size_t i = 0; e && i < e->n_values; i++)
		if (e->values[i].value == v)
			return e->values[i].name;
	return NULL;
}

static uint64_t sign_extend(uint64_t v, uint64_t size)
{
	unsigned bits = (unsigned)(size * 8);

	if (bits >= 64)
		return v;
	if (v & ((uint64_t)1 << (bits - 1)))
		v |= ~(((uint64_t)1 << bits) - 1);
	return v;
}

GUESTCORE_API int guestcore_note_decode(const struct guestcore_note_layout *nl, const void *desc,
					size_t descsz, bool big_endian, guestcore_field_fn visit,
					void *userdata, char *msg, size_t msgsz)
{
	const unsigned char *in = desc;
	uint64_t limit = descsz;
	int status = 0;

	gc_msg(msg, msgsz, "%s", "");
	if (!nl || (!desc && descsz))
		return -EINVAL;
	/* A size field narrows what is present. */
	if (nl->size_leaf >= 0) {
		const struct gc_leaf *sl = &nl->leaves[nl->size_leaf];
		if (sl->offset + sl->size <= descsz) {
			uint64_t declared = gc_get(in + sl->offset, (unsigned)sl->size, big_endian);
			if (declared < nl->min_size || declared > descsz) {
				gc_msg(msg, msgsz, "note '%s' declares %" PRIu64 " bytes in '%s', but the layout needs "
				       "%" PRIu64 " to %" PRIu64 " and the descriptor has %zu", nl->id, declared, sl->path,
				       nl->min_size, nl->size, descsz);
				status = -EBADMSG;
			}
			if (declared < limit)
				limit = declared;
		}
	}
	if (status == 0 && descsz < nl->min_size) {
		gc_msg(msg, msgsz, "note '%s' descriptor is %zu bytes, shorter than the %" PRIu64 " its layout needs",
		       nl->id, descsz, nl->min_size);
		status = -EBADMSG;
	} else if (status == 0 && limit < nl->size && descsz >= nl->min_size) {
		/* An optional tail member cut in the middle? */
		for (size_t i = 0; i < nl->n_leaves; i++) {
			const struct gc_leaf *lf = &nl->leaves[i];
			if (lf->offset < limit && lf->offset + lf->size > limit) {
				gc_msg(msg, msgsz, "note '%s' ends at %" PRIu64 ", inside field '%s'", nl->id, limit,
				       lf->path);
				status = -EBADMSG;
				break;
			}
		}
	}
	if (status == 0 && descsz > nl->size && !nl->open) {
		uint64_t pad_ok = (nl->size + nl->desc_align - 1) / nl->desc_align * nl->desc_align;
		if (descsz > pad_ok) {
			gc_msg(msg, msgsz, "note '%s' descriptor is %zu bytes, %" PRIu64 " more than its layout describes",
			       nl->id, descsz, (uint64_t)descsz - nl->size);
			status = GUESTCORE_DECODE_LONGER;
		}
	}
	if (!visit)
		return status;
	for (size_t i = 0; i < nl->n_leaves; i++) {
		const struct gc_leaf *lf = &nl->leaves[i];
		struct guestcore_field_info fi = { .sz = sizeof(fi) };
		struct guestcore_field_value v = { .sz = sizeof(v) };
		int r;

		if (lf->type == GUESTCORE_FIELD_PAD)
			continue;
		if (lf->offset + lf->size > limit || lf->offset + lf->size > descsz)
			continue;
		fill_info(lf, &fi);
		if (is_int_type(lf->type) || (lf->type == GUESTCORE_FIELD_RESERVED && lf->size <= 8)) {
			v.u = gc_get(in + lf->offset, (unsigned)lf->size, big_endian);
			v.s = (int64_t)sign_extend(v.u, lf->size);
			if (!is_signed_type(lf->type))
				v.s = (int64_t)v.u;
			v.enum_value = enum_lookup(lf->enumeration, lf->enumeration && is_signed_type(lf->type) ? (uint64_t)v.s : v.u);
		}
		v.bytes = in + lf->offset;
		v.len = (size_t)lf->size;
		r = visit(userdata, &fi, &v);
		if (r)
			return r;
	}
	return status;
}

GUESTCORE_API size_t guestcore_note_layout_flags_text(const struct guestcore_note_layout *nl,
						       const struct guestcore_field_info *field,
						       uint64_t value, char *buf, size_t bufsz)
{
	const struct gc_enum *fl = NULL;
	size_t len = 0;
	uint64_t rest = value;

	if (!buf || bufsz == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; nl && field && field->path && i < nl->n_leaves; i++)
		if (strcmp(nl->leaves[i].path, field->path) == 0)
			fl = nl->leaves[i].flags;
	if (!fl)
		return 0;
	for (size_t i = 0; i < fl->n_values; i++) {
		uint64_t bit = (uint64_t)1 << fl->values[i].value;
		if (!(value & bit))
			continue;
		rest &= ~bit;
		len += (size_t)snprintf(buf + (len < bufsz ? len : bufsz - 1), len < bufsz ? bufsz - len : 1,
					"%s%s", len ? "|" : "", fl->values[i].name);
	}
	if (rest)
		len += (size_t)snprintf(buf + (len < bufsz ? len : bufsz - 1), len < bufsz ? bufsz - len : 1,
					"%s0x%" PRIx64, len ? "|" : "", rest);
	return len < bufsz ? len : bufsz - 1;
}

int gc_note_patch(const struct guestcore_note_layout *nl, unsigned char *desc, uint64_t desc_size,
		  const char *path, bool is_bytes, uint64_t value, const void *data, size_t len,
		  bool big_endian)
{
	for (size_t i = 0; i < nl->n_leaves; i++) {
		const struct gc_leaf *lf = &nl->leaves[i];

		if (strcmp(lf->path, path) != 0)
			continue;
		if (lf->offset + lf->size > desc_size)
			return -ERANGE; /* an optional member this instance leaves out */
		if (is_bytes) {
			if (lf->type != GUESTCORE_FIELD_BYTES && lf->type != GUESTCORE_FIELD_STRING)
				return -EINVAL;
			if (len > lf->size)
				return -E2BIG;
			memset(desc + lf->offset, 0, lf->size);
			memcpy(desc + lf->offset, data, len);
			return 0;
		}
		if (!is_int_type(lf->type))
			return -EINVAL;
		if (!value_fits(lf->type, lf->size, value))
			return -ERANGE;
		gc_put(desc + lf->offset, (unsigned)lf->size, value, big_endian);
		return 0;
	}
	return -ENOENT;
}
