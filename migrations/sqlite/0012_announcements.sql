-- Announcements with acknowledgements (issue #12). An announcement goes to the whole school
-- or to chosen classes; its audience of children is frozen when it is published
-- (announcement_children: the children in those classes at that moment, with the class
-- they were in), so the tally stays about the children it was sent for when a child
-- changes class later. Guardians are read live through child_guardians: a co-parent who
-- joins a family later sees what was sent for the child.
CREATE TABLE announcements (
    id               TEXT PRIMARY KEY,
    -- the users row stays as a pseudonym when the author's account is erased
    author_id        TEXT NOT NULL REFERENCES users (id),
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    -- NULL: the whole school; else the classes in school order, comma-separated ("P3,P4")
    audience_classes TEXT,
    requires_ack     INTEGER NOT NULL CHECK (requires_ack IN (0, 1)),
    created_at       TEXT NOT NULL
);
CREATE INDEX announcements_newest ON announcements (created_at, id);
CREATE INDEX announcements_author ON announcements (author_id, created_at);

-- The classes of a class announcement, one row each (its staff is addressed through it).
CREATE TABLE announcement_classes (
    announcement_id TEXT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    class_name      TEXT NOT NULL REFERENCES classes (name),
    PRIMARY KEY (announcement_id, class_name)
);
CREATE INDEX announcement_classes_class ON announcement_classes (class_name);

-- The audience frozen at publication: one row per child, with the class it was in.
-- A child deleted from the school leaves the tally with its data.
CREATE TABLE announcement_children (
    announcement_id TEXT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    child_id        TEXT NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    class_name      TEXT NOT NULL,
    PRIMARY KEY (announcement_id, child_id)
);
CREATE INDEX announcement_children_child ON announcement_children (child_id);

-- "Read and agreed", per child: the first guardian's acknowledgement covers the child for
-- the whole family. user_id becomes NULL when that guardian's account is erased (the
-- family's acknowledgement stays a fact, without the person).
CREATE TABLE announcement_acks (
    announcement_id TEXT NOT NULL,
    child_id        TEXT NOT NULL,
    user_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    acked_at        TEXT NOT NULL,
    PRIMARY KEY (announcement_id, child_id),
    FOREIGN KEY (announcement_id, child_id)
        REFERENCES announcement_children (announcement_id, child_id) ON DELETE CASCADE
);
CREATE INDEX announcement_acks_user ON announcement_acks (user_id);
