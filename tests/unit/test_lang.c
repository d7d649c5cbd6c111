/*
 * test_lang.c - which language a tag names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/lang.h"

static void
test_is_compares_the_primary_subtag(void **state)
{
	(void)state;
	assert_true(lang_is("fr", "fr"));
	assert_true(lang_is("FR", "fr"));
	assert_true(lang_is("fr-FR", "fr"));
	assert_true(lang_is("fr_CA", "fr"));
	assert_true(lang_is("fra", "fr"));
	assert_true(lang_is("fre", "fr"));
	assert_false(lang_is("fri", "fr"));
	assert_false(lang_is("frx", "fr"));
	assert_false(lang_is("f", "fr"));
	assert_false(lang_is("", "fr"));
	assert_false(lang_is(NULL, "fr"));
}

static void
test_template_knows_the_seven_languages(void **state)
{
	(void)state;
	assert_string_equal(lang_template("fr-BE"), "fr");
	assert_string_equal(lang_template("en"), "en");
	assert_string_equal(lang_template("de"), "de");
	assert_string_equal(lang_template("es"), "es");
	assert_string_equal(lang_template("it"), "it");
	assert_string_equal(lang_template("nl"), "nl");
	assert_string_equal(lang_template("pt"), "pt");
	assert_null(lang_template("sv"));
	assert_null(lang_template("eo"));
	assert_null(lang_template(""));
	assert_null(lang_template(NULL));
}

/* The forms a help desk writes: region subtags with '-' or '_', any
 * case, a header value's blanks, the codes of ISO 639-2. */
static void
test_template_reads_regions_and_three_letter_codes(void **state)
{
	static const struct {
		const char *tag, *want;
	} c[] = {
		{ "de-DE", "de" }, { "de_AT", "de" }, { "DE-CH", "de" },
		{ "deu", "de" }, { "ger", "de" }, { "es-419", "es" },
		{ "es_MX", "es" }, { "spa", "es" }, { "it-IT", "it" },
		{ "ita", "it" }, { "nl-BE", "nl" }, { "nld", "nl" },
		{ "dut", "nl" }, { "pt-BR", "pt" }, { "pt_PT", "pt" },
		{ "por", "pt" }, { "fra", "fr" }, { "fre-CA", "fr" },
		{ "eng", "en" }, { " pt-br ", "pt" }, { "en-GB", "en" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *t = lang_template(c[i].tag);

		if (t == NULL || strcmp(t, c[i].want) != 0)
			fail_msg("%s: got %s, want %s", c[i].tag,
			    t ? t : "(null)", c[i].want);
	}
	/* Neither a longer subtag nor another language's code. */
	assert_null(lang_template("deut"));
	assert_null(lang_template("d"));
	assert_null(lang_template("pol"));
	assert_null(lang_template("ptBR"));
	assert_int_equal(lang_index("nl-BE"), 5);
	assert_string_equal(lang_codes[lang_index("ger")], "de");
	assert_int_equal(lang_index("zh"), -1);
}

static void
test_primary_lowers_and_refuses_junk(void **state)
{
	char *l;

	(void)state;
	l = lang_primary("  FR-fr");
	assert_string_equal(l, "fr");
	free(l);
	l = lang_primary("de_AT");
	assert_string_equal(l, "de");
	free(l);
	assert_null(lang_primary("x"));
	assert_null(lang_primary("abcdefghij"));
	assert_null(lang_primary("12"));
	assert_null(lang_primary(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_compares_the_primary_subtag),
		cmocka_unit_test(test_template_knows_the_seven_languages),
		cmocka_unit_test(
		    test_template_reads_regions_and_three_letter_codes),
		cmocka_unit_test(test_primary_lowers_and_refuses_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
