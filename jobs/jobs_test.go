package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the test schema
	"github.com/riverqueue/river"
	"github.com/wardsec/ward/clock"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

// eachDB runs the test on a fresh SQLite file and, when WARD_TEST_POSTGRES
// names a server, on a fresh PostgreSQL schema; dsn opens that database
// (again, for a second instance).
func eachDB(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, "sqlite:"+filepath.Join(t.TempDir(), "ward.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, wardtest.PostgresSchema(t))
	})
}

func openStore(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatalf("open %s: %v", store.RedactDSN(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// startRunner starts a runner that polls often, and stops it when the test ends.
func startRunner(t *testing.T, db *store.DB, periodic ...Periodic) *Runner {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := Start(context.Background(), Config{Store: db, Logger: logger, PollInterval: 50 * time.Millisecond}, periodic)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx) // a second Stop after the test's own is harmless
	})
	return r
}

// runs records the instants a periodic job ran for.
type runs struct {
	mu  sync.Mutex
	ats []time.Time
	ch  chan time.Time
}

func newRuns() *runs { return &runs{ch: make(chan time.Time, 100)} }

func (r *runs) run(_ context.Context, at time.Time) error {
	r.mu.Lock()
	r.ats = append(r.ats, at)
	r.mu.Unlock()
	r.ch <- at
	return nil
}

// wait returns the next instant run, failing the test after the deadline.
func (r *runs) wait(t *testing.T, within time.Duration) time.Time {
	t.Helper()
	select {
	case at := <-r.ch:
		return at
	case <-time.After(within):
		t.Fatalf("no run within %v", within)
		return time.Time{}
	}
}

func TestPeriodicRunsOnSchedule(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		db := openStore(t, dsn)
		const every = 200 * time.Millisecond
		got := newRuns()
		begun := time.Now()
		r := startRunner(t, db, Periodic{Name: "tick", Every: Interval(every), Run: got.run})
		first := got.wait(t, 8*time.Second)
		second := got.wait(t, 2*time.Second)
		for _, at := range []time.Time{first, second} {
			if at.Before(begun) || !at.Equal(at.Truncate(every)) {
				t.Errorf("ran for %v: want an instant on the %v grid after the start (%v)", at, every, begun)
			}
		}
		if !second.After(first) {
			t.Errorf("ran for %v, then %v: want later instants", first, second)
		}
		if err := r.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPeriodicOnAScaledClock(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		// An hour of the clock every 100 ms, and on PostgreSQL two
		// instances scheduling (ward serves a SQLite file from one):
		// each hour runs at most once. (An hour may be skipped: an
		// instance busier than an hour of this clock, 100 ms, inserts only
		// the latest of the instants it missed.)
		stores := []*store.DB{openStore(t, dsn)}
		if !strings.HasPrefix(dsn, "sqlite:") {
			stores = append(stores, openStore(t, dsn))
		}
		for _, db := range stores {
			if err := Migrate(context.Background(), db, nil); err != nil {
				t.Fatal(err)
			}
		}
		c := clock.Scaled{Start: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), Epoch: time.Now(), Rate: 36000}
		got := newRuns()
		for _, db := range stores {
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			r, err := Start(context.Background(), Config{Store: db, Logger: logger, PollInterval: 20 * time.Millisecond, Clock: c},
				[]Periodic{{Name: "hourly", Every: Interval(time.Hour), Run: got.run}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Stop(context.Background()) })
		}
		var ats []time.Time
		for range 6 {
			ats = append(ats, got.wait(t, 8*time.Second))
		}
		slices.SortFunc(ats, time.Time.Compare)
		for i := 1; i < len(ats); i++ {
			if !ats[i].After(ats[i-1]) || !ats[i].Equal(ats[i].Truncate(time.Hour)) {
				t.Fatalf("ran for %v: want whole hours of the clock, once each", ats)
			}
		}
		if ats[0].Before(c.Start) {
			t.Errorf("first run for %v, before the clock's start %v", ats[0], c.Start)
		}
	})
}

func TestOccurrenceRunsOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		// Two instances, as two `ward serve` on one database, each of
		// which would insert the occurrence.
		got := newRuns()
		never := func(after time.Time) time.Time { return after.Add(24 * time.Hour) }
		one := startRunner(t, openStore(t, dsn), Periodic{Name: "digest", Every: never, Run: got.run})
		two := startRunner(t, openStore(t, dsn), Periodic{Name: "digest", Every: never, Run: got.run})
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		events, cancel := one.subscribe(river.EventKindJobCompleted)
		defer cancel()
		events2, cancel2 := two.subscribe(river.EventKindJobCompleted)
		defer cancel2()

		var skipped []bool
		for _, r := range []*Runner{one, two, one} {
			res, err := r.insert(context.Background(), occurrenceArgs{Name: "digest", At: at}, nil)
			if err != nil {
				t.Fatalf("insert: %v", err)
			}
			skipped = append(skipped, res.UniqueSkippedAsDuplicate)
		}
		if fmt.Sprint(skipped) != "[false true true]" {
			t.Errorf("skipped as duplicates: %v, want [false true true]", skipped)
		}
		select {
		case <-events:
		case <-events2:
		case <-time.After(8 * time.Second):
			t.Fatal("the occurrence did not complete")
		}
		// Once it has run, it stays done: a late instance inserting it
		// again (a new leader, a restart) is refused too.
		res, err := two.insert(context.Background(), occurrenceArgs{Name: "digest", At: at}, nil)
		if err != nil || !res.UniqueSkippedAsDuplicate {
			t.Errorf("insert after the run: skipped %v, %v; want skipped", res != nil && res.UniqueSkippedAsDuplicate, err)
		}
		// Another instant is another occurrence.
		res, err = two.insert(context.Background(), occurrenceArgs{Name: "digest", At: at.Add(24 * time.Hour)}, nil)
		if err != nil || res.UniqueSkippedAsDuplicate {
			t.Errorf("insert of the next day: skipped %v, %v; want inserted", res != nil && res.UniqueSkippedAsDuplicate, err)
		}
		got.wait(t, 8*time.Second)
		got.wait(t, 8*time.Second)
		for _, r := range []*Runner{one, two} {
			if err := r.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		got.mu.Lock()
		defer got.mu.Unlock()
		if len(got.ats) != 2 || !got.ats[0].Equal(at) || !got.ats[1].Equal(at.Add(24*time.Hour)) {
			t.Errorf("ran for %v, want %v and the day after, once each", got.ats, at)
		}
	})
}

func TestStopDrains(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		started := make(chan struct{})
		var finished bool
		var ctxErr error
		slow := func(ctx context.Context, _ time.Time) error {
			close(started)
			// The job takes a while of its own; Stop must wait for it
			// rather than cancel it.
			select {
			case <-time.After(300 * time.Millisecond):
			case <-ctx.Done():
			}
			finished, ctxErr = true, ctx.Err()
			return nil
		}
		r := startRunner(t, openStore(t, dsn), Periodic{Name: "slow", Every: Interval(24 * time.Hour), Run: slow})
		if _, err := r.insert(context.Background(), occurrenceArgs{Name: "slow", At: time.Now()}, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-time.After(8 * time.Second):
			t.Fatal("the job did not start")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if !finished || ctxErr != nil {
			t.Errorf("when Stop returned the job had finished: %v, with its context's error %v; want finished, nil", finished, ctxErr)
		}
	})
}

func TestSchedules(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		every       func(time.Time) time.Time
		after, want time.Time
	}{
		{"interval from between", Interval(time.Hour), time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)},
		{"interval from an instant", Interval(time.Hour), time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)},
		{"daily later today", Daily(9, 0, berlin), time.Date(2026, 3, 2, 7, 0, 0, 0, berlin), time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)},
		{"daily from the instant", Daily(9, 0, berlin), time.Date(2026, 3, 2, 9, 0, 0, 0, berlin), time.Date(2026, 3, 3, 9, 0, 0, 0, berlin)},
		{"daily across DST", Daily(9, 0, berlin), time.Date(2026, 3, 28, 10, 0, 0, 0, berlin), time.Date(2026, 3, 29, 9, 0, 0, 0, berlin)},
		{"daily from another zone", Daily(9, 0, berlin), time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC), time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.every(tt.after); !got.Equal(tt.want) {
				t.Errorf("after %v: got %v, want %v", tt.after, got, tt.want)
			}
		})
	}
}

func TestStartRefusesBadJobs(t *testing.T) {
	db := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "ward.db"))
	ok := func(context.Context, time.Time) error { return nil }
	for _, bad := range [][]Periodic{
		{{Name: "a b", Every: Interval(time.Hour), Run: ok}},
		{{Name: "a", Every: Interval(time.Hour), Run: ok}, {Name: "a", Every: Interval(time.Hour), Run: ok}},
		{{Name: "a", Run: ok}},
	} {
		if r, err := Start(context.Background(), Config{Store: db}, bad); err == nil {
			_ = r.Stop(context.Background())
			t.Errorf("Start(%v) = nil error, want one", bad)
		}
	}
}

// A job's own Timeout replaces river's default minute: a first HackerOne
// sync takes longer.
func TestPeriodicTimeout(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		db := openStore(t, dsn)
		left := make(chan time.Duration, 10)
		run := func(ctx context.Context, _ time.Time) error {
			if d, ok := ctx.Deadline(); ok {
				left <- time.Until(d)
			} else {
				left <- 0
			}
			return nil
		}
		startRunner(t, db, Periodic{Name: "long", Every: Interval(200 * time.Millisecond), Timeout: 30 * time.Minute, Run: run})
		select {
		case d := <-left:
			if d < 29*time.Minute || d > 30*time.Minute {
				t.Errorf("the run's deadline is %v away, want its Timeout, 30m", d)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no run within 10s")
		}
	})
}
