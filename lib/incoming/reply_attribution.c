/*
 * reply_attribution.c - the line a client writes above the message it
 * quotes; see reply_int.h (rint_attribution_start,
 * rint_attribution_inside).
 *
 * An attribution names the old message's writer and date: "On ...
 * wrote:", "Le ... a écrit :", "Am ... schrieb Name <a@b>:", or no verb
 * at all ("2017-11-24 16:32 GMT+01:00 Name <a@b>:"). It may be wrapped
 * over up to three lines, or follow the customer's own words on their
 * line ("Thanks! On Wed, ... wrote:"). The verbs and starts are those of
 * the languages our customers' clients write in (en, fr, de, es, it, nl,
 * pt, pl, sv, da, no, fi, cs, ru, tr, ja, zh, vi). A line longer than an
 * attribution can be is refused before any search, which bounds the work
 * on a long line.
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "incoming/reply_int.h"

/* Verbs of an attribution line, at its end ("... a écrit :") or, when
 * the line ends with a colon, anywhere in it ("Am ... schrieb Name
 * <a@b>:", "Op ... schreef ..."). */
static const char *const attribution_verbs[] = {
	"wrote", "a écrit", "a ecrit", "écrit", "schrieb", "schreef",
	"escribió", "escribio", "escreveu", "ha scritto", "scrisse",
	"skrev", "kirjoitti", "napisał(a)", "napisała", "napisał",
	"napisal", "pisze", "napsal(a)", "napsala", "napsal",
	"написал(а)", "написала", "написал", "пишет", "yazdı",
	"写道", "寫道", "のメッセージ", "đã viết", "a scris", "írta", NULL
};

/* How attributions begin, for one wrapped over lines ("On Mon, ...",
 * "Am 24.02.2021 ...", "Vào Th 4, ..."). */
static const char *const attribution_starts[] = {
	"on ", "le ", "am ", "el ", "op ", "il ", "em ", "den ", "dnia ",
	"w dniu ", "dne ", "vào ", "в ", "В ", "在 ", "på ", "the ",
	"----", "-----", "quoting ", "citando ", "zitat von ", NULL
};

/* The attribution text p[0..n) without its trailing marks (blanks, "*",
 * dashes, the colon); *colon tells whether it had one. */
static size_t
attribution_core(const char *p, size_t n, bool *colon, bool *dashes)
{
	*colon = false;
	*dashes = false;
	for (;;) {
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '*'))
			n--;
		if (n > 0 && p[n - 1] == '-') {
			*dashes = true;
			n--;
		} else if (n > 0 && p[n - 1] == ':' && !*colon) {
			*colon = true;
			n--;
		} else if (n >= 3 && !*colon &&
		    rint_starts_symbol(p, n, n - 3, "\xef\xbc\x9a")) {
			*colon = true;
			n -= 3;
		} else
			return n;
	}
}

/* True when p[0..n) ends with one of the attribution verbs. */
static bool
ends_with_verb(const char *p, size_t n)
{
	size_t i;

	for (i = 0; attribution_verbs[i] != NULL; i++)
		if (rint_suffix(p, n, attribution_verbs[i]))
			return true;
	return false;
}

static bool
starts_like_attribution(const char *p, size_t n)
{
	rint_unbold(&p, &n);
	return rint_in_list_prefix(p, n, attribution_starts) ||
	    (n > 0 && rint_is_digit((unsigned char)p[0]));
}

/*
 * Whether p[0..n) (one line, or a wrapped attribution joined) reads as
 * an attribution: a verb at its end, or a verb anywhere when it ends
 * with a colon, with a date, an address or the usual start; or, without
 * a verb, a date and an address before a final colon ("2017-11-24 16:32
 * GMT+01:00 Name <a@b>:"). start: the text begins as attributions do.
 */
static bool
reads_as_attribution(const char *p, size_t n, bool start)
{
	size_t c, i, at, m;
	bool colon, dashes, verb_end = false, verb_in = false;
	bool addr, digit;

	if (n < 6 || n > 400)
		return false;
	rint_unbold(&p, &n);
	c = attribution_core(p, n, &colon, &dashes);
	if (c == 0)
		return false;
	for (i = 0; attribution_verbs[i] != NULL; i++) {
		m = strlen(attribution_verbs[i]);
		if (rint_suffix(p, c, attribution_verbs[i]) &&
		    (c == m || !rint_is_alpha((unsigned char)p[c - m - 1])))
			verb_end = true;
		else if ((colon || dashes) &&
		    rint_find_word(p, c, attribution_verbs[i], &at))
			verb_in = true;
	}
	addr = rint_has_char(p, c, '@');
	digit = rint_has_digit(p, c);
	if (verb_end) {
		/* "wrote" without a colon only closes "On ..." or a
		 * dash-wrapped line. */
		if (!colon && !dashes && !start)
			return false;
		return start || addr || digit || dashes || c <= 60;
	}
	if (verb_in)
		return start || addr;
	/* "On Tue, 24 Nov 2026, Support <s@x> sent:" */
	if (colon && start && rint_suffix(p, c, " sent") && (addr || digit))
		return true;
	/* No verb: a date and an address, a colon at the end. */
	return colon && addr && digit && c <= 200 &&
	    (start || p[c - 1] == '>') && p[c - 1] != ' ';
}

/* The length of the text joined from lines j..i, blanks between. */
static size_t
joined_len(const struct reply_line *v, size_t j, size_t i)
{
	size_t k, len = 0;

	for (k = j; k <= i; k++)
		len += v[k].n + 1;
	return len;
}

/*
 * An attribution at the end of a line of text ("Thanks! On Wed, 24 Feb
 * 2021 at 10:00, Support <s@x> wrote:"): the length of the text before
 * it, or 0 when there is none.
 */
size_t
rint_attribution_inside(const char *p, size_t n)
{
	size_t k;
	bool colon, dashes;

	if (n < 12 || n > 500)
		return 0;
	attribution_core(p, n, &colon, &dashes);
	if (!colon && !dashes)
		return 0;
	for (k = 2; k + 6 < n; k++) {
		/* after a sentence's end, a capital: "... ! On Wed, ..." */
		if (p[k - 1] != ' ' || !(p[k - 2] == '.' || p[k - 2] == '!' ||
		    p[k - 2] == '?') || !(p[k] >= 'A' && p[k] <= 'Z'))
			continue;
		if (!rint_in_list_prefix(p + k, n - k, attribution_starts))
			continue;
		if (reads_as_attribution(p + k, n - k, true) &&
		    (rint_has_char(p + k, n - k, '@') ||
		    rint_has_digit(p + k, n - k)))
			return k - 1;
	}
	return 0;
}

/* True when the first line after i that is not blank is quoted. */
static bool
next_is_quote(const struct reply_line *v, size_t count, size_t i)
{
	for (i++; i < count && v[i].n == 0; i++)
		;
	return i < count && v[i].quote;
}

/* Recognises an attribution ending on line i; returns the index of its
 * first line, or (size_t)-1. It may be wrapped over up to three lines
 * ("Le lun. 23 nov. 2026, Support <s@x> a" / "écrit :"). A bare "Megan
 * wrote:" (no date, no address, no usual start) counts only above a
 * quote: else it is the customer's sentence. */
size_t
rint_attribution_start(const struct reply_line *v, size_t count, size_t i)
{
	size_t j, k, len;
	struct buf joined = BUF_INIT;
	bool ok;

	/* no attribution is longer: this bounds the work on a long line */
	if (v[i].quote || v[i].n == 0 || v[i].n > 400)
		return (size_t)-1;
	{
		/* cheap test first: a colon, a verb or dashes at its end */
		bool colon, dashes;
		size_t c = attribution_core(v[i].p, v[i].n, &colon, &dashes);

		if (!colon && !dashes && !ends_with_verb(v[i].p, c))
			return (size_t)-1;
	}
	/* Wrapped first: its start is on a line above. */
	for (k = 1; k < 3 && k <= i; k++) {
		j = i - k;
		if (v[j].n == 0 || v[j].quote)
			break;
		if (starts_like_attribution(v[j].p, v[j].n))
			break;
	}
	if (k < 3 && k <= i && v[i - k].n > 0 && !v[i - k].quote &&
	    !starts_like_attribution(v[i].p, v[i].n)) {
		j = i - k;
		len = joined_len(v, j, i);
		/* A whole paragraph ending in "wrote:" is no attribution. */
		if (len <= 300) {
			for (k = j; k <= i; k++) {
				if (k > j && v[k - 1].p[v[k - 1].n - 1] != '<')
					buf_putc(&joined, ' ');
				buf_append(&joined, v[k].p, v[k].n);
			}
			/* wrapped, it names an address or a quote follows:
			 * a score above "Megan wrote:" is no start */
			ok = reads_as_attribution(buf_cstr(&joined),
			    joined.len, true) && v[j].n >= 8 &&
			    (rint_has_char(joined.data, joined.len, '@') ||
			    next_is_quote(v, count, i));
			buf_free(&joined);
			if (ok)
				return j;
		}
	}
	/* Words of the customer's before it: see rint_attribution_inside. */
	if (rint_attribution_inside(v[i].p, v[i].n) > 0)
		return (size_t)-1;
	if (starts_like_attribution(v[i].p, v[i].n))
		return reads_as_attribution(v[i].p, v[i].n, true) ? i :
		    (size_t)-1;
	if (v[i].n <= 200 && reads_as_attribution(v[i].p, v[i].n, false) &&
	    (rint_has_char(v[i].p, v[i].n, '@') ||
	    rint_has_digit(v[i].p, v[i].n) || v[i].p[0] == '-' ||
	    next_is_quote(v, count, i)))
		return i;
	return (size_t)-1;
}
