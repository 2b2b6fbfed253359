/*
 * The hostile-input suite runner: starts the real server on a fresh database of the
 * backend named in argv[1], sets up two families, then runs every case in order. After
 * each case GET /health must answer 200 within 3 s and the data fingerprint must be what
 * it was before the first case. Exit status 1 when any case failed.
 *
 *   test_hostile sqlite|postgres [CASE-ID...]
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostile.h"
#include "modules/users/user_queries.h"
#include "schoolhub/mem.h"
#include "test_db.h"

struct hx_world hx_world;

/* --- setup ------------------------------------------------------------------------------ */

static void die(const char *what, const struct th_resp *r)
{
	fprintf(stderr, "hostile setup: %s: %ld %s\n", what, r ? r->status : 0L,
		r && r->body ? r->body : "");
	exit(1);
}

/* Runs a setup call that must answer "status" and copies the "id" of its body. */
static void setup_call(const char *what, struct th_resp *r, long status, char id[37])
{
	if (r->status != status)
		die(what, r);
	if (id != NULL) {
		const char *s = th_str(r, "id");
		if (s == NULL)
			die(what, r);
		snprintf(id, 37, "%s", s);
	}
	th_resp_free(&r);
}

static void promote_admin(const struct th_member *m)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	int64_t changed = 0;
	if (conn == NULL ||
	    sh_user_set_role(conn, m->email, "admin", "2026-01-01T00:00:00Z", &changed) != SH_DB_OK ||
	    changed != 1) {
		fprintf(stderr, "hostile setup: promote admin: %s\n", error ? error : "failed");
		exit(1);
	}
	sh_conn_close(&conn);
}

static void setup_world(void)
{
	struct hx_world *w = &hx_world;
	th_member_register(&w->victim, "victim");
	th_member_register(&w->coparent, "coparent");
	th_member_register(&w->attacker, "attacker");
	th_member_register(&w->admin, "admin");
	promote_admin(&w->admin);

	const char *child = "{s:s, s:s, s:s}";
	setup_call("victim child",
		   th_json("POST", "/api/v1/children", w->victim.access_token, child, "first_name",
			   "Lou", "last_name", "Victim", "class_name", "P3"),
		   201, w->victim_child);
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/children/%.36s/guardians", w->victim_child);
	/* The co-parent is invited, then accepts (nothing is linked before). */
	setup_call("co-parent invitation", th_json("POST", path, w->victim.access_token, "{s:s}",
						   "email", w->coparent.email),
		   202, NULL);
	char invitation[37];
	struct th_resp *r = th_request("GET", "/api/v1/guardian-invitations",
				       w->coparent.access_token, NULL, NULL, NULL);
	const char *inv = json_string_value(
		json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
	if (r->status != 200 || inv == NULL)
		die("co-parent's invitation", r);
	snprintf(invitation, sizeof(invitation), "%s", inv);
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%.36s/accept", invitation);
	setup_call("co-parent accepts",
		   th_request("POST", path, w->coparent.access_token, NULL, NULL, NULL), 200, NULL);
	/* And a pending invitation the attacker will try to answer or withdraw. */
	snprintf(path, sizeof(path), "/api/v1/children/%.36s/guardians", w->victim_child);
	setup_call("pending invitation", th_json("POST", path, w->victim.access_token, "{s:s}",
						 "email", "pending.invitee@example.be"),
		   202, NULL);
	snprintf(path, sizeof(path), "/api/v1/children/%.36s/guardian-invitations",
		 w->victim_child);
	r = th_request("GET", path, w->victim.access_token, NULL, NULL, NULL);
	inv = json_string_value(
		json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
	if (r->status != 200 || inv == NULL)
		die("pending invitation id", r);
	snprintf(w->victim_invitation, sizeof(w->victim_invitation), "%s", inv);
	th_resp_free(&r);
	setup_call("attacker child",
		   th_json("POST", "/api/v1/children", w->attacker.access_token, child,
			   "first_name", "Max", "last_name", "Attacker", "class_name", "P1"),
		   201, w->attacker_child);

	const char *service = "{s:s, s:s, s:s, s:s, s:i}";
	setup_call("victim service",
		   th_json("POST", "/api/v1/sel/services", w->victim.access_token, service, "title",
			   "Maths help", "description", "P3 homework", "category", "tutoring",
			   "kind", "offer", "units_per_hour", 60),
		   201, w->victim_service);
	setup_call("attacker service",
		   th_json("POST", "/api/v1/sel/services", w->attacker.access_token, service,
			   "title", "Lifts", "description", "to school", "category", "transport",
			   "kind", "offer", "units_per_hour", 60),
		   201, w->attacker_service);
	setup_call("victim payment",
		   th_json("POST", "/api/v1/sel/transactions", w->victim.access_token,
			   "{s:s, s:i, s:s}", "to_user_id", w->coparent.id, "units", 30,
			   "description", "babysitting"),
		   201, w->victim_payment);
	setup_call("victim request",
		   th_json("POST", "/api/v1/sel/transactions", w->coparent.access_token,
			   "{s:s, s:i, s:s}", "from_user_id", w->victim.id, "units", 20,
			   "description", "lift to the pool"),
		   201, w->victim_request);
	setup_call("victim conversation",
		   th_json("POST", "/api/v1/conversations", w->victim.access_token, "{s:s, s:s}",
			   "kind", "direct", "user_id", w->coparent.id),
		   201, w->victim_conversation);
	snprintf(path, sizeof(path), "/api/v1/conversations/%.36s/messages",
		 w->victim_conversation);
	setup_call("victim message",
		   th_json("POST", path, w->victim.access_token, "{s:s}", "body", "Rendez-vous 8h"),
		   201, w->victim_message);

	const char *key = th_current->app->cfg.secret_key;
	for (int k = 0; k < HX_JWT_COUNT; k++)
		w->forged[k] = hx_forge_token((enum hx_forgery)k, w->attacker.id, key);
}

/* --- "{name}" placeholders ------------------------------------------------------------------ */

static char *repeat(char c, size_t n)
{
	char *s = sh_malloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* The value of a placeholder, malloc'ed; NULL when unknown. */
static char *lookup(const char *name)
{
	const struct hx_world *w = &hx_world;
	static const struct {
		const char *name;
		enum hx_forgery kind;
	} jwts[] = {{"jwt_none", HX_JWT_ALG_NONE},       {"jwt_None", HX_JWT_ALG_NONE_CASE},
		    {"jwt_other_key", HX_JWT_OTHER_KEY}, {"jwt_hs512", HX_JWT_HS512},
		    {"jwt_expired", HX_JWT_EXPIRED},     {"jwt_refresh_typ", HX_JWT_REFRESH_TYP},
		    {"jwt_empty_sig", HX_JWT_EMPTY_SIG}};
	for (size_t i = 0; i < sizeof(jwts) / sizeof(jwts[0]); i++)
		if (strcmp(name, jwts[i].name) == 0)
			return sh_strdup(w->forged[jwts[i].kind]);
	const struct {
		const char *name, *value;
	} simple[] = {
		{"tok_attacker", w->attacker.access_token},
		{"tok_victim", w->victim.access_token},
		{"tok_admin", w->admin.access_token},
		{"refresh_attacker", w->attacker.refresh_token},
		{"refresh_victim", w->victim.refresh_token},
		{"victim_id", w->victim.id},
		{"coparent_id", w->coparent.id},
		{"attacker_id", w->attacker.id},
		{"victim_email", w->victim.email},
		{"attacker_email", w->attacker.email},
		{"victim_child", w->victim_child},
		{"attacker_child", w->attacker_child},
		{"victim_service", w->victim_service},
		{"attacker_service", w->attacker_service},
		{"victim_payment", w->victim_payment},
		{"victim_request", w->victim_request},
		{"victim_invitation", w->victim_invitation},
		{"victim_conversation", w->victim_conversation},
		{"victim_message", w->victim_message},
		/* the class conversation of P3 (migration 0011), the victim's child's class */
		{"victim_class_conversation", "00000000-0000-4000-8000-00000000c006"},
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(name, simple[i].name) == 0)
			return sh_strdup(simple[i].value);
	if (strcmp(name, "victim_child_upper") == 0) {
		char *s = sh_malloc(48);
		snprintf(s, 48, "{%.36s}", w->victim_child);
		for (char *p = s; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		return s;
	}
	if (strcmp(name, "jwt_none_victim") == 0)
		return hx_forge_token(HX_JWT_ALG_NONE, w->victim.id, "unused");
	if (strcmp(name, "garbage_8k") == 0)
		return repeat('A', 8 * 1024);
	if (strcmp(name, "garbage_4001") == 0)
		return repeat('A', 4001);
	if (strcmp(name, "garbage_40k") == 0)
		return repeat('A', 40 * 1024);
	if (strcmp(name, "long_query") == 0)
		return repeat('q', 10000);
	if (strcmp(name, "long_method") == 0)
		return repeat('M', 1024);
	return NULL;
}

char *hx_expand(const char *template)
{
	if (template == NULL)
		return NULL;
	size_t cap = strlen(template) + 1, len = 0;
	char *out = sh_malloc(cap);
	for (const char *p = template; *p != '\0';) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		char name[40];
		char *value = NULL;
		if (end != NULL && (size_t)(end - p - 1) < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
			value = lookup(name);
		}
		size_t add = value ? strlen(value) : 1;
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			out = sh_realloc(out, cap);
		}
		if (value != NULL) {
			memcpy(out + len, value, add);
			p = end + 1;
			sh_free(&value);
		} else {
			out[len] = *p++;
		}
		len += add;
	}
	out[len] = '\0';
	return out;
}

/* --- running and judging a case -------------------------------------------------------------- */

void hx_fail(struct hx_outcome *o, const char *fmt, ...)
{
	if (o->failed)
		return; /* the first reason is the interesting one */
	o->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
}

static void run_data_driven(const struct hx_case *c, struct hx_outcome *o)
{
	size_t len = 0;
	char *req;
	if (c->raw != NULL) {
		req = hx_expand(c->raw);
		len = strlen(req);
	} else {
		char *method = hx_expand(c->method), *target = hx_expand(c->target);
		char *auth = hx_expand(c->auth), *body = hx_expand(c->body);
		char *extra = hx_expand(c->extra);
		req = hx_build(method, target, auth, extra, body, body ? strlen(body) : 0, &len);
		sh_free(&method);
		sh_free(&target);
		sh_free(&auth);
		sh_free(&body);
		sh_free(&extra);
	}
	hx_exchange(req, len, 10000, &o->reply);
	sh_free(&req);
}

static bool is_problem(const struct hx_reply *r)
{
	return strncmp(r->content_type, "application/problem+json", 24) == 0 && r->code[0] != '\0';
}

/* Judges the reply against the case's expectation (a "run" function may already have
 * failed it). Sets "mhd_page" when libmicrohttpd answered with its own error page. */
static void judge(const struct hx_case *c, struct hx_outcome *o, bool *mhd_page)
{
	const struct hx_reply *r = &o->reply;
	*mhd_page = false;
	if (r->timed_out) {
		hx_fail(o, "no reply and no close within the timeout (hang)");
		return;
	}
	/* libmicrohttpd answers an unknown HTTP version with 505 itself (RFC 9110 15.6.6), and
	 * SchoolHub an unknown transfer coding with 501 (RFC 9112 6.1): the 5xx sent for the
	 * client's fault; allowed only where a case names it. */
	bool mhd_5xx = c->expect == HX_HTTP_REJECT && c->status != 0 && r->status == c->status &&
		       !is_problem(r) && r->closed;
	bool named_5xx = (c->expect == HX_PROBLEM || c->expect == HX_PROBLEM_CLOSED) &&
			 c->status >= 500 && r->status == c->status;
	if (r->status >= 500 && !mhd_5xx && !named_5xx) {
		hx_fail(o, "server error %d %s", r->status, r->code);
		return;
	}
	switch (c->expect) {
	case HX_PROBLEM:
	case HX_PROBLEM_CLOSED:
		if (!is_problem(r))
			hx_fail(o, "expected a problem+json, got %d \"%s\"%s", r->status,
				r->content_type, r->closed ? " (closed)" : "");
		else if (c->status != 0 && r->status != c->status)
			hx_fail(o, "expected %d, got %d %s", c->status, r->status, r->code);
		else if (c->status == 0 && (r->status < 400 || r->status > 499))
			hx_fail(o, "expected a 4xx, got %d %s", r->status, r->code);
		else if (c->code != NULL && strcmp(c->code, r->code) != 0)
			hx_fail(o, "expected code %s, got %d %s", c->code, r->status, r->code);
		else if (c->expect == HX_PROBLEM_CLOSED && !r->closed)
			hx_fail(o, "%d %s, but the connection was kept open", r->status, r->code);
		return;
	case HX_HTTP_REJECT:
		if (r->status == 0) {
			if (!r->closed)
				hx_fail(o, "no reply and connection left open");
			return;
		}
		if ((r->status < 400 || r->status > 499) && !mhd_5xx) {
			hx_fail(o, "expected a 4xx or a close, got %d", r->status);
			return;
		}
		if (!is_problem(r)) {
			*mhd_page = true;
			/* libmicrohttpd's own refusals always end the connection. */
			if (!r->closed)
				hx_fail(o, "plain %d without closing the connection", r->status);
		}
		return;
	case HX_HARMLESS_2XX:
		if (r->status != c->status)
			hx_fail(o, "expected %d, got %d %s", c->status, r->status, r->code);
		return;
	}
}

static bool health_ok(void)
{
	size_t len;
	char *req = hx_build("GET", "/health", NULL, NULL, NULL, 0, &len);
	struct hx_reply r;
	hx_exchange(req, len, 3000, &r);
	sh_free(&req);
	bool ok = r.status == 200;
	hx_reply_free(&r);
	return ok;
}

static bool selected(const struct hx_case *c, int argc, char **argv)
{
	if (argc <= 2)
		return true;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], c->id) == 0)
			return true;
	return false;
}

struct totals {
	int run, failed, mhd_pages, closed_only;
	char mhd_ids[512], closed_ids[512];
};

static void run_case(const struct hx_case *c, const unsigned char *baseline, struct totals *t)
{
	struct hx_outcome o = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (c->run != NULL)
		c->run(c, &o);
	else
		run_data_driven(c, &o);
	bool mhd_page = false;
	judge(c, &o, &mhd_page);
	if (!health_ok())
		hx_fail(&o, "GET /health did not answer 200 within 3 s afterwards");
	unsigned char now[HX_FINGERPRINT_LEN];
	hx_fingerprint(now);
	if (memcmp(now, baseline, HX_FINGERPRINT_LEN) != 0)
		hx_fail(&o, "data changed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;

	const struct hx_reply *r = &o.reply;
	char got[160];
	if (r->status == 0)
		snprintf(got, sizeof(got), "%s", r->closed ? "connection closed, no reply" : "nothing");
	else
		snprintf(got, sizeof(got), "%d %s%s%s", r->status,
			 r->code[0] ? r->code : (r->content_type[0] ? r->content_type : "-"),
			 mhd_page ? " (libmicrohttpd)" : "", r->closed ? ", closed" : "");
	printf("%-4s %-8s %-58.58s -> %s (%.0f ms)%s%s\n", o.failed ? "FAIL" : "ok", c->id,
	       c->title, got, ms, o.why[0] ? "\n              " : "", o.why);
	fflush(stdout);
	t->run++;
	if (o.failed)
		t->failed++;
	if (mhd_page) {
		t->mhd_pages++;
		size_t n = strlen(t->mhd_ids);
		snprintf(t->mhd_ids + n, sizeof(t->mhd_ids) - n, "%s%s", n ? " " : "", c->id);
	}
	if (!o.failed && r->status == 0) {
		t->closed_only++;
		size_t n = strlen(t->closed_ids);
		snprintf(t->closed_ids + n, sizeof(t->closed_ids) - n, "%s%s", n ? " " : "", c->id);
	}
	hx_reply_free(&o.reply);
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: %s sqlite|postgres [CASE-ID...]\n", argv[0]);
		return 2;
	}
	/* A short idle timeout and header deadline keep the slowloris and short-body cases
	 * quick; connection limits small enough for the slot cases to fill; a metrics token so
	 * that /metrics is closed to members. */
#define HX_STR(x) #x
#define HX_XSTR(x) HX_STR(x)
	static const char *const env[] = {
		"SCHOOLHUB_CONNECTION_TIMEOUT=5",
		"SCHOOLHUB_HEADER_TIMEOUT_S=" HX_XSTR(HX_HEADER_TIMEOUT_S),
		"SCHOOLHUB_MAX_CONNECTIONS=" HX_XSTR(HX_MAX_CONNECTIONS),
		"SCHOOLHUB_MAX_CONNECTIONS_PER_IP=" HX_XSTR(HX_MAX_CONNECTIONS_PER_IP),
		"SCHOOLHUB_METRICS_TOKEN=hostile-suite-metrics-token-0123",
		NULL};
	struct th_server srv;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	th_server_start(&srv, argv[1], env);
	setup_world();
	hx_fingerprint_open();
	unsigned char baseline[HX_FINGERPRINT_LEN];
	hx_fingerprint(baseline);

	struct totals t = {0};
	printf("hostile-input suite, %s backend, server on port %u\n", argv[1],
	       sh_server_port(srv.server));
	for (size_t i = 0; i < hx_api_case_count; i++)
		if (selected(&hx_api_cases[i], argc, argv))
			run_case(&hx_api_cases[i], baseline, &t);
	for (size_t i = 0; i < hx_http_case_count; i++)
		if (selected(&hx_http_cases[i], argc, argv))
			run_case(&hx_http_cases[i], baseline, &t);

	hx_fingerprint_close();
	for (int k = 0; k < HX_JWT_COUNT; k++)
		sh_free(&hx_world.forged[k]);
	th_member_free(&hx_world.victim);
	th_member_free(&hx_world.coparent);
	th_member_free(&hx_world.attacker);
	th_member_free(&hx_world.admin);
	th_server_stop(&srv);
	th_backend_cleanup();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("hostile: %d cases, %d failed; libmicrohttpd's own error page: %d (%s); "
	       "closed without reply: %d (%s); %.1f s\n",
	       t.run, t.failed, t.mhd_pages, t.mhd_ids, t.closed_only, t.closed_ids,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return t.failed == 0 ? 0 : 1;
}
