/* SQL for co-parent invitations. Written once; runs on SQLite and PostgreSQL. */
#include "modules/children/invitation_queries.h"

#include "schoolhub/util.h"

/* 1 when invitation "i" can still be accepted; $now is the caller's parameter number. */
#define OPEN_EXPR(now)                                                          \
	"CASE WHEN i.status = 'pending' AND i.expires_at > " now " AND EXISTS " \
	"(SELECT 1 FROM child_guardians ig WHERE ig.child_id = i.child_id "     \
	"AND ig.user_id = i.inviter_id) THEN 1 ELSE 0 END"

enum sh_db_rc sh_invitation_upsert(struct sh_conn *conn, const char *id, const char *child_id,
				   const char *inviter_id, const char *email,
				   const char *relationship, const char *now,
				   const char *expires_at)
{
	/* The partial unique index allows one pending row per (child, address); meeting it
	 * refreshes that row in the same statement, so two concurrent invitations of one
	 * address cannot make two rows. */
	return sh_exec(
		conn,
		"INSERT INTO guardian_invitations (id, child_id, inviter_id, invitee_email, "
		"relationship, status, created_at, expires_at) "
		"VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) "
		"ON CONFLICT (child_id, invitee_email) WHERE status = 'pending' DO UPDATE SET "
		"inviter_id = excluded.inviter_id, relationship = excluded.relationship, "
		"created_at = excluded.created_at, expires_at = excluded.expires_at",
		SH_ARGS(SH_TEXT(id), SH_TEXT(child_id), SH_TEXT(inviter_id), SH_TEXT(email),
			SH_TEXT(relationship), SH_TEXT(now), SH_TEXT(expires_at)),
		NULL);
}

enum sh_db_rc sh_invitation_sends_since(struct sh_conn *conn, struct sh_arena *arena,
					const char *user_id, const char *since,
					struct sh_window_tally *sent_r)
{
	return sh_query_window(conn, arena,
			       "SELECT COUNT(*), MIN(sent_at), MAX(sent_at) "
			       "FROM guardian_invitation_sends WHERE user_id = $1 AND sent_at > $2",
			       SH_ARGS(SH_TEXT(user_id), SH_TEXT(since)), sent_r);
}

enum sh_db_rc sh_invitation_send_record(struct sh_conn *conn, const char *user_id, const char *now,
					const char *window_start)
{
	/* Sends older than the window no longer count, for anybody: the table holds one day. */
	enum sh_db_rc rc = sh_exec(conn,
				   "DELETE FROM guardian_invitation_sends WHERE sent_at <= $1",
				   SH_ARGS(SH_TEXT(window_start)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	char id[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	return sh_exec(conn,
		       "INSERT INTO guardian_invitation_sends (id, user_id, sent_at) "
		       "VALUES ($1, $2, $3)",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(now)), NULL);
}

/* {first_name, last_name} of an inviter from columns "col" and "col" + 1. */
static json_t *person(struct sh_stmt *st, int col)
{
	return json_pack("{s:s, s:s}", "first_name", sh_stmt_col_text(st, col), "last_name",
			 sh_stmt_col_text(st, col + 1));
}

enum sh_db_rc sh_invitations_of_child(struct sh_conn *conn, const char *child_id, const char *now,
				      json_t *items)
{
	struct sh_stmt *st =
		sh_query(conn,
			 "SELECT i.id, i.invitee_email, i.relationship, u.first_name, u.last_name, "
			 "       i.created_at, i.expires_at "
			 "FROM guardian_invitations i JOIN users u ON u.id = i.inviter_id "
			 "WHERE i.child_id = $1 AND " OPEN_EXPR("$2") " = 1 "
								      "ORDER BY i.created_at, i.id",
			 SH_ARGS(SH_TEXT(child_id), SH_TEXT(now)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			items, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "id",
					 sh_stmt_col_text(st, 0), "email", sh_stmt_col_text(st, 1),
					 "relationship", sh_stmt_col_text(st, 2), "invited_by",
					 person(st, 3), "created_at", sh_stmt_col_time(st, 5),
					 "expires_at", sh_stmt_col_time(st, 6)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_invitations_to_email(struct sh_conn *conn, const char *email, const char *user_id,
				      const char *now, json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT i.id, c.first_name, c.class_name, u.first_name, u.last_name, "
		"       i.relationship, i.created_at, i.expires_at "
		"FROM guardian_invitations i "
		"JOIN children c ON c.id = i.child_id "
		"JOIN users u ON u.id = i.inviter_id "
		"WHERE i.invitee_email = $1 AND " OPEN_EXPR(
			"$3") " = 1 "
			      "AND NOT EXISTS (SELECT 1 FROM child_guardians mine "
			      "                WHERE mine.child_id = i.child_id AND mine.user_id = $2) "
			      "ORDER BY i.created_at, i.id",
		SH_ARGS(SH_TEXT(email), SH_TEXT(user_id), SH_TEXT(now)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(items, json_pack("{s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s}",
						       "id", sh_stmt_col_text(st, 0), "child",
						       "first_name", sh_stmt_col_text(st, 1),
						       "class_name", sh_stmt_col_text(st, 2),
						       "invited_by", person(st, 3), "relationship",
						       sh_stmt_col_text(st, 5), "created_at",
						       sh_stmt_col_time(st, 6), "expires_at",
						       sh_stmt_col_time(st, 7)));
	sh_stmt_free(&st);
	return rc;
}

/* One invitation by id and "filter" (a condition on $2), with its open flag ($3 = now). */
static enum sh_db_rc invitation_one(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
				    const char *id, const char *param, const char *now,
				    struct sh_invitation *inv)
{
	struct sh_stmt *st;
	enum sh_db_rc rc =
		sh_query_row(conn, sql, SH_ARGS(SH_TEXT(id), SH_TEXT(param), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW) {
		inv->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		inv->child_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		inv->inviter_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		inv->relationship = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
		inv->status = sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
		inv->expires_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 5));
		inv->open = sh_stmt_col_int64(st, 6) == 1;
	}
	sh_stmt_free(&st);
	return rc;
}

#define INVITATION_COLUMNS                                                                           \
	"SELECT i.id, i.child_id, i.inviter_id, i.relationship, i.status, i.expires_at, " OPEN_EXPR( \
		"$3") " FROM guardian_invitations i "

enum sh_db_rc sh_invitation_for_invitee(struct sh_conn *conn, struct sh_arena *arena,
					const char *id, const char *email, const char *now,
					struct sh_invitation *inv)
{
	return invitation_one(conn, arena,
			      INVITATION_COLUMNS "WHERE i.id = $1 AND i.invitee_email = $2", id,
			      email, now, inv);
}

enum sh_db_rc sh_invitation_for_guardian(struct sh_conn *conn, struct sh_arena *arena,
					 const char *id, const char *user_id, const char *now,
					 struct sh_invitation *inv)
{
	return invitation_one(conn, arena,
			      INVITATION_COLUMNS
			      "JOIN child_guardians me ON me.child_id = i.child_id "
			      "AND me.user_id = $2 WHERE i.id = $1",
			      id, user_id, now, inv);
}

enum sh_db_rc sh_invitation_close(struct sh_conn *conn, const char *id, const char *status,
				  const char *now)
{
	return sh_exec(conn,
		       "UPDATE guardian_invitations SET status = $2, answered_at = $3 "
		       "WHERE id = $1 AND status = 'pending'",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(status), SH_TEXT(now)), NULL);
}

/*
 * What the member sent. An accepted invitation's address is left out: its holder is now a
 * guardian, shown by name with the child, and their address is theirs, not part of the
 * inviter's record any more.
 */
static enum sh_db_rc export_sent(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT i.id, i.child_id, "
		"       CASE WHEN i.status = 'accepted' THEN NULL ELSE i.invitee_email END, "
		"       i.relationship, i.status, "
		"       i.created_at, i.expires_at, i.answered_at "
		"FROM guardian_invitations i WHERE i.inviter_id = $1 "
		"ORDER BY i.created_at, i.id",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			items,
			json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?}", "id",
				  sh_stmt_col_text(st, 0), "child_id", sh_stmt_col_text(st, 1),
				  "email", sh_stmt_col_text(st, 2), "relationship",
				  sh_stmt_col_text(st, 3), "status", sh_stmt_col_text(st, 4),
				  "created_at", sh_stmt_col_time(st, 5), "expires_at",
				  sh_stmt_col_time(st, 6), "answered_at", sh_stmt_col_time(st, 7)));
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc export_received(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT i.id, c.first_name, c.class_name, u.first_name, u.last_name, "
		"       i.relationship, i.status, i.created_at, i.expires_at, i.answered_at "
		"FROM guardian_invitations i "
		"JOIN children c ON c.id = i.child_id "
		"JOIN users u ON u.id = i.inviter_id "
		"WHERE i.invitee_email = (SELECT email FROM users WHERE id = $1) "
		"ORDER BY i.created_at, i.id",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			items,
			json_pack("{s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:s, s:s?}", "id",
				  sh_stmt_col_text(st, 0), "child", "first_name",
				  sh_stmt_col_text(st, 1), "class_name", sh_stmt_col_text(st, 2),
				  "invited_by", person(st, 3), "relationship",
				  sh_stmt_col_text(st, 5), "status", sh_stmt_col_text(st, 6),
				  "created_at", sh_stmt_col_time(st, 7), "expires_at",
				  sh_stmt_col_time(st, 8), "answered_at", sh_stmt_col_time(st, 9)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_invitations_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *sent = json_array(), *received = json_array();
	json_object_set_new(out, "guardian_invitations",
			    json_pack("{s:o, s:o}", "sent", sent, "received", received));
	enum sh_db_rc rc = export_sent(conn, user_id, sent);
	return rc != SH_DB_OK ? rc : export_received(conn, user_id, received);
}

enum sh_db_rc sh_invitations_erase_user(struct sh_conn *conn, const char *user_id)
{
	/* Runs before the account row is pseudonymised, while its e-mail is still there. */
	enum sh_db_rc rc = sh_exec(conn,
				   "DELETE FROM guardian_invitations WHERE inviter_id = $1 "
				   "OR invitee_email = (SELECT email FROM users WHERE id = $1)",
				   SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(conn, "DELETE FROM guardian_invitation_sends WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}

enum sh_db_rc sh_invitation_mail_facts(struct sh_conn *conn, struct sh_arena *arena,
				       const char *child_id, const char *inviter_id,
				       const char *email, const char *now,
				       struct sh_invitation_mail_facts *f)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT c.first_name, u.first_name, u.last_name, "
		"       COALESCE((SELECT a.locale FROM users a WHERE a.email = i.invitee_email "
		"                 AND a.active AND a.deleted_at IS NULL), u.locale) "
		"FROM guardian_invitations i "
		"JOIN children c ON c.id = i.child_id JOIN users u ON u.id = i.inviter_id "
		"WHERE i.child_id = $1 AND i.inviter_id = $2 AND i.invitee_email = $3 "
		"AND " OPEN_EXPR("$4") " = 1",
		SH_ARGS(SH_TEXT(child_id), SH_TEXT(inviter_id), SH_TEXT(email), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW) {
		f->child_first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		f->inviter_first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		f->inviter_last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		f->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	}
	sh_stmt_free(&st);
	return rc;
}
