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
 * compare: much faster than memmem on mail text, where '[' is rare.
 */
const char *
rw_find_tag(const struct rw *rw, const char *p, size_t n)
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

/* --- the tags of decoded text, replaced or removed ----------------------- */

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
int
rw_tag_edits(struct rw *rw, const char *t, size_t n, const struct buf *repl,
    bool text, struct edits *out)
{
	const char *p;
	size_t pos = 0, x, ls, le;
	int count = 0;
	struct edit *e;

	while (pos + rw->taglen <= n &&
	    (p = rw_find_tag(rw, t + pos, n - pos)) != NULL) {
		x = (size_t)(p - t);
		if (repl != NULL) {
			e = rw_edits_add(out, x, rw->taglen);
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
		e = rw_edits_add(out, ls, le - ls);
		count += remove_tags(rw, t + ls, le - ls, &e->repl);
		if (text && blank(e->repl.data, e->repl.len)) {
			buf_reset(&e->repl);
			e->len = (le < n ? le + 1 : le) - ls;
		}
		pos = le < n ? le + 1 : n;
	}
	return count;
}

/* --- the tag in quoted-printable ----------------------------------------- */

static int
lower_hex(char c)
{
	return c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c;
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
		} else if (i + 2 < n &&
		    (h = hex_digit((unsigned char)raw[i + 1])) >= 0 &&
		    (l = hex_digit((unsigned char)raw[i + 2])) >= 0) {
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
size_t
rw_qp_find_tag(const struct rw *rw, const char *raw, size_t n, size_t from)
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
