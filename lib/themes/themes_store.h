/*
 * themes_store.h - the themes of the answers in the store.
 *
 * SYNOPSIS
 *	themes_store_tag(t, st, cf->default_lang, false, now, &n, &err);
 *
 * DESCRIPTION
 *	themes_store_tag() computes the themes of every response not themed
 *	yet (all: of every response, as after the themes files changed:
 *	`npsgate retheme`) from its comment, in the language of the reply,
 *	else of its survey, else default_lang, and stores them; *count gets
 *	the number of responses read. The hook and the CLI verbs that store
 *	replies call it after each batch; it is cheap when there is nothing
 *	to do (one indexed query). 0, or -1 with err (what was stored before
 *	the error stays).
 */
#ifndef NPSGATE_THEMES_STORE_H
#define NPSGATE_THEMES_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/npserr.h"
#include "store/store.h"
#include "themes/themes.h"

int themes_store_tag(struct themes *t, struct store *st,
    const char *default_lang, bool all, int64_t now, size_t *count,
    struct npserr *err);

#endif
