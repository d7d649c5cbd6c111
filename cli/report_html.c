/*
 * report_html.c - `npsgate report --format html`: one self-contained
 * page with the trend of the score, the categories per group as bars and
 * the table of figures; see report_format.h.
 *
 * The charts are inline SVG and the style is inline, under a
 * Content-Security-Policy that allows nothing else: the page can be
 * mailed or opened from disk and loads nothing. Every name from the store
 * is HTML-escaped.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "report/report.h"
#include "report_format.h"
#include "survey/nps.h"

static void
html_text(struct buf *out, const char *s)
{
	buf_append_html(out, s, strlen(s));
}

/* The score axis of a type: lowest and highest value. */
static void
report_axis(enum survey_type type, double *lo, double *hi)
{
	switch (type) {
	case SURVEY_CSAT:
		*lo = 0.0;
		*hi = 100.0;
		break;
	case SURVEY_CES:
		*lo = 1.0;
		*hi = 7.0;
		break;
	case SURVEY_NPS:
	default:
		*lo = -100.0;
		*hi = 100.0;
		break;
	}
}

/*
 * The trend: one point per period with responses, joined by a line, the
 * 95 % margin as a vertical bar, hollow when the period has too few
 * responses; grid lines at the axis ticks.
 */
static void
report_html_trend(struct buf *out, const struct report *t)
{
	const double W = 960, H = 300, L = 50, R = 20, T = 20, B = 60;
	double lo, hi, x, y, y1, y2, step, tick;
	size_t i, k, points = 0;
	int dec = report_format_score_decimals(t->type);
	char num[32];

	report_axis(t->type, &lo, &hi);
	buf_printf(out, "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
	    " role=\"img\" aria-label=\"%s trend by %s\">\n", W, H, W, H,
	    report_format_score_label(t->type), report_by_name(t->by));
	tick = (hi - lo) / 4.0;
	for (k = 0; k <= 4; k++) {
		y = T + (H - T - B) * (1.0 - (double)k / 4.0);
		snprintf(num, sizeof(num), lo + tick * (double)k == 0.0 ?
		    "%.0f" : "%+.0f", lo + tick * (double)k);
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
		    " y2=\"%.1f\" class=\"grid%s\"/>\n<text x=\"%.1f\""
		    " y=\"%.1f\" class=\"axis\" text-anchor=\"end\">%s"
		    "</text>\n",
		    L, y, W - R, y, lo + tick * (double)k == 0.0 ? " zero" :
		    "", L - 6, y + 4, t->type == SURVEY_NPS ? num :
		    num + (num[0] == '+'));
	}
	if (t->n == 0) {
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\">"
		    "no surveys in this period</text>\n", L + 10, T + 30);
		buf_puts(out, "</svg>\n");
		return;
	}
	step = t->n > 1 ? (W - L - R - 20) / (double)(t->n - 1) : 0.0;
	buf_puts(out, "<polyline class=\"line\" points=\"");
	for (i = 0; i < t->n; i++) {
		if (t->groups[i].res.n == 0)
			continue;
		x = L + 10 + step * (double)i;
		y = T + (H - T - B) * (hi - t->groups[i].res.score) /
		    (hi - lo);
		buf_printf(out, "%s%.1f,%.1f", points++ ? " " : "", x, y);
	}
	buf_puts(out, "\"/>\n");
	for (i = 0; i < t->n; i++) {
		const struct report_group *g = &t->groups[i];

		x = L + 10 + step * (double)i;
		/* Label every period when they fit, else about 12. */
		if (t->n <= 16 || i % ((t->n + 11) / 12) == 0) {
			buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\""
			    " class=\"axis\" text-anchor=\"end\""
			    " transform=\"rotate(-40 %.1f %.1f)\">", x,
			    H - B + 16, x, H - B + 16);
			html_text(out, g->name);
			buf_puts(out, "</text>\n");
		}
		if (g->res.n == 0)
			continue;
		y = T + (H - T - B) * (hi - g->res.score) / (hi - lo);
		y1 = T + (H - T - B) * (hi - fmin(hi, g->res.score +
		    g->res.margin)) / (hi - lo);
		y2 = T + (H - T - B) * (hi - fmax(lo, g->res.score -
		    g->res.margin)) / (hi - lo);
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
		    " y2=\"%.1f\" class=\"moe\"/>\n", x, y1, x, y2);
		buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\""
		    " class=\"%s\"><title>", x, y, g->too_few ? "few" :
		    "pt");
		html_text(out, g->name);
		buf_printf(out, ": %.*f +/- %.*f, %ld responses</title>"
		    "</circle>\n", dec, g->res.score, dec, g->res.margin,
		    g->res.n);
	}
	buf_puts(out, "</svg>\n");
}

/* One horizontal bar per group: detractors, passives, promoters in %. */
static void
report_html_bars(struct buf *out, const struct report *r)
{
	const double W = 960, L = 200, BAR = 640, ROW = 26;
	const struct report_group *g;
	size_t i, n = r->n > 0 ? r->n : 1;
	double x, w, y;
	int dec = report_format_score_decimals(r->type);

	buf_printf(out, "<svg class=\"bars\" xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
	    " role=\"img\" aria-label=\"categories per group\">\n", W,
	    ROW * (double)n + 30, W, ROW * (double)n + 30);
	for (i = 0; i < n; i++) {
		g = r->n > 0 ? &r->groups[i] : &r->total;
		y = 4 + ROW * (double)i;
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"label\""
		    " text-anchor=\"end\">", L - 8, y + 15);
		html_text(out, g->name);
		buf_puts(out, "</text>\n");
		x = L;
		w = BAR * g->res.pct_detractors / 100.0;
		buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		    " height=\"20\" class=\"det\"><title>detractors %.1f%%"
		    "</title></rect>\n", x, y, w, g->res.pct_detractors);
		x += w;
		w = BAR * g->res.pct_passives / 100.0;
		buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		    " height=\"20\" class=\"pas\"><title>passives %.1f%%"
		    "</title></rect>\n", x, y, w, g->res.pct_passives);
		x += w;
		w = BAR * g->res.pct_promoters / 100.0;
		buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		    " height=\"20\" class=\"pro\"><title>promoters %.1f%%"
		    "</title></rect>\n", x, y, w, g->res.pct_promoters);
		if (g->res.n == 0)
			buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\""
			    " width=\"%.1f\" height=\"20\" class=\"none\"/>\n",
			    L, y, BAR);
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"label\">"
		    "%s %.*f (n=%ld)%s</text>\n", L + BAR + 8, y + 15,
		    report_format_score_label(r->type), dec, g->res.score,
		    g->res.n, g->too_few ? " (too few)" : "");
	}
	y = 4 + ROW * (double)n + 12;
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\""
	    " height=\"12\" class=\"det\"/><text x=\"%.1f\" y=\"%.1f\""
	    " class=\"label\">detractors</text>\n", L, y - 10, L + 16, y);
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\""
	    " height=\"12\" class=\"pas\"/><text x=\"%.1f\" y=\"%.1f\""
	    " class=\"label\">passives</text>\n", L + 110, y - 10, L + 126, y);
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\""
	    " height=\"12\" class=\"pro\"/><text x=\"%.1f\" y=\"%.1f\""
	    " class=\"label\">promoters</text>\n", L + 210, y - 10, L + 226, y);
	buf_puts(out, "</svg>\n");
}

static void
report_html_row(struct buf *out, const struct report *r,
    const struct report_group *g, bool total)
{
	int dec = report_format_score_decimals(r->type);

	buf_puts(out, total ? "<tr class=\"total\"><th>" : "<tr><th>");
	html_text(out, g->name);
	buf_printf(out, "</th><td>%ld</td><td>%ld</td><td>%.1f%%</td>"
	    "<td>%ld</td><td>%ld</td><td>%ld</td><td>%.1f</td><td>%.1f</td>"
	    "<td>%.1f</td><td>%s%.*f</td><td>%.*f</td><td>%ld</td>"
	    "<td>%.1f%%</td><td>%s</td></tr>\n", g->surveys, g->res.n,
	    g->response_rate, g->res.detractors, g->res.passives,
	    g->res.promoters, g->res.pct_detractors, g->res.pct_passives,
	    g->res.pct_promoters, r->type == SURVEY_NPS &&
	    g->res.score > 0 ? "+" : "", dec, g->res.score, dec,
	    g->res.margin, g->optouts, g->optout_rate, g->too_few ?
	    "too few" : "");
}

const char report_html_css[] =
	"body{font-family:sans-serif;margin:24px;color:#222;background:#fff}"
	"h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
	"table{border-collapse:collapse;font-size:13px}"
	"th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}"
	"th:first-child{text-align:left}tr.total{font-weight:bold}"
	"thead th{background:#f2f2f2}"
	".grid{stroke:#ddd;stroke-width:1}.grid.zero{stroke:#888}"
	".axis,.label{font-size:12px;fill:#444}"
	".line{fill:none;stroke:#1f5fa8;stroke-width:2.5}"
	".moe{stroke:#1f5fa8;stroke-width:1;opacity:.5}"
	".pt{fill:#1f5fa8}.few{fill:#fff;stroke:#1f5fa8;stroke-width:2}"
	".det{fill:#d7191c}.pas{fill:#bdbdbd}.pro{fill:#1a9641}"
	".none{fill:none;stroke:#bbb;stroke-dasharray:4 3}"
	".note{color:#666;font-size:12px}";

void
report_format_html(struct buf *out, const struct report *r,
    const struct report *trend)
{
	const char *label = report_format_score_label(r->type);
	int dec = report_format_score_decimals(r->type);
	struct buf range = BUF_INIT;
	size_t i;

	report_format_range(&range, r);
	buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta http-equiv=\""
	    "Content-Security-Policy\" content=\"default-src 'none';"
	    " style-src 'unsafe-inline'; img-src data:\">\n<title>%s report"
	    "</title>\n<style>%s</style></head><body>\n<h1>%s report</h1>\n"
	    "<p class=\"note\">", label, report_html_css, label);
	html_text(out, buf_cstr(&range));
	buf_printf(out, "; %ld surveys, %ld responses, %s %s%.*f &plusmn; "
	    "%.*f</p>\n", r->total.surveys, r->total.res.n, label,
	    r->type == SURVEY_NPS && r->total.res.score > 0 ? "+" : "", dec,
	    r->total.res.score, dec, r->total.res.margin);
	buf_printf(out, "<h2>Trend by %s</h2>\n", report_by_name(trend->by));
	report_html_trend(out, trend);
	buf_printf(out, "<h2>Categories %s%s</h2>\n", r->n > 0 ? "by " : "",
	    r->n > 0 ? report_by_name(r->by) : "in total");
	report_html_bars(out, r);
	buf_printf(out, "<h2>Figures</h2>\n<table><thead><tr><th>%s</th>"
	    "<th>sent</th><th>responses</th><th>rate</th><th>detractors"
	    "</th><th>passives</th><th>promoters</th><th>det %%</th>"
	    "<th>pas %%</th><th>pro %%</th><th>%s</th><th>&plusmn; 95 %%"
	    "</th><th>opt-outs</th><th>opt-out rate</th><th></th></tr>"
	    "</thead><tbody>\n", r->n > 0 ? report_by_name(r->by) : "",
	    label);
	for (i = 0; i < r->n; i++)
		report_html_row(out, r, &r->groups[i], false);
	report_html_row(out, r, &r->total, true);
	buf_printf(out, "</tbody></table>\n<p class=\"note\">Unsubscribes:"
	    " %ld. &ldquo;too few&rdquo;: fewer than %d responses. Hollow"
	    " points on the trend: periods with too few responses; vertical"
	    " bars: 95 %% margin of error.</p>\n</body></html>\n",
	    r->total.unsubscribes, r->min_responses);
	buf_free(&range);
}
