/*
 * report_stats.c - the figures of `npsgate stats`, for monitoring and
 * scripts; see report.h for the names and their order.
 *
 * Every name is always given, with 0 when the store has none of it, so
 * that a monitor sees a fixed set of series.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "store/store_db.h"

/* A statement that yields (name, count) rows: fn for each known name in
 * names (0 when absent), in the order of names, with prefix. */
static int
report_stats_grouped(struct store *st, const char *sql, int64_t bind,
    const char *prefix, const char *const *names, size_t n,
    void (*fn)(const char *, int64_t, void *), void *arg, struct npserr *err)
{
	int64_t *counts = xcalloc(n, sizeof(*counts));
	char name[128];
	struct store_stmt *s;
	const char *v;
	size_t i;
	int rc;

	if ((s = store_db_prepare(st, sql, err)) == NULL) {
		free(counts);
		return -1;
	}
	store_bind_int64(s, 1, bind);
	while ((rc = store_step(s)) == STORE_ROW) {
		v = report_col_text(s, 0);
		for (i = 0; i < n; i++)
			if ((v == NULL && names[i][0] == '\0') ||
			    (v != NULL && strcmp(v, names[i]) == 0))
				counts[i] += store_col_int64(s, 1);
	}
	store_db_done(s);
	if (rc != STORE_DONE) {
		free(counts);
		return store_db_fail(st, err, "cannot count %s", prefix);
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.%s", prefix,
		    names[i][0] != '\0' ? names[i] : "no_score");
		fn(name, counts[i], arg);
	}
	free(counts);
	return 0;
}

static int64_t
report_file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

int
report_stats(struct store *st, int64_t now,
    void (*fn)(const char *name, int64_t value, void *arg), void *arg,
    struct npserr *err)
{
	static const char *const statuses[] = {
		"sent", "held", "released", "bounced"
	};
	static const char *const categories[] = {
		"detractor", "passive", "promoter", ""
	};
	const char *pkinds[INGEST_KIND_COUNT];
	const char *ekinds[EVENT_KIND_COUNT];
	int64_t v, unmatched, unparsed, noscore, month = now - 30 * DAY;
	struct buf wal = BUF_INIT;
	int k;

	if (report_stats_grouped(st, "SELECT status, count(*) FROM surveys"
	    " GROUP BY status", 0, "surveys", statuses, 4, fn,
	    arg, err) == -1)
		return -1;
	if (report_count(st, "SELECT count(*) FROM surveys WHERE"
	    " status = 'held'", 0, &v, err) == -1)
		return -1;
	fn("held.total", v, arg);
	if (report_count(st, "SELECT count(*) FROM surveys WHERE"
	    " status = 'held' AND due_at <= ?1", now, &v, err) == -1)
		return -1;
	fn("held.due", v, arg);
	if (report_stats_grouped(st, "SELECT category, count(*) FROM"
	    " responses WHERE superseded_by IS NULL"
	    " GROUP BY category", 0, "responses", categories, 4, fn, arg,
	    err) == -1)
		return -1;
	if (report_count(st, "SELECT count(*) FROM responses WHERE"
	    " superseded_by IS NOT NULL", 0, &v, err) == -1)
		return -1;
	fn("responses.superseded", v, arg);
	for (k = 0; k < EVENT_KIND_COUNT; k++)
		ekinds[k] = store_event_kind_name((enum event_kind)k);
	if (report_stats_grouped(st, "SELECT kind, count(*) FROM events"
	    " GROUP BY kind", 0, "events", ekinds,
	    EVENT_KIND_COUNT, fn, arg, err) == -1)
		return -1;
	if (report_count(st, "SELECT count(*) FROM processed", 0, &v,
	    err) == -1)
		return -1;
	fn("processed.total", v, arg);
	for (k = 0; k < INGEST_KIND_COUNT; k++)
		pkinds[k] = store_ingest_kind_name((enum ingest_kind)k);
	if (report_stats_grouped(st, "SELECT kind, count(*) FROM processed"
	    " GROUP BY kind", 0, "processed", pkinds, INGEST_KIND_COUNT, fn,
	    arg, err) == -1)
		return -1;
	if (report_count(st, "SELECT count(*) FROM processed WHERE"
	    " kind = 'unmatched' AND at >= ?1", month, &unmatched, err) == -1 ||
	    report_count(st, "SELECT count(*) FROM processed WHERE"
	    " kind = 'unparsed' AND at >= ?1", month, &unparsed, err) == -1 ||
	    report_count(st, "SELECT count(*) FROM responses WHERE"
	    " superseded_by IS NULL AND received_at >= ?1 AND score IS NULL",
	    month, &noscore, err) == -1)
		return -1;
	fn("review.unmatched", unmatched, arg);
	fn("review.unparsed", unparsed, arg);
	fn("review.no_score", noscore, arg);
	fn("review.backlog", unmatched + unparsed + noscore, arg);
	if (store_count_get(st, "not_closing", &v, err) == -1)
		return -1;
	fn("outgoing.not_closing", v, arg);
	fn("schema.version", store_schema_version(st), arg);
	if (store_is_pg(st)) {
		/* The server's files are not ours to stat, and its WAL
		 * serves all its databases: the size it gives, and no
		 * WAL of the store's own. */
		if (report_count(st, "SELECT"
		    " pg_database_size(current_database())", 0, &v,
		    err) == -1)
			return -1;
		fn("db.bytes", v, arg);
		fn("db.wal_bytes", 0, arg);
		return 0;
	}
	fn("db.bytes", report_file_size(store_path(st)), arg);
	buf_printf(&wal, "%s-wal", store_path(st));
	fn("db.wal_bytes", report_file_size(buf_cstr(&wal)), arg);
	buf_free(&wal);
	return 0;
}
