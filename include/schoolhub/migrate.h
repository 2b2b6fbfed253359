/* Schema migrations: numbered files per backend, each applied in one transaction. */
#ifndef SCHOOLHUB_MIGRATE_H
#define SCHOOLHUB_MIGRATE_H

#include "schoolhub/store.h"

/*
 * Applies every embedded migration of the connection's backend that is not yet in
 * schema_migrations, in order, each in its own transaction. Running it again is a no-op.
 * Returns the number applied, or -1 with "*error_r" (malloc'ed) set.
 */
int sh_migrate(struct sh_conn *conn, char **error_r);

#endif
