/*
 * `schoolhub analytics rollup`: the analytics rollup now (src/modules/admin/
 * analytics_rollup.h), the same function as the hourly job admin.analytics_rollup: every
 * finished week and month not rolled up yet, the whole history on a first run. For an
 * operator who does not want to wait for the job after an upgrade, and for
 * bench/analytics.sh after seeding. Safe beside serving instances (one short write
 * transaction per period, each period written once); a second run writes nothing.
 */
#include "app/cli_analytics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/cli_db.h"
#include "modules/admin/analytics_rollup.h"
#include "schoolhub/app.h"

int sh_cli_analytics(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[2], "rollup") != 0) {
		fputs("usage: schoolhub analytics rollup\n", stderr);
		return 2;
	}
	struct sh_cli_db db;
	if (sh_cli_db_open(false, &db) != 0)
		return 1;
	struct analytics_rollup_counts counts;
	enum sh_db_rc rc = analytics_rollup_run(db.conn, time(NULL), &counts);
	printf("rolled up %d week(s), %d month(s) and %d day(s)\n", counts.weeks, counts.months,
	       counts.days);
	if (rc != SH_DB_OK)
		fprintf(stderr, "schoolhub: database error %d during the rollup (the periods above "
				"are done)\n", (int)rc);
	sh_cli_db_close(&db);
	return rc == SH_DB_OK ? 0 : 1;
}
