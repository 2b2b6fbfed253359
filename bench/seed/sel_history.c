/*
 * The SEL part of the bench data: accounts with their openings, and a year of exchanges
 * that stay within the limits, written straight into the ledger (bench_seed.c says why,
 * ledger_check.c checks the result before the commit).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench_load.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/store.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const int64_t unit_choices[] = {15, 30, 30, 45, 60, 60, 60, 90, 120};

struct booking {
	int64_t payer, payee, units; /* member indexes */
	const char *kind, *status, *description;
	int service; /* index into seed.services or -1 */
	bool payer_created;
};

static bool fits(const struct seed *s, const struct member *payer, const struct member *payee,
		 int64_t units)
{
	const struct sh_sel_limits *sel = sh_sel_settings(&s->app->cfg);
	return payer->balance - units >= sel->min &&
	       payee->balance + units <= sel->max;
}

/*
 * The hot member's "j"-th transaction: 1 unit paid to, then received from, the next member
 * it fits for, so every other account stays where the ordinary history put it, give or
 * take one unit. false when nobody fits (cannot happen with sane limits).
 */
static bool hot_booking(struct seed *s, int64_t j, int64_t *cursor, struct booking *bk)
{
	struct member *hot = &s->members[s->hot_index];
	for (int64_t tries = 0; tries < s->n_family_members; tries++) {
		int64_t c = (*cursor)++ % s->n_family_members;
		struct member *other = &s->members[c];
		bool pays = j % 2 == 0;
		if (pays ? fits(s, hot, other, 1) : fits(s, other, hot, 1)) {
			*bk = (struct booking){.payer = pays ? s->hot_index : c,
					       .payee = pays ? c : s->hot_index,
					       .units = 1,
					       .kind = "payment",
					       .status = "completed",
					       .description = "bench",
					       .service = -1,
					       .payer_created = true};
			return true;
		}
	}
	return false;
}

/* An ordinary exchange between two families' members: mostly payments, some requests
 * (most accepted, some still pending, declined or cancelled). false when no pair fits. */
static bool family_booking(struct seed *s, struct booking *bk)
{
	for (int tries = 0; tries < 8; tries++) {
		int64_t payer = (int64_t)bench_rng_below(&s->sim, (uint64_t)s->n_family_members);
		int64_t payee = (int64_t)bench_rng_below(&s->sim, (uint64_t)s->n_family_members);
		int64_t units = unit_choices[bench_rng_below(&s->sim, COUNT(unit_choices))];
		bool request = bench_rng_percent(&s->sim, 30);
		unsigned st = (unsigned)bench_rng_below(&s->sim, 100);
		const char *status = !request || st < 80 ? "completed"
				     : st < 90	       ? "pending"
				     : st < 97	       ? "declined"
							 : "cancelled";
		if (payer == payee)
			continue;
		bool completed = status[0] == 'c' && status[1] == 'o';
		if (completed && !fits(s, &s->members[payer], &s->members[payee], units))
			continue;
		int offer = s->members[payee].offer;
		bool with_service = offer >= 0 && bench_rng_percent(&s->sim, 50);
		*bk = (struct booking){.payer = payer,
				       .payee = payee,
				       .units = units,
				       .kind = request ? "request" : "payment",
				       .status = status,
				       .description = with_service ? "" : "Merci !",
				       .service = with_service ? offer : -1,
				       .payer_created = !request};
		return true;
	}
	return false;
}

static void apply(struct member *payer, struct member *payee, int64_t units)
{
	payer->balance -= units;
	payer->given += units;
	payee->balance += units;
	payee->received += units;
}

static enum sh_db_rc entry_row(struct seed *s, const char *tx_id, const char *account,
			       int64_t amount, int64_t balance_after, const char *at)
{
	sh_row_batch_text(&s->entries, tx_id);
	sh_row_batch_text(&s->entries, account);
	sh_row_batch_int64(&s->entries, amount);
	sh_row_batch_int64(&s->entries, balance_after);
	sh_row_batch_text(&s->entries, at);
	return sh_row_batch_end_row(&s->entries);
}

/*
 * PostgreSQL: a commit every BENCH_COMMIT_EVERY transactions keeps each one bounded.
 * SQLite: one transaction, since each commit writes every page it touched to the WAL, and
 * rows keyed by random UUIDs touch most index pages within a few thousand inserts.
 */
static enum sh_db_rc maybe_commit(struct seed *s)
{
	if (sh_db_kind(s->app->db) == SH_DB_SQLITE || ++s->since_commit < BENCH_COMMIT_EVERY)
		return SH_DB_OK;
	s->since_commit = 0;
	enum sh_db_rc rc = sh_row_batch_flush(&s->entries); /* transactions first */
	if (rc == SH_DB_OK)
		rc = sh_conn_commit(s->conn);
	if (rc == SH_DB_OK)
		rc = sh_conn_begin(s->conn, SH_TX_WRITE);
	return rc;
}

static enum sh_db_rc tx_row(struct seed *s, const struct booking *bk, const char *at)
{
	struct member *payer = &s->members[bk->payer], *payee = &s->members[bk->payee];
	char id[SH_UUID_LEN + 1];
	bench_rng_uuid(&s->ids, id);
	bool completed = strcmp(bk->status, "completed") == 0;
	struct sh_row_batch *b = &s->txs;
	sh_row_batch_text(b, id);
	sh_row_batch_text(b, bk->kind);
	sh_row_batch_text(b, payer->account_id);
	sh_row_batch_text(b, payee->account_id);
	sh_row_batch_text(b, payer->user_id);
	sh_row_batch_text(b, payee->user_id);
	sh_row_batch_int64(b, bk->units);
	sh_row_batch_text(b, bk->description);
	sh_row_batch_text(b, bk->service >= 0 ? s->services[bk->service] : NULL);
	sh_row_batch_text(b, bk->status);
	sh_row_batch_text(b, bk->payer_created ? payer->user_id : payee->user_id);
	sh_row_batch_text(b, NULL);
	sh_row_batch_text(b, at);
	sh_row_batch_text(b, completed ? at : NULL);
	enum sh_db_rc rc = sh_row_batch_end_row(b);
	if (rc != SH_DB_OK || !completed)
		return rc;
	rc = entry_row(s, id, payer->account_id, -bk->units, payer->balance, at);
	if (rc == SH_DB_OK)
		rc = entry_row(s, id, payee->account_id, bk->units, payee->balance, at);
	return rc == SH_DB_OK ? maybe_commit(s) : rc;
}

/*
 * The history: family transactions with the hot member's spread evenly among them, at
 * evenly spaced times over the last HISTORY_DAYS days. Writes the rows when "write";
 * otherwise only moves the members' balances. Both runs make the same choices.
 */
enum sh_db_rc bench_history_simulate(struct seed *s, bool write)
{
	const struct sh_sel_limits *sel = sh_sel_settings(&s->app->cfg);
	for (int64_t i = 0; i < s->n_members; i++) {
		s->members[i].balance = sel->initial;
		s->members[i].given = s->members[i].received = 0;
	}
	bench_rng_seed(&s->sim, s->o->seed, 3);
	int64_t family_tx = s->n_family_members >= 2 ? s->o->families * s->o->tx_per_family : 0;
	int64_t hot = s->hot_index >= 0 ? s->o->hot_member_tx : 0, total = family_tx + hot;
	int64_t hot_done = 0, hot_cursor = 0;
	s->completed = s->pending_or_closed = s->skipped = 0;
	for (int64_t i = 0; i < total; i++) {
		struct booking bk;
		/* Bresenham: hot transaction number h falls at i = floor(h * total / hot). */
		bool is_hot = hot > 0 && (i + 1) * hot / total > i * hot / total;
		bool ok = is_hot ? hot_booking(s, hot_done++, &hot_cursor, &bk)
				 : family_booking(s, &bk);
		if (!ok) {
			s->skipped++;
			continue;
		}
		bool completed = strcmp(bk.status, "completed") == 0;
		if (completed) {
			apply(&s->members[bk.payer], &s->members[bk.payee], bk.units);
			s->completed++;
		} else {
			s->pending_or_closed++;
		}
		if (!write)
			continue;
		char at[SH_TIME_LEN + 1];
		sh_time_format(s->history_start +
				       (time_t)((double)i * HISTORY_DAYS * 86400.0 / (double)total),
			       at);
		enum sh_db_rc rc = tx_row(s, &bk, at);
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

/* Accounts with the balances the history will leave, then each one's opening. */
enum sh_db_rc bench_history_accounts(struct seed *s)
{
	const struct sh_sel_limits *sel = sh_sel_settings(&s->app->cfg);
	enum sh_db_rc rc = SH_DB_OK;
	for (int64_t i = 0; i < s->n_members && rc == SH_DB_OK; i++) {
		struct member *m = &s->members[i];
		m->final_balance = m->balance;
		m->final_given = m->given;
		m->final_received = m->received;
		struct sh_row_batch *b = &s->accounts;
		sh_row_batch_text(b, m->account_id);
		sh_row_batch_text(b, m->user_id);
		sh_row_batch_text(b, "member");
		sh_row_batch_int64(b, m->final_balance);
		sh_row_batch_int64(b, m->final_given);
		sh_row_batch_int64(b, m->final_received);
		sh_row_batch_text(b, s->joined);
		sh_row_batch_text(b, s->joined);
		rc = sh_row_batch_end_row(b);
	}
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->accounts);
	for (int64_t i = 0; i < s->n_members && rc == SH_DB_OK && sel->initial > 0;
	     i++) {
		struct member *m = &s->members[i];
		char id[SH_UUID_LEN + 1];
		bench_rng_uuid(&s->ids, id);
		struct sh_row_batch *b = &s->txs;
		sh_row_batch_text(b, id);
		sh_row_batch_text(b, "opening");
		sh_row_batch_text(b, s->system_account);
		sh_row_batch_text(b, m->account_id);
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, m->user_id);
		sh_row_batch_int64(b, sel->initial);
		sh_row_batch_text(b, "");
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, "completed");
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, s->joined);
		sh_row_batch_text(b, s->joined);
		rc = sh_row_batch_end_row(b);
		/* The system account's running balance is not tracked: the statement of the
		 * system account is never shown, and its stored balance is set below. */
		if (rc == SH_DB_OK)
			rc = entry_row(s, id, s->system_account, -sel->initial,
				       -(i + 1) * sel->initial, s->joined);
		if (rc == SH_DB_OK)
			rc = entry_row(s, id, m->account_id, sel->initial,
				       sel->initial, s->joined);
		s->openings++;
	}
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(s->conn,
		       "UPDATE sel_accounts SET balance = balance - $2, updated_at = $3 "
		       "WHERE id = $1",
		       SH_ARGS(SH_TEXT(s->system_account),
			       SH_INT(s->openings * sel->initial), SH_TEXT(s->joined)),
		       NULL);
}

/* The hot member's cursor for the page of its oldest transactions ("" without one). */
enum sh_db_rc bench_history_deep_cursor(struct seed *s, char out[SH_SEL_CURSOR_SIZE])
{
	out[0] = '\0';
	if (s->hot_index < 0 || s->o->hot_member_tx <= 20)
		return SH_DB_OK;
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(s->conn,
					"SELECT seq FROM sel_transactions WHERE from_user_id = $1 "
					"OR to_user_id = $1 ORDER BY seq LIMIT 1 OFFSET 20",
					SH_ARGS(SH_TEXT(s->members[s->hot_index].user_id)), &st);
	if (rc == SH_DB_ROW) {
		/* The server's own encoding: GET /sel/transactions must accept it. */
		sh_sel_cursor_encode(sh_stmt_col_int64(st, 0), out);
		rc = SH_DB_OK;
	}
	sh_stmt_free(&st);
	return rc;
}
