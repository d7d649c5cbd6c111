/*
 * lang.c - which language a tag names (see lang.h).
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "base/lang.h"
#include "base/xalloc.h"

const char *const lang_codes[LANG_COUNT] = {
	"fr", "en", "de", "es", "it", "nl", "pt"
};

/* The ISO 639-2 codes of each shipped language, in the order of
 * lang_codes: terminological first, then bibliographic where it differs. */
static const char *const lang_alpha3[LANG_COUNT][2] = {
	{ "fra", "fre" }, { "eng", NULL }, { "deu", "ger" }, { "spa", NULL },
	{ "ita", NULL }, { "nld", "dut" }, { "por", NULL }
};

/* True when tag starts with the subtag code, followed by the end of the
 * tag, a subtag separator or a blank (a header value's trailing space). */
static bool
subtag_is(const char *tag, const char *code)
{
	size_t n = strlen(code);

	return strncasecmp(tag, code, n) == 0 &&
	    (tag[n] == '\0' || tag[n] == '-' || tag[n] == '_' ||
	    tag[n] == ' ' || tag[n] == '\t' || tag[n] == '\r' ||
	    tag[n] == '\n');
}

int
lang_index(const char *tag)
{
	int i;

	if (tag == NULL)
		return -1;
	while (*tag == ' ' || *tag == '\t')
		tag++;
	for (i = 0; i < LANG_COUNT; i++)
		if (subtag_is(tag, lang_codes[i]) ||
		    subtag_is(tag, lang_alpha3[i][0]) ||
		    (lang_alpha3[i][1] != NULL &&
		    subtag_is(tag, lang_alpha3[i][1])))
			return i;
	return -1;
}

bool
lang_is(const char *tag, const char *code)
{
	int i;

	if (tag == NULL)
		return false;
	for (i = 0; i < LANG_COUNT; i++)
		if (strcmp(code, lang_codes[i]) == 0)
			return lang_index(tag) == i;
	return subtag_is(tag, code);
}

const char *
lang_template(const char *tag)
{
	int i = lang_index(tag);

	return i >= 0 ? lang_codes[i] : NULL;
}

char *
lang_primary(const char *tag)
{
	char l[9];
	size_t n = 0;

	if (tag == NULL)
		return NULL;
	while (*tag == ' ')
		tag++;
	while (n < sizeof(l) - 1 && isalpha((unsigned char)tag[n])) {
		l[n] = (char)tolower((unsigned char)tag[n]);
		n++;
	}
	if (n < 2 || isalpha((unsigned char)tag[n]))
		return NULL;
	l[n] = '\0';
	return xstrdup(l);
}
