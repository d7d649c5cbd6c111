/*
 * store_stmt.c - statements on the store's connection, whatever the
 * database: the cache of prepared statements, parameters, rows and
 * columns handed to the backend of the store, and the messages of its
 * failures; see store_db.h for the contract.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

/* The SQL of the store's own statements (enum store_stmt). */
static const char *const store_stmt_sql[STMT_COUNT] = {
	[STMT_SURVEY_ADD] =
	    "INSERT INTO surveys (" SURVEY_COLUMNS ") VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, lower(?7), ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
	    " ?16, ?17, ?18)",
	[STMT_SURVEY_GET] =
	    "SELECT " SURVEY_COLUMNS " FROM surveys WHERE id = ?1",
	[STMT_SURVEY_BY_MSGID] =
	    "SELECT " SURVEY_COLUMNS " FROM surveys WHERE message_id = ?1"
	    " ORDER BY created_at DESC, id LIMIT 1",
	[STMT_SURVEY_LAST_TIME] =
	    "SELECT max(created_at) FROM surveys WHERE recipient = lower(?1)",
	/* A row without held_by is any relay's; coalesce() makes a NULL
	 * node match every row (and gives the parameter its type). */
	[STMT_SURVEY_HELD_DUE] =
	    "SELECT " SURVEY_COLUMNS " FROM surveys WHERE status = 'held'"
	    " AND due_at <= ?1 AND (held_by IS NULL OR held_by ="
	    " coalesce(?2, held_by)) ORDER BY due_at, created_at, id",
	[STMT_SURVEY_SET_STATUS] =
	    "UPDATE surveys SET status = ?2, released_at = CASE WHEN"
	    " ?2 = 'released' THEN ?3 ELSE released_at END WHERE id = ?1",
	/* An id the store does not know becomes NULL rather than failing
	 * the foreign key: losing the event would be worse. */
	[STMT_EVENT_ADD] =
	    "INSERT INTO events (kind, survey_id, recipient, ticket, agent,"
	    " team, channel, reason, priority, detail, at) VALUES (?1,"
	    " (SELECT id FROM surveys WHERE id = ?2), lower(?3), ?4, ?5, ?6,"
	    " ?7, ?8, ?9, ?10, ?11)",
	[STMT_UNSUB_ADD] =
	    "INSERT INTO unsubscribed (address, at, survey_id)"
	    " VALUES (lower(?1), ?2, ?3) ON CONFLICT DO NOTHING",
	[STMT_UNSUB_GET] =
	    "SELECT 1 FROM unsubscribed WHERE address = lower(?1)",
	[STMT_PROCESSED_GET] =
	    "SELECT digest, kind FROM processed WHERE msg_key = ?1",
	[STMT_PROCESSED_ADD] =
	    "INSERT INTO processed (msg_key, kind, survey_id, folder, at,"
	    " digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_RESPONSE_ADD] =
	    "INSERT INTO responses (survey_id, score, category, comment,"
	    " sender, lang, forwarded, received_at, source_message_id)"
	    " VALUES (?1, ?2, ?3, ?4, lower(?5), ?6, ?7, ?8, ?9)",
	/* The two after RESPONSE_ADD name the response it added by the
	 * connection's last id, so that they need not wait for it. */
	[STMT_RESPONSE_SUPERSEDE] =
	    "UPDATE responses SET superseded_by = last_insert_rowid() WHERE"
	    " id = ?1",
	[STMT_COMMENT_ADD] =
	    "INSERT INTO comments (survey_id, response_id, text, at,"
	    " source_message_id) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_COMMENT_ADD_NEW] =
	    "INSERT INTO comments (survey_id, response_id, text, at,"
	    " source_message_id) VALUES (?1, last_insert_rowid(), ?3, ?4,"
	    " ?5)",
};

/* The statements whose PostgreSQL text differs. */
#define STORE_PG_LAST_RESPONSE "currval(pg_get_serial_sequence('responses'," \
	" 'id'))"
static const char *const store_stmt_pg[STMT_COUNT] = {
	[STMT_RESPONSE_SUPERSEDE] =
	    "UPDATE responses SET superseded_by = " STORE_PG_LAST_RESPONSE
	    " WHERE id = ?1",
	[STMT_COMMENT_ADD_NEW] =
	    "INSERT INTO comments (survey_id, response_id, text, at,"
	    " source_message_id) VALUES (?1, " STORE_PG_LAST_RESPONSE ", ?3,"
	    " ?4, ?5)",
};

/* store_stmt - see store_int.h. */
struct store_stmt *
store_stmt(struct store *st, enum store_stmt_id id, struct npserr *err)
{
	const char *sql = store_stmt_sql[id];

	if (st->stmt[id] == NULL) {
		if (store_is_pg(st) && store_stmt_pg[id] != NULL)
			sql = store_stmt_pg[id];
		st->stmt[id] = st->be->prepare(st, sql);
		if (st->stmt[id] == NULL)
			store_db_fail(st, err, "cannot prepare \"%.60s\"",
			    sql);
	}
	return st->stmt[id];
}

const char *
store_backend_name(const struct store *st)
{
	return st->be->name;
}

bool
store_is_pg(const struct store *st)
{
	return strcmp(st->be->name, "postgresql") == 0;
}

/* store_db_note - see store_int.h. */
void
store_db_note(struct store *st, bool retry, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	st->retry = retry;
	buf_reset(&st->why);
	va_start(ap, fmt);
	buf_vprintf(&st->why, fmt, ap);
	va_end(ap);
	/* Messages of libpq end with a newline, and some go on on a line
	 * of their own: one line for the log. */
	while (st->why.len > 0 && (st->why.data[st->why.len - 1] == '\n' ||
	    st->why.data[st->why.len - 1] == ' '))
		buf_truncate(&st->why, st->why.len - 1);
	for (i = 0; i < st->why.len; i++)
		if (st->why.data[i] == '\n' || st->why.data[i] == '\t')
			st->why.data[i] = ' ';
}

/* store_db_fail with its arguments in a va_list. */
static int __attribute__((format(printf, 3, 0)))
store_db_vfail(struct store *st, struct npserr *err, const char *fmt,
    va_list ap)
{
	struct buf what = BUF_INIT;

	buf_vprintf(&what, fmt, ap);
	npserr_set(err, "store %s: %s: %s", st->path, buf_cstr(&what),
	    st->why.len > 0 ? buf_cstr(&st->why) : "unknown error");
	buf_free(&what);
	return -1;
}

/* store_db_fail - see store_db.h. */
int
store_db_fail(struct store *st, struct npserr *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	store_db_vfail(st, err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

/* store_db_prepare - see store_db.h; a short list is enough: a handful of
 * report queries per connection. */
struct store_stmt *
store_db_prepare(struct store *st, const char *sql, struct npserr *err)
{
	struct store_stmt *c;

	for (c = st->cached; c != NULL; c = c->next)
		if (strcmp(c->sql, sql) == 0)
			return c;
	if ((c = st->be->prepare(st, sql)) == NULL) {
		store_db_fail(st, err, "cannot prepare \"%.60s\"", sql);
		return NULL;
	}
	c->next = st->cached;
	st->cached = c;
	return c;
}

void
store_db_done(struct store_stmt *s)
{
	if (s != NULL)
		s->st->be->reset(s);
}

void
store_bind_int64(struct store_stmt *s, int idx, int64_t v)
{
	s->st->be->bind_int64(s, idx, v);
}

void
store_bind_double(struct store_stmt *s, int idx, double v)
{
	s->st->be->bind_double(s, idx, v);
}

void
store_bind_text(struct store_stmt *s, int idx, const char *text)
{
	s->st->be->bind_text(s, idx, text, text != NULL ? strlen(text) : 0);
}

void
store_bind_textn(struct store_stmt *s, int idx, const char *text,
    size_t len)
{
	s->st->be->bind_text(s, idx, text, len);
}

void
store_bind_null(struct store_stmt *s, int idx)
{
	s->st->be->bind_text(s, idx, NULL, 0);
}

void
store_bind_blob(struct store_stmt *s, int idx, const void *data, size_t len)
{
	s->st->be->bind_blob(s, idx, data, len);
}

void
store_bind_opt(struct store_stmt *s, int idx, const char *text)
{
	if (text != NULL && text[0] == '\0')
		text = NULL;
	store_bind_text(s, idx, text);
}

int
store_step(struct store_stmt *s)
{
	return s->st->be->step(s);
}

int
store_col_count(struct store_stmt *s)
{
	return s->st->be->col_count(s);
}

const char *
store_col_name(struct store_stmt *s, int i)
{
	return s->st->be->col_name(s, i);
}

enum store_col_type
store_col_type(struct store_stmt *s, int i)
{
	return s->st->be->col_type(s, i);
}

bool
store_col_is_null(struct store_stmt *s, int i)
{
	return s->st->be->col_type(s, i) == STORE_COL_NULL;
}

int64_t
store_col_int64(struct store_stmt *s, int i)
{
	return s->st->be->col_int64(s, i);
}

int
store_col_int(struct store_stmt *s, int i)
{
	return (int)s->st->be->col_int64(s, i);
}

double
store_col_double(struct store_stmt *s, int i)
{
	return s->st->be->col_double(s, i);
}

const char *
store_col_text(struct store_stmt *s, int i)
{
	return s->st->be->col_text(s, i);
}

size_t
store_col_bytes(struct store_stmt *s, int i)
{
	return s->st->be->col_bytes(s, i);
}

const void *
store_col_blob(struct store_stmt *s, int i, size_t *len)
{
	return s->st->be->col_blob(s, i, len);
}

int64_t
store_changes(struct store *st)
{
	return st->be->changes(st);
}

/* store_db_exec - see store_db.h. */
int
store_db_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what)
{
	if (st->be->exec(st, sql) == -1)
		return store_db_fail(st, err, "%s", what);
	return 0;
}

/* store_db_read_begin - see store_db.h. */
int
store_db_read_begin(struct store *st, struct npserr *err)
{
	return store_db_exec(st, st->be->read_sql, err, "cannot start a read"
	    " transaction");
}

/* store_db_read_end - see store_db.h. A read has nothing to keep: its
 * end is a rollback, which never fails on what a commit might. */
void
store_db_read_end(struct store *st)
{
	if (st->be->in_tx(st))
		st->be->exec(st, "ROLLBACK");
}

/* store_sql_json_values - see store_db.h. */
void
store_sql_json_values(const struct store *st, struct buf *sql, int idx)
{
	if (store_is_pg(st))
		buf_printf(sql, "json_array_elements_text(CAST(?%d AS json))",
		    idx);
	else
		buf_printf(sql, "json_each(?%d)", idx);
}

/* store_db_checkpoint - see store_db.h. */
int
store_db_checkpoint(struct store *st)
{
	return st->be->checkpoint != NULL ? st->be->checkpoint(st) : 0;
}

/* store_exec - see store_int.h. */
int
store_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what)
{
	return store_db_exec(st, sql, err, what);
}

/*
 * Steps s once. A row, when want_row, leaves s on it and gives 1; the end
 * of the rows resets s and gives 0; anything else resets s and gives -1
 * with err saying what (from fmt) could not be done.
 */
static int __attribute__((format(printf, 5, 0)))
store_step_v(struct store *st, struct store_stmt *s, bool want_row,
    struct npserr *err, const char *fmt, va_list ap)
{
	int rc;

	rc = store_step(s);
	if (rc == STORE_ROW && want_row)
		return 1;
	if (rc != STORE_DONE) {
		store_db_vfail(st, err, fmt, ap);
		store_db_done(s);
		return -1;
	}
	store_db_done(s);
	return 0;
}

/* store_db_send - see store_db.h. */
void
store_db_send(struct store_stmt *s)
{
	if (s->st->be->send != NULL)
		s->st->be->send(s);
}

/* store_db_later - see store_db.h. The message is written before the
 * write is sent only where it may be needed after the call. */
int
store_db_later(struct store *st, struct store_stmt *s, struct npserr *err,
    const char *fmt, ...)
{
	struct buf what = BUF_INIT;
	va_list ap;
	int r = 0;

	if (st->be->later != NULL) {
		va_start(ap, fmt);
		buf_vprintf(&what, fmt, ap);
		va_end(ap);
		r = st->be->later(s, buf_cstr(&what));
		if (r == -1)
			store_db_fail(st, err, "%s", buf_cstr(&what));
		buf_free(&what);
	}
	if (r == 0 && store_step(s) == -1) {
		va_start(ap, fmt);
		store_db_vfail(st, err, fmt, ap);
		va_end(ap);
		r = -1;
	}
	store_db_done(s);
	return r == -1 ? -1 : 0;
}

/* store_step_done - see store_int.h. */
int
store_step_done(struct store *st, struct store_stmt *s, struct npserr *err,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = store_step_v(st, s, false, err, fmt, ap);
	va_end(ap);
	return r;
}

/* store_step_key - see store_int.h. */
int
store_step_key(struct store *st, enum store_stmt_id id, const char *key,
    struct store_stmt **row, struct npserr *err, const char *fmt, ...)
{
	struct store_stmt *s;
	va_list ap;
	int r;

	*row = NULL;
	if ((s = store_stmt(st, id, err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	va_start(ap, fmt);
	r = store_step_v(st, s, true, err, fmt, ap);
	va_end(ap);
	if (r == 1)
		*row = s;
	return r;
}

/* store_lock_key - see store_int.h. Addresses are locked in the form
 * they are stored in, lowercased. */
int
store_lock_key(struct store *st, enum store_lock kind, const char *key,
    struct npserr *err)
{
	struct store_stmt *s;

	if (!store_is_pg(st) || key == NULL || key[0] == '\0')
		return 0;
	s = store_db_prepare(st, "SELECT 1 FROM pg_advisory_xact_lock(CAST(?1"
	    " AS INTEGER), hashtext(CASE WHEN ?1 = 1 THEN lower(?2) ELSE ?2"
	    " END))", err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, (int64_t)kind);
	store_bind_text(s, 2, key);
	/* Sent without waiting: the statements after it run once the
	 * server has the lock, and a lock not had in time fails them. */
	return store_db_later(st, s, err, "cannot lock %.80s", key);
}

/* store_exists - see store_int.h. */
int
store_exists(struct store *st, enum store_stmt_id id, const char *key,
    struct npserr *err, const char *what)
{
	struct store_stmt *s;
	int r;

	if ((r = store_step_key(st, id, key, &s, err, "%s", what)) == 1)
		store_db_done(s);
	return r;
}
