/* The seeders' refusals: production, and a database that already holds members. */
#include "app/seed_guard.h"

#include <inttypes.h>
#include <stdio.h>

int sh_seed_check_env(const struct sh_config *cfg, const char *command)
{
	if (cfg->env != SH_ENV_PRODUCTION)
		return 0;
	fprintf(stderr,
		"%s: refused: SCHOOLHUB_ENV is production (the default when unset); seeded "
		"logins share a known password. Set SCHOOLHUB_ENV=development on a machine "
		"of your own, with an empty database\n",
		command);
	return -1;
}

enum sh_db_rc sh_seed_member_count(struct sh_conn *conn, int64_t *count_r)
{
	enum sh_db_rc rc = sh_query_int64(conn, "SELECT COUNT(*) FROM users", SH_ARGS(), count_r);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

void sh_seed_print_not_empty(const char *command, int64_t members)
{
	fprintf(stderr,
		"%s: refused: the database already holds %" PRId64 " member(s); seeding only "
		"loads into an empty database (a new DATABASE_URL), never beside real accounts\n",
		command, members);
}
