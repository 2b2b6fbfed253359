/*
 * bench_events_agenda: the agenda of one member as it must stay fast with a school year of
 * events (bench/events_seed.sh: 10,000 events, 100,000 registrations), timed in process on
 * the module's own query (sh_event_list, what GET /api/v1/events runs): the next 20 events
 * from a date, a month's window (up to 100), and one event with its seats and the member's
 * registration (sh_event_get). Prints p50 and p99 in milliseconds; the target is p99 < 10 ms.
 *
 *	bench_events_agenda DATABASE_URL USER_ID [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "modules/events/events.h"
#include "schoolhub/arena.h"
#include "schoolhub/store.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-40s p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", what, t[n / 2], t[n * 99 / 100],
	       t[n - 1]);
}

/* One timed read: 0 the next 20 from a date, 1 a month, 2 one event. Returns items read. */
static int run(struct sh_conn *conn, int which, const struct sh_event_viewer *v, int round)
{
	struct sh_arena *arena = sh_arena_create();
	static const char *const from[] = {"2026-10-01T00:00:00Z", "2027-01-15T00:00:00Z",
					   "2027-03-01T00:00:00Z", "2027-05-20T00:00:00Z"};
	struct sh_event_filter f = {.from = from[round % 4], .limit = 20};
	if (which == 1) {
		f.to = "2027-02-01T00:00:00Z";
		f.from = "2027-01-01T00:00:00Z";
		f.limit = 100;
	}
	struct sh_event *items = NULL, one;
	int count = 0;
	enum sh_db_rc rc;
	if (which < 2) {
		rc = sh_event_list(conn, arena, v, &f, &items, &count);
	} else {
		char id[40];
		snprintf(id, sizeof(id), "40000000-0000-4000-8000-%012d", 1 + (round * 37) % 10000);
		rc = sh_event_get(conn, arena, v, id, &one);
		count = rc == SH_DB_ROW;
		rc = rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	sh_arena_destroy(&arena);
	return rc == SH_DB_OK ? count : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s DATABASE_URL USER_ID [ROUNDS]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 1000;
	if (rounds < 100)
		rounds = 100;
	char *error = NULL;
	struct sh_db *db = NULL;
	if (sh_store_global_init() != 0 || sh_db_open(argv[1], &db, &error) != 0) {
		fprintf(stderr, "%s\n", error ? error : "store init failed");
		free(error);
		return 1;
	}
	struct sh_conn *conn = sh_db_connect(db, &error);
	if (conn == NULL) {
		fprintf(stderr, "%s\n", error ? error : "connect failed");
		free(error);
		sh_db_close(&db);
		return 1;
	}
	struct sh_event_viewer v = {.id = argv[2]};
	static const char *const names[] = {"agenda: next 20 events from a date",
					    "agenda: one month (up to 100)",
					    "one event with seats and registration"};
	double *t = malloc(sizeof(*t) * (size_t)rounds);
	int status = 0;
	for (int which = 0; which < 3 && status == 0; which++) {
		int items = 0;
		for (int i = 0; i < 20; i++) /* warm the caches and prepared statements */
			run(conn, which, &v, i);
		for (int i = 0; i < rounds; i++) {
			double start = now_ms();
			items = run(conn, which, &v, i);
			t[i] = now_ms() - start;
			if (items < 0) {
				fprintf(stderr, "%s: query failed\n", names[which]);
				status = 1;
				break;
			}
		}
		if (status == 0) {
			report(names[which], t, rounds);
			printf("%-40s (%d items in the last round)\n", "", items);
		}
	}
	free(t);
	sh_conn_close(&conn);
	sh_db_close(&db);
	return status;
}
