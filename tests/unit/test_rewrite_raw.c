/*
 * test_rewrite_raw.c - the tags rewrite_message cannot reach: removed
 * where they stand by rewrite_message_raw when their bytes allow, counted
 * as stuck when not, whatever shape the MIME has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite.h"
#include "survey/nps.h"

#define TAG "[InsertSatisfactionEvaluation]"

static struct config *cf;

static int
setup(void **state)
{
	(void)state;
	cf = config_defaults();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cf);
	return 0;
}

/*
 * Runs rewrite_message_raw on msg (len bytes) and checks the result: with
 * removed > 0, the new message is msg with every tag cut out, byte for
 * byte; stuck tags leave msg as it is.
 */
static void
check_raw(const char *msg, size_t len, int removed, int stuck)
{
	struct rewrite_result res;
	struct npserr err;
	struct buf full = BUF_INIT, want = BUF_INIT;
	const char *p = msg, *q, *end = msg + len;

	assert_int_equal(rewrite_message_raw(cf, msg, len, &res, &err), 0);
	assert_int_equal(res.tags, removed);
	assert_int_equal(res.stuck, stuck);
	assert_int_equal(res.changed, removed > 0);
	if (stuck > 0)
		assert_true(res.reason[0] != '\0');
	/* The header block as it was, then the new body (assembling would
	 * add a blank line before a body that had none). */
	buf_append(&full, msg, rewrite_body_offset(msg, len));
	if (res.changed)
		buf_append(&full, res.body.data, res.body.len);
	else
		buf_append(&full, msg + full.len, len - full.len);
	if (removed > 0 && stuck == 0) {
		while ((q = memmem(p, (size_t)(end - p), TAG,
		    sizeof(TAG) - 1)) != NULL) {
			buf_append(&want, p, (size_t)(q - p));
			p = q + sizeof(TAG) - 1;
		}
		buf_append(&want, p, (size_t)(end - p));
		assert_int_equal(full.len, want.len);
		assert_memory_equal(full.data, want.data, want.len);
	}
	if (removed == 0)
		assert_true(full.len == len &&
		    memcmp(full.data, msg, len) == 0);
	buf_free(&full);
	buf_free(&want);
	rewrite_result_clear(&res);
}

#define CHECK(m, removed, stuck) check_raw(m, sizeof(m) - 1, removed, stuck)

static void
test_unclosed_boundary_loses_its_tags_in_place(void **state)
{
	(void)state;
	/* The boundary is never closed: the parts are found by their
	 * delimiter lines, the 8bit one edited where its bytes lie. */
	CHECK("Subject: s\nContent-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: 8bit\n\n\xe9t\xe9 " TAG " fin\n"
	    "--b\nContent-Type: text/html\n\n<p>" TAG "</p>\n", 2, 0);
}

static void
test_unread_part_in_an_encoding_is_stuck(void **state)
{
	(void)state;
	/* Quoted-printable or an unknown encoding: not edited in place. */
	CHECK("Subject: s\nContent-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n=E9 " TAG "\n",
	    0, 1);
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: x-uuencode\n\n" TAG "\n", 0, 1);
	/* Its first part quoted-printable, the second 7bit: only the
	 * second's tag goes. */
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Transfer-Encoding: quoted-printable\n\n" TAG "\n"
	    "--b\nContent-Type: text/plain\n\nx " TAG " y\n", 1, 1);
}

static void
test_no_header_at_the_start_is_one_body(void **state)
{
	(void)state;
	CHECK("\nSubject: s\n\nHello " TAG " bye\n", 1, 0);
	CHECK("\xef\xbb\xbfSubject: s\r\n\r\nHello " TAG " bye\r\n", 1, 0);
	CHECK("\r\n\r\nHello " TAG " bye\r\nx " TAG "\r\n", 2, 0);
}

static void
test_signed_content_is_never_edited(void **state)
{
	(void)state;
	/* Read: the signed part is frozen, the epilogue is not. */
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=o\n\n"
	    "--o\nContent-Type: multipart/signed; boundary=s\n\n"
	    "--s\nContent-Type: text/plain\n\nHello " TAG "\n"
	    "--s\nContent-Type: application/pgp-signature\n\nsig\n--s--\n"
	    "--o--\nepilogue " TAG "\n", 1, 1);
	/* Unread (a boundary never closed): a signed multipart anywhere
	 * freezes the whole message. */
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=o\n\n"
	    "--o\nContent-Type: text/plain\n\nA " TAG "\n"
	    "--o\nContent-Type: multipart/signed; boundary=s\n\n"
	    "--s\nContent-Type: text/plain\n\nHello\n", 0, 1);
}

static void
test_no_line_becomes_a_delimiter(void **state)
{
	(void)state;
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/octet-stream\n\n"
	    "--" TAG "b\nmore\n--b--\n", 0, 1);
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/octet-stream\n\n"
	    "x\n" TAG "--b--\nmore\n--b--\n", 0, 1);
}

static void
test_a_line_that_goes_leaves_the_next_as_it_was(void **state)
{
	static const char m[] = "Subject: s\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/octet-stream\n\n"
	    "x\n" TAG "\n--c\n--b--\n";
	struct rewrite_result res;
	struct npserr err;

	(void)state;
	/* "--c" was a line before: no new line starts with "--". */
	assert_int_equal(rewrite_message_raw(cf, m, sizeof(m) - 1, &res,
	    &err), 0);
	assert_int_equal(res.tags, 1);
	assert_int_equal(res.stuck, 0);
	assert_true(res.changed);
	assert_non_null(strstr(buf_cstr(&res.body), "\n\nx\n--c\n--b--\n"));
	rewrite_result_clear(&res);
}

static void
test_tag_in_a_part_header_is_stuck(void **state)
{
	(void)state;
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\nContent-Description: " TAG "\n\n"
	    "Hello\n--b--\n", 0, 1);
}

static void
test_attachments_and_attached_mails_lose_their_tags(void **state)
{
	(void)state;
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nHello\n"
	    "--b\nContent-Type: text/csv\n"
	    "Content-Disposition: attachment; filename=t.csv\n\n"
	    "a," TAG ",b\n"
	    "--b\nContent-Type: message/rfc822\n\n"
	    "Subject: inner\n\nInner " TAG " text\n--b--\n", 2, 0);
}

static void
test_close_delimiter_then_epilogue(void **state)
{
	(void)state;
	/* Unread: what follows a closing delimiter is plain text. */
	CHECK("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: multipart/mixed; boundary=c\n\n"
	    "--c\nContent-Type: text/plain\n\nA\n--c--\nafter " TAG "\n",
	    1, 0);
}

/* A multipart nested depth levels, its innermost text part holding the
 * tag: over MIME_MAX_DEPTH, mime_parse refuses it. */
static void
test_deep_and_wide_messages_lose_their_tags(void **state)
{
	struct buf m = BUF_INIT;
	int i, depth = MIME_MAX_DEPTH + 1;

	(void)state;
	buf_puts(&m, "Subject: s\nContent-Type: multipart/mixed; "
	    "boundary=n0\n\n");
	for (i = 0; i < depth; i++)
		buf_printf(&m, "--n%d\nContent-Type: multipart/mixed; "
		    "boundary=n%d\n\n", i, i + 1);
	buf_printf(&m, "--n%d\nContent-Type: text/plain\n\n" TAG "\n--n%d--\n",
	    depth, depth);
	for (i = depth - 1; i >= 0; i--)
		buf_printf(&m, "--n%d--\n", i);
	check_raw(m.data, m.len, 1, 0);
	buf_reset(&m);
	buf_puts(&m, "Subject: s\nContent-Type: multipart/mixed; "
	    "boundary=s\n\n");
	for (i = 0; i <= MIME_MAX_PARTS; i++)
		buf_printf(&m, "--s\nContent-Type: text/plain\n\n%d " TAG "\n",
		    i);
	buf_puts(&m, "--s--\n");
	check_raw(m.data, m.len, MIME_MAX_PARTS + 1, 0);
	buf_free(&m);
}

static void
test_utf16_part_with_the_tag_is_stuck(void **state)
{
	static const char u16[] = "H\0i\0 \0[\0I\0n\0s\0e\0r\0t\0S\0a\0t\0"
	    "i\0s\0f\0a\0c\0t\0i\0o\0n\0E\0v\0a\0l\0u\0a\0t\0i\0o\0n\0]\0";
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "en", NULL,
	    NULL };
	struct rewrite_result res;
	struct npserr err;
	struct buf m = BUF_INIT;

	(void)state;
	buf_puts(&m, "Subject: s\nContent-Type: multipart/alternative; "
	    "boundary=u\n\n--u\nContent-Type: text/plain; charset=utf-16le\n"
	    "Content-Transfer-Encoding: base64\n\n");
	mime_base64_encode(u16, sizeof(u16) - 1, false, &m);
	buf_puts(&m, "--u--\n");
	assert_int_equal(rewrite_message(cf, NULL, &req, m.data, m.len, &res,
	    &err), 0);
	assert_false(res.changed);
	assert_int_equal(res.stuck, 1);
	assert_non_null(strstr(buf_cstr(&res.warn), "utf-16le"));
	rewrite_result_clear(&res);
	assert_int_equal(rewrite_message_raw(cf, m.data, m.len, &res, &err),
	    0);
	assert_int_equal(res.stuck, 1);
	rewrite_result_clear(&res);
	/* The same part without the tag is no one's concern. */
	buf_reset(&m);
	buf_puts(&m, "Subject: s\nContent-Type: text/plain; charset=utf-16le\n"
	    "Content-Transfer-Encoding: base64\n\n");
	mime_base64_encode(u16, 6, false, &m);
	assert_int_equal(rewrite_message(cf, NULL, &req, m.data, m.len, &res,
	    &err), 0);
	assert_int_equal(res.stuck, 0);
	rewrite_result_clear(&res);
	buf_free(&m);
}

static void
test_has_raw_tag_follows_the_tag_rules(void **state)
{
	(void)state;
	assert_true(rewrite_has_raw_tag(cf, "a " TAG " b", 2 + 30 + 2));
	assert_true(rewrite_has_raw_tag(cf, "[InsertSatisfactionEvaluation "
	    "ticket=\"1\"]", 42));
	assert_true(rewrite_has_raw_tag(cf, "[InsertSatisfactionEvaluation",
	    29));
	assert_false(rewrite_has_raw_tag(cf, "[InsertSatisfactionEvaluationX]",
	    31));
	assert_false(rewrite_has_raw_tag(cf, "nothing", 7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_unclosed_boundary_loses_its_tags_in_place),
		cmocka_unit_test(test_unread_part_in_an_encoding_is_stuck),
		cmocka_unit_test(test_no_header_at_the_start_is_one_body),
		cmocka_unit_test(test_signed_content_is_never_edited),
		cmocka_unit_test(test_no_line_becomes_a_delimiter),
		cmocka_unit_test(
		    test_a_line_that_goes_leaves_the_next_as_it_was),
		cmocka_unit_test(test_tag_in_a_part_header_is_stuck),
		cmocka_unit_test(
		    test_attachments_and_attached_mails_lose_their_tags),
		cmocka_unit_test(test_close_delimiter_then_epilogue),
		cmocka_unit_test(test_deep_and_wide_messages_lose_their_tags),
		cmocka_unit_test(test_utf16_part_with_the_tag_is_stuck),
		cmocka_unit_test(test_has_raw_tag_follows_the_tag_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
