/*
 * reply.c - what a customer's reply says; see reply.h for the contract.
 *
 * reply_analyze() reads the message once with the MIME parser, then:
 *   1. takes the customer's own text (text/plain preferred, HTML made
 *      text with libxml2);
 *   2. finds the survey: the token in To/Cc/Delivered-To/X-Original-To,
 *      else a token in the subject or in the text of the body outside
 *      the own text; without one, the survey whose Message-ID the reply
 *      quotes in In-Reply-To/References (store) is only a hint;
 *   3. tells bounces, auto-replies and unsubscribes from responses (in
 *      that order of precedence), from headers first and text last;
 *   4. reads the score (the widget's pre-filled subject first) and the
 *      comment, and guesses the language.
 * Only a token that verifies ties the reply to a survey; anything else is
 * unmatched and never scored.
 *
 * Each analysis has a budget (struct reply_budget): the thread's CPU
 * time, looked at between the steps, and the bytes of text decoded,
 * counted as the parts are read; an HTML part beyond its limits is not
 * parsed at all. A reply past any of them is unparsed, with the reason,
 * and goes to a person: it is never half read and scored.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/lang.h"
#include "base/xalloc.h"
#include "mail/address.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "mail/mime.h"
#include "store/store.h"
#include "survey/nps.h"
#include "survey/token.h"

#define MAX_TEXT_BYTES (4u << 20)	/* of own text we read for a score */

const struct reply_budget reply_budget_default = {
	REPLY_BUDGET_CPU_MS, REPLY_BUDGET_TEXT_BYTES,
	{ HTML_MAX_BYTES, HTML_MAX_TAGS, HTML_MAX_ATTRS,
	    HTML_MAX_ELEMENT_ATTRS, HTML_MAX_DEPTH }
};

const char *
reply_kind_name(enum reply_kind kind)
{
	return store_ingest_kind_name((enum ingest_kind)kind);
}

static void
set_reason(struct reply_result *out, const char *fmt, const char *arg)
{
	struct buf b = BUF_INIT;

	free(out->reason);
	buf_printf(&b, fmt, arg);
	out->reason = buf_steal(&b);
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
	free(res->channel);
	memset(res, 0, sizeof(*res));
	res->score = -1;
	res->category = NPS_NONE;
}

/* ---- the steps of reply_analyze ------------------------------------ */

/* out cleared: a response without a score until shown otherwise. */
static void
analysis_start(struct reply_analysis *a, const struct reply_ctx *ctx,
    const char *msg, size_t len, struct reply_result *out)
{
	memset(out, 0, sizeof(*out));
	out->score = -1;
	out->category = NPS_NONE;
	out->kind = REPLY_RESPONSE;
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
	a->msg = msg;
	a->len = len;
	a->budget = ctx->budget != NULL ? ctx->budget : &reply_budget_default;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a->cpu_start);
}

/* Whether the analysis is past its budget (or was refused an HTML part);
 * if so, out becomes unparsed with the reason, whatever was read so far
 * forgotten. */
static bool
analysis_over_budget(struct reply_analysis *a, struct reply_result *out)
{
	struct timespec now;
	int64_t ns;

	if (!a->over && clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0) {
		ns = (int64_t)(now.tv_sec - a->cpu_start.tv_sec) * 1000000000 +
		    (now.tv_nsec - a->cpu_start.tv_nsec);
		if (ns >= (int64_t)a->budget->cpu_ms * 1000000) {
			a->over = true;
			npserr_set(&a->over_why, "over budget: %lld ms of "
			    "CPU, limit %ld ms", (long long)(ns / 1000000),
			    a->budget->cpu_ms);
		}
	}
	if (!a->over)
		return false;
	out->kind = REPLY_UNPARSED;
	out->score = -1;
	out->category = NPS_NONE;
	free(out->comment);
	out->comment = NULL;
	set_reason(out, "unparsed: %s", a->over_why.msg);
	return true;
}

static void
analysis_free(struct reply_analysis *a)
{
	buf_free(&a->subject);
	buf_free(&a->plain);
	buf_free(&a->raw_text);
	buf_free(&a->own);
	free(a->fields);
	if (a->root != NULL)
		mime_tree_free(a->root);
	if (a->have_rec)
		store_survey_clear(&a->rec);
}

/* True when the header block ends with its blank line. */
static bool
header_block_closed(const char *msg, size_t len)
{
	return (len >= 2 && msg[len - 1] == '\n' && msg[len - 2] == '\n') ||
	    (len >= 4 && memcmp(msg + len - 4, "\r\n\r\n", 4) == 0) ||
	    (len >= 3 && memcmp(msg + len - 3, "\n\r\n", 3) == 0);
}

/* The message and its header block, with the sender, the Message-ID and
 * the subject. False, out unparsed, when it is no readable message. */
static bool
analysis_read_message(struct reply_analysis *a, struct reply_result *out)
{
	struct npserr perr;
	const char *v;
	size_t n;

	a->root = mime_parse(a->msg, a->len, &perr);
	if (a->root == NULL) {
		out->kind = REPLY_UNPARSED;
		set_reason(out, "unparsed: %s", perr.msg);
		return false;
	}
	reply_headers_index(a);
	if (!reply_header_get(a, "From", &v, &n) &&
	    !reply_header_get(a, "Subject", &v, &n) &&
	    !reply_header_get(a, "To", &v, &n)) {
		out->kind = REPLY_UNPARSED;
		set_reason(out, "%s", a->len == 0 ?
		    "unparsed: empty message" : "unparsed: no header block");
		return false;
	}
	if (a->root->hdr_len == a->len &&
	    !header_block_closed(a->msg, a->len)) {
		/* Cut off inside its header: what it said is lost. */
		out->kind = REPLY_UNPARSED;
		set_reason(out, "%s", "unparsed: truncated in the header");
		return false;
	}
	if (reply_header_get(a, "From", &v, &n))
		out->from = address_first(v, n);
	/* An identifier with a NUL in it identifies nothing: the message is
	 * known by its digest instead. */
	if (reply_header_get(a, "Message-ID", &v, &n) && n > 0 && n < 998 &&
	    memchr(v, '\0', n) == NULL) {
		while (n > 0 && rint_is_blank((unsigned char)v[n - 1]))
			n--;
		out->message_id = xstrndup(v, n);
	}
	if (reply_header_get(a, "Subject", &v, &n))
		reply_header_decode(v, n, &a->subject);
	return true;
}

/* The display name of the From field ("Claire Dupont" of "Claire Dupont
 * <c@x>"), decoded, into out; nothing when there is none. */
static void
sender_name(const struct reply_analysis *a, struct buf *out)
{
	const char *v, *lt;
	size_t n, s = 0, e;
	struct buf dec = BUF_INIT;

	if (!reply_header_get(a, "From", &v, &n) || n > 998)
		return;
	lt = memchr(v, '<', n);
	if (lt == NULL)
		return;
	reply_header_decode(v, (size_t)(lt - v), &dec);
	e = dec.len;
	while (s < e && (rint_is_blank((unsigned char)dec.data[s]) ||
	    dec.data[s] == '"'))
		s++;
	while (e > s && (rint_is_blank((unsigned char)dec.data[e - 1]) ||
	    dec.data[e - 1] == '"'))
		e--;
	if (e > s)
		buf_append(out, dec.data + s, e - s);
	buf_free(&dec);
}

/* The customer's own text of the body a reader sees, no more of it than
 * we read for a score; the sender's name helps find a signature. */
static void
analysis_read_text(struct reply_analysis *a)
{
	struct buf name = BUF_INIT;

	reply_body_read(a);
	if (a->over)
		return;
	if (a->plain.len > MAX_TEXT_BYTES)
		buf_truncate(&a->plain, MAX_TEXT_BYTES);
	sender_name(a, &name);
	reply_text_own_from(buf_cstr(&a->plain), a->plain.len,
	    a->ctx->prefill, buf_cstr(&name), name.len, &a->own);
	buf_free(&name);
}

/*
 * 2. The survey: the token in a recipient address, else a token in the
 * subject or the body (not in the own text: see reply.h); then its row
 * in the store. A token of ours that was refused (forged, expired,
 * unknown key) settles it: the reply is unmatched. A malformed one
 * ("nps+foo@") is not one of ours: look further. Without a token, the
 * survey whose Message-ID the reply quotes is noted as a hint. -1 on a
 * store error.
 */
static int
analysis_find_survey(struct reply_analysis *a, struct reply_result *out,
    struct npserr *err)
{
	bool refused;
	int r;

	reply_match_recipients(a, out);
	a->tied = out->token_found && out->token_status == TOKEN_OK;
	refused = out->token_found && !a->tied &&
	    out->token_status != TOKEN_MALFORMED;
	if (!a->tied && !refused) {
		if (reply_match_text(a, buf_cstr(&a->subject), a->subject.len,
		    "subject", NULL, out, &a->tied) && !a->tied &&
		    out->token_status != TOKEN_MALFORMED)
			refused = true;
		if (!a->tied && !refused) {
			reply_body_read_all(a);
			reply_match_text(a, buf_cstr(&a->raw_text),
			    a->raw_text.len, "body", &a->own, out, &a->tied);
		}
	}
	if (!a->tied && reply_match_message_id(a, out, err) < 0)
		return -1;
	if (a->tied && a->ctx->store != NULL) {
		r = store_survey_get(a->ctx->store, out->survey_id, &a->rec,
		    err);
		if (r < 0)
			return -1;
		a->have_rec = r > 0;
		if (a->have_rec)
			out->type = a->rec.type;
	}
	return 0;
}

/* A bounce returns the survey, whose headers name it. */
static void
analysis_find_bounced_survey(struct reply_analysis *a,
    struct reply_result *out)
{
	bool found = out->token_found;

	reply_body_read_all(a);
	out->token_found = false;
	reply_match_text(a, buf_cstr(&a->raw_text), a->raw_text.len,
	    "bounced-headers", NULL, out, &a->tied);
	if (!out->token_found)
		out->token_found = found;
}

/* The score of the widget's pre-filled subject, with the configured
 * prefix (subject_prefix, or that of a language: the reply's language is
 * not known yet), or one of the templates', or -1. */
static int
subject_score(const struct reply_analysis *a, enum survey_type type)
{
	const char *subject = buf_cstr(&a->subject);
	size_t i;
	int subj;

	subj = reply_score_from_subject(subject, a->subject.len, type,
	    a->ctx->cf->subject_prefix);
	for (i = 0; subj < 0 && i < LANG_COUNT; i++)
		if (a->ctx->cf->subject_prefixes[i] != NULL)
			subj = reply_score_from_subject(subject,
			    a->subject.len, type,
			    a->ctx->cf->subject_prefixes[i]);
	for (i = 0; subj < 0 && a->ctx->prefixes != NULL &&
	    a->ctx->prefixes[i] != NULL; i++)
		subj = reply_score_from_subject(subject, a->subject.len,
		    type, a->ctx->prefixes[i]);
	return subj;
}

/*
 * 3. The kind, in this order of precedence: a bounce, an auto-reply (its
 * header and subject, then its text), an unsubscribe, a reply tied to no
 * survey; else a response. True for a response, whose answer is read.
 */
static bool
analysis_tell_kind(struct reply_analysis *a, struct reply_result *out)
{
	const char *why = reply_auto_reason(a), *bounce, *core;
	size_t core_len;
	struct reply_score sc;
	bool answered;

	bounce = reply_bounce_reason(a, why != NULL);
	if (bounce != NULL) {
		out->kind = REPLY_BOUNCE;
		set_reason(out, "%s", bounce);
		if (!a->tied)
			analysis_find_bounced_survey(a, out);
		return false;
	}
	if (why != NULL) {
		out->kind = REPLY_AUTOREPLY;
		set_reason(out, "%s", why);
		return false;
	}
	/* A score written makes it an answer, whatever else it says. */
	reply_score_find(buf_cstr(&a->own), a->own.len, out->type, &sc);
	answered = sc.score >= 0 || subject_score(a, out->type) >= 0;
	if (!answered && reply_text_is_auto(buf_cstr(&a->own), a->own.len)) {
		out->kind = REPLY_AUTOREPLY;
		set_reason(out, "%s", "auto-reply: text");
		return false;
	}
	reply_subject_core(buf_cstr(&a->subject), a->subject.len, &core,
	    &core_len);
	/* Only a reply tied to a survey can ask to stop them: marketing
	 * mail sent to the reply address carries "unsubscribe" links. An
	 * answer that asks it too stays an answer, the wish noted. */
	if (a->tied && (reply_text_is_unsubscribe(core, core_len) ||
	    reply_text_is_unsubscribe(buf_cstr(&a->own), a->own.len))) {
		if (answered) {
			out->unsubscribe_asked = true;
			return true;
		}
		out->kind = REPLY_UNSUBSCRIBE;
		set_reason(out, "%s", "unsubscribe");
		return false;
	}
	if (!a->tied) {
		/* No survey: nothing to comment on. */
		out->kind = REPLY_UNMATCHED;
		if (out->token_found)
			set_reason(out, "token %s",
			    token_status_name(out->token_status));
		else if (out->hint_id[0] != '\0')
			set_reason(out, "no token; quotes the Message-ID of"
			    " survey %s", out->hint_id);
		else
			set_reason(out, "%s", "no token, no known Message-ID");
		return false;
	}
	return true;
}

/* 4. The score and the comment of a response, from the subject the
 * widget pre-filled and the own text. */
static void
analysis_read_answer(struct reply_analysis *a, struct reply_result *out)
{
	const char *own = buf_cstr(&a->own);
	size_t on = a->own.len;
	struct reply_score sc;
	struct buf comment = BUF_INIT;
	int subj;

	subj = subject_score(a, out->type);
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
	if (out->unsubscribe_asked && out->reason == NULL)
		set_reason(out, "%s", "unsubscribe asked, answer kept");
	reply_comment_make(own, on, out->score, out->type, a->ctx->prefill,
	    &comment);
	if (comment.len > 0)
		out->comment = buf_steal(&comment);
	buf_free(&comment);
}

/* The language of the own text; for a bare "9", that of the quoted
 * survey mail (the survey's own) or of the subject; else the survey's as
 * the store has it; else the configured default. Always a template
 * language ("pt" for a default_lang of "pt-BR"), or none. */
static void
analysis_guess_lang(struct reply_analysis *a, struct reply_result *out)
{
	const char *lang = reply_lang_guess(buf_cstr(&a->own), a->own.len);

	if (lang == NULL)
		lang = reply_lang_guess(buf_cstr(&a->plain),
		    a->plain.len < 4096 ? a->plain.len : 4096);
	if (lang == NULL)
		lang = reply_lang_guess(buf_cstr(&a->subject),
		    a->subject.len);
	if (lang == NULL && a->have_rec)
		lang = lang_template(a->rec.lang);
	if (lang == NULL)
		lang = lang_template(a->ctx->cf->default_lang);
	if (lang != NULL)
		out->lang = xstrdup(lang);
}

/* The survey stays in the result only when the reply is tied to it; its
 * row's recipient and channel go with it, for the caller's forwarded
 * check and forward. */
static void
analysis_keep_survey(const struct reply_analysis *a,
    struct reply_result *out)
{
	if (!a->tied)
		out->survey_id[0] = '\0';
	else
		out->hint_id[0] = '\0';
	if (a->tied && a->have_rec) {
		out->survey_in_store = true;
		if (a->rec.recipient != NULL)
			out->recipient = xstrdup(a->rec.recipient);
		if (a->rec.channel != NULL)
			out->channel = xstrdup(a->rec.channel);
	}
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
	struct reply_analysis a;

	analysis_start(&a, ctx, msg, len, out);
	npserr_clear(err);
	if (!analysis_read_message(&a, out)) {
		analysis_free(&a);
		return 0;
	}
	if (!analysis_over_budget(&a, out))
		analysis_read_text(&a);
	if (analysis_find_survey(&a, out, err) < 0) {
		analysis_free(&a);
		return -1;
	}
	if (!analysis_over_budget(&a, out) && analysis_tell_kind(&a, out))
		analysis_read_answer(&a, out);
	if (!analysis_over_budget(&a, out))
		analysis_guess_lang(&a, out);
	analysis_keep_survey(&a, out);
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
	json_member_bool(out, &n, "unsubscribe_asked", res->unsubscribe_asked);
	json_member_str(out, &n, "hint_survey_id", res->hint_id[0] != '\0' ?
	    res->hint_id : NULL);
	buf_putc(out, '}');
}
