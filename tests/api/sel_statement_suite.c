/* The SEL statement (GET /sel/statement.csv): its lines and running balance, formula
 * injection neutralised, the period, a localised header; beside the history, a request
 * accepted days after it was made carries both dates, amounts are in hours too, the
 * transaction id is the last column ("reference"), and the file is named for the member
 * and the period in their language. Its dates are Brussels days. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schoolhub/brussels_time.h"
#include "schoolhub/util.h"
#include "sel_support.h"

Suite *api_sel_statement_suite(void);

/* --- GET /statement.csv ------------------------------------------------------------------ */

/* Splits "line" on ';' (no ';' inside the test's cells) into at most "max" cells. */
static size_t split_cells(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, ";", &save); tok && n < max; tok = strtok_r(NULL, ";", &save))
		cells[n++] = tok;
	return n;
}

START_TEST(statement_csv)
{
	struct th_member s, t;
	th_member_register(&s, "stmt");
	th_member_register(&t, "stmtpeer");
	free(sel_pay_ok(&s, t.id, 45, "=HYPERLINK(\"http://evil.example\")"));
	free(sel_pay_ok(&t, s.id, 100, "+cmd|' /C calc'!A0"));
	free(sel_pay_ok(&s, t.id, 15, "Réparation vélo"));
	char *pending = sel_ask_ok(&s, t.id, 33); /* not completed: not in the statement */

	struct th_resp *r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL,
				       NULL, sel_lang_en);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/csv; charset=utf-8");
	const char *cd = th_header(r, "Content-Disposition");
	ck_assert_ptr_nonnull(cd);
	ck_assert_ptr_nonnull(strstr(cd, "attachment"));
	ck_assert_ptr_nonnull(strstr(cd, ".csv"));
	ck_assert_int_ge(r->body_len, 3);
	ck_assert_int_eq(memcmp(r->body, "\xEF\xBB\xBF", 3), 0);
	const char *header =
		"date;requested on;kind;member;description;units;hours;balance;reference\r\n";
	ck_assert_int_eq(strncmp(r->body + 3, header, strlen(header)), 0);
	/* Every line ends with CRLF; no bare LF. */
	size_t crlf = 0;
	for (size_t i = 0; i < r->body_len; i++)
		if (r->body[i] == '\n') {
			ck_assert_msg(i > 0 && r->body[i - 1] == '\r', "bare LF at %zu", i);
			crlf++;
		}
	ck_assert_int_eq(crlf, 5); /* header + opening + 3 payments */
	ck_assert_ptr_null(strstr(r->body, pending));
	/* Formula injection neutralised: the cell starts with a quote. */
	ck_assert_ptr_nonnull(strstr(r->body, "\"'=HYPERLINK(\"\"http://evil.example\"\")\""));
	ck_assert_ptr_nonnull(strstr(r->body, "\"'+cmd|' /C calc'!A0\""));
	ck_assert_ptr_nonnull(strstr(r->body, "\"Réparation vélo\""));
	ck_assert_ptr_null(strstr(r->body, ";\"=HYPERLINK"));

	/* Running balance: the last column is the balance after each entry. */
	static const int64_t amounts[] = {120, -45, 100, -15};
	char *copy = strdup(r->body + 3 + strlen(header));
	char *save = NULL;
	int64_t running = 0;
	size_t n = 0;
	for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		char *cells[10];
		ck_assert_int_lt(n, 4);
		/* strtok_r skips the empty "requested on" cell (all made and booked today). */
		ck_assert_int_eq(split_cells(line, cells, 10), 8);
		running += amounts[n];
		ck_assert_int_eq(strlen(cells[0]), 10); /* YYYY-MM-DD */
		ck_assert_int_eq(strtoll(cells[4], NULL, 10), amounts[n]);
		ck_assert_int_eq(strtoll(cells[6], NULL, 10), running);
		ck_assert_int_eq(strlen(cells[7]), 38); /* "uuid" */
		if (n == 0)
			ck_assert_str_eq(cells[1], "\"opening\"");
		else
			ck_assert_str_eq(cells[2], "\"stmtpeer Test\"");
		n++;
	}
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(running, sel_api_balance(&s));
	ck_assert_int_eq(running, sel_db_balance(s.id));
	free(copy);
	th_resp_free(&r);

	/* Localised header. */
	r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL, NULL, sel_lang_nl);
	ck_assert_int_eq(r->status, 200);
	static const char nl[] =
		"datum;gevraagd op;soort;lid;omschrijving;eenheden;uren;saldo;referentie\r\n";
	ck_assert_int_eq(strncmp(r->body + 3, nl, strlen(nl)), 0);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL, NULL, sel_lang_fr);
	static const char fr[] =
		"date;demandé le;type;membre;description;unités;heures;solde;référence\r\n";
	ck_assert_int_eq(strncmp(r->body + 3, fr, strlen(fr)), 0);
	th_resp_free(&r);

	/* Period: a range in the past has only the header; today's range has everything. */
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2001-01-01&to=2001-12-31",
		       s.access_token, NULL, NULL, sel_lang_en);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(r->body_len, 3 + strlen(header));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2001-01-01", s.access_token, NULL,
		       NULL, sel_lang_en);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "HYPERLINK"));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=yesterday", s.access_token, NULL, NULL,
		       NULL);
	assert_field_error(r, "from", "invalid_date");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?to=2026-13-45", s.access_token, NULL, NULL,
		       NULL);
	assert_field_error(r, "to", "invalid_date");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2020-02-02&to=2020-02-01",
		       s.access_token, NULL, NULL, NULL);
	assert_field_error(r, "from", "out_of_range");
	th_resp_free(&r);

	/* A new member: the welcome units from registration; a member from before who never
	 * used the SEL: the header only. */
	struct th_member fresh;
	th_member_register(&fresh, "stmtfresh");
	r = th_request("GET", "/api/v1/sel/statement.csv", fresh.access_token, NULL, NULL, sel_lang_en);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body + 3 + strlen(header), ";\"opening\";\"SEL\";\"\";120;2.00;120;"));
	th_resp_free(&r);
	sel_forget_account(fresh.id);
	r = th_request("GET", "/api/v1/sel/statement.csv", fresh.access_token, NULL, NULL, sel_lang_en);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(r->body_len, 3 + strlen(header));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(pending);
	th_member_free(&fresh);
	th_member_free(&s);
	th_member_free(&t);
}
END_TEST

/* The statement's lines after the byte-order mark and the header (malloc'ed copy). */
static char *body_lines(const struct th_resp *r)
{
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	const char *end_of_header = strstr(r->body, "\r\n");
	ck_assert_ptr_nonnull(end_of_header);
	return strdup(end_of_header + 2);
}

START_TEST(statement_dates_a_request_and_its_payment)
{
	struct th_member s, t;
	th_member_register(&s, "datespayer");
	th_member_register(&t, "datesasker");
	char *asked = sel_ask_for(&t, s.id, 90, "Cours de guitare");
	/* Made three days ago, accepted now; the statement says their Brussels days. */
	char made_at[SH_TIME_LEN + 1], made[11], today[11];
	time_t now = time(NULL);
	sh_time_format(now - 3 * 86400, made_at);
	sh_brussels_date(now - 3 * 86400, made);
	sh_brussels_date(now, today);
	api_db_exec("UPDATE sel_transactions SET created_at = $2 WHERE id = $1", asked, made_at);
	struct th_resp *r = sel_act(&s, asked, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	char *paid = sel_pay_ok(&s, t.id, 10, "Sirop"); /* made and paid today */

	r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL, NULL, sel_lang_fr);
	char *lines = body_lines(r);
	th_resp_free(&r);
	char expected[512];
	snprintf(expected, sizeof(expected),
		 "%.10s;%.10s;\"demande de paiement\";\"datesasker Test\";\"Cours de guitare\";"
		 "-90;-1,50;30;\"%s\"\r\n",
		 today, made, asked);
	ck_assert_msg(strstr(lines, expected) != NULL, "no line\n%s\nin\n%s", expected, lines);
	snprintf(expected, sizeof(expected),
		 "%.10s;;\"paiement\";\"datesasker Test\";\"Sirop\";-10;-0,17;20;\"%s\"\r\n", today,
		 paid);
	ck_assert_msg(strstr(lines, expected) != NULL, "no line\n%s\nin\n%s", expected, lines);
	free(lines);

	/* In English the hours take a decimal point; the payee sees the same dates. */
	r = th_request("GET", "/api/v1/sel/statement.csv", t.access_token, NULL, NULL, sel_lang_en);
	lines = body_lines(r);
	th_resp_free(&r);
	snprintf(expected, sizeof(expected),
		 "%.10s;%.10s;\"payment request\";\"datespayer Test\";\"Cours de guitare\";90;1.50;"
		 "210;\"%s\"\r\n",
		 today, made, asked);
	ck_assert_msg(strstr(lines, expected) != NULL, "no line\n%s\nin\n%s", expected, lines);
	free(lines);
	free(asked);
	free(paid);
	th_member_free(&s);
	th_member_free(&t);
}
END_TEST

/* A payment at 23:30 UTC on a summer day was made at 01:30 the next day in Brussels: the
 * statement dates it then, and "from"/"to" are Brussels days. */
START_TEST(statement_days_are_brussels_days)
{
	struct th_member s, t;
	th_member_register(&s, "nightpayer");
	th_member_register(&t, "nightpayee");
	char *paid = sel_pay_ok(&s, t.id, 12, "Baby-sitting");
	api_db_exec("UPDATE sel_transactions SET created_at = '2026-07-14T23:30:00Z' WHERE id = $1",
		    paid, NULL);
	api_db_exec("UPDATE sel_entries SET created_at = '2026-07-14T23:30:00Z' WHERE "
		    "transaction_id = $1",
		    paid, NULL);
	struct th_resp *r = th_request("GET", "/api/v1/sel/statement.csv?from=2026-07-15&to=2026-07-15",
				       s.access_token, NULL, NULL, sel_lang_fr);
	char *lines = body_lines(r);
	th_resp_free(&r);
	char expected[256];
	snprintf(expected, sizeof(expected),
		 "2026-07-15;;\"paiement\";\"nightpayee Test\";\"Baby-sitting\";-12;-0,20;");
	ck_assert_msg(strncmp(lines, expected, strlen(expected)) == 0, "expected\n%s\nin\n%s",
		      expected, lines);
	free(lines);
	/* Not on the 14th (UTC's day), and the 15th begins at 22:00 UTC on the 14th. */
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2026-07-14&to=2026-07-14",
		       s.access_token, NULL, NULL, sel_lang_fr);
	lines = body_lines(r);
	th_resp_free(&r);
	ck_assert_msg(strstr(lines, paid) == NULL, "the 14th lists it:\n%s", lines);
	free(lines);
	api_db_exec("UPDATE sel_entries SET created_at = '2026-07-14T21:59:59Z' WHERE "
		    "transaction_id = $1",
		    paid, NULL);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2026-07-14&to=2026-07-14",
		       s.access_token, NULL, NULL, sel_lang_fr);
	lines = body_lines(r);
	th_resp_free(&r);
	ck_assert_msg(strncmp(lines, "2026-07-14;2026-07-15;", 22) == 0, "%s", lines);
	free(lines);
	free(paid);
	th_member_free(&s);
	th_member_free(&t);
}
END_TEST

/* Registers a member named "first" "last" and returns their access token (malloc'ed). */
static char *register_named(const char *who, const char *first, const char *last)
{
	static int n;
	char email[96];
	snprintf(email, sizeof(email), "%s.%d@example.be", who, ++n);
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}",
				    "email", email, "password", "a long enough password 9",
				    "first_name", first, "last_name", last, "privacy_version",
				    TH_PRIVACY_VERSION);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *token = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	return token;
}

static void assert_file_name(const char *token, const char *query, const char *const *lang,
			     const char *name)
{
	char path[160], expected[256];
	snprintf(path, sizeof(path), "/api/v1/sel/statement.csv%s", query);
	struct th_resp *r = th_request("GET", path, token, NULL, NULL, lang);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	snprintf(expected, sizeof(expected), "attachment; filename=\"%s\"", name);
	ck_assert_str_eq(th_header(r, "Content-Disposition"), expected);
	th_resp_free(&r);
}

START_TEST(statement_file_is_named_for_the_member_and_the_period)
{
	char *token = register_named("stmtname", "Hélène", "Dubois-Noël Ødegård");
	char today[11], name[256];
	sh_brussels_date(time(NULL), today); /* the Brussels day, not UTC's */
	/* No "from": the statement starts with the account's first line, today's opening. */
	snprintf(name, sizeof(name), "releve-sel-helene-dubois-noel-odegard-%.10s-%.10s.csv", today,
		 today);
	assert_file_name(token, "", sel_lang_fr, name);
	assert_file_name(token, "?from=2026-01-01&to=2026-02-01", sel_lang_nl,
			 "uittreksel-sel-helene-dubois-noel-odegard-2026-01-01-2026-02-01.csv");
	assert_file_name(token, "?from=2025-09-01&to=2025-09-30", sel_lang_en,
			 "statement-sel-helene-dubois-noel-odegard-2025-09-01-2025-09-30.csv");
	free(token);
	/* A name with no Latin letter leaves the words and the period. */
	token = register_named("stmtgreek", "Ωμέγα", "Ζήτα");
	assert_file_name(token, "?from=2026-03-01&to=2026-03-02", sel_lang_fr,
			 "releve-sel-2026-03-01-2026-03-02.csv");
	free(token);
}
END_TEST

Suite *api_sel_statement_suite(void)
{
	Suite *s = suite_create("sel_statement");
	TCase *tc = tcase_create("statement");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_add_test(tc, statement_csv);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, statement_dates_a_request_and_its_payment);
	tcase_add_test(tc, statement_file_is_named_for_the_member_and_the_period);
	tcase_add_test(tc, statement_days_are_brussels_days);
	suite_add_tcase(s, tc);
	return s;
}
