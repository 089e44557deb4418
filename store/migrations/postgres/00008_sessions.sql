-- +goose Up
-- Signing in to the web desk. Times are microseconds since the Unix epoch.
-- A member's password, as an argon2id PHC string, and their TOTP second
-- factor. The TOTP secret is kept as it is: the server computes codes from
-- it, so a copy of the database gives the second factor away (the password
-- hash does not give the password).
CREATE TABLE member_credentials (
    member_id      BIGINT PRIMARY KEY REFERENCES members (id),
    password_hash  TEXT    NOT NULL DEFAULT '',
    totp_secret    TEXT    NOT NULL DEFAULT '',
    totp_pending   TEXT    NOT NULL DEFAULT '', -- being set up, not yet confirmed
    totp_last_step BIGINT  NOT NULL DEFAULT 0,  -- the last 30-second step used: a code works once
    updated_at     BIGINT  NOT NULL
);

-- A browser signed in. Only the SHA-256 of the cookie's secret is kept.
-- A session ends by deleting its row.
CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id    BIGINT  NOT NULL REFERENCES members (id),
    hash         TEXT    NOT NULL UNIQUE, -- SHA-256 of the secret, hex
    csrf         TEXT    NOT NULL,        -- the form token
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,        -- absolute
    last_seen_at BIGINT  NOT NULL,        -- written at most once a minute
    user_agent   TEXT    NOT NULL DEFAULT '',
    address      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_member ON sessions (member_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One-time sign-in links, kept as the SHA-256 of their secret.
CREATE TABLE sign_in_links (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  BIGINT  NOT NULL REFERENCES members (id),
    hash       TEXT    NOT NULL UNIQUE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT
);

-- +goose Down
DROP TABLE sign_in_links;
DROP TABLE sessions;
DROP TABLE member_credentials;
