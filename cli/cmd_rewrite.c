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
#include "cli.h"
#include "conf/config.h"
#include "base/npserr.h"
#include "outgoing/outgoing.h"
#include "outgoing/rewrite.h"
#include "store/store.h"
#include "survey/token.h"
#include "base/xalloc.h"

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
	    "  -s, --style S      stars, icons or gradient\n"
	    "  -l, --lang L       fr or en (instead of X-NPS-Lang)\n"
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
	size_t i = 0, start, a0, a1;
	bool quoted;

	while (i < n) {
		start = i;
		quoted = false;
		a0 = a1 = (size_t)-1;
		for (; i < n; i++) {
			if (v[i] == '"')
				quoted = !quoted;
			else if (!quoted && v[i] == '<')
				a0 = i + 1;
			else if (!quoted && v[i] == '>' && a0 != (size_t)-1)
				a1 = i;
			else if (!quoted && v[i] == ',')
				break;
		}
		if (a0 == (size_t)-1 || a1 == (size_t)-1) {
			a0 = start;
			a1 = i;
			while (a0 < a1 && strchr(" \t\r\n", v[a0]))
				a0++;
			while (a1 > a0 && strchr(" \t\r\n", v[a1 - 1]))
				a1--;
			if (memchr(v + a0, '@', a1 - a0) == NULL)
				a1 = a0;
		}
		if (a1 > a0) {
			*list = xrealloc(*list, (*count + 1) * sizeof(char *));
			(*list)[(*count)++] = xstrndup(v + a0, a1 - a0);
		}
		i++;
	}
}

static int
style_parse(const char *s, int *out)
{
	static const char *const names[] = { "stars", "icons", "gradient" };
	int i;

	for (i = 0; i < 3; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

int
cmd_rewrite(int argc, char **argv)
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
	const char *config_path = NULL, *lang = NULL;
	struct config *cf = NULL;
	struct keyring *ring = NULL;
	struct widget_templates *tpl = NULL;
	struct store *st = NULL;
	struct outgoing_header *hdrs = NULL;
	struct outgoing_input in;
	struct outgoing_result res;
	struct outgoing_ctx octx;
	struct buf msg = BUF_INIT, out = BUF_INIT;
	struct npserr err;
	char **rcpts = NULL, *end;
	size_t n_rcpts = 0, n_hdrs = 0, i;
	bool dry = false, verbose = false, processed = false;
	int c, r, style = -1, ret = EXIT_WORK;
	long long now = (long long)time(NULL);

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:ns:l:r:t:vh", opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 's':
			if (style_parse(optarg, &style) < 0) {
				fprintf(stderr, "npsgate rewrite: --style "
				    "'%s': allowed: stars, icons, gradient\n",
				    optarg);
				goto usage;
			}
			break;
		case 'l':
			lang = optarg;
			break;
		case 'r':
			rcpts = xrealloc(rcpts, (n_rcpts + 1) *
			    sizeof(char *));
			rcpts[n_rcpts++] = xstrdup(optarg);
			break;
		case 't':
			errno = 0;
			now = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || now < 0) {
				fprintf(stderr, "npsgate rewrite: --now '%s':"
				    " allowed: seconds since the epoch\n",
				    optarg);
				goto usage;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			rewrite_usage(stdout);
			ret = 0;
			goto done;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate rewrite: unexpected argument '%s'; "
		    "the message is read from standard input\n",
		    argv[optind]);
		goto usage;
	}

	if (dry && config_path == NULL)
		cf = config_defaults();
	else
		cf = cli_config_load("rewrite", config_path);
	if (cf == NULL) {
		ret = EXIT_CONFIG;
		goto done;
	}
	ring = dry ? keyring_new_test() : keyring_load(cf->key_file, &err);
	if (ring == NULL) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
		ret = EXIT_CONFIG;
		goto done;
	}
	if ((tpl = widget_templates_load(cf->templates_dir, &err)) == NULL) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
		ret = EXIT_CONFIG;
		goto done;
	}
	if (buf_read_stream(&msg, stdin, 0) < 0) {
		fprintf(stderr, "npsgate rewrite: cannot read standard input: "
		    "%s\n", strerror(errno));
		goto done;
	}
	if (!dry && (st = store_open(cf->store_path, cf->busy_timeout_ms,
	    &err)) == NULL) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
		goto done;
	}

	n_hdrs = outgoing_headers_parse(buf_cstr(&msg), msg.len,
	    &hdrs);
	if (n_rcpts == 0)
		for (i = 0; i < n_hdrs; i++)
			if (strcasecmp(hdrs[i].name, "To") == 0 ||
			    strcasecmp(hdrs[i].name, "Cc") == 0)
				addresses_add(hdrs[i].value, hdrs[i].vlen,
				    &rcpts, &n_rcpts);

	memset(&in, 0, sizeof(in));
	in.hdrs = hdrs;
	in.n_hdrs = n_hdrs;
	in.rcpts = rcpts;
	in.n_rcpts = n_rcpts;
	in.msg = buf_cstr(&msg);
	in.len = msg.len;
	/* As in the milter: a body beyond max_body passes unchanged. */
	in.oversized = msg.len - rewrite_body_offset(in.msg, msg.len) >
	    cf->max_body;
	in.queue_id = NULL;
	in.now = now;
	in.lang = lang;
	in.style = style;
	octx.cf = cf;
	octx.ring = ring;
	octx.tpl = tpl;
	processed = true;
	r = outgoing_decide(&octx, st, &in, NULL, NULL, &res, &err);
	if (r == -1) {
		fprintf(stderr, "npsgate rewrite: %s\n", err.msg);
	} else if (r < 0) {
		fprintf(stderr, "npsgate rewrite: %s; no survey\n", err.msg);
	} else {
		ret = 0;
		if (verbose)
			fprintf(stderr, "npsgate rewrite: %s%s\n",
			    res.summary[0] ? res.summary : "no tag",
			    dry ? " (dry run)" : "");
	}
	outgoing_apply(&res, in.msg, in.len, &out);
	if (fwrite(buf_cstr(&out), 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "npsgate rewrite: cannot write standard "
		    "output: %s\n", strerror(errno));
		ret = EXIT_WORK;
	}
	goto done;

usage:
	rewrite_usage(stderr);
	ret = EXIT_USAGE;
done:
	if (processed)
		outgoing_result_clear(&res);
	outgoing_headers_free(hdrs, n_hdrs);
	for (i = 0; i < n_rcpts; i++)
		free(rcpts[i]);
	free(rcpts);
	buf_free(&msg);
	buf_free(&out);
	if (st != NULL)
		store_close(st);
	if (tpl != NULL)
		widget_templates_free(tpl);
	if (ring != NULL)
		keyring_free(ring);
	config_free(cf);
	return ret;
}
