/*
 * outgoing_result.c - the result of outgoing_process (see outgoing.h and
 * outgoing_int.h): the header edits in the order a milter applies them,
 * the survey or event row, the log line; the check that no tag leaves
 * raw; the fallback to the removal of the prefixed headers, and the
 * release of a result.
 *
 * A result owns every string it holds: the edits' names and values, the
 * survey row's fields, the event row's (through ev_store).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "mail/address.h"
#include "mail/queue_id.h"
#include "outgoing/outgoing.h"
#include "outgoing/outgoing_int.h"

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
void
outgoing_strip_edits(const struct config *cf, const struct outgoing_input *in,
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
char *
outgoing_message_id(const struct outgoing_input *in)
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

void
outgoing_content_edits(struct outgoing_result *res,
    const struct outgoing_input *in, const struct rewrite_result *rw)
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
void
outgoing_no_survey(struct outgoing_result *res, const struct rules_input *ri,
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
bool
outgoing_queue_id(const struct outgoing_input *in)
{
	return in->queue_id != NULL &&
	    queue_id_valid(in->queue_id, strlen(in->queue_id));
}

/*
 * helpdesk_address - where the help desk asked replies to go, before the
 * survey's Reply-To takes its place: its first Reply-To address, else its
 * From. The hook hands on there the replies that are not answers.
 */
static char *
helpdesk_address(const struct outgoing_input *in)
{
	static const char *const names[] = { "Reply-To", "From" };
	size_t i, k;
	char *a;

	for (k = 0; k < 2; k++)
		for (i = 0; i < in->n_hdrs; i++) {
			if (!name_is(in->hdrs[i].name, names[k]))
				continue;
			if ((a = address_first(in->hdrs[i].value,
			    in->hdrs[i].vlen)) != NULL)
				return a;
			break;
		}
	return NULL;
}

static void
survey_row(struct outgoing_result *res, const struct config *cf,
    const struct outgoing_input *in, const struct rules_input *ri,
    const struct rules_decision *dec, const struct token *tok,
    char *message_id, const char *lang)
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
	s->helpdesk_to = helpdesk_address(in);
	s->once_per_ticket = dec->once_per_ticket;
	/* The mail stays on this relay's hold queue: only this relay's
	 * `npsgate release` can let it go. */
	if (s->status == SURVEY_HELD && cf->node != NULL)
		s->held_by = xstrdup(cf->node);
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
	free(s->helpdesk_to);
	free(s->held_by);
	memset(s, 0, sizeof(*s));
}

void
outgoing_take_body(struct outgoing_result *res, struct rewrite_result *rw)
{
	res->body_changed = true;
	res->body = rw->body;
	buf_init(&rw->body);
}

/* The result of a survey: the new body and headers, the row, the hold
 * and the log line. */
void
outgoing_survey_result(struct job *j)
{
	struct outgoing_result *out = j->out;

	out->kind = OUTGOING_SURVEY;
	outgoing_take_body(out, &j->rw1);
	outgoing_content_edits(out, j->in, &j->rw1);
	survey_headers(j->ctx->cf, j->in, out, buf_cstr(&j->reply));
	survey_row(out, j->ctx->cf, j->in, &j->ri, &j->dec, &j->tok,
	    j->message_id, j->lang);
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

/* How rewrite_message ends the reason of a message it could not read. */
#define UNCHANGED "; message left unchanged"

/* outgoing_raw_tags - see outgoing_int.h. */
int
outgoing_raw_tags(const struct config *cf, const struct outgoing_input *in,
    struct outgoing_result *res, int stuck, char *why, size_t whylen)
{
	struct rewrite_result rr;
	struct buf full = BUF_INIT, nf = BUF_INIT;
	struct npserr err;
	size_t hl = rewrite_body_offset(in->msg, in->len), blen, start, fhl;

	blen = res->body_changed ? res->body.len : in->len - hl;
	if (!rewrite_has_raw_tag(cf, res->body_changed ?
	    buf_cstr(&res->body) : in->msg + hl, blen))
		return stuck;
	/* The message as it leaves, header edits included: they may say
	 * how its top part is now encoded. */
	outgoing_apply(res, in->msg, in->len, &full);
	start = full.len - blen;
	rewrite_message_raw(cf, buf_cstr(&full), full.len, &rr, &err);
	if (rr.changed) {
		fhl = rewrite_body_offset(full.data, full.len);
		buf_append(&nf, full.data, fhl);
		buf_append(&nf, rr.body.data, rr.body.len);
		buf_free(&res->body);
		buf_append(&res->body, nf.data + start, nf.len - start);
		res->body_changed = true;
		res->raw_removed += rr.tags;
	}
	if (rr.stuck > 0 && stuck == 0)
		snprintf(why, whylen, "%s", rr.reason);
	stuck += rr.stuck;
	rewrite_result_clear(&rr);
	buf_free(&full);
	buf_free(&nf);
	return stuck;
}

/*
 * Step 4: the customer never reads the tag raw. What is to leave is
 * checked for tags the rewrite could not reach; they go where they stand
 * when their bytes allow, and the log line says so. One that cannot go
 * fails the mail, before any row is written: no survey is recorded, and
 * the caller's on_error decides (the mail held for a retry, or passed as
 * it is).
 */
enum job_next
job_raw_tags(struct job *j, enum job_next next)
{
	struct outgoing_result *out = j->out;
	const struct rewrite_result *rw = out->kind == OUTGOING_SURVEY ?
	    &j->rw1 : &j->rw0;
	char why[256];
	size_t n, rl;
	int left;

	snprintf(why, sizeof(why), "%s", rw->stuck > 0 ? buf_cstr(&rw->warn) :
	    "");
	left = outgoing_raw_tags(j->ctx->cf, j->in, out, rw->stuck, why,
	    sizeof(why));
	/* A mail to the reply domain reaches our own mailbox, no customer:
	 * what can go goes, and it leaves as it is. */
	if (left > 0 && out->kind != OUTGOING_REPLY_DOMAIN) {
		npserr_set(j->err, "%d tag(s) would reach the customer raw, "
		    "where they can be neither replaced nor removed: %.300s",
		    left, why);
		out->tag_stuck = true;
		return JOB_FAILED;
	}
	if (out->raw_removed == 0)
		return next;
	/* The rewrite's reason, without what no longer holds. */
	rl = strlen(rw->reason);
	if (rl >= sizeof(UNCHANGED) - 1 && strcmp(rw->reason + rl -
	    (sizeof(UNCHANGED) - 1), UNCHANGED) == 0)
		rl -= sizeof(UNCHANGED) - 1;
	n = strlen(out->warning);
	snprintf(out->warning + n, sizeof(out->warning) - n, "%s%d tag(s) the "
	    "rewrite could not reach removed where they stood%s%.*s",
	    n > 0 ? "; " : "", out->raw_removed, rw->malformed ?
	    ", MIME not readable: " : "", rw->malformed ?
	    (int)(rl > 200 ? 200 : rl) : 0, rw->reason);
	if (out->kind == OUTGOING_PLAIN && rw->malformed)
		snprintf(out->summary, sizeof(out->summary), "MIME not "
		    "readable, tag removed where it stood, no survey: %.*s",
		    (int)(rl > 400 ? 400 : rl), rw->reason);
	return next;
}

void
outgoing_strip(const struct config *cf, const struct outgoing_input *in,
    struct outgoing_result *res)
{
	memset(res, 0, sizeof(*res));
	outgoing_strip_edits(cf, in, res);
	res->kind = OUTGOING_FAILED;
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
	res->raw_removed = 0;
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
