/*
 * test_widget.c - the widget in each language npsgate ships: its texts,
 * its pre-filled reply, the language it falls back to, and what makes it
 * readable: the contrast of its digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "outgoing/widget.h"
#include "testlib.h"

#define TOKEN "sampletokenaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* A word of each language's question, the subject and the first words of
 * the pre-filled body of the link for 9 (percent-encoded as RFC 6068
 * wants), and a word of its text version. */
static const struct {
	const char *lang, *question, *subject, *body, *text;
} shipped[] = {
	{ "fr", "recommandiez", "subject=Note%20%3A%209%2F10",
	    "body=Ma%20note%20%3A%209%2F10",
	    "Répondez à ce message avec une note" },
	{ "en", "recommend", "subject=Score%3A%209%2F10",
	    "body=My%20score%3A%209%2F10", "Reply to this mail with a score" },
	{ "de", "Wie wahrscheinlich", "subject=Bewertung%3A%209%2F10",
	    "body=Meine%20Bewertung%3A%209%2F10",
	    "Antworten Sie auf diese E-Mail mit einer Bewertung" },
	{ "es", "recomiende", "subject=Puntuaci%C3%B3n%3A%209%2F10",
	    "body=Mi%20puntuaci%C3%B3n%3A%209%2F10",
	    "Responda a este correo con una puntuación" },
	{ "it", "consiglierebbe", "subject=Voto%3A%209%2F10",
	    "body=Il%20mio%20voto%3A%209%2F10",
	    "Risponda a questa e-mail con un voto" },
	{ "nl", "aanbeveelt", "subject=Cijfer%3A%209%2F10",
	    "body=Mijn%20cijfer%3A%209%2F10",
	    "Beantwoord deze e-mail met een cijfer" },
	{ "pt", "recomendar", "subject=Nota%3A%209%2F10",
	    "body=Minha%20nota%3A%209%2F10",
	    "Responda a este e-mail com uma nota" },
};

struct fixture {
	struct config *cf;
	struct widget_templates *tpl;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct npserr err;

	if (fx == NULL)
		return -1;
	fx->cf = config_defaults();
	fx->tpl = widget_templates_load(TEST_SRCDIR "/templates", &err);
	if (fx->tpl == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		config_free(fx->cf);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	widget_templates_free(fx->tpl);
	config_free(fx->cf);
	free(fx);
	return 0;
}

static void
render(const struct fixture *fx, const char *lang, bool html,
    struct buf *out)
{
	struct widget_request req;
	struct npserr err;

	memset(&req, 0, sizeof(req));
	req.type = SURVEY_NPS;
	req.style = STYLE_STARS;
	req.lang = lang;
	req.token = TOKEN;
	buf_reset(out);
	assert_int_equal(widget_render(fx->cf, fx->tpl, &req, html, out,
	    &err), 0);
}

static void
test_each_language_renders_its_own_widget(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;
	size_t i, j;

	assert_int_equal(sizeof(shipped) / sizeof(shipped[0]), LANG_COUNT);
	for (i = 0; i < LANG_COUNT; i++) {
		render(fx, shipped[i].lang, true, &out);
		if (strstr(buf_cstr(&out), shipped[i].question) == NULL ||
		    strstr(buf_cstr(&out), shipped[i].subject) == NULL ||
		    strstr(buf_cstr(&out), shipped[i].body) == NULL)
			fail_msg("%s: not the %s widget:\n%s", shipped[i].lang,
			    shipped[i].lang, buf_cstr(&out));
		/* and none of another language's pre-filled reply */
		for (j = 0; j < LANG_COUNT; j++)
			if (j != i && strstr(buf_cstr(&out),
			    shipped[j].body) != NULL)
				fail_msg("%s: holds the %s body",
				    shipped[i].lang, shipped[j].lang);
		render(fx, shipped[i].lang, false, &out);
		if (strstr(buf_cstr(&out), shipped[i].text) == NULL)
			fail_msg("%s: not the %s text version:\n%s",
			    shipped[i].lang, shipped[i].lang,
			    buf_cstr(&out));
	}
	buf_free(&out);
}

/* The pre-filled bodies and subject prefixes the reply reader gets: one
 * per language, NULL-ended. */
static void
test_mailto_lists_hold_every_language(void **state)
{
	struct fixture *fx = *state;
	const char *const *b = widget_mailto_bodies(fx->tpl);
	const char *const *p = widget_mailto_prefixes(fx->tpl);
	size_t i;

	for (i = 0; b[i] != NULL; i++)
		assert_non_null(p[i]);
	assert_int_equal(i, LANG_COUNT);
	assert_null(p[i]);
	assert_string_equal(p[2], "Bewertung");
	assert_string_equal(p[3], "Puntuación");
	assert_non_null(strstr(b[6], "Minha nota: {score}/{max}"));
}

static void
test_lang_tags_and_fallback(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(widget_lang(fx->cf, fx->tpl, "pt-BR"), "pt");
	assert_string_equal(widget_lang(fx->cf, fx->tpl, "ger"), "de");
	assert_string_equal(widget_lang(fx->cf, fx->tpl, "es-419"), "es");
	/* no templates for Swedish: the default language's (fr) */
	assert_string_equal(widget_lang(fx->cf, fx->tpl, "sv"), "fr");
	assert_string_equal(widget_lang(fx->cf, fx->tpl, NULL), "fr");
	free(fx->cf->default_lang);
	fx->cf->default_lang = strdup("nl-BE");
	assert_string_equal(widget_lang(fx->cf, fx->tpl, "sv"), "nl");
}

/* A templates_dir of its own that offers only some languages: the others
 * fall back to the default, English when the default is not there
 * either; a folder without its texts.ini is an error that names it. */
static void
test_a_language_without_its_folder_falls_back(void **state)
{
	struct fixture *fx = *state;
	static const char *const have[] = { "en", "it" };
	char *dir = testlib_dir_make("wtpl"), path[512], *text;
	struct widget_templates *tpl;
	struct npserr err;
	size_t i, n;

	assert_non_null(dir);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/templates/%s/texts.ini",
		    TEST_SRCDIR, have[i]);
		text = testlib_file_read(path, &n);
		assert_non_null(text);
		snprintf(path, sizeof(path), "%s/%s", dir, have[i]);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof(path), "%s/%s/texts.ini", dir, have[i]);
		assert_int_equal(testlib_file_write(path, text, n, 0644), 0);
		free(text);
	}
	tpl = widget_templates_load(dir, &err);
	assert_non_null(tpl);
	assert_string_equal(widget_lang(fx->cf, tpl, "it-IT"), "it");
	/* German and French (the default) are not there: English. */
	assert_string_equal(widget_lang(fx->cf, tpl, "de"), "en");
	assert_null(widget_mailto_bodies(tpl)[2]);
	widget_templates_free(tpl);

	snprintf(path, sizeof(path), "%s/pt", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(widget_templates_load(dir, &err));
	assert_non_null(strstr(err.msg, "pt/texts.ini: cannot read"));
	testlib_dir_remove(dir);
}

static void
hex_rgb(const char *s, int rgb[3])
{
	unsigned int r, g, b;

	assert_int_equal(sscanf(s, "#%2x%2x%2x", &r, &g, &b), 3);
	rgb[0] = (int)r;
	rgb[1] = (int)g;
	rgb[2] = (int)b;
}

/* The WCAG 2 figures: 21:1 black on white, 1:1 a colour on itself, and
 * the orange of the old gradient's sixth cell under white digits. */
static void
test_contrast_ratio_is_the_wcag_formula(void **state)
{
	int black[3] = { 0, 0, 0 }, white[3] = { 255, 255, 255 }, c[3];

	(void)state;
	assert_float_equal(widget_contrast_ratio(black, white), 21.0, 1e-9);
	assert_float_equal(widget_contrast_ratio(white, black), 21.0, 1e-9);
	assert_float_equal(widget_contrast_ratio(white, white), 1.0, 1e-9);
	hex_rgb("#ee7245", c);
	assert_float_equal(widget_contrast_ratio(white, c), 2.95, 0.01);
	hex_rgb("#767676", c);	/* the lightest grey that passes on white */
	assert_true(widget_contrast_ratio(white, c) >= 4.5);
	hex_rgb("#777777", c);
	assert_true(widget_contrast_ratio(white, c) < 4.5);
}

/* Black or white, whichever contrasts more: 4.58:1 at least, whatever
 * the background (every colour on a grid of 4913, and the worst one). */
static void
test_text_colour_always_reaches_aa(void **state)
{
	int bg[3], fg[3], r, g, b;
	double worst = 21.0, q;

	(void)state;
	for (r = 0; r <= 255; r += 15)
		for (g = 0; g <= 255; g += 15)
			for (b = 0; b <= 255; b += 15) {
				bg[0] = r;
				bg[1] = g;
				bg[2] = b;
				hex_rgb(widget_text_colour(bg), fg);
				q = widget_contrast_ratio(bg, fg);
				if (q < worst)
					worst = q;
			}
	assert_true(worst >= 4.58);
	hex_rgb("#ee7245", bg);
	assert_string_equal(widget_text_colour(bg), "#000000");
	hex_rgb("#1a3a8a", bg);
	assert_string_equal(widget_text_colour(bg), "#ffffff");
}

/* Every cell of a gradient, with the default colours and with colours an
 * admin might configure (mid greys, where neither black nor white is far
 * ahead): the digit's colour against the cell's reaches 4.5:1. */
static void
test_gradient_digits_reach_aa(void **state)
{
	struct fixture *fx = *state;
	static const char *const sets[][3] = {
		{ NULL, NULL, NULL },
		{ "#777777", "#808080", "#767676" },
		{ "#ee7245", "#ff0000", "#00aa00" },
	};
	static const enum survey_type types[] = { SURVEY_NPS, SURVEY_CSAT,
	    SURVEY_CES };
	struct widget_request req;
	struct npserr err;
	struct buf out = BUF_INIT;
	const char *p, *q;
	int bg[3], fg[3], cells;
	size_t i, t;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (sets[i][0] != NULL) {
			free(fx->cf->gradient_from);
			free(fx->cf->gradient_mid);
			free(fx->cf->gradient_to);
			fx->cf->gradient_from = strdup(sets[i][0]);
			fx->cf->gradient_mid = strdup(sets[i][1]);
			fx->cf->gradient_to = strdup(sets[i][2]);
		}
		for (t = 0; t < 3; t++) {
			memset(&req, 0, sizeof(req));
			req.type = types[t];
			req.style = STYLE_GRADIENT;
			req.lang = "en";
			req.token = TOKEN;
			buf_reset(&out);
			assert_int_equal(widget_render(fx->cf, fx->tpl, &req,
			    true, &out, &err), 0);
			cells = 0;
			p = buf_cstr(&out);
			while ((p = strstr(p, "<td align=\"center\"")) !=
			    NULL) {
				p = strstr(p, "bgcolor=\"");
				assert_non_null(p);
				hex_rgb(p + 9, bg);
				q = strstr(p, "<a ");
				assert_non_null(q);
				q = strstr(q, ";color:");
				assert_non_null(q);
				hex_rgb(q + 7, fg);
				if (widget_contrast_ratio(bg, fg) < 4.5)
					fail_msg("set %zu type %zu: %.7s on "
					    "%.7s", i, t, q + 7, p + 9);
				cells++;
				p = q;
			}
			assert_int_equal(cells, nps_score_max(types[t]) -
			    nps_score_min(types[t]) + 1);
		}
	}
	buf_free(&out);
}

/* What Outlook for Windows (the Word engine) keeps: every score cell has
 * its height and colour as attributes, every link an exact line height;
 * and never an HTML comment, whatever the style, type or language. */
static void
test_cells_keep_their_size_in_word(void **state)
{
	struct fixture *fx = *state;
	static const enum widget_style styles[] = { STYLE_STARS, STYLE_ICONS,
	    STYLE_GRADIENT };
	static const enum survey_type types[] = { SURVEY_NPS, SURVEY_CSAT,
	    SURVEY_CES };
	struct widget_request req;
	struct npserr err;
	struct buf out = BUF_INIT;
	const char *p, *end;
	size_t i, t, l;
	int cells;

	free(fx->cf->icon_url);
	fx->cf->icon_url = strdup("https://helpdesk.example/{score}.png");
	for (i = 0; i < 3; i++)
		for (t = 0; t < 3; t++)
			for (l = 0; l < LANG_COUNT; l++) {
				memset(&req, 0, sizeof(req));
				req.type = types[t];
				req.style = styles[i];
				req.lang = shipped[l].lang;
				req.token = TOKEN;
				buf_reset(&out);
				assert_int_equal(widget_render(fx->cf,
				    fx->tpl, &req, true, &out, &err), 0);
				assert_null(strstr(buf_cstr(&out), "<!--"));
				assert_null(strstr(buf_cstr(&out), "-->"));
				cells = 0;
				p = buf_cstr(&out);
				while ((p = strstr(p, "<td align=\"center\""))
				    != NULL) {
					end = strstr(p, "</td>");
					assert_non_null(end);
					p = strstr(p, " height=\"44\" "
					    "bgcolor=\"#");
					assert_true(p != NULL && p < end);
					p = strstr(p, "<a ");
					assert_true(p != NULL && p < end);
					p = strstr(p, "mso-line-height-rule:"
					    "exactly;line-height:");
					assert_true(p != NULL && p < end);
					cells++;
					p = end;
				}
				assert_int_equal(cells,
				    nps_score_max(types[t]) -
				    nps_score_min(types[t]) + 1);
			}
	buf_free(&out);
}

/* Screen readers hear "9 out of 10" in the survey's language, the ends
 * with their label; the star glyph is hidden from them. */
static void
test_each_link_has_a_name(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *lang, *nine, *zero, *ten;
	} names[] = {
		{ "en", "9 out of 10", "0 out of 10, Not at all likely",
		    "10 out of 10, Extremely likely" },
		{ "fr", "9 sur 10", "0 sur 10, Pas du tout probable",
		    "10 sur 10, Très probable" },
		{ "de", "9 von 10", "0 von 10, ", "10 von 10, " },
		{ "es", "9 de 10", "0 de 10, ", "10 de 10, " },
		{ "it", "9 su 10", "0 su 10, ", "10 su 10, " },
		{ "nl", "9 van 10", "0 van 10, ", "10 van 10, " },
		{ "pt", "9 de 10", "0 de 10, ", "10 de 10, " },
	};
	struct buf out = BUF_INIT, want = BUF_INIT;
	const char *p;
	size_t i;
	int links, stars;

	assert_int_equal(sizeof(names) / sizeof(names[0]), LANG_COUNT);
	for (i = 0; i < LANG_COUNT; i++) {
		render(fx, names[i].lang, true, &out);
		buf_reset(&want);
		buf_printf(&want, "aria-label=\"%s\"", names[i].nine);
		if (strstr(buf_cstr(&out), buf_cstr(&want)) == NULL)
			fail_msg("%s: no %s", names[i].lang, buf_cstr(&want));
		buf_reset(&want);
		buf_printf(&want, "aria-label=\"%s", names[i].zero);
		if (strstr(buf_cstr(&out), buf_cstr(&want)) == NULL)
			fail_msg("%s: no %s", names[i].lang, buf_cstr(&want));
		buf_reset(&want);
		buf_printf(&want, "aria-label=\"%s", names[i].ten);
		if (strstr(buf_cstr(&out), buf_cstr(&want)) == NULL)
			fail_msg("%s: no %s", names[i].lang, buf_cstr(&want));
		links = stars = 0;
		for (p = buf_cstr(&out); (p = strstr(p, "<a href=\"mailto:"));
		    p++) {
			links++;
			assert_non_null(strstr(p, "\" aria-label=\""));
			assert_true(strstr(p, "\" aria-label=\"") <
			    strchr(p, '>'));
		}
		/* every span (a star each) is hidden */
		for (p = buf_cstr(&out); (p = strstr(p, "<span")); p++) {
			stars++;
			assert_memory_equal(p, "<span aria-hidden=\"true\" ",
			    25);
			assert_non_null(strstr(p, ">\xe2\x98\x85</span>"));
		}
		assert_int_equal(links, 11);
		assert_int_equal(stars, 11);
	}
	buf_free(&out);
	buf_free(&want);
}

/* French puts a space before ? ! : ; and it must never break there: in
 * the French widget, HTML and text, that space is a no-break one
 * (U+00A0), so a lone "?" never starts a line. */
static void
test_french_punctuation_never_wraps_alone(void **state)
{
	struct fixture *fx = *state;
	static const enum survey_type types[] = { SURVEY_NPS, SURVEY_CSAT,
	    SURVEY_CES };
	struct widget_request req;
	struct npserr err;
	struct buf out = BUF_INIT;
	const char *p;
	size_t t;
	int html, nbsp;

	free(fx->cf->privacy_url);
	fx->cf->privacy_url = strdup("https://helpdesk.example/privacy");
	for (t = 0; t < 3; t++)
		for (html = 0; html < 2; html++) {
			memset(&req, 0, sizeof(req));
			req.type = types[t];
			req.style = STYLE_GRADIENT;
			req.lang = "fr";
			req.token = TOKEN;
			buf_reset(&out);
			assert_int_equal(widget_render(fx->cf, fx->tpl, &req,
			    html, &out, &err), 0);
			nbsp = 0;
			for (p = buf_cstr(&out); *p; p++) {
				if (strchr("?!:;", p[1]) == NULL || p[1] == 0)
					continue;
				if (p[0] == ' ' || p[0] == '\n')
					fail_msg("type %zu %s: breakable space "
					    "before '%c': ...%.40s", t,
					    html ? "html" : "text", p[1],
					    p > buf_cstr(&out) + 30 ? p - 30 :
					    buf_cstr(&out));
				if (p > buf_cstr(&out) &&
				    (unsigned char)p[-1] == 0xc2 &&
				    (unsigned char)p[0] == 0xa0)
					nbsp++;
			}
			/* the question's "?" at least, and ":" after */
			assert_true(nbsp >= 2);
		}
	buf_free(&out);
}

/* A texts.ini copied before html.score_name existed still loads; its
 * links are named "9/10". */
static void
test_texts_without_score_name_still_load(void **state)
{
	struct fixture *fx = *state;
	char *dir = testlib_dir_make("wname"), path[512], *text, *line, *nl;
	struct widget_templates *tpl;
	struct widget_request req;
	struct npserr err;
	struct buf out = BUF_INIT;
	size_t n;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/templates/en/texts.ini",
	    TEST_SRCDIR);
	text = testlib_file_read(path, &n);
	assert_non_null(text);
	line = strstr(text, "\nhtml.score_name =");
	assert_non_null(line);
	nl = strchr(line + 1, '\n');
	assert_non_null(nl);
	memmove(line, nl, n - (size_t)(nl - text) + 1);
	n -= (size_t)(nl - line);
	snprintf(path, sizeof(path), "%s/en", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/en/texts.ini", dir);
	assert_int_equal(testlib_file_write(path, text, n, 0644), 0);
	free(text);
	tpl = widget_templates_load(dir, &err);
	if (tpl == NULL)
		fail_msg("%s", err.msg);
	memset(&req, 0, sizeof(req));
	req.type = SURVEY_NPS;
	req.style = STYLE_STARS;
	req.lang = "en";
	req.token = TOKEN;
	assert_int_equal(widget_render(fx->cf, tpl, &req, true, &out, &err),
	    0);
	assert_non_null(strstr(buf_cstr(&out), "aria-label=\"9/10\""));
	assert_non_null(strstr(buf_cstr(&out),
	    "aria-label=\"0/10, Not at all likely\""));
	buf_free(&out);
	widget_templates_free(tpl);
	testlib_dir_remove(dir);
}

/* Renders type in style (English) into out, with the fixture's config. */
static void
render_style(const struct fixture *fx, enum survey_type type,
    enum widget_style style, struct buf *out)
{
	struct widget_request req;
	struct npserr err;

	memset(&req, 0, sizeof(req));
	req.type = type;
	req.style = style;
	req.lang = "en";
	req.token = TOKEN;
	buf_reset(out);
	assert_int_equal(widget_render(fx->cf, fx->tpl, &req, true, out,
	    &err), 0);
}

/* How many times needle is in hay. */
static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* The default style: plain numbered cells, neither stars nor images. */
static void
test_numbers_are_the_default_style(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	assert_int_equal(fx->cf->style, STYLE_NUMBERS);
	render_style(fx, SURVEY_NPS, fx->cf->style, &out);
	assert_null(strstr(buf_cstr(&out), "\xe2\x98\x85"));
	assert_null(strstr(buf_cstr(&out), "<img"));
	assert_null(strstr(buf_cstr(&out), "<br>7"));
	assert_non_null(strstr(buf_cstr(&out), "line-height:44px;"
	    "font-weight:bold;\">7</a></td>"));
	buf_free(&out);
}

/* CSAT's stars fill up to the score, hidden from screen readers, and the
 * number stays under them; the longer scales keep one star a cell. */
static void
test_csat_stars_fill_up_to_the_score(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	render_style(fx, SURVEY_CSAT, STYLE_STARS, &out);
	assert_non_null(strstr(buf_cstr(&out), "font-size:10px;\">"
	    "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x86\xe2\x98\x86"
	    "</span><br>3</a>"));
	assert_non_null(strstr(buf_cstr(&out), "font-size:10px;\">"
	    "\xe2\x98\x85\xe2\x98\x86\xe2\x98\x86\xe2\x98\x86\xe2\x98\x86"
	    "</span><br>1</a>"));
	assert_int_equal(count_of(buf_cstr(&out), "\xe2\x98\x85"), 15);
	assert_int_equal(count_of(buf_cstr(&out), "<span aria-hidden=\"true\""),
	    5);
	render_style(fx, SURVEY_NPS, STYLE_STARS, &out);
	assert_int_equal(count_of(buf_cstr(&out), "\xe2\x98\x85"), 11);
	assert_null(strstr(buf_cstr(&out), "\xe2\x98\x86"));
	buf_free(&out);
}

/* icon_url picks the image by type, score and top of the scale; the
 * number stays visible and the image says nothing more to a reader. */
static void
test_icons_take_type_score_and_max(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	free(fx->cf->icon_url);
	fx->cf->icon_url = strdup("https://cdn.example/{type}/{score}-{max}"
	    ".png");
	assert_non_null(fx->cf->icon_url);
	render_style(fx, SURVEY_CSAT, STYLE_ICONS, &out);
	assert_non_null(strstr(buf_cstr(&out), "<img src=\"https://"
	    "cdn.example/csat/4-5.png\" alt=\"\""));
	assert_non_null(strstr(buf_cstr(&out), "\"><br>4</a>"));
	assert_int_equal(count_of(buf_cstr(&out), "<img"), 5);
	render_style(fx, SURVEY_CES, STYLE_ICONS, &out);
	assert_non_null(strstr(buf_cstr(&out), "cdn.example/ces/7-7.png"));
	render_style(fx, SURVEY_NPS, STYLE_ICONS, &out);
	assert_non_null(strstr(buf_cstr(&out), "cdn.example/nps/0-10.png"));
	buf_free(&out);
}

/* By default only the score cells have colours: the mail's background
 * and text colour show around them. A configured background is painted,
 * with texts readable on it. */
static void
test_background_is_transparent_unless_set(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	render_style(fx, SURVEY_NPS, STYLE_NUMBERS, &out);
	assert_int_equal(count_of(buf_cstr(&out), "bgcolor="), 11);
	assert_int_equal(count_of(buf_cstr(&out), "background-color:"), 22);
	assert_null(strstr(buf_cstr(&out), "color:#1f1f1f;font-family"));
	free(fx->cf->background);
	fx->cf->background = strdup("#202124");
	assert_non_null(fx->cf->background);
	render_style(fx, SURVEY_NPS, STYLE_NUMBERS, &out);
	/* the table, the question, two labels, the hint, the note */
	assert_int_equal(count_of(buf_cstr(&out), "bgcolor=\"#202124\""), 6);
	/* #1f1f1f would be 1.1:1 on it: white instead */
	assert_non_null(strstr(buf_cstr(&out), "background-color:#202124;"
	    "color:#ffffff;font-family"));
	assert_null(strstr(buf_cstr(&out), "color:#1f1f1f;font-family"));
	free(fx->cf->background);
	fx->cf->background = strdup("#fdf6e3");
	assert_non_null(fx->cf->background);
	render_style(fx, SURVEY_NPS, STYLE_NUMBERS, &out);
	assert_non_null(strstr(buf_cstr(&out), "background-color:#fdf6e3;"
	    "color:#1f1f1f;font-family"));
	buf_free(&out);
}

/* align = center centres the table (attribute and margins) and its
 * texts; the default leaves both to the left. */
static void
test_align_center_centres_the_widget(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	render_style(fx, SURVEY_NPS, STYLE_NUMBERS, &out);
	assert_null(strstr(buf_cstr(&out), "margin:8px auto"));
	assert_null(strstr(buf_cstr(&out), "<td align=\"center\" style="));
	fx->cf->align = ALIGN_CENTER;
	render_style(fx, SURVEY_NPS, STYLE_NUMBERS, &out);
	assert_non_null(strstr(buf_cstr(&out), "<table role=\"presentation\" "
	    "cellpadding=\"0\" cellspacing=\"0\" border=\"0\" width=\"100%\" "
	    "align=\"center\" style=\"width:100%;max-width:574px;"
	    "margin:8px auto;"));
	/* the question, the hint and the note */
	assert_int_equal(count_of(buf_cstr(&out), "<td align=\"center\" "
	    "style="), 3);
	buf_free(&out);
}

/* info_message.LANG speaks for its language, before info_message. */
static void
test_info_message_of_each_language(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	fx->cf->info_message = strdup("Pour tous.");
	fx->cf->info_messages[1] = strdup("For English readers.");
	assert_non_null(fx->cf->info_message);
	assert_non_null(fx->cf->info_messages[1]);
	render(fx, "en", true, &out);
	assert_non_null(strstr(buf_cstr(&out), "For English readers."));
	assert_null(strstr(buf_cstr(&out), "Pour tous."));
	render(fx, "en-GB", false, &out);
	assert_non_null(strstr(buf_cstr(&out), "For English readers."));
	render(fx, "fr", true, &out);
	assert_non_null(strstr(buf_cstr(&out), "Pour tous."));
	assert_null(strstr(buf_cstr(&out), "For English readers."));
	/* a language without templates has the default language's */
	render(fx, "sv", true, &out);
	assert_non_null(strstr(buf_cstr(&out), "Pour tous."));
	buf_free(&out);
}

/* subject_prefix.LANG heads the pre-filled subject of its language,
 * before subject_prefix and the templates' word. */
static void
test_subject_prefix_of_each_language(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	fx->cf->subject_prefix = strdup("Avis");
	fx->cf->subject_prefixes[1] = strdup("Rating");
	assert_non_null(fx->cf->subject_prefix);
	assert_non_null(fx->cf->subject_prefixes[1]);
	render(fx, "en", true, &out);
	assert_non_null(strstr(buf_cstr(&out), "subject=Rating%3A%209%2F10"));
	assert_null(strstr(buf_cstr(&out), "subject=Avis"));
	render(fx, "de", true, &out);
	assert_non_null(strstr(buf_cstr(&out), "subject=Avis%3A%209%2F10"));
	buf_free(&out);
}

/* The hint names no gesture (click, tap): it reads the same on a phone. */
static void
test_hint_names_no_gesture(void **state)
{
	static const char *const gestures[] = {
		"Click", "Tap", "Cliquez", "Touchez", "Klicken", "clic",
		"Clicchi", "Klik", "Clique", "Toque"
	};
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;
	size_t i, g;

	for (i = 0; i < LANG_COUNT; i++) {
		render(fx, shipped[i].lang, true, &out);
		for (g = 0; g < sizeof(gestures) / sizeof(gestures[0]); g++)
			if (strstr(buf_cstr(&out), gestures[g]) != NULL)
				fail_msg("%s: the widget says \"%s\"",
				    shipped[i].lang, gestures[g]);
	}
	buf_free(&out);
}

/* The default gradient takes white digits on every cell, at 4.5:1 or
 * more: a forced dark mode that lightens dark text on a background it
 * keeps would make black digits unreadable, and leaves white ones be. */
static void
test_default_gradient_has_white_digits(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT;

	render_style(fx, SURVEY_NPS, STYLE_GRADIENT, &out);
	assert_int_equal(count_of(buf_cstr(&out), "<a href="), 11);
	assert_int_equal(count_of(buf_cstr(&out), "\" style=\"display:block;"
	    "color:#ffffff;"), 11);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_each_language_renders_its_own_widget, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_mailto_lists_hold_every_language, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lang_tags_and_fallback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_language_without_its_folder_falls_back, setup,
		    teardown),
		cmocka_unit_test(test_contrast_ratio_is_the_wcag_formula),
		cmocka_unit_test(test_text_colour_always_reaches_aa),
		cmocka_unit_test_setup_teardown(test_gradient_digits_reach_aa,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_cells_keep_their_size_in_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_link_has_a_name,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_texts_without_score_name_still_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_french_punctuation_never_wraps_alone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_numbers_are_the_default_style, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_csat_stars_fill_up_to_the_score, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_icons_take_type_score_and_max, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_background_is_transparent_unless_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_align_center_centres_the_widget, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_info_message_of_each_language, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hint_names_no_gesture,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_subject_prefix_of_each_language, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_default_gradient_has_white_digits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
