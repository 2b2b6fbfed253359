/*
 * POST /api/v1/events/{id}/shifts/{sid}/attendance {user_ids}: the organiser (or an admin)
 * confirms who came. In one transaction, each volunteer not confirmed before is marked
 * and paid the shift's reward_units in the SEL ledger: a completed transaction of kind
 * "reward" from the school (system) account, booked by sh_sel_book with the SEL's limits,
 * so the payee's maximum applies and the two ledger entries keep the audit balanced. The
 * reward's id is kept on the volunteer's row. A volunteer confirmed before books nothing;
 * anyone who never signed up, a limit or a store error rolls the whole confirmation back.
 */
#include <string.h>

#include "modules/calendar/calendar.h"
#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

#define ATTENDANCE_MAX 500 /* user_ids in one confirmation */

struct attendance_tx {
	const struct sh_cal_shift *shift;
	const char *organiser_id;
	const struct sh_sel_limits *limits; /* NULL when the SEL is disabled */
	const char **user_ids;
	size_t count;
	bool *newly; /* per user id: confirmed by this call */
	const char *problem; /* 409 code when refused */
	const char *not_found; /* a user id that is not a volunteer (422) */
};

/* Pays "user_id" the shift's reward, from the school account. */
static enum sh_db_rc pay_reward(struct sh_conn *conn, struct attendance_tx *t, const char *user_id,
				const char *now)
{
	char account[37], tx_id[SH_UUID_LEN + 1];
	enum sh_db_rc rc = sh_sel_account_ensure(conn, user_id, t->limits, now, account);
	if (rc != SH_DB_OK)
		return rc;
	sh_uuid_v7(tx_id);
	struct sh_sel_tx tx = {.id = tx_id,
			       .kind = "reward",
			       .from_account = SH_SEL_SYSTEM_ACCOUNT,
			       .to_account = account,
			       .to_user_id = user_id,
			       .units = t->shift->reward_units,
			       .description = t->shift->title,
			       .status = "completed",
			       .created_by = t->organiser_id,
			       .created_at = now,
			       .completed_at = now};
	if ((rc = sh_sel_tx_insert(conn, &tx)) != SH_DB_OK)
		return rc;
	enum sh_sel_outcome outcome;
	int64_t excess;
	rc = sh_sel_book(conn, tx_id, SH_SEL_SYSTEM_ACCOUNT, account, tx.units, t->limits, now,
			 &outcome, &excess);
	if (rc != SH_DB_OK)
		return rc;
	if (outcome != SH_SEL_BOOKED) {
		t->problem = "payee_limit"; /* the school account has no limit: only the payee's */
		return SH_DB_OK;
	}
	return sh_cal_volunteer_rewarded(conn, t->shift->id, user_id, tx_id);
}

static enum sh_db_rc attendance_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct attendance_tx *t = ctx;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	t->problem = t->not_found = NULL;
	for (size_t i = 0; i < t->count; i++) {
		bool is_volunteer = false;
		enum sh_db_rc rc = sh_cal_volunteer_confirm(conn, t->shift->id, t->user_ids[i], now,
							    &is_volunteer);
		t->newly[i] = rc == SH_DB_ROW;
		if (rc == SH_DB_ROW && t->shift->reward_units > 0) {
			if (t->limits == NULL)
				t->problem = "sel_unavailable";
			else
				rc = pay_reward(conn, t, t->user_ids[i], now);
		}
		if (rc != SH_DB_OK && rc != SH_DB_ROW)
			return rc;
		if (!is_volunteer)
			t->not_found = t->user_ids[i];
		if (t->problem != NULL || t->not_found != NULL) {
			*rollback_r = true;
			return SH_DB_OK;
		}
	}
	return SH_DB_OK;
}

/* The user ids of the body, lower-case; replies 422 when they are not a list of UUIDs. */
static int user_ids_or_reply(struct sh_request *req, struct sh_response *res,
			     struct attendance_tx *t)
{
	static const char *const allowed[] = {"user_ids", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	json_t *ids = json_object_get(req->json, "user_ids");
	size_t n = json_array_size(ids);
	if (ids == NULL)
		sh_validation_add(&v, "user_ids", "required");
	else if (!json_is_array(ids))
		sh_validation_add(&v, "user_ids", "invalid_type");
	else if (n > ATTENDANCE_MAX)
		sh_validation_add(&v, "user_ids", "too_many_items");
	t->user_ids = sh_arena_alloc(req->arena, (n + 1) * sizeof(*t->user_ids));
	t->newly = sh_arena_alloc(req->arena, (n + 1) * sizeof(*t->newly));
	for (size_t i = 0; v.count == 0 && i < n; i++) {
		char *id = sh_arena_alloc(req->arena, SH_UUID_LEN + 1);
		const char *text = json_string_value(json_array_get(ids, i));
		if (text == NULL || !sh_uuid_normalize(text, id))
			sh_validation_add(&v, "user_ids", "invalid_uuid");
		t->user_ids[t->count++] = id;
	}
	return sh_validation_or_reply(req, res, &v);
}

static void reply_attendance(struct sh_request *req, struct sh_response *res,
			     const struct attendance_tx *t)
{
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kint(&w, "reward_units", t->shift->reward_units);
	for (int pass = 0; pass < 2; pass++) {
		sh_jw_key(&w, pass == 0 ? "confirmed" : "already_confirmed");
		sh_jw_array_begin(&w);
		for (size_t i = 0; i < t->count; i++)
			if (t->newly[i] == (pass == 0))
				sh_jw_string(&w, t->user_ids[i]);
		sh_jw_array_end(&w);
	}
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

void sh_cal_attendance(struct sh_request *req, struct sh_response *res)
{
	struct sh_cal_viewer viewer = {.id = req->user.id,
				       .admin = req->user.role == SH_ROLE_ADMIN};
	const char *event_id = sh_req_uuid_param(req, "id"), *sid = sh_req_uuid_param(req, "sid");
	struct sh_cal_event e;
	struct sh_cal_shift s;
	enum sh_db_rc rc = event_id && sid ?
				   sh_cal_event_get(req->db, req->arena, &viewer, event_id, &e) :
				   SH_DB_OK;
	if (rc == SH_DB_ROW)
		rc = sh_cal_shift_get(req->db, req->arena, e.id, sid, req->user.id, &s);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	if (!viewer.admin && strcmp(e.organiser_id, req->user.id) != 0) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return;
	}
	struct attendance_tx t = {.shift = &s,
				  .organiser_id = req->user.id,
				  .limits = sh_sel_settings(&req->app->cfg)};
	if (user_ids_or_reply(req, res, &t) != 0)
		return;
	rc = sh_conn_transaction(req->db, SH_TX_WRITE, attendance_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
	} else if (t.not_found != NULL) {
		struct sh_validation v = {0};
		sh_validation_add(&v, "user_ids", "not_a_volunteer");
		sh_validation_or_reply(req, res, &v);
	} else if (t.problem != NULL) {
		sh_reply_problem(req, res, 409, t.problem, NULL);
	} else {
		reply_attendance(req, res, &t);
	}
}
