/*
 * cmd_followup.c - npsgate followup and npsgate followup-retry: the
 * acknowledgment and detractor alert after an answer (lib/followup/followup.c).
 *
 * npsgate followup [-c FILE] FILE.eml...
 *	Ingests each reply exactly as `npsgate ingest` does (a message
 *	stored before is a duplicate: nothing is written twice), then runs
 *	the follow-up of what was stored: for a Sieve or Postfix pipe that
 *	should acknowledge and alert like npsgate-imapd-hook.
 * npsgate followup-retry [-c FILE]
 *	Tries again the follow-ups whose retry time has come (cron, or by
 *	hand after fixing the sendmail command or the alert command).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "followup/followup.h"
#include "incoming/forward.h"
#include "incoming/ingest.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "survey/token.h"

static void
report_print(const struct followup_report *rep)
{
	printf("followup: %d done, %d failed (retried later), %d given up,"
	    " %d not allowed\n", rep->done, rep->failed, rep->gave_up,
	    rep->skipped);
}

static void
followup_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate followup [-c FILE] FILE.eml...\n"
	    "\n"
	    "Stores each reply as `npsgate ingest` does (once: a message seen\n"
	    "before is a duplicate), then sends what follows an answer: the\n"
	    "acknowledgment to the customer and the detractor alert (mail\n"
	    "and/or command), each at most once per survey. Failures are\n"
	    "queued for `npsgate followup-retry`. \"-\" reads the standard\n"
	    "input.\n"
	    "\n"
	    "  -c, --config FILE  settings, key file and store (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 (also when a follow-up failed and was queued),\n"
	    "1 a file could not be read or stored or the store could not be\n"
	    "opened, 2 usage, 3 bad config or key file.\n", CLI_DEFAULT_CONFIG);
}

/* After each stored reply: the acknowledgment and the alert. The answer
 * is stored: a follow-up failure is queued and logged, never the file's
 * failure. */
static void
followup_one(const struct ingest_ctx *ictx, const char *file,
    const struct ingest_outcome *res)
{
	struct followup_ctx fctx = { ictx->cf, ictx->ring, ictx->store,
	    ictx->now };
	struct followup_report rep;
	struct npserr err;

	if (followup_after_ingest(&fctx, res->msg_key, &rep, &err) < 0)
		fprintf(stderr, "npsgate followup: %s: %s\n", file, err.msg);
	else
		report_print(&rep);	/* The reply handed on to the help desk, when it is one to. */
	if (forward_send_due(ictx->cf, ictx->store, ictx->now, NULL,
	    &err) < 0)
		fprintf(stderr, "npsgate followup: %s: forward: %s\n", file,
		    err.msg);
}

int
cmd_followup(int argc, char **argv)
{
	return cli_ingest_files("followup", argc, argv, followup_usage,
	    followup_one);
}

static void
retry_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate followup-retry [-c FILE]\n"
	    "\n"
	    "Tries again the acknowledgments and detractor alerts that failed\n"
	    "and whose retry time has come (after 1, 2, 4 ... minutes, at\n"
	    "most 6 hours apart, %d tries in all). npsgate-imapd-hook does\n"
	    "this itself; run it from cron with a pipe transport or Sieve.\n"
	    "The replies to hand on to the help desk that are due go too.\n"
	    "\n"
	    "  -c, --config FILE  settings, key file and store (default %s)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 (also when a try failed again), 1 the store\n"
	    "failed, 2 usage, 3 bad config or key file.\n",
	    FOLLOWUP_MAX_ATTEMPTS, CLI_DEFAULT_CONFIG);
}

int
cmd_followup_retry(int argc, char **argv)
{
	const char *config_path = NULL;
	struct followup_report rep;
	struct config *cf;
	struct keyring *ring;
	struct store *st;
	struct npserr err;
	int c, ret;

	if ((c = cli_options_config(argc, argv, retry_usage,
	    &config_path)) >= 0)
		return c;
	if (optind < argc) {
		fprintf(stderr, "npsgate followup-retry: no arguments"
		    " expected\n");
		return EXIT_USAGE;
	}
	if ((ret = cli_ring_store_open("followup-retry", config_path, &cf, &ring,
	    &st)) != 0)
		return ret;
	{
		struct followup_ctx fctx = { cf, ring, st, time(NULL) };

		if (followup_retry_due(&fctx, &rep, &err) < 0) {
			fprintf(stderr, "npsgate followup-retry: %s\n",
			    err.msg);
			ret = EXIT_WORK;
		} else {
			report_print(&rep);
		}
		if (forward_send_due(cf, st, fctx.now, NULL, &err) < 0) {
			fprintf(stderr, "npsgate followup-retry: forward: %s\n",
			    err.msg);
			ret = EXIT_WORK;
		}
	}
	if (fflush(stdout) != 0)
		ret = EXIT_WORK;
	cli_ring_store_close(cf, ring, st);
	return ret;
}
