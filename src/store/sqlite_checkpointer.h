/* The background WAL checkpointer of the SQLite driver (see sqlite_checkpointer.c). */
#ifndef SCHOOLHUB_STORE_SQLITE_CHECKPOINTER_H
#define SCHOOLHUB_STORE_SQLITE_CHECKPOINTER_H

#include <sqlite3.h>
#include <stdint.h>

struct sh_sqlite_checkpointer;
struct sh_db;

/* Starts the thread for the database file db->target; it takes db's writer slot for its
 * restarts (sh_db_writers_hold). NULL (logged) if it cannot. */
struct sh_sqlite_checkpointer *sh_sqlite_checkpointer_start(struct sh_db *db);
/* Stops and joins the thread; NULL-safe. */
void sh_sqlite_checkpointer_stop(struct sh_sqlite_checkpointer **cp_r);
/* How many checkpoints the thread has run (for tests). */
uint64_t sh_sqlite_checkpointer_runs(const struct sh_sqlite_checkpointer *cp);
/* How many RESTART checkpoints succeeded: the WAL started again at its beginning. */
uint64_t sh_sqlite_checkpointer_restarts(const struct sh_sqlite_checkpointer *cp);
/* Opens the WAL file "wal_path" (SQLite's name for it) for sh_sqlite_wal_sync: 0, or -1
 * (logged). Once, before the first commit that relies on it. */
int sh_sqlite_wal_open(struct sh_sqlite_checkpointer *cp, const char *wal_path);
/* fdatasync of the WAL file: every commit written to it so far is durable (0), or -1
 * (logged). Called by one thread at a time (the core's sync_lock). */
int sh_sqlite_wal_sync(struct sh_sqlite_checkpointer *cp);
/* The sqlite3_wal_hook of every connection ("arg" is the checkpointer); with it installed,
 * the connection's autocheckpoint is off. */
int sh_sqlite_wal_hook(void *arg, sqlite3 *db, const char *name, int pages);

#endif
