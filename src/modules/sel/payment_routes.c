/*
 * POST /api/v1/sel/transactions: a member pays another (booked at once) or asks to be paid
 * (a pending request).
 *
 * The Idempotency-Key lookup, the booking and the stored answer are one
 * sh_conn_transaction: the limits are checked by the same UPDATE that moves the units, and
 * a refused booking rolls everything back. Nothing here decides from a value read earlier
 * in the transaction (states change by conditional UPDATEs, duplicates meet unique keys),
 * so on PostgreSQL bookings run READ COMMITTED (SH_TX_WRITE_ROWLOCKED): contention makes
 * them wait for the row, not fail. The transaction function only records outcomes in its
 * context, so a retry after a serialization failure starts from a clean slate.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/sel/ledger_routes.h"
#include "modules/users/user_queries.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

#define UNITS_MAX 900
#define DESCRIPTION_MAX 500
#define IDEMPOTENCY_TTL_S (24 * 3600)

struct create_tx {
	struct sh_request *req;
	const char *counterparty;
	char counterparty_buf[37], service_buf[37];
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

/* A key used before: its stored answer ("response", "status"), or idempotency_conflict
 * when the body differs. SH_DB_ROW when there was one, SH_DB_OK when the key is new. */
static enum sh_db_rc replay_stored(struct sh_conn *conn, struct create_tx *t)
{
	const char *hash = NULL, *response = NULL;
	int64_t status = 0;
	enum sh_db_rc rc = sh_sel_idem_get(conn, t->req->arena, t->req->user.id, t->idem_key,
					   &hash, &status, &response);
	if (rc != SH_DB_ROW)
		return rc;
	if (strcmp(hash, t->idem_hash) != 0) {
		t->problem = "idempotency_conflict";
		return SH_DB_ROW;
	}
	t->status = status;
	t->response = response;
	return SH_DB_ROW;
}

/* The counterparty (an active member) and the service, if one is named: it must involve
 * the member who offers or asked for it. SH_DB_ROW when both are found, SH_DB_OK with
 * "problem" set when one is not. */
static enum sh_db_rc find_parties(struct sh_conn *conn, struct create_tx *t,
				  struct sh_user *other)
{
	struct sh_request *req = t->req;
	enum sh_db_rc rc = sh_user_by_id(conn, req->arena, t->counterparty, other);
	if (rc == SH_DB_OK)
		t->problem = "unknown_member";
	if (rc != SH_DB_ROW || t->service_id == NULL)
		return rc;
	char owner[37];
	rc = sh_sel_service_owner(conn, t->service_id, owner);
	if (rc == SH_DB_ROW && strcmp(owner, req->user.id) != 0 && strcmp(owner, other->id) != 0)
		rc = SH_DB_OK;
	if (rc == SH_DB_OK)
		t->problem = "unknown_service";
	return rc;
}

/* The 201 body, built from the values written: no read back while this transaction holds
 * SQLite's one writer slot. Both parties are live members: no pseudonym. */
static const char *written_reply(const struct create_tx *t, const struct sh_sel_tx *tx,
				 const struct sh_user *other)
{
	const struct sh_user *me = &t->req->user.account;
	const struct sh_user *payer = t->paying ? me : other, *payee = t->paying ? other : me;
	struct sh_sel_party from = {tx->from_user_id, payer->first_name, payer->last_name};
	struct sh_sel_party to = {tx->to_user_id, payee->first_name, payee->last_name};
	struct sh_jw w;
	sh_jw_init(&w, t->req->arena);
	sh_sel_tx_write(&w, tx, &from, &to);
	return sh_jw_text(&w, NULL);
}

static enum sh_db_rc create_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct create_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	t->limit = SH_SEL_BOOKED;
	t->response = NULL;
	enum sh_db_rc rc;
	if (t->idem_key != NULL && (rc = replay_stored(conn, t)) != SH_DB_OK) {
		*rollback_r = true; /* answered before: nothing to write */
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	struct sh_user other;
	if ((rc = find_parties(conn, t, &other)) != SH_DB_ROW) {
		*rollback_r = true; /* SH_DB_OK: refused, "problem" says why */
		return rc;
	}

	struct sh_sel_limits limits = sh_sel_limits_of(req);
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
	t->response = written_reply(t, &done.tx, &other);
	t->status = 201;
	if (t->idem_key != NULL) {
		char expired[SH_TIME_LEN + 1];
		sh_time_format(time(NULL) - IDEMPOTENCY_TTL_S, expired);
		rc = sh_sel_idem_put(conn, req->user.id, t->idem_key, t->idem_hash, t->status,
				     t->response, now, expired);
		if (rc != SH_DB_OK)
			return rc;
	}
	/* Last: its realtime event id holds back live events until the commit (events.h). */
	return sh_sel_notify(req, conn, other.id, t->paying ? "payment_received" : "payment_request",
			     t->units, done.tx.id, NULL);
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

/* The body's fields into "t" (ids normalised into its buffers). Returns 0, or -1 after
 * replying 422. */
static int payment_fields_or_reply(struct sh_request *req, struct sh_response *res,
				   struct create_tx *t)
{
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
		return -1;

	/* An id that cannot exist is an unknown member/service, not a syntax error. */
	const char *problem = NULL;
	if (!sh_uuid_normalize(has_to ? to : from, t->counterparty_buf))
		problem = "unknown_member";
	else if (service != NULL && !sh_uuid_normalize(service, t->service_buf))
		problem = "unknown_service";
	else if (strcmp(t->counterparty_buf, req->user.id) == 0)
		problem = "self_transaction";
	if (problem != NULL) {
		sh_reply_problem(req, res, 422, problem, NULL);
		return -1;
	}
	t->paying = has_to;
	t->counterparty = t->counterparty_buf;
	t->units = json_integer_value(units);
	t->description = description;
	t->service_id = service != NULL ? t->service_buf : NULL;
	return 0;
}

void sh_sel_transactions_create(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"to_user_id", "from_user_id", "units", "description",
					      "service_id", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct create_tx t = {.req = req};
	if (idempotency_key_or_reply(req, res, &t.idem_key) != 0 ||
	    payment_fields_or_reply(req, res, &t) != 0)
		return;
	if (t.idem_key != NULL)
		body_hash(req->json, t.idem_hash);

	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, create_in_tx, &t);
	sh_notify_wake(req->app);
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
		sh_sel_reply_limit(req, res, t.limit, t.units - t.excess, true);
		return;
	}
	sh_reply_raw(res, (unsigned)t.status, "application/json", t.response, strlen(t.response));
}
