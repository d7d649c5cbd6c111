/*
 * store.c - the SQLite store; see store.h for the contract and store_db.h
 * for the parts other lib modules reach.
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
 *
 * The schema is built by the migrations below, each one applied in its own
 * transaction together with the PRAGMA user_version that records it, so a
 * file is always at one version or the next, never in between.
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
#include "survey/nps.h"
#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"
#include "base/xalloc.h"

/*
 * Schema version 1, as agreed in SCHEMA.sql, verbatim. The meta row after
 * it records when the file was created.
 */
static const char store_schema_v1[] =
	"-- Schema version 1 (PRAGMA user_version = 1). lib/store.c"
	" creates it.\n"
	"-- Others may add tables/columns only through a new"
	" migration (version 2...).\n"
	"CREATE TABLE surveys (\n"
	"  id           TEXT PRIMARY KEY,          -- 16-char base32"
	" survey id\n"
	"  key_id       INTEGER NOT NULL,\n"
	"  type         TEXT NOT NULL CHECK (type IN ('nps','csat','ces')),\n"
	"  status       TEXT NOT NULL DEFAULT 'sent'\n"
	"               CHECK (status IN"
	" ('sent','held','released','bounced')),\n"
	"  message_id   TEXT,\n"
	"  queue_id     TEXT,\n"
	"  recipient    TEXT NOT NULL,             -- lowercased address\n"
	"  ticket TEXT, agent TEXT, team TEXT, channel TEXT, reason TEXT,\n"
	"  priority TEXT, lang TEXT,\n"
	"  created_at   INTEGER NOT NULL,          -- epoch seconds\n"
	"  due_at       INTEGER NOT NULL DEFAULT 0,\n"
	"  released_at  INTEGER NOT NULL DEFAULT 0,\n"
	"  ack_sent_at  INTEGER NOT NULL DEFAULT 0,     -- thank-you"
	" mail sent\n"
	"  followed_up_at INTEGER NOT NULL DEFAULT 0    -- detractor handled\n"
	");\n"
	"CREATE INDEX surveys_recipient ON surveys(recipient, created_at);\n"
	"CREATE INDEX surveys_message_id ON surveys(message_id);\n"
	"CREATE INDEX surveys_status_due ON surveys(status, due_at);\n"
	"CREATE INDEX surveys_created ON surveys(created_at);\n"
	"CREATE INDEX surveys_agent ON surveys(agent);\n"
	"\n"
	"CREATE TABLE events (\n"
	"  id         INTEGER PRIMARY KEY,\n"
	"  kind       TEXT NOT NULL,   -- store_event_kind_name():"
	" optout, not_eligible,\n"
	"                              -- throttled, multi_rcpt,"
	" suppressed, error,\n"
	"                              -- bounced, unsubscribed,"
	" autoreply, unmatched,\n"
	"                              -- unparsed\n"
	"  survey_id  TEXT REFERENCES surveys(id) ON DELETE SET NULL,\n"
	"  recipient TEXT, ticket TEXT, agent TEXT, team TEXT, channel TEXT,\n"
	"  reason TEXT, priority TEXT,\n"
	"  detail     TEXT,\n"
	"  at         INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX events_kind_at ON events(kind, at);\n"
	"CREATE INDEX events_agent ON events(agent, kind);\n"
	"\n"
	"CREATE TABLE responses (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  survey_id     TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  score         INTEGER,               -- NULL: no score"
	" (ambiguous/comment only)\n"
	"  category      TEXT CHECK (category IN"
	" ('detractor','passive','promoter')),\n"
	"  comment       TEXT,\n"
	"  sender        TEXT,\n"
	"  lang          TEXT,\n"
	"  forwarded     INTEGER NOT NULL DEFAULT 0,\n"
	"  received_at   INTEGER NOT NULL,\n"
	"  source_message_id TEXT,\n"
	"  superseded_by INTEGER REFERENCES responses(id)   -- NULL:"
	" the one that counts\n"
	");\n"
	"CREATE INDEX responses_survey ON responses(survey_id);\n"
	"CREATE INDEX responses_received ON responses(received_at);\n"
	"CREATE INDEX responses_current ON responses(superseded_by,"
	" received_at);\n"
	"\n"
	"CREATE TABLE comments (           -- comment history"
	" (follow-ups included)\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  survey_id   TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  response_id INTEGER REFERENCES responses(id) ON DELETE SET NULL,\n"
	"  text        TEXT NOT NULL,\n"
	"  at          INTEGER NOT NULL,\n"
	"  source_message_id TEXT\n"
	");\n"
	"CREATE INDEX comments_survey ON comments(survey_id);\n"
	"\n"
	"CREATE TABLE processed (          -- exactly-once key of"
	" each reply message\n"
	"  msg_key    TEXT PRIMARY KEY,    -- Message-ID, or"
	" \"sha256:HEX\" of the bytes\n"
	"  kind       TEXT NOT NULL,       -- response, autoreply,"
	" bounce, unsubscribe,\n"
	"                                  -- unmatched, unparsed\n"
	"  survey_id  TEXT,\n"
	"  folder     TEXT,\n"
	"  at         INTEGER NOT NULL\n"
	");\n"
	"\n"
	"CREATE TABLE unsubscribed (       -- customers who asked"
	" for no more surveys\n"
	"  address    TEXT PRIMARY KEY,    -- lowercased\n"
	"  at         INTEGER NOT NULL,\n"
	"  survey_id  TEXT\n"
	");\n"
	"\n"
	"CREATE TABLE meta (               -- small key/value facts"
	" (created_at, ...)\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT\n"
	");\n"
	"\n"
	"-- \"Current\" responses are those with superseded_by IS"
	" NULL: one per survey.\n"
	"-- A response counts for the survey's type (surveys.type).\n"
	"INSERT INTO meta (key, value)"
	" VALUES ('created_at', strftime('%s', 'now'));\n";

/*
 * Schema version 2: the follow-up queue (lib/followup/followup.c). One row per
 * survey and kind of follow-up (the acknowledgment to the customer, the
 * detractor alert by mail, by command): the row is the promise that it
 * will be done once, written before it is tried; state, attempts and
 * next_attempt_at drive the retries.
 */
static const char store_schema_v2[] =
	"CREATE TABLE followups (\n"
	"  id              INTEGER PRIMARY KEY,\n"
	"  survey_id       TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  kind            TEXT NOT NULL CHECK (kind IN"
	" ('ack','alert_mail','alert_command')),\n"
	"  response_id     INTEGER REFERENCES responses(id) ON"
	" DELETE SET NULL,\n"
	"  state           TEXT NOT NULL DEFAULT 'pending'\n"
	"                  CHECK (state IN ('pending','done','failed')),\n"
	"  attempts        INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at      INTEGER NOT NULL,\n"
	"  next_attempt_at INTEGER NOT NULL,  -- due (or claim expiry)\n"
	"  last_error      TEXT,\n"
	"  done_at         INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (survey_id, kind)\n"
	");\n"
	"CREATE INDEX followups_due ON followups(state, next_attempt_at);\n";

struct store_migration {
	int version;		/* user_version once applied */
	const char *sql;
};

/* Append new steps here, with the next version; never edit an old one. */
static const struct store_migration store_migrations[] = {
	{ 1, store_schema_v1 },
	{ 2, store_schema_v2 },
};
#define STORE_MIGRATION_COUNT \
	(sizeof(store_migrations) / sizeof(store_migrations[0]))

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) ==
    STORE_SCHEMA_VERSION, "one migration step per schema version");

/* The statements of this module, prepared on first use. */
enum store_stmt {
	STMT_SURVEY_ADD,
	STMT_SURVEY_GET,
	STMT_SURVEY_BY_MSGID,
	STMT_SURVEY_LAST_TIME,
	STMT_SURVEY_HELD_DUE,
	STMT_SURVEY_SET_STATUS,
	STMT_EVENT_ADD,
	STMT_UNSUB_ADD,
	STMT_UNSUB_GET,
	STMT_PROCESSED_GET,
	STMT_PROCESSED_ADD,
	STMT_RESPONSE_CURRENT,
	STMT_RESPONSE_ADD,
	STMT_RESPONSE_SUPERSEDE,
	STMT_COMMENT_ADD,
	STMT_COUNT
};

#define SURVEY_COLUMNS \
	"id, key_id, type, status, message_id, queue_id, recipient," \
	" ticket, agent, team, channel, reason, priority, lang," \
	" created_at, due_at, released_at"

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
	    "SELECT 1 FROM processed WHERE msg_key = ?1",
	[STMT_PROCESSED_ADD] =
	    "INSERT INTO processed (msg_key, kind, survey_id, folder, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
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

/* A statement prepared from SQL text by another module (store_db.h). */
struct store_cached {
	char *sql;
	sqlite3_stmt *stmt;
	struct store_cached *next;
};

struct store {
	sqlite3 *db;
	char *path;
	int busy_ms;
	int version;		/* user_version after migration */
	bool in_tx;		/* opened by store_begin() */
	int last_rc;		/* SQLite code of the last failure */
	uint32_t rng;		/* jitter for the retry pauses */
	sqlite3_stmt *stmt[STMT_COUNT];
	struct store_cached *cached;
};

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
};

static const char *const store_status_names[] = {
	[SURVEY_SENT] = "sent",
	[SURVEY_HELD] = "held",
	[SURVEY_RELEASED] = "released",
	[SURVEY_BOUNCED] = "bounced",
};
#define STORE_STATUS_COUNT \
	(sizeof(store_status_names) / sizeof(store_status_names[0]))

/* processed.kind, by enum ingest_kind. */
static const char *const store_ingest_names[] = {
	[INGEST_RESPONSE] = "response",
	[INGEST_AUTOREPLY] = "autoreply",
	[INGEST_BOUNCE] = "bounce",
	[INGEST_UNSUBSCRIBE] = "unsubscribe",
	[INGEST_UNMATCHED] = "unmatched",
	[INGEST_UNPARSED] = "unparsed",
};
#define STORE_INGEST_COUNT \
	(sizeof(store_ingest_names) / sizeof(store_ingest_names[0]))

/* store_event_kind_name - the events.kind text; "unknown" out of range. */
const char *
store_event_kind_name(enum event_kind kind)
{
	if ((unsigned)kind >= EVENT_KIND_COUNT)
		return "unknown";
	return store_event_names[kind];
}

static bool
store_rc_is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* store_db_fail - see store_db.h. */
int
store_db_fail(struct store *st, int rc, struct npserr *err, const char *fmt,
    ...)
{
	struct buf what = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&what, fmt, ap);
	va_end(ap);
	st->last_rc = rc;
	npserr_set(err, "store %s: %s: %s", st->path, buf_cstr(&what),
	    st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	buf_free(&what);
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

/* One of our own statements; owned by st, reset with store_db_done(). */
static sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt id, struct npserr *err)
{
	if (st->stmt[id] == NULL)
		st->stmt[id] = store_prepare_sql(st, store_stmt_sql[id], err);
	return st->stmt[id];
}

/* Binds a C string, or NULL as SQL NULL. */
static int
store_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

/* Same, with the empty string as NULL too (optional references). */
static int
store_bind_opt(sqlite3_stmt *s, int idx, const char *text)
{
	if (text != NULL && text[0] == '\0')
		text = NULL;
	return store_bind_text(s, idx, text);
}

/* Steps a statement that returns no row, then resets it; on failure err
 * says what (from fmt) could not be done. */
static int __attribute__((format(printf, 4, 5)))
store_step_done(struct store *st, sqlite3_stmt *s, struct npserr *err,
    const char *fmt, ...)
{
	struct buf what = BUF_INIT;
	va_list ap;
	int rc;

	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		va_start(ap, fmt);
		buf_vprintf(&what, fmt, ap);
		va_end(ap);
		store_db_fail(st, rc, err, "%s", buf_cstr(&what));
		buf_free(&what);
		store_db_done(s);
		return -1;
	}
	store_db_done(s);
	return 0;
}

static int
store_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what)
{
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, err, "%s", what);
	return 0;
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

/* --- opening and migration ------------------------------------------ */

static int
store_read_version(struct store *st, int *out, struct npserr *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, err, "cannot read the schema"
		    " version");
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		store_db_fail(st, rc, err, "cannot read the schema version");
		sqlite3_finalize(s);
		return -1;
	}
	*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static int
store_refuse_newer(struct store *st, int version, struct npserr *err)
{
	npserr_set(err, "store %s: schema version %d is newer than this"
	    " npsgate (%d); upgrade npsgate", st->path, version,
	    STORE_SCHEMA_VERSION);
	return -1;
}

/* One migration step; runs inside BEGIN IMMEDIATE (store_db_write). */
static int
store_migrate_step(struct store *st, void *arg, struct npserr *err)
{
	const struct store_migration *m = arg;
	char pragma[64];
	int version;

	/* Another connection may have migrated while we waited for the
	 * lock: read the version again now that we hold it. */
	if (store_read_version(st, &version, err) == -1)
		return -1;
	if (version > STORE_SCHEMA_VERSION)
		return store_refuse_newer(st, version, err);
	if (version >= m->version)
		return 0;
	if (store_exec(st, m->sql, err, "cannot migrate the schema") == -1)
		return -1;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
	    m->version);
	return store_exec(st, pragma, err, "cannot record the schema"
	    " version");
}

static int
store_migrate(struct store *st, struct npserr *err)
{
	size_t i;
	int version;

	if (store_read_version(st, &version, err) == -1)
		return -1;
	if (version > STORE_SCHEMA_VERSION)
		return store_refuse_newer(st, version, err);
	for (i = 0; i < STORE_MIGRATION_COUNT; i++) {
		if (store_migrations[i].version <= version)
			continue;
		if (store_db_write(st, store_migrate_step,
		    (void *)&store_migrations[i], err) == -1)
			return -1;
	}
	if (store_read_version(st, &st->version, err) == -1)
		return -1;
	return 0;
}

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

/* --- surveys -------------------------------------------------------- */

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
store_column_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *text = sqlite3_column_text(s, col);

	if (text == NULL)
		return NULL;
	return xstrndup((const char *)text, (size_t)sqlite3_column_bytes(s,
	    col));
}

/* Fills *out from a row of SURVEY_COLUMNS; out's strings are its own. */
static int
store_survey_from_row(struct store *st, sqlite3_stmt *s,
    struct survey_rec *out, struct npserr *err)
{
	const char *id = (const char *)sqlite3_column_text(s, 0);
	const char *type = (const char *)sqlite3_column_text(s, 2);
	const char *status = (const char *)sqlite3_column_text(s, 3);

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
	out->key_id = (unsigned)sqlite3_column_int64(s, 1);
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
	out->created_at = sqlite3_column_int64(s, 14);
	out->due_at = sqlite3_column_int64(s, 15);
	out->released_at = sqlite3_column_int64(s, 16);
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
	memset(rec, 0, sizeof(*rec));
}

static int
store_survey_add_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct survey_rec *rec = arg;
	const char *status = store_status_name(rec->status);
	sqlite3_stmt *s;

	if ((unsigned)rec->type >= SURVEY_TYPE_COUNT || status == NULL) {
		npserr_set(err, "store %s: cannot add survey %s: bad type %d"
		    " or status %d", st->path, rec->id, (int)rec->type,
		    (int)rec->status);
		return -1;
	}
	if (rec->throttle_from > 0 && rec->recipient != NULL) {
		int64_t last;

		if (store_last_survey_time(st, rec->recipient, &last, err) < 0)
			return -1;
		if (last > rec->throttle_from)
			return STORE_THROTTLED;
	}
	if ((s = store_stmt(st, STMT_SURVEY_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, rec->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, rec->key_id);
	sqlite3_bind_text(s, 3, nps_type_name(rec->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
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
	sqlite3_bind_int64(s, 15, rec->created_at);
	sqlite3_bind_int64(s, 16, rec->due_at);
	sqlite3_bind_int64(s, 17, rec->released_at);
	return store_step_done(st, s, err, "cannot add survey %s", rec->id);
}

/* store_survey_add - records a survey; its id must be new. The recipient
 * is stored lowercased. rec stays the caller's. Returns 0, STORE_THROTTLED
 * (nothing written) when rec->throttle_from is set and the recipient has
 * a survey created after it, or -1. */
int
store_survey_add(struct store *st, const struct survey_rec *rec,
    struct npserr *err)
{
	return store_db_write(st, store_survey_add_tx, (void *)rec, err);
}

/* Runs a SURVEY_COLUMNS query bound to one text key: 1, 0 or -1. */
static int
store_survey_lookup(struct store *st, enum store_stmt id, const char *key,
    struct survey_rec *out, struct npserr *err)
{
	sqlite3_stmt *s;
	int rc, r;

	if ((s = store_stmt(st, id, err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = store_survey_from_row(st, s, out, err) == 0 ? 1 : -1;
	else if (rc == SQLITE_DONE)
		r = 0;
	else
		r = store_db_fail(st, rc, err, "cannot look up survey");
	store_db_done(s);
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
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	if ((s = store_stmt(st, STMT_SURVEY_LAST_TIME, err)) == NULL)
		return -1;
	store_bind_text(s, 1, recipient);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		store_db_fail(st, rc, err, "cannot read the last survey time");
		store_db_done(s);
		return -1;
	}
	*out = sqlite3_column_int64(s, 0);	/* NULL reads as 0 */
	store_db_done(s);
	return 0;
}

/* store_held_due - calls fn, in due order, for each held survey due by
 * now. fn may write to the store; its -1 stops the walk and is returned. */
int
store_held_due(struct store *st, int64_t now,
    int (*fn)(const struct survey_rec *rec, void *arg), void *arg,
    struct npserr *err)
{
	struct survey_rec *recs = NULL;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *s;
	int rc, r = 0;

	if ((s = store_stmt(st, STMT_SURVEY_HELD_DUE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	/* Read them all first: fn may write (store_survey_set_status), and
	 * a write must not run while this read is still open on the
	 * connection. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
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
	if (r == 0 && rc != SQLITE_DONE)
		r = store_db_fail(st, rc, err, "cannot list held surveys");
	store_db_done(s);
	for (i = 0; i < n; i++) {
		if (r == 0 && fn(&recs[i], arg) == -1)
			r = -1;
		store_survey_clear(&recs[i]);
	}
	free(recs);
	return r;
}

struct store_status_arg {
	const char *id;
	enum survey_status status;
	int64_t at;
};

static int
store_set_status_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct store_status_arg *a = arg;
	const char *status = store_status_name(a->status);
	sqlite3_stmt *s;

	if (status == NULL) {
		npserr_set(err, "store %s: survey %s: bad status %d", st->path,
		    a->id, (int)a->status);
		return -1;
	}
	if ((s = store_stmt(st, STMT_SURVEY_SET_STATUS, err)) == NULL)
		return -1;
	store_bind_text(s, 1, a->id);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, a->at);
	if (store_step_done(st, s, err, "cannot set the status of survey %s",
	    a->id) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
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

/* --- events and opt-outs -------------------------------------------- */

static int
store_event_insert(struct store *st, const struct event_rec *ev,
    struct npserr *err)
{
	sqlite3_stmt *s;

	if ((unsigned)ev->kind >= EVENT_KIND_COUNT) {
		npserr_set(err, "store %s: cannot add event: bad kind %d",
		    st->path, (int)ev->kind);
		return -1;
	}
	if ((s = store_stmt(st, STMT_EVENT_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, store_event_names[ev->kind], -1,
	    SQLITE_STATIC);
	store_bind_opt(s, 2, ev->survey_id);
	store_bind_text(s, 3, ev->recipient);
	store_bind_text(s, 4, ev->ticket);
	store_bind_text(s, 5, ev->agent);
	store_bind_text(s, 6, ev->team);
	store_bind_text(s, 7, ev->channel);
	store_bind_text(s, 8, ev->reason);
	store_bind_text(s, 9, ev->priority);
	store_bind_text(s, 10, ev->detail);
	sqlite3_bind_int64(s, 11, ev->at);
	return store_step_done(st, s, err, "cannot add event");
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

static int
store_unsub_insert(struct store *st, const char *address, int64_t at,
    const char *survey_id, struct npserr *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, STMT_UNSUB_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, address);
	sqlite3_bind_int64(s, 2, at);
	store_bind_opt(s, 3, survey_id);
	return store_step_done(st, s, err, "cannot record the opt-out");
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

/* Runs a "SELECT 1 ... WHERE x = ?1" statement: 1, 0 or -1. */
static int
store_exists(struct store *st, enum store_stmt id, const char *key,
    struct npserr *err, const char *what)
{
	sqlite3_stmt *s;
	int rc, r;

	if ((s = store_stmt(st, id, err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = 1;
	else if (rc == SQLITE_DONE)
		r = 0;
	else
		r = store_db_fail(st, rc, err, "%s", what);
	store_db_done(s);
	return r;
}

/* store_is_unsubscribed - 1, 0 or -1; the address in any case. */
int
store_is_unsubscribed(struct store *st, const char *address,
    struct npserr *err)
{
	return store_exists(st, STMT_UNSUB_GET, address, err,
	    "cannot look up the opt-out");
}

/* store_is_processed - 1 when msg_key was ingested, 0 if not, -1. */
int
store_is_processed(struct store *st, const char *msg_key,
    struct npserr *err)
{
	return store_exists(st, STMT_PROCESSED_GET, msg_key, err,
	    "cannot look up the processed message");
}

/* --- replies -------------------------------------------------------- */

/* The id of the survey's current response into *out (0 if none). */
static int
store_response_current(struct store *st, const char *survey_id,
    int64_t *out, struct npserr *err)
{
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	if ((s = store_stmt(st, STMT_RESPONSE_CURRENT, err)) == NULL)
		return -1;
	store_bind_text(s, 1, survey_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE) {
		store_db_fail(st, rc, err, "cannot look up the responses to"
		    " survey %s", survey_id);
		store_db_done(s);
		return -1;
	}
	store_db_done(s);
	return 0;
}

static int
store_response_insert(struct store *st, const struct ingest_rec *in,
    int score, enum nps_category cat, int64_t *id, struct npserr *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, STMT_RESPONSE_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, in->survey_id);
	if (score >= 0) {
		sqlite3_bind_int(s, 2, score);
		sqlite3_bind_text(s, 3, nps_category_name(cat), -1,
		    SQLITE_STATIC);
	}
	store_bind_opt(s, 4, in->comment);
	store_bind_opt(s, 5, in->sender);
	store_bind_opt(s, 6, in->lang);
	sqlite3_bind_int(s, 7, in->forwarded ? 1 : 0);
	sqlite3_bind_int64(s, 8, in->received_at);
	store_bind_text(s, 9, in->msg_key);
	if (store_step_done(st, s, err, "cannot add a response to survey"
	    " %s", in->survey_id) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int
store_response_supersede(struct store *st, int64_t old, int64_t by,
    struct npserr *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, STMT_RESPONSE_SUPERSEDE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, old);
	sqlite3_bind_int64(s, 2, by);
	return store_step_done(st, s, err, "cannot supersede response %lld",
	    (long long)old);
}

static int
store_comment_insert(struct store *st, const struct ingest_rec *in,
    int64_t response_id, struct npserr *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, STMT_COMMENT_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, in->survey_id);
	sqlite3_bind_int64(s, 2, response_id);
	store_bind_text(s, 3, in->comment);
	sqlite3_bind_int64(s, 4, in->received_at);
	store_bind_text(s, 5, in->msg_key);
	return store_step_done(st, s, err, "cannot add a comment to survey"
	    " %s", in->survey_id);
}

/*
 * A response to a survey we know. A score outside the survey type's range
 * counts as no score: the comment is kept, the figures are not skewed.
 */
static int
store_ingest_response(struct store *st, const struct ingest_rec *in,
    const struct survey_rec *sv, struct npserr *err)
{
	enum nps_category cat = NPS_NONE;
	int64_t current, id;
	bool has_comment;
	int score = in->score;

	if (score >= 0 && (cat = nps_category(sv->type, score)) == NPS_NONE)
		score = -1;
	has_comment = in->comment != NULL && in->comment[0] != '\0';
	if (store_response_current(st, in->survey_id, &current, err) == -1)
		return -1;
	if (score < 0 && current != 0) {
		/* A follow-up without a score: the earlier score stands. */
		if (has_comment)
			return store_comment_insert(st, in, current, err);
		return 0;
	}
	if (store_response_insert(st, in, score, cat, &id, err) == -1)
		return -1;
	if (current != 0 && store_response_supersede(st, current, id,
	    err) == -1)
		return -1;
	if (has_comment)
		return store_comment_insert(st, in, id, err);
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

static int
store_ingest_unsubscribe(struct store *st, const struct ingest_rec *in,
    const struct survey_rec *sv, struct npserr *err)
{
	const char *address = in->sender;

	if ((address == NULL || address[0] == '\0') && sv != NULL)
		address = sv->recipient;
	if (address == NULL || address[0] == '\0')
		return store_ingest_event(st, in, sv, EVENT_UNSUBSCRIBED,
		    "no address to unsubscribe", err);
	if (store_unsub_insert(st, address, in->received_at,
	    sv != NULL ? sv->id : in->survey_id, err) == -1)
		return -1;
	return store_ingest_event(st, in, sv, EVENT_UNSUBSCRIBED, NULL, err);
}

static int
store_processed_insert(struct store *st, const struct ingest_rec *in,
    const char *kind, struct npserr *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, STMT_PROCESSED_ADD, err)) == NULL)
		return -1;
	store_bind_text(s, 1, in->msg_key);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	store_bind_opt(s, 3, in->survey_id);
	store_bind_opt(s, 4, in->folder);
	sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
	return store_step_done(st, s, err, "cannot record message %s as"
	    " processed", in->msg_key);
}

static int
store_ingest_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct ingest_rec *in = arg;
	struct survey_rec sv;
	struct buf detail = BUF_INIT;
	bool known = false;
	const char *kind;
	int r;

	r = store_exists(st, STMT_PROCESSED_GET, in->msg_key, err,
	    "cannot look up the processed message");
	if (r != 0)
		return r == 1 ? INGEST_DUPLICATE : -1;
	memset(&sv, 0, sizeof(sv));
	if (in->survey_id != NULL && in->survey_id[0] != '\0') {
		if ((r = store_survey_get(st, in->survey_id, &sv, err)) == -1)
			return -1;
		known = r == 1;
	}
	kind = store_ingest_names[in->kind];
	if (in->kind == INGEST_RESPONSE && !known)
		kind = store_ingest_names[INGEST_UNMATCHED];
	r = store_processed_insert(st, in, kind, err);
	if (r == 0) {
		switch (in->kind) {
		case INGEST_RESPONSE:
			if (known) {
				r = store_ingest_response(st, in, &sv, err);
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
	buf_free(&detail);
	store_survey_clear(&sv);
	return r == 0 ? INGEST_NEW : -1;
}

/*
 * store_ingest - records one reply, exactly once, in one transaction:
 * the processed key first (a key seen before: INGEST_DUPLICATE, nothing
 * written), then by kind:
 *   response     a new responses row, superseding the current one when it
 *                has a score; without a score (or with one outside the
 *                type's range) to a survey already answered, only the
 *                comment, added to the current response's history; every
 *                comment also goes to the comments table. A survey the
 *                store does not know makes an 'unmatched' event instead.
 *   autoreply, unmatched, unparsed   an event of that kind
 *   bounce       an event, and the survey marked bounced
 *   unsubscribe  an opt-out for the sender (else the survey's recipient)
 *                and an event
 * Events carry the survey's ticket, agent, ... when it is known, and the
 * message key in their detail. Returns INGEST_NEW, INGEST_DUPLICATE or -1.
 */
int
store_ingest(struct store *st, const struct ingest_rec *in,
    struct npserr *err)
{
	if ((unsigned)in->kind >= STORE_INGEST_COUNT) {
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
	return store_db_write(st, store_ingest_tx, (void *)in, err);
}
