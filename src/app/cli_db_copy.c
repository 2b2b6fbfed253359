/*
 * `schoolhub db copy --from sqlite:///... --to postgresql://...`: moves a school from
 * SQLite to PostgreSQL (stage 0 to 1, scripts/upgrade-stage.sh) with src/store/db_copy.c,
 * adding the checks only the modules know: the audit log's hash chain and the SEL audit,
 * run on the copy before it commits. Progress per table goes to a terminal only.
 */
#include "app/cli_db_copy.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modules/sel/ledger_queries.h"
#include "schoolhub/audit.h"
#include "schoolhub/db_copy.h"
#include "schoolhub/mem.h"

static const char db_usage[] =
	"usage: schoolhub db copy --from sqlite:///PATH.db --to postgresql://...\n"
	"       SCHOOLHUB_COPY_TO=postgresql://... schoolhub db copy --from sqlite:///PATH.db\n"
	"  (without --to, the target URL is read from SCHOOLHUB_COPY_TO: a password in it then\n"
	"  stays out of the process list)\n"
	"  copies every table into an empty PostgreSQL database in one transaction,\n"
	"  verifies row counts, checksums, the audit chain and the SEL audit, and commits\n"
	"  only when all hold (exit 0; 1 failed and rolled back; 3 refused, nothing written)\n";

struct copy_cli {
	bool tty;
};

static void show_progress(void *ctx, const char *table, int index, int count, int64_t rows)
{
	const struct copy_cli *c = ctx;
	if (!c->tty)
		return;
	if (rows < 0)
		printf("\r\033[K[%d/%d] %s ...", index, count, table);
	else
		printf("\r\033[K[%d/%d] %s: %" PRId64 " row(s)%s", index, count, table, rows,
		       index == count ? "\nverifying every table, the audit chain and the SEL "
					"ledger ..." : "");
	fflush(stdout);
}

/* The audit chain and the SEL ledger hold on the copy, as `schoolhub audit verify` and
 * the SEL audit (GET /sel/audit, /metrics) would find them. */
int sh_cli_db_verify(struct sh_conn *target, char **why_r)
{
	int64_t rows = 0, bad = 0;
	const char *reason = NULL;
	if (sh_audit_verify(target, &rows, &bad, &reason) != SH_DB_OK) {
		*why_r = sh_strdup("table audit_log: cannot be read on the copy");
		return -1;
	}
	if (reason != NULL) {
		char buf[256];
		snprintf(buf, sizeof(buf), "table audit_log: the chain breaks at row %" PRId64 ": %s",
			 bad, reason);
		*why_r = sh_strdup(buf);
		return -1;
	}
	json_t *report = NULL;
	if (sh_sel_audit(target, &report) != SH_DB_OK) {
		*why_r = sh_strdup("the SEL audit cannot run on the copy");
		return -1;
	}
	bool ok = json_is_true(json_object_get(report, "ok"));
	char *text = ok ? NULL : json_dumps(report, JSON_COMPACT);
	json_decref(report);
	if (!ok) {
		char buf[512];
		snprintf(buf, sizeof(buf), "the SEL audit fails on the copy (tables sel_accounts, "
			 "sel_entries, sel_transactions): %s", text ? text : "");
		free(text);
		*why_r = sh_strdup(buf);
		return -1;
	}
	return 0;
}

static int verify_copy(void *ctx, struct sh_conn *target, char **why_r)
{
	(void)ctx;
	return sh_cli_db_verify(target, why_r);
}

static int db_copy(const char *from, const char *to)
{
	struct copy_cli c = {.tty = isatty(STDOUT_FILENO) == 1};
	struct sh_db_copy_hooks hooks = {show_progress, verify_copy, &c};
	struct sh_db_copy_report report;
	char *error = NULL;
	enum sh_db_copy_outcome out = sh_db_copy(from, to, &hooks, &report, &error);
	if (out != SH_DB_COPY_DONE) {
		if (c.tty)
			printf("\r\033[K");
		fprintf(stderr, "schoolhub: db copy %s: %s\n",
			out == SH_DB_COPY_REFUSED ? "refused" : "failed, nothing committed",
			error ? error : "");
		free(error);
		return out == SH_DB_COPY_REFUSED ? 3 : 1;
	}
	if (c.tty)
		printf("\r\033[K");
	double rate = report.seconds > 0 ? (double)report.rows / report.seconds : 0;
	printf("copied and verified %d table(s), %" PRId64 " row(s) in %.1f s (%.0f rows/s)\n",
	       report.tables, report.rows, report.seconds, rate);
	return 0;
}

int sh_cli_db(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	if (argc < 3 || strcmp(argv[2], "copy") != 0) {
		fputs(db_usage, stderr);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else {
			fputs(db_usage, stderr);
			return 2;
		}
	}
	/* Without --to, from the environment: argv is visible to every local user (ps), the
	 * environment only to the same user. */
	if (to == NULL && (to = getenv("SCHOOLHUB_COPY_TO")) != NULL && to[0] == '\0')
		to = NULL;
	if (from == NULL || to == NULL) {
		fputs(db_usage, stderr);
		return 2;
	}
	return db_copy(from, to);
}
