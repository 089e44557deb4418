-- +goose Up
-- Stale pings (package reminders): a report's clock starts at the later of
-- its last update, the last timeline event that is not a ping, and its last
-- ping. Both are kept on the report, in microseconds like every time, so
-- that the scan reads no timeline; 0 is never pinged.
ALTER TABLE reports ADD COLUMN last_activity_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN last_ping_at BIGINT NOT NULL DEFAULT 0;
-- Every report has its create event, so the created_at fallback only
-- matters to a report whose timeline was somehow lost.
UPDATE reports SET
    last_activity_at = COALESCE((SELECT max(at) FROM timeline_events e WHERE e.report_id = reports.id AND e.action <> 'ping'), created_at),
    last_ping_at     = COALESCE((SELECT max(at) FROM timeline_events e WHERE e.report_id = reports.id AND e.action = 'ping'), 0);
-- The scan asks, for each rating, for the watched reports whose last
-- activity and last ping are both at or before the rating's cut-off, the
-- longest quiet first. Only watched reports are in the index, whose number
-- stays small beside every report ever filed; its condition is the scan's
-- own text (reminders.States), as SQLite needs to use a partial index, and
-- the last ping is in it so that reports pinged lately are passed over
-- without reading the table.
CREATE INDEX reports_stale ON reports (rating, last_activity_at, last_ping_at) WHERE state IN ('triaged', 'tracked');
-- The team's thresholds, as team files set them: the defaults of
-- ward.DefaultStaleThresholds hold for a rating with no row. period is
-- ward.Period's text: 2d, 1mo or never.
CREATE TABLE stale_thresholds (
    rating     TEXT   PRIMARY KEY CHECK (rating IN ('critical', 'high', 'medium', 'low', 'none')),
    period     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE stale_thresholds;
DROP INDEX reports_stale;
ALTER TABLE reports DROP COLUMN last_ping_at;
ALTER TABLE reports DROP COLUMN last_activity_at;
