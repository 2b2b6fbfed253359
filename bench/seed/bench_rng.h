/*
 * Deterministic randomness for the bench data (xoshiro256**, seeded by splitmix64): the
 * same seed gives the same families, ids and history, so two loads can be compared.
 */
#ifndef SCHOOLHUB_BENCH_RNG_H
#define SCHOOLHUB_BENCH_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/util.h"

struct bench_rng {
	uint64_t s[4];
};

/* One of several independent streams ("stream") of the same "seed". */
void bench_rng_seed(struct bench_rng *r, uint64_t seed, uint64_t stream);
uint64_t bench_rng_next(struct bench_rng *r);
/* Uniform in [0, n) (the modulo bias is irrelevant for n far below 2^64). */
uint64_t bench_rng_below(struct bench_rng *r, uint64_t n);
bool bench_rng_percent(struct bench_rng *r, unsigned percent);
/* A version 4 UUID from "r", so the same seed gives the same ids. */
void bench_rng_uuid(struct bench_rng *r, char out[SH_UUID_LEN + 1]);

#endif
