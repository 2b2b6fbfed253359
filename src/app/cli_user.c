/*
 * `schoolhub user`: what an operator does to one account from the command line. Each
 * change and its audit row commit together (schoolhub/audit.h), with no actor: the row's
 * actor_id is NULL, which the audit log reads as "the command line".
 *
 *   promote EMAIL --role ROLE  gives a role; an account waiting for approval is approved
 *                              by it (how the first admin of an approval-mode school gets
 *                              in): "member.role_changed", and "member.approved" then.
 *   pending EMAIL              puts an account back to waiting for approval, as
 *                              SCHOOLHUB_REGISTRATION=approval leaves a new one: it reaches
 *                              only its own profile until an admin approves or refuses it
 *                              ("member.made_pending"). Undone by an admin's approval or
 *                              by promote.
 */
#include "app/cli_user.h"

#include <stdio.h>
#include <string.h>

#include "app/cli_db.h"
#include "modules/users/user_queries.h"
#include "schoolhub/audit.h"
#include "schoolhub/http.h"
#include "schoolhub/util.h"

const char sh_cli_user_usage[] =
	"usage: schoolhub user promote EMAIL --role admin|teacher|parent\n"
	"       schoolhub user pending EMAIL\n";

struct user_change {
	const char *email, *role; /* role NULL: make the account pending */
	char id[SH_UUID_LEN + 1];
	bool found;
};

/* The live account with "email": its id, and whether it waits for approval. */
static enum sh_db_rc find_account(struct sh_conn *conn, struct user_change *c, bool *pending_r)
{
	struct sh_stmt *st = NULL;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT id, pending_approval FROM users "
					"WHERE email = $1 AND deleted_at IS NULL",
					SH_ARGS(SH_TEXT(c->email)), &st);
	if (rc == SH_DB_ROW) {
		snprintf(c->id, sizeof(c->id), "%s", sh_stmt_col_text(st, 0));
		*pending_r = sh_stmt_col_bool(st, 1);
		c->found = true;
	}
	sh_stmt_free(&st);
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

static enum sh_db_rc audit_cli(struct sh_conn *conn, const char *action, const char *id)
{
	const char *targets[] = {id};
	return sh_audit_append(conn, &(struct sh_audit_entry){
					     .action = action, .targets = targets, .target_count = 1});
}

/* The change and its audit rows, in one transaction. */
static enum sh_db_rc change_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct user_change *c = ctx;
	bool pending = false;
	enum sh_db_rc rc = find_account(conn, c, &pending);
	if (rc != SH_DB_OK || !c->found)
		return rc;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	if (c->role == NULL) {
		rc = sh_exec(conn, "UPDATE users SET pending_approval = $2, updated_at = $3 WHERE id = $1",
			     SH_ARGS(SH_TEXT(c->id), SH_BOOL(true), SH_TEXT(now)), NULL);
		return rc == SH_DB_OK ? audit_cli(conn, "member.made_pending", c->id) : rc;
	}
	rc = sh_user_set_role(conn, c->email, c->role, now, NULL);
	if (rc == SH_DB_OK)
		rc = audit_cli(conn, "member.role_changed", c->id);
	if (rc == SH_DB_OK && pending)
		rc = audit_cli(conn, "member.approved", c->id);
	return rc;
}

static int change(struct user_change *c)
{
	struct sh_cli_db db;
	if (sh_cli_db_open(false, &db) != 0)
		return 1;
	enum sh_db_rc rc = sh_conn_transaction(db.conn, SH_TX_WRITE, change_in_tx, c);
	sh_cli_db_close(&db);
	if (rc != SH_DB_OK)
		return sh_cli_fail("database error while changing the account", NULL);
	if (!c->found) {
		fprintf(stderr, "schoolhub: no member with email %s\n", c->email);
		return 1;
	}
	if (c->role != NULL)
		printf("%s is now %s\n", c->email, c->role);
	else
		printf("%s now waits for approval\n", c->email);
	return 0;
}

int sh_cli_user(int argc, char **argv)
{
	const char *sub = argc > 2 ? argv[2] : "";
	struct user_change c = {0};
	if (strcmp(sub, "promote") == 0 && argc == 6 && strcmp(argv[4], "--role") == 0) {
		enum sh_role role;
		if (sh_role_parse(argv[5], &role) != 0) {
			fprintf(stderr, "schoolhub: unknown role \"%s\" (admin, teacher or parent)\n",
				argv[5]);
			return 2;
		}
		c.role = sh_role_name(role);
	} else if (!(strcmp(sub, "pending") == 0 && argc == 4)) {
		fputs(sh_cli_user_usage, stderr);
		return 2;
	}
	/* Addresses are stored in lower case. */
	char email[256];
	snprintf(email, sizeof(email), "%s", argv[3]);
	for (char *p = email; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	c.email = email;
	return change(&c);
}
