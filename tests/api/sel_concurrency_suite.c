/*
 * SEL under concurrency: 16 client threads (one libcurl handle each, keep-alive) book random
 * payments and request/accept pairs among 20 members, about a third of them past a limit,
 * with A->B and B->A on the same pair at the same time. Afterwards the ledger must be exact:
 * sum of balances 0, every balance within the limits, one row per 201 and none per 409,
 * balances equal to their entries, never a 5xx. Then one Idempotency-Key sent from 8
 * threads at once must book exactly once.
 *
 * SEL_SEED=<n> replays a run's operation sequence (the interleaving is the scheduler's);
 * SEL_CONC_OPS=<n> changes the operations per thread (default 300).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "exchange_log.h"
#include "modules/users/user_queries.h"
#include "schoolhub/store.h"

Suite *api_sel_concurrency_suite(void);

#define THREADS 16
#define MEMBERS 20
#define DEFAULT_OPS 300
#define IDEM_THREADS 8
#define IDEM_ROUNDS 10

static struct th_server conc_server;
static struct th_member members[MEMBERS];
static struct th_member admin;
static struct th_member idem_payer, idem_payee; /* untouched by the random load */

/* --- a small thread-safe client: one handle per thread, reused (keep-alive) ------------- */

/* What curl hands over of a response, kept NUL-terminated: its body or its header block. */
struct text {
	char *s;
	size_t len, cap;
};

struct client {
	CURL *h;
	struct text body, head;
};

static size_t text_collect(char *ptr, size_t size, size_t n, void *userdata)
{
	struct text *t = userdata;
	size_t add = size * n;
	if (t->len + add + 1 > t->cap) {
		t->cap = (t->len + add + 1) * 2;
		char *grown = realloc(t->s, t->cap);
		if (grown == NULL)
			return 0;
		t->s = grown;
	}
	memcpy(t->s + t->len, ptr, add);
	t->len += add;
	t->s[t->len] = '\0';
	return add;
}

static void text_clear(struct text *t)
{
	t->len = 0;
	if (t->s)
		t->s[0] = '\0';
}

static void client_init(struct client *c)
{
	memset(c, 0, sizeof(*c));
	c->h = curl_easy_init();
	ck_assert_ptr_nonnull(c->h);
}

static void client_free(struct client *c)
{
	curl_easy_cleanup(c->h);
	free(c->body.s);
	free(c->head.s);
	memset(c, 0, sizeof(*c));
}

/* Sends one request; returns the HTTP status (-1 on a transport error). The body is in
 * c->body.s until the next request. */
static long client_req(struct client *c, const char *method, const char *path, const char *token,
		       const char *body, const char *idem_key)
{
	char url[512], auth[1024], key[300];
	snprintf(url, sizeof(url), "%s%s", conc_server.base_url, path);
	struct curl_slist *headers = NULL;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	headers = curl_slist_append(headers, auth);
	headers = curl_slist_append(headers, "Expect:");
	if (body != NULL)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	if (idem_key != NULL) {
		snprintf(key, sizeof(key), "Idempotency-Key: %s", idem_key);
		headers = curl_slist_append(headers, key);
	}
	text_clear(&c->body);
	text_clear(&c->head);
	curl_easy_reset(c->h);
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, text_collect);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->body);
	curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, text_collect);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, &c->head);
	if (body != NULL) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	long status = -1;
	if (curl_easy_perform(c->h) == CURLE_OK) {
		char *type = NULL;
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c->h, CURLINFO_CONTENT_TYPE, &type);
		/* With the headers, like th_request: the validator checks the documented ones
		 * (Location, Retry-After...) on these exchanges too. */
		th_exchange_record(method, path, status, type, c->head.s, c->body.s, c->body.len);
	}
	curl_slist_free_all(headers);
	return status;
}

/* A string member of the last JSON answer, copied into "out" ("" when absent). */
static void body_str(const struct client *c, const char *key, char *out, size_t size)
{
	json_t *doc = c->body.s ? json_loads(c->body.s, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(doc, key));
	snprintf(out, size, "%s", v ? v : "");
	json_decref(doc);
}

/* --- the database, read directly ----------------------------------------------------- */

static int64_t db_int(struct sh_conn *conn, const char *sql, const char *p1)
{
	int64_t n = 0;
	enum sh_db_rc rc = p1 != NULL ? sh_query_int64(conn, sql, SH_ARGS(SH_TEXT(p1)), &n)
				      : sh_query_int64(conn, sql, SH_ARGS(), &n);
	ck_assert_msg(rc == SH_DB_ROW, "%s: rc %d", sql, rc);
	return n;
}

static struct sh_conn *db_open(void)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(conc_server.app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	return conn;
}

/* --- fixture: a server with more worker threads, 20 members and an admin --------------- */

static void conc_start(void)
{
	static const char *const env[] = {"SCHOOLHUB_THREADS=8", NULL};
	th_server_start(&conc_server, api_backend, env);
	for (int i = 0; i < MEMBERS; i++) {
		char who[32];
		snprintf(who, sizeof(who), "conc%02d", i);
		th_member_register(&members[i], who);
	}
	th_member_register(&admin, "concadmin");
	th_member_register(&idem_payer, "concidempayer");
	th_member_register(&idem_payee, "concidempayee");
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(conc_server.app->db, &error);
	int64_t changed = 0;
	if (conn == NULL ||
	    sh_user_set_role(conn, admin.email, "admin", "2026-01-01T00:00:00Z", &changed) !=
		    SH_DB_OK ||
	    changed != 1) {
		fprintf(stderr, "sel concurrency: cannot promote the admin\n");
		exit(1);
	}
	sh_conn_close(&conn);
}

static void conc_stop(void)
{
	for (int i = 0; i < MEMBERS; i++)
		th_member_free(&members[i]);
	th_member_free(&admin);
	th_member_free(&idem_payer);
	th_member_free(&idem_payee);
	th_server_stop(&conc_server);
}

/* --- the random load ----------------------------------------------------------------- */

struct worker {
	int idx;
	uint32_t rng;
	int ops;
	struct client c;
	/* outcomes */
	long payments_ok, payments_limit;
	long requests_created, accepted, accept_limit, declined, cancelled;
	long server_errors, unexpected;
	char first_problem[512];
	char (*ids)[37]; /* every 201 payment and 200 accept */
	size_t id_count, id_cap;
};

static uint32_t next_rand(uint32_t *s)
{
	/* xorshift32 */
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void record_id(struct worker *w)
{
	if (w->id_count == w->id_cap) {
		w->id_cap = w->id_cap ? w->id_cap * 2 : 256;
		w->ids = realloc(w->ids, w->id_cap * sizeof(*w->ids));
		if (w->ids == NULL)
			abort();
	}
	body_str(&w->c, "id", w->ids[w->id_count], sizeof(w->ids[0]));
	w->id_count++;
}

static void problem(struct worker *w, const char *what, long status)
{
	if (status >= 500 || status < 0)
		w->server_errors++;
	else
		w->unexpected++;
	if (w->first_problem[0] == '\0')
		snprintf(w->first_problem, sizeof(w->first_problem), "thread %d, %s: %ld %.300s",
			 w->idx, what, status, w->c.body.s ? w->c.body.s : "");
}

static bool is_limit(const struct worker *w)
{
	return w->c.body.s && (strstr(w->c.body.s, "\"payer_limit\"") ||
			       strstr(w->c.body.s, "\"payee_limit\""));
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	client_init(&w->c);
	char body[256], path[160];
	for (int op = 0; op < w->ops; op++) {
		uint32_t r = next_rand(&w->rng) % 100;
		int a, b;
		if (r < 25) {
			/* Hot pairs, both directions at once: even threads pay one way, odd threads
			 * the other. */
			int pair = (int)(next_rand(&w->rng) % 2) * 2;
			a = pair + (w->idx % 2);
			b = pair + 1 - (w->idx % 2);
		} else {
			a = (int)(next_rand(&w->rng) % MEMBERS);
			b = (int)(next_rand(&w->rng) % (MEMBERS - 1));
			if (b >= a)
				b++;
		}
		/* Mostly small amounts, sometimes big ones that often break a limit. */
		int units = next_rand(&w->rng) % 100 < 30 ? 250 + (int)(next_rand(&w->rng) % 651)
							  : 1 + (int)(next_rand(&w->rng) % 120);
		bool request = next_rand(&w->rng) % 100 < 35;
		if (!request) {
			snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":%d}",
				 members[b].id, units);
			long st = client_req(&w->c, "POST", "/api/v1/sel/transactions",
					     members[a].access_token, body, NULL);
			if (st == 201) {
				w->payments_ok++;
				record_id(w);
			} else if (st == 409 && is_limit(w)) {
				w->payments_limit++;
			} else {
				problem(w, "payment", st);
			}
			continue;
		}
		/* b asks a to pay; a accepts (or, past a limit, declines / b withdraws). */
		snprintf(body, sizeof(body), "{\"from_user_id\":\"%s\",\"units\":%d}", members[a].id,
			 units);
		long st = client_req(&w->c, "POST", "/api/v1/sel/transactions",
				     members[b].access_token, body, NULL);
		if (st != 201) {
			problem(w, "request", st);
			continue;
		}
		w->requests_created++;
		char id[37];
		body_str(&w->c, "id", id, sizeof(id));
		snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/accept", id);
		st = client_req(&w->c, "POST", path, members[a].access_token, NULL, NULL);
		if (st == 200) {
			w->accepted++;
			record_id(w);
			continue;
		}
		if (st != 409 || !is_limit(w)) {
			problem(w, "accept", st);
			continue;
		}
		w->accept_limit++;
		bool decline = next_rand(&w->rng) % 2 == 0;
		snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/%s", id,
			 decline ? "decline" : "cancel");
		st = client_req(&w->c, "POST", path,
				decline ? members[a].access_token : members[b].access_token, NULL,
				NULL);
		if (st == 200)
			*(decline ? &w->declined : &w->cancelled) += 1;
		else
			problem(w, decline ? "decline" : "cancel", st);
	}
	client_free(&w->c);
	return NULL;
}

static int cmp_ids(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

static unsigned chosen_seed(void)
{
	const char *env = getenv("SEL_SEED");
	if (env != NULL && *env != '\0')
		return (unsigned)strtoul(env, NULL, 10);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned)(ts.tv_nsec ^ ts.tv_sec ^ (long)getpid());
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(random_load_keeps_the_ledger_exact)
{
	unsigned seed = chosen_seed();
	int ops = DEFAULT_OPS;
	const char *env_ops = getenv("SEL_CONC_OPS");
	if (env_ops != NULL && atoi(env_ops) > 0)
		ops = atoi(env_ops);
	fprintf(stderr, "sel concurrency (%s): seed %u (SEL_SEED=%u reproduces), %d threads x %d "
			"operations, %d members\n",
		api_backend, seed, seed, THREADS, ops, MEMBERS);

	static struct worker workers[THREADS];
	pthread_t tids[THREADS];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < THREADS; i++) {
		memset(&workers[i], 0, sizeof(workers[i]));
		workers[i].idx = i;
		workers[i].ops = ops;
		workers[i].rng = (seed ^ (uint32_t)(i + 1) * 0x9E3779B9u) | 1u;
		ck_assert_int_eq(pthread_create(&tids[i], NULL, worker_run, &workers[i]), 0);
	}
	long pay_ok = 0, pay_limit = 0, created = 0, accepted = 0, acc_limit = 0, declined = 0,
	     cancelled = 0, server_errors = 0, unexpected = 0;
	size_t ids_total = 0;
	const char *first = NULL;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tids[i], NULL);
		struct worker *w = &workers[i];
		pay_ok += w->payments_ok;
		pay_limit += w->payments_limit;
		created += w->requests_created;
		accepted += w->accepted;
		acc_limit += w->accept_limit;
		declined += w->declined;
		cancelled += w->cancelled;
		server_errors += w->server_errors;
		unexpected += w->unexpected;
		ids_total += w->id_count;
		if (first == NULL && w->first_problem[0] != '\0')
			first = w->first_problem;
	}
	double elapsed = seconds_since(&t0);
	long attempts = pay_ok + pay_limit + accepted + acc_limit;
	fprintf(stderr, "sel concurrency (%s): %.1f s; payments %ld ok / %ld over a limit; "
			"requests %ld: %ld accepted, %ld over a limit (%ld declined, %ld "
			"withdrawn); %.0f%% of bookings refused by a limit\n",
		api_backend, elapsed, pay_ok, pay_limit, created, accepted, acc_limit, declined,
		cancelled, attempts ? 100.0 * (double)(pay_limit + acc_limit) / (double)attempts : 0.0);
	ck_assert_msg(server_errors == 0, "%ld server errors (5xx or transport), first: %s (seed %u)",
		      server_errors, first ? first : "", seed);
	ck_assert_msg(unexpected == 0, "%ld unexpected answers, first: %s (seed %u)", unexpected,
		      first ? first : "", seed);
	/* The load must mean something: both outcomes well represented. */
	ck_assert_msg((pay_limit + acc_limit) * 10 >= attempts && (pay_ok + accepted) * 3 >= attempts,
		      "unrepresentative load (seed %u)", seed);

	/* Every 201/200 id is distinct and has exactly one completed row with two entries. */
	char(*all)[37] = malloc((ids_total ? ids_total : 1) * sizeof(*all));
	ck_assert_ptr_nonnull(all);
	size_t n = 0;
	for (int i = 0; i < THREADS; i++) {
		memcpy(all + n, workers[i].ids, workers[i].id_count * sizeof(*all));
		n += workers[i].id_count;
		free(workers[i].ids);
		workers[i].ids = NULL;
	}
	ck_assert_int_eq(n, (size_t)(pay_ok + accepted));
	qsort(all, n, sizeof(*all), cmp_ids);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(strcmp(all[i - 1], all[i]) != 0, "id %s answered twice", all[i]);
	struct sh_conn *conn = db_open();
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(
			db_int(conn,
			       "SELECT COUNT(*) FROM sel_transactions WHERE id = $1 AND status = "
			       "'completed'",
			       all[i]) == 1,
			"201 id %s has no completed row (seed %u)", all[i], seed);
		ck_assert_msg(db_int(conn, "SELECT COUNT(*) FROM sel_entries WHERE transaction_id = $1",
				     all[i]) == 2,
			      "id %s has not exactly two entries (seed %u)", all[i], seed);
	}
	free(all);

	/* Refused bookings left no row: the database holds exactly what was answered. */
	int64_t openings =
		db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'opening'", NULL);
	int64_t member_accounts =
		db_int(conn, "SELECT COUNT(*) FROM sel_accounts WHERE kind = 'member'", NULL);
	ck_assert_int_eq(openings, member_accounts);
	/* Accounts open at registration: the members, the admin and the idempotency pair. */
	ck_assert_int_eq(member_accounts, MEMBERS + 3);
	ck_assert_int_eq(openings, MEMBERS + 3);
	int64_t completed =
		db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE status = 'completed'", NULL);
	ck_assert_msg(completed == pay_ok + accepted + openings,
		      "completed %lld != %ld payments + %ld accepted + %lld openings (seed %u)",
		      (long long)completed, pay_ok, accepted, (long long)openings, seed);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'payment'",
				NULL),
			 pay_ok);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'request'",
				NULL),
			 created);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE kind = "
				      "'request' AND status = 'completed'",
				NULL),
			 accepted);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE status = "
				      "'declined'",
				NULL),
			 declined);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE status = "
				      "'cancelled'",
				NULL),
			 cancelled);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE status = "
				      "'pending'",
				NULL),
			 0);
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_entries", NULL), 2 * completed);

	/* Conservation, limits, balances = entries. */
	ck_assert_int_eq(db_int(conn, "SELECT COALESCE(SUM(balance), 0) FROM sel_accounts", NULL), 0);
	ck_assert_int_ge(db_int(conn, "SELECT MIN(balance) FROM sel_accounts WHERE kind = 'member'",
				NULL),
			 -300);
	ck_assert_int_le(db_int(conn, "SELECT MAX(balance) FROM sel_accounts WHERE kind = 'member'",
				NULL),
			 600);
	ck_assert_int_eq(db_int(conn, "SELECT balance FROM sel_accounts WHERE kind = 'system'", NULL),
			 -120 * (MEMBERS + 3));
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_accounts a WHERE a.balance <> "
				      "(SELECT COALESCE(SUM(e.amount), 0) FROM sel_entries e WHERE "
				      "e.account_id = a.id)",
				NULL),
			 0);
	/* Each entry's balance_after is a real running balance: the last one equals the
	 * account's balance. */
	ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_accounts a WHERE a.kind = 'member' "
				      "AND a.balance <> (SELECT e.balance_after FROM sel_entries e "
				      "WHERE e.account_id = a.id ORDER BY e.seq DESC LIMIT 1)",
				NULL),
			 0);
	sh_conn_close(&conn);

	struct client c;
	client_init(&c);
	long st = client_req(&c, "GET", "/api/v1/admin/sel/audit", admin.access_token, NULL, NULL);
	ck_assert_msg(st == 200, "audit %ld %s", st, c.body.s);
	json_t *audit = json_loads(c.body.s, 0, NULL);
	ck_assert_msg(json_is_true(json_object_get(audit, "ok")), "audit: %s (seed %u)", c.body.s, seed);
	ck_assert_int_eq(json_integer_value(json_object_get(audit, "sum_of_balances")), 0);
	json_decref(audit);
	client_free(&c);
}
END_TEST

/* --- the same Idempotency-Key from 8 threads at once -------------------------------------- */

struct idem_shot {
	pthread_barrier_t *barrier;
	const char *token, *body, *key;
	long status;
	char *answer;
};

static void *idem_run(void *arg)
{
	struct idem_shot *s = arg;
	struct client c;
	client_init(&c);
	/* Warm the connection first so the real requests leave together. */
	client_req(&c, "GET", "/api/v1/sel/balance", s->token, NULL, NULL);
	pthread_barrier_wait(s->barrier);
	s->status = client_req(&c, "POST", "/api/v1/sel/transactions", s->token, s->body, s->key);
	s->answer = strdup(c.body.s ? c.body.s : "");
	client_free(&c);
	return NULL;
}

START_TEST(same_key_from_eight_threads_books_once)
{
	struct th_member *payer = &idem_payer, *payee = &idem_payee;
	struct sh_conn *conn = db_open();
	for (int round = 0; round < IDEM_ROUNDS; round++) {
		char body[256], key[64], description[64];
		bool request = round % 2 == 1;
		snprintf(description, sizeof(description), "idem-%d-%u", round, (unsigned)getpid());
		snprintf(body, sizeof(body), "{\"%s\":\"%s\",\"units\":1,\"description\":\"%s\"}",
			 request ? "from_user_id" : "to_user_id", payee->id, description);
		snprintf(key, sizeof(key), "concurrent-key-%d", round);

		pthread_barrier_t barrier;
		pthread_barrier_init(&barrier, NULL, IDEM_THREADS);
		struct idem_shot shots[IDEM_THREADS];
		pthread_t tids[IDEM_THREADS];
		for (int i = 0; i < IDEM_THREADS; i++) {
			shots[i] = (struct idem_shot){&barrier, payer->access_token, body, key, 0, NULL};
			ck_assert_int_eq(pthread_create(&tids[i], NULL, idem_run, &shots[i]), 0);
		}
		for (int i = 0; i < IDEM_THREADS; i++)
			pthread_join(tids[i], NULL);
		pthread_barrier_destroy(&barrier);

		for (int i = 0; i < IDEM_THREADS; i++) {
			ck_assert_msg(shots[i].status == 201, "round %d thread %d: %ld %s", round, i,
				      shots[i].status, shots[i].answer);
			ck_assert_msg(strcmp(shots[i].answer, shots[0].answer) == 0,
				      "round %d: different bodies:\n%s\n%s", round, shots[0].answer,
				      shots[i].answer);
		}
		ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_transactions WHERE "
					      "description = $1",
					description),
				 1);
		ck_assert_int_eq(db_int(conn, "SELECT COUNT(*) FROM sel_entries e JOIN "
					      "sel_transactions t ON t.id = e.transaction_id WHERE "
					      "t.description = $1",
					description),
				 request ? 0 : 2);
		json_t *doc = json_loads(shots[0].answer, 0, NULL);
		ck_assert_str_eq(json_string_value(json_object_get(doc, "status")),
				 request ? "pending" : "completed");
		json_decref(doc);
		for (int i = 0; i < IDEM_THREADS; i++)
			free(shots[i].answer);
	}
	ck_assert_int_eq(db_int(conn, "SELECT COALESCE(SUM(balance), 0) FROM sel_accounts", NULL), 0);
	sh_conn_close(&conn);
}
END_TEST

Suite *api_sel_concurrency_suite(void)
{
	Suite *s = suite_create("sel_concurrency");
	TCase *tc = tcase_create("concurrency");
	tcase_add_unchecked_fixture(tc, conc_start, conc_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, random_load_keeps_the_ledger_exact);
	tcase_add_test(tc, same_key_from_eight_threads_books_once);
	suite_add_tcase(s, tc);
	return s;
}
