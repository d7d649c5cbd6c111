/*
 * reply_prefill.c - the lines of the mail body the widget's links
 * pre-fill (see reply_int.h): left as they were, they are not a comment,
 * and the one that holds the score is not one either.
 *
 * The wording of the templates shipped with npsgate is known here; the
 * templates in use are matched in their own words (struct reply_ctx
 * prefill), a template line read as a pattern: {score}, {min} and {max}
 * match one or two digits, any other {field} any text. A line that
 * would take long to match (a hostile one) is simply not taken for the
 * template, and stays in the comment.
 */
#include <stdbool.h>
#include <string.h>

#include "incoming/reply_int.h"

/* The widget's pre-filled mail body (templates/LANG/): left unchanged,
 * it is not a comment. Matched as whole lines, case-insensitively. */
static const char *const prefill_lines[] = {
	"votre commentaire (facultatif) :", "votre commentaire (facultatif):",
	"votre commentaire (facultatif)", "votre commentaire :",
	"commentaire (facultatif) :", "commentaire (facultatif):",
	"your comment (optional):", "your comment (optional) :",
	"your comment (optional)", "your comment:", "comment (optional):",
	"(facultatif) votre commentaire :", "(optional) your comment:",
	"écrivez votre commentaire ci-dessous (facultatif) :",
	"write your comment below (optional):", NULL
};

/* The instruction line of the pre-filled body (templates/LANG/
 * texts.ini, mailto.body), matched by its start so that a template with
 * other punctuation still matches. */
static const char *const prefill_starts[] = {
	"si vous le souhaitez, dites-nous pourquoi en quelques mots",
	"if you like, tell us why in a few words",
	"wenn sie möchten, schreiben sie uns unten in ein paar worten",
	"si lo desea, cuéntenos el motivo en pocas palabras",
	"se lo desidera, ci dica il perché in poche parole",
	"als u wilt, vertel ons hieronder in een paar woorden waarom",
	"se quiser, conte-nos o motivo em poucas palavras", NULL
};

/* Longest line compared with the templates' pre-filled lines. */
#define PREFILL_LINE_MAX 400
/* Fields that match any text, one inside the other at most this deep, and
 * the steps one line may cost against one template line: a line that
 * needs more is not taken for the template (it stays in the comment), so
 * a hostile line costs a bounded time. */
#define PREFILL_DEPTH 4
#define PREFILL_BUDGET 10000L

/* The end (after '}') of the {field} at t[i], or 0 when there is none. */
static size_t
field_end(const char *t, size_t tn, size_t i)
{
	size_t j;

	for (j = i + 1; j < tn && j < i + 32; j++) {
		if (t[j] == '}')
			return j > i + 1 ? j + 1 : 0;
		if (!rint_is_alpha((unsigned char)t[j]) && t[j] != '_')
			return 0;
	}
	return 0;
}

static bool
is_number_field(const char *f, size_t n)
{
	return (n == 7 && memcmp(f, "{score}", 7) == 0) ||
	    (n == 5 && (memcmp(f, "{min}", 5) == 0 ||
	    memcmp(f, "{max}", 5) == 0));
}

/*
 * template_match - whether s[0..n) reads as the template line t[0..tn):
 * letters compared case-folded, a run of blanks in t matching any run
 * (or none) in s, {score} {min} {max} matching one or two digits and any
 * other {field} any text. Each step spends one of *budget; none left is
 * no match.
 */
static bool
template_match(const char *t, size_t tn, const char *s, size_t n, int depth,
    long *budget)
{
	size_t i = 0, j = 0, k, f;

	while (i < tn) {
		unsigned char c = (unsigned char)t[i];

		if (--*budget < 0)
			return false;
		if (c == '{' && (f = field_end(t, tn, i)) != 0) {
			bool num = is_number_field(t + i, f - i);

			if (num) {
				for (k = 0; k < 2 && j + k < n &&
				    rint_is_digit((unsigned char)s[j + k]); k++)
					;
				for (; k > 0; k--)
					if (template_match(t + f, tn - f,
					    s + j + k, n - j - k, depth,
					    budget))
						return true;
				return false;
			}
			if (depth >= PREFILL_DEPTH)
				return false;
			for (k = n - j + 1; k-- > 0;)
				if (template_match(t + f, tn - f, s + j + k,
				    n - j - k, depth + 1, budget))
					return true;
			return false;
		}
		if (rint_is_blank(c)) {
			while (i < tn && rint_is_blank((unsigned char)t[i]))
				i++;
			while (j < n && rint_is_blank((unsigned char)s[j]))
				j++;
			continue;
		}
		if (j >= n || rint_fold(s, j) != rint_fold(t, i))
			return false;
		i++;
		j++;
	}
	while (j < n && rint_is_blank((unsigned char)s[j]))
		j++;
	return j == n;
}

/* rint_prefill_line - see reply_int.h. */
bool
rint_prefill_line(const char *const *prefill, const char *s, size_t n,
    bool with_score)
{
	const char *t, *e;
	size_t i, tn;
	long budget;

	if (prefill == NULL || n == 0 || n > PREFILL_LINE_MAX)
		return false;
	for (i = 0; prefill[i] != NULL; i++) {
		for (t = prefill[i]; *t != '\0'; t = *e ? e + 1 : e) {
			e = strchr(t, '\n');
			if (e == NULL)
				e = t + strlen(t);
			tn = (size_t)(e - t);
			while (tn > 0 && rint_is_blank((unsigned char)*t))
				t++, tn--;
			while (tn > 0 &&
			    rint_is_blank((unsigned char)t[tn - 1]))
				tn--;
			if (tn == 0 || (rint_find(t, tn, "{score}") !=
			    (size_t)-1) != with_score)
				continue;
			budget = PREFILL_BUDGET;
			if (template_match(t, tn, s, n, 0, &budget))
				return true;
		}
	}
	return false;
}

/* rint_is_prefill - see reply_int.h. */
bool
rint_is_prefill(const char *p, size_t n, const char *const *prefill)
{
	return rint_in_list(p, n, prefill_lines) ||
	    (n < 200 && rint_in_list_prefix(p, n, prefill_starts)) ||
	    rint_prefill_line(prefill, p, n, false);
}
