/*
 * rewrite_encode.c - the re-encoding of rewrite_message (see
 * rewrite_int.h).
 *
 * A quoted-printable part is re-encoded line by line: only the logical
 * lines (physical lines joined by soft breaks) that hold a tag are decoded
 * and encoded again, so every other line keeps its bytes. A part that
 * must change whole (base64, a line over 998 bytes, a change of transfer
 * encoding or charset) is encoded again from its new decoded text, ending
 * as the original ended, and its headers follow.
 *
 * When a part's charset cannot hold the widget's characters, HTML writes
 * them as numeric character references; plain text that cannot become
 * UTF-8 gets them folded to ASCII.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mail/mime.h"
#include "outgoing/rewrite_int.h"

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
void
rw_qp_splice(struct rw *rw, const struct mime_part *part, size_t first,
    const struct buf *repl, bool text, const char *teol)
{
	const char *raw = rw->msg + part->body_off;
	size_t n = part->body_len, pos = first, ls, le, fed = 0;
	struct edits te = { NULL, 0, 0 };
	struct buf newd = BUF_INIT;
	struct edit *e;
	size_t i;

	while (pos != (size_t)-1 && pos < n) {
		qp_logical_line(raw, n, pos, &ls, &le);
		if (!text && ls > fed) {
			/* HTML: the context of the line, from what is
			 * before it. */
			buf_reset(&rw->line);
			mime_qp_decode(raw + fed, ls - fed, &rw->line);
			rw_hctx_feed(&rw->hc, buf_cstr(&rw->line),
			    rw->line.len);
		}
		fed = le;
		buf_reset(&rw->line);
		mime_qp_decode(raw + ls, le - ls, &rw->line);
		te.n = 0;
		rw->res->tags += rw_tag_edits(rw, buf_cstr(&rw->line),
		    rw->line.len, repl, text, &te);
		buf_reset(&newd);
		rw_edits_apply(buf_cstr(&rw->line), rw->line.len, 0, te.v, te.n,
		    &newd);
		e = rw_edits_add(&rw->medits, part->body_off + ls, le - ls);
		mime_qp_encode(buf_cstr(&newd), newd.len, teol[0] == '\r',
		    &e->repl);
		for (i = 0; i < te.n; i++)
			buf_free(&te.v[i].repl);
		pos = rw_qp_find_tag(rw, raw, n, le);
	}
	rw_edits_free(&te);
	buf_free(&newd);
}

/* Encoded body for a whole re-encoded part, ending like the original. */
static void
encode_whole(const char *d, size_t n, enum mime_cte cte, const char *eol,
    bool ends_eol, struct buf *out)
{
	size_t el = strlen(eol);
	/* In quoted-printable a line break of the text is a line break of
	 * the encoding: the text's last one is content, not the one that
	 * belongs to the boundary after the part. */
	bool text_eol = cte == MIME_CTE_QP && n > 0 && d[n - 1] == '\n';

	if (cte == MIME_CTE_BASE64)
		mime_base64_encode(d, n, eol[0] == '\r', out);
	else
		mime_qp_encode(d, n, eol[0] == '\r', out);
	if (!ends_eol && !text_eol && out->len >= el &&
	    memcmp(out->data + out->len - el, eol, el) == 0)
		buf_truncate(out, out->len - el);
	else if (ends_eol && (out->len < el ||
	    memcmp(out->data + out->len - el, eol, el) != 0))
		buf_puts(out, eol);
}

/*
 * The top-level Content-Type v as the string a milter sets: a header value
 * of the milter protocol ends at its first NUL, and no header that reaches
 * the milter holds one. A value with a NUL byte is written as the parser
 * read it (type, subtype and the new charset) rather than cut short or
 * joined across the NUL into something else. Caller frees.
 */
static char *
value_cstr(const struct buf *v, const struct mime_part *part)
{
	struct buf out = BUF_INIT;

	if (memchr(buf_cstr(v), '\0', v->len) != NULL)
		buf_printf(&out, "%s/%s; charset=utf-8", part->type,
		    part->subtype);
	else
		buf_append(&out, v->data, v->len);
	return buf_steal(&out);
}

/*
 * Re-encodes the whole part (CTE cte) from its new decoded text, and
 * changes its headers: CTE, and the charset when utf8.
 */
void
rw_part_replace_whole(struct rw *rw, const struct mime_part *part,
    const struct buf *newd, enum mime_cte cte, bool utf8, const char *eol)
{
	const char *raw = rw->msg + part->body_off;
	bool ends_eol = part->body_len > 0 && raw[part->body_len - 1] == '\n';
	const char *ctename = cte == MIME_CTE_BASE64 ? "base64" :
	    "quoted-printable";
	struct edit *e;
	struct buf ct = BUF_INIT, h1 = BUF_INIT;

	if (utf8)
		rw_content_type_utf8(rw->msg, part, &ct);
	if (cte != part->cte || utf8) {
		if (part->depth == 0) {
			free(rw->res->cte);
			rw->res->cte = xstrdup(ctename);
			if (utf8) {
				free(rw->res->content_type);
				rw->res->content_type = value_cstr(&ct, part);
			}
		} else {
			e = rw_edits_add(&rw->medits, part->hdr_off,
			    part->hdr_len);
			if (utf8) {
				rw_header_set(rw->msg + part->hdr_off,
				    part->hdr_len, "Content-Type", ct.data,
				    ct.len, eol, &h1);
				rw_header_set(h1.data, h1.len,
				    "Content-Transfer-Encoding", ctename,
				    strlen(ctename), eol, &e->repl);
			} else
				rw_header_set(rw->msg + part->hdr_off,
				    part->hdr_len, "Content-Transfer-Encoding",
				    ctename, strlen(ctename), eol, &e->repl);
		}
	}
	buf_free(&ct);
	buf_free(&h1);
	e = rw_edits_add(&rw->medits, part->body_off, part->body_len);
	encode_whole(buf_cstr(newd), newd->len, cte, eol, ends_eol,
	    &e->repl);
}

/* --- the widget in a charset that lacks its characters ------------------- */

/* UTF-8 to ASCII HTML: every other character as &#N;, and a byte that
 * starts no character as U+FFFD. The widget is mostly ASCII: its runs
 * are copied whole, a survey's HTML part being a few kilobytes of it. */
static size_t
ascii_run(const char *p, size_t n)
{
	uint64_t w;
	size_t i = 0;

	/* Eight bytes at a time while none has its high bit set. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if ((w & UINT64_C(0x8080808080808080)) != 0)
			break;
	}
	while (i < n && (unsigned char)p[i] < 0x80)
		i++;
	return i;
}

/* "&#N;" for code point cp (at most 0x10FFFF: seven digits). */
static void
append_ref(struct buf *out, uint32_t cp)
{
	char d[12];
	size_t i = sizeof(d);

	d[--i] = ';';
	do
		d[--i] = (char)('0' + cp % 10);
	while ((cp /= 10) > 0 && i > 2);
	d[--i] = '#';
	d[--i] = '&';
	buf_append(out, d + i, sizeof(d) - i);
}

void
rw_html_ascii(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, run, len;
	uint32_t cp;

	buf_reserve(out, n);
	while (i < n) {
		run = i + ascii_run(p + i, n - i);
		buf_append(out, p + i, run - i);
		if ((i = run) == n)
			break;
		if ((len = utf8_seq(p + i, n - i, &cp)) == 0) {
			len = 1;
			cp = 0xfffd;
		}
		append_ref(out, cp);
		i += len;
	}
}

/*
 * UTF-8 to plain ASCII, for a text part that cannot become UTF-8: Latin
 * letters lose their accents, typographic quotes and dashes become ASCII
 * ones, anything else '?'. Readable French beats a tag left in the mail.
 */
void
rw_ascii_fold(const char *p, size_t n, struct buf *out)
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
