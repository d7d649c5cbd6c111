/*
 * widget.c - the score widget: HTML for mail clients and its text version.
 *
 * The texts come from templates/LANG/texts.ini (plain text with {fields});
 * the markup is fixed here, because what mail clients render is narrow:
 * tables, inline styles, no <style>, no classes, no scripts. Every text,
 * from a template or from the config, is HTML-escaped where it lands; URLs
 * from the config are used only when they are http(s).
 *
 * Layout: the question, one row of cells (11 for NPS, 5 for CSAT, 7 for
 * CES) that fits 600 px and shrinks to 320 px, each a link 44 px tall
 * (a touch target), the two end labels under the row, a hint on how the
 * links work, the information message and the privacy link. Each cell
 * links to a pre-filled reply (mailto, RFC 6068) or to the admin's
 * landing page. Colours are explicit on both text and
 * background, so clients that darken mail keep them readable; the digits
 * on a coloured cell are black or white, whichever contrasts more by the
 * WCAG 2 formula (at least 4.5:1, the AA level, for any colour).
 * Output uses "\n" line ends and keeps lines short (well under 998).
 * It holds no HTML comment and never "-->" (texts have ">" escaped):
 * help-desk templates put the tag inside Outlook conditional comments,
 * where a "-->" of ours would end their comment early.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "outgoing/widget.h"
#include "survey/nps.h"

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

static const char *const key_names[K_COUNT] = {
	"nps.question", "nps.label_low", "nps.label_high",
	"csat.question", "csat.label_low", "csat.label_high",
	"ces.question", "ces.label_low", "ces.label_high",
	"html.hint", "html.score_name",
	"mailto.prefix", "mailto.subject", "mailto.body",
	"text.instructions", "text.address",
	"privacy.label", "text.privacy",
};

/* English, the language of last resort, must be there; the others are
 * read when their folder is. */
#define LANG_EN 1

#define TEXTS_MAX (64 * 1024)	/* bytes of one texts.ini */

struct widget_templates {
	char *text[LANG_COUNT][K_COUNT];	/* [lang][0] NULL: not there */
	const char *bodies[LANG_COUNT + 1];	/* mailto.body, NULL-ended */
	const char *prefixes[LANG_COUNT + 1];	/* mailto.prefix, likewise */
};

/* Font stack and colours shared by every cell. */
#define FONT "font-family:Arial,Helvetica,sans-serif;"
#define BG "#ffffff"
#define FG "#1f1f1f"
#define FG_SOFT "#4a4a4a"
#define LINK "#1a56a8"

/* Height of a score link: the smallest touch target that fingers hit
 * reliably (WCAG 2.5.5, platform guidelines). */
#define TARGET_PX 44

static int
read_file(const char *path, struct buf *out, struct npserr *err)
{
	if (buf_read_file(out, path, TEXTS_MAX) == 0)
		return 0;
	if (errno == EFBIG)
		npserr_set(err, "templates %s: larger than %d bytes", path,
		    TEXTS_MAX);
	else
		npserr_set(err, "templates %s: cannot read: %s", path,
		    strerror(errno));
	return -1;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "\n" in a value is a line break; "\\" a backslash. */
static char *
unescape_value(const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n && p[i + 1] == 'n') {
			buf_putc(&b, '\n');
			i++;
		} else if (p[i] == '\\' && i + 1 < n && p[i + 1] == '\\') {
			buf_putc(&b, '\\');
			i++;
		} else
			buf_putc(&b, p[i]);
	}
	return buf_steal(&b);
}

/* Reads DIR/LANG/texts.ini into tpl->text[lang]. Returns 0, 1 when the
 * folder DIR/LANG does not exist (for another language than English), or
 * -1 (err). */
static int
load_lang(struct widget_templates *tpl, int lang, const char *dir,
    struct npserr *err)
{
	struct stat st;
	struct buf path = BUF_INIT, data = BUF_INIT;
	size_t pos = 0, lineno = 0, k0, k1, v0, v1, eol;
	const char *nl;
	int k, rc = -1;

	buf_printf(&path, "%s/%s", dir, lang_codes[lang]);
	if (lang != LANG_EN && stat(path.data, &st) < 0 && errno == ENOENT) {
		rc = 1;		/* a language the admin does not offer */
		goto out;
	}
	buf_puts(&path, "/texts.ini");
	if (read_file(path.data, &data, err) < 0)
		goto out;
	while (pos < data.len) {
		lineno++;
		nl = memchr(data.data + pos, '\n', data.len - pos);
		eol = nl ? (size_t)(nl - data.data) : data.len;
		k0 = pos;
		while (k0 < eol && is_blank((unsigned char)data.data[k0]))
			k0++;
		pos = nl ? eol + 1 : eol;
		if (k0 == eol || data.data[k0] == '#' || data.data[k0] == ';')
			continue;
		k1 = k0;
		while (k1 < eol && data.data[k1] != '=')
			k1++;
		if (k1 == eol) {
			npserr_set(err, "templates %s:%zu: expected "
			    "\"key = value\"", path.data, lineno);
			goto out;
		}
		v0 = k1 + 1;
		while (k1 > k0 && is_blank((unsigned char)data.data[k1 - 1]))
			k1--;
		while (v0 < eol && is_blank((unsigned char)data.data[v0]))
			v0++;
		v1 = eol;
		while (v1 > v0 && is_blank((unsigned char)data.data[v1 - 1]))
			v1--;
		for (k = 0; k < K_COUNT; k++)
			if (strlen(key_names[k]) == k1 - k0 &&
			    memcmp(key_names[k], data.data + k0, k1 - k0) == 0)
				break;
		if (k == K_COUNT) {
			npserr_set(err, "templates %s:%zu: unknown key "
			    "\"%.*s\"", path.data, lineno, (int)(k1 - k0),
			    data.data + k0);
			goto out;
		}
		if (memchr(data.data + v0, '\0', v1 - v0) != NULL) {
			npserr_set(err, "templates %s:%zu: NUL byte in value",
			    path.data, lineno);
			goto out;
		}
		free(tpl->text[lang][k]);
		tpl->text[lang][k] = unescape_value(data.data + v0, v1 - v0);
	}
	/* A texts.ini from before the links had names still loads: the
	 * name is then the bare "9/10", which reads in any language. */
	if (tpl->text[lang][K_SNAME] == NULL)
		tpl->text[lang][K_SNAME] = xstrdup("{score}/{max}");
	for (k = 0; k < K_COUNT; k++)
		if (tpl->text[lang][k] == NULL) {
			npserr_set(err, "templates %s: key %s is missing",
			    path.data, key_names[k]);
			goto out;
		}
	rc = 0;
out:
	buf_free(&path);
	buf_free(&data);
	return rc;
}

/*
 * widget_templates_load - reads DIR/LANG/texts.ini for each language of
 * lang_codes whose folder exists; DIR/en must. Every key must be present
 * in each but html.score_name, newer than the others (an older copied
 * tree must keep working); an unknown key is an error (a typo would
 * otherwise silently keep a default). Caller frees with
 * widget_templates_free.
 */
struct widget_templates *
widget_templates_load(const char *dir, struct npserr *err)
{
	struct widget_templates *tpl = xcalloc(1, sizeof(*tpl));
	int lang, r;
	size_t k = 0;

	if (dir == NULL || *dir == '\0') {
		npserr_set(err, "templates: no directory configured "
		    "(templates_dir)");
		free(tpl);
		return NULL;
	}
	for (lang = 0; lang < LANG_COUNT; lang++) {
		if ((r = load_lang(tpl, lang, dir, err)) < 0) {
			widget_templates_free(tpl);
			return NULL;
		}
		if (r > 0)
			continue;
		tpl->bodies[k] = tpl->text[lang][K_MBODY];
		tpl->prefixes[k] = tpl->text[lang][K_MPREFIX];
		k++;
	}
	return tpl;
}

/* widget_lang - see widget.h. */
const char *
widget_lang(const struct config *cf, const struct widget_templates *tpl,
    const char *tag)
{
	int i = lang_index(tag);

	/* Without templates read, every shipped language counts as there. */
	if (i < 0 || (tpl != NULL && tpl->text[i][0] == NULL))
		i = lang_index(cf != NULL ? cf->default_lang : NULL);
	if (i < 0 || (tpl != NULL && tpl->text[i][0] == NULL))
		i = LANG_EN;
	return lang_codes[i];
}

/* widget_mailto_prefixes - see widget.h. */
const char *const *
widget_mailto_prefixes(const struct widget_templates *tpl)
{
	return tpl != NULL ? tpl->prefixes : NULL;
}

/* widget_mailto_bodies - see widget.h. */
const char *const *
widget_mailto_bodies(const struct widget_templates *tpl)
{
	return tpl != NULL ? tpl->bodies : NULL;
}

void
widget_templates_free(struct widget_templates *tpl)
{
	int lang, k;

	if (tpl == NULL)
		return;
	for (lang = 0; lang < LANG_COUNT; lang++)
		for (k = 0; k < K_COUNT; k++)
			free(tpl->text[lang][k]);
	free(tpl);
}

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
 * (9-10); likewise CSAT's and CES's categories (survey/nps.h).
 */
static void
gradient_colour(const struct config *cf, enum survey_type type, int score,
    int rgb[3])
{
	switch (nps_category(type, score)) {
	case NPS_PROMOTER:
		if (parse_colour(cf->gradient_to, rgb) < 0)
			parse_colour("#1a9641", rgb);
		break;
	case NPS_PASSIVE:
		if (parse_colour(cf->gradient_mid, rgb) < 0)
			parse_colour("#fdae61", rgb);
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

struct ctx {
	const struct config *cf;
	const struct widget_request *req;
	char *const *t;		/* texts of the language */
	int min, max;
	const char *question, *low, *high;
	const char *address;
	char smin[8], smax[8];
};

static void
cell_href(struct ctx *c, int score, struct buf *out)
{
	struct buf tmp = BUF_INIT, url = BUF_INIT;
	char s[8];
	const char *prefix;
	struct var vars[6];

	snprintf(s, sizeof(s), "%d", score);
	if (is_http_url(c->cf->landing_url)) {
		struct buf tok = BUF_INIT;

		append_pct(&tok, c->req->token, strlen(c->req->token), "");
		vars[0] = (struct var){ "token", buf_cstr(&tok) };
		vars[1] = (struct var){ "score", s };
		expand(c->cf->landing_url, vars, 2, &url);
		append_html(out, buf_cstr(&url));
		buf_free(&tok);
		buf_free(&url);
		return;
	}
	prefix = c->cf->subject_prefix ? c->cf->subject_prefix :
	    c->t[K_MPREFIX];
	vars[0] = (struct var){ "score", s };
	vars[1] = (struct var){ "min", c->smin };
	vars[2] = (struct var){ "max", c->smax };
	vars[3] = (struct var){ "prefix", prefix };
	vars[4] = (struct var){ "label_low", c->low };
	vars[5] = (struct var){ "label_high", c->high };
	buf_puts(&url, "mailto:");
	append_pct(&url, c->address, strlen(c->address), "@+!$'*,;:=");
	buf_puts(&url, "?subject=");
	expand(c->t[K_MSUBJECT], vars, 6, &tmp);
	append_pct_crlf(&url, buf_cstr(&tmp));
	buf_reset(&tmp);
	buf_puts(&url, "&body=");
	expand(c->t[K_MBODY], vars, 6, &tmp);
	append_pct_crlf(&url, buf_cstr(&tmp));
	append_html(out, buf_cstr(&url));
	buf_free(&tmp);
	buf_free(&url);
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
	struct buf name = BUF_INIT;
	char s[8];
	struct var vars[2];

	snprintf(s, sizeof(s), "%d", score);
	vars[0] = (struct var){ "score", s };
	vars[1] = (struct var){ "max", c->smax };
	expand(c->t[K_SNAME], vars, 2, &name);
	if (score == c->min || score == c->max) {
		buf_puts(&name, ", ");
		buf_puts(&name, score == c->min ? c->low : c->high);
	}
	append_html(out, buf_cstr(&name));
	buf_free(&name);
}

static void
render_cell(struct ctx *c, enum widget_style style, int score, int ncells,
    struct buf *out)
{
	int rgb[3];
	char bg[8];
	const char *fg = FG;

	if (style == STYLE_GRADIENT) {
		gradient_colour(c->cf, c->req->type, score, rgb);
		snprintf(bg, sizeof(bg), "#%02x%02x%02x", rgb[0], rgb[1],
		    rgb[2]);
		fg = widget_text_colour(rgb);
	} else if (style == STYLE_ICONS)
		snprintf(bg, sizeof(bg), "%s", BG);
	else
		snprintf(bg, sizeof(bg), "#fff3cd");
	/* Outlook for Windows (Word) ignores display:block and padding on
	 * links: the cell itself carries the height (attribute and style)
	 * and the colour (bgcolor), and the link's line height is made exact
	 * there (mso-line-height-rule), so the cell keeps its size and most
	 * of it stays the link. No conditional comment: the tag often sits
	 * inside one of the help desk's. */
	buf_printf(out, "<td align=\"center\" valign=\"middle\" "
	    "width=\"%d%%\" height=\"%d\" bgcolor=\"%s\" "
	    "style=\"padding:0;height:%dpx;background-color:%s;"
	    "border:1px solid #d9d9d9;border-radius:4px;\">", 100 / ncells,
	    TARGET_PX, bg, TARGET_PX, bg);
	buf_puts(out, "<a href=\"");
	cell_href(c, score, out);
	buf_puts(out, "\" aria-label=\"");
	cell_name(c, score, out);
	/* The link fills its cell (display:block) and its line height makes
	 * it a touch target of TARGET_PX: padding would do in browsers, but
	 * line height is what every mail client keeps. Stars take two lines
	 * (the star, the digit) of half the height. */
	buf_printf(out, "\" style=\"display:block;color:%s;"
	    "background-color:%s;border-radius:4px;text-decoration:none;"
	    FONT "font-size:16px;mso-line-height-rule:exactly;"
	    "line-height:%dpx;font-weight:bold;\">",
	    fg, bg, style == STYLE_STARS ? TARGET_PX / 2 : TARGET_PX);
	switch (style) {
	case STYLE_ICONS: {
		struct buf src = BUF_INIT;
		char s[8];
		struct var v[1];

		snprintf(s, sizeof(s), "%d", score);
		v[0] = (struct var){ "score", s };
		expand(c->cf->icon_url, v, 1, &src);
		buf_puts(out, "<img src=\"");
		append_html(out, buf_cstr(&src));
		buf_printf(out, "\" alt=\"%d\" width=\"28\" height=\"28\" "
		    "style=\"display:inline-block;vertical-align:middle;"
		    "border:0;width:28px;max-width:100%%;height:auto;"
		    "color:%s;\">", score, fg);
		buf_free(&src);
		break;
	}
	case STYLE_GRADIENT:
		buf_printf(out, "%d", score);
		break;
	case STYLE_STARS:
	default:
		buf_printf(out, "<span aria-hidden=\"true\" "
		    "style=\"color:#c77c00;font-size:16px;"
		    "mso-line-height-rule:exactly;line-height:%dpx;\">"
		    "\xe2\x98\x85</span><br>%d", TARGET_PX / 2, score);
		break;
	}
	buf_puts(out, "</a></td>\n");
}

static void
label_cell(const char *align, const char *text, struct buf *out)
{
	buf_printf(out, "<td align=\"%s\" valign=\"top\" width=\"50%%\" "
	    "bgcolor=\"" BG "\" style=\"padding:4px 0 0 0;background-color:"
	    BG ";color:" FG_SOFT ";" FONT "font-size:12px;line-height:16px;\">",
	    align);
	append_html(out, text);
	buf_puts(out, "</td>\n");
}

static void
render_html(struct ctx *c, struct buf *out)
{
	enum widget_style style = c->req->style;
	int n = c->max - c->min + 1, s, cellw, maxw;
	const char *info = config_info_message(c->cf, c->req->lang);

	if (style == STYLE_ICONS && !is_http_url(c->cf->icon_url))
		style = STYLE_STARS;	/* no usable image: never a broken one */
	/* Cells as wide as the row allows up to about 600 px: 50 px for
	 * 11, wider when there are fewer. */
	cellw = n >= 11 ? 50 : n >= 7 ? 72 : 96;
	maxw = n * (cellw + 2) + 2;
	buf_printf(out, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%%\" bgcolor=\"" BG
	    "\" style=\"width:100%%;max-width:%dpx;margin:8px 0;"
	    "border-collapse:collapse;background-color:" BG ";\">\n", maxw);
	buf_puts(out, "<tr><td bgcolor=\"" BG "\" style=\"padding:8px 2px;"
	    "background-color:" BG ";color:" FG ";" FONT "font-size:16px;"
	    "line-height:22px;font-weight:bold;\">");
	append_html_wrapped(out, c->question);
	buf_puts(out, "</td></tr>\n");
	buf_puts(out, "<tr><td bgcolor=\"" BG "\" style=\"padding:0;"
	    "background-color:" BG ";\">\n<table role=\"presentation\" "
	    "cellpadding=\"0\" cellspacing=\"2\" border=\"0\" width=\"100%\" "
	    "style=\"width:100%;border-collapse:separate;border-spacing:2px;"
	    "table-layout:fixed;\">\n<tr>\n");
	for (s = c->min; s <= c->max; s++)
		render_cell(c, style, s, n, out);
	buf_puts(out, "</tr>\n</table>\n</td></tr>\n");
	buf_puts(out, "<tr><td bgcolor=\"" BG "\" style=\"padding:0 2px;"
	    "background-color:" BG ";\">\n<table role=\"presentation\" "
	    "cellpadding=\"0\" cellspacing=\"0\" border=\"0\" width=\"100%\" "
	    "style=\"width:100%;border-collapse:collapse;\">\n<tr>\n");
	label_cell("left", c->low, out);
	label_cell("right", c->high, out);
	buf_puts(out, "</tr>\n</table>\n</td></tr>\n");
	if (!is_http_url(c->cf->landing_url)) {
		buf_puts(out, "<tr><td bgcolor=\"" BG "\" style=\"padding:8px "
		    "2px 0 2px;background-color:" BG ";color:" FG_SOFT ";"
		    FONT "font-size:12px;line-height:16px;\">");
		append_html_wrapped(out, c->t[K_HINT]);
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out, "<tr><td bgcolor=\"" BG "\" style=\"padding:8px 2px;"
	    "background-color:" BG ";color:" FG_SOFT ";" FONT
	    "font-size:12px;line-height:16px;\">");
	append_html_wrapped(out, info ? info : "");
	if (is_http_url(c->cf->privacy_url)) {
		buf_puts(out, "<br>\n<a href=\"");
		append_html(out, c->cf->privacy_url);
		buf_puts(out, "\" style=\"color:" LINK ";"
		    "text-decoration:underline;\">");
		append_html(out, c->t[K_PLABEL]);
		buf_puts(out, "</a>");
	}
	buf_puts(out, "</td></tr>\n</table>");
}

static void
render_text(struct ctx *c, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	const char *info = config_info_message(c->cf, c->req->lang);
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
	c.t = tpl->text[lang];
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
	buf_free(&addr);
	return 0;
}
