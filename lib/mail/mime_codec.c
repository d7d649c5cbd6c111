/*
 * mime_codec.c - the transfer encodings, quoted-printable and base64, both
 * ways, and a part's body transfer-decoded; see mime.h.
 *
 * Decoders are lenient: they decode what they can of malformed input and
 * say that it was malformed, so that a reader still gets the text and a
 * rewriter knows to leave the part alone. Each codec writes straight into
 * a buffer reserved for its worst case: they run over every byte of every
 * mail that passes.
 */
#include <stdint.h>
#include <string.h>

#include "base/hex.h"
#include "mail/mime.h"
#include "mail/mime_int.h"

int
mime_qp_decode(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n, *eq, *q;
	char *d;
	int bad = 0, h, l;

	/* Decoding never grows the text: write straight into the buffer. */
	buf_reserve(out, n);
	d = out->data + out->len;
	while (p < end) {
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL)
			eq = end;
		memcpy(d, p, (size_t)(eq - p));
		d += eq - p;
		p = eq;
		if (p == end)
			break;
		if (end - p >= 3 && (h = hex_digit((unsigned char)p[1])) >= 0 &&
		    (l = hex_digit((unsigned char)p[2])) >= 0) {
			*d++ = (char)(h * 16 + l);
			p += 3;
			continue;
		}
		/* Soft line break: "=" [blanks] line end, or "=" at the end. */
		q = p + 1;
		while (q < end && mime_is_wsp(*q))
			q++;
		if (q < end && *q == '\n')
			p = q + 1;
		else if (end - q >= 2 && q[0] == '\r' && q[1] == '\n')
			p = q + 2;
		else if (q == end)
			p = end;
		else {
			*d++ = '=';
			bad = 1;
			p++;
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	return bad;
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of each byte as a base64 digit, -1 for none (a constant table:
 * nothing to initialise, safe in the milter's threads). */
static const signed char b64val[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int
mime_base64_decode(const char *p, size_t n, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	uint32_t acc = 0;
	int bits = 0, bad = 0, pad = 0;
	signed char v;
	char *d;

	buf_reserve(out, n / 4 * 3 + 3);
	d = out->data + out->len;
	for (; s < end; s++) {
		/* Whole quanta of valid characters, the common case. */
		if (bits == 0 && pad == 0 && end - s >= 4) {
			signed char a = b64val[s[0]], b = b64val[s[1]],
			    c = b64val[s[2]], e = b64val[s[3]];

			if ((a | b | c | e) >= 0) {
				uint32_t w = (uint32_t)a << 18 |
				    (uint32_t)b << 12 | (uint32_t)c << 6 |
				    (uint32_t)e;

				d[0] = (char)(w >> 16);
				d[1] = (char)(w >> 8);
				d[2] = (char)w;
				d += 3;
				s += 3;
				continue;
			}
		}
		if (*s == '\r' || *s == '\n' || *s == ' ' || *s == '\t')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64val[*s];
		if (v < 0 || pad) {
			bad = 1;	/* junk, or data after padding */
			if (v < 0)
				continue;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*d++ = (char)((acc >> bits) & 0xff);
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	/* Leftover bits must be zero padding of a complete quantum. */
	if (bits >= 6 || (bits > 0 && (acc & ((1u << bits) - 1)) != 0))
		bad = 1;
	if (bits > 0 && pad == 0)
		bad = 1;	/* truncated: missing '=' */
	return bad;
}

void
mime_base64_encode(const char *p, size_t n, bool crlf, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i, col = 0;
	char *d;

	buf_reserve(out, (n + 2) / 3 * 4 + (n / 57 + 1) * 2);
	d = out->data + out->len;
	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		d[0] = b64chars[(v >> 18) & 63];
		d[1] = b64chars[(v >> 12) & 63];
		d[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		d[3] = i + 2 < n ? b64chars[v & 63] : '=';
		d += 4;
		col += 4;
		if (col == 76 || i + 3 >= n) {
			if (crlf)
				*d++ = '\r';
			*d++ = '\n';
			col = 0;
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
}

/* Whether the line ends at p[i] (a line break or the end of the text). */
static bool
qp_eol_at(const char *p, size_t n, size_t i)
{
	return i == n || p[i] == '\n' ||
	    (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n');
}

void
mime_qp_encode(const char *p, size_t n, bool crlf, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, j, k, col = 0, tlen, chunk;
	char tok[3], *d;
	unsigned char c;
	bool at_eol;

	/* Worst case: every byte "=XX", plus "=" CRLF every 25 of them. */
	buf_reserve(out, n * 3 + (n / 25 + 1) * 3);
	d = out->data + out->len;
	while (i < n) {
		/* A run of characters that stand for themselves, copied whole;
		 * blanks that end a line are left to the byte loop. */
		for (j = i; j < n && ((unsigned char)p[j] >= 32 &&
		    (unsigned char)p[j] <= 126 && p[j] != '=') ; j++)
			;
		k = j;
		if (qp_eol_at(p, n, j))
			while (k > i && (p[k - 1] == ' ' || p[k - 1] == '\t'))
				k--;
		if (col == 0 && k == i + 1 && p[i] == '.' && qp_eol_at(p, n, j))
			k = i;	/* a lone "." line: encoded below */
		while (i < k) {
			if (col >= 75) {
				*d++ = '=';
				if (crlf)
					*d++ = '\r';
				*d++ = '\n';
				col = 0;
			}
			chunk = k - i < 75 - col ? k - i : 75 - col;
			memcpy(d, p + i, chunk);
			d += chunk;
			col += chunk;
			i += chunk;
		}
		if (i >= n)
			break;
		c = (unsigned char)p[i];
		if (c == '\n' || (c == '\r' && i + 1 < n && p[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			if (crlf)
				*d++ = '\r';
			*d++ = '\n';
			col = 0;
			i++;
			continue;
		}
		at_eol = qp_eol_at(p, n, i + 1);
		if ((c == ' ' || c == '\t') && !at_eol) {
			tok[0] = (char)c;
			tlen = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			tlen = 3;
		}
		/* Room for the token and, unless the line ends, a soft '='. */
		if (col + tlen > (at_eol ? 76u : 75u)) {
			*d++ = '=';
			if (crlf)
				*d++ = '\r';
			*d++ = '\n';
			col = 0;
		}
		memcpy(d, tok, tlen);
		d += tlen;
		col += tlen;
		i++;
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
}

int
mime_part_decode(const char *msg, const struct mime_part *part,
    struct buf *out)
{
	const char *p = msg + part->body_off;
	size_t n = part->body_len;

	switch (part->cte) {
	case MIME_CTE_QP:
		return mime_qp_decode(p, n, out);
	case MIME_CTE_BASE64:
		return mime_base64_decode(p, n, out);
	case MIME_CTE_UNKNOWN:
		buf_append(out, p, n);
		return 1;
	default:
		buf_append(out, p, n);
		return 0;
	}
}
