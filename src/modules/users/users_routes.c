/*
 * Module "users": the caller's profile, password, members directory, GDPR export
 * and account deletion.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "modules/auth/login_throttle.h"
#include "modules/auth/session_queries.h"
#include "modules/users/account_erase.h"
#include "modules/users/privacy.h"
#include "modules/users/user_fields.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/events.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/modules.h"
#include "schoolhub/security.h"
#include "schoolhub/text.h"
#include "schoolhub/util.h"

static void users_get_me(struct sh_request *req, struct sh_response *res)
{
	/* The account the auth gate read for this request: no second query. */
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_user_write(&w, &req->user.account);
	sh_reply_jw(req, res, 200, &w);
}

/* Only the fields a PATCH names; the rest of the row is re-read inside the transaction so
 * two concurrent PATCHes of different fields both stick. */
struct profile_patch {
	struct sh_request *req;
	const char *first_name, *last_name, *phone, *locale;
	bool set_first, set_last, set_phone, set_locale;
	struct sh_user result;
};

static enum sh_db_rc patch_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct profile_patch *p = ctx;
	enum sh_db_rc rc = sh_user_by_id(conn, p->req->arena, p->req->user.id, &p->result);
	if (rc == SH_DB_OK) {
		*rollback_r = true; /* deleted meanwhile: the reply below says 401 */
		p->result.id = NULL;
		return SH_DB_OK;
	}
	if (rc != SH_DB_ROW)
		return rc;
	if (p->set_first)
		p->result.first_name = p->first_name;
	if (p->set_last)
		p->result.last_name = p->last_name;
	if (p->set_phone)
		p->result.phone = p->phone;
	if (p->set_locale)
		p->result.locale = p->locale;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	return sh_user_update_profile(conn, &p->result, now);
}

static void users_patch_me(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"first_name", "last_name", "phone", "locale", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct profile_patch p = {.req = req};
	struct sh_validation v = {0};
	const char *s = NULL;
	bool is_null = false;
	if ((p.set_first = sh_json_get_string(req->json, "first_name", false, &s, &v)))
		p.first_name = sh_field_name(req, "first_name", s, &v);
	if ((p.set_last = sh_json_get_string(req->json, "last_name", false, &s, &v)))
		p.last_name = sh_field_name(req, "last_name", s, &v);
	if ((p.set_phone = sh_json_get_nullable_string(req->json, "phone", &s, &is_null, &v)))
		p.phone = is_null ? NULL : sh_field_phone(req, "phone", s, &v);
	if ((p.set_locale = sh_json_get_string(req->json, "locale", false, &s, &v)))
		p.locale = sh_field_locale("locale", s, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, patch_in_tx, &p);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (p.result.id == NULL) {
		sh_reply_problem(req, res, 401, "unauthorized", NULL);
		return;
	}
	sh_reply_json(req, res, 200, sh_user_to_json(&p.result));
}

/* How a password write ended. */
enum password_outcome {
	PASSWORD_WRITTEN,
	PASSWORD_CHANGED_MEANWHILE, /* another change won the race: 409 password_changed */
	PASSWORD_ACCOUNT_GONE,      /* deleted meanwhile: 401 unauthorized */
};

struct password_tx {
	struct sh_arena *arena;
	const struct sh_user *checked; /* the row whose current password was verified */
	const char *hash, *now;
	enum password_outcome outcome;
};

static enum sh_db_rc password_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct password_tx *t = ctx;
	t->outcome = PASSWORD_WRITTEN;
	int64_t changed = 0;
	/* argon2id ran outside the transaction: the hash is written only over the password
	 * that was checked, so of two concurrent changes one wins, and a change racing the
	 * account's deletion writes nothing onto the erased row. */
	enum sh_db_rc rc = sh_user_set_password(conn, t->checked, t->hash, t->now, &changed);
	if (rc != SH_DB_OK)
		return rc;
	if (changed != 1) {
		struct sh_user row;
		rc = sh_user_by_id(conn, t->arena, t->checked->id, &row);
		if (rc != SH_DB_OK && rc != SH_DB_ROW)
			return rc;
		t->outcome = rc == SH_DB_ROW ? PASSWORD_CHANGED_MEANWHILE : PASSWORD_ACCOUNT_GONE;
		*rollback_r = true;
		return SH_DB_OK;
	}
	return sh_refresh_revoke_user(conn, t->checked->id, t->now);
}

static void users_change_password(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"current_password", "new_password", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *current = NULL, *next = NULL;
	sh_json_get_string(req->json, "current_password", true, &current, &v);
	if (sh_json_get_string(req->json, "new_password", true, &next, &v))
		sh_field_password("new_password", next, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	/* The account the auth gate read for this request: no second query. Someone holding
	 * a stolen token gets no more guesses at the password than at the login. */
	const struct sh_user *me = &req->user.account;
	if (sh_password_check_or_reply(req, res, me->email, me->password_hash, current) != 0)
		return;
	char hash[SH_PASSWORD_HASH_MAX], now[SH_TIME_LEN + 1];
	enum sh_pw_result pw = sh_password_hash(req->app, next, hash);
	if (pw != SH_PW_OK) {
		if (pw == SH_PW_BUSY)
			sh_reply_busy(req, res);
		else
			sh_reply_internal(req, res);
		return;
	}
	sh_time_now(now);
	struct password_tx t = {req->arena, me, hash, now, PASSWORD_WRITTEN};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, password_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.outcome == PASSWORD_CHANGED_MEANWHILE)
		sh_reply_problem(req, res, 409, "password_changed", NULL);
	else if (t.outcome == PASSWORD_ACCOUNT_GONE)
		sh_reply_problem(req, res, 401, "unauthorized", NULL);
	else
		sh_reply_empty(res, 204);
}

/* The directory's cursor: ["last_name", "first_name", "id"] of the last row served. */
static int decode_cursor(struct sh_request *req, const char *cursor, const char **last_r,
			 const char **first_r, const char **id_r)
{
	const char *parts[3];
	if (sh_cursor_decode(req->arena, cursor, 3, parts) != 0 || !sh_uuid_valid(parts[2]))
		return -1;
	*last_r = parts[0];
	*first_r = parts[1];
	*id_r = parts[2];
	return 0;
}

/* The words of "q" (NULL: none) as prefix ranges of the directory's word index. */
static void directory_search(struct sh_request *req, const char *q, struct sh_user_search *s)
{
	const char *words[SH_USER_SEARCH_WORDS_MAX];
	*s = (struct sh_user_search){0};
	s->count = q != NULL ? sh_search_words(req->arena, q, words, SH_USER_SEARCH_WORDS_MAX) : 0;
	for (size_t i = 0; i < s->count; i++) {
		s->from[i] = words[i];
		s->to[i] = sh_search_prefix_end(req->arena, words[i]);
	}
}

static void users_directory(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	const char *q = sh_req_query(req, "q");
	const char *cursor = sh_req_query(req, "cursor");
	const char *after_last = NULL, *after_first = NULL, *after_id = NULL;
	struct sh_validation v = {0};
	if (cursor != NULL && decode_cursor(req, cursor, &after_last, &after_first, &after_id) != 0)
		sh_validation_add(&v, "cursor", "invalid_cursor");
	if (q != NULL && (!sh_utf8_valid_text(q, 100, NULL)))
		sh_validation_add(&v, "q", "invalid_text");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct sh_user_search search;
	directory_search(req, q, &search);
	/* A blank q is no search; a q of only signs ("%", "-") is a search for no word,
	 * which no member matches. */
	bool blank = q == NULL || strspn(q, " ") == strlen(q);
	struct sh_jw items;
	struct sh_user_directory_page page = {0};
	sh_page_begin(req, &items);
	enum sh_db_rc rc = !blank && search.count == 0
				   ? SH_DB_OK
				   : sh_user_directory(req->db, req->arena, search.count > 0 ? &search : NULL,
						       after_last, after_first, after_id, limit, &items,
						       &page);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_page(req, res, &items,
		      page.more ? sh_cursor_encode(req->arena,
						   (const char *[]){page.last_name, page.first_name,
								    page.id},
						   3)
				: NULL);
}

struct export_read {
	const char *user_id;
	json_t *out;
};

static enum sh_db_rc export_read(struct sh_conn *conn, void *ctx)
{
	struct export_read *e = ctx;
	enum sh_db_rc rc = SH_DB_OK;
	for (size_t i = 0; rc == SH_DB_OK && i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		/* Every module, enabled or not: data a switched-off module still holds is
		 * still the member's data (erasure runs every module too). */
		if (m->export_part != NULL)
			rc = m->export_part(conn, e->user_id, e->out);
	}
	return rc;
}

static void users_export(struct sh_request *req, struct sh_response *res)
{
	/* The account the auth gate read for this request: no second query. */
	struct sh_user me = req->user.account;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	json_t *out = json_pack("{s:s, s:s, s:o}", "format", "schoolhub-export-v1", "exported_at",
				now, "user", sh_user_to_json(&me));
	/* One snapshot, so the export is consistent. */
	struct export_read ctx = {me.id, out};
	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, export_read, &ctx);
	if (rc != SH_DB_OK) {
		json_decref(out);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"schoolhub-export-%.10s.json\"",
				      now));
	sh_reply_json(req, res, 200, out);
}

struct erase_tx {
	const char *user_id, *now;
};

enum sh_db_rc sh_account_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	/* Every module runs its part whether enabled or not: data must not survive a
	 * module being switched off for a while. */
	for (size_t i = 0; i < sh_module_count; i++) {
		if (sh_modules[i]->erase_user == NULL)
			continue;
		enum sh_db_rc rc = sh_modules[i]->erase_user(conn, user_id, now);
		if (rc != SH_DB_OK)
			return rc;
	}
	enum sh_db_rc rc = sh_events_erase_member(conn, user_id); /* the realtime log */
	return rc == SH_DB_OK ? sh_user_erase(conn, user_id, now) : rc;
}

static enum sh_db_rc erase_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct erase_tx *t = ctx;
	return sh_account_erase(conn, t->user_id, t->now);
}

static void users_delete_me(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"password", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *password = NULL;
	sh_json_get_string(req->json, "password", true, &password, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	/* The account the auth gate read for this request: no second query. */
	struct sh_user me = req->user.account;
	if (sh_password_check_or_reply(req, res, me.email, me.password_hash, password) != 0)
		return;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct erase_tx t = {me.id, now};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, erase_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_empty(res, 204);
}

static const struct sh_route users_routes[] = {
	{"GET", "/api/v1/users/me", users_get_me, SH_ROUTE_AUTH, 0},
	{"PATCH", "/api/v1/users/me", users_patch_me, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"DELETE", "/api/v1/users/me", users_delete_me, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"POST", "/api/v1/users/me/password", users_change_password,
	 SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"GET", "/api/v1/users/me/export", users_export, SH_ROUTE_AUTH, 0},
	/* The directory never reads the role or the account: its account check travels
	 * with its first read on PostgreSQL (SH_ROUTE_ACCOUNT_LATE). */
	{"GET", "/api/v1/users", users_directory, SH_ROUTE_AUTH | SH_ROUTE_ACCOUNT_LATE, 0},
};

/* The account itself is the export's "user"; this adds the privacy notice it accepted. */
static enum sh_db_rc users_export_part(struct sh_conn *conn, const char *user_id, json_t *out)
{
	return sh_user_privacy_export(conn, user_id, out);
}

const struct sh_module sh_module_users = {
	.name = "users",
	.id = SH_MODULE_USERS,
	.routes = users_routes,
	.route_count = sizeof(users_routes) / sizeof(users_routes[0]),
	.export_part = users_export_part,
	.account_lookup = &sh_user_account_lookup,
};
