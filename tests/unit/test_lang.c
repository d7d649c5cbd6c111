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
	assert_false(lang_is("fra", "fr"));
	assert_false(lang_is("fri", "fr"));
	assert_false(lang_is("f", "fr"));
	assert_false(lang_is("", "fr"));
	assert_false(lang_is(NULL, "fr"));
}

static void
test_template_is_french_or_english(void **state)
{
	(void)state;
	assert_string_equal(lang_template("fr-BE"), "fr");
	assert_string_equal(lang_template("en"), "en");
	assert_string_equal(lang_template("de"), "en");
	/* A three-letter code is not French to any part of npsgate. */
	assert_string_equal(lang_template("fra"), "en");
	assert_null(lang_template(""));
	assert_null(lang_template(NULL));
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
		cmocka_unit_test(test_template_is_french_or_english),
		cmocka_unit_test(test_primary_lowers_and_refuses_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
