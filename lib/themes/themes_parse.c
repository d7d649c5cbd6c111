/*
 * themes_parse.c - the parser of a themes file (themes.conf); see
 * themes.h for the format and themes_int.h (themes_file_parse) for the
 * contract.
 *
 * A file is read line by line: "[NAME]" opens a theme (or the
 * [negation] words), "label", "about" and "terms" fill it. Theme names
 * are registered in the struct themes, the same index in every language;
 * labels, terms and negation words go to the language's struct
 * theme_lang. Each term is kept as its words' stems (a prefix term's
 * last word folded), in the language's arena; once the file is read the
 * terms are sorted by their first word, which is what the matcher of
 * themes.c searches. The first error stops the reading and names the
 * file, the line and the fix.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "themes/themes.h"
#include "themes/themes_int.h"

#define THEMES_NAME_MAX 32
#define THEMES_TERM_WORDS 8

struct themes_parse {
	struct themes *t;
	struct theme_lang *l;
	const char *path;
	unsigned line;
	int section;		/* -1: none, -2: [negation], else a theme */
	struct npserr *err;
	struct buf lower, folded, stem;
};

static int
themes_fail(struct themes_parse *p, const char *what)
{
	npserr_set(p->err, "%s:%u: %s", p->path, p->line, what);
	return -1;
}

static char *
themes_trim(char *s, char **end)
{
	char *e = *end;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*end = e;
	return s;
}

/* The index of theme name, registered when new; -1 when full. */
static int
themes_register(struct themes *t, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->names[i]) == n &&
		    memcmp(t->names[i], name, n) == 0)
			return (int)i;
	if (t->n == THEMES_MAX)
		return -1;
	t->names[t->n] = xstrndup(name, n);
	t->about[t->n] = THEME_ABOUT_COMPANY;
	return (int)t->n++;
}

static int
themes_section(struct themes_parse *p, char *s, char *e)
{
	char msg[160];
	char *q;
	int k;

	if (e - s < 2 || e[-1] != ']')
		return themes_fail(p, "a section line is \"[NAME]\": close"
		    " the bracket");
	q = e - 1;
	s = themes_trim(s + 1, &q);
	if (q == s || q - s > THEMES_NAME_MAX) {
		snprintf(msg, sizeof(msg), "a theme name has 1 to %d"
		    " characters", THEMES_NAME_MAX);
		return themes_fail(p, msg);
	}
	for (char *c = s; c < q; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    *c == '_' || *c == '-'))
			return themes_fail(p, "a theme name is made of a-z,"
			    " 0-9, '_' and '-' (it is the same in every"
			    " language; the label is for readers)");
	if (q - s == 8 && memcmp(s, "negation", 8) == 0) {
		p->section = -2;
		return 0;
	}
	if ((k = themes_register(p->t, s, (size_t)(q - s))) < 0) {
		snprintf(msg, sizeof(msg), "more than %d themes: merge some",
		    THEMES_MAX);
		return themes_fail(p, msg);
	}
	p->section = k;
	return 0;
}

/* Adds the term tm made of the nw words w (their strings in words);
 * a prefix last word is matched on its folded form, not its stem. */
static void
themes_term_add(struct theme_lang *l, struct theme_term tm,
    const struct themes_word *w, size_t nw, const struct buf *words)
{
	size_t i;

	tm.nwords = nw;
	tm.words = l->arena.len;
	for (i = 0; i < nw; i++) {
		const char *f = buf_cstr(words) + (tm.prefix && i == nw - 1 ?
		    w[i].folded : w[i].stem);

		buf_append(&l->arena, f, strlen(f) + 1);
	}
	l->terms = xrealloc(l->terms, (l->nterms + 1) * sizeof(*l->terms));
	l->terms[l->nterms++] = tm;
}

/*
 * One term of a terms line, s[0..n). A customer may type the words
 * without their accents, which the stemmer then reads otherwise
 * ("livree" is not stemmed as "livrée"): the term is added a second time
 * as its unaccented words stem, when that differs.
 */
static int
themes_term(struct themes_parse *p, const char *s, size_t n)
{
	struct theme_lang *l = p->l;
	struct theme_term tm;
	struct themes_word *w = NULL, *w2 = NULL;
	struct buf words = BUF_INIT, plain = BUF_INIT, words2 = BUF_INIT;
	size_t nw, nw2, i;
	bool same = true;

	memset(&tm, 0, sizeof(tm));
	tm.theme = (unsigned)p->section;
	if (n > 0 && s[0] == '~') {
		tm.negatable = true;
		s++, n--;
	}
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	if (n > 0 && s[n - 1] == '*') {
		tm.prefix = true;
		n--;
	}
	nw = themes_words_split(l->stemmer, s, n, THEMES_TERM_WORDS + 1, &w,
	    &words);
	if (nw == 0 || nw > THEMES_TERM_WORDS) {
		free(w);
		buf_free(&words);
		return themes_fail(p, nw == 0 ? "an empty term: remove the"
		    " extra comma" : "a term has at most 8 words");
	}
	themes_term_add(l, tm, w, nw, &words);
	for (i = 0; i < nw; i++) {
		buf_puts(&plain, buf_cstr(&words) + w[i].folded);
		buf_putc(&plain, ' ');
	}
	nw2 = themes_words_split(l->stemmer, buf_cstr(&plain), plain.len,
	    THEMES_TERM_WORDS, &w2, &words2);
	for (i = 0; nw2 == nw && i < nw; i++)
		if (strcmp(buf_cstr(&words) + w[i].stem,
		    buf_cstr(&words2) + w2[i].stem) != 0)
			same = false;
	if (nw2 == nw && !same)
		themes_term_add(l, tm, w2, nw2, &words2);
	free(w);
	free(w2);
	buf_free(&words);
	buf_free(&plain);
	buf_free(&words2);
	return 0;
}

/* Splits a terms or words value on commas outside quotes. */
static int
themes_list(struct themes_parse *p, char *s, char *e, bool negation)
{
	char *start = s, *a, *b;
	char quote = 0;

	for (;; s++) {
		if (s < e && quote != 0) {
			if (*s == quote)
				quote = 0;
			continue;
		}
		if (s < e && (*s == '"' || *s == '\'') && (s == start ||
		    s[-1] == ' ' || s[-1] == ',' || s[-1] == '~')) {
			quote = *s;
			continue;
		}
		if (s < e && *s != ',')
			continue;
		b = s;
		a = themes_trim(start, &b);
		if (negation) {
			themes_word_forms(NULL, a, (size_t)(b - a), &p->lower,
			    &p->folded, &p->stem);
			if (p->folded.len == 0)
				return themes_fail(p, "an empty negation word:"
				    " remove the extra comma");
			buf_append(&p->l->negations, buf_cstr(&p->folded),
			    p->folded.len + 1);
		} else if (themes_term(p, a, (size_t)(b - a)) == -1) {
			return -1;
		}
		if (s >= e)
			break;
		start = s + 1;
	}
	if (quote != 0)
		return themes_fail(p, "a quote is not closed");
	return 0;
}

static int
themes_key(struct themes_parse *p, char *s, char *e)
{
	char *eq = memchr(s, '=', (size_t)(e - s)), *k, *ke, *v;
	size_t kn;

	if (eq == NULL)
		return themes_fail(p, "expected \"key = value\" or"
		    " \"[THEME]\"");
	ke = eq;
	k = themes_trim(s, &ke);
	v = themes_trim(eq + 1, &e);
	kn = (size_t)(ke - k);
	if (p->section == -1)
		return themes_fail(p, "a key before any section: start with"
		    " \"[THEME]\"");
	if (p->section == -2) {
		if (kn == 5 && memcmp(k, "words", 5) == 0)
			return themes_list(p, v, e, true);
		return themes_fail(p, "[negation] takes \"words = ...\"");
	}
	if (kn == 5 && memcmp(k, "terms", 5) == 0)
		return themes_list(p, v, e, false);
	if (kn == 5 && memcmp(k, "label", 5) == 0) {
		if (v == e)
			return themes_fail(p, "an empty label: write the"
			    " words a reader sees");
		free(p->l->labels[p->section]);
		p->l->labels[p->section] = xstrndup(v, (size_t)(e - v));
		return 0;
	}
	if (kn == 5 && memcmp(k, "about", 5) == 0) {
		size_t vn = (size_t)(e - v);

		if (vn == 5 && memcmp(v, "agent", 5) == 0)
			p->t->about[p->section] = THEME_ABOUT_AGENT;
		else if (vn == 7 && memcmp(v, "product", 7) == 0)
			p->t->about[p->section] = THEME_ABOUT_PRODUCT;
		else if (vn == 7 && memcmp(v, "company", 7) == 0)
			p->t->about[p->section] = THEME_ABOUT_COMPANY;
		else
			return themes_fail(p, "about is agent, product or"
			    " company");
		return 0;
	}
	return themes_fail(p, "unknown key: a theme takes label, about and"
	    " terms");
}

static int
themes_term_cmp(const void *a, const void *b)
{
	const struct theme_term *x = a, *y = b;

	return strcmp(x->first, y->first);
}

/* Once the arena holds every term: the pointers, the order, the one-word
 * prefix terms apart. */
static void
themes_lang_finish(struct theme_lang *l)
{
	size_t i, k = 0;

	for (i = 0; i < l->nterms; i++)
		l->terms[i].first = buf_cstr(&l->arena) + l->terms[i].words;
	if (l->nterms > 1)
		qsort(l->terms, l->nterms, sizeof(*l->terms),
		    themes_term_cmp);
	l->prefix1 = xcalloc(l->nterms + 1, sizeof(*l->prefix1));
	for (i = 0; i < l->nterms; i++)
		if (l->terms[i].prefix && l->terms[i].nwords == 1)
			l->prefix1[k++] = i;
	l->nprefix1 = k;
}

static int
themes_parse_file(struct themes_parse *p, const char *text, size_t len)
{
	char *copy = xstrndup(text, len), *s = copy, *nl, *e;
	int rc = 0;

	if (strlen(copy) != len) {
		free(copy);
		p->line = 1;
		return themes_fail(p, "a NUL byte: the file must be UTF-8"
		    " text");
	}
	for (p->line = 1; rc == 0 && *s != '\0'; p->line++) {
		nl = strchr(s, '\n');
		e = nl != NULL ? nl : s + strlen(s);
		s = themes_trim(s, &e);
		if (s < e && *s != '#' && *s != ';')
			rc = *s == '[' ? themes_section(p, s, e) :
			    themes_key(p, s, e);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	free(copy);
	return rc;
}

int
themes_file_parse(struct themes *t, struct theme_lang *l, const char *path,
    const char *text, size_t len, struct npserr *err)
{
	struct themes_parse p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.l = l;
	p.path = path;
	p.section = -1;
	p.err = err;
	rc = themes_parse_file(&p, text, len);
	buf_free(&p.lower);
	buf_free(&p.folded);
	buf_free(&p.stem);
	if (rc == 0)
		themes_lang_finish(l);
	return rc;
}
