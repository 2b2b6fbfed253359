/* Every SQL statement about users, in one place (portable SQL, $n placeholders). */
#ifndef SCHOOLHUB_USERS_QUERIES_H
#define SCHOOLHUB_USERS_QUERIES_H

#include <jansson.h>
#include <stdbool.h>

#include "schoolhub/arena.h"
#include "schoolhub/http.h"
#include "schoolhub/modules.h"
#include "schoolhub/store.h"
#include "schoolhub/user.h"


/* Convention: SH_DB_ROW = found, SH_DB_OK = no such (active) user, anything else = error. */
enum sh_db_rc sh_user_by_id(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			    struct sh_user *u);
/* The auth gate's read of the account behind a token (modules.h): same row as sh_user_by_id. */
extern const struct sh_account_lookup sh_user_account_lookup;
enum sh_db_rc sh_user_by_email(struct sh_conn *conn, struct sh_arena *arena, const char *email,
			       struct sh_user *u);

/* users.search_name of a member: the words of both names, " first last " (malloc'ed). */
char *sh_user_search_name(const char *first, const char *last);

/* SH_DB_OK, SH_DB_UNIQUE when the email is taken, or an error. */
enum sh_db_rc sh_user_insert(struct sh_conn *conn, const struct sh_user *u, const char *now);
enum sh_db_rc sh_user_update_profile(struct sh_conn *conn, const struct sh_user *u,
				     const char *now);
/* Replaces the password of the live account "checked" only while its hash and token
 * generation are still those read; "*changed_r" is 0 when they changed or it was deleted. */
enum sh_db_rc sh_user_set_password(struct sh_conn *conn, const struct sh_user *checked,
				   const char *hash, const char *now, int64_t *changed_r);
/* Changes the role of the account with "email" (`schoolhub user promote`); SH_DB_OK with
 * "*changed_r" = rows changed. An operator giving a role vouches for the account: one
 * waiting for approval is approved (how the first admin of an approval-mode school gets in). */
enum sh_db_rc sh_user_set_role(struct sh_conn *conn, const char *email, const char *role,
			       const char *now, int64_t *changed_r);
/* Replaces every personal field by a pseudonym and deactivates the account. */
enum sh_db_rc sh_user_erase(struct sh_conn *conn, const char *id, const char *now);

/*
 * A members search: each word typed (sh_search_words) as a prefix range of indexed words,
 * from[i] <= word < to[i] (sh_search_prefix_end). Names are few words: four are enough.
 */
#define SH_USER_SEARCH_WORDS_MAX 4
struct sh_user_search {
	size_t count;
	const char *from[SH_USER_SEARCH_WORDS_MAX], *to[SH_USER_SEARCH_WORDS_MAX];
};

/* Where a directory page ended: whether more rows follow, and then the sort key of the
 * page's last row (arena strings), the next page's cursor. */
struct sh_user_directory_page {
	bool more;
	const char *last_name, *first_name, *id;
};

/*
 * Members directory page: active members who have, for each word of "q" (NULL for all), a
 * word of their first or last name beginning with it, ordered by (last_name, first_name,
 * id), strictly after the cursor position when "after_*" are given. Writes up to "limit"
 * rows as {id, first_name, last_name} into "items" (an open JSON array), straight from
 * the statement: no jansson value per row (a fifth of a search's instructions).
 */
struct sh_jw;
enum sh_db_rc sh_user_directory(struct sh_conn *conn, struct sh_arena *arena,
				const struct sh_user_search *q, const char *after_last,
				const char *after_first, const char *after_id, int limit,
				struct sh_jw *items, struct sh_user_directory_page *page_r);

/* The public JSON shape of a user (no password hash, ever): written (the one list of its
 * members), or as a jansson value for documents that embed it. */
void sh_user_write(struct sh_jw *w, const struct sh_user *u);
json_t *sh_user_to_json(const struct sh_user *u);

#endif
