/*
 * bench_outgoing.c - CPU cost of the milter's work on one survey mail,
 * without Postfix.
 *
 * bench_outgoing [--quick | MAILS]
 *	The survey mail of bench_postfix.sh (X-NPS-* headers, the tag in
 *	both parts of a multipart/alternative, CRLF line ends as Postfix
 *	hands them to a milter), with the headers Postfix adds, goes through
 *	what npsgate-milter does between the end of the message and its
 *	answer: the header block rebuilt (cb_eoh), outgoing_process (the
 *	rules with their store read, the token, the widget, the rewrite,
 *	the edits) and the survey row written by outgoing_commit_batch, in
 *	groups of 1 (a mail alone: one commit, one disk sync each) and of
 *	8 (the milter's group commit under load). Prints the CPU
 *	microseconds per mail of each half, the median of 7 batches of
 *	MAILS mails (default 500, --quick 100), process CPU time
 *	(CLOCK_PROCESS_CPUTIME_ID), kernel time included: the disk syncs
 *	are the commit's. The store is a new SQLite file under $TMPDIR (or
 *	/tmp), removed at the end; templates from NPSGATE_TEMPLATES_DIR,
 *	else the source tree; the public test key.
 *	Not a row of bench/run (its reference would be the whole Postfix
 *	conversation): a tool to see where a survey's CPU goes.
 *	Exit status 0; 1 when a mail does not become a survey.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "outgoing/outgoing.h"
#include "outgoing/widget.h"
#include "store/store.h"
#include "survey/token.h"

#define BATCHES 7
#define GROUP_MAX 8

static const char mail[] =
    "Received: from localhost (localhost [127.0.0.1])\r\n"
    "\tby mx.npsgate.test (Postfix) with ESMTP id 4XyZ1234AB\r\n"
    "\tfor <customer@example.com>; Thu,  3 Dec 2026 19:00:00 +0000\r\n"
    "From: Support <support@shop.example>\r\n"
    "To: <customer@example.com>\r\n"
    "Subject: Your ticket is closed\r\nX-NPS-Ticket: T-1\r\n"
    "X-NPS-Agent: marie\r\nX-NPS-Team: N1\r\nX-NPS-Channel: email\r\n"
    "X-NPS-Lang: fr\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
    "Message-Id: <20261203190000.4XyZ1234AB@mx.npsgate.test>\r\n"
    "Date: Thu,  3 Dec 2026 19:00:00 +0000\r\n"
    "\r\n"
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Bonjour,\r\nVotre ticket est clos.\r\n"
    "[InsertSatisfactionEvaluation]\r\nCordialement\r\n"
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<html><body><p>Bonjour,</p><p>Votre ticket est clos.</p>\r\n"
    "<p>[InsertSatisfactionEvaluation]</p><p>Cordialement</p>"
    "</body></html>\r\n"
    "--b--\r\n";

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench {
	struct outgoing_ctx ctx;
	struct store *st;
	struct outgoing_header *hdrs;
	size_t n_hdrs;
	const char *body;
	size_t out_len;
};

/*
 * One batch of n mails in groups of group; adds the CPU microseconds of
 * the processing and of the commits to *tp and *tc.
 */
static void
run_batch(struct bench *b, int n, int group, double *tp, double *tc)
{
	struct outgoing_result res[GROUP_MAX];
	const struct outgoing_result *rp[GROUP_MAX];
	struct npserr errs[GROUP_MAX], err;
	struct outgoing_input in;
	struct buf msg[GROUP_MAX];
	char *rcpt = "customer@example.com";
	int rc[GROUP_MAX], i, k;
	double t0;

	for (k = 0; k < GROUP_MAX; k++)
		buf_init(&msg[k]);
	for (i = 0; i < n; i += group) {
		t0 = cpu_now();
		for (k = 0; k < group; k++) {
			buf_reset(&msg[k]);
			outgoing_headers_block(b->hdrs, b->n_hdrs, &msg[k]);
			buf_puts(&msg[k], b->body);
			memset(&in, 0, sizeof(in));
			in.hdrs = b->hdrs;
			in.n_hdrs = b->n_hdrs;
			in.rcpts = &rcpt;
			in.n_rcpts = 1;
			in.msg = msg[k].data;
			in.len = msg[k].len;
			in.queue_id = "4XyZ1234AB";
			in.now = (int64_t)time(NULL);
			in.style = -1;
			if (outgoing_process(&b->ctx, b->st, &in, &res[k],
			    &err) < 0 || res[k].kind != OUTGOING_SURVEY) {
				fprintf(stderr, "bench_outgoing: no survey: "
				    "%s\n", res[k].summary);
				exit(1);
			}
			rp[k] = &res[k];
		}
		*tp += cpu_now() - t0;
		t0 = cpu_now();
		outgoing_commit_batch(b->st, rp, (size_t)group, rc, errs);
		*tc += cpu_now() - t0;
		for (k = 0; k < group; k++) {
			if (rc[k] != 0) {
				fprintf(stderr, "bench_outgoing: commit: %s\n",
				    errs[k].msg);
				exit(1);
			}
			b->out_len = res[k].body.len;
			outgoing_result_clear(&res[k]);
		}
	}
	for (k = 0; k < GROUP_MAX; k++)
		buf_free(&msg[k]);
}

static void
measure(struct bench *b, int n, int group)
{
	double p[BATCHES], c[BATCHES];
	int i;

	run_batch(b, n / 5 + group, group, &p[0], &c[0]);	/* warm-up */
	for (i = 0; i < BATCHES; i++) {
		p[i] = c[i] = 0;
		run_batch(b, n, group, &p[i], &c[i]);
		p[i] /= n;
		c[i] /= n;
	}
	qsort(p, BATCHES, sizeof(p[0]), cmp_double);
	qsort(c, BATCHES, sizeof(c[0]), cmp_double);
	printf("groups of %d: process %.1f us, commit %.1f us, both %.1f us "
	    "per survey mail (median of %d batches of %d)\n", group,
	    p[BATCHES / 2], c[BATCHES / 2], p[BATCHES / 2] + c[BATCHES / 2],
	    BATCHES, n);
}

int
main(int argc, char **argv)
{
	const char *tdir = getenv("NPSGATE_TEMPLATES_DIR");
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[600];
	struct config *cf;
	struct widget_templates *tpl;
	struct keyring *ring;
	struct npserr err;
	struct bench b;
	int n = 500;

	if (argc > 1 && strcmp(argv[1], "--quick") == 0)
		n = 100;
	else if (argc > 1 && (n = atoi(argv[1])) < GROUP_MAX) {
		fprintf(stderr, "usage: bench_outgoing [--quick | MAILS]\n");
		return 1;
	}
	n -= n % GROUP_MAX;
	snprintf(dir, sizeof(dir), "%s/npsgate-bench-outgoing-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench_outgoing: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/npsgate.db", dir);
	cf = config_defaults();
	tpl = widget_templates_load(tdir != NULL && *tdir != '\0' ? tdir :
	    TEST_SRCDIR "/templates", &err);
	ring = keyring_new_test();
	memset(&b, 0, sizeof(b));
	if (tpl == NULL || (b.st = store_open(path, 1000, &err)) == NULL) {
		fprintf(stderr, "bench_outgoing: %s\n", err.msg);
		return 1;
	}
	b.ctx.cf = cf;
	b.ctx.ring = ring;
	b.ctx.tpl = tpl;
	b.n_hdrs = outgoing_headers_parse(mail, sizeof(mail) - 1, &b.hdrs);
	b.body = strstr(mail, "\r\n\r\n") + 4;
	measure(&b, n, 1);
	measure(&b, n, GROUP_MAX);
	printf("the mail leaves at %zu bytes of body\n", b.out_len);
	outgoing_headers_free(b.hdrs, b.n_hdrs);
	store_close(b.st);
	keyring_free(ring);
	widget_templates_free(tpl);
	config_free(cf);
	snprintf(path, sizeof(path), "%s/npsgate.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/npsgate.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/npsgate.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}
