/*
 * json.h - a small JSON writer, and a reader for the flat objects of
 * `npsgate export` (one object of scalars per line).
 *
 * SYNOPSIS
 *	json_append_string(&b, s, len);		"..." escaped
 *	n = 0; buf_putc(&b, '{');
 *	json_member_str(&b, &n, "agent", agent);
 *	json_member_int(&b, &n, "score", 9);
 *	buf_putc(&b, '}');
 *
 *	struct json_object o;
 *	json_parse_object(line, len, &o, &err); ... json_object_clear(&o);
 *
 * DESCRIPTION
 *	The writer appends to a buf owned by the caller. Strings are
 *	length-delimited bytes; they come out as valid UTF-8 JSON whatever
 *	they hold: quotes, backslashes and control characters (NUL included)
 *	are escaped, and so are DEL, C1 controls, bidirectional controls
 *	and U+2028/U+2029 (utf8_is_active: the text is then safe inside a
 *	script or a JavaScript string, and inert on a terminal), and a byte
 *	that is not part of valid UTF-8 becomes U+FFFD. A NULL string is written as null. Non-finite numbers
 *	are written as null.
 *
 *	The reader takes one object whose values are strings, numbers, true,
 *	false or null (no nesting: export needs none) and refuses anything
 *	else with a message naming the offset. Strings are decoded (\uXXXX
 *	and surrogate pairs included) into NUL-terminated copies that also
 *	carry their length, since they may hold NUL bytes.
 */
#ifndef NPSGATE_JSON_H
#define NPSGATE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/npserr.h"

/* Appends s (n bytes) as a quoted JSON string. */
void json_append_string(struct buf *b, const char *s, size_t n);
/* Appends s as a quoted string, or null when s is NULL. */
void json_append_cstr(struct buf *b, const char *s);
/* Appends v with at most decimals digits after the point, trailing zeros
 * kept ("12.50" with 2); null when v is not finite. */
void json_append_double(struct buf *b, double v, int decimals);

/*
 * Members of an object being written: each appends a comma first unless
 * *count is 0, then "key":value, and increments *count.
 */
void json_member_str(struct buf *b, int *count, const char *key,
    const char *val);
void json_member_strn(struct buf *b, int *count, const char *key,
    const char *val, size_t n);
void json_member_int(struct buf *b, int *count, const char *key, int64_t v);
void json_member_double(struct buf *b, int *count, const char *key,
    double v, int decimals);
void json_member_bool(struct buf *b, int *count, const char *key, bool v);
void json_member_null(struct buf *b, int *count, const char *key);
/* "key": then the caller appends the value itself. */
void json_member_key(struct buf *b, int *count, const char *key);

enum json_kind {
	JSON_NULL = 0,
	JSON_BOOL,
	JSON_INT,	/* a number without fraction or exponent that fits */
	JSON_REAL,
	JSON_STRING
};

struct json_value {
	char *key;		/* NUL-terminated; keys with NUL are refused */
	enum json_kind kind;
	bool b;
	int64_t i;
	double d;
	char *s;		/* JSON_STRING: decoded, NUL-terminated */
	size_t len;		/* bytes of s */
};

struct json_object {
	struct json_value *v;	/* owned; freed by json_object_clear */
	size_t n;
};

/* Parses exactly one flat object from s[0..n) (blanks around it are
 * allowed). 0, or -1 with err ("offset N: expected ..."). out is
 * cleared first; on error it holds nothing. */
int json_parse_object(const char *s, size_t n, struct json_object *out,
    struct npserr *err);
/* The member named key, or NULL. */
const struct json_value *json_object_get(const struct json_object *o,
    const char *key);
void json_object_clear(struct json_object *o);

#endif
