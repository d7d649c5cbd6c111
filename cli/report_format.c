/*
 * report_format.c - what the layouts of `npsgate report` share: the name
 * and decimals of a survey type's score, and the period of a report in
 * words; see report_format.h.
 */
#include <stdint.h>

#include "base/buf.h"
#include "base/json.h"
#include "report/report.h"
#include "report_format.h"
#include "survey/nps.h"

const char *
report_format_score_label(enum survey_type type)
{
	switch (type) {
	case SURVEY_CSAT:
		return "CSAT%";
	case SURVEY_CES:
		return "CES";
	case SURVEY_NPS:
	default:
		return "NPS";
	}
}

int
report_format_score_decimals(enum survey_type type)
{
	return type == SURVEY_CES ? 2 : 1;
}

/* report_format_period - see report_format.h. */
void
report_format_period(struct buf *out, int64_t since, int64_t until,
    const char *all, const char *some)
{
	char a[16], b[16];

	if (since == INT64_MIN && until == INT64_MAX) {
		buf_puts(out, all);
		return;
	}
	if (since != INT64_MIN)
		report_date_format(since, a, sizeof(a));
	if (until != INT64_MAX)
		report_date_format(until - 86400, b, sizeof(b));
	buf_printf(out, "%s %s .. %s", some, since != INT64_MIN ? a : "",
	    until != INT64_MAX ? b : "");
}

/* report_format_range - see report_format.h. */
void
report_format_range(struct buf *out, const struct report *r)
{
	report_format_period(out, r->since, r->until, "all surveys",
	    "surveys sent");
}

/* report_format_json_period - see report_format.h. */
void
report_format_json_period(struct buf *out, int *n, int64_t since,
    int64_t until)
{
	char day[16];

	if (since != INT64_MIN) {
		report_date_format(since, day, sizeof(day));
		json_member_str(out, n, "since", day);
	} else
		json_member_null(out, n, "since");
	if (until != INT64_MAX) {
		report_date_format(until - 86400, day, sizeof(day));
		json_member_str(out, n, "until", day);
	} else
		json_member_null(out, n, "until");
}
