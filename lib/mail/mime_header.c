/*
 * mime_header.c - the header fields of a message or part and the
 * parameters of their values (mime_header_*, mime_param_*, mime_cte_parse;
 * see mime.h): what the tree parser of mime.c and the rewrite read a
 * header with.
 *
 * Every scan is bounded by the length it was given; nothing assumes
 * NUL-terminated or valid input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mail/mime.h"
#include "mail/mime_int.h"

/* Whether the line at p (n bytes to the end of the input) starts a header
 * field: a name of printable ASCII but ':', blanks (obsolete syntax), ':'. */
static bool
line_is_field(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && mime_is_wsp(p[i]))
		i++;
	return i < n && p[i] == ':';
}

/*
 * mime_header_block_len - the header block ends at the first empty line,
 * which it includes, or before the first line that is neither a field nor
 * the continuation of one (a line of text without a colon, a mailbox
 * "From " line, a field name with 8-bit bytes such as a byte order mark
 * before the first field): there the body starts, as RFC 5322 readers,
 * Python's email package and Postfix take it. A line of blanks only is a
 * continuation (RFC 5322 4.2, obsolete folding), as Postfix and Python
 * read it: ending the block there would split a field Postfix handed over
 * whole. A block with neither is the whole input.
 */
size_t
mime_header_block_len(const char *p, size_t n)
{
	size_t pos = 0;
	const char *nl;

	while (pos < n) {
		if (p[pos] == '\n')
			return pos + 1;
		if (p[pos] == '\r' && pos + 1 < n && p[pos + 1] == '\n')
			return pos + 2;
		if (!(pos > 0 && mime_is_wsp(p[pos])) &&
		    !line_is_field(p + pos, n - pos))
			return pos;
		nl = memchr(p + pos, '\n', n - pos);
		if (nl == NULL)
			return n;
		pos = (size_t)(nl - p) + 1;
	}
	return n;
}

int
mime_header_find_in(const char *hdr, size_t hlen, const char *name,
    const char **value, size_t *vlen)
{
	size_t nlen = strlen(name), pos = 0, i, vstart, vend;
	const char *nl;

	while (pos < hlen) {
		const char *line = hdr + pos;
		size_t rest = hlen - pos, linelen;

		nl = memchr(line, '\n', rest);
		linelen = nl ? (size_t)(nl - line) + 1 : rest;
		if (!mime_is_wsp(line[0]) && rest > nlen &&
		    strncasecmp(line, name, nlen) == 0) {
			i = nlen;
			while (i < linelen && mime_is_wsp(line[i]))
				i++;
			if (i < linelen && line[i] == ':') {
				i++;
				/* The value runs through continuation lines. */
				vend = pos + linelen;
				while (vend < hlen &&
				    mime_is_wsp(hdr[vend])) {
					nl = memchr(hdr + vend, '\n',
					    hlen - vend);
					vend = nl ? (size_t)(nl - hdr) + 1 :
					    hlen;
				}
				vstart = pos + i;
				while (vstart < vend &&
				    mime_is_wsp(hdr[vstart]))
					vstart++;
				while (vend > vstart &&
				    (hdr[vend - 1] == '\n' ||
				    hdr[vend - 1] == '\r'))
					vend--;
				*value = hdr + vstart;
				*vlen = vend - vstart;
				return 1;
			}
		}
		pos += linelen;
	}
	return 0;
}

int
mime_header_find(const char *msg, const struct mime_part *part,
    const char *name, const char **value, size_t *vlen)
{
	return mime_header_find_in(msg + part->hdr_off, part->hdr_len, name,
	    value, vlen);
}

/* mime_skip_cfws - see mime_int.h. */
size_t
mime_skip_cfws(const char *v, size_t n, size_t i)
{
	int depth;

	for (;;) {
		while (i < n && (mime_is_wsp(v[i]) || v[i] == '\r' ||
		    v[i] == '\n'))
			i++;
		if (i >= n || v[i] != '(')
			return i;
		depth = 0;
		for (; i < n; i++) {
			if (v[i] == '\\' && i + 1 < n) {
				i++;
				continue;
			}
			if (v[i] == '(')
				depth++;
			else if (v[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
}

/*
 * End of the parameter value that starts at v[i]: past the closing quote of
 * a quoted string (n when it is never closed), else before the first ';',
 * blank, line break or comment.
 */
static size_t
param_value_end(const char *v, size_t n, size_t i)
{
	if (i < n && v[i] == '"') {
		for (i++; i < n && v[i] != '"'; i++)
			if (v[i] == '\\')
				i++;
		return i < n ? i + 1 : n;
	}
	while (i < n && v[i] != ';' && !mime_is_wsp(v[i]) &&
	    v[i] != '\r' && v[i] != '\n' && v[i] != '(')
		i++;
	return i;
}

int
mime_param_span(const char *v, size_t n, const char *param, size_t *v0,
    size_t *v1)
{
	size_t plen = strlen(param), i = 0, a0, a1, end;
	bool inq = false;

	/* Skip the main value (type/subtype or disposition). */
	for (; i < n; i++) {
		if (v[i] == '"')
			inq = !inq;
		else if (v[i] == '\\' && inq)
			i++;
		else if (v[i] == ';' && !inq)
			break;
	}
	while (i < n) {
		i++;	/* the ';' */
		i = mime_skip_cfws(v, n, i);
		a0 = i;
		while (i < n && v[i] != '=' && v[i] != ';' &&
		    !mime_is_wsp(v[i]) && v[i] != '\r' &&
		    v[i] != '\n')
			i++;
		a1 = i;
		i = mime_skip_cfws(v, n, i);
		if (i >= n || v[i] != '=') {
			while (i < n && v[i] != ';')
				i++;
			continue;
		}
		i = mime_skip_cfws(v, n, i + 1);
		end = param_value_end(v, n, i);
		if (a1 - a0 == plen && strncasecmp(v + a0, param, plen) == 0) {
			*v0 = i;
			*v1 = end;
			return 1;
		}
		/* Not ours: on to the ';' after its value. */
		for (i = end; i < n && v[i] != ';'; i++)
			;
	}
	return 0;
}

int
mime_param_get(const char *v, size_t vlen, const char *param,
    struct buf *out)
{
	size_t v0, v1, i;

	if (!mime_param_span(v, vlen, param, &v0, &v1))
		return 0;
	if (v0 == v1 || v[v0] != '"') {
		buf_append(out, v + v0, v1 - v0);
		return 1;
	}
	/* A quoted string: escapes resolved, folding line breaks dropped. */
	for (i = v0 + 1; i < v1 && v[i] != '"'; i++) {
		if (v[i] == '\\' && i + 1 < v1)
			i++;
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		buf_putc(out, v[i]);
	}
	return 1;
}

/*
 * The Content-Transfer-Encoding named by v. The names are matched without
 * regard to case, blanks and a comment after them. Tolerated as the widely
 * used readers tolerate them: an empty value is read as an absent one
 * (7bit, the RFC 2045 default), and "7-bit" and "8-bit" as 7bit and 8bit
 * (GMime reads them so). Every other name ("8bits", "plain",
 * "quoted_printable", "x-uuencode"...) is MIME_CTE_UNKNOWN: Python's email
 * package and GMime hand such a body over as it is, and so does
 * mime_part_decode, but no reader decodes it as quoted-printable or
 * base64, so a rewriter must leave the part alone rather than guess.
 */
enum mime_cte
mime_cte_parse(const char *v, size_t n)
{
	static const struct {
		const char *name;
		enum mime_cte cte;
	} tab[] = {
		{ "", MIME_CTE_7BIT },
		{ "7bit", MIME_CTE_7BIT },
		{ "8bit", MIME_CTE_8BIT },
		{ "7-bit", MIME_CTE_7BIT },
		{ "8-bit", MIME_CTE_8BIT },
		{ "binary", MIME_CTE_BINARY },
		{ "quoted-printable", MIME_CTE_QP },
		{ "base64", MIME_CTE_BASE64 },
	};
	size_t i;

	while (n > 0 && (mime_is_wsp(v[n - 1]) || v[n - 1] == '\r' ||
	    v[n - 1] == '\n'))
		n--;
	/* A comment after the value is legal: "7bit (plain)". */
	for (i = 0; i < n; i++)
		if (mime_is_wsp(v[i]) || v[i] == '(' || v[i] == ';' ||
		    v[i] == '\r' || v[i] == '\n') {
			n = i;
			break;
		}
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == n &&
		    strncasecmp(v, tab[i].name, n) == 0)
			return tab[i].cte;
	return MIME_CTE_UNKNOWN;
}

/* mime_copy_lower - see mime.h. */
void
mime_copy_lower(char *dst, size_t cap, const char *p, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = (char)mime_lower((unsigned char)p[i]);
	dst[n] = '\0';
}
