/*
 * reply_score.c - the score in a customer's own text and in the subject
 * the widget pre-filled; see reply.h (reply_score_find,
 * reply_score_from_subject).
 *
 * Every number in the text (digits, keycap emoji, number words of the
 * seven template languages) is a candidate, unless its context shows it is something
 * else: part of a date, a time, a price, a phone number, an order or
 * ticket number, a quantity ("3 jours", "2 times"), a decimal, a number
 * of three digits or more, or outside the survey's range. A candidate is
 * strong when it is written as a score ("9/10", "note : 6", "je dirais 7",
 * "I'd give you an 8", alone on its line, at the start of a line followed
 * by a separator) and weak otherwise. One value among the strong
 * candidates, or else exactly one among the weak ones, is the score; two
 * different values, or two candidates joined as alternatives ("7-8",
 * "entre 7 et 8", "5 or 6"), make the answer ambiguous: no score.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "survey/nps.h"

#define MAX_CANDIDATES 64
#define MAX_WORDS 6
#define WORD_MAX 24
#define LIST_WINDOW 2048	/* bytes around a label for the next one */

struct cand {
	int value;
	size_t start, end;	/* the number itself */
	size_t xend;		/* end of the expression ("/10", "sur 10") */
	bool strong;
	bool explicit_form;	/* "9/10", "note : 9": outweighs the rest */
	int restricted;		/* 2: "un", "one": alone or "N/10" only;
				 * 1: "neuf" (also "new"): never weak */
	bool rejected;
	bool embedded;		/* weak and inside a sentence: refused */
};

/* Words before a number that make it a reference, a date, a duration. */
static const char *const reference_words[] = {
	"n°", "nº", "no", "num", "numéro", "numero", "number", "nr",
	"commande", "order", "ticket", "dossier", "facture", "invoice",
	"réf", "ref", "référence", "reference", "client", "customer",
	"colis", "suivi", "tracking", "case", "article", "chambre", "room",
	"page", "version", "v", "iphone", "windows", "galaxy", "pixel",
	"android", "ios", "rue", "bureau", "étage", "floor", "code", "id",
	"lot", "item", "sku", "série", "serial", "contrat", "contract",
	"compte", "account", "tél", "tel", "phone", "fax", "mobile",
	"portable", "appartement", "apt", "bâtiment", "bat", "porte", "gate",
	"vol", "flight", "train", "ligne", "line", "étape", "step",
	"question", "point", "option", "modèle", "model", "après", "after",
	"depuis", "since", "pendant", "during", "within", "sous", "dans",
	"in", "en", "avant", "before", "pour", "jusqu'au",
	"until", "au", "du", "le", "les", "ces", "these", "those", "des",
	"mes", "my", "nos", "our", "vos", "your", "ses", "his", "her",
	"their", "leurs", "quelque", "about", "environ", "around", "approx",
	"approximately", "plus", "moins", "more", "less", "than",
	"at", "à", "vers", "by", "par", "x", "fois", "sur",
	"with", "avec", "sans", "without", "attendu", "waited", "wait",
	"attendre", "taille",
	"size", "pointure", "lundi", "mardi", "mercredi", "jeudi",
	"vendredi", "samedi", "dimanche", "monday", "tuesday", "wednesday",
	"thursday", "friday", "saturday", "sunday", "mon", "tue", "wed",
	"thu", "fri", "sat", "sun", "lun", "mar", "mer", "jeu", "ven",
	"sam", "dim",
	/* German, Spanish, Italian, Dutch, Portuguese */
	"nummer", "bestellung", "auftrag", "rechnung", "kundennummer",
	"vorgang", "seit", "nach", "innerhalb", "número", "pedido",
	"factura", "fatura", "encomenda", "ordine", "fattura", "pratica",
	"bestelling", "factuur", "después", "despues", "desde", "durante",
	"hace", "tras", "dopo", "entro", "alle", "sinds", "binnen", "om",
	"após", "apos", "depois", "às", NULL
};

/* Words before a number (once articles and pronouns are skipped) that
 * announce a score. */
static const char *const score_triggers[] = {
	"note", "noté", "notée", "noterais", "noterai", "score", "rating",
	"rate", "rated", "mets", "mettrais", "mettrai", "mettre", "mis",
	"donne", "donnerais", "donnerai", "donner", "dirais", "dirai",
	"give", "gave", "giving", "attribue", "attribuerais", "vote",
	"solid", "solide", "évalue", "évaluerais", "grade", "say",
	"réponse", "answer", "reponse", "évaluation", "evaluation",
	"satisfaction", "finalement", "plutôt", "rather", "actually",
	"finally",
	/* German, Spanish, Italian, Dutch, Portuguese */
	"bewertung", "bewerte", "bewerten", "gebe", "geben", "vergebe",
	"würde", "wuerde", "sage", "nota", "puntuación", "puntuacion",
	"puntaje", "calificación", "calificacion", "valoración",
	"valoracion", "doy", "daría", "daria", "pongo", "pondría",
	"pondria", "diría", "diria", "voto", "punteggio", "valutazione",
	"darei", "metto", "metterei", "direi", "cijfer", "beoordeling",
	"waardering", "geef", "geven", "zou", "zeg", "dou", "avaliação",
	"avaliacao", "pontuação", "pontuacao", "dar", NULL
};

/* Words skipped between a trigger and the number ("je vous mets un 9"). */
static const char *const fillers[] = {
	"a", "an", "un", "une", "you", "it", "vous", "lui", "us", "nous",
	"them", "the", "de", "d'un", "d'une", "la", "le", "me", "te",
	"this", "cela", "ça", "ca", "easily", "facilement", "bien", "solid",
	"solide", "est", "is", "was", "de", "strong", "good", "bon",
	"honnêtement", "honestly", "sincèrement", "probablement",
	"probably", "sûrement", "surely", "donc", "so", "then", "alors",
	"mon", "ma", "my", "our", "notre", "final", "finale", "of",
	/* German, Spanish, Italian, Dutch, Portuguese */
	"ich", "ihnen", "euch", "dir", "ein", "eine", "einen", "eher",
	"glatte", "klare", "die", "der", "das", "ist", "also", "wohl",
	"meine", "mein", "unsere", "gerne", "gern", "una", "uno", "mi",
	"es", "yo", "os", "les", "sin", "duda", "vi", "ti", "il", "mio",
	"è", "sicuramente", "ik", "jullie", "u", "je", "jou", "een", "mijn",
	"het", "dus", "zeker", "wel", "eu", "um", "uma", "lhe", "lhes",
	"você", "voce", "vocês", "voces", "minha", "meu", "é", NULL
};

/* "pas 10", "not a 10", "au lieu de 9", "instead of 9" */
static const char *const negations[] = {
	"pas", "not", "never", "jamais", "instead", "lieu", "n't",
	"nicht", "kein", "keine", "keinen", "statt", "anstatt", "nie",
	"nunca", "invece", "niet", "geen", "nooit", "não", "nao", NULL
};

/* What may stand between two numbers offered as alternatives. */
static const char *const alternatives[] = {
	"", "-", "–", "—", "/", "ou", "or", "à", "a", "to", "et", "and",
	"voire", "ou même", "or even", "ou bien", "maybe", "peut-être",
	"ou peut-être", "or maybe", "perhaps", ",", "~", "sinon", "if not",
	"...", "…", "hmm", "euh", "ou plutôt", "or rather", "voire même",
	"ou alors", "entre", "between", "&",
	/* German, Spanish, Italian, Dutch, Portuguese */
	"oder", "bis", "und", "zwischen", "vielleicht", "oder vielleicht",
	"o", "ó", "y", "o quizás", "o quizas", "quizás", "quizas", "e",
	"oppure", "forse", "o forse", "tra", "of", "tot", "en", "tussen",
	"misschien", "of misschien", "ou talvez", "talvez", NULL
};

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

/* The word before position pos (after blanks and punctuation), written
 * lowercase into w (apostrophe ’ made '). Returns its start, or
 * (size_t)-1 when there is none on the same line. */
static size_t
word_before(const char *s, size_t pos, char *w, size_t wsz, bool *crossed)
{
	size_t end = pos, start, i, k = 0;

	*crossed = false;
	while (end > 0) {
		unsigned char c = (unsigned char)s[end - 1];

		if (c == '\n')
			return (size_t)-1;
		if (c == ' ' || c == ':' || c == '=' || c == '(' ||
		    c == '"' || c == '*')
			end--;
		else if (end >= 3 && (unsigned char)s[end - 3] == 0xe2 &&
		    (unsigned char)s[end - 2] == 0x80 &&
		    ((unsigned char)s[end - 1] == 0x9c ||
		    (unsigned char)s[end - 1] == 0x9d))
			end -= 3;	/* curly quotes */
		else if (end >= 2 && (unsigned char)s[end - 2] == 0xc2 &&
		    (unsigned char)s[end - 1] == 0xab)
			end -= 2;	/* « */
		else if (c == ',' || c == '.' || c == ';' || c == '!' ||
		    c == '?') {
			*crossed = true;
			end--;
		} else
			break;
	}
	start = end;
	while (start > 0) {
		unsigned char c = (unsigned char)s[start - 1];

		if (rint_is_word_byte(s, pos, start - 1) || c == '\'' ||
		    c == '-' || c == 0xb0 || c == 0xba)
			start--;
		else if (start >= 3 && (unsigned char)s[start - 3] == 0xe2 &&
		    (unsigned char)s[start - 2] == 0x80 &&
		    (unsigned char)s[start - 1] == 0x99)
			start -= 3;
		else if (c == 0xc2 && start < end)
			start--;	/* lead byte of ° or º */
		else
			break;
	}
	if (start == end)
		return (size_t)-1;
	for (i = start; i < end && k + 1 < wsz; i++) {
		if ((unsigned char)s[i] == 0xe2 && i + 2 < end) {
			w[k++] = '\'';
			i += 2;
			continue;
		}
		w[k++] = (char)rint_fold(s, i);
	}
	w[k] = '\0';
	if (i < end)
		w[0] = '\0';	/* too long to be one of ours */
	return start;
}

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

/* Reads the words before a candidate: tells whether they announce a score,
 * deny it, or make the number a reference. */
static void
context_before(const char *s, size_t pos, struct cand *c)
{
	char w[MAX_WORDS][WORD_MAX];
	size_t at = pos, k = 0, j;
	bool crossed, crossed_first = false;

	for (k = 0; k < MAX_WORDS; k++) {
		size_t st = word_before(s, at, w[k], WORD_MAX, &crossed);

		if (st == (size_t)-1)
			break;
		if (k == 0)
			crossed_first = crossed;
		if (crossed && k > 0)
			break;
		at = st;
	}
	if (k == 0)
		return;
	/* The word right before the number: a reference, a month... */
	if (!crossed_first && (rint_in_list(w[0], strlen(w[0]),
	    reference_words) || rint_is_month(w[0], strlen(w[0])))) {
		/* but "note de 9", "je mets le 9"? only references. */
		c->rejected = true;
		return;
	}
	for (j = 0; j < k; j++) {
		size_t len = strlen(w[j]);

		if (rint_in_list(w[j], len, negations) || rint_suffix(w[j], len,
		    "n't")) {
			c->rejected = true;
			return;
		}
		if (rint_in_list(w[j], len, score_triggers)) {
			if (rint_equal(w[j], len, "say") &&
			    !(j + 1 < k && (strcmp(w[j + 1], "i'd") == 0 ||
			    strcmp(w[j + 1], "would") == 0 ||
			    strcmp(w[j + 1], "i") == 0 ||
			    strcmp(w[j + 1], "i'll") == 0)))
				return;
			if (c->restricted < 2)
				c->strong = true;
			return;
		}
		if (!rint_in_list(w[j], len, fillers))
			return;
	}
}

/* True when a score's name and a colon come right before pos ("Note :
 * 9", "Score: 9", "Bewertung: 9", "評価：9"): the explicit form. */
static bool
explicit_prefix_before(const char *s, size_t pos)
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
reject_list_labels(const char *s, size_t n, struct cand *v, size_t k)
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

static void
classify_digits(const char *s, size_t n, struct cand *c, int max)
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

static void
classify_word(const char *s, size_t n, struct cand *c, int max)
{
	size_t b = c->end, dend;
	int d;

	/* "dix-huit", "sept." (September), "vingt-neuf" */
	if (b < n && s[b] == '-' && b + 1 < n &&
	    rint_is_alpha((unsigned char)s[b + 1])) {
		c->rejected = true;
		return;
	}
	if (c->start > 0 && s[c->start - 1] == '-') {
		c->rejected = true;
		return;
	}
	if (c->value == 7 && b < n && s[b] == '.' &&
	    rint_equal(s + c->start, b - c->start, "sept")) {
		c->rejected = true;
		return;
	}
	d = rint_denominator_after(s, n, b, &dend);
	if (d >= 0) {
		if (d != max) {
			c->rejected = true;
			return;
		}
		c->xend = dend;
		c->strong = true;
		c->explicit_form = true;
		return;
	}
	if (rint_unit_after(s, n, b))
		c->rejected = true;
	else {
		/* "sept 2026", "trois 10" */
		size_t j = rint_skip_spaces(s, n, b);

		if (j < n && rint_is_digit((unsigned char)s[j]))
			c->rejected = true;
	}
}

/* The position after the candidate's expression and what follows it on
 * its line: true when only punctuation, blanks or symbols remain (the
 * number stands alone), or when a separator follows at the start of a
 * line ("9 - ...", "9, ..."). */
static bool
stands_as_score(const char *s, size_t n, const struct cand *c)
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

/* The articles before a score ("un 8", "eine 9", "een 7", "um 10"). */
static const char *const articles[] = {
	"un", "une", "a", "an", "un'", "ein", "eine", "einen", "una", "uno",
	"een", "um", "uma", NULL
};

/* A bare number inside a sentence, between two words ("nous sommes 3 à
 * l'utiliser"), is a quantity or a name, not a score: a weak candidate
 * counts only at the start of a line, after punctuation or an article
 * ("un 8"), or before punctuation or the end of its line. */
static bool
embedded_in_sentence(const char *s, size_t n, const struct cand *c)
{
	size_t i = c->start, j;
	char w[WORD_MAX];
	bool crossed;

	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	if (i == 0 || s[i - 1] == '\n' || !rint_is_word_byte(s, n, i - 1))
		return false;
	if (word_before(s, c->start, w, sizeof(w), &crossed) != (size_t)-1 &&
	    rint_in_list(w, strlen(w), articles))
		return false;
	j = rint_skip_spaces(s, n, c->xend);
	if (j >= n || s[j] == '\n' || s[j] == '\r')
		return false;
	return rint_is_word_byte(s, n, j);
}

static struct cand
cand_make(int value, size_t start, size_t end, int restricted)
{
	struct cand c;

	memset(&c, 0, sizeof(c));
	c.value = value;
	c.start = start;
	c.end = c.xend = end;
	c.restricted = restricted;
	return c;
}

static size_t
find_candidates(const char *s, size_t n, int max, struct cand *v)
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
			classify_digits(s, n, &v[k], max);
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
				classify_word(s, n, &v[k], max);
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

/* True when what lies between two candidates offers them as
 * alternatives ("7-8", "7 ou 8", "5 or 6", "entre 7 et 8"). */
static bool
joined_as_alternatives(const char *s, const struct cand *a,
    const struct cand *b)
{
	size_t i = a->xend, j = b->start;

	if (j < i || j - i > 24 || memchr(s + i, '\n', j - i) != NULL)
		return false;
	/* blanks and commas around the words do not matter:
	 * "10, maybe 9", "7 ,8" */
	while (i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
		i++;
	while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t' ||
	    s[j - 1] == ','))
		j--;
	return rint_in_list(s + i, j - i, alternatives);
}

/* Between the ends of a scale ("0 à 10", "0 bis 10", "0 al 10"), and
 * the word before it ("de", "von", "tussen", "échelle"). */
static const char *const scale_joints[] = {
	"à", "a", "to", "-", "et", "and", "bis", "und", "al", "y", "e",
	"tot", "en", NULL
};
static const char *const scale_starts[] = {
	"de", "from", "of", "between", "entre", "échelle", "scale", "von",
	"zwischen", "skala", "del", "escala", "da", "tra", "fra", "scala",
	"van", "tussen", "schaal", NULL
};

/* "de 0 à 10", "on a scale of 1 to 5": the scale, not an answer. */
static bool
is_scale_mention(const char *s, const struct cand *a, const struct cand *b,
    int min, int max)
{
	char w[WORD_MAX];
	bool crossed;
	size_t i = a->xend, j = b->start;

	if (!(a->value == min || a->value == 0 || a->value == 1) ||
	    !(b->value == max || b->value == 10))
		return false;
	while (i < j && s[i] == ' ')
		i++;
	while (j > i && s[j - 1] == ' ')
		j--;
	if (!rint_in_list(s + i, j - i, scale_joints))
		return false;
	if (word_before(s, a->start, w, sizeof(w), &crossed) == (size_t)-1)
		return false;
	return rint_in_list(w, strlen(w), scale_starts);
}

/* The score is candidate c's value, strong or weak. Returns it. */
static int
score_found(struct reply_score *out, const struct cand *c, bool strong)
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
	struct cand v[MAX_CANDIDATES];
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
		if (is_scale_mention(s, &v[i], &v[i + 1], min, max))
			v[i].rejected = v[i + 1].rejected = true;
	}
	for (i = 0; i < k; i++) {
		if (v[i].rejected)
			continue;
		context_before(s, v[i].start, &v[i]);
		if (v[i].rejected)
			continue;
		if (explicit_prefix_before(s, v[i].start)) {
			v[i].strong = true;
			v[i].explicit_form = true;
		}
		if (!v[i].strong && stands_as_score(s, n, &v[i]))
			v[i].strong = true;
		if (v[i].restricted && !v[i].strong)
			v[i].rejected = true;
		if (!v[i].strong && embedded_in_sentence(s, n, &v[i]))
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
		    joined_as_alternatives(s, &v[i], &v[i + 1]))
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
