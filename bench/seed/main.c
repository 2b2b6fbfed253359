/*
 * schoolhub-bench: the benchmark data loader, a program of its own so that the product
 * binary never holds a seeder that writes the ledger directly (bench_seed.c says why it
 * does) or tunes malloc. Linked against the same core library as schoolhub, it reads the
 * same environment (docs/CONFIG.md); scripts/bench.sh and tests/cli/seed_bench_test.sh run it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/seed_guard.h"
#include "bench_seed.h"
#include "schoolhub/app.h"
#include "schoolhub/log.h"

static const char usage[] =
	"usage: schoolhub-bench seed --families N [--transactions-per-family M (20)]\n"
	"                            [--hot-member-transactions K (0)] [--seed S (1)]\n"
	"  loads a large school into an empty database for benchmarks (SCHOOLHUB_ENV=development\n"
	"  only) and prints the logins and their password, generated for this load\n";

/* "--name VALUE" as a whole number in [min, max]; -1 (with a message) when it is not. */
static int parse_count(const char *name, const char *value, int64_t min, int64_t max,
		       int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
		fprintf(stderr, "schoolhub-bench: %s must be a whole number between %lld and %lld\n",
			name, (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

/* The options after "seed"; 0, or 2 (usage error, already reported). */
static int parse_options(int argc, char **argv, struct sh_bench_seed_opts *o)
{
	int64_t seed = 1;
	*o = (struct sh_bench_seed_opts){.families = 0, .tx_per_family = 20, .seed = 1};
	for (int i = 2; i < argc; i += 2) {
		const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		int rc;
		if (value == NULL)
			rc = 1;
		else if (strcmp(name, "--families") == 0)
			rc = parse_count(name, value, 1, 10000000, &o->families);
		else if (strcmp(name, "--transactions-per-family") == 0)
			rc = parse_count(name, value, 0, 1000, &o->tx_per_family);
		else if (strcmp(name, "--hot-member-transactions") == 0)
			rc = parse_count(name, value, 0, 100000000, &o->hot_member_tx);
		else if (strcmp(name, "--seed") == 0)
			rc = parse_count(name, value, 0, INT64_MAX, &seed);
		else
			rc = 1;
		if (rc > 0) /* not an option of seed, or no value */
			fputs(usage, stderr);
		if (rc != 0)
			return 2;
	}
	o->seed = (uint64_t)seed;
	if (o->families == 0) {
		fputs(usage, stderr);
		return 2;
	}
	return 0;
}

static int cmd_seed(int argc, char **argv)
{
	struct sh_bench_seed_opts o;
	if (parse_options(argc, argv, &o) != 0)
		return 2;
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, false, &error) != 0) {
		fprintf(stderr, "schoolhub-bench: configuration: %s\n", error);
		free(error);
		return 1;
	}
	if (sh_seed_check_env(&cfg, "schoolhub-bench seed") != 0) {
		sh_config_free(&cfg);
		return SH_SEED_EXIT_REFUSED;
	}
	sh_log_set_level(cfg.log_level);
	struct sh_app *app = NULL;
	if (sh_app_create(&cfg, true, &app, &error) != 0) {
		fprintf(stderr, "schoolhub-bench: startup: %s\n", error);
		free(error);
		return 1;
	}
	int loaded = sh_bench_seed(app, &o, stdout);
	sh_app_destroy(&app);
	return loaded == 0 ? 0 : loaded > 0 ? SH_SEED_EXIT_REFUSED : 1;
}

int main(int argc, char **argv)
{
	if (sh_global_init() != 0) {
		fprintf(stderr, "schoolhub-bench: cannot initialise libsodium/libcurl\n");
		return 1;
	}
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "seed") == 0)
		return cmd_seed(argc, argv);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
