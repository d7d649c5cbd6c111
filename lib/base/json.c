/*
 * json.c - a small JSON writer and a reader of flat objects; see json.h
 * for the contract.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "base/xalloc.h"

void
json_append_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, len;
	uint32_t cp;

	buf_putc(b, '"');
	while (i < n) {
		/* Copy plain runs in one append. */
		run = i;
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			buf_append(b, p + i, run - i);
			i = run;
			continue;
		}
		switch (p[i]) {
		case '"':
			buf_puts(b, "\\\"");
			i++;
			continue;
		case '\\':
			buf_puts(b, "\\\\");
			i++;
			continue;
		case '\n':
			buf_puts(b, "\\n");
			i++;
			continue;
		case '\r':
			buf_puts(b, "\\r");
			i++;
			continue;
		case '\t':
			buf_puts(b, "\\t");
			i++;
			continue;
		default:
			break;
		}
		if (p[i] < 0x20) {
			buf_printf(b, "\\u%04x", p[i]);
			i++;
			continue;
		}
		len = utf8_seq(s + i, n - i, &cp);
		if (len == 0) {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
		} else if (utf8_is_active(cp)) {
			/* Escaped, the same string for a parser, but inert on
			 * a terminal that shows the JSON. */
			buf_printf(b, "\\u%04x", (unsigned)cp);
			i += len;
		} else {
			buf_append(b, p + i, len);
			i += len;
		}
	}
	buf_putc(b, '"');
}

void
json_append_cstr(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		json_append_string(b, s, strlen(s));
}

void
json_append_double(struct buf *b, double v, int decimals)
{
	if (!isfinite(v)) {
		buf_puts(b, "null");
		return;
	}
	/* "-0.0" is valid JSON but surprises: a value that rounds to
	 * zero prints as 0. */
	if (fabs(v) * pow(10.0, decimals) < 0.5)
		v = 0.0;
	buf_printf(b, "%.*f", decimals, v);
}

void
json_member_key(struct buf *b, int *count, const char *key)
{
	if (*count > 0)
		buf_putc(b, ',');
	(*count)++;
	json_append_cstr(b, key);
	buf_putc(b, ':');
}

void
json_member_str(struct buf *b, int *count, const char *key, const char *val)
{
	json_member_key(b, count, key);
	json_append_cstr(b, val);
}

void
json_member_strn(struct buf *b, int *count, const char *key, const char *val,
    size_t n)
{
	json_member_key(b, count, key);
	json_append_string(b, val, n);
}

void
json_member_int(struct buf *b, int *count, const char *key, int64_t v)
{
	json_member_key(b, count, key);
	buf_printf(b, "%lld", (long long)v);
}

void
json_member_double(struct buf *b, int *count, const char *key, double v,
    int decimals)
{
	json_member_key(b, count, key);
	json_append_double(b, v, decimals);
}

void
json_member_bool(struct buf *b, int *count, const char *key, bool v)
{
	json_member_key(b, count, key);
	buf_puts(b, v ? "true" : "false");
}

void
json_member_null(struct buf *b, int *count, const char *key)
{
	json_member_key(b, count, key);
	buf_puts(b, "null");
}

/* --- reader --------------------------------------------------------- */

struct json_in {
	const char *s;
	size_t n, i;
	struct npserr *err;
};

static void
json_skip_ws(struct json_in *in)
{
	while (in->i < in->n && (in->s[in->i] == ' ' || in->s[in->i] == '\t' ||
	    in->s[in->i] == '\r' || in->s[in->i] == '\n'))
		in->i++;
}

static int
json_fail(struct json_in *in, const char *what)
{
	npserr_set(in->err, "offset %zu: %s", in->i, what);
	return -1;
}

static int
json_hex4(struct json_in *in, uint32_t *out)
{
	uint32_t v = 0;
	size_t k;
	char c;

	if (in->n - in->i < 4)
		return json_fail(in, "expected 4 hex digits after \\u");
	for (k = 0; k < 4; k++) {
		c = in->s[in->i + k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return json_fail(in, "expected 4 hex digits after \\u");
	}
	in->i += 4;
	*out = v;
	return 0;
}

/* A string at in->i (on its opening quote) decoded into out. */
static int
json_read_string(struct json_in *in, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in->s;
	uint32_t cp, lo;
	size_t len;

	in->i++;
	for (;;) {
		if (in->i >= in->n)
			return json_fail(in, "unterminated string");
		if (p[in->i] == '"') {
			in->i++;
			return 0;
		}
		if (p[in->i] < 0x20)
			return json_fail(in, "control character in a string");
		if (p[in->i] != '\\') {
			len = utf8_seq(in->s + in->i, in->n - in->i, &cp);
			if (len == 0)
				return json_fail(in, "invalid UTF-8");
			buf_append(out, p + in->i, len);
			in->i += len;
			continue;
		}
		if (++in->i >= in->n)
			return json_fail(in, "unterminated escape");
		switch (p[in->i++]) {
		case '"':
			buf_putc(out, '"');
			break;
		case '\\':
			buf_putc(out, '\\');
			break;
		case '/':
			buf_putc(out, '/');
			break;
		case 'b':
			buf_putc(out, '\b');
			break;
		case 'f':
			buf_putc(out, '\f');
			break;
		case 'n':
			buf_putc(out, '\n');
			break;
		case 'r':
			buf_putc(out, '\r');
			break;
		case 't':
			buf_putc(out, '\t');
			break;
		case 'u':
			if (json_hex4(in, &cp) == -1)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return json_fail(in, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (in->n - in->i < 2 || in->s[in->i] != '\\' ||
				    in->s[in->i + 1] != 'u')
					return json_fail(in, "lone high"
					    " surrogate");
				in->i += 2;
				if (json_hex4(in, &lo) == -1)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return json_fail(in, "bad surrogate"
					    " pair");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			utf8_put(out, cp);
			break;
		default:
			in->i--;
			return json_fail(in, "unknown escape");
		}
	}
}

static bool
json_match(struct json_in *in, const char *word)
{
	size_t len = strlen(word);

	if (in->n - in->i < len || memcmp(in->s + in->i, word, len) != 0)
		return false;
	in->i += len;
	return true;
}

static int
json_read_number(struct json_in *in, struct json_value *v)
{
	size_t start = in->i, k;
	bool integral = true;
	char tmp[64], *end;
	long long ll;

	if (in->i < in->n && in->s[in->i] == '-')
		in->i++;
	if (in->i >= in->n || in->s[in->i] < '0' || in->s[in->i] > '9')
		return json_fail(in, "expected a value");
	if (in->s[in->i] == '0')
		in->i++;
	else
		while (in->i < in->n && in->s[in->i] >= '0' &&
		    in->s[in->i] <= '9')
			in->i++;
	if (in->i < in->n && in->s[in->i] == '.') {
		integral = false;
		k = ++in->i;
		while (in->i < in->n && in->s[in->i] >= '0' &&
		    in->s[in->i] <= '9')
			in->i++;
		if (in->i == k)
			return json_fail(in, "expected a digit");
	}
	if (in->i < in->n && (in->s[in->i] == 'e' || in->s[in->i] == 'E')) {
		integral = false;
		in->i++;
		if (in->i < in->n && (in->s[in->i] == '+' ||
		    in->s[in->i] == '-'))
			in->i++;
		k = in->i;
		while (in->i < in->n && in->s[in->i] >= '0' &&
		    in->s[in->i] <= '9')
			in->i++;
		if (in->i == k)
			return json_fail(in, "expected a digit");
	}
	if (in->i - start >= sizeof(tmp))
		return json_fail(in, "number too long");
	memcpy(tmp, in->s + start, in->i - start);
	tmp[in->i - start] = '\0';
	if (integral) {
		errno = 0;
		ll = strtoll(tmp, &end, 10);
		if (errno == 0 && *end == '\0') {
			v->kind = JSON_INT;
			v->i = ll;
			return 0;
		}
	}
	v->kind = JSON_REAL;
	v->d = strtod(tmp, &end);
	return 0;
}

static int
json_read_value(struct json_in *in, struct json_value *v)
{
	struct buf b = BUF_INIT;

	if (in->i >= in->n)
		return json_fail(in, "expected a value");
	switch (in->s[in->i]) {
	case '"':
		if (json_read_string(in, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		v->kind = JSON_STRING;
		v->len = b.len;
		v->s = b.data != NULL ? buf_steal(&b) : xstrdup("");
		return 0;
	case '{':
	case '[':
		return json_fail(in, "nested values are not supported");
	default:
		break;
	}
	if (json_match(in, "null")) {
		v->kind = JSON_NULL;
		return 0;
	}
	if (json_match(in, "true")) {
		v->kind = JSON_BOOL;
		v->b = true;
		return 0;
	}
	if (json_match(in, "false")) {
		v->kind = JSON_BOOL;
		v->b = false;
		return 0;
	}
	return json_read_number(in, v);
}

void
json_object_clear(struct json_object *o)
{
	size_t k;

	for (k = 0; k < o->n; k++) {
		free(o->v[k].key);
		free(o->v[k].s);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

int
json_parse_object(const char *s, size_t n, struct json_object *out,
    struct npserr *err)
{
	struct json_in in = { s, n, 0, err };
	struct buf key = BUF_INIT;
	struct json_value *v;
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	json_skip_ws(&in);
	if (in.i >= in.n || s[in.i] != '{')
		return json_fail(&in, "expected '{'");
	in.i++;
	json_skip_ws(&in);
	if (in.i < in.n && s[in.i] == '}') {
		in.i++;
		goto end;
	}
	for (;;) {
		json_skip_ws(&in);
		if (in.i >= in.n || s[in.i] != '"') {
			json_fail(&in, "expected a member name");
			goto fail;
		}
		buf_reset(&key);
		if (json_read_string(&in, &key) == -1)
			goto fail;
		if (memchr(buf_cstr(&key), '\0', key.len) != NULL) {
			json_fail(&in, "NUL in a member name");
			goto fail;
		}
		json_skip_ws(&in);
		if (in.i >= in.n || s[in.i] != ':') {
			json_fail(&in, "expected ':'");
			goto fail;
		}
		in.i++;
		json_skip_ws(&in);
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		v = &out->v[out->n];
		memset(v, 0, sizeof(*v));
		v->key = xstrdup(buf_cstr(&key));
		out->n++;
		if (json_read_value(&in, v) == -1)
			goto fail;
		json_skip_ws(&in);
		if (in.i < in.n && s[in.i] == ',') {
			in.i++;
			continue;
		}
		if (in.i < in.n && s[in.i] == '}') {
			in.i++;
			break;
		}
		json_fail(&in, "expected ',' or '}'");
		goto fail;
	}
end:
	json_skip_ws(&in);
	if (in.i != in.n) {
		json_fail(&in, "text after the object");
		goto fail;
	}
	buf_free(&key);
	return 0;
fail:
	buf_free(&key);
	json_object_clear(out);
	return -1;
}

const struct json_value *
json_object_get(const struct json_object *o, const char *key)
{
	size_t k;

	for (k = 0; k < o->n; k++)
		if (strcmp(o->v[k].key, key) == 0)
			return &o->v[k];
	return NULL;
}
