/*
 * test_forward.c - the replies handed on to the help desk: which ones
 * (the mode, per channel), the bytes of the mail that takes them, and
 * exactly once through a sendmail that fails, then works.
 *
 * The end-to-end tests run the real analysis, the real store and a fake
 * sendmail (a script in the test's directory that keeps each call's
 * arguments and message, and fails while a file "fail" is there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "incoming/forward.h"
#include "incoming/ingest.h"
#include "store/store.h"
#include "survey/token.h"
#include "testlib.h"

#define NOW ((time_t)1790000000)	/* Mon, 21 Sep 2026 14:13:20 +0000 */
#define HELPDESK "support@shop.example"

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

static int
setup(void **state)
{
	struct testlib_fx *fx = testlib_fx_new("fwd");
	struct buf script = BUF_INIT, path = BUF_INIT;

	if (fx == NULL)
		return -1;
	buf_printf(&script, "#!/bin/sh\nd=%s\n"
	    "if [ -f \"$d/fail\" ]; then echo 'fake: queue full' >&2;"
	    " exit 75; fi\n"
	    "n=$(( $(cat \"$d/n\" 2>/dev/null || echo 0) + 1 ))\n"
	    "echo $n >\"$d/n\"\n"
	    "printf '%%s\\n' \"$@\" >\"$d/call$n.args\"\n"
	    "cat >\"$d/call$n.msg\"\n", fx->dir);
	buf_printf(&path, "%s/sendmail", fx->dir);
	if (testlib_file_write(buf_cstr(&path), script.data, script.len,
	    0755) < 0)
		return -1;
	set_str(&fx->cf->sendmail, buf_cstr(&path));
	buf_free(&script);
	buf_free(&path);
	fx->now = NOW;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	testlib_fx_free(*state);
	return 0;
}

/* A survey to the customer from a help desk whose address is helpdesk
 * (NULL: a row from before it was kept), of channel. */
static void
survey_new(struct testlib_fx *fx, const char *helpdesk, const char *channel,
    char tok[TOKEN_LEN + 1], char id[TOKEN_ID_LEN + 1])
{
	struct survey_rec r;

	memset(&r, 0, sizeof(r));
	r.type = SURVEY_NPS;
	r.status = SURVEY_SENT;
	r.message_id = "<survey-1@shop.example>";
	r.recipient = "client@example.com";
	r.ticket = "T-1";
	r.channel = (char *)channel;
	r.helpdesk_to = (char *)helpdesk;
	r.created_at = fx->now - 60;
	assert_int_equal(testlib_fx_survey_add(fx, fx->now - 60, &r, tok), 0);
	memcpy(id, r.id, TOKEN_ID_LEN + 1);
}

/* The customer's reply to the survey with token tok, as an IMAP server
 * hands it over (CRLF, the trace of its delivery on top). */
static char *
reply_make(const char *tok, const char *msgid, const char *body)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "Return-Path: <client@example.com>\r\n"
	    "Delivered-To: nps+%s@reply.example\r\n"
	    "From: Client <client@example.com>\r\n"
	    "To: nps+%s@reply.example\r\n"
	    "Message-ID: %s\r\n"
	    "In-Reply-To: <survey-1@shop.example>\r\n"
	    "References: <survey-1@shop.example>\r\n"
	    "Subject: Re: [Ticket#T-1] Your ticket is closed\r\n"
	    "Date: Mon, 21 Sep 2026 14:00:00 +0000\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n%s\r\n", tok, tok, msgid, body);
	return buf_steal(&b);
}

static void
ingest_ok(struct testlib_fx *fx, const char *msg, struct ingest_outcome *out)
{
	struct ingest_ctx ctx = { fx->cf, fx->ring, fx->st, fx->now, true,
	    NULL, NULL };
	struct npserr err;

	npserr_clear(&err);
	if (ingest_message(&ctx, msg, strlen(msg), out, &err) != 0)
		fail_msg("ingest_message: %s", err.msg);
}

static long
count(struct testlib_fx *fx, const char *sql)
{
	return (long)testlib_sql_int(fx->st, sql, NULL);
}

/* How many mails the fake sendmail took. */
static int
calls(struct testlib_fx *fx)
{
	char *p = testlib_path(fx->dir, "n"), *s;
	int n = 0;

	if ((s = testlib_file_read(p, NULL)) != NULL)
		n = atoi(s);
	free(s);
	free(p);
	return n;
}

static char *
call_file(struct testlib_fx *fx, int n, const char *ext)
{
	char name[32], *p, *s;

	snprintf(name, sizeof(name), "call%d.%s", n, ext);
	p = testlib_path(fx->dir, name);
	s = testlib_file_read(p, NULL);
	free(p);
	assert_non_null(s);
	return s;
}

static void
send_due(struct testlib_fx *fx, time_t now, struct forward_report *rep)
{
	struct npserr err;

	npserr_clear(&err);
	if (forward_send_due(fx->cf, fx->st, now, rep, &err) != 0)
		fail_msg("forward_send_due: %s", err.msg);
}

/* --- the decision ----------------------------------------------------- */

static void
test_wanted_follows_the_mode(void **state)
{
	(void)state;
	/* no-score: a response without a score, whatever its text. */
	assert_true(forward_wanted(FORWARD_NO_SCORE, INGEST_RESPONSE, -1,
	    "it still does not work"));
	assert_true(forward_wanted(FORWARD_NO_SCORE, INGEST_RESPONSE, -1,
	    NULL));
	assert_false(forward_wanted(FORWARD_NO_SCORE, INGEST_RESPONSE, 3,
	    "slow"));
	/* comments: also a scored answer with words. */
	assert_true(forward_wanted(FORWARD_COMMENTS, INGEST_RESPONSE, 3,
	    "slow"));
	assert_false(forward_wanted(FORWARD_COMMENTS, INGEST_RESPONSE, 9,
	    " \n"));
	assert_true(forward_wanted(FORWARD_COMMENTS, INGEST_RESPONSE, -1,
	    NULL));
	/* none: nothing. */
	assert_false(forward_wanted(FORWARD_NONE, INGEST_RESPONSE, -1,
	    "it still does not work"));
	/* Robots and mail without a verified survey, never. */
	assert_false(forward_wanted(FORWARD_COMMENTS, INGEST_AUTOREPLY, -1,
	    "away"));
	assert_false(forward_wanted(FORWARD_COMMENTS, INGEST_BOUNCE, -1,
	    NULL));
	assert_false(forward_wanted(FORWARD_COMMENTS, INGEST_UNSUBSCRIBE, -1,
	    NULL));
	/* Unmatched: the caller knows the survey its expired token names. */
	assert_true(forward_wanted(FORWARD_NO_SCORE, INGEST_UNMATCHED, -1,
	    NULL));
	assert_true(forward_wanted(FORWARD_COMMENTS, INGEST_UNMATCHED, -1,
	    "x"));
	assert_false(forward_wanted(FORWARD_NONE, INGEST_UNMATCHED, -1,
	    "x"));
	assert_false(forward_wanted(FORWARD_COMMENTS, INGEST_UNPARSED, -1,
	    NULL));
}

static void
test_mode_of_channel_overrides_imap(void **state)
{
	struct testlib_fx *fx = *state;

	assert_int_equal(fx->cf->forward_to_helpdesk, FORWARD_NO_SCORE);
	assert_int_equal(forward_mode_of(fx->cf, "phone"), FORWARD_NO_SCORE);
	testlib_channel(fx->cf, "phone")->forward_to_helpdesk = FORWARD_NONE;
	fx->cf->forward_to_helpdesk = FORWARD_COMMENTS;
	assert_int_equal(forward_mode_of(fx->cf, "phone"), FORWARD_NONE);
	assert_int_equal(forward_mode_of(fx->cf, "chat"), FORWARD_COMMENTS);
	/* No channel: [channel.email]'s. One the config does not name: the
	 * default settings of a channel, which follow [imap]. */
	testlib_channel(fx->cf, "email")->forward_to_helpdesk = FORWARD_NO_SCORE;
	assert_int_equal(forward_mode_of(fx->cf, NULL), FORWARD_NO_SCORE);
	assert_int_equal(forward_mode_of(fx->cf, "kiosk"), FORWARD_COMMENTS);
}

static void
test_refuses_reply_domain_and_non_addresses(void **state)
{
	struct testlib_fx *fx = *state;

	assert_false(forward_refused(fx->cf, HELPDESK));
	assert_true(forward_refused(fx->cf, "nps@reply.example"));
	assert_true(forward_refused(fx->cf, "help@REPLY.example"));
	assert_true(forward_refused(fx->cf, "no-at-sign"));
	assert_true(forward_refused(fx->cf, "a b@shop.example"));
	assert_true(forward_refused(fx->cf, NULL));
}

/* --- the mail --------------------------------------------------------- */

/* A resend: our Resent-* block and Auto-Submitted on top, then the
 * customer's header (its delivery trace left out) and body as they came,
 * LF line ends. */
static void
test_build_is_a_resend_of_the_customer_mail(void **state)
{
	struct testlib_fx *fx = *state;
	static const char msg[] =
	    "Return-Path: <client@example.com>\r\n"
	    "Delivered-To: nps+tok@reply.example\r\n"
	    "X-Original-To: nps+tok@reply.example\r\n"
	    "From: Client <client@example.com>\r\n"
	    "Reply-To: client.home@example.com\r\n"
	    "To: nps+tok@reply.example\r\n"
	    "Auto-Submitted: no\r\n"
	    "Subject: Re: [Ticket#T-1]\r\n"
	    " closed\r\n"
	    "In-Reply-To: <survey-1@shop.example>\r\n"
	    "References: <a@shop.example>\r\n"
	    "\t<survey-1@shop.example>\r\n"
	    "\r\n"
	    "It still does not work.\r\n"
	    "\r\n"
	    "Delivered-To: in the body stays\r\n";
	static const char want[] =
	    "Resent-From: <nps@reply.example>\n"
	    "Resent-To: <support@shop.example>\n"
	    "Resent-Date: Mon, 21 Sep 2026 14:13:20 +0000\n"
	    "Resent-Message-ID: <npsgate.fwd.0a1b2c.1790000000"
	    "@reply.example>\n"
	    "Auto-Submitted: auto-forwarded\n"
	    "From: Client <client@example.com>\n"
	    "Reply-To: client.home@example.com\n"
	    "To: nps+tok@reply.example\n"
	    "Subject: Re: [Ticket#T-1]\n"
	    " closed\n"
	    "In-Reply-To: <survey-1@shop.example>\n"
	    "References: <a@shop.example>\n"
	    "\t<survey-1@shop.example>\n"
	    "\n"
	    "It still does not work.\n"
	    "\n"
	    "Delivered-To: in the body stays\n";
	struct buf out = BUF_INIT;

	forward_build(fx->cf, msg, strlen(msg), HELPDESK, "sha256:0a1b2c",
	    NOW, &out);
	assert_string_equal(buf_cstr(&out), want);
	buf_free(&out);
}

/* A message without a body, or without a final line end, still makes a
 * whole mail. */
static void
test_build_completes_a_truncated_message(void **state)
{
	struct testlib_fx *fx = *state;
	static const char msg[] = "From: a@b.example\nSubject: x";
	struct buf out = BUF_INIT;
	const char *p;

	forward_build(fx->cf, msg, strlen(msg), HELPDESK, NULL, NOW, &out);
	p = strstr(buf_cstr(&out), "From: a@b.example\nSubject: x\n\n");
	assert_non_null(p);
	assert_string_equal(p, "From: a@b.example\nSubject: x\n\n");
	buf_free(&out);
}

/* --- through ingest and sendmail --------------------------------------- */

/* "it still does not work" reaches the help desk once: the send that
 * fails is tried again later, the one that works marks it sent, and the
 * same message read again sends nothing more. */
static void
test_no_score_reply_forwarded_once_despite_failure(void **state)
{
	struct testlib_fx *fx = *state;
	struct forward_report rep;
	struct ingest_outcome out;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], *fail, *msg, *s;

	survey_new(fx, HELPDESK, "email", tok, id);
	msg = reply_make(tok, "<r1@example.com>", "It still does not work.");
	fail = testlib_path(fx->dir, "fail");
	assert_int_equal(testlib_file_write(fail, "", 0, 0644), 0);

	ingest_ok(fx, msg, &out);
	assert_int_equal(out.kind, INGEST_RESPONSE);
	assert_int_equal(out.score, -1);
	assert_string_equal(out.folder, "NeedsReview");
	ingest_outcome_clear(&out);
	assert_int_equal(count(fx, "SELECT count(*) FROM forwards WHERE"
	    " state = 'pending' AND rcpt = '" HELPDESK "'"), 1);

	/* sendmail fails: nothing sent, a retry a minute later. */
	send_due(fx, NOW, &rep);
	assert_int_equal(rep.sent, 0);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(calls(fx), 0);
	assert_int_equal(count(fx, "SELECT next_attempt_at FROM forwards"),
	    (long)NOW + 60);
	send_due(fx, NOW + 30, &rep);
	assert_int_equal(rep.failed + rep.sent, 0);

	/* sendmail works again: sent once, at the retry time. */
	assert_int_equal(unlink(fail), 0);
	send_due(fx, NOW + 60, &rep);
	assert_int_equal(rep.sent, 1);
	assert_int_equal(calls(fx), 1);
	s = call_file(fx, 1, "args");
	assert_string_equal(s, "-i\n-f\n<>\n--\n" HELPDESK "\n");
	free(s);
	s = call_file(fx, 1, "msg");
	assert_non_null(strstr(s, "Resent-To: <" HELPDESK ">\n"));
	assert_non_null(strstr(s, "Auto-Submitted: auto-forwarded\n"));
	assert_non_null(strstr(s, "\nFrom: Client <client@example.com>\n"));
	assert_non_null(strstr(s, "\nSubject: Re: [Ticket#T-1]"));
	assert_non_null(strstr(s, "\nIn-Reply-To: <survey-1@shop.example>\n"));
	assert_non_null(strstr(s, "\n\nIt still does not work.\n"));
	assert_null(strstr(s, "Delivered-To"));
	assert_null(strstr(s, "\r"));
	free(s);
	assert_int_equal(count(fx, "SELECT count(*) FROM forwards WHERE"
	    " state = 'sent' AND message IS NULL"), 1);

	/* Never twice: later runs, and the same message read again. */
	send_due(fx, NOW + 100000, &rep);
	assert_int_equal(rep.sent + rep.failed, 0);
	ingest_ok(fx, msg, &out);
	assert_true(out.duplicate);
	ingest_outcome_clear(&out);
	send_due(fx, NOW + 200000, &rep);
	assert_int_equal(calls(fx), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM forwards"), 1);
	free(fail);
	free(msg);
}

/* A configured envelope sender replaces the null one. */
static void
test_forward_sender_is_the_configured_one(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_outcome out;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], *msg, *s;

	set_str(&fx->cf->forward_sender, "nps-bounces@shop.example");
	survey_new(fx, HELPDESK, NULL, tok, id);
	msg = reply_make(tok, "<r2@example.com>", "Still broken!");
	ingest_ok(fx, msg, &out);
	ingest_outcome_clear(&out);
	send_due(fx, NOW, NULL);
	s = call_file(fx, 1, "args");
	assert_string_equal(s, "-i\n-f\nnps-bounces@shop.example\n--\n"
	    HELPDESK "\n");
	free(s);
	free(msg);
}

/* A scored answer, a survey without the help desk's address, a mode of
 * none: nothing recorded, nothing sent. With comments, the scored
 * answer with words goes. */
static void
test_scored_or_unknown_helpdesk_or_none_sends_nothing(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_outcome out;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], *msg;
	char tok2[TOKEN_LEN + 1], id2[TOKEN_ID_LEN + 1];

	survey_new(fx, HELPDESK, "email", tok, id);
	msg = reply_make(tok, "<s1@example.com>", "9, but slow delivery");
	ingest_ok(fx, msg, &out);
	assert_int_equal(out.score, 9);
	assert_null(out.forward_to);
	ingest_outcome_clear(&out);
	free(msg);

	survey_new(fx, NULL, "email", tok2, id2);
	msg = reply_make(tok2, "<s2@example.com>", "It still does not work.");
	ingest_ok(fx, msg, &out);
	assert_null(out.forward_to);
	ingest_outcome_clear(&out);
	free(msg);

	testlib_channel(fx->cf, "email")->forward_to_helpdesk = FORWARD_NONE;
	msg = reply_make(tok, "<s3@example.com>", "It still does not work.");
	ingest_ok(fx, msg, &out);
	assert_null(out.forward_to);
	ingest_outcome_clear(&out);
	free(msg);
	assert_int_equal(count(fx, "SELECT count(*) FROM forwards"), 0);

	testlib_channel(fx->cf, "email")->forward_to_helpdesk = FORWARD_COMMENTS;
	msg = reply_make(tok, "<s4@example.com>", "7, the parcel was late");
	ingest_ok(fx, msg, &out);
	assert_int_equal(out.score, 7);
	assert_string_equal(out.forward_to, HELPDESK);
	ingest_outcome_clear(&out);
	free(msg);
	send_due(fx, NOW, NULL);
	assert_int_equal(calls(fx), 1);
}

/* A reply whose token is genuine but expired counts for nothing, and
 * still reaches the help desk of the survey it names. */
static void
test_expired_token_reply_is_forwarded(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_outcome out;
	struct survey_rec r;
	char tok[TOKEN_LEN + 1], *msg, *s;

	memset(&r, 0, sizeof(r));
	r.type = SURVEY_NPS;
	r.status = SURVEY_SENT;
	r.recipient = "client@example.com";
	r.helpdesk_to = HELPDESK;
	r.created_at = fx->now - 200 * 86400;
	assert_int_equal(fx->cf->token_lifetime_days, 180);
	assert_int_equal(testlib_fx_survey_add(fx, fx->now - 200 * 86400, &r,
	    tok), 0);
	msg = reply_make(tok, "<e1@example.com>", "It broke again.");
	ingest_ok(fx, msg, &out);
	assert_int_equal(out.kind, INGEST_UNMATCHED);
	assert_string_equal(out.survey_id, r.id);
	assert_string_equal(out.folder, "NeedsReview");
	assert_string_equal(out.forward_to, HELPDESK);
	ingest_outcome_clear(&out);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE kind ="
	    " 'unmatched' AND survey_id IS NOT NULL"), 1);
	send_due(fx, NOW, NULL);
	assert_int_equal(calls(fx), 1);
	s = call_file(fx, 1, "msg");
	assert_non_null(strstr(s, "\n\nIt broke again.\n"));
	free(s);
	/* With none, it stays in review only. */
	fx->cf->forward_to_helpdesk = FORWARD_NONE;
	free(msg);
	msg = reply_make(tok, "<e2@example.com>", "Still broken.");
	ingest_ok(fx, msg, &out);
	assert_null(out.forward_to);
	ingest_outcome_clear(&out);
	free(msg);
}

/* Ten failures and it is given up: state failed, never tried again. */
static void
test_forward_gives_up_after_max_attempts(void **state)
{
	struct testlib_fx *fx = *state;
	struct forward_report rep;
	struct ingest_outcome out;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], *fail, *msg;
	time_t t = NOW;
	int i;

	survey_new(fx, HELPDESK, "email", tok, id);
	msg = reply_make(tok, "<g1@example.com>", "Nothing works.");
	fail = testlib_path(fx->dir, "fail");
	assert_int_equal(testlib_file_write(fail, "", 0, 0644), 0);
	ingest_ok(fx, msg, &out);
	ingest_outcome_clear(&out);
	for (i = 1; i <= FORWARD_MAX_ATTEMPTS; i++) {
		send_due(fx, t, &rep);
		assert_int_equal(rep.failed + rep.gave_up, 1);
		assert_int_equal(rep.gave_up, i == FORWARD_MAX_ATTEMPTS);
		t += forward_backoff(i);
	}
	assert_int_equal(count(fx, "SELECT count(*) FROM forwards WHERE"
	    " state = 'failed' AND attempts = 10 AND message IS NULL"), 1);
	unlink(fail);
	send_due(fx, t + 86400, &rep);
	assert_int_equal(calls(fx), 0);
	free(fail);
	free(msg);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted_follows_the_mode),
		T(test_mode_of_channel_overrides_imap),
		T(test_refuses_reply_domain_and_non_addresses),
		T(test_build_is_a_resend_of_the_customer_mail),
		T(test_build_completes_a_truncated_message),
		T(test_no_score_reply_forwarded_once_despite_failure),
		T(test_forward_sender_is_the_configured_one),
		T(test_scored_or_unknown_helpdesk_or_none_sends_nothing),
		T(test_expired_token_reply_is_forwarded),
		T(test_forward_gives_up_after_max_attempts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
