/*
 * utf8.c - UTF-8 sequences, checked the one way (see utf8.h).
 */
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"

size_t
utf8_seq(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		if (cp != NULL)
			*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return len;
}

bool
utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;

	while (i < n) {
		/* Most text is ASCII: eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = utf8_seq(str + i, n - i, NULL)) == 0)
			return false;
		i += len;
	}
	return true;
}

int
utf8_count(const char *s, size_t n, size_t *count)
{
	size_t i = 0, len;

	*count = 0;
	while (i < n) {
		if ((len = utf8_seq(s + i, n - i, NULL)) == 0)
			return -1;
		i += len;
		(*count)++;
	}
	return 0;
}

size_t
utf8_encode(uint32_t cp, char out[4])
{
	unsigned char *u = (unsigned char *)out;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10ffff)
		return 0;
	u[0] = (unsigned char)(0xf0 | (cp >> 18));
	u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

void
utf8_put(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t len = utf8_encode(cp, u);

	if (len == 0)
		len = utf8_encode(0xfffd, u);
	buf_append(b, u, len);
}

size_t
utf8_floor(const char *s, size_t n, size_t cut)
{
	if (cut >= n)
		return n;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

/* Code points that change how a terminal or a viewer shows what follows:
 * controls, bidirectional embeddings, overrides, isolates and marks, and
 * the separators some terminals take for a line end. */
bool
utf8_is_active(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/* An ASCII control the caller keeps (keep lists them; NUL never). */
static bool
utf8_cp_kept(uint32_t cp, const char *keep)
{
	return cp != 0 && cp < 0x20 && keep != NULL &&
	    strchr(keep, (int)cp) != NULL;
}

void
utf8_put_inert(struct buf *b, const char *s, size_t n, const char *keep)
{
	size_t i = 0, start = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_seq(s + i, n - i, &cp);
		if (len > 0 && (!utf8_is_active(cp) || utf8_cp_kept(cp,
		    keep))) {
			i += len;
			continue;
		}
		buf_append(b, s + start, i - start);
		utf8_put(b, 0xfffd);
		i += len > 0 ? len : 1;
		start = i;
	}
	buf_append(b, s + start, n - start);
}
