/*
 * SQL of volunteer shifts. "volunteers" on the shift counts its volunteers and is kept by
 * the same statements that add and remove one; its CHECK (volunteers <= slots) and the
 * WHERE of the increment make a full shift refuse the next volunteer under any
 * concurrency (the SEL's limits are written the same way).
 */
#include "modules/calendar/calendar.h"

#include "schoolhub/json_writer.h"

#define SHIFT_COLUMNS                                                                         \
	"SELECT s.id, s.event_id, s.title, s.starts_at, s.ends_at, s.slots, s.reward_units, " \
	"s.volunteers, v.user_id IS NOT NULL, v.attended_at IS NOT NULL FROM event_shifts s " \
	"LEFT JOIN shift_volunteers v ON v.shift_id = s.id AND v.user_id = $2 "

static void read_shift(struct sh_stmt *st, struct sh_arena *arena, struct sh_cal_shift *s)
{
	s->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	s->event_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	s->title = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	s->starts_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 3));
	s->ends_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 4));
	s->slots = sh_stmt_col_int64(st, 5);
	s->reward_units = sh_stmt_col_int64(st, 6);
	s->volunteers = sh_stmt_col_int64(st, 7);
	s->volunteered = sh_stmt_col_bool(st, 8);
	s->attended = sh_stmt_col_bool(st, 9);
}

void sh_cal_shift_write(struct sh_jw *w, const struct sh_cal_shift *s)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", s->id);
	sh_jw_kstring(w, "event_id", s->event_id);
	sh_jw_kstring(w, "title", s->title);
	sh_jw_kstring(w, "starts_at", s->starts_at);
	sh_jw_kstring(w, "ends_at", s->ends_at);
	sh_jw_kint(w, "slots", s->slots);
	sh_jw_kint(w, "volunteers", s->volunteers);
	sh_jw_kint(w, "reward_units", s->reward_units);
	sh_jw_kbool(w, "volunteered", s->volunteered);
	sh_jw_kbool(w, "attended", s->attended);
	sh_jw_object_end(w);
}

enum sh_db_rc sh_cal_shift_insert(struct sh_conn *conn, const struct sh_cal_shift *s,
				  const char *created_by, const char *now)
{
	return sh_exec(conn,
		       "INSERT INTO event_shifts (id, event_id, title, starts_at, ends_at, slots, "
		       "reward_units, volunteers, created_by, created_at) "
		       "VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
		       SH_ARGS(SH_TEXT(s->id), SH_TEXT(s->event_id), SH_TEXT(s->title),
			       SH_TEXT(s->starts_at), SH_TEXT(s->ends_at), SH_INT(s->slots),
			       SH_INT(s->reward_units), SH_TEXT(created_by), SH_TEXT(now)),
		       NULL);
}

enum sh_db_rc sh_cal_shift_get(struct sh_conn *conn, struct sh_arena *arena, const char *event_id,
			       const char *shift_id, const char *viewer_id,
			       struct sh_cal_shift *s_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, SHIFT_COLUMNS "WHERE s.event_id = $1 AND s.id = $3",
		SH_ARGS(SH_TEXT(event_id), SH_TEXT(viewer_id), SH_TEXT(shift_id)), &st);
	if (rc == SH_DB_ROW)
		read_shift(st, arena, s_r);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_shifts_write(struct sh_conn *conn, struct sh_arena *arena,
				  const char *event_id, const char *viewer_id, struct sh_jw *items)
{
	struct sh_stmt *st = sh_query(conn,
				      SHIFT_COLUMNS "WHERE s.event_id = $1 "
						    "ORDER BY s.starts_at, s.id",
				      SH_ARGS(SH_TEXT(event_id), SH_TEXT(viewer_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		struct sh_cal_shift s;
		read_shift(st, arena, &s);
		sh_cal_shift_write(items, &s);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_shifts_append(struct sh_conn *conn, struct sh_arena *arena,
				   const char *event_id, const char *viewer_id, struct sh_jw *w)
{
	/* The object the events module wrote is complete: its last byte is its "}". */
	if (w->out.len == 0 || w->out.data[w->out.len - 1] != '}')
		return SH_DB_ERROR;
	w->out.len--;
	w->need_comma = true;
	sh_jw_key(w, "shifts");
	sh_jw_array_begin(w);
	enum sh_db_rc rc = sh_cal_shifts_write(conn, arena, event_id, viewer_id, w);
	sh_jw_array_end(w);
	sh_jw_object_end(w);
	return rc;
}

enum sh_db_rc sh_cal_volunteers_write(struct sh_conn *conn, const char *shift_id,
				      struct sh_jw *items)
{
	/* An erased member's confirmed row stays (its reward is in the ledger): shown without
	 * a name, as the events module's registration list does. */
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT CASE WHEN u.deleted_at IS NULL THEN u.id END, u.first_name, u.last_name, "
		"v.created_at, v.attended_at IS NOT NULL, v.reward_tx_id FROM shift_volunteers v "
		"LEFT JOIN users u ON u.id = v.user_id WHERE v.shift_id = $1 "
		"ORDER BY v.created_at, v.user_id",
		SH_ARGS(SH_TEXT(shift_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		bool member = !sh_stmt_col_is_null(st, 0);
		sh_jw_object_begin(items);
		sh_jw_kstring(items, "id", member ? sh_stmt_col_text(st, 0) : NULL);
		sh_jw_kstring(items, "first_name", member ? sh_stmt_col_text(st, 1) : NULL);
		sh_jw_kstring(items, "last_name", member ? sh_stmt_col_text(st, 2) : NULL);
		sh_jw_kstring(items, "signed_up_at", sh_stmt_col_time(st, 3));
		sh_jw_kbool(items, "attendance_confirmed", sh_stmt_col_bool(st, 4));
		sh_jw_kstring(items, "reward_transaction_id",
			      sh_stmt_col_is_null(st, 5) ? NULL : sh_stmt_col_text(st, 5));
		sh_jw_object_end(items);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_volunteer_join(struct sh_conn *conn, const char *shift_id, const char *user_id,
				    const char *now)
{
	enum sh_db_rc rc = sh_exec(conn,
				   "INSERT INTO shift_volunteers (shift_id, user_id, created_at) "
				   "VALUES ($1, $2, $3)",
				   SH_ARGS(SH_TEXT(shift_id), SH_TEXT(user_id), SH_TEXT(now)),
				   NULL);
	if (rc != SH_DB_OK)
		return rc;
	int64_t changed = 0;
	rc = sh_exec(conn,
		     "UPDATE event_shifts SET volunteers = volunteers + 1 "
		     "WHERE id = $1 AND volunteers < slots",
		     SH_ARGS(SH_TEXT(shift_id)), &changed);
	if (rc != SH_DB_OK)
		return rc;
	return changed == 1 ? SH_DB_ROW : SH_DB_OK;
}

enum sh_db_rc sh_cal_volunteer_leave(struct sh_conn *conn, const char *shift_id,
				     const char *user_id, int64_t *changed_r)
{
	enum sh_db_rc rc =
		sh_exec(conn,
			"DELETE FROM shift_volunteers WHERE shift_id = $1 AND user_id = $2 "
			"AND attended_at IS NULL",
			SH_ARGS(SH_TEXT(shift_id), SH_TEXT(user_id)), changed_r);
	if (rc != SH_DB_OK || *changed_r == 0)
		return rc;
	return sh_exec(conn, "UPDATE event_shifts SET volunteers = volunteers - 1 WHERE id = $1",
		       SH_ARGS(SH_TEXT(shift_id)), NULL);
}

enum sh_db_rc sh_cal_volunteer_confirm(struct sh_conn *conn, const char *shift_id,
				       const char *user_id, const char *now, bool *is_volunteer_r)
{
	int64_t changed = 0, one;
	enum sh_db_rc rc =
		sh_exec(conn,
			"UPDATE shift_volunteers SET attended_at = $3 WHERE shift_id = $1 "
			"AND user_id = $2 AND attended_at IS NULL",
			SH_ARGS(SH_TEXT(shift_id), SH_TEXT(user_id), SH_TEXT(now)), &changed);
	if (rc != SH_DB_OK)
		return rc;
	*is_volunteer_r = true;
	if (changed == 1)
		return SH_DB_ROW;
	rc = sh_query_int64(conn,
			    "SELECT 1 FROM shift_volunteers WHERE shift_id = $1 AND user_id = $2",
			    SH_ARGS(SH_TEXT(shift_id), SH_TEXT(user_id)), &one);
	if (rc == SH_DB_OK)
		*is_volunteer_r = false;
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

enum sh_db_rc sh_cal_volunteer_rewarded(struct sh_conn *conn, const char *shift_id,
					const char *user_id, const char *tx_id)
{
	return sh_exec(conn,
		       "UPDATE shift_volunteers SET reward_tx_id = $3 WHERE shift_id = $1 "
		       "AND user_id = $2",
		       SH_ARGS(SH_TEXT(shift_id), SH_TEXT(user_id), SH_TEXT(tx_id)), NULL);
}

enum sh_db_rc sh_cal_shifts_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT s.id, s.event_id, e.title, s.title, s.starts_at, s.ends_at, s.reward_units, "
		"v.created_at, v.attended_at, v.reward_tx_id FROM shift_volunteers v "
		"JOIN event_shifts s ON s.id = v.shift_id JOIN events e ON e.id = s.event_id "
		"WHERE v.user_id = $1 ORDER BY s.starts_at, s.id",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			items,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s?, s:s?}",
				  "shift_id", sh_stmt_col_text(st, 0), "event_id",
				  sh_stmt_col_text(st, 1), "event_title", sh_stmt_col_text(st, 2),
				  "title", sh_stmt_col_text(st, 3), "starts_at",
				  sh_stmt_col_time(st, 4), "ends_at", sh_stmt_col_time(st, 5),
				  "reward_units", (json_int_t)sh_stmt_col_int64(st, 6),
				  "volunteered_at", sh_stmt_col_time(st, 7), "attended_at",
				  sh_stmt_col_is_null(st, 8) ? NULL : sh_stmt_col_time(st, 8),
				  "reward_transaction_id", sh_stmt_col_text(st, 9)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_cal_erase_user(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	/* Shifts not yet confirmed free their places; confirmed ones stay (their reward is in
	 * the ledger, whose member becomes a pseudonym with the users row). The feed goes. */
	enum sh_db_rc rc =
		sh_exec(conn,
			"UPDATE event_shifts SET volunteers = volunteers - 1 WHERE id IN "
			"(SELECT shift_id FROM shift_volunteers WHERE user_id = $1 "
			"AND attended_at IS NULL)",
			SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc == SH_DB_OK)
		rc = sh_exec(
			conn,
			"DELETE FROM shift_volunteers WHERE user_id = $1 AND attended_at IS NULL",
			SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn, "DELETE FROM calendar_feeds WHERE user_id = $1",
			     SH_ARGS(SH_TEXT(user_id)), NULL);
	return rc;
}
