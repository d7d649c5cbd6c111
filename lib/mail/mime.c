/*
 * mime.c - RFC 5322 / MIME parsing: the tree of parts; see mime.h. The
 * header fields and their parameters are read by mime_header.c.
 *
 * The parser works on offsets into the caller's bytes and never changes
 * them: a rewriter can then copy every byte outside one part verbatim.
 * Nothing here assumes NUL-terminated or valid input; every scan is bounded
 * by the length it was given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "mail/mime.h"
#include "mail/mime_int.h"

/*
 * Every multipart is searched for its delimiters from its start to its
 * end, so nested multiparts read their bytes once per level: deep nesting
 * of a big message would cost depth times its size. The bytes searched
 * are counted, and a message that would need more than
 * MIME_SCAN_FACTOR times its size plus MIME_SCAN_SLACK is refused (and
 * left alone): any nesting of a message up to a few hundred kilobytes,
 * MIME_SCAN_FACTOR levels of the biggest.
 */
#define MIME_SCAN_FACTOR 8
#define MIME_SCAN_SLACK ((size_t)64 << 20)

/* What find_delimiter returns when the search would exceed the budget. */
#define DELIM_NONE ((size_t)-1)
#define DELIM_COSTLY ((size_t)-2)

struct mime_ctx {
	const char *msg;
	size_t len;
	int parts;
	size_t scan_left;	/* bytes the delimiter search may still read */
	struct npserr *err;
};

static int parse_part(struct mime_ctx *ctx, struct mime_part *part,
    size_t start, size_t end, int depth, bool digest_child);

/* The boundary of a multipart: refused when absent, longer than
 * MIME_MAX_BOUNDARY, or not printable ASCII. RFC 2046 allows 70
 * characters, but some mailers write longer ones and every reader takes
 * them: a boundary is read whatever its length, as long as its delimiter
 * lines use it. */
static int
parse_boundary(struct mime_ctx *ctx, struct mime_part *part, const char *v,
    size_t vlen)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (!mime_param_get(v, vlen, "boundary", &b) || b.len == 0) {
		npserr_set(ctx->err, "multipart/%s at offset %zu has no "
		    "boundary parameter", part->subtype, part->hdr_off);
		buf_free(&b);
		return -1;
	}
	if (b.len >= sizeof(part->boundary)) {
		npserr_set(ctx->err, "multipart boundary at offset %zu is %zu "
		    "characters long (at most %d read)", part->hdr_off,
		    b.len, MIME_MAX_BOUNDARY);
		buf_free(&b);
		return -1;
	}
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 ||
		    (unsigned char)b.data[i] >= 0x7f)
			break;
	if (i < b.len) {
		npserr_set(ctx->err, "multipart boundary at offset %zu holds a "
		    "control or 8-bit character", part->hdr_off);
		buf_free(&b);
		return -1;
	}
	memcpy(part->boundary, b.data, b.len);
	part->boundary[b.len] = '\0';
	buf_free(&b);
	return 0;
}

/* A character of an RFC 2045 token: printable ASCII but the tspecials. */
static bool
is_token_char(char c)
{
	return c > ' ' && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/*
 * Type, subtype, charset and (multipart) boundary from a Content-Type
 * value. The value is read with every CR and LF taken out: a fold leaves
 * its blank, and a stray CR, which no line break is, is read as absent,
 * so the value reads the same once a rewriter has unfolded it. The type
 * and subtype are RFC 2045 tokens; a value that does not start with
 * "token/token" keeps text/plain (RFC 2045 5.2), whatever follows.
 */
static int
parse_content_type(struct mime_ctx *ctx, struct mime_part *part,
    const char *v, size_t vlen)
{
	struct buf u = BUF_INIT, b = BUF_INIT;
	const char *w;
	size_t i, t0, s0, s1, n;
	int r = 0;

	for (i = 0; i < vlen; i++)
		if (v[i] != '\r' && v[i] != '\n')
			buf_putc(&u, v[i]);
	w = buf_cstr(&u);
	n = u.len;
	i = mime_skip_cfws(w, n, 0);
	t0 = i;
	while (i < n && is_token_char(w[i]))
		i++;
	if (i < n && w[i] == '/' && i > t0) {
		s0 = i + 1;
		s1 = s0;
		while (s1 < n && is_token_char(w[s1]))
			s1++;
		if (s1 > s0) {
			mime_copy_lower(part->type, sizeof(part->type),
			    w + t0, i - t0);
			mime_copy_lower(part->subtype, sizeof(part->subtype),
			    w + s0, s1 - s0);
		}
	}
	if (mime_param_get(w, n, "charset", &b) && b.len > 0)
		mime_copy_lower(part->charset, sizeof(part->charset), b.data,
		    b.len);
	if (strcmp(part->type, "multipart") == 0)
		r = parse_boundary(ctx, part, w, n);
	buf_free(&b);
	buf_free(&u);
	return r;
}

/* Fills type, subtype, charset, boundary, cte and attachment. */
static int
parse_part_headers(struct mime_ctx *ctx, struct mime_part *part,
    bool digest_child)
{
	const char *hdr = ctx->msg + part->hdr_off, *v;
	size_t hlen = part->hdr_len, vlen, i;

	if (digest_child) {
		snprintf(part->type, sizeof(part->type), "message");
		snprintf(part->subtype, sizeof(part->subtype), "rfc822");
	} else {
		snprintf(part->type, sizeof(part->type), "text");
		snprintf(part->subtype, sizeof(part->subtype), "plain");
	}
	part->charset[0] = '\0';
	part->boundary[0] = '\0';
	part->cte = MIME_CTE_7BIT;
	part->attachment = false;

	if (mime_header_find_in(hdr, hlen, "Content-Type", &v, &vlen) &&
	    parse_content_type(ctx, part, v, vlen) < 0)
		return -1;
	if (mime_header_find_in(hdr, hlen, "Content-Transfer-Encoding", &v,
	    &vlen))
		part->cte = mime_cte_parse(v, vlen);
	if (mime_header_find_in(hdr, hlen, "Content-Disposition", &v, &vlen)) {
		i = mime_skip_cfws(v, vlen, 0);
		if (vlen - i >= 10 && strncasecmp(v + i, "attachment", 10) == 0)
			part->attachment = true;
	}
	return 0;
}

/* Charges n bytes of delimiter search; false when over the budget. */
static bool
scan_charge(struct mime_ctx *ctx, size_t n)
{
	if (n > ctx->scan_left) {
		ctx->scan_left = 0;
		return false;
	}
	ctx->scan_left -= n;
	return true;
}

/*
 * The rest of a delimiter line after "--boundary", at offset i: "--" for a
 * close delimiter, then blanks and the line end. Returns the offset after
 * the line, or DELIM_NONE when the line goes on ("--boundaryX": a longer
 * boundary). "--boundary--junk" closes too (RFC 2046 tolerance).
 */
static size_t
delimiter_end(const char *m, size_t i, size_t end, bool *close)
{
	const char *nl;

	*close = false;
	if (i + 1 < end && m[i] == '-' && m[i + 1] == '-') {
		*close = true;
		i += 2;
	}
	while (i < end && mime_is_wsp(m[i]))
		i++;
	if (i < end && m[i] == '\r' && i + 1 < end && m[i + 1] == '\n')
		return i + 2;
	if (i < end && m[i] == '\n')
		return i + 1;
	if (i < end && !*close)
		return DELIM_NONE;
	if (i < end) {
		nl = memchr(m + i, '\n', end - i);
		return nl ? (size_t)(nl - m) + 1 : end;
	}
	return end;
}

/*
 * Finds the next delimiter line "--boundary" at or after from, starting a
 * line, in [from, end). Returns its offset, DELIM_NONE, or DELIM_COSTLY
 * past the search budget; *close is set for "--boundary--", *next to the
 * offset after the line. from is bodystart or the start of a line.
 */
static size_t
find_delimiter(struct mime_ctx *ctx, const char *bd, size_t blen,
    size_t from, size_t end, size_t bodystart, bool *close, size_t *next)
{
	const char *m = ctx->msg, *p;
	size_t pos = from, i, after;

	/*
	 * memchr for '-' rather than memmem for the boundary: base64, the bulk
	 * of big messages, holds no '-' at all, and memchr is much faster. A
	 * delimiter starts a line, so once a line is found not to start one,
	 * the search goes on at the next line: text made of dashes costs one
	 * look per line.
	 */
	for (;;) {
		p = end - pos >= 2 ? memchr(m + pos, '-', end - pos - 1) : NULL;
		if (p == NULL)
			break;
		i = (size_t)(p - m);
		/* "--boundary" at the start of a line. */
		if ((i == bodystart || m[i - 1] == '\n') && m[i + 1] == '-' &&
		    end - i >= 2 + blen && memcmp(m + i + 2, bd, blen) == 0 &&
		    (after = delimiter_end(m, i + 2 + blen, end, close)) !=
		    DELIM_NONE) {
			*next = after;
			return scan_charge(ctx, i - from) ? i : DELIM_COSTLY;
		}
		p = memchr(m + i, '\n', end - i);
		if (p == NULL)
			break;
		pos = (size_t)(p - m) + 1;
	}
	return scan_charge(ctx, end - from) ? DELIM_NONE : DELIM_COSTLY;
}

/* Start of the line break that ends the line before offset off. */
static size_t
strip_eol_before(const char *m, size_t start, size_t off)
{
	if (off > start && m[off - 1] == '\n') {
		off--;
		if (off > start && m[off - 1] == '\r')
			off--;
	}
	return off;
}

static int
scan_refuse(struct mime_ctx *ctx, const struct mime_part *part)
{
	npserr_set(ctx->err, "multipart/%s at offset %zu: MIME structure "
	    "too costly to read (nesting too deep for the size of the "
	    "message)", part->subtype, part->hdr_off);
	return -1;
}

static int
parse_multipart(struct mime_ctx *ctx, struct mime_part *part, int depth)
{
	const char *bd = part->boundary;
	size_t blen = strlen(bd), bstart = part->body_off;
	size_t end = part->body_off + part->body_len, next, d, pstart;
	struct mime_part **tail = &part->child, *child;
	bool close = false, digest = strcmp(part->subtype, "digest") == 0;

	d = find_delimiter(ctx, bd, blen, bstart, end, bstart, &close, &next);
	if (d == DELIM_COSTLY)
		return scan_refuse(ctx, part);
	if (d == DELIM_NONE) {
		npserr_set(ctx->err, "multipart/%s at offset %zu: boundary "
		    "\"%s\" never appears in its body", part->subtype,
		    part->hdr_off, bd);
		return -1;
	}
	while (!close) {
		pstart = next;
		d = find_delimiter(ctx, bd, blen, pstart, end, bstart, &close,
		    &next);
		if (d == DELIM_COSTLY)
			return scan_refuse(ctx, part);
		if (d == DELIM_NONE) {
			npserr_set(ctx->err, "multipart/%s at offset %zu: "
			    "boundary \"%s\" is never closed", part->subtype,
			    part->hdr_off, bd);
			return -1;
		}
		child = xcalloc(1, sizeof(*child));
		*tail = child;
		tail = &child->next;
		if (parse_part(ctx, child, pstart,
		    strip_eol_before(ctx->msg, pstart, d), depth + 1,
		    digest) < 0)
			return -1;
	}
	return 0;
}

static int
parse_part(struct mime_ctx *ctx, struct mime_part *part, size_t start,
    size_t end, int depth, bool digest_child)
{
	if (depth > MIME_MAX_DEPTH) {
		npserr_set(ctx->err, "MIME parts nested deeper than %d "
		    "levels at offset %zu", MIME_MAX_DEPTH, start);
		return -1;
	}
	if (++ctx->parts > MIME_MAX_PARTS) {
		npserr_set(ctx->err, "more than %d MIME parts",
		    MIME_MAX_PARTS);
		return -1;
	}
	if (end < start)
		end = start;
	part->depth = depth;
	part->hdr_off = start;
	part->hdr_len = mime_header_block_len(ctx->msg + start, end - start);
	part->body_off = start + part->hdr_len;
	part->body_len = end - part->body_off;
	if (parse_part_headers(ctx, part, digest_child) < 0)
		return -1;
	if (strcmp(part->type, "multipart") == 0)
		return parse_multipart(ctx, part, depth);
	if (strcmp(part->type, "message") == 0 &&
	    strcmp(part->subtype, "rfc822") == 0 &&
	    part->cte != MIME_CTE_QP && part->cte != MIME_CTE_BASE64 &&
	    part->body_len > 0) {
		struct mime_part *child = xcalloc(1, sizeof(*child));
		int saved = ctx->parts;

		part->child = child;
		if (parse_part(ctx, child, part->body_off, end, depth + 1,
		    false) < 0) {
			/*
			 * An attached message is opaque to us; a broken one
			 * must not make its carrier unreadable, unless it
			 * breaks the limits that protect us.
			 */
			if (ctx->parts > MIME_MAX_PARTS ||
			    depth + 1 >= MIME_MAX_DEPTH || ctx->scan_left == 0)
				return -1;
			mime_tree_free(child);
			part->child = NULL;
			ctx->parts = saved;
		}
	}
	return 0;
}

struct mime_part *
mime_parse(const char *msg, size_t len, struct npserr *err)
{
	struct mime_ctx ctx = { msg, len, 0, 0, err };
	struct mime_part *root;

	/* The budget, without overflow on any size. */
	ctx.scan_left = len > (SIZE_MAX - MIME_SCAN_SLACK) / MIME_SCAN_FACTOR ?
	    SIZE_MAX : len * MIME_SCAN_FACTOR + MIME_SCAN_SLACK;
	root = xcalloc(1, sizeof(*root));

	if (parse_part(&ctx, root, 0, len, 0, false) < 0) {
		mime_tree_free(root);
		return NULL;
	}
	return root;
}

void
mime_tree_free(struct mime_part *root)
{
	struct mime_part *p, *next;

	/* Iterative over siblings, recursive over depth (bounded). */
	for (p = root; p != NULL; p = next) {
		next = p->next;
		mime_tree_free(p->child);
		free(p);
	}
}
