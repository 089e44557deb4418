package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

func TestStaleThresholds(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		got, err := db.StaleThresholds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ward.DefaultStaleThresholds(), got); diff != "" {
			t.Errorf("thresholds of a new team (-want +got):\n%s", diff)
		}

		spec := ward.TeamSpec{Reminders: &ward.RemindersSpec{Stale: map[string]ward.Period{
			"critical": {Days: 1}, "high": {Days: 7}, "medium": ward.Never, "low": {Months: 2}}}}
		want := []ward.Change{{Action: "update", Object: "reminders/stale", Diff: ward.Diff{
			"critical": {"2d", "1d"}, "medium": {"1mo", "never"}, "low": {"never", "2mo"}}}}
		dry, err := db.ApplyTeam(ctx, spec, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, dry); diff != "" {
			t.Errorf("dry run (-want +got):\n%s", diff)
		}
		if got, _ := db.StaleThresholds(ctx); !cmp.Equal(got, ward.DefaultStaleThresholds()) {
			t.Errorf("the dry run wrote thresholds: %v", got)
		}
		changes, err := db.ApplyTeam(ctx, spec, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, changes); diff != "" {
			t.Errorf("apply (-want +got):\n%s", diff)
		}
		got, err = db.StaleThresholds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ward.StaleThresholds{"critical": {Days: 1}, "high": {Days: 7}, "low": {Months: 2}}, got); diff != "" {
			t.Errorf("thresholds after apply (-want +got):\n%s", diff)
		}
		if again, err := db.ApplyTeam(ctx, spec, false); err != nil || len(again) != 0 {
			t.Errorf("applying again = %+v, %v; want no change", again, err)
		}
		entries, err := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "reminders/stale"})
		if err != nil || len(entries) != 1 || entries[0].Action != "reminders.update" {
			t.Errorf("audit = %+v, %v", entries, err)
		}
	})
}

// watched files a report and triages it with the rating, as the clock
// stands, and returns it as stored.
func watched(t *testing.T, ctx context.Context, db testDB, title, rating, state string) *ward.Report {
	t.Helper()
	r := &ward.Report{Title: title, Source: ward.SourceAPI}
	if _, err := db.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	version := r.Version
	r.State, r.Severity = state, &ward.Severity{Rating: rating}
	if err := db.UpdateReport(ctx, r, version, &ward.TimelineEvent{Action: "triage", FromState: "new", ToState: state, Visibility: "team"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// act stores an event on the report as it now is: it changes nothing else.
func act(t *testing.T, ctx context.Context, db testDB, id int64, action string, notify ...string) {
	t.Helper()
	r, err := db.FindReportByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateReport(ctx, r, r.Version, &ward.TimelineEvent{Action: action, FromState: r.State, ToState: r.State,
		Visibility: "team", Notify: notify}); err != nil {
		t.Fatal(err)
	}
}

// staleTitles returns the titles StaleReports finds at now, in its order.
func staleTitles(t *testing.T, db testDB, now time.Time, limit int) []string {
	t.Helper()
	th, err := db.StaleThresholds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found, err := db.StaleReports(context.Background(), now, th, limit)
	if err != nil {
		t.Fatal(err)
	}
	titles := []string{}
	for _, s := range found {
		titles = append(titles, s.Report.Title)
	}
	return titles
}

func TestStaleReports(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rob@example.org", Role: ward.RoleResponder})
		start := db.clock.Now()
		watched(t, ctx, db, "critical", "Critical", "triaged")
		db.clock.Advance(time.Minute)
		watched(t, ctx, db, "high", "High", "tracked")
		medium := watched(t, ctx, db, "medium", "Medium", "triaged")
		watched(t, ctx, db, "low", "Low", "triaged")
		watched(t, ctx, db, "new critical", "Critical", "new")
		watched(t, ctx, db, "resolved critical", "Critical", "resolved")
		critical2 := watched(t, ctx, db, "critical 2", "Critical", "tracked")
		day := 24 * time.Hour
		twoDays := start.Add(2 * day)

		tests := []struct {
			name string
			at   time.Time
			want []string
		}{
			{"a microsecond before the threshold", twoDays.Add(-time.Microsecond), []string{}},
			{"at the threshold", twoDays, []string{"critical"}},
			{"the longest quiet first", twoDays.Add(time.Minute), []string{"critical", "critical 2"}},
			{"high after seven days", start.Add(7*day + time.Minute), []string{"critical", "high", "critical 2"}},
			{"medium after a calendar month", start.AddDate(0, 1, 0).Add(time.Minute), []string{"critical", "high", "medium", "critical 2"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, staleTitles(t, db, tt.at, 0)); diff != "" {
					t.Errorf("stale at %s (-want +got):\n%s", tt.at, diff)
				}
			})
		}
		t.Run("limit", func(t *testing.T) {
			if diff := cmp.Diff([]string{"critical", "high"}, staleTitles(t, db, start.AddDate(0, 2, 0), 2)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		db.clock.Set(twoDays.Add(time.Hour))
		act(t, ctx, db, critical2.ID, "ping", "rob@example.org")
		db.clock.Set(twoDays.Add(2 * time.Hour))
		act(t, ctx, db, medium.ID, "comment")
		t.Run("a ping repeats after the threshold", func(t *testing.T) {
			if got := staleTitles(t, db, twoDays.Add(time.Hour), 0); !cmp.Equal(got, []string{"critical"}) {
				t.Errorf("just after the ping: %v", got)
			}
			if got := staleTitles(t, db, twoDays.Add(2*day+time.Hour-time.Microsecond), 0); !cmp.Equal(got, []string{"critical"}) {
				t.Errorf("just before the next ping: %v", got)
			}
			if got := staleTitles(t, db, twoDays.Add(2*day+time.Hour), 0); !cmp.Equal(got, []string{"critical", "critical 2"}) {
				t.Errorf("at the next ping: %v", got)
			}
		})
		t.Run("a ping is not an update, and notifies", func(t *testing.T) {
			var activity, ping int64
			if err := db.queryRow(ctx, `SELECT last_activity_at, last_ping_at FROM reports WHERE id = ?`, critical2.ID).Scan(&activity, &ping); err != nil {
				t.Fatal(err)
			}
			if fromMicros(activity) != start.Add(time.Minute) || fromMicros(ping) != twoDays.Add(time.Hour) {
				t.Errorf("last activity %s, last ping %s", fromMicros(activity), fromMicros(ping))
			}
			n, err := db.FindNotifications(ctx, ward.NotificationFilter{Member: "rob@example.org"})
			if err != nil || len(n) != 1 || n[0].Kind != "ping" || n[0].Report != critical2.ID {
				t.Errorf("notifications = %+v, %v", n, err)
			}
			// The view lists open reports, new ones too, by their last
			// update: the ping leaves critical 2 in it.
			got, err := db.FindReports(ctx, ward.ReportFilter{View: "stale-critical"})
			if err != nil || len(got) != 3 || got[0].ID != critical2.ID {
				t.Errorf("the stale-critical view after the ping = %d reports, %v; want critical 2 first of 3", len(got), err)
			}
		})
		t.Run("an update restarts the clock", func(t *testing.T) {
			month := start.AddDate(0, 1, 0).Add(time.Minute)
			if got := staleTitles(t, db, month, 0); !cmp.Equal(got, []string{"critical", "high", "critical 2"}) {
				t.Errorf("a month after the start: %v", got)
			}
			if got := staleTitles(t, db, twoDays.Add(2*time.Hour).AddDate(0, 1, 0), 0); !cmp.Equal(got, []string{"critical", "high", "critical 2", "medium"}) {
				t.Errorf("a month after the comment: %v", got)
			}
		})
	})
}

// The migration fills the clocks of reports filed before it from their
// timelines.
func TestStaleBackfill(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		r := watched(t, ctx, db, "old", "Critical", "triaged")
		db.clock.Advance(time.Hour)
		act(t, ctx, db, r.ID, "comment")
		commented := db.clock.Now()
		db.clock.Advance(time.Hour)
		act(t, ctx, db, r.ID, "ping")
		pinged := db.clock.Now()

		p, err := db.migrations()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 9); err != nil {
			t.Fatalf("down: %v", err)
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		var activity, ping int64
		if err := db.queryRow(ctx, `SELECT last_activity_at, last_ping_at FROM reports WHERE id = ?`, r.ID).Scan(&activity, &ping); err != nil {
			t.Fatal(err)
		}
		if fromMicros(activity) != commented || fromMicros(ping) != pinged {
			t.Errorf("backfilled last activity %s, last ping %s; want %s, %s", fromMicros(activity), fromMicros(ping), commented, pinged)
		}
	})
}

func TestPingStale(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		svc := reports.New(db, db, db, db, db.clock.Now)
		onCallAsked := 0
		pinger := reports.NewStalePinger(svc, db, func(_ context.Context, at time.Time) (string, error) {
			onCallAsked++
			return "oc@example.org", nil
		})
		commanded := watched(t, ctx, db, "commanded", "Critical", "triaged")
		assigned := watched(t, ctx, db, "assigned", "High", "tracked")
		nobodys := watched(t, ctx, db, "nobody's", "Critical", "tracked")
		both := watched(t, ctx, db, "both", "Critical", "tracked")
		for _, r := range []struct {
			r                   *ward.Report
			commander, assignee string
		}{{commanded, "ic@example.org", ""}, {assigned, "", "as@example.org"}, {both, "ic2@example.org", "as2@example.org"}} {
			r.r.Commander, r.r.Assignee = r.commander, r.assignee
			if err := db.UpdateReport(ctx, r.r, r.r.Version, &ward.TimelineEvent{Action: "assign", Visibility: "team"}); err != nil {
				t.Fatal(err)
			}
		}
		start := db.clock.Now()
		db.clock.Set(start.Add(7 * 24 * time.Hour))
		pings, err := pinger.PingStale(context.Background(), db.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := []reports.Ping{{Report: commanded.ID, To: "ic@example.org"}, {Report: assigned.ID, To: "as@example.org"},
			{Report: nobodys.ID, To: "oc@example.org"}, {Report: both.ID, To: "ic2@example.org"}}
		if diff := cmp.Diff(want, pings, cmpopts.IgnoreFields(reports.Ping{}, "Event")); diff != "" {
			t.Errorf("pings (-want +got):\n%s", diff)
		}
		if onCallAsked != 1 {
			t.Errorf("asked who is on call %d times, want once", onCallAsked)
		}
		events, err := db.FindTimeline(ctx, nobodys.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if last.Action != "ping" || last.Visibility != "team" || last.Actor != "system" || last.ToState != "tracked" ||
			!strings.Contains(last.Comment, "Critical reports are pinged after 2d") || !strings.Contains(last.Comment, "Pinging oc@example.org.") {
			t.Errorf("the ping's event = %+v", last)
		}
		n, err := db.FindNotifications(ctx, ward.NotificationFilter{Member: "oc@example.org"})
		if err != nil || len(n) != 1 || n[0].Kind != "ping" || n[0].Event != last.ID {
			t.Errorf("the on-call's notifications = %+v, %v", n, err)
		}
		if again, err := pinger.PingStale(context.Background(), db.clock.Now()); err != nil || len(again) != 0 {
			t.Errorf("pinging again at once = %+v, %v; want none", again, err)
		}
	})
}

// Two schedulers at the same instant ping each report once.
func TestPingStaleConcurrently(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		svc := reports.New(db, db, db, db, db.clock.Now)
		pinger := reports.NewStalePinger(svc, db, func(context.Context, time.Time) (string, error) { return "oc@example.org", nil })
		const n = 30
		for i := range n {
			watched(t, ctx, db, fmt.Sprint("report ", i), "Critical", "triaged")
		}
		db.clock.Advance(3 * 24 * time.Hour)
		now := db.clock.Now()
		var wg sync.WaitGroup
		results := make([][]reports.Ping, 4)
		for i := range results {
			wg.Go(func() {
				pings, err := pinger.PingStale(context.Background(), now)
				if err != nil {
					t.Error(err)
				}
				results[i] = pings
			})
		}
		wg.Wait()
		pinged := map[int64]int{}
		for _, pings := range results {
			for _, p := range pings {
				pinged[p.Report]++
			}
		}
		var events int
		if err := db.queryRow(ctx, `SELECT count(*) FROM timeline_events WHERE action = 'ping'`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if len(pinged) != n || events != n {
			t.Fatalf("%d reports pinged, %d ping events; want %d of each", len(pinged), events, n)
		}
		for id, times := range pinged {
			if times != 1 {
				t.Errorf("report %d pinged %d times", id, times)
			}
		}
	})
}

// A scheduled ping repeats exactly one threshold after the instant its
// scan ran for, however late the job committed it; what the reporter
// writes, and a declined handoff, do not count as the team's update.
func TestPingRepeatsOnThresholdAndReporterDoesNotSilenceIt(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		svc := reports.New(db, db, db, db, db.clock.Now)
		pinger := reports.NewStalePinger(svc, db, func(context.Context, time.Time) (string, error) { return "oc@example.org", nil })
		r := watched(t, ctx, db, "critical", "Critical", "triaged")
		start := db.clock.Now()

		at := start.Add(48 * time.Hour)
		db.clock.Set(at.Add(90 * time.Second)) // the job runs late
		if pings, err := pinger.PingStale(context.Background(), at); err != nil || len(pings) != 1 {
			t.Fatalf("first ping = %+v, %v", pings, err)
		}
		// The reporter asks for news: not the team's progress.
		reporter := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorReporter, Email: "rae@example.net"})
		act(t, reporter, db, r.ID, "comment")
		act(t, ctx, db, r.ID, "handoff_decline")

		next := at.Add(48 * time.Hour)
		db.clock.Set(next.Add(90 * time.Second))
		pings, err := pinger.PingStale(context.Background(), next)
		if err != nil || len(pings) != 1 {
			t.Errorf("a threshold after the first ping = %+v, %v; want the ping again", pings, err)
		}
	})
}

// The stale views follow the team's thresholds, as the pings do.
func TestStaleViewsFollowThresholds(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		day, err := ward.ParsePeriod("1d")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyTeam(ctx, ward.TeamSpec{Reminders: &ward.RemindersSpec{Stale: map[string]ward.Period{
			"critical": day, "high": ward.Never}}}, false); err != nil {
			t.Fatal(err)
		}
		critical := watched(t, ctx, db, "critical", "Critical", "triaged")
		watched(t, ctx, db, "high", "High", "triaged")
		db.clock.Advance(25 * time.Hour) // past the team's day, before the default two
		got, err := db.FindReports(ctx, ward.ReportFilter{View: "stale-critical"})
		if err != nil || len(got) != 1 || got[0].ID != critical.ID {
			t.Errorf("stale-critical after 25 hours with a 1d threshold = %v, %v", got, err)
		}
		db.clock.Advance(30 * 24 * time.Hour)
		if got, err := db.FindReports(ctx, ward.ReportFilter{View: "stale-high"}); err != nil || len(got) != 0 {
			t.Errorf("stale-high with high never stale = %d reports, %v", len(got), err)
		}
	})
}
