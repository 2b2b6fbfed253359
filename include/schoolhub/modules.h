/*
 * Product modules. Each module contributes one route table; SCHOOLHUB_MODULES
 * chooses which are enabled (a disabled module's routes answer 404).
 */
#ifndef SCHOOLHUB_MODULES_H
#define SCHOOLHUB_MODULES_H

#include <stddef.h>

#include "schoolhub/http.h"

enum sh_module_id {
	SH_MODULE_AUTH = 1u << 0,
	SH_MODULE_USERS = 1u << 1,
	SH_MODULE_CHILDREN = 1u << 2,
	SH_MODULE_SEL = 1u << 3,
};

/*
 * Hooks a module offers to the account lifecycle (both optional):
 * - export_part adds the module's data about "user_id" under its own key of "out"
 *   (GDPR art. 15/20). Returns SH_DB_OK or a store error.
 * - erase_user runs inside the account-deletion transaction: delete what is personal,
 *   pseudonymise what other members still need. Returns SH_DB_OK or a store error.
 */
typedef enum sh_db_rc sh_export_fn(struct sh_conn *conn, const char *user_id, json_t *out);
typedef enum sh_db_rc sh_erase_fn(struct sh_conn *conn, const char *user_id, const char *now);
/*
 * The auth gate (src/http) reads the account behind a token on every request through
 * this hook, which the module that owns accounts (users) supplies: the HTTP layer knows
 * this registry, never a module's own files. SH_DB_ROW with "*u" (strings in "arena")
 * when "id" is an active account, SH_DB_OK when there is none (deleted, deactivated), or
 * a store error.
 */
typedef enum sh_db_rc sh_account_fn(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				    struct sh_user *u);

struct sh_module {
	const char *name;
	enum sh_module_id id;
	const struct sh_route *routes;
	size_t route_count;
	sh_export_fn *export_part;
	sh_erase_fn *erase_user;
	sh_account_fn *load_account; /* one module only (users); see sh_account_fn */
};

/* Every module built into this binary, in a stable order. */
extern const struct sh_module *const sh_modules[];
extern const size_t sh_module_count;

/* Parses a comma list of module names into a mask; -1 with "*error_r" for an unknown name. */
int sh_modules_parse(const char *list, unsigned *mask_r, char **error_r);
unsigned sh_modules_all(void);
/* The load_account hook of the module that supplies it (enabled or not: the gate needs
 * accounts whatever SCHOOLHUB_MODULES says), or NULL. */
sh_account_fn *sh_modules_account_loader(void);

/* Route tables, one per module (defined in src/modules/<name>/). */
extern const struct sh_module sh_module_auth;
extern const struct sh_module sh_module_users;
extern const struct sh_module sh_module_children;
extern const struct sh_module sh_module_sel;

#endif
