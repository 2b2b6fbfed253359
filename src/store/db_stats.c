/*
 * What /metrics shows of the database: the connections this process holds (one per thread
 * that used it: the "pool"), the write queue, group commits and log syncs, driver errors,
 * and for SQLite the WAL's size and the checkpointer's work. Read at scrape time only:
 * counters the hot path keeps anyway, one lock walk of the connection list, one stat().
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "schoolhub/mem.h"
#include "store/sqlite_checkpointer.h"
#include "store/store-private.h"

void sh_db_stats(struct sh_db *db, struct sh_db_stats *stats_r)
{
	struct sh_db_stats s = {.wal_bytes = -1};
	pthread_mutex_lock(&db->lock);
	for (const struct sh_conn *c = db->conns; c != NULL; c = c->next) {
		s.connections++;
		if (c->down)
			s.connections_down++;
	}
	pthread_mutex_unlock(&db->lock);
	s.writers_waiting = (unsigned)atomic_load(&db->writers_waiting);
	s.group_commits = (uint64_t)atomic_load(&db->group_commits);
	s.log_syncs = (uint64_t)atomic_load(&db->log_syncs);
	s.errors = (uint64_t)atomic_load(&db->errors);
	if (db->driver->kind == SH_DB_SQLITE) {
		/* The checkpointer is the SQLite driver's state (driver_sqlite.c). */
		const struct sh_sqlite_checkpointer *cp = db->driver_state;
		if (cp != NULL) {
			s.checkpoints = sh_sqlite_checkpointer_runs(cp);
			s.checkpoint_restarts = sh_sqlite_checkpointer_restarts(cp);
		}
		size_t len = strlen(db->target) + sizeof("-wal");
		char *wal = sh_malloc(len);
		snprintf(wal, len, "%s-wal", db->target);
		struct stat st;
		s.wal_bytes = stat(wal, &st) == 0 ? (int64_t)st.st_size : 0;
		sh_free(&wal);
	}
	*stats_r = s;
}
