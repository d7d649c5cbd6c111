/*
 * xalloc.h - allocation that never returns NULL.
 *
 * DESCRIPTION
 *	Like malloc(3) and friends, but an allocation failure logs one line and
 *	aborts the process: a mail component that cannot allocate a few bytes
 *	cannot do anything useful, and Postfix retries (milter_default_action)
 *	or the IMAP message stays in the inbox. Callers never test for NULL.
 */
#ifndef NPSGATE_XALLOC_H
#define NPSGATE_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies n bytes and adds a NUL. */
char *xstrndup(const char *s, size_t n);
_Noreturn void xalloc_die(const char *why);

#endif
