/* SQL for SEL services. Written once; runs on SQLite and PostgreSQL. */
#include "modules/sel/service_queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/mem.h"
#include "schoolhub/text.h"
#include "schoolhub/util.h"

/* The columns every service reply is built from; read by service_to_json(). */
#define SERVICE_COLUMNS                                                                         \
	"SELECT s.id, s.user_id, s.title, s.description, s.category, s.kind, "                 \
	"       s.units_per_hour, s.is_active, s.created_at, u.first_name, u.last_name, "      \
	"       u.deleted_at "
#define SERVICE_SELECT SERVICE_COLUMNS "FROM sel_services s JOIN users u ON u.id = s.user_id "

static void service_write(struct sh_jw *w, struct sh_stmt *st, const char *former_member)
{
	/* A deleted member's row holds a pseudonym in the stored language; show the
	 * caller's word for it instead, and nothing that looks like a surname. */
	bool gone = !sh_stmt_col_is_null(st, 11);
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", sh_stmt_col_text(st, 0));
	sh_jw_kstring(w, "user_id", sh_stmt_col_text(st, 1));
	sh_jw_key(w, "owner");
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", sh_stmt_col_text(st, 1));
	sh_jw_kstring(w, "first_name", gone ? former_member : sh_stmt_col_text(st, 9));
	sh_jw_kstring(w, "last_name", gone ? "" : sh_stmt_col_text(st, 10));
	sh_jw_object_end(w);
	sh_jw_kstring(w, "title", sh_stmt_col_text(st, 2));
	sh_jw_kstring(w, "description", sh_stmt_col_text(st, 3));
	sh_jw_kstring(w, "category", sh_stmt_col_text(st, 4));
	sh_jw_kstring(w, "kind", sh_stmt_col_text(st, 5));
	sh_jw_kint(w, "units_per_hour", sh_stmt_col_int64(st, 6));
	sh_jw_kbool(w, "is_active", sh_stmt_col_bool(st, 7));
	sh_jw_kstring(w, "created_at", sh_stmt_col_time(st, 8));
	sh_jw_object_end(w);
}

enum sh_db_rc sh_sel_service_load(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  struct sh_sel_service *s)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT id, user_id, title, description, category, kind, "
					"units_per_hour, is_active FROM sel_services WHERE id = $1",
					SH_ARGS(SH_TEXT(id)), &st);
	if (rc != SH_DB_ROW)
		return rc;
	s->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	s->user_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	s->title = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	s->description = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	s->category = sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
	s->kind = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
	s->units_per_hour = sh_stmt_col_int64(st, 6);
	s->is_active = sh_stmt_col_bool(st, 7);
	sh_stmt_free(&st);
	return SH_DB_ROW;
}

enum sh_db_rc sh_sel_service_json(struct sh_conn *conn, const char *id,
				  const char *former_member, json_t **service_r)
{
	*service_r = NULL;
	struct sh_stmt *st;
	enum sh_db_rc rc =
		sh_query_row(conn, SERVICE_SELECT "WHERE s.id = $1", SH_ARGS(SH_TEXT(id)), &st);
	if (rc != SH_DB_ROW)
		return rc;
	/* Written once (service_write) and read back: callers inspect the value. */
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	sh_jw_init(&w, arena);
	service_write(&w, st, former_member);
	sh_stmt_free(&st);
	*service_r = sh_jw_to_json(&w);
	sh_arena_destroy(&arena);
	return *service_r != NULL ? SH_DB_ROW : SH_DB_ERROR;
}

/*
 * Which way the search's SQL runs. A word that begins fewer than SPARSE_BELOW indexed
 * words drives the query: its services are read from the word index, then sorted. Other
 * words (and words naming a category) are checked on each service's own search_text
 * (LIKE '% word%': the text is " word word ", and a word holds no LIKE wildcard) while
 * the index sel_services_recent delivers the newest first, which stops at the page's end
 * after a few hundred rows at most. Left to itself, SQLite took one plan for every word:
 * scanning every service for a word nobody wrote, or sorting thousands of rows for a
 * common one. Counting first costs one short index range read per word.
 */
#define SPARSE_BELOW 300

/* The word that drives a sparse search (the rarest without categories), or -1. */
static enum sh_db_rc driving_word(struct sh_conn *conn, const struct sh_sel_service_filter *f,
				  int *driver_r)
{
	int64_t best = SPARSE_BELOW;
	*driver_r = -1;
	for (size_t i = 0; i < f->n_words; i++) {
		if (f->words[i].n_categories > 0)
			continue;
		int64_t n = 0;
		enum sh_db_rc rc = sh_query_int64(
			conn,
			"SELECT COUNT(*) FROM (SELECT 1 FROM sel_service_search_words "
			"WHERE word >= $1 AND word < $2 LIMIT $3) AS firsts",
			SH_ARGS(SH_TEXT(f->words[i].from), SH_TEXT(f->words[i].to),
				SH_INT(SPARSE_BELOW)),
			&n);
		if (rc != SH_DB_OK && rc != SH_DB_ROW)
			return rc;
		if (n < best) {
			best = n;
			*driver_r = (int)i;
		}
	}
	return SH_DB_OK;
}

/* A search's SQL and its binds, built together so each $n is bound exactly once. */
struct search_query {
	const char *sql;
	struct sh_arg binds[8 + SH_SEL_SEARCH_WORDS_MAX * (1 + SH_SEL_SEARCH_CATEGORIES_MAX)];
	int count;
};

static int bind_arg(struct search_query *q, struct sh_arg arg)
{
	q->binds[q->count++] = arg;
	return q->count; /* its $n */
}

static int bind_text(struct search_query *q, const char *text)
{
	return bind_arg(q, SH_TEXT(text));
}

/* "s.category IN ($a, $b)" for the categories a search word names, each code bound. An
 * equality per code, not one bound list matched with "',a,b,' LIKE '%,' || s.category
 * || ',%'": that built a pattern and ran LIKE for every row the scan read (SQLite, "garde"
 * at 10,000 families: 1.04 -> 0.88 million instructions per request; docs/PERFORMANCE.md,
 * session 9). PostgreSQL's plan is the same. */
static const char *category_in(struct sh_arena *arena, const struct sh_sel_search_word *w,
			       struct search_query *q)
{
	const char *sql = "s.category IN (";
	for (size_t i = 0; i < w->n_categories; i++)
		sql = sh_arena_printf(arena, "%s%s$%d", sql, i > 0 ? ", " : "",
				      bind_text(q, w->categories[i]));
	return sh_arena_printf(arena, "%s)", sql);
}

/*
 * The filters a request sets, each as its own condition: a filter left out is absent
 * from the text, never "s.category = COALESCE($1, s.category)". PostgreSQL's generic
 * plan (the driver prepares every statement) estimated each such COALESCE as selective,
 * five of them one row in all, and so scanned and sorted every service instead of
 * reading sel_services_recent newest first up to the page's end (36 ms instead of
 * 0.4 ms at 10,000 families; docs/PERFORMANCE.md). The same goes for the cursor.
 */
static const char *filter_conditions(struct sh_arena *arena, const struct sh_sel_service_filter *f,
				     struct search_query *q)
{
	const char *sql = "";
	if (f->category != NULL)
		sql = sh_arena_printf(arena, "%sAND s.category = $%d ", sql,
				      bind_text(q, f->category));
	if (f->kind != NULL)
		sql = sh_arena_printf(arena, "%sAND s.kind = $%d ", sql, bind_text(q, f->kind));
	if (f->user_id != NULL)
		sql = sh_arena_printf(arena, "%sAND s.user_id = $%d ", sql, bind_text(q, f->user_id));
	if (f->after_time != NULL && f->after_id != NULL) {
		int t = bind_text(q, f->after_time);
		int id = bind_text(q, f->after_id);
		sql = sh_arena_printf(arena, "%sAND (s.created_at, s.id) < ($%d, $%d) ", sql, t, id);
	}
	return sql;
}

/* The page's size ($1), the driving word's range in the FROM, the filters set, and one
 * condition per other word. One text per shape, so each connection caches a few dozen. */
static void search_query(struct sh_arena *arena, const struct sh_sel_service_filter *f,
			 int limit, int driver, struct search_query *q)
{
	q->count = 0;
	bind_arg(q, SH_INT((int64_t)limit + 1));
	/* A sparse search starts from its word's services (CROSS JOIN keeps SQLite's join
	 * order; PostgreSQL plans it as any inner join). */
	const char *from = "FROM sel_services s JOIN users u ON u.id = s.user_id WHERE ";
	if (driver >= 0) {
		int lo = bind_text(q, f->words[driver].from);
		int hi = bind_text(q, f->words[driver].to);
		from = sh_arena_printf(arena,
				       "FROM (SELECT DISTINCT service_id FROM sel_service_search_words "
				       "WHERE word >= $%d AND word < $%d) w CROSS JOIN sel_services s "
				       "JOIN users u ON u.id = s.user_id WHERE s.id = w.service_id AND ",
				       lo, hi);
	}
	/* Withdrawn services too (a member's own list) is a separate text, so the directory's
	 * "s.is_active = TRUE" stays visible to the planner: written as an equality, it lets
	 * index sel_services_recent (is_active, created_at, id) deliver the newest first and
	 * stop at the page's end (a bare "s.is_active" made SQLite scan and sort every row). */
	char *sql = sh_arena_printf(arena, SERVICE_COLUMNS "%s%su.active AND u.deleted_at IS NULL %s",
				    from, f->with_withdrawn ? "" : "s.is_active = TRUE AND ",
				    filter_conditions(arena, f, q));
	for (size_t i = 0; i < f->n_words; i++) {
		const struct sh_sel_search_word *w = &f->words[i];
		if ((int)i == driver)
			continue;
		/* The pattern is built in SQL, not bound whole: SQLite recompiles a statement
		 * whenever a bound LIKE pattern is bound again (it might use an index for a
		 * fixed prefix), which cost every search a parse and a plan. */
		int word = bind_text(q, w->from);
		if (w->n_categories == 0) {
			sql = sh_arena_printf(arena, "%sAND s.search_text LIKE '%% ' || $%d || '%%' ",
					      sql, word);
		} else {
			/* The category first: it settles a row of that category without reading
			 * its words. */
			sql = sh_arena_printf(arena,
					      "%sAND (%s OR s.search_text LIKE '%% ' || $%d || '%%') ",
					      sql, category_in(arena, w, q), word);
		}
	}
	q->sql = sh_arena_printf(arena, "%sORDER BY s.created_at DESC, s.id DESC LIMIT $1", sql);
}

enum sh_db_rc sh_sel_services_search(struct sh_conn *conn, struct sh_arena *arena,
				     const struct sh_sel_service_filter *f, int limit,
				     const char *former_member, struct sh_jw *items,
				     struct sh_sel_services_page *page_r)
{
	*page_r = (struct sh_sel_services_page){0};
	int driver;
	enum sh_db_rc rc = driving_word(conn, f, &driver);
	if (rc != SH_DB_OK)
		return rc;
	struct search_query q;
	search_query(arena, f, limit, driver, &q);
	struct sh_stmt *st = sh_query(conn, q.sql, (struct sh_args){q.binds, q.count});
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (page_r->count == limit) {
			page_r->more = true;
			rc = SH_DB_OK;
			break;
		}
		service_write(items, st, former_member);
		/* Only a full page's last row can be the next page's cursor: formatting it for
		 * every row was 4 % of a search's instructions (callgrind). */
		if (page_r->count == limit - 1) {
			snprintf(page_r->last_created_at, sizeof(page_r->last_created_at), "%s",
				 sh_stmt_col_time(st, 8));
			snprintf(page_r->last_id, sizeof(page_r->last_id), "%s",
				 sh_stmt_col_text(st, 0));
		}
		page_r->count++;
	}
	sh_stmt_free(&st);
	return rc;
}

/* What the directory's "q" searches: the words of the title and description
 * (sh_search_text; malloc'ed). */
char *sh_sel_service_search_text(const char *title, const char *description)
{
	size_t n = strlen(title) + strlen(description) + 2;
	char *both = sh_malloc(n);
	snprintf(both, n, "%s %s", title, description);
	char *words = sh_search_text(both);
	free(both);
	return words;
}

enum sh_db_rc sh_sel_service_insert(struct sh_conn *conn, const struct sh_sel_service *s,
				    const char *search_text, const char *now)
{
	return sh_exec(conn,
		       "INSERT INTO sel_services (id, user_id, title, description, category, kind, "
		       "units_per_hour, is_active, search_text, created_at, updated_at) "
		       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
		       SH_ARGS(SH_TEXT(s->id), SH_TEXT(s->user_id), SH_TEXT(s->title),
			       SH_TEXT(s->description), SH_TEXT(s->category), SH_TEXT(s->kind),
			       SH_INT(s->units_per_hour), SH_BOOL(s->is_active),
			       SH_TEXT(search_text), SH_TEXT(now)),
		       NULL);
}

enum sh_db_rc sh_sel_service_update(struct sh_conn *conn, const struct sh_sel_service *s,
				    const char *search_text, const char *now)
{
	return sh_exec(conn,
		       "UPDATE sel_services SET title = $2, description = $3, category = $4, "
		       "kind = $5, units_per_hour = $6, is_active = $7, search_text = $8, "
		       "updated_at = $9 WHERE id = $1",
		       SH_ARGS(SH_TEXT(s->id), SH_TEXT(s->title), SH_TEXT(s->description),
			       SH_TEXT(s->category), SH_TEXT(s->kind), SH_INT(s->units_per_hour),
			       SH_BOOL(s->is_active), SH_TEXT(search_text), SH_TEXT(now)),
		       NULL);
}

enum sh_db_rc sh_sel_service_set_active(struct sh_conn *conn, const char *id, bool active,
					const char *now)
{
	return sh_exec(conn, "UPDATE sel_services SET is_active = $2, updated_at = $3 WHERE id = $1",
		       SH_ARGS(SH_TEXT(id), SH_BOOL(active), SH_TEXT(now)), NULL);
}

/* --- what the rest of the module (ledger, GDPR hooks) uses ------------------------ */

enum sh_db_rc sh_sel_service_owner(struct sh_conn *conn, const char *service_id, char owner_r[37])
{
	char id[SH_UUID_LEN + 1];
	if (!sh_uuid_normalize(service_id, id))
		return SH_DB_OK; /* not a UUID: no such service */
	struct sh_stmt *st;
	enum sh_db_rc rc =
		sh_query_row(conn, "SELECT user_id FROM sel_services WHERE id = $1 AND is_active",
			     SH_ARGS(SH_TEXT(id)), &st);
	if (rc != SH_DB_ROW)
		return rc;
	const char *owner = sh_stmt_col_text(st, 0);
	if (owner != NULL && strlen(owner) == SH_UUID_LEN)
		memcpy(owner_r, owner, SH_UUID_LEN + 1);
	else
		rc = SH_DB_ERROR;
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_services_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT id, title, description, category, kind, units_per_hour, is_active, "
		"created_at, updated_at FROM sel_services WHERE user_id = $1 "
		"ORDER BY created_at, id",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		json_t *item = json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:s, s:s}", "id",
			sh_stmt_col_text(st, 0), "title", sh_stmt_col_text(st, 1), "description",
			sh_stmt_col_text(st, 2), "category", sh_stmt_col_text(st, 3), "kind",
			sh_stmt_col_text(st, 4), "units_per_hour", (json_int_t)sh_stmt_col_int64(st, 5),
			"is_active", sh_stmt_col_bool(st, 6), "created_at", sh_stmt_col_time(st, 7),
			"updated_at", sh_stmt_col_time(st, 8));
		if (item == NULL) {
			rc = SH_DB_ERROR;
			break;
		}
		json_array_append_new(items, item);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_services_deactivate_user(struct sh_conn *conn, const char *user_id,
					      const char *now)
{
	/* The rows stay: transactions may name them (foreign key) and show their title in
	 * other members' history. The description is the free text most likely to carry
	 * contact details (phone, address), so it goes, and with it what search matched. */
	return sh_exec(conn,
		       "UPDATE sel_services SET is_active = $2, description = '', search_text = '', "
		       "updated_at = $3 WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id), SH_BOOL(false), SH_TEXT(now)), NULL);
}
