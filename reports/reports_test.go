package reports_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

func ptr[T any](v T) *T { return &v }

func setup(t *testing.T) (*store.DB, *reports.Service, *wardtest.Clock) {
	t.Helper()
	clock := wardtest.NewClock(time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "ward.db"), store.Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	spec := ward.TeamSpec{
		Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), Role: ptr(ward.RoleAdmin)}},
			{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Bo"), Role: ptr(ward.RoleResponder)}},
		},
		Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("EUR"), Bounties: map[string]int64{"high": 300_000}}},
	}
	if _, err := db.ApplyTeam(ctx, spec, false); err != nil {
		t.Fatal(err)
	}
	return db, reports.New(db, db, db, db, clock.Now), clock
}

func as(email string, role ward.Role) context.Context {
	return ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorMember, Email: email, Role: role})
}

// What one action sets must survive the actions after it unchanged: the
// severity's score and version, the bounty's times, the disclosure's
// deadline, the tracking issue's fields.
func TestActionsKeepWhatOthersSet(t *testing.T) {
	db, svc, clock := setup(t)
	bo, ana := as("bo@example.org", ward.RoleResponder), as("ana@example.org", ward.RoleAdmin)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	steps := []reports.Action{
		{Action: "triage", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", Tier: "tier-1"},
		{Action: "propose_bounty", Amount: 300_000, Currency: "EUR"},
		{Action: "assign", Member: "Bo@example.org"},
		{Action: "track", URL: "https://github.com/example/security/issues/3"},
		{Action: "update_tracking", CVE: ptr("cve-2026-4242"), Attribution: ptr("Rae Okafor"), FixStatus: "embargo"},
		{Action: "resolve", Comment: "fixed"},
		{Action: "request_disclosure", Kind: "full"},
		{Action: "comment", Comment: "waiting for the reporter", Visibility: "team"},
	}
	var after *ward.Report
	for _, step := range steps {
		var err error
		if after, _, err = svc.Act(bo, r.ID, step); err != nil {
			t.Fatalf("%s: %v", step.Action, err)
		}
	}
	if _, _, err := svc.Act(ana, r.ID, reports.Action{Action: "approve_bounty"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindReportByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&ward.Severity{Vector: steps[0].Vector, Version: "4.0", Score: 8.7, Rating: "High"}, got.Severity); diff != "" {
		t.Errorf("severity after seven more actions (-want +got):\n%s", diff)
	}
	if got.Assignee != "bo@example.org" || got.Bounty.ApprovedBy != "ana@example.org" || !got.Bounty.ProposedAt.Equal(clock.Now()) {
		t.Errorf("report = %+v, bounty %+v", got, got.Bounty)
	}
	if got.CVE != "CVE-2026-4242" || got.Attribution != "Rae Okafor" || got.FixStatus != "embargo" {
		t.Errorf("tracking fields = %q, %q, %q", got.CVE, got.Attribution, got.FixStatus)
	}
	// Requested on 31 January: the month ends on 28 February.
	if want := time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC); !got.Disclosure.Deadline.Equal(want) || !after.Disclosure.Deadline.Equal(want) {
		t.Errorf("deadline = %s (stored %s), want %s", after.Disclosure.Deadline, got.Disclosure.Deadline, want)
	}
	if got.Version != int64(len(steps))+2 {
		t.Errorf("version = %d after %d actions", got.Version, len(steps)+1)
	}
}

// Two actions worked out on the same version: one is stored, the other is
// refused, never both.
func TestConcurrentActions(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "race", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = svc.Act(bo, r.ID, reports.Action{Action: "comment", Comment: "mine"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch ward.ErrorCode(err) {
		case "":
			ok++
		case ward.ECONFLICT:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	events, _ := db.FindTimeline(context.Background(), r.ID)
	got, _ := db.FindReportByID(context.Background(), r.ID)
	if ok == 0 || len(events) != ok+1 || got.Version != int64(ok)+1 {
		t.Errorf("%d actions stored, %d events, version %d", ok, len(events), got.Version)
	}
}

// The command line acts as an admin but is nobody: it can never be one of
// a bounty's two people.
func TestCommandLineTakesNoPartInBounties(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	cli := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorCLI, Email: "root", Role: ward.RoleAdmin})
	r := ward.Report{Title: "x", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Act(cli, r.ID, reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "propose_bounty", Amount: 300_000, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []reports.Action{{Action: "approve_bounty"}, {Action: "propose_bounty", Amount: 1, Currency: "EUR", Reason: "x"}} {
		if _, _, err := svc.Act(cli, r.ID, a); ward.ErrorCode(err) != ward.EFORBIDDEN {
			t.Errorf("the command line's %s: %v, want forbidden", a.Action, err)
		}
	}
}

// Allowed lists what the caller may take as it stands: nothing for a
// viewer, the triage actions for a responder on a new report.
func TestAllowed(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "x", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Allowed(as("vi@example.org", ward.RoleViewer), &r); err != nil || len(got) != 0 {
		t.Errorf("a viewer's actions = %v, %v; want none", got, err)
	}
	got, err := svc.Allowed(bo, &r)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"request_info", "mark_invalid", "mark_duplicate", "mark_spam", "triage", "assign", "comment", "set_severity", "label"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a responder's actions on a new report (-want +got):\n%s", diff)
	}
}

func TestPingByHand(t *testing.T) {
	db, svc, _ := setup(t)
	bo, ana := as("bo@example.org", ward.RoleResponder), as("ana@example.org", ward.RoleAdmin)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	for _, in := range []reports.Action{
		{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Tier: "tier-1"},
		{Action: "set_commander", Member: "bo@example.org"},
	} {
		if _, _, err := svc.Act(ana, r.ID, in); err != nil {
			t.Fatalf("%s: %v", in.Action, err)
		}
	}
	_, ev, err := svc.Act(ana, r.ID, reports.Action{Action: "ping", Comment: "Any news on the fix?"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"bo@example.org"}, ev.Notify); diff != "" {
		t.Errorf("notified (-want +got):\n%s", diff)
	}
	n, err := db.FindNotifications(bo, ward.NotificationFilter{Member: "bo@example.org"})
	if err != nil || len(n) != 1 || n[0].Kind != "ping" {
		t.Errorf("the commander's notifications = %+v, %v", n, err)
	}
}
