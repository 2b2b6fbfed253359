/*
 * The school-year rollover (issue #15): POST /api/v1/admin/school-year/rollover moves every
 * child up one class (M1 -> M2 ... P5 -> P6) and archives the P6 children, who leave the
 * school: children.left_at is set (the retention purge erases them later), their guardians
 * are notified ("child_left"). With dry_run the same plan is read and answered, nothing
 * written but one audit row (school_year.rollover_previewed: the admin saw every child's
 * name): the real run, read in its own transaction, answers the same list when nothing
 * changed between the two.
 *
 * One write transaction (SERIALIZABLE on PostgreSQL): the plan, the moves, the
 * notifications, the run's row, the class conversations' conversation.updated events and
 * one audit row, so a rollover happens whole or not at all. One rollover per school year:
 * another run within ROLLOVER_MIN_GAP_DAYS of the last one is 409 already_rolled_over unless
 * "force" (recorded as forced). The guard keys on the time since the last run, not on the
 * school-year label (1 September to 31 August): Brussels French-speaking schools start on the
 * last Monday of August, so runs on 25 August and 2 September carry two labels but are the
 * same year's. Times are on the notifications' clock (Brussels), so tests can move it.
 */
#include <stdio.h>
#include <string.h>

#include "modules/admin/admin_routes.h"
#include "modules/admin/rollover_queries.h"
#include "modules/messages/class_membership.h"
#include "schoolhub/audit.h"
#include "schoolhub/brussels_time.h"
#include "schoolhub/events.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

/* Shorter than any school year (late August to late August), longer than any gap between
 * two clicks of the same year's rollover. */
#define ROLLOVER_MIN_GAP_DAYS 300

struct rollover_tx {
	struct sh_request *req;
	bool dry_run, force;
	const char *school_year, *run_id, *now;
	const char *gap_start; /* now minus ROLLOVER_MIN_GAP_DAYS */
	/* outcome */
	bool already; /* a run within the gap exists and "force" was not given */
	bool forced;  /* a run within the gap exists and "force" was given: recorded as forced */
	struct rollover_plan plan;
	struct sh_class_watch watch;
};

/* "2026-2027" for any instant from 1 September 2026 to 31 August 2027, Brussels time. */
static const char *school_year_of(struct sh_arena *arena, time_t t)
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
	int first = tm.tm_year + 1900 - (tm.tm_mon < 8 ? 1 : 0); /* tm_mon 8: September */
	return sh_arena_printf(arena, "%d-%d", first, first + 1);
}

/* Tells each leaver's guardians, once per child (the child's id as ref). */
static enum sh_db_rc notify_leavers(struct rollover_tx *t, struct sh_conn *conn)
{
	enum sh_db_rc rc = SH_DB_OK;
	for (size_t i = 0; rc == SH_DB_OK && i < t->plan.n; i++) {
		const struct rollover_move *m = &t->plan.moves[i];
		const char **guardians = NULL;
		if (m->to != NULL)
			continue;
		rc = rollover_guardians(conn, t->req->arena, m->child_id, &guardians);
		json_t *params = json_pack("{s:s}", "child", m->first_name);
		const char *ref = sh_arena_printf(t->req->arena, "child_left:%s", m->child_id);
		struct sh_notify_opts o = {.link = "/children", .ref = ref};
		for (size_t g = 0; rc == SH_DB_OK && guardians[g] != NULL; g++)
			rc = sh_notify(t->req->app, conn, guardians[g], "child_left", params, &o);
		json_decref(params);
	}
	return rc;
}

/* The run's audit row names the run and every child it moved or archived (ids only). */
static enum sh_db_rc audit_run(struct rollover_tx *t, struct sh_conn *conn)
{
	const char **targets = sh_arena_alloc(t->req->arena, sizeof(*targets) * (t->plan.n + 1));
	targets[0] = t->run_id;
	for (size_t i = 0; i < t->plan.n; i++)
		targets[i + 1] = t->plan.moves[i].child_id;
	return sh_audit_append(conn, &(struct sh_audit_entry){.actor_id = t->req->user.id,
							      .action = "school_year.rollover",
							      .targets = targets,
							      .target_count = t->plan.n + 1,
							      .request_id = t->req->request_id});
}

static enum sh_db_rc run_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct rollover_tx *t = ctx;
	memset(&t->watch, 0, sizeof(t->watch));
	enum sh_db_rc rc = rollover_run_since(conn, t->gap_start);
	t->already = rc == SH_DB_ROW && !t->force;
	t->forced = rc == SH_DB_ROW && t->force;
	if (rc != SH_DB_OK && rc != SH_DB_ROW)
		return rc;
	if (t->already) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	if ((rc = rollover_plan_read(conn, t->req->arena, &t->plan)) != SH_DB_OK || t->dry_run)
		return rc;
	for (int i = 0; rc == SH_DB_OK && i < SH_CLASS_COUNT; i++)
		rc = sh_class_watch_class(conn, t->req->arena, &t->watch, sh_class_names[i]);
	if (rc == SH_DB_OK)
		rc = rollover_apply(conn, &t->plan, t->now);
	if (rc == SH_DB_OK)
		rc = notify_leavers(t, conn);
	if (rc == SH_DB_OK)
		rc = rollover_run_insert(
			conn,
			&(struct rollover_run){.id = t->run_id,
					       .school_year = t->school_year,
					       .ran_at = t->now,
					       .ran_by = t->req->user.id,
					       .forced = t->forced,
					       .moved = (int64_t)(t->plan.n - t->plan.leaving),
					       .left = (int64_t)t->plan.leaving});
	if (rc == SH_DB_OK)
		rc = sh_class_watch_notify(conn, t->req->arena, &t->watch);
	return rc == SH_DB_OK ? audit_run(t, conn) : rc; /* the audit row last */
}

/* The dry run: the same checks and plan, in a read snapshot. */
static enum sh_db_rc dry_run(struct sh_conn *conn, void *ctx)
{
	bool rollback = false;
	return run_in_tx(conn, ctx, &rollback);
}

/* The preview shows the admin every child's first name: that look is audited like any other
 * (one row, the children listed, ids only), in its own short write transaction after the
 * plan was read, so the plan stays a read. */
static enum sh_db_rc audit_preview(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct rollover_tx *t = ctx;
	const char **targets = sh_arena_alloc(t->req->arena, sizeof(*targets) * (t->plan.n + 1));
	for (size_t i = 0; i < t->plan.n; i++)
		targets[i] = t->plan.moves[i].child_id;
	return sh_audit_append(conn, &(struct sh_audit_entry){.actor_id = t->req->user.id,
							      .action = "school_year.rollover_previewed",
							      .targets = targets,
							      .target_count = t->plan.n,
							      .request_id = t->req->request_id});
}

static json_t *answer_json(const struct rollover_tx *t)
{
	json_t *moves = json_array(), *counts = json_array();
	for (size_t i = 0; i < t->plan.n; i++) {
		const struct rollover_move *m = &t->plan.moves[i];
		json_array_append_new(moves,
				      json_pack("{s:s, s:s, s:s, s:s}", "child_id", m->child_id,
						"first_name", m->first_name, "from", m->from, "to",
						m->to != NULL ? m->to : "left"));
	}
	for (int i = 0; i < SH_CLASS_COUNT; i++)
		json_array_append_new(counts,
				      json_pack("{s:s, s:I, s:I}", "class_name", sh_class_names[i],
						"before", (json_int_t)t->plan.before[i], "after",
						(json_int_t)t->plan.after[i]));
	json_t *out = json_pack("{s:b, s:s, s:b, s:I, s:I, s:o, s:o}", "dry_run", t->dry_run,
				"school_year", t->school_year, "forced", t->forced, "moved",
				(json_int_t)(t->plan.n - t->plan.leaving), "leaving",
				(json_int_t)t->plan.leaving, "moves", moves, "counts", counts);
	if (!t->dry_run) {
		json_object_set_new(out, "run_id", json_string(t->run_id));
		json_object_set_new(out, "ran_at", json_string(t->now));
	}
	return out;
}

void admin_school_year_rollover(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"dry_run", "force", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	char run_id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1], gap_start[SH_TIME_LEN + 1];
	sh_uuid_v4(run_id);
	time_t now_t = sh_notify_now();
	sh_time_format(now_t, now);
	sh_time_format(now_t - (time_t)ROLLOVER_MIN_GAP_DAYS * 86400, gap_start);
	struct rollover_tx t = {.req = req, .run_id = run_id, .now = now, .gap_start = gap_start};
	struct sh_validation v = {0};
	sh_json_get_bool(req->json, "dry_run", true, &t.dry_run, &v);
	sh_json_get_bool(req->json, "force", false, &t.force, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	t.school_year = school_year_of(req->arena, now_t);
	enum sh_db_rc rc = t.dry_run ? sh_conn_read_snapshot(req->db, dry_run, &t) :
				       sh_conn_transaction(req->db, SH_TX_WRITE, run_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.already) {
		sh_reply_problem(req, res, 409, "already_rolled_over", NULL);
		return;
	}
	if (t.dry_run &&
	    (rc = sh_conn_transaction(req->db, SH_TX_WRITE, audit_preview, &t)) != SH_DB_OK) {
		sh_reply_db_error(req, res, rc); /* fail closed: no names without the audit row */
		return;
	}
	if (t.watch.wrote)
		sh_events_wake(req->app);
	if (!t.dry_run)
		sh_notify_wake(req->app);
	sh_reply_json(req, res, 200, answer_json(&t));
}
