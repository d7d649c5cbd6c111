/*
 * hook.c - npsgate-imapd-hook: read customers' replies from the reply
 * mailbox, store each one exactly once, and file it.
 *
 * npsgate-imapd-hook [-f] [-c FILE] [--once | --stdin]
 *
 * The loop: connect, log in, select the mailbox; for each message in it,
 * fetch (BODY.PEEK[]), ingest (lib/incoming/ingest.c: analyse first, then
 * commit, no analysis inside the transaction), then move it to its
 * folder; then IDLE until the server reports something (or poll every
 * poll_interval seconds without IDLE). A message leaves the
 * mailbox only after its result is committed, so a crash at any point
 * leaves it there to be fetched again, and the store recognises it by its
 * key. Network errors and server restarts lead to a reconnection with a
 * backoff of 1 s doubling up to 60 s.
 *
 * Messages go in batches: up to 256 per store transaction (64 for the
 * first of a pass, doubling), up to 1024 per MOVE.
 * A backlog of more than one batch runs as a pipeline: a fetcher thread
 * fetches the next batch on the main connection while the main thread
 * stores the current one (the store is only ever used by the main
 * thread), and the filer thread (filer.c) files stored batches over a
 * second connection.
 *
 * A message that could not be stored, or whose follow-up could not be
 * queued (the store down, restarting, locked for long), stays in the
 * mailbox and out of the passes for SKIP_RETRY seconds; the wait in
 * IDLE ends then, so that it is tried again within SKIP_RETRY seconds
 * of the store's return plus one pass, new mail or not. Tried again it
 * is a duplicate: stored nothing the second time, followed up and filed.
 *
 * SIGTERM and SIGINT are blocked (in every thread) except while waiting:
 * a signal that arrives during a batch lets it finish (commit and move)
 * first.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "base/buf.h"
#include "base/exitcode.h"
#include "base/log.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "filer.h"
#include "followup/followup.h"
#include "incoming/forward.h"
#include "incoming/ingest.h"
#include "outgoing/rewrite.h"
#include "session.h"
#include "store/store.h"
#include "survey/token.h"
#include "themes/themes.h"
#include "themes/themes_store.h"

#define PROGNAME "npsgate-imapd-hook"
#define DEFAULT_CONFIG NPSGATE_SYSCONFDIR "/npsgate.conf"


#define IDLE_SECONDS (25 * 60)	/* RFC 2177: re-IDLE before 29 minutes */
#define BACKOFF_MAX 60
#define STORE_BATCH 256		/* messages per store transaction, at most */
#define STORE_BATCH_FIRST 64	/* the first batch of a pass, at most */
#define MOVE_BATCH FILER_MAX	/* messages filed per MOVE command, at most */
#define BATCH_BYTES (16UL * 1024 * 1024)	/* fetched before storing */
#define SKIP_RETRY 30		/* seconds before a failed message is retried */
/* Seconds another session's claim on a message (session_claim) is
 * respected: a claim is followed by its MOVE within moments, so one this
 * old is that of a hook that died in between. */
#define CLAIM_TIMEOUT 120

#define N_FOLDERS 4

/*
 * Where a pass's wall time went, logged at its end with -v: the seconds
 * the main thread spent in each phase (fetch_wait: waiting for messages,
 * whether it fetched them itself or waited for the fetcher; file: moving
 * them or handing them to the filer, and waiting for it at the end), the
 * fetcher's own time on the network, and the IMAP commands and commits.
 */
struct hook_times {
	double fetch_wait, fetch_busy, analyse, store, commit, followup,
	    themes, file;
	unsigned long fetches, commits, batches, messages;
};

struct fetched {
	uint32_t uid;
	struct buf msg;
};

struct hook {
	struct config *cf;
	struct store *store;
	struct keyring *ring;
	/* The templates, for the widget's pre-filled body as written there
	 * (NULL when they cannot be read: the shipped wording only). */
	struct widget_templates *tpl;
	struct themes *themes;	/* what comments talk about */
	struct timespec key_mtime;
	off_t key_size;
	char *password;
	bool once;
	sigset_t unblocked;	/* the mask to wait with */
	const char *folders[N_FOLDERS];
	bool folders_made;
	bool opened;		/* the last session got as far as SELECT */
	uint32_t uidvalidity;
	uint32_t *skip;		/* UIDs whose ingestion failed lately */
	size_t n_skip;
	size_t n_retry;		/* of them, the ones to try again */
	time_t skip_since;	/* when the list was last emptied */
	struct fetched batch[STORE_BATCH];	/* fetched, not yet stored */
	struct fetched batch2[STORE_BATCH];	/* the next, being fetched */
	struct filer filer;	/* files large backlogs on a 2nd connection */
	/* Messages another hook claimed for filing: main thread, or the
	 * filer while it runs a job (never both). */
	struct claims claims;
	/* Messages stored but not yet filed: UID and folder index. */
	uint32_t pend_uid[MOVE_BATCH];
	int pend_folder[MOVE_BATCH];
	size_t n_pend;
	unsigned long n_done, n_failed;
	struct hook_times t;	/* this pass's */
};

static double
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* True once SIGTERM/SIGINT arrived; they stay blocked while we work, so
 * a pending one is looked for too. */
static bool
stop_requested(void)
{
	sigset_t p;

	if (stop_signal)
		return true;
	if (sigpending(&p) == 0 &&
	    (sigismember(&p, SIGTERM) == 1 || sigismember(&p, SIGINT) == 1))
		return true;
	return false;
}

/* Sleeps up to seconds; a stop signal ends the sleep. */
static void
pause_for(const struct hook *h, int seconds)
{
	struct timespec ts = { seconds, 0 };

	if (!stop_requested())
		ppoll(NULL, 0, &ts, &h->unblocked);
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " PROGNAME " [-f] [-c FILE] [--once | --stdin]\n"
	    "  -c, --config FILE  configuration (default %s)\n"
	    "  -f, --foreground   stay in the foreground, log to stderr\n"
	    "      --once         process the mailbox once and exit\n"
	    "      --stdin        ingest one message from standard input\n"
	    "                     (Sieve pipe, Postfix pipe transport)\n"
	    "  -v, --verbose      log more\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n", DEFAULT_CONFIG);
}

/*
 * The first line of the password file, without its line end. A file that
 * others may read is refused: the password opens every customer's reply.
 * Caller frees.
 */
static char *
password_read(const char *path, struct npserr *err)
{
	struct stat st;
	struct buf b = BUF_INIT;
	char chunk[512];
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		npserr_set(err, "password_file %s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		npserr_set(err, "password_file %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		npserr_set(err, "password_file %s: readable or writable by "
		    "others (mode %03o); chmod 600 or 640", path,
		    (unsigned)(st.st_mode & 0777));
		close(fd);
		return NULL;
	}
	if (st.st_mode & S_IWGRP)
		msg_warn("password_file %s: writable by its group", path);
	while (b.len < 4096 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			npserr_set(err, "password_file %s: read: %s", path,
			    strerror(errno));
			close(fd);
			buf_free(&b);
			return NULL;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	for (len = 0; len < b.len && b.data[len] != '\n' &&
	    b.data[len] != '\0'; len++)
		;
	if (len > 0 && b.data[len - 1] == '\r')
		len--;
	if (len == 0) {
		npserr_set(err, "password_file %s: the first line is empty",
		    path);
		buf_free(&b);
		return NULL;
	}
	buf_truncate(&b, len);
	return buf_steal(&b);
}

/* Reloads the key ring when `npsgate keygen` has changed the file, so a
 * rotation needs no restart. A bad new file keeps the old ring. */
static void
keys_refresh(struct hook *h)
{
	struct stat st;
	struct keyring *ring;
	struct npserr err;

	if (stat(h->cf->key_file, &st) < 0)
		return;
	if (st.st_mtim.tv_sec == h->key_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == h->key_mtime.tv_nsec &&
	    st.st_size == h->key_size)
		return;
	ring = keyring_load(h->cf->key_file, &err);
	if (ring == NULL) {
		msg_warn("%s; keeping the keys loaded before", err.msg);
		return;
	}
	keyring_free(h->ring);
	h->ring = ring;
	h->key_mtime = st.st_mtim;
	h->key_size = st.st_size;
	msg_info("key file %s loaded: %zu keys", h->cf->key_file,
	    keyring_count(ring));
}

static int
folder_index(const struct hook *h, const char *folder)
{
	int i;

	for (i = 0; i < N_FOLDERS; i++)
		if (strcmp(h->folders[i], folder) == 0)
			return i;
	return 1;	/* review: never reached with the config's names */
}

/* Files every stored-but-unfiled message, one MOVE per folder. */
static int
pending_flush(struct hook *h, struct session *s, struct npserr *err)
{
	uint32_t uids[MOVE_BATCH];
	size_t i, n;
	int f, c;

	for (f = 0; f < N_FOLDERS; f++) {
		for (i = 0, n = 0; i < h->n_pend; i++)
			if (h->pend_folder[i] == f)
				uids[n++] = h->pend_uid[i];
		if (n == 0)
			continue;
		c = session_claim(s, uids, n, &h->claims, CLAIM_TIMEOUT,
		    time(NULL), err);
		if (c < 0 || (c > 0 && session_move(s, uids, (size_t)c,
		    h->folders[f], err) < 0))
			return -1;
		/* One folder done: drop its entries so that a failure on
		 * the next one does not move these twice. */
		for (i = 0, n = 0; i < h->n_pend; i++)
			if (h->pend_folder[i] != f) {
				h->pend_uid[n] = h->pend_uid[i];
				h->pend_folder[n] = h->pend_folder[i];
				n++;
			}
		h->n_pend = n;
	}
	return 0;
}

static bool
skipped(const struct hook *h, uint32_t uid)
{
	size_t i;

	for (i = 0; i < h->n_skip; i++)
		if (h->skip[i] == uid)
			return true;
	return false;
}

/* Records a message whose ingestion failed: it stays in the mailbox and
 * is not tried again before SKIP_RETRY seconds have passed (again: the
 * wait ends for it; else it is only looked at again with the others). */
static void
skip_add(struct hook *h, uint32_t uid, const char *why, bool again)
{
	msg_error("uid=%u: %s; left in %s", uid, why, h->cf->imap_mailbox);
	h->skip = xrealloc(h->skip, (h->n_skip + 1) * sizeof(*h->skip));
	h->skip[h->n_skip++] = uid;
	if (again)
		h->n_retry++;
	h->n_failed++;
}

/* Empties the list of failed messages: the next pass tries them. */
static void
skip_reset(struct hook *h, time_t now)
{
	h->n_skip = 0;
	h->n_retry = 0;
	h->skip_since = now;
}

/*
 * The acknowledgment and the detractor alert of a committed response
 * (lib/followup/followup.c decides and keeps them exactly once). Run before the
 * message is filed: a crash in between leaves it in the mailbox, and the
 * duplicate found next time picks the follow-up up again. -1 (err set)
 * when the store could not say or record what is due: nothing is queued
 * for this answer, so the message must stay to be followed up later.
 */
static int
followup_run(const struct hook *h, const struct ingest_outcome *res,
    struct npserr *err)
{
	struct followup_ctx fx = { h->cf, h->ring, h->store, time(NULL) };

	if (res->kind != INGEST_RESPONSE || res->score < 0)
		return 0;
	return followup_after_ingest(&fx, res->msg_key, NULL, err);
}

/* The replies handed on to the help desk (lib/incoming/forward.c keeps
 * them exactly once): those just committed, and the retries due. */
static void
forward_run(const struct hook *h)
{
	struct npserr err;

	if (forward_send_due(h->cf, h->store, time(NULL), NULL, &err) < 0)
		msg_warn("forward to the help desk: %s", err.msg);
}

/* The themes of the answers just stored, outside their transaction; a
 * failure leaves them for the next batch or `npsgate retheme`. */
static void
themes_run(const struct hook *h)
{
	struct npserr err;
	size_t n;

	if (themes_store_tag(h->themes, h->store, h->cf->default_lang, false,
	    (int64_t)time(NULL), &n, &err) < 0)
		msg_warn("themes: %s", err.msg);
}

/* Logs a stored message, runs its follow-up and queues it for filing. */
static void
batch_done(struct hook *h, uint32_t uid, struct ingest_outcome *res)
{
	struct buf line = BUF_INIT;
	struct npserr err;

	ingest_outcome_describe(res, &line);
	msg_info("uid=%u %s", uid, buf_cstr(&line));
	buf_free(&line);
	if (followup_run(h, res, &err) < 0) {
		/* Stored, but its follow-up is not queued: filed now, the
		 * answer would never be acknowledged. Left in the mailbox,
		 * it comes back as a duplicate and is followed up then. */
		skip_add(h, uid, err.msg, true);
		ingest_outcome_clear(res);
		return;
	}
	if (res->folder == NULL) {
		/* Stored, but its folder is the mailbox: moving it would
		 * bring it back forever. It stays, out of the next passes. */
		skip_add(h, uid, "its folder is the mailbox read; not moved",
		    false);
		ingest_outcome_clear(res);
		return;
	}
	h->pend_uid[h->n_pend] = uid;
	h->pend_folder[h->n_pend] = folder_index(h, res->folder);
	h->n_pend++;
	h->n_done++;
	ingest_outcome_clear(res);
}

/*
 * Stores the fetched messages batch[0..k). Each is analysed first, with
 * no transaction open: an analysis may take its whole budget, and the
 * milter must not wait for it on the store's write lock. Then the
 * results are written in one transaction (one commit, one sync, for the
 * whole batch), or, when that fails, each in a transaction of its own
 * so that the others still go through. The network is never used while
 * the transaction is open: a slow server must not hold the lock either.
 */
static void
batch_ingest(struct hook *h, struct fetched *batch, size_t k)
{
	struct ingest_outcome res[STORE_BATCH], *mine[STORE_BATCH];
	bool ok[STORE_BATCH], stored;
	struct ingest_ctx ctx;
	struct npserr ierr;
	size_t j, m = 0, n_ok = 0;
	double t0 = clock_now(), t1, t2;

	h->t.batches++;
	h->t.messages += k;
	ctx.cf = h->cf;
	ctx.ring = h->ring;
	ctx.store = h->store;
	ctx.filed = true;
	ctx.prefill = widget_mailto_bodies(h->tpl);
	ctx.prefixes = widget_mailto_prefixes(h->tpl);
	for (j = 0; j < k; j++) {
		ctx.now = time(NULL);
		ok[j] = ingest_analyze(&ctx, batch[j].msg.data,
		    batch[j].msg.len, &res[j], &ierr) == 0;
		if (ok[j])
			n_ok++;
		else
			skip_add(h, batch[j].uid, ierr.msg, true);
	}
	t1 = clock_now();
	h->t.analyse += t1 - t0;
	for (j = 0; j < k; j++)
		if (ok[j])
			mine[m++] = &res[j];
	if (n_ok > 1 && store_begin(h->store, &ierr) == 0) {
		stored = ingest_store_many(&ctx, mine, m, &ierr) == 0;
		t2 = clock_now();
		if (stored && store_commit(h->store, &ierr) == 0) {
			h->t.commits++;
			t0 = clock_now();
			h->t.commit += t0 - t2;
			h->t.store += t0 - t1;
			for (j = 0; j < k; j++)
				if (ok[j])
					batch_done(h, batch[j].uid, &res[j]);
			h->t.followup += clock_now() - t0;
			return;
		}
		if (stored)
			msg_warn("%s; storing the batch message by message",
			    ierr.msg);
		else
			store_rollback(h->store);
	}
	for (j = 0; j < k; j++) {
		if (!ok[j])
			continue;
		if (ingest_store(&ctx, &res[j], &ierr) < 0) {
			skip_add(h, batch[j].uid, ierr.msg, true);
			ingest_outcome_clear(&res[j]);
			continue;
		}
		h->t.commits++;
		batch_done(h, batch[j].uid, &res[j]);
	}
	h->t.store += clock_now() - t1;
}

/* Files what is stored: on the main connection, or handed to the filer. */
static int
pending_file(struct hook *h, struct session *s, bool via_filer,
    struct npserr *err)
{
	if (h->n_pend == 0)
		return 0;
	if (!via_filer)
		return pending_flush(h, s, err);
	filer_submit(&h->filer, h->pend_uid, h->pend_folder, h->n_pend);
	h->n_pend = 0;
	return 0;
}

/*
 * Fetches the next batch: from uids[*i], up to lim messages and
 * BATCH_BYTES (one message at least) into out, in two commands (the
 * sizes, then the bodies) rather than one per message: each command is a
 * round trip, and on a busy machine every round trip waits for both
 * processes to be scheduled again. Returns how many; *rc is -1 (err set)
 * when the session failed. Touches only s, out, *i, *t: it runs in the
 * fetcher thread while the main thread stores the batch before.
 */
static size_t
batch_fetch(struct session *s, const uint32_t *uids, size_t n, size_t *i,
    size_t lim, struct fetched *out, int *rc, struct npserr *err,
    struct hook_times *t)
{
	uint32_t sizes[STORE_BATCH];
	struct buf *bufs[STORE_BATCH], tmp;
	bool found[STORE_BATCH];
	size_t want, j, k, bytes;
	double t0 = clock_now();

	*rc = 0;
	want = n - *i < lim ? n - *i : lim;
	if (want == 0)
		return 0;
	t->fetches++;
	if (session_fetch_sizes(s, uids + *i, want, sizes, err) < 0) {
		*rc = -1;
		goto out;
	}
	for (j = 0, bytes = 0; j < want; j++) {
		if (j > 0 && bytes + sizes[j] > BATCH_BYTES)
			break;
		bytes += sizes[j];
	}
	want = j;
	for (j = 0; j < want; j++) {
		buf_reset(&out[j].msg);
		bufs[j] = &out[j].msg;
	}
	t->fetches++;
	if (session_fetch_batch(s, uids + *i, want, bufs, found, err) < 0) {
		*rc = -1;
		goto out;
	}
	/* The ones gone meanwhile (expunged by someone else) are passed. */
	for (j = 0, k = 0; j < want; j++) {
		if (!found[j])
			continue;
		if (k != j) {
			tmp = out[k].msg;
			out[k].msg = out[j].msg;
			out[j].msg = tmp;
		}
		out[k++].uid = uids[*i + j];
	}
	*i += want;
	t->fetch_busy += clock_now() - t0;
	return k;
out:
	t->fetch_busy += clock_now() - t0;
	return 0;
}

struct fetcher {
	pthread_t thread;
	struct session *s;
	const uint32_t *uids;
	size_t n, i, lim, k;
	struct fetched *out;
	int rc;
	struct npserr err;
	struct hook_times t;	/* its fetches only */
};

static void *
fetcher_main(void *arg)
{
	struct fetcher *f = arg;

	f->k = batch_fetch(f->s, f->uids, f->n, &f->i, f->lim, f->out,
	    &f->rc, &f->err, &f->t);
	return NULL;
}

/* The figures of struct hook_times, for a pass that did something. */
static void
times_log(const struct hook *h)
{
	const struct hook_times *t = &h->t;

	if (t->messages == 0)
		return;
	msg_debug("pass: %lu messages in %lu batches; fetch wait %.3f s "
	    "(fetching %.3f s, %lu UID FETCH), analyse %.3f s, store %.3f s "
	    "(commit %.3f s, %lu commits), follow-up %.3f s, themes %.3f s, "
	    "file %.3f s", t->messages, t->batches, t->fetch_wait,
	    t->fetch_busy, t->fetches, t->analyse, t->store, t->commit,
	    t->commits, t->followup, t->themes, t->file);
}

/*
 * Processes every message in the mailbox, in batches: fetch up to
 * STORE_BATCH messages, store them in one transaction, and file what is
 * stored, MOVE_BATCH messages per command (Dovecot's MOVE costs much less
 * per message in large sets: on a backlog of 10,000, sets of 1024 left
 * the main thread waiting on the filer a third as long as sets of 256).
 * A backlog of more than one batch goes through a pipeline of three: a
 * fetcher thread fetches the next batch on the main connection while this
 * thread stores the current one, and the filer thread files the stored
 * ones over a second connection.
 * Returns 0, or -1 when the session failed (err set); what was stored but
 * not filed is found again by the next pass and filed as a duplicate.
 */
static int
mailbox_process(struct hook *h, struct session *s, size_t *seen,
    struct npserr *err)
{
	uint32_t *uids = NULL;
	size_t n = 0, m, i = 0, k, lim = STORE_BATCH_FIRST;
	struct followup_ctx fx = { h->cf, h->ring, h->store, 0 };
	struct fetched *cur = h->batch, *nxt = h->batch2, *tmp;
	struct fetcher f;
	struct npserr ferr;
	bool via_filer, threaded, due, themed = true;
	double t0;
	int rc = 0;

	memset(&h->t, 0, sizeof(h->t));
	keys_refresh(h);
	fx.now = time(NULL);
	/* A message that failed (store locked for long, say) is tried again
	 * a while later; IDLE alone would never bring it back. */
	if (fx.now - h->skip_since >= SKIP_RETRY)
		skip_reset(h, fx.now);
	if (followup_retry_due(&fx, NULL, &ferr) < 0)
		msg_warn("follow-up retries: %s", ferr.msg);
	forward_run(h);
	if (session_search_all(s, &uids, &n, err) < 0)
		return -1;
	/* Drop the ones that failed lately, and those another hook is
	 * filing, before any thread looks. */
	claims_prune(&h->claims, uids, n);
	for (i = 0, m = 0; i < n; i++)
		if (!skipped(h, uids[i]) && !claims_pending(&h->claims,
		    uids[i], CLAIM_TIMEOUT, fx.now))
			uids[m++] = uids[i];
	*seen = m;
	i = 0;
	via_filer = m > STORE_BATCH_FIRST && h->filer.running;
	t0 = clock_now();
	k = batch_fetch(s, uids, m, &i, lim, cur, &rc, err, &h->t);
	h->t.fetch_wait += clock_now() - t0;
	while (k > 0 || (rc == 0 && i < m && !stop_requested())) {
		/* While this batch is stored, the next one is fetched. The
		 * main connection then belongs to the fetcher: filing goes
		 * through the filer. */
		threaded = false;
		/* Larger batches as the backlog proves long: fewer commits
		 * (each a sync), while the first messages are not held back
		 * behind a long fetch. */
		lim = lim * 2 < STORE_BATCH ? lim * 2 : STORE_BATCH;
		if (via_filer && rc == 0 && i < m && !stop_requested()) {
			f.s = s;
			f.uids = uids;
			f.n = m;
			f.i = i;
			f.lim = lim;
			f.out = nxt;
			f.k = 0;
			memset(&f.t, 0, sizeof(f.t));
			threaded = pthread_create(&f.thread, NULL, fetcher_main,
			    &f) == 0;
		}
		if (k > 0) {
			batch_ingest(h, cur, k);
			forward_run(h);
			themed = false;
		}
		due = h->n_pend + STORE_BATCH > MOVE_BATCH || i >= m ||
		    stop_requested();
		t0 = clock_now();
		if (due && pending_file(h, s, via_filer, err) < 0)
			rc = -1;
		h->t.file += clock_now() - t0;
		/* The themes of what is stored, once per filing rather than
		 * per batch: each run is a write transaction of its own,
		 * with its own sync, and nothing waits on them. */
		if (due && !themed) {
			t0 = clock_now();
			themes_run(h);
			themed = true;
			h->t.themes += clock_now() - t0;
		}
		k = 0;
		t0 = clock_now();
		if (threaded) {
			pthread_join(f.thread, NULL);
			i = f.i;
			k = f.k;
			h->t.fetches += f.t.fetches;
			h->t.fetch_busy += f.t.fetch_busy;
			if (f.rc < 0 && rc == 0) {
				*err = f.err;
				rc = -1;
			}
		} else if (rc == 0 && i < m && !stop_requested()) {
			k = batch_fetch(s, uids, m, &i, lim, nxt, &rc, err,
			    &h->t);
		}
		h->t.fetch_wait += clock_now() - t0;
		tmp = cur;
		cur = nxt;
		nxt = tmp;
		/* After a failure, what was fetched is still stored (above,
		 * next turn); nothing more is fetched. */
		if (rc < 0 && k == 0)
			break;
	}
	if (!themed)
		themes_run(h);
	t0 = clock_now();
	if (pending_file(h, s, via_filer, rc == 0 ? err : &ferr) < 0 &&
	    rc == 0)
		rc = -1;
	if (via_filer) {
		if (filer_wait(&h->filer, &ferr) < 0 && rc == 0) {
			*err = ferr;
			rc = -1;
		}
		filer_close(&h->filer);
	}
	h->t.file += clock_now() - t0;
	times_log(h);
	/* On failure the unfiled ones are stored: the next session finds
	 * them in the mailbox again and files them as duplicates. */
	h->n_pend = 0;
	free(uids);
	return rc;
}

/* How long to wait for news: at most limit, and no longer than until the
 * next follow-up or forward retry is due, so a failed alert or forward is
 * retried on time, and no longer than until the messages that failed are
 * tried again (IDLE reports new mail only, and would leave them in the
 * mailbox until the next) or another hook's claim is old, so that a
 * message it left is filed on time. */
static int
wait_seconds(struct hook *h, int limit)
{
	struct npserr err;
	int64_t at, fat, now = time(NULL);
	int c;

	if (h->n_retry > 0) {
		at = (int64_t)h->skip_since + SKIP_RETRY;
		if (at - now < limit)
			limit = at - now < 1 ? 1 : (int)(at - now);
	}

	c = claims_next_due(&h->claims, CLAIM_TIMEOUT, (time_t)now);
	if (c >= 0 && c + 1 < limit)
		limit = c + 1;
	switch (followup_next_due(h->store, &at, &err)) {
	case -1:
		msg_warn("follow-up retries: %s", err.msg);
		return limit;
	case 0:
		at = INT64_MAX;
		break;
	}
	switch (store_forward_next_due(h->store, &fat, &err)) {
	case -1:
		msg_warn("forward retries: %s", err.msg);
		break;
	case 1:
		if (fat < at)
			at = fat;
		break;
	}
	if (at == INT64_MAX)
		return limit;
	if (at - now >= limit)
		return limit;
	return at - now < 1 ? 1 : (int)(at - now);
}

/*
 * One connection's life: open, create the folders, then process and wait
 * until an error or a stop. Returns 0 when it ended by request (or
 * --once), -1 after a network error, SESSION_REFUSED for an operator's
 * problem.
 */
static int
session_run(struct hook *h, struct npserr *err)
{
	struct session s;
	size_t seen;
	int r;

	h->opened = false;
	r = session_open(&s, h->cf, h->password, err);
	if (r == 0)
		h->opened = true;
	if (r == 0 && !h->folders_made) {
		r = session_create_folders(&s, h->folders, N_FOLDERS, err);
		if (r == 0)
			h->folders_made = true;
	}
	if (r < 0) {
		session_close(&s);
		return r;
	}
	if (h->uidvalidity != 0 && s.uidvalidity != h->uidvalidity)
		msg_warn("%s: UIDVALIDITY changed from %u to %u; every "
		    "message is examined again (stored ones are recognised)",
		    h->cf->imap_mailbox, h->uidvalidity, s.uidvalidity);
	h->uidvalidity = s.uidvalidity;
	skip_reset(h, time(NULL));
	msg_info("connected to %s:%d, mailbox %s, uidvalidity %u%s%s%s",
	    h->cf->imap_host, h->cf->imap_port, h->cf->imap_mailbox,
	    s.uidvalidity, s.has_move ? ", move" : "",
	    s.has_uidplus ? ", uidplus" : "", s.has_idle ? ", idle" : "");
	for (;;) {
		r = mailbox_process(h, &s, &seen, err);
		if (r < 0 || h->once || stop_requested())
			break;
		/* The server announces a new message once, in the reply to
		 * whatever command is running when it arrives (a MOVE, say);
		 * libetpan does not tell us, and IDLE would not announce it
		 * again. So search again until a search finds nothing: what
		 * arrives after that one is announced in IDLE. */
		if (seen > 0)
			continue;
		r = session_idle(&s, wait_seconds(h, s.has_idle ?
		    IDLE_SECONDS : h->cf->poll_interval), &h->unblocked, err);
		if (r < 0 || stop_requested())
			break;
	}
	session_close(&s);
	return r < 0 ? -1 : 0;
}

static int
run_daemon(struct hook *h)
{
	struct npserr err;
	int backoff = 1, r;

	for (;;) {
		npserr_clear(&err);
		r = session_run(h, &err);
		if (stop_requested())
			break;
		if (h->once) {
			if (r < 0) {
				msg_error("%s", err.msg);
				return EXIT_WORK;
			}
			break;
		}
		if (r == 0)
			continue;
		/* A connection that worked was lost: start over gently. */
		if (h->opened)
			backoff = 1;
		if (r == SESSION_REFUSED)
			msg_error("%s; retrying in %d s", err.msg, backoff);
		else
			msg_warn("%s; reconnecting in %d s", err.msg, backoff);
		pause_for(h, backoff);
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
		if (stop_requested())
			break;
	}
	msg_info("stopping: %lu messages processed, %lu left for later",
	    h->n_done, h->n_failed);
	return h->once && h->n_failed ? EXIT_WORK : 0;
}

/*
 * --stdin: one message, stored, its outcome on stdout. The exit status is
 * all a Sieve script or a Postfix pipe learns, so it says what the caller
 * must do with the message: EXIT_OK, nobody needs it (an answer, an
 * unsubscribe, an auto-reply or a bounce is recorded); EXIT_REVIEW, keep
 * it for a person (no valid token, no clear score, unreadable: only its
 * key is in the store); EXIT_TEMPFAIL, nothing was stored, try again
 * later. Sieve sees only zero or not: its execute test is false for both
 * of the last two, and the documented script files the message for a
 * person then; Postfix's pipe defers on EXIT_TEMPFAIL.
 */
static int
run_stdin(struct hook *h)
{
	struct buf msg = BUF_INIT, line = BUF_INIT;
	struct ingest_ctx ctx;
	struct ingest_outcome res;
	struct npserr err;
	bool review;

	if (buf_read_stream(&msg, stdin, INGEST_MAX_MESSAGE) < 0) {
		int e = errno;

		buf_free(&msg);
		if (e == EFBIG) {
			msg_error("stdin: message larger than %lu bytes; "
			    "not ingested, left for review",
			    INGEST_MAX_MESSAGE);
			return EXIT_REVIEW;
		}
		msg_error("stdin: read error: %s", strerror(e));
		return EXIT_TEMPFAIL;
	}
	ctx.cf = h->cf;
	ctx.ring = h->ring;
	ctx.store = h->store;
	ctx.now = time(NULL);
	ctx.filed = false;
	ctx.prefill = widget_mailto_bodies(h->tpl);
	ctx.prefixes = widget_mailto_prefixes(h->tpl);
	if (ingest_message(&ctx, msg.data ? msg.data : "", msg.len, &res,
	    &err) < 0) {
		msg_error("stdin: %s; not stored, to be tried again", err.msg);
		buf_free(&msg);
		return EXIT_TEMPFAIL;
	}
	themes_run(h);
	/* The folder points into the config: the review one means a
	 * person must read the message. */
	review = res.folder == h->cf->folder_review;
	res.folder = NULL;
	ingest_outcome_describe(&res, &line);
	msg_info("stdin %s", buf_cstr(&line));
	if (followup_run(h, &res, &err) < 0)
		msg_warn("%s: follow-up: %s", res.msg_key, err.msg);
	forward_run(h);
	printf("%s %s\n", res.duplicate ? "duplicate" : "stored",
	    buf_cstr(&line));
	ingest_outcome_clear(&res);
	buf_free(&msg);
	buf_free(&line);
	/* Stored already: a caller that retries finds a duplicate. */
	if (fflush(stdout) != 0)
		return EXIT_TEMPFAIL;
	return review ? EXIT_REVIEW : EXIT_OK;
}

/* True when --stdin is on the command line, read before the options are:
 * a mistake among them must already be answered as --stdin's caller
 * expects. */
static bool
stdin_requested(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--stdin") == 0)
			return true;
	return false;
}

static void
signals_setup(struct hook *h)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &h->unblocked);
	sigdelset(&h->unblocked, SIGTERM);
	sigdelset(&h->unblocked, SIGINT);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "once", no_argument, NULL, 'o' },
		{ "stdin", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = DEFAULT_CONFIG;
	bool fg = false, from_stdin = false;
	struct hook h;
	struct npserr err;
	struct stat st;
	int c, verbose = 0, rc, fixable;

	memset(&h, 0, sizeof(h));
	/* Under --stdin a Postfix pipe or a Sieve script waits on the status:
	 * a setup the operator can fix (command line, config, key file,
	 * store) must defer the message, never bounce or drop it. */
	fixable = stdin_requested(argc, argv) ? EXIT_TEMPFAIL : 0;
	while ((c = getopt_long(argc, argv, "c:fvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			fg = true;
			break;
		case 'o':
			h.once = true;
			break;
		case 's':
			from_stdin = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROGNAME " %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return fixable ? fixable : EXIT_USAGE;
		}
	}
	if (optind != argc || (h.once && from_stdin)) {
		usage(stderr);
		return fixable ? fixable : EXIT_USAGE;
	}
	log_open(PROGNAME, fg ? LOG_TO_STDERR : LOG_TO_SYSLOG);
	if (verbose)
		log_verbose(verbose);

	h.cf = config_load(path, &err);
	if (h.cf == NULL) {
		msg_error("%s", err.msg);
		return fixable ? fixable : EXIT_CONFIG;
	}
	h.folders[0] = h.cf->folder_processed;
	h.folders[1] = h.cf->folder_review;
	h.folders[2] = h.cf->folder_autoreplies;
	h.folders[3] = h.cf->folder_bounces;
	h.ring = keyring_load(h.cf->key_file, &err);
	if (h.ring == NULL) {
		msg_error("%s", err.msg);
		config_free(h.cf);
		return fixable ? fixable : EXIT_CONFIG;
	}
	if (stat(h.cf->key_file, &st) == 0) {
		h.key_mtime = st.st_mtim;
		h.key_size = st.st_size;
	}
	h.tpl = widget_templates_load(h.cf->templates_dir, &err);
	if (h.tpl == NULL)
		msg_warn("%s; a pre-filled reply is recognised in the shipped "
		    "templates' wording only", err.msg);
	if ((h.themes = themes_load(h.cf->templates_dir, &err)) == NULL) {
		msg_error("%s", err.msg);
		rc = from_stdin ? EXIT_TEMPFAIL : EXIT_CONFIG;
		goto out;
	}
	themes_set_fallback(h.themes, h.cf->default_lang);
	if (!from_stdin) {
		if (h.cf->imap_password_file == NULL ||
		    h.cf->imap_user == NULL) {
			msg_error("%s: [imap] user and password_file are "
			    "required", h.cf->path);
			rc = EXIT_CONFIG;
			goto out;
		}
		h.password = password_read(h.cf->imap_password_file, &err);
		if (h.password == NULL) {
			msg_error("%s", err.msg);
			rc = EXIT_CONFIG;
			goto out;
		}
		if (h.cf->imap_tls == TLS_NONE)
			msg_warn("[imap] tls = none: the password crosses "
			    "the network in clear");
		else if (!h.cf->imap_verify)
			msg_warn("[imap] verify = no: the server's "
			    "certificate is not checked");
	}
	h.store = store_open(config_store_address(h.cf),
	    h.cf->busy_timeout_ms, &err);
	if (h.store == NULL) {
		msg_error("%s", err.msg);
		rc = fixable ? fixable : EXIT_WORK;
		goto out;
	}
	signals_setup(&h);
	/* After signals_setup: the thread inherits the blocked signals. */
	if (!from_stdin && filer_start(&h.filer, h.cf, h.password,
	    h.folders, &h.claims, CLAIM_TIMEOUT) < 0)
		msg_warn("cannot start the filer thread; filing on the main "
		    "connection");
	rc = from_stdin ? run_stdin(&h) : run_daemon(&h);
	filer_stop(&h.filer);
out:
	if (h.store != NULL)
		store_close(h.store);
	if (h.password != NULL) {
		explicit_bzero(h.password, strlen(h.password));
		free(h.password);
	}
	free(h.skip);
	for (c = 0; c < STORE_BATCH; c++) {
		buf_free(&h.batch[c].msg);
		buf_free(&h.batch2[c].msg);
	}
	widget_templates_free(h.tpl);
	themes_free(h.themes);
	keyring_free(h.ring);
	config_free(h.cf);
	return rc;
}
