/*
 * store_event.c - events (why a mail got no survey, what a reply was when
 * it was not an answer) and the customers' opt-outs. An event keeps its
 * survey's ticket, agent, ... as columns of its own, so the reports count
 * it even once the survey is gone.
 */
#include <stdint.h>
#include <string.h>
#include <stdio.h>

#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

static const char *const store_event_names[EVENT_KIND_COUNT] = {
	[EVENT_OPTOUT] = "optout",
	[EVENT_NOT_ELIGIBLE] = "not_eligible",
	[EVENT_THROTTLED] = "throttled",
	[EVENT_MULTI_RCPT] = "multi_rcpt",
	[EVENT_SUPPRESSED] = "suppressed",
	[EVENT_ERROR] = "error",
	[EVENT_BOUNCED] = "bounced",
	[EVENT_UNSUBSCRIBED] = "unsubscribed",
	[EVENT_AUTOREPLY] = "autoreply",
	[EVENT_UNMATCHED] = "unmatched",
	[EVENT_UNPARSED] = "unparsed",
	[EVENT_DUPLICATE] = "duplicate",
};

/* store_event_kind_name - the events.kind text; "unknown" out of range. */
const char *
store_event_kind_name(enum event_kind kind)
{
	if ((unsigned)kind >= EVENT_KIND_COUNT)
		return "unknown";
	return store_event_names[kind];
}

/* store_event_insert - see store_int.h. */
int
store_event_insert(struct store *st, const struct event_rec *ev,
    struct npserr *err)
{
	struct store_stmt *s;

	if ((unsigned)ev->kind >= EVENT_KIND_COUNT) {
		npserr_set(err, "store %s: cannot add event: bad kind %d",
		    st->path, (int)ev->kind);
		return -1;
	}
	if ((s = store_stmt(st, STMT_EVENT_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, store_event_names[ev->kind]);
	store_bind_opt(s, 2, ev->survey_id);
	store_bind_text(s, 3, ev->recipient);
	store_bind_text(s, 4, ev->ticket);
	store_bind_text(s, 5, ev->agent);
	store_bind_text(s, 6, ev->team);
	store_bind_text(s, 7, ev->channel);
	store_bind_text(s, 8, ev->reason);
	store_bind_text(s, 9, ev->priority);
	store_bind_text(s, 10, ev->detail);
	store_bind_int64(s, 11, ev->at);
	return store_db_later(st, s, err, "cannot add event");
}

static int
store_event_add_tx(struct store *st, void *arg, struct npserr *err)
{
	return store_event_insert(st, arg, err);
}

/* store_event_add - records an event. A survey_id the store does not
 * know is stored as NULL: the event matters more than the link. */
int
store_event_add(struct store *st, const struct event_rec *ev,
    struct npserr *err)
{
	return store_db_write(st, store_event_add_tx, (void *)ev, err);
}

/* store_unsub_insert - see store_int.h. */
int
store_unsub_insert(struct store *st, const char *address, int64_t at,
    const char *survey_id, struct npserr *err)
{
	struct store_stmt *s;

	if ((s = store_stmt(st, STMT_UNSUB_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, address);
	store_bind_int64(s, 2, at);
	store_bind_opt(s, 3, survey_id);
	return store_db_later(st, s, err, "cannot record the opt-out");
}

struct store_unsub_arg {
	const char *address;
	int64_t at;
	const char *survey_id;
};

static int
store_unsub_add_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct store_unsub_arg *a = arg;

	return store_unsub_insert(st, a->address, a->at, a->survey_id, err);
}

/* store_unsubscribe_add - records an opt-out (address lowercased); the
 * first one for an address stands, later ones are no-ops. */
int
store_unsubscribe_add(struct store *st, const char *address, int64_t at,
    const char *survey_id, struct npserr *err)
{
	struct store_unsub_arg a = { address, at, survey_id };

	if (address == NULL || address[0] == '\0') {
		npserr_set(err, "store %s: cannot record an opt-out without"
		    " an address", st->path);
		return -1;
	}
	return store_db_write(st, store_unsub_add_tx, &a, err);
}

/* store_is_unsubscribed - 1, 0 or -1; the address in any case. */
int
store_is_unsubscribed(struct store *st, const char *address,
    struct npserr *err)
{
	return store_exists(st, STMT_UNSUB_GET, address, err,
	    "cannot look up the opt-out");
}

/* store_customer_look - see store.h. */
int
store_customer_look(struct store *st, const char *address,
    const char *ticket, struct store_customer *out, struct npserr *err)
{
	struct store_stmt *s;

	memset(out, 0, sizeof(*out));
	if ((s = store_db_prepare(st, "SELECT (SELECT 1 FROM unsubscribed"
	    " WHERE address = lower(?1)), (SELECT 1 FROM surveys WHERE"
	    " ticket = ?2 LIMIT 1), (SELECT max(created_at) FROM surveys"
	    " WHERE recipient = lower(?1))", err)) == NULL)
		return -1;
	store_bind_text(s, 1, address);
	store_bind_opt(s, 2, ticket);
	if (store_step(s) != STORE_ROW) {
		store_db_done(s);
		return store_db_fail(st, err, "cannot look up the surveys of"
		    " %s", address);
	}
	out->unsubscribed = !store_col_is_null(s, 0);
	out->ticket_surveyed = !store_col_is_null(s, 1);
	out->last_survey = store_col_is_null(s, 2) ? 0 :
	    store_col_int64(s, 2);
	store_db_done(s);
	return 0;
}

/* store_is_processed - 1 when msg_key was ingested, 0 if not, -1. */
int
store_is_processed(struct store *st, const char *msg_key,
    struct npserr *err)
{
	return store_exists(st, STMT_PROCESSED_GET, msg_key, err,
	    "cannot look up the processed message");
}

/* --- counters and tickets ------------------------------------------------ */

struct store_count_arg {
	const char *name;
	int64_t delta;
};

static int
store_count_add_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct store_count_arg *a = arg;
	struct store_stmt *s;
	char key[96];

	snprintf(key, sizeof(key), "count.%.80s", a->name);
	if ((s = store_db_prepare(st, "INSERT INTO meta (key, value) VALUES"
	    " (?1, ?2) ON CONFLICT (key) DO UPDATE SET value ="
	    " CAST(value AS BIGINT) + ?2", err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_int64(s, 2, a->delta);
	return store_step_done(st, s, err, "cannot count %s", a->name);
}

/* store_count_add - see store.h. A row of meta, so that no schema change
 * is needed for a number. */
int
store_count_add(struct store *st, const char *name, int64_t delta,
    struct npserr *err)
{
	struct store_count_arg a = { name, delta };

	return store_db_write(st, store_count_add_tx, &a, err);
}

/* store_count_get - see store.h. */
int
store_count_get(struct store *st, const char *name, int64_t *out,
    struct npserr *err)
{
	struct store_stmt *s;
	char key[96];
	int rc;

	*out = 0;
	snprintf(key, sizeof(key), "count.%.80s", name);
	if ((s = store_db_prepare(st, "SELECT CAST(value AS BIGINT) FROM meta"
	    " WHERE key = ?1", err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (rc == STORE_ROW)
		*out = store_col_int64(s, 0);
	store_db_done(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read count %s",
		    name);
	return 0;
}
