/*
 * config_check.c - the checks of npsgate.conf's string values.
 *
 * Each check takes a non-empty value and either accepts it (0) or writes
 * into why what is wrong with it and what would be allowed (-1), in the
 * words the reader prints after "FILE:LINE: [section] key: ". A value is
 * shown quoted and cut (config_quote()), never as raw bytes: a message
 * goes to a terminal or a log line, whatever the file held.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/utf8.h"
#include "conf/config_int.h"

void
config_quote(struct buf *b, const char *v)
{
	size_t n = strlen(v), i, cut = utf8_floor(v, n, CONFIG_QUOTE_MAX);
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

int
config_refuse(struct buf *why, const char *v, const char *rest)
{
	config_quote(why, v);
	buf_puts(why, rest);
	return -1;
}

int
config_check_plain(const char *v, struct buf *why)
{
	size_t i, n;

	for (i = 0; v[i] != '\0'; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			buf_puts(why, "control character in ");
			return config_refuse(why, v,
			    "; allowed: printable text");
		}
	}
	if (utf8_count(v, i, &n) < 0) {
		buf_puts(why, "invalid UTF-8 in ");
		config_quote(why, v);
		buf_printf(why, " after %zu characters; allowed: text in UTF-8",
		    n);
		return -1;
	}
	return 0;
}

int
config_check_reply_address(const char *v, struct buf *why)
{
	const char *at = strchr(v, '@'), *p;
	size_t local;

	if (at == NULL || strchr(at + 1, '@') != NULL) {
		config_quote(why, v);
		buf_puts(why, at ? " has more than one '@'" : " has no '@'");
		goto allowed;
	}
	local = (size_t)(at - v);
	if (local < 1 || local > 16) {
		config_quote(why, v);
		buf_printf(why, " has a local part of %zu characters", local);
		goto allowed;
	}
	for (p = v; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '_' || *p == '-')) {
			config_quote(why, v);
			buf_printf(why, " has '%c' in its local part",
			    isprint((unsigned char)*p) ? *p : '?');
			goto allowed;
		}
	if (at[1] == '\0') {
		config_quote(why, v);
		buf_puts(why, " has no domain");
		goto allowed;
	}
	for (p = at + 1; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-')) {
			config_quote(why, v);
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

/* A language we ship templates for, as a language tag names it ("de",
 * "pt-BR", "nld"). */
int
config_check_lang(const char *v, struct buf *why)
{
	int i;

	if (lang_template(v) != NULL)
		return 0;
	config_refuse(why, v, " is not a language npsgate has templates "
	    "for; allowed:");
	for (i = 0; i < LANG_COUNT; i++)
		buf_printf(why, "%s %s", i > 0 ? "," : "", lang_codes[i]);
	buf_puts(why, " (or a tag of one: de-DE, pt-BR, es-419, deu...)");
	return -1;
}

/* Text that goes into a mail header (display name, subject). */
int
config_check_header_text(const char *v, struct buf *why)
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

int
config_check_socket(const char *v, struct buf *why)
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
	return config_refuse(why, v, " is not a milter socket; allowed: "
	    "unix:/PATH, local:/PATH, inet:PORT@HOST, inet6:PORT@HOST");
}

int
config_check_sysname(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
		    *p == '.'))
			break;
	if (*p == '\0' && p - v <= 32)
		return 0;
	return config_refuse(why, v, " is not a user or group name; allowed: "
	    "up to 32 characters of A-Z a-z 0-9 _ - .");
}

int
config_check_node(const char *v, struct buf *why)
{
	if (config_node_ok(v, strlen(v)))
		return 0;
	return config_refuse(why, v, " cannot name this relay; allowed: 1 to "
	    "64 characters of A-Z a-z 0-9 . - _, one name per relay sharing "
	    "the store, e.g. node = relay1");
}

int
config_check_header_prefix(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p < 33 || (unsigned char)*p > 126 ||
		    *p == ':')
			break;
	if (*p == '\0' && p - v <= 40)
		return 0;
	return config_refuse(why, v, " is not a header name prefix; allowed: "
	    "up to 40 printable ASCII characters without ':' or blanks, "
	    "e.g. X-NPS-");
}

int
config_check_tag(const char *v, struct buf *why)
{
	if (strlen(v) <= 200 && strchr(v, '\t') == NULL)
		return 0;
	return config_refuse(why, v, " is not a usable tag; allowed: up to "
	    "200 bytes without tabs, e.g. [InsertSatisfactionEvaluation]");
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

int
config_check_url(const char *v, struct buf *why)
{
	if (url_ok(v))
		return 0;
	return config_refuse(why, v, " is not a URL; allowed: "
	    "https://HOST/... or http://HOST/... without blanks, quotes, "
	    "< or >");
}

/* A URL with {score} in it, and {token} too when token is true: what
 * the mails we send fill in. allowed says what the key takes. */
static int
check_template_url(const char *v, struct buf *why, bool token,
    const char *allowed)
{
	const char *problem;

	if (!url_ok(v))
		problem = " is not a URL";
	else if (token && strstr(v, "{token}") == NULL)
		problem = " has no {token}";
	else if (strstr(v, "{score}") == NULL)
		problem = " has no {score}";
	else
		return 0;
	config_refuse(why, v, problem);
	buf_puts(why, allowed);
	return -1;
}

int
config_check_icon_url(const char *v, struct buf *why)
{
	return check_template_url(v, why, false, "; allowed: an https:// or "
	    "http:// URL with {score}, and {type} and {max} if the images "
	    "differ by survey type, e.g. "
	    "https://example.com/icons/{type}-{score}.png");
}

/* The widget's background: none, so the mail's own shows through, or
 * one colour. */
int
config_check_background(const char *v, struct buf *why)
{
	size_t i;

	if (strcasecmp(v, "transparent") == 0)
		return 0;
	for (i = 1; v[0] == '#' && i < 7 && isxdigit((unsigned char)v[i]); i++)
		;
	if (v[0] == '#' && i == 7 && v[7] == '\0')
		return 0;
	return config_refuse(why, v, " is not a background; allowed: "
	    "transparent, or a colour #rrggbb such as #ffffff");
}

int
config_check_landing_url(const char *v, struct buf *why)
{
	return check_template_url(v, why, true, "; allowed: an https:// or "
	    "http:// URL with {token} and {score}, e.g. "
	    "https://example.com/nps?t={token}&s={score}");
}

int
config_check_address(const char *v, struct buf *why)
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
	return config_refuse(why, v, " is not a mail address; allowed: one "
	    "address like support-leads@example.com");
}

int
config_team_alert_split(const char *item, size_t *team_len,
    const char **addr)
{
	const char *colon = strrchr(item, ':');
	const char *a;
	size_t tl;

	/* The last ':', so that a team name may hold one. */
	if (colon == NULL)
		return -1;
	for (tl = (size_t)(colon - item); tl > 0 &&
	    isspace((unsigned char)item[tl - 1]); tl--)
		;
	for (a = colon + 1; isspace((unsigned char)*a); a++)
		;
	*team_len = tl;
	*addr = a;
	return 0;
}

/* One item of team_alert_to: "TEAM: ADDRESS". */
int
config_check_team_alert(const char *v, struct buf *why)
{
	const char *a;
	size_t tl;

	if (config_team_alert_split(v, &tl, &a) == 0) {
		if (tl > 0 && config_check_address(a, why) == 0)
			return 0;
		buf_reset(why);
	}
	return config_refuse(why, v, " is not TEAM: ADDRESS; allowed: a "
	    "comma-separated list like Logistique: "
	    "logistics-leads@example.com, Billing: billing-leads@example.com");
}

int
config_check_channel_alias(const char *v, struct buf *why)
{
	const char *colon = strrchr(v, ':'), *name;
	size_t wl;

	if (colon != NULL) {
		for (wl = (size_t)(colon - v); wl > 0 &&
		    config_is_blank(v[wl - 1]); wl--)
			;
		for (name = colon + 1; config_is_blank(*name); name++)
			;
		if (wl > 0 && config_channel_name_ok(name, strlen(name)))
			return 0;
	}
	return config_refuse(why, v, " is not WORD: CHANNEL; allowed: a "
	    "comma-separated list like E-Mail: email, Portal: web, "
	    "Direct: phone, with CHANNEL one of email, phone, web, social, "
	    "chat or of a [channel.NAME] section");
}

int
config_check_closing_pattern(const char *v, struct buf *why)
{
	const char *colon = strchr(v, ':'), *p;
	regex_t re;
	int ok = 0;

	if (colon != NULL && colon > v) {
		for (p = v; p < colon && *p > ' ' && *p < 127; p++)
			;
		for (colon++; config_is_blank(*colon); colon++)
			;
		if (p == strchr(v, ':') && *colon != '\0' &&
		    regcomp(&re, colon, REG_EXTENDED | REG_ICASE |
		    REG_NOSUB) == 0) {
			regfree(&re);
			ok = 1;
		}
	}
	if (ok)
		return 0;
	return config_refuse(why, v, " is not HEADER: REGEX; allowed: a "
	    "header name, a colon and a POSIX extended regular expression, "
	    "e.g. Subject: Resolved: or Message-ID: /closed\\.");
}

int
config_check_host(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '_' || *p == '[' || *p == ']'))
			break;
	if (*p == '\0')
		return 0;
	return config_refuse(why, v, " is not a host name or address; "
	    "allowed: a name like imap.example.com or an address like "
	    "127.0.0.1");
}

/* Whether the authority or the query of a postgresql:// URL (after its
 * scheme, at rest) carries a password: "user:password@host" or
 * "?password=...". */
static bool
store_url_has_password(const char *rest)
{
	size_t auth = strcspn(rest, "/?");
	const char *at = NULL, *p, *q;

	for (p = rest; p < rest + auth; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && memchr(rest, ':', (size_t)(at - rest)) != NULL)
		return true;
	if ((q = strchr(rest, '?')) == NULL)
		return false;
	for (p = q + 1; *p; p += strcspn(p, "&"), p += *p == '&')
		if (strncasecmp(p, "password=", 9) == 0)
			return true;
	return false;
}

/* Whether libpq's keyword form sets the keyword password. */
static bool
store_conninfo_has_password(const char *v)
{
	const char *p;

	for (p = v; (p = strstr(p, "password")) != NULL; p += 8) {
		const char *e = p + 8;

		if (p != v && !isspace((unsigned char)p[-1]))
			continue;
		while (*e == ' ' || *e == '\t')
			e++;
		if (*e == '=')
			return true;
	}
	return false;
}

/*
 * [store] url: the address of a PostgreSQL server as the store reads it
 * (store_open takes a postgresql:// URL, or libpq's keyword form when
 * the value starts with a lowercase keyword and '='). The password stays
 * out of the config, which is readable by several programs: libpq reads
 * it from its password file.
 */
int
config_check_store_url(const char *v, struct buf *why)
{
	const char *rest = NULL;
	size_t i;

	if (strncmp(v, "postgresql://", 13) == 0)
		rest = v + 13;
	else if (strncmp(v, "postgres://", 11) == 0)
		rest = v + 11;
	for (i = 0; rest == NULL && v[i] >= 'a' && v[i] <= 'z'; i++)
		;
	if (rest == NULL && (i == 0 || v[i] != '='))
		return config_refuse(why, v, " is not a PostgreSQL address; "
		    "allowed: postgresql://USER@HOST:PORT/DATABASE, or "
		    "libpq's keyword form host=HOST dbname=DATABASE");
	if (rest != NULL ? store_url_has_password(rest) :
	    store_conninfo_has_password(v)) {
		buf_puts(why, "the address holds a password; allowed: the "
		    "address without it, the password in libpq's password "
		    "file (~/.pgpass of the user the programs run as, or "
		    "the file PGPASSFILE names)");
		return -1;
	}
#ifndef HAVE_LIBPQ
	buf_puts(why, "this npsgate was built without PostgreSQL (configure "
	    "--without-postgresql, or libpq-dev missing); allowed: path = "
	    "/var/lib/npsgate/npsgate.db for SQLite, or a build with "
	    "libpq-dev installed");
	return -1;
#else
	return 0;
#endif
}

/* config_same_mailbox - see config.h. */
bool
config_same_mailbox(const char *a, const char *b)
{
	/* RFC 3501: INBOX in any case is the INBOX; other names are as
	 * written. */
	if (strcasecmp(a, "INBOX") == 0 || strcasecmp(b, "INBOX") == 0)
		return strcasecmp(a, b) == 0;
	return strcmp(a, b) == 0;
}

/*
 * config_check_folders - the folders the hook files into must not be the
 * mailbox it reads: a message moved there comes back in the next search,
 * is filed again, and so on without end. Returns 0, or -1 with *role the
 * index (0..3: processed, review, autoreplies, bounces) of the first
 * folder that is the mailbox.
 */
int
config_check_folders(const struct config *cf, int *role)
{
	const char *folder[CONFIG_FOLDER_ROLES] = { cf->folder_processed,
	    cf->folder_review, cf->folder_autoreplies, cf->folder_bounces };
	int i;

	for (i = 0; i < CONFIG_FOLDER_ROLES; i++)
		if (folder[i] != NULL && cf->imap_mailbox != NULL &&
		    config_same_mailbox(folder[i], cf->imap_mailbox)) {
			*role = i;
			return -1;
		}
	return 0;
}
/* config_net_parse - see config.h. */
int
config_net_parse(const char *s, struct config_net *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int max, prefix = -1;

	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	if (slash != NULL) {
		const char *p = slash + 1;

		/* One to three digits, no sign, no blank. */
		if (*p == '\0' || strlen(p) > 3)
			return -1;
		for (prefix = 0; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			prefix = prefix * 10 + (*p - '0');
		}
		if (prefix > max)
			return -1;
	}
	out->prefix = prefix < 0 ? max : prefix;
	return 0;
}

/* config_net_contains - see config.h. */
bool
config_net_contains(const struct config_net *net, int family,
    const unsigned char *addr)
{
	int full = net->prefix / 8, rest = net->prefix % 8;
	unsigned char mask;

	if (family != net->family)
		return false;
	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (net->addr[full] & mask) == (addr[full] & mask);
}

/* One item of scope_clients. */
int
config_check_cidr(const char *v, struct buf *why)
{
	struct config_net net;

	if (config_net_parse(v, &net) == 0)
		return 0;
	return config_refuse(why, v, " is not an address or a network; "
	    "allowed: a comma-separated list of IPv4 or IPv6 addresses, "
	    "each with an optional /PREFIX, like 192.0.2.10, 10.1.0.0/16, "
	    "2001:db8::/32");
}

/* One item of scope_logins: "any", or a SASL login name. */
int
config_check_login(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == ',' || *p == 0x7f)
			break;
	if (*p == '\0' && p - v <= 256)
		return 0;
	return config_refuse(why, v, " is not a login; allowed: any (every "
	    "authenticated client), or a comma-separated list of SASL "
	    "login names without blanks");
}

/* One item of scope_senders: an address, * and ? matching any run of
 * characters and any one, or @DOMAIN for every sender of a domain. */
int
config_check_sender(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == ',' || *p == '<' ||
		    *p == '>' || *p == 0x7f)
			break;
	if (*p == '\0' && p - v <= 256 && strchr(v, '@') != NULL)
		return 0;
	return config_refuse(why, v, " is not a sender pattern; allowed: "
	    "a comma-separated list of addresses (helpdesk@shop.example), "
	    "patterns with * and ? (support-*@shop.example) or @DOMAIN "
	    "(@shop.example)");
}
