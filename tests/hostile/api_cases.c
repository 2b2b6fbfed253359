/*
 * OWASP API Security Top 10 (2023) cases that apply to SchoolHub. The attacker is a
 * registered parent of another family ("{tok_attacker}"); the victim family is a parent
 * and a co-parent with a child, a SEL service, a completed payment and a pending request.
 * Not applicable: API7 (SchoolHub never fetches a URL a client gives) and API10 (it
 * consumes no third-party API).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "schoolhub/mem.h"

#define V1 "/api/v1"
#define JSON_CHILD "{\"first_name\":\"Eve\",\"last_name\":\"Mallory\",\"class_name\":\"P1\""
#define JSON_SERVICE                                                                         \
	"{\"title\":\"Bike repair\",\"description\":\"x\",\"category\":\"repairs\","          \
	"\"kind\":\"offer\",\"units_per_hour\":60"

/* --- API4: many concurrent logins, each an argon2id verification ------------------------- */

#define FLOOD_CLIENTS 32

struct flood_arg {
	int index;
	int status;
	char code[64];
	bool problem;
};

static void *flood_one(void *p)
{
	struct flood_arg *a = p;
	char body[256];
	/* Half aim at the victim's account (the per-account throttle), half at unknown
	 * addresses (each still costs a full hash, against the timing oracle). */
	if (a->index % 2 == 0)
		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"guess-%d\"}",
			 hx_world.victim.email, a->index);
	else
		snprintf(body, sizeof(body),
			 "{\"email\":\"nobody-%d@example.be\",\"password\":\"guess-%d\"}", a->index,
			 a->index);
	size_t len;
	char *req = hx_build("POST", V1 "/auth/login", NULL, NULL, body, strlen(body), &len);
	struct hx_reply r;
	hx_exchange(req, len, 20000, &r);
	a->status = r.status;
	snprintf(a->code, sizeof(a->code), "%s", r.code);
	a->problem = strncmp(r.content_type, "application/problem+json", 24) == 0;
	hx_reply_free(&r);
	sh_free(&req);
	return NULL;
}

static void login_flood(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	pthread_t threads[FLOOD_CLIENTS];
	struct flood_arg args[FLOOD_CLIENTS];
	for (int i = 0; i < FLOOD_CLIENTS; i++) {
		args[i] = (struct flood_arg){.index = i};
		if (pthread_create(&threads[i], NULL, flood_one, &args[i]) != 0) {
			hx_fail(o, "pthread_create failed");
			return;
		}
	}
	int counts[600] = {0};
	for (int i = 0; i < FLOOD_CLIENTS; i++) {
		pthread_join(threads[i], NULL);
		int s = args[i].status;
		if (s < 400 || s > 499 || !args[i].problem)
			hx_fail(o, "login %d answered %d %s", i, s, args[i].problem ? "" : "(not problem+json)");
		if (s >= 0 && s < 600)
			counts[s]++;
	}
	/* The throttle must have engaged on the victim's account by now. */
	size_t len;
	char body[256];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", hx_world.victim.email,
		 hx_world.victim.password);
	char *req = hx_build("POST", V1 "/auth/login", NULL, NULL, body, strlen(body), &len);
	hx_exchange(req, len, 10000, &o->reply);
	sh_free(&req);
	char why[256];
	snprintf(why, sizeof(why), "%d logins: %d x 401, %d x 429, %d x 503; then the right password: %d",
		 FLOOD_CLIENTS, counts[401], counts[429], counts[503], o->reply.status);
	if (!o->failed)
		snprintf(o->why, sizeof(o->why), "%s", why);
}

const struct hx_case hx_api_cases[] = {
	/* API1 Broken object level authorization: the victim family's ids on every id route. */
	{"API1-01", "GET another family's child", HX_PROBLEM, 404, "not_found",
	 "GET", V1 "/children/{victim_child}", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-02", "PATCH another family's child", HX_PROBLEM, 404, "not_found",
	 "PATCH", V1 "/children/{victim_child}", "{tok_attacker}", "{\"first_name\":\"Pwned\"}",
	 NULL, NULL, NULL},
	{"API1-03", "DELETE another family's child", HX_PROBLEM, 404, "not_found",
	 "DELETE", V1 "/children/{victim_child}", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-04", "add oneself as guardian of another family's child", HX_PROBLEM, 404,
	 "not_found", "POST", V1 "/children/{victim_child}/guardians", "{tok_attacker}",
	 "{\"email\":\"{attacker_email}\"}", NULL, NULL, NULL},
	{"API1-05", "remove the co-parent from another family's child", HX_PROBLEM, 404,
	 "not_found", "DELETE", V1 "/children/{victim_child}/guardians/{coparent_id}",
	 "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-06", "remove the victim from one's own child (not a guardian there)", HX_PROBLEM,
	 404, "not_found", "DELETE", V1 "/children/{attacker_child}/guardians/{victim_id}",
	 "{tok_attacker}", NULL, NULL, NULL, NULL},
	/* Services are a public notice board: their existence is no secret, hence 403. */
	{"API1-07", "PATCH another member's SEL service", HX_PROBLEM, 403, "forbidden",
	 "PATCH", V1 "/sel/services/{victim_service}", "{tok_attacker}",
	 "{\"title\":\"Pwned\"}", NULL, NULL, NULL},
	{"API1-08", "DELETE another member's SEL service", HX_PROBLEM, 403, "forbidden",
	 "DELETE", V1 "/sel/services/{victim_service}", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-09", "GET a transaction between two other members", HX_PROBLEM, 404, "not_found",
	 "GET", V1 "/sel/transactions/{victim_payment}", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-10", "accept a request addressed to another member", HX_PROBLEM, 404, "not_found",
	 "POST", V1 "/sel/transactions/{victim_request}/accept", "{tok_attacker}", NULL, NULL,
	 NULL, NULL},
	{"API1-11", "decline a request addressed to another member", HX_PROBLEM, 404, "not_found",
	 "POST", V1 "/sel/transactions/{victim_request}/decline", "{tok_attacker}", NULL, NULL,
	 NULL, NULL},
	{"API1-12", "cancel another member's request", HX_PROBLEM, 404, "not_found",
	 "POST", V1 "/sel/transactions/{victim_request}/cancel", "{tok_attacker}", NULL, NULL,
	 NULL, NULL},
	{"API1-13", "pay from another member's account (from_user_id + to_user_id)", HX_PROBLEM,
	 422, "validation_failed", "POST", V1 "/sel/transactions", "{tok_attacker}",
	 "{\"from_user_id\":\"{victim_id}\",\"to_user_id\":\"{attacker_id}\",\"units\":300}",
	 NULL, NULL, NULL},
	{"API1-14", "a child id in another shape (upper case, braces)", HX_PROBLEM, 404,
	 "not_found", "GET", V1 "/children/{victim_child_upper}", "{tok_attacker}", NULL, NULL,
	 NULL, NULL},
	/* Co-parent invitations: the victim's pending one is not the attacker's to answer,
	 * withdraw or list. */
	{"API1-15", "accept an invitation addressed to someone else", HX_PROBLEM, 404,
	 "not_found", "POST", V1 "/guardian-invitations/{victim_invitation}/accept",
	 "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-16", "decline an invitation addressed to someone else", HX_PROBLEM, 404,
	 "not_found", "POST", V1 "/guardian-invitations/{victim_invitation}/decline",
	 "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-17", "withdraw another family's invitation", HX_PROBLEM, 404, "not_found",
	 "DELETE", V1 "/guardian-invitations/{victim_invitation}", "{tok_attacker}", NULL, NULL,
	 NULL, NULL},
	{"API1-18", "list another family's invitations", HX_PROBLEM, 404, "not_found", "GET",
	 V1 "/children/{victim_child}/guardian-invitations", "{tok_attacker}", NULL, NULL, NULL,
	 NULL},
	/* Conversations: one the attacker is not in does not exist for them. */
	{"API1-19", "GET another pair's conversation", HX_PROBLEM, 404, "not_found", "GET",
	 V1 "/conversations/{victim_conversation}", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API1-20", "read another pair's messages", HX_PROBLEM, 404, "not_found", "GET",
	 V1 "/conversations/{victim_conversation}/messages", "{tok_attacker}", NULL, NULL, NULL,
	 NULL},
	{"API1-21", "post into another pair's conversation", HX_PROBLEM, 404, "not_found",
	 "POST", V1 "/conversations/{victim_conversation}/messages", "{tok_attacker}",
	 "{\"body\":\"Pwned\"}", NULL, NULL, NULL},
	{"API1-22", "add oneself to another pair's conversation", HX_PROBLEM, 404, "not_found",
	 "POST", V1 "/conversations/{victim_conversation}/members", "{tok_attacker}",
	 "{\"user_id\":\"{attacker_id}\"}", NULL, NULL, NULL},
	{"API1-23", "edit another member's message", HX_PROBLEM, 404, "not_found", "PATCH",
	 V1 "/messages/{victim_message}", "{tok_attacker}", "{\"body\":\"Pwned\"}", NULL, NULL,
	 NULL},
	{"API1-24", "delete another member's message (as admin, not in it)", HX_PROBLEM, 404,
	 "not_found", "DELETE", V1 "/messages/{victim_message}", "{tok_admin}", NULL, NULL, NULL,
	 NULL},
	{"API1-25", "rename or mute another pair's conversation", HX_PROBLEM, 404, "not_found",
	 "PATCH", V1 "/conversations/{victim_conversation}", "{tok_attacker}",
	 "{\"title\":\"Pwned\",\"muted\":true}", NULL, NULL, NULL},
	{"API1-26", "post into another class's conversation", HX_PROBLEM, 404, "not_found",
	 "POST", V1 "/conversations/{victim_class_conversation}/messages", "{tok_attacker}",
	 "{\"body\":\"Pwned\"}", NULL, NULL, NULL},
	{"API1-27", "set another family's child's photo consent", HX_PROBLEM, 404, "not_found",
	 "PATCH", V1 "/children/{victim_child}", "{tok_attacker}", "{\"photo_consent\":\"yes\"}",
	 NULL, NULL, NULL},

	/* API2 Broken authentication. */
	{"API2-01", "no token", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/children", NULL, NULL, NULL, NULL, NULL},
	{"API2-02", "token with alg none", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_none}", NULL, NULL, NULL, NULL},
	{"API2-03", "token with alg None (case)", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_None}", NULL, NULL, NULL, NULL},
	{"API2-04", "token signed with another key", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_other_key}", NULL, NULL, NULL, NULL},
	{"API2-05", "token signed HS512 with the server's key", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_hs512}", NULL, NULL, NULL, NULL},
	{"API2-06", "expired token", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_expired}", NULL, NULL, NULL, NULL},
	{"API2-07", "token of type refresh", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_refresh_typ}", NULL, NULL, NULL, NULL},
	{"API2-08", "HS256 header, empty signature", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{jwt_empty_sig}", NULL, NULL, NULL, NULL},
	{"API2-09", "refresh token used as access token", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{refresh_attacker}", NULL, NULL, NULL, NULL},
	{"API2-10", "8 KB garbage bearer token", HX_PROBLEM, 401, "unauthorized",
	 "GET", V1 "/users/me", "{garbage_8k}", NULL, NULL, NULL, NULL},
	{"API2-11", "forged alg none token on a write route", HX_PROBLEM, 401, "unauthorized",
	 "DELETE", V1 "/children/{victim_child}", "{jwt_none_victim}", NULL, NULL, NULL, NULL},

	/* API3 Broken object property level authorization: mass assignment. */
	{"API3-01", "PATCH /users/me with role admin", HX_PROBLEM, 422, "validation_failed",
	 "PATCH", V1 "/users/me", "{tok_attacker}", "{\"role\":\"admin\"}", NULL, NULL, NULL},
	{"API3-02", "PATCH /users/me with id, email_verified, token_generation", HX_PROBLEM, 422,
	 "validation_failed", "PATCH", V1 "/users/me", "{tok_attacker}",
	 "{\"id\":\"{victim_id}\",\"token_generation\":0,\"active\":true}", NULL, NULL, NULL},
	{"API3-03", "register with role admin", HX_PROBLEM, 422, "validation_failed",
	 "POST", V1 "/auth/register", NULL,
	 "{\"email\":\"mallory@example.be\",\"password\":\"correct horse battery\","
	 "\"first_name\":\"M\",\"last_name\":\"M\",\"role\":\"admin\"}", NULL, NULL, NULL},
	{"API3-04", "create a SEL service owned by the victim", HX_PROBLEM, 422,
	 "validation_failed", "POST", V1 "/sel/services", "{tok_attacker}",
	 JSON_SERVICE ",\"user_id\":\"{victim_id}\"}", NULL, NULL, NULL},
	{"API3-05", "move one's service to the victim (user_id)", HX_PROBLEM, 422,
	 "validation_failed", "PATCH", V1 "/sel/services/{attacker_service}", "{tok_attacker}",
	 "{\"user_id\":\"{victim_id}\"}", NULL, NULL, NULL},
	{"API3-06", "payment with status and balance fields", HX_PROBLEM, 422,
	 "validation_failed", "POST", V1 "/sel/transactions", "{tok_attacker}",
	 "{\"to_user_id\":\"{victim_id}\",\"units\":10,\"status\":\"completed\","
	 "\"balance\":100000}", NULL, NULL, NULL},
	{"API3-07", "negative payment (taking units)", HX_PROBLEM, 422, "validation_failed",
	 "POST", V1 "/sel/transactions", "{tok_attacker}",
	 "{\"to_user_id\":\"{victim_id}\",\"units\":-500}", NULL, NULL, NULL},
	{"API3-08", "create a child with guardians and an id", HX_PROBLEM, 422,
	 "validation_failed", "POST", V1 "/children", "{tok_attacker}",
	 JSON_CHILD ",\"id\":\"{victim_child}\",\"guardians\":[\"{victim_id}\"]}", NULL, NULL, NULL},
	{"API3-09", "invite with created_by set to the victim (as admin)", HX_PROBLEM, 422,
	 "validation_failed", "POST", V1 "/admin/invites", "{tok_admin}",
	 "{\"created_by\":\"{victim_id}\"}", NULL, NULL, NULL},
	{"API3-10", "post a message as the victim, with its seq and deleted flag", HX_PROBLEM,
	 422, "validation_failed", "POST", V1 "/conversations/{victim_class_conversation}/messages",
	 "{tok_victim}",
	 "{\"body\":\"x\",\"author_id\":\"{coparent_id}\",\"seq\":1,\"deleted\":true}", NULL,
	 NULL, NULL},

	/* API4 Unrestricted resource consumption. */
	{"API4-01", "GET /sel/services?limit=100000", HX_PROBLEM, 422, "validation_failed",
	 "GET", V1 "/sel/services?limit=100000", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-02", "GET /sel/transactions?limit=100000", HX_PROBLEM, 422, "validation_failed",
	 "GET", V1 "/sel/transactions?limit=100000", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-03", "GET /users?limit=100000", HX_PROBLEM, 422, "validation_failed",
	 "GET", V1 "/users?limit=100000", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-04", "limit=-1", HX_PROBLEM, 422, "validation_failed",
	 "GET", V1 "/sel/services?limit=-1", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-05", "limit=99999999999999999999", HX_PROBLEM, 422, "validation_failed",
	 "GET", V1 "/users?limit=99999999999999999999", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-06", "limit=10%00 (NUL after a valid number)", HX_PROBLEM, 422,
	 "validation_failed", "GET", V1 "/users?limit=10%00", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-07", "search text of 10,000 characters", HX_PROBLEM, 422, "validation_failed",
	 "GET", V1 "/sel/services?q={long_query}", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API4-08", "payment of 10^18 units", HX_PROBLEM, 422, "validation_failed",
	 "POST", V1 "/sel/transactions", "{tok_attacker}",
	 "{\"to_user_id\":\"{victim_id}\",\"units\":1000000000000000000}", NULL, NULL, NULL},
	{"API4-10", "GET a conversation's messages with limit=100000", HX_PROBLEM, 422,
	 "validation_failed", "GET", V1 "/conversations/{victim_conversation}/messages?limit=100000",
	 "{tok_victim}", NULL, NULL, NULL, NULL},
	{"API4-11", "a message body of 4,001 characters", HX_PROBLEM, 422, "validation_failed",
	 "POST", V1 "/conversations/{victim_conversation}/messages", "{tok_victim}",
	 "{\"body\":\"{garbage_4001}\"}", NULL, NULL, NULL},
	{"API4-09", "argon2 login flood: 32 concurrent logins", HX_PROBLEM, 429,
	 "too_many_attempts", NULL, NULL, NULL, NULL, NULL, login_flood, NULL},

	{"API2-12", "log out the victim with their refresh token (silent no-op)", HX_HARMLESS_2XX,
	 204, NULL, "POST", V1 "/auth/logout", "{tok_attacker}",
	 "{\"refresh_token\":\"{refresh_victim}\"}", NULL, NULL, NULL},

	/* API5 Broken function level authorization: admin routes as a parent. */
	{"API5-01", "create an invitation as a parent", HX_PROBLEM, 403, "forbidden",
	 "POST", V1 "/admin/invites", "{tok_attacker}", "{}", NULL, NULL, NULL},
	{"API5-02", "read the SEL audit as a parent", HX_PROBLEM, 403, "forbidden",
	 "GET", V1 "/admin/sel/audit", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API5-03", "reverse a transaction as a parent", HX_PROBLEM, 403, "forbidden",
	 "POST", V1 "/sel/transactions/{victim_payment}/reverse", "{tok_attacker}",
	 "{\"reason\":\"mine now\"}", NULL, NULL, NULL},
	{"API5-04", "metrics with a member's token", HX_PROBLEM, 404, "not_found",
	 "GET", "/metrics", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API5-05", "make oneself a class's staff as a parent", HX_PROBLEM, 403, "forbidden",
	 "PUT", V1 "/admin/classes/P1/staff", "{tok_attacker}",
	 "{\"user_ids\":[\"{attacker_id}\"]}", NULL, NULL, NULL},
	{"API5-06", "make oneself an admin as a parent", HX_PROBLEM, 403, "forbidden",
	 "PATCH", V1 "/admin/users/{attacker_id}", "{tok_attacker}", "{\"role\":\"admin\"}", NULL,
	 NULL, NULL},
	{"API5-07", "read another family's children through the admins' view", HX_PROBLEM, 403,
	 "forbidden", "GET", V1 "/admin/users/{victim_id}", "{tok_attacker}", NULL, NULL, NULL,
	 NULL},
	{"API5-08", "switch the time bank off as a parent", HX_PROBLEM, 403, "forbidden",
	 "PUT", V1 "/admin/modules", "{tok_attacker}", "{\"sel\":false}", NULL, NULL, NULL},
	{"API5-09", "read the audit log as a parent", HX_PROBLEM, 403, "forbidden",
	 "GET", V1 "/admin/audit", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API5-10", "read a class's photo consents as a parent", HX_PROBLEM,
	 403, "forbidden", "GET", V1 "/classes/P1/photo-consents", "{tok_attacker}", NULL, NULL,
	 NULL, NULL},
	{"API5-11", "read the school's analytics as a parent", HX_PROBLEM, 403, "forbidden",
	 "GET", V1 "/admin/analytics?format=csv", "{tok_attacker}", NULL, NULL, NULL, NULL},

	/* API6 Unrestricted access to sensitive business flows. */
	{"API6-01", "pay oneself", HX_PROBLEM, 422, NULL,
	 "POST", V1 "/sel/transactions", "{tok_attacker}",
	 "{\"to_user_id\":\"{attacker_id}\",\"units\":10}", NULL, NULL, NULL},
	{"API6-02", "Idempotency-Key with control characters", HX_PROBLEM, 422,
	 "validation_failed", "POST", V1 "/sel/transactions", "{tok_attacker}",
	 "{\"to_user_id\":\"{victim_id}\",\"units\":0}", "Idempotency-Key: a\tb\r\n", NULL, NULL},

	/* API8 Security misconfiguration. */
	{"API8-01", "CORS preflight from a foreign origin", HX_PROBLEM, 403, "forbidden",
	 "OPTIONS", V1 "/users/me", NULL, NULL,
	 "Origin: https://evil.example\r\nAccess-Control-Request-Method: DELETE\r\n", NULL, NULL},
	{"API8-02", "TRACE", HX_PROBLEM, 405, "method_not_allowed",
	 "TRACE", V1 "/users/me", NULL, NULL, NULL, NULL, NULL},
	{"API8-03", "JSON body as text/plain", HX_PROBLEM, 415, "unsupported_media_type",
	 "PATCH", V1 "/users/me", "{tok_attacker}", "{\"first_name\":\"Text\"}",
	 "Content-Type: text/plain\r\n", NULL, NULL},

	/* API9 Improper inventory management: routes that don't exist stay closed. */
	{"API9-01", "an unversioned or future API", HX_PROBLEM, 404, "not_found",
	 "GET", "/api/v2/users/me", "{tok_attacker}", NULL, NULL, NULL, NULL},
	{"API9-02", "a debug route", HX_PROBLEM, 404, "not_found",
	 "GET", V1 "/debug/users", "{tok_attacker}", NULL, NULL, NULL, NULL},
};
const size_t hx_api_case_count = sizeof(hx_api_cases) / sizeof(hx_api_cases[0]);
