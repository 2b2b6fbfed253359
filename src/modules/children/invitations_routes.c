/*
 * Co-parent invitations (see invitations.h). Two promises shape this file:
 * - Sending never reveals whether an address has an account: the invitation is stored by
 *   address, no account is looked up, and the answer is the same 202 for every address,
 *   known, unknown, already a guardian or invited before. Only a malformed body (422), the
 *   caller's own address (422) and a child the caller does not guard (404) differ. A
 *   co-parent may also be named by "user_id" instead of an address, but only one who
 *   already shares a child with the caller (anyone else, existing or not, is the same
 *   422 not_a_co_parent): the caller learns nothing GET /children does not show.
 * - An invitation is answered only by the account holding its address, and someone else's
 *   invitation does not exist for the caller (404).
 * - An invitation belongs to whoever proved they hold its address: an account whose
 *   address is not verified sees none (an empty list) and cannot answer one (404), so
 *   registering first with someone else's address gains nothing (issue #10).
 * E-mail: every accepted send enqueues, in its own transaction, an e-mail to the address
 * (invitation_mail.c), whether or not it has an account: the e-mail asks its reader to
 * sign in or register with it, and the inviter's answer stays the same 202.
 */
#include <string.h>
#include <time.h>

#include "modules/children/child_queries.h"
#include "modules/children/invitation_queries.h"
#include "modules/children/invitations.h"
#include "modules/messages/class_membership.h"
#include "modules/users/user_fields.h"
#include "schoolhub/events.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

/* The one answer of POST /children/{id}/guardians, byte for byte, whoever is invited. */
static const char sent_body[] = "{\"status\":\"invitation_sent\"}";

static const char *read_relationship(struct sh_request *req, struct sh_validation *v)
{
	const char *s = NULL;
	if (!sh_json_get_string(req->json, "relationship", false, &s, v))
		return "parent";
	const char *r = sh_field_name(req, "relationship", s, v);
	if (r != NULL && strlen(r) > 50) {
		sh_validation_add(v, "relationship", "too_long");
		return NULL;
	}
	return r;
}

struct send_tx {
	struct sh_request *req;
	const char *child_id;
	/* outcome */
	bool not_found;
	bool child_left; /* archived: read-only, no new guardian */
	struct sh_validation v;
	long retry_after; /* > 0 when over the limit */
};

/* Seconds until the oldest send in the window ages out (at least 1). */
/* The invitee by address; refused when it is the caller's own. */
static void read_invitee_email(struct send_tx *t, const char **email_r)
{
	struct sh_request *req = t->req;
	if (sh_json_get_string(req->json, "email", true, email_r, &t->v))
		*email_r = sh_field_email(req, "email", *email_r, &t->v);
	if (*email_r != NULL && strcmp(*email_r, req->user.account.email) == 0)
		sh_validation_add(&t->v, "email", "own_email"); /* says nothing about others */
}

/* The invitee as "user_id": a co-parent who already shares one of the caller's children
 * (the app offers them by name); the address is looked up here. */
static enum sh_db_rc read_invitee_co_parent(struct sh_conn *conn, struct send_tx *t,
					    const char **email_r)
{
	struct sh_request *req = t->req;
	const char *user_id = NULL;
	if (json_object_get(req->json, "email") != NULL) {
		sh_validation_add(&t->v, "user_id", "email_or_user_id");
		return SH_DB_OK;
	}
	if (!sh_json_get_string(req->json, "user_id", true, &user_id, &t->v))
		return SH_DB_OK;
	enum sh_db_rc rc = SH_DB_OK; /* a malformed id names nobody either */
	if (sh_uuid_valid(user_id))
		rc = sh_co_parent_email(conn, req->arena, req->user.id, user_id, email_r);
	if (rc == SH_DB_OK)
		sh_validation_add(&t->v, "user_id", "not_a_co_parent");
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

/* The body, read only after the guardian check: a stranger learns nothing from 422s. */
static enum sh_db_rc read_invitation(struct sh_conn *conn, struct send_tx *t, const char **email_r,
				     const char **rel_r)
{
	static const char *const allowed[] = {"email", "user_id", "relationship", NULL};
	struct sh_request *req = t->req;
	sh_json_check_allowed(req, allowed, &t->v);
	if (t->v.count > 0)
		return SH_DB_OK;
	enum sh_db_rc rc = SH_DB_OK;
	if (json_object_get(req->json, "user_id") != NULL)
		rc = read_invitee_co_parent(conn, t, email_r);
	else
		read_invitee_email(t, email_r);
	*rel_r = read_relationship(req, &t->v);
	return rc;
}

static enum sh_db_rc send_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct send_tx *t = ctx;
	struct sh_request *req = t->req;
	t->not_found = false;
	t->child_left = false;
	t->retry_after = 0;
	memset(&t->v, 0, sizeof(t->v));
	enum sh_db_rc rc = sh_guardian_exists(conn, t->child_id, req->user.id);
	if (rc != SH_DB_ROW) {
		t->not_found = rc == SH_DB_OK;
		*rollback_r = true;
		return rc == SH_DB_OK ? SH_DB_OK : rc;
	}
	rc = sh_child_left(conn, t->child_id);
	t->child_left = rc == SH_DB_ROW;
	if (rc != SH_DB_OK) {
		*rollback_r = t->child_left;
		return t->child_left ? SH_DB_OK : rc;
	}
	const char *email = NULL, *relationship = NULL;
	if ((rc = read_invitation(conn, t, &email, &relationship)) != SH_DB_OK)
		return rc;
	if (t->v.count > 0) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	time_t now_t = time(NULL);
	char now[SH_TIME_LEN + 1], window_start[SH_TIME_LEN + 1], expires[SH_TIME_LEN + 1];
	sh_time_format(now_t, now);
	sh_time_format(now_t - SH_INVITATION_WINDOW_S, window_start);
	sh_time_format(now_t + SH_INVITATION_TTL_S, expires);
	struct sh_window_tally sent;
	rc = sh_invitation_sends_since(conn, req->arena, req->user.id, window_start, &sent);
	if (rc != SH_DB_OK)
		return rc;
	if (sent.count >= SH_INVITATIONS_PER_WINDOW) {
		t->retry_after = sh_retry_after_s(sent.oldest, SH_INVITATION_WINDOW_S, now_t);
		*rollback_r = true;
		return SH_DB_OK;
	}
	if ((rc = sh_invitation_send_record(conn, req->user.id, now, window_start)) != SH_DB_OK)
		return rc;
	char id[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	rc = sh_invitation_upsert(conn, id, t->child_id, req->user.id, email, relationship, now,
				  expires);
	if (rc != SH_DB_OK)
		return rc;
	return sh_invitation_mail_enqueue(conn, t->child_id, req->user.id, email);
}

void sh_invitation_send(struct sh_request *req, struct sh_response *res)
{
	struct send_tx t = {.req = req, .child_id = sh_req_uuid_param(req, "id")};
	if (t.child_id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, send_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
	} else if (t.not_found) {
		sh_reply_not_found(req, res);
	} else if (t.child_left) {
		sh_reply_problem(req, res, 409, "child_left", NULL);
	} else if (t.v.count > 0) {
		sh_validation_or_reply(req, res, &t.v);
	} else if (t.retry_after > 0) {
		sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", t.retry_after));
		sh_reply_problem(req, res, 429, "too_many_invitations", NULL);
	} else {
		sh_jobs_wake(req->app);
		sh_reply_raw(res, 202, "application/json", sent_body, sizeof(sent_body) - 1);
	}
}

void sh_invitations_of_child_get(struct sh_request *req, struct sh_response *res)
{
	const char *child_id = sh_req_uuid_param(req, "id");
	enum sh_db_rc rc = child_id == NULL ? SH_DB_OK
					    : sh_guardian_exists(req->db, child_id, req->user.id);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	json_t *items = json_array();
	rc = sh_invitations_of_child(req->db, child_id, now, items);
	if (rc != SH_DB_OK) {
		json_decref(items);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_json(req, res, 200, json_pack("{s:o}", "items", items));
}

void sh_invitations_mine_get(struct sh_request *req, struct sh_response *res)
{
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	json_t *items = json_array();
	if (!req->user.account.is_verified) { /* not proved to be theirs: nothing addressed */
		sh_reply_json(req, res, 200, json_pack("{s:o}", "items", items));
		return;
	}
	enum sh_db_rc rc = sh_invitations_to_email(req->db, req->user.account.email,
						   req->user.id, now, items);
	if (rc != SH_DB_OK) {
		json_decref(items);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_json(req, res, 200, json_pack("{s:o}", "items", items));
}

/*
 * Answering an invitation: accept and decline (the invitee) and withdraw (a guardian of
 * the child) each run as one transaction that reads the invitation, re-checks it and
 * writes, so an answer never races a withdrawal or a second answer.
 */
enum answer { ANSWER_ACCEPT, ANSWER_DECLINE, ANSWER_WITHDRAW };

struct answer_tx {
	struct sh_request *req;
	enum answer answer;
	const char *id;
	/* outcome */
	const char *problem; /* "not_found", "invitation_closed" or "child_left" */
	json_t *child;       /* ANSWER_ACCEPT: the child as the new guardian sees it */
	struct sh_class_watch watch; /* ANSWER_ACCEPT: the class conversation they join */
};

static enum sh_db_rc accept_invitation(struct sh_conn *conn, struct answer_tx *t,
				       const struct sh_invitation *inv, const char *now)
{
	struct sh_request *req = t->req;
	enum sh_db_rc rc = sh_guardian_exists(conn, inv->child_id, req->user.id);
	if (rc != SH_DB_OK && rc != SH_DB_ROW)
		return rc;
	bool guardian = rc == SH_DB_ROW;
	if (strcmp(inv->status, "accepted") == 0 && guardian)
		return SH_DB_OK; /* accepting twice is accepting once */
	if (!inv->open) {
		t->problem = "invitation_closed";
		return SH_DB_OK;
	}
	/* A child who left the school is archived: it gains no new guardian. */
	if ((rc = sh_child_left(conn, inv->child_id)) == SH_DB_ROW) {
		t->problem = "child_left";
		return SH_DB_OK;
	}
	if (rc != SH_DB_OK)
		return rc;
	if (!guardian &&
	    ((rc = sh_class_watch_child(conn, req->arena, &t->watch, inv->child_id)) != SH_DB_OK ||
	     (rc = sh_guardian_insert(conn, inv->child_id, req->user.id, inv->relationship, now)) !=
		     SH_DB_OK))
		return rc;
	return sh_invitation_close(conn, inv->id, "accepted", now);
}

static enum sh_db_rc answer_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct answer_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	json_decref(t->child);
	t->child = NULL;
	memset(&t->watch, 0, sizeof(t->watch));
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_invitation inv = {0};
	enum sh_db_rc rc =
		t->answer == ANSWER_WITHDRAW
			? sh_invitation_for_guardian(conn, req->arena, t->id, req->user.id, now, &inv)
			: sh_invitation_for_invitee(conn, req->arena, t->id, req->user.account.email,
						    now, &inv);
	if (rc == SH_DB_OK)
		t->problem = "not_found";
	if (rc != SH_DB_ROW)
		goto out;
	const char *closing = t->answer == ANSWER_DECLINE ? "declined" : "withdrawn";
	rc = SH_DB_OK;
	if (t->answer == ANSWER_ACCEPT)
		rc = accept_invitation(conn, t, &inv, now);
	else if (strcmp(inv.status, "pending") == 0)
		rc = sh_invitation_close(conn, inv.id, closing, now); /* even if expired */
	else if (strcmp(inv.status, closing) != 0)
		t->problem = "invitation_closed"; /* the same answer twice is fine, another is not */
	if (rc == SH_DB_OK && t->problem == NULL && t->answer == ANSWER_ACCEPT) {
		json_t *items = json_array();
		rc = sh_children_of_guardian(conn, req->user.id, inv.child_id, items);
		t->child = json_incref(json_array_get(items, 0));
		json_decref(items);
		if (rc == SH_DB_OK)
			rc = sh_invitation_notify_linked(req, conn, inv.inviter_id, inv.id, t->child);
		if (rc == SH_DB_OK)
			rc = sh_class_watch_notify(conn, req->arena, &t->watch);
	}
out:
	if (t->problem != NULL)
		*rollback_r = true;
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

static void answer(struct sh_request *req, struct sh_response *res, enum answer a)
{
	struct answer_tx t = {.req = req, .answer = a, .id = sh_req_uuid_param(req, "id")};
	/* Answering as the invitee needs the address proved; withdrawing is a guardian's act. */
	if (t.id == NULL || (a != ANSWER_WITHDRAW && !req->user.account.is_verified)) {
		sh_reply_not_found(req, res);
		return;
	}
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, answer_in_tx, &t);
	sh_notify_wake(req->app);
	if (rc == SH_DB_OK && t.watch.wrote)
		sh_events_wake(req->app);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (t.problem != NULL && strcmp(t.problem, "not_found") == 0)
		sh_reply_not_found(req, res);
	else if (t.problem != NULL)
		sh_reply_problem(req, res, 409, t.problem, NULL);
	else if (a == ANSWER_ACCEPT && t.child != NULL)
		sh_reply_json(req, res, 200, json_incref(t.child));
	else if (a == ANSWER_ACCEPT)
		sh_reply_internal(req, res); /* linked but not readable: cannot happen */
	else
		sh_reply_empty(res, 204);
	json_decref(t.child);
}

void sh_invitation_accept(struct sh_request *req, struct sh_response *res)
{
	answer(req, res, ANSWER_ACCEPT);
}

void sh_invitation_decline(struct sh_request *req, struct sh_response *res)
{
	answer(req, res, ANSWER_DECLINE);
}

void sh_invitation_withdraw(struct sh_request *req, struct sh_response *res)
{
	answer(req, res, ANSWER_WITHDRAW);
}
