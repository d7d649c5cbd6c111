/*
 * nps.h - survey types, score categories and the statistics of a sample.
 *
 * SYNOPSIS
 *	nps_type_parse("csat", 4, &type);   nps_type_name(type);
 *	nps_score_min(type), nps_score_max(type)
 *	nps_category(type, score)
 *	nps_stats_add(&st, score); nps_stats_compute(&st, type, &res);
 *
 * DESCRIPTION
 *	NPS: scores 0-10; detractors 0-6, passives 7-8, promoters 9-10;
 *	NPS = %promoters - %detractors in [-100, +100]. Its 95 % margin of
 *	error is 1.96 * sqrt(var / n) * 100, where var is the variance of
 *	the variable that is +1 for a promoter, 0 for a passive and -1 for a
 *	detractor: var = p + d - (p - d)^2 with p, d the shares.
 *	CSAT: scores 1-5; the result is the share of 4 and 5, in percent;
 *	categories: 1-2 detractor ("unsatisfied"), 3 passive, 4-5 promoter.
 *	CES: scores 1-7; the result is the mean score; categories 1-3
 *	detractor (hard), 4 passive, 5-7 promoter (easy).
 *	The margin for CSAT is that of a proportion, for CES that of a mean
 *	(1.96 * s / sqrt(n), s the sample standard deviation).
 */
#ifndef NPSGATE_NPS_H
#define NPSGATE_NPS_H

#include <stddef.h>

enum survey_type {
	SURVEY_NPS = 0,
	SURVEY_CSAT = 1,
	SURVEY_CES = 2
};
#define SURVEY_TYPE_COUNT 3

enum nps_category {
	NPS_NONE = -1,		/* no score, or out of range */
	NPS_DETRACTOR = 0,
	NPS_PASSIVE = 1,
	NPS_PROMOTER = 2
};

/* Parses "nps", "csat", "ces" (any case). Returns 0, or -1 if unknown. */
int nps_type_parse(const char *s, size_t len, enum survey_type *out);
const char *nps_type_name(enum survey_type type);
int nps_score_min(enum survey_type type);
int nps_score_max(enum survey_type type);
/* NPS_NONE when score is outside the type's range. */
enum nps_category nps_category(enum survey_type type, int score);
const char *nps_category_name(enum nps_category cat);
/* Parses "detractor", "passive", "promoter". Returns 0 or -1. */
int nps_category_parse(const char *s, enum nps_category *out);

struct nps_stats {
	long n;
	long detractors, passives, promoters;
	double sum, sumsq;	/* of the raw scores, for CES */
};

struct nps_result {
	long n;
	long detractors, passives, promoters;
	double pct_detractors, pct_passives, pct_promoters;
	double score;		/* NPS (-100..100), CSAT % (0..100), CES mean */
	double margin;		/* 95 % margin of error, same unit as score */
};

void nps_stats_init(struct nps_stats *st);
/* Ignores scores outside the type's range; returns 0, or -1 if ignored. */
int nps_stats_add(struct nps_stats *st, enum survey_type type, int score);
/* Adds counts already grouped by category (from SQL), for NPS and CSAT. */
void nps_stats_add_counts(struct nps_stats *st, long det, long pas, long pro,
    double sum, double sumsq);
/* With n == 0, every figure is 0. */
void nps_stats_compute(const struct nps_stats *st, enum survey_type type,
    struct nps_result *out);

#endif
