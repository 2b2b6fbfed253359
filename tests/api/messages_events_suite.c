/*
 * The member events the messages module writes (migration 0010's member_events, read back
 * from the database): who gets each kind, and that an event's data is the REST
 * representation the client would have read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversations_support.h"
#include "schoolhub/store.h"

/* The events of "user_id" of "kind" (an int). */
static int64_t events_of(const char *user_id, const char *kind)
{
	return api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND kind = $2",
			    user_id, kind);
}

/* The data of "user_id"'s newest event of "kind", parsed (decref it). */
static json_t *last_event_data(const char *user_id, const char *kind)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT data FROM member_events WHERE user_id = $1 AND "
					"kind = $2 ORDER BY id DESC LIMIT 1",
					SH_ARGS(SH_TEXT(user_id), SH_TEXT(kind)), &st);
	ck_assert_int_eq(rc, SH_DB_ROW);
	json_t *data = json_loads(sh_stmt_col_text(st, 0), 0, NULL);
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	ck_assert_ptr_nonnull(data);
	return data;
}

START_TEST(message_events_reach_every_member_with_the_message)
{
	struct th_member a, b, outsider;
	th_member_register(&a, "eventa");
	th_member_register(&b, "eventb");
	th_member_register(&outsider, "eventx");
	const char *ids[] = {b.id};
	char *group = conv_group_new(a.access_token, "Événements", ids, 1);
	/* The group's creation told both members. */
	ck_assert_int_eq(events_of(a.id, "conversation.updated"), 1);
	ck_assert_int_eq(events_of(b.id, "conversation.updated"), 1);
	struct th_resp *r = msg_post(a.access_token, group, "Réunion jeudi");
	ck_assert_int_eq(r->status, 201);
	char *msg = strdup(th_str(r, "id"));
	ck_assert_int_eq(events_of(a.id, "message.created"), 1);
	ck_assert_int_eq(events_of(b.id, "message.created"), 1);
	ck_assert_int_eq(events_of(outsider.id, "message.created"), 0);
	json_t *data = last_event_data(b.id, "message.created");
	ck_assert_msg(json_equal(data, r->json), "event data differs from the reply: %s", r->body);
	json_decref(data);
	th_resp_free(&r);
	/* A retry with the same client_id, a refused post: no event. */
	r = msg_post(outsider.access_token, group, "intrus");
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(b.id, "message.created"), 1);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/messages/%s", msg);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "body", "Réunion vendredi");
	ck_assert_int_eq(r->status, 200);
	data = last_event_data(b.id, "message.edited");
	ck_assert_str_eq(json_string_value(json_object_get(data, "body")), "Réunion vendredi");
	json_decref(data);
	th_resp_free(&r);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	data = last_event_data(b.id, "message.deleted");
	ck_assert(json_is_true(json_object_get(data, "deleted")));
	ck_assert(json_is_null(json_object_get(data, "body")));
	json_decref(data);
	ck_assert_int_eq(events_of(a.id, "message.deleted"), 1);
	/* Deleting a tombstone again tells no one. */
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(b.id, "message.deleted"), 1);
	free(msg);
	free(group);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&outsider);
}
END_TEST

START_TEST(conversation_and_read_events)
{
	struct th_member a, b, c;
	th_member_register(&a, "convevta");
	th_member_register(&b, "convevtb");
	th_member_register(&c, "convevtc");
	const char *ids[] = {b.id};
	char *group = conv_group_new(a.access_token, "Avant", ids, 1);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s", group);
	struct th_resp *r = th_json("PATCH", path, a.access_token, "{s:s}", "title", "Après");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	json_t *data = last_event_data(b.id, "conversation.updated");
	ck_assert_str_eq(json_string_value(json_object_get(data, "title")), "Après");
	ck_assert_str_eq(json_string_value(json_object_get(data, "id")), group);
	json_decref(data);
	/* Muting is one's own business: no event. */
	r = th_json("PATCH", path, b.access_token, "{s:b}", "muted", 1);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(a.id, "conversation.updated"), 2);
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/members", group);
	r = th_json("POST", path, a.access_token, "{s:s}", "user_id", c.id);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	data = last_event_data(b.id, "conversation.updated");
	ck_assert_int_eq(json_integer_value(json_object_get(data, "members_count")), 3);
	json_decref(data);
	ck_assert_int_eq(events_of(c.id, "conversation.updated"), 1);
	/* Removed: c hears of it too, so their client can drop it. */
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/members/%s", group, c.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(c.id, "conversation.updated"), 2);
	/* read.updated goes to the reader only, when the marker moves. */
	free(msg_new(a.access_token, group, "un"));
	free(msg_new(a.access_token, group, "deux"));
	int64_t a_reads = events_of(a.id, "read.updated");
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/read", group);
	r = th_json("POST", path, b.access_token, "{s:i}", "seq", 2);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(b.id, "read.updated"), 1);
	ck_assert_int_eq(events_of(a.id, "read.updated"), a_reads);
	data = last_event_data(b.id, "read.updated");
	ck_assert_int_eq(json_integer_value(json_object_get(data, "read_seq")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(data, "unread_count")), 0);
	json_decref(data);
	r = th_json("POST", path, b.access_token, "{s:i}", "seq", 1);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(b.id, "read.updated"), 1);
	free(group);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

/* A class conversation's derived members get its messages' events. */
START_TEST(class_events_reach_guardians_and_staff)
{
	struct th_member p, t, admin, other;
	th_member_register(&p, "clevtp");
	th_member_register(&t, "clevtt");
	th_member_register(&admin, "clevtadmin");
	th_member_register(&other, "clevtother");
	api_promote(&t, "teacher");
	api_promote(&admin, "admin");
	struct th_resp *r = th_json("POST", "/api/v1/children", p.access_token, "{s:s, s:s, s:s}",
				    "first_name", "Zoé", "last_name", "Evt", "class_name", "M2");
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = th_json("PUT", "/api/v1/admin/classes/M2/staff", admin.access_token, "{s:[s]}",
		    "user_ids", t.id);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(msg_new(t.access_token, conv_class_id("M2"), "Piscine demain"));
	ck_assert_int_eq(events_of(p.id, "message.created"), 1);
	ck_assert_int_eq(events_of(t.id, "message.created"), 1);
	ck_assert_int_eq(events_of(other.id, "message.created"), 0);
	ck_assert_int_eq(events_of(admin.id, "message.created"), 0);
	th_member_free(&p);
	th_member_free(&t);
	th_member_free(&admin);
	th_member_free(&other);
}
END_TEST

/* Erasure takes every event of the erased member with it, and only theirs: member_events
 * has no foreign key to users (migration 0024), so sh_events_erase_member is all there is. */
START_TEST(erasure_takes_the_members_events)
{
	struct th_member a, b;
	th_member_register(&a, "evgonea");
	th_member_register(&b, "evgoneb");
	const char *ids[] = {b.id};
	char *group = conv_group_new(a.access_token, "Avant départ", ids, 1);
	free(msg_new(a.access_token, group, "Au revoir"));
	ck_assert_int_eq(events_of(b.id, "message.created"), 1);
	int64_t kept = api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1", a.id,
				    NULL);
	ck_assert_int_ge(kept, 2);
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", b.access_token, "{s:s}",
				    "password", b.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1",
				      b.id, NULL),
			 0);
	/* The other member's own events stay (the leave itself may add one). */
	ck_assert_int_ge(api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1",
				      a.id, NULL),
			 kept);
	free(group);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

Suite *api_messages_events_suite(void)
{
	Suite *s = suite_create("messages_events");
	TCase *tc = tcase_create("messages events");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, message_events_reach_every_member_with_the_message);
	tcase_add_test(tc, conversation_and_read_events);
	tcase_add_test(tc, class_events_reach_guardians_and_staff);
	tcase_add_test(tc, erasure_takes_the_members_events);
	suite_add_tcase(s, tc);
	return s;
}
