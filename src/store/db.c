/*
 * The storage API's entry point: URL parsing and driver selection, opening and closing a
 * database, and what it reports (kind, error count). Connections are in conn.c,
 * transactions in conn_tx.c and transaction.c, statements in stmt.c, columns.c and
 * query.c. Everything dispatches to the driver vtable (store-private.h) and keeps the
 * rules that must not depend on the backend.
 */
#include "store/store-private.h"

#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *error_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *error_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sh_strdup(buf);
}

static void set_error(char **error_r, char *error)
{
	if (error_r != NULL)
		*error_r = error;
	else
		sh_free(&error);
}

/*
 * Only the scheme is echoed back in errors: the rest of a URL may hold a
 * password.
 */
static int parse_url(const char *url, const struct sh_db_driver **driver_r,
		     char **target_r, char **error_r)
{
	if (url == NULL || *url == '\0') {
		*error_r = sh_strdup("DATABASE_URL: empty (expected sqlite:///path.db or postgresql://...)");
		return -1;
	}
	if (strncmp(url, "sqlite://", 9) == 0) {
		const char *rest = url + 9;
		/* sqlite:///rel.db leaves "/rel.db", sqlite:////abs.db leaves "//abs.db" */
		if (rest[0] != '/' || rest[1] == '\0' || (rest[1] == '/' && rest[2] == '\0')) {
			*error_r = sh_strdup("DATABASE_URL: a SQLite URL is sqlite:///relative/path.db "
					     "or sqlite:////absolute/path.db");
			return -1;
		}
		*driver_r = &sh_db_driver_sqlite;
		*target_r = sh_strdup(rest + 1);
		return 0;
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		*driver_r = &sh_db_driver_pg;
		*target_r = sh_strdup(url);
		return 0;
	}

	size_t len = 0;
	while (len < 24 && (isalnum((unsigned char)url[len]) || url[len] == '+' ||
			    url[len] == '-' || url[len] == '.'))
		len++;
	if (len > 0 && len < 24 && url[len] == ':')
		*error_r = error_printf("DATABASE_URL: unsupported scheme \"%.*s\" "
					"(expected sqlite://, postgresql:// or postgres://)",
					(int)len, url);
	else
		*error_r = sh_strdup("DATABASE_URL: unsupported scheme "
				     "(expected sqlite://, postgresql:// or postgres://)");
	return -1;
}

/* The thread key and the locks of a new database: 0, or an errno value with none left. */
static int locks_init(struct sh_db *db)
{
	int err = pthread_key_create(&db->key, sh_conn_thread_exit);
	if (err != 0)
		return err;
	if ((err = pthread_mutex_init(&db->lock, NULL)) != 0)
		goto no_lock;
	if ((err = pthread_mutex_init(&db->write_lock, NULL)) != 0)
		goto no_write_lock;
	if ((err = pthread_mutex_init(&db->group_lock, NULL)) != 0)
		goto no_group_lock;
	if ((err = pthread_cond_init(&db->group_done, NULL)) != 0)
		goto no_group_done;
	if ((err = pthread_mutex_init(&db->sync_lock, NULL)) == 0)
		return 0;
	pthread_cond_destroy(&db->group_done);
no_group_done:
	pthread_mutex_destroy(&db->group_lock);
no_group_lock:
	pthread_mutex_destroy(&db->write_lock);
no_write_lock:
	pthread_mutex_destroy(&db->lock);
no_lock:
	pthread_key_delete(db->key);
	return err;
}

int sh_db_open(const char *url, struct sh_db **db_r, char **error_r)
{
	const struct sh_db_driver *driver = NULL;
	char *target = NULL, *error = NULL;

	*db_r = NULL;
	if (parse_url(url, &driver, &target, &error) < 0) {
		set_error(error_r, error);
		return -1;
	}

	struct sh_db *db = sh_calloc(1, sizeof(*db));
	db->driver = driver;
	db->target = target;
	atomic_init(&db->errors, 0);
	atomic_init(&db->writers_waiting, 0);
	atomic_init(&db->group_commits, 0);
	atomic_init(&db->commit_seq, 0);
	atomic_init(&db->log_sync_failed, false);
	atomic_init(&db->log_syncs, 0);
	if (driver->open != NULL && driver->open(db, &error) < 0) {
		set_error(error_r, error);
		sh_free(&db->target);
		sh_free(&db);
		return -1;
	}
	int err = locks_init(db);
	if (err != 0) {
		set_error(error_r, error_printf("database: %s", strerror(err)));
		if (driver->close != NULL)
			driver->close(db);
		sh_free(&db->target);
		sh_free(&db);
		return -1;
	}
	*db_r = db;
	return 0;
}

void sh_db_close(struct sh_db **db_r)
{
	struct sh_db *db = *db_r;

	if (db == NULL)
		return;
	*db_r = NULL;
	/* Forget this thread's value so a later key reusing the slot starts clean. */
	pthread_setspecific(db->key, NULL);
	pthread_key_delete(db->key);

	pthread_mutex_lock(&db->lock);
	while (db->conns != NULL) {
		struct sh_conn *conn = db->conns;
		db->conns = conn->next;
		conn->prev = conn->next = NULL;
		db->driver->disconnect(conn);
		free(conn);
	}
	pthread_mutex_unlock(&db->lock);
	if (db->driver->close != NULL)
		db->driver->close(db);
	pthread_mutex_destroy(&db->lock);
	pthread_mutex_destroy(&db->write_lock);
	pthread_cond_destroy(&db->group_done);
	pthread_mutex_destroy(&db->group_lock);
	pthread_mutex_destroy(&db->sync_lock);
	sh_free(&db->target);
	free(db);
}

void sh_db_set_durable_commits(struct sh_db *db, bool durable)
{
	db->lazy_commits = !durable;
}

enum sh_db_kind sh_db_kind(const struct sh_db *db)
{
	return db->driver->kind;
}

const char *sh_db_kind_name(const struct sh_db *db)
{
	return db->driver->name;
}

int sh_store_global_init(void)
{
	return sh_sqlite_global_init();
}

uint64_t sh_db_error_count(const struct sh_db *db)
{
	return (uint64_t)atomic_load(&db->errors);
}

