/*
 * test_mime.c - MIME parsing, header lookup, RFC 2047 words, transfer
 * encodings and charset conversion.
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
#include "base/utf8.h"
#include "mail/mime.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static const char alt_msg[] =
    "From: a@example.com\r\n"
    "Subject: test\r\n"
    "Content-Type: multipart/alternative;\r\n"
    "\tboundary=\"=_b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--=_b1\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "caf=E9\r\n"
    "--=_b1\r\n"
    "Content-Type: text/html; charset=\"UTF-8\"\r\n"
    "\r\n"
    "<p>hi</p>\r\n"
    "--=_b1--\r\n"
    "epilogue\r\n";

static void
test_parse_finds_alternative_children_by_offset(void **state)
{
	struct npserr err;
	struct mime_part *root, *a, *b;

	(void)state;
	root = mime_parse(alt_msg, sizeof(alt_msg) - 1, &err);
	assert_non_null(root);
	assert_string_equal(root->type, "multipart");
	assert_string_equal(root->subtype, "alternative");
	assert_string_equal(root->boundary, "=_b1");
	a = root->child;
	assert_non_null(a);
	b = a->next;
	assert_non_null(b);
	assert_null(b->next);
	assert_string_equal(a->subtype, "plain");
	assert_string_equal(a->charset, "iso-8859-1");
	assert_int_equal(a->cte, MIME_CTE_QP);
	assert_int_equal(a->depth, 1);
	/* The body excludes the line break before the delimiter. */
	assert_int_equal(a->body_len, 6);
	assert_memory_equal(alt_msg + a->body_off, "caf=E9", 6);
	assert_string_equal(b->subtype, "html");
	assert_string_equal(b->charset, "utf-8");
	assert_int_equal(b->cte, MIME_CTE_7BIT);
	assert_int_equal(b->body_len, 9);
	assert_memory_equal(alt_msg + b->body_off, "<p>hi</p>", 9);
	mime_tree_free(root);
}

static void
test_parse_accepts_lf_line_ends(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed; boundary=x\n\n"
	    "--x\n\nbody one\n--x\nContent-Type: text/html\n\n<b>2</b>\n"
	    "--x--\n";
	struct npserr err;
	struct mime_part *root;

	(void)state;
	root = mime_parse(msg, sizeof(msg) - 1, &err);
	assert_non_null(root);
	assert_non_null(root->child);
	assert_int_equal(root->child->hdr_len, 1);
	assert_int_equal(root->child->body_len, 8);
	assert_memory_equal(msg + root->child->body_off, "body one", 8);
	assert_string_equal(root->child->next->subtype, "html");
	mime_tree_free(root);
}

static void
test_parse_ignores_longer_boundary_lookalike(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\n--bx is text\n--b--\n";
	struct npserr err;
	struct mime_part *root;

	(void)state;
	root = mime_parse(msg, sizeof(msg) - 1, &err);
	assert_non_null(root);
	assert_int_equal(root->child->body_len, 12);
	assert_null(root->child->next);
	mime_tree_free(root);
}

static void
test_parse_refuses_unclosed_boundary(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\ntext\n";
	struct npserr err;

	(void)state;
	assert_null(mime_parse(msg, sizeof(msg) - 1, &err));
	assert_non_null(strstr(err.msg, "never closed"));
}

static void
test_parse_refuses_multipart_without_boundary(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed\n\n--b\n\nx\n--b--\n";
	struct npserr err;

	(void)state;
	assert_null(mime_parse(msg, sizeof(msg) - 1, &err));
	assert_non_null(strstr(err.msg, "no boundary"));
}

static void
test_parse_refuses_boundary_with_control_bytes(void **state)
{
	/* Found by fuzzing: a NUL made the boundary an empty string. */
	const char msg[] = "Content-Type: multipart/mixed; boundary=\"\0\x05"
	    "--b\"\n\n--\0\x05--b\n\nx\n--\0\x05--b--\n";
	struct npserr err;

	(void)state;
	assert_null(mime_parse(msg, sizeof(msg) - 1, &err));
	assert_non_null(strstr(err.msg, "control"));
}

static void
test_parse_refuses_deep_nesting(void **state)
{
	struct buf m = BUF_INIT;
	struct npserr err;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\n"
		    "\n--b%d\n", i, i);
	buf_puts(&m, "\nx\n");
	for (i = 999; i >= 0; i--)
		buf_printf(&m, "--b%d--\n", i);
	assert_null(mime_parse(m.data, m.len, &err));
	assert_non_null(strstr(err.msg, "deeper"));
	buf_free(&m);
}

/* depth levels of multipart around a text part of fill bytes. */
static void
nested_msg(struct buf *m, int depth, size_t fill)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_printf(m, "Content-Type: multipart/mixed; boundary=b%d\n"
		    "\n--b%d\n", i, i);
	buf_puts(m, "\n");
	buf_reserve(m, fill);
	memset(m->data + m->len, '-', fill);
	m->len += fill;
	for (i = depth - 1; i >= 0; i--)
		buf_printf(m, "\n--b%d--\n", i);
}

/* Real nesting and part counts are read; a structure that would cost
 * depth times the size of a big message is refused. */
static void
test_parse_limits_are_generous_and_bounded(void **state)
{
	struct buf m = BUF_INIT;
	struct npserr err;
	struct mime_part *root, *p;
	int i;

	(void)state;
	nested_msg(&m, MIME_MAX_DEPTH, 1000);
	root = mime_parse(m.data, m.len, &err);
	assert_non_null(root);
	for (p = root, i = 0; p->child != NULL; p = p->child)
		i++;
	assert_int_equal(i, MIME_MAX_DEPTH);
	mime_tree_free(root);
	buf_reset(&m);
	nested_msg(&m, MIME_MAX_DEPTH + 1, 10);
	assert_null(mime_parse(m.data, m.len, &err));
	assert_non_null(strstr(err.msg, "deeper"));
	/* 16 MB nested 100 deep: 1.6 GB of searching, refused. */
	buf_reset(&m);
	nested_msg(&m, MIME_MAX_DEPTH, (size_t)16 << 20);
	assert_null(mime_parse(m.data, m.len, &err));
	assert_non_null(strstr(err.msg, "costly"));
	/* The same 16 MB nested 6 deep is read. */
	buf_reset(&m);
	nested_msg(&m, 6, (size_t)16 << 20);
	root = mime_parse(m.data, m.len, &err);
	assert_non_null(root);
	mime_tree_free(root);
	/* MIME_MAX_PARTS siblings are read. */
	buf_reset(&m);
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < MIME_MAX_PARTS - 1; i++)
		buf_puts(&m, "--b\n\nx\n");
	buf_puts(&m, "--b--\n");
	root = mime_parse(m.data, m.len, &err);
	assert_non_null(root);
	mime_tree_free(root);
	buf_free(&m);
}

/* A boundary longer than RFC 2046's 70 characters, used consistently. */
static void
test_parse_accepts_long_boundary(void **state)
{
	struct buf m = BUF_INIT, bd = BUF_INIT;
	struct npserr err;
	struct mime_part *root;
	int i;

	(void)state;
	for (i = 0; i < 150; i++)
		buf_putc(&bd, "abcdefghij"[i % 10]);
	buf_printf(&m, "Content-Type: multipart/alternative;\n boundary=\"%s\""
	    "\n\n--%s\nContent-Type: text/plain\n\nhi\n--%s--\n",
	    buf_cstr(&bd), buf_cstr(&bd), buf_cstr(&bd));
	root = mime_parse(m.data, m.len, &err);
	assert_non_null(root);
	assert_string_equal(root->boundary, buf_cstr(&bd));
	assert_non_null(root->child);
	assert_int_equal(root->child->body_len, 2);
	mime_tree_free(root);
	buf_free(&m);
	buf_free(&bd);
}

static void
test_parse_refuses_too_many_parts(void **state)
{
	struct buf m = BUF_INIT;
	struct npserr err;
	int i;

	(void)state;
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < MIME_MAX_PARTS + 5; i++)
		buf_puts(&m, "--b\n\nx\n");
	buf_puts(&m, "--b--\n");
	assert_null(mime_parse(m.data, m.len, &err));
	assert_non_null(strstr(err.msg, "parts"));
	buf_free(&m);
}

static const char *
parsed_type(const char *msg, size_t len, char *out, size_t cap)
{
	struct npserr err;
	struct mime_part *root = mime_parse(msg, len, &err);

	assert_non_null(root);
	snprintf(out, cap, "%s/%s", root->type, root->subtype);
	mime_tree_free(root);
	return out;
}

/* Type and subtype are tokens; a stray CR reads as absent, so the value
 * reads the same once unfolded; anything else keeps text/plain. */
static void
test_parse_content_type_tokens_and_stray_cr(void **state)
{
	char t[160];

	(void)state;
	assert_string_equal(parsed_type(S("Content-Type: text/\r,\n\nx"), t,
	    sizeof(t)), "text/plain");
	assert_string_equal(parsed_type(S("Content-Type: text/\rhtml\n\nx"),
	    t, sizeof(t)), "text/html");
	assert_string_equal(parsed_type(S("Content-Type: te]xt/html\n\nx"),
	    t, sizeof(t)), "text/plain");
	assert_string_equal(parsed_type(S("Content-Type: t\xffx/html\n\nx"),
	    t, sizeof(t)), "text/plain");
	assert_string_equal(parsed_type(S("Content-Type: (c) Image/SVG+xml;"
	    "\r\n name=a\n\nx"), t, sizeof(t)), "image/svg+xml");
	assert_string_equal(parsed_type(S("Content-Type: text/html\0x\n\nx"),
	    t, sizeof(t)), "text/html");
}

static void
test_parse_message_without_body_is_all_header(void **state)
{
	const char msg[] = "Subject: x\r\nFrom: y";
	struct npserr err;
	struct mime_part *root;

	(void)state;
	root = mime_parse(msg, sizeof(msg) - 1, &err);
	assert_non_null(root);
	assert_int_equal(root->hdr_len, sizeof(msg) - 1);
	assert_int_equal(root->body_len, 0);
	assert_string_equal(root->type, "text");
	mime_tree_free(root);
}

static void
test_parse_descends_into_attached_message(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\n\nhello\n"
	    "--o\nContent-Type: message/rfc822\n"
	    "Content-Disposition: attachment\n\n"
	    "Subject: inner\nContent-Type: text/html\n\n<i>in</i>\n--o--\n";
	struct npserr err;
	struct mime_part *root, *att;

	(void)state;
	root = mime_parse(msg, sizeof(msg) - 1, &err);
	assert_non_null(root);
	att = root->child->next;
	assert_string_equal(att->type, "message");
	assert_true(att->attachment);
	assert_non_null(att->child);
	assert_string_equal(att->child->subtype, "html");
	assert_int_equal(att->child->depth, 2);
	mime_tree_free(root);
}

static void
test_header_find_unfolds_and_is_case_insensitive(void **state)
{
	const char hdr[] = "X-Other: 1\r\nsubject  :  hello\r\n world\r\n"
	    "Subjectx: no\r\n\r\n";
	const char *v;
	size_t n;

	(void)state;
	assert_int_equal(mime_header_find_in(hdr, sizeof(hdr) - 1,
	    "Subject", &v, &n), 1);
	assert_int_equal(n, 13);
	assert_memory_equal(v, "hello\r\n world", 13);
	assert_int_equal(mime_header_find_in(hdr, sizeof(hdr) - 1,
	    "Missing", &v, &n), 0);
}

static void
test_param_get_handles_quotes_and_comments(void **state)
{
	const char v[] = "text/plain; name=\"a;b=c\"; (note) CHARSET = "
	    "\"iso-8859-1\" ; format=flowed";
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_param_get(S(v), "charset", &b), 1);
	assert_string_equal(buf_cstr(&b), "iso-8859-1");
	buf_reset(&b);
	assert_int_equal(mime_param_get(S(v), "name", &b), 1);
	assert_string_equal(buf_cstr(&b), "a;b=c");
	buf_reset(&b);
	assert_int_equal(mime_param_get(S(v), "format", &b), 1);
	assert_string_equal(buf_cstr(&b), "flowed");
	buf_reset(&b);
	assert_int_equal(mime_param_get(S(v), "b", &b), 0);
	buf_free(&b);
}

/* The value mime_param_span finds in v, or NULL when it finds none. */
static const char *
param_span_of(const char *v, const char *param, char *out, size_t cap)
{
	size_t v0 = 0, v1 = 0;

	if (!mime_param_span(v, strlen(v), param, &v0, &v1))
		return NULL;
	assert_true(v0 <= v1 && v1 <= strlen(v) && v1 - v0 < cap);
	memcpy(out, v + v0, v1 - v0);
	out[v1 - v0] = '\0';
	return out;
}

static void
test_param_span_gives_the_value_as_written(void **state)
{
	char s[64];

	(void)state;
	/* Unquoted, quoted (quotes in the span), the name in any case. */
	assert_string_equal(param_span_of("text/plain; charset=iso-8859-1",
	    "charset", s, sizeof(s)), "iso-8859-1");
	assert_string_equal(param_span_of("text/plain; charset=\"utf-8\"; "
	    "format=flowed", "charset", s, sizeof(s)), "\"utf-8\"");
	assert_string_equal(param_span_of("text/plain; CharSet=UTF-8",
	    "charset", s, sizeof(s)), "UTF-8");
	assert_string_equal(param_span_of("text/plain;charset=x;format=y",
	    "format", s, sizeof(s)), "y");
	/* A name that ends or starts like another is not that one. */
	assert_string_equal(param_span_of("text/plain; xcharset=a; "
	    "charsetx=b; charset=c", "charset", s, sizeof(s)), "c");
	assert_null(param_span_of("text/plain; xcharset=a; charsetx=b",
	    "charset", s, sizeof(s)));
	/* Blanks around '=' and after the value are not in the span. */
	assert_string_equal(param_span_of("text/plain; charset = x ; "
	    "format=y", "charset", s, sizeof(s)), "x");
	assert_string_equal(param_span_of("text/plain; charset=\t\"a b\"\t",
	    "charset", s, sizeof(s)), "\"a b\"");
	/* ';' and '=' inside quoted strings, escaped quotes. */
	assert_string_equal(param_span_of("text/plain; name=\"a;charset=x\"; "
	    "charset=y", "charset", s, sizeof(s)), "y");
	assert_string_equal(param_span_of("\"text;charset=x\"; charset=y",
	    "charset", s, sizeof(s)), "y");
	assert_string_equal(param_span_of("text/plain; charset=\"a\\\"b\"; "
	    "format=y", "charset", s, sizeof(s)), "\"a\\\"b\"");
	/* A quoted string never closed runs to the end. */
	assert_string_equal(param_span_of("text/plain; charset=\"utf-8",
	    "charset", s, sizeof(s)), "\"utf-8");
	/* An empty value is an empty span where it would be. */
	assert_string_equal(param_span_of("text/plain; charset=; format=y",
	    "charset", s, sizeof(s)), "");
	/* The main value is not a parameter; a name without '=' is none. */
	assert_null(param_span_of("charset=x", "charset", s, sizeof(s)));
	assert_null(param_span_of("text/plain; charset", "charset", s,
	    sizeof(s)));
	assert_null(param_span_of("text/plain", "charset", s, sizeof(s)));
	/* Comments and folding around the parts, as the parser reads them. */
	assert_string_equal(param_span_of("text/plain;\r\n (c) charset (d) ="
	    "\r\n\tutf-8(e)", "charset", s, sizeof(s)), "utf-8");
}

static void
test_param_span_splices_a_new_value(void **state)
{
	const char v[] = "text/plain; charset=\"iso-8859-1\"; format=flowed";
	size_t v0, v1;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_param_span(S(v), "CHARSET", &v0, &v1), 1);
	buf_append(&b, v, v0);
	buf_puts(&b, "utf-8");
	buf_append(&b, v + v1, sizeof(v) - 1 - v1);
	assert_string_equal(buf_cstr(&b),
	    "text/plain; charset=utf-8; format=flowed");
	buf_free(&b);
}

static void
test_words_decode_joins_adjacent_words(void **state)
{
	const char v[] = "=?UTF-8?B?w6k=?= =?utf-8?Q?t=C3=A9_ok?=\r\n and "
	    "=?iso-8859-1?q?caf=E9?=";
	struct buf b = BUF_INIT;

	(void)state;
	mime_words_decode(S(v), &b);
	assert_string_equal(buf_cstr(&b), "\xc3\xa9t\xc3\xa9 ok and caf\xc3\xa9");
	buf_free(&b);
}

static void
test_words_decode_splits_multibyte_across_words(void **state)
{
	/* "é" split between two B words, as some mailers do. */
	const char v[] = "=?utf-8?B?ww==?= =?utf-8?B?qQ==?=";
	const char v2[] = "=?utf-8?Q?=C3?= =?utf-8?Q?=A9?=";
	struct buf b = BUF_INIT;

	(void)state;
	mime_words_decode(S(v), &b);
	assert_string_equal(buf_cstr(&b), "\xc3\xa9");
	buf_reset(&b);
	mime_words_decode(S(v2), &b);
	assert_string_equal(buf_cstr(&b), "\xc3\xa9");
	buf_free(&b);
}

/* A subject from Outlook in Korean: its label read as the charset. */
static void
test_words_decode_reads_aliased_label(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	mime_words_decode(S("Re: =?ks_c_5601-1987?B?vsiz58fPvLy/5A==?="), &b);
	assert_string_equal(buf_cstr(&b), "Re: \xec\x95\x88\xeb\x85\x95"
	    "\xed\x95\x98\xec\x84\xb8\xec\x9a\x94");
	buf_free(&b);
}

static void
test_words_decode_keeps_broken_words(void **state)
{
	const char v[] = "a =?utf-8?X?abc?= b =?utf-8?Q?unterminated";
	struct buf b = BUF_INIT;

	(void)state;
	mime_words_decode(S(v), &b);
	assert_string_equal(buf_cstr(&b), v);
	buf_free(&b);
}

static void
test_qp_decode_joins_soft_breaks(void **state)
{
	const char in[] = "[InsertSatisf=\r\nactionEvaluation] caf=E9=20\n"
	    "x=  \r\ny";
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_qp_decode(S(in), &b), 0);
	assert_string_equal(buf_cstr(&b),
	    "[InsertSatisfactionEvaluation] caf\xe9 \nxy");
	buf_free(&b);
}

static void
test_qp_decode_flags_bad_escape(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_qp_decode(S("a=ZZb"), &b), 1);
	assert_string_equal(buf_cstr(&b), "a=ZZb");
	buf_free(&b);
}

static void
test_qp_encode_keeps_lines_short_and_round_trips(void **state)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	size_t i, col = 0, maxcol = 0;
	int k;

	(void)state;
	for (k = 0; k < 300; k++)
		buf_printf(&in, "%c=\xc3\xa9 ", 'a' + k % 26);
	buf_puts(&in, "end \r\n.\r\nlast\t");
	mime_qp_encode(in.data, in.len, true, &enc);
	for (i = 0; i < enc.len; i++) {
		if (enc.data[i] == '\n') {
			assert_int_equal(enc.data[i - 1], '\r');
			col = 0;
			continue;
		}
		if (enc.data[i] != '\r' && ++col > maxcol)
			maxcol = col;
	}
	assert_true(maxcol <= 76);
	/* Trailing blanks and a lone dot are encoded. */
	assert_non_null(strstr(enc.data, "end=20\r\n=2E\r\nlast=09"));
	assert_int_equal(mime_qp_decode(enc.data, enc.len, &dec), 0);
	assert_int_equal(dec.len, in.len);
	assert_memory_equal(dec.data, in.data, in.len);
	buf_free(&in);
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_qp_encode_uses_lf_when_asked(void **state)
{
	struct buf enc = BUF_INIT;

	(void)state;
	mime_qp_encode(S("a\r\nb\nc"), false, &enc);
	assert_string_equal(buf_cstr(&enc), "a\nb\nc");
	buf_free(&enc);
}

static void
test_base64_round_trips_binary_with_nul(void **state)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	int k;
	const char *nl;

	(void)state;
	for (k = 0; k < 1000; k++)
		buf_putc(&in, k * 7);
	mime_base64_encode(in.data, in.len, false, &enc);
	nl = strchr(enc.data, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - enc.data, 76);
	assert_int_equal(enc.data[enc.len - 1], '\n');
	assert_int_equal(mime_base64_decode(enc.data, enc.len, &dec), 0);
	assert_int_equal(dec.len, 1000);
	assert_memory_equal(dec.data, in.data, 1000);
	buf_free(&in);
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_base64_decode_flags_truncation_and_junk(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_base64_decode(S("aGVsbG8="), &b), 0);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_reset(&b);
	assert_int_equal(mime_base64_decode(S("aGVsbG"), &b), 1);
	buf_reset(&b);
	assert_int_equal(mime_base64_decode(S("aGV*sbG8="), &b), 1);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_reset(&b);
	assert_int_equal(mime_base64_decode(S("aGVsbG8=aGk="), &b), 1);
	buf_free(&b);
}

/* Random texts through both codecs: decoding gives the input back and no
 * encoded line is longer than 76. */
static void
test_codecs_round_trip_random_text(void **state)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	static const char alphabet[] = "abc =.\t\r\n\xc3\xa9[]-\x01";
	unsigned int seed = 7;
	size_t i, n, col, maxcol;
	int round, codec;

	(void)state;
	for (round = 0; round < 400; round++) {
		buf_reset(&in);
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % 700;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Long runs of one class, then a mix. */
			buf_putc(&in, round % 3 == 0 ? 'x' :
			    alphabet[(seed >> 16) % (sizeof(alphabet) - 1)]);
		}
		for (codec = 0; codec < 2; codec++) {
			buf_reset(&enc);
			buf_reset(&dec);
			if (codec == 0) {
				mime_qp_encode(in.data ? in.data : "", in.len,
				    round & 1, &enc);
				assert_int_equal(mime_qp_decode(enc.data ?
				    enc.data : "", enc.len, &dec), 0);
				/* QP turns any line break into the chosen one. */
				if (memchr(buf_cstr(&in), '\r', in.len) ||
				    memchr(buf_cstr(&in), '\n', in.len))
					continue;
			} else {
				mime_base64_encode(in.data ? in.data : "",
				    in.len, round & 1, &enc);
				assert_int_equal(mime_base64_decode(enc.data ?
				    enc.data : "", enc.len, &dec), 0);
			}
			assert_int_equal(dec.len, in.len);
			if (in.len)
				assert_memory_equal(dec.data, in.data, in.len);
			for (i = 0, col = 0, maxcol = 0; i < enc.len; i++) {
				if (enc.data[i] == '\r' || enc.data[i] == '\n')
					col = 0;
				else if (++col > maxcol)
					maxcol = col;
			}
			assert_true(maxcol <= 76);
		}
	}
	buf_free(&in);
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_header_block_len_stops_at_first_empty_line(void **state)
{
	(void)state;
	assert_int_equal(mime_header_block_len(S("A: b\r\n\r\nbody")), 8);
	assert_int_equal(mime_header_block_len(S("A: b\n\nbody\n\n")), 6);
	assert_int_equal(mime_header_block_len(S("\nbody")), 1);
	assert_int_equal(mime_header_block_len(S("A: b\nC: d")), 9);
}

/* The header block ends before the first line that is neither a field
 * nor a continuation; a line of blanks continues the field before it. */
static void
test_header_block_len_ends_at_non_field(void **state)
{
	(void)state;
	assert_int_equal(mime_header_block_len(S("A: b\nno colon here\n"
	    "C: d\n\nbody")), 5);
	assert_int_equal(mime_header_block_len(S("A: b\r\n \r\nC: d\r\n"
	    "\r\nx")), 17);
	assert_int_equal(mime_header_block_len(S("A : b\n\tc\n\nx")), 10);
	assert_int_equal(mime_header_block_len(S("\xef\xbb\xbf" "From: a\n"
	    "\nx")), 0);
	assert_int_equal(mime_header_block_len(S("From a@b Mon Nov 23\n"
	    "A: b\n\nx")), 0);
	assert_int_equal(mime_header_block_len(S(" A: b\n\nx")), 0);
	assert_int_equal(mime_header_block_len(S("A: b\n--b\n\nx")), 5);
}

/* A part whose text starts without a blank line is text, not header. */
static void
test_parse_part_without_blank_line_is_body(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/html\n<p>[tag]</p>\nmore: text\n"
	    "--b--\n";
	struct npserr err;
	struct mime_part *root, *c;

	(void)state;
	root = mime_parse(msg, sizeof(msg) - 1, &err);
	assert_non_null(root);
	c = root->child;
	assert_non_null(c);
	assert_string_equal(c->subtype, "html");
	assert_int_equal(c->body_len, strlen("<p>[tag]</p>\nmore: text"));
	assert_memory_equal(msg + c->body_off, "<p>", 3);
	mime_tree_free(root);
}

static void
test_part_decode_reports_unknown_encoding(void **state)
{
	const char msg[] = "Content-Transfer-Encoding: x-uuencode\n\nbegin";
	struct npserr err;
	struct mime_part *root;
	struct buf b = BUF_INIT;

	(void)state;
	root = mime_parse(msg, sizeof(msg) - 1, &err);
	assert_non_null(root);
	assert_int_equal(root->cte, MIME_CTE_UNKNOWN);
	assert_int_equal(mime_part_decode(msg, root, &b), 1);
	assert_string_equal(buf_cstr(&b), "begin");
	buf_free(&b);
	mime_tree_free(root);
}

/* The transfer encoding names the readers tolerate, and no more. */
static void
test_parse_tolerates_cte_names_readers_take(void **state)
{
	static const struct {
		const char *v;
		enum mime_cte cte;
	} t[] = {
		{ "", MIME_CTE_7BIT },
		{ "   ", MIME_CTE_7BIT },
		{ "7-bit", MIME_CTE_7BIT },
		{ "8-Bit", MIME_CTE_8BIT },
		{ " Quoted-Printable (qp)", MIME_CTE_QP },
		{ "BASE64 ", MIME_CTE_BASE64 },
		{ "8bits", MIME_CTE_UNKNOWN },
		{ "7 bit", MIME_CTE_UNKNOWN },
		{ "plain", MIME_CTE_UNKNOWN },
		{ "quoted_printable", MIME_CTE_UNKNOWN },
		{ "x-uuencode", MIME_CTE_UNKNOWN },
	};
	struct buf m = BUF_INIT;
	struct npserr err;
	struct mime_part *root;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&m);
		buf_printf(&m, "Content-Type: text/plain\r\n"
		    "Content-Transfer-Encoding:%s\r\n\r\nbody\r\n", t[i].v);
		root = mime_parse(buf_cstr(&m), m.len, &err);
		assert_non_null(root);
		if (root->cte != t[i].cte)
			fail_msg("\"%s\": %d, not %d", t[i].v, root->cte,
			    t[i].cte);
		mime_tree_free(root);
	}
	buf_free(&m);
}

static void
test_charset_latin1_and_cp1252_to_utf8(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_charset_to_utf8("iso-8859-1", S("caf\xe9"), &b),
	    0);
	assert_string_equal(buf_cstr(&b), "caf\xc3\xa9");
	buf_reset(&b);
	assert_int_equal(mime_charset_to_utf8("windows-1252", S("\x80 5"), &b),
	    0);
	assert_string_equal(buf_cstr(&b), "\xe2\x82\xac 5");
	buf_free(&b);
}

static void
test_charset_unknown_label_guesses_utf8_then_cp1252(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	mime_charset_to_utf8("x-nonsense", S("caf\xc3\xa9"), &b);
	assert_string_equal(buf_cstr(&b), "caf\xc3\xa9");
	buf_reset(&b);
	mime_charset_to_utf8("", S("\x93ok\x94"), &b);
	assert_string_equal(buf_cstr(&b), "\xe2\x80\x9cok\xe2\x80\x9d");
	buf_free(&b);
}

/* The labels real mail carries, each with text in its encoding and the
 * UTF-8 it stands for: read exactly, strict or not. */
static void
test_charset_aliases_read_mail_labels(void **state)
{
	static const struct {
		const char *label, *in, *want;
	} t[] = {
		/* "Hello" in Korean, as Outlook labels it. */
		{ "ks_c_5601-1987", "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4",
		    "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8"
		    "\xec\x9a\x94" },
		{ "KS_C_5601-1987", "\xc7\xd1", "\xed\x95\x9c" },
		{ "x-windows-949", "\x81\x41", "\xea\xb0\x82" },
		{ "euc-kr", "\x81\x41", "\xea\xb0\x82" },
		/* Japanese: backslash stays a backslash, NEC row 13 reads. */
		{ "x-sjis", "\x82\xa0\\\x87\x40",
		    "\xe3\x81\x82\\\xe2\x91\xa0" },
		{ "shift_jis", "a\\b~", "a\\b~" },
		{ "x-euc-jp", "\xa4\xa2\xad\xa1", "\xe3\x81\x82\xe2\x91\xa0" },
		/* Chinese. */
		{ "x-gbk", "\xc4\xe3\xba\xc3", "\xe4\xbd\xa0\xe5\xa5\xbd" },
		{ "gb2312", "\x80", "\xe2\x82\xac" },
		{ "x-big5", "\xa7\x41\xa6\x6e", "\xe4\xbd\xa0\xe5\xa5\xbd" },
		/* Hebrew, logical order: alef, bet. */
		{ "iso-8859-8-i", "\xe0\xe1", "\xd7\x90\xd7\x91" },
		/* Cyrillic "Da" in the Mac encoding. */
		{ "x-mac-cyrillic", "\x84\xe0", "\xd0\x94\xd0\xb0" },
		{ "x-mac-roman", "\x8e", "\xc3\xa9" },
		{ "unicode-1-1-utf-8", "caf\xc3\xa9", "caf\xc3\xa9" },
		{ " x-gbk ", "\xc4\xe3", "\xe4\xbd\xa0" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		assert_int_equal(mime_charset_to_utf8_strict(t[i].label,
		    t[i].in, strlen(t[i].in), &b), 0);
		assert_string_equal(buf_cstr(&b), t[i].want);
		buf_reset(&b);
		assert_int_equal(mime_charset_to_utf8(t[i].label, t[i].in,
		    strlen(t[i].in), &b), 0);
		assert_string_equal(buf_cstr(&b), t[i].want);
	}
	/* And back: the label names an encoding both ways. */
	buf_reset(&b);
	assert_int_equal(mime_charset_from_utf8("ks_c_5601-1987",
	    S("\xed\x95\x9c"), &b), 0);
	assert_string_equal(buf_cstr(&b), "\xc7\xd1");
	buf_free(&b);
}

/* No guess in strict mode: an unknown label, or 8-bit bytes without a
 * label, fail, even when the bytes happen to be valid UTF-8; the lenient
 * reading still guesses. */
static void
test_charset_strict_refuses_unknown(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_charset_to_utf8_strict("x-nonsense",
	    S("caf\xc3\xa9"), &b), -1);
	assert_int_equal(mime_charset_to_utf8_strict("x-nonsense",
	    S("\xbe\xc8"), &b), -1);
	assert_int_equal(mime_charset_to_utf8_strict("", S("caf\xc3\xa9"),
	    &b), -1);
	assert_int_equal(mime_charset_to_utf8_strict(NULL, S("caf\xe9"), &b),
	    -1);
	assert_int_equal(b.len, 0);
	/* A label is a name, never iconv options. */
	assert_int_equal(mime_charset_to_utf8_strict("utf-8//IGNORE",
	    S("a"), &b), -1);
	assert_int_equal(mime_charset_from_utf8("us-ascii//TRANSLIT",
	    S("a"), &b), -1);
	assert_int_equal(b.len, 0);
	/* ASCII under no label or an unknown one reads as itself. */
	assert_int_equal(mime_charset_to_utf8_strict("", S("plain"), &b), 0);
	assert_string_equal(buf_cstr(&b), "plain");
	buf_reset(&b);
	assert_int_equal(mime_charset_to_utf8("x-nonsense", S("\xbe\xc8"),
	    &b), 0);
	assert_string_equal(buf_cstr(&b), "\xc2\xbe\xc3\x88");
	buf_free(&b);
}

static void
test_charset_strict_refuses_invalid_utf8(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_puts(&b, "keep");
	assert_int_equal(mime_charset_to_utf8_strict("utf-8", S("a\xff"), &b),
	    -1);
	assert_string_equal(buf_cstr(&b), "keep");
	assert_int_equal(mime_charset_to_utf8("utf-8", S("a\xff"), &b), 0);
	assert_string_equal(buf_cstr(&b), "keepa\xef\xbf\xbd");
	/* 8-bit bytes are no US-ASCII: read as a guess, never exactly. */
	buf_reset(&b);
	assert_int_equal(mime_charset_to_utf8_strict("us-ascii",
	    S("caf\xc3\xa9"), &b), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(mime_charset_to_utf8("us-ascii", S("caf\xc3\xa9"),
	    &b), 0);
	assert_string_equal(buf_cstr(&b), "caf\xc3\xa9");
	buf_free(&b);
}

static void
test_charset_from_utf8_refuses_unrepresentable(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(mime_charset_from_utf8("iso-8859-1",
	    S("Tr\xc3\xa8s"), &b), 0);
	assert_string_equal(buf_cstr(&b), "Tr\xe8s");
	buf_reset(&b);
	/* The star glyph exists in neither Latin-1 nor Windows-1252. */
	assert_int_equal(mime_charset_from_utf8("iso-8859-1",
	    S("\xe2\x98\x85"), &b), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(mime_charset_from_utf8("windows-1252",
	    S("\xe2\x98\x85"), &b), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(mime_charset_from_utf8("windows-1252",
	    S("\xe2\x82\xac\xc3\xa9"), &b), 0);
	assert_string_equal(buf_cstr(&b), "\x80\xe9");
	buf_reset(&b);
	assert_int_equal(mime_charset_from_utf8("us-ascii", S("\xc3\xa9"), &b),
	    -1);
	buf_free(&b);
}

static void
test_utf8_valid_rejects_overlongs_and_surrogates(void **state)
{
	(void)state;
	assert_true(utf8_valid(S("plain ascii text, long enough")));
	assert_true(utf8_valid(S("\xe2\x98\x85 \xf0\x9f\x98\x80")));
	assert_false(utf8_valid(S("\xc0\xaf")));
	assert_false(utf8_valid(S("\xed\xa0\x80")));
	assert_false(utf8_valid(S("abc\xe2\x98")));
	assert_false(utf8_valid(S("\xf5\x80\x80\x80")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_finds_alternative_children_by_offset),
		cmocka_unit_test(test_parse_accepts_lf_line_ends),
		cmocka_unit_test(test_parse_ignores_longer_boundary_lookalike),
		cmocka_unit_test(test_parse_refuses_unclosed_boundary),
		cmocka_unit_test(test_parse_refuses_multipart_without_boundary),
		cmocka_unit_test(test_parse_refuses_boundary_with_control_bytes),
		cmocka_unit_test(test_parse_refuses_deep_nesting),
		cmocka_unit_test(test_parse_refuses_too_many_parts),
		cmocka_unit_test(test_parse_limits_are_generous_and_bounded),
		cmocka_unit_test(test_parse_accepts_long_boundary),
		cmocka_unit_test(test_parse_content_type_tokens_and_stray_cr),
		cmocka_unit_test(test_parse_message_without_body_is_all_header),
		cmocka_unit_test(test_parse_descends_into_attached_message),
		cmocka_unit_test(test_header_find_unfolds_and_is_case_insensitive),
		cmocka_unit_test(test_param_get_handles_quotes_and_comments),
		cmocka_unit_test(test_param_span_gives_the_value_as_written),
		cmocka_unit_test(test_param_span_splices_a_new_value),
		cmocka_unit_test(test_words_decode_joins_adjacent_words),
		cmocka_unit_test(test_words_decode_splits_multibyte_across_words),
		cmocka_unit_test(test_words_decode_keeps_broken_words),
		cmocka_unit_test(test_words_decode_reads_aliased_label),
		cmocka_unit_test(test_qp_decode_joins_soft_breaks),
		cmocka_unit_test(test_qp_decode_flags_bad_escape),
		cmocka_unit_test(test_qp_encode_keeps_lines_short_and_round_trips),
		cmocka_unit_test(test_qp_encode_uses_lf_when_asked),
		cmocka_unit_test(test_base64_round_trips_binary_with_nul),
		cmocka_unit_test(test_base64_decode_flags_truncation_and_junk),
		cmocka_unit_test(test_codecs_round_trip_random_text),
		cmocka_unit_test(test_header_block_len_stops_at_first_empty_line),
		cmocka_unit_test(test_part_decode_reports_unknown_encoding),
		cmocka_unit_test(test_header_block_len_ends_at_non_field),
		cmocka_unit_test(test_parse_part_without_blank_line_is_body),
		cmocka_unit_test(test_parse_tolerates_cte_names_readers_take),
		cmocka_unit_test(test_charset_latin1_and_cp1252_to_utf8),
		cmocka_unit_test(test_charset_unknown_label_guesses_utf8_then_cp1252),
		cmocka_unit_test(test_charset_strict_refuses_invalid_utf8),
		cmocka_unit_test(test_charset_aliases_read_mail_labels),
		cmocka_unit_test(test_charset_strict_refuses_unknown),
		cmocka_unit_test(test_charset_from_utf8_refuses_unrepresentable),
		cmocka_unit_test(test_utf8_valid_rejects_overlongs_and_surrogates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
