/*
 * report.c - what every part of the report module shares: the statement
 * helpers, the anonymous counts table, and dates in UTC (days, ISO weeks);
 * see report.h for the contract and report_int.h for the helpers.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/npserr.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "store/store_db.h"

/* report_exec - see report_int.h. */
int
report_exec(struct store *st, const char *sql, struct npserr *err)
{
	char what[64];

	snprintf(what, sizeof(what), "cannot run %.40s", sql);
	return store_db_exec(st, sql, err, what);
}

/* report_count - see report_int.h. */
int
report_count(struct store *st, const char *sql, int64_t bind,
    int64_t *out, struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	if ((s = store_db_prepare(st, sql, err)) == NULL)
		return -1;
	store_bind_int64(s, 1, bind);
	rc = store_step(s);
	*out = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
	store_db_done(s);
	if (rc != STORE_ROW)
		return store_db_fail(st, err, "cannot count");
	return 0;
}

/* --- dates ---------------------------------------------------------- */

/*
 * report_date_parse - exactly "YYYY-MM-DD", a real calendar day (the
 * round trip through timegm() refuses 2026-02-30).
 */
int
report_date_parse(const char *s, int64_t *out)
{
	struct tm tm, want;
	time_t t;
	int k;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (k = 0; k < 10; k++)
		if (k != 4 && k != 7 && !isdigit((unsigned char)s[k]))
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	want = tm;
	/* timegm() normalizes tm: 02-30 becomes 03-02. */
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_year != want.tm_year ||
	    tm.tm_mon != want.tm_mon || tm.tm_mday != want.tm_mday)
		return -1;
	*out = (int64_t)t;
	return 0;
}

void
report_date_format(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d",
	    &tm) == 0)
		snprintf(out, size, "?");
}

void
report_time_format(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, size,
	    "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, size, "?");
}

/* report_day_number - see report_int.h. */
int64_t
report_day_number(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/*
 * report_iso_week - ISO 8601: weeks start on Monday, and week 1 is the
 * one with the year's first Thursday, so the week belongs to the year of
 * its Thursday.
 */
int64_t
report_iso_week(int64_t t, char *out, size_t size)
{
	int64_t day = report_day_number(t), monday, thursday;
	int weekday;		/* 0 Monday ... 6 Sunday */
	time_t tt;
	struct tm tm;

	/* 1970-01-01 was a Thursday. */
	weekday = (int)(((day + 3) % 7 + 7) % 7);
	monday = day - weekday;
	thursday = monday + 3;
	tt = (time_t)(thursday * DAY);
	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%04d-W%02d", tm.tm_year + 1900,
		    tm.tm_yday / 7 + 1);
	return monday * DAY;
}
