/*
 * reply_score.c - the score in a customer's own text; see reply.h
 * (reply_score_find).
 *
 * Every number in the text (digits, keycap emoji, number words of the
 * seven template languages) is a candidate, unless its context shows it
 * is something else: part of a date, a time, a price, a phone number, an
 * order or ticket number, a quantity ("3 jours", "2 times"), a decimal,
 * a number of three digits or more, the label of a list ("1.", "2)"), or
 * outside the survey's range. A candidate is strong when it is written
 * as a score ("9/10", "note : 6", "je dirais 7", "I'd give you an 8",
 * alone on its line, at the start of a line followed by a separator) and
 * weak otherwise. One value among the strong candidates, or else exactly
 * one among the weak ones, is the score; two different values, or two
 * candidates joined as alternatives ("7-8", "entre 7 et 8", "5 or 6"),
 * make the answer ambiguous: no score.
 *
 * This file finds the candidates and chooses; the tests of one candidate
 * are its pieces' (reply_int.h): reply_score_form.c reads digits and the
 * explicit forms ("9/10", "Note : 9", and the subject's "Note : 9/10"),
 * reply_score_words.c the words around a number, reply_number.c number
 * words, scales and units. At most MAX_CANDIDATES numbers are read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "survey/nps.h"

#define MAX_CANDIDATES 64
#define LIST_WINDOW 2048	/* bytes around a label for the next one */

/* Words of a list's labels ("One: ...", "Two: ..."). */
static const char *const label_words[] = {
	"one", "two", "three", "four", "five", "six", "seven", "eight",
	"nine", "ten", "un", "deux", "trois", "quatre", "cinq", NULL
};

static bool
is_word_byte(const char *s, size_t n, size_t i)
{
	return rint_is_word_byte(s, n, i) || s[i] == '\'' || s[i] == '-';
}

/* The label opening the line at ls ("1.", "2)", "One:"): its value and
 * its form (1 "N.", 2 "N)", 3 "Word:"), or 0 when there is none. */
static int
line_label(const char *s, size_t n, size_t ls, int *value, size_t *end)
{
	size_t i = rint_skip_spaces(s, n, ls), k = i;
	int form = 0, v = -1;

	if (i < n && rint_is_digit((unsigned char)s[i])) {
		v = 0;
		while (k < n && rint_is_digit((unsigned char)s[k]) &&
		    k - i < 2)
			v = v * 10 + (s[k++] - '0');
		if (k < n && s[k] == '.')
			form = 1;
		else if (k < n && s[k] == ')')
			form = 2;
	} else {
		while (k < n && rint_is_word_byte(s, n, k))
			k++;
		if (k > i && k < n && s[k] == ':' &&
		    rint_in_list(s + i, k - i, label_words)) {
			v = rint_number_word(s + i, k - i, NULL);
			form = 3;
		}
	}
	if (form == 0 || v < 0)
		return 0;
	/* followed by words on the same line */
	k = rint_skip_spaces(s, n, k + 1);
	if (k >= n || s[k] == '\n' || !rint_is_word_byte(s, n, k))
		return 0;
	*value = v;
	*end = i;
	return form;
}

/* Rejects the candidates that are the labels of a list: a line opening
 * with "1.", "2)" or "One:" when another line opens with the next or
 * the previous label in the same form. */
static void
reject_list_labels(const char *s, size_t n, struct reply_cand *v, size_t k)
{
	size_t i, j, ls, at, at2, le, lend;
	int val, val2, form, form2;

	for (i = 0; i < k; i++) {
		if (v[i].rejected)
			continue;
		for (ls = v[i].start; ls > 0 && s[ls - 1] != '\n'; ls--)
			;
		form = line_label(s, n, ls, &val, &at);
		if (form == 0 || at != v[i].start || val != v[i].value)
			continue;
		/* another label of the list, on a line near this one (the
		 * window bounds the work on a long text) */
		j = ls > LIST_WINDOW ? ls - LIST_WINDOW : 0;
		while (j > 0 && s[j - 1] != '\n')
			j++;
		lend = n - ls > LIST_WINDOW ? ls + LIST_WINDOW : n;
		for (le = j; le <= lend; le++) {
			if (le < lend && s[le] != '\n')
				continue;
			if (j != ls && j < n) {
				form2 = line_label(s, n, j, &val2, &at2);
				if (form2 == form && (val2 == val + 1 ||
				    val2 == val - 1)) {
					v[i].rejected = true;
					break;
				}
			}
			j = le + 1;
		}
	}
}

/* The position after the candidate's expression and what follows it on
 * its line: true when only punctuation, blanks or symbols remain (the
 * number stands alone), or when a separator follows at the start of a
 * line ("9 - ...", "9, ..."). */
static bool
stands_as_score(const char *s, size_t n, const struct reply_cand *c)
{
	size_t i = c->start, j;
	bool line_start = true, alone = true;

	while (i > 0 && s[i - 1] != '\n') {
		unsigned char ch = (unsigned char)s[i - 1];

		if (ch != ' ' && ch != '*' && ch != '"' && ch != '(' &&
		    ch != '-' && ch != '>')
			line_start = false;
		i--;
	}
	if (!line_start)
		return false;
	for (j = c->xend; j < n && s[j] != '\n'; j++) {
		if (rint_is_word_byte(s, n, j)) {
			alone = false;
			break;
		}
	}
	if (alone)
		return true;
	j = rint_skip_spaces(s, n, c->xend);
	if (j < n && (s[j] == ',' || s[j] == '-' || s[j] == ':' ||
	    s[j] == '.' || s[j] == '!' || s[j] == ')' || s[j] == ';'))
		return true;
	return rint_starts_symbol(s, n, j, "–") ||
	    rint_starts_symbol(s, n, j, "—");
}

static struct reply_cand
cand_make(int value, size_t start, size_t end, int restricted)
{
	struct reply_cand c;

	memset(&c, 0, sizeof(c));
	c.value = value;
	c.start = start;
	c.end = c.xend = end;
	c.restricted = restricted;
	return c;
}

static size_t
find_candidates(const char *s, size_t n, int max, struct reply_cand *v)
{
	size_t i = 0, k = 0, m, w;
	int val;

	while (i < n && k < MAX_CANDIDATES) {
		unsigned char ch = (unsigned char)s[i];

		if (rint_is_digit(ch) &&
		    (m = rint_keycap_at(s, n, i, &val)) > 0) {
			v[k] = cand_make(val, i, i + m, 0);
			k++;
			i += m;
			continue;
		}
		if (rint_starts_symbol(s, n, i, "\xf0\x9f\x94\x9f")) {	/* 🔟 */
			v[k] = cand_make(10, i, i + 4, 0);
			k++;
			i += 4;
			continue;
		}
		if (rint_is_digit(ch)) {
			m = i;
			while (m < n && rint_is_digit((unsigned char)s[m]))
				m++;
			if (m - i == 1)
				val = s[i] - '0';
			else if (m - i == 2)
				val = (s[i] - '0') * 10 + (s[i + 1] - '0');
			else
				val = 1000;	/* refused below */
			v[k] = cand_make(val, i, m, 0);
			rint_score_digits(s, n, &v[k], max);
			i = v[k].rejected ? m : v[k].xend;
			k++;
			continue;
		}
		if (rint_is_word_byte(s, n, i) &&
		    (i == 0 || !is_word_byte(s, n, i - 1))) {
			int restricted;

			w = 0;
			while (i + w < n && rint_is_word_byte(s, n, i + w))
				w++;
			val = rint_number_word(s + i, w, &restricted);
			if (val >= 0) {
				v[k] = cand_make(val, i, i + w, restricted);
				rint_score_word(s, n, &v[k], max);
				if (!v[k].rejected)
					w = v[k].xend - i;
				k++;
			}
			i += w;
			continue;
		}
		i++;
	}
	return k;
}

/* The score is candidate c's value, strong or weak. Returns it. */
static int
score_found(struct reply_score *out, const struct reply_cand *c, bool strong)
{
	out->score = c->value;
	out->strong = strong;
	out->start = c->start;
	out->end = c->xend;
	return out->score;
}

/* No score: two values are offered, a joined by joint ("or", "and")
 * to b. Returns -1. */
static int
score_ambiguous(struct reply_score *out, int a, const char *joint, int b)
{
	out->ambiguous = true;
	snprintf(out->why, sizeof(out->why), "ambiguous: %d %s %d", a, joint,
	    b);
	return -1;
}

/*
 * reply_score_find - see reply.h and the file comment.
 */
int
reply_score_find(const char *s, size_t n, enum survey_type type,
    struct reply_score *out)
{
	struct reply_cand v[MAX_CANDIDATES];
	size_t k, i, first = (size_t)-1;
	int min = nps_score_min(type), max = nps_score_max(type);
	int strong = -1, weak = -1;
	bool strong_conflict = false, weak_conflict = false;
	int other = -1;

	memset(out, 0, sizeof(*out));
	out->score = -1;
	k = find_candidates(s, n, max, v);
	reject_list_labels(s, n, v, k);
	/* The scale quoted back ("de 0 à 10") before anything else, since
	 * its words ("à", "to") would otherwise hide it. */
	for (i = 0; i + 1 < k; i++) {
		if (v[i].rejected || v[i + 1].rejected)
			continue;
		if (rint_score_scale_mention(s, &v[i], &v[i + 1], min,
		    max))
			v[i].rejected = v[i + 1].rejected = true;
	}
	for (i = 0; i < k; i++) {
		if (v[i].rejected)
			continue;
		rint_score_context(s, v[i].start, &v[i]);
		if (v[i].rejected)
			continue;
		if (rint_score_explicit_before(s, v[i].start)) {
			v[i].strong = true;
			v[i].explicit_form = true;
		}
		if (!v[i].strong && stands_as_score(s, n, &v[i]))
			v[i].strong = true;
		if (v[i].restricted && !v[i].strong)
			v[i].rejected = true;
		if (!v[i].strong && rint_score_embedded(s, n, &v[i]))
			v[i].embedded = true;
		if (v[i].value < min || v[i].value > max)
			v[i].rejected = true;
	}
	/* A score written as one ("9/10", "Note : 9") outweighs every
	 * other number of the text ("a 3 or 4 course dinner"). */
	for (i = 0; i < k; i++) {
		if (v[i].rejected || !v[i].explicit_form)
			continue;
		if (strong < 0) {
			strong = v[i].value;
			first = i;
		} else if (strong != v[i].value)
			strong_conflict = true;
	}
	if (strong >= 0 && !strong_conflict)
		return score_found(out, &v[first], true);
	strong = -1;
	strong_conflict = false;
	for (i = 0; i + 1 < k; i++) {
		if (v[i].rejected || v[i + 1].rejected)
			continue;
		if (v[i].value != v[i + 1].value &&
		    rint_score_alternatives(s, &v[i], &v[i + 1]))
			return score_ambiguous(out, v[i].value, "or",
			    v[i + 1].value);
	}
	/* Offered as alternatives or not, a number inside a sentence is not
	 * an answer. */
	for (i = 0; i < k; i++)
		if (v[i].embedded)
			v[i].rejected = true;
	for (i = 0; i < k; i++) {
		if (v[i].rejected)
			continue;
		if (v[i].strong) {
			if (strong < 0) {
				strong = v[i].value;
				first = i;
			} else if (strong != v[i].value) {
				strong_conflict = true;
				other = v[i].value;
			}
		} else {
			if (weak < 0)
				weak = v[i].value;
			else if (weak != v[i].value) {
				weak_conflict = true;
				if (strong < 0)
					other = v[i].value;
			}
		}
	}
	if (strong >= 0 && !strong_conflict)
		return score_found(out, &v[first], true);
	if (strong_conflict)
		return score_ambiguous(out, strong, "and", other);
	if (weak >= 0 && !weak_conflict) {
		for (i = 0; i < k; i++)
			if (!v[i].rejected && v[i].value == weak)
				break;
		return score_found(out, &v[i], false);
	}
	if (weak_conflict)
		return score_ambiguous(out, weak, "and", other);
	snprintf(out->why, sizeof(out->why), "no score");
	return -1;
}
