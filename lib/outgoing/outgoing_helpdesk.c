/*
 * outgoing_helpdesk.c - what the help desk tells of a mail, for
 * outgoing_process (see outgoing_int.h).
 *
 * The facts of a survey come, in this order of precedence, from the
 * X-NPS-* headers, the tag's attributes, and the help desk's own headers
 * ([rules] ticket_from ..., or the preset's patterns). The agent may
 * switch the survey off by typing the opt-out marker; a help desk whose
 * every reply carries the tag has only its closing mails surveyed.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/lang.h"
#include "base/xalloc.h"
#include "mail/mime.h"
#include "outgoing/helpdesk.h"
#include "outgoing/outgoing_int.h"

_Static_assert((int)REWRITE_FACT_SURVEY == (int)RULES_F_SURVEY &&
    (int)REWRITE_FACT_TICKET == (int)RULES_F_TICKET &&
    RULES_F_COUNT == REWRITE_FACT_STATUS,
    "the tag's facts follow the X-NPS-* fields");

/*
 * The facts of the tag's attributes fill what the X-NPS-* headers left
 * unset: a header set by the help desk wins over an attribute.
 */
void
job_apply_facts(struct job *j, struct rewrite_facts *f)
{
	const char *v;
	char *l;
	int i;

	for (i = 0; i < RULES_F_COUNT; i++) {
		v = j->ri.field[i];
		if (f->v[i] == NULL || (v != NULL && *v != '\0'))
			continue;
		free(j->ri.field[i]);
		j->ri.field[i] = f->v[i];
		f->v[i] = NULL;
	}
	if (f->v[REWRITE_FACT_STATUS] != NULL && j->status == NULL) {
		j->status = f->v[REWRITE_FACT_STATUS];
		f->v[REWRITE_FACT_STATUS] = NULL;
	}
	if (j->in->lang == NULL && j->ri.field[RULES_F_LANG] != NULL &&
	    (l = lang_primary(j->ri.field[RULES_F_LANG])) != NULL) {
		free(j->lang);
		j->lang = l;
		j->req.lang = j->lang;
	}
}

/*
 * Step 1b: the opt-out marker an agent typed in the reply ([rules]
 * optout_marker), looked for in a mail with the tag only. When found, it
 * is removed, and the other steps read the message without it.
 */
enum job_next
job_find_marker(struct job *j)
{
	const char *mk = j->ctx->cf->optout_marker;
	struct rewrite_result r;
	enum job_next next = JOB_ON;

	if (mk == NULL || *mk == '\0')
		return JOB_ON;
	if (rewrite_message_remove(j->ctx->cf, mk, j->msg, j->len, &r,
	    j->err) < 0) {
		rewrite_result_clear(&r);
		return JOB_FAILED;
	}
	if (r.tags > 0 && r.changed && !r.malformed) {
		j->marker = true;
		rewrite_message_assemble(j->msg, j->len, &r, &j->msg2);
		j->msg = buf_cstr(&j->msg2);
		j->len = j->msg2.len;
		if (!j->literal) {
			rewrite_result_clear(&j->rw0);
			next = job_remove_tags(j);
		}
	}
	rewrite_result_clear(&r);
	return next;
}

/*
 * header_match - whether a header named name (nlen bytes, any case) has
 * a value, encoded words decoded and folds undone, that the POSIX
 * extended expression re matches (case ignored). With cap, the first
 * group of the first match is copied there (caller frees). A bad
 * expression matches nothing (config_check_closing_pattern refuses it).
 */
static bool
header_match(const struct outgoing_input *in, const char *name, size_t nlen,
    const char *re, char **cap)
{
	regex_t rx;
	regmatch_t m[2];
	struct buf v = BUF_INIT;
	size_t i, k;
	bool hit = false;

	if (regcomp(&rx, re, REG_EXTENDED | REG_ICASE) != 0)
		return false;
	for (i = 0; i < in->n_hdrs && !hit; i++) {
		if (strlen(in->hdrs[i].name) != nlen ||
		    strncasecmp(in->hdrs[i].name, name, nlen) != 0)
			continue;
		buf_reset(&v);
		mime_words_decode(in->hdrs[i].value, in->hdrs[i].vlen, &v);
		for (k = 0; k < v.len; k++)
			if (v.data[k] == '\r' || v.data[k] == '\n' ||
			    v.data[k] == '\0')
				v.data[k] = ' ';
		if (regexec(&rx, buf_cstr(&v), 2, m, 0) != 0)
			continue;
		hit = true;
		if (cap != NULL && rx.re_nsub > 0 && m[1].rm_so >= 0 &&
		    m[1].rm_eo > m[1].rm_so)
			*cap = xstrndup(buf_cstr(&v) + m[1].rm_so,
			    (size_t)(m[1].rm_eo - m[1].rm_so));
	}
	regfree(&rx);
	buf_free(&v);
	return hit;
}

/* header_match for a pattern "HEADER: REGEX". */
static bool
header_pattern_match(const struct outgoing_input *in, const char *pattern,
    char **cap)
{
	const char *colon = strchr(pattern, ':'), *re;

	if (colon == NULL)
		return false;
	for (re = colon + 1; *re == ' ' || *re == '\t'; re++)
		;
	return header_match(in, pattern, (size_t)(colon - pattern), re, cap);
}

/*
 * Whether the mail closes the ticket: 1 yes, 0 no, -1 when the config
 * gives no way to tell (then every mail with the tag is one). The tag's
 * status is one of [rules] closing_statuses, or closing_pattern matches.
 */
static int
job_closing(const struct job *j)
{
	const struct config *cf = j->ctx->cf;
	const char *ps = helpdesk_preset(cf->helpdesk)->closing_statuses;
	size_t len;
	bool asked = false;

	if (cf->closing_statuses != NULL) {
		asked = true;
		if (j->status != NULL && config_list_match(cf->closing_statuses,
		    j->status, strlen(j->status)))
			return 1;
	} else if (ps != NULL && cf->closing_pattern == NULL) {
		/* The preset's statuses, as a list of words. */
		asked = true;
		if (j->status != NULL && helpdesk_word_in(ps, j->status,
		    strlen(j->status), &len))
			return 1;
	}
	if (cf->closing_pattern != NULL) {
		asked = true;
		if (header_pattern_match(j->in, cf->closing_pattern, NULL))
			return 1;
	}
	return asked ? 0 : -1;
}

/*
 * The facts the help desk's own headers give ([rules] ticket_from,
 * agent_from, team_from, status_from, else the preset's patterns), for
 * what the X-NPS-* headers and the tag left unset. The help desk's
 * headers themselves stay: they are not ours to remove.
 */
static void
job_header_facts(struct job *j)
{
	const struct config *cf = j->ctx->cf;
	const struct helpdesk_preset *hp = helpdesk_preset(cf->helpdesk);
	const char *conf[REWRITE_FACT_COUNT] = { NULL };
	const char *pat;
	char *v;
	int i;

	conf[REWRITE_FACT_TICKET] = cf->ticket_from;
	conf[REWRITE_FACT_AGENT] = cf->agent_from;
	conf[REWRITE_FACT_TEAM] = cf->team_from;
	conf[REWRITE_FACT_STATUS] = cf->status_from;
	for (i = 0; i < REWRITE_FACT_COUNT; i++) {
		pat = conf[i] != NULL ? conf[i] : hp->from[i];
		if (pat == NULL)
			continue;
		if (i == REWRITE_FACT_STATUS ? j->status != NULL :
		    j->ri.field[i] != NULL)
			continue;
		v = NULL;
		if (!header_pattern_match(j->in, pat, &v) || v == NULL)
			continue;
		if (i == REWRITE_FACT_STATUS)
			j->status = v;
		else
			j->ri.field[i] = v;
	}
}

/*
 * Step 1c: a help desk whose one reply template carries the tag sends it
 * with every reply; only a closing one is surveyed. Any other mail loses
 * its tags quietly: no survey, no event, a count in `npsgate stats`.
 */
enum job_next
job_check_closing(struct job *j)
{
	struct outgoing_result *out = j->out;
	enum job_next next;

	job_header_facts(j);
	if (job_closing(j) != 0)
		return JOB_ON;
	if (j->literal && (next = job_remove_tags(j)) != JOB_ON)
		return next;
	out->kind = OUTGOING_PLAIN;
	out->not_closing = true;
	if (j->rw0.changed) {
		outgoing_take_body(out, &j->rw0);
		outgoing_content_edits(out, j->in, &j->rw0);
	}
	snprintf(out->summary, sizeof(out->summary), "not a closing mail "
	    "(status '%.64s'): tag removed, no survey",
	    j->status ? j->status : "");
	return JOB_DONE;
}
