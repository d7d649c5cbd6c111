/*
 * log.h - one-line logging in Postfix's style.
 *
 * SYNOPSIS
 *	log_open("npsgate-milter", LOG_TO_STDERR);
 *	msg_info("%s: survey %s to=<%s>", queue_id, survey_id, rcpt);
 *	msg_warn(...); msg_error(...); msg_fatal(...);
 *
 * DESCRIPTION
 *	Messages go to syslog (facility mail) or to stderr as
 *	"PROGRAM[PID]: warning: TEXT". Control characters in the text are
 *	replaced by '?', so a hostile value cannot forge a log line.
 *	msg_fatal() logs and exits with status 1. Thread-safe.
 *	msg_debug() prints only when the verbosity was raised with log_verbose().
 */
#ifndef NPSGATE_LOG_H
#define NPSGATE_LOG_H

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG
};

void log_open(const char *progname, enum log_target target);
void log_verbose(int level);
int log_is_verbose(void);

void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void msg_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
