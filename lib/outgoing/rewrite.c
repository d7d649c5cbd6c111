/*
 * rewrite.c - expand the survey tag in a whole message; see rewrite.h.
 *
 * The message is never rebuilt: the change is a list of edits (offset,
 * length, new bytes) on the original, sorted by offset, and the new body is
 * the original with those edits applied. So every byte outside a changed
 * region is the original byte, by construction. How each text part is
 * changed (in place, by line, or re-encoded whole) is told in
 * rewrite_part.c.
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
 * Here: the list of edits, the walk over the MIME tree, the message's
 * result; the steps of one text part, the tag search, the re-encoding and
 * the header changes are the other pieces rewrite_int.h lists.
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

/* --- lines and the malformed part ---------------------------------------- */

const char *
rw_eol_of(const char *p, size_t n, const char *fallback)
{
	const char *nl = memchr(p, '\n', n);

	if (nl == NULL)
		return fallback;
	return (nl > p && nl[-1] == '\r') ? "\r\n" : "\n";
}

void
rw_set_malformed(struct rw *rw, const struct mime_part *part, const char *why)
{
	snprintf(rw->res->reason, sizeof(rw->res->reason), "%.20s/%.20s "
	    "part at offset %zu: %s; message left unchanged", part->type,
	    part->subtype, part->hdr_off, why);
	rw->failed = 1;
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
	rw_part_process(rw, part);
	if (rw->failed == 0 && nb > 0 &&
	    edits_make_delimiter(rw, k0, (const char *const *)bounds, nb))
		rw_set_malformed(rw, part, "the change would turn a line into "
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
bool
rw_starts_with_field(const char *msg, size_t len)
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

/* rw_init - see rewrite_int.h. */
void
rw_init(struct rw *rw, const struct config *cf,
    const struct widget_templates *tpl, const struct widget_request *req,
    const char *msg, size_t len, const char *tag, bool attrs,
    struct rewrite_result *out, struct npserr *err)
{
	memset(out, 0, sizeof(*out));
	buf_init(&out->body);
	buf_init(&out->warn);
	memset(rw, 0, sizeof(*rw));
	rw->cf = cf;
	rw->tpl = tpl;
	rw->req = req;
	rw->msg = msg;
	rw->len = len;
	rw->tag = tag;
	rw->taglen = strlen(rw->tag);
	rw->attrs = attrs && rw->taglen > 1 && rw->tag[rw->taglen - 1] == ']';
	rw->pfxlen = rw->attrs ? rw->taglen - 1 : rw->taglen;
	rw->msg_eol = rw_eol_of(msg, len, "\r\n");
	rw->res = out;
	rw->err = err;
}

void
rw_release(struct rw *rw)
{
	rw_edits_free(&rw->medits);
	buf_free(&rw->html);
	buf_free(&rw->text);
	buf_free(&rw->dec);
	buf_free(&rw->line);
	rewrite_facts_clear(&rw->facts_html);
	rewrite_facts_clear(&rw->facts_text);
}

/* rw_tag_of - see rewrite_int.h. */
const char *
rw_tag_of(const struct config *cf)
{
	return cf->tag && *cf->tag ? cf->tag : DEFAULT_TAG;
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

	rw_init(&rw, cf, tpl, req, msg, len, tag, attrs, out, err);
	if (!rw_starts_with_field(msg, len)) {
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
	rw_release(&rw);
	return rw.failed < 0 ? -1 : 0;
}

/* rewrite_message - see rewrite.h. */
int
rewrite_message(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, const char *msg, size_t len,
    struct rewrite_result *out, struct npserr *err)
{
	return rewrite_run(cf, tpl, req, msg, len, rw_tag_of(cf), true, out,
	    err);
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
	res->tags = res->expanded = res->stuck = 0;
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
	const char *eol = rw_eol_of(msg, len, "\r\n");
	struct buf h1 = BUF_INIT, h2 = BUF_INIT;

	if (!res->changed) {
		buf_append(out, msg, len);
		return;
	}
	buf_append(&h1, msg, hl);
	if (res->content_type) {
		rw_header_set(h1.data, h1.len, "Content-Type",
		    res->content_type, strlen(res->content_type), eol, &h2);
		buf_reset(&h1);
		buf_append(&h1, h2.data, h2.len);
		buf_reset(&h2);
	}
	if (res->cte) {
		rw_header_set(h1.data, h1.len, "Content-Transfer-Encoding",
		    res->cte, strlen(res->cte), eol, &h2);
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
