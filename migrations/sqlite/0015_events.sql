-- School events with sign-ups, capacity and a waiting list (issue #14). Times are RFC 3339
-- UTC text like every other table; the API takes and gives them with an offset.
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    location        TEXT NOT NULL DEFAULT '',
    starts_at       TEXT NOT NULL,
    -- NULL: no announced end (an all-day event without an end lasts its day)
    ends_at         TEXT,
    -- all-day: starts_at and ends_at are the local (Europe/Brussels) midnights of the
    -- first day and of the day after the last, stored in UTC like any other time
    all_day         INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1)),
    -- proposed (by a parent, seen by the proposer and admins) → published → cancelled
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'published', 'cancelled')),
    -- iCalendar SEQUENCE: grows on each change of time, and at cancellation
    sequence        INTEGER NOT NULL DEFAULT 0,
    -- the users row stays as a pseudonym when the organiser's account is erased
    organiser_id    TEXT NOT NULL REFERENCES users (id),
    -- 'school': every member; 'classes': the families and staff of event_classes
    audience        TEXT NOT NULL CHECK (audience IN ('school', 'classes')),
    -- the classes of a class event in school order, comma-separated ("P3,P4"), for display;
    -- NULL for the whole school (event_classes holds the same, one row each, for queries)
    classes         TEXT,
    -- 'none': nothing to sign up for; 'family': one registration per member
    signup          TEXT NOT NULL DEFAULT 'none' CHECK (signup IN ('none', 'family')),
    -- people (adults + children); NULL: no limit
    capacity        INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    -- people in confirmed registrations, kept by the same statements that confirm, change
    -- or withdraw one: the CHECK makes overbooking impossible whatever the code does
    seats_taken     INTEGER NOT NULL DEFAULT 0
                    CHECK (seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)),
    signup_deadline TEXT,
    cancel_reason   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX events_agenda ON events (starts_at, id);
CREATE INDEX events_organiser ON events (organiser_id, starts_at);

-- The classes of a class event, one row each.
CREATE TABLE event_classes (
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    class_name TEXT NOT NULL REFERENCES classes (name),
    PRIMARY KEY (event_id, class_name)
);
CREATE INDEX event_classes_class ON event_classes (class_name, event_id);

-- One registration per member per event (a family signs up through one of its members).
-- "arrival" orders the waiting list (1, 2, ... per event, given under the event's lock):
-- promotion takes waiting rows in that order, each only if it fits whole. A withdrawal
-- deletes the row. Erasing an account withdraws its future registrations and keeps past
-- ones as counts only (user_id NULL).
CREATE TABLE event_registrations (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    adults     INTEGER NOT NULL CHECK (adults >= 0),
    children   INTEGER NOT NULL CHECK (children >= 0),
    status     TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting')),
    arrival    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (adults + children BETWEEN 1 AND 20),
    UNIQUE (event_id, user_id),
    UNIQUE (event_id, arrival)
);
CREATE INDEX event_registrations_queue ON event_registrations (event_id, status, arrival);
CREATE INDEX event_registrations_user ON event_registrations (user_id, event_id);
