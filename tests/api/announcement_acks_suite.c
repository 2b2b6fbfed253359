/*
 * Acknowledgements of announcements: a guardian's "read and agreed" (idempotent, once per
 * family: either guardian covers the children they share), who may acknowledge, the tally
 * for the author and admins, the audience frozen at publication, and the GDPR hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announcements_support.h"

static int64_t acks_of(const char *id)
{
	return api_db_count("SELECT COUNT(*) FROM announcement_acks WHERE announcement_id = $1", id,
			    NULL);
}

/* The tally item of "child_id" in a GET .../acks body. */
static json_t *tally_item(const struct th_resp *r, const char *child_id)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *item = json_array_get(items, i);
		json_t *child = json_object_get(item, "child");
		if (strcmp(json_string_value(json_object_get(child, "id")), child_id) == 0)
			return item;
	}
	return NULL;
}

static int64_t total(const struct th_resp *r, const char *what)
{
	return json_integer_value(json_object_get(json_object_get(r->json, "totals"), what));
}

/* Whether "token" sees announcement "id" as acknowledged (JSON true/false/null). */
static json_t *acknowledged_for(const char *token, const char *id)
{
	struct th_resp *r = ann_call("GET", token, id, "");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *v = json_incref(json_object_get(r->json, "acknowledged"));
	th_resp_free(&r);
	return v;
}

START_TEST(two_guardians_acknowledge_once_per_child)
{
	struct th_member admin, mum, dad, teacher;
	ann_member(&admin, "ackadmin", "admin");
	ann_member(&teacher, "ackteacher", "teacher");
	ann_member(&mum, "ackmum", NULL);
	ann_member(&dad, "ackdad", NULL);
	ann_staff(admin.access_token, "P2", teacher.id);
	char *shared = ann_child(mum.access_token, "Alix", "P2");
	char *own = ann_child(mum.access_token, "Basile", "P2"); /* mum's only */
	api_link_coparent(mum.access_token, shared, &dad);
	char *id = ann_publish(teacher.access_token, "Autorisation", "P2", true);

	json_t *v = acknowledged_for(dad.access_token, id);
	ck_assert(json_is_false(v));
	json_decref(v);
	/* Dad acknowledges: it covers the child he guards, not mum's other child. */
	struct th_resp *r = ann_call("POST", dad.access_token, id, "/ack");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert(json_is_true(json_object_get(r->json, "acknowledged")));
	ck_assert_str_eq(th_str(r, "id"), id);
	th_resp_free(&r);
	ck_assert_int_eq(acks_of(id), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_acks WHERE "
				      "announcement_id = $1 AND child_id = $2",
				      id, shared),
			 1);
	v = acknowledged_for(mum.access_token, id);
	ck_assert(json_is_false(v)); /* Basile is still to acknowledge */
	json_decref(v);
	/* Again: idempotent, the same answer and nothing more written. */
	r = ann_call("POST", dad.access_token, id, "/ack");
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_true(json_object_get(r->json, "acknowledged")));
	th_resp_free(&r);
	ck_assert_int_eq(acks_of(id), 1);
	/* Mum acknowledges: Basile is added, Alix keeps dad's acknowledgement. */
	r = ann_call("POST", mum.access_token, id, "/ack");
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_true(json_object_get(r->json, "acknowledged")));
	th_resp_free(&r);
	ck_assert_int_eq(acks_of(id), 2);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_acks WHERE "
				      "child_id = $1 AND user_id = $2",
				      shared, dad.id),
			 1);

	/* The tally: two children, each counted once. */
	r = ann_call("GET", teacher.access_token, id, "/acks");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(total(r, "children"), 2);
	ck_assert_int_eq(total(r, "acknowledged"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	json_t *alix = tally_item(r, shared);
	ck_assert_ptr_nonnull(alix);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(alix, "child"),
							   "first_name")),
			 "Alix");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(alix, "child"),
							   "class_name")),
			 "P2");
	ck_assert(json_is_true(json_object_get(alix, "acknowledged")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(alix, "acknowledged_by"),
							   "id")),
			 dad.id);
	ck_assert_int_eq(strlen(json_string_value(json_object_get(alix, "at"))), 20);
	json_t *basile = tally_item(r, own);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(basile, "acknowledged_by"),
							   "id")),
			 mum.id);
	th_resp_free(&r);
	free(shared);
	free(own);
	free(id);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&mum);
	th_member_free(&dad);
}
END_TEST

START_TEST(who_may_acknowledge_and_see_the_tally)
{
	struct th_member admin, author, colleague, parent;
	ann_member(&admin, "whoadmin", "admin");
	ann_member(&author, "whoauthor", "teacher");
	ann_member(&colleague, "whocolleague", "teacher");
	ann_member(&parent, "whoparent", NULL);
	ann_staff(admin.access_token, "M2", author.id);
	struct th_resp *r = th_json("PUT", "/api/v1/admin/classes/M2/staff", admin.access_token,
				    "{s:[s, s]}", "user_ids", author.id, colleague.id);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	char *child = ann_child(parent.access_token, "Mona", "M2");
	char *plain = ann_publish(author.access_token, "Info", "M2", false);
	char *asked = ann_publish(author.access_token, "Accord", "M2", true);

	/* No acknowledgement asked: 409, nothing written; the parent sees null. */
	r = ann_call("POST", parent.access_token, plain, "/ack");
	ck_assert_problem(r, 409, "ack_not_required");
	th_resp_free(&r);
	ck_assert_int_eq(acks_of(plain), 0);
	json_t *v = acknowledged_for(parent.access_token, plain);
	ck_assert(json_is_null(v));
	json_decref(v);
	/* Staff and admins it is addressed to have no child in it: 403. */
	const struct th_member *no_child[] = {&author, &colleague, &admin};
	for (size_t i = 0; i < 3; i++) {
		r = ann_call("POST", no_child[i]->access_token, asked, "/ack");
		ck_assert_problem(r, 403, "not_a_guardian");
		th_resp_free(&r);
	}
	ck_assert_int_eq(acks_of(asked), 0);
	/* The tally: the author and admins; the colleague and the parent are addressed but
	 * may not see it. */
	const struct th_member *allowed[] = {&author, &admin};
	for (size_t i = 0; i < 2; i++) {
		r = ann_call("GET", allowed[i]->access_token, asked, "/acks");
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		ck_assert_int_eq(total(r, "children"), 1);
		ck_assert_int_eq(total(r, "acknowledged"), 0);
		json_t *item = tally_item(r, child);
		ck_assert(json_is_false(json_object_get(item, "acknowledged")));
		ck_assert(json_is_null(json_object_get(item, "acknowledged_by")));
		ck_assert(json_is_null(json_object_get(item, "at")));
		th_resp_free(&r);
	}
	const struct th_member *refused[] = {&colleague, &parent};
	for (size_t i = 0; i < 2; i++) {
		r = ann_call("GET", refused[i]->access_token, asked, "/acks");
		ck_assert_problem(r, 403, "forbidden");
		th_resp_free(&r);
	}
	free(child);
	free(plain);
	free(asked);
	th_member_free(&admin);
	th_member_free(&author);
	th_member_free(&colleague);
	th_member_free(&parent);
}
END_TEST

/* The audience is the children in the class when it was sent: a child who moves class
 * afterwards stays in the tally under the old class, one who arrives is not in it. */
START_TEST(audience_is_frozen_at_publication)
{
	struct th_member admin, mover, newcomer;
	ann_member(&admin, "frozenadmin", "admin");
	ann_member(&mover, "frozenmover", NULL);
	ann_member(&newcomer, "frozennew", NULL);
	char *moving = ann_child(mover.access_token, "Noa", "M1");
	char *id = ann_publish(admin.access_token, "Photo", "M1", true);
	int64_t frozen = api_db_count("SELECT COUNT(*) FROM announcement_children "
				      "WHERE announcement_id = $1", id, NULL);
	ck_assert_int_eq(frozen, api_db_count("SELECT COUNT(*) FROM children WHERE class_name = $1", "M1",
					      NULL));
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/children/%s", moving);
	struct th_resp *r = th_json("PATCH", path, mover.access_token, "{s:s}", "class_name", "M2");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	char *arriving = ann_child(newcomer.access_token, "Eli", "M1");

	ck_assert(ann_listed(mover.access_token, id, NULL));
	ck_assert(!ann_listed(newcomer.access_token, id, NULL));
	r = ann_call("GET", newcomer.access_token, id, "");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = ann_call("POST", mover.access_token, id, "/ack");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = ann_call("GET", admin.access_token, id, "/acks");
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(total(r, "children"), frozen);
	ck_assert_int_eq(total(r, "acknowledged"), 1);
	json_t *item = tally_item(r, moving);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(item, "child"),
							   "class_name")),
			 "M1");
	ck_assert_ptr_null(tally_item(r, arriving));
	th_resp_free(&r);
	free(moving);
	free(arriving);
	free(id);
	th_member_free(&admin);
	th_member_free(&mover);
	th_member_free(&newcomer);
}
END_TEST

static json_t *export_of(const struct th_member *m)
{
	struct th_resp *r = th_request("GET", "/api/v1/users/me/export", m->access_token, NULL,
				       NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *out = json_incref(r->json);
	th_resp_free(&r);
	return out;
}

static void erase(const struct th_member *m)
{
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", m->access_token, "{s:s}",
				    "password", m->password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
}

START_TEST(export_and_erasure)
{
	struct th_member admin, author, parent, coparent;
	ann_member(&admin, "gdpranadmin", "admin");
	ann_member(&author, "gdprauthor", "admin");
	ann_member(&parent, "gdprparent", NULL);
	ann_member(&coparent, "gdprcoparent", NULL);
	char *child = ann_child(parent.access_token, "Zoé", "P4");
	api_link_coparent(parent.access_token, child, &coparent);
	char *id = ann_publish(author.access_token, "Règlement", "P4", true);
	struct th_resp *r = ann_call("POST", parent.access_token, id, "/ack");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	json_t *e = export_of(&author);
	json_t *authored = json_object_get(e, "announcements_authored");
	ck_assert_int_eq(json_array_size(authored), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(authored, 0), "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(authored, 0),
							   "audience_classes")),
			 "P4");
	ck_assert_int_eq(json_array_size(json_object_get(e, "announcement_acknowledgements")), 0);
	json_decref(e);
	e = export_of(&parent);
	json_t *acks = json_object_get(e, "announcement_acknowledgements");
	ck_assert_int_eq(json_array_size(acks), 1);
	json_t *ack = json_array_get(acks, 0);
	ck_assert_str_eq(json_string_value(json_object_get(ack, "announcement_id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(ack, "child_id")), child);
	ck_assert_str_eq(json_string_value(json_object_get(ack, "title")), "Règlement");
	ck_assert_int_eq(json_array_size(json_object_get(e, "announcements_authored")), 0);
	json_decref(e);

	/* The author leaves: the announcement stays, by a former member (author null). */
	erase(&author);
	r = ann_call("GET", parent.access_token, id, "");
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_null(json_object_get(r->json, "author")));
	ck_assert_str_eq(th_str(r, "title"), "Règlement");
	th_resp_free(&r);
	/* The guardian who acknowledged leaves (the child stays with the co-parent): the
	 * family's acknowledgement stays, without them. */
	erase(&parent);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_acks WHERE user_id = $1",
				      parent.id, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_acks WHERE child_id = $1 "
				      "AND user_id IS NULL",
				      child, NULL),
			 1);
	r = ann_call("GET", admin.access_token, id, "/acks");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *item = tally_item(r, child);
	ck_assert(json_is_true(json_object_get(item, "acknowledged")));
	ck_assert(json_is_null(json_object_get(item, "acknowledged_by")));
	ck_assert_int_eq(total(r, "acknowledged"), 1);
	th_resp_free(&r);
	json_t *v = acknowledged_for(coparent.access_token, id);
	ck_assert(json_is_true(v));
	json_decref(v);
	free(child);
	free(id);
	th_member_free(&admin);
	th_member_free(&author);
	th_member_free(&parent);
	th_member_free(&coparent);
}
END_TEST

Suite *api_announcement_acks_suite(void)
{
	Suite *s = suite_create("announcement acks");
	TCase *tc = tcase_create("acknowledgements and tally");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, two_guardians_acknowledge_once_per_child);
	tcase_add_test(tc, who_may_acknowledge_and_see_the_tally);
	tcase_add_test(tc, audience_is_frozen_at_publication);
	tcase_add_test(tc, export_and_erasure);
	suite_add_tcase(s, tc);
	return s;
}
