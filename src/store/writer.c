/*
 * The single writer of a single_writer database (SQLite): the one connection write
 * transactions run on, under write_lock; the end of a commit group and the deferred sync
 * of its log; savepoints of the group's members. transaction.c says how they fit.
 */
#include "store/store-private.h"

#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#include <stdio.h>
#include <string.h>

bool sh_db_single_writer(const struct sh_db *db)
{
	return db->driver->single_writer;
}

struct sh_conn *sh_db_writer_acquire(struct sh_db *db)
{
	atomic_fetch_add(&db->writers_waiting, 1);
	pthread_mutex_lock(&db->write_lock);
	atomic_fetch_sub(&db->writers_waiting, 1);
	struct sh_conn *w = db->writer;
	if (w != NULL && w->down) {
		if (db->driver->reconnect == NULL || db->driver->reconnect(w) < 0) {
			pthread_mutex_unlock(&db->write_lock);
			return NULL;
		}
		w->down = false;
	}
	if (w == NULL) {
		char *error = NULL;
		w = sh_conn_new(db, &error);
		if (w == NULL) {
			sh_log_warn("database: writer connection: %s", error ? error : "failed");
			sh_free(&error);
			pthread_mutex_unlock(&db->write_lock);
			return NULL;
		}
		/* Durable commits whose sync the members do after write_lock is released
		 * (transaction.c); without the setting, the writer syncs inside COMMIT. */
		if (!db->lazy_commits && db->driver->defer_writer_sync != NULL &&
		    db->driver->defer_writer_sync(w))
			db->writer_syncs_late = true;
		w->is_writer = true;
		db->writer = w;
	}
	return w;
}

/* Most requests one commit serves; bounds how long the first member waits. */
#define GROUP_MAX 64

void sh_db_writer_release(struct sh_db *db)
{
	if (db->group_open &&
	    (atomic_load(&db->writers_waiting) == 0 || db->group_size >= GROUP_MAX))
		sh_db_group_end_locked(db, true);
	pthread_mutex_unlock(&db->write_lock);
}

void sh_db_group_end_locked(struct sh_db *db, bool commit)
{
	if (!db->group_open)
		return;
	enum sh_db_rc rc = SH_DB_RETRY;
	if (commit)
		rc = sh_conn_commit(db->writer);
	else
		sh_conn_rollback(db->writer);
	uint64_t seq = 0;
	if (rc == SH_DB_OK) {
		atomic_fetch_add(&db->group_commits, 1);
		seq = atomic_fetch_add(&db->commit_seq, 1) + 1;
	}
	/* A failed COMMIT reports some statement's error; the members' own parts were fine:
	 * they run again, unless the storage itself refuses writes (then they say so). */
	else if (rc != SH_DB_STORAGE && rc != SH_DB_DOWN)
		rc = SH_DB_RETRY;
	db->group_open = false;
	pthread_mutex_lock(&db->group_lock);
	for (struct sh_group_member *m = db->group_members; m != NULL; m = m->next) {
		m->rc = rc;
		m->seq = seq;
		m->done = true;
	}
	db->group_members = NULL;
	db->group_size = 0;
	pthread_cond_broadcast(&db->group_done);
	pthread_mutex_unlock(&db->group_lock);
}

enum sh_db_rc sh_db_sync_committed(struct sh_db *db, uint64_t seq)
{
	enum sh_db_rc rc = SH_DB_OK;
	pthread_mutex_lock(&db->sync_lock);
	if (db->synced_seq < seq) {
		/* Every group up to "upto" has finished its COMMIT (the number is taken after
		 * it, under write_lock): this one sync makes them all durable. */
		uint64_t upto = atomic_load(&db->commit_seq);
		/* A failed sync leaves the group committed (readers see it) but perhaps not on
		 * disk: neither "saved" nor "not saved" is true, so the answer is an error, not
		 * storage_unavailable (which tells the client nothing was written). */
		if (atomic_load(&db->log_sync_failed)) {
			rc = SH_DB_ERROR;
		} else if (db->driver->sync_log(db) == 0) {
			db->synced_seq = upto;
			atomic_fetch_add(&db->log_syncs, 1);
		} else {
			/* What the kernel could not write may be gone from its cache too. Like
			 * PostgreSQL, stop writing (until a restart recovers from the disk) rather
			 * than acknowledge anything on top of it. */
			sh_log_error("database: the log could not be synced: writes refused until restart");
			atomic_store(&db->log_sync_failed, true);
			rc = SH_DB_ERROR;
		}
	}
	pthread_mutex_unlock(&db->sync_lock);
	return rc;
}

enum sh_db_rc sh_conn_savepoint(struct sh_conn *conn, const char *step)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "%s sh_member", step);
	if (strcmp(step, "ROLLBACK TO") == 0) {
		enum sh_db_rc rc = conn->down ? SH_DB_DOWN : conn->db->driver->exec_script(conn, sql);
		if (rc == SH_DB_OK) {
			conn->tx_failed = false;
			rc = conn->db->driver->exec_script(conn, "RELEASE sh_member");
		}
		return rc;
	}
	return sh_conn_exec_script(conn, sql);
}
