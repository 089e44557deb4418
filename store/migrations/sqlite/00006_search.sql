-- +goose Up
-- Full-text search over reports: an external-content FTS5 index, so the
-- text is stored once, in reports, and the index holds only its terms.
-- unicode61 folds case and, with remove_diacritics 2, accents, and splits
-- on everything but letters and digits, so "CVE-2026-1234" is the words
-- cve 2026 1234 and a quoted query for it matches them in that order.
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, body, reporter_name,
    content = 'reports', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO reports_fts (reports_fts) VALUES ('rebuild');

-- Triggers keep the index in step with every write, whoever makes it.
-- +goose StatementBegin
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports
BEGIN
    INSERT INTO reports_fts (rowid, title, body, reporter_name) VALUES (new.id, new.title, new.body, new.reporter_name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports
BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, title, body, reporter_name) VALUES ('delete', old.id, old.title, old.body, old.reporter_name);
END;
-- +goose StatementEnd
-- Only a change of the indexed text re-indexes: actions, which change
-- state and labels, cost nothing here.
-- +goose StatementBegin
CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, body, reporter_name ON reports
BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, title, body, reporter_name) VALUES ('delete', old.id, old.title, old.body, old.reporter_name);
    INSERT INTO reports_fts (rowid, title, body, reporter_name) VALUES (new.id, new.title, new.body, new.reporter_name);
END;
-- +goose StatementEnd

-- Duplicate hints look up other reports by the same reporter.
CREATE INDEX reports_reporter_email ON reports (reporter_email, id) WHERE reporter_email <> '';

-- +goose Down
DROP INDEX reports_reporter_email;
DROP TRIGGER reports_fts_update;
DROP TRIGGER reports_fts_delete;
DROP TRIGGER reports_fts_insert;
DROP TABLE reports_fts;
