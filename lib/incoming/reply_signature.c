/*
 * reply_signature.c - what closes the customer's words: signatures,
 * closing formulas, device lines, disclaimers, footers; see reply_int.h
 * (rint_signature_opens, rint_footer_follows,
 * rint_signature_drop_block).
 *
 * A signature opens with the "-- " line, a device line ("Sent from my
 * iPhone", "Gesendet von", "iPhoneから送信"), a closing formula with its
 * name block ("Cordialement," over "Jean Dupont"), or a legal disclaimer;
 * a footer under a rule (an address, a link, a phone) is one too. At the
 * bottom of an answer, a short block without any of these goes when it
 * scores as a signature: the sender's name (from From:) or initials, a
 * title, phones, web and mail addresses, a postal code, and no sentence.
 * reply_text.c drops the lines from a signature's opening up to the
 * next quoted message, then such blocks. The words are those of the
 * languages our customers write in.
 */
#include <stdbool.h>
#include <string.h>

#include "incoming/reply_int.h"

/* Lines a mobile client adds under what the person wrote: at the start
 * ("Sent from my iPhone") ... */
static const char *const device_starts[] = {
	"sent from ", "envoyé de ", "envoyé depuis ", "envoyé à partir de ",
	"envoye de ", "envoye depuis ", "get outlook for ",
	"obtenir outlook pour ", "télécharger outlook pour ",
	"download outlook for ", "sent with ", "envoyé avec ",
	"sent via ", "envoyé via ", "von meinem ", "sent using ",
	"gesendet von ", "gesendet mit ", "gesendet vom ",
	"enviado desde ", "enviado do meu ", "enviado de meu ",
	"enviado de mi ", "enviado con ", "enviado a partir do ",
	"inviato da ", "inviato dal ", "inviato con ",
	"verzonden vanaf ", "verzonden met ", "verstuurd vanaf ",
	"verstuurd met ", "wysłane z ", "wysłano z ", "skickat från ",
	"skickat med ", "sendt fra ", "sendt med ", "lähetetty ",
	"odesláno z ", "отправлено с ", "Отправлено с ", "отправлено из ",
	"Отправлено из ", "发自我的", "从我的", "gửi từ ", "Gửi từ ", NULL
};

/* ... or at the end ("iPhoneから送信", "iPhone'umdan gönderildi"). */
static const char *const device_ends[] = {
	"から送信", "gönderildi", "gesendet", "verzonden", "inviato",
	"发送", "發送", NULL
};

static const char *const closings[] = {
	"cordialement", "bien cordialement", "très cordialement",
	"tres cordialement", "bien à vous", "bien a vous",
	"salutations", "sincères salutations", "meilleures salutations",
	"bien sincèrement", "amicalement", "bonne journée et cordialement",
	"cdlt", "cdt", "bàv", "regards", "best regards", "kind regards",
	"warm regards", "best wishes", "best", "sincerely", "yours sincerely",
	"yours truly", "all the best", "cheers", "respectfully",
	"with kind regards", "many thanks and kind regards",
	"merci et cordialement", "thanks and regards",
	"thanks & regards", "regards and thanks", "atenciosamente",
	"mit freundlichen grüßen", "freundliche grüße", "viele grüße",
	"mit freundlichen grüssen", "freundliche grüsse",
	"com os melhores cumprimentos",
	"liebe grüße", "beste grüße", "schöne grüße", "mfg", "lg",
	"met vriendelijke groet", "vriendelijke groet", "met vriendelijke "
	"groeten", "groeten", "groetjes", "saludos", "un saludo",
	"saludos cordiales", "atentamente", "cordiali saluti", "saluti",
	"distinti saluti", "un saluto", "cumprimentos", "abraços",
	"melhores cumprimentos", "pozdrawiam", "z poważaniem",
	"serdecznie pozdrawiam", "med vänliga hälsningar",
	"vänliga hälsningar", "hälsningar", "mvh", "med venlig hilsen",
	"venlig hilsen", "med vennlig hilsen", "vennlig hilsen", "hilsen",
	"ystävällisin terveisin", "terveisin", "s pozdravem", "s přáním",
	"с уважением", "С уважением", "saygılarımla", "trân trọng",
	"Trân trọng", "敬具", "よろしくお願いします", "此致", "谢谢", NULL
};

/* How legal disclaimers begin. */
static const char *const disclaimers[] = {
	"this e-mail and any", "this email and any", "this message and any",
	"this e-mail is confidential", "this email is confidential",
	"this message is confidential", "this message contains",
	"the information contained in this", "the information in this",
	"confidentiality notice", "confidentiality:", "disclaimer",
	"privileged/confidential", "ce message et toutes les pièces",
	"ce message et les pièces", "ce message et ses pièces",
	"ce message et tous les fichiers", "ce courriel et les pièces",
	"ce courriel est confidentiel", "ce message est confidentiel",
	"ce message électronique", "ce message electronique",
	"ce courriel et toutes", "ce courrier électronique",
	"les informations contenues dans", "avis de confidentialité",
	"avis de confidentialite", "confidentialité :", "confidentialite :",
	"please consider the environment", "think before you print",
	"pensez à l'environnement", "pensez a l'environnement",
	"merci de penser à l'environnement", "avant d'imprimer",
	"p please consider", "if you are not the intended recipient",
	"si vous n'êtes pas le destinataire", "diese e-mail enthält",
	"diese nachricht enthält", "este mensaje y sus anexos",
	"este correo electrónico", "questo messaggio e i suoi allegati",
	"dit bericht is uitsluitend", "deze e-mail is uitsluitend",
	"esta mensagem e", NULL
};

/* Words of a title in a signature block. */
static const char *const title_words[] = {
	"manager", "director", "directeur", "directrice", "responsable",
	"gérant", "gérante", "ceo", "cto", "cfo", "coo", "founder",
	"fondateur", "fondatrice", "co-founder", "assistant", "assistante",
	"engineer", "ingénieur", "ingénieure", "consultant", "consultante",
	"head of", "president", "président", "présidente", "owner",
	"coordinator", "coordinateur", "coordinatrice", "comptable",
	"accountant", "secretary", "secrétaire", "geschäftsführer",
	"leiter", "leiterin", "gerente", "director general", "direttore",
	"directeur général", "chef de", "officer", "administrator",
	"administrateur",
	"ltd", "limited", "inc",
	"llc", "gmbh", "sarl", "sas", "s.a.", "b.v.", "s.r.l.", "s.p.a.",
	"plc", NULL
};

/* Labels of a contact line. */
static const char *const contact_marks[] = {
	"www.", "http", "tél", "tel:", "tel.", "tel ", "mobile", "phone",
	"fax", "siret", "linkedin", "portable", "standard", "mob:", "mob.",
	"cell", "handy", "móvil", "movil", "cellulare", "telefon",
	"téléphone", "telephone", "tfn", "puh", "тел", NULL
};

/* A short run of words made of letters only ("Jean Dupont",
 * "J.-P. Martin"): no digit, at most four words. */
static bool
looks_like_name(const char *p, size_t n)
{
	size_t i, words = 0;
	bool in_word = false;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (rint_is_digit(c) || c == '/' || c == ':' || c == '!' ||
		    c == '?' || c == '@')
			return false;
		if (rint_is_word_byte(p, n, i)) {
			if (!in_word)
				words++;
			in_word = true;
		} else
			in_word = c == '-' || c == '\'' || c == '.' ? in_word :
			    false;
	}
	return words >= 1 && words <= 4;
}

static bool
is_closing(const char *p, size_t n)
{
	size_t i, m;

	while (n > 0 && (p[n - 1] == ',' || p[n - 1] == '.' ||
	    p[n - 1] == '!' || p[n - 1] == ' ' || p[n - 1] == ':'))
		n--;
	for (i = 0; closings[i] != NULL; i++) {
		m = strlen(closings[i]);
		if (rint_equal(p, n, closings[i]))
			return true;
		/* "Cordialement, Jean Dupont" on one line. */
		if (rint_prefix(p, n, closings[i]) && m < n && p[m] == ',' &&
		    n - m < 40 && looks_like_name(p + m + 1, n - m - 1))
			return true;
	}
	return false;
}

/* True when lines after a closing formula look like a name block: a few
 * short lines up to a blank line, a quote or the end. */
static bool
name_block_follows(const struct reply_line *v, size_t count, size_t i)
{
	size_t j, lines = 0;

	for (j = i + 1; j < count; j++) {
		if (v[j].quote)
			break;
		if (v[j].n == 0) {
			if (lines > 0)
				break;
			continue;
		}
		if (v[j].n > 80 || ++lines > 8)
			return false;
	}
	return true;
}

/* The number of words of p[0..n), and whether a comma, a semicolon or a
 * sentence end comes before its last character. */
static size_t
count_words(const char *p, size_t n, bool *inner_punct)
{
	size_t i, words = 0;
	bool in = false;

	*inner_punct = false;
	for (i = 0; i < n; i++) {
		bool blank = p[i] == ' ';

		if (!blank && !in)
			words++;
		in = !blank;
		if (i + 1 < n && (p[i] == ',' || p[i] == ';' ||
		    ((p[i] == '.' || p[i] == '!' || p[i] == '?') &&
		    p[i + 1] == ' ')))
			*inner_punct = true;
	}
	return words;
}

/* "Sent from my iPhone", "Gesendet von Outlook", "iPhoneから送信": a short
 * line, no sentence ("Sent from my desk, it is much easier" is one). */
static bool
is_device_signature(const char *p, size_t n)
{
	static const char *const devices[] = { "iphone", "ipad", "android",
		"samsung", "galaxy", "mobile", "handy", "smartphone",
		"huawei", "xiaomi", "outlook", "mail", "pixel", NULL };
	bool punct;
	size_t words;

	if (n >= 100)
		return false;
	words = count_words(p, n, &punct);
	if (punct || words > 9)
		return false;
	if (rint_in_list_prefix(p, n, device_starts))
		return true;
	if (n <= 60 && words <= 5 && rint_find_any(p, n, devices)) {
		size_t i;

		for (i = 0; device_ends[i] != NULL; i++)
			if (rint_suffix(p, n, device_ends[i]))
				return true;
	}
	return false;
}

static bool
is_sig_dashes(const char *p, size_t n)
{
	/* The line was trimmed, so "-- " shows as "--". */
	return (n == 2 && p[0] == '-' && p[1] == '-') ||
	    (n == 3 && p[0] == '-' && p[1] == '-' && p[2] == '-');
}

/* "-- ", a device line, a disclaimer, or a closing formula over its name
 * block: the lines from here on are a signature. */
bool
rint_signature_opens(const struct reply_line *v, size_t count, size_t i)
{
	const char *p = v[i].p;
	size_t n = v[i].n;

	return is_sig_dashes(p, n) || is_device_signature(p, n) ||
	    rint_in_list_prefix(p, n, disclaimers) ||
	    (is_closing(p, n) && name_block_follows(v, count, i));
}

/* True when some line before i was kept and is not blank. */
static bool
text_above(const struct reply_line *v, size_t i)
{
	while (i > 0) {
		i--;
		if (v[i].quote)
			return false;
		if (v[i].keep && v[i].n > 0)
			return true;
	}
	return false;
}

static bool is_phone_line(const char *p, size_t n);

/* True when the lines under the rule at i (up to a quote, the end or
 * fifteen lines) look like a footer: an address, a link, a phone. */
bool
rint_footer_follows(const struct reply_line *v, size_t count, size_t i)
{
	size_t j, seen = 0;

	for (j = i + 1; j < count && seen < 15 && !v[j].quote; j++) {
		if (v[j].n == 0)
			continue;
		if (rint_is_rule_line(v[j].p, v[j].n))
			break;		/* the next rule's own section */
		seen++;
		if (v[j].n <= 200 && (rint_has_char(v[j].p, v[j].n, '@') ||
		    is_phone_line(v[j].p, v[j].n) ||
		    rint_find_any(v[j].p, v[j].n, contact_marks)))
			return true;
	}
	return false;
}

/* ---- a signature without a delimiter ------------------------------- */

/* The words of the sender's name, lowercase-comparable. */
struct sender {
	const char *w[6];
	size_t wn[6];
	size_t n;
};

static void
sender_split(const char *s, size_t n, struct sender *out)
{
	size_t i = 0, st;

	out->n = 0;
	while (i < n && out->n < 6) {
		while (i < n && !rint_is_word_byte(s, n, i) &&
		    (unsigned char)s[i] < 0x80)
			i++;
		st = i;
		while (i < n && (rint_is_word_byte(s, n, i) ||
		    (unsigned char)s[i] >= 0x80 || s[i] == '\''))
			i++;
		if (i - st >= 2) {
			out->w[out->n] = s + st;
			out->wn[out->n] = i - st;
			out->n++;
		}
	}
}

/* True when word p[0..n) is word k of the sender, any case. */
static bool
sender_word_is(const struct sender *s, size_t k, const char *p, size_t n)
{
	size_t i;

	if (s->wn[k] != n)
		return false;
	for (i = 0; i < n; i++)
		if (rint_fold(p, i) != rint_fold(s->w[k], i))
			return false;
	return true;
}

static const char *const honorifics[] = { "dr", "mr", "mrs", "ms", "m",
	"mme", "mlle", "prof", "herr", "frau", "sr", "sra", "dott", "dott.ssa",
	"ing", "mag", "pan", "pani", NULL };

/* True when the line is the sender's name, part of it or initials
 * ("Claire", "Claire D.", "C. Dupont", "CD", "-- Claire"). */
static bool
is_sender_line(const struct sender *s, const char *p, size_t n)
{
	size_t i = 0, st, k, words = 0, hits = 0;
	bool initials = true;

	if (s == NULL || s->n == 0 || n > 60)
		return false;
	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '-' || p[i] == ',' ||
		    p[i] == '.' || p[i] == '~' || p[i] == '/'))
			i++;
		if (i >= n)
			break;
		st = i;
		while (i < n && p[i] != ' ' && p[i] != ',' && p[i] != '.')
			i++;
		if (rint_in_list(p + st, i - st, honorifics))
			continue;	/* "Dr. Anna Schmidt" */
		words++;
		for (k = 0; k < s->n; k++)
			if (sender_word_is(s, k, p + st, i - st) ||
			    (i - st == 1 && rint_fold(p, st) ==
			    rint_fold(s->w[k], 0)))
				break;
		if (k < s->n)
			hits++;
		else if (i - st <= s->n && i - st >= 2) {
			/* "CD", "JMD": the initials run together */
			size_t m;

			for (m = 0; m < i - st; m++)
				if (!(p[st + m] >= 'A' && p[st + m] <= 'Z') ||
				    rint_fold(p, st + m) !=
				    rint_fold(s->w[m], 0))
					initials = false;
			if (initials)
				hits++;
			else
				return false;
		} else
			return false;
	}
	return words > 0 && words <= 4 && hits == words;
}

/* True when the line opens with the sender's whole name (two words at
 * least), whatever follows. */
static bool
starts_with_sender(const struct sender *s, const char *p, size_t n)
{
	size_t k, i = 0;

	if (s == NULL || s->n < 2)
		return false;
	for (k = 0; k < s->n; k++) {
		while (i < n && p[i] == ' ')
			i++;
		if (i + s->wn[k] > n || !sender_word_is(s, k, p + i,
		    s->wn[k]))
			return false;
		i += s->wn[k];
		if (i < n && rint_is_word_byte(p, n, i))
			return false;
	}
	return true;
}

/* A postal code and a town ("75011 Paris", "10115 Berlin", "SW1A 1AA"),
 * or a street line ("12 rue de la Paix", "221B Baker Street"). */
static bool
is_address_line(const char *p, size_t n)
{
	static const char *const streets[] = { " rue ", " avenue ",
		" boulevard ", " bd ", " street", " road", " st.", " ave",
		"straße", "strasse", " weg ", " calle ", " via ", " rua ",
		" allée ", " chemin ", " place ", " impasse ", " lane",
		" ulica ", " ul. ", "gatan ", "vej ", "veien ", "cedex",
		"bp ", "po box", NULL };
	size_t i = 0, d = 0;

	while (i < n && (rint_is_digit((unsigned char)p[i]) || p[i] == '-'))
		d += rint_is_digit((unsigned char)p[i++]) ? 1 : 0;
	if (d >= 4 && d <= 6 && i < n && p[i] == ' ' && i + 1 < n &&
	    rint_is_alpha((unsigned char)p[i + 1]))
		return true;
	return n <= 60 && (d > 0 || rint_find(p, n, "cedex") != (size_t)-1 ||
	    rint_find(p, n, "po box") != (size_t)-1) &&
	    rint_find_any(p, n, streets);
}

static bool
is_phone_line(const char *p, size_t n)
{
	size_t i, digits = 0, other = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (rint_is_digit(c))
			digits++;
		else if (c != ' ' && c != '+' && c != '(' && c != ')' &&
		    c != '-' && c != '.' && c != '/')
			other++;
	}
	/* the number and its label ("Tel:"), not a sentence around it */
	return digits >= 8 && other <= 4;
}

static bool
has_title_word(const char *p, size_t n)
{
	size_t i, at;

	for (i = 0; title_words[i] != NULL; i++)
		if (rint_find_word(p, n, title_words[i], &at))
			return true;
	return false;
}

/*
 * How much line p[0..n) looks like a line of a signature block: 3 for
 * the sender's name, 2 for a phone, a web or mail address, a title or a
 * company, 1 for a postal address, 0 for a short neutral line, and -1 for
 * a line that is a sentence (its end, its length) and breaks the block.
 */
static int
signature_score(const struct sender *s, const char *p, size_t n)
{
	bool punct;
	size_t words = count_words(p, n, &punct);
	unsigned char last = (unsigned char)p[n - 1];

	if (is_sender_line(s, p, n))
		return 3;
	if (n > 80)
		return -1;
	/* "Emily Carter | emily@acme.example | +44 20 7946 0018" */
	if (starts_with_sender(s, p, n) && (rint_has_char(p, n, '@') ||
	    rint_has_char(p, n, '|') || rint_find_any(p, n, contact_marks)))
		return 3;
	if (is_phone_line(p, n) || rint_has_char(p, n, '@') ||
	    rint_find_any(p, n, contact_marks))
		return 2;
	if (last == '.' || last == '!' || last == '?' || last == ':' ||
	    words > 7)
		return -1;
	if (words <= 6 && has_title_word(p, n))
		return 2;
	if (is_address_line(p, n))
		return 1;
	return words <= 5 && !punct ? 0 : -1;
}

/* Two to four words, each capitalised, no punctuation at the end: a
 * name or a company ("Jean Dupont", "ACME Conseil"). */
static bool
is_capitalised(const char *p, size_t n)
{
	size_t i, words = 0;
	bool punct;

	if (n > 50 || !rint_is_alpha((unsigned char)p[n - 1]))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (i > 0 && p[i - 1] != ' ')
			continue;
		if (c == ' ')
			continue;
		words++;
		if (!((c >= 'A' && c <= 'Z') || (c == 0xc3 && i + 1 < n &&
		    (unsigned char)p[i + 1] < 0x9f)))
			return false;
	}
	return words >= 2 && words <= 4 && count_words(p, n, &punct) &&
	    !punct;
}

/*
 * A signature written without "-- " or a closing formula: at the bottom
 * of each answer (before a quote or the end), the run of lines that
 * score as a signature, when it scores 3 or more (the name alone, or a
 * phone and a title...) and some text of the customer's stays above.
 * Blank lines inside the run are allowed only between two of its lines.
 */
static void
drop_signature_block(struct reply_line *v, size_t count, const struct sender *s)
{
	size_t end = count, i, top, j, sig_lines;
	int total, sc, below;
	bool crossed;

	while (end > 0) {
		/* the last kept line of this answer */
		i = end;
		while (i > 0 && !v[i - 1].quote &&
		    (!v[i - 1].keep || v[i - 1].n == 0))
			i--;
		if (i == 0 || v[i - 1].quote) {
			while (i > 0 && v[i - 1].quote)
				i--;
			end = i;
			continue;
		}
		total = 0;
		top = i;
		sig_lines = 0;
		crossed = false;
		below = 0;
		for (j = i; j > 0; j--) {
			struct reply_line *l = &v[j - 1];

			if (l->quote)
				break;
			if (!l->keep)
				continue;
			if (l->n == 0) {
				crossed = true;
				continue;
			}
			sc = signature_score(s, l->p, l->n);
			if (sc < 0 || sig_lines >= 8)
				break;
			total += sc;
			sig_lines++;
			/* A neutral line above the block ("Thanks,") is not
			 * part of it, unless it reads as a name or a company
			 * in the block's paragraph, right above a contact line
			 * ("Jean Dupont" over "ACME SAS"); above the sender's
			 * own name it is the customer's ("Thank You"). */
			if (sc > 0 || (!crossed && below > 0 && below < 3 &&
			    is_capitalised(l->p, l->n)))
				top = j - 1;
			if (sc > 0) {
				crossed = false;
				below = sc;
			}
		}
		if (total >= 3 && text_above(v, top))
			for (j = top; j < i; j++)
				v[j].keep = false;
		/* the answer above this one */
		while (j > 0 && !v[j - 1].quote)
			j--;
		while (j > 0 && v[j - 1].quote)
			j--;
		end = j;
	}
}

/* The sender's name split into words, then the block dropped. */
void
rint_signature_drop_block(struct reply_line *v, size_t count,
    const char *sender, size_t sender_len)
{
	struct sender s;

	sender_split(sender != NULL ? sender : "", sender != NULL ?
	    sender_len : 0, &s);
	drop_signature_block(v, count, &s);
}
