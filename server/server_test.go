package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/mailout"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/server"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

// fixture is a server on a real SQLite store with one member of each role
// and a token for each.
type fixture struct {
	t      testing.TB
	clock  *wardtest.Clock
	path   string // the SQLite file
	db     *store.DB
	srv    *httptest.Server
	h      http.Handler // the server's handler, for benchmarks in process
	tokens map[ward.Role]string
	logs   *syncBuffer // the server's log
	// sessions are the desk's signed-in members, by role (pageRequest).
	sessions map[ward.Role]deskSession
}

// syncBuffer is a log that the server writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith is newFixture with a server whose configuration configure
// changes first, when not nil.
func newFixtureWith(t testing.TB, configure func(*server.Config)) *fixture {
	t.Helper()
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorCLI, Email: "test", Role: ward.RoleAdmin})
	c := wardtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "ward.db")
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{Now: c.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, clock: c, path: path, db: db, tokens: map[ward.Role]string{}, logs: &syncBuffer{}}
	for _, r := range []ward.Role{ward.RoleAdmin, ward.RoleResponder, ward.RoleTriager, ward.RoleViewer} {
		m := ward.Member{Email: string(r) + "@example.org", Name: string(r), Role: r}
		if err := db.CreateMember(ctx, &m); err != nil {
			t.Fatal(err)
		}
		_, secret, err := db.CreateToken(ctx, m.Email, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = secret
	}
	onCall := oncall.New(db, c.Now)
	cfg := server.Config{Members: db, Tokens: db, Audit: db, Team: db, Rotations: db, Tiers: db, Reports: db, OnCall: onCall,
		Actions: reports.New(db, db, db, db, c.Now), Filters: db, Notifications: db, Dispatches: db, Sessions: db, Stale: db, Distributors: db, Replays: db,
		Now: c.Now, Ready: db.Ping, MaxBody: server.DefaultMaxBody, Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
		Inbox: inbox.New(db, db, db, inbox.Config{Mail: mailout.Config{From: "security@example.org", Name: "Example security"},
			PublicURL: "https://ward.example.org"}, c.Now, rand.Reader),
		Brief: brief.New(brief.Config{Reports: db, Handoffs: db, Stale: db, Rotations: db, OnCall: onCall, Distributors: db, Now: c.Now})}
	if configure != nil {
		configure(&cfg)
	}
	s := server.New(cfg)
	f.h = s.Handler()
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request; token "" sends none, contentType "" sends none.
func (f *fixture) do(method, path, token, contentType, body string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return f.send(req)
}

// send sends a request made in full, and reads the answer.
func (f *fixture) send(req *http.Request) (*http.Response, []byte) {
	f.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}

// auditCount is how many writes the store has recorded.
func (f *fixture) auditCount() int {
	f.t.Helper()
	es, err := f.db.FindAuditEntries(context.Background(), ward.AuditFilter{Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(es)
}

type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

const jsonType = "application/json"

// TestBadInput feeds the API what clients get wrong. Each case must get its
// documented status and code, a JSON error with a message, and write
// nothing.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	admin, viewer, triager := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleViewer], f.tokens[ward.RoleTriager]

	revokedTok, revoked, _ := f.db.CreateToken(context.Background(), "admin@example.org", "gone", nil)
	if _, err := f.db.RevokeToken(context.Background(), revokedTok.ID); err != nil {
		t.Fatal(err)
	}
	past := f.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	goodMember := `{"email":"new@example.org","name":"New"}`
	huge := `{"email":"big@example.org","name":"` + strings.Repeat("x", server.DefaultMaxBody) + `"}`

	tests := []struct {
		name                string
		method, path, token string
		contentType, body   string
		status              int
		code                string
	}{
		{"malformed JSON", "POST", "/api/v1/members", admin, jsonType, `{"email":`, 400, ward.EMALFORMED},
		{"not JSON at all", "POST", "/api/v1/members", admin, jsonType, `email=x`, 400, ward.EMALFORMED},
		{"empty body", "POST", "/api/v1/members", admin, jsonType, ``, 400, ward.EMALFORMED},
		{"two JSON values", "POST", "/api/v1/members", admin, jsonType, goodMember + goodMember, 400, ward.EMALFORMED},
		{"an array, not an object", "POST", "/api/v1/members", admin, jsonType, `[` + goodMember + `]`, 400, ward.EMALFORMED},
		{"null, not an object", "POST", "/api/v1/tokens", admin, jsonType, `null`, 400, ward.EMALFORMED},
		{"a time not in RFC 3339", "POST", "/api/v1/tokens", admin, jsonType, `{"expires_at":"tomorrow"}`, 400, ward.EMALFORMED},
		{"unknown field", "POST", "/api/v1/members", admin, jsonType, `{"email":"new@example.org","name":"New","admin":true}`, 400, ward.EMALFORMED},
		{"wrong type", "PATCH", "/api/v1/members/viewer@example.org", admin, jsonType, `{"disabled":"yes"}`, 400, ward.EMALFORMED},
		{"body over 1 MiB", "POST", "/api/v1/members", admin, jsonType, huge, 413, ward.ETOOLARGE},
		{"form content type", "POST", "/api/v1/members", admin, "application/x-www-form-urlencoded", goodMember, 415, ward.EUNSUPPORTED},
		{"no content type", "POST", "/api/v1/members", admin, "", goodMember, 415, ward.EUNSUPPORTED},
		{"text content type", "POST", "/api/v1/tokens", admin, "text/plain", `{}`, 415, ward.EUNSUPPORTED},
		{"invalid email", "POST", "/api/v1/members", admin, jsonType, `{"email":"new","name":"New"}`, 422, ward.EINVALID},
		{"invalid role", "POST", "/api/v1/members", admin, jsonType, `{"email":"new@example.org","name":"New","role":"root"}`, 422, ward.EINVALID},
		{"invalid time zone", "POST", "/api/v1/members", admin, jsonType, `{"email":"new@example.org","name":"New","timezone":"Mars/Olympus"}`, 422, ward.EINVALID},
		{"invalid work hours", "PATCH", "/api/v1/members/viewer@example.org", admin, jsonType, `{"workhours":"always"}`, 422, ward.EINVALID},
		{"invalid holidays", "PATCH", "/api/v1/members/viewer@example.org", admin, jsonType, `{"holidays":"Atlantis"}`, 422, ward.EINVALID},
		{"token expiring in the past", "POST", "/api/v1/tokens", admin, jsonType, `{"expires_at":"` + past + `"}`, 422, ward.EINVALID},
		{"invalid audit limit", "GET", "/api/v1/audit?limit=0", admin, "", "", 422, ward.EINVALID},
		{"duplicate email", "POST", "/api/v1/members", admin, jsonType, `{"email":"VIEWER@example.org","name":"Again"}`, 409, ward.ECONFLICT},
		{"demoting the last admin", "PATCH", "/api/v1/members/admin@example.org", admin, jsonType, `{"role":"viewer"}`, 409, ward.ECONFLICT},
		{"missing token", "GET", "/api/v1/me", "", "", "", 401, ward.EUNAUTHORIZED},
		{"missing token on a write", "POST", "/api/v1/members", "", jsonType, goodMember, 401, ward.EUNAUTHORIZED},
		{"unknown token", "GET", "/api/v1/me", "ward_notatoken", "", "", 401, ward.EUNAUTHORIZED},
		{"not a ward token", "GET", "/api/v1/me", "ghp_abc", "", "", 401, ward.EUNAUTHORIZED},
		{"revoked token", "POST", "/api/v1/members", revoked, jsonType, goodMember, 401, ward.EUNAUTHORIZED},
		{"viewer adds a member", "POST", "/api/v1/members", viewer, jsonType, goodMember, 403, ward.EFORBIDDEN},
		{"triager changes a role", "PATCH", "/api/v1/members/viewer@example.org", triager, jsonType, `{"role":"admin"}`, 403, ward.EFORBIDDEN},
		{"viewer promotes themself", "PATCH", "/api/v1/members/viewer@example.org", viewer, jsonType, `{"role":"admin"}`, 403, ward.EFORBIDDEN},
		{"viewer reads the audit log", "GET", "/api/v1/audit", viewer, "", "", 403, ward.EFORBIDDEN},
		{"a token for another member, even by an admin", "POST", "/api/v1/tokens", admin, jsonType, `{"member":"viewer@example.org"}`, 400, ward.EMALFORMED},
		{"a value of the wrong form", "POST", "/api/v1/tokens", admin, jsonType, `{"expires_at":{}}`, 400, ward.EMALFORMED},
		{"triager lists another's tokens", "GET", "/api/v1/tokens?member=viewer@example.org", triager, "", "", 403, ward.EFORBIDDEN},
		{"triager lists every token", "GET", "/api/v1/tokens?member=*", triager, "", "", 403, ward.EFORBIDDEN},
		{"unknown member", "GET", "/api/v1/members/nobody@example.org", admin, "", "", 404, ward.ENOTFOUND},
		{"update of an unknown member", "PATCH", "/api/v1/members/nobody@example.org", admin, jsonType, `{"name":"X"}`, 404, ward.ENOTFOUND},
		{"revoking another's token", "DELETE", "/api/v1/tokens/1", triager, "", "", 404, ward.ENOTFOUND},
		{"revoking a token that is not a number", "DELETE", "/api/v1/tokens/abc", admin, "", "", 404, ward.ENOTFOUND},
		{"unknown endpoint", "GET", "/api/v1/nothing", admin, "", "", 404, ward.ENOTFOUND},
		{"wrong method", "PUT", "/api/v1/members", admin, jsonType, goodMember, 405, ward.EMETHOD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.auditCount()
			resp, body := f.do(tt.method, tt.path, tt.token, tt.contentType, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			var e apiError
			dec := json.NewDecoder(strings.NewReader(string(body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("body %s is not a JSON error: %v", body, err)
			}
			if e.Error.Code != tt.code || e.Error.Message == "" || e.Error.RequestID != resp.Header.Get("X-Request-ID") {
				t.Errorf("error = %+v, want code %q, a message and the request ID %q", e.Error, tt.code, resp.Header.Get("X-Request-ID"))
			}
			if after := f.auditCount(); after != before {
				t.Errorf("audit entries went from %d to %d: the request wrote something", before, after)
			}
		})
	}

	t.Run("an expired token", func(t *testing.T) {
		exp := f.clock.Now().Add(time.Hour)
		_, secret, err := f.db.CreateToken(context.Background(), "admin@example.org", "short", &exp)
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := f.do("GET", "/api/v1/me", secret, "", ""); resp.StatusCode != 200 {
			t.Fatalf("before expiry: status %d", resp.StatusCode)
		}
		f.clock.Advance(time.Hour)
		resp, body := f.do("GET", "/api/v1/me", secret, "", "")
		if resp.StatusCode != 401 || !strings.Contains(string(body), "expired") {
			t.Errorf("expired token: status %d, body %s", resp.StatusCode, body)
		}
	})
	t.Run("a chunked body over the limit", func(t *testing.T) {
		// No Content-Length: the limit must hold while the body is read.
		body := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("x", server.DefaultMaxBody)), strings.NewReader(`"}`))
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/tokens", body)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", jsonType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 || req.ContentLength != 0 {
			t.Errorf("status %d (Content-Length %d), want 413 for a chunked body", resp.StatusCode, req.ContentLength)
		}
	})
}
