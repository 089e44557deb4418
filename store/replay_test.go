package store

import (
	"context"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestTakeOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		now := db.clock.Now()
		if err := db.TakeOnce(ctx, "slack", "sig-1", now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.TakeOnce(ctx, "slack", "sig-1", now.Add(10*time.Minute)); ward.ErrorCode(err) != ward.ECONFLICT {
			t.Errorf("the same request again: %v, want a conflict", err)
		}
		if err := db.TakeOnce(ctx, "other", "sig-1", now.Add(10*time.Minute)); err != nil {
			t.Errorf("the same id from another source: %v", err)
		}
		db.clock.Advance(11 * time.Minute)
		if err := db.TakeOnce(ctx, "slack", "sig-1", db.clock.Now().Add(10*time.Minute)); err != nil {
			t.Errorf("after its time is up, it is forgotten: %v", err)
		}
	})
}
