/*
 * bench_rewrite.c - CPU cost of rewrite_message, with its reference.
 *
 * bench_rewrite [--quick | ITERATIONS]
 *	1. A 100 KB survey mail (multipart/mixed: alternative text + HTML,
 *	   both quoted-printable, tag in each; a base64 image): CPU time per
 *	   rewrite, target <= 100 us; the memcpy + memchr pass over the same
 *	   bytes is timed too, for the ratio.
 *	2. A 1 MB mail without the tag (text, quoted-printable HTML, a
 *	   base64 PDF): CPU time per rewrite and, in the same run, that of a
 *	   memcpy + memchr pass over the same bytes; target ratio <= 2.
 *	Times are process CPU time (CLOCK_PROCESS_CPUTIME_ID), the median of
 *	batches. Templates from NPSGATE_TEMPLATES_DIR, else the source tree.
 *	--quick runs 50 iterations instead of 200.
 *	Besides the human-readable lines, one BENCH line per row for
 *	bench/run (format in bench/lib.sh).
 *	Exit status 0; 1 when a target is missed or the rewrite misbehaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite.h"
#include "survey/nps.h"

#define TAG "[InsertSatisfactionEvaluation]"
#define TOKEN "t3sttok3naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BATCHES 15

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

/* Help-desk-like HTML of about n bytes, the tag in the middle if asked. */
static void
make_html(struct buf *h, size_t n, bool tag)
{
	int i = 0;

	buf_puts(h, "<html><body><table width=\"600\" style=\"font-family:"
	    "Arial\">\n");
	while (h->len < n) {
		if (tag && i == 40)
			buf_puts(h, "<tr><td><p>" TAG "</p></td></tr>\n");
		buf_printf(h, "<tr><td style=\"padding:4px 8px;color:#333;"
		    "border-bottom:1px solid #eee\">Message %d de "
		    "l'historique : r\xc3\xa9ponse de l'agent, suivi "
		    "n\xc2\xb0%d.</td></tr>\n", i, i * 7);
		i++;
	}
	buf_puts(h, "</table></body></html>\n");
}

static void
make_text(struct buf *t, size_t n, bool tag)
{
	int i = 0;

	while (t->len < n) {
		if (tag && i == 20)
			buf_puts(t, "\n" TAG "\n\n");
		buf_printf(t, "Message %d de l'historique : r\xc3\xa9ponse de "
		    "l'agent, suivi n\xc2\xb0%d.\n", i, i * 7);
		i++;
	}
}

static void
make_binary(struct buf *b, size_t n)
{
	unsigned int x = 2463534242u;

	while (b->len < n) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf_putc(b, (int)(x & 0xff));
	}
}

static void
make_mail(struct buf *m, size_t text, size_t html, size_t bin, bool tag)
{
	struct buf t = BUF_INIT, h = BUF_INIT, b = BUF_INIT;

	make_text(&t, text, tag);
	make_html(&h, html, tag);
	make_binary(&b, bin);
	buf_puts(m, "From: support@helpdesk.example\r\n"
	    "To: customer@client.example\r\nSubject: Ticket 48213\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=_mixed\"\r\n\r\n"
	    "--=_mixed\r\n"
	    "Content-Type: multipart/alternative; boundary=\"=_alt\"\r\n\r\n"
	    "--=_alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(t.data, t.len, true, m);
	buf_puts(m, "\r\n--=_alt\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(h.data, h.len, true, m);
	buf_puts(m, "\r\n--=_alt--\r\n\r\n--=_mixed\r\n"
	    "Content-Type: application/pdf; name=\"doc.pdf\"\r\n"
	    "Content-Disposition: attachment; filename=\"doc.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	mime_base64_encode(b.data, b.len, true, m);
	buf_puts(m, "--=_mixed--\r\n");
	buf_free(&t);
	buf_free(&h);
	buf_free(&b);
}

/* Median CPU microseconds per rewrite; checks the outcome once. */
static double
time_rewrite(const struct config *cf, const struct widget_templates *tpl,
    const struct buf *m, int iters, int want_tags)
{
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "fr", TOKEN,
	    "nps+" TOKEN "@reply.example" };
	struct rewrite_result res;
	struct npserr err;
	double t[BATCHES], t0;
	int b, i;

	for (b = 0; b < BATCHES; b++) {
		t0 = cpu_now();
		for (i = 0; i < iters; i++) {
			if (rewrite_message(cf, tpl, &req, m->data, m->len,
			    &res, &err) < 0 || res.tags != want_tags ||
			    res.malformed) {
				fprintf(stderr, "bench_rewrite: unexpected "
				    "result: tags=%d malformed=%d %s\n",
				    res.tags, res.malformed, res.reason);
				exit(1);
			}
			rewrite_result_clear(&res);
		}
		t[b] = (cpu_now() - t0) / iters;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp_double);
	return t[BATCHES / 2];
}

/* The reference: copy the message once and look for an absent byte. */
static double
time_reference(const struct buf *m, int iters)
{
	char *dst = xmalloc(m->len);
	double t[BATCHES], t0;
	volatile size_t sink = 0;
	int b, i;

	for (b = 0; b < BATCHES; b++) {
		t0 = cpu_now();
		for (i = 0; i < iters; i++) {
			const char *p;

			memcpy(dst, m->data, m->len);
			p = memchr(dst, '\x01', m->len);
			sink += p ? (size_t)(p - dst) : m->len;
		}
		t[b] = (cpu_now() - t0) / iters;
	}
	free(dst);
	qsort(t, BATCHES, sizeof(t[0]), cmp_double);
	return t[BATCHES / 2];
}

int
main(int argc, char **argv)
{
	struct config *cf;
	struct widget_templates *tpl;
	struct npserr err;
	struct buf small = BUF_INIT, big = BUF_INIT;
	int iters = argc > 1 ? atoi(argv[1]) : 200;
	double ts, tsr, tb, tr;
	int rc = 0;

	if (argc > 1 && strcmp(argv[1], "--quick") == 0)
		iters = 50;
	if (iters <= 0)
		iters = 200;
	if (getenv("NPSGATE_TEMPLATES_DIR") == NULL)
		setenv("NPSGATE_TEMPLATES_DIR", TEST_SRCDIR "/templates", 1);
	cf = config_defaults();
	tpl = widget_templates_load(cf->templates_dir, &err);
	if (tpl == NULL) {
		fprintf(stderr, "bench_rewrite: %s\n", err.msg);
		return 1;
	}
	make_mail(&small, 16 * 1024, 40 * 1024, 30 * 1024, true);
	make_mail(&big, 20 * 1024, 60 * 1024, 680 * 1024, false);

	ts = time_rewrite(cf, tpl, &small, iters, 2);
	tsr = time_reference(&small, iters);
	tb = time_rewrite(cf, tpl, &big, iters / 4 + 1, 0);
	tr = time_reference(&big, iters / 4 + 1);
	printf("survey mail %zu bytes, 2 tags: %.1f us CPU per rewrite "
	    "(target <= 100): %s\n", small.len, ts, ts <= 100 ? "ok" : "MISSED");
	printf("tag-free mail %zu bytes: %.1f us per rewrite, memcpy+memchr "
	    "%.1f us, ratio %.2f (target <= 2): %s\n", big.len, tb, tr,
	    tb / tr, tb <= 2 * tr ? "ok" : "MISSED");
	printf("BENCH name=rewrite_100k value=%.1f unit=us reference=%.1f "
	    "ratio=%.2f target=value<=100 ok=%s label=rewrite of a %zu KB "
	    "survey mail, CPU (ref: memcpy+memchr)\n", ts, tsr, ts / tsr,
	    ts <= 100 ? "yes" : "no", small.len / 1024);
	printf("BENCH name=rewrite_1m_notag value=%.1f unit=us reference=%.1f "
	    "ratio=%.2f target=ratio<=2 ok=%s label=rewrite of a %zu KB "
	    "tag-free mail, CPU (ref: memcpy+memchr)\n", tb, tr, tb / tr,
	    tb <= 2 * tr ? "yes" : "no", big.len / 1024);
	if (ts > 100 || tb > 2 * tr)
		rc = 1;
	buf_free(&small);
	buf_free(&big);
	widget_templates_free(tpl);
	config_free(cf);
	return rc;
}
