/*
 * bench_messages_reads: the two reads of the messages module that must stay fast as the
 * messages pile up, timed in process on a seeded database (bench/messages_seed.sh):
 * one member's conversation list (first page of 20) and one conversation's latest page of
 * 50 messages, then a page further back. Prints p50 and p99 in milliseconds, of the wall
 * clock and of this thread's CPU time: on a loaded machine the wall clock's p99 is mostly
 * time spent waiting for a core, which the CPU time leaves out (with SQLite the query runs
 * in this thread; with PostgreSQL in the server's process, so its CPU time is not seen).
 *
 *	bench_messages_reads DATABASE_URL USER_ID CONVERSATION_ID [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "modules/messages/conversation_queries.h"
#include "modules/messages/message_queries.h"
#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/store.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *t, double *cpu, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	qsort(cpu, (size_t)n, sizeof(*cpu), cmp_double);
	printf("%-34s p50 %.3f ms  p99 %.3f ms  max %.3f ms  (CPU p50 %.3f ms  p99 %.3f ms)\n",
	       what, t[n / 2], t[n * 99 / 100], t[n - 1], cpu[n / 2], cpu[n * 99 / 100]);
}

/* One timed read: 0 page list, 1 latest messages, 2 messages before seq 25. */
static int run(struct sh_conn *conn, int which, const char *user, const char *conv)
{
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_jw_array_begin(&w);
	bool more = false;
	const char *lt = NULL, *li = NULL;
	enum sh_db_rc rc =
		which == 0 ? sh_conv_list(conn, arena, user, NULL, NULL, 20, &w, &more, &lt, &li)
		: which == 1 ? sh_msg_page(conn, conv, 0, -1, 50, &w)
			     : sh_msg_page(conn, conv, 25, -1, 50, &w);
	sh_arena_destroy(&arena);
	return rc == SH_DB_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s DATABASE_URL USER_ID CONVERSATION_ID [ROUNDS]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 4 ? atoi(argv[4]) : 1000;
	if (rounds < 100)
		rounds = 100;
	struct sh_db *db = NULL;
	char *error = NULL;
	if (sh_store_global_init() != 0 || sh_db_open(argv[1], &db, &error) != 0) {
		fprintf(stderr, "%s\n", error ? error : "cannot open the database");
		return 1;
	}
	struct sh_conn *conn = sh_db_connect(db, &error);
	if (conn == NULL) {
		fprintf(stderr, "%s\n", error ? error : "cannot connect");
		return 1;
	}
	static const char *const names[] = {"conversation list (20)", "latest 50 messages",
					    "50 messages before seq 25"};
	double *t = malloc(sizeof(*t) * (size_t)rounds), *cpu = malloc(sizeof(*cpu) * (size_t)rounds);
	int status = 0;
	for (int which = 0; which < 3 && status == 0; which++) {
		for (int i = 0; i < rounds && status == 0; i++) {
			double start = now_ms(), start_cpu = cpu_ms();
			status = run(conn, which, argv[2], argv[3]);
			t[i] = now_ms() - start;
			cpu[i] = cpu_ms() - start_cpu;
		}
		if (status == 0)
			report(names[which], t, cpu, rounds);
	}
	if (status != 0)
		fprintf(stderr, "query failed: %s\n", sh_conn_last_error(conn));
	free(t);
	free(cpu);
	sh_conn_close(&conn);
	sh_db_close(&db);
	return status == 0 ? 0 : 1;
}
