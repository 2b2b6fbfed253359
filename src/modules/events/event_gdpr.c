/*
 * GDPR hooks of module "events". The export gives the member's registrations and the
 * events they organised (their proposals included). Erasure withdraws the registrations
 * of events still to come, promoting each waiting list as a withdrawal would (the
 * promoted members are told by a job queued in the erasure's transaction); past
 * registrations stay as counts of people, without the member; proposals nobody published
 * are deleted; published events stay, their organiser shown as a former member.
 */
#include <string.h>

#include "modules/events/events.h"

static enum sh_db_rc export_registrations(struct sh_conn *conn, const char *user_id, json_t *list)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT e.id, e.title, e.starts_at, e.status, r.adults, r.children, r.status, "
		" r.created_at FROM event_registrations r JOIN events e ON e.id = r.event_id "
		"WHERE r.user_id = $1 ORDER BY e.starts_at, e.id",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "event_id",
					sh_stmt_col_text(st, 0), "title", sh_stmt_col_text(st, 1),
					"starts_at", sh_stmt_col_time(st, 2), "event_status",
					sh_stmt_col_text(st, 3), "adults",
					(json_int_t)sh_stmt_col_int64(st, 4), "children",
					(json_int_t)sh_stmt_col_int64(st, 5), "status",
					sh_stmt_col_text(st, 6), "registered_at",
					sh_stmt_col_time(st, 7)));
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc export_organised(struct sh_conn *conn, const char *user_id, json_t *list)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT id, title, description, location, starts_at, status, "
				      " created_at FROM events WHERE organiser_id = $1 "
				      "ORDER BY starts_at, id",
				      SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
					sh_stmt_col_text(st, 0), "title", sh_stmt_col_text(st, 1),
					"description", sh_stmt_col_text(st, 2), "location",
					sh_stmt_col_text(st, 3), "starts_at",
					sh_stmt_col_time(st, 4), "status", sh_stmt_col_text(st, 5),
					"created_at", sh_stmt_col_time(st, 6)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_events_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *registrations = json_array(), *organised = json_array();
	json_object_set_new(out, "event_registrations", registrations);
	json_object_set_new(out, "events_organised", organised);
	enum sh_db_rc rc = export_registrations(conn, user_id, registrations);
	return rc == SH_DB_OK ? export_organised(conn, user_id, organised) : rc;
}

/* The events still to come that the member is registered for, in id order (the order the
 * locks are taken in, so two erasures cannot deadlock). */
static enum sh_db_rc future_events(struct sh_conn *conn, struct sh_arena *arena,
				   const char *user_id, const char *now, json_t *ids)
{
	(void)arena;
	struct sh_stmt *st = sh_query(conn,
				      "SELECT e.id FROM event_registrations r JOIN events e ON "
				      "e.id = r.event_id WHERE r.user_id = $1 AND e.starts_at > $2 "
				      "ORDER BY e.id",
				      SH_ARGS(SH_TEXT(user_id), SH_TEXT(now)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(ids, json_string(sh_stmt_col_text(st, 0)));
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc erase_in_arena(struct sh_conn *conn, struct sh_arena *arena,
				    const char *user_id, const char *now)
{
	json_t *ids = json_array();
	enum sh_db_rc rc = future_events(conn, arena, user_id, now, ids);
	struct sh_event_viewer v = {.id = user_id, .admin = true};
	struct sh_reg_ctx c = {.app = NULL,
			       .arena = arena,
			       .now = now,
			       .now_t = sh_event_time_of(now)};
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id)
	{
		if (rc != SH_DB_OK)
			break;
		const char *event_id = json_string_value(id);
		struct sh_reg_result r; /* sh_reg_withdraw locks the event */
		/* Like the member's own withdrawal, without its refusals: a cancelled event's
		 * registration goes too, and nothing stays of the member on an event to come. */
		rc = sh_reg_withdraw(conn, &c, &v, event_id, &r);
		if (rc == SH_DB_OK && r.outcome != REG_DONE)
			rc = sh_exec(conn,
				     "DELETE FROM event_registrations WHERE event_id = $1 AND "
				     "user_id = $2",
				     SH_ARGS(SH_TEXT(event_id), SH_TEXT(user_id)), NULL);
	}
	json_decref(ids);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "UPDATE event_registrations SET user_id = NULL WHERE user_id = $1",
			     SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "DELETE FROM events WHERE organiser_id = $1 AND status = 'proposed'",
			     SH_ARGS(SH_TEXT(user_id)), NULL);
	return rc;
}

enum sh_db_rc sh_events_erase_user(struct sh_conn *conn, const char *user_id, const char *now)
{
	struct sh_arena *arena = sh_arena_create();
	enum sh_db_rc rc = erase_in_arena(conn, arena, user_id, now);
	sh_arena_destroy(&arena);
	return rc;
}
