/*
 * mime_words.c - RFC 2047 encoded words in header values; see mime.h.
 *
 * A value is unfolded, then each "=?charset?Q|B?text?=" word is decoded
 * and converted to UTF-8. Adjacent words in one charset are converted
 * together, since a sender may split a multibyte character between them,
 * and the blanks between two encoded words are dropped (RFC 2047 6.2). A
 * word that cannot be read stays as it was written.
 */
#include <string.h>

#include "base/hex.h"
#include "mail/mime.h"
#include "mail/mime_int.h"

/*
 * Parses one encoded word at v[i..n): "=?charset?Q|B?text?=". Returns its
 * end offset, or 0 when there is none; fills the charset and text spans.
 */
static size_t
parse_word(const char *v, size_t n, size_t i, size_t *cs0, size_t *cslen,
    char *enc, size_t *t0, size_t *tlen)
{
	size_t j, k;

	if (i + 2 > n || v[i] != '=' || v[i + 1] != '?')
		return 0;
	j = i + 2;
	*cs0 = j;
	while (j < n && v[j] != '?' && !mime_is_wsp(v[j]) &&
	    v[j] != '\r' && v[j] != '\n')
		j++;
	if (j + 2 >= n || v[j] != '?' || j == *cs0)
		return 0;
	*cslen = j - *cs0;
	*enc = (char)mime_lower((unsigned char)v[j + 1]);
	if ((*enc != 'q' && *enc != 'b') || v[j + 2] != '?')
		return 0;
	k = j + 3;
	*t0 = k;
	while (k + 1 < n && !(v[k] == '?' && v[k + 1] == '=')) {
		if (v[k] == '\r' || v[k] == '\n')
			return 0;
		k++;
	}
	if (k + 1 >= n)
		return 0;
	*tlen = k - *t0;
	return k + 2;
}

static int
word_decode(char enc, const char *p, size_t n, struct buf *out)
{
	size_t i;
	int h, l;

	if (enc == 'b')
		return mime_base64_decode(p, n, out);
	for (i = 0; i < n; i++) {
		if (p[i] == '_')
			buf_putc(out, ' ');
		else if (p[i] == '=' && i + 2 < n &&
		    (h = hex_digit((unsigned char)p[i + 1])) >= 0 &&
		    (l = hex_digit((unsigned char)p[i + 2])) >= 0) {
			buf_putc(out, h * 16 + l);
			i += 2;
		} else
			buf_putc(out, p[i]);
	}
	return 0;
}

/* Converts the pending bytes of adjacent words sharing one charset. */
static void
flush_words(struct buf *pend, char *cs, struct buf *out)
{
	if (pend->len == 0)
		return;
	mime_charset_to_utf8(cs, pend->data, pend->len, out);
	buf_reset(pend);
}

/* Appends v unfolded: a line break and the blanks after it become one
 * space; a line break without blanks after it goes. */
static void
unfold(const char *v, size_t vlen, struct buf *out)
{
	size_t i;

	for (i = 0; i < vlen; i++) {
		if (v[i] == '\r' || v[i] == '\n') {
			while (i + 1 < vlen && (v[i + 1] == '\r' ||
			    v[i + 1] == '\n'))
				i++;
			if (i + 1 < vlen && mime_is_wsp(v[i + 1])) {
				while (i + 1 < vlen && mime_is_wsp(v[i + 1]))
					i++;
				buf_putc(out, ' ');
			}
			continue;
		}
		buf_putc(out, v[i]);
	}
}

void
mime_words_decode(const char *v, size_t vlen, struct buf *out)
{
	struct buf unf = BUF_INIT, pend = BUF_INIT;
	size_t i, e, cs0, cslen, t0, tlen, gap, j;
	char cs[64] = "", wcs[64], enc;
	char *star;
	const char *u;
	size_t un;
	bool after_word = false;

	unfold(v, vlen, &unf);
	u = buf_cstr(&unf);
	un = unf.len;
	for (i = 0; i < un;) {
		e = parse_word(u, un, i, &cs0, &cslen, &enc, &t0, &tlen);
		if (e == 0) {
			/* Blanks between two encoded words are dropped. */
			if (after_word && mime_is_wsp(u[i])) {
				for (j = i; j < un && mime_is_wsp(u[j]); j++)
					;
				if (parse_word(u, un, j, &cs0, &cslen, &enc,
				    &t0, &tlen) != 0) {
					i = j;
					continue;
				}
			}
			flush_words(&pend, cs, out);
			after_word = false;
			gap = i + 1;
			while (gap < un && u[gap] != '=')
				gap++;
			buf_append(out, u + i, gap - i);
			i = gap;
			continue;
		}
		mime_copy_lower(wcs, sizeof(wcs), u + cs0, cslen);
		if ((star = strchr(wcs, '*')) != NULL)
			*star = '\0';	/* RFC 2231 language suffix */
		if (strcmp(wcs, cs) != 0) {
			flush_words(&pend, cs, out);
			memcpy(cs, wcs, sizeof(cs));
		}
		word_decode(enc, u + t0, tlen, &pend);
		after_word = true;
		i = e;
	}
	flush_words(&pend, cs, out);
	buf_free(&pend);
	buf_free(&unf);
}
