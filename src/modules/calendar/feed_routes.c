/*
 * Private calendar feeds and .ics answers.
 *
 * A feed URL carries a 256-bit random token (libsodium), shown once at creation; the
 * database keeps only its keyed BLAKE2b hash (sh_token_hash, like refresh tokens), and a
 * request finds its feed by that hash through the unique index, so nothing compares the
 * secret itself and a copy of the database yields no usable URL. The access log names the
 * route pattern ("/ical/{token}.ics"), never the path, so the token is not logged.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/calendar/calendar.h"
#include "schoolhub/app.h"
#include "schoolhub/ical.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#define FEED_TOKEN_BYTES 32
#define FEED_TOKEN_LEN 43 /* base64url of 32 bytes, unpadded */

/* The host of the public URL ("ecole.example.be"), the right-hand side of UIDs. */
static const char *uid_host(struct sh_request *req)
{
	const char *url = req->app->cfg.public_url, *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, ":/");
	return n ? sh_arena_strndup(req->arena, p, n) : "schoolhub";
}

static void write_event(struct sh_request *req, struct sh_ical *c, const struct sh_cal_event *e)
{
	sh_ical_event(
		c, &(struct sh_ical_event){
			   .uid = sh_arena_printf(req->arena, "event-%s@%s", e->id, uid_host(req)),
			   .summary = e->title,
			   .description = e->description,
			   .location = e->location,
			   .starts_at = e->starts_at,
			   .ends_at = e->ends_at,
			   .all_day = e->all_day,
			   .sequence = e->sequence,
			   .cancelled = strcmp(e->status, "cancelled") == 0,
			   .stamp = e->updated_at,
		   });
}

static void reply_calendar(struct sh_response *res, struct sh_ical *c)
{
	size_t len;
	const char *text = sh_ical_end(c, &len);
	sh_reply_raw(res, 200, "text/calendar; charset=utf-8", text, len);
	sh_res_header(res, "Cache-Control", "private, no-store");
}

struct feed_ctx {
	struct sh_request *req;
	struct sh_ical *cal;
};

static int feed_event(const struct sh_cal_event *e, void *ctx)
{
	struct feed_ctx *f = ctx;
	write_event(f->req, f->cal, e);
	return 0;
}

void sh_cal_feed_ics(struct sh_request *req, struct sh_response *res)
{
	const char *token = sh_req_param(req, "token");
	char hash[65];
	if (token == NULL || strlen(token) != FEED_TOKEN_LEN) {
		sh_reply_not_found(req, res);
		return;
	}
	sh_token_hash(token, hash);
	struct sh_cal_viewer viewer;
	enum sh_db_rc rc = sh_cal_feed_owner(req->db, req->arena, hash, &viewer);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	struct sh_ical cal;
	sh_ical_begin(&cal, req->arena, "SchoolHub");
	struct feed_ctx ctx = {req, &cal};
	rc = sh_cal_feed_events(req->db, req->arena, &viewer, feed_event, &ctx);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	reply_calendar(res, &cal);
}

void sh_cal_event_ics(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct sh_cal_viewer viewer = {.id = req->user.id,
				       .admin = req->user.role == SH_ROLE_ADMIN};
	struct sh_cal_event e;
	enum sh_db_rc rc = sh_cal_event_get(req->db, req->arena, &viewer, id, &e);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	struct sh_ical cal;
	sh_ical_begin(&cal, req->arena, e.title);
	write_event(req, &cal, &e);
	reply_calendar(res, &cal);
}

struct feed_put {
	const char *user_id, *hash, *now;
};

static enum sh_db_rc feed_put_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct feed_put *p = ctx;
	return sh_cal_feed_put(conn, p->user_id, p->hash, p->now);
}

void sh_cal_feed_create(struct sh_request *req, struct sh_response *res)
{
	char *token = sh_random_token(FEED_TOKEN_BYTES), hash[65], now[SH_TIME_LEN + 1];
	const char *url =
		sh_arena_printf(req->arena, "%s/ical/%s.ics", req->app->cfg.public_url, token);
	sh_token_hash(token, hash);
	sh_free(&token);
	sh_time_now(now);
	/* Two statements, one transaction: the old URL stops working as the new one starts. */
	struct feed_put put = {req->user.id, hash, now};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, feed_put_tx, &put);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "url", url);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 201, &w);
}

void sh_cal_feed_revoke(struct sh_request *req, struct sh_response *res)
{
	int64_t changed = 0;
	enum sh_db_rc rc = sh_cal_feed_delete(req->db, req->user.id, &changed);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (changed == 0)
		sh_reply_not_found(req, res);
	else
		sh_reply_empty(res, 204);
}
