/*
 * test_reply_langs.c - replies in each language of the templates: the
 * score written with digits or number words, the widget's pre-filled
 * reply, numbers that are not scores, auto-replies and requests to stop,
 * attributions, signatures and the guessed language.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "incoming/reply.h"
#include "outgoing/widget.h"
#include "survey/token.h"

static int
score_of(const char *in)
{
	struct reply_score sc;

	return reply_score_find(in, strlen(in), SURVEY_NPS, &sc);
}

/* Each case: the text, the score it gives (-1: none). */
struct score_case {
	const char *text;
	int score;
};

static void
check_scores(const struct score_case *c, size_t n)
{
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		got = score_of(c[i].text);
		if (got != c[i].score)
			fail_msg("\"%s\": score %d, want %d", c[i].text, got,
			    c[i].score);
	}
}

#define CHECK(cases) check_scores(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- number words and score phrases ------------------------------- */

static void
test_german_scores(void **state)
{
	static const struct score_case c[] = {
		{ "Neun", 9 }, { "neun von zehn", 9 }, { "Zehn!", 10 },
		{ "Ich gebe Ihnen eine Neun.", 9 }, { "Null", 0 },
		{ "Eins", 1 }, { "zwei", 2 }, { "drei", 3 }, { "vier", 4 },
		{ "Fünf", 5 }, { "FÜNF", 5 }, { "fuenf", 5 }, { "sechs", 6 },
		{ "Sieben", 7 }, { "acht", 8 }, { "8 von 10", 8 },
		{ "Meine Bewertung: 7/10", 7 },
		{ "Ich würde 8 geben, die Lieferung war etwas spät", 8 },
		{ "Ich habe 3 Tage gewartet", -1 },
		{ "Nach 2 Wochen kam das Paket", -1 },
		{ "Bestellung 7 ist noch offen", -1 },
		{ "Ich gebe keine 10", -1 },
		{ "7 oder 8", -1 },
		{ "Auf einer Skala von 0 bis 10, naja", -1 },
	};

	(void)state;
	CHECK(c);
}

static void
test_spanish_scores(void **state)
{
	static const struct score_case c[] = {
		{ "Nueve", 9 }, { "nueve de diez", 9 }, { "Diez", 10 },
		{ "Le doy un ocho.", 8 }, { "cero", 0 }, { "Uno", 1 },
		{ "dos", 2 }, { "Tres", 3 }, { "cuatro", 4 }, { "Cinco", 5 },
		{ "seis", 6 }, { "siete", 7 }, { "9 sobre 10", 9 },
		{ "Mi puntuación: 6/10", 6 }, { "Mi puntuacion es 7", 7 },
		{ "Esperé 3 días", -1 }, { "Después de 2 semanas", -1 },
		{ "pedido 5 pendiente", -1 }, { "7 o 8", -1 },
		{ "entre 7 y 8", -1 }, { "De 0 a 10, regular", -1 },
		{ "Nunca un 10", -1 },
	};

	(void)state;
	CHECK(c);
}

static void
test_italian_scores(void **state)
{
	static const struct score_case c[] = {
		{ "Nove", 9 }, { "nove su dieci", 9 }, { "Dieci", 10 },
		{ "Il mio voto è sette", 7 }, { "Darei un otto", 8 },
		{ "zero", 0 }, { "Uno", 1 }, { "due", 2 }, { "tre", 3 },
		{ "Quattro", 4 }, { "cinque", 5 }, { "Sei", 6 },
		{ "Il mio voto: 8/10", 8 }, { "Voto: 9", 9 },
		{ "Ho aspettato 3 giorni", -1 },
		{ "Il pacco è arrivato dopo due giorni", -1 },
		{ "Sei stati molto gentili", -1 }, { "7 oppure 8", -1 },
		{ "ordine 4 ancora aperto", -1 },
	};

	(void)state;
	CHECK(c);
}

static void
test_dutch_scores(void **state)
{
	static const struct score_case c[] = {
		{ "Negen", 9 }, { "negen op tien", 9 }, { "Tien", 10 },
		{ "Ik geef jullie een acht.", 8 }, { "nul", 0 }, { "Eén", 1 },
		{ "één", 1 }, { "twee", 2 }, { "drie", 3 }, { "Vier", 4 },
		{ "vijf", 5 }, { "zes", 6 }, { "Zeven", 7 },
		{ "Mijn cijfer: 8/10", 8 }, { "Cijfer: 7", 7 },
		{ "Ik heb 3 dagen gewacht", -1 },
		{ "Bestelling 6 is nog niet binnen", -1 }, { "7 of 8", -1 },
		{ "Ik geef geen 10", -1 },
	};

	(void)state;
	CHECK(c);
}

static void
test_portuguese_scores(void **state)
{
	static const struct score_case c[] = {
		{ "Nove", 9 }, { "nove de dez", 9 }, { "Dez", 10 },
		{ "Minha nota é oito", 8 }, { "Dou nota 7", 7 },
		{ "zero", 0 }, { "Um", 1 }, { "dois", 2 }, { "Três", 3 },
		{ "tres", 3 }, { "quatro", 4 }, { "cinco", 5 }, { "seis", 6 },
		{ "Sete", 7 }, { "oito", 8 }, { "Minha nota: 6/10", 6 },
		{ "Esperei 3 dias", -1 }, { "Depois de 2 semanas", -1 },
		{ "encomenda 5 atrasada", -1 }, { "7 ou 8", -1 },
		{ "Não é um 10", -1 },
	};

	(void)state;
	CHECK(c);
}

/* Words that are numbers in one language and ordinary words in another
 * do not give a score inside a sentence. */
static void
test_number_words_of_one_language_in_another(void **state)
{
	static const struct score_case c[] = {
		{ "C'est tres bien, merci", -1 },
		{ "J'ai mal au dos depuis", -1 },
		{ "The payment is due tomorrow", -1 },
		{ "Le tien est arrivé, pas le mien", -1 },
		{ "Très bien, 9", 9 },
	};

	(void)state;
	CHECK(c);
}

/* ---- the language of a reply -------------------------------------- */

static void
test_lang_guess_knows_the_seven_languages(void **state)
{
	static const struct {
		const char *text, *lang;
	} c[] = {
		{ "Très bien, merci pour la livraison rapide", "fr" },
		{ "Great service, thank you for the fast delivery", "en" },
		{ "Sehr freundlich und schnell, vielen Dank für die Hilfe",
		    "de" },
		{ "Muy amables y rápidos, gracias por todo", "es" },
		{ "Molto gentili e veloci, grazie per il servizio", "it" },
		{ "Heel vriendelijk en snel, bedankt voor de hulp", "nl" },
		{ "Muito simpáticos e rápidos, obrigado pelo atendimento",
		    "pt" },
		{ "Größe passt", "de" }, { "Atención: ñ", "es" },
	};
	size_t i;
	const char *got;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		got = reply_lang_guess(c[i].text, strlen(c[i].text));
		if (got == NULL || strcmp(got, c[i].lang) != 0)
			fail_msg("\"%s\": %s, want %s", c[i].text,
			    got ? got : "(none)", c[i].lang);
	}
	assert_null(reply_lang_guess("9", 1));
}

/* ---- whole messages ------------------------------------------------ */

struct fixture {
	struct config *cf;
	struct keyring *ring;
	struct widget_templates *tpl;
	char token[TOKEN_LEN + 1];
	struct token tok;
	time_t now;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct npserr err;

	if (f == NULL)
		return -1;
	f->cf = config_defaults();
	f->ring = keyring_new_test();
	f->now = time(NULL);
	f->tpl = widget_templates_load(TEST_SRCDIR "/templates", &err);
	if (f->tpl == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
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

	widget_templates_free(f->tpl);
	keyring_free(f->ring);
	config_free(f->cf);
	free(f);
	return 0;
}

/* Analyses the message fmt ("%T" stands for the token), with the
 * templates' pre-filled bodies and prefixes when with_tpl. */
static void
analyze(struct fixture *f, bool with_tpl, const char *fmt,
    struct reply_result *res)
{
	struct buf msg = BUF_INIT;
	struct reply_ctx ctx = { f->cf, f->ring, NULL, f->now,
	    with_tpl ? widget_mailto_bodies(f->tpl) : NULL,
	    with_tpl ? widget_mailto_prefixes(f->tpl) : NULL, NULL };
	struct npserr err;
	const char *p;

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

/* The widget's link for 9 in each language, sent as it was, then with a
 * comment typed under the pre-filled text: the subject gives the score,
 * the pre-filled lines are no comment. The shipped wording is known
 * without the templates too. */
static const struct {
	const char *lang, *subject, *body, *comment;
} prefilled[] = {
	{ "de", "Bewertung: 9/10", "Meine Bewertung: 9/10\n\nWenn Sie "
	    "möchten, schreiben Sie uns unten in ein paar Worten, warum, und "
	    "senden Sie diese Nachricht dann ab.\n\n",
	    "Sehr freundlich und schnell." },
	{ "es", "Puntuación: 9/10", "Mi puntuación: 9/10\n\nSi lo desea, "
	    "cuéntenos el motivo en pocas palabras aquí debajo y después "
	    "envíe este mensaje.\n\n", "Muy amables y rápidos." },
	{ "it", "Voto: 9/10", "Il mio voto: 9/10\n\nSe lo desidera, ci dica "
	    "il perché in poche parole qui sotto, poi invii questo "
	    "messaggio.\n\n", "Molto gentili e veloci." },
	{ "nl", "Cijfer: 9/10", "Mijn cijfer: 9/10\n\nAls u wilt, vertel ons "
	    "hieronder in een paar woorden waarom en verstuur dit bericht "
	    "daarna.\n\n", "Heel vriendelijk en snel." },
	{ "pt", "Nota: 9/10", "Minha nota: 9/10\n\nSe quiser, conte-nos o "
	    "motivo em poucas palavras aqui embaixo e depois envie esta "
	    "mensagem.\n\n", "Muito simpáticos e rápidos." },
};

static void
test_prefilled_reply_of_each_language(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	struct buf m = BUF_INIT;
	size_t i;
	int with_tpl;

	for (i = 0; i < sizeof(prefilled) / sizeof(prefilled[0]); i++)
		for (with_tpl = 0; with_tpl < 2; with_tpl++) {
			buf_reset(&m);
			buf_printf(&m, "From: c@example.org\n"
			    "To: nps+%%T@reply.example\nSubject: Re: %s\n"
			    "Content-Type: text/plain; charset=utf-8\n\n%s",
			    prefilled[i].subject, prefilled[i].body);
			analyze(f, with_tpl, buf_cstr(&m), &res);
			assert_int_equal(res.kind, REPLY_RESPONSE);
			if (res.score != 9 || res.comment != NULL)
				fail_msg("%s (templates %d): score %d, "
				    "comment \"%s\"", prefilled[i].lang,
				    with_tpl, res.score, res.comment ?
				    res.comment : "");
			reply_result_clear(&res);
			buf_puts(&m, prefilled[i].comment);
			buf_puts(&m, "\n");
			analyze(f, with_tpl, buf_cstr(&m), &res);
			if (res.score != 9 || res.comment == NULL ||
			    strcmp(res.comment, prefilled[i].comment) != 0)
				fail_msg("%s (templates %d): score %d, "
				    "comment \"%s\"", prefilled[i].lang,
				    with_tpl, res.score, res.comment ?
				    res.comment : "(none)");
			reply_result_clear(&res);
		}
	buf_free(&m);
}

/* The score line of the pre-filled body alone, the subject replaced: the
 * line gives the score and is not the comment. */
static void
test_prefilled_score_line_without_the_subject(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	static const char *const line[] = { "Meine Bewertung: 4/10",
		"Mi puntuación: 4/10", "Il mio voto: 4/10",
		"Mijn cijfer: 4/10", "Minha nota: 4/10" };
	struct buf m = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(line) / sizeof(line[0]); i++) {
		buf_reset(&m);
		buf_printf(&m, "From: c@example.org\nTo: nps+%%T@reply.example"
		    "\nSubject: Re: Ihre Anfrage\n"
		    "Content-Type: text/plain; charset=utf-8\n\n%s\n\nZu "
		    "langsam.\n", line[i]);
		analyze(f, true, buf_cstr(&m), &res);
		assert_int_equal(res.score, 4);
		assert_string_equal(res.comment, "Zu langsam.");
		reply_result_clear(&res);
	}
	buf_free(&m);
}

/* A reply in words, quoted survey and signature under it; a number word
 * that opens a sentence stays in the comment, as in French. */
static void
test_number_word_replies_with_quote_and_signature(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	static const struct {
		const char *body, *comment;
		int score;
	} c[] = {
		{ "Neun, sehr guter Service.\n\nMit freundlichen Grüßen\n"
		    "Hans Müller\n\nAm Mo., 23. Nov. 2026 um 10:00 Uhr schrieb "
		    "Support <s@shop.example>:\n> Wie wahrscheinlich ...\n",
		    "Neun, sehr guter Service.", 9 },
		{ "Ocho\n\nSaludos cordiales,\nAna García\n\nEl lun, 23 nov "
		    "2026 a las 10:00, Support <s@shop.example> escribió:\n"
		    "> ¿Qué probabilidad hay ...?\n", NULL, 8 },
		{ "Sette, tempi un po' lunghi.\n\nCordiali saluti\nMarco "
		    "Rossi\n\nIl giorno lun 23 nov 2026, Support "
		    "<s@shop.example> ha scritto:\n> Con quale probabilità\n",
		    "Sette, tempi un po' lunghi.", 7 },
		{ "Tien!\n\nMet vriendelijke groet,\nJan Jansen\n\nOp ma 23 "
		    "nov 2026 om 10:00 schreef Support <s@shop.example>:\n"
		    "> Hoe waarschijnlijk ...\n", NULL, 10 },
		{ "Seis. Demorou demais.\n\nAtenciosamente,\nJoão Silva\n\n"
		    "Em seg., 23 de nov. de 2026 às 10:00, Support "
		    "<s@shop.example> escreveu:\n> Qual é a probabilidade\n",
		    "Seis. Demorou demais.", 6 },
	};
	struct buf m = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		buf_reset(&m);
		buf_printf(&m, "From: c@example.org\nTo: nps+%%T@reply.example"
		    "\nSubject: Re: survey\n"
		    "Content-Type: text/plain; charset=utf-8\n\n%s", c[i].body);
		analyze(f, true, buf_cstr(&m), &res);
		assert_int_equal(res.kind, REPLY_RESPONSE);
		if (res.score != c[i].score)
			fail_msg("case %zu: score %d, want %d", i, res.score,
			    c[i].score);
		if (c[i].comment == NULL)
			assert_null(res.comment);
		else if (res.comment == NULL ||
		    strcmp(res.comment, c[i].comment) != 0)
			fail_msg("case %zu: comment \"%s\", want \"%s\"", i,
			    res.comment ? res.comment : "(none)",
			    c[i].comment);
		reply_result_clear(&res);
	}
	buf_free(&m);
}

/* Auto-replies in each language, marked only by their subject or their
 * text, are never scored, even with a number in them. */
static void
test_auto_replies_of_each_language(void **state)
{
	struct fixture *f = *state;
	struct reply_result res;
	static const char *const subject[] = {
		"Abwesenheitsnotiz: Ihre Meinung",
		"Automatische Antwort: Ihre Meinung",
		"Respuesta automática: Su opinión",
		"Respuesta automatica: Su opinion", "Ausente: Su opinión",
		"Risposta automatica: La sua opinione",
		"Fuori sede: La sua opinione",
		"Automatisch antwoord: Uw mening", "Afwezig: Uw mening",
		"Resposta automática: Sua opinião",
		"Resposta automatica: Sua opiniao",
	};
	static const char *const text[] = {
		"Ich bin derzeit nicht im Büro und ab dem 9. Dezember wieder da.",
		"Estoy fuera de la oficina hasta el 9 de diciembre.",
		"Sono fuori ufficio fino al 9 dicembre.",
		"Ik ben afwezig tot 9 december.",
		"Estou ausente até o dia 9 de dezembro.",
	};
	struct buf m = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(subject) / sizeof(subject[0]); i++) {
		buf_reset(&m);
		buf_printf(&m, "From: c@example.org\nTo: nps+%%T@reply.example"
		    "\nSubject: %s\nContent-Type: text/plain; charset=utf-8"
		    "\n\n9\n", subject[i]);
		analyze(f, true, buf_cstr(&m), &res);
		if (res.kind != REPLY_AUTOREPLY || res.score != -1)
			fail_msg("\"%s\": kind %d score %d", subject[i],
			    (int)res.kind, res.score);
		reply_result_clear(&res);
	}
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		buf_reset(&m);
		buf_printf(&m, "From: c@example.org\nTo: nps+%%T@reply.example"
		    "\nSubject: Re: survey\n"
		    "Content-Type: text/plain; charset=utf-8\n\n%s\n", text[i]);
		analyze(f, true, buf_cstr(&m), &res);
		if (res.kind != REPLY_AUTOREPLY || res.score != -1)
			fail_msg("\"%s\": kind %d score %d", text[i],
			    (int)res.kind, res.score);
		reply_result_clear(&res);
	}
	buf_free(&m);
}

static void
test_stop_requests_of_each_language(void **state)
{
	static const char *const yes[] = { "Bitte abmelden",
		"Quiero darme de baja", "Vorrei disiscrivermi",
		"Graag afmelden", "Quero descadastrar meu e-mail" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!reply_text_is_unsubscribe(yes[i], strlen(yes[i])))
			fail_msg("\"%s\" is not a request to stop", yes[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_german_scores),
		cmocka_unit_test(test_spanish_scores),
		cmocka_unit_test(test_italian_scores),
		cmocka_unit_test(test_dutch_scores),
		cmocka_unit_test(test_portuguese_scores),
		cmocka_unit_test(test_number_words_of_one_language_in_another),
		cmocka_unit_test(test_lang_guess_knows_the_seven_languages),
		cmocka_unit_test_setup_teardown(
		    test_prefilled_reply_of_each_language, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_prefilled_score_line_without_the_subject, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_number_word_replies_with_quote_and_signature, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_auto_replies_of_each_language, setup, teardown),
		cmocka_unit_test(test_stop_requests_of_each_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
