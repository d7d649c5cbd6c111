/*
 * widget_int.h - what the pieces of the widget share (not a public
 * interface): the keys of texts.ini and the loaded texts, the colour of a
 * gradient cell.
 *
 *	widget.c		the markup: the HTML table and the text
 *				version of one survey
 *	widget_templates.c	the texts: reading templates/LANG/texts.ini,
 *				the language a tag is rendered in
 *	widget_colour.c		the colours: a gradient cell's, the
 *				WCAG 2 contrast its digits are chosen by
 */
#ifndef NPSGATE_WIDGET_INT_H
#define NPSGATE_WIDGET_INT_H

#include "base/lang.h"
#include "conf/config.h"
#include "survey/nps.h"

/* The keys of texts.ini, in the order of widget_templates.c's names. */
enum tkey {
	K_NPS_Q, K_NPS_LOW, K_NPS_HIGH,
	K_CSAT_Q, K_CSAT_LOW, K_CSAT_HIGH,
	K_CES_Q, K_CES_LOW, K_CES_HIGH,
	K_HINT, K_SNAME,
	K_MPREFIX, K_MSUBJECT, K_MBODY,
	K_TINSTR, K_TADDR,
	K_PLABEL, K_TPRIVACY,
	K_COUNT
};

struct widget_templates {
	/* [lang][0] NULL: the language is not there */
	char *text[LANG_COUNT][K_COUNT];
	const char *bodies[LANG_COUNT + 1];	/* mailto.body, NULL-ended */
	/* mailto.prefix, likewise */
	const char *prefixes[LANG_COUNT + 1];
};

/* The background of a gradient cell for score: its category's colour
 * from the config, or the built-in one when that does not parse. */
void widget_gradient_colour(const struct config *cf, enum survey_type type,
    int score, int rgb[3]);

/* want ("#rrggbb") when it reaches 4.5:1 on bg ("#rrggbb"), else the
 * one of black and white that contrasts more (widget_text_colour). */
const char *widget_colour_on(const char *bg, const char *want);

#endif
