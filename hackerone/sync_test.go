package hackerone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

// eachDB runs the test on a fresh SQLite store and, when WARD_TEST_POSTGRES
// names a server, on PostgreSQL.
func eachDB(t *testing.T, test func(t *testing.T, db *store.DB, clock *wardtest.Clock)) {
	t.Run("sqlite", func(t *testing.T) {
		db, clock := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "ward.db"))
		test(t, db, clock)
	})
	t.Run("postgres", func(t *testing.T) {
		db, clock := openStore(t, wardtest.PostgresSchema(t))
		test(t, db, clock)
	})
}

func openStore(t testing.TB, dsn string) (*store.DB, *wardtest.Clock) {
	t.Helper()
	clock := wardtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db, err := store.Open(context.Background(), dsn, store.Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Pushes are queued only while HackerOne is configured.
	admin := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorMember, Email: "ana@example.org", Role: ward.RoleAdmin})
	if _, err := db.ApplyTeam(admin, ward.TeamSpec{Integrations: &ward.Integrations{HackerOne: &ward.HackerOneConfig{
		Program: "security", Username: testUser, Token: ward.SecretRef{Env: "WARD_TEST_H1_TOKEN"}}}}, false); err != nil {
		t.Fatal(err)
	}
	return db, clock
}

// pages serves the programme's three reports as HackerOne does: the list
// (GET /reports, the fixtures' reports without activities nor
// attachments) filtered by filter[last_activity_at__gt], sorted by last
// activity and paged by number, and each report in full (GET
// /reports/{id}). edit, when set, changes each report before it is
// served, in the list and in full.
type pages struct {
	edit atomic.Pointer[func(r map[string]any)]
}

// reportFixtures are the fixture of each report in full.
var reportFixtures = map[string]string{"1337": "report.json", "1338": "report_1338.json", "1339": "report_1339.json"}

func (p *pages) serve(t *testing.T) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		load := func(name string) map[string]any {
			var doc map[string]any
			if err := json.Unmarshal(fixture(t, name, srv.URL+"/v1"), &doc); err != nil {
				t.Fatal(err)
			}
			return doc
		}
		if id, ok := strings.CutPrefix(r.URL.Path, "/v1/reports/"); ok && reportFixtures[id] != "" {
			doc := load(reportFixtures[id])
			if edit := p.edit.Load(); edit != nil {
				(*edit)(doc["data"].(map[string]any))
			}
			json.NewEncoder(w).Encode(doc)
			return
		}
		if r.URL.Path != "/v1/reports" {
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var since time.Time
		if v := q.Get("filter[last_activity_at__gt]"); v != "" {
			since, _ = time.Parse(time.RFC3339, v)
		}
		var all []map[string]any
		for _, name := range []string{"reports_page1.json", "reports_page2.json"} {
			for _, rep := range load(name)["data"].([]any) {
				rep := rep.(map[string]any)
				if edit := p.edit.Load(); edit != nil {
					(*edit)(rep)
				}
				at, _ := time.Parse(time.RFC3339, rep["attributes"].(map[string]any)["last_activity_at"].(string))
				if at.After(since) {
					all = append(all, rep)
				}
			}
		}
		activity := func(i int) string { return all[i]["attributes"].(map[string]any)["last_activity_at"].(string) }
		sort.SliceStable(all, func(i, j int) bool { return activity(i) < activity(j) })
		number, _ := strconv.Atoi(q.Get("page[number]"))
		size, _ := strconv.Atoi(q.Get("page[size]"))
		number, size = max(number, 1), max(size, 1)
		lo, hi := min((number-1)*size, len(all)), min(number*size, len(all))
		links := map[string]any{}
		if hi < len(all) {
			q.Set("page[number]", strconv.Itoa(number+1))
			links["next"] = srv.URL + r.URL.Path + "?" + q.Encode()
		}
		json.NewEncoder(w).Encode(map[string]any{"data": all[lo:hi], "links": links})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newSyncer(t *testing.T, srv *httptest.Server, db *store.DB) *Syncer {
	t.Helper()
	c, err := New(Config{APIURL: srv.URL + "/v1", Username: testUser, Token: testToken, Program: "security", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return &Syncer{Client: c, Store: db}
}

// state is every report and its timeline: what two syncs of the same
// pages must leave alike.
type state struct {
	Reports   []*ward.Report
	Timelines map[int64][]*ward.TimelineEvent
}

func dump(t *testing.T, db *store.DB) state {
	t.Helper()
	ctx := context.Background()
	reports, err := db.FindReports(ctx, ward.ReportFilter{IncludeSpam: true, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	s := state{Reports: reports, Timelines: map[int64][]*ward.TimelineEvent{}}
	for _, r := range reports {
		if s.Timelines[r.ID], err = db.FindTimeline(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestSyncTwiceIsOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		ctx := context.Background()
		var p pages
		s := newSyncer(t, p.serve(t), db)
		res, err := s.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 3 || res.Events != 3 {
			t.Errorf("first sync: %+v, want 3 reports and 3 events (2 activities and a bounty)", res)
		}
		first := dump(t, db)
		cursor, err := db.SyncCursor(ctx, "hackerone", "security")
		if want := time.Date(2016, 2, 5, 12, 0, 0, 0, time.UTC); err != nil || !cursor.At.Equal(want) || !cursor.Complete {
			t.Errorf("cursor %+v, %v; want %s, complete", cursor, err, want)
		}
		clock.Advance(time.Hour) // a write in the second sync would show in its times
		res, err = s.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res != (ward.SyncResult{}) {
			t.Errorf("second sync did %+v, want nothing", res)
		}
		if diff := cmp.Diff(first, dump(t, db)); diff != "" {
			t.Errorf("the second sync changed the state (-first +second):\n%s", diff)
		}

		byID := map[string]*ward.Report{}
		for _, r := range first.Reports {
			byID[r.ExternalID] = r
		}
		xss := byID["1337"]
		if xss.State != "triaged" || xss.Severity == nil || xss.Severity.Rating != "Medium" || xss.Severity.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N" ||
			xss.ReporterName != "API Example (@api-example)" || !cmp.Equal(xss.Labels, []string{"cwe-79"}) || xss.ExternalURL != "https://hackerone.com/reports/1337" {
			t.Errorf("report 1337 as synced: %+v", xss)
		}
		if b := byID["1339"].Bounty; b == nil || b.Amount != 133700 || b.Currency != "USD" || byID["1339"].State != "resolved" {
			t.Errorf("report 1339's bounty %+v, state %s", b, byID["1339"].State)
		}
		queue, err := db.FindReports(ctx, ward.ReportFilter{View: "bounty-triage"})
		if err != nil || len(queue) != 2 || queue[0].ExternalID != "1338" || queue[1].ExternalID != "1337" {
			t.Errorf("bounty-triage: %d reports, %v; want 1338 and 1337, not the rewarded 1339", len(queue), err)
		}
		tl := first.Timelines[xss.ID]
		var got []string
		for _, e := range tl {
			got = append(got, e.Actor+" "+e.Action+" "+e.Visibility)
		}
		want := []string{"hackerone:api-example create team", "hackerone:triager-ana comment team", "hackerone:triager-ana hackerone_triaged reporter"}
		if !cmp.Equal(got, want) {
			t.Errorf("timeline of 1337: %q, want %q", got, want)
		}
		if !strings.Contains(tl[0].Comment, "Weakness: Cross-site Scripting (XSS) - Generic (CWE-79)") ||
			!strings.Contains(tl[0].Comment, "root.rb (text/x-ruby, 2871 bytes) https://hackerone.com/system/attachments/") {
			t.Errorf("first event %q lacks the weakness or the attachment", tl[0].Comment)
		}
	})
}

func TestSyncConflictKeepsWard(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		ctx := context.Background()
		var p pages
		s := newSyncer(t, p.serve(t), db)
		if _, err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		reports, err := db.FindReports(ctx, ward.ReportFilter{Source: "hackerone", Query: "XSS"})
		if err != nil || len(reports) != 1 {
			t.Fatalf("find the XSS report: %v, %v", reports, err)
		}
		r := reports[0]
		// The team resolves the report in ward.
		local := *r
		local.State = "resolved"
		if err := db.UpdateReport(ctx, &local, r.Version, &ward.TimelineEvent{Action: "resolve", FromState: r.State, ToState: "resolved", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		// Meanwhile HackerOne asks for more information and retitles it.
		edit := func(rep map[string]any) {
			if rep["id"] == "1337" {
				a := rep["attributes"].(map[string]any)
				a["state"], a["title"], a["last_activity_at"] = "needs-more-info", "Reflected XSS in login form", "2016-03-01T00:00:00.000Z"
			}
		}
		p.edit.Store(&edit)
		clock.Advance(time.Hour)
		res, err := s.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Conflicts != 1 || res.Updated != 1 {
			t.Errorf("sync: %+v, want one conflict and one update", res)
		}
		after, err := db.FindReportByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.State != "resolved" || after.Title != "Reflected XSS in login form" {
			t.Errorf("after the sync: state %s, title %q; want ward's state kept and HackerOne's title", after.State, after.Title)
		}
		tl, err := db.FindTimeline(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var conflicts []*ward.TimelineEvent
		for _, e := range tl {
			if e.Action == "conflict" {
				conflicts = append(conflicts, e)
			}
		}
		if len(conflicts) != 1 || !cmp.Equal(conflicts[0].Changes, []ward.FieldChange{{Field: "state", From: "resolved", To: "needs_info"}}) ||
			conflicts[0].Visibility != "team" || conflicts[0].Actor != "hackerone" {
			t.Fatalf("conflict events %+v", conflicts)
		}
		// The same page again reports the conflict no more.
		before := dump(t, db)
		clock.Advance(time.Hour)
		if res, err := s.Sync(ctx); err != nil || res != (ward.SyncResult{}) {
			t.Errorf("third sync: %+v, %v; want nothing", res, err)
		}
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("the third sync changed the state:\n%s", diff)
		}
	})
}
