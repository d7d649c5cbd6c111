/*
 * ingest.h - take one customer reply into the store, exactly once, and say
 * where the message must be filed.
 *
 * SYNOPSIS
 *	struct ingest_ctx ctx = { cf, ring, store, now, true };
 *	ingest_message(&ctx, msg, len, &res, &err);
 *	or, to keep the analysis out of a write transaction:
 *	ingest_analyze(&ctx, msg, len, &res, &err);  (no write)
 *	store_begin(...); ingest_store(&ctx, &res, &err); store_commit(...);
 *	ingest_outcome_describe(&res, &line);	(log line, no customer text)
 *	ingest_outcome_clear(&res);
 *
 * DESCRIPTION
 *	ingest_message() analyses the raw bytes of one reply with
 *	reply_analyze() (ingest_analyze) and records what it learned with
 *	store_ingest() (ingest_store),
 *	which writes the processed-message key together with the response
 *	or event in one transaction. The key is the Message-ID, or
 *	"sha256:HEX" of the bytes when the message has none (or one with a
 *	control character or a NUL), and the digest of the bytes goes with
 *	it, so feeding the same message twice (after a crash between the
 *	commit and the IMAP move, say) stores nothing the second time and
 *	files it in the same folder again; a different message reusing a
 *	Message-ID is stored under its digest, never dropped.
 *
 *	The folder follows the kind:
 *	    response with a score, token valid        folder_processed
 *	    response without a score (ambiguous)      folder_review
 *	    response forwarded, policy "review"       folder_review
 *	    unsubscribe                               folder_processed
 *	    autoreply                                 folder_autoreplies
 *	    bounce                                    folder_bounces
 *	    unmatched, unparsed, token refused        folder_review
 *	    only a survey's Message-ID, no token      folder_review
 *	    over STORE_MAX_ANSWERS for the survey     folder_review
 *	A response whose token is genuine but expired is unmatched, its
 *	survey_id the survey the token names.
 *	A reply the survey's help desk is to see (forward.h: no score, an
 *	expired token, or a comment, as [imap] forward_to_helpdesk says)
 *	gets, besides,
 *	the mail that hands it on, recorded with it by ingest_store and
 *	sent by forward_send_due once committed.
 *	A reply is "forwarded" when its sender differs from the recipient the
 *	survey was sent to. A token that verifies but names a survey the
 *	store does not know is filed as unmatched. A reply that quotes a
 *	survey's Message-ID without a token is unmatched too: its hint_id
 *	names the survey (the log line's "hint=", the event's detail) so
 *	that a person can act on it.
 *
 *	The folder names are the config's; the result points into it. When
 *	the message is filed (ctx->filed) and its folder is [imap] mailbox,
 *	the folder is NULL: it must stay where it is, never be moved into
 *	the mailbox it was read from to be read again.
 */
#ifndef NPSGATE_INGEST_H
#define NPSGATE_INGEST_H

/* The largest reply read whole by the programs that take one from a file
 * or a pipe (npsgate parse, ingest, followup; the hook's --stdin). */
#define INGEST_MAX_MESSAGE (64UL * 1024 * 1024)

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"
#include "survey/token.h"

struct ingest_ctx {
	const struct config *cf;
	const struct keyring *ring;
	struct store *store;
	time_t now;
	bool filed;		/* false: no mailbox (--stdin), no folder kept */
	const char *const *prefill;	/* struct reply_ctx's; NULL: none */
	const char *const *prefixes;	/* likewise */
};

struct ingest_outcome {
	bool duplicate;		/* the key was processed before */
	enum ingest_kind kind;
	char survey_id[TOKEN_ID_LEN + 1];	/* "" when none */
	int score;		/* -1 when none */
	bool forwarded;
	const char *folder;	/* owned by the config; NULL: not to move */
	char *msg_key;		/* owned by the result */
	const char *why;	/* static text: why it goes to review, or NULL */
	char hint_id[TOKEN_ID_LEN + 1];	/* see reply_result; "" none */
	char *reason;		/* owned: why an unparsed reply could not be
				 * read (a limit passed ...), or NULL */
	/* What ingest_store records with the kind and score (owned). */
	char *digest;		/* "sha256:HEX" of the message's bytes */
	char *comment, *sender, *lang;
	int64_t received_at;
	/* The mail handing the reply on to the survey's help desk
	 * (forward.h), recorded with it; forward_to NULL: none. */
	char *forward_to;
	struct buf forward;
};

/* Analyses msg[0..len) and stores it. Returns 0 and fills *out (the
 * caller frees with ingest_outcome_clear), or -1 with err set when the
 * analysis or the store failed: nothing was written, the message must stay
 * where it is to be tried again. */
int ingest_message(const struct ingest_ctx *ctx, const char *msg, size_t len,
    struct ingest_outcome *out, struct npserr *err);
/* The first half of ingest_message: the analysis and the folder, into
 * *out (caller frees with ingest_outcome_clear), reading the store but
 * writing nothing, so that it can run outside any write transaction.
 * -1 with err set when the store could not be read. */
int ingest_analyze(const struct ingest_ctx *ctx, const char *msg,
    size_t len, struct ingest_outcome *out, struct npserr *err);
/* The second half: records *out (from ingest_analyze) in the store, in
 * the caller's transaction or one of its own, and sets out->duplicate.
 * -1 with err set when the store failed; *out stays the caller's to
 * store again or clear. */
int ingest_store(const struct ingest_ctx *ctx, struct ingest_outcome *out,
    struct npserr *err);
/* The same for out[0..n), in one transaction (the caller's, or one of
 * its own): all recorded, or none (-1, an open transaction to be rolled
 * back). */
int ingest_store_many(const struct ingest_ctx *ctx,
    struct ingest_outcome **out, size_t n, struct npserr *err);
void ingest_outcome_clear(struct ingest_outcome *res);

/* The folder for a reply of kind with score (-1: none), forwarded or not,
 * from the config's names; *why (when not NULL) receives a static reason
 * when the folder is review, else NULL. */
const char *ingest_folder(const struct config *cf, enum ingest_kind kind,
    int score, bool forwarded, const char **why);

/* Appends "msg=<KEY> kind=K survey=ID score=N folder=F" and, as needed,
 * " forwarded=yes", " duplicate=yes", " hint=ID", " why=..." (for an
 * unparsed reply, the analysis's reason: "unparsed: HTML part with ...").
 * Only the
 * message key and our own words: no customer text. */
void ingest_outcome_describe(const struct ingest_outcome *res, struct buf *out);

/* "sha256:" and 64 lowercase hex digits of msg[0..len); caller frees. */
char *ingest_digest_key(const char *msg, size_t len);

#endif
