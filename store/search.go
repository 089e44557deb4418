package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wardsec/ward"
)

// Text search runs on SQLite's FTS5 table reports_fts and on PostgreSQL's
// generated tsvector column reports.search (migration 00006). Both split
// text into runs of letters and digits and fold case, so that one query
// means the same on either.

// maxQuery is the longest search accepted, in bytes: longer ones are
// refused rather than cut, so that nobody is shown results for a search
// they did not make.
const maxQuery = 200

// searchTerms splits a search into its terms at white space. A term
// without a letter or digit is dropped, since it could match nothing; a
// search left with no terms is EINVALID.
func searchTerms(q string) ([]string, error) {
	switch {
	case len(q) > maxQuery:
		return nil, ward.Errorf(ward.EINVALID, "q: longer than %d bytes", maxQuery)
	case !utf8.ValidString(q):
		return nil, ward.Errorf(ward.EINVALID, "q: not valid UTF-8")
	}
	if err := ward.CheckControl("q", q); err != nil {
		return nil, err
	}
	var terms []string
	for _, t := range strings.Fields(q) {
		if strings.IndexFunc(t, isWordRune) >= 0 {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil, ward.Errorf(ward.EINVALID, "q: give at least one word to search for; punctuation alone matches nothing")
	}
	return terms, nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// matchAll returns the condition that a report's text holds every term,
// each as a phrase of its words in order ("CVE-2026-1234" is cve 2026
// 1234), and its arguments. Terms reach the database only as bound
// arguments, and on SQLite only as quoted FTS5 strings, so no term is ever
// read as query syntax.
func (db *DB) matchAll(terms []string) (string, []any) {
	if db.dialect == postgresDialect {
		// OFFSET 0 keeps the subquery whole, so the GIN index finds the
		// matches first. Otherwise, for ORDER BY id DESC LIMIT, the planner
		// may walk the primary key and test every row's tsvector, taking
		// seconds at 100,000 reports for a word that few of them hold.
		return "id IN (SELECT id FROM reports WHERE search @@ (" + tsQuery(len(terms), " && ") + ") OFFSET 0)", anys(terms)
	}
	return "id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)", []any{ftsQuery(terms, " AND ")}
}

// ftsQuery joins the terms, each quoted as an FTS5 string, with op: inside
// a string every character is literal, and a double quote is doubled.
func ftsQuery(terms []string, op string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(quoted, op)
}

// tsQuery is PostgreSQL's tsquery of n bound terms joined with op (&& or
// ||), each split into words as the search column is.
func tsQuery(n int, op string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "phraseto_tsquery('simple', report_words(?))"
	}
	return strings.Join(parts, op)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// rankedMatches returns the ids of at most limit reports, other than
// exclude and never spam, that hold any of the words, best first: by bm25
// on SQLite, where rare words count for more, and by ts_rank on
// PostgreSQL, which counts only how often they appear. A word in the title
// weighs more than one in the body.
func (db *DB) rankedMatches(ctx context.Context, words []string, exclude int64, limit int) ([]int64, error) {
	// The best matches are picked inside FTS5, with room for the report
	// itself and spam, before any row of reports is read.
	query := `SELECT r.id FROM (SELECT rowid AS id, bm25(reports_fts, 4.0, 1.0, 0.5) AS rank FROM reports_fts WHERE reports_fts MATCH ?
		ORDER BY rank LIMIT ?) m JOIN reports r ON r.id = m.id WHERE r.id <> ? AND r.state <> 'spam' ORDER BY m.rank, r.id LIMIT ?`
	args := []any{ftsQuery(words, " OR "), 2 * limit, exclude, limit}
	if db.dialect == postgresDialect {
		query = `WITH q AS (SELECT ` + tsQuery(len(words), " || ") + ` AS q)
			SELECT r.id FROM reports r, q WHERE r.search @@ q.q AND r.id <> ? AND r.state <> 'spam'
			ORDER BY ts_rank(r.search, q.q) DESC, r.id LIMIT ?`
		args = append(anys(words), exclude, limit)
	}
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find reports with similar text: %w", err)
	}
	return collect(rows, "report ids", scanID)
}

func scanID(row scanner) (int64, error) {
	var id int64
	err := row.Scan(&id)
	return id, err
}
