/*
 * mime.h - RFC 5322 / MIME parsing and transfer-encoding codecs.
 *
 * SYNOPSIS
 *	root = mime_parse(msg, len, &err);	the MIME tree, by offsets
 *	mime_part_decode(msg, part, &out);	transfer-decoded body bytes
 *	mime_charset_to_utf8("iso-8859-1", p, n, &out);
 *	mime_header_find(msg, part, "Content-Type", &v, &vlen);
 *	mime_words_decode(v, vlen, &out);	RFC 2047 encoded words
 *	mime_tree_free(root);
 *
 * DESCRIPTION
 *	The parser never copies or changes the message: a part records where
 *	its header block and its body lie in the original bytes, so a caller
 *	can rebuild the message with every byte outside one part identical.
 *	Lines may end in CRLF or LF. A part's body ends before the CRLF/LF
 *	that precedes its closing delimiter line.
 *	The input is length-delimited and may hold NUL bytes.
 *	mime_parse() fails (NULL, err says why) on input it cannot read
 *	safely: a multipart without its boundary, a boundary never closed,
 *	nesting deeper than MIME_MAX_DEPTH, more than MIME_MAX_PARTS parts,
 *	or nesting that would make the search for boundaries cost more
 *	than a few times the size of the message. Callers then leave the
 *	message alone.
 */
#ifndef NPSGATE_MIME_H
#define NPSGATE_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/npserr.h"

#define MIME_MAX_DEPTH 100
#define MIME_MAX_PARTS 10000
#define MIME_MAX_BOUNDARY 200	/* RFC 2046 says 70; mailers write more */

enum mime_cte {
	MIME_CTE_7BIT = 0,	/* also the default when absent */
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_UNKNOWN	/* x-uuencode and the like: leave alone */
};

struct mime_part {
	size_t hdr_off, hdr_len;	/* header block, incl. its blank line */
	size_t body_off, body_len;
	char type[64];		/* lowercase "text", "multipart", ... */
	char subtype[64];	/* lowercase "plain", "html", "mixed", ... */
	char charset[64];	/* lowercase, "" when absent */
	char boundary[MIME_MAX_BOUNDARY + 1];	/* "" unless multipart */
	enum mime_cte cte;
	bool attachment;	/* Content-Disposition: attachment */
	int depth;		/* 0 for the message itself */
	struct mime_part *child;	/* first child (multipart, message/rfc822) */
	struct mime_part *next;		/* next sibling */
};

/* Length of the header block at msg (n bytes): to its blank line,
 * included, or to the first line that is neither a field nor a
 * continuation line (the body starts there); n when there is neither (a
 * message without a body). */
size_t mime_header_block_len(const char *msg, size_t n);

/* The encoding a Content-Transfer-Encoding value (n bytes) names, as
 * mime_parse reads it (an empty value is 7bit, a comment after the name
 * is skipped; "8bits", "plain"... are MIME_CTE_UNKNOWN). */
enum mime_cte mime_cte_parse(const char *v, size_t n);
/* A token of a header value (a type, a charset label) into dst: at most
 * cap - 1 bytes of p[0..n), ASCII letters lowercased, NUL-terminated;
 * cap >= 1. */
void mime_copy_lower(char *dst, size_t cap, const char *p, size_t n);

/* Parses a whole message. Caller frees with mime_tree_free. */
struct mime_part *mime_parse(const char *msg, size_t len, struct npserr *err);
void mime_tree_free(struct mime_part *root);

/* First header field named name (case-insensitive) in the part's header
 * block; *value points into msg (unfolded lines still contain CRLF SP),
 * leading blanks skipped, trailing CR/LF excluded. Returns 1, 0 if absent. */
int mime_header_find(const char *msg, const struct mime_part *part,
    const char *name, const char **value, size_t *vlen);
/* Same on a bare header block (hdr, hlen). */
int mime_header_find_in(const char *hdr, size_t hlen, const char *name,
    const char **value, size_t *vlen);
/* Unfolds (CRLF + blank -> one space) and decodes RFC 2047 words into
 * UTF-8; undecodable words are kept as they are. */
void mime_words_decode(const char *v, size_t vlen, struct buf *out);
/* Where the value of parameter param (charset, boundary, name...) lies in
 * the structured header value v (n bytes): [*v0, *v1), the quotes included
 * when it is a quoted string (to n when that is never closed). The name
 * is matched whole and case-insensitively; blanks, line breaks and
 * comments around the name, the '=' and the value are skipped, and ';'
 * inside quoted strings does not end a parameter. The main value (the
 * type or disposition) is never a parameter. Returns 1 found, 0 absent
 * (*v0, *v1 untouched). */
int mime_param_span(const char *v, size_t n, const char *param, size_t *v0,
    size_t *v1);
/* The value mime_param_span finds, appended to out, quoted strings
 * unquoted. Returns 1 found, 0 absent. */
int mime_param_get(const char *v, size_t vlen, const char *param,
    struct buf *out);

/* Transfer-decodes the part's body into out (appends). Malformed QP or
 * base64 is decoded leniently; returns 1 when something was wrong with
 * it (so a rewriter can leave the part alone), else 0. */
int mime_part_decode(const char *msg, const struct mime_part *part,
    struct buf *out);
int mime_qp_decode(const char *p, size_t n, struct buf *out);
int mime_base64_decode(const char *p, size_t n, struct buf *out);
/* Encoders: lines <= 76 characters, CRLF line ends when crlf is true. */
void mime_qp_encode(const char *p, size_t n, bool crlf, struct buf *out);
void mime_base64_encode(const char *p, size_t n, bool crlf, struct buf *out);

/* Charset conversion through iconv(3), after the labels mail carries
 * (ks_c_5601-1987, x-sjis, iso-8859-8-i...) are mapped to the encodings
 * they name. An absent label is us-ascii. Towards UTF-8, 8-bit bytes
 * under us-ascii or an unknown label are read as UTF-8 when they are
 * valid UTF-8, else as Windows-1252, and bytes invalid in their charset
 * become U+FFFD. Returns 0, or -1 when the target charset cannot
 * represent the text or is unknown (out then holds nothing new). */
int mime_charset_to_utf8(const char *charset, const char *p, size_t n,
    struct buf *out);
int mime_charset_from_utf8(const char *charset, const char *p, size_t n,
    struct buf *out);
/* Like mime_charset_to_utf8 but exact: -1 (out unchanged) when any byte
 * is not valid in the source charset (8-bit bytes under us-ascii or no
 * label included), or when no charset of that name is known, instead of
 * a U+FFFD or a guess. For rewriters, which must give back the very text
 * they read. */
int mime_charset_to_utf8_strict(const char *charset, const char *p, size_t n,
    struct buf *out);

#endif
