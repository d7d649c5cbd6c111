/*
 * followup_queue.c - the followups table: one row per survey and action,
 * claimed before the action is tried, marked done or failed after it,
 * and retried with a growing pause; see followup.h for the contract.
 *
 * A claim is a next_attempt_at in the future (the lease): a process that
 * dies in the middle leaves a claim that expires, and the action is then
 * tried again. Two processes never try one row at once, because a claim
 * is a conditional UPDATE that only one of them can win.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "followup/followup.h"
#include "followup/followup_int.h"
#include "store/store_db.h"

static const char *const kind_names[FOLLOWUP_KIND_COUNT] = {
	[FOLLOWUP_ACK] = "ack",
	[FOLLOWUP_ALERT_MAIL] = "alert_mail",
	[FOLLOWUP_ALERT_COMMAND] = "alert_command",
};

/* Words for the log. */
static const char *const kind_words[FOLLOWUP_KIND_COUNT] = {
	[FOLLOWUP_ACK] = "acknowledgment",
	[FOLLOWUP_ALERT_MAIL] = "alert mail",
	[FOLLOWUP_ALERT_COMMAND] = "alert command",
};

/* followup_kind_name - see followup.h. */
const char *
followup_kind_name(enum followup_kind kind)
{
	if ((unsigned)kind >= FOLLOWUP_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

static int
kind_parse(const char *s, enum followup_kind *out)
{
	int i;

	for (i = 0; i < FOLLOWUP_KIND_COUNT; i++)
		if (s != NULL && strcmp(s, kind_names[i]) == 0) {
			*out = (enum followup_kind)i;
			return 0;
		}
	return -1;
}

/* followup_backoff - 1, 2, 4 ... minutes, at most FOLLOWUP_MAX_DELAY. */
int64_t
followup_backoff(int attempts)
{
	int64_t d = FOLLOWUP_FIRST_DELAY;
	int i;

	for (i = 1; i < attempts && d < FOLLOWUP_MAX_DELAY; i++)
		d *= 2;
	return d < FOLLOWUP_MAX_DELAY ? d : FOLLOWUP_MAX_DELAY;
}

/* --- claims and records ------------------------------------------------- */

/* How long a claim holds: long enough for the slowest action, the alert
 * command killed at its time limit. */
static int64_t
lease(const struct config *cf)
{
	int64_t l = (int64_t)cf->alert_timeout + 300;

	return l > FOLLOWUP_LEASE ? l : FOLLOWUP_LEASE;
}

struct claim_arg {
	struct row *row;
	int64_t until;
};

/* 1 when this call created the row (and owns it), 0 when it was there. */
static int
claim_new_tx(struct store *st, void *arg, struct npserr *err)
{
	struct claim_arg *c = arg;
	struct store_stmt *s;
	int rc;

	s = store_db_prepare(st, "INSERT INTO followups (survey_id, kind,"
	    " response_id, created_at, next_attempt_at) VALUES (?1, ?2, ?3,"
	    " ?4, ?5) ON CONFLICT DO NOTHING RETURNING id", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, c->row->survey_id);
	store_bind_text(s, 2, kind_names[c->row->kind]);
	store_bind_int64(s, 3, c->row->response_id);
	store_bind_int64(s, 4, c->row->created_at);
	store_bind_int64(s, 5, c->until);
	rc = store_step(s);
	if (rc == STORE_ROW)
		c->row->id = store_col_int64(s, 0);
	store_db_done(s);
	if (rc == -1)
		return store_db_fail(st, err, "cannot queue the %s of"
		    " survey %s", kind_words[c->row->kind], c->row->survey_id);
	return rc == STORE_ROW ? 1 : 0;
}

/* Takes a due row for one attempt, unless another process did. */
static int
claim_due_tx(struct store *st, void *arg, struct npserr *err)
{
	struct claim_arg *c = arg;
	struct store_stmt *s;
	int rc;

	s = store_db_prepare(st, "UPDATE followups SET next_attempt_at = ?3"
	    " WHERE id = ?1 AND state = 'pending' AND next_attempt_at = ?2",
	    err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, c->row->id);
	store_bind_int64(s, 2, c->row->next_attempt_at);
	store_bind_int64(s, 3, c->until);
	rc = store_step(s);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot claim follow-up %lld",
		    (long long)c->row->id);
	return store_changes(st) == 1 ? 1 : 0;
}

struct mark_arg {
	const struct row *row;
	const char *state;	/* "done", "pending", "failed" */
	int attempts;
	int64_t next;
	int64_t now;
	const char *error;
};

/* Records an attempt; a done acknowledgment also sets ack_sent_at, in
 * the same transaction. */
static int
mark_tx(struct store *st, void *arg, struct npserr *err)
{
	struct mark_arg *m = arg;
	struct store_stmt *s;
	bool done = strcmp(m->state, "done") == 0;
	int rc;

	s = store_db_prepare(st, "UPDATE followups SET state = ?2, attempts"
	    " = ?3, next_attempt_at = ?4, last_error = ?5, done_at = ?6"
	    " WHERE id = ?1", err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, m->row->id);
	store_bind_text(s, 2, m->state);
	store_bind_int64(s, 3, m->attempts);
	store_bind_int64(s, 4, m->next);
	if (m->error != NULL)
		store_bind_text(s, 5, m->error);
	else
		store_bind_null(s, 5);
	store_bind_int64(s, 6, done ? m->now : 0);
	rc = store_step(s);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot record follow-up"
		    " %lld", (long long)m->row->id);
	if (!done || m->row->kind != FOLLOWUP_ACK)
		return 0;
	s = store_db_prepare(st, "UPDATE surveys SET ack_sent_at = ?2 WHERE"
	    " id = ?1", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, m->row->survey_id);
	store_bind_int64(s, 2, m->now);
	rc = store_step(s);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot record the"
		    " acknowledgment of survey %s", m->row->survey_id);
	return 0;
}

/* --- attempts ----------------------------------------------------------- */

static int64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Records the attempt of m. An action carried out but not recorded stays
 * claimed, and is carried out a second time when its claim expires: so
 * the record of a done one is tried again, 1 s, 2 s, 4 s ... apart, for
 * up to FOLLOWUP_MARK_PATIENCE seconds, for a store that restarts or was
 * locked for a while to come back.
 */
static int
mark_record(const struct followup_ctx *ctx, struct mark_arg *m,
    struct npserr *err)
{
	int64_t start = clock_ms(), pause = 1000, left;

	for (;;) {
		if (store_db_write(ctx->store, mark_tx, m, err) == 0)
			return 0;
		left = FOLLOWUP_MARK_PATIENCE * 1000 - (clock_ms() - start);
		if (strcmp(m->state, "done") != 0 || left <= 0)
			return -1;
		msg_warn("followup: survey %s: %s done, not recorded yet: %s",
		    m->row->survey_id, kind_words[m->row->kind], err->msg);
		sleep_ms(pause < left ? pause : left);
		if (pause < 8000)
			pause *= 2;
	}
}

/* Runs the action of row r; err says why when it did not succeed. */
static enum attempt_result
attempt(const struct followup_ctx *ctx, const struct row *r,
    struct npserr *err)
{
	struct answer a;
	enum attempt_result res = ATTEMPT_FAILED;
	int found = r->response_id == 0 ? 0 :
	    followup_answer_load(ctx->store, NULL, NULL, r->response_id, &a,
	    err);

	/* A store that cannot say (err set) leaves the row for its next
	 * attempt; only an answer that is gone ends it. */
	if (found < 0)
		return ATTEMPT_FAILED;
	if (found == 0) {
		npserr_set(err, "not sent: the response is no longer in the"
		    " store");
		return ATTEMPT_REFUSED;
	}
	switch (r->kind) {
	case FOLLOWUP_ACK:
		res = followup_ack_attempt(ctx, &a, r, err);
		break;
	case FOLLOWUP_ALERT_MAIL:
		res = followup_alert_mail_attempt(ctx, &a, r, err);
		break;
	case FOLLOWUP_ALERT_COMMAND:
		res = followup_alert_command_attempt(ctx, &a, err);
		break;
	}
	followup_answer_clear(&a);
	return res;
}

/* Tries row r (claimed by this process) and records the outcome. */
static int
attempt_and_record(const struct followup_ctx *ctx, const struct row *r,
    struct followup_report *rep, struct npserr *err)
{
	struct npserr why;
	struct mark_arg m;
	enum attempt_result res;

	npserr_clear(&why);
	res = attempt(ctx, r, &why);
	memset(&m, 0, sizeof(m));
	m.row = r;
	m.attempts = r->attempts + 1;
	m.now = (int64_t)ctx->now;
	switch (res) {
	case ATTEMPT_DONE:
		m.state = "done";
		m.next = 0;
		rep->done++;
		msg_info("followup: survey %s: %s done (attempt %d)",
		    r->survey_id, kind_words[r->kind], m.attempts);
		break;
	case ATTEMPT_REFUSED:
		m.state = "failed";
		m.next = 0;
		m.error = why.msg;
		rep->skipped++;
		msg_info("followup: survey %s: %s %s", r->survey_id,
		    kind_words[r->kind], why.msg);
		break;
	case ATTEMPT_FAILED:
		m.error = why.msg;
		if (m.attempts >= FOLLOWUP_MAX_ATTEMPTS) {
			m.state = "failed";
			m.next = 0;
			rep->gave_up++;
			msg_error("followup: survey %s: %s failed %d times,"
			    " given up: %s", r->survey_id, kind_words[r->kind],
			    m.attempts, why.msg);
		} else {
			m.state = "pending";
			m.next = m.now + followup_backoff(m.attempts);
			rep->failed++;
			msg_warn("followup: survey %s: %s failed (attempt %d),"
			    " retry in %lld s: %s", r->survey_id,
			    kind_words[r->kind], m.attempts,
			    (long long)(m.next - m.now), why.msg);
		}
		break;
	}
	return mark_record(ctx, &m, err);
}

/* followup_start - see followup_int.h. The row is inserted before the
 * action is tried: that insert is what makes the action happen once. */
int
followup_start(const struct followup_ctx *ctx, const struct answer *a,
    enum followup_kind kind, struct followup_report *rep,
    struct npserr *err)
{
	struct row r;
	struct claim_arg c;
	int got;

	memset(&r, 0, sizeof(r));
	memcpy(r.survey_id, a->sv.id, sizeof(r.survey_id));
	r.kind = kind;
	r.response_id = a->response_id;
	r.created_at = (int64_t)ctx->now;
	c.row = &r;
	c.until = (int64_t)ctx->now + lease(ctx->cf);
	if ((got = store_db_write(ctx->store, claim_new_tx, &c, err)) < 0)
		return -1;
	if (got == 0) {
		msg_debug("followup: survey %s: %s queued before",
		    a->sv.id, kind_words[kind]);
		return 0;
	}
	r.next_attempt_at = c.until;
	return attempt_and_record(ctx, &r, rep, err);
}

/* followup_next_due - see followup.h; the index followups_due answers. */
int
followup_next_due(struct store *st, int64_t *at, struct npserr *err)
{
	struct store_stmt *s;
	int rc, r;

	*at = 0;
	s = store_db_prepare(st, "SELECT min(next_attempt_at) FROM followups"
	    " WHERE state = 'pending'", err);
	if (s == NULL)
		return -1;
	rc = store_step(s);
	if (rc == STORE_ROW) {
		r = store_col_is_null(s, 0) ? 0 : 1;
		if (r == 1)
			*at = store_col_int64(s, 0);
	} else {
		r = store_db_fail(st, err, "cannot read the follow-up"
		    " queue");
	}
	store_db_done(s);
	return r;
}

/* followup_retry_due - see followup.h. Rows are read first, then each
 * is claimed (a conditional UPDATE, so that two processes never try the
 * same one at once) and tried. */
int
followup_retry_due(const struct followup_ctx *ctx,
    struct followup_report *rep, struct npserr *err)
{
	struct followup_report dummy;
	struct row *rows = NULL;
	struct store_stmt *s;
	size_t n = 0, i;
	int rc, r = 0, got;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	s = store_db_prepare(ctx->store, "SELECT id, survey_id, kind,"
	    " response_id, attempts, created_at, next_attempt_at FROM"
	    " followups WHERE state = 'pending' AND next_attempt_at <= ?1"
	    " ORDER BY next_attempt_at, id LIMIT ?2", err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, (int64_t)ctx->now);
	store_bind_int64(s, 2, FOLLOWUP_RETRY_BATCH);
	rows = xcalloc(FOLLOWUP_RETRY_BATCH, sizeof(*rows));
	while ((rc = store_step(s)) == STORE_ROW && n <
	    FOLLOWUP_RETRY_BATCH) {
		const char *sid = store_col_text(s, 1);
		const char *kind = store_col_text(s, 2);
		struct row *w = &rows[n];

		if (sid == NULL || strlen(sid) != TOKEN_ID_LEN ||
		    kind_parse(kind, &w->kind) < 0)
			continue;
		w->id = store_col_int64(s, 0);
		memcpy(w->survey_id, sid, TOKEN_ID_LEN + 1);
		w->response_id = store_col_int64(s, 3);
		w->attempts = store_col_int(s, 4);
		w->created_at = store_col_int64(s, 5);
		w->next_attempt_at = store_col_int64(s, 6);
		n++;
	}
	if (rc != STORE_DONE && rc != STORE_ROW)
		r = store_db_fail(ctx->store, err, "cannot list the"
		    " follow-ups due");
	store_db_done(s);
	for (i = 0; r == 0 && i < n; i++) {
		struct claim_arg c = { &rows[i], (int64_t)ctx->now +
		    lease(ctx->cf) };

		if ((got = store_db_write(ctx->store, claim_due_tx, &c,
		    err)) < 0) {
			r = -1;
			break;
		}
		if (got == 0)
			continue;
		rows[i].next_attempt_at = c.until;
		if (attempt_and_record(ctx, &rows[i], rep, err) < 0)
			r = -1;
	}
	free(rows);
	return r;
}

