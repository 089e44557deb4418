package store

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		mustCreate(t, db, ward.Member{Email: "bo@example.org", Name: "Bo", Role: ward.RoleTriager})

		s, secret, err := db.CreateSession(ctx, "Bo@example.org", ward.SignInPassword, "Firefox", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, SessionPrefix) || len(s.CSRF) < 40 || s.Member != "bo@example.org" ||
			!s.ExpiresAt.Equal(db.clock.Now().Add(ward.SessionLifetime)) {
			t.Fatalf("session %+v, secret %q", s, secret)
		}

		t.Run("only the secret's hash is stored", func(t *testing.T) {
			var n int
			if err := db.queryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE hash = ?`, secret).Scan(&n); err != nil || n != 0 {
				t.Errorf("rows holding the secret = %d, %v", n, err)
			}
		})
		t.Run("the secret authenticates its member", func(t *testing.T) {
			m, got, err := db.AuthenticateSession(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if m.Email != "bo@example.org" || got.ID != s.ID || got.CSRF != s.CSRF || got.UserAgent != "Firefox" || got.Address != "192.0.2.1" {
				t.Errorf("authenticated %+v with %+v", m, got)
			}
		})
		t.Run("unknown secrets are unauthorized", func(t *testing.T) {
			for _, bad := range []string{"", SessionPrefix, secret + "x", strings.TrimPrefix(secret, SessionPrefix), TokenPrefix + "x"} {
				_, _, err := db.AuthenticateSession(ctx, bad)
				wantCode(t, err, ward.EUNAUTHORIZED)
			}
		})
		t.Run("use is recorded at most once a minute and keeps it alive", func(t *testing.T) {
			start := db.clock.Now()
			db.clock.Advance(30 * time.Second)
			_, got, _ := db.AuthenticateSession(ctx, secret)
			if !got.LastSeenAt.Equal(start) {
				t.Errorf("last seen %v after 30s, want %v", got.LastSeenAt, start)
			}
			// Used every 90 minutes, the session outlives the idle timeout.
			for range 3 {
				db.clock.Advance(90 * time.Minute)
				if _, _, err := db.AuthenticateSession(ctx, secret); err != nil {
					t.Fatalf("after %v: %v", db.clock.Now().Sub(start), err)
				}
			}
		})
		t.Run("a session idle for two hours ends", func(t *testing.T) {
			_, idle, _ := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "", "")
			db.clock.Advance(ward.SessionIdle - time.Second)
			if _, _, err := db.AuthenticateSession(ctx, idle); err != nil {
				t.Fatalf("before the idle timeout: %v", err)
			}
			db.clock.Advance(ward.SessionIdle)
			_, _, err := db.AuthenticateSession(ctx, idle)
			wantCode(t, err, ward.EUNAUTHORIZED)
		})
		t.Run("a session ends 12 hours after signing in however used", func(t *testing.T) {
			_, long, _ := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "", "")
			for range 12 {
				db.clock.Advance(time.Hour)
				_, _, err = db.AuthenticateSession(ctx, long)
			}
			wantCode(t, err, ward.EUNAUTHORIZED)
			if !strings.Contains(ward.ErrorMessage(err), "expired") {
				t.Errorf("message %q, want expired", ward.ErrorMessage(err))
			}
		})

		_, secret, _ = db.CreateSession(ctx, "bo@example.org", ward.SignInPassword, "", "")
		_, other, _ := db.CreateSession(ctx, "bo@example.org", ward.SignInPassword, "", "")
		t.Run("signing out ends that session only", func(t *testing.T) {
			if err := db.EndSession(ctx, secret); err != nil {
				t.Fatal(err)
			}
			_, _, err := db.AuthenticateSession(ctx, secret)
			wantCode(t, err, ward.EUNAUTHORIZED)
			if _, _, err := db.AuthenticateSession(ctx, other); err != nil {
				t.Errorf("the other session: %v", err)
			}
			if err := db.EndSession(ctx, secret); err != nil {
				t.Errorf("again: %v", err)
			}
		})
		t.Run("signing out everywhere ends every session of the member", func(t *testing.T) {
			_, ana, _ := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "", "")
			_, third, _ := db.CreateSession(ctx, "bo@example.org", ward.SignInPassword, "", "")
			list, err := db.FindSessions(ctx, "bo@example.org")
			if err != nil || len(list) != 2 || list[0].Member != "bo@example.org" {
				t.Fatalf("sessions %+v, %v", list, err)
			}
			n, err := db.EndSessions(ctx, "bo@example.org")
			if err != nil || n != 2 {
				t.Fatalf("ended %d, %v; want 2", n, err)
			}
			for _, s := range []string{other, third} {
				_, _, err := db.AuthenticateSession(ctx, s)
				wantCode(t, err, ward.EUNAUTHORIZED)
			}
			if _, _, err := db.AuthenticateSession(ctx, ana); err != nil {
				t.Errorf("another member's session: %v", err)
			}
		})
		t.Run("a new password ends the member's sessions", func(t *testing.T) {
			_, s, _ := db.CreateSession(ctx, "bo@example.org", ward.SignInPassword, "", "")
			if err := db.SetPassword(ctx, "bo@example.org", "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"); err != nil {
				t.Fatal(err)
			}
			_, _, err := db.AuthenticateSession(ctx, s)
			wantCode(t, err, ward.EUNAUTHORIZED)
			_, c, err := db.FindCredentials(ctx, "BO@example.org")
			if err != nil || !strings.HasPrefix(c.PasswordHash, "$argon2id$") {
				t.Errorf("credentials %+v, %v", c, err)
			}
		})
		t.Run("disabling a member ends their sessions", func(t *testing.T) {
			_, s, _ := db.CreateSession(ctx, "bo@example.org", ward.SignInPassword, "", "")
			yes := true
			if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.queryRow(ctx, `SELECT COUNT(*) FROM sessions JOIN members ON members.id = member_id WHERE email = 'bo@example.org'`).Scan(&n); err != nil || n != 0 {
				t.Errorf("sessions left: %d, %v", n, err)
			}
			_, _, err := db.AuthenticateSession(ctx, s)
			wantCode(t, err, ward.EUNAUTHORIZED)
			_, _, err = db.CreateSession(ctx, "bo@example.org", ward.SignInPassword, "", "")
			wantCode(t, err, ward.EUNAUTHORIZED)
		})
		t.Run("the audit log records signing in and out, never a secret", func(t *testing.T) {
			es, err := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "member/bo@example.org", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			actions := map[string]bool{}
			for _, e := range es {
				actions[e.Action] = true
				for _, s := range []string{secret, other, "argon2id", SessionPrefix} {
					if strings.Contains(string(e.Diff), s) {
						t.Errorf("%s holds a secret: %s", e.Action, e.Diff)
					}
				}
			}
			for _, a := range []string{"session.sign_in", "session.sign_out", "session.sign_out_everywhere", "member.password"} {
				if !actions[a] {
					t.Errorf("no %s entry among %v", a, actions)
				}
			}
		})
	})
}

func TestTOTPCredentials(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		_, c, err := db.FindCredentials(ctx, "ana@example.org")
		if err != nil || *c != (ward.Credentials{}) {
			t.Fatalf("a new member's credentials: %+v, %v", c, err)
		}
		_, _, err = db.FindCredentials(ctx, "nobody@example.org")
		wantCode(t, err, ward.ENOTFOUND)

		wantCode(t, db.ConfirmTOTP(ctx, "ana@example.org", "", 5), ward.ECONFLICT)
		wantCode(t, db.ConfirmTOTP(ctx, "ana@example.org", "JBSWY3DPEHPK3PXP", 5), ward.ECONFLICT)
		// The set-up started again: the code checked against the first
		// key must not turn on the second.
		if err := db.SetPendingTOTP(ctx, "ana@example.org", "GEZDGNBVGY3TQOJQ"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPendingTOTP(ctx, "ana@example.org", "JBSWY3DPEHPK3PXP"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.ConfirmTOTP(ctx, "ana@example.org", "GEZDGNBVGY3TQOJQ", 5), ward.ECONFLICT)
		if _, c, _ = db.FindCredentials(ctx, "ana@example.org"); c.TOTP() {
			t.Fatalf("a superseded key's code turned the second factor on: %+v", c)
		}
		_, c, _ = db.FindCredentials(ctx, "ana@example.org")
		if c.TOTPPending != "JBSWY3DPEHPK3PXP" || c.TOTPSecret != "" {
			t.Fatalf("pending: %+v", c)
		}
		wantCode(t, db.UseTOTPStep(ctx, "ana@example.org", 1), ward.ECONFLICT) // not on yet
		if err := db.ConfirmTOTP(ctx, "ana@example.org", "JBSWY3DPEHPK3PXP", 100); err != nil {
			t.Fatal(err)
		}
		_, c, _ = db.FindCredentials(ctx, "ana@example.org")
		if c.TOTPSecret != "JBSWY3DPEHPK3PXP" || c.TOTPPending != "" || c.TOTPLastStep != 100 {
			t.Fatalf("confirmed: %+v", c)
		}
		wantCode(t, db.UseTOTPStep(ctx, "ana@example.org", 100), ward.ECONFLICT)
		wantCode(t, db.UseTOTPStep(ctx, "ana@example.org", 99), ward.ECONFLICT)
		if err := db.UseTOTPStep(ctx, "ana@example.org", 101); err != nil {
			t.Errorf("a later step: %v", err)
		}
		wantCode(t, db.UseTOTPStep(ctx, "ana@example.org", 101), ward.ECONFLICT)
		if err := db.DisableTOTP(ctx, "ana@example.org"); err != nil {
			t.Fatal(err)
		}
		_, c, _ = db.FindCredentials(ctx, "ana@example.org")
		if *c != (ward.Credentials{}) {
			t.Errorf("disabled: %+v", c)
		}
		es, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "member/ana@example.org"})
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
			if strings.Contains(string(e.Diff), "JBSWY3DP") {
				t.Errorf("%s holds the secret: %s", e.Action, e.Diff)
			}
		}
		if got := strings.Join(actions, " "); !strings.HasPrefix(got, "member.totp_disable member.totp_enable member.totp_setup") {
			t.Errorf("audit: %s", got)
		}
	})
}

func TestSignInLinks(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		mustCreate(t, db, ward.Member{Email: "bo@example.org", Name: "Bo", Role: ward.RoleTriager})
		_, err := db.CreateSignInLink(ctx, "nobody@example.org")
		wantCode(t, err, ward.EINVALID)

		link, err := db.CreateSignInLink(ctx, "ana@example.org")
		if err != nil || !strings.HasPrefix(link, SignInLinkPrefix) {
			t.Fatalf("link %q, %v", link, err)
		}
		// Looking does not use it up.
		for range 2 {
			if m, err := db.FindSignInLink(ctx, link); err != nil || m.Email != "ana@example.org" {
				t.Fatalf("find: %v, %v", m, err)
			}
		}
		m, err := db.UseSignInLink(ctx, link)
		if err != nil || m.Email != "ana@example.org" {
			t.Fatalf("use: %v, %v", m, err)
		}
		_, err = db.UseSignInLink(ctx, link)
		wantCode(t, err, ward.EUNAUTHORIZED)
		_, err = db.FindSignInLink(ctx, link)
		wantCode(t, err, ward.EUNAUTHORIZED)

		// Used many times at once, a link signs in once.
		twice, _ := db.CreateSignInLink(ctx, "ana@example.org")
		var wg sync.WaitGroup
		var used atomic.Int32
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.UseSignInLink(ctx, twice); err == nil {
					used.Add(1)
				} else if ward.ErrorCode(err) != ward.EUNAUTHORIZED {
					t.Errorf("a use at once: %v", err)
				}
			}()
		}
		wg.Wait()
		if used.Load() != 1 {
			t.Errorf("a link used at once signed in %d times, want 1", used.Load())
		}

		late, _ := db.CreateSignInLink(ctx, "ana@example.org")
		db.clock.Advance(ward.SignInLinkLifetime)
		_, err = db.UseSignInLink(ctx, late)
		wantCode(t, err, ward.EUNAUTHORIZED)
		_, err = db.FindSignInLink(ctx, late)
		wantCode(t, err, ward.EUNAUTHORIZED)

		bo, _ := db.CreateSignInLink(ctx, "bo@example.org")
		yes := true
		if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		_, err = db.UseSignInLink(ctx, bo)
		wantCode(t, err, ward.EUNAUTHORIZED)
		_, err = db.CreateSignInLink(ctx, "bo@example.org")
		wantCode(t, err, ward.EINVALID)
		for _, bad := range []string{"", SignInLinkPrefix + "x", TokenPrefix + "x"} {
			_, err = db.UseSignInLink(ctx, bad)
			wantCode(t, err, ward.EUNAUTHORIZED)
		}
	})
}

func TestRehashPassword(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		if err := db.SetPassword(ctx, "ana@example.org", "old"); err != nil {
			t.Fatal(err)
		}
		_, secret, err := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "Firefox", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RehashPassword(ctx, "ana@example.org", "not the hash", "stale"); err != nil {
			t.Fatal(err)
		}
		if err := db.RehashPassword(ctx, "ana@example.org", "old", "new"); err != nil {
			t.Fatal(err)
		}
		if _, c, _ := db.FindCredentials(ctx, "ana@example.org"); c.PasswordHash != "new" {
			t.Errorf("hash %q, want new", c.PasswordHash)
		}
		if _, _, err := db.AuthenticateSession(ctx, secret); err != nil {
			t.Errorf("a rehash ended a session: %v", err)
		}
		wantCode(t, db.RehashPassword(ctx, "nobody@example.org", "old", "new"), ward.ENOTFOUND)
	})
}

func TestPruneSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		_, old, err := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSignInLink(ctx, "ana@example.org"); err != nil {
			t.Fatal(err)
		}
		db.clock.Advance(ward.SessionIdle)
		_, fresh, err := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		// CreateSession pruned the idle one already; make another stale.
		_, stale, err := db.CreateSession(ctx, "ana@example.org", ward.SignInPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		db.clock.Advance(ward.SessionIdle - time.Minute)
		if _, _, err := db.AuthenticateSession(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		db.clock.Advance(time.Minute)

		sessions, links, err := db.PruneSessions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sessions != 1 || links != 1 {
			t.Errorf("pruned %d sessions and %d links, want 1 and 1", sessions, links)
		}
		if _, _, err := db.AuthenticateSession(ctx, fresh); err != nil {
			t.Errorf("the session in use was pruned: %v", err)
		}
		for _, gone := range []string{old, stale} {
			var n int
			if err := db.queryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE hash = ?`, hashSecret(gone)).Scan(&n); err != nil || n != 0 {
				t.Errorf("rows left of a dead session = %d, %v", n, err)
			}
		}
	})
}
