/*
 * db_pg_pipe.c - statements sent without waiting for their answers
 * (libpq's pipeline mode), so that a write transaction of many short
 * statements costs one round trip to the server where it cost one a
 * statement.
 *
 * Inside a transaction, store_db_later() sends a write whose answer the
 * caller does not read, and store_db_send() a statement whose rows it
 * reads later; both go out at once, and the server runs them in the
 * order sent. The first step that needs an answer (or an exec, a COMMIT,
 * a statement to prepare) sends its own statement behind them, ends the
 * pipeline with a Sync and reads every answer, in order. A failed
 * statement fails the transaction: the server skips what follows up to
 * the Sync, and the step that waited returns -1 with the failed
 * statement's message. COMMIT waits first, so nothing is committed that
 * the program did not see succeed.
 *
 * The pipeline holds at most PG_PIPE_MAX statements, whose answers (a
 * few dozen bytes each, or a few short rows) fit in the socket's
 * buffers: the connection stays in blocking mode, and the server never
 * waits for this program to read while this program waits to send.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/db_pg_int.h"
#include "store/store_db.h"
#include "store/store_int.h"

static int
pg_pipe_enter(struct store *st)
{
	struct pg_conn *pc = pg_conn(st);

	if (pc->piped)
		return 0;
	if (PQenterPipelineMode(pc->c) != 1) {
		store_pg_note(st, NULL, "cannot send statements in a"
		    " pipeline");
		return -1;
	}
	pc->piped = true;
	return 0;
}

/* The answer a statement had before is forgotten; its values stay. */
static void
pg_pipe_forget(struct pg_stmt *p)
{
	PQclear(p->res);
	p->res = NULL;
	p->row = -1;
	p->failed = false;
}

/*
 * Sends p in the pipeline: its answer goes to p when want, else it is
 * only checked, what naming it in the message of its failure. 0, or -1
 * when it could not be sent (the reason kept).
 */
static int
pg_pipe_push(struct store *st, struct pg_stmt *p, bool want,
    const char *what)
{
	struct pg_conn *pc = pg_conn(st);
	struct pg_pending *q;

	if (p->too_long) {
		store_db_note(st, false, "a value bound is over 2 GB");
		return -1;
	}
	if (pc->npend + 2 > PG_PIPE_MAX && store_pg_wait(st, NULL) == -1)
		return -1;
	if (pg_pipe_enter(st) == -1)
		return -1;
	/* Prepared on this connection, in the pipeline too the first
	 * time: a failure there makes it prepared again next time. */
	if (p->generation != pc->generation + 1) {
		snprintf(p->name, sizeof(p->name), "npsgate_%u",
		    ++pc->next_name);
		if (PQsendPrepare(pc->c, p->name, p->text, p->nparams,
		    p->types) != 1) {
			store_pg_note(st, NULL, NULL);
			return -1;
		}
		q = &pc->pend[pc->npend++];
		q->p = NULL;
		q->what = NULL;
		q->prepared = p;
		p->generation = pc->generation + 1;
	}
	if (PQsendQueryPrepared(pc->c, p->name, p->nparams,
	    (const char *const *)p->values, p->lengths, p->formats, 0) != 1) {
		store_pg_note(st, NULL, NULL);
		return -1;
	}
	q = &pc->pend[pc->npend++];
	q->p = want ? p : NULL;
	q->what = what != NULL ? xstrdup(what) : NULL;
	q->prepared = NULL;
	if (want)
		p->sent = true;
	return 0;
}

/* store_pg_send - the backend's send (store_int.h): inside a transaction,
 * p goes out now; elsewhere it runs at its first step. A statement that
 * cannot be sent fails at that step, with the reason. */
void
store_pg_send(struct store_stmt *s)
{
	struct pg_stmt *p = pg_s(s);
	struct store *st = s->st;
	struct pg_conn *pc = pg_conn(st);

	if (!pc->in_tx || PQstatus(pc->c) != CONNECTION_OK)
		return;
	if (p->sent)
		store_pg_wait(st, NULL);
	pg_pipe_forget(p);
	if (pg_pipe_push(st, p, true, NULL) == -1)
		p->failed = true;
}

/* store_pg_later - the backend's later (store_int.h): 1 sent, 0 not in a
 * transaction (the caller runs it now), -1. */
int
store_pg_later(struct store_stmt *s, const char *what)
{
	struct pg_stmt *p = pg_s(s);
	struct store *st = s->st;

	if (!pg_conn(st)->in_tx)
		return 0;
	return pg_pipe_push(st, p, false, what) == 0 ? 1 : -1;
}

/* Sends sql, a statement without parameters, in the pipeline; what
 * (or NULL) names it in the message of its failure. 0 or -1. */
static int
pg_pipe_plain(struct store *st, const char *sql, const char *what)
{
	struct pg_conn *pc = pg_conn(st);
	struct pg_pending *q;

	if (pc->npend + 1 > PG_PIPE_MAX && store_pg_wait(st, NULL) == -1)
		return -1;
	if (pg_pipe_enter(st) == -1)
		return -1;
	if (PQsendQueryParams(pc->c, sql, 0, NULL, NULL, NULL, NULL,
	    0) != 1) {
		store_pg_note(st, NULL, NULL);
		return -1;
	}
	q = &pc->pend[pc->npend++];
	q->p = NULL;
	q->what = what != NULL ? xstrdup(what) : NULL;
	q->prepared = NULL;
	return 0;
}

/* store_pg_begin - see db_pg_int.h. */
int
store_pg_begin(struct store *st, const char *sql)
{
	if (pg_pipe_plain(st, sql, "cannot start the transaction") == -1)
		return -1;
	pg_conn(st)->in_tx = true;
	return 0;
}

/* store_pg_end - see db_pg_int.h. */
int
store_pg_end(struct store *st, const char *sql)
{
	/* The caller says "cannot commit" already. */
	if (pg_pipe_plain(st, sql, NULL) == -1) {
		store_pg_wait(st, NULL);
		return -1;
	}
	return store_pg_wait(st, NULL);
}

/* One answer of the statement q: kept for its statement, or checked. */
static void
pg_pipe_answer(struct store *st, struct pg_pending *q, PGresult *res,
    bool *failed)
{
	ExecStatusType status = PQresultStatus(res);

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
		store_pg_count_changes(pg_conn(st), res);
		if (q->p != NULL && q->p->res == NULL) {
			q->p->res = res;
			q->p->row = -1;
			return;
		}
		PQclear(res);
		return;
	}
	/* The first failure says why; the statements after it were
	 * skipped by the server. */
	if (!*failed) {
		if (status == PGRES_PIPELINE_ABORTED)
			store_db_note(st, false, "%s%sskipped after a failure",
			    q->what != NULL ? q->what : "",
			    q->what != NULL ? ": " : "");
		else
			store_pg_note(st, res, q->what);
	}
	*failed = true;
	if (q->p != NULL)
		q->p->failed = true;
	if (q->prepared != NULL)
		q->prepared->generation = 0;
	PQclear(res);
}

/* Ends the pipeline: the statements left without an answer fail, the
 * messages are freed, the connection leaves pipeline mode. */
static void
pg_pipe_end(struct store *st, size_t answered, bool *failed)
{
	struct pg_conn *pc = pg_conn(st);
	size_t i;

	for (i = 0; i < pc->npend; i++) {
		if (i >= answered) {
			if (!*failed)
				store_pg_note(st, NULL, pc->pend[i].what);
			*failed = true;
			if (pc->pend[i].p != NULL)
				pc->pend[i].p->failed = true;
			if (pc->pend[i].prepared != NULL)
				pc->pend[i].prepared->generation = 0;
		}
		if (pc->pend[i].p != NULL)
			pc->pend[i].p->sent = false;
		free(pc->pend[i].what);
		pc->pend[i].what = NULL;
		pc->pend[i].p = NULL;
		pc->pend[i].prepared = NULL;
	}
	pc->npend = 0;
	if (PQexitPipelineMode(pc->c) == 1 ||
	    PQstatus(pc->c) != CONNECTION_OK) {
		/* A lost connection leaves pipeline mode when it is reset
		 * (store_pg_ready). */
		pc->piped = PQpipelineStatus(pc->c) != PQ_PIPELINE_OFF &&
		    PQstatus(pc->c) == CONNECTION_OK;
		return;
	}
	if (!*failed)
		store_pg_note(st, NULL, "cannot leave pipeline mode");
	*failed = true;
}

/* store_pg_wait - see db_pg_int.h. */
int
store_pg_wait(struct store *st, struct pg_stmt *p)
{
	struct pg_conn *pc = pg_conn(st);
	PGresult *res;
	size_t answered = 0;
	bool failed = false, ended = false;

	if (!pc->piped)
		return 0;
	if (p != NULL && pg_pipe_push(st, p, true, NULL) == -1) {
		failed = true;
		p->failed = true;
	}
	if (PQpipelineSync(pc->c) != 1) {
		if (!failed)
			store_pg_note(st, NULL, NULL);
		failed = true;
		pg_pipe_end(st, 0, &failed);
		return -1;
	}
	/* Each statement's answers end with a NULL; then comes the Sync.
	 * Two NULLs in a row, or a connection gone, end the reading. */
	while (!ended) {
		if ((res = PQgetResult(pc->c)) == NULL) {
			if (PQstatus(pc->c) != CONNECTION_OK)
				break;
			if (answered == pc->npend)
				break;
			answered++;
			if ((res = PQgetResult(pc->c)) == NULL)
				break;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			ended = true;
		} else if (answered < pc->npend) {
			pg_pipe_answer(st, &pc->pend[answered], res, &failed);
		} else {
			PQclear(res);
		}
	}
	pg_pipe_end(st, answered, &failed);
	return failed ? -1 : 0;
}

/* store_pg_pipe_drop - see db_pg_int.h. */
void
store_pg_pipe_drop(struct store *st)
{
	struct pg_conn *pc = pg_conn(st);
	bool failed = true;

	if (pc->npend > 0 || pc->piped)
		pg_pipe_end(st, 0, &failed);
	pc->piped = false;
}
