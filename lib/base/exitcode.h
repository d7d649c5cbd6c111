/*
 * exitcode.h - the exit statuses of npsgate, npsgate-milter and
 * npsgate-imapd-hook.
 *
 * One list for the three programs, so a script, a systemd unit or a
 * Postfix pipe reads a status the same way whichever program gave it;
 * the EXIT STATUS sections of the manual pages describe these values.
 *
 *	EXIT_OK		done
 *	EXIT_WORK	the work failed (store, file, socket, mailbox...)
 *	EXIT_USAGE	bad command line
 *	EXIT_CONFIG	bad configuration, or keys that cannot be read
 *	EXIT_REVIEW	(npsgate-imapd-hook --stdin) the message was read
 *			but is no answer the hook can take alone: keep
 *			it for a person (no valid token, no clear
 *			score, unreadable); Sieve's execute test sees
 *			it false
 *	EXIT_TEMPFAIL	a temporary failure: try again later (sysexits'
 *			EX_TEMPFAIL, which Postfix's pipe and Sieve's
 *			pipe turn into a deferral instead of a bounce)
 */
#ifndef NPSGATE_EXITCODE_H
#define NPSGATE_EXITCODE_H

#define EXIT_OK 0
#define EXIT_WORK 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 3
#define EXIT_REVIEW 4
#define EXIT_TEMPFAIL 75

#endif
