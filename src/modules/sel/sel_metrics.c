/*
 * The SEL audit on /metrics (schoolhub_sel_audit_ok), for the "ledger audit not ok" alert
 * (docker/monitoring/alerts.yml). The audit reads every account and transaction, far too
 * much for each 15-second scrape, so a process runs it at most once per AUDIT_EVERY_S and
 * shows the last verdict with its time; a scrape that finds it stale pays for one run,
 * the others meanwhile wait on the lock rather than start their own.
 */
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel.h"
#include "schoolhub/modules.h"

#define AUDIT_EVERY_S 600

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct sh_app *audit_app; /* whose database the verdict is about */
static time_t audit_at;
static bool audit_ok;

/* 0, or -1 when the audit could not run (the last verdict stays). */
static int audit_now(struct sh_conn *conn)
{
	json_t *report = NULL;
	if (sh_sel_audit(conn, &report) != SH_DB_OK)
		return -1;
	audit_ok = json_is_true(json_object_get(report, "ok"));
	json_decref(report);
	audit_at = time(NULL);
	return 0;
}

size_t sh_sel_metrics(struct sh_app *app, struct sh_conn *conn, struct sh_module_gauge *out,
		      size_t max)
{
	if (max < 2)
		return 0;
	pthread_mutex_lock(&audit_lock);
	if (audit_app != app) { /* another app in this process (the tests): start over */
		audit_app = app;
		audit_at = 0;
	}
	if (time(NULL) - audit_at >= AUDIT_EVERY_S)
		(void)audit_now(conn);
	time_t at = audit_at;
	bool ok = audit_ok;
	pthread_mutex_unlock(&audit_lock);
	if (at == 0)
		return 0; /* never ran: no verdict rather than a false one */
	out[0] = (struct sh_module_gauge){"schoolhub_sel_audit_ok",
					  "1 when the last SEL ledger audit balanced, 0 when not.",
					  ok ? 1.0 : 0.0};
	out[1] = (struct sh_module_gauge){"schoolhub_sel_audit_timestamp_seconds",
					  "When the last SEL ledger audit ran (Unix time).",
					  (double)at};
	return 2;
}
