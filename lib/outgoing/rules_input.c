/*
 * rules_input.c - the facts of one outgoing mail as the rules read them:
 * the X-NPS-* headers, the envelope recipients and the To: addresses
 * (struct rules_input, see rules.h), and what counts as a value the help
 * desk left unset.
 *
 * Nothing here decides: the values are only made clean (one form of an
 * address, UTF-8 without control bytes), so that the decision in rules.c,
 * the store and the reports all see the same strings.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mail/address.h"
#include "mail/mime.h"
#include "outgoing/rules.h"

static const char *const field_suffix[RULES_F_COUNT] = {
	"Ticket", "Agent", "Team", "Channel", "Reason", "Priority", "Lang",
	"Survey"
};

void
rules_input_init(struct rules_input *in)
{
	memset(in, 0, sizeof(*in));
}

void
rules_input_clear(struct rules_input *in)
{
	size_t i;

	for (i = 0; i < RULES_F_COUNT; i++)
		free(in->field[i]);
	for (i = 0; i < in->n_rcpts; i++)
		free(in->rcpts[i]);
	free(in->rcpts);
	for (i = 0; i < in->n_to; i++)
		free(in->to[i]);
	free(in->to);
	rules_input_init(in);
}

bool
rules_is_prefixed(const char *prefix, const char *name, size_t nlen)
{
	size_t plen = strlen(prefix);

	return nlen >= plen && strncasecmp(name, prefix, plen) == 0;
}

/*
 * value_clean - a header value as the store and the rules see it:
 * encoded words decoded, folding undone, invalid UTF-8 read as
 * Windows-1252, control bytes made spaces, surrounding blanks trimmed.
 * Returns a string the caller frees.
 */
static char *
value_clean(const char *v, size_t vlen)
{
	struct buf b = BUF_INIT;
	size_t i, start, end;
	char *s;

	mime_words_decode(v, vlen, &b);
	if (!utf8_valid(buf_cstr(&b), b.len)) {
		/* Raw 8-bit bytes in a header: read them as the MIME module
		 * reads an unlabelled text (Windows-1252), so the store and
		 * the reports only ever hold UTF-8. */
		struct buf u = BUF_INIT;

		mime_charset_to_utf8("", b.data, b.len, &u);
		buf_free(&b);
		b = u;
	}
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	start = 0;
	end = b.len;
	while (start < end && b.data[start] == ' ')
		start++;
	while (end > start && b.data[end - 1] == ' ')
		end--;
	s = xstrndup(b.data ? b.data + start : "", end - start);
	buf_free(&b);
	return s;
}

int
rules_input_set_header(struct rules_input *in, const struct config *cf,
    const char *name, size_t nlen, const char *value, size_t vlen)
{
	size_t plen = strlen(cf->header_prefix);
	const char *suf;
	size_t slen;
	int i;

	if (!rules_is_prefixed(cf->header_prefix, name, nlen))
		return -1;
	in->any_header = true;
	suf = name + plen;
	slen = nlen - plen;
	for (i = 0; i < RULES_F_COUNT; i++) {
		if (strlen(field_suffix[i]) != slen ||
		    strncasecmp(suf, field_suffix[i], slen) != 0)
			continue;
		/* The first occurrence counts: a later duplicate cannot
		 * undo an agent's opt-out. */
		if (in->field[i] == NULL)
			in->field[i] = value_clean(value, vlen);
		return i;
	}
	return -2;
}

void
rules_input_add_rcpt(struct rules_input *in, const char *addr, size_t len)
{
	size_t i;
	char *s;

	/* The one form of an address (mail/address.h), so that the
	 * survey's recipient is the string forget and the opt-outs use. */
	if ((s = address_normalise(addr, len)) == NULL) {
		/* Not an address we can read: kept as it came, lowercased,
		 * so that the mail still leaves. */
		while (len > 0 && isspace((unsigned char)*addr)) {
			addr++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)addr[len - 1]))
			len--;
		if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
			addr++;
			len -= 2;
		}
		if (len == 0)
			return;
		s = xstrndup(addr, len);
		for (i = 0; i < len; i++) {
			if ((unsigned char)s[i] < 0x20)
				s[i] = '?';
			else
				s[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	in->rcpts = xrealloc(in->rcpts, (in->n_rcpts + 1) * sizeof(char *));
	in->rcpts[in->n_rcpts++] = s;
}

/* The bare, lowercased address of an item of a To: field. */
static void
to_add_one(struct rules_input *in, const char *a, size_t n)
{
	size_t i;
	char *s;

	while (n > 0 && isspace((unsigned char)*a)) {
		a++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)a[n - 1]))
		n--;
	if (n == 0 || memchr(a, '@', n) == NULL || in->n_to >= 100)
		return;
	s = xstrndup(a, n);
	for (i = 0; i < n; i++)
		s[i] = (unsigned char)s[i] < 0x20 ? '?' :
		    (char)tolower((unsigned char)s[i]);
	in->to = xrealloc(in->to, (in->n_to + 1) * sizeof(char *));
	in->to[in->n_to++] = s;
}

void
rules_input_add_to(struct rules_input *in, const char *v, size_t n)
{
	size_t i = 0, start, a0, a1;
	bool quoted;

	while (i < n) {
		start = i;
		quoted = false;
		a0 = a1 = (size_t)-1;
		for (; i < n; i++) {
			if (v[i] == '"')
				quoted = !quoted;
			else if (!quoted && v[i] == '<')
				a0 = i + 1;
			else if (!quoted && v[i] == '>' && a0 != (size_t)-1)
				a1 = i;
			else if (!quoted && v[i] == ',')
				break;
		}
		if (a0 != (size_t)-1 && a1 != (size_t)-1 && a1 >= a0)
			to_add_one(in, v + a0, a1 - a0);
		else
			to_add_one(in, v + start, i - start);
		i++;
	}
}

const char *
rules_field_suffix(enum rules_field f)
{
	return (size_t)f < RULES_F_COUNT ? field_suffix[f] : "?";
}

static const struct {
	const char *open, *close;
} placeholders[] = {
	{ "#{", "}" }, { "<OTRS_", ">" }, { "<OTOBO_", ">" }, { "%{", "}" },
	{ "{{", "}}" }, { "{%", "%}" }, { "{$", "}" }, { "##", "##" },
};

bool
rules_value_unset(const char *v, size_t n, const char **ph, size_t *phlen)
{
	const char *o, *c;
	size_t i, ol, cl;

	*phlen = 0;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || (n == 1 && *v == '-'))
		return true;
	for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
		ol = strlen(placeholders[i].open);
		cl = strlen(placeholders[i].close);
		o = memmem(v, n, placeholders[i].open, ol);
		if (o == NULL)
			continue;
		c = memmem(o + ol, n - (size_t)(o + ol - v),
		    placeholders[i].close, cl);
		if (c == NULL || c == o + ol)
			continue;
		*ph = o;
		*phlen = (size_t)(c + cl - o);
		return true;
	}
	return false;
}
