/*
 * cmd_render.c - npsgate render: preview the score widget.
 *
 * npsgate render [-c FILE] [--style S] [--lang L] [--type T] [--text]
 *	Writes to stdout a whole HTML page holding the widget alone, as the
 *	milter would put it in a mail (or, with --text, its text version),
 *	with a fixed sample token: the links are real mailto or landing
 *	links, but no survey answers them. Without -c the built-in defaults
 *	are used (templates from NPSGATE_TEMPLATES_DIR when set). Style,
 *	language and type default to the config's [survey] style,
 *	[general] default_lang and NPS.
 *	Exit status: 0, 1 templates unreadable, 2 bad usage, 3 bad config.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "outgoing/rewrite.h"
#include "survey/nps.h"

/* Well-formed but signed by no key: a preview must not be answerable. */
#define RENDER_SAMPLE_TOKEN "sampletokenaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void
render_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate render [-c FILE] "
	    "[--style numbers|stars|icons|gradient]\n"
	    "                      [--lang LANG] [--type nps|csat|ces] "
	    "[--text]\n"
	    "\n"
	    "Writes an HTML page with the score widget alone (or, with --text,\n"
	    "the text version put in text/plain parts) to stdout, with a\n"
	    "sample token that no survey answers. Without -c the built-in\n"
	    "defaults are used.\n"
	    "\n"
	    "  -c, --config FILE  texts, colours, URLs and templates_dir from "
	    "FILE\n"
	    "  -s, --style S      numbers, stars, icons or gradient; default:\n"
	    "                     [survey] style\n"
	    "  -l, --lang L       fr, en, de, es, it, nl or pt, or a tag of "
	    "one\n"
	    "                     (pt-BR, deu...); default: [general] "
	    "default_lang\n"
	    "  -t, --type T       nps (default), csat or ces\n"
	    "      --text         the text version instead of the HTML page\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 written, 1 templates unreadable, 2 usage, "
	    "3 bad config.\n");
}

static int
parse_style(const char *s, enum widget_style *out)
{
	if (strcasecmp(s, "numbers") == 0)
		*out = STYLE_NUMBERS;
	else if (strcasecmp(s, "stars") == 0)
		*out = STYLE_STARS;
	else if (strcasecmp(s, "icons") == 0)
		*out = STYLE_ICONS;
	else if (strcasecmp(s, "gradient") == 0)
		*out = STYLE_GRADIENT;
	else
		return -1;
	return 0;
}

int
cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "style", required_argument, NULL, 's' },
		{ "lang", required_argument, NULL, 'l' },
		{ "type", required_argument, NULL, 't' },
		{ "text", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = NULL, *style = NULL, *lang = NULL;
	const char *type = NULL, *shown;
	struct widget_request req;
	struct widget_templates *tpl;
	struct config *cf;
	struct npserr err;
	struct buf out = BUF_INIT;
	bool text = false;
	int c, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:l:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			style = optarg;
			break;
		case 'l':
			lang = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 'x':
			text = true;
			break;
		case 'h':
			render_usage(stdout);
			return 0;
		default:
			render_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate render: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	memset(&req, 0, sizeof(req));
	req.type = SURVEY_NPS;
	if (type != NULL && nps_type_parse(type, strlen(type), &req.type) < 0) {
		fprintf(stderr, "npsgate render: --type %s: unknown survey "
		    "type; allowed: nps, csat, ces\n", type);
		return EXIT_USAGE;
	}
	if (style != NULL && parse_style(style, &req.style) < 0) {
		fprintf(stderr, "npsgate render: --style %s: unknown style; "
		    "allowed: numbers, stars, icons, gradient\n", style);
		return EXIT_USAGE;
	}
	if (config_path != NULL) {
		/* A preview needs no key file: do not require one. */
		cf = config_load_flags(config_path, CONFIG_NO_FILE_CHECKS, &err);
		if (cf == NULL) {
			fprintf(stderr, "npsgate render: %s\n", err.msg);
			return EXIT_CONFIG;
		}
	} else
		cf = config_defaults();
	if (style == NULL)
		req.style = cf->style;
	req.lang = lang != NULL ? lang : cf->default_lang;
	req.token = RENDER_SAMPLE_TOKEN;
	req.reply_address = NULL;	/* from [general] reply_address */

	tpl = widget_templates_load(cf->templates_dir, &err);
	if (tpl == NULL) {
		fprintf(stderr, "npsgate render: %s\n", err.msg);
		config_free(cf);
		return EXIT_WORK;
	}
	/* The widget's language is the page's; a language without
	 * templates is said once, then the default speaks. */
	shown = widget_lang(cf, tpl, req.lang);
	if (lang != NULL && !lang_is(lang, shown))
		fprintf(stderr, "npsgate render: --lang %s: no templates for "
		    "this language; rendering %s (default_lang)\n", lang,
		    shown);
	req.lang = shown;
	/* The page is the widget's alone, so it may say that it reads in
	 * light and dark (color-scheme): a dark client then shows it on its
	 * own dark background, the way a transparent widget sits in a dark
	 * mail. A help desk's mail never gets this from the widget: it
	 * would change how the client draws the whole mail. */
	if (!text)
		buf_printf(&out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>"
		    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
		    "content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"color-scheme\" content=\"light dark\">\n"
		    "<meta name=\"supported-color-schemes\" "
		    "content=\"light dark\">\n"
		    "<title>npsgate widget preview</title></head>\n"
		    "<body style=\"margin:0;padding:8px;\">\n", shown);
	if (widget_render(cf, tpl, &req, !text, &out, &err) < 0) {
		fprintf(stderr, "npsgate render: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		buf_puts(&out, text ? "\n" : "\n</body>\n</html>\n");
		if (fwrite(out.data, 1, out.len, stdout) != out.len ||
		    fflush(stdout) != 0) {
			fprintf(stderr, "npsgate render: cannot write to "
			    "stdout\n");
			ret = EXIT_WORK;
		}
	}
	buf_free(&out);
	widget_templates_free(tpl);
	config_free(cf);
	return ret;
}
