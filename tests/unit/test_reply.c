/*
 * test_reply.c - the pieces of the reply analysis: own text, score,
 * comment, HTML to text, language, unsubscribe, and whole messages
 * through reply_analyze with the test key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/buf.h"
#include "conf/config.h"
#include "incoming/reply.h"
#include "mail/address.h"
#include "mail/html.h"
#include "survey/token.h"

/* ---- helpers ------------------------------------------------------- */

static char *
own_text(const char *in)
{
	struct buf b = BUF_INIT;

	reply_text_own(in, strlen(in), NULL, &b);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b);
}

static int
score_of(const char *in, enum survey_type type)
{
	struct reply_score sc;

	return reply_score_find(in, strlen(in), type, &sc);
}

static char *
comment_of(const char *in, int score)
{
	struct buf b = BUF_INIT;

	reply_comment_make(in, strlen(in), score, SURVEY_NPS, NULL, &b);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b);
}

static char *
html_text(const char *in)
{
	struct buf b = BUF_INIT;
	struct npserr err;

	assert_int_equal(html_to_text(in, strlen(in), NULL, &b, &err), 0);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b);
}

#define assert_own(in, want) do { \
	char *got_ = own_text(in); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

#define assert_comment(in, score, want) do { \
	char *got_ = comment_of(in, score); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

#define assert_html(in, want) do { \
	char *got_ = html_text(in); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

/* ---- own text ------------------------------------------------------ */

static void
test_own_drops_gmail_quote_and_attribution(void **state)
{
	(void)state;
	assert_own("9\n\nMerci beaucoup.\n\nLe mar. 21 oct. 2025 à 15:55, "
	    "Service <nps+x@reply.example> a écrit :\n\n> Bonjour,\n> 0 - 10\n",
	    "9\n\nMerci beaucoup.");
}

static void
test_own_joins_attribution_wrapped_over_two_lines(void **state)
{
	(void)state;
	assert_own("8\n\nOn Mon, Nov 23, 2026 at 10:12 AM Support <\n"
	    "support@example.com> wrote:\n> hello\n", "8");
	assert_own("8\n\nLe lun. 23 nov. 2026, 10:12, Support <s@x.fr> a\n"
	    "écrit :\n> bonjour\n", "8");
}

static void
test_own_keeps_bottom_posted_and_inline_answers(void **state)
{
	(void)state;
	assert_own("On Mon, Support wrote:\n> How likely...?\n> 0 - 10\n\n"
	    "9, great job\n\n> Thanks\n\nSee you", "9, great job\n\nSee you");
}

static void
test_own_cuts_outlook_header_block_without_quotes(void **state)
{
	(void)state;
	assert_own("10\r\n\r\nDe : Support <s@x.fr>\r\nEnvoyé : lundi 23 "
	    "novembre 2026 10:00\r\nÀ : Jean\r\nObjet : Votre avis\r\n\r\n"
	    "Note 3 sur 10 ?\r\n", "10");
	assert_own("7 thanks\n________________________________\nFrom: "
	    "Support\nSent: Monday\nTo: Jean\nSubject: x\n\n5 stars",
	    "7 thanks");
	assert_own("6\n\n-----Original Message-----\nFrom: a\n2 3 4", "6");
}

static void
test_own_drops_signatures_and_device_lines(void **state)
{
	(void)state;
	assert_own("9 super\n\n-- \nJean Dupont\n06 12 34 56 78\n", "9 super");
	assert_own("10\n\nEnvoyé de mon iPhone", "10");
	assert_own("8\nGet Outlook for Android", "8");
	assert_own("Très bien, 9.\n\nCordialement,\nJean Dupont\n"
	    "Directeur\n", "Très bien, 9.");
}

static void
test_own_drops_contact_block_without_dashes(void **state)
{
	(void)state;
	assert_own("9\n\nJean Dupont\nACME SAS\n12 rue de la Paix, 75002 "
	    "Paris\nTél : 01 23 45 67 89\nwww.acme.fr", "9");
	assert_own("Bonjour,\n\nRappelez-moi au 06 12 34 56 78.\nMerci",
	    "Bonjour,\n\nRappelez-moi au 06 12 34 56 78.\nMerci");
}

static void
test_own_keeps_greetings_and_thanks(void **state)
{
	(void)state;
	assert_own("Bonjour,\n\n9\n\nMerci !\n", "Bonjour,\n\n9\n\nMerci !");
}

static void
test_own_drops_yahoo_unquoted_old_message(void **state)
{
	(void)state;
	assert_own("10\n\nOn Monday, November 23, 2026, 10:00:00 AM GMT+1, "
	    "Support <s@x.com> wrote:\n\n\nHow likely are you to recommend "
	    "us, 0 to 10?\n", "10");
}

static void
test_own_drops_disclaimer(void **state)
{
	(void)state;
	assert_own("7\n\nCe message et toutes les pièces jointes sont "
	    "confidentiels.\nSi vous n'êtes pas...\n", "7");
}

static void
test_own_drops_unchanged_prefilled_body(void **state)
{
	(void)state;
	assert_own("Votre commentaire (facultatif) :\n\n", "");
}

static char *
own_text_from(const char *in, const char *sender)
{
	struct buf b = BUF_INIT;

	reply_text_own_from(in, strlen(in), NULL, sender, strlen(sender), &b);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b);
}

#define assert_own_from(in, sender, want) do { \
	char *got_ = own_text_from(in, sender); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

static void
test_own_cuts_header_blocks_of_every_client(void **state)
{
	(void)state;
	/* Outlook.com in French */
	assert_own("9 merci\n\nDe : Support <s@x.fr>\nEnvoyé le : jeudi 15 "
	    "décembre 2016 09:35\nÀ : Claire <c@x.fr>\nObjet : Votre avis\n"
	    "\nNote de 0 à 10 ?\n", "9 merci");
	/* Hotmail: the date first */
	assert_own("8\n\nDate: Thu, 15 Dec 2016 09:35:00 +0100\nFrom: "
	    "s@x.com\nTo: c@x.com\nSubject: How did we do?\n\n0 - 10\n", "8");
	/* a From line wrapped onto two lines */
	assert_own("7\n\nFrom: Northwind Outfitters Customer Support Team\n"
	    "<support@northwind.example>\nSent: Monday, 3 March 2025 10:00\n"
	    "To: Emily\nSubject: Re: 5\n", "7");
	/* a French webmail's block after a rule of "=" */
	assert_own("10\n\n========================================\nMessage "
	    "du : 12/12/2016 13:20\nDe : \"Support\" <s@x.fr>\nA : c@x.fr\n"
	    "Objet : Votre avis\n\n1 - 2 - 3\n", "10");
	assert_own("6\n\nVon: Support <s@x.de>\nGesendet: Donnerstag, 15. "
	    "Dezember 2016 09:35\nAn: Claire\nBetreff: 8\n", "6");
	assert_own("9\n\nОт: Support <s@x.ru>\nОтправлено: 15 декабря 2016 "
	    "г. 9:35\nКому: c@x.ru\nТема: 8\n", "9");
	assert_own("10\n\n差出人: Support <s@x.jp>\n送信日時: 2016年12月15日 "
	    "9:35\n宛先: c@x.jp\n件名: 8\n", "10");
	assert_own("8\n\nDe: Support <s@x.es>\nEnviado el: jueves, 15 de "
	    "diciembre de 2016 9:35\nPara: c@x.es\nAsunto: 3\n", "8");
}

static void
test_own_cuts_attributions_of_every_form(void **state)
{
	(void)state;
	assert_own("9\n\n2017-11-24 16:32 GMT+01:00 Support <s@x.com>:\n\n"
	    "> 0 - 10\n", "9");
	assert_own("9\n\n---- On Wed, 24 Feb 2021 10:00:00 +0100 Support "
	    "<s@x.com> wrote ----\n\n0 - 10\n", "9");
	assert_own("9\n\n---- John Smith wrote ----\n\n0 - 10\n", "9");
	assert_own("9\n\nOn Wed, 24 Feb 2021, Support <s@x.com> sent:\n"
	    "> 3\n", "9");
	assert_own("8\n\nAm 24.02.2021 um 10:00 schrieb Support <s@x.de>:\n"
	    "> 3\n", "8");
	assert_own("8\n\nOp wo 24 feb. 2021 om 10:00 schreef Support "
	    "<s@x.nl>:\n\n3\n", "8");
	assert_own("8\n\nDnia 24.02.2021 o 10:00 Support <s@x.pl> "
	    "napisał(a):\n> 3\n", "8");
	assert_own("8\n\n24 февр. 2021 г., в 10:00, пользователь Support "
	    "<s@x.ru> написал:\n> 3\n", "8");
	assert_own("7\n\nDen ons 24 feb. 2021 kl 10:00 skrev Support "
	    "<s@x.se>:\n> 3\n", "7");
	assert_own("7\n\nti 24.2.2021 klo 10.00 Support (s@x.fi) "
	    "kirjoitti:\n> 3\n", "7");
	assert_own("7\n\nEm qua., 24 de fev. de 2021 às 10:00, Support "
	    "<s@x.br> escreveu:\n> 3\n", "7");
	assert_own("7\n\nEl mié., 24 feb. 2021 a las 10:00, Support "
	    "(<s@x.es>) escribió:\n> 3\n", "7");
	assert_own("7\n\nIl giorno mer 24 feb 2021 alle ore 10:00 Support "
	    "<s@x.it> ha scritto:\n> 3\n", "7");
	assert_own("6\n\nVào Th 4, 24 thg 6, 2021 vào lúc 10:00 Support "
	    "<s@x.vn> đã viết:\n> 3\n", "6");
	assert_own("6\n\n在 2021年2月24日 10:00，Support <s@x.cn> 写道：\n"
	    "> 3\n", "6");
	assert_own("6\n\n24 Şub 2021 Çar, saat 10:00 tarihinde Support "
	    "<s@x.tr> şunu yazdı:\n> 3\n", "6");
	assert_own("Thanks! On Wed, 24 Feb 2021 at 10:00, Support "
	    "<s@x.com> wrote:\n> 3\n", "Thanks!");
	/* "X wrote:" alone above the customer's own words is theirs */
	assert_own("6\nYour agent wrote:\n\n\"we will call you back\"\n"
	    "Nobody did.", "6\nYour agent wrote:\n\n\"we will call you "
	    "back\"\nNobody did.");
	assert_own("6\nJohn Smith wrote:\n> 0 - 10\n", "6");
	/* an answer between quotes stays */
	assert_own("Am 24.02.2021 um 10:00 schrieb Support <s@x.de>:\n"
	    "> Wie wahrscheinlich ...?\n\n9\n\n> Danke\n", "9");
}

static void
test_own_drops_signatures_without_delimiter(void **state)
{
	(void)state;
	assert_own_from("Great service, thanks.\n\nEmily", "Emily Carter",
	    "Great service, thanks.");
	assert_own_from("Great service, thanks.\nE. Carter\nOperations "
	    "Manager\n+44 20 7946 0018\nwww.acme-logistics.example",
	    "Emily Carter", "Great service, thanks.");
	assert_own_from("Très bien.\n\nCD", "Claire Dupont", "Très bien.");
	assert_own_from("9\n\nEmily Carter | emily@acme.example | +44 20 "
	    "7946 0018\n", "Emily Carter", "9");
	assert_own_from("9\n\nDr. Anna Schmidt\nOberärztin\nKlinikum Nord\n"
	    "Tel. +49 40 1234567\n", "Anna Schmidt", "9");
	/* a name written by someone else is the customer's words */
	assert_own_from("Merci à Julien\n", "Claire Dupont",
	    "Merci à Julien");
	/* the only line stays */
	assert_own_from("Claire", "Claire Dupont", "Claire");
	/* thanks above the name, a request with a phone: the customer's */
	assert_own_from("9\n\nThank You\nEmily", "Emily Carter",
	    "9\n\nThank You");
	assert_own_from("9\nPlease call me back: 07700 900123\nEmily",
	    "Emily Carter", "9\nPlease call me back: 07700 900123");
	assert_own("9\n\nGesendet von Outlook für Android", "9");
	assert_own("9\n\nEnviado desde mi iPhone", "9");
	assert_own("9\n\nInviato da iPhone", "9");
	assert_own("9\n\nVerzonden vanaf mijn iPad", "9");
	assert_own("9\n\nWysłane z iPhone'a", "9");
	assert_own("9\n\nSkickat från min iPhone", "9");
	assert_own("9\n\niPhoneから送信", "9");
	assert_own("Sent from my desk, it is much easier to type here.",
	    "Sent from my desk, it is much easier to type here.");
	/* a list's footer under a rule */
	assert_own("8, fine\n\n_______________________________________________"
	    "\nSupport-list mailing list\nlist@x.example\n"
	    "https://lists.x.example/listinfo\n", "8, fine");
	/* a rule drawn between the customer's own lines */
	assert_own("9\n==========\nGreat job", "9\nGreat job");
}

/* ---- scores -------------------------------------------------------- */

static void
test_score_explicit_form_outweighs_other_numbers(void **state)
{
	(void)state;
	assert_int_equal(score_of("9/10 - we booked a 3 or 4 course dinner "
	    "and it was perfect", SURVEY_NPS), 9);
	assert_int_equal(score_of("Note : 9\nJ'ai appelé 2 ou 3 fois",
	    SURVEY_NPS), 9);
	assert_int_equal(score_of("Bewertung: 8, es gab 2 oder 3 Anrufe",
	    SURVEY_NPS), 8);
	/* two explicit values: for a person */
	assert_int_equal(score_of("9/10 or maybe 8/10", SURVEY_NPS), -1);
}

static void
test_score_never_reads_list_labels_or_dates(void **state)
{
	(void)state;
	assert_int_equal(score_of("1. the delivery was late\n2. the box was "
	    "damaged", SURVEY_NPS), -1);
	assert_int_equal(score_of("1) late\n2) damaged\n\n7", SURVEY_NPS), 7);
	assert_int_equal(score_of("One: late\nTwo: damaged", SURVEY_NPS), -1);
	assert_int_equal(score_of("Vào Th 4, 24 tháng 6 năm 2021", SURVEY_NPS),
	    -1);
	assert_int_equal(score_of("2021年6月24日", SURVEY_NPS), -1);
	assert_int_equal(score_of("Ich war am 6. Juni dort", SURVEY_NPS), -1);
	assert_int_equal(score_of("El 6 de junio", SURVEY_NPS), -1);
	assert_int_equal(score_of("9. Great service", SURVEY_NPS), 9);
}

static void
test_score_reads_the_usual_forms(void **state)
{
	(void)state;
	assert_int_equal(score_of("9", SURVEY_NPS), 9);
	assert_int_equal(score_of("10/10", SURVEY_NPS), 10);
	assert_int_equal(score_of("8 / 10", SURVEY_NPS), 8);
	assert_int_equal(score_of("9 sur 10", SURVEY_NPS), 9);
	assert_int_equal(score_of("note : 6", SURVEY_NPS), 6);
	assert_int_equal(score_of("Je dirais 7 car c'était long",
	    SURVEY_NPS), 7);
	assert_int_equal(score_of("I'd give you an 8", SURVEY_NPS), 8);
	assert_int_equal(score_of("8 - livraison un peu lente", SURVEY_NPS), 8);
	assert_int_equal(score_of("7 out of 10", SURVEY_NPS), 7);
	assert_int_equal(score_of("C'est un 8 pour moi", SURVEY_NPS), 8);
	assert_int_equal(score_of("Très bien, 9 merci", SURVEY_NPS), 9);
	assert_int_equal(score_of("10 merci pour tout", SURVEY_NPS), 10);
}

static void
test_score_reads_number_words_and_keycaps(void **state)
{
	(void)state;
	assert_int_equal(score_of("neuf", SURVEY_NPS), 9);
	assert_int_equal(score_of("Dix !", SURVEY_NPS), 10);
	assert_int_equal(score_of("zéro", SURVEY_NPS), 0);
	assert_int_equal(score_of("seven", SURVEY_NPS), 7);
	assert_int_equal(score_of("9\xef\xb8\x8f\xe2\x83\xa3", SURVEY_NPS), 9);
	assert_int_equal(score_of("\xf0\x9f\x94\x9f merci", SURVEY_NPS), 10);
	assert_int_equal(score_of("huit sur dix", SURVEY_NPS), 8);
}

static void
test_score_refuses_numbers_that_are_not_scores(void **state)
{
	(void)state;
	assert_int_equal(score_of("commande n° 12 reçue", SURVEY_NPS), -1);
	assert_int_equal(score_of("ticket #7 toujours ouvert", SURVEY_NPS),
	    -1);
	assert_int_equal(score_of("livré le 3/11 à 14h30", SURVEY_NPS), -1);
	assert_int_equal(score_of("Appelez-moi au 06 12 34 56 78",
	    SURVEY_NPS), -1);
	assert_int_equal(score_of("remboursé 9 €", SURVEY_NPS), -1);
	assert_int_equal(score_of("it cost $9", SURVEY_NPS), -1);
	assert_int_equal(score_of("75011 Paris", SURVEY_NPS), -1);
	assert_int_equal(score_of("attendu 3 jours", SURVEY_NPS), -1);
	assert_int_equal(score_of("I called 2 times", SURVEY_NPS), -1);
	assert_int_equal(score_of("8,5", SURVEY_NPS), -1);
	assert_int_equal(score_of("depuis 2019", SURVEY_NPS), -1);
	assert_int_equal(score_of("le 5 novembre", SURVEY_NPS), -1);
	assert_int_equal(score_of("10:30", SURVEY_NPS), -1);
	assert_int_equal(score_of("Sur une échelle de 0 à 10, bof",
	    SURVEY_NPS), -1);
	assert_int_equal(score_of("Tél : +33 (0)1 23 45 67 89", SURVEY_NPS),
	    -1);
	assert_int_equal(score_of("3 x 2 cartons", SURVEY_NPS), -1);
	assert_int_equal(score_of("version 2.3", SURVEY_NPS), -1);
	assert_int_equal(score_of("1er étage", SURVEY_NPS), -1);
	assert_int_equal(score_of("Nous sommes 3 à utiliser le service",
	    SURVEY_NPS), -1);
}

static void
test_score_is_ambiguous_for_ranges_and_alternatives(void **state)
{
	struct reply_score sc;
	const char *in[] = { "7-8", "entre 7 et 8", "5 or 6", "8 ou 9",
		"between 6 and 7", "10, maybe 9", NULL };
	size_t i;

	(void)state;
	for (i = 0; in[i] != NULL; i++) {
		assert_int_equal(reply_score_find(in[i], strlen(in[i]),
		    SURVEY_NPS, &sc), -1);
		assert_true(sc.ambiguous);
	}
	reply_score_find("7 or 8", 6, SURVEY_NPS, &sc);
	assert_string_equal(sc.why, "ambiguous: 7 or 8");
}

static void
test_score_respects_the_type_range(void **state)
{
	(void)state;
	assert_int_equal(score_of("9", SURVEY_CSAT), -1);
	assert_int_equal(score_of("4/5", SURVEY_CSAT), 4);
	assert_int_equal(score_of("0", SURVEY_CSAT), -1);
	assert_int_equal(score_of("10/10", SURVEY_CSAT), -1);
	assert_int_equal(score_of("6", SURVEY_CES), 6);
	assert_int_equal(score_of("8", SURVEY_CES), -1);
	assert_int_equal(score_of("4/5", SURVEY_NPS), -1);
}

static void
test_score_from_prefilled_subject(void **state)
{
	const char *s = "Re: Note : 9/10";

	(void)state;
	assert_int_equal(reply_score_from_subject(s, strlen(s), SURVEY_NPS,
	    NULL), 9);
	s = "RE: Score: 10/10";
	assert_int_equal(reply_score_from_subject(s, strlen(s), SURVEY_NPS,
	    NULL), 10);
	s = "Note : 4/5";
	assert_int_equal(reply_score_from_subject(s, strlen(s), SURVEY_CSAT,
	    NULL), 4);
	assert_int_equal(reply_score_from_subject(s, strlen(s), SURVEY_NPS,
	    NULL), -1);
	s = "Re: Votre demande n° 52667";
	assert_int_equal(reply_score_from_subject(s, strlen(s), SURVEY_NPS,
	    NULL), -1);
	s = "Avis : 7/10";
	assert_int_equal(reply_score_from_subject(s, strlen(s), SURVEY_NPS,
	    "Avis"), 7);
}

/* ---- comments ------------------------------------------------------ */

static void
test_comment_drops_leading_score_expression(void **state)
{
	(void)state;
	assert_comment("9 - quick and friendly", 9, "quick and friendly");
	assert_comment("10, Megan sorted it.", 10, "Megan sorted it.");
	assert_comment("Note : 9/10\nTrès bien", 9, "Très bien");
	assert_comment("9/10", 9, "");
	assert_comment("Bonjour,\n\n8\n\nMerci", 8, "Bonjour,\n\n\n\nMerci");
}

static void
test_comment_keeps_score_inside_a_sentence(void **state)
{
	(void)state;
	assert_comment("Je dirais 7 car la livraison a pris une semaine.", 7,
	    "Je dirais 7 car la livraison a pris une semaine.");
	assert_comment("Sept, parce que le conseiller m'a mal orienté.", 7,
	    "Sept, parce que le conseiller m'a mal orienté.");
	assert_comment("Hello,\nNine. Daniel rebooked.", 9,
	    "Hello,\nNine. Daniel rebooked.");
}

/* ---- HTML ---------------------------------------------------------- */

static void
test_html_drops_gmail_quote_and_keeps_blocks(void **state)
{
	(void)state;
	assert_html("<div dir=\"ltr\"><div>9</div><div><br></div><div>Merci"
	    "&nbsp;beaucoup.</div></div><br><div class=\"gmail_quote\">Le "
	    "... a écrit :<blockquote>0 1 2</blockquote></div>",
	    "9\n\nMerci beaucoup.\n\n>\n");
}

static void
test_html_marks_apple_quote_so_bottom_answer_stays(void **state)
{
	char *text;
	struct buf own = BUF_INIT;

	(void)state;
	text = html_text("<div>Le 23 nov. 2026 à 10:00, Support &lt;s@x.fr&gt; "
	    "a écrit :</div><blockquote type=\"cite\"><div>Note ?</div>"
	    "</blockquote><div>9, parfait</div>");
	assert_string_equal(text, "Le 23 nov. 2026 à 10:00, Support <s@x.fr> "
	    "a écrit :\n>\n9, parfait\n");
	reply_text_own(text, strlen(text), NULL, &own);
	assert_string_equal(own.data, "9, parfait");
	buf_free(&own);
	free(text);
}

static void
test_html_stops_at_outlook_reply_header(void **state)
{
	(void)state;
	assert_html("<html><head><style>p{}</style></head><body><p>10</p>"
	    "<div style=\"border:none;border-top:solid #E1E1E1 1.0pt\"><p>"
	    "<b>From:</b> x</p></div><p>old 3</p></body></html>", "10\n");
	assert_html("<div>8 ok</div><hr><div id=\"divRplyFwdMsg\">From: x"
	    "</div><div>old 2</div>",
	    "8 ok\n________________________________\n");
}

static void
test_html_keeps_emoji_images_alt(void **state)
{
	(void)state;
	assert_html("<div><img alt=\"\xf0\x9f\x94\x9f\" src=\"x.png\"> top"
	    "</div><img alt=\"Logo ACME\">", "\xf0\x9f\x94\x9f top\n");
}

/* ---- language, unsubscribe ----------------------------------------- */

static void
test_lang_guess_tells_french_from_english(void **state)
{
	const char *fr = "Très bien, merci pour la livraison rapide";
	const char *en = "Great service, thank you for the fast delivery";

	(void)state;
	assert_string_equal(reply_lang_guess(fr, strlen(fr)), "fr");
	assert_string_equal(reply_lang_guess(en, strlen(en)), "en");
	assert_null(reply_lang_guess("9", 1));
}

static void
test_unsubscribe_needs_a_short_request(void **state)
{
	const char *long_text = "Le service était bien mais la livraison "
	    "a pris du temps, et le colis était abîmé; le conseiller a été "
	    "patient, il a tout résolu en deux appels. Je ne veux pas me "
	    "désinscrire, je voulais juste le dire, merci encore à toute "
	    "l'équipe pour le suivi et la patience dont elle a fait preuve "
	    "avec moi pendant ces semaines";

	(void)state;
	assert_true(reply_text_is_unsubscribe("STOP", 4));
	assert_true(reply_text_is_unsubscribe("Stop merci", 10));
	assert_true(reply_text_is_unsubscribe("unsubscribe", 11));
	assert_false(reply_text_is_unsubscribe("do not unsubscribe me", 21));
	assert_true(reply_text_is_unsubscribe("Not happy. Unsubscribe me.",
	    26));
	assert_true(reply_text_is_unsubscribe("Merci de me désinscrire",
	    strlen("Merci de me désinscrire")));
	assert_false(reply_text_is_unsubscribe(long_text, strlen(long_text)));
	assert_false(reply_text_is_unsubscribe("9, super", 8));
}

/* ---- whole messages ------------------------------------------------ */

struct fixture {
	struct config *cf;
	struct keyring *ring;
	char token[TOKEN_LEN + 1];
	struct token tok;
	time_t now;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->cf = config_defaults();
	f->ring = keyring_new_test();
	f->now = time(NULL);
	if (token_issue(f->ring, SURVEY_NPS, f->now, &f->tok, f->token,
	    sizeof(f->token)) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	keyring_free(f->ring);
	config_free(f->cf);
	free(f);
	return 0;
}

/* What an admin may have made of texts.ini mailto.body, in both
 * languages (widget_mailto_bodies' form: real line breaks, {fields}). */
static const char *const custom_prefill[] = {
	"Votre avis : {score}/{max}\n\nMerci de nous laisser un mot ici, "
	"{prefix} vous lira.\n\n",
	"Rating given: {score} out of {max}\nAnything to add? Write it "
	"below.\n",
	NULL
};

/* Their subject prefixes (mailto.prefix). */
static const char *const custom_prefixes[] = { "Avis", "Rating", NULL };

static void
analyze_within(struct fixture *f, const char *const *prefill,
    const char *const *prefixes, const struct reply_budget *budget,
    const char *fmt, struct reply_result *res)
{
	struct buf msg = BUF_INIT;
	struct reply_ctx ctx = { f->cf, f->ring, NULL, f->now, prefill,
	    prefixes, budget };
	struct npserr err;
	const char *p;

	/* "%T" in fmt stands for the token */
	for (p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'T') {
			buf_puts(&msg, f->token);
			p++;
		} else
			buf_putc(&msg, *p);
	}
	assert_int_equal(reply_analyze(&ctx, msg.data, msg.len, res, &err), 0);
	buf_free(&msg);
}

static void
analyze_with(struct fixture *f, const char *const *prefill,
    const char *const *prefixes, const char *fmt, struct reply_result *res)
{
	analyze_within(f, prefill, prefixes, NULL, fmt, res);
}

static void
analyze(struct fixture *f, const char *fmt, struct reply_result *res)
{
	analyze_with(f, NULL, NULL, fmt, res);
}

/* The pre-filled body as the admin wrote it is not a comment; what the
 * customer adds is, and a line that only resembles it stays. */
static void
test_analyze_drops_the_templates_own_prefill(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	static const char *const mail[] = {
		"From: c@example.org\nTo: nps+%T@reply.example\n"
		"Subject: Avis : 8/10\n\n"
		"Votre avis : 8/10\n\n"
		"Merci de nous laisser un mot ici, le service client vous "
		"lira.\n\n",
		"From: c@example.org\nTo: nps+%T@reply.example\n"
		"Subject: Avis : 8/10\n\n"
		"Votre avis :  8/10\n\n"
		"MERCI de nous laisser un mot ici, l'équipe vous lira.\n\n"
		"Livreur très aimable.\n",
		"From: c@example.org\nTo: nps+%T@reply.example\n"
		"Subject: Score: 3/10\n\n"
		"Rating given: 3 out of 10\nAnything to add? Write it below.\n"
		"Anything to add? Yes: the parcel was late.\n",
	};
	static const char *const want[] = {
		NULL, "Livreur très aimable.",
		"Anything to add? Yes: the parcel was late.",
	};
	static const int score[] = { 8, 8, 3 };
	size_t i;

	for (i = 0; i < sizeof(mail) / sizeof(mail[0]); i++) {
		analyze_with(f, custom_prefill, custom_prefixes, mail[i], &res);
		assert_int_equal(res.kind, REPLY_RESPONSE);
		assert_int_equal(res.score, score[i]);
		if (want[i] == NULL)
			assert_null(res.comment);
		else
			assert_string_equal(res.comment, want[i]);
		reply_result_clear(&res);
	}
	/* Without the templates' wording the same text is a comment. */
	analyze_with(f, NULL, NULL, mail[0], &res);
	assert_non_null(res.comment);
	assert_non_null(strstr(res.comment, "Merci de nous laisser"));
	reply_result_clear(&res);
}

/* The templates' own subject prefix gives the score when the customer
 * replaced the whole pre-filled body with words. */
static void
test_analyze_reads_the_templates_subject_prefix(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	static const char mail[] =
	    "From: c@example.org\nTo: nps+%T@reply.example\n"
	    "Subject: RE: Avis : 7/10\n\nLivraison correcte.\n";

	analyze_with(f, custom_prefill, custom_prefixes, mail, &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 7);
	assert_string_equal(res.comment, "Livraison correcte.");
	reply_result_clear(&res);
	/* Unknown without the templates: no score, for review. */
	analyze_with(f, NULL, NULL, mail, &res);
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
}

/* A language's own subject_prefix.LANG gives the score too, whatever
 * the language of the reply. */
static void
test_analyze_reads_a_languages_subject_prefix(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	static const char mail[] =
	    "From: c@example.org\nTo: nps+%T@reply.example\n"
	    "Subject: RE: Verdict: 6/10\n\nSlow, but it works.\n";

	analyze(f, mail, &res);
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
	f->cf->subject_prefixes[1] = strdup("Verdict");
	assert_non_null(f->cf->subject_prefixes[1]);
	analyze(f, mail, &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 6);
	reply_result_clear(&res);
}

/* A score written over the pre-filled one is still the customer's word
 * against the subject: ambiguous, kept whole for review. */
static void
test_analyze_prefill_score_edited_stays_ambiguous(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze_with(f, custom_prefill, custom_prefixes,
	    "From: c@example.org\nTo: nps+%T@reply.example\n"
	    "Subject: Re: Avis : 9/10\n\nVotre avis : 4/10\n\nTrop lent.\n",
	    &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, -1);
	assert_non_null(res.reason);
	assert_non_null(strstr(res.reason, "ambiguous"));
	assert_non_null(res.comment);
	assert_non_null(strstr(res.comment, "Votre avis : 4/10"));
	reply_result_clear(&res);
}

static void
test_analyze_reads_response_with_token_in_to(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: Jean <Jean@Example.ORG>\nTo: nps+%T@reply.example\n"
	    "Subject: Re: Note : 9/10\nMessage-ID: <a@b>\n\n"
	    "Très rapide, merci !\n\nVotre commentaire (facultatif) :\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.token_status, TOKEN_OK);
	assert_string_equal(res.survey_id, f->tok.survey_id);
	assert_int_equal(res.score, 9);
	assert_int_equal(res.category, NPS_PROMOTER);
	assert_string_equal(res.comment, "Très rapide, merci !");
	assert_string_equal(res.from, "jean@example.org");
	assert_string_equal(res.lang, "fr");
	assert_string_equal(res.message_id, "<a@b>");
	reply_result_clear(&res);
}

/* The widget's mailto link (templates/fr/texts.ini, mailto.*) left as
 * it is, then with a comment typed under it. */
static void
test_analyze_prefilled_mail_gives_score_and_no_comment(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Note : 9/10\n\nMa note : 9/10\n\nSi vous le souhaitez, "
	    "dites-nous pourquoi en quelques mots ci-dessous, puis envoyez ce "
	    "message.\n\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 9);
	assert_null(res.comment);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Score: 6/10\n\nMy score: 6/10\n\nIf you like, tell us "
	    "why in a few words below, then send this message.\n\nThe parcel "
	    "came 3 days late.\n", &res);
	assert_int_equal(res.score, 6);
	assert_string_equal(res.comment, "The parcel came 3 days late.");
	assert_string_equal(res.lang, "en");
	reply_result_clear(&res);
}

static void
test_analyze_text_contradicting_subject_is_ambiguous(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Note : 9/10\n\nMa note : 7/10\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, -1);
	assert_string_equal(res.reason, "ambiguous: subject 9, text 7");
	reply_result_clear(&res);
}

static void
test_analyze_refuses_forged_token(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	char saved = f->token[40];

	f->token[40] = saved == 'a' ? 'b' : 'a';
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: x\n\n9\n",
	    &res);
	f->token[40] = saved;
	assert_int_equal(res.kind, REPLY_UNMATCHED);
	assert_true(res.token_found);
	assert_int_equal(res.token_status, TOKEN_FORGED);
	assert_int_equal(res.score, -1);
	assert_string_equal(res.survey_id, "");
	reply_result_clear(&res);
}

static void
test_analyze_never_scores_auto_replies(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Auto-Submitted: auto-replied\nSubject: Absent\n\n"
	    "Je serai de retour le 9.\n", &res);
	assert_int_equal(res.kind, REPLY_AUTOREPLY);
	assert_int_equal(res.score, -1);
	assert_string_equal(res.reason, "auto-reply: Auto-Submitted");
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Réponse automatique : Votre avis\n\n10\n", &res);
	assert_int_equal(res.kind, REPLY_AUTOREPLY);
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
}

static void
test_analyze_ordinary_subject_words_are_not_auto_reply_marks(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Re: Révision de votre auto: votre avis\n\n9\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 9);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Re: Vos vacances au soleil\n\n8\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 8);
	reply_result_clear(&res);
}

static void
test_analyze_ties_bounce_to_survey_through_returned_headers(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: MAILER-DAEMON@mx.example\nTo: helpdesk@shop.example\n"
	    "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nNo such user"
	    "\n--B\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; x@y\n--B\n"
	    "Content-Type: text/rfc822-headers\n\nFrom: helpdesk@shop.example"
	    "\nReply-To: nps+%T@reply.example\nSubject: Votre avis\n--B--\n",
	    &res);
	assert_int_equal(res.kind, REPLY_BOUNCE);
	assert_int_equal(res.token_status, TOKEN_OK);
	assert_string_equal(res.survey_id, f->tok.survey_id);
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
}

static void
test_analyze_reads_unsubscribe_subject(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: unsubscribe\n\n", &res);
	assert_int_equal(res.kind, REPLY_UNSUBSCRIBE);
	assert_string_equal(res.survey_id, f->tok.survey_id);
	reply_result_clear(&res);
}

static void
test_analyze_keeps_answers_that_mention_unsubscribing(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "\n10 great, do not unsubscribe me\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 10);
	assert_false(res.unsubscribe_asked);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "\n3 - STOP sending me these reminders\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 3);
	assert_true(res.unsubscribe_asked);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "\nStop sending me these reminders\n", &res);
	assert_int_equal(res.kind, REPLY_UNSUBSCRIBE);
	reply_result_clear(&res);
}

static void
test_analyze_reads_away_wording_as_a_weak_sign(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "\nI am out of the office this week but wanted to answer: 9\n",
	    &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 9);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "\nI am out of the office, so I could not try it yet.\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "\nI am out of the office until Monday 24 with limited access "
	    "to email.\n", &res);
	assert_int_equal(res.kind, REPLY_AUTOREPLY);
	reply_result_clear(&res);
}

static void
test_analyze_reads_a_reply_written_inside_a_quote(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
	    "<blockquote style=\"margin:0 0 0 40px\"><div>8<br>Fine.</div>"
	    "<div>On Mon, 3 Nov 2025, Support &lt;s@x.com&gt; wrote:</div>"
	    "<blockquote type=\"cite\">Rate us from 0 to 10</blockquote>"
	    "</blockquote>\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 8);
	assert_string_equal(res.comment, "Fine.");
	reply_result_clear(&res);
	/* a reply that only quotes: nothing to read */
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
	    "<div>On Mon, 3 Nov 2025, Support wrote:</div><blockquote "
	    "type=\"cite\">Rate us from 0 to 10: 7</blockquote>\n", &res);
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: x\n"
	    "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
	    "<blockquote type=\"cite\">Rate us from 0 to 10: 7</blockquote>"
	    "\n", &res);
	assert_int_equal(res.score, -1);
	assert_null(res.comment);
	reply_result_clear(&res);
}

static void
test_analyze_reads_html_only_quoted_printable_latin1(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: avis"
	    "\nMIME-Version: 1.0\nContent-Type: text/html; charset=iso-8859-1"
	    "\nContent-Transfer-Encoding: quoted-printable\n\n<p>8 - tr=E8s "
	    "bien</p><blockquote>Note 3</blockquote>\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 8);
	assert_string_equal(res.comment, "très bien");
	reply_result_clear(&res);
}

static void
test_analyze_reads_text_split_around_inline_image(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+%T@reply.example\nSubject: Re: avis"
	    "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=M"
	    "\n\n--M\nContent-Type: text/plain; charset=utf-8\n\nLe colis "
	    "abîmé :\n--M\nContent-Type: image/jpeg\nContent-Disposition: "
	    "inline\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ\n--M\n"
	    "Content-Type: text/plain; charset=utf-8\n\nDonc 4/10.\n--M--\n",
	    &res);
	assert_int_equal(res.score, 4);
	assert_string_equal(res.comment, "Le colis abîmé :\nDonc 4/10.");
	reply_result_clear(&res);
}

static void
test_analyze_looks_past_a_malformed_address_token(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps+hello@reply.example\nSubject: Re: x"
	    "\n\n8\n\n> Reply to nps+%T@reply.example\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_string_equal(res.matched_by, "body");
	assert_int_equal(res.score, 8);
	reply_result_clear(&res);
}

static void
test_analyze_refused_address_token_is_not_overruled_by_body(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	char good[TOKEN_LEN + 1];
	struct buf msg = BUF_INIT;
	struct reply_ctx ctx = { f->cf, f->ring, NULL, f->now, NULL, NULL,
	    NULL };
	struct npserr err;

	memcpy(good, f->token, sizeof(good));
	f->token[40] = f->token[40] == 'a' ? 'b' : 'a';
	buf_printf(&msg, "From: a@b.c\nTo: nps+%s@reply.example\nSubject: x"
	    "\n\n8\n\n> nps+%s@reply.example\n", f->token, good);
	memcpy(f->token, good, sizeof(good));
	assert_int_equal(reply_analyze(&ctx, msg.data, msg.len, &res, &err),
	    0);
	assert_int_equal(res.kind, REPLY_UNMATCHED);
	assert_int_equal(res.token_status, TOKEN_FORGED);
	assert_int_equal(res.score, -1);
	buf_free(&msg);
	reply_result_clear(&res);
}

/* A token written in the customer's own text is not honoured: anybody
 * can paste one there. Under the quote, it is the survey's own. */
static void
test_analyze_ignores_a_token_typed_in_the_own_text(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: nps@reply.example\nSubject: Re: avis\n\n"
	    "0 for nps+%T@reply.example\n", &res);
	assert_int_equal(res.kind, REPLY_UNMATCHED);
	assert_false(res.token_found);
	assert_string_equal(res.survey_id, "");
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps@reply.example\nSubject: Re: avis\n\n"
	    "+%T\n\n> Votre avis ?\n", &res);
	assert_int_equal(res.kind, REPLY_UNMATCHED);
	reply_result_clear(&res);
	analyze(f, "From: a@b.c\nTo: nps@reply.example\nSubject: Re: avis\n\n"
	    "7\n\n> Votre avis ? nps+%T@reply.example\n", &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_string_equal(res.matched_by, "body");
	assert_int_equal(res.score, 7);
	reply_result_clear(&res);
}

/* A Message-ID with a NUL in it is not the reply's identifier. */
static void
test_analyze_drops_a_message_id_holding_a_nul(void **state)
{
	static const char msg[] = "From: a@b.c\nTo: support@shop.example\n"
	    "Message-ID: <a\0b@c>\nSubject: hi\n\n9\n";
	struct fixture *f = *state;
	struct reply_ctx ctx = { f->cf, f->ring, NULL, f->now, NULL, NULL, NULL };
	struct reply_result res;
	struct npserr err;

	assert_int_equal(reply_analyze(&ctx, msg, sizeof(msg) - 1, &res,
	    &err), 0);
	assert_null(res.message_id);
	reply_result_clear(&res);
}

/* One mailbox, one string: quotes a local part does not need go,
 * those it needs stay; case and brackets never count. */
static void
test_address_has_one_normal_form(void **state)
{
	static const char *const same[][2] = {
		{ "John.Doe@Example.COM", "john.doe@example.com" },
		{ " <\"john.doe\"@example.com> ", "john.doe@example.com" },
		{ "\"John Doe\"@Example.com", "\"john doe\"@example.com" },
		{ "\"john\\ doe\"@example.com", "\"john doe\"@example.com" },
		{ "john..doe@example.com", "\"john..doe\"@example.com" },
		{ "\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com" },
		{ "\"x@y\"@example.com", "\"x@y\"@example.com" },
	};
	static const char *const bad[] = { "", "<>", "john", "@example.com",
		"john@", "\"\"@example.com", "jo hn@example.com",
		"\"john@example.com", "john@exa mple.com", "a\tb@c.d", NULL };
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		got = address_normalise(same[i][0], strlen(same[i][0]));
		assert_non_null(got);
		assert_string_equal(got, same[i][1]);
		free(got);
	}
	for (i = 0; bad[i] != NULL; i++)
		assert_null(address_normalise(bad[i], strlen(bad[i])));
	assert_null(address_normalise("a\0b@c.d", 7));
}

/* The first mailbox of a From or Reply-To value: the display name's
 * quotes and comments read as such, the words beside a bare address
 * left out. */
static void
test_address_first_reads_the_first_mailbox(void **state)
{
	static const char *const cases[][2] = {
		{ "Claire Dupont <Claire@Example.com>", "claire@example.com" },
		{ "\"Dupont, Claire <x>\" <c@example.com>, d@example.com",
		  "c@example.com" },
		{ "c@example.com (Claire <x>, Dupont)", "c@example.com" },
		{ "c@example.com, d@example.com", "c@example.com" },
		{ "Support support@shop.example", "support@shop.example" },
		{ "Jean <jean@example.com", "jean@example.com" },
		{ "(a, b) <c@example.com>", "c@example.com" },
	};
	static const char *const none[] = { "", "Claire Dupont", "<>",
		"\"a@b\"", NULL };
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = address_first(cases[i][0], strlen(cases[i][0]));
		if (got == NULL || strcmp(got, cases[i][1]) != 0)
			fail_msg("%s: got %s, want %s", cases[i][0],
			    got ? got : "NULL", cases[i][1]);
		free(got);
	}
	for (i = 0; none[i] != NULL; i++)
		assert_null(address_first(none[i], strlen(none[i])));
	/* Never past n: the address stops where the caller's value does. */
	got = address_first("<c@example.com>garbage", 14);
	assert_non_null(got);
	assert_string_equal(got, "c@example.com");
	free(got);
}

/* The sender of a reply in that form, quoted local part or not. */
static void
test_analyze_reads_a_quoted_local_part(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: \"John Doe\"@Example.COM\nTo: nps+%T@reply.example"
	    "\nSubject: x\n\n9\n", &res);
	assert_string_equal(res.from, "\"john doe\"@example.com");
	reply_result_clear(&res);
	analyze(f, "From: John <\"John.Doe\"@Example.COM>\nTo: nps+%T@reply."
	    "example\nSubject: x\n\n9\n", &res);
	assert_string_equal(res.from, "john.doe@example.com");
	reply_result_clear(&res);
	analyze(f, "From: jean@example.org (Jean)\nTo: nps+%T@reply.example"
	    "\nSubject: x\n\n9\n", &res);
	assert_string_equal(res.from, "jean@example.org");
	reply_result_clear(&res);
}

static void
test_analyze_without_token_is_unmatched(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;

	analyze(f, "From: a@b.c\nTo: support@shop.example\nSubject: hi\n\n"
	    "9\n", &res);
	assert_int_equal(res.kind, REPLY_UNMATCHED);
	assert_false(res.token_found);
	assert_int_equal(res.score, -1);
	reply_result_clear(&res);
}

static void
test_analyze_marks_garbage_unparsed(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	struct buf json = BUF_INIT;

	analyze(f, "", &res);
	assert_int_equal(res.kind, REPLY_UNPARSED);
	reply_result_json(&res, &json);
	assert_non_null(strstr(json.data, "\"kind\":\"unparsed\""));
	assert_non_null(strstr(json.data, "\"score\":null"));
	buf_free(&json);
	reply_result_clear(&res);
}

static void
test_json_escapes_and_replaces_invalid_utf8(void **state)
{
	char comment[] = "a\"b\\c\n\x01\xff";
	struct reply_result res;
	struct buf b = BUF_INIT;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.score = -1;
	res.category = NPS_NONE;
	res.comment = comment;
	reply_result_json(&res, &b);
	assert_non_null(strstr(b.data, "\"comment\":"
	    "\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\""));
	buf_free(&b);
}

/* ---- the budget of one analysis ------------------------------------ */

#define HOSTILE_HEADER "From: a@b.c\nTo: nps+%T@reply.example\n" \
	"Subject: Re: avis\nMIME-Version: 1.0\n"

/* One start tag with n attributes around "9 merci". */
static void
put_hostile_html(struct buf *b, size_t n)
{
	size_t i;

	buf_puts(b, "<html><body><div");
	for (i = 0; i < n; i++)
		buf_printf(b, " a%zu=x", i);
	buf_puts(b, ">9 merci</div></body></html>\n");
}

/* A tag with 100,000 attributes costs libxml2 minutes: the part is not
 * parsed, and with nothing else to read the reply is unparsed, saying
 * why. */
static void
test_analyze_refuses_html_with_100000_attributes(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	struct buf msg = BUF_INIT;

	buf_puts(&msg, HOSTILE_HEADER
	    "Content-Type: text/html; charset=utf-8\n\n");
	put_hostile_html(&msg, 100000);
	analyze(f, buf_cstr(&msg), &res);
	assert_int_equal(res.kind, REPLY_UNPARSED);
	assert_int_equal(res.score, -1);
	assert_non_null(res.reason);
	assert_non_null(strstr(res.reason, "100000 attributes in one tag"));
	reply_result_clear(&res);
	buf_free(&msg);
}

/* The same part beside a plain-text alternative: the plain text is the
 * reply, as it would have been anyway. */
static void
test_analyze_reads_plain_beside_hostile_html(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	struct buf msg = BUF_INIT;

	buf_puts(&msg, HOSTILE_HEADER "Content-Type: multipart/alternative; "
	    "boundary=A\n\n--A\nContent-Type: text/plain; charset=utf-8\n"
	    "\n9 merci\n--A\nContent-Type: text/html; charset=utf-8\n\n");
	put_hostile_html(&msg, 100000);
	buf_puts(&msg, "--A--\n");
	analyze(f, buf_cstr(&msg), &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 9);
	reply_result_clear(&res);
	buf_free(&msg);
}

/* Large but ordinary HTML (a long pasted table: 200,000 tags, 4 MB)
 * is read to its end. */
static void
test_analyze_reads_large_legal_html(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	struct buf msg = BUF_INIT;
	size_t i;

	buf_puts(&msg, HOSTILE_HEADER
	    "Content-Type: text/html; charset=utf-8\n\n<html><body>"
	    "<p>Note 9/10, voici la commande :</p><table>");
	for (i = 0; i < 20000; i++)
		buf_puts(&msg, "<tr><td class=\"c\" style=\"color:#333\">"
		    "une ligne de la commande</td><td><b>vis</b> <i>x</i></td>"
		    "</tr>\n");
	buf_puts(&msg, "</table><p>Fin de la commande.</p></body></html>\n");
	assert_true(msg.len > 2000000);
	analyze(f, buf_cstr(&msg), &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 9);
	assert_non_null(res.comment);
	assert_non_null(strstr(res.comment, "Fin de la commande."));
	reply_result_clear(&res);
	buf_free(&msg);
}

static void
test_html_limits_each_refuse_and_allow(void **state)
{
	struct html_limits lim = html_limits_default;
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct npserr err;
	size_t i;

	(void)state;
	/* As many attributes as allowed in one tag, then one more. */
	buf_puts(&in, "<p");
	for (i = 0; i < HTML_MAX_ELEMENT_ATTRS; i++)
		buf_printf(&in, " title%zu='a b c'", i);
	buf_puts(&in, ">9</p>");
	assert_int_equal(html_to_text(in.data, in.len, NULL, &out, &err), 0);
	assert_string_equal(buf_cstr(&out), "9\n");
	buf_reset(&in);
	buf_reset(&out);
	buf_puts(&in, "<p");
	for (i = 0; i <= HTML_MAX_ELEMENT_ATTRS; i++)
		buf_printf(&in, " a%zu", i);
	buf_puts(&in, ">9</p>");
	assert_int_equal(html_to_text(in.data, in.len, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "attributes in one tag"));
	assert_int_equal(out.len, 0);
	/* An unclosed quote hides no attribute from the count. */
	buf_reset(&in);
	buf_puts(&in, "<p x=\"");
	buf_putc(&in, '\0');
	for (i = 0; i <= HTML_MAX_ELEMENT_ATTRS; i++)
		buf_printf(&in, " a%zu", i);
	assert_int_equal(html_to_text(in.data, in.len, NULL, &out, &err), -1);
	/* Nesting: refused past the limit, and nothing appended. */
	buf_reset(&in);
	for (i = 0; i <= HTML_MAX_DEPTH; i++)
		buf_puts(&in, "<div>");
	buf_puts(&in, "9");
	buf_puts(&out, "kept");
	assert_int_equal(html_to_text(in.data, in.len, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "nested"));
	assert_string_equal(buf_cstr(&out), "kept");
	/* Tags, attributes in all and bytes, with smaller limits. */
	buf_reset(&in);
	buf_reset(&out);
	for (i = 0; i < 10; i++)
		buf_puts(&in, "<b x=1 y=2>a</b>");
	lim.tags = 20;
	assert_int_equal(html_to_text(in.data, in.len, &lim, &out, &err), 0);
	lim.tags = 19;
	assert_int_equal(html_to_text(in.data, in.len, &lim, &out, &err), -1);
	lim = html_limits_default;
	lim.attrs = 19;
	assert_int_equal(html_to_text(in.data, in.len, &lim, &out, &err), -1);
	lim = html_limits_default;
	lim.bytes = in.len - 1;
	assert_int_equal(html_to_text(in.data, in.len, &lim, &out, &err), -1);
	buf_free(&in);
	buf_free(&out);
}

/* Past its CPU time or its bytes of decoded text, a reply is unparsed
 * with the reason, never half read and scored. */
static void
test_analyze_over_budget_is_unparsed(void **state)
{
	struct fixture *f = *state;
	struct reply_budget budget = reply_budget_default;
	struct reply_result res;
	static const char mail[] = "From: a@b.c\nTo: nps+%T@reply.example\n"
	    "Subject: Re: avis\n\n9, tout était parfait, merci\n";

	analyze_within(f, NULL, NULL, &budget, mail, &res);
	assert_int_equal(res.kind, REPLY_RESPONSE);
	assert_int_equal(res.score, 9);
	reply_result_clear(&res);
	budget.cpu_ms = 0;
	analyze_within(f, NULL, NULL, &budget, mail, &res);
	assert_int_equal(res.kind, REPLY_UNPARSED);
	assert_int_equal(res.score, -1);
	assert_null(res.comment);
	assert_non_null(strstr(res.reason, "over budget"));
	assert_non_null(strstr(res.reason, "CPU"));
	reply_result_clear(&res);
	budget = reply_budget_default;
	budget.text_bytes = 10;
	analyze_within(f, NULL, NULL, &budget, mail, &res);
	assert_int_equal(res.kind, REPLY_UNPARSED);
	assert_non_null(strstr(res.reason, "bytes of decoded text"));
	reply_result_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_drops_gmail_quote_and_attribution),
		cmocka_unit_test(
		    test_own_joins_attribution_wrapped_over_two_lines),
		cmocka_unit_test(
		    test_own_keeps_bottom_posted_and_inline_answers),
		cmocka_unit_test(
		    test_own_cuts_outlook_header_block_without_quotes),
		cmocka_unit_test(test_own_drops_signatures_and_device_lines),
		cmocka_unit_test(test_own_drops_contact_block_without_dashes),
		cmocka_unit_test(test_own_keeps_greetings_and_thanks),
		cmocka_unit_test(test_own_drops_yahoo_unquoted_old_message),
		cmocka_unit_test(test_own_drops_disclaimer),
		cmocka_unit_test(test_own_drops_unchanged_prefilled_body),
		cmocka_unit_test(test_own_cuts_header_blocks_of_every_client),
		cmocka_unit_test(test_own_cuts_attributions_of_every_form),
		cmocka_unit_test(test_own_drops_signatures_without_delimiter),
		cmocka_unit_test(
		    test_score_explicit_form_outweighs_other_numbers),
		cmocka_unit_test(test_score_never_reads_list_labels_or_dates),
		cmocka_unit_test(test_score_reads_the_usual_forms),
		cmocka_unit_test(test_score_reads_number_words_and_keycaps),
		cmocka_unit_test(
		    test_score_refuses_numbers_that_are_not_scores),
		cmocka_unit_test(
		    test_score_is_ambiguous_for_ranges_and_alternatives),
		cmocka_unit_test(test_score_respects_the_type_range),
		cmocka_unit_test(test_score_from_prefilled_subject),
		cmocka_unit_test(test_comment_drops_leading_score_expression),
		cmocka_unit_test(test_comment_keeps_score_inside_a_sentence),
		cmocka_unit_test(test_html_drops_gmail_quote_and_keeps_blocks),
		cmocka_unit_test(
		    test_html_marks_apple_quote_so_bottom_answer_stays),
		cmocka_unit_test(test_html_stops_at_outlook_reply_header),
		cmocka_unit_test(test_html_keeps_emoji_images_alt),
		cmocka_unit_test(test_lang_guess_tells_french_from_english),
		cmocka_unit_test(test_unsubscribe_needs_a_short_request),
		cmocka_unit_test(test_json_escapes_and_replaces_invalid_utf8),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_response_with_token_in_to, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_prefilled_mail_gives_score_and_no_comment,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_text_contradicting_subject_is_ambiguous, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_refuses_forged_token, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_never_scores_auto_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_ordinary_subject_words_are_not_auto_reply_marks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_ties_bounce_to_survey_through_returned_headers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_unsubscribe_subject, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_keeps_answers_that_mention_unsubscribing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_away_wording_as_a_weak_sign, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_a_reply_written_inside_a_quote, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_html_only_quoted_printable_latin1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_refuses_html_with_100000_attributes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_plain_beside_hostile_html, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_large_legal_html, setup, teardown),
		cmocka_unit_test(test_html_limits_each_refuse_and_allow),
		cmocka_unit_test_setup_teardown(
		    test_analyze_over_budget_is_unparsed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_text_split_around_inline_image, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_looks_past_a_malformed_address_token, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_refused_address_token_is_not_overruled_by_body,
		    setup, teardown),
		cmocka_unit_test(test_address_has_one_normal_form),
		cmocka_unit_test(test_address_first_reads_the_first_mailbox),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_a_quoted_local_part, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_ignores_a_token_typed_in_the_own_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_drops_a_message_id_holding_a_nul, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_without_token_is_unmatched, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_marks_garbage_unparsed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_drops_the_templates_own_prefill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_prefill_score_edited_stays_ambiguous, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_the_templates_subject_prefix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_analyze_reads_a_languages_subject_prefix, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
