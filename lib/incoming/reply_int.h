/*
 * reply_int.h - small text helpers shared by reply.c, reply_text.c and
 * reply_score.c (not a public interface).
 *
 * Matching is on UTF-8 bytes, case-insensitive for ASCII and for the
 * Latin-1 letters French needs (É/é, À/à, Ç/ç ...): patterns are written
 * in lowercase.
 */
#ifndef NPSGATE_REPLY_INT_H
#define NPSGATE_REPLY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline unsigned char
rint_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Byte i of s folded to lowercase; Latin-1 capitals (C3 80..C3 9E but
 * the multiplication sign) fold to their small letter's second byte. */
static inline unsigned char
rint_fold(const char *s, size_t i)
{
	unsigned char c = (unsigned char)s[i];

	if (i > 0 && (unsigned char)s[i - 1] == 0xc3 && c >= 0x80 &&
	    c <= 0x9e && c != 0x97)
		return (unsigned char)(c + 0x20);
	return rint_lower(c);
}

/* True when s[0..n) starts with the lowercase pattern pat. */
static inline bool
rint_prefix(const char *s, size_t n, const char *pat)
{
	size_t i;

	for (i = 0; pat[i] != '\0'; i++)
		if (i >= n || rint_fold(s, i) != (unsigned char)pat[i])
			return false;
	return true;
}

/* True when s[0..n) equals the lowercase pattern pat. */
static inline bool
rint_equal(const char *s, size_t n, const char *pat)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pat[i] == '\0' || rint_fold(s, i) != (unsigned char)pat[i])
			return false;
	return pat[n] == '\0';
}

/* True when s[0..n) ends with the lowercase pattern pat. */
static inline bool
rint_suffix(const char *s, size_t n, const char *pat)
{
	size_t m = strlen(pat), i;

	if (m > n)
		return false;
	for (i = 0; i < m; i++)
		if (rint_fold(s, n - m + i) != (unsigned char)pat[i])
			return false;
	return true;
}

/* Offset of the lowercase pattern in s[0..n), or (size_t)-1. */
static inline size_t
rint_find(const char *s, size_t n, const char *pat)
{
	size_t i, m = strlen(pat);
	unsigned char c0 = (unsigned char)pat[0], u0;

	if (m == 0 || m > n)
		return (size_t)-1;
	/* The first byte, in either case, before the whole comparison. */
	u0 = c0 >= 'a' && c0 <= 'z' ? (unsigned char)(c0 - 32) : c0;
	for (i = 0; i + m <= n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != c0 && c != u0)
			continue;
		if (rint_prefix(s + i, n - i, pat))
			return i;
	}
	return (size_t)-1;
}

static inline bool
rint_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
rint_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A byte that belongs to a word: ASCII letters and digits, and every
 * byte of a multi-byte UTF-8 letter of the Latin ranges (lead bytes
 * C3..C9 and their continuation bytes). */
static inline bool
rint_is_word_byte(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];

	if (rint_is_alpha(c) || rint_is_digit(c))
		return true;
	if (c >= 0xc3 && c <= 0xc9)
		return true;
	if (c >= 0x80 && c <= 0xbf && i > 0) {
		unsigned char p = (unsigned char)s[i - 1];

		return p >= 0xc3 && p <= 0xc9;
	}
	(void)n;	/* i < n is the caller's promise */
	return false;
}

static inline bool
rint_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/*
 * rint_prefill_line - whether the trimmed line s[0..n) is a line of one of
 * the widget's pre-filled bodies (struct reply_ctx prefill; NULL: none):
 * among the lines holding {score} when with_score, among the others when
 * not. Defined in reply_text.c.
 */
bool rint_prefill_line(const char *const *prefill, const char *s, size_t n,
    bool with_score);

#endif
