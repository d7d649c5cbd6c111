/*
 * themes.c - the themes files of each language, and the matching of a
 * comment against them; see themes.h for the contract and the file
 * format.
 *
 * A language's terms are sorted by their first word's stem, so that each
 * word of a comment finds the terms that start with it by a binary
 * search; one-word prefix terms ("ship*") are tried on every word, and
 * are few. A comment of THEMES_MAX_WORDS words thus costs that many
 * stems and searches, whatever the number of terms.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "themes/themes.h"
#include "themes/themes_int.h"

#define THEMES_FILE_MAX (1u << 20)	/* bytes of one themes file */
#define THEMES_NAME_MAX 32
#define THEMES_TERM_WORDS 8
#define THEMES_NEG_REACH 2		/* words a negation reaches */

struct theme_term {
	unsigned theme;
	bool negatable;		/* "~": a negation before it cancels it */
	bool prefix;		/* "*": its last word is a prefix */
	size_t nwords;
	size_t words;		/* nwords NUL-ended strings in the arena */
	const char *first;	/* set once the arena is complete */
};

struct theme_lang {
	char code[9];
	struct sb_stemmer *stemmer;	/* NULL: no Snowball for it */
	struct theme_term *terms;	/* sorted by first */
	size_t nterms;
	size_t *prefix1;		/* one-word prefix terms */
	size_t nprefix1;
	char *labels[THEMES_MAX];
	struct buf arena;
	struct buf negations;		/* folded words, each NUL-ended */
};

struct themes {
	char *names[THEMES_MAX];
	enum theme_about about[THEMES_MAX];
	size_t n;
	struct theme_lang *langs;
	size_t nlangs;
	size_t fallback;
	/* The matcher's scratch, kept between calls. */
	struct buf arena;
};

/* Snowball's name of each language it stems. */
static const char *const themes_stemmers[][2] = {
	{ "da", "danish" }, { "de", "german" }, { "en", "english" },
	{ "es", "spanish" }, { "fi", "finnish" }, { "fr", "french" },
	{ "it", "italian" }, { "nl", "dutch" }, { "no", "norwegian" },
	{ "pt", "portuguese" }, { "ru", "russian" }, { "sv", "swedish" },
	{ "tr", "turkish" },
};

const char *
themes_about_name(enum theme_about a)
{
	switch (a) {
	case THEME_ABOUT_AGENT:
		return "agent";
	case THEME_ABOUT_PRODUCT:
		return "product";
	case THEME_ABOUT_COMPANY:
	default:
		return "company";
	}
}

/* --- the file ------------------------------------------------------ */

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

static const char *
themes_stemmer_name(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(themes_stemmers) / sizeof(*themes_stemmers);
	    i++)
		if (strcmp(themes_stemmers[i][0], code) == 0)
			return themes_stemmers[i][1];
	return NULL;
}

static int
themes_load_lang(struct themes *t, const char *dir, const char *code,
    struct npserr *err)
{
	struct themes_parse p;
	struct theme_lang *l;
	struct buf path = BUF_INIT, text = BUF_INIT;
	const char *sn;
	size_t n;
	int rc;

	buf_printf(&path, "%s/%s/%s", dir, code, THEMES_FILE);
	if (buf_read_file(&text, buf_cstr(&path), THEMES_FILE_MAX) == -1) {
		if (errno == ENOENT) {
			buf_free(&path);
			buf_free(&text);
			return 0;
		}
		npserr_set(err, "%s: cannot read: %s", buf_cstr(&path),
		    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		buf_free(&path);
		buf_free(&text);
		return -1;
	}
	t->langs = xrealloc(t->langs, (t->nlangs + 1) * sizeof(*t->langs));
	l = &t->langs[t->nlangs++];
	memset(l, 0, sizeof(*l));
	/* A language folder's name is 2 or 3 letters (themes_lang_dir). */
	n = strnlen(code, sizeof(l->code) - 1);
	memcpy(l->code, code, n);
	l->code[n] = '\0';
	buf_init(&l->arena);
	buf_init(&l->negations);
	if ((sn = themes_stemmer_name(code)) != NULL)
		l->stemmer = sb_stemmer_new(sn, "UTF_8");
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.l = l;
	p.path = buf_cstr(&path);
	p.section = -1;
	p.err = err;
	rc = themes_parse_file(&p, buf_cstr(&text), text.len);
	buf_free(&p.lower);
	buf_free(&p.folded);
	buf_free(&p.stem);
	buf_free(&path);
	buf_free(&text);
	if (rc == 0)
		themes_lang_finish(l);
	return rc;
}

/* A language directory's name: 2 or 3 lowercase letters. */
static bool
themes_lang_dir(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > 3)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

static int
themes_dir_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

struct themes *
themes_load(const char *templates_dir, struct npserr *err)
{
	struct themes *t = xcalloc(1, sizeof(*t));
	struct dirent **ents = NULL;
	int n, i, rc = 0;

	buf_init(&t->arena);
	n = scandir(templates_dir, &ents, NULL, themes_dir_cmp);
	/* No templates at all: no theme (check-config says the directory
	 * is missing). */
	if (n < 0 && errno == ENOENT)
		return t;
	if (n < 0) {
		npserr_set(err, "%s: cannot list the templates: %s",
		    templates_dir, strerror(errno));
		themes_free(t);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && themes_lang_dir(ents[i]->d_name))
			rc = themes_load_lang(t, templates_dir,
			    ents[i]->d_name, err);
		free(ents[i]);
	}
	free(ents);
	if (rc != 0) {
		themes_free(t);
		return NULL;
	}
	themes_set_fallback(t, "en");
	return t;
}

void
themes_free(struct themes *t)
{
	size_t i, k;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	for (i = 0; i < t->nlangs; i++) {
		struct theme_lang *l = &t->langs[i];

		if (l->stemmer != NULL)
			sb_stemmer_delete(l->stemmer);
		free(l->terms);
		free(l->prefix1);
		for (k = 0; k < THEMES_MAX; k++)
			free(l->labels[k]);
		buf_free(&l->arena);
		buf_free(&l->negations);
	}
	free(t->langs);
	buf_free(&t->arena);
	free(t);
}

/* --- looking up ---------------------------------------------------- */

/* The language of tag (its primary subtag, or an ISO 639-2 form: see
 * lang.h), or SIZE_MAX when none has a file. */
static size_t
themes_lang_find(const struct themes *t, const char *tag)
{
	size_t i;

	for (i = 0; tag != NULL && i < t->nlangs; i++)
		if (lang_is(tag, t->langs[i].code))
			return i;
	return SIZE_MAX;
}

void
themes_set_fallback(struct themes *t, const char *lang)
{
	size_t i = themes_lang_find(t, lang);

	if (i != SIZE_MAX)
		t->fallback = i;
}

size_t
themes_count(const struct themes *t)
{
	return t->n;
}

const char *
themes_name(const struct themes *t, size_t i)
{
	return i < t->n ? t->names[i] : NULL;
}

const char *
themes_label(const struct themes *t, const char *lang, size_t i)
{
	size_t l = themes_lang_find(t, lang);

	if (i >= t->n)
		return NULL;
	if (l != SIZE_MAX && t->langs[l].labels[i] != NULL)
		return t->langs[l].labels[i];
	if (t->nlangs > 0 && t->langs[t->fallback].labels[i] != NULL)
		return t->langs[t->fallback].labels[i];
	return t->names[i];
}

enum theme_about
themes_about(const struct themes *t, size_t i)
{
	return i < t->n ? t->about[i] : THEME_ABOUT_COMPANY;
}

int
themes_find(const struct themes *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return (int)i;
	return -1;
}

/* --- matching ------------------------------------------------------ */

static bool
themes_is_negation(const struct theme_lang *l, const char *folded)
{
	const char *s = buf_cstr(&l->negations);
	const char *end = s + l->negations.len;

	for (; s < end; s += strlen(s) + 1)
		if (strcmp(s, folded) == 0)
			return true;
	return false;
}

/* Whether term tm matches the words from w[i] on. */
static bool
themes_term_at(const struct theme_lang *l, const struct theme_term *tm,
    const struct themes_word *w, size_t nw, size_t i, const char *arena)
{
	const char *word = buf_cstr(&l->arena) + tm->words;
	size_t k, j;

	if (i + tm->nwords > nw)
		return false;
	for (k = 0; k < tm->nwords; k++, word += strlen(word) + 1) {
		const struct themes_word *x = &w[i + k];

		if (x->clause != w[i].clause)
			return false;
		if (tm->prefix && k == tm->nwords - 1) {
			if (strncmp(arena + x->folded, word, strlen(word)) != 0)
				return false;
		} else if (strcmp(arena + x->stem, word) != 0) {
			return false;
		}
	}
	if (!tm->negatable)
		return true;
	for (j = 1; j <= THEMES_NEG_REACH && j <= i; j++) {
		if (w[i - j].clause != w[i].clause)
			break;
		if (themes_is_negation(l, arena + w[i - j].folded))
			return false;
	}
	return true;
}

void
themes_match(struct themes *t, const char *lang, const char *text,
    size_t len, uint64_t *set)
{
	struct themes_word *w = NULL;
	const struct theme_lang *l;
	const char *arena;
	size_t li, nw, i, k, lo, hi, mid;

	*set = 0;
	if (t->nlangs == 0)
		return;
	li = themes_lang_find(t, lang);
	l = &t->langs[li != SIZE_MAX ? li : t->fallback];
	nw = themes_words_split(l->stemmer, text, len, THEMES_MAX_WORDS, &w,
	    &t->arena);
	arena = buf_cstr(&t->arena);
	for (i = 0; i < nw; i++) {
		const char *stem = arena + w[i].stem;

		/* The first term whose first word is not below stem. */
		lo = 0;
		hi = l->nterms;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (strcmp(l->terms[mid].first, stem) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k < l->nterms &&
		    strcmp(l->terms[k].first, stem) == 0; k++)
			if (!(l->terms[k].prefix && l->terms[k].nwords == 1) &&
			    themes_term_at(l, &l->terms[k], w, nw, i, arena))
				*set |= (uint64_t)1 << l->terms[k].theme;
		for (k = 0; k < l->nprefix1; k++)
			if (themes_term_at(l, &l->terms[l->prefix1[k]], w, nw,
			    i, arena))
				*set |= (uint64_t)1 <<
				    l->terms[l->prefix1[k]].theme;
	}
	free(w);
}
