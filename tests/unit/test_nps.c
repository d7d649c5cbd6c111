/*
 * test_nps.c - survey types, categories and the statistics of a sample.
 *
 * Every expected figure is computed by hand in the comment above it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "survey/nps.h"

#define assert_near(a, b, eps) \
	assert_near_((a), (b), (eps), #a, __FILE__, __LINE__)

static void
assert_near_(double got, double want, double eps, const char *expr,
    const char *file, int line)
{
	if (fabs(got - want) <= eps)
		return;
	print_error("%s = %.6f, expected %.6f (+/- %g)\n", expr, got, want,
	    eps);
	_fail(file, line);
}

static void
test_type_parse_any_case_exact_length(void **state)
{
	enum survey_type t = SURVEY_NPS;

	(void)state;
	assert_int_equal(nps_type_parse("CSAT", 4, &t), 0);
	assert_int_equal(t, SURVEY_CSAT);
	assert_int_equal(nps_type_parse("Ces", 3, &t), 0);
	assert_int_equal(t, SURVEY_CES);
	assert_int_equal(nps_type_parse("nps", 3, &t), 0);
	assert_int_equal(t, SURVEY_NPS);
	/* Only len bytes count: "csatx" cut at 4 is "csat". */
	assert_int_equal(nps_type_parse("csatx", 4, &t), 0);
	assert_int_equal(t, SURVEY_CSAT);
	assert_int_equal(nps_type_parse("cs", 2, &t), -1);
	assert_int_equal(nps_type_parse("nps\0", 4, &t), -1);
	assert_int_equal(nps_type_parse("", 0, &t), -1);
	assert_int_equal(nps_type_parse("star", 4, &t), -1);
	assert_string_equal(nps_type_name(SURVEY_NPS), "nps");
	assert_string_equal(nps_type_name(SURVEY_CSAT), "csat");
	assert_string_equal(nps_type_name(SURVEY_CES), "ces");
	assert_string_equal(nps_type_name((enum survey_type)7), "unknown");
}

static void
test_score_ranges_per_type(void **state)
{
	(void)state;
	assert_int_equal(nps_score_min(SURVEY_NPS), 0);
	assert_int_equal(nps_score_max(SURVEY_NPS), 10);
	assert_int_equal(nps_score_min(SURVEY_CSAT), 1);
	assert_int_equal(nps_score_max(SURVEY_CSAT), 5);
	assert_int_equal(nps_score_min(SURVEY_CES), 1);
	assert_int_equal(nps_score_max(SURVEY_CES), 7);
}

static void
test_category_boundaries_nps(void **state)
{
	int s;

	(void)state;
	for (s = 0; s <= 6; s++)
		assert_int_equal(nps_category(SURVEY_NPS, s), NPS_DETRACTOR);
	assert_int_equal(nps_category(SURVEY_NPS, 7), NPS_PASSIVE);
	assert_int_equal(nps_category(SURVEY_NPS, 8), NPS_PASSIVE);
	assert_int_equal(nps_category(SURVEY_NPS, 9), NPS_PROMOTER);
	assert_int_equal(nps_category(SURVEY_NPS, 10), NPS_PROMOTER);
	assert_int_equal(nps_category(SURVEY_NPS, -1), NPS_NONE);
	assert_int_equal(nps_category(SURVEY_NPS, 11), NPS_NONE);
}

static void
test_category_boundaries_csat_and_ces(void **state)
{
	(void)state;
	assert_int_equal(nps_category(SURVEY_CSAT, 0), NPS_NONE);
	assert_int_equal(nps_category(SURVEY_CSAT, 1), NPS_DETRACTOR);
	assert_int_equal(nps_category(SURVEY_CSAT, 2), NPS_DETRACTOR);
	assert_int_equal(nps_category(SURVEY_CSAT, 3), NPS_PASSIVE);
	assert_int_equal(nps_category(SURVEY_CSAT, 4), NPS_PROMOTER);
	assert_int_equal(nps_category(SURVEY_CSAT, 5), NPS_PROMOTER);
	assert_int_equal(nps_category(SURVEY_CSAT, 6), NPS_NONE);

	assert_int_equal(nps_category(SURVEY_CES, 0), NPS_NONE);
	assert_int_equal(nps_category(SURVEY_CES, 1), NPS_DETRACTOR);
	assert_int_equal(nps_category(SURVEY_CES, 3), NPS_DETRACTOR);
	assert_int_equal(nps_category(SURVEY_CES, 4), NPS_PASSIVE);
	assert_int_equal(nps_category(SURVEY_CES, 5), NPS_PROMOTER);
	assert_int_equal(nps_category(SURVEY_CES, 7), NPS_PROMOTER);
	assert_int_equal(nps_category(SURVEY_CES, 8), NPS_NONE);
}

static void
test_category_names_round_trip(void **state)
{
	enum nps_category c = NPS_NONE;

	(void)state;
	assert_string_equal(nps_category_name(NPS_DETRACTOR), "detractor");
	assert_string_equal(nps_category_name(NPS_PASSIVE), "passive");
	assert_string_equal(nps_category_name(NPS_PROMOTER), "promoter");
	assert_string_equal(nps_category_name(NPS_NONE), "none");
	assert_int_equal(nps_category_parse("Promoter", &c), 0);
	assert_int_equal(c, NPS_PROMOTER);
	assert_int_equal(nps_category_parse("passive", &c), 0);
	assert_int_equal(c, NPS_PASSIVE);
	assert_int_equal(nps_category_parse("DETRACTOR", &c), 0);
	assert_int_equal(c, NPS_DETRACTOR);
	assert_int_equal(nps_category_parse("none", &c), -1);
	assert_int_equal(nps_category_parse("promoters", &c), -1);
}

static void
add_n(struct nps_stats *st, enum survey_type t, int score, int n)
{
	while (n-- > 0)
		assert_int_equal(nps_stats_add(st, t, score), 0);
}

/*
 * 50 promoters, 30 passives, 20 detractors out of 100:
 * NPS = 50 % - 20 % = 30.
 * p = 0.5, d = 0.2, var = p + d - (p - d)^2 = 0.7 - 0.09 = 0.61,
 * margin = 1.96 * sqrt(0.61 / 100) * 100 = 1.96 * 0.0781025 * 100 = 15.3081.
 */
static void
test_nps_50_30_20_gives_30_with_margin_15_31(void **state)
{
	struct nps_stats st;
	struct nps_result r;

	(void)state;
	nps_stats_init(&st);
	add_n(&st, SURVEY_NPS, 10, 25);
	add_n(&st, SURVEY_NPS, 9, 25);
	add_n(&st, SURVEY_NPS, 8, 15);
	add_n(&st, SURVEY_NPS, 7, 15);
	add_n(&st, SURVEY_NPS, 0, 10);
	add_n(&st, SURVEY_NPS, 6, 10);
	nps_stats_compute(&st, SURVEY_NPS, &r);
	assert_int_equal(r.n, 100);
	assert_int_equal(r.promoters, 50);
	assert_int_equal(r.passives, 30);
	assert_int_equal(r.detractors, 20);
	assert_near(r.pct_promoters, 50.0, 1e-9);
	assert_near(r.pct_passives, 30.0, 1e-9);
	assert_near(r.pct_detractors, 20.0, 1e-9);
	assert_near(r.score, 30.0, 1e-9);
	assert_near(r.margin, 15.3081, 1e-4);
}

/*
 * 50 promoters, 50 detractors: NPS 0; var = 1 - 0 = 1,
 * margin = 1.96 * sqrt(1 / 100) * 100 = 19.6 (the widest possible).
 * All 100 promoters: NPS 100, var = 1 - 1 = 0, margin 0.
 */
static void
test_nps_margin_extremes(void **state)
{
	struct nps_stats st;
	struct nps_result r;

	(void)state;
	nps_stats_init(&st);
	add_n(&st, SURVEY_NPS, 10, 50);
	add_n(&st, SURVEY_NPS, 3, 50);
	nps_stats_compute(&st, SURVEY_NPS, &r);
	assert_near(r.score, 0.0, 1e-9);
	assert_near(r.margin, 19.6, 1e-9);

	nps_stats_init(&st);
	add_n(&st, SURVEY_NPS, 9, 100);
	nps_stats_compute(&st, SURVEY_NPS, &r);
	assert_near(r.score, 100.0, 1e-9);
	assert_near(r.margin, 0.0, 1e-9);

	/* 100 detractors: -100, the bottom of the range. */
	nps_stats_init(&st);
	add_n(&st, SURVEY_NPS, 0, 100);
	nps_stats_compute(&st, SURVEY_NPS, &r);
	assert_near(r.score, -100.0, 1e-9);
	assert_near(r.margin, 0.0, 1e-9);
}

/*
 * CSAT scores 5 5 4 3 2 1 4 4 5 1 (n = 10): six 4-5, one 3, three 1-2.
 * CSAT = 6 / 10 = 60 %; margin = 1.96 * sqrt(0.6 * 0.4 / 10) * 100
 * = 1.96 * 0.1549193 * 100 = 30.3642.
 */
static void
test_csat_share_of_4_5_with_margin(void **state)
{
	static const int scores[] = { 5, 5, 4, 3, 2, 1, 4, 4, 5, 1 };
	struct nps_stats st;
	struct nps_result r;
	size_t i;

	(void)state;
	nps_stats_init(&st);
	for (i = 0; i < sizeof(scores) / sizeof(scores[0]); i++)
		assert_int_equal(nps_stats_add(&st, SURVEY_CSAT, scores[i]), 0);
	nps_stats_compute(&st, SURVEY_CSAT, &r);
	assert_int_equal(r.n, 10);
	assert_int_equal(r.promoters, 6);
	assert_int_equal(r.passives, 1);
	assert_int_equal(r.detractors, 3);
	assert_near(r.score, 60.0, 1e-9);
	assert_near(r.margin, 30.3642, 1e-4);
}

/*
 * CES scores 7 5 6 4 3 (n = 5): mean 25 / 5 = 5.0. Deviations 2 0 1 -1 -2,
 * squares sum to 10, sample variance 10 / 4 = 2.5, s = 1.5811388;
 * margin = 1.96 * 1.5811388 / sqrt(5) = 1.96 * 0.7071068 = 1.3859.
 */
static void
test_ces_mean_with_mean_margin(void **state)
{
	static const int scores[] = { 7, 5, 6, 4, 3 };
	struct nps_stats st;
	struct nps_result r;
	size_t i;

	(void)state;
	nps_stats_init(&st);
	for (i = 0; i < sizeof(scores) / sizeof(scores[0]); i++)
		assert_int_equal(nps_stats_add(&st, SURVEY_CES, scores[i]), 0);
	nps_stats_compute(&st, SURVEY_CES, &r);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.promoters, 3);	/* 7 5 6 */
	assert_int_equal(r.passives, 1);	/* 4 */
	assert_int_equal(r.detractors, 1);	/* 3 */
	assert_near(r.score, 5.0, 1e-9);
	assert_near(r.margin, 1.3859, 1e-4);
}

static void
test_empty_sample_gives_all_zero(void **state)
{
	struct nps_stats st;
	struct nps_result r;
	int t;

	(void)state;
	for (t = 0; t < SURVEY_TYPE_COUNT; t++) {
		nps_stats_init(&st);
		memset(&r, 0x55, sizeof(r));
		nps_stats_compute(&st, (enum survey_type)t, &r);
		assert_int_equal(r.n, 0);
		assert_int_equal(r.promoters + r.passives + r.detractors, 0);
		assert_true(r.score == 0.0);
		assert_true(r.margin == 0.0);
		assert_true(r.pct_promoters == 0.0);
		assert_true(r.pct_passives == 0.0);
		assert_true(r.pct_detractors == 0.0);
	}
}

/* One answer has no spread: the margin is 0 (and not NaN for CES). */
static void
test_single_answer_has_zero_margin(void **state)
{
	struct nps_stats st;
	struct nps_result r;

	(void)state;
	nps_stats_init(&st);
	add_n(&st, SURVEY_CES, 6, 1);
	nps_stats_compute(&st, SURVEY_CES, &r);
	assert_near(r.score, 6.0, 1e-9);
	assert_true(r.margin == 0.0);

	nps_stats_init(&st);
	add_n(&st, SURVEY_NPS, 4, 1);
	nps_stats_compute(&st, SURVEY_NPS, &r);
	assert_near(r.score, -100.0, 1e-9);
	assert_true(r.margin == 0.0);
}

static void
test_add_refuses_out_of_range_scores(void **state)
{
	struct nps_stats st;

	(void)state;
	nps_stats_init(&st);
	assert_int_equal(nps_stats_add(&st, SURVEY_NPS, 11), -1);
	assert_int_equal(nps_stats_add(&st, SURVEY_NPS, -1), -1);
	assert_int_equal(nps_stats_add(&st, SURVEY_CSAT, 0), -1);
	assert_int_equal(nps_stats_add(&st, SURVEY_CSAT, 6), -1);
	assert_int_equal(nps_stats_add(&st, SURVEY_CES, 8), -1);
	assert_int_equal(st.n, 0);
	assert_true(st.sum == 0.0);
	assert_int_equal(nps_stats_add(&st, SURVEY_CES, 7), 0);
	assert_int_equal(st.n, 1);
	assert_true(st.sum == 7.0);
	assert_true(st.sumsq == 49.0);
}

/* Grouped counts from SQL give the same figures as single scores:
 * CES 7 5 6 4 3 again, as det 1, pas 1, pro 3, sum 25, sumsq 135. */
static void
test_add_counts_matches_single_adds(void **state)
{
	struct nps_stats st;
	struct nps_result r;

	(void)state;
	nps_stats_init(&st);
	nps_stats_add_counts(&st, 1, 1, 3, 25.0, 135.0);
	nps_stats_compute(&st, SURVEY_CES, &r);
	assert_int_equal(r.n, 5);
	assert_near(r.score, 5.0, 1e-9);
	assert_near(r.margin, 1.3859, 1e-4);

	nps_stats_init(&st);
	nps_stats_add_counts(&st, 20, 30, 50, 0.0, 0.0);
	nps_stats_compute(&st, SURVEY_NPS, &r);
	assert_near(r.score, 30.0, 1e-9);
	assert_near(r.margin, 15.3081, 1e-4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_parse_any_case_exact_length),
		cmocka_unit_test(test_score_ranges_per_type),
		cmocka_unit_test(test_category_boundaries_nps),
		cmocka_unit_test(test_category_boundaries_csat_and_ces),
		cmocka_unit_test(test_category_names_round_trip),
		cmocka_unit_test(test_nps_50_30_20_gives_30_with_margin_15_31),
		cmocka_unit_test(test_nps_margin_extremes),
		cmocka_unit_test(test_csat_share_of_4_5_with_margin),
		cmocka_unit_test(test_ces_mean_with_mean_margin),
		cmocka_unit_test(test_empty_sample_gives_all_zero),
		cmocka_unit_test(test_single_answer_has_zero_margin),
		cmocka_unit_test(test_add_refuses_out_of_range_scores),
		cmocka_unit_test(test_add_counts_matches_single_adds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
