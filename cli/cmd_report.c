/*
 * cmd_report.c - npsgate report: NPS (CSAT, CES) per agent, team,
 * channel, reason, priority or period, as text, CSV, JSON or one
 * self-contained HTML page.
 *
 * npsgate report [-c FILE] [--since D] [--until D] [--by G] [--type T]
 *     [--format text|csv|json|html] [--bom]
 *	The figures come from lib/report/; this file only lays them out.
 *	Every string from the store (agent names come from help desks) is
 *	escaped for its format: HTML-escaped in html, quoted and
 *	formula-escaped in csv, JSON-escaped in json, and its control
 *	characters replaced in text, so that a name cannot drive a terminal.
 *	Exit status: 0 printed, 1 the store failed, 2 usage, 3 bad config.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli.h"
#include "conf/config.h"
#include "base/csv.h"
#include "base/json.h"
#include "survey/nps.h"
#include "base/npserr.h"
#include "report/report.h"
#include "store/store.h"
#include "base/xalloc.h"

#define NAME_COLS 20	/* widest group column in text */

enum report_format {
	FORMAT_TEXT = 0,
	FORMAT_CSV,
	FORMAT_JSON,
	FORMAT_HTML
};

static void
report_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate report [-c FILE] [--since YYYY-MM-DD]"
	    " [--until YYYY-MM-DD]\n"
	    "         [--by agent|team|channel|reason|priority|day|week|"
	    "month]\n"
	    "         [--type nps|csat|ces] [--format text|csv|json|html]"
	    " [--bom]\n"
	    "\n"
	    "Prints, per group and in total, the surveys sent, the responses\n"
	    "with a score, the response rate, detractors, passives and\n"
	    "promoters (counts and %%), the score (NPS, CSAT %% or CES mean)\n"
	    "with its 95 %% margin of error, the opt-outs and unsubscribes;\n"
	    "--by agent adds each agent's opt-out rate. Groups with fewer\n"
	    "responses than [report] min_responses are marked.\n"
	    "Surveys count by the UTC day they were sent (--since and\n"
	    "--until included); weeks are ISO weeks (YYYY-Www).\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -s, --since D      first day counted\n"
	    "  -u, --until D      last day counted\n"
	    "  -b, --by G         group by G (default: the total only)\n"
	    "  -t, --type T       survey type (default nps)\n"
	    "  -f, --format F     text (default), csv, json, or html (one\n"
	    "                     self-contained page with charts)\n"
	    "      --bom          csv: start with a UTF-8 byte order mark\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 printed, 1 store error, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}


/*
 * Appends s cleaned and cut or padded to cols display columns (counting
 * code points; wide characters are rare in agent names).
 */
static void
report_cell_name(struct buf *out, const char *s, size_t cols)
{
	struct buf clean = BUF_INIT;
	size_t i, n = 0, cut = 0;
	const char *p;

	cli_text_clean(&clean, s, false);
	p = buf_cstr(&clean);
	for (i = 0; i < clean.len; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			n++;
	if (n > cols) {
		/* Keep cols - 1 code points and mark the cut with '~'. */
		for (i = 0, n = 0; i < clean.len; i++) {
			if (((unsigned char)p[i] & 0xc0) != 0x80 &&
			    n++ == cols - 1)
				break;
		}
		cut = i;
		buf_append(out, p, cut);
		buf_putc(out, '~');
		n = cols;
	} else {
		buf_append(out, p, clean.len);
	}
	for (; n < cols; n++)
		buf_putc(out, ' ');
	buf_free(&clean);
}

static const char *
report_score_label(enum survey_type type)
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

static int
report_score_decimals(enum survey_type type)
{
	return type == SURVEY_CES ? 2 : 1;
}

/* The period in words: "sent 2026-01-01 .. 2026-03-31". */
static void
report_range_text(struct buf *out, const struct report *r)
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

#define TEXT_COLS 12	/* the figures after the group's name */

/* The figures of one row as text, into cell[0..TEXT_COLS). */
static void
report_text_cells(const struct report *r, const struct report_group *g,
    char cell[TEXT_COLS][24])
{
	int dec = report_score_decimals(r->type);

	snprintf(cell[0], 24, "%ld", g->surveys);
	snprintf(cell[1], 24, "%ld", g->res.n);
	snprintf(cell[2], 24, "%.1f%%", g->response_rate);
	snprintf(cell[3], 24, "%ld", g->res.detractors);
	snprintf(cell[4], 24, "%ld", g->res.passives);
	snprintf(cell[5], 24, "%ld", g->res.promoters);
	snprintf(cell[6], 24, "%.1f", g->res.pct_detractors);
	snprintf(cell[7], 24, "%.1f", g->res.pct_passives);
	snprintf(cell[8], 24, "%.1f", g->res.pct_promoters);
	if (g->res.n == 0) {
		snprintf(cell[9], 24, "-");
		snprintf(cell[10], 24, "-");
	} else {
		snprintf(cell[9], 24, r->type == SURVEY_NPS ? "%+.*f" : "%.*f",
		    dec, g->res.score);
		snprintf(cell[10], 24, "%.*f", dec, g->res.margin);
	}
	if (r->by == REPORT_BY_AGENT)
		snprintf(cell[11], 24, "%.1f%%", g->optout_rate);
	else
		snprintf(cell[11], 24, "%ld", g->optouts);
}

static void
report_text_row(struct buf *out, const char *name, size_t name_cols,
    char cell[TEXT_COLS][24], const size_t width[TEXT_COLS], bool too_few)
{
	size_t k;

	report_cell_name(out, name, name_cols);
	for (k = 0; k < TEXT_COLS; k++)
		buf_printf(out, " %*s", (int)width[k], cell[k]);
	buf_puts(out, too_few ? "  (too few)\n" : "\n");
}

/* The display width of a name: its code points, control characters
 * counting as the '?' they become. */
static size_t
report_name_cols(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Aligned columns, each as wide as its widest value, so that small
 * stores print narrow (80 columns) and millions still line up; names are
 * cut at NAME_COLS.
 */
static void
report_text(struct buf *out, const struct report *r)
{
	static const char *const head[TEXT_COLS] = {
		"sent", "resp", "rate", "det", "pas", "pro", "det%", "pas%",
		"pro%", NULL, "+/-", "optout"
	};
	char (*cells)[TEXT_COLS][24];
	char hcell[TEXT_COLS][24];
	size_t width[TEXT_COLS], name_cols, i, k, line;

	cells = xcalloc(r->n + 1, sizeof(*cells));
	for (i = 0; i < r->n; i++)
		report_text_cells(r, &r->groups[i], cells[i]);
	report_text_cells(r, &r->total, cells[r->n]);
	for (k = 0; k < TEXT_COLS; k++) {
		snprintf(hcell[k], 24, "%s", head[k] != NULL ? head[k] :
		    report_score_label(r->type));
		width[k] = strlen(hcell[k]);
		for (i = 0; i <= r->n; i++)
			if (strlen(cells[i][k]) > width[k])
				width[k] = strlen(cells[i][k]);
	}
	name_cols = 5;		/* "total" */
	if (r->by != REPORT_BY_NONE &&
	    strlen(report_by_name(r->by)) > name_cols)
		name_cols = strlen(report_by_name(r->by));
	for (i = 0; i < r->n; i++)
		if (report_name_cols(r->groups[i].name) > name_cols)
			name_cols = report_name_cols(r->groups[i].name);
	if (name_cols > NAME_COLS)
		name_cols = NAME_COLS;

	buf_printf(out, "%s report, ", nps_type_name(r->type));
	report_range_text(out, r);
	if (r->by != REPORT_BY_NONE)
		buf_printf(out, ", by %s", report_by_name(r->by));
	buf_puts(out, "\n\n");
	report_text_row(out, r->by != REPORT_BY_NONE ?
	    report_by_name(r->by) : "", name_cols, hcell, width, false);
	for (i = 0; i < r->n; i++)
		report_text_row(out, r->groups[i].name, name_cols, cells[i],
		    width, r->groups[i].too_few);
	if (r->n > 0) {
		line = name_cols;
		for (k = 0; k < TEXT_COLS; k++)
			line += width[k] + 1;
		for (i = 0; i < line; i++)
			buf_putc(out, '-');
		buf_putc(out, '\n');
	}
	report_text_row(out, "total", name_cols, cells[r->n], width,
	    r->total.too_few);
	free(cells);
	buf_printf(out, "\nunsubscribes: %ld\n", r->total.unsubscribes);
	buf_printf(out, "+/-: 95 %% margin of error; optout: %s\n",
	    r->by == REPORT_BY_AGENT ? "% of the agent's tickets opted out" :
	    "tickets opted out of the survey");
	buf_printf(out, "(too few): fewer than %d responses, too few to mean"
	    " much\n", r->min_responses);
}

static void
report_csv_row(struct csv *c, const struct report *r,
    const struct report_group *g, bool total)
{
	int dec = report_score_decimals(r->type);

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

static void
report_csv(struct buf *out, const struct report *r, bool bom)
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
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		csv_cell_cstr(&c, head[i]);
	csv_row_end(&c);
	for (i = 0; i < r->n; i++)
		report_csv_row(&c, r, &r->groups[i], false);
	report_csv_row(&c, r, &r->total, true);
}

static void
report_json_group(struct buf *out, const struct report *r,
    const struct report_group *g, bool total)
{
	int dec = report_score_decimals(r->type), n = 0;
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

static void
report_json(struct buf *out, const struct report *r)
{
	char day[16];
	size_t i;
	int n = 0;

	buf_putc(out, '{');
	json_member_str(out, &n, "type", nps_type_name(r->type));
	json_member_str(out, &n, "by", report_by_name(r->by));
	if (r->since != INT64_MIN) {
		report_date_format(r->since, day, sizeof(day));
		json_member_str(out, &n, "since", day);
	} else
		json_member_null(out, &n, "since");
	if (r->until != INT64_MAX) {
		report_date_format(r->until - 86400, day, sizeof(day));
		json_member_str(out, &n, "until", day);
	} else
		json_member_null(out, &n, "until");
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

/* --- html ----------------------------------------------------------- */

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
	int dec = report_score_decimals(t->type);
	char num[32];

	report_axis(t->type, &lo, &hi);
	buf_printf(out, "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
	    " role=\"img\" aria-label=\"%s trend by %s\">\n", W, H, W, H,
	    report_score_label(t->type), report_by_name(t->by));
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
	int dec = report_score_decimals(r->type);

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
		    report_score_label(r->type), dec, g->res.score, g->res.n,
		    g->too_few ? " (too few)" : "");
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
	int dec = report_score_decimals(r->type);

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

static const char report_css[] =
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

static void
report_html(struct buf *out, const struct report *r,
    const struct report *trend)
{
	struct buf range = BUF_INIT;
	size_t i;

	report_range_text(&range, r);
	buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta http-equiv=\""
	    "Content-Security-Policy\" content=\"default-src 'none';"
	    " style-src 'unsafe-inline'; img-src data:\">\n<title>%s report"
	    "</title>\n<style>%s</style></head><body>\n<h1>%s report</h1>\n"
	    "<p class=\"note\">", report_score_label(r->type), report_css,
	    report_score_label(r->type));
	html_text(out, buf_cstr(&range));
	buf_printf(out, "; %ld surveys, %ld responses, %s %s%.*f &plusmn; "
	    "%.*f</p>\n", r->total.surveys, r->total.res.n,
	    report_score_label(r->type), r->type == SURVEY_NPS &&
	    r->total.res.score > 0 ? "+" : "",
	    report_score_decimals(r->type), r->total.res.score,
	    report_score_decimals(r->type), r->total.res.margin);
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
	    report_score_label(r->type));
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

/* The trend's periods: weeks for up to half a year of data, else months. */
static int
report_trend(struct store *st, const struct report_opts *o,
    struct report *trend, struct npserr *err)
{
	struct report_opts t = *o;

	t.by = REPORT_BY_WEEK;
	if (report_run(st, &t, trend, err) == -1)
		return -1;
	if (trend->n <= 26)
		return 0;
	report_free(trend);
	t.by = REPORT_BY_MONTH;
	return report_run(st, &t, trend, err);
}

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "by", required_argument, NULL, 'b' },
		{ "type", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "bom", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = NULL;
	enum report_format format = FORMAT_TEXT;
	struct report_opts o;
	struct report rep, trend;
	struct config *cf;
	struct store *st;
	struct buf out = BUF_INIT;
	struct npserr err;
	bool bom = false;
	int c, ret;

	report_opts_init(&o, NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:u:b:t:f:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			if (cli_date_option("report", "--since", optarg, false,
			    &o.since) == -1)
				return EXIT_USAGE;
			break;
		case 'u':
			if (cli_date_option("report", "--until", optarg, true,
			    &o.until) == -1)
				return EXIT_USAGE;
			break;
		case 'b':
			if (report_by_parse(optarg, &o.by) == -1 ||
			    o.by == REPORT_BY_NONE) {
				fprintf(stderr, "npsgate report: --by '%s':"
				    " expected agent, team, channel, reason,"
				    " priority, day, week or month\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (nps_type_parse(optarg, strlen(optarg),
			    &o.type) == -1) {
				fprintf(stderr, "npsgate report: --type '%s':"
				    " expected nps, csat or ces\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				format = FORMAT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				format = FORMAT_CSV;
			else if (strcmp(optarg, "json") == 0)
				format = FORMAT_JSON;
			else if (strcmp(optarg, "html") == 0)
				format = FORMAT_HTML;
			else {
				fprintf(stderr, "npsgate report: --format"
				    " '%s': expected text, csv, json or html\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'B':
			bom = true;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate report: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (o.since != INT64_MIN && o.until != INT64_MAX && o.until <=
	    o.since) {
		fprintf(stderr, "npsgate report: --until is before --since\n");
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("report", config_path, &cf, &st)) != 0)
		return ret;
	o.cf = cf;
	o.min_responses = cf->min_responses;
	ret = 0;
	if (report_run(st, &o, &rep, &err) == -1) {
		fprintf(stderr, "npsgate report: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		switch (format) {
		case FORMAT_TEXT:
			report_text(&out, &rep);
			break;
		case FORMAT_CSV:
			report_csv(&out, &rep, bom);
			break;
		case FORMAT_JSON:
			report_json(&out, &rep);
			break;
		case FORMAT_HTML:
			if (report_trend(st, &o, &trend, &err) == -1) {
				fprintf(stderr, "npsgate report: %s\n",
				    err.msg);
				ret = EXIT_WORK;
				break;
			}
			report_html(&out, &rep, &trend);
			report_free(&trend);
			break;
		}
		report_free(&rep);
	}
	if (ret == 0 && (fwrite(buf_cstr(&out), 1, out.len, stdout) !=
	    out.len || fflush(stdout) != 0)) {
		fprintf(stderr, "npsgate report: cannot write the output\n");
		ret = EXIT_WORK;
	}
	buf_free(&out);
	store_close(st);
	config_free(cf);
	return ret;
}
