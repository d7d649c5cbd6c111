/*
 * fuzz_rewrite.c - the message rewrite (rewrite_message) and the whole
 * outgoing transformation the milter applies (outgoing_process).
 *
 * For any message, with a token or without (tag removal), in each widget
 * style and language:
 *  - rewrite_message returns 0 (-1 is for internal failures only, and the
 *    templates are there); a malformed message is left unchanged with a
 *    reason;
 *  - a changed message still parses as MIME with the same tree; every
 *    byte outside the changed text parts is identical (header blocks,
 *    preambles, delimiters, epilogues, attachments, attached messages,
 *    signed content); a changed part is a text/plain or text/html part
 *    that is no attachment and held the tag, decodes without a flaw it
 *    did not have, holds no tag any more (bare, with attributes or
 *    unclosed: no piece of one reaches the customer), keeps lines
 *    within 998 bytes, and is 7bit only when it is ASCII;
 *  - outgoing_process (no store) returns 0, or -1 only for a tag it can
 *    neither replace nor remove (tag_stuck); the message it gives keeps
 *    no header with the internal prefix; every header value it adds or
 *    changes has no NUL and no line break but a fold; a survey carries a
 *    token that verifies; a message without a survey keeps its body but
 *    for its tags;
 *  - the customer never reads the tag raw: when outgoing_process returns
 *    0, the body that leaves holds no tag as typed (bare, with
 *    attributes or unclosed), whatever the MIME.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "fuzz.h"
#include "mail/mime.h"
#include "outgoing/outgoing.h"
#include "outgoing/rewrite.h"
#include "survey/token.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#define FUZZ_NOW ((time_t)1750000000)
#define FUZZ_TOKEN "t3sttok3naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static struct config *fuzz_cf;
static struct widget_templates *fuzz_tpl;
static struct keyring *fuzz_ring;

static void
fuzz_rewrite_init(void)
{
	struct npserr err;
	const char *dir = getenv("NPSGATE_TEMPLATES_DIR");

	if (fuzz_cf != NULL)
		return;
	fuzz_cf = config_defaults();
	free(fuzz_cf->icon_url);
	fuzz_cf->icon_url = xstrdup("https://example.com/icons/{score}.png");
	fuzz_tpl = widget_templates_load(dir && *dir ? dir :
	    FUZZ_SRCDIR "/templates", &err);
	if (fuzz_tpl == NULL)
		fprintf(stderr, "fuzz_rewrite: %s\n", err.msg);
	FUZZ_CHECK(fuzz_tpl != NULL, "templates load");
	fuzz_ring = keyring_new_test();
}

/*
 * Whether p holds a tag: the tag's name (the tag without its ']') followed
 * by ']', by what may start attributes (a blank, '<', '&', a no-break
 * space), or by the end of the text, which is an unclosed tag.
 */
static bool
has_tag(const char *p, size_t n)
{
	const char *tag = fuzz_cf->tag, *q, *end = p + n;
	size_t pl = strlen(tag) - 1;
	unsigned char c;

	while (n > 0 && (q = memmem(p, (size_t)(end - p), tag, pl)) != NULL) {
		if (q + pl >= end)
			return true;
		c = (unsigned char)q[pl];
		if (c == ']' || c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n' || c == '<' || c == '&' || c == 0xa0 ||
		    (c == 0xc2 && q + pl + 1 < end &&
		    (unsigned char)q[pl + 1] == 0xa0))
			return true;
		p = q + 1;
	}
	return false;
}

static bool
same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void
check_changed_part(const char *in, const struct mime_part *pi,
    const char *out, const struct mime_part *po)
{
	struct buf d = BUF_INIT;
	const char *p;
	size_t i, col = 0;
	int flawed;
	bool ascii = true;

	FUZZ_CHECK(strcmp(pi->type, "text") == 0 &&
	    (strcmp(pi->subtype, "plain") == 0 ||
	    strcmp(pi->subtype, "html") == 0) && !pi->attachment,
	    "only text/plain and text/html parts that are no attachment "
	    "change");
	flawed = mime_part_decode(in, pi, &d);
	FUZZ_CHECK(has_tag(d.data, d.len), "a changed part held the tag");
	buf_reset(&d);
	/* Only the lines with a tag are re-encoded: a flaw elsewhere in
	 * the part stays as it was, but the change adds none. */
	FUZZ_CHECK(mime_part_decode(out, po, &d) == 0 || flawed,
	    "a changed part decodes as well as before");
	FUZZ_CHECK(!has_tag(d.data, d.len), "a changed part holds no tag");
	buf_free(&d);
	for (i = 0; i < pi->body_len && ascii; i++)
		ascii = (unsigned char)in[pi->body_off + i] < 0x80;
	p = out + po->body_off;
	for (i = 0; i < po->body_len; i++) {
		if (p[i] == '\n') {
			col = 0;
			continue;
		}
		if (p[i] != '\r' || i + 1 >= po->body_len || p[i + 1] != '\n')
			col++;
		FUZZ_CHECK(col <= 998, "changed part lines within 998 bytes");
		if (po->cte == MIME_CTE_7BIT && ascii)
			FUZZ_CHECK((unsigned char)p[i] < 0x80,
			    "a 7bit part stays ASCII");
	}
}

/* Walks both trees together; returns the number of changed parts. */
static int
compare(const char *in, const struct mime_part *pi, const char *out,
    const struct mime_part *po, bool frozen)
{
	const struct mime_part *ci, *co;
	size_t gi, go;
	int changed = 0;

	FUZZ_CHECK(po != NULL, "same number of parts");
	FUZZ_CHECK(strcmp(pi->type, po->type) == 0 &&
	    strcmp(pi->subtype, po->subtype) == 0, "same part types");
	if (strcmp(pi->type, "multipart") == 0) {
		FUZZ_CHECK(same(in + pi->hdr_off, pi->hdr_len,
		    out + po->hdr_off, po->hdr_len) || pi->depth == 0,
		    "a multipart's header block stays");
		FUZZ_CHECK(strcmp(pi->boundary, po->boundary) == 0,
		    "same boundary");
		if (strcmp(pi->subtype, "signed") == 0 ||
		    strcmp(pi->subtype, "encrypted") == 0)
			frozen = true;
		gi = pi->body_off;
		go = po->body_off;
		for (ci = pi->child, co = po->child; ci != NULL;
		    ci = ci->next, co = co->next) {
			FUZZ_CHECK(co != NULL, "same number of children");
			FUZZ_CHECK(same(in + gi, ci->hdr_off - gi, out + go,
			    co->hdr_off - go), "preamble and delimiters stay");
			changed += compare(in, ci, out, co, frozen);
			gi = ci->body_off + ci->body_len;
			go = co->body_off + co->body_len;
		}
		FUZZ_CHECK(co == NULL, "no child added");
		FUZZ_CHECK(same(in + gi, pi->body_off + pi->body_len - gi,
		    out + go, po->body_off + po->body_len - go),
		    "closing delimiter and epilogue stay");
		return changed;
	}
	/* A leaf (an attached message counts as one: never ours). */
	if (pi->depth > 0 && same(in + pi->hdr_off, pi->hdr_len + pi->body_len,
	    out + po->hdr_off, po->hdr_len + po->body_len))
		return 0;
	if (pi->depth == 0 && same(in + pi->body_off, pi->body_len,
	    out + po->body_off, po->body_len))
		return 0;
	FUZZ_CHECK(!frozen, "signed or encrypted content never changes");
	check_changed_part(in, pi, out, po);
	return 1;
}

static void
check_rewrite(const char *msg, size_t len, const struct widget_request *req)
{
	struct rewrite_result res;
	struct mime_part *ri, *ro;
	struct npserr err;
	struct buf out = BUF_INIT;
	size_t hl;

	err.msg[0] = '\0';
	if (rewrite_message(fuzz_cf, fuzz_tpl, req, msg, len, &res, &err) != 0)
		fprintf(stderr, "rewrite_message: %s\n", err.msg);
	FUZZ_CHECK(res.malformed || err.msg[0] == '\0',
	    "rewrite_message fails only internally");
	if (res.malformed) {
		FUZZ_CHECK(!res.changed && res.reason[0] != '\0',
		    "a malformed message is left alone with a reason");
		rewrite_result_clear(&res);
		return;
	}
	if (!res.changed) {
		FUZZ_CHECK(res.content_type == NULL && res.cte == NULL,
		    "no header change without a change");
		rewrite_result_clear(&res);
		return;
	}
	FUZZ_CHECK(res.tags > 0, "a change replaces a tag");
	rewrite_message_assemble(msg, len, &res, &out);
	hl = mime_header_block_len(msg, len);
	if (res.content_type == NULL && res.cte == NULL)
		FUZZ_CHECK(out.len >= hl && memcmp(buf_cstr(&out), msg, hl) == 0,
		    "header block stays when its MIME fields do");
	ri = mime_parse(msg, len, &err);
	FUZZ_CHECK(ri != NULL, "rewritten input parses");
	ro = mime_parse(buf_cstr(&out), out.len, &err);
	if (ro == NULL)
		fprintf(stderr, "output does not parse: %s\n", err.msg);
	FUZZ_CHECK(ro != NULL, "the rewritten message parses");
	FUZZ_CHECK(compare(msg, ri, buf_cstr(&out), ro, false) > 0,
	    "a changed message has a changed part");
	mime_tree_free(ri);
	mime_tree_free(ro);
	buf_free(&out);
	rewrite_result_clear(&res);
}

/* A header value we write: no NUL, line breaks only as folds. */
static void
check_value(const char *v)
{
	size_t i, n = strlen(v);

	for (i = 0; i < n; i++) {
		if (v[i] == '\r') {
			FUZZ_CHECK(i + 1 < n && v[i + 1] == '\n',
			    "CR only in CRLF");
			continue;
		}
		if (v[i] == '\n')
			FUZZ_CHECK(i + 1 < n && (v[i + 1] == ' ' ||
			    v[i + 1] == '\t'), "line break only as a fold");
	}
}

/* Whether a text part of the tree under p (not an attachment, not in
 * signed content) holds a tag. */
static bool
tree_has_tag(const char *msg, const struct mime_part *p)
{
	const struct mime_part *c;
	struct buf d = BUF_INIT;
	bool found;

	if (strcmp(p->type, "multipart") == 0) {
		if (strcmp(p->subtype, "signed") == 0 ||
		    strcmp(p->subtype, "encrypted") == 0)
			return false;
		for (c = p->child; c != NULL; c = c->next)
			if (tree_has_tag(msg, c))
				return true;
		return false;
	}
	/* Left alone by design: attachments, other types, unknown
	 * encodings, charsets where the tag cannot be found byte-wise. */
	if (p->attachment || strcmp(p->type, "text") != 0 ||
	    (strcmp(p->subtype, "plain") != 0 &&
	    strcmp(p->subtype, "html") != 0) || p->cte == MIME_CTE_UNKNOWN ||
	    strncasecmp(p->charset, "utf-16", 6) == 0 ||
	    strncasecmp(p->charset, "utf-32", 6) == 0 ||
	    strncasecmp(p->charset, "utf-7", 5) == 0 ||
	    strncasecmp(p->charset, "ucs-", 4) == 0 ||
	    strncasecmp(p->charset, "utf16", 5) == 0 ||
	    strncasecmp(p->charset, "utf32", 5) == 0)
		return false;
	mime_part_decode(msg, p, &d);
	found = has_tag(buf_cstr(&d), d.len);
	buf_free(&d);
	return found;
}

/* No survey although tags were found (none could take the widget): the
 * rewrite without a token says so, and no text part that leaves holds a
 * tag. */
static void
check_plain_removal(const char *msg, size_t len, const struct buf *out)
{
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "en", NULL,
	    NULL };
	struct rewrite_result rr;
	struct mime_part *ro;
	struct npserr err;

	FUZZ_CHECK(rewrite_message(fuzz_cf, fuzz_tpl, &req, msg, len, &rr,
	    &err) == 0 && rr.changed && rr.tags > 0 && rr.expanded == 0,
	    "a plain mail changes only when its tags cannot take the widget");
	rewrite_result_clear(&rr);
	ro = mime_parse(buf_cstr(out), out->len, &err);
	FUZZ_CHECK(ro != NULL, "the message that leaves parses");
	FUZZ_CHECK(!tree_has_tag(buf_cstr(out), ro),
	    "no tag leaves in a text part");
	mime_tree_free(ro);
}

static void
check_outgoing(const char *msg, size_t len, int style, bool to_reply)
{
	static char rcpt0[] = "customer@example.com";
	static char rcpt1[] = "<nps@reply.example>";
	char *rcpts[] = { to_reply ? rcpt1 : rcpt0 };
	const char *prefix = fuzz_cf->header_prefix;
	struct outgoing_ctx ctx = { fuzz_cf, fuzz_ring, fuzz_tpl };
	struct outgoing_header *hdrs, *oh;
	struct outgoing_input in;
	struct outgoing_result res;
	struct npserr err;
	struct buf out = BUF_INIT;
	const char *tok;
	size_t n, on, i, hl, ohl, toklen, n_reply_to;
	int r;

	n = outgoing_headers_parse(msg, len, &hdrs);
	memset(&in, 0, sizeof(in));
	in.hdrs = hdrs;
	in.n_hdrs = n;
	in.rcpts = rcpts;
	in.n_rcpts = 1;
	in.msg = msg;
	in.len = len;
	in.queue_id = "FUZZ1";
	in.now = FUZZ_NOW;
	in.style = style;
	err.msg[0] = '\0';
	r = outgoing_process(&ctx, NULL, &in, &res, &err);
	if (r != 0)
		fprintf(stderr, "outgoing_process: %s\n", err.msg);
	FUZZ_CHECK(r == 0 || res.tag_stuck,
	    "outgoing_process fails only on a tag it cannot remove");
	for (i = 0; i < res.n_edits; i++) {
		FUZZ_CHECK(res.edits[i].name != NULL, "edit names a field");
		if (res.edits[i].op != OUTGOING_DELETE) {
			FUZZ_CHECK(res.edits[i].value != NULL,
			    "edit has a value");
			check_value(res.edits[i].value);
			FUZZ_CHECK(strncasecmp(res.edits[i].name, prefix,
			    strlen(prefix)) != 0, "no prefixed field added");
		}
	}
	outgoing_apply(&res, msg, len, &out);
	on = outgoing_headers_parse(out.data ? out.data : "", out.len, &oh);
	for (i = 0; i < on; i++)
		FUZZ_CHECK(strncasecmp(oh[i].name, prefix, strlen(prefix)) != 0,
		    "no prefixed header leaves");
	hl = mime_header_block_len(msg, len);
	ohl = mime_header_block_len(buf_cstr(&out), out.len);
	/* buf_cstr: an empty output has no storage (NULL + 0 is undefined). */
	if (!res.body_changed)
		FUZZ_CHECK(same(msg + hl, len - hl, buf_cstr(&out) + ohl,
		    out.len - ohl), "body unchanged without a survey");
	if (res.kind == OUTGOING_PLAIN && !res.body_changed)
		FUZZ_CHECK(res.n_edits == res.n_strip,
		    "no tag: only the prefixed headers go");
	if (to_reply && !in.oversized) {
		FUZZ_CHECK(res.kind == OUTGOING_REPLY_DOMAIN,
		    "mail to the reply domain is never a survey");
		FUZZ_CHECK(res.token[0] == '\0' && !res.hold,
		    "mail to the reply domain: no token, no hold");
	}
	if (r == 0 && res.kind != OUTGOING_REPLY_DOMAIN)
		FUZZ_CHECK(!has_tag(buf_cstr(&out) + ohl, out.len - ohl),
		    "no tag leaves raw");
	if (res.kind == OUTGOING_PLAIN && res.body_changed &&
	    res.raw_removed == 0)
		check_plain_removal(msg, len, &out);
	if (res.kind == OUTGOING_SURVEY) {
		FUZZ_CHECK(token_verify(fuzz_ring, res.token, strlen(res.token),
		    FUZZ_NOW, 0, NULL) == TOKEN_OK, "survey token verifies");
		/* What leaves: one Reply-To, with the survey's token. */
		tok = NULL;
		n_reply_to = 0;
		for (i = 0; i < on; i++)
			if (strcasecmp(oh[i].name, "Reply-To") == 0) {
				n_reply_to++;
				tok = token_find_in_address(oh[i].value,
				    oh[i].vlen, fuzz_cf->reply_local, &toklen);
			}
		FUZZ_CHECK(n_reply_to == 1, "a survey leaves with one Reply-To");
		FUZZ_CHECK(tok != NULL && toklen == TOKEN_LEN &&
		    strncmp(tok, res.token, TOKEN_LEN) == 0,
		    "Reply-To carries the survey token");
	}
	outgoing_headers_free(oh, on);
	outgoing_headers_free(hdrs, n);
	outgoing_result_clear(&res);
	buf_free(&out);
}

/*
 * fuzz_rewrite_one - one input as an outgoing mail. The request varies
 * with the input's length, so the corpus covers every style, language,
 * survey type, and removal without a token.
 */
int
fuzz_rewrite_one(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct widget_request req;

	fuzz_rewrite_init();
	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	memset(&req, 0, sizeof(req));
	req.type = (enum survey_type)(size % SURVEY_TYPE_COUNT);
	req.style = (enum widget_style)(size / 3 % 3);
	req.lang = size / 9 % 2 ? "en" : "fr";
	req.token = size % 7 == 0 ? NULL : FUZZ_TOKEN;
	req.reply_address = "nps+" FUZZ_TOKEN "@reply.example";
	check_rewrite(msg, size, &req);
	check_outgoing(msg, size, (int)(size / 3 % 3), false);
	check_outgoing(msg, size, (int)(size / 3 % 3), true);
	return 0;
}

#ifdef NPS_LIBFUZZER
FUZZ_ENTRY(fuzz_rewrite_one)
#endif
