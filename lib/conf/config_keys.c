/*
 * config_keys.c - the table of npsgate.conf: its sections and every key
 * (see config_int.h), and where a key lives in a struct config.
 *
 * A key's default is the text the file would hold, so it goes through the
 * same parser as the file: a default can never be a value the file could
 * not hold, and config_dump() prints what loads back to the same config.
 * The order of the sections and of the keys within a section is the order
 * of the dump and of the "allowed:" lists in messages.
 */
#include <stddef.h>
#include <stdlib.h>
#include <strings.h>

#include "conf/config_int.h"

/* In the order config_dump() prints them. */
const struct section_def config_sections[] = {
	{ "general", SEC_GENERAL },
	{ "store", SEC_STORE },
	{ "milter", SEC_MILTER },
	{ "survey", SEC_SURVEY },
	{ "rules", SEC_RULES },
	{ "channel.NAME", SEC_CHANNEL },
	{ "imap", SEC_IMAP },
	{ "followup", SEC_FOLLOWUP },
	{ "report", SEC_REPORT },
};
const size_t config_n_sections =
    sizeof(config_sections) / sizeof(config_sections[0]);

#define C(f) offsetof(struct config_channel, f)

static const char *const on_error_names[] = { "accept", "tempfail", NULL };
static const char *const multi_rcpt_names[] = {
	"first", "skip", "to_header", NULL
};
static const char *const style_names[] = {
	"numbers", "stars", "icons", "gradient", NULL
};
static const char *const type_names[] = { "nps", "csat", "ces", NULL };
static const char *const tls_names[] = {
	"implicit", "starttls", "none", NULL
};
static const char *const forwarded_names[] = { "count", "review", NULL };
/* In the order of enum forward_mode; a channel may also inherit. */
static const char *const forward_names[] = {
	"none", "no-score", "comments", NULL
};
static const char *const channel_forward_names[] = {
	"none", "no-score", "comments", "default", NULL
};
static const char *const unknown_channel_names[] = {
	"survey", "skip", NULL
};
/* In the order of enum helpdesk. */
static const char *const helpdesk_names[] = {
	"none", "rt", "zammad", "znuny", "otobo", "osticket", "freescout",
	"glpi", "redmine", "uvdesk", "zendesk", "freshdesk", NULL
};
static const char *const align_names[] = { "left", "center", NULL };
static const char *const once_names[] = { "auto", "yes", "no", NULL };

const struct key_def config_keys[] = {
	{ SEC_GENERAL, "reply_address", KT_STR, G(reply_address), 0,
	    K_REQUIRED, NULL, 0, 0, NULL, NULL, config_check_reply_address, 0 },
	{ SEC_GENERAL, "key_file", KT_PATH, G(key_file), 0, K_REQUIRED,
	    NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_GENERAL, "token_lifetime_days", KT_INT, G(token_lifetime_days),
	    0, 0, "180", 0, 3650, NULL, NULL, NULL, 0 },
	/* Its default comes from NPSGATE_TEMPLATES_DIR or NPSGATE_DATADIR. */
	{ SEC_GENERAL, "templates_dir", KT_PATH, G(templates_dir), 0, 0,
	    NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_GENERAL, "default_lang", KT_STR, G(default_lang), 0, 0, "fr",
	    0, 0, NULL, NULL, config_check_lang, 0 },
	{ SEC_GENERAL, "from_name", KT_STR, G(from_name), 0, K_EMPTY_OK, "",
	    0, 0, NULL, NULL, config_check_header_text, 0 },
	{ SEC_GENERAL, "helpdesk", KT_ENUM, G(helpdesk), 0, 0, "none", 0, 0,
	    helpdesk_names, "help desk preset", NULL, 0 },
	/* Its default is the host name (config.c); empty is refused
	 * (config_parse.c). */
	{ SEC_GENERAL, "node", KT_STR, G(node), 0, K_OPTIONAL, NULL, 0, 0,
	    NULL, NULL, config_check_node, 0 },

	/* One of path and url is required (config_parse.c). */
	{ SEC_STORE, "path", KT_PATH, G(store_path), 0, K_EMPTY_OK, NULL,
	    0, 0, NULL, NULL, NULL, 0 },
	{ SEC_STORE, "url", KT_STR, G(store_url), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, config_check_store_url, 0 },
	{ SEC_STORE, "busy_timeout_ms", KT_INT, G(busy_timeout_ms), 0, 0,
	    "5000", 0, 600000, NULL, NULL, NULL, 0 },

	/* A unix socket in a directory of Postfix's queue, which the
	 * package makes mode 2750, owner npsgate, group postfix: reachable
	 * from a chrooted smtpd, and by nobody but Postfix. */
	{ SEC_MILTER, "socket", KT_STR, G(milter_socket), 0, 0,
	    "unix:/var/spool/postfix/npsgate/milter.sock", 0, 0, NULL, NULL,
	    config_check_socket, 0 },
	{ SEC_MILTER, "user", KT_STR, G(milter_user), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, config_check_sysname, 0 },
	{ SEC_MILTER, "group", KT_STR, G(milter_group), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, config_check_sysname, 0 },
	{ SEC_MILTER, "on_error", KT_ENUM, G(on_error), 0, 0, "accept",
	    0, 0, on_error_names, "on_error action", NULL, 0 },
	{ SEC_MILTER, "max_body", KT_SIZE, G(max_body), 0, 0, "50M",
	    1024, 2 * CONFIG_SIZE_G, NULL, NULL, NULL, 0 },
	{ SEC_MILTER, "header_prefix", KT_STR, G(header_prefix), 0, 0,
	    "X-NPS-", 0, 0, NULL, NULL, config_check_header_prefix, 0 },
	{ SEC_MILTER, "tag", KT_STR, G(tag), 0, 0,
	    "[InsertSatisfactionEvaluation]", 0, 0, NULL, NULL,
	    config_check_tag, 0 },
	{ SEC_MILTER, "multiple_recipients", KT_ENUM,
	    G(multiple_recipients), 0, 0, "first", 0, 0, multi_rcpt_names,
	    "multiple_recipients policy", NULL, 0 },
	{ SEC_MILTER, "postsuper", KT_PATH, G(postsuper), 0, 0,
	    "/usr/sbin/postsuper", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_MILTER, "postfix_config_dir", KT_PATH, G(postfix_config_dir),
	    0, K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_MILTER, "store_wait_ms", KT_INT, G(store_wait_ms), 0, 0,
	    "2000", 0, 600000, NULL, NULL, NULL, 0 },
	{ SEC_MILTER, "scope_clients", KT_LIST, G(scope_clients),
	    G(n_scope_clients), 0, NULL, 0, 0, NULL, NULL,
	    config_check_cidr, 0 },
	{ SEC_MILTER, "scope_logins", KT_LIST, G(scope_logins),
	    G(n_scope_logins), 0, NULL, 0, 0, NULL, NULL,
	    config_check_login, 0 },
	{ SEC_MILTER, "scope_senders", KT_LIST, G(scope_senders),
	    G(n_scope_senders), 0, NULL, 0, 0, NULL, NULL,
	    config_check_sender, 0 },

	{ SEC_SURVEY, "style", KT_ENUM, G(style), 0, 0, "numbers", 0, 0,
	    style_names, "style", NULL, 0 },
	{ SEC_SURVEY, "icon_url", KT_STR, G(icon_url), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, config_check_icon_url, 0 },
	{ SEC_SURVEY, "gradient_from", KT_COLOR, G(gradient_from), 0, 0,
	    "#d7191c", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_SURVEY, "gradient_mid", KT_COLOR, G(gradient_mid), 0, 0,
	    "#a15c00", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_SURVEY, "gradient_to", KT_COLOR, G(gradient_to), 0, 0,
	    "#1b7a3a", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_SURVEY, "landing_url", KT_STR, G(landing_url), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, config_check_landing_url, 0 },
	{ SEC_SURVEY, "info_message", KT_TEXT, G(info_message), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, CONFIG_INFO_MAX },
	/* The message of one language, before info_message; in the order
	 * of lang_codes (base/lang.h). */
#define INFO_LANG(code, i) { SEC_SURVEY, "info_message." code, KT_TEXT, \
	    G(info_messages[i]), 0, K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, \
	    CONFIG_INFO_MAX }
	INFO_LANG("fr", 0), INFO_LANG("en", 1), INFO_LANG("de", 2),
	INFO_LANG("es", 3), INFO_LANG("it", 4), INFO_LANG("nl", 5),
	INFO_LANG("pt", 6),
#undef INFO_LANG
	{ SEC_SURVEY, "background", KT_STR, G(background), 0, 0,
	    "transparent", 0, 0, NULL, NULL, config_check_background, 0 },
	{ SEC_SURVEY, "align", KT_ENUM, G(align), 0, 0, "left", 0, 0,
	    align_names, "position", NULL, 0 },
	{ SEC_SURVEY, "privacy_url", KT_STR, G(privacy_url), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, config_check_url, 0 },
	{ SEC_SURVEY, "subject_prefix", KT_STR, G(subject_prefix), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, config_check_header_text, 0 },
	/* The prefix of one language, before subject_prefix; likewise. */
#define SUBJ_LANG(code, i) { SEC_SURVEY, "subject_prefix." code, KT_STR, \
	    G(subject_prefixes[i]), 0, K_OPTIONAL, NULL, 0, 0, NULL, NULL, \
	    config_check_header_text, 0 }
	SUBJ_LANG("fr", 0), SUBJ_LANG("en", 1), SUBJ_LANG("de", 2),
	SUBJ_LANG("es", 3), SUBJ_LANG("it", 4), SUBJ_LANG("nl", 5),
	SUBJ_LANG("pt", 6),
#undef SUBJ_LANG

	{ SEC_RULES, "reasons", KT_LIST, G(reasons), G(n_reasons), 0, NULL,
	    0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "priorities", KT_LIST, G(priorities), G(n_priorities),
	    0, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "min_days_between", KT_INT, G(min_days_between), 0, 0,
	    "0", 0, 3650, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "survey_off", KT_LIST, G(survey_off), G(n_survey_off),
	    0, "off, no", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "survey_on", KT_LIST, G(survey_on), G(n_survey_on),
	    0, "on, yes", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "optout_marker", KT_STR, G(optout_marker), 0,
	    K_EMPTY_OK, "[NoSurvey]", 0, 0, NULL, NULL, config_check_tag, 0 },
	{ SEC_RULES, "channel_aliases", KT_LIST, G(channel_aliases),
	    G(n_channel_aliases), 0, NULL, 0, 0, NULL, NULL,
	    config_check_channel_alias, 0 },
	{ SEC_RULES, "unknown_channel", KT_ENUM, G(unknown_channel), 0, 0,
	    "survey", 0, 0, unknown_channel_names, "unknown_channel policy",
	    NULL, 0 },
	{ SEC_RULES, "closing_statuses", KT_LIST, G(closing_statuses),
	    G(n_closing_statuses), 0, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "closing_pattern", KT_STR, G(closing_pattern), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, config_check_closing_pattern,
	    0 },
	{ SEC_RULES, "ticket_from", KT_STR, G(ticket_from), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, config_check_closing_pattern, 0 },
	{ SEC_RULES, "agent_from", KT_STR, G(agent_from), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, config_check_closing_pattern, 0 },
	{ SEC_RULES, "team_from", KT_STR, G(team_from), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, config_check_closing_pattern, 0 },
	{ SEC_RULES, "status_from", KT_STR, G(status_from), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, config_check_closing_pattern, 0 },
	{ SEC_RULES, "once_per_ticket", KT_ENUM, G(once_per_ticket), 0, 0,
	    "auto", 0, 0, once_names, "once_per_ticket value", NULL, 0 },

	{ SEC_CHANNEL, "enabled", KT_BOOL, C(enabled), 0, 0, "yes", 0, 0,
	    NULL, NULL, NULL, 0 },
	{ SEC_CHANNEL, "type", KT_ENUM, C(type), 0, 0, "nps", 0, 0,
	    type_names, "survey type", NULL, 0 },
	{ SEC_CHANNEL, "delay_days", KT_INT, C(delay_days), 0, 0, "0",
	    0, 365, NULL, NULL, NULL, 0 },
	{ SEC_CHANNEL, "ack", KT_BOOL, C(ack), 0, 0, "yes", 0, 0, NULL,
	    NULL, NULL, 0 },
	{ SEC_CHANNEL, "alert_to", KT_STR, C(alert_to), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, config_check_address, 0 },
	{ SEC_CHANNEL, "forward_to_helpdesk", KT_ENUM,
	    C(forward_to_helpdesk), 0, 0, "default", 0, 0,
	    channel_forward_names, "forward_to_helpdesk value", NULL, 0 },

	{ SEC_IMAP, "host", KT_STR, G(imap_host), 0, 0, "127.0.0.1", 0, 0,
	    NULL, NULL, config_check_host, 0 },
	/* Without the key, 993 for tls = implicit and 143 otherwise. */
	{ SEC_IMAP, "port", KT_INT, G(imap_port), 0, 0, "993", 1, 65535,
	    NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "tls", KT_ENUM, G(imap_tls), 0, 0, "implicit", 0, 0,
	    tls_names, "TLS mode", NULL, 0 },
	{ SEC_IMAP, "ca_file", KT_PATH, G(imap_ca_file), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "verify", KT_BOOL, G(imap_verify), 0, 0, "yes", 0, 0,
	    NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "user", KT_STR, G(imap_user), 0, K_OPTIONAL, NULL, 0, 0,
	    NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "password_file", KT_PATH, G(imap_password_file), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "mailbox", KT_STR, G(imap_mailbox), 0, 0, "INBOX", 0, 0,
	    NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "folder_processed", KT_STR, G(folder_processed), 0, 0,
	    "Processed", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "folder_review", KT_STR, G(folder_review), 0, 0,
	    "NeedsReview", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "folder_autoreplies", KT_STR, G(folder_autoreplies), 0,
	    0, "AutoReplies", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "folder_bounces", KT_STR, G(folder_bounces), 0, 0,
	    "Bounces", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "poll_interval", KT_INT, G(poll_interval), 0, 0, "60",
	    1, 86400, NULL, NULL, NULL, 0 },
	{ SEC_IMAP, "forwarded", KT_ENUM, G(forwarded), 0, 0, "count", 0, 0,
	    forwarded_names, "forwarded policy", NULL, 0 },
	{ SEC_IMAP, "forward_to_helpdesk", KT_ENUM, G(forward_to_helpdesk),
	    0, 0, "no-score", 0, 0, forward_names,
	    "forward_to_helpdesk value", NULL, 0 },
	{ SEC_IMAP, "forward_sender", KT_STR, G(forward_sender), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, config_check_address, 0 },

	{ SEC_FOLLOWUP, "ack", KT_BOOL, G(ack), 0, 0, "yes", 0, 0, NULL,
	    NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "sendmail", KT_PATH, G(sendmail), 0, 0,
	    "/usr/sbin/sendmail", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "detractor_max", KT_INT, G(detractor_max), 0, 0, "6",
	    0, 10, NULL, NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "alert_to", KT_STR, G(alert_to), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, config_check_address, 0 },
	{ SEC_FOLLOWUP, "team_alert_to", KT_LIST, G(team_alert_to),
	    G(n_team_alert_to), 0, NULL, 0, 0, NULL, NULL,
	    config_check_team_alert, 0 },
	{ SEC_FOLLOWUP, "alert_command", KT_STR, G(alert_command), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "alert_timeout", KT_INT, G(alert_timeout), 0, 0,
	    "10", 1, 3600, NULL, NULL, NULL, 0 },

	{ SEC_REPORT, "min_responses", KT_INT, G(min_responses), 0, 0, "30",
	    0, 1000000, NULL, NULL, NULL, 0 },
};
const size_t config_n_keys = sizeof(config_keys) / sizeof(config_keys[0]);

void *
config_key_ptr(struct config *cf, const struct key_def *k, int ch)
{
	char *base = (char *)cf;

	if (k->sec == SEC_CHANNEL)
		base = ch == CONFIG_CHANNEL_DEFAULT ?
		    (char *)&cf->channel_default : (char *)&cf->channels[ch];
	return base + k->off;
}

const void *
config_key_cptr(const struct config *cf, const struct key_def *k, int ch)
{
	const char *base = (const char *)cf;

	if (k->sec == SEC_CHANNEL)
		base = ch == CONFIG_CHANNEL_DEFAULT ?
		    (const char *)&cf->channel_default :
		    (const char *)&cf->channels[ch];
	return base + k->off;
}

long
config_key_find(enum sec kind, const char *name)
{
	size_t i;

	for (i = 0; i < config_n_keys; i++)
		if (config_keys[i].sec == kind &&
		    strcasecmp(name, config_keys[i].name) == 0)
			return (long)i;
	return -1;
}

size_t
config_key_index(enum sec kind, const char *name)
{
	long i = config_key_find(kind, name);

	if (i < 0)
		abort();	/* a name of our own table: cannot happen */
	return (size_t)i;
}
