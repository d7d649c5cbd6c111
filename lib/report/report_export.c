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
 *
 * The columns of bytes (a BLOB on SQLite, a BYTEA on PostgreSQL: the
 * mail of a pending forward) go out as hexadecimal text, since a JSON
 * string holds text and a mail may hold any byte. The header's
 * npsgate_export says so: 2 for hexadecimal bytes; the exports of format
 * 1 wrote those columns as the text of their bytes, and import still
 * takes them as such.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
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

/* The format export writes (its header's npsgate_export), the newest
 * import reads: 2, the columns of bytes in hexadecimal. */
#define REPORT_EXPORT_FORMAT 2

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

/* The columns of a table (below, with import). */
struct report_cols;
static struct report_cols *report_table_columns(struct store *st,
    const char *table, struct npserr *err);
static void report_columns_free(struct report_cols *c);
static int report_column_kind(const struct report_cols *c, const char *name);

/* Appends the n bytes of p as a JSON string of lowercase hexadecimal
 * digits, two for each byte. */
static void
report_append_hex(struct buf *line, const unsigned char *p, size_t n)
{
	static const char digit[] = "0123456789abcdef";
	size_t i;

	buf_reserve(line, 2 * n + 2);
	buf_putc(line, '"');
	for (i = 0; i < n; i++) {
		buf_putc(line, digit[p[i] >> 4]);
		buf_putc(line, digit[p[i] & 0x0f]);
	}
	buf_putc(line, '"');
}

static int
report_export_table(struct store *st, const char *table, FILE *fp,
    struct npserr *err)
{
	struct buf sql = BUF_INIT, line = BUF_INIT;
	struct report_cols *cols;
	struct store_stmt *s;
	bool *bytes;
	int rc, ncol, k, count;

	cols = report_table_columns(st, table, err);
	if (cols == NULL)
		return -1;
	/* SQLite: the order rows were written in. PostgreSQL has no such
	 * order: by the key, which every table starts with. */
	buf_printf(&sql, "SELECT * FROM \"%s\" ORDER BY %s", table,
	    store_is_pg(st) ? "1, 2" : "rowid");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL) {
		report_columns_free(cols);
		return -1;
	}
	ncol = store_col_count(s);
	bytes = xcalloc((size_t)ncol + 1, sizeof(*bytes));
	while ((rc = store_step(s)) == STORE_ROW) {
		/* Which columns of the result hold bytes (their names are
		 * known once a row came): by the column's declared type,
		 * not the value's, since SQLite may keep a text in a BLOB
		 * column and import decodes every string of such a
		 * column. */
		if (cols != NULL) {
			for (k = 0; k < ncol; k++)
				bytes[k] = report_column_kind(cols,
				    store_col_name(s, k)) == 1;
			report_columns_free(cols);
			cols = NULL;
		}
		buf_reset(&line);
		count = 0;
		buf_putc(&line, '{');
		json_member_str(&line, &count, "table", table);
		for (k = 0; k < ncol; k++) {
			json_member_key(&line, &count,
			    store_col_name(s, k));
			if (bytes[k] && store_col_type(s, k) !=
			    STORE_COL_NULL) {
				size_t n;
				const void *b = store_col_blob(s, k, &n);

				report_append_hex(&line, b, n);
				continue;
			}
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
			case STORE_COL_BLOB: {
				/* Bytes in a column not declared as bytes:
				 * SQLite allows it; written as text. */
				size_t n;
				const void *b = store_col_blob(s, k, &n);

				json_append_string(&line, b, n);
				break;
			}
			default:
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
			free(bytes);
			report_columns_free(cols);
			return -1;
		}
	}
	store_db_done(s);
	buf_free(&line);
	free(bytes);
	report_columns_free(cols);
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
	fprintf(fp, "{\"npsgate_export\":%d,\"schema_version\":%d}\n",
	    REPORT_EXPORT_FORMAT, store_schema_version(st));
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

/* The columns of a table, and which of them hold bytes (a BLOB, a
 * BYTEA), which import binds as bytes. */
struct report_cols {
	char **name;
	bool *blob;
	size_t n;
};

static void
report_columns_free(struct report_cols *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	free(c->blob);
	free(c);
}

/* The columns of table; caller frees with report_columns_free. */
static struct report_cols *
report_table_columns(struct store *st, const char *table, struct npserr *err)
{
	struct report_cols *c = xcalloc(1, sizeof(*c));
	struct store_stmt *s;
	int rc;

	if (store_is_pg(st))
		s = store_db_prepare(st, "SELECT CASE WHEN data_type ="
		    " 'bytea' THEN 1 ELSE 0 END, column_name FROM"
		    " information_schema.columns WHERE table_schema ="
		    " current_schema() AND table_name = ?1 ORDER BY"
		    " ordinal_position", err);
	else
		s = store_db_prepare(st, "SELECT CASE WHEN upper(type) ="
		    " 'BLOB' THEN 1 ELSE 0 END, name FROM pragma_table_info(?1)"
		    " ORDER BY cid", err);
	if (s == NULL) {
		free(c);
		return NULL;
	}
	store_bind_text(s, 1, table);
	while ((rc = store_step(s)) == STORE_ROW) {
		c->name = xrealloc(c->name, (c->n + 1) * sizeof(*c->name));
		c->blob = xrealloc(c->blob, (c->n + 1) * sizeof(*c->blob));
		c->blob[c->n] = store_col_int64(s, 0) == 1;
		c->name[c->n++] = xstrdup(report_col_text(s, 1));
	}
	store_db_done(s);
	if (rc != STORE_DONE || c->n == 0) {
		report_columns_free(c);
		store_db_fail(st, err, "cannot read the columns of %s",
		    table);
		return NULL;
	}
	return c;
}

/* 1 when name is a column of bytes, 0 another column, -1 none. */
static int
report_column_kind(const struct report_cols *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return c->blob[i] ? 1 : 0;
	return -1;
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

/* The bytes of a column of bytes, from the hexadecimal string of
 * v (format 2), into out; -1 with err when v is not an even number of
 * hexadecimal digits, rather than bytes made up. */
static int
report_hex_decode(const struct json_value *v, const char *table,
    struct buf *out, struct npserr *err)
{
	size_t i;
	int hi, lo;

	buf_reset(out);
	if (v->len % 2 != 0) {
		npserr_set(err, "%s.%s: %zu hexadecimal digits, not two for"
		    " each byte", table, v->key, v->len);
		return -1;
	}
	buf_reserve(out, v->len / 2 + 1);
	for (i = 0; i < v->len; i += 2) {
		hi = hex_digit((unsigned char)v->s[i]);
		lo = hex_digit((unsigned char)v->s[i + 1]);
		if (hi < 0 || lo < 0) {
			npserr_set(err, "%s.%s: not a hexadecimal digit at"
			    " character %zu of its value", table, v->key,
			    i + 1 + (hi >= 0));
			return -1;
		}
		buf_putc(out, hi << 4 | lo);
	}
	return 0;
}

/* One row of the export: an INSERT of its columns that the table has.
 * format is the export's npsgate_export. */
static int
report_import_row(struct store *st, const struct json_object *o,
    const char *table, const struct report_cols *cols, int format,
    struct npserr *err)
{
	struct buf bytes = BUF_INIT;
	struct buf sql = BUF_INIT;
	const struct json_value *v;
	struct store_stmt *s;
	size_t k;
	int idx = 0, rc;

	buf_printf(&sql, "INSERT INTO \"%s\" (", table);
	for (k = 0; k < o->n; k++) {
		if (strcmp(o->v[k].key, "table") == 0)
			continue;
		if (report_column_kind(cols, o->v[k].key) == -1) {
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
			if (report_column_kind(cols, v->key) != 1) {
				store_bind_textn(s, idx, v->s, v->len);
			} else if (format < 2) {
				/* Format 1 wrote the text of the bytes. */
				store_bind_blob(s, idx, v->s, v->len);
			} else if (report_hex_decode(v, table, &bytes,
			    err) == -1) {
				store_db_done(s);
				buf_free(&bytes);
				return -1;
			} else {
				store_bind_blob(s, idx, bytes.len > 0 ?
				    bytes.data : "", bytes.len);
			}
			break;
		}
	}
	buf_free(&bytes);
	rc = store_step(s);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot insert into %s",
		    table);
	return 0;
}

/* The first line of an export: its header, with a format and a schema
 * version this store can take; *format gets the format. */
static int
report_import_header(struct store *st, const struct json_object *o,
    const char *name, int *format, struct npserr *err)
{
	const struct json_value *t, *f;

	t = json_object_get(o, "schema_version");
	f = json_object_get(o, "npsgate_export");
	if (f == NULL || t == NULL || t->kind != JSON_INT) {
		npserr_set(err, "import %s:1: not an npsgate export (no"
		    " npsgate_export header)", name);
		return -1;
	}
	/* A format this npsgate does not know may hold its bytes in a way
	 * it would store wrong. */
	if (f->kind != JSON_INT || f->i < 1 || f->i > REPORT_EXPORT_FORMAT) {
		npserr_set(err, "import %s:1: export format %s%lld, not one"
		    " this npsgate reads (1 to %d); import with the npsgate"
		    " that exported it", name, f->kind == JSON_INT ? "" :
		    "not a number: ", f->kind == JSON_INT ? (long long)f->i :
		    0LL, REPORT_EXPORT_FORMAT);
		return -1;
	}
	*format = (int)f->i;
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
	struct report_cols **cols = xcalloc(tl->n + 1, sizeof(*cols));
	struct json_object o = { NULL, 0 };
	const struct json_value *t;
	struct npserr e2;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t len;
	long lineno = 0;
	int r = -1, format = 1;

	while ((len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (json_parse_object(line, (size_t)len, &o, &e2) == -1) {
			npserr_set(err, "import %s:%ld: %s", name, lineno,
			    e2.msg);
			goto out;
		}
		if (lineno == 1) {
			if (report_import_header(st, &o, name, &format,
			    err) == -1)
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
		if (report_import_row(st, &o, tl->name[i], cols[i], format,
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
