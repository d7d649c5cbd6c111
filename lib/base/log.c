/*
 * log.c - one-line logging in Postfix's style; see log.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/log.h"

static const char *log_name = "npsgate";
static enum log_target log_where = LOG_TO_STDERR;
static int log_level;

void
log_open(const char *progname, enum log_target target)
{
	log_name = progname;
	log_where = target;
	if (target == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_verbose(int level)
{
	log_level = level;
}

int
log_is_verbose(void)
{
	return log_level > 0;
}

static void
log_emit(int prio, const char *label, const char *fmt, va_list ap)
{
	char line[2048];
	size_t i;

	vsnprintf(line, sizeof(line), fmt, ap);
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (log_where == LOG_TO_SYSLOG) {
		syslog(prio, "%s%s", label, line);
		return;
	}
	/* One fprintf call: stdio locks the stream, lines never interleave. */
	fprintf(stderr, "%s[%ld]: %s%s\n", log_name, (long)getpid(), label,
	    line);
}

#define LOG_BODY(prio, label)                  \
	do {                                   \
		va_list ap;                    \
		va_start(ap, fmt);             \
		log_emit(prio, label, fmt, ap); \
		va_end(ap);                    \
	} while (0)

void
msg_debug(const char *fmt, ...)
{
	if (log_level > 0)
		LOG_BODY(LOG_DEBUG, "debug: ");
}

void
msg_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, "");
}

void
msg_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, "warning: ");
}

void
msg_error(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, "error: ");
}

_Noreturn void
msg_fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, "fatal: ");
	exit(EXIT_WORK);
}
