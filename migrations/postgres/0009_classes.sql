-- Classes and their staff (same shape as migrations/sqlite/0009_classes.sql). Issue #12:
-- who teaches which class, for class channels and class announcements. The nine classes
-- are fixed rows in school order ("position"), so the staff table, and later the class
-- conversations, can hold a foreign key to them. children.class_name keeps its CHECK (0001).
CREATE TABLE classes (
    name     TEXT PRIMARY KEY CHECK (name IN ('M1','M2','M3','P1','P2','P3','P4','P5','P6')),
    position INTEGER NOT NULL UNIQUE
);
INSERT INTO classes (name, position) VALUES
    ('M1', 1), ('M2', 2), ('M3', 3),
    ('P1', 4), ('P2', 5), ('P3', 6), ('P4', 7), ('P5', 8), ('P6', 9);

-- A class's staff: teachers and admins an admin assigned to it (PUT
-- /api/v1/admin/classes/{name}/staff). Erasing an account deletes its rows (the users row
-- itself stays as a pseudonym, so the cascade is for hard deletes only). Reads ignore a row
-- whose account is no longer an active teacher or admin.
CREATE TABLE class_staff (
    class_name  TEXT NOT NULL REFERENCES classes (name),
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (class_name, user_id)
);
CREATE INDEX class_staff_user ON class_staff (user_id);
