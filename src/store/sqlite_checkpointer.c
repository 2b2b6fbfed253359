/*
 * The SQLite WAL checkpointer: one background thread per database file that copies the
 * write-ahead log back into the database, and keeps the log's size bounded.
 *
 * Why a thread: by default SQLite checkpoints inside the commit that pushes the WAL past
 * 1000 pages. Under a payment load that is every few dozen commits, and the checkpoint
 * (copying ~4 MB and two fsyncs) then runs while this process's single writer slot
 * (db->write_lock) is held: every other write waits behind it, and p99 jumps. Here the
 * commits only note that the WAL has grown (a hook, an atomic flag) and this thread copies
 * the log in PASSIVE mode beside them, which never blocks readers or the writer.
 *
 * Why that alone is not enough: SQLite starts writing the log at its beginning again only
 * when a write transaction begins while the whole log is copied and no reader still uses
 * it. A passive checkpoint running beside a writer that commits every few milliseconds
 * (the group commit keeps a transaction open while requests queue) never finds that
 * moment: the WAL file grew without bound (22 GB in a 10-minute soak, the WAL index with
 * it in every process's memory) and the copies it took (an inline checkpoint every 80 MB)
 * stalled the writer for seconds. So past SH_WAL_RESTART_PAGES, once the passive copy has
 * caught up, the thread takes the writer slot for a moment (sh_db_writers_hold: no write
 * of this process runs meanwhile) and runs a RESTART checkpoint: it copies the few frames
 * committed since, waits for the readers still on the old log to finish (milliseconds;
 * new readers read the database file), and the next commit writes the log from its
 * beginning, cutting the file back to journal_size_limit. Measured in docs/PERFORMANCE.md.
 */
#include "store/sqlite_checkpointer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "store/store-private.h"

/* SQLite's own autocheckpoint threshold: 1000 pages of 4 KiB. */
#define SH_WAL_WAKE_PAGES 1000
/* A WAL this long (32 MiB of 4 KiB pages) is restarted at its beginning (see above). */
#define SH_WAL_RESTART_PAGES 8192
/* Frames the passive copy may leave behind for the restart to copy under the slot. */
#define SH_WAL_RESTART_LAG_PAGES 2048
/* Passive copies tried before the restart, to shrink what is left for it. */
#define SH_WAL_PASSIVE_ROUNDS 3

struct sh_sqlite_checkpointer {
	char *path;
	struct sh_db *db; /* its writer slot, held for the restarts */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_bool wanted;
	/* The WAL's size in frames when it was last checkpointed. Readers that never stop
	 * (a loaded server) keep SQLite from restarting the WAL at its beginning, so its size
	 * stays past the wake-up mark after a checkpoint: waking on the size alone meant a
	 * checkpoint (two fdatasyncs) after every commit. What counts is the growth since. */
	atomic_int checkpointed_log;
	int restart_at; /* the WAL length (pages) that calls for a restart (thread only) */
	int restarted_log; /* the length of the last log restarted (thread only) */
	bool stop; /* under lock */
	atomic_uint_fast64_t runs;
	atomic_uint_fast64_t restarts; /* RESTART checkpoints that succeeded */
	char *wal_path; /* SQLite's name for the WAL file (sh_sqlite_wal_open) */
	int wal_fd;     /* that file, for sh_sqlite_wal_sync; -1 until opened */
	dev_t wal_dev;
	ino_t wal_ino;
};

/*
 * The restart waits (with the writer slot held) for the readers still on the old log:
 * requests' read transactions last milliseconds, so poll every 0.2 ms, for at most 50 ms
 * (SQLite's own handler sleeps 1, 2, 5, 10 ... ms). A reader that stays longer makes the
 * restart fail; it is tried again later.
 */
static int restart_busy_wait(void *arg, int count)
{
	(void)arg;
	if (count >= 250)
		return 0;
	struct timespec pause = {0, 200000L};
	nanosleep(&pause, NULL);
	return 1;
}

static sqlite3 *open_checkpoint_conn(const char *path)
{
	sqlite3 *db = NULL;
	/* Reading the schema opens the file in WAL mode (sqlite3_open_v2 alone is lazy, and a
	 * checkpoint on a connection that never read anything does nothing). A long write (a
	 * migration, seed-bench) may hold the lock: then this fails and the next wake retries. */
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_handler(db, restart_busy_wait, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sh_log_debug("sqlite checkpointer: cannot open %s yet: %s", path,
			    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* One PASSIVE copy; false when the connection failed (logged). */
static bool checkpoint_passive(struct sh_sqlite_checkpointer *cp, sqlite3 *db, int *log_r,
			       int *done_r)
{
	*log_r = *done_r = -1;
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, log_r, done_r);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		sh_log_warn("sqlite checkpointer: %s", sqlite3_errmsg(db));
		return false;
	}
	if (*log_r >= 0) /* -1: another checkpoint was running */
		atomic_store(&cp->checkpointed_log, *log_r);
	return true;
}

/*
 * The WAL is long: with the writer slot held, copy the rest and have the next commit start
 * the log again. The busy handler (restart_busy_wait, at most 50 ms) waits for readers on
 * the old log; if one stays longer (SQLITE_BUSY), a later wake-up tries again.
 */
static void checkpoint_restart(struct sh_sqlite_checkpointer *cp, sqlite3 *db)
{
	int log_pages = -1, done_pages = -1;
	sh_db_writers_hold(cp->db);
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, &log_pages,
					   &done_pages);
	sh_db_writers_resume(cp->db);
	if (rc == SQLITE_OK) {
		atomic_fetch_add(&cp->restarts, 1);
		atomic_store(&cp->checkpointed_log, 0);
		cp->restart_at = SH_WAL_RESTART_PAGES;
		cp->restarted_log = log_pages;
	} else if (rc == SQLITE_BUSY) {
		/* A long reader: each try holds the writers up to 50 ms, so the next one waits
		 * for the log to grow by another half of the restart mark. */
		cp->restart_at = (log_pages > 0 ? log_pages : cp->restart_at) + SH_WAL_RESTART_PAGES / 2;
		sh_log_debug("sqlite checkpointer: restart busy (%d of %d pages copied)",
			     done_pages, log_pages);
	} else {
		sh_log_warn("sqlite checkpointer: restart: %s", sqlite3_errmsg(db));
	}
}

static void *checkpoint_loop(void *arg)
{
	struct sh_sqlite_checkpointer *cp = arg;
	sqlite3 *db = NULL;

	for (;;) {
		pthread_mutex_lock(&cp->lock);
		while (!cp->stop && !atomic_load(&cp->wanted))
			pthread_cond_wait(&cp->wake, &cp->lock);
		bool stop = cp->stop;
		pthread_mutex_unlock(&cp->lock);
		if (stop)
			break;
		atomic_store(&cp->wanted, false);
		if (db == NULL && (db = open_checkpoint_conn(cp->path)) == NULL)
			continue; /* logged; the next commit's wake-up retries */
		int log_pages = 0, done_pages = 0;
		bool ok = checkpoint_passive(cp, db, &log_pages, &done_pages);
		/* A wake-up raised before the last restart finds that log, all copied and not yet
		 * started again (no commit since): nothing to do. */
		bool restart = ok && log_pages >= cp->restart_at && cp->db != NULL &&
			       !(log_pages == cp->restarted_log && done_pages == log_pages);
		/* What the passive copies leave is copied with the writers held: shrink it. */
		for (int round = 1; restart && round < SH_WAL_PASSIVE_ROUNDS &&
				    log_pages - done_pages > SH_WAL_RESTART_LAG_PAGES;
		     round++)
			restart = checkpoint_passive(cp, db, &log_pages, &done_pages);
		if (restart)
			checkpoint_restart(cp, db);
		atomic_fetch_add(&cp->runs, 1);
	}
	sqlite3_close(db);
	return NULL;
}

struct sh_sqlite_checkpointer *sh_sqlite_checkpointer_start(struct sh_db *db)
{
	struct sh_sqlite_checkpointer *cp = sh_calloc(1, sizeof(*cp));
	cp->path = sh_strdup(db->target);
	cp->db = db;
	cp->restart_at = SH_WAL_RESTART_PAGES;
	atomic_init(&cp->wanted, false);
	atomic_init(&cp->runs, 0);
	atomic_init(&cp->restarts, 0);
	atomic_init(&cp->checkpointed_log, 0);
	cp->wal_fd = -1;
	int err = pthread_mutex_init(&cp->lock, NULL);
	if (err == 0) {
		err = pthread_cond_init(&cp->wake, NULL);
		if (err == 0) {
			err = pthread_create(&cp->thread, NULL, checkpoint_loop, cp);
			if (err != 0)
				pthread_cond_destroy(&cp->wake);
		}
		if (err != 0)
			pthread_mutex_destroy(&cp->lock);
	}
	if (err != 0) {
		sh_log_warn("sqlite checkpointer: cannot start: %s (commits will checkpoint)",
			    strerror(err));
		sh_free(&cp->path);
		sh_free(&cp);
		return NULL;
	}
	return cp;
}

void sh_sqlite_checkpointer_stop(struct sh_sqlite_checkpointer **cp_r)
{
	struct sh_sqlite_checkpointer *cp = *cp_r;
	if (cp == NULL)
		return;
	*cp_r = NULL;
	pthread_mutex_lock(&cp->lock);
	cp->stop = true;
	pthread_cond_signal(&cp->wake);
	pthread_mutex_unlock(&cp->lock);
	pthread_join(cp->thread, NULL);
	pthread_cond_destroy(&cp->wake);
	pthread_mutex_destroy(&cp->lock);
	if (cp->wal_fd >= 0)
		close(cp->wal_fd);
	sh_free(&cp->wal_path);
	sh_free(&cp->path);
	free(cp);
}

uint64_t sh_sqlite_checkpointer_runs(const struct sh_sqlite_checkpointer *cp)
{
	return cp != NULL ? atomic_load(&cp->runs) : 0;
}

uint64_t sh_sqlite_checkpointer_restarts(const struct sh_sqlite_checkpointer *cp)
{
	return cp != NULL ? atomic_load(&cp->restarts) : 0;
}

/* (Re)opens the WAL file at cp->wal_path unless the open one is still the file there. */
static int wal_reopen(struct sh_sqlite_checkpointer *cp)
{
	struct stat st;
	if (stat(cp->wal_path, &st) != 0) {
		sh_log_error("sqlite: %s: %s", cp->wal_path, strerror(errno));
		return -1;
	}
	if (cp->wal_fd >= 0 && st.st_dev == cp->wal_dev && st.st_ino == cp->wal_ino)
		return 0;
	if (cp->wal_fd >= 0)
		close(cp->wal_fd);
	cp->wal_fd = open(cp->wal_path, O_RDONLY | O_CLOEXEC);
	if (cp->wal_fd < 0 || fstat(cp->wal_fd, &st) != 0) {
		sh_log_error("sqlite: %s: %s", cp->wal_path, strerror(errno));
		if (cp->wal_fd >= 0)
			close(cp->wal_fd);
		cp->wal_fd = -1;
		return -1;
	}
	cp->wal_dev = st.st_dev;
	cp->wal_ino = st.st_ino;
	return 0;
}

int sh_sqlite_wal_open(struct sh_sqlite_checkpointer *cp, const char *wal_path)
{
	/* Open before the first commit that relies on it: a write-back error that happened
	 * earlier would not be reported to a descriptor opened after it. */
	sh_free(&cp->wal_path);
	cp->wal_path = sh_strdup(wal_path);
	return wal_reopen(cp);
}

int sh_sqlite_wal_sync(struct sh_sqlite_checkpointer *cp)
{
	/* fdatasync() flushes the file, whichever descriptor wrote it. SQLite deletes the
	 * WAL when its last connection closes and recreates it later: a file that is no
	 * longer the one at the path is reopened, so the sync always reaches the live log. */
	if (cp->wal_path == NULL || wal_reopen(cp) != 0)
		return -1;
	if (fdatasync(cp->wal_fd) != 0) {
		sh_log_error("sqlite: fdatasync %s: %s", cp->wal_path, strerror(errno));
		return -1;
	}
	return 0;
}

int sh_sqlite_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	struct sh_sqlite_checkpointer *cp = arg;
	int grown = pages - atomic_load(&cp->checkpointed_log);
	if (grown < 0) { /* the WAL restarted at its beginning */
		atomic_store(&cp->checkpointed_log, 0);
		grown = pages;
	}
	/* No checkpoint here: this runs in the commit, with the writer slot held. The thread
	 * bounds the log (restarts) even when it falls behind. One wake-up per batch: only
	 * the commit that raises the flag takes the lock. */
	if (grown >= SH_WAL_WAKE_PAGES && !atomic_exchange(&cp->wanted, true)) {
		pthread_mutex_lock(&cp->lock);
		pthread_cond_signal(&cp->wake);
		pthread_mutex_unlock(&cp->lock);
	}
	return SQLITE_OK;
}
