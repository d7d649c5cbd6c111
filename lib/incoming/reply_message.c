/*
 * reply_message.c - a reply as a message: its top-level header fields,
 * the sender's address, and the text its body shows (see reply_int.h).
 *
 * The header block is split into fields once, so that every lookup after
 * that compares names only. The body is walked twice at most: once for
 * the text a reader sees (the customer's words are in it), and, only when
 * a token is still sought there, once more for every text part with the
 * header blocks of attached messages (a returned survey names its token
 * in its own Reply-To).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "incoming/reply_int.h"
#include "mail/address.h"
#include "mail/html.h"
#include "mail/mime.h"

/* ---- header fields ------------------------------------------------- */

/* reply_headers_index - see reply_int.h. Lines may end in CRLF or LF; a
 * value runs over its continuation lines (kept as they are) without its
 * final line end. */
void
reply_headers_index(struct reply_analysis *a)
{
	const char *hdr = a->msg + a->root->hdr_off, *eol;
	size_t hlen = a->root->hdr_len, i = 0, e, j, cap = 0;

	while (i < hlen) {
		eol = memchr(hdr + i, '\n', hlen - i);
		e = eol ? (size_t)(eol - hdr) + 1 : hlen;
		if (hdr[i] == ' ' || hdr[i] == '\t' || hdr[i] == '\r' ||
		    hdr[i] == '\n') {
			i = e;
			continue;
		}
		for (j = i; j < e && hdr[j] != ':' && hdr[j] != ' ' &&
		    hdr[j] != '\t' && hdr[j] != '\n'; j++)
			;
		if (a->n_fields == cap) {
			cap = cap ? cap * 2 : 32;
			a->fields = xrealloc(a->fields, cap *
			    sizeof(*a->fields));
		}
		a->fields[a->n_fields].name = hdr + i;
		a->fields[a->n_fields].nlen = j - i;
		while (j < e && (hdr[j] == ' ' || hdr[j] == '\t'))
			j++;
		if (j >= e || hdr[j] != ':') {
			i = e;		/* not a field: ignore the line */
			continue;
		}
		j++;
		while (e < hlen && (hdr[e] == ' ' || hdr[e] == '\t')) {
			eol = memchr(hdr + e, '\n', hlen - e);
			e = eol ? (size_t)(eol - hdr) + 1 : hlen;
		}
		i = e;
		while (j < e && (hdr[j] == ' ' || hdr[j] == '\t'))
			j++;
		while (e > j && (hdr[e - 1] == '\n' || hdr[e - 1] == '\r'))
			e--;
		a->fields[a->n_fields].value = hdr + j;
		a->fields[a->n_fields].vlen = e - j;
		a->n_fields++;
	}
}

/* reply_header_next - see reply_int.h. */
int
reply_header_next(const struct reply_analysis *a, size_t *at,
    const char *name, const char **value, size_t *vlen)
{
	size_t nl = strlen(name), i;

	for (i = *at; i < a->n_fields; i++) {
		if (a->fields[i].nlen != nl ||
		    strncasecmp(a->fields[i].name, name, nl) != 0)
			continue;
		*value = a->fields[i].value;
		*vlen = a->fields[i].vlen;
		*at = i + 1;
		return 1;
	}
	*at = a->n_fields;
	return 0;
}

/* reply_header_get - see reply_int.h. */
int
reply_header_get(const struct reply_analysis *a, const char *name,
    const char **value, size_t *vlen)
{
	size_t at = 0;

	return reply_header_next(a, &at, name, value, vlen);
}

/* reply_header_decode - see reply_int.h. */
void
reply_header_decode(const char *v, size_t n, struct buf *out)
{
	struct buf tmp = BUF_INIT;

	mime_words_decode(v, n, &tmp);
	if (utf8_valid(buf_cstr(&tmp), tmp.len))
		buf_append(out, buf_cstr(&tmp), tmp.len);
	else
		mime_charset_to_utf8("", tmp.data, tmp.len, out);
	buf_free(&tmp);
}

/* ---- the body ------------------------------------------------------ */

/* Whether decoding len more bytes keeps the analysis within its budget;
 * when not, a->over says so and nothing more is decoded. Transfer
 * decoding never grows a part, so its encoded length bounds the bytes
 * held before the charset conversion. */
static bool
budget_allows(struct reply_analysis *a, size_t len)
{
	size_t cap = a->budget->text_bytes;

	if (a->over)
		return false;
	if (a->decoded > cap || len > cap - a->decoded) {
		a->over = true;
		npserr_set(&a->over_why, "over budget: more than %zu bytes "
		    "of decoded text", cap);
		return false;
	}
	return true;
}

/* The decoded content of leaf part p in UTF-8, appended to out, within
 * the budget (see budget_allows). */
static void
part_text(struct reply_analysis *a, const struct mime_part *p,
    struct buf *out)
{
	struct buf raw = BUF_INIT;
	size_t before = out->len;

	if (!budget_allows(a, p->body_len))
		return;
	mime_part_decode(a->msg, p, &raw);
	mime_charset_to_utf8(p->charset, buf_cstr(&raw), raw.len, out);
	buf_free(&raw);
	a->decoded += out->len - before;
}

static bool html_open_outer_quote(const char *html, size_t len,
    struct buf *out);
static bool only_quote_marks(const char *s, size_t n);

/* The text of HTML part p, appended to out; a part beyond the HTML
 * limits gives nothing and sets a->over. */
static void
html_text(struct reply_analysis *a, const struct mime_part *p,
    struct buf *out)
{
	struct buf html = BUF_INIT, opened = BUF_INIT;
	struct npserr err;
	size_t start = out->len;

	part_text(a, p, &html);
	if (a->over)
		goto done;
	if (html_to_text(buf_cstr(&html), html.len, &a->budget->html, out,
	    &err) < 0) {
		a->over = true;
		a->over_why = err;
		goto done;
	}
	/* Nothing but a quote: the reply was written inside it. */
	if (!only_quote_marks(buf_cstr(out) + start, out->len - start) ||
	    !html_open_outer_quote(buf_cstr(&html), html.len, &opened))
		goto done;
	buf_truncate(out, start);
	if (html_to_text(buf_cstr(&opened), opened.len, &a->budget->html, out,
	    &err) < 0) {
		a->over = true;
		a->over_why = err;
	}
done:
	buf_free(&opened);
	buf_free(&html);
}

static bool
is_blank_text(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (!rint_is_blank((unsigned char)b->data[i]))
			return false;
	return true;
}

#define QUOTE_MAX_DEPTH 200

/* A blockquote a writer indented with, not one a client quoted with:
 * no type="cite" (Apple Mail, Thunderbird), no quote class (Gmail's
 * gmail_quote, Yahoo's yahoo_quoted...). */
static bool
blockquote_is_indent(xmlNode *q)
{
	xmlChar *v;
	bool cite = false;

	if ((v = xmlGetProp(q, (const xmlChar *)"type")) != NULL) {
		cite = xmlStrcasecmp(v, (const xmlChar *)"cite") == 0;
		xmlFree(v);
	}
	if (!cite && (v = xmlGetProp(q, (const xmlChar *)"class")) != NULL) {
		cite = xmlStrcasestr(v, (const xmlChar *)"quote") != NULL;
		xmlFree(v);
	}
	return !cite;
}

/* The first <blockquote> under node, in document order, when it is an
 * indent (blockquote_is_indent); else NULL. */
static xmlNode *
first_blockquote(xmlNode *node, int depth)
{
	xmlNode *c, *q;

	if (depth > QUOTE_MAX_DEPTH)
		return NULL;
	for (c = node; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(c->name, (const xmlChar *)"blockquote") == 0)
			return blockquote_is_indent(c) ? c : NULL;
		if ((q = first_blockquote(c->children, depth + 1)) != NULL)
			return q;
	}
	return NULL;
}

/*
 * Some webmails put the whole reply inside a quote (the writer typed in
 * the indented block above the old message). The same HTML with its
 * first <blockquote> replaced by what it holds, into out: the old
 * message keeps its own quote or attribution, which the line rules cut.
 * False, out untouched, when there is no quote to open.
 */
static bool
html_open_outer_quote(const char *html, size_t len, struct buf *out)
{
	htmlDocPtr doc;
	xmlNode *q, *c, *next;
	xmlChar *mem = NULL;
	int size = 0;

	if (len == 0 || len > (size_t)0x7fffffff)
		return false;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET);
	if (doc == NULL)
		return false;
	q = first_blockquote(xmlDocGetRootElement(doc), 0);
	if (q == NULL) {
		xmlFreeDoc(doc);
		return false;
	}
	for (c = q->children; c != NULL; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlAddPrevSibling(q, c);	/* may merge and free c */
	}
	xmlUnlinkNode(q);
	xmlFreeNode(q);
	htmlDocDumpMemory(doc, &mem, &size);
	xmlFreeDoc(doc);
	if (mem == NULL || size <= 0) {
		xmlFree(mem);
		return false;
	}
	buf_append(out, (const char *)mem, (size_t)size);
	xmlFree(mem);
	return true;
}

/* True when text[0..n) holds nothing but blanks and the quote marks
 * html_to_text leaves where a quote was. */
static bool
only_quote_marks(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!rint_is_blank((unsigned char)s[i]) && s[i] != '>')
			return false;
	return true;
}

/* The text a reader sees in part p, appended to out: text/plain as it is,
 * text/html made text, one alternative of a multipart/alternative (plain
 * preferred, unless it is empty), every inline part of other multiparts
 * in order (Apple Mail splits text around inline images). Attachments and
 * attached messages are not the customer's words. */
static void
collect_text(struct reply_analysis *a, const struct mime_part *p,
    struct buf *out, int depth)
{
	const struct mime_part *c;
	struct buf tmp = BUF_INIT;

	if (p->attachment || depth > MIME_MAX_DEPTH || a->over)
		return;
	if (strcmp(p->type, "multipart") == 0 &&
	    strcmp(p->subtype, "alternative") == 0) {
		const struct mime_part *html = NULL;

		for (c = p->child; c != NULL; c = c->next) {
			if (c->attachment)
				continue;
			if (strcmp(c->type, "text") == 0 &&
			    strcmp(c->subtype, "html") == 0) {
				if (html == NULL)
					html = c;
				continue;
			}
			buf_reset(&tmp);
			collect_text(a, c, &tmp, depth + 1);
			if (!is_blank_text(&tmp)) {
				buf_append(out, tmp.data, tmp.len);
				buf_free(&tmp);
				return;
			}
		}
		if (html != NULL)
			collect_text(a, html, out, depth + 1);
		buf_free(&tmp);
		return;
	}
	if (strcmp(p->type, "multipart") == 0) {
		for (c = p->child; c != NULL; c = c->next)
			collect_text(a, c, out, depth + 1);
		return;
	}
	if (strcmp(p->type, "text") != 0 && p->type[0] != '\0')
		return;
	if (strcmp(p->subtype, "html") == 0) {
		html_text(a, p, out);
	} else if (strcmp(p->subtype, "plain") == 0 || p->subtype[0] == '\0') {
		part_text(a, p, out);
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
	}
	buf_free(&tmp);
}

/* Every text part from p on (attached messages included), decoded, each
 * followed by a line end; an attached message's header block after its
 * text. */
static void
all_text(struct reply_analysis *a, const struct mime_part *p,
    struct buf *out)
{
	for (; p != NULL && !a->over; p = p->next) {
		if (p->child != NULL) {
			all_text(a, p->child, out);
			/* A returned message's header block holds the
			 * Reply-To with the token. */
			if (strcmp(p->type, "message") == 0)
				buf_append(out, a->msg + p->child->hdr_off,
				    p->child->hdr_len);
			continue;
		}
		if (strcmp(p->type, "text") == 0 ||
		    strcmp(p->type, "message") == 0) {
			part_text(a, p, out);
			buf_putc(out, '\n');
		}
	}
}

/* reply_body_read - see reply_int.h. */
void
reply_body_read(struct reply_analysis *a)
{
	collect_text(a, a->root, &a->plain, 0);
}

/* reply_body_read_all - see reply_int.h. */
void
reply_body_read_all(struct reply_analysis *a)
{
	if (a->raw_text.len == 0)
		all_text(a, a->root, &a->raw_text);
}
