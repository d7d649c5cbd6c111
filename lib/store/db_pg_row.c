/*
 * db_pg_row.c - the parameters and the columns of a statement on
 * PostgreSQL (db_pg.c runs it): values go as text with the type of the
 * first value bound to each parameter, and come back as text, read from
 * the current row of the run's one PGresult.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/xalloc.h"
#include "store/db_pg_int.h"
#include "store/store_db.h"
#include "store/store_int.h"

static void
pg_bind(struct store_stmt *s, int idx, char *value, int len, Oid type)
{
	struct pg_stmt *p = pg_s(s);

	if (idx < 1 || idx > p->nparams) {
		free(value);
		return;
	}
	free(p->values[idx - 1]);
	p->values[idx - 1] = value;
	p->lengths[idx - 1] = len;
	/* The type a parameter is prepared with: the first one bound. */
	if (p->generation == 0 && type != 0)
		p->types[idx - 1] = type;
}

void
store_pg_bind_int64(struct store_stmt *s, int idx, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	pg_bind(s, idx, xstrdup(tmp), n, PG_INT8);
}

void
store_pg_bind_double(struct store_stmt *s, int idx, double v)
{
	char tmp[40];
	int n = snprintf(tmp, sizeof(tmp), "%.17g", v);

	pg_bind(s, idx, xstrdup(tmp), n, PG_FLOAT8);
}

void
store_pg_bind_text(struct store_stmt *s, int idx, const char *text, size_t len)
{
	if (text == NULL) {
		pg_bind(s, idx, NULL, 0, 0);
		return;
	}
	/* Text ends at a NUL on PostgreSQL. */
	len = strnlen(text, len);
	pg_bind(s, idx, xstrndup(text, len), (int)len, PG_TEXT);
}

/* Prepares p on the current connection, if not done yet. */

static bool
pg_on_row(struct pg_stmt *p, int i)
{
	return p->res != NULL && p->row >= 0 && p->row < PQntuples(p->res) &&
	    i >= 0 && i < PQnfields(p->res);
}

int
store_pg_col_count(struct store_stmt *s)
{
	struct pg_stmt *p = pg_s(s);
	PGresult *res;
	int n;

	if (p->res != NULL)
		return PQnfields(p->res);
	/* Before a run: what the server says the statement returns. */
	if (store_pg_ready(s->st) == -1 || store_pg_prepared(s->st, p) == -1)
		return 0;
	res = PQdescribePrepared(pg_conn(s->st)->c, p->name);
	n = PQresultStatus(res) == PGRES_COMMAND_OK ? PQnfields(res) : 0;
	PQclear(res);
	return n;
}

const char *
store_pg_col_name(struct store_stmt *s, int i)
{
	struct pg_stmt *p = pg_s(s);

	return p->res != NULL ? PQfname(p->res, i) : NULL;
}

enum store_col_type
store_pg_col_type(struct store_stmt *s, int i)
{
	struct pg_stmt *p = pg_s(s);

	if (!pg_on_row(p, i) || PQgetisnull(p->res, p->row, i))
		return STORE_COL_NULL;
	switch (PQftype(p->res, i)) {
	case PG_BOOL:
	case PG_INT2:
	case PG_INT4:
	case PG_INT8:
	case PG_OID:
		return STORE_COL_INT;
	case PG_FLOAT4:
	case PG_FLOAT8:
	case PG_NUMERIC:
		return STORE_COL_FLOAT;
	default:
		return STORE_COL_TEXT;
	}
}

int64_t
store_pg_col_int64(struct store_stmt *s, int i)
{
	struct pg_stmt *p = pg_s(s);
	const char *v;

	if (!pg_on_row(p, i) || PQgetisnull(p->res, p->row, i))
		return 0;
	v = PQgetvalue(p->res, p->row, i);
	if (PQftype(p->res, i) == PG_BOOL)
		return v[0] == 't';
	if (PQftype(p->res, i) == PG_NUMERIC || PQftype(p->res, i) ==
	    PG_FLOAT8 || PQftype(p->res, i) == PG_FLOAT4)
		return (int64_t)strtod(v, NULL);
	return strtoll(v, NULL, 10);
}

double
store_pg_col_double(struct store_stmt *s, int i)
{
	struct pg_stmt *p = pg_s(s);

	if (!pg_on_row(p, i) || PQgetisnull(p->res, p->row, i))
		return 0;
	if (PQftype(p->res, i) == PG_BOOL)
		return PQgetvalue(p->res, p->row, i)[0] == 't';
	return strtod(PQgetvalue(p->res, p->row, i), NULL);
}

const char *
store_pg_col_text(struct store_stmt *s, int i)
{
	struct pg_stmt *p = pg_s(s);

	if (!pg_on_row(p, i) || PQgetisnull(p->res, p->row, i))
		return NULL;
	if (PQftype(p->res, i) == PG_BOOL)
		return PQgetvalue(p->res, p->row, i)[0] == 't' ? "1" : "0";
	return PQgetvalue(p->res, p->row, i);
}

size_t
store_pg_col_bytes(struct store_stmt *s, int i)
{
	const char *t = store_pg_col_text(s, i);

	return t != NULL ? strlen(t) : 0;
}

