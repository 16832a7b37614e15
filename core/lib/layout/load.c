/* Loading layout files: read safely (no DTD, no network, no external
 * entities), validate against note-layout.xsd, then check what a schema
 * cannot and flatten every note into leaves.  Each problem is reported as
 * file:line:column and one sentence; a file with any problem adds nothing. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <elf.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "layout.h"

/* ---- diagnostics --------------------------------------------------------- */

struct loader {
	const char *path;
	const char *text;      /* the file, for column lookup */
	size_t text_len;
	guestcore_diag_fn diag;
	void *userdata;
	unsigned errors;
	bool doctype;          /* a DOCTYPE was met: the document is refused */
	struct gc_layout_file *file;
	struct guestcore_layouts *set;
};

/* Column of ATTR="..." (or of <ELEM when ATTR is NULL) at or after LINE. */
static unsigned locate_column(const struct loader *L, unsigned line, const char *elem,
			      const char *attr)
{
	const char *p = L->text, *end = L->text + L->text_len;
	unsigned cur = 1;
	char pat[80];

	if (!p || line == 0)
		return 0;
	while (p < end && cur < line) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return 0;
		p = nl + 1;
		cur++;
	}
	if (elem) {
		snprintf(pat, sizeof(pat), "<%s", elem);
		const char *e = memmem(p, (size_t)(end - p), pat, strlen(pat));
		if (e)
			p = e;
	}
	if (attr) {
		const char *close = memchr(p, '>', (size_t)(end - p));
		snprintf(pat, sizeof(pat), "%s=", attr);
		const char *a = memmem(p, (size_t)((close ? close : end) - p), pat, strlen(pat));
		if (a)
			p = a;
	}
	{
		const char *ls = p;
		while (ls > L->text && ls[-1] != '\n')
			ls--;
		return (unsigned)(p - ls) + 1;
	}
}

static void report_at(struct loader *L, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report_at(struct loader *L, unsigned line, unsigned column, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	L->errors++;
	if (!L->diag)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	L->diag(L->userdata, L->path, line, column, msg);
}

/* Report at NODE (its ATTR when given). */
static void report(struct loader *L, xmlNodePtr node, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(struct loader *L, xmlNodePtr node, const char *attr, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	unsigned line = node ? (unsigned)xmlGetLineNo(node) : 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_at(L, line, locate_column(L, line, node ? (const char *)node->name : NULL, attr), "%s", msg);
}

static void xml_error_cb(void *ctx, xmlErrorPtr err)
{
	struct loader *L = ctx;
	char msg[512];
	const char *attr = NULL;
	char attrbuf[64];
	unsigned line, col;

	if (!err || err->level == XML_ERR_WARNING)
		return;
	snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "XML error");
	msg[strcspn(msg, "\n")] = '\0';
	line = err->line > 0 ? (unsigned)err->line : 0;
	col = err->int2 > 0 ? (unsigned)err->int2 : 0;
	if (err->domain == XML_FROM_SCHEMASV && err->node) {
		const char *a = strstr(msg, "attribute '");
		xmlNodePtr n = err->node;
		if (a && sscanf(a, "attribute '%63[^']'", attrbuf) == 1)
			attr = attrbuf;
		if (n->type == XML_ATTRIBUTE_NODE) {
			attr = (const char *)n->name;
			n = n->parent;
		}
		line = (unsigned)xmlGetLineNo(n);
		col = locate_column(L, line, (const char *)n->name, attr);
	}
	report_at(L, line, col, "%s", msg);
}

static void silent_error_cb(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* ---- small parsers -------------------------------------------------------- */

static char *prop(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || (s[0] == '0' && s[1] && s[1] != 'x' && s[1] != 'X'))
		return false;
	*ret = v;
	return true;
}

/* Signed or unsigned constant: two's complement in 64 bits; *ret_neg says
 * which. */
static bool parse_const(const char *s, uint64_t *ret, bool *ret_neg)
{
	bool neg = s && *s == '-';
	uint64_t v;

	if (!parse_u64(neg ? s + 1 : s, &v))
		return false;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return false;
	*ret = neg ? (uint64_t)0 - v : v;
	*ret_neg = neg;
	return true;
}

static const struct {
	const char *name;
	uint32_t type;
	uint64_t size;
} scalar_types[] = {
	{ "u8", GUESTCORE_FIELD_U8, 1 },   { "u16", GUESTCORE_FIELD_U16, 2 },
	{ "u32", GUESTCORE_FIELD_U32, 4 }, { "u64", GUESTCORE_FIELD_U64, 8 },
	{ "s8", GUESTCORE_FIELD_S8, 1 },   { "s16", GUESTCORE_FIELD_S16, 2 },
	{ "s32", GUESTCORE_FIELD_S32, 4 }, { "s64", GUESTCORE_FIELD_S64, 8 },
};

uint64_t gc_type_size(uint32_t type)
{
	for (size_t i = 0; i < sizeof(scalar_types) / sizeof(scalar_types[0]); i++)
		if (scalar_types[i].type == type)
			return scalar_types[i].size;
	return 0;
}

const char *gc_type_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(scalar_types) / sizeof(scalar_types[0]); i++)
		if (scalar_types[i].type == type)
			return scalar_types[i].name;
	switch (type) {
	case GUESTCORE_FIELD_BYTES: return "bytes";
	case GUESTCORE_FIELD_STRING: return "string";
	case GUESTCORE_FIELD_PAD: return "pad";
	case GUESTCORE_FIELD_RESERVED: return "reserved";
	}
	return "?";
}

static uint32_t scalar_type(const char *name, uint64_t *ret_size)
{
	for (size_t i = 0; name && i < sizeof(scalar_types) / sizeof(scalar_types[0]); i++)
		if (strcmp(scalar_types[i].name, name) == 0) {
			*ret_size = scalar_types[i].size;
			return scalar_types[i].type;
		}
	return 0;
}

static bool is_signed(uint32_t t)
{
	return t >= GUESTCORE_FIELD_S8 && t <= GUESTCORE_FIELD_S64;
}

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* ---- the parsed, not yet flattened, model ----------------------------------- */

struct pstruct;

struct pmember {
	xmlNodePtr node;
	char *name;         /* NULL for pad */
	uint32_t type;      /* scalar, BYTES, STRING, PAD, RESERVED, or 0 for struct */
	uint64_t elem_size;
	uint64_t count;
	const struct pstruct *st;
	uint32_t value_kind;
	uint64_t const_value;
	char *const_str;
	char *bind;
	const struct gc_enum *enumeration;
	const struct gc_enum *flags;
	bool optional;
	char *doc;
	uint64_t offset;    /* computed, relative to the container */
	bool bad;           /* refused: skipped when flattening */
};

struct pstruct {
	char *name;
	xmlNodePtr node;
	struct pmember *members;
	size_t n_members;
	uint64_t size;
	bool has_relative_bind;
};

static void pstruct_clear(struct pstruct *s)
{
	for (size_t i = 0; i < s->n_members; i++) {
		free(s->members[i].name);
		free(s->members[i].const_str);
		free(s->members[i].bind);
		free(s->members[i].doc);
	}
	free(s->members);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* Structs are held by pointer: members of later structs point at earlier
 * ones, so adding a struct must never move those already parsed. */
struct pfile {
	struct pstruct **structs;
	size_t n_structs;
};

static const struct pstruct *find_struct(const struct pfile *pf, const char *name)
{
	for (size_t i = 0; name && i < pf->n_structs; i++)
		if (pf->structs[i]->name && strcmp(pf->structs[i]->name, name) == 0)
			return pf->structs[i];
	return NULL;
}

static const struct gc_enum *find_enum(const struct gc_layout_file *f, const char *name, bool flags)
{
	for (size_t i = 0; i < f->n_enums; i++)
		if (f->enums[i]->is_flags == flags && strcmp(f->enums[i]->name, name) == 0)
			return f->enums[i];
	return NULL;
}

/* Fits VALUE (two's complement, NEG when negative) in TYPE? */
static bool const_fits(uint32_t type, uint64_t value, bool neg)
{
	uint64_t size = gc_type_size(type);
	unsigned bits = (unsigned)size * 8;

	if (is_signed(type)) {
		int64_t v = (int64_t)value;
		if (bits == 64)
			return true;
		return v >= -((int64_t)1 << (bits - 1)) && v < ((int64_t)1 << (bits - 1));
	}
	if (neg)
		return false;
	return bits == 64 || value < ((uint64_t)1 << bits);
}

/* Parse one member element into M.  CONTAINER_NAME for messages. */
static bool parse_member(struct loader *L, const struct pfile *pf, xmlNodePtr n, struct pmember *m,
			 bool in_struct)
{
	_cleanup_free_ char *type = prop(n, "type");
	_cleanup_free_ char *stn = prop(n, "struct");
	_cleanup_free_ char *count = prop(n, "count");
	_cleanup_free_ char *cst = prop(n, "const");
	_cleanup_free_ char *sizeof_ = prop(n, "size-of");
	_cleanup_free_ char *en = prop(n, "enum");
	_cleanup_free_ char *fl = prop(n, "flags");
	_cleanup_free_ char *opt = prop(n, "optional");
	_cleanup_free_ char *size = prop(n, "size");
	bool ok = true;

	memset(m, 0, sizeof(*m));
	m->node = n;
	m->count = 1;
	m->name = prop(n, "name");
	m->bind = prop(n, "bind");
	m->doc = prop(n, "doc");
	m->optional = opt && (strcmp(opt, "true") == 0 || strcmp(opt, "1") == 0);

	if (is_elem(n, "field")) {
		if ((type != NULL) == (stn != NULL)) {
			report(L, n, NULL, "field '%s' needs exactly one of type= and struct=", m->name);
			return false;
		}
		if (type) {
			m->type = scalar_type(type, &m->elem_size);
		} else {
			m->st = find_struct(pf, stn);
			if (!m->st) {
				report(L, n, "struct", "field '%s' uses struct '%s', which is not defined before it in this file",
				       m->name, stn);
				return false;
			}
			if (m->st->size == 0) {
				/* Only a struct whose members were all refused. */
				report(L, n, "struct", "field '%s' uses struct '%s', which has no valid members", m->name, stn);
				m->st = NULL;
				return false;
			}
			/* An instance without bind= leaves its relative
			 * bindings unbound: written as zeros. */
			m->elem_size = m->st->size;
		}
		if (count && (!parse_u64(count, &m->count) || m->count == 0 || m->count > 65536)) {
			report(L, n, "count", "field '%s' has count '%s': use 1 to 65536", m->name, count);
			ok = false;
		}
		if ((cst != NULL) + (sizeof_ != NULL) + (m->bind != NULL) > 1) {
			report(L, n, NULL, "field '%s' may have only one of const=, size-of= and bind=", m->name);
			ok = false;
		}
		if (cst) {
			bool neg;
			if (!m->type || m->count != 1) {
				report(L, n, "const", "field '%s': const= needs a single integer field", m->name);
				ok = false;
			} else if (!parse_const(cst, &m->const_value, &neg) || !const_fits(m->type, m->const_value, neg)) {
				report(L, n, "const", "field '%s': constant %s does not fit type %s", m->name, cst,
				       gc_type_name(m->type));
				ok = false;
			}
			m->value_kind = GUESTCORE_VALUE_CONST;
		}
		if (sizeof_) {
			if (!m->type || m->count != 1) {
				report(L, n, "size-of", "field '%s': size-of= needs a single integer field", m->name);
				ok = false;
			} else if (strcmp(sizeof_, "note") == 0) {
				m->value_kind = GUESTCORE_VALUE_SIZEOF;
			} else {
				const struct pstruct *s = find_struct(pf, sizeof_);
				if (!s) {
					report(L, n, "size-of", "field '%s': size-of='%s' names neither 'note' nor a struct defined before it",
					       m->name, sizeof_);
					ok = false;
				} else {
					m->value_kind = GUESTCORE_VALUE_CONST;
					m->const_value = s->size;
				}
			}
		}
		if (m->bind) {
			if (m->type && m->count > 1 && !strstr(m->bind, "{i}")) {
				report(L, n, "bind", "field '%s' is an array: its binding '%s' needs {i} for the element index",
				       m->name, m->bind);
				ok = false;
			}
			if (m->bind[0] == '.' && !in_struct) {
				report(L, n, "bind", "field '%s': a relative binding '%s' is only meaningful inside a struct",
				       m->name, m->bind);
				ok = false;
			}
			if (m->type)
				m->value_kind = GUESTCORE_VALUE_BIND;
		}
		if (en || fl) {
			if (!m->type) {
				report(L, n, en ? "enum" : "flags", "field '%s': enum= and flags= need an integer type", m->name);
				ok = false;
			}
			if (en && !(m->enumeration = find_enum(L->file, en, false))) {
				report(L, n, "enum", "field '%s' uses enum '%s', which is not defined before it in this file",
				       m->name, en);
				ok = false;
			}
			if (fl && !(m->flags = find_enum(L->file, fl, true))) {
				report(L, n, "flags", "field '%s' uses flags '%s', which are not defined before it in this file",
				       m->name, fl);
				ok = false;
			}
		}
	} else if (is_elem(n, "bytes") || is_elem(n, "string")) {
		m->type = is_elem(n, "bytes") ? GUESTCORE_FIELD_BYTES : GUESTCORE_FIELD_STRING;
		if (!parse_u64(size, &m->elem_size) || m->elem_size == 0 || m->elem_size > GC_LAYOUT_MAX_SIZE) {
			report(L, n, "size", "%s '%s' has size '%s': use 1 to %u bytes", (const char *)n->name,
			       m->name, size ? size : "", GC_LAYOUT_MAX_SIZE);
			ok = false;
		}
		if (cst) {
			if (strlen(cst) > m->elem_size) {
				report(L, n, "const", "string '%s': constant '%s' is longer than its %" PRIu64 " bytes",
				       m->name, cst, m->elem_size);
				ok = false;
			}
			m->const_str = strdup(cst);
			m->value_kind = GUESTCORE_VALUE_CONST;
			if (m->bind) {
				report(L, n, NULL, "string '%s' may have only one of const= and bind=", m->name);
				ok = false;
			}
		} else if (m->bind) {
			m->value_kind = GUESTCORE_VALUE_BIND;
		}
		if (m->bind && m->bind[0] == '.' && !in_struct) {
			report(L, n, "bind", "%s '%s': a relative binding is only meaningful inside a struct",
			       (const char *)n->name, m->name);
			ok = false;
		}
	} else if (is_elem(n, "pad")) {
		m->type = GUESTCORE_FIELD_PAD;
		if (!parse_u64(size, &m->elem_size) || m->elem_size == 0 || m->elem_size > GC_LAYOUT_MAX_SIZE) {
			report(L, n, "size", "pad has size '%s': use 1 to %u bytes", size ? size : "", GC_LAYOUT_MAX_SIZE);
			ok = false;
		}
	} else if (is_elem(n, "reserved")) {
		m->type = GUESTCORE_FIELD_RESERVED;
		if ((type != NULL) == (size != NULL)) {
			report(L, n, NULL, "reserved needs exactly one of type= and size=");
			return false;
		}
		if (type) {
			uint32_t t = scalar_type(type, &m->elem_size);
			(void)t;
		} else if (!parse_u64(size, &m->elem_size) || m->elem_size == 0 || m->elem_size > GC_LAYOUT_MAX_SIZE) {
			report(L, n, "size", "reserved has size '%s': use 1 to %u bytes", size, GC_LAYOUT_MAX_SIZE);
			ok = false;
		}
		if (!m->name)
			m->name = gc_strdup_printf("reserved@%ld", xmlGetLineNo(n));
	}
	if (ok && m->elem_size * m->count > GC_LAYOUT_MAX_SIZE) {
		report(L, n, NULL, "member '%s' is %" PRIu64 " bytes, more than a layout may describe (%u)",
		       m->name ? m->name : "pad", m->elem_size * m->count, GC_LAYOUT_MAX_SIZE);
		ok = false;
	}
	return ok;
}

/* Parse the members of a struct or note into PS, computing offsets and
 * checking declared offsets and the declared size. */
static bool parse_members(struct loader *L, const struct pfile *pf, xmlNodePtr container,
			  struct pstruct *ps, bool in_struct, const char *what)
{
	_cleanup_free_ char *declared_size = prop(container, "size");
	uint64_t off = 0;
	bool ok = true, seen_optional = false;

	for (xmlNodePtr n = container->children; n; n = n->next) {
		struct pmember *m, *v;
		_cleanup_free_ char *doff = NULL;
		uint64_t want;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		v = reallocarray(ps->members, ps->n_members + 1, sizeof(*v));
		if (!v)
			return false;
		ps->members = v;
		m = &ps->members[ps->n_members];
		if (!parse_member(L, pf, n, m, in_struct)) {
			m->bad = true;
			ps->n_members++;
			ok = false;
			continue;
		}
		ps->n_members++;
		if (m->bind && m->bind[0] == '.')
			ps->has_relative_bind = true;
		for (size_t k = 0; m->name && k + 1 < ps->n_members; k++)
			if (ps->members[k].name && strcmp(ps->members[k].name, m->name) == 0) {
				report(L, n, "name", "%s '%s' has two members named '%s'", what, ps->name, m->name);
				ok = false;
			}
		if (m->optional)
			seen_optional = true;
		else if (seen_optional && m->type != GUESTCORE_FIELD_PAD) {
			report(L, n, NULL, "member '%s' follows an optional member: optional members must end the %s",
			       m->name, what);
			ok = false;
		}
		doff = prop(n, "offset");
		if (doff && parse_u64(doff, &want) && want != off) {
			if (want < off)
				report(L, n, "offset", "member '%s' is declared at offset 0x%" PRIx64 ", which overlaps "
				       "the members before it (they end at 0x%" PRIx64 ")", m->name ? m->name : "pad", want, off);
			else
				report(L, n, "offset", "member '%s' is declared at offset 0x%" PRIx64 " but the members "
				       "before it end at 0x%" PRIx64 ": add <pad size=\"%" PRIu64 "\"/> or fix the offset",
				       m->name ? m->name : "pad", want, off, want - off);
			ok = false;
		}
		m->offset = off;
		off += m->elem_size * m->count;
		if (off > GC_LAYOUT_MAX_SIZE) {
			report(L, n, NULL, "%s '%s' grows past %u bytes", what, ps->name, GC_LAYOUT_MAX_SIZE);
			return false;
		}
	}
	ps->size = off;
	if (declared_size && ok) {
		uint64_t want;
		if (parse_u64(declared_size, &want) && want != off) {
			report(L, container, "size", "%s '%s' declares size %" PRIu64 " but its members add up to %" PRIu64,
			       what, ps->name, want, off);
			ok = false;
		}
	}
	return ok;
}

/* ---- flattening ------------------------------------------------------------ */

struct leaves {
	struct gc_leaf *v;
	size_t n, cap;
	bool oom;
};

/* One more leaf; the array grows by doubling, so that a layout of the most
 * leaves allowed costs a few copies of it, not one per leaf. */
static struct gc_leaf *leaf_add(struct leaves *ls)
{
	if (ls->oom || ls->n >= GC_LAYOUT_MAX_LEAVES) {
		ls->oom = true;
		return NULL;
	}
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 16;
		struct gc_leaf *v = reallocarray(ls->v, cap, sizeof(*v));

		if (!v) {
			ls->oom = true;
			return NULL;
		}
		ls->v = v;
		ls->cap = cap;
	}
	memset(&ls->v[ls->n], 0, sizeof(ls->v[0]));
	return &ls->v[ls->n++];
}

/* BIND with {i} replaced by IDX (when IDX >= 0) and a leading '.' joined to
 * PREFIX.  NULL bind, or a relative bind without prefix: NULL. */
static char *resolve_bind(const char *bind, const char *prefix, long idx)
{
	char buf[256];
	const char *brace;

	if (!bind)
		return NULL;
	if (bind[0] == '.') {
		if (!prefix)
			return NULL;
		snprintf(buf, sizeof(buf), "%s%s", prefix, bind);
	} else {
		snprintf(buf, sizeof(buf), "%s", bind);
	}
	brace = strstr(buf, "{i}");
	if (brace) {
		char out[256];
		if (idx < 0)
			return NULL;
		snprintf(out, sizeof(out), "%.*s%ld%s", (int)(brace - buf), buf, idx, brace + 3);
		return strdup(out);
	}
	return strdup(buf);
}

static bool flatten(struct loader *L, const struct pstruct *ps, uint64_t base, const char *path,
		    const char *bind_prefix, bool optional, struct leaves *ls)
{
	bool ok = true;

	for (size_t i = 0; i < ps->n_members; i++) {
		const struct pmember *m = &ps->members[i];

		if (m->bad)
			continue;
		for (uint64_t k = 0; k < m->count && !ls->oom; k++) {
			char p[256];
			uint64_t off = base + m->offset + k * m->elem_size;
			long idx = m->count > 1 ? (long)k : -1;

			if (m->name && m->count > 1)
				snprintf(p, sizeof(p), "%s%s%s[%" PRIu64 "]", path ? path : "", path ? "." : "", m->name, k);
			else
				snprintf(p, sizeof(p), "%s%s%s", path ? path : "", path ? "." : "",
					 m->name ? m->name : "(pad)");
			if (m->st) {
				_cleanup_free_ char *b = resolve_bind(m->bind, bind_prefix, idx);
				if (!flatten(L, m->st, off, p, b, optional || m->optional, ls))
					ok = false;
				continue;
			}
			struct gc_leaf *lf = leaf_add(ls);
			if (!lf)
				return false;
			lf->path = strdup(p);
			lf->type = m->type;
			lf->offset = off;
			lf->size = m->elem_size;
			lf->value_kind = m->value_kind;
			lf->const_value = m->const_value;
			lf->const_str = m->const_str ? strdup(m->const_str) : NULL;
			lf->enumeration = m->enumeration;
			lf->flags = m->flags;
			lf->optional = optional || m->optional;
			lf->doc = m->doc ? strdup(m->doc) : NULL;
			if (!lf->path || (m->const_str && !lf->const_str) || (m->doc && !lf->doc))
				ls->oom = true;
			if (m->bind) {
				lf->binding = resolve_bind(m->bind, bind_prefix, idx);
				if (!lf->binding) {
					/* A relative binding in an unbound struct instance. */
					lf->value_kind = GUESTCORE_VALUE_NONE;
				} else if (!gc_vocab_known(lf->binding)) {
					report(L, m->node, "bind", "'%s' binds to '%s', which is not in the binding vocabulary "
					       "(schemas/README.md lists it)", p, lf->binding);
					ok = false;
				} else if (lf->value_kind == GUESTCORE_VALUE_NONE) {
					lf->value_kind = GUESTCORE_VALUE_BIND;
				}
			}
		}
	}
	return ok && !ls->oom;
}

static void leaves_free(struct gc_leaf *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].const_str);
		free(v[i].binding);
		free(v[i].doc);
	}
	free(v);
}

static void note_free(struct guestcore_note_layout *nl)
{
	if (!nl)
		return;
	leaves_free(nl->leaves, nl->n_leaves);
	free(nl->id);
	free(nl->family);
	free(nl->note_name);
	free(nl->doc);
	free(nl->file);
	free(nl);
}

void gc_layout_file_free(struct gc_layout_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_notes; i++)
		note_free(f->notes[i]);
	free(f->notes);
	for (size_t i = 0; i < f->n_enums; i++) {
		for (size_t k = 0; k < f->enums[i]->n_values; k++)
			free(f->enums[i]->values[k].name);
		free(f->enums[i]->values);
		free(f->enums[i]->name);
		free(f->enums[i]);
	}
	free(f->enums);
	free(f->path);
	free(f->family);
	free(f);
}

/* ---- elements ---------------------------------------------------------------- */

static bool parse_enum(struct loader *L, xmlNodePtr n, bool flags)
{
	struct gc_layout_file *f = L->file;
	struct gc_enum *e, **v;
	bool ok = true;

	e = calloc(1, sizeof(*e));
	if (!e)
		return false;
	e->name = prop(n, "name");
	e->is_flags = flags;
	v = reallocarray(f->enums, f->n_enums + 1, sizeof(*v));
	if (!v || !e->name) {
		free(e->name);
		free(e);
		return false;
	}
	f->enums = v;
	if (find_enum(f, e->name, flags)) {
		report(L, n, "name", "%s '%s' is defined twice in this file", flags ? "flags" : "enum", e->name);
		ok = false;
	}
	f->enums[f->n_enums++] = e;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		_cleanup_free_ char *vn = NULL, *vv = NULL;
		struct gc_enum_value *nv;
		uint64_t val;
		bool neg;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		vn = prop(c, "name");
		vv = prop(c, flags ? "bit" : "value");
		if (!vn || !vv || !parse_const(vv, &val, &neg)) {
			report(L, c, flags ? "bit" : "value", "'%s' has an invalid value", vn ? vn : "?");
			ok = false;
			continue;
		}
		for (size_t k = 0; k < e->n_values; k++)
			if (e->values[k].value == val) {
				report(L, c, flags ? "bit" : "value", "'%s' repeats the value of '%s' in %s '%s'", vn,
				       e->values[k].name, flags ? "flags" : "enum", e->name);
				ok = false;
			}
		nv = reallocarray(e->values, e->n_values + 1, sizeof(*nv));
		if (!nv)
			return false;
		e->values = nv;
		e->values[e->n_values].name = vn;
		e->values[e->n_values].value = val;
		vn = NULL;
		e->n_values++;
	}
	return ok;
}

static const struct {
	const char *name;
	uint16_t em;
} machines[] = {
	{ "any", 0 }, { "x86_64", EM_X86_64 }, { "i386", EM_386 }, { "aarch64", EM_AARCH64 },
};

static bool parse_note(struct loader *L, const struct pfile *pf, xmlNodePtr n)
{
	struct guestcore_note_layout *nl = calloc(1, sizeof(*nl));
	struct pstruct body = { 0 };
	struct leaves ls = { 0 };
	_cleanup_free_ char *type = prop(n, "type");
	_cleanup_free_ char *fmt = prop(n, "name-format");
	_cleanup_free_ char *align = prop(n, "desc-align");
	_cleanup_free_ char *repeat = prop(n, "repeat");
	_cleanup_free_ char *machine = prop(n, "machine");
	_cleanup_free_ char *size_field = prop(n, "size-field");
	_cleanup_free_ char *open = prop(n, "open");
	struct guestcore_note_layout **v;
	uint64_t t;
	bool ok = true;

	if (!nl)
		return false;
	nl->id = prop(n, "id");
	nl->note_name = prop(n, "name");
	nl->doc = prop(n, "doc");
	nl->family = L->file->family ? strdup(L->file->family) : NULL;
	nl->file = strdup(L->path);
	nl->line = (unsigned)xmlGetLineNo(n);
	nl->size_leaf = -1;
	nl->owner = L->file;
	if (!nl->id || !nl->note_name || !nl->file) {
		note_free(nl);
		return false;
	}
	if (!parse_u64(type, &t) || t > UINT32_MAX) {
		report(L, n, "type", "note '%s': type '%s' is not a 32-bit number", nl->id, type ? type : "");
		ok = false;
	}
	nl->n_type = (uint32_t)t;
	nl->name_format = fmt && strcmp(fmt, "vbox") == 0 ? GUESTCORE_NAME_VBOX : GUESTCORE_NAME_ELF;
	nl->desc_align = align ? (uint32_t)atoi(align) : (nl->name_format == GUESTCORE_NAME_VBOX ? 8 : 4);
	nl->repeat = !repeat || strcmp(repeat, "once") == 0 ? GUESTCORE_REPEAT_ONCE
		     : strcmp(repeat, "per-cpu") == 0      ? GUESTCORE_REPEAT_PER_CPU
		     : strcmp(repeat, "per-load") == 0     ? GUESTCORE_REPEAT_PER_LOAD
							   : GUESTCORE_REPEAT_PER_UNREADABLE;
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machine && strcmp(machine, machines[i].name) == 0)
			nl->e_machine = machines[i].em;
	nl->open = open && (strcmp(open, "true") == 0 || strcmp(open, "1") == 0);

	body.name = strdup(nl->id);
	body.node = n;
	if (!body.name || !parse_members(L, pf, n, &body, false, "note"))
		ok = false;
	if (ok && body.size == 0) {
		report(L, n, NULL, "note '%s' describes no bytes", nl->id);
		ok = false;
	}
	/* Flatten even after an error, to report every unknown binding. */
	if (body.name && !flatten(L, &body, 0, NULL, NULL, false, &ls))
		ok = false;
	nl->leaves = ls.v;
	nl->n_leaves = ls.n;
	/* A note of one machine binds that machine's registers (a struct
	 * shared by two machines' notes binds each one's). */
	for (size_t i = 0; nl->e_machine && i < nl->n_leaves; i++) {
		const char *b = nl->leaves[i].binding;
		if (b && gc_vocab_known(b) && !gc_vocab_for_machine(b, nl->e_machine)) {
			report(L, n, "machine", "note '%s' is for %s but '%s' binds to '%s', a register of another "
			       "machine", nl->id, machine, nl->leaves[i].path, b);
			ok = false;
		}
	}
	nl->size = body.size;
	nl->min_size = body.size;
	for (size_t i = 0; i < nl->n_leaves; i++)
		if (nl->leaves[i].optional && nl->leaves[i].offset < nl->min_size)
			nl->min_size = nl->leaves[i].offset;
	if (ok) {
		bool any_optional = nl->min_size != nl->size;
		if (size_field) {
			for (size_t i = 0; i < nl->n_leaves; i++)
				if (strcmp(nl->leaves[i].path, size_field) == 0)
					nl->size_leaf = (int)i;
			if (nl->size_leaf < 0 || gc_type_size(nl->leaves[nl->size_leaf].type) < 2) {
				report(L, n, "size-field", "note '%s': size-field '%s' must name a top-level integer "
				       "field of at least 16 bits", nl->id, size_field);
				ok = false;
			} else if (nl->leaves[nl->size_leaf].optional) {
				report(L, n, "size-field", "note '%s': size-field '%s' cannot itself be optional",
				       nl->id, size_field);
				ok = false;
			}
		} else if (any_optional) {
			report(L, n, NULL, "note '%s' has optional members but no size-field= to tell which are present",
			       nl->id);
			ok = false;
		}
	}
	pstruct_clear(&body);
	if (!ok) {
		note_free(nl);
		return false;
	}
	v = reallocarray(L->file->notes, L->file->n_notes + 1, sizeof(*v));
	if (!v) {
		note_free(nl);
		return false;
	}
	L->file->notes = v;
	L->file->notes[L->file->n_notes++] = nl;
	return true;
}

/* ---- the file ------------------------------------------------------------------- */

static int read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > GC_LAYOUT_FILE_MAX)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? -errno : -EIO;
			free(buf);
			return e;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*ret_buf = buf;
	*ret_len = got;
	return 0;
}

static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct loader *L = ctxt->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	if (!L->doctype) {
		L->doctype = true;
		report_at(L, ctxt->input ? (unsigned)ctxt->input->line : 0, 1,
			  "a DOCTYPE declaration is not allowed in a layout file: remove it (entities are never expanded)");
	}
	xmlStopParser(ctxt);
}

/* Parse without DTDs, entities or network.  A DOCTYPE is refused before the
 * parser sees it: layouts have no use for one, and refusing it closes the
 * door on external entities and entity expansion on every libxml2. */
static xmlDocPtr parse_xml(struct loader *L, const char *text, size_t len)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const char *dt = memmem(text, len, "<!DOCTYPE", 9);

	if (dt) {
		unsigned line = 1;
		for (const char *p = text; p < dt; p++)
			line += *p == '\n';
		const char *nl = memrchr(text, '\n', (size_t)(dt - text));
		report_at(L, line, (unsigned)(dt - (nl ? nl : text - 1)),
			  "a DOCTYPE declaration is not allowed in a layout file: remove it (entities are never expanded)");
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return NULL;
	/* The text search above sees only ASCII-compatible encodings: a UTF-16
	 * or EBCDIC file's DOCTYPE is stopped here, as the parser meets it and
	 * before any declaration of its subset is read. */
	ctxt->_private = L;
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = refuse_doctype;
	ctxt->sax->entityDecl = NULL;
	xmlSetStructuredErrorFunc(L, xml_error_cb);
	doc = xmlCtxtReadMemory(ctxt, text, (int)len, L->path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc && L->doctype) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc && L->errors == 0)
		report_at(L, 0, 0, "not well-formed XML");
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* Read L->path and parse it; L->text keeps the text (free it).  NULL with
 * *ret_err set when the file cannot be read (-errno, said to L->diag) or
 * parsed (-EINVAL, each problem said). */
static xmlDocPtr read_and_parse(struct loader *L, char **ret_text, int *ret_err)
{
	size_t len;
	xmlDocPtr doc;
	int r = read_file(L->path, ret_text, &len);

	if (r < 0) {
		if (L->diag)
			L->diag(L->userdata, L->path, 0, 0,
				r == -EFBIG  ? "the file is larger than a layout file may be (4 MiB)"
				: r == -EINVAL ? "not a regular file: a layout file is an XML file"
					       : strerror(-r));
		*ret_err = r;
		return NULL;
	}
	L->text = *ret_text;
	L->text_len = len;
	doc = parse_xml(L, *ret_text, len);
	*ret_err = doc ? 0 : -EINVAL;
	return doc;
}

static int validate(struct guestcore_layouts *set, struct loader *L, xmlDocPtr doc)
{
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(set->schema);
	int r;

	if (!v)
		return -ENOMEM;
	xmlSchemaSetValidStructuredErrors(v, xml_error_cb, L);
	r = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	if (r != 0 && L->errors == 0)
		report_at(L, 0, 0, "the file does not follow note-layout.xsd");
	return r == 0 ? 0 : -EINVAL;
}

/* Notes of the set and of the file being loaded, sorted to find duplicates
 * in O(n log n): a layout file may hold tens of thousands of notes. */
struct note_ref {
	const struct guestcore_note_layout *nl;
	size_t index; /* in set->all, then the file's notes after them */
};

static int cmp_by_id(const void *a, const void *b)
{
	const struct note_ref *x = a, *y = b;
	int c = strcmp(x->nl->id, y->nl->id);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int cmp_by_name_type(const void *a, const void *b)
{
	const struct note_ref *x = a, *y = b;
	int c = strcmp(x->nl->note_name, y->nl->note_name);

	if (c)
		return c;
	if (x->nl->n_type != y->nl->n_type)
		return x->nl->n_type < y->nl->n_type ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static bool check_duplicates(struct loader *L, struct guestcore_layouts *set)
{
	struct gc_layout_file *f = L->file;
	size_t n = set->n_all + f->n_notes;
	_cleanup_free_ struct note_ref *v = NULL;
	_cleanup_free_ const struct guestcore_note_layout **same_id = NULL, **same_nt = NULL;
	bool ok = true;

	if (f->n_notes == 0)
		return true;
	v = calloc(n, sizeof(*v));
	same_id = calloc(f->n_notes, sizeof(*same_id));
	same_nt = calloc(f->n_notes, sizeof(*same_nt));
	if (!v || !same_id || !same_nt)
		return false;
	for (size_t i = 0; i < n; i++) {
		v[i].nl = i < set->n_all ? set->all[i] : f->notes[i - set->n_all];
		v[i].index = i;
	}
	/* The first note of each run of equal ids is the one a later one repeats. */
	qsort(v, n, sizeof(*v), cmp_by_id);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(v[i].nl->id, v[first].nl->id) != 0)
			first = i;
		else if (v[i].index >= set->n_all)
			same_id[v[i].index - set->n_all] = v[first].nl;
	}
	/* Equal name and type: a clash when the machines overlap ("any"
	 * overlaps every machine).  A run holds at most one note per machine
	 * unless it already clashes, so looking back stops early. */
	qsort(v, n, sizeof(*v), cmp_by_name_type);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct guestcore_note_layout *a = v[i].nl;

		if (strcmp(a->note_name, v[first].nl->note_name) != 0 || a->n_type != v[first].nl->n_type) {
			first = i;
			continue;
		}
		if (v[i].index < set->n_all)
			continue;
		for (size_t j = first; j < i; j++) {
			const struct guestcore_note_layout *b = v[j].nl;
			if (a->e_machine == b->e_machine || !a->e_machine || !b->e_machine) {
				same_nt[v[i].index - set->n_all] = b;
				break;
			}
		}
	}
	/* Report in file order. */
	for (size_t i = 0; i < f->n_notes; i++) {
		const struct guestcore_note_layout *a = f->notes[i], *b;

		if ((b = same_id[i])) {
			report_at(L, a->line, locate_column(L, a->line, "note", "id"),
				  "note id '%s' is already used by %s:%u", a->id, b->file, b->line);
			ok = false;
		} else if ((b = same_nt[i])) {
			report_at(L, a->line, locate_column(L, a->line, "note", "type"),
				  "note '%s' repeats name \"%s\" and type 0x%x of '%s' (%s:%u) for the same machine",
				  a->id, a->note_name, a->n_type, b->id, b->file, b->line);
			ok = false;
		}
	}
	return ok;
}

static int load_doc(struct loader *L, struct guestcore_layouts *set, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	struct pfile pf = { 0 };
	bool ok = true;

	L->file->family = prop(root, "family");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is_elem(n, "enum") || is_elem(n, "flags")) {
			if (!parse_enum(L, n, is_elem(n, "flags")))
				ok = false;
		} else if (is_elem(n, "struct")) {
			struct pstruct **v = reallocarray(pf.structs, pf.n_structs + 1, sizeof(*v));
			struct pstruct *ps;
			if (!v) {
				ok = false;
				break;
			}
			pf.structs = v;
			ps = calloc(1, sizeof(*ps));
			if (!ps) {
				ok = false;
				break;
			}
			ps->name = prop(n, "name");
			ps->node = n;
			if (find_struct(&pf, ps->name)) {
				report(L, n, "name", "struct '%s' is defined twice in this file", ps->name);
				ok = false;
			}
			/* Its members see only the structs before it: a struct
			 * cannot hold itself, so flattening always ends. */
			if (!parse_members(L, &pf, n, ps, true, "struct"))
				ok = false;
			pf.structs[pf.n_structs++] = ps;
		} else if (is_elem(n, "note")) {
			if (!parse_note(L, &pf, n))
				ok = false;
		}
	}
	for (size_t i = 0; i < pf.n_structs; i++) {
		pstruct_clear(pf.structs[i]);
		free(pf.structs[i]);
	}
	free(pf.structs);
	if (ok)
		ok = check_duplicates(L, set);
	return ok && L->errors == 0 ? 0 : -EINVAL;
}

GUESTCORE_API int guestcore_layouts_load_file(struct guestcore_layouts *set, const char *path,
					      guestcore_diag_fn diag, void *userdata)
{
	struct loader L = { .path = path, .diag = diag, .userdata = userdata };
	_cleanup_free_ char *text = NULL;
	struct gc_layout_file **fv;
	struct guestcore_note_layout **av;
	xmlDocPtr doc;
	int r;

	if (!set || !path)
		return -EINVAL;
	doc = read_and_parse(&L, &text, &r);
	if (!doc)
		return r;
	{
		/* A newer language says so, before the schema finds fault with it. */
		xmlNodePtr root = xmlDocGetRootElement(doc);
		_cleanup_free_ char *ver = root ? prop(root, "version") : NULL;
		uint64_t v;
		if (ver && parse_u64(ver, &v) && v > GC_LAYOUT_LANGUAGE) {
			report(&L, root, "version", "written in layout language version %" PRIu64 "; this guestcore "
			       "reads version %u: upgrade guestcore", v, GC_LAYOUT_LANGUAGE);
			xmlFreeDoc(doc);
			return -EPROTONOSUPPORT;
		}
	}
	r = validate(set, &L, doc);
	if (r < 0) {
		xmlFreeDoc(doc);
		return r;
	}
	L.file = calloc(1, sizeof(*L.file));
	if (!L.file || !(L.file->path = strdup(path))) {
		free(L.file);
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	L.set = set;
	r = load_doc(&L, set, doc);
	xmlFreeDoc(doc);
	if (r < 0) {
		gc_layout_file_free(L.file);
		return r;
	}
	fv = reallocarray(set->files, set->n_files + 1, sizeof(*fv));
	if (fv)
		set->files = fv;
	av = reallocarray(set->all, set->n_all + L.file->n_notes, sizeof(*av));
	if (av)
		set->all = av;
	if (!fv || !av) {
		gc_layout_file_free(L.file);
		return -ENOMEM;
	}
	set->files[set->n_files++] = L.file;
	for (size_t i = 0; i < L.file->n_notes; i++)
		set->all[set->n_all++] = L.file->notes[i];
	return 0;
}

int gc_layout_file_language(const char *path, unsigned *ret_version)
{
	struct loader L = { .path = path };
	_cleanup_free_ char *text = NULL, *ver = NULL;
	xmlDocPtr doc;
	uint64_t v = 1;
	int r;

	doc = read_and_parse(&L, &text, &r);
	if (!doc)
		return r;
	if (xmlDocGetRootElement(doc))
		ver = prop(xmlDocGetRootElement(doc), "version");
	xmlFreeDoc(doc);
	if (ver && !parse_u64(ver, &v))
		return -EINVAL;
	*ret_version = v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
	return 0;
}

static int xml_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".xml") == 0;
}

GUESTCORE_API int guestcore_layouts_load_dir(struct guestcore_layouts *set, const char *dir,
					     guestcore_diag_fn diag, void *userdata)
{
	struct dirent **names = NULL;
	int n, refused = 0;

	if (!set || !dir)
		return -EINVAL;
	n = scandir(dir, &names, xml_filter, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = gc_strdup_printf("%s/%s", dir, names[i]->d_name);
		if (!path || guestcore_layouts_load_file(set, path, diag, userdata) < 0)
			refused++;
		free(names[i]);
	}
	free(names);
	return refused;
}

GUESTCORE_API int guestcore_layouts_new(const char *xsd_path, struct guestcore_layouts **ret)
{
	struct guestcore_layouts *set;
	xmlSchemaParserCtxtPtr pctxt;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (!xsd_path || !ret)
		return -EINVAL;
	LIBXML_TEST_VERSION;
	r = read_file(xsd_path, &text, &len);
	if (r < 0)
		return r;
	if (memmem(text, len, "<!DOCTYPE", 9))
		return -EINVAL;
	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->xsd_path = strdup(xsd_path);
	pctxt = xmlSchemaNewMemParserCtxt(text, (int)len);
	if (!pctxt || !set->xsd_path) {
		xmlSchemaFreeParserCtxt(pctxt);
		guestcore_layouts_free(set);
		return -ENOMEM;
	}
	/* The library never prints: swallow the schema parser's messages. */
	xmlSchemaSetParserStructuredErrors(pctxt, silent_error_cb, NULL);
	xmlSetStructuredErrorFunc(NULL, silent_error_cb);
	set->schema = xmlSchemaParse(pctxt);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSchemaFreeParserCtxt(pctxt);
	if (!set->schema) {
		guestcore_layouts_free(set);
		return -EINVAL;
	}
	*ret = set;
	return 0;
}

GUESTCORE_API void guestcore_layouts_free(struct guestcore_layouts *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_files; i++)
		gc_layout_file_free(set->files[i]);
	free(set->files);
	free(set->all);
	if (set->schema)
		xmlSchemaFree(set->schema);
	free(set->xsd_path);
	free(set);
}

GUESTCORE_API const char *guestcore_installed_schema_dir(void)
{
	return GC_SCHEMADIR;
}
