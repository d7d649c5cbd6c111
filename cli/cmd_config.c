/*
 * cmd_config.c - npsgate check-config: validate npsgate.conf and print the
 * effective settings.
 *
 * npsgate check-config [-c FILE] [--strict] [FILE]
 *	Reads FILE (the default config when none is named), checks the
 *	syntax and every value, and prints every setting, defaults included,
 *	as a valid npsgate.conf on stdout. Problems go to stderr, one line
 *	each. A missing key file is a warning, with the command that creates
 *	it, so a fresh install (or the sample config) can be checked before
 *	`npsgate keygen`; --strict makes it an error, as it is for the
 *	daemons. Files that only some programs need (IMAP password, CA,
 *	templates) are checked with a warning in both modes, and so is a
 *	config without a scope ([milter] scope_*) whose milter Postfix's
 *	smtpd_milters names (postconf, next to [milter] postsuper), and a
 *	channel the file defines whose name is a built-in or preset
 *	channel's within two edits ([channel.emial]); a themes
 *	file (templates_dir/LANG/themes.conf) that does not parse is an
 *	error, named with its line. Last comes the store, as a comment:
 *	its database (SQLite or PostgreSQL), its address and its schema
 *	version, read without changing anything; a store that cannot be
 *	reached is a warning.
 *	Exit status: 0 valid, 2 bad usage, 3 invalid (or a missing file with
 *	--strict).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "cli.h"
#include "conf/config.h"
#include "mail/sendmail.h"
#include "outgoing/helpdesk.h"
#include "outgoing/rules.h"
#include "store/store.h"
#include "themes/themes.h"

static void
check_config_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate check-config [-c FILE] [--strict] [FILE]\n"
	    "\n"
	    "Validates npsgate.conf (default %s) and prints the effective\n"
	    "settings, defaults included, on stdout.\n"
	    "\n"
	    "  -c, --config FILE  the config to check (or give FILE last)\n"
	    "  -s, --strict       a missing key file is an error, as for the\n"
	    "                     daemons (default: a warning)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 valid, 2 usage, 3 invalid config.\n",
	    CLI_DEFAULT_CONFIG);
}

/* Warns when a file or directory that only some programs need is missing:
 * "FILE: [section] key: PATH: why (who needs it)". */
static void
check_config_warn_path(const struct config *cf, const char *key,
    const char *path, int want_dir, const char *who)
{
	struct stat sb;
	const char *why = NULL;

	if (path == NULL || *path == '\0')
		return;
	if (stat(path, &sb) < 0 || access(path, R_OK) < 0)
		why = strerror(errno);
	else if (want_dir && !S_ISDIR(sb.st_mode))
		why = "not a directory";
	else if (!want_dir && S_ISDIR(sb.st_mode))
		why = "is a directory";
	if (why != NULL)
		fprintf(stderr, "npsgate check-config: warning: %s: %s: %s: %s "
		    "(%s)\n", cf->path, key, path, why, who);
}

/* True when item, one entry of smtpd_milters, names the milter socket
 * spec (unix:PATH relative to the queue directory or absolute, inet:HOST:
 * PORT against inet:PORT@HOST). */
static bool
check_config_names_milter(const char *spec, const char *item, size_t n)
{
	const char *p, *at;
	size_t pl, il;

	if (n > 5 && strncmp(item, "unix:", 5) == 0 &&
	    (strncmp(spec, "unix:", 5) == 0 ||
	    strncmp(spec, "local:", 6) == 0)) {
		p = strchr(spec, ':') + 1;
		item += 5;
		n -= 5;
		while (n > 0 && *item == '/') {
			item++;
			n--;
		}
		pl = strlen(p);
		return n > 0 && pl >= n && strncmp(p + pl - n, item, n) == 0 &&
		    (pl == n || p[pl - n - 1] == '/');
	}
	if (strncmp(item, "inet:", 5) == 0 && strncmp(spec, "inet", 4) == 0 &&
	    (p = strchr(spec, ':')) != NULL) {
		p++;
		at = strchr(p, '@');
		pl = at != NULL ? (size_t)(at - p) : strlen(p);
		for (il = n; il > 0 && item[il - 1] != ':'; il--)
			;
		return il > 0 && n - il == pl && strncmp(item + il, p, pl) == 0;
	}
	return false;
}

/*
 * check_config_warn_scope - without a scope every mail Postfix's smtpd
 * receives is examined, mail from the Internet included: when postconf
 * says smtpd_milters names this milter, that deserves a warning.
 */
static void
check_config_warn_scope(const struct config *cf)
{
	struct sendmail_result res;
	struct npserr err;
	struct buf postconf = BUF_INIT;
	const char *argv[6], *slash = strrchr(cf->postsuper, '/'), *p;
	size_t n;
	int argc = 0;

	if (rules_scope_is_set(cf) || slash == NULL)
		return;
	buf_append(&postconf, cf->postsuper, (size_t)(slash - cf->postsuper));
	buf_puts(&postconf, "/postconf");
	argv[argc++] = buf_cstr(&postconf);
	if (cf->postfix_config_dir != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = cf->postfix_config_dir;
	}
	argv[argc++] = "-h";
	argv[argc++] = "smtpd_milters";
	argv[argc] = NULL;
	memset(&res, 0, sizeof(res));
	if (sendmail_run((char *const *)argv, NULL, NULL, 0, 10000, &res,
	    &err) == 0 && res.status == 0 && res.output != NULL) {
		for (p = res.output; *p != '\0'; p += n) {
			p += strspn(p, " \t\r\n,{}");
			n = strcspn(p, " \t\r\n,{}");
			if (n > 0 && check_config_names_milter(cf->milter_socket,
			    p, n)) {
				fprintf(stderr, "npsgate check-config: warning: "
				    "%s: [milter] no scope_clients, "
				    "scope_logins or scope_senders, and "
				    "Postfix's smtpd_milters names the milter: "
				    "every mail it receives, from the Internet "
				    "too, can become a survey; set a scope "
				    "(doc/postfix.md)\n", cf->path);
				break;
			}
		}
	}
	sendmail_result_clear(&res);
	buf_free(&postconf);
}

/*
 * check_config_warn_channels - a [channel.NAME] of a new name a little
 * different from a known one is most likely that one misspelt, which
 * would leave the known channel at its defaults: a warning at the
 * section's line. The known names are the built-in channels and those
 * the help desks' presets map their words to.
 */
static void
check_config_warn_channels(const struct config *cf)
{
	char **known = NULL;
	const char *pos, *name, *near;
	size_t n = 0, len, i;
	int h;

	for (h = 0; h < HELPDESK_COUNT; h++) {
		pos = helpdesk_preset((enum helpdesk)h)->aliases;
		while ((name = helpdesk_alias_next(&pos, &len)) != NULL) {
			known = xrealloc(known, (n + 1) * sizeof(*known));
			known[n++] = xstrndup(name, len);
		}
	}
	for (i = 0; i < cf->n_channels; i++) {
		near = config_channel_typo(cf, &cf->channels[i],
		    (const char *const *)known, n);
		if (near != NULL)
			fprintf(stderr, "npsgate check-config: warning: %s:%d: "
			    "[channel.%s] defines a new channel; did you mean "
			    "[channel.%s]? (a new channel is otherwise fine)\n",
			    cf->path, cf->channels[i].line,
			    cf->channels[i].name, near);
	}
	for (i = 0; i < n; i++)
		free(known[i]);
	free(known);
}

/*
 * check_config_store - the store the programs would open, and its schema
 * version, as a comment after the settings ("; store: ..."); looked at
 * without changing it. A store that cannot be reached is a warning: the
 * config is right, the server or the file is what to fix.
 */
static void
check_config_store(const struct config *cf)
{
	const char *where = config_store_address(cf);
	const char *kind = config_store_file(cf) != NULL ? "SQLite" :
	    "PostgreSQL";
	struct npserr err;
	int version, rc;

	rc = store_peek_version(where, cf->busy_timeout_ms, &version, &err);
	printf("\n; store: %s %s, ", kind, where);
	if (rc < 0) {
		printf("not reached\n");
		fprintf(stderr, "npsgate check-config: warning: %s: [store] "
		    "%s: %s\n", cf->path, config_store_file(cf) != NULL ?
		    "path" : "url", err.msg);
	} else if (rc == 0) {
		printf("no file yet (made on first use, schema version %d)\n",
		    STORE_SCHEMA_VERSION);
	} else if (version == 0) {
		printf("no schema yet (made on first use, schema version "
		    "%d)\n", STORE_SCHEMA_VERSION);
	} else {
		printf("schema version %d%s\n", version,
		    version < STORE_SCHEMA_VERSION ? " (migrated on first "
		    "use)" : version > STORE_SCHEMA_VERSION ? " (newer than "
		    "this npsgate: upgrade it)" : "");
	}
}

int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	struct config *cf;
	struct npserr err;
	struct themes *themes;
	int c, strict = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:sh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 's':
			strict = 1;
			break;
		case 'h':
			check_config_usage(stdout);
			return 0;
		default:
			check_config_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		if (path != NULL || optind + 1 < argc) {
			fprintf(stderr, "npsgate check-config: name one config "
			    "file, with -c FILE or as the last argument\n");
			return EXIT_USAGE;
		}
		path = argv[optind];
	}
	if (path == NULL)
		path = CLI_DEFAULT_CONFIG;

	cf = config_load_flags(path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL) {
		fprintf(stderr, "npsgate check-config: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	if (config_check_files(cf, &err) < 0) {
		if (strict) {
			fprintf(stderr, "npsgate check-config: %s\n", err.msg);
			config_free(cf);
			return EXIT_CONFIG;
		}
		fprintf(stderr, "npsgate check-config: warning: %s\n",
		    err.msg);
	}
	check_config_warn_path(cf, "[general] templates_dir",
	    cf->templates_dir, 1, "npsgate-milter and npsgate render need it");
	/* The themes files are read by the hook at start: one that does not
	 * parse would stop it, so it is an error here too. */
	if ((themes = themes_load(cf->templates_dir, &err)) == NULL) {
		fprintf(stderr, "npsgate check-config: %s\n", err.msg);
		config_free(cf);
		return EXIT_CONFIG;
	}
	themes_free(themes);
	check_config_warn_path(cf, "[imap] password_file",
	    cf->imap_password_file, 0, "npsgate-imapd-hook needs it");
	check_config_warn_path(cf, "[imap] ca_file", cf->imap_ca_file, 0,
	    "npsgate-imapd-hook needs it");
	check_config_warn_scope(cf);
	check_config_warn_channels(cf);
	config_dump(cf, stdout);
	check_config_store(cf);
	/* The name under which this relay's milter records the surveys it
	 * holds and its `npsgate release` finds them again. */
	printf("; relay: %s\n", cf->node);
	config_free(cf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "npsgate check-config: unable to write the "
		    "settings: %s\n", strerror(errno));
		return EXIT_WORK;
	}
	return 0;
}
