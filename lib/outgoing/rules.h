/*
 * rules.h - should this outgoing mail carry a survey?
 *
 * SYNOPSIS
 *	struct rules_input in;
 *	rules_input_init(&in);
 *	rules_input_set_header(&in, cf, name, nlen, value, vlen);
 *	rules_input_add_rcpt(&in, "<Jane@Example.COM>", len);
 *	rules_decide(cf, store_or_NULL, &in, &dec, &err);
 *	dec.verdict == RULES_SURVEY ? dec.type, dec.due_at ...
 *	rules_input_clear(&in);
 *
 * DESCRIPTION
 *	The help desk describes the ticket in X-NPS-* headers (the prefix is
 *	cf->header_prefix): Ticket, Agent, Team, Channel, Reason, Priority,
 *	Lang and Survey. rules_decide() applies, in this order:
 *	  1. X-NPS-Survey: a value of [rules] survey_off (default off, no)
 *	     -> RULES_OPTOUT (the agent's choice wins); nps, csat or ces
 *	     choose the type; a value of survey_on (default on, yes) or an
 *	     empty value keep the channel's type; anything else is not
 *	     eligible, and the event names the value (a typo of "off" must
 *	     not send a survey the agent refused).
 *	  2. X-NPS-Channel names the channel (default email when absent),
 *	     in our words or the help desk's ([rules] channel_aliases: E-Mail
 *	     is email, Portal web...). A channel we do not know is surveyed
 *	     with the settings of [channel.email] under its own name, or
 *	     not eligible with unknown_channel = skip; a disabled channel ->
 *	     RULES_NOT_ELIGIBLE.
 *	  3. [rules] reasons and priorities, when set, must list the
 *	     ticket's reason and priority (config_list_match); a ticket
 *	     without one is then not eligible either.
 *	  4. No recipient -> not eligible; several recipients with
 *	     multiple_recipients = skip -> RULES_MULTI_RCPT; with first, the
 *	     first envelope recipient is the surveyed customer; with
 *	     to_header, the first To: address that is also an envelope
 *	     recipient (none: not eligible), so that a copy to an archive
 *	     or a Bcc is never surveyed.
 *	  5. The customer unsubscribed earlier -> RULES_SUPPRESSED.
 *	  6. A survey to the same address less than min_days_between days
 *	     ago (any ticket) -> RULES_THROTTLED.
 *	  6b. With once_per_ticket (yes, or auto with a helpdesk preset), a
 *	     ticket that has a survey already -> RULES_DUPLICATE.
 *	  7. Otherwise RULES_SURVEY, with due_at = now + delay_days of the
 *	     channel when the channel delays its surveys (0: send now).
 *	With st == NULL (dry runs) steps 5 and 6 are skipped.
 *	Header values are stored unfolded, RFC 2047 words decoded, as
 *	UTF-8 (raw 8-bit bytes that are not UTF-8 read as Windows-1252),
 *	trimmed, with control bytes (NUL included) replaced by spaces;
 *	the first occurrence of each header counts. Recipients are stored
 *	bare ("a@b"), lowercased.
 */
#ifndef NPSGATE_RULES_H
#define NPSGATE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"
#include "survey/nps.h"

enum rules_field {
	RULES_F_TICKET = 0,
	RULES_F_AGENT,
	RULES_F_TEAM,
	RULES_F_CHANNEL,
	RULES_F_REASON,
	RULES_F_PRIORITY,
	RULES_F_LANG,
	RULES_F_SURVEY
};
#define RULES_F_COUNT 8

enum rules_verdict {
	RULES_SURVEY = 0,
	RULES_OPTOUT,
	RULES_NOT_ELIGIBLE,
	RULES_THROTTLED,
	RULES_MULTI_RCPT,
	RULES_SUPPRESSED,
	RULES_DUPLICATE		/* the ticket has a survey: once_per_ticket */
};

struct rules_input {
	char *field[RULES_F_COUNT];	/* NULL when the header is absent */
	bool any_header;	/* at least one header with the prefix */
	char **rcpts;		/* bare, lowercased; owned */
	size_t n_rcpts;
	char **to;		/* the To: addresses, the same way; owned */
	size_t n_to;
	int64_t now;
};

struct rules_decision {
	enum rules_verdict verdict;
	enum survey_type type;
	enum channel channel;	/* whose settings apply */
	char channel_name[64];	/* the name the row and the reports get:
				 * ours, after the aliases, or the help
				 * desk's own for an unknown channel */
	size_t rcpt;		/* index of the surveyed recipient */
	int delay_days;
	int64_t due_at;		/* 0: send now */
	/* A survey's row is written only if the recipient has none created
	 * after this time (now - min_days_between days; 0: no throttle): the
	 * check is made again inside the write, where no other mail can
	 * slip in between. */
	int64_t throttle_from;
	/* once_per_ticket is on and the mail names a ticket: the row is
	 * written only if the ticket has none, checked inside the write
	 * too. */
	bool once_per_ticket;
	char why[256];		/* for the event row and the log */
};

void rules_input_init(struct rules_input *in);
/* Frees what the input owns and leaves it empty. */
void rules_input_clear(struct rules_input *in);

/* True when name (nlen bytes) starts with prefix, case-insensitively. */
bool rules_is_prefixed(const char *prefix, const char *name, size_t nlen);

/* Records one header when it carries the prefix; other headers are
 * ignored. Returns the field set (a known suffix), -2 for a prefixed
 * header we do not know (still counted in any_header), -1 otherwise. */
int rules_input_set_header(struct rules_input *in, const struct config *cf,
    const char *name, size_t nlen, const char *value, size_t vlen);

/* Adds one envelope recipient ("<a@b>" or "a@b", any case). Empty
 * addresses (the null recipient) are ignored. */
void rules_input_add_rcpt(struct rules_input *in, const char *addr,
    size_t len);

/* Adds the addresses of one To: field (raw value, vlen bytes): the part
 * in <> of each item, or the bare item when it holds an '@'. */
void rules_input_add_to(struct rules_input *in, const char *v, size_t vlen);

/* Decides as described above. Returns 0 with *out filled, or -1 with
 * err set when the store could not be read (the caller then applies its
 * failure policy). */
int rules_decide(const struct config *cf, struct store *st,
    const struct rules_input *in, struct rules_decision *out,
    struct npserr *err);

/*
 * Before any rule: mail that can never be a survey.
 * rules_rcpt_reply_domain - the index of the first recipient in the
 * reply address's domain (replies and anything else sent there), or -1.
 * The scope ([milter] scope_clients, scope_logins, scope_senders) says
 * which mail the help desk sends; a mail is in scope when it meets every
 * condition that is set, and a condition not set is met by every mail.
 * rules_scope_client - addr, a numeric IPv4 or IPv6 address (NULL: none,
 * e.g. a unix-domain client), is in one of scope_clients.
 * rules_scope_login - login, the client's SASL login (NULL or "": none),
 * is in scope_logins, or scope_logins holds "any" and there is a login.
 * rules_scope_sender - sender, the envelope sender ("<a@b>" or "a@b"),
 * matches one of scope_senders (* and ? wildcards, any case; @DOMAIN is
 * *@DOMAIN). The null sender never matches.
 */
long rules_rcpt_reply_domain(const struct config *cf,
    const struct rules_input *in);
bool rules_scope_is_set(const struct config *cf);
bool rules_scope_client(const struct config *cf, const char *addr);
bool rules_scope_login(const struct config *cf, const char *login);
bool rules_scope_sender(const struct config *cf, const char *sender);

/*
 * rules_value_unset - whether a value the help desk filled in (v, n
 * bytes) says nothing: empty, "-" (Zammad, Znuny and OTOBO write it for
 * an empty field), or holding a placeholder the help desk left
 * unreplaced: #{...} (Zammad), <OTRS_...> and <OTOBO_...> (Znuny,
 * OTOBO), %{...} (osTicket), {{...}} (Zendesk, Freshdesk), ##...##
 * (GLPI, Redmine), {%...%} (UVdesk), {$...} (Request Tracker). For a
 * placeholder, *ph and *phlen give it (else *phlen is 0).
 */
bool rules_value_unset(const char *v, size_t n, const char **ph,
    size_t *phlen);
/* "Ticket", "Agent" ...: the header name's suffix of a field. */
const char *rules_field_suffix(enum rules_field f);
const char *rules_verdict_name(enum rules_verdict v);
/* The event row a verdict other than RULES_SURVEY leaves. */
enum event_kind rules_verdict_event(enum rules_verdict v);

#endif
