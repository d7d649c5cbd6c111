/*
 * html.h - the text a person wrote in an HTML mail part.
 *
 * SYNOPSIS
 *	html_to_text(html, len, &out);
 *
 * DESCRIPTION
 *	Parses the HTML with libxml2's forgiving HTML parser (never from the
 *	network, no error output) and appends the visible text, in UTF-8, to
 *	out. Block elements become line breaks, runs of blanks one space.
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

/* html is UTF-8 (the caller converts the part's charset first); any meta
 * charset inside is ignored. Never fails: unreadable HTML gives less text.
 * Appends to out, which the caller owns. */
void html_to_text(const char *html, size_t len, struct buf *out);

#endif
