/*
 * outgoing_commit.c - after the decision of outgoing_process (see
 * outgoing.h): the survey or event row written, a survey the throttle
 * refused decided once more, the rows of several mails in one
 * transaction; and what a mail that cannot have its survey gets: its
 * tags removed (outgoing_untag), an error event.
 */
#include <string.h>

#include "base/buf.h"
#include "outgoing/outgoing.h"
#include "outgoing/outgoing_int.h"

/* outgoing_untag - see outgoing.h. */
void
outgoing_untag(const struct outgoing_ctx *ctx,
    const struct outgoing_input *in, struct outgoing_result *res)
{
	struct widget_request req;
	struct rewrite_result rw;
	struct npserr err;
	char why[256];

	outgoing_result_clear(res);
	outgoing_strip(ctx->cf, in, res);
	if (in->oversized)
		return;
	memset(&req, 0, sizeof(req));
	memset(&rw, 0, sizeof(rw));
	req.style = ctx->cf->style;
	req.lang = "en";
	req.type = SURVEY_NPS;
	/* Without a token the rewrite only removes the tags. */
	if (rewrite_message(ctx->cf, ctx->tpl, &req, in->msg, in->len, &rw,
	    &err) == 0 && !rw.malformed && rw.tags > 0 && rw.changed) {
		outgoing_take_body(res, &rw);
		outgoing_content_edits(res, in, &rw);
	}
	/* What the rewrite could not reach goes where it stands. */
	res->tag_stuck = outgoing_raw_tags(ctx->cf, in, res, rw.stuck, why,
	    sizeof(why)) > 0;
	rewrite_result_clear(&rw);
}

int
outgoing_commit(struct store *st, const struct outgoing_result *res,
    struct npserr *err)
{
	if (res->kind == OUTGOING_SURVEY)
		return store_survey_add(st, &res->survey, err);
	if (res->kind == OUTGOING_NO_SURVEY)
		return store_event_add(st, &res->event, err);
	if (res->kind == OUTGOING_PLAIN && res->not_closing)
		return store_count_add(st, "not_closing", 1, err);
	return 0;
}

/* outgoing_decide - see outgoing.h. */
int
outgoing_decide(const struct outgoing_ctx *ctx, struct store *st,
    const struct outgoing_input *in, outgoing_commit_fn commit, void *arg,
    struct outgoing_result *out, struct npserr *err)
{
	int attempt, r;

	for (attempt = 0;; attempt++) {
		if (outgoing_process(ctx, st, in, out, err) < 0) {
			outgoing_untag(ctx, in, out);
			return -1;
		}
		if (st == NULL)
			return 0;
		r = commit != NULL ? commit(st, out, arg, err) :
		    outgoing_commit(st, out, err);
		if (r == 0)
			return 0;
		if (r == STORE_THROTTLED && attempt == 0) {
			outgoing_result_clear(out);
			continue;
		}
		if (r == STORE_THROTTLED)
			npserr_set(err, "the throttle refused the survey row "
			    "twice");
		outgoing_untag(ctx, in, out);
		return -2;
	}
}

void
outgoing_commit_batch(struct store *st,
    const struct outgoing_result *const *res, size_t n, int *rc,
    struct npserr *errs)
{
	struct npserr err;
	size_t i;

	if (n > 1 && store_begin(st, &err) == 0) {
		for (i = 0; i < n; i++)
			if ((rc[i] = outgoing_commit(st, res[i], &errs[i])) < 0)
				break;
		if (i == n && store_commit(st, &err) == 0)
			return;
		store_rollback(st);
	}
	for (i = 0; i < n; i++)
		rc[i] = outgoing_commit(st, res[i], &errs[i]);
}

int
outgoing_error_event(struct store *st, const struct config *cf,
    const struct outgoing_input *in, const char *why, struct npserr *err)
{
	struct rules_input ri;
	struct event_rec ev;
	struct buf d = BUF_INIT;
	int r;

	outgoing_rules_input(&ri, cf, in);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_ERROR;
	ev.at = in->now;
	ev.recipient = ri.n_rcpts ? ri.rcpts[0] : NULL;
	ev.ticket = ri.field[RULES_F_TICKET];
	ev.agent = ri.field[RULES_F_AGENT];
	ev.team = ri.field[RULES_F_TEAM];
	ev.channel = ri.field[RULES_F_CHANNEL];
	ev.reason = ri.field[RULES_F_REASON];
	ev.priority = ri.field[RULES_F_PRIORITY];
	buf_printf(&d, "queue id %s: %s", in->queue_id ? in->queue_id : "-",
	    why);
	ev.detail = buf_cstr(&d);
	r = store_event_add(st, &ev, err);
	buf_free(&d);
	rules_input_clear(&ri);
	return r;
}
