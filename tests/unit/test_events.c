/*
 * The member event log and its bell (include/schoolhub/events.h, migration 0010).
 */
/* SH_TEST_BOTH_BACKENDS */
#include <pthread.h>
#include <time.h>

#include "schoolhub/events.h"
#include "schoolhub/util.h"
#include "store_fixture.h"

static char user_a[40], user_b[40];

static void two_users(void)
{
	ck_assert_int_eq(insert_user(conn, 1, "a@example.be", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.be", "nl"), SH_DB_OK);
	uuid(1, user_a);
	uuid(2, user_b);
}

START_TEST(event_add_returns_increasing_ids_and_rolls_back_with_its_change)
{
	two_users();
	int64_t first = 0, second = 0, third = 0;
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(sh_event_add(conn, user_a, "message.created", "{\"n\":1}", &first),
			 SH_DB_OK);
	ck_assert_int_eq(sh_event_add(conn, user_b, "message.created", "{\"n\":1}", &second),
			 SH_DB_OK);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	ck_assert_int_gt(first, 0);
	ck_assert_int_gt(second, first);

	/* Rolled back: the event goes with the change it described. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(sh_event_add(conn, user_a, "message.edited", "{}", &third), SH_DB_OK);
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM member_events"), 2);

	/* The database's clock stamps every row, in the RFC 3339 text every reader gets. */
	struct sh_stmt *st;
	ck_assert_int_eq(sh_query_row(conn,
				      "SELECT kind, data, created_at FROM member_events "
				      "WHERE user_id = $1",
				      SH_ARGS(SH_TEXT(user_b)), &st),
			 SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "message.created");
	ck_assert_str_eq(sh_stmt_col_text(st, 1), "{\"n\":1}");
	ck_assert_int_eq((int)strlen(sh_stmt_col_time(st, 2)), SH_TIME_LEN);
	sh_stmt_free(&st);
}
END_TEST

START_TEST(fan_out_by_insert_select_needs_no_timestamp)
{
	two_users();
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	int64_t n = 0;
	ck_assert_int_eq(sh_exec(conn,
				 "INSERT INTO member_events (user_id, kind, data) "
				 "SELECT id, $1, $2 FROM users",
				 SH_ARGS(SH_TEXT("announcement.created"), SH_TEXT("{}")), &n),
			 SH_DB_OK);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM member_events "
				     "WHERE kind = 'announcement.created' AND created_at IS NOT NULL"),
			 2);
}
END_TEST

/* No order lock: while one transaction that wrote an event is open, another writes and
 * commits its own at once (PostgreSQL; the realtime reader waits at the lower id's hole,
 * src/realtime/rt_dispatch.c). SQLite's writers are serialised by SQLite itself. */
START_TEST(a_second_writer_does_not_wait_for_the_first)
{
	if (!is_pg())
		return;
	two_users();
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	int64_t first = 0, second = 0;
	ck_assert_int_eq(sh_event_add(conn, user_a, "message.created", "{}", &first), SH_DB_OK);

	sh_db_set_pg_timeouts(db, 0, 300);
	char *error = NULL;
	struct sh_conn *other = sh_db_connect(db, &error);
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(sh_conn_begin(other, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(sh_event_add(other, user_b, "message.created", "{}", &second), SH_DB_OK);
	ck_assert_int_eq(sh_conn_commit(other), SH_DB_OK);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	ck_assert(first < second); /* the lower id committed last */
	sh_conn_close(&other);
}
END_TEST

static int rings_seen;

static void count_ring(void *ctx)
{
	(void)ctx;
	rings_seen++;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

START_TEST(bell_wait_times_out_then_sees_a_ring_and_calls_back)
{
	struct sh_event_bell *bell = sh_event_bell_new();
	ck_assert_ptr_nonnull(bell);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(sh_event_bell_wait(bell, 0, 50), 0);
	ck_assert(elapsed_ms(&t0) >= 45.0);

	rings_seen = 0;
	sh_event_bell_on_ring(bell, count_ring, NULL);
	sh_event_bell_ring(bell);
	sh_event_bell_ring(bell);
	ck_assert_int_eq(rings_seen, 2);
	/* Rung since 0: returns at once, with the count to wait from next time. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(sh_event_bell_wait(bell, 0, 5000), 2);
	ck_assert(elapsed_ms(&t0) < 1000.0);
	sh_event_bell_on_ring(bell, NULL, NULL);
	sh_event_bell_ring(bell);
	ck_assert_int_eq(rings_seen, 2);
	sh_event_bell_free(&bell);
	ck_assert_ptr_null(bell);
}
END_TEST

static void *ring_later(void *arg)
{
	struct timespec pause = {.tv_nsec = 30 * 1000000L};
	nanosleep(&pause, NULL);
	sh_event_bell_ring(arg);
	return NULL;
}

START_TEST(bell_wakes_a_waiting_thread)
{
	struct sh_event_bell *bell = sh_event_bell_new();
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, ring_later, bell), 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(sh_event_bell_wait(bell, 0, 10000), 1);
	ck_assert(elapsed_ms(&t0) < 5000.0);
	pthread_join(t, NULL);
	sh_event_bell_free(&bell);
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, event_add_returns_increasing_ids_and_rolls_back_with_its_change);
	tcase_add_test(tc, fan_out_by_insert_select_needs_no_timestamp);
	tcase_add_test(tc, a_second_writer_does_not_wait_for_the_first);
}

static void add_bare(TCase *tc)
{
	tcase_add_test(tc, bell_wait_times_out_then_sees_a_ring_and_calls_back);
	tcase_add_test(tc, bell_wakes_a_waiting_thread);
}

int main(int argc, char **argv)
{
	return store_test_main(argc, argv, "events", add, add_bare);
}
