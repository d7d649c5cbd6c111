/*
 * html.h - the text a person wrote in an HTML mail part.
 *
 * SYNOPSIS
 *	if (html_to_text(html, len, NULL, &out, &err) < 0)
 *		... err.msg says which limit the part is over
 *
 * DESCRIPTION
 *	Parses the HTML with libxml2's forgiving HTML parser (never from the
 *	network, no error output) and appends the visible text, in UTF-8, to
 *	out. A part beyond one of the limits (struct html_limits; NULL: the
 *	HTML_MAX_* below) is not parsed: one linear pass counts its tags and
 *	attributes before the parser sees it, and the parse stops at the
 *	first element nested too deep. Time and memory then stay within a
 *	small multiple of the part's size; the document is never built as
 *	a tree. Block elements become line breaks, runs of blanks one space.
 *	What a mail client adds around the writer's text is left out:
 *	<head>, <style>, <script>, <title>, every <blockquote>, Gmail's
 *	div.gmail_quote, Yahoo's div.yahoo_quoted, Thunderbird's
 *	div.moz-cite-prefix, and everything from Outlook's reply header
 *	(#divRplyFwdMsg, the "border-top:solid #E1E1E1" separator, or an
 *	<hr> followed by one) to the end of the document. A plain <hr> becomes
 *	a line of underscores, which the plain-text rules treat like Outlook's
 *	own separator; a quote left out becomes a line holding ">", so that
 *	reply_text_own() sees where it was.
 */
#ifndef NPSGATE_HTML_H
#define NPSGATE_HTML_H

#include <stddef.h>

#include "base/buf.h"
#include "base/npserr.h"

/* The limits of one HTML part. No mail a person writes comes near them;
 * the cost of the parser grows faster than the size beyond them. */
#define HTML_MAX_BYTES (48UL << 20)	/* of the part, decoded */
#define HTML_MAX_TAGS 500000	/* start and end tags */
#define HTML_MAX_ATTRS 500000	/* attributes, in all */
#define HTML_MAX_ELEMENT_ATTRS 256	/* attributes of one start tag */
#define HTML_MAX_DEPTH 256	/* elements open at once */

struct html_limits {
	size_t bytes;
	size_t tags;
	size_t attrs;
	size_t element_attrs;
	size_t depth;
};

/* The HTML_MAX_* values. */
extern const struct html_limits html_limits_default;

/* html is UTF-8 (the caller converts the part's charset first); any meta
 * charset inside is ignored. Returns 0, the text appended to out (which
 * the caller owns; unreadable HTML gives less text), or -1 when the part
 * is beyond one of lim's limits (NULL: html_limits_default): nothing
 * appended, and err names the limit. */
int html_to_text(const char *html, size_t len, const struct html_limits *lim,
    struct buf *out, struct npserr *err);

#endif
