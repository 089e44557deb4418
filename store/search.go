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
		// The planner picks well between the GIN index (a rare word) and
		// walking the newest reports (a common one) when it plans for the
		// words given, which the store's plan_cache_mode ensures: a plan
		// made once for any words walked every report for a rare one.
		return "search @@ (" + tsQuery(len(terms), " && ") + ")", anys(terms)
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

// titleMatches returns the ids of the newest reports, at most limit, other
// than exclude and never spam, whose titles hold at least two of the words
// (or the one word, when there is one). The words are runs of letters and
// digits (distinctiveWords), so they are safe in either query syntax.
//
// Ranking every match (bm25, ts_rank) was the first design: it reads every
// report holding any of the words, some 200 ms on SQLite and up to a second
// on PostgreSQL at 100,000 reports. Two shared title words select few
// reports, and both indexes give the newest of them without reading the
// rest; scoring is done afterwards from the candidates' text, so a report
// that shares more words is still ranked first among them.
func (db *DB) titleMatches(ctx context.Context, words []string, exclude int64, limit int) ([]int64, error) {
	var groups []string
	for i := range words {
		for j := i + 1; j < len(words); j++ {
			groups = append(groups, "("+words[i]+" & "+words[j]+")")
		}
	}
	if len(words) == 1 {
		groups = words
	}
	query := `SELECT id FROM reports WHERE id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ? ORDER BY rowid DESC LIMIT ?)
		AND id <> ? AND state <> 'spam' ORDER BY id DESC LIMIT ?`
	// FTS5: {title} : ("a" AND "b") OR …; room for the report itself and spam.
	fts := strings.NewReplacer("(", `("`, ")", `")`, " & ", `" AND "`).Replace(strings.Join(groups, " OR "))
	if len(words) == 1 {
		fts = `"` + words[0] + `"`
	}
	args := []any{"{title} : (" + fts + ")", limit + 1, exclude, limit}
	if db.dialect == postgresDialect {
		// tsquery: (a:A & b:A) | …, the weight A being the title's.
		tsq := strings.NewReplacer(" & ", ":A & ", ")", ":A)").Replace(strings.Join(groups, " | "))
		if len(words) == 1 {
			tsq = words[0] + ":A"
		}
		query = `SELECT id FROM reports WHERE search @@ to_tsquery('simple', ?) AND id <> ? AND state <> 'spam' ORDER BY id DESC LIMIT ?`
		args = []any{tsq, exclude, limit}
	}
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find reports with similar titles: %w", err)
	}
	return collect(rows, "report ids", scanID)
}

func scanID(row scanner) (int64, error) {
	var id int64
	err := row.Scan(&id)
	return id, err
}
