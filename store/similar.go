package store

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/wardsec/ward"
)

// Duplicate hints: a few bounded, indexed lookups find candidates (the same
// reporter, each of the report's first URLs and CVE ids, its title's words
// through the text index), and plain functions then score every candidate
// from its own text, so that scores and reasons do not depend on which
// lookup found it, nor on the database.

const (
	defaultSimilar, maxSimilar = 5, 20
	perLookup                  = 10  // candidates per URL, CVE id or reporter
	textCandidates             = 100 // candidates by similar titles
	lookedUpRefs               = 5   // URLs, and CVE ids, of the report looked up
	shownRefs                  = 3   // shared URLs, and CVE ids, that count
	titleWords                 = 8   // words of the title searched for
)

// What each reason adds to a score. Scores combine as independent pieces
// of evidence, 1 - (1-a)(1-b)…, so they stay below 1 and another reason
// always raises them. A CVE id is the strongest sign of the same problem;
// the same reporter alone is a weak one, since good reporters file many.
const (
	weightCVE      = 0.8
	weightURL      = 0.5
	weightReporter = 0.3
	weightText     = 0.7 // times the share of the title's words found
)

// SimilarReports returns other reports that may be about the same problem,
// likeliest first, ties older first (the original of a duplicate is
// usually the older). ENOTFOUND when no report has the ID.
func (db *DB) SimilarReports(ctx context.Context, id int64, limit int) ([]ward.SimilarReport, error) {
	if limit <= 0 {
		limit = defaultSimilar
	}
	limit = min(limit, maxSimilar)
	r, err := db.FindReportByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return db.similarTo(ctx, r, limit)
}

// SimilarReportsTo returns stored reports that may be about the same
// problem as a report not yet filed, such as an inbox thread's.
func (db *DB) SimilarReportsTo(ctx context.Context, probe *ward.Report, limit int) ([]ward.SimilarReport, error) {
	if limit <= 0 {
		limit = defaultSimilar
	}
	p := *probe
	p.ID = 0
	return db.similarTo(ctx, &p, min(limit, maxSimilar))
}

// similarTo finds reports like r, never r itself.
func (db *DB) similarTo(ctx context.Context, r *ward.Report, limit int) ([]ward.SimilarReport, error) {
	id := r.ID
	own := findRefs(r.Title + "\n" + r.Body)
	words := distinctiveWords(r.Title)

	found := map[int64]bool{}
	lookup := func(what, query string, args ...any) error {
		rows, err := db.query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("find reports similar to %d: %s: %w", id, what, err)
		}
		ids, err := collect(rows, "report ids", scanID)
		if err != nil {
			return fmt.Errorf("find reports similar to %d: %s: %w", id, what, err)
		}
		for _, c := range ids {
			found[c] = true
		}
		return nil
	}
	if r.ReporterEmail != "" {
		// reporter_email <> '' lets both databases use the partial index,
		// which they cannot tell from a bound argument alone.
		if err := lookup("same reporter", `SELECT id FROM reports WHERE reporter_email = ? AND reporter_email <> '' AND id <> ?
			AND state <> 'spam' ORDER BY id DESC LIMIT ?`, r.ReporterEmail, id, perLookup); err != nil {
			return nil, err
		}
	}
	for _, ref := range slices.Concat(first(own.cves, lookedUpRefs), first(own.urls, lookedUpRefs)) {
		cond, args := db.matchAll([]string{ref})
		if err := lookup(ref, `SELECT id FROM reports WHERE `+cond+` AND id <> ? AND state <> 'spam' ORDER BY id DESC LIMIT ?`,
			append(args, id, perLookup)...); err != nil {
			return nil, err
		}
	}
	if len(words) > 0 {
		ids, err := db.titleMatches(ctx, words, id, textCandidates)
		if err != nil {
			return nil, err
		}
		for _, c := range ids {
			found[c] = true
		}
	}
	if len(found) == 0 {
		return []ward.SimilarReport{}, nil
	}

	ids := make([]any, 0, len(found))
	for c := range found {
		ids = append(ids, c)
	}
	rows, err := db.query(ctx, `SELECT `+reportColumns+` FROM reports WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("find reports similar to %d: load candidates: %w", id, err)
	}
	candidates, err := collect(rows, "reports", scanReport)
	if err != nil {
		return nil, fmt.Errorf("find reports similar to %d: %w", id, err)
	}
	out := []ward.SimilarReport{}
	for _, c := range candidates {
		if score, reasons := similarity(r, own, words, c); len(reasons) > 0 {
			out = append(out, ward.SimilarReport{Report: c, Score: score, Reasons: reasons})
		}
	}
	slices.SortFunc(out, func(a, b ward.SimilarReport) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Report.ID, b.Report.ID))
	})
	return out[:min(limit, len(out))], nil
}

func first[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// similarity scores candidate c against report r, whose references and
// title words the caller found once, and says why; no reasons, no hint.
func similarity(r *ward.Report, own refs, words []string, c *ward.Report) (float64, []string) {
	var reasons []string
	unlikely := 1.0 // the chance that c is another problem, given the evidence
	theirs := findRefs(c.Title + "\n" + c.Body)
	for _, shared := range []struct {
		prefix       string
		ours, theirs []string
		weight       float64
	}{
		{"shared ", own.cves, theirs.cves, weightCVE},
		{"shared URL ", own.urls, theirs.urls, weightURL},
	} {
		n := 0
		for _, ref := range shared.ours {
			if n < shownRefs && slices.Contains(shared.theirs, ref) {
				reasons = append(reasons, shared.prefix+ref)
				unlikely *= 1 - shared.weight
				n++
			}
		}
	}
	if r.ReporterEmail != "" && c.ReporterEmail == r.ReporterEmail {
		reasons = append(reasons, "same reporter")
		unlikely *= 1 - weightReporter
	}
	if share := textSimilarity(words, c); share > 0 {
		reasons = append(reasons, "similar text")
		unlikely *= 1 - weightText*share
	}
	return math.Round((1-unlikely)*100) / 100, reasons
}

// refs are the URLs and CVE ids a report's text mentions, normalised,
// each once, in the order they first appear.
type refs struct{ urls, cves []string }

var (
	urlPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'\x60()\[\]{}|\\^]+`)
	cvePattern = regexp.MustCompile(`(?i)\bCVE-\d{4}-\d{4,}\b`)
)

func findRefs(text string) refs {
	var out refs
	for _, m := range cvePattern.FindAllString(text, -1) {
		if id := strings.ToUpper(m); !slices.Contains(out.cves, id) {
			out.cves = append(out.cves, id)
		}
	}
	for _, m := range urlPattern.FindAllString(text, -1) {
		if u := normalizeURL(m); u != "" && !slices.Contains(out.urls, u) {
			out.urls = append(out.urls, u)
		}
	}
	return out
}

// normalizeURL makes two mentions of one page compare equal: without the
// punctuation that ends the sentence or the Markdown around it, the scheme
// and host in lower case, no fragment, no lone "/" path. "" when it is no
// URL after all.
func normalizeURL(s string) string {
	s = strings.TrimRight(s, ".,;:!?*_~")
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme, u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), "", ""
	if u.Path == "/" && u.RawQuery == "" {
		u.Path = ""
	}
	return u.String()
}

// stopWords are left out of the title's words: they say nothing about
// which problem a report is about. "cve" is here because CVE ids are
// compared whole.
var stopWords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "from": true, "into": true, "via": true, "that": true,
	"this": true, "when": true, "are": true, "was": true, "not": true, "can": true, "all": true, "any": true,
	"has": true, "have": true, "its": true, "our": true, "your": true, "you": true, "but": true, "allows": true,
	"allow": true, "leads": true, "due": true, "possible": true, "potential": true, "issue": true, "bug": true,
	"security": true, "vulnerability": true, "vulnerable": true, "report": true, "cve": true,
}

// distinctiveWords are the title's words that can tell one problem from
// another, longest first, as a cheap stand-in for rarest: three letters or
// more, not only digits (CVE ids and versions are compared whole), no stop
// words, at most titleWords.
func distinctiveWords(title string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !isWordRune(r) }) {
		if len([]rune(w)) < 3 || stopWords[w] || strings.Trim(w, "0123456789") == "" || slices.Contains(words, w) {
			continue
		}
		words = append(words, w)
	}
	slices.SortStableFunc(words, func(a, b string) int {
		return cmp.Or(cmp.Compare(len([]rune(b)), len([]rune(a))), strings.Compare(a, b))
	})
	return first(words, titleWords)
}

// textSimilarity is the share of the words that c holds, a word in its
// title counting one and one only in its body a half; 0 when fewer than
// half of them, or fewer than two (of two or more), are found.
func textSimilarity(words []string, c *ward.Report) float64 {
	if len(words) == 0 {
		return 0
	}
	inTitle, inBody := wordsIn(c.Title, words), wordsIn(c.Body, words)
	hits, found := 0.0, 0
	for _, w := range words {
		switch {
		case inTitle[w]:
			hits, found = hits+1, found+1
		case inBody[w]:
			hits, found = hits+0.5, found+1
		}
	}
	share := hits / float64(len(words))
	if found < min(2, len(words)) || share < 0.5 {
		return 0
	}
	return share
}

// wordsIn reports which of the words text holds, case folded.
func wordsIn(text string, words []string) map[string]bool {
	in := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) }) {
		if w = strings.ToLower(w); slices.Contains(words, w) {
			in[w] = true
		}
	}
	return in
}
