-- +goose Up
CREATE TABLE tiers (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    currency    TEXT    NOT NULL,
    bounties    TEXT    NOT NULL, -- JSON: rating -> amount in minor units
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- +goose Down
DROP TABLE tiers;
