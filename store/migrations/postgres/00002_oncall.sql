-- +goose Up
-- One counter for everything a schedule is computed from: rotations, member
-- lists, overrides, members' hours and time off. Caches of computed shifts
-- and calendar feeds are keyed by it.
CREATE TABLE schedule_version (
    id      BIGINT  PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO schedule_version (id, version) VALUES (1, 1);

CREATE TABLE rotations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                TEXT    COLLATE "C" NOT NULL UNIQUE,
    shift_seconds       BIGINT  NOT NULL CHECK (shift_seconds >= 3600),
    handoff             TEXT    NOT NULL,
    start_date          TEXT    NOT NULL,
    business_hours_only BOOLEAN NOT NULL,
    revision            BIGINT  NOT NULL DEFAULT 0, -- counts member-list changes, for calendar SEQUENCE
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);

-- A member list in force from one shift on. Changing the list adds an
-- epoch; past shifts keep the epoch they had.
CREATE TABLE rotation_epochs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rotation_id  BIGINT  NOT NULL REFERENCES rotations (id),
    from_shift   BIGINT  NOT NULL,
    offset_index BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    UNIQUE (rotation_id, from_shift)
);

CREATE TABLE rotation_epoch_members (
    epoch_id  BIGINT  NOT NULL REFERENCES rotation_epochs (id),
    position  BIGINT  NOT NULL,
    member_id BIGINT  NOT NULL REFERENCES members (id),
    PRIMARY KEY (epoch_id, position)
);

CREATE TABLE overrides (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rotation_id BIGINT  NOT NULL REFERENCES rotations (id),
    member_id   BIGINT  NOT NULL REFERENCES members (id),
    starts_at   BIGINT  NOT NULL,
    ends_at     BIGINT  NOT NULL CHECK (ends_at > starts_at),
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX overrides_rotation ON overrides (rotation_id, starts_at);

CREATE TABLE time_off (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  BIGINT  NOT NULL REFERENCES members (id),
    starts_at  BIGINT  NOT NULL,
    ends_at    BIGINT  NOT NULL CHECK (ends_at > starts_at),
    reason     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX time_off_member ON time_off (member_id, starts_at);

CREATE TABLE swap_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rotation_id  BIGINT  NOT NULL REFERENCES rotations (id),
    requester_id BIGINT  NOT NULL REFERENCES members (id),
    starts_at    BIGINT  NOT NULL,
    ends_at      BIGINT  NOT NULL CHECK (ends_at > starts_at),
    note         TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('open', 'taken', 'cancelled')),
    taken_by     BIGINT  REFERENCES members (id),
    override_id  BIGINT  REFERENCES overrides (id),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX swap_requests_rotation ON swap_requests (rotation_id, status);

CREATE TABLE handoff_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rotation_id BIGINT  NOT NULL REFERENCES rotations (id),
    shift_start BIGINT  NOT NULL,
    author_id   BIGINT  NOT NULL REFERENCES members (id),
    body        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX handoff_notes_rotation ON handoff_notes (rotation_id, shift_start);

CREATE TABLE calendar_feeds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash        TEXT    NOT NULL UNIQUE, -- SHA-256 of the secret, hex
    rotation_id BIGINT  REFERENCES rotations (id),
    member_id   BIGINT  REFERENCES members (id),
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT,
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
