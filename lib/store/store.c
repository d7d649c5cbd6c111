/*
 * store.c - the store's connection, whatever the database: opening and
 * closing, the statements and their cache, and the write transactions
 * with their retries; see store.h for the contract, store_db.h for the
 * parts other lib modules reach and store_int.h for what the pieces of
 * the store share (the databases in db_sqlite.c and db_pg.c, the schema
 * in store_schema.c, surveys in store_survey.c, events and opt-outs in
 * store_event.c, replies in store_ingest.c).
 *
 * One struct store is one connection, used by one thread at a time;
 * threads (the milter's workers) each open their own, and the database
 * orders them. Every write runs in a transaction that the database may
 * refuse for a passing reason: SQLite's file lock still taken after the
 * busy timeout, PostgreSQL's serialization failure or deadlock. Such a
 * transaction is rolled back and run again after a pause, for up to 4 x
 * the busy timeout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	    "INSERT INTO unsubscribed (address, at, survey_id)"
	    " VALUES (lower(?1), ?2, ?3) ON CONFLICT DO NOTHING",
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
	    " VALUES (?1, ?2, ?3, ?4, lower(?5), ?6, ?7, ?8, ?9) RETURNING id",
	[STMT_RESPONSE_SUPERSEDE] =
	    "UPDATE responses SET superseded_by = ?2 WHERE id = ?1",
	[STMT_COMMENT_ADD] =
	    "INSERT INTO comments (survey_id, response_id, text, at,"
	    " source_message_id) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/* store_stmt - see store_int.h. */
struct store_stmt *
store_stmt(struct store *st, enum store_stmt_id id, struct npserr *err)
{
	if (st->stmt[id] == NULL) {
		st->stmt[id] = st->be->prepare(st, store_stmt_sql[id]);
		if (st->stmt[id] == NULL)
			store_db_fail(st, err, "cannot prepare \"%.60s\"",
			    store_stmt_sql[id]);
	}
	return st->stmt[id];
}

int64_t
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
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
	if (st->conn != NULL && st->be->in_tx(st))
		st->be->exec(st, "ROLLBACK");
}

/*
 * The pause before the next attempt, or -1 when the time allowed (4 x the
 * busy timeout since start) is spent.
 */
int64_t
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

/* Opens a write transaction, retried while the database says so. */
static int
store_begin_retry(struct store *st, struct npserr *err)
{
	int64_t start, delay = 5, pause;

	start = store_now_ms();
	while (st->be->exec(st, st->be->begin_sql) == -1) {
		store_db_fail(st, err, "cannot start a write transaction");
		store_rollback_quietly(st);
		if (!st->retry || (pause = store_retry_pause(st, start,
		    &delay)) < 0)
			return -1;
		store_sleep_ms(pause);
	}
	return 0;
}

/* store_db_write - see store_db.h. */
int
store_db_write(struct store *st,
    int (*fn)(struct store *st, void *arg, struct npserr *err), void *arg,
    struct npserr *err)
{
	int64_t start, delay = 5, pause;
	int attempts = 0, r;

	if (st->in_tx)
		return fn(st, arg, err);
	start = store_now_ms();
	for (;;) {
		attempts++;
		st->retry = false;
		if (st->be->exec(st, st->be->begin_sql) == -1) {
			r = store_db_fail(st, err,
			    "cannot start a write transaction");
		} else if ((r = fn(st, arg, err)) >= 0) {
			if (st->be->exec(st, "COMMIT") == 0)
				return r;
			r = store_db_fail(st, err, "cannot commit");
		}
		store_rollback_quietly(st);
		if (!st->retry)
			return -1;
		if ((pause = store_retry_pause(st, start, &delay)) < 0) {
			npserr_set(err, "store %s: %s after %d attempts in"
			    " %lld ms", st->path, store_is_pg(st) ?
			    "transaction conflicts: still refused" :
			    "database is locked: still busy", attempts,
			    (long long)(store_now_ms() - start));
			return -1;
		}
		store_sleep_ms(pause);
	}
}

/*
 * store_begin - opens a write transaction (retried like any write). The
 * store's writes then run inside it, without retry, until store_commit()
 * or store_rollback(). Transactions do not nest.
 */
int
store_begin(struct store *st, struct npserr *err)
{
	if (st->in_tx) {
		npserr_set(err, "store %s: a transaction is already open",
		    st->path);
		return -1;
	}
	if (store_begin_retry(st, err) == -1)
		return -1;
	st->in_tx = true;
	return 0;
}

/* store_commit - commits; on failure everything since store_begin() is
 * rolled back and err says why. */
int
store_commit(struct store *st, struct npserr *err)
{
	if (!st->in_tx) {
		npserr_set(err, "store %s: commit without a transaction",
		    st->path);
		return -1;
	}
	st->in_tx = false;
	if (st->be->exec(st, "COMMIT") == -1) {
		store_db_fail(st, err, "cannot commit");
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

/* Whether where names a PostgreSQL server: a postgresql:// URL or the
 * keyword form of libpq ("host=... dbname=..."), a word and '=' first. */
static bool
store_where_is_pg(const char *where)
{
	size_t i;

	if (strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0)
		return true;
	for (i = 0; where[i] >= 'a' && where[i] <= 'z'; i++)
		;
	return i > 0 && where[i] == '=';
}

/*
 * store_open - opens the store at where: an SQLite file (created if need
 * be), or a PostgreSQL server named by a postgresql:// URL or libpq's
 * keyword form. Sets the connection up and migrates the schema to
 * STORE_SCHEMA_VERSION; a database of a newer version is refused, and
 * left untouched. Caller closes the result with store_close(); NULL with
 * err set on failure.
 */
struct store *
store_open(const char *where, int busy_timeout_ms, struct npserr *err)
{
	struct store *st;

	st = xcalloc(1, sizeof(*st));
	st->be = &store_backend_sqlite;
	if (store_where_is_pg(where)) {
#ifdef HAVE_LIBPQ
		st->be = &store_backend_pg;
#else
		npserr_set(err, "store: %.200s: this npsgate was built"
		    " without PostgreSQL (configure --with-postgresql)",
		    where);
		free(st);
		return NULL;
#endif
	}
	st->path = xstrdup(where);
	st->busy_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 0;
	st->rng = (uint32_t)(uintptr_t)st ^ (uint32_t)time(NULL) ^ 0x9e3779b9u;
	if (st->rng == 0)
		st->rng = 1;
	if (st->be->open(st, where, err) == -1)
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
	struct store_stmt *c, *next;
	size_t i;

	if (st == NULL)
		return;
	store_rollback_quietly(st);
	for (i = 0; i < STMT_COUNT; i++)
		if (st->stmt[i] != NULL)
			st->be->finalize(st->stmt[i]);
	for (c = st->cached; c != NULL; c = next) {
		next = c->next;
		st->be->finalize(c);
	}
	if (st->conn != NULL)
		st->be->close(st);
	buf_free(&st->why);
	free(st->path);
	free(st);
}

int
store_schema_version(struct store *st)
{
	return st->version;
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
