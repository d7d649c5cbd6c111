/*
 * report.c - reports, verbatims, follow-up and the operator's care of the
 * store; see report.h for the contract.
 *
 * Every query here goes through store_db_prepare(), so it is prepared once
 * per connection; SQL that depends on the options (the grouping, whether
 * the date range is open) is built from fixed pieces, never from a value:
 * values are always bound. A report reads each table once, in one read
 * transaction: the current responses into a hash by survey id, then the
 * surveys of the type, each added to its group with its response, then
 * the opt-out and unsubscribe events and the anonymous counts, grouped by
 * SQL (see report_run for why the join is not SQLite's). An open end of
 * the date range leaves its condition out of the SQL, so that SQLite
 * scans the table instead of walking the whole created_at index and
 * looking up every row.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "conf/config.h"
#include "base/json.h"
#include "survey/nps.h"
#include "base/npserr.h"
#include "report/report.h"
#include "store/store.h"
#include "store/store_db.h"
#include "base/xalloc.h"
#include "report/report_int.h"

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

/* The anonymous counts of erased customers; see report.h. */
const char report_anon_ddl[] =
	"CREATE TABLE IF NOT EXISTS anonymous_counts ("
	" id INTEGER PRIMARY KEY,"
	" day INTEGER NOT NULL,"	/* epoch second of the UTC day */
	" type TEXT NOT NULL DEFAULT '',"	/* '' for events w/o survey */
	" agent TEXT NOT NULL DEFAULT '', team TEXT NOT NULL DEFAULT '',"
	" channel TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',"
	" priority TEXT NOT NULL DEFAULT '',"
	" surveys INTEGER NOT NULL DEFAULT 0,"
	" detractors INTEGER NOT NULL DEFAULT 0,"
	" passives INTEGER NOT NULL DEFAULT 0,"
	" promoters INTEGER NOT NULL DEFAULT 0,"
	" score_sum INTEGER NOT NULL DEFAULT 0,"
	" score_sumsq INTEGER NOT NULL DEFAULT 0,"
	" optouts INTEGER NOT NULL DEFAULT 0,"
	" unsubscribes INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (day, type, agent, team, channel, reason, priority))";

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
}

int
report_exec(struct store *st, const char *sql, struct npserr *err)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(store_db(st), sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, err, "cannot run %.40s", sql);
	return 0;
}

/* report_count - see report_int.h. */
int
report_count(struct store *st, const char *sql, int64_t bind,
    int64_t *out, struct npserr *err)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = store_db_prepare(st, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, bind);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	store_db_done(s);
	if (rc != SQLITE_ROW)
		return store_db_fail(st, rc, err, "cannot count");
	return 0;
}

/* --- dates ---------------------------------------------------------- */

/*
 * report_date_parse - exactly "YYYY-MM-DD", a real calendar day (the
 * round trip through timegm() refuses 2026-02-30).
 */
int
report_date_parse(const char *s, int64_t *out)
{
	struct tm tm, want;
	time_t t;
	int k;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (k = 0; k < 10; k++)
		if (k != 4 && k != 7 && !isdigit((unsigned char)s[k]))
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	want = tm;
	/* timegm() normalizes tm: 02-30 becomes 03-02. */
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_year != want.tm_year ||
	    tm.tm_mon != want.tm_mon || tm.tm_mday != want.tm_mday)
		return -1;
	*out = (int64_t)t;
	return 0;
}

void
report_date_format(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d",
	    &tm) == 0)
		snprintf(out, size, "?");
}

void
report_time_format(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, size,
	    "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, size, "?");
}

/* report_day_number - see report_int.h. */
int64_t
report_day_number(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/*
 * report_iso_week - ISO 8601: weeks start on Monday, and week 1 is the
 * one with the year's first Thursday, so the week belongs to the year of
 * its Thursday.
 */
int64_t
report_iso_week(int64_t t, char *out, size_t size)
{
	int64_t day = report_day_number(t), monday, thursday;
	int weekday;		/* 0 Monday ... 6 Sunday */
	time_t tt;
	struct tm tm;

	/* 1970-01-01 was a Thursday. */
	weekday = (int)(((day + 3) % 7 + 7) % 7);
	monday = day - weekday;
	thursday = monday + 3;
	tt = (time_t)(thursday * DAY);
	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%04d-W%02d", tm.tm_year + 1900,
		    tm.tm_yday / 7 + 1);
	return monday * DAY;
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

/* --- the report ----------------------------------------------------- */

bool
report_anon_exists(struct store *st, struct npserr *err, int *out)
{
	sqlite3_stmt *s;
	int rc;

	s = store_db_prepare(st, "SELECT 1 FROM sqlite_master WHERE type ="
	    " 'table' AND name = 'anonymous_counts'", err);
	if (s == NULL)
		return false;
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW;
	store_db_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_db_fail(st, rc, err, "cannot look for the anonymous"
		    " counts");
		return false;
	}
	return true;
}

/* The expression of an event's or anonymous row's survey type from its
 * channel, as the config sets it ([channel.NAME] type). */
static void
report_channel_type_sql(struct buf *sql, const struct config *cf,
    const char *col)
{
	int ch;

	buf_printf(sql, "CASE lower(%s)", col);
	for (ch = 0; ch < CHANNEL_COUNT; ch++)
		buf_printf(sql, " WHEN '%s' THEN '%s'",
		    config_channel_name((enum channel)ch),
		    nps_type_name(cf != NULL ? cf->channel[ch].type :
		    SURVEY_NPS));
	buf_printf(sql, " ELSE '%s' END", nps_type_name(cf != NULL ?
	    cf->channel[CHANNEL_EMAIL].type : SURVEY_NPS));
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
report_extra_sql(struct buf *sql, const struct report_opts *o, bool anon)
{
	buf_puts(sql, "SELECT ");
	report_group_sql(sql, o->by, 'e', "at");
	buf_puts(sql, ", 0, 0, 0, 0, 0, 0, total(e.kind = 'optout'),"
	    " total(e.kind = 'unsubscribed') FROM events e"
	    " WHERE e.kind IN ('optout', 'unsubscribed') AND COALESCE("
	    "(SELECT t.type FROM surveys t WHERE t.id = e.survey_id), ");
	report_channel_type_sql(sql, o->cf, "e.channel");
	buf_puts(sql, ") = ?1");
	report_range_sql(sql, o, "e.at");
	buf_puts(sql, " GROUP BY 1");
	if (!anon)
		return;
	buf_puts(sql, " UNION ALL SELECT ");
	report_group_sql(sql, o->by, 'a', "day");
	buf_puts(sql, ", total(a.surveys), total(a.detractors),"
	    " total(a.passives), total(a.promoters), total(a.score_sum),"
	    " total(a.score_sumsq), total(a.optouts), total(a.unsubscribes)"
	    " FROM anonymous_counts a WHERE COALESCE(NULLIF(a.type, ''), ");
	report_channel_type_sql(sql, o->cf, "a.channel");
	buf_puts(sql, ") = ?1");
	report_range_sql(sql, o, "a.day");
	buf_puts(sql, " GROUP BY 1");
}

/*
 * The join of surveys to their current response is done here, in two
 * hash tables, rather than by SQLite: its plan (one B-tree probe of
 * responses per survey, then a sort for GROUP BY) takes about 1.5 s for
 * a million responses, while one scan of each table into hashes takes a
 * third of that. Each table is still read once, by one statement.
 */

/*
 * Current scored responses by survey id: an open-addressing table keyed by
 * the id itself. A survey id is 16 base32 characters, 80 random bits: k0
 * holds the first 64 bits, k1 the last 16 above 8 bits of score and
 * category, so a slot is 16 bytes (a million responses take 32 MB) and a
 * lookup compares the whole id: no two surveys are ever taken for one.
 * An id of another shape (an import from elsewhere) is not put in the map;
 * its survey is looked up by SQL instead (report_odd_lookup).
 */
struct report_rslot {
	uint64_t k0;
	uint64_t k1;		/* 0: empty slot */
};

struct report_rmap {
	struct report_rslot *slot;
	size_t cap, n;		/* cap: a power of 2 */
	size_t odd;		/* responses whose survey id is not base32 */
};

#define RMAP_VALUE_BITS 8
#define RMAP_BATCH 32		/* lookups whose slots are fetched ahead */
#define RMAP_USED 0x80

static uint64_t
report_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* 8 bytes at a time, each word mixed in (MurmurHash3's finalizer). */
static uint64_t
report_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = report_mix(h ^ w);
		s += 8;
		n -= 8;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, s, n);
		h = report_mix(h ^ w ^ 0xff);
	}
	return h;
}

/* The exact key of a 16-character base32 survey id; false for any
 * other shape. The value bits of k1 are left clear. */
static bool
report_rkey(const char *id, size_t n, struct report_rslot *key)
{
	uint64_t k0 = 0, k1 = 0;
	size_t i;
	int c, v;

	if (id == NULL || n != TOKEN_ID_LEN)
		return false;
	for (i = 0; i < n; i++) {
		c = id[i] | 0x20;
		if (c >= 'a' && c <= 'z')
			v = c - 'a';
		else if (id[i] >= '2' && id[i] <= '7')
			v = id[i] - '2' + 26;
		else
			return false;
		if (i < 12)
			k0 = k0 << 5 | (uint64_t)v;	/* 60 bits */
		else
			k1 = k1 << 5 | (uint64_t)v;	/* 20 bits */
	}
	key->k0 = k0;
	key->k1 = k1 << RMAP_VALUE_BITS;
	return true;
}

static size_t
report_rmap_home(const struct report_rmap *m, const struct report_rslot *key)
{
	return (size_t)report_mix(key->k0 ^ (key->k1 >> RMAP_VALUE_BITS) *
	    0x9e3779b97f4a7c15ULL) & (m->cap - 1);
}

/* The slot of key (value bits ignored), or the empty slot for it. */
static size_t
report_rmap_slot(const struct report_rmap *m, const struct report_rslot *key)
{
	size_t i = report_rmap_home(m, key);

	while (m->slot[i].k1 != 0 && (m->slot[i].k0 != key->k0 ||
	    m->slot[i].k1 >> RMAP_VALUE_BITS != key->k1 >> RMAP_VALUE_BITS))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Sizes the table for at least n keys at a load of at most one half. */
static void
report_rmap_reserve(struct report_rmap *m, size_t n)
{
	struct report_rslot *old = m->slot;
	size_t oldcap = m->cap, i, cap = 4096;

	while (cap < n * 2)
		cap *= 2;
	if (cap <= oldcap)
		return;
	m->cap = cap;
	m->slot = xcalloc(cap, sizeof(*m->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i].k1 != 0)
			m->slot[report_rmap_slot(m, &old[i])] = old[i];
	free(old);
}

/* Stores key with its value (RMAP_USED | category << 4 | score) in the
 * low bits of k1; a second response to the same survey replaces the
 * first. */
static void
report_rmap_put(struct report_rmap *m, const struct report_rslot *key)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		report_rmap_reserve(m, m->n + 1);
	i = report_rmap_slot(m, key);
	if (m->slot[i].k1 == 0)
		m->n++;
	m->slot[i] = *key;
}

static void
report_rmap_free(struct report_rmap *m)
{
	free(m->slot);
}

/* The groups being summed: by name (NULL: none) or by day number. */
struct report_agg {
	char *name;
	int64_t day;
	long surveys, optouts, unsubscribes;
	struct nps_stats stats;
};

struct report_gmap {
	struct report_agg *v;
	size_t n, vcap;
	uint32_t *slot;		/* index in v + 1; 0 empty */
	size_t cap;
	bool by_day;
};

static uint64_t
report_gkey_hash(const struct report_gmap *g, const char *name,
    int64_t day)
{
	if (g->by_day)
		return report_hash(&day, sizeof(day));
	return name != NULL ? report_hash(name, strlen(name)) : 0;
}

static bool
report_gkey_eq(const struct report_gmap *g, const struct report_agg *a,
    const char *name, int64_t day)
{
	if (g->by_day)
		return a->day == day;
	if (a->name == NULL || name == NULL)
		return a->name == name;
	return strcmp(a->name, name) == 0;
}

static struct report_agg *
report_gmap_get(struct report_gmap *g, const char *name, int64_t day)
{
	struct report_agg *a;
	size_t i, k;

	if (name != NULL && name[0] == '\0')
		name = NULL;
	if ((g->n + 1) * 2 > g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		free(g->slot);
		g->slot = xcalloc(g->cap, sizeof(*g->slot));
		for (k = 0; k < g->n; k++) {
			i = (size_t)report_gkey_hash(g, g->v[k].name,
			    g->v[k].day) & (g->cap - 1);
			while (g->slot[i] != 0)
				i = (i + 1) & (g->cap - 1);
			g->slot[i] = (uint32_t)k + 1;
		}
	}
	i = (size_t)report_gkey_hash(g, name, day) & (g->cap - 1);
	while (g->slot[i] != 0) {
		a = &g->v[g->slot[i] - 1];
		if (report_gkey_eq(g, a, name, day))
			return a;
		i = (i + 1) & (g->cap - 1);
	}
	if (g->n == g->vcap) {
		g->vcap = g->vcap ? g->vcap * 2 : 64;
		g->v = xrealloc(g->v, g->vcap * sizeof(*g->v));
	}
	a = &g->v[g->n];
	memset(a, 0, sizeof(*a));
	a->name = name != NULL ? xstrdup(name) : NULL;
	a->day = day;
	nps_stats_init(&a->stats);
	g->slot[i] = (uint32_t)++g->n;
	return a;
}

static void
report_gmap_free(struct report_gmap *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->v[i].name);
	free(g->v);
	free(g->slot);
}

/* The group of column col of a row: its text, or its day number. */
static struct report_agg *
report_row_group(struct report_gmap *g, enum report_by by, sqlite3_stmt *s,
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
	sqlite3_stmt *s;
	int64_t n = 0;

	s = store_db_prepare(st, "SELECT max(id) FROM responses", &err);
	if (s == NULL)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	store_db_done(s);
	/* A hint only: beyond 16 M the map grows as it fills. */
	return n > 0 && n < 16 * 1024 * 1024 ? (size_t)n : 0;
}

/* Pass 1: the current scored responses, into the map. A response to a
 * survey of the range cannot arrive before the range starts. */
static int
report_pass_responses(struct store *st, const struct report_opts *o,
    struct report_rmap *m, struct npserr *err)
{
	struct report_rslot key[RMAP_BATCH];
	sqlite3_stmt *s;
	const char *id;
	enum nps_category cat;
	size_t nb = 0, k;
	int rc, score;

	s = store_db_prepare(st, o->since != INT64_MIN ?
	    "SELECT survey_id, score, category FROM responses"
	    " WHERE superseded_by IS NULL AND received_at >= ?2"
	    " AND score IS NOT NULL" :
	    "SELECT survey_id, score, category FROM responses"
	    " WHERE +superseded_by IS NULL AND score IS NOT NULL", err);
	if (s == NULL)
		return -1;
	if (o->since != INT64_MIN)
		sqlite3_bind_int64(s, 2, o->since);
	report_rmap_reserve(m, report_rows_hint(st));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = report_col_text(s, 0);
		score = sqlite3_column_int(s, 1);
		cat = report_cat_parse(report_col_text(s, 2));
		/* Scores are 0..10; the store checked them. */
		if (id == NULL || cat == NPS_NONE || score < 0 || score > 15)
			continue;
		if (!report_rkey(id, (size_t)sqlite3_column_bytes(s, 0),
		    &key[nb])) {
			m->odd++;
			continue;
		}
		key[nb].k1 |= RMAP_USED | (uint64_t)(cat & 3) << 4 |
		    (uint64_t)score;
		__builtin_prefetch(&m->slot[report_rmap_home(m, &key[nb])]);
		if (++nb == RMAP_BATCH) {
			for (k = 0; k < nb; k++)
				report_rmap_put(m, &key[k]);
			nb = 0;
		}
	}
	for (k = 0; k < nb; k++)
		report_rmap_put(m, &key[k]);
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot read the responses");
	return 0;
}

/* Adds one answer, as value bits (RMAP_USED | category << 4 | score), to
 * a group: what nps_stats_add_counts() does, for one answer. */
static void
report_agg_answer(struct report_agg *a, unsigned v)
{
	unsigned cat = (v >> 4) & 3, score = v & 15;

	a->stats.n++;
	a->stats.detractors += cat == NPS_DETRACTOR;
	a->stats.passives += cat == NPS_PASSIVE;
	a->stats.promoters += cat == NPS_PROMOTER;
	a->stats.sum += score;
	a->stats.sumsq += (double)score * score;
}

/* The current scored response of a survey whose id is not in the map's
 * shape, by SQL; value bits as in the map, or 0 when none. */
static unsigned
report_odd_lookup(struct store *st, const char *id, size_t n)
{
	sqlite3_stmt *s;
	struct npserr err;
	enum nps_category cat;
	unsigned v = 0;
	int score;

	s = store_db_prepare(st, "SELECT score, category FROM responses"
	    " WHERE survey_id = ?1 AND superseded_by IS NULL"
	    " AND score IS NOT NULL", &err);
	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, id, (int)n, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		score = sqlite3_column_int(s, 0);
		cat = report_cat_parse(report_col_text(s, 1));
		if (cat != NPS_NONE && score >= 0 && score <= 15)
			v = RMAP_USED | (unsigned)(cat & 3) << 4 |
			    (unsigned)score;
	}
	store_db_done(s);
	return v;
}

struct report_pending {
	struct report_rslot key;	/* the survey id's key */
	size_t agg;		/* its group, an index in the group map */
};

/* Adds the responses of a batch of surveys to their groups. */
static void
report_rmap_resolve(const struct report_rmap *m, struct report_gmap *g,
    const struct report_pending *b, size_t nb)
{
	const struct report_rslot *slot;
	size_t k;

	for (k = 0; k < nb; k++) {
		slot = &m->slot[report_rmap_slot(m, &b[k].key)];
		if (slot->k1 != 0)
			report_agg_answer(&g->v[b[k].agg],
			    (unsigned)(slot->k1 & 0xff));
	}
}

/* Pass 2: the surveys sent, each with its response from the map. */
static int
report_pass_surveys(struct store *st, const struct report_opts *o,
    const struct report_rmap *m, struct report_gmap *g, struct npserr *err)
{
	struct report_pending b[RMAP_BATCH];
	struct buf sql = BUF_INIT;
	struct report_agg *a;
	sqlite3_stmt *s;
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
	sqlite3_bind_text(s, 1, nps_type_name(o->type), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, o->since);
	sqlite3_bind_int64(s, 3, o->until);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		a = report_row_group(g, o->by, s, 1,
		    report_day_number(sqlite3_column_int64(s, 1)));
		a->surveys++;
		id = report_col_text(s, 0);
		idlen = (size_t)sqlite3_column_bytes(s, 0);
		if (id == NULL || m->cap == 0)
			continue;
		if (!report_rkey(id, idlen, &b[nb].key)) {
			if (m->odd > 0 &&
			    (v = report_odd_lookup(st, id, idlen)) != 0)
				report_agg_answer(a, v);
			continue;
		}
		/* Look up in batches, each slot fetched ahead: the table
		 * is far larger than the caches, and a lookup waits for
		 * memory more than it computes. */
		b[nb].agg = (size_t)(a - g->v);
		__builtin_prefetch(&m->slot[report_rmap_home(m, &b[nb].key)]);
		if (++nb == RMAP_BATCH) {
			report_rmap_resolve(m, g, b, nb);
			nb = 0;
		}
	}
	report_rmap_resolve(m, g, b, nb);
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot read the surveys");
	return 0;
}

/* Pass 3: events and anonymous counts, grouped by SQL already. */
static int
report_pass_extra(struct store *st, const struct report_opts *o,
    struct report_gmap *g, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct report_agg *a;
	sqlite3_stmt *s;
	int anon = 0, rc;

	if (!report_anon_exists(st, err, &anon))
		return -1;
	report_extra_sql(&sql, o, anon != 0);
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, nps_type_name(o->type), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, o->since);
	sqlite3_bind_int64(s, 3, o->until);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		a = report_row_group(g, o->by, s, 0,
		    sqlite3_column_int64(s, 0));
		a->surveys += (long)sqlite3_column_int64(s, 1);
		nps_stats_add_counts(&a->stats,
		    (long)sqlite3_column_int64(s, 2),
		    (long)sqlite3_column_int64(s, 3),
		    (long)sqlite3_column_int64(s, 4),
		    sqlite3_column_double(s, 5), sqlite3_column_double(s, 6));
		a->optouts += (long)sqlite3_column_int64(s, 7);
		a->unsubscribes += (long)sqlite3_column_int64(s, 8);
	}
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot read the events");
	return 0;
}

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
	if (report_exec(st, "BEGIN", err) == -1)
		return -1;
	if (report_pass_responses(st, o, &m, err) == 0 &&
	    report_pass_surveys(st, o, &m, &g, err) == 0 &&
	    report_pass_extra(st, o, &g, err) == 0) {
		report_fill(out, &g);
		r = 0;
	}
	sqlite3_exec(store_db(st), "COMMIT", NULL, NULL, NULL);
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
