-- Calendar feeds and volunteer shifts (same shape as migrations/sqlite/0016_calendar_shifts.sql,
-- which explains each table). Issue #14.

-- The SEL pays volunteers: a transaction of kind 'reward' (school account -> member).
ALTER TABLE sel_transactions DROP CONSTRAINT sel_transactions_kind_check;
ALTER TABLE sel_transactions ADD CONSTRAINT sel_transactions_kind_check
    CHECK (kind IN ('opening', 'payment', 'request', 'reversal', 'reward'));

CREATE TABLE calendar_feeds (
    user_id    UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE event_shifts (
    id           UUID PRIMARY KEY,
    event_id     UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    slots        INTEGER NOT NULL CHECK (slots >= 1),
    reward_units INTEGER NOT NULL DEFAULT 0 CHECK (reward_units >= 0),
    volunteers   INTEGER NOT NULL DEFAULT 0 CHECK (volunteers >= 0 AND volunteers <= slots),
    created_by   UUID REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX event_shifts_event ON event_shifts (event_id, starts_at);

CREATE TABLE shift_volunteers (
    shift_id     UUID NOT NULL REFERENCES event_shifts (id) ON DELETE CASCADE,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    attended_at  TIMESTAMPTZ,
    reward_tx_id UUID REFERENCES sel_transactions (id),
    PRIMARY KEY (shift_id, user_id)
);
CREATE INDEX shift_volunteers_user ON shift_volunteers (user_id);
