/*
 * followup_alert.c - the detractor alert: which scores raise one, and the
 * alert mail and alert command; see followup.h for the rules.
 *
 * The alert carries what the help desk needs to call the customer back,
 * comment included; every value is cleaned for where it goes (the mail's
 * text, the command's environment, the JSON on its standard input).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/lang.h"
#include "followup/followup.h"
#include "followup/followup_int.h"
#include "mail/sendmail.h"

/*
 * followup_is_alert_score - NPS uses the configurable detractor_max; CSAT
 * and CES have no such knob and alert on their detractor category (CSAT
 * 1-2, CES 1-3), the scores that nps.h calls unsatisfied and hard.
 */
bool
followup_is_alert_score(const struct config *cf, enum survey_type type,
    int score)
{
	if (nps_category(type, score) == NPS_NONE)
		return false;
	switch (type) {
	case SURVEY_NPS:
		return score <= cf->detractor_max;
	case SURVEY_CSAT:
		return score <= 2;
	case SURVEY_CES:
		return score <= 3;
	}
	return false;
}

/* followup_alert_address - the survey's team's address ([followup]
 * team_alert_to), else its channel's, else the default. */
const char *
followup_alert_address(const struct config *cf, const struct answer *a)
{
	const char *to;
	size_t len;

	if ((to = config_team_alert_to(cf, a->sv.team, &len)) != NULL)
		return to;
	to = followup_answer_channel(cf, a)->alert_to;
	return to != NULL && to[0] != '\0' ? to : cf->alert_to;
}

/* --- the mail ----------------------------------------------------------- */

/* The alert mail for row r to the address to, in the default language:
 * it is read by the help desk, not by the customer. */
static int
alert_build(const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, const char *to, struct buf *msg, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct buf comment = BUF_INIT;
	const char *lang = lang_template(cf->default_lang);
	struct template t;
	struct values v;

	if (followup_template_load(cf, lang != NULL ? lang : "en",
	    "alert-detractor.txt", &t, err) < 0)
		return -1;
	followup_values_make(cf, a, &v);
	followup_comment_block(&v.comment, &comment);
	{
		const struct field f[] = {
			{ "customer", followup_shown(&v.customer) },
			{ "ticket", followup_shown(&v.ticket) },
			{ "agent", followup_shown(&v.agent) },
			{ "team", followup_shown(&v.team) },
			{ "channel", followup_shown(&v.channel) },
			{ "score", buf_cstr(&v.score) },
			{ "max", buf_cstr(&v.max) },
			{ "category", followup_shown(&v.category) },
			{ "type", buf_cstr(&v.type) },
			{ "when", buf_cstr(&v.when) },
			{ "survey", buf_cstr(&v.survey) },
			{ "comment", buf_cstr(&comment) },
			{ NULL, NULL }
		};

		followup_mail_head(msg, ctx, r, to);
		followup_mail_finish(msg, "auto-generated", &t, f);
	}
	followup_values_clear(&v);
	buf_free(&comment);
	followup_template_clear(&t);
	return 0;
}

/* --- the command -------------------------------------------------------- */

/* The JSON object on the alert command's stdin, one line; the comment
 * cleaned as NPS_COMMENT is. */
static void
alert_json(const struct answer *a, struct buf *out)
{
	struct buf comment = BUF_INIT;
	char when[40];
	int n = 0;

	sendmail_env_clean(&comment, a->comment, SENDMAIL_COMMENT_MAX, true);
	followup_format_when(when, sizeof(when), a->received_at);
	buf_putc(out, '{');
	json_member_str(out, &n, "survey_id", a->sv.id);
	json_member_str(out, &n, "type", nps_type_name(a->sv.type));
	json_member_int(out, &n, "score", a->score);
	json_member_int(out, &n, "max", nps_score_max(a->sv.type));
	json_member_str(out, &n, "category", nps_category_name(a->cat));
	json_member_str(out, &n, "customer", followup_answer_customer(a));
	json_member_str(out, &n, "ticket", a->sv.ticket);
	json_member_str(out, &n, "agent", a->sv.agent);
	json_member_str(out, &n, "team", a->sv.team);
	json_member_str(out, &n, "channel", a->sv.channel);
	json_member_str(out, &n, "reason", a->sv.reason);
	json_member_str(out, &n, "priority", a->sv.priority);
	if (a->comment != NULL)
		json_member_strn(out, &n, "comment", buf_cstr(&comment),
		    comment.len);
	else
		json_member_null(out, &n, "comment");
	json_member_int(out, &n, "received_at", a->received_at);
	json_member_str(out, &n, "received", when);
	buf_puts(out, "}\n");
	buf_free(&comment);
}

/* --- the attempts ------------------------------------------------------- */

/* followup_alert_mail_attempt - the alert mail to the team, the channel
 * or the default address, from our reply address. */
enum attempt_result
followup_alert_mail_attempt(const struct followup_ctx *ctx,
    const struct answer *a, const struct row *r, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct buf msg = BUF_INIT;
	const char *to;
	enum attempt_result res = ATTEMPT_FAILED;

	if ((to = followup_alert_address(cf, a)) == NULL) {
		npserr_set(err, "not sent: no alert_to configured any more");
		return ATTEMPT_REFUSED;
	}
	if (alert_build(ctx, a, r, to, &msg, err) == 0 &&
	    followup_mail_send(cf, cf->reply_address, to, &msg, err) == 0)
		res = ATTEMPT_DONE;
	buf_free(&msg);
	return res;
}

/* followup_alert_command_attempt - the alert command, with the answer in
 * its environment and, as JSON, on its standard input. */
enum attempt_result
followup_alert_command_attempt(const struct followup_ctx *ctx,
    const struct answer *a, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct sendmail_alert al;
	struct buf json = BUF_INIT;
	enum attempt_result res = ATTEMPT_FAILED;

	if (cf->alert_command == NULL || cf->alert_command[0] == '\0') {
		npserr_set(err, "not run: no alert_command configured any"
		    " more");
		return ATTEMPT_REFUSED;
	}
	alert_json(a, &json);
	memset(&al, 0, sizeof(al));
	al.survey_id = a->sv.id;
	al.score = a->score;
	al.category = nps_category_name(a->cat);
	al.customer = followup_answer_customer(a);
	al.ticket = a->sv.ticket;
	al.agent = a->sv.agent;
	al.team = a->sv.team;
	al.channel = a->sv.channel;
	al.comment = a->comment;
	if (sendmail_alert_run(cf->alert_command, &al, json.data, json.len,
	    cf->alert_timeout * 1000, err) == 0)
		res = ATTEMPT_DONE;
	buf_free(&json);
	return res;
}
