-- +goose Up
-- Notifications go out (package notify): each is fanned out once into
-- deliveries, one per channel, which a worker sends, retries and records.
-- Notifications from before this migration were only ever shown in ward,
-- and are not sent now.
ALTER TABLE notifications ADD COLUMN fanned_at INTEGER NOT NULL DEFAULT 0;
UPDATE notifications SET fanned_at = created_at;
CREATE INDEX notifications_unfanned ON notifications (id) WHERE fanned_at = 0;

-- The outbox of deliveries. key makes each once. due_at is on the team's
-- clock (a member's next working hour); next_attempt_at and claimed_until
-- are the machine's (retry back-off, a worker's lease). Times are
-- microseconds since the Unix epoch; 0 is not yet.
CREATE TABLE dispatches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT    NOT NULL UNIQUE,
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'slack', 'webhook')),
    target          TEXT    NOT NULL,
    member          TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL,
    report_id       INTEGER NOT NULL DEFAULT 0,
    notification_id INTEGER NOT NULL DEFAULT 0,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    urgent          INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    due_at          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER NOT NULL DEFAULT 0,
    failed_at       INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX dispatches_due ON dispatches (due_at, id) WHERE delivered_at = 0 AND failed_at = 0;
CREATE INDEX dispatches_member ON dispatches (member, id);

-- A member's own preferences; a member without a row has the defaults.
CREATE TABLE notify_prefs (
    member     TEXT    PRIMARY KEY,
    email      INTEGER NOT NULL CHECK (email IN (0, 1)),
    slack      TEXT    NOT NULL DEFAULT '',
    any_hour   INTEGER NOT NULL DEFAULT 0 CHECK (any_hour IN (0, 1)),
    updated_at INTEGER NOT NULL
);

-- The team's channels as team files declare them (ward.NotifyChannel as
-- JSON): names of secrets, never secrets.
CREATE TABLE notify_channels (
    name       TEXT    PRIMARY KEY,
    spec       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The one-off reminders: a disclosure window that ended, and a handoff
-- still pending, each sent once per instant it became due.
ALTER TABLE reports ADD COLUMN window_reminded_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN reminded_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE handoffs DROP COLUMN reminded_at;
ALTER TABLE reports DROP COLUMN window_reminded_at;
DROP TABLE notify_channels;
DROP TABLE notify_prefs;
DROP TABLE dispatches;
DROP INDEX notifications_unfanned;
ALTER TABLE notifications DROP COLUMN fanned_at;
