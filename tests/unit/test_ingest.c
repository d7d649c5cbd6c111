/*
 * test_ingest.c - one reply into the store: the folder each kind is filed
 * in, the message key, and that a message seen twice changes nothing.
 *
 * The end-to-end tests run the real reply analysis and the real store in
 * a directory of their own under /tmp, removed afterwards.
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
#include "base/xalloc.h"
#include "conf/config.h"
#include "incoming/ingest.h"
#include "store/store.h"
#include "survey/token.h"
#include "testlib.h"

static int
setup(void **state)
{
	struct testlib_fx *fx = testlib_fx_new("ingest");

	if (fx == NULL)
		return -1;
	fx->now = time(NULL);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	testlib_fx_free(*state);
	return 0;
}

/* Issues a token and records its survey, sent to recipient. */
static void
survey_new(struct testlib_fx *fx, const char *recipient,
    char tok[TOKEN_LEN + 1], char id[TOKEN_ID_LEN + 1])
{
	struct survey_rec r;

	memset(&r, 0, sizeof(r));
	r.type = SURVEY_NPS;
	r.status = SURVEY_SENT;
	r.message_id = "<survey-1@helpdesk.example>";
	r.recipient = (char *)recipient;
	r.ticket = "T-1";
	r.agent = "alice";
	r.created_at = fx->now - 60;
	assert_int_equal(testlib_fx_survey_add(fx, fx->now, &r, tok), 0);
	memcpy(id, r.id, TOKEN_ID_LEN + 1);
}

/* A plain reply; msgid NULL leaves the Message-ID header out. */
static char *
reply_make(const char *from, const char *to, const char *msgid,
    const char *extra_headers, const char *body)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "From: %s\r\nTo: %s\r\n", from, to);
	if (msgid != NULL)
		buf_printf(&b, "Message-ID: %s\r\n", msgid);
	buf_printf(&b, "Subject: Re: Votre avis\r\n"
	    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n%s\r\n%s\r\n",
	    extra_headers ? extra_headers : "", body);
	return buf_steal(&b);
}

static long
count(struct testlib_fx *fx, const char *sql)
{
	return (long)testlib_sql_int(fx->st, sql, NULL);
}

static void
ingest_ok(struct testlib_fx *fx, const char *msg,
    struct ingest_outcome *out)
{
	struct ingest_ctx ctx = { fx->cf, fx->ring, fx->st, fx->now, true,
	    NULL, NULL };
	struct npserr err;

	npserr_clear(&err);
	if (ingest_message(&ctx, msg, strlen(msg), out, &err) != 0)
		fail_msg("ingest_message: %s", err.msg);
}

/* ------------------------------------------------------------ folders */

static void
test_folder_response_with_score_is_processed(void **state)
{
	struct testlib_fx *fx = *state;
	const char *why = "x";

	assert_string_equal(ingest_folder(fx->cf, INGEST_RESPONSE, 9, false,
	    &why), "Processed");
	assert_null(why);
	assert_string_equal(ingest_folder(fx->cf, INGEST_RESPONSE, 0, false,
	    &why), "Processed");
}

static void
test_folder_response_without_score_goes_to_review(void **state)
{
	struct testlib_fx *fx = *state;
	const char *why = NULL;

	assert_string_equal(ingest_folder(fx->cf, INGEST_RESPONSE, -1, false,
	    &why), "NeedsReview");
	assert_non_null(why);
}

static void
test_folder_forwarded_follows_policy(void **state)
{
	struct testlib_fx *fx = *state;

	fx->cf->forwarded = FORWARDED_COUNT;
	assert_string_equal(ingest_folder(fx->cf, INGEST_RESPONSE, 8, true,
	    NULL), "Processed");
	fx->cf->forwarded = FORWARDED_REVIEW;
	assert_string_equal(ingest_folder(fx->cf, INGEST_RESPONSE, 8, true,
	    NULL), "NeedsReview");
	assert_string_equal(ingest_folder(fx->cf, INGEST_RESPONSE, 8, false,
	    NULL), "Processed");
}

static void
test_folder_other_kinds(void **state)
{
	struct testlib_fx *fx = *state;

	assert_string_equal(ingest_folder(fx->cf, INGEST_AUTOREPLY, -1, false,
	    NULL), "AutoReplies");
	assert_string_equal(ingest_folder(fx->cf, INGEST_BOUNCE, -1, false,
	    NULL), "Bounces");
	assert_string_equal(ingest_folder(fx->cf, INGEST_UNMATCHED, -1, false,
	    NULL), "NeedsReview");
	assert_string_equal(ingest_folder(fx->cf, INGEST_UNPARSED, -1, false,
	    NULL), "NeedsReview");
	assert_string_equal(ingest_folder(fx->cf, INGEST_UNSUBSCRIBE, -1,
	    false, NULL), "Processed");
}

static void
test_folder_names_come_from_config(void **state)
{
	struct testlib_fx *fx = *state;

	free(fx->cf->folder_bounces);
	fx->cf->folder_bounces = xstrdup("NPS.Rebonds");
	free(fx->cf->folder_review);
	fx->cf->folder_review = xstrdup("NPS.A-revoir");
	assert_string_equal(ingest_folder(fx->cf, INGEST_BOUNCE, -1, false,
	    NULL), "NPS.Rebonds");
	assert_string_equal(ingest_folder(fx->cf, INGEST_UNPARSED, -1, false,
	    NULL), "NPS.A-revoir");
}

static void
test_digest_key_is_sha256_of_bytes(void **state)
{
	char *k;

	(void)state;
	k = ingest_digest_key("abc", 3);
	assert_string_equal(k, "sha256:ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	free(k);
	/* NUL bytes count: the input is length-delimited. */
	k = ingest_digest_key("a\0c", 3);
	assert_string_not_equal(k, "sha256:ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	free(k);
}

/* --------------------------------------------------------- end to end */

static void
test_ingest_response_is_stored_and_processed(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome res;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("Customer <customer@example.com>", to,
	    "<r1@mail.example.com>", NULL, "9\r\n\r\nTres bon service.");
	ingest_ok(fx, msg, &res);
	assert_false(res.duplicate);
	assert_int_equal(res.kind, INGEST_RESPONSE);
	assert_string_equal(res.survey_id, id);
	assert_int_equal(res.score, 9);
	assert_false(res.forwarded);
	assert_string_equal(res.folder, "Processed");
	assert_string_equal(res.msg_key, "<r1@mail.example.com>");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses WHERE "
	    "score = 9 AND superseded_by IS NULL"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE "
	    "msg_key = '<r1@mail.example.com>' AND folder = 'Processed'"), 1);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_same_message_twice_is_a_noop(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome a, b;
	long resp, ev, proc;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("customer@example.com", to, "<twice@example.com>",
	    NULL, "10");
	ingest_ok(fx, msg, &a);
	assert_false(a.duplicate);
	resp = count(fx, "SELECT count(*) FROM responses");
	ev = count(fx, "SELECT count(*) FROM events");
	proc = count(fx, "SELECT count(*) FROM processed");
	assert_int_equal(resp, 1);
	ingest_ok(fx, msg, &b);
	assert_true(b.duplicate);
	/* Filed the same way again, so a re-fetched message still moves. */
	assert_string_equal(b.folder, a.folder);
	assert_int_equal(b.score, 10);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), resp);
	assert_int_equal(count(fx, "SELECT count(*) FROM events"), ev);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), proc);
	ingest_outcome_clear(&a);
	ingest_outcome_clear(&b);
	free(msg);
}

static void
test_ingest_without_message_id_keys_by_digest(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome a, b;
	char *msg, *key;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("customer@example.com", to, NULL, NULL, "7");
	ingest_ok(fx, msg, &a);
	key = ingest_digest_key(msg, strlen(msg));
	assert_string_equal(a.msg_key, key);
	ingest_ok(fx, msg, &b);
	assert_true(b.duplicate);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 1);
	free(key);
	ingest_outcome_clear(&a);
	ingest_outcome_clear(&b);
	free(msg);
}

static void
test_ingest_forwarded_reply_is_flagged_and_reviewed(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome res;
	char *msg;

	fx->cf->forwarded = FORWARDED_REVIEW;
	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("colleague@example.com", to, "<fwd@example.com>",
	    NULL, "8");
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_RESPONSE);
	assert_true(res.forwarded);
	assert_string_equal(res.folder, "NeedsReview");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses WHERE "
	    "forwarded = 1 AND score = 8"), 1);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_unknown_survey_is_unmatched(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], to[128];
	struct ingest_outcome res;
	struct token t;
	char *msg;

	/* Genuinely signed, but no survey row: nothing to count it on. */
	assert_int_equal(token_issue(fx->ring, SURVEY_NPS, fx->now, &t, tok,
	    sizeof(tok)), 0);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("customer@example.com", to, "<nosurvey@example.com>",
	    NULL, "9");
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_UNMATCHED);
	assert_int_equal(res.score, -1);
	assert_string_equal(res.folder, "NeedsReview");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), 1);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_no_token_goes_to_review(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_outcome res;
	char *msg;

	msg = reply_make("someone@example.com", "nps@reply.example",
	    "<notoken@example.com>", NULL, "Bonjour, 9");
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_UNMATCHED);
	assert_string_equal(res.folder, "NeedsReview");
	assert_string_equal(res.survey_id, "");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE "
	    "kind = 'unmatched'"), 1);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_never_files_into_the_mailbox_read(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_ctx ctx = { fx->cf, fx->ring, fx->st, fx->now, false,
	    NULL, NULL };
	struct ingest_outcome res;
	struct npserr err;
	char *msg;

	/* A config built past config_load's check: review is the INBOX
	 * the hook reads, in another case. */
	assert_string_equal(fx->cf->imap_mailbox, "INBOX");
	free(fx->cf->folder_review);
	fx->cf->folder_review = xstrdup("inbox");
	msg = reply_make("someone@example.com", "nps@reply.example",
	    "<loop@example.com>", NULL, "Bonjour, 9");
	ingest_ok(fx, msg, &res);
	assert_null(res.folder);
	assert_string_equal(res.why, "its folder is the mailbox read");
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE "
	    "msg_key = '<loop@example.com>'"), 1);
	ingest_outcome_clear(&res);
	/* Seen again: still not to be moved. */
	ingest_ok(fx, msg, &res);
	assert_true(res.duplicate);
	assert_null(res.folder);
	ingest_outcome_clear(&res);
	/* Without a mailbox (--stdin) the folder only says "review". */
	assert_int_equal(ingest_message(&ctx, msg, strlen(msg), &res, &err),
	    0);
	assert_ptr_equal(res.folder, fx->cf->folder_review);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_forged_token_goes_to_review(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome res;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	/* Change one character of the tag (not the last one, whose low
	 * bits are padding). */
	tok[TOKEN_LEN - 5] = tok[TOKEN_LEN - 5] == 'a' ? 'b' : 'a';
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("customer@example.com", to, "<forged@example.com>",
	    NULL, "10");
	ingest_ok(fx, msg, &res);
	assert_int_not_equal(res.kind, INGEST_RESPONSE);
	assert_string_equal(res.folder, "NeedsReview");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_autoreply_goes_to_autoreplies(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome res;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("customer@example.com", to, "<ooo@example.com>",
	    "Auto-Submitted: auto-replied\r\n",
	    "Je suis absent jusqu'au 30 novembre.");
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_AUTOREPLY);
	assert_string_equal(res.folder, "AutoReplies");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE "
	    "kind = 'autoreply'"), 1);
	ingest_outcome_clear(&res);
	free(msg);
}

static void
test_ingest_describe_has_no_customer_text(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome res;
	struct buf line = BUF_INIT;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("customer@example.com", to, "<log@example.com>",
	    NULL, "9\r\n\r\nSecret comment about my order 4711");
	ingest_ok(fx, msg, &res);
	ingest_outcome_describe(&res, &line);
	assert_null(strstr(buf_cstr(&line), "Secret"));
	assert_null(strstr(buf_cstr(&line), "customer@example.com"));
	assert_non_null(strstr(buf_cstr(&line), "msg=<log@example.com> "
	    "kind=response survey="));
	assert_non_null(strstr(buf_cstr(&line), " score=9 folder=Processed"));
	buf_free(&line);
	ingest_outcome_clear(&res);
	free(msg);
}

/* ingest_message on msg[0..len) (NUL bytes allowed). */
static void
ingest_bytes(struct testlib_fx *fx, const char *msg, size_t len,
    struct ingest_outcome *out)
{
	struct ingest_ctx ctx = { fx->cf, fx->ring, fx->st, fx->now, true,
	    NULL, NULL };
	struct npserr err;

	npserr_clear(&err);
	if (ingest_message(&ctx, msg, len, out, &err) != 0)
		fail_msg("ingest_message: %s", err.msg);
}

/* The survey's Message-ID without a token is a hint: not an answer,
 * reviewed, and the survey named for the person who reviews it. */
static void
test_ingest_message_id_only_is_reviewed_with_a_hint(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], want[128];
	struct ingest_outcome res;
	struct buf line = BUF_INIT;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	msg = reply_make("intruder@example.net", "nps@reply.example",
	    "<guess@example.net>",
	    "In-Reply-To: <survey-1@helpdesk.example>\r\n", "0");
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_UNMATCHED);
	assert_int_equal(res.score, -1);
	assert_string_equal(res.survey_id, "");
	assert_string_equal(res.folder, "NeedsReview");
	assert_string_equal(res.hint_id, id);
	ingest_outcome_describe(&res, &line);
	snprintf(want, sizeof(want), " hint=%s", id);
	assert_non_null(strstr(buf_cstr(&line), want));
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE"
	    " kind = 'unmatched' AND survey_id IS NULL"), 1);
	snprintf(want, sizeof(want), "SELECT count(*) FROM events WHERE kind"
	    " = 'unmatched' AND survey_id IS NULL AND detail LIKE '%%%s%%'",
	    id);
	assert_int_equal(count(fx, want), 1);
	buf_free(&line);
	ingest_outcome_clear(&res);
	free(msg);
}

/* Nor can the Message-ID mark a survey bounced. */
static void
test_ingest_message_id_only_bounce_leaves_the_survey(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1];
	struct ingest_outcome res;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	msg = reply_make("MAILER-DAEMON@mx.example.net", "nps@reply.example",
	    "<fakebounce@example.net>",
	    "In-Reply-To: <survey-1@helpdesk.example>\r\n",
	    "Undeliverable: user unknown");
	ingest_ok(fx, msg, &res);
	assert_int_equal(count(fx, "SELECT count(*) FROM surveys WHERE"
	    " status = 'bounced'"), 0);
	assert_string_equal(res.survey_id, "");
	ingest_outcome_clear(&res);
	free(msg);
}

/* A different message reusing a Message-ID is stored, under the digest
 * of its bytes; the same bytes again are the duplicate. */
static void
test_ingest_reused_message_id_with_other_bytes_is_kept(void **state)
{
	struct testlib_fx *fx = *state;
	char tok1[TOKEN_LEN + 1], id1[TOKEN_ID_LEN + 1], to1[128];
	char tok2[TOKEN_LEN + 1], id2[TOKEN_ID_LEN + 1], to2[128];
	struct ingest_outcome a, b, c;
	char *m1, *m2, *key;

	survey_new(fx, "one@example.com", tok1, id1);
	survey_new(fx, "two@example.com", tok2, id2);
	snprintf(to1, sizeof(to1), "nps+%s@reply.example", tok1);
	snprintf(to2, sizeof(to2), "nps+%s@reply.example", tok2);
	m1 = reply_make("one@example.com", to1, "<reused@example.com>", NULL,
	    "9");
	m2 = reply_make("two@example.com", to2, "<reused@example.com>", NULL,
	    "3");
	ingest_ok(fx, m1, &a);
	ingest_ok(fx, m2, &b);
	assert_false(b.duplicate);
	assert_int_equal(b.kind, INGEST_RESPONSE);
	assert_string_equal(b.survey_id, id2);
	key = ingest_digest_key(m2, strlen(m2));
	assert_string_equal(b.msg_key, key);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 2);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), 2);
	ingest_ok(fx, m2, &c);
	assert_true(c.duplicate);
	assert_string_equal(c.msg_key, key);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 2);
	free(key);
	ingest_outcome_clear(&a);
	ingest_outcome_clear(&b);
	ingest_outcome_clear(&c);
	free(m1);
	free(m2);
}

/* A Message-ID with a NUL in it is no key: its prefix would make two
 * different messages one. */
static void
test_ingest_message_id_with_nul_is_keyed_by_digest(void **state)
{
	static const char tail1[] = "\0x>\r\nSubject: a\r\n\r\n9\r\n";
	static const char tail2[] = "\0y>\r\nSubject: b\r\n\r\n7\r\n";
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1];
	struct ingest_outcome a, b;
	struct buf m1 = BUF_INIT, m2 = BUF_INIT;
	char *key;

	survey_new(fx, "customer@example.com", tok, id);
	buf_printf(&m1, "From: customer@example.com\r\nTo: nps+%s@reply."
	    "example\r\nMessage-ID: <a", tok);
	buf_append(&m2, m1.data, m1.len);
	buf_append(&m1, tail1, sizeof(tail1) - 1);
	buf_append(&m2, tail2, sizeof(tail2) - 1);
	ingest_bytes(fx, m1.data, m1.len, &a);
	ingest_bytes(fx, m2.data, m2.len, &b);
	key = ingest_digest_key(m1.data, m1.len);
	assert_string_equal(a.msg_key, key);
	free(key);
	assert_false(b.duplicate);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), 2);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE"
	    " msg_key = '<a'"), 0);
	ingest_outcome_clear(&a);
	ingest_outcome_clear(&b);
	buf_free(&m1);
	buf_free(&m2);
}

/* A token the customer typed into their own text ties nothing; the same
 * token in the quoted survey does. */
static void
test_ingest_token_typed_by_the_customer_is_not_honoured(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], body[512];
	struct ingest_outcome res;
	char *msg;

	survey_new(fx, "victim@example.com", tok, id);
	snprintf(body, sizeof(body), "0, and this is for nps+%s@reply."
	    "example", tok);
	msg = reply_make("intruder@example.net", "nps@reply.example",
	    "<typed@example.net>", NULL, body);
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_UNMATCHED);
	assert_string_equal(res.folder, "NeedsReview");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	ingest_outcome_clear(&res);
	free(msg);
	snprintf(body, sizeof(body), "8\r\n\r\nLe 2 d\xc3\xa9" "c. 2026,"
	    " Service client <nps+%s@reply.example> a \xc3\xa9" "crit :\r\n"
	    "> Votre avis ?\r\n", tok);
	msg = reply_make("victim@example.com", "nps@reply.example",
	    "<quoted@example.com>", NULL, body);
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_RESPONSE);
	assert_string_equal(res.survey_id, id);
	assert_int_equal(res.score, 8);
	ingest_outcome_clear(&res);
	free(msg);
}

/* Unsubscribing opts out the surveyed customer, not the writer. */
static void
test_ingest_unsubscribe_opts_out_the_survey_recipient(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128];
	struct ingest_outcome res;
	char *msg;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	msg = reply_make("bystander@example.org", to, "<stop@example.org>",
	    NULL, "STOP");
	ingest_ok(fx, msg, &res);
	assert_int_equal(res.kind, INGEST_UNSUBSCRIBE);
	assert_int_equal(count(fx, "SELECT count(*) FROM unsubscribed WHERE"
	    " address = 'customer@example.com'"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM unsubscribed WHERE"
	    " address = 'bystander@example.org'"), 0);
	ingest_outcome_clear(&res);
	free(msg);
}

/* Past STORE_MAX_ANSWERS answers a survey's replies go to review. */
static void
test_ingest_answers_over_the_limit_go_to_review(void **state)
{
	struct testlib_fx *fx = *state;
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], to[128], mid[64];
	struct ingest_outcome res;
	char *msg;
	int i;

	survey_new(fx, "customer@example.com", tok, id);
	snprintf(to, sizeof(to), "nps+%s@reply.example", tok);
	for (i = 0; i <= STORE_MAX_ANSWERS; i++) {
		snprintf(mid, sizeof(mid), "<many%d@example.com>", i);
		msg = reply_make("customer@example.com", to, mid, NULL,
		    "9\r\n\r\nEncore un mot.");
		ingest_ok(fx, msg, &res);
		if (i < STORE_MAX_ANSWERS) {
			assert_int_equal(res.kind, INGEST_RESPONSE);
			assert_string_equal(res.folder, "Processed");
		}
		if (i == STORE_MAX_ANSWERS) {
			assert_int_equal(res.kind, INGEST_UNMATCHED);
			assert_string_equal(res.folder, "NeedsReview");
			assert_string_equal(res.why,
			    "too many answers to the survey");
			/* Fetched again (a crash before the move): the
			 * same folder. */
			ingest_outcome_clear(&res);
			ingest_ok(fx, msg, &res);
			assert_true(res.duplicate);
			assert_string_equal(res.folder, "NeedsReview");
		}
		ingest_outcome_clear(&res);
		free(msg);
	}
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"),
	    STORE_MAX_ANSWERS);
	/* Each comment is stored once. */
	assert_int_equal(count(fx, "SELECT count(*) FROM comments"),
	    STORE_MAX_ANSWERS);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses WHERE"
	    " comment IS NOT NULL"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE"
	    " msg_key = '<many20@example.com>' AND folder = 'NeedsReview'"),
	    1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* A reply whose HTML is over its limits: analysed without a write, then
 * stored as unparsed and filed for review, the log line saying which
 * limit. */
static void
test_ingest_hostile_html_is_unparsed_with_its_reason(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_ctx ctx = { fx->cf, fx->ring, fx->st, fx->now, true,
	    NULL, NULL };
	char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1];
	struct ingest_outcome res;
	struct buf msg = BUF_INIT, line = BUF_INIT;
	struct npserr err;
	size_t i;

	survey_new(fx, "customer@example.com", tok, id);
	buf_printf(&msg, "From: customer@example.com\r\nTo: "
	    "nps+%s@reply.example\r\nMessage-ID: <attrs@example.com>\r\n"
	    "Subject: Re: Votre avis\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n\r\n<div", tok);
	for (i = 0; i < 100000; i++)
		buf_printf(&msg, " a%zu=x", i);
	buf_puts(&msg, ">9</div>\r\n");
	assert_int_equal(ingest_analyze(&ctx, msg.data, msg.len, &res, &err),
	    0);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), 0);
	assert_int_equal(res.kind, INGEST_UNPARSED);
	assert_string_equal(res.folder, fx->cf->folder_review);
	assert_int_equal(ingest_store(&ctx, &res, &err), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	ingest_outcome_describe(&res, &line);
	assert_non_null(strstr(buf_cstr(&line), "kind=unparsed"));
	assert_non_null(strstr(buf_cstr(&line), "why=\"unparsed: HTML part "
	    "with 100000 attributes in one tag"));
	buf_free(&line);
	buf_free(&msg);
	ingest_outcome_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_folder_response_with_score_is_processed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_folder_response_without_score_goes_to_review, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_folder_forwarded_follows_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folder_other_kinds,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_folder_names_come_from_config, setup, teardown),
		cmocka_unit_test(test_digest_key_is_sha256_of_bytes),
		cmocka_unit_test_setup_teardown(
		    test_ingest_response_is_stored_and_processed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_same_message_twice_is_a_noop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_without_message_id_keys_by_digest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_forwarded_reply_is_flagged_and_reviewed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_unknown_survey_is_unmatched, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_no_token_goes_to_review, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_never_files_into_the_mailbox_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_forged_token_goes_to_review, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_autoreply_goes_to_autoreplies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ingest_describe_has_no_customer_text, setup,
		    teardown),
		T(test_ingest_message_id_only_is_reviewed_with_a_hint),
		T(test_ingest_message_id_only_bounce_leaves_the_survey),
		T(test_ingest_reused_message_id_with_other_bytes_is_kept),
		T(test_ingest_message_id_with_nul_is_keyed_by_digest),
		T(test_ingest_token_typed_by_the_customer_is_not_honoured),
		T(test_ingest_unsubscribe_opts_out_the_survey_recipient),
		T(test_ingest_answers_over_the_limit_go_to_review),
		cmocka_unit_test_setup_teardown(
		    test_ingest_hostile_html_is_unparsed_with_its_reason,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
