/*
 * themes_int.h - what the pieces of lib/themes/ share: the words of a
 * text as the matcher sees them.
 */
#ifndef NPSGATE_THEMES_INT_H
#define NPSGATE_THEMES_INT_H

#include <stddef.h>

struct buf;
struct sb_stemmer;

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
