/* SQL of the job queue (table jobs, migration 0008). Written once; runs on both backends. */
#include "jobs/job_queries.h"

#include <stdlib.h>
#include <string.h>

#include "schoolhub/json_writer.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

/* Above every v7 id: "from the newest" without a NULL that PostgreSQL would have to type. */
#define NEWEST_ID "ffffffff-ffff-ffff-ffff-ffffffffffff"

enum sh_db_rc sh_job_enqueue(struct sh_conn *conn, const char *kind, json_t *payload,
			     char id_r[37])
{
	return sh_job_enqueue_at(conn, kind, payload, NULL, id_r);
}

enum sh_db_rc sh_job_enqueue_at(struct sh_conn *conn, const char *kind, json_t *payload,
				const char *run_at, char id_r[37])
{
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v7(id); /* time-ordered: the list pages by id */
	sh_time_now(now);
	char *text = json_dumps(payload, JSON_COMPACT);
	if (text == NULL)
		return SH_DB_ERROR;
	enum sh_db_rc rc = sh_exec(conn,
				   "INSERT INTO jobs (id, kind, payload, state, attempts, run_at, "
				   "created_at, updated_at) VALUES ($1, $2, $3, 'queued', 0, $5, $4, $4)",
				   SH_ARGS(SH_TEXT(id), SH_TEXT(kind), SH_TEXT(text), SH_TEXT(now),
					   SH_TEXT(run_at != NULL ? run_at : now)),
				   NULL);
	free(text);
	if (rc == SH_DB_OK && id_r != NULL)
		memcpy(id_r, id, sizeof(id));
	return rc;
}

enum sh_db_rc sh_job_claim(struct sh_conn *conn, struct sh_arena *arena, const char *worker,
			   const char *now, const char *lease_until, struct sh_job_claim *c)
{
	/*
	 * One statement: the oldest due job whose lease (if any) ran out becomes this worker's.
	 * The outer WHERE repeats the lease test, so when two workers picked the same row the
	 * second one's UPDATE (PostgreSQL re-checks it on the row the first one wrote; SQLite
	 * runs writers one at a time) changes nothing: no job is ever claimed twice at once.
	 */
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $3, "
		"attempts = attempts + 1, updated_at = $2 "
		"WHERE id = (SELECT id FROM jobs WHERE state IN ('queued', 'running') "
		"            AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2) "
		"            ORDER BY run_at, id LIMIT 1) "
		"AND state IN ('queued', 'running') AND (locked_until IS NULL OR locked_until < $2) "
		"RETURNING id, kind, payload, attempts",
		SH_ARGS(SH_TEXT(worker), SH_TEXT(now), SH_TEXT(lease_until)), &st);
	if (rc == SH_DB_ROW) {
		c->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		c->kind = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		c->payload = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		c->attempts = sh_stmt_col_int64(st, 3);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_job_due_count(struct sh_conn *conn, const char *now, int64_t *count_r)
{
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') "
					  "AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)",
					  SH_ARGS(SH_TEXT(now)), count_r);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

enum sh_db_rc sh_job_finish(struct sh_conn *conn, const char *id, const char *worker,
			    const char *state, const char *run_at, const char *error,
			    const char *now, int64_t *changed_r)
{
	/* Only while this worker still holds the job: if its lease ran out and another
	 * worker took it over, that one records the outcome. locked_by stays: who ran it
	 * last, for an operator (the lease is locked_until). */
	return sh_exec(conn,
		       "UPDATE jobs SET state = $3, run_at = COALESCE($4, run_at), last_error = $5, "
		       "locked_until = NULL, updated_at = $6 "
		       "WHERE id = $1 AND locked_by = $2 AND state = 'running'",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(worker), SH_TEXT(state), SH_TEXT(run_at),
			       SH_TEXT(error), SH_TEXT(now)),
		       changed_r);
}

enum sh_db_rc sh_jobs_purge_done(struct sh_conn *conn, const char *before)
{
	return sh_exec(conn, "DELETE FROM jobs WHERE state = 'done' AND updated_at < $1",
		       SH_ARGS(SH_TEXT(before)), NULL);
}

#define JOB_COLUMNS \
	"SELECT id, kind, state, attempts, run_at, last_error, created_at, updated_at FROM jobs "

static void write_job(struct sh_jw *w, struct sh_stmt *st)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", sh_stmt_col_text(st, 0));
	sh_jw_kstring(w, "kind", sh_stmt_col_text(st, 1));
	sh_jw_kstring(w, "state", sh_stmt_col_text(st, 2));
	sh_jw_kint(w, "attempts", sh_stmt_col_int64(st, 3));
	sh_jw_kstring(w, "run_at", sh_stmt_col_time(st, 4));
	sh_jw_kstring(w, "last_error", sh_stmt_col_text(st, 5));
	sh_jw_kstring(w, "created_at", sh_stmt_col_time(st, 6));
	sh_jw_kstring(w, "updated_at", sh_stmt_col_time(st, 7));
	sh_jw_object_end(w);
}

enum sh_db_rc sh_jobs_list(struct sh_conn *conn, struct sh_arena *arena, const char *state,
			   const char *before_id, int limit, struct sh_jw *w, int *count_r,
			   const char **last_id_r)
{
	struct sh_stmt *st =
		sh_query(conn,
			 JOB_COLUMNS "WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) AND id < $2 "
				     "ORDER BY id DESC LIMIT $3",
			 SH_ARGS(SH_TEXT(state), SH_TEXT(before_id ? before_id : NEWEST_ID),
				 SH_INT(limit + 1)));
	enum sh_db_rc rc;
	*count_r = 0;
	*last_id_r = NULL;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (*count_r == limit) {
			*count_r = limit + 1; /* one more exists: a next page */
			continue;
		}
		write_job(w, st);
		*last_id_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		(*count_r)++;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_job_write(struct sh_conn *conn, const char *id, struct sh_jw *w)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, JOB_COLUMNS "WHERE id = $1", SH_ARGS(SH_TEXT(id)), &st);
	if (rc == SH_DB_ROW)
		write_job(w, st);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_job_retry(struct sh_conn *conn, const char *id)
{
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	int64_t changed = 0;
	enum sh_db_rc rc = sh_exec(conn,
				   "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, "
				   "updated_at = $2, locked_by = NULL, locked_until = NULL "
				   "WHERE id = $1 AND state = 'dead'",
				   SH_ARGS(SH_TEXT(id), SH_TEXT(now)), &changed);
	if (rc != SH_DB_OK || changed == 1)
		return rc == SH_DB_OK ? SH_DB_ROW : rc;
	int64_t exists = 0;
	rc = sh_query_int64(conn, "SELECT COUNT(*) FROM jobs WHERE id = $1", SH_ARGS(SH_TEXT(id)),
			    &exists);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	return exists > 0 ? SH_DB_UNIQUE : SH_DB_OK;
}

enum sh_db_rc sh_jobs_depth(struct sh_conn *conn, const char *now, struct sh_jobs_depth *depth_r)
{
	/* Done rows are left out by the WHERE (the jobs_state index), whatever their number. */
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT COUNT(CASE WHEN state = 'queued' AND run_at <= $1 THEN 1 END), "
		"COUNT(CASE WHEN state = 'queued' AND run_at > $1 THEN 1 END), "
		"COUNT(CASE WHEN state = 'running' THEN 1 END), "
		"COUNT(CASE WHEN state = 'dead' THEN 1 END) "
		"FROM jobs WHERE state IN ('queued', 'running', 'dead')",
		SH_ARGS(SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW) {
		depth_r->due = sh_stmt_col_int64(st, 0);
		depth_r->scheduled = sh_stmt_col_int64(st, 1);
		depth_r->running = sh_stmt_col_int64(st, 2);
		depth_r->dead = sh_stmt_col_int64(st, 3);
	}
	sh_stmt_free(&st);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}
