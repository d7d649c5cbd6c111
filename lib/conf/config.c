/*
 * config.c - npsgate.conf: read with inih, validate every value, dump.
 *
 * Every key lives in one table (keys[]) with its section, type, place in
 * struct config, default as it would be written in the file, and limits.
 * Loading applies the defaults through the same parser as the file, so a
 * default can never be a value the file could not hold, and config_dump()
 * walks the same table, so what it prints loads back to the same config.
 *
 * inih does not give line numbers to the handler (Debian builds it without
 * INI_HANDLER_LINENO), so we feed it through ini_parse_stream() from our
 * own reader, which counts lines, refuses NUL bytes and overlong lines, and
 * sees section headers (inih reports none for an empty section).
 * The first problem, by line, is the one reported.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "conf/config.h"

#ifndef NPSGATE_DATADIR
#define NPSGATE_DATADIR "/usr/local/share/npsgate"
#endif

#define QUOTE_MAX 60	/* bytes of a bad value shown in a message */

static const char info_default_fr[] =
    "Votre note et votre commentaire sont enregistrés pour nous aider à "
    "améliorer notre service ; ils ne servent qu'à cela. Vous pouvez à "
    "tout moment nous demander d'y accéder ou de les effacer.";
static const char info_default_en[] =
    "Your score and your comment are recorded to help us improve our "
    "service, and used for nothing else. You can ask us at any time to "
    "see them or to erase them.";

enum sec {
	SEC_GENERAL,
	SEC_STORE,
	SEC_MILTER,
	SEC_SURVEY,
	SEC_RULES,
	SEC_CHANNEL,
	SEC_IMAP,
	SEC_FOLLOWUP,
	SEC_REPORT
};

struct section_def {
	const char *name;
	enum sec kind;
	int channel;		/* for SEC_CHANNEL */
};

/* In the order config_dump() prints them. */
static const struct section_def sections[] = {
	{ "general", SEC_GENERAL, 0 },
	{ "store", SEC_STORE, 0 },
	{ "milter", SEC_MILTER, 0 },
	{ "survey", SEC_SURVEY, 0 },
	{ "rules", SEC_RULES, 0 },
	{ "channel.email", SEC_CHANNEL, CHANNEL_EMAIL },
	{ "channel.phone", SEC_CHANNEL, CHANNEL_PHONE },
	{ "channel.web", SEC_CHANNEL, CHANNEL_WEB },
	{ "channel.social", SEC_CHANNEL, CHANNEL_SOCIAL },
	{ "channel.chat", SEC_CHANNEL, CHANNEL_CHAT },
	{ "imap", SEC_IMAP, 0 },
	{ "followup", SEC_FOLLOWUP, 0 },
	{ "report", SEC_REPORT, 0 },
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static const char *const channel_names[CHANNEL_COUNT] = {
	"email", "phone", "web", "social", "chat"
};

enum ktype {
	KT_STR,		/* text on one line */
	KT_PATH,	/* absolute path */
	KT_INT,
	KT_SIZE,	/* bytes, suffix k, M, G */
	KT_BOOL,
	KT_ENUM,	/* one of names[], stored as an int */
	KT_LIST,	/* comma-separated, char ** plus a count */
	KT_COLOR,	/* #rrggbb */
	KT_TEXT		/* UTF-8, may continue on indented lines */
};

#define K_REQUIRED 0x01	/* must be set, not empty */
#define K_OPTIONAL 0x02	/* empty value: NULL (unset) */
#define K_EMPTY_OK 0x04	/* empty value: "" */

struct key_def {
	enum sec sec;
	const char *name;
	enum ktype type;
	size_t off;		/* in struct config or struct config_channel */
	size_t off_n;		/* KT_LIST: its count */
	unsigned flags;
	const char *def;	/* as written in the file; NULL: none */
	long min, max;		/* KT_INT, KT_SIZE */
	const char *const *names;	/* KT_ENUM */
	const char *noun;	/* KT_ENUM: "'x' is not a NOUN" */
	int (*check)(const char *v, struct buf *why);
	size_t max_chars;	/* KT_TEXT: code points */
};

static int check_reply_address(const char *, struct buf *);
static int check_lang(const char *, struct buf *);
static int check_header_text(const char *, struct buf *);
static int check_socket(const char *, struct buf *);
static int check_sysname(const char *, struct buf *);
static int check_header_prefix(const char *, struct buf *);
static int check_tag(const char *, struct buf *);
static int check_icon_url(const char *, struct buf *);
static int check_landing_url(const char *, struct buf *);
static int check_url(const char *, struct buf *);
static int check_address(const char *, struct buf *);
static int check_team_alert(const char *, struct buf *);
static int check_host(const char *, struct buf *);

static const char *const on_error_names[] = { "accept", "tempfail", NULL };
static const char *const multi_rcpt_names[] = { "first", "skip", NULL };
static const char *const style_names[] = {
	"stars", "icons", "gradient", NULL
};
static const char *const type_names[] = { "nps", "csat", "ces", NULL };
static const char *const tls_names[] = {
	"implicit", "starttls", "none", NULL
};
static const char *const forwarded_names[] = { "count", "review", NULL };

#define G(f) offsetof(struct config, f)
#define C(f) offsetof(struct config_channel, f)
#define SIZE_G (1024L * 1024L * 1024L)

static const struct key_def keys[] = {
	{ SEC_GENERAL, "reply_address", KT_STR, G(reply_address), 0,
	    K_REQUIRED, NULL, 0, 0, NULL, NULL, check_reply_address, 0 },
	{ SEC_GENERAL, "key_file", KT_PATH, G(key_file), 0, K_REQUIRED,
	    NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_GENERAL, "token_lifetime_days", KT_INT, G(token_lifetime_days),
	    0, 0, "180", 0, 3650, NULL, NULL, NULL, 0 },
	/* Its default comes from NPSGATE_TEMPLATES_DIR or NPSGATE_DATADIR. */
	{ SEC_GENERAL, "templates_dir", KT_PATH, G(templates_dir), 0, 0,
	    NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_GENERAL, "default_lang", KT_STR, G(default_lang), 0, 0, "fr",
	    0, 0, NULL, NULL, check_lang, 0 },
	{ SEC_GENERAL, "from_name", KT_STR, G(from_name), 0, K_EMPTY_OK, "",
	    0, 0, NULL, NULL, check_header_text, 0 },

	{ SEC_STORE, "path", KT_PATH, G(store_path), 0, K_REQUIRED, NULL,
	    0, 0, NULL, NULL, NULL, 0 },
	{ SEC_STORE, "busy_timeout_ms", KT_INT, G(busy_timeout_ms), 0, 0,
	    "5000", 0, 600000, NULL, NULL, NULL, 0 },

	{ SEC_MILTER, "socket", KT_STR, G(milter_socket), 0, K_REQUIRED,
	    NULL, 0, 0, NULL, NULL, check_socket, 0 },
	{ SEC_MILTER, "user", KT_STR, G(milter_user), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, check_sysname, 0 },
	{ SEC_MILTER, "group", KT_STR, G(milter_group), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, check_sysname, 0 },
	{ SEC_MILTER, "on_error", KT_ENUM, G(on_error), 0, 0, "accept",
	    0, 0, on_error_names, "on_error action", NULL, 0 },
	{ SEC_MILTER, "max_body", KT_SIZE, G(max_body), 0, 0, "50M",
	    1024, 2 * SIZE_G, NULL, NULL, NULL, 0 },
	{ SEC_MILTER, "header_prefix", KT_STR, G(header_prefix), 0, 0,
	    "X-NPS-", 0, 0, NULL, NULL, check_header_prefix, 0 },
	{ SEC_MILTER, "tag", KT_STR, G(tag), 0, 0,
	    "[InsertSatisfactionEvaluation]", 0, 0, NULL, NULL, check_tag, 0 },
	{ SEC_MILTER, "multiple_recipients", KT_ENUM,
	    G(multiple_recipients), 0, 0, "first", 0, 0, multi_rcpt_names,
	    "multiple_recipients policy", NULL, 0 },
	{ SEC_MILTER, "postsuper", KT_PATH, G(postsuper), 0, 0,
	    "/usr/sbin/postsuper", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_MILTER, "postfix_config_dir", KT_PATH, G(postfix_config_dir),
	    0, K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, 0 },

	{ SEC_SURVEY, "style", KT_ENUM, G(style), 0, 0, "stars", 0, 0,
	    style_names, "style", NULL, 0 },
	{ SEC_SURVEY, "icon_url", KT_STR, G(icon_url), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, check_icon_url, 0 },
	{ SEC_SURVEY, "gradient_from", KT_COLOR, G(gradient_from), 0, 0,
	    "#d7191c", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_SURVEY, "gradient_mid", KT_COLOR, G(gradient_mid), 0, 0,
	    "#fdae61", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_SURVEY, "gradient_to", KT_COLOR, G(gradient_to), 0, 0,
	    "#1a9641", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_SURVEY, "landing_url", KT_STR, G(landing_url), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, check_landing_url, 0 },
	{ SEC_SURVEY, "info_message", KT_TEXT, G(info_message), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, CONFIG_INFO_MAX },
	{ SEC_SURVEY, "privacy_url", KT_STR, G(privacy_url), 0, K_OPTIONAL,
	    NULL, 0, 0, NULL, NULL, check_url, 0 },
	{ SEC_SURVEY, "subject_prefix", KT_STR, G(subject_prefix), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, check_header_text, 0 },

	{ SEC_RULES, "reasons", KT_LIST, G(reasons), G(n_reasons), 0, NULL,
	    0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "priorities", KT_LIST, G(priorities), G(n_priorities),
	    0, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_RULES, "min_days_between", KT_INT, G(min_days_between), 0, 0,
	    "0", 0, 3650, NULL, NULL, NULL, 0 },

	{ SEC_CHANNEL, "enabled", KT_BOOL, C(enabled), 0, 0, "yes", 0, 0,
	    NULL, NULL, NULL, 0 },
	{ SEC_CHANNEL, "type", KT_ENUM, C(type), 0, 0, "nps", 0, 0,
	    type_names, "survey type", NULL, 0 },
	{ SEC_CHANNEL, "delay_days", KT_INT, C(delay_days), 0, 0, "0",
	    0, 365, NULL, NULL, NULL, 0 },
	{ SEC_CHANNEL, "ack", KT_BOOL, C(ack), 0, 0, "yes", 0, 0, NULL,
	    NULL, NULL, 0 },
	{ SEC_CHANNEL, "alert_to", KT_STR, C(alert_to), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, check_address, 0 },

	{ SEC_IMAP, "host", KT_STR, G(imap_host), 0, 0, "127.0.0.1", 0, 0,
	    NULL, NULL, check_host, 0 },
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

	{ SEC_FOLLOWUP, "ack", KT_BOOL, G(ack), 0, 0, "yes", 0, 0, NULL,
	    NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "sendmail", KT_PATH, G(sendmail), 0, 0,
	    "/usr/sbin/sendmail", 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "detractor_max", KT_INT, G(detractor_max), 0, 0, "6",
	    0, 10, NULL, NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "alert_to", KT_STR, G(alert_to), 0, K_OPTIONAL, NULL,
	    0, 0, NULL, NULL, check_address, 0 },
	{ SEC_FOLLOWUP, "team_alert_to", KT_LIST, G(team_alert_to),
	    G(n_team_alert_to), 0, NULL, 0, 0, NULL, NULL, check_team_alert,
	    0 },
	{ SEC_FOLLOWUP, "alert_command", KT_STR, G(alert_command), 0,
	    K_OPTIONAL, NULL, 0, 0, NULL, NULL, NULL, 0 },
	{ SEC_FOLLOWUP, "alert_timeout", KT_INT, G(alert_timeout), 0, 0,
	    "10", 1, 3600, NULL, NULL, NULL, 0 },

	{ SEC_REPORT, "min_responses", KT_INT, G(min_responses), 0, 0, "30",
	    0, 1000000, NULL, NULL, NULL, 0 },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* One line number per (key, channel); channel 0 for other sections. */
#define SLOT(k, ch) ((k) * CHANNEL_COUNT + (size_t)(ch))
#define N_SLOTS (N_KEYS * CHANNEL_COUNT)

struct parse {
	struct config *cf;
	const char *path;
	const char *data;	/* the whole file */
	size_t len, pos;
	int lineno;		/* of the line being read */
	int bol;		/* next read starts a line */
	int indented;		/* the current line starts with a blank */
	const char *raw;	/* the current line as written, no newline */
	size_t raw_len;
	int failed;
	int err_line;
	struct buf err;
	int line[N_SLOTS];	/* where each key was set; 0: not set */
	int sec_line[N_SECTIONS];	/* first header line of each section */
	long prev_key;		/* last key set, for continuation lines */
	long prev_sec;
};

/* ---------------------------------------------------------------- text */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Appends 'v' to b, cut after QUOTE_MAX bytes on a character boundary,
 * control characters shown as '?', bytes of invalid UTF-8 as \xNN. */
static void
quote(struct buf *b, const char *v)
{
	size_t n = strlen(v), i, cut = utf8_floor(v, n, QUOTE_MAX);
	bool valid = utf8_valid(v, n);

	buf_putc(b, '\'');
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 0x80 && !valid)
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (cut < n)
		buf_puts(b, "...");
	buf_putc(b, '\'');
}

static int
ascii_casecmp_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int ca = (unsigned char)a[i], cb = (unsigned char)b[i];

		/* ASCII letters only: UTF-8 bytes compare as they are,
		 * whatever the locale. */
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return ca - cb;
	}
	return 0;
}

/* Edit distance, ASCII case folded, for "did you mean" (short names). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static int
close_enough(const char *typed, const char *known)
{
	size_t d = edit_distance(typed, known);

	return d <= 2 && d < strlen(known) / 2 + 1;
}

/* ------------------------------------------------------- value checks */

static int
check_plain(const char *v, struct buf *why)
{
	size_t i, n;

	for (i = 0; v[i] != '\0'; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			buf_puts(why, "control character in ");
			quote(why, v);
			buf_puts(why, "; allowed: printable text");
			return -1;
		}
	}
	if (utf8_count(v, i, &n) < 0) {
		buf_puts(why, "invalid UTF-8 in ");
		quote(why, v);
		buf_printf(why, " after %zu characters; allowed: text in UTF-8",
		    n);
		return -1;
	}
	return 0;
}

static int
check_reply_address(const char *v, struct buf *why)
{
	const char *at = strchr(v, '@'), *p;
	size_t local;

	if (at == NULL || strchr(at + 1, '@') != NULL) {
		quote(why, v);
		buf_puts(why, at ? " has more than one '@'" : " has no '@'");
		goto allowed;
	}
	local = (size_t)(at - v);
	if (local < 1 || local > 16) {
		quote(why, v);
		buf_printf(why, " has a local part of %zu characters", local);
		goto allowed;
	}
	for (p = v; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '_' || *p == '-')) {
			quote(why, v);
			buf_printf(why, " has '%c' in its local part",
			    isprint((unsigned char)*p) ? *p : '?');
			goto allowed;
		}
	if (at[1] == '\0') {
		quote(why, v);
		buf_puts(why, " has no domain");
		goto allowed;
	}
	for (p = at + 1; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-')) {
			quote(why, v);
			buf_printf(why, " has '%c' in its domain",
			    isprint((unsigned char)*p) ? *p : '?');
			goto allowed;
		}
	return 0;
allowed:
	buf_puts(why, "; allowed: LOCAL@DOMAIN, LOCAL 1-16 characters of "
	    "a-z 0-9 . _ - (the token goes after LOCAL+), e.g. "
	    "nps@reply.example");
	return -1;
}

/* A language we ship templates for, written as the templates name it. */
static int
check_lang(const char *v, struct buf *why)
{
	const char *t = lang_template(v);

	if (t != NULL && strcmp(v, t) == 0)
		return 0;
	quote(why, v);
	buf_puts(why, " is not a language; allowed: fr, en");
	return -1;
}

/* Text that goes into a mail header (display name, subject). */
static int
check_header_text(const char *v, struct buf *why)
{
	if (strlen(v) > 200) {
		buf_printf(why, "%zu bytes is too long; allowed: at most 200 "
		    "bytes", strlen(v));
		return -1;
	}
	return 0;
}

static int
is_port(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

static int
check_socket(const char *v, struct buf *why)
{
	const char *p, *at;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		p = strchr(v, ':') + 1;
		if (*p == '/')
			return 0;
	} else if (strncmp(v, "inet:", 5) == 0 ||
	    strncmp(v, "inet6:", 6) == 0) {
		p = strchr(v, ':') + 1;
		at = strchr(p, '@');
		if (at == NULL ? is_port(p, strlen(p)) :
		    is_port(p, (size_t)(at - p)) && at[1] != '\0' &&
		    strchr(at, ' ') == NULL)
			return 0;
	}
	quote(why, v);
	buf_puts(why, " is not a milter socket; allowed: unix:/PATH, "
	    "local:/PATH, inet:PORT@HOST, inet6:PORT@HOST");
	return -1;
}

static int
check_sysname(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
		    *p == '.'))
			break;
	if (*p == '\0' && p - v <= 32)
		return 0;
	quote(why, v);
	buf_puts(why, " is not a user or group name; allowed: up to 32 "
	    "characters of A-Z a-z 0-9 _ - .");
	return -1;
}

static int
check_header_prefix(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p < 33 || (unsigned char)*p > 126 ||
		    *p == ':')
			break;
	if (*p == '\0' && p - v <= 40)
		return 0;
	quote(why, v);
	buf_puts(why, " is not a header name prefix; allowed: up to 40 "
	    "printable ASCII characters without ':' or blanks, e.g. X-NPS-");
	return -1;
}

static int
check_tag(const char *v, struct buf *why)
{
	if (strlen(v) <= 200 && strchr(v, '\t') == NULL)
		return 0;
	quote(why, v);
	buf_puts(why, " is not a usable tag; allowed: up to 200 bytes without "
	    "tabs, e.g. [InsertSatisfactionEvaluation]");
	return -1;
}

/* http:// or https://, a host, and nothing that breaks out of a URL. */
static int
url_ok(const char *v)
{
	const char *p;

	if (strncasecmp(v, "https://", 8) == 0)
		p = v + 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		p = v + 7;
	else
		return 0;
	if (*p == '\0' || *p == '/')
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '\\' || (unsigned char)*p == 0x7f)
			return 0;
	return 1;
}

static int
check_url(const char *v, struct buf *why)
{
	if (url_ok(v))
		return 0;
	quote(why, v);
	buf_puts(why, " is not a URL; allowed: https://HOST/... or "
	    "http://HOST/... without blanks, quotes, < or >");
	return -1;
}

static int
check_icon_url(const char *v, struct buf *why)
{
	if (!url_ok(v)) {
		quote(why, v);
		buf_puts(why, " is not a URL");
	} else if (strstr(v, "{score}") == NULL) {
		quote(why, v);
		buf_puts(why, " has no {score}");
	} else {
		return 0;
	}
	buf_puts(why, "; allowed: an https:// or http:// URL with {score}, "
	    "e.g. https://example.com/icons/{score}.png");
	return -1;
}

static int
check_landing_url(const char *v, struct buf *why)
{
	if (!url_ok(v)) {
		quote(why, v);
		buf_puts(why, " is not a URL");
	} else if (strstr(v, "{token}") == NULL) {
		quote(why, v);
		buf_puts(why, " has no {token}");
	} else if (strstr(v, "{score}") == NULL) {
		quote(why, v);
		buf_puts(why, " has no {score}");
	} else {
		return 0;
	}
	buf_puts(why, "; allowed: an https:// or http:// URL with {token} and "
	    "{score}, e.g. https://example.com/nps?t={token}&s={score}");
	return -1;
}

static int
check_address(const char *v, struct buf *why)
{
	const char *at = strchr(v, '@');
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',' || *p == ';')
			break;
	if (*p == '\0' && at != NULL && at != v && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL)
		return 0;
	quote(why, v);
	buf_puts(why, " is not a mail address; allowed: one address like "
	    "support-leads@example.com");
	return -1;
}

/* One item of team_alert_to: "TEAM: ADDRESS". */
static int
check_team_alert(const char *v, struct buf *why)
{
	const char *colon = strrchr(v, ':');
	const char *a;
	size_t tl;

	if (colon != NULL) {
		for (tl = (size_t)(colon - v); tl > 0 && isspace(
		    (unsigned char)v[tl - 1]); tl--)
			;
		for (a = colon + 1; isspace((unsigned char)*a); a++)
			;
		if (tl > 0 && check_address(a, why) == 0)
			return 0;
		buf_reset(why);
	}
	quote(why, v);
	buf_puts(why, " is not TEAM: ADDRESS; allowed: a comma-separated list "
	    "like Logistique: logistics-leads@example.com, Billing: "
	    "billing-leads@example.com");
	return -1;
}

const char *
config_team_alert_to(const struct config *cf, const char *team, size_t *len)
{
	const char *item, *colon, *a;
	size_t i, tl;

	if (team == NULL || cf->team_alert_to == NULL)
		return NULL;
	for (i = 0; i < cf->n_team_alert_to; i++) {
		item = cf->team_alert_to[i];
		if ((colon = strrchr(item, ':')) == NULL)
			continue;
		for (tl = (size_t)(colon - item); tl > 0 && isspace(
		    (unsigned char)item[tl - 1]); tl--)
			;
		if (strlen(team) != tl || strncasecmp(item, team, tl) != 0)
			continue;
		for (a = colon + 1; isspace((unsigned char)*a); a++)
			;
		*len = strlen(a);
		return a;
	}
	return NULL;
}

static int
check_host(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '_' || *p == '[' || *p == ']'))
			break;
	if (*p == '\0')
		return 0;
	quote(why, v);
	buf_puts(why, " is not a host name or address; allowed: a name like "
	    "imap.example.com or an address like 127.0.0.1");
	return -1;
}

/* ------------------------------------------------------------ parsing */

static void *
key_ptr(struct config *cf, const struct key_def *k, int ch)
{
	char *base = k->sec == SEC_CHANNEL ? (char *)&cf->channel[ch] :
	    (char *)cf;

	return base + k->off;
}

static const void *
key_cptr(const struct config *cf, const struct key_def *k, int ch)
{
	const char *base = k->sec == SEC_CHANNEL ?
	    (const char *)&cf->channel[ch] : (const char *)cf;

	return base + k->off;
}

static void
list_free(char **list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static void
append_names(struct buf *b, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		buf_printf(b, "%s%s", i ? ", " : "", names[i]);
}

static int
parse_long(const char *v, long *out)
{
	char *end;
	long n;

	if (*v == '\0' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

static void
size_allowed(struct buf *b, const struct key_def *k)
{
	buf_printf(b, "; allowed: a size in bytes with an optional suffix k, "
	    "M or G, from %ldk to %ldG", k->min / 1024, k->max / SIZE_G);
}

static int
parse_size(const char *v, const struct key_def *k, size_t *out,
    struct buf *why)
{
	unsigned long long n = 0, mult = 1;
	const char *p = v;

	if (!isdigit((unsigned char)*p)) {
		quote(why, v);
		buf_puts(why, " is not a size");
		size_allowed(why, k);
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (ULLONG_MAX - 9) / 10) {
			quote(why, v);
			buf_puts(why, " is out of range");
			size_allowed(why, k);
			return -1;
		}
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = (unsigned long long)SIZE_G;
		break;
	default:
		mult = 0;
	}
	if (mult == 0 || (*p != '\0' && p[1] != '\0')) {
		quote(why, v);
		buf_puts(why, " is not a size");
		size_allowed(why, k);
		return -1;
	}
	if (n > (unsigned long long)k->max / mult ||
	    n * mult < (unsigned long long)k->min) {
		quote(why, v);
		buf_puts(why, " is out of range");
		size_allowed(why, k);
		return -1;
	}
	*out = (size_t)(n * mult);
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_color(const char *v)
{
	size_t i;

	if (v[0] != '#' || strlen(v) != 7)
		return -1;
	for (i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)v[i]))
			return -1;
	return 0;
}

/* Splits "a, b ,c" into a NULL-terminated list; -1 on an empty item. */
static int
parse_list(const char *v, char ***out, size_t *count, struct buf *why)
{
	char **list = NULL;
	size_t n = 0;
	const char *p = v, *end, *s, *e;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		s = p;
		e = end;
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (s == e) {
			list_free(list);
			quote(why, v);
			buf_printf(why, " has an empty item (number %zu); "
			    "allowed: items separated by commas, e.g. Prix, "
			    "Qualité, Incident", n + 1);
			return -1;
		}
		list = xrealloc(list, (n + 2) * sizeof(*list));
		list[n++] = xstrndup(s, (size_t)(e - s));
		list[n] = NULL;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*out = list;
	*count = n;
	return 0;
}

/*
 * Sets key k (channel ch) of cf from the text v, as the file gives it.
 * Returns 0, or -1 with the problem and what is allowed in why.
 */
static int
key_set(struct config *cf, const struct key_def *k, int ch, const char *v,
    struct buf *why)
{
	void *p = key_ptr(cf, k, ch);
	long n;
	bool b;
	size_t i, sz;

	if (check_plain(v, why) < 0)
		return -1;
	if (*v == '\0' && k->type != KT_LIST &&
	    !(k->flags & (K_OPTIONAL | K_EMPTY_OK))) {
		buf_puts(why, "empty value; allowed: ");
		if (k->type == KT_INT)
			buf_printf(why, "%ld..%ld", k->min, k->max);
		else if (k->type == KT_ENUM)
			append_names(why, k->names);
		else if (k->type == KT_BOOL)
			buf_puts(why, "yes, no, true, false, on, off, 1, 0");
		else if (k->type == KT_PATH)
			buf_puts(why, "an absolute path");
		else if (k->type == KT_SIZE)
			buf_puts(why, "a size such as 50M");
		else if (k->type == KT_COLOR)
			buf_puts(why, "#rrggbb");
		else if (k->def != NULL)
			buf_printf(why, "a value such as %s", k->def);
		else
			buf_puts(why, "a value (this key is required)");
		return -1;
	}
	switch (k->type) {
	case KT_STR:
	case KT_PATH:
	case KT_TEXT:
		if (*v != '\0' && k->type == KT_PATH && v[0] != '/') {
			quote(why, v);
			buf_puts(why, " is not an absolute path; allowed: a "
			    "path starting with /");
			return -1;
		}
		if (*v != '\0' && k->check != NULL && k->check(v, why) < 0)
			return -1;
		free(*(char **)p);
		*(char **)p = *v == '\0' && (k->flags & K_OPTIONAL) ? NULL :
		    xstrdup(v);
		if (k->off == G(reply_address) && k->sec == SEC_GENERAL) {
			const char *at = strchr(v, '@');

			free(cf->reply_local);
			free(cf->reply_domain);
			cf->reply_local = xstrndup(v, (size_t)(at - v));
			cf->reply_domain = xstrdup(at + 1);
		}
		return 0;
	case KT_INT:
		if (parse_long(v, &n) < 0) {
			quote(why, v);
			buf_printf(why, " is not a whole number; allowed: "
			    "%ld..%ld", k->min, k->max);
			return -1;
		}
		if (n < k->min || n > k->max) {
			quote(why, v);
			buf_printf(why, " is out of range; allowed: %ld..%ld",
			    k->min, k->max);
			return -1;
		}
		*(int *)p = (int)n;
		return 0;
	case KT_SIZE:
		if (parse_size(v, k, &sz, why) < 0)
			return -1;
		*(size_t *)p = sz;
		return 0;
	case KT_BOOL:
		if (parse_bool(v, &b) < 0) {
			quote(why, v);
			buf_puts(why, " is not a boolean; allowed: yes, no, "
			    "true, false, on, off, 1, 0");
			return -1;
		}
		*(bool *)p = b;
		return 0;
	case KT_ENUM:
		for (i = 0; k->names[i] != NULL; i++)
			if (strcasecmp(v, k->names[i]) == 0) {
				/* Our enums are int-sized and start at 0. */
				*(int *)p = (int)i;
				return 0;
			}
		quote(why, v);
		buf_printf(why, " is not a %s; allowed: ", k->noun);
		append_names(why, k->names);
		return -1;
	case KT_LIST: {
		char ***lp = p;
		size_t *np = (size_t *)((char *)cf + k->off_n);
		char **list = NULL;

		sz = 0;
		if (*v != '\0' && parse_list(v, &list, &sz, why) < 0)
			return -1;
		for (i = 0; k->check != NULL && i < sz; i++)
			if (k->check(list[i], why) < 0) {
				list_free(list);
				return -1;
			}
		list_free(*lp);
		*lp = list;
		*np = sz;
		return 0;
	}
	case KT_COLOR:
		if (parse_color(v) < 0) {
			quote(why, v);
			buf_puts(why, " is not a colour; allowed: #rrggbb with "
			    "six hex digits, e.g. #1a9641");
			return -1;
		}
		free(*(char **)p);
		*(char **)p = xstrdup(v);
		return 0;
	}
	return -1;
}

static void
parse_fail(struct parse *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the first problem by line; "FILE:LINE: " is added here. */
static void
parse_fail(struct parse *st, int line, const char *fmt, ...)
{
	va_list ap;

	/* Line 0 (a key missing from the file) comes after every line. */
	if (st->failed && (line == 0 ||
	    (st->err_line != 0 && st->err_line <= line)))
		return;
	st->failed = 1;
	st->err_line = line;
	buf_reset(&st->err);
	if (line > 0)
		buf_printf(&st->err, "%s:%d: ", st->path, line);
	else
		buf_printf(&st->err, "%s: ", st->path);
	va_start(ap, fmt);
	buf_vprintf(&st->err, fmt, ap);
	va_end(ap);
}

static long
section_find(const char *s, size_t n)
{
	size_t i;

	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	for (i = 0; i < N_SECTIONS; i++)
		if (strlen(sections[i].name) == n &&
		    ascii_casecmp_n(s, sections[i].name, n) == 0)
			return (long)i;
	return -1;
}

static void
section_unknown(struct parse *st, int line, const char *s, size_t n)
{
	struct buf b = BUF_INIT, name = BUF_INIT;
	size_t i;

	buf_append(&name, s, n);
	for (i = 0; i < N_SECTIONS; i++)
		if (close_enough(buf_cstr(&name), sections[i].name)) {
			buf_printf(&b, " (did you mean [%s]?)",
			    sections[i].name);
			break;
		}
	buf_puts(&b, "; allowed: ");
	for (i = 0; i < N_SECTIONS; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", sections[i].name);
	buf_reset(&name);
	buf_putc(&name, '[');
	for (i = 0; i < n && i < QUOTE_MAX; i++)
		buf_putc(&name, (unsigned char)s[i] < 0x20 ? '?' : s[i]);
	buf_putc(&name, ']');
	parse_fail(st, line, "%s: unknown section%s", buf_cstr(&name),
	    buf_cstr(&b));
	buf_free(&b);
	buf_free(&name);
}

/* Looks at a whole line before inih gets it. */
static void
parse_scan_line(struct parse *st)
{
	const char *s = st->data + st->pos, *nl, *close;
	size_t n = st->len - st->pos;
	long sec;

	nl = memchr(s, '\n', n);
	if (nl != NULL)
		n = (size_t)(nl - s);
	if (memchr(s, '\0', n) != NULL)
		parse_fail(st, st->lineno, "NUL byte in the line; allowed: "
		    "text in UTF-8");
	if (n > CONFIG_LINE_MAX)
		parse_fail(st, st->lineno, "line of %zu bytes is too long; "
		    "allowed: at most %d bytes per line", n, CONFIG_LINE_MAX);
	if (st->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	st->indented = n > 0 && (is_blank(*s) || *s == '\v' || *s == '\f');
	st->raw = s;
	st->raw_len = n;
	if (n == 0 || *s != '[')
		return;
	close = memchr(s, ']', n);
	if (close == NULL)
		return;		/* inih reports the syntax error */
	st->prev_key = -1;
	sec = section_find(s + 1, (size_t)(close - s - 1));
	if (sec < 0)
		section_unknown(st, st->lineno, s + 1,
		    (size_t)(close - s - 1));
	else if (st->sec_line[sec] == 0)
		st->sec_line[sec] = st->lineno;
}

/* inih's reader: fgets() on our copy of the file, counting lines. */
static char *
parse_read(char *str, int num, void *stream)
{
	struct parse *st = stream;
	size_t avail, max, n;
	const char *nl;

	if (st->pos >= st->len || num < 2)
		return NULL;
	if (st->bol) {
		st->lineno++;
		parse_scan_line(st);
	}
	avail = st->len - st->pos;
	max = (size_t)num - 1;
	if (max > avail)
		max = avail;
	nl = memchr(st->data + st->pos, '\n', max);
	n = nl ? (size_t)(nl - (st->data + st->pos)) + 1 : max;
	memcpy(str, st->data + st->pos, n);
	str[n] = '\0';
	st->pos += n;
	st->bol = str[n - 1] == '\n';
	return str;
}

static long
section_of(enum sec kind, int ch)
{
	size_t i;

	for (i = 0; i < N_SECTIONS; i++)
		if (sections[i].kind == kind &&
		    (kind != SEC_CHANNEL || sections[i].channel == ch))
			return (long)i;
	return 0;
}

static void
key_unknown(struct parse *st, long sec, const char *name)
{
	enum sec kind = sections[sec].kind;
	struct buf b = BUF_INIT, q = BUF_INIT;
	size_t i;
	int first = 1;

	for (i = 0; i < N_KEYS; i++)
		if (keys[i].sec == kind && close_enough(name, keys[i].name)) {
			buf_printf(&b, " (did you mean %s?)", keys[i].name);
			break;
		}
	if (b.len == 0)
		for (i = 0; i < N_KEYS; i++)
			if (keys[i].sec != kind &&
			    strcasecmp(name, keys[i].name) == 0) {
				buf_printf(&b, " (it belongs in [%s])",
				    keys[i].sec == SEC_CHANNEL ?
				    "channel.NAME" :
				    sections[section_of(keys[i].sec, 0)].name);
				break;
			}
	buf_puts(&b, "; allowed: ");
	for (i = 0; i < N_KEYS; i++)
		if (keys[i].sec == kind) {
			buf_printf(&b, "%s%s", first ? "" : ", ", keys[i].name);
			first = 0;
		}
	for (i = 0; name[i] != '\0' && i < QUOTE_MAX; i++)
		buf_putc(&q, (unsigned char)name[i] < 0x20 ? '?' : name[i]);
	parse_fail(st, st->lineno, "[%s] %s: unknown key%s", sections[sec].name,
	    buf_cstr(&q), buf_cstr(&b));
	buf_free(&b);
	buf_free(&q);
}

/*
 * The value of a text key as written on the current line: inih cuts values
 * at " ;", but in French "notre service ; elles ne..." is a sentence, not
 * a comment. Caller frees.
 */
static char *
raw_text_value(const struct parse *st, int continuation)
{
	const char *s = st->raw, *e = st->raw + st->raw_len;

	if (!continuation) {
		/* inih splits the key from its value at the first = or :. */
		while (s < e && *s != '=' && *s != ':')
			s++;
		if (s < e)
			s++;
	}
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* inih's handler: one key = value, or a continuation line of the last. */
static int
parse_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *st = user;
	struct buf why = BUF_INIT;
	const struct key_def *k;
	char *text_value = NULL;
	long sec;
	size_t i, slot;
	int ch, cont;

	if (st->failed)
		return 1;
	if (*section == '\0') {
		parse_fail(st, st->lineno, "%s: key outside any section; "
		    "allowed: a [section] line first, e.g. [general]", name);
		return 1;
	}
	sec = section_find(section, strlen(section));
	if (sec < 0) {
		section_unknown(st, st->lineno, section, strlen(section));
		return 1;
	}
	if (sec != st->prev_sec)
		st->prev_key = -1;
	st->prev_sec = sec;
	for (i = 0; i < N_KEYS; i++)
		if (keys[i].sec == sections[sec].kind &&
		    strcasecmp(name, keys[i].name) == 0)
			break;
	if (i == N_KEYS) {
		key_unknown(st, sec, name);
		return 1;
	}
	k = &keys[i];
	ch = sections[sec].channel;
	slot = SLOT(i, ch);
	/* inih gives an indented line to the previous key. */
	cont = st->indented && st->prev_key == (long)i;
	if (k->type == KT_TEXT) {
		text_value = raw_text_value(st, cont);
		value = text_value;
	}
	if (cont) {
		char **text = key_ptr(st->cf, k, ch);
		struct buf joined = BUF_INIT;

		if (k->type != KT_TEXT) {
			parse_fail(st, st->lineno, "[%s] %s: indented line "
			    "continues this key's value; allowed: keys at the "
			    "start of the line (only info_message continues "
			    "on indented lines)", sections[sec].name, k->name);
			return 1;
		}
		if (check_plain(value, &why) < 0) {
			parse_fail(st, st->lineno, "[%s] %s: %s",
			    sections[sec].name, k->name, buf_cstr(&why));
			buf_free(&why);
			free(text_value);
			return 1;
		}
		if (*text != NULL)
			buf_printf(&joined, "%s\n", *text);
		buf_puts(&joined, value);
		free(*text);
		*text = buf_steal(&joined);
		free(text_value);
		return 1;
	}
	if (st->line[slot] != 0) {
		parse_fail(st, st->lineno, "[%s] %s: set twice (first on line "
		    "%d); allowed: one value per key", sections[sec].name,
		    k->name, st->line[slot]);
	} else if (key_set(st->cf, k, ch, value, &why) < 0) {
		parse_fail(st, st->lineno, "[%s] %s: %s", sections[sec].name,
		    k->name, buf_cstr(&why));
	} else {
		st->line[slot] = st->lineno;
		st->prev_key = (long)i;
	}
	buf_free(&why);
	free(text_value);
	return 1;
}

static size_t
key_index(enum sec kind, const char *name)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (keys[i].sec == kind && strcmp(keys[i].name, name) == 0)
			return i;
	abort();	/* a name of our own table: cannot happen */
}

/* The checks that need the whole file: required keys, limits of texts,
 * keys that depend on others. */
static void
parse_finish(struct parse *st)
{
	struct config *cf = st->cf;
	size_t i, n;
	long sec;

	for (i = 0; i < N_KEYS; i++) {
		const struct key_def *k = &keys[i];

		if (k->sec == SEC_CHANNEL)
			continue;
		sec = section_of(k->sec, 0);
		if ((k->flags & K_REQUIRED) && st->line[SLOT(i, 0)] == 0)
			parse_fail(st, st->sec_line[sec], "[%s] %s: required "
			    "key is missing; allowed: see "
			    "npsgate.conf.sample, e.g. %s", sections[sec].name,
			    k->name, k->off == G(reply_address) ?
			    "reply_address = nps@reply.example" :
			    k->off == G(key_file) ?
			    "key_file = /etc/npsgate/keys" :
			    k->off == G(store_path) ?
			    "path = /var/lib/npsgate/npsgate.db" :
			    "socket = inet:8891@127.0.0.1");
		if (k->type == KT_TEXT) {
			const char *t = *(char **)key_ptr(cf, k, 0);

			if (t != NULL && utf8_count(t, strlen(t), &n) == 0 &&
			    n > k->max_chars)
				parse_fail(st, st->line[SLOT(i, 0)], "[%s] %s: "
				    "%zu characters is too long; allowed: at "
				    "most %zu characters", sections[sec].name,
				    k->name, n, k->max_chars);
		}
	}
	i = key_index(SEC_SURVEY, "style");
	if (cf->style == STYLE_ICONS && cf->icon_url == NULL)
		parse_fail(st, st->line[SLOT(i, 0)], "[survey] style: 'icons' "
		    "needs icon_url; allowed: set icon_url = "
		    "https://example.com/icons/{score}.png, or another style "
		    "(stars, gradient)");
	i = key_index(SEC_IMAP, "port");
	if (st->line[SLOT(i, 0)] == 0)
		cf->imap_port = cf->imap_tls == TLS_IMPLICIT ? 993 : 143;
	i = key_index(SEC_GENERAL, "key_file");
	cf->key_file_line = st->line[SLOT(i, 0)];
}

/* Every default; required keys unset. Caller frees with config_free(). */
static struct config *
config_new(const char *path)
{
	struct config *cf = xcalloc(1, sizeof(*cf));
	struct buf why = BUF_INIT;
	const char *env;
	size_t i;
	int ch;

	cf->path = xstrdup(path);
	for (i = 0; i < N_KEYS; i++) {
		if (keys[i].def == NULL)
			continue;
		for (ch = 0; ch < (keys[i].sec == SEC_CHANNEL ?
		    CHANNEL_COUNT : 1); ch++)
			if (key_set(cf, &keys[i], ch, keys[i].def, &why) < 0)
				abort();	/* our table is wrong */
	}
	env = getenv("NPSGATE_TEMPLATES_DIR");
	cf->templates_dir = xstrdup(env != NULL && *env != '\0' ? env :
	    NPSGATE_DATADIR "/templates");
	buf_free(&why);
	return cf;
}

static int
read_file(const char *path, struct buf *out, struct npserr *err)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "re")) == NULL) {
		npserr_set(err, "%s: unable to open: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = buf_read_stream(out, fp, CONFIG_FILE_MAX);
	if (rc < 0 && errno == EFBIG)
		npserr_set(err, "%s: larger than %d bytes; allowed: a "
		    "config file under 1 MiB", path, CONFIG_FILE_MAX);
	else if (rc < 0)
		npserr_set(err, "%s: unable to read: %s", path,
		    strerror(errno));
	fclose(fp);
	return rc;
}

/*
 * config_load_flags - the config at path, every value validated; with
 * CONFIG_NO_FILE_CHECKS, key_file may not exist yet. Caller frees with
 * config_free(); NULL and err (FILE:LINE: ...) on the first problem.
 * Sets inih's process-wide options: not to be called from two threads.
 */
struct config *
config_load_flags(const char *path, int flags, struct npserr *err)
{
	struct parse st;
	struct buf text = BUF_INIT;
	int rc;

	npserr_clear(err);
	if (read_file(path, &text, err) < 0) {
		buf_free(&text);
		return NULL;
	}
	memset(&st, 0, sizeof(st));
	buf_init(&st.err);
	st.cf = config_new(path);
	st.path = path;
	st.data = buf_cstr(&text);
	st.len = text.len;
	st.bol = 1;
	st.prev_key = -1;
	st.prev_sec = -1;

	/* Debian's inih makes its options process-wide variables. Lines may
	 * be long (an 800-character info_message is up to 3200 bytes), so
	 * let the line buffer grow past CONFIG_LINE_MAX, which we check. */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 4 * CONFIG_LINE_MAX;
	ini_allow_multiline = true;
	ini_allow_inline_comments = true;
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
	rc = ini_parse_stream(parse_read, &st, parse_key, &st);
	if (rc > 0)
		parse_fail(&st, rc, "syntax error; allowed: [section], "
		    "key = value, comments starting with ; or #, indented "
		    "lines continuing info_message");
	else if (rc < 0)
		parse_fail(&st, 0, "unable to parse (inih error %d)", rc);
	if (!st.failed)
		parse_finish(&st);
	buf_free(&text);
	if (!st.failed && !(flags & CONFIG_NO_FILE_CHECKS) &&
	    config_check_files(st.cf, err) < 0) {
		config_free(st.cf);
		buf_free(&st.err);
		return NULL;
	}
	if (st.failed) {
		npserr_set(err, "%s", buf_cstr(&st.err));
		config_free(st.cf);
		buf_free(&st.err);
		return NULL;
	}
	buf_free(&st.err);
	return st.cf;
}

/*
 * config_load - the config at path, validated, with its key file checked.
 * Caller frees with config_free(); NULL and err on the first problem.
 */
struct config *
config_load(const char *path, struct npserr *err)
{
	return config_load_flags(path, 0, err);
}

/*
 * config_check_files - key_file exists, is a file and is readable.
 */
int
config_check_files(const struct config *cf, struct npserr *err)
{
	struct buf where = BUF_INIT;
	struct stat sb;
	int rc = -1;

	if (cf->key_file_line > 0)
		buf_printf(&where, "%s:%d", cf->path, cf->key_file_line);
	else
		buf_puts(&where, cf->path);
	if (cf->key_file == NULL || *cf->key_file == '\0')
		npserr_set(err, "%s: [general] key_file: not set; allowed: the "
		    "key file written by `npsgate keygen -c %s`",
		    buf_cstr(&where), cf->path);
	else if (stat(cf->key_file, &sb) < 0)
		npserr_set(err, "%s: [general] key_file: missing required file "
		    "%s (%s); run `npsgate keygen -c %s`", buf_cstr(&where),
		    cf->key_file, strerror(errno), cf->path);
	else if (S_ISDIR(sb.st_mode))
		npserr_set(err, "%s: [general] key_file: %s is a directory; "
		    "allowed: the key file written by `npsgate keygen -c %s`",
		    buf_cstr(&where), cf->key_file, cf->path);
	else if (access(cf->key_file, R_OK) < 0)
		npserr_set(err, "%s: [general] key_file: unable to read %s "
		    "(%s); allowed: a file this user can read (check its "
		    "owner and mode)", buf_cstr(&where), cf->key_file,
		    strerror(errno));
	else
		rc = 0;
	buf_free(&where);
	return rc;
}

/*
 * config_defaults - every default, with placeholders for the required
 * keys. Caller frees with config_free().
 */
struct config *
config_defaults(void)
{
	struct config *cf = config_new("(defaults)");
	struct buf why = BUF_INIT;

	if (key_set(cf, &keys[key_index(SEC_GENERAL, "reply_address")], 0,
	    "nps@reply.example", &why) < 0 ||
	    key_set(cf, &keys[key_index(SEC_MILTER, "socket")], 0,
	    "inet:8891@127.0.0.1", &why) < 0)
		abort();	/* our placeholders are wrong */
	cf->key_file = xstrdup("");
	cf->store_path = xstrdup("");
	buf_free(&why);
	return cf;
}

/*
 * config_free - frees cf and every string and list it owns; NULL is fine.
 */
void
config_free(struct config *cf)
{
	size_t i;
	int ch;

	if (cf == NULL)
		return;
	for (i = 0; i < N_KEYS; i++)
		for (ch = 0; ch < (keys[i].sec == SEC_CHANNEL ?
		    CHANNEL_COUNT : 1); ch++) {
			void *p = key_ptr(cf, &keys[i], ch);

			if (keys[i].type == KT_LIST)
				list_free(*(char ***)p);
			else if (keys[i].type == KT_STR ||
			    keys[i].type == KT_PATH ||
			    keys[i].type == KT_TEXT ||
			    keys[i].type == KT_COLOR)
				free(*(char **)p);
		}
	free(cf->reply_local);
	free(cf->reply_domain);
	free(cf->path);
	free(cf);
}

/* ------------------------------------------------------------ dumping */

static void
dump_value(const struct config *cf, const struct key_def *k, int ch, FILE *fp)
{
	const void *p = key_cptr(cf, k, ch);
	size_t i, sz;
	const char *s;

	switch (k->type) {
	case KT_STR:
	case KT_PATH:
	case KT_COLOR:
		s = *(char *const *)p;
		if (s != NULL && *s != '\0')
			fprintf(fp, " %s", s);
		break;
	case KT_TEXT:
		s = *(char *const *)p;
		if (s == NULL || *s == '\0')
			break;
		fputc(' ', fp);
		for (; *s; s++) {
			fputc(*s, fp);
			if (*s == '\n')
				fputc('\t', fp);
		}
		break;
	case KT_INT:
		fprintf(fp, " %d", *(const int *)p);
		break;
	case KT_SIZE:
		sz = *(const size_t *)p;
		if (sz != 0 && sz % SIZE_G == 0)
			fprintf(fp, " %zuG", sz / SIZE_G);
		else if (sz != 0 && sz % (1024 * 1024) == 0)
			fprintf(fp, " %zuM", sz / (1024 * 1024));
		else if (sz != 0 && sz % 1024 == 0)
			fprintf(fp, " %zuk", sz / 1024);
		else
			fprintf(fp, " %zu", sz);
		break;
	case KT_BOOL:
		fprintf(fp, " %s", *(const bool *)p ? "yes" : "no");
		break;
	case KT_ENUM:
		fprintf(fp, " %s", k->names[*(const int *)p]);
		break;
	case KT_LIST: {
		char *const *list = *(char **const *)p;

		for (i = 0; list != NULL && list[i] != NULL; i++)
			fprintf(fp, "%s%s", i ? ", " : " ", list[i]);
		break;
	}
	}
}

/*
 * config_dump - every key of every section, the defaults included, as an
 * npsgate.conf that loads back to the same settings. An unset optional
 * key prints as "key =" (empty means unset).
 */
void
config_dump(const struct config *cf, FILE *fp)
{
	size_t s, i;
	const char *p;

	fputs("; npsgate.conf: effective settings of ", fp);
	for (p = cf->path; *p; p++)
		fputc((unsigned char)*p < 0x20 ? '?' : *p, fp);
	fputc('\n', fp);
	for (s = 0; s < N_SECTIONS; s++) {
		fprintf(fp, "\n[%s]\n", sections[s].name);
		for (i = 0; i < N_KEYS; i++) {
			if (keys[i].sec != sections[s].kind)
				continue;
			fprintf(fp, "%s =", keys[i].name);
			dump_value(cf, &keys[i], sections[s].channel, fp);
			fputc('\n', fp);
		}
	}
}

/* ---------------------------------------------------------- accessors */

const char *
config_channel_name(enum channel ch)
{
	if ((int)ch < 0 || (int)ch >= CHANNEL_COUNT)
		return "unknown";
	return channel_names[ch];
}

int
config_channel_parse(const char *s, size_t len, enum channel *out)
{
	int i;

	for (i = 0; i < CHANNEL_COUNT; i++)
		if (strlen(channel_names[i]) == len &&
		    ascii_casecmp_n(s, channel_names[i], len) == 0) {
			*out = (enum channel)i;
			return 0;
		}
	return -1;
}

/*
 * config_info_message - the configured text, or the default of lang:
 * French for "fr", "fr-FR", "fr_CA"..., English for anything else.
 */
const char *
config_info_message(const struct config *cf, const char *lang)
{
	if (cf != NULL && cf->info_message != NULL)
		return cf->info_message;
	if (lang_is(lang, "fr"))
		return info_default_fr;
	return info_default_en;
}

/*
 * config_list_match - s[0..len) without surrounding blanks equals an item
 * of list, ASCII letters compared without case, other bytes as they are.
 */
bool
config_list_match(char *const *list, const char *s, size_t len)
{
	size_t i;

	if (list == NULL)
		return true;
	while (len > 0 && (is_blank(*s) || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\r' ||
	    s[len - 1] == '\n'))
		len--;
	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len &&
		    ascii_casecmp_n(list[i], s, len) == 0)
			return true;
	return false;
}
