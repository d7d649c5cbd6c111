/*
 * rewrite_part.c - the steps of one text part of rewrite_message (see
 * rewrite_int.h): find the tag, make the replacement in the part's
 * charset, and write the change as small as the part's transfer encoding
 * allows.
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
 * hold the text version is converted whole to UTF-8, quoted-printable (a
 * base64 part stays base64, whose text keeps its own line ends, which
 * quoted-printable would make the message's), with its Content-Type and
 * Content-Transfer-Encoding changed to match; when
 * its bytes are not even valid in its charset (no honest UTF-8 exists), it
 * keeps them and gets the text version folded to ASCII. A 7bit part that
 * would gain 8-bit bytes, and a 7bit/8bit part with a line over 998 bytes
 * after the change, are re-encoded whole as quoted-printable.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite_int.h"

#define LINE_MAX_SMTP 998

/* --- lines and charsets -------------------------------------------------- */

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

bool
rw_charset_ascii_compatible(const char *cs)
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

/* --- one text part ------------------------------------------------------- */

/*
 * One text part on its way through rw_part_process: its text, decoded as far
 * as needed, and what replaces its tags.
 */
struct part_job {
	const struct mime_part *part;
	const char *raw;	/* the body as encoded */
	size_t rawlen;
	const char *d;		/* the decoded text: raw itself for 7bit, 8bit
				 * and binary; QP only when it changes whole */
	size_t dn;
	size_t first;		/* QP: where the first tag starts in raw */
	bool html;
	const char *cs;		/* the charset, us-ascii when none is named */
	const char *teol;	/* the line end of raw */
	const char *ceol;	/* the line end of the decoded text */
	const struct buf *w;	/* the widget, UTF-8; NULL without a survey */
	struct buf repl;	/* the widget as written in the part */
	bool utf8;		/* the part is to become UTF-8 */
	bool need_qp;		/* a 7bit part that would gain 8-bit bytes */
	struct edits te;	/* on the decoded text */
	struct buf newd;	/* the new decoded text */
};

/*
 * Step 1: whether the part holds a tag, in a charset where it can be found
 * byte-wise. 7bit, 8bit and binary are their own decoded text, base64 is
 * decoded whole, quoted-printable is searched as it is. Sets the line ends
 * the new text follows.
 */
static bool
part_find_tag(struct rw *rw, struct part_job *j)
{
	const struct mime_part *part = j->part;

	buf_reset(&rw->dec);
	switch (part->cte) {
	case MIME_CTE_7BIT:
	case MIME_CTE_8BIT:
	case MIME_CTE_BINARY:
		if (rw_find_tag(rw, j->raw, j->rawlen) == NULL)
			return false;
		j->d = j->raw;
		j->dn = j->rawlen;
		break;
	case MIME_CTE_QP:
		/* Decoded later, and only where needed. */
		j->first = rw_qp_find_tag(rw, j->raw, j->rawlen, 0);
		if (j->first == (size_t)-1)
			return false;
		break;
	case MIME_CTE_BASE64:
		if (mime_base64_decode(j->raw, j->rawlen, &rw->dec) != 0) {
			if (rw_find_tag(rw, buf_cstr(&rw->dec),
			    rw->dec.len)) {
				rw_set_malformed(rw, part,
				    "invalid or truncated base64");
				rw->res->stuck++;
			}
			return false;
		}
		j->d = buf_cstr(&rw->dec);
		j->dn = rw->dec.len;
		if (rw_find_tag(rw, j->d, j->dn) == NULL)
			return false;
		break;
	default:
		return false;	/* unknown encoding: not ours to decode */
	}
	j->cs = part->charset[0] ? part->charset : "us-ascii";
	j->teol = rw_eol_of(j->raw, j->rawlen, rw_eol_of(rw->msg +
	    part->hdr_off, part->hdr_len, rw->msg_eol));
	/* QP hard line breaks decode to the part's own line ends. */
	j->ceol = part->cte == MIME_CTE_QP ? j->teol :
	    rw_eol_of(j->d, j->dn, j->teol);
	return true;
}

/*
 * Step 2: the replacement, in the part's charset when it can hold it (none
 * without a survey). HTML writes what the charset lacks as &#N;, and in a
 * 7bit part all that is not ASCII; a text part whose charset cannot hold
 * it is to become UTF-8, and a 7bit one that would gain 8-bit bytes
 * quoted-printable. -1 when the widget cannot be rendered.
 */
static int
part_make_replacement(struct rw *rw, struct part_job *j)
{
	const struct mime_part *part = j->part;
	struct buf conv = BUF_INIT;

	if (rw->req->token == NULL)
		return 0;
	if (widget_get(rw, j->html, &j->w) < 0) {
		rw->failed = -1;
		return -1;
	}
	if (j->html) {
		if (part->cte == MIME_CTE_7BIT ||
		    mime_charset_from_utf8(j->cs, j->w->data, j->w->len,
		    &conv) < 0) {
			buf_reset(&conv);
			rw_html_ascii(j->w->data, j->w->len, &conv);
		}
	} else if (mime_charset_from_utf8(j->cs, j->w->data, j->w->len,
	    &conv) < 0) {
		j->utf8 = true;
		buf_append(&conv, j->w->data, j->w->len);
	}
	append_eol(&j->repl, conv.data, conv.len, j->ceol);
	if (part->cte == MIME_CTE_7BIT && has_8bit(j->repl.data, j->repl.len))
		j->need_qp = true;
	buf_free(&conv);
	return 0;
}

/*
 * Step 3: a part that is to become UTF-8 must convert exactly. When its
 * bytes are not all valid in its charset (no honest UTF-8 exists), it keeps
 * them, and the text version is written in ASCII instead, which every
 * ASCII-compatible charset holds.
 */
static void
part_check_utf8(struct rw *rw, struct part_job *j)
{
	struct buf conv = BUF_INIT;

	if (j->part->cte == MIME_CTE_QP) {
		buf_reset(&rw->dec);
		mime_qp_decode(j->raw, j->rawlen, &rw->dec);
		j->d = buf_cstr(&rw->dec);
		j->dn = rw->dec.len;
	}
	if (mime_charset_to_utf8_strict(j->part->charset, j->d, j->dn,
	    &j->newd) < 0) {
		j->utf8 = false;
		buf_reset(&j->repl);
		rw_ascii_fold(j->w->data, j->w->len, &conv);
		append_eol(&j->repl, conv.data, conv.len, j->ceol);
		j->need_qp = false;
	}
	buf_reset(&j->newd);
	buf_free(&conv);
}

/*
 * Step 4: a quoted-printable part that keeps its charset changes only in
 * the lines that hold a tag. Whether that was done; when a line is over
 * 998 bytes the part is decoded instead, to be re-encoded whole.
 */
static bool
part_splice_qp(struct rw *rw, struct part_job *j)
{
	if (j->part->cte != MIME_CTE_QP || j->utf8)
		return false;
	/* A tag with attributes may span lines: the part changes whole. */
	if (max_line(j->raw, j->rawlen) <= LINE_MAX_SMTP &&
	    rw_qp_all_bare(rw, j->raw, j->rawlen, j->first)) {
		rw_qp_splice(rw, j->part, j->first, rw->req->token ? &j->repl :
		    NULL, !j->html, j->teol);
		return true;
	}
	/* A line over 998 (a careless encoder), a tag with attributes:
	 * re-encode it all. Step 3 may have decoded the part already, into
	 * the same buffer: decoded once more, it would hold the text twice. */
	buf_reset(&rw->dec);
	mime_qp_decode(j->raw, j->rawlen, &rw->dec);
	j->d = buf_cstr(&rw->dec);
	j->dn = rw->dec.len;
	return false;
}

/* Step 5, for a part made UTF-8: the text around the edits converted, the
 * UTF-8 widget kept, and the whole re-encoded: as base64 when it was, so
 * that the text's line ends stay as they were, else as quoted-printable. */
static void
part_write_utf8(struct rw *rw, struct part_job *j)
{
	size_t pos = 0, end, i;

	for (i = 0; i <= j->te.n; i++) {
		end = i < j->te.n ? j->te.v[i].off : j->dn;
		/* Cannot fail: the whole text converted in step 3. */
		if (mime_charset_to_utf8_strict(j->part->charset, j->d + pos,
		    end - pos, &j->newd) < 0) {
			rw_set_malformed(rw, j->part,
			    "text not valid in its charset");
			return;
		}
		if (i < j->te.n) {
			buf_append(&j->newd, j->te.v[i].repl.data,
			    j->te.v[i].repl.len);
			pos = j->te.v[i].off + j->te.v[i].len;
		}
	}
	rw_part_replace_whole(rw, j->part, &j->newd, j->part->cte ==
	    MIME_CTE_BASE64 ? MIME_CTE_BASE64 : MIME_CTE_QP, true, j->teol);
}

/*
 * Step 5: the edits on the decoded text, and where they go. Base64 and
 * quoted-printable parts are re-encoded whole; 7bit, 8bit and binary parts
 * take the edits in place, unless the result needs quoted-printable (8-bit
 * bytes in 7bit, a line over 998 bytes).
 */
static void
part_write_edits(struct rw *rw, struct part_job *j)
{
	const struct mime_part *part = j->part;
	struct edit *e;
	size_t i;

	rw->res->tags += rw_tag_edits(rw, j->d, j->dn, rw->req->token ?
	    &j->repl : NULL, !j->html, &j->te);
	if (j->utf8) {
		part_write_utf8(rw, j);
		return;
	}
	rw_edits_apply(j->d, j->dn, 0, j->te.v, j->te.n, &j->newd);
	if (part->cte == MIME_CTE_BASE64 || part->cte == MIME_CTE_QP) {
		rw_part_replace_whole(rw, part, &j->newd, part->cte, false,
		    j->teol);
		return;
	}
	if (!rw->in_place && (j->need_qp || max_line(j->newd.data,
	    j->newd.len) > LINE_MAX_SMTP)) {
		rw_part_replace_whole(rw, part, &j->newd, MIME_CTE_QP, false,
		    j->teol);
		return;
	}
	for (i = 0; i < j->te.n; i++) {
		e = rw_edits_add(&rw->medits, part->body_off + j->te.v[i].off,
		    j->te.v[i].len);
		buf_append(&e->repl, j->te.v[i].repl.data, j->te.v[i].repl.len);
	}
}

/*
 * Replaces the tags of one text/html or text/plain part:
 *  1. find a tag, decoding no more than that needs;
 *  2. make the replacement in the part's charset, or decide that the part
 *     becomes UTF-8;
 *  3. keep the part's charset after all when it has no honest UTF-8;
 *  4. quoted-printable: change only the lines that hold a tag;
 *  5. otherwise edit the decoded text, and write the edits in place or the
 *     part re-encoded.
 */
void
rw_part_process(struct rw *rw, const struct mime_part *part)
{
	struct part_job j;

	memset(&j, 0, sizeof(j));
	j.part = part;
	j.raw = rw->msg + part->body_off;
	j.rawlen = part->body_len;
	j.d = "";
	j.html = strcmp(part->subtype, "html") == 0;
	memset(&rw->hc, 0, sizeof(rw->hc));
	rw->cur_cs = part->charset[0] ? part->charset : "us-ascii";
	if (!rw_charset_ascii_compatible(rw->cur_cs)) {
		/* Not to be found byte-wise, nor edited so. */
		rw_part_wide_tag(rw, part);
		return;
	}
	if (part_find_tag(rw, &j) && part_make_replacement(rw, &j) == 0) {
		if (j.utf8)
			part_check_utf8(rw, &j);
		if (!part_splice_qp(rw, &j))
			part_write_edits(rw, &j);
	}
	rw_edits_free(&j.te);
	buf_free(&j.repl);
	buf_free(&j.newd);
}
