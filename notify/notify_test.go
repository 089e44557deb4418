package notify

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

// recorder is a sender that records what it sent, and fails or hangs for
// the targets told to.
type recorder struct {
	mu    sync.Mutex
	sent  map[string]int // by key
	fail  map[string]error
	hang  map[string]bool
	order []string
}

func newRecorder() *recorder {
	return &recorder{sent: map[string]int{}, fail: map[string]error{}, hang: map[string]bool{}}
}

func (r *recorder) Send(ctx context.Context, d *ward.Dispatch) error {
	r.mu.Lock()
	hang, err := r.hang[d.Target], r.fail[d.Target]
	r.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[d.Key]++
	r.order = append(r.order, d.Key)
	return nil
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[key]
}

type fixture struct {
	db    *store.DB
	clock *wardtest.Clock
	// machine is the machine's clock, which leases and back-off follow.
	machine *wardtest.Clock
	svc     *Service
	mail    *recorder
	hooks   *recorder
	ctx     context.Context
	events  map[int64]int64 // notification → its event, by notify
}

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Helper()
	clock := wardtest.NewClock(start)
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "ward.db"), store.Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	for _, m := range []ward.Member{
		{Email: "ana@example.org", Name: "Ana", TimeZone: "Europe/Berlin", WorkHours: "Mon-Fri 09:00-17:00", Holidays: "DE"},
		{Email: "bo@example.org", Name: "Bo", TimeZone: "America/Los_Angeles", WorkHours: "Mon-Fri 09:00-17:00"},
	} {
		if err := db.CreateMember(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	calendar := oncall.New(db, clock.Now)
	machine := wardtest.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	f := &fixture{db: db, clock: clock, machine: machine, mail: newRecorder(), hooks: newRecorder(), ctx: ctx, events: map[int64]int64{}}
	f.svc = New(Config{Store: db, Clock: clock, MachineNow: machine.Now, BaseURL: "https://ward.example.org", NextWorking: calendar.NextWorking,
		Senders: map[string]Sender{ward.ChannelEmail: f.mail, ward.ChannelWebhook: f.hooks}, Timeout: 200 * time.Millisecond, Parallel: 2,
		Logger: slog.New(slog.DiscardHandler)})
	return f
}

// notify writes an event on a new report that notifies member, as the
// store does for a ping or a reporter's comment.
func (f *fixture) notify(t *testing.T, member, action, rating string) int64 {
	t.Helper()
	r := ward.Report{Title: "Report for " + member, Source: ward.SourceAPI}
	if _, err := f.db.CreateReport(f.ctx, &r); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.db.FindReportByID(f.ctx, r.ID)
	stored.Severity = &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Version: "3.1", Score: 9.8, Rating: rating}
	if err := f.db.UpdateReport(f.ctx, stored, stored.Version, &ward.TimelineEvent{Action: action, FromState: "new", ToState: "new",
		Visibility: "team", Comment: action, Notify: []string{member}}); err != nil {
		t.Fatal(err)
	}
	notes, _ := f.db.FindNotifications(f.ctx, ward.NotificationFilter{Member: member, Limit: 1})
	f.events[notes[0].ID] = notes[0].Event
	return notes[0].ID
}

// setSender gives the service a sender for the channel.
func (f *fixture) setSender(channel string, sender Sender) {
	f.svc.cfg.Senders[channel] = sender
	f.svc = New(f.svc.cfg)
}

// setTimeout bounds each send of the service.
func (f *fixture) setTimeout(d time.Duration) {
	f.svc.cfg.Timeout = d
	f.svc = New(f.svc.cfg)
}

// channelKey is the key of notification n's dispatch to a team channel:
// its event's.
func (f *fixture) channelKey(n int64, channel string) string {
	return "e:" + itoa(f.events[n]) + ":channel:" + channel
}

// step fans out and sends at the clock's time.
func (f *fixture) step(t *testing.T) {
	t.Helper()
	if _, err := f.svc.FanOut(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestBusinessHoursAcrossZonesAndDST(t *testing.T) {
	// Friday 29 October 2027, 18:00 in Berlin (16:00 UTC): after Ana's
	// day. Europe leaves summer time on Sunday 31 October, so Monday
	// 09:00 in Berlin is 08:00 UTC, not 07:00. Bo in Los Angeles is at
	// work (09:00 PDT), and the US leaves summer time a week later.
	f := newFixture(t, time.Date(2027, 10, 29, 16, 0, 0, 0, time.UTC))
	anaKey := key(f.notify(t, "ana@example.org", "ping", "high"))
	boKey := key(f.notify(t, "bo@example.org", "ping", "high"))
	urgentKey := key(f.notify(t, "ana@example.org", "create", "critical"))

	steps := []struct {
		at   time.Time
		want map[string]int
	}{
		{time.Date(2027, 10, 29, 16, 0, 0, 0, time.UTC), map[string]int{anaKey: 0, boKey: 1, urgentKey: 1}},
		{time.Date(2027, 11, 1, 7, 59, 59, 0, time.UTC), map[string]int{anaKey: 0}},
		{time.Date(2027, 11, 1, 8, 0, 0, 0, time.UTC), map[string]int{anaKey: 1, boKey: 1, urgentKey: 1}},
		{time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC), map[string]int{anaKey: 1, boKey: 1, urgentKey: 1}},
	}
	for _, s := range steps {
		f.clock.Set(s.at)
		f.step(t)
		for k, want := range s.want {
			if got := f.mail.count(k); got != want {
				t.Errorf("at %v %s was sent %d times, want %d", s.at, k, got, want)
			}
		}
	}

	t.Run("a notification in Bo's weekend waits for his Monday in summer time", func(t *testing.T) {
		// Saturday 13 March 2027, 20:00 UTC (12:00 PST); Los Angeles moves
		// to PDT on Sunday 14 March: Monday 09:00 PDT is 16:00 UTC.
		f := newFixture(t, time.Date(2027, 3, 13, 20, 0, 0, 0, time.UTC))
		k := key(f.notify(t, "bo@example.org", "ping", "medium"))
		for _, s := range []struct {
			at   time.Time
			want int
		}{{time.Date(2027, 3, 15, 15, 59, 0, 0, time.UTC), 0}, {time.Date(2027, 3, 15, 16, 0, 0, 0, time.UTC), 1}} {
			f.clock.Set(s.at)
			f.step(t)
			if got := f.mail.count(k); got != s.want {
				t.Errorf("at %v: sent %d times, want %d", s.at, got, s.want)
			}
		}
	})
	t.Run("public holidays are not working days", func(t *testing.T) {
		// Thursday 25 March 2027 at 17:30 in Berlin: Good Friday and
		// Easter Monday are holidays in Germany, and summer time starts on
		// Easter Sunday, so the next working hour is Tuesday 30 March,
		// 09:00 CEST, 07:00 UTC.
		f := newFixture(t, time.Date(2027, 3, 25, 16, 30, 0, 0, time.UTC))
		k := key(f.notify(t, "ana@example.org", "ping", "high"))
		for _, s := range []struct {
			at   time.Time
			want int
		}{{time.Date(2027, 3, 26, 8, 0, 0, 0, time.UTC), 0}, {time.Date(2027, 3, 29, 7, 0, 0, 0, time.UTC), 0}, {time.Date(2027, 3, 30, 6, 59, 0, 0, time.UTC), 0}, {time.Date(2027, 3, 30, 7, 0, 0, 0, time.UTC), 1}} {
			f.clock.Set(s.at)
			f.step(t)
			if got := f.mail.count(k); got != s.want {
				t.Errorf("at %v: sent %d times, want %d", s.at, got, s.want)
			}
		}
	})
}

func key(notification int64) string {
	return "n:" + itoa(notification) + ":email"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// retryable is a failure that names when to come back.
type retryable struct{ after time.Duration }

func (r retryable) Error() string             { return "503 Service Unavailable" }
func (r retryable) RetryAfter() time.Duration { return r.after }

type permanent struct{}

func (permanent) Error() string   { return "410 Gone" }
func (permanent) Permanent() bool { return true }

func TestRetriesAndHangs(t *testing.T) {
	f := newFixture(t, time.Date(2027, 3, 31, 11, 0, 0, 0, time.UTC)) // a Wednesday, 13:00 in Berlin
	channels := []ward.NotifyChannel{
		{Name: "flaky", Kind: ward.ChannelWebhook, URL: "https://flaky.example.org", SecretEnv: "S", Kinds: []string{"ping"}},
		{Name: "gone", Kind: ward.ChannelWebhook, URL: "https://gone.example.org", SecretEnv: "S", Kinds: []string{"ping"}},
		{Name: "hangs", Kind: ward.ChannelWebhook, URL: "https://hangs.example.org", SecretEnv: "S", Kinds: []string{"ping"}},
		{Name: "fine", Kind: ward.ChannelWebhook, URL: "https://fine.example.org", SecretEnv: "S", Kinds: []string{"ping"}},
	}
	if _, err := f.db.ApplyTeam(f.ctx, ward.TeamSpec{Channels: channels}, false); err != nil {
		t.Fatal(err)
	}
	f.hooks.fail["flaky"] = retryable{after: 0}
	f.hooks.fail["gone"] = permanent{}
	f.hooks.hang["hangs"] = true
	var notes []int64
	for range 3 {
		notes = append(notes, f.notify(t, "ana@example.org", "ping", "high"))
	}

	// The receiver that hangs answers never: the pass ends only because
	// each send to it is cut at the service's timeout. The bound here is
	// not a speed target (a loaded CI machine took 2 s for what takes
	// 0.4 s idle); it turns "hangs for ever" into a failure, not a stall.
	done := make(chan struct{})
	go func() { defer close(done); f.step(t) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("one pass did not end with a receiver that hangs")
	}
	for _, n := range notes {
		if got := f.hooks.count(f.channelKey(n, "fine")); got != 1 {
			t.Errorf("notification %d reached the fine receiver %d times, want 1", n, got)
		}
		if got := f.mail.count(key(n)); got != 1 {
			t.Errorf("notification %d reached Ana %d times, want 1", n, got)
		}
	}
	byTarget := func(status string) map[string]int {
		ds, err := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: status, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, d := range ds {
			out[d.Target]++
		}
		return out
	}
	if got := byTarget("failed"); got["gone"] != 3 || len(got) != 1 {
		t.Errorf("given up: %v, want the three to the receiver that is gone", got)
	}
	waiting, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: "waiting", Limit: 100})
	for _, d := range waiting {
		if d.Target != "flaky" && d.Target != "hangs" || d.Attempts != 1 || d.LastError == "" {
			t.Errorf("waiting: %+v", d)
		}
		if d.Target == "hangs" && !strings.Contains(d.LastError, "deadline exceeded") {
			t.Errorf("dispatch %d to the receiver that hangs failed with %q, want the timeout", d.ID, d.LastError)
		}
		if wait := d.NextAttemptAt.Sub(f.machine.Now()); wait != 15*time.Second {
			t.Errorf("dispatch %d retries in %v, want the first back-off, 15 s", d.ID, wait)
		}
	}
	if len(waiting) != 6 {
		t.Errorf("waiting: %d, want the three to flaky and the three to hangs", len(waiting))
	}

	t.Run("a retry after the back-off, and Retry-After honoured", func(t *testing.T) {
		f.hooks.mu.Lock()
		f.hooks.fail["flaky"] = retryable{after: 2 * time.Hour}
		f.hooks.mu.Unlock()
		f.machine.Advance(14 * time.Second)
		f.step(t)
		if got := f.hooks.count(f.channelKey(notes[0], "flaky")); got != 0 {
			t.Fatal("retried before the back-off")
		}
		f.machine.Advance(time.Second)
		f.step(t)
		ds, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: "waiting", Limit: 100})
		for _, d := range ds {
			if d.Target == "flaky" && (d.Attempts != 2 || d.NextAttemptAt.Sub(f.machine.Now()) != 2*time.Hour) {
				t.Errorf("flaky after Retry-After: 2h: %+v", d)
			}
		}
		f.hooks.mu.Lock()
		delete(f.hooks.fail, "flaky")
		f.hooks.mu.Unlock()
		f.machine.Advance(2 * time.Hour)
		f.step(t)
		for _, n := range notes {
			if got := f.hooks.count(f.channelKey(n, "flaky")); got != 1 {
				t.Errorf("notification %d reached flaky %d times, want once, when it recovered", n, got)
			}
		}
	})
	t.Run("nothing is queued on a channel without a sender", func(t *testing.T) {
		if _, err := f.db.ApplyTeam(f.ctx, ward.TeamSpec{Channels: []ward.NotifyChannel{{Name: "chat", Kind: ward.ChannelSlack, URLEnv: "U"}}}, false); err != nil {
			t.Fatal(err)
		}
		n := f.notify(t, "ana@example.org", "ping", "high")
		f.step(t)
		if got := f.mail.count(key(n)); got != 1 {
			t.Errorf("the email went %d times, want once", got)
		}
		all, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Limit: 500})
		for _, d := range all {
			if d.Channel == ward.ChannelSlack {
				t.Errorf("queued for Slack, which this instance cannot send: %+v", d)
			}
		}
	})
	t.Run("a dispatch another instance queued on a channel this one lacks is left to that one", func(t *testing.T) {
		if _, err := f.db.QueueDispatch(f.ctx, &ward.Dispatch{Key: "other", Channel: ward.ChannelSlack, Target: "chat", Kind: "ping", Subject: "s", Body: "b"}); err != nil {
			t.Fatal(err)
		}
		f.step(t)
		waiting, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: "waiting", Limit: 100})
		found := false
		for _, d := range waiting {
			found = found || d.Key == "other" && d.Attempts == 0
		}
		if !found {
			t.Errorf("the Slack dispatch was claimed by an instance without Slack: %+v", waiting)
		}
	})
	t.Run("a member disabled, or who turned email off, since a dispatch was queued is not sent it", func(t *testing.T) {
		f.clock.Set(time.Date(2027, 3, 31, 18, 0, 0, 0, time.UTC)) // after Ana's day: her email waits
		n := f.notify(t, "ana@example.org", "ping", "high")
		f.step(t)
		off := false
		if err := f.db.SetNotifyPrefs(f.ctx, &ward.NotifyPrefs{Member: "ana@example.org", Email: off}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2027, 4, 1, 7, 0, 0, 0, time.UTC))
		f.step(t)
		if got := f.mail.count(key(n)); got != 0 {
			t.Errorf("sent %d times to a member who turned email off", got)
		}
		failed, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: "failed", Member: "ana@example.org", Limit: 1})
		if len(failed) != 1 || failed[0].LastError != "ana@example.org turned email off" {
			t.Errorf("failed = %+v", failed)
		}
		if err := f.db.SetNotifyPrefs(f.ctx, &ward.NotifyPrefs{Member: "ana@example.org", Email: true}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2027, 4, 1, 18, 0, 0, 0, time.UTC))
		n = f.notify(t, "ana@example.org", "ping", "high")
		f.step(t)
		disabled := true
		if _, err := f.db.UpdateMember(f.ctx, "ana@example.org", ward.MemberUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2027, 4, 2, 7, 0, 0, 0, time.UTC))
		f.step(t)
		if got := f.mail.count(key(n)); got != 0 {
			t.Errorf("sent %d times to a member disabled since", got)
		}
	})
}

// A report rated critical reaches the on-call at once, at night too; a
// new report that is not critical waits for their morning.
func TestCriticalGoesToTheOnCallAtOnce(t *testing.T) {
	f := newFixture(t, time.Date(2027, 3, 31, 22, 0, 0, 0, time.UTC)) // midnight in Berlin
	cfg := f.svc.cfg
	cfg.OnCall = func(context.Context, time.Time) (string, error) { return "ana@example.org", nil }
	f.svc = New(cfg)
	r := ward.Report{Title: "RCE", Source: ward.SourceAPI}
	if _, err := f.db.CreateReport(f.ctx, &r); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	f.clock.Advance(time.Hour)
	stored, _ := f.db.FindReportByID(f.ctx, r.ID)
	stored.Severity = &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Version: "3.1", Score: 9.8, Rating: "Critical"}
	if err := f.db.UpdateReport(f.ctx, stored, stored.Version, &ward.TimelineEvent{Action: "triage", FromState: "new", ToState: "triaged",
		Visibility: "team", Notify: []string{""}}); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	sent, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Member: "ana@example.org", Limit: 10})
	got := map[string]string{}
	for _, d := range sent {
		got[d.Kind] = d.Status()
		if d.Kind == KindCritical && (!d.Urgent || !strings.Contains(d.Subject, "rated critical")) {
			t.Errorf("critical dispatch = %+v", d)
		}
	}
	if got[KindCritical] != "delivered" || got[KindNewReport] != "waiting" {
		t.Errorf("dispatches to the on-call = %v; want the rating critical delivered at once, the new report waiting for the morning", got)
	}
}
