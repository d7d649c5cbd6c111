/*
 * report_json.c - `npsgate report` as one JSON object: the options, the
 * groups and the total, on one line; see report_format.h.
 *
 * Dates are "YYYY-MM-DD" (until: the last day counted); an open end of
 * the range is null.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/json.h"
#include "report/report.h"
#include "report_format.h"
#include "survey/nps.h"

static void
report_json_group(struct buf *out, const struct report *r,
    const struct report_group *g, bool total)
{
	int dec = report_format_score_decimals(r->type), n = 0;
	char day[16];

	buf_putc(out, '{');
	if (!total) {
		json_member_str(out, &n, "group", g->name);
		if (report_by_is_time(r->by)) {
			report_date_format(g->start, day, sizeof(day));
			json_member_str(out, &n, "start", day);
		}
	}
	json_member_int(out, &n, "surveys", g->surveys);
	json_member_int(out, &n, "responses", g->res.n);
	json_member_double(out, &n, "response_rate", g->response_rate, 1);
	json_member_int(out, &n, "detractors", g->res.detractors);
	json_member_int(out, &n, "passives", g->res.passives);
	json_member_int(out, &n, "promoters", g->res.promoters);
	json_member_double(out, &n, "pct_detractors", g->res.pct_detractors,
	    1);
	json_member_double(out, &n, "pct_passives", g->res.pct_passives, 1);
	json_member_double(out, &n, "pct_promoters", g->res.pct_promoters, 1);
	json_member_double(out, &n, "score", g->res.score, dec);
	json_member_double(out, &n, "margin", g->res.margin, dec);
	json_member_int(out, &n, "optouts", g->optouts);
	json_member_double(out, &n, "optout_rate", g->optout_rate, 1);
	json_member_int(out, &n, "unsubscribes", g->unsubscribes);
	json_member_bool(out, &n, "too_few", g->too_few);
	buf_putc(out, '}');
}

void
report_format_json(struct buf *out, const struct report *r)
{
	size_t i;
	int n = 0;

	buf_putc(out, '{');
	json_member_str(out, &n, "type", nps_type_name(r->type));
	json_member_str(out, &n, "by", report_by_name(r->by));
	report_format_json_period(out, &n, r->since, r->until);
	json_member_int(out, &n, "min_responses", r->min_responses);
	json_member_key(out, &n, "groups");
	buf_putc(out, '[');
	for (i = 0; i < r->n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		report_json_group(out, r, &r->groups[i], false);
	}
	buf_putc(out, ']');
	json_member_key(out, &n, "total");
	report_json_group(out, r, &r->total, true);
	buf_puts(out, "}\n");
}
