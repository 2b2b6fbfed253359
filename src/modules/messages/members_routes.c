/*
 * A group's members (its owner adds and removes them; anyone may leave) and each member's
 * read marker. Direct and class conversations have no members to edit: a direct one is its
 * pair, a class's follow its children, guardians and staff.
 */
#include <string.h>

#include "modules/messages/conversation_queries.h"
#include "modules/messages/messages.h"
#include "modules/messages/messages_events.h"
#include "modules/messages/messages_notify.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

/* The outcomes a member change can end with besides success. */
enum member_refusal {
	MEMBER_OK,
	MEMBER_NOT_FOUND,    /* 404: not the caller's conversation, or not a member to remove */
	MEMBER_NOT_GROUP,    /* 409 not_a_group */
	MEMBER_NOT_OWNER,    /* 403 not_owner */
	MEMBER_UNREACHABLE,  /* 422 user_id unknown_member */
	MEMBER_GROUP_FULL,   /* 409 group_full */
};

struct member_tx {
	struct sh_arena *arena;
	const char *id, *me, *user_id, *now;
	bool adding, changed;
	enum member_refusal refusal;
};

/* Who may change what: the owner of a group anything, anyone themselves (leaving). */
static enum member_refusal member_check(const struct member_tx *t, const struct sh_conv *c)
{
	if (strcmp(c->kind, "group") != 0)
		return MEMBER_NOT_GROUP;
	bool leaving = !t->adding && strcmp(t->user_id, t->me) == 0;
	if (!leaving && strcmp(c->owner_id, t->me) != 0)
		return MEMBER_NOT_OWNER;
	return MEMBER_OK;
}

static enum sh_db_rc member_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct member_tx *t = ctx;
	struct sh_conv c;
	t->changed = false;
	enum sh_db_rc rc = sh_conv_for_member(conn, t->id, t->me, &c);
	t->refusal = rc == SH_DB_ROW ? member_check(t, &c) : MEMBER_NOT_FOUND;
	if (rc != SH_DB_ROW && rc != SH_DB_OK)
		return rc;
	if (t->refusal == MEMBER_OK && t->adding) {
		rc = sh_conv_user_reachable(conn, t->user_id);
		if (rc == SH_DB_OK)
			t->refusal = MEMBER_UNREACHABLE;
		else if (rc != SH_DB_ROW)
			return rc;
		else if ((rc = sh_conv_member_add(conn, t->id, t->user_id, t->now, &t->changed)) ==
			 SH_DB_CHECK)
			t->refusal = MEMBER_GROUP_FULL;
		else if (rc != SH_DB_OK)
			return rc;
	} else if (t->refusal == MEMBER_OK) {
		if ((rc = sh_conv_member_remove(conn, t->id, t->user_id, &t->changed)) != SH_DB_OK)
			return rc;
		if (!t->changed)
			t->refusal = MEMBER_NOT_FOUND;
	}
	*rollback_r = t->refusal != MEMBER_OK;
	if (t->refusal == MEMBER_OK && t->changed)
		return sh_msg_events_conversation(conn, t->arena, t->id,
						  t->adding ? NULL : t->user_id);
	return SH_DB_OK;
}

static void member_change(struct sh_request *req, struct sh_response *res, struct member_tx *t)
{
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	t->arena = req->arena;
	t->me = req->user.id;
	t->now = now;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, member_in_tx, t);
	struct sh_validation v = {0};
	if (rc == SH_DB_OK && t->refusal == MEMBER_OK && t->changed)
		sh_msg_events_wake(req);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
	} else if (t->refusal == MEMBER_NOT_FOUND) {
		sh_reply_not_found(req, res);
	} else if (t->refusal == MEMBER_NOT_GROUP || t->refusal == MEMBER_GROUP_FULL) {
		sh_reply_problem(req, res, 409,
				 t->refusal == MEMBER_NOT_GROUP ? "not_a_group" : "group_full", NULL);
	} else if (t->refusal == MEMBER_NOT_OWNER) {
		sh_reply_problem(req, res, 403, "not_owner", NULL);
	} else if (t->refusal == MEMBER_UNREACHABLE) {
		sh_validation_add(&v, "user_id", "unknown_member");
		sh_validation_or_reply(req, res, &v);
	} else if (t->adding) {
		sh_conv_reply(req, res, t->id, t->changed ? 201 : 200);
	} else {
		sh_reply_empty(res, 204);
	}
}

void sh_conv_members_add(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"user_id", NULL};
	struct member_tx t = {.id = sh_req_uuid_param(req, "id"), .adding = true};
	if (t.id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *user_id = NULL;
	char id[SH_UUID_LEN + 1];
	if (sh_json_get_string(req->json, "user_id", true, &user_id, &v) &&
	    !sh_uuid_normalize(user_id, id))
		sh_validation_add(&v, "user_id", "invalid_uuid");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	t.user_id = id;
	member_change(req, res, &t);
}

void sh_conv_members_remove(struct sh_request *req, struct sh_response *res)
{
	struct member_tx t = {.id = sh_req_uuid_param(req, "id"),
			      .user_id = sh_req_uuid_param(req, "user_id")};
	if (t.id == NULL || t.user_id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	member_change(req, res, &t);
}

/* POST /{id}/read: the caller's read marker, which only moves forward. */
struct read_tx {
	struct sh_arena *arena;
	const char *id, *me;
	int64_t seq, read_seq, last_seq;
	bool found, beyond;
};

static enum sh_db_rc read_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct read_tx *t = ctx;
	struct sh_conv c;
	enum sh_db_rc rc = sh_conv_for_member(conn, t->id, t->me, &c);
	t->found = rc == SH_DB_ROW;
	t->beyond = t->found && t->seq > c.last_seq;
	if (!t->found || t->beyond) {
		*rollback_r = true;
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	t->last_seq = c.last_seq;
	int64_t before = 0;
	bool direct = strcmp(c.kind, "direct") == 0;
	if (direct && (rc = sh_msg_read_seq(conn, t->id, t->me, &before)) != SH_DB_OK)
		return rc;
	rc = sh_conv_read_mark(conn, t->id, t->me, t->seq, &t->read_seq);
	if (rc != SH_DB_OK || t->read_seq != t->seq)
		return rc; /* a marker that stayed put tells no one */
	if (direct && t->read_seq > before &&
	    (rc = sh_msg_notify_read(conn, t->arena, t->id, t->me, before)) != SH_DB_OK)
		return rc;
	return sh_msg_events_read(conn, t->arena, t->id, t->me, t->read_seq,
				  t->last_seq - t->read_seq);
}

void sh_conv_read(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"seq", NULL};
	struct read_tx t = {.arena = req->arena, .id = sh_req_uuid_param(req, "id"),
			    .me = req->user.id};
	if (t.id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	json_t *seq = json_object_get(req->json, "seq");
	if (seq == NULL || !json_is_integer(seq))
		sh_validation_add(&v, "seq", seq == NULL ? "required" : "invalid_type");
	else if ((t.seq = json_integer_value(seq)) < 0)
		sh_validation_add(&v, "seq", "out_of_range");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, read_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (!t.found) {
		sh_reply_not_found(req, res);
		return;
	}
	if (t.beyond) {
		sh_validation_add(&v, "seq", "out_of_range");
		sh_validation_or_reply(req, res, &v);
		return;
	}
	if (t.read_seq == t.seq)
		sh_msg_events_wake(req);
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "conversation_id", t.id);
	sh_jw_kint(&w, "read_seq", t.read_seq);
	sh_jw_kint(&w, "unread_count", t.last_seq - t.read_seq);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}
