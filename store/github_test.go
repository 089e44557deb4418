package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
)

func TestRecordIssueChange(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		tracked := ward.Report{Title: "tracked", Source: ward.SourceWeb}
		other := ward.Report{Title: "other", Source: ward.SourceWeb}
		for _, r := range []*ward.Report{&tracked, &other} {
			if _, err := db.CreateReport(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		const url = "https://github.com/org/sec/issues/12"
		tracked.State, tracked.TrackingURL = "tracked", url
		if err := db.UpdateReport(ctx, &tracked, tracked.Version, &ward.TimelineEvent{Action: "track", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		gh := ctxAs(ward.Actor{Kind: ward.ActorGitHub, Email: "octocat"})
		forget := db.clock.Now().Add(-30 * 24 * time.Hour)
		changedAt := db.clock.Now().Add(-time.Second)
		labeled := &ward.IssueChange{Delivery: "d-1", BodySHA256: "body-1", Event: "issues", UpdatedAt: changedAt, Action: "labeled", Sender: "octocat", IssueURL: url,
			Issue: "org/sec#12", Summary: "added the label “bug” to org/sec#12", State: "open", Labels: []string{"bug"}, Assignees: []string{}}
		events, err := db.RecordIssueChange(gh, labeled, forget)
		if err != nil || len(events) != 1 {
			t.Fatalf("record = %v, %v; want one event", events, err)
		}
		ev := events[0]
		if ev.Actor != "github:octocat" || ev.Action != "github" || ev.Visibility != "team" || ev.Comment != "added the label “bug” to org/sec#12." {
			t.Errorf("event %+v", ev)
		}
		want := []ward.FieldChange{{Field: "issue_state", To: "open"}, {Field: "issue_labels", To: "bug"}}
		if diff := cmp.Diff(want, ev.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		// The same delivery again is a replay, and so is its body under
		// another GUID, which is not signed.
		_, err = db.RecordIssueChange(gh, labeled, forget)
		wantCode(t, err, ward.ECONFLICT)
		regreeted := *labeled
		regreeted.Delivery = "d-1-again"
		_, err = db.RecordIssueChange(gh, &regreeted, forget)
		wantCode(t, err, ward.ECONFLICT)

		db.clock.Advance(time.Minute)
		closed := *labeled
		closed.Delivery, closed.BodySHA256, closed.Action, closed.State, closed.Summary = "d-2", "body-2", "closed", "closed", "closed org/sec#12 as completed"
		closed.UpdatedAt = changedAt.Add(time.Minute)
		closed.Assignees = []string{"octocat"}
		if events, err = db.RecordIssueChange(gh, &closed, forget); err != nil || len(events) != 1 {
			t.Fatalf("record closed = %v, %v", events, err)
		}
		want = []ward.FieldChange{{Field: "issue_state", From: "open", To: "closed"}, {Field: "issue_assignees", To: "octocat"}}
		if diff := cmp.Diff(want, events[0].Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		state, err := db.FindIssueState(ctx, tracked.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantState := &ward.IssueState{Report: tracked.ID, URL: url, State: "closed", Labels: []string{"bug"}, Assignees: []string{"octocat"},
			ChangedAt: closed.UpdatedAt.UTC().Truncate(time.Microsecond), UpdatedAt: db.clock.Now().UTC().Truncate(time.Microsecond)}
		if diff := cmp.Diff(wantState, state); diff != "" {
			t.Errorf("issue state (-want +got):\n%s", diff)
		}
		timeline, err := db.FindTimeline(ctx, tracked.ID)
		if err != nil || len(timeline) != 4 || timeline[3].Actor != "github:octocat" {
			t.Errorf("timeline = %d events, %v", len(timeline), err)
		}
		got, err := db.FindReportByID(ctx, tracked.ID)
		if err != nil || got.Version != tracked.Version+2 {
			t.Errorf("report version %d, want %d (each event bumps it): %v", got.Version, tracked.Version+2, err)
		}

		// An issue no report tracks, and a ping: the delivery is kept,
		// nothing else.
		untracked := *labeled
		untracked.Delivery, untracked.BodySHA256, untracked.IssueURL = "d-3", "body-3", "https://github.com/org/sec/issues/99"
		ping := &ward.IssueChange{Delivery: "d-4", BodySHA256: "body-4", Event: "ping"}
		for _, c := range []*ward.IssueChange{&untracked, ping} {
			if events, err := db.RecordIssueChange(gh, c, forget); err != nil || len(events) != 0 {
				t.Errorf("record %s = %v, %v; want no event", c.Delivery, events, err)
			}
			_, err := db.RecordIssueChange(gh, c, forget)
			wantCode(t, err, ward.ECONFLICT)
		}
		_, err = db.FindIssueState(ctx, other.ID)
		wantCode(t, err, ward.ENOTFOUND)

		// Past the memory, a delivery id is forgotten (MaxEventAge refuses
		// such a replay instead).
		db.clock.Advance(31 * 24 * time.Hour)
		if _, err := db.RecordIssueChange(gh, ping, db.clock.Now().Add(-30*24*time.Hour)); err != nil {
			t.Errorf("a delivery id 31 days old is still remembered: %v", err)
		}
		var n int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM github_deliveries`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d deliveries kept, want 1: %v", n, err)
		}
	})
}

// TestRecordIssueChangeOutOfOrder: GitHub may deliver an older change
// after a newer one (a late redelivery): it is on the timeline, but the
// issue's state stays the newer one's.
func TestRecordIssueChangeOutOfOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		const url = "https://github.com/org/sec/issues/12"
		r := trackedReport(t, db, ctx, "tracked", url)
		gh := ctxAs(ward.Actor{Kind: ward.ActorGitHub, Email: "octocat"})
		forget := db.clock.Now().Add(-30 * 24 * time.Hour)
		labeledAt := db.clock.Now().Add(-time.Hour)
		closed := &ward.IssueChange{Delivery: "d-closed", BodySHA256: "closed", Event: "issues", Action: "closed", Sender: "octocat",
			IssueURL: url, Issue: "org/sec#12", Summary: "closed org/sec#12", State: "closed", Labels: []string{"bug"}, Assignees: []string{},
			UpdatedAt: labeledAt.Add(time.Minute)}
		if _, err := db.RecordIssueChange(gh, closed, forget); err != nil {
			t.Fatal(err)
		}
		labeled := &ward.IssueChange{Delivery: "d-labeled", BodySHA256: "labeled", Event: "issues", Action: "labeled", Sender: "octocat",
			IssueURL: url, Issue: "org/sec#12", Summary: "added the label “bug” to org/sec#12", State: "open", Labels: []string{"bug"},
			Assignees: []string{}, UpdatedAt: labeledAt}
		events, err := db.RecordIssueChange(gh, labeled, forget)
		if err != nil || len(events) != 1 {
			t.Fatalf("record the older change = %v, %v; want its event", events, err)
		}
		if len(events[0].Changes) != 0 || !strings.HasPrefix(events[0].Comment, "added the label “bug” to org/sec#12.") {
			t.Errorf("the older change's event %+v: want its summary and no change of the issue's state", events[0])
		}
		state, err := db.FindIssueState(ctx, r.ID)
		if err != nil || state.State != "closed" {
			t.Errorf("issue state %+v, %v; want it still closed", state, err)
		}
		// A change at the same instant is taken: GitHub's updated_at has
		// whole seconds, and two changes may share one.
		reopened := *labeled
		reopened.Delivery, reopened.BodySHA256, reopened.Action, reopened.State = "d-reopened", "reopened", "reopened", "open"
		reopened.UpdatedAt = closed.UpdatedAt
		if _, err := db.RecordIssueChange(gh, &reopened, forget); err != nil {
			t.Fatal(err)
		}
		if state, err := db.FindIssueState(ctx, r.ID); err != nil || state.State != "open" {
			t.Errorf("issue state %+v, %v; want open", state, err)
		}
	})
}

// TestRecordIssueChangeTwoReports: two reports tracking one issue each
// get the change.
func TestRecordIssueChangeTwoReports(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		const url = "https://github.com/org/sec/issues/12"
		a, b := trackedReport(t, db, ctx, "first", url), trackedReport(t, db, ctx, "second", url)
		gh := ctxAs(ward.Actor{Kind: ward.ActorGitHub, Email: "octocat"})
		closed := &ward.IssueChange{Delivery: "d-closed", BodySHA256: "closed", Event: "issues", Action: "closed", Sender: "octocat",
			IssueURL: url, Issue: "org/sec#12", Summary: "closed org/sec#12", State: "closed", Labels: []string{}, Assignees: []string{},
			UpdatedAt: db.clock.Now()}
		events, err := db.RecordIssueChange(gh, closed, db.clock.Now().Add(-time.Hour))
		if err != nil || len(events) != 2 {
			t.Fatalf("record = %v, %v; want two events", events, err)
		}
		for _, r := range []*ward.Report{a, b} {
			timeline, err := db.FindTimeline(ctx, r.ID)
			if err != nil || timeline[len(timeline)-1].Action != "github" {
				t.Errorf("report %d: timeline %v, %v; want the change last", r.ID, timeline, err)
			}
			if state, err := db.FindIssueState(ctx, r.ID); err != nil || state.State != "closed" {
				t.Errorf("report %d: issue state %+v, %v", r.ID, state, err)
			}
		}
	})
}

// trackedReport is a new report tracked by url.
func trackedReport(t *testing.T, db testDB, ctx context.Context, title, url string) *ward.Report {
	t.Helper()
	r := ward.Report{Title: title, Source: ward.SourceWeb}
	if _, err := db.CreateReport(ctx, &r); err != nil {
		t.Fatal(err)
	}
	r.State, r.TrackingURL = "tracked", url
	if err := db.UpdateReport(ctx, &r, r.Version, &ward.TimelineEvent{Action: "track", Visibility: "team"}); err != nil {
		t.Fatal(err)
	}
	return &r
}
