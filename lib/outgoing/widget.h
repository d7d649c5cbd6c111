/*
 * widget.h - the score widget of one survey, in HTML and as text.
 *
 * SYNOPSIS
 *	tpl = widget_templates_load(cf->templates_dir, &err);
 *	struct widget_request req = { SURVEY_NPS, STYLE_NUMBERS, "fr",
 *	    token, "nps+TOKEN@reply.example" };
 *	widget_render(cf, tpl, &req, true, &html, &err);
 *	widget_templates_free(tpl);
 *
 * DESCRIPTION
 *	widget_templates_load() reads DIR/LANG/texts.ini for each language
 *	of lang_codes (base/lang.h) whose folder DIR/LANG exists; DIR/en
 *	must exist. Every key must be in each (but html.score_name, the
 *	links' accessible name, which is "{score}/{max}" when missing), and
 *	an unknown key is an error, so that a typo never silently keeps a
 *	default.
 *	widget_lang() is the language the widget of a tag is rendered in:
 *	the tag's own when its texts were read, else the configured
 *	default_lang's, else English (a NULL tpl has every language). The
 *	HTML lang attribute of a page around the widget takes it.
 *	widget_render() appends the widget for req to out, in UTF-8 with
 *	"\n" line ends: the HTML table (html = true) or its text version.
 *	req->token must be set; a NULL req->reply_address is made from the
 *	config's reply address and the token. The texts are those of
 *	widget_lang(cf, tpl, req->lang). Returns 0, or -1 with
 *	err set when there is no token or no reply address.
 *	widget_contrast_ratio() and widget_text_colour() are the WCAG 2
 *	contrast the digits on coloured cells are chosen by.
 */
#ifndef NPSGATE_WIDGET_H
#define NPSGATE_WIDGET_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "survey/nps.h"

struct widget_templates;

struct widget_request {
	enum survey_type type;
	enum widget_style style;
	const char *lang;		/* a language tag; see widget_lang */
	const char *token;		/* NULL: no survey, remove the tag */
	const char *reply_address;	/* "nps+TOKEN@reply.example" */
};

/* Loads templates/LANG/...; caller frees with widget_templates_free. */
struct widget_templates *widget_templates_load(const char *dir,
    struct npserr *err);
void widget_templates_free(struct widget_templates *tpl);
/* The language code (of lang_codes) the widget of tag is rendered in. */
const char *widget_lang(const struct config *cf,
    const struct widget_templates *tpl, const char *tag);
/* The body the widget's links pre-fill (texts.ini mailto.body, with its
 * {fields} as written and real line breaks), one per language, ended by
 * NULL; owned by tpl (NULL for no tpl). What struct reply_ctx's prefill
 * takes. */
const char *const *widget_mailto_bodies(const struct widget_templates *tpl);
/* The subject prefix of those replies (texts.ini mailto.prefix) for each
 * language, likewise: what struct reply_ctx's prefixes takes. */
const char *const *widget_mailto_prefixes(const struct widget_templates *tpl);

/* The WCAG 2 contrast ratio of two sRGB colours (0-255 each): from 1
 * (the same) to 21 (black on white). */
double widget_contrast_ratio(const int a[3], const int b[3]);

/* The colour, "#000000" or "#ffffff", of text on background bg: the one
 * with the higher contrast ratio, which is always at least 4.58:1. */
const char *widget_text_colour(const int bg[3]);

/* Renders the widget alone: HTML (html = true) or the text version. */
int widget_render(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, bool html, struct buf *out,
    struct npserr *err);

#endif
