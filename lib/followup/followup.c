/*
 * followup.c - the answer read back from the store, and the actions it
 * starts; see followup.h for the contract, followup_int.h for the pieces.
 *
 * Everything is read back from the store, never taken from the caller's
 * analysis: the store is what counts, and a retry hours later rebuilds
 * the very same mail from it. The mails are fully determined by the
 * store, the config and the time of the first attempt (the Message-ID
 * included), so that a resent one is recognisably the same.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "followup/followup.h"
#include "followup/followup_int.h"
#include "store/store_db.h"

/* --- the answer --------------------------------------------------------- */

/* followup_answer_clear - see followup_int.h. */
void
followup_answer_clear(struct answer *a)
{
	store_survey_clear(&a->sv);
	free(a->comment);
	free(a->sender);
	free(a->lang);
	free(a->source);
	memset(a, 0, sizeof(*a));
}

static char *
column_dup(struct store_stmt *s, int col)
{
	const char *t = store_col_text(s, col);

	return t != NULL ? xstrndup(t, store_col_bytes(s, col)) : NULL;
}

/* A response's comment is in the comments table (rows of an older store
 * kept it in the response row too). */
#define RESPONSE_COLUMNS \
	"id, survey_id, score, category, coalesce(comment, (SELECT c.text" \
	" FROM comments c WHERE c.response_id = responses.id ORDER BY c.id" \
	" LIMIT 1)), sender, lang, received_at, source_message_id"

/* followup_answer_load - see followup_int.h. A score outside the
 * survey's scale counts as none. */
int
followup_answer_load(struct store *st, const char *survey_id,
    const char *key, int64_t id, struct answer *a, struct npserr *err)
{
	struct store_stmt *s;
	char sid[TOKEN_ID_LEN + 1];
	const char *t;
	int rc, r;

	memset(a, 0, sizeof(*a));
	s = store_db_prepare(st, key != NULL ?
	    "SELECT " RESPONSE_COLUMNS " FROM responses WHERE survey_id = ?1"
	    " AND source_message_id = ?2 ORDER BY id DESC LIMIT 1" :
	    "SELECT " RESPONSE_COLUMNS " FROM responses WHERE id = ?3", err);
	if (s == NULL)
		return -1;
	if (key != NULL) {
		store_bind_text(s, 1, survey_id);
		store_bind_text(s, 2, key);
	} else {
		store_bind_int64(s, 3, id);
	}
	rc = store_step(s);
	if (rc == STORE_DONE) {
		store_db_done(s);
		return 0;
	}
	if (rc != STORE_ROW) {
		r = store_db_fail(st, err, "cannot read a response");
		store_db_done(s);
		return r;
	}
	a->response_id = store_col_int64(s, 0);
	t = store_col_text(s, 1);
	snprintf(sid, sizeof(sid), "%s", t != NULL ? t : "");
	a->score = store_col_is_null(s, 2) ? -1 :
	    store_col_int(s, 2);
	a->comment = column_dup(s, 4);
	a->sender = column_dup(s, 5);
	a->lang = column_dup(s, 6);
	a->received_at = store_col_int64(s, 7);
	a->source = column_dup(s, 8);
	store_db_done(s);
	r = store_survey_get(st, sid, &a->sv, err);
	if (r != 1) {
		followup_answer_clear(a);
		return r;
	}
	a->cat = a->score >= 0 ? nps_category(a->sv.type, a->score) :
	    NPS_NONE;
	if (a->cat == NPS_NONE)
		a->score = -1;
	return 1;
}

/* followup_has_text - see followup_int.h. */
bool
followup_has_text(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return true;
	return false;
}

/* followup_answer_channel - see followup_int.h. */
enum channel
followup_answer_channel(const struct answer *a)
{
	enum channel ch = CHANNEL_EMAIL;

	if (a->sv.channel != NULL)
		config_channel_parse(a->sv.channel, strlen(a->sv.channel), &ch);
	return ch;
}

/* followup_answer_customer - see followup_int.h. */
const char *
followup_answer_customer(const struct answer *a)
{
	return a->sv.recipient;
}

/* --- after an ingest ---------------------------------------------------- */

/* Looks up the processed row: 1 and the survey id when it was a
 * response tied to a survey, 0 otherwise, -1 on error. */
static int
processed_response(struct store *st, const char *msg_key,
    char sid[TOKEN_ID_LEN + 1], struct npserr *err)
{
	struct store_stmt *s;
	const char *kind, *id;
	int rc, r = 0;

	s = store_db_prepare(st, "SELECT kind, survey_id FROM processed"
	    " WHERE msg_key = ?1", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, msg_key);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		kind = store_col_text(s, 0);
		id = store_col_text(s, 1);
		if (kind != NULL && strcmp(kind, "response") == 0 &&
		    id != NULL && strlen(id) == TOKEN_ID_LEN) {
			memcpy(sid, id, TOKEN_ID_LEN + 1);
			r = 1;
		}
	} else if (rc != STORE_DONE) {
		r = store_db_fail(st, err, "cannot look up message %.100s",
		    msg_key);
	}
	store_db_done(s);
	return r;
}

/*
 * nothing_configured - true when no answer can start a follow-up: no
 * acknowledgment and no detractor alert (no address for any channel or
 * team, no command). The store is then not read at all.
 */
static bool
nothing_configured(const struct config *cf)
{
	size_t c;

	if (cf->ack || cf->n_team_alert_to > 0 ||
	    (cf->alert_to != NULL && cf->alert_to[0] != '\0') ||
	    (cf->alert_command != NULL && cf->alert_command[0] != '\0'))
		return false;
	for (c = 0; c < CHANNEL_COUNT; c++)
		if (cf->channel[c].alert_to != NULL &&
		    cf->channel[c].alert_to[0] != '\0')
			return false;
	return true;
}

/* followup_after_ingest - see followup.h. */
int
followup_after_ingest(const struct followup_ctx *ctx, const char *msg_key,
    struct followup_report *rep, struct npserr *err)
{
	struct followup_report dummy;
	char sid[TOKEN_ID_LEN + 1];
	struct answer a;
	const char *why;
	int r, failed;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (msg_key == NULL || msg_key[0] == '\0' ||
	    nothing_configured(ctx->cf))
		return 0;
	if ((r = processed_response(ctx->store, msg_key, sid, err)) <= 0)
		return r;
	/* A comment-only follow-up has no response row of its own. */
	if ((r = followup_answer_load(ctx->store, sid, msg_key, 0, &a,
	    err)) <= 0)
		return r;
	if (a.score < 0) {
		followup_answer_clear(&a);
		return 0;
	}
	r = 0;
	why = followup_ack_refusal(ctx, &a, err, &failed);
	if (failed)
		r = -1;
	else if (why != NULL)
		msg_debug("followup: survey %s: no acknowledgment: %s",
		    a.sv.id, why);
	else if (followup_start(ctx, &a, FOLLOWUP_ACK, rep, err) < 0)
		r = -1;
	if (r == 0 && followup_is_alert_score(ctx->cf, a.sv.type, a.score)) {
		if (followup_alert_address(ctx->cf, &a) != NULL &&
		    followup_start(ctx, &a, FOLLOWUP_ALERT_MAIL, rep, err) < 0)
			r = -1;
		if (r == 0 && ctx->cf->alert_command != NULL &&
		    ctx->cf->alert_command[0] != '\0' &&
		    followup_start(ctx, &a, FOLLOWUP_ALERT_COMMAND, rep,
		    err) < 0)
			r = -1;
	}
	followup_answer_clear(&a);
	return r;
}
