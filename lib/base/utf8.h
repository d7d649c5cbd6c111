/*
 * utf8.h - UTF-8 sequences, checked the one way.
 *
 * Every part of npsgate that looks at UTF-8 (config values, JSON, MIME
 * parts, headers of the mails it sends) calls these functions, so that a
 * byte string is valid or invalid for all of them alike: overlong forms,
 * surrogates and code points past U+10FFFF are invalid.
 *
 * SYNOPSIS
 *	size_t utf8_seq(const char *s, size_t n, uint32_t *cp);
 *	bool utf8_valid(const char *s, size_t n);
 *	int utf8_count(const char *s, size_t n, size_t *count);
 *	size_t utf8_encode(uint32_t cp, char out[4]);
 *	void utf8_put(struct buf *b, uint32_t cp);
 *	size_t utf8_floor(const char *s, size_t n, size_t cut);
bool utf8_is_active(uint32_t cp);
void utf8_put_inert(struct buf *b, const char *s, size_t n,
    const char *keep);
 *	bool utf8_is_active(uint32_t cp);
 *	void utf8_put_inert(struct buf *b, const char *s, size_t n,
 *	    const char *keep);
 *
 * DESCRIPTION
 *	utf8_seq() returns the length (1 to 4) of the valid sequence that
 *	starts s[0..n), or 0 when none starts there or n is 0; it never reads
 *	past n. When cp is not NULL, *cp gets the code point.
 *
 *	utf8_valid() says whether all of s[0..n) is valid UTF-8.
 *
 *	utf8_count() counts the code points of s[0..n) into *count and
 *	returns 0; -1 when s is not valid UTF-8, *count then being the
 *	characters before the first bad byte.
 *
 *	utf8_encode() writes the sequence of cp (at most U+10FFFF, no
 *	surrogate) into out and returns its length; 0 for an invalid cp.
 *	utf8_put() appends it to b, U+FFFD for an invalid cp.
 *
 *	utf8_floor() returns the largest length <= cut that does not end
 *	inside a sequence of s[0..n): where to cut a string of n bytes.
 *
 *	utf8_is_active() says whether cp acts on what shows the text (a
 *	terminal, a spreadsheet) instead of being shown: a control
 *	character (C0, DEL, C1 U+0080-U+009F), a bidirectional control
 *	(U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), or the line
 *	and paragraph separators U+2028 and U+2029.
 *
 *	utf8_put_inert() appends s[0..n) as text that cannot act on what
 *	shows it: each active code point (but the ASCII controls listed in
 *	keep) and each byte that starts no valid sequence becomes one
 *	U+FFFD, so the place of what was removed stays visible and takes
 *	one column. keep may be "" (NULL: the same).
 */
#ifndef NPSGATE_UTF8_H
#define NPSGATE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

size_t utf8_seq(const char *s, size_t n, uint32_t *cp);
bool utf8_valid(const char *s, size_t n);
int utf8_count(const char *s, size_t n, size_t *count);
size_t utf8_encode(uint32_t cp, char out[4]);
void utf8_put(struct buf *b, uint32_t cp);
size_t utf8_floor(const char *s, size_t n, size_t cut);
bool utf8_is_active(uint32_t cp);
void utf8_put_inert(struct buf *b, const char *s, size_t n,
    const char *keep);

#endif
