/*
 * test_report.c - reports on a fixed synthetic store, built through the
 * store's own API (store_survey_add, store_ingest, store_event_add), checked
 * against figures this test computes from its inputs; ISO weeks and dates;
 * verbatims; follow-up; forget; purge; export and import.
 *
 * Every test works in its own directory under /tmp, removed afterwards.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "report/report.h"
#include "store/store.h"
#include "store/store_db.h"
#include "testlib.h"

#define T0 INT64_C(1767225600)	/* 2026-01-01 00:00:00 UTC, Thursday */
#define DAY 86400

struct fixture {
	char *dir;
	struct store *st;
};

/* The inputs. Agents and days; NULL agent is "(none)". */
struct sv {
	const char *agent;
	enum survey_type type;
	enum survey_status status;
	int day;		/* days after T0 */
	const char *recipient;
};

static const struct sv surveys[] = {
	{ "alice", SURVEY_NPS, SURVEY_SENT, 0, "c0@example.com" },
	{ "alice", SURVEY_NPS, SURVEY_SENT, 1, "c1@example.com" },
	{ "alice", SURVEY_NPS, SURVEY_RELEASED, 3, "c2@example.com" },
	{ "alice", SURVEY_NPS, SURVEY_SENT, 4, "c3@example.com" },
	{ "alice", SURVEY_NPS, SURVEY_SENT, 5, "c4@example.com" },
	{ "bob", SURVEY_NPS, SURVEY_SENT, 3, "c5@example.com" },
	{ "bob", SURVEY_NPS, SURVEY_BOUNCED, 4, "c6@example.com" },
	{ "bob", SURVEY_NPS, SURVEY_SENT, 10, "c7@example.com" },
	{ NULL, SURVEY_NPS, SURVEY_SENT, 11, "c8@example.com" },
	{ "carol", SURVEY_NPS, SURVEY_SENT, 12, "gone@example.org" },
	{ "carol", SURVEY_NPS, SURVEY_SENT, 13, "gone@example.org" },
	{ "alice", SURVEY_CSAT, SURVEY_SENT, 2, "x@example.com" },
	{ "alice", SURVEY_NPS, SURVEY_HELD, 2, "h@example.com" },
};
#define NSURVEYS (sizeof(surveys) / sizeof(surveys[0]))

/* Replies in the order they arrive: survey index, score (-1 none),
 * comment, hours after the survey was sent. */
struct rp {
	int survey;
	int score;
	const char *comment;
	int hours;
};

static const struct rp replies[] = {
	{ 0, 3, "slow", 1 },
	{ 0, 9, "better now, thanks", 30 },	/* supersedes the 3 */
	{ 1, 10, NULL, 2 },
	{ 2, 7, "ok", 2 },
	{ 3, 6, NULL, 2 },
	{ 3, -1, "and another thing", 5 },	/* comment only: 6 stays */
	{ 4, 8, NULL, 3 },
	{ 5, 0, "never again", 1 },
	{ 6, 9, NULL, 1 },
	{ 7, -1, "no idea", 1 },		/* no score at all */
	{ 8, 10, NULL, 1 },
	{ 9, 2, "the secret of gone", 1 },
	{ 10, 9, NULL, 1 },
	{ 11, 2, "csat", 1 },			/* CSAT 2: not in NPS */
};
#define NREPLIES (sizeof(replies) / sizeof(replies[0]))

/* Opt-outs by agent and day. */
static const struct {
	const char *agent;
	int day;
} optouts[] = {
	{ "alice", 1 }, { "alice", 2 }, { "bob", 10 }, { "carol", 12 },
};
#define NOPTOUTS (sizeof(optouts) / sizeof(optouts[0]))

/* Even surveys get ids of the shape npsgate issues (16 base32
 * characters), odd ones ids of another shape (as an import from elsewhere
 * may bring): the report must count both the same way. */
static void
survey_id(size_t i, char id[TOKEN_ID_LEN + 1])
{
	if (i % 2 == 0)
		snprintf(id, TOKEN_ID_LEN + 1, "reportsurvey23%c%c",
		    (int)('a' + i / 26 % 26), (int)('a' + i % 26));
	else
		snprintf(id, TOKEN_ID_LEN + 1, "reportsurvey%04u",
		    (unsigned)(i % 10000));
}

static int64_t
sent_at(size_t i)
{
	return T0 + (int64_t)surveys[i].day * DAY + 3600;
}

static void
fill(struct store *st)
{
	struct survey_rec rec;
	struct ingest_rec in;
	struct event_rec ev;
	struct npserr err;
	char key[64], id[TOKEN_ID_LEN + 1];
	size_t i;

	for (i = 0; i < NSURVEYS; i++) {
		memset(&rec, 0, sizeof(rec));
		survey_id(i, rec.id);
		rec.key_id = 1;
		rec.type = surveys[i].type;
		rec.status = surveys[i].status;
		rec.recipient = (char *)surveys[i].recipient;
		rec.agent = (char *)surveys[i].agent;
		rec.team = (char *)"t";
		rec.channel = (char *)"email";
		rec.ticket = (char *)"T-1";
		rec.created_at = sent_at(i);
		assert_int_equal(store_survey_add(st, &rec, &err), 0);
	}
	for (i = 0; i < NREPLIES; i++) {
		memset(&in, 0, sizeof(in));
		snprintf(key, sizeof(key), "<reply%zu@client.example>", i);
		survey_id((size_t)replies[i].survey, id);
		in.msg_key = key;
		in.kind = INGEST_RESPONSE;
		in.survey_id = id;
		in.score = replies[i].score;
		in.comment = replies[i].comment;
		in.sender = surveys[replies[i].survey].recipient;
		in.folder = "Processed";
		in.received_at = sent_at((size_t)replies[i].survey) +
		    (int64_t)replies[i].hours * 3600;
		assert_int_equal(store_ingest(st, &in, &err), INGEST_NEW);
	}
	for (i = 0; i < NOPTOUTS; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_OPTOUT;
		ev.agent = optouts[i].agent;
		ev.channel = "email";
		ev.recipient = i == 3 ? "gone@example.org" : "o@example.com";
		ev.at = T0 + (int64_t)optouts[i].day * DAY;
		assert_int_equal(store_event_add(st, &ev, &err), 0);
	}
}

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	fx->st = testlib_store_make("report", 2000, &fx->dir);
	if (fx->st == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	fill(fx->st);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->st != NULL)
		store_close(fx->st);
	testlib_dir_remove(fx->dir);
	free(fx);
	return 0;
}

/* --- the figures, from the inputs ------------------------------------- */

struct expect {
	long surveys, n, det, pas, pro, optouts;
	double score, margin;
};

/* The score that counts for survey i: the last reply with a score. */
static int
current_score(size_t i)
{
	int score = -1;
	size_t k;

	for (k = 0; k < NREPLIES; k++)
		if ((size_t)replies[k].survey == i && replies[k].score >= 0)
			score = replies[k].score;
	return score;
}

static int
same_agent(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* NPS figures of the NPS surveys sent (not held) that match: agent
 * (when by_agent) and sent in [from, to). */
static void
expect_for(bool by_agent, const char *agent, int64_t from, int64_t to,
    struct expect *e)
{
	double p, d, var;
	size_t i;
	int s;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < NSURVEYS; i++) {
		if (surveys[i].type != SURVEY_NPS ||
		    surveys[i].status == SURVEY_HELD ||
		    (by_agent && !same_agent(surveys[i].agent, agent)) ||
		    sent_at(i) < from || sent_at(i) >= to)
			continue;
		e->surveys++;
		if ((s = current_score(i)) < 0)
			continue;
		e->n++;
		if (s <= 6)
			e->det++;
		else if (s <= 8)
			e->pas++;
		else
			e->pro++;
	}
	for (i = 0; i < NOPTOUTS; i++)
		if ((!by_agent || same_agent(optouts[i].agent, agent)) &&
		    T0 + (int64_t)optouts[i].day * DAY >= from &&
		    T0 + (int64_t)optouts[i].day * DAY < to)
			e->optouts++;
	if (e->n == 0)
		return;
	p = (double)e->pro / (double)e->n;
	d = (double)e->det / (double)e->n;
	e->score = 100.0 * (p - d);
	var = p + d - (p - d) * (p - d);
	e->margin = var > 0 ? 1.96 * sqrt(var / (double)e->n) * 100.0 : 0.0;
}

static void
assert_group(const struct report_group *g, const struct expect *e)
{
	assert_int_equal(g->surveys, e->surveys);
	assert_int_equal(g->res.n, e->n);
	assert_int_equal(g->res.detractors, e->det);
	assert_int_equal(g->res.passives, e->pas);
	assert_int_equal(g->res.promoters, e->pro);
	assert_int_equal(g->optouts, e->optouts);
	assert_true(fabs(g->res.score - e->score) < 1e-9);
	assert_true(fabs(g->res.margin - e->margin) < 1e-9);
	if (e->surveys > 0)
		assert_true(fabs(g->response_rate - 100.0 * (double)e->n /
		    (double)e->surveys) < 1e-9);
}

static const struct report_group *
find_group(const struct report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->groups[i].name, name) == 0)
			return &r->groups[i];
	fail_msg("no group %s", name);
	return NULL;
}

/* --- tests -------------------------------------------------------------- */

static void
test_report_by_agent_matches_the_inputs(void **state)
{
	struct fixture *fx = *state;
	static const char *const agents[] = { "alice", "bob", "carol" };
	struct report_opts o;
	struct report r;
	struct expect e;
	struct npserr err;
	size_t i;

	report_opts_init(&o, NULL);
	o.by = REPORT_BY_AGENT;
	o.min_responses = 3;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	assert_int_equal(r.n, 4);
	/* No agent sorts first, as "(none)". */
	assert_string_equal(r.groups[0].name, "(none)");
	expect_for(true, NULL, INT64_MIN, INT64_MAX, &e);
	assert_group(&r.groups[0], &e);
	for (i = 0; i < 3; i++) {
		expect_for(true, agents[i], INT64_MIN, INT64_MAX, &e);
		assert_group(find_group(&r, agents[i]), &e);
	}
	expect_for(false, NULL, INT64_MIN, INT64_MAX, &e);
	assert_group(&r.total, &e);
	/* The same numbers written out, as a reader would check them:
	 * alice has 5 NPS surveys sent (the held one is not), current
	 * scores 9, 10, 7, 6, 8 -> 2 promoters, 2 passives, 1 detractor. */
	assert_int_equal(find_group(&r, "alice")->surveys, 5);
	assert_int_equal(find_group(&r, "alice")->res.promoters, 2);
	assert_int_equal(find_group(&r, "alice")->res.detractors, 1);
	assert_true(fabs(find_group(&r, "alice")->res.score - 20.0) < 1e-9);
	/* Opt-out rate: 2 opt-outs / (5 surveys + 2). */
	assert_true(fabs(find_group(&r, "alice")->optout_rate -
	    200.0 / 7.0) < 1e-9);
	assert_false(find_group(&r, "alice")->too_few);
	assert_true(find_group(&r, "carol")->too_few);
	assert_true(r.groups[0].too_few);
	report_free(&r);
}

static void
test_report_range_counts_days_inclusive(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o;
	struct report r;
	struct expect e;
	struct npserr err;

	report_opts_init(&o, NULL);
	assert_int_equal(report_date_parse("2026-01-04", &o.since), 0);
	assert_int_equal(report_date_parse("2026-01-05", &o.until), 0);
	o.until += DAY;		/* --until includes its day */
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	assert_int_equal(r.n, 0);
	expect_for(false, NULL, o.since, o.until, &e);
	assert_int_equal(e.surveys, 4);	/* days 3 and 4 */
	assert_group(&r.total, &e);
	report_free(&r);
}

static void
test_report_by_week_groups_iso_weeks(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o;
	struct report r;
	struct expect e;
	struct npserr err;

	report_opts_init(&o, NULL);
	o.by = REPORT_BY_WEEK;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	/* Thursday 2026-01-01 .. Sunday 01-04 is W01, 01-05 .. 01-11 W02,
	 * 01-12 .. 01-18 W03. */
	assert_int_equal(r.n, 3);
	assert_string_equal(r.groups[0].name, "2026-W01");
	assert_string_equal(r.groups[1].name, "2026-W02");
	assert_string_equal(r.groups[2].name, "2026-W03");
	assert_true(r.groups[0].start == T0 - 3 * DAY);	/* Monday 12-29 */
	expect_for(false, NULL, T0 - 3 * DAY, T0 + 4 * DAY, &e);
	assert_group(&r.groups[0], &e);
	expect_for(false, NULL, T0 + 4 * DAY, T0 + 11 * DAY, &e);
	assert_group(&r.groups[1], &e);
	expect_for(false, NULL, T0 + 11 * DAY, T0 + 18 * DAY, &e);
	assert_group(&r.groups[2], &e);
	report_free(&r);

	o.by = REPORT_BY_MONTH;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.groups[0].name, "2026-01");
	report_free(&r);
}

static void
test_iso_week_at_year_boundaries(void **state)
{
	char w[16];
	int64_t t, monday;

	(void)state;
	assert_int_equal(report_date_parse("2027-01-01", &t), 0);
	report_iso_week(t, w, sizeof(w));
	assert_string_equal(w, "2026-W53");	/* Friday of W53 */
	assert_int_equal(report_date_parse("2024-12-30", &t), 0);
	monday = report_iso_week(t, w, sizeof(w));
	assert_string_equal(w, "2025-W01");
	assert_true(monday == t);
	assert_int_equal(report_date_parse("2021-01-03", &t), 0);
	report_iso_week(t + 86399, w, sizeof(w));
	assert_string_equal(w, "2020-W53");	/* Sunday */
}

static void
test_date_parse_refuses_what_is_not_a_day(void **state)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-13-01", "2026-1-01", "26-01-01",
		"2026/01/01", "2026-01-01x", "", "2026-00-10"
	};
	int64_t t;
	size_t i;
	char out[16];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(report_date_parse(bad[i], &t), -1);
	assert_int_equal(report_date_parse("2024-02-29", &t), 0);
	report_date_format(t, out, sizeof(out));
	assert_string_equal(out, "2024-02-29");
}

static void
test_report_other_type_counts_alone(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o;
	struct report r;
	struct npserr err;

	report_opts_init(&o, NULL);
	o.type = SURVEY_CSAT;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	assert_int_equal(r.total.surveys, 1);
	assert_int_equal(r.total.res.n, 1);
	assert_int_equal(r.total.res.detractors, 1);	/* CSAT 2 */
	assert_true(fabs(r.total.res.score) < 1e-9);	/* 0 % satisfied */
	/* Opt-outs on email count for the type the config gives email:
	 * nps without a config, so none here. */
	assert_int_equal(r.total.optouts, 0);
	report_free(&r);
}

/* Survey ids of every length and bytes (an import's), some of them
 * answered twice: each survey counts once, with its current answer,
 * whatever the shape of its id, by agent and by day alike. */
static void
test_report_counts_ids_of_every_shape(void **state)
{
	static const struct {
		const char *id;
		int score;		/* -1: no answer */
	} odd[] = {
		{ "short1", 9 },
		{ "an-import-survey-id-00001", 3 },
		{ "d\xc3\xa9j\xc3\xa0-vu-survey-1", 10 },	/* 16 chars */
		{ "has,a,comma,1234", 7 },
		{ "zzzzzzzzzzzzzzz2", 10 },
		{ "unanswered-import-id-002", -1 },
	};
	struct fixture *fx = *state;
	const struct report_group *g;
	struct report_opts o;
	struct report r;
	struct npserr err;
	char sql[512];
	size_t i;
	int64_t at = T0 + 100 * DAY + 3600;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO surveys (id, key_id,"
		    " type, status, recipient, agent, created_at) VALUES"
		    " ('%s', 1, 'nps', 'sent', 'd@example.com', 'dave',"
		    " %lld)", odd[i].id, (long long)at);
		assert_int_equal(store_db_exec(fx->st, sql, &err, "test"), 0);
		if (odd[i].score < 0)
			continue;
		/* A first answer, superseded by the one that counts. */
		snprintf(sql, sizeof(sql), "INSERT INTO responses (survey_id,"
		    " score, category, received_at) VALUES ('%s', 0,"
		    " 'detractor', %lld)", odd[i].id, (long long)at + 60);
		assert_int_equal(store_db_exec(fx->st, sql, &err, "test"), 0);
		snprintf(sql, sizeof(sql), "INSERT INTO responses (survey_id,"
		    " score, category, received_at) VALUES ('%s', %d, '%s',"
		    " %lld)", odd[i].id, odd[i].score, odd[i].score <= 6 ?
		    "detractor" : odd[i].score <= 8 ? "passive" : "promoter",
		    (long long)at + 120);
		assert_int_equal(store_db_exec(fx->st, sql, &err, "test"), 0);
		snprintf(sql, sizeof(sql), "UPDATE responses SET"
		    " superseded_by = (SELECT max(id) FROM responses)"
		    " WHERE survey_id = '%s' AND score = 0", odd[i].id);
		assert_int_equal(store_db_exec(fx->st, sql, &err, "test"), 0);
	}
	report_opts_init(&o, NULL);
	o.by = REPORT_BY_AGENT;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	g = find_group(&r, "dave");
	assert_int_equal(g->surveys, 6);
	assert_int_equal(g->res.n, 5);
	assert_int_equal(g->res.promoters, 3);
	assert_int_equal(g->res.passives, 1);
	assert_int_equal(g->res.detractors, 1);
	report_free(&r);
	o.by = REPORT_BY_DAY;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	g = find_group(&r, "2026-04-11");
	assert_int_equal(g->surveys, 6);
	assert_int_equal(g->res.n, 5);
	assert_int_equal(g->res.promoters, 3);
	report_free(&r);
}

/* --about: only the answers with one of the themes count, each survey
 * sent still does. */
static void
test_report_about_a_theme_counts_its_answers(void **state)
{
	static const struct {
		size_t survey;
		const char *theme;
	} tagged[] = {
		{ 0, "price" }, { 4, "price" }, { 5, "price" }, { 1, "delay" },
	};
	struct fixture *fx = *state;
	const struct report_group *g;
	struct report_opts o;
	struct report r;
	struct npserr err;
	char sql[512], id[TOKEN_ID_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(tagged) / sizeof(tagged[0]); i++) {
		survey_id(tagged[i].survey, id);
		snprintf(sql, sizeof(sql), "INSERT INTO response_themes"
		    " (response_id, theme) SELECT id, '%s' FROM responses"
		    " WHERE survey_id = '%s' AND superseded_by IS NULL",
		    tagged[i].theme, id);
		assert_int_equal(store_db_exec(fx->st, sql, &err, "test"), 0);
	}
	report_opts_init(&o, NULL);
	o.by = REPORT_BY_AGENT;
	o.themes_json = "[\"price\", \"quality\"]";
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	g = find_group(&r, "alice");	/* 9 and 8; not the 10 */
	assert_int_equal(g->surveys, 5);
	assert_int_equal(g->res.n, 2);
	assert_int_equal(g->res.promoters, 1);
	assert_int_equal(g->res.passives, 1);
	g = find_group(&r, "bob");	/* 0 */
	assert_int_equal(g->surveys, 3);
	assert_int_equal(g->res.n, 1);
	assert_int_equal(g->res.detractors, 1);
	assert_int_equal(find_group(&r, "carol")->res.n, 0);
	assert_int_equal(r.total.res.n, 3);
	report_free(&r);
}

/* A channel of the config's own: its surveys, and its opt-outs (which
 * have no survey, so the config gives their type), group under the
 * name the rules wrote; a channel the config does not have has the
 * default type, not email's. */
static void
test_report_groups_by_a_defined_channel(void **state)
{
	static const char *const evch[] = { "portal", "portal", "Fax" };
	struct fixture *fx = *state;
	const struct report_group *g;
	struct survey_rec rec;
	struct ingest_rec in;
	struct event_rec ev;
	struct report_opts o;
	struct report r;
	struct npserr err;
	struct config *cf;
	size_t i;

	cf = testlib_config_load(fx->dir, "[channel.portal]\ntype = csat\n"
	    "[channel.email]\ntype = csat\n");
	assert_non_null(cf);
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, "portalsurvey0001", TOKEN_ID_LEN + 1);
	rec.key_id = 1;
	rec.type = SURVEY_CSAT;
	rec.status = SURVEY_SENT;
	rec.recipient = (char *)"p@example.com";
	rec.channel = (char *)"portal";
	rec.ticket = (char *)"T-9";
	rec.created_at = T0 + 3600;
	assert_int_equal(store_survey_add(fx->st, &rec, &err), 0);
	memset(&in, 0, sizeof(in));
	in.msg_key = "<portal-reply@client.example>";
	in.kind = INGEST_RESPONSE;
	in.survey_id = rec.id;
	in.score = 5;
	in.sender = rec.recipient;
	in.folder = "Processed";
	in.received_at = T0 + 7200;
	assert_int_equal(store_ingest(fx->st, &in, &err), INGEST_NEW);
	for (i = 0; i < sizeof(evch) / sizeof(evch[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_OPTOUT;
		ev.channel = evch[i];
		ev.recipient = "o@example.com";
		ev.at = T0 + DAY;
		assert_int_equal(store_event_add(fx->st, &ev, &err), 0);
	}

	report_opts_init(&o, cf);
	o.type = SURVEY_CSAT;
	o.by = REPORT_BY_CHANNEL;
	assert_int_equal(report_run(fx->st, &o, &r, &err), 0);
	g = find_group(&r, "portal");
	assert_int_equal(g->surveys, 1);
	assert_int_equal(g->res.n, 1);
	assert_int_equal(g->res.promoters, 1);	/* CSAT 5: satisfied */
	assert_int_equal(g->optouts, 2);
	/* The CSAT survey of fill(), on email; email's opt-outs are now
	 * CSAT too, but fax's are NPS, the default. */
	g = find_group(&r, "email");
	assert_int_equal(g->surveys, 1);
	assert_int_equal(g->optouts, (long)NOPTOUTS);
	assert_int_equal(r.total.optouts, 2 + (long)NOPTOUTS);
	report_free(&r);
	config_free(cf);
}

struct collect {
	char ids[32][TOKEN_ID_LEN + 1];
	char comments[32][128];
	int scores[32];
	size_t n;
};

static int
collect_one(const struct report_response *r, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < 32);
	snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", r->survey_id);
	snprintf(c->comments[c->n], sizeof(c->comments[0]), "%s",
	    r->comment != NULL ? r->comment : "");
	c->scores[c->n] = r->score;
	c->n++;
	return 0;
}

static void
test_responses_current_with_history_oldest_first(void **state)
{
	struct fixture *fx = *state;
	struct report_response_opts o;
	struct collect c;
	struct npserr err;
	char id[TOKEN_ID_LEN + 1];

	memset(&c, 0, sizeof(c));
	report_response_opts_init(&o);
	o.with_comment = true;
	o.has_type = true;
	o.type = SURVEY_NPS;
	assert_int_equal(report_responses(fx->st, &o, collect_one, &c, &err),
	    0);
	/* Comments: surveys 0 (two), 2, 3 (follow-up), 5, 7, 9; ordered by
	 * the current response's arrival. */
	assert_int_equal(c.n, 6);
	survey_id(0, id);
	assert_string_equal(c.ids[0], id);
	assert_string_equal(c.comments[0], "slow\nbetter now, thanks");
	assert_int_equal(c.scores[0], 9);
	survey_id(3, id);
	assert_string_equal(c.ids[3], id);
	assert_string_equal(c.comments[3], "and another thing");
	assert_int_equal(c.scores[3], 6);

	memset(&c, 0, sizeof(c));
	report_response_opts_init(&o);
	o.detractors_open = true;
	assert_int_equal(report_responses(fx->st, &o, collect_one, &c, &err),
	    0);
	/* NPS 6, 0, 2 and CSAT 2, oldest first. */
	assert_int_equal(c.n, 4);
	survey_id(11, id);
	assert_string_equal(c.ids[0], id);
	survey_id(9, id);
	assert_string_equal(c.ids[3], id);
	assert_int_equal(report_followed_up(fx->st, id, T0 + 30 * DAY, &err),
	    0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(report_responses(fx->st, &o, collect_one, &c, &err),
	    0);
	assert_int_equal(c.n, 3);
}

static void
test_followed_up_refuses_an_unknown_survey(void **state)
{
	struct fixture *fx = *state;
	struct npserr err;

	assert_int_equal(report_followed_up(fx->st, "nosuchsurvey0000", T0,
	    &err), -1);
	assert_non_null(strstr(err.msg, "no such survey"));
}

static void
test_forget_keeps_the_figures_and_drops_the_customer(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o;
	struct report before, after;
	struct report_counts c;
	struct npserr err;
	size_t i;

	report_opts_init(&o, NULL);
	o.by = REPORT_BY_AGENT;
	assert_int_equal(report_run(fx->st, &o, &before, &err), 0);
	assert_int_equal(report_forget(fx->st, "Gone@Example.ORG", &c, &err),
	    0);
	assert_int_equal(c.surveys, 2);
	assert_int_equal(c.responses, 2);
	assert_int_equal(c.comments, 1);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.processed, 2);
	assert_false(c.unsubscribed);
	assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM surveys"
	    " WHERE recipient = ?1", "gone@example.org"), 0);
	assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM events"
	    " WHERE recipient = ?1", "gone@example.org"), 0);
	assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM comments"
	    " WHERE text LIKE '%secret%'", NULL), 0);
	assert_int_equal(report_run(fx->st, &o, &after, &err), 0);
	assert_int_equal(after.n, before.n);
	for (i = 0; i < before.n; i++) {
		assert_string_equal(after.groups[i].name,
		    before.groups[i].name);
		assert_int_equal(after.groups[i].surveys,
		    before.groups[i].surveys);
		assert_int_equal(after.groups[i].optouts,
		    before.groups[i].optouts);
		assert_int_equal(after.groups[i].res.n,
		    before.groups[i].res.n);
		assert_true(fabs(after.groups[i].res.score -
		    before.groups[i].res.score) < 1e-9);
		assert_true(fabs(after.groups[i].res.margin -
		    before.groups[i].res.margin) < 1e-9);
	}
	report_free(&before);
	report_free(&after);
	/* Forgetting again finds nothing and changes nothing. */
	assert_int_equal(report_forget(fx->st, "gone@example.org", &c, &err),
	    0);
	assert_int_equal(c.surveys, 0);
	assert_int_equal(report_forget(fx->st, "not an address", &c, &err),
	    -1);
}

/* The opt-out stays unless the caller asks for it to go. */
static void
test_forget_erases_the_opt_out_only_when_asked(void **state)
{
	struct fixture *fx = *state;
	struct report_counts c;
	struct npserr err;

	assert_int_equal(store_unsubscribe_add(fx->st, "gone@example.org", T0,
	    NULL, &err), 0);
	assert_int_equal(report_forget(fx->st, "gone@example.org", &c, &err),
	    0);
	assert_true(c.unsubscribed);
	assert_false(c.optout_removed);
	assert_int_equal(store_is_unsubscribed(fx->st, "gone@example.org",
	    &err), 1);
	assert_int_equal(report_forget_with(fx->st, "Gone@Example.org", true,
	    &c, &err), 0);
	assert_true(c.optout_removed);
	assert_false(c.unsubscribed);
	assert_int_equal(store_is_unsubscribed(fx->st, "gone@example.org",
	    &err), 0);
}

/* The address named as the customer's mail program may write it: quoted
 * without need, in capitals, in brackets. */
static void
test_forget_finds_a_quoted_local_part(void **state)
{
	struct fixture *fx = *state;
	struct report_counts c;
	struct npserr err;

	assert_int_equal(report_forget(fx->st, "<\"Gone\"@Example.ORG>", &c,
	    &err), 0);
	assert_int_equal(c.surveys, 2);
	assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM surveys"
	    " WHERE recipient = ?1", "gone@example.org"), 0);
}

static void
test_purge_keeps_held_surveys_and_opt_outs(void **state)
{
	struct fixture *fx = *state;
	struct report_counts c;
	struct npserr err;

	assert_int_equal(store_unsubscribe_add(fx->st, "c5@example.com",
	    T0, NULL, &err), 0);
	/* Everything sent before day 4 goes: surveys 0, 1, 2, 5, 11. */
	assert_int_equal(report_purge(fx->st, T0 + 4 * DAY, &c, &err), 0);
	assert_int_equal(c.surveys, 5);
	assert_int_equal(c.responses, 6);	/* 0 has two, 1, 2, 5, 11 */
	assert_int_equal(c.events, 2);		/* opt-outs of days 1, 2 */
	assert_int_equal(testlib_sql_int(fx->st, "SELECT count(*) FROM surveys"
	    " WHERE status = 'held'", NULL), 1);
	assert_int_equal(store_is_unsubscribed(fx->st, "c5@example.com",
	    &err), 1);
}

static void
test_export_then_import_gives_the_same_export(void **state)
{
	struct fixture *fx = *state;
	struct store *copy;
	struct npserr err;
	char path[160], *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *fa, *fb, *in;

	fa = open_memstream(&a, &alen);
	assert_non_null(fa);
	assert_int_equal(report_export(fx->st, fa, &err), 0);
	fclose(fa);
	snprintf(path, sizeof(path), "%s/copy.db", fx->dir);
	copy = store_open(path, 2000, &err);
	assert_non_null(copy);
	in = fmemopen(a, alen, "r");
	assert_int_equal(report_import(copy, in, "mem", &err), 0);
	fclose(in);
	fb = open_memstream(&b, &blen);
	assert_int_equal(report_export(copy, fb, &err), 0);
	fclose(fb);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	/* A second import into the same store is refused, whole. */
	in = fmemopen(a, alen, "r");
	assert_int_equal(report_import(copy, in, "mem", &err), -1);
	assert_non_null(strstr(err.msg, "not empty"));
	fclose(in);
	store_close(copy);
	free(a);
	free(b);
}

/* A reply to the first survey still to hand on to the help desk: its mail, with
 * a backslash (which PostgreSQL's text of bytes would escape), then every
 * byte from 0x00 to 0xFF (a mail in ISO-8859-1, or binary), waits in
 * forwards. */
static const char report_fwd_head[] = "Subject: =?utf-8?q?caf=C3=A9?=\n\n"
    "C:\\temp\\x41 is still broken\n";
#define REPORT_FWD_LEN (sizeof(report_fwd_head) - 1 + 256)

static void
forward_mail(char mail[REPORT_FWD_LEN])
{
	size_t i;

	memcpy(mail, report_fwd_head, sizeof(report_fwd_head) - 1);
	for (i = 0; i < 256; i++)
		mail[sizeof(report_fwd_head) - 1 + i] = (char)i;
}

static void
forward_add(struct store *st)
{
	static char mail[REPORT_FWD_LEN];
	struct ingest_rec in;
	struct npserr err;
	char id[TOKEN_ID_LEN + 1];

	forward_mail(mail);
	survey_id(0, id);
	memset(&in, 0, sizeof(in));
	in.msg_key = "<fwd@client.example>";
	in.digest = "sha256:fwd";
	in.kind = INGEST_RESPONSE;
	in.survey_id = id;
	in.score = -1;
	in.comment = "still broken";
	in.sender = "c0@example.com";
	in.received_at = T0;
	in.forward_to = "support@shop.example";
	in.forward_msg = mail;
	in.forward_len = REPORT_FWD_LEN;
	if (store_ingest(st, &in, &err) != INGEST_NEW)
		fail_msg("store_ingest: %s", err.msg);
}

/* The copy is an SQLite file; the third store is where the tests' stores
 * are (PostgreSQL with NPSGATE_TEST_PG): an export goes from one database
 * to the other and back, and says the same; a forward's mail comes out
 * of the last one byte for byte. */
static void
test_export_goes_between_the_two_databases(void **state)
{
	struct fixture *fx = *state;
	struct store *copy, *third;
	struct forward_rec f;
	struct event_rec ev;
	struct npserr err;
	char path[160], *dir, *where, *a = NULL, *b = NULL, *c = NULL;
	char mail[REPORT_FWD_LEN];
	size_t alen = 0, blen = 0, clen = 0;
	FILE *fa, *fb, *fc, *in;

	forward_add(fx->st);
	fa = open_memstream(&a, &alen);
	assert_int_equal(report_export(fx->st, fa, &err), 0);
	fclose(fa);
	snprintf(path, sizeof(path), "%s/copy.db", fx->dir);
	assert_non_null(copy = store_open(path, 2000, &err));
	in = fmemopen(a, alen, "r");
	assert_int_equal(report_import(copy, in, "mem", &err), 0);
	fclose(in);
	fb = open_memstream(&b, &blen);
	assert_int_equal(report_export(copy, fb, &err), 0);
	fclose(fb);
	assert_non_null(dir = testlib_dir_make("report-third"));
	assert_non_null(where = testlib_store_where(dir));
	assert_non_null(third = store_open(where, 2000, &err));
	in = fmemopen(b, blen, "r");
	if (report_import(third, in, "mem", &err) != 0)
		fail_msg("import into %s: %s", store_backend_name(third),
		    err.msg);
	fclose(in);
	fc = open_memstream(&c, &clen);
	assert_int_equal(report_export(third, fc, &err), 0);
	fclose(fc);
	assert_int_equal(alen, clen);
	assert_memory_equal(a, c, alen);
	forward_mail(mail);
	assert_int_equal(store_forward_claim(copy, T0, 900, &f, &err), 1);
	assert_int_equal(f.len, REPORT_FWD_LEN);
	assert_memory_equal(f.message, mail, f.len);
	store_forward_clear(&f);
	assert_int_equal(store_forward_claim(third, T0, 900, &f, &err), 1);
	assert_int_equal(f.len, REPORT_FWD_LEN);
	assert_memory_equal(f.message, mail, f.len);
	store_forward_clear(&f);
	/* The ids go on after the imported ones. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_OPTOUT;
	ev.at = 1;
	assert_true(testlib_sql_int(third, "SELECT count(*) FROM events",
	    NULL) > 0);
	if (store_event_add(third, &ev, &err) != 0)
		fail_msg("store_event_add: %s", err.msg);
	store_close(third);
	store_close(copy);
	free(where);
	testlib_dir_remove(dir);
	free(a);
	free(b);
	free(c);
}

/* A store made empty in a directory of its own (PostgreSQL with
 * NPSGATE_TEST_PG), an export of text loaded into it: the result of
 * report_import, err filled. */
static int
import_text(const char *text, struct npserr *err, struct forward_rec *f)
{
	struct store *st;
	char *dir, *where;
	FILE *in;
	int r;

	assert_non_null(dir = testlib_dir_make("report-import"));
	assert_non_null(where = testlib_store_where(dir));
	assert_non_null(st = store_open(where, 2000, err));
	in = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(in);
	r = report_import(st, in, "mem", err);
	fclose(in);
	if (r == 0 && f != NULL)
		assert_int_equal(store_forward_claim(st, T0, 900, f, err), 1);
	store_close(st);
	free(where);
	testlib_dir_remove(dir);
	return r;
}

/* The rows of an export around the forward's message, M in between. */
#define IMPORT_SURVEY "{\"table\":\"surveys\",\"id\":\"oldsurvey0000001\"," \
    "\"key_id\":1,\"type\":\"nps\",\"recipient\":\"c@example.com\"," \
    "\"created_at\":1767225600}\n"
#define IMPORT_FORWARD(m) "{\"table\":\"forwards\",\"msg_key\":\"<o@x>\"," \
    "\"survey_id\":\"oldsurvey0000001\",\"rcpt\":\"support@shop.example\"," \
    "\"message\":" m ",\"created_at\":1767225600," \
    "\"next_attempt_at\":1767225600}\n"

/* An export of format 1 held the text of the mail's bytes: it still
 * loads, the text as the bytes. */
static void
test_import_reads_the_bytes_of_format_1_as_text(void **state)
{
	static const char mail[] = "Subject: caf\xc3\xa9\n\nC:\\temp\n";
	struct forward_rec f;
	struct npserr err;

	(void)state;
	if (import_text("{\"npsgate_export\":1,\"schema_version\":6}\n"
	    IMPORT_SURVEY IMPORT_FORWARD("\"Subject: caf\\u00e9\\n\\n"
	    "C:\\\\temp\\n\""), &err, &f) != 0)
		fail_msg("import: %s", err.msg);
	assert_int_equal(f.len, sizeof(mail) - 1);
	assert_memory_equal(f.message, mail, f.len);
	store_forward_clear(&f);
	/* Format 2: the same bytes in hexadecimal, either case. */
	if (import_text("{\"npsgate_export\":2,\"schema_version\":6}\n"
	    IMPORT_SURVEY IMPORT_FORWARD("\"5375626a6563743a20636166C3A90a0a"
	    "433a5c74656d700a\""), &err, &f) != 0)
		fail_msg("import: %s", err.msg);
	assert_int_equal(f.len, sizeof(mail) - 1);
	assert_memory_equal(f.message, mail, f.len);
	store_forward_clear(&f);
}

/* Bytes that are not hexadecimal, an odd number of digits, a format
 * this npsgate does not know: refused with the reason, nothing loaded. */
static void
test_import_refuses_bytes_not_in_hexadecimal(void **state)
{
	struct npserr err;

	(void)state;
	assert_int_equal(import_text("{\"npsgate_export\":2,"
	    "\"schema_version\":6}\n" IMPORT_SURVEY
	    IMPORT_FORWARD("\"Subject: x\""), &err, NULL), -1);
	assert_non_null(strstr(err.msg, "mem:3: forwards.message: not a"
	    " hexadecimal digit at character 1"));
	assert_int_equal(import_text("{\"npsgate_export\":2,"
	    "\"schema_version\":6}\n" IMPORT_SURVEY
	    IMPORT_FORWARD("\"0a0g\""), &err, NULL), -1);
	assert_non_null(strstr(err.msg, "at character 4 "));
	assert_int_equal(import_text("{\"npsgate_export\":2,"
	    "\"schema_version\":6}\n" IMPORT_SURVEY
	    IMPORT_FORWARD("\"0a0\""), &err, NULL), -1);
	assert_non_null(strstr(err.msg, "3 hexadecimal digits"));
	assert_int_equal(import_text("{\"npsgate_export\":3,"
	    "\"schema_version\":6}\n" IMPORT_SURVEY, &err, NULL), -1);
	assert_non_null(strstr(err.msg, "export format 3, not one this"
	    " npsgate reads"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_report_by_agent_matches_the_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_report_range_counts_days_inclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_report_by_week_groups_iso_weeks, setup, teardown),
		cmocka_unit_test(test_iso_week_at_year_boundaries),
		cmocka_unit_test(test_date_parse_refuses_what_is_not_a_day),
		cmocka_unit_test_setup_teardown(
		    test_report_other_type_counts_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_report_groups_by_a_defined_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_report_counts_ids_of_every_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_report_about_a_theme_counts_its_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_responses_current_with_history_oldest_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_followed_up_refuses_an_unknown_survey, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_forget_keeps_the_figures_and_drops_the_customer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_forget_erases_the_opt_out_only_when_asked,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_forget_finds_a_quoted_local_part,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_purge_keeps_held_surveys_and_opt_outs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_export_then_import_gives_the_same_export, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_export_goes_between_the_two_databases, setup,
		    teardown),
		cmocka_unit_test(
		    test_import_reads_the_bytes_of_format_1_as_text),
		cmocka_unit_test(test_import_refuses_bytes_not_in_hexadecimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
