/*
 * store_tx.c - the store's write transactions, whatever the database:
 * store_db_write() with its retries, and the transactions that callers
 * group writes in (store_begin, store_commit, store_rollback); see
 * store_db.h and store.h for the contracts.
 *
 * A write may be refused for a passing reason: SQLite's file lock still
 * taken after the busy timeout, PostgreSQL's serialization failure or
 * deadlock. Such a transaction is rolled back and run again after a
 * pause that grows, with jitter so that writers do not wake in step, for
 * up to 4 x the busy timeout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"


int64_t
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
store_sleep_ms(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* xorshift32: enough to keep retrying writers from waking in step. */
static uint32_t
store_jitter(struct store *st)
{
	uint32_t x = st->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	st->rng = x;
	return x;
}

/* store_tx_abort - see store_int.h. */
void
store_tx_abort(struct store *st)
{
	if (st->conn != NULL && st->be->in_tx(st))
		st->be->exec(st, "ROLLBACK");
}

/*
 * The pause before the next attempt, or -1 when the time allowed (4 x the
 * busy timeout since start) is spent.
 */
int64_t
store_retry_pause(struct store *st, int64_t start, int64_t *delay)
{
	int64_t left, pause;

	left = 4 * (int64_t)st->busy_ms - (store_now_ms() - start);
	if (left <= 0)
		return -1;
	pause = *delay + (int64_t)(store_jitter(st) % (uint32_t)*delay);
	if (pause > left)
		pause = left;
	if (*delay < 200)
		*delay *= 2;
	return pause;
}

/* Opens a write transaction, retried while the database says so. */
static int
store_begin_retry(struct store *st, struct npserr *err)
{
	int64_t start, delay = 5, pause;

	start = store_now_ms();
	while (st->be->exec(st, st->be->begin_sql) == -1) {
		store_db_fail(st, err, "cannot start a write transaction");
		store_tx_abort(st);
		if (!st->retry || (pause = store_retry_pause(st, start,
		    &delay)) < 0)
			return -1;
		store_sleep_ms(pause);
	}
	return 0;
}

/* store_db_write - see store_db.h. */
int
store_db_write(struct store *st,
    int (*fn)(struct store *st, void *arg, struct npserr *err), void *arg,
    struct npserr *err)
{
	int64_t start, delay = 5, pause;
	int attempts = 0, r;

	if (st->in_tx)
		return fn(st, arg, err);
	start = store_now_ms();
	for (;;) {
		attempts++;
		st->retry = false;
		if (st->be->exec(st, st->be->begin_sql) == -1) {
			r = store_db_fail(st, err,
			    "cannot start a write transaction");
		} else if ((r = fn(st, arg, err)) >= 0) {
			if (st->be->exec(st, "COMMIT") == 0)
				return r;
			r = store_db_fail(st, err, "cannot commit");
		}
		store_tx_abort(st);
		if (!st->retry)
			return -1;
		if ((pause = store_retry_pause(st, start, &delay)) < 0) {
			npserr_set(err, "store %s: %s after %d attempts in"
			    " %lld ms", st->path, store_is_pg(st) ?
			    "transaction conflicts: still refused" :
			    "database is locked: still busy", attempts,
			    (long long)(store_now_ms() - start));
			return -1;
		}
		store_sleep_ms(pause);
	}
}

/*
 * store_begin - opens a write transaction (retried like any write). The
 * store's writes then run inside it, without retry, until store_commit()
 * or store_rollback(). Transactions do not nest.
 */
int
store_begin(struct store *st, struct npserr *err)
{
	if (st->in_tx) {
		npserr_set(err, "store %s: a transaction is already open",
		    st->path);
		return -1;
	}
	if (store_begin_retry(st, err) == -1)
		return -1;
	st->in_tx = true;
	return 0;
}

/* store_commit - commits; on failure everything since store_begin() is
 * rolled back and err says why. */
int
store_commit(struct store *st, struct npserr *err)
{
	if (!st->in_tx) {
		npserr_set(err, "store %s: commit without a transaction",
		    st->path);
		return -1;
	}
	st->in_tx = false;
	if (st->be->exec(st, "COMMIT") == -1) {
		store_db_fail(st, err, "cannot commit");
		store_tx_abort(st);
		return -1;
	}
	return 0;
}

/* store_rollback - drops everything since store_begin(); never fails. */
void
store_rollback(struct store *st)
{
	st->in_tx = false;
	store_tx_abort(st);
}
