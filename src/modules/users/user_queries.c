/* SQL for users. Written once; runs unchanged on SQLite and PostgreSQL. */
#include "modules/users/user_queries.h"
#include "modules/users/privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/json_writer.h"
#include "schoolhub/mem.h"
#include "schoolhub/text.h"

/* What the directory searches: the words of both names (sh_search_text; malloc'ed). */
char *sh_user_search_name(const char *first, const char *last)
{
	size_t n = strlen(first) + strlen(last) + 2;
	char *both = sh_malloc(n);
	snprintf(both, n, "%s %s", first, last);
	char *words = sh_search_text(both);
	free(both);
	return words;
}

#define USER_COLUMNS                                                                         \
	"id, email, password_hash, first_name, last_name, phone, locale, role, created_at, " \
	"token_generation, is_verified, pending_approval"

static void read_user(struct sh_stmt *st, struct sh_arena *arena, struct sh_user *u)
{
	u->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	u->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	u->password_hash = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	u->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	u->last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
	u->phone = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
	u->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 6));
	u->role = sh_arena_strdup(arena, sh_stmt_col_text(st, 7));
	u->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 8));
	u->token_generation = sh_stmt_col_int64(st, 9);
	u->is_verified = sh_stmt_col_bool(st, 10);
	u->pending_approval = sh_stmt_col_bool(st, 11);
}

/* Runs a one-row lookup with one text parameter. */
static enum sh_db_rc lookup_one(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
				const char *param, struct sh_user *u)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, sql, SH_ARGS(SH_TEXT(param)), &st);
	if (rc == SH_DB_ROW)
		read_user(st, arena, u);
	sh_stmt_free(&st);
	return rc;
}

#define USER_BY_ID_SQL                                                                      \
	"SELECT " USER_COLUMNS " FROM users WHERE id = $1 AND active AND deleted_at IS NULL"

enum sh_db_rc sh_user_by_id(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			    struct sh_user *u)
{
	return lookup_one(conn, arena, USER_BY_ID_SQL, id, u);
}

const struct sh_account_lookup sh_user_account_lookup = {.sql = USER_BY_ID_SQL, .read = read_user};

enum sh_db_rc sh_user_by_email(struct sh_conn *conn, struct sh_arena *arena, const char *email,
			       struct sh_user *u)
{
	return lookup_one(conn, arena,
			  "SELECT " USER_COLUMNS
			  " FROM users WHERE email = $1 AND active AND deleted_at IS NULL",
			  email, u);
}

enum sh_db_rc sh_user_insert(struct sh_conn *conn, const struct sh_user *u, const char *now)
{
	char *search = sh_user_search_name(u->first_name, u->last_name);
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO users (id, email, password_hash, first_name, last_name, phone, "
		"locale, role, created_at, updated_at, search_name, is_verified, pending_approval) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
		SH_ARGS(SH_TEXT(u->id), SH_TEXT(u->email), SH_TEXT(u->password_hash),
			SH_TEXT(u->first_name), SH_TEXT(u->last_name), SH_TEXT(u->phone),
			SH_TEXT(u->locale), SH_TEXT(u->role), SH_TEXT(now), SH_TEXT(search),
			SH_BOOL(u->is_verified), SH_BOOL(u->pending_approval)),
		NULL);
	free(search);
	return rc;
}

enum sh_db_rc sh_user_update_profile(struct sh_conn *conn, const struct sh_user *u, const char *now)
{
	char *search = sh_user_search_name(u->first_name, u->last_name);
	enum sh_db_rc rc = sh_exec(
		conn,
		"UPDATE users SET first_name = $2, last_name = $3, phone = $4, locale = $5, "
		"updated_at = $6, search_name = $7 WHERE id = $1",
		SH_ARGS(SH_TEXT(u->id), SH_TEXT(u->first_name), SH_TEXT(u->last_name),
			SH_TEXT(u->phone), SH_TEXT(u->locale), SH_TEXT(now), SH_TEXT(search)),
		NULL);
	free(search);
	return rc;
}

enum sh_db_rc sh_user_set_password(struct sh_conn *conn, const struct sh_user *checked,
				   const char *hash, const char *now, int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE users SET password_hash = $2, updated_at = $3, "
		       "token_generation = token_generation + 1 "
		       "WHERE id = $1 AND password_hash = $4 AND token_generation = $5 "
		       "AND active AND deleted_at IS NULL",
		       SH_ARGS(SH_TEXT(checked->id), SH_TEXT(hash), SH_TEXT(now),
			       SH_TEXT(checked->password_hash), SH_INT(checked->token_generation)),
		       changed_r);
}

enum sh_db_rc sh_user_set_role(struct sh_conn *conn, const char *email, const char *role,
			       const char *now, int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE users SET role = $2, updated_at = $3, pending_approval = (1 = 0) "
		       "WHERE email = $1 AND deleted_at IS NULL",
		       SH_ARGS(SH_TEXT(email), SH_TEXT(role), SH_TEXT(now)), changed_r);
}

enum sh_db_rc sh_user_erase(struct sh_conn *conn, const char *id, const char *now)
{
	/* The row stays so records other members need (later: ledger entries) keep pointing at
	 * a pseudonym; every personal field is overwritten and the login made impossible. */
	return sh_exec(
		conn,
		"UPDATE users SET email = 'deleted-' || id || '@invalid', password_hash = '', "
		"first_name = 'Ancien', last_name = 'membre', phone = NULL, active = $2, "
		"search_name = '', token_generation = token_generation + 1, "
		"deleted_at = $3, updated_at = $3 WHERE id = $1",
		SH_ARGS(SH_TEXT(id), SH_BOOL(false), SH_TEXT(now)), NULL);
}

/*
 * Which way the directory's SQL runs, as for the SEL's search (service_queries.c): a word
 * that begins fewer than SPARSE_BELOW indexed words drives the query (its members read
 * from the word index, then sorted); otherwise each member's search_name is checked in
 * name order (LIKE '% word%') and the page ends as soon as it is full. The bar is higher
 * than the SEL's: the list is in name order and the words are names, so a surname's
 * members sit together, late in the order for a "Vermeulen": checking members one by one
 * would read nearly all of them before the first match.
 */
#define SPARSE_BELOW 2000
/* Counting a one- or two-letter word ("ma") up to 2,000 cost more than the page: past
 * 300 such a word is common in any school, and its members are everywhere in the order. */
#define SPARSE_BELOW_SHORT 300

/* The index of the rarest word when it is sparse, or -1. */
static enum sh_db_rc driving_word(struct sh_conn *conn, const struct sh_user_search *q,
				  int *driver_r)
{
	int64_t best = SPARSE_BELOW;
	*driver_r = -1;
	for (size_t i = 0; q != NULL && i < q->count; i++) {
		int64_t n = 0, bar = strlen(q->from[i]) <= 2 ? SPARSE_BELOW_SHORT : SPARSE_BELOW;
		enum sh_db_rc rc = sh_query_int64(
			conn,
			"SELECT COUNT(*) FROM (SELECT 1 FROM user_search_words "
			"WHERE word >= $1 AND word < $2 LIMIT $3) AS firsts",
			SH_ARGS(SH_TEXT(q->from[i]), SH_TEXT(q->to[i]), SH_INT(bar)), &n);
		if (rc != SH_DB_OK && rc != SH_DB_ROW)
			return rc;
		if (n < bar && n < best) {
			best = n;
			*driver_r = (int)i;
		}
	}
	return SH_DB_OK;
}

enum sh_db_rc sh_user_directory(struct sh_conn *conn, struct sh_arena *arena,
				const struct sh_user_search *q, const char *after_last,
				const char *after_first, const char *after_id, int limit,
				struct sh_jw *items, struct sh_user_directory_page *page_r)
{
	*page_r = (struct sh_user_directory_page){0};
	size_t n = q != NULL ? q->count : 0;
	struct sh_arg binds[6 + 2 * SH_USER_SEARCH_WORDS_MAX] = {SH_INT((int64_t)limit + 1)};
	int count = 1;
	int driver;
	enum sh_db_rc rc = driving_word(conn, q, &driver);
	if (rc != SH_DB_OK)
		return rc;
	/* The driving word's range is the FROM's (CROSS JOIN keeps SQLite's join order);
	 * every other word is a LIKE on the member's own words. Index users_directory_by_id
	 * (migration 0023) answers each of the driving word's members without reading the
	 * row: PostgreSQL otherwise hashed all the members rather than look up a few hundred. */
	const char *sql = "SELECT u.id, u.first_name, u.last_name FROM users u WHERE ";
	if (driver >= 0) {
		binds[count++] = SH_TEXT(q->from[driver]);
		binds[count++] = SH_TEXT(q->to[driver]);
		/* SQLite looked each member up in the primary key's index, then read the row
		 * for the names (users_directory_by_id went unused): named, the index answers
		 * alone ("INDEXED BY" is SQLite's; PostgreSQL already takes it). */
		bool sqlite = sh_db_kind(sh_conn_db(conn)) == SH_DB_SQLITE;
		sql = sh_arena_printf(arena,
				      "SELECT u.id, u.first_name, u.last_name FROM (SELECT DISTINCT "
				      "user_id FROM user_search_words WHERE word >= $2 AND word < $3) w "
				      "CROSS JOIN users u %sWHERE u.id = w.user_id AND ",
				      sqlite ? "INDEXED BY users_directory_by_id " : "");
	}
	sql = sh_arena_printf(arena, "%su.active AND u.deleted_at IS NULL ", sql);
	/* The cursor only when there is one: "CAST($1 AS TEXT) IS NULL OR ..." left
	 * PostgreSQL's generic plan guessing (as the SEL's COALESCE filters did). */
	if (after_id != NULL) {
		binds[count++] = SH_TEXT(after_last);
		binds[count++] = SH_TEXT(after_first);
		binds[count++] = SH_TEXT(after_id);
		sql = sh_arena_printf(arena,
				      "%sAND (u.last_name, u.first_name, u.id) > ($%d, $%d, $%d) ",
				      sql, count - 2, count - 1, count);
	}
	for (size_t i = 0; i < n; i++) {
		if ((int)i == driver)
			continue;
		/* Built in SQL, not bound whole: SQLite recompiles a statement each time a
		 * bound LIKE pattern is bound again. */
		binds[count++] = SH_TEXT(q->from[i]);
		sql = sh_arena_printf(arena, "%sAND u.search_name LIKE '%% ' || $%d || '%%' ", sql,
				      count);
	}
	sql = sh_arena_printf(arena, "%sORDER BY u.last_name, u.first_name, u.id LIMIT $1", sql);
	struct sh_stmt *st = sh_query(conn, sql, (struct sh_args){binds, count});
	for (int row = 0; (rc = sh_stmt_step(st)) == SH_DB_ROW; row++) {
		if (row == limit) {
			page_r->more = true;
			rc = SH_DB_OK;
			break;
		}
		const char *id = sh_stmt_col_text(st, 0), *first = sh_stmt_col_text(st, 1),
			   *last = sh_stmt_col_text(st, 2);
		sh_jw_object_begin(items);
		sh_jw_kstring(items, "id", id);
		sh_jw_kstring(items, "first_name", first);
		sh_jw_kstring(items, "last_name", last);
		sh_jw_object_end(items);
		/* Only a full page's last row can be the next page's cursor. */
		if (row == limit - 1) {
			page_r->last_name = sh_arena_strdup(arena, last);
			page_r->first_name = sh_arena_strdup(arena, first);
			page_r->id = sh_arena_strdup(arena, id);
		}
	}
	sh_stmt_free(&st);
	return rc;
}

void sh_user_write(struct sh_jw *w, const struct sh_user *u)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", u->id);
	sh_jw_kstring(w, "email", u->email);
	sh_jw_kstring(w, "first_name", u->first_name);
	sh_jw_kstring(w, "last_name", u->last_name);
	sh_jw_kstring(w, "phone", u->phone);
	sh_jw_kstring(w, "locale", u->locale);
	sh_jw_kstring(w, "role", u->role);
	sh_jw_kstring(w, "created_at", u->created_at);
	sh_jw_kbool(w, "is_verified", u->is_verified);
	sh_jw_object_end(w);
}

json_t *sh_user_to_json(const struct sh_user *u)
{
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_user_write(&w, u);
	json_t *out = sh_jw_to_json(&w);
	sh_arena_destroy(&arena);
	return out;
}

enum sh_db_rc sh_user_privacy_accept(struct sh_conn *conn, const char *user_id, const char *version,
				     const char *now)
{
	int64_t changed = 0;
	enum sh_db_rc rc =
		sh_exec(conn,
			"UPDATE users SET privacy_version = $2, privacy_accepted_at = $3 "
			"WHERE id = $1",
			SH_ARGS(SH_TEXT(user_id), SH_TEXT(version), SH_TEXT(now)), &changed);
	/* The row was inserted by the same transaction: not finding it is a bug, not a 404. */
	return rc == SH_DB_OK && changed != 1 ? SH_DB_ERROR : rc;
}

enum sh_db_rc sh_user_privacy_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT privacy_version, privacy_accepted_at FROM users "
					"WHERE id = $1",
					SH_ARGS(SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		json_t *privacy = json_pack("{s:s?, s:s?}", "version", sh_stmt_col_text(st, 0),
					    "accepted_at", sh_stmt_col_time(st, 1));
		rc = privacy != NULL ? SH_DB_OK : SH_DB_ERROR;
		json_object_set_new(out, "privacy", privacy);
	} else if (rc == SH_DB_OK) {
		rc = SH_DB_ERROR; /* the exporting account always has its row */
	}
	sh_stmt_free(&st);
	return rc;
}
