/*
 * html.c - the text a person wrote in an HTML mail part; see html.h.
 *
 * Two passes, both linear. The first (html_prescan) counts the tags and
 * the attributes of the part without building anything, so that a part
 * beyond the limits never reaches libxml2: its parser compares each
 * attribute of a start tag with all those before it, and a single tag
 * with a hundred thousand attributes costs minutes. The second runs
 * libxml2's HTML parser with callbacks (SAX) instead of a tree, so the
 * memory is that of the text, not of a document of nodes: the events are
 * the ones the tree would be built from, in document order. Subtrees that
 * belong to the quoted message (or to the client's signature block) are
 * skipped; Outlook's reply header ends the walk, since Outlook puts the
 * whole previous message after it, unquoted.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "base/xalloc.h"
#include "mail/html.h"

/* Elements deeper than this are read as if absent: legitimate mail
 * nests that deep only inside old quoted messages. */
#define HTML_WALK_DEPTH 200
#define HTML_SEPARATOR "________________________________"

const struct html_limits html_limits_default = {
	HTML_MAX_BYTES, HTML_MAX_TAGS, HTML_MAX_ATTRS,
	HTML_MAX_ELEMENT_ATTRS, HTML_MAX_DEPTH
};

/* What one open element needs back at its end tag. */
struct frame {
	bool block;
	bool pre;		/* in_pre before it */
};

struct walk {
	struct buf *out;
	const struct html_limits *lim;
	xmlParserCtxtPtr ctxt;
	struct frame *frames;	/* one per open element, to the walk depth */
	size_t depth;		/* elements open */
	size_t skip_level;	/* with skipping: the depth of the skipped
				 * element, whose end ends the skip */
	bool skipping;
	bool stopped;		/* Outlook's reply header was reached */
	bool in_pre;
	bool refused;		/* a limit was passed while parsing */
};

static const char *const block_elements[] = {
	"p", "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table",
	"tbody", "thead", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
	"address", "center", "section", "article", "header", "footer",
	"form", "fieldset", "caption", "body", "html", "main", "nav", NULL
};

static const char *const skipped_elements[] = {
	"head", "style", "script", "title", "blockquote", "noscript",
	"template", "object", "iframe", NULL
};

/* Skipped elements that never held text the reader saw. */
static const char *const invisible_elements[] = {
	"head", "style", "script", "title", "noscript", "template", "object",
	"iframe", NULL
};

/* Classes and ids of the containers clients put around what they quote
 * or around the signature they add themselves. */
static const char *const quote_classes[] = {
	"gmail_quote", "gmail_quote_container", "gmail_signature",
	"gmail_extra_quote", "yahoo_quoted", "moz-cite-prefix",
	"moz-signature", "protonmail_quote", "zmail_extra",
	"ms-outlook-mobile-reference-message", NULL
};

static const char *const quote_ids[] = {
	"Signature", "ms-outlook-mobile-signature", "zmail_extra", NULL
};

/* Containers after which the rest of the document is the old message. */
static const char *const stop_ids[] = {
	"divRplyFwdMsg", "mail-editor-reference-message-container",
	"x_divRplyFwdMsg", "OLK_SRC_BODY_SECTION", NULL
};


/* ---- the pre-scan -------------------------------------------------- */

static bool
scan_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

static bool
scan_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The position after the first occurrence of pat (of m bytes) from i on,
 * or n. */
static size_t
scan_past(const char *s, size_t n, size_t i, const char *pat, size_t m)
{
	const char *p;

	while (i < n && (p = memchr(s + i, pat[0], n - i)) != NULL) {
		i = (size_t)(p - s);
		if (n - i >= m && memcmp(p, pat, m) == 0)
			return i + m;
		i++;
	}
	return n;
}

/*
 * The attributes of the start tag whose name begins at s[i]: counted into
 * *count, the position after the tag returned. Every run of bytes that
 * could be an attribute's name counts as one, so the count is never below
 * what the parser will see. A quoted value ends at its quote, or at a NUL
 * byte, where the parser ends it too.
 */
static size_t
scan_start_tag(const char *s, size_t n, size_t i, size_t *count)
{
	unsigned char c, q;

	*count = 0;
	while (i < n && !scan_is_blank((unsigned char)s[i]) && s[i] != '>' &&
	    s[i] != '/')
		i++;
	for (;;) {
		while (i < n && (scan_is_blank((unsigned char)s[i]) ||
		    s[i] == '/'))
			i++;
		if (i >= n)
			return n;
		if (s[i] == '>')
			return i + 1;
		(*count)++;
		while (i < n && (c = (unsigned char)s[i], !scan_is_blank(c)) &&
		    c != '=' && c != '>' && c != '/')
			i++;
		while (i < n && scan_is_blank((unsigned char)s[i]))
			i++;
		if (i >= n || s[i] != '=')
			continue;
		i++;
		while (i < n && scan_is_blank((unsigned char)s[i]))
			i++;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			q = (unsigned char)s[i++];
			while (i < n && (unsigned char)s[i] != q &&
			    s[i] != '\0')
				i++;
			if (i < n && s[i] == (char)q)
				i++;
			continue;
		}
		while (i < n && !scan_is_blank((unsigned char)s[i]) &&
		    s[i] != '>')
			i++;
	}
}

/*
 * html_prescan - 0 when html[0..len) keeps within lim: its size, its
 * tags (start and end), its attributes in all and in one start tag.
 * Else -1 and err says which limit. Reads each byte a bounded number of
 * times and allocates nothing.
 */
static int
html_prescan(const char *s, size_t n, const struct html_limits *lim,
    struct npserr *err)
{
	size_t i = 0, tags = 0, attrs = 0, k;
	const char *p;

	if (n > lim->bytes) {
		npserr_set(err, "HTML part of %zu bytes, over the limit of "
		    "%zu", n, lim->bytes);
		return -1;
	}
	while (i < n && (p = memchr(s + i, '<', n - i)) != NULL) {
		i = (size_t)(p - s) + 1;
		if (i >= n)
			break;
		if (n - i >= 3 && memcmp(s + i, "!--", 3) == 0) {
			i = scan_past(s, n, i + 3, "-->", 3);
			continue;
		}
		if (s[i] == '!' || s[i] == '?' || s[i] == '/') {
			if (s[i] == '/' && ++tags > lim->tags)
				break;
			i = scan_past(s, n, i, ">", 1);
			continue;
		}
		if (!scan_is_alpha((unsigned char)s[i]))
			continue;
		if (++tags > lim->tags)
			break;
		i = scan_start_tag(s, n, i, &k);
		attrs += k;
		if (k > lim->element_attrs) {
			npserr_set(err, "HTML part with %zu attributes in one "
			    "tag, over the limit of %zu", k,
			    lim->element_attrs);
			return -1;
		}
		if (attrs > lim->attrs) {
			npserr_set(err, "HTML part with more than %zu "
			    "attributes", lim->attrs);
			return -1;
		}
	}
	if (tags > lim->tags) {
		npserr_set(err, "HTML part with more than %zu tags",
		    lim->tags);
		return -1;
	}
	return 0;
}

/* ---- the walk ------------------------------------------------------ */

static bool
name_in(const xmlChar *name, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp((const char *)name, list[i]) == 0)
			return true;
	return false;
}

/* True when the whitespace-separated class list holds one of list. */
static bool
class_in(const char *cls, const char *const *list)
{
	const char *p = cls, *start;
	size_t i, n;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r')
			p++;
		n = (size_t)(p - start);
		if (n == 0)
			continue;
		for (i = 0; list[i] != NULL; i++)
			if (strlen(list[i]) == n &&
			    strncasecmp(start, list[i], n) == 0)
				return true;
	}
	return false;
}

/* Outlook desktop's reply header: a div whose top border is the light
 * grey (or, in older versions, blue) line above "From: ... Sent: ...". */
static bool
style_is_outlook_separator(const char *style)
{
	char squeezed[256];
	size_t i, n = 0;

	for (i = 0; style[i] != '\0' && n < sizeof(squeezed) - 1; i++) {
		unsigned char c = (unsigned char)style[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		squeezed[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	squeezed[n] = '\0';
	return strstr(squeezed, "border-top:solid#e1e1e1") != NULL ||
	    strstr(squeezed, "border-top:solid#b5c4df") != NULL;
}

/* The value of attribute name among the start tag's (name, value pairs,
 * NULL-ended; the parser lowercased the names); a bare attribute is "". */
static const char *
attr_get(const xmlChar **atts, const char *name)
{
	size_t i;

	for (i = 0; atts != NULL && atts[i] != NULL; i += 2)
		if (strcmp((const char *)atts[i], name) == 0)
			return atts[i + 1] != NULL ?
			    (const char *)atts[i + 1] : "";
	return NULL;
}

static void
trim_trailing_blanks(struct buf *out)
{
	while (out->len > 0 && out->data[out->len - 1] == ' ')
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
}

static void
put_newline(struct walk *w, bool force)
{
	trim_trailing_blanks(w->out);
	if (!force && (w->out->len == 0 ||
	    w->out->data[w->out->len - 1] == '\n'))
		return;
	buf_putc(w->out, '\n');
}

/* Appends s[0..n) with runs of blanks made one space (outside <pre>),
 * and no-break spaces made plain ones. The parser hands text over in
 * whole characters, so a no-break space is never split. */
static void
put_text(struct walk *w, const unsigned char *p, size_t n)
{
	struct buf *out = w->out;
	size_t i = 0;

	while (i < n) {
		bool blank = false;
		size_t skip = 1;

		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
		    p[i] == '\n' || p[i] == '\f')
			blank = true;
		else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] == 0xa0) {
			blank = true;
			skip = 2;
		}
		if (w->in_pre && blank && p[i] == '\n') {
			put_newline(w, true);
		} else if (w->in_pre && blank) {
			buf_putc(out, ' ');
		} else if (blank) {
			if (out->len > 0 && out->data[out->len - 1] != ' ' &&
			    out->data[out->len - 1] != '\n')
				buf_putc(out, ' ');
		} else {
			buf_putc(out, p[i]);
		}
		i += skip;
	}
}

/* Gmail and others draw emoji as images whose alt text is the emoji
 * itself; that alt text is part of what the person wrote. */
static void
put_image_alt(struct walk *w, const xmlChar **atts)
{
	const char *alt = attr_get(atts, "alt");
	const unsigned char *p;
	bool symbol = true;
	size_t n;

	if (alt == NULL)
		return;
	for (p = (const unsigned char *)alt; *p != '\0'; p++)
		if (*p < 0x80 && *p != ' ')
			symbol = false;
	n = strlen(alt);
	if (symbol && n > 0 && n <= 16)
		put_text(w, (const unsigned char *)alt, n);
}

/* Decides what an element is: skipped with its subtree, the end of the
 * text, or walked. Returns true when the subtree is to be skipped. */
static bool
element_is_quote(struct walk *w, const xmlChar *name, const xmlChar **atts)
{
	const char *v;
	bool quote = false;

	if (name_in(name, skipped_elements))
		return true;
	if ((v = attr_get(atts, "id")) != NULL) {
		if (name_in((const xmlChar *)v, stop_ids))
			w->stopped = true;
		else if (name_in((const xmlChar *)v, quote_ids))
			quote = true;
	}
	if (w->stopped)
		return true;
	if ((v = attr_get(atts, "class")) != NULL)
		quote = quote || class_in(v, quote_classes);
	if ((v = attr_get(atts, "style")) != NULL &&
	    style_is_outlook_separator(v))
		w->stopped = true;
	return quote || w->stopped;
}

/* Skips what the element at level holds, up to its end tag. */
static void
walk_skip(struct walk *w, size_t level)
{
	w->skipping = true;
	w->skip_level = level;
}

/* The element's own part of the text, at its start tag. */
static void
walk_start(struct walk *w, size_t level, const xmlChar *xname,
    const xmlChar **atts)
{
	const char *name = (const char *)xname;
	struct frame *f = &w->frames[level];

	if (element_is_quote(w, xname, atts)) {
		put_newline(w, false);
		if (w->stopped) {
			/* Nothing after this is the writer's. */
			xmlStopParser(w->ctxt);
			return;
		}
		/* A quote marker where the quote was, so that the plain-text
		 * rules see an attribution followed by a quote (and keep
		 * what the customer wrote below it). */
		if (!name_in(xname, invisible_elements))
			buf_puts(w->out, ">\n");
		walk_skip(w, level);
		return;
	}
	if (strcasecmp(name, "br") == 0) {
		put_newline(w, true);
		walk_skip(w, level);
		return;
	}
	if (strcasecmp(name, "hr") == 0) {
		put_newline(w, false);
		buf_puts(w->out, HTML_SEPARATOR "\n");
		walk_skip(w, level);
		return;
	}
	if (strcasecmp(name, "img") == 0) {
		put_image_alt(w, atts);
		walk_skip(w, level);
		return;
	}
	f->block = name_in(xname, block_elements);
	if (f->block)
		put_newline(w, false);
	else if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0)
		put_text(w, (const unsigned char *)" ", 1);
	f->pre = w->in_pre;
	if (strcasecmp(name, "pre") == 0)
		w->in_pre = true;
}

static void
sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	struct walk *w = ((xmlParserCtxtPtr)ctx)->_private;
	size_t level = w->depth++;

	if (w->refused || w->stopped)
		return;
	if (level >= w->lim->depth) {
		/* The parser's own work grows with the depth: stop here. */
		w->refused = true;
		xmlStopParser(w->ctxt);
		return;
	}
	if (w->skipping || level > HTML_WALK_DEPTH)
		return;
	walk_start(w, level, name, atts);
}

static void
sax_end(void *ctx, const xmlChar *name)
{
	struct walk *w = ((xmlParserCtxtPtr)ctx)->_private;
	size_t level;

	(void)name;
	if (w->depth == 0)
		return;
	level = --w->depth;
	if (w->refused || w->stopped)
		return;
	if (w->skipping) {
		if (level == w->skip_level)
			w->skipping = false;
		return;
	}
	if (level > HTML_WALK_DEPTH)
		return;
	w->in_pre = w->frames[level].pre;
	if (w->frames[level].block)
		put_newline(w, false);
}

static void
sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct walk *w = ((xmlParserCtxtPtr)ctx)->_private;

	if (w->refused || w->stopped || w->skipping ||
	    w->depth > HTML_WALK_DEPTH || len <= 0)
		return;
	put_text(w, ch, (size_t)len);
}

/* Runs the parser over html with the walk's callbacks: UTF-8 whatever
 * the document says, never from the network, no error output. */
static void
walk_parse(struct walk *w, const char *html, size_t len)
{
	xmlCharEncodingHandlerPtr utf8;
	xmlParserInputBufferPtr in;
	xmlParserInputPtr input;
	xmlParserCtxtPtr ctxt;

	/* The parser reads the caller's bytes where they are (the input
	 * buffer is static: no copy), and holds one converted copy. */
	ctxt = htmlNewParserCtxt();
	if (ctxt == NULL)
		return;
	in = xmlParserInputBufferCreateStatic(html, (int)len,
	    XML_CHAR_ENCODING_NONE);
	input = in != NULL ? xmlNewIOInputStream(ctxt, in,
	    XML_CHAR_ENCODING_NONE) : NULL;
	if (input == NULL) {
		if (in != NULL)
			xmlFreeParserInputBuffer(in);
		htmlFreeParserCtxt(ctxt);
		return;
	}
	inputPush(ctxt, input);
	memset(ctxt->sax, 0, sizeof(*ctxt->sax));
	ctxt->sax->startElement = sax_start;
	ctxt->sax->endElement = sax_end;
	ctxt->sax->characters = sax_text;
	ctxt->sax->cdataBlock = sax_text;
	ctxt->_private = w;
	w->ctxt = ctxt;
	htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	utf8 = xmlFindCharEncodingHandler("UTF-8");
	if (utf8 != NULL) {
		xmlSwitchToEncoding(ctxt, utf8);
		/* Set, the input's encoding makes the parser ignore a meta
		 * charset. */
		if (ctxt->input->encoding != NULL)
			xmlFree((xmlChar *)ctxt->input->encoding);
		ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	}
	htmlParseDocument(ctxt);
	htmlFreeParserCtxt(ctxt);
}

/*
 * html_to_text - see html.h. Nothing is kept of the parse; out is the
 * caller's, and gets nothing when the part is refused.
 */
int
html_to_text(const char *html, size_t len, const struct html_limits *lim,
    struct buf *out, struct npserr *err)
{
	struct walk w;
	size_t start = out->len;
	char tiny[4] = { 0 };

	if (lim == NULL)
		lim = &html_limits_default;
	npserr_clear(err);
	if (len == 0)
		return 0;
	if (len > (size_t)0x7fffffff || html_prescan(html, len, lim,
	    err) < 0) {
		if (len > (size_t)0x7fffffff)
			npserr_set(err, "HTML part of %zu bytes, too large",
			    len);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.lim = lim;
	w.frames = xcalloc(HTML_WALK_DEPTH + 1, sizeof(*w.frames));
	if (len < sizeof(tiny)) {
		/* libxml2 looks for a byte order mark in the first three
		 * bytes it is given, whatever their length. */
		memcpy(tiny, html, len);
		html = tiny;
	}
	walk_parse(&w, html, len);
	free(w.frames);
	if (w.refused) {
		buf_truncate(out, start);
		npserr_set(err, "HTML part nested more than %zu elements deep",
		    lim->depth);
		return -1;
	}
	while (out->len > start && (out->data[out->len - 1] == ' ' ||
	    out->data[out->len - 1] == '\n'))
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	if (out->len > start)
		buf_putc(out, '\n');
	return 0;
}
