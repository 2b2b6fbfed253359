// Which answers of the member routes the admin's member page explains in its own words rather
// than with the server's problem title: 409 last_admin (the change would leave the school
// without an active admin) says what to do instead. Pure, so node --test can check it.

/** The text key explaining "err", or null for the generic message (errorMessage). */
export function memberProblemKey(err) {
  if (err && err.status === 409 && err.code === 'last_admin') return 'admin.member.lastAdmin';
  return null;
}
