/*
 * fuzz_mime.c - the MIME parser, header lookup, RFC 2047 words, the
 * transfer-encoding codecs and the charset conversions.
 *
 * For any message: mime_parse either refuses it with a reason or gives a
 * tree whose parts lie inside the message and inside their parent, in
 * order, within the depth and part limits, with NUL-terminated names and
 * a boundary for every multipart; every header value found points into
 * its part's header block; every text part decodes, and converting it to
 * UTF-8 gives valid UTF-8. The encoders write lines of at most 76
 * characters that decode back to the input (for quoted-printable, with
 * the line ends it writes) and that the decoders find flawless.
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "fuzz.h"
#include "mail/mime.h"

struct walk {
	const char *msg;
	size_t len;
	size_t parts;
};

static void
check_name(const char *s, size_t cap, const char *what)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL, what);
}

static void
check_headers(const struct walk *w, const struct mime_part *part)
{
	static const char *const names[] = { "Content-Type", "Subject",
	    "From", "Content-Disposition", "To", NULL };
	const char *hdr = w->msg + part->hdr_off, *v;
	struct buf b = BUF_INIT;
	size_t vlen, i;

	for (i = 0; names[i] != NULL; i++) {
		if (!mime_header_find(w->msg, part, names[i], &v, &vlen))
			continue;
		FUZZ_CHECK(v >= hdr && vlen <= part->hdr_len &&
		    (size_t)(v - hdr) <= part->hdr_len - vlen,
		    "header value inside the part's header block");
		mime_words_decode(v, vlen, &b);
		buf_reset(&b);
		(void)mime_param_get(v, vlen, "charset", &b);
		buf_reset(&b);
		(void)mime_param_get(v, vlen, "name", &b);
		buf_reset(&b);
		(void)mime_param_get(v, vlen, "filename", &b);
		buf_reset(&b);
	}
	buf_free(&b);
}

static void
check_text(const struct mime_part *part, const char *p, size_t n)
{
	struct buf u = BUF_INIT, back = BUF_INIT;

	FUZZ_CHECK(mime_charset_to_utf8(part->charset, p, n, &u) == 0 ||
	    u.len == 0, "failed conversion appends nothing");
	FUZZ_CHECK(utf8_valid(u.data ? u.data : "", u.len),
	    "conversion to UTF-8 gives UTF-8");
	buf_reset(&u);
	if (mime_charset_to_utf8_strict(part->charset, p, n, &u) == 0) {
		FUZZ_CHECK(utf8_valid(u.data ? u.data : "", u.len),
		    "strict conversion to UTF-8 gives UTF-8");
		/* The charsets a rewriter re-encodes into must give the
		 * very bytes back. */
		if (strcmp(part->charset, "utf-8") == 0 ||
		    strcmp(part->charset, "iso-8859-1") == 0 ||
		    strcmp(part->charset, "us-ascii") == 0 ||
		    strcmp(part->charset, "windows-1252") == 0) {
			FUZZ_CHECK(mime_charset_from_utf8(part->charset,
			    u.data ? u.data : "", u.len, &back) == 0,
			    "text read strictly converts back");
			FUZZ_CHECK(back.len == n &&
			    (n == 0 || memcmp(back.data, p, n) == 0),
			    "strict conversion round trip");
		}
	} else {
		FUZZ_CHECK(u.len == 0, "failed strict conversion appends "
		    "nothing");
	}
	buf_free(&u);
	buf_free(&back);
}

static void
walk_part(struct walk *w, const struct mime_part *part, size_t lo,
    size_t hi, int depth)
{
	const struct mime_part *c;
	struct buf dec = BUF_INIT;
	size_t prev_end;

	w->parts++;
	FUZZ_CHECK(w->parts <= MIME_MAX_PARTS, "at most MIME_MAX_PARTS");
	FUZZ_CHECK(part->depth == depth && depth <= MIME_MAX_DEPTH,
	    "depth recorded and bounded");
	FUZZ_CHECK(part->hdr_off >= lo && part->hdr_len <= hi - part->hdr_off,
	    "header block inside the parent");
	FUZZ_CHECK(part->body_off == part->hdr_off + part->hdr_len,
	    "body follows the header block");
	FUZZ_CHECK(part->body_off <= hi && part->body_len <= hi -
	    part->body_off, "body inside the parent");
	check_name(part->type, sizeof(part->type), "type terminated");
	check_name(part->subtype, sizeof(part->subtype), "subtype terminated");
	check_name(part->charset, sizeof(part->charset), "charset terminated");
	check_name(part->boundary, sizeof(part->boundary),
	    "boundary terminated");
	if (strcmp(part->type, "multipart") == 0)
		FUZZ_CHECK(part->boundary[0] != '\0',
		    "a multipart has a boundary");
	FUZZ_CHECK(part->cte >= MIME_CTE_7BIT && part->cte <= MIME_CTE_UNKNOWN,
	    "known transfer encoding value");
	check_headers(w, part);

	if (part->child == NULL) {
		(void)mime_part_decode(w->msg, part, &dec);
		if (strcmp(part->type, "text") == 0)
			check_text(part, dec.data ? dec.data : "", dec.len);
		buf_free(&dec);
	}
	prev_end = part->body_off;
	for (c = part->child; c != NULL; c = c->next) {
		FUZZ_CHECK(c->hdr_off >= prev_end, "siblings in order");
		walk_part(w, c, part->body_off, part->body_off +
		    part->body_len, depth + 1);
		prev_end = c->body_off + c->body_len;
	}
}

/* What quoted-printable keeps of a text: its line ends (LF or CRLF)
 * become the encoder's, every other byte stays. */
static void
expected_qp(const char *p, size_t n, bool crlf, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			i++;
		if (p[i] == '\n')
			buf_puts(out, crlf ? "\r\n" : "\n");
		else
			buf_putc(out, (unsigned char)p[i]);
	}
}

static void
check_lines(const struct buf *enc, const char *what)
{
	size_t i, col = 0;

	for (i = 0; i < enc->len; i++) {
		if (enc->data[i] == '\n') {
			col = 0;
			continue;
		}
		if (enc->data[i] == '\r' && i + 1 < enc->len &&
		    enc->data[i + 1] == '\n')
			continue;
		col++;
		FUZZ_CHECK(col <= 76, what);
	}
}

static void
check_codecs(const char *p, size_t n)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, a = BUF_INIT;
	bool crlf;

	for (crlf = false;; crlf = true) {
		mime_base64_encode(p, n, crlf, &enc);
		check_lines(&enc, "base64 lines of at most 76 characters");
		FUZZ_CHECK(mime_base64_decode(enc.data ? enc.data : "",
		    enc.len, &dec) == 0, "own base64 decodes flawlessly");
		FUZZ_CHECK(dec.len == n && (n == 0 ||
		    memcmp(dec.data, p, n) == 0), "base64 round trip");
		buf_reset(&enc);
		buf_reset(&dec);

		mime_qp_encode(p, n, crlf, &enc);
		check_lines(&enc, "quoted-printable lines of at most 76 "
		    "characters");
		FUZZ_CHECK(mime_qp_decode(enc.data ? enc.data : "", enc.len,
		    &dec) == 0, "own quoted-printable decodes flawlessly");
		expected_qp(p, n, crlf, &a);
		FUZZ_CHECK(a.len == dec.len && (a.len == 0 ||
		    memcmp(a.data, dec.data, a.len) == 0),
		    "quoted-printable round trip");
		buf_reset(&enc);
		buf_reset(&dec);
		buf_reset(&a);
		if (crlf)
			break;
	}
	/* The lenient decoders take anything. */
	(void)mime_qp_decode(p, n, &dec);
	buf_reset(&dec);
	(void)mime_base64_decode(p, n, &dec);
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&a);
}

/*
 * fuzz_mime_one - one input as a whole message, and as raw bytes for the
 * codecs.
 */
int
fuzz_mime_one(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct mime_part *root;
	struct npserr err;
	struct walk w;
	size_t hl;

	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	hl = mime_header_block_len(msg, size);
	FUZZ_CHECK(hl <= size, "header block inside the message");
	err.msg[0] = '\0';
	root = mime_parse(msg, size, &err);
	if (root == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0', "refused message says why");
	} else {
		w.msg = msg;
		w.len = size;
		w.parts = 0;
		FUZZ_CHECK(root->hdr_off == 0 && root->hdr_len == hl,
		    "root header block is the message's");
		walk_part(&w, root, 0, size, 0);
		mime_tree_free(root);
	}
	/* The codecs on a bounded slice: they are linear, the parse above
	 * already spent the time on big inputs. */
	check_codecs(msg, size < 4096 ? size : 4096);
	return 0;
}

#ifdef NPS_LIBFUZZER
FUZZ_ENTRY(fuzz_mime_one)
#endif
