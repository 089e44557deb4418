-- +goose Up
-- The stale views (stale-critical, -high, -medium) ask for open reports of
-- one rating, newest first. reports_rating holds every report ever rated,
-- almost all closed, so both databases read thousands of rows for a page.
-- This one holds only the open reports, whose number stays small; its
-- condition is the view's own text, as a partial index needs.
CREATE INDEX reports_open_rating ON reports (rating, id) WHERE state IN ('new', 'needs_info', 'triaged', 'tracked');
-- The view mine asks for reports one assigns or commands: the commander's
-- side of it, as reports_assignee is the assignee's.
CREATE INDEX reports_commander ON reports (commander, id) WHERE commander <> '';

-- +goose Down
DROP INDEX reports_commander;
DROP INDEX reports_open_rating;
