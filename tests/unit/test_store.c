/*
 * test_store.c - the SQLite store: schema and migration, surveys, events,
 * opt-outs, exactly-once ingest, and several writers at once.
 *
 * Every test works in its own directory under /tmp (mkdtemp), removed
 * afterwards with whatever SQLite left in it (-wal, -shm).
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"
#include "testlib.h"

struct fixture {
	char dir[64];
	char path[128];		/* dir/npsgate.db, not created */
	/* Where the tests that hold for both databases open the store:
	 * path, or a server with NPSGATE_TEST_PG (testlib_store_where). */
	char *where;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/npsgate-test-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/npsgate.db", fx->dir);
	if ((fx->where = testlib_store_where(fx->dir)) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	/* The directory with all in it, and the server's schema if any. */
	testlib_dir_remove(strdup(fx->dir));
	free(fx->where);
	free(fx);
	return 0;
}

static struct store *
open_ok(const char *path, int busy_ms)
{
	struct npserr err;
	struct store *st;

	npserr_clear(&err);
	st = store_open(path, busy_ms, &err);
	if (st == NULL)
		fail_msg("store_open: %s", err.msg);
	return st;
}

/* The single integer a query returns (count(*), a column). */
static int64_t
query_int(struct store *st, const char *sql)
{
	struct store_stmt *s;
	struct npserr err;
	int64_t v;

	s = store_db_prepare(st, sql, &err);
	assert_non_null(s);
	assert_int_equal(store_step(s), STORE_ROW);
	v = store_col_is_null(s, 0) ? -999 : store_col_int64(s, 0);
	store_db_done(s);
	return v;
}

/* The single text a query returns, copied into out ("(null)" for NULL). */
static const char *
query_text(struct store *st, const char *sql, char *out, size_t outsz)
{
	struct store_stmt *s;
	struct npserr err;
	const char *t;

	s = store_db_prepare(st, sql, &err);
	assert_non_null(s);
	assert_int_equal(store_step(s), STORE_ROW);
	t = store_col_text(s, 0);
	snprintf(out, outsz, "%s", t != NULL ? t : "(null)");
	store_db_done(s);
	return out;
}

/* Runs SQL on a plain SQLite connection (a file made by someone else). */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
survey_init(struct survey_rec *r, const char *id, const char *rcpt,
    int64_t created)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->key_id = 1;
	r->type = SURVEY_NPS;
	r->status = SURVEY_SENT;
	r->recipient = (char *)rcpt;
	r->created_at = created;
}

static void
add_survey(struct store *st, const char *id, const char *rcpt,
    int64_t created)
{
	struct survey_rec r;
	struct npserr err;

	survey_init(&r, id, rcpt, created);
	if (store_survey_add(st, &r, &err) != 0)
		fail_msg("store_survey_add: %s", err.msg);
}

/* store_ingest of one reply known by key and digest (NULL: none); the
 * record as store_ingest left it into *out when out is not NULL. */
static int
ingest_digest(struct store *st, const char *key, const char *digest,
    enum ingest_kind kind, const char *survey_id, int score,
    const char *comment, const char *sender, int64_t at,
    struct ingest_rec *out)
{
	struct ingest_rec in;
	struct npserr err;
	int r;

	memset(&in, 0, sizeof(in));
	in.msg_key = key;
	in.digest = digest;
	in.review_folder = "nps/review";
	in.kind = kind;
	in.survey_id = survey_id;
	in.score = score;
	in.comment = comment;
	in.sender = sender;
	in.lang = "fr";
	in.folder = "nps/done";
	in.received_at = at;
	npserr_clear(&err);
	r = store_ingest(st, &in, &err);
	if (r == -1)
		fail_msg("store_ingest %s: %s", key, err.msg);
	if (out != NULL)
		*out = in;
	return r;
}

static int
ingest(struct store *st, const char *key, enum ingest_kind kind,
    const char *survey_id, int score, const char *comment,
    const char *sender, int64_t at)
{
	struct ingest_rec in;
	struct npserr err;
	int r;

	memset(&in, 0, sizeof(in));
	in.msg_key = key;
	in.kind = kind;
	in.survey_id = survey_id;
	in.score = score;
	in.comment = comment;
	in.sender = sender;
	in.lang = "fr";
	in.folder = "nps/done";
	in.received_at = at;
	npserr_clear(&err);
	r = store_ingest(st, &in, &err);
	if (r == -1)
		fail_msg("store_ingest %s: %s", key, err.msg);
	return r;
}

/* --- opening and migration ------------------------------------------ */

static void
test_open_empty_file_creates_schema_1(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	FILE *f;

	f = fopen(fx->path, "w");	/* an empty file, as touch(1) makes */
	assert_non_null(f);
	fclose(f);
	st = open_ok(fx->path, 1000);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name IN ('surveys', 'events',"
	    " 'responses', 'comments', 'processed', 'unsubscribed',"
	    " 'meta')"), 7);
	assert_int_equal(query_int(st, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND name = 'responses_current'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM meta"
	    " WHERE key = 'created_at' AND value > 0"), 1);
	assert_int_equal(query_int(st, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(st, "PRAGMA secure_delete"), 1);
	assert_int_equal(query_int(st, "PRAGMA synchronous"), 2);
	store_close(st);
}

static void
test_open_uses_wal(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	char mode[16];

	assert_string_equal(query_text(st, "PRAGMA journal_mode", mode,
	    sizeof(mode)), "wal");
	store_close(st);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *fx = *state;
	struct survey_rec got;
	struct npserr err;
	struct store *st;

	st = open_ok(fx->where, 1000);
	add_survey(st, "aaaaaaaaaaaaaaaa", "x@example.com", 1000);
	store_close(st);
	st = open_ok(fx->where, 1000);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_survey_get(st, "aaaaaaaaaaaaaaaa", &got, &err),
	    1);
	assert_string_equal(got.recipient, "x@example.com");
	assert_int_equal(got.created_at, 1000);
	store_survey_clear(&got);
	assert_int_equal(query_int(st, "SELECT count(*) FROM meta"), 1);
	store_close(st);
}

static void
test_open_refuses_newer_schema(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;
	char want[256];

	raw_exec(fx->path, "CREATE TABLE future (x);"
	    " PRAGMA user_version = 99;");
	npserr_clear(&err);
	assert_null(store_open(fx->path, 1000, &err));
	snprintf(want, sizeof(want), "store %s: schema version 99 is newer"
	    " than this npsgate (%d); upgrade npsgate", fx->path,
	    STORE_SCHEMA_VERSION);
	assert_string_equal(err.msg, want);
}

static void
test_open_migrates_version_0_file_keeping_other_tables(void **state)
{
	struct fixture *fx = *state;
	struct store *st;

	raw_exec(fx->path, "CREATE TABLE notes (n TEXT);"
	    " INSERT INTO notes VALUES ('kept');");
	st = open_ok(fx->path, 1000);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM notes"
	    " WHERE n = 'kept'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys"), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 0);
	store_close(st);
}

static void
test_open_refuses_version_0_file_with_clashing_table(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;
	struct store *st;

	raw_exec(fx->path, "CREATE TABLE surveys (other TEXT);");
	npserr_clear(&err);
	assert_null(store_open(fx->path, 1000, &err));
	assert_non_null(strstr(err.msg, fx->path));
	assert_non_null(strstr(err.msg, "table surveys already exists"));
	/* The failed step left nothing half-done behind. */
	raw_exec(fx->path, "DROP TABLE surveys;");
	st = open_ok(fx->path, 1000);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(st);
}

/* The table as lib/report/report.c makes it on first need, in the words
 * it uses, for files that got it before schema version 3. */
static const char lazy_anon_ddl[] =
	"CREATE TABLE IF NOT EXISTS anonymous_counts ("
	" id INTEGER PRIMARY KEY,"
	" day INTEGER NOT NULL,"
	" type TEXT NOT NULL DEFAULT '',"
	" agent TEXT NOT NULL DEFAULT '', team TEXT NOT NULL DEFAULT '',"
	" channel TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',"
	" priority TEXT NOT NULL DEFAULT '',"
	" surveys INTEGER NOT NULL DEFAULT 0,"
	" detractors INTEGER NOT NULL DEFAULT 0,"
	" passives INTEGER NOT NULL DEFAULT 0,"
	" promoters INTEGER NOT NULL DEFAULT 0,"
	" score_sum INTEGER NOT NULL DEFAULT 0,"
	" score_sumsq INTEGER NOT NULL DEFAULT 0,"
	" optouts INTEGER NOT NULL DEFAULT 0,"
	" unsubscribes INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (day, type, agent, team, channel, reason, priority))";

/* The single integer a query returns on a plain SQLite connection. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* What versions 7 to 4 added, taken out again: a file of the version
 * before, as an older npsgate left it. */
#define UNDO_V7 "ALTER TABLE surveys DROP COLUMN held_by; "
#define UNDO_V6 "DROP TABLE forwards; DROP INDEX surveys_ticket;" \
	" ALTER TABLE surveys DROP COLUMN helpdesk_to; "
#define UNDO_V5 "DROP TABLE response_themes; DROP INDEX responses_unthemed;" \
	" DROP INDEX comments_response; DROP TRIGGER comments_themes_due;" \
	" ALTER TABLE responses DROP COLUMN commented;" \
	" ALTER TABLE responses DROP COLUMN themed_at;"
#define UNDO_V4 " DROP INDEX processed_survey;" \
	" ALTER TABLE processed DROP COLUMN digest;"

/* A file as a store of schema version 2 leaves it, with one survey; with
 * lazy, the anonymous counts report.c made in it, holding one row. */
static void
make_version_2_file(const char *path, bool lazy)
{
	struct store *st = open_ok(path, 1000);
	char sql[2048];

	add_survey(st, "v2v2v2v2v2v2v2v2", "old@example.com", 1000);
	store_close(st);
	raw_exec(path, UNDO_V7 UNDO_V6 UNDO_V5 UNDO_V4
	    " DROP TABLE anonymous_counts; PRAGMA user_version = 2;");
	if (!lazy)
		return;
	snprintf(sql, sizeof(sql), "%s; INSERT INTO anonymous_counts (day,"
	    " type, agent, surveys, promoters, score_sum) VALUES (86400,"
	    " 'nps', 'ann', 3, 2, 27);", lazy_anon_ddl);
	raw_exec(path, sql);
}

/* Opens a file make_version_2_file made: it is now at the current
 * version, with anon_rows anonymous counts, and its survey is still
 * there. */
static struct store *
open_migrated(const char *path, int64_t anon_rows)
{
	struct store *st = open_ok(path, 1000);

	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM"
	    " anonymous_counts"), anon_rows);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys"
	    " WHERE recipient = 'old@example.com'"), 1);
	return st;
}

static void
test_fresh_store_has_anonymous_counts(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);

	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name = 'anonymous_counts'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM"
	    " pragma_table_info('anonymous_counts')"), 16);
	assert_int_equal(query_int(st, "SELECT count(*) FROM"
	    " anonymous_counts"), 0);
	store_close(st);
}

/* A file of schema version 4 with an answer: version 5 adds the themes,
 * the answer kept and waiting to be themed. */
static void
test_migrates_version_4_to_themes(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);

	add_survey(st, "v4v4v4v4v4v4v4v4", "old@example.com", 1000);
	store_close(st);
	raw_exec(fx->path, UNDO_V7 UNDO_V6 UNDO_V5
	    " INSERT INTO responses (survey_id, score, category, comment,"
	    " received_at) VALUES ('v4v4v4v4v4v4v4v4', 2, 'detractor',"
	    " 'late again', 2000);"
	    " PRAGMA user_version = 4;");
	st = open_ok(fx->path, 1000);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"
	    " WHERE themed_at = 0 AND comment = 'late again'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM"
	    " response_themes"), 0);
	/* A comment added to the answer (a follow-up) makes its themes due
	 * again. */
	assert_int_equal(sqlite3_exec(store_sqlite_db(st),
	    "UPDATE responses SET"
	    " themed_at = 5; INSERT INTO comments (survey_id, response_id,"
	    " text, at) VALUES ('v4v4v4v4v4v4v4v4', (SELECT id FROM"
	    " responses), 'and rude', 3000);", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(query_int(st, "SELECT themed_at FROM responses"), 0);
	/* A theme goes with its response. */
	assert_int_equal(sqlite3_exec(store_sqlite_db(st),
	    "INSERT INTO"
	    " response_themes VALUES ((SELECT id FROM responses),"
	    " 'delivery'); DELETE FROM surveys;", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(query_int(st, "SELECT count(*) FROM"
	    " response_themes"), 0);
	store_close(st);
}

static void
test_migrates_version_2_without_anonymous_counts(void **state)
{
	struct fixture *fx = *state;
	struct store *st;

	make_version_2_file(fx->path, false);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'anonymous_counts'"), 0);
	st = open_migrated(fx->path, 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM meta"), 1);
	store_close(st);
}

static void
test_migrates_version_2_with_lazy_anonymous_counts(void **state)
{
	struct fixture *fx = *state;
	char fresh[2048], got[2048];
	struct store *st;

	/* The schema text of a fresh store's table, to compare with. */
	st = open_ok(fx->path, 1000);
	query_text(st, "SELECT sql FROM sqlite_master WHERE name ="
	    " 'anonymous_counts'", fresh, sizeof(fresh));
	store_close(st);
	make_version_2_file(fx->path, true);
	st = open_migrated(fx->path, 1);
	assert_int_equal(query_int(st, "SELECT surveys FROM anonymous_counts"
	    " WHERE day = 86400 AND type = 'nps' AND agent = 'ann'"), 3);
	assert_int_equal(query_int(st, "SELECT promoters FROM"
	    " anonymous_counts"), 2);
	assert_int_equal(query_int(st, "SELECT score_sum FROM"
	    " anonymous_counts"), 27);
	assert_string_equal(query_text(st, "SELECT sql FROM sqlite_master"
	    " WHERE name = 'anonymous_counts'", got, sizeof(got)), fresh);
	store_close(st);
}

/* A file of schema version 3, as npsgate 3 left it: a survey answered
 * once, its processed row without a digest. */
static void
make_version_3_file(const char *path)
{
	struct store *st = open_ok(path, 1000);

	add_survey(st, "v3v3v3v3v3v3v3v3", "old@example.com", 1000);
	assert_int_equal(ingest(st, "<old@example.com>", INGEST_RESPONSE,
	    "v3v3v3v3v3v3v3v3", 9, NULL, "old@example.com", 1100),
	    INGEST_NEW);
	store_close(st);
	raw_exec(path, UNDO_V7 UNDO_V6 UNDO_V5 UNDO_V4 " PRAGMA user_version = 3;");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_table_info('processed') WHERE name = 'digest'"), 0);
}

/* Version 4 adds the digest of each processed message; the rows from
 * before have none, and their messages still count as seen. */
static void
test_migrates_version_3_adds_message_digest(void **state)
{
	struct fixture *fx = *state;
	struct store *st;

	make_version_3_file(fx->path);
	st = open_ok(fx->path, 1000);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM"
	    " pragma_table_info('processed') WHERE name = 'digest'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND name = 'processed_survey'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"
	    " WHERE msg_key = '<old@example.com>' AND digest IS NULL"), 1);
	assert_int_equal(query_int(st, "SELECT score FROM responses"), 9);
	/* The old message fetched again: a duplicate, whatever its bytes. */
	assert_int_equal(ingest_digest(st, "<old@example.com>",
	    "sha256:01", INGEST_RESPONSE, "v3v3v3v3v3v3v3v3", 2, NULL,
	    "old@example.com", 1200, NULL), INGEST_DUPLICATE);
	assert_int_equal(ingest_digest(st, "<new@example.com>",
	    "sha256:02", INGEST_RESPONSE, "v3v3v3v3v3v3v3v3", 7, NULL,
	    "old@example.com", 1300, NULL), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"
	    " WHERE digest = 'sha256:02'"), 1);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), 7);
	store_close(st);
}

/* An older npsgate meeting a store migrated by a newer one: refused,
 * with the versions said, and the file left as it was. */
static void
test_open_refuses_next_version_and_leaves_it(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;
	struct store *st;
	char sql[64], want[256];

	st = open_ok(fx->path, 1000);
	add_survey(st, "nextnextnextnext", "new@example.com", 1000);
	store_close(st);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;",
	    STORE_SCHEMA_VERSION + 1);
	raw_exec(fx->path, sql);
	npserr_clear(&err);
	assert_null(store_open(fx->path, 1000, &err));
	snprintf(want, sizeof(want), "store %s: schema version %d is newer"
	    " than this npsgate (%d); upgrade npsgate", fx->path,
	    STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
	assert_string_equal(err.msg, want);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION + 1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM surveys"),
	    1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'anonymous_counts'"), 1);
}

static void
test_open_in_missing_directory_names_path(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;
	char path[256];
	char want[300];

	snprintf(path, sizeof(path), "%s/no/such/dir/npsgate.db", fx->dir);
	npserr_clear(&err);
	assert_null(store_open(path, 1000, &err));
	snprintf(want, sizeof(want), "store %s: cannot open: ", path);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_non_null(strstr(err.msg, "No such file or directory"));
}

static void
test_open_refuses_file_that_is_not_a_database(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;
	FILE *f;

	f = fopen(fx->path, "w");
	assert_non_null(f);
	fputs("this is a text file, not a database, and long enough to"
	    " have a header of its own ..................................",
	    f);
	fclose(f);
	npserr_clear(&err);
	assert_null(store_open(fx->path, 1000, &err));
	assert_non_null(strstr(err.msg, fx->path));
	assert_non_null(strstr(err.msg, "not a database"));
}

/* --- surveys -------------------------------------------------------- */

static void
test_survey_round_trip_keeps_every_field(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct survey_rec r, got;
	struct npserr err;

	memset(&r, 0, sizeof(r));
	memcpy(r.id, "abcdefghij234567", TOKEN_ID_LEN + 1);
	r.key_id = 7;
	r.type = SURVEY_CES;
	r.status = SURVEY_HELD;
	r.message_id = "<ticket-42@helpdesk.example>";
	r.queue_id = "4XyZ1k2Lm";
	r.recipient = "Claire.Dupont@Example.FR";
	r.ticket = "T-42";
	r.agent = "agent7";
	r.team = "support-n2";
	r.channel = "email";
	r.reason = "Qualit\xc3\xa9";
	r.priority = "P1";
	r.lang = "fr";
	r.created_at = 1700000000;
	r.due_at = 1700086400;
	r.released_at = 1700090000;
	assert_int_equal(store_survey_add(st, &r, &err), 0);

	assert_int_equal(store_survey_get(st, "abcdefghij234567", &got, &err),
	    1);
	assert_string_equal(got.id, "abcdefghij234567");
	assert_int_equal(got.key_id, 7);
	assert_int_equal(got.type, SURVEY_CES);
	assert_int_equal(got.status, SURVEY_HELD);
	assert_string_equal(got.message_id, "<ticket-42@helpdesk.example>");
	assert_string_equal(got.queue_id, "4XyZ1k2Lm");
	assert_string_equal(got.recipient, "claire.dupont@example.fr");
	assert_string_equal(got.ticket, "T-42");
	assert_string_equal(got.agent, "agent7");
	assert_string_equal(got.team, "support-n2");
	assert_string_equal(got.channel, "email");
	assert_string_equal(got.reason, "Qualit\xc3\xa9");
	assert_string_equal(got.priority, "P1");
	assert_string_equal(got.lang, "fr");
	assert_int_equal(got.created_at, 1700000000);
	assert_int_equal(got.due_at, 1700086400);
	assert_int_equal(got.released_at, 1700090000);
	store_survey_clear(&got);
	assert_null(got.recipient);

	assert_int_equal(store_survey_find_by_message_id(st,
	    "<ticket-42@helpdesk.example>", &got, &err), 1);
	assert_string_equal(got.id, "abcdefghij234567");
	assert_string_equal(got.agent, "agent7");
	store_survey_clear(&got);
	assert_int_equal(store_survey_find_by_message_id(st,
	    "<other@helpdesk.example>", &got, &err), 0);
	assert_int_equal(store_survey_get(st, "zzzzzzzzzzzzzzzz", &got, &err),
	    0);
	store_close(st);
}

static void
test_survey_add_keeps_absent_fields_null(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct survey_rec got;
	struct npserr err;

	add_survey(st, "bbbbbbbbbbbbbbbb", "b@example.com", 5);
	assert_int_equal(store_survey_get(st, "bbbbbbbbbbbbbbbb", &got, &err),
	    1);
	assert_null(got.message_id);
	assert_null(got.agent);
	assert_int_equal(got.due_at, 0);
	assert_int_equal(got.type, SURVEY_NPS);
	assert_int_equal(got.status, SURVEY_SENT);
	store_survey_clear(&got);
	store_close(st);
}

static void
test_survey_add_refuses_same_id_twice(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct survey_rec r;
	struct npserr err;

	survey_init(&r, "cccccccccccccccc", "c@example.com", 1);
	assert_int_equal(store_survey_add(st, &r, &err), 0);
	npserr_clear(&err);
	assert_int_equal(store_survey_add(st, &r, &err), -1);
	assert_non_null(strstr(err.msg, "cannot add survey cccccccccccccccc"));
	/* SQLite says UNIQUE, PostgreSQL unique. */
	assert_non_null(strcasestr(err.msg, "unique"));
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys"), 1);
	store_close(st);
}

static void
test_last_survey_time_is_latest_any_case(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct npserr err;
	int64_t t = -1;

	add_survey(st, "dddddddddddddd01", "Dana@Example.com", 3000);
	add_survey(st, "dddddddddddddd02", "dana@example.com", 5000);
	add_survey(st, "dddddddddddddd03", "DANA@EXAMPLE.COM", 4000);
	add_survey(st, "dddddddddddddd04", "other@example.com", 9000);
	assert_int_equal(store_last_survey_time(st, "dAnA@eXample.COM", &t,
	    &err), 0);
	assert_int_equal(t, 5000);
	assert_int_equal(store_last_survey_time(st, "nobody@example.com", &t,
	    &err), 0);
	assert_int_equal(t, 0);
	store_close(st);
}

struct due_list {
	char ids[8][TOKEN_ID_LEN + 1];
	int64_t due[8];
	int n;
	int stop_after;		/* -1 after this many calls; 0: never */
};

static int
collect_due(const struct survey_rec *rec, void *arg)
{
	struct due_list *l = arg;

	if (l->n < 8) {
		memcpy(l->ids[l->n], rec->id, sizeof(l->ids[0]));
		l->due[l->n] = rec->due_at;
	}
	l->n++;
	if (l->stop_after != 0 && l->n >= l->stop_after)
		return -1;
	return 0;
}

static void
add_held(struct store *st, const char *id, enum survey_status status,
    int64_t due)
{
	struct survey_rec r;
	struct npserr err;

	survey_init(&r, id, "h@example.com", 10);
	r.status = status;
	r.due_at = due;
	assert_int_equal(store_survey_add(st, &r, &err), 0);
}

static void
test_held_due_lists_only_due_held_in_due_order(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct due_list l;
	struct npserr err;

	add_held(st, "hhhhhhhhhhhhhh03", SURVEY_HELD, 300);
	add_held(st, "hhhhhhhhhhhhhh01", SURVEY_HELD, 100);
	add_held(st, "hhhhhhhhhhhhhh05", SURVEY_HELD, 500);
	add_held(st, "hhhhhhhhhhhhhh02", SURVEY_HELD, 200);
	add_held(st, "ssssssssssssss01", SURVEY_SENT, 50);
	add_held(st, "rrrrrrrrrrrrrr01", SURVEY_RELEASED, 60);
	add_held(st, "hhhhhhhhhhhhhh04", SURVEY_HELD, 400);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_held_due(st, NULL, 400, collect_due, &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.ids[0], "hhhhhhhhhhhhhh01");
	assert_string_equal(l.ids[1], "hhhhhhhhhhhhhh02");
	assert_string_equal(l.ids[2], "hhhhhhhhhhhhhh03");
	assert_string_equal(l.ids[3], "hhhhhhhhhhhhhh04");
	assert_int_equal(l.due[0], 100);
	assert_int_equal(l.due[3], 400);

	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(store_held_due(st, NULL, 1000, collect_due, &l, &err), -1);
	assert_int_equal(l.n, 2);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_held_due(st, NULL, 99, collect_due, &l, &err), 0);
	assert_int_equal(l.n, 0);
	store_close(st);
}

/* What npsgate release does: mark each due survey released from fn. */
static int
release_due(const struct survey_rec *rec, void *arg)
{
	struct store *st = arg;
	struct npserr err;

	return store_survey_set_status(st, rec->id, SURVEY_RELEASED, 777,
	    &err);
}

static void
test_held_due_callback_may_write(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct npserr err;

	add_held(st, "hhhhhhhhhhhhhh01", SURVEY_HELD, 100);
	add_held(st, "hhhhhhhhhhhhhh02", SURVEY_HELD, 200);
	assert_int_equal(store_held_due(st, NULL, 1000, release_due, st, &err), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys WHERE"
	    " status = 'released' AND released_at = 777"), 2);
	store_close(st);
}

/* A survey held on a relay's hold queue, recorded as its milter does. */
static void
add_held_by(struct store *st, const char *id, const char *node,
    int64_t due)
{
	struct survey_rec r;
	struct npserr err;

	survey_init(&r, id, "h@example.com", 10);
	r.status = SURVEY_HELD;
	r.due_at = due;
	r.held_by = (char *)node;
	if (store_survey_add(st, &r, &err) != 0)
		fail_msg("store_survey_add %s: %s", id, err.msg);
}

/* The ids store_held_due gives node at now, in order, joined by ' '. */
static const char *
held_due_ids(struct store *st, const char *node, int64_t now, char *out,
    size_t size)
{
	struct due_list l;
	struct npserr err;
	size_t used = 0;
	int i;

	memset(&l, 0, sizeof(l));
	if (store_held_due(st, node, now, collect_due, &l, &err) != 0)
		fail_msg("store_held_due %s: %s", node ? node : "NULL",
		    err.msg);
	assert_true(l.n <= 8);
	out[0] = '\0';
	for (i = 0; i < l.n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
		    i ? " " : "", l.ids[i]);
	assert_true(used < size);
	return out;
}

/* Two relays on one store, each with its own connection: each lists the
 * held surveys of its own hold queue and those recorded without a relay
 * (from before schema version 7), never the other's, whose queue ids
 * mean nothing to its Postfix. */
static void
test_held_due_lists_only_the_node_own(void **state)
{
	struct fixture *fx = *state;
	struct store *a = open_ok(fx->where, 1000);
	struct store *b = open_ok(fx->where, 1000);
	struct survey_rec got;
	struct npserr err;
	char ids[200];

	add_held_by(a, "aaaaaaaaaaaaaa01", "relay-a", 100);
	add_held_by(b, "bbbbbbbbbbbbbb01", "relay-b", 150);
	add_held_by(a, "aaaaaaaaaaaaaa02", "relay-a", 200);
	add_held_by(a, "nnnnnnnnnnnnnn01", NULL, 250);
	add_held_by(b, "bbbbbbbbbbbbbb02", "relay-b", 900);
	/* A name that holds the other's as a part is not the other. */
	add_held_by(b, "cccccccccccccc01", "relay-a.example", 120);

	assert_string_equal(held_due_ids(a, "relay-a", 500, ids,
	    sizeof(ids)), "aaaaaaaaaaaaaa01 aaaaaaaaaaaaaa02"
	    " nnnnnnnnnnnnnn01");
	assert_string_equal(held_due_ids(b, "relay-b", 500, ids,
	    sizeof(ids)), "bbbbbbbbbbbbbb01 nnnnnnnnnnnnnn01");
	assert_string_equal(held_due_ids(b, "relay-b", 1000, ids,
	    sizeof(ids)), "bbbbbbbbbbbbbb01 nnnnnnnnnnnnnn01"
	    " bbbbbbbbbbbbbb02");
	assert_string_equal(held_due_ids(a, "relay-c", 1000, ids,
	    sizeof(ids)), "nnnnnnnnnnnnnn01");
	/* No node: every held survey, as before relays had names. */
	assert_string_equal(held_due_ids(a, NULL, 500, ids, sizeof(ids)),
	    "aaaaaaaaaaaaaa01 cccccccccccccc01 bbbbbbbbbbbbbb01"
	    " aaaaaaaaaaaaaa02 nnnnnnnnnnnnnn01");

	/* The name comes back with the survey. */
	assert_int_equal(store_survey_get(b, "aaaaaaaaaaaaaa01", &got, &err),
	    1);
	assert_non_null(got.held_by);
	assert_string_equal(got.held_by, "relay-a");
	store_survey_clear(&got);
	assert_int_equal(store_survey_get(b, "nnnnnnnnnnnnnn01", &got, &err),
	    1);
	assert_null(got.held_by);
	store_survey_clear(&got);

	/* Released by one relay, a survey leaves every listing. */
	assert_int_equal(store_survey_release(a, "nnnnnnnnnnnnnn01", 600,
	    &err), 1);
	assert_string_equal(held_due_ids(b, "relay-b", 1000, ids,
	    sizeof(ids)), "bbbbbbbbbbbbbb01 bbbbbbbbbbbbbb02");
	store_close(b);
	store_close(a);
}

/* A file of schema version 6 with a survey held then: version 7 names
 * no relay for it, and every relay's release still lists it. */
static void
test_migrates_version_6_keeps_held_releasable(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	char ids[200];

	add_held(st, "v6v6v6v6v6v6v6v6", SURVEY_HELD, 100);
	store_close(st);
	raw_exec(fx->path, UNDO_V7 " PRAGMA user_version = 6;");
	st = open_ok(fx->path, 1000);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys WHERE"
	    " id = 'v6v6v6v6v6v6v6v6' AND held_by IS NULL AND"
	    " status = 'held'"), 1);
	assert_string_equal(held_due_ids(st, "relay-a", 500, ids,
	    sizeof(ids)), "v6v6v6v6v6v6v6v6");
	assert_string_equal(held_due_ids(st, "relay-b", 500, ids,
	    sizeof(ids)), "v6v6v6v6v6v6v6v6");
	/* A survey held now records its relay. */
	add_held_by(st, "v7v7v7v7v7v7v7v7", "relay-a", 200);
	assert_string_equal(held_due_ids(st, "relay-b", 500, ids,
	    sizeof(ids)), "v6v6v6v6v6v6v6v6");
	store_close(st);
}

static void
test_set_status_records_release_time(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct survey_rec got;
	struct npserr err;

	add_held(st, "hhhhhhhhhhhhhh01", SURVEY_HELD, 100);
	assert_int_equal(store_survey_set_status(st, "hhhhhhhhhhhhhh01",
	    SURVEY_RELEASED, 1234, &err), 0);
	assert_int_equal(store_survey_get(st, "hhhhhhhhhhhhhh01", &got, &err),
	    1);
	assert_int_equal(got.status, SURVEY_RELEASED);
	assert_int_equal(got.released_at, 1234);
	store_survey_clear(&got);

	/* Other statuses leave released_at alone. */
	assert_int_equal(store_survey_set_status(st, "hhhhhhhhhhhhhh01",
	    SURVEY_BOUNCED, 9999, &err), 0);
	assert_int_equal(store_survey_get(st, "hhhhhhhhhhhhhh01", &got, &err),
	    1);
	assert_int_equal(got.status, SURVEY_BOUNCED);
	assert_int_equal(got.released_at, 1234);
	store_survey_clear(&got);

	npserr_clear(&err);
	assert_int_equal(store_survey_set_status(st, "nonenonenonenone",
	    SURVEY_RELEASED, 1, &err), -1);
	assert_non_null(strstr(err.msg, "nonenonenonenone"));
	store_close(st);
}

/* --- events and opt-outs -------------------------------------------- */

static void
test_event_add_records_every_field(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct event_rec ev;
	struct npserr err;
	char text[128];

	add_survey(st, "eeeeeeeeeeeeeeee", "e@example.com", 1);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_THROTTLED;
	ev.survey_id = "eeeeeeeeeeeeeeee";
	ev.recipient = "E@Example.com";
	ev.ticket = "T-1";
	ev.agent = "a1";
	ev.team = "t1";
	ev.channel = "chat";
	ev.reason = "Prix";
	ev.priority = "P2";
	ev.detail = "surveyed 3 days ago";
	ev.at = 4242;
	assert_int_equal(store_event_add(st, &ev, &err), 0);
	assert_string_equal(query_text(st, "SELECT kind || '|' || survey_id"
	    " || '|' || recipient || '|' || ticket || '|' || agent || '|' ||"
	    " team || '|' || channel || '|' || reason || '|' || priority ||"
	    " '|' || detail || '|' || at FROM events", text, sizeof(text)),
	    "throttled|eeeeeeeeeeeeeeee|e@example.com|T-1|a1|t1|chat|Prix|P2|"
	    "surveyed 3 days ago|4242");

	/* No survey, and a survey the store does not know: both NULL. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_OPTOUT;
	ev.survey_id = "";
	ev.at = 1;
	assert_int_equal(store_event_add(st, &ev, &err), 0);
	ev.kind = EVENT_ERROR;
	ev.survey_id = "unknownunknown00";
	assert_int_equal(store_event_add(st, &ev, &err), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind IN ('optout', 'error') AND survey_id IS NULL"), 2);
	store_close(st);
}

static void
test_event_kind_names_match_schema(void **state)
{
	(void)state;
	assert_string_equal(store_event_kind_name(EVENT_OPTOUT), "optout");
	assert_string_equal(store_event_kind_name(EVENT_NOT_ELIGIBLE),
	    "not_eligible");
	assert_string_equal(store_event_kind_name(EVENT_THROTTLED),
	    "throttled");
	assert_string_equal(store_event_kind_name(EVENT_MULTI_RCPT),
	    "multi_rcpt");
	assert_string_equal(store_event_kind_name(EVENT_SUPPRESSED),
	    "suppressed");
	assert_string_equal(store_event_kind_name(EVENT_ERROR), "error");
	assert_string_equal(store_event_kind_name(EVENT_BOUNCED), "bounced");
	assert_string_equal(store_event_kind_name(EVENT_UNSUBSCRIBED),
	    "unsubscribed");
	assert_string_equal(store_event_kind_name(EVENT_AUTOREPLY),
	    "autoreply");
	assert_string_equal(store_event_kind_name(EVENT_UNMATCHED),
	    "unmatched");
	assert_string_equal(store_event_kind_name(EVENT_UNPARSED),
	    "unparsed");
	assert_string_equal(store_event_kind_name(EVENT_KIND_COUNT),
	    "unknown");
}

static void
test_unsubscribe_is_idempotent_and_case_insensitive(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct npserr err;

	assert_int_equal(store_is_unsubscribed(st, "Paul@Example.org", &err),
	    0);
	assert_int_equal(store_unsubscribe_add(st, "Paul@Example.org", 100,
	    NULL, &err), 0);
	assert_int_equal(store_unsubscribe_add(st, "PAUL@example.ORG", 200,
	    "ffffffffffffffff", &err), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM unsubscribed"),
	    1);
	/* The first opt-out stands. */
	assert_int_equal(query_int(st, "SELECT at FROM unsubscribed WHERE"
	    " address = 'paul@example.org'"), 100);
	assert_int_equal(store_is_unsubscribed(st, "paul@example.org", &err),
	    1);
	assert_int_equal(store_is_unsubscribed(st, "PAUL@EXAMPLE.ORG", &err),
	    1);
	assert_int_equal(store_is_unsubscribed(st, "paula@example.org", &err),
	    0);
	npserr_clear(&err);
	assert_int_equal(store_unsubscribe_add(st, "", 1, NULL, &err), -1);
	assert_true(err.msg[0] != '\0');
	store_close(st);
}

/* --- ingest --------------------------------------------------------- */

static void
test_ingest_duplicate_key_writes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	struct npserr err;
	int changes;

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 9, "super", "i@example.com", 10), INGEST_NEW);
	assert_int_equal(store_is_processed(st, "<r1@example.com>", &err), 1);
	assert_int_equal(store_is_processed(st, "<r2@example.com>", &err), 0);
	changes = sqlite3_total_changes(store_sqlite_db(st));
	/* The same message again, even analysed differently this time. */
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 2, "bad", "i@example.com", 20),
	    INGEST_DUPLICATE);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_UNSUBSCRIBE,
	    "iiiiiiiiiiiiiiii", -1, NULL, "i@example.com", 20),
	    INGEST_DUPLICATE);
	assert_int_equal(sqlite3_total_changes(store_sqlite_db(st)),
	    changes);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM unsubscribed"),
	    0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM events"), 0);
	assert_int_equal(query_int(st, "SELECT score FROM responses"), 9);
	store_close(st);
}

/* One reply of a batch for store_ingest_many. */
static void
batch_rec(struct ingest_rec *in, const char *key, const char *digest,
    enum ingest_kind kind, const char *survey_id, int score,
    const char *comment)
{
	memset(in, 0, sizeof(*in));
	in->msg_key = key;
	in->digest = digest;
	in->kind = kind;
	in->survey_id = survey_id;
	in->score = score;
	in->comment = comment;
	in->sender = "c@example.com";
	in->lang = "fr";
	in->folder = "nps/done";
	in->review_folder = "nps/review";
	in->received_at = 100;
}

/*
 * A batch recorded in one call is recorded as one reply after the other
 * would be, on either database: a second answer to a survey of the batch
 * supersedes the first, a message met earlier in the batch is a
 * duplicate, a Message-ID reused goes under its digest, a reply without
 * a score adds its comment to an answer of the same batch.
 */
static void
test_ingest_many_is_one_reply_after_the_other(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 2000);
	struct ingest_rec in[10];
	int result[10], want[10] = { INGEST_NEW, INGEST_NEW, INGEST_NEW,
	    INGEST_NEW, INGEST_NEW, INGEST_DUPLICATE, INGEST_NEW, INGEST_NEW,
	    INGEST_NEW, INGEST_NEW };
	struct npserr err;
	char text[64];
	int i;

	add_survey(st, "b1b1b1b1b1b1b1b1", "one@example.com", 1);
	add_survey(st, "b2b2b2b2b2b2b2b2", "two@example.com", 1);
	add_survey(st, "b3b3b3b3b3b3b3b3", "three@example.com", 1);
	add_survey(st, "b4b4b4b4b4b4b4b4", "four@example.com", 1);
	add_survey(st, "b5b5b5b5b5b5b5b5", "five@example.com", 1);
	batch_rec(&in[0], "<m0@x>", "sha256:d0", INGEST_RESPONSE,
	    "b1b1b1b1b1b1b1b1", 9, "great");
	batch_rec(&in[1], "<m1@x>", "sha256:d1", INGEST_RESPONSE,
	    "b2b2b2b2b2b2b2b2", 3, "slow");
	batch_rec(&in[2], "<m2@x>", "sha256:d2", INGEST_RESPONSE,
	    "b3b3b3b3b3b3b3b3", 7, NULL);
	batch_rec(&in[3], "<m3@x>", "sha256:d3", INGEST_AUTOREPLY,
	    "b4b4b4b4b4b4b4b4", -1, NULL);
	batch_rec(&in[4], "<m4@x>", "sha256:d4", INGEST_RESPONSE,
	    "b1b1b1b1b1b1b1b1", 10, "even better");
	batch_rec(&in[5], "<m1@x>", "sha256:d1", INGEST_RESPONSE,
	    "b2b2b2b2b2b2b2b2", 3, "slow");
	batch_rec(&in[6], "<m2@x>", "sha256:d6", INGEST_RESPONSE,
	    "b5b5b5b5b5b5b5b5", 8, NULL);
	batch_rec(&in[7], "<m7@x>", "sha256:d7", INGEST_RESPONSE,
	    "zzzzzzzzzzzzzzzz", 5, NULL);
	batch_rec(&in[8], "<m8@x>", "sha256:d8", INGEST_RESPONSE,
	    "b2b2b2b2b2b2b2b2", -1, "also the phone");
	batch_rec(&in[9], "<m9@x>", "sha256:d9", INGEST_UNSUBSCRIBE,
	    "b3b3b3b3b3b3b3b3", -1, NULL);
	npserr_clear(&err);
	if (store_ingest_many(st, in, 10, result, &err) != 0)
		fail_msg("store_ingest_many: %s", err.msg);
	for (i = 0; i < 10; i++)
		if (result[i] != want[i])
			fail_msg("reply %d: %d, not %d", i, result[i], want[i]);
	assert_string_equal(in[5].stored_key, "<m1@x>");
	assert_string_equal(in[6].stored_key, "sha256:d6");
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 9);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed WHERE"
	    " msg_key = 'sha256:d6' AND survey_id = 'b5b5b5b5b5b5b5b5'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 5);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " survey_id = 'b1b1b1b1b1b1b1b1' AND superseded_by IS NULL"), 10);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses o JOIN"
	    " responses n ON n.id = o.superseded_by WHERE o.score = 9 AND"
	    " n.score = 10"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"), 4);
	assert_string_equal(query_text(st, "SELECT string_agg(c.text, '|')"
	    " FROM (SELECT c.text FROM comments c JOIN responses r ON r.id ="
	    " c.response_id WHERE r.survey_id = 'b2b2b2b2b2b2b2b2' ORDER BY"
	    " c.id) c", text, sizeof(text)), "slow|also the phone");
	assert_string_equal(query_text(st, "SELECT c.text FROM comments c"
	    " JOIN responses r ON r.id = c.response_id WHERE r.score = 10",
	    text, sizeof(text)), "even better");
	assert_int_equal(query_int(st, "SELECT count(*) FROM unsubscribed"
	    " WHERE address = 'three@example.com'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind IN ('autoreply', 'unmatched', 'unsubscribed')"), 3);
	/* The whole batch again: every one a duplicate, nothing written. */
	for (i = 0; i < 10; i++) {
		if (i == 6)
			in[i].msg_key = "<m2@x>";
		in[i].stored_key = NULL;
	}
	if (store_ingest_many(st, in, 10, result, &err) != 0)
		fail_msg("store_ingest_many: %s", err.msg);
	for (i = 0; i < 10; i++)
		assert_int_equal(result[i], INGEST_DUPLICATE);
	assert_string_equal(in[6].stored_key, "sha256:d6");
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 9);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 5);
	store_close(st);
}

static void
test_ingest_response_records_score_category_and_comment(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	char text[160];

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 5, "trop lent", "I@Example.COM", 10),
	    INGEST_NEW);
	/* The comment is stored once: in the comments table. */
	assert_string_equal(query_text(st, "SELECT survey_id || '|' || score"
	    " || '|' || category || '|' || ifnull(comment, '-') || '|' ||"
	    " sender || '|' ||"
	    " lang || '|' || forwarded || '|' || received_at || '|' ||"
	    " source_message_id || '|' || ifnull(superseded_by, 'current')"
	    " FROM responses", text, sizeof(text)),
	    "iiiiiiiiiiiiiiii|5|detractor|-|i@example.com|fr|0|10|"
	    "<r1@example.com>|current");
	assert_string_equal(query_text(st, "SELECT survey_id || '|' ||"
	    " response_id || '|' || text || '|' || at FROM comments", text,
	    sizeof(text)), "iiiiiiiiiiiiiiii|1|trop lent|10");
	assert_string_equal(query_text(st, "SELECT kind || '|' || survey_id"
	    " || '|' || folder FROM processed", text, sizeof(text)),
	    "response|iiiiiiiiiiiiiiii|nps/done");
	store_close(st);
}

static void
test_ingest_second_score_supersedes_first(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 6, NULL, "i@example.com", 10), INGEST_NEW);
	assert_int_equal(ingest(st, "<r2@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 10, NULL, "i@example.com", 20), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 2);
	assert_int_equal(query_int(st, "SELECT superseded_by FROM responses"
	    " WHERE score = 6"), query_int(st, "SELECT id FROM responses"
	    " WHERE score = 10"));
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses WHERE"
	    " superseded_by IS NULL"), 1);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), 10);
	/* A third one supersedes the second; the first keeps its link. */
	assert_int_equal(ingest(st, "<r3@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 8, NULL, "i@example.com", 30), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), 8);
	assert_int_equal(query_int(st, "SELECT superseded_by FROM responses"
	    " WHERE score = 10"), query_int(st, "SELECT id FROM responses"
	    " WHERE score = 8"));
	assert_int_equal(query_int(st, "SELECT superseded_by FROM responses"
	    " WHERE score = 6"), query_int(st, "SELECT id FROM responses"
	    " WHERE score = 10"));
	store_close(st);
}

static void
test_ingest_comment_only_followup_keeps_score(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	char text[64];

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 9, "merci", "i@example.com", 10), INGEST_NEW);
	assert_int_equal(ingest(st, "<r2@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", -1, "et aussi la livraison", "i@example.com",
	    20), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 1);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), 9);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"), 2);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments WHERE"
	    " response_id = (SELECT id FROM responses)"), 2);
	assert_string_equal(query_text(st, "SELECT text FROM comments WHERE"
	    " at = 20", text, sizeof(text)), "et aussi la livraison");
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 2);
	store_close(st);
}

static void
test_ingest_unscored_first_reply_is_superseded_by_score(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", -1, "7 ou 8 ?", "i@example.com", 10),
	    INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses WHERE"
	    " score IS NULL AND category IS NULL"), 1);
	assert_int_equal(ingest(st, "<r2@example.com>", INGEST_RESPONSE,
	    "iiiiiiiiiiiiiiii", 8, NULL, "i@example.com", 20), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), 8);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses WHERE"
	    " score IS NULL AND superseded_by IS NOT NULL"), 1);
	store_close(st);
}

static void
test_ingest_score_out_of_range_keeps_comment_only(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct survey_rec r;
	struct npserr err;

	survey_init(&r, "cccccccccccccccc", "c@example.com", 1);
	r.type = SURVEY_CSAT;
	assert_int_equal(store_survey_add(st, &r, &err), 0);
	assert_int_equal(ingest(st, "<r1@example.com>", INGEST_RESPONSE,
	    "cccccccccccccccc", 9, "9 sur 10", "c@example.com", 10),
	    INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses WHERE"
	    " score IS NULL"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"), 1);
	assert_int_equal(ingest(st, "<r2@example.com>", INGEST_RESPONSE,
	    "cccccccccccccccc", 4, NULL, "c@example.com", 20), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses WHERE"
	    " score = 4 AND category = 'promoter' AND superseded_by IS NULL"),
	    1);
	store_close(st);
}

static void
test_ingest_bounce_marks_survey_bounced(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct survey_rec got;
	struct npserr err;
	char text[128];

	add_survey(st, "bbbbbbbbbbbbbbbb", "gone@example.com", 1);
	assert_int_equal(ingest(st, "<bounce1@mx.example>", INGEST_BOUNCE,
	    "bbbbbbbbbbbbbbbb", -1, NULL, "MAILER-DAEMON@mx.example", 50),
	    INGEST_NEW);
	assert_int_equal(store_survey_get(st, "bbbbbbbbbbbbbbbb", &got, &err),
	    1);
	assert_int_equal(got.status, SURVEY_BOUNCED);
	store_survey_clear(&got);
	assert_string_equal(query_text(st, "SELECT kind || '|' || survey_id"
	    " || '|' || recipient || '|' || at FROM events", text,
	    sizeof(text)), "bounced|bbbbbbbbbbbbbbbb|gone@example.com|50");
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 0);
	assert_string_equal(query_text(st, "SELECT kind FROM processed", text,
	    sizeof(text)), "bounce");
	store_close(st);
}

/* The opt-out is the surveyed recipient's, whoever sent the reply: a
 * token proves the survey, not the writer. */
static void
test_ingest_unsubscribe_records_survey_recipient(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct npserr err;

	add_survey(st, "uuuuuuuuuuuuuu01", "Anne@Example.com", 1);
	add_survey(st, "uuuuuuuuuuuuuu02", "Marc@Example.com", 1);
	assert_int_equal(ingest(st, "<u1@example.com>", INGEST_UNSUBSCRIBE,
	    "uuuuuuuuuuuuuu01", -1, NULL, "Mallory@Example.net", 60),
	    INGEST_NEW);
	assert_int_equal(ingest(st, "<u2@example.com>", INGEST_UNSUBSCRIBE,
	    "uuuuuuuuuuuuuu02", -1, NULL, "", 61), INGEST_NEW);
	assert_int_equal(store_is_unsubscribed(st, "anne@example.com", &err),
	    1);
	assert_int_equal(store_is_unsubscribed(st, "mallory@example.net",
	    &err), 0);
	assert_int_equal(store_is_unsubscribed(st, "marc@example.com", &err),
	    1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM unsubscribed"),
	    2);
	assert_int_equal(query_int(st, "SELECT count(*) FROM unsubscribed"
	    " WHERE survey_id = 'uuuuuuuuuuuuuu02' AND at = 61"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind = 'unsubscribed'"), 2);
	/* Without a survey nobody is opted out. */
	assert_int_equal(ingest(st, "<u3@example.com>", INGEST_UNSUBSCRIBE,
	    NULL, -1, NULL, "eve@example.org", 62), INGEST_NEW);
	assert_int_equal(store_is_unsubscribed(st, "eve@example.org", &err),
	    0);
	store_close(st);
}

/* Another message under a Message-ID already used is stored under its
 * digest; the same bytes again are the duplicate. */
static void
test_ingest_reused_message_id_with_other_bytes_is_kept(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct ingest_rec got;
	char text[128];

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	add_survey(st, "jjjjjjjjjjjjjjjj", "j@example.com", 1);
	assert_int_equal(ingest_digest(st, "<same@example.com>", "sha256:aa",
	    INGEST_RESPONSE, "iiiiiiiiiiiiiiii", 9, NULL, "i@example.com", 10,
	    &got), INGEST_NEW);
	assert_string_equal(got.stored_key, "<same@example.com>");
	assert_int_equal(ingest_digest(st, "<same@example.com>", "sha256:bb",
	    INGEST_RESPONSE, "jjjjjjjjjjjjjjjj", 3, "lent", "j@example.com",
	    20, &got), INGEST_NEW);
	assert_string_equal(got.stored_key, "sha256:bb");
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 2);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " survey_id = 'jjjjjjjjjjjjjjjj'"), 3);
	assert_string_equal(query_text(st, "SELECT source_message_id FROM"
	    " responses WHERE survey_id = 'jjjjjjjjjjjjjjjj'", text,
	    sizeof(text)), "sha256:bb");
	/* Each of the two again: duplicates, under the key each got. */
	assert_int_equal(ingest_digest(st, "<same@example.com>", "sha256:aa",
	    INGEST_RESPONSE, "iiiiiiiiiiiiiiii", 9, NULL, "i@example.com", 30,
	    &got), INGEST_DUPLICATE);
	assert_string_equal(got.stored_key, "<same@example.com>");
	assert_int_equal(ingest_digest(st, "<same@example.com>", "sha256:bb",
	    INGEST_RESPONSE, "jjjjjjjjjjjjjjjj", 3, "lent", "j@example.com",
	    40, &got), INGEST_DUPLICATE);
	assert_string_equal(got.stored_key, "sha256:bb");
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 2);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 2);
	store_close(st);
}

/* A survey keeps STORE_MAX_ANSWERS answers; the next one is an
 * unmatched event naming it, filed for review, and counts nothing. */
static void
test_ingest_answers_per_survey_are_capped(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct ingest_rec got;
	char key[64], text[160];
	int i;

	add_survey(st, "iiiiiiiiiiiiiiii", "i@example.com", 1);
	for (i = 0; i < STORE_MAX_ANSWERS; i++) {
		snprintf(key, sizeof(key), "<a%d@example.com>", i);
		assert_int_equal(ingest_digest(st, key, NULL, INGEST_RESPONSE,
		    "iiiiiiiiiiiiiiii", i % 11, "encore", "i@example.com",
		    10 + i, &got), INGEST_NEW);
		assert_false(got.over_limit);
	}
	assert_int_equal(ingest_digest(st, "<over@example.com>", NULL,
	    INGEST_RESPONSE, "iiiiiiiiiiiiiiii", 0, "encore", "i@example.com",
	    100, &got), INGEST_NEW);
	assert_true(got.over_limit);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"),
	    STORE_MAX_ANSWERS);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"),
	    STORE_MAX_ANSWERS);
	assert_int_equal(query_int(st, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), (STORE_MAX_ANSWERS - 1) % 11);
	assert_string_equal(query_text(st, "SELECT kind || '|' || folder FROM"
	    " processed WHERE msg_key = '<over@example.com>'", text,
	    sizeof(text)), "unmatched|nps/review");
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind = 'unmatched' AND survey_id = 'iiiiiiiiiiiiiiii'"), 1);
	/* Fetched again: a duplicate, said to be over the limit again. */
	assert_int_equal(ingest_digest(st, "<over@example.com>", NULL,
	    INGEST_RESPONSE, "iiiiiiiiiiiiiiii", 0, "encore", "i@example.com",
	    110, &got), INGEST_DUPLICATE);
	assert_true(got.over_limit);
	assert_int_equal(ingest_digest(st, "<a0@example.com>", NULL,
	    INGEST_RESPONSE, "iiiiiiiiiiiiiiii", 0, "encore", "i@example.com",
	    120, &got), INGEST_DUPLICATE);
	assert_false(got.over_limit);
	store_close(st);
}

static void
test_ingest_unknown_survey_is_unmatched_event(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	char text[128];

	assert_int_equal(ingest(st, "<x1@example.com>", INGEST_RESPONSE,
	    "notinstore000000", 9, "bien", "x@example.com", 70), INGEST_NEW);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"), 0);
	assert_string_equal(query_text(st, "SELECT kind || '|' ||"
	    " ifnull(survey_id, '-') || '|' || detail FROM events", text,
	    sizeof(text)), "unmatched|-|survey ID not in store:"
	    " notinstore000000; message <x1@example.com>");
	assert_string_equal(query_text(st, "SELECT kind || '|' || survey_id"
	    " FROM processed", text, sizeof(text)),
	    "unmatched|notinstore000000");
	assert_int_equal(ingest(st, "<x1@example.com>", INGEST_RESPONSE,
	    "notinstore000000", 9, "bien", "x@example.com", 70),
	    INGEST_DUPLICATE);
	store_close(st);
}

static void
test_ingest_autoreply_unparsed_unmatched_are_events(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct ingest_rec in;
	struct survey_rec r;
	struct npserr err;

	survey_init(&r, "aaaaaaaaaaaaaaaa", "a@example.com", 1);
	r.agent = "agent9";
	assert_int_equal(store_survey_add(st, &r, &err), 0);
	assert_int_equal(ingest(st, "<ooo@example.com>", INGEST_AUTOREPLY,
	    "aaaaaaaaaaaaaaaa", -1, NULL, "a@example.com", 80), INGEST_NEW);
	assert_int_equal(ingest(st, "sha256:00ff", INGEST_UNPARSED, NULL, -1,
	    NULL, "Who@Example.com", 81), INGEST_NEW);
	memset(&in, 0, sizeof(in));
	in.msg_key = "<um@example.com>";
	in.kind = INGEST_UNMATCHED;
	in.score = -1;
	in.sender = "who@example.com";
	in.received_at = 82;
	in.detail = "forged";
	assert_int_equal(store_ingest(st, &in, &err), INGEST_NEW);
	/* The autoreply carries the survey's agent, for reports by agent. */
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind = 'autoreply' AND survey_id = 'aaaaaaaaaaaaaaaa' AND"
	    " agent = 'agent9' AND detail = '<ooo@example.com>'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind = 'unparsed' AND survey_id IS NULL AND"
	    " recipient = 'who@example.com'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM events WHERE"
	    " kind = 'unmatched' AND detail = 'forged; message"
	    " <um@example.com>'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 3);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 0);
	store_close(st);
}

static void
test_ingest_refuses_missing_key(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	struct ingest_rec in;
	struct npserr err;

	memset(&in, 0, sizeof(in));
	in.kind = INGEST_UNPARSED;
	in.score = -1;
	npserr_clear(&err);
	assert_int_equal(store_ingest(st, &in, &err), -1);
	assert_non_null(strstr(err.msg, fx->path));
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"), 0);
	store_close(st);
}

/* --- transactions and locking --------------------------------------- */

static void
test_rollback_discards_grouped_writes(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct npserr err;

	assert_int_equal(store_begin(st, &err), 0);
	add_survey(st, "gggggggggggggg01", "g@example.com", 1);
	add_survey(st, "gggggggggggggg02", "g@example.com", 2);
	store_rollback(st);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys"), 0);
	assert_int_equal(store_begin(st, &err), 0);
	add_survey(st, "gggggggggggggg01", "g@example.com", 1);
	assert_int_equal(ingest(st, "<g@example.com>", INGEST_RESPONSE,
	    "gggggggggggggg01", 7, NULL, "g@example.com", 3), INGEST_NEW);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses"), 1);
	npserr_clear(&err);
	assert_int_equal(store_commit(st, &err), -1);
	assert_true(err.msg[0] != '\0');
	store_close(st);
}

static void
test_db_prepare_caches_by_text(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	struct store_stmt *a, *b;
	struct npserr err;

	a = store_db_prepare(st, "SELECT count(*) FROM surveys", &err);
	assert_non_null(a);
	b = store_db_prepare(st, "SELECT count(*) FROM surveys", &err);
	assert_ptr_equal(a, b);
	assert_int_equal(store_step(a), STORE_ROW);
	store_db_done(a);
	npserr_clear(&err);
	assert_null(store_db_prepare(st, "SELECT x FROM nowhere", &err));
	assert_non_null(strstr(err.msg, "no such table: nowhere"));
	store_close(st);
}

struct locker {
	const char *path;
	int hold_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int locked;
};

/* Holds the write lock on path for hold_ms from a plain connection. */
static void *
locker_run(void *arg)
{
	struct locker *lk = arg;
	struct timespec ts;
	sqlite3 *db;

	sqlite3_open(lk->path, &db);
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	pthread_mutex_lock(&lk->mu);
	lk->locked = 1;
	pthread_cond_signal(&lk->cv);
	pthread_mutex_unlock(&lk->mu);
	ts.tv_sec = lk->hold_ms / 1000;
	ts.tv_nsec = (long)(lk->hold_ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

static int
add_while_locked(const char *path, int busy_ms, int hold_ms,
    struct npserr *err)
{
	struct locker lk = { path, hold_ms, PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct survey_rec r;
	struct store *st;
	pthread_t t;
	int rc;

	st = open_ok(path, busy_ms);
	assert_int_equal(pthread_create(&t, NULL, locker_run, &lk), 0);
	pthread_mutex_lock(&lk.mu);
	while (!lk.locked)
		pthread_cond_wait(&lk.cv, &lk.mu);
	pthread_mutex_unlock(&lk.mu);
	survey_init(&r, "llllllllllllllll", "l@example.com", 1);
	npserr_clear(err);
	rc = store_survey_add(st, &r, err);
	pthread_join(t, NULL);
	store_close(st);
	return rc;
}

static void
test_write_waits_past_busy_timeout(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;

	/* Locked for 2 x the busy timeout: the retries get through. */
	if (add_while_locked(fx->path, 200, 400, &err) != 0)
		fail_msg("store_survey_add: %s", err.msg);
}

static void
test_write_gives_up_after_4_busy_timeouts(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;
	struct store *st;

	assert_int_equal(add_while_locked(fx->path, 50, 1000, &err), -1);
	assert_non_null(strstr(err.msg, fx->path));
	assert_non_null(strstr(err.msg, "database is locked"));
	st = open_ok(fx->path, 1000);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys"), 0);
	store_close(st);
}

#define WRITERS 8
#define WRITES 200

struct writer {
	const char *path;
	int n;
	int failures;
	char first_error[NPSERR_MAX];
};

static void
writer_fail(struct writer *w, const char *msg)
{
	if (w->failures++ == 0)
		snprintf(w->first_error, sizeof(w->first_error), "%s", msg);
}

/* One milter worker: its own connection, a survey and a reply each time.
 * No cmocka assertion here: they must run on the main thread. */
static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	char id[TOKEN_ID_LEN + 1], key[64];
	struct survey_rec r;
	struct ingest_rec in;
	struct npserr err;
	struct store *st;
	int i;

	if ((st = store_open(w->path, 5000, &err)) == NULL) {
		writer_fail(w, err.msg);
		return NULL;
	}
	for (i = 0; i < WRITES; i++) {
		snprintf(id, sizeof(id), "w%dn%012d", w->n, i);
		memset(&r, 0, sizeof(r));
		memcpy(r.id, id, sizeof(r.id));
		r.type = SURVEY_NPS;
		r.recipient = "load@example.com";
		r.created_at = i;
		if (store_survey_add(st, &r, &err) != 0)
			writer_fail(w, err.msg);
		snprintf(key, sizeof(key), "<%s@load.example>", id);
		memset(&in, 0, sizeof(in));
		in.msg_key = key;
		in.kind = INGEST_RESPONSE;
		in.survey_id = id;
		in.score = i % 11;
		in.comment = i % 3 == 0 ? "ok" : NULL;
		in.sender = "load@example.com";
		in.received_at = i;
		if (store_ingest(st, &in, &err) != INGEST_NEW)
			writer_fail(w, err.msg);
	}
	store_close(st);
	return NULL;
}

static void
test_concurrent_writers_lose_nothing(void **state)
{
	struct fixture *fx = *state;
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	struct store *st;
	int i;

	for (i = 0; i < WRITERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].path = fx->where;
		w[i].n = i;
	}
	/* The threads open the new file at once: migration races too. */
	for (i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]),
		    0);
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < WRITERS; i++)
		if (w[i].failures != 0)
			fail_msg("writer %d: %d failures, first: %s", i,
			    w[i].failures, w[i].first_error);
	st = open_ok(fx->where, 1000);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys"),
	    WRITERS * WRITES);
	assert_int_equal(query_int(st, "SELECT count(*) FROM processed"),
	    WRITERS * WRITES);
	assert_int_equal(query_int(st, "SELECT count(*) FROM responses WHERE"
	    " superseded_by IS NULL"), WRITERS * WRITES);
	assert_int_equal(query_int(st, "SELECT count(*) FROM comments"),
	    WRITERS * ((WRITES + 2) / 3));
	assert_int_equal(query_int(st, "SELECT count(*) FROM meta"), 1);
	store_close(st);
}


/* A file of schema version 5 with a survey: version 6 adds the help
 * desk's address (unknown for the old row), the index on tickets and the
 * forwards, and a survey recorded now keeps its address. */
static void
test_migrates_version_5_to_forwards(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->path, 1000);
	struct survey_rec r;
	struct npserr err;
	char to[64] = "";

	add_survey(st, "v5v5v5v5v5v5v5v5", "old@example.com", 1000);
	store_close(st);
	raw_exec(fx->path, UNDO_V7 UNDO_V6 " PRAGMA user_version = 5;");
	st = open_ok(fx->path, 1000);
	assert_int_equal(query_int(st, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(st, "SELECT count(*) FROM surveys WHERE"
	    " id = 'v5v5v5v5v5v5v5v5' AND helpdesk_to IS NULL"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND name = 'surveys_ticket'"), 1);
	assert_int_equal(query_int(st, "SELECT count(*) FROM forwards"), 0);
	survey_init(&r, "v6v6v6v6v6v6v6v6", "new@example.com", 2000);
	r.helpdesk_to = "Support@Shop.Example";
	if (store_survey_add(st, &r, &err) != 0)
		fail_msg("store_survey_add: %s", err.msg);
	assert_string_equal(query_text(st, "SELECT helpdesk_to FROM surveys"
	    " WHERE id = 'v6v6v6v6v6v6v6v6'", to, sizeof(to)),
	    "support@shop.example");
	store_close(st);
}

/* A reply with a forward, stored under its key; the rest as store_ingest
 * does it. */
static int
ingest_forward_n(struct store *st, const char *key, const char *digest,
    const char *survey_id, const char *mail, size_t len, int64_t at)
{
	struct ingest_rec in;
	struct npserr err;
	int r;

	memset(&in, 0, sizeof(in));
	in.msg_key = key;
	in.digest = digest;
	in.kind = INGEST_RESPONSE;
	in.survey_id = survey_id;
	in.score = -1;
	in.comment = "still broken";
	in.sender = "cust@example.com";
	in.received_at = at;
	in.forward_to = "support@shop.example";
	in.forward_msg = mail;
	in.forward_len = len;
	npserr_clear(&err);
	if ((r = store_ingest(st, &in, &err)) == -1)
		fail_msg("store_ingest %s: %s", key, err.msg);
	return r;
}

static int
ingest_forward(struct store *st, const char *key, const char *digest,
    const char *survey_id, const char *mail, int64_t at)
{
	return ingest_forward_n(st, key, digest, survey_id, mail,
	    strlen(mail), at);
}

/* Runs SQL on the store's own connection, whatever its database. */
static void
store_exec_ok(struct store *st, const char *sql)
{
	struct npserr err;

	npserr_clear(&err);
	if (store_db_exec(st, sql, &err, "test") == -1)
		fail_msg("%s: %s", sql, err.msg);
}

/* A forward is a row per message key, written with the reply: the same
 * message again adds none; it is claimed once while the claim holds,
 * retried after a failure, and once sent drops its mail and is never
 * claimed again. */
static void
test_forward_once_per_message_claimed_sent(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct forward_rec f;
	struct npserr err;
	char *to = NULL;
	int64_t at;

	add_survey(st, "fwfwfwfwfwfwfwfw", "cust@example.com", 1000);
	assert_int_equal(store_forward_target(st, "fwfwfwfwfwfwfwfw", &to,
	    &err), 0);
	store_exec_ok(st, "UPDATE surveys SET helpdesk_to ="
	    " 'support@shop.example'");
	assert_int_equal(store_forward_target(st, "fwfwfwfwfwfwfwfw", &to,
	    &err), 1);
	assert_string_equal(to, "support@shop.example");
	free(to);
	assert_int_equal(ingest_forward(st, "<a@c>", "sha256:aa",
	    "fwfwfwfwfwfwfwfw", "Subject: x\n\nbody\n", 2000), INGEST_NEW);
	assert_int_equal(ingest_forward(st, "<a@c>", "sha256:aa",
	    "fwfwfwfwfwfwfwfw", "Subject: x\n\nbody\n", 2100),
	    INGEST_DUPLICATE);
	assert_int_equal(query_int(st, "SELECT count(*) FROM forwards"), 1);
	assert_int_equal(store_forward_next_due(st, &at, &err), 1);
	assert_int_equal(at, 2000);
	assert_int_equal(store_forward_claim(st, 1999, 900, &f, &err), 0);
	assert_int_equal(store_forward_claim(st, 2000, 900, &f, &err), 1);
	assert_string_equal(f.msg_key, "<a@c>");
	assert_string_equal(f.rcpt, "support@shop.example");
	assert_int_equal(f.len, strlen("Subject: x\n\nbody\n"));
	assert_memory_equal(f.message, "Subject: x\n\nbody\n", f.len);
	assert_int_equal(f.attempts, 1);
	store_forward_clear(&f);
	/* Claimed: nobody else takes it until the lease ends. */
	assert_int_equal(store_forward_claim(st, 2000, 900, &f, &err), 0);
	assert_int_equal(store_forward_failed(st, "<a@c>", "exit 75", 2060,
	    &err), 0);
	assert_int_equal(store_forward_claim(st, 2059, 900, &f, &err), 0);
	assert_int_equal(store_forward_claim(st, 2060, 900, &f, &err), 1);
	assert_int_equal(f.attempts, 2);
	store_forward_clear(&f);
	assert_int_equal(store_forward_sent(st, "<a@c>", 2061, &err), 0);
	assert_int_equal(store_forward_claim(st, 99999, 900, &f, &err), 0);
	assert_int_equal(store_forward_next_due(st, &at, &err), 0);
	assert_int_equal(query_int(st, "SELECT count(*) FROM forwards WHERE"
	    " state = 'sent' AND message IS NULL AND sent_at = 2061"), 1);
	/* The survey gone (forget, purge), its forwards go too. */
	store_exec_ok(st, "DELETE FROM surveys");
	assert_int_equal(query_int(st, "SELECT count(*) FROM forwards"), 0);
	store_close(st);
}

/* The mail is kept as bytes, whatever they are: a NUL, 8-bit bytes and a
 * CR come back from the claim as they went in. */
static void
test_forward_keeps_the_mail_byte_for_byte(void **state)
{
	static const char mail[] = "Subject: x\n\nnul \0 then \xff\xfe\r\n";
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	struct forward_rec f;
	struct npserr err;

	add_survey(st, "bybybybybybybyby", "cust@example.com", 1000);
	assert_int_equal(ingest_forward_n(st, "<b@c>", "sha256:bb",
	    "bybybybybybybyby", mail, sizeof(mail) - 1, 2000), INGEST_NEW);
	assert_int_equal(store_forward_claim(st, 2000, 900, &f, &err), 1);
	assert_int_equal(f.len, sizeof(mail) - 1);
	assert_memory_equal(f.message, mail, sizeof(mail) - 1);
	assert_int_equal(f.message[f.len], '\0');
	store_forward_clear(&f);
	store_close(st);
}

/* A survey hands on at most STORE_MAX_ANSWERS replies; a reply to a
 * survey the store does not know hands on none. */
static void
test_forward_capped_per_survey(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_ok(fx->where, 1000);
	char key[32], dig[32];
	int i;

	add_survey(st, "cpcpcpcpcpcpcpcp", "cust@example.com", 1000);
	for (i = 0; i < STORE_MAX_ANSWERS + 3; i++) {
		snprintf(key, sizeof(key), "<m%d@c>", i);
		snprintf(dig, sizeof(dig), "sha256:%02x", i);
		ingest_forward(st, key, dig, "cpcpcpcpcpcpcpcp", "X: y\n\nz\n",
		    2000 + i);
	}
	assert_int_equal(query_int(st, "SELECT count(*) FROM forwards"),
	    STORE_MAX_ANSWERS);
	ingest_forward(st, "<u@c>", "sha256:ff", "unknownunknownun",
	    "X: y\n\nz\n", 3000);
	assert_int_equal(query_int(st, "SELECT count(*) FROM forwards"),
	    STORE_MAX_ANSWERS);
	store_close(st);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_empty_file_creates_schema_1),
		T(test_open_uses_wal),
		T(test_reopen_keeps_data),
		T(test_open_refuses_newer_schema),
		T(test_open_migrates_version_0_file_keeping_other_tables),
		T(test_open_refuses_version_0_file_with_clashing_table),
		T(test_fresh_store_has_anonymous_counts),
		T(test_migrates_version_2_without_anonymous_counts),
		T(test_migrates_version_2_with_lazy_anonymous_counts),
		T(test_migrates_version_4_to_themes),
		T(test_migrates_version_3_adds_message_digest),
		T(test_migrates_version_5_to_forwards),
		T(test_forward_once_per_message_claimed_sent),
		T(test_forward_capped_per_survey),
		T(test_forward_keeps_the_mail_byte_for_byte),
		T(test_open_refuses_next_version_and_leaves_it),
		T(test_open_in_missing_directory_names_path),
		T(test_open_refuses_file_that_is_not_a_database),
		T(test_survey_round_trip_keeps_every_field),
		T(test_survey_add_keeps_absent_fields_null),
		T(test_survey_add_refuses_same_id_twice),
		T(test_last_survey_time_is_latest_any_case),
		T(test_held_due_lists_only_due_held_in_due_order),
		T(test_held_due_callback_may_write),
		T(test_held_due_lists_only_the_node_own),
		T(test_migrates_version_6_keeps_held_releasable),
		T(test_set_status_records_release_time),
		T(test_event_add_records_every_field),
		cmocka_unit_test(test_event_kind_names_match_schema),
		T(test_unsubscribe_is_idempotent_and_case_insensitive),
		T(test_ingest_duplicate_key_writes_nothing),
		T(test_ingest_many_is_one_reply_after_the_other),
		T(test_ingest_response_records_score_category_and_comment),
		T(test_ingest_second_score_supersedes_first),
		T(test_ingest_comment_only_followup_keeps_score),
		T(test_ingest_unscored_first_reply_is_superseded_by_score),
		T(test_ingest_score_out_of_range_keeps_comment_only),
		T(test_ingest_bounce_marks_survey_bounced),
		T(test_ingest_unsubscribe_records_survey_recipient),
		T(test_ingest_reused_message_id_with_other_bytes_is_kept),
		T(test_ingest_answers_per_survey_are_capped),
		T(test_ingest_unknown_survey_is_unmatched_event),
		T(test_ingest_autoreply_unparsed_unmatched_are_events),
		T(test_ingest_refuses_missing_key),
		T(test_rollback_discards_grouped_writes),
		T(test_db_prepare_caches_by_text),
		T(test_write_waits_past_busy_timeout),
		T(test_write_gives_up_after_4_busy_timeouts),
		T(test_concurrent_writers_lose_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
