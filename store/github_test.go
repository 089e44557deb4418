package store

import (
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
		labeled := &ward.IssueChange{Delivery: "d-1", Event: "issues", Action: "labeled", Sender: "octocat", IssueURL: url,
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
		// The same delivery again is a replay.
		_, err = db.RecordIssueChange(gh, labeled, forget)
		wantCode(t, err, ward.ECONFLICT)

		db.clock.Advance(time.Minute)
		closed := *labeled
		closed.Delivery, closed.Action, closed.State, closed.Summary = "d-2", "closed", "closed", "closed org/sec#12 as completed"
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
			UpdatedAt: db.clock.Now().UTC().Truncate(time.Microsecond)}
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
		untracked.Delivery, untracked.IssueURL = "d-3", "https://github.com/org/sec/issues/99"
		ping := &ward.IssueChange{Delivery: "d-4", Event: "ping"}
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
