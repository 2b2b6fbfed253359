-- SEL (time bank): services, accounts, transactions and their double-entry ledger.
CREATE TABLE sel_services (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    category       TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('offer', 'request')),
    units_per_hour INTEGER NOT NULL DEFAULT 60 CHECK (units_per_hour > 0),
    is_active      INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    search_text    TEXT NOT NULL DEFAULT '', -- folded title + description (sh_text_fold)
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX sel_services_recent ON sel_services (is_active, created_at, id);
CREATE INDEX sel_services_user ON sel_services (user_id);

-- One account per member, plus the system (school) account that issues the opening units
-- (user_id NULL, kind 'system'). balance always equals the sum of the account's entries.
CREATE TABLE sel_accounts (
    id             TEXT PRIMARY KEY,
    user_id        TEXT UNIQUE REFERENCES users (id),
    kind           TEXT NOT NULL CHECK (kind IN ('member', 'system')),
    balance        INTEGER NOT NULL DEFAULT 0,
    total_given    INTEGER NOT NULL DEFAULT 0,
    total_received INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
INSERT INTO sel_accounts (id, user_id, kind, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000000', NULL, 'system', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

-- kind: opening (system -> member), payment (caller pays), request (caller asks, payer
-- accepts), reversal (an admin's counter-transaction of "reverses_id").
CREATE TABLE sel_transactions (
    seq           INTEGER PRIMARY KEY, -- booking order (rowid)
    id            TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('opening', 'payment', 'request', 'reversal')),
    from_account  TEXT NOT NULL REFERENCES sel_accounts (id),
    to_account    TEXT NOT NULL REFERENCES sel_accounts (id),
    from_user_id  TEXT REFERENCES users (id),
    to_user_id    TEXT REFERENCES users (id),
    units         INTEGER NOT NULL CHECK (units > 0),
    description   TEXT NOT NULL DEFAULT '',
    service_id    TEXT REFERENCES sel_services (id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'declined', 'cancelled')),
    created_by    TEXT REFERENCES users (id),
    reverses_id   TEXT REFERENCES sel_transactions (id),
    created_at    TEXT NOT NULL,
    completed_at  TEXT
);
CREATE INDEX sel_transactions_from ON sel_transactions (from_user_id, seq);
CREATE INDEX sel_transactions_to ON sel_transactions (to_user_id, seq);

-- The ledger: two entries per completed transaction (-units for the payer, +units for the
-- payee), never updated or deleted; identified by (transaction_id, account_id).
CREATE TABLE sel_entries (
    seq            INTEGER PRIMARY KEY, -- booking order (rowid)
    transaction_id TEXT NOT NULL REFERENCES sel_transactions (id),
    account_id     TEXT NOT NULL REFERENCES sel_accounts (id),
    amount         INTEGER NOT NULL CHECK (amount <> 0),
    balance_after  INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX sel_entries_account ON sel_entries (account_id, seq);
CREATE UNIQUE INDEX sel_entries_once ON sel_entries (transaction_id, account_id);
-- A transaction is reversed at most once; partial, so ordinary bookings write no entry here.
CREATE UNIQUE INDEX sel_transactions_reversed_once ON sel_transactions (reverses_id)
    WHERE reverses_id IS NOT NULL;

-- Idempotency-Key of POST /transactions: the first answer, replayed for 24 hours.
CREATE TABLE sel_idempotency (
    user_id      TEXT NOT NULL REFERENCES users (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX sel_idempotency_age ON sel_idempotency (created_at);
