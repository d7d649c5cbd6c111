/*
 * db_pg_int.h - what the two files of the PostgreSQL backend share (not
 * an interface): the connection's and the statement's structs, and the
 * parameters and columns that db_pg_row.c handles for db_pg.c.
 */
#ifndef NPSGATE_DB_PG_INT_H
#define NPSGATE_DB_PG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store_db.h"
#include "store/store_int.h"

/* Type OIDs of PostgreSQL's catalog (pg_type.dat), stable since 7.x. */
#define PG_BOOL 16
#define PG_BYTEA 17
#define PG_INT8 20
#define PG_INT2 21
#define PG_INT4 23
#define PG_TEXT 25
#define PG_OID 26
#define PG_FLOAT4 700
#define PG_FLOAT8 701
#define PG_NUMERIC 1700

/* A statement sent in the pipeline whose result has not been read: a
 * statement whose rows are wanted (p), or a write known by what it does
 * (what, for the message of its failure). */
struct pg_pending {
	struct pg_stmt *p;
	char *what;
	struct pg_stmt *prepared;	/* a Prepare of this statement */
};

/* Statements in the pipeline at most; then the program waits for them. */
#define PG_PIPE_MAX 128

struct pg_conn {
	PGconn *c;
	unsigned generation;	/* grows at each reconnection */
	unsigned next_name;	/* statements are named npsgate_N */
	int64_t changes;
	bool in_tx;		/* a BEGIN went through, no end yet */
	bool piped;		/* in libpq's pipeline mode */
	struct pg_pending pend[PG_PIPE_MAX];	/* sent, not answered */
	size_t npend;
};

struct pg_stmt {
	struct store_stmt base;	/* first: the store's view */
	char *text;		/* the SQL with $N */
	int nparams;
	char name[32];
	unsigned generation;	/* prepared on this connection; 0: not */
	char **values;		/* bound values, text; NULL for NULL */
	int *lengths;
	int *formats;		/* 1: binary (a blob), 0: text */
	Oid *types;
	PGresult *res;		/* of the current run, NULL before */
	int row;		/* current row, -1 before the first */
	unsigned char *blob;	/* store_col_blob's last value (PQfreemem) */
	bool too_long;		/* a value bound was over libpq's limit */
	bool sent;		/* in the pipeline, not answered yet */
	bool failed;		/* the pipeline's answer was a failure */
};

static inline struct pg_conn *
pg_conn(struct store *st)
{
	return st->conn;
}

static inline struct pg_stmt *
pg_s(struct store_stmt *s)
{
	return (struct pg_stmt *)s;
}

/* db_pg_row.c: parameters (text, of the type first bound) and the
 * columns of the current row (text format). */
void store_pg_bind_int64(struct store_stmt *s, int idx, int64_t v);
void store_pg_bind_double(struct store_stmt *s, int idx, double v);
void store_pg_bind_text(struct store_stmt *s, int idx, const char *text,
    size_t len);
void store_pg_bind_blob(struct store_stmt *s, int idx, const void *data,
    size_t len);
int store_pg_col_count(struct store_stmt *s);
const char *store_pg_col_name(struct store_stmt *s, int i);
enum store_col_type store_pg_col_type(struct store_stmt *s, int i);
int64_t store_pg_col_int64(struct store_stmt *s, int i);
double store_pg_col_double(struct store_stmt *s, int i);
const char *store_pg_col_text(struct store_stmt *s, int i);
size_t store_pg_col_bytes(struct store_stmt *s, int i);
const void *store_pg_col_blob(struct store_stmt *s, int i, size_t *len);
/* Frees what store_pg_col_blob decoded. */
void store_pg_blob_free(struct pg_stmt *p);
/* Prepares p on the current connection, if not done yet; 0 or -1. */
int store_pg_prepared(struct store *st, struct pg_stmt *p);
/* Reconnects a lost connection outside a transaction; 0 when usable. */
int store_pg_ready(struct store *st);
/* Keeps the message of a failed result (NULL: the connection's), with
 * what failed in front of it when what is not NULL. */
void store_pg_note(struct store *st, const PGresult *res, const char *what);

/* The rows a statement changed, from its result. */
void store_pg_count_changes(struct pg_conn *pc, PGresult *res);

/* db_pg_pipe.c: statements sent without waiting for their answers. */
/* backend .send and .later; see store_int.h. */
void store_pg_send(struct store_stmt *s);
int store_pg_later(struct store_stmt *s, const char *what);
/* Sends p too, when the pipeline holds statements (its answer then
 * comes in the same round trip as theirs), and waits for every answer:
 * 0, or -1 when one failed (its message kept). Nothing to do: 0. */
int store_pg_wait(struct store *st, struct pg_stmt *p);
/* Sends sql, a BEGIN, in the pipeline: the transaction is open for
 * what follows, and its failure fails the first statement that waits.
 * 0, or -1 when it could not be sent. */
int store_pg_begin(struct store *st, const char *sql);
/* Sends sql, a COMMIT, behind the statements in the pipeline and waits
 * for all: 0 when they and the commit passed, -1 (the first failure's
 * message kept). */
int store_pg_end(struct store *st, const char *sql);
/* Forgets what the pipeline holds, on a connection that is gone. */
void store_pg_pipe_drop(struct store *st);

#endif
