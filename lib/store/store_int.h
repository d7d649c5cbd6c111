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

#include <sqlite3.h>

#include "base/npserr.h"
#include "store/store.h"

/* The store's own statements, prepared on first use (store_stmt()). */
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
	STMT_PROCESSED_ANSWERS,
	STMT_RESPONSE_CURRENT,
	STMT_RESPONSE_ADD,
	STMT_RESPONSE_SUPERSEDE,
	STMT_COMMENT_ADD,
	STMT_COUNT
};

/* The columns of a survey row, in the order store_survey_from_row()
 * reads them. */
#define SURVEY_COLUMNS \
	"id, key_id, type, status, message_id, queue_id, recipient," \
	" ticket, agent, team, channel, reason, priority, lang," \
	" created_at, due_at, released_at"

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

/* --- store.c: statements ---------------------------------------------- */

/* One of our own statements; owned by st, reset with store_db_done(). NULL
 * with err set when it cannot be prepared. */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt id,
    struct npserr *err);
/* Binds a C string, or NULL as SQL NULL. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *text);
/* Same, with the empty string as NULL too (optional references). */
int store_bind_opt(sqlite3_stmt *s, int idx, const char *text);
/* Steps a statement that returns no row, then resets it; on failure err
 * says what (from fmt) could not be done. 0 or -1. */
int store_step_done(struct store *st, sqlite3_stmt *s, struct npserr *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Runs statement id with key bound to ?1, up to its first row: 1 with
 * *row on it (the caller reads the row, then store_db_done(*row)), 0 when
 * there is none, -1 with err saying what (from fmt) could not be looked
 * up. */
int store_step_key(struct store *st, enum store_stmt id, const char *key,
    sqlite3_stmt **row, struct npserr *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Runs a "SELECT 1 ... WHERE x = ?1" statement: 1, 0 or -1 (err says
 * what could not be looked up). */
int store_exists(struct store *st, enum store_stmt id, const char *key,
    struct npserr *err, const char *what);
/* Runs SQL text (several statements may follow each other); 0, or -1
 * with err saying what could not be done. */
int store_exec(struct store *st, const char *sql, struct npserr *err,
    const char *what);

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
