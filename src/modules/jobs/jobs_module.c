/*
 * Module "jobs": the job queue's worker threads (started by the init hook in a serving
 * process, stopped by the stop hook before the database closes) and its admin routes:
 * what is queued, running, done or dead, and putting a dead job back in the queue.
 * The queue itself is src/jobs (schoolhub/jobs.h); the kinds belong to the modules that
 * enqueue them.
 */
#include <string.h>

#include "modules/jobs/jobs_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/jobs.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/modules.h"
#include "schoolhub/util.h"

static bool known_state(const char *s)
{
	static const char *const states[] = {"queued", "running", "done", "dead"};
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i]) == 0)
			return true;
	return false;
}

/* GET /api/v1/admin/jobs?state=&cursor=&limit= : newest first. No payloads: they hold
 * members' addresses, and an operator needs the kind, the state and the error. */
static void jobs_list(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	const char *state = sh_req_query(req, "state");
	const char *cursor = sh_req_query(req, "cursor");
	const char *before = NULL;
	struct sh_validation v = {0};
	if (state != NULL && !known_state(state))
		sh_validation_add(&v, "state", "invalid_job_state");
	const char *parts[1];
	if (cursor != NULL) {
		if (sh_cursor_decode(req->arena, cursor, 1, parts) != 0 || !sh_uuid_valid(parts[0]))
			sh_validation_add(&v, "cursor", "invalid_cursor");
		else
			before = parts[0];
	}
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct sh_jw w;
	sh_page_begin(req, &w);
	int count = 0;
	const char *last = NULL;
	enum sh_db_rc rc = sh_jobs_list(req->db, req->arena, state, before, limit, &w, &count, &last);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_page(req, res, &w,
		      count > limit ? sh_cursor_encode(req->arena, (const char *[]){last}, 1) : NULL);
}

/* POST /api/v1/admin/jobs/{id}/retry : a dead job runs again now, its attempts from zero. */
static void jobs_retry(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	enum sh_db_rc rc = id == NULL ? SH_DB_OK : sh_job_retry(req->db, id);
	if (rc == SH_DB_OK) {
		sh_reply_not_found(req, res);
		return;
	}
	if (rc == SH_DB_UNIQUE) {
		sh_reply_problem(req, res, 409, "job_not_dead", NULL);
		return;
	}
	if (rc != SH_DB_ROW) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	rc = sh_job_write(req->db, id, &w);
	if (rc != SH_DB_ROW) {
		sh_reply_db_error(req, res, rc == SH_DB_OK ? SH_DB_ERROR : rc);
		return;
	}
	sh_jobs_wake(req->app);
	sh_reply_jw(req, res, 200, &w);
}

/* The queue's depth on /metrics: a growing "due" means the workers fall behind (or none
 * runs: SCHOOLHUB_JOBS_WORKERS=0 without the cron), "dead" jobs need an admin. */
static size_t jobs_metrics(struct sh_app *app, struct sh_conn *conn, struct sh_module_gauge *out,
			   size_t max)
{
	(void)app;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_jobs_depth d;
	if (max < 4 || sh_jobs_depth(conn, now, &d) != SH_DB_OK)
		return 0;
	out[0] = (struct sh_module_gauge){"schoolhub_jobs_due", "Queued jobs due now.", (double)d.due};
	out[1] = (struct sh_module_gauge){"schoolhub_jobs_scheduled", "Queued jobs due later.",
					  (double)d.scheduled};
	out[2] = (struct sh_module_gauge){"schoolhub_jobs_running", "Jobs leased by a worker.",
					  (double)d.running};
	out[3] = (struct sh_module_gauge){"schoolhub_jobs_dead",
					  "Jobs that failed every attempt (admin retry).",
					  (double)d.dead};
	return 4;
}

static const struct sh_route jobs_routes[] = {
	{"GET", "/api/v1/admin/jobs", jobs_list, SH_ROUTE_AUTH, SH_ROLE_ADMIN},
	{"POST", "/api/v1/admin/jobs/{id}/retry", jobs_retry, SH_ROUTE_AUTH, SH_ROLE_ADMIN},
};

static int jobs_init(struct sh_app *app, char **error_r)
{
	const struct sh_jobs_settings *s = sh_jobs_settings(&app->cfg);
	if (!app->cfg.job_worker || s->workers == 0)
		return 0;
	app->jobs = sh_job_worker_start(app, &s->policy, s->workers, error_r);
	return app->jobs != NULL ? 0 : -1;
}

static void jobs_stop(struct sh_app *app)
{
	sh_job_worker_stop(&app->jobs);
}

const struct sh_module sh_module_jobs = {
	.name = "jobs",
	.id = SH_MODULE_JOBS,
	.routes = jobs_routes,
	.route_count = sizeof(jobs_routes) / sizeof(jobs_routes[0]),
	.settings = sh_jobs_setting_table,
	.setting_count = SH_JOBS_SETTING_COUNT,
	.settings_load = sh_jobs_settings_load,
	.init = jobs_init,
	.stop = jobs_stop,
	.metrics = jobs_metrics,
};
