/*
 * cmd_retheme.c - npsgate retheme: the themes of every stored answer,
 * computed again from its comment, after the themes files changed.
 *
 * npsgate retheme [-c FILE]
 *	Reads the themes files under templates_dir (a bad line is an error
 *	naming the file and line: nothing is changed), then every answer's
 *	comment, in batches; the milter and the hook go on meanwhile. Prints
 *	"N answers themed". Exit status: 0, 1 the store failed (what was
 *	done stays; run it again), 2 usage, 3 bad config or themes file.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "base/exitcode.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "store/store.h"
#include "themes/themes.h"
#include "themes/themes_store.h"

static void
retheme_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate retheme [-c FILE]\n"
	    "\n"
	    "Computes the themes of every stored answer again, from its\n"
	    "comment and the themes files (templates_dir/LANG/themes.conf),\n"
	    "after they changed. New answers get their themes when they are\n"
	    "stored.\n"
	    "\n"
	    "  -c, --config FILE  settings and store (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0, 1 the store failed, 2 usage, 3 bad config or\n"
	    "themes file.\n", CLI_DEFAULT_CONFIG);
}

int
cmd_retheme(int argc, char **argv)
{
	const char *config_path = NULL;
	struct config *cf;
	struct store *st;
	struct themes *t;
	struct npserr err;
	size_t n = 0;
	int c, ret = 0;

	if ((c = cli_options_config(argc, argv, retheme_usage,
	    &config_path)) >= 0)
		return c;
	if (optind < argc) {
		fprintf(stderr, "npsgate retheme: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if ((ret = cli_store_open("retheme", config_path, &cf, &st)) != 0)
		return ret;
	if ((t = cli_themes("retheme", cf)) == NULL) {
		ret = EXIT_CONFIG;
	} else if (themes_store_tag(t, st, cf->default_lang, true,
	    (int64_t)time(NULL), &n, &err) < 0) {
		fprintf(stderr, "npsgate retheme: %s (%zu answers themed"
		    " before)\n", err.msg, n);
		ret = EXIT_WORK;
	} else {
		printf("%zu answers themed\n", n);
		if (fflush(stdout) != 0)
			ret = EXIT_WORK;
	}
	themes_free(t);
	store_close(st);
	config_free(cf);
	return ret;
}
