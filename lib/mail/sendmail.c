/*
 * sendmail.c - run sendmail or an alert command with a time limit; see
 * sendmail.h for the contract.
 *
 * Everything the child needs (argv, envp) is built before fork(), so the
 * child only calls async-signal-safe functions between fork() and exec:
 * the callers (the IMAP hook, the CLI) may have threads.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mail/sendmail.h"

extern char **environ;

/* --- command lines -------------------------------------------------- */

/* sendmail_argv_free - frees a vector from sendmail_argv_split or
 * sendmail_alert_env; NULL is fine. */
void
sendmail_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/*
 * sendmail_argv_split - see sendmail.h. Blanks are the only separators,
 * so what the config says is what runs: no quoting, no expansion.
 */
char **
sendmail_argv_split(const char *cmd, struct npserr *err)
{
	char **argv;
	const char *p, *w;
	size_t n = 0;

	if (cmd == NULL) {
		npserr_set(err, "no command configured");
		return NULL;
	}
	for (p = cmd; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			npserr_set(err, "command \"%.60s\": control character"
			    " in the command line", cmd);
			return NULL;
		}
	}
	argv = xcalloc(SENDMAIL_ARGS_MAX + 1, sizeof(*argv));
	for (p = cmd; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p && *p != ' ' && *p != '\t'; p++)
			;
		if (n == SENDMAIL_ARGS_MAX) {
			npserr_set(err, "command \"%.60s\": more than %d words",
			    cmd, SENDMAIL_ARGS_MAX);
			sendmail_argv_free(argv);
			return NULL;
		}
		argv[n++] = xstrndup(w, (size_t)(p - w));
	}
	if (n == 0 || argv[0][0] != '/') {
		npserr_set(err, "command \"%.60s\": %s", cmd, n == 0 ?
		    "empty" : "the program must be an absolute path");
		sendmail_argv_free(argv);
		return NULL;
	}
	return argv;
}

/* Appends a copy of word to a NULL-terminated vector of n words. */
static char **
argv_push(char **v, size_t *n, const char *word)
{
	v = xrealloc(v, (*n + 2) * sizeof(*v));
	v[(*n)++] = xstrdup(word);
	v[*n] = NULL;
	return v;
}

/* --- sanitising ----------------------------------------------------- */

/* sendmail_env_clean - see sendmail.h. */
void
sendmail_env_clean(struct buf *out, const char *s, size_t max,
    bool keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, done = 0, k;

	if (s == NULL)
		return;
	n = strlen(s);
	while (n > 0) {
		k = utf8_seq((const char *)p, n, NULL);
		if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f))) {
			if (k == 1 && *p == '\r' && keep_newlines) {
				p++;	/* dropped: CRLF becomes LF */
				n--;
				continue;
			}
			if (done + 1 > max)
				break;
			if (k == 0)
				buf_putc(out, '?');
			else if (*p == '\n' && keep_newlines)
				buf_putc(out, '\n');
			else
				buf_putc(out, ' ');
			done++;
			p++;
			n--;
			continue;
		}
		if (done + k > max)
			break;
		buf_append(out, p, k);
		done += k;
		p += k;
		n -= k;
	}
}

/* --- running a child ------------------------------------------------ */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Closes every descriptor from 3 up but keep (the exec error pipe, which
 * closes itself at exec): the caller's IMAP connection, say, is none of
 * the command's business, and not every library opens with O_CLOEXEC.
 */
static void
close_others(int keep, int maxfd)
{
	int fd;

	if (keep > 3)
		if (close_range(3, (unsigned)keep - 1, 0) < 0)
			for (fd = 3; fd < keep; fd++)
				close(fd);
	if (close_range((unsigned)keep + 1, ~0U, 0) < 0)
		for (fd = keep + 1; fd < maxfd; fd++)
			close(fd);
}

/* The child side of the fork: only async-signal-safe calls. */
static _Noreturn void
child_exec(char *const *argv, char *const *envp, int in, int out, int errfd,
    int maxfd)
{
	struct sigaction sa;
	sigset_t none;
	int e;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* Ignored signals stay ignored across exec: give the program the
	 * defaults it expects. */
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
		e = errno;
		(void)!write(errfd, &e, sizeof(e));
		_exit(127);
	}
	close_others(errfd, maxfd);
	execve(argv[0], argv, envp != NULL ? envp : environ);
	e = errno;
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/* Reads what the child printed, keeping the first SENDMAIL_OUTPUT_MAX
 * bytes. Returns 1 at end of file (or error), else 0. */
static int
drain_output(int fd, struct buf *keep)
{
	char chunk[4096];
	ssize_t r;

	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r > 0) {
			if (keep->len < SENDMAIL_OUTPUT_MAX)
				buf_append(keep, chunk, (size_t)r >
				    SENDMAIL_OUTPUT_MAX - keep->len ?
				    SENDMAIL_OUTPUT_MAX - keep->len :
				    (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return 1;
	}
}

/* The first line of what the child printed, for a one-line error. */
static void
output_line(const char *s, char *out, size_t outsz)
{
	size_t n = 0, i;

	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	for (i = 0; s[i] && s[i] != '\n' && n + 1 < outsz; i++)
		out[n++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	out[n] = '\0';
}

/* Closes *fd unless it is closed already, and marks it closed. */
static void
fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A child at work: our ends of its pipes and what it printed so far. */
struct child {
	pid_t pid;
	int in;			/* its standard input, -1 once closed */
	int out;		/* its standard output and error */
	int64_t deadline;	/* now_ms() at which it is killed */
	int wstatus;
	bool timed_out;
	int wait_errno;		/* poll failed: the child was killed */
	struct buf output;	/* the first SENDMAIL_OUTPUT_MAX bytes */
};

/*
 * Starts argv[0] on fresh pipes. The exec error pipe closes at exec, so
 * that a program that cannot run (its errno comes down the pipe) is told
 * apart from one that runs and fails. 0, or -1 with err and no
 * descriptor left open.
 */
static int
child_start(char *const *argv, char *const *envp, int timeout_ms,
    struct child *c, struct npserr *err)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int e = 0, r, maxfd;
	long lim;

	if (pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		npserr_set(err, "%s: cannot create a pipe: %s", argv[0],
		    strerror(errno));
		goto fail;
	}
	c->deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	lim = sysconf(_SC_OPEN_MAX);
	maxfd = lim > 0 && lim < 65536 ? (int)lim : 65536;
	if ((c->pid = fork()) < 0) {
		npserr_set(err, "%s: cannot fork: %s", argv[0],
		    strerror(errno));
		goto fail;
	}
	if (c->pid == 0)
		child_exec(argv, envp, inp[0], outp[1], errp[1], maxfd);
	/* Both sides set the group, so that a kill never misses it. */
	setpgid(c->pid, c->pid);
	fd_close(&inp[0]);
	fd_close(&outp[1]);
	fd_close(&errp[1]);
	while ((r = (int)read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	fd_close(&errp[0]);
	if (r == (int)sizeof(e)) {
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		npserr_set(err, "%s: cannot run: %s", argv[0], strerror(e));
		goto fail;
	}
	c->in = inp[1];
	c->out = outp[0];
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	fd_close(&inp[0]);
	fd_close(&inp[1]);
	fd_close(&outp[0]);
	fd_close(&outp[1]);
	fd_close(&errp[0]);
	fd_close(&errp[1]);
	return -1;
}

/* SIGPIPE blocked in this thread while we write to the child. */
struct sigpipe_guard {
	sigset_t only;
	sigset_t old;
	bool was_pending;	/* one was pending before: not ours to take */
};

static void
sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t pending;

	sigemptyset(&g->only);
	sigaddset(&g->only, SIGPIPE);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &g->only, &g->old);
}

/* A SIGPIPE raised by our writes is taken here, not delivered. */
static void
sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t pending;

	sigpending(&pending);
	if (!g->was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&g->only, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* True once the child has exited (its status in c->wstatus). */
static bool
child_exited(struct child *c)
{
	int r = waitpid(c->pid, &c->wstatus, WNOHANG);

	return r == c->pid || (r < 0 && errno == ECHILD);
}

/* The whole group goes, and is reaped. */
static void
child_kill(struct child *c)
{
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &c->wstatus, 0) < 0 && errno == EINTR)
		;
}

/* Writes what the pipe takes of in[*written..inlen); closes the child's
 * input once all is written or the child stopped reading. */
static void
child_feed(struct child *c, const char *in, size_t inlen, size_t *written)
{
	ssize_t w;

	if (c->in >= 0 && *written < inlen) {
		w = write(c->in, in + *written, inlen - *written);
		if (w > 0)
			*written += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR &&
		    errno != EWOULDBLOCK)
			*written = inlen;	/* EPIPE: not reading */
	}
	if (c->in >= 0 && *written >= inlen)
		fd_close(&c->in);
}

/*
 * Feeds the input and reads the output until the child exits or the
 * time limit kills it.
 */
static void
child_wait(struct child *c, const char *in, size_t inlen)
{
	bool out_eof = false;
	size_t written = 0;

	for (;;) {
		struct pollfd pfd[2];
		nfds_t nfd = 0;
		int64_t left = c->deadline - now_ms();
		int wait_ms;

		if (child_exited(c)) {
			/* What is in the pipe now is all we wait for: a
			 * descendant may hold it open long after. */
			if (!out_eof)
				drain_output(c->out, &c->output);
			break;
		}
		if (left <= 0) {
			c->timed_out = true;
			child_kill(c);
			break;
		}
		if (c->in >= 0) {
			pfd[nfd].fd = c->in;
			pfd[nfd].events = POLLOUT;
			pfd[nfd++].revents = 0;
		}
		if (!out_eof) {
			pfd[nfd].fd = c->out;
			pfd[nfd].events = POLLIN;
			pfd[nfd++].revents = 0;
		}
		/* Short naps: the exit of the child is noticed by waitpid,
		 * not by poll. */
		wait_ms = left < 50 ? (int)left : 50;
		if (poll(pfd, nfd, wait_ms) < 0 && errno != EINTR) {
			/* We can no longer watch it: it must not outlive
			 * us unreaped. */
			c->wait_errno = errno;
			child_kill(c);
			break;
		}
		child_feed(c, in, inlen, &written);
		if (!out_eof && drain_output(c->out, &c->output))
			out_eof = true;
	}
}

/* How the child ended, into *res and, unless it exited with 0, err.
 * 0 or -1. */
static int
child_report(char *const *argv, int timeout_ms, struct child *c,
    struct sendmail_result *res, struct npserr *err)
{
	char line[200];

	res->timed_out = c->timed_out;
	res->output = buf_steal(&c->output);
	if (res->output == NULL)
		res->output = xstrdup("");
	output_line(res->output, line, sizeof(line));
	if (c->wait_errno != 0) {
		npserr_set(err, "%s: killed, cannot wait for it: poll: %s",
		    argv[0], strerror(c->wait_errno));
		return -1;
	}
	if (res->timed_out) {
		if (timeout_ms % 1000 == 0)
			npserr_set(err, "%s: killed after %d s (time limit)",
			    argv[0], timeout_ms / 1000);
		else
			npserr_set(err, "%s: killed after %d ms (time"
			    " limit)", argv[0], timeout_ms);
		return -1;
	}
	if (WIFEXITED(c->wstatus)) {
		res->status = WEXITSTATUS(c->wstatus);
		if (res->status == 0)
			return 0;
		npserr_set(err, "%s: exited with status %d%s%s", argv[0],
		    res->status, line[0] ? ": " : "", line);
	} else if (WIFSIGNALED(c->wstatus)) {
		res->signal = WTERMSIG(c->wstatus);
		npserr_set(err, "%s: killed by signal %d%s%s", argv[0],
		    res->signal, line[0] ? ": " : "", line);
	} else {
		npserr_set(err, "%s: ended in an unknown way", argv[0]);
	}
	return -1;
}

/*
 * sendmail_run - see sendmail.h. The input goes through a non-blocking
 * pipe and the output is read as it comes, in one poll loop, so that a
 * child that writes a lot before it reads, or never reads, cannot hold
 * the caller beyond the limit. The steps: start the child, block
 * SIGPIPE, feed and read until it ends or is killed, take back our
 * SIGPIPE, report how it ended.
 */
int
sendmail_run(char *const *argv, char *const *envp, const char *in,
    size_t inlen, int timeout_ms, struct sendmail_result *res,
    struct npserr *err)
{
	struct sendmail_result local;
	struct sigpipe_guard guard;
	struct child c = { .pid = -1, .in = -1, .out = -1,
	    .output = BUF_INIT };
	int rc = -1;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (child_start(argv, envp, timeout_ms, &c, err) == 0) {
		res->ran = true;
		if (inlen == 0)
			fd_close(&c.in);
		sigpipe_block(&guard);
		child_wait(&c, in, inlen);
		sigpipe_restore(&guard);
		rc = child_report(argv, timeout_ms, &c, res, err);
	}
	fd_close(&c.in);
	fd_close(&c.out);
	buf_free(&c.output);
	if (res == &local)
		sendmail_result_clear(&local);
	return rc;
}

/* sendmail_result_clear - frees the output; res may be reused. */
void
sendmail_result_clear(struct sendmail_result *res)
{
	if (res == NULL)
		return;
	free(res->output);
	res->output = NULL;
}

/* sendmail_send - see sendmail.h. "--" ends the options, so that no
 * recipient can be taken for one. */
int
sendmail_send(const char *command, const char *sender,
    const char *const *rcpts, size_t n_rcpts, const char *msg, size_t len,
    int timeout_ms, struct npserr *err)
{
	char **argv;
	size_t n, i;
	int r;

	if (n_rcpts == 0) {
		npserr_set(err, "sendmail: no recipient");
		return -1;
	}
	if ((argv = sendmail_argv_split(command, err)) == NULL)
		return -1;
	for (n = 0; argv[n] != NULL; n++)
		;
	argv = argv_push(argv, &n, "-i");
	argv = argv_push(argv, &n, "-f");
	argv = argv_push(argv, &n, sender != NULL ? sender : "<>");
	argv = argv_push(argv, &n, "--");
	for (i = 0; i < n_rcpts; i++)
		argv = argv_push(argv, &n, rcpts[i]);
	r = sendmail_run(argv, NULL, msg, len, timeout_ms, NULL, err);
	sendmail_argv_free(argv);
	return r;
}

/* Appends "NAME=value" (sanitised) to an environment being built. */
static char **
env_push(char **v, size_t *n, const char *name, const char *value,
    size_t max, bool keep_newlines)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s=", name);
	sendmail_env_clean(&b, value, max, keep_newlines);
	v = xrealloc(v, (*n + 2) * sizeof(*v));
	v[(*n)++] = buf_steal(&b);
	v[*n] = NULL;
	return v;
}

/* sendmail_alert_env - see sendmail.h. */
char **
sendmail_alert_env(const struct sendmail_alert *a)
{
	char **v = xcalloc(1, sizeof(*v));
	char score[16];
	size_t n = 0, i;

	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		if (strncmp(environ[i], "NPS_", 4) != 0)
			v = argv_push(v, &n, environ[i]);
	if (a->score >= 0)
		snprintf(score, sizeof(score), "%d", a->score);
	else
		score[0] = '\0';
	v = env_push(v, &n, "NPS_SURVEY_ID", a->survey_id, SENDMAIL_ENV_MAX,
	    false);
	v = env_push(v, &n, "NPS_SCORE", score, SENDMAIL_ENV_MAX, false);
	v = env_push(v, &n, "NPS_CATEGORY", a->category, SENDMAIL_ENV_MAX,
	    false);
	v = env_push(v, &n, "NPS_CUSTOMER", a->customer, SENDMAIL_ENV_MAX,
	    false);
	v = env_push(v, &n, "NPS_TICKET", a->ticket, SENDMAIL_ENV_MAX, false);
	v = env_push(v, &n, "NPS_AGENT", a->agent, SENDMAIL_ENV_MAX, false);
	v = env_push(v, &n, "NPS_TEAM", a->team, SENDMAIL_ENV_MAX, false);
	v = env_push(v, &n, "NPS_CHANNEL", a->channel, SENDMAIL_ENV_MAX,
	    false);
	v = env_push(v, &n, "NPS_COMMENT", a->comment, SENDMAIL_COMMENT_MAX,
	    true);
	return v;
}

/* sendmail_alert_run - see sendmail.h. */
int
sendmail_alert_run(const char *command, const struct sendmail_alert *a,
    const char *json, size_t jlen, int timeout_ms, struct npserr *err)
{
	char **argv, **envp;
	int r;

	if ((argv = sendmail_argv_split(command, err)) == NULL)
		return -1;
	envp = sendmail_alert_env(a);
	r = sendmail_run(argv, envp, json, jlen, timeout_ms, NULL, err);
	sendmail_argv_free(envp);
	sendmail_argv_free(argv);
	return r;
}

/* sendmail_date_header - see sendmail.h. */
void
sendmail_date_header(struct buf *out, const char *name, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(out, "%s: %s, %02d %s %04d %02d:%02d:%02d +0000\n", name,
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
