/*
 * report_purge.c - the operator's deletions: purge (what is older than a
 * cutoff) and forget (one customer); see report.h for the contract.
 *
 * Each runs in one write transaction, retried by store_db_write() when
 * the store is busy, and then checkpoints the WAL so that the deleted
 * rows do not linger in it; forget also vacuums the file. The opt-outs
 * always stay: they are what keeps a customer from being surveyed again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/npserr.h"
#include "mail/address.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "store/store_db.h"

/* Runs a statement with one text and one integer parameter; its count
 * (a SELECT's first column, else the rows changed) into *out. */
static int
report_step(struct store *st, const char *sql, const char *text,
    int64_t num, long *out, struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	if ((s = store_db_prepare(st, sql, err)) == NULL)
		return -1;
	if (text != NULL)
		store_bind_text(s, 1, text);
	else
		store_bind_null(s, 1);
	store_bind_int64(s, 2, num);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		if (out != NULL)
			*out = (long)store_col_int64(s, 0);
		rc = STORE_DONE;
	} else if (rc == STORE_DONE && out != NULL) {
		*out = (long)store_changes(st);
	}
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot run %.60s", sql);
	return 0;
}

struct report_purge_arg {
	int64_t cutoff;
	struct report_counts *c;
};

struct report_forget_arg {
	const char *addr;	/* normal form, mail/address.h */
	bool optout;		/* the opt-out goes too */
	struct report_counts *c;
};

static int
report_purge_tx(struct store *st, void *arg, struct npserr *err)
{
	struct report_purge_arg *a = arg;
	struct report_counts *c = a->c;

	memset(c, 0, sizeof(*c));
#define OLD "(SELECT id FROM surveys WHERE created_at < ?2" \
	" AND status <> 'held')"
	if (report_step(st, "SELECT count(*) FROM responses WHERE survey_id"
	    " IN " OLD, NULL, a->cutoff, &c->responses, err) == -1 ||
	    report_step(st, "SELECT count(*) FROM comments WHERE survey_id"
	    " IN " OLD, NULL, a->cutoff, &c->comments, err) == -1 ||
	    report_step(st, "DELETE FROM surveys WHERE created_at < ?2"
	    " AND status <> 'held'", NULL, a->cutoff,
	    &c->surveys, err) == -1 ||
	    report_step(st, "DELETE FROM events WHERE at < ?2",
	    NULL, a->cutoff, &c->events, err) == -1 ||
	    report_step(st, "DELETE FROM processed WHERE at < ?2"
	    "", NULL, a->cutoff, &c->processed, err) == -1)
		return -1;
#undef OLD
	if (report_step(st, "DELETE FROM anonymous_counts WHERE"
	    " day + 86400 <= ?2", NULL, a->cutoff,
	    &c->anonymous, err) == -1)
		return -1;
	return 0;
}

/* Moves every committed page back into the database file and empties the
 * WAL, so that deleted bytes do not linger in it. Readers that stay in
 * the way make it incomplete, which is only worth a note: the next
 * checkpoint finishes it. */
static int
report_checkpoint(struct store *st, struct npserr *err)
{
	if (store_db_checkpoint(st) == -1)
		return store_db_fail(st, err, "cannot checkpoint the WAL"
		    " (another program holds the database open?)");
	return 0;
}

int
report_purge(struct store *st, int64_t cutoff, struct report_counts *c,
    struct npserr *err)
{
	struct report_purge_arg a = { cutoff, c };

	if (store_db_write(st, report_purge_tx, &a, err) < 0)
		return -1;
	return report_checkpoint(st, err);
}

/* The surveys of the customer ?1 (lowercased address). */
#define MINE "(SELECT id FROM surveys WHERE recipient = ?1)"

/* The customer's counts, added to the anonymous ones of their day and
 * attributes: sent surveys and their current scored response, opt-outs
 * and unsubscribes. '' stands for "none" so that UNIQUE merges rows. */
/* The row already there; the select's columns have the same names. */
#define AC "anonymous_counts."
static const char report_forget_anon_sql[] =
	"INSERT INTO anonymous_counts (day, type, agent, team, channel,"
	" reason, priority, surveys, detractors, passives, promoters,"
	" score_sum, score_sumsq, optouts, unsubscribes)"
	" SELECT day, type, agent, team, channel, reason, priority,"
	" sum(ns), sum(nd), sum(np), sum(nq), sum(ss), sum(sq), sum(no),"
	" sum(nu) FROM ("
	"SELECT (s.created_at / 86400) * 86400 AS day, s.type AS type,"
	" coalesce(s.agent, '') AS agent, coalesce(s.team, '') AS team,"
	" coalesce(s.channel, '') AS channel,"
	" coalesce(s.reason, '') AS reason,"
	" coalesce(s.priority, '') AS priority,"
	" CASE WHEN s.status <> 'held' THEN 1 ELSE 0 END AS ns,"
	" CASE WHEN r.category = 'detractor' THEN 1 ELSE 0 END AS nd,"
	" CASE WHEN r.category = 'passive' THEN 1 ELSE 0 END AS np,"
	" CASE WHEN r.category = 'promoter' THEN 1 ELSE 0 END AS nq,"
	" coalesce(r.score, 0) AS ss, coalesce(r.score * r.score, 0) AS sq,"
	" 0 AS no, 0 AS nu"
	" FROM surveys s LEFT JOIN responses r ON r.survey_id = s.id"
	" AND r.superseded_by IS NULL AND r.score IS NOT NULL"
	" WHERE s.recipient = ?1"
	" UNION ALL "
	"SELECT (e.at / 86400) * 86400, coalesce((SELECT t.type FROM surveys"
	" t WHERE t.id = e.survey_id), ''), coalesce(e.agent, ''),"
	" coalesce(e.team, ''), coalesce(e.channel, ''),"
	" coalesce(e.reason, ''), coalesce(e.priority, ''),"
	" 0, 0, 0, 0, 0, 0, CASE WHEN e.kind = 'optout' THEN 1 ELSE 0 END,"
	" CASE WHEN e.kind = 'unsubscribed' THEN 1 ELSE 0 END"
	" FROM events e WHERE e.kind IN ('optout', 'unsubscribed')"
	" AND (lower(e.recipient) = ?1 OR e.survey_id IN " MINE ")"
	") u WHERE true GROUP BY day, type, agent, team, channel, reason,"
	" priority"
	" ON CONFLICT (day, type, agent, team, channel, reason, priority)"
	" DO UPDATE SET surveys = " AC "surveys + excluded.surveys,"
	" detractors = " AC "detractors + excluded.detractors,"
	" passives = " AC "passives + excluded.passives,"
	" promoters = " AC "promoters + excluded.promoters,"
	" score_sum = " AC "score_sum + excluded.score_sum,"
	" score_sumsq = " AC "score_sumsq + excluded.score_sumsq,"
	" optouts = " AC "optouts + excluded.optouts,"
	" unsubscribes = " AC "unsubscribes + excluded.unsubscribes";
#undef AC

static int
report_forget_tx(struct store *st, void *arg, struct npserr *err)
{
	struct report_forget_arg *a = arg;
	struct report_counts *c = a->c;
	const char *addr = a->addr;
	long n = 0, m = 0;

	memset(c, 0, sizeof(*c));
	if (report_step(st, report_forget_anon_sql, addr, 0, &c->anonymous,
	    err) == -1)
		return -1;
	/* Counts for the operator, before the rows go. */
	if (report_step(st, "SELECT count(*) FROM responses WHERE survey_id"
	    " IN " MINE " OR (lower(sender) = ?1)", addr, 0,
	    &c->responses, err) == -1 ||
	    report_step(st, "SELECT count(*) FROM comments WHERE survey_id"
	    " IN " MINE " OR response_id IN (SELECT id FROM responses WHERE"
	    " lower(sender) = ?1)", addr, 0, &c->comments,
	    err) == -1)
		return -1;
	/* The exactly-once keys of their messages, and every event that
	 * names them. */
	if (report_step(st, "DELETE FROM processed WHERE survey_id IN " MINE
	    " OR msg_key IN (SELECT source_message_id FROM responses WHERE"
	    " (survey_id IN " MINE " OR lower(sender) = ?1))"
	    " OR msg_key IN (SELECT source_message_id FROM comments WHERE"
	    " survey_id IN " MINE ")", addr, 0, &c->processed, err) == -1 ||
	    report_step(st, "DELETE FROM events WHERE survey_id IN " MINE
	    " OR lower(recipient) = ?1 OR strpos(lower(coalesce(detail, '')),"
	    " ?1) > 0", addr, 0, &c->events, err) == -1)
		return -1;
	/* Replies they sent to someone else's survey (forwarded): the score
	 * belongs to that survey and stays; their words and address go. */
	if (report_step(st, "DELETE FROM comments WHERE response_id IN"
	    " (SELECT id FROM responses WHERE lower(sender) = ?1"
	    " AND survey_id NOT IN " MINE ")", addr, 0, &n,
	    err) == -1 ||
	    report_step(st, "DELETE FROM response_themes WHERE response_id"
	    " IN (SELECT id FROM responses WHERE lower(sender) = ?1"
	    " AND survey_id NOT IN " MINE ")", addr, 0, &n,
	    err) == -1 ||
	    report_step(st, "UPDATE responses SET commented = 0 WHERE"
	    " lower(sender) = ?1 AND survey_id NOT IN " MINE "", addr, 0,
	    &n, err) == -1 ||
	    report_step(st, "UPDATE responses SET comment = NULL, sender ="
	    " NULL, source_message_id = NULL WHERE lower(sender) = ?1"
	    " AND survey_id NOT IN " MINE "", addr, 0, &m,
	    err) == -1)
		return -1;
	if (report_step(st, "DELETE FROM surveys WHERE recipient = ?1"
	    "", addr, 0, &c->surveys, err) == -1)
		return -1;
	/* Asked for: the opt-out goes, and the address may be surveyed
	 * again. */
	if (a->optout) {
		if (report_step(st, "DELETE FROM unsubscribed WHERE address ="
		    " ?1", addr, 0, &n, err) == -1)
			return -1;
		c->optout_removed = n > 0;
	}
	/* Else the opt-out stays, unlinked from the erased survey. */
	if (report_step(st, "UPDATE unsubscribed SET survey_id = NULL WHERE"
	    " address = ?1", addr, 0, &n, err) == -1 ||
	    report_step(st, "SELECT count(*) FROM unsubscribed WHERE"
	    " address = ?1", addr, 0, &n, err) == -1)
		return -1;
	c->unsubscribed = n > 0;
	return 0;
}
#undef MINE

int
report_forget(struct store *st, const char *address, struct report_counts *c,
    struct npserr *err)
{
	return report_forget_with(st, address, false, c, err);
}

int
report_forget_with(struct store *st, const char *address, bool optout,
    struct report_counts *c, struct npserr *err)
{
	struct report_forget_arg a;
	struct npserr e2;
	char *addr;
	int r;

	/* The form the store holds (mail/address.h): "John.Doe"@Example.com
	 * is john.doe@example.com. */
	if ((addr = address_normalise(address, strlen(address))) == NULL) {
		npserr_set(err, "forget: '%s' is not an address", address);
		return -1;
	}
	a.addr = addr;
	a.optout = optout;
	a.c = c;
	r = store_db_write(st, report_forget_tx, &a, err);
	free(addr);
	if (r < 0)
		return -1;
	/* secure_delete zeroed the freed space of the pages written; the
	 * WAL still holds earlier images of them, and VACUUM rewrites the
	 * whole file. The checkpoint after VACUUM brings its pages home and
	 * truncates the WAL to nothing. */
	if (report_checkpoint(st, &e2) == -1 ||
	    report_exec(st, "VACUUM", &e2) == -1 ||
	    report_checkpoint(st, &e2) == -1) {
		/* The rows are gone; their old bytes may not be. Running
		 * forget again (it finds nothing) finishes the job. */
		npserr_set(err, "%s: erased from the store, but the file may"
		    " still hold old bytes: %s; run npsgate forget again when"
		    " no other program is using the store", address, e2.msg);
		return -1;
	}
	return 0;
}
