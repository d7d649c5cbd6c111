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
#define PG_INT8 20
#define PG_INT2 21
#define PG_INT4 23
#define PG_TEXT 25
#define PG_OID 26
#define PG_FLOAT4 700
#define PG_FLOAT8 701
#define PG_NUMERIC 1700

struct pg_conn {
	PGconn *c;
	unsigned generation;	/* grows at each reconnection */
	unsigned next_name;	/* statements are named npsgate_N */
	int64_t changes;
	bool in_tx;		/* a BEGIN went through, no end yet */
};

struct pg_stmt {
	struct store_stmt base;	/* first: the store's view */
	char *text;		/* the SQL with $N */
	int nparams;
	char name[32];
	unsigned generation;	/* prepared on this connection; 0: not */
	char **values;		/* bound values, text; NULL for NULL */
	int *lengths;
	Oid *types;
	PGresult *res;		/* of the current run, NULL before */
	int row;		/* current row, -1 before the first */
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
int store_pg_col_count(struct store_stmt *s);
const char *store_pg_col_name(struct store_stmt *s, int i);
enum store_col_type store_pg_col_type(struct store_stmt *s, int i);
int64_t store_pg_col_int64(struct store_stmt *s, int i);
double store_pg_col_double(struct store_stmt *s, int i);
const char *store_pg_col_text(struct store_stmt *s, int i);
size_t store_pg_col_bytes(struct store_stmt *s, int i);
/* Prepares p on the current connection, if not done yet; 0 or -1. */
int store_pg_prepared(struct store *st, struct pg_stmt *p);
/* Reconnects a lost connection outside a transaction; 0 when usable. */
int store_pg_ready(struct store *st);

#endif
