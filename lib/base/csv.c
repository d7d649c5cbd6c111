/*
 * csv.c - CSV that spreadsheets open correctly and safely; see csv.h.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/utf8.h"

static void
csv_sep(struct csv *c)
{
	if (c->cells > 0)
		buf_putc(c->out, ',');
	c->cells++;
}

void
csv_bom(struct csv *c)
{
	buf_puts(c->out, "\xef\xbb\xbf");
}

void
csv_cell(struct csv *c, const char *s, size_t n)
{
	struct buf clean = BUF_INIT;
	bool formula, quote;
	size_t i, start;

	csv_sep(c);
	if (s == NULL || n == 0)
		return;
	/* Whoever views the file (cat, less, a spreadsheet) must not get
	 * escape sequences or reordered text from a cell; TAB, CR and LF
	 * are the cell's own, quoted below. */
	utf8_put_inert(&clean, s, n, "\t\r\n");
	s = clean.data;
	n = clean.len;
	/* What a spreadsheet would take for the start of a formula. */
	formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r';
	quote = false;
	for (i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n';
	if (quote)
		buf_putc(c->out, '"');
	if (formula)
		buf_putc(c->out, '\'');
	for (i = start = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		buf_append(c->out, s + start, i + 1 - start);
		buf_putc(c->out, '"');
		start = i + 1;
	}
	buf_append(c->out, s + start, n - start);
	if (quote)
		buf_putc(c->out, '"');
	buf_free(&clean);
}

void
csv_head(struct csv *c, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		csv_cell_cstr(c, names[i]);
	csv_row_end(c);
}

void
csv_cell_cstr(struct csv *c, const char *s)
{
	csv_cell(c, s, s != NULL ? strlen(s) : 0);
}

void
csv_cell_int(struct csv *c, int64_t v)
{
	csv_sep(c);
	buf_printf(c->out, "%lld", (long long)v);
}

void
csv_cell_double(struct csv *c, double v, int decimals)
{
	csv_sep(c);
	if (!isfinite(v))
		return;
	/* No "-0.0" for a value that rounds to zero. */
	if (fabs(v) * pow(10.0, decimals) < 0.5)
		v = 0.0;
	buf_printf(c->out, "%.*f", decimals, v);
}

void
csv_row_end(struct csv *c)
{
	buf_puts(c->out, "\r\n");
	c->cells = 0;
}
