/* The bench loader's check of the ledger it wrote (ledger_check.h). */
#include "ledger_check.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel_settings.h"

enum sh_db_rc bench_system_account(struct sh_conn *conn, char id_r[37])
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT id FROM sel_accounts WHERE kind = 'system'",
					SH_ARGS(), &st);
	if (rc == SH_DB_ROW)
		snprintf(id_r, 37, "%s", sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return rc == SH_DB_ROW ? SH_DB_OK : SH_DB_ERROR;
}

static enum sh_db_rc audit_ok(struct sh_conn *conn, bool *failed_r)
{
	json_t *audit = NULL;
	enum sh_db_rc rc = sh_sel_audit(conn, &audit);
	if (rc != SH_DB_OK)
		return rc;
	bool ok = json_is_true(json_object_get(audit, "ok"));
	if (!ok) {
		char *text = json_dumps(audit, JSON_COMPACT);
		fprintf(stderr, "schoolhub-bench: the SEL audit of the load failed: %s\n",
			text ? text : "?");
		free(text);
		*failed_r = true;
	}
	json_decref(audit);
	return ok ? SH_DB_OK : SH_DB_ERROR;
}

static enum sh_db_rc limits_ok(struct sh_conn *conn, const struct sh_config *cfg,
			       bool *failed_r)
{
	int64_t outside;
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM sel_accounts WHERE kind = 'member' "
					  "AND (balance < $1 OR balance > $2)",
					  SH_ARGS(SH_INT(sh_sel_settings(cfg)->min),
						  SH_INT(sh_sel_settings(cfg)->max)),
					  &outside);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	if (outside == 0)
		return SH_DB_OK;
	fprintf(stderr, "schoolhub-bench: %" PRId64 " member balance(s) outside the limits\n",
		outside);
	*failed_r = true;
	return SH_DB_ERROR;
}

enum sh_db_rc bench_ledger_verify(struct sh_conn *conn, const struct sh_config *cfg,
				  bool *failed_r)
{
	enum sh_db_rc rc = audit_ok(conn, failed_r);
	return rc == SH_DB_OK ? limits_ok(conn, cfg, failed_r) : rc;
}
