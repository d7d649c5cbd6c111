/*
 * test_followup.c - after an answer: the acknowledgment (its exact
 * headers and body per category and language, and when none is sent),
 * the detractor alert by mail and by command (sanitised environment and
 * JSON, time limit), the follow-up queue (exactly once, retries, back-off,
 * expired claims) and the answer to the acknowledgment landing on the
 * same survey.
 *
 * Real reply analysis, real store, real child processes: sendmail and the
 * alert command are small shell scripts written into the test's own
 * directory under /tmp, which record their arguments, environment and
 * input there.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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
#include "base/json.h"
#include "base/log.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "followup/followup.h"
#include "incoming/ingest.h"
#include "mail/mime.h"
#include "mail/sendmail.h"
#include "store/store.h"
#include "store/store_db.h"
#include "survey/token.h"
#include "testlib.h"

#define NOW ((time_t)1790000000)	/* Mon, 21 Sep 2026 14:13:20 +0000 */
#define CUSTOMER "client@example.com"

static int reply_seq;		/* reply Message-IDs, from 1 in each test */

/* --- helpers -------------------------------------------------------- */

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

static int
setup(void **state)
{
	struct testlib_fx *fx = testlib_fx_new("fu");
	struct buf script = BUF_INIT, path = BUF_INIT;

	if (fx == NULL)
		return -1;
	reply_seq = 0;
	set_str(&fx->cf->templates_dir, TEST_SRCDIR "/templates");
	set_str(&fx->cf->default_lang, "fr");
	/* sendmail: each call leaves callN.args and callN.msg; a file
	 * "fail" makes it fail as a full queue would; a file "lock" naming
	 * an SQLite store makes it take that store's write lock for 2 s,
	 * from another process, before it returns. */
	buf_printf(&script, "#!/bin/sh\nd=%s\n"
	    "if [ -f \"$d/fail\" ]; then echo 'fake: queue full' >&2;"
	    " exit 75; fi\n"
	    "if [ -f \"$d/lock\" ]; then db=$(cat \"$d/lock\");"
	    " rm -f \"$d/lock\";"
	    " printf '.timeout 5000\\nBEGIN EXCLUSIVE;\\n.shell touch"
	    " %%s/locked\\n.shell sleep 2\\nCOMMIT;\\n' \"$d\" |"
	    " sqlite3 \"$db\" >/dev/null 2>&1 &\n"
	    " while [ ! -e \"$d/locked\" ]; do sleep 0.05; done; fi\n"
	    "n=$(( $(cat \"$d/n\" 2>/dev/null || echo 0) + 1 ))\n"
	    "echo $n >\"$d/n\"\n"
	    "printf '%%s\\n' \"$@\" >\"$d/call$n.args\"\n"
	    "cat >\"$d/call$n.msg\"\n", fx->dir);
	buf_reset(&path);
	buf_printf(&path, "%s/sendmail", fx->dir);
	assert_int_equal(testlib_file_write(buf_cstr(&path), script.data,
	    script.len, 0755), 0);
	set_str(&fx->cf->sendmail, buf_cstr(&path));
	/* The alert command: its NPS_* variables and stdin, its pid; a
	 * file "slow" makes it hang. */
	buf_reset(&script);
	buf_printf(&script, "#!/bin/sh\nd=%s\n"
	    "echo $$ >\"$d/alert.pid\"\n"
	    "if [ -f \"$d/slow\" ]; then exec sleep 60; fi\n"
	    "env | grep '^NPS_[A-Z_]*=' | grep -v '^NPS_COMMENT=' | sort"
	    " >\"$d/alert.env\"\n"
	    "printf '%%s' \"$NPS_COMMENT\" >\"$d/alert.comment\"\n"
	    "cat >\"$d/alert.json\"\n"
	    "n=$(( $(cat \"$d/alerts\" 2>/dev/null || echo 0) + 1 ))\n"
	    "echo $n >\"$d/alerts\"\n", fx->dir);
	buf_reset(&path);
	buf_printf(&path, "%s/alert", fx->dir);
	assert_int_equal(testlib_file_write(buf_cstr(&path), script.data,
	    script.len, 0755), 0);
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

static long
count(struct testlib_fx *fx, const char *sql)
{
	return (long)testlib_sql_int(fx->st, sql, NULL);
}

static void
sql_exec(struct testlib_fx *fx, const char *sql)
{
	struct npserr err;

	assert_int_equal(store_db_exec(fx->st, sql, &err, "test"), 0);
}

/* Records a survey of type on channel sent to CUSTOMER; its id and a
 * token. */
static void
survey_new_on(struct testlib_fx *fx, enum survey_type type, const char *lang,
    const char *channel, char id[TOKEN_ID_LEN + 1], char tok[TOKEN_LEN + 1])
{
	struct survey_rec r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.status = SURVEY_SENT;
	r.message_id = "<survey-1@helpdesk.example>";
	r.recipient = CUSTOMER;
	r.ticket = "T-42";
	r.agent = "alice";
	r.team = "Retours";
	r.channel = (char *)channel;
	r.lang = (char *)lang;
	r.created_at = fx->now - 3600;
	assert_int_equal(testlib_fx_survey_add(fx, fx->now - 3600, &r, tok),
	    0);
	memcpy(id, r.id, TOKEN_ID_LEN + 1);
}

/* The same on the email channel. */
static void
survey_new(struct testlib_fx *fx, enum survey_type type, const char *lang,
    char id[TOKEN_ID_LEN + 1], char tok[TOKEN_LEN + 1])
{
	survey_new_on(fx, type, lang, "email", id, tok);
}

/* Ingests a reply from from to token (To: nps+TOKEN@; "" for none:
 * To: nps@) and runs the follow-up; the reply's Message-ID is
 * "<rN@client.example>". Returns the report. */
static struct followup_report
reply_from(struct testlib_fx *fx, const char *from, const char *tok,
    const char *extra_headers, const char *body)
{
	struct ingest_ctx ictx = { fx->cf, fx->ring, fx->st, fx->now, false,
	    NULL, NULL };
	struct followup_ctx fctx = { fx->cf, fx->ring, fx->st, fx->now };
	struct followup_report rep;
	struct ingest_outcome res;
	struct npserr err;
	struct buf m = BUF_INIT;

	reply_seq++;
	buf_printf(&m, "From: %s\r\n"
	    "To: nps%s%s@reply.example\r\n"
	    "Message-ID: <r%d@client.example>\r\n"
	    "Subject: Re: Votre avis\r\n"
	    "Date: Mon, 21 Sep 2026 16:00:00 +0200\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n%s\r\n%s\r\n",
	    from, tok[0] != '\0' ? "+" : "", tok, reply_seq,
	    extra_headers != NULL ? extra_headers : "", body);
	if (ingest_message(&ictx, m.data, m.len, &res, &err) != 0)
		fail_msg("ingest_message: %s", err.msg);
	if (followup_after_ingest(&fctx, res.msg_key, &rep, &err) != 0)
		fail_msg("followup_after_ingest: %s", err.msg);
	ingest_outcome_clear(&res);
	buf_free(&m);
	return rep;
}

/* A reply from the surveyed customer; see reply_from. */
static struct followup_report
reply(struct testlib_fx *fx, const char *tok, const char *extra_headers,
    const char *body)
{
	return reply_from(fx, "Client <" CUSTOMER ">", tok, extra_headers,
	    body);
}

static int
retry(struct testlib_fx *fx, time_t at, struct followup_report *rep)
{
	struct followup_ctx fctx = { fx->cf, fx->ring, fx->st, at };
	struct npserr err;
	int r = followup_retry_due(&fctx, rep, &err);

	if (r != 0)
		fail_msg("followup_retry_due: %s", err.msg);
	return r;
}

static int
mails_sent(struct testlib_fx *fx)
{
	char *p = testlib_path(fx->dir, "n"), *n = testlib_file_read(p, NULL);
	int v = n != NULL ? atoi(n) : 0;

	free(p);
	free(n);
	return v;
}

/* callN.EXT of the fake sendmail; caller frees. */
static char *
call_file(struct testlib_fx *fx, int n, const char *ext)
{
	char name[64], *p, *s;

	snprintf(name, sizeof(name), "call%d.%s", n, ext);
	p = testlib_path(fx->dir, name);
	s = testlib_file_read(p, NULL);
	free(p);
	assert_non_null(s);
	return s;
}

/* The body of a template file: what follows its first blank line. */
static char *
template_body(const char *lang, const char *name)
{
	char path[512], *s, *p;
	struct buf b = BUF_INIT;

	snprintf(path, sizeof(path), TEST_SRCDIR "/templates/%s/%s", lang,
	    name);
	s = testlib_file_read(path, NULL);
	assert_non_null(s);
	p = strstr(s, "\n\n");
	assert_non_null(p);
	buf_puts(&b, p + 2);
	free(s);
	return buf_steal(&b);
}

/* Splits a captured mail into its header block and decoded QP body. */
static void
mail_split(const char *msg, struct buf *hdr, struct buf *body)
{
	const char *p = strstr(msg, "\n\n");

	assert_non_null(p);
	buf_append(hdr, msg, (size_t)(p - msg) + 1);
	mime_qp_decode(p + 2, strlen(p + 2), body);
}

/* --- the acknowledgment --------------------------------------------- */

static void
test_ack_detractor_fr_has_exact_headers_and_body(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1], ack[TOKEN_LEN + 1];
	struct buf hdr = BUF_INIT, body = BUF_INIT, want = BUF_INIT;
	struct followup_report rep;
	char *msg, *args, *tpl;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	rep = reply(fx, tok, NULL, "3");
	assert_int_equal(rep.done, 1);
	assert_int_equal(rep.failed, 0);
	assert_int_equal(mails_sent(fx), 1);
	args = call_file(fx, 1, "args");
	assert_string_equal(args, "-i\n-f\n<>\n--\n" CUSTOMER "\n");
	assert_int_equal(token_issue_for(fx->ring, SURVEY_NPS, id, NOW, NULL,
	    ack, sizeof(ack)), 0);
	buf_printf(&want, "From: nps@reply.example\n"
	    "To: " CUSTOMER "\n"
	    "Date: Mon, 21 Sep 2026 14:13:20 +0000\n"
	    "Message-ID: <npsgate.ack.%s.%lld@reply.example>\n"
	    "In-Reply-To: <r1@client.example>\n"
	    "References: <r1@client.example>\n"
	    "Reply-To: nps+%s@reply.example\n"
	    "Auto-Submitted: auto-replied\n"
	    "X-Auto-Response-Suppress: All\n"
	    "Subject: =?utf-8?B?Tm91cyBzb21tZXMgZMOpc29sw6lz?=\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n",
	    id, (long long)NOW, ack);
	msg = call_file(fx, 1, "msg");
	mail_split(msg, &hdr, &body);
	assert_string_equal(buf_cstr(&hdr), buf_cstr(&want));
	tpl = template_body("fr", "ack-detractor.txt");
	assert_string_equal(buf_cstr(&body), tpl);
	assert_non_null(strstr(tpl, "toutes nos excuses"));
	assert_non_null(strstr(tpl, "ce qui n'a pas été"));
	/* The survey is marked, in the same transaction as the queue row. */
	assert_int_equal(count(fx, "SELECT ack_sent_at FROM surveys"), NOW);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " kind = 'ack' AND state = 'done' AND attempts = 1"), 1);
	free(tpl);
	free(msg);
	free(args);
	buf_free(&hdr);
	buf_free(&body);
	buf_free(&want);
}

static void
test_ack_text_follows_category_and_language(void **state)
{
	static const struct {
		const char *lang, *score, *file, *subject, *phrase;
	} c[] = {
		{ "fr", "10", "ack-promoter.txt",
		    "Subject: =?utf-8?B?TWVyY2kgcG91ciB2b3RyZSByw6lwb25zZQ==?="
		    "\n",
		    "votre avis\ncompte beaucoup" },
		{ "fr", "8", "ack-passive.txt",
		    "Subject: =?utf-8?B?TWVyY2kgcG91ciB2b3RyZSByw6lwb25zZQ==?="
		    "\n",
		    "quelle est la chose qui" },
		{ "fr", "0", "ack-detractor.txt",
		    "Subject: =?utf-8?B?Tm91cyBzb21tZXMgZMOpc29sw6lz?=",
		    "Pouvez-vous nous dire" },
		{ "en", "9", "ack-promoter.txt",
		    "Subject: Thank you for your answer\n",
		    "we are glad we could help" },
		{ "en", "7", "ack-passive.txt",
		    "Subject: Thank you for your answer\n",
		    "what one thing would have made it\nperfect" },
		{ "en", "6", "ack-detractor.txt", "Subject: We are sorry\n",
		    "Could you tell us what went wrong?" },
		{ "de", "10", "ack-promoter.txt", "Subject: =?utf-8?B?"
		    "VmllbGVuIERhbmsgZsO8ciBJaHJlIEFudHdvcnQ=?=\n",
		    "Ihre Meinung ist uns sehr wichtig" },
		{ "es", "6", "ack-detractor.txt", "Subject: Lo sentimos\n",
		    "¿Podría contarnos qué salió mal?" },
		{ "it", "8", "ack-passive.txt",
		    "Subject: Grazie per la sua risposta\n",
		    "che cosa avrebbe reso la sua esperienza" },
		{ "nl", "9", "ack-promoter.txt",
		    "Subject: Bedankt voor uw antwoord\n",
		    "we zijn blij dat we u konden helpen" },
		{ "pt", "3", "ack-detractor.txt", "Subject: Sentimos muito\n",
		    "Pode nos contar o que deu errado?" },
	};
	struct testlib_fx *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
		struct buf hdr = BUF_INIT, body = BUF_INIT;
		char *msg, *tpl;

		survey_new(fx, SURVEY_NPS, c[i].lang, id, tok);
		reply(fx, tok, NULL, c[i].score);
		assert_int_equal(mails_sent(fx), (int)i + 1);
		msg = call_file(fx, (int)i + 1, "msg");
		mail_split(msg, &hdr, &body);
		if (strstr(buf_cstr(&hdr), c[i].subject) == NULL)
			fail_msg("case %zu: no \"%s\" in\n%s", i, c[i].subject,
			    buf_cstr(&hdr));
		tpl = template_body(c[i].lang, c[i].file);
		assert_string_equal(buf_cstr(&body), tpl);
		assert_non_null(strstr(tpl, c[i].phrase));
		free(tpl);
		free(msg);
		buf_free(&hdr);
		buf_free(&body);
	}
}

static void
test_ack_from_name_is_quoted_or_encoded(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	const char *want;
	char *msg;

	set_str(&fx->cf->from_name, "Support, Inc.");
	survey_new(fx, SURVEY_NPS, "en", id, tok);
	reply(fx, tok, NULL, "9");
	msg = call_file(fx, 1, "msg");
	want = "From: \"Support, Inc.\" <nps@reply.example>\n";
	assert_int_equal(strncmp(msg, want, strlen(want)), 0);
	free(msg);
	set_str(&fx->cf->from_name, "Service Clients Élan");
	survey_new(fx, SURVEY_NPS, "en", id, tok);
	reply(fx, tok, NULL, "9");
	msg = call_file(fx, 2, "msg");
	/* "Service Clients Élan" in base64 */
	want = "From: =?utf-8?B?U2VydmljZSBDbGllbnRzIMOJbGFu?="
	    " <nps@reply.example>\n";
	assert_int_equal(strncmp(msg, want, strlen(want)), 0);
	free(msg);
}

static void
test_no_ack_when_the_answer_has_a_comment(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct followup_report rep;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	rep = reply(fx, tok, NULL, "3\r\n\r\nLe colis est arrivé cassé.");
	assert_int_equal(rep.done, 0);
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 0);
	assert_int_equal(count(fx, "SELECT ack_sent_at FROM surveys"), 0);
	/* Nor later, for a new score without one: one decision a survey. */
	rep = reply(fx, tok, NULL, "4");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 2);
	assert_int_equal(rep.done, 0);
	assert_int_equal(mails_sent(fx), 0);
}

static void
test_no_ack_for_autoreply_bounce_or_unsubscribe(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, "Auto-Submitted: auto-replied\r\n",
	    "Je suis absent jusqu'au 30 novembre.");
	reply(fx, tok, NULL, "STOP");
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE"
	    " kind = 'autoreply'"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE"
	    " kind = 'unsubscribe'"), 1);
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 0);
	/* Unsubscribed now: a scored answer gets no acknowledgment. */
	reply(fx, tok, NULL, "9");
	assert_int_equal(count(fx, "SELECT count(*) FROM responses WHERE"
	    " score = 9"), 1);
	assert_int_equal(mails_sent(fx), 0);
}

static void
test_no_ack_for_a_bounce(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct ingest_ctx ictx = { fx->cf, fx->ring, fx->st, NOW, false,
	    NULL, NULL };
	struct followup_ctx fctx = { fx->cf, fx->ring, fx->st, NOW };
	struct ingest_outcome res;
	struct npserr err;
	struct buf m = BUF_INIT;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	buf_printf(&m, "From: Mail Delivery System <MAILER-DAEMON@mx.example>"
	    "\r\nTo: nps+%s@reply.example\r\n"
	    "Message-ID: <bounce1@mx.example>\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	    "I'm sorry to have to inform you that your message could not\r\n"
	    "be delivered to one or more recipients.\r\n--b\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example\r\n\r\n"
	    "Final-Recipient: rfc822; " CUSTOMER "\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\n--b--\r\n", tok);
	assert_int_equal(ingest_message(&ictx, m.data, m.len, &res, &err), 0);
	assert_int_equal(res.kind, INGEST_BOUNCE);
	assert_int_equal(followup_after_ingest(&fctx, res.msg_key, NULL, &err),
	    0);
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 0);
	ingest_outcome_clear(&res);
	buf_free(&m);
}

/* Whoever sends the reply, the thanks go to the customer surveyed: the
 * token proves the survey, not who wrote. */
static void
test_ack_goes_to_the_surveyed_recipient_not_the_sender(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct followup_report rep;
	char *args, *msg;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	rep = reply_from(fx, "Mallory <mallory@attacker.example>", tok, NULL,
	    "9");
	assert_int_equal(rep.done, 1);
	assert_int_equal(mails_sent(fx), 1);
	args = call_file(fx, 1, "args");
	assert_string_equal(args, "-i\n-f\n<>\n--\n" CUSTOMER "\n");
	msg = call_file(fx, 1, "msg");
	assert_non_null(strstr(msg, "\nTo: " CUSTOMER "\n"));
	assert_null(strstr(msg, "attacker.example"));
	free(args);
	free(msg);
}

/* The survey's Message-ID without a token ties nothing: no answer is
 * stored, and nothing is sent to the reply's From:. */
static void
test_no_ack_for_a_message_id_only_reply(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1], sql[160];
	struct followup_report rep;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	rep = reply_from(fx, "Mallory <mallory@attacker.example>", "",
	    "In-Reply-To: <survey-1@helpdesk.example>\r\n", "10");
	assert_int_equal(rep.done, 0);
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM processed WHERE"
	    " kind = 'unmatched' AND survey_id IS NULL"), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE kind ="
	    " 'unmatched' AND detail LIKE '%%survey %s%%'", id);
	assert_int_equal(count(fx, sql), 1);
}

static void
test_ack_only_once_per_survey(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "4");
	assert_int_equal(mails_sent(fx), 1);
	/* A second scored answer supersedes the first: no second mail. */
	reply(fx, tok, NULL, "5");
	assert_int_equal(mails_sent(fx), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 2);
	/* The same message again (the hook after a crash): a duplicate,
	 * and the follow-up run on it again does nothing. */
	reply_seq = 1;
	reply(fx, tok, NULL, "5");
	assert_int_equal(count(fx, "SELECT count(*) FROM processed"), 2);
	assert_int_equal(mails_sent(fx), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 1);
}

/* One hook's follow-up of a reply, on a connection of its own, let go
 * with the others at the barrier. */
struct fu_racer {
	struct testlib_fx *fx;
	pthread_barrier_t *go;
	const char *msg_key;
	struct followup_report rep;
	struct npserr err;
	int r;
};

static void *
fu_racer_run(void *arg)
{
	struct fu_racer *h = arg;
	struct followup_ctx fctx = { h->fx->cf, h->fx->ring, NULL,
	    h->fx->now };

	fctx.store = store_open(h->fx->where, 5000, &h->err);
	pthread_barrier_wait(h->go);
	h->r = fctx.store == NULL ? -1 : followup_after_ingest(&fctx,
	    h->msg_key, &h->rep, &h->err);
	store_close(fctx.store);
	return NULL;
}

static void
test_ack_once_when_hooks_follow_up_at_once(void **state)
{
	struct testlib_fx *fx = *state;
	struct ingest_ctx ictx = { fx->cf, fx->ring, fx->st, fx->now, false,
	    NULL, NULL };
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct fu_racer h[4];
	pthread_barrier_t go;
	pthread_t t[4];
	struct ingest_outcome res;
	struct npserr err;
	struct buf m = BUF_INIT;
	int i, done = 0;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	buf_printf(&m, "From: <" CUSTOMER ">\r\nTo: nps+%s@reply.example\r\n"
	    "Message-ID: <race@client.example>\r\nSubject: Re\r\n\r\n4\r\n",
	    tok);
	assert_int_equal(ingest_message(&ictx, m.data, m.len, &res, &err), 0);
	assert_int_equal(pthread_barrier_init(&go, NULL, 4), 0);
	for (i = 0; i < 4; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].fx = fx;
		h[i].go = &go;
		h[i].msg_key = res.msg_key;
		assert_int_equal(pthread_create(&t[i], NULL, fu_racer_run,
		    &h[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < 4; i++) {
		if (h[i].r != 0)
			fail_msg("hook %d: %s", i, h[i].err.msg);
		done += h[i].rep.done;
	}
	assert_int_equal(done, 1);
	assert_int_equal(mails_sent(fx), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 1);
	ingest_outcome_clear(&res);
	buf_free(&m);
}

static void
test_ack_off_by_config_or_channel(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];

	fx->cf->ack = false;
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "9");
	fx->cf->ack = true;
	testlib_channel(fx->cf, "email")->ack = false;
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "9");
	assert_int_equal(mails_sent(fx), 0);
	testlib_channel(fx->cf, "email")->ack = true;
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "9");
	assert_int_equal(mails_sent(fx), 1);
}

/* Whether a call of the fake sendmail went to address. */
static bool
mail_went_to(struct testlib_fx *fx, const char *address)
{
	bool found = false;
	char *args;
	int n;

	for (n = 1; !found && n <= mails_sent(fx); n++) {
		args = call_file(fx, n, "args");
		found = strstr(args, address) != NULL;
		free(args);
	}
	return found;
}

/* A channel that the config defines has its own acknowledgment and
 * alert settings; a channel it does not have gets the defaults, not
 * email's. */
static void
test_followup_settings_of_a_defined_channel(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct buf text = BUF_INIT;
	struct config *cf;

	buf_printf(&text, "[general]\ntemplates_dir = %s\ndefault_lang = fr\n"
	    "[followup]\nsendmail = %s\n"
	    "[channel.email]\nalert_to = email-leads@example.com\n"
	    "[channel.portal]\nack = no\n"
	    "[channel.kiosk]\nalert_to = kiosk-leads@example.com\n",
	    TEST_SRCDIR "/templates", fx->cf->sendmail);
	cf = testlib_config_load(fx->dir, buf_cstr(&text));
	buf_free(&text);
	assert_non_null(cf);
	config_free(fx->cf);
	fx->cf = cf;

	survey_new_on(fx, SURVEY_NPS, "fr", "portal", id, tok);
	reply(fx, tok, NULL, "9");
	assert_int_equal(mails_sent(fx), 0);
	survey_new_on(fx, SURVEY_NPS, "fr", "kiosk", id, tok);
	reply(fx, tok, NULL, "1");
	assert_true(mail_went_to(fx, "kiosk-leads@example.com"));
	assert_false(mail_went_to(fx, "email-leads@example.com"));
	survey_new_on(fx, SURVEY_NPS, "fr", "Fax", id, tok);
	reply(fx, tok, NULL, "1");
	assert_false(mail_went_to(fx, "email-leads@example.com"));
	/* The acknowledgments of kiosk and Fax, the alert of kiosk. */
	assert_int_equal(mails_sent(fx), 3);
}

static void
test_answer_to_the_ack_is_a_comment_on_the_same_survey(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	char *msg, *rt, want[96];
	struct followup_report rep;
	size_t n;

	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "2");
	msg = call_file(fx, 1, "msg");
	rt = strstr(msg, "\nReply-To: nps+");
	assert_non_null(rt);
	rt += strlen("\nReply-To: nps+");
	n = strcspn(rt, "@");
	assert_int_equal(n, TOKEN_LEN);
	rt[n] = '\0';
	/* The customer answers the apology, through its Reply-To. */
	rep = reply(fx, rt, NULL, "Le livreur a laissé le colis sous la"
	    " pluie.");
	assert_int_equal(rep.done, 0);
	snprintf(want, sizeof(want), "SELECT count(*) FROM comments WHERE"
	    " survey_id = '%s'", id);
	assert_int_equal(count(fx, want), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM comments WHERE text"
	    " LIKE 'Le livreur a laiss% sous la pluie.'"), 1);
	/* The score stands; no second acknowledgment. */
	assert_int_equal(count(fx, "SELECT count(*) FROM responses"), 1);
	assert_int_equal(count(fx, "SELECT score FROM responses WHERE"
	    " superseded_by IS NULL"), 2);
	assert_int_equal(mails_sent(fx), 1);
	free(msg);
}

/* --- the detractor alert -------------------------------------------- */

static void
test_alert_score_thresholds(void **state)
{
	struct testlib_fx *fx = *state;

	assert_true(followup_is_alert_score(fx->cf, SURVEY_NPS, 0));
	assert_true(followup_is_alert_score(fx->cf, SURVEY_NPS, 6));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_NPS, 7));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_NPS, 11));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_NPS, -1));
	fx->cf->detractor_max = 4;
	assert_true(followup_is_alert_score(fx->cf, SURVEY_NPS, 4));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_NPS, 5));
	assert_true(followup_is_alert_score(fx->cf, SURVEY_CSAT, 2));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_CSAT, 3));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_CSAT, 0));
	assert_true(followup_is_alert_score(fx->cf, SURVEY_CES, 3));
	assert_false(followup_is_alert_score(fx->cf, SURVEY_CES, 4));
}

static void
test_alert_mail_is_plain_link_free_and_tag_free(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct buf hdr = BUF_INIT, body = BUF_INIT, want = BUF_INIT;
	struct followup_report rep;
	char *msg, *args;

	set_str(&fx->cf->alert_to, "leads@example.com");
	set_str(&testlib_channel(fx->cf, "email")->alert_to, "email-leads@"
	    "example.com");
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	rep = reply(fx, tok, NULL, "2\r\n\r\nVoir https://evil.example/x et"
	    " [InsertSatisfactionEvaluation] svp");
	/* The comment rules the acknowledgment out: the alert only. */
	assert_int_equal(rep.done, 1);
	assert_int_equal(mails_sent(fx), 1);
	args = call_file(fx, 1, "args");
	assert_string_equal(args, "-i\n-f\nnps@reply.example\n--\n"
	    "email-leads@example.com\n");
	msg = call_file(fx, 1, "msg");
	mail_split(msg, &hdr, &body);
	buf_printf(&want, "From: nps@reply.example\n"
	    "To: email-leads@example.com\n"
	    "Date: Mon, 21 Sep 2026 14:13:20 +0000\n"
	    "Message-ID: <npsgate.alert_mail.%s.%lld@reply.example>\n"
	    "Auto-Submitted: auto-generated\n"
	    "X-Auto-Response-Suppress: All\n"
	    "Subject: =?utf-8?B?W05QU10gRMOpdHJhY3RldXIgMi8xMCAtIHRpY2tldCBU"
	    "LTQy?=\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n", id,
	    (long long)NOW);
	assert_string_equal(buf_cstr(&hdr), buf_cstr(&want));
	assert_non_null(strstr(buf_cstr(&body), "Client :    " CUSTOMER
	    "\nTicket :    T-42\nAgent :     alice\nÉquipe :    Retours\n"
	    "Canal :     email\nNote :      2/10 (nps, detractor)\n"
	    "Reçue le :  2026-09-21 14:13 UTC\n"));
	assert_non_null(strstr(buf_cstr(&body), "Commentaire :\n  Voir"
	    " https[:]//evil.example/x et (InsertSatisfactionEvaluation]"
	    " svp\n"));
	assert_null(strstr(buf_cstr(&body), "://"));
	assert_null(strstr(buf_cstr(&body), "[InsertSatisfaction"));
	assert_null(strstr(msg, "Reply-To"));
	assert_null(strstr(msg, tok));
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " kind = 'alert_mail' AND state = 'done'"), 1);
	/* Reporting's own flag is not ours to set. */
	assert_int_equal(count(fx, "SELECT followed_up_at FROM surveys"), 0);
	free(msg);
	free(args);
	buf_free(&hdr);
	buf_free(&body);
	buf_free(&want);
}

/* The alert is for the help desk: in the default language, whatever the
 * customer's, written as a tag ("nl-BE"). */
static void
test_alert_mail_speaks_the_default_language(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct buf hdr = BUF_INIT, body = BUF_INIT;
	char *msg;

	set_str(&fx->cf->alert_to, "leads@example.com");
	set_str(&fx->cf->default_lang, "nl-BE");
	survey_new(fx, SURVEY_NPS, "pt", id, tok);
	reply(fx, tok, NULL, "2\r\n\r\nMuito lento");
	msg = call_file(fx, 1, "msg");
	mail_split(msg, &hdr, &body);
	assert_non_null(strstr(buf_cstr(&hdr),
	    "Subject: [NPS] Criticaster 2/10 - ticket T-42\n"));
	assert_non_null(strstr(buf_cstr(&body), "Klant:       " CUSTOMER
	    "\nTicket:      T-42\nMedewerker:  alice\n"));
	assert_non_null(strstr(buf_cstr(&body), "Opmerking:\n  Muito lento"));
	free(msg);
	buf_free(&hdr);
	buf_free(&body);
}

static void
test_alert_mail_goes_to_the_team_address_first(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	char *args;

	set_str(&fx->cf->alert_to, "leads@example.com");
	set_str(&testlib_channel(fx->cf, "email")->alert_to, "email-leads@"
	    "example.com");
	/* The fixture's surveys belong to team "Retours". */
	fx->cf->team_alert_to = xcalloc(3, sizeof(char *));
	fx->cf->team_alert_to[0] = xstrdup("Billing: billing@example.com");
	fx->cf->team_alert_to[1] = xstrdup("retours : returns@example.com");
	fx->cf->n_team_alert_to = 2;
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "1\r\n\r\nColis perdu.");
	assert_int_equal(mails_sent(fx), 1);
	args = call_file(fx, 1, "args");
	assert_string_equal(args, "-i\n-f\nnps@reply.example\n--\n"
	    "returns@example.com\n");
	free(args);
}

/* With acknowledgments off, any one alert source is enough for a
 * detractor to be followed up; with none, nothing is queued. */
static void
test_ack_off_alert_sources_each_count(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	int src, want = 0;

	fx->cf->ack = false;
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "0");
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 0);
	for (src = 0; src < 3; src++) {
		set_str(&fx->cf->alert_to, NULL);
		set_str(&testlib_channel(fx->cf, "email")->alert_to, NULL);
		if (src == 0)
			set_str(&fx->cf->alert_to, "leads@example.com");
		else if (src == 1)
			set_str(&testlib_channel(fx->cf, "email")->alert_to,
			    "email-leads@example.com");
		else {
			fx->cf->team_alert_to = xcalloc(2, sizeof(char *));
			fx->cf->team_alert_to[0] =
			    xstrdup("Retours: returns@example.com");
			fx->cf->n_team_alert_to = 1;
		}
		survey_new(fx, SURVEY_NPS, "fr", id, tok);
		reply(fx, tok, NULL, "1");
		assert_int_equal(mails_sent(fx), ++want);
	}
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " kind = 'alert_mail'"), 3);
}

static void
test_no_alert_for_a_passive(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];

	set_str(&fx->cf->alert_to, "leads@example.com");
	set_str(&fx->cf->alert_command, fx->dir);	/* never run */
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	reply(fx, tok, NULL, "7\r\n\r\nCorrect.");
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups"), 0);
}

static void
test_alert_command_gets_clean_env_and_json(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct json_object o;
	struct npserr err;
	struct buf want = BUF_INIT;
	char *p, *env, *json, *comment;

	p = testlib_path(fx->dir, "alert");
	set_str(&fx->cf->alert_command, p);
	free(p);
	survey_new(fx, SURVEY_CES, "en", id, tok);
	/* CES 2 of 7, a comment with a tab, a CR and a control byte. */
	reply(fx, tok, NULL, "2\r\n\r\nHard\tto\x01 reach\r\nanyone.");
	p = testlib_path(fx->dir, "alert.env");
	env = testlib_file_read(p, NULL);
	free(p);
	assert_non_null(env);
	buf_printf(&want, "NPS_AGENT=alice\nNPS_CATEGORY=detractor\n"
	    "NPS_CHANNEL=email\nNPS_CUSTOMER=" CUSTOMER "\nNPS_SCORE=2\n"
	    "NPS_SURVEY_ID=%s\nNPS_TEAM=Retours\nNPS_TICKET=T-42\n", id);
	assert_string_equal(env, buf_cstr(&want));
	p = testlib_path(fx->dir, "alert.comment");
	comment = testlib_file_read(p, NULL);
	free(p);
	assert_string_equal(comment, "Hard to  reach\nanyone.");
	p = testlib_path(fx->dir, "alert.json");
	json = testlib_file_read(p, NULL);
	free(p);
	assert_non_null(json);
	assert_int_equal(json_parse_object(json, strlen(json), &o, &err), 0);
	assert_string_equal(json_object_get(&o, "survey_id")->s, id);
	assert_string_equal(json_object_get(&o, "type")->s, "ces");
	assert_int_equal(json_object_get(&o, "score")->i, 2);
	assert_int_equal(json_object_get(&o, "max")->i, 7);
	assert_string_equal(json_object_get(&o, "customer")->s, CUSTOMER);
	assert_string_equal(json_object_get(&o, "comment")->s,
	    "Hard to  reach\nanyone.");
	assert_int_equal(json_object_get(&o, "received_at")->i, NOW);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " kind = 'alert_command' AND state = 'done'"), 1);
	json_object_clear(&o);
	free(env);
	free(json);
	free(comment);
	buf_free(&want);
}

static void
test_env_values_are_bounded_and_clean(void **state)
{
	struct sendmail_alert a;
	struct buf b = BUF_INIT, big = BUF_INIT;
	char **env;
	size_t i;
	int found = 0;

	(void)state;
	/* Invalid UTF-8 becomes '?', controls a space, CRLF becomes LF
	 * only where line breaks are kept. */
	sendmail_env_clean(&b, "a\xff\xc3" "b\r\nc\x7f", 100, false);
	assert_string_equal(buf_cstr(&b), "a??b  c ");
	buf_reset(&b);
	sendmail_env_clean(&b, "a\r\nb\n", 100, true);
	assert_string_equal(buf_cstr(&b), "a\nb\n");
	/* Cut on a character boundary: "é" is 2 bytes. */
	buf_reset(&b);
	sendmail_env_clean(&b, "abé", 3, false);
	assert_string_equal(buf_cstr(&b), "ab");
	for (i = 0; i < 3000; i++)
		buf_puts(&big, "é");
	memset(&a, 0, sizeof(a));
	a.score = -1;
	a.ticket = buf_cstr(&big);
	a.comment = buf_cstr(&big);
	setenv("NPS_TICKET", "stale", 1);
	env = sendmail_alert_env(&a);
	for (i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], "NPS_TICKET=", 11) == 0) {
			found++;
			assert_int_equal(strlen(env[i]), 11 +
			    SENDMAIL_ENV_MAX);
		}
		if (strncmp(env[i], "NPS_COMMENT=", 12) == 0)
			assert_int_equal(strlen(env[i]), 12 +
			    SENDMAIL_COMMENT_MAX);
		if (strncmp(env[i], "NPS_SCORE=", 10) == 0)
			assert_string_equal(env[i], "NPS_SCORE=");
	}
	/* The caller's own NPS_TICKET is not passed on. */
	assert_int_equal(found, 1);
	unsetenv("NPS_TICKET");
	sendmail_argv_free(env);
	buf_free(&b);
	buf_free(&big);
}

static void
test_alert_command_timeout_kills_it_and_queues_a_retry(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct followup_report rep;
	struct timespec t0, t1;
	char *p, *pid, *slow;
	double secs;

	p = testlib_path(fx->dir, "alert");
	set_str(&fx->cf->alert_command, p);
	free(p);
	fx->cf->alert_timeout = 1;
	slow = testlib_path(fx->dir, "slow");
	assert_int_equal(testlib_file_write(slow, "", 0, 0644), 0);
	survey_new(fx, SURVEY_NPS, "fr", id, tok);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rep = reply(fx, tok, NULL, "1");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) /
	    1e9;
	assert_true(secs >= 1.0 && secs < 5.0);
	/* The acknowledgment went out all the same. */
	assert_int_equal(rep.done, 1);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(mails_sent(fx), 1);
	p = testlib_path(fx->dir, "alert.pid");
	pid = testlib_file_read(p, NULL);
	free(p);
	assert_non_null(pid);
	assert_int_equal(kill((pid_t)atoi(pid), 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " kind = 'alert_command' AND state = 'pending' AND attempts = 1"
	    " AND last_error LIKE '%killed after 1 s (time limit)'"), 1);
	assert_int_equal(count(fx, "SELECT next_attempt_at FROM followups"
	    " WHERE kind = 'alert_command'"), NOW + 60);
	/* Not due yet; then due, and the command is quick again. */
	assert_int_equal(retry(fx, NOW + 59, &rep), 0);
	assert_int_equal(rep.done + rep.failed, 0);
	unlink(slow);
	assert_int_equal(retry(fx, NOW + 60, &rep), 0);
	assert_int_equal(rep.done, 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " kind = 'alert_command' AND state = 'done' AND attempts = 2"
	    " AND last_error IS NULL"), 1);
	free(pid);
	free(slow);
}

/* --- the queue ------------------------------------------------------ */

static void
test_backoff_doubles_up_to_six_hours(void **state)
{
	(void)state;
	assert_int_equal(followup_backoff(1), 60);
	assert_int_equal(followup_backoff(2), 120);
	assert_int_equal(followup_backoff(3), 240);
	assert_int_equal(followup_backoff(9), 15360);
	assert_int_equal(followup_backoff(10), 21600);
	assert_int_equal(followup_backoff(40), 21600);
}

static void
test_failed_ack_is_retried_then_sent_once(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct followup_report rep;
	char *fail = testlib_path(fx->dir, "fail");
	struct npserr err;
	int64_t at;

	assert_int_equal(followup_next_due(fx->st, &at, &err), 0);
	assert_int_equal(testlib_file_write(fail, "", 0, 0644), 0);
	survey_new(fx, SURVEY_NPS, "en", id, tok);
	rep = reply(fx, tok, NULL, "9");
	assert_int_equal(rep.failed, 1);
	assert_int_equal(followup_next_due(fx->st, &at, &err), 1);
	assert_int_equal(at, NOW + 60);
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " state = 'pending' AND attempts = 1 AND last_error LIKE"
	    " '%exited with status 75: fake: queue full'"), 1);
	assert_int_equal(count(fx, "SELECT ack_sent_at FROM surveys"), 0);
	/* Second failure: the pause doubles. */
	assert_int_equal(retry(fx, NOW + 60, &rep), 0);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(count(fx, "SELECT next_attempt_at FROM followups"),
	    NOW + 60 + 120);
	unlink(fail);
	assert_int_equal(retry(fx, NOW + 180, &rep), 0);
	assert_int_equal(rep.done, 1);
	assert_int_equal(mails_sent(fx), 1);
	assert_int_equal(count(fx, "SELECT ack_sent_at FROM surveys"),
	    NOW + 180);
	/* Done rows are never tried again, nor waited for. */
	assert_int_equal(followup_next_due(fx->st, &at, &err), 0);
	assert_int_equal(retry(fx, NOW + 86400, &rep), 0);
	assert_int_equal(rep.done + rep.failed + rep.gave_up, 0);
	assert_int_equal(mails_sent(fx), 1);
	free(fail);
}

/* The store refuses writes for 2 s right after the acknowledgment is
 * handed over (a restart, a long lock): it is recorded done once the
 * store is back, and never sent again. */
static void
test_ack_recorded_once_though_the_store_failed_after_sending(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct followup_report rep;
	struct ingest_outcome res;
	struct npserr err;
	struct store *st;
	struct buf m = BUF_INIT;
	char *lock = testlib_path(fx->dir, "lock");

	/* The lock is SQLite's: a store that is not the file in the test's
	 * directory (NPSGATE_TEST_PG, in either form of address) has none. */
	if (strncmp(fx->where, fx->dir, strlen(fx->dir)) != 0 ||
	    system("command -v sqlite3 >/dev/null 2>&1") != 0) {
		free(lock);
		skip();
	}
	survey_new(fx, SURVEY_NPS, "en", id, tok);
	/* Its own retries (4 x 50 ms) end long before the lock does. */
	st = store_open(fx->where, 50, &err);
	assert_non_null(st);
	{
		struct ingest_ctx ictx = { fx->cf, fx->ring, st, fx->now,
		    false, NULL, NULL };
		struct followup_ctx fctx = { fx->cf, fx->ring, st, fx->now };

		buf_printf(&m, "From: <" CUSTOMER ">\r\nTo: nps+%s@reply"
		    ".example\r\nMessage-ID: <locked@client.example>\r\n"
		    "Subject: Re\r\n\r\n9\r\n", tok);
		assert_int_equal(ingest_message(&ictx, m.data, m.len, &res,
		    &err), 0);
		assert_int_equal(testlib_file_write(lock, fx->where,
		    strlen(fx->where), 0644), 0);
		if (followup_after_ingest(&fctx, res.msg_key, &rep, &err) != 0)
			fail_msg("followup_after_ingest: %s", err.msg);
	}
	assert_int_equal(rep.done, 1);
	assert_int_equal(mails_sent(fx), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " state = 'done'"), 1);
	assert_int_equal(count(fx, "SELECT ack_sent_at FROM surveys"), NOW);
	/* Long after any claim would have expired: nothing more. */
	assert_int_equal(retry(fx, NOW + 2 * FOLLOWUP_LEASE, &rep), 0);
	assert_int_equal(rep.done + rep.failed, 0);
	assert_int_equal(mails_sent(fx), 1);
	ingest_outcome_clear(&res);
	store_close(st);
	buf_free(&m);
	free(lock);
}

static void
test_retry_gives_up_after_max_attempts(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1];
	struct followup_report rep;
	char *fail = testlib_path(fx->dir, "fail");
	time_t at = NOW;
	int i;

	assert_int_equal(testlib_file_write(fail, "", 0, 0644), 0);
	survey_new(fx, SURVEY_NPS, "en", id, tok);
	reply(fx, tok, NULL, "9");
	for (i = 2; i <= FOLLOWUP_MAX_ATTEMPTS; i++) {
		at += (time_t)followup_backoff(i - 1);
		assert_int_equal(retry(fx, at, &rep), 0);
		if (i < FOLLOWUP_MAX_ATTEMPTS)
			assert_int_equal(rep.failed, 1);
		else
			assert_int_equal(rep.gave_up, 1);
	}
	assert_int_equal(count(fx, "SELECT count(*) FROM followups WHERE"
	    " state = 'failed' AND attempts = 10"), 1);
	unlink(fail);
	assert_int_equal(retry(fx, at + 7 * 86400, &rep), 0);
	assert_int_equal(rep.done + rep.failed + rep.gave_up, 0);
	assert_int_equal(mails_sent(fx), 0);
	free(fail);
}

static void
test_expired_claim_after_a_crash_is_tried_again(void **state)
{
	struct testlib_fx *fx = *state;
	char id[TOKEN_ID_LEN + 1], tok[TOKEN_LEN + 1], sql[512];
	struct followup_report rep;

	survey_new(fx, SURVEY_NPS, "en", id, tok);
	fx->cf->ack = false;
	reply(fx, tok, NULL, "9");
	fx->cf->ack = true;
	/* What a crash right after the claim leaves behind. */
	snprintf(sql, sizeof(sql), "INSERT INTO followups (survey_id, kind,"
	    " response_id, created_at, next_attempt_at) VALUES ('%s', 'ack',"
	    " (SELECT id FROM responses), %lld, %lld)", id, (long long)NOW,
	    (long long)(NOW + FOLLOWUP_LEASE));
	sql_exec(fx, sql);
	assert_int_equal(retry(fx, NOW + FOLLOWUP_LEASE - 1, &rep), 0);
	assert_int_equal(mails_sent(fx), 0);
	assert_int_equal(retry(fx, NOW + FOLLOWUP_LEASE, &rep), 0);
	assert_int_equal(rep.done, 1);
	assert_int_equal(mails_sent(fx), 1);
	/* Same Message-ID as a first attempt would have had. */
	{
		char *msg = call_file(fx, 1, "msg");
		char want[128];

		snprintf(want, sizeof(want), "Message-ID: <npsgate.ack.%s.%lld"
		    "@reply.example>\n", id, (long long)NOW);
		assert_non_null(strstr(msg, want));
		free(msg);
	}
}

/* --- headers, addresses, commands ----------------------------------- */

static void
test_header_values_are_encoded_and_folded(void **state)
{
	struct buf b = BUF_INIT;
	const char *p, *nl;

	(void)state;
	followup_header(&b, "Subject", "Re: hello\r\nBcc: x@example.com");
	assert_string_equal(buf_cstr(&b),
	    "Subject: Re: hello  Bcc: x@example.com\n");
	buf_reset(&b);
	followup_header(&b, "Subject", "=?utf-8?q?x?=");
	assert_string_equal(buf_cstr(&b),
	    "Subject: =?utf-8?B?PT91dGYtOD9xP3g/PQ==?=\n");
	buf_reset(&b);
	followup_header(&b, "Subject", "Café au lait, croissants et"
	    " confiture, pour un réveil en douceur à la française");
	for (p = buf_cstr(&b); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 78);
	}
	assert_non_null(strstr(buf_cstr(&b), "\n =?utf-8?B?"));
	buf_reset(&b);
	followup_header(&b, "Subject", "one two three four five six seven"
	    " eight nine ten eleven twelve thirteen fourteen fifteen");
	assert_string_equal(buf_cstr(&b), "Subject: one two three four five"
	    " six seven eight nine ten eleven twelve\n thirteen fourteen"
	    " fifteen\n");
	buf_free(&b);
}

static void
test_robot_and_own_addresses_get_no_automatic_reply(void **state)
{
	struct testlib_fx *fx = *state;

	assert_false(followup_address_refused(fx->cf, "client@example.com"));
	assert_false(followup_address_refused(fx->cf, "j.o'neil+x@ex.fr"));
	assert_true(followup_address_refused(fx->cf, NULL));
	assert_true(followup_address_refused(fx->cf, ""));
	assert_true(followup_address_refused(fx->cf, "postmaster@ex.com"));
	assert_true(followup_address_refused(fx->cf, "MAILER-DAEMON@ex.com"));
	assert_true(followup_address_refused(fx->cf, "no-reply@ex.com"));
	assert_true(followup_address_refused(fx->cf, "owner-list@ex.com"));
	assert_true(followup_address_refused(fx->cf, "list-request@ex.com"));
	assert_true(followup_address_refused(fx->cf, "bounces+x@ex.com"));
	assert_true(followup_address_refused(fx->cf, "nps@reply.example"));
	assert_true(followup_address_refused(fx->cf, "NPS+tok@Reply.Example"));
	assert_false(followup_address_refused(fx->cf, "npsx@reply.example"));
	assert_true(followup_address_refused(fx->cf, "a b@ex.com"));
	assert_true(followup_address_refused(fx->cf, "a@b@ex.com"));
	assert_true(followup_address_refused(fx->cf, "<a@ex.com>"));
	assert_true(followup_address_refused(fx->cf, "a@ex.com\nBcc: b"));
	/* Harmless: sendmail gets "--" before the recipient. */
	assert_false(followup_address_refused(fx->cf, "-oQ/tmp@ex.com"));
}

static void
test_command_lines_split_on_blanks_only(void **state)
{
	struct npserr err;
	char **v;

	(void)state;
	v = sendmail_argv_split("  /usr/sbin/sendmail\t-C  /etc/pf ", &err);
	assert_non_null(v);
	assert_string_equal(v[0], "/usr/sbin/sendmail");
	assert_string_equal(v[1], "-C");
	assert_string_equal(v[2], "/etc/pf");
	assert_null(v[3]);
	sendmail_argv_free(v);
	v = sendmail_argv_split("/bin/x 'a b'", &err);
	assert_string_equal(v[1], "'a");
	assert_string_equal(v[2], "b'");
	sendmail_argv_free(v);
	assert_null(sendmail_argv_split("sendmail -t", &err));
	assert_string_equal(err.msg, "command \"sendmail -t\": the program"
	    " must be an absolute path");
	assert_null(sendmail_argv_split("   ", &err));
	assert_null(sendmail_argv_split("/bin/x\n-y", &err));
}

static void
test_run_reports_status_output_and_exec_failure(void **state)
{
	char *argv1[] = { "/bin/sh", "-c", "echo 'bad thing' >&2; exit 3",
	    NULL };
	char *argv2[] = { "/nonexistent/prog", NULL };
	char *argv3[] = { "/bin/true", NULL };
	struct sendmail_result res;
	struct npserr err;
	char big[300000];

	(void)state;
	assert_int_equal(sendmail_run(argv1, NULL, "x", 1, 5000, &res, &err),
	    -1);
	assert_int_equal(res.status, 3);
	assert_string_equal(err.msg, "/bin/sh: exited with status 3: bad"
	    " thing");
	sendmail_result_clear(&res);
	assert_int_equal(sendmail_run(argv2, NULL, "x", 1, 5000, &res, &err),
	    -1);
	assert_false(res.ran);
	assert_string_equal(err.msg, "/nonexistent/prog: cannot run: No such"
	    " file or directory");
	sendmail_result_clear(&res);
	/* The caller's descriptors stay with the caller. */
	{
		char *argv4[] = { "/bin/sh", "-c", "test ! -e /proc/$$/fd/57",
		    NULL };
		int fd = open("/dev/null", O_RDONLY);

		assert_true(fd >= 0);
		assert_int_equal(dup2(fd, 57), 57);
		assert_int_equal(sendmail_run(argv4, NULL, NULL, 0, 5000,
		    NULL, &err), 0);
		close(57);
		close(fd);
	}
	/* A program that never reads a large input: no SIGPIPE, no hang. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(sendmail_run(argv3, NULL, big, sizeof(big), 5000,
	    &res, &err), 0);
	assert_int_equal(res.status, 0);
	sendmail_result_clear(&res);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ack_detractor_fr_has_exact_headers_and_body),
		T(test_ack_text_follows_category_and_language),
		T(test_ack_from_name_is_quoted_or_encoded),
		T(test_no_ack_when_the_answer_has_a_comment),
		T(test_no_ack_for_autoreply_bounce_or_unsubscribe),
		T(test_no_ack_for_a_bounce),
		T(test_ack_goes_to_the_surveyed_recipient_not_the_sender),
		T(test_no_ack_for_a_message_id_only_reply),
		T(test_ack_only_once_per_survey),
		T(test_ack_once_when_hooks_follow_up_at_once),
		T(test_ack_off_by_config_or_channel),
		T(test_followup_settings_of_a_defined_channel),
		T(test_answer_to_the_ack_is_a_comment_on_the_same_survey),
		T(test_alert_score_thresholds),
		T(test_alert_mail_is_plain_link_free_and_tag_free),
		T(test_alert_mail_speaks_the_default_language),
		T(test_alert_mail_goes_to_the_team_address_first),
		T(test_ack_off_alert_sources_each_count),
		T(test_no_alert_for_a_passive),
		T(test_alert_command_gets_clean_env_and_json),
		cmocka_unit_test(test_env_values_are_bounded_and_clean),
		T(test_alert_command_timeout_kills_it_and_queues_a_retry),
		cmocka_unit_test(test_backoff_doubles_up_to_six_hours),
		T(test_failed_ack_is_retried_then_sent_once),
		T(test_ack_recorded_once_though_the_store_failed_after_sending),
		T(test_retry_gives_up_after_max_attempts),
		T(test_expired_claim_after_a_crash_is_tried_again),
		cmocka_unit_test(test_header_values_are_encoded_and_folded),
		T(test_robot_and_own_addresses_get_no_automatic_reply),
		cmocka_unit_test(test_command_lines_split_on_blanks_only),
		cmocka_unit_test(
		    test_run_reports_status_output_and_exec_failure),
	};

	log_open("test_followup", LOG_TO_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
