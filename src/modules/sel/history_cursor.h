/*
 * The cursor of a member's SEL transaction history (GET /api/v1/sel/transactions'
 * next_cursor): the booking number (seq) of the last row served, in base 36. The handler
 * (ledger_routes.c) writes it and reads it back with strtoll(..., 36); the bench seeder
 * (bench/seed/sel_history.c) prints one for its benchmarks, so the format is written here
 * once.
 */
#ifndef SCHOOLHUB_SEL_HISTORY_CURSOR_H
#define SCHOOLHUB_SEL_HISTORY_CURSOR_H

#include <stdint.h>

/* Room for any cursor: INT64_MAX is 13 base-36 digits, and the NUL. */
#define SH_SEL_CURSOR_SIZE 16

/* "seq" (> 0) as a cursor: lower-case base 36, no leading zeros. */
void sh_sel_cursor_encode(int64_t seq, char out[SH_SEL_CURSOR_SIZE]);

#endif
