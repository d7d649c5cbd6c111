/*
 * outgoing_headers.c - the header block of one outgoing mail: split into
 * fields, rebuilt from the fields a milter collected, and rewritten with
 * the edits of an outgoing_result; see outgoing.h.
 *
 * Every field is kept by offsets into the message, so that a field no edit
 * touches comes out byte for byte, its folds and line ends included; new
 * fields take the line end the message uses.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "mail/mime.h"
#include "outgoing/outgoing.h"

/* One header field of a message held in memory, by offsets. */
struct field {
	size_t off, len;	/* the whole field, with its final line end */
	size_t name_len;
	size_t val_off, val_len;	/* value: blanks skipped, no line end */
};

/*
 * fields_scan - the header fields of msg and the offset of the body. The
 * header block ends where the MIME parser ends it (mime_header_block_len),
 * so that the body a rewrite gives follows the very fields it read. Caller
 * frees *out.
 */
static size_t
fields_scan(const char *msg, size_t len, struct field **out, size_t *body_off)
{
	struct field *f = NULL;
	size_t n = 0, cap = 0, pos = 0, eol, i;
	const char *nl;

	len = mime_header_block_len(msg, len);
	while (pos < len) {
		if (msg[pos] == '\n') {
			pos += 1;
			break;
		}
		if (msg[pos] == '\r' && pos + 1 < len && msg[pos + 1] == '\n') {
			pos += 2;
			break;
		}
		/* One field: this line and its continuation lines. */
		eol = pos;
		for (;;) {
			nl = memchr(msg + eol, '\n', len - eol);
			eol = nl ? (size_t)(nl - msg) + 1 : len;
			if (eol >= len || (msg[eol] != ' ' && msg[eol] != '\t'))
				break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			f = xrealloc(f, cap * sizeof(*f));
		}
		memset(&f[n], 0, sizeof(f[n]));
		f[n].off = pos;
		f[n].len = eol - pos;
		for (i = pos; i < eol && msg[i] != ':' && msg[i] != '\n'; i++)
			;
		if (i < eol && msg[i] == ':' && i > pos) {
			f[n].name_len = i - pos;
			i++;
			while (i < eol && (msg[i] == ' ' || msg[i] == '\t'))
				i++;
			f[n].val_off = i;
			f[n].val_len = eol - i;
			if (f[n].val_len > 0 && msg[eol - 1] == '\n')
				f[n].val_len--;
			if (f[n].val_len > 0 && msg[i + f[n].val_len - 1] ==
			    '\r')
				f[n].val_len--;
		}
		n++;
		pos = eol;
	}
	*out = f;
	*body_off = pos;
	return n;
}

size_t
outgoing_headers_parse(const char *msg, size_t len,
    struct outgoing_header **out)
{
	struct outgoing_header *h;
	struct field *f;
	size_t n, i, k = 0, body;

	n = fields_scan(msg, len, &f, &body);
	h = xcalloc(n ? n : 1, sizeof(*h));
	for (i = 0; i < n; i++) {
		if (f[i].name_len == 0)
			continue;
		h[k].name = xstrndup(msg + f[i].off, f[i].name_len);
		h[k].value = xstrndup(msg + f[i].val_off, f[i].val_len);
		h[k].vlen = f[i].val_len;
		k++;
	}
	free(f);
	*out = h;
	return k;
}

void
outgoing_headers_free(struct outgoing_header *hdrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(hdrs[i].name);
		free(hdrs[i].value);
	}
	free(hdrs);
}

void
outgoing_headers_block(const struct outgoing_header *hdrs, size_t n,
    struct buf *out)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		buf_puts(out, hdrs[i].name);
		buf_puts(out, ": ");
		for (j = 0; j < hdrs[i].vlen; j++) {
			if (hdrs[i].value[j] == '\n' &&
			    (j == 0 || hdrs[i].value[j - 1] != '\r'))
				buf_putc(out, '\r');
			buf_putc(out, hdrs[i].value[j]);
		}
		buf_puts(out, "\r\n");
	}
	buf_puts(out, "\r\n");
}

/* A header of the rebuilt block: original bytes, or new text. */
struct entry {
	const char *name;	/* NUL-terminated copy or edit's name */
	char *own_name;
	const char *p;		/* bytes, with the line end */
	size_t n;
	char *own;		/* new text, when not original */
	bool deleted;
};

static struct entry *
entry_find(struct entry *e, size_t n, const char *name, int index)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (e[i].deleted || e[i].name == NULL ||
		    strcasecmp(e[i].name, name) != 0)
			continue;
		if (--index == 0)
			return &e[i];
	}
	return NULL;
}

void
outgoing_apply(const struct outgoing_result *res, const char *msg,
    size_t len, struct buf *out)
{
	struct field *f;
	struct entry *e, *hit;
	struct buf t = BUF_INIT;
	size_t n, nf, i, body, cap, hdr_end;
	const char *eolstr = "\n";
	const struct outgoing_edit *ed;

	n = nf = fields_scan(msg, len, &f, &body);
	if (body >= 2 && msg[body - 2] == '\r')
		eolstr = "\r\n";
	else if (n > 0 && f[0].len >= 2 && msg[f[0].off + f[0].len - 2] ==
	    '\r')
		eolstr = "\r\n";
	cap = n + res->n_edits;
	e = xcalloc(cap ? cap : 1, sizeof(*e));
	for (i = 0; i < n; i++) {
		if (f[i].name_len > 0) {
			e[i].own_name = xstrndup(msg + f[i].off,
			    f[i].name_len);
			e[i].name = e[i].own_name;
		}
		e[i].p = msg + f[i].off;
		e[i].n = f[i].len;
	}
	for (i = 0; i < res->n_edits; i++) {
		ed = &res->edits[i];
		hit = NULL;
		if (ed->op != OUTGOING_ADD)
			hit = entry_find(e, n, ed->name, ed->index);
		if (ed->op == OUTGOING_DELETE) {
			if (hit != NULL)
				hit->deleted = true;
			continue;
		}
		if (hit == NULL)
			hit = &e[n++];
		buf_reset(&t);
		buf_printf(&t, "%s: %s%s", ed->name, ed->value, eolstr);
		free(hit->own);
		hit->own = buf_steal(&t);
		hit->name = ed->name;
		hit->p = hit->own;
		hit->n = strlen(hit->own);
	}
	for (i = 0; i < n; i++)
		if (!e[i].deleted)
			buf_append(out, e[i].p, e[i].n);
	/* The blank line: the original one; a new one when the input had
	 * none but a new body is to follow (a body that started at a line
	 * that is no field may no longer start so once re-encoded). A
	 * message without a single field gets one only when its new body
	 * would start as a header: its first line stays its first line. */
	hdr_end = nf > 0 ? f[nf - 1].off + f[nf - 1].len : 0;
	if (body > hdr_end)
		buf_append(out, msg + hdr_end, body - hdr_end);
	else if (res->body_changed && res->body.len > 0 && (nf > 0 ||
	    mime_header_block_len(res->body.data, res->body.len) > 0))
		buf_puts(out, eolstr);
	if (res->body_changed)
		buf_append(out, res->body.data, res->body.len);
	else if (body < len)
		buf_append(out, msg + body, len - body);
	for (i = 0; i < n; i++) {
		free(e[i].own_name);
		free(e[i].own);
	}
	free(e);
	free(f);
	buf_free(&t);
}
