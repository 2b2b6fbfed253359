/*
 * One-click unsubscribe (RFC 8058). Every notification e-mail carries
 *   List-Unsubscribe: <https://school/api/v1/notifications/unsubscribe?token=...>
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click
 * and a mail client's POST to that address turns the e-mail of that kind off for that
 * member, without a session. The token is "<user id>.<kind>.<MAC>", the MAC an
 * HMAC-SHA-256 under the server's secret key of both: it cannot be made for another
 * member or another kind, and it needs no table (turning a kind off twice is harmless,
 * so a token may be used again). A GET of the same address (a mail scanner following
 * links) changes nothing: its page forwards to the app's page, whose button sends the POST.
 */
#include <sodium.h>
#include <string.h>

#include "modules/notifications/notify.h"
#include "schoolhub/app.h"
#include "schoolhub/util.h"

#define MAC_B64_LEN 43 /* 32 bytes in unpadded base64url */

static void sign(const struct sh_config *cfg, const char *user_id, const char *kind,
		 char out[MAC_B64_LEN + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)cfg->secret_key,
				    cfg->secret_key_len);
	static const char domain[] = "schoolhub notification unsubscribe\n";
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)domain, sizeof(domain) - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)user_id, strlen(user_id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)kind, strlen(kind));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, MAC_B64_LEN + 1, mac, sizeof(mac),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

const char *notify_unsubscribe_token(struct sh_arena *arena, const struct sh_config *cfg,
				     const char *user_id, const char *kind)
{
	char mac[MAC_B64_LEN + 1];
	sign(cfg, user_id, kind, mac);
	return sh_arena_printf(arena, "%s.%s.%s", user_id, kind, mac);
}

/* The member and kind index of a genuine token (NOTIFY_KIND_COUNT: a digest's), or -1. */
static int verify(const struct sh_config *cfg, struct sh_arena *arena, const char *token,
		  char user_id[SH_UUID_LEN + 1])
{
	if (token == NULL || strlen(token) < SH_UUID_LEN + 2 || token[SH_UUID_LEN] != '.')
		return -1;
	char raw_id[SH_UUID_LEN + 1];
	memcpy(raw_id, token, SH_UUID_LEN);
	raw_id[SH_UUID_LEN] = '\0';
	const char *kind_start = token + SH_UUID_LEN + 1;
	const char *dot = strchr(kind_start, '.');
	if (dot == NULL || !sh_uuid_normalize(raw_id, user_id) || strcmp(raw_id, user_id) != 0)
		return -1;
	const char *kind = sh_arena_printf(arena, "%.*s", (int)(dot - kind_start), kind_start);
	int k = strcmp(kind, NOTIFY_DIGEST_TOKEN) == 0 ? NOTIFY_KIND_COUNT : notify_kind_index(kind);
	char expected[MAC_B64_LEN + 1];
	if (k < 0 || strlen(dot + 1) != MAC_B64_LEN)
		return -1;
	sign(cfg, user_id, kind, expected);
	return sodium_memcmp(expected, dot + 1, MAC_B64_LEN) == 0 ? k : -1;
}

struct unsubscribe_tx {
	const char *user_id;
	int kind;
	bool member; /* the account exists */
};

static enum sh_db_rc unsubscribe_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct unsubscribe_tx *t = ctx;
	int64_t n = 0;
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS NULL",
					  SH_ARGS(SH_TEXT(t->user_id)), &n);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	t->member = n == 1;
	if (!t->member) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	struct notify_prefs p;
	if ((rc = notify_prefs_load(conn, t->user_id, &p)) != SH_DB_OK)
		return rc;
	for (int k = 0; k < NOTIFY_KIND_COUNT; k++)
		if (k == t->kind || (t->kind == NOTIFY_KIND_COUNT && (p.email[k] == NOTIFY_DAILY ||
								      p.email[k] == NOTIFY_WEEKLY)))
			p.email[k] = NOTIFY_OFF;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	return notify_prefs_save(conn, t->user_id, &p, now);
}

void notify_unsubscribe_post(struct sh_request *req, struct sh_response *res)
{
	char user_id[SH_UUID_LEN + 1];
	struct unsubscribe_tx t = {.user_id = user_id};
	t.kind = verify(&req->app->cfg, req->arena, sh_req_query(req, "token"), user_id);
	if (t.kind < 0) {
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
		return;
	}
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, unsubscribe_in_tx, &t);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (!t.member)
		sh_reply_problem(req, res, 400, "invalid_token", NULL); /* an erased account */
	else
		sh_reply_json(req, res, 200,
			      json_pack("{s:s, s:s}", "kind",
					t.kind == NOTIFY_KIND_COUNT ? NOTIFY_DIGEST_TOKEN
								    : notify_kinds[t.kind].name,
					"email", "off"));
}

/* A page that changes nothing and leads to the app's page with the button (a person goes
 * on at once; a scanner that does not run the page stops here). */
static const char *forward_page(struct sh_arena *arena, const char *token)
{
	const char *href = sh_arena_printf(arena, "/unsubscribe?token=%s", token);
	return sh_arena_printf(arena,
			       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
			       "<meta http-equiv=\"refresh\" content=\"0; url=%s\">"
			       "<title>SchoolHub</title></head>\n<body><p><a href=\"%s\">SchoolHub</a>"
			       "</p></body></html>\n",
			       href, href);
}

void notify_unsubscribe_get(struct sh_request *req, struct sh_response *res)
{
	char user_id[SH_UUID_LEN + 1];
	const char *token = sh_req_query(req, "token");
	/* A genuine token is [0-9a-zA-Z._-] only: safe inside the page's attributes. */
	if (verify(&req->app->cfg, req->arena, token, user_id) < 0) {
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
		return;
	}
	int64_t n = 0;
	enum sh_db_rc rc = sh_query_int64(req->db,
					  "SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS NULL",
					  SH_ARGS(SH_TEXT(user_id)), &n);
	if (rc != SH_DB_ROW) {
		sh_reply_db_error(req, res, rc == SH_DB_OK ? SH_DB_ERROR : rc);
		return;
	}
	if (n != 1) {
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
		return;
	}
	const char *page = forward_page(req->arena, token);
	sh_reply_raw(res, 200, "text/html; charset=utf-8", page, strlen(page));
}
