/*
 * testlib.c - the tests' own directories, files, stores and SQL; see
 * testlib.h for the contract.
 *
 * Every test works in a directory of its own under /tmp, so that tests
 * run in parallel (make -j) never share a file, and removes it with
 * whatever was left in it: SQLite's -wal and -shm, scripts the test wrote,
 * subdirectories of templates.
 *
 * With NPSGATE_TEST_PG set to a PostgreSQL server (libpq's keyword form
 * or a postgresql:// URL), the stores of the tests are on that server
 * instead, each in a schema of its own, made for it and dropped with the
 * test's directory (whose file pg-schema names it).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "base/xalloc.h"
#include "store/store_db.h"
#include "testlib.h"

#ifdef HAVE_LIBPQ
/* Runs one statement on the test server; 0, or -1 said on stderr. */
static int
pg_admin(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *res;
	int r = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "NPSGATE_TEST_PG: %s", PQerrorMessage(c));
	} else {
		/* Not the notices of DROP ... CASCADE: one per table. */
		PQclear(PQexec(c, "SET client_min_messages = warning"));
		res = PQexec(c, sql);
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			r = 0;
		else
			fprintf(stderr, "%s: %s", sql,
			    PQresultErrorMessage(res));
		PQclear(res);
	}
	PQfinish(c);
	return r;
}

/* The test server's address in keyword form, with search_path set to
 * schema when it is not NULL. */
static char *
pg_conninfo(const char *base, const char *schema)
{
	PQconninfoOption *o, *opts;
	struct buf b = BUF_INIT;
	const char *v;

	if ((opts = PQconninfoParse(base, NULL)) == NULL)
		return NULL;
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || strcmp(o->keyword, "options") == 0)
			continue;
		buf_printf(&b, "%s='", o->keyword);
		for (v = o->val; *v != '\0'; v++) {
			if (*v == '\'' || *v == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *v);
		}
		buf_puts(&b, "' ");
	}
	PQconninfoFree(opts);
	if (schema != NULL)
		buf_printf(&b, "options='-csearch_path=%s'", schema);
	return buf_steal(&b);
}
#endif

/* testlib_store_where - see testlib.h. */
char *
testlib_store_where(const char *dir)
{
	const char *pg = getenv("NPSGATE_TEST_PG");
#ifdef HAVE_LIBPQ
	static unsigned seq;
	struct buf name = BUF_INIT, sql = BUF_INIT;
	char *base, *where = NULL, *file;
#endif

	if (pg == NULL || pg[0] == '\0')
		return testlib_path(dir, "npsgate.db");
#ifdef HAVE_LIBPQ
	buf_printf(&name, "npsgate_test_%ld_%u", (long)getpid(), ++seq);
	buf_printf(&sql, "CREATE SCHEMA %s", buf_cstr(&name));
	base = pg_conninfo(pg, NULL);
	file = testlib_path(dir, "pg-schema");
	if (base != NULL && pg_admin(base, buf_cstr(&sql)) == 0 &&
	    testlib_file_write(file, name.data, name.len, 0600) == 0)
		where = pg_conninfo(pg, buf_cstr(&name));
	free(file);
	free(base);
	buf_free(&sql);
	buf_free(&name);
	return where;
#else
	fprintf(stderr, "NPSGATE_TEST_PG is set, and this build has no"
	    " PostgreSQL store\n");
	return NULL;
#endif
}

/* Drops the schema of the test's store, when it has one. */
static void
drop_pg_schema(const char *dir)
{
#ifdef HAVE_LIBPQ
	const char *pg = getenv("NPSGATE_TEST_PG");
	struct buf sql = BUF_INIT;
	char *file, *name, *base;

	if (pg == NULL || pg[0] == '\0')
		return;
	file = testlib_path(dir, "pg-schema");
	name = testlib_file_read(file, NULL);
	free(file);
	if (name == NULL)
		return;
	buf_printf(&sql, "DROP SCHEMA %s CASCADE", name);
	if ((base = pg_conninfo(pg, NULL)) != NULL)
		pg_admin(base, buf_cstr(&sql));
	free(base);
	free(name);
	buf_free(&sql);
#else
	(void)dir;
#endif
}

char *
testlib_dir_make(const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "/tmp/npsgate-test-%s-XXXXXX", name);
	if (mkdtemp(b.data) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", b.data, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Removes what path names, a directory with its contents. */
static void
remove_tree(const char *path)
{
	struct dirent *de;
	struct stat sb;
	char *sub;
	DIR *d;

	if (lstat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			sub = testlib_path(path, de->d_name);
			remove_tree(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

void
testlib_dir_remove(char *dir)
{
	if (dir == NULL)
		return;
	drop_pg_schema(dir);
	remove_tree(dir);
	free(dir);
}

char *
testlib_path(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", dir, name);
	return buf_steal(&b);
}

int
testlib_file_write(const char *path, const char *data, size_t len,
    mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t off = 0;
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "write %s: %s\n", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	/* fchmod, not the mode of open: the umask must not change it. */
	if (fchmod(fd, mode) != 0 || close(fd) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *
testlib_file_read(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path, 0) != 0) {
		buf_free(&b);
		return NULL;
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	if (len != NULL)
		*len = b.len;
	return buf_steal(&b);
}

/* testlib_store_make, with where the store is in *where (the caller
 * frees it) when where is not NULL. */
static struct store *
store_make(const char *name, int busy_ms, char **dir, char **where)
{
	struct store *st;
	struct npserr err;
	char *path;

	*dir = testlib_dir_make(name);
	if (*dir == NULL)
		return NULL;
	if ((path = testlib_store_where(*dir)) == NULL) {
		testlib_dir_remove(*dir);
		*dir = NULL;
		return NULL;
	}
	npserr_clear(&err);
	st = store_open(path, busy_ms, &err);
	if (st == NULL) {
		fprintf(stderr, "store_open %s: %s\n", path, err.msg);
		testlib_dir_remove(*dir);
		*dir = NULL;
	}
	if (st != NULL && where != NULL)
		*where = path;
	else
		free(path);
	return st;
}

struct store *
testlib_store_make(const char *name, int busy_ms, char **dir)
{
	return store_make(name, busy_ms, dir, NULL);
}

struct testlib_fx *
testlib_fx_new(const char *name)
{
	struct testlib_fx *fx = xcalloc(1, sizeof(*fx));

	fx->st = store_make(name, 2000, &fx->dir, &fx->where);
	if (fx->st == NULL) {
		free(fx);
		return NULL;
	}
	fx->cf = config_defaults();
	fx->ring = keyring_new_test();
	return fx;
}

void
testlib_fx_free(struct testlib_fx *fx)
{
	if (fx == NULL)
		return;
	store_close(fx->st);
	free(fx->where);
	keyring_free(fx->ring);
	config_free(fx->cf);
	testlib_dir_remove(fx->dir);
	free(fx);
}

int
testlib_fx_survey_add(struct testlib_fx *fx, time_t at,
    struct survey_rec *r, char tok[TOKEN_LEN + 1])
{
	struct npserr err;
	struct token t;

	if (token_issue(fx->ring, r->type, at, &t, tok, TOKEN_LEN + 1) != 0) {
		fprintf(stderr, "token_issue failed\n");
		return -1;
	}
	memcpy(r->id, t.survey_id, sizeof(r->id));
	r->key_id = t.key_id;
	npserr_clear(&err);
	if (store_survey_add(fx->st, r, &err) != 0) {
		fprintf(stderr, "store_survey_add: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int64_t
testlib_sql_int(struct store *st, const char *sql, const char *arg)
{
	struct store_stmt *s;
	struct npserr err;
	int64_t v = -1;
	int rc;

	if ((s = store_db_prepare(st, sql, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return TESTLIB_SQL_ERROR;
	}
	if (arg != NULL)
		store_bind_text(s, 1, arg);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		v = store_col_int64(s, 0);
	} else if (rc != STORE_DONE) {
		store_db_fail(st, &err, "%s", sql);
		fprintf(stderr, "%s\n", err.msg);
		v = TESTLIB_SQL_ERROR;
	}
	store_db_done(s);
	return v;
}

void
testlib_buf_substitute(struct buf *b, const char *pat, const char *rep)
{
	struct buf o = BUF_INIT;
	size_t i = 0, m = strlen(pat);

	while (i < b->len) {
		if (i + m <= b->len && memcmp(b->data + i, pat, m) == 0) {
			buf_puts(&o, rep);
			i += m;
		} else {
			buf_putc(&o, b->data[i++]);
		}
	}
	buf_free(b);
	*b = o;
}
