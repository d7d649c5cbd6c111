/*
 * report_group.c - the grouped report: NPS (CSAT, CES) per attribute of
 * the survey or per period; see report.h for the contract.
 *
 * A report reads each table once, in one read transaction: the current
 * responses into a hash by survey id, then the surveys of the type, each
 * added to its group with its response, then the opt-out and unsubscribe
 * events and the anonymous counts, grouped by SQL (see report_map.h for
 * why the join is not SQLite's). On PostgreSQL the first two passes read
 * the survey ids packed, a few rows for the whole table (see "the passes
 * on PostgreSQL"). SQL that depends on the options (the grouping,
 * whether the date range is open) is built from fixed pieces, never from
 * a value. An open end of the date range leaves its condition
 * out of the SQL, so that SQLite scans the table instead of walking the
 * whole created_at index and looking up every row.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "report/report.h"
#include "report/report_int.h"
#include "report/report_map.h"
#include "store/store.h"
#include "store/store_db.h"
#include "survey/nps.h"
#include "survey/token.h"

static const char *const report_by_names[] = {
	[REPORT_BY_NONE] = "none",
	[REPORT_BY_AGENT] = "agent",
	[REPORT_BY_TEAM] = "team",
	[REPORT_BY_CHANNEL] = "channel",
	[REPORT_BY_REASON] = "reason",
	[REPORT_BY_PRIORITY] = "priority",
	[REPORT_BY_DAY] = "day",
	[REPORT_BY_WEEK] = "week",
	[REPORT_BY_MONTH] = "month",
};
#define REPORT_BY_COUNT (sizeof(report_by_names) / sizeof(report_by_names[0]))

int
report_by_parse(const char *s, enum report_by *out)
{
	size_t i;

	for (i = 0; i < REPORT_BY_COUNT; i++) {
		if (strcmp(s, report_by_names[i]) == 0) {
			*out = (enum report_by)i;
			return 0;
		}
	}
	return -1;
}

const char *
report_by_name(enum report_by by)
{
	if ((unsigned)by >= REPORT_BY_COUNT)
		return "unknown";
	return report_by_names[by];
}

bool
report_by_is_time(enum report_by by)
{
	return by == REPORT_BY_DAY || by == REPORT_BY_WEEK ||
	    by == REPORT_BY_MONTH;
}

void
report_opts_init(struct report_opts *o, const struct config *cf)
{
	o->type = SURVEY_NPS;
	o->by = REPORT_BY_NONE;
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	o->min_responses = cf != NULL ? cf->min_responses : 30;
	o->cf = cf;
	o->themes_json = NULL;
}

/* The label and first second of the period of the day starting at t. */
static int64_t
report_period(enum report_by by, int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	switch (by) {
	case REPORT_BY_WEEK:
		return report_iso_week(t, out, size);
	case REPORT_BY_MONTH:
		if (gmtime_r(&tt, &tm) == NULL) {
			snprintf(out, size, "?");
			return t;
		}
		snprintf(out, size, "%04d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1);
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		return (int64_t)timegm(&tm);
	case REPORT_BY_DAY:
	default:
		report_date_format(t, out, size);
		return t;
	}
}

/* --- the statements ------------------------------------------------ */

/* The expression of an event's or anonymous row's survey type from its
 * channel, as the config sets it ([channel.NAME] type; the default for a
 * channel it does not have). Channel names are lowercase letters,
 * digits, '-' and '_' (config_channel_name_ok): safe in a literal. */
static void
report_channel_type_sql(struct buf *sql, const struct config *cf,
    const char *col)
{
	size_t ch;

	if (cf == NULL) {
		buf_printf(sql, "'%s'", nps_type_name(SURVEY_NPS));
		return;
	}
	buf_printf(sql, "CASE lower(%s)", col);
	for (ch = 0; ch < cf->n_channels; ch++)
		buf_printf(sql, " WHEN '%s' THEN '%s'", cf->channels[ch].name,
		    nps_type_name(cf->channels[ch].type));
	buf_printf(sql, " ELSE '%s' END",
	    nps_type_name(cf->channel_default.type));
}

/* The grouping expression for the table alias a ('s', 'e' or 'a'), with
 * time column tcol; anonymous rows keep '' for "none". */
static void
report_group_sql(struct buf *sql, enum report_by by, char a,
    const char *tcol)
{
	if (report_by_is_time(by)) {
		/* Day numbers: cheap to group, turned into labels in C. */
		buf_printf(sql, "(%c.%s / %d)", a, tcol, DAY);
		return;
	}
	if (by == REPORT_BY_NONE) {
		buf_puts(sql, "NULL");
		return;
	}
	buf_printf(sql, "NULLIF(%c.%s, '')", a, report_by_name(by));
}

static void
report_range_sql(struct buf *sql, const struct report_opts *o,
    const char *col)
{
	if (o->since != INT64_MIN)
		buf_printf(sql, " AND %s >= ?2", col);
	if (o->until != INT64_MAX)
		buf_printf(sql, " AND %s < ?3", col);
}

/*
 * The extra rows of a report, already grouped by SQL (there are few):
 * opt-out and unsubscribe events, and the anonymous counts. Columns: g,
 * surveys, detractors, passives, promoters, score sum, sum of squares,
 * optouts, unsubscribes.
 */
static void
report_extra_sql(struct buf *sql, const struct report_opts *o)
{
	buf_puts(sql, "SELECT ");
	report_group_sql(sql, o->by, 'e', "at");
	buf_puts(sql, ", 0, 0, 0, 0, 0, 0,"
	    " sum(CASE WHEN e.kind = 'optout' THEN 1 ELSE 0 END),"
	    " sum(CASE WHEN e.kind = 'unsubscribed' THEN 1 ELSE 0 END)"
	    " FROM events e"
	    " WHERE e.kind IN ('optout', 'unsubscribed') AND COALESCE("
	    "(SELECT t.type FROM surveys t WHERE t.id = e.survey_id), ");
	report_channel_type_sql(sql, o->cf, "e.channel");
	buf_puts(sql, ") = ?1");
	report_range_sql(sql, o, "e.at");
	buf_puts(sql, " GROUP BY 1");
	buf_puts(sql, " UNION ALL SELECT ");
	report_group_sql(sql, o->by, 'a', "day");
	buf_puts(sql, ", sum(a.surveys), sum(a.detractors),"
	    " sum(a.passives), sum(a.promoters), sum(a.score_sum),"
	    " sum(a.score_sumsq), sum(a.optouts), sum(a.unsubscribes)"
	    " FROM anonymous_counts a WHERE COALESCE(NULLIF(a.type, ''), ");
	report_channel_type_sql(sql, o->cf, "a.channel");
	buf_puts(sql, ") = ?1");
	report_range_sql(sql, o, "a.day");
	buf_puts(sql, " GROUP BY 1");
}

/* --- the passes ---------------------------------------------------- */

/* The group of column col of a row: its text, or its day number. */
static struct report_agg *
report_row_group(struct report_gmap *g, enum report_by by, struct store_stmt *s,
    int col, int64_t day_of)
{
	if (report_by_is_time(by))
		return report_gmap_get(g, NULL, day_of);
	if (by == REPORT_BY_NONE)
		return report_gmap_get(g, NULL, 0);
	return report_gmap_get(g, report_col_text(s, col), 0);
}

/* The category column: the schema's CHECK allows exactly "detractor",
 * "passive", "promoter" or NULL, so two bytes tell them apart (this runs
 * once per response of the store). */
static enum nps_category
report_cat_parse(const char *s)
{
	if (s == NULL)
		return NPS_NONE;
	if (s[0] == 'd')
		return NPS_DETRACTOR;
	if (s[0] == 'p' && s[1] == 'a')
		return NPS_PASSIVE;
	if (s[0] == 'p' && s[1] == 'r')
		return NPS_PROMOTER;
	return NPS_NONE;
}

/* How many responses there may be (the highest rowid, read from the end
 * of the table in no time), so that the map is sized once. */
static size_t
report_rows_hint(struct store *st)
{
	struct npserr err;
	struct store_stmt *s;
	int64_t n = 0;

	s = store_db_prepare(st, "SELECT max(id) FROM responses", &err);
	if (s == NULL)
		return 0;
	if (store_step(s) == STORE_ROW)
		n = store_col_int64(s, 0);
	store_db_done(s);
	/* A hint only: beyond 16 M the map grows as it fills. */
	return n > 0 && n < 16 * 1024 * 1024 ? (size_t)n : 0;
}

/* The condition of --theme on the responses r: one of their themes is in
 * the JSON list bound as ?4. Nothing without it. */
static void
themes_filter(const struct store *st, const struct report_opts *o,
    struct buf *sql)
{
	if (o->themes_json == NULL)
		return;
	buf_puts(sql, " AND EXISTS (SELECT 1 FROM response_themes t"
	    " WHERE t.response_id = r.id AND t.theme IN (SELECT value FROM ");
	store_sql_json_values(st, sql, 4);
	buf_puts(sql, "))");
}

/* Puts key[0..n) in the map. */
static void
report_rmap_put_all(struct report_rmap *m, struct report_rslot *key, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		report_rmap_put(m, &key[k]);
}

/* key[*nb], just filled, joins the batch: its slot fetched ahead (the
 * table is far larger than the caches, and a put waits for memory more
 * than it computes), the batch put once full. */
static void
report_rmap_queue_put(struct report_rmap *m, struct report_rslot *key,
    size_t *nb)
{
	report_rmap_prefetch(m, &key[*nb]);
	if (++*nb == RMAP_BATCH) {
		report_rmap_put_all(m, key, *nb);
		*nb = 0;
	}
}

/* b[*nb], just filled, joins the batch of surveys: its slot fetched
 * ahead, the batch added to its groups once full. */
static void
report_rmap_queue_get(const struct report_rmap *m, struct report_gmap *g,
    struct report_pending *b, size_t *nb)
{
	report_rmap_prefetch(m, &b[*nb].key);
	if (++*nb == RMAP_BATCH) {
		report_rmap_resolve(m, g, b, *nb);
		*nb = 0;
	}
}

/* Pass 1: the current scored responses, into the map. A response to a
 * survey of the range cannot arrive before the range starts. */
static int
report_pass_responses(struct store *st, const struct report_opts *o,
    struct report_rmap *m, struct npserr *err)
{
	struct report_rslot key[RMAP_BATCH];
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	const char *id;
	enum nps_category cat;
	size_t nb = 0;
	int rc, score;


	buf_puts(&sql, o->since != INT64_MIN ?
	    "SELECT survey_id, score, category FROM responses r"
	    " WHERE superseded_by IS NULL AND received_at >= ?2"
	    " AND score IS NOT NULL" :
	    "SELECT survey_id, score, category FROM responses r"
	    " WHERE +superseded_by IS NULL AND score IS NOT NULL");
	themes_filter(st, o, &sql);
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	if (o->since != INT64_MIN)
		store_bind_int64(s, 2, o->since);
	if (o->themes_json != NULL)
		store_bind_text(s, 4, o->themes_json);
	report_rmap_reserve(m, report_rows_hint(st));
	while ((rc = store_step(s)) == STORE_ROW) {
		id = report_col_text(s, 0);
		score = store_col_int(s, 1);
		cat = report_cat_parse(report_col_text(s, 2));
		/* Scores are 0..10; the store checked them. */
		if (id == NULL || cat == NPS_NONE || score < 0 || score > 15)
			continue;
		if (!report_rkey(id, (size_t)store_col_bytes(s, 0),
		    &key[nb])) {
			m->odd++;
			continue;
		}
		key[nb].k1 |= report_rmap_value(cat, score);
		report_rmap_queue_put(m, key, &nb);
	}
	report_rmap_put_all(m, key, nb);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the responses");
	return 0;
}

/* The current scored response of a survey whose id is not in the map's
 * shape, by SQL; value bits as in the map, or 0 when none. */
static unsigned
report_odd_lookup(struct store *st, const struct report_opts *o,
    const char *id, size_t n)
{
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	struct npserr err;
	enum nps_category cat;
	unsigned v = 0;
	int score;

	buf_puts(&sql, "SELECT score, category FROM responses r"
	    " WHERE survey_id = ?1 AND superseded_by IS NULL"
	    " AND score IS NOT NULL");
	themes_filter(st, o, &sql);
	s = store_db_prepare(st, buf_cstr(&sql), &err);
	buf_free(&sql);
	if (s == NULL)
		return 0;
	store_bind_textn(s, 1, id, n);
	if (o->themes_json != NULL)
		store_bind_text(s, 4, o->themes_json);
	if (store_step(s) == STORE_ROW) {
		score = store_col_int(s, 0);
		cat = report_cat_parse(report_col_text(s, 1));
		if (cat != NPS_NONE && score >= 0 && score <= 15)
			v = report_rmap_value(cat, score);
	}
	store_db_done(s);
	return v;
}

/* Pass 2: the surveys sent, each with its response from the map. */
static int
report_pass_surveys(struct store *st, const struct report_opts *o,
    const struct report_rmap *m, struct report_gmap *g, struct npserr *err)
{
	struct report_pending b[RMAP_BATCH];
	struct buf sql = BUF_INIT;
	struct report_agg *a;
	struct store_stmt *s;
	const char *id;
	size_t nb = 0, idlen;
	unsigned v;
	int rc;

	buf_puts(&sql, "SELECT s.id, ");
	if (report_by_is_time(o->by) || o->by == REPORT_BY_NONE)
		buf_puts(&sql, "s.created_at");
	else
		buf_printf(&sql, "s.%s", report_by_name(o->by));
	buf_puts(&sql, " FROM surveys s WHERE s.type = ?1"
	    " AND s.status <> 'held'");
	report_range_sql(&sql, o, "s.created_at");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, nps_type_name(o->type));
	store_bind_int64(s, 2, o->since);
	store_bind_int64(s, 3, o->until);
	while ((rc = store_step(s)) == STORE_ROW) {
		a = report_row_group(g, o->by, s, 1,
		    report_day_number(store_col_int64(s, 1)));
		a->surveys++;
		id = report_col_text(s, 0);
		idlen = (size_t)store_col_bytes(s, 0);
		if (id == NULL || m->cap == 0)
			continue;
		if (!report_rkey(id, idlen, &b[nb].key)) {
			if (m->odd > 0 &&
			    (v = report_odd_lookup(st, o, id, idlen)) != 0)
				report_agg_answer(a, v);
			continue;
		}
		/* Look up in batches, each slot fetched ahead: the table
		 * is far larger than the caches, and a lookup waits for
		 * memory more than it computes. */
		b[nb].agg = (size_t)(a - g->v);
		report_rmap_queue_get(m, g, b, &nb);
	}
	report_rmap_resolve(m, g, b, nb);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the surveys");
	return 0;
}

/* --- the passes on PostgreSQL -------------------------------------- */

/*
 * On PostgreSQL every row of a result is a message of the protocol,
 * written by the server and parsed by libpq: for the million responses
 * and more surveys of a large store, that is most of the report's time.
 * So there each pass asks for a few rows instead: the survey ids of a
 * value (a category and score; a group) packed into one text, each id
 * TOKEN_ID_LEN bytes, without separator. Only ids of exactly that many
 * bytes are packed, so that the text cuts back into exactly those ids;
 * the others (an import's) are counted, and read one row each.
 */

/* Two aggregates of the ids in col: the packed text of those of
 * TOKEN_ID_LEN bytes, and how many others there are. */
static void
report_packed_sql(struct buf *sql, const char *col)
{
	buf_printf(sql, "string_agg(CASE WHEN octet_length(%s) = %d THEN %s"
	    " END, ''), sum(CASE WHEN octet_length(%s) = %d THEN 0 ELSE 1"
	    " END)", col, TOKEN_ID_LEN, col, col, TOKEN_ID_LEN);
}

/* The group of a survey s, for the packed pass: its column, or its day
 * number rounded down as report_day_number() does. */
static void
report_packed_group_sql(struct buf *sql, enum report_by by)
{
	if (report_by_is_time(by))
		buf_printf(sql, "(s.created_at - (s.created_at %% %d + %d) %%"
		    " %d) / %d", DAY, DAY, DAY, DAY);
	else if (by == REPORT_BY_NONE)
		buf_puts(sql, "0");
	else
		buf_printf(sql, "s.%s", report_by_name(by));
}

/* Pass 1 on PostgreSQL: the current scored responses, one row for each
 * category and score, into the map. */
static int
report_pass_responses_packed(struct store *st, const struct report_opts *o,
    struct report_rmap *m, struct npserr *err)
{
	struct report_rslot key[RMAP_BATCH];
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	const char *ids;
	enum nps_category cat;
	size_t nb = 0, n, p;
	unsigned v;
	int rc, score;

	buf_puts(&sql, "SELECT category, score, ");
	report_packed_sql(&sql, "survey_id");
	buf_puts(&sql, " FROM responses r WHERE superseded_by IS NULL"
	    " AND score IS NOT NULL");
	if (o->since != INT64_MIN)
		buf_puts(&sql, " AND received_at >= ?2");
	themes_filter(st, o, &sql);
	buf_puts(&sql, " GROUP BY 1, 2");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	if (o->since != INT64_MIN)
		store_bind_int64(s, 2, o->since);
	if (o->themes_json != NULL)
		store_bind_text(s, 4, o->themes_json);
	report_rmap_reserve(m, report_rows_hint(st));
	while ((rc = store_step(s)) == STORE_ROW) {
		cat = report_cat_parse(report_col_text(s, 0));
		score = store_col_int(s, 1);
		if (cat == NPS_NONE || score < 0 || score > 15)
			continue;
		v = report_rmap_value(cat, score);
		m->odd += (size_t)store_col_int64(s, 3);
		ids = report_col_text(s, 2);
		n = ids != NULL ? store_col_bytes(s, 2) : 0;
		for (p = 0; p + TOKEN_ID_LEN <= n; p += TOKEN_ID_LEN) {
			if (!report_rkey(ids + p, TOKEN_ID_LEN, &key[nb])) {
				m->odd++;
				continue;
			}
			key[nb].k1 |= v;
			report_rmap_queue_put(m, key, &nb);
		}
	}
	report_rmap_put_all(m, key, nb);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the responses");
	return 0;
}

/* The surveys of the report whose id is not of the packed length, one
 * row each, with their response looked up by SQL: only when some
 * response has an id of another shape. */
static int
report_pass_surveys_odd(struct store *st, const struct report_opts *o,
    struct report_gmap *g, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct report_agg *a;
	struct store_stmt *s;
	const char *id;
	unsigned v;
	int rc;

	buf_puts(&sql, "SELECT s.id, ");
	report_packed_group_sql(&sql, o->by);
	buf_printf(&sql, " FROM surveys s WHERE s.type = ?1"
	    " AND s.status <> 'held' AND octet_length(s.id) <> %d",
	    TOKEN_ID_LEN);
	report_range_sql(&sql, o, "s.created_at");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, nps_type_name(o->type));
	store_bind_int64(s, 2, o->since);
	store_bind_int64(s, 3, o->until);
	while ((rc = store_step(s)) == STORE_ROW) {
		id = report_col_text(s, 0);
		if (id == NULL)
			continue;
		v = report_odd_lookup(st, o, id, store_col_bytes(s, 0));
		if (v == 0)
			continue;
		a = report_row_group(g, o->by, s, 1,
		    report_by_is_time(o->by) ? store_col_int64(s, 1) : 0);
		report_agg_answer(a, v);
	}
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the surveys");
	return 0;
}

/* Pass 2 on PostgreSQL: the surveys sent, one row for each group, each
 * survey with its response from the map. */
static int
report_pass_surveys_packed(struct store *st, const struct report_opts *o,
    const struct report_rmap *m, struct report_gmap *g, struct npserr *err)
{
	struct report_pending b[RMAP_BATCH];
	struct buf sql = BUF_INIT;
	struct report_agg *a;
	struct store_stmt *s;
	const char *ids;
	size_t nb = 0, n, p, agg, odd = 0;
	unsigned v;
	int rc;

	buf_puts(&sql, "SELECT ");
	report_packed_group_sql(&sql, o->by);
	buf_puts(&sql, ", count(*), ");
	report_packed_sql(&sql, "s.id");
	buf_puts(&sql, " FROM surveys s WHERE s.type = ?1"
	    " AND s.status <> 'held'");
	report_range_sql(&sql, o, "s.created_at");
	buf_puts(&sql, " GROUP BY 1");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, nps_type_name(o->type));
	store_bind_int64(s, 2, o->since);
	store_bind_int64(s, 3, o->until);
	while ((rc = store_step(s)) == STORE_ROW) {
		a = report_row_group(g, o->by, s, 0, report_by_is_time(o->by) ?
		    store_col_int64(s, 0) : 0);
		a->surveys += (long)store_col_int64(s, 1);
		agg = (size_t)(a - g->v);
		odd += (size_t)store_col_int64(s, 3);
		ids = report_col_text(s, 2);
		n = ids != NULL && m->cap != 0 ? store_col_bytes(s, 2) : 0;
		for (p = 0; p + TOKEN_ID_LEN <= n; p += TOKEN_ID_LEN) {
			if (!report_rkey(ids + p, TOKEN_ID_LEN, &b[nb].key)) {
				if (m->odd > 0 && (v = report_odd_lookup(st, o,
				    ids + p, TOKEN_ID_LEN)) != 0)
					report_agg_answer(&g->v[agg], v);
				continue;
			}
			b[nb].agg = agg;
			report_rmap_queue_get(m, g, b, &nb);
		}
	}
	report_rmap_resolve(m, g, b, nb);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the surveys");
	if (odd > 0 && m->odd > 0 && m->cap != 0)
		return report_pass_surveys_odd(st, o, g, err);
	return 0;
}

/* Pass 3: events and anonymous counts, grouped by SQL already. */
static int
report_pass_extra(struct store *st, const struct report_opts *o,
    struct report_gmap *g, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct report_agg *a;
	struct store_stmt *s;
	int rc;

	report_extra_sql(&sql, o);
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, nps_type_name(o->type));
	store_bind_int64(s, 2, o->since);
	store_bind_int64(s, 3, o->until);
	while ((rc = store_step(s)) == STORE_ROW) {
		a = report_row_group(g, o->by, s, 0,
		    store_col_int64(s, 0));
		a->surveys += (long)store_col_int64(s, 1);
		nps_stats_add_counts(&a->stats,
		    (long)store_col_int64(s, 2),
		    (long)store_col_int64(s, 3),
		    (long)store_col_int64(s, 4),
		    store_col_double(s, 5), store_col_double(s, 6));
		a->optouts += (long)store_col_int64(s, 7);
		a->unsubscribes += (long)store_col_int64(s, 8);
	}
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the events");
	return 0;
}

/* --- the figures --------------------------------------------------- */

static int
report_agg_cmp_day(const void *x, const void *y)
{
	const struct report_agg *a = x, *b = y;

	return a->day < b->day ? -1 : a->day > b->day;
}

/* By name, "none" first, in byte order (as SQLite sorts text). */
static int
report_agg_cmp_name(const void *x, const void *y)
{
	const struct report_agg *a = x, *b = y;

	if (a->name == NULL || b->name == NULL)
		return (a->name != NULL) - (b->name != NULL);
	return strcmp(a->name, b->name);
}

static void
report_group_absorb(struct report_group *g, const struct report_agg *a)
{
	g->surveys += a->surveys;
	g->optouts += a->optouts;
	g->unsubscribes += a->unsubscribes;
	nps_stats_add_counts(&g->stats, a->stats.detractors,
	    a->stats.passives, a->stats.promoters, a->stats.sum,
	    a->stats.sumsq);
}

static void
report_group_compute(struct report_group *g, enum survey_type type,
    int min_responses)
{
	nps_stats_compute(&g->stats, type, &g->res);
	g->response_rate = g->surveys > 0 ?
	    100.0 * (double)g->res.n / (double)g->surveys : 0.0;
	g->optout_rate = g->surveys + g->optouts > 0 ? 100.0 *
	    (double)g->optouts / (double)(g->surveys + g->optouts) : 0.0;
	g->too_few = g->res.n < min_responses;
}

static struct report_group *
report_group_new(struct report *r, size_t *cap, const char *name,
    int64_t start)
{
	struct report_group *g;

	if (r->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->groups = xrealloc(r->groups, *cap * sizeof(*r->groups));
	}
	g = &r->groups[r->n++];
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(name);
	g->start = start;
	nps_stats_init(&g->stats);
	return g;
}

/* The summed groups into the report's, in order; the days of a week or
 * month fold into it (sorted by day, a period's days are contiguous). */
static void
report_fill(struct report *out, struct report_gmap *g)
{
	struct report_group *grp = NULL;
	char label[64];
	size_t cap = 0, i;
	int64_t start;

	qsort(g->v, g->n, sizeof(*g->v), g->by_day ? report_agg_cmp_day :
	    report_agg_cmp_name);
	for (i = 0; i < g->n; i++) {
		report_group_absorb(&out->total, &g->v[i]);
		if (out->by == REPORT_BY_NONE)
			continue;
		if (g->by_day) {
			start = report_period(out->by, g->v[i].day * DAY,
			    label, sizeof(label));
			if (grp == NULL || strcmp(grp->name, label) != 0)
				grp = report_group_new(out, &cap, label,
				    start);
		} else {
			grp = report_group_new(out, &cap, g->v[i].name !=
			    NULL ? g->v[i].name : "(none)", 0);
		}
		report_group_absorb(grp, &g->v[i]);
	}
	out->total.name = xstrdup("total");
	for (i = 0; i < out->n; i++)
		report_group_compute(&out->groups[i], out->type,
		    out->min_responses);
	report_group_compute(&out->total, out->type, out->min_responses);
}

/*
 * report_run - three statements, each table read once: the current
 * responses into a hash by survey id, the surveys of the range summed into
 * their groups with their response, then the events and anonymous counts.
 * The store is not locked meanwhile; the passes run in one read
 * transaction so that they see the same data.
 */
int
report_run(struct store *st, const struct report_opts *o, struct report *out,
    struct npserr *err)
{
	struct report_rmap m;
	struct report_gmap g;
	bool ok;
	int r = -1;

	memset(out, 0, sizeof(*out));
	out->type = o->type;
	out->by = o->by;
	out->since = o->since;
	out->until = o->until;
	out->min_responses = o->min_responses;
	nps_stats_init(&out->total.stats);
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	g.by_day = report_by_is_time(o->by);
	if (store_db_read_begin(st, err) == -1)
		return -1;
	if (store_is_pg(st))
		ok = report_pass_responses_packed(st, o, &m, err) == 0 &&
		    report_pass_surveys_packed(st, o, &m, &g, err) == 0;
	else
		ok = report_pass_responses(st, o, &m, err) == 0 &&
		    report_pass_surveys(st, o, &m, &g, err) == 0;
	if (ok && report_pass_extra(st, o, &g, err) == 0) {
		report_fill(out, &g);
		r = 0;
	}
	store_db_read_end(st);
	report_rmap_free(&m);
	report_gmap_free(&g);
	return r;
}

void
report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->groups[i].name);
	free(r->groups);
	free(r->total.name);
	r->groups = NULL;
	r->total.name = NULL;
	r->n = 0;
}
