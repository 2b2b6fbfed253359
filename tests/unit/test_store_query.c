/*
 * The storage API's query helpers (store.h, "Queries"), rows changed, read snapshots and
 * timestamps, on a real database: usage "test_store_query sqlite|postgres"; the fixture is
 * in store_fixture.h.
 */
/* SH_TEST_BOTH_BACKENDS */
#include "schoolhub/arena.h"
#include "store_fixture.h"

START_TEST(test_changes)
{
	struct sh_stmt *stmt;
	char id[40];

	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 3, "c@example.org", "en"), SH_DB_OK);

	stmt = sh_stmt_prepare(conn, "UPDATE users SET locale = $1 WHERE locale = $2");
	sh_stmt_bind_text(stmt, 1, "nl");
	sh_stmt_bind_text(stmt, 2, "fr");
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 2);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELECT id FROM users");
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK); /* rows drained */
	ck_assert_int_eq(sh_stmt_changes(stmt), 0);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "DELETE FROM users WHERE id = $1");
	sh_stmt_bind_text(stmt, 1, uuid(3, id));
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 1);
	sh_stmt_reset(stmt);
	sh_stmt_bind_text(stmt, 1, uuid(3, id));
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 0);
	sh_stmt_free(&stmt);
}
END_TEST

/* ---- query helpers (store.h "Queries") ---------------------------------------- */

START_TEST(test_query_exec)
{
	char id[40];
	int64_t changed = -1;
	static const char *const insert =
		"INSERT INTO users (id, email, password_hash, first_name, last_name, phone, active,"
		" created_at, updated_at, deleted_at) VALUES ($1, $2, 'x', $3, $3, $4, $5, $6, $6, $7)";

	/* Every bind type, $3 and $6 used twice. */
	ck_assert_int_eq(sh_exec(conn, insert,
				 SH_ARGS(SH_TEXT(uuid(1, id)), SH_TEXT("a@example.org"), SH_TEXT("Ada"),
					 SH_TEXT(NULL), SH_BOOL(true), SH_TEXT(T0), SH_NULL),
				 &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(sh_exec(conn, insert,
				 SH_ARGS(SH_TEXT(uuid(2, id)), SH_TEXT("b@example.org"), SH_TEXT("Bo"),
					 SH_TEXT("0470"), SH_BOOL(false), SH_TEXT(T0), SH_NULL),
				 NULL),
			 SH_DB_OK);

	/* An UPDATE says how many rows it changed, 0 included. */
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = $1 WHERE active = $2",
				 SH_ARGS(SH_TEXT("nl"), SH_BOOL(true)), &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = 'en' WHERE email = $1",
				 SH_ARGS(SH_TEXT("nobody@example.org")), &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 0);
	/* No binds at all. */
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = locale", SH_ARGS(), &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 2);

	/* An error is the store's value, and nothing changed. */
	changed = -1;
	ck_assert_int_eq(sh_exec(conn, insert,
				 SH_ARGS(SH_TEXT(uuid(3, id)), SH_TEXT("a@example.org"), SH_TEXT("Al"),
					 SH_NULL, SH_BOOL(true), SH_TEXT(T0), SH_NULL),
				 &changed),
			 SH_DB_UNIQUE);
	ck_assert_int_eq(changed, 0);
	/* A list shorter than the SQL's $ parameters is refused, not run with a NULL. */
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = $2 WHERE id = $1",
				 SH_ARGS(SH_TEXT(uuid(1, id))), &changed),
			 SH_DB_ERROR);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users WHERE locale = 'nl'"), 1);
}
END_TEST

START_TEST(test_query_row)
{
	char id[40];
	struct sh_stmt *st = (struct sh_stmt *)&st; /* anything but NULL */
	static const char *const by_email =
		"SELECT id, locale, active, phone, created_at FROM users WHERE email = $1";

	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "nl"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "en"), SH_DB_OK);

	/* Found: the statement stands on the row. */
	ck_assert_int_eq(sh_query_row(conn, by_email, SH_ARGS(SH_TEXT("a@example.org")), &st),
			 SH_DB_ROW);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), uuid(1, id));
	ck_assert_str_eq(sh_stmt_col_text(st, 1), "nl");
	ck_assert(sh_stmt_col_bool(st, 2));
	ck_assert(sh_stmt_col_is_null(st, 3));
	ck_assert_str_eq(sh_stmt_col_time(st, 4), T0);
	sh_stmt_free(&st);
	ck_assert_ptr_null(st);

	/* None: SH_DB_OK and no statement to free. */
	st = (struct sh_stmt *)&st;
	ck_assert_int_eq(sh_query_row(conn, by_email, SH_ARGS(SH_TEXT("c@example.org")), &st),
			 SH_DB_OK);
	ck_assert_ptr_null(st);

	/* An error: its code, no statement. */
	st = (struct sh_stmt *)&st;
	ck_assert_int_lt(sh_query_row(conn, "SELECT nope FROM users WHERE id = $1",
				      SH_ARGS(SH_TEXT(uuid(1, id))), &st),
			 0);
	ck_assert_ptr_null(st);

	/* Several rows: the first. */
	ck_assert_int_eq(sh_query_row(conn, "SELECT email FROM users ORDER BY email DESC",
				      SH_ARGS(), &st),
			 SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "b@example.org");
	sh_stmt_free(&st);

	/* One integer. */
	int64_t n = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM users WHERE locale = $1",
					SH_ARGS(SH_TEXT("en")), &n),
			 SH_DB_ROW);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(sh_query_int64(conn, "SELECT $1 FROM users WHERE email = $2",
					SH_ARGS(SH_INT(INT64_MIN), SH_TEXT("a@example.org")), &n),
			 SH_DB_ROW);
	ck_assert(n == INT64_MIN);
	n = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT 1 FROM users WHERE email = $1",
					SH_ARGS(SH_TEXT("c@example.org")), &n),
			 SH_DB_OK);
	ck_assert_int_eq(n, 0);

	/* Rows one by one. */
	st = sh_query(conn, "SELECT locale FROM users WHERE created_at = $1 ORDER BY email",
		      SH_ARGS(SH_TEXT(T0)));
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "nl");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "en");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_OK);
	sh_stmt_free(&st);

	/* The helpers run the connection's cached prepared statement: PostgreSQL shows one
	 * for the text however often it ran (SQLite's cache is the same code path). */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sh_query_row(conn, by_email, SH_ARGS(SH_TEXT("b@example.org")), &st),
				 SH_DB_ROW);
		sh_stmt_free(&st);
	}
	if (is_pg()) {
		ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM pg_prepared_statements "
						      "WHERE statement = $1",
						SH_ARGS(SH_TEXT(by_email)), &n),
				 SH_DB_ROW);
		ck_assert_int_eq(n, 1);
	}
}
END_TEST

struct snapshot_ctx {
	struct sh_db *db;
	int64_t before, after;
	enum sh_db_rc result;
	int runs;
};

/* Counts, lets another connection add a user and commit, counts again. */
static enum sh_db_rc snapshot_reader(struct sh_conn *c, void *ctx)
{
	struct snapshot_ctx *t = ctx;
	ck_assert(sh_conn_in_tx(c));
	enum sh_db_rc rc = sh_query_int64(c, "SELECT COUNT(*) FROM users", SH_ARGS(), &t->before);
	if (rc != SH_DB_ROW)
		return rc;
	char *error = NULL;
	struct sh_conn *other = sh_db_connect(t->db, &error);
	ck_assert_ptr_nonnull(other);
	char email[40];
	t->runs++;
	snprintf(email, sizeof(email), "late%d@example.org", t->runs);
	ck_assert_int_eq(insert_user(other, 100 + t->runs, email, "fr"), SH_DB_OK);
	sh_conn_close(&other);
	rc = sh_query_int64(c, "SELECT COUNT(*) FROM users", SH_ARGS(), &t->after);
	if (rc != SH_DB_ROW)
		return rc;
	return t->result;
}

/* sh_query_texts: every row's first column in order, NULL-terminated past the first growth
 * (16), none for no row, an error for an SQL NULL. */
START_TEST(test_query_texts)
{
	char id[40], email[40];
	for (int i = 1; i <= 20; i++) {
		snprintf(email, sizeof(email), "u%02d@example.org", i);
		ck_assert_int_eq(insert_user(conn, i, email, "fr"), SH_DB_OK);
	}
	struct sh_arena *arena = sh_arena_create();
	const char **texts = NULL;
	size_t n = 0;
	ck_assert_int_eq(sh_query_texts(conn, arena, "SELECT email FROM users ORDER BY email",
					SH_ARGS(), &texts, &n),
			 SH_DB_OK);
	ck_assert_uint_eq(n, 20);
	ck_assert_str_eq(texts[0], "u01@example.org");
	ck_assert_str_eq(texts[19], "u20@example.org");
	ck_assert_ptr_null(texts[20]);
	ck_assert_int_eq(sh_query_texts(conn, arena, "SELECT email FROM users WHERE id = $1",
					SH_ARGS(SH_TEXT(uuid(99, id))), &texts, NULL),
			 SH_DB_OK);
	ck_assert_ptr_null(texts[0]);
	ck_assert_int_ne(sh_query_texts(conn, arena, "SELECT NULL FROM users", SH_ARGS(), &texts,
					&n),
			 SH_DB_OK);
	sh_arena_destroy(&arena);
}
END_TEST

START_TEST(test_read_snapshot)
{
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);

	/* One snapshot: a commit made meanwhile is not seen inside it, and is after it. */
	struct snapshot_ctx t = {.db = db, .result = SH_DB_OK};
	ck_assert_int_eq(sh_conn_read_snapshot(conn, snapshot_reader, &t), SH_DB_OK);
	ck_assert_int_eq(t.before, 1);
	ck_assert_int_eq(t.after, 1);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 2);

	/* The function's failure is the answer, and the transaction is gone. */
	t.result = SH_DB_UNIQUE;
	ck_assert_int_eq(sh_conn_read_snapshot(conn, snapshot_reader, &t), SH_DB_UNIQUE);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 3);

	/* A snapshot inside an open transaction is a misuse, refused before running. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_READ), SH_DB_OK);
	t.before = -1;
	ck_assert_int_eq(sh_conn_read_snapshot(conn, snapshot_reader, &t), SH_DB_ERROR);
	ck_assert_int_eq(t.before, -1);
	ck_assert(sh_conn_in_tx(conn));
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK);
}
END_TEST

/* Whatever form the backend keeps, a timestamp reads as RFC 3339 UTC. */
START_TEST(test_col_time)
{
	static const char *const inputs[] = {
		"2026-11-26T21:38:38Z",
		"2026-11-26T21:38:38.123456Z",
		"2026-11-26T23:38:38+02:00",
		"2026-11-26T16:38:38.5-05:00",
		"2026-11-26 21:38:38",
	};
	struct sh_stmt *stmt;
	char id[40];

	for (int i = 0; i < 5; i++) {
		stmt = sh_stmt_prepare(conn,
			"INSERT INTO users (id, email, password_hash, first_name, last_name, created_at,"
			" updated_at) VALUES ($1, $3, 'x', 'A', 'B', $2, $2)");
		sh_stmt_bind_text(stmt, 1, uuid(i, id));
		sh_stmt_bind_text(stmt, 2, inputs[i]);
		sh_stmt_bind_text(stmt, 3, id);
		ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
		sh_stmt_free(&stmt);
	}
	stmt = sh_stmt_prepare(conn, "SELECT created_at, deleted_at FROM users ORDER BY id");
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
		ck_assert_str_eq(sh_stmt_col_time(stmt, 0), T0);
		ck_assert_ptr_null(sh_stmt_col_time(stmt, 1));
	}
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	sh_stmt_free(&stmt);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_changes);
	tcase_add_test(tc, test_query_exec);
	tcase_add_test(tc, test_query_row);
	tcase_add_test(tc, test_query_texts);
	tcase_add_test(tc, test_read_snapshot);
	tcase_add_test(tc, test_col_time);
}

int main(int argc, char **argv)
{
	return store_test_main(argc, argv, "store_query", add_tests, NULL);
}
