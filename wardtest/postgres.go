package wardtest

import (
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// PostgresSchema creates a schema of its own for the test on the server
// that WARD_TEST_POSTGRES names, drops it when the test ends, and returns a
// URL whose search_path selects it. Without the variable the test is
// skipped, unless WARD_REQUIRE_POSTGRES=1, which CI sets: then it fails.
func PostgresSchema(t testing.TB) string {
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
