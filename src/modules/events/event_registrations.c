/*
 * Registrations, the capacity and the waiting list. Every change runs in one write
 * transaction that first locks the event row (sh_event_lock: SELECT … FOR UPDATE on
 * PostgreSQL, where the transaction is READ COMMITTED so the waiter then reads what the
 * one before it committed; BEGIN IMMEDIATE on SQLite, where writers already run one at a
 * time). Under that lock:
 * - a new registration takes the next "arrival" number of the event, and is confirmed if
 *   all its people fit in the seats left, else it waits;
 * - the seats are counted on the event row by the same statements, with the limit in the
 *   UPDATE's WHERE and a CHECK in the table: an overbooking cannot be written at all;
 * - whatever frees seats (a withdrawal, a smaller party, a larger capacity) promotes the
 *   waiting registrations in arrival order, each only if it fits whole, in the same
 *   transaction, and tells each promoted member.
 * So 50 sign-ups at once for 10 places give 10 confirmed and 40 waiting, 1 to 40.
 */
#include <string.h>

#include "modules/events/events.h"

/* Takes "seats" more on the locked event if they fit: "*fits_r". */
static enum sh_db_rc take_seats(struct sh_conn *conn, const char *event_id, int64_t seats,
				bool *fits_r)
{
	int64_t changed = 0;
	enum sh_db_rc rc = sh_exec(conn,
				   "UPDATE events SET seats_taken = seats_taken + $2 WHERE id = $1 "
				   "AND (capacity IS NULL OR seats_taken + $2 <= capacity)",
				   SH_ARGS(SH_TEXT(event_id), SH_INT(seats)), &changed);
	*fits_r = rc == SH_DB_OK && changed == 1;
	return rc;
}

static enum sh_db_rc free_seats(struct sh_conn *conn, const char *event_id, int64_t seats)
{
	return sh_exec(conn, "UPDATE events SET seats_taken = seats_taken - $2 WHERE id = $1",
		       SH_ARGS(SH_TEXT(event_id), SH_INT(seats)), NULL);
}

/* The place of a waiting registration: how many wait with an arrival up to its own. */
static enum sh_db_rc position_of(struct sh_conn *conn, const char *event_id, const char *user_id,
				 int64_t *position_r)
{
	return sh_query_int64(
		conn,
		"SELECT COUNT(*) FROM event_registrations w JOIN event_registrations r "
		"ON r.event_id = w.event_id WHERE r.event_id = $1 AND r.user_id = $2 "
		"AND r.status = 'waiting' AND w.status = 'waiting' "
		"AND w.arrival <= r.arrival",
		SH_ARGS(SH_TEXT(event_id), SH_TEXT(user_id)), position_r);
}

/* The event may take sign-ups now: the outcome that refuses them, or REG_DONE. */
static enum sh_reg_outcome open_for_signup(const struct sh_event_lock *l, time_t now)
{
	if (!l->visible)
		return REG_NOT_FOUND;
	if (strcmp(l->status, "cancelled") == 0)
		return REG_CANCELLED;
	if (strcmp(l->status, "published") != 0 || strcmp(l->signup, "family") != 0)
		return REG_NOT_OPEN;
	if (now >= l->starts || (l->deadline != 0 && now > l->deadline))
		return REG_CLOSED;
	return REG_DONE;
}

/* Locks the event and checks it takes sign-ups; SH_DB_OK with r->outcome set. */
static enum sh_db_rc lock_open(struct sh_conn *conn, const struct sh_reg_ctx *c,
			       const struct sh_event_viewer *v, const char *event_id,
			       struct sh_event_lock *l, struct sh_reg_result *r)
{
	enum sh_db_rc rc = sh_event_lock(conn, c->arena, v, event_id, l);
	if (rc == SH_DB_OK) {
		r->outcome = REG_NOT_FOUND;
		return SH_DB_OK;
	}
	if (rc != SH_DB_ROW)
		return rc;
	r->outcome = open_for_signup(l, c->now_t);
	return SH_DB_OK;
}

static enum sh_db_rc finish(struct sh_conn *conn, const char *event_id, const char *user_id,
			    struct sh_reg_result *r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT status, adults, children FROM event_registrations "
					"WHERE event_id = $1 AND user_id = $2",
					SH_ARGS(SH_TEXT(event_id), SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		r->status = strcmp(sh_stmt_col_text(st, 0), "confirmed") == 0 ? "confirmed" :
										"waiting";
		r->adults = sh_stmt_col_int64(st, 1);
		r->children = sh_stmt_col_int64(st, 2);
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc; /* written just before: must be there */
	r->position = 0;
	r->outcome = REG_DONE;
	if (r->status[0] != 'w')
		return SH_DB_OK;
	rc = position_of(conn, event_id, user_id, &r->position);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

enum sh_db_rc sh_reg_create(struct sh_conn *conn, const struct sh_reg_ctx *c,
			    const struct sh_event_viewer *v, const char *event_id, int64_t adults,
			    int64_t children, struct sh_reg_result *r)
{
	struct sh_event_lock l;
	enum sh_db_rc rc = lock_open(conn, c, v, event_id, &l, r);
	if (rc != SH_DB_OK || r->outcome != REG_DONE)
		return rc;
	int64_t mine = 0;
	rc = sh_query_int64(conn,
			    "SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 "
			    "AND user_id = $2",
			    SH_ARGS(SH_TEXT(event_id), SH_TEXT(v->id)), &mine);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	if (mine > 0) {
		r->outcome = REG_ALREADY;
		return SH_DB_OK;
	}
	bool fits;
	rc = take_seats(conn, event_id, adults + children, &fits);
	if (rc != SH_DB_OK)
		return rc;
	/* The next arrival number: safe to read then write, the event is locked. */
	int64_t arrival = 0;
	rc = sh_query_int64(conn,
			    "SELECT COALESCE(MAX(arrival), 0) + 1 FROM event_registrations "
			    "WHERE event_id = $1",
			    SH_ARGS(SH_TEXT(event_id)), &arrival);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	char id[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	rc = sh_exec(
		conn,
		"INSERT INTO event_registrations (id, event_id, user_id, adults, children, "
		" status, arrival, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		" $8, $8)",
		SH_ARGS(SH_TEXT(id), SH_TEXT(event_id), SH_TEXT(v->id), SH_INT(adults),
			SH_INT(children), SH_TEXT(fits ? "confirmed" : "waiting"), SH_INT(arrival),
			SH_TEXT(c->now)),
		NULL);
	return rc == SH_DB_OK ? finish(conn, event_id, v->id, r) : rc;
}

/* The caller's registration on the locked event: SH_DB_ROW with its status and size. */
static enum sh_db_rc my_registration(struct sh_conn *conn, const char *event_id,
				     const char *user_id, bool *confirmed_r, int64_t *seats_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT status, adults + children FROM event_registrations "
					"WHERE event_id = $1 AND user_id = $2",
					SH_ARGS(SH_TEXT(event_id), SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		*confirmed_r = strcmp(sh_stmt_col_text(st, 0), "confirmed") == 0;
		*seats_r = sh_stmt_col_int64(st, 1);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_reg_change(struct sh_conn *conn, const struct sh_reg_ctx *c,
			    const struct sh_event_viewer *v, const char *event_id, int64_t adults,
			    int64_t children, struct sh_reg_result *r)
{
	struct sh_event_lock l;
	enum sh_db_rc rc = lock_open(conn, c, v, event_id, &l, r);
	if (rc != SH_DB_OK || r->outcome != REG_DONE)
		return rc;
	bool confirmed;
	int64_t seats;
	rc = my_registration(conn, event_id, v->id, &confirmed, &seats);
	if (rc != SH_DB_ROW) {
		r->outcome = REG_NOT_FOUND;
		return rc;
	}
	rc = SH_DB_OK;
	int64_t delta = adults + children - seats;
	if (confirmed && delta > 0) {
		bool fits;
		rc = take_seats(conn, event_id, delta, &fits);
		if (rc == SH_DB_OK && !fits)
			r->outcome = REG_NO_SEATS; /* it stays as it was */
		if (rc != SH_DB_OK || !fits)
			return rc;
	} else if (confirmed && delta < 0) {
		rc = free_seats(conn, event_id, -delta);
	}
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "UPDATE event_registrations SET adults = $3, children = $4, "
			     "updated_at = $5 WHERE event_id = $1 AND user_id = $2",
			     SH_ARGS(SH_TEXT(event_id), SH_TEXT(v->id), SH_INT(adults),
				     SH_INT(children), SH_TEXT(c->now)),
			     NULL);
	/* Fewer people confirmed, or a smaller party waiting: either may let someone in. */
	if (rc == SH_DB_OK && delta < 0)
		rc = sh_reg_promote(conn, c, event_id);
	return rc == SH_DB_OK ? finish(conn, event_id, v->id, r) : rc;
}

enum sh_db_rc sh_reg_withdraw(struct sh_conn *conn, const struct sh_reg_ctx *c,
			      const struct sh_event_viewer *v, const char *event_id,
			      struct sh_reg_result *r)
{
	struct sh_event_lock l;
	enum sh_db_rc rc = sh_event_lock(conn, c->arena, v, event_id, &l);
	if (rc != SH_DB_ROW || !l.visible) {
		r->outcome = REG_NOT_FOUND;
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	/* Withdrawing stays possible after the deadline (a family that cannot come should
	 * free its seats), until the event starts. */
	r->outcome = strcmp(l.status, "cancelled") == 0 ? REG_CANCELLED :
		     c->now_t >= l.starts		? REG_CLOSED :
							  REG_DONE;
	if (r->outcome != REG_DONE)
		return SH_DB_OK;
	bool confirmed;
	int64_t seats;
	rc = my_registration(conn, event_id, v->id, &confirmed, &seats);
	if (rc != SH_DB_ROW) {
		r->outcome = REG_NOT_FOUND;
		return rc;
	}
	rc = sh_exec(conn, "DELETE FROM event_registrations WHERE event_id = $1 AND user_id = $2",
		     SH_ARGS(SH_TEXT(event_id), SH_TEXT(v->id)), NULL);
	if (rc == SH_DB_OK && confirmed)
		rc = free_seats(conn, event_id, seats);
	if (rc == SH_DB_OK && confirmed)
		rc = sh_reg_promote(conn, c, event_id);
	return rc;
}

struct waiting {
	const char *id;
	int64_t seats;
};

enum sh_db_rc sh_reg_promote(struct sh_conn *conn, const struct sh_reg_ctx *c, const char *event_id)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT capacity, seats_taken FROM events WHERE id = $1",
					SH_ARGS(SH_TEXT(event_id)), &st);
	int64_t left = 0;
	bool unlimited = false;
	if (rc == SH_DB_ROW) {
		unlimited = sh_stmt_col_is_null(st, 0);
		left = unlimited ? 0 : sh_stmt_col_int64(st, 0) - sh_stmt_col_int64(st, 1);
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	/* The queue is read whole first: every waiting party is considered in order. */
	struct waiting *queue = NULL;
	size_t n = 0, cap = 0;
	st = sh_query(conn,
		      "SELECT id, adults + children FROM event_registrations WHERE event_id = $1 "
		      "AND status = 'waiting' ORDER BY arrival",
		      SH_ARGS(SH_TEXT(event_id)));
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct waiting *bigger = sh_arena_alloc(c->arena, cap * sizeof(*queue));
			if (n > 0)
				memcpy(bigger, queue, n * sizeof(*queue));
			queue = bigger;
		}
		queue[n].id = sh_arena_strdup(c->arena, sh_stmt_col_text(st, 0));
		queue[n++].seats = sh_stmt_col_int64(st, 1);
	}
	sh_stmt_free(&st);
	for (size_t i = 0; rc == SH_DB_OK && i < n && (unlimited || left > 0); i++) {
		if (!unlimited && queue[i].seats > left)
			continue; /* too big for what is left; a smaller one behind may fit */
		bool fits;
		rc = take_seats(conn, event_id, queue[i].seats, &fits);
		if (rc == SH_DB_OK && !fits)
			rc = SH_DB_ERROR; /* counted under the lock: cannot happen */
		if (rc == SH_DB_OK)
			rc = sh_exec(conn,
				     "UPDATE event_registrations SET status = 'confirmed', "
				     "updated_at = $2 WHERE id = $1",
				     SH_ARGS(SH_TEXT(queue[i].id), SH_TEXT(c->now)), NULL);
		if (rc == SH_DB_OK)
			rc = sh_events_notify_promoted(c->app, conn, c->arena, queue[i].id);
		left -= queue[i].seats;
	}
	return rc;
}

enum sh_db_rc sh_reg_list(struct sh_conn *conn, struct sh_arena *arena, const char *event_id,
			  struct sh_reg_row **rows_r, size_t *count_r)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT r.id, CASE WHEN u.deleted_at IS NULL THEN u.id END, u.first_name, "
		" u.last_name, u.email, r.status, r.created_at, r.adults, r.children, "
		" CASE WHEN r.status = 'waiting' THEN (SELECT COUNT(*) FROM event_registrations w "
		"  WHERE w.event_id = r.event_id AND w.status = 'waiting' AND w.arrival <= r.arrival) "
		" END FROM event_registrations r LEFT JOIN users u ON u.id = r.user_id "
		"WHERE r.event_id = $1 ORDER BY r.status, r.arrival",
		SH_ARGS(SH_TEXT(event_id)));
	struct sh_reg_row *rows = NULL;
	size_t n = 0, cap = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			struct sh_reg_row *bigger = sh_arena_alloc(arena, cap * sizeof(*rows));
			if (n > 0)
				memcpy(bigger, rows, n * sizeof(*rows));
			rows = bigger;
		}
		struct sh_reg_row *row = &rows[n++];
		row->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		bool member = !sh_stmt_col_is_null(st, 1);
		row->user_id = member ? sh_arena_strdup(arena, sh_stmt_col_text(st, 1)) : NULL;
		row->first_name = member ? sh_arena_strdup(arena, sh_stmt_col_text(st, 2)) : NULL;
		row->last_name = member ? sh_arena_strdup(arena, sh_stmt_col_text(st, 3)) : NULL;
		row->email = member ? sh_arena_strdup(arena, sh_stmt_col_text(st, 4)) : NULL;
		row->status = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
		row->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 6));
		row->adults = sh_stmt_col_int64(st, 7);
		row->children = sh_stmt_col_int64(st, 8);
		row->position = sh_stmt_col_is_null(st, 9) ? 0 : sh_stmt_col_int64(st, 9);
	}
	sh_stmt_free(&st);
	*rows_r = rows;
	*count_r = n;
	return rc;
}
