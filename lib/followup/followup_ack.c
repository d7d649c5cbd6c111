/*
 * followup_ack.c - the acknowledgment: whether a customer's answer gets
 * one, and the mail that thanks them; see followup.h for the rules.
 *
 * Automatic replies go to people only (RFC 3834): never to role and robot
 * addresses, lists, our own reply address, or a customer who
 * unsubscribed; and once per survey, for its first scored answer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/lang.h"
#include "followup/followup.h"
#include "followup/followup_int.h"
#include "store/store_db.h"

/* --- who gets one ------------------------------------------------------- */

/* A character of an unquoted address: visible ASCII but the specials. */
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

/* 1 when the survey had a scored response before a's, 0 if not, -1. */
static int
answered_before(struct store *st, const struct answer *a, struct npserr *err)
{
	struct store_stmt *s;
	int rc, r;

	s = store_db_prepare(st, "SELECT count(*) FROM responses WHERE"
	    " survey_id = ?1 AND id < ?2 AND score IS NOT NULL", err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, a->sv.id);
	store_bind_int64(s, 2, a->response_id);
	rc = store_step(s);
	if (rc == STORE_ROW)
		r = store_col_int64(s, 0) > 0 ? 1 : 0;
	else
		r = store_db_fail(st, err, "cannot read the responses to"
		    " survey %s", a->sv.id);
	store_db_done(s);
	return r;
}

/*
 * followup_ack_refusal - see followup_int.h. Only the survey's first
 * scored answer is considered: one that came with a comment needs no
 * thanks later either.
 */
const char *
followup_ack_refusal(const struct followup_ctx *ctx, const struct answer *a,
    struct npserr *err, int *failed)
{
	const struct config *cf = ctx->cf;
	int u;

	*failed = 0;
	if (!cf->ack)
		return "off ([followup] ack)";
	if (!cf->channel[followup_answer_channel(a)].ack)
		return "off for the channel";
	if (followup_has_text(a->comment))
		return "the answer has a comment";
	if ((u = answered_before(ctx->store, a, err)) != 0) {
		*failed = u < 0;
		return "not the survey's first answer";
	}
	if (followup_address_refused(cf, followup_answer_customer(a)))
		return "the address takes no automatic reply";
	if ((u = store_is_unsubscribed(ctx->store,
	    followup_answer_customer(a), err)) != 0) {
		*failed = u < 0;
		return "the customer unsubscribed";
	}
	return NULL;
}


/* --- the mail ----------------------------------------------------------- */

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

/* The template language: the survey's, else the answer's, else the
 * default. */
static const char *
answer_lang(const struct config *cf, const struct answer *a)
{
	const char *d;

	if ((d = lang_template(a->sv.lang)) != NULL)
		return d;
	if ((d = lang_template(a->lang)) != NULL)
		return d;
	return (d = lang_template(cf->default_lang)) != NULL ? d : "en";
}

static const char *const ack_names[] = {
	[NPS_DETRACTOR] = "ack-detractor.txt",
	[NPS_PASSIVE] = "ack-passive.txt",
	[NPS_PROMOTER] = "ack-promoter.txt",
};

/* The acknowledgment for row r to the address to. Its Reply-To holds a
 * new token for the same survey, so that an answer to it is a comment on
 * that survey. */
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
	if (followup_template_load(cf, answer_lang(cf, a), ack_names[a->cat],
	    &t, err) < 0)
		return -1;
	followup_values_make(cf, a, &v);
	{
		const struct field f[] = {
			{ "score", buf_cstr(&v.score) },
			{ "max", buf_cstr(&v.max) },
			{ "ticket", followup_shown(&v.ticket) },
			{ "agent", followup_shown(&v.agent) },
			{ "team", followup_shown(&v.team) },
			{ NULL, NULL }
		};

		followup_mail_head(msg, ctx, r, to);
		if (msgid_usable(a->source)) {
			buf_printf(msg, "In-Reply-To: %s\n", a->source);
			buf_printf(msg, "References: %s\n", a->source);
		}
		buf_printf(msg, "Reply-To: %s+%s@%s\n", cf->reply_local, tok,
		    cf->reply_domain);
		followup_mail_finish(msg, "auto-replied", &t, f);
	}
	followup_values_clear(&v);
	followup_template_clear(&t);
	return 0;
}

/* followup_ack_attempt - the acknowledgment to the customer, unless the
 * address takes no automatic reply (any more). */
enum attempt_result
followup_ack_attempt(const struct followup_ctx *ctx, const struct answer *a,
    const struct row *r, struct npserr *err)
{
	const struct config *cf = ctx->cf;
	struct buf msg = BUF_INIT;
	const char *to = followup_answer_customer(a);
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
	    followup_mail_send(cf, "<>", to, &msg, err) == 0)
		res = ATTEMPT_DONE;
	buf_free(&msg);
	return res;
}
