/*
 * store_schema.c - the store's schema and the migrations that build it,
 * on SQLite and on PostgreSQL from one list of steps with the same
 * version numbers: each step is applied in its own transaction together
 * with the version that records it (SQLite's PRAGMA user_version,
 * PostgreSQL's table schema_version), so a store is always at one
 * version or the next, never in between. A store whose version is newer
 * than STORE_SCHEMA_VERSION is refused and left untouched: its schema
 * may hold what this code would break.
 *
 * The SQL text of a step never changes once released: existing files were
 * built by it, and their schema text (sqlite_master) is its text.
 */
#include <stdio.h>

#include "base/npserr.h"
#include "store/store.h"
#include "store/store_db.h"
#include "store/store_int.h"

/*
 * Schema version 1. The meta row after it records when the file was
 * created.
 */
static const char store_schema_v1[] =
	"-- Schema version 1 (PRAGMA user_version = 1). lib/store.c"
	" creates it.\n"
	"-- Others may add tables/columns only through a new"
	" migration (version 2...).\n"
	"CREATE TABLE surveys (\n"
	"  id           TEXT PRIMARY KEY,          -- 16-char base32"
	" survey id\n"
	"  key_id       INTEGER NOT NULL,\n"
	"  type         TEXT NOT NULL CHECK (type IN ('nps','csat','ces')),\n"
	"  status       TEXT NOT NULL DEFAULT 'sent'\n"
	"               CHECK (status IN"
	" ('sent','held','released','bounced')),\n"
	"  message_id   TEXT,\n"
	"  queue_id     TEXT,\n"
	"  recipient    TEXT NOT NULL,             -- lowercased address\n"
	"  ticket TEXT, agent TEXT, team TEXT, channel TEXT, reason TEXT,\n"
	"  priority TEXT, lang TEXT,\n"
	"  created_at   INTEGER NOT NULL,          -- epoch seconds\n"
	"  due_at       INTEGER NOT NULL DEFAULT 0,\n"
	"  released_at  INTEGER NOT NULL DEFAULT 0,\n"
	"  ack_sent_at  INTEGER NOT NULL DEFAULT 0,     -- thank-you"
	" mail sent\n"
	"  followed_up_at INTEGER NOT NULL DEFAULT 0    -- detractor handled\n"
	");\n"
	"CREATE INDEX surveys_recipient ON surveys(recipient, created_at);\n"
	"CREATE INDEX surveys_message_id ON surveys(message_id);\n"
	"CREATE INDEX surveys_status_due ON surveys(status, due_at);\n"
	"CREATE INDEX surveys_created ON surveys(created_at);\n"
	"CREATE INDEX surveys_agent ON surveys(agent);\n"
	"\n"
	"CREATE TABLE events (\n"
	"  id         INTEGER PRIMARY KEY,\n"
	"  kind       TEXT NOT NULL,   -- store_event_kind_name():"
	" optout, not_eligible,\n"
	"                              -- throttled, multi_rcpt,"
	" suppressed, error,\n"
	"                              -- bounced, unsubscribed,"
	" autoreply, unmatched,\n"
	"                              -- unparsed\n"
	"  survey_id  TEXT REFERENCES surveys(id) ON DELETE SET NULL,\n"
	"  recipient TEXT, ticket TEXT, agent TEXT, team TEXT, channel TEXT,\n"
	"  reason TEXT, priority TEXT,\n"
	"  detail     TEXT,\n"
	"  at         INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX events_kind_at ON events(kind, at);\n"
	"CREATE INDEX events_agent ON events(agent, kind);\n"
	"\n"
	"CREATE TABLE responses (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  survey_id     TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  score         INTEGER,               -- NULL: no score"
	" (ambiguous/comment only)\n"
	"  category      TEXT CHECK (category IN"
	" ('detractor','passive','promoter')),\n"
	"  comment       TEXT,\n"
	"  sender        TEXT,\n"
	"  lang          TEXT,\n"
	"  forwarded     INTEGER NOT NULL DEFAULT 0,\n"
	"  received_at   INTEGER NOT NULL,\n"
	"  source_message_id TEXT,\n"
	"  superseded_by INTEGER REFERENCES responses(id)   -- NULL:"
	" the one that counts\n"
	");\n"
	"CREATE INDEX responses_survey ON responses(survey_id);\n"
	"CREATE INDEX responses_received ON responses(received_at);\n"
	"CREATE INDEX responses_current ON responses(superseded_by,"
	" received_at);\n"
	"\n"
	"CREATE TABLE comments (           -- comment history"
	" (follow-ups included)\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  survey_id   TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  response_id INTEGER REFERENCES responses(id) ON DELETE SET NULL,\n"
	"  text        TEXT NOT NULL,\n"
	"  at          INTEGER NOT NULL,\n"
	"  source_message_id TEXT\n"
	");\n"
	"CREATE INDEX comments_survey ON comments(survey_id);\n"
	"\n"
	"CREATE TABLE processed (          -- exactly-once key of"
	" each reply message\n"
	"  msg_key    TEXT PRIMARY KEY,    -- Message-ID, or"
	" \"sha256:HEX\" of the bytes\n"
	"  kind       TEXT NOT NULL,       -- response, autoreply,"
	" bounce, unsubscribe,\n"
	"                                  -- unmatched, unparsed\n"
	"  survey_id  TEXT,\n"
	"  folder     TEXT,\n"
	"  at         INTEGER NOT NULL\n"
	");\n"
	"\n"
	"CREATE TABLE unsubscribed (       -- customers who asked"
	" for no more surveys\n"
	"  address    TEXT PRIMARY KEY,    -- lowercased\n"
	"  at         INTEGER NOT NULL,\n"
	"  survey_id  TEXT\n"
	");\n"
	"\n"
	"CREATE TABLE meta (               -- small key/value facts"
	" (created_at, ...)\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT\n"
	");\n"
	"\n"
	"-- \"Current\" responses are those with superseded_by IS"
	" NULL: one per survey.\n"
	"-- A response counts for the survey's type (surveys.type).\n"
	"INSERT INTO meta (key, value)"
	" VALUES ('created_at', strftime('%s', 'now'));\n";

/*
 * Schema version 2: the follow-up queue (lib/followup/followup.c). One row per
 * survey and kind of follow-up (the acknowledgment to the customer, the
 * detractor alert by mail, by command): the row is the promise that it
 * will be done once, written before it is tried; state, attempts and
 * next_attempt_at drive the retries.
 */
static const char store_schema_v2[] =
	"CREATE TABLE followups (\n"
	"  id              INTEGER PRIMARY KEY,\n"
	"  survey_id       TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  kind            TEXT NOT NULL CHECK (kind IN"
	" ('ack','alert_mail','alert_command')),\n"
	"  response_id     INTEGER REFERENCES responses(id) ON"
	" DELETE SET NULL,\n"
	"  state           TEXT NOT NULL DEFAULT 'pending'\n"
	"                  CHECK (state IN ('pending','done','failed')),\n"
	"  attempts        INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at      INTEGER NOT NULL,\n"
	"  next_attempt_at INTEGER NOT NULL,  -- due (or claim expiry)\n"
	"  last_error      TEXT,\n"
	"  done_at         INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (survey_id, kind)\n"
	");\n"
	"CREATE INDEX followups_due ON followups(state, next_attempt_at);\n";

/*
 * Schema version 3: the anonymous counts of erased customers (see
 * report.h): what forget and purge take out of the other tables stays
 * counted here, per UTC day and dimensions, without an address or a text.
 * IF NOT EXISTS because lib/report/report.c creates the same table, by the
 * same statement, when it first needs it: a file may hold it already,
 * rows included, and keeps it as it is.
 */
static const char store_schema_v3[] =
	"CREATE TABLE IF NOT EXISTS anonymous_counts ("
	" id INTEGER PRIMARY KEY,"
	" day INTEGER NOT NULL,"	/* epoch second of the UTC day */
	" type TEXT NOT NULL DEFAULT '',"	/* '' for events w/o survey */
	" agent TEXT NOT NULL DEFAULT '', team TEXT NOT NULL DEFAULT '',"
	" channel TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',"
	" priority TEXT NOT NULL DEFAULT '',"
	" surveys INTEGER NOT NULL DEFAULT 0,"
	" detractors INTEGER NOT NULL DEFAULT 0,"
	" passives INTEGER NOT NULL DEFAULT 0,"
	" promoters INTEGER NOT NULL DEFAULT 0,"
	" score_sum INTEGER NOT NULL DEFAULT 0,"
	" score_sumsq INTEGER NOT NULL DEFAULT 0,"
	" optouts INTEGER NOT NULL DEFAULT 0,"
	" unsubscribes INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (day, type, agent, team, channel, reason, priority))";

/*
 * Schema version 4: a reply is known by its Message-ID and by the digest of
 * its bytes. processed.digest is "sha256:HEX" of the message; a row written
 * before this version has none (NULL), and a message with its key counts
 * as seen, as it did then. The index serves the count of the answers kept
 * per survey (STORE_MAX_ANSWERS).
 */
static const char store_schema_v4[] =
	"ALTER TABLE processed ADD COLUMN digest TEXT;\n"
	"CREATE INDEX processed_survey ON processed(survey_id, kind);\n";

/*
 * Schema version 5: the themes of each answer's comment (lib/themes/).
 * themed_at says when a response's themes were last computed (0: not
 * yet), so that tagging after a batch of replies, or `npsgate retheme`,
 * finds the responses to read; the themes go with their response. An
 * answer's comment is its rows in comments (responses.comment for rows
 * from before version 4): a comment added later (a follow-up) makes the
 * answer's themes due again, by the trigger. commented, set with the
 * themes, says the answer has a comment: the themes report counts the
 * answers with a comment without a look into comments for each.
 */
static const char store_schema_v5[] =
	"ALTER TABLE responses ADD COLUMN themed_at INTEGER NOT NULL"
	" DEFAULT 0;\n"
	"ALTER TABLE responses ADD COLUMN commented INTEGER NOT NULL"
	" DEFAULT 0;\n"
	"CREATE INDEX responses_unthemed ON responses(id) WHERE"
	" themed_at = 0;\n"
	"CREATE TABLE response_themes (\n"
	"  response_id INTEGER NOT NULL REFERENCES responses(id) ON"
	" DELETE CASCADE,\n"
	"  theme       TEXT NOT NULL,\n"
	"  PRIMARY KEY (response_id, theme)\n"
	");\n"
	"CREATE INDEX response_themes_theme ON response_themes(theme,"
	" response_id);\n"
	"CREATE INDEX comments_response ON comments(response_id);\n"
	"CREATE TRIGGER comments_themes_due AFTER INSERT ON comments\n"
	"  WHEN NEW.response_id IS NOT NULL BEGIN\n"
	"  UPDATE responses SET themed_at = 0 WHERE id = NEW.response_id;\n"
	"END;\n";

/*
 * Schema version 6: the help desk keeps the replies that are not answers.
 * surveys.helpdesk_to is the address the help desk's mail asked replies
 * to go to (its Reply-To, else its From) before the survey's Reply-To
 * took its place; NULL for the rows from before. forwards holds one row
 * per reply message handed on to it (msg_key is the processed key): the
 * mail to send is kept in message until sendmail took it, then dropped.
 * state, attempts and next_attempt_at drive the retries, as in
 * followups. The index on surveys(ticket) serves the once-per-ticket
 * lookups.
 */
static const char store_schema_v6[] =
	"ALTER TABLE surveys ADD COLUMN helpdesk_to TEXT;\n"
	"CREATE INDEX surveys_ticket ON surveys(ticket);\n"
	"CREATE TABLE forwards (\n"
	"  msg_key         TEXT PRIMARY KEY,\n"
	"  survey_id       TEXT NOT NULL REFERENCES surveys(id) ON"
	" DELETE CASCADE,\n"
	"  rcpt            TEXT NOT NULL,\n"
	"  message         BLOB,               -- NULL once sent\n"
	"  state           TEXT NOT NULL DEFAULT 'pending'\n"
	"                  CHECK (state IN ('pending','sent','failed')),\n"
	"  attempts        INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at      INTEGER NOT NULL,\n"
	"  next_attempt_at INTEGER NOT NULL,   -- due (or claim expiry)\n"
	"  last_error      TEXT,\n"
	"  sent_at         INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX forwards_due ON forwards(state, next_attempt_at);\n"
	"CREATE INDEX forwards_survey ON forwards(survey_id);\n";

/*
 * Schema version 7: several relays on one store each release only the
 * mail their own Postfix holds. surveys.held_by names the relay (its
 * [general] node) whose hold queue has the mail of a held survey; NULL
 * for the rows from before, which any relay's release takes, as it did.
 */
static const char store_schema_v7[] =
	"ALTER TABLE surveys ADD COLUMN held_by TEXT;\n";

/*
 * Schema version 8: a comment marks its answer to theme again only when
 * the answer was themed. A new answer is not themed yet, and rewriting
 * its row for nothing cost a write (on PostgreSQL a new row version) for
 * each commented reply.
 */
static const char store_schema_v8[] =
	"DROP TRIGGER comments_themes_due;\n"
	"CREATE TRIGGER comments_themes_due AFTER INSERT ON comments\n"
	"  WHEN NEW.response_id IS NOT NULL BEGIN\n"
	"  UPDATE responses SET themed_at = 0 WHERE id = NEW.response_id\n"
	"    AND themed_at <> 0;\n"
	"END;\n";

/*
 * The same steps on PostgreSQL, for a database of its own: BIGINT for
 * every integer (epoch seconds, ids), identity columns where SQLite has
 * INTEGER PRIMARY KEY (BY DEFAULT, so that an import keeps its ids), the
 * version in the table schema_version (created by step 1), and a
 * trigger function for version 5's trigger, foreign keys DEFERRABLE so
 * that an import checks them at its commit (SQLite's defer_foreign_keys).
 * What the two schemas hold is the same, table by table and column by
 * column.
 */
static const char store_pg_v1[] =
	"CREATE TABLE schema_version (version BIGINT NOT NULL);\n"
	"CREATE TABLE surveys (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  key_id BIGINT NOT NULL,\n"
	"  type TEXT NOT NULL CHECK (type IN ('nps','csat','ces')),\n"
	"  status TEXT NOT NULL DEFAULT 'sent'\n"
	"    CHECK (status IN ('sent','held','released','bounced')),\n"
	"  message_id TEXT, queue_id TEXT,\n"
	"  recipient TEXT NOT NULL,\n"
	"  ticket TEXT, agent TEXT, team TEXT, channel TEXT, reason TEXT,\n"
	"  priority TEXT, lang TEXT,\n"
	"  created_at BIGINT NOT NULL,\n"
	"  due_at BIGINT NOT NULL DEFAULT 0,\n"
	"  released_at BIGINT NOT NULL DEFAULT 0,\n"
	"  ack_sent_at BIGINT NOT NULL DEFAULT 0,\n"
	"  followed_up_at BIGINT NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX surveys_recipient ON surveys(recipient, created_at);\n"
	"CREATE INDEX surveys_message_id ON surveys(message_id);\n"
	"CREATE INDEX surveys_status_due ON surveys(status, due_at);\n"
	"CREATE INDEX surveys_created ON surveys(created_at);\n"
	"CREATE INDEX surveys_agent ON surveys(agent);\n"
	"CREATE TABLE events (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"
	"  survey_id TEXT REFERENCES surveys(id) ON DELETE SET NULL"
	" DEFERRABLE,\n"
	"  recipient TEXT, ticket TEXT, agent TEXT, team TEXT, channel TEXT,\n"
	"  reason TEXT, priority TEXT,\n"
	"  detail TEXT,\n"
	"  at BIGINT NOT NULL\n"
	");\n"
	"CREATE INDEX events_kind_at ON events(kind, at);\n"
	"CREATE INDEX events_agent ON events(agent, kind);\n"
	"CREATE TABLE responses (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE"
	" DEFERRABLE,\n"
	"  score BIGINT,\n"
	"  category TEXT CHECK (category IN"
	" ('detractor','passive','promoter')),\n"
	"  comment TEXT, sender TEXT, lang TEXT,\n"
	"  forwarded BIGINT NOT NULL DEFAULT 0,\n"
	"  received_at BIGINT NOT NULL,\n"
	"  source_message_id TEXT,\n"
	"  superseded_by BIGINT REFERENCES responses(id) DEFERRABLE\n"
	");\n"
	"CREATE INDEX responses_survey ON responses(survey_id);\n"
	"CREATE INDEX responses_received ON responses(received_at);\n"
	"CREATE INDEX responses_current ON responses(superseded_by,"
	" received_at);\n"
	"CREATE TABLE comments (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE"
	" DEFERRABLE,\n"
	"  response_id BIGINT REFERENCES responses(id) ON DELETE SET NULL"
	" DEFERRABLE,\n"
	"  text TEXT NOT NULL,\n"
	"  at BIGINT NOT NULL,\n"
	"  source_message_id TEXT\n"
	");\n"
	"CREATE INDEX comments_survey ON comments(survey_id);\n"
	"CREATE TABLE processed (\n"
	"  msg_key TEXT PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"
	"  survey_id TEXT,\n"
	"  folder TEXT,\n"
	"  at BIGINT NOT NULL\n"
	");\n"
	"CREATE TABLE unsubscribed (\n"
	"  address TEXT PRIMARY KEY,\n"
	"  at BIGINT NOT NULL,\n"
	"  survey_id TEXT\n"
	");\n"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);\n"
	"INSERT INTO meta (key, value) VALUES ('created_at',"
	" CAST(CAST(extract(epoch FROM now()) AS BIGINT) AS TEXT));\n";

static const char store_pg_v2[] =
	"CREATE TABLE followups (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE"
	" DEFERRABLE,\n"
	"  kind TEXT NOT NULL CHECK (kind IN"
	" ('ack','alert_mail','alert_command')),\n"
	"  response_id BIGINT REFERENCES responses(id) ON DELETE SET NULL"
	" DEFERRABLE,\n"
	"  state TEXT NOT NULL DEFAULT 'pending'\n"
	"    CHECK (state IN ('pending','done','failed')),\n"
	"  attempts BIGINT NOT NULL DEFAULT 0,\n"
	"  created_at BIGINT NOT NULL,\n"
	"  next_attempt_at BIGINT NOT NULL,\n"
	"  last_error TEXT,\n"
	"  done_at BIGINT NOT NULL DEFAULT 0,\n"
	"  UNIQUE (survey_id, kind)\n"
	");\n"
	"CREATE INDEX followups_due ON followups(state, next_attempt_at);\n";

static const char store_pg_v3[] =
	"CREATE TABLE IF NOT EXISTS anonymous_counts ("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" day BIGINT NOT NULL,"
	" type TEXT NOT NULL DEFAULT '',"
	" agent TEXT NOT NULL DEFAULT '', team TEXT NOT NULL DEFAULT '',"
	" channel TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',"
	" priority TEXT NOT NULL DEFAULT '',"
	" surveys BIGINT NOT NULL DEFAULT 0,"
	" detractors BIGINT NOT NULL DEFAULT 0,"
	" passives BIGINT NOT NULL DEFAULT 0,"
	" promoters BIGINT NOT NULL DEFAULT 0,"
	" score_sum BIGINT NOT NULL DEFAULT 0,"
	" score_sumsq BIGINT NOT NULL DEFAULT 0,"
	" optouts BIGINT NOT NULL DEFAULT 0,"
	" unsubscribes BIGINT NOT NULL DEFAULT 0,"
	" UNIQUE (day, type, agent, team, channel, reason, priority))";

/* Version 4 is the same text on both. */

static const char store_pg_v5[] =
	"ALTER TABLE responses ADD COLUMN themed_at BIGINT NOT NULL"
	" DEFAULT 0;\n"
	"ALTER TABLE responses ADD COLUMN commented BIGINT NOT NULL"
	" DEFAULT 0;\n"
	"CREATE INDEX responses_unthemed ON responses(id) WHERE"
	" themed_at = 0;\n"
	"CREATE TABLE response_themes (\n"
	"  response_id BIGINT NOT NULL REFERENCES responses(id) ON"
	" DELETE CASCADE DEFERRABLE,\n"
	"  theme TEXT NOT NULL,\n"
	"  PRIMARY KEY (response_id, theme)\n"
	");\n"
	"CREATE INDEX response_themes_theme ON response_themes(theme,"
	" response_id);\n"
	"CREATE INDEX comments_response ON comments(response_id);\n"
	"CREATE FUNCTION comments_themes_due() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN\n"
	"  UPDATE responses SET themed_at = 0 WHERE id = NEW.response_id;\n"
	"  RETURN NULL;\n"
	"END $$;\n"
	"CREATE TRIGGER comments_themes_due AFTER INSERT ON comments\n"
	"  FOR EACH ROW WHEN (NEW.response_id IS NOT NULL)\n"
	"  EXECUTE FUNCTION comments_themes_due();\n";

/* Version 8: the trigger's function, replaced. */
static const char store_pg_v8[] =
	"CREATE OR REPLACE FUNCTION comments_themes_due() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN\n"
	"  UPDATE responses SET themed_at = 0 WHERE id = NEW.response_id\n"
	"    AND themed_at <> 0;\n"
	"  RETURN NULL;\n"
	"END $$;\n";

/* Version 6: BYTEA holds the mail to forward, BIGINT the integers; the
 * foreign key is DEFERRABLE like the others. */
static const char store_pg_v6[] =
	"ALTER TABLE surveys ADD COLUMN helpdesk_to TEXT;\n"
	"CREATE INDEX surveys_ticket ON surveys(ticket);\n"
	"CREATE TABLE forwards (\n"
	"  msg_key TEXT PRIMARY KEY,\n"
	"  survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE"
	" DEFERRABLE,\n"
	"  rcpt TEXT NOT NULL,\n"
	"  message BYTEA,\n"
	"  state TEXT NOT NULL DEFAULT 'pending'\n"
	"    CHECK (state IN ('pending','sent','failed')),\n"
	"  attempts BIGINT NOT NULL DEFAULT 0,\n"
	"  created_at BIGINT NOT NULL,\n"
	"  next_attempt_at BIGINT NOT NULL,\n"
	"  last_error TEXT,\n"
	"  sent_at BIGINT NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX forwards_due ON forwards(state, next_attempt_at);\n"
	"CREATE INDEX forwards_survey ON forwards(survey_id);\n";

/* Version 7 is the same text on both. */

struct store_migration {
	int version;		/* the schema's version once applied */
	const char *sql;	/* SQLite's step */
	const char *pg_sql;	/* PostgreSQL's, NULL when the same */
};

/* Append new steps here, with the next version, for both databases
 * (NULL: PostgreSQL runs SQLite's text as it is); never edit an old
 * one. */
static const struct store_migration store_migrations[] = {
	{ 1, store_schema_v1, store_pg_v1 },
	{ 2, store_schema_v2, store_pg_v2 },
	{ 3, store_schema_v3, store_pg_v3 },
	{ 4, store_schema_v4, NULL },
	{ 5, store_schema_v5, store_pg_v5 },
	{ 6, store_schema_v6, store_pg_v6 },
	{ 7, store_schema_v7, NULL },
	{ 8, store_schema_v8, store_pg_v8 },
};
#define STORE_MIGRATION_COUNT \
	(sizeof(store_migrations) / sizeof(store_migrations[0]))

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) ==
    STORE_SCHEMA_VERSION, "one migration step per schema version");

/* --- migration ------------------------------------------------------ */

static int
store_read_version(struct store *st, int *out, struct npserr *err)
{
	if (st->be->version_read(st, out) == -1)
		return store_db_fail(st, err, "cannot read the schema"
		    " version");
	return 0;
}

static int
store_refuse_newer(struct store *st, int version, struct npserr *err)
{
	npserr_set(err, "store %s: schema version %d is newer than this"
	    " npsgate (%d); upgrade npsgate", st->path, version,
	    STORE_SCHEMA_VERSION);
	return -1;
}

/* One migration step; runs inside a write transaction (store_db_write). */
static int
store_migrate_step(struct store *st, void *arg, struct npserr *err)
{
	const struct store_migration *m = arg;
	const char *sql;
	int version;

	if (st->be->migrate_lock != NULL && st->be->migrate_lock(st) == -1)
		return store_db_fail(st, err, "cannot lock the schema");
	/* Another connection may have migrated while we waited for the
	 * lock: read the version again now that we hold it. */
	if (store_read_version(st, &version, err) == -1)
		return -1;
	if (version > STORE_SCHEMA_VERSION)
		return store_refuse_newer(st, version, err);
	if (version >= m->version)
		return 0;
	sql = store_is_pg(st) && m->pg_sql != NULL ? m->pg_sql : m->sql;
	if (store_exec(st, sql, err, "cannot migrate the schema") == -1)
		return -1;
	if (st->be->version_write(st, m->version) == -1)
		return store_db_fail(st, err, "cannot record the schema"
		    " version");
	return 0;
}

/* store_migrate - see store_int.h. */
int
store_migrate(struct store *st, struct npserr *err)
{
	size_t i;
	int version;

	if (store_read_version(st, &version, err) == -1)
		return -1;
	if (version > STORE_SCHEMA_VERSION)
		return store_refuse_newer(st, version, err);
	for (i = 0; i < STORE_MIGRATION_COUNT; i++) {
		if (store_migrations[i].version <= version)
			continue;
		if (store_db_write(st, store_migrate_step,
		    (void *)&store_migrations[i], err) == -1)
			return -1;
	}
	if (store_read_version(st, &st->version, err) == -1)
		return -1;
	return 0;
}
