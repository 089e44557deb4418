package store

import (
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestTokens(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		mustCreate(t, db, ward.Member{Email: "bo@example.org", Name: "Bo", Role: ward.RoleTriager})

		tok, secret, err := db.CreateToken(ctx, "Bo@example.org", "ci", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, TokenPrefix) || len(secret) < 40 {
			t.Errorf("secret %q: want %s and at least 40 characters", secret, TokenPrefix)
		}

		t.Run("the secret is stored only as a hash", func(t *testing.T) {
			var n int
			if err := db.queryRow(ctx, `SELECT COUNT(*) FROM tokens WHERE hash = ? OR name = ?`, secret, secret).Scan(&n); err != nil || n != 0 {
				t.Errorf("rows holding the secret = %d, %v", n, err)
			}
		})
		t.Run("the secret authenticates its member and records its use", func(t *testing.T) {
			m, got, err := db.Authenticate(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if m.Email != "bo@example.org" || m.Role != ward.RoleTriager || got.ID != tok.ID {
				t.Errorf("authenticated %+v with %+v", m, got)
			}
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(db.clock.Now()) {
				t.Errorf("last used = %v, want %v", got.LastUsedAt, db.clock.Now())
			}
		})
		t.Run("use is recorded at most once a minute", func(t *testing.T) {
			first := db.clock.Now()
			db.clock.Advance(30 * time.Second)
			if _, _, err := db.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			stored, _ := db.FindTokenByID(ctx, tok.ID)
			if !stored.LastUsedAt.Equal(first) {
				t.Errorf("last used = %v after 30s, want %v", stored.LastUsedAt, first)
			}
			db.clock.Advance(31 * time.Second)
			if _, _, err := db.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			stored, _ = db.FindTokenByID(ctx, tok.ID)
			if !stored.LastUsedAt.Equal(db.clock.Now()) {
				t.Errorf("last used = %v after 61s, want %v", stored.LastUsedAt, db.clock.Now())
			}
		})
		t.Run("unknown and foreign secrets are unauthorized", func(t *testing.T) {
			for _, s := range []string{"", "Bearer x", TokenPrefix + "aaaa", secret + "x"} {
				_, _, err := db.Authenticate(ctx, s)
				wantCode(t, err, ward.EUNAUTHORIZED)
			}
		})
		t.Run("expired tokens are unauthorized", func(t *testing.T) {
			exp := db.clock.Now().Add(time.Hour)
			_, s, err := db.CreateToken(ctx, "ana@example.org", "short", &exp)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Authenticate(ctx, s); err != nil {
				t.Fatalf("before expiry: %v", err)
			}
			db.clock.Advance(time.Hour)
			_, _, err = db.Authenticate(ctx, s)
			wantCode(t, err, ward.EUNAUTHORIZED)
			if !strings.Contains(ward.ErrorMessage(err), "expired") {
				t.Errorf("message %q does not say the token expired", ward.ErrorMessage(err))
			}
			past := db.clock.Now().Add(-time.Minute)
			_, _, err = db.CreateToken(ctx, "ana@example.org", "past", &past)
			wantCode(t, err, ward.EINVALID)
		})
		t.Run("revoked tokens are unauthorized; revoking twice is harmless", func(t *testing.T) {
			_, s, _ := db.CreateToken(ctx, "ana@example.org", "gone", nil)
			m, tk, _ := db.Authenticate(ctx, s)
			if m == nil {
				t.Fatal("token did not authenticate before revocation")
			}
			for range 2 {
				if _, err := db.RevokeToken(ctx, tk.ID); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := db.Authenticate(ctx, s)
			wantCode(t, err, ward.EUNAUTHORIZED)
			entries, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "token/" + itoa(tk.ID)})
			if len(entries) != 2 {
				t.Errorf("audit entries for the token = %d, want create and one revoke", len(entries))
			}
			_, err = db.RevokeToken(ctx, 9999)
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("a disabled member's tokens stop working, and no new ones are issued", func(t *testing.T) {
			yes := true
			if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
			_, _, err := db.Authenticate(ctx, secret)
			wantCode(t, err, ward.EUNAUTHORIZED)
			_, _, err = db.CreateToken(ctx, "bo@example.org", "", nil)
			wantCode(t, err, ward.EINVALID)
			_, _, err = db.CreateToken(ctx, "nobody@example.org", "", nil)
			wantCode(t, err, ward.EINVALID)
		})
		t.Run("list per member, newest first", func(t *testing.T) {
			ts, err := db.FindTokens(ctx, "ana@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 2 || ts[0].Name != "gone" || ts[1].Name != "short" {
				t.Errorf("tokens = %+v", ts)
			}
			all, _ := db.FindTokens(ctx, "")
			if len(all) != 3 {
				t.Errorf("all tokens = %d, want 3", len(all))
			}
		})
	})
}
