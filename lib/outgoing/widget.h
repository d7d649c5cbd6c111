/*
 * widget.h - the score widget of one survey, in HTML and as text.
 *
 * SYNOPSIS
 *	tpl = widget_templates_load(cf->templates_dir, &err);
 *	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "fr",
 *	    token, "nps+TOKEN@reply.example" };
 *	widget_render(cf, tpl, &req, true, &html, &err);
 *	widget_templates_free(tpl);
 *
 * DESCRIPTION
 *	widget_templates_load() reads DIR/fr/texts.ini and DIR/en/texts.ini;
 *	every key must be in both, and an unknown key is an error, so that a
 *	typo never silently keeps a default.
 *	widget_render() appends the widget for req to out, in UTF-8 with
 *	"\n" line ends: the HTML table (html = true) or its text version.
 *	req->token must be set; a NULL req->reply_address is made from the
 *	config's reply address and the token. A French language tag gets
 *	the French texts, any other the English ones. Returns 0, or -1 with
 *	err set when there is no token or no reply address.
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
	const char *lang;		/* "fr" or "en" (others: English) */
	const char *token;		/* NULL: no survey, remove the tag */
	const char *reply_address;	/* "nps+TOKEN@reply.example" */
};

/* Loads templates/{fr,en}/...; caller frees with widget_templates_free. */
struct widget_templates *widget_templates_load(const char *dir,
    struct npserr *err);
void widget_templates_free(struct widget_templates *tpl);
/* The body the widget's links pre-fill (texts.ini mailto.body, with its
 * {fields} as written and real line breaks), one per language, ended by
 * NULL; owned by tpl (NULL for no tpl). What struct reply_ctx's prefill
 * takes. */
const char *const *widget_mailto_bodies(const struct widget_templates *tpl);
/* The subject prefix of those replies (texts.ini mailto.prefix) for each
 * language, likewise: what struct reply_ctx's prefixes takes. */
const char *const *widget_mailto_prefixes(const struct widget_templates *tpl);

/* Renders the widget alone: HTML (html = true) or the text version. */
int widget_render(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, bool html, struct buf *out,
    struct npserr *err);

#endif
