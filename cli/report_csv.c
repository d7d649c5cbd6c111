/*
 * report_csv.c - `npsgate report` as CSV: one row per group and the
 * total, with a header row; see report_format.h.
 *
 * Cells go through base/csv, which quotes them and escapes those a
 * spreadsheet would take for a formula.
 */
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/csv.h"
#include "report/report.h"
#include "report_format.h"

static void
report_csv_row(struct csv *c, const struct report *r,
    const struct report_group *g, bool total)
{
	int dec = report_format_score_decimals(r->type);

	csv_cell_cstr(c, total ? "total" : report_by_name(r->by));
	csv_cell_cstr(c, total ? "" : g->name);
	csv_cell_int(c, g->surveys);
	csv_cell_int(c, g->res.n);
	csv_cell_double(c, g->response_rate, 1);
	csv_cell_int(c, g->res.detractors);
	csv_cell_int(c, g->res.passives);
	csv_cell_int(c, g->res.promoters);
	csv_cell_double(c, g->res.pct_detractors, 1);
	csv_cell_double(c, g->res.pct_passives, 1);
	csv_cell_double(c, g->res.pct_promoters, 1);
	csv_cell_double(c, g->res.score, dec);
	csv_cell_double(c, g->res.margin, dec);
	csv_cell_int(c, g->optouts);
	csv_cell_double(c, g->optout_rate, 1);
	csv_cell_int(c, g->unsubscribes);
	csv_cell_cstr(c, g->too_few ? "true" : "false");
	csv_row_end(c);
}

void
report_format_csv(struct buf *out, const struct report *r, bool bom)
{
	static const char *const head[] = {
		"by", "group", "surveys", "responses", "response_rate",
		"detractors", "passives", "promoters", "pct_detractors",
		"pct_passives", "pct_promoters", "score", "margin", "optouts",
		"optout_rate", "unsubscribes", "too_few"
	};
	struct csv c = CSV_INIT(out);
	size_t i;

	if (bom)
		csv_bom(&c);
	csv_head(&c, head, sizeof(head) / sizeof(head[0]));
	for (i = 0; i < r->n; i++)
		report_csv_row(&c, r, &r->groups[i], false);
	report_csv_row(&c, r, &r->total, true);
}
