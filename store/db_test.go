package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/wardtest"
)

// testDB is a migrated store of one backend with its clock.
type testDB struct {
	*DB
	clock *wardtest.Clock
	dsn   string
}

// eachDB runs the test against SQLite and, when WARD_TEST_POSTGRES names a
// server, against PostgreSQL: the same suite for both backends. Each run
// gets a database of its own, so tests may run in parallel.
func eachDB(t *testing.T, test func(t *testing.T, db testDB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, openTestDB(t, "sqlite:"+filepath.Join(t.TempDir(), "ward.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, openTestDB(t, wardtest.PostgresSchema(t)))
	})
}

func openTestDB(t testing.TB, dsn string) testDB {
	t.Helper()
	clock := wardtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db, err := Open(context.Background(), dsn, Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatalf("open %s: %v", RedactDSN(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return testDB{DB: db, clock: clock, dsn: dsn}
}
