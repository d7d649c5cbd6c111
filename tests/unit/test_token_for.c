/*
 * test_token_for.c - token_issue_for: a new token for an existing survey.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "survey/token.h"

#define NOW ((time_t)1790000000)	/* 2026-09-21 */

static const unsigned char secret_a[TOKEN_SECRET_LEN] =
    "0123456789abcdef0123456789abcde";
static const unsigned char secret_b[TOKEN_SECRET_LEN] =
    "ZYXWVUTSRQPONMLKJIHGFEDCBA98765";

static void
test_issue_for_keeps_the_survey_id_and_verifies(void **state)
{
	struct keyring *ring = keyring_new_single(7, secret_a);
	char first[TOKEN_LEN + 1], again[TOKEN_LEN + 1];
	struct token t1, t2, v;

	(void)state;
	assert_int_equal(token_issue(ring, SURVEY_CSAT, NOW, &t1, first,
	    sizeof(first)), 0);
	assert_int_equal(token_issue_for(ring, SURVEY_CSAT, t1.survey_id,
	    NOW + 3600, &t2, again, sizeof(again)), 0);
	assert_string_equal(t2.survey_id, t1.survey_id);
	assert_int_equal(t2.type, SURVEY_CSAT);
	assert_int_equal(t2.issued, NOW + 3600);
	assert_int_equal(t2.key_id, 7);
	assert_int_equal(strlen(again), TOKEN_LEN);
	assert_string_not_equal(again, first);
	assert_int_equal(token_verify(ring, again, TOKEN_LEN, NOW + 3600, 0,
	    &v), TOKEN_OK);
	assert_string_equal(v.survey_id, t1.survey_id);
	assert_int_equal(v.issued, NOW + 3600);
	keyring_free(ring);
}

static void
test_issue_for_accepts_uppercase_id_and_gives_it_lowercase(void **state)
{
	struct keyring *ring = keyring_new_single(1, secret_a);
	char tok[TOKEN_LEN + 1];
	struct token t;

	(void)state;
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "ABCDEFGHIJ234567",
	    NOW, &t, tok, sizeof(tok)), 0);
	assert_string_equal(t.survey_id, "abcdefghij234567");
	assert_int_equal(token_verify(ring, tok, TOKEN_LEN, NOW, 0, &t),
	    TOKEN_OK);
	assert_string_equal(t.survey_id, "abcdefghij234567");
	keyring_free(ring);
}

static void
test_issue_for_refuses_bad_survey_ids(void **state)
{
	struct keyring *ring = keyring_new_single(1, secret_a);
	char tok[TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, NULL, NOW, NULL,
	    tok, sizeof(tok)), -1);
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "", NOW, NULL,
	    tok, sizeof(tok)), -1);
	/* 15 and 17 characters, and a character outside base32 ('1'). */
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "abcdefghij23456",
	    NOW, NULL, tok, sizeof(tok)), -1);
	assert_int_equal(token_issue_for(ring, SURVEY_NPS,
	    "abcdefghij2345677", NOW, NULL, tok, sizeof(tok)), -1);
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "abcdefghij234561",
	    NOW, NULL, tok, sizeof(tok)), -1);
	/* Bad type, time and buffer, as token_issue refuses them. */
	assert_int_equal(token_issue_for(ring, (enum survey_type)3,
	    "abcdefghij234567", NOW, NULL, tok, sizeof(tok)), -1);
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "abcdefghij234567",
	    -1, NULL, tok, sizeof(tok)), -1);
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "abcdefghij234567",
	    NOW, NULL, tok, TOKEN_LEN), -1);
	keyring_free(ring);
}

static void
test_issue_for_is_refused_by_another_key(void **state)
{
	struct keyring *ring = keyring_new_single(1, secret_a);
	struct keyring *other = keyring_new_single(1, secret_b);
	char tok[TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(token_issue_for(ring, SURVEY_NPS, "abcdefghij234567",
	    NOW, NULL, tok, sizeof(tok)), 0);
	assert_int_equal(token_verify(other, tok, TOKEN_LEN, NOW, 0, NULL),
	    TOKEN_FORGED);
	keyring_free(ring);
	keyring_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_issue_for_keeps_the_survey_id_and_verifies),
		cmocka_unit_test(
		    test_issue_for_accepts_uppercase_id_and_gives_it_lowercase),
		cmocka_unit_test(test_issue_for_refuses_bad_survey_ids),
		cmocka_unit_test(test_issue_for_is_refused_by_another_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
