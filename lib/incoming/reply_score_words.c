/*
 * reply_score_words.c - the words around a candidate score; see
 * reply_int.h (rint_score_context, rint_score_word, rint_score_embedded,
 * rint_score_alternatives, rint_score_scale_mention).
 *
 * The words before a number tell what it is: a score announced ("note",
 * "je dirais", "I'd give you", "würde ... geben"), denied ("pas 10",
 * "not a 10"), or a reference, a date, a duration ("commande 4", "lundi
 * 3", "depuis 2"). A number word ("neuf", "seven") has its own traps
 * ("dix-huit", "sept." for September). A bare number inside a sentence
 * is a quantity. Between two candidates, the words say whether they are
 * offered as alternatives ("7 ou 8", "entre 7 et 8") or quote the scale
 * ("de 0 à 10"). The words are those of the languages our customers
 * write in; each is compared folded to lowercase, at most WORD_MAX bytes
 * long, and no reading crosses the number's line.
 */
#include <stdbool.h>
#include <string.h>

#include "incoming/reply_int.h"

#define MAX_WORDS 6	/* words read before a number */
#define WORD_MAX 24	/* bytes of one of them, NUL included */

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

/* Reads the words before a candidate: tells whether they announce a score,
 * deny it, or make the number a reference. */
void
rint_score_context(const char *s, size_t pos, struct reply_cand *c)
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

void
rint_score_word(const char *s, size_t n, struct reply_cand *c, int max)
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

/* The articles before a score ("un 8", "eine 9", "een 7", "um 10"). */
static const char *const articles[] = {
	"un", "une", "a", "an", "un'", "ein", "eine", "einen", "una", "uno",
	"een", "um", "uma", NULL
};

/* A bare number inside a sentence, between two words ("nous sommes 3 à
 * l'utiliser"), is a quantity or a name, not a score: a weak candidate
 * counts only at the start of a line, after punctuation or an article
 * ("un 8"), or before punctuation or the end of its line. */
bool
rint_score_embedded(const char *s, size_t n, const struct reply_cand *c)
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

/* True when what lies between two candidates offers them as
 * alternatives ("7-8", "7 ou 8", "5 or 6", "entre 7 et 8"). */
bool
rint_score_alternatives(const char *s, const struct reply_cand *a,
    const struct reply_cand *b)
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
bool
rint_score_scale_mention(const char *s, const struct reply_cand *a,
    const struct reply_cand *b, int min, int max)
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
