/*
 * store.c - the SQLite store's connection: opening and closing, the
 * store's own prepared statements, and the write transactions with their
 * retries; see store.h for the contract, store_db.h for the parts other
 * lib modules reach and store_int.h for what the pieces of the store
 * share (the schema in store_schema.c, surveys in store_survey.c, events
 * and opt-outs in store_event.c, replies in store_ingest.c).
 *
 * One struct store is one SQLite connection, used by one thread at a time;
 * threads (the milter's workers) each open their own on the same file and
 * SQLite's file locks order them. Every write runs in a BEGIN IMMEDIATE
 * transaction: the write lock is taken at BEGIN, where SQLite's busy
 * handler waits for it, instead of at the first write inside a read
 * transaction, where two connections could each wait for the other and
 * one must give up (SQLITE_BUSY without waiting). A transaction that still
 * finds the database locked is rolled back and run again after a pause,
 * for up to 4 x the busy timeout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

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
	    " ?16, ?17)",
	[STMT_SURVEY_GET] =
	    "SELECT " SURVEY_COLUMNS " FROM surveys WHERE id = ?1",
	[STMT_SURVEY_BY_MSGID] =
	    "SELECT " SURVEY_COLUMNS " FROM surveys WHERE message_id = ?1"
	    " ORDER BY created_at DESC, id LIMIT 1",
	[STMT_SURVEY_LAST_TIME] =
	    "SELECT max(created_at) FROM surveys WHERE recipient = lower(?1)",
	[STMT_SURVEY_HELD_DUE] =
	    "SELECT " SURVEY_COLUMNS " FROM surveys WHERE status = 'held'"
	    " AND due_at <= ?1 ORDER BY due_at, created_at, id",
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
	    "INSERT OR IGNORE INTO unsubscribed (address, at, survey_id)"
	    " VALUES (lower(?1), ?2, ?3)",
	[STMT_UNSUB_GET] =
	    "SELECT 1 FROM unsubscribed WHERE address = lower(?1)",
	[STMT_PROCESSED_GET] =
	    "SELECT digest, kind FROM processed WHERE msg_key = ?1",
	[STMT_PROCESSED_ADD] =
	    "INSERT INTO processed (msg_key, kind, survey_id, folder, at,"
	    " digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_PROCESSED_ANSWERS] =
	    "SELECT count(*) FROM processed WHERE survey_id = ?1"
	    " AND kind = 'response'",
	[STMT_RESPONSE_CURRENT] =
	    "SELECT id FROM responses WHERE survey_id = ?1"
	    " AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
	[STMT_RESPONSE_ADD] =
	    "INSERT INTO responses (survey_id, score, category, comment,"
	    " sender, lang, forwarded, received_at, source_message_id)"
	    " VALUES (?1, ?2, ?3, ?4, lower(?5), ?6, ?7, ?8, ?9)",
	[STMT_RESPONSE_SUPERSEDE] =
	    "UPDATE responses SET superseded_by = ?2 WHERE id = ?1",
	[STMT_COMMENT_ADD] =
	    "INSERT INTO comments (survey_id, response_id, text, at,"
	    " source_message_id) VALUES (?1, ?2, ?3, ?4, ?5)",
};

static bool
store_rc_is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* store_db_fail with its arguments in a va_list. */
static int __attribute__((format(printf, 4, 0)))
store_db_vfail(struct store *st, int rc, struct npserr *err, const char *fmt,
    va_list ap)
{
	struct buf what = BUF_INIT;

	buf_vprintf(&what, fmt, ap);
	st->last_rc = rc;
	npserr_set(err, "store %s: %s: %s", st->path, buf_cstr(&what),
	    st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	buf_free(&what);
	return -1;
}

/* store_db_fail - see store_db.h. */
int
store_db_fail(struct store *st, int rc, struct npserr *err, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	store_db_vfail(st, rc, err, fmt, ap);
	va_end(ap);
	return -1;
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

void
store_db_done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static sqlite3_stmt *
store_prepare_sql(struct store *st, const char *sql, struct npserr *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &stmt, NULL);
	if (rc != SQLITE_OK) {
		store_db_fail(st, rc, err, "cannot prepare \"%.60s\"", sql);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* store_db_prepare - see store_db.h; a short list is enough: a handful of
 * report queries per connection. */
sqlite3_stmt *
store_db_prepare(struct store *st, const char *sql, struct npserr *err)
{
	struct store_cached *c;
	sqlite3_stmt *stmt;

	for (c = st->cached; c != NULL; c = c->next)
		if (strcmp(c->sql, sql) == 0)
			return c->stmt;
	if ((stmt = store_prepare_sql(st, sql, err)) == NULL)
		return NULL;
	c = xmalloc(sizeof(*c));
	c->sql = xstrdup(sql);
	c->stmt = stmt;
	c->next = st->cached;
	st->cached = c;
	return stmt;
}

/* store_stmt - see store_int.h. */
sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt id, struct npserr *err)
{
	if (st->stmt[id] == NULL)
		st->stmt[id] = store_prepare_sql(st, store_stmt_sql[id], err);
	return st->stmt[id];
}

/* store_bind_text - see store_int.h. */
int
store_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

/* store_bind_opt - see store_int.h. */
int
store_bind_opt(sqlite3_stmt *s, int idx, const char *text)
{
	if (text != NULL && text[0] == '\0')
		text = NULL;
	return store_bind_text(s, idx, text);
}

/*
 * Steps s once. A row, when want_row, leaves s on it and gives 1; the end
 * of the rows resets s and gives 0; anything else resets s and gives -1
 * with err saying what (from fmt) could not be done.
 */
static int __attribute__((format(printf, 5, 0)))
store_step_v(struct store *st, sqlite3_stmt *s, bool want_row,
    struct npserr *err, const char *fmt, va_list ap)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && want_row)
		return 1;
	if (rc != SQLITE_DONE) {
		store_db_vfail(st, rc, err, fmt, ap);
		store_db_done(s);
		return -1;
	}
	store_db_done(s);
	return 0;
}

/* store_step_done - see store_int.h. */
int
store_step_done(struct store *st, sqlite3_stmt *s, struct npserr *err,
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
store_step_key(struct store *st, enum store_stmt id, const char *key,
    sqlite3_stmt **row, struct npserr *err, const char *fmt, ...)
{
	sqlite3_stmt *s;
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

/* store_exec - see store_int.h. */
int
store_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what)
{
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, err, "%s", what);
	return 0;
}

/* store_exists - see store_int.h. */
int
store_exists(struct store *st, enum store_stmt id, const char *key,
    struct npserr *err, const char *what)
{
	sqlite3_stmt *s;
	int r;

	if ((r = store_step_key(st, id, key, &s, err, "%s", what)) == 1)
		store_db_done(s);
	return r;
}

static int64_t
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
store_sleep_ms(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* xorshift32: enough to keep retrying writers from waking in step. */
static uint32_t
store_jitter(struct store *st)
{
	uint32_t x = st->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	st->rng = x;
	return x;
}

static void
store_rollback_quietly(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * The pause before the next attempt, or -1 when the time allowed (4 x the
 * busy timeout since start) is spent.
 */
static int64_t
store_retry_pause(struct store *st, int64_t start, int64_t *delay)
{
	int64_t left, pause;

	left = 4 * (int64_t)st->busy_ms - (store_now_ms() - start);
	if (left <= 0)
		return -1;
	pause = *delay + (int64_t)(store_jitter(st) % (uint32_t)*delay);
	if (pause > left)
		pause = left;
	if (*delay < 200)
		*delay *= 2;
	return pause;
}

/* store_db_write - see store_db.h. */
int
store_db_write(struct store *st,
    int (*fn)(struct store *st, void *arg, struct npserr *err), void *arg,
    struct npserr *err)
{
	int64_t start, delay = 5, pause;
	int attempts = 0, r, rc;

	if (st->in_tx)
		return fn(st, arg, err);
	start = store_now_ms();
	for (;;) {
		attempts++;
		st->last_rc = SQLITE_OK;
		rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			r = store_db_fail(st, rc, err,
			    "cannot start a write transaction");
		} else if ((r = fn(st, arg, err)) >= 0) {
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
			if (rc == SQLITE_OK)
				return r;
			r = store_db_fail(st, rc, err, "cannot commit");
		}
		store_rollback_quietly(st);
		if (!store_rc_is_busy(st->last_rc))
			return -1;
		if ((pause = store_retry_pause(st, start, &delay)) < 0) {
			npserr_set(err, "store %s: database is locked: still"
			    " busy after %d attempts in %lld ms", st->path,
			    attempts, (long long)(store_now_ms() - start));
			return -1;
		}
		store_sleep_ms(pause);
	}
}

/*
 * store_begin - opens a write transaction (BEGIN IMMEDIATE, retried like
 * any write). The store's writes then run inside it, without retry, until
 * store_commit() or store_rollback(). Transactions do not nest.
 */
int
store_begin(struct store *st, struct npserr *err)
{
	int64_t start, delay = 5, pause;
	int rc;

	if (st->in_tx) {
		npserr_set(err, "store %s: a transaction is already open",
		    st->path);
		return -1;
	}
	start = store_now_ms();
	while ((rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL)) != SQLITE_OK) {
		store_db_fail(st, rc, err, "cannot start a write transaction");
		store_rollback_quietly(st);
		if (!store_rc_is_busy(rc) ||
		    (pause = store_retry_pause(st, start, &delay)) < 0)
			return -1;
		store_sleep_ms(pause);
	}
	st->in_tx = true;
	return 0;
}

/* store_commit - commits; on failure everything since store_begin() is
 * rolled back and err says why. */
int
store_commit(struct store *st, struct npserr *err)
{
	int rc;

	if (!st->in_tx) {
		npserr_set(err, "store %s: commit without a transaction",
		    st->path);
		return -1;
	}
	st->in_tx = false;
	rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_db_fail(st, rc, err, "cannot commit");
		store_rollback_quietly(st);
		return -1;
	}
	return 0;
}

/* store_rollback - drops everything since store_begin(); never fails. */
void
store_rollback(struct store *st)
{
	st->in_tx = false;
	store_rollback_quietly(st);
}

/* --- opening -------------------------------------------------------- */

/* PRAGMA journal_mode = WAL needs a lock briefly on a new file; several
 * connections opening the same file at once may find it taken. */
static int
store_set_wal(struct store *st, struct npserr *err)
{
	sqlite3_stmt *s = NULL;
	int64_t start, delay = 5, pause;
	const char *mode;
	int rc;

	start = store_now_ms();
	for (;;) {
		rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1,
		    &s, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
			break;
		store_db_fail(st, rc, err, "cannot switch to WAL mode");
		sqlite3_finalize(s);
		s = NULL;
		if (!store_rc_is_busy(rc) ||
		    (pause = store_retry_pause(st, start, &delay)) < 0)
			return -1;
		store_sleep_ms(pause);
	}
	mode = (const char *)sqlite3_column_text(s, 0);
	/* An in-memory database (tests) has no journal file to speak of. */
	if (mode == NULL || (strcmp(mode, "wal") != 0 &&
	    strcmp(mode, "memory") != 0)) {
		npserr_set(err, "store %s: cannot switch to WAL mode (the"
		    " file system may not support it): journal mode is %s",
		    st->path, mode != NULL ? mode : "unknown");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/*
 * synchronous = FULL: the hook files a reply away as soon as store_ingest
 * returns, so a committed answer must survive a power cut. With WAL,
 * NORMAL keeps the file consistent but may lose the last commits, and
 * the reply that carried them would already have left the inbox. FULL
 * costs one fsync of the WAL per commit, which a reply or a sent mail can
 * afford.
 */
static const char store_pragmas[] =
	"PRAGMA foreign_keys = ON;"
	"PRAGMA secure_delete = ON;"
	"PRAGMA synchronous = FULL;";

/*
 * store_open - opens (creating if need be) the database at path, sets up
 * the connection and migrates the schema to STORE_SCHEMA_VERSION. A file
 * of a newer version is refused, and left untouched. Caller closes the
 * result with store_close(); NULL with err set on failure.
 */
struct store *
store_open(const char *path, int busy_timeout_ms, struct npserr *err)
{
	struct store *st;
	int rc, syserr;

	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->busy_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 0;
	st->rng = (uint32_t)(uintptr_t)st ^ (uint32_t)time(NULL) ^ 0x9e3779b9u;
	if (st->rng == 0)
		st->rng = 1;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		syserr = st->db != NULL ? sqlite3_system_errno(st->db) : 0;
		if (syserr != 0)
			npserr_set(err, "store %s: cannot open: %s (%s)", path,
			    sqlite3_errstr(rc), strerror(syserr));
		else
			store_db_fail(st, rc, err, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, st->busy_ms);
	if (store_exec(st, store_pragmas, err, "cannot set up the"
	    " connection") == -1)
		goto fail;
	if (store_set_wal(st, err) == -1)
		goto fail;
	if (store_migrate(st, err) == -1)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

/* store_close - rolls back an open transaction, frees everything. */
void
store_close(struct store *st)
{
	struct store_cached *c, *next;
	size_t i;

	if (st == NULL)
		return;
	if (st->db != NULL)
		store_rollback_quietly(st);
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (c = st->cached; c != NULL; c = next) {
		next = c->next;
		sqlite3_finalize(c->stmt);
		free(c->sql);
		free(c);
	}
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int
store_schema_version(struct store *st)
{
	return st->version;
}
