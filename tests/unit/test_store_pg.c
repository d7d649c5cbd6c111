/*
 * test_store_pg.c - what only the PostgreSQL store has: its address
 * (a URL or libpq's keyword form, never with a password), its schema
 * version table, and a connection lost under it (the server restarted,
 * or the session killed): the operation under way fails with a clear
 * error, the next one connects again by itself; a lock held by another
 * program longer than the busy timeout is waited for, then given up; a
 * store of version 5 migrated to 6 (the forwards, their mail a BYTEA); a
 * store of version 6 whose held surveys stay every relay's to release;
 * writes sent in a pipeline without waiting, whose failure fails their
 * transaction.
 *
 * The tests that need a server run when NPSGATE_TEST_PG names one, each
 * in a schema of its own (testlib_store_where), and are skipped without.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"
#include "testlib.h"

#define NOW 1790000000

static bool
have_server(void)
{
	const char *pg = getenv("NPSGATE_TEST_PG");

	return pg != NULL && pg[0] != '\0';
}

static void
test_a_password_in_the_address_is_refused(void **state)
{
	struct npserr err;

	(void)state;
	npserr_clear(&err);
	assert_null(store_open("postgresql://nps:secret@127.0.0.1:1/nps",
	    1000, &err));
	assert_non_null(strstr(err.msg, "holds a password"));
	assert_non_null(strstr(err.msg, "PGPASSFILE"));
	/* Nothing of the secret in the message. */
	assert_null(strstr(err.msg, "secret"));
	npserr_clear(&err);
	assert_null(store_open("host=127.0.0.1 port=1 password=secret"
	    " dbname=nps", 1000, &err));
	assert_non_null(strstr(err.msg, "holds a password"));
}

static void
test_a_server_that_does_not_answer_is_a_clear_error(void **state)
{
	struct npserr err;

	(void)state;
	npserr_clear(&err);
	/* Port 1 on loopback: nothing listens there. */
	assert_null(store_open("host=127.0.0.1 port=1 dbname=nps"
	    " connect_timeout=2", 1000, &err));
	assert_non_null(strstr(err.msg, "cannot connect"));
}

static void
survey_add(struct store *st, int n, int expect)
{
	struct survey_rec r;
	struct npserr err;
	char id[TOKEN_ID_LEN + 8], rcpt[64];

	memset(&r, 0, sizeof(r));
	snprintf(id, sizeof(id), "p%015u", (unsigned)n % 100000u);
	memcpy(r.id, id, TOKEN_ID_LEN);
	snprintf(rcpt, sizeof(rcpt), "c%d@example.com", n);
	r.type = SURVEY_NPS;
	r.status = SURVEY_SENT;
	r.recipient = rcpt;
	r.created_at = NOW + n;
	npserr_clear(&err);
	assert_int_equal(store_survey_add(st, &r, &err), expect);
	if (expect == -1)
		assert_non_null(strstr(err.msg, "connection lost"));
}

static void
test_a_lost_connection_fails_once_then_reconnects(void **state)
{
	struct store *st, *admin;
	struct npserr err;
	char *dir, *where, pid[32];
	int64_t v;

	(void)state;
	if (!have_server())
		skip();
	assert_non_null(dir = testlib_dir_make("pg"));
	assert_non_null(where = testlib_store_where(dir));
	assert_non_null(st = store_open(where, 2000, &err));
	assert_non_null(admin = store_open(where, 2000, &err));
	assert_string_equal(store_backend_name(st), "postgresql");
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(testlib_sql_int(st, "SELECT max(version) FROM"
	    " schema_version", NULL), STORE_SCHEMA_VERSION);
	survey_add(st, 1, 0);
	/* The server ends the session, as a restart would. */
	v = testlib_sql_int(st, "SELECT pg_backend_pid()", NULL);
	snprintf(pid, sizeof(pid), "%lld", (long long)v);
	assert_int_equal(testlib_sql_int(admin, "SELECT CASE WHEN"
	    " pg_terminate_backend(CAST(?1 AS INTEGER)) THEN 1 ELSE 0 END",
	    pid), 1);
	/* The write under way fails, and says why... */
	survey_add(st, 2, -1);
	/* ...the next one connects again, and prepares its statements on
	 * the new connection. */
	survey_add(st, 3, 0);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM surveys",
	    NULL), 2);
	assert_true(testlib_sql_int(st, "SELECT pg_backend_pid()", NULL) !=
	    v);
	store_close(admin);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

static void
test_a_lock_held_too_long_gives_up_after_4_busy_timeouts(void **state)
{
	struct store *st, *other;
	struct survey_rec r;
	struct npserr err;
	char *dir, *where;

	(void)state;
	if (!have_server())
		skip();
	assert_non_null(dir = testlib_dir_make("pg"));
	assert_non_null(where = testlib_store_where(dir));
	assert_non_null(st = store_open(where, 200, &err));
	assert_non_null(other = store_open(where, 200, &err));
	/* Another program decides for the same customer and does not
	 * finish: it holds the customer's lock. */
	assert_int_equal(store_begin(other, &err), 0);
	assert_int_equal(testlib_sql_int(other, "SELECT 1 FROM"
	    " pg_advisory_xact_lock(1, hashtext('slow@example.com'))", NULL),
	    1);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, "slowslowslowslow", TOKEN_ID_LEN);
	r.type = SURVEY_NPS;
	r.status = SURVEY_SENT;
	r.recipient = "Slow@example.com";
	r.created_at = NOW;
	npserr_clear(&err);
	assert_int_equal(store_survey_add(st, &r, &err), -1);
	assert_non_null(strstr(err.msg, "still refused after"));
	/* The other one ends: the write goes through. */
	store_rollback(other);
	assert_int_equal(store_survey_add(st, &r, &err), 0);
	store_close(other);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

/* A store in a schema of its own, with a table t (k) to write in. */
static struct store *
pipe_store(char **dir, char **where, int busy_ms)
{
	struct store *st;
	struct npserr err;

	assert_non_null(*dir = testlib_dir_make("pg-pipe"));
	assert_non_null(*where = testlib_store_where(*dir));
	assert_non_null(st = store_open(*where, busy_ms, &err));
	if (store_db_exec(st, "CREATE TABLE IF NOT EXISTS t (k INTEGER"
	    " PRIMARY KEY)", &err, "cannot create t") == -1)
		fail_msg("%s", err.msg);
	return st;
}

static int
pipe_add(struct store *st, int k, struct npserr *err)
{
	struct store_stmt *s;

	assert_non_null(s = store_db_prepare(st, "INSERT INTO t (k) VALUES"
	    " (?1)", err));
	store_bind_int64(s, 1, k);
	return store_db_later(st, s, err, "cannot add %d", k);
}

/* Writes sent without waiting: a statement that waits for an answer
 * sees them; one that failed fails that statement, with its own
 * message, and the commit, and nothing of the transaction stays. */
static void
test_writes_sent_without_waiting_fail_their_transaction(void **state)
{
	struct store *st;
	struct store_stmt *q;
	struct npserr err;
	char *dir, *where;

	(void)state;
	if (!have_server())
		skip();
	st = pipe_store(&dir, &where, 2000);
	/* Seen by what comes after them, sent or stepped. */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(pipe_add(st, 1, &err), 0);
	assert_int_equal(pipe_add(st, 2, &err), 0);
	assert_non_null(q = store_db_prepare(st, "SELECT count(*) FROM t",
	    &err));
	store_db_send(q);
	assert_int_equal(pipe_add(st, 3, &err), 0);
	assert_int_equal(store_step(q), STORE_ROW);
	assert_int_equal(store_col_int64(q, 0), 2);
	store_db_done(q);
	assert_int_equal(store_step(q), STORE_ROW);
	assert_int_equal(store_col_int64(q, 0), 3);
	store_db_done(q);
	assert_int_equal(store_commit(st, &err), 0);
	/* A duplicate key: the call returns, the next answer says it. */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(pipe_add(st, 4, &err), 0);
	assert_int_equal(pipe_add(st, 1, &err), 0);
	assert_int_equal(pipe_add(st, 5, &err), 0);
	assert_int_equal(store_step(q), -1);
	store_db_done(q);
	npserr_clear(&err);
	store_db_fail(st, &err, "cannot count");
	assert_non_null(strstr(err.msg, "cannot add 1"));
	assert_non_null(strstr(err.msg, "23505"));
	store_rollback(st);
	/* At the commit. */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(pipe_add(st, 6, &err), 0);
	assert_int_equal(pipe_add(st, 2, &err), 0);
	npserr_clear(&err);
	assert_int_equal(store_commit(st, &err), -1);
	assert_non_null(strstr(err.msg, "cannot commit"));
	assert_non_null(strstr(err.msg, "cannot add 2"));
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM t", NULL),
	    3);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM t WHERE"
	    " k IN (4, 5, 6)", NULL), 0);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

/* A write sent while another program holds the lock it needs: the call
 * does not wait (it would fail after the busy timeout); the statement
 * that waits for an answer gets it once the lock is free. */
static void
test_a_write_sent_does_not_wait_for_a_lock(void **state)
{
	struct store *st, *other;
	struct store_stmt *s;
	struct npserr err;
	char *dir, *where;

	(void)state;
	if (!have_server())
		skip();
	st = pipe_store(&dir, &where, 300);
	assert_non_null(other = store_open(where, 300, &err));
	assert_int_equal(store_begin(other, &err), 0);
	assert_int_equal(testlib_sql_int(other, "SELECT 1 FROM"
	    " pg_advisory_xact_lock(7, 7)", NULL), 1);
	assert_int_equal(store_begin(st, &err), 0);
	assert_non_null(s = store_db_prepare(st, "SELECT 1 FROM"
	    " pg_advisory_xact_lock(7, 7)", &err));
	assert_int_equal(store_db_later(st, s, &err, "cannot lock"), 0);
	assert_int_equal(pipe_add(st, 10, &err), 0);
	store_rollback(other);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM t", NULL),
	    1);
	assert_int_equal(store_commit(st, &err), 0);
	store_close(other);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

/* The session ended while writes are on their way: the transaction
 * fails with the reason, the next write connects again. */
static void
test_a_connection_lost_with_writes_on_their_way(void **state)
{
	struct store *st, *admin;
	struct npserr err;
	char *dir, *where, pid[32];

	(void)state;
	if (!have_server())
		skip();
	st = pipe_store(&dir, &where, 2000);
	assert_non_null(admin = store_open(where, 2000, &err));
	snprintf(pid, sizeof(pid), "%lld", (long long)testlib_sql_int(st,
	    "SELECT pg_backend_pid()", NULL));
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(pipe_add(st, 20, &err), 0);
	assert_int_equal(testlib_sql_int(admin, "SELECT CASE WHEN"
	    " pg_terminate_backend(CAST(?1 AS INTEGER)) THEN 1 ELSE 0 END",
	    pid), 1);
	(void)pipe_add(st, 21, &err);
	npserr_clear(&err);
	assert_int_equal(store_commit(st, &err), -1);
	/* The server's own word ("terminating connection ...") or libpq's
	 * ("connection lost"). */
	if (strstr(err.msg, "cannot commit: ") == NULL ||
	    (strstr(err.msg, "terminating connection") == NULL &&
	    strstr(err.msg, "connection lost") == NULL))
		fail_msg("%s", err.msg);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(pipe_add(st, 22, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(testlib_sql_int(admin, "SELECT count(*) FROM t",
	    NULL), 1);
	assert_int_equal(testlib_sql_int(admin, "SELECT k FROM t", NULL), 22);
	store_close(admin);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

/* A store of version 5, as an older npsgate left it on the server:
 * version 6 adds the help desk's address (unknown for the old row), the
 * index on tickets and the forwards, whose mail is a BYTEA. */
static void
test_migrates_version_5_to_forwards(void **state)
{
	struct store *st;
	struct survey_rec r;
	struct npserr err;
	char *dir, *where;

	(void)state;
	if (!have_server())
		skip();
	assert_non_null(dir = testlib_dir_make("pg-v5"));
	assert_non_null(where = testlib_store_where(dir));
	assert_non_null(st = store_open(where, 2000, &err));
	survey_add(st, 1, 0);
	if (store_db_exec(st, "ALTER TABLE surveys DROP COLUMN held_by;"
	    " DROP TABLE forwards; DROP INDEX"
	    " surveys_ticket; ALTER TABLE surveys DROP COLUMN helpdesk_to;"
	    " DELETE FROM schema_version; INSERT INTO schema_version"
	    " (version) VALUES (5)", &err, "back to version 5") == -1)
		fail_msg("%s", err.msg);
	store_close(st);
	assert_non_null(st = store_open(where, 2000, &err));
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(testlib_sql_int(st, "SELECT max(version) FROM"
	    " schema_version", NULL), STORE_SCHEMA_VERSION);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM surveys"
	    " WHERE helpdesk_to IS NULL", NULL), 1);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM pg_indexes"
	    " WHERE schemaname = current_schema() AND indexname ="
	    " 'surveys_ticket'", NULL), 1);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM"
	    " information_schema.columns WHERE table_schema ="
	    " current_schema() AND table_name = 'forwards' AND column_name ="
	    " 'message' AND data_type = 'bytea'", NULL), 1);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, "p000000000000002", TOKEN_ID_LEN);
	r.type = SURVEY_NPS;
	r.status = SURVEY_SENT;
	r.recipient = "new@example.com";
	r.created_at = NOW + 2;
	r.helpdesk_to = "Support@Shop.Example";
	if (store_survey_add(st, &r, &err) != 0)
		fail_msg("store_survey_add: %s", err.msg);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM surveys"
	    " WHERE helpdesk_to = 'support@shop.example'", NULL), 1);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

static int
count_due(const struct survey_rec *rec, void *arg)
{
	(void)rec;
	(*(int *)arg)++;
	return 0;
}

/* A store of version 6 with a survey held then, on the server: version 7
 * names no relay for it (held_by NULL), and each relay's release lists
 * it; a survey held now is its relay's only. */
static void
test_migrates_version_6_keeps_held_releasable(void **state)
{
	struct store *st;
	struct survey_rec r;
	struct npserr err;
	char *dir, *where;
	int n;

	(void)state;
	if (!have_server())
		skip();
	assert_non_null(dir = testlib_dir_make("pg-v6"));
	assert_non_null(where = testlib_store_where(dir));
	assert_non_null(st = store_open(where, 2000, &err));
	memset(&r, 0, sizeof(r));
	memcpy(r.id, "p000000000000006", TOKEN_ID_LEN);
	r.type = SURVEY_NPS;
	r.status = SURVEY_HELD;
	r.recipient = "old@example.com";
	r.created_at = NOW;
	r.due_at = NOW + 100;
	if (store_survey_add(st, &r, &err) != 0)
		fail_msg("store_survey_add: %s", err.msg);
	if (store_db_exec(st, "ALTER TABLE surveys DROP COLUMN held_by;"
	    " DELETE FROM schema_version; INSERT INTO schema_version"
	    " (version) VALUES (6)", &err, "back to version 6") == -1)
		fail_msg("%s", err.msg);
	store_close(st);
	assert_non_null(st = store_open(where, 2000, &err));
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(testlib_sql_int(st, "SELECT count(*) FROM surveys"
	    " WHERE held_by IS NULL AND status = 'held'", NULL), 1);
	n = 0;
	assert_int_equal(store_held_due(st, "relay-a", NOW + 200, count_due,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(store_held_due(st, "relay-b", NOW + 200, count_due,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	memcpy(r.id, "p000000000000007", TOKEN_ID_LEN);
	r.held_by = "relay-a";
	if (store_survey_add(st, &r, &err) != 0)
		fail_msg("store_survey_add: %s", err.msg);
	n = 0;
	assert_int_equal(store_held_due(st, "relay-a", NOW + 200, count_due,
	    &n, &err), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(store_held_due(st, "relay-b", NOW + 200, count_due,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_password_in_the_address_is_refused),
		cmocka_unit_test(
		    test_a_server_that_does_not_answer_is_a_clear_error),
		cmocka_unit_test(
		    test_a_lost_connection_fails_once_then_reconnects),
		cmocka_unit_test(
		    test_a_lock_held_too_long_gives_up_after_4_busy_timeouts),
		cmocka_unit_test(test_migrates_version_5_to_forwards),
		cmocka_unit_test(
		    test_migrates_version_6_keeps_held_releasable),
		cmocka_unit_test(
		    test_writes_sent_without_waiting_fail_their_transaction),
		cmocka_unit_test(test_a_write_sent_does_not_wait_for_a_lock),
		cmocka_unit_test(
		    test_a_connection_lost_with_writes_on_their_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
