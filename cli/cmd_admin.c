/*
 * cmd_admin.c - the operator's care of the store.
 *
 * npsgate stats [--format text|json]
 *	One figure per line, "name value", for scripts and monitoring.
 * npsgate purge --older-than DAYS
 *	Retention: deletes what is older than DAYS days; opt-outs stay.
 * npsgate forget ADDRESS
 *	Erasure of one customer; only anonymous counts remain.
 * npsgate export > FILE / npsgate import FILE
 *	The whole store as JSON lines, for backup and migration.
 *
 *	The work is in lib/report/. Exit status: 0 done, 1 the work failed,
 *	2 usage, 3 bad config.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "report/report.h"
#include "store/store.h"

/* The options every admin verb takes; extra is the verb's own. */
struct admin_opts {
	const char *config_path;
	bool json;		/* stats --format json */
	long days;		/* purge --older-than; -1 unset */
	bool optout;		/* forget --with-opt-out */
};

static void
stats_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate stats [-c FILE] [--format text|json]\n"
	    "\n"
	    "Prints one figure per line, \"name value\": surveys by status,\n"
	    "held mails (held.total, held.due: due for release now),\n"
	    "current responses by category (responses.no_score: a reply\n"
	    "without a readable score), events by kind, processed reply\n"
	    "messages by kind, the review backlog of the last 30 days\n"
	    "(unmatched and unparsed replies, responses without a score),\n"
	    "the schema version and the size of the database and its WAL.\n"
	    "--format json prints the same names in one object.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -f, --format F     text (default) or json\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 printed, 1 store error, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}

static void
purge_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate purge [-c FILE] --older-than DAYS\n"
	    "\n"
	    "Deletes the surveys sent more than DAYS days ago with their\n"
	    "responses and comments, and the events, processed-message keys\n"
	    "and anonymous counts older than that; prints what it deleted.\n"
	    "Kept: surveys still held for a delayed send, and every opt-out\n"
	    "(unsubscribed customers): without it a customer who asked for\n"
	    "no more surveys would be surveyed again.\n"
	    "\n"
	    "  -c, --config FILE     npsgate.conf (default %s)\n"
	    "  -o, --older-than DAYS  age in days (0: everything before now)\n"
	    "  -h, --help            this text\n"
	    "\n"
	    "Exit status: 0 done, 1 store error, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}

static void
forget_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate forget [-c FILE] [--with-opt-out] ADDRESS\n"
	    "\n"
	    "Erases one customer: their surveys, responses, comments,\n"
	    "events and processed-message keys are deleted, and their words\n"
	    "and address are removed from any reply they sent to another\n"
	    "survey. What they counted for is first added to anonymous\n"
	    "counts (day, agent, team, channel, reason, priority, scores;\n"
	    "nothing about the customer), so reports do not change. Then\n"
	    "the database file is vacuumed and the WAL emptied, so that the\n"
	    "deleted bytes are gone from the disk.\n"
	    "Kept: the customer's opt-out, if they unsubscribed; that one\n"
	    "line (address, date) is what stops further surveys. It goes\n"
	    "too only with --with-opt-out, and the address may then be\n"
	    "surveyed again. ADDRESS is matched in its normal form:\n"
	    "\"John.Doe\"@Example.com is john.doe@example.com.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "      --with-opt-out erase the opt-out as well\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 done (also when nothing was found), 1 store\n"
	    "error, 2 usage, 3 bad config.\n", CLI_DEFAULT_CONFIG);
}

static void
export_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate export [-c FILE] > FILE.jsonl\n"
	    "\n"
	    "Writes the whole store to standard output as JSON lines: a\n"
	    "header {\"npsgate_export\":2,\"schema_version\":N}, then one\n"
	    "object per row with its \"table\" and columns, from one\n"
	    "consistent snapshot; columns of bytes in hexadecimal.\n"
	    "`npsgate import` loads it back.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 written, 1 store or write error, 2 usage,\n"
	    "3 bad config.\n", CLI_DEFAULT_CONFIG);
}

static void
import_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate import [-c FILE] FILE.jsonl\n"
	    "\n"
	    "Loads an `npsgate export` into the configured store, which\n"
	    "must be empty (a new file is created if needed), in one\n"
	    "transaction: on any error nothing is loaded. FILE may be - for\n"
	    "standard input.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 loaded, 1 refused or failed, 2 usage,\n"
	    "3 bad config.\n", CLI_DEFAULT_CONFIG);
}

/*
 * Parses the options of an admin verb; returns -1 to go on, else the exit
 * status (help printed, bad usage).
 */
static int
admin_getopt(const char *verb, int argc, char **argv, struct admin_opts *a,
    void (*usage)(FILE *))
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "with-opt-out", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool is_stats = strcmp(verb, "stats") == 0;
	bool is_purge = strcmp(verb, "purge") == 0;
	bool is_forget = strcmp(verb, "forget") == 0;
	char *end;
	int c;

	memset(a, 0, sizeof(*a));
	a->days = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:f:o:h", opts, NULL)) != -1) {
		if ((c == 'f' && !is_stats) || (c == 'o' && !is_purge) ||
		    (c == 'u' && !is_forget))
			c = '?';
		switch (c) {
		case 'c':
			a->config_path = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				a->json = true;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "npsgate %s: --format '%s':"
				    " expected text or json\n", verb, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			errno = 0;
			a->days = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    a->days < 0 || a->days > 36500) {
				fprintf(stderr, "npsgate %s: --older-than"
				    " '%s': expected a number of days, 0 to"
				    " 36500\n", verb, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'u':
			a->optout = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

struct stats_out {
	struct buf buf;
	bool json;
	int count;
};

static void
stats_one(const char *name, int64_t value, void *arg)
{
	struct stats_out *o = arg;

	if (o->json)
		json_member_int(&o->buf, &o->count, name, value);
	else
		buf_printf(&o->buf, "%s %lld\n", name, (long long)value);
}

int
cmd_stats(int argc, char **argv)
{
	struct admin_opts a;
	struct stats_out o;
	struct config *cf;
	struct store *st;
	struct npserr err;
	int ret;

	if ((ret = admin_getopt("stats", argc, argv, &a, stats_usage)) >= 0)
		return ret;
	if (optind < argc) {
		fprintf(stderr, "npsgate stats: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("stats", a.config_path, &cf, &st)) != 0)
		return ret;
	buf_init(&o.buf);
	o.json = a.json;
	o.count = 0;
	if (o.json)
		buf_putc(&o.buf, '{');
	if (report_stats(st, (int64_t)time(NULL), stats_one, &o,
	    &err) == -1) {
		fprintf(stderr, "npsgate stats: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		if (o.json)
			buf_puts(&o.buf, "}\n");
		ret = cli_output_write("stats", &o.buf);
	}
	buf_free(&o.buf);
	store_close(st);
	config_free(cf);
	return ret;
}

int
cmd_purge(int argc, char **argv)
{
	struct report_counts c;
	struct admin_opts a;
	struct config *cf;
	struct store *st;
	struct npserr err;
	int64_t cutoff;
	int ret;

	if ((ret = admin_getopt("purge", argc, argv, &a, purge_usage)) >= 0)
		return ret;
	if (optind < argc) {
		fprintf(stderr, "npsgate purge: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (a.days < 0) {
		fprintf(stderr, "npsgate purge: say how old with --older-than"
		    " DAYS\n");
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("purge", a.config_path, &cf, &st)) != 0)
		return ret;
	cutoff = (int64_t)time(NULL) - (int64_t)a.days * 86400;
	if (report_purge(st, cutoff, &c, &err) == -1) {
		fprintf(stderr, "npsgate purge: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		printf("surveys %ld\nresponses %ld\ncomments %ld\nevents %ld\n"
		    "processed %ld\nanonymous_counts %ld\n", c.surveys,
		    c.responses, c.comments, c.events, c.processed,
		    c.anonymous);
	}
	store_close(st);
	config_free(cf);
	return ret;
}

int
cmd_forget(int argc, char **argv)
{
	struct report_counts c;
	struct admin_opts a;
	struct config *cf;
	struct store *st;
	struct npserr err;
	int ret;

	if ((ret = admin_getopt("forget", argc, argv, &a, forget_usage)) >= 0)
		return ret;
	if (argc - optind != 1) {
		fprintf(stderr, "npsgate forget: expected one ADDRESS\n");
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("forget", a.config_path, &cf, &st)) != 0)
		return ret;
	if (report_forget_with(st, argv[optind], a.optout, &c, &err) == -1) {
		fprintf(stderr, "npsgate forget: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		printf("surveys %ld\nresponses %ld\ncomments %ld\nevents %ld\n"
		    "processed %ld\n", c.surveys, c.responses, c.comments,
		    c.events, c.processed);
		if (c.unsubscribed)
			printf("note: the opt-out of this address is kept, so"
			    " that it gets no more surveys\n");
		if (c.optout_removed)
			printf("note: the opt-out of this address is erased;"
			    " it may be surveyed again\n");
	}
	store_close(st);
	config_free(cf);
	return ret;
}

int
cmd_export(int argc, char **argv)
{
	struct admin_opts a;
	struct config *cf;
	struct store *st;
	struct npserr err;
	int ret;

	if ((ret = admin_getopt("export", argc, argv, &a, export_usage)) >= 0)
		return ret;
	if (optind < argc) {
		fprintf(stderr, "npsgate export: unexpected argument '%s';"
		    " the export goes to standard output\n", argv[optind]);
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("export", a.config_path, &cf, &st)) != 0)
		return ret;
	if (report_export(st, stdout, &err) == -1) {
		fprintf(stderr, "npsgate export: %s\n", err.msg);
		ret = EXIT_WORK;
	}
	store_close(st);
	config_free(cf);
	return ret;
}

int
cmd_import(int argc, char **argv)
{
	struct admin_opts a;
	struct config *cf;
	struct store *st;
	struct npserr err;
	const char *name;
	FILE *fp;
	int ret;

	if ((ret = admin_getopt("import", argc, argv, &a, import_usage)) >= 0)
		return ret;
	if (argc - optind != 1) {
		fprintf(stderr, "npsgate import: expected one FILE\n");
		return EXIT_USAGE;
	}
	name = argv[optind];
	if (strcmp(name, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(name, "r")) == NULL) {
		fprintf(stderr, "npsgate import: cannot open %s: %s\n", name,
		    strerror(errno));
		return EXIT_WORK;
	}
	if ((ret = cli_store_open("import", a.config_path, &cf, &st)) != 0) {
		if (fp != stdin)
			fclose(fp);
		return ret;
	}
	if (report_import(st, fp, name, &err) == -1) {
		fprintf(stderr, "npsgate import: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		printf("npsgate import: loaded %s into %s\n", name,
		    config_store_address(cf));
	}
	if (fp != stdin)
		fclose(fp);
	store_close(st);
	config_free(cf);
	return ret;
}
