/*
 * SEL ledger endpoints: balance, payments and payment requests, their settlement,
 * reversal by an admin, the CSV statement and the audit.
 *
 * Every booking runs in one sh_conn_transaction: the limits are checked by the same
 * UPDATE that moves the units, and a refused booking rolls everything back. Nothing here
 * decides from a value read earlier in the transaction (states change by conditional
 * UPDATEs, duplicates meet unique keys), so on PostgreSQL bookings run READ COMMITTED
 * (SH_TX_WRITE_ROWLOCKED): contention makes them wait for the row, not fail. Transaction
 * functions only record outcomes in their context, so a retry after a serialization
 * failure starts from a clean slate.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#define UNITS_MAX 900
#define DESCRIPTION_MAX 500
#define IDEMPOTENCY_TTL_S (24 * 3600)

const char *sh_sel_former_member(enum sh_lang lang)
{
	static const char *const names[SH_LANG_COUNT] = {"Ancien membre", "Voormalig lid",
							 "Former member"};
	return names[lang];
}

static struct sh_sel_limits limits_of(const struct sh_request *req)
{
	const struct sh_config *cfg = &req->app->cfg;
	return (struct sh_sel_limits){cfg->sel_initial_balance, cfg->sel_min_balance,
				      cfg->sel_max_balance};
}

/* 409 payer_limit / payee_limit with a localised detail saying by how much. */
static void reply_limit(struct sh_request *req, struct sh_response *res,
			enum sh_sel_outcome outcome, int64_t excess)
{
	struct sh_sel_limits l = limits_of(req);
	bool payer = outcome == SH_SEL_PAYER_LIMIT;
	long long bound = payer ? (long long)l.min : (long long)l.max;
	long long by = (long long)excess;
	char detail[256];
	switch (req->lang * 2 + (payer ? 0 : 1)) {
	case SH_LANG_FR * 2:
		snprintf(detail, sizeof(detail), "Le solde du payeur passerait sous le minimum de "
			 "%lld unités (de %lld unités).", bound, by);
		break;
	case SH_LANG_FR * 2 + 1:
		snprintf(detail, sizeof(detail), "Le solde du bénéficiaire dépasserait le maximum "
			 "de %lld unités (de %lld unités).", bound, by);
		break;
	case SH_LANG_NL * 2:
		snprintf(detail, sizeof(detail), "Het saldo van de betaler zou onder het minimum "
			 "van %lld eenheden zakken (met %lld eenheden).", bound, by);
		break;
	case SH_LANG_NL * 2 + 1:
		snprintf(detail, sizeof(detail), "Het saldo van de ontvanger zou het maximum van "
			 "%lld eenheden overschrijden (met %lld eenheden).", bound, by);
		break;
	case SH_LANG_EN * 2:
		snprintf(detail, sizeof(detail), "The payer's balance would fall below the minimum "
			 "of %lld units (by %lld units).", bound, by);
		break;
	default:
		snprintf(detail, sizeof(detail), "The payee's balance would exceed the maximum of "
			 "%lld units (by %lld units).", bound, by);
		break;
	}
	sh_reply_problem(req, res, 409, payer ? "payer_limit" : "payee_limit",
			 sh_arena_strdup(req->arena, detail));
}

/*
 * The reply after a booking transaction: a store error, a refusal ("problem":
 * not_found -> 404, anything else -> 409), a limit (409 payer/payee_limit) or "body"
 * (whose reference is taken) with "status".
 */
static void reply_booking(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc,
			  const char *problem, enum sh_sel_outcome limit, int64_t excess,
			  json_t *body, unsigned status)
{
	if (rc != SH_DB_OK || problem != NULL || limit != SH_SEL_BOOKED)
		json_decref(body);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (problem != NULL)
		sh_reply_problem(req, res, strcmp(problem, "not_found") == 0 ? 404 : 409, problem,
				 NULL);
	else if (limit != SH_SEL_BOOKED)
		reply_limit(req, res, limit, excess);
	else
		sh_reply_json(req, res, status, body);
}

/* --- GET /balance ---------------------------------------------------------------- */

void sh_sel_balance_get(struct sh_request *req, struct sh_response *res)
{
	struct sh_sel_limits l = limits_of(req);
	struct sh_sel_account a;
	enum sh_db_rc rc = sh_sel_account_get(req->db, req->user.id, &a);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	/* A member who never used the SEL has no account yet: it opens with the initial
	 * units at the first booking, so that is what they have. */
	bool opened = rc == SH_DB_ROW;
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "user_id", req->user.id);
	sh_jw_kint(&w, "balance", opened ? a.balance : l.initial);
	sh_jw_kint(&w, "total_given", opened ? a.total_given : 0);
	sh_jw_kint(&w, "total_received", opened ? a.total_received : 0);
	sh_jw_kint(&w, "min_balance", l.min);
	sh_jw_kint(&w, "max_balance", l.max);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* --- POST /transactions ------------------------------------------------------------ */

struct create_tx {
	struct sh_request *req;
	const char *counterparty;
	bool paying; /* true: the caller pays; false: the caller asks to be paid */
	int64_t units;
	const char *description, *service_id;
	const char *idem_key;
	char idem_hash[65];
	/* outcome */
	const char *problem; /* problem code when refused */
	enum sh_sel_outcome limit;
	int64_t excess;
	int64_t status;
	const char *response; /* JSON body (arena) */
};

static enum sh_db_rc create_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct create_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	t->limit = SH_SEL_BOOKED;
	t->response = NULL;
	enum sh_db_rc rc;

	if (t->idem_key != NULL) {
		const char *hash = NULL, *response = NULL;
		int64_t status = 0;
		rc = sh_sel_idem_get(conn, req->arena, req->user.id, t->idem_key, &hash, &status,
				     &response);
		if (rc == SH_DB_ROW) {
			*rollback_r = true;
			if (strcmp(hash, t->idem_hash) != 0) {
				t->problem = "idempotency_conflict";
				return SH_DB_OK;
			}
			t->status = status;
			t->response = response;
			return SH_DB_OK;
		}
		if (rc != SH_DB_OK)
			return rc;
	}

	struct sh_user other;
	rc = sh_user_by_id(conn, req->arena, t->counterparty, &other);
	if (rc == SH_DB_OK) {
		t->problem = "unknown_member";
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_ROW)
		return rc;
	if (t->service_id != NULL) {
		char owner[37];
		rc = sh_sel_service_owner(conn, t->service_id, owner);
		/* A transfer "for" a service must involve the member who offers or asked for it. */
		if (rc == SH_DB_ROW && strcmp(owner, req->user.id) != 0 && strcmp(owner, other.id) != 0)
			rc = SH_DB_OK;
		if (rc == SH_DB_OK) {
			t->problem = "unknown_service";
			*rollback_r = true;
			return SH_DB_OK;
		}
		if (rc != SH_DB_ROW)
			return rc;
	}

	struct sh_sel_limits limits = limits_of(req);
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_sel_exchange x = {.author = req->user.id, .counterparty = other.id,
				    .paying = t->paying, .units = t->units,
				    .description = t->description, .service_id = t->service_id,
				    .at = now};
	struct sh_sel_exchanged done;
	if ((rc = sh_sel_exchange_create(conn, &x, &limits, &done)) != SH_DB_OK)
		return rc;
	t->limit = done.outcome;
	t->excess = done.excess;
	if (t->limit != SH_SEL_BOOKED) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	const struct sh_sel_tx tx = done.tx;
	const struct sh_user *me = &req->user.account;
	/* The reply is built from the values written: no read back while this transaction
	 * holds SQLite's one writer slot. Both parties are live members: no pseudonym. */
	const struct sh_user *payer = t->paying ? me : &other, *payee = t->paying ? &other : me;
	struct sh_sel_party from = {tx.from_user_id, payer->first_name, payer->last_name};
	struct sh_sel_party to = {tx.to_user_id, payee->first_name, payee->last_name};
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_sel_tx_write(&w, &tx, &from, &to);
	t->response = sh_jw_text(&w, NULL);
	t->status = 201;
	if (t->idem_key != NULL) {
		char expired[SH_TIME_LEN + 1];
		sh_time_format(time(NULL) - IDEMPOTENCY_TTL_S, expired);
		rc = sh_sel_idem_put(conn, req->user.id, t->idem_key, t->idem_hash, t->status,
				     t->response, now, expired);
	}
	return rc;
}

/* Idempotency-Key: 1..255 printable ASCII characters. Returns 0, or -1 after replying. */
static int idempotency_key_or_reply(struct sh_request *req, struct sh_response *res,
				    const char **key_r)
{
	const char *key = sh_req_header(req, "Idempotency-Key");
	*key_r = NULL;
	if (key == NULL)
		return 0;
	size_t n = strlen(key);
	bool ok = n >= 1 && n <= 255;
	for (size_t i = 0; ok && i < n; i++)
		ok = key[i] >= 0x20 && key[i] <= 0x7e;
	if (!ok) {
		struct sh_validation v = {0};
		sh_validation_add(&v, "Idempotency-Key", "invalid_text");
		return sh_validation_or_reply(req, res, &v);
	}
	*key_r = key;
	return 0;
}

/* The same request sent again must hash the same: canonical JSON (sorted keys). */
static void body_hash(json_t *body, char out[65])
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	sh_token_hash(text ? text : "", out);
	free(text);
}

void sh_sel_transactions_create(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"to_user_id", "from_user_id", "units", "description",
					      "service_id", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct create_tx t = {.req = req};
	if (idempotency_key_or_reply(req, res, &t.idem_key) != 0)
		return;

	struct sh_validation v = {0};
	const char *to = NULL, *from = NULL, *description = "", *service = NULL;
	bool has_to = sh_json_get_string(req->json, "to_user_id", false, &to, &v);
	bool has_from = sh_json_get_string(req->json, "from_user_id", false, &from, &v);
	if (has_to == has_from && v.count == 0)
		sh_validation_add(&v, has_to ? "from_user_id" : "to_user_id", "one_of_required");
	json_t *units = json_object_get(req->json, "units");
	if (units == NULL)
		sh_validation_add(&v, "units", "required");
	else if (!json_is_integer(units))
		sh_validation_add(&v, "units", "invalid_type");
	else if (json_integer_value(units) < 1 || json_integer_value(units) > UNITS_MAX)
		sh_validation_add(&v, "units", "out_of_range");
	if (sh_json_get_string(req->json, "description", false, &description, &v)) {
		size_t chars = 0;
		if (!sh_utf8_valid_text(description, SIZE_MAX, &chars))
			sh_validation_add(&v, "description", "invalid_text");
		else if (chars > DESCRIPTION_MAX)
			sh_validation_add(&v, "description", "too_long");
	}
	bool service_null = false;
	sh_json_get_nullable_string(req->json, "service_id", &service, &service_null, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;

	t.paying = has_to;
	/* An id that cannot exist is an unknown member/service, not a syntax error. */
	char cp[SH_UUID_LEN + 1], sid[SH_UUID_LEN + 1];
	if (!sh_uuid_normalize(has_to ? to : from, cp)) {
		sh_reply_problem(req, res, 422, "unknown_member", NULL);
		return;
	}
	if (service != NULL && !sh_uuid_normalize(service, sid)) {
		sh_reply_problem(req, res, 422, "unknown_service", NULL);
		return;
	}
	if (strcmp(cp, req->user.id) == 0) {
		sh_reply_problem(req, res, 422, "self_transaction", NULL);
		return;
	}
	t.counterparty = cp;
	t.units = json_integer_value(units);
	t.description = description;
	t.service_id = service != NULL ? sid : NULL;
	if (t.idem_key != NULL)
		body_hash(req->json, t.idem_hash);

	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, create_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.problem != NULL) {
		bool conflict = strcmp(t.problem, "idempotency_conflict") == 0;
		sh_reply_problem(req, res, conflict ? 409 : 422, t.problem, NULL);
		return;
	}
	if (t.limit != SH_SEL_BOOKED) {
		reply_limit(req, res, t.limit, t.excess);
		return;
	}
	sh_reply_raw(res, (unsigned)t.status, "application/json", t.response, strlen(t.response));
}

/* --- accept / decline / cancel ------------------------------------------------------ */

enum settle_action { SETTLE_ACCEPT, SETTLE_DECLINE, SETTLE_CANCEL };

struct settle_tx {
	struct sh_request *req;
	const char *id;
	enum settle_action action;
	const char *problem;
	enum sh_sel_outcome limit;
	int64_t excess;
	json_t *body;
};

static enum sh_db_rc settle_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct settle_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	t->limit = SH_SEL_BOOKED;
	json_decref(t->body);
	t->body = NULL;

	struct sh_sel_tx tx;
	enum sh_db_rc rc = sh_sel_tx_load(conn, req->arena, t->id, &tx);
	if (rc != SH_DB_ROW && rc != SH_DB_OK)
		return rc;
	const char *me = req->user.id;
	bool payer = rc == SH_DB_ROW && tx.from_user_id && strcmp(tx.from_user_id, me) == 0;
	bool payee = rc == SH_DB_ROW && tx.to_user_id && strcmp(tx.to_user_id, me) == 0;
	if (!payer && !payee) {
		t->problem = "not_found"; /* never reveal other members' transactions */
		*rollback_r = true;
		return SH_DB_OK;
	}
	/* Only the payer settles a request; only the requester withdraws it. */
	bool allowed = strcmp(tx.kind, "request") == 0 &&
		       (t->action == SETTLE_CANCEL ? payee : payer);
	static const char *const next[] = {"completed", "declined", "cancelled"};
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	int64_t changed = 0;
	if (allowed && (rc = sh_sel_tx_settle(conn, t->id, next[t->action], now, &changed)) != SH_DB_OK)
		return rc;
	if (!allowed || changed != 1) {
		t->problem = "invalid_state";
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (t->action == SETTLE_ACCEPT) {
		struct sh_sel_limits limits = limits_of(req);
		rc = sh_sel_book(conn, t->id, tx.from_account, tx.to_account, tx.units, &limits, now,
				 &t->limit, &t->excess);
		if (rc != SH_DB_OK)
			return rc;
		if (t->limit != SH_SEL_BOOKED) {
			*rollback_r = true; /* stays pending: the payer may try again later */
			return SH_DB_OK;
		}
	}
	return sh_sel_tx_json(conn, t->id, req->lang, &t->body);
}

static void settle(struct sh_request *req, struct sh_response *res, enum settle_action action)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct settle_tx t = {.req = req, .id = id, .action = action};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, settle_in_tx, &t);
	reply_booking(req, res, rc, t.problem, t.limit, t.excess, t.body, 200);
}

void sh_sel_transactions_accept(struct sh_request *req, struct sh_response *res)
{
	settle(req, res, SETTLE_ACCEPT);
}

void sh_sel_transactions_decline(struct sh_request *req, struct sh_response *res)
{
	settle(req, res, SETTLE_DECLINE);
}

void sh_sel_transactions_cancel(struct sh_request *req, struct sh_response *res)
{
	settle(req, res, SETTLE_CANCEL);
}

/* --- POST /transactions/{id}/reverse (admins) --------------------------------------- */

struct reverse_tx {
	struct sh_request *req;
	const char *id, *reason;
	bool force;
	const char *problem;
	enum sh_sel_outcome limit;
	int64_t excess;
	json_t *body;
};

static enum sh_db_rc reverse_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct reverse_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	t->limit = SH_SEL_BOOKED;
	json_decref(t->body);
	t->body = NULL;
	struct sh_sel_tx orig;
	enum sh_db_rc rc = sh_sel_tx_load(conn, req->arena, t->id, &orig);
	if (rc == SH_DB_OK) {
		t->problem = "not_found";
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_ROW)
		return rc;
	if (strcmp(orig.status, "completed") != 0 || strcmp(orig.kind, "reversal") == 0) {
		t->problem = "invalid_state";
		*rollback_r = true;
		return SH_DB_OK;
	}
	char now[SH_TIME_LEN + 1], id[SH_UUID_LEN + 1];
	sh_time_now(now);
	sh_uuid_v7(id); /* time-ordered: see sh_uuid_v7 */
	/* The counter-transaction: same units, the other way; the original is never touched. */
	struct sh_sel_tx rev = {
		.id = id,
		.kind = "reversal",
		.from_account = orig.to_account,
		.to_account = orig.from_account,
		.from_user_id = orig.to_user_id,
		.to_user_id = orig.from_user_id,
		.units = orig.units,
		.description = t->reason,
		.status = "completed",
		.created_by = req->user.id,
		.reverses_id = orig.id,
		.created_at = now,
		.completed_at = now,
	};
	rc = sh_sel_tx_insert(conn, &rev);
	if (rc == SH_DB_UNIQUE) {
		t->problem = "invalid_state"; /* already reversed */
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_OK)
		return rc;
	struct sh_sel_limits limits = limits_of(req);
	rc = sh_sel_book(conn, id, rev.from_account, rev.to_account, rev.units,
			 t->force ? NULL : &limits, now, &t->limit, &t->excess);
	if (rc != SH_DB_OK)
		return rc;
	if (t->limit != SH_SEL_BOOKED) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	return sh_sel_tx_json(conn, id, req->lang, &t->body);
}

void sh_sel_transactions_reverse(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"reason", "force", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct sh_validation v = {0};
	const char *reason = NULL;
	bool force = false;
	if (sh_json_get_string(req->json, "reason", true, &reason, &v)) {
		size_t chars = 0;
		if (!sh_utf8_valid_text(reason, SIZE_MAX, &chars))
			sh_validation_add(&v, "reason", "invalid_text");
		else if (chars == 0)
			sh_validation_add(&v, "reason", "required");
		else if (chars > DESCRIPTION_MAX)
			sh_validation_add(&v, "reason", "too_long");
	}
	sh_json_get_bool(req->json, "force", false, &force, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct reverse_tx t = {.req = req, .id = id, .reason = reason, .force = force};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, reverse_in_tx, &t);
	reply_booking(req, res, rc, t.problem, t.limit, t.excess, t.body, 201);
}

/* --- GET /transactions, GET /transactions/{id} ------------------------------------- */

void sh_sel_transactions_list(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	struct sh_validation v = {0};
	const char *status = sh_req_query(req, "status");
	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "completed") != 0 &&
	    strcmp(status, "declined") != 0 && strcmp(status, "cancelled") != 0)
		sh_validation_add(&v, "status", "out_of_range");
	int64_t before = INT64_MAX;
	const char *cursor = sh_req_query(req, "cursor");
	if (cursor != NULL) {
		char *end = NULL;
		long long n = strtoll(cursor, &end, 36);
		if (*cursor == '\0' || *end != '\0' || n <= 0)
			sh_validation_add(&v, "cursor", "invalid_cursor");
		else
			before = n;
	}
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct sh_jw w;
	struct sh_sel_page page;
	sh_page_begin(req, &w);
	enum sh_db_rc rc =
		sh_sel_tx_list(req->db, req->user.id, status, before, limit, req->lang, &w, &page);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	const char *next = NULL;
	if (page.more) {
		/* The booking number in base 36: opaque enough, and short. */
		char buf[16];
		int64_t n = page.last_seq;
		size_t pos = sizeof(buf) - 1;
		buf[pos] = '\0';
		do {
			buf[--pos] = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
			n /= 36;
		} while (n > 0);
		next = sh_arena_strdup(req->arena, buf + pos);
	}
	sh_reply_page(req, res, &w, next);
}

void sh_sel_transactions_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	json_t *tx = NULL;
	enum sh_db_rc rc = id ? sh_sel_tx_json(req->db, id, req->lang, &tx) : SH_DB_OK;
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	const char *from = json_string_value(json_object_get(tx, "from_user_id"));
	const char *to = json_string_value(json_object_get(tx, "to_user_id"));
	bool party = (from && strcmp(from, req->user.id) == 0) || (to && strcmp(to, req->user.id) == 0);
	if (tx == NULL || (!party && req->user.role != SH_ROLE_ADMIN)) {
		json_decref(tx);
		sh_reply_not_found(req, res);
		return;
	}
	sh_reply_json(req, res, 200, tx);
}

/* --- GET /statement.csv ---------------------------------------------------------------- */

struct csv {
	char *data;
	size_t len, cap;
};

static void csv_append(struct csv *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		c->cap = (c->len + n + 1) * 2;
		c->data = sh_realloc(c->data, c->cap);
	}
	memcpy(c->data + c->len, s, n);
	c->len += n;
	c->data[c->len] = '\0';
}

/* One text cell: quoted, quotes doubled, and a leading = + - @ neutralised so a
 * description can never run as a spreadsheet formula. */
static void csv_text(struct csv *c, const char *s)
{
	csv_append(c, "\"", 1);
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')
		csv_append(c, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			csv_append(c, "\"\"", 2);
		else
			csv_append(c, p, 1);
	}
	csv_append(c, "\"", 1);
}

struct statement {
	struct csv csv;
	enum sh_lang lang;
};

static const char *kind_label(const char *kind, enum sh_lang lang)
{
	static const struct {
		const char *kind;
		const char *label[SH_LANG_COUNT];
	} labels[] = {
		{"opening", {"ouverture", "opening", "opening"}},
		{"payment", {"paiement", "betaling", "payment"}},
		{"request", {"demande de paiement", "betalingsverzoek", "payment request"}},
		{"reversal", {"correction", "correctie", "reversal"}},
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].kind, kind) == 0)
			return labels[i].label[lang];
	return kind;
}

static int statement_line(const struct sh_sel_line *line, void *ctx)
{
	struct statement *st = ctx;
	struct csv *c = &st->csv;
	char num[64];
	csv_append(c, line->date, 10);
	csv_append(c, ";", 1);
	csv_text(c, line->transaction_id);
	csv_append(c, ";", 1);
	csv_text(c, kind_label(line->kind, st->lang));
	csv_append(c, ";", 1);
	csv_text(c, line->counterparty);
	csv_append(c, ";", 1);
	csv_text(c, line->description ? line->description : "");
	int n = snprintf(num, sizeof(num), ";%lld;%lld\r\n", (long long)line->amount,
			 (long long)line->balance_after);
	csv_append(c, num, (size_t)n);
	return 0;
}

void sh_sel_statement_csv(struct sh_request *req, struct sh_response *res)
{
	const char *from = sh_req_query(req, "from"), *to = sh_req_query(req, "to");
	struct sh_validation v = {0};
	time_t t_from = 0, t_to = time(NULL);
	if (from != NULL && sh_date_parse(from, &t_from) != 0)
		sh_validation_add(&v, "from", "invalid_date");
	if (to != NULL && sh_date_parse(to, &t_to) != 0)
		sh_validation_add(&v, "to", "invalid_date");
	if (v.count == 0 && t_from > t_to)
		sh_validation_add(&v, "from", "out_of_range");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	char since[SH_TIME_LEN + 1], until[SH_TIME_LEN + 1];
	sh_time_format(t_from, since);
	/* "to" is a whole day: everything before the next midnight (UTC). */
	sh_time_format(t_to - t_to % 86400 + 86400, until);

	static const char *const header[SH_LANG_COUNT] = {
		"date;transaction;type;membre;description;unités;solde\r\n",
		"datum;transactie;soort;lid;omschrijving;eenheden;saldo\r\n",
		"date;transaction;kind;member;description;units;balance\r\n"};
	struct statement out = {.lang = req->lang};
	struct csv *c = &out.csv;
	/* A byte-order mark tells spreadsheet programs the file is UTF-8; ";" is the list
	 * separator of Belgian (fr/nl) spreadsheet settings. */
	csv_append(c, "\xEF\xBB\xBF", 3);
	csv_append(c, header[req->lang], strlen(header[req->lang]));

	struct sh_sel_account a;
	enum sh_db_rc rc = sh_conn_begin(req->db, SH_TX_READ);
	if (rc == SH_DB_OK)
		rc = sh_sel_account_get(req->db, req->user.id, &a);
	if (rc == SH_DB_ROW)
		rc = sh_sel_statement(req->db, a.id, since, until, req->lang, statement_line, &out);
	if (rc == SH_DB_OK)
		rc = sh_conn_commit(req->db);
	else
		sh_conn_rollback(req->db);
	if (rc != SH_DB_OK) {
		sh_free(&c->data);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_arena_defer(req->arena, free, c->data);
	char last_day[SH_TIME_LEN + 1];
	sh_time_format(t_to, last_day);
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"sel-%.10s.csv\"", last_day));
	sh_reply_raw(res, 200, "text/csv; charset=utf-8", c->data, c->len);
}

/* --- GET /api/v1/admin/sel/audit ----------------------------------------------------- */

void sh_sel_admin_audit(struct sh_request *req, struct sh_response *res)
{
	json_t *out = NULL;
	/* One read transaction: a consistent snapshot even while payments go on. */
	enum sh_db_rc rc = sh_conn_begin(req->db, SH_TX_READ);
	if (rc == SH_DB_OK)
		rc = sh_sel_audit(req->db, &out);
	if (rc == SH_DB_OK)
		rc = sh_conn_commit(req->db);
	else
		sh_conn_rollback(req->db);
	if (rc != SH_DB_OK) {
		json_decref(out);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_json(req, res, 200, out);
}
