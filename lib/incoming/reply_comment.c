/*
 * reply_comment.c - the comment of a response: the customer's own text
 * without what only gives the score (see reply.h, reply_comment_make).
 *
 * The lines of the widget's pre-filled body that hold the score go ("Ma
 * note : 9/10"). So does a score written first, with its separator ("9",
 * "9/10 -", "Note : 9,"), and a line that holds only the score: they say
 * nothing about us. A score inside a later line, a number word opening a
 * sentence ("Nine. Daniel rebooked ...") and a score followed by its
 * reason ("Sept, parce que ...") are the customer's words and stay.
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "survey/nps.h"

/* Length of a leading "Note :", "Score:", "Ma note :", "Meine
 * Bewertung:", "Mi puntuación:", "Il mio voto:", "Mijn cijfer:", "Minha
 * nota:" at s (and blanks), or 0. */
static size_t
note_prefix(const char *s, size_t n)
{
	static const char *const words[] = { "ma note", "note", "score",
		"my score", "rating", "my rating", "évaluation",
		"meine bewertung", "bewertung", "mi puntuación",
		"mi puntuacion", "puntuación", "puntuacion", "il mio voto",
		"voto", "mijn cijfer", "cijfer", "minha nota", "nota", NULL };
	size_t i, j, m;

	for (i = 0; words[i] != NULL; i++) {
		m = strlen(words[i]);
		if (!rint_prefix(s, n, words[i]))
			continue;
		j = rint_skip_spaces(s, n, m);
		if (j < n && (s[j] == ':' || s[j] == '='))
			return rint_skip_spaces(s, n, j + 1);
	}
	return 0;
}

/* Length of the score expression at the start of s whose value is score
 * ("9", "9/10", "9 sur 10", "neuf", "9️⃣", "🔟"), or 0. *word tells
 * whether it was written in words. */
static size_t
score_expression(const char *s, size_t n, int score, int max, bool *word)
{
	size_t i = 0, e, k;
	int v = -1, d;

	*word = false;
	if ((k = rint_keycap_at(s, n, 0, &v)) > 0) {
		i = k;
	} else if (rint_starts_symbol(s, n, 0, "\xf0\x9f\x94\x9f")) {
		v = 10;
		i = 4;
	} else if (n > 0 && rint_is_digit((unsigned char)s[0])) {
		v = 0;
		while (i < n && rint_is_digit((unsigned char)s[i]) && i < 3)
			v = v * 10 + (s[i++] - '0');
		if (i < n && (rint_is_digit((unsigned char)s[i]) ||
		    rint_is_word_byte(s, n, i)))
			return 0;
	} else {
		k = 0;
		while (k < n && rint_is_word_byte(s, n, k))
			k++;
		if ((d = rint_number_word(s, k, NULL)) >= 0) {
			v = d;
			i = k;
			*word = true;
		}
	}
	if (v != score)
		return 0;
	d = rint_denominator_after(s, n, i, &e);
	if (d == max)
		i = e;
	else if (rint_unit_after(s, n, i))
		return 0;	/* "Trois relances ...": not the score */
	return i;
}

/* After a leading score: the separator ("-", ",", ":", ".", "!", "–")
 * and blanks. */
static size_t
skip_separator(const char *s, size_t n, size_t i)
{
	i = rint_skip_spaces(s, n, i);
	while (i < n) {
		if (s[i] == '-' || s[i] == ',' || s[i] == ':' || s[i] == '.' ||
		    s[i] == '!' || s[i] == ';' || s[i] == ')')
			i++;
		else if (rint_starts_symbol(s, n, i, "–") ||
		    rint_starts_symbol(s, n, i, "—"))
			i += 3;
		else
			break;
		i = rint_skip_spaces(s, n, i);
	}
	return i;
}

/* "Seven, because ..." reads as one sentence: the score stays in it. */
static bool
starts_because(const char *s, size_t n)
{
	static const char *const words[] = { "parce qu", "car ", "because",
		"since ", "as ", "vu que", "puisque", "étant donné", "given ",
		"due to", "à cause", "grâce", "thanks to", "comme ",
		"weil", "denn ", "da ", "porque", "ya que", "perché",
		"perche", "poiché", "visto che", "omdat", "want ", "aangezien",
		"pois ", "já que", NULL };
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (rint_prefix(s, n, words[i]))
			return true;
	return false;
}

static void
append_trimmed(const char *s, size_t n, struct buf *out)
{
	while (n > 0 && rint_is_blank((unsigned char)*s))
		s++, n--;
	while (n > 0 && rint_is_blank((unsigned char)s[n - 1]))
		n--;
	buf_append(out, s, n);
}

/*
 * drop_prefill_scores - s[0..n) without the lines that read as a line of
 * the widget's pre-filled body holding the score ("My score: 9/10" in the
 * templates' own words), into out. Returns false, out untouched, when
 * there is none.
 */
static bool
drop_prefill_scores(const char *s, size_t n, const char *const *prefill,
    struct buf *out)
{
	size_t ls, le, a, b;
	bool dropped = false;

	if (prefill == NULL)
		return false;
	for (ls = 0; ls < n; ls = le + 1) {
		const char *nl = memchr(s + ls, '\n', n - ls);

		le = nl ? (size_t)(nl - s) : n;
		for (a = ls; a < le && rint_is_blank((unsigned char)s[a]); a++)
			;
		for (b = le; b > a && rint_is_blank((unsigned char)s[b - 1]);
		    b--)
			;
		if (b > a && rint_prefill_line(prefill, s + a, b - a, true)) {
			if (!dropped)
				buf_append(out, s, ls);
			dropped = true;
			continue;
		}
		if (dropped)
			buf_append(out, s + ls, le < n ? le + 1 - ls : le - ls);
	}
	return dropped;
}

/*
 * reply_comment_make - see reply.h. The lines of the templates'
 * pre-filled body that hold the score go; then the first line that starts
 * with the score loses that expression (and its separator) when the line
 * is the first of the text or holds nothing else; the line goes when
 * empty.
 */
void
reply_comment_make(const char *s, size_t n, int score, enum survey_type type,
    const char *const *prefill, struct buf *out)
{
	size_t ls = 0, le, i, p, e, first = (size_t)-1;
	int max = nps_score_max(type);
	struct buf tmp = BUF_INIT, kept = BUF_INIT;
	bool word;

	if (score < 0) {
		append_trimmed(s, n, out);
		return;
	}
	if (drop_prefill_scores(s, n, prefill, &kept)) {
		reply_comment_make(buf_cstr(&kept), kept.len, score,
		    type, NULL, out);
		buf_free(&kept);
		return;
	}
	for (ls = 0; ls < n; ls = le + 1) {
		const char *nl = memchr(s + ls, '\n', n - ls);

		le = nl ? (size_t)(nl - s) : n;
		i = rint_skip_spaces(s, le, ls);
		if (i == le)
			continue;
		if (first == (size_t)-1)
			first = ls;
		p = i + note_prefix(s + i, le - i);
		e = score_expression(s + p, le - p, score, max, &word);
		if (e == 0)
			continue;
		e = skip_separator(s, le, p + e);
		/* Inside a later line, or a number word opening a sentence
		 * ("Nine. Daniel rebooked..."): part of the comment. */
		if ((first != ls || word) && e < le)
			continue;
		if (starts_because(s + e, le - e))
			break;		/* "Sept, parce que ...": a sentence */
		buf_append(&tmp, s, ls);
		buf_append(&tmp, s + e, n - e);
		append_trimmed(buf_cstr(&tmp), tmp.len, out);
		buf_free(&tmp);
		return;
	}
	append_trimmed(s, n, out);
}
