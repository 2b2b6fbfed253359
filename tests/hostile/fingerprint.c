/*
 * The data fingerprint: one BLAKE2b hash over every row of every table a request could
 * change, read through the store API on a connection of its own. A hostile case that
 * leaves it unchanged changed nothing, whatever it answered.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "schoolhub/store.h"

/* login_failures is left out on purpose: counting failed logins is the throttle's job. */
static const char *const tables[] = {
	"SELECT * FROM users ORDER BY id",
	"SELECT * FROM refresh_tokens ORDER BY id",
	"SELECT * FROM invites ORDER BY id",
	"SELECT * FROM children ORDER BY id",
	"SELECT * FROM child_guardians ORDER BY child_id, user_id",
	"SELECT * FROM guardian_invitations ORDER BY id",
	"SELECT * FROM guardian_invitation_sends ORDER BY id",
	"SELECT * FROM sel_services ORDER BY id",
	"SELECT * FROM sel_accounts ORDER BY id",
	"SELECT * FROM sel_transactions ORDER BY id",
	"SELECT * FROM sel_entries ORDER BY 1",
	"SELECT * FROM sel_idempotency ORDER BY 1, 2",
	"SELECT * FROM class_staff ORDER BY class_name, user_id",
	"SELECT * FROM conversations ORDER BY id",
	"SELECT * FROM conversation_members ORDER BY conversation_id, user_id",
	"SELECT * FROM conversation_reads ORDER BY conversation_id, user_id",
	"SELECT * FROM messages ORDER BY id",
};

static struct sh_conn *conn;

void hx_fingerprint_open(void)
{
	char *error = NULL;
	conn = sh_db_connect(th_current->app->db, &error);
	if (conn == NULL) {
		fprintf(stderr, "fingerprint: cannot connect: %s\n", error ? error : "?");
		exit(1);
	}
}

void hx_fingerprint_close(void)
{
	sh_conn_close(&conn);
}

static void hash_text(crypto_generichash_state *st, const char *s)
{
	/* A NULL and every value end differently, so no two row sets hash alike by shifting. */
	static const unsigned char null_mark[] = {0xff, 0}, end_mark[] = {0};
	if (s == NULL) {
		crypto_generichash_update(st, null_mark, sizeof(null_mark));
		return;
	}
	crypto_generichash_update(st, (const unsigned char *)s, strlen(s));
	crypto_generichash_update(st, end_mark, sizeof(end_mark));
}

void hx_fingerprint(unsigned char out[HX_FINGERPRINT_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, HX_FINGERPRINT_LEN);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		struct sh_stmt *stmt = sh_stmt_prepare(conn, tables[t]);
		enum sh_db_rc rc;
		long rows = 0;
		while ((rc = sh_stmt_step(stmt)) == SH_DB_ROW) {
			int cols = sh_stmt_col_count(stmt);
			for (int c = 0; c < cols; c++)
				hash_text(&st, sh_stmt_col_text(stmt, c));
			rows++;
		}
		if (rc != SH_DB_OK) {
			fprintf(stderr, "fingerprint: %s: %s\n", tables[t],
				sh_conn_last_error(conn));
			exit(1);
		}
		char count[32];
		snprintf(count, sizeof(count), "rows=%ld", rows);
		hash_text(&st, count);
		sh_stmt_free(&stmt);
	}
	crypto_generichash_final(&st, out, HX_FINGERPRINT_LEN);
}
