/*
 * cmd_report.c - npsgate report: NPS (CSAT, CES) per agent, team,
 * channel, reason, priority or period, as text, CSV, JSON or one
 * self-contained HTML page.
 *
 * npsgate report [-c FILE] [--since D] [--until D] [--by G] [--type T]
 *     [--format text|csv|json|html] [--bom]
 *	The figures come from lib/report/, the layouts from report_format.h;
 *	this file reads the options, runs the report (and, for html, the
 *	trend) and lays it out whole before printing, so that an error
 *	prints none of it.
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
#include "report_format.h"
#include "store/store.h"
#include "base/xalloc.h"

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
			report_format_text(&out, &rep);
			break;
		case FORMAT_CSV:
			report_format_csv(&out, &rep, bom);
			break;
		case FORMAT_JSON:
			report_format_json(&out, &rep);
			break;
		case FORMAT_HTML:
			if (report_trend(st, &o, &trend, &err) == -1) {
				fprintf(stderr, "npsgate report: %s\n",
				    err.msg);
				ret = EXIT_WORK;
				break;
			}
			report_format_html(&out, &rep, &trend);
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
