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
 *	Finds the survey, tells auto-replies, bounces and unsubscribes apart,
 *	keeps only the customer's own text (no quote, no signature, no
 *	disclaimer) and reads a score from it only when it is unambiguous (a
 *	score written as one, "9/10" or "Note : 9", outweighs other numbers).
 *	An answer that gives a score stays a response even when it asks to
 *	stop the surveys (unsubscribe_asked) or says its writer is away. It
 *	never writes to the store and never guesses: an ambiguous answer is a
 *	response without a score.
 *
 *	Only a token that verifies ties a reply to a survey. A token is
 *	honoured where our own mail or the customer's mail program put it:
 *	a recipient address (To, Cc, Delivered-To, X-Original-To,
 *	Envelope-To, X-Delivered-To), the subject, the quoted survey in the
 *	body, an attached or returned message. A token the customer typed
 *	in their own text (what reply_text_own keeps) is not one: anybody
 *	can paste another customer's token there. The survey's Message-ID
 *	in In-Reply-To or References ties nothing (help-desk Message-IDs
 *	can be guessed); without a token it only names the survey the reply
 *	seems to answer (hint_id), for the person who reviews it.
 */
#ifndef NPSGATE_REPLY_H
#define NPSGATE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "mail/html.h"
#include "store/store.h"
#include "survey/nps.h"
#include "survey/token.h"

/* The kinds are the store's (enum ingest_kind), so one list names both. */
enum reply_kind {
	REPLY_RESPONSE = INGEST_RESPONSE,
	REPLY_AUTOREPLY = INGEST_AUTOREPLY,
	REPLY_BOUNCE = INGEST_BOUNCE,
	REPLY_UNSUBSCRIBE = INGEST_UNSUBSCRIBE,
	/* no token, or one that does not verify */
	REPLY_UNMATCHED = INGEST_UNMATCHED,
	REPLY_UNPARSED = INGEST_UNPARSED	/* not a readable message */
};

/* What the analysis of one reply may spend. Past any of it the reply is
 * unparsed, its reason says which, and a person reads it (review): the
 * bound holds whatever the message holds. */
#define REPLY_BUDGET_CPU_MS 10000	/* CPU time of the analysing thread */
#define REPLY_BUDGET_TEXT_BYTES (128UL << 20)	/* decoded text and HTML */

struct reply_budget {
	long cpu_ms;		/* checked between the steps */
	size_t text_bytes;	/* of every part decoded, all together */
	struct html_limits html;	/* for each HTML part read */
};

/* REPLY_BUDGET_* and html_limits_default. */
extern const struct reply_budget reply_budget_default;

struct reply_ctx {
	const struct config *cf;
	const struct keyring *ring;
	struct store *store;	/* NULL: no Message-ID lookup, no survey data */
	time_t now;
	/* The bodies the widget's links pre-fill, as the templates hold them
	 * (widget_mailto_bodies), NULL-ended; NULL: only the wording of the
	 * templates shipped with npsgate is known. Their lines, left as they
	 * were, are not a comment. */
	const char *const *prefill;
	/* Their subject prefixes (widget_mailto_prefixes), NULL-ended; NULL:
	 * only [general] subject_prefix and the shipped words are known. */
	const char *const *prefixes;
	const struct reply_budget *budget;	/* NULL: the default */
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
	char *lang;			/* of lang_codes, or NULL */
	char *message_id;		/* Message-ID header, or NULL */
	char *reason;		/* why: for review, auto-reply, unparsed
				 * (an HTML part over its limits, the
				 * analysis over its budget) */
	const char *matched_by;		/* "address", "subject", "body",
					 * "bounced-headers" or NULL */
	bool survey_in_store;	/* survey_id's row was read (ctx->store) */
	bool unsubscribe_asked;	/* a response that also asks to stop the
				 * surveys ("3 - STOP sending me these") */
	char *recipient;	/* that row's recipient, or NULL */
	char *channel;		/* that row's channel, or NULL */
	/* Not tied: the survey whose Message-ID the reply quotes, "" when
	 * none (or when a token ties the reply). A hint, never an answer. */
	char hint_id[TOKEN_ID_LEN + 1];
	/* The survey a genuine but expired token names (the first such
	 * token), "" when none: not an answer, but the help desk's reply
	 * all the same (incoming/forward.h). */
	char expired_id[TOKEN_ID_LEN + 1];
};

int reply_analyze(const struct reply_ctx *ctx, const char *msg, size_t len,
    struct reply_result *out, struct npserr *err);
void reply_result_clear(struct reply_result *res);
const char *reply_kind_name(enum reply_kind kind);
/* One JSON object, no newline, with the stable field names kind,
 * token_status, survey_id, score, category, comment, from, lang, reason,
 * unsubscribe_asked (true only for a response that asks it) and
 * hint_survey_id (hint_id, or null). */
void reply_result_json(const struct reply_result *res, struct buf *out);

/*
 * The pieces reply_analyze is made of, on plain UTF-8 text (for the unit
 * tests and the benchmark). None of them allocates anything the caller
 * must free besides what it appends to its own buf.
 */

/* The customer's own text of a plain-text body: quoted lines,
 * attributions, Outlook header blocks (and all that follows them),
 * signatures, closing formulas with their name block, disclaimers and the
 * widget's pre-filled lines (those of prefill without {score}, see struct
 * reply_ctx, and the shipped templates' wording) removed; lines trimmed,
 * blank runs made one blank line. Appends to out. */
void reply_text_own(const char *text, size_t len, const char *const *prefill,
    struct buf *out);
/* The same, knowing the sender's display name (From:, decoded; NULL when
 * none): a short block at the bottom that holds it (or its initials)
 * with the usual lines of a signature is cut too. */
void reply_text_own_from(const char *text, size_t len,
    const char *const *prefill, const char *sender, size_t sender_len,
    struct buf *out);

struct reply_score {
	int score;		/* -1 when none */
	bool ambiguous;		/* several different candidates, a range */
	bool strong;		/* written as a score ("9/10", "note : 9") */
	size_t start, end;	/* the first expression giving score, in the
				 * text (when score >= 0 and found there) */
	char why[120];		/* "ambiguous: 7 and 8", "no score" ... */
};

/* Reads a score for a survey of type from text, refusing numbers that are
 * not scores (dates, times, prices, phone numbers, order numbers,
 * quantities, decimals, numbers of three digits or more, out of range).
 * Fills *out; returns out->score. */
int reply_score_find(const char *text, size_t len, enum survey_type type,
    struct reply_score *out);
/* The widget's pre-filled subject: "Note : 9/10", "Score: 9/10" (or
 * "PREFIX : N/MAX" with the configured prefix, NULL for none), after any
 * "Re:"; returns the score, or -1. */
int reply_score_from_subject(const char *subj, size_t len,
    enum survey_type type, const char *prefix);
/* The comment: text without a leading score expression ("9", "9/10 -",
 * "Note : 9/10,"), without a line holding only the score and without the
 * lines of prefill (see struct reply_ctx; NULL: none) that hold {score}.
 * Appends to out; blank text gives nothing. */
void reply_comment_make(const char *text, size_t len, int score,
    enum survey_type type, const char *const *prefill, struct buf *out);
/* A language of lang_codes (base/lang.h), or NULL (no clear majority of
 * common words). */
const char *reply_lang_guess(const char *text, size_t len);
/* True when text (the own text or a subject) is, or mostly is, a request
 * to stop receiving surveys; "do not unsubscribe me" is none. */
bool reply_text_is_unsubscribe(const char *text, size_t len);

#endif
