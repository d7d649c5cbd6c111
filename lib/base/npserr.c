/*
 * npserr.c - errors a person can act on; see npserr.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "base/npserr.h"

void
npserr_set(struct npserr *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
npserr_clear(struct npserr *e)
{
	if (e != NULL)
		e->msg[0] = '\0';
}
