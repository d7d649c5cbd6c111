/*
 * store.c - the store's connection, whatever the database: opening it
 * (SQLite for a path, PostgreSQL for a server's address), migrating its
 * schema, and closing it; see store.h for the contract, store_db.h for
 * the parts other lib modules reach and store_int.h for what the pieces
 * of the store share: the databases in db_sqlite.c and db_pg.c,
 * statements in store_stmt.c, write transactions in store_tx.c, the
 * schema in store_schema.c, surveys in store_survey.c, events and
 * opt-outs in store_event.c, replies in store_ingest.c.
 *
 * One struct store is one connection, used by one thread at a time;
 * threads (the milter's workers) each open their own, and the database
 * orders them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

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
	store_tx_abort(st);
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
