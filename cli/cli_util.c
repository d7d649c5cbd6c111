/*
 * cli_util.c - what several verbs of the npsgate command share: opening
 * the config and its store, reading a date option, cleaning text for a
 * terminal, reading a reply; see cli.h for the contracts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "cli.h"
#include "conf/config.h"
#include "incoming/ingest.h"
#include "report/report.h"
#include "store/store.h"
#include "survey/token.h"

/* cli_store_open - see cli.h. The key file is not needed to read or
 * manage the store, so it is not required here. */
int
cli_store_open(const char *verb, const char *path, struct config **cfp,
    struct store **stp)
{
	struct npserr err;
	struct config *cf;
	struct store *st;

	*cfp = NULL;
	*stp = NULL;
	cf = config_load_flags(path != NULL ? path : CLI_DEFAULT_CONFIG,
	    CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL) {
		fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
		return EXIT_CONFIG;
	}
	if (config_store_address(cf)[0] == '\0') {
		fprintf(stderr, "npsgate %s: %s: [store] path or url is not "
		    "set\n", verb, cf->path);
		config_free(cf);
		return EXIT_CONFIG;
	}
	st = store_open(config_store_address(cf), cf->busy_timeout_ms, &err);
	if (st == NULL) {
		fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
		config_free(cf);
		return EXIT_WORK;
	}
	*cfp = cf;
	*stp = st;
	return 0;
}

/* cli_date_option - see cli.h. */
int
cli_date_option(const char *verb, const char *opt, const char *arg,
    bool end, int64_t *out)
{
	int64_t now = (int64_t)time(NULL), today = now - now % 86400, t;
	/* 1970-01-01 was a Thursday: days since a Monday. */
	int64_t dow = (today / 86400 + 3) % 7;

	if (strcmp(arg, "today") == 0) {
		t = today;
	} else if (strcmp(arg, "yesterday") == 0) {
		t = today - 86400;
	} else if (strcmp(arg, "week") == 0) {
		t = today - dow * 86400;
	} else if (report_date_parse(arg, &t) == -1) {
		fprintf(stderr, "npsgate %s: %s '%s': expected a date"
		    " YYYY-MM-DD, today, yesterday or week\n", verb, opt, arg);
		return -1;
	}
	*out = end ? t + 86400 : t;
	return 0;
}

/* cli_text_clean - see cli.h. */
void
cli_text_clean(struct buf *out, const char *s, bool keep_newlines)
{
	utf8_put_inert(out, s, strlen(s), keep_newlines ? "\n" : "");
}

/* cli_output_write - see cli.h. */
int
cli_output_write(const char *verb, const struct buf *out)
{
	if ((out->len > 0 && fwrite(out->data, 1, out->len, stdout) !=
	    out->len) || fflush(stdout) != 0) {
		fprintf(stderr, "npsgate %s: cannot write the output\n", verb);
		return EXIT_WORK;
	}
	return 0;
}

/* cli_mail_read - see cli.h. */
int
cli_mail_read(const char *verb, const char *path, struct buf *msg)
{
	if (buf_read_file(msg, path, INGEST_MAX_MESSAGE) == 0)
		return 0;
	if (errno == EFBIG)
		fprintf(stderr, "npsgate %s: %s: larger than %lu bytes; not "
		    "read\n", verb, path, INGEST_MAX_MESSAGE);
	else
		fprintf(stderr, "npsgate %s: %s: cannot read: %s\n", verb,
		    path, strerror(errno));
	buf_free(msg);
	return -1;
}

/* cli_ring_store_open - see cli.h. */
int
cli_ring_store_open(const char *verb, const char *path, struct config **cf,
    struct keyring **ring, struct store **st)
{
	struct npserr err;

	*ring = NULL;
	*st = NULL;
	if ((*cf = cli_config_load(verb, path)) == NULL)
		return EXIT_CONFIG;
	if ((*ring = keyring_load((*cf)->key_file, &err)) == NULL) {
		fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
		config_free(*cf);
		return EXIT_CONFIG;
	}
	/* The config was read: a store that cannot be opened (missing
	 * directory, not a database, I/O) is the work failing, as in
	 * cli_store_open, not a configuration to fix. */
	if ((*st = store_open(config_store_address(*cf),
	    (*cf)->busy_timeout_ms, &err)) == NULL) {
		fprintf(stderr, "npsgate %s: %s\n", verb, err.msg);
		keyring_free(*ring);
		config_free(*cf);
		*ring = NULL;
		*cf = NULL;
		return EXIT_WORK;
	}
	return 0;
}

/* cli_ring_store_close - see cli.h. */
void
cli_ring_store_close(struct config *cf, struct keyring *ring, struct store *st)
{
	if (st != NULL)
		store_close(st);
	keyring_free(ring);
	config_free(cf);
}

/* cli_options_config - see cli.h. */
int
cli_options_config(int argc, char **argv, void (*usage)(FILE *),
    const char **path)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}
