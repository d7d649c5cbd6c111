/*
 * reply_text.c - the customer's own text in a reply body; see reply.h
 * (reply_text_own, reply_text_own_from).
 *
 * The body is normalised (line ends, odd spaces), cut into trimmed lines,
 * and each line is kept or dropped: quoted (">") lines go, and what
 * follows a quote is kept, so bottom-posted and inline answers count. The
 * cut follows the pattern, not the client. The lines that end the
 * customer's text or open a signature are recognised by the other pieces
 * (reply_int.h):
 *
 *   reply_attribution.c  "On ... wrote:", "Am ... schrieb ...:",
 *                        "2017-11-24 16:32 GMT+01:00 Name <a@b>:"
 *   reply_separator.c    "-----Original Message-----", a rule of "_" or
 *                        "=", a block of header lines ("De :", "Von:",
 *                        "件名:"), "Begin forwarded message"
 *   reply_signature.c    "-- ", device lines, closing formulas,
 *                        disclaimers, footers, a signature block without
 *                        a delimiter
 *
 * An attribution not followed by quoted lines, a separator or a block of
 * header lines ends the text, since the client pasted the old message
 * under it as it was. The widget's pre-filled lines go too.
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "incoming/reply.h"
#include "incoming/reply_int.h"

/* Copies text with line ends made LF, no-break and thin spaces made
 * spaces, tabs made spaces, zero-width characters and BOMs removed. */
static void
normalise(const char *s, size_t n, struct buf *out)
{
	size_t i, run;

	buf_reserve(out, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Plain ASCII runs go in one copy. */
		for (run = i; run < n && (unsigned char)s[run] >= 0x20 &&
		    (unsigned char)s[run] < 0x80; run++)
			;
		if (run > i) {
			buf_append(out, s + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			buf_putc(out, '\n');
		} else if (c == '\t' || c == '\f' || c == '\v' || c == 0) {
			buf_putc(out, ' ');
		} else if (c == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xa0) {
			buf_putc(out, ' ');
			i++;
		} else if (c == 0xe2 && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xaf ||
		    (unsigned char)s[i + 2] == 0x89 ||
		    (unsigned char)s[i + 2] == 0x8a)) {
			buf_putc(out, ' ');	/* narrow, thin, hair space */
			i += 2;
		} else if (c == 0xe2 && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x8b ||
		    (unsigned char)s[i + 2] == 0x8c ||
		    (unsigned char)s[i + 2] == 0x8d)) {
			i += 2;		/* zero-width space and joiners */
		} else if (c == 0xef && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0xbb &&
		    (unsigned char)s[i + 2] == 0xbf) {
			i += 2;
		} else {
			buf_putc(out, c);
		}
	}
}

static size_t
split_lines(const char *s, size_t n, struct reply_line **out)
{
	size_t count = 1, i, k = 0, start = 0;
	struct reply_line *v;

	for (i = 0; i < n; i++)
		if (s[i] == '\n')
			count++;
	v = xcalloc(count, sizeof(*v));
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n')
			continue;
		const char *p = s + start;
		size_t len = i - start;

		while (len > 0 && (*p == ' '))
			p++, len--;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		v[k].p = p;
		v[k].n = len;
		v[k].quote = len > 0 && p[0] == '>';
		v[k].keep = false;
		k++;
		start = i + 1;
	}
	*out = v;
	return k;
}

/* The first line from i on that is not blank, or count. */
static size_t
next_nonblank(const struct reply_line *v, size_t count, size_t i)
{
	while (i < count && v[i].n == 0)
		i++;
	return i;
}

/* Marks each line kept or dropped; see the file comment. */
static void
classify(struct reply_line *v, size_t count, const char *const *prefill)
{
	size_t i, j, a, cut;
	bool in_sig = false, text_seen = false;

	for (i = 0; i < count; i++) {
		const char *p = v[i].p;
		size_t n = v[i].n;

		if (v[i].quote) {
			in_sig = false;
			text_seen = false;
			continue;
		}
		if (i > 0 && v[i - 1].keep && v[i - 1].n > 0)
			text_seen = true;
		a = rint_attribution_start(v, count, i);
		if (a == (size_t)-1 &&
		    (cut = rint_attribution_inside(p, n)) > 0) {
			/* the customer's words, then the attribution */
			v[i].n = cut;
			v[i].keep = !in_sig;
			a = i;
		}
		if (a != (size_t)-1) {
			for (j = a; j < i; j++)
				v[j].keep = false;
			/* An attribution not followed by ">" lines introduces
			 * the old message pasted as it was (Yahoo, Outlook
			 * mobile): the end of the customer's text. */
			j = next_nonblank(v, count, i + 1);
			if (j < count && !v[j].quote)
				return;
			in_sig = false;
			continue;
		}
		if (n == 0) {
			v[i].keep = !in_sig;
			continue;
		}
		if (rint_is_separator(p, n))
			return;
		if (rint_is_rule_line(p, n)) {
			j = next_nonblank(v, count, i + 1);
			if (j == count ||
			    rint_is_header_block(v, count, j, true) ||
			    rint_is_from_line(v[j].p, v[j].n))
				return;
			/* a list's or a company's footer; else a rule the
			 * customer drew between their own lines */
			if (text_seen && rint_footer_follows(v, count, i))
				in_sig = true;
			continue;
		}
		if (rint_is_header_block(v, count, i, false))
			return;
		if (rint_signature_opens(v, count, i)) {
			in_sig = true;
			continue;
		}
		if (rint_is_prefill(p, n, prefill))
			continue;
		v[i].keep = !in_sig;
	}
}

/*
 * reply_text_own_from - see reply.h. Appends only kept lines, trimmed,
 * with runs of blank lines made one and no blank line at either end.
 */
void
reply_text_own_from(const char *text, size_t len, const char *const *prefill,
    const char *sender, size_t sender_len, struct buf *out)
{
	struct buf norm = BUF_INIT;
	struct reply_line *v;
	size_t count, i;
	bool pending_blank = false, any = false;

	normalise(text, len, &norm);
	count = split_lines(buf_cstr(&norm), norm.len, &v);
	classify(v, count, prefill);
	rint_signature_drop_block(v, count, sender, sender_len);
	for (i = 0; i < count; i++) {
		if (!v[i].keep)
			continue;
		if (v[i].n == 0) {
			pending_blank = any;
			continue;
		}
		if (any)
			buf_puts(out, pending_blank ? "\n\n" : "\n");
		buf_append(out, v[i].p, v[i].n);
		any = true;
		pending_blank = false;
	}
	free(v);
	buf_free(&norm);
}

/* reply_text_own - see reply.h: no sender's name known. */
void
reply_text_own(const char *text, size_t len, const char *const *prefill,
    struct buf *out)
{
	reply_text_own_from(text, len, prefill, NULL, 0, out);
}
