/*
 * Messages: posting and pages both ways, bodies and their limits, replies, idempotent
 * client_id, the per-minute limit, editing within the window, tombstones (author, admin),
 * and the GDPR export and erasure.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversations_support.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

/* A direct conversation between two new members (id malloc'ed). */
static char *pair(struct th_member *a, struct th_member *b, const char *who)
{
	char name[64];
	snprintf(name, sizeof(name), "%sa", who);
	th_member_register(a, name);
	snprintf(name, sizeof(name), "%sb", who);
	th_member_register(b, name);
	struct th_resp *r = conv_direct(a->access_token, b->id);
	ck_assert_int_eq(r->status, 201);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

/* The seqs of a page, as "1,2,3" (static buffer). */
static const char *seqs(const struct th_resp *r)
{
	static char buf[512];
	buf[0] = '\0';
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%lld", i ? "," : "",
			 (long long)json_integer_value(
				 json_object_get(json_array_get(items, i), "seq")));
	return buf;
}

START_TEST(post_and_page_both_ways)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "page");
	struct th_resp *r = msg_post(a.access_token, id, "Bonjour !\nÇa va ?");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "conversation_id"), id);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "seq")), 1);
	ck_assert_str_eq(th_str(r, "body"), "Bonjour !\nÇa va ?");
	json_t *author = json_object_get(r->json, "author");
	ck_assert_str_eq(json_string_value(json_object_get(author, "id")), a.id);
	ck_assert(json_is_null(json_object_get(r->json, "reply_to")));
	ck_assert(json_is_null(json_object_get(r->json, "edited_at")));
	ck_assert(json_is_false(json_object_get(r->json, "deleted")));
	char *first = strdup(th_str(r, "id"));
	th_resp_free(&r);
	for (int i = 2; i <= 5; i++)
		free(msg_new(i % 2 ? a.access_token : b.access_token, id, "suite"));
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages", id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(seqs(r), "1,2,3,4,5");
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages?limit=2", id);
	ck_assert_str_eq(seqs(r), "4,5");
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages?before=4&limit=2", id);
	ck_assert_str_eq(seqs(r), "2,3");
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages?after=2&limit=2", id);
	ck_assert_str_eq(seqs(r), "3,4");
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages?after=5", id);
	ck_assert_str_eq(seqs(r), "");
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages?before=x", id);
	assert_field_error(r, "before", "out_of_range");
	th_resp_free(&r);
	/* A reply names a message of the same conversation. */
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/messages", id);
	r = th_json("POST", path, b.access_token, "{s:s, s:s}", "body", "Oui", "reply_to", first);
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_eq(th_str(r, "reply_to"), first);
	th_resp_free(&r);
	r = th_json("POST", path, b.access_token, "{s:s, s:s}", "body", "Non", "reply_to",
		    RANDOM_UUID);
	assert_field_error(r, "reply_to", "unknown_message");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT last_seq FROM conversations WHERE id = $1", id, NULL),
			 6);
	free(first);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(bodies_are_1_to_4000_characters_of_text)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "body");
	/* 4,000 two-byte characters: 8,000 bytes, accepted. */
	char *longest = malloc(8001 + 2);
	for (int i = 0; i < 4000; i++)
		memcpy(longest + 2 * i, "é", 2);
	longest[8000] = '\0';
	struct th_resp *r = msg_post(a.access_token, id, longest);
	ck_assert_msg(r->status == 201, "%ld", r->status);
	th_resp_free(&r);
	memcpy(longest + 8000, "x", 2);
	r = msg_post(a.access_token, id, longest);
	assert_field_error(r, "body", "too_long");
	th_resp_free(&r);
	free(longest);
	r = msg_post(a.access_token, id, "");
	assert_field_error(r, "body", "too_short");
	th_resp_free(&r);
	r = msg_post(a.access_token, id, "bell\a");
	assert_field_error(r, "body", "invalid_text");
	th_resp_free(&r);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/messages", id);
	r = th_request("POST", path, a.access_token, "{\"body\":\"\xff\xfe\"}", NULL, NULL);
	ck_assert_int_eq(r->status, 400);
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:i}", "body", 5);
	assert_field_error(r, "body", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{}");
	assert_field_error(r, "body", "required");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE conversation_id = $1",
				      id, NULL),
			 1);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(client_id_makes_a_retry_post_nothing)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "idem");
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/messages", id);
	struct th_resp *r = th_json("POST", path, a.access_token, "{s:s, s:s}", "body", "Une fois",
				    "client_id", "c-42");
	ck_assert_int_eq(r->status, 201);
	char *first = strdup(th_str(r, "id"));
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "body", "Une fois", "client_id",
		    "c-42");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "id"), first);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "seq")), 1);
	th_resp_free(&r);
	/* Another author may use the same key. */
	r = th_json("POST", path, b.access_token, "{s:s, s:s}", "body", "Moi aussi", "client_id",
		    "c-42");
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE conversation_id = $1",
				      id, NULL),
			 2);
	/* The same key in another conversation is a client bug: refused. */
	struct th_member c;
	th_member_register(&c, "idemc");
	r = conv_direct(a.access_token, c.id);
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/messages", th_str(r, "id"));
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "body", "x", "client_id", "c-42");
	ck_assert_problem(r, 409, "client_id_reused");
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "body", "x", "client_id", "a b");
	assert_field_error(r, "client_id", "invalid_text");
	th_resp_free(&r);
	free(first);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

/* A direct conversation whose other member was deactivated takes no new message. */
START_TEST(deactivated_peer_takes_no_direct_message)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "peer");
	free(msg_new(a.access_token, id, "avant"));
	api_db_exec("UPDATE users SET active = FALSE WHERE id = $1", b.id, NULL);
	struct th_resp *r = msg_post(a.access_token, id, "après");
	ck_assert_problem(r, 409, "recipient_unavailable");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE conversation_id = $1",
				      id, NULL),
			 1);
	/* The history stays readable; back in, they can be written to again. */
	r = conv_get(a.access_token, "/api/v1/conversations/%s/messages", id);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	api_db_exec("UPDATE users SET active = TRUE WHERE id = $1", b.id, NULL);
	free(msg_new(a.access_token, id, "de retour"));
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(thirty_messages_a_minute)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "rate");
	for (int i = 0; i < 30; i++)
		free(msg_new(a.access_token, id, "vite"));
	struct th_resp *r = msg_post(a.access_token, id, "trop");
	ck_assert_problem(r, 429, "too_many_messages");
	const char *retry = th_header(r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert(atoi(retry) >= 1 && atoi(retry) <= 60);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE author_id = $1", a.id,
				      NULL),
			 30);
	/* The other member is not held back. */
	free(msg_new(b.access_token, id, "moi je peux"));
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

static struct th_resp *msg_patch(const char *token, const char *msg, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/messages/%s", msg);
	return th_json("PATCH", path, token, "{s:s}", "body", body);
}

static struct th_resp *msg_delete(const char *token, const char *msg)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/messages/%s", msg);
	return th_request("DELETE", path, token, NULL, NULL, NULL);
}

START_TEST(author_edits_within_15_minutes)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "edit");
	char *msg = msg_new(a.access_token, id, "Premier jet");
	struct th_resp *r = msg_patch(a.access_token, msg, "Version finale");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "body"), "Version finale");
	ck_assert_ptr_nonnull(th_str(r, "edited_at"));
	th_resp_free(&r);
	r = msg_patch(b.access_token, msg, "Pas à moi");
	ck_assert_problem(r, 403, "not_author");
	th_resp_free(&r);
	r = msg_patch(a.access_token, msg, "");
	assert_field_error(r, "body", "too_short");
	th_resp_free(&r);
	api_db_exec("UPDATE messages SET created_at = '2026-01-01T00:00:00Z' WHERE id = $1", msg,
		    NULL);
	r = msg_patch(a.access_token, msg, "Trop tard");
	ck_assert_problem(r, 409, "edit_window_closed");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE id = $1 AND body = "
				      "'Version finale'",
				      msg, NULL),
			 1);
	char *fresh = msg_new(a.access_token, id, "Effacé bientôt");
	r = msg_delete(a.access_token, fresh);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = msg_patch(a.access_token, fresh, "Revenu");
	ck_assert_problem(r, 409, "message_deleted");
	th_resp_free(&r);
	free(fresh);
	free(msg);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(delete_leaves_a_tombstone)
{
	struct th_member a, b, admin;
	char *id = pair(&a, &b, "tomb");
	th_member_register(&admin, "tombadmin");
	api_promote(&admin, "admin");
	char *m1 = msg_new(a.access_token, id, "à effacer");
	char *m2 = msg_new(a.access_token, id, "reste");
	struct th_resp *r = msg_delete(b.access_token, m1);
	ck_assert_problem(r, 403, "not_author");
	th_resp_free(&r);
	/* An admin who is not in the conversation sees nothing of it. */
	r = msg_delete(admin.access_token, m1);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = msg_delete(a.access_token, m1);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = msg_delete(a.access_token, m1);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE id = $1 AND body IS NULL "
				      "AND deleted_at IS NOT NULL",
				      m1, NULL),
			 1);
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages", id);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	json_t *tomb = json_array_get(items, 0);
	ck_assert(json_is_true(json_object_get(tomb, "deleted")));
	ck_assert(json_is_null(json_object_get(tomb, "body")));
	ck_assert_int_eq(json_integer_value(json_object_get(tomb, "seq")), 1);
	th_resp_free(&r);
	/* An admin in the conversation may remove someone else's message. */
	const char *ids[] = {a.id};
	char *group = conv_group_new(admin.access_token, "Modération", ids, 1);
	char *m3 = msg_new(a.access_token, group, "hors sujet");
	r = msg_delete(admin.access_token, m3);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE id = $1 AND body IS NULL",
				      m3, NULL),
			 1);
	free(m1);
	free(m2);
	free(m3);
	free(group);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&admin);
}
END_TEST

START_TEST(export_and_erasure)
{
	struct th_member a, b;
	char *id = pair(&a, &b, "gdpr");
	char *mine = msg_new(a.access_token, id, "mes mots");
	free(msg_new(b.access_token, id, "les siens"));
	const char *ids[] = {b.id};
	char *group = conv_group_new(a.access_token, "Groupe", ids, 1);
	struct th_resp *r = th_request("GET", "/api/v1/users/me/export", a.access_token, NULL, NULL,
				       NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *part = json_object_get(r->json, "messages");
	json_t *msgs = json_object_get(part, "messages");
	ck_assert_int_eq(json_array_size(msgs), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(msgs, 0), "body")),
			 "mes mots");
	ck_assert_int_eq(json_array_size(json_object_get(part, "conversations")), 2);
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", a.access_token, "{s:s}", "password", a.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM messages WHERE author_id = $1 AND "
				      "body IS NULL AND deleted_at IS NOT NULL",
				      a.id, NULL),
			 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM conversation_members WHERE user_id = $1",
				      a.id, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM conversation_reads WHERE user_id = $1",
				      a.id, NULL),
			 0);
	/* b still reads the thread, with a tombstone where a spoke; b owns the group now. */
	r = conv_get(b.access_token, "/api/v1/conversations/%s/messages", id);
	json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "id")), mine);
	ck_assert(json_is_true(json_object_get(first, "deleted")));
	ck_assert(json_is_null(json_object_get(first, "body")));
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s", group);
	ck_assert_str_eq(th_str(r, "owner_id"), b.id);
	th_resp_free(&r);
	/* An erased member is out of reach: no new direct conversation, nothing more in the
	 * old one. */
	r = conv_direct(b.access_token, a.id);
	assert_field_error(r, "user_id", "unknown_member");
	th_resp_free(&r);
	r = msg_post(b.access_token, id, "tu es là ?");
	ck_assert_problem(r, 409, "recipient_unavailable");
	th_resp_free(&r);
	free(mine);
	free(group);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* Posters in one conversation at once: every post gets its own seq, none is lost. */
#define POSTERS 6
#define POSTS_EACH 5

struct poster {
	const char *token, *conv;
	long statuses[POSTS_EACH];
};

static void *poster_run(void *arg)
{
	struct poster *p = arg;
	for (int i = 0; i < POSTS_EACH; i++) {
		struct th_resp *r = msg_post(p->token, p->conv, "en même temps");
		p->statuses[i] = r->status;
		th_resp_free(&r);
	}
	return NULL;
}

START_TEST(concurrent_posts_get_distinct_seqs)
{
	struct th_member m[3];
	th_member_register(&m[0], "concurrenta");
	th_member_register(&m[1], "concurrentb");
	th_member_register(&m[2], "concurrentc");
	const char *ids[] = {m[1].id, m[2].id};
	char *group = conv_group_new(m[0].access_token, "Tous ensemble", ids, 2);
	struct poster posters[POSTERS];
	pthread_t threads[POSTERS];
	for (int i = 0; i < POSTERS; i++) {
		posters[i] = (struct poster){.token = m[i % 3].access_token, .conv = group};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, poster_run, &posters[i]), 0);
	}
	for (int i = 0; i < POSTERS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < POSTERS; i++)
		for (int k = 0; k < POSTS_EACH; k++)
			ck_assert_msg(posters[i].statuses[k] == 201, "poster %d post %d: %ld", i, k,
				      posters[i].statuses[k]);
	const int n = POSTERS * POSTS_EACH;
	ck_assert_int_eq(api_db_count("SELECT COUNT(DISTINCT seq) FROM messages WHERE "
				      "conversation_id = $1",
				      group, NULL),
			 n);
	ck_assert_int_eq(api_db_count("SELECT MAX(seq) FROM messages WHERE conversation_id = $1",
				      group, NULL),
			 n);
	ck_assert_int_eq(api_db_count("SELECT last_seq FROM conversations WHERE id = $1", group,
				      NULL),
			 n);
	free(group);
	for (int i = 0; i < 3; i++)
		th_member_free(&m[i]);
}
END_TEST

Suite *api_messages_suite(void)
{
	Suite *s = suite_create("messages");
	TCase *tc = tcase_create("messages");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, post_and_page_both_ways);
	tcase_add_test(tc, bodies_are_1_to_4000_characters_of_text);
	tcase_add_test(tc, client_id_makes_a_retry_post_nothing);
	tcase_add_test(tc, deactivated_peer_takes_no_direct_message);
	tcase_add_test(tc, thirty_messages_a_minute);
	tcase_add_test(tc, author_edits_within_15_minutes);
	tcase_add_test(tc, delete_leaves_a_tombstone);
	tcase_add_test(tc, export_and_erasure);
	tcase_add_test(tc, concurrent_posts_get_distinct_seqs);
	suite_add_tcase(s, tc);
	return s;
}
