/*
 * report_themes.c - what customers talk about: per theme, the answers
 * that mention it and their score, and the drivers of detraction; see
 * report.h for the contract.
 *
 * Two grouped statements in one read transaction: the answers with a
 * comment by category (the base), and the same by theme and category
 * through response_themes. An answer counts in every theme it mentions.
 * The survey's type needs a join with surveys; when the store holds
 * surveys of one type only, the join is left out (the common case: the
 * query then reads responses and response_themes alone).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "store/store_db.h"
#include "survey/nps.h"

void
report_theme_opts_init(struct report_theme_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->type = SURVEY_NPS;
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	o->samples = 3;
}

/* The WHERE of both statements: current scored answers with a comment,
 * in the range, of the type (when join), of the agent. */
static void
report_theme_where(struct buf *sql, const struct report_theme_opts *o,
    bool join)
{
	buf_puts(sql, " WHERE r.superseded_by IS NULL AND r.score IS NOT NULL"
	    " AND " STORE_SQL_ANSWER_COMMENTED);
	if (join)
		buf_puts(sql, " AND s.type = ?1");
	if (o->since != INT64_MIN)
		buf_puts(sql, " AND r.received_at >= ?2");
	if (o->until != INT64_MAX)
		buf_puts(sql, " AND r.received_at < ?3");
	if (o->agent != NULL)
		buf_puts(sql, " AND s.agent = ?4");
}

static void
report_theme_bind(struct store_stmt *s, const struct report_theme_opts *o,
    bool join)
{
	if (join)
		store_bind_text(s, 1, nps_type_name(o->type));
	if (o->since != INT64_MIN)
		store_bind_int64(s, 2, o->since);
	if (o->until != INT64_MAX)
		store_bind_int64(s, 3, o->until);
	if (o->agent != NULL)
		store_bind_text(s, 4, o->agent);
}

/* Whether the answers must be joined to their surveys: an agent asked
 * for, or surveys of another type than o->type in the store. */
static int
report_theme_join(struct store *st, const struct report_theme_opts *o,
    bool *join, struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	if (o->agent != NULL) {
		*join = true;
		return 0;
	}
	s = store_db_prepare(st, "SELECT EXISTS (SELECT 1 FROM surveys"
	    " WHERE type <> ?1)", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, nps_type_name(o->type));
	rc = store_step(s);
	*join = rc == STORE_ROW && store_col_int(s, 0) != 0;
	store_db_done(s);
	if (rc != STORE_ROW)
		return store_db_fail(st, err, "cannot read the survey"
		    " types");
	return 0;
}

static void
report_theme_add(struct nps_stats *stats, const char *cat, long n,
    double sum, double sumsq)
{
	enum nps_category c = NPS_NONE;

	if (cat == NULL || nps_category_parse(cat, &c) == -1)
		c = NPS_NONE;
	nps_stats_add_counts(stats, c == NPS_DETRACTOR ? n : 0,
	    c == NPS_PASSIVE ? n : 0, c == NPS_PROMOTER ? n : 0, sum, sumsq);
}

static struct report_theme *
report_theme_get(struct report_themes *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->n; i++)
		if (strcmp(out->rows[i].name, name) == 0)
			return &out->rows[i];
	out->rows = xrealloc(out->rows, (out->n + 1) * sizeof(*out->rows));
	memset(&out->rows[out->n], 0, sizeof(out->rows[0]));
	out->rows[out->n].name = xstrdup(name);
	nps_stats_init(&out->rows[out->n].with);
	return &out->rows[out->n++];
}

/* The grouped rows of one statement into the base or the themes. */
static int
report_theme_read(struct store *st, const struct report_theme_opts *o,
    bool join, bool by_theme, struct report_themes *out, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	int rc, col = by_theme ? 1 : 0;

	buf_puts(&sql, by_theme ? "SELECT t.theme, " : "SELECT ");
	buf_puts(&sql, "r.category, count(*), coalesce(sum(r.score), 0),"
	    " coalesce(sum(r.score * r.score), 0) FROM responses r");
	if (join)
		buf_puts(&sql, " JOIN surveys s ON s.id = r.survey_id");
	if (by_theme)
		buf_puts(&sql, " JOIN response_themes t ON t.response_id ="
		    " r.id");
	report_theme_where(&sql, o, join);
	buf_puts(&sql, by_theme ? " GROUP BY t.theme, r.category" :
	    " GROUP BY r.category");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	report_theme_bind(s, o, join);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct nps_stats *stats = &out->all;

		if (by_theme) {
			if (report_col_text(s, 0) == NULL)
				continue;
			stats = &report_theme_get(out,
			    report_col_text(s, 0))->with;
		}
		report_theme_add(stats, report_col_text(s, col),
		    (long)store_col_int64(s, col + 1),
		    store_col_double(s, col + 2),
		    store_col_double(s, col + 3));
	}
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the themes");
	return 0;
}

/* Up to o->samples recent comments of detractors that mention theme. */
static int
report_theme_samples(struct store *st, const struct report_theme_opts *o,
    bool join, struct report_theme *t, struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct store_stmt *s;
	int rc;

	buf_puts(&sql, "SELECT " STORE_SQL_ANSWER_COMMENT " FROM"
	    " response_themes t"
	    " JOIN responses r ON r.id = t.response_id");
	if (join)
		buf_puts(&sql, " JOIN surveys s ON s.id = r.survey_id");
	report_theme_where(&sql, o, join);
	buf_puts(&sql, " AND t.theme = ?5 AND r.category = 'detractor'"
	    " ORDER BY t.response_id DESC LIMIT ?6");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	report_theme_bind(s, o, join);
	store_bind_text(s, 5, t->name);
	store_bind_int64(s, 6, o->samples);
	t->samples = xcalloc((size_t)o->samples + 1, sizeof(char *));
	while ((rc = store_step(s)) == STORE_ROW &&
	    t->nsamples < (size_t)o->samples)
		t->samples[t->nsamples++] = xstrdup(report_col_text(s, 0));
	store_db_done(s);
	if (rc != STORE_DONE && rc != STORE_ROW)
		return store_db_fail(st, err, "cannot read the samples");
	return 0;
}

/* Drivers first: the themes detractors name more than promoters, then by
 * name. */
static int
report_theme_cmp(const void *a, const void *b)
{
	const struct report_theme *x = a, *y = b;
	double dx = x->pct_of_detractors - x->pct_of_promoters;
	double dy = y->pct_of_detractors - y->pct_of_promoters;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The figures of each theme from its counts and the base. */
static void
report_theme_figures(struct report_themes *out, enum survey_type type)
{
	const struct nps_stats *all = &out->all;
	size_t i;

	nps_stats_compute(all, type, &out->all_res);
	for (i = 0; i < out->n; i++) {
		struct report_theme *t = &out->rows[i];
		struct nps_stats rest;

		nps_stats_compute(&t->with, type, &t->with_res);
		nps_stats_init(&rest);
		nps_stats_add_counts(&rest,
		    all->detractors - t->with.detractors,
		    all->passives - t->with.passives,
		    all->promoters - t->with.promoters,
		    all->sum - t->with.sum, all->sumsq - t->with.sumsq);
		nps_stats_compute(&rest, type, &t->without_res);
		t->pct_of_answers = all->n ? 100.0 * (double)t->with.n /
		    (double)all->n : 0;
		t->pct_of_detractors = all->detractors ? 100.0 *
		    (double)t->with.detractors / (double)all->detractors : 0;
		t->pct_of_promoters = all->promoters ? 100.0 *
		    (double)t->with.promoters / (double)all->promoters : 0;
		t->gap = t->with.n && rest.n ? t->with_res.score -
		    t->without_res.score : 0;
	}
	if (out->n > 1)
		qsort(out->rows, out->n, sizeof(*out->rows), report_theme_cmp);
}

int
report_themes_run(struct store *st, const struct report_theme_opts *o,
    struct report_themes *out, struct npserr *err)
{
	bool join = false;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->type = o->type;
	out->since = o->since;
	out->until = o->until;
	nps_stats_init(&out->all);
	if (store_db_read_begin(st, err) == -1)
		return -1;
	if (report_theme_join(st, o, &join, err) == 0 &&
	    report_theme_read(st, o, join, false, out, err) == 0 &&
	    report_theme_read(st, o, join, true, out, err) == 0) {
		rc = 0;
		for (i = 0; rc == 0 && o->samples > 0 && i < out->n; i++)
			rc = report_theme_samples(st, o, join, &out->rows[i],
			    err);
	}
	/* A read transaction: nothing to keep, COMMIT only ends it. */
	store_db_read_end(st);
	if (rc == -1) {
		report_themes_free(out);
		return -1;
	}
	report_theme_figures(out, o->type);
	return 0;
}

void
report_themes_free(struct report_themes *r)
{
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		free(r->rows[i].name);
		for (k = 0; k < r->rows[i].nsamples; k++)
			free(r->rows[i].samples[k]);
		free(r->rows[i].samples);
	}
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
