/*
 * cmd_parse.c - npsgate parse and npsgate ingest: what a reply says, and
 * taking it into the store.
 *
 * npsgate parse [-c FILE] [--dry-run] FILE.eml...
 *	Prints, for each file in order, one JSON object on one line:
 *	{"file":..., "kind":..., "token_status":..., "survey_id":...,
 *	 "score":..., "category":..., "comment":..., "from":...,
 *	 "lang":..., "reason":...} (see reply_result_json). Writes nothing.
 *	--dry-run uses the public test key and, without -c, the default
 *	settings, and reads no store (no Message-ID lookup). "-" reads the
 *	standard input. Exit status: 0, or 1 when a file could not be read
 *	(the others are still analysed), 2 usage, 3 bad config or key file.
 *
 * npsgate ingest [-c FILE] FILE.eml...
 *	Analyses and stores each reply exactly once, exactly as
 *	npsgate-imapd-hook does (ingest_message), and prints one line per
 *	file: "FILE: KIND survey=ID score=N new|duplicate". Exit status: 0,
 *	1 when a file could not be read or stored, 2 usage, 3 bad config.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "incoming/ingest.h"
#include "incoming/reply.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "survey/token.h"
#include "themes/themes.h"
#include "themes/themes_store.h"

static void
parse_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate parse [-c FILE] [--dry-run] FILE.eml...\n"
	    "\n"
	    "Analyses customer replies as npsgate-imapd-hook would and prints\n"
	    "one JSON object per file and line: kind (response, autoreply,\n"
	    "bounce, unsubscribe, unmatched, unparsed), token_status,\n"
	    "survey_id, score, category, comment, from, lang, reason, and\n"
	    "hint_survey_id: the survey whose Message-ID a reply without a\n"
	    "token quotes (a hint for review: only a token ties a reply).\n"
	    "Nothing is written. \"-\" reads the standard input.\n"
	    "\n"
	    "  -c, --config FILE  settings, key file and store (default %s)\n"
	    "  -n, --dry-run      the public test key, no store: for tests\n"
	    "                     and previews (real tokens fail)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0, 1 a file could not be read, 2 usage, 3 bad\n"
	    "config or key file.\n", CLI_DEFAULT_CONFIG);
}

int
cmd_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = NULL;
	bool dry = false, dry_store = false;
	struct config *cf;
	struct keyring *ring;
	struct store *st = NULL;
	struct widget_templates *tpl;
	struct npserr err;
	int c, i, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			parse_usage(stdout);
			return 0;
		default:
			parse_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "npsgate parse: name at least one FILE.eml "
		    "(or - for the standard input)\n");
		return EXIT_USAGE;
	}
	if (dry && config_path == NULL)
		cf = config_defaults();
	else if ((cf = cli_config_load("parse", config_path)) == NULL)
		return EXIT_CONFIG;
	if (dry)
		ring = keyring_new_test();
	else if ((ring = keyring_load(cf->key_file, &err)) == NULL) {
		fprintf(stderr, "npsgate parse: %s\n", err.msg);
		config_free(cf);
		return EXIT_CONFIG;
	}
	/* parse writes nothing: a store that does not exist yet is not
	 * created, the Message-ID lookup is simply off. */
	if (!dry && config_store_file(cf) != NULL &&
	    access(config_store_file(cf), F_OK) != 0) {
		fprintf(stderr, "npsgate parse: no store at %s yet: replies "
		    "are matched by their token only\n",
		    config_store_file(cf));
		dry_store = true;
	}
	if (!dry && !dry_store && (st = store_open(config_store_address(cf),
	    cf->busy_timeout_ms, &err)) == NULL) {
		fprintf(stderr, "npsgate parse: %s\n", err.msg);
		keyring_free(ring);
		config_free(cf);
		return EXIT_CONFIG;
	}
	tpl = cli_templates("parse", cf, dry && config_path == NULL);
	for (i = optind; i < argc; i++) {
		struct buf msg = BUF_INIT, line = BUF_INIT, obj = BUF_INIT;
		struct reply_ctx ctx = { cf, ring, st, time(NULL),
		    widget_mailto_bodies(tpl),
		    widget_mailto_prefixes(tpl), NULL };
		struct reply_result res;

		if (cli_mail_read("parse", argv[i], &msg) < 0) {
			ret = EXIT_WORK;
			continue;
		}
		if (reply_analyze(&ctx, msg.data ? msg.data : "", msg.len,
		    &res, &err) < 0) {
			fprintf(stderr, "npsgate parse: %s: %s\n", argv[i],
			    err.msg);
			ret = EXIT_WORK;
		} else {
			/* {"file":"...", then the result's own fields */
			reply_result_json(&res, &obj);
			buf_puts(&line, "{\"file\":");
			json_append_cstr(&line, argv[i]);
			buf_putc(&line, ',');
			buf_append(&line, obj.data + 1, obj.len - 1);
			printf("%s\n", line.data);
		}
		reply_result_clear(&res);
		buf_free(&msg);
		buf_free(&line);
		buf_free(&obj);
	}
	if (fflush(stdout) != 0)
		ret = EXIT_WORK;
	if (st != NULL)
		store_close(st);
	widget_templates_free(tpl);
	keyring_free(ring);
	config_free(cf);
	return ret;
}

static void
ingest_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate ingest [-c FILE] FILE.eml...\n"
	    "\n"
	    "Analyses each reply and records it in the store exactly once\n"
	    "(the Message-ID, or the SHA-256 of the bytes, is the key), as\n"
	    "npsgate-imapd-hook does. Prints one line per file: its kind,\n"
	    "survey, score, and whether it was new or a duplicate.\n"
	    "\"-\" reads the standard input (for a Sieve or Postfix pipe).\n"
	    "\n"
	    "  -c, --config FILE  settings, key file and store (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0, 1 a file could not be read or stored (or the\n"
	    "store opened), 2 usage, 3 bad config or key file.\n",
	    CLI_DEFAULT_CONFIG);
}

/* cli_ingest_files - see cli.h. */
int
cli_ingest_files(const char *verb, int argc, char **argv,
    void (*usage)(FILE *), cli_ingest_after_fn after)
{
	const char *config_path = NULL;
	struct config *cf;
	struct keyring *ring;
	struct store *st;
	struct widget_templates *tpl;
	struct themes *themes;
	struct npserr err;
	size_t n;
	int c, i, ret = 0;

	if ((c = cli_options_config(argc, argv, usage, &config_path)) >= 0)
		return c;
	if (optind >= argc) {
		fprintf(stderr, "npsgate %s: name at least one FILE.eml "
		    "(or - for the standard input)\n", verb);
		return EXIT_USAGE;
	}
	if ((ret = cli_ring_store_open(verb, config_path, &cf, &ring,
	    &st)) != 0)
		return ret;
	if ((themes = cli_themes(verb, cf)) == NULL) {
		cli_ring_store_close(cf, ring, st);
		return EXIT_CONFIG;
	}
	tpl = cli_templates(verb, cf, false);
	for (i = optind; i < argc; i++) {
		struct buf msg = BUF_INIT;
		struct ingest_ctx ctx = { cf, ring, st, time(NULL), false,
		    widget_mailto_bodies(tpl),
		    widget_mailto_prefixes(tpl) };
		struct ingest_outcome res;

		if (cli_mail_read(verb, argv[i], &msg) < 0) {
			ret = EXIT_WORK;
			continue;
		}
		memset(&res, 0, sizeof(res));
		if (ingest_message(&ctx, buf_cstr(&msg), msg.len, &res,
		    &err) < 0) {
			fprintf(stderr, "npsgate %s: %s: %s\n", verb, argv[i],
			    err.msg);
			ret = EXIT_WORK;
		} else {
			printf("%s: %s survey=%s score=", argv[i],
			    store_ingest_kind_name(res.kind),
			    res.survey_id[0] ? res.survey_id : "-");
			if (res.score >= 0)
				printf("%d", res.score);
			else
				printf("-");
			printf(" %s%s", res.duplicate ? "duplicate" : "new",
			    res.forwarded ? " forwarded" : "");
			/* The survey a reply without a token seems to
			 * answer, for the person who reviews it. */
			if (res.hint_id[0] != '\0')
				printf(" hint=%s", res.hint_id);
			printf("\n");
			if (after != NULL)
				after(&ctx, argv[i], &res);
		}
		ingest_outcome_clear(&res);
		buf_free(&msg);
	}
	/* The answers are stored: their themes failing is said, and left
	 * for `npsgate retheme`. */
	if (themes_store_tag(themes, st, cf->default_lang, false,
	    (int64_t)time(NULL), &n, &err) < 0)
		fprintf(stderr, "npsgate %s: themes: %s\n", verb, err.msg);
	if (fflush(stdout) != 0)
		ret = EXIT_WORK;
	themes_free(themes);
	widget_templates_free(tpl);
	cli_ring_store_close(cf, ring, st);
	return ret;
}

int
cmd_ingest(int argc, char **argv)
{
	return cli_ingest_files("ingest", argc, argv, ingest_usage, NULL);
}
