/*
 * nps.c - survey types, score categories and the statistics of a sample;
 * see nps.h for the contract.
 *
 * Every figure is computed from counts and from the sums of the raw scores,
 * so a report can feed either single scores (nps_stats_add) or the grouped
 * counts of an SQL query (nps_stats_add_counts) and get the same result.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "survey/nps.h"

/* 1.96: the two-sided 95 % quantile of the normal distribution. */
#define NPS_Z95 1.96

static const char *const type_names[SURVEY_TYPE_COUNT] = {
	"nps", "csat", "ces"
};

/*
 * nps_type_parse - "nps", "csat" or "ces", any case, exactly len bytes.
 */
int
nps_type_parse(const char *s, size_t len, enum survey_type *out)
{
	int i;

	for (i = 0; i < SURVEY_TYPE_COUNT; i++) {
		if (strlen(type_names[i]) == len &&
		    strncasecmp(s, type_names[i], len) == 0) {
			*out = (enum survey_type)i;
			return 0;
		}
	}
	return -1;
}

/*
 * nps_type_name - the lowercase name of a type; "unknown" for a value
 * outside the enum, so that a bad value shows in a log instead of crashing.
 */
const char *
nps_type_name(enum survey_type type)
{
	if ((int)type < 0 || (int)type >= SURVEY_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

int
nps_score_min(enum survey_type type)
{
	return type == SURVEY_NPS ? 0 : 1;
}

int
nps_score_max(enum survey_type type)
{
	switch (type) {
	case SURVEY_CSAT:
		return 5;
	case SURVEY_CES:
		return 7;
	case SURVEY_NPS:
	default:
		return 10;
	}
}

/*
 * nps_category - the category of a score, or NPS_NONE when the score is
 * outside the range of the type.
 */
enum nps_category
nps_category(enum survey_type type, int score)
{
	int lo_max, mid_max;	/* highest detractor, highest passive */

	switch (type) {
	case SURVEY_NPS:
		lo_max = 6;
		mid_max = 8;
		break;
	case SURVEY_CSAT:
		lo_max = 2;
		mid_max = 3;
		break;
	case SURVEY_CES:
		lo_max = 3;
		mid_max = 4;
		break;
	default:
		return NPS_NONE;
	}
	if (score < nps_score_min(type) || score > nps_score_max(type))
		return NPS_NONE;
	if (score <= lo_max)
		return NPS_DETRACTOR;
	if (score <= mid_max)
		return NPS_PASSIVE;
	return NPS_PROMOTER;
}

const char *
nps_category_name(enum nps_category cat)
{
	switch (cat) {
	case NPS_DETRACTOR:
		return "detractor";
	case NPS_PASSIVE:
		return "passive";
	case NPS_PROMOTER:
		return "promoter";
	case NPS_NONE:
	default:
		return "none";
	}
}

/*
 * nps_category_parse - "detractor", "passive" or "promoter", any case.
 */
int
nps_category_parse(const char *s, enum nps_category *out)
{
	static const enum nps_category cats[] = {
		NPS_DETRACTOR, NPS_PASSIVE, NPS_PROMOTER
	};
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		if (strcasecmp(s, nps_category_name(cats[i])) == 0) {
			*out = cats[i];
			return 0;
		}
	}
	return -1;
}

void
nps_stats_init(struct nps_stats *st)
{
	st->n = 0;
	st->detractors = st->passives = st->promoters = 0;
	st->sum = st->sumsq = 0.0;
}

/*
 * nps_stats_add - counts one score. A score outside the type's range is
 * not counted (returns -1), so a bad row cannot skew a report.
 */
int
nps_stats_add(struct nps_stats *st, enum survey_type type, int score)
{
	switch (nps_category(type, score)) {
	case NPS_DETRACTOR:
		st->detractors++;
		break;
	case NPS_PASSIVE:
		st->passives++;
		break;
	case NPS_PROMOTER:
		st->promoters++;
		break;
	case NPS_NONE:
	default:
		return -1;
	}
	st->n++;
	st->sum += score;
	st->sumsq += (double)score * score;
	return 0;
}

void
nps_stats_add_counts(struct nps_stats *st, long det, long pas, long pro,
    double sum, double sumsq)
{
	st->detractors += det;
	st->passives += pas;
	st->promoters += pro;
	st->n += det + pas + pro;
	st->sum += sum;
	st->sumsq += sumsq;
}

/* The 95 % margin of a proportion p (0..1) over n answers, in percent. */
static double
margin_proportion(double p, long n)
{
	double var = p * (1.0 - p);

	return var > 0.0 ? NPS_Z95 * sqrt(var / (double)n) * 100.0 : 0.0;
}

/*
 * nps_stats_compute - the figures of a sample. With n == 0 every figure is
 * 0. A sample of one answer has no spread: its margin is 0.
 */
void
nps_stats_compute(const struct nps_stats *st, enum survey_type type,
    struct nps_result *out)
{
	double n, p, d, var, mean;

	out->n = st->n;
	out->detractors = st->detractors;
	out->passives = st->passives;
	out->promoters = st->promoters;
	out->pct_detractors = out->pct_passives = out->pct_promoters = 0.0;
	out->score = out->margin = 0.0;
	if (st->n <= 0)
		return;

	n = (double)st->n;
	p = (double)st->promoters / n;
	d = (double)st->detractors / n;
	out->pct_promoters = 100.0 * p;
	out->pct_detractors = 100.0 * d;
	out->pct_passives = 100.0 * (double)st->passives / n;

	switch (type) {
	case SURVEY_NPS:
		out->score = out->pct_promoters - out->pct_detractors;
		/* Variance of the +1/0/-1 variable; rounding may dip
		 * below 0. */
		var = p + d - (p - d) * (p - d);
		out->margin = var > 0.0 ? NPS_Z95 * sqrt(var / n) * 100.0 : 0.0;
		break;
	case SURVEY_CSAT:
		out->score = out->pct_promoters;
		out->margin = margin_proportion(p, st->n);
		break;
	case SURVEY_CES:
		mean = st->sum / n;
		out->score = mean;
		if (st->n < 2)
			break;
		var = (st->sumsq - n * mean * mean) / (n - 1.0);
		out->margin = var > 0.0 ? NPS_Z95 * sqrt(var / n) : 0.0;
		break;
	default:
		break;
	}
}
