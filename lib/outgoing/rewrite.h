/*
 * rewrite.h - expand [InsertSatisfactionEvaluation] in a whole message.
 *
 * SYNOPSIS
 *	tpl = widget_templates_load(cf->templates_dir, &err);
 *	struct widget_request req = { SURVEY_NPS, STYLE_STARS, "fr",
 *	    token, "nps+TOKEN@reply.example" };
 *	rewrite_message(cf, tpl, &req, msg, len, &res, &err);
 *	if (res.changed) ... res.body, res.content_type, res.cte ...
 *	rewrite_result_clear(&res);
 *
 * DESCRIPTION
 *	Finds every tag (cf->tag) in the decoded text of text/html and
 *	text/plain parts anywhere in the MIME tree, whatever their transfer
 *	encoding and charset, and replaces it with the widget (HTML parts)
 *	or its short text version (plain parts); with req->token == NULL
 *	(no survey) the tag is removed cleanly instead. A changed part is
 *	re-encoded in its own encoding and charset, or in UTF-8 when its
 *	charset cannot hold the widget (quoted-printable, or base64 for a
 *	base64 part), with its headers changed to match; its line ends stay
 *	as they were. Every byte outside the changed parts stays
 *	identical. Attachments (Content-Disposition: attachment) are never
 *	touched.
 *	msg is the whole message (header block + body). The result gives the
 *	new body (the bytes after the header block's blank line) and, when
 *	the top-level part itself was re-encoded, its new Content-Type and
 *	Content-Transfer-Encoding values: what a milter needs for
 *	smfi_replacebody and smfi_chgheader.
 *	The tag may carry facts as attributes, [InsertSatisfactionEvaluation
 *	ticket="123" agent="jdoe"]: the whole tag is replaced or removed,
 *	and res.facts holds the first one's attributes (see rewrite_attr.c
 *	for the syntax). In HTML, a tag where text cannot be (an attribute
 *	value, a comment, <script>, <style>) and an unclosed tag are
 *	removed, never expanded (with a survey, a '-' takes its place, so
 *	that the text around cannot join into a tag); res.warn says so in
 *	one line.
 *	A message that cannot be read safely (bad MIME) is left unchanged
 *	with res.malformed set and res.reason saying why: never an error.
 *	-1 is returned only for internal failures (templates missing ...).
 */
#ifndef NPSGATE_REWRITE_H
#define NPSGATE_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "outgoing/widget.h"
#include "survey/nps.h"

/*
 * The facts a tag may carry, [InsertSatisfactionEvaluation ticket="123"
 * agent="jdoe" ...]: the X-NPS-* suffixes, in the order of enum
 * rules_field, then status. An absent or unusable value is NULL.
 */
enum rewrite_fact {
	REWRITE_FACT_TICKET = 0,
	REWRITE_FACT_AGENT,
	REWRITE_FACT_TEAM,
	REWRITE_FACT_CHANNEL,
	REWRITE_FACT_REASON,
	REWRITE_FACT_PRIORITY,
	REWRITE_FACT_LANG,
	REWRITE_FACT_SURVEY,
	REWRITE_FACT_STATUS
};
#define REWRITE_FACT_COUNT 9

struct rewrite_facts {
	char *v[REWRITE_FACT_COUNT];	/* UTF-8, owned; NULL: absent */
	bool found;		/* a tag carried attributes */
};

struct rewrite_result {
	bool changed;
	bool malformed;		/* left alone: see reason */
	int tags;		/* tags replaced or removed */
	int expanded;		/* of them, those that take the widget (or
				 * would, without a survey): closed, and in
				 * an HTML part where text may be */
	int stuck;		/* tags seen where they can be neither
				 * replaced nor removed (a UTF-16 part,
				 * broken base64...): the mail must not go
				 * out as it is */
	struct rewrite_facts facts;	/* of the first tag with attributes:
					 * in an HTML part, else in a text
					 * part */
	struct buf warn;	/* one log line of warnings, or empty */
	struct buf body;	/* new body when changed */
	char *content_type;	/* new top-level value, NULL: unchanged */
	char *cte;		/* new top-level value, NULL: unchanged */
	char reason[256];
};

int rewrite_message(const struct config *cf,
    const struct widget_templates *tpl, const struct widget_request *req,
    const char *msg, size_t len, struct rewrite_result *out,
    struct npserr *err);
/* Every occurrence of text (the agent's opt-out marker, say) removed
 * from the text parts, as the tag is without a survey; res.tags counts
 * them. */
int rewrite_message_remove(const struct config *cf, const char *text,
    const char *msg, size_t len, struct rewrite_result *out,
    struct npserr *err);
void rewrite_result_clear(struct rewrite_result *res);
/*
 * rewrite_message_raw - the last resort for what rewrite_message could
 * not reach (MIME it cannot read, an attachment, a part it leaves alone):
 * every tag that stands literally in the body of msg is removed where it
 * stands, when the bytes around it can be edited as they are: a part in
 * 7bit, 8bit or binary, in an ASCII-compatible charset, outside signed or
 * encrypted content, and no line turned into a boundary. When the MIME
 * cannot be read, the part is found from the nearest "--" line followed
 * by header fields, else the message's own header. res.tags counts the
 * tags removed and res.stuck those left (then res.reason says where the
 * first is); res.body is the new body when res.changed. Returns 0.
 */
int rewrite_message_raw(const struct config *cf, const char *msg,
    size_t len, struct rewrite_result *out, struct npserr *err);
/* Whether the n bytes at p hold the survey tag as it is typed. */
bool rewrite_has_raw_tag(const struct config *cf, const char *p, size_t n);
/* "ticket", "agent" ... "status": the attribute's name. */
const char *rewrite_fact_name(enum rewrite_fact f);
void rewrite_facts_clear(struct rewrite_facts *f);
/* Offset of the body (after the header block's blank line) in msg. */
size_t rewrite_body_offset(const char *msg, size_t len);
/* Appends the whole new message to out: msg's header block with the
 * top-level Content-Type / Content-Transfer-Encoding of res applied, then
 * res->body; msg itself when res->changed is false. */
void rewrite_message_assemble(const char *msg, size_t len,
    const struct rewrite_result *res, struct buf *out);

#endif
