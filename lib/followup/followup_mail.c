/*
 * followup_mail.c - the headers and the whole of a follow-up mail, and
 * its hand-over to sendmail; see followup.h (followup_header) and
 * followup_int.h.
 *
 * Header values come from customers and help desks: each is cleaned
 * (sendmail_env_clean), then written as ASCII folded at blanks, or as
 * RFC 2047 encoded words when it holds anything else, so that no line of
 * a header exceeds 78 characters and none can add a header of its own.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "followup/followup.h"
#include "followup/followup_int.h"
#include "mail/mime.h"
#include "mail/sendmail.h"

/* --- headers ------------------------------------------------------------ */

/* Non-ASCII text, or text that would read as an encoded word. */
static bool
needs_encoding(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || (s[i] == '=' && i + 1 < n &&
		    s[i + 1] == '?'))
			return true;
	return false;
}

/* Encoded words of at most 36 bytes of text (60 characters each), whole
 * characters only, one per line after the first. s is valid UTF-8
 * (sendmail_env_clean). */
static void
header_encode_words(struct buf *out, const char *s, size_t n, size_t col)
{
	size_t i = 0, j, k;

	while (i < n) {
		for (j = i; j < n; j += k) {
			k = utf8_seq(s + j, n - j, NULL);
			if (k == 0 || j + k - i > 36)
				break;
		}
		if (j == i)
			j = i + 1;	/* cannot happen with valid UTF-8 */
		if (i > 0 || col > 60) {
			buf_puts(out, "\n ");
		}
		buf_puts(out, "=?utf-8?B?");
		mime_base64_encode(s + i, j - i, false, out);
		/* The encoder ends its output with a line break. */
		while (out->len > 0 && (out->data[out->len - 1] == '\n' ||
		    out->data[out->len - 1] == '\r'))
			buf_truncate(out, out->len - 1);
		buf_puts(out, "?=");
		i = j;
	}
}

/* ASCII words, folded at blanks before column 78 where possible. */
static void
header_fold_ascii(struct buf *out, const char *s, size_t n, size_t col)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (i > 0 && col + (j - i) + 1 > 78) {
			buf_puts(out, "\n ");
			col = 1;
		} else if (i > 0) {
			buf_putc(out, ' ');
			col++;
		}
		buf_append(out, s + i, j - i);
		col += j - i;
		i = j < n ? j + 1 : j;
	}
}

/* followup_header - see followup.h. */
void
followup_header(struct buf *out, const char *name, const char *value)
{
	struct buf v = BUF_INIT;
	size_t col = strlen(name) + 2;

	sendmail_env_clean(&v, value, 900, false);
	/* Blanks at the ends and in runs say nothing in a header. */
	while (v.len > 0 && v.data[v.len - 1] == ' ')
		buf_truncate(&v, v.len - 1);
	buf_printf(out, "%s: ", name);
	if (v.len == 0) {
		buf_putc(out, '\n');
		buf_free(&v);
		return;
	}
	if (needs_encoding(v.data, v.len))
		header_encode_words(out, v.data, v.len, col);
	else
		header_fold_ascii(out, v.data, v.len, col);
	buf_putc(out, '\n');
	buf_free(&v);
}

/* "From: Name <address>" with the display name quoted or encoded. */
static void
header_from(struct buf *out, const struct config *cf)
{
	struct buf v = BUF_INIT;
	const char *name = cf->from_name;
	size_t i;
	bool atoms = true;

	sendmail_env_clean(&v, name, 200, false);
	if (v.len == 0) {
		buf_printf(out, "From: %s\n", cf->reply_address);
		buf_free(&v);
		return;
	}
	buf_puts(out, "From: ");
	if (needs_encoding(v.data, v.len)) {
		header_encode_words(out, v.data, v.len, 6);
	} else {
		for (i = 0; i < v.len; i++)
			if (!isalnum((unsigned char)v.data[i]) &&
			    strchr(" !#$%&'*+-/=?^_`{|}~", v.data[i]) == NULL)
				atoms = false;
		if (atoms) {
			buf_append(out, v.data, v.len);
		} else {
			buf_putc(out, '"');
			for (i = 0; i < v.len; i++) {
				if (v.data[i] == '"' || v.data[i] == '\\')
					buf_putc(out, '\\');
				buf_putc(out, v.data[i]);
			}
			buf_putc(out, '"');
		}
	}
	buf_printf(out, " <%s>\n", cf->reply_address);
	buf_free(&v);
}

/* --- the whole mail ----------------------------------------------------- */

/* followup_mail_head - see followup_int.h. The Message-ID is made of the
 * row alone, so that a retry repeats it. */
void
followup_mail_head(struct buf *msg, const struct followup_ctx *ctx,
    const struct row *r, const char *to)
{
	const struct config *cf = ctx->cf;

	header_from(msg, cf);
	followup_header(msg, "To", to);
	sendmail_date_header(msg, "Date", ctx->now);
	buf_printf(msg, "Message-ID: <npsgate.%s.%s.%lld@%s>\n",
	    followup_kind_name(r->kind), r->survey_id, (long long)r->created_at,
	    cf->reply_domain);
}

/* followup_mail_finish - see followup_int.h. Auto-Submitted (RFC 3834)
 * keeps other robots from answering. */
void
followup_mail_finish(struct buf *msg, const char *auto_submitted,
    const struct template *t, const struct field *fields)
{
	struct buf subject = BUF_INIT, body = BUF_INIT;

	followup_template_fill(t->subject.data, t->subject.len, fields,
	    &subject);
	followup_template_fill(t->body.data, t->body.len, fields, &body);
	buf_printf(msg, "Auto-Submitted: %s\n"
	    "X-Auto-Response-Suppress: All\n", auto_submitted);
	followup_header(msg, "Subject", buf_cstr(&subject));
	buf_puts(msg, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n");
	mime_qp_encode(body.data, body.len, false, msg);
	if (msg->len > 0 && msg->data[msg->len - 1] != '\n')
		buf_putc(msg, '\n');
	buf_free(&subject);
	buf_free(&body);
}

/* followup_mail_send - see followup_int.h. */
int
followup_mail_send(const struct config *cf, const char *from,
    const char *to, const struct buf *msg, struct npserr *err)
{
	const char *rcpt[1] = { to };

	return sendmail_send(cf->sendmail, from, rcpt, 1, msg->data,
	    msg->len, FOLLOWUP_SENDMAIL_TIMEOUT * 1000, err);
}
