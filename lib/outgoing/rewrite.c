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
 *
 * Here: the walk over the MIME tree and the steps of each text part; the
 * tag search, the re-encoding and the header changes are the other pieces
 * rewrite_int.h lists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite.h"
#include "outgoing/rewrite_int.h"

#define DEFAULT_TAG "[InsertSatisfactionEvaluation]"
#define LINE_MAX_SMTP 998

/* --- the list of edits --------------------------------------------------- */

struct edit *
rw_edits_add(struct edits *e, size_t off, size_t len)
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

void
rw_edits_free(struct edits *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		buf_free(&e->v[i].repl);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

/* Appends text (n bytes) with edits applied (offsets relative to base). */
void
rw_edits_apply(const char *text, size_t n, size_t base, const struct edit *v,
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

/* --- lines and charsets -------------------------------------------------- */

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

static void
set_malformed(struct rw *rw, const struct mime_part *part, const char *why)
{
	snprintf(rw->res->reason, sizeof(rw->res->reason), "%.20s/%.20s "
	    "part at offset %zu: %s; message left unchanged", part->type,
	    part->subtype, part->hdr_off, why);
	rw->failed = 1;
}

/* --- one text part ------------------------------------------------------- */

/*
 * One text part on its way through process_part: its text, decoded as far
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
	bool utf8;		/* the part is to become UTF-8 QP */
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
			if (rw_find_tag(rw, buf_cstr(&rw->dec), rw->dec.len))
				set_malformed(rw, part,
				    "invalid or truncated base64");
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
	if (!charset_ascii_compatible(j->cs))
		return false;
	j->teol = eol_of(j->raw, j->rawlen, eol_of(rw->msg + part->hdr_off,
	    part->hdr_len, rw->msg_eol));
	/* QP hard line breaks decode to the part's own line ends. */
	j->ceol = part->cte == MIME_CTE_QP ? j->teol :
	    eol_of(j->d, j->dn, j->teol);
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
	 * re-encode it all. */
	mime_qp_decode(j->raw, j->rawlen, &rw->dec);
	j->d = buf_cstr(&rw->dec);
	j->dn = rw->dec.len;
	return false;
}

/* Step 5, for a part made UTF-8: the text around the edits converted, the
 * UTF-8 widget kept, and the whole re-encoded as quoted-printable. */
static void
part_write_utf8(struct rw *rw, struct part_job *j)
{
	size_t pos = 0, end, i;

	for (i = 0; i <= j->te.n; i++) {
		end = i < j->te.n ? j->te.v[i].off : j->dn;
		/* Cannot fail: the whole text converted in step 3. */
		if (mime_charset_to_utf8_strict(j->part->charset, j->d + pos,
		    end - pos, &j->newd) < 0) {
			set_malformed(rw, j->part,
			    "text not valid in its charset");
			return;
		}
		if (i < j->te.n) {
			buf_append(&j->newd, j->te.v[i].repl.data,
			    j->te.v[i].repl.len);
			pos = j->te.v[i].off + j->te.v[i].len;
		}
	}
	rw_part_replace_whole(rw, j->part, &j->newd, MIME_CTE_QP, true,
	    j->teol);
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
	if (j->need_qp || max_line(j->newd.data, j->newd.len) >
	    LINE_MAX_SMTP) {
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
static void
process_part(struct rw *rw, const struct mime_part *part)
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

/* --- the message --------------------------------------------------------- */

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
			bad = line_is_delimiter(p, (size_t)(nl - p), bounds,
			    nb);
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

/*
 * The facts of the message: those of the first tag with attributes in an
 * HTML part, else in a text part. A help desk writes the HTML template;
 * its text part is often made from it, wrapped and cut, so the HTML wins
 * when the two disagree, with a warning.
 */
static void
facts_choose(struct rw *rw)
{
	struct rewrite_facts *h = &rw->facts_html, *t = &rw->facts_text;
	struct rewrite_facts *use = h->found ? h : t;
	int i;

	if (h->found && t->found)
		for (i = 0; i < REWRITE_FACT_COUNT; i++)
			if ((h->v[i] == NULL) != (t->v[i] == NULL) ||
			    (h->v[i] != NULL && strcmp(h->v[i], t->v[i]))) {
				rw_warn(rw, "the tags of the HTML and text "
				    "parts disagree on %s: the HTML part's "
				    "is used", rewrite_fact_name(
				    (enum rewrite_fact)i));
				break;
			}
	rw->res->facts = *use;
	memset(use, 0, sizeof(*use));
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
 * rewrite_run - rewrite_message for the text tag: with attributes when
 * attrs (the survey tag), matched whole otherwise (the opt-out marker).
 * Ownership: out's buffers belong to the caller, who clears them with
 * rewrite_result_clear (also after a return of -1).
 */
static int
rewrite_run(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, const char *msg, size_t len,
    const char *tag, bool attrs, struct rewrite_result *out,
    struct npserr *err)
{
	struct rw rw;
	struct mime_part *root;
	const char *bounds[MIME_MAX_DEPTH + 1];
	struct npserr perr;
	size_t pos;

	memset(out, 0, sizeof(*out));
	buf_init(&out->body);
	buf_init(&out->warn);
	memset(&rw, 0, sizeof(rw));
	rw.cf = cf;
	rw.tpl = tpl;
	rw.req = req;
	rw.msg = msg;
	rw.len = len;
	rw.tag = tag;
	rw.taglen = strlen(rw.tag);
	rw.attrs = attrs && rw.taglen > 1 && rw.tag[rw.taglen - 1] == ']';
	rw.pfxlen = rw.attrs ? rw.taglen - 1 : rw.taglen;
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
		snprintf(out->reason, sizeof(out->reason), "%.200s; message "
		    "left unchanged", perr.msg);
		return 0;
	}
	walk(&rw, root, bounds, 0);
	facts_choose(&rw);
	if (rw.failed == 0 && rw.medits.n > 0) {
		pos = root->body_off;
		rw_edits_apply(msg + pos, len - pos, pos, rw.medits.v,
		    rw.medits.n, &out->body);
		out->changed = true;
	}
	if (rw.failed != 0 || (!out->changed && out->tags == 0)) {
		buf_free(&out->body);
		free(out->content_type);
		free(out->cte);
		out->content_type = out->cte = NULL;
		out->changed = false;
		if (rw.failed != 0) {
			out->tags = out->expanded = 0;
			rewrite_facts_clear(&out->facts);
		}
		if (rw.failed > 0)
			out->malformed = true;
	}
	mime_tree_free(root);
	rw_edits_free(&rw.medits);
	buf_free(&rw.html);
	buf_free(&rw.text);
	buf_free(&rw.dec);
	buf_free(&rw.line);
	rewrite_facts_clear(&rw.facts_html);
	rewrite_facts_clear(&rw.facts_text);
	return rw.failed < 0 ? -1 : 0;
}

/* rewrite_message - see rewrite.h. */
int
rewrite_message(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, const char *msg, size_t len,
    struct rewrite_result *out, struct npserr *err)
{
	return rewrite_run(cf, tpl, req, msg, len, cf->tag && *cf->tag ?
	    cf->tag : DEFAULT_TAG, true, out, err);
}

/* rewrite_message_remove - see rewrite.h. */
int
rewrite_message_remove(const struct config *cf, const char *text,
    const char *msg, size_t len, struct rewrite_result *out,
    struct npserr *err)
{
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "en", NULL,
	    NULL };

	return rewrite_run(cf, NULL, &req, msg, len, text, false, out, err);
}

void
rewrite_result_clear(struct rewrite_result *res)
{
	buf_free(&res->body);
	free(res->content_type);
	free(res->cte);
	res->content_type = res->cte = NULL;
	res->changed = res->malformed = false;
	res->tags = res->expanded = 0;
	rewrite_facts_clear(&res->facts);
	buf_free(&res->warn);
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
		rw_header_set(h1.data, h1.len, "Content-Type",
		    res->content_type, eol, &h2);
		buf_reset(&h1);
		buf_append(&h1, h2.data, h2.len);
		buf_reset(&h2);
	}
	if (res->cte) {
		rw_header_set(h1.data, h1.len, "Content-Transfer-Encoding",
		    res->cte, eol, &h2);
		buf_reset(&h1);
		buf_append(&h1, h2.data, h2.len);
	}
	buf_append(out, h1.data, h1.len);
	/* A body that started at a line that is no field (no blank line
	 * before it) may not stay so once re-encoded: give it one. */
	if (res->body.len > 0 && !(hl >= 1 && msg[hl - 1] == '\n' &&
	    (hl == 1 || msg[hl - 2] == '\n' || (msg[hl - 2] == '\r' &&
	    (hl == 2 || msg[hl - 3] == '\n')))))
		buf_puts(out, eol);
	buf_append(out, res->body.data, res->body.len);
	buf_free(&h1);
	buf_free(&h2);
}
