package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestSyncCursorOnlyMovesForward(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		if c, err := db.SyncCursor(ctx, "hackerone", "security"); err != nil || c != (ward.SyncCursor{}) {
			t.Fatalf("cursor before any sync: %+v, %v", c, err)
		}
		later := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		// The first sync's last page completes it; a page after it does not
		// undo that.
		for i, at := range []time.Time{later.Add(-2 * time.Hour), later, later.Add(-time.Hour)} {
			if _, err := db.StoreSyncPage(ctx, &ward.SyncPage{Source: "hackerone", Scope: "security", Cursor: at, Complete: i == 1}); err != nil {
				t.Fatal(err)
			}
			if c, _ := db.SyncCursor(ctx, "hackerone", "security"); c.Complete != (i >= 1) {
				t.Errorf("after page %d: complete %v", i, c.Complete)
			}
		}
		if c, err := db.SyncCursor(ctx, "hackerone", "security"); err != nil || !c.At.Equal(later) {
			t.Errorf("cursor %+v, %v; want %s", c, err, later)
		}
		if c, _ := db.SyncCursor(ctx, "hackerone", "other"); c != (ward.SyncCursor{}) {
			t.Errorf("another programme's cursor is %+v", c)
		}
	})
}

func TestSyncActivitiesOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		er := ward.ExternalReport{Source: "hackerone", ExternalID: "1", ExternalURL: "https://hackerone.com/reports/1", Title: "XSS",
			Body: "text", ReporterName: "bob", Reporter: "bob", State: "new", ActivityAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Activities: []ward.ExternalActivity{
				{ID: "a2", At: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Actor: "hackerone:ana", Action: "comment", Comment: "second", Visibility: "reporter"},
				{ID: "a1", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "hackerone:ana", Action: "comment", Comment: "first", Visibility: "team"},
				{ID: "a3", At: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), Actor: "hackerone:ward", Action: "comment", Comment: "ward's own", Own: true},
			}}
		for range 2 {
			page := &ward.SyncPage{Source: "hackerone", Scope: "security", Reports: []ward.ExternalReport{er}}
			if _, err := db.StoreSyncPage(ctx, page); err != nil {
				t.Fatal(err)
			}
			er.ActivityAt = er.ActivityAt.Add(time.Hour) // the second time as if something moved
		}
		rs, err := db.FindReports(ctx, ward.ReportFilter{Source: "hackerone"})
		if err != nil || len(rs) != 1 {
			t.Fatalf("reports %v, %v", rs, err)
		}
		tl, err := db.FindTimeline(ctx, rs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range tl {
			got = append(got, e.Action+":"+e.Comment)
		}
		if len(got) != 3 || got[1] != "comment:first" || got[2] != "comment:second" {
			t.Errorf("timeline %q, want the create event and the two comments, oldest first, once", got)
		}
	})
}

// configureHackerOne stores a HackerOne integration: pushes are queued
// only while there is one.
func configureHackerOne(t *testing.T, db testDB) {
	t.Helper()
	ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleAdmin})
	if _, err := db.ApplyTeam(ctx, ward.TeamSpec{Integrations: &ward.Integrations{HackerOne: &ward.HackerOneConfig{
		Program: "security", Username: "ward-bot", Token: ward.SecretRef{Env: "WARD_H1_TOKEN"}}}}, false); err != nil {
		t.Fatal(err)
	}
}

func TestPushOutbox(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		configureHackerOne(t, db)
		page := &ward.SyncPage{Source: "hackerone", Scope: "security", Reports: []ward.ExternalReport{{Source: "hackerone", ExternalID: "7",
			ExternalURL: "https://hackerone.com/reports/7", Title: "IDOR", Body: "b", ReporterName: "bob", State: "new"}}}
		if _, err := db.StoreSyncPage(ctx, page); err != nil {
			t.Fatal(err)
		}
		rs, _ := db.FindReports(ctx, ward.ReportFilter{Source: "hackerone"})
		r := rs[0]
		member := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: "ana@example.org", Role: ward.RoleAdmin})
		after := *r
		after.Labels = []string{"x"}
		// A label stays in ward; a comment is pushed.
		if err := db.UpdateReport(member, &after, r.Version, &ward.TimelineEvent{Action: "label", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateReport(member, &after, after.Version, &ward.TimelineEvent{Action: "comment", Visibility: "reporter", Comment: "thanks"}); err != nil {
			t.Fatal(err)
		}
		claimed, err := db.ClaimPushes(ctx, "hackerone", 10, time.Minute)
		if err != nil || len(claimed) != 1 || claimed[0].Kind != "comment" || claimed[0].ExternalID != "7" || claimed[0].Payload.Comment != "thanks" {
			t.Fatalf("claimed %+v, %v", claimed, err)
		}
		if again, _ := db.ClaimPushes(ctx, "hackerone", 10, time.Minute); len(again) != 0 {
			t.Errorf("a leased push was claimed again: %+v", again)
		}
		db.clock.Advance(2 * time.Minute)
		again, _ := db.ClaimPushes(ctx, "hackerone", 10, time.Minute)
		if len(again) != 1 {
			t.Fatalf("after the lease: %+v", again)
		}
		// The first worker's attempt may have been sent before it
		// stopped: the second checks first.
		if claimed[0].Unsure || !again[0].Unsure {
			t.Errorf("unsure: first claim %v, second %v; want false, then true", claimed[0].Unsure, again[0].Unsure)
		}
		// The first worker's lease ran out: its outcome is not recorded.
		if err := db.RecordPush(ctx, claimed[0], ward.PushOutcome{Sent: true}); ward.ErrorCode(err) != ward.ECONFLICT {
			t.Errorf("recording under a lease that ran out: %v, want ECONFLICT", err)
		}
		if err := db.RecordPush(ctx, again[0], ward.PushOutcome{Sent: true, ActivityID: "99"}); err != nil {
			t.Fatal(err)
		}
		// Its activity is its own, not another push's to claim.
		if got, err := db.PushedActivities(ctx, "hackerone", []string{"99", "100"}); err != nil || len(got) != 1 || !got["99"] {
			t.Errorf("pushed activities %v, %v; want 99 alone", got, err)
		}
		if err := db.RecordPush(ctx, again[0], ward.PushOutcome{Sent: true}); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("recording a sent push again: %v, want ENOTFOUND", err)
		}
		db.clock.Advance(time.Hour)
		if left, _ := db.ClaimPushes(ctx, "hackerone", 10, time.Minute); len(left) != 0 {
			t.Errorf("a sent push was claimed: %+v", left)
		}
		tl, _ := db.FindTimeline(ctx, r.ID)
		if last := tl[len(tl)-1]; last.Action != "push_sent" || last.Actor != "hackerone" {
			t.Errorf("last event %+v", last)
		}
	})
}

// syncedReport stores one report from HackerOne and returns it.
func syncedReport(t *testing.T, db testDB, state string) *ward.Report {
	t.Helper()
	ctx := context.Background()
	er := ward.ExternalReport{Source: "hackerone", ExternalID: "1", ExternalURL: "https://hackerone.com/reports/1", Title: "XSS",
		Body: "text", ReporterName: "bob", Reporter: "bob", State: state, ActivityAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := db.StoreSyncPage(ctx, &ward.SyncPage{Source: "hackerone", Scope: "s", Reports: []ward.ExternalReport{er}}); err != nil {
		t.Fatal(err)
	}
	rs, err := db.FindReports(ctx, ward.ReportFilter{Source: "hackerone"})
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	return rs[0]
}

// queueComment stores a report from HackerOne and a team comment on it,
// which is queued to be pushed.
func queueComment(t *testing.T, db testDB) {
	t.Helper()
	configureHackerOne(t, db)
	commentOn(t, db)
}

// commentOn stores a report from HackerOne and a team comment on it.
func commentOn(t *testing.T, db testDB) {
	t.Helper()
	r := syncedReport(t, db, "new")
	after := *r
	if err := db.UpdateReport(context.Background(), &after, r.Version, &ward.TimelineEvent{Action: "comment", FromState: "new", ToState: "new",
		Visibility: "team", Comment: "x"}); err != nil {
		t.Fatal(err)
	}
}

// claimAtOnce has workers claim the due pushes at once, and returns how
// many pushes they got in all. An error fails t when t is not nil.
func claimAtOnce(db testDB, workers int, t *testing.T) int32 {
	var wg sync.WaitGroup
	var got atomic.Int32
	for range workers {
		wg.Go(func() {
			ps, err := db.ClaimPushes(context.Background(), "hackerone", 10, time.Minute)
			if err != nil && t != nil {
				t.Error(err)
			}
			got.Add(int32(len(ps)))
		})
	}
	wg.Wait()
	return got.Load()
}

// Of workers claiming at once, one gets the push. Only PostgreSQL claims
// concurrently: SQLite's writer is serialised, so the test could not fail
// there.
func TestClaimPushOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		if db.dialect != postgresDialect {
			t.Skip("SQLite's writer is serialised")
		}
		ctx := context.Background()
		queueComment(t, db)
		for round := range 20 {
			if _, err := db.write.ExecContext(ctx, db.rebind(`UPDATE pushes SET next_attempt_at = 0`)); err != nil {
				t.Fatal(err)
			}
			if got := claimAtOnce(db, 4, t); got > 1 {
				t.Fatalf("round %d: the push was claimed by %d workers", round, got)
			}
		}
	})
}

// Deterministic on PostgreSQL: a third transaction holds the push's row
// while two workers claim; both read it as due, one takes it.
func TestClaimPushOnceLocked(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		if db.dialect != postgresDialect {
			t.Skip("SQLite's writer is serialised")
		}
		ctx := context.Background()
		queueComment(t, db)
		hold, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hold.ExecContext(ctx, `SELECT 1 FROM pushes FOR UPDATE`); err != nil {
			t.Fatal(err)
		}
		got := make(chan int32)
		go func() { got <- claimAtOnce(db, 2, t) }()
		time.Sleep(time.Second) // let both reach their UPDATE; not a speed assertion
		if err := hold.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := <-got; n != 1 {
			t.Errorf("the push was claimed %d times, want once", n)
		}
	})
}

// A sync that read the report before an action committed does not write
// over it, nor record HackerOne's values as synced when they were not.
func TestSyncStaleVersion(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		stale := syncedReport(t, db, "new")
		after := *stale
		after.Labels = []string{"mine"}
		if err := db.UpdateReport(ctx, &after, stale.Version, &ward.TimelineEvent{Action: "label", FromState: "new", ToState: "new", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		tx, err := db.begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.rollback()
		er := ward.ExternalReport{Source: "hackerone", ExternalID: "1", ExternalURL: "https://hackerone.com/reports/1", Title: "XSS retitled",
			Body: "text", ReporterName: "bob", Reporter: "bob", State: "triaged", ActivityAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
		if _, _, err := tx.updateSynced(ctx, stale, &er); ward.ErrorCode(err) != ward.ECONFLICT {
			t.Errorf("update from a stale version: %v, want ECONFLICT", err)
		}
	})
}

// While HackerOne is not configured, ward cannot send an action: none is
// queued to be sent, stale, when it is configured later.
func TestNoPushWithoutHackerOne(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		commentOn(t, db)
		configureHackerOne(t, db)
		if ps, err := db.ClaimPushes(ctx, "hackerone", 10, time.Minute); err != nil || len(ps) != 0 {
			t.Errorf("claimed %+v, %v; want nothing queued", ps, err)
		}
	})
}

// A team-only comment on a state change is queued as an internal comment
// of its own, not as the state change's message, which the reporter reads.
func TestPushTeamNoteApart(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		configureHackerOne(t, db)
		r := syncedReport(t, db, "triaged")
		after := *r
		after.State = "resolved"
		if err := db.UpdateReport(ctx, &after, r.Version, &ward.TimelineEvent{Action: "resolve", FromState: "triaged", ToState: "resolved",
			Visibility: "team", Comment: "the fix is abc"}); err != nil {
			t.Fatal(err)
		}
		ps, err := db.ClaimPushes(ctx, "hackerone", 10, time.Minute)
		if err != nil || len(ps) != 2 {
			t.Fatalf("claimed %+v, %v; want two pushes", ps, err)
		}
		if ps[0].Kind != "resolve" || ps[0].Payload.Comment != "" || ps[1].Kind != "comment" || ps[1].Payload.Comment != "the fix is abc" || ps[1].Payload.Visibility != "team" {
			t.Errorf("pushes %+v %+v; want the resolution without the note, then the note as a team comment", ps[0], ps[1])
		}
	})
}

// The runbook's bounty-triage view: no bounty awarded yet, resolved
// reports included (a bounty may come after the fix), not those that earn
// none.
func TestBountyTriageView(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		var reports []ward.ExternalReport
		for i, state := range []string{"triaged", "resolved", "invalid", "duplicate", "spam", "resolved"} {
			er := ward.ExternalReport{Source: "hackerone", ExternalID: fmt.Sprint(i), ExternalURL: "https://hackerone.com/reports/" + fmt.Sprint(i),
				Title: "r" + fmt.Sprint(i), Body: "b", ReporterName: "bob", State: state, ActivityAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}
			if i == 5 {
				er.Bounty = &ward.Bounty{Amount: 100, Currency: "USD", ProposedBy: "hackerone", ApprovedBy: "hackerone"}
			}
			reports = append(reports, er)
		}
		if _, err := db.StoreSyncPage(ctx, &ward.SyncPage{Source: "hackerone", Scope: "s", Reports: reports}); err != nil {
			t.Fatal(err)
		}
		rs, err := db.FindReports(ctx, ward.ReportFilter{View: "bounty-triage", IncludeSpam: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.ExternalID)
		}
		slices.Sort(got)
		if want := []string{"0", "1"}; !slices.Equal(got, want) {
			t.Errorf("bounty-triage lists %v, want %v", got, want)
		}
	})
}
