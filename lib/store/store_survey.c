/*
 * store_survey.c - the surveys table: a survey recorded when the milter
 * issues it (throttled inside the same write), looked up by id or by the
 * Message-ID it went out with, the held ones listed when due to the
 * relay that holds them, and its status changed on release or bounce.
 * Records handed out own their strings; store_survey_clear() frees them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"
#include "survey/nps.h"

static const char *const store_status_names[] = {
	[SURVEY_SENT] = "sent",
	[SURVEY_HELD] = "held",
	[SURVEY_RELEASED] = "released",
	[SURVEY_BOUNCED] = "bounced",
};
#define STORE_STATUS_COUNT \
	(sizeof(store_status_names) / sizeof(store_status_names[0]))

static int
store_status_parse(const char *s, enum survey_status *out)
{
	size_t i;

	for (i = 0; i < STORE_STATUS_COUNT; i++) {
		if (s != NULL && strcmp(s, store_status_names[i]) == 0) {
			*out = (enum survey_status)i;
			return 0;
		}
	}
	return -1;
}

static const char *
store_status_name(enum survey_status status)
{
	if ((unsigned)status >= STORE_STATUS_COUNT)
		return NULL;
	return store_status_names[status];
}

static char *
store_column_dup(struct store_stmt *s, int col)
{
	const char *text = store_col_text(s, col);

	if (text == NULL)
		return NULL;
	return xstrndup((const char *)text, (size_t)store_col_bytes(s,
	    col));
}

/* store_survey_from_row - see store_int.h. */
int
store_survey_from_row(struct store *st, struct store_stmt *s,
    struct survey_rec *out, struct npserr *err)
{
	const char *id = store_col_text(s, 0);
	const char *type = store_col_text(s, 2);
	const char *status = store_col_text(s, 3);

	memset(out, 0, sizeof(*out));
	if (id == NULL || strlen(id) > TOKEN_ID_LEN) {
		npserr_set(err, "store %s: survey with a malformed id"
		    " \"%.40s\"", st->path, id != NULL ? id : "");
		return -1;
	}
	memcpy(out->id, id, strlen(id) + 1);
	if (type == NULL || nps_type_parse(type, strlen(type),
	    &out->type) == -1) {
		npserr_set(err, "store %s: survey %s: unknown type \"%.20s\"",
		    st->path, out->id, type != NULL ? type : "");
		return -1;
	}
	if (store_status_parse(status, &out->status) == -1) {
		npserr_set(err, "store %s: survey %s: unknown status \"%.20s\"",
		    st->path, out->id, status != NULL ? status : "");
		return -1;
	}
	out->key_id = (unsigned)store_col_int64(s, 1);
	out->message_id = store_column_dup(s, 4);
	out->queue_id = store_column_dup(s, 5);
	out->recipient = store_column_dup(s, 6);
	out->ticket = store_column_dup(s, 7);
	out->agent = store_column_dup(s, 8);
	out->team = store_column_dup(s, 9);
	out->channel = store_column_dup(s, 10);
	out->reason = store_column_dup(s, 11);
	out->priority = store_column_dup(s, 12);
	out->lang = store_column_dup(s, 13);
	out->created_at = store_col_int64(s, 14);
	out->due_at = store_col_int64(s, 15);
	out->released_at = store_col_int64(s, 16);
	out->held_by = store_column_dup(s, 17);
	return 0;
}

/* store_survey_clear - frees the strings of a record from the store. */
void
store_survey_clear(struct survey_rec *rec)
{
	if (rec == NULL)
		return;
	free(rec->message_id);
	free(rec->queue_id);
	free(rec->recipient);
	free(rec->ticket);
	free(rec->agent);
	free(rec->team);
	free(rec->channel);
	free(rec->reason);
	free(rec->priority);
	free(rec->lang);
	free(rec->helpdesk_to);
	free(rec->held_by);
	memset(rec, 0, sizeof(*rec));
}

/*
 * Whether the rules that span mails let rec in, as the store is once
 * the locks are had: once per ticket (rec->once_per_ticket, a survey for
 * its ticket already) and the throttle (rec->throttle_from, a survey to
 * the recipient created after it), read in one statement. 0,
 * STORE_THROTTLED or -1.
 */
static int
store_survey_admit(struct store *st, const struct survey_rec *rec,
    struct npserr *err)
{
	bool ticket = rec->once_per_ticket && rec->ticket != NULL &&
	    rec->ticket[0] != '\0';
	bool throttle = rec->throttle_from > 0 && rec->recipient != NULL;
	struct store_stmt *s;
	bool surveyed;
	int64_t last;

	if (!ticket && !throttle)
		return 0;
	if ((s = store_db_prepare(st, "SELECT (SELECT 1 FROM surveys WHERE"
	    " ticket = ?1 LIMIT 1), (SELECT max(created_at) FROM surveys WHERE"
	    " recipient = lower(?2))", err)) == NULL)
		return -1;
	store_bind_text(s, 1, ticket ? rec->ticket : NULL);
	store_bind_text(s, 2, throttle ? rec->recipient : NULL);
	if (store_step(s) != STORE_ROW) {
		store_db_done(s);
		return store_db_fail(st, err, "cannot look for the surveys"
		    " before %s", rec->id);
	}
	surveyed = !store_col_is_null(s, 0);
	last = store_col_is_null(s, 1) ? 0 : store_col_int64(s, 1);
	store_db_done(s);
	if (ticket && surveyed)
		return STORE_THROTTLED;
	if (throttle && last > rec->throttle_from)
		return STORE_THROTTLED;
	return 0;
}

static int
store_survey_add_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct survey_rec *rec = arg;
	const char *status = store_status_name(rec->status);
	struct store_stmt *s;
	int r;

	if ((unsigned)rec->type >= SURVEY_TYPE_COUNT || status == NULL) {
		npserr_set(err, "store %s: cannot add survey %s: bad type %d"
		    " or status %d", st->path, rec->id, (int)rec->type,
		    (int)rec->status);
		return -1;
	}
	/* The throttle and once-per-ticket hold across nodes: whoever
	 * decides for this recipient or ticket waits for the other. */
	if (store_lock_key(st, STORE_LOCK_RECIPIENT, rec->recipient,
	    err) == -1)
		return -1;
	if (rec->once_per_ticket && rec->ticket != NULL &&
	    rec->ticket[0] != '\0' && store_lock_key(st, STORE_LOCK_TICKET,
	    rec->ticket, err) == -1)
		return -1;
	if ((r = store_survey_admit(st, rec, err)) != 0)
		return r;
	if ((s = store_stmt(st, STMT_SURVEY_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, rec->id);
	store_bind_int64(s, 2, rec->key_id);
	store_bind_text(s, 3, nps_type_name(rec->type));
	store_bind_text(s, 4, status);
	store_bind_text(s, 5, rec->message_id);
	store_bind_text(s, 6, rec->queue_id);
	store_bind_text(s, 7, rec->recipient);
	store_bind_text(s, 8, rec->ticket);
	store_bind_text(s, 9, rec->agent);
	store_bind_text(s, 10, rec->team);
	store_bind_text(s, 11, rec->channel);
	store_bind_text(s, 12, rec->reason);
	store_bind_text(s, 13, rec->priority);
	store_bind_text(s, 14, rec->lang);
	store_bind_int64(s, 15, rec->created_at);
	store_bind_int64(s, 16, rec->due_at);
	store_bind_int64(s, 17, rec->released_at);
	store_bind_text(s, 18, rec->held_by);
	/* Sent without waiting: the commit says whether it passed. */
	if (store_db_later(st, s, err, "cannot add survey %s", rec->id) == -1)
		return -1;
	if (rec->helpdesk_to == NULL)
		return 0;
	return store_forward_helpdesk_set(st, rec->id, rec->helpdesk_to, err);
}

/* store_survey_add - records a survey; its id must be new. The recipient
 * (and the help desk's address, rec->helpdesk_to) is stored lowercased.
 * rec stays the caller's. Returns 0, STORE_THROTTLED
 * (nothing written) when rec->once_per_ticket is set and the ticket has a
 * survey, or when rec->throttle_from is set and the recipient has
 * a survey created after it, or -1. */
int
store_survey_add(struct store *st, const struct survey_rec *rec,
    struct npserr *err)
{
	return store_db_write(st, store_survey_add_tx, (void *)rec, err);
}

/* Runs a SURVEY_COLUMNS query bound to one text key: 1, 0 or -1. */
static int
store_survey_lookup(struct store *st, enum store_stmt_id id, const char *key,
    struct survey_rec *out, struct npserr *err)
{
	struct store_stmt *s;
	int r;

	r = store_step_key(st, id, key, &s, err, "cannot look up survey");
	if (r == 1) {
		if (store_survey_from_row(st, s, out, err) == -1)
			r = -1;
		store_db_done(s);
	}
	return r;
}

/* store_survey_get - 1 and *out filled (free with store_survey_clear), 0
 * when there is no such survey, -1 on error. */
int
store_survey_get(struct store *st, const char *id, struct survey_rec *out,
    struct npserr *err)
{
	return store_survey_lookup(st, STMT_SURVEY_GET, id, out, err);
}

/* store_survey_find_by_message_id - like store_survey_get; with several
 * surveys for one Message-ID, the latest. */
int
store_survey_find_by_message_id(struct store *st, const char *message_id,
    struct survey_rec *out, struct npserr *err)
{
	return store_survey_lookup(st, STMT_SURVEY_BY_MSGID, message_id, out,
	    err);
}

/* store_last_survey_time - *out = latest created_at to recipient (any
 * case), 0 if none. */
int
store_last_survey_time(struct store *st, const char *recipient,
    int64_t *out, struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	*out = 0;
	if ((s = store_stmt(st, STMT_SURVEY_LAST_TIME, err)) == NULL)
		return -1;
	store_bind_text(s, 1, recipient);
	rc = store_step(s);
	if (rc != STORE_ROW) {
		store_db_fail(st, err, "cannot read the last survey time");
		store_db_done(s);
		return -1;
	}
	*out = store_col_int64(s, 0);	/* NULL reads as 0 */
	store_db_done(s);
	return 0;
}

/* store_held_due - calls fn, in due order, for each held survey due by
 * now that node holds, or any relay (see store.h). fn may write to the
 * store; its -1 stops the walk and is returned. */
int
store_held_due(struct store *st, const char *node, int64_t now,
    int (*fn)(const struct survey_rec *rec, void *arg), void *arg,
    struct npserr *err)
{
	struct survey_rec *recs = NULL;
	size_t n = 0, cap = 0, i;
	struct store_stmt *s;
	int rc, r = 0;

	if ((s = store_stmt(st, STMT_SURVEY_HELD_DUE, err)) == NULL)
		return -1;
	store_bind_int64(s, 1, now);
	store_bind_text(s, 2, node);
	/* Read them all first: fn may write (store_survey_set_status), and
	 * a write must not run while this read is still open on the
	 * connection. */
	while ((rc = store_step(s)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			recs = xrealloc(recs, cap * sizeof(*recs));
		}
		if (store_survey_from_row(st, s, &recs[n], err) == -1) {
			r = -1;
			break;
		}
		n++;
	}
	if (r == 0 && rc != STORE_DONE)
		r = store_db_fail(st, err, "cannot list held surveys");
	store_db_done(s);
	for (i = 0; i < n; i++) {
		if (r == 0 && fn(&recs[i], arg) == -1)
			r = -1;
		store_survey_clear(&recs[i]);
	}
	free(recs);
	return r;
}

/* store_set_status_tx - see store_int.h. */
int
store_set_status_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct store_status_arg *a = arg;
	const char *status = store_status_name(a->status);
	struct store_stmt *s;

	if (status == NULL) {
		npserr_set(err, "store %s: survey %s: bad status %d", st->path,
		    a->id, (int)a->status);
		return -1;
	}
	if ((s = store_stmt(st, STMT_SURVEY_SET_STATUS, err)) == NULL)
		return -1;
	store_bind_text(s, 1, a->id);
	store_bind_text(s, 2, status);
	store_bind_int64(s, 3, a->at);
	if (store_step_done(st, s, err, "cannot set the status of survey %s",
	    a->id) == -1)
		return -1;
	if (store_changes(st) == 0) {
		npserr_set(err, "store %s: cannot set the status of survey %s:"
		    " no such survey", st->path, a->id);
		return -1;
	}
	return 0;
}

/* store_survey_set_status - sets the status; SURVEY_RELEASED also sets
 * released_at = at. An unknown id is an error. */
int
store_survey_set_status(struct store *st, const char *id,
    enum survey_status status, int64_t at, struct npserr *err)
{
	struct store_status_arg a = { id, status, at };

	return store_db_write(st, store_set_status_tx, &a, err);
}

struct store_release_arg {
	const char *id;
	int64_t at;
};

static int
store_release_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct store_release_arg *a = arg;
	struct store_stmt *s;

	s = store_db_prepare(st, "UPDATE surveys SET status = 'released',"
	    " released_at = ?2 WHERE id = ?1 AND status = 'held'", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, a->id);
	store_bind_int64(s, 2, a->at);
	if (store_step_done(st, s, err, "cannot release survey %s",
	    a->id) == -1)
		return -1;
	return store_changes(st) > 0 ? 1 : 0;
}

/* store_survey_release - see store.h. The update takes the row: a second
 * release at the same moment waits for the first, then finds the survey
 * released and changes nothing. */
int
store_survey_release(struct store *st, const char *id, int64_t at,
    struct npserr *err)
{
	struct store_release_arg a = { id, at };

	return store_db_write(st, store_release_tx, &a, err);
}
