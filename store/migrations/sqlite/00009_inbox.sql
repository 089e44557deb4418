-- +goose Up
-- The team's inbox: threads of mail, each message's reading of its headers
-- and parts, and apart from it the exact bytes as received, which are what
-- counts. Times are microseconds since the Unix epoch.
CREATE TABLE mail_threads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- a deleted thread's id is never given again: the audit log names it
    subject         TEXT    NOT NULL,
    subject_key     TEXT    NOT NULL, -- email.SubjectKey: replies that lost their References find the thread by it
    correspondent   TEXT    NOT NULL, -- the first sender's address, lower-case
    status          TEXT    NOT NULL DEFAULT 'open',
    assignee        TEXT    NOT NULL DEFAULT '',
    report_id       INTEGER NOT NULL DEFAULT 0, -- the report made from it; 0 for none
    labels          TEXT    NOT NULL DEFAULT '[]',
    messages        INTEGER NOT NULL DEFAULT 0,
    flagged         INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    auto_replied    INTEGER NOT NULL DEFAULT 0 CHECK (auto_replied IN (0, 1)),
    last_message_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX mail_threads_status ON mail_threads (status, id);
CREATE INDEX mail_threads_assignee ON mail_threads (assignee, id) WHERE assignee <> '';
CREATE INDEX mail_threads_subject ON mail_threads (subject_key, correspondent);
CREATE INDEX mail_threads_report ON mail_threads (report_id) WHERE report_id <> 0;

CREATE TABLE mail_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id   INTEGER NOT NULL REFERENCES mail_threads (id) ON DELETE CASCADE,
    message_key TEXT    NOT NULL UNIQUE, -- the Message-ID, or sha256:… of the bytes
    message_id  TEXT    NOT NULL,
    in_reply_to TEXT    NOT NULL,
    refs        TEXT    NOT NULL, -- JSON list of Message-IDs
    subject     TEXT    NOT NULL,
    from_name   TEXT    NOT NULL,
    from_addr   TEXT    NOT NULL,
    to_addrs    TEXT    NOT NULL, -- JSON
    cc_addrs    TEXT    NOT NULL, -- JSON
    sent_at     INTEGER NOT NULL, -- the Date header; 0 when none could be read
    received_at INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    html        TEXT    NOT NULL, -- unsanitised; shown only through the sanitiser
    attachments TEXT    NOT NULL, -- JSON
    auto        TEXT    NOT NULL,
    problems    TEXT    NOT NULL, -- JSON; non-empty: flagged
    size        INTEGER NOT NULL,
    sender      TEXT    NOT NULL DEFAULT '' -- the member who wrote what ward sent
);
CREATE INDEX mail_messages_thread ON mail_messages (thread_id, id);

CREATE TABLE mail_raw (
    message_id INTEGER PRIMARY KEY REFERENCES mail_messages (id) ON DELETE CASCADE,
    raw        BLOB    NOT NULL
);

-- Deliveries already taken, such as an IMAP message by mailbox,
-- UIDVALIDITY and UID: the same one again is skipped unread.
CREATE TABLE mail_deliveries (
    ref        TEXT    PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE
);

-- Where IMAP intake stopped in each mailbox.
CREATE TABLE mail_cursors (
    mailbox  TEXT    PRIMARY KEY,
    validity INTEGER NOT NULL,
    uid      INTEGER NOT NULL
);

-- Mail ward is to send, written with the message in its thread.
CREATE TABLE mail_outbox (
    message_id      INTEGER PRIMARY KEY REFERENCES mail_messages (id) ON DELETE CASCADE,
    recipients      TEXT    NOT NULL, -- JSON: the envelope's
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at = 0;

-- When each sender last got an acknowledgement, to answer none twice in a
-- row by machine.
CREATE TABLE mail_auto_replies (
    sender  TEXT    PRIMARY KEY,
    last_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE mail_auto_replies;
DROP TABLE mail_outbox;
DROP TABLE mail_cursors;
DROP TABLE mail_deliveries;
DROP TABLE mail_raw;
DROP TABLE mail_messages;
DROP TABLE mail_threads;
