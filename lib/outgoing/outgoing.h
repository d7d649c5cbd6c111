/*
 * outgoing.h - the whole transformation of one outgoing mail, shared by
 * npsgate-milter and `npsgate rewrite`.
 *
 * SYNOPSIS
 *	struct outgoing_ctx ctx = { cf, ring, tpl };
 *	struct outgoing_input in = { hdrs, n_hdrs, rcpts, n_rcpts, msg, len,
 *	    oversized, queue_id, now, NULL, -1 };
 *	r = outgoing_process(&ctx, store_or_NULL, &in, &res, &err);
 *	if (r == 0 && outgoing_commit(store, &res, &err) < 0)
 *		outgoing_fallback(&ctx, &in, &res);	(strip only)
 *	... apply res.edits, res.body, res.hold ...
 *	outgoing_result_clear(&res);
 *
 * DESCRIPTION
 *	outgoing_process() takes the headers as collected (name and raw
 *	value, as a milter receives them), the envelope recipients and the
 *	whole message bytes, and decides:
 *	  - whatever happens, every header whose name starts with
 *	    cf->header_prefix (any case, every occurrence) is removed: they
 *	    are the help desk's internal notes;
 *	  - a message without the tag (cf->tag, in the decoded text parts)
 *	    is otherwise left alone: its body is not replaced;
 *	  - with the tag, rules_decide() says whether to survey. A survey
 *	    gets a token, the widget (rewrite_message), Reply-To:
 *	    LOCAL+TOKEN@DOMAIN, List-Unsubscribe (see below), the top-level
 *	    Content-Type / Content-Transfer-Encoding the rewrite asks for, a
 *	    survey row to write (status sent, or held with due_at when the
 *	    channel delays its surveys; the caller then holds the mail).
 *	    No survey: the tag is removed and an event row is to be written.
 *	  - the tag's attributes fill what the X-NPS-* headers leave unset;
 *	    a header that is empty, "-" or an unreplaced placeholder is
 *	    unset (rules_value_unset). The agent's opt-out marker ([rules]
 *	    optout_marker) typed in a mail with the tag is removed and
 *	    makes it an opt-out. out->warning says, in one line, what was
 *	    wrong with the tags (the milter logs it).
 *	List-Unsubscribe is <mailto:LOCAL+TOKEN@DOMAIN?subject=unsubscribe>,
 *	which the reply hook reads as "no more surveys for me".
 *	RFC 8058 one-click needs an https URI receiving a POST, so
 *	List-Unsubscribe-Post is added only when [survey] landing_url is an
 *	https URL: List-Unsubscribe then also carries that URL with {token}
 *	replaced and {score} set to "unsubscribe", and the landing page must
 *	record the unsubscribe on the POST (never on a GET). An existing
 *	List-Unsubscribe-Post is removed otherwise, as it would no longer
 *	match.
 *	A mail to a recipient in the reply address's domain is never a
 *	survey (its token would come straight back as a reply): the
 *	prefixed headers and the tag are removed, nothing else, and no row
 *	is made. A body beyond cf->max_body (in->oversized) passes
 *	unchanged with the prefixed headers removed.
 *	The customer never reads the tag raw: a tag the rewrite could not
 *	reach (MIME it cannot read, an attachment...) is removed where it
 *	stands literally when its bytes allow (rewrite_message_raw), and
 *	out->warning says so; when one cannot be removed, the mail fails
 *	(-1, out->tag_stuck), and no survey is recorded: the caller applies
 *	its on_error.
 *	A queue id (in->queue_id) is recorded only when it has one of the
 *	forms of a Postfix queue id (queue_id_valid); a survey to be held
 *	under any other queue id fails.
 *
 *	outgoing_process() returns 0 with *out filled, or -1 with err set
 *	on an internal failure (store unreadable, rewrite or token failure);
 *	*out then holds the strip-only edits, so the caller can still
 *	deliver the message without the internal headers (on_error =
 *	accept). It never writes to the store: outgoing_commit() writes the
 *	survey or event row (one row, one transaction); a caller that cannot
 *	commit a survey row must not send the token out, and uses
 *	outgoing_fallback() to turn *out into the strip-only edits (the mail
 *	then leaves without a survey).
 *
 *	Header edits are given in the order they must be applied: removals
 *	of the same name from the last occurrence to the first, so that the
 *	occurrence numbers (1-based, per name, case-insensitive, as
 *	smfi_chgheader counts them) of those still to come do not move.
 */
#ifndef NPSGATE_OUTGOING_H
#define NPSGATE_OUTGOING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "outgoing/rewrite.h"
#include "outgoing/rules.h"
#include "store/store.h"
#include "survey/token.h"

struct outgoing_header {
	char *name;
	char *value;		/* raw, as received; may hold CRLF/LF folds */
	size_t vlen;
};

struct outgoing_ctx {
	const struct config *cf;
	const struct keyring *ring;
	const struct widget_templates *tpl;
};

struct outgoing_input {
	const struct outgoing_header *hdrs;
	size_t n_hdrs;
	char *const *rcpts;	/* envelope recipients, as given */
	size_t n_rcpts;
	const char *msg;	/* whole message: header block and body */
	size_t len;
	bool oversized;		/* body beyond max_body: strip only */
	const char *queue_id;	/* NULL when there is none (offline) */
	int64_t now;
	const char *lang;	/* overrides X-NPS-Lang; NULL: none */
	int style;		/* enum widget_style, or -1: the config's */
};

enum outgoing_op {
	OUTGOING_DELETE = 0,	/* smfi_chgheader(name, index, NULL) */
	OUTGOING_CHANGE,	/* smfi_chgheader(name, index, value) */
	OUTGOING_ADD		/* smfi_addheader(name, value) */
};

struct outgoing_edit {
	enum outgoing_op op;
	char *name;
	int index;		/* occurrence, 1-based (DELETE, CHANGE) */
	char *value;		/* CHANGE, ADD */
};

enum outgoing_kind {
	OUTGOING_PLAIN = 0,	/* no tag: prefixed headers removed only */
	OUTGOING_SURVEY,	/* widget and token */
	OUTGOING_NO_SURVEY,	/* tag removed; event row */
	OUTGOING_OVERSIZED,	/* over max_body: prefixed headers removed */
	OUTGOING_FAILED,	/* internal failure: prefixed headers removed */
	OUTGOING_REPLY_DOMAIN	/* to the reply domain: prefixed headers and
				 * the tag removed; no row */
};

struct outgoing_result {
	enum outgoing_kind kind;
	struct outgoing_edit *edits;
	size_t n_edits;
	size_t n_strip;		/* the first n_strip edits remove prefixed
				 * headers; the fallback keeps only them */
	bool body_changed;
	struct buf body;	/* new body (after the blank line) */
	bool hold;		/* put on the hold queue (delayed survey) */
	char hold_reason[128];
	struct rules_decision decision;	/* valid for SURVEY, NO_SURVEY */
	char token[TOKEN_LEN + 1];	/* "" without a survey */
	struct survey_rec survey;	/* row for SURVEY (strings owned) */
	struct event_rec event;		/* row for NO_SURVEY (strings
					 * borrowed from ev_store) */
	char *ev_store[10];
	char summary[512];	/* one log line, without the queue id */
	char warning[512];	/* the tags' problems, one log line; "" */
	bool not_closing;	/* PLAIN: the tag went, the mail is not a
				 * closing one; counted by outgoing_commit */
	int raw_removed;	/* tags the rewrite could not reach, removed
				 * where they stood (rewrite_message_raw) */
	bool tag_stuck;		/* FAILED: a tag stays where it can be
				 * neither replaced nor removed */
};

int outgoing_process(const struct outgoing_ctx *ctx, struct store *st,
    const struct outgoing_input *in, struct outgoing_result *out,
    struct npserr *err);
/* Writes the survey or event row of res (nothing for the other kinds).
 * Returns 0, -1 (err set), or STORE_THROTTLED when a survey to the same
 * recipient was written since res was decided (another mail, at the same
 * moment): nothing is written, and the caller processes the message
 * again, which now finds it throttled. */
int outgoing_commit(struct store *st, const struct outgoing_result *res,
    struct npserr *err);
/* Fills res with the removal of the prefixed headers only (kind FAILED),
 * for a caller that cannot process the message at all. */
void outgoing_strip(const struct config *cf, const struct outgoing_input *in,
    struct outgoing_result *res);
/*
 * outgoing_decide - outgoing_process, then the row written by commit (or
 * outgoing_commit when commit is NULL; nothing when st is NULL). A survey
 * whose row the throttle refused (STORE_THROTTLED: another mail to the
 * customer was written first) is decided once more, and then goes
 * throttled. Returns 0; -1 when processing failed (*out holds the
 * edits of outgoing_untag); -2 when the row could not be written (*out
 * turned into those edits too). err says why.
 */
typedef int (*outgoing_commit_fn)(struct store *st,
    const struct outgoing_result *res, void *arg, struct npserr *err);
int outgoing_decide(const struct outgoing_ctx *ctx, struct store *st,
    const struct outgoing_input *in, outgoing_commit_fn commit, void *arg,
    struct outgoing_result *out, struct npserr *err);
/* Writes the rows of n results in one transaction (one disk sync for
 * all: the milter groups the messages that end at the same time). When
 * the group cannot be written whole, each result is written on its own,
 * so that one bad row costs only its own message. Sets rc[i] to what
 * outgoing_commit returned for res[i] and, for -1, errs[i]. */
void outgoing_commit_batch(struct store *st,
    const struct outgoing_result *const *res, size_t n, int *rc,
    struct npserr *errs);
/* Reduces res to the removal of the prefixed headers (kind FAILED). */
void outgoing_fallback(struct outgoing_result *res);
/*
 * outgoing_untag - what a mail that cannot have its survey gets (kind
 * FAILED): the prefixed headers removed and, when the text holds the tag,
 * the tag removed too, so that the customer never sees it raw. The
 * rewrite that removes it reads no store and issues no token; a tag it
 * cannot reach is removed where it stands when its bytes allow, and
 * res->tag_stuck is set when one stays. Clears res first.
 */
void outgoing_untag(const struct outgoing_ctx *ctx,
    const struct outgoing_input *in, struct outgoing_result *res);
/* Writes an EVENT_ERROR row for a mail that could not be handled. */
int outgoing_error_event(struct store *st, const struct config *cf,
    const struct outgoing_input *in, const char *why, struct npserr *err);
void outgoing_result_clear(struct outgoing_result *res);

/* Splits the header block of msg into fields (name, raw value with its
 * folds, leading blanks of the value skipped, final line end dropped).
 * Caller frees with outgoing_headers_free. Returns the count. */
size_t outgoing_headers_parse(const char *msg, size_t len,
    struct outgoing_header **out);
void outgoing_headers_free(struct outgoing_header *hdrs, size_t n);
/* The message a milter would see after the edits: header block with
 * res's edits applied (untouched fields byte-identical, new fields with
 * msg's line ending), then the new or the original body. */
void outgoing_apply(const struct outgoing_result *res, const char *msg,
    size_t len, struct buf *out);
/* The header block rebuilt from collected fields ("Name: value" CRLF,
 * bare LF in folded values made CRLF, then the blank line); a milter
 * puts the body after it to give rewrite_message a whole message. */
void outgoing_headers_block(const struct outgoing_header *hdrs, size_t n,
    struct buf *out);

#endif
