/*
 * Test databases: every test program gets fresh, empty databases on the
 * backend named on its command line ("sqlite" or "postgres").
 */
#ifndef SCHOOLHUB_TEST_DB_H
#define SCHOOLHUB_TEST_DB_H

/*
 * Returns the URL of a new empty database, owned by this module until
 * th_backend_cleanup(). "sqlite": a file in a fresh mkdtemp() directory
 * under /tmp. "postgres": a database sh_test_<pid>_<n> created on the server
 * named by $SCHOOLHUB_TEST_PG_URL. A missing variable, an unknown backend or
 * a failure exits the program with status 1: a test must never pass without
 * having run. Cleanup is registered with atexit() on first use.
 */
const char *th_backend_url(const char *backend);

/*
 * Drops the databases and removes the files this process created. Safe to
 * call more than once; in a fork()ed child (Check's default mode) it only
 * touches what that child created.
 */
void th_backend_cleanup(void);

#endif
