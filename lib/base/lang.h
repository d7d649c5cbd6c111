/*
 * lang.h - which language a tag names, decided the one way.
 *
 * A help desk writes a language as it likes ("fr", "FR", "fr-FR",
 * "fr_CA", "pt-BR", "es-419", "deu", "ger"); npsgate keeps the primary
 * subtag of RFC 5646, two or three letters, and compares it without case.
 * The three-letter codes of ISO 639-2, bibliographic and terminological
 * ("ger" and "deu", "dut" and "nld"), name the same language as the
 * two-letter one. Every part that picks a template, a default text or an
 * HTML lang attribute asks here, so the widget, its page and the mails
 * that follow always agree.
 *
 * SYNOPSIS
 *	extern const char *const lang_codes[LANG_COUNT];
 *	bool lang_is(const char *tag, const char *code);
 *	int lang_index(const char *tag);
 *	const char *lang_template(const char *tag);
 *	char *lang_primary(const char *tag);
 *
 * DESCRIPTION
 *	lang_codes lists the languages npsgate ships templates for, by
 *	their two-letter code, in a fixed order: fr, en, de, es, it, nl,
 *	pt. LANG_COUNT is their number.
 *
 *	lang_is() says whether tag's primary subtag is code ("fr" names
 *	French in "fr", "FR", "fr-FR" and "fr_CA", not in "fri"), or one
 *	of code's ISO 639-2 forms when code is a shipped language ("fra",
 *	"fre"). A NULL tag is no language.
 *
 *	lang_index() returns the index in lang_codes of the language tag
 *	names, or -1 when tag is NULL, empty or names another language.
 *
 *	lang_template() returns the shipped template language for tag (an
 *	element of lang_codes), or NULL when tag is NULL, empty or names a
 *	language npsgate has no templates for: the caller's default then
 *	applies.
 *
 *	lang_primary() returns the primary subtag in lower case (leading
 *	spaces skipped), or NULL when tag holds none (fewer than two
 *	letters, or more than eight). The caller frees the result.
 */
#ifndef NPSGATE_LANG_H
#define NPSGATE_LANG_H

#include <stdbool.h>

#define LANG_COUNT 7

extern const char *const lang_codes[LANG_COUNT];

bool lang_is(const char *tag, const char *code);
int lang_index(const char *tag);
const char *lang_template(const char *tag);
char *lang_primary(const char *tag);

#endif
