/*
 * The application: configuration, database, router, metrics and security state
 * shared (read-only after start, or internally synchronised) by every worker thread.
 */
#ifndef SCHOOLHUB_APP_H
#define SCHOOLHUB_APP_H

#include <semaphore.h>
#include <time.h>

#include "schoolhub/config.h"
#include "schoolhub/realtime.h"
#include "schoolhub/store.h"

struct sh_router;
struct sh_metrics;
struct sh_job_worker;
struct sh_realtime;
struct sh_event_bell;
struct sh_module_switches;

struct sh_app {
	struct sh_config cfg;
	struct sh_db *db;
	struct sh_router *router;
	struct sh_metrics *metrics;
	time_t started_at;
	sem_t hash_slots; /* caps concurrent argon2id computations (memory-hard: ~19 MiB each) */
	unsigned started_modules; /* modules whose init hook ran: stopped by sh_app_destroy */
	struct sh_job_worker *jobs; /* the job worker threads (jobs module), NULL when none */
	struct sh_realtime *realtime; /* the WebSocket thread (serve only), NULL when none */
	struct sh_event_bell *events; /* rung after a commit that wrote member events (events.h) */
	sh_typing_audience_fn *typing_audience; /* set by the messages module (realtime.h) */
	struct sh_module_switches *switches; /* modules switched off at runtime (modules.h) */
};

/* Process-wide setup (libsodium, libcurl); call once before anything else. */
int sh_global_init(void);

/*
 * Builds the application from "cfg" (ownership moves into the app; "cfg" is zeroed):
 * opens the database, applies migrations when "migrate" is true, builds the router, then
 * runs the enabled modules' init hooks (sh_app_destroy runs their stop hooks).
 */
int sh_app_create(struct sh_config *cfg, bool migrate, struct sh_app **app_r, char **error_r);
void sh_app_destroy(struct sh_app **app_r);

#endif
