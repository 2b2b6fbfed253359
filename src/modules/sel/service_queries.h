/* Every SQL statement about SEL services (offers and requests). Lookups answer SH_DB_ROW
 * when found and SH_DB_OK when there is none (store.h). */
#ifndef SCHOOLHUB_SEL_SERVICE_QUERIES_H
#define SCHOOLHUB_SEL_SERVICE_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"
#include "modules/sel/service_search.h"

/* One row of sel_services as the handlers write it. Ids are lower-case UUID text. */
struct sh_sel_service {
	const char *id, *user_id, *title, *description, *category, *kind;
	int64_t units_per_hour;
	bool is_active;
};

/*
 * Reads one service (active or not) into "s", its strings copied into "arena".
 * SH_DB_ROW when found, SH_DB_OK when there is no such service, or an error.
 */
enum sh_db_rc sh_sel_service_load(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  struct sh_sel_service *s);

/*
 * The service as the API shows it, with its owner's names; a deleted owner is shown as
 * {first_name: "former_member", last_name: ""}. SH_DB_ROW with "*service_r" (the caller's
 * reference), SH_DB_OK and NULL when there is no such service.
 */
enum sh_db_rc sh_sel_service_json(struct sh_conn *conn, const char *id,
				  const char *former_member, json_t **service_r);

/* Search of active services of active members, newest first (created_at DESC, id DESC). */
struct sh_sel_service_filter {
	struct sh_sel_search_word words[SH_SEL_SEARCH_WORDS_MAX]; /* each must match */
	size_t n_words;         /* 0: no search, or a q without words (see "searched") */
	bool searched;          /* a q not blank was given */
	const char *category;   /* or NULL */
	const char *kind;       /* or NULL */
	const char *user_id;    /* or NULL */
	bool with_withdrawn;    /* withdrawn services too (a member's own list) */
	const char *after_time; /* keyset cursor: the last row served, or both NULL */
	const char *after_id;
};
struct sh_sel_services_page {
	int count;                /* services written */
	bool more;                /* another page follows */
	char last_created_at[32]; /* a full page's last row: the next page's cursor */
	char last_id[37];
};
/* Writes up to "limit" service objects as values of the array the caller opened in
 * "items". */
struct sh_jw;
enum sh_db_rc sh_sel_services_search(struct sh_conn *conn, struct sh_arena *arena,
				     const struct sh_sel_service_filter *f, int limit,
				     const char *former_member, struct sh_jw *items,
				     struct sh_sel_services_page *page_r);

/* What the directory's "q" searches: sel_services.search_text, the words of the title and
 * description (sh_search_text; malloc'ed). */
char *sh_sel_service_search_text(const char *title, const char *description);

/* Writes; "search_text" is sh_sel_service_search_text() of the title and description. */
enum sh_db_rc sh_sel_service_insert(struct sh_conn *conn, const struct sh_sel_service *s,
				    const char *search_text, const char *now);
enum sh_db_rc sh_sel_service_update(struct sh_conn *conn, const struct sh_sel_service *s,
				    const char *search_text, const char *now);
enum sh_db_rc sh_sel_service_set_active(struct sh_conn *conn, const char *id, bool active,
					const char *now);

#endif
