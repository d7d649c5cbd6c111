/*
 * rewrite_tag.c - the tag search of rewrite_message (see rewrite_int.h).
 *
 * Decoded text is searched with memchr for the tag's first byte, then a
 * compare. Quoted-printable is searched without decoding it: the tag's
 * first character is written either as itself or as "=XX", so only those
 * places are decoded, far enough to compare, and a tag split by soft line
 * breaks is still found.
 *
 * Removing tags (no survey) goes on until none is left: the pieces around
 * a removed tag cannot join into a new one.
 */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/buf.h"
#include "base/hex.h"
#include "outgoing/rewrite_int.h"

/*
 * The first tag in [p, p + n), or NULL. memchr for its first byte, then a
 * compare: much faster than memmem on mail text, where '[' is rare. The
 * tag's name must be followed by ']' or what may start attributes.
 */
const char *
rw_find_tag(const struct rw *rw, const char *p, size_t n)
{
	const char *start = p, *end = p + n, *q;
	size_t pl = rw->pfxlen;

	while ((size_t)(end - p) >= pl &&
	    (q = memchr(p, rw->tag[0], (size_t)(end - p) - pl + 1)) != NULL) {
		if (memcmp(q, rw->tag, pl) == 0 && rw_tag_starts(rw, start, n,
		    (size_t)(q - start)))
			return q;
		p = q + 1;
	}
	return NULL;
}

/* --- the tags of decoded text, replaced or removed ----------------------- */

#define STRIP_PASSES 16

/*
 * Copies line (n bytes) to out without its tags, removed again and again:
 * "[InsertSatisfactionEva[tag]luation]" must not leave a tag behind. Each
 * pass removes every tag it finds; after STRIP_PASSES passes that still
 * find one (a line built to nest tags), the whole line goes: no part of a
 * tag may reach the customer. Returns the number of tags removed.
 */
static int
strip_tags(const struct rw *rw, const char *line, size_t n, bool html,
    struct buf *out)
{
	struct buf a = BUF_INIT, b = BUF_INIT, tmp;
	const char *cur = line, *p;
	size_t cn = n, pos, x, span;
	bool closed, any;
	int pass, count = 0;

	for (pass = 0; pass < STRIP_PASSES; pass++) {
		buf_reset(&b);
		any = false;
		pos = 0;
		while (pos < cn && (p = rw_find_tag(rw, cur + pos,
		    cn - pos)) != NULL) {
			x = (size_t)(p - cur);
			span = rw_tag_span(rw, cur, cn, x, html, &closed);
			buf_append(&b, cur + pos, x - pos);
			pos = x + span;
			any = true;
			count++;
		}
		if (!any) {
			buf_append(out, cur, cn);
			break;
		}
		buf_append(&b, cur + pos, cn - pos);
		tmp = a;
		a = b;
		b = tmp;
		cur = buf_cstr(&a);
		cn = a.len;
	}
	buf_free(&a);
	buf_free(&b);
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

/* '-', or another mark when the tag holds one. */
static char
rw_tag_filler(const struct rw *rw)
{
	static const char marks[] = "-_.*~|";
	size_t i;

	for (i = 0; i + 1 < sizeof(marks); i++)
		if (memchr(rw->tag, marks[i], rw->taglen) == NULL)
			return marks[i];
	return '?';
}

/*
 * Whether the tag [x, x + span) of t may take the widget: closed, and in
 * HTML where text may be (the part followed from *fed to x). Warns when
 * not; takes the facts of the part's first tag with attributes.
 */
static bool
tag_check(struct rw *rw, const char *t, size_t *fed, size_t x, size_t span,
    bool closed, bool html)
{
	struct rewrite_facts *f = html ? &rw->facts_html : &rw->facts_text;
	const char *where = NULL;

	if (html) {
		rw_hctx_feed(&rw->hc, t + *fed, x - *fed);
		where = rw_hctx_where(&rw->hc);
	}
	*fed = x + span;
	if (!closed) {
		rw_warn(rw, "tag without its closing ']' removed to the end "
		    "of its line");
		return false;
	}
	if (where != NULL) {
		rw_warn(rw, "tag %s removed, not expanded", where);
		return false;
	}
	if (!f->found && span > rw->pfxlen + 1)
		rw_tag_attrs(rw, t, x, span, html, f);
	rw->res->expanded++;
	return true;
}

/*
 * Edits that replace every tag in t (n bytes) by repl; with repl NULL (no
 * survey) the tags go, line by line, and in text a line left blank goes
 * too. A tag that cannot take the widget is removed. Returns the number
 * of tags.
 */
int
rw_tag_edits(struct rw *rw, const char *t, size_t n, const struct buf *repl,
    bool text, struct edits *out)
{
	const char *p;
	size_t pos = 0, fed = 0, x, span, ls, le, end;
	bool closed, ok, html = !text;
	int count = 0;
	struct edit *e;

	while (pos < n && (p = rw_find_tag(rw, t + pos, n - pos)) != NULL) {
		x = (size_t)(p - t);
		span = rw_tag_span(rw, t, n, x, html, &closed);
		ok = tag_check(rw, t, &fed, x, span, closed, html);
		if (repl != NULL) {
			count++;
			e = rw_edits_add(out, x, span);
			/* A tag that cannot take the widget goes, and a
			 * character that is no part of the tag and starts no
			 * attributes takes its place, so that the text around
			 * cannot make a new tag. */
			if (ok) {
				/* "[Name[Name]": the first name, no tag
				 * while ']' does not follow, must not
				 * become one before the widget's '<'. */
				if (x >= pos + rw->pfxlen &&
				    memcmp(t + x - rw->pfxlen, rw->tag,
				    rw->pfxlen) == 0)
					buf_putc(&e->repl, rw_tag_filler(rw));
				buf_append(&e->repl, repl->data, repl->len);
			} else {
				buf_putc(&e->repl, rw_tag_filler(rw));
			}
			pos = x + span;
			continue;
		}
		/* pos is a line start: the line of x begins at or after it;
		 * the lines of the tags that follow on the tag's last line
		 * go with it. */
		for (ls = x; ls > pos && t[ls - 1] != '\n'; ls--)
			;
		for (end = x + span;; end = x + span) {
			p = end < n ? memchr(t + end, '\n', n - end) : NULL;
			le = p ? (size_t)(p - t) : n;
			p = rw_find_tag(rw, t + end, le - end);
			if (p == NULL)
				break;
			x = (size_t)(p - t);
			span = rw_tag_span(rw, t, n, x, html, &closed);
			tag_check(rw, t, &fed, x, span, closed, html);
		}
		e = rw_edits_add(out, ls, le - ls);
		count += strip_tags(rw, t + ls, le - ls, html, &e->repl);
		/* A CR the removal leaves at the very end would join the
		 * line end of what follows the text (a MIME delimiter). */
		if (le == n && e->repl.len > 0 &&
		    e->repl.data[e->repl.len - 1] == '\r' && t[n - 1] != '\r')
			buf_truncate(&e->repl, e->repl.len - 1);
		if (text && blank(e->repl.data, e->repl.len)) {
			buf_reset(&e->repl);
			e->len = (le < n ? le + 1 : le) - ls;
		}
		pos = le < n ? le + 1 : n;
	}
	if (html && fed < n)
		rw_hctx_feed(&rw->hc, t + fed, n - fed);
	return count;
}

/* --- the tag in quoted-printable ----------------------------------------- */

static int
lower_hex(char c)
{
	return c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c;
}

/*
 * The next decoded byte of the QP text raw at *i, read exactly as
 * mime_qp_decode reads it: "=XX", soft line breaks ('=', blanks, a line
 * end or the end) skipped, any other '=' kept as it is. -1 at the end.
 */
static int
qp_next(const char *raw, size_t n, size_t *i)
{
	size_t q;
	int h, l;

	while (*i < n) {
		if (raw[*i] != '=')
			return (unsigned char)raw[(*i)++];
		if (*i + 2 < n &&
		    (h = hex_digit((unsigned char)raw[*i + 1])) >= 0 &&
		    (l = hex_digit((unsigned char)raw[*i + 2])) >= 0) {
			*i += 3;
			return h * 16 + l;
		}
		for (q = *i + 1; q < n && (raw[q] == ' ' || raw[q] == '\t');
		    q++)
			;
		if (q < n && raw[q] == '\n')
			*i = q + 1;
		else if (q + 1 < n && raw[q] == '\r' && raw[q + 1] == '\n')
			*i = q + 2;
		else if (q >= n)
			*i = n;
		else
			return (unsigned char)raw[(*i)++];	/* a bare '=' */
	}
	return -1;
}

/*
 * Whether the QP text raw (n bytes) decodes to a tag from offset e on: 0
 * no, 1 the bare tag, 2 a tag with attributes (or an unclosed one).
 */
static int
qp_tag_at(const struct rw *rw, const char *raw, size_t n, size_t e)
{
	size_t k = 0, i = e;
	int c;

	while (k < rw->pfxlen)
		if (qp_next(raw, n, &i) != (unsigned char)rw->tag[k++])
			return 0;
	if (!rw->attrs)
		return 1;
	c = qp_next(raw, n, &i);
	if (c == ']')
		return 1;
	if (c < 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '<' || c == '&' || c == 0xa0 ||
	    (c == 0xc2 && qp_next(raw, n, &i) == 0xa0))
		return 2;
	return 0;
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
qp_find_tag(const struct rw *rw, const char *raw, size_t n, size_t from,
    int *kind)
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
		if ((*kind = qp_tag_at(rw, raw, n, cand)) != 0)
			return cand;
		/* The other one is still ahead of from: keep it. */
	}
}

size_t
rw_qp_find_tag(const struct rw *rw, const char *raw, size_t n, size_t from)
{
	int kind;

	return qp_find_tag(rw, raw, n, from, &kind);
}

bool
rw_qp_all_bare(const struct rw *rw, const char *raw, size_t n, size_t first)
{
	size_t pos = first;
	int kind = 1;

	while (pos != (size_t)-1 && pos < n) {
		pos = qp_find_tag(rw, raw, n, pos, &kind);
		if (pos == (size_t)-1)
			break;
		if (kind != 1)
			return false;
		pos++;
	}
	return true;
}
