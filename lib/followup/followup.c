/*
 * followup.c - the acknowledgment and the detractor alert after an answer;
 * see followup.h for the contract.
 *
 * Everything is read back from the store, never taken from the caller's
 * analysis: the store is what counts, and a retry hours later rebuilds
 * the very same mail from it. The mails are fully determined by the
 * store, the config and the time of the first attempt (the Message-ID
 * included), so that a resent one is recognisably the same.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "conf/config.h"
#include "followup/followup.h"
#include "base/json.h"
#include "base/lang.h"
#include "base/log.h"
#include "mail/mime.h"
#include "survey/nps.h"
#include "base/npserr.h"
#include "mail/sendmail.h"
#include "store/store.h"
#include "store/store_db.h"
#include "survey/token.h"
#include "base/utf8.h"
#include "base/xalloc.h"

#define TEMPLATE_MAX (64 * 1024)	/* bytes of one mail template */
#define COMMENT_MAX 4096		/* bytes of a comment in an alert */
#define FIELD_MAX 256			/* bytes of another value */

static const char *const kind_names[FOLLOWUP_KIND_COUNT] = {
	[FOLLOWUP_ACK] = "ack",
	[FOLLOWUP_ALERT_MAIL] = "alert_mail",
	[FOLLOWUP_ALERT_COMMAND] = "alert_command",
};

/* Words for the log. */
static const char *const kind_words[FOLLOWUP_KIND_COUNT] = {
	[FOLLOWUP_ACK] = "acknowledgment",
	[FOLLOWUP_ALERT_MAIL] = "alert mail",
	[FOLLOWUP_ALERT_COMMAND] = "alert command",
};

const char *
followup_kind_name(enum followup_kind kind)
{
	if ((unsigned)kind >= FOLLOWUP_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

static int
kind_parse(const char *s, enum followup_kind *out)
{
	int i;

	for (i = 0; i < FOLLOWUP_KIND_COUNT; i++)
		if (s != NULL && strcmp(s, kind_names[i]) == 0) {
			*out = (enum followup_kind)i;
			return 0;
		}
	return -1;
}

/* --- policies ------------------------------------------------------- */

/* followup_backoff - 1, 2, 4 ... minutes, at most FOLLOWUP_MAX_DELAY. */
int64_t
followup_backoff(int attempts)
{
	int64_t d = FOLLOWUP_FIRST_DELAY;
	int i;

	for (i = 1; i < attempts && d < FOLLOWUP_MAX_DELAY; i++)
		d *= 2;
	return d < FOLLOWUP_MAX_DELAY ? d : FOLLOWUP_MAX_DELAY;
}

/*
 * followup_is_alert_score - NPS uses the configurable detractor_max; CSAT
 * and CES have no such knob and alert on their detractor category (CSAT
 * 1-2, CES 1-3), the scores that nps.h calls unsatisfied and hard.
 */
bool
followup_is_alert_score(const struct config *cf, enum survey_type type,
    int score)
{
	if (nps_category(type, score) == NPS_NONE)
		return false;
	switch (type) {
	case SURVEY_NPS:
		return score <= cf->detractor_max;
	case SURVEY_CSAT:
		return score <= 2;
	case SURVEY_CES:
		return score <= 3;
	}
	return false;
}

static bool
addr_char_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("<>()[]\\,;:\"", c) == NULL;
}

/* Local parts of robots and lists (RFC 3834 section 2), compared
 * without case; a '*' at the end matches any rest. */
static const char *const refused_locals[] = {
	"postmaster", "mailer-daemon", "mailer_daemon", "mailerdaemon",
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
	"do_not_reply", "nobody", "root", "daemon", "abuse", "listserv",
	"majordomo", "owner-*", "bounce*", "bounces*", NULL
};

/* followup_address_refused - see followup.h. */
bool
followup_address_refused(const struct config *cf, const char *addr)
{
	const char *at, *p;
	size_t loclen, n, i;

	if (addr == NULL)
		return true;
	n = strlen(addr);
	if (n == 0 || n > 254 || (at = strchr(addr, '@')) == NULL ||
	    at == addr || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return true;
	for (p = addr; *p; p++)
		if (!addr_char_ok((unsigned char)*p))
			return true;
	loclen = (size_t)(at - addr);
	if (loclen >= 8 && strncasecmp(at - 8, "-request", 8) == 0)
		return true;
	for (i = 0; refused_locals[i] != NULL; i++) {
		const char *r = refused_locals[i];
		size_t rl = strlen(r);

		if (r[rl - 1] == '*') {
			if (loclen >= rl - 1 && strncasecmp(addr, r,
			    rl - 1) == 0)
				return true;
		} else if (loclen == rl && strncasecmp(addr, r, rl) == 0) {
			return true;
		}
	}
	/* Our own mailbox, with or without a token: a loop. */
	if (cf->reply_local != NULL && cf->reply_domain != NULL &&
	    strcasecmp(at + 1, cf->reply_domain) == 0) {
		size_t ll = strlen(cf->reply_local);

		if (loclen >= ll && strncasecmp(addr, cf->reply_local,
		    ll) == 0 && (loclen == ll || addr[ll] == '+'))
			return true;
	}
	return false;
}

/* --- text and headers ----------------------------------------------- */

/*
 * A value from a customer or a help desk, for the plain-text body: valid
 * UTF-8, no control characters (line breaks kept when asked), bounded,
 * no "scheme://" that a mail program would turn into a link, and never
 * the survey tag, which the milter would expand on the way out.
 */
static void
text_value(const struct config *cf, const char *s, size_t max,
    bool keep_newlines, struct buf *out)
{
	struct buf clean = BUF_INIT;
	const char *tag = cf->tag != NULL && *cf->tag ? cf->tag :
	    "[InsertSatisfactionEvaluation]";
	size_t taglen = strlen(tag), i;

	sendmail_env_clean(&clean, s, max, keep_newlines);
	for (i = 0; i < clean.len; i++) {
		if (i + 3 <= clean.len && memcmp(clean.data + i, "://", 3) ==
		    0) {
			buf_puts(out, "[:]//");
			i += 2;
			continue;
		}
		if (i + taglen <= clean.len && memcmp(clean.data + i, tag,
		    taglen) == 0) {
			buf_putc(out, tag[0] == '[' ? '(' : '_');
			continue;
		}
		buf_putc(out, clean.data[i]);
	}
	buf_free(&clean);
}

static bool
needs_encoding(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || (s[i] == '=' && i + 1 < n &&
		    s[i + 1] == '?'))
			return true;
	return false;
}

/* Encoded words of at most 36 bytes of text (60 characters each), whole
 * characters only, one per line after the first. s is valid UTF-8
 * (sendmail_env_clean). */
static void
header_encode_words(struct buf *out, const char *s, size_t n, size_t col)
{
	size_t i = 0, j, k;

	while (i < n) {
		for (j = i; j < n; j += k) {
			k = utf8_seq(s + j, n - j, NULL);
			if (k == 0 || j + k - i > 36)
				break;
		}
		if (j == i)
			j = i + 1;	/* cannot happen with valid UTF-8 */
		if (i > 0 || col > 60) {
			buf_puts(out, "\n ");
		}
		buf_puts(out, "=?utf-8?B?");
		mime_base64_encode(s + i, j - i, false, out);
		/* The encoder ends its output with a line break. */
		while (out->len > 0 && (out->data[out->len - 1] == '\n' ||
		    out->data[out->len - 1] == '\r'))
			buf_truncate(out, out->len - 1);
		buf_puts(out, "?=");
		i = j;
	}
}

/* ASCII words, folded at blanks before column 78 where possible. */
static void
header_fold_ascii(struct buf *out, const char *s, size_t n, size_t col)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (i > 0 && col + (j - i) + 1 > 78) {
			buf_puts(out, "\n ");
			col = 1;
		} else if (i > 0) {
			buf_putc(out, ' ');
			col++;
		}
		buf_append(out, s + i, j - i);
		col += j - i;
		i = j < n ? j + 1 : j;
	}
}

/* followup_header - see followup.h. */
void
followup_header(struct buf *out, const char *name, const char *value)
{
	struct buf v = BUF_INIT;
	size_t col = strlen(name) + 2;

	sendmail_env_clean(&v, value, 900, false);
	/* Blanks at the ends and in runs say nothing in a header. */
	while (v.len > 0 && v.data[v.len - 1] == ' ')
		buf_truncate(&v, v.len - 1);
	buf_printf(out, "%s: ", name);
	if (v.len == 0) {
		buf_putc(out, '\n');
		buf_free(&v);
		return;
	}
	if (needs_encoding(v.data, v.len))
		header_encode_words(out, v.data, v.len, col);
	else
		header_fold_ascii(out, v.data, v.len, col);
	buf_putc(out, '\n');
	buf_free(&v);
}

/* "From: Name <address>" with the display name quoted or encoded. */
static void
header_from(struct buf *out, const struct config *cf)
{
	struct buf v = BUF_INIT;
	const char *name = cf->from_name;
	size_t i;
	bool atoms = true;

	sendmail_env_clean(&v, name, 200, false);
	if (v.len == 0) {
		buf_printf(out, "From: %s\n", cf->reply_address);
		buf_free(&v);
		return;
	}
	buf_puts(out, "From: ");
	if (needs_encoding(v.data, v.len)) {
		header_encode_words(out, v.data, v.len, 6);
	} else {
		for (i = 0; i < v.len; i++)
			if (!isalnum((unsigned char)v.data[i]) &&
			    strchr(" !#$%&'*+-/=?^_`{|}~", v.data[i]) == NULL)
				atoms = false;
		if (atoms) {
			buf_append(out, v.data, v.len);
		} else {
			buf_putc(out, '"');
			for (i = 0; i < v.len; i++) {
				if (v.data[i] == '"' || v.data[i] == '\\')
					buf_putc(out, '\\');
				buf_putc(out, v.data[i]);
			}
			buf_putc(out, '"');
		}
	}
	buf_printf(out, " <%s>\n", cf->reply_address);
	buf_free(&v);
}

/* RFC 5322 date in UTC, without the locale's help. */
static void
header_date(struct buf *out, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
format_when(char *out, size_t outsz, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M UTC", &tm);
}

/* A Message-ID worth repeating: "<...>" of visible ASCII, no blank. */
static bool
msgid_usable(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) < 3 || n > 500 || s[0] != '<' ||
	    s[n - 1] != '>')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* --- templates ------------------------------------------------------ */

struct field {
	const char *name;
	const char *value;	/* already made safe */
};

/* A mail template as written: its subject line and its body. */
struct template {
	struct buf subject;
	struct buf body;
};

static void
template_clear(struct template *t)
{
	buf_free(&t->subject);
	buf_free(&t->body);
}

/*
 * Reads DIR/LANG/NAME into *t: '#' comment lines, then "Subject: ..." up
 * to the first blank line, then the body. On failure *t holds nothing.
 */
static int
template_load(const struct config *cf, const char *lang, const char *name,
    struct template *t, struct npserr *err)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct buf *subject = &t->subject, *body = &t->body;
	const char *p, *end, *nl;
	size_t n;
	int r = -1;

	buf_init(subject);
	buf_init(body);
	buf_printf(&path, "%s/%s/%s", cf->templates_dir != NULL ?
	    cf->templates_dir : ".", lang, name);
	if (buf_read_file(&data, buf_cstr(&path), TEMPLATE_MAX) < 0) {
		npserr_set(err, "template %s: %s (templates_dir)",
		    buf_cstr(&path), errno == EFBIG ? "larger than 64 KiB" :
		    strerror(errno));
		goto out;
	}
	if (data.len == 0 || !utf8_valid(data.data, data.len) ||
	    memchr(data.data, '\0', data.len) != NULL) {
		npserr_set(err, "template %s: empty, or not UTF-8 text",
		    buf_cstr(&path));
		goto out;
	}
	p = data.data;
	end = data.data + data.len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = nl != NULL ? nl + 1 : end;
			break;
		}
		if (p[0] != '#') {
			if (n < 8 || strncasecmp(p, "Subject:", 8) != 0) {
				npserr_set(err, "template %s: \"Subject: ...\""
				    " expected before the first blank line",
				    buf_cstr(&path));
				goto out;
			}
			p += 8;
			n -= 8;
			while (n > 0 && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			buf_append(subject, p, n);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (subject->len == 0) {
		npserr_set(err, "template %s: no Subject line",
		    buf_cstr(&path));
		goto out;
	}
	for (; p < end; p++)
		if (*p != '\r')
			buf_putc(body, *p);
	if (body->len == 0 || body->data[body->len - 1] != '\n')
		buf_putc(body, '\n');
	r = 0;
out:
	if (r < 0)
		template_clear(t);
	buf_free(&path);
	buf_free(&data);
	return r;
}

/* Replaces each {name} of fields in text; other braces stay as they are. */
static void
template_fill(const char *text, size_t n, const struct field *fields,
    struct buf *out)
{
	const struct field *f;
	size_t i = 0, l = 0;

	while (i < n) {
		if (text[i] == '{') {
			for (f = fields; f->name != NULL; f++) {
				l = strlen(f->name);
				if (i + l + 2 <= n && memcmp(text + i + 1,
				    f->name, l) == 0 && text[i + l + 1] == '}')
					break;
			}
			if (f->name != NULL) {
				buf_puts(out, f->value != NULL ? f->value : "");
				i += l + 2;
				continue;
			}
		}
		buf_putc(out, text[i++]);
	}
}

/* --- reading the store ---------------------------------------------- */

/* One answer, with its survey: all a follow-up is built from. */
struct answer {
	struct survey_rec sv;
	int64_t response_id;
	int score;
	enum nps_category cat;
	char *comment;
	char *sender;
	char *lang;
	char *source;		/* the reply's message key */
	int64_t received_at;
};

static void
answer_clear(struct answer *a)
{
	store_survey_clear(&a->sv);
	free(a->comment);
	free(a->sender);
	free(a->lang);
	free(a->source);
	memset(a, 0, sizeof(*a));
}

static char *
column_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t != NULL ? xstrndup((const char *)t,
	    (size_t)sqlite3_column_bytes(s, col)) : NULL;
}

#define RESPONSE_COLUMNS \
	"id, survey_id, score, category, comment, sender, lang," \
	" received_at, source_message_id"

/*
 * Reads a response (by id when key is NULL, else by survey and message
 * key) and its survey into *a. 1 found, 0 not, -1 error.
 */
static int
answer_load(struct store *st, const char *survey_id, const char *key,
    int64_t id, struct answer *a, struct npserr *err)
{
	sqlite3_stmt *s;
	char sid[TOKEN_ID_LEN + 1];
	const char *t;
	int rc, r;

	memset(a, 0, sizeof(*a));
	s = store_db_prepare(st, key != NULL ?
	    "SELECT " RESPONSE_COLUMNS " FROM responses WHERE survey_id = ?1"
	    " AND source_message_id = ?2 ORDER BY id DESC LIMIT 1" :
	    "SELECT " RESPONSE_COLUMNS " FROM responses WHERE id = ?3", err);
	if (s == NULL)
		return -1;
	if (key != NULL) {
		sqlite3_bind_text(s, 1, survey_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_int64(s, 3, id);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		store_db_done(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		r = store_db_fail(st, rc, err, "cannot read a response");
		store_db_done(s);
		return r;
	}
	a->response_id = sqlite3_column_int64(s, 0);
	t = (const char *)sqlite3_column_text(s, 1);
	snprintf(sid, sizeof(sid), "%s", t != NULL ? t : "");
	a->score = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(s, 2);
	a->comment = column_dup(s, 4);
	a->sender = column_dup(s, 5);
	a->lang = column_dup(s, 6);
	a->received_at = sqlite3_column_int64(s, 7);
	a->source = column_dup(s, 8);
	store_db_done(s);
	r = store_survey_get(st, sid, &a->sv, err);
	if (r != 1) {
		answer_clear(a);
		return r;
	}
	a->cat = a->score >= 0 ? nps_category(a->sv.type, a->score) :
	    NPS_NONE;
	if (a->cat == NPS_NONE)
		a->score = -1;
	return 1;
}

static bool
has_text(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return true;
	return false;
}

static enum channel
answer_channel(const struct answer *a)
{
	enum channel ch = CHANNEL_EMAIL;

	if (a->sv.channel != NULL)
		config_channel_parse(a->sv.channel, strlen(a->sv.channel), &ch);
	return ch;
}

/* The customer to thank: who answered, else whom we surveyed. */
static const char *
answer_customer(const struct answer *a)
{
	return a->sender != NULL && a->sender[0] != '\0' ? a->sender :
	    a->sv.recipient;
}

static const char *
answer_lang(const struct config *cf, const struct answer *a)
{
	const char *d;

	if ((d = lang_template(a->sv.lang)) != NULL)
		return d;
	if ((d = lang_template(a->lang)) != NULL)
		return d;
	return (d = lang_template(cf->default_lang)) != NULL ? d : "fr";
}

/* Where a detractor alert goes: the survey's team's address
 * ([followup] team_alert_to), else its channel's, else the default. */
static const char *
alert_address(const struct config *cf, const struct answer *a)
{
	const char *to;
	size_t len;

	if ((to = config_team_alert_to(cf, a->sv.team, &len)) != NULL)
		return to;
	to = cf->channel[answer_channel(a)].alert_to;
	return to != NULL && to[0] != '\0' ? to : cf->alert_to;
}

/* --- the queue ------------------------------------------------------ */

struct row {
	int64_t id;
	char survey_id[TOKEN_ID_LEN + 1];
	enum followup_kind kind;
	int64_t response_id;	/* 0 when the response is gone */
	int attempts;
	int64_t created_at;
	int64_t next_attempt_at;
};

static int64_t
lease(const struct config *cf)
{
	int64_t l = (int64_t)cf->alert_timeout + 300;

	return l > FOLLOWUP_LEASE ? l : FOLLOWUP_LEASE;
}

struct claim_arg {
	struct row *row;
	int64_t until;
};

/* INSERT OR IGNORE: 1 when this call created the row (and owns it). */
static int
claim_new_tx(struct store *st, void *arg, struct npserr *err)
{
	struct claim_arg *c = arg;
	sqlite3_stmt *s;
	int rc;

	s = store_db_prepare(st, "INSERT OR IGNORE INTO followups (survey_id,"
	    " kind, response_id, created_at, next_attempt_at) VALUES (?1, ?2,"
	    " ?3, ?4, ?5)", err);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, c->row->survey_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, kind_names[c->row->kind], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, c->row->response_id);
	sqlite3_bind_int64(s, 4, c->row->created_at);
	sqlite3_bind_int64(s, 5, c->until);
	rc = sqlite3_step(s);
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot queue the %s of"
		    " survey %s", kind_words[c->row->kind], c->row->survey_id);
	if (sqlite3_changes(store_db(st)) == 0)
		return 0;
	c->row->id = sqlite3_last_insert_rowid(store_db(st));
	return 1;
}

/* Takes a due row for one attempt, unless another process did. */
static int
claim_due_tx(struct store *st, void *arg, struct npserr *err)
{
	struct claim_arg *c = arg;
	sqlite3_stmt *s;
	int rc;

	s = store_db_prepare(st, "UPDATE followups SET next_attempt_at = ?3"
	    " WHERE id = ?1 AND state = 'pending' AND next_attempt_at = ?2",
	    err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, c->row->id);
	sqlite3_bind_int64(s, 2, c->row->next_attempt_at);
	sqlite3_bind_int64(s, 3, c->until);
	rc = sqlite3_step(s);
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot claim follow-up %lld",
		    (long long)c->row->id);
	return sqlite3_changes(store_db(st)) == 1 ? 1 : 0;
}

struct mark_arg {
	const struct row *row;
	const char *state;	/* "done", "pending", "failed" */
	int attempts;
	int64_t next;
	int64_t now;
	const char *error;
};

/* Records an attempt; a done acknowledgment also sets ack_sent_at, in
 * the same transaction. */
static int
mark_tx(struct store *st, void *arg, struct npserr *err)
{
	struct mark_arg *m = arg;
	sqlite3_stmt *s;
	bool done = strcmp(m->state, "done") == 0;
	int rc;

	s = store_db_prepare(st, "UPDATE followups SET state = ?2, attempts"
	    " = ?3, next_attempt_at = ?4, last_error = ?5, done_at = ?6"
	    " WHERE id = ?1", err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, m->row->id);
	sqlite3_bind_text(s, 2, m->state, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, m->attempts);
	sqlite3_bind_int64(s, 4, m->next);
	if (m->error != NULL)
		sqlite3_bind_text(s, 5, m->error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 5);
	sqlite3_bind_int64(s, 6, done ? m->now : 0);
	rc = sqlite3_step(s);
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot record follow-up"
		    " %lld", (long long)m->row->id);
	if (!done || m->row->kind != FOLLOWUP_ACK)
		return 0;
	s = store_db_prepare(st, "UPDATE surveys SET ack_sent_at = ?2 WHERE"
	    " id = ?1", err);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, m->row->survey_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, m->now);
	rc = sqlite3_step(s);
	store_db_done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, err, "cannot record the"
		    " acknowledgment of survey %s", m->row->survey_id);
	return 0;
}

/* --- building the mails --------------------------------------------- */

/* The safe values a template may use. Owned by the struct. */
struct values {
	struct buf customer, ticket, agent, team, channel, comment, when,
	    score, max, category, survey, type;
};

static void
values_make(const struct config *cf, const struct answer *a,
    struct values *v)
{
	char when[40];

	memset(v, 0, sizeof(*v));
	text_value(cf, answer_customer(a), FIELD_MAX, false, &v->customer);
	text_value(cf, a->sv.ticket, FIELD_MAX, false, &v->ticket);
	text_value(cf, a->sv.agent, FIELD_MAX, false, &v->agent);
	text_value(cf, a->sv.team, FIELD_MAX, false, &v->team);
	text_value(cf, a->sv.channel, FIELD_MAX, false, &v->channel);
	text_value(cf, a->comment, COMMENT_MAX, true, &v->comment);
	format_when(when, sizeof(when), a->received_at);
	buf_puts(&v->when, when);
	buf_printf(&v->score, "%d", a->score);
	buf_printf(&v->max, "%d", nps_score_max(a->sv.type));
	buf_puts(&v->category, a->cat != NPS_NONE ?
	    nps_category_name(a->cat) : "");
	buf_puts(&v->survey, a->sv.id);
	buf_puts(&v->type, nps_type_name(a->sv.type));
}

static void
values_clear(struct values *v)
{
	buf_free(&v->customer);
	buf_free(&v->ticket);
	buf_free(&v->agent);
	buf_free(&v->team);
	buf_free(&v->channel);
	buf_free(&v->comment);
	buf_free(&v->when);
	buf_free(&v->score);
	buf_free(&v->max);
	buf_free(&v->category);
	buf_free(&v->survey);
	buf_free(&v->type);
}

/* Empty values read "-" in the text, so that a line never dangles. */
static const char *
shown(const struct buf *b)
{
	return b->len > 0 ? buf_cstr(b) : "-";
}

/* The comment, each line indented, or "-". */
static void
comment_block(const struct buf *c, struct buf *out)
{
	size_t i;

	if (c->len == 0 || !has_text(buf_cstr(c))) {
		buf_puts(out, "  -");
		return;
	}
	buf_puts(out, "  ");
	for (i = 0; i < c->len; i++) {
		buf_putc(out, c->data[i]);
		if (c->data[i] == '\n' && i + 1 < c->len)
			buf_puts(out, "  ");
	}
	while (out->len > 0 && out->data[out->len - 1] == '\n')
		buf_truncate(out, out->len - 1);
}

/* The head of every mail: From, To, Date, and a Message-ID that a
 * retry repeats. */
static void
mail_head(struct buf *msg, const struct followup_ctx *ctx,
    const struct row *r, const char *to)
{
	const struct config *cf = ctx->cf;

	header_from(msg, cf);
	followup_header(msg, "To", to);
	header_date(msg, ctx->now);
	buf_printf(msg, "Message-ID: <npsgate.%s.%s.%lld@%s>\n",
	    kind_names[r->kind], r->survey_id, (long long)r->created_at,
	    cf->reply_domain);
}

/* The rest of every mail, after its own headers: Auto-Submitted (RFC
 * 3834), the subject, and the body as QP; both from template t with
 * fields filled in. */
static void
mail_finish(struct buf *msg, const char *auto_submitted,
    const struct template *t, const struct field *fields)
{
	struct buf subject = BUF_INIT, body = BUF_INIT;

	template_fill(t->subject.data, t->subject.len, fields, &subject);
	template_fill(t->body.data, t->body.len, fields, &body);
	buf_printf(msg, "Auto-Submitted: %s\n"
	    "X-Auto-Response-Suppress: All\n", auto_submitted);
	followup_header(msg, "Subject", buf_cstr(&subject));
	buf_puts(msg, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n");
	mime_qp_encode(body.data, body.len, false, msg);
	if (msg->len > 0 && msg->data[msg->len - 1] != '\n')
		buf_putc(msg, '\n');
	buf_free(&subject);
	buf_free(&body);
}

/* Hands msg to sendmail for one recipient; from is the envelope
 * sender. */
static int
mail_send(const struct config *cf, const char *from, const char *to,
    const struct buf *msg, struct npserr *err)
{
	const char *rcpt[1] = { to };

	return sendmail_send(cf->sendmail, from, rcpt, 1, msg->data,
	    msg->len, FOLLOWUP_SENDMAIL_TIMEOUT * 1000, err);
}

static const char *const ack_names[] = {
	[NPS_DETRACTOR] = "ack-detractor.txt",
	[NPS_PASSIVE] = "ack-passive.txt",
	[NPS_PROMOTER] = "ack-promoter.txt",
};

static int
ack_build(const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, const char *to, struct buf *msg, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct template t;
	struct values v;
	char tok[TOKEN_LEN + 1];

	if (token_issue_for(ctx->ring, a->sv.type, a->sv.id, ctx->now, NULL,
	    tok, sizeof(tok)) < 0) {
		npserr_set(err, "survey %s: cannot sign a token for the"
		    " acknowledgment's Reply-To", a->sv.id);
		return -1;
	}
	if (template_load(cf, answer_lang(cf, a), ack_names[a->cat], &t,
	    err) < 0)
		return -1;
	values_make(cf, a, &v);
	{
		const struct field f[] = {
			{ "score", buf_cstr(&v.score) },
			{ "max", buf_cstr(&v.max) },
			{ "ticket", shown(&v.ticket) },
			{ "agent", shown(&v.agent) },
			{ "team", shown(&v.team) },
			{ NULL, NULL }
		};

		mail_head(msg, ctx, r, to);
		if (msgid_usable(a->source)) {
			buf_printf(msg, "In-Reply-To: %s\n", a->source);
			buf_printf(msg, "References: %s\n", a->source);
		}
		buf_printf(msg, "Reply-To: %s+%s@%s\n", cf->reply_local, tok,
		    cf->reply_domain);
		mail_finish(msg, "auto-replied", &t, f);
	}
	values_clear(&v);
	template_clear(&t);
	return 0;
}

static int
alert_build(const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, const char *to, struct buf *msg, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct buf comment = BUF_INIT;
	const char *lang = lang_template(cf->default_lang);
	struct template t;
	struct values v;

	if (template_load(cf, lang != NULL ? lang : "fr",
	    "alert-detractor.txt", &t, err) < 0)
		return -1;
	values_make(cf, a, &v);
	comment_block(&v.comment, &comment);
	{
		const struct field f[] = {
			{ "customer", shown(&v.customer) },
			{ "ticket", shown(&v.ticket) },
			{ "agent", shown(&v.agent) },
			{ "team", shown(&v.team) },
			{ "channel", shown(&v.channel) },
			{ "score", buf_cstr(&v.score) },
			{ "max", buf_cstr(&v.max) },
			{ "category", shown(&v.category) },
			{ "type", buf_cstr(&v.type) },
			{ "when", buf_cstr(&v.when) },
			{ "survey", buf_cstr(&v.survey) },
			{ "comment", buf_cstr(&comment) },
			{ NULL, NULL }
		};

		mail_head(msg, ctx, r, to);
		mail_finish(msg, "auto-generated", &t, f);
	}
	values_clear(&v);
	buf_free(&comment);
	template_clear(&t);
	return 0;
}

/* The JSON object on the alert command's stdin, one line; the comment
 * cleaned as NPS_COMMENT is. */
static void
alert_json(const struct answer *a, struct buf *out)
{
	struct buf comment = BUF_INIT;
	char when[40];
	int n = 0;

	sendmail_env_clean(&comment, a->comment, SENDMAIL_COMMENT_MAX, true);
	format_when(when, sizeof(when), a->received_at);
	buf_putc(out, '{');
	json_member_str(out, &n, "survey_id", a->sv.id);
	json_member_str(out, &n, "type", nps_type_name(a->sv.type));
	json_member_int(out, &n, "score", a->score);
	json_member_int(out, &n, "max", nps_score_max(a->sv.type));
	json_member_str(out, &n, "category", nps_category_name(a->cat));
	json_member_str(out, &n, "customer", answer_customer(a));
	json_member_str(out, &n, "ticket", a->sv.ticket);
	json_member_str(out, &n, "agent", a->sv.agent);
	json_member_str(out, &n, "team", a->sv.team);
	json_member_str(out, &n, "channel", a->sv.channel);
	json_member_str(out, &n, "reason", a->sv.reason);
	json_member_str(out, &n, "priority", a->sv.priority);
	if (a->comment != NULL)
		json_member_strn(out, &n, "comment", buf_cstr(&comment),
		    comment.len);
	else
		json_member_null(out, &n, "comment");
	json_member_int(out, &n, "received_at", a->received_at);
	json_member_str(out, &n, "received", when);
	buf_puts(out, "}\n");
	buf_free(&comment);
}

/* --- one attempt ---------------------------------------------------- */

enum attempt_result {
	ATTEMPT_DONE,
	ATTEMPT_FAILED,		/* try again later */
	ATTEMPT_REFUSED		/* will never be allowed: stop */
};

/* The acknowledgment to the customer, unless the address takes no
 * automatic reply (any more). */
static enum attempt_result
ack_attempt(const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct buf msg = BUF_INIT;
	const char *to = answer_customer(a);
	enum attempt_result res = ATTEMPT_FAILED;
	int u;

	if (followup_address_refused(cf, to)) {
		npserr_set(err, "not sent: <%.100s> takes no automatic"
		    " reply", to != NULL ? to : "");
		return ATTEMPT_REFUSED;
	}
	if ((u = store_is_unsubscribed(ctx->store, to, err)) != 0) {
		if (u < 0)
			return ATTEMPT_FAILED;
		npserr_set(err, "not sent: <%.100s> has unsubscribed", to);
		return ATTEMPT_REFUSED;
	}
	if (a->cat == NPS_NONE) {
		npserr_set(err, "not sent: the response has no score");
		return ATTEMPT_REFUSED;
	}
	if (ack_build(ctx, a, r, to, &msg, err) == 0 &&
	    mail_send(cf, "<>", to, &msg, err) == 0)
		res = ATTEMPT_DONE;
	buf_free(&msg);
	return res;
}

/* The alert mail to the team, the channel or the default address. */
static enum attempt_result
alert_mail_attempt(const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct buf msg = BUF_INIT;
	const char *to;
	enum attempt_result res = ATTEMPT_FAILED;

	if ((to = alert_address(cf, a)) == NULL) {
		npserr_set(err, "not sent: no alert_to configured any more");
		return ATTEMPT_REFUSED;
	}
	if (alert_build(ctx, a, r, to, &msg, err) == 0 &&
	    mail_send(cf, cf->reply_address, to, &msg, err) == 0)
		res = ATTEMPT_DONE;
	buf_free(&msg);
	return res;
}

/* The alert command, with the answer in its environment and, as JSON,
 * on its standard input. */
static enum attempt_result
alert_command_attempt(const struct followup_ctx *ctx,
    const struct answer *a, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct sendmail_alert al;
	struct buf json = BUF_INIT;
	enum attempt_result res = ATTEMPT_FAILED;

	if (cf->alert_command == NULL || cf->alert_command[0] == '\0') {
		npserr_set(err, "not run: no alert_command configured any"
		    " more");
		return ATTEMPT_REFUSED;
	}
	alert_json(a, &json);
	memset(&al, 0, sizeof(al));
	al.survey_id = a->sv.id;
	al.score = a->score;
	al.category = nps_category_name(a->cat);
	al.customer = answer_customer(a);
	al.ticket = a->sv.ticket;
	al.agent = a->sv.agent;
	al.team = a->sv.team;
	al.channel = a->sv.channel;
	al.comment = a->comment;
	if (sendmail_alert_run(cf->alert_command, &al, json.data, json.len,
	    cf->alert_timeout * 1000, err) == 0)
		res = ATTEMPT_DONE;
	buf_free(&json);
	return res;
}

/* Runs the action of row r; err says why when it did not succeed. */
static enum attempt_result
attempt(const struct followup_ctx *ctx, const struct row *r,
    struct npserr *err)
{
	struct answer a;
	enum attempt_result res = ATTEMPT_FAILED;

	if (r->response_id == 0 || answer_load(ctx->store, NULL, NULL,
	    r->response_id, &a, err) != 1) {
		npserr_set(err, "not sent: the response is no longer in the"
		    " store");
		return ATTEMPT_REFUSED;
	}
	switch (r->kind) {
	case FOLLOWUP_ACK:
		res = ack_attempt(ctx, &a, r, err);
		break;
	case FOLLOWUP_ALERT_MAIL:
		res = alert_mail_attempt(ctx, &a, r, err);
		break;
	case FOLLOWUP_ALERT_COMMAND:
		res = alert_command_attempt(ctx, &a, err);
		break;
	}
	answer_clear(&a);
	return res;
}

/* Tries row r (claimed by this process) and records the outcome. */
static int
attempt_and_record(const struct followup_ctx *ctx, const struct row *r,
    struct followup_report *rep, struct npserr *err)
{
	struct npserr why;
	struct mark_arg m;
	enum attempt_result res;

	npserr_clear(&why);
	res = attempt(ctx, r, &why);
	memset(&m, 0, sizeof(m));
	m.row = r;
	m.attempts = r->attempts + 1;
	m.now = (int64_t)ctx->now;
	switch (res) {
	case ATTEMPT_DONE:
		m.state = "done";
		m.next = 0;
		rep->done++;
		msg_info("followup: survey %s: %s done (attempt %d)",
		    r->survey_id, kind_words[r->kind], m.attempts);
		break;
	case ATTEMPT_REFUSED:
		m.state = "failed";
		m.next = 0;
		m.error = why.msg;
		rep->skipped++;
		msg_info("followup: survey %s: %s %s", r->survey_id,
		    kind_words[r->kind], why.msg);
		break;
	case ATTEMPT_FAILED:
		m.error = why.msg;
		if (m.attempts >= FOLLOWUP_MAX_ATTEMPTS) {
			m.state = "failed";
			m.next = 0;
			rep->gave_up++;
			msg_error("followup: survey %s: %s failed %d times,"
			    " given up: %s", r->survey_id, kind_words[r->kind],
			    m.attempts, why.msg);
		} else {
			m.state = "pending";
			m.next = m.now + followup_backoff(m.attempts);
			rep->failed++;
			msg_warn("followup: survey %s: %s failed (attempt %d),"
			    " retry in %lld s: %s", r->survey_id,
			    kind_words[r->kind], m.attempts,
			    (long long)(m.next - m.now), why.msg);
		}
		break;
	}
	return store_db_write(ctx->store, mark_tx, &m, err) < 0 ? -1 : 0;
}

/* --- the entry points ----------------------------------------------- */

/* Looks up the processed row: 1 and the survey id when it was a
 * response tied to a survey, 0 otherwise, -1 on error. */
static int
processed_response(struct store *st, const char *msg_key,
    char sid[TOKEN_ID_LEN + 1], struct npserr *err)
{
	sqlite3_stmt *s;
	const char *kind, *id;
	int rc, r = 0;

	s = store_db_prepare(st, "SELECT kind, survey_id FROM processed"
	    " WHERE msg_key = ?1", err);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, msg_key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		kind = (const char *)sqlite3_column_text(s, 0);
		id = (const char *)sqlite3_column_text(s, 1);
		if (kind != NULL && strcmp(kind, "response") == 0 &&
		    id != NULL && strlen(id) == TOKEN_ID_LEN) {
			memcpy(sid, id, TOKEN_ID_LEN + 1);
			r = 1;
		}
	} else if (rc != SQLITE_DONE) {
		r = store_db_fail(st, rc, err, "cannot look up message %.100s",
		    msg_key);
	}
	store_db_done(s);
	return r;
}

/* Queues and tries one action of a new answer. */
static int
start(const struct followup_ctx *ctx, const struct answer *a,
    enum followup_kind kind, struct followup_report *rep,
    struct npserr *err)
{
	struct row r;
	struct claim_arg c;
	int got;

	memset(&r, 0, sizeof(r));
	memcpy(r.survey_id, a->sv.id, sizeof(r.survey_id));
	r.kind = kind;
	r.response_id = a->response_id;
	r.created_at = (int64_t)ctx->now;
	c.row = &r;
	c.until = (int64_t)ctx->now + lease(ctx->cf);
	if ((got = store_db_write(ctx->store, claim_new_tx, &c, err)) < 0)
		return -1;
	if (got == 0) {
		msg_debug("followup: survey %s: %s queued before",
		    a->sv.id, kind_words[kind]);
		return 0;
	}
	r.next_attempt_at = c.until;
	return attempt_and_record(ctx, &r, rep, err);
}

/* 1 when the survey had a scored response before a's, 0 if not, -1. */
static int
answered_before(struct store *st, const struct answer *a, struct npserr *err)
{
	sqlite3_stmt *s;
	int rc, r;

	s = store_db_prepare(st, "SELECT count(*) FROM responses WHERE"
	    " survey_id = ?1 AND id < ?2 AND score IS NOT NULL", err);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, a->sv.id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, a->response_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = sqlite3_column_int64(s, 0) > 0 ? 1 : 0;
	else
		r = store_db_fail(st, rc, err, "cannot read the responses to"
		    " survey %s", a->sv.id);
	store_db_done(s);
	return r;
}

/*
 * Why no acknowledgment is due for a, or NULL when one is. Only the
 * survey's first scored answer is considered: one that came with a
 * comment needs no thanks later either.
 */
static const char *
ack_refusal(const struct followup_ctx *ctx, const struct answer *a,
    struct npserr *err, int *failed)
{
	const struct config *cf = ctx->cf;
	int u;

	*failed = 0;
	if (!cf->ack)
		return "off ([followup] ack)";
	if (!cf->channel[answer_channel(a)].ack)
		return "off for the channel";
	if (has_text(a->comment))
		return "the answer has a comment";
	if ((u = answered_before(ctx->store, a, err)) != 0) {
		*failed = u < 0;
		return "not the survey's first answer";
	}
	if (followup_address_refused(cf, answer_customer(a)))
		return "the address takes no automatic reply";
	if ((u = store_is_unsubscribed(ctx->store, answer_customer(a),
	    err)) != 0) {
		*failed = u < 0;
		return "the customer unsubscribed";
	}
	return NULL;
}

/*
 * nothing_configured - true when no answer can start a follow-up: no
 * acknowledgment and no detractor alert (no address for any channel or
 * team, no command). The store is then not read at all.
 */
static bool
nothing_configured(const struct config *cf)
{
	size_t c;

	if (cf->ack || cf->n_team_alert_to > 0 ||
	    (cf->alert_to != NULL && cf->alert_to[0] != '\0') ||
	    (cf->alert_command != NULL && cf->alert_command[0] != '\0'))
		return false;
	for (c = 0; c < CHANNEL_COUNT; c++)
		if (cf->channel[c].alert_to != NULL &&
		    cf->channel[c].alert_to[0] != '\0')
			return false;
	return true;
}

/* followup_after_ingest - see followup.h. */
int
followup_after_ingest(const struct followup_ctx *ctx, const char *msg_key,
    struct followup_report *rep, struct npserr *err)
{
	struct followup_report dummy;
	char sid[TOKEN_ID_LEN + 1];
	struct answer a;
	const char *why;
	int r, failed;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (msg_key == NULL || msg_key[0] == '\0' ||
	    nothing_configured(ctx->cf))
		return 0;
	if ((r = processed_response(ctx->store, msg_key, sid, err)) <= 0)
		return r;
	/* A comment-only follow-up has no response row of its own. */
	if ((r = answer_load(ctx->store, sid, msg_key, 0, &a, err)) <= 0)
		return r;
	if (a.score < 0) {
		answer_clear(&a);
		return 0;
	}
	r = 0;
	why = ack_refusal(ctx, &a, err, &failed);
	if (failed)
		r = -1;
	else if (why != NULL)
		msg_debug("followup: survey %s: no acknowledgment: %s",
		    a.sv.id, why);
	else if (start(ctx, &a, FOLLOWUP_ACK, rep, err) < 0)
		r = -1;
	if (r == 0 && followup_is_alert_score(ctx->cf, a.sv.type, a.score)) {
		if (alert_address(ctx->cf, &a) != NULL &&
		    start(ctx, &a, FOLLOWUP_ALERT_MAIL, rep, err) < 0)
			r = -1;
		if (r == 0 && ctx->cf->alert_command != NULL &&
		    ctx->cf->alert_command[0] != '\0' &&
		    start(ctx, &a, FOLLOWUP_ALERT_COMMAND, rep, err) < 0)
			r = -1;
	}
	answer_clear(&a);
	return r;
}

/* followup_next_due - see followup.h; the index followups_due answers. */
int
followup_next_due(struct store *st, int64_t *at, struct npserr *err)
{
	sqlite3_stmt *s;
	int rc, r;

	*at = 0;
	s = store_db_prepare(st, "SELECT min(next_attempt_at) FROM followups"
	    " WHERE state = 'pending'", err);
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r = sqlite3_column_type(s, 0) == SQLITE_NULL ? 0 : 1;
		if (r == 1)
			*at = sqlite3_column_int64(s, 0);
	} else {
		r = store_db_fail(st, rc, err, "cannot read the follow-up"
		    " queue");
	}
	store_db_done(s);
	return r;
}

/* followup_retry_due - see followup.h. Rows are read first, then each
 * is claimed (a conditional UPDATE, so that two processes never try the
 * same one at once) and tried. */
int
followup_retry_due(const struct followup_ctx *ctx,
    struct followup_report *rep, struct npserr *err)
{
	struct followup_report dummy;
	struct row *rows = NULL;
	sqlite3_stmt *s;
	size_t n = 0, i;
	int rc, r = 0, got;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	s = store_db_prepare(ctx->store, "SELECT id, survey_id, kind,"
	    " response_id, attempts, created_at, next_attempt_at FROM"
	    " followups WHERE state = 'pending' AND next_attempt_at <= ?1"
	    " ORDER BY next_attempt_at, id LIMIT ?2", err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)ctx->now);
	sqlite3_bind_int(s, 2, FOLLOWUP_RETRY_BATCH);
	rows = xcalloc(FOLLOWUP_RETRY_BATCH, sizeof(*rows));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n <
	    FOLLOWUP_RETRY_BATCH) {
		const char *sid = (const char *)sqlite3_column_text(s, 1);
		const char *kind = (const char *)sqlite3_column_text(s, 2);
		struct row *w = &rows[n];

		if (sid == NULL || strlen(sid) != TOKEN_ID_LEN ||
		    kind_parse(kind, &w->kind) < 0)
			continue;
		w->id = sqlite3_column_int64(s, 0);
		memcpy(w->survey_id, sid, TOKEN_ID_LEN + 1);
		w->response_id = sqlite3_column_int64(s, 3);
		w->attempts = sqlite3_column_int(s, 4);
		w->created_at = sqlite3_column_int64(s, 5);
		w->next_attempt_at = sqlite3_column_int64(s, 6);
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_db_fail(ctx->store, rc, err, "cannot list the"
		    " follow-ups due");
	store_db_done(s);
	for (i = 0; r == 0 && i < n; i++) {
		struct claim_arg c = { &rows[i], (int64_t)ctx->now +
		    lease(ctx->cf) };

		if ((got = store_db_write(ctx->store, claim_due_tx, &c,
		    err)) < 0) {
			r = -1;
			break;
		}
		if (got == 0)
			continue;
		rows[i].next_attempt_at = c.until;
		if (attempt_and_record(ctx, &rows[i], rep, err) < 0)
			r = -1;
	}
	free(rows);
	return r;
}
