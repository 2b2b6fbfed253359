/*
 * What every seeder checks before it writes (schoolhub seed-demo, schoolhub-bench seed).
 * Seeded logins share a password that is printed, and for the demo published in the
 * README: a seeder never runs in production, and it only loads into a database that holds
 * no member yet, so it can never add a known admin login to a school in use.
 */
#ifndef SCHOOLHUB_APP_SEED_GUARD_H
#define SCHOOLHUB_APP_SEED_GUARD_H

#include <stdint.h>

#include "schoolhub/app.h"

/* Exit status of a seeder that refused (production, members present): scripts tell it
 * apart from a failure (1) and a usage error (2). */
#define SH_SEED_EXIT_REFUSED 3

/* 0 unless "cfg" is production; then prints on stderr, in one line, why "command"
 * refuses, and returns -1. Checked before the database is opened: a refused seeder
 * touches nothing, not even the migrations. */
int sh_seed_check_env(const struct sh_config *cfg, const char *command);

/* The number of members (rows of users, active or not) in "*count_r". Call it inside the
 * seeder's write transaction, so no member can appear between the check and the load. */
enum sh_db_rc sh_seed_member_count(struct sh_conn *conn, int64_t *count_r);

/* Prints on stderr, in one line, that "command" refuses a database holding "members". */
void sh_seed_print_not_empty(const char *command, int64_t members);

#endif
