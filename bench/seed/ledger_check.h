/*
 * The SEL ledger the bench loader writes in bulk, checked before it commits: the loader
 * bypasses sh_sel_book (bench_seed.c says why), so it proves the result with the SEL
 * module's own audit rather than trusting its arithmetic.
 */
#ifndef SCHOOLHUB_BENCH_LEDGER_CHECK_H
#define SCHOOLHUB_BENCH_LEDGER_CHECK_H

#include <stdbool.h>

#include "schoolhub/config.h"
#include "schoolhub/store.h"

/* The id of the school's (system) SEL account, which the migration creates. */
enum sh_db_rc bench_system_account(struct sh_conn *conn, char id_r[37]);

/*
 * The SEL module's audit (sh_sel_audit: every balance the sum of its entries, the balances
 * summing to zero, two entries per completed transaction and none for the others) and no
 * member balance outside cfg's limits. SH_DB_OK when all hold; otherwise SH_DB_ERROR with
 * "*failed_r" set and the reason on stderr (a database error leaves "*failed_r" alone).
 */
enum sh_db_rc bench_ledger_verify(struct sh_conn *conn, const struct sh_config *cfg,
				  bool *failed_r);

#endif
