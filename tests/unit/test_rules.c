/*
 * test_rules.c - the survey decision: opt-out, channels, reason and
 * priority lists, several recipients, unsubscribed customers, throttling
 * through a real store, and the delay.
 *
 * Each test gets config_defaults() (every channel on, no list, no delay)
 * and a fresh store in its own directory under /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/xalloc.h"
#include "conf/config.h"
#include "outgoing/rules.h"
#include "store/store.h"
#include "testlib.h"

#define NOW 1800000000LL
#define DAY 86400LL

struct fixture {
	char *dir;
	struct config *cf;
	struct store *st;
	struct rules_input in;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	fx->st = testlib_store_make("rules", 2000, &fx->dir);
	if (fx->st == NULL) {
		free(fx);
		return -1;
	}
	fx->cf = config_defaults();
	rules_input_init(&fx->in);
	fx->in.now = NOW;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rules_input_clear(&fx->in);
	store_close(fx->st);
	config_free(fx->cf);
	testlib_dir_remove(fx->dir);
	free(fx);
	return 0;
}

static void
hdr(struct fixture *fx, const char *name, const char *value)
{
	rules_input_set_header(&fx->in, fx->cf, name, strlen(name), value,
	    strlen(value));
}

static void
rcpt(struct fixture *fx, const char *addr)
{
	rules_input_add_rcpt(&fx->in, addr, strlen(addr));
}

static struct rules_decision
decide(struct fixture *fx)
{
	struct rules_decision dec;
	struct npserr err;

	assert_int_equal(rules_decide(fx->cf, fx->st, &fx->in, &dec, &err),
	    0);
	return dec;
}

/* A NULL-terminated list the config owns (freed by config_free). */
static char **
list_of(const char *a, const char *b, size_t *n)
{
	char **l = xcalloc(3, sizeof(char *));

	l[0] = xstrdup(a);
	*n = 1;
	if (b != NULL) {
		l[1] = xstrdup(b);
		*n = 2;
	}
	return l;
}

static void
list_drop(char **l)
{
	size_t i;

	for (i = 0; l[i] != NULL; i++)
		free(l[i]);
	free(l);
}

static void
add_survey(struct fixture *fx, const char *id, const char *to,
    int64_t created)
{
	struct survey_rec rec;
	struct npserr err;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.id, sizeof(rec.id), "%s", id);
	rec.type = SURVEY_NPS;
	rec.status = SURVEY_SENT;
	rec.recipient = (char *)to;
	rec.channel = (char *)"email";
	rec.created_at = created;
	assert_int_equal(store_survey_add(fx->st, &rec, &err), 0);
}

static void
test_plain_ticket_gets_nps_survey_now(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	hdr(fx, "X-NPS-Ticket", "T-1");
	rcpt(fx, "<jane@example.com>");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_int_equal(dec.type, SURVEY_NPS);
	assert_ptr_equal(dec.channel, testlib_channel(fx->cf, "email"));
	assert_string_equal(dec.channel_name, "email");
	assert_int_equal(dec.due_at, 0);
	assert_int_equal(dec.rcpt, 0);
}

static void
test_optout_wins_over_disabled_channel(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	testlib_channel(fx->cf, "phone")->enabled = false;
	hdr(fx, "X-NPS-Channel", "phone");
	hdr(fx, "X-NPS-Agent", "marie");
	hdr(fx, "X-NPS-Survey", "OFF");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_OPTOUT);
	assert_int_equal(rules_verdict_event(dec.verdict), EVENT_OPTOUT);
	assert_non_null(strstr(dec.why, "marie"));
}

static void
test_first_survey_header_counts(void **state)
{
	struct fixture *fx = *state;

	hdr(fx, "x-nps-survey", "off");
	hdr(fx, "X-NPS-Survey", "nps");
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_OPTOUT);
}

static void
test_survey_header_chooses_type(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	testlib_channel(fx->cf, "email")->type = SURVEY_CES;
	hdr(fx, "X-NPS-Survey", " csat ");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_int_equal(dec.type, SURVEY_CSAT);
}

static void
test_channel_type_without_survey_header(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	testlib_channel(fx->cf, "chat")->type = SURVEY_CES;
	hdr(fx, "X-NPS-Channel", "Chat");
	hdr(fx, "X-NPS-Survey", "on");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_ptr_equal(dec.channel, testlib_channel(fx->cf, "chat"));
	assert_int_equal(dec.type, SURVEY_CES);
}

static void
test_unknown_survey_value_is_not_eligible(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	hdr(fx, "X-NPS-Survey", "of");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_NOT_ELIGIBLE);
	assert_non_null(strstr(dec.why, "'of'"));
}

static void
test_unknown_channel_is_surveyed_under_its_name(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	hdr(fx, "X-NPS-Channel", "Fax");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_ptr_equal(dec.channel, &fx->cf->channel_default);
	assert_string_equal(dec.channel_name, "Fax");
}

/* The config's own words for its channels, read from a file as an
 * operator writes them. */
static void
use_config(struct fixture *fx, const char *text)
{
	config_free(fx->cf);
	fx->cf = testlib_config_load(fx->dir, text);
	assert_non_null(fx->cf);
}

static void
test_unknown_channel_gets_the_default_settings(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	/* [channel.email]'s settings are its own, not the unknown's. */
	use_config(fx, "[channel.email]\ntype = csat\ndelay_days = 3\n");
	hdr(fx, "X-NPS-Channel", "Fax");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_int_equal(dec.type, SURVEY_NPS);
	assert_int_equal(dec.delay_days, 0);
	assert_int_equal(dec.due_at, 0);
	assert_string_equal(dec.channel_name, "Fax");
}

static void
test_defined_channel_settings_apply(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	use_config(fx, "[channel.portal]\ntype = csat\ndelay_days = 2\n"
	    "[channel.kiosk]\nenabled = no\n[rules]\n"
	    "unknown_channel = skip\n");
	hdr(fx, "X-NPS-Channel", "Portal");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_ptr_equal(dec.channel, config_channel_find(fx->cf, "portal"));
	assert_string_equal(dec.channel_name, "portal");
	assert_int_equal(dec.type, SURVEY_CSAT);
	assert_int_equal(dec.delay_days, 2);
	assert_int_equal(dec.due_at, NOW + 2 * DAY);

	rules_input_clear(&fx->in);
	fx->in.now = NOW;
	hdr(fx, "X-NPS-Channel", "KIOSK");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_NOT_ELIGIBLE);
	assert_string_equal(dec.why, "channel kiosk has surveys switched off");
}

static void
test_alias_maps_a_word_to_a_defined_channel(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	use_config(fx, "[rules]\nchannel_aliases = Self Service: portal, "
	    "E-Mail: email\nunknown_channel = skip\n"
	    "[channel.portal]\ntype = ces\n");
	hdr(fx, "X-NPS-Channel", "self service");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_string_equal(dec.channel_name, "portal");
	assert_int_equal(dec.type, SURVEY_CES);
}

static void
test_unknown_channel_skipped_when_configured(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	fx->cf->unknown_channel = UNKNOWN_CHANNEL_SKIP;
	hdr(fx, "X-NPS-Channel", "fax");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_NOT_ELIGIBLE);
	assert_non_null(strstr(dec.why, "unknown channel 'fax'"));
}

static void
test_channel_alias_maps_the_help_desks_word(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;
	static char a0[] = "E-Mail: email", a1[] = "Direct : phone";
	static char *aliases[] = { a0, a1, NULL };

	fx->cf->channel_aliases = aliases;
	fx->cf->n_channel_aliases = 2;
	testlib_channel(fx->cf, "phone")->type = SURVEY_CES;
	hdr(fx, "X-NPS-Channel", "direct");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	fx->cf->channel_aliases = NULL;
	fx->cf->n_channel_aliases = 0;
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_ptr_equal(dec.channel, testlib_channel(fx->cf, "phone"));
	assert_int_equal(dec.type, SURVEY_CES);
	assert_string_equal(dec.channel_name, "phone");
}

static void
test_disabled_channel_is_not_eligible(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	testlib_channel(fx->cf, "social")->enabled = false;
	hdr(fx, "X-NPS-Channel", "social");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_NOT_ELIGIBLE);
	assert_non_null(strstr(dec.why, "social"));
}

static void
test_reason_list_matches_encoded_word(void **state)
{
	struct fixture *fx = *state;

	fx->cf->reasons = list_of("Prix", "Qualit\xc3\xa9", &fx->cf->n_reasons);
	hdr(fx, "X-NPS-Reason", "=?UTF-8?Q?Qualit=C3=A9?=");
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_SURVEY);
}

static void
test_reason_outside_list_is_not_eligible(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	fx->cf->reasons = list_of("Prix", "Incident", &fx->cf->n_reasons);
	hdr(fx, "X-NPS-Reason", "Livraison");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_NOT_ELIGIBLE);
	assert_non_null(strstr(dec.why, "reason 'Livraison'"));
}

static void
test_missing_reason_with_list_is_not_eligible(void **state)
{
	struct fixture *fx = *state;

	fx->cf->reasons = list_of("Prix", NULL, &fx->cf->n_reasons);
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_NOT_ELIGIBLE);
}

static void
test_priority_list_filters(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	fx->cf->priorities = list_of("P1", NULL, &fx->cf->n_priorities);
	hdr(fx, "X-NPS-Priority", "P2");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_NOT_ELIGIBLE);
	assert_non_null(strstr(dec.why, "priority 'P2'"));
	rules_input_clear(&fx->in);
	fx->in.now = NOW;
	hdr(fx, "X-NPS-Priority", " p1\r\n ");
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_SURVEY);
}

static void
test_several_recipients_first_policy_surveys_first(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	rcpt(fx, "<Jane@Example.COM>");
	rcpt(fx, "<boss@example.com>");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_int_equal(dec.rcpt, 0);
	assert_string_equal(fx->in.rcpts[0], "jane@example.com");
}

static void
test_several_recipients_skip_policy(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	fx->cf->multiple_recipients = MULTI_RCPT_SKIP;
	rcpt(fx, "jane@example.com");
	rcpt(fx, "boss@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_MULTI_RCPT);
	assert_int_equal(rules_verdict_event(dec.verdict), EVENT_MULTI_RCPT);
}

static void
test_no_recipient_is_not_eligible(void **state)
{
	struct fixture *fx = *state;

	rcpt(fx, "<>");
	assert_int_equal(fx->in.n_rcpts, 0);
	assert_int_equal(decide(fx).verdict, RULES_NOT_ELIGIBLE);
}

static void
test_recent_survey_throttles(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	fx->cf->min_days_between = 30;
	add_survey(fx, "aaaaaaaaaaaaaaaa", "jane@example.com", NOW - 29 * DAY);
	rcpt(fx, "JANE@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_THROTTLED);
	assert_int_equal(rules_verdict_event(dec.verdict), EVENT_THROTTLED);
}

static void
test_old_survey_does_not_throttle(void **state)
{
	struct fixture *fx = *state;

	fx->cf->min_days_between = 30;
	add_survey(fx, "bbbbbbbbbbbbbbbb", "jane@example.com", NOW - 31 * DAY);
	add_survey(fx, "cccccccccccccccc", "other@example.com", NOW - DAY);
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_SURVEY);
}

static void
test_no_throttle_when_min_days_zero(void **state)
{
	struct fixture *fx = *state;

	add_survey(fx, "dddddddddddddddd", "jane@example.com", NOW - 60);
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_SURVEY);
}

static void
test_unsubscribed_customer_is_suppressed(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;

	assert_int_equal(store_unsubscribe_add(fx->st, "jane@example.com",
	    NOW - DAY, NULL, &err), 0);
	rcpt(fx, "<Jane@example.com>");
	assert_int_equal(decide(fx).verdict, RULES_SUPPRESSED);
}

static void
test_without_store_no_throttle_check(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;
	struct npserr err;

	fx->cf->min_days_between = 30;
	add_survey(fx, "eeeeeeeeeeeeeeee", "jane@example.com", NOW - DAY);
	rcpt(fx, "jane@example.com");
	assert_int_equal(rules_decide(fx->cf, NULL, &fx->in, &dec, &err), 0);
	assert_int_equal(dec.verdict, RULES_SURVEY);
}

static void
test_delay_days_sets_due_time(void **state)
{
	struct fixture *fx = *state;
	struct rules_decision dec;

	testlib_channel(fx->cf, "web")->delay_days = 3;
	hdr(fx, "X-NPS-Channel", "web");
	rcpt(fx, "jane@example.com");
	dec = decide(fx);
	assert_int_equal(dec.verdict, RULES_SURVEY);
	assert_int_equal(dec.delay_days, 3);
	assert_int_equal(dec.due_at, NOW + 3 * DAY);
}

static void
test_header_values_are_cleaned(void **state)
{
	struct fixture *fx = *state;
	static const char v[] = "  T-\x01" "42\r\n\tsuite ";

	assert_int_equal(rules_input_set_header(&fx->in, fx->cf,
	    "X-Nps-Ticket", 12, v, sizeof(v) - 1), RULES_F_TICKET);
	assert_string_equal(fx->in.field[RULES_F_TICKET], "T- 42 suite");
	assert_int_equal(rules_input_set_header(&fx->in, fx->cf,
	    "Subject", 7, "x", 1), -1);
	assert_int_equal(rules_input_set_header(&fx->in, fx->cf,
	    "X-NPS-Custom", 12, "x", 1), -2);
	assert_true(fx->in.any_header);
}

static void
test_configured_prefix_is_used(void **state)
{
	struct fixture *fx = *state;

	free(fx->cf->header_prefix);
	fx->cf->header_prefix = xstrdup("X-Survey-");
	hdr(fx, "X-NPS-Survey", "off");
	assert_false(fx->in.any_header);
	hdr(fx, "x-survey-survey", "off");
	rcpt(fx, "jane@example.com");
	assert_int_equal(decide(fx).verdict, RULES_OPTOUT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* Without a scope every mail is examined; with one, a mail must meet
 * each condition set. */
static void
test_scope_conditions(void **state)
{
	struct fixture *fx = *state;
	struct config *cf = fx->cf;

	assert_false(rules_scope_is_set(cf));
	assert_true(rules_scope_client(cf, "203.0.113.9"));
	assert_true(rules_scope_login(cf, NULL));
	assert_true(rules_scope_sender(cf, "<>"));

	cf->scope_clients = list_of("10.1.0.0/16", "2001:db8::/32",
	    &cf->n_scope_clients);
	assert_true(rules_scope_is_set(cf));
	assert_true(rules_scope_client(cf, "10.1.200.3"));
	assert_true(rules_scope_client(cf, "::ffff:10.1.0.1"));
	assert_true(rules_scope_client(cf, "2001:db8:1::5"));
	assert_false(rules_scope_client(cf, "10.2.0.1"));
	assert_false(rules_scope_client(cf, "203.0.113.9"));
	assert_false(rules_scope_client(cf, "2001:db9::1"));
	assert_false(rules_scope_client(cf, NULL));
	assert_false(rules_scope_client(cf, "localhost"));

	cf->scope_logins = list_of("helpdesk", NULL, &cf->n_scope_logins);
	assert_true(rules_scope_login(cf, "helpdesk"));
	assert_false(rules_scope_login(cf, "HelpDesk2"));
	assert_false(rules_scope_login(cf, NULL));
	assert_false(rules_scope_login(cf, ""));
	list_drop(cf->scope_logins);
	cf->scope_logins = list_of("any", NULL, &cf->n_scope_logins);
	assert_true(rules_scope_login(cf, "jane"));
	assert_false(rules_scope_login(cf, NULL));

	cf->scope_senders = list_of("helpdesk@shop.example",
	    "@support.shop.example", &cf->n_scope_senders);
	assert_true(rules_scope_sender(cf, "<HelpDesk@Shop.Example>"));
	assert_true(rules_scope_sender(cf, "t-42@support.shop.example"));
	assert_false(rules_scope_sender(cf, "helpdesk@shop.example.evil"));
	assert_false(rules_scope_sender(cf, "x@evil-support.shop.example"));
	assert_false(rules_scope_sender(cf, "<>"));
	assert_false(rules_scope_sender(cf, NULL));
	list_drop(cf->scope_senders);
	cf->scope_senders = list_of("support-*@shop.example", NULL,
	    &cf->n_scope_senders);
	assert_true(rules_scope_sender(cf, "support-fr@shop.example"));
	assert_false(rules_scope_sender(cf, "sales@shop.example"));
}

/* Any recipient in the reply address's domain makes the mail one that is
 * never surveyed. */
static void
test_reply_domain_recipient_is_found(void **state)
{
	struct fixture *fx = *state;

	rcpt(fx, "<jane@example.com>");
	assert_int_equal(rules_rcpt_reply_domain(fx->cf, &fx->in), -1);
	rcpt(fx, "<nps@reply.example.evil>");
	assert_int_equal(rules_rcpt_reply_domain(fx->cf, &fx->in), -1);
	rcpt(fx, "<Other@REPLY.example>");
	assert_int_equal(rules_rcpt_reply_domain(fx->cf, &fx->in), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plain_ticket_gets_nps_survey_now),
		T(test_scope_conditions),
		T(test_reply_domain_recipient_is_found),
		T(test_optout_wins_over_disabled_channel),
		T(test_first_survey_header_counts),
		T(test_survey_header_chooses_type),
		T(test_channel_type_without_survey_header),
		T(test_unknown_survey_value_is_not_eligible),
		T(test_unknown_channel_is_surveyed_under_its_name),
		T(test_unknown_channel_gets_the_default_settings),
		T(test_defined_channel_settings_apply),
		T(test_alias_maps_a_word_to_a_defined_channel),
		T(test_unknown_channel_skipped_when_configured),
		T(test_channel_alias_maps_the_help_desks_word),
		T(test_disabled_channel_is_not_eligible),
		T(test_reason_list_matches_encoded_word),
		T(test_reason_outside_list_is_not_eligible),
		T(test_missing_reason_with_list_is_not_eligible),
		T(test_priority_list_filters),
		T(test_several_recipients_first_policy_surveys_first),
		T(test_several_recipients_skip_policy),
		T(test_no_recipient_is_not_eligible),
		T(test_recent_survey_throttles),
		T(test_old_survey_does_not_throttle),
		T(test_no_throttle_when_min_days_zero),
		T(test_unsubscribed_customer_is_suppressed),
		T(test_without_store_no_throttle_check),
		T(test_delay_days_sets_due_time),
		T(test_header_values_are_cleaned),
		T(test_configured_prefix_is_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
