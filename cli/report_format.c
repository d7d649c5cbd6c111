/*
 * report_format.c - what the layouts of `npsgate report` share: the name
 * and decimals of a survey type's score, and the period of a report in
 * words; see report_format.h.
 */
#include <stdint.h>

#include "base/buf.h"
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

/* report_format_range - see report_format.h. */
void
report_format_range(struct buf *out, const struct report *r)
{
	char a[16], b[16];

	if (r->since == INT64_MIN && r->until == INT64_MAX) {
		buf_puts(out, "all surveys");
		return;
	}
	if (r->since != INT64_MIN)
		report_date_format(r->since, a, sizeof(a));
	if (r->until != INT64_MAX)
		report_date_format(r->until - 86400, b, sizeof(b));
	buf_printf(out, "surveys sent %s .. %s",
	    r->since != INT64_MIN ? a : "", r->until != INT64_MAX ? b : "");
}
