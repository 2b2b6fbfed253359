/* Helpers of the notification suites (notify_support.c). */
#ifndef SCHOOLHUB_TESTS_NOTIFY_SUPPORT_H
#define SCHOOLHUB_TESTS_NOTIFY_SUPPORT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "api.h"
#include "smtp_sink.h"

/* The e-mail jobs of the notification of member $1 about ref $2 (for api_db_count). */
#define NOTIFY_JOBS_OF_REF                                                                     \
	"SELECT COUNT(*) FROM jobs j JOIN notifications n ON "                                 \
	"j.payload LIKE '%' || CAST(n.id AS TEXT) || '%' WHERE n.user_id = $1 AND n.ref = $2"

/* GET /api/v1/notifications (with "query", e.g. "?unread=true"), asserting 200. */
struct th_resp *nt_list(const struct th_member *m, const char *query);
/* unread_count of the member's list. */
int64_t nt_unread(const struct th_member *m);
/* A SEL payment (pay: "m" pays "to") or request (ask: "m" asks "to"); the transaction id
 * (malloc'ed). */
char *nt_pay(const struct th_member *m, const struct th_member *to, int units);
char *nt_ask(const struct th_member *m, const struct th_member *to, int units);
/* Calls sh_notify in a transaction of its own on the current server, as a module would;
 * returns its result. */
int nt_direct(const char *user_id, const char *kind, json_t *params,
		  const char *ref, int urgent);
/* The UTC time at which Brussels reads "y-mo-d h:mi" (the test knows the offset). */
time_t nt_utc(int y, int mo, int d, int h, int mi, int offset_h);
/* Moves the server's notification clock; nt_clock_reset puts it back. */
void nt_clock(time_t fake_now);
void nt_clock_reset(void);
/* Notification e-mails (with List-Unsubscribe) in the sink addressed to "to". */
size_t nt_sink_count_to(const struct th_smtp_sink *sink, const char *to);
/* Waits for the first one (malloc'ed), NULL after the timeout. */
char *nt_wait_notification(const struct th_smtp_sink *sink, const char *to, double timeout_s);

#endif
