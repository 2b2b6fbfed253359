/*
 * "schoolhub seed-bench": a large, deterministic school for benchmarks (scripts/bench.sh):
 * N families (parents, children across M1-P6), SEL services and a year of SEL
 * transactions that keep every ledger invariant, optionally one "hot" member with K
 * transactions for measuring deep pagination.
 */
#ifndef SCHOOLHUB_APP_BENCH_SEED_H
#define SCHOOLHUB_APP_BENCH_SEED_H

#include <stdint.h>
#include <stdio.h>

#include "schoolhub/app.h"

/* Every bench login shares this password (one argon2id hash for all of them). */
#define SH_BENCH_PASSWORD "bench-password-2026"

struct sh_bench_seed_opts {
	int64_t families;        /* 1 .. 10,000,000 */
	int64_t tx_per_family;   /* SEL transactions per family, on average (besides openings) */
	int64_t hot_member_tx;   /* transactions of hot@bench.schoolhub.be; 0: no hot member */
	uint64_t seed;           /* the PRNG seed: same seed, same rows (timestamps excepted) */
};

/* Loads the bench data (refused when it is already there) and prints a summary and the
 * logins to "out". 0 on success. */
int sh_bench_seed(struct sh_app *app, const struct sh_bench_seed_opts *opts, FILE *out);

#endif
