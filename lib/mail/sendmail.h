/*
 * sendmail.h - run the local MTA's sendmail command, or an alert command,
 * with a message on its standard input and a time limit.
 *
 * SYNOPSIS
 *	argv = sendmail_argv_split(cf->sendmail, &err);
 *	sendmail_send(cf->sendmail, "<>", rcpts, 1, msg, len, 60000, &err);
 *	sendmail_alert_run(cf->alert_command, &alert, json, jlen,
 *	    cf->alert_timeout * 1000, &err);
 *	sendmail_run(argv, envp, in, inlen, timeout_ms, &res, &err);
 *
 * DESCRIPTION
 *	No shell is ever involved: a command line from npsgate.conf is split
 *	on blanks (spaces and tabs) into the program and its arguments, and
 *	run with execv(e). "/usr/sbin/sendmail -C /etc/postfix-out" is thus
 *	the program /usr/sbin/sendmail with the arguments -C and
 *	/etc/postfix-out; quotes have no special meaning, and an argument
 *	cannot contain a blank. A command that needs more is a script.
 *
 *	The child runs in a process group of its own, with the default
 *	signal mask and SIGPIPE's default action, no descriptor of the caller
 *	but the three standard ones, its standard input a pipe
 *	fed with the message, its standard output and error a pipe whose
 *	first SENDMAIL_OUTPUT_MAX bytes are kept for the error message.
 *	When the time limit passes, the whole process group is killed
 *	(SIGKILL) and reaped; the caller never waits longer than the limit
 *	(plus the time to reap). A child that exits without reading all of
 *	its input is no error in itself: its exit status decides.
 *	SIGPIPE is blocked in the calling thread while the input is written,
 *	so a child that closes its input early cannot kill the caller.
 *
 *	Alert commands get, besides the caller's environment (minus any
 *	NPS_* variable of its own), NPS_SURVEY_ID, NPS_SCORE, NPS_CATEGORY,
 *	NPS_CUSTOMER, NPS_TICKET, NPS_AGENT, NPS_TEAM, NPS_CHANNEL and
 *	NPS_COMMENT. Values are sanitised (sendmail_env_clean): valid UTF-8
 *	only (other bytes become '?'), no control characters (NPS_COMMENT
 *	keeps its line breaks as LF), at most SENDMAIL_ENV_MAX bytes
 *	(SENDMAIL_COMMENT_MAX for the comment), cut on a character boundary.
 */
#ifndef NPSGATE_SENDMAIL_H
#define NPSGATE_SENDMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"

#define SENDMAIL_OUTPUT_MAX 1024	/* bytes of the child's output kept */
#define SENDMAIL_ENV_MAX 256		/* bytes of an NPS_* value */
#define SENDMAIL_COMMENT_MAX 4096	/* bytes of NPS_COMMENT */
#define SENDMAIL_ARGS_MAX 64		/* words of a command line */

struct sendmail_result {
	bool ran;		/* the program was started */
	bool timed_out;		/* killed at the time limit */
	int status;		/* exit status, or -1 (signal, not run) */
	int signal;		/* the signal that ended it, or 0 */
	char *output;		/* what it printed (bounded), NUL-terminated;
				 * owned, freed by sendmail_result_clear */
};

/* What an alert command receives. Any field may be NULL (empty value). */
struct sendmail_alert {
	const char *survey_id;
	int score;
	const char *category;
	const char *customer;
	const char *ticket;
	const char *agent;
	const char *team;
	const char *channel;
	const char *comment;
};

/* Splits cmd on blanks into a NULL-terminated argv; the caller frees it
 * with sendmail_argv_free. NULL and err when cmd is NULL, blank, has a
 * control character, more than SENDMAIL_ARGS_MAX words, or a program
 * that is not an absolute path. */
char **sendmail_argv_split(const char *cmd, struct npserr *err);
void sendmail_argv_free(char **argv);

/* Runs argv[0] with argv, envp (NULL: the caller's environment), writes
 * in[0..inlen) on its standard input and waits at most timeout_ms.
 * Returns 0 when it exited with status 0; else -1 with err saying which
 * program failed and how ("exited with status 75: OUTPUT", "killed after
 * 10 s", "cannot run: No such file or directory"). *res, when not NULL,
 * gets the details; the caller clears it with sendmail_result_clear. */
int sendmail_run(char *const *argv, char *const *envp, const char *in,
    size_t inlen, int timeout_ms, struct sendmail_result *res,
    struct npserr *err);
void sendmail_result_clear(struct sendmail_result *res);

/* Hands msg[0..len) (LF line ends) to the MTA: COMMAND -i -f SENDER --
 * RCPT...; sender "<>" is the null sender. 0, or -1 with err. */
int sendmail_send(const char *command, const char *sender,
    const char *const *rcpts, size_t n_rcpts, const char *msg, size_t len,
    int timeout_ms, struct npserr *err);

/* Runs the alert command with the NPS_* variables of a and json[0..jlen)
 * on its standard input, killed after timeout_ms. 0, or -1 with err. */
int sendmail_alert_run(const char *command, const struct sendmail_alert *a,
    const char *json, size_t jlen, int timeout_ms, struct npserr *err);

/* The environment sendmail_alert_run passes: the caller's, without its
 * NPS_* variables, then the alert's. NULL-terminated; the caller frees it
 * with sendmail_argv_free. */
char **sendmail_alert_env(const struct sendmail_alert *a);

/* Appends s, sanitised for an environment value or a header-free text
 * line: invalid UTF-8 bytes become '?', control characters a space
 * (keep_newlines: LF kept, CR dropped), at most max bytes, never cutting
 * a character. NULL appends nothing. */
void sendmail_env_clean(struct buf *out, const char *s, size_t max,
    bool keep_newlines);

/* Appends the header line "NAME: Day, DD Mon YYYY HH:MM:SS +0000\n"
 * for t in UTC (RFC 5322 date, English names whatever the locale). */
void sendmail_date_header(struct buf *out, const char *name, time_t t);

#endif
