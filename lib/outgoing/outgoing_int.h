/*
 * outgoing_int.h - what the pieces of outgoing_process share (not a public
 * interface): the job of one message, where a step leaves it, and the
 * functions each piece gives the others.
 *
 *	outgoing.c		the steps of outgoing_process, in order
 *	outgoing_helpdesk.c	what the help desk tells: the tag's facts,
 *				its own headers' facts, the agent's opt-out
 *				marker, whether the mail closes the ticket
 *	outgoing_result.c	the result: header edits, the survey or
 *				event row, the summary, no raw tag in what
 *				leaves; its fallback and its release
 *	outgoing_commit.c	after the decision: the row written (once
 *				more when the throttle refused it), or the
 *				mail untagged
 */
#ifndef NPSGATE_OUTGOING_INT_H
#define NPSGATE_OUTGOING_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "outgoing/outgoing.h"
#include "outgoing/rewrite.h"
#include "outgoing/rules.h"
#include "outgoing/widget.h"
#include "survey/token.h"

/*
 * One message on its way through outgoing_process: what the rules read,
 * the widget request, and the rewrites without a token and with one.
 */
struct job {
	const struct outgoing_ctx *ctx;
	const struct outgoing_input *in;
	struct outgoing_result *out;
	struct npserr *err;
	struct rules_input ri;
	struct rules_decision dec;
	struct widget_request req;
	bool literal;			/* the tag as typed in the raw bytes */
	struct rewrite_result rw0;	/* without a token: the tags removed */
	struct rewrite_result rw1;	/* with the survey's token */
	struct token tok;
	struct buf reply;		/* LOCAL+TOKEN@DOMAIN */
	char *message_id;
	char *lang;			/* the widget's: of lang_codes */
	char lang_note[96];		/* why it is not the one asked for */
	char *status;			/* the ticket's status */
	const char *msg;		/* what the passes read: in's msg, */
	size_t len;			/* or msg2 */
	struct buf msg2;		/* in's without the opt-out marker */
	bool marker;			/* the agent typed the marker */
};

/* Where a step leaves the job. */
enum job_next {
	JOB_ON,		/* on to the next step */
	JOB_DONE,	/* *out is complete */
	JOB_PLAIN,	/* no tag where it counts */
	JOB_FAILED	/* an internal failure, err says which */
};

/* outgoing.c: the rules' view of in (caller clears ri). */
void outgoing_rules_input(struct rules_input *ri, const struct config *cf,
    const struct outgoing_input *in);
/* The rewrite without a token, which removes the tags and reads their
 * facts: JOB_PLAIN when there is none where it counts. */
enum job_next job_remove_tags(struct job *j);

/* outgoing_helpdesk.c: the tag's facts f fill what the headers left
 * unset (f's strings taken). */
void job_apply_facts(struct job *j, struct rewrite_facts *f);
/* Step 1b: the agent's opt-out marker found and removed. */
enum job_next job_find_marker(struct job *j);
/* Step 1c: a mail that does not close the ticket loses its tags. */
enum job_next job_check_closing(struct job *j);

/* outgoing_result.c: the removals of every prefixed header; they start
 * res's edits (res->n_strip). */
void outgoing_strip_edits(const struct config *cf,
    const struct outgoing_input *in, struct outgoing_result *res);
/* The first Message-ID, trimmed, or NULL; caller frees. */
char *outgoing_message_id(const struct outgoing_input *in);
/* The top-level Content-Type / Content-Transfer-Encoding rw asks for. */
void outgoing_content_edits(struct outgoing_result *res,
    const struct outgoing_input *in, const struct rewrite_result *rw);
/* rw's body becomes res's. */
void outgoing_take_body(struct outgoing_result *res,
    struct rewrite_result *rw);
/* True when in carries a queue id of Postfix's making. */
bool outgoing_queue_id(const struct outgoing_input *in);
/* A result without a survey: the verdict dec for an event row. */
void outgoing_no_survey(struct outgoing_result *res,
    const struct rules_input *ri, const char *message_id,
    const struct rules_decision *dec);
/* A result with the survey of j: body, headers, row, hold, summary. */
void outgoing_survey_result(struct job *j);
/* The tags that would leave raw in res removed where they stand, res's
 * body changed to match; stuck: those the rewrite already could not
 * reach. Returns how many stay (why says where the first is). */
int outgoing_raw_tags(const struct config *cf,
    const struct outgoing_input *in, struct outgoing_result *res, int stuck,
    char *why, size_t whylen);
/* Step 4: no tag leaves raw; JOB_FAILED (err set) when one would. */
enum job_next job_raw_tags(struct job *j, enum job_next next);

#endif
