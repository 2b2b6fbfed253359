/*
 * Demo data: a few families of a primary school in Evere, a teacher and an admin,
 * children spread over maternelle and primaire. All in one transaction.
 */
#include "app/demo_seed.h"

#include <string.h>

#include "modules/children/child_queries.h"
#include "modules/users/user_queries.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

#define DEMO_PASSWORD "evere-demo-2026"

struct demo_user {
	const char *email, *first, *last, *locale, *role;
	char id[SH_UUID_LEN + 1];
};

static struct demo_user demo_users[] = {
	{"sophie.dubois@demo.schoolhub.be", "Sophie", "Dubois", "fr", "parent", ""},
	{"marc.dubois@demo.schoolhub.be", "Marc", "Dubois", "fr", "parent", ""},
	{"anke.peeters@demo.schoolhub.be", "Anke", "Peeters", "nl", "parent", ""},
	{"youssef.elamrani@demo.schoolhub.be", "Youssef", "El Amrani", "fr", "parent", ""},
	{"claire.lambert@demo.schoolhub.be", "Claire", "Lambert", "fr", "teacher", ""},
	{"admin@demo.schoolhub.be", "Direction", "École", "fr", "admin", ""},
};

struct demo_child {
	const char *first, *last, *class_name, *birth_date;
	bool photo_consent;
	int guardians[2]; /* indexes into demo_users, -1 for none */
};

static const struct demo_child demo_children[] = {
	{"Léa", "Dubois", "P3", "2018-04-12", true, {0, 1}},
	{"Hugo", "Dubois", "M2", "2021-09-03", true, {0, 1}},
	{"Lotte", "Peeters", "P1", "2020-01-27", false, {2, -1}},
	{"Amina", "El Amrani", "P5", "2016-06-30", true, {3, -1}},
	{"Sami", "El Amrani", "M3", "2020-11-15", false, {3, -1}},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct seed_tx {
	const char *hash, *now;
	bool already;
};

static enum sh_db_rc seed_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct seed_tx *t = ctx;
	struct sh_arena *arena = sh_arena_create();
	struct sh_user existing;
	enum sh_db_rc rc = sh_user_by_email(conn, arena, demo_users[0].email, &existing);
	sh_arena_destroy(&arena);
	if (rc == SH_DB_ROW) {
		t->already = true;
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_OK)
		return rc;
	for (size_t i = 0; i < COUNT(demo_users); i++) {
		struct demo_user *d = &demo_users[i];
		sh_uuid_v4(d->id);
		struct sh_user u = {.id = d->id, .email = d->email, .password_hash = t->hash,
				    .first_name = d->first, .last_name = d->last,
				    .locale = d->locale, .role = d->role};
		if ((rc = sh_user_insert(conn, &u, t->now)) != SH_DB_OK)
			return rc;
	}
	for (size_t i = 0; i < COUNT(demo_children); i++) {
		const struct demo_child *dc = &demo_children[i];
		char id[SH_UUID_LEN + 1];
		sh_uuid_v4(id);
		struct sh_child c = {id, dc->first, dc->last, dc->class_name, dc->birth_date,
				     dc->photo_consent};
		if ((rc = sh_child_insert(conn, &c, t->now)) != SH_DB_OK)
			return rc;
		for (int g = 0; g < 2; g++) {
			if (dc->guardians[g] < 0)
				continue;
			rc = sh_guardian_insert(conn, id, demo_users[dc->guardians[g]].id,
						"parent", t->now);
			if (rc != SH_DB_OK)
				return rc;
		}
	}
	return SH_DB_OK;
}

int sh_demo_seed(struct sh_app *app, FILE *out)
{
	char hash[SH_PASSWORD_HASH_MAX], now[SH_TIME_LEN + 1];
	if (sh_password_hash(app, DEMO_PASSWORD, hash) != SH_PW_OK)
		return -1;
	sh_time_now(now);
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(app->db, &error);
	if (conn == NULL) {
		fprintf(stderr, "schoolhub: database: %s\n", error);
		sh_free(&error);
		return -1;
	}
	struct seed_tx t = {hash, now, false};
	enum sh_db_rc rc = sh_conn_transaction(conn, SH_TX_WRITE, seed_in_tx, &t);
	sh_conn_close(&conn);
	if (rc != SH_DB_OK) {
		fprintf(stderr, "schoolhub: could not load the demo data (database error)\n");
		return -1;
	}
	fprintf(out, t.already ? "Demo data already present.\n" : "Demo school loaded.\n");
	fprintf(out, "Demo logins (password for all: %s):\n", DEMO_PASSWORD);
	for (size_t i = 0; i < COUNT(demo_users); i++)
		fprintf(out, "  %-38s %s %s (%s)\n", demo_users[i].email, demo_users[i].first,
			demo_users[i].last, demo_users[i].role);
	return 0;
}
