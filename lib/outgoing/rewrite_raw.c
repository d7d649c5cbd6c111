/*
 * rewrite_raw.c - the last resort of the rewrite (rewrite_message_raw, see
 * rewrite.h): the tags left standing literally in a message, removed where
 * their bytes can be edited as they are.
 *
 * rewrite_message leaves a message alone when its MIME cannot be read
 * safely, and never looks into attachments, attached messages or signed
 * content: a tag there would reach the customer raw. Here a tag is
 * removed in place, as rewrite_message removes it without a survey, in
 * every region of the body that can take that: the body of a part in
 * 7bit, 8bit or binary whose charset is ASCII-compatible, a preamble, an
 * epilogue; never in signed or encrypted content. Nothing is encoded
 * again, no header changes, and no edit may leave a new line that starts
 * with "--" (it could read as a boundary). Every tag still standing after
 * that is stuck: the caller must not send the message as it is.
 *
 * When the MIME tree cannot be read (a boundary never closed, nesting or
 * part counts over the limits, no header field at the start...), the
 * regions are found as a lenient reader would: a line that starts with
 * "--" and is followed by a header field or a blank line starts a part,
 * whose own header says its encoding and charset; before the first one,
 * the message's header does. A signed or encrypted multipart anywhere
 * then freezes the whole message.
 *
 * Also here: a part in a charset that is not ASCII-compatible (UTF-16...)
 * is converted to look for the tag, which cannot be edited there.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite.h"
#include "outgoing/rewrite_int.h"

/* One run of rewrite_message_raw. */
struct raw {
	struct rw rw;
	bool frozen_all;	/* unread MIME: signed content somewhere */
	char why[160];		/* where the first tag was left, and why */
};

/* rw_part_wide_tag - see rewrite_int.h. */
void
rw_part_wide_tag(struct rw *rw, const struct mime_part *part)
{
	struct buf d = BUF_INIT, u = BUF_INIT;

	if (!rw->attrs)
		return;		/* the opt-out marker: nothing to say */
	mime_part_decode(rw->msg, part, &d);
	mime_charset_to_utf8(part->charset, buf_cstr(&d), d.len, &u);
	if (rw_find_tag(rw, buf_cstr(&u), u.len) != NULL) {
		rw->res->stuck++;
		rw_warn(rw, "a tag in a %.40s part at offset %zu, which cannot "
		    "be edited byte-wise", part->charset, part->hdr_off);
	}
	buf_free(&d);
	buf_free(&u);
}

static void
raw_refuse(struct raw *r, const struct mime_part *p, const char *why)
{
	if (r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "%.20s/%.20s part at offset "
		    "%zu: %s", p->type, p->subtype, p->hdr_off, why);
}

/*
 * Whether the edits from k0 on leave a line that starts with "--" and was
 * not a line of the message before: removing "[tag]" from "--[tag]b" must
 * not make a delimiter.
 */
static bool
raw_edits_make_dashes(const struct rw *rw, size_t k0)
{
	const struct edit *e;
	const char *m = rw->msg;
	char first[2];
	size_t k, ls, end, i, n;

	for (k = k0; k < rw->medits.n; k++) {
		e = &rw->medits.v[k];
		end = e->off + e->len;
		for (ls = e->off; ls > 0 && m[ls - 1] != '\n'; ls--)
			;
		if (e->off == ls && e->repl.len == 0 &&
		    (end == 0 || m[end - 1] == '\n'))
			continue;	/* a whole line went: the next stays */
		/* The first two bytes of the line the edit leaves. */
		n = 0;
		for (i = ls; i < e->off && n < 2; i++)
			first[n++] = m[i];
		for (i = 0; i < e->repl.len && n < 2; i++)
			first[n++] = e->repl.data[i];
		for (i = end; i < rw->len && n < 2 && m[i] != '\n'; i++)
			first[n++] = m[i];
		if (n == 2 && first[0] == '-' && first[1] == '-')
			return true;
		if (memchr(e->repl.data, '\n', e->repl.len) != NULL)
			return true;	/* removals only: never so */
	}
	return false;
}

/* The tags of one region removed in place, or the region refused. */
static void
raw_region(struct raw *r, const struct mime_part *p, bool frozen)
{
	struct rw *rw = &r->rw;
	size_t k0 = rw->medits.n;
	int tags0 = rw->res->tags;

	if (p->body_len == 0 || rw_find_tag(rw, rw->msg + p->body_off,
	    p->body_len) == NULL)
		return;
	if (frozen) {
		raw_refuse(r, p, "signed or encrypted content");
		return;
	}
	if (p->cte != MIME_CTE_7BIT && p->cte != MIME_CTE_8BIT &&
	    p->cte != MIME_CTE_BINARY) {
		raw_refuse(r, p, "its transfer encoding cannot be edited in "
		    "place");
		return;
	}
	if (!rw_charset_ascii_compatible(p->charset[0] ? p->charset :
	    "us-ascii")) {
		raw_refuse(r, p, "its charset cannot be edited byte-wise");
		return;
	}
	rw_part_process(rw, p);
	if (raw_edits_make_dashes(rw, k0)) {
		while (rw->medits.n > k0)
			buf_free(&rw->medits.v[--rw->medits.n].repl);
		rw->res->tags = tags0;
		raw_refuse(r, p, "removing the tag would make a boundary "
		    "line");
	}
}

/* Bytes [from, to) of the message as a region of plain 7bit text: a
 * preamble, an epilogue, the body of a message without a header. */
static void
raw_text_region(struct raw *r, size_t from, size_t to, bool frozen)
{
	struct mime_part p;

	if (to <= from)
		return;
	memset(&p, 0, sizeof(p));
	p.hdr_off = p.body_off = from;
	p.body_len = to - from;
	snprintf(p.type, sizeof(p.type), "text");
	snprintf(p.subtype, sizeof(p.subtype), "plain");
	p.cte = MIME_CTE_7BIT;
	p.depth = 1;
	raw_region(r, &p, frozen);
}

static bool
raw_is_frozen(const struct mime_part *p)
{
	return strcmp(p->type, "multipart") == 0 &&
	    (strcmp(p->subtype, "signed") == 0 ||
	    strcmp(p->subtype, "encrypted") == 0);
}

/* The regions of a tree that mime_parse read: leaves, and what lies
 * between the parts of a multipart. */
static void
raw_walk(struct raw *r, const struct mime_part *p, bool frozen)
{
	const struct mime_part *c;
	size_t from = p->body_off;

	if (p->child == NULL) {
		if (strcmp(p->type, "text") == 0 &&
		    !rw_charset_ascii_compatible(p->charset))
			rw_part_wide_tag(&r->rw, p);
		else
			raw_region(r, p, frozen);
		return;
	}
	frozen = frozen || raw_is_frozen(p);
	for (c = p->child; c != NULL; c = c->next) {
		raw_text_region(r, from, c->hdr_off, frozen);
		raw_walk(r, c, frozen);
		from = c->body_off + c->body_len;
	}
	raw_text_region(r, from, p->body_off + p->body_len, frozen);
}

/*
 * The part whose header block lies at [off, off + hlen) and whose body
 * runs to end, as its Content-Type and Content-Transfer-Encoding say
 * (text/plain, 7bit and no charset when they are absent).
 */
static void
raw_part_read(const char *m, size_t off, size_t hlen, size_t end,
    struct mime_part *p)
{
	struct buf cs = BUF_INIT;
	const char *v;
	size_t vlen, i, s;

	memset(p, 0, sizeof(*p));
	p->hdr_off = off;
	p->hdr_len = hlen;
	p->body_off = off + hlen;
	p->body_len = end - p->body_off;
	p->depth = 1;
	snprintf(p->type, sizeof(p->type), "text");
	snprintf(p->subtype, sizeof(p->subtype), "plain");
	if (mime_header_find_in(m + off, hlen, "Content-Type", &v, &vlen)) {
		for (i = 0; i < vlen && (v[i] == ' ' || v[i] == '\t'); i++)
			;
		for (s = i; i < vlen && v[i] != '/' && v[i] != ';' &&
		    v[i] != ' ' && v[i] != '\r' && v[i] != '\n'; i++)
			;
		if (i < vlen && v[i] == '/' && i > s) {
			mime_copy_lower(p->type, sizeof(p->type), v + s, i - s);
			for (s = ++i; i < vlen && v[i] != ';' && v[i] != ' ' &&
			    v[i] != '\t' && v[i] != '\r' && v[i] != '\n'; i++)
				;
			mime_copy_lower(p->subtype, sizeof(p->subtype), v + s,
			    i - s);
		}
		if (mime_param_get(v, vlen, "charset", &cs) && cs.len > 0 &&
		    memchr(cs.data, '\0', cs.len) == NULL)
			mime_copy_lower(p->charset, sizeof(p->charset),
			    cs.data, cs.len);
		else if (cs.len > 0)
			snprintf(p->charset, sizeof(p->charset), "x-unknown");
	}
	if (mime_header_find_in(m + off, hlen, "Content-Transfer-Encoding",
	    &v, &vlen))
		p->cte = mime_cte_parse(v, vlen);
	buf_free(&cs);
}

/* Where the line after the one at pos starts (len when none). */
static size_t
raw_next_line(const char *m, size_t len, size_t pos)
{
	const char *nl = memchr(m + pos, '\n', len - pos);

	return nl ? (size_t)(nl - m) + 1 : len;
}

/* Whether the line at pos is blank (LF or CRLF alone). */
static bool
raw_blank_line(const char *m, size_t len, size_t pos)
{
	return pos < len && (m[pos] == '\n' || (m[pos] == '\r' &&
	    pos + 1 < len && m[pos + 1] == '\n'));
}

/* The region cur, its body ending at end. */
static void
raw_section_end(struct raw *r, struct mime_part *cur, size_t end)
{
	cur->body_len = end > cur->body_off ? end - cur->body_off : 0;
	if (strcmp(cur->type, "multipart") == 0)
		raw_text_region(r, cur->body_off, cur->body_off +
		    cur->body_len, r->frozen_all);
	else
		raw_region(r, cur, r->frozen_all);
}

/*
 * The regions of a message whose MIME could not be read: the message's
 * own body up to the first line that starts with "--", then what each
 * such line starts: a part, with its header, when a header field or a
 * blank line follows it; else plain text (what follows a closing
 * delimiter). The "--" lines themselves are in no region, and the line
 * end before one is its own, as mime_parse reads a delimiter's. With
 * process false, only says whether a signed or encrypted multipart is
 * among the parts.
 */
static void
raw_sections(struct raw *r, bool process)
{
	const char *m = r->rw.msg;
	size_t len = r->rw.len, hl = mime_header_block_len(m, len);
	size_t pos = hl, next, end;
	struct mime_part cur;

	raw_part_read(m, 0, hl, len, &cur);
	r->frozen_all = r->frozen_all || raw_is_frozen(&cur);
	while (pos < len) {
		next = raw_next_line(m, len, pos);
		if (len - pos < 2 || m[pos] != '-' || m[pos + 1] != '-') {
			pos = next;
			continue;
		}
		end = pos;
		if (end > cur.body_off && m[end - 1] == '\n')
			end--;
		if (end > cur.body_off && m[end - 1] == '\r')
			end--;
		if (process)
			raw_section_end(r, &cur, end);
		if (next < len && (raw_blank_line(m, len, next) ||
		    rw_starts_with_field(m + next, len - next))) {
			raw_part_read(m, next, mime_header_block_len(m + next,
			    len - next), len, &cur);
			r->frozen_all = r->frozen_all || raw_is_frozen(&cur);
		} else
			raw_part_read(m, next, 0, len, &cur);
		pos = cur.body_off;
	}
	if (process)
		raw_section_end(r, &cur, len);
}

/* A struct rw that only finds the tag of cf. */
static void
raw_finder(struct rw *rw, const struct config *cf)
{
	memset(rw, 0, sizeof(*rw));
	rw->tag = rw_tag_of(cf);
	rw->taglen = strlen(rw->tag);
	rw->attrs = rw->taglen > 1 && rw->tag[rw->taglen - 1] == ']';
	rw->pfxlen = rw->attrs ? rw->taglen - 1 : rw->taglen;
}

/* rewrite_has_raw_tag - see rewrite.h. */
bool
rewrite_has_raw_tag(const struct config *cf, const char *p, size_t n)
{
	struct rw rw;

	raw_finder(&rw, cf);
	return rw_find_tag(&rw, p, n) != NULL;
}

/* How many tags stand in the n bytes at p. */
static int
raw_count(const struct rw *rw, const char *p, size_t n)
{
	const char *q, *end = p + n;
	int c = 0;

	while (p < end && (q = rw_find_tag(rw, p, (size_t)(end - p))) != NULL) {
		c++;
		p = q + rw->pfxlen;
	}
	return c;
}

/* rewrite_message_raw - see rewrite.h. */
int
rewrite_message_raw(const struct config *cf, const char *msg, size_t len,
    struct rewrite_result *out, struct npserr *err)
{
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "en", NULL,
	    NULL };
	struct raw r;
	struct mime_part *root = NULL;
	struct npserr perr;
	size_t hl = mime_header_block_len(msg, len);
	const char *body;
	size_t blen;
	int left;

	memset(&r, 0, sizeof(r));
	rw_init(&r.rw, cf, NULL, &req, msg, len, rw_tag_of(cf), true, out,
	    err);
	r.rw.in_place = true;
	if (rw_starts_with_field(msg, len))
		root = mime_parse(msg, len, &perr);
	if (root != NULL) {
		raw_walk(&r, root, false);
		mime_tree_free(root);
	} else {
		raw_sections(&r, false);
		raw_sections(&r, true);
	}
	/* Without a token nothing is rendered: no internal failure. */
	if (r.rw.failed == 0 && r.rw.medits.n > 0) {
		rw_edits_apply(msg + hl, len - hl, hl, r.rw.medits.v,
		    r.rw.medits.n, &out->body);
		out->changed = true;
	}
	body = out->changed ? buf_cstr(&out->body) : msg + hl;
	blen = out->changed ? out->body.len : len - hl;
	left = raw_count(&r.rw, body, blen);
	out->stuck += left;
	if (left > 0 && r.why[0] == '\0')
		snprintf(r.why, sizeof(r.why), "in a header block or a "
		    "delimiter line");
	if (out->stuck > 0)
		snprintf(out->reason, sizeof(out->reason), "%s",
		    r.why[0] ? r.why : buf_cstr(&out->warn));
	rewrite_facts_clear(&out->facts);
	rw_release(&r.rw);
	return 0;
}
