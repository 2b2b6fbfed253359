/*
 * Conversations: a direct one per pair of members, groups with an owner, and the class
 * conversations (created with the schema, members derived). Every route answers 404 for a
 * conversation the caller is not in, whether it exists or not.
 */
#include <string.h>

#include "modules/messages/conversation_queries.h"
#include "modules/messages/messages.h"
#include "modules/messages/messages_events.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

/* What POST /conversations creates, checked in one transaction. */
struct create_tx {
	struct sh_arena *arena;
	const char *me, *now, *title;
	const char *other;            /* direct */
	const char **members;         /* group: distinct, without the creator */
	const char **fields;          /* where each member was in the body, for errors */
	size_t n;
	char id[37];
	bool created;
	struct sh_validation v;       /* accounts nobody can reach */
};

static enum sh_db_rc create_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct create_tx *t = ctx;
	memset(&t->v, 0, sizeof(t->v));
	const char *const *ids = t->other != NULL ? &t->other : t->members;
	size_t n = t->other != NULL ? 1 : t->n;
	for (size_t i = 0; i < n; i++) {
		enum sh_db_rc rc = sh_conv_user_reachable(conn, ids[i]);
		if (rc == SH_DB_OK)
			sh_validation_add(&t->v, t->other != NULL ? "user_id" : t->fields[i],
					  "unknown_member");
		else if (rc != SH_DB_ROW)
			return rc;
	}
	if (t->v.count > 0) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	enum sh_db_rc rc;
	if (t->other != NULL) {
		rc = sh_conv_direct_ensure(conn, t->me, t->other, t->now, t->id, &t->created);
	} else {
		rc = sh_conv_group_create(conn, t->me, t->title, t->members, t->n, t->now, t->id);
		t->created = true;
	}
	if (rc == SH_DB_OK && t->created)
		rc = sh_msg_events_conversation(conn, t->arena, t->id, NULL);
	return rc;
}

/* member_ids of a new group: distinct UUIDs, the creator left out, at most 99 others. */
static void read_member_ids(struct sh_request *req, struct create_tx *t, struct sh_validation *v)
{
	json_t *list = json_object_get(req->json, "member_ids");
	if (list == NULL || !json_is_array(list)) {
		sh_validation_add(v, "member_ids", list == NULL ? "required" : "invalid_type");
		return;
	}
	size_t n = json_array_size(list);
	if (n > SH_GROUP_MAX_MEMBERS - 1) {
		sh_validation_add(v, "member_ids", "too_many_items");
		return;
	}
	t->members = sh_arena_alloc(req->arena, sizeof(*t->members) * (n + 1));
	t->fields = sh_arena_alloc(req->arena, sizeof(*t->fields) * (n + 1));
	for (size_t i = 0; i < n; i++) {
		const char *field = sh_arena_printf(req->arena, "member_ids[%zu]", i);
		json_t *item = json_array_get(list, i);
		char id[SH_UUID_LEN + 1];
		if (!json_is_string(item) || !sh_uuid_normalize(json_string_value(item), id)) {
			sh_validation_add(v, field, json_is_string(item) ? "invalid_uuid" : "invalid_type");
			continue;
		}
		bool seen = strcmp(id, t->me) == 0;
		for (size_t k = 0; k < t->n && !seen; k++)
			seen = strcmp(t->members[k], id) == 0;
		if (!seen) {
			t->members[t->n] = sh_arena_strdup(req->arena, id);
			t->fields[t->n++] = field;
		}
	}
}

static void read_create(struct sh_request *req, struct create_tx *t, struct sh_validation *v)
{
	const char *kind = NULL;
	if (!sh_json_get_string(req->json, "kind", true, &kind, v))
		return;
	if (strcmp(kind, "direct") == 0) {
		const char *user_id = NULL;
		char id[SH_UUID_LEN + 1];
		if (!sh_json_get_string(req->json, "user_id", true, &user_id, v))
			return;
		if (!sh_uuid_normalize(user_id, id))
			sh_validation_add(v, "user_id", "invalid_uuid");
		else if (strcmp(id, t->me) == 0)
			sh_validation_add(v, "user_id", "self_conversation");
		else
			t->other = sh_arena_strdup(req->arena, id);
		if (json_object_get(req->json, "title") != NULL)
			sh_validation_add(v, "title", "unknown_field");
		if (json_object_get(req->json, "member_ids") != NULL)
			sh_validation_add(v, "member_ids", "unknown_field");
	} else if (strcmp(kind, "group") == 0) {
		sh_msg_text_field(req->json, "title", SH_CONV_TITLE_MAX_CHARS, true, &t->title, v);
		read_member_ids(req, t, v);
		if (json_object_get(req->json, "user_id") != NULL)
			sh_validation_add(v, "user_id", "unknown_field");
	} else {
		sh_validation_add(v, "kind", "invalid_conversation_kind");
	}
}

void sh_conv_create(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"kind", "user_id", "title", "member_ids", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct create_tx t = {.arena = req->arena, .me = req->user.id, .now = now};
	struct sh_validation v = {0};
	read_create(req, &t, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, create_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (sh_validation_or_reply(req, res, &t.v) != 0)
		return;
	if (t.created)
		sh_msg_events_wake(req);
	sh_conv_reply(req, res, t.id, t.created ? 201 : 200);
}

/* The list's cursor: the last row's activity time and id. */
static int read_cursor(struct sh_request *req, const char **time_r, const char **id_r)
{
	const char *cursor = sh_req_query(req, "cursor");
	*time_r = *id_r = NULL;
	if (cursor == NULL)
		return 0;
	const char *parts[2];
	char id[SH_UUID_LEN + 1];
	if (sh_cursor_decode(req->arena, cursor, 2, parts) != 0 ||
	    !sh_time_is_canonical(parts[0]) || !sh_uuid_normalize(parts[1], id))
		return -1;
	*time_r = parts[0];
	*id_r = sh_arena_strdup(req->arena, id);
	return 0;
}

void sh_conv_list_get(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	const char *after_time, *after_id;
	if (read_cursor(req, &after_time, &after_id) != 0) {
		struct sh_validation v = {0};
		sh_validation_add(&v, "cursor", "invalid_cursor");
		sh_validation_or_reply(req, res, &v);
		return;
	}
	struct sh_jw w;
	sh_page_begin(req, &w);
	bool more = false;
	const char *last_time = NULL, *last_id = NULL;
	enum sh_db_rc rc = sh_conv_list(req->db, req->arena, req->user.id, after_time, after_id,
					limit, &w, &more, &last_time, &last_id);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_page(req, res, &w,
		      more ? sh_cursor_encode(req->arena, (const char *[]){last_time, last_id}, 2)
			   : NULL);
}

void sh_conv_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	sh_conv_reply(req, res, id, 200);
}

/* PATCH: the title (a group's owner) and the caller's own mute. */
struct patch_tx {
	struct sh_arena *arena;
	const char *id, *me, *title;
	bool has_muted, muted;
	unsigned status; /* 0, or the refusal: 404 not a member, 403 not the owner */
};

static enum sh_db_rc patch_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct patch_tx *t = ctx;
	struct sh_conv c;
	t->status = 0;
	enum sh_db_rc rc = sh_conv_for_member(conn, t->id, t->me, &c);
	if (rc != SH_DB_ROW) {
		t->status = 404;
		*rollback_r = true;
		return rc == SH_DB_OK ? SH_DB_OK : rc;
	}
	if (t->title != NULL && (strcmp(c.kind, "group") != 0 || strcmp(c.owner_id, t->me) != 0)) {
		t->status = 403;
		*rollback_r = true;
		return SH_DB_OK;
	}
	rc = t->has_muted ? sh_conv_muted_set(conn, t->id, t->me, t->muted) : SH_DB_OK;
	if (rc == SH_DB_OK && t->title != NULL)
		rc = sh_conv_title_set(conn, t->id, t->title);
	if (rc == SH_DB_OK && t->title != NULL) /* events last: see schoolhub/events.h */
		rc = sh_msg_events_conversation(conn, t->arena, t->id, NULL);
	return rc;
}

void sh_conv_patch(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"title", "muted", NULL};
	struct patch_tx t = {.arena = req->arena, .id = sh_req_uuid_param(req, "id"),
			     .me = req->user.id};
	if (t.id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	sh_msg_text_field(req->json, "title", SH_CONV_TITLE_MAX_CHARS, false, &t.title, &v);
	t.has_muted = sh_json_get_bool(req->json, "muted", false, &t.muted, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, patch_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
	} else if (t.status == 404) {
		sh_reply_not_found(req, res);
	} else if (t.status == 403) {
		sh_reply_problem(req, res, 403, "not_owner", NULL);
	} else {
		if (t.title != NULL)
			sh_msg_events_wake(req);
		sh_conv_reply(req, res, t.id, 200);
	}
}
