-- member_events without its foreign key to users (same change as
-- migrations/sqlite/0024_member_events_no_fk.sql, which explains why).
ALTER TABLE member_events DROP CONSTRAINT member_events_user_id_fkey;
