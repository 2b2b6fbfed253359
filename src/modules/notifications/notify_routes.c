/*
 * The bell: GET /api/v1/notifications (newest first, the member's own), mark one read,
 * mark all read. A member only ever sees and marks their own notifications: another
 * member's id answers 404, like an id that does not exist.
 */
#include <string.h>

#include "modules/notifications/notify.h"
#include "schoolhub/util.h"

/* Above every v7 id: "from the newest" without a NULL that PostgreSQL would have to type. */
#define NEWEST_ID "ffffffff-ffff-ffff-ffff-ffffffffffff"

static enum sh_lang member_lang(const struct sh_request *req)
{
	enum sh_lang lang = req->lang;
	if (req->user.account.locale != NULL)
		sh_lang_parse(req->user.account.locale, &lang);
	return lang;
}

static enum sh_db_rc unread_count(struct sh_conn *conn, const char *user_id, int64_t *count_r)
{
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM notifications WHERE user_id = $1 "
					  "AND in_app = $2 AND read_at IS NULL",
					  SH_ARGS(SH_TEXT(user_id), SH_BOOL(true)), count_r);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

struct list_query {
	bool unread_only;
	const char *before_id;
	int limit;
};

/* ?unread=true|false, ?cursor=, ?limit=: 0, or -1 after a 422. */
static int list_query_or_reply(struct sh_request *req, struct sh_response *res,
			       struct list_query *q)
{
	if (sh_req_limit_or_reply(req, res, &q->limit) != 0)
		return -1;
	struct sh_validation v = {0};
	const char *unread = sh_req_query(req, "unread");
	if (unread != NULL && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0)
		sh_validation_add(&v, "unread", "invalid_value");
	q->unread_only = unread != NULL && strcmp(unread, "true") == 0;
	const char *cursor = sh_req_query(req, "cursor");
	q->before_id = NEWEST_ID;
	if (cursor != NULL) {
		const char *part = NULL;
		char id[SH_UUID_LEN + 1];
		if (sh_cursor_decode(req->arena, cursor, 1, &part) != 0 || !sh_uuid_normalize(part, id))
			sh_validation_add(&v, "cursor", "invalid_cursor");
		else
			q->before_id = sh_arena_strdup(req->arena, id);
	}
	return sh_validation_or_reply(req, res, &v);
}

void notify_list(struct sh_request *req, struct sh_response *res)
{
	struct list_query q;
	if (list_query_or_reply(req, res, &q) != 0)
		return;
	enum sh_lang lang = member_lang(req);
	json_t *items = json_array();
	const char *last_id = NULL;
	int n = 0;
	bool more = false;
	struct sh_stmt *st = sh_query(
		req->db,
		"SELECT id, kind, params, link, created_at, read_at FROM notifications "
		"WHERE user_id = $1 AND in_app = $2 AND (CAST($3 AS INTEGER) = 0 OR read_at IS NULL) "
		"AND id < $4 ORDER BY id DESC LIMIT $5",
		SH_ARGS(SH_TEXT(req->user.id), SH_BOOL(true), SH_INT(q.unread_only ? 1 : 0),
			SH_TEXT(q.before_id), SH_INT(q.limit + 1)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (n == q.limit) {
			more = true;
			continue;
		}
		last_id = sh_arena_strdup(req->arena, sh_stmt_col_text(st, 0));
		json_array_append_new(items, notify_item_json(req->arena, lang, last_id,
							      sh_stmt_col_text(st, 1),
							      sh_stmt_col_text(st, 2),
							      sh_stmt_col_text(st, 3),
							      sh_stmt_col_time(st, 4),
							      !sh_stmt_col_is_null(st, 5)));
		n++;
	}
	sh_stmt_free(&st);
	int64_t unread = 0;
	if (rc == SH_DB_OK)
		rc = unread_count(req->db, req->user.id, &unread);
	if (rc != SH_DB_OK) {
		json_decref(items);
		sh_reply_db_error(req, res, rc);
		return;
	}
	const char *next = more ? sh_cursor_encode(req->arena, &last_id, 1) : NULL;
	sh_reply_json(req, res, 200,
		      json_pack("{s:o, s:I, s:s?}", "items", items, "unread_count",
				(json_int_t)unread, "next_cursor", next));
}

static void reply_unread(struct sh_request *req, struct sh_response *res)
{
	int64_t unread = 0;
	enum sh_db_rc rc = unread_count(req->db, req->user.id, &unread);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else
		sh_reply_json(req, res, 200, json_pack("{s:I}", "unread_count", (json_int_t)unread));
}

void notify_read_one(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_format(sh_notify_now(), now);
	int64_t changed = 0;
	enum sh_db_rc rc = sh_exec(req->db,
				   "UPDATE notifications SET read_at = COALESCE(read_at, $3) "
				   "WHERE id = $1 AND user_id = $2",
				   SH_ARGS(SH_TEXT(id), SH_TEXT(req->user.id), SH_TEXT(now)), &changed);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (changed == 0)
		sh_reply_not_found(req, res); /* none, or another member's */
	else
		reply_unread(req, res);
}

void notify_read_all(struct sh_request *req, struct sh_response *res)
{
	char now[SH_TIME_LEN + 1];
	sh_time_format(sh_notify_now(), now);
	enum sh_db_rc rc = sh_exec(req->db,
				   "UPDATE notifications SET read_at = $2 "
				   "WHERE user_id = $1 AND read_at IS NULL",
				   SH_ARGS(SH_TEXT(req->user.id), SH_TEXT(now)), NULL);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else
		reply_unread(req, res);
}
