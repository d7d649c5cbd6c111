/*
 * followup.h - what happens after a customer's answer is stored: the
 * acknowledgment mail to the customer and the detractor alert.
 *
 * SYNOPSIS
 *	struct followup_ctx fx = { cf, ring, store, time(NULL) };
 *	ingest_message(&ictx, msg, len, &res, &err);	(committed)
 *	followup_after_ingest(&fx, res.msg_key, NULL, &err);
 *	...
 *	followup_retry_due(&fx, NULL, &err);		(every loop turn)
 *
 * DESCRIPTION
 *	followup_after_ingest() reads back from the store what the reply
 *	with key msg_key left there (processed row, response row, survey)
 *	and decides, for a response with a score:
 *	  - the acknowledgment, when [followup] ack and the survey channel's
 *	    ack are on, this is the survey's first scored answer and it
 *	    carried no comment, the customer is not
 *	    unsubscribed and the address is one a person reads (not
 *	    postmaster, mailer-daemon, noreply, owner-*, *-request, ... nor
 *	    our own reply address): one mail from templates/LANG/ack-
 *	    {promoter,passive,detractor}.txt to the surveyed recipient,
 *	    never to the reply's From: (the token proves the survey, not who
 *	    wrote the reply), with Auto-Submitted: auto-replied, the null
 *	    envelope sender, and Reply-To: LOCAL+TOKEN@DOMAIN where TOKEN is
 *	    a new token for the same survey, so that the answer to it lands
 *	    on the same survey (as a follow-up comment);
 *	  - the detractor alert, when the score is at most detractor_max
 *	    (NPS), at most 2 (CSAT) or at most 3 (CES): a plain-text mail
 *	    (templates/LANG/alert-detractor.txt, LANG the default_lang) to
 *	    the channel's alert_to, else [followup] alert_to; and/or
 *	    alert_command, with NPS_* variables and a JSON object on stdin
 *	    (sendmail.h), killed after alert_timeout.
 *	Autoreplies, bounces, unsubscribes, unmatched and unparsed replies,
 *	responses without a score and comment-only follow-ups get nothing.
 *
 *	Exactly once: each action is a row of the followups table (one per
 *	survey and kind, UNIQUE), inserted before the action is tried; the
 *	insert that finds the row there already does nothing, so a survey
 *	is acknowledged and alerted at most once, whatever the number of
 *	replies, duplicates or processes. The row is a claim for
 *	FOLLOWUP_LEASE seconds; success marks it done (and sets
 *	surveys.ack_sent_at for the acknowledgment) in one transaction. A
 *	failure is recorded (attempts, last_error) and retried by
 *	followup_retry_due() after 1, 2, 4 ... minutes (doubling, at most
 *	6 hours), FOLLOWUP_MAX_ATTEMPTS times in all, then left as failed.
 *	A crash after the row is written and before it is marked done
 *	leaves a claim that expires: the action is tried again then. A store
 *	that fails just then is given FOLLOWUP_MARK_PATIENCE seconds to come
 *	back before the mark is given up (-1) and left to that expiry. So a
 *	crash between the hand-over to sendmail (or the command's success)
 *	and the mark sends that mail (runs that command) a second time, at
 *	most once per crash; the mail carries the same Message-ID again.
 *
 *	Never a reason to refuse an answer: the caller runs these after the
 *	ingest transaction has committed, and failures of an action are
 *	logged here (msg_warn) and queued, not returned. -1 means only that
 *	the store could not be read or written (err set): the caller logs it
 *	and goes on; the next followup_retry_due() or a second ingest of the
 *	same message (a duplicate) picks the work up again.
 */
#ifndef NPSGATE_FOLLOWUP_H
#define NPSGATE_FOLLOWUP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"
#include "survey/nps.h"
#include "survey/token.h"

#define FOLLOWUP_MAX_ATTEMPTS 10
#define FOLLOWUP_FIRST_DELAY 60		/* seconds before the first retry */
#define FOLLOWUP_MAX_DELAY (6 * 3600)	/* longest pause between tries */
#define FOLLOWUP_LEASE 900		/* seconds a claim holds, at least */
#define FOLLOWUP_SENDMAIL_TIMEOUT 60	/* seconds for sendmail to accept */
#define FOLLOWUP_RETRY_BATCH 100	/* rows per followup_retry_due call */
#define FOLLOWUP_MARK_PATIENCE 60	/* seconds to record a done action */

struct followup_ctx {
	const struct config *cf;
	const struct keyring *ring;	/* signs the acknowledgment's token */
	struct store *store;
	time_t now;
};

enum followup_kind {
	FOLLOWUP_ACK = 0,
	FOLLOWUP_ALERT_MAIL,
	FOLLOWUP_ALERT_COMMAND
};
#define FOLLOWUP_KIND_COUNT 3

/* What one call did; counts of actions. */
struct followup_report {
	int done;	/* carried out now */
	int failed;	/* failed now, queued for a retry */
	int gave_up;	/* failed for the last time (state failed) */
	int skipped;	/* due but not allowed (unsubscribed since, ...) */
};

/* Acts on the reply stored under msg_key (see above). rep may be NULL.
 * 0, or -1 with err when the store failed. */
int followup_after_ingest(const struct followup_ctx *ctx,
    const char *msg_key, struct followup_report *rep, struct npserr *err);

/* Tries again the actions whose retry time has come (at most
 * FOLLOWUP_RETRY_BATCH). rep may be NULL. 0, or -1 with err. */
int followup_retry_due(const struct followup_ctx *ctx,
    struct followup_report *rep, struct npserr *err);

/* When the next pending follow-up falls due (its retry time, or the
 * expiry of a claim), for a loop that waits (IMAP IDLE) and should wake
 * up for it. 1 and *at, 0 when nothing is pending, -1 with err. */
int followup_next_due(struct store *st, int64_t *at, struct npserr *err);

/* The pause after the n-th failed attempt (n >= 1), in seconds. */
int64_t followup_backoff(int attempts);

/* True when a detractor alert is due for score on a survey of type. */
bool followup_is_alert_score(const struct config *cf, enum survey_type type,
    int score);

/* True when addr (lowercase or not) is one an automatic reply must not
 * go to: role and robot addresses, our own reply address, or no
 * well-formed address at all. */
bool followup_address_refused(const struct config *cf, const char *addr);

/* Appends "Name: value\n" with value made safe for a header: control
 * characters (CR, LF) become spaces, invalid UTF-8 '?', and non-ASCII
 * text (or text holding "=?") RFC 2047 encoded words (UTF-8, base64),
 * folded so that no line exceeds 78 characters. */
void followup_header(struct buf *out, const char *name, const char *value);

/* "followups.kind" text: "ack", "alert_mail", "alert_command". */
const char *followup_kind_name(enum followup_kind kind);

#endif
