/*
 * db_pg.c - the store on PostgreSQL, shared by several relays and hooks;
 * the backend that store.c and store_stmt.c call (store_int.h).
 *
 * One struct store is one libpq connection. A statement is rewritten
 * once (?N becomes $N), prepared on the connection at its first run
 * (PQprepare, with the types of the values first bound to it), and run
 * with PQexecPrepared; its rows come from the one PGresult of that run,
 * one per store_step(), in text format (db_pg_row.c reads them). The
 * schema version is the table schema_version, and migrations take an
 * advisory lock so that programs starting together migrate one after
 * the other.
 *
 * Write transactions are READ COMMITTED: each statement sees what others
 * committed before it, and the decisions that span nodes take an
 * advisory lock on their key first (store_lock_key()), so that the
 * second node waits for the first and then sees its row. A serialization
 * failure (40001), a deadlock (40P01) or a lock awaited beyond the busy
 * timeout (lock_timeout, 55P03) is worth a new try.
 *
 * A lost connection fails the operation under way, with libpq's message;
 * the next one outside a transaction reconnects (PQreset), and the
 * statements are prepared again on the new connection.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/db_pg_int.h"
#include "store/store_db.h"
#include "store/store_int.h"

/* store_pg_note - see db_pg_int.h. Passing conflicts may succeed on a
 * new try. */
void
store_pg_note(struct store *st, const PGresult *res, const char *what)
{
	struct pg_conn *pc = pg_conn(st);
	const char *state = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	bool retry;

	if (msg == NULL || msg[0] == '\0')
		msg = PQerrorMessage(pc->c);
	/* Serialization failure, deadlock, lock_timeout run out: the
	 * transaction may pass when run again. */
	retry = state != NULL && (strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0);
	if (what == NULL)
		what = "";
	/* The server ending the session (an administrator, a shutdown:
	 * class 57P0, or class 08) is the connection lost, whether libpq
	 * has seen the socket close yet or not. */
	if (PQstatus(pc->c) == CONNECTION_BAD || (state != NULL &&
	    (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0)))
		store_db_note(st, false, "%s%sconnection lost: %s", what,
		    what[0] != '\0' ? ": " : "", msg);
	else
		store_db_note(st, retry, "%s%s%s%s%s", what, what[0] != '\0' ?
		    ": " : "", msg, state != NULL ? " SQLSTATE " : "",
		    state != NULL ? state : "");
}

/*
 * The session's settings, on each new connection: a lock waited for
 * longer than the busy timeout fails (and the write is tried again, as
 * SQLite's busy timeout does), instead of holding a mail for as long as
 * another program holds the lock.
 */
static int
pg_session_setup(struct store *st)
{
	struct pg_conn *pc = pg_conn(st);
	PGresult *res;
	char sql[64];

	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", st->busy_ms);
	res = PQexec(pc->c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_pg_note(st, res, NULL);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/*
 * Reconnects a connection that was lost, when no transaction is open:
 * inside one, what it wrote is gone and the caller must start over. 0
 * when the connection is usable.
 */
int
store_pg_ready(struct store *st)
{
	struct pg_conn *pc = pg_conn(st);

	if (PQstatus(pc->c) == CONNECTION_OK)
		return 0;
	store_pg_pipe_drop(st);
	if (pc->in_tx) {
		store_db_note(st, false, "connection lost inside a"
		    " transaction: %s", PQerrorMessage(pc->c));
		return -1;
	}
	PQreset(pc->c);
	if (PQpipelineStatus(pc->c) != PQ_PIPELINE_OFF)
		PQexitPipelineMode(pc->c);
	if (PQstatus(pc->c) != CONNECTION_OK) {
		store_db_note(st, false, "connection lost, cannot connect"
		    " again: %s", PQerrorMessage(pc->c));
		return -1;
	}
	pc->generation++;
	return pg_session_setup(st);
}

/* ?N becomes $N outside quotes; *nparams is the highest N. */
static char *
pg_rewrite(const char *sql, int *nparams)
{
	struct buf b = BUF_INIT;
	const char *p = sql;
	char quote = 0;
	long n;
	char *end;

	*nparams = 0;
	for (; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
			buf_putc(&b, *p);
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			buf_putc(&b, *p);
			continue;
		}
		if (*p == '?' && p[1] >= '1' && p[1] <= '9') {
			n = strtol(p + 1, &end, 10);
			if (n > *nparams && n < 10000)
				*nparams = (int)n;
			buf_printf(&b, "$%ld", n);
			p = end - 1;
			continue;
		}
		buf_putc(&b, *p);
	}
	return buf_steal(&b);
}

/* A parameter the SQL does not use ("WHERE id = ?3" alone) has no type
 * the server could infer: it is text, and never looked at. */
static void
pg_unused_as_text(struct pg_stmt *p)
{
	const char *q;
	char tag[16];
	size_t n;
	int k;

	for (k = 1; k <= p->nparams; k++) {
		n = (size_t)snprintf(tag, sizeof(tag), "$%d", k);
		for (q = strstr(p->text, tag); q != NULL;
		    q = strstr(q + 1, tag))
			if (q[n] < '0' || q[n] > '9')
				break;
		if (q == NULL)
			p->types[k - 1] = PG_TEXT;
	}
}

static struct store_stmt *
pg_prepare(struct store *st, const char *sql)
{
	struct pg_stmt *p;

	p = xcalloc(1, sizeof(*p));
	p->base.st = st;
	p->base.sql = xstrdup(sql);
	p->text = pg_rewrite(sql, &p->nparams);
	if (p->nparams > 0) {
		p->values = xcalloc((size_t)p->nparams, sizeof(*p->values));
		p->lengths = xcalloc((size_t)p->nparams, sizeof(*p->lengths));
		p->formats = xcalloc((size_t)p->nparams, sizeof(*p->formats));
		p->types = xcalloc((size_t)p->nparams, sizeof(*p->types));
	}
	pg_unused_as_text(p);
	p->row = -1;
	return &p->base;
}

static void
pg_reset(struct store_stmt *s)
{
	struct pg_stmt *p = pg_s(s);
	int i;

	/* Its answer is on the way: read (and dropped) with the others. */
	if (p->sent)
		store_pg_wait(s->st, NULL);
	p->failed = false;
	PQclear(p->res);
	p->res = NULL;
	p->row = -1;
	store_pg_blob_free(p);
	p->too_long = false;
	for (i = 0; i < p->nparams; i++) {
		free(p->values[i]);
		p->values[i] = NULL;
		p->lengths[i] = 0;
		p->formats[i] = 0;
	}
}

static void
pg_finalize(struct store_stmt *s)
{
	struct pg_stmt *p = pg_s(s);

	pg_reset(s);
	free(p->values);
	free(p->lengths);
	free(p->formats);
	free(p->types);
	free(p->text);
	free(s->sql);
	free(p);
}

int
store_pg_prepared(struct store *st, struct pg_stmt *p)
{
	struct pg_conn *pc = pg_conn(st);
	PGresult *res;

	if (p->generation == pc->generation + 1)
		return 0;
	if (store_pg_wait(st, NULL) == -1)
		return -1;
	snprintf(p->name, sizeof(p->name), "npsgate_%u", ++pc->next_name);
	res = PQprepare(pc->c, p->name, p->text, p->nparams, p->types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_pg_note(st, res, NULL);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	p->generation = pc->generation + 1;
	return 0;
}

/* store_pg_count_changes - see db_pg_int.h. */
void
store_pg_count_changes(struct pg_conn *pc, PGresult *res)
{
	const char *n = PQcmdTuples(res);

	if (n != NULL && n[0] != '\0')
		pc->changes = strtoll(n, NULL, 10);
}

static int
pg_step(struct store_stmt *s)
{
	struct pg_stmt *p = pg_s(s);
	struct store *st = s->st;
	struct pg_conn *pc = pg_conn(st);
	ExecStatusType status;

	if (p->failed)
		return -1;
	/* Sent earlier, or statements sent before it: it waits for their
	 * answers and its own in one round trip. */
	if (p->res == NULL && (p->sent || pc->npend > 0)) {
		store_pg_wait(st, p->sent ? NULL : p);
		if (p->failed)
			return -1;
		if (p->res == NULL) {
			store_db_note(st, false, "no answer from the server");
			return -1;
		}
	}
	if (p->res == NULL) {
		if (p->too_long) {
			store_db_note(st, false, "a value bound is over 2 GB");
			return -1;
		}
		if (store_pg_ready(st) == -1 || store_pg_prepared(st, p) == -1)
			return -1;
		p->res = PQexecPrepared(pc->c, p->name, p->nparams,
		    (const char *const *)p->values, p->lengths, p->formats,
		    0);
		status = PQresultStatus(p->res);
		if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
			store_pg_note(st, p->res, NULL);
			PQclear(p->res);
			p->res = NULL;
			return -1;
		}
		store_pg_count_changes(pc, p->res);
		p->row = -1;
	}
	store_pg_blob_free(p);
	if (p->row + 1 < PQntuples(p->res)) {
		p->row++;
		return STORE_ROW;
	}
	return STORE_DONE;
}

static int64_t
pg_changes(struct store *st)
{
	return pg_conn(st)->changes;
}

/* Whether sql opens or ends a transaction, for pg_ready's rule. */
static void
pg_track_tx(struct pg_conn *pc, const char *sql, bool ok)
{
	if (strncmp(sql, "BEGIN", 5) == 0)
		pc->in_tx = ok;
	else if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0)
		pc->in_tx = false;
}

static int
pg_exec(struct store *st, const char *sql)
{
	struct pg_conn *pc = pg_conn(st);
	ExecStatusType status;
	PGresult *res;

	/* A COMMIT behind statements in the pipeline goes with them, and
	 * passes only if they all did. */
	if (pc->piped && strcmp(sql, "COMMIT") == 0) {
		int r = store_pg_end(st, sql);

		pg_track_tx(pc, sql, r == 0);
		return r;
	}
	/* What the pipeline holds is answered first. */
	if (store_pg_wait(st, NULL) == -1 && strcmp(sql, "ROLLBACK") != 0) {
		pg_track_tx(pc, sql, false);
		return -1;
	}
	if (strcmp(sql, "ROLLBACK") == 0 && PQstatus(pc->c) != CONNECTION_OK) {
		pc->in_tx = false;
		return 0;
	}
	if (store_pg_ready(st) == -1)
		return -1;
	/* A transaction opens without a round trip of its own: its BEGIN
	 * goes ahead of its first statements. */
	if (strncmp(sql, "BEGIN", 5) == 0)
		return store_pg_begin(st, sql) == 0 ? 0 : -1;
	res = PQexec(pc->c, sql);
	status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		store_pg_note(st, res, NULL);
		PQclear(res);
		pg_track_tx(pc, sql, false);
		return -1;
	}
	store_pg_count_changes(pc, res);
	PQclear(res);
	pg_track_tx(pc, sql, true);
	return 0;
}

static bool
pg_in_tx(struct store *st)
{
	struct pg_conn *pc = pg_conn(st);

	return pc->in_tx || PQtransactionStatus(pc->c) == PQTRANS_INTRANS ||
	    PQtransactionStatus(pc->c) == PQTRANS_INERROR;
}

/* One integer from sql (no parameters): 0, or -1 with the reason kept. */
static int
pg_query_int(struct store *st, const char *sql, int64_t *out)
{
	struct pg_conn *pc = pg_conn(st);
	PGresult *res;

	if (store_pg_wait(st, NULL) == -1 || store_pg_ready(st) == -1)
		return -1;
	res = PQexec(pc->c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		store_pg_note(st, res, NULL);
		PQclear(res);
		return -1;
	}
	*out = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ?
	    strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return 0;
}

/* The table does not exist before the first migration: no error then,
 * which would abort the transaction the migration runs in. */
static int
pg_version_read(struct store *st, int *out)
{
	int64_t v;

	/* pg_tables, not to_regclass(): a query of the catalog sees what
	 * another program's migration committed while this one waited for
	 * the lock; the server's cache of names may not yet. */
	if (pg_query_int(st, "SELECT count(*) FROM pg_catalog.pg_tables WHERE"
	    " schemaname = current_schema() AND tablename ="
	    " 'schema_version'", &v) == -1)
		return -1;
	if (v == 1 && pg_query_int(st, "SELECT max(version) FROM"
	    " schema_version", &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
pg_version_write(struct store *st, int version)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "DELETE FROM schema_version; INSERT INTO"
	    " schema_version (version) VALUES (%d)", version);
	return pg_exec(st, sql);
}

/* The key of the schema's advisory lock: "npsgat" in ASCII. */
static int
pg_migrate_lock(struct store *st)
{
	int64_t v;

	return pg_query_int(st, "SELECT 0 FROM pg_advisory_xact_lock("
	    "121424386138484)", &v);
}

/* --- opening --------------------------------------------------------- */

/* The notices of the server (a table that exists already...) are not
 * for the log of every program. */
static void
pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int
pg_open(struct store *st, const char *where, struct npserr *err)
{
	struct buf name = BUF_INIT;
	struct pg_conn *pc;
	PQconninfoOption *opts;
	char *why = NULL;
	size_t i;

	opts = PQconninfoParse(where, &why);
	if (opts == NULL) {
		npserr_set(err, "store: cannot read the PostgreSQL address:"
		    " %s", why != NULL ? why : "out of memory");
		PQfreemem(why);
		return -1;
	}
	for (i = 0; opts[i].keyword != NULL; i++) {
		if (strcmp(opts[i].keyword, "password") == 0 &&
		    opts[i].val != NULL && opts[i].val[0] != '\0') {
			PQconninfoFree(opts);
			npserr_set(err, "store: the PostgreSQL address holds a"
			    " password; put it in the password file"
			    " (~/.pgpass or PGPASSFILE) instead");
			return -1;
		}
	}
	PQconninfoFree(opts);
	pc = xcalloc(1, sizeof(*pc));
	st->conn = pc;
	/* A server that does not answer must not hold a mail for ever:
	 * connect_timeout is 10 s unless the address says otherwise (its
	 * own parameters, expanded from dbname, come after and win). */
	pc->c = PQconnectdbParams((const char *const[]){ "connect_timeout",
	    "dbname", NULL }, (const char *const[]){ "10", where, NULL }, 1);
	if (PQstatus(pc->c) != CONNECTION_OK) {
		store_db_note(st, false, "%s", PQerrorMessage(pc->c));
		return store_db_fail(st, err, "cannot connect");
	}
	PQsetNoticeProcessor(pc->c, pg_quiet, NULL);
	if (pg_session_setup(st) == -1)
		return store_db_fail(st, err, "cannot set up the connection");
	/* Messages name the server the way a URL would, without the rest
	 * of the address. */
	buf_printf(&name, "postgresql://%s@%s:%s/%s", PQuser(pc->c),
	    PQhost(pc->c), PQport(pc->c), PQdb(pc->c));
	free(st->path);
	st->path = buf_steal(&name);
	return 0;
}

static void
pg_close(struct store *st)
{
	struct pg_conn *pc = pg_conn(st);

	store_pg_pipe_drop(st);
	PQfinish(pc->c);
	free(pc);
	st->conn = NULL;
}

const struct store_backend store_backend_pg = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.bind_int64 = store_pg_bind_int64,
	.bind_double = store_pg_bind_double,
	.bind_text = store_pg_bind_text,
	.bind_blob = store_pg_bind_blob,
	.step = pg_step,
	.send = store_pg_send,
	.later = store_pg_later,
	.reset = pg_reset,
	.col_count = store_pg_col_count,
	.col_name = store_pg_col_name,
	.col_type = store_pg_col_type,
	.col_int64 = store_pg_col_int64,
	.col_double = store_pg_col_double,
	.col_text = store_pg_col_text,
	.col_bytes = store_pg_col_bytes,
	.col_blob = store_pg_col_blob,
	.changes = pg_changes,
	.exec = pg_exec,
	.checkpoint = NULL,
	.in_tx = pg_in_tx,
	.begin_sql = "BEGIN",
	.read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ",
	.version_read = pg_version_read,
	.version_write = pg_version_write,
	.migrate_lock = pg_migrate_lock,
};

