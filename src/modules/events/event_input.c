/*
 * Checking what an organiser or a family sends. Texts are trimmed and control characters
 * refused (the description keeps its line feeds and tabs); times are RFC 3339 with an
 * offset; the audience is exactly one of {"school": true} or {"classes": [names]}.
 * Every bad field is named in the 422, with its own code.
 */
#include <stdint.h>
#include <string.h>

#include "modules/classes/class_audience.h"
#include "modules/events/events.h"

/* 2000-01-01 and 2100-01-01 UTC: outside, a time is a typo, not an event. */
#define EARLIEST_T 946684800L
#define LATEST_T 4102444800L

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A trimmed text of at most "max" characters; "multiline" keeps line feeds and tabs (CRLF
 * becomes LF); "empty_ok" lets it be "". NULL when absent or bad (then recorded in "v"). */
static const char *read_text(struct sh_request *req, const char *field, size_t max, bool multiline,
			     bool empty_ok, struct sh_validation *v)
{
	const char *value = NULL;
	if (!sh_json_get_string(req->json, field, false, &value, v))
		return NULL;
	while (is_space(*value))
		value++;
	size_t n = strlen(value);
	while (n > 0 && is_space(value[n - 1]))
		n--;
	char *text = sh_arena_strndup(req->arena, value, n), *w = text;
	for (const char *r = text; *r; r++)
		if (!(multiline && r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	if (*text == '\0' && !empty_ok) {
		sh_validation_add(v, field, "required");
		return NULL;
	}
	char *probe = sh_arena_strdup(req->arena, text);
	for (char *p = probe; multiline && *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	size_t chars;
	if (!sh_utf8_valid_text(probe, SIZE_MAX, &chars)) {
		sh_validation_add(v, field, "invalid_text");
		return NULL;
	}
	if (chars > max) {
		sh_validation_add(v, field, "too_long");
		return NULL;
	}
	return text;
}

/* A time field, or (when "nullable") null, which reads as 0. True when present and valid. */
static bool read_time(struct sh_request *req, const char *field, bool nullable, time_t *t_r,
		      struct sh_validation *v)
{
	json_t *value = json_object_get(req->json, field);
	if (value == NULL)
		return false;
	if (json_is_null(value) && nullable) {
		*t_r = 0;
		return true;
	}
	if (!json_is_string(value)) {
		sh_validation_add(v, field, "invalid_type");
		return false;
	}
	time_t t;
	if (sh_event_time_parse(json_string_value(value), &t) != 0) {
		sh_validation_add(v, field, "invalid_time");
		return false;
	}
	if (t < EARLIEST_T || t >= LATEST_T) {
		sh_validation_add(v, field, "out_of_range");
		return false;
	}
	*t_r = t;
	return true;
}

static void read_capacity(struct sh_request *req, struct sh_event_input *in,
			  struct sh_validation *v)
{
	json_t *value = json_object_get(req->json, "capacity");
	if (value == NULL)
		return;
	in->has_capacity = true;
	if (json_is_null(value)) {
		in->capacity = -1;
	} else if (!json_is_integer(value)) {
		sh_validation_add(v, "capacity", "invalid_type");
	} else if (json_integer_value(value) < 1 ||
		   json_integer_value(value) > SH_EVENT_CAPACITY_MAX) {
		sh_validation_add(v, "capacity", "out_of_range");
	} else {
		in->capacity = json_integer_value(value);
	}
}

static void read_signup(struct sh_request *req, struct sh_event_input *in, struct sh_validation *v)
{
	const char *value = NULL;
	if (!sh_json_get_string(req->json, "signup", false, &value, v))
		return;
	if (strcmp(value, "none") != 0 && strcmp(value, "family") != 0) {
		sh_validation_add(v, "signup", "invalid_value");
		return;
	}
	in->signup = value;
	in->has_signup = true;
}

/* The audience (class_audience.h): required on creation, optional in a change. */
static void read_audience(struct sh_request *req, struct sh_event_input *in, bool patch,
			  struct sh_validation *v)
{
	struct sh_audience a;
	in->has_audience = sh_audience_read(req, &a, v);
	if (!in->has_audience && !patch)
		sh_validation_add(v, "audience", "required");
	in->school = a.school;
	in->classes = a.classes;
	in->class_text = a.class_text;
}

int sh_event_input_or_reply(struct sh_request *req, struct sh_response *res, bool patch,
			    struct sh_event_input *in)
{
	static const char *const allowed[] = {"title",	   "description", "location",
					      "starts_at", "ends_at",	  "all_day",
					      "audience",  "capacity",	  "signup_deadline",
					      "signup",	   NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	memset(in, 0, sizeof(*in));
	in->capacity = -1;
	struct sh_validation v = {0};
	in->title = read_text(req, "title", SH_EVENT_TITLE_MAX, false, false, &v);
	in->has_title = in->title != NULL;
	if (!patch && json_object_get(req->json, "title") == NULL)
		sh_validation_add(&v, "title", "required");
	in->description = read_text(req, "description", SH_EVENT_DESCRIPTION_MAX, true, true, &v);
	in->has_description = in->description != NULL;
	in->location = read_text(req, "location", SH_EVENT_LOCATION_MAX, false, true, &v);
	in->has_location = in->location != NULL;
	in->has_starts = read_time(req, "starts_at", false, &in->starts, &v);
	if (!patch && json_object_get(req->json, "starts_at") == NULL)
		sh_validation_add(&v, "starts_at", "required");
	in->has_ends = read_time(req, "ends_at", true, &in->ends, &v);
	in->has_deadline = read_time(req, "signup_deadline", true, &in->deadline, &v);
	in->has_all_day = sh_json_get_bool(req->json, "all_day", false, &in->all_day, &v);
	read_capacity(req, in, &v);
	read_signup(req, in, &v);
	read_audience(req, in, patch, &v);
	return sh_validation_or_reply(req, res, &v);
}

int sh_event_times_or_reply(struct sh_request *req, struct sh_response *res, time_t starts,
			    time_t ends, time_t deadline)
{
	struct sh_validation v = {0};
	if (ends != 0 && ends <= starts)
		sh_validation_add(&v, "ends_at", "before_start");
	else if (ends != 0 && ends - starts > SH_EVENT_LONGEST_S)
		sh_validation_add(&v, "ends_at", "out_of_range");
	if (deadline != 0 && deadline > starts)
		sh_validation_add(&v, "signup_deadline", "after_start");
	return sh_validation_or_reply(req, res, &v);
}

int sh_event_party_or_reply(struct sh_request *req, struct sh_response *res, int64_t *adults_r,
			    int64_t *children_r)
{
	static const char *const allowed[] = {"adults", "children", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	const char *names[2] = {"adults", "children"};
	int64_t *out[2] = {adults_r, children_r};
	for (int i = 0; i < 2; i++) {
		json_t *value = json_object_get(req->json, names[i]);
		*out[i] = -1;
		if (value == NULL)
			sh_validation_add(&v, names[i], "required");
		else if (!json_is_integer(value))
			sh_validation_add(&v, names[i], "invalid_type");
		else if (json_integer_value(value) < 0 ||
			 json_integer_value(value) > SH_EVENT_PARTY_MAX)
			sh_validation_add(&v, names[i], "out_of_range");
		else
			*out[i] = json_integer_value(value);
	}
	if (v.count == 0 &&
	    (*adults_r + *children_r < 1 || *adults_r + *children_r > SH_EVENT_PARTY_MAX)) {
		sh_validation_add(&v, "adults", "party_size");
		sh_validation_add(&v, "children", "party_size");
	}
	return sh_validation_or_reply(req, res, &v);
}
