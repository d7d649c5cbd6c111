/*
 * store_int.h - what the pieces of the store share (not a public
 * interface): the connection's struct, the store's own prepared
 * statements and the helpers that bind and step them, and the few steps
 * one piece runs inside another's transaction. The programs use store.h,
 * the other lib modules store_db.h.
 */
#ifndef NPSGATE_STORE_INT_H
#define NPSGATE_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "store/store_db.h"
#include "store/store.h"

/* The store's own statements, prepared on first use (store_stmt()). */
enum store_stmt_id {
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
	STMT_RESPONSE_ADD,
	STMT_RESPONSE_SUPERSEDE,
	STMT_COMMENT_ADD,
	STMT_COMMENT_ADD_NEW,
	STMT_COUNT
};

/* The columns of a survey row, in the order store_survey_from_row()
 * reads them. */
#define SURVEY_COLUMNS \
	"id, key_id, type, status, message_id, queue_id, recipient," \
	" ticket, agent, team, channel, reason, priority, lang," \
	" created_at, due_at, released_at, held_by"

/* A prepared statement: what every backend's statement starts with. */
struct store_stmt {
	struct store *st;
	char *sql;		/* as the caller wrote it; the cache's key */
	struct store_stmt *next;	/* the store's cached statements */
};

/*
 * A database behind the store: db_sqlite.c, db_pg.c. Calls that fail
 * leave the database's message with store_db_note(); step returns
 * STORE_ROW, STORE_DONE or -1.
 */
struct store_backend {
	const char *name;
	/* Opens st->conn on where; sets the connection up. */
	int (*open)(struct store *st, const char *where, struct npserr *err);
	void (*close)(struct store *st);
	struct store_stmt *(*prepare)(struct store *st, const char *sql);
	void (*finalize)(struct store_stmt *s);
	void (*bind_int64)(struct store_stmt *s, int idx, int64_t v);
	void (*bind_double)(struct store_stmt *s, int idx, double v);
	void (*bind_text)(struct store_stmt *s, int idx, const char *text,
	    size_t len);
	void (*bind_blob)(struct store_stmt *s, int idx, const void *data,
	    size_t len);
	int (*step)(struct store_stmt *s);
	/* Sends s now, its rows read at its first step (store_db_send);
	 * NULL where a statement runs at its first step anyway. */
	void (*send)(struct store_stmt *s);
	/* Sends a write whose answer is checked later (store_db_later): 1
	 * sent, 0 not (the caller runs it now), -1 with the reason kept;
	 * NULL where writes run at once. */
	int (*later)(struct store_stmt *s, const char *what);
	void (*reset)(struct store_stmt *s);
	int (*col_count)(struct store_stmt *s);
	const char *(*col_name)(struct store_stmt *s, int i);
	enum store_col_type (*col_type)(struct store_stmt *s, int i);
	int64_t (*col_int64)(struct store_stmt *s, int i);
	double (*col_double)(struct store_stmt *s, int i);
	const char *(*col_text)(struct store_stmt *s, int i);
	size_t (*col_bytes)(struct store_stmt *s, int i);
	const void *(*col_blob)(struct store_stmt *s, int i, size_t *len);
	int64_t (*changes)(struct store *st);
	int (*exec)(struct store *st, const char *sql);
	/* See store_db_checkpoint(); NULL when there is nothing to do. */
	int (*checkpoint)(struct store *st);
	/* Whether a transaction is open on the connection. */
	bool (*in_tx)(struct store *st);
	/* The statements that open a write, a read transaction. */
	const char *begin_sql;
	const char *read_sql;
	/* The schema version recorded in the database (0: none yet); the
	 * write records it inside the migration's transaction. */
	int (*version_read)(struct store *st, int *out);
	int (*version_write)(struct store *st, int version);
	/* Taken first in a migration's transaction, so that two programs
	 * starting at once migrate one after the other; NULL when opening
	 * the transaction is enough. */
	int (*migrate_lock)(struct store *st);
};

extern const struct store_backend store_backend_sqlite;
#ifdef HAVE_LIBPQ
extern const struct store_backend store_backend_pg;
#endif

struct store {
	const struct store_backend *be;
	void *conn;		/* the backend's connection */
	char *path;		/* where, for messages */
	int busy_ms;
	int version;		/* schema version after migration */
	bool in_tx;		/* opened by store_begin() */
	bool retry;		/* the last failure may pass on a new try */
	struct buf why;		/* what the database said last */
	uint32_t rng;		/* jitter for the retry pauses */
	struct store_stmt *stmt[STMT_COUNT];
	struct store_stmt *cached;
};

/* Keeps the database's message of a failure (printf-like), and whether
 * running the transaction again may succeed. */
void store_db_note(struct store *st, bool retry, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- store_stmt.c: statements ------------------------------------------ */

/* One of our own statements; owned by st, reset with store_db_done(). NULL
 * with err set when it cannot be prepared. */
struct store_stmt *store_stmt(struct store *st, enum store_stmt_id id,
    struct npserr *err);
/* Steps a statement that returns no row, then resets it; on failure err
 * says what (from fmt) could not be done. 0 or -1. */
int store_step_done(struct store *st, struct store_stmt *s,
    struct npserr *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Runs statement id with key bound to ?1, up to its first row: 1 with
 * *row on it (the caller reads the row, then store_db_done(*row)), 0 when
 * there is none, -1 with err saying what (from fmt) could not be looked
 * up. */
int store_step_key(struct store *st, enum store_stmt_id id, const char *key,
    struct store_stmt **row, struct npserr *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Runs a "SELECT 1 ... WHERE x = ?1" statement: 1, 0 or -1 (err says
 * what could not be looked up). */
int store_exists(struct store *st, enum store_stmt_id id, const char *key,
    struct npserr *err, const char *what);
/* Same as store_db_exec. */
int store_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what);

/*
 * The keys of the decisions that span nodes. On PostgreSQL, the write
 * transaction that decides for a key takes an advisory lock on it first
 * (store_lock_key()): a second node deciding for the same key waits for
 * the first to commit, and then sees its row. On SQLite the write
 * transaction holds the whole file already, and there is nothing to do.
 */
enum store_lock {
	STORE_LOCK_RECIPIENT = 1,	/* lowercased address: the throttle */
	STORE_LOCK_TICKET,		/* once per ticket */
	STORE_LOCK_MESSAGE,		/* a reply's key: stored once */
	STORE_LOCK_SURVEY		/* a survey's answers and status */
};
/* Takes the lock of kind on key (NULL or "": nothing) until the end of
 * the current write transaction. 0, or -1 with err set. */
int store_lock_key(struct store *st, enum store_lock kind, const char *key,
    struct npserr *err);

/* --- store_ingest_read.c ---------------------------------------------- */

/* Replies read together at most (store_ingest_read). */
#define STORE_INGEST_RUN 64

/* What the store knows of a reply before it records it. */
struct ingest_seen {
	const char *key;	/* the key to record it under: in's msg_key
				 * or digest */
	bool dup;		/* recorded before, under key */
	bool limited;		/* ...as a response over the limit */
	bool known;		/* its survey is in the store: sv */
	struct survey_rec sv;
	int64_t answers;	/* responses recorded for the survey */
	int64_t current;	/* its current response, 0: none */
};

/* The length of the run of replies that starts at in[0] (1 to n): up to
 * the first that shares a message key, a digest or a survey with one
 * before it, at most STORE_INGEST_RUN. */
size_t store_ingest_run_end(const struct ingest_rec *in, size_t n);
/* Locks the keys of the run in[0..n) (store_ingest_run_end), reads what
 * the store knows of each into seen[0..n): 0, or -1 with seen cleared.
 * Inside the caller's write transaction. */
int store_ingest_read(struct store *st, const struct ingest_rec *in,
    size_t n, struct ingest_seen *seen, struct npserr *err);
void store_ingest_seen_clear(struct ingest_seen *seen, size_t n);

/* --- store_tx.c -------------------------------------------------------- */

/* Rolls back what is open on the connection, quietly (closing, errors). */
void store_tx_abort(struct store *st);
int64_t store_now_ms(void);
void store_sleep_ms(int64_t ms);
/* The pause before the next attempt of something started at start (ms),
 * growing *delay, or -1 when the time allowed (4 x the busy timeout) is
 * spent. */
int64_t store_retry_pause(struct store *st, int64_t start, int64_t *delay);

/* --- store_schema.c ---------------------------------------------------- */

/* Brings the schema to STORE_SCHEMA_VERSION, one step per transaction,
 * and records the version in st->version; a newer file is refused. */
int store_migrate(struct store *st, struct npserr *err);

/* --- store_survey.c ---------------------------------------------------- */

/* A status change of one survey, as store_set_status_tx() takes it. */
struct store_status_arg {
	const char *id;
	enum survey_status status;
	int64_t at;
};
/* Fills *out from a row whose first columns are SURVEY_COLUMNS; out's
 * strings are its own (store_survey_clear). 0 or -1. */
int store_survey_from_row(struct store *st, struct store_stmt *s,
    struct survey_rec *out, struct npserr *err);
/* Sets a survey's status inside the caller's write transaction. */
int store_set_status_tx(struct store *st, void *arg, struct npserr *err);

/* --- store_event.c ----------------------------------------------------- */

/* Inserts an event / an opt-out inside the caller's write transaction. */
int store_event_insert(struct store *st, const struct event_rec *ev,
    struct npserr *err);
int store_unsub_insert(struct store *st, const char *address, int64_t at,
    const char *survey_id, struct npserr *err);

/* --- store_forward.c --------------------------------------------------- */

/* Records a survey's helpdesk_to inside the caller's write transaction. */
int store_forward_helpdesk_set(struct store *st, const char *survey_id,
    const char *address, struct npserr *err);
/* The forward of a new reply (in->forward_*) recorded under key, inside
 * store_ingest's transaction; nothing past STORE_MAX_ANSWERS forwards of
 * one survey. 0 or -1. */
int store_forward_insert(struct store *st, const struct ingest_rec *in,
    const char *key, const char *survey_id, struct npserr *err);

#endif
