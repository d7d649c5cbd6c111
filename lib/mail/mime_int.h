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

/* The offset in v[0..n) after the blanks, line breaks and (nested)
 * comments that start at i. */
size_t mime_skip_cfws(const char *v, size_t n, size_t i);

#endif
