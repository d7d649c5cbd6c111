/*
 * store_ingest_read.c - what the store knows of a run of replies before
 * it records them (store_ingest.c): for each, whether its message was
 * recorded before and under which key, and its survey with the answers
 * it has and its current response.
 *
 * A run is read in two statements, whatever its length: the processed
 * rows of all its keys, the surveys of all its replies. On PostgreSQL
 * both go to the server behind the locks of the run's keys and the
 * writes of the run before, in one round trip. So that what is read
 * stays true while the run is written, no two replies of a run share a
 * key or a survey (store_ingest_run_end): the second starts the next
 * run, which is read after the first is written.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

/* A processed row read for the run. */
struct ingest_row {
	char *key;
	char *digest;		/* NULL: a row from before schema version 4 */
	bool unmatched;		/* kind 'unmatched' */
};

static bool
same_text(const char *a, const char *b)
{
	return a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0;
}

/* Whether r shares a message key or a survey with one of in[0..n). */
static bool
store_ingest_shares(const struct ingest_rec *r, const struct ingest_rec *in,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (same_text(r->msg_key, in[i].msg_key) ||
		    same_text(r->msg_key, in[i].digest) ||
		    same_text(r->digest, in[i].msg_key) ||
		    same_text(r->digest, in[i].digest) ||
		    same_text(r->survey_id, in[i].survey_id))
			return true;
	}
	return false;
}

/* store_ingest_run_end - see store_int.h. */
size_t
store_ingest_run_end(const struct ingest_rec *in, size_t n)
{
	size_t e;

	for (e = 1; e < n && e < STORE_INGEST_RUN; e++)
		if (store_ingest_shares(&in[e], in, e))
			break;
	return e;
}

/* Appends the text to the JSON array opened in b (NULL and "" left
 * out). */
static void
json_list_add(struct buf *b, const char *text)
{
	if (text == NULL || text[0] == '\0')
		return;
	if (b->len > 1)
		buf_putc(b, ',');
	json_append_cstr(b, text);
}

/* The locks of the run's keys, then its two look-ups sent: on
 * PostgreSQL the server has them all before this program waits. */
static int
store_ingest_send(struct store *st, const struct ingest_rec *in, size_t n,
    struct store_stmt **qp, struct store_stmt **qs, struct npserr *err)
{
	struct buf sql = BUF_INIT, keys = BUF_INIT, ids = BUF_INIT;
	size_t i;

	*qp = *qs = NULL;
	/* Two hooks on one mailbox may take the same reply at once, or two
	 * replies to one survey: the second waits, then finds the first. */
	for (i = 0; i < n; i++)
		if (store_lock_key(st, STORE_LOCK_MESSAGE, in[i].msg_key,
		    err) == -1 || store_lock_key(st, STORE_LOCK_MESSAGE,
		    in[i].digest, err) == -1 || store_lock_key(st,
		    STORE_LOCK_SURVEY, in[i].survey_id, err) == -1)
			return -1;
	buf_putc(&keys, '[');
	buf_putc(&ids, '[');
	for (i = 0; i < n; i++) {
		json_list_add(&keys, in[i].msg_key);
		json_list_add(&keys, in[i].digest);
		json_list_add(&ids, in[i].survey_id);
	}
	buf_putc(&keys, ']');
	buf_putc(&ids, ']');
	buf_puts(&sql, "SELECT msg_key, digest, kind FROM processed WHERE"
	    " msg_key IN (SELECT value FROM ");
	store_sql_json_values(st, &sql, 1);
	buf_putc(&sql, ')');
	*qp = store_db_prepare(st, buf_cstr(&sql), err);
	buf_reset(&sql);
	/* The current response is found among the survey's own: written
	 * "superseded_by IS NULL", the test would let the planner of a
	 * table without statistics yet (a new store filling) take the
	 * index of all current responses, a scan that grows with the
	 * table, for each survey. */
	buf_puts(&sql, "SELECT " SURVEY_COLUMNS ", (SELECT count(*) FROM"
	    " processed p WHERE p.survey_id = s.id AND p.kind = 'response'),"
	    " (SELECT r.id FROM responses r WHERE r.survey_id = s.id AND"
	    " coalesce(r.superseded_by, 0) = 0 ORDER BY r.id DESC LIMIT 1)"
	    " FROM surveys s WHERE s.id IN (SELECT value FROM ");
	store_sql_json_values(st, &sql, 1);
	buf_putc(&sql, ')');
	if (*qp != NULL)
		*qs = store_db_prepare(st, buf_cstr(&sql), err);
	if (*qs != NULL) {
		store_bind_text(*qp, 1, buf_cstr(&keys));
		store_bind_text(*qs, 1, buf_cstr(&ids));
		store_db_send(*qp);
		store_db_send(*qs);
	}
	buf_free(&sql);
	buf_free(&keys);
	buf_free(&ids);
	return *qs != NULL ? 0 : -1;
}

/* The processed rows of the run into rows[0..*n), at most max. */
static int
store_ingest_rows(struct store *st, struct store_stmt *q,
    struct ingest_row *rows, size_t max, size_t *n, struct npserr *err)
{
	const char *kind;
	int rc;

	*n = 0;
	while ((rc = store_step(q)) == STORE_ROW && *n < max) {
		struct ingest_row *r = &rows[(*n)++];

		r->key = xstrdup(store_col_text(q, 0));
		r->digest = store_col_is_null(q, 1) ? NULL :
		    xstrdup(store_col_text(q, 1));
		kind = store_col_text(q, 2);
		r->unmatched = kind != NULL && strcmp(kind,
		    store_ingest_kind_name(INGEST_UNMATCHED)) == 0;
	}
	store_db_done(q);
	if (rc == -1)
		return store_db_fail(st, err, "cannot look up the processed"
		    " messages");
	return 0;
}

static const struct ingest_row *
store_ingest_row(const struct ingest_row *rows, size_t n, const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

/*
 * The key a reply goes under, as the processed rows say: its key when
 * new, or recorded before with the same digest (or none: a row from
 * before version 4); else its digest, recorded before or not.
 */
static void
store_ingest_key(const struct ingest_rec *in, const struct ingest_row *rows,
    size_t n, struct ingest_seen *seen)
{
	const struct ingest_row *r;

	seen->key = in->msg_key;
	r = store_ingest_row(rows, n, in->msg_key);
	if (r != NULL && (r->digest == NULL || in->digest == NULL ||
	    strcmp(r->digest, in->digest) == 0)) {
		seen->dup = true;
	} else if (r != NULL) {
		seen->key = in->digest;
		r = store_ingest_row(rows, n, in->digest);
		seen->dup = r != NULL;
	}
	/* Analysed as a response, recorded as unmatched: the survey was
	 * full. Filed the same way again. */
	seen->limited = seen->dup && r->unmatched &&
	    in->kind == INGEST_RESPONSE;
}

/* The surveys of the run, each to the reply that names it. */
static int
store_ingest_surveys(struct store *st, struct store_stmt *q,
    const struct ingest_rec *in, size_t n, struct ingest_seen *seen,
    struct npserr *err)
{
	const char *id;
	size_t i;
	int rc, cols;

	while ((rc = store_step(q)) == STORE_ROW) {
		id = store_col_text(q, 0);
		for (i = 0; i < n; i++)
			if (!seen[i].known && same_text(id, in[i].survey_id))
				break;
		if (i == n)
			continue;
		if (store_survey_from_row(st, q, &seen[i].sv, err) == -1) {
			store_db_done(q);
			return -1;
		}
		cols = store_col_count(q);
		seen[i].known = true;
		seen[i].answers = store_col_int64(q, cols - 2);
		seen[i].current = store_col_is_null(q, cols - 1) ? 0 :
		    store_col_int64(q, cols - 1);
	}
	store_db_done(q);
	if (rc == -1)
		return store_db_fail(st, err, "cannot look up the surveys of"
		    " the replies");
	return 0;
}

/* store_ingest_read - see store_int.h. */
int
store_ingest_read(struct store *st, const struct ingest_rec *in, size_t n,
    struct ingest_seen *seen, struct npserr *err)
{
	struct store_stmt *qp, *qs;
	struct ingest_row *rows;
	size_t i, nrows = 0, max = 2 * n;
	int r;

	memset(seen, 0, n * sizeof(*seen));
	if (store_ingest_send(st, in, n, &qp, &qs, err) == -1) {
		store_db_done(qp);
		return -1;
	}
	rows = xcalloc(max, sizeof(*rows));
	r = store_ingest_rows(st, qp, rows, max, &nrows, err);
	if (r == 0)
		r = store_ingest_surveys(st, qs, in, n, seen, err);
	else
		store_db_done(qs);
	if (r == 0)
		for (i = 0; i < n; i++)
			store_ingest_key(&in[i], rows, nrows, &seen[i]);
	for (i = 0; i < nrows; i++) {
		free(rows[i].key);
		free(rows[i].digest);
	}
	free(rows);
	if (r == -1)
		store_ingest_seen_clear(seen, n);
	return r;
}

/* store_ingest_seen_clear - see store_int.h. */
void
store_ingest_seen_clear(struct ingest_seen *seen, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_survey_clear(&seen[i].sv);
	memset(seen, 0, n * sizeof(*seen));
}
