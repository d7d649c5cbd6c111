/*
 * cmd_report.c - npsgate report: NPS (CSAT, CES) per agent, team,
 * channel, reason, priority or period, as text, CSV, JSON or one
 * self-contained HTML page.
 *
 * npsgate report [-c FILE] [--since D] [--until D] [--by G] [--type T]
 *     [--about agent|product|company] [--agent NAME]
 *     [--format text|csv|json|html] [--bom]
 *	The figures come from lib/report/, the layouts from report_format.h;
 *	this file reads the options, runs the report (and, for html, the
 *	trend) and lays it out whole before printing, so that an error
 *	prints none of it. --by theme is the themes report (report_themes.c):
 *	what the answers talk about, by the themes files.
 *	Exit status: 0 printed, 1 the store failed, 2 usage, 3 bad config.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "report/report.h"
#include "report_format.h"
#include "store/store.h"
#include "survey/nps.h"
#include "themes/themes.h"

enum report_format {
	FORMAT_TEXT = 0,
	FORMAT_CSV,
	FORMAT_JSON,
	FORMAT_HTML
};

/* What the command line asks for. */
struct report_args {
	const char *config_path;
	enum report_format format;
	bool bom;		/* csv: a byte order mark first */
	bool by_theme;		/* --by theme */
	const char *about;	/* --about: only answers on such themes */
	const char *agent;	/* --agent, with --by theme */
	struct report_opts o;
};

static void
report_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate report [-c FILE] [--since YYYY-MM-DD]"
	    " [--until YYYY-MM-DD]\n"
	    "         [--by agent|team|channel|reason|priority|day|week|"
	    "month|theme]\n"
	    "         [--type nps|csat|ces] [--about agent|product|company]"
	    " [--agent NAME]\n"
	    "         [--format text|csv|json|html] [--bom]\n"
	    "\n"
	    "Prints, per group and in total, the surveys sent, the responses\n"
	    "with a score, the response rate, detractors, passives and\n"
	    "promoters (counts and %%), the score (NPS, CSAT %% or CES mean)\n"
	    "with its 95 %% margin of error, the opt-outs and unsubscribes;\n"
	    "--by agent adds each agent's opt-out rate. Groups with fewer\n"
	    "responses than [report] min_responses are marked.\n"
	    "Surveys count by the UTC day they were sent (--since and\n"
	    "--until included); weeks are ISO weeks (YYYY-Www).\n"
	    "--by theme tells what the answers with a comment talk about\n"
	    "(the themes files), received in the period: per theme the\n"
	    "answers, their score, the score of the others, and the share\n"
	    "of detractors and of promoters naming it, drivers of\n"
	    "detraction first, with what detractors wrote.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -s, --since D      first day counted (YYYY-MM-DD, today,\n"
	    "                     yesterday or week: this week's Monday)\n"
	    "  -u, --until D      last day counted\n"
	    "  -b, --by G         group by G (default: the total only)\n"
	    "  -a, --about A      score only the answers naming a theme\n"
	    "                     about A (agent: an agent's score on what\n"
	    "                     is the agent's doing)\n"
	    "      --agent NAME   --by theme: the answers of one agent\n"
	    "  -t, --type T       survey type (default nps)\n"
	    "  -f, --format F     text (default), csv, json, or html (one\n"
	    "                     self-contained page with charts)\n"
	    "      --bom          csv: start with a UTF-8 byte order mark\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 printed, 1 store error, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}

/* The format named s; -1 if none. */
static int
report_parse_format(const char *s, enum report_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = FORMAT_TEXT;
	else if (strcmp(s, "csv") == 0)
		*out = FORMAT_CSV;
	else if (strcmp(s, "json") == 0)
		*out = FORMAT_JSON;
	else if (strcmp(s, "html") == 0)
		*out = FORMAT_HTML;
	else
		return -1;
	return 0;
}

/*
 * The options into a, checked; -1 to go on, else the exit status (0
 * after --help), with the message printed.
 */
static int
report_parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "by", required_argument, NULL, 'b' },
		{ "type", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "bom", no_argument, NULL, 'B' },
		{ "about", required_argument, NULL, 'a' },
		{ "agent", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	a->config_path = NULL;
	a->format = FORMAT_TEXT;
	a->bom = false;
	a->by_theme = false;
	a->about = NULL;
	a->agent = NULL;
	report_opts_init(&a->o, NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:u:b:t:f:a:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config_path = optarg;
			break;
		case 's':
			if (cli_date_option("report", "--since", optarg, false,
			    &a->o.since) == -1)
				return EXIT_USAGE;
			break;
		case 'u':
			if (cli_date_option("report", "--until", optarg, true,
			    &a->o.until) == -1)
				return EXIT_USAGE;
			break;
		case 'b':
			if (strcmp(optarg, "theme") == 0) {
				a->by_theme = true;
				break;
			}
			if (report_by_parse(optarg, &a->o.by) == -1 ||
			    a->o.by == REPORT_BY_NONE) {
				fprintf(stderr, "npsgate report: --by '%s':"
				    " expected agent, team, channel, reason,"
				    " priority, day, week, month or theme\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (nps_type_parse(optarg, strlen(optarg),
			    &a->o.type) == -1) {
				fprintf(stderr, "npsgate report: --type '%s':"
				    " expected nps, csat or ces\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (report_parse_format(optarg, &a->format) == -1) {
				fprintf(stderr, "npsgate report: --format"
				    " '%s': expected text, csv, json or html\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'B':
			a->bom = true;
			break;
		case 'a':
			if (strcmp(optarg, "agent") != 0 &&
			    strcmp(optarg, "product") != 0 &&
			    strcmp(optarg, "company") != 0) {
				fprintf(stderr, "npsgate report: --about '%s':"
				    " expected agent, product or company\n",
				    optarg);
				return EXIT_USAGE;
			}
			a->about = optarg;
			break;
		case 'A':
			a->agent = optarg;
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
	if (a->agent != NULL && !a->by_theme) {
		fprintf(stderr, "npsgate report: --agent goes with --by theme"
		    " (else: --by agent)\n");
		return EXIT_USAGE;
	}
	if (a->about != NULL && a->by_theme) {
		fprintf(stderr, "npsgate report: --about goes with the other"
		    " groupings, not --by theme\n");
		return EXIT_USAGE;
	}
	if (a->o.since != INT64_MIN && a->o.until != INT64_MAX &&
	    a->o.until <= a->o.since) {
		fprintf(stderr, "npsgate report: --until is before --since\n");
		return EXIT_USAGE;
	}
	return -1;
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

/* The report of a, laid out in its format into out; 0, or EXIT_WORK with
 * the message printed. */
static int
report_render(struct store *st, const struct report_args *a,
    struct buf *out)
{
	struct report rep, trend;
	struct npserr err;
	int ret = 0;

	if (report_run(st, &a->o, &rep, &err) == -1) {
		fprintf(stderr, "npsgate report: %s\n", err.msg);
		return EXIT_WORK;
	}
	switch (a->format) {
	case FORMAT_TEXT:
		report_format_text(out, &rep);
		break;
	case FORMAT_CSV:
		report_format_csv(out, &rep, a->bom);
		break;
	case FORMAT_JSON:
		report_format_json(out, &rep);
		break;
	case FORMAT_HTML:
		if (report_trend(st, &a->o, &trend, &err) == -1) {
			fprintf(stderr, "npsgate report: %s\n", err.msg);
			ret = EXIT_WORK;
			break;
		}
		report_format_html(out, &rep, &trend);
		report_free(&trend);
		break;
	}
	report_free(&rep);
	return ret;
}

struct theme_labels {
	const struct themes *t;
	const char *lang;
};

/* A theme's label in the default language; its name when unknown. */
static const char *
report_theme_label(const char *name, void *arg)
{
	const struct theme_labels *l = arg;
	int i = l->t != NULL ? themes_find(l->t, name) : -1;

	return i < 0 ? name : themes_label(l->t, l->lang, (size_t)i);
}

/* The themes report of a, laid out into out; 0, or EXIT_WORK. */
static int
report_render_themes(struct store *st, const struct report_args *a,
    const struct themes *t, const char *lang, struct buf *out)
{
	struct report_theme_opts o;
	struct report_themes r;
	struct theme_labels l = { t, lang };
	struct npserr err;

	report_theme_opts_init(&o);
	o.type = a->o.type;
	o.since = a->o.since;
	o.until = a->o.until;
	o.agent = a->agent;
	if (report_themes_run(st, &o, &r, &err) == -1) {
		fprintf(stderr, "npsgate report: %s\n", err.msg);
		return EXIT_WORK;
	}
	switch (a->format) {
	case FORMAT_TEXT:
		report_themes_text(out, &r, report_theme_label, &l);
		break;
	case FORMAT_CSV:
		report_themes_csv(out, &r, report_theme_label, &l, a->bom);
		break;
	case FORMAT_JSON:
		report_themes_json(out, &r, report_theme_label, &l);
		break;
	case FORMAT_HTML:
		report_themes_html(out, &r, report_theme_label, &l);
		break;
	}
	report_themes_free(&r);
	return 0;
}

/* The JSON array of the themes about what --about names into out. */
static void
report_about_json(const struct themes *t, const char *about,
    struct buf *out)
{
	size_t i, n = 0;

	buf_putc(out, '[');
	for (i = 0; i < themes_count(t); i++) {
		if (strcmp(themes_about_name(themes_about(t, i)), about) != 0)
			continue;
		if (n++ > 0)
			buf_putc(out, ',');
		json_append_cstr(out, themes_name(t, i));
	}
	buf_putc(out, ']');
}

int
cmd_report(int argc, char **argv)
{
	struct report_args a;
	struct config *cf;
	struct store *st;
	struct themes *t = NULL;
	struct buf out = BUF_INIT, about = BUF_INIT;
	int ret;

	if ((ret = report_parse_args(argc, argv, &a)) != -1)
		return ret;
	if ((ret = cli_store_open("report", a.config_path, &cf, &st)) != 0)
		return ret;
	a.o.cf = cf;
	a.o.min_responses = cf->min_responses;
	if (a.by_theme || a.about != NULL) {
		if ((t = cli_themes("report", cf)) == NULL) {
			store_close(st);
			config_free(cf);
			return EXIT_CONFIG;
		}
	}
	if (a.about != NULL) {
		report_about_json(t, a.about, &about);
		a.o.themes_json = buf_cstr(&about);
	}
	ret = a.by_theme ? report_render_themes(st, &a, t, cf->default_lang,
	    &out) : report_render(st, &a, &out);
	if (ret == 0)
		ret = cli_output_write("report", &out);
	buf_free(&out);
	buf_free(&about);
	themes_free(t);
	store_close(st);
	config_free(cf);
	return ret;
}
