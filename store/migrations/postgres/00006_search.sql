-- +goose Up
-- Full-text search over reports. report_words turns ASCII punctuation into
-- spaces before PostgreSQL's parser sees the text, which would otherwise
-- keep "example.org/a" or "-2026" as words of their own: "CVE-2026-1234" is
-- the words cve 2026 1234 here as with SQLite's unicode61. The ranges are
-- spelled out because [:alnum:] follows the collation, and under "C" it
-- would drop every letter outside ASCII; the parser splits the rest. The 'simple' configuration only folds case, so identifiers and CVE
-- ids are not stemmed away. The column and the queries (store/search.go)
-- call the same function, so they always agree.
-- +goose StatementBegin
CREATE FUNCTION report_words(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace($1, '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+', ' ', 'g') $$;
-- +goose StatementEnd

-- A stored generated column: PostgreSQL keeps it in step with every write
-- and fills it for the reports already there. The title weighs most in
-- ranking, the reporter's name least.
ALTER TABLE reports ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, report_words(title)), 'A') ||
    setweight(to_tsvector('simple'::regconfig, report_words(body)), 'B') ||
    setweight(to_tsvector('simple'::regconfig, report_words(reporter_name)), 'C')
) STORED;
CREATE INDEX reports_search ON reports USING gin (search);

-- Duplicate hints look up other reports by the same reporter.
CREATE INDEX reports_reporter_email ON reports (reporter_email, id) WHERE reporter_email <> '';

-- +goose Down
DROP INDEX reports_reporter_email;
DROP INDEX reports_search;
ALTER TABLE reports DROP COLUMN search;
DROP FUNCTION report_words;
