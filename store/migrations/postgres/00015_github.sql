-- +goose Up
-- GitHub's webhook (package github): each delivery taken, so that a replay
-- is refused; kept DeliveryMemory (30 days), pruned as new ones come.
-- GitHub signs the body only, not the headers: the key is the SHA-256 of
-- the raw body (hex), so that a signed body sent again under a new GUID is
-- refused too; the GUID, unique as well, is kept to find a delivery in
-- GitHub's log. Times are microseconds since the Unix epoch.
CREATE TABLE github_deliveries (
    body_sha256 TEXT    PRIMARY KEY,
    guid        TEXT    NOT NULL UNIQUE,
    event       TEXT    NOT NULL,
    received_at BIGINT  NOT NULL
);
CREATE INDEX github_deliveries_received ON github_deliveries (received_at);

-- How each report's tracking issue stood at the last delivery about it.
-- labels and assignees are JSON arrays of names and logins; changed_at is
-- the issue's updated_at on GitHub, which orders deliveries that come out
-- of order, and updated_at when ward received the delivery.
CREATE TABLE github_issues (
    report_id  BIGINT  PRIMARY KEY REFERENCES reports (id),
    url        TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    labels     TEXT    NOT NULL,
    assignees  TEXT    NOT NULL,
    changed_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- A delivery names its issue by URL: the report that tracks it is found
-- by its tracking_url.
CREATE INDEX reports_tracking_url ON reports (tracking_url) WHERE tracking_url <> '';

-- +goose Down
DROP INDEX reports_tracking_url;
DROP TABLE github_issues;
DROP TABLE github_deliveries;
