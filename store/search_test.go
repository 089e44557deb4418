package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// fileReport files r through the store, failing the test if it cannot.
func fileReport(t *testing.T, db testDB, r ward.Report) *ward.Report {
	t.Helper()
	ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "bot@example.org", Role: ward.RoleTriager})
	if r.Source == "" {
		r.Source = ward.SourceAPI
	}
	if _, err := db.CreateReport(ctx, &r); err != nil {
		t.Fatalf("file %q: %v", r.Title, err)
	}
	return &r
}

// execSQL changes the database behind the store's back, as an edit or an
// older version of ward would.
func execSQL(t *testing.T, db testDB, query string, args ...any) {
	t.Helper()
	if _, err := db.write.ExecContext(context.Background(), db.rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestSearch(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "bo@example.org", Role: ward.RoleResponder})
		webhook := fileReport(t, db, ward.Report{Title: "Admission webhook bypass", ReporterName: "Rae Quill",
			Body: "The validating webhook skips **namespaces** labelled skip_me. See CVE-2026-1234."})
		fileReport(t, db, ward.Report{Title: "SSRF in the image proxy", Body: "Fetches http://169.254.169.254/latest from the Zürich cluster."})
		comments := fileReport(t, db, ward.Report{Title: "Stored XSS in comments", Body: `payload "><script>alert(1)</script>`})

		titles := func(f ward.ReportFilter) string {
			t.Helper()
			rs, err := db.FindReports(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.Title)
			}
			return strings.Join(out, ", ")
		}
		t.Run("words of the title, body and reporter's name, any case, all of them", func(t *testing.T) {
			for _, tt := range []struct{ q, want string }{
				{"webhook", webhook.Title},
				{"NAMESPACES", webhook.Title},
				{"quill", webhook.Title},
				{"bypass namespaces", webhook.Title},
				{"  bypass\tnamespaces  ", webhook.Title},
				{"bypass proxy", ""},
				{"webhooks", ""}, // no stemming
				{"CVE-2026-1234", webhook.Title},
				{"cve-2026-1234.", webhook.Title},
				{"2026-1234", webhook.Title},
				{"CVE-2026-12", ""}, // whole words
				{"skip_me", webhook.Title},
				{"169.254.169.254", "SSRF in the image proxy"},
				{"Zürich", "SSRF in the image proxy"},
				{"alert(1)", comments.Title},
				{"stored xss in comments", comments.Title},
				{"in", "Stored XSS in comments, SSRF in the image proxy"},
			} {
				if got := titles(ward.ReportFilter{Query: tt.q}); got != tt.want {
					t.Errorf("%q found %q, want %q", tt.q, got, tt.want)
				}
			}
		})
		t.Run("accents fold on SQLite only", func(t *testing.T) {
			want := "SSRF in the image proxy"
			if db.dialect == postgresDialect {
				want = ""
			}
			if got := titles(ward.ReportFilter{Query: "zurich"}); got != want {
				t.Errorf("zurich found %q, want %q", got, want)
			}
		})
		t.Run("query syntax is matched as text or refused, never run", func(t *testing.T) {
			for _, tt := range []struct {
				q, want string
				invalid bool
			}{
				{q: `"`, invalid: true},
				{q: `*`, invalid: true},
				{q: `-`, invalid: true},
				{q: `"" * - ( ) : ^ { } ; '`, invalid: true},
				{q: "   ", invalid: true},
				{q: "a\x00b", invalid: true},
				{q: "\xff\xfe", invalid: true},
				{q: strings.Repeat("a ", 100) + "a", invalid: true},
				{q: "AND OR NOT"},
				{q: "webhook OR proxy"},
				{q: "-webhook", want: webhook.Title}, // no negation: the word
				{q: "title:webhook"},
				{q: "webhook*", want: webhook.Title},
				{q: `"webhook`, want: webhook.Title},
				{q: `web"hook`},
				{q: "NEAR(webhook bypass)"},
				{q: "{title}: webhook"},
				{q: "^admission", want: webhook.Title},
				{q: "'; DROP TABLE reports; --"},
				{q: `\ % _ $1 ?`, want: comments.Title}, // the 1 of alert(1)
				{q: "webhook & !proxy | <-> :*"},        // webhook and proxy
			} {
				rs, err := db.FindReports(ctx, ward.ReportFilter{Query: tt.q})
				if tt.invalid {
					if ward.ErrorCode(err) != ward.EINVALID || !strings.HasPrefix(ward.ErrorMessage(err), "q: ") {
						t.Errorf("%q: %v, want EINVALID naming q", tt.q, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%q: %v", tt.q, err)
					continue
				}
				var got []string
				for _, r := range rs {
					got = append(got, r.Title)
				}
				if strings.Join(got, ", ") != tt.want {
					t.Errorf("%q found %q, want %q", tt.q, got, tt.want)
				}
			}
			if got := titles(ward.ReportFilter{Query: "webhook"}); got != webhook.Title {
				t.Errorf("after the syntax, webhook found %q", got)
			}
			if _, err := db.FindReports(ctx, ward.ReportFilter{Query: strings.Repeat("é", 100)}); err != nil {
				t.Errorf("200 bytes: %v", err)
			}
		})
		t.Run("combines with filters, views and the cursor", func(t *testing.T) {
			var pages []*ward.Report
			for _, title := range []string{"paging one", "paging two", "paging three", "paging spam"} {
				pages = append(pages, fileReport(t, db, ward.Report{Title: title, Body: "pagination"}))
			}
			execSQL(t, db, `UPDATE reports SET state = 'spam' WHERE id = ?`, pages[3].ID)
			triaged := *pages[0]
			triaged.State = "triaged"
			if err := db.UpdateReport(ctx, &triaged, triaged.Version, &ward.TimelineEvent{Action: "test", Visibility: "team"}); err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				f    ward.ReportFilter
				want string
			}{
				{ward.ReportFilter{Query: "pagination"}, "paging three, paging two, paging one"},
				{ward.ReportFilter{Query: "pagination", IncludeSpam: true}, "paging spam, paging three, paging two, paging one"},
				{ward.ReportFilter{Query: "pagination", Limit: 2}, "paging three, paging two"},
				{ward.ReportFilter{Query: "pagination", Limit: 2, Before: pages[1].ID}, "paging one"},
				{ward.ReportFilter{Query: "pagination", State: "triaged"}, "paging one"},
				{ward.ReportFilter{Query: "pagination two", View: "triage"}, "paging two"},
				{ward.ReportFilter{Query: "pagination", View: "needs-info"}, ""},
				{ward.ReportFilter{Query: "pagination", Source: ward.SourceEmail}, ""},
			} {
				if got := titles(tt.f); got != tt.want {
					t.Errorf("%+v = %q, want %q", tt.f, got, tt.want)
				}
			}
		})
		t.Run("follows edits of the text, and only of the text", func(t *testing.T) {
			execSQL(t, db, `UPDATE reports SET title = 'Stored XSS in reviews', body = 'moved' WHERE id = ?`, comments.ID)
			for _, tt := range []struct{ q, want string }{
				{"comments", ""},
				{"alert", ""},
				{"reviews", "Stored XSS in reviews"},
				{"moved xss", "Stored XSS in reviews"},
			} {
				if got := titles(ward.ReportFilter{Query: tt.q}); got != tt.want {
					t.Errorf("after the edit %q found %q, want %q", tt.q, got, tt.want)
				}
			}
			labelled := *webhook
			labelled.Labels = []string{"Tracked"}
			if err := db.UpdateReport(ctx, &labelled, labelled.Version, &ward.TimelineEvent{Action: "label", Visibility: "team"}); err != nil {
				t.Fatal(err)
			}
			if got := titles(ward.ReportFilter{Query: "webhook", Label: "Tracked"}); got != webhook.Title {
				t.Errorf("after an action, webhook found %q", got)
			}
		})
	})
}

// Reports filed before the search migration are found once it has run, and
// undoing it leaves the reports as they were.
func TestSearchMigration(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		p, err := db.migrations()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 5); err != nil {
			t.Fatalf("down to 5: %v", err)
		}
		execSQL(t, db, `INSERT INTO reports (title, body, source, state, created_at, updated_at) VALUES ('Older report', 'filed before search', 'api', 'new', 0, 0)`)
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		rs, err := db.FindReports(ctx, ward.ReportFilter{Query: "before search"})
		if err != nil || len(rs) != 1 || rs[0].Title != "Older report" {
			t.Errorf("found %+v, %v", rs, err)
		}
	})
}

func TestSimilarReports(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		base := fileReport(t, db, ward.Report{Title: "Admission webhook bypass through namespace labels", ReporterEmail: "rae@example.net",
			Body: "Fixed upstream in https://github.com/example/k8s/pull/42. Related to CVE-2026-1234."})
		sameReporter := fileReport(t, db, ward.Report{Title: "Cheap watches", Body: "unrelated", ReporterEmail: "RAE@example.net"})
		sharedURL := fileReport(t, db, ward.Report{Title: "Scheduler crash", Body: "See [the PR](https://GitHub.com/example/k8s/pull/42#top), then run it."})
		sharedCVE := fileReport(t, db, ward.Report{Title: "Another angle", Body: "This is cve-2026-1234 again."})
		both := fileReport(t, db, ward.Report{Title: "Follow-up", Body: "More on CVE-2026-1234", ReporterEmail: "rae@example.net"})
		similarText := fileReport(t, db, ward.Report{Title: "Webhook bypass with namespace labels", Body: "through the admission controller"})
		// Near misses: a longer URL, a longer CVE id, one shared word.
		fileReport(t, db, ward.Report{Title: "Typo in the webhook docs",
			Body: "https://github.com/example/k8s/pull/42/files and https://github.com/example/k8s/pull/4 and CVE-2026-12345"})
		spam := fileReport(t, db, ward.Report{Title: base.Title, Body: base.Body, ReporterEmail: base.ReporterEmail})
		execSQL(t, db, `UPDATE reports SET state = 'spam' WHERE id = ?`, spam.ID)

		got, err := db.SimilarReports(ctx, base.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		type hint struct {
			ID      int64
			Reasons []string
		}
		var hints []hint
		for i, s := range got {
			hints = append(hints, hint{s.Report.ID, s.Reasons})
			if s.Score <= 0 || s.Score >= 1 || (i > 0 && s.Score > got[i-1].Score) {
				t.Errorf("score %v of report %d at %d", s.Score, s.Report.ID, i)
			}
		}
		want := []hint{
			{both.ID, []string{"shared CVE-2026-1234", "same reporter"}},
			{sharedCVE.ID, []string{"shared CVE-2026-1234"}},
			{similarText.ID, []string{"similar text"}},
			{sharedURL.ID, []string{"shared URL https://github.com/example/k8s/pull/42"}},
			{sameReporter.ID, []string{"same reporter"}},
		}
		if diff := cmp.Diff(want, hints); diff != "" {
			t.Errorf("similar to %d (-want +got):\n%s", base.ID, diff)
		}
		if got, err := db.SimilarReports(ctx, base.ID, 0); err != nil || len(got) != 5 {
			t.Errorf("default limit: %d, %v", len(got), err)
		}
		if got, err := db.SimilarReports(ctx, base.ID, 2); err != nil || len(got) != 2 || got[1].Report.ID != sharedCVE.ID {
			t.Errorf("limit 2: %+v, %v", got, err)
		}
		if got, err := db.SimilarReports(ctx, sameReporter.ID, 5); err != nil || !slices.ContainsFunc(got, func(s ward.SimilarReport) bool {
			return s.Report.ID == base.ID && slices.Equal(s.Reasons, []string{"same reporter"})
		}) {
			t.Errorf("similar to the watches: %+v, %v", got, err)
		}
		_, err = db.SimilarReports(ctx, 999999, 5)
		wantCode(t, err, ward.ENOTFOUND)

		// A report not yet filed, such as a mail thread's, finds the same,
		// the base report included, whatever ID it carries.
		probe := *base
		probe.ID = base.ID + 1000
		got, err = db.SimilarReportsTo(ctx, &probe, 20)
		if err != nil || len(got) != len(want)+1 || got[0].Report.ID != base.ID {
			t.Errorf("similar to an unfiled copy of the base: %+v, %v", got, err)
		}
		alone := fileReport(t, db, ward.Report{Title: "zz"})
		if got, err := db.SimilarReports(ctx, alone.ID, 5); err != nil || got == nil || len(got) != 0 {
			t.Errorf("similar to nothing: %#v, %v", got, err)
		}
	})
}

func TestFindRefs(t *testing.T) {
	for _, tt := range []struct {
		text       string
		urls, cves []string
	}{
		{"none here", nil, nil},
		{"See https://Example.ORG/a/b?x=1. And (https://example.org/c), [x](http://example.org/d#frag) and https://example.org/a/b?x=1!",
			[]string{"https://example.org/a/b?x=1", "https://example.org/c", "http://example.org/d"}, nil},
		{"https://example.org/ and https://example.org, <https://example.org/x> \"https://example.org/y\"",
			[]string{"https://example.org", "https://example.org/x", "https://example.org/y"}, nil},
		{"https:// ftp://example.org javascript:alert(1)", nil, nil},
		{"cve-2026-1234, CVE-2026-12345 and CVE-2026-1234; not CVE-26-1234 nor CVE-2026-123 nor XCVE-2026-1111", nil,
			[]string{"CVE-2026-1234", "CVE-2026-12345"}},
	} {
		got := findRefs(tt.text)
		if !slices.Equal(got.urls, tt.urls) || !slices.Equal(got.cves, tt.cves) {
			t.Errorf("findRefs(%q) = %q %q, want %q %q", tt.text, got.urls, got.cves, tt.urls, tt.cves)
		}
	}
}

func TestDistinctiveWords(t *testing.T) {
	for _, tt := range []struct {
		title string
		want  []string
	}{
		{"XSS in the login form", []string{"login", "form", "xss"}},
		{"Security issue: the bug", nil},
		{"CVE-2026-1234 in v1.31.2", nil},
		{"Überlauf im Überlauf-Puffer", []string{"überlauf", "puffer"}},
		{"one two three four five six seven eight nine ten eleven twelve",
			[]string{"eleven", "twelve", "eight", "seven", "three", "five", "four", "nine"}},
	} {
		if got := distinctiveWords(tt.title); !slices.Equal(got, tt.want) {
			t.Errorf("distinctiveWords(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}
