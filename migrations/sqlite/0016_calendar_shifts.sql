-- Calendar feeds and volunteer shifts (issue #14).

-- The SEL pays volunteers: a transaction of kind 'reward' (school account -> member).
-- SQLite cannot change a CHECK in place, and rebuilding sel_transactions is impossible
-- inside the migration's transaction with foreign keys on (sel_entries and reverses_id
-- point at it). The CHECK only grows a value that no row holds yet, which is the case
-- SQLite documents for editing the stored definition (lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes"); RESET makes this connection read it again, and the
-- CREATE TABLEs below change the schema cookie so every other connection does too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'CHECK (kind IN (''opening'', ''payment'', ''request'', ''reversal''))',
                          'CHECK (kind IN (''opening'', ''payment'', ''request'', ''reversal'', ''reward''))')
 WHERE type = 'table' AND name = 'sel_transactions';
PRAGMA writable_schema = RESET;

-- A member's private calendar feed (GET /ical/{token}.ics): the token is shown once and
-- only its keyed hash is kept (sh_token_hash). One feed per member; a new one replaces it.
CREATE TABLE calendar_feeds (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Volunteer shifts of an event. "volunteers" counts the rows of shift_volunteers, kept by
-- the statements that add and remove one: the CHECK makes a full shift refuse the next
-- volunteer whatever the concurrency.
CREATE TABLE event_shifts (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    slots        INTEGER NOT NULL CHECK (slots >= 1),
    reward_units INTEGER NOT NULL DEFAULT 0 CHECK (reward_units >= 0),
    volunteers   INTEGER NOT NULL DEFAULT 0 CHECK (volunteers >= 0 AND volunteers <= slots),
    created_by   TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX event_shifts_event ON event_shifts (event_id, starts_at);

-- Who signed up for a shift; attended_at and reward_tx_id once the organiser confirms
-- (the reward is booked in the same transaction, once: the row holds its transaction).
CREATE TABLE shift_volunteers (
    shift_id     TEXT NOT NULL REFERENCES event_shifts (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    attended_at  TEXT,
    reward_tx_id TEXT REFERENCES sel_transactions (id),
    PRIMARY KEY (shift_id, user_id)
);
CREATE INDEX shift_volunteers_user ON shift_volunteers (user_id);
