/*
 * Messages: a conversation's pages in seq order, posting (rate-limited, idempotent per
 * author and client_id), editing within the window, and tombstones. A message of a
 * conversation the caller is not in answers 404 like one that does not exist.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/messages/conversation_queries.h"
#include "modules/messages/message_queries.h"
#include "modules/messages/messages.h"
#include "modules/messages/messages_events.h"
#include "modules/messages/messages_notify.h"
#include "schoolhub/notify.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

/* A seq in the query string: 1..2^53; -1 when malformed. */
static int64_t seq_query(struct sh_request *req, const char *name, struct sh_validation *v)
{
	const char *s = sh_req_query(req, name);
	if (s == NULL)
		return 0;
	char *end = NULL;
	long long n = strlen(s) <= 16 ? strtoll(s, &end, 10) : -1;
	if (end == NULL || *end != '\0' || end == s || n < 0 || s[0] == '+' || s[0] == '-') {
		sh_validation_add(v, name, "out_of_range");
		return -1;
	}
	return n;
}

void sh_messages_list(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	struct sh_validation v = {0};
	int64_t before = seq_query(req, "before", &v);
	int64_t after = sh_req_query(req, "after") != NULL ? seq_query(req, "after", &v) : -1;
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct sh_conv c;
	enum sh_db_rc rc = sh_conv_for_member(req->db, id, req->user.id, &c);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	rc = sh_msg_page(req->db, id, before, after, limit, &w);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_jw_array_end(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* The outcome of a post besides a new message. */
enum post_outcome {
	POST_CREATED,
	POST_REPLAYED,     /* 200: the author's client_id was already used here */
	POST_NOT_FOUND,    /* 404 */
	POST_REUSED,       /* 409 client_id_reused: used in another conversation */
	POST_RATE_LIMITED, /* 429 too_many_messages */
	POST_BAD_REPLY,    /* 422 reply_to unknown_message */
	POST_NO_PEER,      /* 409 recipient_unavailable: a direct one whose other member left */
};

struct post_tx {
	struct sh_request *req;
	struct sh_arena *arena;
	struct sh_msg_new m;
	enum post_outcome outcome;
	long retry_after;
	const char *json; /* the message's representation, read in the transaction */
	bool direct;      /* posted in a direct conversation: the peer was notified */
};

/* Whether the author may post one more now; sets the refusal and its Retry-After. */
static enum sh_db_rc rate_check(struct sh_conn *conn, struct post_tx *t)
{
	time_t now = time(NULL);
	char since[SH_TIME_LEN + 1];
	sh_time_format(now - 60, since);
	struct sh_window_tally tally;
	enum sh_db_rc rc = sh_msg_recent(conn, t->arena, t->m.author_id, since, &tally);
	if (rc == SH_DB_OK && tally.count >= SH_MESSAGES_PER_MINUTE) {
		t->retry_after = sh_retry_after_s(tally.oldest, 60, now);
		t->outcome = POST_RATE_LIMITED;
	}
	return rc;
}

static enum sh_db_rc post_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct post_tx *t = ctx;
	struct sh_conv c;
	char first_id[37], first_conv[37];
	t->outcome = POST_CREATED;
	enum sh_db_rc rc = sh_conv_for_member(conn, t->m.conversation_id, t->m.author_id, &c);
	if (rc == SH_DB_OK)
		t->outcome = POST_NOT_FOUND;
	else if (rc == SH_DB_ROW && t->m.client_id != NULL)
		rc = sh_msg_by_client_id(conn, t->m.author_id, t->m.client_id, first_id, first_conv);
	if (rc == SH_DB_ROW && t->m.client_id != NULL && t->outcome == POST_CREATED) {
		t->outcome = strcmp(first_conv, t->m.conversation_id) == 0 ? POST_REPLAYED
									   : POST_REUSED;
		rc = t->outcome == POST_REPLAYED ? sh_msg_json(conn, t->arena, first_id, &t->json)
						 : SH_DB_OK;
	}
	if (rc == SH_DB_ROW)
		rc = SH_DB_OK;
	if (rc == SH_DB_OK && t->outcome == POST_CREATED && strcmp(c.kind, "direct") == 0) {
		rc = sh_conv_direct_peer_reachable(conn, c.id, t->m.author_id);
		t->outcome = rc == SH_DB_OK ? POST_NO_PEER : t->outcome;
		rc = rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	if (rc == SH_DB_OK && t->outcome == POST_CREATED)
		rc = rate_check(conn, t);
	if (rc == SH_DB_OK && t->outcome == POST_CREATED && t->m.reply_to != NULL) {
		rc = sh_msg_in_conversation(conn, t->m.reply_to, t->m.conversation_id);
		t->outcome = rc == SH_DB_OK ? POST_BAD_REPLY : t->outcome;
		rc = rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	if (rc != SH_DB_OK || t->outcome != POST_CREATED) {
		*rollback_r = true;
		return rc;
	}
	int64_t author_read_seq = 0;
	t->direct = strcmp(c.kind, "direct") == 0;
	if (t->direct &&
	    (rc = sh_msg_read_seq(conn, c.id, t->m.author_id, &author_read_seq)) != SH_DB_OK)
		return rc;
	if ((rc = sh_msg_insert(conn, &t->m)) != SH_DB_OK)
		return rc;
	if (t->direct && (rc = sh_msg_notify_direct(t->req, conn, c.id, t->m.body,
						    author_read_seq)) != SH_DB_OK)
		return rc;
	rc = sh_msg_json(conn, t->arena, t->m.id, &t->json);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	return sh_msg_events_fanout(conn, t->m.conversation_id, "message.created", t->json);
}

/* Reads body, reply_to and client_id into "m". */
static void read_post(struct sh_request *req, struct sh_msg_new *m, struct sh_validation *v)
{
	sh_msg_text_field(req->json, "body", SH_MESSAGE_MAX_CHARS, true, &m->body, v);
	const char *reply_to = NULL, *client_id = NULL;
	bool reply_null = false;
	char id[SH_UUID_LEN + 1];
	if (sh_json_get_nullable_string(req->json, "reply_to", &reply_to, &reply_null, v) &&
	    !reply_null) {
		if (sh_uuid_normalize(reply_to, id))
			m->reply_to = sh_arena_strdup(req->arena, id);
		else
			sh_validation_add(v, "reply_to", "invalid_uuid");
	}
	/* A client's own key (a UUID in practice): 1..64 printable ASCII characters. */
	if (sh_json_get_string(req->json, "client_id", false, &client_id, v) && client_id) {
		size_t n = strlen(client_id);
		bool ok = n >= 1 && n <= 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = client_id[i] > 0x20 && client_id[i] < 0x7f;
		if (ok)
			m->client_id = client_id;
		else
			sh_validation_add(v, "client_id", n > 64 ? "too_long" : "invalid_text");
	}
}

void sh_messages_post(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"body", "reply_to", "client_id", NULL};
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct post_tx t = {.req = req,
			    .arena = req->arena,
			    .m = {.conversation_id = sh_req_uuid_param(req, "id"),
				  .author_id = req->user.id, .now = now}};
	if (t.m.conversation_id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	read_post(req, &t.m, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, post_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
	} else if (t.outcome == POST_NOT_FOUND) {
		sh_reply_not_found(req, res);
	} else if (t.outcome == POST_REUSED || t.outcome == POST_NO_PEER) {
		sh_reply_problem(req, res, 409,
				 t.outcome == POST_REUSED ? "client_id_reused" : "recipient_unavailable",
				 NULL);
	} else if (t.outcome == POST_RATE_LIMITED) {
		sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", t.retry_after));
		sh_reply_problem(req, res, 429, "too_many_messages", NULL);
	} else if (t.outcome == POST_BAD_REPLY) {
		sh_validation_add(&v, "reply_to", "unknown_message");
		sh_validation_or_reply(req, res, &v);
	} else {
		if (t.outcome == POST_CREATED)
			sh_msg_events_wake(req);
		if (t.outcome == POST_CREATED && t.direct)
			sh_notify_wake(req->app);
		sh_reply_raw(res, t.outcome == POST_CREATED ? 201 : 200, "application/json", t.json,
			     strlen(t.json));
	}
}

/* PATCH and DELETE /messages/{id}: what the caller may do to one message. */
enum change_outcome {
	CHANGE_DONE,
	CHANGE_NOT_FOUND,      /* 404 */
	CHANGE_NOT_AUTHOR,     /* 403 not_author */
	CHANGE_DELETED,        /* 409 message_deleted (edit) */
	CHANGE_WINDOW_CLOSED,  /* 409 edit_window_closed */
};

struct change_tx {
	struct sh_arena *arena;
	const char *id, *me, *body, *now, *window_start;
	bool is_admin; /* may delete others' messages in their conversations */
	bool changed;  /* events were written */
	enum change_outcome outcome;
	const char *json;
};

static enum change_outcome change_check(const struct change_tx *t, const struct sh_msg *m)
{
	bool author = strcmp(m->author_id, t->me) == 0;
	if (t->body == NULL) /* delete */
		return author || t->is_admin ? CHANGE_DONE : CHANGE_NOT_AUTHOR;
	if (!author)
		return CHANGE_NOT_AUTHOR;
	if (m->deleted)
		return CHANGE_DELETED;
	/* RFC 3339 UTC text of one shape sorts as time. */
	return strcmp(m->created_at, t->window_start) < 0 ? CHANGE_WINDOW_CLOSED : CHANGE_DONE;
}

static enum sh_db_rc change_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct change_tx *t = ctx;
	struct sh_msg m;
	t->changed = false;
	enum sh_db_rc rc = sh_msg_for_member(conn, t->id, t->me, &m);
	if (rc != SH_DB_ROW && rc != SH_DB_OK)
		return rc;
	t->outcome = rc == SH_DB_OK ? CHANGE_NOT_FOUND : change_check(t, &m);
	if (t->outcome != CHANGE_DONE) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (t->body == NULL && m.deleted)
		return SH_DB_OK; /* already a tombstone: nothing changes, nobody is told */
	rc = t->body == NULL ? sh_msg_tombstone(conn, t->id, t->now)
			     : sh_msg_edit(conn, t->id, t->body, t->now);
	if (rc == SH_DB_OK)
		rc = sh_msg_json(conn, t->arena, t->id, &t->json);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	t->changed = true;
	return sh_msg_events_fanout(conn, m.conversation_id,
				    t->body == NULL ? "message.deleted" : "message.edited", t->json);
}

static void message_change(struct sh_request *req, struct sh_response *res, struct change_tx *t)
{
	char now[SH_TIME_LEN + 1], window_start[SH_TIME_LEN + 1];
	sh_time_now(now);
	sh_time_format(time(NULL) - SH_MESSAGE_EDIT_WINDOW_S, window_start);
	t->arena = req->arena;
	t->me = req->user.id;
	t->now = now;
	t->window_start = window_start;
	t->is_admin = req->user.role == SH_ROLE_ADMIN;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, change_in_tx, t);
	if (rc == SH_DB_OK && t->changed)
		sh_msg_events_wake(req);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (t->outcome == CHANGE_NOT_FOUND)
		sh_reply_not_found(req, res);
	else if (t->outcome == CHANGE_NOT_AUTHOR)
		sh_reply_problem(req, res, 403, "not_author", NULL);
	else if (t->outcome == CHANGE_DELETED || t->outcome == CHANGE_WINDOW_CLOSED)
		sh_reply_problem(req, res, 409,
				 t->outcome == CHANGE_DELETED ? "message_deleted" : "edit_window_closed",
				 NULL);
	else if (t->body == NULL)
		sh_reply_empty(res, 204);
	else
		sh_reply_raw(res, 200, "application/json", t->json, strlen(t->json));
}

void sh_messages_patch(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"body", NULL};
	struct change_tx t = {.id = sh_req_uuid_param(req, "id")};
	if (t.id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	sh_msg_text_field(req->json, "body", SH_MESSAGE_MAX_CHARS, true, &t.body, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	message_change(req, res, &t);
}

void sh_messages_delete(struct sh_request *req, struct sh_response *res)
{
	struct change_tx t = {.id = sh_req_uuid_param(req, "id")};
	if (t.id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	message_change(req, res, &t);
}
