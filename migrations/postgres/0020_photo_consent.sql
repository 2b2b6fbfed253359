-- Photo consent per child: "yes", "no" or "ask", with who set it and when (same shape as
-- migrations/sqlite/0020_photo_consent.sql, which explains the mapping: an old TRUE was a
-- guardian's explicit yes and stays "yes"; an old FALSE was the untouched default, nobody
-- answered, so it becomes "ask", not "no"). Old rows keep photo_consent_by/_at NULL.
ALTER TABLE children ALTER COLUMN photo_consent DROP DEFAULT;
ALTER TABLE children ALTER COLUMN photo_consent TYPE TEXT
    USING CASE WHEN photo_consent THEN 'yes' ELSE 'ask' END;
ALTER TABLE children ALTER COLUMN photo_consent SET DEFAULT 'ask';
ALTER TABLE children ADD CONSTRAINT children_photo_consent_check
    CHECK (photo_consent IN ('yes', 'no', 'ask'));
ALTER TABLE children ADD COLUMN photo_consent_by UUID REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE children ADD COLUMN photo_consent_at TIMESTAMPTZ;
