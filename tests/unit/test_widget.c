/*
 * test_widget.c - the widget in each language npsgate ships: its texts,
 * its pre-filled reply, and the language it falls back to.
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
	    "body=Ma%20note%20%3A%209%2F10", "Répondez avec une note" },
	{ "en", "recommend", "subject=Score%3A%209%2F10",
	    "body=My%20score%3A%209%2F10", "Reply with a score" },
	{ "de", "Wie wahrscheinlich", "subject=Bewertung%3A%209%2F10",
	    "body=Meine%20Bewertung%3A%209%2F10",
	    "Antworten Sie mit einer Bewertung" },
	{ "es", "recomiende", "subject=Puntuaci%C3%B3n%3A%209%2F10",
	    "body=Mi%20puntuaci%C3%B3n%3A%209%2F10",
	    "Responda con una puntuación" },
	{ "it", "consiglierebbe", "subject=Voto%3A%209%2F10",
	    "body=Il%20mio%20voto%3A%209%2F10", "Risponda con un voto" },
	{ "nl", "aanbeveelt", "subject=Cijfer%3A%209%2F10",
	    "body=Mijn%20cijfer%3A%209%2F10", "Antwoord met een cijfer" },
	{ "pt", "recomendar", "subject=Nota%3A%209%2F10",
	    "body=Minha%20nota%3A%209%2F10", "Responda com uma nota" },
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
