/*
 * Demo data: a few families of a primary school in Evere, a teacher and an admin,
 * children spread over maternelle and primaire, and their time bank (demo_sel.c). All in
 * one transaction.
 */
#include "app/demo_seed.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/demo_sel.h"
#include "app/seed_guard.h"
#include "modules/children/child_queries.h"
#include "modules/classes/class_queries.h"
#include "modules/sel/sel_settings.h"
#include "modules/users/user_queries.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

#define DEMO_PASSWORD "evere-demo-2026"
#define DEMO_JOINED_DAYS_AGO 45 /* before the first SEL service of the story */

struct demo_user {
	const char *email, *first, *last, *locale, *role;
	char id[SH_UUID_LEN + 1];
};

/* Indexed by enum demo_member, which the time bank's story refers to. */
static struct demo_user demo_users[DEMO_MEMBER_COUNT] = {
	[DEMO_SOPHIE] = {"sophie.dubois@demo.schoolhub.be", "Sophie", "Dubois", "fr", "parent", ""},
	[DEMO_MARC] = {"marc.dubois@demo.schoolhub.be", "Marc", "Dubois", "fr", "parent", ""},
	[DEMO_ANKE] = {"anke.peeters@demo.schoolhub.be", "Anke", "Peeters", "nl", "parent", ""},
	[DEMO_YOUSSEF] = {"youssef.elamrani@demo.schoolhub.be", "Youssef", "El Amrani", "fr",
			  "parent", ""},
	[DEMO_CLAIRE] = {"claire.lambert@demo.schoolhub.be", "Claire", "Lambert", "fr", "teacher",
			 ""},
	[DEMO_ADMIN] = {"admin@demo.schoolhub.be", "Direction", "École", "fr", "admin", ""},
};

struct demo_child {
	const char *first, *last, *class_name, *birth_date;
	const char *photo_consent; /* "yes", "no" or "ask" */
	int guardians[2]; /* indexes into demo_users, -1 for none */
};

static const struct demo_child demo_children[] = {
	{"Léa", "Dubois", "P3", "2018-04-12", "yes", {DEMO_SOPHIE, DEMO_MARC}},
	{"Hugo", "Dubois", "M2", "2021-09-03", "yes", {DEMO_SOPHIE, DEMO_MARC}},
	{"Lotte", "Peeters", "P1", "2020-01-27", "ask", {DEMO_ANKE, -1}},
	{"Amina", "El Amrani", "P5", "2016-06-30", "yes", {DEMO_YOUSSEF, -1}},
	{"Sami", "El Amrani", "M3", "2020-11-15", "no", {DEMO_YOUSSEF, -1}},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct seed_tx {
	const char *hash;
	time_t now;
	struct sh_sel_limits limits;
	bool with_history; /* the SEL exchanges too, not only the services */
	int64_t members;   /* outcome: members already there (then nothing is loaded) */
	bool sel_refused;  /* outcome: the SEL limits refused the story's bookings */
};

static enum sh_db_rc seed_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct seed_tx *t = ctx;
	t->sel_refused = false;
	char joined[SH_TIME_LEN + 1];
	sh_time_format(t->now - (time_t)DEMO_JOINED_DAYS_AGO * 86400, joined);
	/* The demo admin's password is in the README: never beside real members, and never
	 * twice. Counted inside this transaction, so nobody registers in between. */
	enum sh_db_rc rc = sh_seed_member_count(conn, &t->members);
	if (rc != SH_DB_OK)
		return rc;
	if (t->members > 0) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	for (size_t i = 0; i < COUNT(demo_users); i++) {
		struct demo_user *d = &demo_users[i];
		sh_uuid_v4(d->id);
		struct sh_user u = {.id = d->id, .email = d->email, .password_hash = t->hash,
				    .first_name = d->first, .last_name = d->last,
				    .locale = d->locale, .role = d->role,
				    /* @demo.schoolhub.be receives no mail: the demo's accounts
				     * are taken as verified so its co-parents see invitations. */
				    .is_verified = true};
		if ((rc = sh_user_insert(conn, &u, joined)) != SH_DB_OK)
			return rc;
	}
	for (size_t i = 0; i < COUNT(demo_children); i++) {
		const struct demo_child *dc = &demo_children[i];
		char id[SH_UUID_LEN + 1];
		sh_uuid_v4(id);
		/* An answer names its guardian: the child's first one, on the day they joined. */
		bool answered = strcmp(dc->photo_consent, "ask") != 0;
		struct sh_child c = {id, dc->first, dc->last, dc->class_name, dc->birth_date,
				     dc->photo_consent,
				     answered ? demo_users[dc->guardians[0]].id : NULL,
				     answered ? joined : NULL};
		if ((rc = sh_child_insert(conn, &c, joined)) != SH_DB_OK)
			return rc;
		for (int g = 0; g < 2; g++) {
			if (dc->guardians[g] < 0)
				continue;
			rc = sh_guardian_insert(conn, id, demo_users[dc->guardians[g]].id,
						"parent", joined);
			if (rc != SH_DB_OK)
				return rc;
		}
	}
	/* The teacher teaches Léa's class, so class screens have someone to show. */
	if ((rc = sh_class_staff_add(conn, "P3", demo_users[DEMO_CLAIRE].id, joined)) != SH_DB_OK)
		return rc;
	const char *ids[DEMO_MEMBER_COUNT];
	for (size_t i = 0; i < DEMO_MEMBER_COUNT; i++)
		ids[i] = demo_users[i].id;
	rc = sh_demo_sel_seed(conn, ids, &t->limits, t->now, t->with_history, &t->sel_refused);
	if (rc == SH_DB_OK && t->sel_refused)
		*rollback_r = true;
	return rc;
}

int sh_demo_seed(struct sh_app *app, FILE *out)
{
	char hash[SH_PASSWORD_HASH_MAX];
	if (sh_password_hash(app, DEMO_PASSWORD, hash) != SH_PW_OK)
		return -1;
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(app->db, &error);
	if (conn == NULL) {
		fprintf(stderr, "schoolhub: database: %s\n", error);
		sh_free(&error);
		return -1;
	}
	struct seed_tx t = {.hash = hash, .now = time(NULL), .with_history = true,
			    .limits = *sh_sel_settings(&app->cfg)};
	enum sh_db_rc rc = sh_conn_transaction(conn, SH_TX_WRITE, seed_in_tx, &t);
	if (rc == SH_DB_OK && t.members == 0 && t.sel_refused) {
		/* Limits set much tighter than the defaults: the school and its services
		 * without the exchanges rather than no demo at all. */
		fprintf(stderr, "schoolhub: the demo SEL exchanges do not fit SEL_MIN_BALANCE / "
				"SEL_MAX_BALANCE; loading the demo without them\n");
		t.with_history = false;
		rc = sh_conn_transaction(conn, SH_TX_WRITE, seed_in_tx, &t);
	}
	sh_conn_close(&conn);
	if (rc != SH_DB_OK) {
		fprintf(stderr, "schoolhub: could not load the demo data (database error)\n");
		return -1;
	}
	if (t.members > 0) {
		sh_seed_print_not_empty("schoolhub seed-demo", t.members);
		return 1;
	}
	fprintf(out, "Demo school loaded.\n");
	fprintf(out, "Demo logins (password for all: %s):\n", DEMO_PASSWORD);
	for (size_t i = 0; i < COUNT(demo_users); i++)
		fprintf(out, "  %-38s %s %s (%s)\n", demo_users[i].email, demo_users[i].first,
			demo_users[i].last, demo_users[i].role);
	return 0;
}

int sh_demo_open_logins(struct sh_app *app, int64_t *count_r)
{
	*count_r = 0;
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(app->db, &error);
	if (conn == NULL) {
		free(error);
		return -1;
	}
	/* Every demo login is on this domain (demo_users above). */
	struct sh_stmt *st = sh_query(
		conn, "SELECT password_hash FROM users WHERE email LIKE '%@demo.schoolhub.be'",
		SH_ARGS());
	enum sh_db_rc rc = SH_DB_ERROR;
	bool failed = false;
	while (!failed && (rc = sh_stmt_step(st)) == SH_DB_ROW) {
		enum sh_pw_result pw =
			sh_password_verify(app, sh_stmt_col_text(st, 0), DEMO_PASSWORD);
		if (pw == SH_PW_MATCH)
			(*count_r)++;
		else if (pw != SH_PW_MISMATCH)
			failed = true;
	}
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	return failed || rc != SH_DB_OK ? -1 : 0;
}
