/*
 * reply_text.c - the customer's own text in a reply body; see reply.h
 * (reply_text_own, reply_text_own_from).
 *
 * The body is read line by line and each line is given a class: text,
 * blank, quoted (">"), attribution ("On ... wrote:", "Am ... schrieb
 * ...:", "2017-11-24 16:32 GMT+01:00 Name <a@b>:"), separator ("-----
 * Original Message-----", a rule of "_" or "=") or header line ("De :",
 * "Envoyé le :", "Von:", "件名:"). The cut follows the pattern, not the
 * client: quoted lines go, and what follows a quote is kept, so
 * bottom-posted and inline answers count; an attribution not followed by
 * quoted lines, a separator or a block of header lines ends the text,
 * since the client pasted the old message under it as it was. The tables
 * below hold the words of the languages our customers' clients write in
 * (en, fr, de, es, it, nl, pt, pl, sv, da, no, fi, cs, ru, tr, ja, zh,
 * vi); a pattern is recognised whatever the client.
 *
 * Signatures go too: the "-- " block, a device line ("Sent from my
 * iPhone", "Gesendet von", "iPhoneから送信"), a closing formula with its
 * name block, a legal disclaimer, a footer under a rule, and, at the
 * bottom of an answer, a short block that scores as a signature: the
 * sender's name (from From:) or initials, a title, phones, web and mail
 * addresses, a postal code, and no sentence.
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

/* Words of a separator line after which the old message follows,
 * unquoted ("-----Original Message-----", "--- Mensaje original ---"). */
static const char *const separator_words[] = {
	"original message", "message d'origine", "message original",
	"mail original", "forwarded message", "message transféré",
	"message transfere", "ursprüngliche nachricht",
	"ursprungliche nachricht", "weitergeleitete nachricht",
	"message initial", "oorspronkelijk bericht",
	"doorgestuurd bericht", "mensaje original", "mensaje reenviado",
	"messaggio originale", "messaggio inoltrato", "mensagem original",
	"mensagem encaminhada", "wiadomość oryginalna",
	"oryginalna wiadomość", "originalmeddelande",
	"vidarebefordrat meddelande", "oprindelig meddelelse",
	"videresendt meddelelse", "opprinnelig melding",
	"videresendt melding", "alkuperäinen viesti",
	"välitetty viesti", "původní zpráva", "přeposlaná zpráva",
	"исходное сообщение", "пересылаемое сообщение",
	"оригинальное сообщение", "orijinal mesaj", "özgün ileti",
	"iletilen ileti", "原始邮件", "原始郵件", "转发的邮件",
	"元のメッセージ", "転送されたメッセージ", "thư gốc",
	"tin nhắn gốc", "thư được chuyển tiếp", NULL
};

static const char *const forward_intros[] = {
	"begin forwarded message", "début du message réexpédié",
	"debut du message reexpedie", "début du message transféré",
	"anfang der weitergeleiteten", "inicio del mensaje reenviado",
	"inizio messaggio inoltrato", "início da mensagem reencaminhada",
	"begin doorgestuurd bericht", NULL
};

/* The kinds of header line in a block a client writes above the old
 * message ("From:", "Sent:", "To:", "Subject:"). */
enum hkind { H_NONE, H_FROM, H_DATE, H_TO, H_SUBJECT, H_CC };

struct hkey {
	const char *key;	/* lowercase, Latin-1 capitals fold */
	enum hkind kind;
};

/* Longer keys first where one starts another ("envoyé le", "envoyé"). */
static const struct hkey header_keys[] = {
	{ "from", H_FROM }, { "de", H_FROM }, { "von", H_FROM },
	{ "remitente", H_FROM }, { "mittente", H_FROM },
	{ "afzender", H_FROM }, { "remetente", H_FROM },
	{ "van", H_FROM }, { "da", H_FROM }, { "od", H_FROM },
	{ "från", H_FROM }, { "fra", H_FROM }, { "lähettäjä", H_FROM },
	{ "от", H_FROM }, { "От", H_FROM }, { "kimden", H_FROM },
	{ "odesílatel", H_FROM }, { "发件人", H_FROM }, { "寄件者", H_FROM },
	{ "寄件人", H_FROM }, { "差出人", H_FROM }, { "từ", H_FROM },
	{ "Từ", H_FROM }, { "expéditeur", H_FROM }, { "envoyé par", H_FROM },
	{ "message du", H_DATE }, { "envoyé le", H_DATE },
	{ "envoyé", H_DATE }, { "envoye le", H_DATE }, { "envoye", H_DATE },
	{ "sent", H_DATE }, { "date", H_DATE }, { "datum", H_DATE },
	{ "gesendet", H_DATE }, { "verzonden", H_DATE },
	{ "enviado el", H_DATE }, { "enviado", H_DATE },
	{ "enviada", H_DATE }, { "fecha", H_DATE }, { "inviato", H_DATE },
	{ "data", H_DATE }, { "wysłano", H_DATE }, { "wysłane", H_DATE },
	{ "skickat", H_DATE }, { "sendt", H_DATE }, { "dato", H_DATE },
	{ "lähetetty", H_DATE }, { "päivämäärä", H_DATE },
	{ "odesláno", H_DATE }, { "отправлено", H_DATE },
	{ "Отправлено", H_DATE }, { "дата", H_DATE }, { "Дата", H_DATE },
	{ "tarih", H_DATE }, { "gönderildi", H_DATE },
	{ "gönderilme tarihi", H_DATE }, { "发送时间", H_DATE },
	{ "日期", H_DATE }, { "送信日時", H_DATE }, { "日時", H_DATE },
	{ "đã gửi", H_DATE }, { "Đã gửi", H_DATE }, { "ngày", H_DATE },
	{ "Ngày", H_DATE }, { "to", H_TO }, { "à", H_TO }, { "a", H_TO },
	{ "an", H_TO }, { "aan", H_TO }, { "para", H_TO }, { "do", H_TO },
	{ "till", H_TO }, { "til", H_TO }, { "vastaanottaja", H_TO },
	{ "кому", H_TO }, { "Кому", H_TO }, { "kime", H_TO },
	{ "komu", H_TO }, { "收件人", H_TO }, { "收件者", H_TO },
	{ "宛先", H_TO }, { "đến", H_TO }, { "Đến", H_TO },
	{ "destinataire", H_TO }, { "pour", H_TO },
	{ "subject", H_SUBJECT }, { "objet", H_SUBJECT },
	{ "sujet", H_SUBJECT }, { "betreff", H_SUBJECT },
	{ "onderwerp", H_SUBJECT }, { "asunto", H_SUBJECT },
	{ "assunto", H_SUBJECT }, { "oggetto", H_SUBJECT },
	{ "temat", H_SUBJECT }, { "ämne", H_SUBJECT }, { "emne", H_SUBJECT },
	{ "aihe", H_SUBJECT }, { "тема", H_SUBJECT }, { "Тема", H_SUBJECT },
	{ "konu", H_SUBJECT }, { "předmět", H_SUBJECT },
	{ "主题", H_SUBJECT }, { "主旨", H_SUBJECT }, { "件名", H_SUBJECT },
	{ "chủ đề", H_SUBJECT }, { "Chủ đề", H_SUBJECT },
	{ "cc", H_CC }, { "copie à", H_CC }, { "copie", H_CC },
	{ "kopie", H_CC }, { "kopia", H_CC }, { "копия", H_CC },
	{ "Копия", H_CC }, { "抄送", H_CC }, { "副本", H_CC },
	{ "reply-to", H_CC }, { "répondre à", H_CC },
	{ NULL, H_NONE }
};

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

/* The length of a colon at s[i..n), ASCII or full-width, or 0. */
static size_t
colon_at(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == ':')
		return 1;
	if (rint_starts_symbol(s, n, i, "\xef\xbc\x9a"))
		return 3;
	return 0;
}

/* The kind of a header line ("KEY:" or "KEY :" followed by anything),
 * H_NONE for any other line. */
static enum hkind
header_kind(const char *p, size_t n)
{
	size_t i, m;

	unbold(&p, &n);
	if (n < 2 || n > 400)
		return H_NONE;
	/* every key is short: no colon near the start, no header line */
	m = n < 32 ? n : 32;
	if (memchr(p, ':', m) == NULL && memchr(p, 0xbc, m) == NULL)
		return H_NONE;
	for (i = 0; header_keys[i].key != NULL; i++) {
		if (!rint_prefix(p, n, header_keys[i].key))
			continue;
		m = strlen(header_keys[i].key);
		while (m < n && (p[m] == ' ' || p[m] == '*'))
			m++;
		if (colon_at(p, n, m) > 0)
			return header_keys[i].kind;
	}
	return H_NONE;
}

/* A line that continues the header line above it: an address or a name
 * wrapped onto the next line ("<support@example.com>"). */
static bool
is_header_continuation(const char *p, size_t n)
{
	return n > 0 && n <= 100 && header_kind(p, n) == H_NONE &&
	    (memchr(p, '@', n) != NULL || p[0] == '<' || p[n - 1] == '>' ||
	    p[n - 1] == ';' || p[n - 1] == ']');
}

/* A block of header lines from line i: a From or a date line first,
 * then within a few lines at least three kinds of header (two after a
 * rule or a separator: after_rule). A wrapped value may take one more
 * line. */
static bool
is_header_block(struct line *v, size_t count, size_t i, bool after_rule)
{
	size_t j, lines = 0;
	unsigned kinds = 0, nk = 0;
	enum hkind k = header_kind(v[i].p, v[i].n);
	bool may_wrap = false;

	if (v[i].quote || (k != H_FROM && k != H_DATE))
		return false;
	for (j = i; j < count && lines < 10; j++) {
		if (v[j].quote)
			break;
		if (v[j].n == 0) {
			if (kinds != 0 && j + 1 < count && v[j + 1].n == 0)
				break;
			continue;
		}
		k = header_kind(v[j].p, v[j].n);
		if (k == H_NONE) {
			if (may_wrap &&
			    is_header_continuation(v[j].p, v[j].n)) {
				may_wrap = false;
				continue;
			}
			break;
		}
		may_wrap = true;
		lines++;
		if (!(kinds & (1u << k))) {
			kinds |= 1u << k;
			nk++;
		}
	}
	return nk >= 3 || (after_rule && nk >= 2);
}

/* A rule of at least ten "_" or "=" (Outlook's separator, a webmail's,
 * a mailing list's footer). */
static bool
is_rule_line(const char *p, size_t n)
{
	size_t i;

	if (n < 10 || (p[0] != '_' && p[0] != '='))
		return false;
	for (i = 0; i < n; i++)
		if (p[i] != p[0])
			return false;
	return true;
}

static bool
is_separator(const char *p, size_t n)
{
	/* "-----Original Message-----", "——— Mensaje original ———" */
	if (n >= 2 && n <= 120 && ((p[0] == '-' && p[1] == '-') ||
	    (p[0] == '=' && p[1] == '=') || (p[0] == '_' && p[1] == '_') ||
	    (p[0] == '*' && p[1] == '*') ||
	    rint_starts_symbol(p, n, 0, "\xe2\x80\x94") ||
	    rint_starts_symbol(p, n, 0, "\xe2\x80\x93")) &&
	    rint_find_any(p, n, separator_words))
		return true;
	return rint_in_list_prefix(p, n, forward_intros);
}

static bool
has_char(const char *p, size_t n, char c)
{
	return memchr(p, c, n) != NULL;
}

static bool
has_digit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rint_is_digit((unsigned char)p[i]))
			return true;
	return false;
}

/* True when pattern pat occurs in p[0..n) as a word: no Latin letter
 * glued to it on either side. *at gets its offset. */
static bool
find_word(const char *p, size_t n, const char *pat, size_t *at)
{
	size_t from = 0, m = strlen(pat), k;

	while (from < n) {
		k = rint_find(p + from, n - from, pat);
		if (k == (size_t)-1)
			return false;
		k += from;
		if ((k == 0 || !rint_is_alpha((unsigned char)p[k - 1])) &&
		    (k + m >= n || !rint_is_alpha((unsigned char)p[k + m]))) {
			*at = k;
			return true;
		}
		from = k + 1;
	}
	return false;
}

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
	unbold(&p, &n);
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
	unbold(&p, &n);
	c = attribution_core(p, n, &colon, &dashes);
	if (c == 0)
		return false;
	for (i = 0; attribution_verbs[i] != NULL; i++) {
		m = strlen(attribution_verbs[i]);
		if (rint_suffix(p, c, attribution_verbs[i]) &&
		    (c == m || !rint_is_alpha((unsigned char)p[c - m - 1])))
			verb_end = true;
		else if ((colon || dashes) &&
		    find_word(p, c, attribution_verbs[i], &at))
			verb_in = true;
	}
	addr = has_char(p, c, '@');
	digit = has_digit(p, c);
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
joined_len(const struct line *v, size_t j, size_t i)
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
static size_t
attribution_inside(const char *p, size_t n)
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
		    (has_char(p + k, n - k, '@') || has_digit(p + k, n - k)))
			return k - 1;
	}
	return 0;
}

/* True when the first line after i that is not blank is quoted. */
static bool
next_is_quote(const struct line *v, size_t count, size_t i)
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
static size_t
attribution_start(const struct line *v, size_t count, size_t i)
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
			    (has_char(joined.data, joined.len, '@') ||
			    next_is_quote(v, count, i));
			buf_free(&joined);
			if (ok)
				return j;
		}
	}
	/* Words of the customer's before it: see attribution_inside. */
	if (attribution_inside(v[i].p, v[i].n) > 0)
		return (size_t)-1;
	if (starts_like_attribution(v[i].p, v[i].n))
		return reads_as_attribution(v[i].p, v[i].n, true) ? i :
		    (size_t)-1;
	if (v[i].n <= 200 && reads_as_attribution(v[i].p, v[i].n, false) &&
	    (has_char(v[i].p, v[i].n, '@') || has_digit(v[i].p, v[i].n) ||
	    v[i].p[0] == '-' || next_is_quote(v, count, i)))
		return i;
	return (size_t)-1;
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

/* The first line from i on that is not blank, or count. */
static size_t
next_nonblank(const struct line *v, size_t count, size_t i)
{
	while (i < count && v[i].n == 0)
		i++;
	return i;
}

/* True when some line before i was kept and is not blank. */
static bool
text_above(const struct line *v, size_t i)
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
static bool
footer_follows(const struct line *v, size_t count, size_t i)
{
	size_t j, seen = 0;

	for (j = i + 1; j < count && seen < 15 && !v[j].quote; j++) {
		if (v[j].n == 0)
			continue;
		if (is_rule_line(v[j].p, v[j].n))
			break;		/* the next rule's own section */
		seen++;
		if (v[j].n <= 200 && (has_char(v[j].p, v[j].n, '@') ||
		    is_phone_line(v[j].p, v[j].n) ||
		    rint_find_any(v[j].p, v[j].n, contact_marks)))
			return true;
	}
	return false;
}

/* Marks each line kept or dropped; see the file comment. */
static void
classify(struct line *v, size_t count, const char *const *prefill)
{
	size_t i, j, a, cut;
	bool in_sig = false, text_seen = false;

	for (i = 0; i < count; i++) {
		const char *p = v[i].p;
		size_t n = v[i].n;

		if (v[i].quote) {
			in_sig = false;
			text_seen = false;
			continue;
		}
		if (i > 0 && v[i - 1].keep && v[i - 1].n > 0)
			text_seen = true;
		a = attribution_start(v, count, i);
		if (a == (size_t)-1 && (cut = attribution_inside(p, n)) > 0) {
			/* the customer's words, then the attribution */
			v[i].n = cut;
			v[i].keep = !in_sig;
			a = i;
		}
		if (a != (size_t)-1) {
			for (j = a; j < i; j++)
				v[j].keep = false;
			/* An attribution not followed by ">" lines introduces
			 * the old message pasted as it was (Yahoo, Outlook
			 * mobile): the end of the customer's text. */
			j = next_nonblank(v, count, i + 1);
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
		if (is_rule_line(p, n)) {
			j = next_nonblank(v, count, i + 1);
			if (j == count || is_header_block(v, count, j, true) ||
			    header_kind(v[j].p, v[j].n) == H_FROM)
				return;
			/* a list's or a company's footer; else a rule the
			 * customer drew between their own lines */
			if (text_seen && footer_follows(v, count, i))
				in_sig = true;
			continue;
		}
		if (is_header_block(v, count, i, false))
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
		if (find_word(p, n, title_words[i], &at))
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
	if (starts_with_sender(s, p, n) && (has_char(p, n, '@') ||
	    has_char(p, n, '|') || rint_find_any(p, n, contact_marks)))
		return 3;
	if (is_phone_line(p, n) || has_char(p, n, '@') ||
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
drop_signature_block(struct line *v, size_t count, const struct sender *s)
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
			struct line *l = &v[j - 1];

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

/*
 * reply_text_own_from - see reply.h. Appends only kept lines, trimmed,
 * with runs of blank lines made one and no blank line at either end.
 */
void
reply_text_own_from(const char *text, size_t len, const char *const *prefill,
    const char *sender, size_t sender_len, struct buf *out)
{
	struct buf norm = BUF_INIT;
	struct line *v;
	struct sender s;
	size_t count, i;
	bool pending_blank = false, any = false;

	normalise(text, len, &norm);
	count = split_lines(buf_cstr(&norm), norm.len, &v);
	classify(v, count, prefill);
	sender_split(sender != NULL ? sender : "", sender != NULL ?
	    sender_len : 0, &s);
	drop_signature_block(v, count, &s);
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

/* reply_text_own - see reply.h: no sender's name known. */
void
reply_text_own(const char *text, size_t len, const char *const *prefill,
    struct buf *out)
{
	reply_text_own_from(text, len, prefill, NULL, 0, out);
}
