/*
 * Notifications (module "notifications", src/modules/notifications/): what a module calls
 * when something happened that a member should hear about. One call writes, inside the
 * caller's transaction, the notification row, its e-mail job (immediate, held until the
 * member's quiet hours end, or left for the daily/weekly digest, as the member chose) and
 * the realtime event: all exist if and only if the caller's change commits. After the
 * COMMIT the caller calls sh_notify_wake(app) so the e-mail and the bell go out at once.
 *
 *     json_t *p = json_pack("{s:s, s:I}", "name", "Anne Peeters", "units", (json_int_t)3);
 *     struct sh_notify_opts o = {.link = "/sel", .ref = tx_id};
 *     rc = sh_notify(req->app, conn, payee_id, "payment_received", p, &o);
 *     json_decref(p);
 *     ... commit ...; sh_notify_wake(req->app);
 *
 * The texts are rendered when read, in the member's language (notify_texts.c lists each
 * kind's parameters). When the module is disabled sh_notify writes nothing and succeeds.
 */
#ifndef SCHOOLHUB_NOTIFY_H
#define SCHOOLHUB_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "schoolhub/store.h"

struct sh_app;
struct sh_config;

struct sh_notify_opts {
	const char *link; /* a path inside the app ("/sel"), or NULL */
	/* The source object ("announcement:<id>"): a member gets one notification per kind and
	 * ref, however many times it is reported (one e-mail per announcement, however many
	 * children). NULL: no de-duplication. */
	const char *ref;
	bool urgent; /* passes through quiet hours (urgent announcements from admins) */
};

/*
 * Notifies "user_id" of "kind" (one of sh_notify_kind_names) with "params" (a JSON object,
 * borrowed; string or integer values), inside the caller's open transaction. "opts" may be
 * NULL. SH_DB_OK (also when the member turned the kind off, or the ref was notified
 * before), SH_DB_CHECK for an unknown kind, or a store error (roll back).
 */
enum sh_db_rc sh_notify(struct sh_app *app, struct sh_conn *conn, const char *user_id,
			const char *kind, json_t *params, const struct sh_notify_opts *opts);

/* Marks read the member's notifications about "ref" (a conversation read in the app:
 * its pending direct_message e-mail is then not sent). Inside any transaction. */
enum sh_db_rc sh_notify_read_ref(struct sh_conn *conn, const char *user_id, const char *ref);

/* After the commit of a transaction that called sh_notify: wakes the job workers (and the
 * realtime thread). */
void sh_notify_wake(struct sh_app *app);

/* The kinds, NULL-terminated. */
extern const char *const sh_notify_kind_names[];

/*
 * The clock of quiet hours, digest hours and schedules: the real time, unless a test moved
 * it. sh_notify_clock_set makes "now" read "fake_now" (and run on from there); it refuses
 * (-1) when cfg->env is production, so no setting or request can turn it on there.
 */
time_t sh_notify_now(void);
int sh_notify_clock_set(const struct sh_config *cfg, time_t fake_now);

/*
 * Queues job "kind" with "payload" (borrowed) to run at "due" (the notification clock)
 * once across instances and retries: the first caller for ("name", "due") queues it, every
 * later one does nothing. For reminders at a fixed time (an announcement not acknowledged
 * 48 hours after it was posted: name "ack-reminder:<announcement id>"). Inside the caller's
 * transaction. SH_DB_OK or a store error.
 */
enum sh_db_rc sh_notify_schedule_once(struct sh_conn *conn, const char *name, time_t due,
				      const char *kind, json_t *payload);

/* Ensures the next hourly schedule slot (digests, purges) is queued; runs at start-up and
 * from each slot's own job. Safe from any number of instances: one job per slot. */
enum sh_db_rc sh_notify_schedule_next(struct sh_conn *conn);

#endif
