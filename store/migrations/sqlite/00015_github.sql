-- +goose Up
-- GitHub's webhook (package github): the GUID of each delivery taken, so
-- that a replay is refused; kept DeliveryMemory (30 days), pruned as new
-- ones come. Times are microseconds since the Unix epoch.
CREATE TABLE github_deliveries (
    id          TEXT    PRIMARY KEY,
    event       TEXT    NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX github_deliveries_received ON github_deliveries (received_at);

-- How each report's tracking issue stood at the last delivery about it.
-- labels and assignees are JSON arrays of names and logins.
CREATE TABLE github_issues (
    report_id  INTEGER PRIMARY KEY REFERENCES reports (id),
    url        TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    labels     TEXT    NOT NULL,
    assignees  TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A delivery names its issue by URL: the report that tracks it is found
-- by its tracking_url.
CREATE INDEX reports_tracking_url ON reports (tracking_url) WHERE tracking_url <> '';

-- +goose Down
DROP INDEX reports_tracking_url;
DROP TABLE github_issues;
DROP TABLE github_deliveries;
