-- +goose Up
CREATE TABLE tiers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT   COLLATE "C" NOT NULL UNIQUE,
    description TEXT   NOT NULL DEFAULT '',
    currency    TEXT   NOT NULL,
    bounties    TEXT   NOT NULL, -- JSON: rating -> amount in minor units
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE tiers;
