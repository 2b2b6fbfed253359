/* SQL for events, written once for SQLite and PostgreSQL (events.h says who sees what). */
#include <string.h>

#include "modules/events/events.h"
#include "modules/messages/membership_sql.h"

/*
 * The visibility rule of events.h, in one place. Binds: $1 the viewer's id, $2 whether
 * they are an admin. Class membership is the rule of class conversations.
 */
#define VISIBLE                                                                             \
	"($2 OR e.organiser_id = $1 OR (e.status <> 'proposed' AND (e.audience = 'school' " \
	" OR EXISTS (SELECT 1 FROM event_classes ec WHERE ec.event_id = e.id AND "          \
	" ec.class_name IN (" SH_CLASSES_OF_MEMBER("$1") ")))))"

/*
 * The same rule for the agenda, which reads many events: the member's classes are read
 * once, first (the "mine" CTE, MATERIALIZED so neither planner inlines it), and each event
 * of the window tests them with a probe of its own event_classes rows (primary key). With
 * VISIBLE's form, PostgreSQL turns the EXISTS inside the OR into a hashed SubPlan over every
 * event of the member's classes (a sequential scan of event_classes per query, growing with
 * the school's history); the correlation here sits in a JOIN's ON, which it does not hash
 * (EXPLAINs in docs/PERFORMANCE.md, events).
 */
#define MY_CLASSES "WITH mine (class_name) AS MATERIALIZED (" SH_CLASSES_OF_MEMBER("$1") ") "
#define VISIBLE_TO_MINE                                                                     \
	"($2 OR e.organiser_id = $1 OR (e.status <> 'proposed' AND (e.audience = 'school' " \
	" OR EXISTS (SELECT 1 FROM mine JOIN event_classes ec ON ec.event_id = e.id "       \
	" AND ec.class_name = mine.class_name))))"

#define COLUMNS                                                                                  \
	"SELECT e.id, e.title, e.description, e.location, e.starts_at, e.ends_at, e.all_day, "   \
	" e.status, e.sequence, CASE WHEN u.deleted_at IS NULL THEN u.id END, u.first_name, "    \
	" u.last_name, e.classes, e.signup, e.capacity, e.seats_taken, "                         \
	" (SELECT COUNT(*) FROM event_registrations w WHERE w.event_id = e.id "                  \
	"  AND w.status = 'waiting'), e.signup_deadline, e.cancel_reason, e.created_at, "        \
	" e.updated_at, r.status, r.adults, r.children, "                                        \
	" CASE WHEN r.status = 'waiting' THEN (SELECT COUNT(*) FROM event_registrations w2 "     \
	"  WHERE w2.event_id = e.id AND w2.status = 'waiting' AND w2.arrival <= r.arrival) END " \
	" FROM events e JOIN users u ON u.id = e.organiser_id "                                  \
	" LEFT JOIN event_registrations r ON r.event_id = e.id AND r.user_id = $1 "

struct sh_event_viewer sh_event_viewer_of(const struct sh_request *req)
{
	return (struct sh_event_viewer){
		.id = req->user.id,
		.admin = req->user.role == SH_ROLE_ADMIN,
		.staff = (req->user.role & (SH_ROLE_TEACHER | SH_ROLE_ADMIN)) != 0,
	};
}

static const char *dup_or_null(struct sh_arena *arena, const char *s)
{
	return s != NULL ? sh_arena_strdup(arena, s) : NULL;
}

static void read_row(struct sh_stmt *st, struct sh_arena *arena, struct sh_event *e)
{
	e->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	e->title = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	e->description = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	e->location = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	e->starts_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 4));
	e->ends_at = dup_or_null(arena, sh_stmt_col_time(st, 5));
	e->all_day = sh_stmt_col_bool(st, 6);
	e->status = sh_arena_strdup(arena, sh_stmt_col_text(st, 7));
	e->sequence = sh_stmt_col_int64(st, 8);
	e->organiser_id = dup_or_null(arena, sh_stmt_col_text(st, 9));
	e->organiser_first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 10));
	e->organiser_last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 11));
	e->classes = dup_or_null(arena, sh_stmt_col_text(st, 12));
	e->signup = sh_arena_strdup(arena, sh_stmt_col_text(st, 13));
	e->capacity = sh_stmt_col_is_null(st, 14) ? -1 : sh_stmt_col_int64(st, 14);
	e->seats_taken = sh_stmt_col_int64(st, 15);
	e->waiting = sh_stmt_col_int64(st, 16);
	e->signup_deadline = dup_or_null(arena, sh_stmt_col_time(st, 17));
	e->cancel_reason = dup_or_null(arena, sh_stmt_col_text(st, 18));
	e->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 19));
	e->updated_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 20));
	e->reg_status = dup_or_null(arena, sh_stmt_col_text(st, 21));
	e->reg_adults = sh_stmt_col_int64(st, 22);
	e->reg_children = sh_stmt_col_int64(st, 23);
	e->reg_position = sh_stmt_col_is_null(st, 24) ? 0 : sh_stmt_col_int64(st, 24);
}

enum sh_db_rc sh_event_get(struct sh_conn *conn, struct sh_arena *arena,
			   const struct sh_event_viewer *viewer, const char *id, struct sh_event *e)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, COLUMNS "WHERE e.id = $3 AND " VISIBLE,
		SH_ARGS(SH_TEXT(viewer->id), SH_BOOL(viewer->admin), SH_TEXT(id)), &st);
	if (rc == SH_DB_ROW)
		read_row(st, arena, e);
	sh_stmt_free(&st);
	return rc;
}

static void write_nullable(struct sh_jw *w, const char *key, const char *value)
{
	sh_jw_key(w, key);
	if (value != NULL)
		sh_jw_string(w, value);
	else
		sh_jw_null(w);
}

static void write_audience(struct sh_jw *w, const char *classes)
{
	sh_jw_key(w, "audience");
	sh_jw_object_begin(w);
	if (classes == NULL) {
		sh_jw_kbool(w, "school", true);
	} else {
		sh_jw_key(w, "classes");
		sh_jw_array_begin(w);
		for (const char *p = classes; *p != '\0';) {
			size_t len = strcspn(p, ",");
			sh_jw_stringn(w, p, len);
			p += len + (p[len] == ',');
		}
		sh_jw_array_end(w);
	}
	sh_jw_object_end(w);
}

static void write_registration(struct sh_jw *w, const struct sh_event *e)
{
	sh_jw_key(w, "registration");
	if (e->reg_status == NULL) {
		sh_jw_null(w);
		return;
	}
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "status", e->reg_status);
	sh_jw_kint(w, "adults", e->reg_adults);
	sh_jw_kint(w, "children", e->reg_children);
	sh_jw_key(w, "position");
	if (e->reg_position > 0)
		sh_jw_int(w, e->reg_position);
	else
		sh_jw_null(w);
	sh_jw_object_end(w);
}

void sh_event_write(struct sh_jw *w, const struct sh_event *e, const struct sh_event_viewer *v)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", e->id);
	sh_jw_kstring(w, "title", e->title);
	sh_jw_kstring(w, "description", e->description);
	sh_jw_kstring(w, "location", e->location);
	sh_jw_kstring(w, "starts_at", e->starts_at);
	write_nullable(w, "ends_at", e->ends_at);
	sh_jw_kbool(w, "all_day", e->all_day);
	sh_jw_kstring(w, "status", e->status);
	sh_jw_kint(w, "sequence", e->sequence);
	write_audience(w, e->classes);
	sh_jw_kstring(w, "signup", e->signup);
	sh_jw_key(w, "capacity");
	if (e->capacity >= 0)
		sh_jw_int(w, e->capacity);
	else
		sh_jw_null(w);
	sh_jw_kint(w, "seats_taken", e->seats_taken);
	sh_jw_kint(w, "waiting", e->waiting);
	write_nullable(w, "signup_deadline", e->signup_deadline);
	write_nullable(w, "cancel_reason", e->cancel_reason);
	sh_jw_key(w, "organiser");
	if (e->organiser_id == NULL) {
		sh_jw_null(w);
	} else {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", e->organiser_id);
		sh_jw_kstring(w, "first_name", e->organiser_first_name);
		sh_jw_kstring(w, "last_name", e->organiser_last_name);
		sh_jw_object_end(w);
	}
	sh_jw_kbool(w, "can_manage",
		    v->admin || (e->organiser_id != NULL && strcmp(e->organiser_id, v->id) == 0));
	write_registration(w, e);
	sh_jw_kstring(w, "created_at", e->created_at);
	sh_jw_kstring(w, "updated_at", e->updated_at);
	sh_jw_object_end(w);
}

/* Bounds that let every optional filter be bound (no NULL parameter whose type
 * PostgreSQL would have to guess). */
#define NO_START "1900-01-01T00:00:00Z"
#define NO_END "9999-12-31T23:59:59Z"
#define NO_ID "00000000-0000-0000-0000-000000000000"

enum sh_db_rc sh_event_list(struct sh_conn *conn, struct sh_arena *arena,
			    const struct sh_event_viewer *viewer, const struct sh_event_filter *f,
			    struct sh_event **items_r, int *count_r)
{
	static const char agenda[] = MY_CLASSES COLUMNS
		"WHERE e.status IN ('published', 'cancelled') AND " VISIBLE_TO_MINE
		" AND e.starts_at >= $3 AND e.starts_at < $4 AND ($5 = '' OR EXISTS ("
		" SELECT 1 FROM event_classes ek WHERE ek.event_id = e.id AND "
		" ek.class_name = $5)) AND (e.starts_at > $6 OR (e.starts_at = $6 AND "
		" e.id > $7)) ORDER BY e.starts_at, e.id LIMIT $8";
	static const char proposals[] = MY_CLASSES COLUMNS
		"WHERE e.status = 'proposed' AND " VISIBLE_TO_MINE
		" AND e.starts_at >= $3 AND e.starts_at < $4 AND ($5 = '' OR EXISTS ("
		" SELECT 1 FROM event_classes ek WHERE ek.event_id = e.id AND "
		" ek.class_name = $5)) AND (e.starts_at > $6 OR (e.starts_at = $6 AND "
		" e.id > $7)) ORDER BY e.starts_at, e.id LIMIT $8";
	struct sh_event *items = sh_arena_alloc(arena, sizeof(*items) * (size_t)(f->limit + 1));
	struct sh_stmt *st = sh_query(
		conn, f->proposed ? proposals : agenda,
		SH_ARGS(SH_TEXT(viewer->id), SH_BOOL(viewer->admin),
			SH_TEXT(f->from ? f->from : NO_START), SH_TEXT(f->to ? f->to : NO_END),
			SH_TEXT(f->class_name ? f->class_name : ""),
			SH_TEXT(f->after_start ? f->after_start : NO_START),
			SH_TEXT(f->after_id ? f->after_id : NO_ID), SH_INT(f->limit + 1)));
	int n = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW && n <= f->limit)
		read_row(st, arena, &items[n++]);
	sh_stmt_free(&st);
	*items_r = items;
	*count_r = n;
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

static enum sh_db_rc write_classes(struct sh_conn *conn, const char *id,
				   const struct sh_event_input *in)
{
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM event_classes WHERE event_id = $1",
				   SH_ARGS(SH_TEXT(id)), NULL);
	for (int i = 0; rc == SH_DB_OK && !in->school && i < SH_CLASS_COUNT; i++)
		if (in->classes & SH_CLASS_BIT(i))
			rc = sh_exec(
				conn,
				"INSERT INTO event_classes (event_id, class_name) VALUES ($1, $2)",
				SH_ARGS(SH_TEXT(id), SH_TEXT(sh_class_names[i])), NULL);
	return rc;
}

/* A time as stored text, NULL for 0 (none); "buf" holds SH_TIME_LEN + 1 bytes. */
static const char *time_or_null(time_t t, char *buf)
{
	if (t == 0)
		return NULL;
	sh_time_format(t, buf);
	return buf;
}

enum sh_db_rc sh_event_insert(struct sh_conn *conn, const char *id, const char *organiser_id,
			      const struct sh_event_input *in, const char *status, const char *now)
{
	char starts[SH_TIME_LEN + 1], ends[SH_TIME_LEN + 1], deadline[SH_TIME_LEN + 1];
	sh_time_format(in->starts, starts);
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO events (id, title, description, location, starts_at, ends_at, all_day, "
		" status, sequence, organiser_id, audience, classes, signup, capacity, seats_taken, "
		" signup_deadline, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
		" 0, $9, $10, $11, $12, $13, 0, $14, $15, $15)",
		SH_ARGS(SH_TEXT(id), SH_TEXT(in->title),
			SH_TEXT(in->description ? in->description : ""),
			SH_TEXT(in->location ? in->location : ""), SH_TEXT(starts),
			SH_TEXT(time_or_null(in->ends, ends)), SH_BOOL(in->all_day),
			SH_TEXT(status), SH_TEXT(organiser_id),
			SH_TEXT(in->school ? "school" : "classes"),
			SH_TEXT(in->school ? NULL : in->class_text),
			SH_TEXT(in->signup ? in->signup : "none"),
			in->capacity >= 0 ? SH_INT(in->capacity) : SH_NULL,
			SH_TEXT(time_or_null(in->deadline, deadline)), SH_TEXT(now)),
		NULL);
	return rc == SH_DB_OK ? write_classes(conn, id, in) : rc;
}

enum sh_db_rc sh_event_update(struct sh_conn *conn, const char *id, const struct sh_event_input *in,
			      bool time_changed, const char *now)
{
	char starts[SH_TIME_LEN + 1], ends[SH_TIME_LEN + 1], deadline[SH_TIME_LEN + 1];
	sh_time_format(in->starts, starts);
	enum sh_db_rc rc = sh_exec(
		conn,
		"UPDATE events SET title = $2, description = $3, location = $4, starts_at = $5, "
		" ends_at = $6, all_day = $7, audience = $8, classes = $9, signup = $10, "
		" capacity = $11, signup_deadline = $12, sequence = sequence + $13, updated_at = $14 "
		" WHERE id = $1",
		SH_ARGS(SH_TEXT(id), SH_TEXT(in->title), SH_TEXT(in->description),
			SH_TEXT(in->location), SH_TEXT(starts),
			SH_TEXT(time_or_null(in->ends, ends)), SH_BOOL(in->all_day),
			SH_TEXT(in->school ? "school" : "classes"),
			SH_TEXT(in->school ? NULL : in->class_text), SH_TEXT(in->signup),
			in->capacity >= 0 ? SH_INT(in->capacity) : SH_NULL,
			SH_TEXT(time_or_null(in->deadline, deadline)), SH_INT(time_changed ? 1 : 0),
			SH_TEXT(now)),
		NULL);
	return rc == SH_DB_OK ? write_classes(conn, id, in) : rc;
}

enum sh_db_rc sh_event_lock(struct sh_conn *conn, struct sh_arena *arena,
			    const struct sh_event_viewer *viewer, const char *id,
			    struct sh_event_lock *l)
{
#define LOCK_SQL                                                                              \
	"SELECT e.status, e.signup, e.organiser_id, e.capacity, e.seats_taken, e.starts_at, " \
	" e.ends_at, e.signup_deadline, e.title, " VISIBLE " FROM events e WHERE e.id = $3"
	bool pg = sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES;
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, pg ? LOCK_SQL " FOR UPDATE" : LOCK_SQL,
		SH_ARGS(SH_TEXT(viewer->id), SH_BOOL(viewer->admin), SH_TEXT(id)), &st);
#undef LOCK_SQL
	if (rc == SH_DB_ROW) {
		l->status = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		l->signup = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		l->organiser_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		l->capacity = sh_stmt_col_is_null(st, 3) ? -1 : sh_stmt_col_int64(st, 3);
		l->seats_taken = sh_stmt_col_int64(st, 4);
		l->starts = sh_event_time_of(sh_stmt_col_time(st, 5));
		l->ends = sh_event_time_of(sh_stmt_col_time(st, 6));
		l->deadline = sh_event_time_of(sh_stmt_col_time(st, 7));
		l->title = sh_arena_strdup(arena, sh_stmt_col_text(st, 8));
		l->visible = sh_stmt_col_bool(st, 9);
	}
	sh_stmt_free(&st);
	return rc;
}
