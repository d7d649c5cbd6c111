/*
 * lang.c - which language a tag names (see lang.h).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/lang.h"
#include "base/xalloc.h"

bool
lang_is(const char *tag, const char *code)
{
	size_t n = strlen(code);

	return tag != NULL && strncasecmp(tag, code, n) == 0 &&
	    (tag[n] == '\0' || tag[n] == '-' || tag[n] == '_');
}

const char *
lang_template(const char *tag)
{
	if (tag == NULL || tag[0] == '\0')
		return NULL;
	return lang_is(tag, "fr") ? "fr" : "en";
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
