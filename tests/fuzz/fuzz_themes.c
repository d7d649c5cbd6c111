/*
 * fuzz_themes.c - the themes files and the reading of comments.
 *
 * An input is a themes file, then, after a line "%%", a comment. For any
 * input: themes_load either refuses the file with a message naming its
 * line, or gives at most THEMES_MAX themes, each with a name and a label;
 * the comment read with those themes and with the shipped ones (all the
 * languages of FUZZ_SRCDIR/templates) gives a set within the themes
 * loaded, the same set when read twice.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "fuzz.h"
#include "themes/themes.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

static char fuzz_themes_dir[64];
static struct themes *fuzz_shipped;

static void
fuzz_themes_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/en/" THEMES_FILE, fuzz_themes_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/en", fuzz_themes_dir);
	rmdir(path);
	rmdir(fuzz_themes_dir);
	themes_free(fuzz_shipped);
}

static void
fuzz_themes_setup(void)
{
	char path[128];
	struct npserr err;

	snprintf(fuzz_themes_dir, sizeof(fuzz_themes_dir),
	    "/tmp/npsgate-fuzz-themes.XXXXXX");
	FUZZ_CHECK(mkdtemp(fuzz_themes_dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/en", fuzz_themes_dir);
	FUZZ_CHECK(mkdir(path, 0700) == 0, "mkdir");
	fuzz_shipped = themes_load(FUZZ_SRCDIR "/templates", &err);
	FUZZ_CHECK(fuzz_shipped != NULL, "the shipped themes load");
	atexit(fuzz_themes_cleanup);
}

static void
fuzz_themes_read(struct themes *t, const char *lang, const char *text,
    size_t len)
{
	uint64_t a, b, all;
	size_t n = themes_count(t);

	all = n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
	themes_match(t, lang, text, len, &a);
	themes_match(t, lang, text, len, &b);
	FUZZ_CHECK(a == b, "a comment read twice gives the same themes");
	FUZZ_CHECK((a & ~all) == 0, "only themes that exist");
}

int
fuzz_themes_one(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { "en", "fr", "de", "xx", NULL };
	const char *s = (const char *)data, *sep;
	size_t flen = size, i;
	struct npserr err;
	struct themes *t;
	char path[128];
	FILE *fp;

	if (fuzz_shipped == NULL)
		fuzz_themes_setup();
	if (size > FUZZ_MAX_INPUT)
		size = flen = FUZZ_MAX_INPUT;
	sep = memmem(s, size, "\n%%\n", 4);
	if (sep != NULL)
		flen = (size_t)(sep - s);
	snprintf(path, sizeof(path), "%s/en/" THEMES_FILE, fuzz_themes_dir);
	fp = fopen(path, "w");
	FUZZ_CHECK(fp != NULL, "themes file written");
	FUZZ_CHECK(fwrite(s, 1, flen, fp) == flen || flen == 0, "written");
	FUZZ_CHECK(fclose(fp) == 0, "closed");
	err.msg[0] = '\0';
	t = themes_load(fuzz_themes_dir, &err);
	if (t == NULL) {
		FUZZ_CHECK(strstr(err.msg, THEMES_FILE ":") != NULL,
		    "a refused themes file is named with its line");
	} else {
		FUZZ_CHECK(themes_count(t) <= THEMES_MAX, "at most THEMES_MAX");
		for (i = 0; i < themes_count(t); i++) {
			FUZZ_CHECK(themes_name(t, i) != NULL &&
			    themes_name(t, i)[0] != '\0', "a theme has a name");
			FUZZ_CHECK(themes_label(t, "en", i) != NULL,
			    "a theme has a label");
		}
	}
	if (sep != NULL) {
		const char *text = sep + 4;
		size_t len = size - flen - 4;

		/* Long comments are the hostile tests' (tests/unit/
		 * test_themes.c); here, many short ones. */
		if (len > 16384)
			len = 16384;

		if (t != NULL)
			fuzz_themes_read(t, "en", text, len);
		for (i = 0; langs[i] != NULL; i++)
			fuzz_themes_read(fuzz_shipped, langs[i], text, len);
	}
	themes_free(t);
	return 0;
}

#ifdef NPS_LIBFUZZER
FUZZ_ENTRY(fuzz_themes_one)
#endif
