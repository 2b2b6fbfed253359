/*
 * An instance that commits one member event, for multi_instance_test.py: the product's own
 * path from a write to the other instances, in a process of its own. It opens the app from
 * the environment (DATABASE_URL, REDIS_URL, SCHOOLHUB_SECRET_KEY ...), starts the realtime
 * channel, waits until it is subscribed to Redis, writes the event with sh_event_add in a
 * transaction, rings the bell (sh_events_wake) as a module does after its COMMIT, waits
 * until its channel has read the event (and so announced it on Redis), and stops.
 *
 * usage: rt_commit USER_ID KIND DATA_JSON   prints the event's id
 */
#include <stdio.h>
#include <time.h>

#include "realtime/rt_private.h"
#include "schoolhub/app.h"
#include "schoolhub/events.h"

struct one_event {
	const char *user_id, *kind, *data;
	int64_t id;
};

static enum sh_db_rc write_event(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct one_event *e = ctx;
	(void)rollback_r;
	return sh_event_add(conn, e->user_id, e->kind, e->data, &e->id);
}

static void nap_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: rt_commit USER_ID KIND DATA_JSON\n", stderr);
		return 2;
	}
	struct one_event e = {.user_id = argv[1], .kind = argv[2], .data = argv[3]};
	struct sh_config cfg;
	char *error = NULL;
	struct sh_app *app = NULL;
	int rc = 1;
	if (sh_global_init() != 0 || sh_config_load(&cfg, true, &error) != 0 ||
	    sh_app_create(&cfg, false, &app, &error) != 0 || sh_realtime_start(app, 0, &error) != 0 ||
	    app->realtime == NULL) {
		fprintf(stderr, "rt_commit: %s\n", error ? error : "no realtime channel");
		goto out;
	}
	for (int i = 0; i < 100 && !rt_redis_up(app->realtime); i++)
		nap_ms(50);
	if (!rt_redis_up(app->realtime)) {
		fputs("rt_commit: Redis not subscribed\n", stderr);
		goto out;
	}
	struct sh_conn *conn = sh_db_connect(app->db, &error);
	if (conn == NULL || sh_conn_transaction(conn, SH_TX_WRITE, write_event, &e) != SH_DB_OK) {
		fprintf(stderr, "rt_commit: cannot write the event\n");
		sh_conn_close(&conn);
		goto out;
	}
	sh_conn_close(&conn);
	sh_events_wake(app);
	/* The channel reads it (then announces it): its cursor moves past the id. The cursor
	 * is the service thread's; a stale read here only makes the wait longer. */
	for (int i = 0; i < 100 && atomic_load(&app->realtime->cursor) < e.id; i++)
		nap_ms(20);
	nap_ms(200); /* the Redis thread publishes */
	printf("%lld\n", (long long)e.id);
	rc = 0;
out:
	free(error);
	sh_app_destroy(&app);
	return rc;
}
