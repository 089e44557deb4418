-- +goose Up
-- One counter for everything a schedule is computed from: rotations, member
-- lists, overrides, members' hours and time off. Caches of computed shifts
-- and calendar feeds are keyed by it.
CREATE TABLE schedule_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO schedule_version (id, version) VALUES (1, 1);

CREATE TABLE rotations (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    shift_seconds       INTEGER NOT NULL CHECK (shift_seconds >= 3600),
    handoff             TEXT    NOT NULL,
    start_date          TEXT    NOT NULL,
    business_hours_only INTEGER NOT NULL CHECK (business_hours_only IN (0, 1)),
    revision            INTEGER NOT NULL DEFAULT 0, -- counts member-list changes, for calendar SEQUENCE
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- A member list in force from one shift on. Changing the list adds an
-- epoch; past shifts keep the epoch they had.
CREATE TABLE rotation_epochs (
    id           INTEGER PRIMARY KEY,
    rotation_id  INTEGER NOT NULL REFERENCES rotations (id),
    from_shift   INTEGER NOT NULL,
    offset_index INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (rotation_id, from_shift)
);

CREATE TABLE rotation_epoch_members (
    epoch_id  INTEGER NOT NULL REFERENCES rotation_epochs (id),
    position  INTEGER NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (epoch_id, position)
);

CREATE TABLE overrides (
    id          INTEGER PRIMARY KEY,
    rotation_id INTEGER NOT NULL REFERENCES rotations (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL CHECK (ends_at > starts_at),
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX overrides_rotation ON overrides (rotation_id, starts_at);

CREATE TABLE time_off (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
    reason     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX time_off_member ON time_off (member_id, starts_at);

CREATE TABLE swap_requests (
    id           INTEGER PRIMARY KEY,
    rotation_id  INTEGER NOT NULL REFERENCES rotations (id),
    requester_id INTEGER NOT NULL REFERENCES members (id),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL CHECK (ends_at > starts_at),
    note         TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('open', 'taken', 'cancelled')),
    taken_by     INTEGER REFERENCES members (id),
    override_id  INTEGER REFERENCES overrides (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX swap_requests_rotation ON swap_requests (rotation_id, status);

CREATE TABLE handoff_notes (
    id          INTEGER PRIMARY KEY,
    rotation_id INTEGER NOT NULL REFERENCES rotations (id),
    shift_start INTEGER NOT NULL,
    author_id   INTEGER NOT NULL REFERENCES members (id),
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX handoff_notes_rotation ON handoff_notes (rotation_id, shift_start);

CREATE TABLE calendar_feeds (
    id          INTEGER PRIMARY KEY,
    hash        TEXT    NOT NULL UNIQUE, -- SHA-256 of the secret, hex
    rotation_id INTEGER REFERENCES rotations (id),
    member_id   INTEGER REFERENCES members (id),
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CHECK ((rotation_id IS NULL) <> (member_id IS NULL))
);

-- +goose Down
DROP TABLE calendar_feeds;
DROP TABLE handoff_notes;
DROP TABLE swap_requests;
DROP TABLE time_off;
DROP TABLE overrides;
DROP TABLE rotation_epoch_members;
DROP TABLE rotation_epochs;
DROP TABLE rotations;
DROP TABLE schedule_version;
