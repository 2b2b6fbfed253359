/*
 * Invitation codes: short enough to read over the phone, 78 bits. A code is derived from
 * its row's id under the server's secret key (link_tokens.h), as the e-mails' links are:
 * the row keeps only its hash, and the job that e-mails it derives it again.
 */
#include "modules/auth/invites.h"

#include <ctype.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "modules/auth/link_rows.h"
#include "modules/auth/session_queries.h"
#include "schoolhub/audit.h"
#include "schoolhub/util.h"

/* No 0/O, 1/I/L: codes get read aloud and typed on phones. */
static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

void sh_invite_code_hash(const char *code, char out[65])
{
	char norm[64];
	size_t n = 0;
	for (const char *p = code; *p != '\0' && n < sizeof(norm) - 1; p++)
		if (*p != '-' && *p != ' ')
			norm[n++] = (char)toupper((unsigned char)*p);
	norm[n] = '\0';
	sh_token_hash(norm, out);
}

void sh_invite_code(const struct sh_app *app, const char *invite_id,
		    char out[SH_INVITE_CODE_LEN + 1])
{
	/* Each letter from a pair of bytes modulo 31: 65536 = 31 x 2114 + 2, so the bias is
	 * two values in 65536, far below what guessing could use. */
	unsigned char mac[32];
	sh_link_token_mac(app, "schoolhub-invite-code-v1:", invite_id, mac, sizeof(mac));
	size_t pos = 0;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			out[pos++] = '-';
		unsigned v = ((unsigned)mac[2 * i] << 8) | mac[2 * i + 1];
		out[pos++] = alphabet[v % (sizeof(alphabet) - 1)];
	}
	out[pos] = '\0';
	sodium_memzero(mac, sizeof(mac));
}

enum sh_db_rc sh_invite_create(struct sh_conn *conn, const struct sh_app *app,
			       const struct sh_invite_spec *s, char code_r[SH_INVITE_CODE_LEN + 1],
			       char expires_at_r[21])
{
	/* A code, not a link: no link token, the hash is the normalised code's. */
	struct sh_link_row r;
	sh_link_row_new(app, NULL, time(NULL), s->days * 86400, &r);
	sh_invite_code(app, r.id, code_r);
	sh_invite_code_hash(code_r, r.token_hash);
	memcpy(expires_at_r, r.expires_at, sizeof(r.expires_at));
	struct sh_invite_row row = {r.id,      r.token_hash, s->created_by, s->email,
				    s->locale, r.created_at, r.expires_at};
	enum sh_db_rc rc = sh_invite_insert(conn, &row);
	if (rc == SH_DB_OK && s->email != NULL)
		rc = sh_link_row_mail(conn, SH_INVITE_JOB_KIND, "invite_id", r.id);
	const char *targets[] = {r.id};
	if (rc == SH_DB_OK)
		rc = sh_audit_append(conn, &(struct sh_audit_entry){
						   .actor_id = s->created_by,
						   .action = "invite.created",
						   .targets = targets,
						   .target_count = 1,
						   .request_id = s->request_id});
	return rc;
}
