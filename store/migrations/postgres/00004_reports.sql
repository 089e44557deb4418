-- +goose Up
CREATE TABLE reports (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('email', 'hackerone', 'web', 'api')),
    external_id    TEXT    NOT NULL DEFAULT '',
    external_url   TEXT    NOT NULL DEFAULT '',
    reporter_name  TEXT    NOT NULL DEFAULT '',
    reporter_email TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL,
    severity       TEXT    NOT NULL DEFAULT '', -- JSON, or '' until set
    rating         TEXT    NOT NULL DEFAULT '', -- the severity's, lower-case, for the views
    bounty_awarded BOOLEAN NOT NULL DEFAULT FALSE,
    tier           TEXT    NOT NULL DEFAULT '',
    bounty         TEXT    NOT NULL DEFAULT '', -- JSON, or '' until proposed
    disclosure     TEXT    NOT NULL DEFAULT '', -- JSON, or ''
    assignee       TEXT    NOT NULL DEFAULT '',
    commander      TEXT    NOT NULL DEFAULT '',
    duplicate_of   BIGINT  NOT NULL DEFAULT 0,
    tracking_url   TEXT    NOT NULL DEFAULT '',
    labels         TEXT    NOT NULL DEFAULT '[]', -- JSON array
    version        BIGINT  NOT NULL DEFAULT 1,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
-- The same external report twice is one report.
CREATE UNIQUE INDEX reports_external ON reports (source, external_id) WHERE external_id <> '';
CREATE INDEX reports_state ON reports (state, id);
CREATE INDEX reports_rating ON reports (rating, updated_at);

CREATE TABLE timeline_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id  BIGINT  NOT NULL REFERENCES reports (id),
    at         BIGINT  NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    from_state TEXT    NOT NULL DEFAULT '',
    to_state   TEXT    NOT NULL DEFAULT '',
    visibility TEXT    NOT NULL CHECK (visibility IN ('team', 'reporter')),
    comment    TEXT    NOT NULL DEFAULT '',
    changes    TEXT    NOT NULL DEFAULT '[]' -- JSON: [{field, from, to}]
);
CREATE INDEX timeline_events_report ON timeline_events (report_id, id);

-- +goose Down
DROP TABLE timeline_events;
DROP TABLE reports;
