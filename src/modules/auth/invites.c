/* Invitation codes: short enough to read over the phone, 80 bits of randomness. */
#include "modules/auth/invites.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "modules/auth/session_queries.h"
#include "schoolhub/mem.h"
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

enum sh_db_rc sh_invite_create(struct sh_conn *conn, const char *created_by, long days,
			       char **code_r, char expires_at_r[21])
{
	char code[20];
	size_t pos = 0;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			code[pos++] = '-';
		code[pos++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	}
	code[pos] = '\0';
	char hash[65], now[SH_TIME_LEN + 1];
	sh_invite_code_hash(code, hash);
	sh_time_now(now);
	sh_time_format(time(NULL) + days * 86400, expires_at_r);
	enum sh_db_rc rc = sh_invite_insert(conn, hash, created_by, now, expires_at_r);
	if (rc == SH_DB_OK)
		*code_r = sh_strdup(code);
	return rc;
}
