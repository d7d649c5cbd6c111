/*
 * rewrite.c - expand the survey tag in a whole message; see rewrite.h.
 *
 * The message is never rebuilt: the change is a list of edits (offset,
 * length, new bytes) on the original, sorted by offset, and the new body is
 * the original with those edits applied. So every byte outside a changed
 * region is the original byte, by construction.
 *
 * How small a change is depends on the part's transfer encoding:
 *  - 7bit, 8bit, binary: the tag's bytes are replaced where they lie;
 *  - quoted-printable: the part is never decoded whole; the places where
 *    the tag's first character is written ('[' or "=5B") are decoded far
 *    enough to compare, so a tag split by soft line breaks is found, and
 *    only the logical lines (physical lines joined by soft breaks) that
 *    hold a tag are decoded and re-encoded; every other line stays
 *    (unless one is over 998 bytes: then the whole part is re-encoded);
 *  - base64: the part is decoded and re-encoded whole (base64 has no lines
 *    to keep).
 * The widget goes in the part's own charset. In HTML, characters the
 * charset cannot hold (the star, accents in us-ascii) are written as
 * numeric character references, so an HTML part never changes charset: an
 * HTML document often names its charset in a <meta> too, which a MIME
 * header change would contradict. A text/plain part whose charset cannot
 * hold the text version is converted whole to UTF-8 quoted-printable, with
 * its Content-Type and Content-Transfer-Encoding changed to match; when
 * its bytes are not even valid in its charset (no honest UTF-8 exists), it
 * keeps them and gets the text version folded to ASCII. A 7bit part that
 * would gain 8-bit bytes, and a 7bit/8bit part with a line over 998 bytes
 * after the change, are re-encoded whole as quoted-printable.
 *
 * Without a survey the tags are removed until none is left (pieces around
 * a removed tag cannot join into a new one); in text/plain a line left
 * blank goes too. No change may turn a line into a delimiter of an
 * enclosing multipart ("--[tag]b" without its tag): such a message is
 * left unchanged, with its reason.
 *
 * Left alone: attachments (Content-Disposition: attachment), attached
 * messages (message/rfc822: another mail, not ours to edit), the content
 * of multipart/signed and multipart/encrypted (a change would break the
 * signature), and parts in charsets that are not ASCII-compatible
 * (UTF-16, UTF-7...), where the tag cannot be found byte-wise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/buf.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite.h"
#include "base/xalloc.h"

#define DEFAULT_TAG "[InsertSatisfactionEvaluation]"
#define LINE_MAX_SMTP 998

struct edit {
	size_t off, len;	/* replaced span, in the text it applies to */
	struct buf repl;
};

struct edits {
	struct edit *v;
	size_t n, cap;
};

struct rw {
	const struct config *cf;
	const struct widget_templates *tpl;
	const struct widget_request *req;
	const char *msg;
	size_t len;
	const char *tag;
	size_t taglen;
	const char *msg_eol;
	struct buf html, text;	/* rendered widgets, UTF-8, "\n" */
	bool have_html, have_text;
	struct edits medits;	/* on the message, by offset */
	struct buf dec;		/* decoded body of the current part */
	struct buf line;	/* scratch: one decoded QP logical line */
	struct rewrite_result *res;
	struct npserr *err;
	int failed;		/* -1 internal error, 1 malformed */
};

static struct edit *
edits_add(struct edits *e, size_t off, size_t len)
{
	struct edit *ed;

	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	ed = &e->v[e->n++];
	ed->off = off;
	ed->len = len;
	buf_init(&ed->repl);
	return ed;
}

static void
edits_free(struct edits *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		buf_free(&e->v[i].repl);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

/* Appends text (n bytes) with edits applied (offsets relative to base). */
static void
apply_edits(const char *text, size_t n, size_t base, const struct edit *v,
    size_t nv, struct buf *out)
{
	size_t pos = base, i;

	for (i = 0; i < nv; i++) {
		buf_append(out, text + (pos - base), v[i].off - pos);
		buf_append(out, v[i].repl.data, v[i].repl.len);
		pos = v[i].off + v[i].len;
	}
	buf_append(out, text + (pos - base), base + n - pos);
}

static const char *
eol_of(const char *p, size_t n, const char *fallback)
{
	const char *nl = memchr(p, '\n', n);

	if (nl == NULL)
		return fallback;
	return (nl > p && nl[-1] == '\r') ? "\r\n" : "\n";
}

/* Copies s, its "\n" line ends written as eol. */
static void
append_eol(struct buf *out, const char *s, size_t n, const char *eol)
{
	const char *nl;

	if (eol[0] == '\n') {
		buf_append(out, s, n);
		return;
	}
	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		buf_append(out, s, (size_t)(nl - s));
		buf_puts(out, eol);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	buf_append(out, s, n);
}

static bool
has_8bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}

/*
 * The first tag in [p, p + n), or NULL. memchr for its first byte, then a
 * compare: much faster than memmem on mail text, where '[' is rare.
 */
static const char *
find_tag(const struct rw *rw, const char *p, size_t n)
{
	const char *end = p + n, *q;

	while ((size_t)(end - p) >= rw->taglen &&
	    (q = memchr(p, rw->tag[0], (size_t)(end - p) - rw->taglen + 1)) !=
	    NULL) {
		if (memcmp(q, rw->tag, rw->taglen) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

static size_t
max_line(const char *p, size_t n)
{
	const char *nl, *s = p, *end = p + n;
	size_t m = 0, l;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		l = (size_t)((nl ? nl : end) - s);
		if (nl && l > 0 && s[l - 1] == '\r')
			l--;
		if (l > m)
			m = l;
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	return m;
}

/* UTF-8 to ASCII HTML: every other character as &#N;, and a byte that
 * starts no character as U+FFFD. */
static void
html_ascii(const char *p, size_t n, struct buf *out)
{
	size_t i, len;
	uint32_t cp;

	for (i = 0; i < n; i += len) {
		if ((len = utf8_seq(p + i, n - i, &cp)) == 0) {
			len = 1;
			cp = 0xfffd;
		}
		if (cp < 0x80)
			buf_putc(out, (char)cp);
		else
			buf_printf(out, "&#%u;", (unsigned int)cp);
	}
}

/*
 * UTF-8 to plain ASCII, for a text part that cannot become UTF-8: Latin
 * letters lose their accents, typographic quotes and dashes become ASCII
 * ones, anything else '?'. Readable French beats a tag left in the mail.
 */
static void
ascii_fold(const char *p, size_t n, struct buf *out)
{
	static const char *const latin[64] = {
		"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E",
		"I", "I", "I", "I", "D", "N", "O", "O", "O", "O", "O", "x",
		"O", "U", "U", "U", "U", "Y", "TH", "ss", "a", "a", "a", "a",
		"a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u",
		"u", "y", "th", "y"
	};
	size_t i, len;
	uint32_t cp;

	for (i = 0; i < n; i += len) {
		if ((len = utf8_seq(p + i, n - i, &cp)) == 0) {
			len = 1;
			cp = 0xfffd;	/* no character starts here: '?' */
		}
		if (cp < 0x80)
			buf_putc(out, (char)cp);
		else if (cp >= 0xc0 && cp <= 0xff)
			buf_puts(out, latin[cp - 0xc0]);
		else if (cp == 0xa0)
			buf_putc(out, ' ');
		else if (cp == 0x152 || cp == 0x153)
			buf_puts(out, cp == 0x152 ? "OE" : "oe");
		else if (cp == 0xab || cp == 0xbb || cp == 0x201c ||
		    cp == 0x201d)
			buf_putc(out, '"');
		else if (cp == 0x2018 || cp == 0x2019)
			buf_putc(out, '\'');
		else if (cp == 0x2013 || cp == 0x2014)
			buf_putc(out, '-');
		else if (cp == 0x2026)
			buf_puts(out, "...");
		else
			buf_putc(out, '?');
	}
}

static bool
charset_ascii_compatible(const char *cs)
{
	return strncasecmp(cs, "utf-16", 6) != 0 &&
	    strncasecmp(cs, "utf-32", 6) != 0 &&
	    strncasecmp(cs, "utf-7", 5) != 0 &&
	    strncasecmp(cs, "ucs-", 4) != 0 &&
	    strncasecmp(cs, "utf16", 5) != 0 &&
	    strncasecmp(cs, "utf32", 5) != 0;
}

static int
widget_get(struct rw *rw, bool html, const struct buf **out)
{
	struct buf *b = html ? &rw->html : &rw->text;
	bool *have = html ? &rw->have_html : &rw->have_text;

	if (!*have) {
		if (widget_render(rw->cf, rw->tpl, rw->req, html, b,
		    rw->err) < 0)
			return -1;
		*have = true;
	}
	*out = b;
	return 0;
}

/* --- header fields ------------------------------------------------------- */

static bool
field_is(const char *line, size_t n, const char *name)
{
	size_t l = strlen(name), i;

	if (n <= l || strncasecmp(line, name, l) != 0)
		return false;
	for (i = l; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i < n && line[i] == ':';
}

/*
 * Copies the header block hdr with the first field called name replaced by
 * "name: value" (its continuation lines dropped), or with that field added
 * before the blank line when there is none.
 */
static void
header_set(const char *hdr, size_t hlen, const char *name, const char *value,
    const char *eol, struct buf *out)
{
	size_t pos = 0, ll, body_end = hlen;
	const char *nl;
	bool done = false;

	/* The blank line that ends the block, if any, stays last. */
	if (hlen >= 2 && hdr[hlen - 1] == '\n' && hdr[hlen - 2] == '\n')
		body_end = hlen - 1;
	else if (hlen >= 3 && hdr[hlen - 1] == '\n' && hdr[hlen - 2] == '\r' &&
	    hdr[hlen - 3] == '\n')
		body_end = hlen - 2;
	else if (hlen == 1 || (hlen == 2 && hdr[0] == '\r'))
		body_end = 0;
	while (pos < body_end) {
		nl = memchr(hdr + pos, '\n', body_end - pos);
		ll = nl ? (size_t)(nl - (hdr + pos)) + 1 : body_end - pos;
		if (!done && field_is(hdr + pos, ll, name)) {
			buf_printf(out, "%s: %s%s", name, value, eol);
			done = true;
			pos += ll;
			while (pos < body_end && (hdr[pos] == ' ' ||
			    hdr[pos] == '\t')) {
				nl = memchr(hdr + pos, '\n', body_end - pos);
				pos = nl ? (size_t)(nl - hdr) + 1 : body_end;
			}
			continue;
		}
		buf_append(out, hdr + pos, ll);
		if (nl == NULL)
			buf_puts(out, eol);
		pos += ll;
	}
	if (!done)
		buf_printf(out, "%s: %s%s", name, value, eol);
	buf_append(out, hdr + body_end, hlen - body_end);
}

/* The value span [*v0, *v1) of parameter param in a Content-Type value. */
static int
param_span(const char *v, size_t n, const char *param, size_t *v0,
    size_t *v1)
{
	size_t i = 0, a0, a1, plen = strlen(param);
	bool inq = false;

	for (; i < n; i++) {
		if (v[i] == '"')
			inq = !inq;
		else if (v[i] == '\\' && inq)
			i++;
		else if (v[i] == ';' && !inq)
			break;
	}
	while (i < n) {
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		a0 = i;
		while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ' ' &&
		    v[i] != '\t')
			i++;
		a1 = i;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i >= n || v[i] != '=')
			continue;
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		*v0 = i;
		if (i < n && v[i] == '"') {
			for (i++; i < n && v[i] != '"'; i++)
				if (v[i] == '\\')
					i++;
			if (i < n)
				i++;
		} else
			while (i < n && v[i] != ';' && v[i] != ' ' &&
			    v[i] != '\t')
				i++;
		*v1 = i < n ? i : n;
		if (a1 - a0 == plen && strncasecmp(v + a0, param, plen) == 0)
			return 1;
		while (i < n && v[i] != ';')
			i++;
	}
	return 0;
}

/* The part's Content-Type, unfolded, with charset=utf-8. Caller frees. */
static char *
content_type_utf8(const char *msg, const struct mime_part *part)
{
	struct buf unf = BUF_INIT, out = BUF_INIT;
	const char *v;
	size_t vlen, i, v0, v1;

	if (!mime_header_find(msg, part, "Content-Type", &v, &vlen)) {
		buf_printf(&out, "%s/%s; charset=utf-8", part->type,
		    part->subtype);
		return buf_steal(&out);
	}
	for (i = 0; i < vlen; i++)
		if (v[i] != '\r' && v[i] != '\n')
			buf_putc(&unf, v[i]);
	if (param_span(unf.data, unf.len, "charset", &v0, &v1)) {
		buf_append(&out, unf.data, v0);
		buf_puts(&out, "utf-8");
		buf_append(&out, unf.data + v1, unf.len - v1);
	} else {
		while (unf.len > 0 && (unf.data[unf.len - 1] == ' ' ||
		    unf.data[unf.len - 1] == '\t' ||
		    unf.data[unf.len - 1] == ';'))
			buf_truncate(&unf, unf.len - 1);
		buf_append(&out, unf.data, unf.len);
		buf_puts(&out, "; charset=utf-8");
	}
	buf_free(&unf);
	return buf_steal(&out);
}

/* --- finding and replacing the tag in decoded text ------------------------ */

/*
 * Copies line (n bytes) to out without its tags, removed again and again:
 * "[InsertSatisfactionEva[tag]luation]" must not leave a tag behind. The
 * output never holds the tag, since a new one could only end at its last
 * byte, where it is checked. Returns the number of tags removed.
 */
static int
remove_tags(const struct rw *rw, const char *line, size_t n, struct buf *out)
{
	size_t i, start = out->len, tl = rw->taglen;
	char last = rw->tag[tl - 1];
	int count = 0;

	for (i = 0; i < n; i++) {
		buf_putc(out, line[i]);
		if (line[i] == last && out->len - start >= tl &&
		    memcmp(out->data + out->len - tl, rw->tag, tl) == 0) {
			buf_truncate(out, out->len - tl);
			count++;
		}
	}
	return count;
}

static bool
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/*
 * Edits that replace every tag in t (n bytes) by repl; with repl NULL (no
 * survey) the tags go, line by line, and in text a line left blank goes
 * too. Returns the number of tags.
 */
static int
tag_edits(struct rw *rw, const char *t, size_t n, const struct buf *repl,
    bool text, struct edits *out)
{
	const char *p;
	size_t pos = 0, x, ls, le;
	int count = 0;
	struct edit *e;

	while (pos + rw->taglen <= n &&
	    (p = find_tag(rw, t + pos, n - pos)) != NULL) {
		x = (size_t)(p - t);
		if (repl != NULL) {
			e = edits_add(out, x, rw->taglen);
			buf_append(&e->repl, repl->data, repl->len);
			count++;
			pos = x + rw->taglen;
			continue;
		}
		/* pos is a line start: the line of x begins at or after it. */
		for (ls = x; ls > pos && t[ls - 1] != '\n'; ls--)
			;
		p = memchr(t + x, '\n', n - x);
		le = p ? (size_t)(p - t) : n;
		e = edits_add(out, ls, le - ls);
		count += remove_tags(rw, t + ls, le - ls, &e->repl);
		if (text && blank(e->repl.data, e->repl.len)) {
			buf_reset(&e->repl);
			e->len = (le < n ? le + 1 : le) - ls;
		}
		pos = le < n ? le + 1 : n;
	}
	return count;
}

static int
lower_hex(char c)
{
	return c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c;
}

static int
hexval(char ch)
{
	int c = (unsigned char)ch;

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Whether the QP text raw (n bytes) decodes to the tag from offset e on. */
static bool
qp_tag_at(const struct rw *rw, const char *raw, size_t n, size_t e)
{
	size_t k = 0, i = e;
	int h, l, c;

	while (k < rw->taglen) {
		if (i >= n)
			return false;
		if (raw[i] != '=') {
			c = (unsigned char)raw[i++];
		} else if (i + 2 < n && (h = hexval(raw[i + 1])) >= 0 &&
		    (l = hexval(raw[i + 2])) >= 0) {
			c = h * 16 + l;
			i += 3;
		} else {
			/* Only a soft line break may come between. */
			i++;
			while (i < n && (raw[i] == ' ' || raw[i] == '\t'))
				i++;
			if (i < n && raw[i] == '\r')
				i++;
			if (i >= n || raw[i] != '\n')
				return false;
			i++;
			continue;
		}
		if (c != (unsigned char)rw->tag[k++])
			return false;
	}
	return true;
}

/* High bit set in each byte of x that is zero, and only there. */
static inline uint64_t
zero_bytes(uint64_t x)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;

	return ~(((x & low7) + low7) | x | low7);
}

/*
 * The next "=XX" at or after from that encodes byte c (hex digits in either
 * case), or (size_t)-1. HTML in quoted-printable holds an '=' every few
 * bytes ("=3D" in every attribute), so memchr for '=' would stop all the
 * time: test eight positions at once for '=' followed by the first digit.
 */
static size_t
qp_find_escape(const char *raw, size_t n, size_t from, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	const uint64_t ones = 0x0101010101010101ull;
	char h1 = hex[c >> 4], h2 = hex[c & 15];
	char l1 = (char)lower_hex(h1), l2 = (char)lower_hex(h2);
	uint64_t a, b, m;
	size_t i = from, k;

#ifdef __SSE2__
	{
		const __m128i eq = _mm_set1_epi8('='), d1 = _mm_set1_epi8(h1),
		    d1l = _mm_set1_epi8(l1);

		for (; i + 17 <= n; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(raw + i));
			__m128i y = _mm_loadu_si128((const __m128i *)(raw + i +
			    1));
			int mm = _mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(x, eq), _mm_or_si128(
			    _mm_cmpeq_epi8(y, d1), _mm_cmpeq_epi8(y, d1l))));

			if (mm == 0)
				continue;
			for (k = i; k < i + 16; k++)
				if (raw[k] == '=' && (raw[k + 1] == h1 ||
				    raw[k + 1] == l1) && k + 2 < n &&
				    (raw[k + 2] == h2 || raw[k + 2] == l2))
					return k;
		}
	}
#endif
	for (; i + 9 <= n; i += 8) {
		memcpy(&a, raw + i, 8);
		memcpy(&b, raw + i + 1, 8);
		m = zero_bytes(a ^ ('=' * ones)) &
		    (zero_bytes(b ^ ((unsigned char)h1 * ones)) |
		    zero_bytes(b ^ ((unsigned char)l1 * ones)));
		if (m == 0)
			continue;
		for (k = i; k < i + 8; k++)
			if (raw[k] == '=' && (raw[k + 1] == h1 ||
			    raw[k + 1] == l1) && k + 2 < n &&
			    (raw[k + 2] == h2 || raw[k + 2] == l2))
				return k;
	}
	for (; i + 2 < n; i++)
		if (raw[i] == '=' && (raw[i + 1] == h1 || raw[i + 1] == l1) &&
		    (raw[i + 2] == h2 || raw[i + 2] == l2))
			return i;
	return (size_t)-1;
}

/*
 * The next offset at or after from where a tag starts in the QP text raw,
 * or (size_t)-1. The tag's first character is written either as itself or
 * as "=XX", so only those places need decoding: the rest of the part is
 * never decoded, and a tag split by soft line breaks is still found.
 */
static size_t
qp_find_tag(const struct rw *rw, const char *raw, size_t n, size_t from)
{
	unsigned char c0 = (unsigned char)rw->tag[0];
	size_t lit = (size_t)-2, esc = (size_t)-2, cand;
	const char *q;

	for (;;) {
		/* (size_t)-2: not searched yet; (size_t)-1: none left. */
		if (lit == (size_t)-2) {
			q = c0 != '=' && from < n ?
			    memchr(raw + from, c0, n - from) : NULL;
			lit = q ? (size_t)(q - raw) : (size_t)-1;
		}
		if (esc == (size_t)-2)
			esc = qp_find_escape(raw, n, from, c0);
		if (lit == (size_t)-1 && esc == (size_t)-1)
			return (size_t)-1;
		cand = lit < esc ? lit : esc;
		if (cand == lit)
			lit = (size_t)-2;
		else
			esc = (size_t)-2;
		from = cand + 1;
		if (qp_tag_at(rw, raw, n, cand))
			return cand;
		/* The other one is still ahead of from: keep it. */
	}
}

/* The QP logical line (physical lines joined by soft breaks) holding
 * offset e: [*ls, *le), its hard line end included. */
static void
qp_logical_line(const char *raw, size_t n, size_t e, size_t *ls, size_t *le)
{
	size_t s = e, t, f = e, x;
	const char *nl;
	bool soft;

	for (;;) {
		while (s > 0 && raw[s - 1] != '\n')
			s--;
		if (s == 0)
			break;
		t = s - 1;
		if (t > 0 && raw[t - 1] == '\r')
			t--;
		while (t > 0 && (raw[t - 1] == ' ' || raw[t - 1] == '\t'))
			t--;
		if (t == 0 || raw[t - 1] != '=')
			break;
		s = t - 1;	/* the line before ends in a soft break */
	}
	*ls = s;
	for (;;) {
		nl = memchr(raw + f, '\n', n - f);
		if (nl == NULL) {
			f = n;
			break;
		}
		x = t = (size_t)(nl - raw);
		if (t > f && raw[t - 1] == '\r')
			t--;
		while (t > f && (raw[t - 1] == ' ' || raw[t - 1] == '\t'))
			t--;
		soft = t > f && raw[t - 1] == '=';
		f = x + 1;
		if (!soft)
			break;
	}
	*le = f;
}

/*
 * Replaces the tags of a QP part line by line: each logical line holding a
 * tag is decoded, edited and encoded again; every other byte stays.
 */
static void
qp_splice(struct rw *rw, const struct mime_part *part, size_t first,
    const struct buf *repl, bool text, const char *teol)
{
	const char *raw = rw->msg + part->body_off;
	size_t n = part->body_len, pos = first, ls, le;
	struct edits te = { NULL, 0, 0 };
	struct buf newd = BUF_INIT;
	struct edit *e;
	size_t i;

	while (pos != (size_t)-1 && pos < n) {
		qp_logical_line(raw, n, pos, &ls, &le);
		buf_reset(&rw->line);
		mime_qp_decode(raw + ls, le - ls, &rw->line);
		te.n = 0;
		rw->res->tags += tag_edits(rw, buf_cstr(&rw->line),
		    rw->line.len, repl, text, &te);
		buf_reset(&newd);
		apply_edits(buf_cstr(&rw->line), rw->line.len, 0, te.v, te.n,
		    &newd);
		e = edits_add(&rw->medits, part->body_off + ls, le - ls);
		mime_qp_encode(buf_cstr(&newd), newd.len, teol[0] == '\r',
		    &e->repl);
		for (i = 0; i < te.n; i++)
			buf_free(&te.v[i].repl);
		pos = qp_find_tag(rw, raw, n, le);
	}
	edits_free(&te);
	buf_free(&newd);
}

/* Encoded body for a whole re-encoded part, ending like the original. */
static void
encode_whole(const char *d, size_t n, enum mime_cte cte, const char *eol,
    bool ends_eol, struct buf *out)
{
	size_t el = strlen(eol);

	if (cte == MIME_CTE_BASE64)
		mime_base64_encode(d, n, eol[0] == '\r', out);
	else
		mime_qp_encode(d, n, eol[0] == '\r', out);
	if (!ends_eol && out->len >= el &&
	    memcmp(out->data + out->len - el, eol, el) == 0)
		buf_truncate(out, out->len - el);
	else if (ends_eol && (out->len < el ||
	    memcmp(out->data + out->len - el, eol, el) != 0))
		buf_puts(out, eol);
}

static void
set_malformed(struct rw *rw, const struct mime_part *part, const char *why)
{
	snprintf(rw->res->reason, sizeof(rw->res->reason), "%.20s/%.20s "
	    "part at offset %zu: %s; message left unchanged", part->type,
	    part->subtype, part->hdr_off, why);
	rw->failed = 1;
}

/*
 * Re-encodes the whole part (CTE cte) from its new decoded text, and
 * changes its headers: CTE, and the charset when utf8.
 */
static void
part_replace_whole(struct rw *rw, const struct mime_part *part,
    const struct buf *newd, enum mime_cte cte, bool utf8, const char *eol)
{
	const char *raw = rw->msg + part->body_off;
	bool ends_eol = part->body_len > 0 && raw[part->body_len - 1] == '\n';
	const char *ctename = cte == MIME_CTE_BASE64 ? "base64" :
	    "quoted-printable";
	char *ct = NULL;
	struct edit *e;
	struct buf h1 = BUF_INIT;

	if (utf8)
		ct = content_type_utf8(rw->msg, part);
	if (cte != part->cte || utf8) {
		if (part->depth == 0) {
			free(rw->res->cte);
			rw->res->cte = xstrdup(ctename);
			if (ct) {
				free(rw->res->content_type);
				rw->res->content_type = ct;
				ct = NULL;
			}
		} else {
			e = edits_add(&rw->medits, part->hdr_off,
			    part->hdr_len);
			if (ct) {
				header_set(rw->msg + part->hdr_off,
				    part->hdr_len, "Content-Type", ct, eol,
				    &h1);
				header_set(h1.data, h1.len,
				    "Content-Transfer-Encoding", ctename, eol,
				    &e->repl);
			} else
				header_set(rw->msg + part->hdr_off,
				    part->hdr_len, "Content-Transfer-Encoding",
				    ctename, eol, &e->repl);
		}
	}
	free(ct);
	buf_free(&h1);
	e = edits_add(&rw->medits, part->body_off, part->body_len);
	encode_whole(buf_cstr(newd), newd->len, cte, eol,
	    ends_eol, &e->repl);
}

static void
process_part(struct rw *rw, const struct mime_part *part)
{
	const char *raw = rw->msg + part->body_off, *d = "", *cs, *teol, *ceol;
	size_t rawlen = part->body_len, dn = 0, i, first = 0;
	bool html = strcmp(part->subtype, "html") == 0, utf8 = false;
	bool need_qp = false;
	const struct buf *w;
	struct buf repl = BUF_INIT, conv = BUF_INIT, newd = BUF_INIT;
	struct edits te = { NULL, 0, 0 };
	int n;

	buf_reset(&rw->dec);
	switch (part->cte) {
	case MIME_CTE_7BIT:
	case MIME_CTE_8BIT:
	case MIME_CTE_BINARY:
		if (find_tag(rw, raw, rawlen) == NULL)
			return;
		d = raw;
		dn = rawlen;
		break;
	case MIME_CTE_QP:
		/* Decoded later, and only where needed. */
		first = qp_find_tag(rw, raw, rawlen, 0);
		if (first == (size_t)-1)
			return;
		break;
	case MIME_CTE_BASE64:
		if (mime_base64_decode(raw, rawlen, &rw->dec) != 0) {
			if (find_tag(rw, buf_cstr(&rw->dec), rw->dec.len))
				set_malformed(rw, part,
				    "invalid or truncated base64");
			return;
		}
		d = buf_cstr(&rw->dec);
		dn = rw->dec.len;
		if (find_tag(rw, d, dn) == NULL)
			return;
		break;
	default:
		return;		/* unknown encoding: not ours to decode */
	}
	cs = part->charset[0] ? part->charset : "us-ascii";
	if (!charset_ascii_compatible(cs))
		return;
	teol = eol_of(raw, rawlen, eol_of(rw->msg + part->hdr_off,
	    part->hdr_len, rw->msg_eol));
	/* QP hard line breaks decode to the part's own line ends. */
	ceol = part->cte == MIME_CTE_QP ? teol : eol_of(d, dn, teol);

	/* The replacement, in the part's charset when it can hold it. */
	if (rw->req->token != NULL) {
		if (widget_get(rw, html, &w) < 0) {
			rw->failed = -1;
			goto out;
		}
		if (html) {
			if (part->cte == MIME_CTE_7BIT ||
			    mime_charset_from_utf8(cs, w->data, w->len,
			    &conv) < 0) {
				buf_reset(&conv);
				html_ascii(w->data, w->len, &conv);
			}
		} else if (mime_charset_from_utf8(cs, w->data, w->len,
		    &conv) < 0) {
			utf8 = true;
			buf_append(&conv, w->data, w->len);
		}
		append_eol(&repl, conv.data, conv.len, ceol);
		if (part->cte == MIME_CTE_7BIT && has_8bit(repl.data, repl.len))
			need_qp = true;
	}
	if (utf8 && part->cte == MIME_CTE_QP) {
		mime_qp_decode(raw, rawlen, &rw->dec);
		d = buf_cstr(&rw->dec);
		dn = rw->dec.len;
	}
	if (utf8 && mime_charset_to_utf8_strict(part->charset, d, dn,
	    &newd) < 0) {
		/* No honest UTF-8 for this part (bytes its charset does not
		 * have): keep it as it is and write the text version in
		 * ASCII, which every ASCII-compatible charset holds. */
		utf8 = false;
		buf_reset(&conv);
		buf_reset(&repl);
		ascii_fold(w->data, w->len, &conv);
		append_eol(&repl, conv.data, conv.len, ceol);
		need_qp = false;
	}
	buf_reset(&newd);
	if (part->cte == MIME_CTE_QP && !utf8) {
		if (max_line(raw, rawlen) <= LINE_MAX_SMTP) {
			qp_splice(rw, part, first, rw->req->token ? &repl :
			    NULL, !html, teol);
			goto out;
		}
		/* A line over 998 (a careless encoder): re-encode it all. */
		mime_qp_decode(raw, rawlen, &rw->dec);
		d = buf_cstr(&rw->dec);
		dn = rw->dec.len;
	}
	n = tag_edits(rw, d, dn, rw->req->token ? &repl : NULL, !html, &te);
	rw->res->tags += n;

	if (utf8) {
		/* Convert the text around the edits; keep the UTF-8 widget. */
		size_t pos = 0;

		for (i = 0; i <= te.n; i++) {
			size_t end = i < te.n ? te.v[i].off : dn;

			/* Cannot fail: the whole text converted above. */
			if (mime_charset_to_utf8_strict(part->charset,
			    d + pos, end - pos, &newd) < 0) {
				set_malformed(rw, part,
				    "text not valid in its charset");
				goto out;
			}
			if (i < te.n) {
				buf_append(&newd, te.v[i].repl.data,
				    te.v[i].repl.len);
				pos = te.v[i].off + te.v[i].len;
			}
		}
		part_replace_whole(rw, part, &newd, MIME_CTE_QP, true, teol);
		goto out;
	}
	if (part->cte == MIME_CTE_BASE64 || part->cte == MIME_CTE_QP) {
		apply_edits(d, dn, 0, te.v, te.n, &newd);
		part_replace_whole(rw, part, &newd, part->cte, false, teol);
		goto out;
	}
	/* 7bit, 8bit, binary: edits in place, unless the result needs QP. */
	apply_edits(d, dn, 0, te.v, te.n, &newd);
	if (need_qp || max_line(newd.data, newd.len) > LINE_MAX_SMTP) {
		part_replace_whole(rw, part, &newd, MIME_CTE_QP, false, teol);
		goto out;
	}
	for (i = 0; i < te.n; i++) {
		struct edit *e = edits_add(&rw->medits,
		    part->body_off + te.v[i].off, te.v[i].len);

		buf_append(&e->repl, te.v[i].repl.data, te.v[i].repl.len);
	}
out:
	edits_free(&te);
	buf_free(&repl);
	buf_free(&conv);
	buf_free(&newd);
}

/*
 * Whether line (n bytes, no '\n') is a delimiter of one of the enclosing
 * multiparts, by mime_parse's rule: "--" boundary, then "--" and anything,
 * or blanks only.
 */
static bool
line_is_delimiter(const char *line, size_t n, const char *const *bounds,
    int nb)
{
	size_t bl, j;
	int i;

	if (n < 2 || line[0] != '-' || line[1] != '-')
		return false;
	for (i = 0; i < nb; i++) {
		bl = strlen(bounds[i]);
		if (n < 2 + bl || memcmp(line + 2, bounds[i], bl) != 0)
			continue;
		j = 2 + bl;
		if (n - j >= 2 && line[j] == '-' && line[j + 1] == '-')
			return true;
		while (j < n && (line[j] == ' ' || line[j] == '\t' ||
		    line[j] == '\r'))
			j++;
		if (j == n)
			return true;
	}
	return false;
}

/*
 * Whether the edits from index k0 on would make a line that reads as a
 * boundary of an enclosing multipart (removing the tag from
 * "--[tag]boundary" would): each edited stretch is checked with the rest
 * of its first and last lines.
 */
static bool
edits_make_delimiter(const struct rw *rw, size_t k0, const char *const *bounds,
    int nb)
{
	struct buf seg = BUF_INIT;
	const struct edit *e;
	const char *nl, *p, *end;
	size_t k, ls, le;
	bool bad = false;

	for (k = k0; k < rw->medits.n && !bad; k++) {
		e = &rw->medits.v[k];
		for (ls = e->off; ls > 0 && rw->msg[ls - 1] != '\n'; ls--)
			;
		nl = memchr(rw->msg + e->off + e->len, '\n',
		    rw->len - e->off - e->len);
		le = nl ? (size_t)(nl - rw->msg) : rw->len;
		buf_reset(&seg);
		buf_append(&seg, rw->msg + ls, e->off - ls);
		buf_append(&seg, e->repl.data, e->repl.len);
		buf_append(&seg, rw->msg + e->off + e->len,
		    le - e->off - e->len);
		for (p = buf_cstr(&seg), end = p + seg.len; p <= end && !bad;
		    p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			bad = line_is_delimiter(p, (size_t)(nl - p), bounds, nb);
		}
	}
	buf_free(&seg);
	return bad;
}

static void
walk(struct rw *rw, const struct mime_part *part, const char **bounds,
    int nb)
{
	const struct mime_part *c;
	size_t k0;

	if (rw->failed)
		return;
	if (strcmp(part->type, "multipart") == 0) {
		if (strcmp(part->subtype, "signed") == 0 ||
		    strcmp(part->subtype, "encrypted") == 0 ||
		    nb >= MIME_MAX_DEPTH + 1)
			return;
		bounds[nb] = part->boundary;
		for (c = part->child; c != NULL && !rw->failed; c = c->next)
			walk(rw, c, bounds, nb + 1);
		return;
	}
	if (part->attachment || strcmp(part->type, "text") != 0)
		return;		/* message/rfc822 included: not ours */
	if (strcmp(part->subtype, "html") != 0 &&
	    strcmp(part->subtype, "plain") != 0)
		return;
	k0 = rw->medits.n;
	process_part(rw, part);
	if (rw->failed == 0 && nb > 0 &&
	    edits_make_delimiter(rw, k0, (const char *const *)bounds, nb))
		set_malformed(rw, part, "the change would turn a line into "
		    "a MIME boundary");
}

/* A message starts with "Name:" (RFC 5322 field name: printable, no ':'). */
static bool
starts_with_field(const char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len && msg[i] > ' ' && msg[i] < 127 && msg[i] != ':';
	    i++)
		;
	if (i == 0)
		return false;
	while (i < len && (msg[i] == ' ' || msg[i] == '\t'))
		i++;
	return i < len && msg[i] == ':';
}

size_t
rewrite_body_offset(const char *msg, size_t len)
{
	return mime_header_block_len(msg, len);
}

/*
 * rewrite_message - see rewrite.h. Ownership: out's buffers belong to
 * the caller, who clears them with rewrite_result_clear (also after a
 * return of -1).
 */
int
rewrite_message(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, const char *msg, size_t len,
    struct rewrite_result *out, struct npserr *err)
{
	struct rw rw;
	struct mime_part *root;
	const char *bounds[MIME_MAX_DEPTH + 1];
	struct npserr perr;
	size_t i, pos;

	memset(out, 0, sizeof(*out));
	buf_init(&out->body);
	memset(&rw, 0, sizeof(rw));
	rw.cf = cf;
	rw.tpl = tpl;
	rw.req = req;
	rw.msg = msg;
	rw.len = len;
	rw.tag = cf->tag && *cf->tag ? cf->tag : DEFAULT_TAG;
	rw.taglen = strlen(rw.tag);
	rw.msg_eol = eol_of(msg, len, "\r\n");
	rw.res = out;
	rw.err = err;

	if (!starts_with_field(msg, len)) {
		out->malformed = true;
		snprintf(out->reason, sizeof(out->reason), "the message does "
		    "not start with a header field; message left unchanged");
		return 0;
	}
	root = mime_parse(msg, len, &perr);
	if (root == NULL) {
		out->malformed = true;
		snprintf(out->reason, sizeof(out->reason), "%.200s; message left "
		    "unchanged", perr.msg);
		return 0;
	}
	walk(&rw, root, bounds, 0);
	if (rw.failed == 0 && rw.medits.n > 0) {
		pos = root->body_off;
		for (i = 0; i < rw.medits.n; i++) {
			buf_append(&out->body, msg + pos,
			    rw.medits.v[i].off - pos);
			buf_append(&out->body, rw.medits.v[i].repl.data,
			    rw.medits.v[i].repl.len);
			pos = rw.medits.v[i].off + rw.medits.v[i].len;
		}
		buf_append(&out->body, msg + pos, len - pos);
		out->changed = true;
	}
	if (rw.failed != 0 || (!out->changed && out->tags == 0)) {
		buf_free(&out->body);
		free(out->content_type);
		free(out->cte);
		out->content_type = out->cte = NULL;
		out->changed = false;
		if (rw.failed != 0)
			out->tags = 0;
		if (rw.failed > 0)
			out->malformed = true;
	}
	mime_tree_free(root);
	edits_free(&rw.medits);
	buf_free(&rw.html);
	buf_free(&rw.text);
	buf_free(&rw.dec);
	buf_free(&rw.line);
	return rw.failed < 0 ? -1 : 0;
}

void
rewrite_result_clear(struct rewrite_result *res)
{
	buf_free(&res->body);
	free(res->content_type);
	free(res->cte);
	res->content_type = res->cte = NULL;
	res->changed = res->malformed = false;
	res->tags = 0;
	res->reason[0] = '\0';
}

/*
 * rewrite_message_assemble - the whole new message: the header block with
 * the top-level Content-Type / Content-Transfer-Encoding changes applied,
 * then the new body; the original message when nothing changed.
 */
void
rewrite_message_assemble(const char *msg, size_t len,
    const struct rewrite_result *res, struct buf *out)
{
	size_t hl = mime_header_block_len(msg, len);
	const char *eol = eol_of(msg, len, "\r\n");
	struct buf h1 = BUF_INIT, h2 = BUF_INIT;

	if (!res->changed) {
		buf_append(out, msg, len);
		return;
	}
	buf_append(&h1, msg, hl);
	if (res->content_type) {
		header_set(h1.data, h1.len, "Content-Type", res->content_type,
		    eol, &h2);
		buf_reset(&h1);
		buf_append(&h1, h2.data, h2.len);
		buf_reset(&h2);
	}
	if (res->cte) {
		header_set(h1.data, h1.len, "Content-Transfer-Encoding",
		    res->cte, eol, &h2);
		buf_reset(&h1);
		buf_append(&h1, h2.data, h2.len);
	}
	buf_append(out, h1.data, h1.len);
	buf_append(out, res->body.data, res->body.len);
	buf_free(&h1);
	buf_free(&h2);
}
