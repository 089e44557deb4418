package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reminders"
)

// staleSeeding is the database of BenchmarkStaleScan: 100,000 watched
// (triaged or tracked) reports, as many as a desk that never closed one in
// years would have, each last updated at a random instant of the year
// before seedNow and pinged as a scheduler running every hour until an
// hour before seedNow would have pinged it under the default thresholds.
// They have no timeline: the scan reads none.
var staleSeeding = seeding{name: "stale", version: "stale-1",
	what: fmt.Sprintf("%d watched reports", staleSeedReports), fill: seedStale}

const staleSeedReports = 100_000

// staleBacklog is an instant at which every critical, high and medium
// report is due: a month after seedNow, as if pings had stopped.
var staleBacklog = seedNow.AddDate(0, 1, 0)

func seedStale(ctx context.Context, db *DB) error {
	const batch, perInsert = 5000, 500
	rng := rand.New(rand.NewPCG(2026, 7))
	gen := newSeedGen()
	th := ward.DefaultStaleThresholds()
	lastRun := seedNow.Add(-time.Hour)
	const cols = 12
	for done := 0; done < staleSeedReports; done += batch {
		tx, err := db.begin(ctx)
		if err != nil {
			return err
		}
		for start := 0; start < batch; start += perInsert {
			var q strings.Builder
			q.WriteString(`INSERT INTO reports (title, body, source, state, severity, rating, assignee, commander, created_at, updated_at, last_activity_at, last_ping_at) VALUES `)
			args := make([]any, 0, cols*perInsert)
			for i := range perInsert {
				if i > 0 {
					q.WriteByte(',')
				}
				q.WriteString(`(?,?,?,?,?,?,?,?,?,?,?,?)`)
				rating := gen.rating()
				v := seedVectors[rating]
				activity := seedNow.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Microsecond)
				created := activity.Add(-time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
				r := reminders.Report{Rating: rating, State: reminders.States[rng.IntN(len(reminders.States))], LastActivity: activity}
				// Ping as the hourly scheduler did: at the first run at or
				// after each due instant, until its last run.
				for {
					next, ok := reminders.Next(r, th)
					if !ok || next.After(lastRun) {
						break
					}
					r.LastPing = next.Truncate(time.Hour).Add(time.Hour)
					if r.LastPing.After(lastRun) {
						r.LastPing = lastRun
					}
				}
				var ping int64
				if !r.LastPing.IsZero() {
					ping = micros(r.LastPing)
				}
				commander := ""
				if rng.IntN(3) > 0 {
					commander = gen.pick(seedResponders)
				}
				args = append(args, gen.pick(seedClasses)+" in the "+gen.pick(seedComponents), gen.text(2), ward.SourceWeb, r.State,
					mustJSON(ward.Severity{Vector: v.vector, Version: "3.1", Score: v.score, Rating: rating}), strings.ToLower(rating),
					gen.pick(seedTriagers), commander, micros(created), micros(r.Clock()), micros(activity), ping)
			}
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				tx.rollback()
				return fmt.Errorf("seed stale reports: %w", err)
			}
		}
		if err := tx.commit(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkStaleScan measures the scan of stale pings (StaleReports) over
// 100,000 watched reports, on SQLite and, when WARD_TEST_POSTGRES names a
// server, on PostgreSQL; target < 100 ms. The seeded database is kept
// between runs like BenchmarkReports's. Each op reads the first page, of
// 100, at one of two instants: seedNow, when pings have kept up and only
// the reports that came due in the last hour are due (about 280: the
// scheduler's every run), so that each rating's index range holds many
// reports pinged lately to pass over; and a month later, when all but low
// and none are due (the first run after an outage, or after thresholds
// were set).
func BenchmarkStaleScan(b *testing.B) {
	b.Run("db=sqlite", func(b *testing.B) { benchmarkStaleScan(b, seededSQLite(b, staleSeeding)) })
	b.Run("db=postgres", func(b *testing.B) { benchmarkStaleScan(b, seededPostgres(b, staleSeeding)) })
}

func benchmarkStaleScan(b *testing.B, dsn string) {
	db, _ := openSeedDB(b, dsn)
	ctx := context.Background()
	th := ward.DefaultStaleThresholds()
	for _, c := range []struct {
		name        string
		now         time.Time
		least, most int
	}{
		{"steady", seedNow, stalePage, stalePage},
		{"backlog", staleBacklog, stalePage, stalePage},
	} {
		b.Run("op="+c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				got, err := db.StaleReports(ctx, c.now, th, stalePage)
				if err != nil {
					b.Fatal(err)
				}
				n = len(got)
			}
			if n < c.least || n > c.most {
				b.Fatalf("found %d stale reports, want %d to %d", n, c.least, c.most)
			}
			b.ReportMetric(float64(n), "reports/op")
		})
	}
}

// stalePage is the page of the benchmark, as reports.StalePinger reads.
const stalePage = 100
