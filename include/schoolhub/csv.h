/*
 * CSV text for spreadsheet downloads (an event's registrations, a SEL statement), grown
 * in the request's arena (struct sh_arena_text, arena.h; bytes such as a byte-order mark
 * or a header line go in with sh_arena_text_add). Cells are separated by ';' (the list
 * separator of Belgian fr/nl spreadsheet settings) and rows end with CRLF. Each cell
 * function appends the cell and its ';'; sh_csv_row_end turns the row's last ';' into
 * the CRLF.
 *
 *	struct sh_arena_text c = {.arena = req->arena};
 *	sh_arena_text_add(&c, "\xEF\xBB\xBF" "name;count\r\n", 14);
 *	sh_csv_text(&c, name);
 *	sh_csv_int(&c, count);
 *	sh_csv_row_end(&c);
 *	sh_reply_raw(res, 200, "text/csv; charset=utf-8", c.data, c.len);
 */
#ifndef SCHOOLHUB_CSV_H
#define SCHOOLHUB_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "schoolhub/arena.h"

/* A cell of "n" bytes as they are (dates, numbers the caller formatted). */
void sh_csv_cell(struct sh_arena_text *c, const char *s, size_t n);
/* A text cell: quoted, quotes doubled, NULL as empty; a leading = + - @ tab or CR gets a
 * ' first, so a spreadsheet never runs a member's text as a formula. */
void sh_csv_text(struct sh_arena_text *c, const char *s);
/* A whole number cell. */
void sh_csv_int(struct sh_arena_text *c, int64_t n);
/* Ends the row: its last ';' becomes CRLF. */
void sh_csv_row_end(struct sh_arena_text *c);

#endif
