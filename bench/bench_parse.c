/*
 * bench_parse.c - how many replies reply_analyze reads per second.
 *
 * Replays the labelled reply corpus (tests/corpus/replies/, placeholders
 * substituted with fresh test tokens, one survey per file in a temporary
 * store, as the corpus test does) until ANALYSES analyses have run, on
 * one core, and prints the rate next to that of a plain read(2) of the
 * same files, so the figure means something on any machine:
 *
 *	replies/s (CPU)   the target is >= 20,000 per core
 *	ratio             analysis time / plain read time of the same bytes
 *
 * Then the themes of the comments those analyses found (themes_match with
 * the shipped themes files, as many times): the part of storing a reply
 * that themes add, next to the analysis (target: <= 10 % of it).
 *
 * Usage: bench_parse [--quick | ANALYSES] (default 50000, --quick 10000).
 * The corpus is found through $top_srcdir, else the source tree the
 * program was built from. The last line is a BENCH line for bench/run
 * (format in bench/lib.sh): ratio = replies/s over files read/s.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "incoming/reply.h"
#include "store/store.h"
#include "survey/token.h"
#include "testlib.h"
#include "themes/themes.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

struct sample {
	char *path;
	enum survey_type type;
	struct buf msg;		/* substituted */
	char *comment;		/* what the analysis found; NULL if none */
	char *lang;
};

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	long target = 50000, done, i;
	struct buf dir = BUF_INIT, path = BUF_INIT, labels = BUF_INIT;
	char *tmpdir;
	struct sample *v = NULL;
	size_t count = 0, cap = 0, k, bytes = 0;
	struct config *cf = config_defaults();
	struct keyring *ring = keyring_new_test();
	struct store *st;
	struct npserr err;
	time_t now = time(NULL);
	char *line, *save = NULL;
	double t0, t_parse, t_read, t_themes;
	struct themes *themes;
	long themed = 0;
	long scored = 0;
	volatile size_t sink = 0;

	if (argc > 1)
		target = strcmp(argv[1], "--quick") == 0 ? 10000 :
		    atol(argv[1]);
	if (target <= 0) {
		fprintf(stderr, "usage: bench_parse [--quick | ANALYSES]\n");
		return 2;
	}
	buf_printf(&dir, "%s/tests/corpus/replies", top ? top : TEST_SRCDIR);
	buf_printf(&path, "%s/labels.tsv", dir.data);
	if (buf_read_file(&labels, path.data, 0) < 0) {
		fprintf(stderr, "bench_parse: %s: %s\n", path.data,
		    strerror(errno));
		return 1;
	}
	/* The row is the analysis beside the embedded store, as one host
	 * runs it: a PostgreSQL server named for the unit tests
	 * (NPSGATE_TEST_PG, set by .ci/run) would add its round trips. */
	unsetenv("NPSGATE_TEST_PG");
	if ((st = testlib_store_make("bench", 5000, &tmpdir)) == NULL)
		return 1;
	for (line = strtok_r(labels.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *f2, *f3, *f4;
		struct sample s;
		struct token tok, old;
		char t[TOKEN_LEN + 1], forged[TOKEN_LEN + 1];
		char expired[TOKEN_LEN + 1];
		struct survey_rec rec;
		struct buf id = BUF_INIT, mid = BUF_INIT;

		if (tab == NULL || strncmp(line, "file\t", 5) == 0)
			continue;
		*tab = '\0';
		f2 = strchr(tab + 1, '\t');
		f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
		f4 = f3 ? strchr(f3 + 1, '\t') : NULL;
		if (f4 == NULL)
			continue;
		*f4 = '\0';
		memset(&s, 0, sizeof(s));
		if (nps_type_parse(f3 + 1, strlen(f3 + 1), &s.type) < 0)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir.data, line);
		if (buf_read_file(&s.msg, path.data, 0) < 0)
			continue;
		s.path = xstrdup(path.data);
		if (token_issue(ring, s.type, now, &tok, t, sizeof(t)) < 0 ||
		    token_issue(ring, s.type, now - 400L * 86400, &old,
		    expired, sizeof(expired)) < 0)
			return 1;
		memcpy(forged, t, sizeof(forged));
		forged[40] = forged[40] == 'a' ? 'b' : 'a';
		buf_printf(&id, "survey-%.*s@helpdesk.example",
		    (int)(strrchr(line, '.') ? strrchr(line, '.') - line :
		    (long)strlen(line)), line);
		buf_printf(&mid, "<%s>", id.data);
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.id, tok.survey_id, sizeof(rec.id));
		rec.key_id = tok.key_id;
		rec.type = s.type;
		rec.message_id = mid.data;
		rec.recipient = (char *)"customer@example.org";
		rec.created_at = now - 3600;
		if (store_survey_add(st, &rec, &err) < 0) {
			fprintf(stderr, "bench_parse: %s\n", err.msg);
			return 1;
		}
		testlib_buf_substitute(&s.msg, "{{TOKEN}}", t);
		testlib_buf_substitute(&s.msg, "{{TOKEN_FORGED}}", forged);
		testlib_buf_substitute(&s.msg, "{{TOKEN_EXPIRED}}", expired);
		testlib_buf_substitute(&s.msg, "{{MSGID}}", id.data);
		buf_free(&id);
		buf_free(&mid);
		if (count == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[count++] = s;
	}
	if (count == 0) {
		fprintf(stderr, "bench_parse: no corpus file in %s\n",
		    dir.data);
		return 1;
	}

	/* The analyses, as the hook runs them (store lookups included). */
	t0 = cpu_seconds();
	for (done = 0, k = 0; done < target; done++, k = (k + 1) % count) {
		struct reply_ctx ctx = { cf, ring, st, now, NULL, NULL, NULL };
		struct reply_result res;

		if (reply_analyze(&ctx, v[k].msg.data, v[k].msg.len, &res,
		    &err) < 0) {
			fprintf(stderr, "bench_parse: %s: %s\n", v[k].path,
			    err.msg);
			return 1;
		}
		if (res.score >= 0)
			scored++;
		if (done < (long)count) {
			v[k].comment = res.comment != NULL ?
			    xstrdup(res.comment) : NULL;
			v[k].lang = res.lang != NULL ? xstrdup(res.lang) :
			    NULL;
		}
		bytes += v[k].msg.len;
		reply_result_clear(&res);
	}
	t_parse = cpu_seconds() - t0;

	/* A plain read of the same files, as many times. */
	t0 = cpu_seconds();
	for (i = 0, k = 0; i < target; i++, k = (k + 1) % count) {
		char chunk[65536];
		ssize_t n;
		int fd = open(v[k].path, O_RDONLY);

		if (fd < 0)
			return 1;
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			sink += (size_t)n + (unsigned char)chunk[0];
		close(fd);
	}
	t_read = cpu_seconds() - t0;

	/* The themes of the same replies' comments, as many times. */
	buf_reset(&path);
	buf_printf(&path, "%s/templates", top ? top : TEST_SRCDIR);
	if ((themes = themes_load(path.data, &err)) == NULL) {
		fprintf(stderr, "bench_parse: %s\n", err.msg);
		return 1;
	}
	t0 = cpu_seconds();
	for (i = 0, k = 0; i < target; i++, k = (k + 1) % count) {
		uint64_t set = 0;

		if (v[k].comment != NULL)
			themes_match(themes, v[k].lang, v[k].comment,
			    strlen(v[k].comment), &set);
		themed += set != 0;
	}
	t_themes = cpu_seconds() - t0;
	themes_free(themes);

	printf("bench_parse: %ld analyses of %zu corpus replies "
	    "(%.1f MB), %ld with a score\n", target, count, bytes / 1e6,
	    scored);
	printf("  reply_analyze   %.3f s CPU  %.0f replies/s  "
	    "%.1f us/reply (target >= 20000 replies/s)\n", t_parse,
	    target / t_parse, 1e6 * t_parse / target);
	printf("  plain read      %.3f s CPU  %.0f files/s\n", t_read,
	    target / t_read);
	printf("  ratio           %.1f x a plain read of the same files\n",
	    t_parse / t_read);
	printf("  themes          %.3f s CPU  %.1f %% of the analysis"
	    " (target <= 10 %%), %ld with a theme\n", t_themes,
	    100 * t_themes / t_parse, themed);
	printf("%s\n", target / t_parse >= 20000 ? "PASS" : "BELOW TARGET");
	printf("BENCH name=parse value=%.0f unit=replies/s reference=%.0f "
	    "ratio=%.3f target=value>=20000 ok=%s label=reply analysis, "
	    "%ld replies, CPU (ref: plain read of the files)\n",
	    target / t_parse, target / t_read, t_read / t_parse,
	    target / t_parse >= 20000 ? "yes" : "no", target);
	printf("BENCH name=parse_themes value=%.0f unit=replies/s"
	    " reference=%.0f ratio=%.3f target=ratio<=0.10 ok=%s label=themes"
	    " of the comments, %ld replies, CPU (ref: the reply analysis;"
	    " ratio: share of its time)\n", target / t_themes,
	    target / t_parse, t_themes / t_parse,
	    t_themes / t_parse <= 0.10 ? "yes" : "no", target);

	for (k = 0; k < count; k++) {
		free(v[k].comment);
		free(v[k].lang);
		free(v[k].path);
		buf_free(&v[k].msg);
	}
	free(v);
	store_close(st);
	testlib_dir_remove(tmpdir);
	buf_free(&path);
	buf_free(&dir);
	buf_free(&labels);
	keyring_free(ring);
	config_free(cf);
	(void)sink;
	return 0;
}
