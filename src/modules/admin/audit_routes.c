/*
 * GET /api/v1/admin/audit: the audit log for admins, newest first, filtered by actor,
 * action, target and time, a page at a time; as CSV with "Accept: text/csv" (the same page
 * and filters, for a spreadsheet). Reading it is not itself audited: it holds ids only.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "modules/admin/admin_routes.h"
#include "modules/admin/audit_queries.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

#define ACTION_MAX 64
#define TARGET_MAX 64

struct audit_page {
	struct sh_arena *arena;
	struct sh_jw w;
	char *csv;
	bool as_csv;
	int count, limit;
	int64_t last_seq;
};

static void row_json(struct audit_page *p, const struct sh_audit_row *row)
{
	struct sh_jw *w = &p->w;
	sh_jw_object_begin(w);
	sh_jw_kint(w, "seq", row->seq);
	sh_jw_kstring(w, "at", row->created_at);
	sh_jw_kstring(w, "actor_id", row->actor_id);
	sh_jw_kstring(w, "action", row->action);
	sh_jw_key(w, "target_ids");
	sh_jw_array_begin(w);
	for (const char *t = row->target_ids; *t != '\0';) {
		size_t len = strcspn(t, ",");
		sh_jw_stringn(w, t, len);
		t += len + (t[len] == ',');
	}
	sh_jw_array_end(w);
	sh_jw_kstring(w, "request_id", row->request_id);
	sh_jw_kstring(w, "hash", row->hash);
	sh_jw_object_end(w);
}

/* Every cell is an id, a time or an action name we wrote, never free text; quoted anyway. */
static void row_csv(struct audit_page *p, const struct sh_audit_row *row)
{
	p->csv = sh_arena_printf(p->arena, "%s%" PRId64 ",%s,%s,%s,\"%s\",%s,%s\r\n", p->csv,
				 row->seq, row->created_at, row->actor_id ? row->actor_id : "",
				 row->action, row->target_ids, row->request_id ? row->request_id : "",
				 row->hash);
}

static void on_row(void *ctx, const struct sh_audit_row *row)
{
	struct audit_page *p = ctx;
	if (++p->count > p->limit)
		return; /* the extra row only says there is a next page */
	p->last_seq = row->seq;
	if (p->as_csv)
		row_csv(p, row);
	else
		row_json(p, row);
}

/* A time filter: RFC 3339 UTC as the API writes it, or a day ("2026-09-01", its start). */
static const char *time_param(struct sh_request *req, const char *name, struct sh_validation *v)
{
	const char *s = sh_req_query(req, name);
	if (s == NULL)
		return NULL;
	const char *t = strlen(s) == 10 ? sh_arena_printf(req->arena, "%sT00:00:00Z", s) : s;
	if (!sh_time_is_canonical(t)) {
		sh_validation_add(v, name, "invalid_time");
		return NULL;
	}
	return t;
}

/* Reads the query into "f": 0, or -1 after replying 422. */
static int filter_or_reply(struct sh_request *req, struct sh_response *res,
			   struct admin_audit_filter *f)
{
	struct sh_validation v = {0};
	const char *actor = sh_req_query(req, "actor");
	if (actor != NULL) {
		char id[SH_UUID_LEN + 1];
		if (sh_uuid_normalize(actor, id))
			f->actor = sh_arena_strdup(req->arena, id);
		else
			sh_validation_add(&v, "actor", "invalid_uuid");
	}
	f->action = sh_req_query(req, "action");
	if (f->action != NULL && (f->action[0] == '\0' || strlen(f->action) > ACTION_MAX))
		sh_validation_add(&v, "action", "invalid_value");
	f->target = sh_req_query(req, "target");
	if (f->target != NULL) {
		char id[SH_UUID_LEN + 1];
		if (f->target[0] == '\0' || strlen(f->target) > TARGET_MAX)
			sh_validation_add(&v, "target", "invalid_value");
		else if (sh_uuid_normalize(f->target, id)) /* ids are stored in lower case */
			f->target = sh_arena_strdup(req->arena, id);
	}
	f->from = time_param(req, "from", &v);
	f->to = time_param(req, "to", &v);
	const char *cursor = sh_req_query(req, "cursor");
	if (cursor != NULL) {
		const char *part = NULL;
		char *end = NULL;
		long long seq = 0;
		if (sh_cursor_decode(req->arena, cursor, 1, &part) == 0)
			seq = strtoll(part, &end, 10);
		if (end == NULL || *end != '\0' || seq < 1)
			sh_validation_add(&v, "cursor", "invalid_cursor");
		f->before_seq = seq;
	}
	return sh_validation_or_reply(req, res, &v);
}

static bool wants_csv(const struct sh_request *req)
{
	const char *accept = sh_req_header(req, "Accept");
	return accept != NULL && strstr(accept, "text/csv") != NULL;
}

void admin_audit_get(struct sh_request *req, struct sh_response *res)
{
	struct admin_audit_filter f = {0};
	int limit = 0;
	if (sh_req_limit_or_reply(req, res, &limit) != 0 || filter_or_reply(req, res, &f) != 0)
		return;
	struct audit_page p = {.arena = req->arena, .as_csv = wants_csv(req), .limit = limit};
	f.limit = limit + 1;
	p.csv = "seq,at,actor_id,action,target_ids,request_id,hash\r\n";
	if (!p.as_csv) {
		sh_jw_init(&p.w, req->arena);
		sh_page_begin(req, &p.w);
	}
	enum sh_db_rc rc = admin_audit_list(req->db, req->arena, &f, on_row, &p);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	const char *next = NULL;
	if (p.count > limit) {
		const char *part = sh_arena_printf(req->arena, "%" PRId64, p.last_seq);
		next = sh_cursor_encode(req->arena, &part, 1);
	}
	if (!p.as_csv) {
		sh_reply_page(req, res, &p.w, next);
		return;
	}
	if (next != NULL) /* the next page of the same export, as a link relation */
		sh_res_header(res, "Link", sh_arena_printf(req->arena, "<?cursor=%s>; rel=\"next\"", next));
	sh_res_header(res, "Content-Disposition", "attachment; filename=\"audit.csv\"");
	sh_reply_raw(res, 200, "text/csv; charset=utf-8", p.csv, strlen(p.csv));
}
