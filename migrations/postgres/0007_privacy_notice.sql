-- The privacy notice a member accepted at registration (issue #11): its version (the date
-- of the text, SH_PRIVACY_VERSION in src/modules/users/privacy.h) and when. NULL for
-- accounts made before the notice existed and for those the seeders or the command line
-- create: nobody showed them the notice.
ALTER TABLE users ADD COLUMN privacy_version TEXT;
ALTER TABLE users ADD COLUMN privacy_accepted_at TIMESTAMPTZ;
