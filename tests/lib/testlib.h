/*
 * testlib.h - what the C tests and benchmarks share: a directory of their
 * own under /tmp, files written and read there, a store opened in it, the
 * fixture of the tests that run mail through the store, one integer from
 * SQL, and text substitution.
 *
 * SYNOPSIS
 *	char *dir;
 *	struct store *st = testlib_store_make("ingest", 2000, &dir);
 *	...
 *	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM surveys",
 *	    NULL), 3);
 *	store_close(st);
 *	testlib_dir_remove(dir);
 *
 * DESCRIPTION
 *	Nothing here depends on cmocka, so that the programs outside it
 *	(the reply corpus, the benchmarks) use it too. Failures are
 *	returned, never asserted: a function that cannot do its work says
 *	why on stderr and returns NULL or -1, and the test asserts on that.
 *	Allocation failure is fatal, as everywhere in npsgate (xalloc.h).
 */
#ifndef NPSGATE_TESTLIB_H
#define NPSGATE_TESTLIB_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"
#include "survey/token.h"

/* What testlib_sql_int returns for SQL that does not run. */
#define TESTLIB_SQL_ERROR INT64_MIN

/* Makes the directory /tmp/npsgate-test-NAME-XXXXXX (mkdtemp) and returns
 * its path, which the caller gives to testlib_dir_remove; NULL on failure,
 * said on stderr. */
char *testlib_dir_make(const char *name);

/* Removes dir with everything in it, subdirectories included, and frees
 * the string; NULL is allowed. Symbolic links are removed, not followed. */
void testlib_dir_remove(char *dir);

/* "dir/name", allocated (free with free()). */
char *testlib_path(const char *dir, const char *name);

/* Writes len bytes of data (NULs allowed) to path, created or truncated,
 * then gives it mode. 0, or -1 with the reason on stderr. */
int testlib_file_write(const char *path, const char *data, size_t len,
    mode_t mode);

/* The contents of path, NUL-terminated ("" for an empty file), allocated;
 * their length in *len when len is not NULL. NULL when the file cannot be
 * read (errno set, nothing said: a missing file may be what the test
 * expects). */
char *testlib_file_read(const char *path, size_t *len);

/* Where a test working in dir opens its store: dir/npsgate.db, or with
 * NPSGATE_TEST_PG set, the server it names with a new schema of the
 * test's own (dropped by testlib_dir_remove(dir)). Allocated; NULL on
 * failure, said on stderr. */
char *testlib_store_where(const char *dir);

/* A directory made as by testlib_dir_make(name), and the store
 * (testlib_store_where) opened (created) in it with busy_ms; the directory's path
 * in *dir. NULL on failure, said on stderr, with nothing left behind. */
struct store *testlib_store_make(const char *name, int busy_ms, char **dir);

/* What the tests of the mail paths start from: the default config, the
 * test key ring, a store in a directory of the test's own, and the time
 * the test says it is (0 until the test sets it). */
struct testlib_fx {
	char *dir;
	char *where;		/* where st was opened, for more connections */
	struct config *cf;
	struct keyring *ring;
	struct store *st;
	time_t now;
};

/* A new fixture, its directory made as by testlib_dir_make(name) and its
 * store opened there with a busy timeout of 2 s; NULL on failure, said on
 * stderr. Freed, directory and all, by testlib_fx_free (NULL allowed). */
struct testlib_fx *testlib_fx_new(const char *name);
void testlib_fx_free(struct testlib_fx *fx);

/* Issues a token of r->type at time at (its string in tok), gives r the
 * token's survey id and key id, and records r in fx's store. 0, or -1
 * said on stderr. */
int testlib_fx_survey_add(struct testlib_fx *fx, time_t at,
    struct survey_rec *r, char tok[TOKEN_LEN + 1]);

/* The integer in the first column of the first row sql gives on the
 * store's connection, with arg bound to ?1 when it is not NULL: 0 for
 * NULL, -1 when there is no row, TESTLIB_SQL_ERROR (with the database's
 * message on stderr) when sql does not prepare or run. */
int64_t testlib_sql_int(struct store *st, const char *sql, const char *arg);

/* Replaces every occurrence of pat (not empty) in b by rep. */
void testlib_buf_substitute(struct buf *b, const char *pat, const char *rep);

#endif
