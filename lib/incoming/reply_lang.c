/*
 * reply_lang.c - whether a reply is written in French or in English; see
 * reply.h (reply_lang_guess).
 *
 * Short common words of each language are counted, whole; accented
 * letters count for French. Only a majority says something: the caller
 * then falls back on other text (the quoted survey, the subject), the
 * survey's own language or the configured default.
 */
#include <stdbool.h>
#include <stddef.h>

#include "incoming/reply.h"
#include "incoming/reply_int.h"

/* Common words of each language, to tell French from English. */
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

/*
 * reply_lang_guess - see reply.h. Counts whole words of each list; the
 * language with more wins, a tie says nothing.
 */
const char *
reply_lang_guess(const char *s, size_t n)
{
	size_t i = 0, j, w, k;
	int fr = 0, en = 0;

	while (i < n) {
		if (!rint_is_word_byte(s, n, i) && s[i] != '\'') {
			i++;
			continue;
		}
		w = i;
		while (w < n && (rint_is_word_byte(s, n, w) || s[w] == '\''))
			w++;
		k = w - i;
		fr += in_word_list(s + i, k, words_fr);
		en += in_word_list(s + i, k, words_en);
		if (fr - en >= 8 || en - fr >= 8)
			break;		/* clear enough: spare the rest */
		/* Accented letters are a strong hint of French. */
		for (j = i; j < w; j++)
			if ((unsigned char)s[j] == 0xc3) {
				fr++;
				break;
			}
		i = w;
	}
	if (fr > en)
		return "fr";
	if (en > fr)
		return "en";
	return NULL;
}
