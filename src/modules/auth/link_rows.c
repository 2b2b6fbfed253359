/* Link rows: what verification, reset and invitation rows share (see link_rows.h). */
#include "modules/auth/link_rows.h"

#include <jansson.h>
#include <sodium.h>

#include "schoolhub/jobs.h"

void sh_link_row_new(const struct sh_app *app, sh_link_token_fn *token, time_t now, long ttl_s,
		     struct sh_link_row *r)
{
	sh_uuid_v4(r->id);
	sh_time_format(now, r->created_at);
	sh_time_format(now + ttl_s, r->expires_at);
	r->token_hash[0] = '\0';
	if (token == NULL)
		return;
	char secret[SH_LINK_TOKEN_LEN + 1];
	token(app, r->id, secret);
	sh_token_hash(secret, r->token_hash);
	sodium_memzero(secret, sizeof(secret));
}

enum sh_db_rc sh_link_row_mail(struct sh_conn *conn, const char *kind, const char *id_key,
			       const char *id)
{
	json_t *payload = json_pack("{s:s}", id_key, id);
	enum sh_db_rc rc = sh_job_enqueue(conn, kind, payload, NULL);
	json_decref(payload);
	return rc;
}
