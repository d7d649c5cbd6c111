/*
 * npsgate.c - the npsgate command: dispatch to one verb.
 *
 * npsgate VERB [OPTIONS] [ARGS]; `npsgate help` lists the verbs,
 * `npsgate VERB --help` describes one.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "autoconf.h"
#include "base/log.h"
#include "cli.h"
#include "outgoing/rewrite.h"
#include "themes/themes.h"

static const struct cli_verb verbs[] = {
	{ "keygen", cmd_keygen, "add a new signing key to the key file" },
	{ "parse", cmd_parse, "analyse replies, one JSON object per file" },
	{ "ingest", cmd_ingest, "analyse replies and store them, once" },
	{ "check-config", cmd_check_config,
	    "validate npsgate.conf and print the effective settings" },
	{ "release", cmd_release,
	    "release the delayed survey mails that are due" },
	{ "rewrite", cmd_rewrite,
	    "apply the milter's transformation to one message (stdin)" },
	{ "render", cmd_render, "preview the score widget as an HTML page" },
	{ "report", cmd_report,
	    "NPS, CSAT or CES per agent, team, channel, reason or period" },
	{ "responses", cmd_responses, "the verbatims: scores and comments" },
	{ "detractors", cmd_detractors,
	    "detractors to follow up, oldest first" },
	{ "followed-up", cmd_followed_up,
	    "mark a detractor's survey as followed up" },
	{ "stats", cmd_stats, "counts for operators: surveys, held mail,"
	    " backlog" },
	{ "purge", cmd_purge, "delete data older than N days" },
	{ "forget", cmd_forget, "erase one customer's data" },
	{ "export", cmd_export, "write the whole store as JSON lines" },
	{ "import", cmd_import, "load an export into an empty store" },
	{ "migrate-store", cmd_migrate_store,
	    "copy the store into an empty one (SQLite to PostgreSQL)" },
	{ "followup", cmd_followup,
	    "store replies, then acknowledge and alert once" },
	{ "followup-retry", cmd_followup_retry,
	    "retry the acknowledgments and alerts that failed" },
	{ "retheme", cmd_retheme,
	    "compute the themes of every answer again" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: npsgate VERB [OPTIONS] [ARGS]\n\nverbs:\n");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(fp, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(fp, "\nnpsgate VERB --help describes a verb; every verb takes "
	    "-c FILE (default %s).\n", CLI_DEFAULT_CONFIG);
}

struct config *
cli_config_load(const char *verb, const char *path)
{
	struct npserr err;
	struct config *cf;

	cf = config_load(path ? path : CLI_DEFAULT_CONFIG, &err);
	if (cf == NULL)
		fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
	return cf;
}

/* cli_templates - see cli.h. */
struct widget_templates *
cli_templates(const char *verb, const struct config *cf, bool quiet)
{
	struct widget_templates *tpl;
	struct npserr err;

	tpl = widget_templates_load(cf->templates_dir, &err);
	if (tpl == NULL && !quiet)
		fprintf(stderr, "npsgate %s: %s; a pre-filled reply is "
		    "recognised in the shipped templates' wording only\n",
		    verb, err.msg);
	return tpl;
}

struct themes *
cli_themes(const char *verb, const struct config *cf)
{
	struct themes *t;
	struct npserr err;

	if ((t = themes_load(cf->templates_dir, &err)) == NULL) {
		fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
		return NULL;
	}
	themes_set_fallback(t, cf->default_lang);
	return t;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_open("npsgate", LOG_TO_STDERR);
	/* The files a verb creates (the store above all, when it does not
	 * exist yet) hold customers' answers: never readable by others. */
	umask(027);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("npsgate %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "npsgate: unknown verb '%s'; npsgate help lists them\n",
	    argv[1]);
	return EXIT_USAGE;
}
