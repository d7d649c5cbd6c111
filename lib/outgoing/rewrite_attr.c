/*
 * rewrite_attr.c - the tag with facts (see rewrite_int.h): where a tag
 * ends, what its attributes say, and whether an HTML part may take the
 * widget at a given place.
 *
 *	[InsertSatisfactionEvaluation ticket="123" agent=jdoe team='N1']
 *
 * A tag is the configured tag without its closing ']' (the prefix),
 * followed either by ']' (the bare tag) or by a blank, '<' or '&' and
 * attributes up to the ']' that closes it. Help desks build the text part
 * from the HTML one, so a tag may be wrapped over lines; HTML editors put
 * <span>, <br> and &nbsp; inside it and turn quotes curly. The end is found
 * by brackets ('[' and ']' nest) outside quoted values; markup is skipped
 * in HTML; quotes are straight, curly (UTF-8) or, in HTML, character
 * references. A tag with no end within TAG_SCAN_MAX bytes is unclosed: it
 * runs to the end of its line and is removed, never expanded.
 *
 * Attributes are read from the tag's text once cleaned: turned to UTF-8
 * from the part's charset, markup dropped, character references decoded,
 * blanks and control characters made spaces, quotes made straight. Keys
 * are the X-NPS-* suffixes and status, in any case; a value is quoted or
 * a bare word. An unknown key, an overlong value, a placeholder the help
 * desk left unreplaced: a warning, and the value is not used; an empty
 * value or "-" is unset too (rules_value_unset).
 *
 * The HTML context is a small tokenizer that follows an HTML part from
 * its start: text, a tag and its quoted attribute values, a comment, the
 * content of <script> and <style>. The widget goes only where text may
 * be; a tag anywhere else is removed. Outlook's conditional comments,
 * <!--[if mso]> ... <![endif]-->, hold what Outlook shows: text.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mail/mime.h"
#include "outgoing/rewrite_int.h"
#include "outgoing/rules.h"

#define TAG_SCAN_MAX 65536	/* bytes a tag with attributes may span */
#define ATTR_MAX 32		/* attributes read from one tag */
#define ATTR_VALUE_MAX 256	/* bytes of one value, in UTF-8 */
#define WARN_MAX 480		/* bytes of the warning line */

static const char *const fact_names[REWRITE_FACT_COUNT] = {
	"ticket", "agent", "team", "channel", "reason", "priority", "lang",
	"survey", "status"
};

enum quote_kind {
	Q_NONE = 0,
	Q_DOUBLE,
	Q_SINGLE
};

const char *
rewrite_fact_name(enum rewrite_fact f)
{
	return (size_t)f < REWRITE_FACT_COUNT ? fact_names[f] : "?";
}

/* --- warnings ------------------------------------------------------------ */

void
rw_warn(struct rw *rw, const char *fmt, ...)
{
	struct buf *w = &rw->res->warn;
	struct buf one = BUF_INIT;
	va_list ap;

	if (w->len >= WARN_MAX)
		return;
	va_start(ap, fmt);
	buf_vprintf(&one, fmt, ap);
	va_end(ap);
	if (w->len > 0)
		buf_puts(w, "; ");
	buf_append(w, one.data, one.len);
	if (w->len > WARN_MAX) {
		buf_truncate(w, utf8_floor(w->data, w->len, WARN_MAX));
		buf_puts(w, "...");
	}
	buf_free(&one);
}

/* --- characters ---------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t cp;
} named_refs[] = {
	{ "quot", 0x22 }, { "apos", 0x27 }, { "amp", 0x26 }, { "lt", 0x3c },
	{ "gt", 0x3e }, { "nbsp", 0xa0 }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "bdquo", 0x201e }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "laquo", 0xab }, { "raquo", 0xbb },
};

/* The character reference at p ('&'), n bytes: its length, or 0. */
static size_t
char_ref(const char *p, size_t n, uint32_t *cp)
{
	size_t i = 1, j, lim = n < 12 ? n : 12;
	uint32_t v = 0;
	int d;

	if (lim > 2 && p[1] == '#') {
		bool hex = lim > 3 && (p[2] == 'x' || p[2] == 'X');

		for (i = hex ? 3 : 2; i < lim && p[i] != ';'; i++) {
			if (hex && (d = hex_digit((unsigned char)p[i])) >= 0)
				v = v * 16 + (uint32_t)d;
			else if (!hex && p[i] >= '0' && p[i] <= '9')
				v = v * 10 + (uint32_t)(p[i] - '0');
			else
				return 0;
			if (v > 0x10ffff)
				return 0;
		}
		if (i >= lim || i == (hex ? 3u : 2u) || v == 0)
			return 0;
		*cp = v;
		return i + 1;
	}
	for (j = 0; j < sizeof(named_refs) / sizeof(named_refs[0]); j++) {
		size_t l = strlen(named_refs[j].name);

		if (l + 2 <= n && memcmp(p + 1, named_refs[j].name, l) == 0 &&
		    p[l + 1] == ';') {
			*cp = named_refs[j].cp;
			return l + 2;
		}
	}
	return 0;
}

/* The character at p (n > 0 bytes): a UTF-8 sequence, a character
 * reference in HTML, or else the byte. Its length in bytes. */
static size_t
char_at(const char *p, size_t n, bool html, uint32_t *cp)
{
	size_t k;

	if (html && p[0] == '&' && (k = char_ref(p, n, cp)) > 0)
		return k;
	if ((unsigned char)p[0] >= 0x80 && (k = utf8_seq(p, n, cp)) > 0)
		return k;
	*cp = (unsigned char)p[0];
	return 1;
}

static enum quote_kind
quote_kind(uint32_t cp)
{
	if (cp == '"' || cp == 0x201c || cp == 0x201d || cp == 0x201e)
		return Q_DOUBLE;
	if (cp == '\'' || cp == 0x2018 || cp == 0x2019)
		return Q_SINGLE;
	return Q_NONE;
}

static bool
is_blank_cp(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' ||
	    cp == '\f' || cp == 0xa0;
}

/* --- where a tag ends ---------------------------------------------------- */

bool
rw_tag_starts(const struct rw *rw, const char *t, size_t n, size_t x)
{
	size_t i = x + rw->pfxlen;
	unsigned char c;

	if (!rw->attrs)
		return true;	/* the configured text is matched whole */
	if (i >= n)
		return true;	/* a name at the very end: unclosed */
	c = (unsigned char)t[i];
	/* A no-break space: 0xa0 in a single-byte charset, c2 a0 in
	 * UTF-8. */
	return c == ']' || c == ' ' || c == '\t' || c == '\r' ||
	    c == '\n' || c == '<' || c == '&' || c == 0xa0 ||
	    (c == 0xc2 && i + 1 < n && (unsigned char)t[i + 1] == 0xa0);
}

/*
 * The length of the tag that starts at x in t (n bytes), whose start
 * rw_tag_starts accepted; *closed says whether its ']' was found.
 */
size_t
rw_tag_span(const struct rw *rw, const char *t, size_t n, size_t x,
    bool html, bool *closed)
{
	size_t i = x + rw->pfxlen, lim, k;
	const char *gt, *nl;
	enum quote_kind q = Q_NONE, qk;
	bool after_eq = false;
	int depth = 1;
	uint32_t cp;

	*closed = true;
	if (!rw->attrs)
		return rw->taglen;
	if (i < n && t[i] == ']')
		return rw->pfxlen + 1;
	lim = n - x > TAG_SCAN_MAX ? x + TAG_SCAN_MAX : n;
	while (i < lim) {
		if (html && t[i] == '<') {
			gt = memchr(t + i, '>', lim - i);
			if (gt == NULL)
				break;
			i = (size_t)(gt - t) + 1;
			continue;
		}
		k = char_at(t + i, lim - i, html, &cp);
		qk = quote_kind(cp);
		if (q != Q_NONE) {
			if (qk == q)
				q = Q_NONE;
		} else if (qk != Q_NONE && after_eq) {
			q = qk;
		} else if (cp == '[') {
			depth++;
		} else if (cp == ']' && --depth == 0) {
			return i + 1 - x;
		}
		if (!is_blank_cp(cp))
			after_eq = cp == '=';
		i += k;
	}
	/* Unclosed: to the end of the line, its line end (CRLF or LF) and
	 * a CR at the end of the text kept. */
	*closed = false;
	i = x + rw->pfxlen;
	nl = i < n ? memchr(t + i, '\n', n - i) : NULL;
	k = nl ? (size_t)(nl - t) : n;
	if (k > i && t[k - 1] == '\r')
		k--;
	return k - x;
}

/* --- what a tag says ----------------------------------------------------- */

/* The text between the tag's name and its ']', cleaned (see the top). */
static void
attr_clean(const char *p, size_t n, bool html, const char *cs,
    struct buf *out)
{
	struct buf u = BUF_INIT;
	const char *s, *end, *gt;
	uint32_t cp;
	size_t k, nl;
	enum quote_kind qk;

	mime_charset_to_utf8(cs, p, n, &u);
	s = buf_cstr(&u);
	end = s + u.len;
	while (s < end) {
		if (html && *s == '<') {
			gt = memchr(s, '>', (size_t)(end - s));
			nl = gt ? (size_t)(gt - s) : (size_t)(end - s);
			/* <br>, <p>, <div>: a line break, so a space. */
			if (nl >= 2 && (strncasecmp(s + 1, "br", 2) == 0 ||
			    strncasecmp(s + 1, "p", 1) == 0 ||
			    strncasecmp(s + 1, "div", 3) == 0 ||
			    strncasecmp(s + 1, "/p", 2) == 0 ||
			    strncasecmp(s + 1, "/div", 4) == 0))
				buf_putc(out, ' ');
			s = gt ? gt + 1 : end;
			continue;
		}
		k = char_at(s, (size_t)(end - s), html, &cp);
		s += k;
		qk = quote_kind(cp);
		if (qk == Q_DOUBLE)
			buf_putc(out, '"');
		else if (qk == Q_SINGLE)
			buf_putc(out, '\'');
		else if (cp < 0x20 || cp == 0x7f || cp == 0xa0)
			buf_putc(out, ' ');
		else
			utf8_put(out, cp);
	}
	buf_free(&u);
}

static bool
key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* The value v (n bytes) trimmed of blanks, as *vp, n in *vn. */
static void
trim(const char **vp, size_t *vn)
{
	const char *v = *vp;
	size_t n = *vn;

	while (n > 0 && *v == ' ') {
		v++;
		n--;
	}
	while (n > 0 && v[n - 1] == ' ')
		n--;
	*vp = v;
	*vn = n;
}

/* One key = value of a tag: kept in f when known and usable. -1 when
 * the key is unknown. */
static int
attr_take(struct rw *rw, struct rewrite_facts *f, const char *key,
    size_t klen, const char *v, size_t vn)
{
	const char *ph = NULL;
	size_t phlen;
	int i;

	for (i = 0; i < REWRITE_FACT_COUNT; i++)
		if (strlen(fact_names[i]) == klen &&
		    strncasecmp(key, fact_names[i], klen) == 0)
			break;
	if (i == REWRITE_FACT_COUNT)
		return -1;
	trim(&v, &vn);
	if (vn > ATTR_VALUE_MAX) {
		rw_warn(rw, "tag attribute %s: value of %zu bytes ignored; "
		    "allowed: at most %d", fact_names[i], vn, ATTR_VALUE_MAX);
		return 0;
	}
	if (rules_value_unset(v, vn, &ph, &phlen)) {
		if (phlen > 0)
			rw_warn(rw, "tag attribute %s: placeholder '%.*s' not "
			    "replaced by the help desk, taken as unset",
			    fact_names[i], (int)(phlen > 60 ? 60 : phlen), ph);
		return 0;
	}
	if (f->v[i] == NULL)	/* the first one counts */
		f->v[i] = xstrndup(v, vn);
	return 0;
}

/*
 * Reads the attributes of the tag [x, x + span) of t into f (which is
 * empty): the text after the tag's name and before its ']', in the
 * current part's charset.
 */
void
rw_tag_attrs(struct rw *rw, const char *t, size_t x, size_t span, bool html,
    struct rewrite_facts *f)
{
	struct buf c = BUF_INIT, unknown = BUF_INIT;
	const char *s, *end, *key, *v;
	size_t klen, vn, count = 0, n_unknown = 0, n_junk = 0;
	char q;

	if (span <= rw->pfxlen + 1)
		return;
	attr_clean(t + x + rw->pfxlen, span - rw->pfxlen - 1, html,
	    rw->cur_cs, &c);
	s = buf_cstr(&c);
	end = s + c.len;
	for (;;) {
		while (s < end && *s == ' ')
			s++;
		if (s >= end)
			break;
		if (++count > ATTR_MAX) {
			rw_warn(rw, "tag with more than %d attributes: the "
			    "rest ignored", ATTR_MAX);
			break;
		}
		for (key = s; s < end && key_char(*s); s++)
			;
		klen = (size_t)(s - key);
		while (s < end && *s == ' ')
			s++;
		if (klen == 0 || s >= end || *s != '=') {
			/* A word that is not key=value: skipped whole. */
			if (klen == 0)
				while (s < end && *s != ' ')
					s++;
			if (n_junk++ == 0)
				rw_warn(rw, "tag text '%.*s' is not "
				    "key=value, ignored",
				    (int)((size_t)(s - key) > 40 ? 40 :
				    (size_t)(s - key)), key);
			continue;
		}
		for (s++; s < end && *s == ' '; s++)
			;
		if (s < end && (*s == '"' || *s == '\'')) {
			q = *s++;
			v = s;
			while (s < end && *s != q)
				s++;
			vn = (size_t)(s - v);
			if (s < end)
				s++;
		} else {
			for (v = s; s < end && *s != ' '; s++)
				;
			vn = (size_t)(s - v);
		}
		if (attr_take(rw, f, key, klen, v, vn) < 0 &&
		    n_unknown++ == 0)
			buf_append(&unknown, key, klen > 40 ? 40 : klen);
	}
	if (n_unknown > 0)
		rw_warn(rw, "tag attribute '%s'%s unknown, ignored; allowed: "
		    "ticket, agent, team, channel, reason, priority, lang, "
		    "survey, status", buf_cstr(&unknown), n_unknown > 1 ?
		    " and others" : "");
	f->found = true;
	buf_free(&c);
	buf_free(&unknown);
}

void
rewrite_facts_clear(struct rewrite_facts *f)
{
	int i;

	for (i = 0; i < REWRITE_FACT_COUNT; i++) {
		free(f->v[i]);
		f->v[i] = NULL;
	}
	f->found = false;
}

/* --- the HTML context ---------------------------------------------------- */

enum hstate {
	H_DATA = 0,	/* text: the widget may go here */
	H_LT,		/* just after '<' */
	H_TAG,		/* inside a tag, outside quotes */
	H_DQ,		/* in a "value" */
	H_SQ,		/* in a 'value' */
	H_COMMENT,
	H_RAW		/* the content of <script> or <style> */
};

static void
hctx_byte(struct rw_hctx *h, unsigned char c)
{
	static const char *const ends[] = { "", "</script", "</style" };

	for (;;) {
		switch (h->st) {
		case H_DATA:
			if (c == '<') {
				h->st = H_LT;
				h->np = 0;
			}
			return;
		case H_LT:
			if (h->np < sizeof(h->pend))
				h->pend[h->np++] = (char)c;
			if (h->pend[0] == '!') {
				if (h->np == 3 && memcmp(h->pend, "!--", 3) ==
				    0) {
					/* "<!-->" is a whole, empty
					 * comment. */
					h->st = H_COMMENT;
					h->dashes = 2;
					h->cpos = 0;
					h->cond = false;
				} else if (h->np > 1 && h->pend[h->np - 1] !=
				    '-') {
					/* <!DOCTYPE ...> */
					h->st = H_TAG;
					h->raw = 0;
					continue;
				}
				return;
			}
			if (!isalpha((unsigned char)h->pend[0]) &&
			    h->pend[0] != '/' && h->pend[0] != '?') {
				h->st = H_DATA;	/* "<" as text */
				continue;
			}
			if (isalpha(c) && h->np < sizeof(h->pend))
				return;
			h->raw = 0;
			if (h->np - 1 == 6 &&
			    strncasecmp(h->pend, "script", 6) == 0)
				h->raw = 1;
			else if (h->np - 1 == 5 &&
			    strncasecmp(h->pend, "style", 5) == 0)
				h->raw = 2;
			h->st = H_TAG;
			continue;
		case H_TAG:
			if (c == '"')
				h->st = H_DQ;
			else if (c == '\'')
				h->st = H_SQ;
			else if (c == '>') {
				h->st = h->raw ? H_RAW : H_DATA;
				h->match = 0;
			}
			return;
		case H_DQ:
			if (c == '"')
				h->st = H_TAG;
			return;
		case H_SQ:
			if (c == '\'')
				h->st = H_TAG;
			return;
		case H_COMMENT:
			/* <!--[if mso]> ... <![endif]-->: Outlook shows what
			 * the condition holds, so it is text, not comment. */
			if (h->cpos < 3) {
				if (tolower(c) != "[if"[h->cpos])
					h->cpos = 3;
				else if (++h->cpos == 3)
					h->cond = true;
			}
			if (h->cond && c == '>' && h->prev == ']') {
				h->st = H_DATA;
				return;
			}
			h->prev = c;
			if (c == '-')
				h->dashes++;
			else if (c == '>' && h->dashes >= 2)
				h->st = H_DATA;
			else
				h->dashes = 0;
			return;
		case H_RAW:
			if (tolower(c) == ends[h->raw][h->match]) {
				if (ends[h->raw][++h->match] == '\0') {
					h->st = H_TAG;
					h->raw = 0;
				}
			} else {
				h->match = c == '<' ? 1 : 0;
			}
			return;
		default:
			h->st = H_DATA;
			return;
		}
	}
}

void
rw_hctx_feed(struct rw_hctx *h, const char *p, size_t n)
{
	const char *end = p + n, *lt;

	while (p < end) {
		/* Skip what cannot change the state: text to the next '<',
		 * a quoted value to its quote, a tag to a quote or '>'. */
		if (h->st == H_DATA || h->st == H_DQ || h->st == H_SQ) {
			lt = memchr(p, h->st == H_DATA ? '<' : h->st == H_DQ ?
			    '"' : '\'', (size_t)(end - p));
			if (lt == NULL)
				return;
			p = lt;
		} else if (h->st == H_TAG) {
			while (p < end && *p != '"' && *p != '\'' && *p != '>')
				p++;
			if (p == end)
				return;
		}
		hctx_byte(h, (unsigned char)*p++);
	}
}

const char *
rw_hctx_where(const struct rw_hctx *h)
{
	switch (h->st) {
	case H_DATA:
	case H_LT:
		return NULL;	/* "<[tag": '[' cannot start a tag name */
	case H_TAG:
		return "inside an HTML tag";
	case H_DQ:
	case H_SQ:
		return "inside an HTML attribute value";
	case H_COMMENT:
		return "inside an HTML comment";
	default:
		return "inside <script> or <style>";
	}
}
