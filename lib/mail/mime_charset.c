/*
 * mime_charset.c - charset conversion to and from UTF-8; see mime.h.
 *
 * UTF-8, ASCII and Latin-1 are converted here, every other charset through
 * iconv(3). What comes out as UTF-8 is valid UTF-8 in the sense of
 * base/utf8.h, even where iconv would let an invalid sequence through. An
 * absent or unknown label is read as UTF-8 when the bytes are valid UTF-8,
 * else as Windows-1252, the usual truth behind a missing label. The strict
 * conversion fails where the lenient one puts U+FFFD: a rewriter must give
 * back the very text it read.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "mail/mime.h"

enum cs_kind {
	CS_UTF8,
	CS_ASCII,
	CS_LATIN1,
	CS_OTHER
};

static enum cs_kind
charset_kind(const char *cs)
{
	if (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0)
		return CS_UTF8;
	if (strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0)
		return CS_ASCII;
	if (strcasecmp(cs, "iso-8859-1") == 0 ||
	    strcasecmp(cs, "iso8859-1") == 0 ||
	    strcasecmp(cs, "latin1") == 0 || strcasecmp(cs, "latin-1") == 0 ||
	    strcasecmp(cs, "iso_8859-1") == 0)
		return CS_LATIN1;
	return CS_OTHER;
}

static bool
all_ascii(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return false;
	return true;
}

static void
latin1_to_utf8(const char *p, size_t n, struct buf *out)
{
	size_t i;

	/* Each byte is its own code point, of two bytes at most. */
	buf_reserve(out, n * 2);
	for (i = 0; i < n; i++)
		out->len += utf8_encode((unsigned char)p[i],
		    out->data + out->len);
	out->data[out->len] = '\0';
}

/* Replaces each byte of out[from..] that starts no valid UTF-8 sequence
 * by U+FFFD. */
static void
utf8_repair(struct buf *out, size_t from)
{
	struct buf tail = BUF_INIT;
	size_t i = 0, k;

	buf_append(&tail, out->data + from, out->len - from);
	buf_truncate(out, from);
	while (i < tail.len) {
		k = utf8_seq(tail.data + i, tail.len - i, NULL);
		if (k == 0) {
			utf8_put(out, 0xfffd);
			i++;
		} else {
			buf_append(out, tail.data + i, k);
			i += k;
		}
	}
	buf_free(&tail);
}

/*
 * iconv from -> to. strict: any invalid or unrepresentable input fails;
 * else invalid input becomes U+FFFD (only meaningful towards UTF-8).
 * Returns 0, -1 on failure (out unchanged), -2 if iconv knows no such
 * charset.
 */
static int
iconv_convert(const char *to, const char *from, const char *p, size_t n,
    bool strict, struct buf *out)
{
	iconv_t cd = iconv_open(to, from);
	size_t saved = out->len, inleft = n, outleft, r;
	char *in = (char *)p, *o;

	if (cd == (iconv_t)-1)
		return -2;
	for (;;) {
		buf_reserve(out, inleft * 4 + 16);
		o = out->data + out->len;
		outleft = out->cap - out->len - 1;
		r = iconv(cd, &in, &inleft, &o, &outleft);
		out->len = (size_t)(o - out->data);
		if (r != (size_t)-1) {
			/* Flush any shift state. */
			buf_reserve(out, 16);
			o = out->data + out->len;
			outleft = out->cap - out->len - 1;
			iconv(cd, NULL, NULL, &o, &outleft);
			out->len = (size_t)(o - out->data);
			break;
		}
		if (errno == E2BIG)
			continue;
		if (strict || inleft == 0) {
			iconv_close(cd);
			buf_truncate(out, saved);
			if (out->data)
				out->data[out->len] = '\0';
			return -1;
		}
		/* EILSEQ / EINVAL: replace one byte and go on. */
		utf8_put(out, 0xfffd);
		in++;
		inleft--;
	}
	iconv_close(cd);
	out->data[out->len] = '\0';
	/* glibc's UTF-8 decoder lets "code points" past U+10FFFF through
	 * (F5-F7 leads) and its encoder writes them back: what we give as
	 * UTF-8 must be UTF-8. */
	if (strcasecmp(to, "UTF-8") == 0 &&
	    !utf8_valid(out->data + saved, out->len - saved)) {
		if (strict) {
			buf_truncate(out, saved);
			out->data[out->len] = '\0';
			return -1;
		}
		utf8_repair(out, saved);
	}
	return 0;
}

/* Unknown or absent labels: UTF-8 when it is valid, else Windows-1252. */
static int
guess_to_utf8(const char *p, size_t n, bool strict, struct buf *out)
{
	if (utf8_valid(p, n)) {
		buf_append(out, p, n);
		return 0;
	}
	return iconv_convert("UTF-8", "WINDOWS-1252", p, n, strict, out);
}

static int
charset_to_utf8(const char *charset, const char *p, size_t n, bool strict,
    struct buf *out)
{
	int r;

	if (charset == NULL || *charset == '\0')
		return guess_to_utf8(p, n, strict, out);
	switch (charset_kind(charset)) {
	case CS_UTF8:
		if (utf8_valid(p, n)) {
			buf_append(out, p, n);
			return 0;
		}
		if (strict)
			return -1;
		return iconv_convert("UTF-8", "UTF-8", p, n, false, out);
	case CS_ASCII:
		if (all_ascii(p, n)) {
			buf_append(out, p, n);
			return 0;
		}
		/* 8-bit bytes in a part labelled ASCII: mislabelled; a guess
		 * is good for reading, never exact. */
		if (strict)
			return -1;
		return guess_to_utf8(p, n, false, out);
	case CS_LATIN1:
		latin1_to_utf8(p, n, out);
		return 0;
	default:
		r = iconv_convert("UTF-8", charset, p, n, strict, out);
		if (r == -2)
			return guess_to_utf8(p, n, strict, out);
		return r;
	}
}

int
mime_charset_to_utf8(const char *charset, const char *p, size_t n,
    struct buf *out)
{
	return charset_to_utf8(charset, p, n, false, out) < 0 ? -1 : 0;
}

int
mime_charset_to_utf8_strict(const char *charset, const char *p, size_t n,
    struct buf *out)
{
	return charset_to_utf8(charset, p, n, true, out) < 0 ? -1 : 0;
}

int
mime_charset_from_utf8(const char *charset, const char *p, size_t n,
    struct buf *out)
{
	size_t i, saved = out->len;
	unsigned char c;
	int r;

	if (charset == NULL || *charset == '\0')
		charset = "us-ascii";	/* RFC 2045 default */
	switch (charset_kind(charset)) {
	case CS_UTF8:
		buf_append(out, p, n);
		return 0;
	case CS_ASCII:
		if (!all_ascii(p, n))
			return -1;
		buf_append(out, p, n);
		return 0;
	case CS_LATIN1:
		buf_reserve(out, n);
		for (i = 0; i < n; i++) {
			c = (unsigned char)p[i];
			if (c < 0x80)
				buf_putc(out, c);
			else if ((c == 0xc2 || c == 0xc3) && i + 1 < n &&
			    ((unsigned char)p[i + 1] & 0xc0) == 0x80) {
				buf_putc(out, ((c & 3) << 6) |
				    ((unsigned char)p[i + 1] & 0x3f));
				i++;
			} else {
				buf_truncate(out, saved);
				return -1;
			}
		}
		return 0;
	default:
		r = iconv_convert(charset, "UTF-8", p, n, true, out);
		return r < 0 ? -1 : 0;
	}
}
