/*
 * config.h - npsgate.conf, the one configuration of all three programs.
 *
 * SYNOPSIS
 *	struct config *cf = config_load(path, &err);
 *	cf->reply_local, config_channel_find(cf, "phone")->enabled, ...
 *	config_dump(cf, stdout);	(npsgate check-config)
 *	config_free(cf);
 *
 * DESCRIPTION
 *	An INI file read with inih. Sections: [general], [store], [milter],
 *	[survey] (look and texts), [rules], [channel.NAME], [imap],
 *	[followup], [report]. Every config has the channels email, phone,
 *	web, social and chat; a [channel.NAME] section sets the keys of one
 *	of them or defines one more (see config_channel_name_ok()).
 *	Every key has a working default except those of the smallest
 *	config (tests/data/config/minimal.conf, doc/hacking.md);
 *	etc/npsgate.conf.sample documents each one. An unknown section or
 *	key, a bad value, a text over its limit or a missing required file is
 *	an error "FILE:LINE: [section] key: problem; allowed: ...".
 *	config_defaults() gives a config without reading a file (for
 *	--dry-run and tests); its paths point at nothing.
 *	All strings are owned by the config and freed by config_free().
 *	A config is read-only after loading and safe to share between threads.
 */
#ifndef NPSGATE_CONFIG_H
#define NPSGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/lang.h"
#include "base/npserr.h"
#include "survey/nps.h"

#define CONFIG_INFO_MAX 800	/* characters (UTF-8 code points) */

/* Channels of one config, the five built-in ones included, and the
 * bytes of a channel's name. */
#define CONFIG_CHANNEL_MAX 64
#define CONFIG_CHANNEL_NAME_MAX 32

/* In the order of the style key's names (numbers, stars...). */
enum widget_style {
	STYLE_NUMBERS = 0,	/* plain numbered cells, the default */
	STYLE_STARS,
	STYLE_ICONS,
	STYLE_GRADIENT
};

enum widget_align {
	ALIGN_LEFT = 0,
	ALIGN_CENTER
};

enum on_error {
	ON_ERROR_ACCEPT = 0,	/* deliver unchanged, X-NPS-* stripped */
	ON_ERROR_TEMPFAIL
};

enum multi_rcpt {
	MULTI_RCPT_FIRST = 0,	/* survey the first recipient only */
	MULTI_RCPT_SKIP,	/* no survey when there are several */
	MULTI_RCPT_TO_HEADER	/* the first To: address that is also an
				 * envelope recipient; none: no survey */
};

enum unknown_channel {
	UNKNOWN_CHANNEL_SURVEY = 0,	/* with the default settings, under
					 * its own name */
	UNKNOWN_CHANNEL_SKIP		/* no survey */
};

/* [general] helpdesk: a preset of patterns, aliases and conditions
 * (lib/outgoing/helpdesk.c), in the order of its names. */
enum helpdesk {
	HELPDESK_NONE = 0,
	HELPDESK_RT,
	HELPDESK_ZAMMAD,
	HELPDESK_ZNUNY,
	HELPDESK_OTOBO,
	HELPDESK_OSTICKET,
	HELPDESK_FREESCOUT,
	HELPDESK_GLPI,
	HELPDESK_REDMINE,
	HELPDESK_UVDESK,
	HELPDESK_ZENDESK,
	HELPDESK_FRESHDESK
};
#define HELPDESK_COUNT 12

enum once_per_ticket {
	ONCE_PER_TICKET_AUTO = 0,	/* yes with a helpdesk preset */
	ONCE_PER_TICKET_YES,
	ONCE_PER_TICKET_NO
};

enum tls_mode {
	TLS_IMPLICIT = 0,
	TLS_STARTTLS,
	TLS_NONE
};

enum forwarded_policy {
	FORWARDED_COUNT = 0,	/* count it, flagged */
	FORWARDED_REVIEW	/* store flagged, file under NeedsReview */
};

/* Which replies the hook hands on to the help desk that sent the survey
 * ([imap] forward_to_helpdesk, [channel.NAME] forward_to_helpdesk). */
enum forward_mode {
	FORWARD_NONE = 0,	/* none: they stay in the review folder */
	FORWARD_NO_SCORE,	/* those that carry no score */
	FORWARD_COMMENTS,	/* those, and every answer with a comment */
	FORWARD_INHERIT		/* a channel's default: [imap]'s */
};

/* The settings of one channel; the keys of [channel.NAME]. */
struct config_channel {
	char *name;		/* lowercase; NULL for cf->channel_default */
	bool enabled;		/* default yes */
	enum survey_type type;	/* default nps */
	int delay_days;		/* default 0: send at ticket close */
	bool ack;		/* thank-you mail after a response; default yes */
	char *alert_to;		/* detractor alert address; NULL: followup's */
	enum forward_mode forward_to_helpdesk;	/* default inherit */
	int line;		/* its first [channel.NAME] header in the
				 * config's path; 0: none */
};

struct config {
	char *path;		/* the file read, or "(defaults)" */

	/* [general] */
	char *reply_address;	/* nps@reply.example (required) */
	char *reply_local;	/* "nps": derived, part before '@' */
	char *reply_domain;	/* "reply.example": derived */
	char *key_file;		/* required */
	int token_lifetime_days;	/* default 180; 0 = never expire */
	char *templates_dir;	/* default $NPSGATE_TEMPLATES_DIR, else
				   $(datadir)/npsgate/templates */
	char *default_lang;	/* a shipped language (lang.h); default "fr" */
	char *from_name;	/* display name on mails we send; default "" */
	enum helpdesk helpdesk;	/* default none */
	char *node;		/* this relay's name among those sharing a
				   store (config_node_ok()); default the
				   host name */

	/* [store] */
	char *store_path;	/* SQLite file; "" when url is set */
	char *store_url;	/* PostgreSQL server; NULL: unset. One of
				   path and url is set, never both */
	int busy_timeout_ms;	/* default 5000 */

	/* [milter] */
	char *milter_socket;	/* default unix:/var/spool/postfix/npsgate/
				   milter.sock */
	char *milter_user;	/* drop root to this user; NULL: stay */
	char *milter_group;
	enum on_error on_error;	/* default accept */
	size_t max_body;	/* bytes; default 50 MiB; larger passes unchanged */
	char *header_prefix;	/* default "X-NPS-" */
	char *tag;		/* default "[InsertSatisfactionEvaluation]" */
	enum multi_rcpt multiple_recipients;	/* default first */
	char *postsuper;	/* default /usr/sbin/postsuper */
	char *postfix_config_dir;	/* for postsuper -c; NULL: default */
	int store_wait_ms;	/* the milter's whole wait for the store;
				   default 2000 */
	/* Which mail can be a survey; a NULL list: no condition. */
	char **scope_clients;	/* addresses and CIDR networks */
	size_t n_scope_clients;
	char **scope_logins;	/* SASL logins, or "any" */
	size_t n_scope_logins;
	char **scope_senders;	/* envelope senders, * and ? wildcards */
	size_t n_scope_senders;

	/* [survey] look and texts */
	enum widget_style style;	/* default numbers */
	char *icon_url;		/* "https://…/{type}-{score}.png", required
				   for icons; {max} too */
	char *gradient_from;	/* default #d7191c */
	char *gradient_mid;	/* default #a15c00 */
	char *gradient_to;	/* default #1b7a3a */
	char *landing_url;	/* "https://…?t={token}&s={score}"; NULL: mailto */
	char *info_message;	/* NULL: the language's default text */
	/* info_message.LANG, in the order of lang_codes; NULL: unset */
	char *info_messages[LANG_COUNT];
	char *background;	/* "transparent" (default) or #rrggbb */
	enum widget_align align;	/* default left */
	char *privacy_url;	/* NULL: no link */
	char *subject_prefix;	/* NULL: the language's "Note"/"Score" */
	/* subject_prefix.LANG, in the order of lang_codes; NULL: unset */
	char *subject_prefixes[LANG_COUNT];

	/* [rules] */
	char **reasons;		/* NULL-terminated; NULL = every reason */
	size_t n_reasons;
	char **priorities;	/* NULL-terminated; NULL = every priority */
	size_t n_priorities;
	int min_days_between;	/* default 0: no throttling */
	char **survey_off;	/* X-NPS-Survey values that opt out;
				 * default off, no */
	size_t n_survey_off;
	char **survey_on;	/* values that keep the survey; default
				 * on, yes */
	size_t n_survey_on;
	char *optout_marker;	/* typed by the agent in the reply; default
				 * "[NoSurvey]", "": none */
	char **channel_aliases;	/* "WORD: NAME" items: the help desk's word
				 * for one of our channels; NULL: none */
	size_t n_channel_aliases;
	enum unknown_channel unknown_channel;	/* default survey */
	char **closing_statuses;	/* the tag's status values of a
					 * closing mail; NULL: none */
	size_t n_closing_statuses;
	char *closing_pattern;	/* "HEADER: REGEX" of a closing mail; NULL */
	char *ticket_from;	/* "HEADER: REGEX" whose group gives the */
	char *agent_from;	/* fact, from the help desk's own headers; */
	char *team_from;	/* NULL: the preset's, or none */
	char *status_from;
	enum once_per_ticket once_per_ticket;	/* default auto */

	/* [channel.NAME]: email, phone, web, social and chat, then the
	 * channels the file defines, in the order of the file. */
	struct config_channel *channels;
	size_t n_channels;
	/* A channel no section defines: every key's default. */
	struct config_channel channel_default;

	/* [imap] */
	char *imap_host;	/* default 127.0.0.1 */
	int imap_port;		/* default 993 (143 with starttls/none) */
	enum tls_mode imap_tls;	/* default implicit */
	char *imap_ca_file;	/* NULL: system store */
	bool imap_verify;	/* default yes */
	char *imap_user;
	char *imap_password_file;
	char *imap_mailbox;	/* default INBOX */
	char *folder_processed;	/* default Processed */
	char *folder_review;	/* default NeedsReview */
	char *folder_autoreplies;	/* default AutoReplies */
	char *folder_bounces;	/* default Bounces */
	int poll_interval;	/* seconds, default 60 (when no IDLE) */
	enum forwarded_policy forwarded;	/* default count */
	enum forward_mode forward_to_helpdesk;	/* default no-score */
	char *forward_sender;	/* envelope sender of forwards; NULL: <> */

	/* [followup] */
	bool ack;		/* master switch, default yes */
	char *sendmail;		/* default "/usr/sbin/sendmail" */
	int detractor_max;	/* default 6 (NPS), alert at score <= this */
	char *alert_to;		/* NULL: no alert mail */
	char **team_alert_to;	/* "TEAM: ADDRESS" items; NULL: none */
	size_t n_team_alert_to;
	char *alert_command;	/* NULL: no command */
	int alert_timeout;	/* seconds, default 10 */

	/* [report] */
	int min_responses;	/* default 30: smaller groups are marked */

	int key_file_line;	/* line of key_file in path; 0: none */
};

/*
 * config_load - read, validate and check path; NULL and err on the first
 * problem. Same as config_load_flags(path, 0, err).
 * config_load_flags - with CONFIG_NO_FILE_CHECKS, validates syntax and
 * every value but does not look at the files the config names (key_file):
 * for `npsgate check-config` (which warns instead) and `npsgate keygen`
 * (which creates the key file). Daemons use config_load().
 * config_check_files - the file checks config_load() makes: key_file
 * exists and is readable; 0, or -1 and err ("... run `npsgate keygen`").
 * Loading changes inih's process-wide options (line length, heap buffer):
 * load configs before starting threads.
 */
#define CONFIG_NO_FILE_CHECKS 0x01
#define CONFIG_LINE_MAX 16384	/* bytes per line of npsgate.conf */
#define CONFIG_FILE_MAX (1024 * 1024)	/* bytes of npsgate.conf */

struct config *config_load(const char *path, struct npserr *err);
struct config *config_load_flags(const char *path, int flags,
    struct npserr *err);
int config_check_files(const struct config *cf, struct npserr *err);
/* Every default; reply_address nps@reply.example, key_file and store
 * path "" (point at nothing). */
struct config *config_defaults(void);
void config_free(struct config *cf);
/* Prints the effective settings as a valid npsgate.conf. */
void config_dump(const struct config *cf, FILE *fp);

/* The store's address for store_open(): [store] url when set, else
 * [store] path. Every program opens the store at this address. */
const char *config_store_address(const struct config *cf);
/* The SQLite file of the store, or NULL when the store is a server
 * ([store] url): what only a file has (its directory, its owner, its
 * size) is looked at only when this is not NULL. */
const char *config_store_file(const struct config *cf);

/*
 * config_channel_get - the channel named s (len bytes, any case), or NULL
 * when the config has no such channel.
 * config_channel_find - the channel named name, or cf->channel_default
 * when name is NULL or names no channel: never NULL. The pointers are
 * into the config.
 * config_channel_name_ok - whether s (len bytes) can name a channel: 1
 * to CONFIG_CHANNEL_NAME_MAX ASCII letters, digits, '-' and '_' (a name
 * the reports, the SQL and the file can hold as it is).
 */
const struct config_channel *config_channel_get(const struct config *cf,
    const char *s, size_t len);
const struct config_channel *config_channel_find(const struct config *cf,
    const char *name);
bool config_channel_name_ok(const char *s, size_t len);
/*
 * config_channel_typo - for `npsgate check-config`: when c is a channel
 * the file defines (not a built-in one) and its name is within two edits
 * (ASCII case folded) of a built-in channel's name or of one of the n
 * names of known (the presets' channels), other than its own, the
 * closest such name, as the name probably meant; else NULL. A new
 * channel is allowed: this is a warning, never a refusal.
 */
const char *config_channel_typo(const struct config *cf,
    const struct config_channel *c, const char *const *known, size_t n);
/* config_node_ok - whether s (len bytes) can name a relay ([general]
 * node, recorded with the surveys it holds): 1 to CONFIG_NODE_MAX ASCII
 * letters, digits, '.', '-' and '_', as a host name is. */
#define CONFIG_NODE_MAX 64
bool config_node_ok(const char *s, size_t len);
/* The detractor-alert address configured for team ([followup]
 * team_alert_to, team names compared case-insensitively), or NULL. The
 * pointer is into the config; its length goes to *len. */
const char *config_team_alert_to(const struct config *cf, const char *team,
    size_t *len);
/* The information message for lang (a tag lang.h reads; another
 * language has the default language's): info_message.LANG, else
 * info_message, else the shipped text. */
const char *config_info_message(const struct config *cf, const char *lang);
/* True when the IMAP mailbox names a and b are one mailbox: INBOX in any
 * case, other names byte for byte. The hook never files a message into
 * the mailbox it reads (config_load refuses such a folder). */
bool config_same_mailbox(const char *a, const char *b);
/* True when s (len bytes) matches one of list, case-insensitively and
 * ignoring surrounding blanks; a NULL list matches everything. */
bool config_list_match(char *const *list, const char *s, size_t len);

/* An item of [milter] scope_clients: an address and a prefix length. */
struct config_net {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network byte order */
	int prefix;		/* bits; the whole address without /PREFIX */
};
/* Reads "ADDRESS" or "ADDRESS/PREFIX" (IPv4 or IPv6); 0, or -1 when s is
 * neither. */
int config_net_parse(const char *s, struct config_net *out);
/* True when addr (4 bytes for AF_INET, 16 for AF_INET6) is in net. */
bool config_net_contains(const struct config_net *net, int family,
    const unsigned char *addr);

#endif
