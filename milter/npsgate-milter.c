/*
 * npsgate-milter.c - the Postfix milter: libmilter callbacks and main.
 *
 * Glue only. The callbacks collect what a message brings (headers as
 * received, envelope recipients, the body up to max_body) and, at the end
 * of the message, hand it to outgoing_process() (lib/outgoing/outgoing.c), which
 * decides everything; this file applies the answer through libmilter
 * (header changes, body replacement, quarantine = Postfix's hold queue),
 * writes the store row and logs one line per message that was more than
 * passed through.
 *
 * Threads: libmilter runs one thread per connection. The config, key
 * ring and templates are read-only and shared; store connections come
 * from a small pool guarded by a mutex, so each thread uses one
 * connection at a time and the number of connections follows the peak
 * concurrency; the rows are written on one more, the group commit's.
 *
 * Failure policy (cf->on_error): an internal failure delivers the message
 * without a survey, the X-NPS-* headers and the tag removed (accept), or
 * asks Postfix to try again later (tempfail); either way one log line
 * with the queue id and the reason, and an EVENT_ERROR row when the store
 * works. The store is waited for at most [milter] store_wait_ms.
 *
 * Scope: with [milter] scope_* set, the connect and MAIL FROM callbacks
 * accept the mail that cannot be a survey (SMFIS_ACCEPT: Postfix sends
 * nothing more of it); without, those steps are not even asked for.
 *
 * Socket: a unix socket is never taken over from a live milter, and is
 * removed at exit only while it is still this process's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "autoconf.h"
#include "base/buf.h"
#include "base/exitcode.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "mail/queue_id.h"
#include "netopt.h"
#include "outgoing/outgoing.h"
#include "outgoing/rules.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "survey/token.h"

#define DEFAULT_CONFIG NPSGATE_SYSCONFDIR "/npsgate.conf"
/* libmilter's own chunk size for body data. */
#define REPLBODY_CHUNK 65535

static const struct config *cf;
static struct outgoing_ctx octx;

/* --- store pool ------------------------------------------------------ */

/*
 * store_busy_ms - the busy timeout of the milter's connections. A write
 * that finds the store locked waits for it up to the busy timeout, and is
 * tried again until 4 times that has passed, so a fifth of [milter]
 * store_wait_ms bounds the whole wait by store_wait_ms: Postfix is
 * holding an SMTP session meanwhile.
 */
static int
store_busy_ms(void)
{
	if (cf->store_wait_ms <= 0)
		return 0;
	return cf->store_wait_ms >= 5 ? cf->store_wait_ms / 5 : 1;
}

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store **pool;
static size_t pool_n, pool_cap;

/*
 * pool_get - an idle store connection, opened when none is idle. The
 * caller owns it until pool_put. NULL with err set when the store cannot
 * be opened.
 */
static struct store *
pool_get(struct npserr *err)
{
	struct store *st = NULL;

	pthread_mutex_lock(&pool_lock);
	if (pool_n > 0)
		st = pool[--pool_n];
	pthread_mutex_unlock(&pool_lock);
	if (st == NULL)
		st = store_open(config_store_address(cf), store_busy_ms(),
		    err);
	return st;
}

static void
pool_put(struct store *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	if (pool_n == pool_cap) {
		pool_cap = pool_cap ? pool_cap * 2 : 16;
		pool = xrealloc(pool, pool_cap * sizeof(*pool));
	}
	pool[pool_n++] = st;
	pthread_mutex_unlock(&pool_lock);
}

static void
pool_close_all(void)
{
	pthread_mutex_lock(&pool_lock);
	while (pool_n > 0)
		store_close(pool[--pool_n]);
	free(pool);
	pool = NULL;
	pool_cap = 0;
	pthread_mutex_unlock(&pool_lock);
}

/* --- group commit ------------------------------------------------------
 *
 * A survey row must be on disk before its mail leaves (a token nobody can
 * match must never be sent), and SQLite syncs the disk once per
 * transaction. The threads whose messages end at the same time therefore
 * share one transaction: the first to arrive while no write is running
 * writes the rows of every thread queued so far; the others wait for their
 * row's result. Under load one sync serves many messages; alone, a message
 * pays exactly one, as before.
 *
 * The groups are written on a connection of their own (gc_st), opened by
 * the first writer and used by one writer at a time: its page cache
 * stays valid from one group to the next, since no other connection
 * writes in between, where a connection of the pool finds the cache
 * stale after any other's commit and reads its pages again, a system
 * call each. When it cannot be opened, the writer's own connection
 * serves.
 */

struct pending {
	const struct outgoing_result *res;
	int rc;
	struct npserr err;
	bool done;
	struct pending *next;
};

static pthread_mutex_t gc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gc_cond = PTHREAD_COND_INITIALIZER;
static struct pending *gc_head, **gc_tail = &gc_head;
static bool gc_busy;
static struct store *gc_st;	/* the writers' connection; gc_busy's */

#define GC_MAX 256

static void
gc_write(struct store *st, struct pending *batch)
{
	const struct outgoing_result *res[GC_MAX];
	struct pending *p[GC_MAX];
	struct npserr errs[GC_MAX], err;
	int rc[GC_MAX];
	size_t n, i;

	if (gc_st == NULL)
		gc_st = store_open(config_store_address(cf), store_busy_ms(),
		    &err);
	if (gc_st != NULL)
		st = gc_st;
	while (batch != NULL) {
		for (n = 0; batch != NULL && n < GC_MAX; batch = batch->next)
			p[n++] = batch;
		for (i = 0; i < n; i++)
			res[i] = p[i]->res;
		outgoing_commit_batch(st, res, n, rc, errs);
		for (i = 0; i < n; i++) {
			p[i]->rc = rc[i];
			if (rc[i] < 0)
				p[i]->err = errs[i];
		}
		pthread_mutex_lock(&gc_lock);
		for (i = 0; i < n; i++)
			p[i]->done = true;
		pthread_mutex_unlock(&gc_lock);
	}
}

/*
 * commit_grouped - writes res's row with st, in a transaction shared with
 * the other threads committing now (an outgoing_commit_fn, arg unused).
 * Returns what outgoing_commit does: 0, STORE_THROTTLED, or -1 with err
 * set.
 */
static int
commit_grouped(struct store *st, const struct outgoing_result *res,
    void *arg, struct npserr *err)
{
	struct pending me, *batch;

	(void)arg;

	if (res->kind == OUTGOING_PLAIN && res->not_closing)
		return outgoing_commit(st, res, err);	/* a count only */
	if (res->kind != OUTGOING_SURVEY && res->kind != OUTGOING_NO_SURVEY)
		return 0;
	memset(&me, 0, sizeof(me));
	me.res = res;
	pthread_mutex_lock(&gc_lock);
	*gc_tail = &me;
	gc_tail = &me.next;
	while (!me.done) {
		if (gc_busy) {
			pthread_cond_wait(&gc_cond, &gc_lock);
			continue;
		}
		gc_busy = true;
		batch = gc_head;
		gc_head = NULL;
		gc_tail = &gc_head;
		pthread_mutex_unlock(&gc_lock);
		gc_write(st, batch);
		pthread_mutex_lock(&gc_lock);
		gc_busy = false;
		pthread_cond_broadcast(&gc_cond);
	}
	pthread_mutex_unlock(&gc_lock);
	if (me.rc < 0)
		*err = me.err;
	return me.rc;
}

/* --- per-connection state -------------------------------------------- */

struct conn {
	unsigned long steps;	/* protocol steps negotiated (SMFIP_*) */
	struct outgoing_header *hdrs;
	size_t n_hdrs, cap_hdrs;
	char **rcpts;
	size_t n_rcpts;
	struct buf msg;		/* header block (at EOH), then the body */
	size_t body_len;
	bool oversized;
};

static void
conn_reset(struct conn *c)
{
	size_t i;

	outgoing_headers_free(c->hdrs, c->n_hdrs);
	c->hdrs = NULL;
	c->n_hdrs = c->cap_hdrs = 0;
	for (i = 0; i < c->n_rcpts; i++)
		free(c->rcpts[i]);
	free(c->rcpts);
	c->rcpts = NULL;
	c->n_rcpts = 0;
	buf_free(&c->msg);
	c->body_len = 0;
	c->oversized = false;
}

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		smfi_setpriv(ctx, c);
	}
	return c;
}

/*
 * go_on - the answer to a step: none at all when Postfix agreed not to
 * wait for one (SMFIP_NR_*), which saves a round trip per header.
 */
static sfsistat
go_on(const struct conn *c, unsigned long nr)
{
	return (c->steps & nr) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Steps we skip entirely, and steps whose answer nobody waits for. */
#define STEPS_SKIP (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | \
	SMFIP_NOUNKNOWN | SMFIP_NODATA)
#define STEPS_NOREPLY (SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | \
	SMFIP_NR_BODY)

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = conn_get(ctx);
	unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
	    SMFIF_QUARANTINE;
	unsigned long skip = STEPS_SKIP;

	(void)f2;
	(void)f3;
	if ((f0 & want) != want)
		return SMFIS_REJECT;	/* libmilter: the MTA lacks actions */
	*pf0 = want;
	/* The steps a scope needs, and only those: without a scope the
	 * protocol stays as short as it was. */
	if (cf->scope_clients != NULL)
		skip &= ~(unsigned long)SMFIP_NOCONNECT;
	if (cf->scope_logins != NULL || cf->scope_senders != NULL)
		skip &= ~(unsigned long)SMFIP_NOMAIL;
	c->steps = f1 & (skip | STEPS_NOREPLY);
	*pf1 = c->steps;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/*
 * cb_connect - the client address against scope_clients: a client out of
 * scope sends no survey on this connection, and SMFIS_ACCEPT tells
 * Postfix to send us nothing more of it. Called only when scope_clients
 * is set (cb_negotiate).
 */
static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	char addr[INET6_ADDRSTRLEN];
	const char *a = NULL;

	(void)ctx;
	(void)hostname;
	if (sa != NULL && sa->sa_family == AF_INET)
		a = inet_ntop(AF_INET,
		    &((struct sockaddr_in *)(void *)sa)->sin_addr, addr,
		    sizeof(addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		a = inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, addr,
		    sizeof(addr));
	if (rules_scope_client(cf, a))
		return SMFIS_CONTINUE;
	msg_debug("client %s: out of scope_clients, accepted untouched",
	    a != NULL ? a : "(no address)");
	return SMFIS_ACCEPT;
}

/*
 * cb_envfrom - the SASL login and the envelope sender against
 * scope_logins and scope_senders: a mail out of scope is accepted
 * untouched from here on. Called only when one of them is set.
 */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	const char *login = smfi_getsymval(ctx, "{auth_authen}");
	const char *sender = argv != NULL ? argv[0] : NULL;

	if (rules_scope_login(cf, login) && rules_scope_sender(cf, sender))
		return SMFIS_CONTINUE;
	msg_debug("mail from <%.200s>: out of scope, accepted untouched",
	    sender != NULL ? sender : "");
	return SMFIS_ACCEPT;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (argv == NULL || argv[0] == NULL)
		return go_on(c, SMFIP_NR_RCPT);
	c->rcpts = xrealloc(c->rcpts, (c->n_rcpts + 1) * sizeof(char *));
	c->rcpts[c->n_rcpts++] = xstrdup(argv[0]);
	return go_on(c, SMFIP_NR_RCPT);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);
	struct outgoing_header *h;

	if (c->n_hdrs == c->cap_hdrs) {
		c->cap_hdrs = c->cap_hdrs ? c->cap_hdrs * 2 : 32;
		c->hdrs = xrealloc(c->hdrs, c->cap_hdrs * sizeof(*c->hdrs));
	}
	h = &c->hdrs[c->n_hdrs++];
	h->name = xstrdup(name ? name : "");
	h->value = xstrdup(value ? value : "");
	h->vlen = strlen(h->value);
	return go_on(c, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	/* The message rewrite_message reads is this block and the body
	 * after it, in one buffer: the body is never copied again. */
	buf_reset(&c->msg);
	outgoing_headers_block(c->hdrs, c->n_hdrs, &c->msg);
	return go_on(c, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);

	c->body_len += len;
	if (c->oversized)
		return go_on(c, SMFIP_NR_BODY);
	if (c->body_len > cf->max_body) {
		/* Beyond max_body the mail passes unchanged: stop holding
		 * its bytes. */
		c->oversized = true;
		buf_free(&c->msg);
		return go_on(c, SMFIP_NR_BODY);
	}
	buf_append(&c->msg, chunk, len);
	return go_on(c, SMFIP_NR_BODY);
}

/*
 * apply - hands res to Postfix. Returns 0, or -1 when libmilter refused a
 * change (the message then goes as far as it was changed; Postfix keeps
 * it consistent).
 */
static int
apply(SMFICTX *ctx, const struct outgoing_result *res, const char **what)
{
	size_t i, off, n;
	const struct outgoing_edit *e;
	int r;

	for (i = 0; i < res->n_edits; i++) {
		e = &res->edits[i];
		if (e->op == OUTGOING_ADD)
			r = smfi_addheader(ctx, e->name, e->value);
		else
			r = smfi_chgheader(ctx, e->name, e->index,
			    e->op == OUTGOING_DELETE ? NULL : e->value);
		if (r != MI_SUCCESS) {
			*what = "header change";
			return -1;
		}
	}
	if (res->body_changed) {
		for (off = 0; off < res->body.len; off += n) {
			n = res->body.len - off;
			if (n > REPLBODY_CHUNK)
				n = REPLBODY_CHUNK;
			if (smfi_replacebody(ctx,
			    (unsigned char *)res->body.data + off, (int)n) !=
			    MI_SUCCESS) {
				*what = "body replacement";
				return -1;
			}
		}
	}
	if (res->hold && smfi_quarantine(ctx, (char *)res->hold_reason) !=
	    MI_SUCCESS) {
		*what = "quarantine";
		return -1;
	}
	return 0;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct outgoing_input in;
	struct outgoing_result res;
	struct npserr err, err2;
	struct store *st;
	const char *qid, *in_qid, *what = NULL;
	sfsistat ret = SMFIS_CONTINUE;
	bool failed = false, raw = false;
	int r;

	/* The macro comes from whoever talks to the socket: it names the
	 * mail in the log only when Postfix could have made it, and
	 * outgoing_process records it only then. */
	qid = smfi_getsymval(ctx, "i");
	in_qid = qid;
	if (qid == NULL || !queue_id_valid(qid, strlen(qid)))
		qid = "NOQUEUE";
	npserr_clear(&err);
	memset(&in, 0, sizeof(in));
	in.hdrs = c->hdrs;
	in.n_hdrs = c->n_hdrs;
	in.rcpts = c->rcpts;
	in.n_rcpts = c->n_rcpts;
	in.msg = c->msg.data ? c->msg.data : "";
	in.len = c->msg.len;
	in.oversized = c->oversized;
	in.queue_id = in_qid != NULL ? in_qid : "NOQUEUE";
	in.now = (int64_t)time(NULL);
	in.style = -1;

	st = pool_get(&err);
	if (st == NULL) {
		/* Without a store no survey can be recorded, so none is
		 * sent; the headers and the tag still go. */
		failed = true;
		memset(&res, 0, sizeof(res));
		outgoing_untag(&octx, &in, &res);
	} else if ((r = outgoing_decide(&octx, st, &in, commit_grouped, NULL,
	    &res, &err)) < 0) {
		failed = true;
		/* Not an internal error: a tag that would reach the
		 * customer raw. */
		raw = r == -1 && res.tag_stuck;
	}

	if (failed) {
		msg_warn("%s: npsgate: %s, %s: %s", qid, raw ? "raw tag" :
		    "internal error",
		    cf->on_error == ON_ERROR_TEMPFAIL ? "tempfail" :
		    "passed without a survey", err.msg);
		if (st != NULL && outgoing_error_event(st, cf, &in, err.msg,
		    &err2) < 0)
			msg_warn("%s: npsgate: %s", qid, err2.msg);
		if (cf->on_error == ON_ERROR_TEMPFAIL) {
			ret = SMFIS_TEMPFAIL;
			goto out;
		}
	} else if (res.kind != OUTGOING_PLAIN || res.summary[0] != '\0') {
		msg_info("%s: npsgate: %s", qid, res.summary);
		if (res.warning[0] != '\0')
			msg_warn("%s: npsgate: tag: %s", qid, res.warning);
	} else {
		msg_debug("%s: npsgate: no tag, %zu internal header(s) "
		    "removed", qid, res.n_edits);
	}
	if (apply(ctx, &res, &what) < 0) {
		msg_warn("%s: npsgate: libmilter refused the %s", qid, what);
		if (res.kind == OUTGOING_SURVEY)
			ret = SMFIS_TEMPFAIL;
	}
out:
	outgoing_result_clear(&res);
	pool_put(st);
	conn_reset(c);
	return ret;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	conn_reset(conn_get(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		conn_reset(c);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	"npsgate",
	SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
	cb_connect,		/* scope_clients only (else SMFIP_NOCONNECT) */
	NULL,			/* helo */
	cb_envfrom,		/* scope_logins, scope_senders only */
	cb_envrcpt,
	cb_header,
	cb_eoh,
	cb_body,
	cb_eom,
	cb_abort,
	cb_close,
	NULL,			/* unknown */
	NULL,			/* data */
	cb_negotiate
};

/* --- main ------------------------------------------------------------ */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate-milter [-f] [-c FILE] [-p SOCKET]\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -f, --foreground    stay in the foreground, log to stderr\n"
	    "  -p, --socket SPEC   unix:/path or inet:PORT@HOST, overrides "
	    "[milter] socket\n"
	    "  -v, --verbose       log every message handled\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n", DEFAULT_CONFIG);
}

/* The file behind a unix:/local: socket spec, or NULL. */
static const char *
socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/*
 * socket_check_free - refuses to start over a unix socket another milter
 * still listens on: libmilter would remove it and take its place, and
 * Postfix would talk to whichever instance bound last. Only a socket
 * nobody answers on (left by a crash) may be replaced; a file that is not
 * a socket is never removed.
 */
static void
socket_check_free(const char *path)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd, r;

	if (path == NULL || lstat(path, &sb) < 0)
		return;
	if (!S_ISSOCK(sb.st_mode))
		msg_fatal("socket %s: exists and is not a socket; remove it or "
		    "name another path in [milter] socket", path);
	if (strlen(path) >= sizeof(sun.sun_path))
		msg_fatal("socket %s: path too long for a unix socket", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		msg_fatal("socket %s: cannot check it: %s", path,
		    strerror(errno));
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == 0)
		msg_fatal("socket %s: another npsgate-milter is listening "
		    "on it; stop it first, or give this one another socket",
		    path);
	if (errno != ECONNREFUSED)
		msg_fatal("socket %s: cannot tell whether another milter "
		    "listens on it: %s", path, strerror(errno));
}

/*
 * A unix socket is made under a name of this process's own (PATH.PID),
 * then renamed to PATH: libmilter removes the name it bound at exit, and
 * must never remove a socket that another milter made at PATH since.
 * socket_private gives libmilter's connection spec for that name;
 * socket_publish renames it to path and notes which inode is ours;
 * socket_withdraw removes path at exit only when it is still ours.
 */
static char *
socket_private(const char *path, struct buf *priv)
{
	buf_reset(priv);
	buf_printf(priv, "unix:%s.%ld", path, (long)getpid());
	return (char *)buf_cstr(priv);
}

static void
socket_publish(const struct buf *priv, const char *path, struct stat *mine)
{
	const char *tmp = buf_cstr(priv) + 5;

	if (lstat(tmp, mine) < 0 || rename(tmp, path) < 0)
		msg_fatal("socket %s: cannot put it in place: %s", path,
		    strerror(errno));
}

static void
socket_withdraw(const char *path, const struct stat *mine)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && sb.st_dev == mine->st_dev &&
	    sb.st_ino == mine->st_ino && unlink(path) < 0)
		msg_warn("socket %s: cannot remove it: %s", path,
		    strerror(errno));
}

/*
 * privileges_check - a milter started as root must be told whom to
 * become: it reads mail from the network and must not keep root. Group
 * and user switches need root; without it they are reported, not
 * silently ignored.
 */
static void
privileges_check(void)
{
	struct passwd *pw;
	struct group *gr;

	if (geteuid() == 0) {
		if (cf->milter_user == NULL)
			msg_fatal("started as root without [milter] user: set "
			    "it (e.g. user = npsgate, the user of "
			    "sysusers.d/npsgate.conf), or start "
			    "npsgate-milter as that user");
		return;
	}
	if (cf->milter_user != NULL &&
	    ((pw = getpwnam(cf->milter_user)) == NULL ||
	    pw->pw_uid != geteuid()))
		msg_warn("[milter] user %s ignored: not started as root (it "
		    "runs as uid %ld)", cf->milter_user, (long)geteuid());
	if (cf->milter_group != NULL &&
	    ((gr = getgrnam(cf->milter_group)) == NULL ||
	    gr->gr_gid != getegid()))
		msg_warn("[milter] group %s ignored: not started as root (it "
		    "runs as gid %ld)", cf->milter_group, (long)getegid());
}

/*
 * drop_privileges - become milter_user (and milter_group, or the user's
 * own group). The socket goes to the user, and keeps the group its
 * directory gave it (set-group-ID directory: Postfix's group), mode 0660:
 * Postfix can connect and nobody else can.
 */
static void
drop_privileges(const char *sockpath)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (sockpath != NULL && chmod(sockpath, 0660) < 0)
		msg_warn("socket %s: cannot chmod: %s", sockpath,
		    strerror(errno));
	if (geteuid() != 0)
		return;
	if ((pw = getpwnam(cf->milter_user)) == NULL)
		msg_fatal("[milter] user %s: no such user", cf->milter_user);
	gid = pw->pw_gid;
	if (cf->milter_group != NULL) {
		if ((gr = getgrnam(cf->milter_group)) == NULL)
			msg_fatal("[milter] group %s: no such group",
			    cf->milter_group);
		gid = gr->gr_gid;
	}
	if (sockpath != NULL && chown(sockpath, pw->pw_uid, (gid_t)-1) < 0)
		msg_fatal("socket %s: cannot give it to %s: %s", sockpath,
		    cf->milter_user, strerror(errno));
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		msg_fatal("cannot become user %s: %s", cf->milter_user,
		    strerror(errno));
	if (setuid(0) == 0)
		msg_fatal("cannot drop root: setuid(0) still works");
}

/*
 * store_check_writable - the store, its -wal and -shm files and its
 * directory must be writable by the user the milter runs as; a store
 * first created by root (an `npsgate` command run as root) is not, and
 * every survey would then fail. Says what to fix; the milter still runs,
 * and mails pass without surveys (on_error) until it is fixed.
 */
static void
store_check_writable(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct buf f = BUF_INIT;
	const char *slash;
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		buf_reset(&f);
		buf_printf(&f, "%s%s", path, sfx[i]);
		if (access(buf_cstr(&f), W_OK) == 0 || errno == ENOENT)
			continue;
		msg_warn("store %s: not writable by uid %ld (%s): no survey "
		    "can be recorded; give it to the milter's user, e.g. "
		    "chown npsgate: %s*", buf_cstr(&f), (long)geteuid(),
		    strerror(errno), path);
		break;
	}
	buf_reset(&f);
	if ((slash = strrchr(path, '/')) == NULL)
		buf_putc(&f, '.');
	else if (slash == path)
		buf_putc(&f, '/');
	else
		buf_append(&f, path, (size_t)(slash - path));
	if (access(buf_cstr(&f), W_OK | X_OK) < 0)
		msg_warn("store %s: its directory %s is not writable by uid "
		    "%ld (%s): SQLite makes its -wal and -shm files there; "
		    "give it to the milter's user", path, buf_cstr(&f),
		    (long)geteuid(), strerror(errno));
	buf_free(&f);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = DEFAULT_CONFIG, *spec = NULL, *sockpath;
	struct buf priv = BUF_INIT;
	struct stat mine;
	struct config *conf;
	struct keyring *ring;
	struct widget_templates *tpl;
	struct store *st;
	struct npserr err;
	bool foreground = false;
	int c, verbose = 0, rc;

	while ((c = getopt_long(argc, argv, "c:fp:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'p':
			spec = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("npsgate-milter %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_open("npsgate-milter", foreground ? LOG_TO_STDERR :
	    LOG_TO_SYSLOG);
	if (verbose)
		log_verbose(verbose);

	if ((conf = config_load(config_path, &err)) == NULL) {
		msg_error("%s", err.msg);
		return EXIT_CONFIG;
	}
	cf = conf;
	if (spec == NULL)
		spec = cf->milter_socket;
	/* Keys are read before privileges go: the key file may be
	 * readable by root only. */
	if ((ring = keyring_load(cf->key_file, &err)) == NULL)
		msg_fatal("%s", err.msg);
	if ((tpl = widget_templates_load(cf->templates_dir, &err)) == NULL)
		msg_fatal("%s", err.msg);
	octx.cf = cf;
	octx.ring = ring;
	octx.tpl = tpl;

	if (smfi_register(desc) != MI_SUCCESS)
		msg_fatal("smfi_register failed");
	privileges_check();
	sockpath = socket_path(spec);
	socket_check_free(sockpath);
	if (smfi_setconn(sockpath != NULL ? socket_private(sockpath, &priv) :
	    (char *)spec) != MI_SUCCESS)
		msg_fatal("socket %s: bad specification; use unix:/path or "
		    "inet:PORT@HOST", spec);
	umask(007);
	if (smfi_opensocket(true) != MI_SUCCESS)
		msg_fatal("socket %s: cannot open (in use, or a directory "
		    "missing?)", spec);
	if (sockpath != NULL)
		socket_publish(&priv, sockpath, &mine);
	/* libmilter sends each header change, the new body and the answer
	 * in writes of their own, with no read between them: with Nagle's
	 * algorithm each one after the first waits for Postfix's delayed
	 * ACK (40 ms on Linux), and every session that gets a survey slows
	 * down to that pace. */
	if (net_listeners_nodelay() < 0)
		msg_warn("socket %s: cannot set TCP_NODELAY: %s", spec,
		    strerror(errno));
	drop_privileges(sockpath);

	if (!foreground && daemon(0, 0) < 0)
		msg_fatal("cannot detach: %s", strerror(errno));
	/* Open the store once now, as the user that will use it (and after
	 * the fork: an SQLite connection must not cross one), so a bad
	 * path or permission shows at start and the schema is in place. A
	 * store on a server ([store] url) has no file here to look at. */
	if (config_store_file(cf) != NULL)
		store_check_writable(config_store_file(cf));
	if ((st = store_open(config_store_address(cf), store_busy_ms(),
	    &err)) == NULL)
		msg_warn("%s; mails pass without surveys until it works",
		    err.msg);
	else
		pool_put(st);
	msg_info("listening on %s (on_error %s)", spec,
	    cf->on_error == ON_ERROR_TEMPFAIL ? "tempfail" : "accept");
	if (!rules_scope_is_set(cf))
		msg_info("no [milter] scope_clients, scope_logins or "
		    "scope_senders: every mail is examined");
	/* smfi_main returns when libmilter's signal thread sees SIGTERM,
	 * SIGINT or SIGHUP (it calls smfi_stop's machinery) and the
	 * connections in progress have finished. */
	rc = smfi_main();
	msg_info("stopping");
	if (sockpath != NULL)
		socket_withdraw(sockpath, &mine);
	buf_free(&priv);
	pool_close_all();
	store_close(gc_st);
	gc_st = NULL;
	widget_templates_free(tpl);
	keyring_free(ring);
	config_free(conf);
	return rc == MI_SUCCESS ? EXIT_OK : EXIT_WORK;
}
