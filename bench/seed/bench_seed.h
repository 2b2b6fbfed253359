/*
 * "schoolhub-bench seed": a large, deterministic school for benchmarks (scripts/bench.sh):
 * N families (parents, children across M1-P6), SEL services and a year of SEL
 * transactions that keep every ledger invariant, optionally one "hot" member with K
 * transactions for measuring deep pagination.
 */
#ifndef SCHOOLHUB_BENCH_SEED_H
#define SCHOOLHUB_BENCH_SEED_H

#include <stdint.h>
#include <stdio.h>

#include "schoolhub/app.h"

/* Every bench login of one load shares one password, generated for that load (libsodium
 * randomness) and printed after this label in the summary, never a known one. */
#define SH_BENCH_PASSWORD_LABEL "password for all, generated for this load: "
#define SH_BENCH_PASSWORD_LEN 24

struct sh_bench_seed_opts {
	int64_t families;        /* 1 .. 10,000,000 */
	int64_t tx_per_family;   /* SEL transactions per family, on average (besides openings) */
	int64_t hot_member_tx;   /* transactions of hot@bench.schoolhub.be; 0: no hot member */
	uint64_t seed;           /* the PRNG seed: same seed, same rows (timestamps excepted) */
};

/* Loads the bench data into a database without members and prints a summary, the logins
 * and their password to "out". 0 when loaded, 1 when refused because the database already
 * holds members (nothing written, one line on stderr), -1 on an error. */
int sh_bench_seed(struct sh_app *app, const struct sh_bench_seed_opts *opts, FILE *out);

#endif
