-- Conversations and messages (issue #12, module "messages"). Three kinds: a direct
-- conversation between two members (one per pair, "direct_key"), a group with an owner,
-- and one class conversation per class whose members are derived, never stored: the
-- guardians of the class's children and its staff (src/modules/messages/membership_sql.h).
-- The list and a message page must stay fast with millions of messages, so what a list
-- row shows is kept on the conversation by the write path: last_seq (the last message's
-- seq, so unread = last_seq - read_seq), last_activity_at (the order of the list) and
-- members_count (direct and group; a class's is counted from its derived members).
CREATE TABLE conversations (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'class')),
    title            TEXT,
    class_name       TEXT UNIQUE REFERENCES classes (name),
    owner_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    direct_key       TEXT UNIQUE, -- "smaller id:larger id" of a direct conversation's pair
    members_count    INTEGER NOT NULL DEFAULT 0,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_activity_at TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    CHECK ((kind = 'class') = (class_name IS NOT NULL)),
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);
CREATE INDEX conversations_activity ON conversations (last_activity_at, id);

-- The stored members of direct and group conversations.
CREATE TABLE conversation_members (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at       TEXT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id);

-- Each member's own state in a conversation of any kind: the read marker (the highest seq
-- read; it never moves back) and whether they muted it. No row: nothing read, not muted.
CREATE TABLE conversation_reads (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_seq        INTEGER NOT NULL DEFAULT 0,
    muted           INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
    PRIMARY KEY (conversation_id, user_id)
);

-- Messages, numbered 1, 2, 3... per conversation ("seq", from conversations.last_seq).
-- A deleted message is a tombstone: body NULL, deleted_at set, its place in the thread kept.
-- client_id: the author's idempotency key (a retry posts nothing).
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    body            TEXT,
    reply_to        TEXT REFERENCES messages (id) ON DELETE SET NULL,
    client_id       TEXT,
    created_at      TEXT NOT NULL,
    edited_at       TEXT,
    deleted_at      TEXT,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (author_id, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX messages_author ON messages (author_id, created_at);

-- A class conversation's members are derived from children, guardians and staff at query
-- time (src/modules/messages/membership_sql.h); this index finds a class's children.
CREATE INDEX children_class ON children (class_name);

INSERT INTO conversations (id, kind, class_name, last_activity_at, created_at)
SELECT '00000000-0000-4000-8000-00000000c00' || position, 'class', name,
       '2026-12-06T00:00:00Z', '2026-12-06T00:00:00Z'
  FROM classes;
