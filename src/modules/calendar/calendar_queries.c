/*
 * SQL of the calendar: who sees an event, the events of a feed, feed tokens. Written once;
 * runs on SQLite and PostgreSQL.
 */
#include "modules/calendar/calendar.h"

#include <string.h>

#include "modules/events/events.h"
#include "modules/messages/membership_sql.h"

/*
 * Who sees event "e": the rule of GET /api/v1/events/{id} (src/modules/events/
 * event_queries.c states it the same way). Binds: $1 the member, $2 admin. Published and
 * cancelled events reach their audience: the whole school, or the classes of
 * event_classes that are the member's (their children's, or those they staff as active
 * staff: SH_CLASSES_OF_MEMBER). Admins see every event, the organiser their own (a
 * proposal only them and admins).
 */
#define VISIBLE                                                                             \
	"($2 OR e.organiser_id = $1 OR (e.status <> 'proposed' AND (e.audience = 'school' " \
	" OR EXISTS (SELECT 1 FROM event_classes ec WHERE ec.event_id = e.id AND "          \
	" ec.class_name IN (" SH_CLASSES_OF_MEMBER("$1") ")))))"

#define COLUMNS                                                                               \
	"SELECT e.id, e.title, e.description, e.location, e.status, e.starts_at, e.ends_at, " \
	"e.updated_at, e.all_day, e.sequence, e.organiser_id FROM events e "

static void read_event(struct sh_stmt *st, struct sh_arena *arena, struct sh_cal_event *e)
{
	e->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	e->title = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	e->description = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	e->location = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	e->status = sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
	e->starts_at = sh_event_time_of(sh_stmt_col_time(st, 5));
	e->ends_at = sh_stmt_col_is_null(st, 6) ? 0 : sh_event_time_of(sh_stmt_col_time(st, 6));
	e->updated_at = sh_event_time_of(sh_stmt_col_time(st, 7));
	e->all_day = sh_stmt_col_bool(st, 8);
	e->sequence = sh_stmt_col_int64(st, 9);
	e->organiser_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 10));
}

enum sh_db_rc sh_cal_event_get(struct sh_conn *conn, struct sh_arena *arena,
			       const struct sh_cal_viewer *viewer, const char *event_id,
			       struct sh_cal_event *e_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, COLUMNS "WHERE " VISIBLE " AND e.id = $3",
		SH_ARGS(SH_TEXT(viewer->id), SH_BOOL(viewer->admin), SH_TEXT(event_id)), &st);
	if (rc == SH_DB_ROW)
		read_event(st, arena, e_r);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_feed_events(struct sh_conn *conn, struct sh_arena *arena,
				 const struct sh_cal_viewer *viewer, sh_cal_event_fn *fn, void *ctx)
{
	/* An admin's feed is their agenda, not every event of the school: "$2" is false here,
	 * and an admin's own events come in as the organiser's. */
	struct sh_stmt *st = sh_query(
		conn,
		COLUMNS "WHERE e.status <> 'proposed' AND (" VISIBLE
			" OR EXISTS (SELECT 1 FROM event_registrations r WHERE r.event_id = e.id "
			"  AND r.user_id = $1) "
			" OR EXISTS (SELECT 1 FROM event_shifts s JOIN shift_volunteers v "
			"  ON v.shift_id = s.id WHERE s.event_id = e.id AND v.user_id = $1)) "
			"ORDER BY e.starts_at, e.id",
		SH_ARGS(SH_TEXT(viewer->id), SH_BOOL(false)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		struct sh_cal_event e;
		read_event(st, arena, &e);
		if (fn(&e, ctx) != 0) {
			rc = SH_DB_ERROR;
			break;
		}
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_feed_owner(struct sh_conn *conn, struct sh_arena *arena, const char *hash,
				struct sh_cal_viewer *viewer_r)
{
	/* The hash is looked up by the index: comparing hashes, never the token, leaks
	 * nothing of it through timing (an attacker cannot choose the bytes of a keyed hash). */
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT u.id, u.role FROM calendar_feeds f JOIN users u ON u.id = f.user_id "
		"WHERE f.token_hash = $1 AND u.active AND u.deleted_at IS NULL",
		SH_ARGS(SH_TEXT(hash)), &st);
	if (rc == SH_DB_ROW) {
		const char *role = sh_stmt_col_text(st, 1);
		viewer_r->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		viewer_r->admin = strcmp(role, "admin") == 0;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_feed_put(struct sh_conn *conn, const char *user_id, const char *hash,
			      const char *now)
{
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM calendar_feeds WHERE user_id = $1",
				   SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(
		conn,
		"INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
		SH_ARGS(SH_TEXT(user_id), SH_TEXT(hash), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_cal_feed_delete(struct sh_conn *conn, const char *user_id, int64_t *changed_r)
{
	return sh_exec(conn, "DELETE FROM calendar_feeds WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), changed_r);
}
