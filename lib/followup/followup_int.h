/*
 * followup_int.h - what the pieces of the follow-ups share; not a public
 * interface (followup.h is).
 *
 *	followup.c		an answer read back from the store, and the
 *				actions it starts
 *	followup_queue.c	the followups table: claims, attempts, retries
 *	followup_ack.c		the acknowledgment to the customer
 *	followup_alert.c	the detractor alert: mail and command
 *	followup_template.c	mail templates and the values they may use
 *	followup_mail.c		headers and the whole mail, handed to sendmail
 *
 * An action is rebuilt from the store at every attempt (struct answer),
 * so that a retry hours later sends the very same mail.
 */
#ifndef NPSGATE_FOLLOWUP_INT_H
#define NPSGATE_FOLLOWUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "followup/followup.h"
#include "store/store.h"
#include "survey/nps.h"
#include "survey/token.h"

/* --- the answer (followup.c) -------------------------------------------- */

/* One answer, with its survey: all a follow-up is built from. */
struct answer {
	struct survey_rec sv;
	int64_t response_id;
	int score;		/* -1 when it has none (or none in range) */
	enum nps_category cat;
	char *comment;
	char *sender;
	char *lang;
	char *source;		/* the reply's message key */
	int64_t received_at;
};

/* Reads a response (by id when key is NULL, else the latest of survey_id
 * with that message key) and its survey into *a. 1 found, 0 not, -1 with
 * err. The caller clears a found one with followup_answer_clear. */
int followup_answer_load(struct store *st, const char *survey_id,
    const char *key, int64_t id, struct answer *a, struct npserr *err);
void followup_answer_clear(struct answer *a);
/* The settings of the survey's channel; the default settings when the
 * config has no such channel (config_channel_find). */
const struct config_channel *followup_answer_channel(const struct config *cf,
    const struct answer *a);
/* The customer to thank: whom we surveyed, never the reply's From:
 * (anybody can write one; the token proves the survey, not the writer). */
const char *followup_answer_customer(const struct answer *a);
/* True when s holds more than blanks. */
bool followup_has_text(const char *s);

/* --- the queue (followup_queue.c) --------------------------------------- */

/* One row of the followups table: one action on one survey. */
struct row {
	int64_t id;
	char survey_id[TOKEN_ID_LEN + 1];
	enum followup_kind kind;
	int64_t response_id;	/* 0 when the response is gone */
	int attempts;
	int64_t created_at;
	int64_t next_attempt_at;
};

enum attempt_result {
	ATTEMPT_DONE,
	ATTEMPT_FAILED,		/* try again later */
	ATTEMPT_REFUSED		/* will never be allowed: stop */
};

/* Queues the action kind of a new answer and tries it, unless it was
 * queued before. 0, or -1 with err when the store failed. */
int followup_start(const struct followup_ctx *ctx, const struct answer *a,
    enum followup_kind kind, struct followup_report *rep,
    struct npserr *err);

/* --- the actions (followup_ack.c, followup_alert.c) --------------------- */

/* Why no acknowledgment is due for a new answer, or NULL when one is.
 * *failed is set when the store could not say (err then set). */
const char *followup_ack_refusal(const struct followup_ctx *ctx,
    const struct answer *a, struct npserr *err, int *failed);
/* Where a detractor alert mail goes, or NULL. */
const char *followup_alert_address(const struct config *cf,
    const struct answer *a);

/* One attempt at the action of row r for answer a; err says why when it
 * did not succeed. */
enum attempt_result followup_ack_attempt(const struct followup_ctx *ctx,
    const struct answer *a, const struct row *r, struct npserr *err);
enum attempt_result followup_alert_mail_attempt(
    const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, struct npserr *err);
enum attempt_result followup_alert_command_attempt(
    const struct followup_ctx *ctx, const struct answer *a,
    struct npserr *err);

/* --- templates and their values (followup_template.c) ------------------- */

struct field {
	const char *name;
	const char *value;	/* already made safe */
};

/* A mail template as written: its subject line and its body. */
struct template {
	struct buf subject;
	struct buf body;
};

/* The safe values a template may use. Owned by the struct. */
struct values {
	struct buf customer, ticket, agent, team, channel, comment, when,
	    score, max, category, survey, type;
};

/* Reads templates_dir/LANG/NAME into *t: '#' comment lines, then
 * "Subject: ..." up to the first blank line, then the body. 0, or -1
 * with err (naming the file) and nothing in *t. */
int followup_template_load(const struct config *cf, const char *lang,
    const char *name, struct template *t, struct npserr *err);
void followup_template_clear(struct template *t);
/* Appends text[0..n) with each {name} of fields replaced by its value;
 * other braces stay as they are. fields ends with a NULL name. */
void followup_template_fill(const char *text, size_t n,
    const struct field *fields, struct buf *out);

void followup_values_make(const struct config *cf, const struct answer *a,
    struct values *v);
void followup_values_clear(struct values *v);
/* A value as the text shows it: "-" when empty. */
const char *followup_shown(const struct buf *b);
/* Appends the comment c, each line indented, or "  -". */
void followup_comment_block(const struct buf *c, struct buf *out);
/* "YYYY-MM-DD HH:MM UTC" of t into out. */
void followup_format_when(char *out, size_t outsz, int64_t t);

/* --- the mail (followup_mail.c) ----------------------------------------- */

/* Appends From, To, Date and the Message-ID of row r. */
void followup_mail_head(struct buf *msg, const struct followup_ctx *ctx,
    const struct row *r, const char *to);
/* Appends Auto-Submitted, the subject and the QP body of t with fields
 * filled in: the end of a mail after its own headers. */
void followup_mail_finish(struct buf *msg, const char *auto_submitted,
    const struct template *t, const struct field *fields);
/* Hands msg to sendmail for the one recipient to, with the envelope
 * sender from. 0, or -1 with err. */
int followup_mail_send(const struct config *cf, const char *from,
    const char *to, const struct buf *msg, struct npserr *err);

#endif
