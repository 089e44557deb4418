package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// countEvents counts the report's timeline events of the action.
func countEvents(t *testing.T, db interface {
	FindTimeline(context.Context, int64) ([]*ward.TimelineEvent, error)
}, report int64, action string) int {
	t.Helper()
	evs, err := db.FindTimeline(as("ana@example.org", ward.RoleAdmin), report)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

// The reporter's month runs from the request on the UTC calendar: a
// request on 31 January 10:00 ends on 28 February 10:00 (workflow.Deadline).
// The reminder comes at that instant, not a minute before, and once.
func TestDisclosureWindowReminder(t *testing.T) {
	db, svc, clock := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	for _, step := range []reports.Action{
		{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", Tier: "tier-1"},
		{Action: "set_commander", Member: "bo@example.org"},
		{Action: "resolve", Comment: "fixed"},
		{Action: "request_disclosure", Kind: "full"},
	} {
		if _, _, err := svc.Act(bo, r.ID, step); err != nil {
			t.Fatalf("%s: %v", step.Action, err)
		}
	}
	reminder := reports.NewReminder(db, func(context.Context, time.Time) (string, error) { return "", nil })
	deadline := time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		at   time.Time
		want int
	}{
		{deadline.Add(-time.Minute), 0},
		{deadline, 1},
		{deadline.Add(time.Hour), 1},
		{deadline.Add(30 * 24 * time.Hour), 1},
	} {
		clock.Set(step.at)
		if _, err := reminder.RemindWindows(context.Background(), step.at); err != nil {
			t.Fatal(err)
		}
		if got := countEvents(t, db, r.ID, ward.ActionWindowEnded); got != step.want {
			t.Errorf("at %v: %d reminders, want %d", step.at, got, step.want)
		}
	}
	notes, _ := db.FindNotifications(bo, ward.NotificationFilter{Member: "bo@example.org"})
	if len(notes) == 0 || notes[0].Kind != ward.ActionWindowEnded {
		t.Errorf("the commander's notifications = %+v, want the reminder first", notes)
	}
	// Two instances at the same instant remind once.
	clock.Set(deadline.Add(31 * 24 * time.Hour))
	if n, _ := reminder.RemindWindows(context.Background(), clock.Now()); n != 0 {
		t.Errorf("reminded %d more", n)
	}
}

// A handoff waits for its new commander: reminded a day after the
// request, then every day, until it is answered.
func TestHandoffReminders(t *testing.T) {
	db, svc, clock := setup(t)
	if _, err := db.ApplyTeam(context.Background(), ward.TeamSpec{Members: []ward.MemberSpec{
		{Email: "cy@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Cy"), Role: ptr(ward.RoleResponder)}},
	}}, false); err != nil {
		t.Fatal(err)
	}
	bo, cy := as("bo@example.org", ward.RoleResponder), as("cy@example.org", ward.RoleResponder)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	for _, step := range []reports.Action{
		{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", Tier: "tier-1"},
		{Action: "set_commander", Member: "bo@example.org"},
	} {
		if _, _, err := svc.Act(bo, r.ID, step); err != nil {
			t.Fatalf("%s: %v", step.Action, err)
		}
	}
	asked := clock.Now()
	h, err := svc.RequestHandoff(bo, r.ID, reports.HandoffInput{To: "cy@example.org", OpenQuestions: "q", Decisions: "d", PendingActions: "p", TrackingUpdated: true})
	if err != nil {
		t.Fatal(err)
	}
	reminder := reports.NewReminder(db, func(context.Context, time.Time) (string, error) { return "", nil })
	day := 24 * time.Hour
	for _, step := range []struct {
		after time.Duration
		want  int
	}{
		{day - time.Second, 0},
		{day, 1},
		{day + time.Hour, 1},
		{2*day - time.Second, 1},
		{2 * day, 2},
		{5*day + time.Hour, 3}, // a scheduler down for days reminds once when it is back
		{6*day + time.Hour - time.Second, 3},
		{6*day + time.Hour, 4},
	} {
		at := asked.Add(step.after)
		clock.Set(at)
		if _, err := reminder.RemindHandoffs(context.Background(), at); err != nil {
			t.Fatal(err)
		}
		if got := countEvents(t, db, r.ID, ward.ActionHandoffReminder); got != step.want {
			t.Errorf("%v after the request: %d reminders, want %d", step.after, got, step.want)
		}
	}
	notes, _ := db.FindNotifications(cy, ward.NotificationFilter{Member: "cy@example.org"})
	if len(notes) == 0 || notes[0].Kind != ward.ActionHandoffReminder {
		t.Errorf("cy's notifications = %+v, want the reminder first", notes)
	}
	if got, _ := db.FindReportByID(bo, r.ID); got.Commander != "bo@example.org" {
		t.Errorf("commander = %q: a reminder hands nothing over", got.Commander)
	}
	if _, err := svc.AnswerHandoff(cy, h.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	clock.Set(asked.Add(30 * day))
	if n, _ := reminder.RemindHandoffs(context.Background(), clock.Now()); n != 0 {
		t.Errorf("reminded %d times of an accepted handoff", n)
	}
}

// The action that first rates a report critical notifies the on-call (a
// notification addressed to nobody, which notify sends to whoever is on
// call); rating it again, or another rating, does not.
func TestRatedCriticalNotifiesTheOnCall(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	toOnCall := func() int {
		pending, err := db.PendingNotifications(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range pending {
			if p.Member == "" && p.Kind != "create" {
				n++
			}
		}
		return n
	}
	const critical, high = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
	for _, step := range []struct {
		action reports.Action
		want   int
	}{
		{reports.Action{Action: "triage", Vector: high, Tier: "tier-1"}, 0},
		{reports.Action{Action: "set_severity", Vector: critical}, 1},
		{reports.Action{Action: "set_severity", Vector: critical + "/E:H"}, 1},
		{reports.Action{Action: "set_severity", Vector: high}, 1},
	} {
		if _, _, err := svc.Act(bo, r.ID, step.action); err != nil {
			t.Fatalf("%s %s: %v", step.action.Action, step.action.Vector, err)
		}
		if got := toOnCall(); got != step.want {
			t.Errorf("after %s %s: %d notifications to the on-call, want %d", step.action.Action, step.action.Vector, got, step.want)
		}
	}
}
