-- +goose Up
-- The tracking issue's template fields, and the reporter's private link,
-- kept only as the SHA-256 of its secret.
ALTER TABLE reports ADD COLUMN cve_id TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN attribution TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN fix_status TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN reporter_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX reports_reporter_key ON reports (reporter_key) WHERE reporter_key <> '';
CREATE INDEX reports_assignee ON reports (assignee, id) WHERE assignee <> '';

-- Filters the team saved under a name, as the query string of a report list.
CREATE TABLE saved_filters (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    query      TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The outbox: one row per member to tell of a timeline event, written with
-- the event; delivering them comes with reminders and notifications.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    member     TEXT    NOT NULL,
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    event_id   INTEGER NOT NULL REFERENCES timeline_events (id),
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_member ON notifications (member, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE saved_filters;
DROP INDEX reports_assignee;
DROP INDEX reports_reporter_key;
ALTER TABLE reports DROP COLUMN reporter_key;
ALTER TABLE reports DROP COLUMN fix_status;
ALTER TABLE reports DROP COLUMN attribution;
ALTER TABLE reports DROP COLUMN cve_id;
