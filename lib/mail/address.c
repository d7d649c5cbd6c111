/*
 * address.c - the normal form of a mail address; see address.h for the
 * rules and the contract.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "mail/address.h"

#define ADDRESS_MAX 320		/* bytes: 64 of local part, 255 of domain */

static bool
address_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
address_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static unsigned char
address_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* A character of an atom (RFC 5322 atext), UTF-8 bytes included
 * (RFC 6532). */
static bool
address_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* True when s[0..n) may be written without quotes: atoms joined by
 * single dots. */
static bool
address_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' && s[i + 1] == '.')
			return false;
		if (c != '.' && !address_atext(c))
			return false;
	}
	return true;
}

/* The local part at s[0..len), what it says into local (lowercase); the
 * offset of the '@' after it, or 0 when it is malformed. */
static size_t
address_local(const char *s, size_t len, struct buf *local)
{
	size_t i;

	if (s[0] != '"') {
		for (i = 0; i < len && s[i] != '@'; i++) {
			unsigned char c = (unsigned char)s[i];

			if (address_blank(c) || c == '"' || c == '\\')
				return 0;
			buf_putc(local, (char)address_lower(c));
		}
		return i < len && i > 0 ? i : 0;
	}
	for (i = 1; i < len && s[i] != '"'; i++) {
		if (s[i] == '\\' && ++i >= len)
			return 0;
		buf_putc(local, (char)address_lower((unsigned char)s[i]));
	}
	if (i + 1 >= len || s[i + 1] != '@' || local->len == 0)
		return 0;
	return i + 1;
}

/* address_normalise - see address.h. */
char *
address_normalise(const char *s, size_t len)
{
	struct buf local = BUF_INIT, out = BUF_INIT;
	const char *l;
	size_t at, i;

	while (len > 0 && address_blank((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && address_blank((unsigned char)s[len - 1]))
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len == 0 || len > ADDRESS_MAX)
		return NULL;
	for (i = 0; i < len; i++)
		if (address_control((unsigned char)s[i]))
			return NULL;
	if ((at = address_local(s, len, &local)) == 0 || at + 1 >= len)
		goto bad;
	for (i = at + 1; i < len; i++)
		if (s[i] == '@' || s[i] == '"' || s[i] == '<' || s[i] == '>' ||
		    address_blank((unsigned char)s[i]))
			goto bad;
	l = buf_cstr(&local);
	if (address_dot_atom(l, local.len)) {
		buf_append(&out, l, local.len);
	} else {
		buf_putc(&out, '"');
		for (i = 0; i < local.len; i++) {
			if (l[i] == '"' || l[i] == '\\')
				buf_putc(&out, '\\');
			buf_putc(&out, l[i]);
		}
		buf_putc(&out, '"');
	}
	buf_putc(&out, '@');
	for (i = at + 1; i < len; i++)
		buf_putc(&out, (char)address_lower((unsigned char)s[i]));
	buf_free(&local);
	return buf_steal(&out);

bad:
	buf_free(&local);
	return NULL;
}

/* The first word of v[0..n) that holds an '@' (a quoted string kept
 * whole; blanks, ',' and '(' end a word), normalised; NULL when none. */
static char *
address_word(const char *v, size_t n)
{
	bool quoted = false;
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)v[i] : ' ';

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == '"') {
			quoted = true;
		} else if (address_blank(c) || c == ',' || c == '(') {
			if (i > start && memchr(v + start, '@', i - start))
				return address_normalise(v + start,
				    i - start);
			start = i + 1;
		}
	}
	return NULL;
}

/* address_first - see address.h. */
char *
address_first(const char *v, size_t n)
{
	size_t i, start = 0, lt = SIZE_MAX, cut = SIZE_MAX;
	bool quoted = false;
	int depth = 0;
	char *a;

	for (i = 0; i < n; i++) {
		if (quoted) {
			if (v[i] == '\\')
				i++;
			else if (v[i] == '"')
				quoted = false;
		} else if (v[i] == '"') {
			quoted = true;
		} else if (v[i] == '(') {
			if (depth++ == 0 && cut == SIZE_MAX)
				cut = i;
		} else if (v[i] == ')' && depth > 0) {
			depth--;
		} else if (depth == 0 && v[i] == '<') {
			lt = i + 1;
		} else if (depth == 0 && v[i] == '>' && lt != SIZE_MAX) {
			return address_normalise(v + lt, i - lt);
		} else if (depth == 0 && v[i] == ',') {
			if (i > start)
				break;
			start = i + 1;
		}
	}
	if (i > n)
		i = n;
	/* A '<' never closed: what follows it. */
	if (lt != SIZE_MAX)
		return lt <= i ? address_normalise(v + lt, i - lt) : NULL;
	if (cut != SIZE_MAX && cut >= start && cut < i)
		i = cut;
	if ((a = address_normalise(v + start, i - start)) != NULL)
		return a;
	return address_word(v + start, i - start);
}

/* address_list_next - see address.h. */
bool
address_list_next(const char *v, size_t n, size_t *pos, const char **a,
    size_t *alen)
{
	size_t i = *pos, start = i, a0 = SIZE_MAX, a1 = SIZE_MAX;
	bool quoted = false;

	if (i >= n)
		return false;
	for (; i < n; i++) {
		if (v[i] == '"')
			quoted = !quoted;
		else if (!quoted && v[i] == '<')
			a0 = i + 1;
		else if (!quoted && v[i] == '>' && a0 != SIZE_MAX)
			a1 = i;
		else if (!quoted && v[i] == ',')
			break;
	}
	*pos = i + 1;
	if (a0 == SIZE_MAX || a1 == SIZE_MAX || a1 < a0) {
		a0 = start;
		a1 = i;
		while (a0 < a1 && address_blank((unsigned char)v[a0]))
			a0++;
		while (a1 > a0 && address_blank((unsigned char)v[a1 - 1]))
			a1--;
	}
	*a = v + a0;
	*alen = a1 - a0;
	return true;
}
