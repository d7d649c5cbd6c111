/*
 * store_ingest.c - a customer's reply recorded exactly once: the key of
 * the message in processed, then by kind the response (superseding the
 * survey's earlier one) and its comment, an opt-out, a bounce, or an
 * event, all in one write transaction (store_ingest()).
 *
 * A message is known by its key and the digest of its bytes, so that a
 * second message reusing a Message-ID is recorded, not taken for the
 * first. A comment is stored once, in the comments table (the survey's
 * history, each row naming its response).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"
#include "survey/nps.h"

/* processed.kind, by enum ingest_kind. */
static const char *const store_ingest_names[INGEST_KIND_COUNT] = {
	[INGEST_RESPONSE] = "response",
	[INGEST_AUTOREPLY] = "autoreply",
	[INGEST_BOUNCE] = "bounce",
	[INGEST_UNSUBSCRIBE] = "unsubscribe",
	[INGEST_UNMATCHED] = "unmatched",
	[INGEST_UNPARSED] = "unparsed",
};

/* store_ingest_kind_name - see store.h. */
const char *
store_ingest_kind_name(enum ingest_kind kind)
{
	if ((unsigned)kind >= INGEST_KIND_COUNT)
		return "unknown";
	return store_ingest_names[kind];
}

/* The statements that write a reply are sent without waiting for their
 * answers (store_db_later): the new response's id is read by the ones
 * after it on the server. */
static int
store_response_insert(struct store *st, const struct ingest_rec *in,
    int score, enum nps_category cat, struct npserr *err)
{
	struct store_stmt *s;

	if ((s = store_stmt(st, STMT_RESPONSE_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, in->survey_id);
	if (score >= 0) {
		store_bind_int64(s, 2, score);
		store_bind_text(s, 3, nps_category_name(cat));
	}
	/* The comment goes to the comments table only. */
	store_bind_null(s, 4);
	store_bind_opt(s, 5, in->sender);
	store_bind_opt(s, 6, in->lang);
	store_bind_int64(s, 7, in->forwarded ? 1 : 0);
	store_bind_int64(s, 8, in->received_at);
	store_bind_text(s, 9, in->msg_key);
	return store_db_later(st, s, err, "cannot add a response to survey"
	    " %s", in->survey_id);
}

/* The response old superseded by the one just added. */
static int
store_response_supersede(struct store *st, int64_t old, struct npserr *err)
{
	struct store_stmt *s;

	if ((s = store_stmt(st, STMT_RESPONSE_SUPERSEDE, err)) == NULL)
		return -1;
	store_bind_int64(s, 1, old);
	return store_db_later(st, s, err, "cannot supersede response %lld",
	    (long long)old);
}

/* The comment of the response response_id, or of the one just added when
 * response_id is 0. */
static int
store_comment_insert(struct store *st, const struct ingest_rec *in,
    int64_t response_id, struct npserr *err)
{
	struct store_stmt *s;

	s = store_stmt(st, response_id != 0 ? STMT_COMMENT_ADD :
	    STMT_COMMENT_ADD_NEW, err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, in->survey_id);
	if (response_id != 0)
		store_bind_int64(s, 2, response_id);
	store_bind_text(s, 3, in->comment);
	store_bind_int64(s, 4, in->received_at);
	store_bind_text(s, 5, in->msg_key);
	return store_db_later(st, s, err, "cannot add a comment to survey %s",
	    in->survey_id);
}

/*
 * A response to a survey we know. A score outside the survey type's range
 * counts as no score: the comment is kept, the figures are not skewed.
 */
static int
store_ingest_response(struct store *st, const struct ingest_rec *in,
    const struct survey_rec *sv, int64_t current, struct npserr *err)
{
	enum nps_category cat = NPS_NONE;
	bool has_comment;
	int score = in->score;

	if (score >= 0 && (cat = nps_category(sv->type, score)) == NPS_NONE)
		score = -1;
	has_comment = in->comment != NULL && in->comment[0] != '\0';
	if (score < 0 && current != 0) {
		/* A follow-up without a score: the earlier score stands. */
		if (has_comment)
			return store_comment_insert(st, in, current, err);
		return 0;
	}
	if (store_response_insert(st, in, score, cat, err) == -1)
		return -1;
	if (current != 0 && store_response_supersede(st, current, err) == -1)
		return -1;
	if (has_comment)
		return store_comment_insert(st, in, 0, err);
	return 0;
}

/*
 * An event about a reply; sv is the survey it answers, or NULL. Its
 * detail is the store's own reason, else the caller's, followed by the
 * message key so that the reply can be found again.
 */
static int
store_ingest_event(struct store *st, const struct ingest_rec *in,
    const struct survey_rec *sv, enum event_kind kind, const char *detail,
    struct npserr *err)
{
	struct buf text = BUF_INIT;
	struct event_rec ev;
	int r;

	if (detail == NULL && in->detail != NULL && in->detail[0] != '\0')
		detail = in->detail;
	if (detail != NULL)
		buf_printf(&text, "%s; message %s", detail, in->msg_key);
	else
		buf_puts(&text, in->msg_key);
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.detail = buf_cstr(&text);
	ev.at = in->received_at;
	if (sv != NULL) {
		ev.survey_id = sv->id;
		ev.recipient = sv->recipient;
		ev.ticket = sv->ticket;
		ev.agent = sv->agent;
		ev.team = sv->team;
		ev.channel = sv->channel;
		ev.reason = sv->reason;
		ev.priority = sv->priority;
	} else if (in->sender != NULL && in->sender[0] != '\0') {
		ev.recipient = in->sender;
	}
	r = store_event_insert(st, &ev, err);
	buf_free(&text);
	return r;
}

/*
 * The opt-out is the surveyed recipient's: the token proves the survey,
 * not who wrote the reply, so a reply from another address (forwarded,
 * or sent by someone holding the token) never opts that address out.
 */
static int
store_ingest_unsubscribe(struct store *st, const struct ingest_rec *in,
    const struct survey_rec *sv, struct npserr *err)
{
	const char *address = sv != NULL ? sv->recipient : NULL;

	if (address == NULL || address[0] == '\0')
		return store_ingest_event(st, in, sv, EVENT_UNSUBSCRIBED,
		    "no survey recipient to unsubscribe", err);
	if (store_unsub_insert(st, address, in->received_at,
	    sv != NULL ? sv->id : in->survey_id, err) == -1)
		return -1;
	return store_ingest_event(st, in, sv, EVENT_UNSUBSCRIBED, NULL, err);
}

static int
store_processed_insert(struct store *st, const struct ingest_rec *in,
    const char *kind, struct npserr *err)
{
	struct store_stmt *s;

	if ((s = store_stmt(st, STMT_PROCESSED_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, in->msg_key);
	store_bind_text(s, 2, kind);
	store_bind_opt(s, 3, in->survey_id);
	store_bind_opt(s, 4, in->folder);
	store_bind_int64(s, 5, (int64_t)time(NULL));
	store_bind_opt(s, 6, in->digest);
	return store_db_later(st, s, err, "cannot record message %s as"
	    " processed", in->msg_key);
}

/*
 * The processed row of key: 1 with *same (the row's digest is in's, or
 * it has none: a row from before schema version 4) and *limited (a
 * response recorded as over the limit), 0 when there is none, -1.
 */
static int
store_processed_get(struct store *st, const struct ingest_rec *in,
    const char *key, bool *same, bool *limited, struct npserr *err)
{
	struct store_stmt *s;
	const char *old, *kind;
	int r;

	r = store_step_key(st, STMT_PROCESSED_GET, key, &s, err,
	    "cannot look up the processed message %s", key);
	if (r != 1)
		return r;
	old = store_col_text(s, 0);
	kind = store_col_text(s, 1);
	*same = old == NULL || in->digest == NULL ||
	    strcmp((const char *)old, in->digest) == 0;
	/* Analysed as a response, recorded as unmatched: the survey was
	 * full. Filed the same way again. */
	*limited = in->kind == INGEST_RESPONSE && kind != NULL &&
	    strcmp((const char *)kind,
	    store_ingest_names[INGEST_UNMATCHED]) == 0;
	store_db_done(s);
	return 1;
}

/*
 * The key to record the message under: 1 when it was recorded before
 * (its key with the same digest), with *limited as store_processed_get
 * says; 0 with *key set when it is new; -1. Another message under a
 * Message-ID already used goes under its digest.
 */
static int
store_processed_key(struct store *st, const struct ingest_rec *in,
    const char **key, bool *limited, struct npserr *err)
{
	bool same;
	int r;

	*key = in->msg_key;
	r = store_processed_get(st, in, in->msg_key, &same, limited, err);
	if (r != 1 || same)
		return r;
	*key = in->digest;
	return store_processed_get(st, in, in->digest, &same, limited, err);
}

/* The response, unless its survey is full: then an unmatched event
 * that names the survey, for a person to look at. */
static int
store_ingest_answer(struct store *st, const struct ingest_rec *in,
    const struct survey_rec *sv, int64_t current, struct npserr *err)
{
	struct buf detail = BUF_INIT;
	int r;

	if (!in->over_limit)
		return store_ingest_response(st, in, sv, current, err);
	buf_printf(&detail, "survey %s keeps %d answers already, this one"
	    " is not counted", sv->id, STORE_MAX_ANSWERS);
	r = store_ingest_event(st, in, sv, EVENT_UNMATCHED, buf_cstr(&detail),
	    err);
	buf_free(&detail);
	return r;
}

/* Whether a response to the known survey sv, which has answers answers
 * already, goes over the limit: sets in->over_limit, and then its kind
 * and folder. */
static void
store_ingest_limit(struct ingest_rec *in, int64_t answers, const char **kind)
{
	if (answers < STORE_MAX_ANSWERS)
		return;
	in->over_limit = true;
	*kind = store_ingest_names[INGEST_UNMATCHED];
	if (in->folder != NULL)
		in->folder = in->review_folder;
}

/*
 * Sends the look-up of the reply's survey (STMT_INGEST_SURVEY), to be
 * read by store_ingest_survey_read() once the processed key is known:
 * on PostgreSQL both go to the server in one round trip. NULL when the
 * reply names no survey, or on error (err set, *failed).
 */
static struct store_stmt *
store_ingest_survey_send(struct store *st, const char *survey_id,
    bool *failed, struct npserr *err)
{
	struct store_stmt *s;

	*failed = false;
	if (survey_id == NULL || survey_id[0] == '\0')
		return NULL;
	if ((s = store_stmt(st, STMT_INGEST_SURVEY, err)) == NULL) {
		*failed = true;
		return NULL;
	}
	store_bind_text(s, 1, survey_id);
	store_db_send(s);
	return s;
}

/* The survey sent for: 1 with *sv, its answers and its current response
 * (0: none), 0 when the store does not know it, -1. Resets s. */
static int
store_ingest_survey_read(struct store *st, struct store_stmt *s,
    const char *survey_id, struct survey_rec *sv, int64_t *answers,
    int64_t *current, struct npserr *err)
{
	int n, rc;

	rc = store_step(s);
	if (rc == STORE_ROW) {
		n = store_col_count(s);
		*answers = store_col_int64(s, n - 2);
		*current = store_col_is_null(s, n - 1) ? 0 :
		    store_col_int64(s, n - 1);
		rc = store_survey_from_row(st, s, sv, err) == -1 ? -2 : 1;
	} else if (rc == -1) {
		store_db_fail(st, err, "cannot look up survey %s", survey_id);
	}
	store_db_done(s);
	return rc == -2 ? -1 : rc;
}

static int
store_ingest_tx(struct store *st, void *arg, struct npserr *err)
{
	struct ingest_rec *orig = arg, rec = *orig, *in = &rec;
	struct survey_rec sv;
	struct store_stmt *q;
	struct buf detail = BUF_INIT;
	bool known = false, failed;
	const char *kind, *key;
	int64_t answers = 0, current = 0;
	bool limited = false;
	int r;

	orig->stored_key = NULL;
	orig->over_limit = false;
	/* Two hooks on one mailbox may take the same reply at once, or two
	 * replies to one survey: the second waits, then finds the first. */
	if (store_lock_key(st, STORE_LOCK_MESSAGE, orig->msg_key, err) == -1 ||
	    store_lock_key(st, STORE_LOCK_MESSAGE, orig->digest, err) == -1 ||
	    store_lock_key(st, STORE_LOCK_SURVEY, orig->survey_id, err) == -1)
		return -1;
	q = store_ingest_survey_send(st, in->survey_id, &failed, err);
	if (failed)
		return -1;
	r = store_processed_key(st, orig, &key, &limited, err);
	if (r == 1) {
		orig->stored_key = key;
		orig->over_limit = limited;
	}
	if (r != 0) {
		store_db_done(q);
		return r == 1 ? INGEST_DUPLICATE : -1;
	}
	in->msg_key = key;
	in->over_limit = false;
	memset(&sv, 0, sizeof(sv));
	if (q != NULL) {
		r = store_ingest_survey_read(st, q, in->survey_id, &sv,
		    &answers, &current, err);
		if (r == -1)
			return -1;
		known = r == 1;
	}
	kind = store_ingest_names[in->kind];
	if (in->kind == INGEST_RESPONSE && !known)
		kind = store_ingest_names[INGEST_UNMATCHED];
	if (in->kind == INGEST_RESPONSE && known)
		store_ingest_limit(in, answers, &kind);
	r = store_processed_insert(st, in, kind, err);
	if (r == 0) {
		switch (in->kind) {
		case INGEST_RESPONSE:
			if (known) {
				r = store_ingest_answer(st, in, &sv, current,
				    err);
				break;
			}
			buf_puts(&detail, "survey ID not in store");
			if (in->survey_id != NULL && in->survey_id[0] != '\0')
				buf_printf(&detail, ": %s", in->survey_id);
			r = store_ingest_event(st, in, NULL, EVENT_UNMATCHED,
			    buf_cstr(&detail), err);
			break;
		case INGEST_AUTOREPLY:
			r = store_ingest_event(st, in, known ? &sv : NULL,
			    EVENT_AUTOREPLY, NULL, err);
			break;
		case INGEST_UNMATCHED:
			r = store_ingest_event(st, in, known ? &sv : NULL,
			    EVENT_UNMATCHED, NULL, err);
			break;
		case INGEST_UNPARSED:
			r = store_ingest_event(st, in, known ? &sv : NULL,
			    EVENT_UNPARSED, NULL, err);
			break;
		case INGEST_BOUNCE:
			r = store_ingest_event(st, in, known ? &sv : NULL,
			    EVENT_BOUNCED, NULL, err);
			if (r == 0 && known) {
				struct store_status_arg a = { sv.id,
				    SURVEY_BOUNCED, in->received_at };

				r = store_set_status_tx(st, &a, err);
			}
			break;
		case INGEST_UNSUBSCRIBE:
			r = store_ingest_unsubscribe(st, in, known ? &sv :
			    NULL, err);
			break;
		}
	}
	if (r == 0 && known)
		r = store_forward_insert(st, in, key, sv.id, err);
	buf_free(&detail);
	store_survey_clear(&sv);
	if (r != 0)
		return -1;
	orig->stored_key = orig->msg_key == key ? orig->msg_key :
	    orig->digest;
	orig->over_limit = in->over_limit;
	return INGEST_NEW;
}

/*
 * store_ingest - records one reply, exactly once, in one transaction:
 * the processed key first (the same message seen before:
 * INGEST_DUPLICATE, nothing written; another message under a key used
 * already: recorded under its digest), then by kind:
 *   response     a new responses row, superseding the current one when it
 *                has a score; without a score (or with one outside the
 *                type's range) to a survey already answered, only the
 *                comment, added to the current response's history; every
 *                comment goes to the comments table, and there only. A
 *                survey the store does not know makes an 'unmatched'
 *                event instead; so does a survey that keeps
 *                STORE_MAX_ANSWERS answers already (filed in
 *                review_folder, in->over_limit set).
 *   autoreply, unmatched, unparsed   an event of that kind
 *   bounce       an event, and the survey marked bounced
 *   unsubscribe  an opt-out for the survey's recipient, never the sender,
 *                and an event
 * Events carry the survey's ticket, agent, ... when it is known, and the
 * message key in their detail. in->stored_key is the key the message is
 * recorded under (now or before). Returns INGEST_NEW, INGEST_DUPLICATE or
 * -1.
 */
int
store_ingest(struct store *st, struct ingest_rec *in, struct npserr *err)
{
	if ((unsigned)in->kind >= INGEST_KIND_COUNT) {
		npserr_set(err, "store %s: cannot ingest message %s: bad kind"
		    " %d", st->path, in->msg_key != NULL ? in->msg_key : "?",
		    (int)in->kind);
		return -1;
	}
	if (in->msg_key == NULL || in->msg_key[0] == '\0') {
		npserr_set(err, "store %s: cannot ingest a message without a"
		    " key", st->path);
		return -1;
	}
	if (in->digest != NULL && in->digest[0] == '\0')
		in->digest = NULL;
	return store_db_write(st, store_ingest_tx, in, err);
}
