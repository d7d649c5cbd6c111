/*
 * rules.c - the survey decision for one outgoing mail: rules_decide();
 * see rules.h for the contract and the order in which the rules apply.
 *
 * Everything here is about what the help desk asked for and what the
 * configuration allows; the message body and the token are outgoing.c's
 * business, the facts of the mail rules_input.c's. The only outside
 * state read is the store (unsubscribed customers, the last survey sent
 * to an address, the tickets surveyed).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "outgoing/helpdesk.h"
#include "outgoing/rules.h"

#define DAY_SECONDS 86400

static const char *const verdict_names[] = {
	"survey", "optout", "not_eligible", "throttled", "multi_rcpt",
	"suppressed", "duplicate"
};

/* Whether v is one of list (config_list_match, but an unset list matches
 * nothing here). */
static bool
value_in(char *const *list, const char *v)
{
	return list != NULL && config_list_match(list, v, strlen(v));
}

/*
 * decide_to_header - with multiple_recipients = to_header, the first To:
 * address that is an envelope recipient. 1 when there is none (not
 * eligible), 0 with out->rcpt set.
 */
static int
decide_to_header(const struct rules_input *in, struct rules_decision *out)
{
	size_t i, k;

	for (i = 0; i < in->n_to; i++)
		for (k = 0; k < in->n_rcpts; k++)
			if (strcmp(in->to[i], in->rcpts[k]) == 0) {
				out->rcpt = k;
				return 0;
			}
	out->verdict = RULES_NOT_ELIGIBLE;
	snprintf(out->why, sizeof(out->why), "no To: address is an envelope "
	    "recipient and multiple_recipients = to_header");
	return 1;
}

/*
 * decide_type - step 1: the agent's X-NPS-Survey. Returns 1 when the
 * decision is already made (opt-out or a value we refuse), 0 to go on;
 * *type is set when the header names one, *typed says so. The values
 * that mean off and on are the config's; anything else that names no
 * survey type is refused: a typo of "off" must not send a survey.
 */
static int
decide_type(const struct config *cf, const struct rules_input *in,
    struct rules_decision *out, bool *typed)
{
	const char *v = in->field[RULES_F_SURVEY];

	*typed = false;
	if (v == NULL || *v == '\0' || value_in(cf->survey_on, v))
		return 0;
	if (value_in(cf->survey_off, v)) {
		out->verdict = RULES_OPTOUT;
		snprintf(out->why, sizeof(out->why),
		    "survey switched off by agent %s (survey '%.64s')",
		    in->field[RULES_F_AGENT] ? in->field[RULES_F_AGENT] :
		    "(unnamed)", v);
		return 1;
	}
	if (nps_type_parse(v, strlen(v), &out->type) == 0) {
		*typed = true;
		return 0;
	}
	out->verdict = RULES_NOT_ELIGIBLE;
	snprintf(out->why, sizeof(out->why),
	    "survey value '%.64s' is neither on nor off: no survey, to be "
	    "safe; allowed: [rules] survey_on, survey_off, or nps, csat, ces",
	    v);
	return 1;
}

/*
 * The channel an alias of [rules] channel_aliases ("WORD: NAME") gives
 * the help desk's word ch (n bytes), or NULL.
 */
static const char *
channel_alias(const struct config *cf, const char *ch, size_t n)
{
	const char *item, *colon, *name;
	size_t i, wl;

	for (i = 0; i < cf->n_channel_aliases; i++) {
		item = cf->channel_aliases[i];
		if ((colon = strrchr(item, ':')) == NULL)
			continue;
		for (wl = (size_t)(colon - item); wl > 0 &&
		    (item[wl - 1] == ' ' || item[wl - 1] == '\t'); wl--)
			;
		if (wl != n || strncasecmp(item, ch, n) != 0)
			continue;
		for (name = colon + 1; *name == ' ' || *name == '\t'; name++)
			;
		return name;
	}
	return NULL;
}

/*
 * channel_map - whose settings apply, and the name the row and the
 * event get, ours after the aliases or the help desk's own. Returns true
 * for a channel the config does not have (then with the default
 * settings).
 */
static bool
channel_map(const struct config *cf, const struct rules_input *in,
    struct rules_decision *out)
{
	const char *ch = in->field[RULES_F_CHANNEL], *al;
	const struct config_channel *c;
	size_t alen;

	out->channel = config_channel_find(cf, "email");
	snprintf(out->channel_name, sizeof(out->channel_name), "email");
	if (ch == NULL || *ch == '\0')
		return false;
	if ((al = channel_alias(cf, ch, strlen(ch))) != NULL) {
		ch = al;
		alen = strlen(al);
	} else if ((al = helpdesk_alias_in(helpdesk_preset(cf->helpdesk)->
	    aliases, ch, strlen(ch), &alen)) != NULL) {
		ch = al;
	} else {
		alen = strlen(ch);
	}
	if ((c = config_channel_get(cf, ch, alen)) != NULL) {
		out->channel = c;
		snprintf(out->channel_name, sizeof(out->channel_name), "%s",
		    c->name);
		return false;
	}
	out->channel = &cf->channel_default;
	snprintf(out->channel_name, sizeof(out->channel_name), "%.*s",
	    (int)utf8_floor(ch, alen, sizeof(out->channel_name) - 1), ch);
	return true;
}

/*
 * decide_ticket - steps 2 and 3: channel, reason, priority. Returns 1
 * when the ticket is not eligible, 0 to go on.
 */
static int
decide_ticket(const struct config *cf, const struct rules_input *in,
    bool unknown, struct rules_decision *out)
{
	const char *reason = in->field[RULES_F_REASON];
	const char *prio = in->field[RULES_F_PRIORITY];

	if (unknown && cf->unknown_channel == UNKNOWN_CHANNEL_SKIP) {
		out->verdict = RULES_NOT_ELIGIBLE;
		snprintf(out->why, sizeof(out->why),
		    "unknown channel '%.64s' and unknown_channel = skip; "
		    "allowed: a channel of the config (email, phone, web, "
		    "social, chat, a [channel.NAME]) or a word of [rules] "
		    "channel_aliases", out->channel_name);
		return 1;
	}
	if (!out->channel->enabled) {
		out->verdict = RULES_NOT_ELIGIBLE;
		snprintf(out->why, sizeof(out->why),
		    "channel %s has surveys switched off",
		    out->channel_name);
		return 1;
	}
	if (cf->reasons != NULL && (reason == NULL ||
	    !config_list_match(cf->reasons, reason, strlen(reason)))) {
		out->verdict = RULES_NOT_ELIGIBLE;
		snprintf(out->why, sizeof(out->why),
		    "reason '%.64s' not in [rules] reasons",
		    reason ? reason : "");
		return 1;
	}
	if (cf->priorities != NULL && (prio == NULL ||
	    !config_list_match(cf->priorities, prio, strlen(prio)))) {
		out->verdict = RULES_NOT_ELIGIBLE;
		snprintf(out->why, sizeof(out->why),
		    "priority '%.64s' not in [rules] priorities",
		    prio ? prio : "");
		return 1;
	}
	return 0;
}

/*
 * decide_customer - steps 5 and 6 through the store, read in one look:
 * the opt-out; once per ticket (a reopened ticket closed again, a help
 * desk that sends its closing template twice get one survey); the
 * throttle. Returns 1 when the customer is not to be surveyed, 0 to go
 * on, -1 on a store error.
 */
static int
decide_customer(const struct config *cf, struct store *st,
    const struct rules_input *in, struct rules_decision *out,
    struct npserr *err)
{
	const char *rcpt = in->rcpts[out->rcpt];
	const char *t = in->field[RULES_F_TICKET];
	bool once = cf->once_per_ticket == ONCE_PER_TICKET_YES ||
	    (cf->once_per_ticket == ONCE_PER_TICKET_AUTO &&
	    cf->helpdesk != HELPDESK_NONE);
	struct store_customer c;

	if (!once || t == NULL || *t == '\0')
		t = NULL;
	if (store_customer_look(st, rcpt, t, &c, err) < 0)
		return -1;
	if (c.unsubscribed) {
		out->verdict = RULES_SUPPRESSED;
		snprintf(out->why, sizeof(out->why),
		    "recipient unsubscribed from surveys");
		return 1;
	}
	if (t != NULL) {
		out->once_per_ticket = true;
		if (c.ticket_surveyed) {
			out->verdict = RULES_DUPLICATE;
			snprintf(out->why, sizeof(out->why), "ticket %.64s has"
			    " a survey already and once_per_ticket is on", t);
			return 1;
		}
	}
	if (cf->min_days_between <= 0)
		return 0;
	/* The same bound store_survey_add checks again when it writes. */
	out->throttle_from = in->now -
	    (int64_t)cf->min_days_between * DAY_SECONDS;
	if (c.last_survey > out->throttle_from) {
		out->verdict = RULES_THROTTLED;
		snprintf(out->why, sizeof(out->why),
		    "last survey to this recipient %lld s ago, less than "
		    "min_days_between = %d days",
		    (long long)(in->now - c.last_survey), cf->min_days_between);
		return 1;
	}
	return 0;
}

int
rules_decide(const struct config *cf, struct store *st,
    const struct rules_input *in, struct rules_decision *out,
    struct npserr *err)
{
	bool typed, unknown;
	int r;

	memset(out, 0, sizeof(*out));
	out->verdict = RULES_SURVEY;
	out->type = SURVEY_NPS;
	unknown = channel_map(cf, in, out);
	if (decide_type(cf, in, out, &typed))
		return 0;
	if (decide_ticket(cf, in, unknown, out))
		return 0;
	if (!typed)
		out->type = out->channel->type;
	if (in->n_rcpts == 0) {
		out->verdict = RULES_NOT_ELIGIBLE;
		snprintf(out->why, sizeof(out->why), "no recipient");
		return 0;
	}
	if (in->n_rcpts > 1 && cf->multiple_recipients == MULTI_RCPT_SKIP) {
		out->verdict = RULES_MULTI_RCPT;
		snprintf(out->why, sizeof(out->why),
		    "%zu recipients and multiple_recipients = skip",
		    in->n_rcpts);
		return 0;
	}
	out->rcpt = 0;
	if (cf->multiple_recipients == MULTI_RCPT_TO_HEADER &&
	    decide_to_header(in, out))
		return 0;
	if (st != NULL) {
		r = decide_customer(cf, st, in, out, err);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
	out->delay_days = out->channel->delay_days;
	if (out->delay_days > 0)
		out->due_at = in->now + (int64_t)out->delay_days * DAY_SECONDS;
	snprintf(out->why, sizeof(out->why), "survey %s on channel %s",
	    nps_type_name(out->type), out->channel_name);
	return 0;
}

const char *
rules_verdict_name(enum rules_verdict v)
{
	if ((size_t)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "unknown";
	return verdict_names[v];
}

enum event_kind
rules_verdict_event(enum rules_verdict v)
{
	switch (v) {
	case RULES_OPTOUT:
		return EVENT_OPTOUT;
	case RULES_THROTTLED:
		return EVENT_THROTTLED;
	case RULES_MULTI_RCPT:
		return EVENT_MULTI_RCPT;
	case RULES_SUPPRESSED:
		return EVENT_SUPPRESSED;
	case RULES_DUPLICATE:
		return EVENT_DUPLICATE;
	case RULES_NOT_ELIGIBLE:
	case RULES_SURVEY:
	default:
		return EVENT_NOT_ELIGIBLE;
	}
}
