/* SQL for announcements and their acknowledgements. Written once; runs on SQLite and
 * PostgreSQL. */
#include "modules/announcements/announcement_queries.h"

#include <string.h>

#include "schoolhub/util.h"

/*
 * The rule of announcement_queries.h, in one place. Binds: $1 the viewer's id, $2 whether
 * they are an active teacher or admin, $3 whether they are an admin. A staff row counts
 * only for a staff role ($2), so a member demoted to parent staffs nothing.
 */
#define ADDRESSED                                                                         \
	"($3 OR a.author_id = $1 "                                                        \
	" OR EXISTS (SELECT 1 FROM announcement_children ac "                             \
	"  JOIN child_guardians g ON g.child_id = ac.child_id "                          \
	"  WHERE ac.announcement_id = a.id AND g.user_id = $1) "                         \
	" OR ($2 AND (a.audience_classes IS NULL OR EXISTS ("                            \
	"  SELECT 1 FROM announcement_classes k JOIN class_staff s ON s.class_name = k.class_name " \
	"  WHERE k.announcement_id = a.id AND s.user_id = $1))))"

/* -1 when the viewer ($1) has nothing to acknowledge (no acknowledgement asked, or no
 * child of theirs in the audience), 0 while a child of theirs is not covered, else 1. */
#define ACK_STATE                                                                         \
	"CASE WHEN NOT a.requires_ack THEN -1 "                                          \
	" WHEN NOT EXISTS (SELECT 1 FROM announcement_children ac "                      \
	"  JOIN child_guardians g ON g.child_id = ac.child_id "                          \
	"  WHERE ac.announcement_id = a.id AND g.user_id = $1) THEN -1 "                 \
	" WHEN EXISTS (SELECT 1 FROM announcement_children ac "                          \
	"  JOIN child_guardians g ON g.child_id = ac.child_id "                          \
	"  LEFT JOIN announcement_acks x ON x.announcement_id = ac.announcement_id "     \
	"   AND x.child_id = ac.child_id "                                               \
	"  WHERE ac.announcement_id = a.id AND g.user_id = $1 AND x.child_id IS NULL) THEN 0 " \
	" ELSE 1 END"

#define COLUMNS                                                                           \
	"SELECT a.id, a.title, a.body, a.audience_classes, a.requires_ack, a.created_at, "  \
	" CASE WHEN u.deleted_at IS NULL THEN u.id END, u.first_name, u.last_name, " ACK_STATE \
	" FROM announcements a JOIN users u ON u.id = a.author_id "

static void read_row(struct sh_stmt *st, struct sh_arena *arena, struct sh_announcement *a)
{
	a->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	a->title = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	a->body = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	const char *classes = sh_stmt_col_text(st, 3);
	a->classes = classes != NULL ? sh_arena_strdup(arena, classes) : NULL;
	a->requires_ack = sh_stmt_col_bool(st, 4);
	a->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 5));
	a->author_id = NULL;
	a->author_first_name = a->author_last_name = NULL;
	if (!sh_stmt_col_is_null(st, 6)) {
		a->author_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 6));
		a->author_first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 7));
		a->author_last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 8));
	}
	a->ack_state = (int)sh_stmt_col_int64(st, 9);
}

void sh_announcement_write(struct sh_jw *w, const struct sh_announcement *a)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", a->id);
	sh_jw_kstring(w, "title", a->title);
	sh_jw_kstring(w, "body", a->body);
	sh_jw_key(w, "audience");
	sh_jw_object_begin(w);
	if (a->classes == NULL) {
		sh_jw_kbool(w, "school", true);
	} else {
		sh_jw_key(w, "classes");
		sh_jw_array_begin(w);
		for (const char *p = a->classes; *p != '\0';) {
			size_t len = strcspn(p, ",");
			sh_jw_stringn(w, p, len);
			p += len;
			if (*p == ',')
				p++;
		}
		sh_jw_array_end(w);
	}
	sh_jw_object_end(w);
	sh_jw_kbool(w, "requires_ack", a->requires_ack);
	sh_jw_key(w, "author");
	if (a->author_id == NULL) {
		sh_jw_null(w);
	} else {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", a->author_id);
		sh_jw_kstring(w, "first_name", a->author_first_name);
		sh_jw_kstring(w, "last_name", a->author_last_name);
		sh_jw_object_end(w);
	}
	sh_jw_kstring(w, "created_at", a->created_at);
	sh_jw_key(w, "acknowledged");
	if (a->ack_state < 0)
		sh_jw_null(w);
	else
		sh_jw_bool(w, a->ack_state > 0);
	sh_jw_object_end(w);
}

enum sh_db_rc sh_ann_published_since(struct sh_conn *conn, struct sh_arena *arena,
				     const char *author_id, const char *since,
				     struct sh_window_tally *tally_r)
{
	return sh_query_window(conn, arena,
			       "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM announcements "
			       "WHERE author_id = $1 AND created_at > $2",
			       SH_ARGS(SH_TEXT(author_id), SH_TEXT(since)), tally_r);
}

enum sh_db_rc sh_ann_insert(struct sh_conn *conn, const struct sh_ann_new *a)
{
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO announcements (id, author_id, title, body, audience_classes, "
		"requires_ack, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		SH_ARGS(SH_TEXT(a->id), SH_TEXT(a->author_id), SH_TEXT(a->title), SH_TEXT(a->body),
			SH_TEXT(a->classes), SH_BOOL(a->requires_ack), SH_TEXT(a->now)),
		NULL);
	for (size_t i = 0; rc == SH_DB_OK && a->class_list != NULL && a->class_list[i] != NULL; i++)
		rc = sh_exec(conn,
			     "INSERT INTO announcement_classes (announcement_id, class_name) "
			     "VALUES ($1, $2)",
			     SH_ARGS(SH_TEXT(a->id), SH_TEXT(a->class_list[i])), NULL);
	if (rc != SH_DB_OK)
		return rc;
	/* The audience, frozen: the children in the classes at this moment (not those who
	 * left the school). */
	return sh_exec(conn,
		       "INSERT INTO announcement_children (announcement_id, child_id, class_name) "
		       "SELECT $1, c.id, c.class_name FROM children c WHERE c.left_at IS NULL "
		       "AND ($2 OR c.class_name IN (SELECT k.class_name FROM announcement_classes k "
		       " WHERE k.announcement_id = $1))",
		       SH_ARGS(SH_TEXT(a->id), SH_BOOL(a->class_list == NULL)), NULL);
}

/* The binds of ADDRESSED and ACK_STATE ($1..$3), then the query's own. */
#define VIEWER_ARGS(v, ...) SH_ARGS(SH_TEXT((v)->id), SH_BOOL((v)->staff), SH_BOOL((v)->admin), __VA_ARGS__)

enum sh_db_rc sh_ann_get(struct sh_conn *conn, struct sh_arena *arena,
			 const struct sh_ann_viewer *viewer, const char *id,
			 struct sh_announcement *out)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, COLUMNS "WHERE a.id = $4 AND " ADDRESSED,
					VIEWER_ARGS(viewer, SH_TEXT(id)),
					&st);
	if (rc == SH_DB_ROW)
		read_row(st, arena, out);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_ann_list(struct sh_conn *conn, struct sh_arena *arena,
			  const struct sh_ann_viewer *viewer, const char *after_time,
			  const char *after_id, int limit, struct sh_announcement **items_r,
			  int *count_r)
{
	struct sh_stmt *st;
	if (after_time == NULL)
		st = sh_query(conn, COLUMNS "WHERE " ADDRESSED
				   " ORDER BY a.created_at DESC, a.id DESC LIMIT $4",
			      VIEWER_ARGS(viewer, SH_INT(limit + 1)));
	else
		st = sh_query(conn, COLUMNS "WHERE " ADDRESSED
				   " AND (a.created_at < $4 OR (a.created_at = $4 AND a.id < $5))"
				   " ORDER BY a.created_at DESC, a.id DESC LIMIT $6",
			      VIEWER_ARGS(viewer, SH_TEXT(after_time), SH_TEXT(after_id),
					  SH_INT(limit + 1)));
	struct sh_announcement *items = sh_arena_alloc(arena, sizeof(*items) * (size_t)(limit + 1));
	int n = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW && n <= limit)
		read_row(st, arena, &items[n++]);
	sh_stmt_free(&st);
	if (rc == SH_DB_ROW)
		rc = SH_DB_OK; /* cannot happen with LIMIT; never read past the array */
	*items_r = items;
	*count_r = n;
	return rc;
}

enum sh_db_rc sh_ann_ack(struct sh_conn *conn, const char *id, const char *user_id,
			 const char *now, int64_t *added_r)
{
	return sh_exec(conn,
		       "INSERT INTO announcement_acks (announcement_id, child_id, user_id, acked_at) "
		       "SELECT ac.announcement_id, ac.child_id, $2, $3 FROM announcement_children ac "
		       "JOIN child_guardians g ON g.child_id = ac.child_id AND g.user_id = $2 "
		       "WHERE ac.announcement_id = $1 "
		       "ON CONFLICT (announcement_id, child_id) DO NOTHING",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(now)), added_r);
}

enum sh_db_rc sh_ann_guards_audience(struct sh_conn *conn, const char *id, const char *user_id)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT 1 FROM announcement_children ac "
					"JOIN child_guardians g ON g.child_id = ac.child_id "
					"WHERE ac.announcement_id = $1 AND g.user_id = $2",
					SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), &st);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_ann_tally(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			   struct sh_ann_tally_item **items_r, size_t *count_r)
{
	int64_t total = 0;
	enum sh_db_rc rc = sh_query_int64(
		conn, "SELECT COUNT(*) FROM announcement_children WHERE announcement_id = $1",
		SH_ARGS(SH_TEXT(id)), &total);
	if (rc != SH_DB_OK && rc != SH_DB_ROW)
		return rc;
	struct sh_ann_tally_item *items = sh_arena_alloc(arena, sizeof(*items) * (size_t)(total + 1));
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT c.id, c.first_name, c.last_name, ac.class_name, x.acked_at, "
		" CASE WHEN u.deleted_at IS NULL THEN u.id END, u.first_name, u.last_name "
		"FROM announcement_children ac JOIN children c ON c.id = ac.child_id "
		"JOIN classes k ON k.name = ac.class_name "
		"LEFT JOIN announcement_acks x ON x.announcement_id = ac.announcement_id "
		" AND x.child_id = ac.child_id "
		"LEFT JOIN users u ON u.id = x.user_id "
		"WHERE ac.announcement_id = $1 "
		"ORDER BY k.position, c.last_name, c.first_name, c.id",
		SH_ARGS(SH_TEXT(id)));
	size_t n = 0;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW && n < (size_t)total) {
		struct sh_ann_tally_item *t = &items[n++];
		memset(t, 0, sizeof(*t));
		t->child_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		t->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		t->last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		t->class_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
		t->acknowledged = !sh_stmt_col_is_null(st, 4);
		if (t->acknowledged)
			t->at = sh_arena_strdup(arena, sh_stmt_col_time(st, 4));
		if (!sh_stmt_col_is_null(st, 5)) {
			t->by_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
			t->by_first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 6));
			t->by_last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 7));
		}
	}
	sh_stmt_free(&st);
	if (rc == SH_DB_ROW)
		rc = SH_DB_OK; /* same snapshot: the count and the rows agree */
	*items_r = items;
	*count_r = n;
	return rc;
}

enum sh_db_rc sh_ann_export(struct sh_conn *conn, const char *user_id, json_t *authored,
			    json_t *acks)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT id, title, body, audience_classes, requires_ack, "
				      "created_at FROM announcements WHERE author_id = $1 "
				      "ORDER BY created_at, id",
				      SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *classes = sh_stmt_col_text(st, 3);
		json_array_append_new(
			authored,
			json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s}", "id", sh_stmt_col_text(st, 0),
				  "title", sh_stmt_col_text(st, 1), "body", sh_stmt_col_text(st, 2),
				  "audience_classes", classes, "requires_ack", sh_stmt_col_bool(st, 4),
				  "created_at", sh_stmt_col_time(st, 5)));
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK)
		return rc;
	st = sh_query(conn,
		      "SELECT x.announcement_id, a.title, x.child_id, c.first_name, x.acked_at "
		      "FROM announcement_acks x JOIN announcements a ON a.id = x.announcement_id "
		      "JOIN children c ON c.id = x.child_id WHERE x.user_id = $1 "
		      "ORDER BY x.acked_at, x.announcement_id, x.child_id",
		      SH_ARGS(SH_TEXT(user_id)));
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			acks, json_pack("{s:s, s:s, s:s, s:s, s:s}", "announcement_id",
					sh_stmt_col_text(st, 0), "title", sh_stmt_col_text(st, 1),
					"child_id", sh_stmt_col_text(st, 2), "child_first_name",
					sh_stmt_col_text(st, 3), "acknowledged_at", sh_stmt_col_time(st, 4)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_ann_erase_user(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn, "UPDATE announcement_acks SET user_id = NULL WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
