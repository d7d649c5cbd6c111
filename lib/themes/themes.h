/*
 * themes.h - what a customer's comment talks about: delivery, price, the
 * agent... as the themes files of each language define it.
 *
 * SYNOPSIS
 *	struct themes *t = themes_load(templates_dir, &err);
 *	uint64_t set; themes_match(t, "fr", text, len, &set);
 *	themes_name(t, i); themes_label(t, "fr", i); themes_about(t, i);
 *	themes_free(t);
 *
 * DESCRIPTION
 *	A language's themes are in TEMPLATES_DIR/LANG/themes.conf, beside its
 *	templates (so an admin who copies the templates to edit them edits
 *	the themes too). The file has one section a theme:
 *
 *		[negation]
 *		words = not, no, never, without
 *		[delivery]
 *		label = Delivery and delays
 *		about = company
 *		terms = delivery, parcel, courier, "on time", ~late, ~delay
 *		terms = ship*
 *
 *	A theme's name ([delivery]) is the same in every language: it is what
 *	the store keeps and what reports group by; its label is the words a
 *	reader sees. `about` says whom the theme concerns: agent, product or
 *	company (the default); a report by agent can keep only the answers
 *	whose themes concern the agent. `terms` lines add up; a term is a
 *	word or a phrase of words, quotes optional. Each word is matched on
 *	its Snowball stem for the language (so "delivered", "deliveries" and
 *	"delivery" meet), case and accents folded. A trailing `*` matches any
 *	word that begins so (on the folded word, not the stem). A leading `~`
 *	marks a complaint word that a negation cancels: one of the [negation]
 *	words among the two words before it, in the same clause, and "no
 *	delay" is no mention of delay.
 *
 *	At most THEMES_MAX distinct theme names over all languages; a theme
 *	set is a bit set over their index (0 .. themes_count()-1), the same
 *	index in every language.
 *
 *	themes_load() reads every LANG/themes.conf under the directory. A
 *	directory without any, or no directory, is a set with no theme, not
 *	an error. A file
 *	that cannot be read or parsed is an error naming the file, the line
 *	and the fix.
 *
 *	themes_match() reads the first THEMES_MAX_WORDS words of text with
 *	the themes of lang (its primary subtag: "fr-CA" reads with fr); a
 *	language without a file reads with the fallback language (see
 *	themes_set_fallback). Not thread-safe: Snowball's stemmers keep
 *	state, so one thread at a time uses a struct themes.
 */
#ifndef NPSGATE_THEMES_H
#define NPSGATE_THEMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/npserr.h"

#define THEMES_MAX 64			/* distinct theme names */
#define THEMES_MAX_WORDS 20000		/* words of one comment read */
#define THEMES_FILE "themes.conf"

enum theme_about {
	THEME_ABOUT_COMPANY = 0,
	THEME_ABOUT_AGENT,
	THEME_ABOUT_PRODUCT
};

struct themes;

struct themes *themes_load(const char *templates_dir, struct npserr *err);
void themes_free(struct themes *t);

/* The language whose themes read a comment in a language without its own
 * file (default: "en" when it has one, else the first loaded). */
void themes_set_fallback(struct themes *t, const char *lang);

size_t themes_count(const struct themes *t);
/* The theme's name, or NULL when i is out of range. */
const char *themes_name(const struct themes *t, size_t i);
/* Its label in lang (else in the fallback language, else its name). */
const char *themes_label(const struct themes *t, const char *lang,
    size_t i);
enum theme_about themes_about(const struct themes *t, size_t i);
/* Index of the theme called name, or -1. */
int themes_find(const struct themes *t, const char *name);
/* "company", "agent", "product". */
const char *themes_about_name(enum theme_about a);

/* The themes text[0..len) talks about, into *set. */
void themes_match(struct themes *t, const char *lang, const char *text,
    size_t len, uint64_t *set);

#endif
