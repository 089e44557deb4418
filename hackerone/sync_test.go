package hackerone

import (
	"context"
	"encoding/json"
	"fmt"
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

// syncFixture syncs the fixtures into db and returns the syncer, the
// pages it reads and the XSS report (1337) as synced.
func syncFixture(t *testing.T, db *store.DB) (*Syncer, *pages, *ward.Report) {
	t.Helper()
	p := &pages{}
	s, r := syncXSS(t, db, p.serve(t))
	return s, p, r
}

// syncXSS syncs what srv serves into db and returns the syncer and the
// XSS report (1337) as synced.
func syncXSS(t *testing.T, db *store.DB, srv *httptest.Server) (*Syncer, *ward.Report) {
	t.Helper()
	ctx := context.Background()
	s := newSyncer(t, srv, db)
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	reports, err := db.FindReports(ctx, ward.ReportFilter{Source: "hackerone", Query: "XSS"})
	if err != nil || len(reports) != 1 {
		t.Fatalf("find the XSS report: %v, %v", reports, err)
	}
	return s, reports[0]
}

func TestSyncConflictKeepsWard(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		ctx := context.Background()
		s, p, r := syncFixture(t, db)
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
		// New activity on HackerOne that changes none of the fields: the
		// report is read again, and the conflict is not repeated.
		later := func(rep map[string]any) {
			edit(rep)
			if rep["id"] == "1337" {
				rep["attributes"].(map[string]any)["last_activity_at"] = "2016-03-02T00:00:00.000Z"
			}
		}
		p.edit.Store(&later)
		res, err = s.Sync(ctx)
		if err != nil || res.Conflicts != 0 {
			t.Errorf("sync after activity without a change: %+v, %v; want no conflict", res, err)
		}
		if got := countActions(t, db, r.ID, "conflict"); got != 1 {
			t.Errorf("%d conflict events, want still 1", got)
		}
	})
}

func countActions(t *testing.T, db *store.DB, id int64, action string) int {
	t.Helper()
	n := 0
	for _, a := range timelineActions(t, db, id) {
		if a == action {
			n++
		}
	}
	return n
}

// ward's own severity, pushed to HackerOne, comes back as HackerOne keeps
// it (CVSS 3.1 base metrics, or the rating alone for 4.0): not a change
// of HackerOne's, so not a conflict.
func TestSyncOwnSeverityIsNotAConflict(t *testing.T) {
	for _, tc := range []struct {
		name   string
		local  ward.Severity
		remote map[string]string
	}{
		{"CVSS 3.0", ward.Severity{Vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Version: "3.0", Score: 7.5, Rating: "High"},
			map[string]string{"rating": "high", "attack_vector": "network", "attack_complexity": "low", "privileges_required": "none",
				"user_interaction": "none", "scope": "unchanged", "confidentiality": "high", "integrity": "none", "availability": "none"}},
		{"temporal metrics", ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:P/RL:O", Version: "3.1", Score: 6.7, Rating: "Medium"},
			map[string]string{"rating": "high", "attack_vector": "network", "attack_complexity": "low", "privileges_required": "none",
				"user_interaction": "none", "scope": "unchanged", "confidentiality": "high", "integrity": "none", "availability": "none"}},
		{"CVSS 4.0", ward.Severity{Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", Version: "4.0", Score: 8.7, Rating: "High"},
			map[string]string{"rating": "high", "attack_vector": "", "attack_complexity": "", "privileges_required": "",
				"user_interaction": "", "scope": "", "confidentiality": "", "integrity": "", "availability": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
				ctx := context.Background()
				s, p, r := syncFixture(t, db)
				act(t, db, r.ID, func(r *ward.Report) { sev := tc.local; r.Severity = &sev },
					&ward.TimelineEvent{Action: "set_severity", FromState: "triaged", ToState: "triaged", Visibility: "team"})
				edit := func(rep map[string]any) {
					if rep["id"] != "1337" {
						return
					}
					rep["attributes"].(map[string]any)["last_activity_at"] = "2016-03-01T00:00:00.000Z"
					sev := rep["relationships"].(map[string]any)["severity"].(map[string]any)["data"].(map[string]any)["attributes"].(map[string]any)
					for k, v := range tc.remote {
						sev[k] = v
					}
				}
				p.edit.Store(&edit)
				res, err := s.Sync(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Conflicts != 0 {
					t.Errorf("ward's own severity came back as %d conflict(s)", res.Conflicts)
				}
			})
		})
	}
}

// listed serves n reports as HackerOne does, with their last activity
// from activity (which a test may move while a sync pages), in the list
// and in full.
func listed(t testing.TB, n func() int, activity func(i int) time.Time) *httptest.Server {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	report := func(i int) map[string]any {
		return map[string]any{"id": strconv.Itoa(1000 + i), "type": "report", "attributes": map[string]any{
			"title": fmt.Sprintf("r%d", i), "state": "new", "created_at": created, "last_activity_at": activity(i)}}
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.URL.Path, "/v1/reports/"); ok {
			i, _ := strconv.Atoi(id)
			json.NewEncoder(w).Encode(map[string]any{"data": report(i - 1000)})
			return
		}
		q := r.URL.Query()
		var since time.Time
		if v := q.Get("filter[last_activity_at__gt]"); v != "" {
			since, _ = time.Parse(time.RFC3339, v)
		}
		var ids []int
		for i := range n() {
			if activity(i).After(since) {
				ids = append(ids, i)
			}
		}
		sort.SliceStable(ids, func(a, b int) bool { return activity(ids[a]).Before(activity(ids[b])) })
		number, _ := strconv.Atoi(q.Get("page[number]"))
		lo, hi := min((number-1)*pageSize, len(ids)), min(number*pageSize, len(ids))
		var data []map[string]any
		for _, i := range ids[lo:hi] {
			data = append(data, report(i))
		}
		links := map[string]any{}
		if hi < len(ids) {
			q.Set("page[number]", strconv.Itoa(number+1))
			links["next"] = srv.URL + r.URL.Path + "?" + q.Encode()
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data, "links": links})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func syncedIDs(t *testing.T, db *store.DB) map[string]bool {
	t.Helper()
	rs, err := db.FindReports(context.Background(), ward.ReportFilter{Source: "hackerone", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range rs {
		have[r.ExternalID] = true
	}
	return have
}

// A report that gets new activity while the sync pages moves to the end
// of the list: with numbered pages, the report after it slid onto a page
// already read, and was never synced.
func TestSyncPageShift(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var moved atomic.Bool
		srv := listed(t, func() int { return 150 }, func(i int) time.Time {
			if i == 0 && moved.Load() {
				return base.Add(1000 * time.Second)
			}
			return base.Add(time.Duration(i) * time.Second)
		})
		s := newSyncer(t, srv, db)
		s.Store = &movingStore{SyncService: db, after: func() { moved.Store(true) }, at: 1}
		if _, err := s.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		have := syncedIDs(t, db)
		for i := range 150 {
			if !have[strconv.Itoa(1000+i)] {
				t.Errorf("report %d never synced (%d of 150 in ward)", 1000+i, len(have))
			}
		}
	})
}

// movingStore calls after once the page number at (from 1) is stored:
// someone comments on a report while the sync pages.
type movingStore struct {
	ward.SyncService
	after  func()
	at     int32
	stored atomic.Int32
}

func (m *movingStore) StoreSyncPage(ctx context.Context, p *ward.SyncPage) (ward.SyncResult, error) {
	res, err := m.SyncService.StoreSyncPage(ctx, p)
	if m.stored.Add(1) == m.at {
		m.after()
	}
	return res, err
}

// More reports than a page at the same time, so the sync pages by number
// through them; one of them moves to the end while it does: the report
// after it slides onto a page already read. The sync reads the numbered
// pages again until a pass finds nothing new, before it moves on.
func TestSyncTiesPageShift(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var moved atomic.Bool
		srv := listed(t, func() int { return 250 }, func(i int) time.Time {
			switch {
			case i == 0 && moved.Load():
				return at.Add(300 * time.Minute)
			case i < 150:
				return at
			}
			return at.Add(time.Duration(i-149) * time.Minute)
		})
		s := newSyncer(t, srv, db)
		s.Store = &movingStore{SyncService: db, after: func() { moved.Store(true) }, at: 2}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a loop would hang
		defer cancel()
		for range 2 {
			if _, err := s.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		have := syncedIDs(t, db)
		for i := range 250 {
			if !have[strconv.Itoa(1000+i)] {
				t.Errorf("report %d never synced (%d of 250 in ward)", 1000+i, len(have))
			}
		}
	})
}

// More reports than a page with the very same last activity: the sync
// pages through them by number, and ends.
func TestSyncTies(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s := newSyncer(t, listed(t, func() int { return 250 }, func(int) time.Time { return at }), db)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a loop would hang
		defer cancel()
		res, err := s.Sync(ctx)
		if err != nil || res.Created != 250 {
			t.Fatalf("sync: %+v, %v; want 250 reports", res, err)
		}
		if res, err := s.Sync(ctx); err != nil || res != (ward.SyncResult{}) {
			t.Errorf("second sync: %+v, %v; want nothing", res, err)
		}
	})
}

// recordingStore keeps what a sync stored of each report: whether its
// creation notified on-call.
type recordingStore struct {
	cursor ward.SyncCursor
	notify map[string]bool
}

func (r *recordingStore) SyncCursor(context.Context, string, string) (ward.SyncCursor, error) {
	return r.cursor, nil
}

func (r *recordingStore) SyncedActivity(_ context.Context, _ string, ids []string) (map[string]time.Time, error) {
	return map[string]time.Time{}, nil
}

func (r *recordingStore) StoreSyncPage(_ context.Context, p *ward.SyncPage) (ward.SyncResult, error) {
	for _, er := range p.Reports {
		if _, ok := r.notify[er.ExternalID]; !ok { // only creation notifies
			r.notify[er.ExternalID] = p.Notify
		}
	}
	if p.Cursor.After(r.cursor.At) {
		r.cursor.At = p.Cursor
	}
	r.cursor.Complete = r.cursor.Complete || p.Complete
	return ward.SyncResult{}, nil
}

// A first sync cut short (a timeout, a failed call) resumes as the first
// sync still: the historical reports it brings in notify nobody; a later
// sync's new report does.
func TestSyncInterruptedFirstSyncNotifiesNobody(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var n atomic.Int32
	n.Store(150)
	inner := listed(t, func() int { return int(n.Load()) }, func(i int) time.Time { return base.Add(time.Duration(i) * time.Minute) })
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/reports/1120" && fail.Swap(false) {
			w.WriteHeader(500) // a report of the second page
			return
		}
		inner.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	st := &recordingStore{notify: map[string]bool{}}
	s := newSyncer(t, srv, nil)
	s.Store = st
	if _, err := s.Sync(context.Background()); err == nil {
		t.Fatal("want the second page to fail")
	}
	if st.cursor.At.IsZero() || st.cursor.Complete {
		t.Fatalf("after the first page: %+v, want a cursor, not complete", st.cursor)
	}
	if _, err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(st.notify) != 150 || !st.cursor.Complete {
		t.Fatalf("%d reports stored, cursor %+v; want 150, complete", len(st.notify), st.cursor)
	}
	for id, notified := range st.notify {
		if notified {
			t.Errorf("historical report %s notified on-call: the first sync was only resumed", id)
		}
	}
	n.Store(151)
	if _, err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !st.notify["1150"] {
		t.Error("a report new after the first sync notified nobody")
	}
}

// One report HackerOne will not serve (404: deleted, moved to another
// programme) does not stop every sync: the others sync, the cursor moves,
// and a report already in ward says so on its timeline, once.
func TestSyncSkipsUnreadableReport(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var gone atomic.Bool
		var moved atomic.Int64
		inner := listed(t, func() int { return 150 }, func(i int) time.Time {
			if i == 7 {
				return base.Add(time.Duration(i)*time.Minute + time.Duration(moved.Load())*time.Hour)
			}
			return base.Add(time.Duration(i) * time.Minute)
		})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/reports/1005" || (r.URL.Path == "/v1/reports/1007" && gone.Load()) {
				w.WriteHeader(404)
				w.Write(fixture(t, "error_404.json", ""))
				return
			}
			inner.Config.Handler.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		s := newSyncer(t, srv, db)
		ctx := context.Background()
		if _, err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		have := syncedIDs(t, db)
		if len(have) != 149 || have["1005"] {
			t.Errorf("%d reports synced, 1005 among them: %v; want the 149 others", len(have), have["1005"])
		}
		cursor, err := db.SyncCursor(ctx, "hackerone", "security")
		if err != nil || !cursor.Complete || !cursor.At.Equal(base.Add(149*time.Minute)) {
			t.Errorf("cursor %+v, %v; want complete at the last report's activity", cursor, err)
		}
		// A report in ward that HackerOne stops serving: a note on its
		// timeline, once however many syncs read it.
		gone.Store(true)
		moved.Store(10)
		for range 2 {
			if _, err := s.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := db.FindReports(ctx, ward.ReportFilter{Source: "hackerone", Query: "r7"})
		if err != nil || len(rs) != 1 {
			t.Fatalf("find r7: %v, %v", rs, err)
		}
		if n := countActions(t, db, rs[0].ID, "sync_failed"); n != 1 {
			t.Errorf("%d sync_failed events on report 1007, want 1", n)
		}
	})
}
