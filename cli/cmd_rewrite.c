/*
 * cmd_rewrite.c - npsgate rewrite: the milter's transformation, offline.
 *
 * npsgate rewrite [-c FILE] [--dry-run] [--style S] [--lang L]
 *     [--rcpt ADDR]... [--now T] < in.eml > out.eml
 *	Runs outgoing_process() (lib/outgoing/outgoing.c), the very code
 *	npsgate-milter runs at the end of each message, on one message read
 *	from standard input, and writes the message as Postfix would pass
 *	it on: X-NPS-* headers removed, the tag replaced by the widget (or
 *	removed), Reply-To and List-Unsubscribe set for a survey.
 *	Without --dry-run it signs with the configured key file and writes
 *	the survey or event row to the store, as the milter does. With
 *	--dry-run it signs with the fixed, public test key, never opens the
 *	store (so no throttling or unsubscribe check), and uses the
 *	built-in defaults when no -c is given.
 *	The envelope recipients are the --rcpt addresses, or else the
 *	addresses of the To and Cc headers.
 *	Exit status: 0 written, 1 failure (the message is still written,
 *	with only the internal headers removed, as the milter would pass
 *	it), 2 bad usage, 3 bad config.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "cli.h"
#include "conf/config.h"
#include "mail/address.h"
#include "outgoing/outgoing.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "survey/token.h"

static void
rewrite_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate rewrite [-c FILE] [--dry-run] [--style S] "
	    "[--lang L]\n"
	    "                       [--rcpt ADDR]... [--now T] "
	    "< in.eml > out.eml\n"
	    "\n"
	    "Applies npsgate-milter's exact transformation to one message:\n"
	    "internal X-NPS-* headers removed, the tag replaced by the survey\n"
	    "widget (or removed when there is no survey), Reply-To and\n"
	    "List-Unsubscribe set. Without --dry-run the survey or event is\n"
	    "written to the store, as the milter does.\n"
	    "\n"
	    "  -c, --config FILE  configuration (default %s;\n"
	    "                     with --dry-run, built-in defaults)\n"
	    "  -n, --dry-run      fixed public test key, no store access\n"
	    "  -s, --style S      numbers, stars, icons or gradient\n"
	    "  -l, --lang L       fr, en, de, es, it, nl or pt, or a tag of "
	    "one\n"
	    "                     (instead of X-NPS-Lang)\n"
	    "  -r, --rcpt ADDR    envelope recipient (repeatable; default:\n"
	    "                     the To and Cc addresses)\n"
	    "  -t, --now T        the time, in seconds since the epoch\n"
	    "  -v, --verbose      say what was decided, on stderr\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 done, 1 failure (internal headers still\n"
	    "removed), 2 usage, 3 bad config.\n", CLI_DEFAULT_CONFIG);
}

/*
 * addresses_add - the addresses of an address-list header value: the
 * part in <> of each item, or the bare item when it holds an '@'.
 */
static void
addresses_add(const char *v, size_t n, char ***list, size_t *count)
{
	size_t pos = 0, alen;
	const char *a;

	while (address_list_next(v, n, &pos, &a, &alen)) {
		if (alen == 0 || memchr(a, '@', alen) == NULL)
			continue;
		*list = xrealloc(*list, (*count + 1) * sizeof(char *));
		(*list)[(*count)++] = xstrndup(a, alen);
	}
}

static int
style_parse(const char *s, int *out)
{
	/* In the order of enum widget_style. */
	static const char *const names[] = {
		"numbers", "stars", "icons", "gradient"
	};
	int i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

/* What the command line asks for. */
struct rewrite_opts {
	const char *config_path;
	const char *lang;	/* --lang; NULL: X-NPS-Lang decides */
	char **rcpts;		/* --rcpt, else To and Cc; owned */
	size_t n_rcpts;
	bool dry, verbose, help;
	int style;		/* enum widget_style, or -1: the config's */
	long long now;
};

/* What a run holds open: the store only outside a dry run. */
struct rewrite_env {
	struct config *cf;
	struct keyring *ring;
	struct widget_templates *tpl;
	struct store *st;	/* NULL in a dry run */
	struct buf msg;		/* the message, from standard input */
};

/*
 * Reads the options into o. 0; -1 on bad usage, after saying what was
 * wrong (getopt_long speaks for itself). Stops at --help.
 */
static int
rewrite_getopt(int argc, char **argv, struct rewrite_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "style", required_argument, NULL, 's' },
		{ "lang", required_argument, NULL, 'l' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:ns:l:r:t:vh", opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'n':
			o->dry = true;
			break;
		case 's':
			if (style_parse(optarg, &o->style) < 0) {
				fprintf(stderr, "npsgate rewrite: --style "
				    "'%s': allowed: numbers, stars, icons, "
				    "gradient\n", optarg);
				return -1;
			}
			break;
		case 'l':
			o->lang = optarg;
			break;
		case 'r':
			o->rcpts = xrealloc(o->rcpts, (o->n_rcpts + 1) *
			    sizeof(char *));
			o->rcpts[o->n_rcpts++] = xstrdup(optarg);
			break;
		case 't':
			errno = 0;
			o->now = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o->now < 0) {
				fprintf(stderr, "npsgate rewrite: --now '%s':"
				    " allowed: seconds since the epoch\n",
				    optarg);
				return -1;
			}
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate rewrite: unexpected argument '%s'; "
		    "the message is read from standard input\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/*
 * Loads what the run needs: the config (built-in defaults for a dry run
 * without -c), the key ring (the public test key for a dry run), the
 * templates, the message and, unless dry, the store. 0, or the exit
 * status after a message.
 */
static int
rewrite_env_open(const struct rewrite_opts *o, struct rewrite_env *env)
{
	struct npserr err;

	if (o->dry && o->config_path == NULL)
		env->cf = config_defaults();
	else
		env->cf = cli_config_load("rewrite", o->config_path);
	if (env->cf == NULL)
		return EXIT_CONFIG;
	env->ring = o->dry ? keyring_new_test() :
	    keyring_load(env->cf->key_file, &err);
	if (env->ring == NULL) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	env->tpl = widget_templates_load(env->cf->templates_dir, &err);
	if (env->tpl == NULL) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	if (buf_read_stream(&env->msg, stdin, 0) < 0) {
		fprintf(stderr, "npsgate rewrite: cannot read standard input: "
		    "%s\n", strerror(errno));
		return EXIT_WORK;
	}
	if (!o->dry && (env->st = store_open(config_store_address(env->cf),
	    env->cf->busy_timeout_ms, &err)) == NULL) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
		return EXIT_WORK;
	}
	return 0;
}

static void
rewrite_env_close(struct rewrite_env *env)
{
	buf_free(&env->msg);
	if (env->st != NULL)
		store_close(env->st);
	if (env->tpl != NULL)
		widget_templates_free(env->tpl);
	if (env->ring != NULL)
		keyring_free(env->ring);
	config_free(env->cf);
}

/*
 * The message through outgoing_decide, as the milter runs it, and written
 * to standard output as Postfix would pass it on: the internal headers
 * removed even when the transformation failed. Returns the exit status.
 */
static int
rewrite_run(struct rewrite_opts *o, const struct rewrite_env *env)
{
	struct outgoing_header *hdrs = NULL;
	struct outgoing_input in;
	struct outgoing_result res;
	struct outgoing_ctx octx;
	struct buf out = BUF_INIT;
	struct npserr err;
	size_t n_hdrs, i;
	int r, ret = EXIT_WORK;

	n_hdrs = outgoing_headers_parse(buf_cstr(&env->msg), env->msg.len,
	    &hdrs);
	if (o->n_rcpts == 0)
		for (i = 0; i < n_hdrs; i++)
			if (strcasecmp(hdrs[i].name, "To") == 0 ||
			    strcasecmp(hdrs[i].name, "Cc") == 0)
				addresses_add(hdrs[i].value, hdrs[i].vlen,
				    &o->rcpts, &o->n_rcpts);

	memset(&in, 0, sizeof(in));
	in.hdrs = hdrs;
	in.n_hdrs = n_hdrs;
	in.rcpts = o->rcpts;
	in.n_rcpts = o->n_rcpts;
	in.msg = buf_cstr(&env->msg);
	in.len = env->msg.len;
	/* As in the milter: a body beyond max_body passes unchanged. */
	in.oversized = env->msg.len - rewrite_body_offset(in.msg,
	    env->msg.len) > env->cf->max_body;
	in.queue_id = NULL;
	in.now = o->now;
	in.lang = o->lang;
	in.style = o->style;
	octx.cf = env->cf;
	octx.ring = env->ring;
	octx.tpl = env->tpl;
	r = outgoing_decide(&octx, env->st, &in, NULL, NULL, &res, &err);
	if (r == -1) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
	} else if (r < 0) {
		fprintf(stderr, "npsgate rewrite: %s; no survey\n", err.msg);
	} else {
		ret = 0;
		if (res.warning[0] != '\0')
			fprintf(stderr, "npsgate rewrite: warning: tag: %s\n",
			    res.warning);
		if (o->verbose)
			fprintf(stderr, "npsgate rewrite: %s%s\n",
			    res.summary[0] ? res.summary : "no tag",
			    o->dry ? " (dry run)" : "");
	}
	outgoing_apply(&res, in.msg, in.len, &out);
	if (fwrite(buf_cstr(&out), 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "npsgate rewrite: cannot write standard "
		    "output: %s\n", strerror(errno));
		ret = EXIT_WORK;
	}
	outgoing_result_clear(&res);
	outgoing_headers_free(hdrs, n_hdrs);
	buf_free(&out);
	return ret;
}

/*
 * cmd_rewrite:
 *  1. the options (--help: the usage, and nothing else);
 *  2. the config, key ring, templates, message and store;
 *  3. the message transformed and written out.
 */
int
cmd_rewrite(int argc, char **argv)
{
	struct rewrite_opts o;
	struct rewrite_env env;
	size_t i;
	int ret;

	memset(&o, 0, sizeof(o));
	o.style = -1;
	o.now = (long long)time(NULL);
	memset(&env, 0, sizeof(env));
	buf_init(&env.msg);
	if (rewrite_getopt(argc, argv, &o) < 0) {
		rewrite_usage(stderr);
		ret = EXIT_USAGE;
	} else if (o.help) {
		rewrite_usage(stdout);
		ret = 0;
	} else if ((ret = rewrite_env_open(&o, &env)) == 0)
		ret = rewrite_run(&o, &env);
	rewrite_env_close(&env);
	for (i = 0; i < o.n_rcpts; i++)
		free(o.rcpts[i]);
	free(o.rcpts);
	return ret;
}
