/*
 * themes_words.c - a text cut into the words themes are matched on: each
 * word lowercased, then stemmed by Snowball for its language, then folded
 * to ASCII letters where a Latin letter carries an accent. Stemming comes
 * before folding because the stemmers' rules know the accents ("livrée",
 * "livré" and "livrer" meet at "livr"); folding after it lets a customer
 * who types without accents meet the same stem.
 *
 * A word is a run of letters (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic, and the scripts above them, taken as letters); an apostrophe
 * ends a word ("don't" is "don" and "t", "l'attente" is "l" and
 * "attente"). A clause ends at . , ; : ! ? and line ends: a negation
 * reaches only within its clause.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libstemmer.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "themes/themes_int.h"

/* The ASCII base of U+0100..U+017F: '1' stands for "ij", '2' for "oe". */
static const char themes_ext_a[129] =
	"aaaaaacccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"
	"iiiiiiiiii" "11" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "22"
	"rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";

/* The ASCII base of U+00DF..U+00FF, '?' for no letter; '3' is "ss",
 * '4' "ae", '5' "th". */
static const char themes_latin1[34] =
	"3aaaaaa4ceeeeiiiidnooooo?ouuuuy5y";

/* Lowercase of a code point, for the scripts a comment is likely in. */
static uint32_t
themes_lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xC0)
		return c;
	if (c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c >= 0x100 && c <= 0x137)
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c;
	if (c >= 0x14A && c <= 0x177)
		return c | 1;
	if (c == 0x178)
		return 0xFF;
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

/* A letter of a word (see the file's comment). */
static bool
themes_is_letter(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	if (c < 0xC0)
		return false;
	if (c == 0xD7 || c == 0xF7)
		return false;
	if (c < 0x2000)
		return true;
	/* General punctuation, symbols, arrows...: not letters. */
	if (c < 0x3040)
		return false;
	/* CJK punctuation is below 0x3040; full-width forms at FF00. */
	return !(c >= 0xFF00 && c <= 0xFF20);
}

static bool
themes_ends_clause(uint32_t c)
{
	return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
	    c == '?' || c == '\n' || c == 0x3002 || c == 0xFF0C ||
	    c == 0x2026;
}

/* Appends the folded form of the UTF-8 word w[0..n) to out. */
static void
themes_fold(struct buf *out, const char *w, size_t n)
{
	size_t i = 0, k;
	uint32_t c;
	char ch;

	while (i < n) {
		if ((k = utf8_seq(w + i, n - i, &c)) == 0) {
			i++;
			continue;
		}
		i += k;
		ch = 0;
		if (c >= 0xDF && c <= 0xFF)
			ch = themes_latin1[c - 0xDF];
		else if (c >= 0x100 && c <= 0x17F)
			ch = themes_ext_a[c - 0x100];
		switch (ch) {
		case 0:
			utf8_put(out, c);
			break;
		case '?':
			break;
		case '1':
			buf_puts(out, "ij");
			break;
		case '2':
			buf_puts(out, "oe");
			break;
		case '3':
			buf_puts(out, "ss");
			break;
		case '4':
			buf_puts(out, "ae");
			break;
		case '5':
			buf_puts(out, "th");
			break;
		default:
			buf_putc(out, ch);
			break;
		}
	}
}

/* themes_word_forms - see themes_int.h. */
void
themes_word_forms(struct sb_stemmer *stemmer, const char *w, size_t n,
    struct buf *lower, struct buf *folded, struct buf *stem)
{
	const sb_symbol *s;
	size_t i = 0, k;
	uint32_t c;
	int len;

	buf_reset(lower);
	buf_reset(folded);
	buf_reset(stem);
	while (i < n) {
		if ((k = utf8_seq(w + i, n - i, &c)) == 0) {
			i++;
			continue;
		}
		i += k;
		utf8_put(lower, themes_lower(c));
	}
	themes_fold(folded, buf_cstr(lower), lower->len);
	s = NULL;
	if (stemmer != NULL && lower->len <= INT32_MAX)
		s = sb_stemmer_stem(stemmer, (const sb_symbol *)buf_cstr(lower),
		    (int)lower->len);
	if (s != NULL && (len = sb_stemmer_length(stemmer)) > 0)
		themes_fold(stem, (const char *)s, (size_t)len);
	else
		buf_append(stem, buf_cstr(folded), folded->len);
}

/* themes_words_split - see themes_int.h. */
size_t
themes_words_split(struct sb_stemmer *stemmer, const char *text, size_t len,
    size_t max, struct themes_word **out, struct buf *arena)
{
	struct buf lower = BUF_INIT, folded = BUF_INIT, stem = BUF_INIT;
	struct themes_word *v = NULL;
	size_t n = 0, cap = 0, i = 0, start, k;
	unsigned clause = 0;
	uint32_t c;

	buf_reset(arena);
	while (i < len && n < max) {
		if ((k = utf8_seq(text + i, len - i, &c)) == 0) {
			i++;
			continue;
		}
		if (!themes_is_letter(c)) {
			if (themes_ends_clause(c))
				clause++;
			i += k;
			continue;
		}
		start = i;
		while (i < len && (k = utf8_seq(text + i, len - i, &c)) > 0 &&
		    themes_is_letter(c))
			i += k;
		themes_word_forms(stemmer, text + start, i - start, &lower,
		    &folded, &stem);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (cap > max)
				cap = max;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].folded = arena->len;
		buf_append(arena, buf_cstr(&folded), folded.len + 1);
		v[n].stem = arena->len;
		buf_append(arena, buf_cstr(&stem), stem.len + 1);
		v[n].clause = clause;
		n++;
	}
	buf_free(&lower);
	buf_free(&folded);
	buf_free(&stem);
	*out = v;
	return n;
}
