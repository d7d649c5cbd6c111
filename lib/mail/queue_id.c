/*
 * queue_id.c - the check of a Postfix queue id; see queue_id.h for the
 * forms accepted.
 */
#include <string.h>

#include "mail/queue_id.h"

/* 5 hex digits of microseconds, then up to 16 of a 64-bit inode. */
#define SHORT_MIN 6
#define SHORT_MAX 21
/* 6 or more characters of seconds and 4 of microseconds before the 'z'. */
#define LONG_TIME_MIN 10

static bool
is_short_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* One of the 52 characters of the long form: no vowel, no 'A'. */
static bool
is_long_char(char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c >= 'B' && c <= 'Z') || (c >= 'b' && c <= 'z'))
		return strchr("EIOUeiou", c) == NULL;
	return false;
}

static bool
short_valid(const char *s, size_t len)
{
	size_t i;

	if (len < SHORT_MIN || len > SHORT_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_short_char(s[i]))
			return false;
	return true;
}

static bool
long_valid(const char *s, size_t len)
{
	size_t i, sep = len;

	/* The inode part holds no 'z': the separator is the last one. */
	for (i = len; i-- > 0;)
		if (s[i] == 'z') {
			sep = i;
			break;
		}
	if (sep == len || sep < LONG_TIME_MIN || sep + 1 == len)
		return false;
	for (i = 0; i < len; i++)
		if (!is_long_char(s[i]))
			return false;
	return true;
}

/* queue_id_valid - see queue_id.h. */
bool
queue_id_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > QUEUE_ID_MAX)
		return false;
	return short_valid(s, len) || long_valid(s, len);
}
