package store

// The seeded database of BenchmarkReports: 100,000 reports and 1,000,000
// timeline events, the same on both backends, generated deterministically
// and inserted with plain multi-row INSERTs after the real migrations, so
// that whatever the migrations add (indexes, search triggers) is built by
// the same path as in production. Only benchmarks use it: nothing here runs
// under plain `go test`.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/wardtest"
)

const (
	seedReports = 100_000
	seedEvents  = 1_000_000
	// seedVersion names what the generator makes; change it whenever the
	// generated data changes, so that cached databases are rebuilt.
	seedVersion = "reports-2"
	// seedLongReport has seedLongEvents events: the timeline read.
	seedLongReport = 99_000
	seedLongEvents = 200
)

// seedNow is the benchmarks' clock: the seeded reports span the five
// years before it.
var seedNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// The people of the seeded desk. veteran works many reports; newcomer
// joined a month ago and has fewer than a page of them: the "mine" view
// then has to look through every report unless an index finds them.
const (
	seedVeteran  = "maren.holt@example.org"
	seedNewcomer = "nova.reyes@example.org"
)

var (
	seedTriagers = []string{seedVeteran, "ana.keller@example.org", "bo.lindqvist@example.org", "chen.wei@example.org",
		"dara.osei@example.org", "eli.novak@example.org", "fay.moreau@example.org", "gus.tanaka@example.org",
		"hana.kim@example.org", "ivo.petrov@example.org", "jun.sato@example.org", "kai.weber@example.org"}
	seedResponders = []string{"lea.fischer@example.org", "mo.haddad@example.org", "nia.brooks@example.org",
		"omar.silva@example.org", "pia.jensen@example.org"}
	seedLabels = []string{"xss", "sqli", "ssrf", "auth", "csrf", "rce", "idor", "open-redirect", "dos", "info-leak",
		"needs-cve", "regression", "cloud", "mobile"}
	seedClasses = []string{"Stored XSS", "Reflected XSS", "SQL injection", "SSRF", "IDOR", "CSRF", "Open redirect",
		"Path traversal", "Remote code execution", "Privilege escalation", "Account takeover", "Information disclosure",
		"Denial of service", "Authentication bypass", "Race condition", "Cache poisoning", "Subdomain takeover",
		"Insecure direct object reference", "XML external entity", "Session fixation"}
	seedComponents = []string{"project settings", "billing page", "admin console", "webhook delivery", "OAuth callback",
		"password reset", "file upload", "search API", "GraphQL endpoint", "invite flow", "SAML login", "export job",
		"markdown preview", "audit log", "mobile API", "notification service", "image proxy", "support widget",
		"team directory", "API token page", "CI runner", "package registry", "status page", "feature flags"}
	seedVias = []string{"a crafted filename", "the redirect parameter", "a malicious SVG", "header injection",
		"a forged JWT", "a race between two requests", "the legacy v1 endpoint", "an unvalidated URL",
		"a long Unicode string", "a replayed token", "a template expression", "DNS rebinding"}
	// seedWords is the common vocabulary of bodies and comments.
	seedWords = strings.Fields(`the a an of to in and or for with on by from at as is was be are were this that it
		request response server client user admin account session token cookie header parameter value field page
		endpoint API URL redirect login password reset email link form input output payload script browser
		attacker victim exploit vulnerability issue bug report impact severity proof concept steps reproduce
		expected actual result error message log file upload download image document export import data database
		query filter search list view edit delete create update permission role access control private public
		organisation team project repository branch commit release version build deploy production staging
		internal external network proxy cache storage bucket key secret credential leak exposure bypass injection
		escalation takeover disclosure validation sanitisation encoding escaping check missing broken weak
		insecure unauthenticated authenticated privileged arbitrary remote local cross site origin policy
		content type JSON XML HTML JavaScript markdown SVG PDF CSV webhook callback OAuth SAML SSO JWT CSRF XSS
		SSRF IDOR DNS TLS HTTP HTTPS GET POST PUT PATCH status code time delay rate limit retry timeout
		mobile desktop Android iOS Chrome Firefox Safari version latest old new first second third after before
		when then if not but also only still again can could should would will may might must`)
	// seedRareWords each appear in about one report in a thousand: what a
	// search for something specific finds.
	seedRareWords = []string{"kerberoasting", "deserialisation", "prototype-pollution", "homoglyph", "clickjacking",
		"typosquatting", "smuggling", "unicode-normalisation", "zip-slip", "padding-oracle", "billion-laughs",
		"dangling-markup", "tabnabbing", "reverse-tabnabbing", "log-injection", "mass-assignment",
		"graphql-batching", "websocket-hijacking", "cache-deception", "subresource-integrity"}
	// seedVeryRareWord is in fewer reports than fill a page.
	seedVeryRareWord = "wormhole"
	// seedCVEs are well-known CVEs reporters compare their findings to.
	seedCVEs = []string{"CVE-2021-44228", "CVE-2014-0160", "CVE-2017-5638", "CVE-2019-11510", "CVE-2021-26855",
		"CVE-2022-22965", "CVE-2023-4863", "CVE-2018-11776", "CVE-2020-1472", "CVE-2021-3156", "CVE-2022-0847",
		"CVE-2023-44487", "CVE-2019-0708", "CVE-2017-0144", "CVE-2024-3094", "CVE-2018-7600", "CVE-2020-5902",
		"CVE-2022-1388", "CVE-2023-34362", "CVE-2021-34527"}
	seedVectors = map[string]struct {
		vector string
		score  float64
	}{
		"Critical": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		"High":     {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5},
		"Medium":   {"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4},
		"Low":      {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1},
		"None":     {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
	}
)

// seedReport is one generated report and its events, oldest first.
type seedReport struct {
	title, body, source, externalID, externalURL, reporterName, reporterEmail string
	state, severity, rating, tier, bounty, disclosure, assignee, commander    string
	trackingURL, labels, cveID, attribution, fixStatus                        string
	awarded                                                                   bool
	duplicateOf, created, updated                                             int64
	events                                                                    []seedEvent
}

type seedEvent struct {
	at                                                    int64
	actor, action, from, to, visibility, comment, changes string
}

// seedGen generates the reports one at a time, in id order; ids start at 1.
type seedGen struct {
	rng        *rand.Rand
	eventsLeft int
	cves       int
}

func newSeedGen() *seedGen {
	return &seedGen{rng: rand.New(rand.NewPCG(2026, 3)), eventsLeft: seedEvents}
}

func (g *seedGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// sentence is 6 to 20 common words, now and then a rare word, a CVE or a URL.
func (g *seedGen) sentence(b *strings.Builder) {
	n := 6 + g.rng.IntN(15)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.pick(seedWords))
	}
	if g.rng.IntN(100_000) < 6 { // about 40 reports in all: fewer than a page
		b.WriteString(" " + seedVeryRareWord)
	}
	switch p := g.rng.IntN(1000); {
	case p < 8: // 0.8% of sentences; a report has about 6
		b.WriteString(" " + g.pick(seedRareWords))
	case p < 20:
		b.WriteString(", similar to " + g.pick(seedCVEs))
	case p < 80:
		fmt.Fprintf(b, " https://app.example.com/%s/%d", strings.ReplaceAll(g.pick(seedComponents), " ", "-"), g.rng.IntN(100_000))
	case p < 110:
		fmt.Fprintf(b, " https://api.example.com/v2/%s?id=%d", strings.Fields(g.pick(seedComponents))[0], g.rng.IntN(1_000_000))
	}
	b.WriteString(". ")
}

func (g *seedGen) text(sentences int) string {
	var b strings.Builder
	for range sentences {
		g.sentence(&b)
	}
	return strings.TrimSpace(b.String())
}

// state: most old reports are closed one way or another; the last 90
// days hold most of the open ones.
func (g *seedGen) state(age time.Duration) string {
	type share struct {
		state string
		per   int // per thousand
	}
	old := []share{{"disclosed", 350}, {"resolved", 140}, {"do_not_disclose", 50}, {"disclosure_requested", 8},
		{"invalid", 200}, {"duplicate", 130}, {"spam", 102}, {"tracked", 10}, {"triaged", 5}, {"needs_info", 3}, {"new", 2}}
	recent := []share{{"new", 150}, {"needs_info", 100}, {"triaged", 200}, {"tracked", 150}, {"resolved", 100},
		{"disclosure_requested", 20}, {"disclosed", 10}, {"invalid", 120}, {"duplicate", 80}, {"spam", 70}}
	shares := old
	if age < 90*24*time.Hour {
		shares = recent
	}
	p := g.rng.IntN(1000)
	for _, s := range shares {
		if p < s.per {
			return s.state
		}
		p -= s.per
	}
	return "disclosed"
}

func (g *seedGen) rating() string {
	switch p := g.rng.IntN(100); {
	case p < 5:
		return "Critical"
	case p < 25:
		return "High"
	case p < 65:
		return "Medium"
	case p < 95:
		return "Low"
	default:
		return "None"
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// next generates report id (counting from 1) of seedReports.
func (g *seedGen) next(id int64) seedReport {
	span := 5 * 365 * 24 * time.Hour
	created := seedNow.Add(-span + span/seedReports*time.Duration(id) - time.Duration(g.rng.IntN(3600))*time.Second)
	age := seedNow.Sub(created)
	r := seedReport{created: micros(created), labels: "[]"}
	r.title = fmt.Sprintf("%s in %s via %s", g.pick(seedClasses), g.pick(seedComponents), g.pick(seedVias))
	r.body = g.text(3 + g.rng.IntN(8))
	reporter := g.rng.IntN(5000)
	r.reporterName = fmt.Sprintf("Reporter %d", reporter)
	switch p := g.rng.IntN(100); {
	case p < 50:
		r.source = ward.SourceHackerOne
		r.externalID = fmt.Sprint(1_000_000 + id)
		r.externalURL = "https://hackerone.com/reports/" + r.externalID
	case p < 75:
		r.source = ward.SourceEmail
		r.reporterEmail = fmt.Sprintf("reporter%d@mail.example.net", reporter)
	case p < 95:
		r.source = ward.SourceWeb
		r.reporterEmail = fmt.Sprintf("reporter%d@mail.example.net", reporter)
	default:
		r.source = ward.SourceAPI
	}
	r.state = g.state(age)
	if id == seedLongReport {
		r.state = "disclosed"
	}
	worked := map[string]bool{"triaged": true, "tracked": true, "resolved": true, "disclosure_requested": true,
		"disclosed": true, "do_not_disclose": true}[r.state]
	closed := worked && r.state != "triaged" && r.state != "tracked"
	if worked {
		rating := g.rating()
		v := seedVectors[rating]
		r.severity = mustJSON(ward.Severity{Vector: v.vector, Version: "3.1", Score: v.score, Rating: rating})
		r.rating = strings.ToLower(rating)
		r.tier = []string{"tier-1", "tier-2"}[g.rng.IntN(2)]
		r.assignee = g.pick(seedTriagers)
		if age < 30*24*time.Hour && g.rng.IntN(40) == 0 {
			r.assignee = seedNewcomer
		}
		if g.rng.IntN(3) == 0 {
			r.commander = g.pick(seedResponders)
		}
		if r.state != "triaged" {
			r.trackingURL = fmt.Sprintf("https://github.com/wardsec/%s/issues/%d", []string{"ward", "web", "api", "agent"}[g.rng.IntN(4)], 1+g.rng.IntN(20_000))
			r.fixStatus = []string{"planning", "development", "embargo", "released", "published"}[g.rng.IntN(5)]
			if closed {
				r.fixStatus = "published"
			}
		}
		if closed && r.rating != "none" && r.rating != "low" && g.rng.IntN(4) == 0 {
			g.cves++
			r.cveID = fmt.Sprintf("CVE-%d-%d", created.Year(), 10_000+g.cves)
		}
		if closed && r.rating != "none" && g.rng.IntN(10) < 6 {
			at := created.Add(time.Duration(10+g.rng.IntN(40)) * 24 * time.Hour).UTC()
			r.bounty = mustJSON(ward.Bounty{Amount: int64(50+g.rng.IntN(100)) * 1000, Currency: "EUR", ProposedBy: r.assignee,
				ProposedAt: at, ApprovedBy: g.pick(seedResponders), ApprovedAt: at.Add(24 * time.Hour)})
			r.awarded = true
		}
		if r.state == "disclosed" || r.state == "disclosure_requested" {
			at := created.Add(60 * 24 * time.Hour).UTC()
			d := ward.Disclosure{Kind: "full", RequestedAt: at, Deadline: at.AddDate(0, 1, 0)}
			if r.state == "disclosed" {
				d.Answer, d.AnsweredAt, d.DisclosedAt = "agreed", at.Add(72*time.Hour), at.Add(96*time.Hour)
			}
			r.disclosure = mustJSON(d)
		}
		r.attribution = r.reporterName
	}
	if r.state == "duplicate" && id > 1 {
		r.duplicateOf = 1 + g.rng.Int64N(id-1)
	}
	if g.rng.IntN(10) < 3 {
		labels := []string{g.pick(seedLabels)}
		if g.rng.IntN(3) == 0 {
			if l := g.pick(seedLabels); l != labels[0] {
				labels = append(labels, l)
			}
		}
		r.labels = mustJSON(labels)
	}
	g.events(&r, id, created, age)
	return r
}

// events writes the report's timeline: its creation, the transitions that
// led to its state, and comments, so that the total comes to seedEvents.
func (g *seedGen) events(r *seedReport, id int64, created time.Time, age time.Duration) {
	left := int(seedReports - id) // reports after this one
	reserved := left              // at least one event each
	if id < seedLongReport {
		reserved += seedLongEvents - 1
	}
	var n int
	switch {
	case id == seedLongReport:
		n = seedLongEvents
	case left == 0:
		n = g.eventsLeft
	default:
		// Half to one and a half times the average still owed, so that
		// the total comes out exact.
		owed, regular := g.eventsLeft, left+1
		if id < seedLongReport {
			owed, regular = owed-seedLongEvents, regular-1
		}
		avg := owed / regular
		n = max(1, avg/2+g.rng.IntN(avg+1))
	}
	n = max(1, min(n, g.eventsLeft-reserved))
	g.eventsLeft -= n

	actor := "member:" + r.assignee
	if r.assignee == "" {
		actor = "member:" + g.pick(seedTriagers)
	}
	creator := "web"
	if r.source == ward.SourceHackerOne {
		creator = "integration:hackerone"
	}
	path := []seedEvent{{actor: creator, action: "create", to: "new", visibility: "team"}}
	step := func(action, from, to, changes string) {
		path = append(path, seedEvent{actor: actor, action: action, from: from, to: to, visibility: "team", changes: changes})
	}
	switch r.state {
	case "needs_info":
		step("request_info", "new", "needs_info", "[]")
	case "invalid", "duplicate", "spam":
		step("mark_"+r.state, "new", r.state, "[]")
	}
	if r.severity != "" {
		step("triage", "new", "triaged", `[{"field":"severity","from":null,"to":"`+r.rating+`"}]`)
		step("assign", "triaged", "triaged", `[{"field":"assignee","from":"","to":"`+r.assignee+`"}]`)
		if r.state != "triaged" {
			step("track", "triaged", "tracked", `[{"field":"tracking_url","from":"","to":"`+r.trackingURL+`"}]`)
		}
		if r.state != "triaged" && r.state != "tracked" {
			step("resolve", "tracked", "resolved", "[]")
		}
		if r.state == "disclosure_requested" || r.state == "disclosed" {
			step("request_disclosure", "resolved", "disclosure_requested", "[]")
		}
		if r.state == "disclosed" {
			step("disclose", "disclosure_requested", "disclosed", "[]")
		}
		if r.state == "do_not_disclose" {
			step("do_not_disclose", "resolved", "do_not_disclose", "[]")
		}
	}
	if len(path) > n {
		path = path[:n]
	}
	// Comments fill the rest, between the transitions.
	events := make([]seedEvent, 0, n)
	events = append(events, path[0])
	comments := n - len(path)
	for i, e := range path[1:] {
		share := comments / (len(path) - 1 - i)
		for range share {
			events = append(events, g.comment(actor))
		}
		comments -= share
		events = append(events, e)
	}
	for range comments {
		events = append(events, g.comment(actor))
	}
	// Times: from the creation to at most 60 days later (age is the time
	// until now).
	last := created.Add(min(age, 60*24*time.Hour))
	step2 := last.Sub(created) / time.Duration(len(events))
	for i := range events {
		events[i].at = micros(created.Add(time.Duration(i) * step2))
		if events[i].changes == "" {
			events[i].changes = "[]"
		}
	}
	r.events = events
	r.updated = events[len(events)-1].at
}

func (g *seedGen) comment(actor string) seedEvent {
	e := seedEvent{actor: actor, action: "comment", visibility: "team", comment: g.text(1 + g.rng.IntN(3))}
	if g.rng.IntN(4) == 0 {
		e.actor, e.visibility = "reporter", "reporter"
	}
	return e
}

// seed inserts the generated reports and events into a migrated, empty
// store, a batch of reports and their events to a transaction.
func seed(ctx context.Context, db *DB) error {
	const batch = 2000 // reports per transaction
	const reportsPerInsert, eventsPerInsert = 400, 1000
	g := newSeedGen()
	var id int64
	for id < seedReports {
		tx, err := db.begin(ctx)
		if err != nil {
			return err
		}
		reports := make([]seedReport, 0, batch)
		first := id + 1
		for range batch {
			id++
			reports = append(reports, g.next(id))
		}
		if err := insertSeed(ctx, tx, first, reports, reportsPerInsert, eventsPerInsert); err != nil {
			tx.rollback()
			return err
		}
		if err := tx.commit(); err != nil {
			return err
		}
	}
	if g.eventsLeft != 0 {
		return fmt.Errorf("seed: %d events not generated", g.eventsLeft)
	}
	return nil
}

func insertSeed(ctx context.Context, tx *Tx, first int64, reports []seedReport, perReports, perEvents int) error {
	const reportCols = `(title, body, source, external_id, external_url, reporter_name, reporter_email, state, severity, rating,
		bounty_awarded, tier, bounty, disclosure, assignee, commander, duplicate_of, tracking_url, labels, version,
		created_at, updated_at, cve_id, attribution, fix_status, last_activity_at)`
	for start := 0; start < len(reports); start += perReports {
		chunk := reports[start:min(start+perReports, len(reports))]
		var q strings.Builder
		q.WriteString(`INSERT INTO reports ` + reportCols + ` VALUES `)
		args := make([]any, 0, 26*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(`(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
			args = append(args, r.title, r.body, r.source, r.externalID, r.externalURL, r.reporterName, r.reporterEmail,
				r.state, r.severity, r.rating, r.awarded, r.tier, r.bounty, r.disclosure, r.assignee, r.commander,
				r.duplicateOf, r.trackingURL, r.labels, int64(len(r.events)), r.created, r.updated, r.cveID, r.attribution, r.fixStatus, r.updated)
		}
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("seed reports: %w", err)
		}
	}
	// The events refer to the reports by id: check that they got the ids
	// counted for them (a fresh table numbers rows from 1).
	last := first + int64(len(reports)) - 1
	var got int64
	if err := tx.queryRow(ctx, `SELECT max(id) FROM reports`).Scan(&got); err != nil || got != last {
		return fmt.Errorf("seed: reports end at id %d (%v), want %d", got, err, last)
	}
	var rows [][]any
	for i, r := range reports {
		for _, e := range r.events {
			rows = append(rows, []any{first + int64(i), e.at, e.actor, e.action, e.from, e.to, e.visibility, e.comment, e.changes})
		}
	}
	for start := 0; start < len(rows); start += perEvents {
		chunk := rows[start:min(start+perEvents, len(rows))]
		var q strings.Builder
		q.WriteString(`INSERT INTO timeline_events (report_id, at, actor, action, from_state, to_state, visibility, comment, changes) VALUES `)
		args := make([]any, 0, 9*len(chunk))
		for i, row := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(`(?,?,?,?,?,?,?,?,?)`)
			args = append(args, row...)
		}
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("seed timeline events: %w", err)
		}
	}
	return nil
}

// seeding is one kind of seeded database: its name, the version of its
// generator, and how to fill a migrated, empty store with it.
type seeding struct {
	name    string // in the names of the kept database: ward-bench-NAME-KEY
	version string // change it whenever the generated data changes
	what    string // what it holds, for the log
	fill    func(ctx context.Context, db *DB) error
}

// reportsSeeding is the database of BenchmarkReports.
var reportsSeeding = seeding{name: "reports", version: seedVersion,
	what: fmt.Sprintf("%d reports and %d timeline events", seedReports, seedEvents), fill: seed}

// seedKey names a seeded database: the migrations of its backend and the
// generator's version. A new migration (an index, the search triggers)
// gives a new key, and so a database seeded through it.
func seedKey(dir, version string) (string, error) {
	h := sha256.New()
	h.Write([]byte(version))
	err := fs.WalkDir(migrations, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// openSeedDB opens the seeded store for the benchmarks.
func openSeedDB(b *testing.B, dsn string) (*DB, *wardtest.Clock) {
	b.Helper()
	clock := wardtest.NewClock(seedNow)
	db, err := Open(context.Background(), dsn, Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		b.Fatalf("open %s: %v", RedactDSN(dsn), err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	return db, clock
}

// seededSQLite returns the DSN of the seeded SQLite database, kept as
// $TMPDIR/ward-bench-KEY.db between runs. It is seeded into a file of
// another name and renamed when complete, so that a file under the final
// name is always whole.
func seededSQLite(b *testing.B, s seeding) string {
	b.Helper()
	key, err := seedKey("migrations/sqlite", s.version)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(os.TempDir(), "ward-bench-"+s.name+"-"+key+".db")
	if _, err := os.Stat(path); err == nil {
		return "sqlite:" + path
	}
	building := path + ".seeding"
	for _, p := range []string{building, building + "-wal", building + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			b.Fatal(err)
		}
	}
	start := time.Now()
	db, _ := openSeedDB(b, "sqlite:"+building)
	ctx := ctxAs(cli)
	if err := s.fill(ctx, db); err != nil {
		b.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA optimize`); err != nil {
		b.Fatal(err)
	}
	// Closing checkpoints the WAL into the file, which is then complete.
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(building, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %s with %s in %s", path, s.what, time.Since(start).Round(time.Second))
	return "sqlite:" + path
}

// seededPostgres returns the URL of the seeded schema ward_bench_NAME_KEY on
// the server WARD_TEST_POSTGRES names, skipping without it. The schema is
// seeded under another name and renamed when complete, and kept between
// runs; drop the ward_bench_* schemas to reclaim the space.
func seededPostgres(b *testing.B, s seeding) string {
	b.Helper()
	base := os.Getenv("WARD_TEST_POSTGRES")
	if base == "" {
		b.Skip("PostgreSQL benchmarks skipped: set WARD_TEST_POSTGRES=postgres://user@host:5432/db to run them")
	}
	key, err := seedKey("migrations/postgres", s.version)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		b.Skipf("PostgreSQL benchmarks skipped: WARD_TEST_POSTGRES is unreachable: %v", err)
	}
	defer admin.Close()
	schema := "ward_bench_" + s.name + "_" + key
	building := schema + "_seeding"
	withSchema := func(s string) string {
		u, err := url.Parse(base)
		if err != nil {
			b.Fatalf("WARD_TEST_POSTGRES: %v", err)
		}
		q := u.Query()
		q.Set("search_path", s)
		u.RawQuery = q.Encode()
		return u.String()
	}
	var exists bool
	if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if exists {
		return withSchema(schema)
	}
	start := time.Now()
	for _, q := range []string{`DROP SCHEMA IF EXISTS ` + building + ` CASCADE`, `CREATE SCHEMA ` + building} {
		if _, err := admin.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	db, _ := openSeedDB(b, withSchema(building))
	ctx := ctxAs(cli)
	if err := s.fill(ctx, db); err != nil {
		b.Fatal(err)
	}
	// VACUUM as well as ANALYZE: autovacuum would have set the visibility
	// map of a database this old, which index-only scans rely on.
	if _, err := db.write.ExecContext(ctx, `VACUUM (ANALYZE) reports, timeline_events`); err != nil {
		b.Fatal(err)
	}
	db.Close()
	if _, err := admin.Exec(`ALTER SCHEMA ` + building + ` RENAME TO ` + schema); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded schema %s with %s in %s", schema, s.what, time.Since(start).Round(time.Second))
	return withSchema(schema)
}
