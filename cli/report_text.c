/*
 * report_text.c - `npsgate report` as text for a terminal: aligned
 * columns, a total line and a legend; see report_format.h.
 *
 * Names are cleaned of control characters and cut to NAME_COLS display
 * columns, so that a name from a help desk can neither drive the terminal
 * nor push the figures out of line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "cli.h"
#include "report/report.h"
#include "report_format.h"
#include "survey/nps.h"

#define NAME_COLS 20	/* widest group column in text */

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
 * Appends s cleaned and cut or padded to cols display columns (counting
 * code points; wide characters are rare in agent names).
 */
static void
report_cell_name(struct buf *out, const char *s, size_t cols)
{
	struct buf clean = BUF_INIT;
	size_t i, n, cut = 0;
	const char *p;

	cli_text_clean(&clean, s, false);
	p = buf_cstr(&clean);
	n = report_name_cols(p);
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

#define TEXT_COLS 12	/* the figures after the group's name */

/* The figures of one row as text, into cell[0..TEXT_COLS). */
static void
report_text_cells(const struct report *r, const struct report_group *g,
    char cell[TEXT_COLS][24])
{
	int dec = report_format_score_decimals(r->type);

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

/*
 * Aligned columns, each as wide as its widest value, so that small
 * stores print narrow (80 columns) and millions still line up; names are
 * cut at NAME_COLS.
 */
void
report_format_text(struct buf *out, const struct report *r)
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
		    report_format_score_label(r->type));
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
	report_format_range(out, r);
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
