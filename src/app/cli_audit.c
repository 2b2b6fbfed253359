/*
 * `schoolhub audit verify`: recomputes the audit log's hash chain (schoolhub/audit.h) and
 * names the first row that breaks it, for an operator or a cron job that alerts on a
 * non-zero exit. Reads only; safe beside serving instances.
 */
#include "app/cli_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/cli_db.h"
#include "schoolhub/audit.h"

static int verify(struct sh_conn *conn)
{
	int64_t rows = 0, bad = 0;
	const char *reason = NULL;
	enum sh_db_rc rc = sh_audit_verify(conn, &rows, &bad, &reason);
	if (rc != SH_DB_OK) {
		fprintf(stderr, "schoolhub: database error %d while reading the audit log\n", (int)rc);
		return 1;
	}
	if (reason != NULL) {
		fprintf(stderr, "schoolhub: audit log broken at row %" PRId64 ": %s\n", bad, reason);
		printf("audit log BROKEN at row %" PRId64 " (%" PRId64 " row(s) before it hold)\n",
		       bad, rows);
		return 1;
	}
	printf("audit log intact: %" PRId64 " row(s)\n", rows);
	return 0;
}

int sh_cli_audit(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[2], "verify") != 0) {
		fputs("usage: schoolhub audit verify\n", stderr);
		return 2;
	}
	struct sh_cli_db db;
	if (sh_cli_db_open(false, &db) != 0)
		return 1;
	int rc = verify(db.conn);
	sh_cli_db_close(&db);
	return rc;
}
