/*
 * Product modules. Each module contributes one route table; SCHOOLHUB_MODULES
 * chooses which are enabled (a disabled module's routes answer 404).
 */
#ifndef SCHOOLHUB_MODULES_H
#define SCHOOLHUB_MODULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "schoolhub/http.h"

enum sh_module_id {
	SH_MODULE_AUTH = 1u << 0,
	SH_MODULE_USERS = 1u << 1,
	SH_MODULE_CHILDREN = 1u << 2,
	SH_MODULE_SEL = 1u << 3,
	SH_MODULE_CLASSES = 1u << 4,
	SH_MODULE_JOBS = 1u << 5, /* the job queue's worker and admin routes (jobs.h) */
	SH_MODULE_MESSAGES = 1u << 6, /* conversations and messages */
	SH_MODULE_ANNOUNCEMENTS = 1u << 7, /* announcements with acknowledgements */
	SH_MODULE_NOTIFICATIONS = 1u << 8, /* in-app and e-mail notifications (notify.h) */
	SH_MODULE_EVENTS = 1u << 9, /* school events, sign-ups and waiting lists */
	SH_MODULE_CALENDAR = 1u << 10, /* iCalendar feeds, volunteer shifts (on events' tables) */
	SH_MODULE_ADMIN = 1u << 11, /* members, the audit log, module switches (issue #15) */
	/* Keep last: a new module's bit goes above this line, and nothing else needs an edit.
	 * Its value is one more than the highest bit. */
	SH_MODULE_END
};

/* How many module bits there are (the highest bit's index + 1): the number of settings
 * slots in struct sh_config. Derived from SH_MODULE_END, so it follows a new module. */
#define SH_MODULE_COUNT ((unsigned)__builtin_ctz((unsigned)SH_MODULE_END - 1u) + 1u)

/*
 * Hooks a module offers to the account lifecycle (both optional):
 * - export_part adds the module's data about "user_id" under its own key of "out"
 *   (GDPR art. 15/20). Returns SH_DB_OK or a store error.
 * - erase_user runs inside the account-deletion transaction: delete what is personal,
 *   pseudonymise what other members still need. Returns SH_DB_OK or a store error.
 */
typedef enum sh_db_rc sh_export_fn(struct sh_conn *conn, const char *user_id, json_t *out);
/*
 * account_created runs inside the registration transaction of a new member (enabled
 * modules only, after the users row is written): what a module gives every member from
 * their first day, written with the account or not at all (the SEL opens the member's
 * ledger account with its welcome units). Returns SH_DB_OK or a store error.
 */
struct sh_config;
typedef enum sh_db_rc sh_account_created_fn(const struct sh_config *cfg, struct sh_conn *conn,
					    const char *user_id, const char *now);
typedef enum sh_db_rc sh_erase_fn(struct sh_conn *conn, const char *user_id, const char *now);
/*
 * The auth gate (src/http) reads the account behind a token on every request with this
 * lookup, which the module that owns accounts (users) supplies: the HTTP layer knows
 * this registry, never a module's own files. "sql" reads the active account whose id is
 * $1 (no row when it is deleted or deactivated); "read" copies that row into "*u"
 * (strings in "arena"). The gate runs it itself, so that on PostgreSQL it can travel in
 * one round trip with the handler's first read (sh_conn_guard).
 */
struct sh_account_lookup {
	const char *sql;
	void (*read)(struct sh_stmt *row, struct sh_arena *arena, struct sh_user *u);
};

struct sh_app;
struct sh_conn;
struct sh_config;
struct sh_job_kind;

/*
 * One environment setting a module owns: a whole number in [min, max], "def" when unset.
 * The table is what "schoolhub serve --help" prints; the module's settings_load hook
 * reads each entry with sh_module_setting_read into its own struct.
 */
struct sh_module_setting {
	const char *env;
	long def, min, max;
	const char *help; /* one line, without the default (printed after it) */
};

/*
 * Settings and lifetime hooks (all optional):
 * - settings_load reads the module's settings into a malloc'ed flat struct of its own
 *   ("*settings_r", freed with free() by sh_config_free). It runs for enabled modules only,
 *   so a disabled module's settings are never required to parse. Returns 0, or -1 with a
 *   malloc'ed one-line "*error_r" naming the variable.
 * - init runs once the app is built (database open, router ready), stop before it is torn
 *   down: enabled modules only, init in module order, stop in reverse. A failing init
 *   (-1, malloc'ed "*error_r") stops start-up; the modules already started are stopped.
 * - public_config adds the module's public numbers (never a secret) under its own key of
 *   GET /api/v1/config's body.
 */
typedef int sh_settings_load_fn(void **settings_r, char **error_r);
typedef int sh_module_init_fn(struct sh_app *app, char **error_r);
typedef void sh_module_stop_fn(struct sh_app *app);
typedef void sh_public_config_fn(const struct sh_config *cfg, json_t *out);
/* A number a module shows on /metrics, read when Prometheus scrapes (a gauge: "name" a
 * static schoolhub_* name without labels, "help" one line). */
struct sh_module_gauge {
	const char *name;
	const char *help;
	double value;
};
/* Fills at most "max" gauges and returns how many (0 when the database does not answer:
 * a scrape never fails for a module). Called on a request thread with its connection. */
typedef size_t sh_module_metrics_fn(struct sh_app *app, struct sh_conn *conn,
				    struct sh_module_gauge *out, size_t max);

struct sh_module {
	const char *name;
	enum sh_module_id id;
	const struct sh_route *routes;
	size_t route_count;
	sh_export_fn *export_part;
	sh_erase_fn *erase_user;
	sh_account_created_fn *account_created;
	const struct sh_account_lookup *account_lookup; /* one module only (users) */
	const struct sh_module_setting *settings;
	size_t setting_count;
	sh_settings_load_fn *settings_load;
	sh_module_init_fn *init;
	sh_module_stop_fn *stop;
	sh_public_config_fn *public_config;
	/* The job kinds this module enqueues and runs (schoolhub/jobs.h): the runner looks a
	 * claimed job's kind up here, among the enabled modules. */
	const struct sh_job_kind *job_kinds;
	size_t job_kind_count;
	sh_module_metrics_fn *metrics; /* optional: gauges on /metrics */
};

/* Every module built into this binary, in a stable order. */
extern const struct sh_module *const sh_modules[];
extern const size_t sh_module_count;

/* Parses a comma list of module names into a mask; -1 with "*error_r" for an unknown name. */
int sh_modules_parse(const char *list, unsigned *mask_r, char **error_r);
unsigned sh_modules_all(void);
/* The account lookup of the module that supplies it (enabled or not: the gate needs
 * accounts whatever SCHOOLHUB_MODULES says), or NULL. */
const struct sh_account_lookup *sh_modules_account_lookup(void);

/* Runs the account_created hook of every module enabled in "cfg" (in module order) inside
 * the caller's registration transaction; the first store error stops it. */
enum sh_db_rc sh_modules_account_created(const struct sh_config *cfg, struct sh_conn *conn,
					 const char *user_id, const char *now);

/* Reads one module setting from the environment; -1 with "*error_r" when out of range. */
int sh_module_setting_read(const struct sh_module_setting *s, long *out, char **error_r);
/* Runs settings_load of every module enabled in "mask" into "slots" (SH_MODULE_SLOTS,
 * indexed by the bit of the module's id); on error frees what it loaded. */
int sh_modules_settings_load(unsigned mask, void **slots, char **error_r);
/* The settings a module loaded, or NULL (disabled, or no settings). */
const void *sh_module_settings(const struct sh_config *cfg, enum sh_module_id id);
/* Prints every module's settings in the layout of sh_config_help(). */
void sh_modules_print_help(FILE *out);

/*
 * Runs the init hooks of the modules of "mods" enabled in "mask", in order; on a failure
 * stops those already started (in reverse) and returns -1 with "*error_r" naming the
 * module. sh_modules_stop runs the stop hooks in reverse order. The app passes sh_modules.
 */
int sh_modules_init(struct sh_app *app, const struct sh_module *const *mods, size_t count,
		    unsigned mask, char **error_r);
void sh_modules_stop(struct sh_app *app, const struct sh_module *const *mods, size_t count,
		     unsigned mask);

/*
 * Modules at runtime (src/modules/module_switches.c): an admin switches a module off or on
 * again without a restart (GET/PUT /api/v1/admin/modules); SCHOOLHUB_MODULES stays the
 * upper bound. The switches are rows of module_switches, read again by each instance at
 * most every SH_MODULE_SWITCH_TTL_MS. A module off answers 404 on its routes and leaves
 * GET /api/v1/config; its data and its background work (jobs already queued) stay.
 */
#define SH_MODULE_SWITCH_TTL_MS 1000
struct sh_module_switches;
struct sh_module_switches *sh_module_switches_create(void);
void sh_module_switches_destroy(struct sh_module_switches **s_r);
/* The modules on now: SCHOOLHUB_MODULES minus those switched off (cached, see above). */
unsigned sh_modules_on(struct sh_app *app);
/* Forgets the cached switches (after a change, so this instance obeys it at once). */
void sh_module_switches_forget(struct sh_app *app);
/* The switched-off modules as the table says now (mask). SH_DB_OK or an error. */
enum sh_db_rc sh_module_switches_read(struct sh_conn *conn, unsigned *off_r);
/* Whether an admin may switch "m" off (not auth, users, jobs or admin). */
bool sh_module_switchable(const struct sh_module *m);
const struct sh_module *sh_module_by_name(const char *name);
/* The module whose table holds "route", or NULL (a core route). */
const struct sh_module *sh_module_of_route(const struct sh_route *route);

/* Route tables, one per module (defined in src/modules/<name>/). */
extern const struct sh_module sh_module_auth;
extern const struct sh_module sh_module_users;
extern const struct sh_module sh_module_children;
extern const struct sh_module sh_module_sel;
extern const struct sh_module sh_module_classes;
extern const struct sh_module sh_module_jobs;
extern const struct sh_module sh_module_messages;
extern const struct sh_module sh_module_announcements;
extern const struct sh_module sh_module_notifications;
extern const struct sh_module sh_module_events;
extern const struct sh_module sh_module_calendar;
extern const struct sh_module sh_module_admin;

#endif
