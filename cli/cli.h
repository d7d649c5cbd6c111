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

#include "config.h"

#define EXIT_WORK 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 3

#define CLI_DEFAULT_CONFIG NPSGATE_SYSCONFDIR "/npsgate.conf"

struct cli_verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Loads the config at path (or the default when NULL); on error prints
 * "npsgate VERB: MESSAGE" to stderr and returns NULL. */
struct config *cli_config_load(const char *verb, const char *path);

int cmd_keygen(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_render(int argc, char **argv);

#endif
