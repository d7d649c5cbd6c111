/*
 * cmd_migrate.c - npsgate migrate-store: the configured store copied whole
 * into a new one, typically an SQLite file into an empty PostgreSQL
 * database when a second relay joins.
 *
 * npsgate migrate-store [-c FILE] --to TARGET
 *
 *	The copy is the store's own export read back by its import (lib/
 *	report/), so that it holds across backends exactly as a backup does:
 *	the export is one read transaction of the source (the milter and the
 *	hook may keep writing), the import one write transaction of the
 *	target, which it refuses unless the target is empty. The export goes
 *	through an unnamed temporary file, read twice: once to count the
 *	rows of each table, which are then printed, once to import them.
 *	A password never comes on the command line (any user sees it in the
 *	process list): a TARGET that carries one is refused.
 *
 *	Exit status: 0 copied, 1 the copy failed (nothing is left in the
 *	target), 2 usage, 3 bad config.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/exitcode.h"
#include "base/json.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "cli.h"
#include "conf/config.h"
#include "report/report.h"
#include "store/store.h"

static void
migrate_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate migrate-store [-c FILE] --to TARGET\n"
	    "\n"
	    "Copies the configured store, every table, into the store TARGET,\n"
	    "which must be empty: a PostgreSQL database (postgresql://USER@HOST\n"
	    "[:PORT]/DB, or the libpq keyword form \"host=... dbname=...\"), or\n"
	    "the path of a new SQLite file. The copy is an `npsgate export`\n"
	    "loaded by `npsgate import`, in one transaction: it lands whole or\n"
	    "not at all. Prints the rows copied, \"TABLE N\" per table, then\n"
	    "\"total N\". The password of TARGET comes from PGPASSFILE or\n"
	    "~/.pgpass, never from the command line. Then set [store] url =\n"
	    "TARGET in npsgate.conf on every host and restart the milters and\n"
	    "hooks.\n"
	    "\n"
	    "  -c, --config FILE  npsgate.conf (default %s)\n"
	    "  -t, --to TARGET    the new store\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 copied, 1 the copy failed (the target keeps\n"
	    "nothing of it), 2 usage, 3 bad config.\n", CLI_DEFAULT_CONFIG);
}

/* True for a PostgreSQL address: a URL, or libpq's keyword form (a word
 * and '=' first), as store_open() tells them from a file. */
static bool
migrate_is_postgresql(const char *to)
{
	size_t i;

	if (strncmp(to, "postgresql://", 13) == 0 ||
	    strncmp(to, "postgres://", 11) == 0)
		return true;
	for (i = 0; to[i] >= 'a' && to[i] <= 'z'; i++)
		;
	return i > 0 && to[i] == '=';
}

/* True when a PostgreSQL address carries a password: user:password@ in
 * a URL, or a password parameter in either form. */
static bool
migrate_has_password(const char *to)
{
	const char *p, *end, *at;

	if (strstr(to, "password") != NULL)
		return true;
	if ((p = strstr(to, "://")) == NULL)
		return false;
	p += 3;
	end = p + strcspn(p, "/?");
	at = memchr(p, '@', (size_t)(end - p));
	return at != NULL && memchr(p, ':', (size_t)(at - p)) != NULL;
}

/* One table of the export and its rows, in the order they came. */
struct migrate_count {
	char *table;		/* owned */
	int64_t rows;
};

struct migrate_counts {
	struct migrate_count *v;	/* owned */
	size_t n;
};

static void
migrate_counts_free(struct migrate_counts *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].table);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static void
migrate_counts_add(struct migrate_counts *c, const char *table, size_t len)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->v[i].table) == len &&
		    memcmp(c->v[i].table, table, len) == 0) {
			c->v[i].rows++;
			return;
		}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n].table = xstrndup(table, len);
	c->v[c->n].rows = 1;
	c->n++;
}

/* The rows of each table in the export fp, which is left at its start. */
static int
migrate_count_rows(FILE *fp, struct migrate_counts *c, struct npserr *err)
{
	struct json_object o = { NULL, 0 };
	const struct json_value *t;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int r = 0;

	rewind(fp);
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (++lineno == 1)	/* the header */
			continue;
		if (json_parse_object(line, (size_t)len, &o, err) == -1) {
			r = -1;
			break;
		}
		t = json_object_get(&o, "table");
		if (t != NULL && t->kind == JSON_STRING)
			migrate_counts_add(c, t->s, t->len);
		json_object_clear(&o);
	}
	free(line);
	if (r == 0 && ferror(fp)) {
		npserr_set(err, "cannot read the export back");
		r = -1;
	}
	rewind(fp);
	return r;
}

static int
migrate_getopt(int argc, char **argv, const char **config_path,
    const char **to)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*config_path = NULL;
	*to = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config_path = optarg;
			break;
		case 't':
			*to = optarg;
			break;
		case 'h':
			migrate_usage(stdout);
			return 0;
		default:
			migrate_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate migrate-store: unexpected argument"
		    " '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (*to == NULL || (*to)[0] == '\0') {
		fprintf(stderr, "npsgate migrate-store: --to TARGET is"
		    " required: the PostgreSQL database (or new SQLite file)"
		    " to copy the store into\n");
		return EXIT_USAGE;
	}
	if (migrate_is_postgresql(*to) && migrate_has_password(*to)) {
		fprintf(stderr, "npsgate migrate-store: --to: a password on"
		    " the command line is visible to every user; put it in"
		    " PGPASSFILE or ~/.pgpass and leave it out of TARGET\n");
		return EXIT_USAGE;
	}
	return -1;
}

/* Export of src, counted, into the new store to. */
static int
migrate_copy(struct store *src, const char *from, const char *to,
    int busy_timeout_ms)
{
	struct migrate_counts counts = { NULL, 0 };
	struct store *dst = NULL;
	struct npserr err;
	int64_t total = 0;
	FILE *tmp;
	size_t i;
	int ret = EXIT_WORK;

	if ((tmp = tmpfile()) == NULL) {
		fprintf(stderr, "npsgate migrate-store: cannot create a"
		    " temporary file for the export\n");
		return EXIT_WORK;
	}
	if (report_export(src, tmp, &err) == -1) {
		fprintf(stderr, "npsgate migrate-store: %s: %s\n", from,
		    err.msg);
		goto out;
	}
	if (migrate_count_rows(tmp, &counts, &err) == -1) {
		fprintf(stderr, "npsgate migrate-store: %s\n", err.msg);
		goto out;
	}
	/* Created with the schema when it is new. */
	if ((dst = store_open(to, busy_timeout_ms, &err)) == NULL) {
		fprintf(stderr, "npsgate migrate-store: %s\n", err.msg);
		goto out;
	}
	if (report_import(dst, tmp, "the export", &err) == -1) {
		fprintf(stderr, "npsgate migrate-store: %s: %s\n", to,
		    err.msg);
		goto out;
	}
	printf("npsgate migrate-store: copied %s to %s\n", from, to);
	for (i = 0; i < counts.n; i++) {
		printf("%s %lld\n", counts.v[i].table,
		    (long long)counts.v[i].rows);
		total += counts.v[i].rows;
	}
	printf("total %lld\n", (long long)total);
	ret = EXIT_OK;
out:
	if (dst != NULL)
		store_close(dst);
	migrate_counts_free(&counts);
	fclose(tmp);
	return ret;
}

int
cmd_migrate_store(int argc, char **argv)
{
	const char *config_path, *to;
	struct config *cf;
	struct store *st;
	int ret;

	if ((ret = migrate_getopt(argc, argv, &config_path, &to)) >= 0)
		return ret;
	if ((ret = cli_store_open("migrate-store", config_path, &cf,
	    &st)) != 0)
		return ret;
	if (strcmp(to, cf->store_path) == 0) {
		fprintf(stderr, "npsgate migrate-store: --to %s is the"
		    " configured store itself\n", to);
		ret = EXIT_USAGE;
	} else
		ret = migrate_copy(st, cf->store_path, to,
		    cf->busy_timeout_ms);
	store_close(st);
	config_free(cf);
	return ret;
}
