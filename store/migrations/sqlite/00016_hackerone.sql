-- +goose Up
-- Reports pulled from a platform that reporters use (HackerOne) and the
-- team's actions pushed back. The tables are the platform's by source,
-- so that another platform could use them.

-- Where each scope's (programme's) sync left off: the platform's time of
-- the last activity of the last page stored, and whether a sync ever
-- stored its last page (until then each sync brings in history, and
-- notifies nobody).
CREATE TABLE sync_cursors (
    source     TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    cursor_at  INTEGER NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (source, scope)
);

-- Per synced report: the values the sync last wrote (JSON, ward's terms),
-- which tell the platform's later changes from the team's, and what ward
-- keeps of the platform's report beside the report itself.
CREATE TABLE synced_reports (
    report_id   INTEGER PRIMARY KEY REFERENCES reports (id),
    source      TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    activity_at INTEGER NOT NULL, -- the platform's last activity, as last synced
    synced      TEXT    NOT NULL, -- JSON: {field: value} as last synced
    weakness    TEXT    NOT NULL DEFAULT '', -- its name
    cwe         TEXT    NOT NULL DEFAULT '', -- its label, such as cwe-79
    attachments TEXT    NOT NULL DEFAULT '[]', -- JSON: metadata only
    synced_at   INTEGER NOT NULL
);

-- Each of the platform's activities once, by its id: the event it became
-- (0 for ward's own, already on the timeline).
CREATE TABLE synced_activities (
    source      TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    event_id    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, external_id)
);

-- The outbox of the team's actions to write back, stored with the action.
-- status: pending until sent, or failed for good. A pending push is leased
-- to the worker that claimed it until next_attempt_at. unsure: the last
-- attempt may have been carried out (a timeout, a 5xx), so the next one
-- reads the report first.
CREATE TABLE pushes (
    id              INTEGER PRIMARY KEY,
    report_id       INTEGER NOT NULL REFERENCES reports (id),
    event_id        INTEGER NOT NULL REFERENCES timeline_events (id),
    source          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL, -- JSON: ward.PushPayload
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    unsure          INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    activity_id     TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX pushes_due ON pushes (source, next_attempt_at, id) WHERE status = 'pending';

-- +goose Down
DROP TABLE pushes;
DROP TABLE synced_activities;
DROP TABLE synced_reports;
DROP TABLE sync_cursors;
