/*
 * widget_colour.c - the colours of the widget's cells.
 *
 * A gradient cell takes the colour of its score's category (the config's
 * gradient_from, gradient_mid and gradient_to, "#rgb" or "#rrggbb"), and
 * its digits the one of black and white that contrasts more with it by
 * the WCAG 2 formula, which is always at least 4.5:1 (the AA level).
 */
#include <math.h>

#include "conf/config.h"
#include "outgoing/widget.h"
#include "outgoing/widget_int.h"
#include "survey/nps.h"

static int
parse_colour(const char *s, int rgb[3])
{
	unsigned int v[6];
	int i, h;

	if (s == NULL || s[0] != '#')
		return -1;
	for (i = 0; i < 6 && s[1 + i]; i++) {
		char c = s[1 + i];

		h = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (h < 0)
			return -1;
		v[i] = (unsigned int)h;
	}
	if (i == 3 && s[4] == '\0') {
		for (h = 0; h < 3; h++)
			rgb[h] = (int)(v[h] * 17);
		return 0;
	}
	if (i == 6 && s[7] == '\0') {
		for (h = 0; h < 3; h++)
			rgb[h] = (int)(v[2 * h] * 16 + v[2 * h + 1]);
		return 0;
	}
	return -1;
}

/*
 * The colour of a gradient cell: that of the score's category, so the
 * colours say what the scores count as: gradient_from for detractors
 * (NPS 0-6), gradient_mid for passives (7-8), gradient_to for promoters
 * (9-10); likewise CSAT's and CES's categories (survey/nps.h). The
 * built-in colours are dark enough for white digits (5:1 and more): the
 * forced dark modes of mail clients keep light text light, but may turn
 * black digits white on a mid-tone background they leave alone.
 */
void
widget_gradient_colour(const struct config *cf, enum survey_type type,
    int score, int rgb[3])
{
	switch (nps_category(type, score)) {
	case NPS_PROMOTER:
		if (parse_colour(cf->gradient_to, rgb) < 0)
			parse_colour("#1b7a3a", rgb);
		break;
	case NPS_PASSIVE:
		if (parse_colour(cf->gradient_mid, rgb) < 0)
			parse_colour("#a15c00", rgb);
		break;
	default:
		if (parse_colour(cf->gradient_from, rgb) < 0)
			parse_colour("#d7191c", rgb);
		break;
	}
}

/* WCAG 2 relative luminance of an sRGB colour, 0 (black) to 1 (white). */
static double
relative_luminance(const int rgb[3])
{
	double c[3];
	int i;

	for (i = 0; i < 3; i++) {
		c[i] = rgb[i] / 255.0;
		c[i] = c[i] <= 0.04045 ? c[i] / 12.92 :
		    pow((c[i] + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/* widget_contrast_ratio - see widget.h. */
double
widget_contrast_ratio(const int a[3], const int b[3])
{
	double la = relative_luminance(a), lb = relative_luminance(b);

	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

/*
 * widget_text_colour - see widget.h. Black and white are the two ends of
 * the contrast scale: for any background one of them reaches at least
 * 4.58:1 (the worst background, where both are equal, has a luminance
 * of about 0.18), above the 4.5:1 WCAG AA asks of normal-size text; so
 * every configured colour gets readable digits and none needs refusing.
 */
const char *
widget_text_colour(const int bg[3])
{
	static const int black[3] = { 0, 0, 0 }, white[3] = { 255, 255, 255 };

	return widget_contrast_ratio(bg, black) >=
	    widget_contrast_ratio(bg, white) ? "#000000" : "#ffffff";
}

/* widget_colour_on - see widget_int.h. */
const char *
widget_colour_on(const char *bg, const char *want)
{
	int b[3], w[3];

	if (parse_colour(bg, b) < 0)
		return want;
	if (parse_colour(want, w) == 0 && widget_contrast_ratio(b, w) >= 4.5)
		return want;
	return widget_text_colour(b);
}
