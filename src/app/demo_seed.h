/* "schoolhub seed-demo": a small believable school for trying the app. */
#ifndef SCHOOLHUB_APP_DEMO_SEED_H
#define SCHOOLHUB_APP_DEMO_SEED_H

#include <stdio.h>

#include "schoolhub/app.h"

/* Loads the demo families once (a second run changes nothing) and prints the logins to "out". */
int sh_demo_seed(struct sh_app *app, FILE *out);

#endif
