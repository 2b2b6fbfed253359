-- Conversations and messages (same shape as migrations/sqlite/0011_conversations.sql;
-- issue #12, module "messages"). Three kinds: a direct
-- conversation between two members (one per pair, "direct_key"), a group with an owner,
-- and one class conversation per class whose members are derived, never stored: the
-- guardians of the class's children and its staff (src/modules/messages/membership_sql.h).
-- The list and a message page must stay fast with millions of messages, so what a list
-- row shows is kept on the conversation by the write path: last_seq (the last message's
-- seq, so unread = last_seq - read_seq), last_activity_at (the order of the list) and
-- members_count (direct and group; a class's is counted from its derived members).
CREATE TABLE conversations (
    id               UUID PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'class')),
    title            TEXT,
    class_name       TEXT UNIQUE REFERENCES classes (name),
    owner_id         UUID REFERENCES users (id) ON DELETE SET NULL,
    direct_key       TEXT UNIQUE, -- "smaller id:larger id" of a direct conversation's pair
    members_count    BIGINT NOT NULL DEFAULT 0,
    last_seq         BIGINT NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'class') = (class_name IS NOT NULL)),
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);
CREATE INDEX conversations_activity ON conversations (last_activity_at, id);

-- The stored members of direct and group conversations.
CREATE TABLE conversation_members (
    conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id);

-- Each member's own state in a conversation of any kind: the read marker (the highest seq
-- read; it never moves back) and whether they muted it. No row: nothing read, not muted.
CREATE TABLE conversation_reads (
    conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_seq        BIGINT NOT NULL DEFAULT 0,
    muted           BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (conversation_id, user_id)
);

-- Messages, numbered 1, 2, 3... per conversation ("seq", from conversations.last_seq).
-- A deleted message is a tombstone: body NULL, deleted_at set, its place in the thread kept.
-- client_id: the author's idempotency key (a retry posts nothing).
CREATE TABLE messages (
    id              UUID PRIMARY KEY,
    conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    author_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    body            TEXT,
    reply_to        UUID REFERENCES messages (id) ON DELETE SET NULL,
    client_id       TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    edited_at       TIMESTAMPTZ,
    deleted_at      TIMESTAMPTZ,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (author_id, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX messages_author ON messages (author_id, created_at);

-- A class conversation's members are derived from children, guardians and staff at query
-- time (src/modules/messages/membership_sql.h); this index finds a class's children.
CREATE INDEX children_class ON children (class_name);

INSERT INTO conversations (id, kind, class_name, last_activity_at, created_at)
SELECT CAST('00000000-0000-4000-8000-00000000c00' || position AS UUID), 'class', name,
       TIMESTAMPTZ '2026-12-06T00:00:00Z', TIMESTAMPTZ '2026-12-06T00:00:00Z'
  FROM classes;
