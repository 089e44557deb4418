-- +goose Up
-- Signed requests taken (package server), so that one sent again within
-- the time its signature is good for is refused: the Slack slash
-- command's, by the SHA-256 of what was signed (slack.Digest: its
-- timestamp and body, however the signature is spelt). Each is kept until expires_at
-- (microseconds since the Unix epoch), then forgotten as new ones come.
CREATE TABLE replay_guard (
    source     TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE INDEX replay_guard_expires ON replay_guard (expires_at);

-- +goose Down
DROP TABLE replay_guard;
