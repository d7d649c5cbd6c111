/*
 * store_db.h - statements on the store's connection, for the lib modules
 * that run queries of their own (reports, verbatims, purge, forget, the
 * follow-up queue, themes). Internal: the programs use store.h. No
 * caller sees which database it talks to: the same calls run on SQLite
 * and on PostgreSQL.
 *
 * SYNOPSIS
 *	s = store_db_prepare(st, "SELECT ... WHERE at >= ?1", &err);
 *	store_bind_int64(s, 1, since);
 *	while ((rc = store_step(s)) == STORE_ROW) ... store_col_text(s, 0)
 *	store_db_done(s);
 *	if (rc != STORE_DONE) return store_db_fail(st, &err, "cannot ...");
 *	store_db_write(st, fn, arg, &err);	(retried write transaction)
 *
 * DESCRIPTION
 *	The connection belongs to the struct store and follows its rule: one
 *	thread at a time. Statements from store_db_prepare() are prepared on
 *	first use and cached on the store, keyed by their SQL text, until
 *	store_close(); the caller never frees them, and resets them with
 *	store_db_done() before it returns, so the next user starts clean and
 *	no read snapshot stays open.
 *
 *	SQL is written once for both databases: parameters are ?1, ?2 ...
 *	(numbered, each may appear several times), INSERT ... ON CONFLICT DO
 *	NOTHING, RETURNING, coalesce, string_agg(text, separator), integer
 *	epoch seconds for times, BIGINT casts. What differs lives in
 *	lib/store (the schema's steps, the fragments below).
 *
 *	Column values are read from the current row; text stays valid until
 *	the next store_step() or store_db_done() on the statement. A failed
 *	call leaves the database's message on the store for store_db_fail().
 */
#ifndef NPSGATE_STORE_DB_H
#define NPSGATE_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "store/store.h"

struct store_stmt;

/* What store_step() returns besides -1. */
#define STORE_ROW 1
#define STORE_DONE 0

/* The type of a column's value in the current row (export). */
enum store_col_type {
	STORE_COL_NULL = 0,
	STORE_COL_INT,
	STORE_COL_FLOAT,
	STORE_COL_TEXT,
	STORE_COL_BLOB		/* read with store_col_blob */
};

/* The SQL expression of an answer's comment, the answer being the row r
 * of responses: its comments, oldest first, one per line, else the
 * comment column of rows stored before version 4; NULL when none. The
 * separator is a newline inside the literal, which both dialects read
 * the same. */
#define STORE_SQL_ANSWER_COMMENT \
	"coalesce((SELECT string_agg(h.text, '\n') FROM (SELECT" \
	" c.text FROM comments c WHERE c.response_id = r.id ORDER BY" \
	" c.at, c.id) h), NULLIF(r.comment, ''))"
/* True when the answer r has a comment; served by comments_response. */
#define STORE_SQL_ANSWER_HAS_COMMENT \
	"(EXISTS (SELECT 1 FROM comments c WHERE c.response_id = r.id) OR" \
	" r.comment <> '')"
/* The same as the themes last found it (responses.commented): what the
 * themes report counts, without a look into comments for each answer. */
#define STORE_SQL_ANSWER_COMMENTED "r.commented = 1"

/* Appends to sql the rows of the JSON array of strings bound to ?idx, a
 * table of one column, value: for "x IN (SELECT value FROM ...)". */
void store_sql_json_values(const struct store *st, struct buf *sql, int idx);

/* Where st was opened (a file's path, or the server without a password),
 * for messages; owned by st. */
const char *store_path(const struct store *st);
/* "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *st);
/* True on PostgreSQL: for the few places where the SQL must differ. */
bool store_is_pg(const struct store *st);

/* The SQLite connection of a store on SQLite, NULL on another database:
 * for what only SQLite has (WAL checkpoints, tests). */
struct sqlite3 *store_sqlite_db(struct store *st);

/* A statement for sql, prepared once per connection and owned by st.
 * NULL with err set ("store PATH: cannot prepare ...: why") on error. */
struct store_stmt *store_db_prepare(struct store *st, const char *sql,
    struct npserr *err);
/* Resets a statement and clears its bindings. NULL allowed; never
 * fails. */
void store_db_done(struct store_stmt *s);

/* Parameters, numbered from 1. Text is copied; NULL binds SQL NULL. */
void store_bind_int64(struct store_stmt *s, int idx, int64_t v);
void store_bind_double(struct store_stmt *s, int idx, double v);
void store_bind_text(struct store_stmt *s, int idx, const char *text);
/* len bytes of text (PostgreSQL ends it at a NUL, which text cannot
 * hold there). */
void store_bind_textn(struct store_stmt *s, int idx, const char *text,
    size_t len);
void store_bind_null(struct store_stmt *s, int idx);
/* len bytes of any value, NUL included (a BLOB, a BYTEA); data NULL
 * binds SQL NULL. */
void store_bind_blob(struct store_stmt *s, int idx, const void *data,
    size_t len);
/* Same as store_bind_text, with the empty string as NULL too. */
void store_bind_opt(struct store_stmt *s, int idx, const char *text);

/* Runs the statement up to its next row: STORE_ROW, STORE_DONE, or -1
 * (the reason kept for store_db_fail()). */
int store_step(struct store_stmt *s);

/*
 * A transaction of many short statements without a round trip to the
 * server for each. store_db_send() sends s now, and its rows are read
 * later with store_step() as usual: on PostgreSQL, inside a transaction,
 * it goes out at once, and the first statement that waits for an answer
 * gets the answers of all those sent before it in the same round trip;
 * elsewhere s runs at its first step. Between the two the caller writes
 * nothing that s reads. A statement that could not be sent fails at its
 * step.
 */
void store_db_send(struct store_stmt *s);
/*
 * Runs a write whose answer the caller does not read (its rows, if any,
 * are dropped, and store_changes() does not count it), then resets it.
 * On PostgreSQL, inside a transaction, it is sent without waiting: its
 * failure fails the next statement that waits for an answer, or the
 * COMMIT, with its message (from fmt) in store_db_fail()'s reason.
 * Elsewhere it runs now, and err says at once what (from fmt) failed.
 * 0 or -1.
 */
int store_db_later(struct store *st, struct store_stmt *s,
    struct npserr *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The current row's columns, numbered from 0. NULL reads as 0 or NULL. */
int store_col_count(struct store_stmt *s);
const char *store_col_name(struct store_stmt *s, int i);
enum store_col_type store_col_type(struct store_stmt *s, int i);
bool store_col_is_null(struct store_stmt *s, int i);
int64_t store_col_int64(struct store_stmt *s, int i);
int store_col_int(struct store_stmt *s, int i);
double store_col_double(struct store_stmt *s, int i);
const char *store_col_text(struct store_stmt *s, int i);
size_t store_col_bytes(struct store_stmt *s, int i);
/* A BLOB or BYTEA column: its bytes and *len; NULL and 0 for NULL (or
 * an empty value, on SQLite). Valid as long as col_text's. */
const void *store_col_blob(struct store_stmt *s, int i, size_t *len);

/* The rows changed by the last INSERT, UPDATE or DELETE run on st. */
int64_t store_changes(struct store *st);

/* Runs SQL text without parameters or rows (several statements may
 * follow each other); 0, or -1 with err saying what (from what) could
 * not be done. */
int store_db_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what);

/* A read transaction: the queries until store_db_read_end() see the
 * store as it was at their first read, while others write. 0 or -1. */
int store_db_read_begin(struct store *st, struct npserr *err);
/* Ends it; never fails. */
void store_db_read_end(struct store *st);

/* SQLite: moves every committed page back into the database file and
 * empties the WAL; nothing to do on PostgreSQL. 0, or -1 with the
 * reason kept for store_db_fail(). */
int store_db_checkpoint(struct store *st);

/* Runs fn(st, arg, err) inside a write transaction. When the database
 * refuses it for a reason that goes away by itself (SQLite: locked
 * beyond the busy timeout; PostgreSQL: a serialization failure or a
 * deadlock), the whole transaction is rolled back and run again after a
 * growing pause, for up to 4 x the busy timeout. fn returns a value >= 0
 * on success (handed back to the caller) or -1 with err set; it reports
 * the database's failures with store_db_fail() so that a passing
 * conflict can be told from a real error. Inside a transaction the
 * caller opened with store_begin(), fn runs once, without retry. */
int store_db_write(struct store *st,
    int (*fn)(struct store *st, void *arg, struct npserr *err), void *arg,
    struct npserr *err);
/* Sets err to "store PATH: WHAT: the database's message" (WHAT from fmt)
 * and returns -1. */
int store_db_fail(struct store *st, struct npserr *err, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

#endif
