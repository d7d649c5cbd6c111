/*
 * reply_lang.c - which of the template languages a reply is written in;
 * see reply.h (reply_lang_guess).
 *
 * Short common words of each language are counted, whole; letters that
 * only some of the languages use count for them (ä ö ü ß for German, ñ
 * for Spanish, ã õ for Portuguese, ê î ô û ù œ for French). Only a
 * majority says something: the caller then falls back on other text (the
 * quoted survey, the subject), the survey's own language or the
 * configured default.
 */
#include <stdbool.h>
#include <stddef.h>

#include "base/lang.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"

/* Common words of each language, in the order of lang_codes. */
static const char *const words_fr[] = {
	"le", "la", "les", "de", "des", "du", "et", "est", "je", "vous",
	"nous", "pour", "pas", "très", "merci", "bonjour", "avec", "mais",
	"que", "qui", "sur", "dans", "ce", "cette", "était", "bien",
	"votre", "mon", "ma", "mes", "été", "au", "aux", "ont", "trop",
	"peu", "un", "une", "j'ai", "c'est", "livraison", "service",
	"rapide", "super", "parfait", "dirais", "note", "sur", "avez",
	"ai", "suis", "tout", "plus", "rien", "aucun", "cordialement",
	"délai", "commande", "désinscrire", "absent", "jusqu'au",
	"retour", "désabonner", NULL
};
static const char *const words_en[] = {
	"the", "and", "is", "was", "you", "your", "i", "my", "for", "with",
	"but", "not", "very", "thanks", "thank", "hello", "hi", "it",
	"this", "that", "of", "to", "in", "great", "good", "service",
	"delivery", "fast", "i'd", "give", "would", "were", "have", "had",
	"be", "all", "so", "too", "quick", "support", "regards", "out",
	"score", "helpful", "team", "again", "order", "i'm", "away",
	"until", "unsubscribe", "please", "back", "will", NULL
};

static const char *const words_de[] = {
	"der", "die", "das", "und", "ist", "ich", "nicht", "sie", "mit",
	"sehr", "danke", "für", "fur", "ein", "eine", "war", "wir", "auf",
	"aber", "auch", "zu", "schnell", "gut", "freundlich", "hallo",
	"vielen", "dank", "mein", "meine", "lieferung", "bestellung",
	"grüße", "bitte", "hat", "haben", "wurde", "noch", "kein", "keine",
	"bin", "zurück", "ihnen", "gebe", "bewertung", NULL
};
static const char *const words_es[] = {
	"el", "los", "las", "y", "es", "muy", "gracias", "por", "para",
	"con", "que", "una", "pero", "fue", "mi", "su", "del", "al", "hola",
	"bien", "rápido", "rapido", "atención", "pedido", "todo", "saludos",
	"estoy", "entrega", "servicio", "amables", "doy", "puntuación",
	"nada", "está", NULL
};
static const char *const words_it[] = {
	"il", "lo", "gli", "e", "è", "molto", "grazie", "per", "con", "che",
	"non", "ma", "mio", "mia", "della", "sono", "ciao", "buongiorno",
	"bene", "veloce", "servizio", "ordine", "tutto", "saluti", "ho",
	"voto", "gentili", "stato", "stata", "cordiali", NULL
};
static const char *const words_nl[] = {
	"de", "het", "een", "en", "is", "ik", "niet", "zeer", "heel",
	"bedankt", "dank", "voor", "met", "van", "maar", "was", "mijn",
	"wij", "we", "goed", "snel", "vriendelijk", "hallo", "groet",
	"bestelling", "levering", "alles", "ben", "geen", "cijfer", "u",
	"uw", "jullie", NULL
};
static const char *const words_pt[] = {
	"o", "os", "as", "e", "é", "muito", "obrigado", "obrigada", "por",
	"para", "com", "que", "não", "nao", "um", "uma", "mas", "foi",
	"meu", "minha", "do", "da", "olá", "ola", "bem", "rápido",
	"atendimento", "pedido", "tudo", "estou", "entrega", "nota", "você",
	"atenciosamente", NULL
};

static const char *const *const words[LANG_COUNT] = {
	words_fr, words_en, words_de, words_es, words_it, words_nl, words_pt
};

/* 1 when s[0..k) is one of list (short words only: the lists hold no
 * long ones), else 0; the first letter is compared before the rest. */
static int
in_word_list(const char *s, size_t k, const char *const *list)
{
	unsigned char f;
	size_t j;

	if (k == 0 || k > 16)
		return 0;
	f = rint_lower((unsigned char)s[0]);
	for (j = 0; list[j] != NULL; j++)
		if ((unsigned char)list[j][0] == f && rint_equal(s, k, list[j]))
			return 1;
	return 0;
}

/* The language that a letter of a word at s[0..k) points to, or -1: the
 * second byte after 0xC3 of the letters that few of the languages use. */
static int
letter_hint(const char *s, size_t k)
{
	size_t j;

	for (j = 0; j + 1 < k; j++) {
		unsigned char c;

		if ((unsigned char)s[j] == 0xc5 &&
		    (unsigned char)s[j + 1] == 0x93)
			return 0;	/* œ */
		if ((unsigned char)s[j] != 0xc3)
			continue;
		c = (unsigned char)s[j + 1];
		if (c >= 0x80 && c <= 0x9e && c != 0x97)
			c = (unsigned char)(c + 0x20);	/* capitals */
		switch (c) {
		case 0xa4: case 0xb6: case 0xbc: case 0x9f:	/* ä ö ü ß */
			return 2;
		case 0xb1:					/* ñ */
			return 3;
		case 0xa3: case 0xb5:				/* ã õ */
			return 6;
		case 0xaa: case 0xae: case 0xb4: case 0xbb: case 0xb9:
			return 0;			/* ê î ô û ù */
		}
	}
	return -1;
}

/*
 * reply_lang_guess - see reply.h. Counts whole words of each list and
 * the letters of letter_hint; the language with more than any other
 * wins, a tie for the most says nothing.
 */
const char *
reply_lang_guess(const char *s, size_t n)
{
	size_t i = 0, w, k;
	int count[LANG_COUNT] = { 0 }, l, best, second, h;

	while (i < n) {
		if (!rint_is_word_byte(s, n, i) && s[i] != '\'') {
			i++;
			continue;
		}
		w = i;
		while (w < n && (rint_is_word_byte(s, n, w) || s[w] == '\''))
			w++;
		k = w - i;
		for (l = 0; l < LANG_COUNT; l++)
			count[l] += in_word_list(s + i, k, words[l]);
		if ((h = letter_hint(s + i, k)) >= 0)
			count[h]++;
		i = w;
		best = second = 0;
		for (l = 0; l < LANG_COUNT; l++)
			if (count[l] > best) {
				second = best;
				best = count[l];
			} else if (count[l] > second)
				second = count[l];
		if (best - second >= 8)
			break;		/* clear enough: spare the rest */
	}
	best = 0;
	for (l = 1; l < LANG_COUNT; l++)
		if (count[l] > count[best])
			best = l;
	if (count[best] == 0)
		return NULL;
	for (l = 0; l < LANG_COUNT; l++)
		if (l != best && count[l] == count[best])
			return NULL;
	return lang_codes[best];
}
