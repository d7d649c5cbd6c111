/*
 * rewrite_header.c - the header changes of rewrite_message (see
 * rewrite_int.h): a re-encoded part gets its Content-Transfer-Encoding,
 * and a part made UTF-8 its charset, in its own header block; the top
 * level gets both in the message's.
 *
 * A field set replaces the first field of that name in place, its
 * continuation lines dropped, and every other line of the block stays as
 * it is, line ends included.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "mail/mime.h"
#include "outgoing/rewrite_int.h"

static bool
field_is(const char *line, size_t n, const char *name)
{
	size_t l = strlen(name), i;

	if (n <= l || strncasecmp(line, name, l) != 0)
		return false;
	for (i = l; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i < n && line[i] == ':';
}

/* "name: value" and the line end; the value by its length, since a
 * value copied from the message may hold any byte. */
static void
field_put(struct buf *out, const char *name, const char *value, size_t vlen,
    const char *eol)
{
	buf_puts(out, name);
	buf_puts(out, ": ");
	buf_append(out, value, vlen);
	buf_puts(out, eol);
}

/*
 * Copies the header block hdr with the first field called name replaced by
 * "name: value" (value: vlen bytes, its continuation lines dropped), or
 * with that field added before the blank line when there is none.
 */
void
rw_header_set(const char *hdr, size_t hlen, const char *name,
    const char *value, size_t vlen, const char *eol, struct buf *out)
{
	size_t pos = 0, ll, body_end = hlen;
	const char *nl;
	bool done = false;

	/* The blank line that ends the block, if any, stays last. */
	if (hlen >= 2 && hdr[hlen - 1] == '\n' && hdr[hlen - 2] == '\n')
		body_end = hlen - 1;
	else if (hlen >= 3 && hdr[hlen - 1] == '\n' && hdr[hlen - 2] == '\r' &&
	    hdr[hlen - 3] == '\n')
		body_end = hlen - 2;
	else if (hlen == 1 || (hlen == 2 && hdr[0] == '\r'))
		body_end = 0;
	while (pos < body_end) {
		nl = memchr(hdr + pos, '\n', body_end - pos);
		ll = nl ? (size_t)(nl - (hdr + pos)) + 1 : body_end - pos;
		if (!done && field_is(hdr + pos, ll, name)) {
			field_put(out, name, value, vlen, eol);
			done = true;
			pos += ll;
			while (pos < body_end && (hdr[pos] == ' ' ||
			    hdr[pos] == '\t')) {
				nl = memchr(hdr + pos, '\n', body_end - pos);
				pos = nl ? (size_t)(nl - hdr) + 1 : body_end;
			}
			continue;
		}
		buf_append(out, hdr + pos, ll);
		if (nl == NULL)
			buf_puts(out, eol);
		pos += ll;
	}
	if (!done)
		field_put(out, name, value, vlen, eol);
	buf_append(out, hdr + body_end, hlen - body_end);
}

/*
 * The part's Content-Type, unfolded, with charset=utf-8, appended to out.
 * The value is handled by its length: a NUL byte in it (which the parser
 * reads past) stays where it was, and cannot cut the charset off.
 */
void
rw_content_type_utf8(const char *msg, const struct mime_part *part,
    struct buf *out)
{
	struct buf unf = BUF_INIT;
	const char *v;
	size_t vlen, i, v0, v1;

	if (!mime_header_find(msg, part, "Content-Type", &v, &vlen)) {
		buf_printf(out, "%s/%s; charset=utf-8", part->type,
		    part->subtype);
		return;
	}
	for (i = 0; i < vlen; i++) {
		if (v[i] == '\r' && i + 1 < vlen && v[i + 1] == '\n')
			continue;
		/* A line break that is no fold (a bare CR, say): the
		 * value is not what the parser read; write what it read. */
		if ((v[i] == '\r' || v[i] == '\n') && (v[i] == '\r' ||
		    i + 1 >= vlen || (v[i + 1] != ' ' && v[i + 1] != '\t'))) {
			buf_free(&unf);
			buf_printf(out, "%s/%s; charset=utf-8", part->type,
			    part->subtype);
			return;
		}
		if (v[i] != '\n')
			buf_putc(&unf, v[i]);
	}
	if (mime_param_span(buf_cstr(&unf), unf.len, "charset", &v0,
	    &v1)) {
		buf_append(out, unf.data, v0);
		buf_puts(out, "utf-8");
		buf_append(out, unf.data + v1, unf.len - v1);
	} else {
		while (unf.len > 0 && (unf.data[unf.len - 1] == ' ' ||
		    unf.data[unf.len - 1] == '\t' ||
		    unf.data[unf.len - 1] == ';'))
			buf_truncate(&unf, unf.len - 1);
		buf_append(out, unf.data, unf.len);
		buf_puts(out, "; charset=utf-8");
	}
	buf_free(&unf);
}
