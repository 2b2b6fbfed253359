/* Every SQL statement about children and their guardians. */
#ifndef SCHOOLHUB_CHILDREN_QUERIES_H
#define SCHOOLHUB_CHILDREN_QUERIES_H

#include <jansson.h>
#include <stdbool.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* The three answers a guardian can give about photos of their child; "ask" (the teacher
 * asks before each photo) is the default until a guardian answers. */
bool sh_photo_consent_valid(const char *value);

struct sh_child {
	const char *id, *first_name, *last_name, *class_name, *birth_date;
	const char *photo_consent;    /* "yes", "no" or "ask" */
	const char *photo_consent_by; /* the guardian who set it, NULL when nobody has */
	const char *photo_consent_at; /* when, NULL when nobody has */
};

/*
 * The children "guardian_id" is a guardian of, as child JSON objects with their guardians
 * and photo consent (photo_consent, photo_consent_by {id, first_name, last_name} or null,
 * photo_consent_at)
 * (only "child_id" when not NULL). Authorization lives in the query itself: a child the
 * caller does not guard is simply not there.
 */
enum sh_db_rc sh_children_of_guardian(struct sh_conn *conn, const char *guardian_id,
				      const char *child_id, json_t *items);

enum sh_db_rc sh_child_insert(struct sh_conn *conn, const struct sh_child *c, const char *now);
enum sh_db_rc sh_child_update(struct sh_conn *conn, const struct sh_child *c, const char *now);
enum sh_db_rc sh_child_delete(struct sh_conn *conn, const char *child_id);

/* SH_DB_OK, SH_DB_UNIQUE when already a guardian, or an error. */
enum sh_db_rc sh_guardian_insert(struct sh_conn *conn, const char *child_id, const char *user_id,
				 const char *relationship, const char *now);
enum sh_db_rc sh_guardian_delete(struct sh_conn *conn, const char *child_id, const char *user_id,
				 int64_t *changed_r);
enum sh_db_rc sh_guardian_count(struct sh_conn *conn, const char *child_id, int64_t *count_r);
/* SH_DB_ROW when "child_id" left the school (archived by the school-year rollover). */
enum sh_db_rc sh_child_left(struct sh_conn *conn, const char *child_id);
/* SH_DB_ROW when "user_id" guards "child_id". */
enum sh_db_rc sh_guardian_exists(struct sh_conn *conn, const char *child_id, const char *user_id);

/*
 * The e-mail address of "co_parent_id" when that active member guards a child "user_id"
 * guards too (SH_DB_ROW, "*email_r" in "arena"); SH_DB_OK when they share no child. Lets a
 * parent invite the family's known co-parent to another child without typing the address.
 */
enum sh_db_rc sh_co_parent_email(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
				 const char *co_parent_id, const char **email_r);

/* Account deletion: children with no other guardian go, then every link of the user. */
enum sh_db_rc sh_children_erase_guardian(struct sh_conn *conn, const char *user_id);

#endif
