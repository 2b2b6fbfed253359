/* "schoolhub seed-demo": a small believable school for trying the app. */
#ifndef SCHOOLHUB_APP_DEMO_SEED_H
#define SCHOOLHUB_APP_DEMO_SEED_H

#include <stdint.h>
#include <stdio.h>

#include "schoolhub/app.h"

/* Loads the demo families into an empty database and prints the logins to "out". 0 when
 * loaded, 1 when refused because the database already holds members (nothing written,
 * one line on stderr), -1 on a database error. */
int sh_demo_seed(struct sh_app *app, FILE *out);

/* How many demo logins (@demo.schoolhub.be) in the database still have the demo password,
 * which is in the source and the README, in "*count_r": a production server must not serve
 * them. 0, or -1 on a database or hashing error. */
int sh_demo_open_logins(struct sh_app *app, int64_t *count_r);

#endif
