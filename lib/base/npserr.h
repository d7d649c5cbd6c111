/*
 * npserr.h - errors a person can act on.
 *
 * DESCRIPTION
 *	Functions that can fail return 0 / -1 (or a pointer / NULL) and fill
 *	a struct npserr with one line: what failed, on which object, and why
 *	("store /var/lib/npsgate/npsgate.db: unable to open: Permission
 *	denied"). The caller that decides what to do logs it, once.
 *	npserr_set() truncates overlong messages; it never fails.
 */
#ifndef NPSGATE_NPSERR_H
#define NPSGATE_NPSERR_H

#define NPSERR_MAX 1024

struct npserr {
	char msg[NPSERR_MAX];
};

void npserr_set(struct npserr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void npserr_clear(struct npserr *e);

#endif
