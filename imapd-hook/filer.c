/*
 * filer.c - filing over a second connection, in a thread; see filer.h.
 */
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "filer.h"

/* Files one job on the filer's connection, opening it when needed. */
static int
filer_do(struct filer *f, const uint32_t *uids, const int *fi, size_t n,
    struct npserr *err)
{
	uint32_t set[FILER_MAX];
	size_t i, k;
	int d, c;

	if (!f->open) {
		if (session_open(&f->s, f->cf, f->password, err) < 0) {
			session_close(&f->s);
			return -1;
		}
		f->open = true;
	}
	for (d = 0; d < FILER_FOLDERS; d++) {
		for (i = 0, k = 0; i < n; i++)
			if (fi[i] == d)
				set[k++] = uids[i];
		if (k == 0)
			continue;
		c = session_claim(&f->s, set, k, f->held, f->claim_timeout,
		    time(NULL), err);
		if (c < 0 || (c > 0 && session_move(&f->s, set, (size_t)c,
		    f->folders[d], err) < 0)) {
			session_close(&f->s);
			f->open = false;
			return -1;
		}
	}
	return 0;
}

static void *
filer_main(void *arg)
{
	struct filer *f = arg;
	uint32_t uids[FILER_MAX];
	int fi[FILER_MAX];
	struct npserr err;
	size_t n;
	int r;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->quit && !f->close_req && !(f->busy && f->n > 0))
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->busy && f->n > 0) {
			n = f->n;
			memcpy(uids, f->uids, n * sizeof(uids[0]));
			memcpy(fi, f->folder, n * sizeof(fi[0]));
			pthread_mutex_unlock(&f->mu);
			r = filer_do(f, uids, fi, n, &err);
			pthread_mutex_lock(&f->mu);
			if (r < 0 && !f->failed) {
				f->failed = true;
				f->err = err;
			}
			f->n = 0;
			f->busy = false;
			pthread_cond_broadcast(&f->cv);
			continue;
		}
		if (f->close_req) {
			pthread_mutex_unlock(&f->mu);
			if (f->open)
				session_close(&f->s);
			f->open = false;
			pthread_mutex_lock(&f->mu);
			f->close_req = false;
			pthread_cond_broadcast(&f->cv);
			continue;
		}
		if (f->quit)
			break;
	}
	pthread_mutex_unlock(&f->mu);
	if (f->open)
		session_close(&f->s);
	f->open = false;
	return NULL;
}

int
filer_start(struct filer *f, const struct config *cf, const char *password,
    const char *const *folders, struct claims *held, int claim_timeout)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->cf = cf;
	f->password = password;
	f->held = held;
	f->claim_timeout = claim_timeout;
	for (i = 0; i < FILER_FOLDERS; i++)
		f->folders[i] = folders[i];
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->thread, NULL, filer_main, f) != 0) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		return -1;
	}
	f->running = true;
	return 0;
}

void
filer_submit(struct filer *f, const uint32_t *uids, const int *fi, size_t n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&f->mu);
	while (f->busy)
		pthread_cond_wait(&f->cv, &f->mu);
	memcpy(f->uids, uids, n * sizeof(uids[0]));
	memcpy(f->folder, fi, n * sizeof(fi[0]));
	f->n = n;
	f->busy = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

int
filer_wait(struct filer *f, struct npserr *err)
{
	int r = 0;

	pthread_mutex_lock(&f->mu);
	while (f->busy)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->failed) {
		*err = f->err;
		f->failed = false;
		r = -1;
	}
	pthread_mutex_unlock(&f->mu);
	return r;
}

void
filer_close(struct filer *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->busy)
		pthread_cond_wait(&f->cv, &f->mu);
	f->close_req = true;
	pthread_cond_broadcast(&f->cv);
	while (f->close_req)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

void
filer_stop(struct filer *f)
{
	if (!f->running)
		return;
	pthread_mutex_lock(&f->mu);
	f->quit = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	f->running = false;
}
