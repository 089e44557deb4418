-- +goose Up
-- The team file's integrations (GitHub, HackerOne): one row per kind,
-- its configuration as JSON. Secrets are not here: the configuration
-- names the environment variables or files that hold them.
CREATE TABLE integrations (
    kind       TEXT    PRIMARY KEY,
    spec       TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE integrations;
