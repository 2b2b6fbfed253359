/*
 * The privacy notice shown at registration (its text is the web app's, in
 * web/src/locales/{fr,nl,en}.json under "privacy", with the same version in
 * web/src/privacy.js: web/tests/privacy-version.test.mjs fails when the two differ).
 *
 * A registration must carry the version it showed (POST /auth/register "privacy_version");
 * any other value, or none, is refused with 422 privacy_not_accepted, so nobody gets an
 * account without having been shown the text in force. The version and the moment are
 * kept on the account (users.privacy_version, privacy_accepted_at) and in the GDPR export.
 *
 * Change the text: give it a new version (the date it takes effect) here and in
 * web/src/privacy.js, and in the tests and scripts that register (grep privacy_version).
 */
#ifndef SCHOOLHUB_USERS_PRIVACY_H
#define SCHOOLHUB_USERS_PRIVACY_H

#include <jansson.h>

#include "schoolhub/store.h"

#define SH_PRIVACY_VERSION "2026-12-09"

/* Records that "user_id" accepted "version" at "now" (inside the registration's transaction). */
enum sh_db_rc sh_user_privacy_accept(struct sh_conn *conn, const char *user_id, const char *version,
				     const char *now);
/* Sets out.privacy = {version, accepted_at}, both null when never accepted (the export). */
enum sh_db_rc sh_user_privacy_export(struct sh_conn *conn, const char *user_id, json_t *out);

#endif
