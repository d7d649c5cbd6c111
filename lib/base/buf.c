/*
 * buf.c - growable byte buffers; see buf.h for the contract.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > (size_t)-1 - b->len - 1)
		xalloc_die("buffer size overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	buf_append(b, &ch, 1);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	size_t room;
	int n;

	/* Format straight into the spare room; grow and redo only when the
	 * text did not fit. */
	buf_reserve(b, 128);
	room = b->cap - b->len;
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, room, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		xalloc_die("bad format string");
	if ((size_t)n >= room) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_append_html(struct buf *b, const char *p, size_t n)
{
	size_t i, run = 0;
	const char *esc;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		case '\0': esc = "&#xFFFD;"; break;
		default: continue;
		}
		buf_append(b, p + run, i - run);
		buf_puts(b, esc);
		run = i + 1;
	}
	buf_append(b, p + run, n - run);
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void
buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}

int
buf_read_stream(struct buf *b, FILE *fp, size_t max)
{
	char chunk[65536];
	size_t n;

	errno = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (max > 0 && (b->len > max || n > max - b->len)) {
			errno = EFBIG;
			return -1;
		}
		buf_append(b, chunk, n);
	}
	if (ferror(fp)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
buf_read_file(struct buf *b, const char *path, size_t max)
{
	FILE *fp;
	int r, e;

	if (strcmp(path, "-") == 0)
		return buf_read_stream(b, stdin, max);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	r = buf_read_stream(b, fp, max);
	e = errno;
	fclose(fp);
	errno = e;
	return r;
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");

	buf_init(b);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}
