/*
 * csv.h - CSV that spreadsheets open correctly and safely.
 *
 * SYNOPSIS
 *	struct csv c = CSV_INIT(&out);
 *	csv_bom(&c);			(optional: UTF-8 byte order mark)
 *	csv_cell(&c, text, len); csv_cell_int(&c, 3); ... csv_row_end(&c);
 *
 * DESCRIPTION
 *	RFC 4180: cells separated by commas, rows ended by CRLF; a cell that
 *	holds a comma, a double quote, CR or LF is quoted, its quotes
 *	doubled. A text cell that starts with = + - @ TAB or CR gets a
 *	leading apostrophe, so that Excel and LibreOffice show it as text
 *	instead of running it as a formula (CSV injection). Control
 *	characters other than TAB, CR and LF, bidirectional controls and
 *	bytes that are not UTF-8 become U+FFFD (utf8_put_inert), so that
 *	neither a terminal showing the file nor a spreadsheet acts on them
 *	or reorders the text. Numbers written with csv_cell_int /
 *	csv_cell_double are ours and never escaped.
 *	With the optional byte order mark, Excel reads the file as UTF-8.
 *	The text goes to a buf owned by the caller.
 */
#ifndef NPSGATE_CSV_H
#define NPSGATE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct csv {
	struct buf *out;
	int cells;		/* cells in the current row */
};

#define CSV_INIT(b) { (b), 0 }

/* Appends the UTF-8 byte order mark EF BB BF; call before any row. */
void csv_bom(struct csv *c);
/* A text cell of n bytes; NULL is an empty cell. */
void csv_cell(struct csv *c, const char *s, size_t n);
void csv_cell_cstr(struct csv *c, const char *s);
/* A header row: the n names, then the row's end. */
void csv_head(struct csv *c, const char *const *names, size_t n);
void csv_cell_int(struct csv *c, int64_t v);
/* decimals digits after the point; an empty cell when v is not finite. */
void csv_cell_double(struct csv *c, double v, int decimals);
/* Ends the row with CRLF. */
void csv_row_end(struct csv *c);

#endif
