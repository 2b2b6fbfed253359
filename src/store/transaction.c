/* Transactions with retry: the one way module code writes several rows atomically. */
#include <time.h>

#include "schoolhub/log.h"
#include "schoolhub/store.h"

#define MAX_ATTEMPTS 5

enum sh_db_rc sh_conn_transaction(struct sh_conn *conn, enum sh_tx_mode mode, sh_tx_fn *fn,
				  void *ctx)
{
	enum sh_db_rc rc = SH_DB_ERROR;
	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		rc = sh_conn_begin(conn, mode);
		if (rc == SH_DB_OK) {
			bool rollback = false;
			rc = fn(conn, ctx, &rollback);
			if (rc == SH_DB_OK && !rollback)
				rc = sh_conn_commit(conn);
			else
				sh_conn_rollback(conn);
			if (rc != SH_DB_OK && sh_conn_in_tx(conn))
				sh_conn_rollback(conn);
		}
		if (rc != SH_DB_RETRY)
			return rc;
		/* Contention: back off a little (1, 2, 4, 8 ms) and run it all again. */
		struct timespec pause = {0, (long)(1000000L << (attempt - 1))};
		nanosleep(&pause, NULL);
	}
	sh_log_warn("transaction still conflicting after %d attempts", MAX_ATTEMPTS);
	return rc;
}
