/*
 * Conversations: direct (one per pair), groups (owner, members, leave, limit), the list
 * (activity order, unread counts, cursor), PATCH (title, mute), read markers, class
 * and BOLA: a conversation one is not in answers 404 on every route. Class conversations
 * are in conversations_class_suite.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversations_support.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

static int64_t db_count1(const char *sql, const char *p1)
{
	return api_db_count(sql, p1, NULL);
}

START_TEST(every_route_needs_a_token)
{
	static const struct api_call calls[] = {
		{"POST", "/api/v1/conversations", "{\"kind\":\"direct\"}"},
		{"GET", "/api/v1/conversations", NULL},
		{"GET", "/api/v1/conversations/" RANDOM_UUID, NULL},
		{"PATCH", "/api/v1/conversations/" RANDOM_UUID, "{}"},
		{"POST", "/api/v1/conversations/" RANDOM_UUID "/members", "{}"},
		{"DELETE", "/api/v1/conversations/" RANDOM_UUID "/members/" RANDOM_UUID, NULL},
		{"GET", "/api/v1/conversations/" RANDOM_UUID "/messages", NULL},
		{"POST", "/api/v1/conversations/" RANDOM_UUID "/messages", "{}"},
		{"POST", "/api/v1/conversations/" RANDOM_UUID "/read", "{}"},
		{"PATCH", "/api/v1/messages/" RANDOM_UUID, "{}"},
		{"DELETE", "/api/v1/messages/" RANDOM_UUID, NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
}
END_TEST

START_TEST(direct_is_one_per_pair)
{
	struct th_member a, b;
	th_member_register(&a, "directa");
	th_member_register(&b, "directb");
	struct th_resp *r = conv_direct(a.access_token, b.id);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	ck_assert_str_eq(th_str(r, "kind"), "direct");
	ck_assert(json_is_null(json_object_get(r->json, "title")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "members")), 2);
	ck_assert(json_is_null(json_object_get(r->json, "last_message")));
	th_resp_free(&r);
	/* Again, from either side: the same conversation, 200. */
	r = conv_direct(a.access_token, b.id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), id);
	th_resp_free(&r);
	r = conv_direct(b.access_token, a.id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), id);
	th_resp_free(&r);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversations WHERE direct_key LIKE "
				   "'%' || $1 || '%'",
				   a.id),
			 1);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversation_members WHERE "
				   "conversation_id = $1",
				   id),
			 2);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(direct_refuses_self_unknown_and_deactivated)
{
	struct th_member a, gone;
	th_member_register(&a, "directself");
	th_member_register(&gone, "directgone");
	struct th_resp *r = conv_direct(a.access_token, a.id);
	assert_field_error(r, "user_id", "self_conversation");
	th_resp_free(&r);
	r = conv_direct(a.access_token, RANDOM_UUID);
	assert_field_error(r, "user_id", "unknown_member");
	th_resp_free(&r);
	r = conv_direct(a.access_token, "not-a-uuid");
	assert_field_error(r, "user_id", "invalid_uuid");
	th_resp_free(&r);
	api_db_exec("UPDATE users SET active = FALSE WHERE id = $1", gone.id, NULL);
	r = conv_direct(a.access_token, gone.id);
	assert_field_error(r, "user_id", "unknown_member");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", a.access_token, "{s:s}", "kind", "channel");
	assert_field_error(r, "kind", "invalid_conversation_kind");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", a.access_token, "{s:s, s:s, s:s}", "kind",
		    "direct", "user_id", gone.id, "extra", "x");
	assert_field_error(r, "extra", "unknown_field");
	th_resp_free(&r);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversation_members WHERE user_id = $1",
				   a.id),
			 0);
	th_member_free(&a);
	th_member_free(&gone);
}
END_TEST

START_TEST(group_has_owner_and_limits)
{
	struct th_member o, b, c;
	th_member_register(&o, "groupowner");
	th_member_register(&b, "groupb");
	th_member_register(&c, "groupc");
	const char *ids[] = {b.id, c.id, b.id, o.id}; /* duplicates and the creator dropped */
	char *id = conv_group_new(o.access_token, "Sortie au zoo", ids, 4);
	struct th_resp *r = conv_get(b.access_token, "/api/v1/conversations/%s", id);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "title"), "Sortie au zoo");
	ck_assert_str_eq(th_str(r, "owner_id"), o.id);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 3);
	json_t *members = json_object_get(r->json, "members");
	ck_assert_int_eq(json_array_size(members), 3);
	int owners = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *m = json_array_get(members, i);
		const char *role = json_string_value(json_object_get(m, "role"));
		if (strcmp(role, "owner") == 0) {
			owners++;
			ck_assert_str_eq(json_string_value(json_object_get(m, "id")), o.id);
		} else {
			ck_assert_str_eq(role, "member");
		}
	}
	ck_assert_int_eq(owners, 1);
	th_resp_free(&r);
	/* 100 others would make 101 members. */
	json_t *many = json_array();
	for (int i = 0; i < 100; i++)
		json_array_append_new(many, json_string(RANDOM_UUID));
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:o}", "kind",
		    "group", "title", "Trop", "member_ids", many);
	assert_field_error(r, "member_ids", "too_many_items");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:[s]}", "kind",
		    "group", "title", "", "member_ids", b.id);
	assert_field_error(r, "title", "too_short");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:[s]}", "kind",
		    "group", "title", "Inconnu", "member_ids", RANDOM_UUID);
	assert_field_error(r, "member_ids[0]", "unknown_member");
	th_resp_free(&r);
	char title[102];
	memset(title, 't', 101);
	title[101] = '\0';
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:[s]}", "kind",
		    "group", "title", title, "member_ids", b.id);
	assert_field_error(r, "title", "too_long");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:s}", "kind",
		    "group", "title", "Liste", "member_ids", b.id);
	assert_field_error(r, "member_ids", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:[i]}", "kind",
		    "group", "title", "Nombres", "member_ids", 7);
	assert_field_error(r, "member_ids[0]", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s}", "kind",
		    "group", "title", "Sans membres");
	assert_field_error(r, "member_ids", "required");
	th_resp_free(&r);
	/* A group of one (its owner) is allowed: members come later. */
	r = th_json("POST", "/api/v1/conversations", o.access_token, "{s:s, s:s, s:[]}", "kind",
		    "group", "title", "Seul", "member_ids");
	ck_assert_int_eq(r->status, 201);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 1);
	th_resp_free(&r);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversations WHERE owner_id = $1", o.id),
			 2);
	free(id);
	th_member_free(&o);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

/* Every route of a conversation one is not in: 404, as for one that does not exist. */
START_TEST(non_members_get_404_everywhere)
{
	struct th_member a, b, x;
	th_member_register(&a, "bolaa");
	th_member_register(&b, "bolab");
	th_member_register(&x, "bolax");
	api_promote(&x, "admin");
	struct th_resp *r = conv_direct(a.access_token, b.id);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char *msg = msg_new(a.access_token, id, "secret");
	char p[256], pm[256], pmm[256], pr[256], pmsg[256];
	snprintf(p, sizeof(p), "/api/v1/conversations/%s", id);
	snprintf(pm, sizeof(pm), "/api/v1/conversations/%s/messages", id);
	snprintf(pmm, sizeof(pmm), "/api/v1/conversations/%s/members", id);
	snprintf(pr, sizeof(pr), "/api/v1/conversations/%s/read", id);
	snprintf(pmsg, sizeof(pmsg), "/api/v1/messages/%s", msg);
	char pdel[512];
	snprintf(pdel, sizeof(pdel), "%s/%s", pmm, a.id);
	const struct api_call calls[] = {
		{"GET", p, NULL},
		{"PATCH", p, "{\"muted\":true}"},
		{"PATCH", p, "{\"title\":\"x\"}"},
		{"POST", pmm, "{\"user_id\":\"" RANDOM_UUID "\"}"},
		{"DELETE", pdel, NULL},
		{"GET", pm, NULL},
		{"POST", pm, "{\"body\":\"hello\"}"},
		{"POST", pr, "{\"seq\":1}"},
		{"PATCH", pmsg, "{\"body\":\"changed\"}"},
		{"DELETE", pmsg, NULL},
		{"GET", "/api/v1/conversations/" RANDOM_UUID, NULL},
		{"GET", "/api/v1/conversations/not-a-uuid", NULL},
		{"DELETE", "/api/v1/messages/" RANDOM_UUID, NULL},
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		r = th_request(calls[i].method, calls[i].path, x.access_token, calls[i].body, NULL,
			       NULL);
		ck_assert_msg(r->status == 404, "%s %s: %ld %s", calls[i].method, calls[i].path,
			      r->status, r->body);
		ck_assert_str_eq(th_code(r), "not_found");
		th_resp_free(&r);
	}
	/* Nothing changed: one message, still its body, no marker nor mute of x. */
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", id),
			 1);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM messages WHERE id = $1 AND body = "
				   "'secret' AND deleted_at IS NULL",
				   msg),
			 1);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversation_reads WHERE user_id = $1",
				   x.id),
			 0);
	ck_assert_ptr_null(conv_listed(x.access_token, id));
	free(id);
	free(msg);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&x);
}
END_TEST

/* Registers "<who>a", "<who>b" and "<who>c"; a starts a direct conversation with each of b
 * and c: their ids in "*ab_r" and "*ac_r" (malloc'ed). */
static void three_with_two_directs(struct th_member *a, struct th_member *b, struct th_member *c,
				   const char *who, char **ab_r, char **ac_r)
{
	char name[32];
	struct th_member *m[] = {a, b, c};
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s%c", who, 'a' + i);
		th_member_register(m[i], name);
	}
	struct th_resp *r = conv_direct(a->access_token, b->id);
	ck_assert_int_eq(r->status, 201);
	*ab_r = strdup(th_str(r, "id"));
	th_resp_free(&r);
	r = conv_direct(a->access_token, c->id);
	ck_assert_int_eq(r->status, 201);
	*ac_r = strdup(th_str(r, "id"));
	th_resp_free(&r);
}

START_TEST(list_is_by_activity_with_unread_and_cursor)
{
	struct th_member a, b, c;
	char *ab, *ac;
	three_with_two_directs(&a, &b, &c, "list", &ab, &ac);
	struct th_resp *r;
	free(msg_new(b.access_token, ab, "un"));
	free(msg_new(b.access_token, ab, "deux"));
	/* Activity times are whole seconds: make the order certain. */
	api_db_exec("UPDATE conversations SET last_activity_at = '2026-01-01T00:00:00Z' WHERE id = $1",
		    ac, NULL);
	r = conv_get(a.access_token, "/api/v1/conversations?limit=1");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "id")), ab);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "unread_count")), 2);
	json_t *last = json_object_get(first, "last_message");
	ck_assert_str_eq(json_string_value(json_object_get(last, "body")), "deux");
	ck_assert_int_eq(json_integer_value(json_object_get(last, "seq")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(last, "author"), "id")),
			 b.id);
	const char *cursor = th_str(r, "next_cursor");
	ck_assert_ptr_nonnull(cursor);
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/conversations?limit=1&cursor=%s", cursor);
	th_resp_free(&r);
	r = conv_get(a.access_token, "%s", path);
	ck_assert_int_eq(r->status, 200);
	first = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "id")), ac);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "unread_count")), 0);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	/* The author read what they wrote. */
	json_t *mine = conv_listed(b.access_token, ab);
	ck_assert_int_eq(json_integer_value(json_object_get(mine, "unread_count")), 0);
	json_decref(mine);
	r = conv_get(a.access_token, "/api/v1/conversations?cursor=garbage");
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	r = conv_get(a.access_token, "/api/v1/conversations?limit=0");
	assert_field_error(r, "limit", "out_of_range");
	th_resp_free(&r);
	free(ab);
	free(ac);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

/* The peer of "item" (a conversation of the list or its detail) has "id" and "first". */
static void assert_peer(json_t *item, const char *id, const char *first)
{
	json_t *peer = json_object_get(item, "peer");
	ck_assert_msg(json_is_object(peer), "no peer in %s", json_dumps(item, 0));
	ck_assert_str_eq(json_string_value(json_object_get(peer, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(peer, "first_name")), first);
	ck_assert_str_eq(json_string_value(json_object_get(peer, "last_name")), "Test");
}

/* The list names a direct conversation's other member ("peer"), so the app needs no
 * request per conversation; a group has none, nor a direct one whose peer was erased. */
START_TEST(list_names_each_direct_peer)
{
	struct th_member a, b, c;
	char *ab, *ac;
	three_with_two_directs(&a, &b, &c, "peer", &ab, &ac);
	struct th_resp *r;
	const char *ids[] = {b.id, c.id};
	char *group = conv_group_new(a.access_token, "Pairs", ids, 2);

	json_t *item = conv_listed(a.access_token, ab);
	assert_peer(item, b.id, "peerb");
	json_decref(item);
	item = conv_listed(b.access_token, ab);
	assert_peer(item, a.id, "peera");
	json_decref(item);
	item = conv_listed(a.access_token, group);
	ck_assert_ptr_nonnull(item);
	ck_assert(json_is_null(json_object_get(item, "peer")));
	json_decref(item);
	r = conv_get(a.access_token, "/api/v1/conversations/%s", ab);
	ck_assert_int_eq(r->status, 200);
	assert_peer(r->json, b.id, "peerb");
	th_resp_free(&r);

	r = th_json("DELETE", "/api/v1/users/me", c.access_token, "{s:s}", "password", c.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	item = conv_listed(a.access_token, ac);
	ck_assert_ptr_nonnull(item);
	ck_assert(json_is_null(json_object_get(item, "peer")));
	json_decref(item);
	free(ab);
	free(ac);
	free(group);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

START_TEST(patch_title_is_the_owners_mute_is_ones_own)
{
	struct th_member o, b;
	th_member_register(&o, "patcho");
	th_member_register(&b, "patchb");
	const char *ids[] = {b.id};
	char *id = conv_group_new(o.access_token, "Avant", ids, 1);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s", id);
	struct th_resp *r = th_json("PATCH", path, b.access_token, "{s:s}", "title", "Pirate");
	ck_assert_problem(r, 403, "not_owner");
	th_resp_free(&r);
	r = th_json("PATCH", path, o.access_token, "{s:s}", "title", "Après");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "title"), "Après");
	th_resp_free(&r);
	r = th_json("PATCH", path, b.access_token, "{s:b}", "muted", 1);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_true(json_object_get(r->json, "muted")));
	th_resp_free(&r);
	json_t *owner_view = conv_listed(o.access_token, id);
	ck_assert(json_is_false(json_object_get(owner_view, "muted")));
	json_decref(owner_view);
	r = th_json("PATCH", path, b.access_token, "{s:s}", "muted", "yes");
	assert_field_error(r, "muted", "invalid_type");
	th_resp_free(&r);
	r = th_json("PATCH", path, o.access_token, "{s:s}", "owner_id", b.id);
	assert_field_error(r, "owner_id", "unknown_field");
	th_resp_free(&r);
	/* A direct conversation has no title to set. */
	r = conv_direct(o.access_token, b.id);
	snprintf(path, sizeof(path), "/api/v1/conversations/%s", th_str(r, "id"));
	th_resp_free(&r);
	r = th_json("PATCH", path, o.access_token, "{s:s}", "title", "Nous");
	ck_assert_problem(r, 403, "not_owner");
	th_resp_free(&r);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversations WHERE id = $1 AND title = "
				   "'Après'",
				   id),
			 1);
	free(id);
	th_member_free(&o);
	th_member_free(&b);
}
END_TEST

static struct th_resp *member_add(const char *token, const char *conv, const char *user)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/members", conv);
	return th_json("POST", path, token, "{s:s}", "user_id", user);
}

static struct th_resp *member_remove(const char *token, const char *conv, const char *user)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/members/%s", conv, user);
	return th_request("DELETE", path, token, NULL, NULL, NULL);
}

START_TEST(owner_adds_and_removes_members_may_leave)
{
	struct th_member o, b, c;
	th_member_register(&o, "membo");
	th_member_register(&b, "membb");
	th_member_register(&c, "membc");
	const char *ids[] = {b.id};
	char *id = conv_group_new(o.access_token, "Comité", ids, 1);
	free(msg_new(o.access_token, id, "avant c"));
	struct th_resp *r = member_add(b.access_token, id, c.id);
	ck_assert_problem(r, 403, "not_owner");
	th_resp_free(&r);
	r = member_add(o.access_token, id, c.id);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 3);
	th_resp_free(&r);
	r = member_add(o.access_token, id, c.id);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* The history c joins is not unread. */
	json_t *seen = conv_listed(c.access_token, id);
	ck_assert_int_eq(json_integer_value(json_object_get(seen, "unread_count")), 0);
	json_decref(seen);
	r = member_add(o.access_token, id, RANDOM_UUID);
	assert_field_error(r, "user_id", "unknown_member");
	th_resp_free(&r);
	/* c leaves; then the conversation is gone for c. */
	r = member_remove(c.access_token, id, c.id);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = conv_get(c.access_token, "/api/v1/conversations/%s", id);
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	r = member_remove(o.access_token, id, c.id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = member_remove(b.access_token, id, o.id);
	ck_assert_problem(r, 403, "not_owner");
	th_resp_free(&r);
	/* A full group refuses one more. */
	api_db_exec("UPDATE conversations SET members_count = 100 WHERE id = $1", id, NULL);
	r = member_add(o.access_token, id, c.id);
	ck_assert_problem(r, 409, "group_full");
	th_resp_free(&r);
	api_db_exec("UPDATE conversations SET members_count = 2 WHERE id = $1", id, NULL);
	/* The owner leaves: b, the one left, owns it. */
	r = member_remove(o.access_token, id, o.id);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = conv_get(b.access_token, "/api/v1/conversations/%s", id);
	ck_assert_str_eq(th_str(r, "owner_id"), b.id);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 1);
	th_resp_free(&r);
	ck_assert_int_eq(db_count1("SELECT COUNT(*) FROM conversation_members WHERE "
				   "conversation_id = $1",
				   id),
			 1);
	/* A direct conversation has no members to edit. */
	r = conv_direct(o.access_token, c.id);
	char *direct = strdup(th_str(r, "id"));
	th_resp_free(&r);
	r = member_add(o.access_token, direct, b.id);
	ck_assert_problem(r, 409, "not_a_group");
	th_resp_free(&r);
	r = member_remove(o.access_token, direct, o.id);
	ck_assert_problem(r, 409, "not_a_group");
	th_resp_free(&r);
	free(direct);
	free(id);
	th_member_free(&o);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

static struct th_resp *read_mark(const char *token, const char *conv, long long seq)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/read", conv);
	return th_json("POST", path, token, "{s:I}", "seq", (json_int_t)seq);
}

START_TEST(read_marker_never_moves_back)
{
	struct th_member a, b;
	th_member_register(&a, "reada");
	th_member_register(&b, "readb");
	struct th_resp *r = conv_direct(a.access_token, b.id);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	for (int i = 0; i < 3; i++)
		free(msg_new(a.access_token, id, "message"));
	r = read_mark(b.access_token, id, 2);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "read_seq")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unread_count")), 1);
	th_resp_free(&r);
	r = read_mark(b.access_token, id, 1);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "read_seq")), 2);
	th_resp_free(&r);
	json_t *row = conv_listed(b.access_token, id);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "unread_count")), 1);
	json_decref(row);
	ck_assert_int_eq(api_db_count("SELECT read_seq FROM conversation_reads WHERE "
				      "conversation_id = $1 AND user_id = $2",
				      id, b.id),
			 2);
	r = read_mark(b.access_token, id, 4);
	assert_field_error(r, "seq", "out_of_range");
	th_resp_free(&r);
	r = read_mark(b.access_token, id, -1);
	assert_field_error(r, "seq", "out_of_range");
	th_resp_free(&r);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/read", id);
	r = th_json("POST", path, b.access_token, "{s:s}", "seq", "3");
	assert_field_error(r, "seq", "invalid_type");
	th_resp_free(&r);
	r = read_mark(b.access_token, id, 3);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unread_count")), 0);
	th_resp_free(&r);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

Suite *api_conversations_suite(void)
{
	Suite *s = suite_create("conversations");
	TCase *tc = tcase_create("conversations");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, every_route_needs_a_token);
	tcase_add_test(tc, direct_is_one_per_pair);
	tcase_add_test(tc, direct_refuses_self_unknown_and_deactivated);
	tcase_add_test(tc, group_has_owner_and_limits);
	tcase_add_test(tc, non_members_get_404_everywhere);
	tcase_add_test(tc, list_is_by_activity_with_unread_and_cursor);
	tcase_add_test(tc, list_names_each_direct_peer);
	tcase_add_test(tc, patch_title_is_the_owners_mute_is_ones_own);
	tcase_add_test(tc, owner_adds_and_removes_members_may_leave);
	tcase_add_test(tc, read_marker_never_moves_back);
	suite_add_tcase(s, tc);
	return s;
}
