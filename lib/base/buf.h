/*
 * buf.h - growable byte buffers.
 *
 * SYNOPSIS
 *	struct buf b = BUF_INIT;
 *	buf_append(&b, p, n); buf_puts(&b, "x"); buf_printf(&b, "%d", 3);
 *	buf_cstr(&b);		NUL-terminated view, valid until the next change
 *	buf_free(&b);
 *
 * DESCRIPTION
 *	A buf owns its storage. Every append grows the buffer as needed and
 *	keeps a NUL byte after the last data byte, so data is always a valid
 *	C string as well as a length-delimited byte array (it may contain NUL
 *	bytes of its own; len is the truth). Allocation failure is fatal
 *	(see xalloc.h): callers never check for it.
 */
#ifndef NPSGATE_BUF_H
#define NPSGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct buf {
	char *data;	/* NULL until the first append */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, int c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Escapes & < > " ' for HTML text and attribute values. */
void buf_append_html(struct buf *b, const char *p, size_t n);
void buf_truncate(struct buf *b, size_t len);
void buf_reset(struct buf *b);
const char *buf_cstr(const struct buf *b);
/* Appends what fp holds up to its end: at most max bytes (0: no limit).
 * 0, or -1 with errno EFBIG (more than max; b then holds what was read)
 * or the read error. */
int buf_read_stream(struct buf *b, FILE *fp, size_t max);
/* The same for the file at path, "-" meaning the standard input (which
 * is not closed). -1 with errno when it cannot be opened or read. */
int buf_read_file(struct buf *b, const char *path, size_t max);
/* Hands the storage to the caller (free with free()); b is left empty. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
