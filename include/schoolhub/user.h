/* A member account as the modules see it (strings owned by the request arena). */
#ifndef SCHOOLHUB_USER_H
#define SCHOOLHUB_USER_H

#include <stdbool.h>
#include <stdint.h>

struct sh_user {
	const char *id, *email, *password_hash, *first_name, *last_name, *phone, *locale, *role,
		*created_at;
	int64_t token_generation; /* see users.token_generation */
	bool is_verified;         /* the holder proved the address (users.is_verified) */
	bool pending_approval;    /* registered under SCHOOLHUB_REGISTRATION=approval, not yet
				   * approved: reaches only its profile (users.pending_approval) */
};

#endif
