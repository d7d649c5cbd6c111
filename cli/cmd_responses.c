/*
 * cmd_responses.c - the verbatims and the follow-up of detractors.
 *
 * npsgate responses [--category C] [--since D] [--until D] [--type T]
 *     [--with-comment] [--theme NAME] [--format text|csv|json] [--bom]
 *	The current response of each survey, oldest first, with its survey,
 *	ticket, agent, score, category, date and comment history.
 * npsgate detractors [--since D] [--until D] [--format text|csv|json]
 *	The detractors nobody has followed up yet, oldest first, with the
 *	customer's address: the call-back list.
 * npsgate followed-up SURVEY_ID
 *	Marks that survey's detractor handled; it leaves the list.
 *
 *	Text output replaces control characters, so a comment cannot drive
 *	the terminal; CSV is RFC 4180 with formula escaping (lib/base/csv.c).
 *	Exit status: 0 done, 1 store error or unknown survey, 2 usage,
 *	3 bad config.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "report/report.h"
#include "store/store.h"
#include "survey/nps.h"

enum resp_format {
	RESP_TEXT = 0,
	RESP_CSV,
	RESP_JSON
};

struct resp_out {
	enum resp_format format;
	bool detractors;	/* the call-back list's columns */
	struct buf buf;
	struct csv csv;
	long count;
	FILE *fp;
};

static void
responses_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate responses [-c FILE] [--category detractor|passive|"
	    "promoter]\n"
	    "         [--since YYYY-MM-DD] [--until YYYY-MM-DD]"
	    " [--type nps|csat|ces]\n"
	    "         [--with-comment] [--theme NAME] [--format text|csv|json]"
	    " [--bom]\n"
	    "\n"
	    "Lists the verbatims: the current response of each survey (the\n"
	    "last one with a score), oldest first, with its survey id,\n"
	    "ticket, agent, score, category, date (UTC) and the survey's\n"
	    "comment history. --since and --until select by the day the\n"
	    "response arrived, both included.\n"
	    "\n"
	    "  -c, --config FILE    npsgate.conf (default %s)\n"
	    "  -C, --category C     only detractors, passives or promoters\n"
	    "  -s, --since D        first day\n"
	    "  -u, --until D        last day\n"
	    "  -t, --type T         only surveys of type T\n"
	    "  -w, --with-comment   only responses with a comment\n"
	    "  -T, --theme NAME     only answers that name the theme (as\n"
	    "                       `npsgate report --by theme` lists them)\n"
	    "  -f, --format F       text (default), csv or json (one object"
	    " per line)\n"
	    "      --bom            csv: start with a UTF-8 byte order mark"
	    " (Excel)\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "CSV cells that start with = + - @ get a leading apostrophe so\n"
	    "that spreadsheets do not run them as formulas.\n"
	    "Exit status: 0 listed, 1 store error, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}

static void
detractors_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate detractors [-c FILE] [--since YYYY-MM-DD]"
	    " [--until YYYY-MM-DD]\n"
	    "         [--theme NAME] [--format text|csv|json] [--bom]\n"
	    "\n"
	    "The follow-up list: detractors not yet followed up, oldest\n"
	    "first, with the customer's address, ticket, agent, score,\n"
	    "comment and when they answered. Mark one handled with\n"
	    "`npsgate followed-up SURVEY_ID`.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -s, --since D      answered on or after day D\n"
	    "  -u, --until D      answered on or before day D\n"
	    "  -T, --theme NAME   only those whose comment names the theme\n"
	    "  -f, --format F     text (default), csv or json\n"
	    "      --bom          csv: UTF-8 byte order mark\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 listed, 1 store error, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}

static void
followed_up_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate followed-up [-c FILE] SURVEY_ID\n"
	    "\n"
	    "Marks the detractor of survey SURVEY_ID as followed up: it\n"
	    "leaves the `npsgate detractors` list.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 marked, 1 unknown survey or store error,\n"
	    "2 usage, 3 bad config.\n", CLI_DEFAULT_CONFIG);
}

static const char *
str_or(const char *s, const char *dflt)
{
	return s != NULL && s[0] != '\0' ? s : dflt;
}

static void
resp_text(struct resp_out *o, const struct report_response *r)
{
	char when[24];
	const char *p, *nl;

	report_time_format(r->received_at, when, sizeof(when));
	when[16] = '\0';	/* minutes are enough to read */
	buf_printf(&o->buf, "%s  ", when);
	if (r->score >= 0)
		buf_printf(&o->buf, "%2d %-9s", r->score,
		    nps_category_name(r->category));
	else
		buf_printf(&o->buf, " - %-9s", "no score");
	buf_printf(&o->buf, "  %-4s  survey %s  ticket ",
	    nps_type_name(r->type), r->survey_id);
	cli_text_clean(&o->buf, str_or(r->ticket, "-"), false);
	buf_puts(&o->buf, "  agent ");
	cli_text_clean(&o->buf, str_or(r->agent, "-"), false);
	if (o->detractors) {
		buf_puts(&o->buf, "\n    customer ");
		cli_text_clean(&o->buf, str_or(r->recipient, "-"), false);
	}
	buf_putc(&o->buf, '\n');
	for (p = r->comment; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
		struct buf line = BUF_INIT;

		nl = strchr(p, '\n');
		buf_append(&line, p, nl != NULL ? (size_t)(nl - p) :
		    strlen(p));
		/* A CRLF line end is one line end. */
		if (line.len > 0 && line.data[line.len - 1] == '\r')
			buf_truncate(&line, line.len - 1);
		buf_puts(&o->buf, "    | ");
		cli_text_clean(&o->buf, buf_cstr(&line), false);
		buf_putc(&o->buf, '\n');
		buf_free(&line);
	}
	buf_putc(&o->buf, '\n');
}

static void
resp_csv(struct resp_out *o, const struct report_response *r)
{
	char when[24];

	report_time_format(r->received_at, when, sizeof(when));
	csv_cell_cstr(&o->csv, r->survey_id);
	if (o->detractors)
		csv_cell_cstr(&o->csv, r->recipient);
	csv_cell_cstr(&o->csv, r->ticket);
	csv_cell_cstr(&o->csv, r->agent);
	csv_cell_cstr(&o->csv, r->team);
	csv_cell_cstr(&o->csv, r->channel);
	csv_cell_cstr(&o->csv, nps_type_name(r->type));
	if (r->score >= 0) {
		csv_cell_int(&o->csv, r->score);
		csv_cell_cstr(&o->csv, nps_category_name(r->category));
	} else {
		csv_cell_cstr(&o->csv, NULL);
		csv_cell_cstr(&o->csv, NULL);
	}
	csv_cell_cstr(&o->csv, when);
	csv_cell_cstr(&o->csv, r->comment);
	csv_row_end(&o->csv);
}

static void
resp_json(struct resp_out *o, const struct report_response *r)
{
	char when[24];
	int n = 0;

	report_time_format(r->received_at, when, sizeof(when));
	buf_putc(&o->buf, '{');
	json_member_str(&o->buf, &n, "survey_id", r->survey_id);
	if (o->detractors)
		json_member_str(&o->buf, &n, "customer", r->recipient);
	json_member_str(&o->buf, &n, "ticket", r->ticket);
	json_member_str(&o->buf, &n, "agent", r->agent);
	json_member_str(&o->buf, &n, "team", r->team);
	json_member_str(&o->buf, &n, "channel", r->channel);
	json_member_str(&o->buf, &n, "type", nps_type_name(r->type));
	if (r->score >= 0) {
		json_member_int(&o->buf, &n, "score", r->score);
		json_member_str(&o->buf, &n, "category",
		    nps_category_name(r->category));
	} else {
		json_member_null(&o->buf, &n, "score");
		json_member_null(&o->buf, &n, "category");
	}
	json_member_str(&o->buf, &n, "date", when);
	json_member_str(&o->buf, &n, "comment", r->comment);
	buf_puts(&o->buf, "}\n");
}

/* Writes what the buffer holds once it is large, so that a long listing
 * does not sit in memory. */
static int
resp_flush(struct resp_out *o)
{
	if (o->buf.len < 65536)
		return 0;
	if (fwrite(o->buf.data, 1, o->buf.len, o->fp) != o->buf.len)
		return -1;
	buf_reset(&o->buf);
	return 0;
}

static int
resp_one(const struct report_response *r, void *arg)
{
	struct resp_out *o = arg;

	o->count++;
	switch (o->format) {
	case RESP_TEXT:
		resp_text(o, r);
		break;
	case RESP_CSV:
		resp_csv(o, r);
		break;
	case RESP_JSON:
		resp_json(o, r);
		break;
	}
	return resp_flush(o);
}

static void
resp_csv_head(struct resp_out *o, bool bom)
{
	static const char *const head[] = {
		"survey_id", "customer", "ticket", "agent", "team", "channel",
		"type", "score", "category", "date", "comment"
	};
	size_t i;

	if (bom)
		csv_bom(&o->csv);
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		if (i != 1 || o->detractors)
			csv_cell_cstr(&o->csv, head[i]);
	csv_row_end(&o->csv);
}

static int
resp_format_parse(const char *verb, const char *s, enum resp_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = RESP_TEXT;
	else if (strcmp(s, "csv") == 0)
		*out = RESP_CSV;
	else if (strcmp(s, "json") == 0)
		*out = RESP_JSON;
	else {
		fprintf(stderr, "npsgate %s: --format '%s': expected text,"
		    " csv or json\n", verb, s);
		return -1;
	}
	return 0;
}

/* The shared body of responses and detractors. */
static int
resp_run(const char *verb, int argc, char **argv, bool detractors)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "category", required_argument, NULL, 'C' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "type", required_argument, NULL, 't' },
		{ "with-comment", no_argument, NULL, 'w' },
		{ "theme", required_argument, NULL, 'T' },
		{ "format", required_argument, NULL, 'f' },
		{ "bom", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_response_opts ro;
	struct resp_out o;
	const char *config_path = NULL;
	struct config *cf;
	struct store *st;
	struct npserr err;
	bool bom = false;
	int c, ret;

	report_response_opts_init(&ro);
	memset(&o, 0, sizeof(o));
	o.detractors = detractors;
	o.fp = stdout;
	optind = 1;
	while ((c = getopt_long(argc, argv, detractors ? "c:s:u:T:f:h" :
	    "c:C:s:u:t:wT:f:h", opts, NULL)) != -1) {
		if (detractors && (c == 'C' || c == 't' || c == 'w'))
			c = '?';
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			if (nps_category_parse(optarg, &ro.category) == -1) {
				fprintf(stderr, "npsgate %s: --category '%s':"
				    " expected detractor, passive or"
				    " promoter\n", verb, optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (cli_date_option(verb, "--since", optarg, false,
			    &ro.since) == -1)
				return EXIT_USAGE;
			break;
		case 'u':
			if (cli_date_option(verb, "--until", optarg, true,
			    &ro.until) == -1)
				return EXIT_USAGE;
			break;
		case 't':
			if (nps_type_parse(optarg, strlen(optarg),
			    &ro.type) == -1) {
				fprintf(stderr, "npsgate %s: --type '%s':"
				    " expected nps, csat or ces\n", verb,
				    optarg);
				return EXIT_USAGE;
			}
			ro.has_type = true;
			break;
		case 'w':
			ro.with_comment = true;
			break;
		case 'T':
			ro.theme = optarg;
			break;
		case 'f':
			if (resp_format_parse(verb, optarg, &o.format) == -1)
				return EXIT_USAGE;
			break;
		case 'B':
			bom = true;
			break;
		case 'h':
			if (detractors)
				detractors_usage(stdout);
			else
				responses_usage(stdout);
			return 0;
		default:
			if (detractors)
				detractors_usage(stderr);
			else
				responses_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate %s: unexpected argument '%s'\n", verb,
		    argv[optind]);
		return EXIT_USAGE;
	}
	ro.detractors_open = detractors;
	if ((ret = cli_store_open(verb, config_path, &cf, &st)) != 0)
		return ret;
	buf_init(&o.buf);
	o.csv.out = &o.buf;
	o.csv.cells = 0;
	if (o.format == RESP_CSV)
		resp_csv_head(&o, bom);
	if (report_responses(st, &ro, resp_one, &o, &err) == -1) {
		/* resp_one fails only when the output does. */
		if (ferror(stdout))
			fprintf(stderr, "npsgate %s: cannot write the output\n",
			    verb);
		else
			fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
		ret = EXIT_WORK;
	} else {
		if (o.format == RESP_TEXT && o.count == 0)
			buf_printf(&o.buf, "no %s\n", detractors ?
			    "detractor to follow up" : "response");
		ret = cli_output_write(verb, &o.buf);
	}
	buf_free(&o.buf);
	store_close(st);
	config_free(cf);
	return ret;
}

int
cmd_responses(int argc, char **argv)
{
	return resp_run("responses", argc, argv, false);
}

int
cmd_detractors(int argc, char **argv)
{
	return resp_run("detractors", argc, argv, true);
}

int
cmd_followed_up(int argc, char **argv)
{
	const char *config_path = NULL;
	struct config *cf;
	struct store *st;
	struct npserr err;
	int c, ret;

	if ((c = cli_options_config(argc, argv, followed_up_usage,
	    &config_path)) >= 0)
		return c;
	if (argc - optind != 1) {
		fprintf(stderr, "npsgate followed-up: expected one"
		    " SURVEY_ID\n");
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("followed-up", config_path, &cf, &st)) != 0)
		return ret;
	if (report_followed_up(st, argv[optind], (int64_t)time(NULL),
	    &err) == -1) {
		fprintf(stderr, "npsgate followed-up: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		printf("npsgate followed-up: survey %s marked followed up\n",
		    argv[optind]);
	}
	store_close(st);
	config_free(cf);
	return ret;
}
