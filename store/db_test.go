package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
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
		test(t, openTestDB(t, postgresSchema(t)))
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

// postgresSchema creates a schema of its own for the test on the server
// that WARD_TEST_POSTGRES names, drops it when the test ends, and returns a
// URL whose search_path selects it. Without the variable the test is
// skipped, unless WARD_REQUIRE_POSTGRES=1, which CI sets: then it fails.
func postgresSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("WARD_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("WARD_REQUIRE_POSTGRES") == "1" {
			t.Fatal("WARD_REQUIRE_POSTGRES=1 but WARD_TEST_POSTGRES is not set")
		}
		t.Skip("PostgreSQL tests skipped: set WARD_TEST_POSTGRES=postgres://user@host:5432/db to run them")
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		if os.Getenv("WARD_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL at WARD_TEST_POSTGRES is unreachable: %v", err)
		}
		t.Skipf("PostgreSQL tests skipped: WARD_TEST_POSTGRES is unreachable: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := fmt.Sprintf("ward_test_%x", b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("WARD_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
