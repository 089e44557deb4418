package reports_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// The reporter's side, through their link: they see what is theirs to see,
// answer a question, which brings the report back to triage and tells the
// assignee, and agree or object to disclosure.
func TestReporterLink(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "SSRF in the proxy", Body: "curl http://169.254.169.254/", Source: ward.SourceWeb, ReporterEmail: "rae@example.net"}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	key, err := db.IssueReporterKey(bo, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	act := func(a reports.Action) {
		t.Helper()
		if _, _, err := svc.Act(bo, r.ID, a); err != nil {
			t.Fatalf("%s: %v", a.Action, err)
		}
	}
	act(reports.Action{Action: "assign", Member: "bo@example.org"})
	act(reports.Action{Action: "comment", Comment: "TEAM-ONLY: looks like the metadata endpoint", Visibility: "team"})
	act(reports.Action{Action: "request_info", Comment: "Which version?", Visibility: "reporter"})

	v, err := svc.ForReporter(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != "needs_info" || !slices.Contains(v.Actions, "answer") || slices.Contains(v.Actions, "triage") {
		t.Errorf("view = state %s, actions %v", v.State, v.Actions)
	}
	var said []string
	for _, e := range v.Events {
		said = append(said, e.By+":"+e.Action+":"+e.Comment)
		if strings.Contains(e.Comment, "TEAM-ONLY") {
			t.Errorf("the reporter sees a team-only comment: %+v", e)
		}
	}
	if want := []string{"you:create:", "team:request_info:Which version?"}; !slices.Equal(said, want) {
		t.Errorf("events = %q, want %q", said, want)
	}

	t.Run("an answer goes back to triage and tells the assignee", func(t *testing.T) {
		v, err := svc.ReporterAct(ctx, key, "answer", "v1.31.2")
		if err != nil || v.State != "new" {
			t.Fatalf("answer = %+v, %v", v, err)
		}
		if last := v.Events[len(v.Events)-1]; last.By != "you" || last.Comment != "v1.31.2" {
			t.Errorf("last event = %+v", last)
		}
		got, err := db.FindNotifications(ctx, ward.NotificationFilter{Member: "bo@example.org"})
		if err != nil || len(got) != 1 || got[0].Kind != "answer" || got[0].Report != r.ID {
			t.Errorf("notifications = %+v, %v", got, err)
		}
		events, _ := db.FindTimeline(ctx, r.ID)
		if last := events[len(events)-1]; last.Actor != "reporter:rae@example.net" || last.Visibility != "reporter" {
			t.Errorf("stored event = %+v", last)
		}
	})
	t.Run("the reporter cannot take the team's actions", func(t *testing.T) {
		for _, a := range []string{"triage", "mark_spam", "resolve", "disclose"} {
			_, err := svc.ReporterAct(ctx, key, a, "")
			if ward.ErrorCode(err) != ward.EINVALID {
				t.Errorf("%s: %v", a, err)
			}
		}
		_, err := svc.ReporterAct(ctx, key, "agree_disclosure", "")
		if ward.ErrorCode(err) != ward.ECONFLICT {
			t.Errorf("agree with nothing requested: %v", err)
		}
	})
	t.Run("agree or object to disclosure", func(t *testing.T) {
		act(reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Tier: "tier-1"})
		act(reports.Action{Action: "resolve", Comment: "fixed in 1.31.3", Visibility: "reporter"})
		act(reports.Action{Action: "request_disclosure", Kind: "redacted", Redactions: []string{"169.254.169.254"}})
		v, err := svc.ReporterAct(ctx, key, "object_disclosure", "not yet, please")
		if err != nil || v.Disclosure == nil || v.Disclosure.Answer != "objected" || v.Disclosure.Deadline.IsZero() {
			t.Fatalf("object = %+v, %v", v, err)
		}
		v, err = svc.ReporterAct(ctx, key, "agree_disclosure", "")
		if err != nil || v.Disclosure.Answer != "agreed" {
			t.Fatalf("agree = %+v, %v", v.Disclosure, err)
		}
		if got, _ := db.FindNotifications(ctx, ward.NotificationFilter{Member: "bo@example.org"}); len(got) != 3 {
			t.Errorf("notifications = %d, want answer, object, agree", len(got))
		}
	})
	t.Run("a link to spam shows nothing", func(t *testing.T) {
		s := ward.Report{Title: "buy now", Source: ward.SourceWeb}
		if _, err := db.CreateReport(bo, &s); err != nil {
			t.Fatal(err)
		}
		k, _ := db.IssueReporterKey(bo, s.ID)
		if _, _, err := svc.Act(bo, s.ID, reports.Action{Action: "mark_spam"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ForReporter(ctx, k); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("spam through its link: %v", err)
		}
	})
}

func TestExport(t *testing.T) {
	db, svc, clock := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "Token leak on internal.example.org", Body: "The token on internal.example.org and db-7.internal.example.org leaks.",
		Source: ward.SourceWeb, ReporterName: "Rae"}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	steps := []reports.Action{
		{Action: "comment", Comment: "SECRET team note about internal.example.org", Visibility: "team"},
		{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"},
		{Action: "comment", Comment: "Thanks! Fixed on internal.example.org.", Visibility: "reporter"},
		{Action: "resolve", Comment: "rotated the token"},
	}
	for _, s := range steps {
		if _, _, err := svc.Act(bo, r.ID, s); err != nil {
			t.Fatalf("%s: %v", s.Action, err)
		}
	}
	if _, err := svc.Export(bo, r.ID); ward.ErrorCode(err) != ward.ECONFLICT {
		t.Errorf("export of a resolved report: %v", err)
	}
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "request_disclosure", Kind: "redacted",
		Redactions: []string{"internal.example.org", "db-7.internal.example.org"}}); err != nil {
		t.Fatal(err)
	}
	draft, err := svc.Export(bo, r.ID)
	if err != nil || !draft.Draft {
		t.Fatalf("draft = %+v, %v", draft, err)
	}
	clock.Advance(32 * 24 * 3600e9) // the reporter's month passes unanswered
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "disclose"}); err != nil {
		t.Fatal(err)
	}
	e, err := svc.Export(as("viewer@example.org", ward.RoleViewer), r.ID)
	if err != nil || e.Draft {
		t.Fatalf("export = %+v, %v", e, err)
	}
	md := e.Markdown()
	for _, text := range []string{e.Title, e.Body, md} {
		if strings.Contains(text, "internal.example.org") || strings.Contains(text, "db-7") {
			t.Errorf("a redacted passage shows: %s", text)
		}
	}
	if strings.Contains(md, "SECRET") || strings.Contains(md, "rotated the token") {
		t.Errorf("a team-only comment shows:\n%s", md)
	}
	if len(e.Comments) != 1 || e.Comments[0].Text != "Thanks! Fixed on [redacted]." || e.Credit != "Rae" {
		t.Errorf("export = %+v", e)
	}
	for _, want := range []string{"# Token leak on [redacted]", "Severity: 7.5 High", "Credit: Rae", "Disclosed: 2026-03-0"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// Whatever stretch of text a redacted passage covers is gone, however the
// passages overlap.
func TestRedactor(t *testing.T) {
	for _, tt := range []struct {
		passages []string
		in, want string
	}{
		{[]string{"abc def", "def ghi"}, "host abc def ghi here", "host [redacted] here"},
		{[]string{"internal.example.org", "db-7.internal.example.org"}, "db-7.internal.example.org and internal.example.org", "[redacted] and [redacted]"},
		{[]string{"aa"}, "aaa b aa", "[redacted] b [redacted]"},
		{[]string{"x", ""}, "axbxc", "a[redacted]b[redacted]c"},
		{[]string{"é"}, "café, née", "caf[redacted], n[redacted]e"},
		{nil, "nothing", "nothing"},
	} {
		if got := reports.Redact(tt.passages, tt.in); got != tt.want {
			t.Errorf("redact %q in %q = %q, want %q", tt.passages, tt.in, got, tt.want)
		}
	}
}
