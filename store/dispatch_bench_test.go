package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

// outboxSeeding is the database of BenchmarkOutbox: a year of a busy
// team's outbox, 200,000 dispatches, of which the last 500 wait for their
// member's working hour (due within the next day) and the rest were
// delivered or given up.
var outboxSeeding = seeding{name: "outbox", version: "outbox-1",
	what: fmt.Sprintf("%d dispatches", outboxSeedDispatches), fill: seedOutbox}

const (
	outboxSeedDispatches = 200_000
	outboxSeedWaiting    = 500
)

func seedOutbox(ctx context.Context, db *DB) error {
	const batch, perInsert, cols = 10_000, 500, 10
	rng := rand.New(rand.NewPCG(2026, 11))
	channels := []string{ward.ChannelEmail, ward.ChannelEmail, ward.ChannelSlack, ward.ChannelWebhook}
	for done := 0; done < outboxSeedDispatches; done += batch {
		tx, err := db.begin(ctx)
		if err != nil {
			return err
		}
		for start := done; start < done+batch; start += perInsert {
			var q strings.Builder
			q.WriteString(`INSERT INTO dispatches (key, channel, target, member, kind, subject, body, due_at, created_at, delivered_at) VALUES `)
			args := make([]any, 0, cols*perInsert)
			for i := start; i < start+perInsert; i++ {
				if i > start {
					q.WriteByte(',')
				}
				q.WriteString(`(?,?,?,?,?,?,?,?,?,?)`)
				channel := channels[rng.IntN(len(channels))]
				var due, delivered time.Time
				if waiting := i >= outboxSeedDispatches-outboxSeedWaiting; waiting {
					due = seedNow.Add(time.Duration(1+rng.Int64N(int64(24*time.Hour))) / time.Microsecond * time.Microsecond)
				} else {
					due = seedNow.Add(-time.Duration(rng.Int64N(int64(365*24*time.Hour))) / time.Microsecond * time.Microsecond)
					delivered = due.Add(time.Second)
				}
				var deliveredAt int64
				if !delivered.IsZero() {
					deliveredAt = micros(delivered)
				}
				args = append(args, fmt.Sprintf("n:%d:%s", i, channel), channel, "member@example.org", "member@example.org", "ping",
					"[ward] #1 no update lately", "No update lately.", micros(due), micros(due), deliveredAt)
			}
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				tx.rollback()
				return fmt.Errorf("seed the outbox: %w", err)
			}
		}
		if err := tx.commit(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkOutbox measures what every instance's sender asks every second,
// over a year's outbox: whether anything is due (ClaimDispatches when
// nothing is, which must not take the write lock), and the admin's
// outbox page of what waits.
func BenchmarkOutbox(b *testing.B) {
	b.Run("db=sqlite", func(b *testing.B) { benchmarkOutbox(b, seededSQLite(b, outboxSeeding)) })
	b.Run("db=postgres", func(b *testing.B) { benchmarkOutbox(b, seededPostgres(b, outboxSeeding)) })
}

func benchmarkOutbox(b *testing.B, dsn string) {
	db, _ := openSeedDB(b, dsn)
	ctx := context.Background()
	all := []string{ward.ChannelEmail, ward.ChannelSlack, ward.ChannelWebhook}
	b.Run("op=idle-claim", func(b *testing.B) {
		for b.Loop() {
			got, err := db.ClaimDispatches(ctx, all, seedNow, seedNow, time.Minute, 8)
			if err != nil || len(got) != 0 {
				b.Fatalf("claimed %d, %v; want none due", len(got), err)
			}
		}
	})
	b.Run("op=waiting-page", func(b *testing.B) {
		var n int
		for b.Loop() {
			got, err := db.FindDispatches(ctx, ward.DispatchFilter{Status: "waiting", Limit: 100})
			if err != nil {
				b.Fatal(err)
			}
			n = len(got)
		}
		if n != 100 {
			b.Fatalf("found %d waiting, want a page of 100", n)
		}
	})
}
