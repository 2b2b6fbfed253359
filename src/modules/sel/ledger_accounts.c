/*
 * SQL of the SEL ledger's accounts and bookings. Written once; runs unchanged on SQLite
 * and PostgreSQL.
 *
 * Invariants kept here: a completed transaction has exactly two entries (-units, +units);
 * an account's balance is the sum of its entries (updated in the same statement sequence,
 * inside the caller's transaction); entries are only ever inserted.
 */
#include "modules/sel/ledger_queries.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "schoolhub/util.h"

enum sh_db_rc sh_sel_account_get(struct sh_conn *conn, const char *user_id,
				 struct sh_sel_account *a)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT id, balance, total_given, total_received "
					"FROM sel_accounts WHERE user_id = $1",
					SH_ARGS(SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		snprintf(a->id, sizeof(a->id), "%s", sh_stmt_col_text(st, 0));
		a->balance = sh_stmt_col_int64(st, 1);
		a->total_given = sh_stmt_col_int64(st, 2);
		a->total_received = sh_stmt_col_int64(st, 3);
	}
	sh_stmt_free(&st);
	return rc;
}

/* The opening units of a new account, issued by the system account: the sum of all
 * balances stays 0. */
static enum sh_db_rc open_account(struct sh_conn *conn, const char *user_id,
				  const char *account_id, int64_t units, const char *now)
{
	char tx_id[SH_UUID_LEN + 1];
	sh_uuid_v7(tx_id); /* time-ordered: see sh_uuid_v7 */
	struct sh_sel_tx t = {.id = tx_id,
			      .kind = "opening",
			      .from_account = SH_SEL_SYSTEM_ACCOUNT,
			      .to_account = account_id,
			      .to_user_id = user_id,
			      .units = units,
			      .description = "",
			      .status = "completed",
			      .created_at = now,
			      .completed_at = now};
	enum sh_db_rc rc = sh_sel_tx_insert(conn, &t);
	if (rc != SH_DB_OK)
		return rc;
	enum sh_sel_outcome outcome;
	int64_t excess;
	return sh_sel_book(conn, tx_id, SH_SEL_SYSTEM_ACCOUNT, account_id, units, NULL, now,
			   &outcome, &excess);
}

enum sh_db_rc sh_sel_account_ensure(struct sh_conn *conn, const char *user_id,
				    const struct sh_sel_limits *limits, const char *now,
				    char account_id_r[37])
{
	struct sh_sel_account a;
	enum sh_db_rc rc = sh_sel_account_get(conn, user_id, &a);
	if (rc == SH_DB_ROW) {
		memcpy(account_id_r, a.id, 37);
		return SH_DB_OK;
	}
	if (rc != SH_DB_OK)
		return rc;

	char id[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	rc = sh_exec(conn,
		     "INSERT INTO sel_accounts (id, user_id, kind, balance, total_given, "
		     "total_received, created_at, updated_at) "
		     "VALUES ($1, $2, 'member', 0, 0, 0, $3, $3)",
		     SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(now)), NULL);
	/* Two first uses at once: the loser gets UNIQUE on user_id; rerunning the whole
	 * transaction then finds the winner's account. */
	if (rc == SH_DB_UNIQUE)
		return SH_DB_RETRY;
	if (rc != SH_DB_OK)
		return rc;
	memcpy(account_id_r, id, 37);
	if (limits->initial == 0)
		return SH_DB_OK;
	return open_account(conn, user_id, id, limits->initial, now);
}

/*
 * Applies "delta" to one account. With "limits", a debit may not end below the minimum and
 * a credit may not end above the maximum (only the side that moves is checked: a member
 * above the maximum after a forced reversal can still pay). SH_DB_ROW with the new
 * balance, SH_DB_OK when the limit refused it.
 */
static enum sh_db_rc move_units(struct sh_conn *conn, const char *account, int64_t delta,
				bool exchange, const struct sh_sel_limits *limits, const char *now,
				int64_t *balance_r)
{
#define MOVE_SQL(limit)                                                                      \
	"UPDATE sel_accounts SET balance = balance + $2, "                                   \
	"total_given = total_given + $3, total_received = total_received + $4, "             \
	"updated_at = $5 WHERE id = $1 " limit "RETURNING balance"
	int64_t given = exchange && delta < 0 ? -delta : 0;
	int64_t received = exchange && delta > 0 ? delta : 0;
	if (limits == NULL || strcmp(account, SH_SEL_SYSTEM_ACCOUNT) == 0)
		return sh_query_int64(conn, MOVE_SQL(""),
				      SH_ARGS(SH_TEXT(account), SH_INT(delta), SH_INT(given),
					      SH_INT(received), SH_TEXT(now)),
				      balance_r);
	return sh_query_int64(conn,
			      delta < 0 ? MOVE_SQL("AND balance + $2 >= $6 ")
					: MOVE_SQL("AND balance + $2 <= $6 "),
			      SH_ARGS(SH_TEXT(account), SH_INT(delta), SH_INT(given),
				      SH_INT(received), SH_TEXT(now),
				      SH_INT(delta < 0 ? limits->min : limits->max)),
			      balance_r);
#undef MOVE_SQL
}

static enum sh_db_rc insert_entry(struct sh_conn *conn, const char *tx_id, const char *account,
				  int64_t amount, int64_t balance_after, const char *now)
{
	return sh_exec(conn,
		       "INSERT INTO sel_entries (transaction_id, account_id, amount, balance_after, "
		       "created_at) VALUES ($1, $2, $3, $4, $5)",
		       SH_ARGS(SH_TEXT(tx_id), SH_TEXT(account), SH_INT(amount),
			       SH_INT(balance_after), SH_TEXT(now)),
		       NULL);
}

/* An account's balance as it was before this booking: "undo" is what this booking already
 * moved on it (0 when nothing). */
static enum sh_db_rc balance_before(struct sh_conn *conn, const char *account, int64_t undo,
				    int64_t *balance_r)
{
	enum sh_db_rc rc = sh_query_int64(conn, "SELECT balance FROM sel_accounts WHERE id = $1",
					  SH_ARGS(SH_TEXT(account)), balance_r);
	if (rc == SH_DB_OK)
		return SH_DB_ERROR; /* the account vanished: cannot happen with foreign keys */
	if (rc != SH_DB_ROW)
		return rc;
	*balance_r -= undo;
	return SH_DB_OK;
}

/*
 * A refused booking: the most it could move right now is the smaller headroom of its two
 * sides (the payer's above the minimum, the payee's below the maximum; the system account
 * has none), and that side is the one named, whichever row the UPDATEs reached first.
 * "payer_moved" / "payee_moved": that side's move already went through in this
 * transaction (it is rolled back with the rest).
 */
static enum sh_db_rc refusal(struct sh_conn *conn, const char *from_account,
			     const char *to_account, int64_t units, bool payer_moved,
			     bool payee_moved, const struct sh_sel_limits *limits,
			     enum sh_sel_outcome *outcome_r, int64_t *excess_r)
{
	int64_t payer_room = INT64_MAX, payee_room = INT64_MAX, balance = 0;
	enum sh_db_rc rc;
	if (strcmp(from_account, SH_SEL_SYSTEM_ACCOUNT) != 0) {
		if ((rc = balance_before(conn, from_account, payer_moved ? -units : 0, &balance)) !=
		    SH_DB_OK)
			return rc;
		payer_room = balance - limits->min;
	}
	if (strcmp(to_account, SH_SEL_SYSTEM_ACCOUNT) != 0) {
		if ((rc = balance_before(conn, to_account, payee_moved ? units : 0, &balance)) !=
		    SH_DB_OK)
			return rc;
		payee_room = limits->max - balance;
	}
	bool payer_binds = payer_room <= payee_room;
	int64_t room = payer_binds ? payer_room : payee_room;
	*outcome_r = payer_binds ? SH_SEL_PAYER_LIMIT : SH_SEL_PAYEE_LIMIT;
	/* Past a limit already (a forced reversal can leave a member there): nothing fits. */
	*excess_r = units - (room > 0 ? (room < units ? room : units) : 0);
	return SH_DB_OK;
}

enum sh_db_rc sh_sel_book(struct sh_conn *conn, const char *tx_id, const char *from_account,
			  const char *to_account, int64_t units, const struct sh_sel_limits *limits,
			  const char *now, enum sh_sel_outcome *outcome_r, int64_t *excess_r)
{
	*outcome_r = SH_SEL_BOOKED;
	*excess_r = 0;
	/* Rows are always locked in the same (id) order, so A->B and B->A at the same time
	 * wait for each other instead of deadlocking. */
	bool payer_first = strcmp(from_account, to_account) < 0;
	const char *order[2] = {payer_first ? from_account : to_account,
				payer_first ? to_account : from_account};
	int64_t after[2] = {0, 0};
	/* total_given / total_received count exchanges between members: the opening units
	 * (and their reversal) move the balance but were neither given nor received. */
	bool exchange = strcmp(from_account, SH_SEL_SYSTEM_ACCOUNT) != 0 &&
			strcmp(to_account, SH_SEL_SYSTEM_ACCOUNT) != 0;
	for (int i = 0; i < 2; i++) {
		bool is_payer = order[i] == from_account;
		int64_t delta = is_payer ? -units : units;
		enum sh_db_rc rc = move_units(conn, order[i], delta, exchange, limits, now, &after[i]);
		if (rc == SH_DB_OK) { /* refused by the limit: only order[0] may have moved */
			bool first_moved = i == 1;
			bool payer_moved = first_moved && order[0] == from_account;
			bool payee_moved = first_moved && order[0] == to_account;
			return refusal(conn, from_account, to_account, units, payer_moved,
				       payee_moved, limits, outcome_r, excess_r);
		}
		if (rc != SH_DB_ROW)
			return rc;
	}
	int64_t payer_after = payer_first ? after[0] : after[1];
	int64_t payee_after = payer_first ? after[1] : after[0];
	enum sh_db_rc rc = insert_entry(conn, tx_id, from_account, -units, payer_after, now);
	if (rc != SH_DB_OK)
		return rc;
	return insert_entry(conn, tx_id, to_account, units, payee_after, now);
}
