/* Notifications of module "announcements" (announcement_notify.c). */
#ifndef SCHOOLHUB_ANNOUNCEMENT_NOTIFY_H
#define SCHOOLHUB_ANNOUNCEMENT_NOTIFY_H

#include "modules/announcements/announcement_queries.h"
#include "schoolhub/http.h"
#include "schoolhub/jobs.h"

#define SH_ANN_JOB_ACK_REMINDER "announcements.ack_reminder"
extern const struct sh_job_kind sh_ann_job_kinds[1];

/* The announcement "a" was just written by the caller: notifies the addressed guardians
 * and, when it asks for an acknowledgement, schedules the reminder. In its transaction. */
enum sh_db_rc sh_ann_notify_published(struct sh_request *req, struct sh_conn *conn,
				      const struct sh_ann_new *a);

/* The job: reminds the guardians of children still not acknowledged. */
sh_job_run_fn sh_ann_ack_reminder_run;

#endif
