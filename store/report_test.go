package store

import (
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestReports(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "bot@example.org", Role: ward.RoleTriager})
		h1 := ward.Report{Title: " Admission webhook bypass ", Body: "<script>alert(1)</script> **steps**", Source: ward.SourceHackerOne,
			ExternalID: "2345678", ExternalURL: "https://hackerone.com/reports/2345678", ReporterName: "Rae", ReporterEmail: "Rae@Example.net"}
		created, err := db.CreateReport(ctx, &h1)
		if err != nil || !created {
			t.Fatalf("create: %v, %v", created, err)
		}
		if h1.ID == 0 || h1.State != ward.ReportNew || h1.Title != "Admission webhook bypass" || h1.ReporterEmail != "rae@example.net" {
			t.Errorf("created = %+v", h1)
		}

		t.Run("the same external report twice is one report", func(t *testing.T) {
			again := ward.Report{Title: "edited title", Body: "x", Source: ward.SourceHackerOne, ExternalID: "2345678"}
			created, err := db.CreateReport(ctx, &again)
			if err != nil || created || again.ID != h1.ID || again.Title != h1.Title {
				t.Errorf("second create = %v, %+v, %v", created, again, err)
			}
			other := ward.Report{Title: "same id, other source", Source: ward.SourceEmail, ExternalID: "2345678"}
			if created, err := db.CreateReport(ctx, &other); err != nil || !created {
				t.Errorf("another source with the same id: %v, %v", created, err)
			}
		})
		t.Run("the body is stored byte for byte", func(t *testing.T) {
			got, err := db.FindReportByID(ctx, h1.ID)
			if err != nil || got.Body != h1.Body || len(got.Labels) != 0 || got.Labels == nil {
				t.Errorf("found %+v, %v", got, err)
			}
		})
		t.Run("a timeline starts with the creation, by whom", func(t *testing.T) {
			events, err := db.FindTimeline(ctx, h1.ID)
			if err != nil || len(events) != 1 || events[0].Action != "create" || events[0].Actor != "member:bot@example.org" || events[0].ToState != "new" {
				t.Errorf("timeline = %+v, %v", events, err)
			}
		})
		t.Run("the audit log keeps where it came from, not what it says", func(t *testing.T) {
			entries, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "report/" + itoa(h1.ID)})
			if len(entries) != 1 || strings.Contains(string(entries[0].Diff), "webhook") {
				t.Errorf("audit = %+v", entries)
			}
		})
		t.Run("bad reports are invalid and write nothing", func(t *testing.T) {
			before, _ := db.FindReports(ctx, ward.ReportFilter{})
			for _, bad := range []ward.Report{
				{Title: "", Source: ward.SourceAPI},
				{Title: "x", Source: "fax"},
				{Title: "x\xff", Source: ward.SourceAPI},
				{Title: strings.Repeat("x", 301), Source: ward.SourceAPI},
				{Title: "x", Source: ward.SourceAPI, ReporterEmail: "not an address"},
				{Title: "x", Source: ward.SourceAPI, ExternalID: "1", ExternalURL: "javascript:alert(1)"},
				{Title: "x", Source: ward.SourceAPI, ExternalURL: "https://example.org/1"},
			} {
				_, err := db.CreateReport(ctx, &bad)
				wantCode(t, err, ward.EINVALID)
			}
			after, _ := db.FindReports(ctx, ward.ReportFilter{})
			if len(after) != len(before) {
				t.Errorf("reports went from %d to %d", len(before), len(after))
			}
		})
		t.Run("lists filter and page, newest first, without spam", func(t *testing.T) {
			for i := range 3 {
				r := ward.Report{Title: "web " + itoa(int64(i)), Source: ward.SourceWeb}
				if _, err := db.CreateReport(ctx, &r); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.write.ExecContext(ctx, `UPDATE reports SET state = 'spam' WHERE title = 'web 0'`); err != nil {
				t.Fatal(err)
			}
			web, _ := db.FindReports(ctx, ward.ReportFilter{Source: ward.SourceWeb})
			if len(web) != 2 || web[0].Title != "web 2" {
				t.Errorf("web reports = %d, first %q", len(web), web[0].Title)
			}
			withSpam, _ := db.FindReports(ctx, ward.ReportFilter{Source: ward.SourceWeb, IncludeSpam: true})
			page, _ := db.FindReports(ctx, ward.ReportFilter{Before: web[0].ID, Limit: 1})
			if len(withSpam) != 3 || len(page) != 1 || page[0].ID >= web[0].ID {
				t.Errorf("with spam %d, page %+v", len(withSpam), page)
			}
			_, err := db.FindReportByID(ctx, 99999)
			wantCode(t, err, ward.ENOTFOUND)
		})
	})
}

// The runbook's queues, on both databases.
func TestReportViews(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "bo@example.org", Role: ward.RoleResponder})
		file := func(title string, change func(r *ward.Report)) *ward.Report {
			t.Helper()
			r := ward.Report{Title: title, Source: ward.SourceAPI}
			if _, err := db.CreateReport(ctx, &r); err != nil {
				t.Fatal(err)
			}
			if change != nil {
				change(&r)
				if err := db.UpdateReport(ctx, &r, r.Version, &ward.TimelineEvent{Action: "test", Visibility: "team"}); err != nil {
					t.Fatal(err)
				}
			}
			return &r
		}
		critical := &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Version: "3.1", Score: 9.8, Rating: "Critical"}
		medium := &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N", Version: "3.1", Score: 4.2, Rating: "Medium"}
		oldCritical := file("old critical", func(r *ward.Report) { r.State, r.Severity, r.Commander = "tracked", critical, "bo@example.org" })
		oldMedium := file("old medium", func(r *ward.Report) { r.State, r.Severity = "triaged", medium })
		db.clock.Advance(3 * 24 * time.Hour)
		file("fresh critical", func(r *ward.Report) { r.State, r.Severity = "tracked", critical })
		awarded := file("awarded", func(r *ward.Report) {
			r.State, r.Severity, r.Bounty = "resolved", critical, &ward.Bounty{Amount: 1, Currency: "USD", ProposedBy: "a@example.org", ApprovedBy: "b@example.org"}
		})
		asking := file("asking", func(r *ward.Report) {
			r.State, r.Assignee, r.Labels = "needs_info", "bo@example.org", []string{"Tracked_ish"}
		})
		file("invalid", func(r *ward.Report) { r.State = "invalid" })
		requested := file("requested", func(r *ward.Report) { r.State, r.Labels = "disclosure_requested", []string{"Tracked"} })

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
		for _, tt := range []struct {
			f    ward.ReportFilter
			want string
		}{
			{ward.ReportFilter{View: "stale-critical"}, oldCritical.Title},
			{ward.ReportFilter{View: "stale-medium"}, ""},
			{ward.ReportFilter{View: "needs-info"}, asking.Title},
			{ward.ReportFilter{View: "needs-disclosure"}, awarded.Title},
			{ward.ReportFilter{View: "pending-disclosure"}, requested.Title},
			{ward.ReportFilter{View: "mine", Me: "bo@example.org"}, "asking, old critical"},
			{ward.ReportFilter{View: "triage"}, "requested, asking, fresh critical, old medium, old critical"},
			{ward.ReportFilter{Rating: "Critical"}, "awarded, fresh critical, old critical"},
			{ward.ReportFilter{Label: "Tracked"}, requested.Title},
			{ward.ReportFilter{Label: "Tracked_"}, ""},
			{ward.ReportFilter{Assignee: "bo@example.org"}, asking.Title},
		} {
			if got := titles(tt.f); got != tt.want {
				t.Errorf("%+v = %q, want %q", tt.f, got, tt.want)
			}
		}
		// A moment before a calendar month after its last update the medium
		// one is not stale yet; at the month it is, as its ping is due then.
		db.clock.Advance(28*24*time.Hour - time.Microsecond)
		if got := titles(ward.ReportFilter{View: "stale-medium"}); got != "" {
			t.Errorf("stale-medium just before a month = %q", got)
		}
		db.clock.Advance(time.Microsecond)
		if got := titles(ward.ReportFilter{View: "stale-medium"}); got != oldMedium.Title {
			t.Errorf("stale-medium at a month = %q", got)
		}
		_, err := db.FindReports(ctx, ward.ReportFilter{View: "everything"})
		wantCode(t, err, ward.EINVALID)

		t.Run("mine merges what one is assigned and commands", func(t *testing.T) {
			both := file("both", func(r *ward.Report) { r.State, r.Assignee, r.Commander = "triaged", "bo@example.org", "bo@example.org" })
			file("someone else's", func(r *ward.Report) { r.State, r.Assignee, r.Commander = "triaged", "cy@example.org", "cy@example.org" })
			mine := func(f ward.ReportFilter) string {
				f.View, f.Me = "mine", "bo@example.org"
				return titles(f)
			}
			for _, tt := range []struct {
				f    ward.ReportFilter
				want string
			}{
				{ward.ReportFilter{}, "both, asking, old critical"}, // both once, newest first across the branches
				{ward.ReportFilter{Limit: 2}, "both, asking"},
				{ward.ReportFilter{Before: both.ID}, "asking, old critical"},
				{ward.ReportFilter{Before: both.ID, Limit: 1}, "asking"},
				{ward.ReportFilter{State: "tracked"}, "old critical"},
				{ward.ReportFilter{Rating: "critical"}, "old critical"},
			} {
				if got := mine(tt.f); got != tt.want {
					t.Errorf("mine %+v = %q, want %q", tt.f, got, tt.want)
				}
			}
			// Without knowing who asks, mine is not everyone's unassigned
			// reports.
			_, err := db.FindReports(ctx, ward.ReportFilter{View: "mine"})
			wantCode(t, err, ward.EINVALID)
		})
	})
}
