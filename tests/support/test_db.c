/*
 * Fresh databases for tests. Each created database remembers the pid that
 * created it: Check forks a child per test and the child runs atexit()
 * handlers it inherited, so without the pid a child would drop the parent's
 * databases.
 */
#include "test_db.h"

#include "schoolhub/mem.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define PG_ENV "SCHOOLHUB_TEST_PG_URL"

struct th_created {
	struct th_created *next;
	pid_t pid;
	char *url;
	char *dir;    /* sqlite: the mkdtemp() directory */
	char *dbname; /* postgres: the database on the $PG_ENV server */
};

static pthread_mutex_t th_lock = PTHREAD_MUTEX_INITIALIZER;
static struct th_created *th_list;
static unsigned th_counter;
/* The test program itself, before Check forks: every name starts with it. */
static pid_t th_root_pid;

static void th_sweep(void);

/*
 * A failed Check assertion ends the forked child with _exit(), skipping its
 * atexit() cleanup, so the program's own process sweeps everything named
 * after it once all children are gone.
 */
__attribute__((constructor)) static void th_init(void)
{
	th_root_pid = getpid();
	atexit(th_backend_cleanup);
}

static void th_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void th_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "test database: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void th_quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* NULL (reported) on failure: cleanup runs from atexit() and must not exit(). */
static PGconn *th_pg_admin(void)
{
	PGconn *pg = PQconnectdb(getenv(PG_ENV));

	if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "test database: cannot connect to $" PG_ENV ": %s",
			pg != NULL ? PQerrorMessage(pg) : "out of memory\n");
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, th_quiet_notice, NULL);
	return pg;
}

static bool th_pg_exec(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	bool ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "test database: %s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	return ok;
}

/* The admin URL with its database path replaced by "dbname". */
static char *th_pg_url(const char *admin, const char *dbname)
{
	const char *host = strstr(admin, "://") + 3;
	const char *path = host + strcspn(host, "/?");
	const char *query = strchr(path, '?');
	char buf[1024];

	if (query != NULL && strstr(query, "dbname=") != NULL)
		th_die("$" PG_ENV " must not set dbname in its query string");
	snprintf(buf, sizeof(buf), "%.*s/%s%s", (int)(path - admin), admin, dbname,
		 query != NULL ? query : "");
	return sh_strdup(buf);
}

static void th_create_pg(struct th_created *c)
{
	const char *admin = getenv(PG_ENV);
	char name[64], sql[160];

	if (admin == NULL || *admin == '\0')
		th_die("the postgres backend needs $" PG_ENV
		       " (a libpq URI of a server where we may CREATE DATABASE, "
		       "e.g. postgresql://postgres@127.0.0.1:55432/postgres)");
	if (strncmp(admin, "postgresql://", 13) != 0 && strncmp(admin, "postgres://", 11) != 0)
		th_die("$" PG_ENV " must be a postgresql:// or postgres:// URI");

	snprintf(name, sizeof(name), "sh_test_%ld_%ld_%u", (long)th_root_pid, (long)getpid(),
		 th_counter++);
	PGconn *pg = th_pg_admin();
	if (pg == NULL)
		exit(1);
	/* A crashed run with the same pid may have left one behind. */
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	bool ok = th_pg_exec(pg, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	ok = ok && th_pg_exec(pg, sql);
	PQfinish(pg);
	if (!ok)
		th_die("cannot create database %s", name);
	c->dbname = sh_strdup(name);
	c->url = th_pg_url(admin, name);
}

static void th_create_sqlite(struct th_created *c)
{
	char dir[64], buf[128];

	snprintf(dir, sizeof(dir), "/tmp/sh_test_%ld_%ld_XXXXXX", (long)th_root_pid, (long)getpid());
	if (mkdtemp(dir) == NULL)
		th_die("mkdtemp under /tmp failed");
	c->dir = sh_strdup(dir);
	/* sqlite:// plus the absolute path "/tmp/..." gives the four slashes. */
	snprintf(buf, sizeof(buf), "sqlite:///%s/test.db", dir);
	c->url = sh_strdup(buf);
}

const char *th_backend_url(const char *backend)
{
	if (backend == NULL)
		th_die("no backend given (expected \"sqlite\" or \"postgres\")");

	struct th_created *c = sh_calloc(1, sizeof(*c));
	c->pid = getpid();
	/* Created outside the lock: th_die()'s exit() runs th_backend_cleanup(). */
	if (strcmp(backend, "sqlite") == 0)
		th_create_sqlite(c);
	else if (strcmp(backend, "postgres") == 0)
		th_create_pg(c);
	else
		th_die("unknown backend \"%s\" (expected \"sqlite\" or \"postgres\")", backend);
	pthread_mutex_lock(&th_lock);
	c->next = th_list;
	th_list = c;
	pthread_mutex_unlock(&th_lock);
	return c->url;
}

static void th_remove_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char file[512];

	if (dir == NULL)
		return;
	/* test.db with its -wal and -shm companions, or whatever a test put there. */
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (unlink(file) < 0)
			th_remove_dir(file);
	}
	closedir(dir);
	if (rmdir(path) < 0)
		fprintf(stderr, "test database: cannot remove %s\n", path);
}

void th_backend_cleanup(void)
{
	pthread_mutex_lock(&th_lock);
	struct th_created *list = th_list;
	th_list = NULL;
	pthread_mutex_unlock(&th_lock);

	PGconn *pg = NULL;
	while (list != NULL) {
		struct th_created *c = list;
		list = c->next;
		if (c->pid == getpid()) {
			if (c->dir != NULL)
				th_remove_dir(c->dir);
			if (c->dbname != NULL) {
				char sql[160];
				if (pg == NULL)
					pg = th_pg_admin();
				snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", c->dbname);
				if (pg != NULL)
					th_pg_exec(pg, sql);
			}
		}
		sh_free(&c->url);
		sh_free(&c->dir);
		sh_free(&c->dbname);
		sh_free(&c);
	}
	if (pg != NULL)
		PQfinish(pg);
	if (getpid() == th_root_pid)
		th_sweep();
}

/* What children of this program left behind (see th_init). */
static void th_sweep(void)
{
	char prefix[64], sql[192];
	size_t len;

	snprintf(prefix, sizeof(prefix), "sh_test_%ld_", (long)th_root_pid);
	len = strlen(prefix);

	DIR *tmp = opendir("/tmp");
	struct dirent *de;
	while (tmp != NULL && (de = readdir(tmp)) != NULL) {
		if (strncmp(de->d_name, prefix, len) == 0) {
			char path[300];
			snprintf(path, sizeof(path), "/tmp/%s", de->d_name);
			th_remove_dir(path);
		}
	}
	if (tmp != NULL)
		closedir(tmp);

	const char *admin = getenv(PG_ENV);
	if (admin == NULL || *admin == '\0')
		return;
	PGconn *pg = PQconnectdb(admin);
	if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
		/* A SQLite-only run on a machine without the server: nothing to sweep. */
		PQfinish(pg);
		return;
	}
	PQsetNoticeProcessor(pg, th_quiet_notice, NULL);
	snprintf(sql, sizeof(sql), "SELECT datname FROM pg_database WHERE starts_with(datname, '%s')",
		 prefix);
	PGresult *res = PQexec(pg, sql);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		for (int i = 0; i < PQntuples(res); i++) {
			snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
				 PQgetvalue(res, i, 0));
			th_pg_exec(pg, sql);
		}
	}
	PQclear(res);
	PQfinish(pg);
}
