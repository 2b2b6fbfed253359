/*
 * `schoolhub jobs`: the job queue from the command line, for operators and for cron-style
 * operation (SCHOOLHUB_JOBS_WORKERS=0 and `schoolhub jobs run` every minute). It takes the
 * same leases as the worker threads, so running it beside serving instances is safe.
 */
#include "app/cli_jobs.h"

#include <stdio.h>
#include <string.h>

#include "app/cli_db.h"
#include "modules/jobs/jobs_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/jobs.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

static const char jobs_usage[] =
	"usage: schoolhub jobs list [--state queued|running|done|dead]\n"
	"       schoolhub jobs retry JOB_ID\n"
	"       schoolhub jobs run\n";

static int jobs_list(struct sh_conn *conn, const char *state)
{
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_jw_array_begin(&w);
	int count = 0;
	const char *last = NULL;
	enum sh_db_rc rc = sh_jobs_list(conn, arena, state, NULL, 100, &w, &count, &last);
	sh_jw_array_end(&w);
	if (rc == SH_DB_OK)
		printf("%s\n", sh_jw_text(&w, NULL));
	sh_arena_destroy(&arena);
	if (rc != SH_DB_OK)
		fprintf(stderr, "schoolhub: database error while listing jobs\n");
	return rc == SH_DB_OK ? 0 : 1;
}

static int jobs_retry(struct sh_conn *conn, const char *id_in)
{
	char id[SH_UUID_LEN + 1];
	if (!sh_uuid_normalize(id_in, id)) {
		fprintf(stderr, "schoolhub: \"%s\" is not a job id\n", id_in);
		return 2;
	}
	enum sh_db_rc rc = sh_job_retry(conn, id);
	if (rc == SH_DB_ROW) {
		printf("job %s is queued again\n", id);
		return 0;
	}
	if (rc == SH_DB_OK)
		fprintf(stderr, "schoolhub: no job %s\n", id);
	else if (rc == SH_DB_UNIQUE)
		fprintf(stderr, "schoolhub: job %s is not dead; only dead jobs are retried\n", id);
	else
		fprintf(stderr, "schoolhub: database error while retrying job %s\n", id);
	return 1;
}

static int jobs_run(struct sh_app *app, struct sh_conn *conn)
{
	char worker[SH_UUID_LEN + 6];
	char id[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	snprintf(worker, sizeof(worker), "cli-%s", id);
	int ran = 0;
	enum sh_db_rc rc = SH_DB_OK;
	const struct sh_jobs_policy *p = &sh_jobs_settings(&app->cfg)->policy;
	if (sh_jobs_run_due(app, conn, p, worker, 100000, &ran, &rc) != 0) {
		fprintf(stderr, "schoolhub: database error %d after %d job(s)\n", (int)rc, ran);
		return 1;
	}
	printf("ran %d job(s)\n", ran);
	return 0;
}

int sh_cli_jobs(int argc, char **argv)
{
	const char *sub = argc > 2 ? argv[2] : "";
	const char *state = NULL;
	if (strcmp(sub, "list") == 0 && argc == 5 && strcmp(argv[3], "--state") == 0)
		state = argv[4];
	else if (!((strcmp(sub, "list") == 0 && argc == 3) ||
		   (strcmp(sub, "retry") == 0 && argc == 4) || (strcmp(sub, "run") == 0 && argc == 3))) {
		fputs(jobs_usage, stderr);
		return 2;
	}
	struct sh_cli_db db;
	/* "run" sends e-mails whose links are derived from the secret key. */
	if (sh_cli_db_open(true, &db) != 0)
		return 1;
	int rc;
	if (strcmp(sub, "list") == 0)
		rc = jobs_list(db.conn, state);
	else if (strcmp(sub, "retry") == 0)
		rc = jobs_retry(db.conn, argv[3]);
	else
		rc = jobs_run(db.app, db.conn);
	sh_cli_db_close(&db);
	return rc;
}
