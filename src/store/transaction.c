/* Transactions with retry: the one way module code writes several rows atomically. */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "schoolhub/log.h"
#include "schoolhub/store.h"
#include "store/store-private.h"

/* PostgreSQL runs write transactions SERIALIZABLE: under contention (16 clients paying
 * around the same few members) conflicts are normal and a rerun almost always passes. */
#define MAX_ATTEMPTS 12

/*
 * SQLite (single_writer): group commit. The process's write transactions run one after
 * the other on the shared writer connection anyway; instead of each paying for its own
 * COMMIT (with synchronous=FULL, a sync of the log), a request joins the transaction left
 * open by the one before it, inside its own SAVEPOINT, and the last request of a burst
 * (nobody else queued on write_lock) commits for all of them.
 *
 * A member's answer waits for that COMMIT, successful or not: nothing is acknowledged
 * before it is durable, and whatever a member read inside the open group (another
 * member's idempotency record, say) is acted on only once it is committed. A member whose
 * own part failed is rolled back to its savepoint alone; if the group cannot commit, every
 * member runs again (SH_DB_RETRY). A member whose own part failed also waits for the
 * commit before it answers, since the failure may rest on rows the group could still lose.
 *
 * Durable commits (the default) do not sync inside COMMIT, which would hold write_lock
 * for the length of the sync: the writer commits with synchronous=NORMAL (the commit is
 * in the WAL, not yet on disk) and each member, once write_lock is free, waits in
 * sh_db_sync_committed() for a sync of the WAL that started after its group committed.
 * The next group runs meanwhile, and one sync covers every group committed before it.
 */
static enum sh_db_rc run_in_group(struct sh_db *db, struct sh_conn *writer,
				  enum sh_tx_mode mode, sh_tx_fn *fn, void *ctx)
{
	enum sh_db_rc rc = SH_DB_OK;
	if (!db->group_open) {
		rc = sh_conn_begin(writer, mode);
		if (rc != SH_DB_OK) {
			sh_db_writer_release(db);
			return rc;
		}
		db->group_open = true;
	}
	rc = sh_conn_savepoint(writer, "SAVEPOINT");
	if (rc != SH_DB_OK) {
		sh_db_group_end_locked(db, false);
		sh_db_writer_release(db);
		return rc == SH_DB_DOWN ? rc : SH_DB_RETRY;
	}
	bool rollback = false;
	enum sh_db_rc mine = fn(writer, ctx, &rollback);
	enum sh_db_rc step = mine == SH_DB_OK && !rollback
				     ? sh_conn_savepoint(writer, "RELEASE")
				     : sh_conn_savepoint(writer, "ROLLBACK TO");
	if (step != SH_DB_OK) {
		/* Our part can be neither kept nor undone alone (an I/O error rolls the whole
		 * transaction back): the group ends here and the other members run again. */
		sh_db_group_end_locked(db, false);
		sh_db_writer_release(db);
		return mine != SH_DB_OK ? mine : step == SH_DB_DOWN || step == SH_DB_STORAGE ? step
											   : SH_DB_RETRY;
	}

	/* Whatever our part did (written, rolled back, failed), it may rest on what earlier
	 * members wrote: wait for their COMMIT before acting on it. */
	struct sh_group_member me = {.rc = SH_DB_RETRY, .done = false,
				     .next = db->group_members};
	db->group_members = &me;
	db->group_size++;
	sh_db_writer_release(db); /* commits now if nobody is queued behind us */
	pthread_mutex_lock(&db->group_lock);
	while (!me.done)
		pthread_cond_wait(&db->group_done, &db->group_lock);
	pthread_mutex_unlock(&db->group_lock);
	if (me.rc != SH_DB_OK)
		return me.rc; /* the group did not commit: run again (or the storage refuses) */
	if (db->writer_syncs_late) {
		/* Durable before it is acknowledged; write_lock is free meanwhile, so the next
		 * group runs while the disk syncs (and this sync may already be someone's). */
		enum sh_db_rc synced = sh_db_sync_committed(db, me.seq);
		if (synced != SH_DB_OK)
			return synced;
	}
	return mine;
}

void sh_db_writers_hold(struct sh_db *db)
{
	/* Not counted in writers_waiting: the request holding the slot commits its group on
	 * release rather than keep it open for us. A group still open (others joined it
	 * meanwhile) is committed here; its members sync and answer while the slot is ours. */
	pthread_mutex_lock(&db->write_lock);
	sh_db_group_end_locked(db, true);
}

void sh_db_writers_resume(struct sh_db *db)
{
	pthread_mutex_unlock(&db->write_lock);
}

enum sh_db_rc sh_conn_transaction(struct sh_conn *conn, enum sh_tx_mode mode, sh_tx_fn *fn,
				  void *ctx)
{
	enum sh_db_rc rc = SH_DB_ERROR;
	struct sh_db *db = sh_conn_db(conn);
	/* SQLite takes one writer at a time anyway: run every write transaction of the
	 * process on one connection, whose page cache then stays valid between them. */
	bool shared = mode != SH_TX_READ && sh_db_single_writer(db);
	if (shared && atomic_load(&db->log_sync_failed))
		return SH_DB_STORAGE; /* see sh_db_sync_committed */
	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		struct sh_conn *writer = shared ? sh_db_writer_acquire(db) : NULL;
		if (writer != NULL) {
			rc = run_in_group(db, writer, mode, fn, ctx);
		} else {
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
		}
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
