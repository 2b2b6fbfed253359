/*
 * A member's notification preferences: per kind how e-mails come (immediate, daily,
 * weekly, off) and whether the bell lists it; quiet hours (Europe/Brussels) and the hour
 * of the digests. No row means the defaults; a row holds every kind as last saved, and a
 * kind it does not know yet (added by a later version) takes its default.
 */
#include <stdlib.h>
#include <string.h>

#include "modules/notifications/notify.h"

void notify_prefs_defaults(struct notify_prefs *p)
{
	for (int i = 0; i < NOTIFY_KIND_COUNT; i++) {
		p->email[i] = notify_kinds[i].email;
		p->in_app[i] = notify_kinds[i].in_app;
	}
	p->quiet_start = 20 * 60;
	p->quiet_end = 7 * 60;
	p->quiet_weekends = true;
	p->digest_hour = NOTIFY_DEFAULT_DIGEST_HOUR;
}

/* "HH:MM" (00:00 to 23:59) in minutes, or -1. */
static int parse_hhmm(const char *s)
{
	if (s == NULL || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static void format_hhmm(int minutes, char out[6])
{
	unsigned m = (unsigned)minutes % (24 * 60);
	out[0] = (char)('0' + m / 600);
	out[1] = (char)('0' + m / 60 % 10);
	out[2] = ':';
	out[3] = (char)('0' + m % 60 / 10);
	out[4] = (char)('0' + m % 10);
	out[5] = '\0';
}

/* Applies a stored or received {kind: {email, in_app}} member by member; errors go to "v"
 * under "kinds.<kind>[.email|.in_app]" (NULL "v": stored data, bad members ignored). */
static void apply_kinds(json_t *kinds, struct notify_prefs *p, struct sh_arena *arena,
			struct sh_validation *v)
{
	const char *name;
	json_t *value;
	json_object_foreach(kinds, name, value)
	{
		int k = notify_kind_index(name);
		const char *field = v != NULL ? sh_arena_printf(arena, "kinds.%s", name) : NULL;
		if (k < 0 || !json_is_object(value)) {
			if (v != NULL)
				sh_validation_add(v, field, k < 0 ? "unknown_kind" : "invalid_type");
			continue;
		}
		json_t *email = json_object_get(value, "email"), *in_app = json_object_get(value, "in_app");
		enum notify_email e;
		if (email != NULL && notify_email_parse(json_string_value(email), &e) == 0)
			p->email[k] = e;
		else if (email != NULL && v != NULL)
			sh_validation_add(v, sh_arena_printf(arena, "%s.email", field), "invalid_value");
		if (json_is_boolean(in_app))
			p->in_app[k] = json_is_true(in_app);
		else if (in_app != NULL && v != NULL)
			sh_validation_add(v, sh_arena_printf(arena, "%s.in_app", field), "invalid_type");
		const char *member;
		json_t *ignored;
		json_object_foreach(value, member, ignored)
		{
			if (v != NULL && strcmp(member, "email") != 0 && strcmp(member, "in_app") != 0)
				sh_validation_add(v, sh_arena_printf(arena, "%s.%s", field, member),
						  "unknown_field");
		}
	}
}

enum sh_db_rc notify_prefs_load(struct sh_conn *conn, const char *user_id, struct notify_prefs *p)
{
	notify_prefs_defaults(p);
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT kinds, quiet_start, quiet_end, quiet_weekends, digest_hour "
					"FROM notification_prefs WHERE user_id = $1",
					SH_ARGS(SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		json_t *kinds = json_loads(sh_stmt_col_text(st, 0), 0, NULL);
		apply_kinds(kinds, p, NULL, NULL);
		json_decref(kinds);
		int start = parse_hhmm(sh_stmt_col_text(st, 1)), end = parse_hhmm(sh_stmt_col_text(st, 2));
		if (start >= 0 && end >= 0)
			p->quiet_start = start, p->quiet_end = end;
		p->quiet_weekends = sh_stmt_col_bool(st, 3);
		p->digest_hour = (int)sh_stmt_col_int64(st, 4);
		rc = SH_DB_OK;
	}
	sh_stmt_free(&st);
	return rc;
}

static json_t *kinds_json(const struct notify_prefs *p)
{
	json_t *kinds = json_object();
	for (int i = 0; i < NOTIFY_KIND_COUNT; i++)
		json_object_set_new(kinds, notify_kinds[i].name,
				    json_pack("{s:s, s:b}", "email", notify_email_name(p->email[i]),
					      "in_app", p->in_app[i]));
	return kinds;
}

enum sh_db_rc notify_prefs_save(struct sh_conn *conn, const char *user_id,
				const struct notify_prefs *p, const char *now)
{
	json_t *kinds = kinds_json(p);
	char *text = json_dumps(kinds, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(kinds);
	if (text == NULL)
		return SH_DB_ERROR;
	char start[6], end[6];
	format_hhmm(p->quiet_start, start);
	format_hhmm(p->quiet_end, end);
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO notification_prefs (user_id, kinds, quiet_start, quiet_end, "
		"quiet_weekends, digest_hour, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
		"ON CONFLICT (user_id) DO UPDATE SET kinds = excluded.kinds, "
		"quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, "
		"quiet_weekends = excluded.quiet_weekends, digest_hour = excluded.digest_hour, "
		"updated_at = excluded.updated_at",
		SH_ARGS(SH_TEXT(user_id), SH_TEXT(text), SH_TEXT(start), SH_TEXT(end),
			SH_BOOL(p->quiet_weekends), SH_INT(p->digest_hour), SH_TEXT(now)),
		NULL);
	free(text);
	return rc;
}

json_t *notify_prefs_json(const struct notify_prefs *p)
{
	char start[6], end[6];
	format_hhmm(p->quiet_start, start);
	format_hhmm(p->quiet_end, end);
	return json_pack("{s:o, s:{s:s, s:s, s:b, s:s}, s:i}", "kinds", kinds_json(p),
			 "quiet_hours", "start", start, "end", end, "weekends", p->quiet_weekends,
			 "time_zone", "Europe/Brussels", "digest_hour", p->digest_hour);
}

static void apply_quiet(json_t *q, struct notify_prefs *p, struct sh_arena *arena,
			struct sh_validation *v)
{
	if (!json_is_object(q)) {
		sh_validation_add(v, "quiet_hours", "invalid_type");
		return;
	}
	static const char *const ends[] = {"start", "end"};
	int *slots[] = {&p->quiet_start, &p->quiet_end};
	for (int i = 0; i < 2; i++) {
		json_t *t = json_object_get(q, ends[i]);
		int m = t != NULL ? parse_hhmm(json_string_value(t)) : -2;
		if (m >= 0)
			*slots[i] = m;
		else if (m == -1)
			sh_validation_add(v, sh_arena_printf(arena, "quiet_hours.%s", ends[i]),
					  "invalid_time");
	}
	json_t *w = json_object_get(q, "weekends");
	if (json_is_boolean(w))
		p->quiet_weekends = json_is_true(w);
	else if (w != NULL)
		sh_validation_add(v, "quiet_hours.weekends", "invalid_type");
	const char *member;
	json_t *ignored;
	json_object_foreach(q, member, ignored)
	{
		if (strcmp(member, "start") != 0 && strcmp(member, "end") != 0 &&
		    strcmp(member, "weekends") != 0 && strcmp(member, "time_zone") != 0)
			sh_validation_add(v, sh_arena_printf(arena, "quiet_hours.%s", member),
					  "unknown_field");
	}
}

void notify_prefs_apply(json_t *body, struct notify_prefs *p, struct sh_arena *arena,
			struct sh_validation *v)
{
	json_t *kinds = json_object_get(body, "kinds");
	if (kinds != NULL && !json_is_object(kinds))
		sh_validation_add(v, "kinds", "invalid_type");
	else if (kinds != NULL)
		apply_kinds(kinds, p, arena, v);
	json_t *quiet = json_object_get(body, "quiet_hours");
	if (quiet != NULL)
		apply_quiet(quiet, p, arena, v);
	json_t *hour = json_object_get(body, "digest_hour");
	if (hour != NULL && !json_is_integer(hour))
		sh_validation_add(v, "digest_hour", "invalid_type");
	else if (hour != NULL && (json_integer_value(hour) < 0 || json_integer_value(hour) > 23))
		sh_validation_add(v, "digest_hour", "out_of_range");
	else if (hour != NULL)
		p->digest_hour = (int)json_integer_value(hour);
}
