-- +goose Up
-- Codes that link a member's Slack account: the member makes one on their
-- account page and types it in Slack (/ward link CODE), which proves the
-- Slack user is theirs. One per member; only the SHA-256 of the code is
-- kept; expires_at is in microseconds since the Unix epoch.
CREATE TABLE slack_links (
    member     TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE slack_links;
