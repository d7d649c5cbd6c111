/*
 * widget.c - the score widget: HTML for mail clients and its text version.
 *
 * The texts come from templates/LANG/texts.ini (plain text with {fields},
 * read by widget_templates.c), the cells' colours from widget_colour.c;
 * the markup is fixed here, because what mail clients render is narrow:
 * tables, inline styles, no <style>, no classes, no scripts. Every text,
 * from a template or from the config, is HTML-escaped where it lands; URLs
 * from the config are used only when they are http(s).
 *
 * Layout: the question, one row of cells (11 for NPS, 5 for CSAT, 7 for
 * CES) that fits 600 px and shrinks to 320 px, each a link 44 px tall
 * (a touch target), the two end labels under the row, a hint on how the
 * links work, the information message and the privacy link; on the left,
 * or centred ([survey] align). Each cell links to a pre-filled reply
 * (mailto, RFC 6068) or to the admin's landing page, and shows its number
 * (style numbers), with stars or an image above it (stars, icons), or on
 * the colour of its category (gradient). Cells have explicit colours on
 * both text and background, so clients that darken mail change both
 * together; the digits on a coloured cell are black or white, whichever
 * contrasts more by the WCAG 2 formula (at least 4.5:1, the AA level, for
 * any colour). Around the cells the widget is transparent by default,
 * its texts in the mail's own colours, whatever a template or a dark
 * mode makes of them; [survey] background paints a colour instead, with
 * texts readable on it.
 * Output uses "\n" line ends and keeps lines short (well under 998).
 * It holds no HTML comment and never "-->" (texts have ">" escaped):
 * help-desk templates put the tag inside Outlook conditional comments,
 * where a "-->" of ours would end their comment early.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "outgoing/widget.h"
#include "outgoing/widget_int.h"
#include "survey/nps.h"

/* Font stack and colours: the texts' on a configured background (when
 * they contrast enough with it), the score cells' of each style. */
#define FONT "font-family:Arial,Helvetica,sans-serif;"
#define FG "#1f1f1f"
#define FG_SOFT "#4a4a4a"
#define LINK "#1a56a8"
#define CELL_BG "#f3f4f6"
#define BORDER "#8c8c8c"
#define STAR_BG "#fff3cd"
#define STAR "#c77c00"
#define STAR_FULL "\xe2\x98\x85"	/* U+2605 BLACK STAR */
#define STAR_EMPTY "\xe2\x98\x86"	/* U+2606 WHITE STAR */

/* Height of a score link: the smallest touch target that fingers hit
 * reliably (WCAG 2.5.5, platform guidelines). */
#define TARGET_PX 44

struct var {
	const char *name;
	const char *value;
};

/* Fills {name} fields; an unknown field stays as written. */
static void
expand(const char *t, const struct var *vars, size_t nvars, struct buf *out)
{
	const char *p = t, *o, *c;
	size_t i, n;

	while ((o = strchr(p, '{')) != NULL) {
		buf_append(out, p, (size_t)(o - p));
		c = strchr(o, '}');
		if (c == NULL)
			break;
		n = (size_t)(c - o - 1);
		for (i = 0; i < nvars; i++)
			if (strlen(vars[i].name) == n &&
			    memcmp(vars[i].name, o + 1, n) == 0)
				break;
		if (i < nvars) {
			buf_puts(out, vars[i].value);
			p = c + 1;
		} else {
			buf_putc(out, '{');
			p = o + 1;
		}
	}
	buf_puts(out, p);
}

/* RFC 3986 percent-encoding of everything but the unreserved set (and
 * the extra characters keep, for addresses). */
static void
append_pct(struct buf *out, const char *p, size_t n, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	unsigned char c;
	char *d;

	buf_reserve(out, n * 3);
	d = out->data + out->len;
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (c != 0 && strchr(keep, c))) {
			*d++ = (char)c;
		} else {
			*d++ = '%';
			*d++ = hex[c >> 4];
			*d++ = hex[c & 15];
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
}

/* The mailto body's line breaks are CRLF (RFC 6068 section 5). */
static void
append_pct_crlf(struct buf *out, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		append_pct(out, s, (size_t)(nl - s), "");
		buf_puts(out, "%0D%0A");
		s = nl + 1;
	}
	append_pct(out, s, strlen(s), "");
}

static bool
is_http_url(const char *u)
{
	return u != NULL && (strncasecmp(u, "https://", 8) == 0 ||
	    strncasecmp(u, "http://", 7) == 0) &&
	    strpbrk(u, " \t\r\n\"'<>") == NULL;
}

static void
append_html(struct buf *out, const char *s)
{
	buf_append_html(out, s, strlen(s));
}

/*
 * HTML-escapes s and breaks it into lines of about 72 bytes at spaces
 * (a line break is a space in HTML), so no output line nears 998; its
 * own line breaks become <br>.
 */
static void
append_html_wrapped(struct buf *out, const char *s)
{
	size_t col = 0, n = strlen(s), i = 0, j, w;

	while (i < n) {
		/* A run up to the next space or line break, escaped whole. */
		for (j = i; j < n && s[j] != ' ' && s[j] != '\n'; j++)
			;
		w = out->len;
		buf_append_html(out, s + i, j - i);
		col += out->len - w;
		if (j == n)
			break;
		if (s[j] == '\n') {
			buf_puts(out, "<br>\n");
			col = 0;
		} else if (col >= 72) {
			buf_putc(out, '\n');
			col = 0;
		} else {
			buf_putc(out, ' ');
			col++;
		}
		i = j + 1;
	}
}

/* Word-wraps plain text at 72 characters (a byte that starts no UTF-8
 * character counts as one). */
static void
append_text_wrapped(struct buf *out, const char *s)
{
	size_t n = strlen(s), i = 0, j, col, brk, len;

	while (i < n) {
		col = 0;
		brk = 0;
		for (j = i; j < n && s[j] != '\n'; j += len) {
			if ((len = utf8_seq(s + j, n - j, NULL)) == 0)
				len = 1;
			col++;
			if (s[j] == ' ')
				brk = j;
			if (col > 72 && brk > i)
				break;
		}
		if (j < n && s[j] != '\n' && brk > i) {
			buf_append(out, s + i, brk - i);
			buf_putc(out, '\n');
			i = brk + 1;
		} else {
			buf_append(out, s + i, j - i);
			if (j < n) {
				buf_putc(out, '\n');
				j++;
			}
			i = j;
		}
	}
}

struct ctx {
	const struct config *cf;
	const struct widget_request *req;
	const char *lang;	/* the code of the language rendered */
	int lang_i;		/* its index in lang_codes */
	char *const *t;		/* texts of the language */
	/* The configured background and the text colours on it; NULL for
	 * none (transparent): the mail's own. */
	const char *bg, *fg, *fg_soft, *link;
	int min, max;
	const char *question, *low, *high;
	const char *address;
	char smin[8], smax[8];
	/* Scratch for the cells' links and names, kept from one cell to
	 * the next: a row is eleven cells, rendered for every survey. */
	struct buf tmp, url;
};

/* The decimal digits of n, at most 11 bytes with the sign. */
static void
append_int(struct buf *out, int n)
{
	char d[12];
	size_t i = sizeof(d);
	unsigned int u = n < 0 ? 0u - (unsigned int)n : (unsigned int)n;

	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10) > 0 && i > 1);
	if (n < 0)
		d[--i] = '-';
	buf_append(out, d + i, sizeof(d) - i);
}

static void
cell_href(struct ctx *c, int score, struct buf *out)
{
	struct buf *tmp = &c->tmp, *url = &c->url;
	char s[8];
	const char *prefix;
	struct var vars[6];

	snprintf(s, sizeof(s), "%d", score);
	buf_reset(tmp);
	buf_reset(url);
	if (is_http_url(c->cf->landing_url)) {
		append_pct(tmp, c->req->token, strlen(c->req->token), "");
		vars[0] = (struct var){ "token", buf_cstr(tmp) };
		vars[1] = (struct var){ "score", s };
		expand(c->cf->landing_url, vars, 2, url);
		buf_append_html(out, url->data, url->len);
		return;
	}
	prefix = c->cf->subject_prefixes[c->lang_i] ?
	    c->cf->subject_prefixes[c->lang_i] : c->cf->subject_prefix ?
	    c->cf->subject_prefix : c->t[K_MPREFIX];
	vars[0] = (struct var){ "score", s };
	vars[1] = (struct var){ "min", c->smin };
	vars[2] = (struct var){ "max", c->smax };
	vars[3] = (struct var){ "prefix", prefix };
	vars[4] = (struct var){ "label_low", c->low };
	vars[5] = (struct var){ "label_high", c->high };
	buf_puts(url, "mailto:");
	append_pct(url, c->address, strlen(c->address), "@+!$'*,;:=");
	buf_puts(url, "?subject=");
	expand(c->t[K_MSUBJECT], vars, 6, tmp);
	append_pct_crlf(url, buf_cstr(tmp));
	buf_reset(tmp);
	buf_puts(url, "&body=");
	expand(c->t[K_MBODY], vars, 6, tmp);
	append_pct_crlf(url, buf_cstr(tmp));
	buf_append_html(out, url->data, url->len);
}

/*
 * The accessible name of a score link, HTML-escaped: html.score_name
 * ("9 out of 10"), the first and last with their end label ("0 out of
 * 10, Not at all likely"), since screen readers reach the labels only
 * after the links. The digit, star or image inside is then not read.
 */
static void
cell_name(struct ctx *c, int score, struct buf *out)
{
	struct buf *name = &c->tmp;
	char s[8];
	struct var vars[2];

	snprintf(s, sizeof(s), "%d", score);
	vars[0] = (struct var){ "score", s };
	vars[1] = (struct var){ "max", c->smax };
	buf_reset(name);
	expand(c->t[K_SNAME], vars, 2, name);
	if (score == c->min || score == c->max) {
		buf_puts(name, ", ");
		buf_puts(name, score == c->min ? c->low : c->high);
	}
	buf_append_html(out, name->data, name->len);
}

/* The glyphs above a star cell's number, hidden from screen readers (the
 * link's name says the score): for CSAT, score filled stars and the rest
 * empty, the rating row people know; one star for the longer scales,
 * whose cells are too narrow for a row. */
static void
cell_stars(const struct ctx *c, int score, struct buf *out)
{
	int i;

	buf_puts(out, "<span aria-hidden=\"true\" style=\"color:" STAR ";"
	    "white-space:nowrap;letter-spacing:0;");
	if (c->req->type != SURVEY_CSAT) {
		buf_puts(out, "font-size:16px;\">" STAR_FULL "</span>");
		return;
	}
	buf_puts(out, "font-size:10px;\">");
	for (i = c->min; i <= c->max; i++)
		buf_puts(out, i <= score ? STAR_FULL : STAR_EMPTY);
	buf_puts(out, "</span>");
}

/* The image above an icon cell's number: icon_url with {type}, {score}
 * and {max} filled. The number under it names the cell, so the image is
 * decorative (empty alt) and a missing one leaves the cell readable. */
static void
cell_icon(const struct ctx *c, int score, struct buf *out)
{
	struct buf src = BUF_INIT;
	char s[8];
	struct var v[3];

	snprintf(s, sizeof(s), "%d", score);
	v[0] = (struct var){ "type", nps_type_name(c->req->type) };
	v[1] = (struct var){ "score", s };
	v[2] = (struct var){ "max", c->smax };
	expand(c->cf->icon_url, v, 3, &src);
	buf_puts(out, "<img src=\"");
	append_html(out, buf_cstr(&src));
	buf_puts(out, "\" alt=\"\" width=\"20\" height=\"20\" style=\""
	    "display:inline-block;vertical-align:middle;border:0;width:20px;"
	    "height:20px;\">");
	buf_free(&src);
}

static void
render_cell(struct ctx *c, enum widget_style style, int score, int ncells,
    struct buf *out)
{
	int rgb[3];
	char bg[8];
	const char *fg = FG;
	/* Stars and icons take two lines (the glyph, the number) of half
	 * the height; the number is always there to read. */
	bool two = style == STYLE_STARS || style == STYLE_ICONS;

	if (style == STYLE_GRADIENT) {
		widget_gradient_colour(c->cf, c->req->type, score, rgb);
		snprintf(bg, sizeof(bg), "#%02x%02x%02x", rgb[0], rgb[1],
		    rgb[2]);
		fg = widget_text_colour(rgb);
	} else
		snprintf(bg, sizeof(bg), "%s", style == STYLE_STARS ?
		    STAR_BG : CELL_BG);
	/* Outlook for Windows (Word) ignores display:block and padding on
	 * links: the cell itself carries the height (attribute and style)
	 * and the colour (bgcolor), and the link's line height is made exact
	 * there (mso-line-height-rule), so the cell keeps its size and most
	 * of it stays the link. No conditional comment: the tag often sits
	 * inside one of the help desk's. Every cell has its colours and a
	 * border of its own, whatever the background around it: a client
	 * that darkens the mail then darkens the cell and lightens its
	 * number together. */
	/* Written piece by piece, not by printf: the row's eleven cells
	 * are most of the widget, and its formats cost more than the rest
	 * of the rendering. */
	buf_puts(out, "<td align=\"center\" valign=\"middle\" width=\"");
	append_int(out, 100 / ncells);
	buf_puts(out, "%\" height=\"");
	append_int(out, TARGET_PX);
	buf_puts(out, "\" bgcolor=\"");
	buf_puts(out, bg);
	buf_puts(out, "\" style=\"padding:0;height:");
	append_int(out, TARGET_PX);
	buf_puts(out, "px;background-color:");
	buf_puts(out, bg);
	buf_puts(out, ";border:1px solid " BORDER ";border-radius:4px;\">");
	buf_puts(out, "<a href=\"");
	cell_href(c, score, out);
	buf_puts(out, "\" aria-label=\"");
	cell_name(c, score, out);
	/* The link fills its cell (display:block) and its line height makes
	 * it a touch target of TARGET_PX: padding would do in browsers, but
	 * line height is what every mail client keeps. */
	buf_puts(out, "\" style=\"display:block;color:");
	buf_puts(out, fg);
	buf_puts(out, ";background-color:");
	buf_puts(out, bg);
	buf_puts(out, ";border-radius:4px;text-decoration:none;" FONT
	    "font-size:16px;mso-line-height-rule:exactly;line-height:");
	append_int(out, two ? TARGET_PX / 2 : TARGET_PX);
	buf_puts(out, "px;font-weight:bold;\">");
	if (style == STYLE_STARS)
		cell_stars(c, score, out);
	else if (style == STYLE_ICONS)
		cell_icon(c, score, out);
	if (two)
		buf_puts(out, "<br>");
	append_int(out, score);
	buf_puts(out, "</a></td>\n");
}

/*
 * Opens a cell of text around the row: with the configured background
 * and a text colour readable on it, or, by default, with neither, so
 * that the mail's own background shows through and the text keeps the
 * mail's colour (and whatever a dark mode makes of both). attrs are the
 * cell's attributes; big: the question's size, else the small print.
 */
static void
text_td(const struct ctx *c, const char *attrs, const char *pad, bool big,
    struct buf *out)
{
	buf_printf(out, "<td%s", attrs);
	if (c->bg != NULL)
		buf_printf(out, " bgcolor=\"%s\"", c->bg);
	buf_printf(out, " style=\"padding:%s;", pad);
	if (c->bg != NULL)
		buf_printf(out, "background-color:%s;color:%s;", c->bg,
		    big ? c->fg : c->fg_soft);
	buf_printf(out, FONT "font-size:%dpx;line-height:%dpx;%s\">",
	    big ? 16 : 12, big ? 22 : 16, big ? "font-weight:bold;" : "");
}

static void
render_html(struct ctx *c, struct buf *out)
{
	enum widget_style style = c->req->style;
	int n = c->max - c->min + 1, s, cellw, maxw;
	const char *info = config_info_message(c->cf, c->lang);
	const char *centre = c->cf->align == ALIGN_CENTER ?
	    " align=\"center\"" : "";

	if (style == STYLE_ICONS && !is_http_url(c->cf->icon_url))
		/* no usable image: never a broken one */
		style = STYLE_STARS;
	/* Cells as wide as the row allows up to about 600 px: 50 px for
	 * 11, wider when there are fewer. */
	cellw = n >= 11 ? 50 : n >= 7 ? 72 : 96;
	maxw = n * (cellw + 2) + 2;
	/* Centred, the table is centred by its align attribute (what
	 * Outlook reads) and its auto margins; its texts are too. */
	buf_printf(out, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%%\"%s", centre);
	if (c->bg != NULL)
		buf_printf(out, " bgcolor=\"%s\"", c->bg);
	buf_printf(out, " style=\"width:100%%;max-width:%dpx;margin:8px %s;"
	    "border-collapse:collapse;", maxw, *centre ? "auto" : "0");
	if (c->bg != NULL)
		buf_printf(out, "background-color:%s;", c->bg);
	buf_puts(out, "\">\n<tr>");
	text_td(c, centre, "8px 2px", true, out);
	append_html_wrapped(out, c->question);
	buf_puts(out, "</td></tr>\n");
	buf_puts(out, "<tr><td style=\"padding:0;\">\n<table "
	    "role=\"presentation\" cellpadding=\"0\" cellspacing=\"2\" "
	    "border=\"0\" width=\"100%\" style=\"width:100%;"
	    "border-collapse:separate;border-spacing:2px;"
	    "table-layout:fixed;\">\n<tr>\n");
	for (s = c->min; s <= c->max; s++)
		render_cell(c, style, s, n, out);
	buf_puts(out, "</tr>\n</table>\n</td></tr>\n");
	buf_puts(out, "<tr><td style=\"padding:0 2px;\">\n<table "
	    "role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
	    "border=\"0\" width=\"100%\" style=\"width:100%;"
	    "border-collapse:collapse;\">\n<tr>\n");
	text_td(c, " align=\"left\" valign=\"top\" width=\"50%\"",
	    "4px 0 0 0", false, out);
	append_html(out, c->low);
	buf_puts(out, "</td>\n");
	text_td(c, " align=\"right\" valign=\"top\" width=\"50%\"",
	    "4px 0 0 0", false, out);
	append_html(out, c->high);
	buf_puts(out, "</td>\n</tr>\n</table>\n</td></tr>\n");
	if (!is_http_url(c->cf->landing_url)) {
		buf_puts(out, "<tr>");
		text_td(c, centre, "8px 2px 0 2px", false, out);
		append_html_wrapped(out, c->t[K_HINT]);
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out, "<tr>");
	text_td(c, centre, "8px 2px", false, out);
	append_html_wrapped(out, info ? info : "");
	if (is_http_url(c->cf->privacy_url)) {
		buf_puts(out, "<br>\n<a href=\"");
		append_html(out, c->cf->privacy_url);
		/* Without a background of ours, the client's link colour,
		 * which its dark mode knows. */
		buf_puts(out, "\" style=\"");
		if (c->bg != NULL)
			buf_printf(out, "color:%s;", c->link);
		buf_puts(out, "text-decoration:underline;\">");
		append_html(out, c->t[K_PLABEL]);
		buf_puts(out, "</a>");
	}
	buf_puts(out, "</td></tr>\n</table>");
}

static void
render_text(struct ctx *c, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	const char *info = config_info_message(c->cf, c->lang);
	struct var vars[6];

	vars[0] = (struct var){ "min", c->smin };
	vars[1] = (struct var){ "max", c->smax };
	vars[2] = (struct var){ "label_low", c->low };
	vars[3] = (struct var){ "label_high", c->high };
	vars[4] = (struct var){ "address", c->address };
	vars[5] = (struct var){ "url", c->cf->privacy_url ?
	    c->cf->privacy_url : "" };
	append_text_wrapped(out, c->question);
	buf_putc(out, '\n');
	expand(c->t[K_TINSTR], vars, 6, &tmp);
	append_text_wrapped(out, buf_cstr(&tmp));
	buf_reset(&tmp);
	buf_puts(out, "\n  ");
	expand(c->t[K_TADDR], vars, 6, out);
	if (info != NULL && *info) {
		buf_puts(out, "\n\n");
		append_text_wrapped(out, info);
	}
	if (is_http_url(c->cf->privacy_url)) {
		buf_putc(out, '\n');
		expand(c->t[K_TPRIVACY], vars, 6, &tmp);
		append_text_wrapped(out, buf_cstr(&tmp));
	}
	buf_free(&tmp);
}

/*
 * widget_render - the widget for one survey, in UTF-8 with "\n" line
 * ends, appended to out. req->token must be set; req->reply_address, when
 * NULL, is made from the config's reply address and the token.
 * Returns 0, or -1 (err) when there is no token or no reply address.
 */
int
widget_render(const struct config *cf, const struct widget_templates *tpl,
    const struct widget_request *req, bool html, struct buf *out,
    struct npserr *err)
{
	struct ctx c;
	struct buf addr = BUF_INIT;
	int lang, base;
	const char *l = req->lang ? req->lang : cf->default_lang;

	if (req->token == NULL || *req->token == '\0') {
		npserr_set(err, "widget: no survey token to render");
		return -1;
	}
	lang = lang_index(widget_lang(cf, tpl, l));
	memset(&c, 0, sizeof(c));
	c.cf = cf;
	c.req = req;
	c.lang = lang_codes[lang];
	c.lang_i = lang;
	c.t = tpl->text[lang];
	if (cf->background != NULL && cf->background[0] == '#') {
		c.bg = cf->background;
		c.fg = widget_colour_on(c.bg, FG);
		c.fg_soft = widget_colour_on(c.bg, FG_SOFT);
		c.link = widget_colour_on(c.bg, LINK);
	}
	c.min = nps_score_min(req->type);
	c.max = nps_score_max(req->type);
	snprintf(c.smin, sizeof(c.smin), "%d", c.min);
	snprintf(c.smax, sizeof(c.smax), "%d", c.max);
	base = req->type == SURVEY_CSAT ? K_CSAT_Q :
	    req->type == SURVEY_CES ? K_CES_Q : K_NPS_Q;
	c.question = c.t[base];
	c.low = c.t[base + 1];
	c.high = c.t[base + 2];
	if (req->reply_address != NULL)
		c.address = req->reply_address;
	else if (cf->reply_local != NULL && cf->reply_domain != NULL) {
		buf_printf(&addr, "%s+%s@%s", cf->reply_local, req->token,
		    cf->reply_domain);
		c.address = buf_cstr(&addr);
	} else {
		npserr_set(err, "widget: no reply address (reply_address)");
		return -1;
	}
	if (html)
		render_html(&c, out);
	else
		render_text(&c, out);
	buf_free(&c.tmp);
	buf_free(&c.url);
	buf_free(&addr);
	return 0;
}
