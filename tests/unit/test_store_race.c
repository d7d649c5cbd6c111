/*
 * test_store_race.c - the rules that span mails hold in the database when
 * several connections decide at the same moment, as the milters of two
 * relays and two hooks on one mailbox do on a shared store: one survey
 * per recipient within the throttle, one per ticket, a reply stored once,
 * one current answer per survey, a held survey released once.
 *
 * Each round starts RACERS threads, each with its own connection to the
 * same store, held at a barrier and then let go together. On SQLite the
 * write lock of the file orders them; with NPSGATE_TEST_PG set the store
 * is on PostgreSQL, where it is the store's transactions and locks that
 * must.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "store/store.h"
#include "testlib.h"

#define RACERS 4
#define ROUNDS 12
#define NOW 1790000000

struct fixture {
	char *dir;
	char *where;		/* the store all connections open */
	struct store *st;	/* the test's own connection */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct npserr err;

	if (fx == NULL || (fx->dir = testlib_dir_make("race")) == NULL ||
	    (fx->where = testlib_store_where(fx->dir)) == NULL)
		return -1;
	fx->st = store_open(fx->where, 5000, &err);
	if (fx->st == NULL) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->st);
	free(fx->where);
	testlib_dir_remove(fx->dir);
	free(fx);
	return 0;
}

enum race_kind {
	RACE_THROTTLE,		/* same recipient, throttled */
	RACE_TICKET,		/* same ticket, once per ticket */
	RACE_SAME_REPLY,	/* the same reply message */
	RACE_TWO_REPLIES,	/* two replies to one survey */
	RACE_RELEASE		/* one held survey released */
};

struct racer {
	struct fixture *fx;
	pthread_barrier_t *go;
	enum race_kind kind;
	int round, n;
	const char *survey_id;	/* the replies' survey */
	int result;		/* what the store answered */
	struct npserr why;	/* when result is -1 */
};

static void
racer_survey(struct racer *r, struct store *st)
{
	struct survey_rec rec;
	char id[TOKEN_ID_LEN + 8], rcpt[64], ticket[32];
	struct npserr err;

	memset(&rec, 0, sizeof(rec));
	/* Sixteen characters, as the survey ids of tokens. */
	snprintf(id, sizeof(id), "r%04un%02uaaaaaaaa",
	    (unsigned)r->round % 10000u, (unsigned)r->n % 100u);
	memcpy(rec.id, id, TOKEN_ID_LEN);
	rec.type = SURVEY_NPS;
	rec.status = SURVEY_SENT;
	rec.created_at = NOW + r->round;
	if (r->kind == RACE_THROTTLE) {
		/* The case differs, the address is the same. */
		snprintf(rcpt, sizeof(rcpt), "%s%d@example.com",
		    r->n % 2 ? "Customer" : "customer", r->round);
		rec.throttle_from = NOW - 30 * 86400;
	} else {
		snprintf(rcpt, sizeof(rcpt), "c%d-%d@example.com", r->round,
		    r->n);
		snprintf(ticket, sizeof(ticket), "T-%d", r->round);
		rec.ticket = ticket;
		rec.once_per_ticket = true;
	}
	rec.recipient = rcpt;
	pthread_barrier_wait(r->go);
	r->result = store_survey_add(st, &rec, &err);
	if (r->result < 0)
		r->why = err;
}

static void
racer_reply(struct racer *r, struct store *st)
{
	struct ingest_rec in;
	char key[64], digest[80];
	struct npserr err;

	memset(&in, 0, sizeof(in));
	/* The same message, or one message per racer. */
	snprintf(key, sizeof(key), "<reply-%d-%d@client.example>", r->round,
	    r->kind == RACE_SAME_REPLY ? 0 : r->n);
	snprintf(digest, sizeof(digest), "sha256:%064d",
	    r->kind == RACE_SAME_REPLY ? r->round : r->round * 100 + r->n);
	in.msg_key = key;
	in.digest = digest;
	in.kind = INGEST_RESPONSE;
	in.survey_id = r->survey_id;
	in.score = r->n % 11;
	in.sender = "customer@example.com";
	in.received_at = NOW + r->round;
	pthread_barrier_wait(r->go);
	r->result = store_ingest(st, &in, &err);
	if (r->result < 0)
		r->why = err;
}

static void *
racer_run(void *arg)
{
	struct racer *r = arg;
	struct npserr err;
	struct store *st;

	st = store_open(r->fx->where, 5000, &err);
	if (st == NULL) {
		r->why = err;
		r->result = -1;
		pthread_barrier_wait(r->go);
		return NULL;
	}
	if (r->kind == RACE_THROTTLE || r->kind == RACE_TICKET) {
		racer_survey(r, st);
	} else if (r->kind == RACE_RELEASE) {
		pthread_barrier_wait(r->go);
		r->result = store_survey_release(st, r->survey_id, NOW, &err);
		if (r->result < 0)
			r->why = err;
	} else {
		racer_reply(r, st);
	}
	store_close(st);
	return NULL;
}

/* Runs one round of kind; the results in r[]. */
static void
race(struct fixture *fx, enum race_kind kind, int round,
    const char *survey_id, struct racer r[RACERS])
{
	pthread_barrier_t go;
	pthread_t t[RACERS];
	int i;

	assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].fx = fx;
		r[i].go = &go;
		r[i].kind = kind;
		r[i].round = round;
		r[i].n = i;
		r[i].survey_id = survey_id;
		assert_int_equal(pthread_create(&t[i], NULL, racer_run, &r[i]),
		    0);
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < RACERS; i++)
		if (r[i].result < 0)
			fail_msg("racer %d: %s", i, r[i].why.msg);
}

static int
count_of(struct racer r[RACERS], int result)
{
	int i, n = 0;

	for (i = 0; i < RACERS; i++)
		n += r[i].result == result;
	return n;
}

static void
test_one_survey_per_recipient_when_milters_race(void **state)
{
	struct fixture *fx = *state;
	struct racer r[RACERS];
	char rcpt[64];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		race(fx, RACE_THROTTLE, round, NULL, r);
		assert_int_equal(count_of(r, 0), 1);
		assert_int_equal(count_of(r, STORE_THROTTLED), RACERS - 1);
		snprintf(rcpt, sizeof(rcpt), "customer%d@example.com", round);
		assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM"
		    " surveys WHERE recipient = ?1", rcpt), 1);
	}
}

static void
test_one_survey_per_ticket_when_milters_race(void **state)
{
	struct fixture *fx = *state;
	struct racer r[RACERS];
	char ticket[32];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		race(fx, RACE_TICKET, round, NULL, r);
		assert_int_equal(count_of(r, 0), 1);
		snprintf(ticket, sizeof(ticket), "T-%d", round);
		assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM"
		    " surveys WHERE ticket = ?1", ticket), 1);
	}
}

/* A survey for the replies of round. */
static void
survey_for_replies(struct fixture *fx, int round, char id[TOKEN_ID_LEN + 1])
{
	struct survey_rec rec;
	struct npserr err;

	memset(&rec, 0, sizeof(rec));
	snprintf(id, TOKEN_ID_LEN + 1, "s%04ubbbbbbbbbbb",
	    (unsigned)round % 10000u);
	memcpy(rec.id, id, sizeof(rec.id));
	rec.type = SURVEY_NPS;
	rec.status = SURVEY_SENT;
	rec.recipient = "customer@example.com";
	rec.created_at = NOW;
	assert_int_equal(store_survey_add(fx->st, &rec, &err), 0);
}

static void
test_a_reply_is_stored_once_when_hooks_race(void **state)
{
	struct fixture *fx = *state;
	struct racer r[RACERS];
	char id[TOKEN_ID_LEN + 1];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		survey_for_replies(fx, round, id);
		race(fx, RACE_SAME_REPLY, round, id, r);
		assert_int_equal(count_of(r, INGEST_NEW), 1);
		assert_int_equal(count_of(r, INGEST_DUPLICATE), RACERS - 1);
		assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM"
		    " responses WHERE survey_id = ?1", id), 1);
	}
}

static void
test_one_current_answer_when_replies_race(void **state)
{
	struct fixture *fx = *state;
	struct racer r[RACERS];
	char id[TOKEN_ID_LEN + 1];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		survey_for_replies(fx, 50 + round, id);
		race(fx, RACE_TWO_REPLIES, 50 + round, id, r);
		assert_int_equal(count_of(r, INGEST_NEW), RACERS);
		assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM"
		    " responses WHERE survey_id = ?1", id), RACERS);
		assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM"
		    " responses WHERE survey_id = ?1 AND superseded_by IS"
		    " NULL", id), 1);
	}
}

static void
test_a_held_survey_is_released_once(void **state)
{
	struct fixture *fx = *state;
	struct racer r[RACERS];
	struct survey_rec rec;
	struct npserr err;
	char id[TOKEN_ID_LEN + 1];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		memset(&rec, 0, sizeof(rec));
		snprintf(id, sizeof(id), "h%04ubbbbbbbbbbb",
		    (unsigned)round % 10000u);
		memcpy(rec.id, id, sizeof(rec.id));
		rec.type = SURVEY_NPS;
		rec.status = SURVEY_HELD;
		rec.recipient = "customer@example.com";
		rec.created_at = NOW - 86400;
		rec.due_at = NOW - 60;
		assert_int_equal(store_survey_add(fx->st, &rec, &err), 0);
		race(fx, RACE_RELEASE, round, id, r);
		assert_int_equal(count_of(r, 1), 1);
		assert_int_equal(count_of(r, 0), RACERS - 1);
		assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM"
		    " surveys WHERE id = ?1 AND status = 'released'", id), 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_one_survey_per_recipient_when_milters_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_one_survey_per_ticket_when_milters_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_reply_is_stored_once_when_hooks_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_one_current_answer_when_replies_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_held_survey_is_released_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
