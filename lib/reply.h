/*
 * reply.h - what a customer's reply says: its kind, the survey it answers,
 * the score and the comment.
 *
 * SYNOPSIS
 *	struct reply_ctx ctx = { cf, ring, store_or_NULL, now };
 *	reply_analyze(&ctx, msg, len, &res, &err);
 *	reply_result_json(&res, &out);	(npsgate parse)
 *	reply_result_clear(&res);
 *
 * DESCRIPTION
 *	Finds the survey (token in To/Cc/Delivered-To/X-Original-To, else the
 *	survey's Message-ID in In-Reply-To/References through the store, else
 *	a token in the subject or the body), tells auto-replies, bounces and
 *	unsubscribes apart, keeps only the customer's own text (no quote, no
 *	signature, no disclaimer) and reads a score from it only when it is
 *	unambiguous. It never writes to the store and never guesses: an
 *	ambiguous answer is a response without a score.
 *	Only a token that verifies ties a reply to a survey.
 */
#ifndef NPSGATE_REPLY_H
#define NPSGATE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "nps.h"
#include "npserr.h"
#include "store.h"
#include "token.h"

enum reply_kind {
	REPLY_RESPONSE = 0,
	REPLY_AUTOREPLY,
	REPLY_BOUNCE,
	REPLY_UNSUBSCRIBE,
	REPLY_UNMATCHED,	/* no token, or one that does not verify */
	REPLY_UNPARSED		/* not a readable message */
};

struct reply_ctx {
	const struct config *cf;
	const struct keyring *ring;
	struct store *store;	/* NULL: no Message-ID lookup, no survey data */
	time_t now;
};

struct reply_result {
	enum reply_kind kind;
	bool token_found;
	enum token_status token_status;	/* meaningful when token_found */
	char survey_id[TOKEN_ID_LEN + 1];	/* "" when none verified */
	enum survey_type type;
	int score;			/* -1 when none */
	enum nps_category category;	/* NPS_NONE when no score */
	char *comment;			/* NULL or UTF-8 text */
	char *from;			/* sender address, lowercase, or NULL */
	char *lang;			/* "fr", "en", or NULL */
	char *message_id;		/* Message-ID header, or NULL */
	char *reason;			/* why: for review, auto-reply, unparsed */
};

int reply_analyze(const struct reply_ctx *ctx, const char *msg, size_t len,
    struct reply_result *out, struct npserr *err);
void reply_result_clear(struct reply_result *res);
const char *reply_kind_name(enum reply_kind kind);
/* One JSON object, no newline, with the stable field names kind,
 * token_status, survey_id, score, category, comment, from, lang, reason. */
void reply_result_json(const struct reply_result *res, struct buf *out);

#endif
