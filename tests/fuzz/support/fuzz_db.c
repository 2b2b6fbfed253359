/*
 * The fuzzed application's database between inputs (see fuzz_support.h): the copy of the
 * seed in TEMP tables, the reset from it, and the SEL invariants checked before each reset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_support.h"
#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/store.h"

static struct sh_app *app;
static struct sh_conn *conn; /* the harness's own: snapshot, reset, invariants */
static char *reset_script;
/* PRAGMA data_version as of the last reset: it moves only when another connection (the
 * server's) commits, so an input that wrote nothing needs no check and no reset. */
static int64_t data_version;

static void exec_or_die(const char *sql)
{
	if (sh_conn_exec_script(conn, sql) != SH_DB_OK)
		fz_die("SQL failed (%s): %.200s", sh_conn_last_error(conn), sql);
}

static int64_t read_data_version(void)
{
	int64_t v;
	if (sh_query_int64(conn, "PRAGMA data_version", SH_ARGS(), &v) != SH_DB_ROW)
		fz_die("PRAGMA data_version failed: %s", sh_conn_last_error(conn));
	return v;
}

static void check_sel_invariants(const char *request, size_t len, const struct fz_response *res)
{
	json_t *audit = NULL;
	if (sh_sel_audit(conn, &audit) != SH_DB_OK)
		fz_die("SEL audit query failed");
	bool ok = json_is_true(json_object_get(audit, "ok"));
	if (!ok) {
		char *text = json_dumps(audit, JSON_COMPACT);
		fprintf(stderr, "SEL audit: %s\n", text ? text : "?");
		free(text);
	}
	json_decref(audit);
	if (!ok)
		fz_report("SEL invariant broken (sum of balances, stored balance vs entries, or an "
			  "unbalanced transaction)",
			  request, len, res);
	/* Member balances stay inside the limits; only a forced reversal may cross them. */
	int64_t outside;
	if (sh_query_int64(conn,
			   "SELECT COUNT(*) FROM sel_accounts a WHERE a.kind = 'member' AND "
			   "(a.balance < $1 OR a.balance > $2) AND NOT EXISTS (SELECT 1 FROM "
			   "sel_transactions t WHERE t.kind = 'reversal' AND (t.from_account = a.id OR "
			   "t.to_account = a.id))",
			   SH_ARGS(SH_INT(sh_sel_settings(&app->cfg)->min),
				   SH_INT(sh_sel_settings(&app->cfg)->max)),
			   &outside) != SH_DB_ROW)
		fz_die("limits query failed");
	if (outside != 0)
		fz_report("SEL balance outside the limits without a forced reversal", request, len,
			  res);
}

/*
 * The audit log is append-only (migration 0017): its triggers refuse DELETE and UPDATE, so
 * the reset drops them first and creates them again last, from their own SQL in
 * sqlite_master. Nothing but the harness runs between two inputs.
 */
static void append_only_triggers_around(struct fz_buf *reset)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
				      "(name LIKE '%_no_delete' OR name LIKE '%_no_update') ORDER BY name",
				      SH_ARGS());
	struct fz_buf drop = {0}, create = {0};
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		char line[256];
		snprintf(line, sizeof(line), "DROP TRIGGER main.%s;", sh_stmt_col_text(st, 0));
		fz_buf_str(&drop, line);
		fz_buf_str(&create, sh_stmt_col_text(st, 1));
		fz_buf_str(&create, ";");
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK)
		fz_die("cannot list the triggers");
	if (drop.data == NULL)
		return;
	fz_buf_str(&drop, reset->data != NULL ? reset->data : "");
	fz_buf_str(&drop, create.data);
	free(create.data);
	free(reset->data);
	*reset = drop;
}

void fz_db_snapshot(struct sh_app *the_app, struct sh_conn *the_conn)
{
	app = the_app;
	conn = the_conn;
	struct sh_stmt *st =
		sh_query(conn,
			 "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
			 "'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
			 SH_ARGS());
	struct fz_buf create = {0}, reset = {0}, refill = {0};
	/* No BEGIN: each statement is its own transaction. Inside one transaction every INSERT
	 * would open a statement journal, and with the store's in-memory sub-journals
	 * (SQLITE_CONFIG_STMTJRNL_SPILL) that is one large allocation per table per input, the
	 * harness's main cost. Nothing else runs between two inputs, so no one sees the
	 * half-restored state. */
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *t = sh_stmt_col_text(st, 0);
		char line[256];
		snprintf(line, sizeof(line), "CREATE TEMP TABLE fz_%s AS SELECT * FROM main.%s;", t, t);
		fz_buf_str(&create, line);
		snprintf(line, sizeof(line), "DELETE FROM main.%s;", t);
		fz_buf_str(&reset, line);
		/* The word tables of search (migration 0006) are derived: the insert triggers of
		 * users and sel_services write them again as those rows come back. Their rows
		 * are removed by foreign-key cascades, which the reset turns off, so every table
		 * is emptied first and only the others are copied back. */
		size_t n = strlen(t), suffix = strlen("_search_words");
		if (n > suffix && strcmp(t + n - suffix, "_search_words") == 0)
			continue;
		snprintf(line, sizeof(line), "INSERT INTO main.%s SELECT * FROM temp.fz_%s;", t, t);
		fz_buf_str(&refill, line);
	}
	if (refill.data != NULL) {
		fz_buf_str(&reset, refill.data);
		free(refill.data);
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK)
		fz_die("cannot list the tables");
	append_only_triggers_around(&reset);
	/* The copy goes back table by table: references are checked by nobody in between. */
	exec_or_die("PRAGMA foreign_keys = OFF;");
	exec_or_die(create.data);
	free(create.data);
	reset_script = reset.data;
	/* The seeded state itself must pass every check. */
	struct fz_response none = {0};
	check_sel_invariants("(seed)", 6, &none);
	data_version = read_data_version();
}

bool fz_db_changed(void)
{
	return read_data_version() != data_version;
}

void fz_db_check_and_reset(const char *request, size_t len, const struct fz_response *res)
{
	/* Nothing committed since the last reset: the database is the checked seed. */
	int64_t version = read_data_version();
	if (version == data_version)
		return;
	check_sel_invariants(request, len, res);
	exec_or_die(reset_script);
	data_version = version;
}
