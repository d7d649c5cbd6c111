/*
 * report_themes.c - `npsgate report --by theme` in its four layouts:
 * what customers talk about, the drivers of detraction first; see
 * report_format.h.
 *
 * The columns: answers that mention the theme (and their share of the
 * answers with a comment), their score with its margin, the score of the
 * answers that do not mention it, and the share of detractors and of
 * promoters that mention it. A theme detractors name much more often
 * than promoters, whose answers score far below the rest, is a lever.
 * Comments are cleaned of control characters in text, escaped in the
 * other layouts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/utf8.h"
#include "cli.h"
#include "report/report.h"
#include "report_format.h"
#include "survey/nps.h"

#define SAMPLE_COLS 100	/* of a comment quoted in text */

/* The period of a theme report in words: answers, not surveys, count. */
static void
themes_range(struct buf *out, const struct report_themes *r)
{
	report_format_period(out, r->since, r->until, "all answers",
	    "answers received");
}

static void
themes_score(struct buf *out, const struct report_themes *r,
    const struct nps_result *res)
{
	int dec = report_format_score_decimals(r->type);

	if (res->n == 0)
		buf_puts(out, "-");
	else
		buf_printf(out, r->type == SURVEY_NPS ? "%+.*f" : "%.*f", dec,
		    res->score);
}

/* One comment on one line, cut at SAMPLE_COLS code points. */
static void
themes_sample_text(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	size_t i, n = 0;
	const char *p;

	cli_text_clean(&clean, s, false);
	p = buf_cstr(&clean);
	for (i = 0; i < clean.len; i++) {
		if (((unsigned char)p[i] & 0xc0) != 0x80 && n++ == SAMPLE_COLS)
			break;
	}
	buf_append(out, p, i);
	if (i < clean.len)
		buf_puts(out, "...");
	buf_free(&clean);
}

/* Spaces after s up to cols display columns (code points). */
static void
themes_pad(struct buf *out, const char *s, size_t cols)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	for (; n < cols; n++)
		buf_putc(out, ' ');
}

void
report_themes_text(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg)
{
	const char *score = report_format_score_label(r->type);
	int dec = report_format_score_decimals(r->type);
	struct buf cell = BUF_INIT;
	size_t i, k, w = 5;

	for (i = 0; i < r->n; i++)
		if (strlen(label(r->rows[i].name, arg)) > w)
			w = strlen(label(r->rows[i].name, arg));
	if (w > 40)
		w = 40;
	buf_printf(out, "%s by theme, ", nps_type_name(r->type));
	themes_range(out, r);
	buf_printf(out, "; %ld answers with a comment, %s ", r->all_res.n,
	    score);
	themes_score(out, r, &r->all_res);
	buf_puts(out, "\n\n");
	buf_printf(out, "%-*s %7s %6s %7s %6s %8s %6s %6s\n", (int)w,
	    "theme", "answers", "share", score, "+/-", "without", "det%",
	    "pro%");
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];
		struct buf name = BUF_INIT;

		cli_text_clean(&name, label(t->name, arg), false);
		buf_truncate(&name, utf8_floor(buf_cstr(&name), name.len,
		    name.len > w ? w : name.len));
		buf_append(out, buf_cstr(&name), name.len);
		themes_pad(out, buf_cstr(&name), w);
		buf_printf(out, " %7ld %5.1f%% ", t->with.n,
		    t->pct_of_answers);
		buf_reset(&cell);
		themes_score(&cell, r, &t->with_res);
		buf_printf(out, "%7s %6.*f ", buf_cstr(&cell), dec,
		    t->with_res.margin);
		buf_reset(&cell);
		themes_score(&cell, r, &t->without_res);
		buf_printf(out, "%8s %5.1f%% %5.1f%%\n", buf_cstr(&cell),
		    t->pct_of_detractors, t->pct_of_promoters);
		buf_free(&name);
	}
	if (r->n == 0)
		buf_puts(out, "(no answer with a theme)\n");
	buf_printf(out, "\nshare: of the answers with a comment; without: %s"
	    " of the other answers; det%%, pro%%: share of the detractors,"
	    " of the promoters, that name the theme. Drivers of detraction"
	    " first.\n", score);
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];

		if (t->nsamples == 0)
			continue;
		buf_puts(out, "\nWhat detractors say about ");
		cli_text_clean(&cell, label(t->name, arg), false);
		buf_printf(out, "%s:\n", buf_cstr(&cell));
		buf_reset(&cell);
		for (k = 0; k < t->nsamples; k++) {
			buf_puts(out, "  - ");
			themes_sample_text(out, t->samples[k]);
			buf_putc(out, '\n');
		}
	}
	buf_free(&cell);
}

void
report_themes_csv(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg, bool bom)
{
	static const char *const head[] = {
		"theme", "label", "answers", "pct_of_answers", "detractors",
		"passives", "promoters", "score", "margin", "score_without",
		"pct_of_detractors", "pct_of_promoters", "gap"
	};
	int dec = report_format_score_decimals(r->type);
	struct csv c = CSV_INIT(out);
	size_t i;

	if (bom)
		csv_bom(&c);
	csv_head(&c, head, sizeof(head) / sizeof(head[0]));
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];

		csv_cell_cstr(&c, t->name);
		csv_cell_cstr(&c, label(t->name, arg));
		csv_cell_int(&c, t->with.n);
		csv_cell_double(&c, t->pct_of_answers, 1);
		csv_cell_int(&c, t->with_res.detractors);
		csv_cell_int(&c, t->with_res.passives);
		csv_cell_int(&c, t->with_res.promoters);
		csv_cell_double(&c, t->with_res.score, dec);
		csv_cell_double(&c, t->with_res.margin, dec);
		csv_cell_double(&c, t->without_res.score, dec);
		csv_cell_double(&c, t->pct_of_detractors, 1);
		csv_cell_double(&c, t->pct_of_promoters, 1);
		csv_cell_double(&c, t->gap, dec);
		csv_row_end(&c);
	}
}

void
report_themes_json(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg)
{
	int dec = report_format_score_decimals(r->type), n = 0, m;
	size_t i, k;

	buf_putc(out, '{');
	json_member_str(out, &n, "type", nps_type_name(r->type));
	json_member_str(out, &n, "by", "theme");
	report_format_json_period(out, &n, r->since, r->until);
	json_member_int(out, &n, "answers_with_comment", r->all_res.n);
	json_member_double(out, &n, "score", r->all_res.score, dec);
	json_member_key(out, &n, "themes");
	buf_putc(out, '[');
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];

		buf_puts(out, i > 0 ? ",{" : "{");
		m = 0;
		json_member_str(out, &m, "theme", t->name);
		json_member_str(out, &m, "label", label(t->name, arg));
		json_member_int(out, &m, "answers", t->with.n);
		json_member_double(out, &m, "pct_of_answers",
		    t->pct_of_answers, 1);
		json_member_int(out, &m, "detractors", t->with_res.detractors);
		json_member_int(out, &m, "passives", t->with_res.passives);
		json_member_int(out, &m, "promoters", t->with_res.promoters);
		json_member_double(out, &m, "score", t->with_res.score, dec);
		json_member_double(out, &m, "margin", t->with_res.margin, dec);
		json_member_double(out, &m, "score_without",
		    t->without_res.score, dec);
		json_member_double(out, &m, "pct_of_detractors",
		    t->pct_of_detractors, 1);
		json_member_double(out, &m, "pct_of_promoters",
		    t->pct_of_promoters, 1);
		json_member_double(out, &m, "gap", t->gap, dec);
		json_member_key(out, &m, "samples");
		buf_putc(out, '[');
		for (k = 0; k < t->nsamples; k++) {
			if (k > 0)
				buf_putc(out, ',');
			json_append_cstr(out, t->samples[k]);
		}
		buf_puts(out, "]}");
	}
	buf_puts(out, "]}\n");
}

static void
html_text(struct buf *out, const char *s)
{
	buf_append_html(out, s, strlen(s));
}

/* Two bars per theme: the share of detractors that name it (red) and of
 * promoters (green), on one 0-100 % scale. */
static void
themes_html_chart(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg)
{
	const double W = 960, L = 300, R = 60, ROW = 34, T = 10;
	double H = T + ROW * (double)r->n + 40, x, scale = (W - L - R) / 100;
	size_t i;

	buf_printf(out, "<svg class=\"themes\" xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
	    " role=\"img\" aria-label=\"share of detractors and of promoters"
	    " naming each theme\">\n", W, H, W, H);
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];
		double y = T + ROW * (double)i;

		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"label\""
		    " text-anchor=\"end\">", L - 8, y + 17);
		html_text(out, label(t->name, arg));
		buf_puts(out, "</text>\n");
		x = t->pct_of_detractors * scale;
		buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		    " height=\"12\" class=\"det\"><title>%.1f %% of"
		    " detractors</title></rect><text x=\"%.1f\" y=\"%.1f\""
		    " class=\"axis\">%.0f %%</text>\n", L, y + 3, x,
		    t->pct_of_detractors, L + x + 4, y + 13,
		    t->pct_of_detractors);
		x = t->pct_of_promoters * scale;
		buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		    " height=\"12\" class=\"pro\"><title>%.1f %% of"
		    " promoters</title></rect><text x=\"%.1f\" y=\"%.1f\""
		    " class=\"axis\">%.0f %%</text>\n", L, y + 16, x,
		    t->pct_of_promoters, L + x + 4, y + 26,
		    t->pct_of_promoters);
	}
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\""
	    " height=\"12\" class=\"det\"/><text x=\"%.1f\" y=\"%.1f\""
	    " class=\"label\">detractors</text>\n", L, H - 24, L + 16, H - 14);
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\""
	    " height=\"12\" class=\"pro\"/><text x=\"%.1f\" y=\"%.1f\""
	    " class=\"label\">promoters</text>\n", L + 120, H - 24, L + 136,
	    H - 14);
	buf_puts(out, "</svg>\n");
}

void
report_themes_html(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg)
{
	const char *score = report_format_score_label(r->type);
	int dec = report_format_score_decimals(r->type);
	struct buf range = BUF_INIT, cell = BUF_INIT;
	size_t i, k;

	themes_range(&range, r);
	buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta http-equiv=\""
	    "Content-Security-Policy\" content=\"default-src 'none';"
	    " style-src 'unsafe-inline'; img-src data:\">\n<title>What"
	    " customers talk about</title>\n<style>%s"
	    "blockquote{margin:4px 0 4px 16px;color:#333}</style></head>"
	    "<body>\n<h1>What customers talk about</h1>\n<p class=\"note\">",
	    report_html_css);
	html_text(out, buf_cstr(&range));
	buf_printf(out, "; %ld answers with a comment, %s ", r->all_res.n,
	    score);
	themes_score(out, r, &r->all_res);
	buf_puts(out, "</p>\n<h2>What detractors talk about</h2>\n");
	if (r->n == 0)
		buf_puts(out, "<p>No answer with a theme.</p>\n");
	else
		themes_html_chart(out, r, label, arg);
	buf_printf(out, "<h2>Figures</h2>\n<table><thead><tr><th>theme</th>"
	    "<th>answers</th><th>share</th><th>%s</th><th>&plusmn; 95 %%"
	    "</th><th>%s without</th><th>det %%</th><th>pro %%</th></tr>"
	    "</thead><tbody>\n", score, score);
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];

		buf_puts(out, "<tr><th>");
		html_text(out, label(t->name, arg));
		buf_printf(out, "</th><td>%ld</td><td>%.1f %%</td><td>",
		    t->with.n, t->pct_of_answers);
		buf_reset(&cell);
		themes_score(&cell, r, &t->with_res);
		buf_printf(out, "%s</td><td>%.*f</td><td>", buf_cstr(&cell),
		    dec, t->with_res.margin);
		buf_reset(&cell);
		themes_score(&cell, r, &t->without_res);
		buf_printf(out, "%s</td><td>%.1f</td><td>%.1f</td></tr>\n",
		    buf_cstr(&cell), t->pct_of_detractors,
		    t->pct_of_promoters);
	}
	buf_puts(out, "</tbody></table>\n");
	for (i = 0; i < r->n; i++) {
		const struct report_theme *t = &r->rows[i];

		if (t->nsamples == 0)
			continue;
		buf_puts(out, "<h2>Detractors on ");
		html_text(out, label(t->name, arg));
		buf_puts(out, "</h2>\n");
		for (k = 0; k < t->nsamples; k++) {
			buf_puts(out, "<blockquote>");
			html_text(out, t->samples[k]);
			buf_puts(out, "</blockquote>\n");
		}
	}
	buf_puts(out, "<p class=\"note\">share: of the answers with a comment;"
	    " det %, pro %: share of the detractors, of the promoters, that"
	    " name the theme; themes that detractors name more than promoters"
	    " come first.</p>\n</body></html>\n");
	buf_free(&range);
	buf_free(&cell);
}
