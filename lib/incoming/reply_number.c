/*
 * reply_number.c - numbers as customers write them, for the score and the
 * comment (see reply_int.h): number words in French, English, German,
 * Spanish, Italian, Dutch and Portuguese, keycap emoji ("9️⃣",
 * "1️⃣0️⃣"), the scale written after a number ("/10", "sur 10", "out of
 * ten", "von 10", "su 10"), and the words after it that make it a
 * quantity, a price, a time or a date ("3 jours", "10 €", "9 mars",
 * "3 Tage", "2 giorni").
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
 * the text plainly gives a score. So do the articles of the other
 * languages ("uno", "una", "een", "um", "uma") and the words that are
 * also ordinary words elsewhere: "sei" (Italian six, German "be"), "due"
 * (Italian two, English "owed"), "null", "tres" (French "très" typed
 * without its accent), "dos" (French "back"), "tien" (French "yours"),
 * "acht" (German "care"). Accent-less and umlaut-less spellings are
 * listed beside the right ones; capitals fold (rint_equal). */
static const struct number_word number_words[] = {
	/* French and English */
	{ "zéro", 0, 0 }, { "zero", 0, 0 }, { "un", 1, 2 }, { "une", 1, 2 },
	{ "deux", 2, 0 }, { "trois", 3, 0 }, { "quatre", 4, 0 },
	{ "cinq", 5, 0 }, { "six", 6, 0 }, { "sept", 7, 0 }, { "huit", 8, 0 },
	{ "neuf", 9, 1 }, { "dix", 10, 0 }, { "one", 1, 2 }, { "two", 2, 0 },
	{ "three", 3, 0 }, { "four", 4, 0 }, { "five", 5, 0 },
	{ "seven", 7, 0 }, { "eight", 8, 0 }, { "nine", 9, 0 },
	{ "ten", 10, 0 },
	/* German */
	{ "null", 0, 1 }, { "eins", 1, 0 }, { "zwei", 2, 0 }, { "zwo", 2, 0 },
	{ "drei", 3, 0 }, { "vier", 4, 0 }, { "fünf", 5, 0 },
	{ "fuenf", 5, 0 }, { "funf", 5, 0 }, { "sechs", 6, 0 },
	{ "sieben", 7, 0 }, { "acht", 8, 1 }, { "neun", 9, 0 },
	{ "zehn", 10, 0 },
	/* Spanish */
	{ "cero", 0, 0 }, { "uno", 1, 2 }, { "una", 1, 2 }, { "dos", 2, 1 },
	{ "tres", 3, 1 }, { "cuatro", 4, 0 }, { "cinco", 5, 0 },
	{ "seis", 6, 0 }, { "siete", 7, 0 }, { "ocho", 8, 0 },
	{ "nueve", 9, 0 }, { "diez", 10, 0 },
	/* Italian ("zero", "uno", "una" above) */
	{ "due", 2, 1 }, { "tre", 3, 0 }, { "quattro", 4, 0 },
	{ "cinque", 5, 0 }, { "sei", 6, 1 }, { "sette", 7, 0 },
	{ "otto", 8, 0 }, { "nove", 9, 0 }, { "dieci", 10, 0 },
	/* Dutch ("vier", "acht" above) */
	{ "nul", 0, 0 }, { "een", 1, 2 }, { "één", 1, 0 }, { "eén", 1, 0 },
	{ "twee", 2, 0 }, { "drie", 3, 0 }, { "vijf", 5, 0 }, { "zes", 6, 0 },
	{ "zeven", 7, 0 }, { "negen", 9, 0 }, { "tien", 10, 1 },
	/* Portuguese ("zero", "tres", "cinco", "seis", "nove" above) */
	{ "um", 1, 2 }, { "uma", 1, 2 }, { "dois", 2, 0 }, { "duas", 2, 0 },
	{ "três", 3, 0 }, { "quatro", 4, 0 }, { "sete", 7, 0 },
	{ "oito", 8, 0 }, { "dez", 10, 0 },
	{ NULL, 0, 0 }
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
	"ans",
	/* German, Spanish, Italian, Dutch, Portuguese */
	"uhr", "std", "stunde", "stunden", "minuten", "tag",
	"tage", "tagen", "woche", "wochen", "monat", "monate", "monaten",
	"jahr", "jahre", "jahren", "mal", "anrufe", "artikel", "pakete",
	"bestellungen", "prozent", "stück", "stueck", "hora", "horas",
	"minuto", "minutos", "día", "días", "dia", "dias", "semana",
	"semanas", "mes", "meses", "año", "años", "ano", "anos", "vez",
	"veces", "vezes", "llamadas", "ligações", "ligacoes", "pedidos",
	"paquetes", "productos", "produtos", "ora", "ore",
	"minuti", "giorno", "giorni", "settimana", "settimane", "mese",
	"mesi", "anno", "anni", "volta", "volte", "chiamate", "ordini",
	"pacchi", "prodotti", "uur", "dag", "dagen",
	"weken", "maand", "maanden", "jaar", "keer", "bestellingen",
	"pakketten", "producten", "procent", NULL
};

static const char *const months[] = {
	"janvier", "février", "fevrier", "mars", "avril", "mai", "juin",
	"juillet", "août", "aout", "septembre", "octobre", "novembre",
	"décembre", "decembre", "janv", "févr", "fevr", "fév", "fev", "avr",
	"juil", "sept", "oct", "nov", "déc", "dec", "january", "february",
	"march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "jan", "feb", "mar", "apr",
	"jun", "jul", "aug", "sep",
	"januar", "februar", "märz", "maerz", "juni", "juli",
	"oktober", "dezember", "enero", "febrero", "marzo", "abril",
	"mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
	"octubre", "noviembre", "diciembre", "gennaio", "febbraio",
	"aprile", "maggio", "giugno", "luglio", "settembre", "ottobre",
	"dicembre", "januari", "februari", "maart", "mei", "augustus",
	"janeiro", "fevereiro", "março", "marco", "maio", "junho", "julho",
	"setembro", "outubro", "novembro", "dezembro", NULL
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

/* Words between a number and its scale: "9 sur 10", "9 on 10", "9 von
 * 10", "9 de 10", "9 sobre 10", "9 su 10", "9 op 10", "9 uit 10". */
static const char *const scale_words[] = {
	"sur", "on", "von", "de", "sobre", "su", "op", "uit", "van", NULL
};

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
	if (rint_in_list(s + i, k, scale_words)) {
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
	/* "pour cent", "per cent", "per cento", "por ciento" */
	if (rint_equal(s + i, k, "per") || rint_equal(s + i, k, "pour") ||
	    rint_equal(s + i, k, "por")) {
		size_t j = rint_skip_spaces(s, n, i + k);

		return rint_prefix(s + j, n - j, "cent") ||
		    rint_prefix(s + j, n - j, "cient");
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
