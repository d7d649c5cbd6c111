/*
 * filer.h - files stored messages over a second IMAP connection, in a
 * thread of its own, while the main connection fetches the next ones.
 *
 * SYNOPSIS
 *	filer_start(&f, cf, password, folders, held, claim_timeout);
 *	filer_submit(&f, uids, folder_idx, n);	(returns once handed over)
 *	filer_wait(&f, &err);			(all filed? 0 / -1)
 *	filer_close(&f);			(drop the connection)
 *	filer_stop(&f);
 *
 * DESCRIPTION
 *	Dovecot's MOVE costs about as much per message as a FETCH; done on
 *	a second connection it overlaps the fetching instead of adding to
 *	it. The filer holds one job at a time: filer_submit() waits until
 *	the previous job is done. Messages reach the filer only after their
 *	result is committed, so a failure (or a crash) leaves them in the
 *	mailbox to be found again and filed as duplicates; filer_wait()
 *	reports the first failure since the last wait.
 *	All functions are called from one thread (the main one).
 */
#ifndef NPSGATE_FILER_H
#define NPSGATE_FILER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/npserr.h"
#include "conf/config.h"
#include "session.h"

#define FILER_MAX 1024		/* messages in one job */
#define FILER_FOLDERS 4

struct filer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running;
	/* Shared, under mu. */
	bool busy;		/* a job is waiting or being done */
	bool quit;
	bool close_req;		/* drop the connection when idle */
	bool failed;
	struct npserr err;
	uint32_t uids[FILER_MAX];
	int folder[FILER_MAX];
	size_t n;
	/* The filer thread's own. */
	const struct config *cf;
	const char *password;
	const char *folders[FILER_FOLDERS];
	/* The hook's, used here while a job runs only (session_claim). */
	struct claims *held;
	int claim_timeout;
	struct session s;
	bool open;
};

/* Starts the thread; no connection is made until the first job. Returns
 * 0, or -1 when the thread cannot be created. */
int filer_start(struct filer *f, const struct config *cf,
    const char *password, const char *const *folders, struct claims *held,
    int claim_timeout);
/* Hands over n (<= FILER_MAX) messages: uids[i] goes to folders[fi[i]]. */
void filer_submit(struct filer *f, const uint32_t *uids, const int *fi,
    size_t n);
/* Waits until every job is done. Returns 0, or -1 with err set when a
 * job failed since the last call. */
int filer_wait(struct filer *f, struct npserr *err);
/* Waits, then closes the filer's connection (reopened by the next job). */
void filer_close(struct filer *f);
void filer_stop(struct filer *f);

#endif
