/* Command-line entry points. Each command loads the configuration it needs and nothing more. */
#include "schoolhub/cli.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli_analytics.h"
#include "app/cli_audit.h"
#include "app/cli_backup.h"
#include "app/cli_db.h"
#include "app/cli_db_copy.h"
#include "app/cli_jobs.h"
#include "app/cli_purge.h"
#include "app/cli_user.h"
#include "app/demo_seed.h"
#include "app/seed_guard.h"
#include "modules/auth/invites.h"
#include "schoolhub/app.h"
#include "schoolhub/log.h"
#include "schoolhub/mail.h"
#include "schoolhub/modules.h"
#include "schoolhub/realtime.h"
#include "schoolhub/mem.h"
#include "schoolhub/server.h"
#include "schoolhub/util.h"

static const char usage[] =
	"usage: schoolhub <command>\n"
	"  serve                                  run the HTTP server (see serve --help)\n"
	"  migrate                                apply database migrations\n"
	"  user promote EMAIL --role ROLE         set a member's role (admin, teacher, parent);\n"
	"                                         approves an account waiting for approval\n"
	"  user pending EMAIL                     make an account wait for an admin's approval\n"
	"                                         (both audited, actor: the command line)\n"
	"  invite create [--days N]               print a new invitation code (default 14 days)\n"
	"  jobs list [--state S] | retry ID | run the job queue: list (newest 100), retry a\n"
	"                                         dead job, run the due jobs once (cron)\n"
	"  analytics rollup                       roll up the finished weeks and months of the\n"
	"                                         admin analytics now (the hourly job's work)\n"
	"  audit verify                           recompute the audit log's hash chain; exit 1\n"
	"                                         naming the first row that breaks it\n"
	"  purge [--dry-run]                      erase what is past SCHOOLHUB_RETENTION_DAYS\n"
	"                                         or its expiry now; print the counts per kind\n"
	"  db copy --from sqlite:///F --to postgresql://...  copy a SQLite school into an\n"
	"                                         empty PostgreSQL database, verified\n"
	"  backup [--to DIR]                      a consistent copy of the database, its SHA-256\n"
	"                                         and manifest, old copies rotated (7 daily, 4 weekly)\n"
	"  restore [--no-manifest] FILE           a backup into a new, empty database, checked\n"
	"                                         table by table against its manifest\n"
	"  seed-demo                              load a small demo school into an empty\n"
	"                                         database and print its logins (development only)\n"
	"  version                                print the version\n";

/* A database tried with the demo (scripts/run.sh) and then served in production would let
 * anyone in with the demo admin's published password: production refuses to start while a
 * demo login still has it. -1 (one line on stderr) when serve must not start. */
static int refuse_demo_logins(struct sh_app *app)
{
	if (app->cfg.env != SH_ENV_PRODUCTION)
		return 0;
	int64_t open = 0;
	if (sh_demo_open_logins(app, &open) != 0) {
		fprintf(stderr, "schoolhub: cannot check the database for demo logins\n");
		return -1;
	}
	if (open == 0)
		return 0;
	fprintf(stderr,
		"schoolhub: refused: the database holds %" PRId64 " demo login(s) "
		"(@demo.schoolhub.be) with the demo password, which is public; in "
		"SCHOOLHUB_ENV=development sign in as each to change its password or delete "
		"the account, or use a new database\n",
		open);
	return -1;
}

static int cmd_serve(int argc, char **argv)
{
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		printf("usage: schoolhub serve\n\n%s%s", sh_config_help(), sh_realtime_help());
		sh_modules_print_help(stdout);
		return 0;
	}
	/* Block the stop signals before threads start so only sigwait() below sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, true, &error) != 0)
		return sh_cli_fail("configuration", error);
	cfg.job_worker = true; /* only a serving process sends e-mails on its own */
	struct sh_app *app = NULL;
	if (sh_cli_app_from(&cfg, &app) != 0)
		return 1;
	if (refuse_demo_logins(app) != 0) {
		sh_app_destroy(&app);
		return 1;
	}
	struct sh_server *server = NULL;
	if (sh_server_start(app, &server, &error) != 0) {
		sh_app_destroy(&app);
		return sh_cli_fail("server", error);
	}
	sh_log_info("SchoolHub %s listening on http://%s:%u (database: %s, %u threads)",
		    SCHOOLHUB_VERSION, app->cfg.host, sh_server_port(server),
		    sh_db_kind_name(app->db), app->cfg.threads);
	if (sh_realtime_start(app, sh_server_port(server), &error) != 0) {
		sh_server_stop(&server);
		sh_app_destroy(&app);
		return sh_cli_fail("realtime", error);
	}
	/* Where e-mails go (SMTP or the file outbox), once serving: never the password. */
	struct sh_arena *arena = sh_arena_create();
	sh_log_info("%s", sh_mail_describe(&app->cfg, arena));
	sh_arena_destroy(&arena);
	int sig = 0;
	sigwait(&stop, &sig);
	sh_log_info("received %s: finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sh_server_stop(&server);
	sh_app_destroy(&app);
	sh_log_info("stopped cleanly");
	return 0;
}

static int cmd_migrate(void)
{
	struct sh_app *app = NULL;
	if (sh_cli_app_open(false, &app) != 0)
		return 1;
	printf("database is up to date (%s)\n", sh_db_kind_name(app->db));
	sh_app_destroy(&app);
	return 0;
}

struct cli_invite_tx {
	const struct sh_app *app;
	struct sh_invite_spec spec;
	char *code, *expires;
};

/* The invite and its audit row commit together. */
static enum sh_db_rc cli_invite_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct cli_invite_tx *t = ctx;
	return sh_invite_create(conn, t->app, &t->spec, t->code, t->expires);
}

static int cmd_invite_create(int argc, char **argv)
{
	long days = SH_INVITE_DEFAULT_DAYS;
	if (argc < 3 || strcmp(argv[2], "create") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (argc == 5 && strcmp(argv[3], "--days") == 0) {
		char *end;
		days = strtol(argv[4], &end, 10);
		if (*end != '\0' || days < 1 || days > 90) {
			fprintf(stderr, "schoolhub: --days must be between 1 and 90\n");
			return 2;
		}
	} else if (argc != 3) {
		fputs(usage, stderr);
		return 2;
	}
	struct sh_cli_db db;
	if (sh_cli_db_open(false, &db) != 0)
		return 1;
	char code[SH_INVITE_CODE_LEN + 1], expires[SH_TIME_LEN + 1];
	struct cli_invite_tx t = {db.app, {.days = days}, code, expires};
	enum sh_db_rc rc = sh_conn_transaction(db.conn, SH_TX_WRITE, cli_invite_in_tx, &t);
	sh_cli_db_close(&db);
	if (rc != SH_DB_OK)
		return sh_cli_fail("database error while creating the invite", NULL);
	printf("%s\n", code);
	fprintf(stderr, "valid until %s, for one registration\n", expires);
	return 0;
}

static int cmd_seed_demo(void)
{
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, false, &error) != 0)
		return sh_cli_fail("configuration", error);
	if (sh_seed_check_env(&cfg, "schoolhub seed-demo") != 0) {
		sh_config_free(&cfg);
		return SH_SEED_EXIT_REFUSED;
	}
	struct sh_app *app = NULL;
	if (sh_cli_app_from(&cfg, &app) != 0)
		return 1;
	int rc = sh_demo_seed(app, stdout);
	sh_app_destroy(&app);
	return rc == 0 ? 0 : rc > 0 ? SH_SEED_EXIT_REFUSED : 1;
}

int sh_cli_main(int argc, char **argv)
{
	if (sh_global_init() != 0) {
		fprintf(stderr, "schoolhub: cannot initialise libsodium/libcurl\n");
		return 1;
	}
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "user") == 0)
		return sh_cli_user(argc, argv);
	if (strcmp(cmd, "invite") == 0)
		return cmd_invite_create(argc, argv);
	if (strcmp(cmd, "seed-demo") == 0)
		return cmd_seed_demo();
	if (strcmp(cmd, "jobs") == 0)
		return sh_cli_jobs(argc, argv);
	if (strcmp(cmd, "analytics") == 0)
		return sh_cli_analytics(argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return sh_cli_audit(argc, argv);
	if (strcmp(cmd, "purge") == 0)
		return sh_cli_purge(argc, argv);
	if (strcmp(cmd, "db") == 0)
		return sh_cli_db(argc, argv);
	if (strcmp(cmd, "backup") == 0 || strcmp(cmd, "restore") == 0)
		return sh_cli_backup(argc, argv);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("schoolhub %s\n", SCHOOLHUB_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
