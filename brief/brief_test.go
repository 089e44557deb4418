package brief_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

func ptr[T any](v T) *T { return &v }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func as(email string, role ward.Role) context.Context {
	return ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorMember, Email: email, Role: role})
}

// desk is a team on a real SQLite store whose clock the test moves: ana
// and bo take turns on the weekly rotation src from Monday 2 March 2026,
// 09:00 UTC.
type desk struct {
	t       *testing.T
	clock   *wardtest.Clock
	db      *store.DB
	actions *reports.Service
	brief   *brief.Service
	reqs    *distributors
}

// distributors counts what the test says, and remembers the instant it
// was asked about.
type distributors struct {
	n     int
	since time.Time
}

func (d *distributors) CountDistributorRequestsSince(_ context.Context, since time.Time) (int, error) {
	d.since = since
	return d.n, nil
}

func newDesk(t *testing.T, rotation bool) *desk {
	t.Helper()
	clock := wardtest.NewClock(utc("2026-02-20T10:00:00Z"))
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "ward.db"), store.Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	spec := ward.TeamSpec{Members: []ward.MemberSpec{
		{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), Role: ptr(ward.RoleAdmin)}},
		{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Bo"), Role: ptr(ward.RoleResponder)}},
		{Email: "ty@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ty"), Role: ptr(ward.RoleTriager)}},
		{Email: "vi@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Vi"), Role: ptr(ward.RoleViewer)}},
	}, Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("EUR"), Bounties: map[string]int64{"critical": 500_000}}}}
	if rotation {
		spec.Rotations = []ward.RotationSpec{{Name: "src", Members: []string{"ana@example.org", "bo@example.org"}, Start: ptr("2026-03-02")}}
	}
	if _, err := db.ApplyTeam(ctx, spec, false); err != nil {
		t.Fatal(err)
	}
	d := &desk{t: t, clock: clock, db: db, actions: reports.New(db, db, db, db, clock.Now), reqs: &distributors{n: 7}}
	d.brief = brief.New(brief.Config{Reports: db, Handoffs: db, Stale: db, Rotations: db, OnCall: oncall.New(db, clock.Now),
		Distributors: d.reqs, Now: clock.Now})
	return d
}

// file files a report at the instant and takes the actions on it, each
// at that instant, as bo (a responder); it returns the report's id.
func (d *desk) file(at, title string, actions ...reports.Action) int64 {
	d.t.Helper()
	d.clock.Set(utc(at))
	bo := as("bo@example.org", ward.RoleResponder)
	r := ward.Report{Title: title, Body: "EMBARGOED-BODY", Source: ward.SourceAPI, ReporterEmail: "rae@example.net"}
	if _, err := d.db.CreateReport(bo, &r); err != nil {
		d.t.Fatal(err)
	}
	for _, a := range actions {
		if _, _, err := d.actions.Act(bo, r.ID, a); err != nil {
			d.t.Fatalf("%s on %q: %v", a.Action, title, err)
		}
	}
	return r.ID
}

var critical = reports.Action{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Tier: "tier-1"}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, x := range items {
		out = append(out, id(x))
	}
	return out
}

func waitingIDs(ws []brief.Waiting) []int64 {
	return ids(ws, func(w brief.Waiting) int64 { return w.ID })
}

// The brief of bo's first shift (the rotation's second) at its start, and
// with its defaults, on a desk with a report of each kind.
func TestBrief(t *testing.T) {
	d := newDesk(t, true)
	ty := as("ty@example.org", ward.RoleTriager)
	old := d.file("2026-02-24T10:00:00Z", "old and new")
	stale := d.file("2026-03-03T10:00:00Z", "critical and quiet", critical,
		reports.Action{Action: "set_commander", Member: "bo@example.org"})
	if _, err := d.actions.RequestHandoff(as("bo@example.org", ward.RoleResponder), stale,
		reports.HandoffInput{To: "ana@example.org", OpenQuestions: "OPEN-QUESTION", Decisions: "none", PendingActions: "none"}); err != nil {
		t.Fatal(err)
	}
	d.file("2026-03-05T10:00:00Z", "cheap watches", reports.Action{Action: "mark_spam"})
	invalid := d.file("2026-03-06T10:00:00Z", "not a bug", reports.Action{Action: "mark_invalid", Comment: "works as intended"})
	d.clock.Set(utc("2026-03-08T12:00:00Z")) // the last quarter of ana's shift: the note is for bo's
	if _, err := oncall.New(d.db, d.clock.Now).LeaveHandoffNote(ty, "src", "ana@example.org", "NOTE-BODY: watch #2"); err != nil {
		t.Fatal(err)
	}
	if err := d.db.CreateTimeOff(context.Background(), &ward.TimeOff{Member: "bo@example.org",
		Start: utc("2026-03-11T00:00:00Z"), End: utc("2026-03-12T00:00:00Z"), Reason: "dentist"}); err != nil {
		t.Fatal(err)
	}
	later := d.file("2026-03-10T10:00:00Z", "filed during bo's shift")

	b, err := d.brief.Brief(ty, "src", utc("2026-03-09T09:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Shift != 1 || !b.ShiftStart.Equal(utc("2026-03-09T09:00:00Z")) || !b.ShiftEnd.Equal(utc("2026-03-16T09:00:00Z")) {
		t.Errorf("shift %d from %s to %s, want 1 from 9 March to 16 March", b.Shift, b.ShiftStart, b.ShiftEnd)
	}
	if !b.Since.Equal(utc("2026-03-02T09:00:00Z")) {
		t.Errorf("since = %s, want the previous shift's start", b.Since)
	}
	if b.OnCall.Email != "bo@example.org" || b.Outgoing == nil || b.Outgoing.Email != "ana@example.org" {
		t.Errorf("on call %+v after %+v, want bo after ana", b.OnCall, b.Outgoing)
	}
	if b.HandoffNote == nil || b.HandoffNote.Body != "NOTE-BODY: watch #2" || b.HandoffNote.Author != "ana@example.org" {
		t.Errorf("handoff note = %+v, want ana's", b.HandoffNote)
	}
	// The queue is as the store holds it now, the oldest first; invalid
	// reports and spam are not in it.
	if diff := cmp.Diff([]int64{old, stale, later}, waitingIDs(b.Triage.Items)); diff != "" || b.Triage.Count != 3 || b.Triage.More {
		t.Errorf("triage queue (-want +got):\n%s%+v", diff, b.Triage.Tally)
	}
	if w := b.Triage.Items[0]; w.Age != "12d 23h" || !w.Since.Equal(utc("2026-02-24T10:00:00Z")) {
		t.Errorf("the oldest waits %s since %s, want 12d 23h since it was filed", w.Age, w.Since)
	}
	// Quiet since the handoff request of 3 March 10:00: past the 2 days
	// of a critical report.
	if len(b.Stale.Items) != 1 || b.Stale.Items[0].ID != stale || b.Stale.Items[0].Commander != "bo@example.org" ||
		b.Stale.Items[0].Rating != "Critical" || b.Stale.Items[0].Quiet != "5d 23h" {
		t.Errorf("stale = %+v, want the critical report, quiet 5d 23h", b.Stale.Items)
	}
	// Filed in [2 March 09:00, 9 March 09:00): not the one before, nor
	// the one after, nor spam.
	if diff := cmp.Diff([]int64{stale, invalid}, ids(b.New.Items, func(r brief.Report) int64 { return r.ID })); diff != "" || b.New.Count != 2 {
		t.Errorf("new reports (-want +got):\n%s", diff)
	}
	if len(b.Handoffs.Items) != 1 || b.Handoffs.Items[0].Report.ID != stale || b.Handoffs.Items[0].From != "bo@example.org" ||
		b.Handoffs.Items[0].To != "ana@example.org" || b.Handoffs.Items[0].Report.Title != "critical and quiet" {
		t.Errorf("handoffs = %+v, want bo's to ana", b.Handoffs.Items)
	}
	if len(b.Gaps) != 1 || b.Gaps[0].Date != "2026-03-11" || b.Gaps[0].Assignee.Email != "bo@example.org" ||
		!b.GapsUntil.Equal(utc("2026-03-23T09:00:00Z")) {
		t.Errorf("gaps until %s = %+v, want bo's time off on 11 March, in the 14 days ahead", b.GapsUntil, b.Gaps)
	}
	if b.DistributorRequests != 7 || !d.reqs.since.Equal(b.Since) {
		t.Errorf("distributor requests %v since %s, want 7 since %s", b.DistributorRequests, d.reqs.since, b.Since)
	}

	t.Run("defaults: the first rotation, the shift in progress", func(t *testing.T) {
		d.clock.Set(utc("2026-03-12T15:00:00Z"))
		got, err := d.brief.Brief(ty, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Rotation != "src" || !got.At.Equal(utc("2026-03-09T09:00:00Z")) || got.Shift != 1 {
			t.Errorf("brief of %s at %s (shift %d), want src at the start of shift 1", got.Rotation, got.At, got.Shift)
		}
	})
	t.Run("the first shift has nobody before it", func(t *testing.T) {
		got, err := d.brief.Brief(ty, "src", utc("2026-03-02T09:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Outgoing != nil || !got.Since.Equal(utc("2026-02-23T09:00:00Z")) || got.HandoffNote != nil {
			t.Errorf("outgoing %+v, since %s, note %+v; want none, one shift before, none", got.Outgoing, got.Since, got.HandoffNote)
		}
		if diff := cmp.Diff([]int64{old}, ids(got.New.Items, func(r brief.Report) int64 { return r.ID })); diff != "" {
			t.Errorf("new reports (-want +got):\n%s", diff)
		}
	})
	refusals := []struct {
		name     string
		ctx      context.Context
		rotation string
		at       time.Time
		code     string
	}{
		{"a viewer", as("vi@example.org", ward.RoleViewer), "src", utc("2026-03-09T09:00:00Z"), ward.EFORBIDDEN},
		{"before the first shift", ty, "src", utc("2026-03-01T09:00:00Z"), ward.ENOTFOUND},
		{"an unknown rotation", ty, "nope", utc("2026-03-09T09:00:00Z"), ward.ENOTFOUND},
	}
	for _, tt := range refusals {
		if _, err := d.brief.Brief(tt.ctx, tt.rotation, tt.at); ward.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

func TestBriefWithoutRotation(t *testing.T) {
	d := newDesk(t, false)
	if _, err := d.brief.Brief(as("ty@example.org", ward.RoleTriager), "", time.Time{}); ward.ErrorCode(err) != ward.ENOTFOUND {
		t.Errorf("a team without a rotation: %v, want not found", err)
	}
}

// The digest at noon on 10 April 2026: what waits on reporters, and the
// disclosure months that end within a week or have ended.
func TestDigest(t *testing.T) {
	d := newDesk(t, true)
	ty := as("ty@example.org", ward.RoleTriager)
	ask := reports.Action{Action: "request_info", Comment: "which version?", Visibility: "reporter"}
	disclose := []reports.Action{critical, {Action: "resolve", Comment: "fixed"}, {Action: "request_disclosure", Kind: "full"}}
	passed := d.file("2026-03-01T10:00:00Z", "month ended", disclose...)      // 1 April
	soon := d.file("2026-03-15T10:00:00Z", "month ends soon", disclose...)    // 15 April
	d.file("2026-03-25T10:00:00Z", "month ends later", disclose...)           // 25 April
	asked := d.file("2026-04-06T11:00:00Z", "asked four days ago", ask)       // waiting 4 days
	d.file("2026-04-08T10:00:00Z", "asked two days ago", ask)                 // not yet
	d.file("2026-04-09T10:00:00Z", "quiet critical", critical)                // stale after 2 days: not yet
	commented := d.file("2026-04-01T10:00:00Z", "asked, then commented", ask) // changed since
	d.clock.Set(utc("2026-04-09T10:00:00Z"))
	if _, _, err := d.actions.Act(ty, commented, reports.Action{Action: "comment", Comment: "nudged", Visibility: "team"}); err != nil {
		t.Fatal(err)
	}
	d.clock.Set(utc("2026-04-10T12:00:00Z"))

	got, err := d.brief.Digest(ty, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.At.Equal(utc("2026-04-10T12:00:00Z")) {
		t.Errorf("at = %s, want now", got.At)
	}
	if diff := cmp.Diff([]int64{asked}, waitingIDs(got.NeedsInfo.Items)); diff != "" || got.NeedsInfo.Items[0].Age != "4d 1h" {
		t.Errorf("needs info (-want +got):\n%s%+v", diff, got.NeedsInfo.Items)
	}
	gotDeadlines := ids(got.Disclosures.Items, func(x brief.Deadline) int64 { return x.ID })
	if diff := cmp.Diff([]int64{passed, soon}, gotDeadlines); diff != "" {
		t.Errorf("disclosure deadlines (-want +got):\n%s", diff)
	} else if !got.Disclosures.Items[0].Passed || got.Disclosures.Items[1].Passed ||
		!got.Disclosures.Items[1].Deadline.Equal(utc("2026-04-15T10:00:00Z")) {
		t.Errorf("deadlines = %+v, want 1 April passed and 15 April not", got.Disclosures.Items)
	}
	// Quiet past their thresholds on 10 April: the three resolved ones
	// are done; none of the others is triaged long enough.
	if got.Stale != (brief.Tally{}) || got.Handoffs != (brief.Tally{}) {
		t.Errorf("stale %+v, handoffs %+v; want none", got.Stale, got.Handoffs)
	}
	if got.Triage.Count != 7 {
		t.Errorf("triage queue counts %d, want all 7 (no bounty is awarded)", got.Triage.Count)
	}
	d.clock.Set(utc("2026-04-11T10:00:00Z"))
	if got, err := d.brief.Digest(ty, time.Time{}); err != nil || got.Stale != (brief.Tally{Count: 1}) {
		t.Errorf("a day later: stale %+v, %v; want the critical one", got.Stale, err)
	}
	if _, err := d.brief.Digest(as("vi@example.org", ward.RoleViewer), time.Time{}); ward.ErrorCode(err) != ward.EFORBIDDEN {
		t.Errorf("a viewer's digest: %v, want forbidden", err)
	}
}

func TestAge(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "0m"}, {0, "0m"}, {59 * time.Second, "0m"}, {45 * time.Minute, "45m"}, {time.Hour, "1h"},
		{47*time.Hour + 59*time.Minute, "47h"}, {48 * time.Hour, "2d"}, {75 * time.Hour, "3d 3h"},
	} {
		if got := brief.Age(tt.d); got != tt.want {
			t.Errorf("Age(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
