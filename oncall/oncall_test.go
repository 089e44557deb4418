package oncall_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

func ptr[T any](v T) *T { return &v }

// setup is a store with two rotations sharing a member, and a service.
func setup(t testing.TB) (*store.DB, *oncall.Service, *wardtest.Clock, context.Context) {
	t.Helper()
	c := wardtest.NewClock(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorCLI, Email: "test", Role: ward.RoleAdmin})
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "ward.db"), store.Options{Now: c.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	spec := ward.TeamSpec{
		Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), Role: ptr(ward.RoleAdmin), TimeZone: ptr("Europe/Berlin")}},
			{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Bo"), TimeZone: ptr("America/Los_Angeles")}},
			{Email: "cy@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Cy")}},
		},
		Rotations: []ward.RotationSpec{
			{Name: "src", Members: []string{"ana@example.org", "bo@example.org"}, Handoff: ptr("Mon 09:00 America/Los_Angeles"), Start: ptr("2026-03-02")},
			{Name: "infra", Members: []string{"cy@example.org", "ana@example.org"}, Shift: ptr(24 * time.Hour), Start: ptr("2026-03-02")},
		},
	}
	if _, err := db.ApplyTeam(ctx, spec, false); err != nil {
		t.Fatal(err)
	}
	return db, oncall.New(db, c.Now), c, ctx
}

func feed(t *testing.T, db *store.DB, svc *oncall.Service, ctx context.Context, f ward.CalendarFeed) func() (string, string) {
	t.Helper()
	secret, err := db.CreateCalendarFeed(ctx, &f)
	if err != nil {
		t.Fatal(err)
	}
	return func() (string, string) {
		t.Helper()
		body, etag, err := svc.Feed(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		return string(body), etag
	}
}

var uidLine = regexp.MustCompile(`(?m)^UID:(\S+)\r$`)

func uids(ics string) []string {
	var out []string
	for _, m := range uidLine.FindAllStringSubmatch(ics, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestFeedUIDsAndSequences(t *testing.T) {
	db, svc, clk, ctx := setup(t)
	get := feed(t, db, svc, ctx, ward.CalendarFeed{Rotation: "src"})
	first, etag := get()
	if again, etag2 := get(); again != first || etag2 != etag {
		t.Fatal("the same schedule on the same day gave another feed")
	}
	if !strings.Contains(first, "UID:src-0@ward") || !strings.Contains(first, "TZID=America/Los_Angeles") {
		t.Fatalf("feed lacks the first shift or its zone:\n%.2000s", first)
	}

	// A day later the window has moved, but the shifts in both keep their UIDs.
	clk.Set(clk.Now().Add(24 * time.Hour))
	later, etag2 := get()
	if etag2 == etag {
		t.Error("the ETag did not change with the window")
	}
	if uids(later)[0] != uids(first)[0] {
		t.Errorf("first UID changed from %s to %s", uids(first)[0], uids(later)[0])
	}

	// An override cuts shift 1 in three: its UID stays on the first piece,
	// SEQUENCE goes to 1; deleting the override makes it 2.
	o, err := svc.AddOverride(ctx, "src", ward.Override{Member: "cy@example.org", Start: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	withOverride, _ := get()
	if n := pieces(withOverride, "src-1"); n != 3 {
		t.Errorf("shift 1 has %d events with the override, want 3", n)
	}
	if !regexp.MustCompile(`UID:src-1@ward\r\n`).MatchString(withOverride) || !sequenceOf(withOverride, "src-1@ward", "1") {
		t.Errorf("shift 1 lost its UID or its SEQUENCE is not 1")
	}
	if _, err := db.DeleteOverride(ctx, "src", o.ID); err != nil {
		t.Fatal(err)
	}
	reverted, _ := get()
	if pieces(reverted, "src-1") != 1 || !sequenceOf(reverted, "src-1@ward", "2") {
		t.Errorf("after deleting the override shift 1 should be whole again with SEQUENCE 2")
	}
}

// pieces counts the events of one shift: its UID, and those of the pieces
// an override cut off it.
func pieces(ics, shift string) int {
	return strings.Count(ics, "UID:"+shift+"@ward\r\n") + strings.Count(ics, "UID:"+shift+"-")
}

// sequenceOf reports whether the event with the UID has the sequence.
func sequenceOf(ics, uid, seq string) bool {
	for _, ev := range strings.Split(ics, "BEGIN:VEVENT") {
		if strings.Contains(ev, "UID:"+uid+"\r\n") {
			return strings.Contains(ev, "SEQUENCE:"+seq+"\r\n")
		}
	}
	return false
}

func TestMemberFeedSpansRotations(t *testing.T) {
	db, svc, _, ctx := setup(t)
	get := feed(t, db, svc, ctx, ward.CalendarFeed{Member: "ana@example.org"})
	ics, _ := get()
	if !strings.Contains(ics, "UID:src-0@ward") || !strings.Contains(ics, "UID:infra-1@ward") || strings.Contains(ics, "UID:infra-0@ward") {
		t.Errorf("ana's feed should hold src shift 0 and infra shift 1 (hers), not infra shift 0 (cy's)")
	}
	if strings.Contains(ics, "On call: Bo") || strings.Contains(ics, "On call: Cy") {
		t.Error("ana's feed shows someone else's shift")
	}
	if !strings.Contains(ics, "TZID:Europe/Berlin") {
		t.Error("a member's feed should be in their own zone")
	}
}

func TestOnCallCarriesTheHandoffNote(t *testing.T) {
	_, svc, clk, ctx := setup(t)
	// Late in shift 0 (ana's), the note is for shift 1.
	clk.Set(time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC))
	n, err := svc.LeaveHandoffNote(ctx, "src", "ana@example.org", "Open: one report waits for the reporter.")
	if err != nil {
		t.Fatal(err)
	}
	if !n.ShiftStart.Equal(time.Date(2026, 3, 9, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("note is for the shift starting %s, want the next one", n.ShiftStart)
	}
	oc, err := svc.OnCall(ctx, "src", time.Date(2026, 3, 10, 17, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if oc.Assignee.Email != "bo@example.org" || oc.Handoff == nil || oc.Handoff.Body != n.Body || !oc.OnDuty {
		t.Errorf("on call = %+v", oc)
	}
	if before, _ := svc.OnCall(ctx, "src", time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)); before.Handoff != nil {
		t.Error("the note shows on the shift before the one it is for")
	}
}

func TestStaleWritesAreRefused(t *testing.T) {
	db, svc, _, ctx := setup(t)
	// A second service works from the same store; once the first writes,
	// the second's schedule is stale, and its next write reloads it.
	other := oncall.New(db, time.Now)
	if _, err := other.OnCall(ctx, "src", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Swap(ctx, "src", time.Date(2026, 3, 9, 16, 0, 0, 0, time.UTC), time.Date(2026, 3, 16, 16, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	oc, err := other.OnCall(ctx, "src", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
	if err != nil || oc.Assignee.Email != "ana@example.org" {
		t.Errorf("after the swap the other service says %+v, %v", oc, err)
	}
	_, err = db.CreateOverrides(ctx, "src", 1, []ward.Override{{Member: "cy@example.org", Start: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)}})
	if ward.ErrorCode(err) != ward.ECONFLICT {
		t.Errorf("a write computed from version 1: %v, want a conflict", err)
	}
}

// BenchmarkFeedCold renders a year of a rotation's shifts, with 50
// overrides, from a schedule freshly loaded: the cost of the first request
// after any change. Target: under 5 ms.
func BenchmarkFeedCold(b *testing.B) {
	db, svc, _, ctx := setup(b)
	for i := range 50 {
		start := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * 24 * time.Hour)
		if _, err := svc.AddOverride(ctx, "src", ward.Override{Member: "cy@example.org", Start: start, End: start.Add(24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	secret, err := db.CreateCalendarFeed(ctx, &ward.CalendarFeed{Rotation: "src"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cold := oncall.New(db, func() time.Time { return time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC) })
		if _, _, err := cold.Feed(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}

// Two member changes within one shift replace one member list: the
// rotation's revision still counts both, so calendars see each.
func TestSequenceCountsMemberChanges(t *testing.T) {
	db, svc, _, ctx := setup(t)
	get := feed(t, db, svc, ctx, ward.CalendarFeed{Rotation: "src"})
	for i, members := range [][]string{{"bo@example.org", "ana@example.org"}, {"cy@example.org", "ana@example.org", "bo@example.org"}} {
		if _, err := db.ApplyTeam(ctx, ward.TeamSpec{Rotations: []ward.RotationSpec{{Name: "src", Members: members}}}, false); err != nil {
			t.Fatal(err)
		}
		ics, _ := get()
		if want := fmt.Sprint(i + 1); !sequenceOf(ics, "src-3@ward", want) {
			t.Errorf("after change %d, shift 3's SEQUENCE is not %s", i+1, want)
		}
	}
}
