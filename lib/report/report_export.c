/*
 * report_export.c - the whole store as JSON lines and back: export and
 * import; see report.h for the contract.
 *
 * Export reads every table in one read transaction, so that the tables
 * agree with each other while the milter and the hook write. Import
 * writes in one transaction, with the foreign key checks deferred to its
 * commit: the file loads whole or not at all. Table and column names in
 * the SQL come from the store's own schema, never from the file; the
 * file's values are always bound.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "store/store_db.h"

/* The tables of the store go out in this order (surveys before what
 * refers to them, for a reader's sake: import defers the foreign key
 * checks to its commit anyway), then any other table (later migrations)
 * by name. */
static const char *const report_tables[] = {
	"meta", "surveys", "responses", "comments", "events", "processed",
	"unsubscribed", "anonymous_counts"
};
#define REPORT_TABLE_COUNT (sizeof(report_tables) / sizeof(report_tables[0]))

struct report_tlist {
	char **name;		/* owned */
	size_t n;
};

static size_t
report_table_rank(const char *name)
{
	size_t i;

	for (i = 0; i < REPORT_TABLE_COUNT; i++)
		if (strcmp(name, report_tables[i]) == 0)
			return i;
	return REPORT_TABLE_COUNT;
}

static int
report_tlist_cmp(const void *x, const void *y)
{
	const char *a = *(char *const *)x, *b = *(char *const *)y;
	size_t ra = report_table_rank(a), rb = report_table_rank(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a, b);
}

static void
report_tlist_free(struct report_tlist *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t->name);
	t->name = NULL;
	t->n = 0;
}

/* The store's tables (not SQLite's own), in export order. */
static int
report_tlist_get(struct store *st, struct report_tlist *t,
    struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	t->name = NULL;
	t->n = 0;
	/* The database's own tables are not the store's, nor is the
	 * schema's version, which each store keeps in its own way. */
	s = store_db_prepare(st, store_is_pg(st) ? "SELECT table_name FROM"
	    " information_schema.tables WHERE table_schema ="
	    " current_schema() AND table_type = 'BASE TABLE' AND table_name"
	    " <> 'schema_version'" : "SELECT name FROM sqlite_master WHERE"
	    " type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
	    err);
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		t->name = xrealloc(t->name, (t->n + 2) * sizeof(*t->name));
		t->name[t->n] = xstrdup(report_col_text(s, 0));
		t->n++;
	}
	store_db_done(s);
	if (rc != STORE_DONE) {
		report_tlist_free(t);
		return store_db_fail(st, err, "cannot list the tables");
	}
	if (t->n > 0)
		qsort(t->name, t->n, sizeof(*t->name), report_tlist_cmp);
	return 0;
}

static int
report_table_exists(struct store *st, const char *table, int *out,
    struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	s = store_db_prepare(st, store_is_pg(st) ? "SELECT 1 FROM"
	    " information_schema.tables WHERE table_schema ="
	    " current_schema() AND table_name = ?1" : "SELECT 1 FROM"
	    " sqlite_master WHERE type = 'table' AND name = ?1", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, table);
	rc = store_step(s);
	*out = rc == STORE_ROW;
	store_db_done(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_db_fail(st, err, "cannot look for table %s",
		    table);
	return 0;
}

static int
report_export_table(struct store *st, const char *table, FILE *fp,
    struct npserr *err)
{
	struct buf sql = BUF_INIT, line = BUF_INIT;
	struct store_stmt *s;
	int rc, ncol, k, count;

	/* SQLite: the order rows were written in. PostgreSQL has no such
	 * order: by the key, which every table starts with. */
	buf_printf(&sql, "SELECT * FROM \"%s\" ORDER BY %s", table,
	    store_is_pg(st) ? "1, 2" : "rowid");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	ncol = store_col_count(s);
	while ((rc = store_step(s)) == STORE_ROW) {
		buf_reset(&line);
		count = 0;
		buf_putc(&line, '{');
		json_member_str(&line, &count, "table", table);
		for (k = 0; k < ncol; k++) {
			json_member_key(&line, &count,
			    store_col_name(s, k));
			switch (store_col_type(s, k)) {
			case STORE_COL_INT:
				buf_printf(&line, "%lld", (long long)
				    store_col_int64(s, k));
				break;
			case STORE_COL_FLOAT:
				buf_printf(&line, "%.17g",
				    store_col_double(s, k));
				break;
			case STORE_COL_NULL:
				buf_puts(&line, "null");
				break;
			default:
				/* Text; a blob (none in the schema) is
				 * written as the text of its bytes. */
				json_append_string(&line, store_col_text(s, k),
				    (size_t)store_col_bytes(s, k));
				break;
			}
		}
		buf_puts(&line, "}\n");
		if (fwrite(line.data, 1, line.len, fp) != line.len) {
			npserr_set(err, "export: cannot write: %s",
			    "output error");
			rc = STORE_DONE;
			store_db_done(s);
			buf_free(&line);
			return -1;
		}
	}
	store_db_done(s);
	buf_free(&line);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read table %s",
		    table);
	return 0;
}

int
report_export(struct store *st, FILE *fp, struct npserr *err)
{
	struct report_tlist t;
	size_t i;

	/* One read transaction: the tables agree with each other even
	 * while the milter and the hook write. */
	if (store_db_read_begin(st, err) == -1)
		return -1;
	if (report_tlist_get(st, &t, err) == -1) {
		store_db_read_end(st);
		return -1;
	}
	fprintf(fp, "{\"npsgate_export\":1,\"schema_version\":%d}\n",
	    store_schema_version(st));
	for (i = 0; i < t.n; i++) {
		if (report_export_table(st, t.name[i], fp, err) == -1) {
			store_db_read_end(st);
			report_tlist_free(&t);
			return -1;
		}
	}
	report_tlist_free(&t);
	store_db_read_end(st);
	if (fflush(fp) != 0 || ferror(fp)) {
		npserr_set(err, "export: cannot write the output");
		return -1;
	}
	return 0;
}

/* The columns of table, NULL-terminated; caller frees each and the
 * array. */
static char **
report_table_columns(struct store *st, const char *table, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	char **cols = NULL;
	size_t n = 0;
	int rc;

	if (store_is_pg(st))
		buf_puts(&sql, "SELECT 0, column_name FROM"
		    " information_schema.columns WHERE table_schema ="
		    " current_schema() AND table_name = ?1 ORDER BY"
		    " ordinal_position");
	else
		buf_printf(&sql, "PRAGMA table_info(\"%s\")", table);
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return NULL;
	if (store_is_pg(st))
		store_bind_text(s, 1, table);
	while ((rc = store_step(s)) == STORE_ROW) {
		cols = xrealloc(cols, (n + 2) * sizeof(*cols));
		cols[n++] = xstrdup(report_col_text(s, 1));
		cols[n] = NULL;
	}
	store_db_done(s);
	if (rc != STORE_DONE || n == 0) {
		while (n > 0)
			free(cols[--n]);
		free(cols);
		store_db_fail(st, err, "cannot read the columns of %s",
		    table);
		return NULL;
	}
	return cols;
}

static void
report_columns_free(char **cols)
{
	size_t i;

	if (cols == NULL)
		return;
	for (i = 0; cols[i] != NULL; i++)
		free(cols[i]);
	free(cols);
}

static bool
report_is_column(char *const *cols, const char *name)
{
	size_t i;

	for (i = 0; cols[i] != NULL; i++)
		if (strcmp(cols[i], name) == 0)
			return true;
	return false;
}

static int
report_import_empty(struct store *st, const struct report_tlist *t,
    struct npserr *err)
{
	size_t i;
	struct buf sql = BUF_INIT;
	int64_t n;
	int exists;

	for (i = 0; i < t->n; i++) {
		/* meta holds the store's own facts, which import replaces. */
		if (strcmp(t->name[i], "meta") == 0)
			continue;
		if (report_table_exists(st, t->name[i], &exists, err) == -1)
			return -1;
		if (!exists)
			continue;
		buf_reset(&sql);
		buf_printf(&sql, "SELECT count(*) FROM \"%s\"", t->name[i]);
		if (report_count(st, buf_cstr(&sql), 0, &n,
		    err) == -1) {
			buf_free(&sql);
			return -1;
		}
		if (n > 0) {
			npserr_set(err, "import: store %s is not empty (%lld"
			    " rows in %s); import into a new store",
			    store_path(st), (long long)n, t->name[i]);
			buf_free(&sql);
			return -1;
		}
	}
	buf_free(&sql);
	return 0;
}

/* One row of the export: an INSERT of its columns that the table has. */
static int
report_import_row(struct store *st, const struct json_object *o,
    const char *table, char *const *cols, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	const struct json_value *v;
	struct store_stmt *s;
	size_t k;
	int idx = 0, rc;

	buf_printf(&sql, "INSERT INTO \"%s\" (", table);
	for (k = 0; k < o->n; k++) {
		if (strcmp(o->v[k].key, "table") == 0)
			continue;
		if (!report_is_column(cols, o->v[k].key)) {
			npserr_set(err, "table %s has no column '%s'", table,
			    o->v[k].key);
			buf_free(&sql);
			return -1;
		}
		/* Column names come from the schema, not from the file. */
		buf_printf(&sql, "%s\"%s\"", idx++ ? ", " : "", o->v[k].key);
	}
	buf_puts(&sql, ") VALUES (");
	for (k = 0; k < (size_t)idx; k++)
		buf_printf(&sql, "%s?%zu", k ? ", " : "", k + 1);
	buf_puts(&sql, ")");
	/* meta holds the store's own facts, which the file's replace. */
	if (strcmp(table, "meta") == 0)
		buf_puts(&sql, " ON CONFLICT (key) DO UPDATE SET value ="
		    " excluded.value");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	idx = 0;
	for (k = 0; k < o->n; k++) {
		v = &o->v[k];
		if (strcmp(v->key, "table") == 0)
			continue;
		idx++;
		switch (v->kind) {
		case JSON_NULL:
			store_bind_null(s, idx);
			break;
		case JSON_BOOL:
			store_bind_int64(s, idx, v->b);
			break;
		case JSON_INT:
			store_bind_int64(s, idx, v->i);
			break;
		case JSON_REAL:
			store_bind_double(s, idx, v->d);
			break;
		case JSON_STRING:
			store_bind_textn(s, idx, v->s, v->len);
			break;
		}
	}
	rc = store_step(s);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot insert into %s",
		    table);
	return 0;
}

/* The first line of an export: its header, with a schema version this
 * store can take. */
static int
report_import_header(struct store *st, const struct json_object *o,
    const char *name, struct npserr *err)
{
	const struct json_value *t;

	t = json_object_get(o, "schema_version");
	if (json_object_get(o, "npsgate_export") == NULL || t == NULL ||
	    t->kind != JSON_INT) {
		npserr_set(err, "import %s:1: not an npsgate export (no"
		    " npsgate_export header)", name);
		return -1;
	}
	/* Migrations only add tables and columns, so an older export fits
	 * a newer store (what it lacks takes the defaults); a newer one may
	 * not fit. */
	if (t->i < 1 || t->i > store_schema_version(st)) {
		npserr_set(err, "import %s:1: schema version %lld, newer than"
		    " this store's %d; import with the npsgate that exported"
		    " it", name, (long long)t->i, store_schema_version(st));
		return -1;
	}
	return 0;
}

/* The lines of an export, each row inserted into its table; a table's
 * columns are read when its first row comes. */
static int
report_import_lines(struct store *st, FILE *fp, const char *name,
    const struct report_tlist *tl, struct npserr *err)
{
	char ***cols = xcalloc(tl->n + 1, sizeof(*cols));
	struct json_object o = { NULL, 0 };
	const struct json_value *t;
	struct npserr e2;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t len;
	long lineno = 0;
	int r = -1;

	while ((len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (json_parse_object(line, (size_t)len, &o, &e2) == -1) {
			npserr_set(err, "import %s:%ld: %s", name, lineno,
			    e2.msg);
			goto out;
		}
		if (lineno == 1) {
			if (report_import_header(st, &o, name, err) == -1)
				goto out;
			json_object_clear(&o);
			continue;
		}
		t = json_object_get(&o, "table");
		for (i = 0; t != NULL && t->kind == JSON_STRING &&
		    i < tl->n; i++)
			if (strcmp(t->s, tl->name[i]) == 0)
				break;
		if (t == NULL || t->kind != JSON_STRING || i == tl->n) {
			npserr_set(err, "import %s:%ld: no \"table\" of this"
			    " store", name, lineno);
			goto out;
		}
		if (cols[i] == NULL) {
			cols[i] = report_table_columns(st, tl->name[i], &e2);
			if (cols[i] == NULL) {
				npserr_set(err, "import %s:%ld: %s", name,
				    lineno, e2.msg);
				goto out;
			}
		}
		if (report_import_row(st, &o, tl->name[i], cols[i],
		    &e2) == -1) {
			npserr_set(err, "import %s:%ld: %s", name, lineno,
			    e2.msg);
			goto out;
		}
		json_object_clear(&o);
	}
	if (ferror(fp)) {
		npserr_set(err, "import %s: read error", name);
		goto out;
	}
	if (lineno == 0) {
		npserr_set(err, "import %s: empty file", name);
		goto out;
	}
	r = 0;
out:
	json_object_clear(&o);
	free(line);
	for (i = 0; i < tl->n; i++)
		report_columns_free(cols[i]);
	free(cols);
	return r;
}

/* PostgreSQL: the identity columns' sequences go past the ids the file
 * gave, so that the next row written gets a new one. SQLite takes the
 * next rowid from the table itself. */
static int
report_import_ids(struct store *st, const struct report_tlist *t,
    struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	size_t i;
	int rc;

	if (!store_is_pg(st))
		return 0;
	for (i = 0; i < t->n; i++) {
		s = store_db_prepare(st, "SELECT 1 FROM"
		    " information_schema.columns WHERE table_schema ="
		    " current_schema() AND table_name = ?1 AND column_name ="
		    " 'id' AND is_identity = 'YES'", err);
		if (s == NULL)
			return -1;
		store_bind_text(s, 1, t->name[i]);
		rc = store_step(s);
		store_db_done(s);
		if (rc == -1)
			return store_db_fail(st, err, "cannot read the columns"
			    " of %s", t->name[i]);
		if (rc == STORE_DONE)
			continue;
		buf_reset(&sql);
		/* Table names come from the schema, not from the file. */
		buf_printf(&sql, "SELECT setval(pg_get_serial_sequence(?1,"
		    " 'id'), (SELECT coalesce(max(id), 0) + 1 FROM \"%s\"),"
		    " false)", t->name[i]);
		s = store_db_prepare(st, buf_cstr(&sql), err);
		if (s == NULL) {
			buf_free(&sql);
			return -1;
		}
		store_bind_text(s, 1, t->name[i]);
		while ((rc = store_step(s)) == STORE_ROW)
			;
		store_db_done(s);
		if (rc != STORE_DONE) {
			buf_free(&sql);
			return store_db_fail(st, err, "cannot set the next id"
			    " of %s", t->name[i]);
		}
	}
	buf_free(&sql);
	return 0;
}

int
report_import(struct store *st, FILE *fp, const char *name,
    struct npserr *err)
{
	/* store_begin, not store_db_write: the file cannot be read twice,
	 * so the transaction is not retried; BEGIN IMMEDIATE waits for the
	 * lock instead. */
	struct report_tlist t;

	if (store_begin(st, err) == -1)
		return -1;
	if (report_tlist_get(st, &t, err) == -1) {
		store_rollback(st);
		return -1;
	}
	if (report_import_empty(st, &t, err) == -1 ||
	    report_exec(st, store_is_pg(st) ? "SET CONSTRAINTS ALL DEFERRED" :
	    "PRAGMA defer_foreign_keys = ON", err) == -1 ||
	    report_import_lines(st, fp, name, &t, err) == -1 ||
	    report_import_ids(st, &t, err) == -1) {
		report_tlist_free(&t);
		store_rollback(st);
		return -1;
	}
	report_tlist_free(&t);
	if (store_commit(st, err) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}
