/*
 * cli.h - the verbs of the npsgate command.
 *
 * DESCRIPTION
 *	Each verb is a function int cmd_VERB(int argc, char **argv) with
 *	argv[0] the verb's name; it returns the process exit status:
 *	0 success, 1 failure of the work, 2 bad usage, 3 bad configuration.
 *	Each verb parses its own options with getopt_long (so the options
 *	-c/--config and -h/--help come after the verb) and prints its own
 *	--help. cli_config_path() gives the config named by -c or the default.
 */
#ifndef NPSGATE_CLI_H
#define NPSGATE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/exitcode.h"
#include "conf/config.h"
#include "store/store.h"

struct keyring;
struct widget_templates;

#define CLI_DEFAULT_CONFIG NPSGATE_SYSCONFDIR "/npsgate.conf"

struct cli_verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Loads the config at path (or the default when NULL); on error prints
 * "npsgate VERB: MESSAGE" to stderr and returns NULL. */
struct config *cli_config_load(const char *verb, const char *path);

/* The templates, so that a reply's pre-filled body is recognised as the
 * admin wrote it (widget_mailto_bodies); NULL when they cannot be read,
 * with "npsgate VERB: ..." on stderr unless quiet: the shipped wording is
 * still known. Free with widget_templates_free. */
struct widget_templates *cli_templates(const char *verb,
    const struct config *cf, bool quiet);

/* Loads the config (without requiring the key file, which reports and
 * admin verbs never read) and opens its store; on error prints
 * "npsgate VERB: MESSAGE" and returns EXIT_CONFIG or EXIT_WORK, else 0
 * with *cfp and *stp owned by the caller (config_free, store_close). */
int cli_store_open(const char *verb, const char *path, struct config **cfp,
    struct store **stp);
/* Parses a --since/--until date into its first second (end: the first
 * second of the next day): YYYY-MM-DD, or today, yesterday, week (the
 * Monday of this week), UTC days; on error prints a message, -1. */
int cli_date_option(const char *verb, const char *opt, const char *arg,
    bool end, int64_t *out);
/* Appends s for a terminal: controls (C0, DEL, C1), bidirectional
 * controls and invalid bytes each become U+FFFD (utf8_put_inert); newlines
 * are kept when asked. */
void cli_text_clean(struct buf *out, const char *s, bool keep_newlines);
/* Reads the options of a verb that takes only -c/--config FILE and
 * -h/--help: *path gets FILE (left as it is when none is given), optind
 * the first operand. Returns -1 to go on, or the exit status after
 * printing usage(): 0 for --help, EXIT_USAGE for a bad option. */
int cli_options_config(int argc, char **argv, void (*usage)(FILE *),
    const char **path);
/* Loads the config, its key ring and its store, for the verbs that sign
 * or verify tokens and write answers; on error prints "npsgate VERB:
 * MESSAGE" and returns EXIT_CONFIG (config or key file) or EXIT_WORK (the
 * store), else 0 with the three owned by the caller, who frees them with
 * cli_ring_store_close(). */
int cli_ring_store_open(const char *verb, const char *path,
    struct config **cf, struct keyring **ring, struct store **st);
void cli_ring_store_close(struct config *cf, struct keyring *ring,
    struct store *st);
/* Reads the reply at path ("-": the standard input) into msg, at most
 * INGEST_MAX_MESSAGE bytes; on error prints "npsgate VERB: PATH: WHY"
 * and returns -1, msg then empty. */
int cli_mail_read(const char *verb, const char *path, struct buf *msg);
/* Writes out to the standard output and flushes it; on error prints
 * "npsgate VERB: cannot write the output" and returns EXIT_WORK, else 0. */
int cli_output_write(const char *verb, const struct buf *out);

struct ingest_ctx;
struct ingest_outcome;
typedef void (*cli_ingest_after_fn)(const struct ingest_ctx *ctx,
    const char *file, const struct ingest_outcome *res);
/* The verbs that store replies (ingest, followup): reads -c, then each
 * FILE ("-": the standard input), stores it and prints "FILE: KIND
 * survey=ID score=N new|duplicate[ forwarded]"; after, if not NULL, runs
 * on each reply stored. Returns the exit status. */
int cli_ingest_files(const char *verb, int argc, char **argv,
    void (*usage)(FILE *), cli_ingest_after_fn after);

struct themes;
/* The themes files under the config's templates_dir; NULL after saying
 * "npsgate VERB: FILE:LINE: WHY" (a bad themes file). */
struct themes *cli_themes(const char *verb, const struct config *cf);

int cmd_keygen(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_rewrite(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_responses(int argc, char **argv);
int cmd_detractors(int argc, char **argv);
int cmd_followed_up(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_forget(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_migrate_store(int argc, char **argv);
int cmd_followup(int argc, char **argv);
int cmd_followup_retry(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_retheme(int argc, char **argv);

#endif
