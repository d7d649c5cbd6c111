/*
 * reply_score_form.c - a number written in digits, and the explicit
 * forms of a score; see reply_int.h (rint_score_digits,
 * rint_score_explicit_before) and reply.h (reply_score_from_subject).
 *
 * Digits are a score only when nothing around them makes them something
 * else: part of a date ("23/11", "6. Juni", "6月"), a time, a decimal, a
 * price ("€ 9"), a reference ("#9", "n°9"), a phone number, a product
 * ("3 x 2"), a URL, a quantity ("3 jours"), or a number of three digits
 * or more. Written with the survey's scale ("9/10", "7 sur 10") or after
 * the score's name and a colon ("Note : 9", "評価：9"), a number is in
 * the explicit form, which outweighs every other number of the text.
 * Every test reads within s[0..n) around the number.
 */
#include <stdbool.h>
#include <string.h>

#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "survey/nps.h"

/* Month names and date words of the other languages our customers
 * write in (the French and English ones are reply_number.c's): a number
 * next to one is a date ("6. Juni", "tháng 6", "6月"). */
static const char *const date_words_after[] = {
	"januar", "februar", "märz", "april", "mai", "juni", "juli",
	"august", "september", "oktober", "november", "dezember",
	"januari", "februari", "maart", "mei", "augustus", "enero",
	"febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "setiembre", "octubre", "noviembre", "diciembre",
	"gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio",
	"settembre", "ottobre", "dicembre", "janeiro", "fevereiro", "março",
	"maio", "junho", "julho", "setembro", "outubro", "novembro",
	"dezembro", "stycznia", "lutego", "marca", "kwietnia", "maja",
	"czerwca", "lipca", "sierpnia", "września", "października",
	"listopada", "grudnia", "januari", "juni", "augusti", "oktober",
	"marts", "desember", "tammikuuta", "helmikuuta", "maaliskuuta",
	"huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta", "elokuuta",
	"syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta", "ledna",
	"února", "března", "dubna", "května", "června", "července",
	"srpna", "září", "října", "listopadu", "prosince", "января",
	"февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
	"сентября", "октября", "ноября", "декабря", "ocak", "şubat", "mart",
	"nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
	"kasım", "aralık", "月", "日", "年", "월", "일", "г.", NULL
};

static const char *const date_words_before[] = {
	"tháng", "thg", "ngày", "năm", "giờ", "th", "thứ",
	"januar", "februar", "märz",
	"juni", "juli", "dezember", "mei", "enero", "junio", "giugno",
	"junho", NULL
};

/* A number written right after a symbol that makes it money or a
 * reference: "$9", "€ 9", "#9", "n°9". */
static bool
symbol_before(const char *s, size_t pos)
{
	size_t i = pos;

	while (i > 0 && s[i - 1] == ' ')
		i--;
	if (i == 0)
		return false;
	if (s[i - 1] == '$' || s[i - 1] == '#' || s[i - 1] == '+')
		return true;
	if (i >= 3 && memcmp(s + i - 3, "€", 3) == 0)
		return true;
	if (i >= 2 && (memcmp(s + i - 2, "£", 2) == 0 ||
	    memcmp(s + i - 2, "°", 2) == 0 || memcmp(s + i - 2, "º", 2) == 0))
		return true;
	return false;
}

/* True when a score's name and a colon come right before pos ("Note :
 * 9", "Score: 9", "Bewertung: 9", "評価：9"): the explicit form. */
bool
rint_score_explicit_before(const char *s, size_t pos)
{
	static const char *const names[] = { "note", "score", "rating",
		"évaluation", "evaluation", "bewertung", "punktzahl", "nota",
		"puntuación", "puntuacion", "punteggio", "voto", "cijfer",
		"beoordeling", "ocena", "betyg", "karakter", "arvosana",
		"hodnocení", "оценка", "Оценка", "puan", "評価", "评分",
		"điểm", "Điểm", NULL };
	size_t i = pos, e, st, k;

	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '*'))
		i--;
	if (i >= 3 && rint_starts_symbol(s, pos, i - 3, "\xef\xbc\x9a"))
		i -= 3;
	else if (i > 0 && (s[i - 1] == ':' || s[i - 1] == '='))
		i--;
	else
		return false;
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '*'))
		i--;
	e = i;
	for (k = 0; names[k] != NULL; k++) {
		size_t m = strlen(names[k]);

		if (e < m)
			continue;
		st = e - m;
		if (rint_prefix(s + st, m, names[k]) &&
		    (st == 0 || !rint_is_alpha((unsigned char)s[st - 1])))
			return true;
	}
	return false;
}

/* True when a multiplication sign joins the number [a, b) to another:
 * "3 x 2", "2x3", "4 × 5". */
static bool
times_sign_around(const char *s, size_t n, size_t a, size_t b)
{
	size_t i = rint_skip_spaces(s, n, b), j;

	if (i < n && (s[i] == 'x' || s[i] == 'X' || s[i] == '*' ||
	    rint_starts_symbol(s, n, i, "×"))) {
		i += rint_starts_symbol(s, n, i, "×") ? 2 : 1;
		j = rint_skip_spaces(s, n, i);
		if (j < n && rint_is_digit((unsigned char)s[j]))
			return true;
	}
	i = a;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	if (i >= 2 && memcmp(s + i - 2, "×", 2) == 0)
		i -= 2;
	else if (i >= 1 && (s[i - 1] == 'x' || s[i - 1] == 'X' ||
	    s[i - 1] == '*'))
		i--;
	else
		return false;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	return i > 0 && rint_is_digit((unsigned char)s[i - 1]);
}

/* True when a month or a date word of another language stands next to
 * the number [a, b): "6. Juni", "6 de junio", "tháng 6", "6月". */
static bool
date_word_around(const char *s, size_t n, size_t a, size_t b)
{
	size_t i = b, j, k;

	if (i < n && s[i] == '.')
		i++;
	j = rint_skip_spaces(s, n, i);
	k = j;
	while (k < n && rint_is_word_byte(s, n, k))
		k++;
	if (k > j && rint_equal(s + j, k - j, "de")) {
		/* "6 de junio" */
		j = rint_skip_spaces(s, n, k);
		k = j;
		while (k < n && rint_is_word_byte(s, n, k))
			k++;
	}
	if (k > j && rint_in_list(s + j, k - j, date_words_after))
		return true;
	/* a CJK or Cyrillic mark or month, not a Latin word */
	if (k == j && j < n && (unsigned char)s[j] >= 0xd0 &&
	    rint_in_list_prefix(s + j, n - j, date_words_after))
		return true;
	i = a;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	j = i;
	while (j > 0 && s[j - 1] != ' ' && s[j - 1] != '\n' && i - j < 12)
		j--;
	return i > j && rint_in_list(s + j, i - j, date_words_before);
}

void
rint_score_digits(const char *s, size_t n, struct reply_cand *c, int max)
{
	size_t a = c->start, b = c->end, i, groups = 1;
	int d;
	size_t dend;

	if (b - a > 2 || (b - a == 2 && s[a] == '0')) {
		c->rejected = true;
		return;
	}
	/* glued to letters or other digits: "A4", "10h", "2e", "x2" */
	if (a > 0 && (rint_is_word_byte(s, n, a - 1) || s[a - 1] == '_')) {
		c->rejected = true;
		return;
	}
	if (b < n && (rint_is_word_byte(s, n, b) || s[b] == '_')) {
		c->rejected = true;
		return;
	}
	/* decimals, times, dates: "8,5", "8.5", "10:30", "23/11", "23-11-26" */
	if (a >= 2 && rint_is_digit((unsigned char)s[a - 2]) &&
	    (s[a - 1] == '.' || s[a - 1] == ',' || s[a - 1] == ':' ||
	    s[a - 1] == '/' || s[a - 1] == 'h')) {
		c->rejected = true;
		return;
	}
	if (b + 1 < n && rint_is_digit((unsigned char)s[b + 1]) &&
	    (s[b] == '.' || s[b] == ',' || s[b] == ':')) {
		c->rejected = true;
		return;
	}
	if (a > 0 && (s[a - 1] == '/' || s[a - 1] == '=' || s[a - 1] == '&' ||
	    s[a - 1] == '?' || s[a - 1] == '@')) {
		c->rejected = true;	/* in a URL or an address */
		return;
	}
	/* "+33 (0)1 23...": a digit in brackets against other digits */
	if (a > 0 && s[a - 1] == '(' && b + 1 < n && s[b] == ')' &&
	    (rint_is_digit((unsigned char)s[b + 1]) || s[b + 1] == ' ')) {
		c->rejected = true;
		return;
	}
	/* "3 x 2", "2×3": a product, not a score */
	if (times_sign_around(s, n, a, b)) {
		c->rejected = true;
		return;
	}
	if (symbol_before(s, a)) {
		c->rejected = true;
		return;
	}
	/* Phone numbers and dates: three digit groups or more joined by one
	 * separator each ("06 12 34 56 78", "23-11-2026", "23.11.26"). */
	for (i = b; i + 1 < n && (s[i] == ' ' || s[i] == '.' || s[i] == '-') &&
	    rint_is_digit((unsigned char)s[i + 1]);) {
		i++;
		while (i < n && rint_is_digit((unsigned char)s[i]))
			i++;
		groups++;
	}
	for (i = a; i >= 2 && (s[i - 1] == ' ' || s[i - 1] == '.' ||
	    s[i - 1] == '-') && rint_is_digit((unsigned char)s[i - 2]);) {
		i--;
		while (i > 0 && rint_is_digit((unsigned char)s[i - 1]))
			i--;
		groups++;
	}
	if (groups >= 3) {
		c->rejected = true;
		return;
	}
	d = rint_denominator_after(s, n, b, &dend);
	if (d >= 0) {
		if (d != max && d != 10) {
			c->rejected = true;	/* "23/11", "4/5" in NPS */
			return;
		}
		if (d != max) {
			c->rejected = true;	/* "7/10" in a CSAT survey */
			return;
		}
		/* "23/10/2026" */
		if (dend < n && s[dend] == '/' && dend + 1 < n &&
		    rint_is_digit((unsigned char)s[dend + 1])) {
			c->rejected = true;
			return;
		}
		c->xend = dend;
		c->strong = true;
		c->explicit_form = true;
		return;
	}
	if (b < n && s[b] == '/' ) {
		size_t j = rint_skip_spaces(s, n, b + 1);

		if (j < n && rint_is_digit((unsigned char)s[j])) {
			c->rejected = true;
			return;
		}
	}
	if (rint_unit_after(s, n, b) || date_word_around(s, n, a, b))
		c->rejected = true;
}

/*
 * reply_score_from_subject - see reply.h. Looks for "WORD : N/MAX" with
 * WORD the configured prefix, "note", "score" or "rating".
 */
int
reply_score_from_subject(const char *s, size_t n, enum survey_type type,
    const char *prefix)
{
	static const char *const words[] = { "note", "score", "rating",
		"évaluation", "evaluation", "bewertung", "puntuación",
		"puntuacion", "voto", "cijfer", "nota", NULL };
	int max = nps_score_max(type), min = nps_score_min(type);
	size_t i, j, k, e;
	int v, d, w;

	for (i = 0; i < n; i++) {
		if (i > 0 && rint_is_word_byte(s, n, i - 1))
			continue;
		k = 0;
		if (prefix != NULL && prefix[0] != '\0' &&
		    strlen(prefix) <= n - i &&
		    strncasecmp(s + i, prefix, strlen(prefix)) == 0)
			k = strlen(prefix);
		for (w = 0; k == 0 && words[w] != NULL; w++)
			if (rint_prefix(s + i, n - i, words[w]))
				k = strlen(words[w]);
		if (k == 0)
			continue;
		j = rint_skip_spaces(s, n, i + k);
		if (j >= n || s[j] != ':')
			continue;
		j = rint_skip_spaces(s, n, j + 1);
		if (j >= n || !rint_is_digit((unsigned char)s[j]))
			continue;
		v = 0;
		for (e = j; e < n && rint_is_digit((unsigned char)s[e]) &&
		    e - j < 3; e++)
			v = v * 10 + (s[e] - '0');
		if (e < n && rint_is_digit((unsigned char)s[e]))
			continue;
		d = rint_denominator_after(s, n, e, &e);
		if (d != max || v < min || v > max)
			continue;
		return v;
	}
	return -1;
}
