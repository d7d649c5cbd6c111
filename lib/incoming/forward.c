/*
 * forward.c - which replies go on to the help desk, the mail that takes
 * them there, and its hand-over to sendmail; see forward.h.
 *
 * The mail is built once, when the reply is read, and kept in the store
 * with it: a retry hours later sends the very same bytes (the same
 * Resent-Date and Resent-Message-ID), and the message itself may be
 * filed away by then.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "incoming/forward.h"
#include "mail/sendmail.h"

/* forward_mode_of - see forward.h. */
enum forward_mode
forward_mode_of(const struct config *cf, const char *channel)
{
	enum forward_mode m;

	m = config_channel_find(cf, channel != NULL ? channel : "email")->
	    forward_to_helpdesk;
	return m == FORWARD_INHERIT ? cf->forward_to_helpdesk : m;
}

static bool
has_text(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return true;
	return false;
}

/*
 * forward_wanted - see forward.h. Only a response (or a reply its
 * expired token still ties to a survey: unmatched) is a person writing
 * about the survey's ticket; the other kinds are robots, or mail nobody
 * can tie to a ticket.
 */
bool
forward_wanted(enum forward_mode mode, enum ingest_kind kind, int score,
    const char *comment)
{
	if (kind == INGEST_UNMATCHED)
		return mode == FORWARD_NO_SCORE || mode == FORWARD_COMMENTS;
	if (kind != INGEST_RESPONSE)
		return false;
	switch (mode) {
	case FORWARD_NO_SCORE:
		return score < 0;
	case FORWARD_COMMENTS:
		return score < 0 || has_text(comment);
	default:
		return false;
	}
}

/* forward_refused - see forward.h. */
bool
forward_refused(const struct config *cf, const char *to)
{
	const char *at, *p;

	if (to == NULL || (at = strrchr(to, '@')) == NULL || at == to ||
	    at[1] == '\0' || strlen(to) > 320)
		return true;
	for (p = to; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return true;
	return cf->reply_domain != NULL &&
	    strcasecmp(at + 1, cf->reply_domain) == 0;
}

/* --- the mail ----------------------------------------------------------- */

/* RFC 5322 date in UTC, without the locale's help. */
static void
resent_date(struct buf *out, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(out, "Resent-Date: %s, %02d %s %04d %02d:%02d:%02d"
	    " +0000\n", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The fields of the last delivery and the customer's own
 * Auto-Submitted, which ours replaces. */
static bool
field_dropped(const char *name, size_t n)
{
	static const char *const names[] = { "Return-Path", "Delivered-To",
	    "X-Original-To", "Auto-Submitted", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && strncasecmp(name, names[i],
		    n) == 0)
			return true;
	return false;
}

/* Appends p[0..n) with CRLF made LF (a bare CR stays as it is). */
static void
append_lf(struct buf *out, const char *p, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			buf_append(out, p + start, i - start);
			start = i + 1;
		}
	}
	buf_append(out, p + start, n - start);
}

/* The end of the line starting at i: the index after its LF, or len. */
static size_t
line_end(const char *msg, size_t len, size_t i)
{
	const char *nl = memchr(msg + i, '\n', len - i);

	return nl != NULL ? (size_t)(nl - msg) + 1 : len;
}

/* Whether the line msg[i..e) is empty (LF or CRLF alone). */
static bool
line_blank(const char *msg, size_t i, size_t e)
{
	return e - i == 0 || (e - i == 1 && msg[i] == '\n') ||
	    (e - i == 2 && msg[i] == '\r' && msg[i + 1] == '\n');
}

/*
 * Copies the header block of msg, without the dropped fields (each with
 * its folded lines), then the blank line and the body, as they are. A
 * line that starts no field (no colon) is copied: the message is the
 * customer's, not ours to mend.
 */
static void
copy_message(const char *msg, size_t len, struct buf *out)
{
	size_t i = 0, e, n;
	const char *colon;
	bool drop = false;

	while (i < len) {
		e = line_end(msg, len, i);
		if (line_blank(msg, i, e))
			break;
		if (msg[i] != ' ' && msg[i] != '\t') {
			colon = memchr(msg + i, ':', e - i);
			n = colon != NULL ? (size_t)(colon - (msg + i)) : 0;
			drop = colon != NULL && field_dropped(msg + i, n);
		}
		if (!drop)
			append_lf(out, msg + i, e - i);
		i = e;
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_putc(out, '\n');
	buf_putc(out, '\n');
	if (i < len) {
		i = line_end(msg, len, i);
		append_lf(out, msg + i, len - i);
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_putc(out, '\n');
}

/* forward_build - see forward.h. Resent-* fields go on top, as a block,
 * before any earlier one (RFC 5322 section 3.6.6). */
void
forward_build(const struct config *cf, const char *msg, size_t len,
    const char *to, const char *id, time_t now, struct buf *out)
{
	const char *p;
	size_t n = 0;

	buf_printf(out, "Resent-From: <%s>\n", cf->reply_address);
	buf_printf(out, "Resent-To: <%s>\n", to);
	resent_date(out, now);
	/* The id's letters and digits after its last colon ("sha256:HEX"
	 * gives HEX). */
	if (id == NULL)
		id = "";
	if ((p = strrchr(id, ':')) != NULL)
		id = p + 1;
	buf_puts(out, "Resent-Message-ID: <npsgate.fwd.");
	for (p = id; *p != '\0' && n < 40; p++)
		if (isalnum((unsigned char)*p)) {
			buf_putc(out, *p);
			n++;
		}
	buf_printf(out, ".%lld@%s>\n", (long long)now, cf->reply_domain);
	buf_puts(out, "Auto-Submitted: auto-forwarded\n");
	copy_message(msg, len, out);
}

/* --- sending ------------------------------------------------------------ */

/* forward_backoff - see forward.h. */
int64_t
forward_backoff(int attempts)
{
	int64_t d = 60;

	while (--attempts > 0 && d < 6 * 3600)
		d *= 2;
	return d < 6 * 3600 ? d : 6 * 3600;
}

/* Sends one claimed row and records how it went. -1 only when the store
 * failed. */
static int
forward_send_one(const struct config *cf, struct store *st, time_t now,
    const struct forward_rec *f, struct forward_report *rep,
    struct npserr *err)
{
	const char *rcpt[1] = { f->rcpt };
	const char *sender = cf->forward_sender != NULL &&
	    cf->forward_sender[0] != '\0' ? cf->forward_sender : "<>";
	struct npserr serr;
	int64_t retry;

	if (sendmail_send(cf->sendmail, sender, rcpt, 1, f->message, f->len,
	    FORWARD_SENDMAIL_TIMEOUT * 1000, &serr) == 0) {
		msg_info("forward: message %.200s of survey %s to <%s>: sent",
		    f->msg_key, f->survey_id, f->rcpt);
		rep->sent++;
		return store_forward_sent(st, f->msg_key, (int64_t)now, err);
	}
	retry = f->attempts >= FORWARD_MAX_ATTEMPTS ? 0 :
	    (int64_t)now + forward_backoff(f->attempts);
	if (retry == 0) {
		msg_error("forward: message %.200s of survey %s to <%s>:"
		    " attempt %d failed, giving up: %s", f->msg_key,
		    f->survey_id, f->rcpt, f->attempts, serr.msg);
		rep->gave_up++;
	} else {
		msg_warn("forward: message %.200s of survey %s to <%s>:"
		    " attempt %d failed, next in %lld s: %s", f->msg_key,
		    f->survey_id, f->rcpt, f->attempts,
		    (long long)(retry - (int64_t)now), serr.msg);
		rep->failed++;
	}
	return store_forward_failed(st, f->msg_key, serr.msg, retry, err);
}

/* forward_send_due - see forward.h. A row that fails is due again only
 * later, so the loop never meets it twice. A read says first whether
 * anything is due: the hook calls this after every batch, and a claim
 * takes the write lock the milter needs too. */
int
forward_send_due(const struct config *cf, struct store *st, time_t now,
    struct forward_report *rep, struct npserr *err)
{
	struct forward_report dummy;
	struct forward_rec f;
	int64_t at;
	int i, r;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if ((r = store_forward_next_due(st, &at, err)) <= 0)
		return r;
	if (at > (int64_t)now)
		return 0;
	for (i = 0; i < FORWARD_BATCH; i++) {
		if ((r = store_forward_claim(st, (int64_t)now, FORWARD_LEASE,
		    &f, err)) <= 0)
			return r;
		r = forward_send_one(cf, st, now, &f, rep, err);
		store_forward_clear(&f);
		if (r < 0)
			return -1;
	}
	return 0;
}
