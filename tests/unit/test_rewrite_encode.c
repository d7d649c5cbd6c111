/*
 * test_rewrite_encode.c - how rewrite_message writes a changed part: the
 * text decoded once, the line ends of the part kept when it is encoded
 * again, and its Content-Type changed by its bytes, not as a C string.
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
#define TOKEN "t3sttok3naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static struct config *cf;
static struct widget_templates *tpl;

static int
setup(void **state)
{
	struct npserr err;

	(void)state;
	setenv("NPSGATE_TEMPLATES_DIR", TEST_SRCDIR "/templates", 1);
	cf = config_defaults();
	tpl = widget_templates_load(cf->templates_dir, &err);
	if (tpl == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	widget_templates_free(tpl);
	config_free(cf);
	return 0;
}

/* A survey in French: its text version needs more than ASCII. */
static void
req_init(struct widget_request *req)
{
	req->type = SURVEY_NPS;
	req->style = STYLE_STARS;
	req->lang = "fr";
	req->token = TOKEN;
	req->reply_address = "nps+" TOKEN "@reply.example";
}

static size_t
count(const char *hay, size_t n, const char *needle, size_t l)
{
	size_t c = 0;
	const char *p = hay, *end = hay + n;

	while (p < end && (p = memmem(p, (size_t)(end - p), needle, l))) {
		c++;
		p += l;
	}
	return c;
}

/* The whole new message, for msg (len bytes) with a survey. */
static void
rewrite_full(const char *msg, size_t len, struct buf *full)
{
	struct widget_request req;
	struct rewrite_result res;
	struct npserr err;

	req_init(&req);
	assert_int_equal(rewrite_message(cf, tpl, &req, msg, len, &res,
	    &err), 0);
	assert_true(res.changed);
	assert_false(res.malformed);
	assert_int_equal(res.tags, 1);
	rewrite_message_assemble(msg, len, &res, full);
	rewrite_result_clear(&res);
}

/* The first child of the message's multipart, parsed again. */
static struct mime_part *
first_child(const struct buf *full, struct mime_part **root)
{
	struct npserr err;

	*root = mime_parse(full->data, full->len, &err);
	assert_non_null(*root);
	assert_non_null((*root)->child);
	return (*root)->child;
}

static void
test_qp_part_that_keeps_its_charset_is_decoded_once(void **state)
{
	/* A us-ascii part that cannot take the UTF-8 text version and whose
	 * bytes are not us-ascii either keeps its charset; with a tag that
	 * has attributes it is then decoded and written again whole, which
	 * must not hold its text twice. */
	const char msg[] = "Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "byte =81 here\n"
	    "[InsertSatisfactionEvaluation ticket=3D\"12\"]\nend\n";
	struct buf full = BUF_INIT, d = BUF_INIT;
	struct mime_part *root;
	struct npserr err;

	(void)state;
	rewrite_full(msg, sizeof(msg) - 1, &full);
	root = mime_parse(full.data, full.len, &err);
	assert_non_null(root);
	mime_part_decode(full.data, root, &d);
	assert_int_equal(count(d.data, d.len, "byte \x81 here\n", 12), 1);
	assert_int_equal(count(d.data, d.len, "Quelle est", 10), 1);
	assert_int_equal(count(d.data, d.len, "end\n", 4), 1);
	assert_int_equal(count(d.data, d.len, "[Insert", 7), 0);
	mime_tree_free(root);
	buf_free(&d);
	buf_free(&full);
}

/* A multipart message, LF or CRLF, whose one text/plain part is the
 * base64 of text, its line ends as they are. */
static void
base64_mail(const char *eol, const char *text, struct buf *msg)
{
	buf_printf(msg, "Subject: x%sMIME-Version: 1.0%s"
	    "Content-Type: multipart/mixed; boundary=b%s%s--b%s"
	    "Content-Type: text/plain; charset=us-ascii%s"
	    "Content-Transfer-Encoding: base64%s%s", eol, eol, eol, eol, eol,
	    eol, eol, eol);
	mime_base64_encode(text, strlen(text), eol[0] == '\r', msg);
	buf_printf(msg, "--b--%s", eol);
}

static void
check_base64_line_ends(const char *msg_eol, const char *text,
    const char *text_eol)
{
	struct buf msg = BUF_INIT, full = BUF_INIT, d = BUF_INIT;
	struct mime_part *root, *p;
	size_t crlf, lf;

	base64_mail(msg_eol, text, &msg);
	rewrite_full(msg.data, msg.len, &full);
	p = first_child(&full, &root);
	/* Made UTF-8 for the widget's text, and still base64. */
	assert_string_equal(p->charset, "utf-8");
	assert_int_equal(p->cte, MIME_CTE_BASE64);
	assert_int_equal(mime_part_decode(full.data, p, &d), 0);
	crlf = count(d.data, d.len, "\r\n", 2);
	lf = count(d.data, d.len, "\n", 1) - crlf;
	/* Every line of the text, the widget's included, ends as the
	 * part's text did. */
	if (text_eol[0] == '\r') {
		assert_true(crlf > 5);
		assert_int_equal(lf, 0);
	} else {
		assert_true(lf > 5);
		assert_int_equal(crlf, 0);
	}
	assert_non_null(memmem(d.data, d.len, "Hello", 5));
	mime_tree_free(root);
	buf_free(&d);
	buf_free(&full);
	buf_free(&msg);
}

static void
test_base64_part_made_utf8_keeps_the_line_ends_of_its_text(void **state)
{
	(void)state;
	/* The text's own line ends differ from the message's: quoted-
	 * printable would have made them the message's. */
	check_base64_line_ends("\n", "Hello\r\nline two\r\n" TAG "\r\nbye\r\n",
	    "\r\n");
	check_base64_line_ends("\r\n", "Hello\nline two\n" TAG "\nbye\n",
	    "\n");
	check_base64_line_ends("\r\n", "Hello\r\n" TAG "\r\nbye\r\n", "\r\n");
	check_base64_line_ends("\n", "Hello\n" TAG "\nbye\n", "\n");
}

static void
test_qp_part_keeps_its_line_ends_throughout(void **state)
{
	/* A 7bit part that must become UTF-8 quoted-printable: every line
	 * of it, the widget's and the text's, keeps the part's line end. */
	const char *eols[] = { "\r\n", "\n" };
	struct buf msg = BUF_INIT, full = BUF_INIT;
	struct mime_part *root, *p;
	size_t i, crlf, lf;
	const char *b;

	(void)state;
	for (i = 0; i < 2; i++) {
		buf_reset(&msg);
		buf_reset(&full);
		buf_printf(&msg, "Subject: x%sMIME-Version: 1.0%sContent-Type:"
		    " multipart/mixed; boundary=b%s%s--b%sContent-Type: "
		    "text/plain%s%sHello%sline two%s" TAG "%sbye%s--b--%s",
		    eols[i], eols[i], eols[i], eols[i], eols[i], eols[i],
		    eols[i], eols[i], eols[i], eols[i], eols[i], eols[i]);
		rewrite_full(msg.data, msg.len, &full);
		p = first_child(&full, &root);
		assert_int_equal(p->cte, MIME_CTE_QP);
		b = full.data + p->hdr_off;
		crlf = count(b, p->hdr_len + p->body_len, "\r\n", 2);
		lf = count(b, p->hdr_len + p->body_len, "\n", 1) - crlf;
		assert_true((i == 0 ? crlf : lf) > 8);
		assert_int_equal(i == 0 ? lf : crlf, 0);
		mime_tree_free(root);
	}
	buf_free(&msg);
	buf_free(&full);
}

static void
test_nul_in_content_type_keeps_the_new_charset(void **state)
{
	/* The parser reads the value by its length, past the NUL: the
	 * rewrite must too, or "; charset=utf-8" is cut off and the UTF-8
	 * text goes out labelled us-ascii. */
	const char msg[] = "Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; format=flowed\0x; charset=us-ascii\n\n"
	    "Hello\n" TAG "\nbye\n--b--\n";
	const char top[] = "Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; format=flowed\0x; charset=us-ascii\n\n"
	    "Hello\n" TAG "\nbye\n";
	const char want[] = "text/plain; format=flowed\0x; charset=utf-8\n";
	struct buf full = BUF_INIT;
	struct mime_part *root, *p;
	struct widget_request req;
	struct rewrite_result res;
	struct npserr err;

	(void)state;
	rewrite_full(msg, sizeof(msg) - 1, &full);
	p = first_child(&full, &root);
	assert_string_equal(p->charset, "utf-8");
	assert_int_equal(p->cte, MIME_CTE_QP);
	assert_non_null(memmem(full.data + p->hdr_off, p->hdr_len, want,
	    sizeof(want) - 1));
	mime_tree_free(root);
	buf_free(&full);
	/* At the top, the value is a milter's header value, a C string:
	 * written as the parser read it, never cut at the NUL. */
	req_init(&req);
	assert_int_equal(rewrite_message(cf, tpl, &req, top, sizeof(top) - 1,
	    &res, &err), 0);
	assert_true(res.changed);
	assert_string_equal(res.content_type, "text/plain; charset=utf-8");
	assert_string_equal(res.cte, "quoted-printable");
	rewrite_result_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_qp_part_that_keeps_its_charset_is_decoded_once),
		cmocka_unit_test(
		    test_base64_part_made_utf8_keeps_the_line_ends_of_its_text),
		cmocka_unit_test(test_qp_part_keeps_its_line_ends_throughout),
		cmocka_unit_test(
		    test_nul_in_content_type_keeps_the_new_charset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
