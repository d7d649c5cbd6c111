/*
 * rewrite_tool.c - runs rewrite_message on one file, for the corpus checks.
 *
 * rewrite_tool [--no-token] [--style S] [--lang L] [--type T] FILE
 * rewrite_tool [--style S] [--lang L] [--type T] --print-widget html|text
 * The first form writes the whole new message to stdout and one status line to stderr:
 * "tags=N changed=0|1 malformed=0|1 reason=TEXT". Templates come from
 * NPSGATE_TEMPLATES_DIR (through config_defaults). The token is a fixed
 * test value: this program signs nothing and stores nothing.
 * Exit status: 0, 1 on an internal failure, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "outgoing/rewrite.h"
#include "survey/nps.h"

#define TEST_TOKEN "t3sttok3naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static int
usage(void)
{
	fprintf(stderr, "usage: rewrite_tool [--no-token] [--style "
	    "stars|icons|gradient] [--lang fr|en] [--type nps|csat|ces] "
	    "FILE | --print-widget html|text\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "fr",
	    TEST_TOKEN, "nps+" TEST_TOKEN "@reply.example" };
	struct rewrite_result res;
	struct widget_templates *tpl;
	struct config *cf;
	struct npserr err;
	struct buf in = BUF_INIT, out = BUF_INIT;
	const char *file = NULL, *widget = NULL;
	char chunk[65536];
	size_t n;
	FILE *fp;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-token") == 0)
			req.token = NULL;
		else if (strcmp(argv[i], "--style") == 0 && i + 1 < argc) {
			i++;
			req.style = strcmp(argv[i], "icons") == 0 ? STYLE_ICONS :
			    strcmp(argv[i], "gradient") == 0 ? STYLE_GRADIENT :
			    STYLE_STARS;
		} else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			req.lang = argv[++i];
		else if (strcmp(argv[i], "--print-widget") == 0 &&
		    i + 1 < argc)
			widget = argv[++i];
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
			i++;
			if (nps_type_parse(argv[i], strlen(argv[i]),
			    &req.type) < 0)
				return usage();
		} else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return usage();
	}
	if (file == NULL && widget == NULL)
		return usage();
	cf = config_defaults();
	/* Exercise every link the widget can carry. */
	free(cf->icon_url);
	cf->icon_url = xstrdup("https://cdn.helpdesk.example/nps/{score}.png");
	free(cf->privacy_url);
	cf->privacy_url = xstrdup("https://helpdesk.example/privacy?a=1&b=2");
	tpl = widget_templates_load(cf->templates_dir, &err);
	if (tpl == NULL) {
		fprintf(stderr, "rewrite_tool: %s\n", err.msg);
		config_free(cf);
		return 1;
	}
	if (widget != NULL) {
		rc = widget_render(cf, tpl, &req, strcmp(widget, "html") == 0,
		    &out, &err);
		if (rc < 0)
			fprintf(stderr, "rewrite_tool: %s\n", err.msg);
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
		buf_free(&out);
		widget_templates_free(tpl);
		config_free(cf);
		return rc < 0 ? 1 : 0;
	}
	if ((fp = fopen(file, "rb")) == NULL) {
		perror(file);
		widget_templates_free(tpl);
		config_free(cf);
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&in, chunk, n);
	fclose(fp);
	rc = rewrite_message(cf, tpl, &req, in.data ? in.data : "", in.len,
	    &res, &err);
	if (rc < 0)
		fprintf(stderr, "rewrite_tool: %s\n", err.msg);
	else {
		rewrite_message_assemble(in.data ? in.data : "", in.len, &res,
		    &out);
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
		fprintf(stderr, "tags=%d changed=%d malformed=%d reason=%s\n",
		    res.tags, res.changed, res.malformed, res.reason);
	}
	rewrite_result_clear(&res);
	widget_templates_free(tpl);
	config_free(cf);
	buf_free(&in);
	buf_free(&out);
	return rc < 0 ? 1 : 0;
}
