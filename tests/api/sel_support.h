/*
 * What the SEL ledger's suites share (sel_ledger, sel_requests, sel_history,
 * sel_statement, sel_limits, sel_welcome, sel_audit_gdpr): a check connection to the test
 * server's database and reads of the ledger through it, payments and requests through the
 * API, and the assertions every booking test makes (booked, not booked, nothing booked).
 */
#ifndef SCHOOLHUB_TESTS_API_SEL_SUPPORT_H
#define SCHOOLHUB_TESTS_API_SEL_SUPPORT_H

#include <stdint.h>

#include "api.h"

#define SEL_NO_ROW INT64_MIN
#define SEL_RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
/* U+2212, the minus sign of every amount the server writes in words. */
#define SEL_MINUS "\xE2\x88\x92"

extern const char *const sel_lang_fr[], *const sel_lang_nl[], *const sel_lang_en[];

/* The suite's fixture: the shared server, and the check connection closed at its end. */
void sel_suite_start(void);
void sel_suite_stop(void);

/* --- the database, through one check connection kept for the suite --------------------- */
struct sh_conn *sel_db(void);
/* First column of the first row of a query with up to two text parameters, SEL_NO_ROW
 * when there is no row. */
int64_t sel_db_int(const char *sql, const char *p1, const char *p2);
void sel_db_exec(const char *sql, const char *p1);
/* The stored balance of a member, SEL_NO_ROW when they have no account. */
int64_t sel_db_balance(const char *user_id);
/* Makes "user_id" a member from before accounts opened at registration (no account). */
void sel_forget_account(const char *user_id);
int64_t sel_db_entries_sum(const char *user_id);
int64_t sel_db_tx_entries(const char *tx_id);
int64_t sel_db_tx_rows(const char *tx_id);
int64_t sel_db_tx_status_is(const char *tx_id, const char *status);

/* The whole ledger, for "nothing was booked" checks. */
struct sel_snapshot {
	int64_t transactions, entries, accounts, sum, completed;
};
struct sel_snapshot sel_snapshot(void);
void sel_assert_nothing_booked(const struct sel_snapshot *before);
/* A completed transaction: one row, exactly two entries (-units, +units). */
void sel_assert_booked(const char *tx_id, int64_t units);
void sel_assert_not_booked(const char *tx_id, const char *status);

/* --- the API ------------------------------------------------------------------------- */
struct th_resp *sel_pay(const struct th_member *m, const char *to, int units,
			const char *description);
struct th_resp *sel_ask(const struct th_member *m, const char *from, int units,
			const char *description);
/* Pays / asks and asserts 201 and the ledger; returns the transaction id (malloc'ed). */
char *sel_pay_ok(const struct th_member *m, const char *to, int units, const char *description);
char *sel_ask_ok(const struct th_member *m, const char *from, int units); /* "asked" */
char *sel_ask_for(const struct th_member *m, const char *from, int units, const char *description);
/* POST /sel/transactions/{id}/{action}; "_in": in the language of "lang". */
struct th_resp *sel_act(const struct th_member *m, const char *tx_id, const char *action);
struct th_resp *sel_act_in(const struct th_member *m, const char *tx_id, const char *action,
			   const char *const *lang);
/* A payment without description, in the language of "lang". */
struct th_resp *sel_pay_in(const struct th_member *m, const char *to, int units,
			   const char *const *lang);
struct th_resp *sel_get_tx(const struct th_member *m, const char *tx_id,
			   const char *const *extra);
/* The 201 of a creation must be exactly what reading the transaction returns. */
void sel_assert_created_reads_back(const struct th_member *m, const struct th_resp *created);
/* GET /sel/transactions?"query" (NULL: none) with the extra header lines. */
struct th_resp *sel_list(const struct th_member *m, const char *query, const char *const *extra);
struct th_resp *sel_reverse(const struct th_member *m, const char *tx_id, const char *body);
struct th_resp *sel_balance(const struct th_member *m);
int64_t sel_api_balance(const struct th_member *m);
/* GET /admin/sel/audit as "admin": ok, sums 0, nothing mismatched or unbalanced. */
void sel_assert_audit_ok(const struct th_member *admin);
/* POST /transactions with a raw body; asserts the problem and that nothing was booked. */
void sel_assert_create_refused(const struct th_member *m, const char *body, int status,
			       const char *code);
const char *sel_party_name(const json_t *tx, const char *side);
/* 409 "code" with "max_units" (the most the payment could be now) and a detail holding
 * "part". */
void sel_assert_limit(const struct th_resp *r, const char *code, int64_t max_units,
		      const char *part);

#endif
