/*
 * config_value.c - a key's value from its text: config_key_set().
 *
 * The file and the defaults both come through here, so a value is
 * checked the same way wherever it comes from. Numbers are whole and
 * within the key's limits, sizes take a suffix k, M or G, booleans and
 * enum names any case, lists are comma-separated with blanks trimmed.
 * A refused value leaves the config as it was.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "conf/config_int.h"

void
config_list_free(char **list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static void
append_names(struct buf *b, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		buf_printf(b, "%s%s", i ? ", " : "", names[i]);
}

static int
parse_long(const char *v, long *out)
{
	char *end;
	long n;

	if (*v == '\0' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

/* Refuses v for size key k: 'v' PROBLEM; allowed: the sizes k takes. */
static int
size_refuse(struct buf *why, const char *v, const struct key_def *k,
    const char *problem)
{
	config_refuse(why, v, problem);
	buf_printf(why, "; allowed: a size in bytes with an optional suffix "
	    "k, M or G, from %ldk to %ldG", k->min / 1024,
	    k->max / CONFIG_SIZE_G);
	return -1;
}

static int
parse_size(const char *v, const struct key_def *k, size_t *out,
    struct buf *why)
{
	unsigned long long n = 0, mult = 1;
	const char *p = v;

	if (!isdigit((unsigned char)*p))
		return size_refuse(why, v, k, " is not a size");
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (ULLONG_MAX - 9) / 10)
			return size_refuse(why, v, k, " is out of range");
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = (unsigned long long)CONFIG_SIZE_G;
		break;
	default:
		mult = 0;
	}
	if (mult == 0 || (*p != '\0' && p[1] != '\0'))
		return size_refuse(why, v, k, " is not a size");
	if (n > (unsigned long long)k->max / mult ||
	    n * mult < (unsigned long long)k->min)
		return size_refuse(why, v, k, " is out of range");
	*out = (size_t)(n * mult);
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_color(const char *v)
{
	size_t i;

	if (v[0] != '#' || strlen(v) != 7)
		return -1;
	for (i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)v[i]))
			return -1;
	return 0;
}

/* Splits "a, b ,c" into a NULL-terminated list; -1 on an empty item. */
static int
parse_list(const char *v, char ***out, size_t *count, struct buf *why)
{
	char **list = NULL;
	size_t n = 0;
	const char *p = v, *end, *s, *e;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		s = p;
		e = end;
		while (s < e && config_is_blank(*s))
			s++;
		while (e > s && config_is_blank(e[-1]))
			e--;
		if (s == e) {
			config_list_free(list);
			config_quote(why, v);
			buf_printf(why, " has an empty item (number %zu); "
			    "allowed: items separated by commas, e.g. Prix, "
			    "Qualité, Incident", n + 1);
			return -1;
		}
		list = xrealloc(list, (n + 2) * sizeof(*list));
		list[n++] = xstrndup(s, (size_t)(e - s));
		list[n] = NULL;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*out = list;
	*count = n;
	return 0;
}

/* Refuses the empty value of key k, saying what it takes instead. */
static int
key_refuse_empty(const struct key_def *k, struct buf *why)
{
	buf_puts(why, "empty value; allowed: ");
	if (k->type == KT_INT)
		buf_printf(why, "%ld..%ld", k->min, k->max);
	else if (k->type == KT_ENUM)
		append_names(why, k->names);
	else if (k->type == KT_BOOL)
		buf_puts(why, "yes, no, true, false, on, off, 1, 0");
	else if (k->type == KT_PATH)
		buf_puts(why, "an absolute path");
	else if (k->type == KT_SIZE)
		buf_puts(why, "a size such as 50M");
	else if (k->type == KT_COLOR)
		buf_puts(why, "#rrggbb");
	else if (k->def != NULL)
		buf_printf(why, "a value such as %s", k->def);
	else
		buf_puts(why, "a value (this key is required)");
	return -1;
}

/* KT_STR, KT_PATH, KT_TEXT: the text itself, after the key's check. The
 * reply address also gives the local part and the domain. */
static int
key_set_string(struct config *cf, const struct key_def *k, char **p,
    const char *v, struct buf *why)
{
	if (*v != '\0' && k->type == KT_PATH && v[0] != '/')
		return config_refuse(why, v, " is not an absolute path; "
		    "allowed: a path starting with /");
	if (*v != '\0' && k->check != NULL && k->check(v, why) < 0)
		return -1;
	free(*p);
	*p = *v == '\0' && (k->flags & K_OPTIONAL) ? NULL : xstrdup(v);
	if (k->off == G(reply_address) && k->sec == SEC_GENERAL) {
		const char *at = strchr(v, '@');

		free(cf->reply_local);
		free(cf->reply_domain);
		cf->reply_local = xstrndup(v, (size_t)(at - v));
		cf->reply_domain = xstrdup(at + 1);
	}
	return 0;
}

static int
key_set_int(const struct key_def *k, int *p, const char *v, struct buf *why)
{
	long n;

	if (parse_long(v, &n) < 0) {
		config_quote(why, v);
		buf_printf(why, " is not a whole number; allowed: %ld..%ld",
		    k->min, k->max);
		return -1;
	}
	if (n < k->min || n > k->max) {
		config_quote(why, v);
		buf_printf(why, " is out of range; allowed: %ld..%ld", k->min,
		    k->max);
		return -1;
	}
	*p = (int)n;
	return 0;
}

static int
key_set_enum(const struct key_def *k, int *p, const char *v, struct buf *why)
{
	size_t i;

	for (i = 0; k->names[i] != NULL; i++)
		if (strcasecmp(v, k->names[i]) == 0) {
			/* Our enums are int-sized and start at 0. */
			*p = (int)i;
			return 0;
		}
	config_quote(why, v);
	buf_printf(why, " is not a %s; allowed: ", k->noun);
	append_names(why, k->names);
	return -1;
}

/* KT_LIST: every item checked before the old list is replaced; an empty
 * value is the empty list. */
static int
key_set_list(struct config *cf, const struct key_def *k, char ***p,
    const char *v, struct buf *why)
{
	size_t *np = (size_t *)((char *)cf + k->off_n);
	char **list = NULL;
	size_t i, n = 0;

	if (*v != '\0' && parse_list(v, &list, &n, why) < 0)
		return -1;
	for (i = 0; k->check != NULL && i < n; i++)
		if (k->check(list[i], why) < 0) {
			config_list_free(list);
			return -1;
		}
	config_list_free(*p);
	*p = list;
	*np = n;
	return 0;
}

int
config_key_set(struct config *cf, const struct key_def *k, int ch,
    const char *v, struct buf *why)
{
	void *p = config_key_ptr(cf, k, ch);
	bool b;
	size_t sz;

	if (config_check_plain(v, why) < 0)
		return -1;
	if (*v == '\0' && k->type != KT_LIST &&
	    !(k->flags & (K_OPTIONAL | K_EMPTY_OK)))
		return key_refuse_empty(k, why);
	switch (k->type) {
	case KT_STR:
	case KT_PATH:
	case KT_TEXT:
		return key_set_string(cf, k, p, v, why);
	case KT_INT:
		return key_set_int(k, p, v, why);
	case KT_SIZE:
		if (parse_size(v, k, &sz, why) < 0)
			return -1;
		*(size_t *)p = sz;
		return 0;
	case KT_BOOL:
		if (parse_bool(v, &b) < 0)
			return config_refuse(why, v, " is not a boolean; "
			    "allowed: yes, no, true, false, on, off, 1, 0");
		*(bool *)p = b;
		return 0;
	case KT_ENUM:
		return key_set_enum(k, p, v, why);
	case KT_LIST:
		return key_set_list(cf, k, p, v, why);
	case KT_COLOR:
		if (parse_color(v) < 0)
			return config_refuse(why, v, " is not a colour; "
			    "allowed: #rrggbb with six hex digits, "
			    "e.g. #1a9641");
		free(*(char **)p);
		*(char **)p = xstrdup(v);
		return 0;
	}
	return -1;
}
