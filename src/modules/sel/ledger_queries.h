/*
 * Every SQL statement of the SEL ledger: accounts and bookings (ledger_accounts.c), new
 * transactions and their settlement (ledger_exchanges.c), reading them (ledger_history.c),
 * the statement and the audit (ledger_reports.c), idempotency keys
 * (ledger_idempotency.c), the GDPR parts (ledger_gdpr.c).
 *
 * Lookups answer SH_DB_ROW when found and SH_DB_OK when there is none (store.h).
 */
#ifndef SCHOOLHUB_SEL_LEDGER_QUERIES_H
#define SCHOOLHUB_SEL_LEDGER_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/i18n.h"
#include "schoolhub/store.h"
#include "schoolhub/user.h"

struct sh_sel_limits {
	int64_t initial, min, max;
};

struct sh_sel_account {
	char id[37];
	int64_t balance, total_given, total_received;
};

struct sh_sel_tx {
	const char *id, *kind, *from_account, *to_account, *from_user_id, *to_user_id;
	int64_t units;
	const char *description, *service_id, *status, *created_by, *reverses_id, *created_at,
		*completed_at;
};

/* The member's account (SH_DB_ROW), or SH_DB_OK when they never used the SEL. */
enum sh_db_rc sh_sel_account_get(struct sh_conn *conn, const char *user_id,
				 struct sh_sel_account *a);
/*
 * The member's account id, creating the account on first use together with its opening
 * transaction (limits->initial units from the system account). Inside the caller's
 * write transaction.
 */
enum sh_db_rc sh_sel_account_ensure(struct sh_conn *conn, const char *user_id,
				    const struct sh_sel_limits *limits, const char *now,
				    char account_id_r[37]);

enum sh_sel_outcome {
	SH_SEL_BOOKED = 0,
	SH_SEL_PAYER_LIMIT, /* the payer would go below the minimum */
	SH_SEL_PAYEE_LIMIT, /* the payee would go above the maximum */
};

/*
 * Moves "units" from one account to another and writes the two ledger entries of
 * transaction "tx_id". The limits are part of the UPDATE's WHERE clause, so the check and
 * the write are one statement inside the caller's transaction: no read-then-write race.
 * "limits" NULL books without limits (forced reversal). The system account never has
 * limits. On a refused booking "*outcome_r" names the side whose limit binds and
 * "*excess_r" how many units too many it moves: units - excess is the most this booking
 * could move right now (0 when a side is at or past its limit). The caller must roll
 * back.
 */
enum sh_db_rc sh_sel_book(struct sh_conn *conn, const char *tx_id, const char *from_account,
			  const char *to_account, int64_t units, const struct sh_sel_limits *limits,
			  const char *now, enum sh_sel_outcome *outcome_r, int64_t *excess_r);

enum sh_db_rc sh_sel_tx_insert(struct sh_conn *conn, const struct sh_sel_tx *t);

/* A new exchange between two members: the author pays (booked at once) or asks to be paid
 * (a pending request), at "at". */
struct sh_sel_exchange {
	const char *author, *counterparty; /* user ids */
	bool paying;
	int64_t units;
	const char *description, *service_id, *at;
};
/* What sh_sel_exchange_create wrote; "tx" points into the buffers beside it. */
struct sh_sel_exchanged {
	struct sh_sel_tx tx;
	char id[37], author_account[37], counterparty_account[37];
	enum sh_sel_outcome outcome; /* SH_SEL_BOOKED unless a limit refused a payment */
	int64_t excess;
};
/*
 * Writes the exchange as POST /transactions does, inside the caller's transaction: both
 * accounts opened on first use, the transaction row, and for a payment the booking. When a
 * limit refuses the payment, "out->outcome" says so and the caller must roll back.
 */
enum sh_db_rc sh_sel_exchange_create(struct sh_conn *conn, const struct sh_sel_exchange *x,
				     const struct sh_sel_limits *limits,
				     struct sh_sel_exchanged *out);
/* SH_DB_ROW when found, SH_DB_OK when not; strings in "arena". */
enum sh_db_rc sh_sel_tx_load(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			     struct sh_sel_tx *t);
/* pending -> "status"; "*changed_r" 0 when it was no longer pending. */
enum sh_db_rc sh_sel_tx_settle(struct sh_conn *conn, const char *id, const char *status,
			       const char *now, int64_t *changed_r);

/* A party of a transaction as the API shows it; id NULL for the system account. */
struct sh_sel_party {
	const char *id, *first_name, *last_name;
};
/* The API object of a transaction: the one place its members are named. */
struct sh_jw;
void sh_sel_tx_write(struct sh_jw *w, const struct sh_sel_tx *tx, const struct sh_sel_party *from,
		     const struct sh_sel_party *to);
/* The public JSON of one transaction (with party names): SH_DB_ROW with "*out_r" (the
 * caller's reference), SH_DB_OK and NULL when there is no such transaction. */
enum sh_db_rc sh_sel_tx_json(struct sh_conn *conn, const char *id, enum sh_lang lang,
			     json_t **out_r);
struct sh_sel_page {
	int64_t count;    /* transactions written */
	int64_t last_seq; /* booking number of the last one written (the next page's cursor) */
	bool more;        /* another page follows */
};
/* The member's transactions, newest first, before booking number "before_seq" (INT64_MAX
 * for the first page), "status" NULL for all: writes up to "limit" objects as values of
 * the array the caller opened in "items". */
enum sh_db_rc sh_sel_tx_list(struct sh_conn *conn, const char *user_id, const char *status,
			     int64_t before_seq, int64_t limit, enum sh_lang lang, struct sh_jw *items,
			     struct sh_sel_page *page_r);

/* One statement line: called for each completed entry of the account, in booking order.
 * "date" is the booking (the completion), "requested" when the transaction was made (a
 * payment request is made days before it is accepted); both RFC 3339 UTC. */
struct sh_sel_line {
	const char *date, *requested, *transaction_id, *kind, *description, *counterparty;
	int64_t amount, balance_after;
};
typedef int sh_sel_line_fn(const struct sh_sel_line *line, void *ctx);
enum sh_db_rc sh_sel_statement(struct sh_conn *conn, const char *account_id, const char *from,
			       const char *until, enum sh_lang lang, sh_sel_line_fn *fn, void *ctx);

/* Recomputes the ledger: {accounts, sum_of_balances, mismatched_accounts, unbalanced_transactions, ok}. */
enum sh_db_rc sh_sel_audit(struct sh_conn *conn, json_t **out_r);

/* Idempotency keys of POST /transactions: get is SH_DB_ROW with the stored answer (strings
 * in "arena"), SH_DB_OK when the key is new. */
enum sh_db_rc sh_sel_idem_get(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			      const char *key, const char **hash_r, int64_t *status_r,
			      const char **response_r);
enum sh_db_rc sh_sel_idem_put(struct sh_conn *conn, const char *user_id, const char *key,
			      const char *hash, int64_t status, const char *response,
			      const char *now, const char *expired_before);

#endif
