/*
 * forward.h - the replies that are not answers, handed on to the help
 * desk that sent the survey.
 *
 * SYNOPSIS
 *	mode = forward_mode_of(cf, survey_channel);
 *	if (forward_wanted(mode, kind, score, comment))
 *		forward_build(cf, msg, len, helpdesk_to, digest, now, &mail);
 *	... store_ingest records the mail with the reply (ingest.c) ...
 *	forward_send_due(cf, store, now, &rep, &err);  (after the commit)
 *
 * DESCRIPTION
 *	The survey's Reply-To takes the place of the help desk's, so a
 *	customer who answers "it is still broken" writes to the reply
 *	mailbox. The survey row keeps the help desk's address (its
 *	Reply-To, else its From: surveys.helpdesk_to), and such a reply is
 *	handed on to it:
 *	  - forward_to_helpdesk = no-score (the default): a response that
 *	    carries no score (ambiguous, or words only), and a reply whose
 *	    token is genuine but expired (unmatched: it answers no survey
 *	    any more, yet names the survey's help desk);
 *	  - comments: those, and every response with a comment;
 *	  - none: nothing; the replies stay in the review folder only.
 *	[channel.NAME] forward_to_helpdesk overrides [imap]'s for the
 *	surveys of that channel ("default": [imap]'s). Auto-replies,
 *	bounces, unsubscribes and replies without a genuine token are
 *	never handed on, nor a reply to a survey recorded without the help
 *	desk's address, nor to an address of the reply domain.
 *
 *	The mail is the customer's message resent (RFC 5322 section 3.6.6):
 *	its header and body as they came, so that the help desk sees the
 *	customer's From, Reply-To, Subject (with the ticket number) and
 *	In-Reply-To / References (the help desk's own Message-ID) and
 *	threads it to the ticket, preceded by Resent-From (the reply
 *	address), Resent-To, Resent-Date, Resent-Message-ID and
 *	Auto-Submitted: auto-forwarded (RFC 3834). The trace of the last
 *	delivery (Return-Path, Delivered-To, X-Original-To) and an
 *	Auto-Submitted of the customer's are left out. Line ends are LF, as
 *	sendmail takes them. The envelope sender is [imap] forward_sender,
 *	else the null sender, so that a bounce never comes back to the
 *	reply mailbox as a reply.
 *
 *	Exactly once: the mail is recorded with the reply's processed row
 *	(store_ingest, one transaction), one row per message key, so a
 *	message read again records nothing more. forward_send_due() hands
 *	each due row to sendmail ([followup] sendmail) and marks it sent
 *	after its exit status 0; a failure is retried after 1, 2, 4 ...
 *	minutes (at most 6 hours), FORWARD_MAX_ATTEMPTS times in all. Only a
 *	crash between sendmail's success and the mark sends a mail twice,
 *	with the same Resent-Message-ID.
 */
#ifndef NPSGATE_FORWARD_H
#define NPSGATE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"

#define FORWARD_MAX_ATTEMPTS 10
#define FORWARD_LEASE 900		/* seconds a claim holds */
#define FORWARD_SENDMAIL_TIMEOUT 60	/* seconds for sendmail */
#define FORWARD_BATCH 100		/* rows per forward_send_due call */

/* What one forward_send_due call did. */
struct forward_report {
	int sent;
	int failed;	/* to be tried again */
	int gave_up;	/* failed for the last time */
};

/* The mode for a survey of channel (its name as stored; NULL:
 * [channel.email]'s; an unknown name: the default settings of a
 * channel), the channel's own or [imap]'s. */
enum forward_mode forward_mode_of(const struct config *cf,
    const char *channel);

/* Whether a reply of kind, with score (-1: none) and comment (NULL or
 * text), is handed on under mode; an unmatched one only when the caller
 * knows the survey its expired token names. */
bool forward_wanted(enum forward_mode mode, enum ingest_kind kind, int score,
    const char *comment);

/* True when to must not receive a forward: not an address, or one of the
 * reply address's domain (the mail would come back as a reply). */
bool forward_refused(const struct config *cf, const char *to);

/* Appends to out the mail that hands msg[0..len) on to to (see above);
 * id (the message's digest, say) makes its Resent-Message-ID. */
void forward_build(const struct config *cf, const char *msg, size_t len,
    const char *to, const char *id, time_t now, struct buf *out);

/* Sends the forwards due by now (at most FORWARD_BATCH). rep may be NULL.
 * Failures of sendmail are logged and queued, not returned: 0, or -1
 * with err when the store failed. */
int forward_send_due(const struct config *cf, struct store *st, time_t now,
    struct forward_report *rep, struct npserr *err);

/* The pause after the n-th failed attempt (n >= 1), in seconds. */
int64_t forward_backoff(int attempts);

#endif
