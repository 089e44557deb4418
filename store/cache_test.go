package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
)

func TestAuthCache(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		tok, secret, err := db.CreateToken(ctx, "ana@example.org", "", nil)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("answers cannot be changed through the pointers returned", func(t *testing.T) {
			m, _, err := db.Authenticate(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			m.Role = ward.RoleViewer
			again, _, _ := db.Authenticate(ctx, secret)
			if again.Role != ward.RoleAdmin {
				t.Errorf("role after the caller changed its copy = %s", again.Role)
			}
		})
		t.Run("a revocation by another process takes effect within the TTL", func(t *testing.T) {
			// A second store on the same database stands for the CLI or
			// another instance: its writes cannot clear this one's cache.
			other, err := Open(context.Background(), db.dsn, Options{Now: db.clock.Now, Holidays: holiday.Normalize})
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, _, err := db.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			if _, err := other.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Authenticate(ctx, secret); err != nil {
				t.Errorf("within the TTL the cached answer stands, got %v", err)
			}
			db.clock.Advance(CacheTTL)
			_, _, err = db.Authenticate(ctx, secret)
			wantCode(t, err, ward.EUNAUTHORIZED)
		})
		t.Run("expiry is checked on every use, cached or not", func(t *testing.T) {
			exp := db.clock.Now().Add(CacheTTL / 2)
			_, s, err := db.CreateToken(ctx, "ana@example.org", "", &exp)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Authenticate(ctx, s); err != nil {
				t.Fatal(err)
			}
			db.clock.Advance(CacheTTL / 2)
			_, _, err = db.Authenticate(ctx, s)
			wantCode(t, err, ward.EUNAUTHORIZED)
		})
		t.Run("once RevokeToken returns, the token is refused, even with lookups racing it", func(t *testing.T) {
			for round := range 20 {
				tk, s, err := db.CreateToken(ctx, "ana@example.org", "", nil)
				if err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				stop := make(chan struct{})
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							select {
							case <-stop:
								return
							default:
								_, _, _ = db.Authenticate(ctx, s)
							}
						}
					}()
				}
				if _, err := db.RevokeToken(ctx, tk.ID); err != nil {
					t.Fatal(err)
				}
				_, _, err = db.Authenticate(ctx, s)
				close(stop)
				wg.Wait()
				if ward.ErrorCode(err) != ward.EUNAUTHORIZED {
					t.Fatalf("round %d: a revoked token authenticated: %v", round, err)
				}
			}
		})
		t.Run("a role change here takes effect at once", func(t *testing.T) {
			mustCreate(t, db, ward.Member{Email: "cy@example.org", Name: "Cy", Role: ward.RoleAdmin})
			_, s, _ := db.CreateToken(ctx, "cy@example.org", "", nil)
			if m, _, err := db.Authenticate(ctx, s); err != nil || m.Role != ward.RoleAdmin {
				t.Fatalf("before: %+v, %v", m, err)
			}
			viewer := ward.RoleViewer
			if _, err := db.UpdateMember(ctx, "cy@example.org", ward.MemberUpdate{Role: &viewer}); err != nil {
				t.Fatal(err)
			}
			if m, _, _ := db.Authenticate(ctx, s); m.Role != ward.RoleViewer {
				t.Errorf("role after the change = %s, want viewer", m.Role)
			}
		})
		t.Run("disabling a member here takes effect at once", func(t *testing.T) {
			mustCreate(t, db, ward.Member{Email: "bo@example.org", Name: "Bo"})
			_, s, _ := db.CreateToken(ctx, "bo@example.org", "", nil)
			if _, _, err := db.Authenticate(ctx, s); err != nil {
				t.Fatal(err)
			}
			yes := true
			if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
			_, _, err := db.Authenticate(ctx, s)
			wantCode(t, err, ward.EUNAUTHORIZED)
		})
	})
}

// BenchmarkAuthenticate measures the per-request cost of checking a token
// when the answer is cached, as it is under load.
func BenchmarkAuthenticate(b *testing.B) {
	db := openTestDB(b, "sqlite:"+filepath.Join(b.TempDir(), "ward.db"))
	ctx := ctxAs(cli)
	if err := db.CreateMember(ctx, &ward.Member{Email: "ana@example.org", Name: "Ana"}); err != nil {
		b.Fatal(err)
	}
	_, secret, _ := db.CreateToken(ctx, "ana@example.org", "", nil)
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := db.Authenticate(ctx, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			db.auth.clear()
			if _, _, err := db.Authenticate(ctx, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCreateMember is the cost of one audited write: a transaction
// that inserts a row and its audit entry and commits durably.
func BenchmarkCreateMember(b *testing.B) {
	db := openTestDB(b, "sqlite:"+filepath.Join(b.TempDir(), "ward.db"))
	ctx := ctxAs(cli)
	i := 0
	for b.Loop() {
		i++
		if err := db.CreateMember(ctx, &ward.Member{Email: fmt.Sprintf("m%d@example.org", i), Name: "M"}); err != nil {
			b.Fatal(err)
		}
	}
}

// A lookup that began before a clear must not put back what the clearing
// write made stale.
func TestAuthCacheDropsLookupsThatRacedAClear(t *testing.T) {
	var c cache[int]
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	_, gen, _ := c.get("h", now) // a lookup begins
	c.clear()                    // a revocation commits
	c.put("h", 1, now, gen)
	if _, _, ok := c.get("h", now); ok {
		t.Error("an entry read before the clear was kept")
	}
	_, gen, _ = c.get("h", now)
	c.put("h", 2, now, gen)
	if _, _, ok := c.get("h", now); !ok {
		t.Error("an entry read after the clear was dropped")
	}
	if _, _, ok := c.get("h", now.Add(CacheTTL)); ok {
		t.Error("an entry outlived the TTL")
	}
}
