/*
 * test_utf8.c - UTF-8 sequences checked the one way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/utf8.h"

static void
test_seq_reads_each_length(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_seq("a", 1, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(utf8_seq("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_seq("\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_seq("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_seq("\xc3\xa9", 2, NULL), 2);
}

static void
test_seq_refuses_bad_forms(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq("", 0, NULL), 0);
	assert_int_equal(utf8_seq("\xc0\xaf", 2, NULL), 0);	/* overlong */
	assert_int_equal(utf8_seq("\xe0\x80\xaf", 3, NULL), 0);
	assert_int_equal(utf8_seq("\xf0\x80\x80\xaf", 4, NULL), 0);
	assert_int_equal(utf8_seq("\xed\xa0\x80", 3, NULL), 0); /* surrogate */
	assert_int_equal(utf8_seq("\xf4\x90\x80\x80", 4, NULL), 0);
	assert_int_equal(utf8_seq("\x80", 1, NULL), 0);	/* lone tail */
	assert_int_equal(utf8_seq("\xe2\x82", 2, NULL), 0);	/* cut short */
	/* Never reads past n, even when the bytes beyond would complete it. */
	assert_int_equal(utf8_seq("\xe2\x82\xac", 2, NULL), 0);
}

static void
test_valid_and_count_agree(void **state)
{
	const char *ok = "Tr\xc3\xa8s bien, merci \xe2\x82\xac 0123456789";
	size_t n = 0;

	(void)state;
	assert_true(utf8_valid(ok, strlen(ok)));
	assert_int_equal(utf8_count(ok, strlen(ok), &n), 0);
	assert_int_equal(n, strlen(ok) - 3);
	assert_false(utf8_valid("abcdefghij\xff", 11));
	assert_int_equal(utf8_count("ab\xffz", 4, &n), -1);
	assert_int_equal(n, 2);
	assert_true(utf8_valid("", 0));
}

static void
test_encode_round_trips(void **state)
{
	static const uint32_t cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd,
	    0xffff, 0x10000, 0x10ffff };
	char u[4];
	uint32_t back;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		len = utf8_encode(cps[i], u);
		assert_true(len > 0);
		assert_int_equal(utf8_seq(u, len, &back), len);
		assert_int_equal(back, cps[i]);
	}
	assert_int_equal(utf8_encode(0xd800, u), 0);
	assert_int_equal(utf8_encode(0x110000, u), 0);
}

static void
test_put_replaces_invalid_code_point(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	utf8_put(&b, 0xe9);
	utf8_put(&b, 0xdc00);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "\xc3\xa9\xef\xbf\xbd", 5);
	buf_free(&b);
}

static void
test_floor_never_cuts_a_sequence(void **state)
{
	const char *s = "a\xe2\x82\xac" "b";

	(void)state;
	assert_int_equal(utf8_floor(s, 5, 0), 0);
	assert_int_equal(utf8_floor(s, 5, 1), 1);
	assert_int_equal(utf8_floor(s, 5, 2), 1);
	assert_int_equal(utf8_floor(s, 5, 3), 1);
	assert_int_equal(utf8_floor(s, 5, 4), 4);
	assert_int_equal(utf8_floor(s, 5, 9), 5);
}

#define FFFD "\xef\xbf\xbd"

/* inert - utf8_put_inert on s[0..n) into a fresh string; test frees. */
static char *
inert(const char *s, size_t n, const char *keep)
{
	struct buf b = BUF_INIT;

	utf8_put_inert(&b, s, n, keep);
	return buf_steal(&b);
}

static void
test_inert_replaces_c0_c1_and_del(void **state)
{
	/* ESC ] title BEL, CSI as a C1 in UTF-8 (C2 9B), NEL, DEL, NUL. */
	static const char in[] = "a\x1b]0;x\x07" "b\xc2\x9b" "31m\xc2\x85"
	    "c\x7f" "d\0e";
	char *out = inert(in, sizeof(in) - 1, "");

	(void)state;
	assert_string_equal(out, "a" FFFD "]0;x" FFFD "b" FFFD "31m" FFFD
	    "c" FFFD "d" FFFD "e");
	free(out);
}

static void
test_inert_replaces_bidi_controls_and_separators(void **state)
{
	static const char *const bidi[] = {
		"\xd8\x9c",					/* U+061C */
		"\xe2\x80\x8e", "\xe2\x80\x8f",		/* U+200E, F */
		"\xe2\x80\xa8", "\xe2\x80\xa9",		/* U+2028, 9 */
		"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
		"\xe2\x80\xad", "\xe2\x80\xae",		/* U+202A-E */
		"\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8",
		"\xe2\x81\xa9",				/* U+2066-9 */
	};
	size_t i;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
		out = inert(bidi[i], strlen(bidi[i]), "\n");
		assert_string_equal(out, FFFD);
		free(out);
	}
}

static void
test_inert_keeps_text_and_the_controls_asked(void **state)
{
	/* Accents, a ZWJ (U+200D), U+202F and an emoji are text; the
	 * replacement character itself too. */
	static const char text[] = "h\xc3\xa9llo \xe2\x80\x8d\xe2\x80\xaf"
	    "\xf0\x9f\x98\x80 " FFFD;
	char *out;

	(void)state;
	out = inert(text, sizeof(text) - 1, NULL);
	assert_string_equal(out, text);
	free(out);
	out = inert("a\tb\r\nc\n", 7, "\t\r\n");
	assert_string_equal(out, "a\tb\r\nc\n");
	free(out);
	out = inert("a\tb\r\nc\n", 7, "\n");
	assert_string_equal(out, "a" FFFD "b" FFFD "\nc\n");
	free(out);
}

static void
test_inert_replaces_each_bad_byte(void **state)
{
	/* A lone C1 byte (CSI in an 8-bit terminal), a cut sequence, an
	 * overlong NUL, a surrogate: one U+FFFD per byte that starts none. */
	static const char in[] = "a\x9b" "b\xe2\x80" "c\xc0\x80" "d"
	    "\xed\xa0\x80";
	char *out = inert(in, sizeof(in) - 1, "");

	(void)state;
	assert_string_equal(out, "a" FFFD "b" FFFD FFFD "c" FFFD FFFD "d"
	    FFFD FFFD FFFD);
	free(out);
	out = inert("", 0, "");
	assert_string_equal(out, "");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_reads_each_length),
		cmocka_unit_test(test_seq_refuses_bad_forms),
		cmocka_unit_test(test_valid_and_count_agree),
		cmocka_unit_test(test_encode_round_trips),
		cmocka_unit_test(test_put_replaces_invalid_code_point),
		cmocka_unit_test(test_floor_never_cuts_a_sequence),
		cmocka_unit_test(test_inert_replaces_c0_c1_and_del),
		cmocka_unit_test(test_inert_replaces_bidi_controls_and_separators),
		cmocka_unit_test(test_inert_keeps_text_and_the_controls_asked),
		cmocka_unit_test(test_inert_replaces_each_bad_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
