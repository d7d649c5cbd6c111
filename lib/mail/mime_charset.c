/*
 * mime_charset.c - charset conversion to and from UTF-8; see mime.h.
 *
 * A label is first looked up in a table of the names mail really carries
 * (the labels of the WHATWG Encoding Standard, and a few more seen in
 * mail) and turned into a name iconv(3) knows; UTF-8, ASCII and Latin-1
 * are then converted here, every other charset through iconv. What comes
 * out as UTF-8 is valid UTF-8 in the sense of base/utf8.h, even where
 * iconv would let an invalid sequence through.
 *
 * An absent label is us-ascii (RFC 2045 5.2). The lenient conversion, for
 * readers, reads 8-bit bytes under an absent, us-ascii or unknown label as
 * UTF-8 when they are valid UTF-8, else as Windows-1252, the usual truth
 * behind such a label, and puts U+FFFD for bytes invalid in a known
 * charset. The strict conversion fails instead, on an unknown label too:
 * a rewriter must give back the very text it read, never a guess.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "mail/mime.h"

/*
 * Labels iconv does not know, or reads otherwise than mail means them,
 * and the iconv name of the encoding they stand for, sorted by label
 * (bsearch). The labels and their encodings are the Encoding Standard's;
 * the choice of iconv name is ours:
 *  - Shift_JIS labels go to CP932: iconv's SHIFT_JIS reads 0x5C and 0x7E
 *    as YEN SIGN and OVERLINE, the standard as '\' and '~', and only
 *    CP932 has the NEC and IBM rows Japanese mail uses;
 *  - EUC-JP labels go to EUC-JP-MS, which has those rows too;
 *  - EUC-KR labels (ks_c_5601-1987 is what Outlook writes) go to CP949,
 *    the Unified Hangul Code the standard decodes them as;
 *  - GB2312 labels go to GBK, Big5 labels to BIG5-HKSCS and TIS-620 to
 *    CP874: the supersets the standard decodes them as.
 * Two deliberate differences: us-ascii and ISO-8859-1 stay themselves
 * (the standard reads them as Windows-1252, but a rewriter that converts
 * back must find the very bytes it read), and x-big5 and x-windows-949,
 * which the standard lacks, are here because mail carries them.
 */
static const struct cs_alias {
	const char *label;
	const char *name;
} cs_aliases[] = {
	{ "big5", "BIG5-HKSCS" },
	{ "big5-hkscs", "BIG5-HKSCS" },
	{ "chinese", "GBK" },
	{ "cn-big5", "BIG5-HKSCS" },
	{ "csbig5", "BIG5-HKSCS" },
	{ "cseuckr", "CP949" },
	{ "cseucpkdfmtjapanese", "EUC-JP-MS" },
	{ "csgb2312", "GBK" },
	{ "csiso58gb231280", "GBK" },
	{ "csiso88596e", "ISO-8859-6" },
	{ "csiso88596i", "ISO-8859-6" },
	{ "csiso88598e", "ISO-8859-8" },
	{ "csiso88598i", "ISO-8859-8" },
	{ "csisolatin9", "ISO-8859-15" },
	{ "csksc56011987", "CP949" },
	{ "csmacintosh", "MACINTOSH" },
	{ "csshiftjis", "CP932" },
	{ "dos-874", "CP874" },
	{ "euc-jp", "EUC-JP-MS" },
	{ "euc-kr", "CP949" },
	{ "gb2312", "GBK" },
	{ "gb_2312", "GBK" },
	{ "gb_2312-80", "GBK" },
	{ "iso-8859-11", "CP874" },
	{ "iso-8859-6-e", "ISO-8859-6" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "iso-8859-8-e", "ISO-8859-8" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-ir-149", "CP949" },
	{ "iso-ir-58", "GBK" },
	{ "iso8859-11", "CP874" },
	{ "iso885911", "CP874" },
	{ "koi", "KOI8-R" },
	{ "koi8_r", "KOI8-R" },
	{ "korean", "CP949" },
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601-1989", "CP949" },
	{ "ksc5601", "CP949" },
	{ "ksc_5601", "CP949" },
	{ "l9", "ISO-8859-15" },
	{ "logical", "ISO-8859-8" },
	{ "ms932", "CP932" },
	{ "ms_kanji", "CP932" },
	{ "shift-jis", "CP932" },
	{ "shift_jis", "CP932" },
	{ "sjis", "CP932" },
	{ "sun_eu_greek", "ISO-8859-7" },
	{ "tis-620", "CP874" },
	{ "unicode-1-1-utf-8", "UTF-8" },
	{ "unicode11utf8", "UTF-8" },
	{ "unicode20utf8", "UTF-8" },
	{ "visual", "ISO-8859-8" },
	{ "windows-31j", "CP932" },
	{ "windows-949", "CP949" },
	{ "x-big5", "BIG5-HKSCS" },
	{ "x-cp1250", "CP1250" },
	{ "x-cp1251", "CP1251" },
	{ "x-cp1252", "CP1252" },
	{ "x-cp1253", "CP1253" },
	{ "x-cp1254", "CP1254" },
	{ "x-cp1255", "CP1255" },
	{ "x-cp1256", "CP1256" },
	{ "x-cp1257", "CP1257" },
	{ "x-cp1258", "CP1258" },
	{ "x-euc-jp", "EUC-JP-MS" },
	{ "x-gbk", "GBK" },
	{ "x-mac-cyrillic", "MAC-CYRILLIC" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "x-mac-ukrainian", "MAC-CYRILLIC" },
	{ "x-sjis", "CP932" },
	{ "x-unicode20utf8", "UTF-8" },
	{ "x-windows-949", "CP949" },
	{ "x-x-big5", "BIG5-HKSCS" },
};

static int
alias_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct cs_alias *)elem)->label);
}

/*
 * The name to convert with for label, or NULL when no charset can be
 * named by it. A label is a charset name (RFC 2978: letters, digits and a
 * little punctuation); anything else, "utf-8//IGNORE" for one, would
 * reach iconv as an option and is refused. Blanks around it are dropped,
 * as the standard does.
 */
static const char *
charset_resolve(const char *label, char *tmp, size_t cap)
{
	const struct cs_alias *a;
	size_t n, i;

	while (*label == ' ' || *label == '\t')
		label++;
	n = strlen(label);
	while (n > 0 && (label[n - 1] == ' ' || label[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= cap)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!((label[i] >= 'a' && label[i] <= 'z') ||
		    (label[i] >= 'A' && label[i] <= 'Z') ||
		    (label[i] >= '0' && label[i] <= '9') ||
		    strchr("-_.:+", label[i]) != NULL))
			return NULL;
		tmp[i] = label[i];
	}
	tmp[n] = '\0';
	a = bsearch(tmp, cs_aliases, sizeof(cs_aliases) / sizeof(cs_aliases[0]),
	    sizeof(cs_aliases[0]), alias_cmp);
	return a ? a->name : tmp;
}

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

/* 8-bit bytes under an absent, ASCII or unknown label, read leniently:
 * UTF-8 when it is valid, else Windows-1252. */
static int
guess_to_utf8(const char *p, size_t n, struct buf *out)
{
	if (utf8_valid(p, n)) {
		buf_append(out, p, n);
		return 0;
	}
	return iconv_convert("UTF-8", "WINDOWS-1252", p, n, false, out);
}

static int
charset_to_utf8(const char *charset, const char *p, size_t n, bool strict,
    struct buf *out)
{
	char tmp[64];
	const char *cs;
	int r;

	if (charset == NULL || *charset == '\0')
		charset = "us-ascii";	/* RFC 2045 5.2 */
	cs = charset_resolve(charset, tmp, sizeof(tmp));
	if (cs == NULL)
		return strict ? -1 : guess_to_utf8(p, n, out);
	switch (charset_kind(cs)) {
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
		return guess_to_utf8(p, n, out);
	case CS_LATIN1:
		latin1_to_utf8(p, n, out);
		return 0;
	default:
		r = iconv_convert("UTF-8", cs, p, n, strict, out);
		/* A label no one can read: a guess for a reader, an error
		 * for a rewriter, which must never transcode by guess. */
		if (r == -2)
			return strict ? -1 : guess_to_utf8(p, n, out);
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
	char tmp[64];
	const char *cs;
	int r;

	if (charset == NULL || *charset == '\0')
		charset = "us-ascii";	/* RFC 2045 default */
	cs = charset_resolve(charset, tmp, sizeof(tmp));
	if (cs == NULL)
		return -1;
	switch (charset_kind(cs)) {
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
		r = iconv_convert(cs, "UTF-8", p, n, true, out);
		return r < 0 ? -1 : 0;
	}
}
