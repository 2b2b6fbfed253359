/* SQL for classes and their staff. Written once; runs on SQLite and PostgreSQL. */
#include "modules/classes/class_queries.h"

#include <string.h>

#include "schoolhub/util.h"

/* The rule of classes.h, in one place: a staff row counts while its account is an active
 * teacher or admin. */
#define STAFF_ACCOUNT "u.active AND u.deleted_at IS NULL AND u.role IN ('teacher', 'admin')"

const char *const sh_class_names[SH_CLASS_COUNT] = {"M1", "M2", "M3", "P1", "P2",
						    "P3", "P4", "P5", "P6"};

int sh_class_index(const char *name)
{
	for (int i = 0; name != NULL && i < SH_CLASS_COUNT; i++)
		if (strcmp(name, sh_class_names[i]) == 0)
			return i;
	return -1;
}

enum sh_db_rc sh_classes_staffed_by(struct sh_conn *conn, const char *user_id,
				    sh_class_set *set_r)
{
	*set_r = 0;
	char id[SH_UUID_LEN + 1];
	if (!sh_uuid_normalize(user_id, id))
		return SH_DB_OK;
	struct sh_stmt *st = sh_query(conn,
				      "SELECT s.class_name FROM class_staff s "
				      "JOIN users u ON u.id = s.user_id "
				      "WHERE s.user_id = $1 AND " STAFF_ACCOUNT,
				      SH_ARGS(SH_TEXT(id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int i = sh_class_index(sh_stmt_col_text(st, 0));
		if (i >= 0)
			*set_r |= SH_CLASS_BIT(i);
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK)
		*set_r = 0; /* fail closed: no half-read set */
	return rc;
}

enum sh_db_rc sh_class_staff_has(struct sh_conn *conn, const char *class_name,
				 const char *user_id)
{
	char id[SH_UUID_LEN + 1];
	if (sh_class_index(class_name) < 0 || !sh_uuid_normalize(user_id, id))
		return SH_DB_OK;
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT 1 FROM class_staff s JOIN users u ON u.id = s.user_id "
					"WHERE s.class_name = $1 AND s.user_id = $2 AND " STAFF_ACCOUNT,
					SH_ARGS(SH_TEXT(class_name), SH_TEXT(id)), &st);
	sh_stmt_free(&st);
	return rc;
}

/* Appends each class's staff, by name, to "out". */
static enum sh_db_rc staff_read(struct sh_conn *conn, struct sh_arena *arena,
				struct sh_class_summary out[SH_CLASS_COUNT])
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT s.class_name, u.id, u.first_name, u.last_name "
				      "FROM class_staff s JOIN users u ON u.id = s.user_id "
				      "WHERE " STAFF_ACCOUNT " "
				      "ORDER BY u.last_name, u.first_name, u.id",
				      SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int i = sh_class_index(sh_stmt_col_text(st, 0));
		if (i < 0) {
			rc = SH_DB_ERROR; /* the schema's CHECK makes this impossible */
			break;
		}
		struct sh_class_staff *m = sh_arena_alloc(arena, sizeof(*m));
		m->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		m->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		m->last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
		if (out[i].staff_last != NULL)
			out[i].staff_last->next = m;
		else
			out[i].staff = m;
		out[i].staff_last = m;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_class_summaries_read(struct sh_conn *conn, struct sh_arena *arena,
				      struct sh_class_summary out[SH_CLASS_COUNT])
{
	int64_t children[SH_CLASS_COUNT], families[SH_CLASS_COUNT];
	memset(out, 0, sizeof(*out) * SH_CLASS_COUNT);
	enum sh_db_rc rc = sh_class_counts_read(conn, arena, children, families);
	if (rc != SH_DB_OK)
		return rc;
	for (int i = 0; i < SH_CLASS_COUNT; i++) {
		out[i].name = sh_class_names[i];
		out[i].children = children[i];
		out[i].families = families[i];
	}
	return staff_read(conn, arena, out);
}

enum sh_db_rc sh_class_staff_candidate(struct sh_conn *conn, const char *user_id,
				       bool *eligible_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT u.role IN ('teacher', 'admin') FROM users u "
		"WHERE u.id = $1 AND u.active AND u.deleted_at IS NULL",
		SH_ARGS(SH_TEXT(user_id)), &st);
	*eligible_r = rc == SH_DB_ROW && sh_stmt_col_bool(st, 0);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_class_staff_ids(struct sh_conn *conn, struct sh_arena *arena,
				 const char *class_name, const char ***ids_r)
{
	/* At most a few dozen rows: count them first, so the array is sized once. */
	int64_t n = 0;
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM class_staff WHERE class_name = $1",
					  SH_ARGS(SH_TEXT(class_name)), &n);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc; /* COUNT always returns a row */
	const char **ids = sh_arena_alloc(arena, sizeof(*ids) * (size_t)(n + 1));
	struct sh_stmt *st = sh_query(conn, "SELECT user_id FROM class_staff WHERE class_name = $1",
				      SH_ARGS(SH_TEXT(class_name)));
	int64_t k = 0;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW && k < n)
		ids[k++] = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	if (rc == SH_DB_ROW)
		rc = SH_DB_ERROR; /* more rows than counted: not in one transaction */
	*ids_r = ids;
	return rc;
}

enum sh_db_rc sh_class_staff_remove(struct sh_conn *conn, const char *class_name,
				    const char *user_id)
{
	return sh_exec(conn, "DELETE FROM class_staff WHERE class_name = $1 AND user_id = $2",
		       SH_ARGS(SH_TEXT(class_name), SH_TEXT(user_id)), NULL);
}

enum sh_db_rc sh_class_staff_add(struct sh_conn *conn, const char *class_name,
				 const char *user_id, const char *now)
{
	return sh_exec(conn,
		       "INSERT INTO class_staff (class_name, user_id, assigned_at) "
		       "VALUES ($1, $2, $3) ON CONFLICT (class_name, user_id) DO NOTHING",
		       SH_ARGS(SH_TEXT(class_name), SH_TEXT(user_id), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_class_staff_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT s.class_name, s.assigned_at FROM class_staff s "
				      "JOIN classes k ON k.name = s.class_name "
				      "WHERE s.user_id = $1 ORDER BY k.position",
				      SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(items, json_pack("{s:s, s:s}", "class_name",
						       sh_stmt_col_text(st, 0), "assigned_at",
						       sh_stmt_col_time(st, 1)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_class_staff_erase_user(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn, "DELETE FROM class_staff WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
