/*
 * helpdesk.h - what npsgate knows of eleven help desks: the presets of
 * [general] helpdesk.
 *
 * SYNOPSIS
 *	const struct helpdesk_preset *hp = helpdesk_preset(cf->helpdesk);
 *	hp->from[REWRITE_FACT_TICKET], hp->closing_statuses, hp->aliases
 *
 * DESCRIPTION
 *	A preset gives, for what the config leaves unset: the patterns
 *	("HEADER: REGEX", the first group being the value) that read a fact
 *	from the help desk's own headers, the tag's status values of a
 *	closing mail (for a help desk whose one reply template carries the
 *	tag), and the help desk's words for our channels ("WORD: CHANNEL,
 *	..."). A preset also switches once_per_ticket on (when it is auto).
 *	helpdesk_preset(HELPDESK_NONE) gives an empty preset; the strings
 *	are constants.
 */
#ifndef NPSGATE_HELPDESK_H
#define NPSGATE_HELPDESK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "outgoing/rewrite.h"

struct helpdesk_preset {
	const char *name;
	const char *from[REWRITE_FACT_COUNT];	/* NULL: none */
	const char *closing_statuses;	/* comma-separated; NULL: none */
	const char *aliases;		/* "WORD: CHANNEL, ..."; NULL */
};

const struct helpdesk_preset *helpdesk_preset(enum helpdesk h);
/* The channel an item of the comma-separated list ("WORD: CHANNEL")
 * gives the word w (n bytes, case ignored), its length in *len; NULL. */
const char *helpdesk_alias_in(const char *list, const char *w, size_t n,
    size_t *len);
/* The channels of a list "WORD: CHANNEL, ...", one per call: *pos starts
 * at the list and moves past each item; returns the channel of the next
 * item with a ':', its length in *len, or NULL after the last. */
const char *helpdesk_alias_next(const char **pos, size_t *len);
/* Whether the word w (n bytes) is an item of the comma-separated list,
 * case ignored. */
bool helpdesk_word_in(const char *list, const char *w, size_t n, size_t *len);

#endif
