/*
 * reply_separator.c - the lines that open the old message under a reply
 * without quoting it; see reply_int.h (rint_is_separator,
 * rint_is_rule_line, rint_is_header_block, rint_is_from_line).
 *
 * A client that does not quote pastes the old message under a separator
 * ("-----Original Message-----", "--- Mensaje original ---"), a rule of
 * "_" or "=" (Outlook), a block of header lines ("De :", "Envoyé le :",
 * "Von:", "件名:"), or, forwarding it, under "Begin forwarded message".
 * reply_text.c ends the customer's text at the first of them. The tables
 * hold the words of the languages our customers' clients write in (en,
 * fr, de, es, it, nl, pt, pl, sv, da, no, fi, cs, ru, tr, ja, zh, vi); a
 * pattern is recognised whatever the client. Every function reads only
 * the line (or lines) it is given and keeps within their lengths.
 */
#include <stdbool.h>
#include <string.h>

#include "incoming/reply_int.h"

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

/* The line a client writes above a message it forwards. */
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

	rint_unbold(&p, &n);
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
bool
rint_is_header_block(const struct reply_line *v, size_t count, size_t i,
    bool after_rule)
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
bool
rint_is_rule_line(const char *p, size_t n)
{
	size_t i;

	if (n < 10 || (p[0] != '_' && p[0] != '='))
		return false;
	for (i = 0; i < n; i++)
		if (p[i] != p[0])
			return false;
	return true;
}

/* A separator line ("-----Original Message-----") or the first line of a
 * forwarded message ("Begin forwarded message:"). */
bool
rint_is_separator(const char *p, size_t n)
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

/* A header line that names the old message's writer ("From:", "De :",
 * "Von:"): under a rule, it opens the old message. */
bool
rint_is_from_line(const char *p, size_t n)
{
	return header_kind(p, n) == H_FROM;
}
