/*
 * config_parse.c - the text of npsgate.conf through inih into a config:
 * config_parse_text().
 *
 * inih does not give line numbers to the handler (Debian builds it without
 * INI_HANDLER_LINENO), so we feed it through ini_parse_stream() from our
 * own reader, which counts lines, refuses NUL bytes and overlong lines, and
 * sees section headers (inih reports none for an empty section).
 * The first problem, by line, is the one reported; a misspelt section or
 * key gets a "did you mean" and the list of what is allowed there.
 */
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "conf/config_int.h"

/* One line number per (key, channel); channel 0 for other sections. */
#define SLOT(k, ch) ((size_t)(k) * CONFIG_CHANNEL_MAX + (size_t)(ch))

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
	int *line;		/* where each key was set (SLOT); 0: not set */
	int *sec_line;		/* first header line of each section */
	long prev_key;		/* last key set, for continuation lines */
	long prev_sec;
	int prev_ch;
	struct buf sec_name;	/* of a [channel.NAME] in a message */
};

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

/* config_edit_distance - see config_int.h. */
size_t
config_edit_distance(const char *a, const char *b)
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
	size_t d = config_edit_distance(typed, known);

	return d <= 2 && d < strlen(known) / 2 + 1;
}

static long
section_of(enum sec kind)
{
	size_t i;

	for (i = 0; i < config_n_sections; i++)
		if (config_sections[i].kind == kind)
			return (long)i;
	return 0;
}

/* The name of section sec (channel ch) as a message shows it. */
static const char *
section_name(struct parse *st, long sec, int ch)
{
	if (config_sections[sec].kind != SEC_CHANNEL)
		return config_sections[sec].name;
	buf_reset(&st->sec_name);
	buf_printf(&st->sec_name, "channel.%s", st->cf->channels[ch].name);
	return buf_cstr(&st->sec_name);
}

/*
 * parse_channel - the channel of a [channel.NAME] header (name, n
 * bytes), added to the config the first time a section names it: its
 * index in cf->channels, or -1 after a failure at line. The name and the
 * number of channels are bounded: a name goes into reports, SQL and
 * the dump as it is.
 */
static int
parse_channel(struct parse *st, int line, const char *name, size_t n)
{
	const struct config_channel *c;
	struct buf q = BUF_INIT;
	bool text;
	size_t i;

	if ((c = config_channel_get(st->cf, name, n)) != NULL)
		return (int)(c - st->cf->channels);
	if (!config_channel_name_ok(name, n)) {
		/* Shown as written when it is text, cut at a character. */
		text = utf8_valid(name, n);
		n = text ? utf8_floor(name, n, CONFIG_QUOTE_MAX) :
		    (n < CONFIG_QUOTE_MAX ? n : CONFIG_QUOTE_MAX);
		for (i = 0; i < n; i++)
			buf_putc(&q, (unsigned char)name[i] < 0x20 ||
			    name[i] == 0x7f || (!text &&
			    (unsigned char)name[i] >= 0x80) ? '?' : name[i]);
		parse_fail(st, line, "[channel.%s]: not a channel name; "
		    "allowed: 1 to %d ASCII letters, digits, '-' and '_', "
		    "e.g. [channel.portal] (the help desk's own words go in "
		    "[rules] channel_aliases)", buf_cstr(&q),
		    CONFIG_CHANNEL_NAME_MAX);
		buf_free(&q);
		return -1;
	}
	if (st->cf->n_channels >= CONFIG_CHANNEL_MAX) {
		parse_fail(st, line, "[channel.%.*s]: one channel too many; "
		    "allowed: at most %d channels, the five built-in ones "
		    "included; map the help desk's other words to the "
		    "channels you have with [rules] channel_aliases", (int)n,
		    name, CONFIG_CHANNEL_MAX);
		return -1;
	}
	return (int)config_channel_add(st->cf, name, n);
}

/*
 * section_find - the section of a header s (n bytes), *ch its channel (0
 * outside [channel.NAME]): its index in config_sections, -1 when there is
 * no such section, -2 when a [channel.NAME] was refused at line.
 */
static long
section_find(struct parse *st, int line, const char *s, size_t n, int *ch)
{
	size_t i;

	while (n > 0 && config_is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && config_is_blank(s[n - 1]))
		n--;
	*ch = 0;
	if (n >= 8 && config_casecmp_ascii(s, "channel.", 8) == 0) {
		*ch = parse_channel(st, line, s + 8, n - 8);
		return *ch < 0 ? -2 : section_of(SEC_CHANNEL);
	}
	for (i = 0; i < config_n_sections; i++)
		if (config_sections[i].kind != SEC_CHANNEL &&
		    strlen(config_sections[i].name) == n &&
		    config_casecmp_ascii(s, config_sections[i].name, n) == 0)
			return (long)i;
	return -1;
}

static void
section_unknown(struct parse *st, int line, const char *s, size_t n)
{
	struct buf b = BUF_INIT, name = BUF_INIT;
	const char *dot = memchr(s, '.', n);
	size_t i;

	buf_append(&name, s, n);
	for (i = 0; i < config_n_sections; i++)
		if (close_enough(buf_cstr(&name), config_sections[i].name)) {
			buf_printf(&b, " (did you mean [%s]?)",
			    config_sections[i].name);
			break;
		}
	/* [chanel.portal] is [channel.portal] misspelt. */
	if (b.len == 0 && dot != NULL) {
		buf_reset(&name);
		buf_append(&name, s, (size_t)(dot - s));
		if (close_enough(buf_cstr(&name), "channel") &&
		    config_channel_name_ok(dot + 1, n - (size_t)(dot - s) - 1))
			buf_printf(&b, " (did you mean [channel.%.*s]?)",
			    (int)(n - (size_t)(dot - s) - 1), dot + 1);
	}
	buf_puts(&b, "; allowed: ");
	for (i = 0; i < config_n_sections; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", config_sections[i].name);
	buf_reset(&name);
	buf_putc(&name, '[');
	for (i = 0; i < n && i < CONFIG_QUOTE_MAX; i++)
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
	int ch;

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
	st->indented = n > 0 &&
	    (config_is_blank(*s) || *s == '\v' || *s == '\f');
	st->raw = s;
	st->raw_len = n;
	if (n == 0 || *s != '[')
		return;
	close = memchr(s, ']', n);
	if (close == NULL)
		return;		/* inih reports the syntax error */
	st->prev_key = -1;
	sec = section_find(st, st->lineno, s + 1, (size_t)(close - s - 1),
	    &ch);
	if (sec == -1)
		section_unknown(st, st->lineno, s + 1,
		    (size_t)(close - s - 1));
	else if (sec >= 0 && st->sec_line[sec] == 0)
		st->sec_line[sec] = st->lineno;
	/* Where a channel's section is, for check-config's warnings. */
	if (sec >= 0 && config_sections[sec].kind == SEC_CHANNEL &&
	    st->cf->channels[ch].line == 0)
		st->cf->channels[ch].line = st->lineno;
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

static void
key_unknown(struct parse *st, long sec, int ch, const char *name)
{
	enum sec kind = config_sections[sec].kind;
	struct buf b = BUF_INIT, q = BUF_INIT;
	const struct key_def *k;
	size_t i;
	int first = 1;

	for (i = 0; i < config_n_keys; i++) {
		k = &config_keys[i];
		if (k->sec == kind && close_enough(name, k->name)) {
			buf_printf(&b, " (did you mean %s?)", k->name);
			break;
		}
	}
	for (i = 0; b.len == 0 && i < config_n_keys; i++) {
		k = &config_keys[i];
		if (k->sec != kind && strcasecmp(name, k->name) == 0)
			buf_printf(&b, " (it belongs in [%s])",
			    config_sections[section_of(k->sec)].name);
	}
	buf_puts(&b, "; allowed: ");
	for (i = 0; i < config_n_keys; i++)
		if (config_keys[i].sec == kind) {
			buf_printf(&b, "%s%s", first ? "" : ", ",
			    config_keys[i].name);
			first = 0;
		}
	for (i = 0; name[i] != '\0' && i < CONFIG_QUOTE_MAX; i++)
		buf_putc(&q, (unsigned char)name[i] < 0x20 ? '?' : name[i]);
	parse_fail(st, st->lineno, "[%s] %s: unknown key%s",
	    section_name(st, sec, ch), buf_cstr(&q), buf_cstr(&b));
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

/* An indented line: more of the text of key k, which the line before set. */
static void
parse_continue(struct parse *st, long sec, const struct key_def *k, int ch,
    const char *value)
{
	char **text = config_key_ptr(st->cf, k, ch);
	struct buf why = BUF_INIT, joined = BUF_INIT;

	if (k->type != KT_TEXT) {
		parse_fail(st, st->lineno, "[%s] %s: indented line continues "
		    "this key's value; allowed: keys at the start of the line "
		    "(only info_message and info_message.LANG continue on "
		    "indented lines)",
		    section_name(st, sec, ch), k->name);
		return;
	}
	if (config_check_plain(value, &why) < 0) {
		parse_fail(st, st->lineno, "[%s] %s: %s",
		    section_name(st, sec, ch), k->name, buf_cstr(&why));
		buf_free(&why);
		return;
	}
	if (*text != NULL)
		buf_printf(&joined, "%s\n", *text);
	buf_puts(&joined, value);
	free(*text);
	*text = buf_steal(&joined);
}

/* A key = value line: key i of section sec (channel ch), set once only. */
static void
parse_set(struct parse *st, long sec, int ch, size_t i, const char *value)
{
	const struct key_def *k = &config_keys[i];
	size_t slot = SLOT(i, ch);
	struct buf why = BUF_INIT;

	if (st->line[slot] != 0) {
		parse_fail(st, st->lineno, "[%s] %s: set twice (first on line "
		    "%d); allowed: one value per key",
		    section_name(st, sec, ch), k->name, st->line[slot]);
	} else if (config_key_set(st->cf, k, ch, value, &why) < 0) {
		parse_fail(st, st->lineno, "[%s] %s: %s",
		    section_name(st, sec, ch), k->name, buf_cstr(&why));
	} else {
		st->line[slot] = st->lineno;
		st->prev_key = (long)i;
	}
	buf_free(&why);
}

/* inih's handler: one key = value, or a continuation line of the last. */
static int
parse_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *st = user;
	const struct key_def *k;
	char *text_value = NULL;
	long sec, i;
	int cont, ch;

	if (st->failed)
		return 1;
	if (*section == '\0') {
		parse_fail(st, st->lineno, "%s: key outside any section; "
		    "allowed: a [section] line first, e.g. [general]", name);
		return 1;
	}
	sec = section_find(st, st->lineno, section, strlen(section), &ch);
	if (sec == -1)
		section_unknown(st, st->lineno, section, strlen(section));
	if (sec < 0)
		return 1;
	if (sec != st->prev_sec || ch != st->prev_ch)
		st->prev_key = -1;
	st->prev_sec = sec;
	st->prev_ch = ch;
	i = config_key_find(config_sections[sec].kind, name);
	if (i < 0) {
		key_unknown(st, sec, ch, name);
		return 1;
	}
	k = &config_keys[i];
	/* inih gives an indented line to the previous key. */
	cont = st->indented && st->prev_key == i;
	if (k->type == KT_TEXT) {
		text_value = raw_text_value(st, cont);
		value = text_value;
	}
	if (cont)
		parse_continue(st, sec, k, ch, value);
	else
		parse_set(st, sec, ch, (size_t)i, value);
	free(text_value);
	return 1;
}
/* A line that sets required key k, for the message that it is missing. */
static const char *
required_example(const struct key_def *k)
{
	if (k->off == G(reply_address))
		return "reply_address = nps@reply.example";
	if (k->off == G(key_file))
		return "key_file = /etc/npsgate/keys";
	return "path = /var/lib/npsgate/npsgate.db";
}

/*
 * A folder the hook files into that is the mailbox it reads: refused at
 * the folder's line, or at the mailbox's when the folder is a default
 * that the mailbox took.
 */
static void
parse_check_folders(struct parse *st)
{
	static const char *const key[CONFIG_FOLDER_ROLES] = {
		"folder_processed", "folder_review", "folder_autoreplies",
		"folder_bounces"
	};
	static const char *const fix[CONFIG_FOLDER_ROLES] = {
		"Processed", "NeedsReview", "AutoReplies", "Bounces"
	};
	struct buf q = BUF_INIT;
	size_t fi, mi;
	int role;
	bool same;

	if (config_check_folders(st->cf, &role) == 0)
		return;
	/* The default name makes the example, unless it is the mailbox. */
	same = config_same_mailbox(fix[role], st->cf->imap_mailbox);
	fi = config_key_index(SEC_IMAP, key[role]);
	mi = config_key_index(SEC_IMAP, "mailbox");
	config_quote(&q, st->cf->imap_mailbox);
	if (st->line[SLOT(fi, 0)] != 0)
		parse_fail(st, st->line[SLOT(fi, 0)], "[imap] %s: it names "
		    "the mailbox the hook reads ([imap] mailbox = %s); a "
		    "message filed there would be read and filed again "
		    "without end; allowed: another folder%s%s%s%s", key[role],
		    buf_cstr(&q), same ? "" : ", e.g. ", same ? "" : key[role],
		    same ? "" : " = ", same ? "" : fix[role]);
	else
		parse_fail(st, st->line[SLOT(mi, 0)], "[imap] mailbox: %s is "
		    "also the default of %s; a message filed there would be "
		    "read and filed again without end; allowed: another "
		    "mailbox, e.g. mailbox = INBOX, or set %s to another "
		    "folder", buf_cstr(&q), key[role], key[role]);
	buf_free(&q);
}

/* [store]: path (SQLite) or url (PostgreSQL), exactly one of them. An
 * empty value is a key left unset. */
static void
parse_check_store(struct parse *st)
{
	size_t pi = config_key_index(SEC_STORE, "path");
	size_t ui = config_key_index(SEC_STORE, "url");
	bool path = st->cf->store_path != NULL && st->cf->store_path[0];
	bool url = st->cf->store_url != NULL;

	if (path && url)
		parse_fail(st, st->line[SLOT(ui, 0)], "[store] url: path is "
		    "set too (line %d); allowed: one of them, path for an "
		    "SQLite file on this host or url for a PostgreSQL "
		    "server: remove the other", st->line[SLOT(pi, 0)]);
	else if (!path && !url)
		parse_fail(st, st->line[SLOT(pi, 0)] != 0 ?
		    st->line[SLOT(pi, 0)] : st->sec_line[section_of(SEC_STORE)],
		    "[store] path: required key is missing; allowed: "
		    "see npsgate.conf.sample, e.g. path = "
		    "/var/lib/npsgate/npsgate.db, or url = "
		    "postgresql://npsgate@db.example/npsgate for a "
		    "PostgreSQL store");
}

/* [general] node: set to a name, or left to the host name. An empty
 * value would leave the relay's held surveys to every relay: refused, as
 * a host without a usable name is when the key is not set. */
static void
parse_check_node(struct parse *st)
{
	size_t i = config_key_index(SEC_GENERAL, "node");
	int line = st->line[SLOT(i, 0)];
	struct buf q = BUF_INIT;
	char host[256];

	if (st->cf->node != NULL)
		return;
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	config_quote(&q, host);
	if (line != 0)
		parse_fail(st, line, "[general] node: empty; allowed: the name "
		    "of this relay, 1 to 64 characters of A-Z a-z 0-9 . - _, "
		    "e.g. node = relay1, or no node line for the host name");
	else
		parse_fail(st, st->sec_line[section_of(SEC_GENERAL)],
		    "[general] node: not set, and the host name %s cannot "
		    "name this relay; allowed: set node = NAME in [general], "
		    "1 to 64 characters of A-Z a-z 0-9 . - _, e.g. node = "
		    "relay1", buf_cstr(&q));
	buf_free(&q);
}

/* Each alias of [rules] channel_aliases names a channel of the config,
 * which a [channel.NAME] anywhere in the file may define. */
static void
parse_check_aliases(struct parse *st)
{
	const struct config *cf = st->cf;
	const char *name;
	struct buf q = BUF_INIT;
	size_t a, i = config_key_index(SEC_RULES, "channel_aliases");

	for (a = 0; a < cf->n_channel_aliases; a++) {
		/* config_check_channel_alias let only "WORD: NAME" in. */
		name = strrchr(cf->channel_aliases[a], ':') + 1;
		while (config_is_blank(*name))
			name++;
		if (config_channel_get(cf, name, strlen(name)) != NULL)
			continue;
		buf_reset(&q);
		config_quote(&q, cf->channel_aliases[a]);
		parse_fail(st, st->line[SLOT(i, 0)], "[rules] channel_aliases: "
		    "%s names no channel; allowed: email, phone, web, social, "
		    "chat or a channel of its own section, e.g. "
		    "[channel.%s]", buf_cstr(&q), name);
	}
	buf_free(&q);
}

/* The checks that need the whole file: required keys, limits of texts,
 * keys that depend on others. */
static void
parse_finish(struct parse *st)
{
	struct config *cf = st->cf;
	size_t i, n;
	long sec;

	for (i = 0; i < config_n_keys; i++) {
		const struct key_def *k = &config_keys[i];

		if (k->sec == SEC_CHANNEL)
			continue;
		sec = section_of(k->sec);
		if ((k->flags & K_REQUIRED) && st->line[SLOT(i, 0)] == 0)
			parse_fail(st, st->sec_line[sec], "[%s] %s: required "
			    "key is missing; allowed: see "
			    "npsgate.conf.sample, e.g. %s",
			    config_sections[sec].name, k->name,
			    required_example(k));
		if (k->type == KT_TEXT) {
			const char *t = *(char **)config_key_ptr(cf, k, 0);

			if (t != NULL && utf8_count(t, strlen(t), &n) == 0 &&
			    n > k->max_chars)
				parse_fail(st, st->line[SLOT(i, 0)], "[%s] %s: "
				    "%zu characters is too long; allowed: at "
				    "most %zu characters",
				    config_sections[sec].name, k->name, n,
				    k->max_chars);
		}
	}
	i = config_key_index(SEC_SURVEY, "style");
	if (cf->style == STYLE_ICONS && cf->icon_url == NULL)
		parse_fail(st, st->line[SLOT(i, 0)], "[survey] style: 'icons' "
		    "needs icon_url; allowed: set icon_url = "
		    "https://example.com/icons/{score}.png, or another style "
		    "(numbers, stars, gradient)");
	i = config_key_index(SEC_IMAP, "port");
	if (st->line[SLOT(i, 0)] == 0)
		cf->imap_port = cf->imap_tls == TLS_IMPLICIT ? 993 : 143;
	i = config_key_index(SEC_GENERAL, "key_file");
	cf->key_file_line = st->line[SLOT(i, 0)];
	parse_check_store(st);
	parse_check_node(st);
	parse_check_folders(st);
	parse_check_aliases(st);
}

int
config_parse_text(struct config *cf, const char *path, const char *data,
    size_t len, struct npserr *err)
{
	struct parse st;
	int rc;

	memset(&st, 0, sizeof(st));
	buf_init(&st.err);
	st.cf = cf;
	st.path = path;
	st.data = data;
	st.len = len;
	st.bol = 1;
	st.prev_key = -1;
	st.prev_sec = -1;
	buf_init(&st.sec_name);
	st.line = xcalloc(config_n_keys * CONFIG_CHANNEL_MAX,
	    sizeof(*st.line));
	st.sec_line = xcalloc(config_n_sections, sizeof(*st.sec_line));

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
	if (st.failed)
		npserr_set(err, "%s", buf_cstr(&st.err));
	buf_free(&st.err);
	buf_free(&st.sec_name);
	free(st.line);
	free(st.sec_line);
	return st.failed ? -1 : 0;
}
