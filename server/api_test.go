package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
)

func decodeJSON[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func TestMembersAPI(t *testing.T) {
	f := newFixture(t)
	admin, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleViewer]

	resp, body := f.do("GET", "/api/v1/me", viewer, "", "")
	if me := decodeJSON[ward.Member](t, body); resp.StatusCode != 200 || me.Email != "viewer@example.org" || me.Role != ward.RoleViewer {
		t.Fatalf("me = %d %s", resp.StatusCode, body)
	}

	t.Run("an admin adds a member, recorded with the request ID", func(t *testing.T) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/members", strings.NewReader(`{"email":"Ana@Example.org","name":"Ana","timezone":"Europe/Berlin","holidays":"de"}`))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("X-Request-ID", "script-42")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/members/ana@example.org" || resp.Header.Get("X-Request-ID") != "script-42" {
			t.Fatalf("create: %d, Location %q, request ID %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("X-Request-ID"))
		}
		_, body := f.do("GET", "/api/v1/audit?object=member/ana@example.org", admin, "", "")
		page := decodeJSON[struct{ Entries []ward.AuditEntry }](t, body)
		if len(page.Entries) != 1 || page.Entries[0].Actor != "member:admin@example.org" || page.Entries[0].RequestID != "script-42" {
			t.Errorf("audit = %s", body)
		}
	})
	t.Run("a member edits their own profile but not their role", func(t *testing.T) {
		resp, body := f.do("PATCH", "/api/v1/members/VIEWER@example.org", viewer, jsonType, `{"timezone":"Asia/Tokyo"}`)
		if m := decodeJSON[ward.Member](t, body); resp.StatusCode != 200 || m.TimeZone != "Asia/Tokyo" {
			t.Errorf("self update: %d %s", resp.StatusCode, body)
		}
		resp, _ = f.do("PATCH", "/api/v1/members/triager@example.org", viewer, jsonType, `{"timezone":"Asia/Tokyo"}`)
		if resp.StatusCode != 403 {
			t.Errorf("update of another member by a viewer: %d, want 403", resp.StatusCode)
		}
	})
	t.Run("every role reads the team; filters apply", func(t *testing.T) {
		_, body := f.do("GET", "/api/v1/members?role=viewer", viewer, "", "")
		list := decodeJSON[struct{ Members []ward.Member }](t, body)
		if len(list.Members) != 1 || list.Members[0].Email != "viewer@example.org" {
			t.Errorf("viewers = %s", body)
		}
		resp, _ := f.do("GET", "/api/v1/members?include_disabled=perhaps", viewer, "", "")
		if resp.StatusCode != 422 {
			t.Errorf("bad include_disabled: %d, want 422", resp.StatusCode)
		}
	})
	t.Run("disabling a member locks out their tokens at once", func(t *testing.T) {
		resp, _ := f.do("PATCH", "/api/v1/members/triager@example.org", admin, jsonType, `{"disabled":true}`)
		if resp.StatusCode != 200 {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		resp, _ = f.do("GET", "/api/v1/me", f.tokens[ward.RoleTriager], "", "")
		if resp.StatusCode != 401 {
			t.Errorf("disabled member's token: %d, want 401", resp.StatusCode)
		}
	})
}

func TestTokensAPI(t *testing.T) {
	f := newFixture(t)
	admin, responder := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder]

	resp, body := f.do("POST", "/api/v1/tokens", responder, jsonType, `{"name":"laptop"}`)
	created := decodeJSON[struct {
		Token  ward.Token
		Secret string
	}](t, body)
	if resp.StatusCode != 201 || created.Token.Member != "responder@example.org" || !strings.HasPrefix(created.Secret, "ward_") {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/v1/me", created.Secret, "", ""); resp.StatusCode != 200 {
		t.Fatalf("new token: %d", resp.StatusCode)
	}
	_, body = f.do("GET", "/api/v1/tokens", responder, "", "")
	if strings.Contains(string(body), created.Secret) || strings.Count(string(body), `"member":"responder@example.org"`) != 2 {
		t.Errorf("own tokens = %s; want two, and no secret", body)
	}
	_, body = f.do("GET", "/api/v1/tokens?member=*", admin, "", "")
	if n := len(decodeJSON[struct{ Tokens []ward.Token }](t, body).Tokens); n != 5 {
		t.Errorf("admin sees %d tokens, want 5", n)
	}
	resp, _ = f.do("DELETE", "/api/v1/tokens/"+itoa(created.Token.ID), responder, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("revoke own token: %d", resp.StatusCode)
	}
	resp, body = f.do("GET", "/api/v1/me", created.Secret, "", "")
	if resp.StatusCode != 401 || !strings.Contains(string(body), "revoked") || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("revoked token: %d %s", resp.StatusCode, body)
	}
	resp, _ = f.do("DELETE", "/api/v1/tokens/"+itoa(created.Token.ID), admin, "", "")
	if resp.StatusCode != 200 {
		t.Errorf("an admin revokes another's token: %d", resp.StatusCode)
	}
}

func TestAuditPages(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[ward.RoleAdmin]
	// The fixture wrote 8 entries: four members, four tokens.
	_, body := f.do("GET", "/api/v1/audit?limit=5&actor=cli:test", admin, "", "")
	first := decodeJSON[struct {
		Entries []ward.AuditEntry
		Next    string
	}](t, body)
	if len(first.Entries) != 5 || first.Next == "" {
		t.Fatalf("first page = %s", body)
	}
	_, body = f.do("GET", first.Next, admin, "", "")
	second := decodeJSON[struct {
		Entries []ward.AuditEntry
		Next    string
	}](t, body)
	if len(second.Entries) != 3 || second.Next != "" || second.Entries[0].ID >= first.Entries[4].ID {
		t.Errorf("second page = %s", body)
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := f.do("GET", path, "", "", ""); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	f.db.Close()
	resp, body := f.do("GET", "/readyz", "", "", "")
	if resp.StatusCode != 503 || !strings.Contains(string(body), `"unavailable"`) || strings.Contains(string(body), "sql") {
		t.Errorf("readyz with the database closed: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/healthz", "", "", ""); resp.StatusCode != 200 {
		t.Errorf("healthz must not depend on the database: %d", resp.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A client that hangs up mid-request is not a failure of ward's: it must
// not be logged as an internal error.
func TestClientGoneIsNotAnError(t *testing.T) {
	var logs strings.Builder
	s := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	s.Error(rec, httptest.NewRequest("GET", "/api/v1/me", nil).WithContext(ctx), fmt.Errorf("find member: %w", context.Canceled))
	if rec.Code != 499 || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("status %d, logs %q; want 499 and no error logged", rec.Code, logs.String())
	}
	// The same error while the client is still there is ours.
	rec = httptest.NewRecorder()
	s.Error(rec, httptest.NewRequest("GET", "/api/v1/me", nil), fmt.Errorf("find member: %w", context.Canceled))
	if rec.Code != 500 || !strings.Contains(logs.String(), "level=ERROR") || strings.Contains(rec.Body.String(), "canceled") {
		t.Errorf("status %d, body %s; want a 500 that shows no details, logged", rec.Code, rec.Body.String())
	}
}

func TestCVSSEndpoint(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("POST", "/api/v1/cvss", f.tokens[ward.RoleViewer], jsonType, `{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}`)
	if resp.StatusCode != 200 || string(body) != `{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","version":"3.1","score":9.8,"rating":"Critical"}`+"\n" {
		t.Errorf("cvss: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do("POST", "/api/v1/cvss", f.tokens[ward.RoleViewer], jsonType, `{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"}`)
	if e := decodeJSON[apiError](t, body); resp.StatusCode != 422 || !strings.Contains(e.Error.Message, `"A"`) {
		t.Errorf("a vector without A: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("POST", "/api/v1/cvss", "", jsonType, `{"vector":"x"}`); resp.StatusCode != 401 {
		t.Errorf("without a token: %d", resp.StatusCode)
	}
}

func TestTiersAPI(t *testing.T) {
	f := newFixture(t)
	spec := ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"), Bounties: map[string]int64{"critical": 1_000_000}}}}
	if _, err := f.db.ApplyTeam(context.Background(), spec, false); err != nil {
		t.Fatal(err)
	}
	resp, body := f.do("GET", "/api/v1/tiers", f.tokens[ward.RoleViewer], "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"bounties":{"critical":1000000}`) {
		t.Errorf("tiers: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/v1/tiers/tier-9", f.tokens[ward.RoleViewer], "", ""); resp.StatusCode != 404 {
		t.Errorf("unknown tier: %d", resp.StatusCode)
	}
}

func ptr[T any](v T) *T { return &v }
