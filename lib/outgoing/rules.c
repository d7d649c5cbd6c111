/*
 * rules.c - the survey decision for one outgoing mail; see rules.h for
 * the contract and the order in which the rules apply.
 *
 * Everything here is about what the help desk asked for and what the
 * configuration allows; the message body and the token are outgoing.c's
 * business. The only outside state read is the store (unsubscribed
 * customers, the last survey sent to an address).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mail/address.h"
#include "mail/mime.h"
#include "outgoing/helpdesk.h"
#include "outgoing/rules.h"

#define DAY_SECONDS 86400

static const char *const field_suffix[RULES_F_COUNT] = {
	"Ticket", "Agent", "Team", "Channel", "Reason", "Priority", "Lang",
	"Survey"
};

static const char *const verdict_names[] = {
	"survey", "optout", "not_eligible", "throttled", "multi_rcpt",
	"suppressed", "duplicate"
};

void
rules_input_init(struct rules_input *in)
{
	memset(in, 0, sizeof(*in));
}

void
rules_input_clear(struct rules_input *in)
{
	size_t i;

	for (i = 0; i < RULES_F_COUNT; i++)
		free(in->field[i]);
	for (i = 0; i < in->n_rcpts; i++)
		free(in->rcpts[i]);
	free(in->rcpts);
	for (i = 0; i < in->n_to; i++)
		free(in->to[i]);
	free(in->to);
	rules_input_init(in);
}

bool
rules_is_prefixed(const char *prefix, const char *name, size_t nlen)
{
	size_t plen = strlen(prefix);

	return nlen >= plen && strncasecmp(name, prefix, plen) == 0;
}

/*
 * value_clean - a header value as the store and the rules see it:
 * encoded words decoded, folding undone, invalid UTF-8 read as
 * Windows-1252, control bytes made spaces, surrounding blanks trimmed.
 * Returns a string the caller frees.
 */
static char *
value_clean(const char *v, size_t vlen)
{
	struct buf b = BUF_INIT;
	size_t i, start, end;
	char *s;

	mime_words_decode(v, vlen, &b);
	if (!utf8_valid(buf_cstr(&b), b.len)) {
		/* Raw 8-bit bytes in a header: read them as the MIME module
		 * reads an unlabelled text (Windows-1252), so the store and
		 * the reports only ever hold UTF-8. */
		struct buf u = BUF_INIT;

		mime_charset_to_utf8("", b.data, b.len, &u);
		buf_free(&b);
		b = u;
	}
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	start = 0;
	end = b.len;
	while (start < end && b.data[start] == ' ')
		start++;
	while (end > start && b.data[end - 1] == ' ')
		end--;
	s = xstrndup(b.data ? b.data + start : "", end - start);
	buf_free(&b);
	return s;
}

int
rules_input_set_header(struct rules_input *in, const struct config *cf,
    const char *name, size_t nlen, const char *value, size_t vlen)
{
	size_t plen = strlen(cf->header_prefix);
	const char *suf;
	size_t slen;
	int i;

	if (!rules_is_prefixed(cf->header_prefix, name, nlen))
		return -1;
	in->any_header = true;
	suf = name + plen;
	slen = nlen - plen;
	for (i = 0; i < RULES_F_COUNT; i++) {
		if (strlen(field_suffix[i]) != slen ||
		    strncasecmp(suf, field_suffix[i], slen) != 0)
			continue;
		/* The first occurrence counts: a later duplicate cannot
		 * undo an agent's opt-out. */
		if (in->field[i] == NULL)
			in->field[i] = value_clean(value, vlen);
		return i;
	}
	return -2;
}

void
rules_input_add_rcpt(struct rules_input *in, const char *addr, size_t len)
{
	size_t i;
	char *s;

	/* The one form of an address (mail/address.h), so that the
	 * survey's recipient is the string forget and the opt-outs use. */
	if ((s = address_normalise(addr, len)) == NULL) {
		/* Not an address we can read: kept as it came, lowercased,
		 * so that the mail still leaves. */
		while (len > 0 && isspace((unsigned char)*addr)) {
			addr++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)addr[len - 1]))
			len--;
		if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
			addr++;
			len -= 2;
		}
		if (len == 0)
			return;
		s = xstrndup(addr, len);
		for (i = 0; i < len; i++) {
			if ((unsigned char)s[i] < 0x20)
				s[i] = '?';
			else
				s[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	in->rcpts = xrealloc(in->rcpts, (in->n_rcpts + 1) * sizeof(char *));
	in->rcpts[in->n_rcpts++] = s;
}

/* Whether v is one of list (config_list_match, but an unset list matches
 * nothing here). */
static bool
value_in(char *const *list, const char *v)
{
	return list != NULL && config_list_match(list, v, strlen(v));
}

/* The bare, lowercased address of an item of a To: field. */
static void
to_add_one(struct rules_input *in, const char *a, size_t n)
{
	size_t i;
	char *s;

	while (n > 0 && isspace((unsigned char)*a)) {
		a++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)a[n - 1]))
		n--;
	if (n == 0 || memchr(a, '@', n) == NULL || in->n_to >= 100)
		return;
	s = xstrndup(a, n);
	for (i = 0; i < n; i++)
		s[i] = (unsigned char)s[i] < 0x20 ? '?' :
		    (char)tolower((unsigned char)s[i]);
	in->to = xrealloc(in->to, (in->n_to + 1) * sizeof(char *));
	in->to[in->n_to++] = s;
}

void
rules_input_add_to(struct rules_input *in, const char *v, size_t n)
{
	size_t i = 0, start, a0, a1;
	bool quoted;

	while (i < n) {
		start = i;
		quoted = false;
		a0 = a1 = (size_t)-1;
		for (; i < n; i++) {
			if (v[i] == '"')
				quoted = !quoted;
			else if (!quoted && v[i] == '<')
				a0 = i + 1;
			else if (!quoted && v[i] == '>' && a0 != (size_t)-1)
				a1 = i;
			else if (!quoted && v[i] == ',')
				break;
		}
		if (a0 != (size_t)-1 && a1 != (size_t)-1 && a1 >= a0)
			to_add_one(in, v + a0, a1 - a0);
		else
			to_add_one(in, v + start, i - start);
		i++;
	}
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
 * for a channel we do not know (then with [channel.email]'s settings).
 */
static bool
channel_map(const struct config *cf, const struct rules_input *in,
    struct rules_decision *out)
{
	const char *ch = in->field[RULES_F_CHANNEL], *al;
	size_t alen;

	out->channel = CHANNEL_EMAIL;
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
	if (config_channel_parse(ch, alen, &out->channel) == 0) {
		snprintf(out->channel_name, sizeof(out->channel_name), "%s",
		    config_channel_name(out->channel));
		return false;
	}
	out->channel = CHANNEL_EMAIL;
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
		    "allowed: email, phone, web, social, chat, or a word of "
		    "[rules] channel_aliases", out->channel_name);
		return 1;
	}
	if (!cf->channel[out->channel].enabled) {
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
 * decide_duplicate - step 6b: a second closing mail for a ticket that has
 * a survey (a reopened ticket closed again, a help desk that sends its
 * closing template twice). 1 with the verdict set, 0 to go on, -1 on a
 * store error.
 */
static int
decide_duplicate(const struct config *cf, struct store *st,
    const struct rules_input *in, struct rules_decision *out,
    struct npserr *err)
{
	const char *t = in->field[RULES_F_TICKET];
	bool on = cf->once_per_ticket == ONCE_PER_TICKET_YES ||
	    (cf->once_per_ticket == ONCE_PER_TICKET_AUTO &&
	    cf->helpdesk != HELPDESK_NONE);
	int r;

	if (!on || t == NULL || *t == '\0')
		return 0;
	out->once_per_ticket = true;
	if ((r = store_ticket_surveyed(st, t, err)) <= 0)
		return r;
	out->verdict = RULES_DUPLICATE;
	snprintf(out->why, sizeof(out->why), "ticket %.64s has a survey "
	    "already and once_per_ticket is on", t);
	return 1;
}

/*
 * decide_customer - steps 5 and 6 through the store. Returns 1 when the
 * customer is not to be surveyed, 0 to go on, -1 on a store error.
 */
static int
decide_customer(const struct config *cf, struct store *st,
    const struct rules_input *in, struct rules_decision *out,
    struct npserr *err)
{
	const char *rcpt = in->rcpts[out->rcpt];
	int64_t last = 0;
	int r;

	r = store_is_unsubscribed(st, rcpt, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		out->verdict = RULES_SUPPRESSED;
		snprintf(out->why, sizeof(out->why),
		    "recipient unsubscribed from surveys");
		return 1;
	}
	if (decide_duplicate(cf, st, in, out, err) != 0)
		return out->verdict == RULES_DUPLICATE ? 1 : -1;
	if (cf->min_days_between <= 0)
		return 0;
	/* The same bound store_survey_add checks again when it writes. */
	out->throttle_from = in->now -
	    (int64_t)cf->min_days_between * DAY_SECONDS;
	if (store_last_survey_time(st, rcpt, &last, err) < 0)
		return -1;
	if (last > out->throttle_from) {
		out->verdict = RULES_THROTTLED;
		snprintf(out->why, sizeof(out->why),
		    "last survey to this recipient %lld s ago, less than "
		    "min_days_between = %d days", (long long)(in->now - last),
		    cf->min_days_between);
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
	out->channel = CHANNEL_EMAIL;
	unknown = channel_map(cf, in, out);
	if (decide_type(cf, in, out, &typed))
		return 0;
	if (decide_ticket(cf, in, unknown, out))
		return 0;
	if (!typed)
		out->type = cf->channel[out->channel].type;
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
	out->delay_days = cf->channel[out->channel].delay_days;
	if (out->delay_days > 0)
		out->due_at = in->now + (int64_t)out->delay_days * DAY_SECONDS;
	snprintf(out->why, sizeof(out->why), "survey %s on channel %s",
	    nps_type_name(out->type), out->channel_name);
	return 0;
}

const char *
rules_field_suffix(enum rules_field f)
{
	return (size_t)f < RULES_F_COUNT ? field_suffix[f] : "?";
}

static const struct {
	const char *open, *close;
} placeholders[] = {
	{ "#{", "}" }, { "<OTRS_", ">" }, { "<OTOBO_", ">" }, { "%{", "}" },
	{ "{{", "}}" }, { "{%", "%}" }, { "{$", "}" }, { "##", "##" },
};

bool
rules_value_unset(const char *v, size_t n, const char **ph, size_t *phlen)
{
	const char *o, *c;
	size_t i, ol, cl;

	*phlen = 0;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || (n == 1 && *v == '-'))
		return true;
	for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
		ol = strlen(placeholders[i].open);
		cl = strlen(placeholders[i].close);
		o = memmem(v, n, placeholders[i].open, ol);
		if (o == NULL)
			continue;
		c = memmem(o + ol, n - (size_t)(o + ol - v),
		    placeholders[i].close, cl);
		if (c == NULL || c == o + ol)
			continue;
		*ph = o;
		*phlen = (size_t)(c + cl - o);
		return true;
	}
	return false;
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

/* --- before the rules: the reply domain and the scope ------------------ */

/* True when the bare address a (lowercased) is in domain dom. */
static bool
addr_in_domain(const char *a, const char *dom)
{
	const char *at = strrchr(a, '@');
	size_t dl = strlen(dom), al;

	if (at == NULL)
		return false;
	at++;
	al = strlen(at);
	/* "reply.example." names the same domain. */
	if (al > 0 && at[al - 1] == '.')
		al--;
	return al == dl && strncasecmp(at, dom, dl) == 0;
}

/* rules_rcpt_reply_domain - see rules.h. */
long
rules_rcpt_reply_domain(const struct config *cf, const struct rules_input *in)
{
	size_t i;

	if (cf->reply_domain == NULL)
		return -1;
	for (i = 0; i < in->n_rcpts; i++)
		if (addr_in_domain(in->rcpts[i], cf->reply_domain))
			return (long)i;
	return -1;
}

bool
rules_scope_is_set(const struct config *cf)
{
	return cf->scope_clients != NULL || cf->scope_logins != NULL ||
	    cf->scope_senders != NULL;
}

/* rules_scope_client - see rules.h. */
bool
rules_scope_client(const struct config *cf, const char *addr)
{
	unsigned char bin[16];
	struct config_net net;
	int family;
	size_t i;

	if (cf->scope_clients == NULL)
		return true;
	if (addr == NULL)
		return false;
	if (inet_pton(AF_INET, addr, bin) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, bin) == 1) {
		family = AF_INET6;
		/* ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1. */
		if (memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(bin, bin + 12, 4);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (i = 0; i < cf->n_scope_clients; i++)
		if (config_net_parse(cf->scope_clients[i], &net) == 0 &&
		    config_net_contains(&net, family, bin))
			return true;
	return false;
}

/* rules_scope_login - see rules.h. */
bool
rules_scope_login(const struct config *cf, const char *login)
{
	size_t i;

	if (cf->scope_logins == NULL)
		return true;
	if (login == NULL || *login == '\0')
		return false;
	for (i = 0; i < cf->n_scope_logins; i++)
		if (strcasecmp(cf->scope_logins[i], "any") == 0 ||
		    strcmp(cf->scope_logins[i], login) == 0)
			return true;
	return false;
}

/* rules_scope_sender - see rules.h. */
bool
rules_scope_sender(const struct config *cf, const char *sender)
{
	struct rules_input one;
	struct buf pat = BUF_INIT;
	const char *p;
	bool in = false;
	size_t i;

	if (cf->scope_senders == NULL)
		return true;
	if (sender == NULL)
		return false;
	/* The sender as a recipient is stored: bare and lowercased. */
	rules_input_init(&one);
	rules_input_add_rcpt(&one, sender, strlen(sender));
	for (i = 0; one.n_rcpts == 1 && !in && i < cf->n_scope_senders;
	    i++) {
		p = cf->scope_senders[i];
		buf_reset(&pat);
		if (*p == '@')
			buf_putc(&pat, '*');
		buf_puts(&pat, p);
		in = fnmatch(buf_cstr(&pat), one.rcpts[0],
		    FNM_NOESCAPE | FNM_CASEFOLD) == 0;
	}
	buf_free(&pat);
	rules_input_clear(&one);
	return in;
}
