/*
 * reply_match.c - the survey a reply answers (see reply_int.h): the
 * token in a recipient address, or written in free text (the subject,
 * the body outside the customer's own text, a returned message); and,
 * as a hint only, the survey whose Message-ID the reply quotes in
 * In-Reply-To or References (through the store).
 *
 * Every token seen is verified; the first that verifies names the
 * survey. When none does, the result tells what the first one seen was
 * (forged, expired, unknown key, malformed), so that a person reviewing
 * the reply knows why it was not counted. A Message-ID never ties: it
 * is public enough to be guessed.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"
#include "incoming/reply_int.h"
#include "store/store.h"
#include "survey/token.h"

/* What the first token seen in one place said, reported when none of
 * them verifies. */
struct first_token {
	bool seen;
	enum token_status status;
	const char *matched_by;
};

static void
first_token_note(struct first_token *f, const struct reply_result *out)
{
	if (f->seen)
		return;
	f->seen = true;
	f->status = out->token_status;
	f->matched_by = out->matched_by;
}

/* Puts the first token's outcome back into out; 1 when there was one. */
static int
first_token_report(const struct first_token *f, struct reply_result *out)
{
	if (!f->seen)
		return 0;
	out->token_found = true;
	out->token_status = f->status;
	out->matched_by = f->matched_by;
	return 1;
}

static time_t
lifetime_of(const struct config *cf)
{
	return cf->token_lifetime_days > 0 ?
	    (time_t)cf->token_lifetime_days * 86400 : 0;
}

/* Verifies tok and records the outcome. Returns true for TOKEN_OK. */
static bool
take_token(const struct reply_analysis *a, const char *tok, size_t toklen,
    const char *how, struct reply_result *out)
{
	struct token t;
	enum token_status st;

	st = token_verify(a->ctx->ring, tok, toklen, a->ctx->now,
	    lifetime_of(a->ctx->cf), &t);
	out->token_found = true;
	out->token_status = st;
	out->matched_by = how;
	if (st == TOKEN_EXPIRED && out->expired_id[0] == '\0')
		memcpy(out->expired_id, t.survey_id, sizeof(out->expired_id));
	if (st != TOKEN_OK)
		return false;
	memcpy(out->survey_id, t.survey_id, sizeof(out->survey_id));
	out->type = t.type;
	return true;
}

/* reply_match_recipients - see reply_int.h. */
int
reply_match_recipients(const struct reply_analysis *a,
    struct reply_result *out)
{
	static const char *const names[] = { "To", "Cc", "Delivered-To",
		"X-Original-To", "Envelope-To", "X-Delivered-To", NULL };
	const char *v, *tok;
	size_t pos, vlen, toklen, i;
	const char *prefix = a->ctx->cf->reply_local;
	struct first_token first = { false, TOKEN_OK, NULL };

	for (i = 0; names[i] != NULL; i++) {
		pos = 0;
		while (reply_header_next(a, &pos, names[i], &v, &vlen)) {
			size_t off = 0;

			while (off < vlen && (tok = token_find_in_address(v +
			    off, vlen - off, prefix, &toklen)) != NULL) {
				off = (size_t)(tok - v) + toklen;
				if (take_token(a, tok, toklen, "address", out))
					return 1;
				first_token_note(&first, out);
			}
		}
	}
	return first_token_report(&first, out);
}

/* reply_match_message_id - see reply_int.h. */
int
reply_match_message_id(const struct reply_analysis *a,
    struct reply_result *out, struct npserr *err)
{
	static const char *const names[] = { "In-Reply-To", "References",
		NULL };
	struct survey_rec rec;
	const char *v;
	size_t vlen, i, j, k;
	int r;

	if (a->ctx->store == NULL)
		return 0;
	for (i = 0; names[i] != NULL; i++) {
		if (!reply_header_get(a, names[i], &v, &vlen))
			continue;
		for (j = 0; j < vlen; j++) {
			char *id;

			if (v[j] != '<')
				continue;
			/* A NUL ends nothing and names nothing. */
			for (k = j + 1; k < vlen && v[k] != '>' &&
			    v[k] != '<' && v[k] != '\0'; k++)
				;
			if (k >= vlen || v[k] != '>' || k - j > 998)
				continue;
			id = xstrndup(v + j, k - j + 1);
			memset(&rec, 0, sizeof(rec));
			r = store_survey_find_by_message_id(a->ctx->store, id,
			    &rec, err);
			free(id);
			if (r > 0)
				memcpy(out->hint_id, rec.id,
				    sizeof(out->hint_id));
			store_survey_clear(&rec);
			if (r != 0)
				return r;
			j = k;
		}
	}
	return 0;
}

/* True when the token tok[0..TOKEN_LEN) occurs in typed. */
static bool
token_typed(const struct buf *typed, const char *tok)
{
	const char *t = buf_cstr(typed);

	return typed->len >= TOKEN_LEN &&
	    memmem(t, typed->len, tok, TOKEN_LEN) != NULL;
}

/* reply_match_text - see reply_int.h. A token in free text is "+" then
 * exactly TOKEN_LEN base32 characters. */
int
reply_match_text(const struct reply_analysis *a, const char *s, size_t n,
    const char *how, const struct buf *typed, struct reply_result *out,
    bool *ok)
{
	size_t i, j;
	struct first_token first = { false, TOKEN_OK, NULL };

	*ok = false;
	for (i = 0; i + TOKEN_LEN < n; i++) {
		if (s[i] != '+')
			continue;
		for (j = i + 1; j < n && j - i - 1 <= TOKEN_LEN &&
		    token_char_valid((unsigned char)s[j]); j++)
			;
		if (j - i - 1 != TOKEN_LEN)
			continue;
		if (typed != NULL && token_typed(typed, s + i + 1)) {
			i = j - 1;
			continue;
		}
		if (take_token(a, s + i + 1, TOKEN_LEN, how, out)) {
			*ok = true;
			return 1;
		}
		first_token_note(&first, out);
		i = j - 1;
	}
	return first_token_report(&first, out);
}
