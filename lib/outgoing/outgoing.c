/*
 * outgoing.c - the transformation of one outgoing mail; see outgoing.h
 * for the contract.
 *
 * The message is read twice at most: once to see whether it carries the
 * tag at all (rewrite_message without a token, which also gives the
 * tag-free body for the mails that get no survey), and, for a survey, once
 * more with the token. A mail without the tag costs one scan and no store
 * access: that is the common case on a gateway.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/lang.h"
#include "base/xalloc.h"
#include "mail/queue_id.h"
#include "mail/mime.h"
#include "outgoing/helpdesk.h"
#include "outgoing/outgoing.h"

static bool
name_is(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static void
edit_push(struct outgoing_result *res, enum outgoing_op op, const char *name,
    int index, const char *value)
{
	struct outgoing_edit *e;

	res->edits = xrealloc(res->edits,
	    (res->n_edits + 1) * sizeof(*res->edits));
	e = &res->edits[res->n_edits++];
	e->op = op;
	e->name = xstrdup(name);
	e->index = index;
	e->value = value ? xstrdup(value) : NULL;
}

/* How many collected headers are named name (any case). */
static int
header_count(const struct outgoing_input *in, const char *name)
{
	size_t i;
	int n = 0;

	for (i = 0; i < in->n_hdrs; i++)
		if (name_is(in->hdrs[i].name, name))
			n++;
	return n;
}

/*
 * edit_set - name gets exactly one occurrence, value: the first one is
 * changed (keeping its place), later ones removed from the last; added
 * when absent. A NULL value removes every occurrence.
 */
static void
edit_set(struct outgoing_result *res, const struct outgoing_input *in,
    const char *name, const char *value)
{
	int n = header_count(in, name), i;

	for (i = n; i >= (value ? 2 : 1); i--)
		edit_push(res, OUTGOING_DELETE, name, i, NULL);
	if (value == NULL)
		return;
	if (n > 0)
		edit_push(res, OUTGOING_CHANGE, name, 1, value);
	else
		edit_push(res, OUTGOING_ADD, name, 0, value);
}

/*
 * strip_edits - removals of every prefixed header, the last occurrence
 * of each name first.
 */
static void
strip_edits(const struct config *cf, const struct outgoing_input *in,
    struct outgoing_result *res)
{
	size_t i, j;
	int index;

	for (i = in->n_hdrs; i-- > 0;) {
		const char *name = in->hdrs[i].name;

		if (!rules_is_prefixed(cf->header_prefix, name, strlen(name)))
			continue;
		index = 1;
		for (j = 0; j < i; j++)
			if (name_is(in->hdrs[j].name, name))
				index++;
		edit_push(res, OUTGOING_DELETE, name, index, NULL);
	}
	res->n_strip = res->n_edits;
}

/* The first Message-ID, trimmed, or NULL; caller frees. */
static char *
message_id_get(const struct outgoing_input *in)
{
	size_t i, s, e;
	const char *v;

	for (i = 0; i < in->n_hdrs; i++) {
		if (!name_is(in->hdrs[i].name, "Message-ID"))
			continue;
		v = in->hdrs[i].value;
		s = 0;
		e = in->hdrs[i].vlen;
		while (s < e && isspace((unsigned char)v[s]))
			s++;
		while (e > s && isspace((unsigned char)v[e - 1]))
			e--;
		if (e == s || memchr(v + s, '\0', e - s) != NULL)
			return NULL;
		return xstrndup(v + s, e - s);
	}
	return NULL;
}

static void
content_edits(struct outgoing_result *res, const struct outgoing_input *in,
    const struct rewrite_result *rw)
{
	if (rw->content_type != NULL) {
		edit_set(res, in, "Content-Type", rw->content_type);
		if (header_count(in, "MIME-Version") == 0)
			edit_push(res, OUTGOING_ADD, "MIME-Version", 0, "1.0");
	}
	if (rw->cte != NULL)
		edit_set(res, in, "Content-Transfer-Encoding", rw->cte);
}

static char *
ev_keep(struct outgoing_result *res, size_t slot, const char *s)
{
	if (s == NULL)
		return NULL;
	res->ev_store[slot] = xstrdup(s);
	return res->ev_store[slot];
}

/*
 * no_survey - the tag goes, the verdict stays in an event row.
 */
static void
no_survey(struct outgoing_result *res, const struct rules_input *ri,
    const char *message_id, const struct rules_decision *dec)
{
	struct event_rec *ev = &res->event;
	struct buf d = BUF_INIT;
	const char *ch;

	res->kind = OUTGOING_NO_SURVEY;
	memset(ev, 0, sizeof(*ev));
	ev->kind = rules_verdict_event(dec->verdict);
	ev->at = ri->now;
	ev->recipient = ev_keep(res, 0,
	    ri->n_rcpts > 0 ? ri->rcpts[0] : NULL);
	ev->ticket = ev_keep(res, 1, ri->field[RULES_F_TICKET]);
	ev->agent = ev_keep(res, 2, ri->field[RULES_F_AGENT]);
	ev->team = ev_keep(res, 3, ri->field[RULES_F_TEAM]);
	/* The name after the aliases, when the rules got that far. */
	ch = dec->channel_name[0] ? dec->channel_name :
	    ri->field[RULES_F_CHANNEL];
	ev->channel = ev_keep(res, 4, ch && *ch ? ch : "email");
	ev->reason = ev_keep(res, 5, ri->field[RULES_F_REASON]);
	ev->priority = ev_keep(res, 6, ri->field[RULES_F_PRIORITY]);
	buf_puts(&d, dec->why);
	if (message_id != NULL)
		buf_printf(&d, "; message-id %s", message_id);
	ev->detail = ev_keep(res, 7, buf_cstr(&d));
	buf_free(&d);
	snprintf(res->summary, sizeof(res->summary),
	    "no survey (%s): %s to=<%s> ticket=%s",
	    rules_verdict_name(dec->verdict), dec->why,
	    ev->recipient ? ev->recipient : "",
	    ev->ticket ? ev->ticket : "");
}

/*
 * survey_headers - Reply-To and List-Unsubscribe for token tok.
 */
static void
survey_headers(const struct config *cf, const struct outgoing_input *in,
    struct outgoing_result *res, const char *reply)
{
	struct buf lu = BUF_INIT;
	const char *url = cf->landing_url, *p;
	bool one_click = url != NULL && strncasecmp(url, "https://", 8) == 0;

	edit_set(res, in, "Reply-To", reply);
	if (one_click) {
		/* The landing page's own address with the token and the
		 * word "unsubscribe" in place of the score. */
		buf_putc(&lu, '<');
		for (p = url; *p != '\0';) {
			if (strncmp(p, "{token}", 7) == 0) {
				buf_puts(&lu, res->token);
				p += 7;
			} else if (strncmp(p, "{score}", 7) == 0) {
				buf_puts(&lu, "unsubscribe");
				p += 7;
			} else if ((unsigned char)*p > 0x20 && *p != '<' &&
			    *p != '>' && *p != ',') {
				buf_putc(&lu, *p++);
			} else {
				buf_printf(&lu, "%%%02X", (unsigned char)*p++);
			}
		}
		buf_puts(&lu, ">, ");
	}
	buf_printf(&lu, "<mailto:%s?subject=unsubscribe>", reply);
	edit_set(res, in, "List-Unsubscribe", buf_cstr(&lu));
	edit_set(res, in, "List-Unsubscribe-Post",
	    one_click ? "List-Unsubscribe=One-Click" : NULL);
	buf_free(&lu);
}

/* True when in carries a queue id of Postfix's making. */
static bool
outgoing_queue_id(const struct outgoing_input *in)
{
	return in->queue_id != NULL &&
	    queue_id_valid(in->queue_id, strlen(in->queue_id));
}

static void
survey_row(struct outgoing_result *res, const struct outgoing_input *in,
    const struct rules_input *ri, const struct rules_decision *dec,
    const struct token *tok, char *message_id, const char *lang)
{
	struct survey_rec *s = &res->survey;

	memset(s, 0, sizeof(*s));
	memcpy(s->id, tok->survey_id, sizeof(s->id));
	s->key_id = tok->key_id;
	s->type = dec->type;
	s->status = dec->due_at > 0 ? SURVEY_HELD : SURVEY_SENT;
	s->message_id = message_id;
	/* Only a queue id Postfix could have made is kept: `npsgate
	 * release` hands it to postsuper. */
	s->queue_id = outgoing_queue_id(in) ? xstrdup(in->queue_id) : NULL;
	s->recipient = xstrdup(ri->rcpts[dec->rcpt]);
#define DUP(f) (ri->field[f] ? xstrdup(ri->field[f]) : NULL)
	s->ticket = DUP(RULES_F_TICKET);
	s->agent = DUP(RULES_F_AGENT);
	s->team = DUP(RULES_F_TEAM);
	s->reason = DUP(RULES_F_REASON);
	s->priority = DUP(RULES_F_PRIORITY);
#undef DUP
	s->channel = xstrdup(dec->channel_name);
	s->lang = xstrdup(lang);
	s->created_at = in->now;
	s->due_at = dec->due_at;
	s->throttle_from = dec->throttle_from;
	s->once_per_ticket = dec->once_per_ticket;
}

static void
survey_row_free(struct survey_rec *s)
{
	free(s->message_id);
	free(s->queue_id);
	free(s->recipient);
	free(s->ticket);
	free(s->agent);
	free(s->team);
	free(s->channel);
	free(s->reason);
	free(s->priority);
	free(s->lang);
	memset(s, 0, sizeof(*s));
}

static void
take_body(struct outgoing_result *res, struct rewrite_result *rw)
{
	res->body_changed = true;
	res->body = rw->body;
	buf_init(&rw->body);
}

/* The rules' view of the collected headers and the envelope recipients. */
static void
rules_input_fill(struct rules_input *ri, const struct config *cf,
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
		if (name_is(in->hdrs[i].name, "To"))
			rules_input_add_to(ri, in->hdrs[i].value,
			    in->hdrs[i].vlen);
}

/* --- outgoing_process, step by step -------------------------------------- */

/*
 * One message on its way through outgoing_process: what the rules read,
 * the widget request, and the rewrites without a token and with one.
 */
struct job {
	const struct outgoing_ctx *ctx;
	const struct outgoing_input *in;
	struct outgoing_result *out;
	struct npserr *err;
	struct rules_input ri;
	struct rules_decision dec;
	struct widget_request req;
	bool literal;			/* the tag as typed in the raw bytes */
	struct rewrite_result rw0;	/* without a token: the tags removed */
	struct rewrite_result rw1;	/* with the survey's token */
	struct token tok;
	struct buf reply;		/* LOCAL+TOKEN@DOMAIN */
	char *message_id;
	char *lang;			/* the widget's: of lang_codes */
	char lang_note[96];		/* why it is not the one asked for */
	char *status;			/* the ticket's status */
	const char *msg;		/* what the passes read: in's msg, */
	size_t len;			/* or msg2 */
	struct buf msg2;		/* in's without the opt-out marker */
	bool marker;			/* the agent typed the marker */
};

/* Where a step leaves the job. */
enum job_next {
	JOB_ON,		/* on to the next step */
	JOB_DONE,	/* *out is complete */
	JOB_PLAIN,	/* no tag where it counts */
	JOB_FAILED	/* an internal failure, err says which */
};

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
	rules_input_fill(&j->ri, cf, in);
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

_Static_assert((int)REWRITE_FACT_SURVEY == (int)RULES_F_SURVEY &&
    (int)REWRITE_FACT_TICKET == (int)RULES_F_TICKET &&
    RULES_F_COUNT == REWRITE_FACT_STATUS,
    "the tag's facts follow the X-NPS-* fields");

/*
 * The facts of the tag's attributes fill what the X-NPS-* headers left
 * unset: a header set by the help desk wins over an attribute.
 */
static void
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

/* The rewrite without a token, which removes the tags and reads their
 * facts: JOB_PLAIN when there is none where it counts, none that could
 * take the widget, or the MIME cannot be read. */
static enum job_next
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
		take_body(j->out, &j->rw0);
		content_edits(j->out, j->in, &j->rw0);
	}
	j->out->kind = OUTGOING_REPLY_DOMAIN;
	snprintf(j->out->summary, sizeof(j->out->summary),
	    "to the reply domain (<%.200s>): never a survey%s",
	    j->ri.rcpts[r], next == JOB_ON ? ", tag removed" : "");
	return JOB_DONE;
}

/*
 * Step 1b: the opt-out marker an agent typed in the reply ([rules]
 * optout_marker), looked for in a mail with the tag only. When found, it
 * is removed, and the other steps read the message without it.
 */
static enum job_next
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
static enum job_next
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
		take_body(out, &j->rw0);
		content_edits(out, j->in, &j->rw0);
	}
	snprintf(out->summary, sizeof(out->summary), "not a closing mail "
	    "(status '%.64s'): tag removed, no survey",
	    j->status ? j->status : "");
	return JOB_DONE;
}

/* Step 2: the rules' verdict. */
static enum job_next
job_decide(struct job *j, struct store *st)
{
	j->message_id = message_id_get(j->in);
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
	no_survey(j->out, &j->ri, j->message_id, &j->dec);
	if (j->rw0.changed) {
		take_body(j->out, &j->rw0);
		content_edits(j->out, j->in, &j->rw0);
	}
	return JOB_DONE;
}

/* The result of a survey: the new body and headers, the row, the hold
 * and the log line. */
static void
job_survey_result(struct job *j)
{
	struct outgoing_result *out = j->out;

	out->kind = OUTGOING_SURVEY;
	take_body(out, &j->rw1);
	content_edits(out, j->in, &j->rw1);
	survey_headers(j->ctx->cf, j->in, out, buf_cstr(&j->reply));
	survey_row(out, j->in, &j->ri, &j->dec, &j->tok, j->message_id,
	    j->lang);
	j->message_id = NULL;	/* now the row's */
	if (j->dec.due_at > 0) {
		out->hold = true;
		snprintf(out->hold_reason, sizeof(out->hold_reason),
		    "npsgate: survey due %lld", (long long)j->dec.due_at);
	}
	snprintf(out->summary, sizeof(out->summary),
	    "survey %s type=%s channel=%s to=<%s> ticket=%s lang=%s%s%s",
	    j->tok.survey_id, nps_type_name(j->dec.type),
	    j->dec.channel_name, out->survey.recipient,
	    out->survey.ticket ? out->survey.ticket : "", j->lang,
	    j->lang_note, out->hold ? " held until due" : "");
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
	job_survey_result(j);
	return JOB_DONE;
}

/* Step 4: a plain message or a failure says so; what outgoing_process
 * returns. */
static int
job_end(struct job *j, enum job_next next)
{
	struct outgoing_result *out = j->out;

	switch (next) {
	case JOB_PLAIN:
		/* No tag where it counts: the message passes with only the
		 * internal headers removed; tags that could not take the
		 * widget go too. */
		out->kind = OUTGOING_PLAIN;
		if (!j->rw0.malformed && j->rw0.tags > 0 && j->rw0.changed) {
			take_body(out, &j->rw0);
			content_edits(out, j->in, &j->rw0);
			snprintf(out->summary, sizeof(out->summary),
			    "no survey: no tag could take the widget, %d "
			    "removed", j->rw0.tags);
		}
		if (j->rw0.malformed)
			snprintf(out->summary, sizeof(out->summary),
			    "MIME not readable, passed unchanged: %s",
			    j->rw0.reason);
		return 0;
	case JOB_FAILED:
		outgoing_fallback(out);
		snprintf(out->summary, sizeof(out->summary),
		    "internal error, passed unchanged: %.400s", j->err->msg);
		return -1;
	default:
		return 0;
	}
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
 *     the widget, the survey headers and row;
 *  4. the end: a plain message or a failure says so in the summary.
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
	strip_edits(ctx->cf, in, out);
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
	ret = job_end(&j, next);
	job_warning(&j);
	job_clear(&j);
	return ret;
}

void
outgoing_strip(const struct config *cf, const struct outgoing_input *in,
    struct outgoing_result *res)
{
	memset(res, 0, sizeof(*res));
	strip_edits(cf, in, res);
	res->kind = OUTGOING_FAILED;
}

/* outgoing_untag - see outgoing.h. */
void
outgoing_untag(const struct outgoing_ctx *ctx,
    const struct outgoing_input *in, struct outgoing_result *res)
{
	struct widget_request req;
	struct rewrite_result rw;
	struct npserr err;

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
		take_body(res, &rw);
		content_edits(res, in, &rw);
	}
	rewrite_result_clear(&rw);
}

void
outgoing_fallback(struct outgoing_result *res)
{
	size_t i;

	for (i = res->n_strip; i < res->n_edits; i++) {
		free(res->edits[i].name);
		free(res->edits[i].value);
	}
	res->n_edits = res->n_strip;
	res->kind = OUTGOING_FAILED;
	res->body_changed = false;
	buf_free(&res->body);
	res->hold = false;
	res->token[0] = '\0';
	survey_row_free(&res->survey);
	for (i = 0; i < sizeof(res->ev_store) / sizeof(res->ev_store[0]);
	    i++) {
		free(res->ev_store[i]);
		res->ev_store[i] = NULL;
	}
	memset(&res->event, 0, sizeof(res->event));
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

	rules_input_fill(&ri, cf, in);
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

void
outgoing_result_clear(struct outgoing_result *res)
{
	size_t i;

	outgoing_fallback(res);
	for (i = 0; i < res->n_edits; i++) {
		free(res->edits[i].name);
		free(res->edits[i].value);
	}
	free(res->edits);
	memset(res, 0, sizeof(*res));
}
