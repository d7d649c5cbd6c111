/*
 * store.h - the store: surveys sent, events, responses, and the keys of
 * processed reply messages; on SQLite (a file, the default for one host)
 * or on PostgreSQL (one database shared by several relays and hooks).
 *
 * SYNOPSIS
 *	st = store_open(path_or_url, busy_timeout_ms, &err);
 *	store_survey_add(st, &rec, &err);
 *	store_ingest(st, &in, &err);		(the hook, one transaction)
 *	store_close(st);
 *
 * DESCRIPTION
 *	SQLite: one database file in WAL mode with foreign keys on and a
 *	busy timeout. PostgreSQL: a server named by a postgresql:// URL or
 *	libpq's keyword form ("host=... dbname=..."), its password never in
 *	the address (libpq's password file). The schema carries a version
 *	and is migrated forward on open, inside a transaction. All SQL goes
 *	through prepared statements. A struct store is one connection: it
 *	is safe to use from one thread at a time; threads open one each
 *	(the milter keeps one per worker, or a pool). Writers that meet a
 *	passing refusal (SQLite's lock beyond the busy timeout, PostgreSQL's
 *	serialization failure or deadlock) retry with backoff for up to 4 x
 *	the timeout before they report it. The rules that span mails (the
 *	throttle, once per ticket, a reply stored once) are decided inside
 *	the write, so that they hold between relays on one server.
 *
 *	Times are seconds since the epoch (int64_t). Addresses are stored
 *	lowercased. Strings passed in are copied; strings handed out in
 *	records are owned by the record and freed by *_clear().
 *
 *	Return convention: 0 success, -1 error with err set; lookups return
 *	1 found, 0 not found, -1 error.
 */
#ifndef NPSGATE_STORE_H
#define NPSGATE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/npserr.h"
#include "survey/nps.h"
#include "survey/token.h"

#define STORE_SCHEMA_VERSION 8

struct store;

enum survey_status {
	SURVEY_SENT = 0,	/* passed on to Postfix for delivery */
	SURVEY_HELD = 1,	/* on Postfix's hold queue until due_at */
	SURVEY_RELEASED = 2,	/* released from hold by npsgate release */
	SURVEY_BOUNCED = 3	/* a bounce came back */
};

struct survey_rec {
	char id[TOKEN_ID_LEN + 1];
	unsigned key_id;
	enum survey_type type;
	enum survey_status status;
	char *message_id;	/* as in the header, with <> */
	char *queue_id;		/* Postfix queue id */
	char *recipient;
	char *ticket, *agent, *team, *channel, *reason, *priority, *lang;
	int64_t created_at;	/* when the milter issued it */
	int64_t due_at;		/* when it is to be sent (held mail) or 0 */
	int64_t released_at;	/* 0 until released */
	/* Where the help desk's mail asked replies to go (its Reply-To, else
	 * its From) before the survey's Reply-To replaced it; NULL: unknown.
	 * Written by store_survey_add, read by store_forward_target. */
	char *helpdesk_to;
	/* The relay whose Postfix holds the mail of a held survey (its
	 * [general] node): only that relay's `npsgate release` lists it.
	 * NULL: any relay's (a row from before schema version 7). */
	char *held_by;
	/* Not stored: when non-zero, store_survey_add adds nothing if the
	 * recipient has a survey created after this time. */
	int64_t throttle_from;
	/* Not stored: when true, store_survey_add adds nothing if the
	 * ticket has a survey already. */
	bool once_per_ticket;
};

enum event_kind {
	EVENT_OPTOUT = 0,	/* the agent switched the survey off */
	EVENT_NOT_ELIGIBLE,	/* channel off, reason/priority not listed */
	EVENT_THROTTLED,	/* surveyed less than min_days_between ago */
	EVENT_MULTI_RCPT,	/* several recipients, policy skip */
	EVENT_SUPPRESSED,	/* the customer unsubscribed earlier */
	EVENT_ERROR,		/* internal failure; mail passed unchanged */
	EVENT_BOUNCED,
	EVENT_UNSUBSCRIBED,	/* the customer asked for no more surveys */
	EVENT_AUTOREPLY,
	EVENT_UNMATCHED,	/* reply we could not tie to a survey */
	EVENT_UNPARSED,		/* reply we could not read */
	EVENT_DUPLICATE		/* a ticket surveyed already, once_per_ticket */
};
#define EVENT_KIND_COUNT 12

struct event_rec {
	enum event_kind kind;
	const char *survey_id;	/* NULL or "" when none */
	const char *recipient, *ticket, *agent, *team, *channel, *reason,
	    *priority;
	const char *detail;	/* free text: why, message-id, ... */
	int64_t at;
};

/* What the hook learned from one reply, written in one transaction. */
enum ingest_kind {
	INGEST_RESPONSE = 0,
	INGEST_AUTOREPLY,
	INGEST_BOUNCE,
	INGEST_UNSUBSCRIBE,
	INGEST_UNMATCHED,
	INGEST_UNPARSED
};
#define INGEST_KIND_COUNT (INGEST_UNPARSED + 1)

/* store_ingest_kind_name - the processed.kind text of a kind ("response",
 * "autoreply", ...); "unknown" out of range. The one list of these names. */
const char *store_ingest_kind_name(enum ingest_kind kind);

/* The answers kept per survey: the first reply, corrections and
 * follow-up comments fit many times over; beyond it a reply carrying the
 * survey's token is not stored as an answer but kept for a person to
 * look at (an unmatched event naming the survey, the review folder). */
#define STORE_MAX_ANSWERS 20

struct ingest_rec {
	const char *msg_key;	/* Message-ID, or "sha256:HEX" of the bytes */
	const char *digest;	/* "sha256:HEX" of the bytes, or NULL */
	enum ingest_kind kind;
	const char *survey_id;	/* NULL when unmatched */
	int score;		/* -1 when none (ambiguous, comment only) */
	const char *comment;	/* NULL or text */
	const char *sender;
	const char *lang;
	const char *folder;	/* where the message is filed */
	bool forwarded;		/* sender differs from the surveyed recipient */
	int64_t received_at;
	const char *detail;	/* NULL, or why it is an event ("forged") */
	const char *review_folder;	/* filed there when over the limit */
	/* The mail handing the reply on to the survey's help desk
	 * (forward_msg[0..forward_len), to forward_to), recorded with the
	 * message when it is new and its survey known; NULL: none. */
	const char *forward_to;
	const char *forward_msg;
	size_t forward_len;
	/* Filled by store_ingest: the key the message is recorded under
	 * (msg_key, or digest when another message holds msg_key), and
	 * whether the response went (or, for a duplicate, had gone) over
	 * STORE_MAX_ANSWERS. */
	const char *stored_key;
	bool over_limit;
};

enum ingest_result {
	INGEST_NEW = 1,		/* stored now */
	INGEST_DUPLICATE = 0	/* the same message seen before: nothing
				 * written */
};

struct store *store_open(const char *path, int busy_timeout_ms,
    struct npserr *err);
void store_close(struct store *st);
/* The schema version of the store at where, changing nothing (no file
 * created, no migration, a read-only session): 1 and *version (0: no
 * schema yet), 0 when the SQLite file does not exist, -1 with err set. */
int store_peek_version(const char *where, int busy_timeout_ms, int *version,
    struct npserr *err);
/* The schema version of the open file (after migration). */
int store_schema_version(struct store *st);

/* store_survey_add's answer when rec->throttle_from or
 * rec->once_per_ticket refused the row: the store holds a survey that the
 * decision did not see (another node wrote it meanwhile); decide again. */
#define STORE_THROTTLED 1
int store_survey_add(struct store *st, const struct survey_rec *rec,
    struct npserr *err);
int store_survey_get(struct store *st, const char *id, struct survey_rec *out,
    struct npserr *err);
int store_survey_find_by_message_id(struct store *st, const char *message_id,
    struct survey_rec *out, struct npserr *err);
void store_survey_clear(struct survey_rec *rec);
/* Latest created_at of a survey to recipient (any ticket), 0 if none. */
int store_last_survey_time(struct store *st, const char *recipient,
    int64_t *out, struct npserr *err);
/* Calls fn for each held survey with due_at <= now that node holds
 * (held_by is node) or that no node was recorded for (held_by NULL);
 * node NULL: every held survey. Stops at fn's -1. */
int store_held_due(struct store *st, const char *node, int64_t now,
    int (*fn)(const struct survey_rec *rec, void *arg), void *arg,
    struct npserr *err);
int store_survey_set_status(struct store *st, const char *id,
    enum survey_status status, int64_t at, struct npserr *err);
/* Marks a held survey released at at, once: 1 when this call did, 0
 * when it was not held (any more: another release was first), -1 on
 * error. */
int store_survey_release(struct store *st, const char *id, int64_t at,
    struct npserr *err);

int store_event_add(struct store *st, const struct event_rec *ev,
    struct npserr *err);
const char *store_event_kind_name(enum event_kind kind);
/* Adds delta to the counter name (a row of meta, "count.NAME"), for what
 * is counted without a row per mail: mails that are not closing ones. */
int store_count_add(struct store *st, const char *name, int64_t delta,
    struct npserr *err);
/* The counter name, 0 when it was never added to. */
int store_count_get(struct store *st, const char *name, int64_t *out,
    struct npserr *err);

/* What the rules read of a customer before they decide: */
struct store_customer {
	bool unsubscribed;	/* the address opted out */
	bool ticket_surveyed;	/* the ticket asked about has a survey */
	int64_t last_survey;	/* latest created_at to the address, 0 */
};
/* ...in one statement: address (any case), ticket (NULL or "": not
 * asked). 0 or -1. */
int store_customer_look(struct store *st, const char *address,
    const char *ticket, struct store_customer *out, struct npserr *err);

/* Customer-level opt-out from future surveys. */
int store_unsubscribe_add(struct store *st, const char *address, int64_t at,
    const char *survey_id, struct npserr *err);
int store_is_unsubscribed(struct store *st, const char *address,
    struct npserr *err);

/* Records one reply exactly once: the processed-message key, and the
 * response or event, in one transaction. A message is the same as one
 * recorded before when its key is there with the same digest (or a row
 * recorded before schema version 4, which has none); another message
 * under a Message-ID already used is recorded under its digest, never
 * dropped. A second response to a survey supersedes the earlier one
 * (kept, marked superseded_by); a response without a score to a survey
 * that already has one adds its comment to the survey's comment history
 * and keeps the score. A new reply to a known survey with
 * in->forward_msg also records its forward (store_forward_*). Fills
 * in->stored_key and in->over_limit. Returns
 * INGEST_NEW, INGEST_DUPLICATE, or -1. */
int store_ingest(struct store *st, struct ingest_rec *in,
    struct npserr *err);
/* The same for in[0..n) in one transaction, the caller's when one is
 * open: result[i] is INGEST_NEW or INGEST_DUPLICATE. 0, or -1 with
 * nothing recorded (an open transaction is then to be rolled back). On
 * PostgreSQL, a run of up to 64 replies costs one round trip to the
 * server. */
int store_ingest_many(struct store *st, struct ingest_rec *in, size_t n,
    int *result, struct npserr *err);
int store_is_processed(struct store *st, const char *msg_key,
    struct npserr *err);

/*
 * The replies handed on to the help desk (store_forward.c): one row per
 * message key, written by store_ingest with the message, the mail to send
 * kept until sendmail took it. A row is claimed before it is sent (its
 * next_attempt_at moved lease seconds on, attempts counted), then marked
 * sent (the mail dropped) or failed (tried again at retry_at, or given
 * up, the mail dropped, when retry_at is 0).
 */
struct forward_rec {
	char *msg_key, *survey_id, *rcpt;
	char *message;		/* the whole mail, LF line ends */
	size_t len;
	int attempts;		/* this one included */
	int64_t created_at;
};
/* The survey's helpdesk_to: 1 and *out (caller frees), 0 when the survey
 * or its address is unknown, -1. */
int store_forward_target(struct store *st, const char *survey_id,
    char **out, struct npserr *err);
/* Claims the pending forward due first (next_attempt_at <= now): 1 and
 * *out (clear with store_forward_clear), 0 when none is due, -1. */
int store_forward_claim(struct store *st, int64_t now, int64_t lease,
    struct forward_rec *out, struct npserr *err);
int store_forward_sent(struct store *st, const char *msg_key, int64_t at,
    struct npserr *err);
int store_forward_failed(struct store *st, const char *msg_key,
    const char *why, int64_t retry_at, struct npserr *err);
/* When the next pending forward falls due: 1 and *at, 0 none, -1. */
int store_forward_next_due(struct store *st, int64_t *at,
    struct npserr *err);
void store_forward_clear(struct forward_rec *rec);

/* Transactions for callers that group several writes. */
int store_begin(struct store *st, struct npserr *err);
int store_commit(struct store *st, struct npserr *err);
void store_rollback(struct store *st);

#endif
