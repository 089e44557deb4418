-- +goose Up
-- Requests to join the distributors list, and what the team decided.
-- Decided ones stay as the record. Times are microseconds since the Unix
-- epoch; 0 is not yet.
CREATE TABLE distributor_requests (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation        TEXT    NOT NULL,
    -- organisation lower-case with its spaces collapsed: "Example  Corp"
    -- and "example corp" are one organisation when the desk shows a
    -- request's duplicates.
    organisation_key    TEXT    NOT NULL,
    contact_name        TEXT    NOT NULL,
    contact_email       TEXT    NOT NULL, -- lower-case
    list_address        TEXT    NOT NULL, -- lower-case
    distribution        TEXT    NOT NULL,
    user_base           TEXT    NOT NULL,
    track_record        TEXT    NOT NULL,
    not_downstream      TEXT    NOT NULL,
    contribution        TEXT    NOT NULL,
    voucher             TEXT    NOT NULL,
    accepts_embargo     BOOLEAN NOT NULL,
    contributes_back    BOOLEAN NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'declined', 'removed')),
    reason              TEXT    NOT NULL DEFAULT '',
    decided_by          TEXT    NOT NULL DEFAULT '',
    decided_at          BIGINT  NOT NULL DEFAULT 0,
    approved_at         BIGINT  NOT NULL DEFAULT 0,
    version             BIGINT  NOT NULL DEFAULT 1,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
-- One approved request per list address. Repeats of a pending request
-- are stored, not refused (anyone may ask in an organisation's name);
-- the two indexes after it find a request's duplicates.
CREATE UNIQUE INDEX distributor_requests_one_listed ON distributor_requests (list_address) WHERE state = 'approved';
CREATE INDEX distributor_requests_contact ON distributor_requests (contact_email);
CREATE INDEX distributor_requests_organisation ON distributor_requests (organisation_key);
CREATE INDEX distributor_requests_state ON distributor_requests (state, id);
CREATE INDEX distributor_requests_created ON distributor_requests (created_at);

-- +goose Down
DROP TABLE distributor_requests;
