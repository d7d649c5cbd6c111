/*
 * test_csv.c - CSV cells: RFC 4180 quoting, formula escaping, numbers,
 * the byte order mark; and the JSON writer and reader the exports use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/json.h"

static void
test_csv_plain_cells_are_bare_and_rows_end_crlf(void **state)
{
	struct buf b = BUF_INIT;
	struct csv c = CSV_INIT(&b);

	(void)state;
	csv_cell_cstr(&c, "alice");
	csv_cell_int(&c, 42);
	csv_cell_double(&c, 33.333, 1);
	csv_cell_cstr(&c, NULL);
	csv_row_end(&c);
	csv_cell_cstr(&c, "x");
	csv_row_end(&c);
	assert_string_equal(buf_cstr(&b), "alice,42,33.3,\r\nx\r\n");
	buf_free(&b);
}

static void
test_csv_quotes_commas_quotes_and_newlines(void **state)
{
	struct buf b = BUF_INIT;
	struct csv c = CSV_INIT(&b);

	(void)state;
	csv_cell_cstr(&c, "a,b");
	csv_cell_cstr(&c, "say \"hi\"");
	csv_cell_cstr(&c, "line1\nline2");
	csv_cell_cstr(&c, "cr\rhere");
	csv_row_end(&c);
	assert_string_equal(buf_cstr(&b),
	    "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\rhere\"\r\n");
	buf_free(&b);
}

static void
test_csv_escapes_formula_starts(void **state)
{
	static const char *const in[] = {
		"=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"
	};
	static const char *const out[] = {
		"'=SUM(A1)", "'+1", "'-2", "'@cmd", "'\tx", "\"'\rx\""
	};
	struct buf b = BUF_INIT;
	struct csv c = CSV_INIT(&b);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		buf_reset(&b);
		c.cells = 0;
		csv_cell_cstr(&c, in[i]);
		assert_string_equal(buf_cstr(&b), out[i]);
	}
	/* Quoted and escaped at once: the apostrophe goes inside. */
	buf_reset(&b);
	c.cells = 0;
	csv_cell_cstr(&c, "=HYPERLINK(\"x\",\"y\")");
	assert_string_equal(buf_cstr(&b),
	    "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
	buf_free(&b);
}

static void
test_csv_cells_cannot_drive_a_terminal(void **state)
{
	struct buf b = BUF_INIT;
	struct csv c = CSV_INIT(&b);

	(void)state;
	/* ESC [ 2 J, BEL, a C1 CSI, a right-to-left override, a raw byte;
	 * TAB, CR and LF stay the cell's own. */
	csv_cell_cstr(&c, "a\x1b[2Jb\x07");
	csv_cell_cstr(&c, "x\xc2\x9b" "31m\xe2\x80\xae" "txt.exe\x9b");
	csv_cell_cstr(&c, "t\tu\r\nv");
	csv_row_end(&c);
	assert_string_equal(buf_cstr(&b),
	    "a\xef\xbf\xbd[2Jb\xef\xbf\xbd,"
	    "x\xef\xbf\xbd" "31m\xef\xbf\xbdtxt.exe\xef\xbf\xbd,"
	    "\"t\tu\r\nv\"\r\n");
	/* A control before a formula: the cell no longer starts one. */
	buf_reset(&b);
	c.cells = 0;
	csv_cell_cstr(&c, "\x1b=cmd");
	assert_string_equal(buf_cstr(&b), "\xef\xbf\xbd=cmd");
	buf_free(&b);
}

static void
test_csv_numbers_are_never_escaped(void **state)
{
	struct buf b = BUF_INIT;
	struct csv c = CSV_INIT(&b);

	(void)state;
	csv_cell_double(&c, -45.46, 1);
	csv_cell_int(&c, -3);
	csv_cell_double(&c, -0.04, 1);
	assert_string_equal(buf_cstr(&b), "-45.5,-3,0.0");
	buf_free(&b);
}

static void
test_csv_bom_is_the_utf8_mark(void **state)
{
	struct buf b = BUF_INIT;
	struct csv c = CSV_INIT(&b);

	(void)state;
	csv_bom(&c);
	csv_cell_cstr(&c, "h\xc3\xa9");
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "\xef\xbb\xbfh\xc3\xa9", 6);
	buf_free(&b);
}

static void
test_json_string_escapes_and_repairs_utf8(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	json_append_string(&b, "a\"b\\c\n\x01\0z", 9);
	assert_string_equal(buf_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001\\u0000z\"");
	buf_reset(&b);
	/* A lone continuation byte and a truncated sequence. */
	json_append_string(&b, "x\x80y\xc3", 4);
	assert_string_equal(buf_cstr(&b), "\"x\xef\xbf\xbdy\xef\xbf\xbd\"");
	buf_reset(&b);
	json_append_cstr(&b, NULL);
	assert_string_equal(buf_cstr(&b), "null");
	buf_reset(&b);
	json_append_string(&b, "\xe2\x80\xa8", 3);
	assert_string_equal(buf_cstr(&b), "\"\\u2028\"");
	buf_free(&b);
}

static void
test_json_escapes_what_would_act_on_a_terminal(void **state)
{
	/* DEL, a C1 CSI, a right-to-left override, an isolate: escaped,
	 * and read back as they were. */
	static const char in[] = "a\x7f" "b\xc2\x9b" "c\xe2\x80\xae"
	    "d\xe2\x81\xa6" "e\xc3\xa9";
	struct buf b = BUF_INIT;
	struct json_object o;
	struct npserr err;
	int n = 0;

	(void)state;
	json_append_string(&b, in, sizeof(in) - 1);
	assert_string_equal(buf_cstr(&b),
	    "\"a\\u007fb\\u009bc\\u202ed\\u2066e\xc3\xa9\"");
	buf_reset(&b);
	buf_putc(&b, '{');
	json_member_strn(&b, &n, "t", in, sizeof(in) - 1);
	buf_putc(&b, '}');
	assert_int_equal(json_parse_object(b.data, b.len, &o, &err), 0);
	assert_int_equal(json_object_get(&o, "t")->len, sizeof(in) - 1);
	assert_memory_equal(json_object_get(&o, "t")->s, in, sizeof(in) - 1);
	json_object_clear(&o);
	buf_free(&b);
}

static void
test_json_members_and_numbers(void **state)
{
	struct buf b = BUF_INIT;
	int n = 0;

	(void)state;
	buf_putc(&b, '{');
	json_member_str(&b, &n, "a", "x");
	json_member_int(&b, &n, "n", -7);
	json_member_double(&b, &n, "d", 12.345, 2);
	json_member_bool(&b, &n, "t", true);
	json_member_null(&b, &n, "z");
	json_member_double(&b, &n, "inf", 1.0 / 0.0, 1);
	buf_putc(&b, '}');
	assert_string_equal(buf_cstr(&b), "{\"a\":\"x\",\"n\":-7,\"d\":12.35,"
	    "\"t\":true,\"z\":null,\"inf\":null}");
	buf_free(&b);
}

static void
test_json_reader_round_trips_the_writer(void **state)
{
	struct buf b = BUF_INIT;
	struct json_object o;
	const struct json_value *v;
	struct npserr err;
	int n = 0;

	(void)state;
	buf_putc(&b, '{');
	json_member_str(&b, &n, "table", "surveys");
	json_member_strn(&b, &n, "text", "nul\0\"q\" \xc3\xa9\n", 11);
	json_member_int(&b, &n, "big", INT64_C(9007199254740993));
	json_member_null(&b, &n, "none");
	buf_puts(&b, ",\"real\":1.5e2,\"emoji\":\"\\ud83d\\ude00\"}");
	assert_int_equal(json_parse_object(b.data, b.len, &o, &err), 0);
	v = json_object_get(&o, "text");
	assert_non_null(v);
	assert_int_equal(v->kind, JSON_STRING);
	assert_int_equal(v->len, 11);
	assert_memory_equal(v->s, "nul\0\"q\" \xc3\xa9\n", 11);
	v = json_object_get(&o, "big");
	assert_int_equal(v->kind, JSON_INT);
	assert_true(v->i == INT64_C(9007199254740993));
	assert_int_equal(json_object_get(&o, "none")->kind, JSON_NULL);
	v = json_object_get(&o, "real");
	assert_int_equal(v->kind, JSON_REAL);
	assert_true(v->d == 150.0);
	assert_string_equal(json_object_get(&o, "emoji")->s,
	    "\xf0\x9f\x98\x80");
	assert_null(json_object_get(&o, "missing"));
	json_object_clear(&o);
	buf_free(&b);
}

static void
test_json_reader_refuses_bad_input(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"a\":[1]}", "{\"a\":{}}", "{\"a\":1,}",
		"{\"a\" 1}",
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\x80\"}", "{\"a\":01}",
		"{\"a\":1} x", "{\"a\":\"unterminated}", "{a:1}", "{\"a\":tru}",
		"{\"a\":\"\x01\"}"
	};
	struct json_object o;
	struct npserr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(json_parse_object(bad[i], strlen(bad[i]), &o,
		    &err), -1);
		assert_int_equal(o.n, 0);
		assert_true(strncmp(err.msg, "offset ", 7) == 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_csv_plain_cells_are_bare_and_rows_end_crlf),
		cmocka_unit_test(test_csv_quotes_commas_quotes_and_newlines),
		cmocka_unit_test(test_csv_escapes_formula_starts),
		cmocka_unit_test(test_csv_cells_cannot_drive_a_terminal),
		cmocka_unit_test(test_csv_numbers_are_never_escaped),
		cmocka_unit_test(test_csv_bom_is_the_utf8_mark),
		cmocka_unit_test(test_json_string_escapes_and_repairs_utf8),
		cmocka_unit_test(test_json_escapes_what_would_act_on_a_terminal),
		cmocka_unit_test(test_json_members_and_numbers),
		cmocka_unit_test(test_json_reader_round_trips_the_writer),
		cmocka_unit_test(test_json_reader_refuses_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
