/*
 * SQL of the SEL ledger. Written once; runs unchanged on SQLite and PostgreSQL.
 *
 * Invariants kept here: a completed transaction has exactly two entries (-units, +units);
 * an account's balance is the sum of its entries (updated in the same statement sequence,
 * inside the caller's transaction); entries are only ever inserted.
 */
#include "modules/sel/ledger_queries.h"

#include <stdio.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

enum sh_db_rc sh_sel_account_get(struct sh_conn *conn, const char *user_id,
				 struct sh_sel_account *a)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "SELECT id, balance, total_given, total_received FROM sel_accounts "
		      "WHERE user_id = $1");
	sh_stmt_bind_text(st, 1, user_id);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		snprintf(a->id, sizeof(a->id), "%s", sh_stmt_col_text(st, 0));
		a->balance = sh_stmt_col_int64(st, 1);
		a->total_given = sh_stmt_col_int64(st, 2);
		a->total_received = sh_stmt_col_int64(st, 3);
	}
	sh_stmt_free(&st);
	return rc;
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

	char id[SH_UUID_LEN + 1], tx_id[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "INSERT INTO sel_accounts (id, user_id, kind, balance, total_given, "
		      "total_received, created_at, updated_at) "
		      "VALUES ($1, $2, 'member', 0, 0, 0, $3, $3)");
	sh_stmt_bind_text(st, 1, id);
	sh_stmt_bind_text(st, 2, user_id);
	sh_stmt_bind_text(st, 3, now);
	/* Two first uses at once: the loser gets UNIQUE on user_id; rerunning the whole
	 * transaction then finds the winner's account. */
	rc = sh_stmt_exec_free(&st, NULL);
	if (rc == SH_DB_UNIQUE)
		return SH_DB_RETRY;
	if (rc != SH_DB_OK)
		return rc;
	memcpy(account_id_r, id, 37);
	if (limits->initial == 0)
		return SH_DB_OK;

	/* The opening units are issued by the system account: the sum of all balances stays 0. */
	sh_uuid_v7(tx_id); /* time-ordered: see sh_uuid_v7 */
	struct sh_sel_tx t = {.id = tx_id,
			      .kind = "opening",
			      .from_account = SH_SEL_SYSTEM_ACCOUNT,
			      .to_account = id,
			      .to_user_id = user_id,
			      .units = limits->initial,
			      .description = "",
			      .status = "completed",
			      .created_at = now,
			      .completed_at = now};
	rc = sh_sel_tx_insert(conn, &t);
	if (rc != SH_DB_OK)
		return rc;
	enum sh_sel_outcome outcome;
	int64_t excess;
	return sh_sel_book(conn, tx_id, SH_SEL_SYSTEM_ACCOUNT, id, limits->initial, NULL, now,
			   &outcome, &excess);
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
	bool limited = limits != NULL && strcmp(account, SH_SEL_SYSTEM_ACCOUNT) != 0;
	const char *sql;
	if (!limited)
		sql = "UPDATE sel_accounts SET balance = balance + $2, "
		      "total_given = total_given + $3, total_received = total_received + $4, "
		      "updated_at = $5 WHERE id = $1 RETURNING balance";
	else if (delta < 0)
		sql = "UPDATE sel_accounts SET balance = balance + $2, "
		      "total_given = total_given + $3, total_received = total_received + $4, "
		      "updated_at = $5 WHERE id = $1 AND balance + $2 >= $6 RETURNING balance";
	else
		sql = "UPDATE sel_accounts SET balance = balance + $2, "
		      "total_given = total_given + $3, total_received = total_received + $4, "
		      "updated_at = $5 WHERE id = $1 AND balance + $2 <= $6 RETURNING balance";
	struct sh_stmt *st = sh_stmt_prepare(conn, sql);
	sh_stmt_bind_text(st, 1, account);
	sh_stmt_bind_int64(st, 2, delta);
	sh_stmt_bind_int64(st, 3, exchange && delta < 0 ? -delta : 0);
	sh_stmt_bind_int64(st, 4, exchange && delta > 0 ? delta : 0);
	sh_stmt_bind_text(st, 5, now);
	if (limited)
		sh_stmt_bind_int64(st, 6, delta < 0 ? limits->min : limits->max);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW)
		*balance_r = sh_stmt_col_int64(st, 0);
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc current_balance(struct sh_conn *conn, const char *account, int64_t *balance_r)
{
	struct sh_stmt *st = sh_stmt_prepare(conn, "SELECT balance FROM sel_accounts WHERE id = $1");
	sh_stmt_bind_text(st, 1, account);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		*balance_r = sh_stmt_col_int64(st, 0);
		rc = SH_DB_OK;
	} else if (rc == SH_DB_OK) {
		rc = SH_DB_ERROR; /* the account vanished: cannot happen with foreign keys */
	}
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc insert_entry(struct sh_conn *conn, const char *tx_id, const char *account,
				  int64_t amount, int64_t balance_after, const char *now)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "INSERT INTO sel_entries (transaction_id, account_id, amount, balance_after, "
		      "created_at) VALUES ($1, $2, $3, $4, $5)");
	sh_stmt_bind_text(st, 1, tx_id);
	sh_stmt_bind_text(st, 2, account);
	sh_stmt_bind_int64(st, 3, amount);
	sh_stmt_bind_int64(st, 4, balance_after);
	sh_stmt_bind_text(st, 5, now);
	return sh_stmt_exec_free(&st, NULL);
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
		if (rc == SH_DB_ROW)
			continue;
		if (rc != SH_DB_OK)
			return rc;
		/* Refused by the limit: say which side and by how much. */
		int64_t balance = 0;
		rc = current_balance(conn, order[i], &balance);
		if (rc != SH_DB_OK)
			return rc;
		*outcome_r = is_payer ? SH_SEL_PAYER_LIMIT : SH_SEL_PAYEE_LIMIT;
		*excess_r = is_payer ? limits->min - (balance + delta) : balance + delta - limits->max;
		return SH_DB_OK;
	}
	int64_t payer_after = payer_first ? after[0] : after[1];
	int64_t payee_after = payer_first ? after[1] : after[0];
	enum sh_db_rc rc = insert_entry(conn, tx_id, from_account, -units, payer_after, now);
	if (rc != SH_DB_OK)
		return rc;
	return insert_entry(conn, tx_id, to_account, units, payee_after, now);
}

enum sh_db_rc sh_sel_tx_insert(struct sh_conn *conn, const struct sh_sel_tx *t)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "INSERT INTO sel_transactions (id, kind, from_account, to_account, "
		      "from_user_id, to_user_id, units, description, service_id, status, created_by, "
		      "reverses_id, created_at, completed_at) "
		      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");
	sh_stmt_bind_text(st, 1, t->id);
	sh_stmt_bind_text(st, 2, t->kind);
	sh_stmt_bind_text(st, 3, t->from_account);
	sh_stmt_bind_text(st, 4, t->to_account);
	sh_stmt_bind_text(st, 5, t->from_user_id);
	sh_stmt_bind_text(st, 6, t->to_user_id);
	sh_stmt_bind_int64(st, 7, t->units);
	sh_stmt_bind_text(st, 8, t->description ? t->description : "");
	sh_stmt_bind_text(st, 9, t->service_id);
	sh_stmt_bind_text(st, 10, t->status);
	sh_stmt_bind_text(st, 11, t->created_by);
	sh_stmt_bind_text(st, 12, t->reverses_id);
	sh_stmt_bind_text(st, 13, t->created_at);
	sh_stmt_bind_text(st, 14, t->completed_at);
	return sh_stmt_exec_free(&st, NULL);
}

enum sh_db_rc sh_sel_tx_load(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			     struct sh_sel_tx *t)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "SELECT id, kind, from_account, to_account, from_user_id, to_user_id, units, "
		      "description, service_id, status, created_by, reverses_id, created_at, "
		      "completed_at FROM sel_transactions WHERE id = $1");
	sh_stmt_bind_text(st, 1, id);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		t->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		t->kind = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		t->from_account = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		t->to_account = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
		t->from_user_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
		t->to_user_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
		t->units = sh_stmt_col_int64(st, 6);
		t->description = sh_arena_strdup(arena, sh_stmt_col_text(st, 7));
		t->service_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 8));
		t->status = sh_arena_strdup(arena, sh_stmt_col_text(st, 9));
		t->created_by = sh_arena_strdup(arena, sh_stmt_col_text(st, 10));
		t->reverses_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 11));
		t->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 12));
		t->completed_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 13));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_tx_settle(struct sh_conn *conn, const char *id, const char *status,
			       const char *now, int64_t *changed_r)
{
	bool completed = strcmp(status, "completed") == 0;
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "UPDATE sel_transactions SET status = $2, completed_at = $3 "
		      "WHERE id = $1 AND status = 'pending'");
	sh_stmt_bind_text(st, 1, id);
	sh_stmt_bind_text(st, 2, status);
	sh_stmt_bind_text(st, 3, completed ? now : NULL);
	return sh_stmt_exec_free(&st, changed_r);
}

#define TX_SELECT                                                                            \
	"SELECT t.id, t.kind, t.from_user_id, t.to_user_id, t.units, t.description, "        \
	"t.service_id, t.status, t.created_by, t.created_at, t.completed_at, t.reverses_id, " \
	"fu.first_name, fu.last_name, fu.deleted_at, tu.first_name, tu.last_name, "          \
	"tu.deleted_at, t.seq "                                                              \
	"FROM sel_transactions t LEFT JOIN users fu ON fu.id = t.from_user_id "              \
	"LEFT JOIN users tu ON tu.id = t.to_user_id "

static void party_write(struct sh_jw *w, const struct sh_sel_party *p)
{
	if (p->id == NULL) {
		sh_jw_null(w); /* the system account */
		return;
	}
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", p->id);
	sh_jw_kstring(w, "first_name", p->first_name);
	sh_jw_kstring(w, "last_name", p->last_name);
	sh_jw_object_end(w);
}

void sh_sel_tx_write(struct sh_jw *w, const struct sh_sel_tx *tx, const struct sh_sel_party *from,
		     const struct sh_sel_party *to)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", tx->id);
	sh_jw_kstring(w, "kind", tx->kind);
	sh_jw_kstring(w, "from_user_id", tx->from_user_id);
	sh_jw_kstring(w, "to_user_id", tx->to_user_id);
	sh_jw_key(w, "from");
	party_write(w, from);
	sh_jw_key(w, "to");
	party_write(w, to);
	sh_jw_kint(w, "units", tx->units);
	sh_jw_kstring(w, "description", tx->description);
	sh_jw_kstring(w, "service_id", tx->service_id);
	sh_jw_kstring(w, "status", tx->status);
	sh_jw_kstring(w, "created_by", tx->created_by);
	sh_jw_kstring(w, "created_at", tx->created_at);
	sh_jw_kstring(w, "completed_at", tx->completed_at);
	sh_jw_kstring(w, "reverses_id", tx->reverses_id);
	sh_jw_object_end(w);
}

enum sh_db_rc sh_sel_exchange_create(struct sh_conn *conn, const struct sh_sel_exchange *x,
				     const struct sh_sel_limits *limits,
				     struct sh_sel_exchanged *out)
{
	*out = (struct sh_sel_exchanged){.outcome = SH_SEL_BOOKED};
	enum sh_db_rc rc;
	if ((rc = sh_sel_account_ensure(conn, x->author, limits, x->at, out->author_account)) !=
		    SH_DB_OK ||
	    (rc = sh_sel_account_ensure(conn, x->counterparty, limits, x->at,
					out->counterparty_account)) != SH_DB_OK)
		return rc;
	sh_uuid_v7(out->id); /* time-ordered: see sh_uuid_v7 */
	const char *mine = out->author_account, *theirs = out->counterparty_account;
	out->tx = (struct sh_sel_tx){
		.id = out->id,
		.kind = x->paying ? "payment" : "request",
		.from_account = x->paying ? mine : theirs,
		.to_account = x->paying ? theirs : mine,
		.from_user_id = x->paying ? x->author : x->counterparty,
		.to_user_id = x->paying ? x->counterparty : x->author,
		.units = x->units,
		.description = x->description,
		.service_id = x->service_id,
		.status = x->paying ? "completed" : "pending",
		.created_by = x->author,
		.created_at = x->at,
		.completed_at = x->paying ? x->at : NULL,
	};
	if ((rc = sh_sel_tx_insert(conn, &out->tx)) != SH_DB_OK || !x->paying)
		return rc;
	return sh_sel_book(conn, out->id, mine, theirs, x->units, limits, x->at, &out->outcome,
			   &out->excess);
}

/* A party of the TX_SELECT row; a deleted member shows under a pseudonym. */
static struct sh_sel_party row_party(struct sh_stmt *st, int id_col, int name_col,
				     enum sh_lang lang)
{
	bool deleted = !sh_stmt_col_is_null(st, name_col + 2);
	return (struct sh_sel_party){
		.id = sh_stmt_col_text(st, id_col),
		.first_name = deleted ? sh_sel_former_member(lang) : sh_stmt_col_text(st, name_col),
		.last_name = deleted ? "" : sh_stmt_col_text(st, name_col + 1),
	};
}

static void tx_row_write(struct sh_jw *w, struct sh_stmt *st, enum sh_lang lang)
{
	struct sh_sel_tx tx = {
		.id = sh_stmt_col_text(st, 0),
		.kind = sh_stmt_col_text(st, 1),
		.from_user_id = sh_stmt_col_text(st, 2),
		.to_user_id = sh_stmt_col_text(st, 3),
		.units = sh_stmt_col_int64(st, 4),
		.description = sh_stmt_col_text(st, 5),
		.service_id = sh_stmt_col_text(st, 6),
		.status = sh_stmt_col_text(st, 7),
		.created_by = sh_stmt_col_text(st, 8),
		.created_at = sh_stmt_col_time(st, 9),
		.completed_at = sh_stmt_col_time(st, 10),
		.reverses_id = sh_stmt_col_text(st, 11),
	};
	struct sh_sel_party from = row_party(st, 2, 12, lang), to = row_party(st, 3, 15, lang);
	sh_sel_tx_write(w, &tx, &from, &to);
}

enum sh_db_rc sh_sel_tx_json(struct sh_conn *conn, const char *id, enum sh_lang lang,
			     json_t **out_r)
{
	*out_r = NULL;
	struct sh_stmt *st = sh_stmt_prepare(conn, TX_SELECT "WHERE t.id = $1");
	sh_stmt_bind_text(st, 1, id);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		/* Written once (tx_row_write) and read back: callers inspect or embed the value. */
		struct sh_arena *arena = sh_arena_create();
		struct sh_jw w;
		sh_jw_init(&w, arena);
		tx_row_write(&w, st, lang);
		*out_r = sh_jw_to_json(&w);
		sh_arena_destroy(&arena);
		rc = *out_r ? SH_DB_OK : SH_DB_ERROR;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_tx_list(struct sh_conn *conn, const char *user_id, const char *status,
			     int64_t before_seq, int64_t limit, enum sh_lang lang, struct sh_jw *items,
			     struct sh_sel_page *page_r)
{
	*page_r = (struct sh_sel_page){0};
	/*
	 * Keyset pagination that stays flat however long the history: "from = $1 OR to = $1"
	 * made SQLite collect every one of the member's transactions and sort them for each
	 * page (MULTI-INDEX OR + temp B-tree: 0.4 s for page 1 at 100,000). Each side now reads
	 * at most "limit" rows backwards from the cursor on its own index, (from_user_id, seq)
	 * and (to_user_id, seq), and only those 2 x limit rows are sorted. Nobody pays
	 * themselves, so the two sides never hold the same row. The status filter is a
	 * separate text: "status = COALESCE($2, status)" hid from PostgreSQL's planner that
	 * it keeps every row, and it chose a bitmap scan of the member's whole history.
	 */
#define TX_SIDE(col, filter)                                                                 \
	"SELECT seq FROM (SELECT seq FROM sel_transactions WHERE " col " = $1 " filter         \
	"AND seq < $2 ORDER BY seq DESC LIMIT $3) AS " col "_side "
#define TX_PAGE(filter)                                                                      \
	TX_SELECT "WHERE t.seq IN (" TX_SIDE("from_user_id", filter) "UNION ALL "            \
		  TX_SIDE("to_user_id", filter) ") ORDER BY t.seq DESC LIMIT $3"
	/* "pending" is spelled out so the partial indexes of migration 0003 apply (a bound
	 * parameter cannot prove the index's WHERE clause to either planner). */
	bool pending = status != NULL && strcmp(status, "pending") == 0;
	struct sh_stmt *st = sh_stmt_prepare(
		conn, pending	       ? TX_PAGE("AND status = 'pending' ")
		      : status != NULL ? TX_PAGE("AND status = $4 ")
				       : TX_PAGE(""));
#undef TX_PAGE
#undef TX_SIDE
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, user_id);
	sh_stmt_bind_int64(st, 2, before_seq);
	/* One row more than the page tells whether another page follows. */
	sh_stmt_bind_int64(st, 3, limit < INT64_MAX ? limit + 1 : limit);
	if (status != NULL && !pending)
		sh_stmt_bind_text(st, 4, status);
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (page_r->count == limit) {
			page_r->more = true;
			rc = SH_DB_OK;
			break;
		}
		tx_row_write(items, st, lang);
		page_r->last_seq = sh_stmt_col_int64(st, 18);
		page_r->count++;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_statement(struct sh_conn *conn, const char *account_id, const char *from,
			       const char *until, enum sh_lang lang, sh_sel_line_fn *fn, void *ctx)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn,
		"SELECT e.created_at, t.id, t.kind, t.description, e.amount, e.balance_after, "
		"CASE WHEN e.amount < 0 THEN t.to_user_id ELSE t.from_user_id END, "
		"u.first_name, u.last_name, u.deleted_at "
		"FROM sel_entries e JOIN sel_transactions t ON t.id = e.transaction_id "
		"LEFT JOIN users u ON u.id = CASE WHEN e.amount < 0 THEN t.to_user_id "
		"ELSE t.from_user_id END "
		"WHERE e.account_id = $1 AND e.created_at >= $2 AND e.created_at < $3 "
		"ORDER BY e.seq");
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, account_id);
	sh_stmt_bind_text(st, 2, from);
	sh_stmt_bind_text(st, 3, until);
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		char who[256];
		if (sh_stmt_col_is_null(st, 6))
			snprintf(who, sizeof(who), "%s", "SEL");
		else if (!sh_stmt_col_is_null(st, 9))
			snprintf(who, sizeof(who), "%s", sh_sel_former_member(lang));
		else
			snprintf(who, sizeof(who), "%s %s", sh_stmt_col_text(st, 7),
				 sh_stmt_col_text(st, 8));
		struct sh_sel_line line = {
			.date = sh_stmt_col_time(st, 0),
			.transaction_id = sh_stmt_col_text(st, 1),
			.kind = sh_stmt_col_text(st, 2),
			.description = sh_stmt_col_text(st, 3),
			.counterparty = who,
			.amount = sh_stmt_col_int64(st, 4),
			.balance_after = sh_stmt_col_int64(st, 5),
		};
		if (fn(&line, ctx) != 0) {
			rc = SH_DB_ERROR;
			break;
		}
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_audit(struct sh_conn *conn, json_t **out_r)
{
	*out_r = NULL;
	int64_t accounts = 0, sum = 0;
	struct sh_stmt *st =
		sh_stmt_prepare(conn, "SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM sel_accounts");
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		accounts = sh_stmt_col_int64(st, 0);
		sum = sh_stmt_col_int64(st, 1);
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;

	json_t *mismatched = json_array();
	st = sh_stmt_prepare(
		conn, "SELECT a.id, a.user_id, a.balance, COALESCE(SUM(e.amount), 0) "
		      "FROM sel_accounts a LEFT JOIN sel_entries e ON e.account_id = a.id "
		      "GROUP BY a.id, a.user_id, a.balance "
		      "HAVING a.balance <> COALESCE(SUM(e.amount), 0)");
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			mismatched,
			json_pack("{s:s, s:s?, s:I, s:I}", "account_id", sh_stmt_col_text(st, 0),
				  "user_id", sh_stmt_col_text(st, 1), "stored_balance",
				  (json_int_t)sh_stmt_col_int64(st, 2), "sum_of_entries",
				  (json_int_t)sh_stmt_col_int64(st, 3)));
	sh_stmt_free(&st);
	if (rc != SH_DB_OK) {
		json_decref(mismatched);
		return rc;
	}

	/* Every completed transaction has exactly two entries summing to zero; no other
	 * transaction has any. */
	int64_t unbalanced = 0;
	st = sh_stmt_prepare(
		conn, "SELECT COUNT(*) FROM sel_transactions t WHERE "
		      "(t.status = 'completed' AND ((SELECT COUNT(*) FROM sel_entries e "
		      "  WHERE e.transaction_id = t.id) <> 2 OR (SELECT COALESCE(SUM(e.amount), 0) "
		      "  FROM sel_entries e WHERE e.transaction_id = t.id) <> 0)) "
		      "OR (t.status <> 'completed' AND EXISTS (SELECT 1 FROM sel_entries e "
		      "  WHERE e.transaction_id = t.id))");
	if (st == NULL) {
		json_decref(mismatched);
		return SH_DB_ERROR;
	}
	rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW)
		unbalanced = sh_stmt_col_int64(st, 0);
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW) {
		json_decref(mismatched);
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	}
	bool ok = sum == 0 && json_array_size(mismatched) == 0 && unbalanced == 0;
	*out_r = json_pack("{s:I, s:I, s:o, s:I, s:b}", "accounts", (json_int_t)accounts,
			   "sum_of_balances", (json_int_t)sum, "mismatched_accounts", mismatched,
			   "unbalanced_transactions", (json_int_t)unbalanced, "ok", ok);
	return *out_r ? SH_DB_OK : SH_DB_ERROR;
}

enum sh_db_rc sh_sel_idem_get(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			      const char *key, const char **hash_r, int64_t *status_r,
			      const char **response_r)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "SELECT request_hash, status, response FROM sel_idempotency "
		      "WHERE user_id = $1 AND key = $2");
	sh_stmt_bind_text(st, 1, user_id);
	sh_stmt_bind_text(st, 2, key);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		*hash_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		*status_r = sh_stmt_col_int64(st, 1);
		*response_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_idem_put(struct sh_conn *conn, const char *user_id, const char *key,
			      const char *hash, int64_t status, const char *response,
			      const char *now, const char *expired_before)
{
	/* Keys are kept 24 hours: drop this member's expired ones first (an expired key may
	 * be reused). */
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "DELETE FROM sel_idempotency WHERE user_id = $1 AND created_at < $2");
	sh_stmt_bind_text(st, 1, user_id);
	sh_stmt_bind_text(st, 2, expired_before);
	enum sh_db_rc rc = sh_stmt_exec_free(&st, NULL);
	if (rc != SH_DB_OK)
		return rc;
	st = sh_stmt_prepare(
		conn, "INSERT INTO sel_idempotency (user_id, key, request_hash, status, response, "
		      "created_at) VALUES ($1, $2, $3, $4, $5, $6)");
	sh_stmt_bind_text(st, 1, user_id);
	sh_stmt_bind_text(st, 2, key);
	sh_stmt_bind_text(st, 3, hash);
	sh_stmt_bind_int64(st, 4, status);
	sh_stmt_bind_text(st, 5, response);
	sh_stmt_bind_text(st, 6, now);
	rc = sh_stmt_exec_free(&st, NULL);
	/* Same key in flight twice: the other one won; rerun and replay its answer. */
	return rc == SH_DB_UNIQUE ? SH_DB_RETRY : rc;
}

enum sh_db_rc sh_sel_ledger_erase_user(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	/* Pending requests to or from a leaving member can never be settled. */
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "UPDATE sel_transactions SET status = 'cancelled' WHERE status = 'pending' "
		      "AND (from_user_id = $1 OR to_user_id = $1)");
	sh_stmt_bind_text(st, 1, user_id);
	enum sh_db_rc rc = sh_stmt_exec_free(&st, NULL);
	if (rc != SH_DB_OK)
		return rc;
	/* Stored answers repeat names and descriptions: they go too. */
	st = sh_stmt_prepare(conn, "DELETE FROM sel_idempotency WHERE user_id = $1");
	sh_stmt_bind_text(st, 1, user_id);
	return sh_stmt_exec_free(&st, NULL);
}

enum sh_db_rc sh_sel_ledger_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	struct sh_sel_account a;
	enum sh_db_rc rc = sh_sel_account_get(conn, user_id, &a);
	if (rc == SH_DB_ROW)
		json_object_set_new(out, "account",
				    json_pack("{s:I, s:I, s:I}", "balance", (json_int_t)a.balance,
					      "total_given", (json_int_t)a.total_given,
					      "total_received", (json_int_t)a.total_received));
	else if (rc == SH_DB_OK)
		json_object_set_new(out, "account", json_null());
	else
		return rc;
	/* The list is written as text (tx_row_write) and read back into the export document:
	 * one description of a transaction's JSON, and an export is rare. */
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	struct sh_sel_page page;
	sh_jw_init(&w, arena);
	sh_jw_array_begin(&w);
	rc = sh_sel_tx_list(conn, user_id, NULL, INT64_MAX, INT64_MAX, SH_LANG_EN, &w, &page);
	sh_jw_array_end(&w);
	json_t *items = rc == SH_DB_OK ? sh_jw_to_json(&w) : NULL;
	sh_arena_destroy(&arena);
	if (rc != SH_DB_OK)
		return rc;
	if (items == NULL)
		return SH_DB_ERROR;
	json_object_set_new(out, "transactions", items);
	return SH_DB_OK;
}
