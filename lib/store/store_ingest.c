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
 * Records one reply of a run, as seen says the store knows it:
 * INGEST_NEW or INGEST_DUPLICATE, and orig->stored_key and
 * orig->over_limit set; -1.
 */
static int
store_ingest_write(struct store *st, struct ingest_rec *orig,
    const struct ingest_seen *seen, struct npserr *err)
{
	struct ingest_rec rec = *orig, *in = &rec;
	const struct survey_rec *sv = seen->known ? &seen->sv : NULL;
	struct buf detail = BUF_INIT;
	const char *kind;
	int r;

	orig->stored_key = seen->key;
	orig->over_limit = seen->limited;
	if (seen->dup)
		return INGEST_DUPLICATE;
	orig->stored_key = NULL;
	orig->over_limit = false;
	in->msg_key = seen->key;
	in->over_limit = false;
	kind = store_ingest_names[in->kind];
	if (in->kind == INGEST_RESPONSE && sv == NULL)
		kind = store_ingest_names[INGEST_UNMATCHED];
	if (in->kind == INGEST_RESPONSE && sv != NULL)
		store_ingest_limit(in, seen->answers, &kind);
	r = store_processed_insert(st, in, kind, err);
	if (r == 0) {
		switch (in->kind) {
		case INGEST_RESPONSE:
			if (sv != NULL) {
				r = store_ingest_answer(st, in, sv,
				    seen->current, err);
				break;
			}
			buf_puts(&detail, "survey ID not in store");
			if (in->survey_id != NULL && in->survey_id[0] != '\0')
				buf_printf(&detail, ": %s", in->survey_id);
			r = store_ingest_event(st, in, NULL, EVENT_UNMATCHED,
			    buf_cstr(&detail), err);
			break;
		case INGEST_AUTOREPLY:
			r = store_ingest_event(st, in, sv, EVENT_AUTOREPLY,
			    NULL, err);
			break;
		case INGEST_UNMATCHED:
			r = store_ingest_event(st, in, sv, EVENT_UNMATCHED,
			    NULL, err);
			break;
		case INGEST_UNPARSED:
			r = store_ingest_event(st, in, sv, EVENT_UNPARSED,
			    NULL, err);
			break;
		case INGEST_BOUNCE:
			r = store_ingest_event(st, in, sv, EVENT_BOUNCED,
			    NULL, err);
			if (r == 0 && sv != NULL) {
				struct store_status_arg a = { sv->id,
				    SURVEY_BOUNCED, in->received_at };

				r = store_set_status_tx(st, &a, err);
			}
			break;
		case INGEST_UNSUBSCRIBE:
			r = store_ingest_unsubscribe(st, in, sv, err);
			break;
		}
	}
	if (r == 0 && sv != NULL)
		r = store_forward_insert(st, in, seen->key, sv->id, err);
	buf_free(&detail);
	if (r != 0)
		return -1;
	orig->stored_key = seen->key;
	orig->over_limit = in->over_limit;
	return INGEST_NEW;
}

/* The replies of one write transaction, and what became of each. */
struct ingest_batch {
	struct ingest_rec *in;
	size_t n;
	int *result;
};

/*
 * Records the replies run by run: what the store knows of a run is read
 * at once (store_ingest_read), then each of its replies is written; the
 * next run is read behind those writes, and sees them.
 */
static int
store_ingest_tx(struct store *st, void *arg, struct npserr *err)
{
	struct ingest_batch *b = arg;
	struct ingest_seen seen[STORE_INGEST_RUN];
	size_t i, j, n;
	int r = 0;

	for (i = 0; i < b->n && r == 0; i += n) {
		n = store_ingest_run_end(b->in + i, b->n - i);
		if (store_ingest_read(st, b->in + i, n, seen, err) == -1)
			return -1;
		for (j = 0; j < n && r == 0; j++) {
			b->result[i + j] = store_ingest_write(st,
			    &b->in[i + j], &seen[j], err);
			if (b->result[i + j] == -1)
				r = -1;
		}
		store_ingest_seen_clear(seen, n);
	}
	return r;
}

/* A reply the store can record: 0, or -1 with err saying why. */
static int
store_ingest_check(struct store *st, struct ingest_rec *in,
    struct npserr *err)
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
	return 0;
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
	int result = -1;

	return store_ingest_many(st, in, 1, &result, err) == -1 ? -1 : result;
}

/*
 * store_ingest_many - records in[0..n), each as store_ingest() does, in
 * one write transaction (the caller's, when one is open): result[i] is
 * INGEST_NEW or INGEST_DUPLICATE. 0, or -1 with err set: then nothing
 * is recorded, and an open transaction must be rolled back.
 */
int
store_ingest_many(struct store *st, struct ingest_rec *in, size_t n,
    int *result, struct npserr *err)
{
	struct ingest_batch b = { in, n, result };
	size_t i;

	for (i = 0; i < n; i++) {
		result[i] = -1;
		if (store_ingest_check(st, &in[i], err) == -1)
			return -1;
	}
	return store_db_write(st, store_ingest_tx, &b, err) < 0 ? -1 : 0;
}
