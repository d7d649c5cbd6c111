/*
 * store_db.h - the store's SQLite connection, for the lib modules that run
 * queries of their own (reports, verbatims, purge, forget). Internal: the
 * programs use store.h.
 *
 * SYNOPSIS
 *	db = store_db(st);
 *	s = store_db_prepare(st, "SELECT ... WHERE at >= ?1", &err);
 *	sqlite3_bind_int64(s, 1, since); while (sqlite3_step(s) == ...) ...
 *	store_db_done(s);
 *	store_db_write(st, fn, arg, &err);	(retried write transaction)
 *
 * DESCRIPTION
 *	The connection belongs to the struct store and follows its rule: one
 *	thread at a time. Statements from store_db_prepare() are prepared on
 *	first use and cached on the store, keyed by their SQL text, until
 *	store_close(); the caller never finalizes them, and resets them with
 *	store_db_done() before it returns, so the next user starts clean and
 *	no read snapshot stays open.
 */
#ifndef NPSGATE_STORE_DB_H
#define NPSGATE_STORE_DB_H

#include <sqlite3.h>

#include "base/npserr.h"
#include "store/store.h"

/* The connection; owned by st. */
sqlite3 *store_db(struct store *st);
/* The SQL expression of an answer's comment, the answer being the row r
 * of responses: its comments, oldest first, one per line, else the
 * comment column of rows stored before version 4; NULL when none. */
#define STORE_SQL_ANSWER_COMMENT \
	"coalesce((SELECT group_concat(h.text, char(10)) FROM (SELECT" \
	" c.text FROM comments c WHERE c.response_id = r.id ORDER BY" \
	" c.at, c.id) h), NULLIF(r.comment, ''))"
/* True when the answer r has a comment; served by comments_response. */
#define STORE_SQL_ANSWER_HAS_COMMENT \
	"(EXISTS (SELECT 1 FROM comments c WHERE c.response_id = r.id) OR" \
	" r.comment <> '')"
/* The same as the themes last found it (responses.commented): what the
 * themes report counts, without a look into comments for each answer. */
#define STORE_SQL_ANSWER_COMMENTED "r.commented = 1"

/* The path st was opened with, for messages; owned by st. */
const char *store_path(const struct store *st);

/* A statement for sql, prepared once per connection and owned by st.
 * NULL with err set ("store PATH: cannot prepare ...: why") on error. */
sqlite3_stmt *store_db_prepare(struct store *st, const char *sql,
    struct npserr *err);
/* Resets a statement and clears its bindings. Never fails. */
void store_db_done(sqlite3_stmt *stmt);

/* Runs fn(st, arg, err) inside BEGIN IMMEDIATE ... COMMIT. When the
 * database stays locked beyond the busy timeout, the whole transaction is
 * rolled back and run again after a growing pause, for up to 4 x the busy
 * timeout. fn returns a value >= 0 on success (handed back to the caller)
 * or -1 with err set; it reports SQLite failures with store_db_fail() so
 * that a lock can be told from a real error. Inside a transaction the
 * caller opened with store_begin(), fn runs once, without retry. */
int store_db_write(struct store *st,
    int (*fn)(struct store *st, void *arg, struct npserr *err), void *arg,
    struct npserr *err);
/* Sets err to "store PATH: WHAT: SQLite's message" (WHAT from fmt), notes
 * rc for store_db_write's retry decision, and returns -1. */
int store_db_fail(struct store *st, int rc, struct npserr *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
