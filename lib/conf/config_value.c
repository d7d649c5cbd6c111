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

static void
size_allowed(struct buf *b, const struct key_def *k)
{
	buf_printf(b, "; allowed: a size in bytes with an optional suffix k, "
	    "M or G, from %ldk to %ldG", k->min / 1024, k->max / CONFIG_SIZE_G);
}

static int
parse_size(const char *v, const struct key_def *k, size_t *out,
    struct buf *why)
{
	unsigned long long n = 0, mult = 1;
	const char *p = v;

	if (!isdigit((unsigned char)*p)) {
		config_quote(why, v);
		buf_puts(why, " is not a size");
		size_allowed(why, k);
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (ULLONG_MAX - 9) / 10) {
			config_quote(why, v);
			buf_puts(why, " is out of range");
			size_allowed(why, k);
			return -1;
		}
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
	if (mult == 0 || (*p != '\0' && p[1] != '\0')) {
		config_quote(why, v);
		buf_puts(why, " is not a size");
		size_allowed(why, k);
		return -1;
	}
	if (n > (unsigned long long)k->max / mult ||
	    n * mult < (unsigned long long)k->min) {
		config_quote(why, v);
		buf_puts(why, " is out of range");
		size_allowed(why, k);
		return -1;
	}
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

int
config_key_set(struct config *cf, const struct key_def *k, int ch,
    const char *v, struct buf *why)
{
	void *p = config_key_ptr(cf, k, ch);
	long n;
	bool b;
	size_t i, sz;

	if (config_check_plain(v, why) < 0)
		return -1;
	if (*v == '\0' && k->type != KT_LIST &&
	    !(k->flags & (K_OPTIONAL | K_EMPTY_OK))) {
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
	switch (k->type) {
	case KT_STR:
	case KT_PATH:
	case KT_TEXT:
		if (*v != '\0' && k->type == KT_PATH && v[0] != '/') {
			config_quote(why, v);
			buf_puts(why, " is not an absolute path; allowed: a "
			    "path starting with /");
			return -1;
		}
		if (*v != '\0' && k->check != NULL && k->check(v, why) < 0)
			return -1;
		free(*(char **)p);
		*(char **)p = *v == '\0' && (k->flags & K_OPTIONAL) ? NULL :
		    xstrdup(v);
		if (k->off == G(reply_address) && k->sec == SEC_GENERAL) {
			const char *at = strchr(v, '@');

			free(cf->reply_local);
			free(cf->reply_domain);
			cf->reply_local = xstrndup(v, (size_t)(at - v));
			cf->reply_domain = xstrdup(at + 1);
		}
		return 0;
	case KT_INT:
		if (parse_long(v, &n) < 0) {
			config_quote(why, v);
			buf_printf(why, " is not a whole number; allowed: "
			    "%ld..%ld", k->min, k->max);
			return -1;
		}
		if (n < k->min || n > k->max) {
			config_quote(why, v);
			buf_printf(why, " is out of range; allowed: %ld..%ld",
			    k->min, k->max);
			return -1;
		}
		*(int *)p = (int)n;
		return 0;
	case KT_SIZE:
		if (parse_size(v, k, &sz, why) < 0)
			return -1;
		*(size_t *)p = sz;
		return 0;
	case KT_BOOL:
		if (parse_bool(v, &b) < 0) {
			config_quote(why, v);
			buf_puts(why, " is not a boolean; allowed: yes, no, "
			    "true, false, on, off, 1, 0");
			return -1;
		}
		*(bool *)p = b;
		return 0;
	case KT_ENUM:
		for (i = 0; k->names[i] != NULL; i++)
			if (strcasecmp(v, k->names[i]) == 0) {
				/* Our enums are int-sized and start at 0. */
				*(int *)p = (int)i;
				return 0;
			}
		config_quote(why, v);
		buf_printf(why, " is not a %s; allowed: ", k->noun);
		append_names(why, k->names);
		return -1;
	case KT_LIST: {
		char ***lp = p;
		size_t *np = (size_t *)((char *)cf + k->off_n);
		char **list = NULL;

		sz = 0;
		if (*v != '\0' && parse_list(v, &list, &sz, why) < 0)
			return -1;
		for (i = 0; k->check != NULL && i < sz; i++)
			if (k->check(list[i], why) < 0) {
				config_list_free(list);
				return -1;
			}
		config_list_free(*lp);
		*lp = list;
		*np = sz;
		return 0;
	}
	case KT_COLOR:
		if (parse_color(v) < 0) {
			config_quote(why, v);
			buf_puts(why, " is not a colour; allowed: #rrggbb with "
			    "six hex digits, e.g. #1a9641");
			return -1;
		}
		free(*(char **)p);
		*(char **)p = xstrdup(v);
		return 0;
	}
	return -1;
}
