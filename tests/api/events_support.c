/* Helpers of the events suites (events_support.h). */
#include "events_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/app.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

struct ev_school ev;

static char *child_in(const char *token, const char *first, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Agenda", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

void ev_member(struct th_member *m, const char *who)
{
	memset(m, 0, sizeof(*m));
	sh_uuid_v4(m->id);
	snprintf(m->email, sizeof(m->email), "%s-%.36s@example.org", who, m->id);
	/* (1 = 1): TRUE on PostgreSQL's boolean, 1 in SQLite's integer column. */
	api_db_exec("INSERT INTO users (id, email, password_hash, first_name, last_name, "
		    "created_at, updated_at, is_verified) VALUES ($1, $2, 'x', 'Membre', 'Agenda', "
		    "'2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', (1 = 1))",
		    m->id, m->email);
	api_db_exec("UPDATE users SET first_name = $2 WHERE id = $1", m->id, who);
	m->access_token = sh_access_token_issue(th_current->app, m->id, 0);
	ck_assert_ptr_nonnull(m->access_token);
}

void ev_school_start(void)
{
	api_shared_server_start();
	ev_member(&ev.admin, "evadmin");
	api_promote(&ev.admin, "admin");
	ev_member(&ev.teacher, "evteacher");
	api_promote(&ev.teacher, "teacher");
	ev_member(&ev.pa, "evparenta");
	ev_member(&ev.pb, "evparentb");
	ev_member(&ev.outsider, "evoutsider");
	free(child_in(ev.pa.access_token, "Alice", "P3"));
	free(child_in(ev.pb.access_token, "Bruno", "P5"));
	struct th_resp *r = th_json("PUT", "/api/v1/admin/classes/P3/staff", ev.admin.access_token,
				    "{s:[s]}", "user_ids", ev.teacher.id);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

void ev_school_stop(void)
{
	th_member_free(&ev.admin);
	th_member_free(&ev.teacher);
	th_member_free(&ev.pa);
	th_member_free(&ev.pb);
	th_member_free(&ev.outsider);
	api_shared_server_stop();
}

const char *ev_at(int days, int hours)
{
	static _Thread_local char ring[8][24];
	static _Thread_local int next;
	char *out = ring[next++ % 8];
	time_t t = time(NULL) + (time_t)days * 86400 + (time_t)hours * 3600;
	t -= t % 60; /* whole minutes: easy to compare */
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

struct th_resp *ev_post(const char *token, const char *body)
{
	return th_request("POST", "/api/v1/events", token, body, NULL, NULL);
}

char *ev_create(const char *token, const char *title, const char *audience, const char *extra)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"title\":\"%s\",\"starts_at\":\"%s\",\"audience\":%s,\"signup\":\"family\"%s}",
		 title, ev_at(7, 0), audience, extra);
	struct th_resp *r = ev_post(token, body);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

struct th_resp *ev_call(const char *method, const char *token, const char *id, const char *suffix,
			const char *body)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/events/%s%s", id, suffix);
	return th_request(method, path, token, body, NULL, NULL);
}

struct th_resp *ev_register(const char *token, const char *id, int adults, int children)
{
	char body[64];
	snprintf(body, sizeof(body), "{\"adults\":%d,\"children\":%d}", adults, children);
	return ev_call("POST", token, id, "/registrations", body);
}

int64_t ev_count(const char *id, const char *status)
{
	return api_db_count("SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 "
			    "AND status = $2",
			    id, status);
}

int64_t ev_seats(const char *id)
{
	return api_db_count("SELECT seats_taken FROM events WHERE id = $1", id, NULL);
}

int64_t ev_notified(const char *user_id, const char *kind)
{
	return api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2",
			    user_id, kind);
}
