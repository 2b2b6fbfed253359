/*
 * Children and families per class (the definition is above sh_class_counts_read in
 * class_queries.h).
 *
 * Why in C and not in SQL: a family is a connected component of the graph of children
 * and guardians, which SQL can only find with a recursive query whose cost and syntax
 * differ between SQLite and PostgreSQL. Here it is one pass over the guardian links
 * sorted by guardian, joining the children each guardian links (union-find on the
 * children's positions), then one pass over the children. A school of a few hundred
 * children is a few hundred rows; memory is three small arrays in the request's arena.
 */
#include "modules/classes/class_queries.h"

#include <stdio.h>
#include <string.h>

#include "schoolhub/util.h"

struct families {
	int64_t n;      /* children */
	int64_t *parent; /* union-find over children's positions */
	int *class_of;   /* index in sh_class_names, -1 until the child is seen */
};

static int64_t find(struct families *f, int64_t x)
{
	while (f->parent[x] != x) {
		f->parent[x] = f->parent[f->parent[x]]; /* path halving keeps the trees flat */
		x = f->parent[x];
	}
	return x;
}

static void join(struct families *f, int64_t a, int64_t b)
{
	a = find(f, a);
	b = find(f, b);
	if (a != b)
		f->parent[a < b ? b : a] = a < b ? a : b;
}

/*
 * Reads every (child, guardian) link, children numbered 0..n-1 by id (a child without
 * guardian comes once, with a NULL guardian), sorted by guardian: consecutive rows of one
 * guardian join their children into one family.
 */
static enum sh_db_rc read_links(struct sh_conn *conn, struct families *f)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT DENSE_RANK() OVER (ORDER BY c.id) - 1, c.class_name, g.user_id "
		"FROM children c LEFT JOIN child_guardians g ON g.child_id = c.id "
		"WHERE c.left_at IS NULL ORDER BY g.user_id, c.id",
		SH_ARGS());
	char previous_guardian[SH_UUID_LEN + 1] = "";
	int64_t previous_child = -1;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int64_t child = sh_stmt_col_int64(st, 0);
		int class_index = sh_class_index(sh_stmt_col_text(st, 1));
		const char *guardian = sh_stmt_col_text(st, 2);
		if (child < 0 || child >= f->n || class_index < 0) {
			rc = SH_DB_ERROR; /* not the snapshot the count came from, or a bad row */
			break;
		}
		f->class_of[child] = class_index;
		if (guardian == NULL) {
			previous_guardian[0] = '\0';
			continue;
		}
		if (previous_child >= 0 && strcmp(guardian, previous_guardian) == 0)
			join(f, previous_child, child);
		snprintf(previous_guardian, sizeof(previous_guardian), "%s", guardian);
		previous_child = child;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_class_counts_read(struct sh_conn *conn, struct sh_arena *arena,
				   int64_t children[SH_CLASS_COUNT],
				   int64_t families[SH_CLASS_COUNT])
{
	memset(children, 0, sizeof(*children) * SH_CLASS_COUNT);
	memset(families, 0, sizeof(*families) * SH_CLASS_COUNT);
	struct families f = {0};
	enum sh_db_rc rc = sh_query_int64(conn, "SELECT COUNT(*) FROM children WHERE left_at IS NULL",
					  SH_ARGS(), &f.n);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc; /* COUNT always returns a row */
	if (f.n == 0)
		return SH_DB_OK;
	f.parent = sh_arena_alloc(arena, sizeof(*f.parent) * (size_t)f.n);
	f.class_of = sh_arena_alloc(arena, sizeof(*f.class_of) * (size_t)f.n);
	for (int64_t i = 0; i < f.n; i++) {
		f.parent[i] = i;
		f.class_of[i] = -1;
	}
	if ((rc = read_links(conn, &f)) != SH_DB_OK)
		return rc;
	/* Each family counts once per class it has a child in. */
	sh_class_set *counted = sh_arena_alloc(arena, sizeof(*counted) * (size_t)f.n);
	for (int64_t i = 0; i < f.n; i++) {
		int c = f.class_of[i];
		if (c < 0)
			return SH_DB_ERROR; /* a child the link query did not return */
		children[c]++;
		int64_t root = find(&f, i);
		if ((counted[root] & SH_CLASS_BIT(c)) == 0) {
			counted[root] |= SH_CLASS_BIT(c);
			families[c]++;
		}
	}
	return SH_DB_OK;
}
