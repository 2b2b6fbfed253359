/* The notifications module's own declarations (the public API is schoolhub/notify.h). */
#ifndef SCHOOLHUB_MODULES_NOTIFY_H
#define SCHOOLHUB_MODULES_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "schoolhub/arena.h"
#include "schoolhub/brussels_time.h"
#include "schoolhub/http.h"
#include "schoolhub/i18n.h"
#include "schoolhub/jobs.h"
#include "schoolhub/notify.h"
#include "schoolhub/store.h"

/* --- kinds (notify_kinds.c) --------------------------------------------------------- */
enum notify_email { NOTIFY_IMMEDIATE, NOTIFY_DAILY, NOTIFY_WEEKLY, NOTIFY_OFF };
#define NOTIFY_KIND_COUNT 12

struct notify_kind {
	const char *name;
	enum notify_email email; /* the default */
	bool in_app;             /* the default */
	long delay_s;            /* an immediate e-mail waits this long first (read meanwhile: none) */
};
extern const struct notify_kind notify_kinds[NOTIFY_KIND_COUNT];
/* The index of "name" in notify_kinds, or -1. */
int notify_kind_index(const char *name);
const char *notify_email_name(enum notify_email e);
int notify_email_parse(const char *s, enum notify_email *e_r);

/* --- preferences (notify_prefs.c) --------------------------------------------------- */
struct notify_prefs {
	enum notify_email email[NOTIFY_KIND_COUNT];
	bool in_app[NOTIFY_KIND_COUNT];
	int quiet_start, quiet_end; /* minutes after local midnight; equal: no quiet hours */
	bool quiet_weekends;
	int digest_hour; /* 0..23, Europe/Brussels */
};
#define NOTIFY_DEFAULT_DIGEST_HOUR 18
void notify_prefs_defaults(struct notify_prefs *p);
/* The member's preferences (the defaults when none were saved). SH_DB_OK or an error. */
enum sh_db_rc notify_prefs_load(struct sh_conn *conn, const char *user_id,
				struct notify_prefs *p);
enum sh_db_rc notify_prefs_save(struct sh_conn *conn, const char *user_id,
				const struct notify_prefs *p, const char *now);
/* The API object {kinds, quiet_hours, digest_hour}. */
json_t *notify_prefs_json(const struct notify_prefs *p);
/* Applies the members of "body" onto "p", recording field errors in "v" (their field
 * names in "arena"). */
void notify_prefs_apply(json_t *body, struct notify_prefs *p, struct sh_arena *arena,
			struct sh_validation *v);

/* --- time (notify_clock.c): Brussels time is schoolhub/brussels_time.h ------------- */
/* Is "t" inside the quiet hours of "p"? */
bool notify_is_quiet(const struct notify_prefs *p, time_t t);
/* The first instant at or after "t" outside the quiet hours ("t" itself when not quiet). */
time_t notify_quiet_end(const struct notify_prefs *p, time_t t);
/* The real time at which the notification clock reads "t" (differs only under a test clock). */
time_t notify_real_time(time_t t);

/* --- texts (notify_texts.c) --------------------------------------------------------- */
/* The title and body of a notification of "kind" with "params" in "lang" (arena). */
void notify_render(struct sh_arena *arena, enum sh_lang lang, const char *kind, json_t *params,
		   const char **title_r, const char **body_r);
/* Short texts of the e-mails and the unsubscribe footer. */
struct notify_mail_texts {
	const char *greeting, *open, *footer, *digest_daily, *digest_weekly, *digest_intro;
};
const struct notify_mail_texts *notify_mail_texts(enum sh_lang lang);

/* --- unsubscribe tokens (unsubscribe.c) --------------------------------------------- */
/* The "kind" of a digest's token: it turns off every kind that comes by digest. */
#define NOTIFY_DIGEST_TOKEN "digest"
/* A token naming "user_id" and "kind", signed with the server's key (arena). */
const char *notify_unsubscribe_token(struct sh_arena *arena, const struct sh_config *cfg,
				     const char *user_id, const char *kind);

/* --- routes ------------------------------------------------------------------------- */
void notify_list(struct sh_request *req, struct sh_response *res);
void notify_read_one(struct sh_request *req, struct sh_response *res);
void notify_read_all(struct sh_request *req, struct sh_response *res);
void notify_prefs_get(struct sh_request *req, struct sh_response *res);
void notify_prefs_put(struct sh_request *req, struct sh_response *res);
void notify_unsubscribe_post(struct sh_request *req, struct sh_response *res);
void notify_unsubscribe_get(struct sh_request *req, struct sh_response *res);

/* --- jobs (notify_mail.c, notify_schedule.c) ---------------------------------------- */
#define NOTIFY_JOB_EMAIL "notifications.email"
#define NOTIFY_JOB_TICK "notifications.tick"
#define NOTIFY_JOB_DIGEST "notifications.digest"
#define NOTIFY_JOB_KIND_COUNT 3
extern const struct sh_job_kind notify_job_kinds[NOTIFY_JOB_KIND_COUNT];
sh_job_run_fn notify_email_run;
sh_job_run_fn notify_tick_run;
sh_job_run_fn notify_digest_run;
/* Queues the e-mail of notification "id" to run at real time "run_at". */
enum sh_db_rc notify_email_enqueue(struct sh_conn *conn, const char *id, time_t run_at);
/* The one place a notification becomes its API object {id, kind, title, body, link,
 * created_at, read}, in "lang". */
json_t *notify_item_json(struct sh_arena *arena, enum sh_lang lang, const char *id,
			 const char *kind, const char *params, const char *link,
			 const char *created_at, bool read);

#endif
