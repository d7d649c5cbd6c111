/*
 * followup_template.c - the mail templates (templates/LANG/NAME.txt) and
 * the values they may use; see followup_int.h.
 *
 * A template is a subject line and a body with {name} fields. The values
 * come from customers and help desks, so each is made safe for a
 * plain-text body before it goes in: bounded, valid UTF-8, no control
 * characters, nothing a mail program turns into a link, and never the
 * survey tag.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "followup/followup_int.h"
#include "mail/sendmail.h"

#define TEMPLATE_MAX (64 * 1024)	/* bytes of one mail template */
#define COMMENT_MAX 4096		/* bytes of a comment in an alert */
#define FIELD_MAX 256			/* bytes of another value */

/*
 * A value from a customer or a help desk, for the plain-text body: valid
 * UTF-8, no control characters (line breaks kept when asked), bounded,
 * no "scheme://" that a mail program would turn into a link, and never
 * the survey tag, which the milter would expand on the way out.
 */
static void
text_value(const struct config *cf, const char *s, size_t max,
    bool keep_newlines, struct buf *out)
{
	struct buf clean = BUF_INIT;
	const char *tag = cf->tag != NULL && *cf->tag ? cf->tag :
	    "[InsertSatisfactionEvaluation]";
	size_t taglen = strlen(tag), i;

	sendmail_env_clean(&clean, s, max, keep_newlines);
	for (i = 0; i < clean.len; i++) {
		if (i + 3 <= clean.len && memcmp(clean.data + i, "://", 3) ==
		    0) {
			buf_puts(out, "[:]//");
			i += 2;
			continue;
		}
		if (i + taglen <= clean.len && memcmp(clean.data + i, tag,
		    taglen) == 0) {
			buf_putc(out, tag[0] == '[' ? '(' : '_');
			continue;
		}
		buf_putc(out, clean.data[i]);
	}
	buf_free(&clean);
}

/* followup_format_when - see followup_int.h; UTC, as the Date header. */
void
followup_format_when(char *out, size_t outsz, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M UTC", &tm);
}

/* --- templates ---------------------------------------------------------- */

/* followup_template_clear - see followup_int.h. */
void
followup_template_clear(struct template *t)
{
	buf_free(&t->subject);
	buf_free(&t->body);
}

/*
 * followup_template_load - see followup_int.h. The file is text a person
 * edits: valid UTF-8, no NUL, CRLF or LF line ends; the error says what
 * to fix and where.
 */
int
followup_template_load(const struct config *cf, const char *lang,
    const char *name, struct template *t, struct npserr *err)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct buf *subject = &t->subject, *body = &t->body;
	const char *p, *end, *nl;
	size_t n;
	int r = -1;

	buf_init(subject);
	buf_init(body);
	buf_printf(&path, "%s/%s/%s", cf->templates_dir != NULL ?
	    cf->templates_dir : ".", lang, name);
	if (buf_read_file(&data, buf_cstr(&path), TEMPLATE_MAX) < 0) {
		npserr_set(err, "template %s: %s (templates_dir)",
		    buf_cstr(&path), errno == EFBIG ? "larger than 64 KiB" :
		    strerror(errno));
		goto out;
	}
	if (data.len == 0 || !utf8_valid(data.data, data.len) ||
	    memchr(data.data, '\0', data.len) != NULL) {
		npserr_set(err, "template %s: empty, or not UTF-8 text",
		    buf_cstr(&path));
		goto out;
	}
	p = data.data;
	end = data.data + data.len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = nl != NULL ? nl + 1 : end;
			break;
		}
		if (p[0] != '#') {
			if (n < 8 || strncasecmp(p, "Subject:", 8) != 0) {
				npserr_set(err, "template %s: \"Subject: ...\""
				    " expected before the first blank line",
				    buf_cstr(&path));
				goto out;
			}
			p += 8;
			n -= 8;
			while (n > 0 && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			buf_append(subject, p, n);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (subject->len == 0) {
		npserr_set(err, "template %s: no Subject line",
		    buf_cstr(&path));
		goto out;
	}
	for (; p < end; p++)
		if (*p != '\r')
			buf_putc(body, *p);
	if (body->len == 0 || body->data[body->len - 1] != '\n')
		buf_putc(body, '\n');
	r = 0;
out:
	if (r < 0)
		followup_template_clear(t);
	buf_free(&path);
	buf_free(&data);
	return r;
}

/* followup_template_fill - see followup_int.h. */
void
followup_template_fill(const char *text, size_t n,
    const struct field *fields, struct buf *out)
{
	const struct field *f;
	size_t i = 0, l = 0;

	while (i < n) {
		if (text[i] == '{') {
			for (f = fields; f->name != NULL; f++) {
				l = strlen(f->name);
				if (i + l + 2 <= n && memcmp(text + i + 1,
				    f->name, l) == 0 && text[i + l + 1] == '}')
					break;
			}
			if (f->name != NULL) {
				buf_puts(out, f->value != NULL ? f->value : "");
				i += l + 2;
				continue;
			}
		}
		buf_putc(out, text[i++]);
	}
}

/* --- the values --------------------------------------------------------- */

/* followup_values_make - every value a template may use, made safe for
 * the text (text_value). */
void
followup_values_make(const struct config *cf, const struct answer *a,
    struct values *v)
{
	char when[40];

	memset(v, 0, sizeof(*v));
	text_value(cf, followup_answer_customer(a), FIELD_MAX, false,
	    &v->customer);
	text_value(cf, a->sv.ticket, FIELD_MAX, false, &v->ticket);
	text_value(cf, a->sv.agent, FIELD_MAX, false, &v->agent);
	text_value(cf, a->sv.team, FIELD_MAX, false, &v->team);
	text_value(cf, a->sv.channel, FIELD_MAX, false, &v->channel);
	text_value(cf, a->comment, COMMENT_MAX, true, &v->comment);
	followup_format_when(when, sizeof(when), a->received_at);
	buf_puts(&v->when, when);
	buf_printf(&v->score, "%d", a->score);
	buf_printf(&v->max, "%d", nps_score_max(a->sv.type));
	buf_puts(&v->category, a->cat != NPS_NONE ?
	    nps_category_name(a->cat) : "");
	buf_puts(&v->survey, a->sv.id);
	buf_puts(&v->type, nps_type_name(a->sv.type));
}

/* followup_values_clear - see followup_int.h. */
void
followup_values_clear(struct values *v)
{
	buf_free(&v->customer);
	buf_free(&v->ticket);
	buf_free(&v->agent);
	buf_free(&v->team);
	buf_free(&v->channel);
	buf_free(&v->comment);
	buf_free(&v->when);
	buf_free(&v->score);
	buf_free(&v->max);
	buf_free(&v->category);
	buf_free(&v->survey);
	buf_free(&v->type);
}

/* Empty values read "-" in the text, so that a line never dangles. */
const char *
followup_shown(const struct buf *b)
{
	return b->len > 0 ? buf_cstr(b) : "-";
}

/* followup_comment_block - see followup_int.h. */
void
followup_comment_block(const struct buf *c, struct buf *out)
{
	size_t i;

	if (c->len == 0 || !followup_has_text(buf_cstr(c))) {
		buf_puts(out, "  -");
		return;
	}
	buf_puts(out, "  ");
	for (i = 0; i < c->len; i++) {
		buf_putc(out, c->data[i]);
		if (c->data[i] == '\n' && i + 1 < c->len)
			buf_puts(out, "  ");
	}
	while (out->len > 0 && out->data[out->len - 1] == '\n')
		buf_truncate(out, out->len - 1);
}
