/*
 * store_forward.c - the help desk's address of each survey, and the
 * replies handed on to it: the forwards table (schema version 6), one row
 * per reply message, so that each is sent once.
 *
 * The row is written with the reply's processed row, in store_ingest's
 * transaction: a reply recorded is a forward promised, and a reply seen
 * again (a duplicate) promises nothing more. The mail to send is kept in
 * the row until sendmail has taken it, then dropped: what stays is that
 * it went, to whom and when (a forward given up drops its mail too: the
 * reply itself waits in the review folder). Sending claims the row first
 * (attempts counted, next_attempt_at moved past the lease) by an UPDATE
 * that only one process wins, so that two never send the same row at
 * once, and a process that dies while sending leaves a claim that
 * expires. The mail is bytes (store_bind_blob): a BLOB on SQLite, a
 * BYTEA on PostgreSQL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

/* store_forward_helpdesk_set - see store_int.h. */
int
store_forward_helpdesk_set(struct store *st, const char *survey_id,
    const char *address, struct npserr *err)
{
	struct store_stmt *s;

	if ((s = store_db_prepare(st, "UPDATE surveys SET helpdesk_to ="
	    " lower(?2) WHERE id = ?1", err)) == NULL)
		return -1;
	store_bind_text(s, 1, survey_id);
	store_bind_opt(s, 2, address);
	return store_db_later(st, s, err, "cannot record the help desk of"
	    " survey %s", survey_id);
}

/* store_forward_target - see store.h. */
int
store_forward_target(struct store *st, const char *survey_id, char **out,
    struct npserr *err)
{
	struct store_stmt *s;
	const char *t;
	int rc, r = 0;

	*out = NULL;
	if ((s = store_db_prepare(st, "SELECT helpdesk_to FROM surveys"
	    " WHERE id = ?1", err)) == NULL)
		return -1;
	store_bind_text(s, 1, survey_id);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		t = store_col_text(s, 0);
		if (t != NULL && t[0] != '\0') {
			*out = xstrndup(t, store_col_bytes(s, 0));
			r = 1;
		}
	} else if (rc != STORE_DONE) {
		r = store_db_fail(st, err, "cannot read the help desk of"
		    " survey %s", survey_id);
	}
	store_db_done(s);
	return r;
}

/* How many forwards the survey has; -1 on error. */
static int64_t
store_forward_count(struct store *st, const char *survey_id,
    struct npserr *err)
{
	struct store_stmt *s;
	int64_t n;
	int rc;

	if ((s = store_db_prepare(st, "SELECT count(*) FROM forwards WHERE"
	    " survey_id = ?1", err)) == NULL)
		return -1;
	store_bind_text(s, 1, survey_id);
	rc = store_step(s);
	if (rc != STORE_ROW) {
		store_db_fail(st, err, "cannot count the forwards of"
		    " survey %s", survey_id);
		store_db_done(s);
		return -1;
	}
	n = store_col_int64(s, 0);
	store_db_done(s);
	return n;
}

/*
 * store_forward_insert - see store_int.h. The cap keeps a token holder
 * from turning the reply address into a relay of many mails to the help
 * desk; what is over it stays in the review folder, as before.
 */
int
store_forward_insert(struct store *st, const struct ingest_rec *in,
    const char *key, const char *survey_id, struct npserr *err)
{
	struct store_stmt *s;
	int64_t n;

	if (in->forward_msg == NULL || in->forward_to == NULL ||
	    in->forward_to[0] == '\0' || in->forward_len == 0)
		return 0;
	if ((n = store_forward_count(st, survey_id, err)) < 0)
		return -1;
	if (n >= STORE_MAX_ANSWERS)
		return 0;
	if ((s = store_db_prepare(st, "INSERT INTO forwards (msg_key,"
	    " survey_id, rcpt, message, created_at, next_attempt_at) VALUES"
	    " (?1, ?2, lower(?3), ?4, ?5, ?5) ON CONFLICT DO NOTHING",
	    err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, survey_id);
	store_bind_text(s, 3, in->forward_to);
	store_bind_blob(s, 4, in->forward_msg, in->forward_len);
	store_bind_int64(s, 5, in->received_at);
	return store_step_done(st, s, err, "cannot record the forward of"
	    " message %s", key);
}

struct store_forward_claim_arg {
	int64_t now, lease;
	struct forward_rec *out;
};

static char *
store_forward_column(struct store_stmt *s, int col)
{
	const char *t = store_col_text(s, col);

	return t != NULL ? xstrndup(t, store_col_bytes(s, col)) : xstrdup("");
}

/* Reads the claimed row (SELECT of store_forward_claim_tx). */
static void
store_forward_from_row(struct store_stmt *s, struct forward_rec *out)
{
	size_t n;
	const void *b = store_col_blob(s, 3, &n);

	out->msg_key = store_forward_column(s, 0);
	out->survey_id = store_forward_column(s, 1);
	out->rcpt = store_forward_column(s, 2);
	out->len = b != NULL ? n : 0;
	out->message = xmalloc(out->len + 1);
	if (out->len > 0)
		memcpy(out->message, b, out->len);
	out->message[out->len] = '\0';
	out->attempts = store_col_int(s, 4);
	out->created_at = store_col_int64(s, 5);
}

static int
store_forward_claim_tx(struct store *st, void *arg, struct npserr *err)
{
	struct store_forward_claim_arg *a = arg;
	struct store_stmt *s;
	int rc;

	if ((s = store_db_prepare(st, "SELECT msg_key, survey_id, rcpt,"
	    " message, attempts + 1, created_at FROM forwards WHERE state ="
	    " 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at,"
	    " msg_key LIMIT 1", err)) == NULL)
		return -1;
	store_bind_int64(s, 1, a->now);
	rc = store_step(s);
	if (rc == STORE_DONE) {
		store_db_done(s);
		return 0;
	}
	if (rc != STORE_ROW) {
		store_db_fail(st, err, "cannot look for due forwards");
		store_db_done(s);
		return -1;
	}
	store_forward_from_row(s, a->out);
	store_db_done(s);
	/* Conditional, so that of two processes that read the row due, one
	 * claims it: on PostgreSQL the second UPDATE waits for the first
	 * and then finds the row no longer due. */
	if ((s = store_db_prepare(st, "UPDATE forwards SET attempts ="
	    " attempts + 1, next_attempt_at = ?2 WHERE msg_key = ?1 AND"
	    " state = 'pending' AND next_attempt_at <= ?3", err)) == NULL)
		return -1;
	store_bind_text(s, 1, a->out->msg_key);
	store_bind_int64(s, 2, a->now + a->lease);
	store_bind_int64(s, 3, a->now);
	if (store_step_done(st, s, err, "cannot claim the forward of message"
	    " %s", a->out->msg_key) == -1)
		return -1;
	return store_changes(st) == 1 ? 1 : 0;
}

/* store_forward_claim - see store.h. */
int
store_forward_claim(struct store *st, int64_t now, int64_t lease,
    struct forward_rec *out, struct npserr *err)
{
	struct store_forward_claim_arg a = { now, lease, out };
	int r;

	memset(out, 0, sizeof(*out));
	r = store_db_write(st, store_forward_claim_tx, &a, err);
	if (r != 1)
		store_forward_clear(out);
	return r;
}

struct store_forward_mark_arg {
	const char *msg_key;
	const char *why;	/* NULL: sent */
	int64_t at;		/* sent_at, or the retry time (0: give up) */
};

static int
store_forward_mark_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct store_forward_mark_arg *a = arg;
	struct store_stmt *s;

	if (a->why == NULL)
		s = store_db_prepare(st, "UPDATE forwards SET state = 'sent',"
		    " sent_at = ?2, message = NULL, last_error = NULL WHERE"
		    " msg_key = ?1", err);
	else
		s = store_db_prepare(st, "UPDATE forwards SET state = CASE"
		    " WHEN ?2 = 0 THEN 'failed' ELSE 'pending' END, message ="
		    " CASE WHEN ?2 = 0 THEN NULL ELSE message END,"
		    " next_attempt_at = ?2, last_error = ?3 WHERE msg_key = ?1",
		    err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, a->msg_key);
	store_bind_int64(s, 2, a->at);
	if (a->why != NULL)
		store_bind_text(s, 3, a->why);
	return store_step_done(st, s, err, "cannot record the forward of"
	    " message %s", a->msg_key);
}

/* store_forward_sent - see store.h. */
int
store_forward_sent(struct store *st, const char *msg_key, int64_t at,
    struct npserr *err)
{
	struct store_forward_mark_arg a = { msg_key, NULL, at };

	return store_db_write(st, store_forward_mark_tx, &a, err);
}

/* store_forward_failed - see store.h. */
int
store_forward_failed(struct store *st, const char *msg_key, const char *why,
    int64_t retry_at, struct npserr *err)
{
	struct store_forward_mark_arg a = { msg_key, why != NULL ? why : "",
	    retry_at };

	return store_db_write(st, store_forward_mark_tx, &a, err);
}

/* store_forward_next_due - see store.h. */
int
store_forward_next_due(struct store *st, int64_t *at, struct npserr *err)
{
	struct store_stmt *s;
	int rc, r = 0;

	*at = 0;
	if ((s = store_db_prepare(st, "SELECT min(next_attempt_at) FROM"
	    " forwards WHERE state = 'pending'", err)) == NULL)
		return -1;
	rc = store_step(s);
	if (rc == STORE_ROW && !store_col_is_null(s, 0)) {
		*at = store_col_int64(s, 0);
		r = 1;
	} else if (rc != STORE_ROW && rc != STORE_DONE) {
		r = store_db_fail(st, err, "cannot look for due forwards");
	}
	store_db_done(s);
	return r;
}

/* store_forward_clear - frees a claimed row's strings. */
void
store_forward_clear(struct forward_rec *rec)
{
	if (rec == NULL)
		return;
	free(rec->msg_key);
	free(rec->survey_id);
	free(rec->rcpt);
	free(rec->message);
	memset(rec, 0, sizeof(*rec));
}
