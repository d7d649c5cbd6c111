/*
 * themes_int.h - what the pieces of lib/themes/ share (not a public
 * interface; the programs use themes.h): the themes as loaded, the
 * parser of a file, the words of a text as the matcher sees them.
 *
 *   themes.c        loading the files, looking up, matching a comment
 *   themes_parse.c  the parser of one themes.conf
 *   themes_words.c  a text cut into words, folded and stemmed
 */
#ifndef NPSGATE_THEMES_INT_H
#define NPSGATE_THEMES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "themes/themes.h"

struct sb_stemmer;

/* A term of a language: its words in the language's arena. */
struct theme_term {
	unsigned theme;
	bool negatable;		/* "~": a negation before it cancels it */
	bool prefix;		/* "*": its last word is a prefix */
	size_t nwords;
	size_t words;		/* nwords NUL-ended strings in the arena */
	const char *first;	/* set once the arena is complete */
};

/* One language's themes file, as read. */
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

/* Every language's themes; the names are those of all languages. */
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

/*
 * Reads the themes file text[0..len) of the language l (path names it in
 * messages) into t (the theme names, whom each is about) and l (labels,
 * terms, negation words), then sorts l's terms for the matcher. Returns
 * 0, or -1 with err naming path, the line and the fix; l then holds what
 * was read before the error, for themes_free.
 */
int themes_file_parse(struct themes *t, struct theme_lang *l,
    const char *path, const char *text, size_t len, struct npserr *err);

/* One word: its folded form and its stem, both offsets of NUL-ended
 * strings in the arena; clause counts the clause ends before it. */
struct themes_word {
	size_t folded;
	size_t stem;
	unsigned clause;
};

/*
 * The three forms of the UTF-8 word w[0..n) (letters only): lowercase,
 * lowercase folded to ASCII where accented, and the folded stem
 * (stemmer NULL: the folded word). Each buffer is reset first.
 */
void themes_word_forms(struct sb_stemmer *stemmer, const char *w, size_t n,
    struct buf *lower, struct buf *folded, struct buf *stem);

/*
 * Cuts text[0..len) into at most max words into *out (the caller frees
 * it; NULL when there is none), their strings in arena (reset first).
 * Returns the number of words.
 */
size_t themes_words_split(struct sb_stemmer *stemmer, const char *text,
    size_t len, size_t max, struct themes_word **out, struct buf *arena);

#endif
