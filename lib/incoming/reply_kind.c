/*
 * reply_kind.c - what else than a response a reply may be (see
 * reply_int.h, and reply.h for reply_text_is_unsubscribe): a bounce, an
 * auto-reply, or a request to stop receiving surveys.
 *
 * Headers speak first, since mail systems and auto-responders mark what
 * they send (a delivery report, Auto-Submitted, Precedence, a null
 * Return-Path); the subject and the text come after, for the senders
 * that mark nothing. Words are matched whole where a shorter word could
 * hide in a longer one ("ooo" is not inside "Cooool").
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "mail/address.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"
#include "mail/mime.h"

/* ---- bounces ------------------------------------------------------- */

static bool
value_is(const char *v, size_t n, const char *word)
{
	while (n > 0 && rint_is_blank((unsigned char)v[n - 1]))
		n--;
	return rint_equal(v, n, word);
}

/* reply_bounce_reason - see reply_int.h. Bounces: a delivery report, a
 * null Return-Path (without the marks of an auto-reply, which may also
 * use one), a mail from the mail system. */
const char *
reply_bounce_reason(const struct reply_analysis *a, bool looks_auto)
{
	const char *v;
	size_t n;
	struct buf rt = BUF_INIT;
	char *from;

	if (strcmp(a->root->type, "multipart") == 0 &&
	    strcmp(a->root->subtype, "report") == 0 &&
	    reply_header_get(a, "Content-Type", &v, &n) &&
	    mime_param_get(v, n, "report-type", &rt)) {
		bool dsn = rint_equal(rt.data, rt.len, "delivery-status");

		buf_free(&rt);
		if (dsn)
			return "bounce: delivery-status report";
	}
	buf_free(&rt);
	if (reply_header_get(a, "From", &v, &n) &&
	    (from = address_first(v, n))) {
		size_t fl = strlen(from);
		bool daemon = rint_prefix(from, fl, "mailer-daemon@") ||
		    rint_prefix(from, fl, "postmaster@") ||
		    rint_prefix(from, fl, "mail-daemon@");

		free(from);
		if (daemon)
			return "bounce: from the mail system";
	}
	if (!looks_auto && reply_header_get(a, "Return-Path", &v, &n) &&
	    value_is(v, n, "<>"))
		return "bounce: null Return-Path";
	return NULL;
}

/* ---- auto-replies -------------------------------------------------- */

static const char *const auto_subjects[] = {
	"automatic reply", "réponse automatique", "reponse automatique",
	"absence du bureau", "out of office", "out of the office",
	"abwesenheitsnotiz", "autoreply", "auto-reply", "auto reply",
	"automatische antwort", "risposta automatica", "respuesta automática",
	"fuera de la oficina", "message d'absence", "message d’absence",
	"autosvar", "absent du bureau",
	"accusé de réception automatique", "auto-response",
	"automatic response", "réponse automatique d'absence",
	"away from the office", "away from office",
	"abwesend", "außer haus", "ausser haus", "nicht im büro",
	"respuesta automatica", "ausente", "fuera de la oficina",
	"fuori sede", "fuori ufficio", "assente", "automatisch antwoord",
	"afwezig", "afwezigheid", "niet op kantoor", "out-of-office",
	"resposta automática", "resposta automatica", "fora do escritório",
	"fora do escritorio", NULL
};

/* Texts that say they were sent by a machine: enough alone. */
static const char *const auto_texts[] = {
	"this is an automatic reply", "this is an automated response",
	"this is an automated reply", "this is an automatic response",
	"ceci est une réponse automatique", "ceci est un message automatique",
	"ceci est un accusé de réception automatique",
	"dies ist eine automatische antwort",
	"esta es una respuesta automática",
	"questa è una risposta automatica",
	"dit is een automatisch antwoord",
	"diese nachricht wurde automatisch", "este es un mensaje automático",
	"questo è un messaggio automatico", "dit is een automatisch bericht",
	"esta é uma resposta automática", "esta é uma mensagem automática",
	"esta mensagem é automática", NULL
};

/* Texts that say the writer is away, for auto-replies that carry none of
 * the headers (some webmails, ticketing systems): a customer may write
 * them too ("I am out of the office, but here is my answer: 9"). */
static const char *const away_texts[] = {
	"je suis absent du bureau", "je suis absente du bureau",
	"je suis actuellement absent", "je suis actuellement absente",
	"je serai absent du bureau", "je serai absente du bureau",
	"i am out of the office", "i'm out of the office",
	"i am currently out of the office", "i am currently out of office",
	"i will be out of the office", "ich bin nicht im büro",
	"ich bin abwesend", "estoy fuera de la oficina",
	"sono fuori ufficio", "ik ben afwezig",
	"ich bin derzeit nicht im büro", "ich bin zurzeit nicht im büro",
	"me encuentro fuera de la oficina", "sono assente", "sarò assente",
	"ik ben niet op kantoor", "ik ben momenteel afwezig",
	"estou ausente", "estou fora do escritório", NULL
};

/* What an absence notice says besides: when, or whom to ask. */
static const char *const away_details[] = {
	"until", "back on", "return on", "returning on", "will be back",
	"limited access", "urgent", "in my absence", "colleague",
	"jusqu'au", "jusqu’au", "de retour", "retour le", "urgence",
	"pendant mon absence", "collègue", "accès limité", "bis zum",
	"zurück", "wieder da", "wieder erreichbar", "dringend", "hasta el",
	"fino al", "tot en met", "tot ", "terug op", "até ao",
	"até o", "até dia", NULL
};

/* Short tags auto-responders put first in the subject ("Auto: ...",
 * "[OOO] ..."): anywhere else they are ordinary words ("l'auto: ..."). */
static const char *const auto_subject_starts[] = {
	"auto:", "ooo", "[ooo]", "(ooo)", "autoreply:", "auto-reply:",
	"auto reply:", NULL
};

static bool
subject_looks_auto(const char *s, size_t n)
{
	size_t i;

	while (n > 0 && rint_is_blank((unsigned char)*s))
		s++, n--;
	for (i = 0; auto_subject_starts[i] != NULL; i++) {
		size_t m = strlen(auto_subject_starts[i]);

		if (rint_prefix(s, n, auto_subject_starts[i]) &&
		    (m == n || !rint_is_word_byte(s, n, m)))
			return true;
	}

	for (i = 0; auto_subjects[i] != NULL; i++) {
		size_t at = rint_find(s, n, auto_subjects[i]), m;

		if (at == (size_t)-1)
			continue;
		m = strlen(auto_subjects[i]);
		/* whole words: "ooo" is not inside "Cooool" */
		if (at > 0 && rint_is_word_byte(s, n, at - 1))
			continue;
		if (at + m < n && rint_is_word_byte(s, n, at + m) &&
		    auto_subjects[i][m - 1] != ':')
			continue;
		return true;
	}
	return false;
}

/* reply_auto_reason - see reply_int.h. */
const char *
reply_auto_reason(const struct reply_analysis *a)
{
	const char *v;
	size_t n;

	if (reply_header_get(a, "Auto-Submitted", &v, &n) &&
	    !rint_prefix(v, n, "no"))
		return "auto-reply: Auto-Submitted";
	if (reply_header_get(a, "X-Autoreply", &v, &n))
		return "auto-reply: X-Autoreply";
	if (reply_header_get(a, "X-Autorespond", &v, &n))
		return "auto-reply: X-Autorespond";
	if (reply_header_get(a, "X-Autoresponder", &v, &n))
		return "auto-reply: X-Autoresponder";
	if (reply_header_get(a, "Precedence", &v, &n) &&
	    (value_is(v, n, "auto_reply") || value_is(v, n, "bulk") ||
	    value_is(v, n, "junk") || value_is(v, n, "list")))
		return "auto-reply: Precedence";
	/* read receipts and the like */
	if (strcmp(a->root->type, "multipart") == 0 &&
	    strcmp(a->root->subtype, "report") == 0)
		return "auto-reply: report";
	if (reply_header_get(a, "X-Auto-Response-Suppress", &v, &n) &&
	    subject_looks_auto(buf_cstr(&a->subject), a->subject.len))
		return "auto-reply: X-Auto-Response-Suppress";
	if (subject_looks_auto(buf_cstr(&a->subject), a->subject.len))
		return "auto-reply: subject";
	if (reply_header_get(a, "X-MS-Exchange-Inbox-Rules-Loop", &v, &n) ||
	    reply_header_get(a, "X-Mailer-Autoreply", &v, &n))
		return "auto-reply: mailbox rule";
	return NULL;
}

/* reply_text_is_auto - see reply_int.h. */
bool
reply_text_is_auto(const char *s, size_t n)
{
	if (rint_find_any(s, n, auto_texts))
		return true;
	return rint_find_any(s, n, away_texts) &&
	    rint_find_any(s, n, away_details);
}

/* ---- unsubscribes -------------------------------------------------- */

/* reply_subject_core - see reply_int.h. */
void
reply_subject_core(const char *s, size_t n, const char **cp, size_t *cn)
{
	static const char *const pre[] = { "re", "réf", "ref", "tr", "fw",
		"fwd", "aw", "wg", "sv", "antw", "rép", "rep", NULL };
	size_t i, j;
	bool again = true;

	while (again) {
		again = false;
		while (n > 0 && rint_is_blank((unsigned char)*s))
			s++, n--;
		for (i = 0; pre[i] != NULL; i++) {
			if (!rint_prefix(s, n, pre[i]))
				continue;
			j = strlen(pre[i]);
			while (j < n && s[j] == ' ')
				j++;
			if (j < n && s[j] == ':') {
				s += j + 1;
				n -= j + 1;
				again = true;
				break;
			}
		}
	}
	while (n > 0 && rint_is_blank((unsigned char)s[n - 1]))
		n--;
	*cp = s;
	*cn = n;
}

static const char *const unsubscribe_words[] = {
	"unsubscribe", "désinscri", "desinscri", "désabonne", "desabonne",
	"désabonnement", "ne plus recevoir", "plus recevoir",
	"ne plus être sollicité", "ne plus etre sollicite", "remove me",
	"opt out", "opt-out", "retirez-moi", "retirer de votre liste",
	"stop sending", "no more surveys", "plus de questionnaires",
	"plus d'enquêtes", "plus de sondages", "plus d'enquetes",
	"take me off", "abmelden", "austragen", "keine umfragen mehr",
	"darme de baja", "darse de baja", "no más encuestas",
	"disiscrivermi", "cancellatemi", "niente più sondaggi",
	"afmelden", "uitschrijven", "geen enquêtes meer",
	"descadastrar", "cancelar inscrição", "não quero mais receber",
	NULL
};

/* Words before the request that deny it ("do not unsubscribe me",
 * "ne me désinscrivez pas"). */
static bool
negated_before(const char *s, size_t at)
{
	static const char *const nots[] = { "not ", "don't ", "don’t ",
		"dont ", "never ", "no need to ", "ne me ", "ne pas ",
		"pas besoin de ", "nicht ", NULL };
	size_t from = at > 16 ? at - 16 : 0, i, k;

	/* within the request's own sentence */
	for (k = at; k > from; k--)
		if (s[k - 1] == '.' || s[k - 1] == '!' || s[k - 1] == '?' ||
		    s[k - 1] == ';' || s[k - 1] == '\n') {
			from = k;
			break;
		}

	for (i = 0; nots[i] != NULL; i++) {
		size_t k = rint_find(s + from, at - from, nots[i]);

		if (k != (size_t)-1)
			return true;
	}
	return false;
}

/* The first request of the list in s[0..n) that is not denied. */
static bool
asks_unsubscribe(const char *s, size_t n)
{
	size_t i, at;

	for (i = 0; unsubscribe_words[i] != NULL; i++) {
		at = rint_find(s, n, unsubscribe_words[i]);
		if (at == (size_t)-1)
			continue;
		if (!negated_before(s, at))
			return true;
	}
	return false;
}

/*
 * reply_text_is_unsubscribe - see reply.h. "STOP" alone (or nearly), or
 * one of the requests above in a short text: a long comment that happens
 * to say "unsubscribe" is still a comment.
 */
bool
reply_text_is_unsubscribe(const char *s, size_t n)
{
	size_t i, words = 0;
	bool in_word = false, stop = false;

	for (i = 0; i < n && words <= 40; i++) {
		bool wb = rint_is_word_byte(s, n, i);

		if (wb && !in_word) {
			words++;
			if (rint_prefix(s + i, n - i, "stop") &&
			    (i + 4 >= n || !rint_is_word_byte(s, n, i + 4)))
				stop = true;
		}
		in_word = wb;
	}
	if (words == 0)
		return false;
	if (stop && words <= 3)
		return true;
	if (words > 40)
		return false;
	return asks_unsubscribe(s, n);
}
