/* Helpers of the calendar suites (calendar_support.h). */
#include "calendar_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schoolhub/util.h"

void cal_uuid(char out[37])
{
	sh_uuid_v4(out);
}

void cal_event_insert(const struct cal_event *e)
{
	/* The values are the test's own constants (times, status, title); ids are binds. */
	char sql[1024];
	snprintf(
		sql, sizeof(sql),
		"INSERT INTO events (id, title, description, location, starts_at, ends_at, all_day, "
		"status, sequence, organiser_id, audience, classes, signup, created_at, updated_at) "
		"VALUES ($1, '%s', 'Apportez; des, gâteaux', 'Préau', '%s', %s%s%s, %s, '%s', %d, $2, "
		"'%s', %s%s%s, 'none', '2026-12-01T10:00:00Z', '2026-12-02T10:00:00Z')",
		e->title ? e->title : "Fête", e->starts_at, e->ends_at ? "'" : "",
		e->ends_at ? e->ends_at : "NULL", e->ends_at ? "'" : "",
		e->all_day ? "TRUE" : "FALSE", e->status ? e->status : "published", e->sequence,
		e->class_name ? "classes" : "school", e->class_name ? "'" : "",
		e->class_name ? e->class_name : "NULL", e->class_name ? "'" : "");
	api_db_exec(sql, e->id, e->organiser_id);
	if (e->class_name != NULL)
		api_db_exec("INSERT INTO event_classes (event_id, class_name) VALUES ($1, $2)",
			    e->id, e->class_name);
}

struct th_resp *cal_shift_post(const char *token, const char *event_id, const char *body)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/events/%s/shifts", event_id);
	return th_request("POST", path, token, body, NULL, NULL);
}

char *cal_shift(const char *token, const char *event_id, const char *starts_at, const char *ends_at,
		int slots, int reward_units)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"title\":\"Bar à crêpes\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
		 "\"slots\":%d,\"reward_units\":%d}",
		 starts_at, ends_at, slots, reward_units);
	struct th_resp *r = cal_shift_post(token, event_id, body);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

struct th_resp *cal_shift_call(const char *method, const char *token, const char *event_id,
			       const char *shift_id, const char *suffix, const char *body)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/events/%s/shifts/%s%s", event_id, shift_id, suffix);
	return th_request(method, path, token, body, NULL, NULL);
}

static void write_file(const char *path_template, char *path, const char *data, size_t len)
{
	strcpy(path, path_template);
	int fd = mkstemp(path);
	ck_assert(fd >= 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

int cal_check_ics(const struct th_resp *r, const char *expected)
{
	char ics[64], json[64], cmd[1024];
	write_file("/tmp/api_ics_XXXXXX", ics, r->body, r->body_len);
	write_file("/tmp/api_ics_XXXXXX", json, expected, strlen(expected));
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/ical/check_ics.py %s %s",
		 SH_SOURCE_DIR, ics, json);
	int status = system(cmd);
	unlink(ics);
	unlink(json);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
