/*
 * report_verbatims.c - the responses themselves (verbatims, the
 * detractors to call back) and the mark that one was followed up; see
 * report.h for the contract.
 *
 * Only current responses are listed (superseded_by IS NULL); the comment
 * of each is its survey's comment history, oldest first, else the
 * response's own comment.
 */
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "store/store_db.h"
#include "survey/nps.h"

void
report_response_opts_init(struct report_response_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	o->category = NPS_NONE;
}

/*
 * report_responses - one statement over the current responses (the index
 * on superseded_by, received_at serves the range), each with its survey
 * and the survey's comment history, oldest first.
 */
int
report_responses(struct store *st, const struct report_response_opts *o,
    int (*fn)(const struct report_response *r, void *arg), void *arg,
    struct npserr *err)
{
	struct buf sql = BUF_INIT;
	struct report_response r;
	struct store_stmt *s;
	const char *type;
	int rc, ret = 0;

	buf_puts(&sql, "SELECT r.survey_id, s.ticket, s.agent, s.team,"
	    " s.channel, s.recipient, s.type, r.score, r.category,"
	    " r.received_at, (SELECT string_agg(h.text, '\n') FROM"
	    " (SELECT c.text FROM comments c WHERE c.survey_id = r.survey_id"
	    " ORDER BY c.at, c.id) h), r.comment, s.followed_up_at"
	    " FROM responses r JOIN surveys s ON s.id = r.survey_id"
	    " WHERE r.superseded_by IS NULL AND r.received_at >= ?1"
	    " AND r.received_at < ?2");
	if (o->category != NPS_NONE)
		buf_puts(&sql, " AND r.category = ?3");
	if (o->has_type)
		buf_puts(&sql, " AND s.type = ?4");
	if (o->detractors_open)
		buf_puts(&sql, " AND r.category = 'detractor'"
		    " AND s.followed_up_at = 0");
	if (o->theme != NULL)
		buf_puts(&sql, " AND EXISTS (SELECT 1 FROM response_themes t"
		    " WHERE t.response_id = r.id AND t.theme = ?5)");
	buf_puts(&sql, " ORDER BY r.received_at, r.id");
	s = store_db_prepare(st, buf_cstr(&sql), err);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, o->since);
	store_bind_int64(s, 2, o->until);
	if (o->category != NPS_NONE)
		store_bind_text(s, 3, nps_category_name(o->category));
	if (o->has_type)
		store_bind_text(s, 4, nps_type_name(o->type));
	if (o->theme != NULL)
		store_bind_text(s, 5, o->theme);
	while ((rc = store_step(s)) == STORE_ROW) {
		memset(&r, 0, sizeof(r));
		r.survey_id = report_col_text(s, 0);
		r.ticket = report_col_text(s, 1);
		r.agent = report_col_text(s, 2);
		r.team = report_col_text(s, 3);
		r.channel = report_col_text(s, 4);
		r.recipient = report_col_text(s, 5);
		type = report_col_text(s, 6);
		if (type == NULL || nps_type_parse(type, strlen(type),
		    &r.type) == -1)
			r.type = SURVEY_NPS;
		r.score = store_col_is_null(s, 7) ? -1 :
		    store_col_int(s, 7);
		r.category = r.score < 0 ? NPS_NONE :
		    nps_category(r.type, r.score);
		r.received_at = store_col_int64(s, 9);
		r.comment = report_col_text(s, 10);
		if (r.comment == NULL)
			r.comment = report_col_text(s, 11);
		if (r.comment != NULL && r.comment[0] == '\0')
			r.comment = NULL;
		r.followed_up_at = store_col_int64(s, 12);
		if (r.survey_id == NULL)
			r.survey_id = "";
		if (o->with_comment && r.comment == NULL)
			continue;
		if (fn(&r, arg) == -1) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != STORE_DONE)
		ret = store_db_fail(st, err, "cannot list the responses");
	store_db_done(s);
	return ret;
}

struct report_fu_arg {
	const char *id;
	int64_t now;
};

static int
report_followed_up_tx(struct store *st, void *arg, struct npserr *err)
{
	const struct report_fu_arg *a = arg;
	struct store_stmt *s;
	int rc;

	s = store_db_prepare(st, "UPDATE surveys SET followed_up_at = ?2"
	    " WHERE id = lower(?1)", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, a->id);
	store_bind_int64(s, 2, a->now);
	rc = store_step(s);
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot mark survey %s"
		    " followed up", a->id);
	if (store_changes(st) == 0) {
		npserr_set(err, "store %s: cannot mark survey %s followed up:"
		    " no such survey", store_path(st), a->id);
		return -1;
	}
	return 0;
}

int
report_followed_up(struct store *st, const char *id, int64_t now,
    struct npserr *err)
{
	struct report_fu_arg a = { id, now };

	return store_db_write(st, report_followed_up_tx, &a, err) < 0 ? -1 :
	    0;
}
