/*
 * report_int.h - what the pieces of the report module share, and nothing
 * else: the statement helpers, the anonymous counts table, day numbers.
 * Not for use outside lib/report/; report.h is the contract.
 *
 * Every query goes through store_db_prepare(), so it is prepared once per
 * connection; SQL that depends on the options is built from fixed
 * pieces, never from a value: values are always bound.
 */
#ifndef NPSGATE_REPORT_INT_H
#define NPSGATE_REPORT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"

#define DAY 86400

/* Runs sql (no result rows) on the store's connection; 0, or -1 with err
 * set ("cannot run ..."). */
int report_exec(struct store *st, const char *sql, struct npserr *err);

/* The text of column col of the current row; NULL for NULL. */
static inline const char *
report_col_text(struct store_stmt *s, int col)
{
	return store_col_text(s, col);
}

/* Runs a one-row SELECT with ?1 bound to bind; its first column into
 * *out. 0, or -1 with err set. */
int report_count(struct store *st, const char *sql, int64_t bind,
    int64_t *out, struct npserr *err);


/* Days since the epoch, rounded down (times before 1970 too). */
int64_t report_day_number(int64_t t);

#endif
