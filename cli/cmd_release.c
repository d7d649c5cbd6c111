/*
 * cmd_release.c - npsgate release: send the delayed survey mails that are
 * due.
 *
 * npsgate release [-c FILE] [--now T]
 *	npsgate-milter puts a survey mail whose channel has delay_days > 0
 *	on Postfix's hold queue and records it as held with its queue id and
 *	due time, under the name of its relay ([general] node). This verb,
 *	run by a timer (etc/npsgate-release.timer) or cron as root on each
 *	relay, releases each held survey of this relay (or of no recorded
 *	relay: rows from before schema version 7) whose due time has come
 *	with `postsuper [-c DIR] -H QUEUEID` and marks it released. Another
 *	relay's held surveys are left to it: its queue ids mean nothing to
 *	this Postfix, or another mail.
 *	A queue id that postsuper no longer knows (the mail was deleted or
 *	released by hand) is logged and marked released all the same, so it
 *	is not tried again forever. When postsuper itself fails (cannot run,
 *	no permission) the survey stays held and is tried at the next run.
 *	Exit status: 0 every due survey handled, 1 some could not be
 *	released, 2 bad usage, 3 bad config.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "cli.h"
#include "conf/config.h"
#include "mail/queue_id.h"
#include "store/store.h"

struct held {
	char id[TOKEN_ID_LEN + 1];
	char *queue_id;
	int64_t due_at;
};

struct held_list {
	struct held *v;
	size_t n;
};

static void
release_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate release [-c FILE] [--now T]\n"
	    "\n"
	    "Releases from Postfix's hold queue (postsuper -H) the delayed\n"
	    "survey mails whose due time has come, and marks them released.\n"
	    "Run it as root from a timer or cron, e.g. every 10 minutes.\n"
	    "\n"
	    "  -c, --config FILE  configuration (default %s)\n"
	    "  -t, --now T        the time, in seconds since the epoch\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 done, 1 some mails not released (tried again\n"
	    "at the next run), 2 usage, 3 bad config.\n", CLI_DEFAULT_CONFIG);
}

static int
collect(const struct survey_rec *rec, void *arg)
{
	struct held_list *l = arg;
	struct held *h;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	h = &l->v[l->n++];
	memcpy(h->id, rec->id, sizeof(h->id));
	h->queue_id = rec->queue_id ? xstrdup(rec->queue_id) : NULL;
	h->due_at = rec->due_at;
	return 0;
}

/* A queue id of Postfix's making (never a word such as ALL, which
 * postsuper would apply to the whole hold queue). */
static bool
queue_id_ok(const char *q)
{
	return q != NULL && queue_id_valid(q, strnlen(q, QUEUE_ID_MAX + 1));
}

/*
 * postsuper_release - runs postsuper -H qid and reads its report.
 * Returns the number of messages released (0 when postsuper does not know
 * the id), or -1 with err set when postsuper could not do its job.
 */
static int
postsuper_release(const struct config *cf, const char *qid,
    struct npserr *err)
{
	const char *argv[6];
	struct buf out = BUF_INIT;
	char chunk[1024], *p;
	int fds[2], status, argc = 0, released = -1;
	ssize_t n;
	pid_t pid;

	argv[argc++] = cf->postsuper;
	if (cf->postfix_config_dir != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = cf->postfix_config_dir;
	}
	argv[argc++] = "-H";
	argv[argc++] = qid;
	argv[argc] = NULL;
	if (pipe(fds) < 0) {
		npserr_set(err, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		npserr_set(err, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* postsuper is for the superuser only: the child takes back
		 * the root that release_drop_store set aside. */
		if (getuid() == 0 && geteuid() != 0 &&
		    (seteuid(0) < 0 || setegid(getgid()) < 0))
			_exit(126);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf_append(&out, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* postsuper reports "Released from hold: N message(s)" even when
	 * it later fails to log; that line is the truth. */
	if (out.data != NULL &&
	    (p = strstr(out.data, "Released from hold: ")) != NULL)
		released = atoi(p + strlen("Released from hold: "));
	if (released < 0) {
		while (out.len > 0 && (out.data[out.len - 1] == '\n' ||
		    out.data[out.len - 1] == '\r'))
			out.len--;
		npserr_set(err, "%s -H %s: exit status %d: %.*s",
		    cf->postsuper, qid, WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status),
		    (int)(out.len > 300 ? 300 : out.len),
		    out.data ? out.data : "");
	}
	buf_free(&out);
	return released;
}

/*
 * release_drop_store - run as root (postsuper needs it), the verb reads
 * and writes the store as the owner of the store's directory: files that
 * SQLite creates (the store, its -wal and -shm) must stay the milter's,
 * or the milter could no longer write them. Only postsuper's child
 * becomes root again.
 */
static int
release_drop_store(const char *store_path)
{
	struct buf dir = BUF_INIT;
	struct stat sb;
	const char *slash = strrchr(store_path, '/');
	int r = 0;

	if (geteuid() != 0 || slash == NULL)
		return 0;
	buf_append(&dir, store_path, (size_t)(slash - store_path));
	if (dir.len == 0)
		buf_putc(&dir, '/');
	if (stat(buf_cstr(&dir), &sb) == 0 && sb.st_uid != 0 &&
	    (setegid(sb.st_gid) < 0 || seteuid(sb.st_uid) < 0)) {
		msg_error("store %s: cannot take the user of its directory "
		    "(uid %ld): %s", store_path, (long)sb.st_uid,
		    strerror(errno));
		r = -1;
	}
	buf_free(&dir);
	return r;
}

int
cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = NULL;
	struct config *cf = NULL;
	struct store *st = NULL;
	struct held_list l = { NULL, 0 };
	struct npserr err;
	long long now = (long long)time(NULL);
	size_t i, done = 0, unknown = 0, failed = 0;
	char *end;
	int c, r, rel, ret = EXIT_WORK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 't':
			errno = 0;
			now = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || now < 0) {
				fprintf(stderr, "npsgate release: --now '%s':"
				    " allowed: seconds since the epoch\n",
				    optarg);
				release_usage(stderr);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			release_usage(stdout);
			return 0;
		default:
			release_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate release: unexpected argument '%s'\n",
		    argv[optind]);
		release_usage(stderr);
		return EXIT_USAGE;
	}
	if ((cf = cli_config_load("release", config_path)) == NULL)
		return EXIT_CONFIG;
	/* A store on a server has no files here to keep the milter's. */
	if (config_store_file(cf) != NULL &&
	    release_drop_store(config_store_file(cf)) < 0)
		goto out;
	if ((st = store_open(config_store_address(cf), cf->busy_timeout_ms,
	    &err)) == NULL) {
		msg_error("%s", err.msg);
		goto out;
	}
	/* On a store shared by several relays, this relay's Postfix holds
	 * only the mail its milter put there. */
	if (store_held_due(st, cf->node, (int64_t)now, collect, &l,
	    &err) < 0) {
		msg_error("%s", err.msg);
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		struct held *h = &l.v[i];

		if (!queue_id_ok(h->queue_id)) {
			msg_warn("survey %s: queue id '%.64s' refused: not "
			    "a Postfix queue id; nothing released, marked "
			    "released so that it is not tried again", h->id,
			    h->queue_id ? h->queue_id : "");
			r = 0;
		} else {
			r = postsuper_release(cf, h->queue_id, &err);
			if (r < 0) {
				msg_error("%s: survey %s stays held: %s",
				    h->queue_id, h->id, err.msg);
				failed++;
				continue;
			}
			if (r == 0)
				msg_warn("%s: survey %s: postsuper does not "
				    "know this queue id any more (delivered "
				    "or deleted by hand); marked released",
				    h->queue_id, h->id);
			else
				msg_info("%s: survey %s released (due %lld)",
				    h->queue_id, h->id,
				    (long long)h->due_at);
		}
		rel = store_survey_release(st, h->id, (int64_t)now, &err);
		if (rel < 0) {
			msg_error("%s", err.msg);
			failed++;
			continue;
		}
		/* Another release (another relay's, on a shared store) was
		 * first: it is counted there. */
		if (rel == 0) {
			msg_info("survey %s: no longer held (released by"
			    " another run)", h->id);
			continue;
		}
		if (r == 0)
			unknown++;
		else
			done++;
	}
	printf("released %zu, unknown %zu, failed %zu\n", done, unknown,
	    failed);
	ret = failed ? EXIT_WORK : 0;
out:
	for (i = 0; i < l.n; i++)
		free(l.v[i].queue_id);
	free(l.v);
	if (st != NULL)
		store_close(st);
	config_free(cf);
	return ret;
}
