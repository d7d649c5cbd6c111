/*
 * mime_int.h - helpers shared by the pieces of the MIME code (mime.c,
 * mime_header.c, mime_codec.c, mime_words.c); not a public interface.
 *
 * They look at bytes, never at a locale: mail headers and transfer
 * encodings are ASCII whatever the text they carry.
 */
#ifndef NPSGATE_MIME_INT_H
#define NPSGATE_MIME_INT_H

#include <stddef.h>

/* A blank of a header line (RFC 5322 WSP). */
static inline int
mime_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static inline int
mime_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Copies at most cap - 1 bytes, lowercased, NUL-terminated. */
static inline void
mime_copy_lower(char *dst, size_t cap, const char *p, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = (char)mime_lower((unsigned char)p[i]);
	dst[n] = '\0';
}

/* The offset in v[0..n) after the blanks, line breaks and (nested)
 * comments that start at i. */
size_t mime_skip_cfws(const char *v, size_t n, size_t i);

#endif
