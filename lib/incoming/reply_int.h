/*
 * reply_int.h - what the pieces of the reply module share (not a public
 * interface; the programs use reply.h).
 *
 *   reply.c          reply_analyze, its steps, the result and its JSON
 *   reply_message.c  the header fields, the sender, the text of the body
 *   reply_match.c    the survey: token in an address, Message-ID, text
 *   reply_kind.c     bounces, auto-replies, unsubscribes
 *   reply_text.c     the customer's own text: lines kept or dropped
 *   reply_attribution.c  "On ... wrote:" and its kin
 *   reply_separator.c    separators, rules, header blocks, forwards
 *   reply_signature.c    signatures, closings, disclaimers, footers
 *   reply_prefill.c  the lines of the widget's pre-filled body
 *   reply_number.c   numbers as customers write them
 *   reply_score.c    the score in the own text: candidates, choice
 *   reply_score_form.c   digits, "9/10", "note : 9", the subject's form
 *   reply_score_words.c  the words around a candidate
 *   reply_comment.c  the comment: the own text without the score
 *   reply_lang.c     which template language
 *
 * Matching is on UTF-8 bytes, case-insensitive for ASCII and for the
 * Latin-1 letters French needs (É/é, À/à, Ç/ç ...): patterns are written
 * in lowercase.
 */
#ifndef NPSGATE_REPLY_INT_H
#define NPSGATE_REPLY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "incoming/reply.h"
#include "store/store.h"

static inline unsigned char
rint_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Byte i of s folded to lowercase; Latin-1 capitals (C3 80..C3 9E but
 * the multiplication sign) fold to their small letter's second byte. */
static inline unsigned char
rint_fold(const char *s, size_t i)
{
	unsigned char c = (unsigned char)s[i];

	if (i > 0 && (unsigned char)s[i - 1] == 0xc3 && c >= 0x80 &&
	    c <= 0x9e && c != 0x97)
		return (unsigned char)(c + 0x20);
	return rint_lower(c);
}

/* True when s[0..n) starts with the lowercase pattern pat. */
static inline bool
rint_prefix(const char *s, size_t n, const char *pat)
{
	size_t i;

	for (i = 0; pat[i] != '\0'; i++)
		if (i >= n || rint_fold(s, i) != (unsigned char)pat[i])
			return false;
	return true;
}

/* True when s[0..n) equals the lowercase pattern pat. */
static inline bool
rint_equal(const char *s, size_t n, const char *pat)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pat[i] == '\0' || rint_fold(s, i) != (unsigned char)pat[i])
			return false;
	return pat[n] == '\0';
}

/* True when s[0..n) ends with the lowercase pattern pat. */
static inline bool
rint_suffix(const char *s, size_t n, const char *pat)
{
	size_t m = strlen(pat), i;

	if (m > n)
		return false;
	for (i = 0; i < m; i++)
		if (rint_fold(s, n - m + i) != (unsigned char)pat[i])
			return false;
	return true;
}

/* Offset of the lowercase pattern in s[0..n), or (size_t)-1. */
static inline size_t
rint_find(const char *s, size_t n, const char *pat)
{
	size_t i, m = strlen(pat);
	unsigned char c0 = (unsigned char)pat[0], u0;

	if (m == 0 || m > n)
		return (size_t)-1;
	/* The first byte, in either case, before the whole comparison. */
	u0 = c0 >= 'a' && c0 <= 'z' ? (unsigned char)(c0 - 32) : c0;
	for (i = 0; i + m <= n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != c0 && c != u0)
			continue;
		if (rint_prefix(s + i, n - i, pat))
			return i;
	}
	return (size_t)-1;
}

static inline bool
rint_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
rint_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A byte that belongs to a word: ASCII letters and digits, and every
 * byte of a multi-byte UTF-8 letter of the Latin ranges (lead bytes
 * C3..C9 and their continuation bytes). */
static inline bool
rint_is_word_byte(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];

	if (rint_is_alpha(c) || rint_is_digit(c))
		return true;
	if (c >= 0xc3 && c <= 0xc9)
		return true;
	if (c >= 0x80 && c <= 0xbf && i > 0) {
		unsigned char p = (unsigned char)s[i - 1];

		return p >= 0xc3 && p <= 0xc9;
	}
	(void)n;	/* i < n is the caller's promise */
	return false;
}

static inline bool
rint_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/* True when s[0..n) equals one of the lowercase patterns of list
 * (NULL-ended). */
static inline bool
rint_in_list(const char *s, size_t n, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (rint_equal(s, n, list[i]))
			return true;
	return false;
}

/* True when s[0..n) starts with one of the patterns of list. */
static inline bool
rint_in_list_prefix(const char *s, size_t n, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (rint_prefix(s, n, list[i]))
			return true;
	return false;
}

/* True when one of the patterns of list occurs in s[0..n). */
static inline bool
rint_find_any(const char *s, size_t n, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (rint_find(s, n, list[i]) != (size_t)-1)
			return true;
	return false;
}

/* The first position from pos on that is not a space or a tab. */
static inline size_t
rint_skip_spaces(const char *s, size_t n, size_t pos)
{
	while (pos < n && (s[pos] == ' ' || s[pos] == '\t'))
		pos++;
	return pos;
}

/* True when s[pos..n) starts with the bytes of sym. */
static inline bool
rint_starts_symbol(const char *s, size_t n, size_t pos, const char *sym)
{
	size_t m = strlen(sym);

	return pos + m <= n && memcmp(s + pos, sym, m) == 0;
}

/* Strips a Markdown-like bold marker Gmail and Outlook write in their
 * plain text ("*From:* Support"). */
static inline void
rint_unbold(const char **p, size_t *n)
{
	if (*n > 0 && **p == '*') {
		(*p)++;
		(*n)--;
	}
}

static inline bool
rint_has_char(const char *p, size_t n, char c)
{
	return memchr(p, c, n) != NULL;
}

static inline bool
rint_has_digit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rint_is_digit((unsigned char)p[i]))
			return true;
	return false;
}

/* True when pattern pat occurs in p[0..n) as a word: no Latin letter
 * glued to it on either side. *at gets its offset. */
static inline bool
rint_find_word(const char *p, size_t n, const char *pat, size_t *at)
{
	size_t from = 0, m = strlen(pat), k;

	while (from < n) {
		k = rint_find(p + from, n - from, pat);
		if (k == (size_t)-1)
			return false;
		k += from;
		if ((k == 0 || !rint_is_alpha((unsigned char)p[k - 1])) &&
		    (k + m >= n || !rint_is_alpha((unsigned char)p[k + m]))) {
			*at = k;
			return true;
		}
		from = k + 1;
	}
	return false;
}

/* ---- the own text: reply_text.c and its pieces --------------------- */

/* One line of a body as reply_text.c reads it: p[0..n) trimmed, within
 * the normalised body; quote: it starts with ">"; keep: it stays in the
 * customer's own text. */
struct reply_line {
	const char *p;
	size_t n;
	bool quote;
	bool keep;
};

/* reply_attribution.c. The index of the first line of an attribution
 * ending on line i of v[0..count) (wrapped, it starts up to two lines
 * above), or (size_t)-1. A bare "Megan wrote:" counts only above a
 * quote. */
size_t rint_attribution_start(const struct reply_line *v, size_t count,
    size_t i);
/* reply_attribution.c. When the line p[0..n) ends with an attribution
 * after the customer's own sentence ("Thanks! On ... wrote:"), the
 * length of the words before it; else 0. */
size_t rint_attribution_inside(const char *p, size_t n);

/* reply_separator.c. A separator ("-----Original Message-----") or a
 * forward's opening ("Begin forwarded message"). */
bool rint_is_separator(const char *p, size_t n);
/* reply_separator.c. A rule of ten "_" or "=" or more. */
bool rint_is_rule_line(const char *p, size_t n);
/* reply_separator.c. A header line naming the writer ("From:", "De :"). */
bool rint_is_from_line(const char *p, size_t n);
/* reply_separator.c. A block of header lines ("From:", "Sent:", "To:",
 * "Subject:") from line i of v[0..count): three kinds of header, two
 * when after_rule (under a rule or a separator). */
bool rint_is_header_block(const struct reply_line *v, size_t count,
    size_t i, bool after_rule);

/* reply_signature.c. Whether line i of v[0..count) opens a signature:
 * "-- ", a device line, a disclaimer, a closing formula over a name
 * block. */
bool rint_signature_opens(const struct reply_line *v, size_t count,
    size_t i);
/* reply_signature.c. Whether the lines under the rule at line i look
 * like a footer (an address, a link, a phone). */
bool rint_footer_follows(const struct reply_line *v, size_t count,
    size_t i);
/* reply_signature.c. Unmarks (keep = false) the signature block without
 * a delimiter at the bottom of each answer of v[0..count), the sender's
 * display name sender[0..sender_len) (NULL: none) helping; text of the
 * customer's must stay above it. */
void rint_signature_drop_block(struct reply_line *v, size_t count,
    const char *sender, size_t sender_len);

/* ---- reply_prefill.c ----------------------------------------------- */

/* Whether the trimmed line s[0..n) is a line of one of the widget's
 * pre-filled bodies (struct reply_ctx prefill; NULL: none): among the
 * lines holding {score} when with_score, among the others when not. */
bool rint_prefill_line(const char *const *prefill, const char *s, size_t n,
    bool with_score);
/* Whether the trimmed line s[0..n) is a pre-filled line without the
 * score: in the shipped templates' wording or in prefill's. */
bool rint_is_prefill(const char *s, size_t n, const char *const *prefill);

/* ---- reply_number.c ------------------------------------------------ */

/* The value of the number word s[0..n) ("neuf", "seven"), or -1. When
 * restricted is not NULL it gets how sparingly the word reads as a
 * number: 2 for "un", "one" (articles too: alone or "N/10" only), 1 for
 * "neuf" (also "new": never a weak candidate), else 0. */
int rint_number_word(const char *s, size_t n, int *restricted);
/* True when s[0..n) is the name of a month, or its abbreviation. */
bool rint_is_month(const char *s, size_t n);
/* The scale written after a number ending at pos ("/10", " / 10",
 * " sur 10", " out of 10", " sur dix"): its value, *end set after it;
 * -1 when there is none. */
int rint_denominator_after(const char *s, size_t n, size_t pos,
    size_t *end);
/* True when a unit, a currency, a percent sign or a month follows the
 * number ending at pos ("3 jours", "10 €", "50 %", "9 mars"). */
bool rint_unit_after(const char *s, size_t n, size_t pos);
/* The keycap emoji run at pos ("9️⃣", "1️⃣0️⃣" reads 10): its length, with
 * *value; 0 when none is there. */
size_t rint_keycap_at(const char *s, size_t n, size_t pos, int *value);

/* ---- the score: reply_score.c and its pieces ---------------------- */

/* A number of the text that may be the score. */
struct reply_cand {
	int value;
	size_t start, end;	/* the number itself */
	size_t xend;		/* end of the expression ("/10", "sur 10") */
	bool strong;
	bool explicit_form;	/* "9/10", "note : 9": outweighs the rest */
	int restricted;		/* 2: "un", "one": alone or "N/10" only;
				 * 1: "neuf" (also "new"): never weak */
	bool rejected;
	bool embedded;		/* weak and inside a sentence: refused */
};

/* reply_score_form.c. Reads the digits c->start..c->end of s[0..n) for a
 * survey whose scale ends at max: sets c->rejected when they are no
 * score (a date, a time, a price, a phone...), or c->strong and
 * c->explicit_form with c->xend after the scale ("9/10"). */
void rint_score_digits(const char *s, size_t n, struct reply_cand *c,
    int max);
/* reply_score_form.c. True when the score's name and a colon come right
 * before pos ("Note : 9", "Score: 9", "評価：9"). */
bool rint_score_explicit_before(const char *s, size_t pos);

/* reply_score_words.c. Reads the words before the candidate at pos, on
 * its line: sets c->strong when they announce a score, c->rejected when
 * they deny it or make the number a reference, a date, a duration. */
void rint_score_context(const char *s, size_t pos, struct reply_cand *c);
/* reply_score_words.c. Reads what follows the number word c: sets
 * c->rejected ("dix-huit", "sept.", "sept 2026"), or the explicit form
 * with the scale ("neuf sur dix"). */
void rint_score_word(const char *s, size_t n, struct reply_cand *c,
    int max);
/* reply_score_words.c. True when the weak candidate c stands between two
 * words of a sentence ("nous sommes 3 à l'utiliser"). */
bool rint_score_embedded(const char *s, size_t n,
    const struct reply_cand *c);
/* reply_score_words.c. True when a and b (a before b, on one line) are
 * offered as alternatives ("7-8", "7 ou 8", "entre 7 et 8"). */
bool rint_score_alternatives(const char *s, const struct reply_cand *a,
    const struct reply_cand *b);
/* reply_score_words.c. True when a and b quote the scale of min..max
 * ("de 0 à 10", "on a scale of 1 to 5"). */
bool rint_score_scale_mention(const char *s, const struct reply_cand *a,
    const struct reply_cand *b, int min, int max);

/* ---- one analysis (reply.c) ---------------------------------------- */

struct mime_part;

/* A top-level header field; name and value point into the message. */
struct reply_field {
	const char *name, *value;
	size_t nlen, vlen;
};

/* Everything one analysis needs, freed at its end. */
struct reply_analysis {
	const struct reply_ctx *ctx;
	const char *msg;
	size_t len;
	struct mime_part *root;
	struct reply_field *fields;	/* the top-level header, in order */
	size_t n_fields;
	struct buf subject;	/* decoded, UTF-8 */
	struct buf plain;	/* the body text chosen (UTF-8) */
	struct buf raw_text;	/* every text part, for a token */
	struct buf own;		/* the customer's own text of plain */
	bool tied;		/* to a survey: a token verified */
	bool have_rec;		/* rec holds the survey's row */
	struct survey_rec rec;
	const struct reply_budget *budget;	/* never NULL */
	struct timespec cpu_start;	/* the thread's CPU time at the start */
	size_t decoded;		/* bytes of parts decoded so far */
	bool over;		/* past the budget or an HTML limit: */
	struct npserr over_why;	/* which */
};

/* ---- reply_message.c ----------------------------------------------- */

/* Splits the top-level header block of a->root into a->fields. */
void reply_headers_index(struct reply_analysis *a);
/* The next field named name (any case) from index *at on (start with 0):
 * 1 with its value, or 0 when there is none left. */
int reply_header_next(const struct reply_analysis *a, size_t *at,
    const char *name, const char **value, size_t *vlen);
/* The first field named name: 1 with its value, or 0. */
int reply_header_get(const struct reply_analysis *a, const char *name,
    const char **value, size_t *vlen);
/* A header value decoded (RFC 2047) and made valid UTF-8, into out. */
void reply_header_decode(const char *v, size_t n, struct buf *out);
/* The addr-spec of a From value ("Name <a@b>" or "a@b") in the form of
 * address_normalise (mail/address.h), as a new string (caller frees), or
 * NULL. */
char *reply_address_parse(const char *v, size_t n);
/* The text a reader sees in the body, into a->plain: text/plain
 * preferred, HTML made text, attachments left out. A part that would
 * pass the budget's bytes, or an HTML part beyond its limits, sets
 * a->over (and a->over_why) instead. */
void reply_body_read(struct reply_analysis *a);
/* Every text part, attached messages and their header blocks included,
 * into a->raw_text (once), for a token written in the body or returned
 * by a bounce; within the budget's bytes, like reply_body_read. */
void reply_body_read_all(struct reply_analysis *a);

/* ---- reply_match.c ------------------------------------------------- */

/* Each of these records in out what the token it found says (found,
 * status, matched_by), and on success the survey's id and type. */

/* The token in a recipient address ("nps+TOKEN@..."): 1 when one was
 * found (verified or not), else 0. */
int reply_match_recipients(const struct reply_analysis *a,
    struct reply_result *out);
/* The survey whose Message-ID the reply quotes in In-Reply-To or
 * References, into out->hint_id (a hint, never a tie): 1 found, 0 not
 * (or no store), -1 on a store error (err says why). */
int reply_match_message_id(const struct reply_analysis *a,
    struct reply_result *out, struct npserr *err);
/* A token in the free text s[0..n), matched_by set to how: the first one
 * that verifies wins (*ok true); else the first one seen is reported.
 * A token that also occurs in typed (the customer's own text; NULL:
 * none) is passed over. Returns 1 when one was seen. */
int reply_match_text(const struct reply_analysis *a, const char *s, size_t n,
    const char *how, const struct buf *typed, struct reply_result *out,
    bool *ok);

/* ---- reply_kind.c -------------------------------------------------- */

/* Why the reply is a bounce ("bounce: ..."), or NULL. looks_auto: it
 * carries the marks of an auto-reply, so a null Return-Path says
 * nothing. */
const char *reply_bounce_reason(const struct reply_analysis *a,
    bool looks_auto);
/* Why the reply is an auto-reply by its header or subject
 * ("auto-reply: ..."), or NULL. */
const char *reply_auto_reason(const struct reply_analysis *a);
/* True when the text reads as an auto-reply: it says it is one ("this
 * is an automatic reply"), or it says its writer is away ("je suis absent
 * du bureau") and when they are back or whom to ask instead. A weak sign,
 * read only when the headers said nothing and no score was written. */
bool reply_text_is_auto(const char *s, size_t n);
/* The subject without its "Re:", "TR:", "Fwd:", "AW:" ... prefixes and
 * outer blanks. */
void reply_subject_core(const char *s, size_t n, const char **cp,
    size_t *cn);

#endif
