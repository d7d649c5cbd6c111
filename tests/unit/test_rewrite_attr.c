/*
 * test_rewrite_attr.c - the tag with facts: its attributes in every
 * spelling a help desk or an HTML editor gives them, the whole tag
 * replaced, the HTML context where the widget may go, and hostile tags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "outgoing/rewrite.h"
#include "outgoing/rules.h"
#include "survey/nps.h"
#include "testlib.h"

#define TOKEN "t3sttok3naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NAME "[InsertSatisfactionEvaluation"
#define HDR_TEXT "Subject: x\nContent-Type: text/plain; charset=utf-8\n\n"
#define HDR_HTML "Subject: x\nContent-Type: text/html; charset=utf-8\n\n"

static struct config *cf;
static struct widget_templates *tpl;

static int
setup(void **state)
{
	struct npserr err;

	(void)state;
	setenv("NPSGATE_TEMPLATES_DIR", TEST_SRCDIR "/templates", 1);
	cf = config_defaults();
	tpl = widget_templates_load(cf->templates_dir, &err);
	if (tpl == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	widget_templates_free(tpl);
	config_free(cf);
	return 0;
}

/* rewrite_message on msg, with a survey or not; the body in res. */
static void
run(const char *msg, bool survey, struct rewrite_result *res)
{
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "en",
	    survey ? TOKEN : NULL, "nps+" TOKEN "@reply.example" };
	struct npserr err;

	assert_int_equal(rewrite_message(cf, tpl, &req, msg, strlen(msg), res,
	    &err), 0);
}

static const char *
fact(const struct rewrite_result *res, enum rewrite_fact f)
{
	return res->facts.v[f];
}

static bool
has(const struct rewrite_result *res, const char *s)
{
	return memmem(res->body.data, res->body.len, s, strlen(s)) != NULL;
}

static void
test_attrs_in_every_quote_style(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_TEXT "Hi\n" NAME " ticket=\"123\" agent='jdoe' "
	    "team=\xe2\x80\x9cSupport N1\xe2\x80\x9d channel=Email "
	    "REASON=\xe2\x80\x98Prix\xe2\x80\x99 Priority = P1 "
	    "status=closed]\nBye\n", true, &res);
	assert_int_equal(res.tags, 1);
	assert_int_equal(res.expanded, 1);
	assert_true(res.facts.found);
	assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "123");
	assert_string_equal(fact(&res, REWRITE_FACT_AGENT), "jdoe");
	assert_string_equal(fact(&res, REWRITE_FACT_TEAM), "Support N1");
	assert_string_equal(fact(&res, REWRITE_FACT_CHANNEL), "Email");
	assert_string_equal(fact(&res, REWRITE_FACT_REASON), "Prix");
	assert_string_equal(fact(&res, REWRITE_FACT_PRIORITY), "P1");
	assert_string_equal(fact(&res, REWRITE_FACT_STATUS), "closed");
	assert_null(fact(&res, REWRITE_FACT_LANG));
	assert_false(has(&res, "ticket"));
	assert_false(has(&res, "jdoe"));
	assert_true(has(&res, "Bye"));
	assert_int_equal(res.warn.len, 0);
	rewrite_result_clear(&res);
}

static void
test_tag_wrapped_over_lines_is_replaced_whole(void **state)
{
	struct rewrite_result res;

	(void)state;
	/* A text part made from HTML, wrapped at 80 columns. */
	run(HDR_TEXT "Hi\n" NAME " ticket=\"123\"\r\nagent=\"jdoe\"\n"
	    "  team=\"N1\"] Bye\n", false, &res);
	assert_int_equal(res.tags, 1);
	assert_string_equal(fact(&res, REWRITE_FACT_TEAM), "N1");
	assert_string_equal(buf_cstr(&res.body), "Hi\n Bye\n");
	rewrite_result_clear(&res);
}

static void
test_html_markup_and_entities_inside_the_tag(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_HTML "<p>" NAME "&nbsp;ticket=&quot;12&lt;3&quot; <span "
	    "style=\"x\">agent</span>=&ldquo;j<b>doe</b>&rdquo;<br>"
	    "team=&#39;A&amp;B&#39;]</p>\n", true, &res);
	assert_int_equal(res.expanded, 1);
	assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "12<3");
	assert_string_equal(fact(&res, REWRITE_FACT_AGENT), "jdoe");
	assert_string_equal(fact(&res, REWRITE_FACT_TEAM), "A&B");
	assert_false(has(&res, "agent"));
	assert_false(has(&res, "&quot;"));
	assert_true(has(&res, "<p><table") || has(&res, "<p><div") ||
	    has(&res, "<p><"));
	rewrite_result_clear(&res);
}

static void
test_tag_split_by_a_qp_soft_break(void **state)
{
	struct rewrite_result res;

	(void)state;
	run("Subject: x\nContent-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "<p>[InsertSatisfac=\ntionEvaluation ticket=3D\"77\" ag=\n"
	    "ent=3D\"jdoe\"]</p>\n", true, &res);
	assert_int_equal(res.expanded, 1);
	assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "77");
	assert_string_equal(fact(&res, REWRITE_FACT_AGENT), "jdoe");
	assert_false(has(&res, "ag=\nent"));
	assert_false(has(&res, "jdoe"));
	rewrite_result_clear(&res);
}

static void
test_every_tag_goes_and_the_first_with_attrs_gives_facts(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_TEXT NAME "]\n" NAME " ticket=1 agent=a]\n" NAME
	    " ticket=2 team=t]\n", false, &res);
	assert_int_equal(res.tags, 3);
	assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "1");
	assert_null(fact(&res, REWRITE_FACT_TEAM));
	assert_int_equal(res.body.len, 0);
	rewrite_result_clear(&res);
}

static void
test_html_part_wins_when_the_parts_disagree(void **state)
{
	struct rewrite_result res;

	(void)state;
	run("Subject: x\nContent-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\n" NAME " ticket=1 agent=tx]\n"
	    "--b\nContent-Type: text/html\n\n<p>" NAME " ticket=1 "
	    "agent=ht]</p>\n--b--\n", true, &res);
	assert_string_equal(fact(&res, REWRITE_FACT_AGENT), "ht");
	assert_non_null(strstr(buf_cstr(&res.warn), "disagree on agent"));
	rewrite_result_clear(&res);
}

static void
test_unknown_attribute_is_a_warning(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_TEXT NAME " ticket=5 colour=red]\n", true, &res);
	assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "5");
	assert_non_null(strstr(buf_cstr(&res.warn), "'colour' unknown"));
	assert_false(has(&res, "red"));
	rewrite_result_clear(&res);
}

static void
test_tag_in_html_attribute_comment_script_is_removed(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_HTML "<a title=\"" NAME " ticket=9]\">x</a>\n"
	    "<!-- " NAME "] -->\n<script>var s = '" NAME "]';</script>\n"
	    "<style>/* " NAME "] */</style>\n<p>" NAME "]</p>\n",
	    true, &res);
	assert_int_equal(res.tags, 5);
	assert_int_equal(res.expanded, 1);
	assert_null(fact(&res, REWRITE_FACT_TICKET));
	assert_false(has(&res, "InsertSatisfaction"));
	assert_true(has(&res, "<a title=\"-\">x</a>"));
	assert_true(has(&res, "<!-- - -->"));
	assert_true(has(&res, "var s = '-';"));
	assert_non_null(strstr(buf_cstr(&res.warn),
	    "inside an HTML attribute value"));
	assert_non_null(strstr(buf_cstr(&res.warn), "inside an HTML comment"));
	assert_non_null(strstr(buf_cstr(&res.warn), "<script> or <style>"));
	rewrite_result_clear(&res);
}

static void
test_outlook_conditional_comment_holds_text(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_HTML "<!--[if mso]><p>" NAME "]</p><![endif]-->\n"
	    "<!--[if !mso]><!--><p>" NAME "]</p><!--<![endif]-->\n",
	    true, &res);
	assert_int_equal(res.expanded, 2);
	rewrite_result_clear(&res);
}

static void
test_unclosed_tag_goes_to_the_end_of_its_line(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_TEXT "Hi\n" NAME " ticket=\"1\" agent=jdoe\nBye\n", true,
	    &res);
	assert_int_equal(res.tags, 1);
	assert_int_equal(res.expanded, 0);
	assert_string_equal(buf_cstr(&res.body), "Hi\n-\nBye\n");
	assert_non_null(strstr(buf_cstr(&res.warn), "closing ']'"));
	rewrite_result_clear(&res);
}

static void
test_nested_brackets_stay_inside_the_tag(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_TEXT "a " NAME " reason=[x] team=[[y]] agent=\"]\"] b\n",
	    false, &res);
	assert_string_equal(buf_cstr(&res.body), "a  b\n");
	assert_string_equal(fact(&res, REWRITE_FACT_AGENT), "]");
	rewrite_result_clear(&res);
}

static void
test_hostile_tags_never_leave_a_piece(void **state)
{
	struct rewrite_result res;
	struct buf m = BUF_INIT;
	int i;

	(void)state;
	/* 10 KB value: the tag goes, the value is refused. */
	buf_puts(&m, HDR_TEXT "a " NAME " ticket=\"");
	for (i = 0; i < 10240; i++)
		buf_putc(&m, 'x');
	buf_puts(&m, "\" agent=ok] b\n");
	run(buf_cstr(&m), true, &res);
	assert_false(has(&res, "xxxx"));
	assert_null(fact(&res, REWRITE_FACT_TICKET));
	assert_string_equal(fact(&res, REWRITE_FACT_AGENT), "ok");
	assert_non_null(strstr(buf_cstr(&res.warn), "10240 bytes"));
	rewrite_result_clear(&res);

	/* 1,000 attributes: one warning, the tag goes whole. */
	buf_reset(&m);
	buf_puts(&m, HDR_TEXT "a " NAME);
	for (i = 0; i < 1000; i++)
		buf_printf(&m, " k%d=v%d", i, i);
	buf_puts(&m, "] b\n");
	run(buf_cstr(&m), false, &res);
	assert_string_equal(buf_cstr(&res.body), "a  b\n");
	assert_non_null(strstr(buf_cstr(&res.warn), "more than 32"));
	assert_true(res.warn.len < 600);
	rewrite_result_clear(&res);

	/* A NUL inside. */
	buf_reset(&m);
	buf_puts(&m, HDR_TEXT "a " NAME " ticket=\"1");
	buf_putc(&m, '\0');
	buf_puts(&m, "2\"] b\n");
	{
		struct widget_request req = { SURVEY_NPS, STYLE_STARS, "en",
		    NULL, NULL };
		struct npserr err;

		assert_int_equal(rewrite_message(cf, tpl, &req, m.data, m.len,
		    &res, &err), 0);
	}
	assert_int_equal(res.body.len, 5);
	assert_memory_equal(res.body.data, "a  b\n", 5);
	assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "1 2");
	rewrite_result_clear(&res);

	/* A name rebuilt by removing the tag inside it. */
	run(HDR_TEXT "[InsertSatisfaction" NAME " a=1]Evaluation b=2] c\n",
	    false, &res);
	assert_string_equal(buf_cstr(&res.body), " c\n");
	rewrite_result_clear(&res);
	buf_free(&m);
}

static void
test_name_followed_by_a_letter_is_not_a_tag(void **state)
{
	struct rewrite_result res;

	(void)state;
	run(HDR_TEXT NAME "Extra] x\n", true, &res);
	assert_int_equal(res.tags, 0);
	assert_false(res.changed);
	rewrite_result_clear(&res);
}

static void
test_unreplaced_placeholders_are_unset(void **state)
{
	static const char *const ph[] = {
		"#{ticket.owner.login}", "<OTRS_OWNER_UserLogin>",
		"<OTOBO_TICKET_Queue>", "%{ticket.staff}",
		"{{ticket.assignee.name}}", "##ticket.assigntogroups##",
		"{%ticket.agentEmail%}", "{$Ticket->OwnerObj->Name}",
	};
	struct rewrite_result res;
	struct buf m = BUF_INIT;
	const char *p;
	size_t i, pl;

	(void)state;
	for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		assert_true(rules_value_unset(ph[i], strlen(ph[i]), &p, &pl));
		assert_int_equal(pl, strlen(ph[i]));
		buf_reset(&m);
		buf_printf(&m, HDR_TEXT NAME " ticket=7 agent=\"%s\" "
		    "team=- reason=\"\"]\n", ph[i]);
		run(buf_cstr(&m), true, &res);
		assert_string_equal(fact(&res, REWRITE_FACT_TICKET), "7");
		assert_null(fact(&res, REWRITE_FACT_AGENT));
		assert_null(fact(&res, REWRITE_FACT_TEAM));
		assert_null(fact(&res, REWRITE_FACT_REASON));
		assert_non_null(strstr(buf_cstr(&res.warn), ph[i]));
		assert_non_null(strstr(buf_cstr(&res.warn), "agent"));
		rewrite_result_clear(&res);
	}
	/* In HTML, Znuny escapes its tag: decoded, it is seen. */
	run(HDR_HTML "<p>" NAME " agent=&lt;OTRS_OWNER_UserLogin&gt; "
	    "ticket=8]</p>\n", true, &res);
	assert_null(fact(&res, REWRITE_FACT_AGENT));
	assert_non_null(strstr(buf_cstr(&res.warn), "<OTRS_OWNER_UserLogin>"));
	rewrite_result_clear(&res);
	/* Values that only look alike are kept. */
	assert_false(rules_value_unset("Team #1", 7, &p, &pl));
	assert_false(rules_value_unset("a-b", 3, &p, &pl));
	assert_false(rules_value_unset("{}", 2, &p, &pl));
	buf_free(&m);
}

static void
test_marker_is_removed_from_every_text_part(void **state)
{
	struct rewrite_result res;
	struct npserr err;
	const char *m = "Subject: x\nContent-Type: multipart/alternative; "
	    "boundary=b\n\n--b\nContent-Type: text/plain\n\nDone "
	    "##nosurvey##\n--b\nContent-Type: text/html\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n<p>Done ##nosur=\n"
	    "vey##</p>\n--b--\n";

	(void)state;
	assert_int_equal(rewrite_message_remove(cf, "##nosurvey##", m,
	    strlen(m), &res, &err), 0);
	assert_int_equal(res.tags, 2);
	assert_true(res.changed);
	assert_false(has(&res, "nosur"));
	assert_true(has(&res, "Done \n--b"));
	assert_true(has(&res, "<p>Done </p>"));
	rewrite_result_clear(&res);
}

static void
test_removed_tag_in_an_attribute_cannot_rebuild_one(void **state)
{
	struct rewrite_result res;

	(void)state;
	/* Found by fuzzing: the inner tag, in an attribute, went and the
	 * outer pieces joined into a tag with attributes. */
	run(HDR_HTML "<body style=\"[InsertSatisfaction" NAME " a=[0]]"
	    "Evaluation nt;\"><p>" NAME "]</p>\n", true, &res);
	assert_int_equal(res.expanded, 1);
	assert_false(has(&res, NAME " "));
	assert_true(has(&res, "[InsertSatisfaction-Evaluation nt;"));
	rewrite_result_clear(&res);
	/* Nor can the name before an unclosed one become a tag. */
	run(HDR_TEXT NAME NAME "\r<x\nBye\n", true, &res);
	assert_true(has(&res, NAME "-\nBye"));
	rewrite_result_clear(&res);
	/* Nor the name just before a tag that takes the widget. */
	run(HDR_HTML "<p>" NAME NAME "]</p>\n", true, &res);
	assert_int_equal(res.expanded, 1);
	assert_true(has(&res, NAME "-<"));
	rewrite_result_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attrs_in_every_quote_style),
		cmocka_unit_test(test_tag_wrapped_over_lines_is_replaced_whole),
		cmocka_unit_test(test_html_markup_and_entities_inside_the_tag),
		cmocka_unit_test(test_tag_split_by_a_qp_soft_break),
		cmocka_unit_test(
		    test_every_tag_goes_and_the_first_with_attrs_gives_facts),
		cmocka_unit_test(test_html_part_wins_when_the_parts_disagree),
		cmocka_unit_test(test_unknown_attribute_is_a_warning),
		cmocka_unit_test(
		    test_tag_in_html_attribute_comment_script_is_removed),
		cmocka_unit_test(test_outlook_conditional_comment_holds_text),
		cmocka_unit_test(test_unclosed_tag_goes_to_the_end_of_its_line),
		cmocka_unit_test(test_nested_brackets_stay_inside_the_tag),
		cmocka_unit_test(test_hostile_tags_never_leave_a_piece),
		cmocka_unit_test(test_name_followed_by_a_letter_is_not_a_tag),
		cmocka_unit_test(test_unreplaced_placeholders_are_unset),
		cmocka_unit_test(test_marker_is_removed_from_every_text_part),
		cmocka_unit_test(
		    test_removed_tag_in_an_attribute_cannot_rebuild_one),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
