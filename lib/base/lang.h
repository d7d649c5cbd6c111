/*
 * lang.h - which language a tag names, decided the one way.
 *
 * A help desk writes a language as it likes ("fr", "FR", "fr-FR",
 * "fr_CA"); npsgate keeps the primary subtag of RFC 5646, two or three
 * letters, and compares it without case. Every part that picks a
 * template, a default text or an HTML lang attribute asks here, so the
 * widget, its page and the mails that follow always agree.
 *
 * SYNOPSIS
 *	bool lang_is(const char *tag, const char *code);
 *	const char *lang_template(const char *tag);
 *	char *lang_primary(const char *tag);
 *
 * DESCRIPTION
 *	lang_is() says whether tag's primary subtag is code ("fr" names
 *	French in "fr", "FR", "fr-FR" and "fr_CA", not in "fra" or "fri").
 *	A NULL tag is no language.
 *
 *	lang_template() returns the shipped template language for tag:
 *	"fr" for French, "en" for any other language; NULL when tag is NULL
 *	or empty (the caller's default applies).
 *
 *	lang_primary() returns the primary subtag in lower case (leading
 *	spaces skipped), or NULL when tag holds none (fewer than two
 *	letters, or more than eight). The caller frees the result.
 */
#ifndef NPSGATE_LANG_H
#define NPSGATE_LANG_H

#include <stdbool.h>

bool lang_is(const char *tag, const char *code);
const char *lang_template(const char *tag);
char *lang_primary(const char *tag);

#endif
