/*
 * test_reply_corpus.c - the labelled reply corpus (tests/corpus/replies/,
 * format in its labels.tsv header and the corpus notes) against
 * reply_analyze.
 *
 * Each file gets fresh tokens from the test key ({{TOKEN}}, a forged and
 * an expired one) and its own survey in a temporary store, whose
 * Message-ID replaces {{MSGID}}. The figures printed are the ones the
 * reply module is held to: exact scores >= 99 % of the labelled scores,
 * no score where the label has none, no auto-reply counted, comments
 * exact (after whitespace normalisation) for >= 95 % of the files.
 * Every mismatch is printed with what was expected and what came out.
 *
 * Usage: test_reply_corpus [-v] [NAME-SUBSTRING]
 *	-v prints the JSON result of every file analysed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "incoming/reply.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "survey/nps.h"
#include "survey/token.h"
#include "testlib.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

#define N_KINDS (REPLY_UNPARSED + 1)

struct label {
	char *file;
	enum reply_kind kind;
	int score;
	enum survey_type type;
	char *lang;
	char *comment;		/* normalised, NULL for "-" */
};

static int
kind_parse(const char *s, enum reply_kind *out)
{
	int k;

	for (k = 0; k < N_KINDS; k++)
		if (strcmp(s, reply_kind_name((enum reply_kind)k)) == 0) {
			*out = (enum reply_kind)k;
			return 0;
		}
	return -1;
}

static bool
is_space_at(const char *s, size_t i, size_t *len)
{
	unsigned char c = (unsigned char)s[i];

	*len = 1;
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v')
		return true;
	if (c == 0xc2 && (unsigned char)s[i + 1] == 0xa0) {
		*len = 2;
		return true;
	}
	if (c == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
	    (unsigned char)s[i + 2] == 0xaf) {
		*len = 3;
		return true;
	}
	return false;
}

/* Runs of blanks (and the label's literal "\n") made one space, trimmed.
 * Returns a new string. */
static char *
normalise(const char *s)
{
	struct buf b = BUF_INIT;
	size_t i = 0, n = strlen(s), k;
	bool space = false;

	while (i < n) {
		if (s[i] == '\\' && s[i + 1] == 'n') {
			space = true;
			i += 2;
			continue;
		}
		if (is_space_at(s, i, &k)) {
			space = true;
			i += k;
			continue;
		}
		if (space && b.len > 0)
			buf_putc(&b, ' ');
		space = false;
		buf_putc(&b, s[i]);
		i++;
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b);
}

static size_t
load_labels(const char *path, struct label **out)
{
	struct buf raw = BUF_INIT;
	struct label *v = NULL;
	size_t count = 0, cap = 0, lineno = 0;
	char *line, *save = NULL;

	if (buf_read_file(&raw, path, 0) < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		exit(99);
	}
	for (line = strtok_r(raw.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *p = line;
		int i;
		struct label l;

		if (lineno++ == 0 || line[0] == '\0' || line[0] == '#')
			continue;
		if (line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		for (i = 0; i < 6; i++) {
			f[i] = p;
			p = i < 5 ? strchr(p, '\t') : NULL;
			if (i < 5 && p == NULL) {
				fprintf(stderr, "%s:%zu: fewer than 6 fields\n",
				    path, lineno);
				exit(99);
			}
			if (p != NULL)
				*p++ = '\0';
		}
		l.file = xstrdup(f[0]);
		if (kind_parse(f[1], &l.kind) < 0 ||
		    nps_type_parse(f[3], strlen(f[3]), &l.type) < 0) {
			fprintf(stderr, "%s:%zu: bad kind or type\n", path,
			    lineno);
			exit(99);
		}
		l.score = strcmp(f[2], "-") == 0 ? -1 : atoi(f[2]);
		l.lang = xstrdup(f[4]);
		l.comment = strcmp(f[5], "-") == 0 ? NULL : normalise(f[5]);
		if (count == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[count++] = l;
	}
	buf_free(&raw);
	*out = v;
	return count;
}

/* The From address of the raw message, lowercased, or "unknown". */
static char *
from_address(const struct buf *msg)
{
	const char *p = msg->data, *end = msg->data + msg->len, *l, *e;
	size_t i;
	char *s;

	for (l = p; l < end; l = e + 1) {
		e = memchr(l, '\n', (size_t)(end - l));
		if (e == NULL)
			e = end;
		if (e == l || (e == l + 1 && *l == '\r'))
			break;
		if ((size_t)(e - l) > 5 && strncasecmp(l, "From:", 5) == 0) {
			const char *lt = memchr(l, '<', (size_t)(e - l));
			const char *gt = lt ? memchr(lt, '>',
			    (size_t)(e - lt)) : NULL;

			if (lt != NULL && gt != NULL)
				s = xstrndup(lt + 1, (size_t)(gt - lt - 1));
			else {
				const char *a = l + 5;

				while (a < e && (*a == ' ' || *a == '\t'))
					a++;
				s = xstrndup(a, (size_t)(e - a));
				s[strcspn(s, " \r\t")] = '\0';
			}
			for (i = 0; s[i] != '\0'; i++)
				if (s[i] >= 'A' && s[i] <= 'Z')
					s[i] = (char)(s[i] + 32);
			return s;
		}
	}
	return xstrdup("unknown");
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");
	const char *filter = NULL;
	bool verbose = false;
	char *tmpdir;
	struct buf dir = BUF_INIT, path = BUF_INIT;
	struct label *labels;
	size_t count, i;
	struct config *cf = config_defaults();
	struct keyring *ring = keyring_new_test();
	struct store *st;
	struct npserr err;
	time_t now = time(NULL);
	time_t lifetime = (time_t)cf->token_lifetime_days * 86400;
	int confusion[N_KINDS][N_KINDS];
	long scored = 0, exact = 0, false_scores = 0, autos_counted = 0;
	long comments_ok = 0, files = 0, kinds_ok = 0, lang_ok = 0;
	long tied_ok = 0, tied_total = 0, hints_ok = 0, hints_total = 0;
	struct widget_templates *tpl;
	int a, b, rc = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-v") == 0)
			verbose = true;
		else
			filter = argv[a];
	}
	memset(confusion, 0, sizeof(confusion));
	buf_printf(&dir, "%s/tests/corpus/replies",
	    srcdir ? srcdir : TEST_SRCDIR);
	buf_printf(&path, "%s/labels.tsv", dir.data);
	count = load_labels(path.data, &labels);
	/* The shipped templates, as the hook reads them: their pre-filled
	 * body is matched from texts.ini too. */
	buf_reset(&path);
	buf_printf(&path, "%s/templates", srcdir ? srcdir : TEST_SRCDIR);
	if ((tpl = widget_templates_load(path.data, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 99;
	}
	if ((st = testlib_store_make("corpus", 5000, &tmpdir)) == NULL)
		return 99;

	for (i = 0; i < count; i++) {
		struct label *l = &labels[i];
		struct buf msg = BUF_INIT, stem = BUF_INIT, msgid = BUF_INIT;
		struct buf json = BUF_INIT;
		struct token tok, old;
		char tstr[TOKEN_LEN + 1], forged[TOKEN_LEN + 1];
		char expired[TOKEN_LEN + 1];
		struct survey_rec rec;
		struct reply_ctx ctx = { cf, ring, st, now,
		    widget_mailto_bodies(tpl), widget_mailto_prefixes(tpl),
		    NULL };
		struct reply_result res;
		char *got_comment, *recipient;
		const char *dot;
		bool bad = false, tied_expected, hint_expected;

		if (filter != NULL && strstr(l->file, filter) == NULL)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir.data, l->file);
		if (buf_read_file(&msg, path.data, 0) < 0) {
			printf("MISSING %s: %s\n", l->file, strerror(errno));
			rc = 1;
			continue;
		}
		files++;
		if (token_issue(ring, l->type, now, &tok, tstr,
		    sizeof(tstr)) < 0 ||
		    token_issue(ring, l->type, now - lifetime - 86400, &old,
		    expired, sizeof(expired)) < 0) {
			fprintf(stderr, "token_issue failed\n");
			return 99;
		}
		/* A tag character flipped: well-formed, does not verify. */
		memcpy(forged, tstr, sizeof(forged));
		forged[40] = forged[40] == 'a' ? 'b' : 'a';
		dot = strrchr(l->file, '.');
		buf_append(&stem, l->file, dot ? (size_t)(dot - l->file) :
		    strlen(l->file));
		buf_printf(&msgid, "survey-%s@helpdesk.example", stem.data);
		recipient = from_address(&msg);
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.id, tok.survey_id, sizeof(rec.id));
		rec.key_id = tok.key_id;
		rec.type = l->type;
		rec.status = SURVEY_SENT;
		buf_printf(&stem, "%s", "");
		{
			struct buf with = BUF_INIT;

			buf_printf(&with, "<%s>", msgid.data);
			rec.message_id = with.data;
			rec.recipient = recipient;
			rec.created_at = now - 3600;
			if (store_survey_add(st, &rec, &err) < 0) {
				fprintf(stderr, "%s\n", err.msg);
				return 99;
			}
			buf_free(&with);
		}
		/* A reply that carries our token must be tied to its
		 * survey, whatever its kind (a bounce marks it); its
		 * Message-ID alone only names the survey, as a hint. */
		{
			const char *md = msg.data != NULL ? msg.data : "";

			tied_expected = memmem(md, msg.len, "{{TOKEN}}", 9) &&
			    l->kind != REPLY_UNMATCHED &&
			    l->kind != REPLY_UNPARSED;
			hint_expected = !tied_expected &&
			    memmem(md, msg.len, "{{MSGID}}", 9) &&
			    !memmem(md, msg.len, "{{TOKEN", 7) &&
			    l->kind != REPLY_UNPARSED;
		}
		testlib_buf_substitute(&msg, "{{TOKEN}}", tstr);
		testlib_buf_substitute(&msg, "{{TOKEN_FORGED}}", forged);
		testlib_buf_substitute(&msg, "{{TOKEN_EXPIRED}}", expired);
		testlib_buf_substitute(&msg, "{{MSGID}}", msgid.data);

		if (reply_analyze(&ctx, msg.data, msg.len, &res, &err) < 0) {
			printf("ERROR %s: %s\n", l->file, err.msg);
			rc = 1;
			goto next;
		}
		got_comment = res.comment ? normalise(res.comment) : NULL;
		if (got_comment != NULL && got_comment[0] == '\0') {
			free(got_comment);
			got_comment = NULL;
		}
		confusion[l->kind][res.kind]++;
		if (l->kind == res.kind)
			kinds_ok++;
		else {
			printf("KIND    %s: expected %s, got %s (%s)\n",
			    l->file, reply_kind_name(l->kind),
			    reply_kind_name(res.kind),
			    res.reason ? res.reason : "");
			bad = true;
		}
		if (l->score >= 0) {
			scored++;
			if (res.score == l->score)
				exact++;
			else {
				printf("SCORE   %s: expected %d, got %d (%s)\n",
				    l->file, l->score, res.score,
				    res.reason ? res.reason : "");
				bad = true;
			}
		} else if (res.score >= 0) {
			false_scores++;
			printf("FALSE   %s: expected no score, got %d\n",
			    l->file, res.score);
			bad = true;
		}
		if (l->kind == REPLY_AUTOREPLY &&
		    (res.score >= 0 || res.kind == REPLY_RESPONSE)) {
			autos_counted++;
			printf("AUTO    %s: auto-reply counted as %s %d\n",
			    l->file, reply_kind_name(res.kind), res.score);
			bad = true;
		}
		if (tied_expected) {
			tied_total++;
			if (strcmp(res.survey_id, tok.survey_id) == 0)
				tied_ok++;
			else {
				printf("SURVEY  %s: expected survey %s, "
				    "got '%s' (%s)\n", l->file, tok.survey_id,
				    res.survey_id, res.token_found ?
				    token_status_name(res.token_status) :
				    "no token");
				bad = true;
			}
		}
		if (hint_expected) {
			hints_total++;
			if (res.survey_id[0] == '\0' &&
			    strcmp(res.hint_id, tok.survey_id) == 0)
				hints_ok++;
			else {
				printf("HINT    %s: expected only the hint %s, "
				    "got survey '%s', hint '%s'\n", l->file,
				    tok.survey_id, res.survey_id, res.hint_id);
				bad = true;
			}
		}
		if ((l->comment == NULL && got_comment == NULL) ||
		    (l->comment != NULL && got_comment != NULL &&
		    strcmp(l->comment, got_comment) == 0))
			comments_ok++;
		else {
			printf("COMMENT %s:\n  expected [%s]\n"
			    "  got      [%s]\n", l->file,
			    l->comment ? l->comment : "-",
			    got_comment ? got_comment : "-");
			bad = true;
		}
		if (res.lang != NULL && strcmp(res.lang, l->lang) == 0)
			lang_ok++;
		else if (res.kind != REPLY_UNPARSED)
			printf("lang    %s: expected %s, got %s "
			    "(not a target)\n", l->file, l->lang,
			    res.lang ? res.lang : "-");
		if (verbose || (bad && getenv("CORPUS_JSON") != NULL)) {
			reply_result_json(&res, &json);
			printf("  %s %s\n", l->file, json.data);
		}
		free(got_comment);
next:
		reply_result_clear(&res);
		free(recipient);
		buf_free(&msg);
		buf_free(&stem);
		buf_free(&msgid);
		buf_free(&json);
	}

	printf("\nreply corpus: %ld files\n", files);
	printf("  exact scores      %ld/%ld = %.1f %% (target >= 99 %%)\n",
	    exact, scored, scored ? 100.0 * exact / scored : 100.0);
	printf("  false scores      %ld (target 0)\n", false_scores);
	printf("  auto-replies counted %ld (target 0)\n", autos_counted);
	printf("  comments exact    %ld/%ld = %.1f %% (target >= 95 %%)\n",
	    comments_ok, files, files ? 100.0 * comments_ok / files : 100.0);
	printf("  kinds right       %ld/%ld = %.1f %%\n", kinds_ok, files,
	    files ? 100.0 * kinds_ok / files : 100.0);
	printf("  tied to survey    %ld/%ld (bounces included; target all)\n",
	    tied_ok, tied_total);
	printf("  hints only        %ld/%ld (Message-ID, no token; target"
	    " all)\n", hints_ok, hints_total);
	printf("  language right    %ld/%ld (not a target)\n", lang_ok, files);
	printf("  confusion (rows: label, columns: result)\n%14s", "");
	for (b = 0; b < N_KINDS; b++)
		printf(" %11.11s", reply_kind_name((enum reply_kind)b));
	printf("\n");
	for (a = 0; a < N_KINDS; a++) {
		printf("  %-12s", reply_kind_name((enum reply_kind)a));
		for (b = 0; b < N_KINDS; b++)
			printf(" %11d", confusion[a][b]);
		printf("\n");
	}
	if (scored > 0 && exact * 100 < scored * 99)
		rc = 1;
	if (false_scores > 0 || autos_counted > 0 || tied_ok < tied_total ||
	    hints_ok < hints_total)
		rc = 1;
	if (files > 0 && comments_ok * 100 < files * 95)
		rc = 1;
	if (files == 0 && filter == NULL) {
		printf("no corpus file read\n");
		rc = 1;
	}
	printf("%s\n", rc == 0 ? "PASS" : "FAIL");

	store_close(st);
	testlib_dir_remove(tmpdir);
	buf_free(&path);
	buf_free(&dir);
	for (i = 0; i < count; i++) {
		free(labels[i].file);
		free(labels[i].lang);
		free(labels[i].comment);
	}
	free(labels);
	widget_templates_free(tpl);
	keyring_free(ring);
	config_free(cf);
	return rc;
}
