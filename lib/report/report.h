/*
 * report.h - what the store says: NPS reports, verbatims, the detractors
 * to call back, and the operator's care of the data (stats, purge,
 * forget, export, import).
 *
 * SYNOPSIS
 *	struct report_opts o; report_opts_init(&o, cf);
 *	o.by = REPORT_BY_AGENT; report_run(st, &o, &rep, &err);
 *	report_free(&rep);
 *
 *	report_responses(st, &ropts, fn, arg, &err);	(verbatims)
 *	report_followed_up(st, id, now, &err);
 *	report_stats(st, now, fn, arg, &err);
 *	report_purge(st, cutoff, &counts, &err);
 *	report_forget(st, address, &counts, &err);
 *	report_export(st, fp, &err); report_import(st, fp, &err);
 *
 * DESCRIPTION
 *	A report covers the surveys of one type sent (status other than
 *	held) in [since, until), grouped by an attribute of the survey or by
 *	the day, ISO week or month it was sent in; each survey counts its
 *	current response (superseded_by IS NULL) when that response has a
 *	score. Opt-out and unsubscribe events count by the day they happened
 *	and by their own attributes; their survey type is their survey's,
 *	else the one the config gives their channel. A report reads each
 *	table once (the current responses, the surveys of the range, the
 *	events and the anonymous counts) in one read transaction and joins
 *	surveys to responses in memory (16 MB per million responses); the
 *	figures come from nps_stats_compute().
 *
 *	Anonymous counts: `forget` folds what it erases into the table
 *	anonymous_counts (day, type, agent, team, channel, reason, priority
 *	and the counts; nothing about the customer), which every report
 *	adds in, so erasing a customer leaves the figures as they were. The
 *	table is created on first use (CREATE TABLE IF NOT EXISTS) by the
 *	functions that write it; reports read it only when it exists.
 *
 *	Times are seconds since the epoch, UTC. Strings handed out are owned
 *	by the report or the record and freed with it. 0 success, -1 error
 *	with err set.
 */
#ifndef NPSGATE_REPORT_H
#define NPSGATE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"
#include "survey/nps.h"

enum report_by {
	REPORT_BY_NONE = 0,	/* the total only */
	REPORT_BY_AGENT,
	REPORT_BY_TEAM,
	REPORT_BY_CHANNEL,
	REPORT_BY_REASON,
	REPORT_BY_PRIORITY,
	REPORT_BY_DAY,
	REPORT_BY_WEEK,		/* ISO 8601 week, YYYY-Www */
	REPORT_BY_MONTH
};

/* "agent" ... "month"; report_by_parse: 0, or -1 if unknown. */
int report_by_parse(const char *s, enum report_by *out);
const char *report_by_name(enum report_by by);
/* True for day, week and month. */
bool report_by_is_time(enum report_by by);

struct report_opts {
	enum survey_type type;
	enum report_by by;
	int64_t since;		/* first second counted; INT64_MIN: open */
	int64_t until;		/* first second not counted; INT64_MAX: open */
	int min_responses;	/* groups below are marked too_few */
	const struct config *cf;	/* channel -> type; NULL: all nps */
	/* NULL: every answer scores; else only the answers that name one of
	 * these themes (a JSON array of theme names), as for an agent's
	 * score on what concerns the agent. Surveys, opt-outs and the
	 * response rate still count every survey. */
	const char *themes_json;
};

/* type nps, by none, open range, min_responses from cf (30 without). */
void report_opts_init(struct report_opts *o, const struct config *cf);

struct report_group {
	char *name;		/* "(none)" when the attribute is empty */
	int64_t start;		/* time groups: first second of the period */
	long surveys;		/* sent */
	long optouts;		/* events 'optout' */
	long unsubscribes;	/* events 'unsubscribed' */
	struct nps_stats stats;	/* the raw counts behind res */
	struct nps_result res;	/* responses with a score, and figures */
	double response_rate;	/* % of surveys answered with a score */
	double optout_rate;	/* % optouts / (surveys + optouts) */
	bool too_few;		/* res.n < min_responses */
};

struct report {
	enum survey_type type;
	enum report_by by;
	int64_t since, until;
	int min_responses;
	struct report_group *groups;	/* sorted by name, or by time */
	size_t n;
	struct report_group total;
};

/* Runs the report; out is filled (caller frees with report_free) or, on
 * error, left empty. */
int report_run(struct store *st, const struct report_opts *o,
    struct report *out, struct npserr *err);
void report_free(struct report *r);

/* "YYYY-MM-DD" (UTC) into the epoch second of its midnight; 0 or -1. */
int report_date_parse(const char *s, int64_t *out);
/* "YYYY-MM-DD" of t into out (at least 11 bytes). */
void report_date_format(int64_t t, char *out, size_t size);
/* "YYYY-MM-DD HH:MM:SS" of t (UTC) into out (at least 20 bytes). */
void report_time_format(int64_t t, char *out, size_t size);
/* The ISO 8601 week of day t: "YYYY-Www" into out (at least 9 bytes);
 * returns the epoch second of that week's Monday. */
int64_t report_iso_week(int64_t t, char *out, size_t size);

/* --- themes ---------------------------------------------------------- */

/*
 * What customers talk about (lib/themes/ gives each answer its themes).
 * Over the current scored answers with a comment, received in [since,
 * until), of the type (and of one agent): per theme, the answers that
 * mention it and their score, the share of all such detractors and of
 * all such promoters that mention it, and the score of the answers that
 * do not mention it. Themes come ranked as drivers of detraction: the
 * largest gap between the share of detractors and the share of
 * promoters first. An answer counts in each theme it mentions.
 */
struct report_theme_opts {
	enum survey_type type;
	int64_t since, until;	/* on received_at; INT64_MIN/MAX: open */
	const char *agent;	/* NULL: every agent */
	int samples;		/* detractors' comments kept per theme */
};

struct report_theme {
	char *name;
	struct nps_stats with;		/* the answers that mention it */
	struct nps_result with_res;
	struct nps_result without_res;	/* the other answers with a comment */
	double pct_of_answers;		/* % of the answers with a comment */
	double pct_of_detractors;	/* % of their detractors */
	double pct_of_promoters;	/* % of their promoters */
	double gap;			/* with_res.score - without_res.score */
	char **samples;			/* newest first */
	size_t nsamples;
};

struct report_themes {
	enum survey_type type;
	int64_t since, until;
	struct nps_stats all;		/* the answers with a comment */
	struct nps_result all_res;
	struct report_theme *rows;
	size_t n;
};

/* type nps, open range, every agent, 3 samples. */
void report_theme_opts_init(struct report_theme_opts *o);
/* out is filled (caller frees with report_themes_free) or left empty. */
int report_themes_run(struct store *st, const struct report_theme_opts *o,
    struct report_themes *out, struct npserr *err);
void report_themes_free(struct report_themes *r);

/* --- verbatims and follow-up ---------------------------------------- */

struct report_response_opts {
	int64_t since, until;	/* on received_at; INT64_MIN/MAX: open */
	enum nps_category category;	/* NPS_NONE: every category */
	bool has_type;		/* filter on type */
	enum survey_type type;
	bool with_comment;	/* only responses with a comment */
	bool detractors_open;	/* detractors with followed_up_at = 0 */
	const char *theme;	/* NULL, or only the answers naming it */
};

void report_response_opts_init(struct report_response_opts *o);

struct report_response {
	const char *survey_id;
	const char *ticket, *agent, *team, *channel;	/* NULL if none */
	const char *recipient;	/* the customer surveyed */
	enum survey_type type;
	int score;		/* -1: none */
	enum nps_category category;
	int64_t received_at;
	const char *comment;	/* history, oldest first, one per line;
				 * NULL if none */
	int64_t followed_up_at;
};

/* Calls fn for each current response, oldest first (the detractors list
 * reads them in that order); fn's -1 stops with that result. The record
 * is valid during the call only. */
int report_responses(struct store *st, const struct report_response_opts *o,
    int (*fn)(const struct report_response *r, void *arg), void *arg,
    struct npserr *err);

/* Marks survey id's detractor handled at now; an unknown id is an error
 * ("no such survey"). */
int report_followed_up(struct store *st, const char *id, int64_t now,
    struct npserr *err);

/* --- operators ------------------------------------------------------ */

/* Calls fn(name, value) for each figure of `npsgate stats`, in a fixed
 * order: surveys.<status>, held.total, held.due, responses.<category>,
 * responses.no_score, responses.superseded, events.<kind>,
 * processed.total, processed.<kind>, review.unmatched, review.unparsed,
 * review.no_score, review.backlog (the last 30 days),
 * outgoing.not_closing (mails whose tag went without a survey, not being
 * closing ones), schema.version, db.bytes, db.wal_bytes (on PostgreSQL,
 * pg_database_size of the current database, and 0). */
int report_stats(struct store *st, int64_t now,
    void (*fn)(const char *name, int64_t value, void *arg), void *arg,
    struct npserr *err);

struct report_counts {
	long surveys, responses, comments, events, processed, anonymous;
	bool unsubscribed;	/* forget: the address's opt-out was kept */
	bool optout_removed;	/* forget with the opt-out: it was erased */
};

/* Deletes what is older than cutoff: surveys created before it (not the
 * held ones, whose mail still waits) with their responses and comments,
 * events, processed keys, and anonymous counts of the days before it.
 * The opt-outs (unsubscribed) stay: without them the customer would be
 * surveyed again. Then checkpoints the WAL. */
int report_purge(struct store *st, int64_t cutoff, struct report_counts *c,
    struct npserr *err);

/* Erases one customer (address in any case): their surveys, responses,
 * comments, events and processed keys go, after their counts are added
 * to anonymous_counts; their text and address are also erased from
 * responses they sent to other surveys (forwarded), whose scores stay.
 * The opt-out row stays (a suppression list may keep the address; it is
 * what stops the next survey). Then the WAL is checkpointed and the file
 * vacuumed, so no deleted byte stays on disk (secure_delete is on). */
int report_forget(struct store *st, const char *address,
    struct report_counts *c, struct npserr *err);
/* The same; with optout, the opt-out row goes too, in the same
 * transaction: only when the person asking says so (npsgate forget
 * --with-opt-out), as the address may then be surveyed again. */
int report_forget_with(struct store *st, const char *address, bool optout,
    struct report_counts *c, struct npserr *err);

/* Writes the whole store as JSON lines: a first line
 * {"npsgate_export":2,"schema_version":N}, then one object per row with
 * its "table" and every column, table by table in an order import can
 * follow (meta, surveys, responses, comments, events, processed,
 * unsubscribed, anonymous_counts), each by rowid. A column of bytes (BLOB,
 * BYTEA) is a string of lowercase hexadecimal digits, two per byte. */
int report_export(struct store *st, FILE *fp, struct npserr *err);
/* Loads an export into a store with no surveys, responses, comments,
 * events, processed keys, opt-outs nor anonymous counts (else refused),
 * in one transaction: all or nothing. An export of an older schema
 * version loads (migrations only add), a newer one is refused. Format 1
 * (its header's npsgate_export) held the columns of bytes as text, taken
 * as their bytes; format 2 in hexadecimal, refused when not. name is for
 * messages. */
int report_import(struct store *st, FILE *fp, const char *name,
    struct npserr *err);

#endif
