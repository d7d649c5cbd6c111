/*
 * reply_number.c - numbers as customers write them, for the score and the
 * comment (see reply_int.h): number words in French and English, keycap
 * emoji ("9️⃣", "1️⃣0️⃣"), the scale written after a number ("/10",
 * "sur 10", "out of ten"), and the words after it that make it a
 * quantity, a price, a time or a date ("3 jours", "10 €", "9 mars").
 */
#include <stdbool.h>
#include <string.h>

#include "incoming/reply_int.h"

struct number_word {
	const char *word;
	int value;
	int restricted;
};

/* "neuf" is also "new", "un"/"one" are articles: they count only where
 * the text plainly gives a score. */
static const struct number_word number_words[] = {
	{ "zéro", 0, 0 }, { "zero", 0, 0 }, { "un", 1, 2 }, { "une", 1, 2 },
	{ "deux", 2, 0 }, { "trois", 3, 0 }, { "quatre", 4, 0 },
	{ "cinq", 5, 0 }, { "six", 6, 0 }, { "sept", 7, 0 }, { "huit", 8, 0 },
	{ "neuf", 9, 1 }, { "dix", 10, 0 }, { "one", 1, 2 }, { "two", 2, 0 },
	{ "three", 3, 0 }, { "four", 4, 0 }, { "five", 5, 0 },
	{ "seven", 7, 0 }, { "eight", 8, 0 }, { "nine", 9, 0 },
	{ "ten", 10, 0 }, { NULL, 0, 0 }
};

/* Words after a number that make it a quantity, a price, a time... */
static const char *const units[] = {
	"h", "heure", "heures", "hr", "hrs", "hour", "hours", "min", "mins",
	"minute", "minutes", "mn", "sec", "secs", "seconde", "secondes",
	"second", "seconds", "j", "jour", "jours", "journée", "journées",
	"day", "days", "semaine", "semaines", "week", "weeks", "mois",
	"month", "months", "an", "ans", "année", "années", "year", "years",
	"yr", "yrs", "fois", "time", "times", "reprises", "relance",
	"relances", "appel", "appels", "call", "calls", "mail", "mails",
	"e-mail", "e-mails", "email", "emails", "message", "messages",
	"courriel", "courriels", "article", "articles", "item", "items",
	"produit", "produits", "product", "products", "colis", "package",
	"packages", "parcel", "parcels", "commande", "commandes", "order",
	"orders", "pièce", "pièces", "piece", "pieces", "unité", "unités",
	"unit", "units", "personne", "personnes", "people", "person",
	"persons", "enfant", "enfants", "kid", "kids", "children", "euro",
	"euros", "eur", "usd", "dollar", "dollars", "chf", "pound",
	"pounds", "cent", "cents", "centimes", "percent", "pourcent",
	"km", "kg", "g", "m", "cm", "mm", "l", "litre", "litres", "ml",
	"go", "gb", "mo", "mb", "ko", "kb", "page", "pages", "ticket",
	"tickets", "étape", "étapes", "step", "steps", "question",
	"questions", "agent", "agents", "conseiller", "conseillers",
	"conseillère", "conseillères", "interlocuteur", "interlocuteurs",
	"technicien", "techniciens", "interventions", "intervention",
	"visite", "visites", "visits", "tentative", "tentatives",
	"attempt", "attempts", "am", "pm", "a.m", "p.m", "rue", "avenue",
	"bd", "boulevard", "allée", "place", "chemin", "impasse", "street",
	"st", "road", "rd", "ave", "nuit", "nuits", "night", "nights",
	"exemplaire", "exemplaires", "copies", "copy", "paires", "pairs",
	"mètres", "meters", "étage", "étages", "floor", "floors", "ème",
	"eme", "e", "er", "ère", "th", "nd", "rd", "box", "paquets",
	"paquet", "boîtes", "boites", "boîte", "boxes", "kilos", "grammes",
	"fichiers", "files", "photos", "pictures", "lignes", "lines",
	"postes", "licences", "licenses", "utilisateurs", "users",
	"reprise", "coups", "fautes", "erreurs", "errors", "problèmes",
	"problems", "issues", "soucis", "points", "pts", "ou plus",
	"ans", NULL
};

static const char *const months[] = {
	"janvier", "février", "fevrier", "mars", "avril", "mai", "juin",
	"juillet", "août", "aout", "septembre", "octobre", "novembre",
	"décembre", "decembre", "janv", "févr", "fevr", "fév", "fev", "avr",
	"juil", "sept", "oct", "nov", "déc", "dec", "january", "february",
	"march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "jan", "feb", "mar", "apr",
	"jun", "jul", "aug", "sep", NULL
};

/* rint_number_word - see reply_int.h. */
int
rint_number_word(const char *s, size_t n, int *restricted)
{
	size_t i;

	for (i = 0; number_words[i].word != NULL; i++)
		if (rint_equal(s, n, number_words[i].word)) {
			if (restricted != NULL)
				*restricted = number_words[i].restricted;
			return number_words[i].value;
		}
	return -1;
}

/* rint_is_month - see reply_int.h. */
bool
rint_is_month(const char *s, size_t n)
{
	return rint_in_list(s, n, months);
}

/* The word starting at pos (letters, and "." inside abbreviations like
 * "a.m"); its length, 0 if none. */
static size_t
word_at(const char *s, size_t n, size_t pos)
{
	size_t i = pos;

	while (i < n && (rint_is_word_byte(s, n, i) || s[i] == '-' ||
	    (s[i] == '.' && i > pos && i + 1 < n &&
	    rint_is_alpha((unsigned char)s[i + 1]))))
		i++;
	while (i > pos && s[i - 1] == '-')
		i--;
	return i - pos;
}

/* Reads a small unsigned number at pos (digits, a number word, or "dix"),
 * used for the denominator of "9/10" or "9 sur 10". Returns the value and
 * sets *end, or -1. */
static int
read_denominator(const char *s, size_t n, size_t pos, size_t *end)
{
	size_t i = pos, k;
	int v = 0;

	if (i < n && rint_is_digit((unsigned char)s[i])) {
		while (i < n && rint_is_digit((unsigned char)s[i]) &&
		    i - pos < 3)
			v = v * 10 + (s[i++] - '0');
		if (i < n && (rint_is_digit((unsigned char)s[i]) ||
		    rint_is_alpha((unsigned char)s[i])))
			return -1;
		*end = i;
		return v;
	}
	k = word_at(s, n, pos);
	v = rint_number_word(s + pos, k, NULL);
	if (v >= 0)
		*end = pos + k;
	return v;
}

/* rint_denominator_after - see reply_int.h. */
int
rint_denominator_after(const char *s, size_t n, size_t pos, size_t *end)
{
	size_t i = rint_skip_spaces(s, n, pos), k;

	if (i < n && s[i] == '/') {
		i = rint_skip_spaces(s, n, i + 1);
		return read_denominator(s, n, i, end);
	}
	k = word_at(s, n, i);
	if (rint_equal(s + i, k, "sur") || rint_equal(s + i, k, "on")) {
		i = rint_skip_spaces(s, n, i + k);
		return read_denominator(s, n, i, end);
	}
	if (rint_equal(s + i, k, "out")) {
		i = rint_skip_spaces(s, n, i + k);
		k = word_at(s, n, i);
		if (!rint_equal(s + i, k, "of"))
			return -1;
		i = rint_skip_spaces(s, n, i + k);
		return read_denominator(s, n, i, end);
	}
	return -1;
}

/* rint_unit_after - see reply_int.h. */
bool
rint_unit_after(const char *s, size_t n, size_t pos)
{
	size_t i = rint_skip_spaces(s, n, pos), k;

	if (i < n && (s[i] == '%' || s[i] == '$'))
		return true;
	if (rint_starts_symbol(s, n, i, "€") ||
	    rint_starts_symbol(s, n, i, "£") ||
	    rint_starts_symbol(s, n, i, "°"))
		return true;
	k = word_at(s, n, i);
	if (k == 0)
		return false;
	if (rint_in_list(s + i, k, units))
		return true;
	/* "pour cent", "per cent", "ou plus" */
	if (rint_equal(s + i, k, "per") || rint_equal(s + i, k, "pour")) {
		size_t j = rint_skip_spaces(s, n, i + k);

		return rint_prefix(s + j, n - j, "cent");
	}
	return rint_is_month(s + i, k);
}

/* rint_keycap_at - see reply_int.h. A keycap is the digit, an optional
 * U+FE0F and U+20E3. */
size_t
rint_keycap_at(const char *s, size_t n, size_t pos, int *value)
{
	size_t i = pos, digits = 0;
	int v = 0;

	while (i < n && rint_is_digit((unsigned char)s[i])) {
		size_t j = i + 1;

		if (rint_starts_symbol(s, n, j, "\xef\xb8\x8f"))
			j += 3;
		if (!rint_starts_symbol(s, n, j, "\xe2\x83\xa3"))
			break;
		v = v * 10 + (s[i] - '0');
		digits++;
		i = j + 3;
	}
	if (digits == 0 || digits > 2)
		return 0;
	*value = v;
	return i - pos;
}
