-- +goose Up
-- Handoffs of incident command. A report has at most one pending handoff;
-- answered ones stay as the record of who held command when. Times are
-- microseconds since the Unix epoch.
CREATE TABLE handoffs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id       BIGINT  NOT NULL REFERENCES reports (id),
    from_member     TEXT    NOT NULL,
    to_member       TEXT    NOT NULL,
    open_questions  TEXT    NOT NULL,
    decisions       TEXT    NOT NULL,
    pending_actions TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined', 'cancelled')),
    reason          TEXT    NOT NULL DEFAULT '',
    created_by      TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    answered_at     BIGINT  NOT NULL DEFAULT 0 -- 0 while pending
);
CREATE UNIQUE INDEX handoffs_one_pending ON handoffs (report_id) WHERE state = 'pending';
CREATE INDEX handoffs_report ON handoffs (report_id, id);
CREATE INDEX handoffs_to_pending ON handoffs (to_member, id) WHERE state = 'pending';
CREATE INDEX handoffs_from_pending ON handoffs (from_member, id) WHERE state = 'pending';

-- +goose Down
DROP TABLE handoffs;
