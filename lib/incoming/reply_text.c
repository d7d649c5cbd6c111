/*
 * reply_text.c - the customer's own text in a reply body; see reply.h
 * (reply_text_own).
 *
 * The body is read line by line. Quoted lines (">") and attributions
 * ("On ... wrote:", "Le ... a écrit :") are dropped; what follows a quote
 * is kept, so bottom-posted and inline answers count. Separators after
 * which a client puts the whole previous message unquoted (Outlook's
 * "-----Original Message-----" or "De : ... Envoyé : ... À : ..." block,
 * an attribution not followed by ">" lines) end the text. A signature
 * (the "-- " line, "Sent from my iPhone", a closing formula with its name
 * block, a legal disclaimer) is dropped up to the next quote.
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"

struct line {
	const char *p;		/* trimmed */
	size_t n;
	bool quote;
	bool keep;
};

/* Lines of a separator after which the old message follows, unquoted. */
static const char *const separator_words[] = {
	"original message", "message d'origine", "message original",
	"mail original", "forwarded message", "message transféré",
	"message transfere", "ursprüngliche nachricht", "message initial",
	"weitergeleitete nachricht", "mensaje original",
	"mensaje reenviado", "messaggio originale", "messaggio inoltrato",
	"oorspronkelijk bericht", "doorgestuurd bericht",
	"mensagem original", "mensagem encaminhada", NULL
};

static const char *const forward_intros[] = {
	"begin forwarded message", "début du message réexpédié",
	"debut du message reexpedie", "début du message transféré", NULL
};

/* Header names of an Outlook header block (a From line, then these). */
static const char *const from_keys[] = {
	"from", "de", "von", "expéditeur", "envoyé par", "da", "van",
	"remitente", "mittente", "afzender", "remetente", NULL
};
static const char *const header_keys[] = {
	"sent", "envoyé", "date", "to", "à", "subject", "objet", "cc",
	"gesendet", "an", "betreff", "reply-to", "répondre à", "enviado",
	"enviada", "para", "asunto", "fecha", "inviato", "oggetto",
	"verzonden", "aan", "onderwerp", "datum", "assunto", "data", NULL
};

/* Lines a mobile client adds under what the person wrote. */
static const char *const device_signatures[] = {
	"sent from ", "envoyé de ", "envoyé depuis ", "envoyé à partir de ",
	"envoye de ", "envoye depuis ", "get outlook for ",
	"obtenir outlook pour ", "télécharger outlook pour ",
	"download outlook for ", "sent with ", "envoyé avec ",
	"sent via ", "envoyé via ", "von meinem ", "sent using ",
	"gesendet von ", "enviado desde mi ", "enviado desde ",
	"inviato da ", "inviato dal mio ", "verzonden vanaf ",
	"verstuurd vanaf ", "enviado do meu ", "enviado de meu ", NULL
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
	"mit freundlichen grüßen", "freundliche grüße",
	"mit freundlichen grüssen", "freundliche grüsse", "viele grüße",
	"beste grüße", "liebe grüße", "saludos", "un saludo",
	"saludos cordiales", "atentamente", "cordiali saluti",
	"distinti saluti", "saluti", "met vriendelijke groet",
	"met vriendelijke groeten", "vriendelijke groet", "groeten",
	"cumprimentos", "abraços", "com os melhores cumprimentos", NULL
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
	"si vous n'êtes pas le destinataire", NULL
};

/* Copies text with line ends made LF, no-break and thin spaces made
 * spaces, tabs made spaces, zero-width characters and BOMs removed. */
static void
normalise(const char *s, size_t n, struct buf *out)
{
	size_t i, run;

	buf_reserve(out, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Plain ASCII runs go in one copy. */
		for (run = i; run < n && (unsigned char)s[run] >= 0x20 &&
		    (unsigned char)s[run] < 0x80; run++)
			;
		if (run > i) {
			buf_append(out, s + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			buf_putc(out, '\n');
		} else if (c == '\t' || c == '\f' || c == '\v' || c == 0) {
			buf_putc(out, ' ');
		} else if (c == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xa0) {
			buf_putc(out, ' ');
			i++;
		} else if (c == 0xe2 && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xaf ||
		    (unsigned char)s[i + 2] == 0x89 ||
		    (unsigned char)s[i + 2] == 0x8a)) {
			buf_putc(out, ' ');	/* narrow, thin, hair space */
			i += 2;
		} else if (c == 0xe2 && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x8b ||
		    (unsigned char)s[i + 2] == 0x8c ||
		    (unsigned char)s[i + 2] == 0x8d)) {
			i += 2;		/* zero-width space and joiners */
		} else if (c == 0xef && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0xbb &&
		    (unsigned char)s[i + 2] == 0xbf) {
			i += 2;
		} else {
			buf_putc(out, c);
		}
	}
}

static size_t
split_lines(const char *s, size_t n, struct line **out)
{
	size_t count = 1, i, k = 0, start = 0;
	struct line *v;

	for (i = 0; i < n; i++)
		if (s[i] == '\n')
			count++;
	v = xcalloc(count, sizeof(*v));
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n')
			continue;
		const char *p = s + start;
		size_t len = i - start;

		while (len > 0 && (*p == ' '))
			p++, len--;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		v[k].p = p;
		v[k].n = len;
		v[k].quote = len > 0 && p[0] == '>';
		v[k].keep = false;
		k++;
		start = i + 1;
	}
	*out = v;
	return k;
}

/* Strips a Markdown-like bold marker Gmail and Outlook write in their
 * plain text ("*From:* Support"). */
static void
unbold(const char **p, size_t *n)
{
	if (*n > 0 && **p == '*') {
		(*p)++;
		(*n)--;
	}
}

/* True when the line is "KEY:" or "KEY :" followed by anything, for one of
 * keys. */
static bool
is_header_line(const char *p, size_t n, const char *const *keys)
{
	size_t i, m;

	unbold(&p, &n);
	for (i = 0; keys[i] != NULL; i++) {
		m = strlen(keys[i]);
		if (!rint_prefix(p, n, keys[i]))
			continue;
		while (m < n && (p[m] == ' ' || p[m] == '*'))
			m++;
		if (m < n && p[m] == ':')
			return true;
	}
	return false;
}

/* An Outlook-style block: a From line, then within the next lines the
 * other header names. */
static bool
is_header_block(struct line *v, size_t count, size_t i)
{
	size_t j, seen = 0;

	if (!is_header_line(v[i].p, v[i].n, from_keys))
		return false;
	for (j = i + 1; j < count && j <= i + 6; j++) {
		if (v[j].n == 0)
			continue;
		if (is_header_line(v[j].p, v[j].n, header_keys))
			seen++;
		else
			break;
	}
	return seen >= 2;
}

static bool
is_underscore_line(const char *p, size_t n)
{
	size_t i;

	if (n < 10)
		return false;
	for (i = 0; i < n; i++)
		if (p[i] != '_')
			return false;
	return true;
}

static bool
is_separator(const char *p, size_t n)
{
	if (n >= 2 && ((p[0] == '-' && p[1] == '-') ||
	    (p[0] == '=' && p[1] == '=')) &&
	    rint_find_any(p, n, separator_words))
		return true;
	return rint_in_list_prefix(p, n, forward_intros);
}

static bool
ends_like_attribution(const char *p, size_t n)
{
	static const char *const ends[] = {
		"wrote:", "wrote :", "a écrit :", "a écrit:", "a ecrit :",
		"a ecrit:", "écrit :", "écrit:", "schrieb:", "escribió:",
		"ha scritto:", "skrev:", "napisał:", "wrote", "schreef:",
		"escreveu:", "escribio:", "ha escrito:", NULL
	};
	size_t i;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '*'))
		n--;
	for (i = 0; ends[i] != NULL; i++)
		if (rint_suffix(p, n, ends[i])) {
			/* "wrote" without a colon only closes "On ...". */
			return i != 13 || rint_prefix(p, n, "on ");
		}
	return false;
}

static bool
starts_like_attribution(const char *p, size_t n)
{
	unbold(&p, &n);
	return rint_prefix(p, n, "on ") || rint_prefix(p, n, "le ") ||
	    rint_prefix(p, n, "am ") || rint_prefix(p, n, "el ") ||
	    rint_prefix(p, n, "op ") || rint_prefix(p, n, "il ");
}

static bool
has_char(const char *p, size_t n, char c)
{
	return memchr(p, c, n) != NULL;
}

/* Recognises an attribution ending on line i; returns the index of its
 * first line, or (size_t)-1. It may be wrapped over up to three lines
 * ("Le lun. 23 nov. 2026, Support <s@x> a" / "écrit :"). */
static size_t
attribution_start(struct line *v, size_t i)
{
	size_t j, k, len;
	bool at;

	if (v[i].quote || v[i].n == 0 || !ends_like_attribution(v[i].p, v[i].n))
		return (size_t)-1;
	for (k = 0; k < 3 && k <= i; k++) {
		j = i - k;
		if (v[j].n == 0 || v[j].quote)
			break;
		if (starts_like_attribution(v[j].p, v[j].n))
			break;
	}
	if (k == 3 || k > i || v[i - k].n == 0 || v[i - k].quote) {
		/* No "On"/"Le" start: the line alone, if it names an
		 * address ("support@example.com a écrit :"). */
		return has_char(v[i].p, v[i].n, '@') ? i : (size_t)-1;
	}
	j = i - k;
	/* A whole paragraph ending in "wrote:" is not an attribution. */
	len = 0;
	at = false;
	for (k = j; k <= i; k++) {
		len += v[k].n;
		at = at || has_char(v[k].p, v[k].n, '@') ||
		    has_char(v[k].p, v[k].n, ',');
	}
	if (len > 300)
		return (size_t)-1;
	if (!at && j == i && v[i].n > 120)
		return (size_t)-1;
	return j;
}

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
name_block_follows(struct line *v, size_t count, size_t i)
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
		if (v[j].n > 80)
			return false;
		lines++;
	}
	return lines <= 8;
}

static bool
is_device_signature(const char *p, size_t n)
{
	return n < 100 && rint_in_list_prefix(p, n, device_signatures);
}

static bool
is_sig_dashes(const char *p, size_t n)
{
	/* The line was trimmed, so "-- " shows as "--". */
	return (n == 2 && p[0] == '-' && p[1] == '-') ||
	    (n == 3 && p[0] == '-' && p[1] == '-' && p[2] == '-');
}

/* Marks each line kept or dropped; see the file comment. */
static void
classify(struct line *v, size_t count, const char *const *prefill)
{
	size_t i, j, a;
	bool in_sig = false;

	for (i = 0; i < count; i++) {
		const char *p = v[i].p;
		size_t n = v[i].n;

		if (v[i].quote) {
			in_sig = false;
			continue;
		}
		if ((a = attribution_start(v, i)) != (size_t)-1) {
			for (j = a; j < i; j++)
				v[j].keep = false;
			/* An attribution not followed by ">" lines introduces
			 * the old message pasted as it was (Yahoo, Outlook
			 * mobile): the end of the customer's text. */
			for (j = i + 1; j < count && v[j].n == 0; j++)
				;
			if (j < count && !v[j].quote)
				return;
			in_sig = false;
			continue;
		}
		if (n == 0) {
			v[i].keep = !in_sig;
			continue;
		}
		if (is_separator(p, n))
			return;
		if (is_underscore_line(p, n)) {
			for (j = i + 1; j < count && v[j].n == 0; j++)
				;
			if (j == count || is_header_block(v, count, j) ||
			    is_header_line(v[j].p, v[j].n, from_keys))
				return;
			continue;
		}
		if (is_header_block(v, count, i))
			return;
		if (is_sig_dashes(p, n) || is_device_signature(p, n) ||
		    rint_in_list_prefix(p, n, disclaimers)) {
			in_sig = true;
			continue;
		}
		if (is_closing(p, n) && name_block_follows(v, count, i)) {
			in_sig = true;
			continue;
		}
		if (rint_is_prefill(p, n, prefill))
			continue;
		v[i].keep = !in_sig;
	}
}

/* A line of a contact block: a phone number (eight digits or more), a
 * web or mail address, or a label such as "Tél" or "Mobile". */
static bool
is_contact_line(const char *p, size_t n)
{
	static const char *const marks[] = { "www.", "http", "tél", "tel:",
		"tel.", "tel ", "mobile", "phone", "fax", "siret", "linkedin",
		"portable", "standard", NULL };
	size_t i, digits = 0;

	if (memchr(p, '@', n) != NULL)
		return true;
	for (i = 0; i < n; i++)
		if (rint_is_digit((unsigned char)p[i]))
			digits++;
	if (digits >= 8)
		return true;
	return rint_find_any(p, n, marks);
}

/* A signature written without "-- " or a closing formula: the last
 * paragraph before a quote (or the end), after some text of the
 * customer's, made of short lines without sentence ends, one of which
 * gives a phone number, a web or mail address. Dropped. */
static void
drop_contact_block(struct line *v, size_t count)
{
	size_t i = 0, start, end, next, j;
	bool text_before = false;

	while (i < count) {
		if (!v[i].keep || v[i].n == 0) {
			i++;
			continue;
		}
		start = i;
		while (i < count && v[i].keep && v[i].n > 0)
			i++;
		end = i;
		/* the last paragraph before a quote or the end? */
		for (next = end; next < count && !v[next].quote &&
		    (!v[next].keep || v[next].n == 0); next++)
			;
		if ((next == count || v[next].quote) && text_before &&
		    end - start >= 2) {
			bool contact = false, shape = true;

			for (j = start; j < end && shape; j++) {
				unsigned char last = (unsigned char)
				    v[j].p[v[j].n - 1];

				if (v[j].n > 60 || last == '.' || last == '!' ||
				    last == '?')
					shape = false;
				contact = contact ||
				    is_contact_line(v[j].p, v[j].n);
			}
			if (shape && contact)
				for (j = start; j < end; j++)
					v[j].keep = false;
		}
		text_before = true;
		if (next < count && v[next].quote)
			text_before = false;	/* a new answer below */
	}
}

/*
 * reply_text_own - see reply.h. Appends only kept lines, trimmed, with
 * runs of blank lines made one and no blank line at either end.
 */
void
reply_text_own(const char *text, size_t len, const char *const *prefill,
    struct buf *out)
{
	struct buf norm = BUF_INIT;
	struct line *v;
	size_t count, i;
	bool pending_blank = false, any = false;

	normalise(text, len, &norm);
	count = split_lines(buf_cstr(&norm), norm.len, &v);
	classify(v, count, prefill);
	drop_contact_block(v, count);
	for (i = 0; i < count; i++) {
		if (!v[i].keep)
			continue;
		if (v[i].n == 0) {
			pending_blank = any;
			continue;
		}
		if (any)
			buf_puts(out, pending_blank ? "\n\n" : "\n");
		buf_append(out, v[i].p, v[i].n);
		any = true;
		pending_blank = false;
	}
	free(v);
	buf_free(&norm);
}
