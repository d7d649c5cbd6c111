/*
 * outgoing.c - the transformation of one outgoing mail; see outgoing.h
 * for the contract.
 *
 * The message is read twice at most: once to see whether it carries the
 * tag at all (rewrite_message without a token, which also gives the
 * tag-free body for the mails that get no survey), and, for a survey, once
 * more with the token. A mail without the tag costs one scan and no store
 * access: that is the common case on a gateway.
 *
 * Here: the steps of outgoing_process, in the order they run; the help
 * desk's steps, the result and the commit are the other pieces
 * outgoing_int.h lists.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/lang.h"
#include "base/xalloc.h"
#include "outgoing/outgoing.h"
#include "outgoing/outgoing_int.h"

/* --- outgoing_process, step by step -------------------------------------- */

/* The rules' view of the collected headers and the envelope recipients. */
void
outgoing_rules_input(struct rules_input *ri, const struct config *cf,
    const struct outgoing_input *in)
{
	size_t i;

	rules_input_init(ri);
	for (i = 0; i < in->n_hdrs; i++)
		rules_input_set_header(ri, cf, in->hdrs[i].name,
		    strlen(in->hdrs[i].name), in->hdrs[i].value,
		    in->hdrs[i].vlen);
	for (i = 0; i < in->n_rcpts; i++)
		rules_input_add_rcpt(ri, in->rcpts[i], strlen(in->rcpts[i]));
	for (i = 0; i < in->n_hdrs; i++)
		if (strcasecmp(in->hdrs[i].name, "To") == 0)
			rules_input_add_to(ri, in->hdrs[i].value,
			    in->hdrs[i].vlen);
}

/* The language of the survey: the one the help desk asked for when the
 * templates have it, else the default (widget_lang); the fallback is
 * told in the log line, so that a help desk's typo or a language
 * without templates shows. */
static void
job_lang(struct job *j, const char *tag)
{
	const char *l = widget_lang(j->ctx->cf, j->ctx->tpl, tag);
	size_t n;

	j->lang = xstrdup(l);
	if (tag == NULL)
		return;
	while (*tag == ' ' || *tag == '\t')
		tag++;
	if (*tag == '\0' || lang_is(tag, l))
		return;
	for (n = 0; n < 16 && (isalnum((unsigned char)tag[n]) ||
	    tag[n] == '-' || tag[n] == '_'); n++)
		;
	snprintf(j->lang_note, sizeof(j->lang_note),
	    " lang \"%.*s\" has no templates, %s used", (int)n, tag, l);
}

/*
 * An X-NPS-* header that says nothing (empty, "-", an unreplaced
 * placeholder: rules_value_unset) is taken as absent, so that the tag's
 * attribute or the defaults apply; a placeholder is worth a warning.
 */
static void
job_unset_headers(struct job *j)
{
	struct buf w = BUF_INIT;
	const char *ph = NULL;
	size_t phlen;
	char *v;
	int i;

	for (i = 0; i < RULES_F_COUNT; i++) {
		if ((v = j->ri.field[i]) == NULL ||
		    !rules_value_unset(v, strlen(v), &ph, &phlen))
			continue;
		if (phlen > 0)
			buf_printf(&w, "%sheader %s%s: placeholder '%.*s' not "
			    "replaced by the help desk, taken as unset",
			    w.len ? "; " : "", j->ctx->cf->header_prefix,
			    rules_field_suffix((enum rules_field)i),
			    (int)(phlen > 60 ? 60 : phlen), ph);
		free(v);
		j->ri.field[i] = NULL;
	}
	if (w.len > 0)
		snprintf(j->out->warning, sizeof(j->out->warning), "%s",
		    buf_cstr(&w));
	buf_free(&w);
}

static void
job_init(struct job *j, const struct outgoing_ctx *ctx,
    const struct outgoing_input *in, struct outgoing_result *out,
    struct npserr *err)
{
	const struct config *cf = ctx->cf;

	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->in = in;
	j->out = out;
	j->err = err;
	outgoing_rules_input(&j->ri, cf, in);
	job_unset_headers(j);
	j->ri.now = in->now;
	job_lang(j, in->lang ? in->lang : j->ri.field[RULES_F_LANG]);
	j->req.style = in->style >= 0 ? (enum widget_style)in->style :
	    cf->style;
	j->req.lang = j->lang;
	j->req.token = NULL;
	j->req.type = SURVEY_NPS;
	buf_init(&j->reply);
	j->msg = in->msg;
	j->len = in->len;
	buf_init(&j->msg2);
}

static void
job_clear(struct job *j)
{
	rewrite_result_clear(&j->rw0);
	rewrite_result_clear(&j->rw1);
	rules_input_clear(&j->ri);
	buf_free(&j->reply);
	free(j->message_id);
	free(j->lang);
	free(j->status);
	buf_free(&j->msg2);
}

/* The rewrite without a token, which removes the tags and reads their
 * facts: JOB_PLAIN when there is none where it counts, none that could
 * take the widget, or the MIME cannot be read. */
enum job_next
job_remove_tags(struct job *j)
{
	if (rewrite_message(j->ctx->cf, j->ctx->tpl, &j->req, j->msg, j->len,
	    &j->rw0, j->err) < 0)
		return JOB_FAILED;
	if (j->rw0.malformed || j->rw0.tags == 0 || j->rw0.expanded == 0)
		return JOB_PLAIN;
	job_apply_facts(j, &j->rw0.facts);
	return JOB_ON;
}

/*
 * Whether the tag is in msg as typed, and only as the bare tag: its name
 * is followed by ']' wherever it occurs. A tag with attributes needs the
 * pass that reads them before the decision.
 */
static bool
tag_bare_literal(const char *msg, size_t len, const char *tag)
{
	size_t tl = strlen(tag), pl, off = 0;
	const char *p;
	bool found = false;

	if (tl == 0)
		return false;
	if (tl < 2 || tag[tl - 1] != ']')
		return memmem(msg, len, tag, tl) != NULL;
	pl = tl - 1;
	while (off < len && (p = memmem(msg + off, len - off, tag, pl)) !=
	    NULL) {
		off = (size_t)(p - msg) + pl;
		if (off >= len || msg[off] != ']')
			return false;
		found = true;
	}
	return found;
}

/*
 * Step 1: is there a tag. The bare tag as typed in the raw bytes is the
 * common case: then the decision comes first and the message is
 * rewritten once. Otherwise (no tag, one hidden by base64 or
 * quoted-printable, a tag with attributes) a pass without a token says
 * whether there is a tag at all, and what it says.
 */
static enum job_next
job_find_tag(struct job *j)
{
	j->literal = tag_bare_literal(j->msg, j->len, j->ctx->cf->tag);
	return j->literal ? JOB_ON : job_remove_tags(j);
}

/*
 * Step 0: a mail to the reply domain is a reply (or something posing as
 * one), never a survey: its token would be in its own body and go
 * straight back to the reply mailbox. It reads no store and writes no
 * row; only the tag goes, with the internal headers.
 */
static enum job_next
job_reply_domain(struct job *j)
{
	long r = rules_rcpt_reply_domain(j->ctx->cf, &j->ri);
	enum job_next next;

	if (r < 0)
		return JOB_ON;
	next = job_remove_tags(j);
	if (next == JOB_FAILED)
		return next;
	if (next == JOB_ON && j->rw0.changed) {
		outgoing_take_body(j->out, &j->rw0);
		outgoing_content_edits(j->out, j->in, &j->rw0);
	}
	j->out->kind = OUTGOING_REPLY_DOMAIN;
	snprintf(j->out->summary, sizeof(j->out->summary),
	    "to the reply domain (<%.200s>): never a survey%s",
	    j->ri.rcpts[r], next == JOB_ON ? ", tag removed" : "");
	return JOB_DONE;
}

/* Step 2: the rules' verdict. */
static enum job_next
job_decide(struct job *j, struct store *st)
{
	j->message_id = outgoing_message_id(j->in);
	if (rules_decide(j->ctx->cf, st, &j->ri, &j->dec, j->err) < 0)
		return JOB_FAILED;
	if (j->marker) {
		/* The agent's choice, typed in the reply, wins. */
		j->dec.verdict = RULES_OPTOUT;
		snprintf(j->dec.why, sizeof(j->dec.why), "survey switched "
		    "off by agent %s: %.100s typed in the reply",
		    j->ri.field[RULES_F_AGENT] ? j->ri.field[RULES_F_AGENT] :
		    "(unnamed)", j->ctx->cf->optout_marker);
	}
	j->out->decision = j->dec;
	return JOB_ON;
}

/* Step 3 without a survey: the tags removed (now, when step 1 found them
 * in the raw bytes), and the verdict for an event row. */
static enum job_next
job_no_survey(struct job *j)
{
	enum job_next next;

	if (j->literal && (next = job_remove_tags(j)) != JOB_ON)
		return next;
	outgoing_no_survey(j->out, &j->ri, j->message_id, &j->dec);
	if (j->rw0.changed) {
		outgoing_take_body(j->out, &j->rw0);
		outgoing_content_edits(j->out, j->in, &j->rw0);
	}
	return JOB_DONE;
}

/* Step 3 with a survey: a token, the message rewritten with it, and the
 * survey's result. */
static enum job_next
job_survey(struct job *j)
{
	const struct config *cf = j->ctx->cf;
	struct outgoing_result *out = j->out;

	if (j->dec.due_at > 0 && j->in->queue_id != NULL &&
	    !outgoing_queue_id(j->in)) {
		/* A held mail whose queue id postsuper cannot take would
		 * stay on hold for ever. */
		npserr_set(j->err, "queue id '%.80s' is not a Postfix queue "
		    "id: the survey cannot be held", j->in->queue_id);
		return JOB_FAILED;
	}
	if (token_issue(j->ctx->ring, j->dec.type, (time_t)j->in->now, &j->tok,
	    out->token, sizeof(out->token)) < 0) {
		npserr_set(j->err, "token: cannot issue a token: random "
		    "source failed");
		return JOB_FAILED;
	}
	buf_printf(&j->reply, "%s+%s@%s", cf->reply_local, out->token,
	    cf->reply_domain);
	j->req.type = j->dec.type;
	j->req.token = out->token;
	j->req.reply_address = buf_cstr(&j->reply);
	if (rewrite_message(cf, j->ctx->tpl, &j->req, j->msg, j->len,
	    &j->rw1, j->err) < 0)
		return JOB_FAILED;
	if (j->literal && (j->rw1.malformed || j->rw1.tags == 0 ||
	    j->rw1.expanded == 0)) {
		/* The bytes held the tag, but not where it counts (an
		 * attachment, say) or where the widget may go (an HTML
		 * attribute): no survey, the token is dropped. */
		out->token[0] = '\0';
		j->rw0 = j->rw1;
		memset(&j->rw1, 0, sizeof(j->rw1));
		return JOB_PLAIN;
	}
	if (!j->rw1.changed || j->rw1.malformed) {
		npserr_set(j->err, "rewrite: the tag found in the first pass "
		    "was not replaced: %s", j->rw1.reason);
		return JOB_FAILED;
	}
	outgoing_survey_result(j);
	return JOB_DONE;
}

/* Step 3 without a tag where it counts: the message passes with only the
 * internal headers removed; tags that could not take the widget go
 * too. */
static void
job_plain(struct job *j)
{
	struct outgoing_result *out = j->out;

	out->kind = OUTGOING_PLAIN;
	if (!j->rw0.malformed && j->rw0.tags > 0 && j->rw0.changed) {
		outgoing_take_body(out, &j->rw0);
		outgoing_content_edits(out, j->in, &j->rw0);
		snprintf(out->summary, sizeof(out->summary), "no survey: no "
		    "tag could take the widget, %d removed", j->rw0.tags);
	}
	if (j->rw0.malformed)
		snprintf(out->summary, sizeof(out->summary), "MIME not "
		    "readable, passed unchanged: %s", j->rw0.reason);
}

/* Step 5: a failure says so; what outgoing_process returns. */
static int
job_end(struct job *j, enum job_next next)
{
	struct outgoing_result *out = j->out;

	if (next != JOB_FAILED)
		return 0;
	outgoing_fallback(out);
	snprintf(out->summary, sizeof(out->summary), "%s, passed "
	    "unchanged: %.400s", out->tag_stuck ? "raw tag" :
	    "internal error", j->err->msg);
	return -1;
}

/* The tags' warnings, from the pass whose body leaves. */
static void
job_warning(struct job *j)
{
	const struct buf *w = j->rw1.tags > 0 ? &j->rw1.warn : &j->rw0.warn;
	size_t n = strlen(j->out->warning);

	if (w->len > 0)
		snprintf(j->out->warning + n, sizeof(j->out->warning) - n,
		    "%s%s", n > 0 ? "; " : "", buf_cstr(w));
}

/*
 * outgoing_process - see outgoing.h. After the prefixed headers' removal,
 * which every outcome keeps:
 *  0. a mail to the reply domain is never a survey (job_reply_domain);
 *  1. is there a tag (see job_find_tag), the agent's opt-out marker
 *     (job_find_marker), is it a closing mail (job_check_closing);
 *  2. the rules decide;
 *  3. no survey: the tags go and an event row is made; a survey: a token,
 *     the widget, the survey headers and row; no tag where it counts:
 *     the message passes (job_plain);
 *  4. no tag leaves raw: those the rewrite could not reach go where they
 *     stand, or the mail fails (job_raw_tags);
 *  5. a failure says so in the summary.
 */
int
outgoing_process(const struct outgoing_ctx *ctx, struct store *st,
    const struct outgoing_input *in, struct outgoing_result *out,
    struct npserr *err)
{
	struct job j;
	enum job_next next;
	int ret;

	memset(out, 0, sizeof(*out));
	outgoing_strip_edits(ctx->cf, in, out);
	if (in->oversized) {
		out->kind = OUTGOING_OVERSIZED;
		snprintf(out->summary, sizeof(out->summary),
		    "body over max_body = %zu bytes: passed unchanged",
		    ctx->cf->max_body);
		return 0;
	}
	job_init(&j, ctx, in, out, err);
	next = job_reply_domain(&j);
	if (next == JOB_ON)
		next = job_find_tag(&j);
	if (next == JOB_ON)
		next = job_find_marker(&j);
	if (next == JOB_ON)
		next = job_check_closing(&j);
	if (next == JOB_ON)
		next = job_decide(&j, st);
	if (next == JOB_ON)
		next = j.dec.verdict == RULES_SURVEY ? job_survey(&j) :
		    job_no_survey(&j);
	if (next == JOB_PLAIN)
		job_plain(&j);
	if (next == JOB_PLAIN || next == JOB_DONE)
		next = job_raw_tags(&j, next);
	ret = job_end(&j, next);
	job_warning(&j);
	job_clear(&j);
	return ret;
}
