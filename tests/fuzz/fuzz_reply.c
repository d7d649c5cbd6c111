/*
 * fuzz_reply.c - the reply analysis (reply_analyze) and its pieces.
 *
 * For any message: reply_analyze fills a result that says one thing
 * consistently: a score only for a response, within the survey type's
 * range and with its category; a response, or any survey id, only for a
 * token that verified (the store here knows no Message-ID); a comment of
 * valid UTF-8; a sender in lowercase; a language of fr, en or none. Its
 * JSON is one object that json_parse_object reads back to the same kind,
 * score and comment. The pieces (own text, score finder, comment, subject
 * score, language, unsubscribe) take the input as text and keep their
 * bounds and ranges.
 *
 * The budget: the same message analysed with a budget small enough for
 * fuzzed inputs to pass it (a few KB of text, HTML of a few dozen tags)
 * is either unparsed, saying why, or read exactly as without it; and
 * html_to_text under the same small limits either refuses the input,
 * appending nothing, or gives the very text it gives under the default
 * limits: a limit refuses, it never changes what is read.
 *
 * The mail that hands a reply on to the help desk (forward_build) starts
 * with our Resent block and Auto-Submitted, holds in its header no other
 * Auto-Submitted nor the delivery trace (Return-Path, Delivered-To,
 * X-Original-To) at the start of a line, ends with a line end, and is
 * never longer than our block, the input and two line ends.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "fuzz.h"
#include "incoming/forward.h"
#include "incoming/reply.h"
#include "mail/html.h"
#include "mail/mime.h"
#include "store/store.h"
#include "survey/token.h"

#define FUZZ_NOW ((time_t)1750000000)

/* Small enough for inputs of a few KB to pass it; the CPU time is left
 * at the default, so that a result never depends on the machine. */
static const struct reply_budget fuzz_tight = {
	REPLY_BUDGET_CPU_MS, 8192, { 4096, 64, 96, 8, 16 }
};

static struct config *fuzz_cf;
static struct keyring *fuzz_ring;
static struct store *fuzz_store;
/* Pre-filled bodies as an admin may write them: fields of both kinds,
 * several on a line, blank lines. */
static const char *const fuzz_prefixes[] = { "Avis", "", "Re:", NULL };
static const char *const fuzz_prefill[] = {
	"Votre avis : {score}/{max}\n\nMerci {prefix}, un mot {label_low} "
	"ou {label_high} ?\n\n",
	"My score: {score} of {max} ({min}-{max})\n{prefix}{address}\n",
	NULL
};

static void
fuzz_reply_init(void)
{
	struct npserr err;

	if (fuzz_cf != NULL)
		return;
	fuzz_cf = config_defaults();
	fuzz_ring = keyring_new_test();
	/* An empty store: Message-ID lookups run, and find nothing. */
	fuzz_store = store_open(":memory:", 1000, &err);
	if (fuzz_store == NULL)
		fprintf(stderr, "fuzz_reply: %s\n", err.msg);
	FUZZ_CHECK(fuzz_store != NULL, "in-memory store opens");
}

static void
check_score(const struct reply_score *sc, size_t len, enum survey_type t)
{
	FUZZ_CHECK(sc->score == -1 || (sc->score >= nps_score_min(t) &&
	    sc->score <= nps_score_max(t)), "score in the type's range");
	FUZZ_CHECK(memchr(sc->why, '\0', sizeof(sc->why)) != NULL,
	    "why is terminated");
	if (sc->score >= 0 && sc->end > 0)
		FUZZ_CHECK(sc->start < sc->end && sc->end <= len,
		    "score expression inside the text");
}

static void
check_pieces(const char *text, size_t len)
{
	struct reply_score sc;
	struct buf own = BUF_INIT, com = BUF_INIT;
	const char *lang;
	int t, s;

	reply_text_own(text, len, fuzz_prefill, &own);
	for (t = 0; t < SURVEY_TYPE_COUNT; t++) {
		memset(&sc, 0, sizeof(sc));
		s = reply_score_find(text, len, (enum survey_type)t, &sc);
		FUZZ_CHECK(s == sc.score, "reply_score_find returns the score");
		check_score(&sc, len, (enum survey_type)t);
		buf_reset(&com);
		reply_comment_make(text, len, s, (enum survey_type)t,
		    fuzz_prefill, &com);
		s = reply_score_from_subject(text, len, (enum survey_type)t,
		    t == 1 ? "Note" : NULL);
		FUZZ_CHECK(s == -1 || (s >= nps_score_min((enum survey_type)t)
		    && s <= nps_score_max((enum survey_type)t)),
		    "subject score in range");
	}
	lang = reply_lang_guess(text, len);
	FUZZ_CHECK(lang == NULL || (lang_template(lang) != NULL &&
	    strcmp(lang_template(lang), lang) == 0),
	    "language of the templates or none");
	(void)reply_text_is_unsubscribe(text, len);
	buf_free(&own);
	buf_free(&com);
}

static void
check_json(const struct reply_result *res)
{
	struct json_object o = { NULL, 0 };
	const struct json_value *v;
	struct buf js = BUF_INIT;
	struct npserr err;

	reply_result_json(res, &js);
	FUZZ_CHECK(js.len > 0 && memchr(js.data, '\n', js.len) == NULL,
	    "JSON is one line");
	if (json_parse_object(js.data, js.len, &o, &err) != 0)
		fprintf(stderr, "JSON: %s\n%s\n", err.msg, js.data);
	FUZZ_CHECK(o.n > 0, "the result's JSON parses back");
	v = json_object_get(&o, "kind");
	FUZZ_CHECK(v != NULL && v->kind == JSON_STRING &&
	    strcmp(v->s, reply_kind_name(res->kind)) == 0, "JSON kind");
	v = json_object_get(&o, "score");
	FUZZ_CHECK(v != NULL && (res->score < 0 ? v->kind == JSON_NULL :
	    v->kind == JSON_INT && v->i == res->score), "JSON score");
	v = json_object_get(&o, "comment");
	FUZZ_CHECK(v != NULL && (res->comment == NULL ? v->kind == JSON_NULL :
	    v->kind == JSON_STRING && strcmp(v->s, res->comment) == 0),
	    "JSON comment is the comment");
	json_object_clear(&o);
	buf_free(&js);
}

static void
check_result(const struct reply_result *res)
{
	const char *p;

	FUZZ_CHECK(res->kind >= REPLY_RESPONSE && res->kind <= REPLY_UNPARSED,
	    "known kind");
	if (res->score >= 0) {
		FUZZ_CHECK(res->kind == REPLY_RESPONSE,
		    "only a response has a score");
		FUZZ_CHECK(res->score >= nps_score_min(res->type) &&
		    res->score <= nps_score_max(res->type),
		    "score in the survey type's range");
		FUZZ_CHECK(res->category == nps_category(res->type,
		    res->score), "category of the score");
	} else {
		FUZZ_CHECK(res->score == -1 && res->category == NPS_NONE,
		    "no score, no category");
	}
	FUZZ_CHECK(memchr(res->survey_id, '\0', sizeof(res->survey_id)),
	    "survey id terminated");
	if (res->survey_id[0] != '\0')
		FUZZ_CHECK(res->token_found && res->token_status == TOKEN_OK,
		    "a survey only through a token that verified");
	if (res->kind == REPLY_RESPONSE)
		FUZZ_CHECK(res->survey_id[0] != '\0',
		    "a response answers a survey");
	FUZZ_CHECK(memchr(res->hint_id, '\0', sizeof(res->hint_id)),
	    "hint terminated");
	FUZZ_CHECK(res->survey_id[0] == '\0' || res->hint_id[0] == '\0',
	    "a hint only for a reply tied to no survey");
	if (res->comment != NULL)
		FUZZ_CHECK(utf8_valid(res->comment,
		    strlen(res->comment)), "comment is UTF-8");
	if (res->from != NULL)
		for (p = res->from; *p; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p),
			    "sender in lowercase");
	FUZZ_CHECK(res->lang == NULL || (lang_template(res->lang) != NULL &&
	    strcmp(lang_template(res->lang), res->lang) == 0),
	    "language of the templates or none");
	check_json(res);
}

static void
check_html(const char *s, size_t n)
{
	struct buf tight = BUF_INIT, dflt = BUF_INIT;
	struct npserr err;

	if (html_to_text(s, n, &fuzz_tight.html, &tight, &err) < 0) {
		FUZZ_CHECK(tight.len == 0, "a refused part appends nothing");
		FUZZ_CHECK(err.msg[0] != '\0', "a refusal says which limit");
	} else {
		FUZZ_CHECK(html_to_text(s, n, NULL, &dflt, &err) == 0,
		    "within small limits, within the default ones");
		FUZZ_CHECK(tight.len == dflt.len && (tight.len == 0 ||
		    memcmp(tight.data, dflt.data, tight.len) == 0),
		    "the limits change no text");
	}
	buf_free(&tight);
	buf_free(&dflt);
}

/* The result under the small budget against the one without it. */
static void
check_budget(const struct reply_result *tight, const struct reply_result *res)
{
	check_result(tight);
	if (tight->kind == REPLY_UNPARSED && res->kind != REPLY_UNPARSED) {
		FUZZ_CHECK(tight->reason != NULL &&
		    strncmp(tight->reason, "unparsed: ", 10) == 0,
		    "over the budget: unparsed, saying why");
		return;
	}
	FUZZ_CHECK(tight->kind == res->kind && tight->score == res->score,
	    "within the budget, read as without it");
	FUZZ_CHECK((tight->comment == NULL) == (res->comment == NULL) &&
	    (tight->comment == NULL ||
	    strcmp(tight->comment, res->comment) == 0),
	    "within the budget, the same comment");
}

/* How often "\nNAME" (any case) occurs in s[0..n). */
static size_t
count_field(const char *s, size_t n, const char *name)
{
	size_t i, k = 0, m = strlen(name);

	for (i = 0; i + m + 1 <= n; i++)
		if (s[i] == '\n' && strncasecmp(s + i + 1, name, m) == 0)
			k++;
	return k;
}

static void
check_forward(const char *msg, size_t len)
{
	static const char head[] = "Resent-From: <nps@reply.example>\n"
	    "Resent-To: <help@desk.example>\n";
	struct buf out = BUF_INIT;
	const char *end;
	size_t ours, hlen;

	forward_build(fuzz_cf, msg, len, "help@desk.example", "sha256:ab",
	    FUZZ_NOW, &out);
	end = memmem(out.data, out.len, "Auto-Submitted: auto-forwarded\n",
	    31);
	FUZZ_CHECK(out.len > sizeof(head) && memcmp(out.data, head,
	    sizeof(head) - 1) == 0 && end != NULL, "our Resent block first");
	ours = (size_t)(end - out.data) + 31;
	FUZZ_CHECK(out.len <= ours + len + 2, "no longer than the input");
	FUZZ_CHECK(out.data[out.len - 1] == '\n', "ends with a line end");
	end = memmem(out.data + ours - 1, out.len - ours + 1, "\n\n", 2);
	hlen = end != NULL ? (size_t)(end - out.data) + 1 : out.len;
	FUZZ_CHECK(count_field(out.data, hlen, "Auto-Submitted:") == 1,
	    "one Auto-Submitted in the header, ours");
	FUZZ_CHECK(count_field(out.data, hlen, "Delivered-To:") == 0 &&
	    count_field(out.data, hlen, "Return-Path:") == 0 &&
	    count_field(out.data, hlen, "X-Original-To:") == 0,
	    "no delivery trace in the header");
	buf_free(&out);
}

/*
 * fuzz_reply_one - one input as a customer's reply, and as plain text for
 * the pieces.
 */
int
fuzz_reply_one(const uint8_t *data, size_t size)
{
	struct reply_result res, tight;
	struct npserr err;
	struct reply_ctx ctx;
	int r;

	fuzz_reply_init();
	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	ctx.cf = fuzz_cf;
	ctx.ring = fuzz_ring;
	ctx.store = fuzz_store;
	ctx.now = FUZZ_NOW;
	ctx.prefill = fuzz_prefill;
	ctx.prefixes = fuzz_prefixes;
	ctx.budget = NULL;
	memset(&res, 0, sizeof(res));
	err.msg[0] = '\0';
	r = reply_analyze(&ctx, (const char *)data, size, &res, &err);
	if (r != 0)
		fprintf(stderr, "reply_analyze: %s\n", err.msg);
	FUZZ_CHECK(r == 0, "reply_analyze fails only on store errors");
	check_result(&res);
	ctx.budget = &fuzz_tight;
	memset(&tight, 0, sizeof(tight));
	r = reply_analyze(&ctx, (const char *)data, size, &tight, &err);
	FUZZ_CHECK(r == 0, "reply_analyze fails only on store errors");
	check_budget(&tight, &res);
	reply_result_clear(&tight);
	reply_result_clear(&res);
	check_html((const char *)data, size);
	check_forward((const char *)data, size);
	/* The pieces work on UTF-8 text; feed them the input as it is, but
	 * bounded: they are meant for the own text of one reply. */
	check_pieces((const char *)data, size < 16384 ? size : 16384);
	return 0;
}

#ifdef NPS_LIBFUZZER
FUZZ_ENTRY(fuzz_reply_one)
#endif
