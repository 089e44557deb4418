package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
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

// triaged is a new report, triaged by bo.
func triaged(t *testing.T, db *store.DB, svc *reports.Service, r *ward.Report) {
	t.Helper()
	bo := as("bo@example.org", ward.RoleResponder)
	if _, err := db.CreateReport(bo, r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"}); err != nil {
		t.Fatal(err)
	}
}

// The note that names the issue (and so the private repository) goes in
// a team comment only: a comment to the reporter is theirs alone, and
// their view shows neither the note nor the tracking URL.
func TestTrackNoteStaysWithTheTeam(t *testing.T) {
	db, svc, _ := setup(t)
	bo := as("bo@example.org", ward.RoleResponder)
	svc = svc.WithIssueTracker(&fakeTracker{})
	r := ward.Report{Title: "token in logs", Source: ward.SourceWeb, ReporterEmail: "rae@example.net"}
	triaged(t, db, svc, &r)
	_, ev, err := svc.Act(bo, r.ID, reports.Action{Action: "track", Comment: "We are fixing it.", Visibility: "reporter"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Comment != "We are fixing it." || ev.Visibility != "reporter" {
		t.Errorf("event to the reporter: %q (%s), want their comment alone", ev.Comment, ev.Visibility)
	}
	key, err := db.IssueReporterKey(bo, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.ForReporter(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	for _, secret := range []string{"org/sec", "github.com", "Filed"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the reporter's view holds %q:\n%s", secret, b)
		}
	}
	if !strings.Contains(string(b), "We are fixing it.") {
		t.Errorf("the reporter's view lacks the comment to them:\n%s", b)
	}

	// Without a comment, or with a team one, the note is the team's.
	r2 := ward.Report{Title: "second", Source: ward.SourceAPI}
	triaged(t, db, svc, &r2)
	if _, ev, err := svc.Act(bo, r2.ID, reports.Action{Action: "track"}); err != nil || ev.Comment != "Filed org/sec#7 on GitHub." || ev.Visibility != "team" {
		t.Errorf("track without a comment = %+v, %v", ev, err)
	}
}

// blockingTracker counts FileIssue calls and holds the first until
// release is closed.
type blockingTracker struct {
	calls    atomic.Int32
	started  chan struct{} // closed when the first call begins
	release  chan struct{}
	deadline atomic.Bool // whether a call's context had a deadline
}

func (b *blockingTracker) Tracker() string { return "GitHub" }

func (b *blockingTracker) FileIssue(ctx context.Context, r *ward.Report) (ward.TrackedIssue, error) {
	if _, ok := ctx.Deadline(); ok {
		b.deadline.Store(true)
	}
	if b.calls.Add(1) == 1 {
		close(b.started)
		<-b.release
	}
	return ward.TrackedIssue{URL: "https://github.com/org/sec/issues/7", Name: "org/sec#7"}, nil
}

// Two tracks of one report at once (a double click) file one issue: the
// second waits for the first, then finds the report tracked.
func TestTrackTwiceAtOnce(t *testing.T) {
	db, svc, _ := setup(t)
	tracker := &blockingTracker{started: make(chan struct{}), release: make(chan struct{})}
	svc = svc.WithIssueTracker(tracker)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	triaged(t, db, svc, &r)
	bo := as("bo@example.org", ward.RoleResponder)
	errs := make(chan error, 2)
	go func() { _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "track"}); errs <- err }()
	<-tracker.started
	second := make(chan struct{})
	go func() { close(second); _, _, err := svc.Act(bo, r.ID, reports.Action{Action: "track"}); errs <- err }()
	<-second
	// The second call has started. Without the lock it reaches the
	// tracker as soon as it has read the report; give it two seconds to
	// (it must not), then let the first finish.
	for wait := time.Now().Add(2 * time.Second); tracker.calls.Load() < 2 && time.Now().Before(wait); {
		time.Sleep(5 * time.Millisecond)
	}
	close(tracker.release)
	var codes []string
	for range 2 {
		select {
		case err := <-errs:
			codes = append(codes, ward.ErrorCode(err))
			if ward.ErrorCode(err) == ward.ECONFLICT && !strings.Contains(ward.ErrorMessage(err), "already tracked at https://github.com/org/sec/issues/7") {
				t.Errorf("the second track's message %q does not say where it is tracked", ward.ErrorMessage(err))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a track hangs")
		}
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"", ward.ECONFLICT}) {
		t.Errorf("the two tracks gave %q, want one success and one conflict", codes)
	}
	if n := tracker.calls.Load(); n != 1 {
		t.Errorf("FileIssue called %d times, want once", n)
	}
	if !tracker.deadline.Load() {
		t.Error("FileIssue was called without a deadline: a hung tracker would hold the request")
	}
}
