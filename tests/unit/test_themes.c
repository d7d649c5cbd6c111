/*
 * test_themes.c - the themes of comments: the shipped themes files against
 * the labelled comments of tests/data/themes/ (recall and precision of
 * each language, at least THEMES_TARGET), negations, hostile sizes, and
 * the errors of a bad themes file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "testlib.h"
#include "themes/themes.h"

#define THEMES_TARGET 0.85

static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

static struct themes *
shipped(void)
{
	struct npserr err;
	struct buf dir = BUF_INIT;
	struct themes *t;

	buf_printf(&dir, "%s/templates", srcdir());
	t = themes_load(buf_cstr(&dir), &err);
	if (t == NULL)
		fail_msg("%s", err.msg);
	buf_free(&dir);
	return t;
}

static uint64_t
match(struct themes *t, const char *lang, const char *text)
{
	uint64_t set;

	themes_match(t, lang, text, strlen(text), &set);
	return set;
}

static uint64_t
bit(struct themes *t, const char *name)
{
	int i = themes_find(t, name);

	if (i < 0)
		fail_msg("no theme %s", name);
	return (uint64_t)1 << i;
}

/* The set named by "a,b" ("-": none). */
static uint64_t
label_set(struct themes *t, char *names)
{
	uint64_t set = 0;
	char *s, *save = NULL;

	if (strcmp(names, "-") == 0)
		return 0;
	for (s = strtok_r(names, ",", &save); s != NULL;
	    s = strtok_r(NULL, ",", &save))
		set |= bit(t, s);
	return set;
}

/* Recall and precision over the labelled file of lang. */
static void
labelled(const char *lang)
{
	struct themes *t = shipped();
	struct buf path = BUF_INIT;
	char *data, *line, *save = NULL;
	size_t len, tp = 0, fp = 0, fn = 0, n = 0;
	double recall, precision;

	buf_printf(&path, "%s/tests/data/themes/%s.tsv", srcdir(), lang);
	data = testlib_file_read(buf_cstr(&path), &len);
	assert_non_null(data);
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *tab1, *tab2;
		uint64_t want, got, b;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab1 = strchr(line, '\t');
		assert_non_null(tab1);
		tab2 = strchr(tab1 + 1, '\t');
		assert_non_null(tab2);
		*tab1 = *tab2 = '\0';
		want = label_set(t, tab1 + 1);
		got = match(t, line, tab2 + 1);
		for (b = 1; b != 0; b <<= 1) {
			if ((want & b) && (got & b))
				tp++;
			else if (want & b)
				fn++;
			else if (got & b)
				fp++;
		}
		if (want != got)
			print_message("  %s: want %#llx got %#llx: %s\n", lang,
			    (unsigned long long)want, (unsigned long long)got,
			    tab2 + 1);
		n++;
	}
	recall = tp + fn ? (double)tp / (double)(tp + fn) : 1;
	precision = tp + fp ? (double)tp / (double)(tp + fp) : 1;
	print_message("%s: %zu comments, recall %.3f, precision %.3f"
	    " (target %.2f)\n", lang, n, recall, precision, THEMES_TARGET);
	assert_true(n >= 150);
	assert_true(recall >= THEMES_TARGET);
	assert_true(precision >= THEMES_TARGET);
	free(data);
	buf_free(&path);
	themes_free(t);
}

static void
test_labelled_en(void **state)
{
	(void)state;
	labelled("en");
}

static void
test_labelled_fr(void **state)
{
	(void)state;
	labelled("fr");
}

static void
test_heldout_en(void **state)
{
	(void)state;
	labelled("heldout-en");
}

static void
test_heldout_fr(void **state)
{
	(void)state;
	labelled("heldout-fr");
}

/* Stems meet; a negated complaint word is no mention; a negation in
 * another clause does not reach. */
static void
test_stems_and_negation(void **state)
{
	struct themes *t = shipped();

	(void)state;
	assert_int_equal(match(t, "fr", "Livrée hier."), bit(t, "delivery"));
	assert_int_equal(match(t, "fr", "LIVRÉE hier"), bit(t, "delivery"));
	/* Typed without its accents. */
	assert_int_equal(match(t, "fr", "pas rembourse"), bit(t, "refund"));
	assert_int_equal(match(t, "fr", "Pas de retard."), 0);
	assert_int_equal(match(t, "fr", "Pas content. Du retard encore."),
	    bit(t, "delivery"));
	assert_int_equal(match(t, "en", "Deliveries were fine"),
	    bit(t, "delivery"));
	assert_int_equal(match(t, "en", "There was no delay"), 0);
	assert_int_equal(match(t, "en", "A delay again"), bit(t, "delivery"));
	/* The language's primary subtag; ISO 639-2; an unknown one reads
	 * with English. */
	assert_int_equal(match(t, "fr-CA", "remboursé"), bit(t, "refund"));
	assert_int_equal(match(t, "fra", "remboursé"), bit(t, "refund"));
	assert_int_equal(match(t, "xx", "refunded"), bit(t, "refund"));
	assert_int_equal(match(t, NULL, "refunded"), bit(t, "refund"));
	themes_free(t);
}

/* Every shipped language reads a plain complaint of its own. */
static void
test_languages(void **state)
{
	struct themes *t = shipped();

	(void)state;
	assert_int_equal(match(t, "de", "Das Paket kam mit Verspätung."),
	    bit(t, "delivery"));
	assert_int_equal(match(t, "de", "Keine Verspätung, danke."), 0);
	assert_int_equal(match(t, "es", "El paquete llegó con retraso y el"
	    " agente fue grosero."), bit(t, "delivery") | bit(t, "agent"));
	assert_int_equal(match(t, "it", "Rimborso mai ricevuto."),
	    bit(t, "refund"));
	assert_int_equal(match(t, "nl", "Lange wachttijd aan de telefoon."),
	    bit(t, "waiting"));
	assert_int_equal(match(t, "pt", "A embalagem chegou amassada."),
	    bit(t, "packaging"));
	assert_int_equal(match(t, "pt-BR", "Preço muito caro."),
	    bit(t, "price"));
	themes_free(t);
}

/* Labels and whom a theme concerns. */
static void
test_labels(void **state)
{
	struct themes *t = shipped();
	int i = themes_find(t, "agent");

	(void)state;
	assert_true(i >= 0);
	assert_int_equal(themes_about(t, (size_t)i), THEME_ABOUT_AGENT);
	assert_string_equal(themes_about_name(THEME_ABOUT_AGENT), "agent");
	assert_non_null(strstr(themes_label(t, "fr", (size_t)i), "conseiller"));
	assert_non_null(strstr(themes_label(t, "de", (size_t)i), "Berater"));
	/* A language without a file: the fallback's label. */
	assert_non_null(strstr(themes_label(t, "sv", (size_t)i), "agent"));
	assert_null(themes_name(t, THEMES_MAX));
	themes_free(t);
}

/* A comment of 4 MiB and one of 100,000 words: read up to the limit,
 * what lies beyond is not looked at. */
static void
test_hostile_sizes(void **state)
{
	struct themes *t = shipped();
	struct buf b = BUF_INIT;
	uint64_t set;

	(void)state;
	while (b.len < (4u << 20))
		buf_puts(&b, "word ");
	buf_puts(&b, "refund");
	themes_match(t, "en", buf_cstr(&b), b.len, &set);
	assert_int_equal(set, 0);
	buf_reset(&b);
	buf_puts(&b, "refund ");
	while (b.len < (4u << 20))
		buf_puts(&b, "\xc3\xa9\xc3\xa9\xc3\xa9 ,. ");
	themes_match(t, "en", buf_cstr(&b), b.len, &set);
	assert_int_equal(set, bit(t, "refund"));
	/* Bytes that are no UTF-8 are skipped, not read past. */
	themes_match(t, "en", "\xff\xfe refund \xc3", 11, &set);
	assert_int_equal(set, bit(t, "refund"));
	buf_free(&b);
	themes_free(t);
}

/* A themes file's error names its file and line and what to do. */
static void
bad_file_n(const char *text, size_t len, const char *want)
{
	char *dir = testlib_dir_make("themes");
	char *sub = testlib_path(dir, "en");
	char *path;
	struct npserr err;
	struct themes *t;

	assert_int_equal(mkdir(sub, 0700), 0);
	path = testlib_path(sub, THEMES_FILE);
	assert_int_equal(testlib_file_write(path, text, len, 0600), 0);
	t = themes_load(dir, &err);
	assert_null(t);
	if (strstr(err.msg, want) == NULL || strstr(err.msg, path) == NULL)
		fail_msg("got: %s", err.msg);
	free(path);
	free(sub);
	testlib_dir_remove(dir);
}

static void
bad_file(const char *text, const char *want)
{
	bad_file_n(text, strlen(text), want);
}

static void
test_bad_files(void **state)
{
	(void)state;
	bad_file("terms = x\n", ":1: a key before any section");
	bad_file("[delivery\n", ":1: a section line");
	bad_file("[Delivery]\n", ":1: a theme name is made of");
	bad_file("# c\n[a]\nterms = x,,y\n", ":3: an empty term");
	bad_file("[a]\nterms = \"x\n", ":2: a quote is not closed");
	bad_file("[a]\nabout = boss\n", ":2: about is agent");
	bad_file("[a]\ncolour = red\n", ":2: unknown key");
	bad_file("[a]\nterms = a b c d e f g h i\n", ":2: a term has at"
	    " most 8 words");
	bad_file("[negation]\nterms = x\n", ":2: [negation] takes");
	bad_file_n("[a]\nlabel = A\n\0x", 15, ":1: a NUL byte");
}

/* A directory without themes files is no theme, and no error. */
static void
test_empty_dir(void **state)
{
	char *dir = testlib_dir_make("themes");
	struct npserr err;
	struct themes *t;
	uint64_t set = 1;

	(void)state;
	t = themes_load(dir, &err);
	assert_non_null(t);
	assert_int_equal(themes_count(t), 0);
	themes_match(t, "en", "refund", 6, &set);
	assert_int_equal(set, 0);
	themes_free(t);
	testlib_dir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labelled_en),
		cmocka_unit_test(test_labelled_fr),
		cmocka_unit_test(test_heldout_en),
		cmocka_unit_test(test_heldout_fr),
		cmocka_unit_test(test_stems_and_negation),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_empty_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
