package reminders

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestNext(t *testing.T) {
	th := ward.DefaultStaleThresholds()
	tests := []struct {
		name     string
		r        Report
		want     string // RFC 3339, or "" for never
		thresh   ward.StaleThresholds
		override bool
	}{
		{name: "critical, two days after the update", r: Report{Rating: "critical", State: "triaged", LastActivity: utc(t, "2026-03-01T10:00:00Z")},
			want: "2026-03-03T10:00:00Z"},
		{name: "rating in any case", r: Report{Rating: "Critical", State: "tracked", LastActivity: utc(t, "2026-03-01T10:00:00Z")},
			want: "2026-03-03T10:00:00Z"},
		{name: "high, seven days", r: Report{Rating: "high", State: "tracked", LastActivity: utc(t, "2026-03-01T10:00:00Z")},
			want: "2026-03-08T10:00:00Z"},
		{name: "days are 24 hours across a DST change", r: Report{Rating: "high", State: "tracked", LastActivity: utc(t, "2026-03-27T12:00:00+01:00")},
			want: "2026-04-03T11:00:00Z"},
		{name: "medium, a calendar month", r: Report{Rating: "medium", State: "triaged", LastActivity: utc(t, "2026-01-15T08:30:00Z")},
			want: "2026-02-15T08:30:00Z"},
		{name: "medium from January 31 ends with February", r: Report{Rating: "medium", State: "triaged", LastActivity: utc(t, "2026-01-31T08:30:00Z")},
			want: "2026-03-01T00:00:00Z"},
		{name: "medium from January 29 of a leap year", r: Report{Rating: "medium", State: "triaged", LastActivity: utc(t, "2028-01-29T08:30:00Z")},
			want: "2028-02-29T08:30:00Z"},
		{name: "medium from March 31 ends with April", r: Report{Rating: "medium", State: "triaged", LastActivity: utc(t, "2026-03-31T01:30:00Z")},
			want: "2026-05-01T00:00:00Z"},
		{name: "a month is on the UTC calendar", r: Report{Rating: "medium", State: "triaged", LastActivity: utc(t, "2026-03-01T00:30:00+02:00")},
			want: "2026-03-28T22:30:00Z"},
		{name: "a ping repeats after the same threshold", r: Report{Rating: "critical", State: "triaged",
			LastActivity: utc(t, "2026-03-01T10:00:00Z"), LastPing: utc(t, "2026-03-03T10:00:05Z")}, want: "2026-03-05T10:00:05Z"},
		{name: "an update after the ping restarts the clock", r: Report{Rating: "critical", State: "triaged",
			LastActivity: utc(t, "2026-03-04T09:00:00Z"), LastPing: utc(t, "2026-03-03T10:00:00Z")}, want: "2026-03-06T09:00:00Z"},
		{name: "low is never pinged", r: Report{Rating: "low", State: "triaged", LastActivity: utc(t, "2026-03-01T10:00:00Z")}},
		{name: "none is never pinged", r: Report{Rating: "none", State: "triaged", LastActivity: utc(t, "2026-03-01T10:00:00Z")}},
		{name: "unrated", r: Report{State: "triaged", LastActivity: utc(t, "2026-03-01T10:00:00Z")}},
		{name: "new waits in the triage queue", r: Report{Rating: "critical", State: "new", LastActivity: utc(t, "2026-03-01T10:00:00Z")}},
		{name: "needs_info waits for the reporter", r: Report{Rating: "critical", State: "needs_info", LastActivity: utc(t, "2026-03-01T10:00:00Z")}},
		{name: "resolved is done", r: Report{Rating: "critical", State: "resolved", LastActivity: utc(t, "2026-03-01T10:00:00Z")}},
		{name: "a team's own threshold", r: Report{Rating: "low", State: "triaged", LastActivity: utc(t, "2026-03-01T10:00:00Z")},
			thresh: ward.StaleThresholds{"low": {Months: 2}}, override: true, want: "2026-05-01T10:00:00Z"},
		{name: "a team's never", r: Report{Rating: "critical", State: "triaged", LastActivity: utc(t, "2026-03-01T10:00:00Z")},
			thresh: ward.StaleThresholds{"critical": ward.Never}, override: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			use := th
			if tt.override {
				use = tt.thresh
			}
			got, ok := Next(tt.r, use)
			if tt.want == "" {
				if ok {
					t.Fatalf("Next = %s, want never", got)
				}
				return
			}
			if want := utc(t, tt.want); !ok || !got.Equal(want) {
				t.Fatalf("Next = %s, %v; want %s", got, ok, want)
			}
		})
	}
}

func TestRecipient(t *testing.T) {
	tests := []struct{ commander, assignee, onCall, want string }{
		{"ic@example.org", "as@example.org", "oc@example.org", "ic@example.org"},
		{"", "as@example.org", "oc@example.org", "as@example.org"},
		{"", "", "oc@example.org", "oc@example.org"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := Recipient(tt.commander, tt.assignee, tt.onCall); got != tt.want {
			t.Errorf("Recipient(%q, %q, %q) = %q, want %q", tt.commander, tt.assignee, tt.onCall, got, tt.want)
		}
	}
}

// randomReport is a watched report of a pinged rating, updated at a random
// microsecond of 2026 to 2028 (leap day included), perhaps pinged since.
func randomReport(rng *rand.Rand) Report {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := base.Add(time.Duration(rng.Int64N(3*365*24*3600*1e6)) * time.Microsecond)
	r := Report{Rating: []string{"critical", "high", "medium"}[rng.IntN(3)], State: States[rng.IntN(len(States))], LastActivity: at}
	if rng.IntN(2) == 0 {
		r.LastPing = at.Add(time.Duration(rng.Int64N(40*24*3600*1e6)) * time.Microsecond)
	}
	return r
}

// The clock of a watched report runs out at its threshold, not a
// microsecond before; a ping starts the same threshold again and an update
// starts the clock again, whatever the instants.
func TestPropertyThresholds(t *testing.T) {
	th := ward.DefaultStaleThresholds()
	rng := rand.New(rand.NewPCG(2026, 11))
	for range 20000 {
		r := randomReport(rng)
		next, ok := Next(r, th)
		if !ok {
			t.Fatalf("%+v: never, want a ping", r)
		}
		if Due(r, th, next.Add(-time.Microsecond)) || !Due(r, th, next) || !Due(r, th, next.Add(time.Hour)) {
			t.Fatalf("%+v: due at %s: not exactly from then on", r, next)
		}
		p := th[r.Rating]
		if !next.Equal(p.After(r.Clock())) {
			t.Fatalf("%+v: next %s, want the threshold after the clock %s", r, next, r.Clock())
		}
		// The store finds due reports by comparing the clock with the
		// cut-off: the same answer as Due at any instant.
		now := next.Add(time.Duration(rng.Int64N(2*24*3600*1e6)-24*3600*1e6) * time.Microsecond)
		if due, byCutoff := Due(r, th, now), !r.Clock().After(p.Cutoff(now)); due != byCutoff {
			t.Fatalf("%+v at %s: Due %v, clock %s against cutoff %s says %v", r, now, due, r.Clock(), p.Cutoff(now), byCutoff)
		}

		pinged := r
		pinged.LastPing = next
		again, _ := Next(pinged, th)
		if !again.Equal(p.After(next)) || Due(pinged, th, again.Add(-time.Microsecond)) {
			t.Fatalf("%+v pinged at %s: next %s, want %s", r, next, again, p.After(next))
		}

		updated := r
		updated.LastActivity = next.Add(-time.Duration(1+rng.Int64N(3600*1e6)) * time.Microsecond)
		if updated.LastActivity.After(r.Clock()) {
			if Due(updated, th, next) {
				t.Fatalf("%+v updated at %s: still due at %s", r, updated.LastActivity, next)
			}
		}
	}
}
