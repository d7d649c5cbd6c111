/*
 * themes.c - the themes of each language: loading their files (each
 * parsed by themes_parse.c), looking a theme up, and matching a comment
 * against them; see themes.h for the contract and the file format.
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
#define THEMES_NEG_REACH 2		/* words a negation reaches */

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

/* --- the files ----------------------------------------------------- */

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
	rc = themes_file_parse(t, l, buf_cstr(&path), buf_cstr(&text),
	    text.len, err);
	buf_free(&path);
	buf_free(&text);
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
