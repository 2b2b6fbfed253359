/*
 * Bench data: many families, their SEL services and a year of SEL history, loaded fast
 * (multi-row INSERTs through row_batch.c, one argon2id hash shared by every login,
 * commits every BENCH_COMMIT_EVERY transactions).
 *
 * Why the ledger is written directly and not through sh_sel_book: booking 200,000
 * transactions one by one costs five statements each (two guarded UPDATEs, the
 * transaction, two entries), a round trip apiece on PostgreSQL: minutes instead of
 * seconds for the 10,000 families of scripts/bench.sh. So this file keeps the invariants
 * sh_sel_book keeps: every member account opens with SEL_INITIAL_BALANCE from the system
 * account; a completed transaction has two entries (-units payer, +units payee, with the
 * running balance); no other transaction has entries; stored balances (and totals) are
 * what the entries add up to; no balance leaves [SEL_MIN_BALANCE, SEL_MAX_BALANCE].
 * And it does not take its own word for it: before committing, the SEL module's audit
 * (sh_sel_audit) and a limits query check the result, and a load that fails them is
 * rolled back. tests/cli/seed_bench_test.sh checks the same, plus the running balances.
 * Accounts must exist before their entries (foreign keys), so the history is simulated
 * twice from the same PRNG state: once for the final balances the accounts are inserted
 * with, once to write the transactions.
 *
 * This is a separate program (schoolhub-bench), never linked into the schoolhub binary:
 * it bypasses the booking code and tunes malloc for a short-lived bulk load.
 */
#include "bench_seed.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/seed_guard.h"
#include "modules/sel/service_queries.h"
#include "modules/users/user_queries.h"
#include "bench_rng.h"
#include "bench_load.h"
#include "ledger_check.h"
#include "row_batch.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

#define BENCH_DOMAIN "@bench.schoolhub.be"
#define BENCH_ADMIN "admin" BENCH_DOMAIN
#define BENCH_HOT "hot" BENCH_DOMAIN
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- what a school looks like ------------------------------------------------------------ */

static const char *const surnames[] = {
	"Dubois", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
	"Goossens", "Wouters", "De Smet", "Lambert", "Dupont", "Martin", "Leroy", "Simon",
	"Laurent", "Lejeune", "Renard", "Hermans", "El Amrani", "Benali", "Yilmaz", "Kaya",
	"Nowak", "Rossi", "Diallo", "Ndiaye", "Lemaire", "Michel", "Leclercq", "Denis",
	"Vermeulen", "Van Damme", "De Clercq", "Mahieu", "Fontaine", "Öztürk", "Lefèvre", "Gérard",
};
static const char *const first_fr[] = {
	"Sophie", "Marc", "Claire", "Julien", "Nathalie", "Thomas", "Isabelle", "Nicolas",
	"Céline", "Olivier", "Amina", "Youssef", "Fatima", "Karim", "Marie", "Pierre", "Élodie",
	"François", "Aïcha", "Grégoire",
};
static const char *const first_nl[] = {
	"Anke", "Pieter", "Lotte", "Jan", "Els", "Bart", "Sofie", "Wim", "Katrien", "Joris",
};
static const char *const first_en[] = {"Emma", "James", "Olivia", "David"};
static const char *const first_child[] = {
	"Léa", "Hugo", "Lotte", "Amina", "Sami", "Noah", "Louise", "Arthur", "Emma", "Lucas",
	"Mila", "Jules", "Olivia", "Adam", "Alice", "Victor", "Nora", "Liam", "Zoé", "Rayan",
	"Inès", "Mehdi", "Lina", "Finn", "Lars", "Fien",
};
static const char *const classes[] = {"M1", "M2", "M3", "P1", "P2", "P3", "P4", "P5", "P6"};

struct service_kind {
	const char *category, *kind, *title, *description;
};
static const struct service_kind service_kinds[] = {
	{"childcare", "offer", "Garde d'enfants le mercredi après-midi", "Chez nous, avec goûter."},
	{"childcare", "offer", "Kinderopvang op woensdag", "Bij ons thuis, na school."},
	{"childcare", "request", "Garde le samedi soir", "Deux enfants, 4 et 7 ans."},
	{"transport", "offer", "Covoiturage vers l'école", "Trajet Evere - école, 8 h 10."},
	{"transport", "offer", "Carpool naar de zwemles", "Elke dinsdag om 16 uur."},
	{"transport", "request", "Trajet vers la gare du Nord", "Un matin par semaine."},
	{"tutoring", "offer", "Aide aux devoirs en mathématiques", "Primaire, P3 à P6."},
	{"tutoring", "offer", "Bijles Nederlands", "Voor Franstalige kinderen."},
	{"tutoring", "request", "Soutien en lecture", "Pour un enfant de P1."},
	{"cooking", "offer", "Repas pour familles nombreuses", "Lasagnes, soupes, tajines."},
	{"cooking", "offer", "Gâteaux d'anniversaire", "Sans gluten sur demande."},
	{"repairs", "offer", "Réparation de vélos", "Freins, dérailleurs, crevaisons."},
	{"repairs", "offer", "Fietsherstelling", "Banden, remmen, verlichting."},
	{"repairs", "request", "Petits travaux de plomberie", "Un robinet qui fuit."},
	{"gardening", "offer", "Tonte de pelouse", "Tondeuse fournie."},
	{"gardening", "offer", "Tuinonderhoud", "Snoeien en wieden."},
	{"languages", "offer", "Cours de néerlandais", "Conversation pour adultes."},
	{"languages", "offer", "English conversation", "For parents and children."},
	{"computers", "offer", "Installation d'ordinateur", "Windows, Linux, imprimantes."},
	{"computers", "request", "Aide pour un smartphone", "Configurer les courriels."},
	{"administrative_help", "offer", "Aide pour la déclaration d'impôts", "Tax-on-web."},
	{"administrative_help", "offer", "Hulp bij formulieren", "Gemeente en mutualiteit."},
	{"other", "offer", "Couture et retouches", "Ourlets, fermetures éclair."},
	{"other", "request", "Déménagement d'un piano", "Deux personnes, une heure."},
};

/* ---- the load ------------------------------------------------------------------------------ */

static struct member *member_add(struct seed *s)
{
	if (s->n_members == s->cap_members) {
		s->cap_members = s->cap_members ? s->cap_members * 2 : 1024;
		s->members = sh_realloc(s->members, (size_t)s->cap_members * sizeof(*s->members));
	}
	struct member *m = &s->members[s->n_members++];
	memset(m, 0, sizeof(*m));
	m->offer = -1;
	return m;
}

static enum sh_db_rc user_row(struct seed *s, const char *id, const char *email, const char *first,
			      const char *last, const char *locale, const char *role)
{
	char *search = sh_user_search_name(first, last);
	struct sh_row_batch *b = &s->users;
	sh_row_batch_text(b, id);
	sh_row_batch_text(b, email);
	sh_row_batch_text(b, s->hash);
	sh_row_batch_text(b, first);
	sh_row_batch_text(b, last);
	sh_row_batch_text(b, locale);
	sh_row_batch_text(b, role);
	sh_row_batch_text(b, s->joined);
	sh_row_batch_text(b, s->joined);
	sh_row_batch_text(b, search);
	free(search);
	return sh_row_batch_end_row(b);
}

static enum sh_db_rc service_row(struct seed *s, struct member *owner)
{
	const struct service_kind *k = &service_kinds[bench_rng_below(&s->people, COUNT(service_kinds))];
	if (s->n_services == s->cap_services) {
		s->cap_services = s->cap_services ? s->cap_services * 2 : 1024;
		s->services = sh_realloc(s->services, (size_t)s->cap_services * sizeof(*s->services));
	}
	char *id = s->services[s->n_services];
	bench_rng_uuid(&s->ids, id);
	if (strcmp(k->kind, "offer") == 0 && owner->offer < 0)
		owner->offer = (int)s->n_services;
	s->n_services++;
	char *search = sh_sel_service_search_text(k->title, k->description);
	struct sh_row_batch *b = &s->services_b;
	sh_row_batch_text(b, id);
	sh_row_batch_text(b, owner->user_id);
	sh_row_batch_text(b, k->title);
	sh_row_batch_text(b, k->description);
	sh_row_batch_text(b, k->category);
	sh_row_batch_text(b, k->kind);
	sh_row_batch_int64(b, 60);
	sh_row_batch_bool(b, true);
	sh_row_batch_text(b, search);
	sh_row_batch_text(b, s->joined);
	sh_row_batch_text(b, s->joined);
	free(search);
	return sh_row_batch_end_row(b);
}

static enum sh_db_rc child_rows(struct seed *s, const char *last, const int64_t parents[2],
				int n_parents)
{
	char id[SH_UUID_LEN + 1], birth[11];
	bench_rng_uuid(&s->ids, id);
	unsigned cls = (unsigned)bench_rng_below(&s->people, COUNT(classes));
	/* School year 2026-2027: M1 children were born in 2023, P6 children in 2015. */
	snprintf(birth, sizeof(birth), "%u-%02u-%02u", 2023 - cls,
		 (unsigned)bench_rng_below(&s->people, 12) + 1, (unsigned)bench_rng_below(&s->people, 28) + 1);
	struct sh_row_batch *b = &s->children_b;
	sh_row_batch_text(b, id);
	sh_row_batch_text(b, first_child[bench_rng_below(&s->people, COUNT(first_child))]);
	sh_row_batch_text(b, last);
	sh_row_batch_text(b, classes[cls]);
	sh_row_batch_text(b, birth);
	/* Photo consent: mostly yes, some no, some still to be asked (one draw, as before). */
	unsigned consent = (unsigned)bench_rng_below(&s->people, 100);
	sh_row_batch_text(b, consent < 75 ? "yes" : consent < 85 ? "no" : "ask");
	sh_row_batch_text(b, s->joined);
	sh_row_batch_text(b, s->joined);
	enum sh_db_rc rc = sh_row_batch_end_row(b);
	for (int p = 0; p < n_parents && rc == SH_DB_OK; p++) {
		sh_row_batch_text(&s->guardians, id);
		sh_row_batch_text(&s->guardians, s->members[parents[p]].user_id);
		sh_row_batch_text(&s->guardians, "parent");
		sh_row_batch_text(&s->guardians, s->joined);
		rc = sh_row_batch_end_row(&s->guardians);
	}
	s->children++;
	return rc;
}

/* One family: one or two parents (members of the SEL), one to three children, and now and
 * then a service offered or asked for. */
static enum sh_db_rc family_rows(struct seed *s, int64_t f)
{
	const char *last = surnames[bench_rng_below(&s->people, COUNT(surnames))];
	int n_parents = bench_rng_percent(&s->people, 85) ? 2 : 1;
	int64_t parents[2] = {-1, -1}; /* indexes: member_add() may move the array */
	enum sh_db_rc rc = SH_DB_OK;
	for (int p = 0; p < n_parents && rc == SH_DB_OK; p++) {
		unsigned lang = (unsigned)bench_rng_below(&s->people, 100);
		const char *locale = lang < 60 ? "fr" : lang < 95 ? "nl" : "en";
		const char *first = lang < 60 ? first_fr[bench_rng_below(&s->people, COUNT(first_fr))]
				    : lang < 95 ? first_nl[bench_rng_below(&s->people, COUNT(first_nl))]
						: first_en[bench_rng_below(&s->people, COUNT(first_en))];
		char email[64];
		snprintf(email, sizeof(email), "parent%" PRId64 "%c" BENCH_DOMAIN, f + 1, 'a' + p);
		struct member *m = member_add(s);
		parents[p] = s->n_members - 1;
		bench_rng_uuid(&s->ids, m->user_id);
		rc = user_row(s, m->user_id, email, first, last, locale, "parent");
	}
	unsigned k = (unsigned)bench_rng_below(&s->people, 100);
	int n_children = k < 45 ? 1 : k < 85 ? 2 : 3;
	for (int c = 0; c < n_children && rc == SH_DB_OK; c++)
		rc = child_rows(s, last, parents, n_parents);
	for (int p = 0; p < n_parents && rc == SH_DB_OK; p++) {
		if (bench_rng_percent(&s->people, 30))
			rc = service_row(s, &s->members[parents[p]]);
		if (rc == SH_DB_OK && bench_rng_percent(&s->people, 8))
			rc = service_row(s, &s->members[parents[p]]);
	}
	return rc;
}

static enum sh_db_rc people_rows(struct seed *s)
{
	enum sh_db_rc rc = SH_DB_OK;
	for (int64_t f = 0; f < s->o->families && rc == SH_DB_OK; f++)
		rc = family_rows(s, f);
	s->n_family_members = s->n_members;
	char id[SH_UUID_LEN + 1], email[64];
	s->teachers = s->o->families / 20 > 0 ? s->o->families / 20 : 1;
	for (int64_t t = 0; t < s->teachers && rc == SH_DB_OK; t++) {
		bench_rng_uuid(&s->ids, id);
		snprintf(email, sizeof(email), "teacher%" PRId64 BENCH_DOMAIN, t + 1);
		rc = user_row(s, id, email, first_fr[bench_rng_below(&s->people, COUNT(first_fr))],
			      surnames[bench_rng_below(&s->people, COUNT(surnames))], "fr", "teacher");
	}
	if (rc == SH_DB_OK) {
		bench_rng_uuid(&s->ids, id);
		rc = user_row(s, id, BENCH_ADMIN, "Direction", "Bench", "fr", "admin");
	}
	s->hot_index = -1;
	if (rc == SH_DB_OK && s->o->hot_member_tx > 0) {
		struct member *hot = member_add(s);
		s->hot_index = s->n_members - 1;
		bench_rng_uuid(&s->ids, hot->user_id);
		rc = user_row(s, hot->user_id, BENCH_HOT, "Hot", "Member", "fr", "parent");
	}
	for (int64_t i = 0; i < s->n_members; i++)
		bench_rng_uuid(&s->ids, s->members[i].account_id);
	/* Children need their parents, guardians their children, services their owners. */
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->users);
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->guardians); /* children first */
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->services_b);
	return rc;
}

/* Inside the load's transaction, before any write: the members already there (the load is
 * refused unless there are none) and the id of the school's SEL account. */
static enum sh_db_rc load_preconditions(struct seed *s)
{
	enum sh_db_rc rc = sh_seed_member_count(s->conn, &s->members_before);
	if (rc != SH_DB_OK || s->members_before > 0)
		return rc;
	return bench_system_account(s->conn, s->system_account);
}

/*
 * The whole load in one transaction on SQLite, so a load that fails its checks leaves
 * nothing; PostgreSQL commits every BENCH_COMMIT_EVERY transactions (maybe_commit), so
 * there a failed load leaves part of it behind: the database is a throwaway one anyway.
 */
static enum sh_db_rc load(struct seed *s)
{
	enum sh_db_rc rc = sh_conn_begin(s->conn, SH_TX_WRITE);
	if (rc == SH_DB_OK)
		rc = load_preconditions(s);
	if (rc == SH_DB_OK && s->members_before > 0) {
		sh_conn_rollback(s->conn);
		return SH_DB_OK;
	}
	if (rc == SH_DB_OK)
		rc = people_rows(s);
	if (rc == SH_DB_OK)
		rc = bench_history_simulate(s, false);
	if (rc == SH_DB_OK)
		rc = bench_history_accounts(s);
	if (rc == SH_DB_OK)
		rc = bench_history_simulate(s, true);
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->entries);
	for (int64_t i = 0; i < s->n_members && rc == SH_DB_OK; i++) {
		const struct member *m = &s->members[i];
		if (m->balance != m->final_balance || m->given != m->final_given ||
		    m->received != m->final_received) {
			fprintf(stderr, "schoolhub-bench: the two simulations differ\n");
			s->check_failed = true;
			rc = SH_DB_ERROR;
		}
	}
	if (rc == SH_DB_OK)
		rc = bench_ledger_verify(s->conn, &s->app->cfg, &s->check_failed);
	if (rc == SH_DB_OK)
		rc = sh_conn_commit(s->conn);
	else
		sh_conn_rollback(s->conn);
	return rc;
}

/*
 * Rows per INSERT: many on PostgreSQL, where each statement is a round trip; few on
 * SQLite, whose driver looks every "$k" up by name, which grows with the square of the
 * parameter count.
 */
static int batch_rows(const struct seed *s, int postgres_rows)
{
	return sh_db_kind(s->app->db) == SH_DB_POSTGRES ? postgres_rows : 8;
}

static void batches_init(struct seed *s)
{
	sh_row_batch_init(&s->users, s->conn,
			  "INSERT INTO users (id, email, password_hash, first_name, last_name, "
			  "locale, role, created_at, updated_at, search_name) VALUES ",
			  10, batch_rows(s, 64));
	sh_row_batch_init(&s->children_b, s->conn,
			  "INSERT INTO children (id, first_name, last_name, class_name, birth_date, "
			  "photo_consent, created_at, updated_at) VALUES ",
			  8, batch_rows(s, 64));
	sh_row_batch_init(&s->guardians, s->conn,
			  "INSERT INTO child_guardians (child_id, user_id, relationship, "
			  "created_at) VALUES ",
			  4, batch_rows(s, 128));
	sh_row_batch_init(&s->services_b, s->conn,
			  "INSERT INTO sel_services (id, user_id, title, description, category, "
			  "kind, units_per_hour, is_active, search_text, created_at, updated_at) "
			  "VALUES ",
			  11, batch_rows(s, 64));
	sh_row_batch_init(&s->accounts, s->conn,
			  "INSERT INTO sel_accounts (id, user_id, kind, balance, total_given, "
			  "total_received, created_at, updated_at) VALUES ",
			  8, batch_rows(s, 64));
	sh_row_batch_init(&s->txs, s->conn,
			  "INSERT INTO sel_transactions (id, kind, from_account, to_account, "
			  "from_user_id, to_user_id, units, description, service_id, status, "
			  "created_by, reverses_id, created_at, completed_at) VALUES ",
			  14, batch_rows(s, 64));
	sh_row_batch_init(&s->entries, s->conn,
			  "INSERT INTO sel_entries (transaction_id, account_id, amount, "
			  "balance_after, created_at) VALUES ",
			  5, batch_rows(s, 128));
	/* Flushing a batch flushes the one its rows reference first. */
	s->children_b.after = &s->users;
	s->guardians.after = &s->children_b;
	s->services_b.after = &s->users;
	s->entries.after = &s->txs;
	s->txs.after = &s->accounts;
}

static void batches_free(struct seed *s)
{
	struct sh_row_batch *all[] = {&s->users, &s->children_b, &s->guardians, &s->services_b,
				      &s->accounts, &s->txs, &s->entries};
	for (size_t i = 0; i < COUNT(all); i++)
		sh_row_batch_free(all[i]);
}

static void print_summary(const struct seed *s, double seconds, const char *cursor,
			  const char *password, FILE *out)
{
	fprintf(out,
		"Bench data loaded in %.1f s (%s): %" PRId64 " families, %" PRId64
		" parents, %" PRId64 " children, %" PRId64 " teachers, %" PRId64
		" SEL services, %" PRId64 " SEL transactions (%" PRId64 " completed, %" PRId64
		" pending/declined/cancelled) + %" PRId64 " openings.\n",
		seconds, sh_db_kind_name(s->app->db), s->o->families, s->n_family_members,
		s->children, s->teachers, s->n_services, s->completed + s->pending_or_closed,
		s->completed, s->pending_or_closed, s->openings);
	if (s->skipped > 0)
		fprintf(out, "%" PRId64 " transactions were left out: no pair within the limits.\n",
			s->skipped);
	fprintf(out, "Bench logins (" SH_BENCH_PASSWORD_LABEL "%s):\n", password);
	fprintf(out, "  %-34s admin\n", BENCH_ADMIN);
	fprintf(out, "  %-34s parents of family N (b: second parent, in 85%% of families)\n",
		"parent<N>a" BENCH_DOMAIN);
	fprintf(out, "  %-34s teachers\n", "teacher<N>" BENCH_DOMAIN);
	if (s->hot_index >= 0)
		fprintf(out, "  %-34s member with %" PRId64 " transactions; deep cursor: %s\n",
			BENCH_HOT, s->o->hot_member_tx, cursor[0] ? cursor : "-");
}

/* A password nobody knows before this load: 18 random bytes, 24 URL-safe characters. */
static void new_password(char out[SH_BENCH_PASSWORD_LEN + 1])
{
	unsigned char raw[18];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SH_BENCH_PASSWORD_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int sh_bench_seed(struct sh_app *app, const struct sh_bench_seed_opts *opts, FILE *out)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* SQLite's page cache grows the heap page by page while statements free short-lived
	 * buffers at its top: glibc then gives memory back and takes it again (brk, TLB
	 * flushes), ~40 % of the load's CPU time. Keep what this short-lived process gets. */
	mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
	mallopt(M_TOP_PAD, 64 * 1024 * 1024);
	/* One argon2id hash (~50 ms) for every login: hashing each would take hours. */
	char password[SH_BENCH_PASSWORD_LEN + 1], hash[SH_PASSWORD_HASH_MAX];
	new_password(password);
	if (sh_password_hash(app, password, hash) != SH_PW_OK)
		return -1;
	char *error = NULL;
	struct seed s = {.app = app, .o = opts, .hash = hash, .now = time(NULL)};
	s.conn = sh_db_connect(app->db, &error);
	if (s.conn == NULL) {
		fprintf(stderr, "schoolhub-bench: database: %s\n", error);
		sh_free(&error);
		return -1;
	}
	/* Rows keyed by random UUIDs land all over the indexes: with SQLite's default 2 MB
	 * page cache every insert re-reads and spills pages. 256 MB for this connection. */
	if (sh_db_kind(app->db) == SH_DB_SQLITE &&
	    sh_conn_exec_script(s.conn, "PRAGMA cache_size = -262144") != SH_DB_OK)
		fprintf(stderr, "schoolhub-bench: could not enlarge the SQLite page cache\n");
	s.history_start = s.now - (time_t)HISTORY_DAYS * 86400;
	sh_time_format(s.history_start - 86400, s.joined);
	bench_rng_seed(&s.people, opts->seed, 1);
	bench_rng_seed(&s.ids, opts->seed, 2);
	batches_init(&s);
	char cursor[SH_SEL_CURSOR_SIZE] = "";
	enum sh_db_rc rc = load(&s);
	if (rc == SH_DB_OK && s.members_before == 0)
		rc = bench_history_deep_cursor(&s, cursor);
	batches_free(&s);
	if (rc != SH_DB_OK && s.check_failed)
		fprintf(stderr, "schoolhub-bench: the load failed its checks: not committed%s\n",
			sh_db_kind(app->db) == SH_DB_POSTGRES ? " (but for its earlier chunks)" : "");
	else if (rc != SH_DB_OK)
		fprintf(stderr, "schoolhub-bench: could not load the bench data (database error: %s)\n",
			sh_conn_last_error(s.conn));
	sh_conn_close(&s.conn);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int result = rc != SH_DB_OK ? -1 : s.members_before > 0 ? 1 : 0;
	if (result == 1)
		sh_seed_print_not_empty("schoolhub-bench seed", s.members_before);
	else if (result == 0)
		print_summary(&s, (double)(t1.tv_sec - t0.tv_sec) +
					  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			      cursor, password, out);
	sodium_memzero(password, sizeof(password));
	free(s.members);
	free(s.services);
	return result;
}
