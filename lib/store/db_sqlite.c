/*
 * db_sqlite.c - the store on SQLite, the embedded default: one database
 * file in WAL mode, foreign keys on, a busy timeout, and synchronous =
 * FULL; the backend that store.c and store_stmt.c call (store_int.h).
 *
 * The schema version is PRAGMA user_version. A write transaction is
 * BEGIN IMMEDIATE: the write lock is taken at BEGIN, where SQLite's busy
 * handler waits for it, instead of at the first write inside a read
 * transaction, where two connections could each wait for the other and
 * one must give up. SQLITE_BUSY and SQLITE_LOCKED are the failures worth
 * a new try. string_agg(text, separator) and strpos(text, part) are
 * registered on the connection so that the SQL the store shares with
 * PostgreSQL runs here too.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

struct lite_stmt {
	struct store_stmt base;	/* first: the store's view */
	sqlite3_stmt *s;
};

static sqlite3 *
lite_db(struct store *st)
{
	return st->conn;
}

static sqlite3_stmt *
lite_s(struct store_stmt *s)
{
	return ((struct lite_stmt *)s)->s;
}

/* Keeps SQLite's message for rc; BUSY and LOCKED may pass. */
static void
lite_note(struct store *st, int rc)
{
	int base = rc & 0xff;

	store_db_note(st, base == SQLITE_BUSY || base == SQLITE_LOCKED, "%s",
	    st->conn != NULL ? sqlite3_errmsg(lite_db(st)) :
	    sqlite3_errstr(rc));
}

static struct store_stmt *
lite_prepare(struct store *st, const char *sql)
{
	struct lite_stmt *l;
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v3(lite_db(st), sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		lite_note(st, rc);
		sqlite3_finalize(stmt);
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->base.st = st;
	l->base.sql = xstrdup(sql);
	l->s = stmt;
	return &l->base;
}

static void
lite_finalize(struct store_stmt *s)
{
	sqlite3_finalize(lite_s(s));
	free(s->sql);
	free(s);
}

static void
lite_bind_int64(struct store_stmt *s, int idx, int64_t v)
{
	sqlite3_bind_int64(lite_s(s), idx, v);
}

static void
lite_bind_double(struct store_stmt *s, int idx, double v)
{
	sqlite3_bind_double(lite_s(s), idx, v);
}

static void
lite_bind_text(struct store_stmt *s, int idx, const char *text, size_t len)
{
	if (text == NULL)
		sqlite3_bind_null(lite_s(s), idx);
	else
		sqlite3_bind_text64(lite_s(s), idx, text, len,
		    SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void
lite_bind_blob(struct store_stmt *s, int idx, const void *data, size_t len)
{
	/* SQLite binds a NULL pointer as NULL, even with a length of 0. */
	if (data == NULL)
		sqlite3_bind_null(lite_s(s), idx);
	else
		sqlite3_bind_blob64(lite_s(s), idx, len > 0 ? data : "", len,
		    SQLITE_TRANSIENT);
}

static int
lite_step(struct store_stmt *s)
{
	int rc = sqlite3_step(lite_s(s));

	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	lite_note(s->st, rc);
	return -1;
}

static void
lite_reset(struct store_stmt *s)
{
	sqlite3_reset(lite_s(s));
	sqlite3_clear_bindings(lite_s(s));
}

static int
lite_col_count(struct store_stmt *s)
{
	return sqlite3_column_count(lite_s(s));
}

static const char *
lite_col_name(struct store_stmt *s, int i)
{
	return sqlite3_column_name(lite_s(s), i);
}

static enum store_col_type
lite_col_type(struct store_stmt *s, int i)
{
	switch (sqlite3_column_type(lite_s(s), i)) {
	case SQLITE_NULL:
		return STORE_COL_NULL;
	case SQLITE_INTEGER:
		return STORE_COL_INT;
	case SQLITE_FLOAT:
		return STORE_COL_FLOAT;
	case SQLITE_BLOB:
		return STORE_COL_BLOB;
	default:
		return STORE_COL_TEXT;
	}
}

static int64_t
lite_col_int64(struct store_stmt *s, int i)
{
	return sqlite3_column_int64(lite_s(s), i);
}

static double
lite_col_double(struct store_stmt *s, int i)
{
	return sqlite3_column_double(lite_s(s), i);
}

static const char *
lite_col_text(struct store_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(lite_s(s), i);
}

static size_t
lite_col_bytes(struct store_stmt *s, int i)
{
	return (size_t)sqlite3_column_bytes(lite_s(s), i);
}

static const void *
lite_col_blob(struct store_stmt *s, int i, size_t *len)
{
	/* The pointer first, then its length: sqlite3_column_blob may
	 * convert the value, and the length is that of the result. */
	const void *b = sqlite3_column_blob(lite_s(s), i);

	*len = b != NULL ? (size_t)sqlite3_column_bytes(lite_s(s), i) : 0;
	return b;
}

static int64_t
lite_changes(struct store *st)
{
	return sqlite3_changes(lite_db(st));
}

/* The statements that open and end transactions. */
static bool
lite_tx_sql(const char *sql)
{
	return strcmp(sql, "BEGIN IMMEDIATE") == 0 ||
	    strcmp(sql, "BEGIN") == 0 || strcmp(sql, "COMMIT") == 0 ||
	    strcmp(sql, "ROLLBACK") == 0;
}

static int
lite_exec(struct store *st, const char *sql)
{
	struct store_stmt *s;
	struct npserr err;
	int rc;

	/* A transaction's BEGIN and COMMIT run at every write (the milter's
	 * every group of survey rows): prepared once on the connection,
	 * not parsed each time. */
	if (lite_tx_sql(sql) && (s = store_db_prepare(st, sql, &err)) !=
	    NULL) {
		rc = sqlite3_step(lite_s(s));
		if (rc != SQLITE_DONE)
			lite_note(st, rc);
		sqlite3_reset(lite_s(s));
		return rc == SQLITE_DONE ? 0 : -1;
	}
	rc = sqlite3_exec(lite_db(st), sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		lite_note(st, rc);
		return -1;
	}
	return 0;
}

static int
lite_checkpoint(struct store *st)
{
	int rc, log = 0, done = 0;

	rc = sqlite3_wal_checkpoint_v2(lite_db(st), NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (rc != SQLITE_OK) {
		lite_note(st, rc);
		return -1;
	}
	return 0;
}

static bool
lite_in_tx(struct store *st)
{
	return !sqlite3_get_autocommit(lite_db(st));
}

/* One row, one integer: the PRAGMAs below. */
static int
lite_pragma_int(struct store *st, const char *sql, int *out)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(lite_db(st), sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		lite_note(st, rc);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		lite_note(st, rc);
		sqlite3_finalize(s);
		return -1;
	}
	*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static int
lite_version_read(struct store *st, int *out)
{
	return lite_pragma_int(st, "PRAGMA user_version", out);
}

static int
lite_version_write(struct store *st, int version)
{
	char pragma[64];

	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
	    version);
	return lite_exec(st, pragma);
}

/* --- string_agg ------------------------------------------------------ */

/* string_agg(value, separator): the values that are not NULL, joined by
 * the separator, NULL when there are none; in the order the rows come,
 * as PostgreSQL does without an ORDER BY of its own. */
static void
lite_agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct buf *b;
	const unsigned char *v, *sep;
	bool *started;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	b = sqlite3_aggregate_context(ctx, sizeof(*b) + sizeof(bool));
	if (b == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	started = (bool *)(b + 1);
	if (*started) {
		sep = sqlite3_value_text(argv[1]);
		if (sep != NULL)
			buf_append(b, sep,
			    (size_t)sqlite3_value_bytes(argv[1]));
	}
	*started = true;
	v = sqlite3_value_text(argv[0]);
	buf_append(b, v, (size_t)sqlite3_value_bytes(argv[0]));
}

static void
lite_agg_final(sqlite3_context *ctx)
{
	struct buf *b = sqlite3_aggregate_context(ctx, 0);
	bool *started;

	if (b == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	started = (bool *)(b + 1);
	if (*started)
		sqlite3_result_text(ctx, b->data != NULL ? b->data : "",
		    (int)b->len, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
	buf_free(b);
}

/* strpos(text, part): where part starts in text, from 1, or 0 when it
 * is not there (PostgreSQL's name for SQLite's instr(); here the
 * position counts bytes, which the store only compares with 0). */
static void
lite_strpos(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *h, *n;
	const void *at;
	size_t hl, nl;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	h = sqlite3_value_text(argv[0]);
	hl = (size_t)sqlite3_value_bytes(argv[0]);
	n = sqlite3_value_text(argv[1]);
	nl = (size_t)sqlite3_value_bytes(argv[1]);
	if (h == NULL || n == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	at = memmem(h, hl, n, nl);
	sqlite3_result_int64(ctx, at != NULL ?
	    (sqlite3_int64)((const unsigned char *)at - h) + 1 : 0);
}

/* --- opening --------------------------------------------------------- */

/* PRAGMA journal_mode = WAL needs a lock briefly on a new file; several
 * connections opening the same file at once may find it taken. */
static int
lite_set_wal(struct store *st, struct npserr *err)
{
	sqlite3_stmt *s = NULL;
	int64_t start, delay = 5, pause;
	const char *mode;
	int rc;

	start = store_now_ms();
	for (;;) {
		rc = sqlite3_prepare_v2(lite_db(st), "PRAGMA journal_mode ="
		    " WAL", -1, &s, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
			break;
		lite_note(st, rc);
		store_db_fail(st, err, "cannot switch to WAL mode");
		sqlite3_finalize(s);
		s = NULL;
		if (!st->retry ||
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
static const char lite_pragmas[] =
	"PRAGMA foreign_keys = ON;"
	"PRAGMA secure_delete = ON;"
	"PRAGMA synchronous = FULL;";

/*
 * No page cache starts with a bulk allocation. SQLite gives every new
 * cache 20 pages at once (some 86 KB), and a CHECK (x IN (...)) builds
 * a small temporary table, with a cache of its own, each time a row is
 * inserted: the surveys table has two. Freed at the end of the
 * statement, those 86 KB made the C library give the top of its heap
 * back to the system and take it again at the next row, page faults
 * included, which cost a survey row more than its insert. Pages are
 * then allocated one by one, as a cache fills. Called once, before
 * SQLite is first used (sqlite3_config is refused afterwards, which
 * changes nothing but this).
 */
static void
lite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

static int
lite_open(struct store *st, const char *path, struct npserr *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sqlite3 *db = NULL;
	int rc, syserr;

	pthread_once(&once, lite_configure);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	st->conn = db;
	if (rc != SQLITE_OK) {
		syserr = db != NULL ? sqlite3_system_errno(db) : 0;
		if (syserr != 0) {
			npserr_set(err, "store %s: cannot open: %s (%s)", path,
			    sqlite3_errstr(rc), strerror(syserr));
		} else {
			lite_note(st, rc);
			store_db_fail(st, err, "cannot open");
		}
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, st->busy_ms);
	rc = sqlite3_create_function_v2(db, "string_agg", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, NULL, lite_agg_step, lite_agg_final,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "strpos", 2, SQLITE_UTF8 |
		    SQLITE_DETERMINISTIC, NULL, lite_strpos, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		lite_note(st, rc);
		return store_db_fail(st, err, "cannot set up the connection");
	}
	if (store_exec(st, lite_pragmas, err, "cannot set up the"
	    " connection") == -1)
		return -1;
	return lite_set_wal(st, err);
}

static void
lite_close(struct store *st)
{
	sqlite3_close(lite_db(st));
	st->conn = NULL;
}

const struct store_backend store_backend_sqlite = {
	.name = "sqlite",
	.open = lite_open,
	.close = lite_close,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.bind_int64 = lite_bind_int64,
	.bind_double = lite_bind_double,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.step = lite_step,
	.reset = lite_reset,
	.col_count = lite_col_count,
	.col_name = lite_col_name,
	.col_type = lite_col_type,
	.col_int64 = lite_col_int64,
	.col_double = lite_col_double,
	.col_text = lite_col_text,
	.col_bytes = lite_col_bytes,
	.col_blob = lite_col_blob,
	.changes = lite_changes,
	.exec = lite_exec,
	.checkpoint = lite_checkpoint,
	.in_tx = lite_in_tx,
	.begin_sql = "BEGIN IMMEDIATE",
	.read_sql = "BEGIN",
	.version_read = lite_version_read,
	.version_write = lite_version_write,
	.migrate_lock = NULL,
};

/* The SQLite connection of a store on SQLite, NULL on another database:
 * for the checks that only SQLite has (tests, WAL checkpoints). */
sqlite3 *
store_sqlite_db(struct store *st)
{
	return st->be == &store_backend_sqlite ? st->conn : NULL;
}
