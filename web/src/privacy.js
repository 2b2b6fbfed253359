// The version of the privacy notice this app shows (its text: views/privacy/locales/*.json,
// rendered by views/privacy/PrivacyView.vue, a chunk of its own). A registration sends it and
// the server accepts only the version in force, SH_PRIVACY_VERSION in
// src/modules/users/privacy.h; web/tests/privacy-version.test.mjs fails when they differ.
// Change the text: change this date, and the server's, in the same commit.
export const PRIVACY_VERSION = '2026-12-09';
