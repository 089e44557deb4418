package reports_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// fakeTracker files issues numbered from 1, or fails with err.
type fakeTracker struct {
	filed []int64 // the reports filed, in order
	err   error
}

func (f *fakeTracker) Tracker() string { return "GitHub" }

func (f *fakeTracker) FileIssue(_ context.Context, r *ward.Report) (ward.TrackedIssue, error) {
	if f.err != nil {
		return ward.TrackedIssue{}, f.err
	}
	f.filed = append(f.filed, r.ID)
	return ward.TrackedIssue{URL: "https://github.com/org/sec/issues/7", Name: "org/sec#7"}, nil
}

func TestTrackFilesTheIssue(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	tracker := &fakeTracker{err: errors.New("GitHub: create an issue in org/sec: 403 Resource not accessible by integration")}
	svc = svc.WithIssueTracker(tracker)
	if svc.Tracker() != "GitHub" {
		t.Errorf("Tracker() = %q", svc.Tracker())
	}

	// Not yet triaged: refused before GitHub is asked.
	_, _, err := svc.Act(bo, r.ID, reports.Action{Action: "track"})
	if ward.ErrorCode(err) != ward.ECONFLICT || len(tracker.filed) != 0 {
		t.Fatalf("track of a new report = %v (filed %v), want a conflict and nothing filed", err, tracker.filed)
	}
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.FindReportByID(context.Background(), r.ID)

	// GitHub fails: the report is unchanged, the caller told why.
	_, _, err = svc.Act(bo, r.ID, reports.Action{Action: "track"})
	if ward.ErrorCode(err) != ward.EUNAVAILABLE {
		t.Fatalf("track with GitHub failing = %v, want unavailable", err)
	}
	if msg := ward.ErrorMessage(err); !strings.Contains(msg, "403 Resource not accessible by integration") || !strings.Contains(msg, "Try again") {
		t.Errorf("message %q does not say what GitHub said and what to do", msg)
	}
	if after, _ := db.FindReportByID(context.Background(), r.ID); after.Version != before.Version || after.TrackingURL != "" {
		t.Errorf("the report changed although GitHub failed: %+v", after)
	}

	tracker.err = nil
	got, ev, err := svc.Act(bo, r.ID, reports.Action{Action: "track", Comment: "embargo until the 12th"})
	if err != nil {
		t.Fatal(err)
	}
	if got.TrackingURL != "https://github.com/org/sec/issues/7" || got.State != "tracked" {
		t.Errorf("report %+v", got)
	}
	if ev.Comment != "Filed org/sec#7 on GitHub.\n\nembargo until the 12th" || ev.Action != "track" {
		t.Errorf("event %q: %q", ev.Action, ev.Comment)
	}
	if len(tracker.filed) != 1 {
		t.Errorf("filed %v, want once", tracker.filed)
	}

	// A URL given is used as it is: nothing is filed.
	r2 := ward.Report{Title: "second", Source: ward.SourceAPI}
	db.CreateReport(bo, &r2)
	svc.Act(bo, r2.ID, reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"})
	if _, _, err := svc.Act(bo, r2.ID, reports.Action{Action: "track", URL: "https://tracker.example.org/9"}); err != nil || len(tracker.filed) != 1 {
		t.Errorf("track with a URL = %v, filed %v", err, tracker.filed)
	}
}

func TestTrackWithoutTrackerNeedsURL(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	db.CreateReport(bo, &r)
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "track"}); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("track without a URL or tracker = %v, want invalid", err)
	}
	if svc.Tracker() != "" {
		t.Errorf("Tracker() = %q without one", svc.Tracker())
	}
}
