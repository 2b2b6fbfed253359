/* SQL for children and guardians. Written once; runs on SQLite and PostgreSQL. */
#include "modules/children/child_queries.h"

#include <string.h>

bool sh_photo_consent_valid(const char *value)
{
	return value != NULL && (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0 ||
				 strcmp(value, "ask") == 0);
}

/* Who set the photo consent, as the child shows it: null when nobody has. */
static json_t *consent_setter(struct sh_stmt *st)
{
	const char *id = sh_stmt_col_text(st, 11);
	if (id == NULL)
		return json_null();
	return json_pack("{s:s, s:s, s:s}", "id", id, "first_name", sh_stmt_col_text(st, 13),
			 "last_name", sh_stmt_col_text(st, 14));
}

enum sh_db_rc sh_children_of_guardian(struct sh_conn *conn, const char *guardian_id,
				      const char *child_id, json_t *items)
{
	/* One row per (child, guardian), grouped into objects below. */
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT c.id, c.first_name, c.last_name, c.class_name, c.birth_date, "
		"       c.photo_consent, c.created_at, g.user_id, u.first_name, u.last_name, "
		"       g.relationship, c.photo_consent_by, c.photo_consent_at, "
		"       pc.first_name, pc.last_name, c.left_at "
		"FROM child_guardians me "
		"JOIN children c ON c.id = me.child_id "
		"JOIN child_guardians g ON g.child_id = c.id "
		"JOIN users u ON u.id = g.user_id "
		"LEFT JOIN users pc ON pc.id = c.photo_consent_by "
		"WHERE me.user_id = $1 AND c.id = COALESCE($2, c.id) "
		"ORDER BY c.created_at, c.id, g.created_at, g.user_id",
		SH_ARGS(SH_TEXT(guardian_id), SH_TEXT(child_id)));
	enum sh_db_rc rc;
	json_t *current = NULL;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *id = sh_stmt_col_text(st, 0);
		const char *current_id = json_string_value(json_object_get(current, "id"));
		if (current == NULL || strcmp(current_id, id) != 0) {
			/* left_at: null while at the school; the rollover's archive mark after
			 * P6 (the child is then read-only, its class its last one). */
			const char *consent_at = sh_stmt_col_time(st, 12);
			current = json_pack(
				"{s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:[], s:s, s:s?}", "id", id,
				"first_name", sh_stmt_col_text(st, 1), "last_name",
				sh_stmt_col_text(st, 2), "class_name", sh_stmt_col_text(st, 3),
				"birth_date", sh_stmt_col_text(st, 4), "photo_consent",
				sh_stmt_col_text(st, 5), "photo_consent_by", consent_setter(st),
				"photo_consent_at",
				consent_at != NULL ? json_string(consent_at) : json_null(),
				"guardians", "created_at", sh_stmt_col_time(st, 6), "left_at",
				sh_stmt_col_time(st, 15));
			if (current == NULL) {
				rc = SH_DB_ERROR;
				break;
			}
			json_array_append_new(items, current);
		}
		json_array_append_new(json_object_get(current, "guardians"),
				      json_pack("{s:s, s:s, s:s, s:s}", "user_id",
						sh_stmt_col_text(st, 7), "first_name",
						sh_stmt_col_text(st, 8), "last_name",
						sh_stmt_col_text(st, 9), "relationship",
						sh_stmt_col_text(st, 10)));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_child_insert(struct sh_conn *conn, const struct sh_child *c, const char *now)
{
	return sh_exec(
		conn,
		"INSERT INTO children (id, first_name, last_name, class_name, birth_date, "
		"photo_consent, photo_consent_by, photo_consent_at, created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
		SH_ARGS(SH_TEXT(c->id), SH_TEXT(c->first_name), SH_TEXT(c->last_name),
			SH_TEXT(c->class_name), SH_TEXT(c->birth_date), SH_TEXT(c->photo_consent),
			SH_TEXT(c->photo_consent_by), SH_TEXT(c->photo_consent_at), SH_TEXT(now)),
		NULL);
}

enum sh_db_rc sh_child_update(struct sh_conn *conn, const struct sh_child *c, const char *now)
{
	return sh_exec(conn,
		       "UPDATE children SET first_name = $2, last_name = $3, class_name = $4, "
		       "birth_date = $5, photo_consent = $6, photo_consent_by = $7, "
		       "photo_consent_at = $8, updated_at = $9 WHERE id = $1",
		       SH_ARGS(SH_TEXT(c->id), SH_TEXT(c->first_name), SH_TEXT(c->last_name),
			       SH_TEXT(c->class_name), SH_TEXT(c->birth_date),
			       SH_TEXT(c->photo_consent), SH_TEXT(c->photo_consent_by),
			       SH_TEXT(c->photo_consent_at), SH_TEXT(now)),
		       NULL);
}

enum sh_db_rc sh_child_left(struct sh_conn *conn, const char *child_id)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT id FROM children WHERE id = $1 AND left_at IS NOT NULL",
					SH_ARGS(SH_TEXT(child_id)), &st);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_child_delete(struct sh_conn *conn, const char *child_id)
{
	return sh_exec(conn, "DELETE FROM children WHERE id = $1", SH_ARGS(SH_TEXT(child_id)),
		       NULL);
}

enum sh_db_rc sh_guardian_insert(struct sh_conn *conn, const char *child_id, const char *user_id,
				 const char *relationship, const char *now)
{
	return sh_exec(conn,
		       "INSERT INTO child_guardians (child_id, user_id, relationship, created_at) "
		       "VALUES ($1, $2, $3, $4)",
		       SH_ARGS(SH_TEXT(child_id), SH_TEXT(user_id), SH_TEXT(relationship),
			       SH_TEXT(now)),
		       NULL);
}

enum sh_db_rc sh_guardian_delete(struct sh_conn *conn, const char *child_id, const char *user_id,
				 int64_t *changed_r)
{
	enum sh_db_rc rc =
		sh_exec(conn, "DELETE FROM child_guardians WHERE child_id = $1 AND user_id = $2",
			SH_ARGS(SH_TEXT(child_id), SH_TEXT(user_id)), changed_r);
	/* A removed guardian is no longer named as the one who answered about photos (the
	 * answer stays: it is the child's); the caller's transaction holds both writes. */
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "UPDATE children SET photo_consent_by = NULL "
			     "WHERE id = $1 AND photo_consent_by = $2",
			     SH_ARGS(SH_TEXT(child_id), SH_TEXT(user_id)), NULL);
	return rc;
}

enum sh_db_rc sh_guardian_count(struct sh_conn *conn, const char *child_id, int64_t *count_r)
{
	enum sh_db_rc rc =
		sh_query_int64(conn, "SELECT COUNT(*) FROM child_guardians WHERE child_id = $1",
			       SH_ARGS(SH_TEXT(child_id)), count_r);
	if (rc == SH_DB_ROW)
		return SH_DB_OK;
	return rc == SH_DB_OK ? SH_DB_ERROR : rc; /* COUNT always returns a row */
}

enum sh_db_rc sh_guardian_exists(struct sh_conn *conn, const char *child_id, const char *user_id)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, "SELECT 1 FROM child_guardians WHERE child_id = $1 AND user_id = $2",
		SH_ARGS(SH_TEXT(child_id), SH_TEXT(user_id)), &st);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_co_parent_email(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
				 const char *co_parent_id, const char **email_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT u.email FROM child_guardians mine "
		"JOIN child_guardians other ON other.child_id = mine.child_id "
		"JOIN users u ON u.id = other.user_id "
		"WHERE mine.user_id = $1 AND other.user_id = $2 AND other.user_id <> mine.user_id "
		"AND u.active AND u.deleted_at IS NULL LIMIT 1",
		SH_ARGS(SH_TEXT(user_id), SH_TEXT(co_parent_id)), &st);
	if (rc == SH_DB_ROW)
		*email_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_children_erase_guardian(struct sh_conn *conn, const char *user_id)
{
	enum sh_db_rc rc =
		sh_exec(conn,
			"DELETE FROM children WHERE id IN "
			"(SELECT child_id FROM child_guardians WHERE user_id = $1) "
			"AND id NOT IN (SELECT child_id FROM child_guardians WHERE user_id <> $1)",
			SH_ARGS(SH_TEXT(user_id)), NULL);
	/* A child who stays with another guardian no longer names the erased one as the
	 * guardian who answered about photos (the answer itself stays: it is the child's). */
	if (rc == SH_DB_OK)
		rc = sh_exec(conn, "UPDATE children SET photo_consent_by = NULL "
				   "WHERE photo_consent_by = $1",
			     SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(conn, "DELETE FROM child_guardians WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
