/*
 * What the bench loader's files share (bench_seed.c: the people and the load;
 * sel_history.c: the SEL accounts and their history): the state of one load.
 */
#ifndef SCHOOLHUB_BENCH_LOAD_H
#define SCHOOLHUB_BENCH_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bench_rng.h"
#include "bench_seed.h"
#include "modules/sel/history_cursor.h"
#include "row_batch.h"
#include "schoolhub/util.h"

#define BENCH_COMMIT_EVERY 50000 /* ledger transactions per PostgreSQL transaction */
#define HISTORY_DAYS 365

struct member {
	char user_id[SH_UUID_LEN + 1], account_id[SH_UUID_LEN + 1];
	int offer; /* index into seed.services of one of the member's offers, or -1 */
	int64_t balance, given, received;             /* running, during a simulation */
	int64_t final_balance, final_given, final_received; /* after the first simulation */
};

struct seed {
	struct sh_app *app;
	const struct sh_bench_seed_opts *o;
	struct sh_conn *conn;
	const char *hash;
	char system_account[SH_UUID_LEN + 1]; /* the school's account, from the migration */
	int64_t members_before;               /* members found in the database: then refused */
	bool check_failed;                    /* the load broke an invariant (said on stderr) */
	time_t now, history_start;
	char joined[SH_TIME_LEN + 1]; /* created_at of every user and account */
	struct bench_rng people, ids, sim;
	struct member *members;       /* parents, then the hot member last */
	int64_t n_members, n_family_members, cap_members;
	char (*services)[SH_UUID_LEN + 1];
	int64_t n_services, cap_services;
	int64_t children, teachers, openings, completed, pending_or_closed, skipped, hot_index;
	int64_t since_commit;
	struct sh_row_batch users, children_b, guardians, services_b, accounts, txs, entries;
};

/* Accounts with the balances the history will leave (after a first simulation), then each
 * one's opening from the school's account. */
enum sh_db_rc bench_history_accounts(struct seed *s);
/* The history, simulated from the same PRNG state each time: rows written when "write",
 * otherwise only the members' balances move. */
enum sh_db_rc bench_history_simulate(struct seed *s, bool write);
/* The hot member's cursor for the page of its oldest transactions ("" without one). */
enum sh_db_rc bench_history_deep_cursor(struct seed *s, char out[SH_SEL_CURSOR_SIZE]);

#endif
