-- Photo consent per child (issue #15, GDPR): "yes", "no" or "ask" (the teacher asks the
-- guardians before each photo), with the guardian who set it and when.
--
-- Before this, photo_consent was a 0/1 checkbox that started unticked. A 1 is a guardian's
-- explicit yes and stays "yes". A 0 is not a "no": it is what every child got when the
-- box was simply left alone, so nobody actually answered; it becomes "ask", the careful
-- default that still keeps children off photos until their guardians are asked.
-- The old rows do not say who ticked the box or when: photo_consent_by/_at stay NULL.
-- SQLite cannot change a column's type: the old column is renamed, copied, dropped.
ALTER TABLE children RENAME COLUMN photo_consent TO photo_consent_legacy;
ALTER TABLE children ADD COLUMN photo_consent TEXT NOT NULL DEFAULT 'ask'
    CHECK (photo_consent IN ('yes', 'no', 'ask'));
ALTER TABLE children ADD COLUMN photo_consent_by TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE children ADD COLUMN photo_consent_at TEXT;
UPDATE children SET photo_consent = CASE photo_consent_legacy WHEN 1 THEN 'yes' ELSE 'ask' END;
ALTER TABLE children DROP COLUMN photo_consent_legacy;
