/*
 * report_format.h - the layouts of `npsgate report`: text, CSV, JSON and
 * one self-contained HTML page, each appended to a buffer.
 *
 * Every string from the store (agent names come from help desks) is
 * escaped for its format: HTML-escaped in html, quoted and
 * formula-escaped in csv, JSON-escaped in json, and its control
 * characters replaced in text, so that a name cannot drive a terminal.
 */
#ifndef NPSGATE_REPORT_FORMAT_H
#define NPSGATE_REPORT_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "report/report.h"
#include "survey/nps.h"

/* Aligned columns, a total line and the legend. */
void report_format_text(struct buf *out, const struct report *r);
/* A header row, one row per group and the total; bom: starts with a
 * UTF-8 byte order mark. */
void report_format_csv(struct buf *out, const struct report *r, bool bom);
/* One object, with the groups and the total, and a newline. */
void report_format_json(struct buf *out, const struct report *r);
/* One page: the trend of the score over trend's periods, the categories
 * per group of r as bars, and the table of figures. */
void report_format_html(struct buf *out, const struct report *r,
    const struct report *trend);

/* The style of the HTML pages (inline, under a strict CSP). */
extern const char report_html_css[];

/*
 * `npsgate report --by theme`: what customers talk about, drivers of
 * detraction first. label gives a theme's label (its name when it has
 * none); arg is passed to it.
 */
typedef const char *(*report_theme_label_fn)(const char *name, void *arg);
void report_themes_text(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg);
void report_themes_csv(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg, bool bom);
void report_themes_json(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg);
void report_themes_html(struct buf *out, const struct report_themes *r,
    report_theme_label_fn label, void *arg);

/* What the layouts share: the score's name ("NPS", "CSAT%", "CES"), its
 * decimals, and the period in words ("all surveys", "surveys sent
 * 2026-01-01 .. 2026-03-31"). */
const char *report_format_score_label(enum survey_type type);
int report_format_score_decimals(enum survey_type type);
void report_format_range(struct buf *out, const struct report *r);
/* A period in words: all when both ends are open, else "SOME since ..
 * until" (the until day included). */
void report_format_period(struct buf *out, int64_t since, int64_t until,
    const char *all, const char *some);
/* The JSON members "since" and "until" of a period (null when open). */
void report_format_json_period(struct buf *out, int *n, int64_t since,
    int64_t until);

#endif
