/*
 * Bench data: many families, their SEL services and a year of SEL history, loaded fast
 * (multi-row INSERTs through app/row_batch.c, one argon2id hash shared by every login,
 * commits every BENCH_COMMIT_EVERY transactions).
 *
 * The ledger is written directly, not through the booking code, so it must keep the same
 * invariants the audit checks: every member account opens with SEL_INITIAL_BALANCE from the
 * system account; a completed transaction has two entries (-units payer, +units payee, with
 * the running balance); no other transaction has entries; stored balances (and totals) are
 * what the entries add up to; no balance leaves [SEL_MIN_BALANCE, SEL_MAX_BALANCE].
 * Accounts must exist before their entries (foreign keys), so the history is simulated
 * twice from the same PRNG state: once for the final balances the accounts are inserted
 * with, once to write the transactions.
 */
#include "app/bench_seed.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/row_batch.h"
#include "modules/sel/sel.h"
#include "modules/users/user_queries.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/text.h"
#include "schoolhub/util.h"

#define BENCH_DOMAIN "@bench.schoolhub.be"
#define BENCH_ADMIN "admin" BENCH_DOMAIN
#define BENCH_HOT "hot" BENCH_DOMAIN
#define BENCH_COMMIT_EVERY 50000 /* ledger transactions per PostgreSQL transaction */
#define HISTORY_DAYS 365
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- deterministic randomness (xoshiro256**, seeded by splitmix64) --------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (the modulo bias is irrelevant for n far below 2^64). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

static bool rng_percent(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* A version 4 UUID from "r", so the same seed gives the same ids. */
static void rng_uuid(struct rng *r, char out[SH_UUID_LEN + 1])
{
	unsigned char b[16];
	uint64_t a = rng_next(r), c = rng_next(r);
	memcpy(b, &a, 8);
	memcpy(b + 8, &c, 8);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, SH_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

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
static const int64_t unit_choices[] = {15, 30, 30, 45, 60, 60, 60, 90, 120};

/* ---- the load ------------------------------------------------------------------------------ */

struct member {
	char user_id[SH_UUID_LEN + 1], account_id[SH_UUID_LEN + 1];
	int offer; /* index into seed.services of one of the member's offers, or -1 */
	int64_t balance, given, received;             /* running, during a simulation */
	int64_t final_balance, final_given, final_received; /* after the first simulation */
};

struct seed {
	struct sh_app *app;
	const struct sh_bench_seed_opts *o;
	struct sh_conn *conn;
	const char *hash;
	time_t now, history_start;
	char joined[SH_TIME_LEN + 1]; /* created_at of every user and account */
	struct rng people, ids, sim;
	struct member *members;       /* parents, then the hot member last */
	int64_t n_members, n_family_members, cap_members;
	char (*services)[SH_UUID_LEN + 1];
	int64_t n_services, cap_services;
	int64_t children, teachers, openings, completed, pending_or_closed, skipped, hot_index;
	int64_t since_commit;
	struct sh_row_batch users, children_b, guardians, services_b, accounts, txs, entries;
};

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
	const struct service_kind *k = &service_kinds[rng_below(&s->people, COUNT(service_kinds))];
	if (s->n_services == s->cap_services) {
		s->cap_services = s->cap_services ? s->cap_services * 2 : 1024;
		s->services = sh_realloc(s->services, (size_t)s->cap_services * sizeof(*s->services));
	}
	char *id = s->services[s->n_services];
	rng_uuid(&s->ids, id);
	if (strcmp(k->kind, "offer") == 0 && owner->offer < 0)
		owner->offer = (int)s->n_services;
	s->n_services++;
	size_t n = strlen(k->title) + strlen(k->description) + 2;
	char *both = sh_malloc(n);
	snprintf(both, n, "%s %s", k->title, k->description);
	char *search = sh_text_fold(both);
	free(both);
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
	rng_uuid(&s->ids, id);
	unsigned cls = (unsigned)rng_below(&s->people, COUNT(classes));
	/* School year 2026-2027: M1 children were born in 2023, P6 children in 2015. */
	snprintf(birth, sizeof(birth), "%u-%02u-%02u", 2023 - cls,
		 (unsigned)rng_below(&s->people, 12) + 1, (unsigned)rng_below(&s->people, 28) + 1);
	struct sh_row_batch *b = &s->children_b;
	sh_row_batch_text(b, id);
	sh_row_batch_text(b, first_child[rng_below(&s->people, COUNT(first_child))]);
	sh_row_batch_text(b, last);
	sh_row_batch_text(b, classes[cls]);
	sh_row_batch_text(b, birth);
	sh_row_batch_bool(b, rng_percent(&s->people, 80));
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
	const char *last = surnames[rng_below(&s->people, COUNT(surnames))];
	int n_parents = rng_percent(&s->people, 85) ? 2 : 1;
	int64_t parents[2] = {-1, -1}; /* indexes: member_add() may move the array */
	enum sh_db_rc rc = SH_DB_OK;
	for (int p = 0; p < n_parents && rc == SH_DB_OK; p++) {
		unsigned lang = (unsigned)rng_below(&s->people, 100);
		const char *locale = lang < 60 ? "fr" : lang < 95 ? "nl" : "en";
		const char *first = lang < 60 ? first_fr[rng_below(&s->people, COUNT(first_fr))]
				    : lang < 95 ? first_nl[rng_below(&s->people, COUNT(first_nl))]
						: first_en[rng_below(&s->people, COUNT(first_en))];
		char email[64];
		snprintf(email, sizeof(email), "parent%" PRId64 "%c" BENCH_DOMAIN, f + 1, 'a' + p);
		struct member *m = member_add(s);
		parents[p] = s->n_members - 1;
		rng_uuid(&s->ids, m->user_id);
		rc = user_row(s, m->user_id, email, first, last, locale, "parent");
	}
	unsigned k = (unsigned)rng_below(&s->people, 100);
	int n_children = k < 45 ? 1 : k < 85 ? 2 : 3;
	for (int c = 0; c < n_children && rc == SH_DB_OK; c++)
		rc = child_rows(s, last, parents, n_parents);
	for (int p = 0; p < n_parents && rc == SH_DB_OK; p++) {
		if (rng_percent(&s->people, 30))
			rc = service_row(s, &s->members[parents[p]]);
		if (rc == SH_DB_OK && rng_percent(&s->people, 8))
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
		rng_uuid(&s->ids, id);
		snprintf(email, sizeof(email), "teacher%" PRId64 BENCH_DOMAIN, t + 1);
		rc = user_row(s, id, email, first_fr[rng_below(&s->people, COUNT(first_fr))],
			      surnames[rng_below(&s->people, COUNT(surnames))], "fr", "teacher");
	}
	if (rc == SH_DB_OK) {
		rng_uuid(&s->ids, id);
		rc = user_row(s, id, BENCH_ADMIN, "Direction", "Bench", "fr", "admin");
	}
	s->hot_index = -1;
	if (rc == SH_DB_OK && s->o->hot_member_tx > 0) {
		struct member *hot = member_add(s);
		s->hot_index = s->n_members - 1;
		rng_uuid(&s->ids, hot->user_id);
		rc = user_row(s, hot->user_id, BENCH_HOT, "Hot", "Member", "fr", "parent");
	}
	for (int64_t i = 0; i < s->n_members; i++)
		rng_uuid(&s->ids, s->members[i].account_id);
	/* Children need their parents, guardians their children, services their owners. */
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->users);
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->guardians); /* children first */
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->services_b);
	return rc;
}

/* ---- the SEL history ------------------------------------------------------------------------ */

struct booking {
	int64_t payer, payee, units; /* member indexes */
	const char *kind, *status, *description;
	int service; /* index into seed.services or -1 */
	bool payer_created;
};

static bool fits(const struct seed *s, const struct member *payer, const struct member *payee,
		 int64_t units)
{
	const struct sh_config *cfg = &s->app->cfg;
	return payer->balance - units >= cfg->sel_min_balance &&
	       payee->balance + units <= cfg->sel_max_balance;
}

/*
 * The hot member's "j"-th transaction: 1 unit paid to, then received from, the next member
 * it fits for, so every other account stays where the ordinary history put it, give or
 * take one unit. false when nobody fits (cannot happen with sane limits).
 */
static bool hot_booking(struct seed *s, int64_t j, int64_t *cursor, struct booking *bk)
{
	struct member *hot = &s->members[s->hot_index];
	for (int64_t tries = 0; tries < s->n_family_members; tries++) {
		int64_t c = (*cursor)++ % s->n_family_members;
		struct member *other = &s->members[c];
		bool pays = j % 2 == 0;
		if (pays ? fits(s, hot, other, 1) : fits(s, other, hot, 1)) {
			*bk = (struct booking){.payer = pays ? s->hot_index : c,
					       .payee = pays ? c : s->hot_index,
					       .units = 1,
					       .kind = "payment",
					       .status = "completed",
					       .description = "bench",
					       .service = -1,
					       .payer_created = true};
			return true;
		}
	}
	return false;
}

/* An ordinary exchange between two families' members: mostly payments, some requests
 * (most accepted, some still pending, declined or cancelled). false when no pair fits. */
static bool family_booking(struct seed *s, struct booking *bk)
{
	for (int tries = 0; tries < 8; tries++) {
		int64_t payer = (int64_t)rng_below(&s->sim, (uint64_t)s->n_family_members);
		int64_t payee = (int64_t)rng_below(&s->sim, (uint64_t)s->n_family_members);
		int64_t units = unit_choices[rng_below(&s->sim, COUNT(unit_choices))];
		bool request = rng_percent(&s->sim, 30);
		unsigned st = (unsigned)rng_below(&s->sim, 100);
		const char *status = !request || st < 80 ? "completed"
				     : st < 90	       ? "pending"
				     : st < 97	       ? "declined"
							 : "cancelled";
		if (payer == payee)
			continue;
		bool completed = status[0] == 'c' && status[1] == 'o';
		if (completed && !fits(s, &s->members[payer], &s->members[payee], units))
			continue;
		int offer = s->members[payee].offer;
		bool with_service = offer >= 0 && rng_percent(&s->sim, 50);
		*bk = (struct booking){.payer = payer,
				       .payee = payee,
				       .units = units,
				       .kind = request ? "request" : "payment",
				       .status = status,
				       .description = with_service ? "" : "Merci !",
				       .service = with_service ? offer : -1,
				       .payer_created = !request};
		return true;
	}
	return false;
}

static void apply(struct member *payer, struct member *payee, int64_t units)
{
	payer->balance -= units;
	payer->given += units;
	payee->balance += units;
	payee->received += units;
}

static enum sh_db_rc entry_row(struct seed *s, const char *tx_id, const char *account,
			       int64_t amount, int64_t balance_after, const char *at)
{
	sh_row_batch_text(&s->entries, tx_id);
	sh_row_batch_text(&s->entries, account);
	sh_row_batch_int64(&s->entries, amount);
	sh_row_batch_int64(&s->entries, balance_after);
	sh_row_batch_text(&s->entries, at);
	return sh_row_batch_end_row(&s->entries);
}

/*
 * PostgreSQL: a commit every BENCH_COMMIT_EVERY transactions keeps each one bounded.
 * SQLite: one transaction, since each commit writes every page it touched to the WAL, and
 * rows keyed by random UUIDs touch most index pages within a few thousand inserts.
 */
static enum sh_db_rc maybe_commit(struct seed *s)
{
	if (sh_db_kind(s->app->db) == SH_DB_SQLITE || ++s->since_commit < BENCH_COMMIT_EVERY)
		return SH_DB_OK;
	s->since_commit = 0;
	enum sh_db_rc rc = sh_row_batch_flush(&s->entries); /* transactions first */
	if (rc == SH_DB_OK)
		rc = sh_conn_commit(s->conn);
	if (rc == SH_DB_OK)
		rc = sh_conn_begin(s->conn, SH_TX_WRITE);
	return rc;
}

static enum sh_db_rc tx_row(struct seed *s, const struct booking *bk, const char *at)
{
	struct member *payer = &s->members[bk->payer], *payee = &s->members[bk->payee];
	char id[SH_UUID_LEN + 1];
	rng_uuid(&s->ids, id);
	bool completed = strcmp(bk->status, "completed") == 0;
	struct sh_row_batch *b = &s->txs;
	sh_row_batch_text(b, id);
	sh_row_batch_text(b, bk->kind);
	sh_row_batch_text(b, payer->account_id);
	sh_row_batch_text(b, payee->account_id);
	sh_row_batch_text(b, payer->user_id);
	sh_row_batch_text(b, payee->user_id);
	sh_row_batch_int64(b, bk->units);
	sh_row_batch_text(b, bk->description);
	sh_row_batch_text(b, bk->service >= 0 ? s->services[bk->service] : NULL);
	sh_row_batch_text(b, bk->status);
	sh_row_batch_text(b, bk->payer_created ? payer->user_id : payee->user_id);
	sh_row_batch_text(b, NULL);
	sh_row_batch_text(b, at);
	sh_row_batch_text(b, completed ? at : NULL);
	enum sh_db_rc rc = sh_row_batch_end_row(b);
	if (rc != SH_DB_OK || !completed)
		return rc;
	rc = entry_row(s, id, payer->account_id, -bk->units, payer->balance, at);
	if (rc == SH_DB_OK)
		rc = entry_row(s, id, payee->account_id, bk->units, payee->balance, at);
	return rc == SH_DB_OK ? maybe_commit(s) : rc;
}

/*
 * The history: family transactions with the hot member's spread evenly among them, at
 * evenly spaced times over the last HISTORY_DAYS days. Writes the rows when "write";
 * otherwise only moves the members' balances. Both runs make the same choices.
 */
static enum sh_db_rc simulate(struct seed *s, bool write)
{
	const struct sh_config *cfg = &s->app->cfg;
	for (int64_t i = 0; i < s->n_members; i++) {
		s->members[i].balance = cfg->sel_initial_balance;
		s->members[i].given = s->members[i].received = 0;
	}
	rng_seed(&s->sim, s->o->seed, 3);
	int64_t family_tx = s->n_family_members >= 2 ? s->o->families * s->o->tx_per_family : 0;
	int64_t hot = s->hot_index >= 0 ? s->o->hot_member_tx : 0, total = family_tx + hot;
	int64_t hot_done = 0, hot_cursor = 0;
	s->completed = s->pending_or_closed = s->skipped = 0;
	for (int64_t i = 0; i < total; i++) {
		struct booking bk;
		/* Bresenham: hot transaction number h falls at i = floor(h * total / hot). */
		bool is_hot = hot > 0 && (i + 1) * hot / total > i * hot / total;
		bool ok = is_hot ? hot_booking(s, hot_done++, &hot_cursor, &bk)
				 : family_booking(s, &bk);
		if (!ok) {
			s->skipped++;
			continue;
		}
		bool completed = strcmp(bk.status, "completed") == 0;
		if (completed) {
			apply(&s->members[bk.payer], &s->members[bk.payee], bk.units);
			s->completed++;
		} else {
			s->pending_or_closed++;
		}
		if (!write)
			continue;
		char at[SH_TIME_LEN + 1];
		sh_time_format(s->history_start +
				       (time_t)((double)i * HISTORY_DAYS * 86400.0 / (double)total),
			       at);
		enum sh_db_rc rc = tx_row(s, &bk, at);
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

/* Accounts with the balances the history will leave, then each one's opening. */
static enum sh_db_rc account_rows(struct seed *s)
{
	const struct sh_config *cfg = &s->app->cfg;
	enum sh_db_rc rc = SH_DB_OK;
	for (int64_t i = 0; i < s->n_members && rc == SH_DB_OK; i++) {
		struct member *m = &s->members[i];
		m->final_balance = m->balance;
		m->final_given = m->given;
		m->final_received = m->received;
		struct sh_row_batch *b = &s->accounts;
		sh_row_batch_text(b, m->account_id);
		sh_row_batch_text(b, m->user_id);
		sh_row_batch_text(b, "member");
		sh_row_batch_int64(b, m->final_balance);
		sh_row_batch_int64(b, m->final_given);
		sh_row_batch_int64(b, m->final_received);
		sh_row_batch_text(b, s->joined);
		sh_row_batch_text(b, s->joined);
		rc = sh_row_batch_end_row(b);
	}
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->accounts);
	for (int64_t i = 0; i < s->n_members && rc == SH_DB_OK && cfg->sel_initial_balance > 0;
	     i++) {
		struct member *m = &s->members[i];
		char id[SH_UUID_LEN + 1];
		rng_uuid(&s->ids, id);
		struct sh_row_batch *b = &s->txs;
		sh_row_batch_text(b, id);
		sh_row_batch_text(b, "opening");
		sh_row_batch_text(b, SH_SEL_SYSTEM_ACCOUNT);
		sh_row_batch_text(b, m->account_id);
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, m->user_id);
		sh_row_batch_int64(b, cfg->sel_initial_balance);
		sh_row_batch_text(b, "");
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, "completed");
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, NULL);
		sh_row_batch_text(b, s->joined);
		sh_row_batch_text(b, s->joined);
		rc = sh_row_batch_end_row(b);
		/* The system account's running balance is not tracked: the statement of the
		 * system account is never shown, and its stored balance is set below. */
		if (rc == SH_DB_OK)
			rc = entry_row(s, id, SH_SEL_SYSTEM_ACCOUNT, -cfg->sel_initial_balance,
				       -(i + 1) * cfg->sel_initial_balance, s->joined);
		if (rc == SH_DB_OK)
			rc = entry_row(s, id, m->account_id, cfg->sel_initial_balance,
				       cfg->sel_initial_balance, s->joined);
		s->openings++;
	}
	if (rc != SH_DB_OK)
		return rc;
	struct sh_stmt *st = sh_stmt_prepare(
		s->conn, "UPDATE sel_accounts SET balance = balance - $2, updated_at = $3 "
			 "WHERE id = $1");
	sh_stmt_bind_text(st, 1, SH_SEL_SYSTEM_ACCOUNT);
	sh_stmt_bind_int64(st, 2, s->openings * cfg->sel_initial_balance);
	sh_stmt_bind_text(st, 3, s->joined);
	return sh_stmt_exec_free(&st, NULL);
}

/* The hot member's cursor for the page of its oldest transactions ("" without one). */
static enum sh_db_rc deep_cursor(struct seed *s, char out[16])
{
	out[0] = '\0';
	if (s->hot_index < 0 || s->o->hot_member_tx <= 20)
		return SH_DB_OK;
	struct sh_stmt *st = sh_stmt_prepare(
		s->conn, "SELECT seq FROM sel_transactions WHERE from_user_id = $1 "
			 "OR to_user_id = $1 ORDER BY seq LIMIT 1 OFFSET 20");
	sh_stmt_bind_text(st, 1, s->members[s->hot_index].user_id);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		/* Same encoding as GET /sel/transactions' next_cursor: the seq in base 36. */
		int64_t n = sh_stmt_col_int64(st, 0);
		char buf[16];
		size_t pos = sizeof(buf) - 1;
		buf[pos] = '\0';
		do {
			buf[--pos] = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
			n /= 36;
		} while (n > 0);
		memcpy(out, buf + pos, sizeof(buf) - pos);
		rc = SH_DB_OK;
	}
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc load(struct seed *s)
{
	enum sh_db_rc rc = sh_conn_begin(s->conn, SH_TX_WRITE);
	if (rc == SH_DB_OK)
		rc = people_rows(s);
	if (rc == SH_DB_OK)
		rc = simulate(s, false);
	if (rc == SH_DB_OK)
		rc = account_rows(s);
	if (rc == SH_DB_OK)
		rc = simulate(s, true);
	if (rc == SH_DB_OK)
		rc = sh_row_batch_flush(&s->entries);
	for (int64_t i = 0; i < s->n_members && rc == SH_DB_OK; i++) {
		const struct member *m = &s->members[i];
		if (m->balance != m->final_balance || m->given != m->final_given ||
		    m->received != m->final_received) {
			fprintf(stderr, "schoolhub: seed-bench: the two simulations differ\n");
			rc = SH_DB_ERROR;
		}
	}
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

static void print_summary(const struct seed *s, double seconds, const char *cursor, FILE *out)
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
	fprintf(out, "Bench logins (password for all: %s):\n", SH_BENCH_PASSWORD);
	fprintf(out, "  %-34s admin\n", BENCH_ADMIN);
	fprintf(out, "  %-34s parents of family N (b: second parent, in 85%% of families)\n",
		"parent<N>a" BENCH_DOMAIN);
	fprintf(out, "  %-34s teachers\n", "teacher<N>" BENCH_DOMAIN);
	if (s->hot_index >= 0)
		fprintf(out, "  %-34s member with %" PRId64 " transactions; deep cursor: %s\n",
			BENCH_HOT, s->o->hot_member_tx, cursor[0] ? cursor : "-");
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
	char hash[SH_PASSWORD_HASH_MAX];
	if (sh_password_hash(app, SH_BENCH_PASSWORD, hash) != SH_PW_OK)
		return -1;
	char *error = NULL;
	struct seed s = {.app = app, .o = opts, .hash = hash, .now = time(NULL)};
	s.conn = sh_db_connect(app->db, &error);
	if (s.conn == NULL) {
		fprintf(stderr, "schoolhub: database: %s\n", error);
		sh_free(&error);
		return -1;
	}
	struct sh_arena *arena = sh_arena_create();
	struct sh_user existing;
	enum sh_db_rc rc = sh_user_by_email(s.conn, arena, BENCH_ADMIN, &existing);
	sh_arena_destroy(&arena);
	if (rc == SH_DB_ROW) {
		sh_conn_close(&s.conn);
		fprintf(out, "Bench data already present (%s exists): nothing loaded.\n", BENCH_ADMIN);
		return 0;
	}
	/* Rows keyed by random UUIDs land all over the indexes: with SQLite's default 2 MB
	 * page cache every insert re-reads and spills pages. 256 MB for this connection. */
	if (sh_db_kind(app->db) == SH_DB_SQLITE &&
	    sh_conn_exec_script(s.conn, "PRAGMA cache_size = -262144") != SH_DB_OK)
		fprintf(stderr, "schoolhub: seed-bench: could not enlarge the SQLite page cache\n");
	s.history_start = s.now - (time_t)HISTORY_DAYS * 86400;
	sh_time_format(s.history_start - 86400, s.joined);
	rng_seed(&s.people, opts->seed, 1);
	rng_seed(&s.ids, opts->seed, 2);
	batches_init(&s);
	char cursor[16] = "";
	if (rc == SH_DB_OK)
		rc = load(&s);
	if (rc == SH_DB_OK)
		rc = deep_cursor(&s, cursor);
	batches_free(&s);
	if (rc != SH_DB_OK)
		fprintf(stderr, "schoolhub: could not load the bench data (database error: %s)\n",
			sh_conn_last_error(s.conn));
	sh_conn_close(&s.conn);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == SH_DB_OK)
		print_summary(&s, (double)(t1.tv_sec - t0.tv_sec) +
					  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			      cursor, out);
	free(s.members);
	free(s.services);
	return rc == SH_DB_OK ? 0 : -1;
}
