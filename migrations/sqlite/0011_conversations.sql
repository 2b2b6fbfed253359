-- Conversations and messages (issue #12, module "messages"). Three kinds: a direct
-- conversation between two members (one per pair, "direct_key"), a group with an owner,
-- and one class conversation per class whose members are derived, never stored: the
-- guardians of the class's children and its staff (view conversation_membership).
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

-- Every member of every conversation: stored ones, and a class's derived ones (guardians
-- of its children, its staff while they are active teachers or admins). Derived at query
-- time, so a child's class change, a new guardian or new staff are members at once, in the
-- transaction that made them so, with no copy to keep in step.
CREATE VIEW conversation_membership AS
    SELECT m.conversation_id, m.user_id, 'member' AS member_role
      FROM conversation_members m
    UNION
    SELECT c.id, g.user_id, 'guardian'
      FROM conversations c
      JOIN children ch ON ch.class_name = c.class_name
      JOIN child_guardians g ON g.child_id = ch.id
      JOIN users u ON u.id = g.user_id
     WHERE u.active AND u.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM class_staff s2 JOIN users u2 ON u2.id = s2.user_id
                        WHERE s2.class_name = c.class_name AND s2.user_id = g.user_id
                          AND u2.active AND u2.deleted_at IS NULL
                          AND u2.role IN ('teacher', 'admin'))
    UNION
    SELECT c.id, s.user_id, 'staff'
      FROM conversations c
      JOIN class_staff s ON s.class_name = c.class_name
      JOIN users u ON u.id = s.user_id
     WHERE u.active AND u.deleted_at IS NULL AND u.role IN ('teacher', 'admin');

CREATE INDEX children_class ON children (class_name);

INSERT INTO conversations (id, kind, class_name, last_activity_at, created_at)
SELECT '00000000-0000-4000-8000-00000000c00' || position, 'class', name,
       '2026-12-06T00:00:00Z', '2026-12-06T00:00:00Z'
  FROM classes;
