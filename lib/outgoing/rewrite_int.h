/*
 * rewrite_int.h - what the pieces of rewrite_message share (not a public
 * interface): the list of edits, the state of one rewrite, and the
 * functions each piece gives the others.
 *
 *	rewrite.c		the list of edits, the walk over the MIME
 *				tree, the new body
 *	rewrite_part.c		the steps of one text part: the tag found,
 *				the replacement in its charset, the change
 *				written as its encoding allows
 *	rewrite_raw.c		the tags the walk could not reach, removed
 *				where they stand when their bytes allow
 *	rewrite_tag.c		the tag search: in decoded text, and in
 *				quoted-printable without decoding it
 *	rewrite_attr.c		the tag with facts: its end, its
 *				attributes; the HTML context
 *	rewrite_encode.c	the re-encoding: the QP lines that hold a
 *				tag, or a whole part; the widget in a
 *				charset that lacks its characters
 *	rewrite_header.c	the header changes: one field set, the
 *				charset made utf-8
 *
 * Offsets in a struct edit are relative to the text the edits apply to:
 * the message (struct rw's medits), or the decoded text of one part.
 */
#ifndef NPSGATE_REWRITE_INT_H
#define NPSGATE_REWRITE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "mail/mime.h"
#include "outgoing/rewrite.h"

struct edit {
	size_t off, len;	/* replaced span, in the text it applies to */
	struct buf repl;
};

struct edits {
	struct edit *v;
	size_t n, cap;
};

/* Where an HTML part is, as read so far (rewrite_attr.c). */
struct rw_hctx {
	int st;
	char pend[8];		/* the bytes after '<' */
	size_t np;
	int raw;		/* 1 <script>, 2 <style> */
	int dashes;
	size_t match;
	size_t cpos;		/* bytes of the comment read, up to 3 */
	bool cond;		/* <!--[if ...]>: Outlook's condition */
	unsigned char prev;
};

struct rw {
	const struct config *cf;
	const struct widget_templates *tpl;
	const struct widget_request *req;
	const char *msg;
	size_t len;
	const char *tag;
	size_t taglen;
	size_t pfxlen;		/* the tag without its ']' */
	bool attrs;		/* the tag ends in ']': it may have attributes */
	const char *cur_cs;	/* the charset of the current part */
	struct rw_hctx hc;	/* the current HTML part's context */
	struct rewrite_facts facts_html, facts_text;
	const char *msg_eol;
	struct buf html, text;	/* rendered widgets, UTF-8, "\n" */
	bool have_html, have_text;
	struct edits medits;	/* on the message, by offset */
	struct buf dec;		/* decoded body of the current part */
	struct buf line;	/* scratch: one decoded QP logical line */
	struct rewrite_result *res;
	struct npserr *err;
	int failed;		/* -1 internal error, 1 malformed */
	bool in_place;		/* edits only where the bytes lie: a part
				 * is never encoded again (rewrite_raw.c) */
};

/* rewrite.c: the list of edits. rw_edits_add appends an edit with an
 * empty replacement; rw_edits_apply appends text (n bytes, at offset base
 * of what the edits apply to) with the edits v[0..nv) applied. */
struct edit *rw_edits_add(struct edits *e, size_t off, size_t len);
void rw_edits_free(struct edits *e);
void rw_edits_apply(const char *text, size_t n, size_t base,
    const struct edit *v, size_t nv, struct buf *out);

/* rw for one rewrite of msg into out (cleared first); rw_release frees
 * what the rewrite gathered, not out. */
void rw_init(struct rw *rw, const struct config *cf,
    const struct widget_templates *tpl, const struct widget_request *req,
    const char *msg, size_t len, const char *tag, bool attrs,
    struct rewrite_result *out, struct npserr *err);
void rw_release(struct rw *rw);
/* The survey tag of cf: [milter] tag, or the default. */
const char *rw_tag_of(const struct config *cf);
/* Whether msg starts with a header field ("Name:"). */
bool rw_starts_with_field(const char *msg, size_t len);
/* The line end of p (n bytes): that of its first line, fallback when it
 * has none. */
const char *rw_eol_of(const char *p, size_t n, const char *fallback);
/* The message is to be left unchanged: part cannot be rewritten, why. */
void rw_set_malformed(struct rw *rw, const struct mime_part *part,
    const char *why);

/* rewrite_part.c: the tags of one text/html or text/plain part replaced
 * (removed without a survey): edits on rw's medits, or the part
 * re-encoded. */
void rw_part_process(struct rw *rw, const struct mime_part *part);
/* Whether the tag can be found byte-wise in text of charset cs (not so in
 * UTF-16, UTF-32, UTF-7). */
bool rw_charset_ascii_compatible(const char *cs);
/* Whether the text of a part in such a charset shows the tag once
 * converted; counted in res->stuck and said in res->warn. */
void rw_part_wide_tag(struct rw *rw, const struct mime_part *part);

/* rewrite_tag.c: the first tag in [p, p + n), or NULL: its name, and
 * then ']' or what may start attributes (rw_tag_starts). */
const char *rw_find_tag(const struct rw *rw, const char *p, size_t n);
/* Edits that replace every tag in t (n bytes) by repl; with repl NULL (no
 * survey) the tags go, line by line, and in text a line left blank goes
 * too. Returns the number of tags. */
int rw_tag_edits(struct rw *rw, const char *t, size_t n,
    const struct buf *repl, bool text, struct edits *out);
/* The next offset at or after from where a tag starts in the QP text
 * raw (n bytes), or (size_t)-1. */
size_t rw_qp_find_tag(const struct rw *rw, const char *raw, size_t n,
    size_t from);

/* Whether every tag of the QP text raw from first on is bare. */
bool rw_qp_all_bare(const struct rw *rw, const char *raw, size_t n,
    size_t first);

/* rewrite_attr.c: whether the tag name at x in t (n bytes) starts a tag:
 * ']' or what may start attributes follows. */
bool rw_tag_starts(const struct rw *rw, const char *t, size_t n, size_t x);
/* The length of the tag at x; *closed false when it has no ']' (it then
 * runs to the end of its line). html: markup and references inside. */
size_t rw_tag_span(const struct rw *rw, const char *t, size_t n, size_t x,
    bool html, bool *closed);
/* Reads the attributes of the tag [x, x + span) of t into the empty f. */
void rw_tag_attrs(struct rw *rw, const char *t, size_t x, size_t span,
    bool html, struct rewrite_facts *f);
/* Appends a warning to the result's line. */
void rw_warn(struct rw *rw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Follows an HTML part over n more bytes of its decoded text. */
void rw_hctx_feed(struct rw_hctx *h, const char *p, size_t n);
/* NULL where text may be; else where the part is, for a warning. */
const char *rw_hctx_where(const struct rw_hctx *h);

/* rewrite_encode.c: the tags of a QP part replaced line by line, from
 * the tag at first on (repl NULL: removed); only the logical lines that
 * hold a tag change. */
void rw_qp_splice(struct rw *rw, const struct mime_part *part, size_t first,
    const struct buf *repl, bool text, const char *teol);
/* The whole part re-encoded (CTE cte) from its new decoded text newd,
 * its headers changed to match: CTE, and the charset when utf8. */
void rw_part_replace_whole(struct rw *rw, const struct mime_part *part,
    const struct buf *newd, enum mime_cte cte, bool utf8, const char *eol);
/* UTF-8 to ASCII HTML, every other character as &#N;. */
void rw_html_ascii(const char *p, size_t n, struct buf *out);
/* UTF-8 to plain ASCII: accents dropped, typographic marks made ASCII,
 * anything else '?'. */
void rw_ascii_fold(const char *p, size_t n, struct buf *out);

/* rewrite_header.c: the header block hdr copied with its first field
 * called name set to "name: value" (vlen bytes; added when absent). */
void rw_header_set(const char *hdr, size_t hlen, const char *name,
    const char *value, size_t vlen, const char *eol, struct buf *out);
/* The part's Content-Type, unfolded, with charset=utf-8, appended to out
 * (any byte of the value kept, NUL included). */
void rw_content_type_utf8(const char *msg, const struct mime_part *part,
    struct buf *out);

#endif
