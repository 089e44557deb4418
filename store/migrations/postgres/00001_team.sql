-- +goose Up
-- Times are microseconds since the Unix epoch (see store.micros).
CREATE TABLE members (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT    COLLATE "C" NOT NULL UNIQUE, -- lower-case: unique without regard to case; sorted bytewise, as in SQLite
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('admin', 'responder', 'triager', 'viewer')),
    timezone   TEXT    NOT NULL,
    workhours  TEXT    NOT NULL,
    holidays   TEXT    NOT NULL DEFAULT '',
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id    BIGINT NOT NULL REFERENCES members (id),
    name         TEXT   NOT NULL,
    hash         TEXT   NOT NULL UNIQUE, -- SHA-256 of the secret, hex
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX tokens_member ON tokens (member_id);

CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    object     TEXT   NOT NULL,
    diff       TEXT   NOT NULL, -- JSON, byte for byte as written
    request_id TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log (object, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

-- The audit log is append-only: the database itself refuses to change it.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE tokens;
DROP TABLE members;
