/* Transactions with retry: the one way module code writes several rows atomically. */
#include <sodium.h>
#include <stdint.h>
#include <time.h>

#include "schoolhub/log.h"
#include "schoolhub/store.h"
#include "store/store-private.h"

/* PostgreSQL runs write transactions SERIALIZABLE: under contention (16 clients paying
 * around the same few members) conflicts are normal and a rerun almost always passes. */
#define MAX_ATTEMPTS 12

enum sh_db_rc sh_conn_transaction(struct sh_conn *conn, enum sh_tx_mode mode, sh_tx_fn *fn,
				  void *ctx)
{
	enum sh_db_rc rc = SH_DB_ERROR;
	struct sh_db *db = sh_conn_db(conn);
	/* SQLite takes one writer at a time anyway: run every write transaction of the
	 * process on one connection, whose page cache then stays valid between them. */
	bool shared = mode != SH_TX_READ && sh_db_single_writer(db);
	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		struct sh_conn *use = shared ? sh_db_writer_acquire(db) : NULL;
		bool on_writer = use != NULL;
		if (!on_writer)
			use = conn;
		rc = sh_conn_begin(use, mode);
		if (rc == SH_DB_OK) {
			bool rollback = false;
			rc = fn(use, ctx, &rollback);
			if (rc == SH_DB_OK && !rollback)
				rc = sh_conn_commit(use);
			else
				sh_conn_rollback(use);
			if (rc != SH_DB_OK && sh_conn_in_tx(use))
				sh_conn_rollback(use);
		}
		if (on_writer)
			sh_db_writer_release(db);
		if (rc != SH_DB_RETRY)
			return rc;
		/* Contention: back off a random 0..2^attempt ms (capped at 64 ms) so the
		 * transactions that collided do not collide again in lockstep. */
		uint32_t cap_us = 1000u << (attempt < 6 ? attempt : 6);
		struct timespec pause = {0, (long)randombytes_uniform(cap_us) * 1000L};
		nanosleep(&pause, NULL);
	}
	sh_log_warn("transaction still conflicting after %d attempts", MAX_ATTEMPTS);
	return rc;
}
