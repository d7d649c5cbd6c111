/*
 * html.c - the text a person wrote in an HTML mail part; see html.h.
 *
 * The tree from libxml2's HTML parser is walked once, in document order.
 * Subtrees that belong to the quoted message (or to the client's
 * signature block) are skipped; Outlook's reply header ends the walk,
 * since Outlook puts the whole previous message after it, unquoted.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "mail/html.h"

#define HTML_MAX_DEPTH 200
#define HTML_SEPARATOR "________________________________"

struct walk {
	struct buf *out;
	bool stopped;		/* Outlook's reply header was reached */
	bool in_pre;
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

static char *
attr_get(xmlNode *node, const char *name)
{
	return (char *)xmlGetProp(node, (const xmlChar *)name);
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

/* Appends text with runs of blanks made one space (outside <pre>), and
 * no-break spaces made plain ones. */
static void
put_text(struct walk *w, const char *s)
{
	struct buf *out = w->out;
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		bool blank = false;
		size_t skip = 1;

		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
		    *p == '\f')
			blank = true;
		else if (p[0] == 0xc2 && p[1] == 0xa0) {
			blank = true;
			skip = 2;
		}
		if (w->in_pre && blank && *p == '\n') {
			put_newline(w, true);
		} else if (w->in_pre && blank) {
			buf_putc(out, ' ');
		} else if (blank) {
			if (out->len > 0 && out->data[out->len - 1] != ' ' &&
			    out->data[out->len - 1] != '\n')
				buf_putc(out, ' ');
		} else {
			buf_putc(out, *p);
		}
		p += skip;
	}
}

/* Gmail and others draw emoji as images whose alt text is the emoji
 * itself; that alt text is part of what the person wrote. */
static void
put_image_alt(struct walk *w, xmlNode *node)
{
	char *alt = attr_get(node, "alt");
	const unsigned char *p;
	bool symbol = true;

	if (alt == NULL)
		return;
	for (p = (const unsigned char *)alt; *p != '\0'; p++)
		if (*p < 0x80 && *p != ' ')
			symbol = false;
	if (symbol && alt[0] != '\0' && strlen(alt) <= 16)
		put_text(w, alt);
	xmlFree(alt);
}

static void walk_children(struct walk *w, xmlNode *node, int depth);

/* Decides what an element is: skipped with its subtree, the end of the
 * text, or walked. Returns true when the subtree is to be skipped. */
static bool
element_is_quote(struct walk *w, xmlNode *node)
{
	char *v;
	bool quote = false;

	if (name_in(node->name, skipped_elements))
		return true;
	if ((v = attr_get(node, "id")) != NULL) {
		if (name_in((const xmlChar *)v, stop_ids))
			w->stopped = true;
		else if (name_in((const xmlChar *)v, quote_ids))
			quote = true;
		xmlFree(v);
	}
	if (w->stopped)
		return true;
	if ((v = attr_get(node, "class")) != NULL) {
		quote = quote || class_in(v, quote_classes);
		xmlFree(v);
	}
	if ((v = attr_get(node, "style")) != NULL) {
		if (style_is_outlook_separator(v))
			w->stopped = true;
		xmlFree(v);
	}
	return quote || w->stopped;
}

static void
walk_element(struct walk *w, xmlNode *node, int depth)
{
	const char *name = (const char *)node->name;
	bool block, pre;

	if (element_is_quote(w, node)) {
		put_newline(w, false);
		/* A quote marker where the quote was, so that the plain-text
		 * rules see an attribution followed by a quote (and keep
		 * what the customer wrote below it). */
		if (!w->stopped && !name_in(node->name, invisible_elements))
			buf_puts(w->out, ">\n");
		return;
	}
	if (strcasecmp(name, "br") == 0) {
		put_newline(w, true);
		return;
	}
	if (strcasecmp(name, "hr") == 0) {
		put_newline(w, false);
		buf_puts(w->out, HTML_SEPARATOR "\n");
		return;
	}
	if (strcasecmp(name, "img") == 0) {
		put_image_alt(w, node);
		return;
	}
	block = name_in(node->name, block_elements);
	if (block)
		put_newline(w, false);
	else if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0)
		put_text(w, " ");
	pre = w->in_pre;
	if (strcasecmp(name, "pre") == 0)
		w->in_pre = true;
	walk_children(w, node, depth + 1);
	w->in_pre = pre;
	if (block)
		put_newline(w, false);
}

static void
walk_children(struct walk *w, xmlNode *node, int depth)
{
	xmlNode *c;

	if (depth > HTML_MAX_DEPTH)
		return;
	for (c = node->children; c != NULL && !w->stopped; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			walk_element(w, c, depth);
		else if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE)
			put_text(w, (const char *)c->content);
	}
}

/*
 * html_to_text - see html.h. The document is freed before returning;
 * out is the caller's.
 */
void
html_to_text(const char *html, size_t len, struct buf *out)
{
	htmlDocPtr doc;
	struct walk w = { out, false, false };
	size_t start = out->len;

	if (len == 0 || len > (size_t)0x7fffffff)
		return;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET);
	if (doc == NULL)
		return;
	walk_children(&w, (xmlNode *)doc, 0);
	xmlFreeDoc(doc);
	while (out->len > start && (out->data[out->len - 1] == ' ' ||
	    out->data[out->len - 1] == '\n'))
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	if (out->len > start)
		buf_putc(out, '\n');
}
