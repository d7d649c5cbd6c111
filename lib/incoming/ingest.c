/*
 * ingest.c - one reply into the store, exactly once; see ingest.h.
 *
 * The decisions live here so that the IMAP hook, its --stdin mode and
 * `npsgate ingest` file and count a reply the same way.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/xalloc.h"
#include "incoming/forward.h"
#include "incoming/ingest.h"
#include "incoming/reply.h"

/* Longest Message-ID we use as a key; longer ones are digested instead,
 * as a header that long is not an identifier anybody relies on. */
#define INGEST_MAX_MSGID 512


char *
ingest_digest_key(const char *msg, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	struct buf b = BUF_INIT;

	if (EVP_Digest(msg, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		xalloc_die("SHA-256 digest failed");
	buf_puts(&b, "sha256:");
	for (i = 0; i < mdlen; i++) {
		buf_putc(&b, hex[md[i] >> 4]);
		buf_putc(&b, hex[md[i] & 15]);
	}
	return buf_steal(&b);
}

/*
 * The Message-ID as the key, blanks around it dropped. A missing, empty,
 * overlong or control-laden one gives way to the digest of the bytes.
 */
static char *
message_key(const char *msgid, const char *msg, size_t len)
{
	const char *p, *e;
	size_t n;

	if (msgid == NULL)
		return ingest_digest_key(msg, len);
	p = msgid;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	n = (size_t)(e - p);
	if (n == 0 || n > INGEST_MAX_MSGID)
		return ingest_digest_key(msg, len);
	for (e = p; e < p + n; e++)
		if ((unsigned char)*e < 0x21 || (unsigned char)*e == 0x7f)
			return ingest_digest_key(msg, len);
	return xstrndup(p, n);
}

static enum ingest_kind
kind_of(enum reply_kind k)
{
	switch (k) {
	case REPLY_RESPONSE:
		return INGEST_RESPONSE;
	case REPLY_AUTOREPLY:
		return INGEST_AUTOREPLY;
	case REPLY_BOUNCE:
		return INGEST_BOUNCE;
	case REPLY_UNSUBSCRIBE:
		return INGEST_UNSUBSCRIBE;
	case REPLY_UNMATCHED:
		return INGEST_UNMATCHED;
	case REPLY_UNPARSED:
	default:
		return INGEST_UNPARSED;
	}
}

/*
 * Only responses with a score and unsubscribes count as processed;
 * everything a person should look at goes to review.
 */
const char *
ingest_folder(const struct config *cf, enum ingest_kind kind, int score,
    bool forwarded, const char **why)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	switch (kind) {
	case INGEST_RESPONSE:
		if (score < 0) {
			*why = "no unambiguous score";
			return cf->folder_review;
		}
		if (forwarded && cf->forwarded == FORWARDED_REVIEW) {
			*why = "forwarded";
			return cf->folder_review;
		}
		return cf->folder_processed;
	case INGEST_UNSUBSCRIBE:
		return cf->folder_processed;
	case INGEST_AUTOREPLY:
		return cf->folder_autoreplies;
	case INGEST_BOUNCE:
		return cf->folder_bounces;
	case INGEST_UNMATCHED:
		*why = "no valid token";
		return cf->folder_review;
	case INGEST_UNPARSED:
	default:
		*why = "unreadable";
		return cf->folder_review;
	}
}

/*
 * Ties the analysis to a survey row: the forwarded flag needs the
 * recipient, and a response to a survey we never recorded cannot be
 * counted (no row to hang it on), so it becomes unmatched.
 * Returns 0, or -1 when the store failed.
 */
static int
match_survey(const struct ingest_ctx *ctx, const struct reply_result *rr,
    struct ingest_outcome *res, const char **why, struct npserr *err)
{
	struct survey_rec sv;
	const char *rcpt;
	int r;

	*why = NULL;
	if (res->kind != INGEST_RESPONSE && res->kind != INGEST_UNSUBSCRIBE &&
	    res->kind != INGEST_BOUNCE && res->kind != INGEST_AUTOREPLY)
		return 0;
	if (rr->survey_id[0] == '\0' ||
	    (rr->token_found && rr->token_status != TOKEN_OK)) {
		/* Without a verified survey a response counts for nothing. */
		if (res->kind == INGEST_RESPONSE ||
		    res->kind == INGEST_UNSUBSCRIBE) {
			res->kind = INGEST_UNMATCHED;
			res->score = -1;
			*why = rr->token_found && rr->token_status != TOKEN_OK ?
			    token_status_name(rr->token_status) :
			    "no valid token";
		}
		if (rr->hint_id[0] != '\0' && res->kind == INGEST_UNMATCHED)
			*why = "no token, only the Message-ID of a survey";
		return 0;
	}
	memset(&sv, 0, sizeof(sv));
	/* reply_analyze read the row already; store_ingest reads it again
	 * in its write transaction. */
	if (rr->survey_in_store)
		r = 1;
	else if ((r = store_survey_get(ctx->store, rr->survey_id, &sv,
	    err)) < 0)
		return -1;
	rcpt = rr->survey_in_store ? rr->recipient : sv.recipient;
	if (r == 0) {
		if (res->kind == INGEST_RESPONSE ||
		    res->kind == INGEST_UNSUBSCRIBE) {
			res->kind = INGEST_UNMATCHED;
			res->score = -1;
			*why = "survey not in store";
		}
		return 0;
	}
	memcpy(res->survey_id, rr->survey_id, sizeof(res->survey_id));
	res->survey_id[TOKEN_ID_LEN] = '\0';
	if (res->kind == INGEST_RESPONSE && rr->from != NULL &&
	    rcpt != NULL && strcasecmp(rr->from, rcpt) != 0)
		res->forwarded = true;
	store_survey_clear(&sv);
	return 0;
}

/* What the store did with the reply: the key it recorded it under
 * (another message held its Message-ID), a response over the survey's
 * limit of answers (not counted, for review). */
static void
ingest_note_stored(const struct ingest_ctx *ctx, const struct ingest_rec *rec,
    struct ingest_outcome *out)
{
	if (rec->stored_key != NULL && rec->stored_key != rec->msg_key) {
		free(out->msg_key);
		out->msg_key = xstrdup(rec->stored_key);
	}
	if (rec->over_limit) {
		out->kind = INGEST_UNMATCHED;
		out->score = -1;
		out->folder = ctx->cf->folder_review;
		out->why = "too many answers to the survey";
	}
}

/* The survey's reading of one reply, kept for ingest_store: what the
 * store records besides the kind and the score. */
static void
outcome_keep(struct ingest_outcome *out, struct reply_result *rr)
{
	if (out->kind == INGEST_RESPONSE) {
		out->comment = rr->comment;
		rr->comment = NULL;
	}
	out->sender = rr->from;
	rr->from = NULL;
	out->lang = rr->lang;
	rr->lang = NULL;
	if (out->kind == INGEST_UNPARSED) {
		out->reason = rr->reason;
		rr->reason = NULL;
	}
}

/*
 * The mail for the survey's help desk, when the reply is one it is to see
 * (forward.h): the survey's channel says which, its row where. 0, or -1
 * when the store could not be read.
 */
static int
outcome_forward(const struct ingest_ctx *ctx, const char *msg, size_t len,
    const struct reply_result *rr, struct ingest_outcome *out,
    struct npserr *err)
{
	struct survey_rec sv;
	enum forward_mode mode;
	char *to = NULL;
	int r;

	if ((out->kind != INGEST_RESPONSE && out->kind != INGEST_UNMATCHED) ||
	    out->survey_id[0] == '\0' || ctx->store == NULL)
		return 0;
	/* The analysis read the row of the survey the reply is tied to; an
	 * expired one's is read here. */
	if (rr->survey_in_store && strcmp(out->survey_id,
	    rr->survey_id) == 0) {
		mode = forward_mode_of(ctx->cf, rr->channel);
	} else {
		memset(&sv, 0, sizeof(sv));
		if ((r = store_survey_get(ctx->store, out->survey_id, &sv,
		    err)) <= 0)
			return r;
		mode = forward_mode_of(ctx->cf, sv.channel);
		store_survey_clear(&sv);
	}
	if (!forward_wanted(mode, out->kind, out->score, out->comment))
		return 0;
	if ((r = store_forward_target(ctx->store, out->survey_id, &to,
	    err)) <= 0)
		return r;
	if (forward_refused(ctx->cf, to)) {
		free(to);
		return 0;
	}
	forward_build(ctx->cf, msg, len, to, out->digest, ctx->now,
	    &out->forward);
	out->forward_to = to;
	return 0;
}

/*
 * ingest_analyze - see ingest.h. Reads the store (the survey's row, a
 * Message-ID) but never writes to it.
 */
int
ingest_analyze(const struct ingest_ctx *ctx, const char *msg, size_t len,
    struct ingest_outcome *out, struct npserr *err)
{
	struct reply_ctx rctx;
	struct reply_result rr;
	const char *why;
	int r;

	memset(out, 0, sizeof(*out));
	out->score = -1;
	memset(&rr, 0, sizeof(rr));
	rctx.cf = ctx->cf;
	rctx.ring = ctx->ring;
	rctx.store = ctx->store;
	rctx.now = ctx->now;
	rctx.prefill = ctx->prefill;
	rctx.prefixes = ctx->prefixes;
	rctx.budget = NULL;
	if (reply_analyze(&rctx, msg, len, &rr, err) < 0) {
		reply_result_clear(&rr);
		return -1;
	}
	out->msg_key = message_key(rr.message_id, msg, len);
	out->digest = ingest_digest_key(msg, len);
	memcpy(out->hint_id, rr.hint_id, sizeof(out->hint_id));
	out->kind = kind_of(rr.kind);
	if (out->kind == INGEST_RESPONSE)
		out->score = rr.score;
	if (match_survey(ctx, &rr, out, &why, err) < 0) {
		reply_result_clear(&rr);
		ingest_outcome_clear(out);
		return -1;
	}
	out->folder = ingest_folder(ctx->cf, out->kind, out->score,
	    out->forwarded, &out->why);
	if (why != NULL)
		out->why = why;
	/* Filed into the mailbox it is read from, the message would come
	 * back in the next search and be filed again, without end;
	 * config_load refuses such a folder, and this holds whatever
	 * config the caller built. */
	if (ctx->filed && ctx->cf->imap_mailbox != NULL &&
	    config_same_mailbox(out->folder, ctx->cf->imap_mailbox)) {
		out->folder = NULL;
		out->why = "its folder is the mailbox read";
	}
	/* A reply whose genuine token expired answers no survey, but it
	 * names the one whose help desk may want it (forward.h). */
	if (out->kind == INGEST_UNMATCHED && rr.kind == REPLY_UNMATCHED &&
	    rr.expired_id[0] != '\0')
		memcpy(out->survey_id, rr.expired_id, sizeof(out->survey_id));
	outcome_keep(out, &rr);
	out->received_at = (int64_t)ctx->now;
	r = outcome_forward(ctx, msg, len, &rr, out, err);
	reply_result_clear(&rr);
	if (r < 0) {
		ingest_outcome_clear(out);
		return -1;
	}
	return 0;
}

/* The store's record of *out, whose detail (for a reply without a
 * token that quotes a survey) goes in *detail. */
static void
ingest_rec_of(const struct ingest_ctx *ctx, const struct ingest_outcome *out,
    struct ingest_rec *rec, struct buf *detail)
{
	memset(rec, 0, sizeof(*rec));
	rec->msg_key = out->msg_key;
	rec->digest = out->digest;
	rec->kind = out->kind;
	rec->survey_id = out->survey_id[0] ? out->survey_id : NULL;
	rec->score = out->score;
	rec->comment = out->comment;
	rec->sender = out->sender;
	rec->lang = out->lang;
	rec->folder = ctx->filed ? out->folder : NULL;
	rec->forwarded = out->forwarded;
	rec->received_at = out->received_at;
	rec->review_folder = ctx->cf->folder_review;
	if (out->forward_to != NULL) {
		rec->forward_to = out->forward_to;
		rec->forward_msg = out->forward.data;
		rec->forward_len = out->forward.len;
	}
	if (out->hint_id[0] != '\0') {
		/* For the person who reviews it: the survey it seems to
		 * answer, in the event's detail. */
		buf_printf(detail, "no token; quotes the Message-ID of"
		    " survey %s", out->hint_id);
		rec->detail = buf_cstr(detail);
	}
}

/*
 * ingest_store - see ingest.h. One short write: the analysis is done.
 */
int
ingest_store(const struct ingest_ctx *ctx, struct ingest_outcome *out,
    struct npserr *err)
{
	return ingest_store_many(ctx, &out, 1, err);
}

/* ingest_store_many - see ingest.h. */
int
ingest_store_many(const struct ingest_ctx *ctx, struct ingest_outcome **out,
    size_t n, struct npserr *err)
{
	struct ingest_rec *rec;
	struct buf *detail;
	int *result;
	size_t i;
	int r;

	rec = xcalloc(n, sizeof(*rec));
	detail = xcalloc(n, sizeof(*detail));
	result = xcalloc(n, sizeof(*result));
	for (i = 0; i < n; i++)
		ingest_rec_of(ctx, out[i], &rec[i], &detail[i]);
	r = store_ingest_many(ctx->store, rec, n, result, err);
	for (i = 0; i < n; i++) {
		if (r == 0) {
			out[i]->duplicate = result[i] == INGEST_DUPLICATE;
			ingest_note_stored(ctx, &rec[i], out[i]);
		}
		buf_free(&detail[i]);
	}
	free(result);
	free(detail);
	free(rec);
	return r;
}

int
ingest_message(const struct ingest_ctx *ctx, const char *msg, size_t len,
    struct ingest_outcome *out, struct npserr *err)
{
	if (ingest_analyze(ctx, msg, len, out, err) < 0)
		return -1;
	if (ingest_store(ctx, out, err) < 0) {
		ingest_outcome_clear(out);
		return -1;
	}
	return 0;
}

void
ingest_outcome_clear(struct ingest_outcome *res)
{
	free(res->msg_key);
	res->msg_key = NULL;
	free(res->digest);
	res->digest = NULL;
	free(res->comment);
	res->comment = NULL;
	free(res->sender);
	res->sender = NULL;
	free(res->lang);
	res->lang = NULL;
	free(res->reason);
	res->reason = NULL;
	free(res->forward_to);
	res->forward_to = NULL;
	buf_free(&res->forward);
}

void
ingest_outcome_describe(const struct ingest_outcome *res, struct buf *out)
{
	const char *key = res->msg_key ? res->msg_key : "";
	size_t n = strlen(key);

	/* A key is the sender's Message-ID: bounded, never customer text. */
	if (n > 200)
		n = 200;
	buf_puts(out, "msg=");
	buf_append(out, key, n);
	buf_printf(out, " kind=%s survey=%s score=%d folder=%s",
	    store_ingest_kind_name(res->kind),
	    res->survey_id[0] ? res->survey_id : "-", res->score,
	    res->folder ? res->folder : "-");
	if (res->forwarded)
		buf_puts(out, " forwarded=yes");
	if (res->duplicate)
		buf_puts(out, " duplicate=yes");
	if (res->hint_id[0] != '\0')
		buf_printf(out, " hint=%s", res->hint_id);
	/* The analysis's reason for an unparsed reply is our own words
	 * (which limit, or what is missing), at most with a MIME subtype
	 * in them: bounded, and no byte that could end the field. */
	if (res->reason != NULL) {
		buf_puts(out, " why=\"");
		for (n = 0; res->reason[n] != '\0' && n < 200; n++) {
			unsigned char c = (unsigned char)res->reason[n];

			buf_putc(out, c < 0x20 || c >= 0x7f || c == '"' ||
			    c == '\\' ? '?' : (char)c);
		}
		buf_putc(out, '"');
	} else if (res->why != NULL)
		buf_printf(out, " why=\"%s\"", res->why);
}
