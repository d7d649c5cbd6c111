/*
 * reply.c - what a customer's reply says; see reply.h for the contract.
 *
 * reply_analyze() reads the message once with the MIME parser, then:
 *   1. finds the survey: the token in To/Cc/Delivered-To/X-Original-To,
 *      else the survey's Message-ID in In-Reply-To/References (store),
 *      else a token in the subject or in the text of the body;
 *   2. tells bounces, auto-replies and unsubscribes from responses (in
 *      that order of precedence), from headers first and text last;
 *   3. takes the customer's own text (text/plain preferred, HTML made
 *      text with libxml2), reads the score (the widget's pre-filled
 *      subject first) and the comment, and guesses the language.
 * Only a token that verifies (or a Message-ID the store knows) ties the
 * reply to a survey; anything else is unmatched and never scored.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "mail/html.h"
#include "base/json.h"
#include "mail/mime.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "base/utf8.h"
#include "base/xalloc.h"

#define MAX_TEXT_BYTES (4u << 20)	/* of own text we read for a score */

static const char *const kind_names[] = {
	"response", "autoreply", "bounce", "unsubscribe", "unmatched",
	"unparsed"
};

const char *
reply_kind_name(enum reply_kind kind)
{
	if ((int)kind < 0 || (int)kind > REPLY_UNPARSED)
		return "unknown";
	return kind_names[kind];
}

/* Everything one analysis needs, freed at the end. */
struct analysis {
	const struct reply_ctx *ctx;
	const char *msg;
	size_t len;
	struct mime_part *root;
	struct buf subject;	/* decoded, UTF-8 */
	struct buf plain;	/* the body text chosen (UTF-8) */
	struct buf raw_text;	/* every text part decoded, for token search */
	struct field {
		const char *name, *value;
		size_t nlen, vlen;
	} *fields;		/* the top-level header fields, in order */
	size_t n_fields;
};

/* Splits the top-level header block into fields once: every lookup
 * after that compares names only. Lines may end in CRLF or LF; a value
 * runs over its continuation lines (kept as they are) without its final
 * line end. */
static void
index_headers(struct analysis *a)
{
	const char *hdr = a->msg + a->root->hdr_off, *eol;
	size_t hlen = a->root->hdr_len, i = 0, e, j, cap = 0;

	while (i < hlen) {
		eol = memchr(hdr + i, '\n', hlen - i);
		e = eol ? (size_t)(eol - hdr) + 1 : hlen;
		if (hdr[i] == ' ' || hdr[i] == '\t' || hdr[i] == '\r' ||
		    hdr[i] == '\n') {
			i = e;
			continue;
		}
		for (j = i; j < e && hdr[j] != ':' && hdr[j] != ' ' &&
		    hdr[j] != '\t' && hdr[j] != '\n'; j++)
			;
		if (a->n_fields == cap) {
			cap = cap ? cap * 2 : 32;
			a->fields = xrealloc(a->fields, cap *
			    sizeof(*a->fields));
		}
		a->fields[a->n_fields].name = hdr + i;
		a->fields[a->n_fields].nlen = j - i;
		while (j < e && (hdr[j] == ' ' || hdr[j] == '\t'))
			j++;
		if (j >= e || hdr[j] != ':') {
			i = e;		/* not a field: ignore the line */
			continue;
		}
		j++;
		while (e < hlen && (hdr[e] == ' ' || hdr[e] == '\t')) {
			eol = memchr(hdr + e, '\n', hlen - e);
			e = eol ? (size_t)(eol - hdr) + 1 : hlen;
		}
		i = e;
		while (j < e && (hdr[j] == ' ' || hdr[j] == '\t'))
			j++;
		while (e > j && (hdr[e - 1] == '\n' || hdr[e - 1] == '\r'))
			e--;
		a->fields[a->n_fields].value = hdr + j;
		a->fields[a->n_fields].vlen = e - j;
		a->n_fields++;
	}
}

/* The next field named name from index *at on (start with 0). Returns
 * 1 with the value, or 0 when there is none left. */
static int
header_next(struct analysis *a, size_t *at, const char *name,
    const char **value, size_t *vlen)
{
	size_t nl = strlen(name), i;

	for (i = *at; i < a->n_fields; i++) {
		if (a->fields[i].nlen != nl ||
		    strncasecmp(a->fields[i].name, name, nl) != 0)
			continue;
		*value = a->fields[i].value;
		*vlen = a->fields[i].vlen;
		*at = i + 1;
		return 1;
	}
	*at = a->n_fields;
	return 0;
}

static int
root_header(struct analysis *a, const char *name, const char **v, size_t *n)
{
	size_t at = 0;

	return header_next(a, &at, name, v, n);
}

/* A header value decoded (RFC 2047) and made valid UTF-8, into out. */
static void
header_text(const char *v, size_t n, struct buf *out)
{
	struct buf tmp = BUF_INIT;

	mime_words_decode(v, n, &tmp);
	if (utf8_valid(buf_cstr(&tmp), tmp.len))
		buf_append(out, buf_cstr(&tmp), tmp.len);
	else
		mime_charset_to_utf8("", tmp.data, tmp.len, out);
	buf_free(&tmp);
}

/* The addr-spec of a From value ("Name <a@b>" or "a@b"), lowercased, as
 * a new string (caller frees), or NULL. */
static char *
address_of(const char *v, size_t n)
{
	const char *lt = memchr(v, '<', n), *p, *e;
	size_t i, len;
	char *s;

	if (lt != NULL) {
		p = lt + 1;
		e = memchr(p, '>', n - (size_t)(p - v));
		if (e == NULL)
			e = v + n;
	} else {
		const char *at = memchr(v, '@', n);

		if (at == NULL)
			return NULL;
		p = at;
		while (p > v && !rint_is_blank((unsigned char)p[-1]) &&
		    p[-1] != ',' && p[-1] != '"')
			p--;
		e = at;
		while (e < v + n && !rint_is_blank((unsigned char)*e) &&
		    *e != ',' && *e != '(')
			e++;
	}
	while (p < e && rint_is_blank((unsigned char)*p))
		p++;
	len = (size_t)(e - p);
	while (len > 0 && rint_is_blank((unsigned char)p[len - 1]))
		len--;
	if (len == 0 || len > 320 || memchr(p, '@', len) == NULL)
		return NULL;
	s = xstrndup(p, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			s[i] = '?';
		else
			s[i] = (char)rint_lower(c);
	}
	return s;
}

static void
set_reason(struct reply_result *out, const char *fmt, const char *arg)
{
	struct buf b = BUF_INIT;

	free(out->reason);
	buf_printf(&b, fmt, arg);
	out->reason = buf_steal(&b);
}

/* ---- finding the survey ------------------------------------------ */

static time_t
lifetime_of(const struct config *cf)
{
	return cf->token_lifetime_days > 0 ?
	    (time_t)cf->token_lifetime_days * 86400 : 0;
}

/* Verifies tok and records the outcome. Returns true for TOKEN_OK. */
static bool
take_token(struct analysis *a, const char *tok, size_t toklen,
    const char *how, struct reply_result *out)
{
	struct token t;
	enum token_status st;

	st = token_verify(a->ctx->ring, tok, toklen, a->ctx->now,
	    lifetime_of(a->ctx->cf), &t);
	out->token_found = true;
	out->token_status = st;
	out->matched_by = how;
	if (st != TOKEN_OK)
		return false;
	memcpy(out->survey_id, t.survey_id, sizeof(out->survey_id));
	out->type = t.type;
	return true;
}

/* The token in a recipient header: "nps+TOKEN@...". Returns 1 when one
 * was found (verified or not), else 0. */
static int
token_in_recipients(struct analysis *a, struct reply_result *out)
{
	static const char *const names[] = { "To", "Cc", "Delivered-To",
		"X-Original-To", "Envelope-To", "X-Delivered-To", NULL };
	const char *v, *tok;
	size_t pos, vlen, toklen, i;
	const char *prefix = a->ctx->cf->reply_local;
	bool seen = false;
	struct reply_result first;

	memset(&first, 0, sizeof(first));
	for (i = 0; names[i] != NULL; i++) {
		pos = 0;
		while (header_next(a, &pos, names[i], &v, &vlen)) {
			size_t off = 0;

			while (off < vlen && (tok = token_find_in_address(v +
			    off, vlen - off, prefix, &toklen)) != NULL) {
				off = (size_t)(tok - v) + toklen;
				if (take_token(a, tok, toklen, "address", out))
					return 1;
				if (!seen) {
					first = *out;
					seen = true;
				}
			}
		}
	}
	if (seen) {
		out->token_found = first.token_found;
		out->token_status = first.token_status;
		out->matched_by = first.matched_by;
	}
	return seen ? 1 : 0;
}

/* The survey whose Message-ID the reply quotes in In-Reply-To or
 * References. Returns 1 found, 0 not, -1 on a store error. */
static int
survey_by_message_id(struct analysis *a, struct reply_result *out,
    struct survey_rec *rec, struct npserr *err)
{
	static const char *const names[] = { "In-Reply-To", "References",
		NULL };
	const char *v;
	size_t vlen, i, j, k;
	int r;

	if (a->ctx->store == NULL)
		return 0;
	for (i = 0; names[i] != NULL; i++) {
		if (!root_header(a, names[i], &v, &vlen))
			continue;
		for (j = 0; j < vlen; j++) {
			char *id;

			if (v[j] != '<')
				continue;
			for (k = j + 1; k < vlen && v[k] != '>' && v[k] != '<';
			    k++)
				;
			if (k >= vlen || v[k] != '>' || k - j > 998)
				continue;
			id = xstrndup(v + j, k - j + 1);
			r = store_survey_find_by_message_id(a->ctx->store, id,
			    rec, err);
			free(id);
			if (r < 0)
				return -1;
			if (r > 0) {
				memcpy(out->survey_id, rec->id,
				    sizeof(out->survey_id));
				out->type = rec->type;
				out->matched_by = "message-id";
				return 1;
			}
			j = k;
		}
	}
	return 0;
}

static bool
is_base32(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '2' && c <= '7');
}

/* A token in free text: "+" then exactly TOKEN_LEN base32 characters.
 * The first one that verifies wins; else the first one seen is
 * reported. Returns 1 when one was seen. */
static int
token_in_text(struct analysis *a, const char *s, size_t n, const char *how,
    struct reply_result *out, bool *ok)
{
	size_t i, j;
	bool seen = false;
	struct reply_result first;

	memset(&first, 0, sizeof(first));
	*ok = false;
	for (i = 0; i + TOKEN_LEN < n; i++) {
		if (s[i] != '+')
			continue;
		for (j = i + 1; j < n && j - i - 1 <= TOKEN_LEN &&
		    is_base32((unsigned char)s[j]); j++)
			;
		if (j - i - 1 != TOKEN_LEN)
			continue;
		if (take_token(a, s + i + 1, TOKEN_LEN, how, out)) {
			*ok = true;
			return 1;
		}
		if (!seen) {
			first = *out;
			seen = true;
		}
		i = j - 1;
	}
	if (seen) {
		out->token_found = first.token_found;
		out->token_status = first.token_status;
		out->matched_by = first.matched_by;
	}
	return seen ? 1 : 0;
}

/* ---- the body ------------------------------------------------------ */

static void
part_text(struct analysis *a, const struct mime_part *p, struct buf *out)
{
	struct buf raw = BUF_INIT;

	mime_part_decode(a->msg, p, &raw);
	mime_charset_to_utf8(p->charset, buf_cstr(&raw), raw.len, out);
	buf_free(&raw);
}

static bool
is_blank_text(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (!rint_is_blank((unsigned char)b->data[i]))
			return false;
	return true;
}

/* The text a reader sees in part p, appended to out: text/plain as it is,
 * text/html made text, one alternative of a multipart/alternative (plain
 * preferred, unless it is empty), every inline part of other multiparts
 * in order (Apple Mail splits text around inline images). Attachments and
 * attached messages are not the customer's words. */
static void
collect_text(struct analysis *a, const struct mime_part *p, struct buf *out,
    int depth)
{
	const struct mime_part *c;
	struct buf tmp = BUF_INIT;

	if (p->attachment || depth > MIME_MAX_DEPTH)
		return;
	if (strcmp(p->type, "multipart") == 0 &&
	    strcmp(p->subtype, "alternative") == 0) {
		const struct mime_part *html = NULL;

		for (c = p->child; c != NULL; c = c->next) {
			if (c->attachment)
				continue;
			if (strcmp(c->type, "text") == 0 &&
			    strcmp(c->subtype, "html") == 0) {
				if (html == NULL)
					html = c;
				continue;
			}
			buf_reset(&tmp);
			collect_text(a, c, &tmp, depth + 1);
			if (!is_blank_text(&tmp)) {
				buf_append(out, tmp.data, tmp.len);
				buf_free(&tmp);
				return;
			}
		}
		if (html != NULL)
			collect_text(a, html, out, depth + 1);
		buf_free(&tmp);
		return;
	}
	if (strcmp(p->type, "multipart") == 0) {
		for (c = p->child; c != NULL; c = c->next)
			collect_text(a, c, out, depth + 1);
		return;
	}
	if (strcmp(p->type, "text") != 0 && p->type[0] != '\0')
		return;
	if (strcmp(p->subtype, "html") == 0) {
		part_text(a, p, &tmp);
		html_to_text(buf_cstr(&tmp), tmp.len, out);
	} else if (strcmp(p->subtype, "plain") == 0 || p->subtype[0] == '\0') {
		part_text(a, p, out);
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
	}
	buf_free(&tmp);
}

/* Every text part (attached messages included), decoded, for the token
 * search in the body and in returned messages. */
static void
all_text(struct analysis *a, const struct mime_part *p, struct buf *out)
{
	for (; p != NULL; p = p->next) {
		if (p->child != NULL) {
			all_text(a, p->child, out);
			/* A returned message's header block holds the
			 * Reply-To with the token. */
			if (strcmp(p->type, "message") == 0)
				buf_append(out, a->msg + p->child->hdr_off,
				    p->child->hdr_len);
			continue;
		}
		if (strcmp(p->type, "text") == 0 ||
		    strcmp(p->type, "message") == 0) {
			part_text(a, p, out);
			buf_putc(out, '\n');
		}
	}
}

static void
read_body(struct analysis *a)
{
	collect_text(a, a->root, &a->plain, 0);
}

/* ---- kinds --------------------------------------------------------- */

static bool
value_is(const char *v, size_t n, const char *word)
{
	while (n > 0 && rint_is_blank((unsigned char)v[n - 1]))
		n--;
	return rint_equal(v, n, word);
}

/* Bounces: a delivery report, a null Return-Path (without the marks of
 * an auto-reply, which may also use one), a mail from the mail system. */
static const char *
bounce_reason(struct analysis *a, bool looks_auto)
{
	const char *v;
	size_t n;
	struct buf rt = BUF_INIT;
	char *from;

	if (strcmp(a->root->type, "multipart") == 0 &&
	    strcmp(a->root->subtype, "report") == 0 &&
	    root_header(a, "Content-Type", &v, &n) &&
	    mime_param_get(v, n, "report-type", &rt)) {
		bool dsn = rint_equal(rt.data, rt.len, "delivery-status");

		buf_free(&rt);
		if (dsn)
			return "bounce: delivery-status report";
	}
	buf_free(&rt);
	if (root_header(a, "From", &v, &n) && (from = address_of(v, n))) {
		size_t fl = strlen(from);
		bool daemon = rint_prefix(from, fl, "mailer-daemon@") ||
		    rint_prefix(from, fl, "postmaster@") ||
		    rint_prefix(from, fl, "mail-daemon@");

		free(from);
		if (daemon)
			return "bounce: from the mail system";
	}
	if (!looks_auto && root_header(a, "Return-Path", &v, &n) &&
	    value_is(v, n, "<>"))
		return "bounce: null Return-Path";
	return NULL;
}

static const char *const auto_subjects[] = {
	"automatic reply", "réponse automatique", "reponse automatique",
	"absence du bureau", "out of office", "out of the office",
	"abwesenheitsnotiz", "autoreply", "auto-reply", "auto reply",
	"automatische antwort", "risposta automatica", "respuesta automática",
	"fuera de la oficina", "message d'absence", "message d’absence",
	"autosvar", "absent du bureau",
	"accusé de réception automatique", "auto-response",
	"automatic response", "réponse automatique d'absence",
	"away from the office", "away from office", NULL
};

/* Texts that say the writer is away, for auto-replies that carry none of
 * the headers (some webmails, ticketing systems). */
static const char *const auto_texts[] = {
	"je suis absent du bureau", "je suis absente du bureau",
	"je suis actuellement absent", "je suis actuellement absente",
	"je serai absent du bureau", "je serai absente du bureau",
	"i am out of the office", "i'm out of the office",
	"i am currently out of the office", "i am currently out of office",
	"i will be out of the office", "this is an automatic reply",
	"this is an automated response", "this is an automated reply",
	"ceci est une réponse automatique", "ceci est un message automatique",
	"ceci est un accusé de réception automatique", NULL
};

/* Short tags auto-responders put first in the subject ("Auto: ...",
 * "[OOO] ..."): anywhere else they are ordinary words ("l'auto: ..."). */
static const char *const auto_subject_starts[] = {
	"auto:", "ooo", "[ooo]", "(ooo)", "autoreply:", "auto-reply:",
	"auto reply:", NULL
};

static bool
subject_looks_auto(const char *s, size_t n)
{
	size_t i;

	while (n > 0 && rint_is_blank((unsigned char)*s))
		s++, n--;
	for (i = 0; auto_subject_starts[i] != NULL; i++) {
		size_t m = strlen(auto_subject_starts[i]);

		if (rint_prefix(s, n, auto_subject_starts[i]) &&
		    (m == n || !rint_is_word_byte(s, n, m)))
			return true;
	}

	for (i = 0; auto_subjects[i] != NULL; i++) {
		size_t at = rint_find(s, n, auto_subjects[i]), m;

		if (at == (size_t)-1)
			continue;
		m = strlen(auto_subjects[i]);
		/* whole words: "ooo" is not inside "Cooool" */
		if (at > 0 && rint_is_word_byte(s, n, at - 1))
			continue;
		if (at + m < n && rint_is_word_byte(s, n, at + m) &&
		    auto_subjects[i][m - 1] != ':')
			continue;
		return true;
	}
	return false;
}

static const char *
auto_reason(struct analysis *a)
{
	const char *v;
	size_t n;

	if (root_header(a, "Auto-Submitted", &v, &n) &&
	    !rint_prefix(v, n, "no"))
		return "auto-reply: Auto-Submitted";
	if (root_header(a, "X-Autoreply", &v, &n))
		return "auto-reply: X-Autoreply";
	if (root_header(a, "X-Autorespond", &v, &n))
		return "auto-reply: X-Autorespond";
	if (root_header(a, "X-Autoresponder", &v, &n))
		return "auto-reply: X-Autoresponder";
	if (root_header(a, "Precedence", &v, &n) &&
	    (value_is(v, n, "auto_reply") || value_is(v, n, "bulk") ||
	    value_is(v, n, "junk") || value_is(v, n, "list")))
		return "auto-reply: Precedence";
	if (strcmp(a->root->type, "multipart") == 0 &&
	    strcmp(a->root->subtype, "report") == 0)
		return "auto-reply: report";	/* read receipts and the like */
	if (root_header(a, "X-Auto-Response-Suppress", &v, &n) &&
	    subject_looks_auto(buf_cstr(&a->subject), a->subject.len))
		return "auto-reply: X-Auto-Response-Suppress";
	if (subject_looks_auto(buf_cstr(&a->subject), a->subject.len))
		return "auto-reply: subject";
	if (root_header(a, "X-MS-Exchange-Inbox-Rules-Loop", &v, &n) ||
	    root_header(a, "X-Mailer-Autoreply", &v, &n))
		return "auto-reply: mailbox rule";
	return NULL;
}

static bool
text_looks_auto(const char *s, size_t n)
{
	size_t i;

	for (i = 0; auto_texts[i] != NULL; i++)
		if (rint_find(s, n, auto_texts[i]) != (size_t)-1)
			return true;
	return false;
}

/* The subject without "Re:", "RE :", "TR:", "Fwd:", "AW:" prefixes. */
static void
subject_core(const char *s, size_t n, const char **cp, size_t *cn)
{
	static const char *const pre[] = { "re", "réf", "ref", "tr", "fw",
		"fwd", "aw", "wg", "sv", "antw", "rép", "rep", NULL };
	size_t i, j;
	bool again = true;

	while (again) {
		again = false;
		while (n > 0 && rint_is_blank((unsigned char)*s))
			s++, n--;
		for (i = 0; pre[i] != NULL; i++) {
			if (!rint_prefix(s, n, pre[i]))
				continue;
			j = strlen(pre[i]);
			while (j < n && s[j] == ' ')
				j++;
			if (j < n && s[j] == ':') {
				s += j + 1;
				n -= j + 1;
				again = true;
				break;
			}
		}
	}
	while (n > 0 && rint_is_blank((unsigned char)s[n - 1]))
		n--;
	*cp = s;
	*cn = n;
}

/* ---- the result ---------------------------------------------------- */

/* True when the header block ends with its blank line. */
static bool
header_block_closed(const char *msg, size_t len)
{
	return (len >= 2 && msg[len - 1] == '\n' && msg[len - 2] == '\n') ||
	    (len >= 4 && memcmp(msg + len - 4, "\r\n\r\n", 4) == 0) ||
	    (len >= 3 && memcmp(msg + len - 3, "\n\r\n", 3) == 0);
}

void
reply_result_clear(struct reply_result *res)
{
	free(res->comment);
	free(res->from);
	free(res->lang);
	free(res->message_id);
	free(res->reason);
	free(res->recipient);
	memset(res, 0, sizeof(*res));
	res->score = -1;
	res->category = NPS_NONE;
}

static void
analysis_free(struct analysis *a)
{
	buf_free(&a->subject);
	buf_free(&a->plain);
	buf_free(&a->raw_text);
	free(a->fields);
	if (a->root != NULL)
		mime_tree_free(a->root);
}

/* The score and comment of a response, from the subject and the own
 * text. */
static void
read_answer(struct analysis *a, const char *own, size_t on,
    struct reply_result *out)
{
	struct reply_score sc;
	int subj;
	size_t i;
	const char *prefix = a->ctx->cf->subject_prefix;
	struct buf comment = BUF_INIT;

	subj = reply_score_from_subject(buf_cstr(&a->subject), a->subject.len,
	    out->type, prefix);
	for (i = 0; subj < 0 && a->ctx->prefixes != NULL &&
	    a->ctx->prefixes[i] != NULL; i++)
		subj = reply_score_from_subject(buf_cstr(&a->subject),
		    a->subject.len, out->type, a->ctx->prefixes[i]);
	reply_score_find(own, on, out->type, &sc);
	if (subj >= 0 && sc.score >= 0 && sc.strong && sc.score != subj) {
		/* A different score plainly written in the text changes
		 * the customer's click: that is for a person to settle. */
		struct buf b = BUF_INIT;

		buf_printf(&b, "ambiguous: subject %d, text %d", subj,
		    sc.score);
		free(out->reason);
		out->reason = buf_steal(&b);
	} else if (subj >= 0) {
		out->score = subj;
	} else if (sc.score >= 0) {
		out->score = sc.score;
	} else {
		set_reason(out, "%s", sc.why[0] ? sc.why : "no score");
	}
	if (out->score >= 0)
		out->category = nps_category(out->type, out->score);
	reply_comment_make(own, on, out->score, out->type, a->ctx->prefill,
	    &comment);
	if (comment.len > 0)
		out->comment = buf_steal(&comment);
	buf_free(&comment);
}

/*
 * reply_analyze - see reply.h. *out is cleared first and always filled
 * (caller clears it with reply_result_clear); -1 only when the store
 * could not be read (err says why), so the caller keeps the message for
 * a later try.
 */
int
reply_analyze(const struct reply_ctx *ctx, const char *msg, size_t len,
    struct reply_result *out, struct npserr *err)
{
	struct analysis a;
	struct npserr perr;
	struct survey_rec rec;
	struct buf own = BUF_INIT;
	const char *v, *why, *core;
	size_t n, core_len;
	bool ok = false, have_rec = false, looks_auto, refused;
	int r;

	memset(out, 0, sizeof(*out));
	out->score = -1;
	out->category = NPS_NONE;
	out->kind = REPLY_RESPONSE;
	memset(&a, 0, sizeof(a));
	memset(&rec, 0, sizeof(rec));
	a.ctx = ctx;
	a.msg = msg;
	a.len = len;
	npserr_clear(err);

	a.root = mime_parse(msg, len, &perr);
	if (a.root == NULL) {
		out->kind = REPLY_UNPARSED;
		set_reason(out, "unparsed: %s", perr.msg);
		return 0;
	}
	index_headers(&a);
	if (!root_header(&a, "From", &v, &n) &&
	    !root_header(&a, "Subject", &v, &n) &&
	    !root_header(&a, "To", &v, &n)) {
		out->kind = REPLY_UNPARSED;
		set_reason(out, "%s", len == 0 ? "unparsed: empty message" :
		    "unparsed: no header block");
		analysis_free(&a);
		return 0;
	}
	if (a.root->hdr_len == len && !header_block_closed(msg, len)) {
		/* Cut off inside its header: what it said is lost. */
		out->kind = REPLY_UNPARSED;
		set_reason(out, "%s", "unparsed: truncated in the header");
		analysis_free(&a);
		return 0;
	}
	if (root_header(&a, "From", &v, &n))
		out->from = address_of(v, n);
	if (root_header(&a, "Message-ID", &v, &n) && n > 0 && n < 998) {
		while (n > 0 && rint_is_blank((unsigned char)v[n - 1]))
			n--;
		out->message_id = xstrndup(v, n);
	}
	if (root_header(&a, "Subject", &v, &n))
		header_text(v, n, &a.subject);

	/* 1. the survey */
	/* A token of ours that was refused (forged, expired, unknown key)
	 * settles it: the reply is unmatched. A malformed one ("nps+foo@")
	 * is not one of ours: look further. */
	token_in_recipients(&a, out);
	ok = out->token_found && out->token_status == TOKEN_OK;
	refused = out->token_found && !ok &&
	    out->token_status != TOKEN_MALFORMED;
	if (!ok && !refused) {
		r = survey_by_message_id(&a, out, &rec, err);
		if (r < 0) {
			analysis_free(&a);
			return -1;
		}
		if (r > 0) {
			ok = true;
			have_rec = true;
			out->token_found = false;
		}
	}
	read_body(&a);
	if (a.plain.len > MAX_TEXT_BYTES)
		buf_truncate(&a.plain, MAX_TEXT_BYTES);
	reply_text_own(buf_cstr(&a.plain), a.plain.len, ctx->prefill, &own);
	if (!ok && !refused) {
		if (token_in_text(&a, buf_cstr(&a.subject), a.subject.len,
		    "subject", out, &ok) && !ok &&
		    out->token_status != TOKEN_MALFORMED)
			refused = true;
		if (!ok && !refused) {
			all_text(&a, a.root, &a.raw_text);
			token_in_text(&a, buf_cstr(&a.raw_text), a.raw_text.len,
			    "body", out, &ok);
		}
	}
	if (ok && !have_rec && ctx->store != NULL) {
		r = store_survey_get(ctx->store, out->survey_id, &rec, err);
		if (r < 0) {
			analysis_free(&a);
			return -1;
		}
		have_rec = r > 0;
		if (have_rec)
			out->type = rec.type;
	}

	/* 2. the kind */
	why = auto_reason(&a);
	looks_auto = why != NULL;
	{
		const char *b = bounce_reason(&a, looks_auto);

		if (b != NULL) {
			out->kind = REPLY_BOUNCE;
			set_reason(out, "%s", b);
			/* The survey is named in the returned headers. */
			if (!ok) {
				bool found = out->token_found;

				if (a.raw_text.len == 0)
					all_text(&a, a.root, &a.raw_text);
				out->token_found = false;
				token_in_text(&a, buf_cstr(&a.raw_text),
				    a.raw_text.len, "bounced-headers", out,
				    &ok);
				if (!out->token_found)
					out->token_found = found;
			}
			goto done;
		}
	}
	if (why != NULL) {
		out->kind = REPLY_AUTOREPLY;
		set_reason(out, "%s", why);
		goto done;
	}
	if (text_looks_auto(buf_cstr(&own), own.len)) {
		out->kind = REPLY_AUTOREPLY;
		set_reason(out, "%s", "auto-reply: text");
		goto done;
	}
	subject_core(buf_cstr(&a.subject), a.subject.len, &core, &core_len);
	/* Only a reply tied to a survey can ask to stop them: marketing
	 * mail sent to the reply address carries "unsubscribe" links. */
	if (ok && (reply_text_is_unsubscribe(core, core_len) ||
	    reply_text_is_unsubscribe(buf_cstr(&own), own.len))) {
		out->kind = REPLY_UNSUBSCRIBE;
		set_reason(out, "%s", "unsubscribe");
		goto done;
	}
	if (!ok) {
		out->kind = REPLY_UNMATCHED;
		set_reason(out, "%s", out->token_found ?
		    token_status_name(out->token_status) :
		    "no token, no known Message-ID");
		if (out->token_found) {
			struct buf b = BUF_INIT;

			buf_printf(&b, "token %s",
			    token_status_name(out->token_status));
			free(out->reason);
			out->reason = buf_steal(&b);
		}
		goto done;	/* no survey: nothing to comment on */
	}
	read_answer(&a, buf_cstr(&own), own.len, out);

done:
	if (out->kind != REPLY_UNPARSED) {
		const char *lang = reply_lang_guess(buf_cstr(&own), own.len);

		/* A bare "9": the quoted survey mail is in the survey's
		 * language. */
		if (lang == NULL)
			lang = reply_lang_guess(buf_cstr(&a.plain),
			    a.plain.len < 4096 ? a.plain.len : 4096);
		if (lang == NULL)
			lang = reply_lang_guess(buf_cstr(&a.subject),
			    a.subject.len);
		if (lang == NULL && have_rec && rec.lang != NULL &&
		    rec.lang[0] != '\0')
			lang = rec.lang;
		if (lang == NULL && ctx->cf->default_lang != NULL)
			lang = ctx->cf->default_lang;
		if (lang != NULL)
			out->lang = xstrdup(lang);
	}
	if (!ok)
		out->survey_id[0] = '\0';
	if (ok && have_rec) {
		out->survey_in_store = true;
		if (rec.recipient != NULL)
			out->recipient = xstrdup(rec.recipient);
	}
	if (have_rec)
		store_survey_clear(&rec);
	buf_free(&own);
	analysis_free(&a);
	return 0;
}

/* ---- JSON ---------------------------------------------------------- */

/*
 * reply_result_json - see reply.h. Fields absent from the result are
 * null; token_status is "none" when no token was found.
 */
void
reply_result_json(const struct reply_result *res, struct buf *out)
{
	bool tied = res->survey_id[0] != '\0';
	int n = 0;

	buf_putc(out, '{');
	json_member_str(out, &n, "kind", reply_kind_name(res->kind));
	json_member_str(out, &n, "token_status", res->token_found ?
	    token_status_name(res->token_status) : "none");
	json_member_str(out, &n, "survey_id", tied ? res->survey_id : NULL);
	json_member_str(out, &n, "matched_by", res->matched_by);
	json_member_str(out, &n, "type", tied ? nps_type_name(res->type) :
	    NULL);
	if (res->score >= 0)
		json_member_int(out, &n, "score", res->score);
	else
		json_member_null(out, &n, "score");
	json_member_str(out, &n, "category", res->category != NPS_NONE ?
	    nps_category_name(res->category) : NULL);
	json_member_str(out, &n, "comment", res->comment);
	json_member_str(out, &n, "from", res->from);
	json_member_str(out, &n, "lang", res->lang);
	json_member_str(out, &n, "message_id", res->message_id);
	json_member_str(out, &n, "reason", res->reason);
	buf_putc(out, '}');
}
