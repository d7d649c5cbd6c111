/*
 * test_outgoing.c - the transformation of one outgoing mail: which
 * headers go, which come, the body, the hold, and the store row, with the
 * real rewrite, the test key and a real temporary store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/xalloc.h"
#include "conf/config.h"
#include "mail/queue_id.h"
#include "outgoing/outgoing.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "store/store_db.h"
#include "survey/token.h"
#include "testlib.h"

#define NOW 1800000000LL
#define TAG "[InsertSatisfactionEvaluation]"

struct fixture {
	char *dir;
	struct config *cf;
	struct keyring *ring;
	struct widget_templates *tpl;
	struct store *st;
	struct outgoing_header *hdrs;
	size_t n_hdrs;
	char *rcpts[3];
	struct outgoing_input in;
	struct outgoing_result res;
	bool have_res;
	struct buf out;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	struct npserr err;

	fx->st = testlib_store_make("out", 2000, &fx->dir);
	if (fx->st == NULL) {
		free(fx);
		return -1;
	}
	fx->cf = config_defaults();
	fx->ring = keyring_new_test();
	fx->tpl = widget_templates_load(TEST_SRCDIR "/templates", &err);
	if (fx->tpl == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	if (fx->have_res)
		outgoing_result_clear(&fx->res);
	buf_free(&fx->out);
	outgoing_headers_free(fx->hdrs, fx->n_hdrs);
	for (i = 0; i < 3; i++)
		free(fx->rcpts[i]);
	store_close(fx->st);
	widget_templates_free(fx->tpl);
	keyring_free(fx->ring);
	config_free(fx->cf);
	testlib_dir_remove(fx->dir);
	free(fx);
	return 0;
}

/* Runs outgoing_process on msg for rcpt; returns its status. */
static int
run(struct fixture *fx, const char *msg, const char *rcpt, bool use_store)
{
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	struct npserr err;
	int r;

	fx->n_hdrs = outgoing_headers_parse(msg, strlen(msg), &fx->hdrs);
	memset(&fx->in, 0, sizeof(fx->in));
	fx->in.hdrs = fx->hdrs;
	fx->in.n_hdrs = fx->n_hdrs;
	if (rcpt != NULL) {
		fx->rcpts[0] = xstrdup(rcpt);
		fx->in.rcpts = fx->rcpts;
		fx->in.n_rcpts = 1;
	}
	fx->in.msg = msg;
	fx->in.len = strlen(msg);
	fx->in.queue_id = "4ABCDEF0123";
	fx->in.now = NOW;
	fx->in.style = -1;
	r = outgoing_process(&ctx, use_store ? fx->st : NULL, &fx->in,
	    &fx->res, &err);
	fx->have_res = true;
	outgoing_apply(&fx->res, msg, strlen(msg), &fx->out);
	return r;
}

static const struct outgoing_edit *
edit_named(const struct outgoing_result *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->n_edits; i++)
		if (strcasecmp(res->edits[i].name, name) == 0)
			return &res->edits[i];
	return NULL;
}

/* The one integer an SQL query returns. */
static int
count(struct fixture *fx, const char *sql)
{
	return (int)testlib_sql_int(fx->st, sql, NULL);
}

static void
test_strip_removes_every_prefixed_header_last_first(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Ticket: T-1\r\n"
	    "Subject: hi\r\n"
	    "x-nps-ticket: T-2\r\n"
	    "X-NPS-Agent: marie\r\n"
	    "X-NPSX: not ours but prefixed? no\r\n"
	    "\r\n"
	    "body\r\n";

	assert_int_equal(run(fx, msg, "a@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_PLAIN);
	assert_int_equal(fx->res.n_edits, 3);
	assert_int_equal(fx->res.n_strip, 3);
	assert_string_equal(fx->res.edits[0].name, "X-NPS-Agent");
	assert_int_equal(fx->res.edits[0].index, 1);
	assert_string_equal(fx->res.edits[1].name, "x-nps-ticket");
	assert_int_equal(fx->res.edits[1].index, 2);
	assert_string_equal(fx->res.edits[2].name, "X-NPS-Ticket");
	assert_int_equal(fx->res.edits[2].index, 1);
	assert_false(fx->res.body_changed);
	assert_string_equal(fx->out.data,
	    "Subject: hi\r\nX-NPSX: not ours but prefixed? no\r\n\r\n"
	    "body\r\n");
}

static void
test_tag_free_mail_keeps_every_byte(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Subject: folded\n\tsubject\n"
	    "Content-Type: multipart/mixed; boundary=\"zz\"\n"
	    "\n"
	    "--zz\nContent-Type: text/plain\n\n[Insert no tag]\n--zz--\n";

	assert_int_equal(run(fx, msg, "a@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_PLAIN);
	assert_int_equal(fx->res.n_edits, 0);
	assert_int_equal(fx->out.len, strlen(msg));
	assert_memory_equal(fx->out.data, msg, strlen(msg));
}

static void
test_survey_sets_reply_to_and_mailto_unsubscribe(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "From: support@shop.example\r\n"
	    "Reply-To: support@shop.example\r\n"
	    "Message-ID: <m1@shop.example>\r\n"
	    "X-NPS-Ticket: T-42\r\n"
	    "X-NPS-Agent: marie\r\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "\r\n"
	    "<p>Merci</p><p>" TAG "</p>\r\n";
	const struct outgoing_edit *e;
	struct survey_rec got;
	struct token tok;
	struct npserr err;
	char want[256];

	assert_int_equal(run(fx, msg, "<Jane@Example.COM>", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_int_equal(strlen(fx->res.token), TOKEN_LEN);
	assert_int_equal(token_verify(fx->ring, fx->res.token, TOKEN_LEN,
	    NOW, 0, &tok), TOKEN_OK);
	assert_string_equal(tok.survey_id, fx->res.survey.id);

	snprintf(want, sizeof(want), "nps+%s@reply.example", fx->res.token);
	e = edit_named(&fx->res, "Reply-To");
	assert_non_null(e);
	assert_int_equal(e->op, OUTGOING_CHANGE);
	assert_int_equal(e->index, 1);
	assert_string_equal(e->value, want);
	snprintf(want, sizeof(want),
	    "<mailto:nps+%s@reply.example?subject=unsubscribe>",
	    fx->res.token);
	e = edit_named(&fx->res, "List-Unsubscribe");
	assert_non_null(e);
	assert_int_equal(e->op, OUTGOING_ADD);
	assert_string_equal(e->value, want);
	/* A mailto-only List-Unsubscribe cannot be one-click (RFC 8058). */
	e = edit_named(&fx->res, "List-Unsubscribe-Post");
	assert_non_null(e);
	assert_int_equal(e->op, OUTGOING_DELETE);
	assert_null(strstr(fx->out.data, "List-Unsubscribe-Post"));
	assert_null(strstr(fx->out.data, "X-NPS-"));
	assert_null(strstr(fx->out.data, TAG));
	assert_non_null(strstr(fx->out.data, "mailto:nps+"));
	assert_null(strstr(fx->out.data, "support@shop.example\r\nMessage"));

	assert_int_equal(fx->res.survey.status, SURVEY_SENT);
	assert_string_equal(fx->res.survey.recipient, "jane@example.com");
	assert_string_equal(fx->res.survey.ticket, "T-42");
	assert_string_equal(fx->res.survey.message_id, "<m1@shop.example>");
	assert_string_equal(fx->res.survey.queue_id, "4ABCDEF0123");
	assert_false(fx->res.hold);
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(store_survey_get(fx->st, fx->res.survey.id, &got,
	    &err), 1);
	assert_string_equal(got.recipient, "jane@example.com");
	assert_string_equal(got.agent, "marie");
	assert_int_equal(got.created_at, NOW);
	store_survey_clear(&got);
}

/* The survey row keeps where the help desk asked replies to go before
 * the survey's Reply-To replaced it: its Reply-To's first address. */
static void
test_survey_keeps_the_helpdesk_reply_to(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "From: Agent Marie <marie@shop.example>\r\n"
	    "Reply-To: \"Support, Shop\" <Support+T42@Shop.Example>,"
	    " other@shop.example\r\n"
	    "Message-ID: <m2@shop.example>\r\n"
	    "X-NPS-Ticket: T-42\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "Merci\r\n" TAG "\r\n";
	struct npserr err;

	assert_int_equal(run(fx, msg, "jane@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_string_equal(fx->res.survey.helpdesk_to,
	    "support+t42@shop.example");
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " helpdesk_to = 'support+t42@shop.example'"), 1);
}

/* Without a Reply-To, the help desk's From, its comment left out. */
static void
test_survey_keeps_the_helpdesk_from(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "From: support@shop.example (Shop support)\r\n"
	    "Message-ID: <m3@shop.example>\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "Merci\r\n" TAG "\r\n";
	struct npserr err;

	assert_int_equal(run(fx, msg, "jane@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_string_equal(fx->res.survey.helpdesk_to,
	    "support@shop.example");
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " helpdesk_to = 'support@shop.example'"), 1);
}

/* X-NPS-Lang in any of its forms picks the widget's language and the
 * survey's; a language without templates gets the default's, and the
 * log line says so. */
static void
test_lang_header_picks_the_widget_language(void **state)
{
	static const struct {
		const char *tag, *lang, *word;
	} c[] = {
		{ "de-DE", "de", "Bewertung" }, { "ger", "de", "Bewertung" },
		{ "es-419", "es", "Puntuaci" }, { "spa", "es", "Puntuaci" },
		{ "it", "it", "Voto" }, { "nl-BE", "nl", "Cijfer" },
		{ "dut", "nl", "Cijfer" }, { "pt-BR", "pt", "Nota" },
		{ "fra", "fr", "Note" }, { "sv-SE", "fr", "Note" },
	};
	struct fixture *fx = *state;
	char msg[512], want[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(msg, sizeof(msg), "From: support@shop.example\r\n"
		    "X-NPS-Lang: %s\r\n"
		    "Content-Type: text/html; charset=utf-8\r\n\r\n"
		    "<p>" TAG "</p>\r\n", c[i].tag);
		assert_int_equal(run(fx, msg, "<jane@example.com>", false), 0);
		assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
		if (strcmp(fx->res.survey.lang, c[i].lang) != 0)
			fail_msg("%s: survey lang %s, want %s", c[i].tag,
			    fx->res.survey.lang, c[i].lang);
		snprintf(want, sizeof(want), "subject=%s", c[i].word);
		if (strstr(fx->out.data, want) == NULL)
			fail_msg("%s: no %s in the widget", c[i].tag, want);
		snprintf(want, sizeof(want), " lang=%s", c[i].lang);
		assert_non_null(strstr(fx->res.summary, want));
		if (strcmp(c[i].tag, "sv-SE") == 0)
			assert_non_null(strstr(fx->res.summary,
			    "lang \"sv-SE\" has no templates, fr used"));
		else
			assert_null(strstr(fx->res.summary, "no templates"));
		outgoing_result_clear(&fx->res);
		fx->have_res = false;
		outgoing_headers_free(fx->hdrs, fx->n_hdrs);
		fx->hdrs = NULL;
		fx->n_hdrs = 0;
		free(fx->rcpts[0]);
		fx->rcpts[0] = NULL;
		buf_reset(&fx->out);
	}
}

static void
test_https_landing_page_gives_one_click(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Subject: x\r\n\r\n" TAG "\r\n";
	const struct outgoing_edit *e;
	char want[512];

	fx->cf->landing_url = xstrdup("https://nps.example/a?t={token}&"
	    "s={score}");
	assert_int_equal(run(fx, msg, "a@example.com", false), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	snprintf(want, sizeof(want), "<https://nps.example/a?t=%s&"
	    "s=unsubscribe>, <mailto:nps+%s@reply.example?subject="
	    "unsubscribe>", fx->res.token, fx->res.token);
	e = edit_named(&fx->res, "List-Unsubscribe");
	assert_non_null(e);
	assert_string_equal(e->value, want);
	e = edit_named(&fx->res, "List-Unsubscribe-Post");
	assert_non_null(e);
	assert_int_equal(e->op, OUTGOING_ADD);
	assert_string_equal(e->value, "List-Unsubscribe=One-Click");
}

static void
test_optout_removes_tag_and_leaves_event(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Survey: off\n"
	    "X-NPS-Agent: paul\n"
	    "X-NPS-Ticket: T-7\n"
	    "Message-ID: <m7@shop.example>\n"
	    "\n"
	    "Bonjour\n" TAG "\nAu revoir\n";
	struct npserr err;

	assert_int_equal(run(fx, msg, "bob@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_NO_SURVEY);
	assert_int_equal(fx->res.decision.verdict, RULES_OPTOUT);
	assert_int_equal(fx->res.event.kind, EVENT_OPTOUT);
	assert_string_equal(fx->res.event.agent, "paul");
	assert_string_equal(fx->res.event.ticket, "T-7");
	assert_string_equal(fx->res.event.recipient, "bob@example.com");
	assert_non_null(strstr(fx->res.event.detail, "<m7@shop.example>"));
	assert_true(fx->res.body_changed);
	assert_null(strstr(fx->out.data, TAG));
	assert_null(strstr(fx->out.data, "nps+"));
	assert_null(edit_named(&fx->res, "Reply-To"));
	assert_non_null(strstr(fx->out.data, "Bonjour\n"));
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE "
	    "kind = 'optout' AND agent = 'paul' AND ticket = 'T-7'"), 1);
}

/* An outgoing_commit_fn that lets a rival row be written first, once, as
 * another milter thread would, then writes its own. */
struct rival {
	const struct outgoing_result *res;
	bool written;
};

static int
commit_after_rival(struct store *st, const struct outgoing_result *res,
    void *arg, struct npserr *err)
{
	struct rival *rv = arg;

	if (!rv->written) {
		rv->written = true;
		assert_int_equal(outgoing_commit(st, rv->res, err), 0);
	}
	return outgoing_commit(st, res, err);
}

/* Two mails to one customer, both decided before either row is written
 * (two milter threads at once): the second row is refused inside the
 * write, and decided again, that mail is throttled. */
static void
test_throttle_is_checked_again_inside_the_write(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Message-ID: <r1@shop.example>\n\nBonjour\n" TAG "\n";
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	struct outgoing_result b, c;
	struct rival rv;
	const struct outgoing_result *both[2];
	struct npserr err, errs[2];
	int rc[2];

	fx->cf->min_days_between = 30;
	assert_int_equal(run(fx, msg, "ann@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &b, &err),
	    0);
	assert_int_equal(b.kind, OUTGOING_SURVEY);
	both[0] = &fx->res;
	both[1] = &b;
	outgoing_commit_batch(fx->st, both, 2, rc, errs);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], STORE_THROTTLED);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " recipient = 'ann@example.com'"), 1);

	outgoing_result_clear(&b);
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &b, &err),
	    0);
	assert_int_equal(b.kind, OUTGOING_NO_SURVEY);
	assert_int_equal(b.decision.verdict, RULES_THROTTLED);
	assert_int_equal(outgoing_commit(fx->st, &b, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE"
	    " kind = 'throttled' AND recipient = 'ann@example.com'"), 1);
	outgoing_result_clear(&b);

	/* The same race on the one-row path; another customer. */
	fx->rcpts[0][0] = 'b';	/* "bnn@example.com" */
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &b, &err),
	    0);
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &c, &err),
	    0);
	assert_int_equal(b.kind, OUTGOING_SURVEY);
	assert_int_equal(c.kind, OUTGOING_SURVEY);
	assert_int_equal(outgoing_commit(fx->st, &b, &err), 0);
	assert_int_equal(outgoing_commit(fx->st, &c, &err), STORE_THROTTLED);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " recipient = 'bnn@example.com'"), 1);
	outgoing_result_clear(&b);
	outgoing_result_clear(&c);

	/* outgoing_decide takes the refusal and decides once more. */
	fx->rcpts[0][0] = 'c';	/* "cnn@example.com" */
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &c, &err),
	    0);
	assert_int_equal(c.kind, OUTGOING_SURVEY);
	rv.res = &c;
	rv.written = false;
	assert_int_equal(outgoing_decide(&ctx, fx->st, &fx->in,
	    commit_after_rival, &rv, &b, &err), 0);
	assert_int_equal(b.kind, OUTGOING_NO_SURVEY);
	assert_int_equal(b.decision.verdict, RULES_THROTTLED);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " recipient = 'cnn@example.com'"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE"
	    " kind = 'throttled' AND recipient = 'cnn@example.com'"), 1);
	outgoing_result_clear(&b);
	outgoing_result_clear(&c);

	/* Without min_days_between, nothing is checked. */
	fx->cf->min_days_between = 0;
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &b, &err),
	    0);
	assert_int_equal(b.survey.throttle_from, 0);
	assert_int_equal(outgoing_commit(fx->st, &b, &err), 0);
	outgoing_result_clear(&b);
}

static void
test_delayed_channel_holds_with_due_time(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Channel: phone\r\n\r\n" TAG "\r\n";

	testlib_channel(fx->cf, "phone")->delay_days = 2;
	assert_int_equal(run(fx, msg, "c@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_true(fx->res.hold);
	assert_int_equal(fx->res.survey.status, SURVEY_HELD);
	assert_int_equal(fx->res.survey.due_at, NOW + 2 * 86400);
	assert_string_equal(fx->res.survey.channel, "phone");
	assert_non_null(strstr(fx->res.hold_reason, "npsgate"));
}

/* A held survey records the relay whose Postfix holds its mail ([general]
 * node), which alone releases it; a survey sent at once records none. */
static void
test_held_survey_records_its_relay(void **state)
{
	struct fixture *fx = *state;
	static const char held[] =
	    "X-NPS-Channel: phone\r\n\r\n" TAG "\r\n";
	static const char sent[] =
	    "X-NPS-Channel: email\r\n\r\n" TAG "\r\n";
	struct npserr err;

	free(fx->cf->node);
	fx->cf->node = xstrdup("relay-a");
	testlib_channel(fx->cf, "phone")->delay_days = 2;
	assert_int_equal(run(fx, held, "c@example.com", true), 0);
	assert_int_equal(fx->res.survey.status, SURVEY_HELD);
	assert_non_null(fx->res.survey.held_by);
	assert_string_equal(fx->res.survey.held_by, "relay-a");
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " status = 'held' AND held_by = 'relay-a'"), 1);
	outgoing_result_clear(&fx->res);
	fx->have_res = false;
	outgoing_headers_free(fx->hdrs, fx->n_hdrs);
	fx->hdrs = NULL;
	fx->n_hdrs = 0;
	free(fx->rcpts[0]);
	fx->rcpts[0] = NULL;
	buf_reset(&fx->out);

	assert_int_equal(run(fx, sent, "d@example.com", true), 0);
	assert_int_equal(fx->res.survey.status, SURVEY_SENT);
	assert_null(fx->res.survey.held_by);
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " status = 'sent' AND held_by IS NULL"), 1);
}

static void
test_plain_ascii_part_gets_utf8_headers(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Subject: x\n\nhello " TAG " there\n";
	const struct outgoing_edit *e;

	assert_int_equal(run(fx, msg, "d@example.com", false), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	e = edit_named(&fx->res, "Content-Type");
	assert_non_null(e);
	assert_int_equal(e->op, OUTGOING_ADD);
	assert_non_null(strcasestr(e->value, "utf-8"));
	e = edit_named(&fx->res, "MIME-Version");
	assert_non_null(e);
	assert_string_equal(e->value, "1.0");
	/* New fields follow the message's own line ends. */
	assert_null(strstr(fx->out.data, "\r\n"));
}

/* A header block that ends at a line of text, without a blank line: the
 * fields end where the MIME parser ends them, and the new message has
 * each byte of the body once, after a blank line. */
static void
test_header_ending_at_text_line_keeps_body_once(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Subject: x\nnot a field\nContent-Type: text/html\n\n"
	    "hello " TAG "\n";
	const char *p;

	assert_int_equal(run(fx, msg, "d@example.com", false), 0);
	assert_int_equal(fx->n_hdrs, 1);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	p = strstr(buf_cstr(&fx->out), "\n\nnot a field\n");
	assert_non_null(p);
	assert_null(strstr(p + 3, "not a field"));
	assert_null(strstr(buf_cstr(&fx->out), TAG));
}

static void
test_oversized_mail_only_loses_internal_headers(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Ticket: T\r\n\r\n" TAG "\r\n";
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	struct npserr err;

	fx->n_hdrs = outgoing_headers_parse(msg, strlen(msg), &fx->hdrs);
	memset(&fx->in, 0, sizeof(fx->in));
	fx->in.hdrs = fx->hdrs;
	fx->in.n_hdrs = fx->n_hdrs;
	fx->in.msg = msg;
	fx->in.len = strlen(msg);
	fx->in.oversized = true;
	fx->in.style = -1;
	assert_int_equal(outgoing_process(&ctx, fx->st, &fx->in, &fx->res,
	    &err), 0);
	fx->have_res = true;
	assert_int_equal(fx->res.kind, OUTGOING_OVERSIZED);
	assert_int_equal(fx->res.n_edits, 1);
	assert_int_equal(fx->res.edits[0].op, OUTGOING_DELETE);
	assert_false(fx->res.body_changed);
}

static void
test_store_failure_passes_mail_with_headers_stripped(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Ticket: T-9\r\nSubject: s\r\n\r\n" TAG "\r\n";
	struct npserr err;

	/* A store that cannot answer the unsubscribe question. */
	assert_int_equal(store_db_exec(fx->st, "DROP TABLE unsubscribed",
	    &err, "test"), 0);
	assert_int_equal(run(fx, msg, "e@example.com", true), -1);
	assert_int_equal(fx->res.kind, OUTGOING_FAILED);
	assert_int_equal(fx->res.n_edits, 1);
	assert_false(fx->res.body_changed);
	assert_string_equal(fx->res.token, "");
	assert_string_equal(fx->out.data, "Subject: s\r\n\r\n" TAG "\r\n");
	assert_non_null(strstr(fx->res.summary, "internal error"));
}

static void
test_fallback_drops_the_survey(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Ticket: T-10\r\nReply-To: s@shop.example\r\n\r\n"
	    TAG "\r\n";

	assert_int_equal(run(fx, msg, "f@example.com", false), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	outgoing_fallback(&fx->res);
	buf_reset(&fx->out);
	outgoing_apply(&fx->res, msg, strlen(msg), &fx->out);
	assert_int_equal(fx->res.kind, OUTGOING_FAILED);
	assert_string_equal(fx->out.data,
	    "Reply-To: s@shop.example\r\n\r\n" TAG "\r\n");
}

/* Three results (two surveys, one of them twice, and an event): the
 * group cannot be written whole, so each row is written on its own and
 * only the duplicate fails. */
static void
test_commit_batch_isolates_a_bad_row(void **state)
{
	struct fixture *fx = *state;
	static const char survey[] = "Subject: a\r\n\r\n" TAG "\r\n";
	static const char optout[] =
	    "X-NPS-Survey: off\r\n\r\n" TAG "\r\n";
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	struct outgoing_result r[3];
	const struct outgoing_result *v[4];
	struct outgoing_input in;
	struct outgoing_header *h[2];
	size_t nh[2], i;
	struct npserr err, errs[4];
	char *rc_addr[1] = { (char *)"g@example.com" };
	int rc[4];
	struct store_stmt *s;

	nh[0] = outgoing_headers_parse(survey, strlen(survey), &h[0]);
	nh[1] = outgoing_headers_parse(optout, strlen(optout), &h[1]);
	for (i = 0; i < 3; i++) {
		memset(&in, 0, sizeof(in));
		in.hdrs = h[i == 2];
		in.n_hdrs = nh[i == 2];
		in.rcpts = rc_addr;
		in.n_rcpts = 1;
		in.msg = i == 2 ? optout : survey;
		in.len = strlen(in.msg);
		in.now = NOW;
		in.style = -1;
		assert_int_equal(outgoing_process(&ctx, NULL, &in, &r[i],
		    &err), 0);
	}
	assert_int_equal(r[0].kind, OUTGOING_SURVEY);
	assert_int_equal(r[2].kind, OUTGOING_NO_SURVEY);
	v[0] = &r[0];
	v[1] = &r[1];
	v[2] = &r[0];		/* the same survey id again */
	v[3] = &r[2];
	outgoing_commit_batch(fx->st, v, 4, rc, errs);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], 0);
	assert_int_equal(rc[2], -1);
	assert_int_equal(rc[3], 0);
	s = store_db_prepare(fx->st, "SELECT (SELECT count(*) FROM surveys),"
	    " (SELECT count(*) FROM events)", &err);
	assert_non_null(s);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 2);
	assert_int_equal(store_col_int(s, 1), 1);
	store_db_done(s);

	/* A group without a bad row is written whole. */
	outgoing_result_clear(&r[0]);
	outgoing_result_clear(&r[1]);
	for (i = 0; i < 2; i++) {
		memset(&in, 0, sizeof(in));
		in.hdrs = h[0];
		in.n_hdrs = nh[0];
		in.rcpts = rc_addr;
		in.n_rcpts = 1;
		in.msg = survey;
		in.len = strlen(survey);
		in.now = NOW;
		in.style = -1;
		assert_int_equal(outgoing_process(&ctx, NULL, &in, &r[i],
		    &err), 0);
	}
	outgoing_commit_batch(fx->st, v, 2, rc, errs);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], 0);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 4);
	store_db_done(s);
	for (i = 0; i < 3; i++)
		outgoing_result_clear(&r[i]);
	outgoing_headers_free(h[0], nh[0]);
	outgoing_headers_free(h[1], nh[1]);
}

static void
test_tag_only_in_an_attachment_is_no_survey(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Ticket: T-20\r\n"
	    "Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n"
	    "--q\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
	    "--q\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment; filename=\"t.txt\"\r\n\r\n"
	    TAG "\r\n--q--\r\n";

	assert_int_equal(run(fx, msg, "i@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_PLAIN);
	assert_string_equal(fx->res.token, "");
	/* No survey, but the customer does not read the tag raw either: it
	 * goes where it stands, the attachment's other bytes kept. */
	assert_true(fx->res.body_changed);
	assert_int_equal(fx->res.raw_removed, 1);
	assert_non_null(strstr(fx->res.warning, "removed where they stood"));
	assert_int_equal(fx->res.n_edits, 1);
	assert_string_equal(fx->out.data,
	    "Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n"
	    "--q\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
	    "--q\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment; filename=\"t.txt\"\r\n\r\n"
	    "\r\n--q--\r\n");
	assert_int_equal(outgoing_commit(fx->st, &fx->res, NULL), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 0);
}

/* MIME that cannot be read, the bare tag typed in an 8bit part: the
 * rules decide first, then the rewrite finds nothing it can read; the tag
 * goes where it stands, no survey is recorded, and the log says so. */
static void
test_unreadable_mime_loses_its_raw_tag_without_survey(void **state)
{
	struct fixture *fx = *state;
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	static const char msg[] =
	    "X-NPS-Ticket: T-30\r\nSubject: s\r\n"
	    "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "Hello " TAG " bye\r\n";
	struct npserr err;

	fx->n_hdrs = outgoing_headers_parse(msg, strlen(msg), &fx->hdrs);
	memset(&fx->in, 0, sizeof(fx->in));
	fx->in.hdrs = fx->hdrs;
	fx->in.n_hdrs = fx->n_hdrs;
	fx->rcpts[0] = xstrdup("k@example.com");
	fx->in.rcpts = fx->rcpts;
	fx->in.n_rcpts = 1;
	fx->in.msg = msg;
	fx->in.len = strlen(msg);
	fx->in.now = NOW;
	fx->in.style = -1;
	assert_int_equal(outgoing_decide(&ctx, fx->st, &fx->in, NULL, NULL,
	    &fx->res, &err), 0);
	fx->have_res = true;
	outgoing_apply(&fx->res, msg, strlen(msg), &fx->out);
	assert_int_equal(fx->res.kind, OUTGOING_PLAIN);
	assert_string_equal(fx->res.token, "");
	assert_int_equal(fx->res.raw_removed, 1);
	assert_non_null(strstr(fx->res.summary, "MIME not readable, tag "
	    "removed where it stood"));
	assert_non_null(strstr(fx->res.warning, "never closed"));
	assert_null(strstr(fx->res.warning, "left unchanged"));
	assert_null(strstr(fx->out.data, TAG));
	assert_non_null(strstr(fx->out.data, "\r\n\r\nHello  bye\r\n"));
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 0);
}

/* A tag that can be neither replaced nor removed (quoted-printable in
 * MIME that cannot be read): the mail fails as an internal failure does,
 * so that on_error decides, and no survey is recorded. */
static void
test_tag_that_cannot_go_fails_the_mail(void **state)
{
	struct fixture *fx = *state;
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	static const char msg[] =
	    "Subject: s\r\n"
	    "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "=C3=A9t=C3=A9 " TAG " bye\r\n";
	struct npserr err;

	assert_int_equal(run(fx, msg, "l@example.com", true), -1);
	assert_true(fx->res.tag_stuck);
	assert_int_equal(fx->res.kind, OUTGOING_FAILED);
	assert_string_equal(fx->res.token, "");
	assert_non_null(strstr(fx->res.summary, "raw tag"));
	outgoing_result_clear(&fx->res);
	assert_int_equal(outgoing_decide(&ctx, fx->st, &fx->in, NULL, NULL,
	    &fx->res, &err), -1);
	assert_non_null(strstr(err.msg, "raw"));
	assert_true(fx->res.tag_stuck);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 0);
}

/* The widget goes out in the text, and the tag of a 7bit attachment, which
 * the rewrite never looks into, goes where it stands: the survey is
 * recorded, and no tag reaches the customer. */
static void
test_survey_with_a_tagged_attachment_leaves_no_raw_tag(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Subject: s\r\n"
	    "Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n"
	    "--q\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<p>Solved.</p><p>" TAG "</p>\r\n"
	    "--q\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment; filename=\"t.txt\"\r\n\r\n"
	    "log " TAG " end\r\n--q--\r\n";
	struct npserr err;

	assert_int_equal(run(fx, msg, "m@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_int_equal(fx->res.raw_removed, 1);
	assert_null(strstr(fx->out.data, TAG));
	assert_non_null(strstr(fx->out.data, "log  end\r\n--q--"));
	assert_non_null(strstr(fx->out.data, "mailto:nps+"));
	assert_int_equal(outgoing_commit(fx->st, &fx->res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 1);
}

static void
test_base64_tag_is_found(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "Qm9uam91ciBbSW5zZXJ0U2F0aXNmYWN0aW9uRXZhbHVhdGlvbl0g\r\n"
	    "bWVyY2kNCg==\r\n";

	assert_null(strstr(msg, TAG));
	assert_int_equal(run(fx, msg, "j@example.com", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_true(fx->res.body_changed);
}

static void
test_header_only_message_gets_no_blank_line(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] = "Subject: a\nX-NPS-Ticket: 1\n";

	assert_int_equal(run(fx, msg, "h@example.com", true), 0);
	assert_string_equal(fx->out.data, "Subject: a\n");
}

static void
test_headers_block_makes_folds_crlf(void **state)
{
	struct outgoing_header h[2] = {
		{ (char *)"Subject", (char *)"a\n\tb", 4 },
		{ (char *)"To", (char *)"x@y\r\n z", 7 },
	};
	struct buf b = BUF_INIT;

	(void)state;
	outgoing_headers_block(h, 2, &b);
	assert_string_equal(b.data, "Subject: a\r\n\tb\r\nTo: x@y\r\n z\r\n"
	    "\r\n");
	buf_free(&b);
}

static void
test_headers_parse_keeps_folds_and_skips_blanks(void **state)
{
	static const char msg[] = "A:  one\r\n two\r\nB:x\r\n\r\nbody";
	struct outgoing_header *h;
	size_t n;

	(void)state;
	n = outgoing_headers_parse(msg, strlen(msg), &h);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].name, "A");
	assert_string_equal(h[0].value, "one\r\n two");
	assert_int_equal(h[0].vlen, 9);
	assert_string_equal(h[1].name, "B");
	assert_string_equal(h[1].value, "x");
	outgoing_headers_free(h, n);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* A mail to the reply domain, even with the tag and an agent's header,
 * is never a survey: no token (it would sit in its own body and come
 * straight back to the reply mailbox), no row, the tag and the internal
 * headers removed. */
static void
test_mail_to_reply_domain_is_never_a_survey(void **state)
{
	struct fixture *fx = *state;
	static const char msg[] =
	    "X-NPS-Agent: Eve\r\nSubject: 10\r\n\r\nTen! " TAG "\r\n";

	assert_int_equal(run(fx, msg, "<NPS@Reply.Example>", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_REPLY_DOMAIN);
	assert_string_equal(fx->res.token, "");
	assert_null(strstr(fx->out.data, TAG));
	assert_null(strcasestr(fx->out.data, "X-NPS-"));
	assert_null(strstr(fx->out.data, "nps+"));
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM events"), 0);
	assert_non_null(strstr(fx->res.summary, "reply domain"));
	outgoing_result_clear(&fx->res);
	buf_reset(&fx->out);
	outgoing_headers_free(fx->hdrs, fx->n_hdrs);
	free(fx->rcpts[0]);
	/* Any address of the domain, with a token-like tail too. */
	assert_int_equal(run(fx, msg, "nps+aaaa@reply.example.", true), 0);
	assert_int_equal(fx->res.kind, OUTGOING_REPLY_DOMAIN);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 0);
}

/* The queue id comes from whoever talks to the milter: only a Postfix
 * queue id is recorded, and a mail to be held under anything else is
 * not held. */
static void
test_queue_id_is_recorded_only_when_postfix_made_it(void **state)
{
	struct fixture *fx = *state;
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	static const char msg[] =
	    "X-NPS-Channel: phone\r\n\r\n" TAG "\r\n";
	struct npserr err;

	assert_int_equal(run(fx, msg, "q@example.com", false), 0);
	assert_string_equal(fx->res.survey.queue_id, "4ABCDEF0123");
	outgoing_result_clear(&fx->res);
	fx->in.queue_id = "3Pt2mN2VXxznjll";
	assert_int_equal(outgoing_process(&ctx, NULL, &fx->in, &fx->res,
	    &err), 0);
	assert_string_equal(fx->res.survey.queue_id, "3Pt2mN2VXxznjll");
	outgoing_result_clear(&fx->res);
	fx->in.queue_id = "ALL";
	assert_int_equal(outgoing_process(&ctx, NULL, &fx->in, &fx->res,
	    &err), 0);
	assert_int_equal(fx->res.kind, OUTGOING_SURVEY);
	assert_null(fx->res.survey.queue_id);
	outgoing_result_clear(&fx->res);
	/* Held under "ALL", `npsgate release` would run postsuper -H ALL. */
	testlib_channel(fx->cf, "phone")->delay_days = 2;
	assert_int_equal(outgoing_process(&ctx, NULL, &fx->in, &fx->res,
	    &err), -1);
	assert_false(fx->res.hold);
	assert_non_null(strstr(err.msg, "'ALL' is not a Postfix queue id"));
}

/* A store locked by another process: the milter's bounded wait runs out,
 * the mail leaves without a survey, and without the raw tag either. */
static void
test_locked_store_leaves_no_raw_tag(void **state)
{
	struct fixture *fx = *state;
	struct outgoing_ctx ctx = { fx->cf, fx->ring, fx->tpl };
	static const char msg[] =
	    "X-NPS-Ticket: T-11\r\nSubject: s\r\n\r\nHello " TAG " bye\r\n";
	struct store *quick;
	struct npserr err;
	sqlite3 *rival;
	char *path = testlib_path(fx->dir, "npsgate.db");

	quick = store_open(path, 20, &err);
	assert_non_null(quick);
	assert_int_equal(sqlite3_open(path, &rival), SQLITE_OK);
	assert_int_equal(sqlite3_exec(rival, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	fx->n_hdrs = outgoing_headers_parse(msg, strlen(msg), &fx->hdrs);
	memset(&fx->in, 0, sizeof(fx->in));
	fx->in.hdrs = fx->hdrs;
	fx->in.n_hdrs = fx->n_hdrs;
	fx->rcpts[0] = xstrdup("g@example.com");
	fx->in.rcpts = fx->rcpts;
	fx->in.n_rcpts = 1;
	fx->in.msg = msg;
	fx->in.len = strlen(msg);
	fx->in.queue_id = "4ABCDEF0124";
	fx->in.now = NOW;
	fx->in.style = -1;
	assert_int_equal(outgoing_decide(&ctx, quick, &fx->in, NULL, NULL,
	    &fx->res, &err), -2);
	fx->have_res = true;
	assert_non_null(strstr(err.msg, "locked"));
	outgoing_apply(&fx->res, msg, strlen(msg), &fx->out);
	assert_int_equal(fx->res.kind, OUTGOING_FAILED);
	assert_string_equal(fx->res.token, "");
	assert_null(strstr(fx->out.data, TAG));
	assert_null(strstr(fx->out.data, "X-NPS-"));
	assert_null(strstr(fx->out.data, "nps+"));
	assert_non_null(strstr(fx->out.data, "Hello"));
	sqlite3_exec(rival, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(rival);
	store_close(quick);
	free(path);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys"), 0);
}

/* Postfix's two forms of queue id, and nothing else: never a word that
 * postsuper would apply to a whole queue. */
static void
test_queue_id_forms(void **state)
{
	static const char *const good[] = {
		"4ABCDEF0123", "C8D33E07DCF", "12345A", "3Pt2mN2VXxznjll",
		"3Pt2mN2VXxzZ", "4bNqJx2rG9z1Hk"
	};
	static const char *const bad[] = {
		"ALL", "all", "", "12345", "c8d33e07dcf", "4ABCDEF0123 ALL",
		"-d", "4ABC-DEF", "3Pt2mN2VXxz", "3Pt2mN2Vz1", "3Pt2mA2VXxznjll",
		"3Pt2mN2VXxznjll\n", "0123456789ABCDEF012345",
		"3Pt2mN2VXxzn;ll"
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!queue_id_valid(good[i], strlen(good[i])))
			fail_msg("refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (queue_id_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted '%s'", bad[i]);
	/* Exactly len bytes are read. */
	assert_true(queue_id_valid("4ABCDEF0123ALL", 11));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_strip_removes_every_prefixed_header_last_first),
		T(test_tag_free_mail_keeps_every_byte),
		T(test_survey_sets_reply_to_and_mailto_unsubscribe),
		T(test_survey_keeps_the_helpdesk_reply_to),
		T(test_survey_keeps_the_helpdesk_from),
		T(test_lang_header_picks_the_widget_language),
		T(test_https_landing_page_gives_one_click),
		T(test_optout_removes_tag_and_leaves_event),
		T(test_delayed_channel_holds_with_due_time),
		T(test_held_survey_records_its_relay),
		T(test_plain_ascii_part_gets_utf8_headers),
		T(test_header_ending_at_text_line_keeps_body_once),
		T(test_oversized_mail_only_loses_internal_headers),
		T(test_store_failure_passes_mail_with_headers_stripped),
		T(test_fallback_drops_the_survey),
		T(test_commit_batch_isolates_a_bad_row),
		T(test_header_only_message_gets_no_blank_line),
		T(test_tag_only_in_an_attachment_is_no_survey),
		T(test_base64_tag_is_found),
		T(test_unreadable_mime_loses_its_raw_tag_without_survey),
		T(test_tag_that_cannot_go_fails_the_mail),
		T(test_survey_with_a_tagged_attachment_leaves_no_raw_tag),
		T(test_throttle_is_checked_again_inside_the_write),
		T(test_mail_to_reply_domain_is_never_a_survey),
		T(test_queue_id_is_recorded_only_when_postfix_made_it),
		T(test_locked_store_leaves_no_raw_tag),
		cmocka_unit_test(test_queue_id_forms),
		cmocka_unit_test(test_headers_block_makes_folds_crlf),
		cmocka_unit_test(
		    test_headers_parse_keeps_folds_and_skips_blanks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
